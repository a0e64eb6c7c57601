//! Why a test was aborted: every reason the supervisor, the link or the operator can stop a
//! test for, each displayed as a sentence a person can act on (the record's `reason`).

use std::fmt;

use crate::rig::names::SignalName;

/// Why a test was aborted. Displays as a sentence for the record's `reason`.
#[derive(Debug, Clone, PartialEq)]
pub enum AbortReason {
    /// A pressure signal read above the recipe limit.
    OverPressure {
        /// The pressure signal.
        signal: SignalName,
        /// Its reading, kPa gauge.
        kpa: f64,
        /// The recipe limit `limits.max_pressure_kpa`, kPa.
        limit_kpa: f64,
    },
    /// The emergency stop is pressed.
    EStop,
    /// The pump drive reports a fault.
    PumpFault,
    /// A sensor read NaN, infinity or a value outside its physical range (a broken sensor).
    SensorInvalid {
        /// The sensor.
        signal: SignalName,
        /// Its reading, engineering units.
        value: f64,
        /// Lowest plausible reading.
        lo: f64,
        /// Highest plausible reading.
        hi: f64,
    },
    /// The flow read above the recipe limit.
    OverFlow {
        /// The reading, L/min.
        flow_lpm: f64,
        /// The recipe limit `limits.max_flow_lpm`, L/min.
        limit_lpm: f64,
    },
    /// The pump speed read above the recipe limit (plus 5 % tolerance).
    OverSpeed {
        /// The reading, %.
        speed_pct: f64,
        /// The recipe limit `limits.max_pump_speed_pct`, %.
        limit_pct: f64,
    },
    /// The test pressure rose with every valve closed.
    PressureDrift {
        /// Rise above the lowest closed-valve pressure, kPa.
        rise_kpa: f64,
    },
    /// A sensor repeated the same value for too many samples in a row.
    SensorFrozen {
        /// The sensor.
        signal: SignalName,
        /// The repeated reading, engineering units.
        value: f64,
        /// How many samples in a row.
        samples: u32,
    },
    /// The flow stayed far below the step's minimum after settling.
    BlockedFlow {
        /// The reading, L/min.
        flow_lpm: f64,
        /// The step's `min_flow_lpm`.
        expected_min_lpm: f64,
    },
    /// The tray was not vented before the test started.
    NotVented {
        /// The pressure at precheck, kPa gauge.
        kpa: f64,
    },
    /// Venting did not bring the pressure below 5 kPa in `leak.vent_timeout_s`.
    VentTimeout {
        /// The pressure when the time ran out, kPa gauge.
        kpa: f64,
        /// Time spent venting, recipe seconds.
        after_s: f64,
    },
    /// No valid sample arrived for longer than the link-loss time (whatever writes succeeded).
    LinkLost {
        /// How long it had been failing, wall ms.
        for_ms: u64,
        /// The last link error.
        error: String,
    },
    /// The PLC refused a request (an exception reply) or the request was malformed.
    LinkRefused {
        /// The link error.
        error: String,
    },
    /// A command write failed on the transport.
    CommandFailed {
        /// The command and the link error.
        error: String,
    },
    /// The measure phase produced no usable leak rate.
    NoMeasurement {
        /// Why.
        detail: String,
    },
    /// An output read back differs from what the controller commanded: a PLC restart, a manual
    /// override or a second master changed it. A rig fault, never a tray verdict.
    OutputMismatch {
        /// The output (valve, pump command, setpoint or heartbeat).
        signal: SignalName,
        /// What the controller last commanded, engineering units.
        commanded: f64,
        /// What the PLC reports, engineering units.
        read: f64,
    },
    /// The PLC's heartbeat watchdog tripped during the test and drove the rig to its own safe
    /// state: the controller's heartbeat stalled for the map's `[watchdog] timeout_ms`.
    WatchdogTripped,
    /// A phase ran past its own deadline (its recipe time plus the link-loss allowance) without
    /// finishing: samples stopped arriving or came too late to judge the phase.
    PhaseDeadline {
        /// The phase.
        phase: &'static str,
        /// How long it ran, recipe seconds.
        after_s: f64,
    },
    /// The operator stopped the test.
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
                "lost the link to the rig: no valid sample for {for_ms} ms; last error: {error}"
            ),
            LinkRefused { error } => write!(f, "the rig refused a request: {error}"),
            CommandFailed { error } => write!(f, "{error}"),
            NoMeasurement { detail } => write!(f, "no leak measurement: {detail}"),
            OutputMismatch { signal: SignalName::Heartbeat, commanded, read } => write!(
                f,
                "rig fault: heartbeat reads {read} but this controller wrote {commanded}: another controller is writing to this rig"
            ),
            OutputMismatch { signal, commanded, read } => write!(
                f,
                "rig fault: {} reads {read} but was commanded {commanded} (a PLC restart, a manual override or a second master changed it); no tray verdict",
                signal.as_str()
            ),
            WatchdogTripped => write!(
                f,
                "rig fault: the PLC's heartbeat watchdog tripped and drove the rig to its safe state (the controller's heartbeat stalled); no tray verdict"
            ),
            PhaseDeadline { phase, after_s } => write!(
                f,
                "{phase}: no result after {after_s:.1} s, past the phase's own deadline (samples stopped arriving or came too late)"
            ),
            Cancelled => write!(
                f,
                "stopped by the operator (Ctrl-C, SIGTERM, SIGHUP or SIGQUIT)"
            ),
        }
    }
}
