//! The signal names the controller knows (docs/formats/register-map.md).

use serde::{Deserialize, Serialize};

/// The signals the controller knows (docs/formats/register-map.md); map keys are their snake_case names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SignalName {
    /// Tray pressure, kPa gauge (read).
    TestPressure,
    /// Fill valve, open = true (written).
    FillValve,
    /// Vent valve, open = true (written).
    VentValve,
    /// Emergency stop pressed (read).
    Estop,
    /// Isolation valve between fill manifold and tray, open = true (written).
    IsolationValve,
    /// Gas temperature in the tray, °C (read).
    GasTemperature,
    /// Coolant pump run command (written).
    PumpRun,
    /// Coolant pump speed setpoint, % (written).
    PumpSpeedSetpoint,
    /// Coolant pump speed feedback, % (read).
    PumpSpeed,
    /// Pump drive fault (read).
    PumpFault,
    /// Coolant flow, L/min (read).
    Flow,
    /// Coolant pressure at the tray inlet, kPa gauge (read).
    InletPressure,
    /// Coolant pressure at the tray outlet, kPa gauge (read).
    OutletPressure,
    /// Controller heartbeat counter (written).
    Heartbeat,
    /// The PLC's heartbeat watchdog has tripped (read; latched until the heartbeat changes
    /// again). Optional: see the `[watchdog]` section of docs/formats/register-map.md.
    WatchdogTripped,
    /// The rig is an emulator, not a real PLC (read; 1 = emulator). Optional: the emulator
    /// serves it as 1 when its map declares it; a real PLC maps it to a constant 0 or leaves
    /// it out. Tests on an emulator are recorded as dry runs.
    RigIsEmulator,
}

impl SignalName {
    /// Every known signal, in the order of docs/formats/register-map.md.
    pub const ALL: [SignalName; 16] = [
        SignalName::TestPressure,
        SignalName::FillValve,
        SignalName::VentValve,
        SignalName::Estop,
        SignalName::IsolationValve,
        SignalName::GasTemperature,
        SignalName::PumpRun,
        SignalName::PumpSpeedSetpoint,
        SignalName::PumpSpeed,
        SignalName::PumpFault,
        SignalName::Flow,
        SignalName::InletPressure,
        SignalName::OutletPressure,
        SignalName::Heartbeat,
        SignalName::WatchdogTripped,
        SignalName::RigIsEmulator,
    ];
    /// Signals every map must have.
    pub const REQUIRED: [SignalName; 4] = [
        SignalName::TestPressure,
        SignalName::FillValve,
        SignalName::VentValve,
        SignalName::Estop,
    ];
    /// Signals a flow test needs.
    pub const FLOW: [SignalName; 5] = [
        SignalName::PumpRun,
        SignalName::PumpSpeedSetpoint,
        SignalName::Flow,
        SignalName::InletPressure,
        SignalName::OutletPressure,
    ];

    /// The snake_case name used in map.toml.
    pub fn as_str(&self) -> &'static str {
        match self {
            SignalName::TestPressure => "test_pressure",
            SignalName::FillValve => "fill_valve",
            SignalName::VentValve => "vent_valve",
            SignalName::Estop => "estop",
            SignalName::IsolationValve => "isolation_valve",
            SignalName::GasTemperature => "gas_temperature",
            SignalName::PumpRun => "pump_run",
            SignalName::PumpSpeedSetpoint => "pump_speed_setpoint",
            SignalName::PumpSpeed => "pump_speed",
            SignalName::PumpFault => "pump_fault",
            SignalName::Flow => "flow",
            SignalName::InletPressure => "inlet_pressure",
            SignalName::OutletPressure => "outlet_pressure",
            SignalName::Heartbeat => "heartbeat",
            SignalName::WatchdogTripped => "watchdog_tripped",
            SignalName::RigIsEmulator => "rig_is_emulator",
        }
    }

    /// Looks a name up as written in map.toml.
    pub fn from_name(name: &str) -> Option<SignalName> {
        SignalName::ALL.iter().copied().find(|s| s.as_str() == name)
    }

    /// What the signal carries, which decides the wire types a map may give it
    /// ([`SignalKind`]).
    pub fn kind(&self) -> SignalKind {
        match self {
            SignalName::FillValve
            | SignalName::VentValve
            | SignalName::IsolationValve
            | SignalName::PumpRun
            | SignalName::Estop
            | SignalName::PumpFault
            | SignalName::WatchdogTripped
            | SignalName::RigIsEmulator => SignalKind::Flag,
            SignalName::TestPressure | SignalName::InletPressure | SignalName::OutletPressure => {
                SignalKind::Analogue { unit: "kPa" }
            }
            SignalName::GasTemperature => SignalKind::Analogue { unit: "°C" },
            SignalName::PumpSpeedSetpoint | SignalName::PumpSpeed => {
                SignalKind::Analogue { unit: "%" }
            }
            SignalName::Flow => SignalKind::Analogue { unit: "L/min" },
            SignalName::Heartbeat => SignalKind::Counter,
        }
    }

    /// True for signals the controller writes (valves, pump commands, heartbeat).
    pub fn is_write(&self) -> bool {
        matches!(
            self,
            SignalName::FillValve
                | SignalName::VentValve
                | SignalName::IsolationValve
                | SignalName::PumpRun
                | SignalName::PumpSpeedSetpoint
                | SignalName::Heartbeat
        )
    }
}

/// What a signal carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignalKind {
    /// On/off: a valve (true = open), the pump run command, the e-stop, a fault. On the wire a
    /// bool, or a register that holds exactly 0 or 1.
    Flag,
    /// A measured or commanded physical quantity; needs a numeric wire type (a bool would
    /// carry only 0 or 1 of it).
    Analogue {
        /// Engineering unit, for messages.
        unit: &'static str,
    },
    /// The heartbeat: a count the PLC watches for change.
    Counter,
}

impl std::fmt::Display for SignalName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}
