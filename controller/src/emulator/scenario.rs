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
//! `link_drop` (refuse_s, wall seconds), `slow_replies` (delay_ms, wall), `exception` (signal,
//! code 1–255).

use std::path::Path;

use toml::{Table, Value};

use super::faults::{Fault, ScheduledFault};
use super::physics::RigParams;
use crate::register_map::SignalName;

const KINDS: &str = "leak, gross_leak, over_pressure, pressure_stuck, pressure_nan, \
pressure_drift, pump_fault, blocked_flow, estop, link_drop, slow_replies, exception";

/// A parsed scenario.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Scenario {
    pub seed: Option<u64>,
    pub time_scale: Option<f64>,
    pub rig: Option<RigParams>,
    pub faults: Vec<ScheduledFault>,
}

/// A scenario file problem: `<file>: <field path>: <problem>`.
#[derive(Debug, thiserror::Error)]
#[error("{file}: {field}: {problem}")]
pub struct ScenarioError {
    pub file: String,
    pub field: String,
    pub problem: String,
}

/// Reads and validates a scenario file.
pub fn load_scenario(path: &Path) -> Result<Scenario, ScenarioError> {
    let text = std::fs::read_to_string(path).map_err(|e| ScenarioError {
        file: path.display().to_string(),
        field: "(file)".into(),
        problem: format!("cannot read: {e}"),
    })?;
    parse_scenario(&text, path)
}

/// Validates scenario text; `source` names the file in errors.
pub fn parse_scenario(text: &str, source: &Path) -> Result<Scenario, ScenarioError> {
    let file = source.display().to_string();
    let err = |field: &str, problem: String| ScenarioError {
        file: file.clone(),
        field: field.to_string(),
        problem,
    };
    let root: Table = toml::from_str(text)
        .map_err(|e| err("(syntax)", e.to_string().trim_end().replace('\n', " ")))?;
    let mut sc = Scenario::default();
    for (key, value) in &root {
        match key.as_str() {
            "seed" => match value {
                Value::Integer(i) if *i >= 0 => sc.seed = Some(*i as u64),
                _ => return Err(err("seed", "must be an integer ≥ 0".into())),
            },
            "time_scale" => match number(value) {
                Some(x) if x.is_finite() && x > 0.0 => sc.time_scale = Some(x),
                _ => return Err(err("time_scale", "must be a positive number".into())),
            },
            "rig" => {
                let rig: RigParams = value
                    .clone()
                    .try_into()
                    .map_err(|e: toml::de::Error| err("rig", e.message().to_string()))?;
                rig.validate()
                    .map_err(|(f, p)| err(&format!("rig.{f}"), p))?;
                sc.rig = Some(rig);
            }
            "fault" => {
                let Value::Array(items) = value else {
                    return Err(err("fault", "must be an array of tables: [[fault]]".into()));
                };
                for (i, item) in items.iter().enumerate() {
                    let path = format!("fault[{i}]");
                    let Value::Table(t) = item else {
                        return Err(err(&path, "must be a table".into()));
                    };
                    sc.faults
                        .push(parse_fault(t, &path).map_err(|(f, p)| err(&f, p))?);
                }
            }
            other => {
                return Err(err(
                    other,
                    "unknown field; valid: seed, time_scale, rig, fault".into(),
                ))
            }
        }
    }
    Ok(sc)
}

fn number(v: &Value) -> Option<f64> {
    match v {
        Value::Float(f) => Some(*f),
        Value::Integer(i) => Some(*i as f64),
        _ => None,
    }
}

type FieldErr = (String, String);

fn parse_fault(t: &Table, path: &str) -> Result<ScheduledFault, FieldErr> {
    let field = |k: &str| format!("{path}.{k}");
    let at_s = match t.get("at_s").and_then(number) {
        Some(x) if x.is_finite() && x >= 0.0 => x,
        Some(x) => return Err((field("at_s"), format!("{x} is not a time ≥ 0 s"))),
        None => {
            return Err((
                field("at_s"),
                "missing or not a number; give the emulated time in seconds".into(),
            ))
        }
    };
    let kind = match t.get("kind") {
        Some(Value::String(s)) => s.as_str(),
        _ => return Err((field("kind"), format!("missing; valid: {KINDS}"))),
    };
    let num = |k: &str, min: f64| -> Result<f64, FieldErr> {
        match t.get(k).and_then(number) {
            Some(x) if x.is_finite() && x >= min => Ok(x),
            Some(x) => Err((field(k), format!("{x} is out of range; must be ≥ {min}"))),
            None => Err((field(k), format!("missing; `{kind}` needs a number `{k}`"))),
        }
    };
    let (fault, extra): (Fault, &[&str]) = match kind {
        "leak" => (
            Fault::Leak {
                sccm: num("sccm", 0.0)?,
            },
            &["sccm"],
        ),
        "gross_leak" => (Fault::GrossLeak, &[]),
        "over_pressure" => (Fault::OverPressure, &[]),
        "pressure_stuck" => (Fault::PressureStuck, &[]),
        "pressure_nan" => (Fault::PressureNan, &[]),
        "pressure_drift" => (
            Fault::PressureDrift {
                kpa_per_s: num("kpa_per_s", f64::MIN)?,
            },
            &["kpa_per_s"],
        ),
        "pump_fault" => (Fault::PumpFault, &[]),
        "blocked_flow" => (Fault::BlockedFlow, &[]),
        "estop" => (Fault::EStop, &[]),
        "link_drop" => (
            Fault::LinkDrop {
                refuse_s: num("refuse_s", 0.0)?,
            },
            &["refuse_s"],
        ),
        "slow_replies" => match t.get("delay_ms") {
            Some(Value::Integer(ms)) if *ms >= 0 => (
                Fault::SlowReplies {
                    delay_ms: *ms as u64,
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
            let signal = match t.get("signal") {
                Some(Value::String(s)) => SignalName::from_name(s).ok_or_else(|| {
                    let known: Vec<&str> = SignalName::ALL.iter().map(|s| s.as_str()).collect();
                    (
                        field("signal"),
                        format!("unknown signal \"{s}\"; known: {}", known.join(", ")),
                    )
                })?,
                _ => return Err((field("signal"), "missing; give a signal name".into())),
            };
            let code = match t.get("code") {
                Some(Value::Integer(c)) if (1..=255).contains(c) => *c as u8,
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
    for k in t.keys() {
        if k != "at_s" && k != "kind" && !extra.contains(&k.as_str()) {
            let mut valid = vec!["at_s", "kind"];
            valid.extend_from_slice(extra);
            return Err((
                field(k),
                format!("not a field of `{kind}`; valid: {}", valid.join(", ")),
            ));
        }
    }
    Ok(ScheduledFault { at_s, fault })
}
