//! What one test produces: its [`TestRecord`] (the JSON contract's types: outcome, leak and
//! flow numbers, the trace), built by [`crate::l10::sequence`] and kept by [`crate::records`].
//!
//! Optional fields beyond the contract (allowed by it): per trace point `dp_kpa` and
//! `pump_speed_pct`; top level `leak.fit_samples`. Non-finite sensor readings are stored as
//! `null` (JSON has no NaN); the record's `reason` says what the reading was.

use chrono::{DateTime, SecondsFormat, Utc};
use serde::{Deserialize, Serialize};

/// Verdict of one test.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    /// The tray passed every check.
    Pass,
    /// The tray failed a check (leak, gross leak, flow band).
    Fail,
    /// The test stopped before a verdict (rig fault, limit, link loss, operator).
    Aborted,
}

impl Outcome {
    /// The name used in records and the store.
    pub fn as_str(&self) -> &'static str {
        match self {
            Outcome::Pass => "pass",
            Outcome::Fail => "fail",
            Outcome::Aborted => "aborted",
        }
    }

    /// Parses `pass` / `fail` / `aborted`.
    pub fn from_name(s: &str) -> Option<Outcome> {
        match s {
            "pass" => Some(Outcome::Pass),
            "fail" => Some(Outcome::Fail),
            "aborted" => Some(Outcome::Aborted),
            _ => None,
        }
    }
}

/// Phase of the sequence a sample was taken in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Phase {
    /// Known starting state and plausibility checks.
    Precheck,
    /// Filling to the test pressure.
    Fill,
    /// Valves closed while the compression heat decays.
    Stabilize,
    /// The pressure-decay measurement.
    Measure,
    /// Venting to below 5 kPa.
    Vent,
    /// The flow / ΔP steps.
    Flow,
    /// After an abort, while the safe state is driven.
    Safe,
}

impl Phase {
    /// The name used in records.
    pub fn as_str(&self) -> &'static str {
        match self {
            Phase::Precheck => "precheck",
            Phase::Fill => "fill",
            Phase::Stabilize => "stabilize",
            Phase::Measure => "measure",
            Phase::Vent => "vent",
            Phase::Flow => "flow",
            Phase::Safe => "safe",
        }
    }
}

/// Leak-test numbers (present when the measure phase completed).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LeakResult {
    /// Pressure when the fill ended, kPa gauge.
    pub fill_kpa: f64,
    /// Pressure at the start and end of the measure phase, kPa gauge.
    pub start_kpa: f64,
    /// Pressure at the end of the measure phase, kPa gauge.
    pub end_kpa: f64,
    /// Temperature-compensated leak rate, sccm.
    pub leak_sccm: f64,
    /// Number of samples in the least-squares fit (optional field).
    #[serde(default)]
    pub fit_samples: usize,
}

/// One flow-test step.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FlowPoint {
    /// Pump speed commanded, %.
    pub speed_pct: f64,
    /// Mean flow after settling, L/min.
    pub flow_lpm: f64,
    /// Mean ΔP (inlet − outlet) after settling, kPa.
    pub dp_kpa: f64,
    /// Flow and ΔP were in band.
    pub ok: bool,
}

/// One sample of the trace. Times are recipe (emulated) seconds since the test started.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TracePoint {
    /// Recipe seconds since the test started.
    pub t_s: f64,
    /// The phase the sample was taken in.
    pub phase: Phase,
    /// Test pressure, kPa gauge (`None`: not finite).
    pub test_pressure_kpa: Option<f64>,
    /// Gas temperature, °C, if mapped.
    pub gas_temperature_c: Option<f64>,
    /// Coolant flow, L/min, if mapped.
    pub flow_lpm: Option<f64>,
    #[serde(default)]
    /// ΔP across the tray, kPa (optional field).
    pub dp_kpa: Option<f64>,
    #[serde(default)]
    /// Pump speed feedback, % (optional field).
    pub pump_speed_pct: Option<f64>,
}

/// The record of one test.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TestRecord {
    /// Serial number of the tray.
    pub serial: String,
    /// Name of the recipe.
    pub recipe: String,
    /// RFC 3339 UTC, seconds precision (`2026-11-26T12:00:00Z`).
    pub started_at: String,
    /// When the test ended, RFC 3339 UTC.
    pub finished_at: String,
    /// The verdict.
    pub outcome: Outcome,
    /// A sentence for a person.
    pub reason: String,
    /// Leak-test numbers, when the measure phase completed.
    pub leak: Option<LeakResult>,
    /// Flow-test steps, in order.
    pub flow: Vec<FlowPoint>,
    /// Every sample of the test.
    pub trace: Vec<TracePoint>,
    /// Where, by whom, with what and under which limits the test ran (optional in the
    /// contract: records written before it existed read back with every field empty).
    #[serde(default)]
    pub provenance: Provenance,
}

/// The traceability of one record: enough to tell, years later, which station and operator
/// tested the tray, with which recipe and register map (by content hash), under which limits,
/// with which software, and whether it was a real test or a dry run.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Provenance {
    /// The station's id (`station.toml` `id`); `None` for a hand-started `leak-test`.
    #[serde(default)]
    pub station_id: Option<String>,
    /// The operator's id; `None` when none was given.
    #[serde(default)]
    pub operator: Option<String>,
    /// SHA-256 of the recipe file's bytes, lowercase hex.
    #[serde(default)]
    pub recipe_sha256: Option<String>,
    /// SHA-256 of the register map file's bytes, lowercase hex.
    #[serde(default)]
    pub map_sha256: Option<String>,
    /// The limits the verdict was judged against (the recipe's pass/fail limits as JSON:
    /// leak limit, flow and ΔP bands, pressure limits).
    #[serde(default)]
    pub limits: Option<serde_json::Value>,
    /// The coldtray version that ran the test (`CARGO_PKG_VERSION`).
    #[serde(default)]
    pub coldtray_version: Option<String>,
    /// The host name of the machine that ran the controller.
    #[serde(default)]
    pub host: Option<String>,
    /// Duration of the test on the monotonic clock, wall seconds (immune to clock steps,
    /// unlike `finished_at − started_at`).
    #[serde(default)]
    pub duration_s: Option<f64>,
    /// `true` when the rig was an emulator (it says so through the map's `rig_is_emulator`
    /// signal) or the test ran with a time scale other than 1: not a production test.
    #[serde(default)]
    pub dry_run: bool,
    /// Why a tray that failed was tested again, as the operator gave it (a station asks for
    /// it before a retest after a FAIL).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retest_reason: Option<String>,
}

/// A finite value, or `None` (JSON has no NaN).
pub fn finite(v: Option<f64>) -> Option<f64> {
    v.filter(|x| x.is_finite())
}

/// RFC 3339 UTC with seconds precision, as the contract shows.
pub fn format_time(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// A complete failing record (leak, flow point, trace) for the tests of this crate.
#[cfg(test)]
pub(crate) fn sample_record() -> TestRecord {
    TestRecord {
        serial: "SN0001".into(),
        recipe: "L10 VR200 compute tray".into(),
        started_at: "2026-11-26T12:00:00Z".into(),
        finished_at: "2026-11-26T12:01:30Z".into(),
        outcome: Outcome::Fail,
        reason: "leak 2.07 sccm > 0.5 sccm".into(),
        leak: Some(LeakResult {
            fill_kpa: 524.8,
            start_kpa: 523.9,
            end_kpa: 523.2,
            leak_sccm: 2.07,
            fit_samples: 300,
        }),
        flow: vec![FlowPoint {
            speed_pct: 60.0,
            flow_lpm: 7.4,
            dp_kpa: 38.0,
            ok: true,
        }],
        trace: vec![TracePoint {
            t_s: 0.0,
            phase: Phase::Fill,
            test_pressure_kpa: Some(0.1),
            gas_temperature_c: Some(22.0),
            flow_lpm: None,
            dp_kpa: None,
            pump_speed_pct: None,
        }],
        provenance: Provenance::default(),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn json_has_the_contract_fields() {
        let v = serde_json::to_value(sample_record()).unwrap();
        for k in [
            "serial",
            "recipe",
            "started_at",
            "finished_at",
            "outcome",
            "reason",
            "leak",
            "flow",
            "trace",
        ] {
            assert!(v.get(k).is_some(), "missing {k}");
        }
        assert_eq!(v["outcome"], "fail");
        assert_eq!(v["leak"]["leak_sccm"], 2.07);
        assert_eq!(v["flow"][0]["ok"], true);
        assert_eq!(v["trace"][0]["phase"], "fill");
        assert!(v["trace"][0]["flow_lpm"].is_null());
        // The contract's example parses into the record type.
        let contract = r#"{"serial":"SN0001","recipe":"L10 VR200 compute tray",
          "started_at":"2026-11-26T12:00:00Z","finished_at":"2026-11-26T12:01:30Z",
          "outcome":"fail","reason":"leak 2.07 sccm > 0.5 sccm",
          "leak":{"fill_kpa":524.8,"start_kpa":523.9,"end_kpa":523.2,"leak_sccm":2.07},
          "flow":[{"speed_pct":60.0,"flow_lpm":7.4,"dp_kpa":38.0,"ok":true}],
          "trace":[{"t_s":0.0,"phase":"fill","test_pressure_kpa":0.1,"gas_temperature_c":22.0,"flow_lpm":null}]}"#;
        let r: TestRecord = serde_json::from_str(contract).unwrap();
        assert_eq!(r.outcome, Outcome::Fail);
    }
}
