//! Injectable faults and the set of faults active at one moment.

use serde::{Deserialize, Serialize};

use crate::rig::names::SignalName;

/// A fault the emulator can inject.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Fault {
    /// A constant leak of `sccm` out of the tray (replaces any earlier `Leak`).
    Leak {
        /// Leak rate, sccm.
        sccm: f64,
    },
    /// A large orifice to atmosphere: a fill settles near 300 kPa and never reaches 525.
    GrossLeak,
    /// Regulator failure: the supply goes to `over_pressure_supply_kpa` (1000 kPa) and the fill
    /// path fails open whatever the fill and isolation valves are commanded to, so the tray
    /// pressure climbs past any sane limit (525 → 700 kPa in ≈ 1 s); only the vent relieves it.
    OverPressure,
    /// The pressure sensor freezes at its current reading.
    PressureStuck,
    /// The pressure sensor reads NaN (f32 NaN; integer-mapped signals read the raw maximum).
    PressureNan,
    /// The pressure sensor reading drifts by `kpa_per_s` per emulated second.
    PressureDrift {
        /// Drift rate, kPa per emulated second.
        kpa_per_s: f64,
    },
    /// The pump drive trips: `pump_fault` reads true and the pump stops.
    PumpFault,
    /// The coolant path is blocked: hydraulic resistance × `blocked_k_factor`.
    BlockedFlow,
    /// The emergency stop is pressed: `estop` reads true; the hardware drops the valves to
    /// fill closed, isolation closed, vent open and stops the pump (the coils still read what
    /// the controller last wrote).
    EStop,
    /// Every client socket is closed and new connections are refused for `refuse_s` WALL
    /// seconds (the listener is closed, so connects fail with "connection refused").
    LinkDrop {
        /// How long connections are refused, wall seconds.
        refuse_s: f64,
    },
    /// Every reply is delayed by `delay_ms` WALL milliseconds.
    SlowReplies {
        /// Delay, wall ms.
        delay_ms: u64,
    },
    /// The PLC restarts: for `duration_s` emulated seconds its outputs are at their power-on
    /// state (de-energised: the normally-open vent open, fill and isolation closed, pump off,
    /// setpoint 0) and read back as such; then the retained commands apply again. Requests are
    /// answered throughout (a fast restart between two polls).
    PlcRestart {
        /// How long the outputs stay at their power-on state, emulated seconds.
        duration_s: f64,
    },
    /// Every request touching `signal` is answered with exception `code`.
    Exception {
        /// The signal whose requests are refused.
        signal: SignalName,
        /// The Modbus exception code.
        code: u8,
    },
}

impl Fault {
    /// Short name as used in scenario files (`kind = "..."`).
    pub fn kind(&self) -> &'static str {
        match self {
            Fault::Leak { .. } => "leak",
            Fault::GrossLeak => "gross_leak",
            Fault::OverPressure => "over_pressure",
            Fault::PressureStuck => "pressure_stuck",
            Fault::PressureNan => "pressure_nan",
            Fault::PressureDrift { .. } => "pressure_drift",
            Fault::PumpFault => "pump_fault",
            Fault::BlockedFlow => "blocked_flow",
            Fault::EStop => "estop",
            Fault::LinkDrop { .. } => "link_drop",
            Fault::SlowReplies { .. } => "slow_replies",
            Fault::PlcRestart { .. } => "plc_restart",
            Fault::Exception { .. } => "exception",
        }
    }
}

/// A fault that starts at an emulated time.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScheduledFault {
    /// Emulated seconds since the emulator started.
    pub at_s: f64,
    /// The fault.
    pub fault: Fault,
}

/// What the pressure sensor is doing.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub enum PressureSensor {
    #[default]
    /// Reads the (noisy) true pressure.
    Normal,
    /// Frozen at this reading, kPa.
    Stuck(f64),
    /// Reads NaN.
    Nan,
    /// Drifts away from the true pressure.
    Drift {
        /// Drift rate, kPa per emulated second.
        kpa_per_s: f64,
        /// Emulated time the drift started, s.
        since_s: f64,
    },
}

/// The faults active now.
#[derive(Debug, Clone, Default)]
pub struct ActiveFaults {
    /// Leak out of the tray, sccm.
    pub leak_sccm: f64,
    /// The gross-leak orifice is open.
    pub gross_leak: bool,
    /// The regulator has failed (supply at `over_pressure_supply_kpa`, fill path open).
    pub over_pressure: bool,
    /// What the pressure sensor shows.
    pub pressure: PressureSensor,
    /// The pump drive has tripped.
    pub pump_fault: bool,
    /// The coolant path is blocked.
    pub blocked_flow: bool,
    /// The emergency stop is pressed.
    pub estop: bool,
    /// Delay added to every reply, wall ms.
    pub slow_ms: u64,
    /// Injected exception code per signal.
    pub exceptions: Vec<(SignalName, u8)>,
}

impl ActiveFaults {
    /// Applies `fault` at emulated time `t_s`; `pressure_now` is the sensor's current reading
    /// (for `PressureStuck`). Returns the refuse time of a `LinkDrop` for the server to act on.
    pub fn apply(&mut self, fault: &Fault, t_s: f64, pressure_now: f64) -> Option<f64> {
        match fault {
            Fault::Leak { sccm } => self.leak_sccm = sccm.max(0.0),
            Fault::GrossLeak => self.gross_leak = true,
            Fault::OverPressure => self.over_pressure = true,
            Fault::PressureStuck => self.pressure = PressureSensor::Stuck(pressure_now),
            Fault::PressureNan => self.pressure = PressureSensor::Nan,
            Fault::PressureDrift { kpa_per_s } => {
                self.pressure = PressureSensor::Drift {
                    kpa_per_s: *kpa_per_s,
                    since_s: t_s,
                }
            }
            Fault::PumpFault => self.pump_fault = true,
            Fault::BlockedFlow => self.blocked_flow = true,
            Fault::EStop => self.estop = true,
            Fault::LinkDrop { refuse_s } => return Some(refuse_s.max(0.0)),
            Fault::SlowReplies { delay_ms } => self.slow_ms = *delay_ms,
            // Handled by the simulation (it acts on the outputs, not on a reading).
            Fault::PlcRestart { .. } => {}
            Fault::Exception { signal, code } => {
                self.exceptions.retain(|(s, _)| s != signal);
                self.exceptions.push((*signal, *code));
            }
        }
        None
    }

    /// The exception code injected for `signal`, if any.
    pub fn exception_for(&self, signal: SignalName) -> Option<u8> {
        self.exceptions
            .iter()
            .find(|(s, _)| *s == signal)
            .map(|(_, c)| *c)
    }

    /// What the pressure sensor shows, given the true pressure plus noise.
    pub fn pressure_reading(&self, noisy_true_kpa: f64, t_s: f64) -> f64 {
        match self.pressure {
            PressureSensor::Normal => noisy_true_kpa,
            PressureSensor::Stuck(v) => v,
            PressureSensor::Nan => f64::NAN,
            PressureSensor::Drift { kpa_per_s, since_s } => {
                noisy_true_kpa + kpa_per_s * (t_s - since_s)
            }
        }
    }
}
