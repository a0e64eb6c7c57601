//! Scenario files for `coldtray emulate --scenario FILE`: faults at emulated times, plus
//! optional seed, time scale and rig parameters.
//!
//! ```toml
//! seed = 7                 # optional
//! time_scale = 60.0        # optional
//! [rig]                    # optional: any RigParams field
//! volume_ml = 400.0
//!
//! [[fault]]
//! at_s = 0.0
//! kind = "leak"
//! sccm = 2.0
//!
//! [[fault]]
//! at_s = 12.0
//! kind = "estop"
//! ```
//! Kinds and their fields: `leak` (sccm), `gross_leak`, `over_pressure`, `pressure_stuck`,
//! `pressure_nan`, `pressure_drift` (kpa_per_s), `pump_fault`, `blocked_flow`, `estop`,
//! `link_drop` (refuse_s, wall seconds), `slow_replies` (delay_ms, wall), `plc_restart`
//! (duration_s, emulated), `exception` (signal, code 1–255).

use std::path::Path;

use coldtray_io::config::{self, ConfigError, Format};
use serde::Deserialize;

use crate::emulator::faults::{Fault, ScheduledFault};
use crate::emulator::physics::RigParams;
use crate::rig::names::SignalName;
use crate::rig::number::{Integer, Number};

/// How scenario files are named in messages.
pub const SCENARIO_FORMAT: Format = Format {
    what: "an emulator scenario",
    needs: "at least one [[fault]] (at_s, kind) or one of seed, time_scale, [rig]",
    doc: "docs/formats/emulator-scenario.md",
};

const KINDS: &str = "leak, gross_leak, over_pressure, pressure_stuck, pressure_nan, \
pressure_drift, pump_fault, blocked_flow, estop, link_drop, slow_replies, plc_restart, exception";

/// A parsed and validated scenario.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Scenario {
    /// Seed of the sensor-noise generator, if the scenario fixes it.
    pub seed: Option<u64>,
    /// Emulated seconds per wall second, if the scenario fixes it.
    pub time_scale: Option<f64>,
    /// Rig parameters (defaults for every field the file leaves out).
    pub rig: Option<RigParams>,
    /// Faults, in file order.
    pub faults: Vec<ScheduledFault>,
}

/// The file as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ScenarioFile {
    seed: Option<Integer>,
    time_scale: Option<Number>,
    rig: Option<RigParams>,
    #[serde(default)]
    fault: Vec<FaultFile>,
}

/// One `[[fault]]` as written: every kind's fields, checked against its `kind` afterwards.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FaultFile {
    at_s: Number,
    kind: Option<String>,
    sccm: Option<Number>,
    kpa_per_s: Option<Number>,
    refuse_s: Option<Number>,
    duration_s: Option<Number>,
    delay_ms: Option<Integer>,
    signal: Option<String>,
    code: Option<Integer>,
}

/// Reads and validates a scenario file.
pub fn load_scenario(path: &Path) -> Result<Scenario, ConfigError> {
    let text = config::read_text(path, &SCENARIO_FORMAT)?;
    parse_scenario(&text, path)
}

/// Validates scenario text; `source` names the file in errors.
pub fn parse_scenario(text: &str, source: &Path) -> Result<Scenario, ConfigError> {
    let file: ScenarioFile = config::parse_toml(text, source, &SCENARIO_FORMAT)?;
    let err = |(field, problem): FieldErr| ConfigError::field(source, field, problem);
    let seed = match file.seed {
        None => None,
        Some(Integer(i)) => Some(
            u64::try_from(i)
                .map_err(|_| err(("seed".into(), format!("{i}: must be an integer ≥ 0"))))?,
        ),
    };
    let time_scale = match file.time_scale {
        None => None,
        Some(Number(x)) => match crate::emulator::check_time_scale(x) {
            Ok(()) => Some(x),
            Err(problem) => return Err(err(("time_scale".into(), problem))),
        },
    };
    if let Some(rig) = &file.rig {
        rig.validate()
            .map_err(|e| err((format!("rig.{}", e.field), e.problem)))?;
    }
    let faults = file
        .fault
        .iter()
        .enumerate()
        .map(|(i, f)| parse_fault(f, &format!("fault[{i}]")).map_err(err))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Scenario {
        seed,
        time_scale,
        rig: file.rig,
        faults,
    })
}

/// A field path and what is wrong with it.
type FieldErr = (String, String);

fn parse_fault(t: &FaultFile, path: &str) -> Result<ScheduledFault, FieldErr> {
    let field = |k: &str| format!("{path}.{k}");
    let at_s = match t.at_s {
        Number(x) if x.is_finite() && x >= 0.0 => x,
        Number(x) => return Err((field("at_s"), format!("{x} is not a time ≥ 0 s"))),
    };
    let Some(kind) = t.kind.as_deref() else {
        return Err((field("kind"), format!("missing; valid: {KINDS}")));
    };
    let num = |k: &str, v: Option<Number>, min: f64| -> Result<f64, FieldErr> {
        match v {
            Some(Number(x)) if x.is_finite() && x >= min => Ok(x),
            Some(Number(x)) => Err((field(k), format!("{x} is out of range; must be ≥ {min}"))),
            None => Err((field(k), format!("missing; `{kind}` needs a number `{k}`"))),
        }
    };
    let (fault, extra): (Fault, &[&str]) = match kind {
        "leak" => (
            Fault::Leak {
                sccm: num("sccm", t.sccm, 0.0)?,
            },
            &["sccm"],
        ),
        "gross_leak" => (Fault::GrossLeak, &[]),
        "over_pressure" => (Fault::OverPressure, &[]),
        "pressure_stuck" => (Fault::PressureStuck, &[]),
        "pressure_nan" => (Fault::PressureNan, &[]),
        "pressure_drift" => (
            Fault::PressureDrift {
                kpa_per_s: num("kpa_per_s", t.kpa_per_s, f64::MIN)?,
            },
            &["kpa_per_s"],
        ),
        "pump_fault" => (Fault::PumpFault, &[]),
        "blocked_flow" => (Fault::BlockedFlow, &[]),
        "estop" => (Fault::EStop, &[]),
        "link_drop" => (
            Fault::LinkDrop {
                refuse_s: num("refuse_s", t.refuse_s, 0.0)?,
            },
            &["refuse_s"],
        ),
        "plc_restart" => (
            Fault::PlcRestart {
                duration_s: num("duration_s", t.duration_s, 0.0)?,
            },
            &["duration_s"],
        ),
        "slow_replies" => match t.delay_ms {
            Some(Integer(ms)) if ms >= 0 => (
                Fault::SlowReplies {
                    delay_ms: ms as u64,
                },
                &["delay_ms"],
            ),
            _ => {
                return Err((
                    field("delay_ms"),
                    "missing or invalid; give an integer number of milliseconds ≥ 0".into(),
                ))
            }
        },
        "exception" => {
            let signal = match &t.signal {
                Some(s) => SignalName::from_name(s).ok_or_else(|| {
                    let known: Vec<&str> = SignalName::ALL.iter().map(|s| s.as_str()).collect();
                    (
                        field("signal"),
                        format!("unknown signal \"{s}\"; known: {}", known.join(", ")),
                    )
                })?,
                None => return Err((field("signal"), "missing; give a signal name".into())),
            };
            let code = match t.code {
                Some(Integer(c)) if (1..=255).contains(&c) => c as u8,
                _ => {
                    return Err((
                        field("code"),
                        "missing or invalid; give an exception code 1–255 (e.g. 2 illegal \
                         data address, 4 server device failure, 6 busy)"
                            .into(),
                    ))
                }
            };
            (Fault::Exception { signal, code }, &["signal", "code"])
        }
        other => {
            return Err((
                field("kind"),
                format!("unknown fault kind \"{other}\"; valid: {KINDS}"),
            ))
        }
    };
    let given = [
        ("sccm", t.sccm.is_some()),
        ("kpa_per_s", t.kpa_per_s.is_some()),
        ("refuse_s", t.refuse_s.is_some()),
        ("duration_s", t.duration_s.is_some()),
        ("delay_ms", t.delay_ms.is_some()),
        ("signal", t.signal.is_some()),
        ("code", t.code.is_some()),
    ];
    if let Some((k, _)) = given.iter().find(|(k, g)| *g && !extra.contains(k)) {
        let mut valid = vec!["at_s", "kind"];
        valid.extend_from_slice(extra);
        return Err((
            field(k),
            format!("not a field of `{kind}`; valid: {}", valid.join(", ")),
        ));
    }
    Ok(ScheduledFault { at_s, fault })
}
