//! Why a test was aborted: every reason the supervisor, the link or the operator can stop a
//! test for, each displayed as a sentence a person can act on (the record's `reason`).

use std::fmt;

use crate::rig::names::SignalName;

/// Why a test was aborted. Displays as a sentence for the record's `reason`.
#[derive(Debug, Clone, PartialEq)]
pub enum AbortReason {
    OverPressure {
        signal: SignalName,
        kpa: f64,
        limit_kpa: f64,
    },
    EStop,
    PumpFault,
    SensorInvalid {
        signal: SignalName,
        value: f64,
        lo: f64,
        hi: f64,
    },
    OverFlow {
        flow_lpm: f64,
        limit_lpm: f64,
    },
    OverSpeed {
        speed_pct: f64,
        limit_pct: f64,
    },
    PressureDrift {
        rise_kpa: f64,
    },
    SensorFrozen {
        signal: SignalName,
        value: f64,
        samples: u32,
    },
    BlockedFlow {
        flow_lpm: f64,
        expected_min_lpm: f64,
    },
    NotVented {
        kpa: f64,
    },
    VentTimeout {
        kpa: f64,
        after_s: f64,
    },
    LinkLost {
        for_ms: u64,
        error: String,
    },
    LinkRefused {
        error: String,
    },
    CommandFailed {
        error: String,
    },
    NoMeasurement {
        detail: String,
    },
    Cancelled,
}

impl fmt::Display for AbortReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use AbortReason::*;
        match self {
            OverPressure { signal, kpa, limit_kpa } => write!(
                f,
                "over-pressure: {} read {kpa:.1} kPa, above the recipe limit {limit_kpa:.1} kPa",
                signal.as_str()
            ),
            EStop => write!(f, "emergency stop pressed"),
            PumpFault => write!(f, "pump drive reports a fault"),
            SensorInvalid { signal, value, lo, hi } if !value.is_finite() => write!(
                f,
                "sensor {} read {value}, not a number (valid range {lo}…{hi}): check the sensor and its wiring",
                signal.as_str()
            ),
            SensorInvalid { signal, value, lo, hi } => write!(
                f,
                "sensor {} read {value} outside its physical range {lo}…{hi}: check the sensor and its wiring",
                signal.as_str()
            ),
            OverFlow { flow_lpm, limit_lpm } => write!(
                f,
                "flow {flow_lpm:.2} L/min above the recipe limit {limit_lpm:.2} L/min"
            ),
            OverSpeed { speed_pct, limit_pct } => write!(
                f,
                "pump speed {speed_pct:.1} % above the recipe limit {limit_pct:.1} %"
            ),
            PressureDrift { rise_kpa } => write!(
                f,
                "test pressure rose {rise_kpa:.2} kPa with every valve closed: gas is entering the tray (leaking fill or isolation valve, failed regulator) or the pressure sensor is drifting"
            ),
            SensorFrozen { signal, value, samples } => write!(
                f,
                "sensor {} frozen at {value} for {samples} samples in a row: check the transmitter and the PLC's analog input",
                signal.as_str()
            ),
            BlockedFlow { flow_lpm, expected_min_lpm } => write!(
                f,
                "blocked flow: {flow_lpm:.2} L/min with the pump running (step minimum {expected_min_lpm:.2} L/min): check the loop, quick-disconnects and valves"
            ),
            NotVented { kpa } => write!(
                f,
                "precheck: the tray is still pressurised ({kpa:.1} kPa, must be below 5 kPa); vent it before testing"
            ),
            VentTimeout { kpa, after_s } => write!(
                f,
                "vent: pressure still {kpa:.1} kPa after {after_s:.1} s (must fall below 5 kPa): check the vent valve"
            ),
            LinkLost { for_ms, error } => write!(
                f,
                "lost the link to the rig for {for_ms} ms: {error}"
            ),
            LinkRefused { error } => write!(f, "the rig refused a request: {error}"),
            CommandFailed { error } => write!(f, "{error}"),
            NoMeasurement { detail } => write!(f, "no leak measurement: {detail}"),
            Cancelled => write!(f, "stopped by the operator (Ctrl-C / SIGTERM)"),
        }
    }
}
