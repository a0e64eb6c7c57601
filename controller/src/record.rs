//! The test record (rig-format.md "The test record"): one per test, serialised as JSON exactly
//! as the contract shows, written atomically so a crash never leaves half a file.
//!
//! Optional fields beyond the contract (allowed by it): per trace point `dp_kpa` and
//! `pump_speed_pct`; top level `leak.fit_samples`. Non-finite sensor readings are stored as
//! `null` (JSON has no NaN); the record's `reason` says what the reading was.

use std::io::Write;
use std::path::{Path, PathBuf};

use chrono::{DateTime, SecondsFormat, Utc};
use serde::{Deserialize, Serialize};

/// Verdict of one test.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    Pass,
    Fail,
    Aborted,
}

impl Outcome {
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
    Precheck,
    Fill,
    Stabilize,
    Measure,
    Vent,
    Flow,
    /// After an abort, while the safe state is driven.
    Safe,
}

impl Phase {
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
    pub speed_pct: f64,
    pub flow_lpm: f64,
    pub dp_kpa: f64,
    pub ok: bool,
}

/// One sample of the trace. Times are recipe (emulated) seconds since the test started.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TracePoint {
    pub t_s: f64,
    pub phase: Phase,
    pub test_pressure_kpa: Option<f64>,
    pub gas_temperature_c: Option<f64>,
    pub flow_lpm: Option<f64>,
    #[serde(default)]
    pub dp_kpa: Option<f64>,
    #[serde(default)]
    pub pump_speed_pct: Option<f64>,
}

/// The record of one test.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TestRecord {
    pub serial: String,
    pub recipe: String,
    /// RFC 3339 UTC, seconds precision (`2026-11-26T12:00:00Z`).
    pub started_at: String,
    pub finished_at: String,
    pub outcome: Outcome,
    /// A sentence for a person.
    pub reason: String,
    pub leak: Option<LeakResult>,
    pub flow: Vec<FlowPoint>,
    pub trace: Vec<TracePoint>,
}

/// A finite value, or `None` (JSON has no NaN).
pub fn finite(v: Option<f64>) -> Option<f64> {
    v.filter(|x| x.is_finite())
}

/// RFC 3339 UTC with seconds precision, as the contract shows.
pub fn format_time(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// Record-store errors (JSON file, SQLite, plot).
#[derive(Debug, thiserror::Error)]
pub enum RecordError {
    #[error("serial number {serial:?} is invalid: {problem}; use 1–64 characters from A–Z a–z 0–9 . _ -")]
    BadSerial { serial: String, problem: String },
    #[error("{}: {action}: {source}", path.display())]
    Io {
        path: PathBuf,
        action: &'static str,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot serialise the record: {0}")]
    Json(#[from] serde_json::Error),
    #[error("{}: SQLite: {source}", path.display())]
    Sqlite {
        path: PathBuf,
        #[source]
        source: rusqlite::Error,
    },
    #[error("{}: cannot draw the trace plot: {message}", path.display())]
    Plot { path: PathBuf, message: String },
}

/// Serial numbers become file names: 1–64 characters of `[A-Za-z0-9._-]`, not `.`/`..`.
pub fn validate_serial(serial: &str) -> Result<(), RecordError> {
    let bad = |problem: &str| {
        Err(RecordError::BadSerial {
            serial: serial.to_string(),
            problem: problem.to_string(),
        })
    };
    if serial.is_empty() {
        return bad("it is empty");
    }
    if serial.len() > 64 {
        return bad("it is longer than 64 characters");
    }
    if let Some(c) = serial
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-')))
    {
        return bad(&format!("it contains {c:?}"));
    }
    if serial.chars().all(|c| c == '.') {
        return bad("it is only dots");
    }
    Ok(())
}

/// `DIR/<serial>-<YYYYMMDDTHHMMSSZ>[-n].json`: compact UTC stamp (no `:` so the name is valid
/// on every file system); `-2`, `-3`… when a record of the same serial and second exists.
pub fn record_path(dir: &Path, record: &TestRecord) -> PathBuf {
    let stamp: String = record
        .started_at
        .chars()
        .filter(|c| *c != '-' && *c != ':')
        .collect();
    let base = format!("{}-{}", record.serial, stamp);
    let mut path = dir.join(format!("{base}.json"));
    let mut n = 2;
    while path.exists() {
        path = dir.join(format!("{base}-{n}.json"));
        n += 1;
    }
    path
}

/// Writes `bytes` to `path` atomically: a temporary file in the same directory, fsync,
/// rename over `path`, fsync of the directory. Creates the directory if needed.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), RecordError> {
    let io = |action: &'static str, p: &Path| {
        let p = p.to_path_buf();
        move |source| RecordError::Io {
            path: p,
            action,
            source,
        }
    };
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    std::fs::create_dir_all(&dir).map_err(io("cannot create the directory", &dir))?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "record".into());
    let tmp = dir.join(format!(".{name}.tmp-{}", std::process::id()));
    let result = (|| {
        let mut f = std::fs::File::create(&tmp).map_err(io("cannot create", &tmp))?;
        f.write_all(bytes).map_err(io("cannot write", &tmp))?;
        f.sync_all().map_err(io("cannot fsync", &tmp))?;
        drop(f);
        std::fs::rename(&tmp, path).map_err(io("cannot rename the temporary file onto", path))?;
        // The rename itself is durable only once the directory is synced (best effort on
        // platforms where a directory cannot be opened).
        if let Ok(d) = std::fs::File::open(&dir) {
            let _ = d.sync_all();
        }
        Ok(())
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

/// Serialises the record and writes it atomically to [`record_path`]; returns the path.
pub fn write_json(dir: &Path, record: &TestRecord) -> Result<PathBuf, RecordError> {
    validate_serial(&record.serial)?;
    let path = record_path(dir, record);
    let json = serde_json::to_vec_pretty(record)?;
    write_atomic(&path, &json)?;
    Ok(path)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

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
        }
    }

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

    #[test]
    fn serials() {
        for ok in ["SN0001", "a.b_c-D", &"x".repeat(64)] {
            assert!(validate_serial(ok).is_ok(), "{ok}");
        }
        for bad in ["", "..", "a/b", "a b", "sn:1", "ü", &"x".repeat(65), "a\\b"] {
            let e = validate_serial(bad).unwrap_err().to_string();
            assert!(e.contains("A–Z a–z 0–9"), "{e}");
        }
    }

    #[test]
    fn atomic_write_and_unique_names() {
        let dir = std::env::temp_dir().join(format!("ctrl-rec-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let r = sample_record();
        let p1 = write_json(&dir, &r).unwrap();
        assert_eq!(p1.file_name().unwrap(), "SN0001-20261126T120000Z.json");
        let p2 = write_json(&dir, &r).unwrap();
        assert_eq!(p2.file_name().unwrap(), "SN0001-20261126T120000Z-2.json");
        let back: TestRecord = serde_json::from_slice(&std::fs::read(&p1).unwrap()).unwrap();
        assert_eq!(back, r);
        // No temporary files left behind.
        let names: Vec<_> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert!(names.iter().all(|n| !n.contains(".tmp")), "{names:?}");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
