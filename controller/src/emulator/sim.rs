//! The emulated rig as the server sees it: emulated clock, commanded outputs, active and
//! scheduled faults, physics, and the engineering value of every signal.

use std::collections::VecDeque;

use super::faults::{ActiveFaults, Fault, ScheduledFault};
use super::noise::Noise;
use super::physics::{Inputs, Rig};
use super::{EmulatorConfig, TrueState};
use crate::rig::names::SignalName;

/// What the controller last wrote.
#[derive(Debug, Clone, Default)]
pub(crate) struct Commands {
    pub(crate) fill: bool,
    pub(crate) vent: bool,
    pub(crate) isolation: bool,
    pub(crate) pump_run: bool,
    pub(crate) speed_setpoint_pct: f64,
    pub(crate) heartbeat: u32,
}

impl Commands {
    /// The outputs as the PLC holds them in its own safe state (watchdog trip) and at power-on
    /// (de-energised: the normally-open vent open, everything else off).
    fn safe(heartbeat: u32) -> Commands {
        Commands {
            fill: false,
            vent: true,
            isolation: false,
            pump_run: false,
            speed_setpoint_pct: 0.0,
            heartbeat,
        }
    }
}

/// The PLC's heartbeat watchdog (docs/guide/plc-setup.md): armed by the first heartbeat write,
/// trips when the heartbeat has not changed for `timeout_s` emulated seconds, holds the outputs
/// in the safe state while tripped, and re-arms (clearing the latch) when the heartbeat changes.
#[derive(Debug, Clone, Default)]
pub(crate) struct Watchdog {
    /// `[watchdog] timeout_ms` of the map, emulated seconds; `None` = no watchdog.
    timeout_s: Option<f64>,
    armed: bool,
    last_change_s: f64,
    /// Latched trip, visible as `watchdog_tripped`.
    pub(crate) tripped: bool,
    /// Trips so far.
    pub(crate) trips: u64,
}

/// A rejected write, answered with IllegalDataValue.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct BadValue;

/// Simulation state, guarded by one mutex in the server.
#[derive(Debug)]
pub(crate) struct Sim {
    pub(crate) rig: Rig,
    pub(crate) faults: ActiveFaults,
    pub(crate) cmd: Commands,
    pub(crate) watchdog: Watchdog,
    /// A PLC restart in progress: outputs at their power-on state until this emulated time.
    restart_until_s: Option<f64>,
    pub(crate) writes: u64,
    /// Connections that have written at least once.
    pub(crate) writer_connections: u64,
    pub(crate) requests: u64,
    pending: VecDeque<ScheduledFault>,
    noise: Noise,
    steps: u64,
    has_isolation: bool,
    link_drops: Vec<f64>,
}

impl Sim {
    /// `watchdog_ms`: the map's `[watchdog] timeout_ms`, if any (emulated milliseconds).
    pub(crate) fn new(
        config: &EmulatorConfig,
        has_isolation: bool,
        watchdog_ms: Option<u64>,
    ) -> Self {
        let mut pending: Vec<ScheduledFault> = config.faults.clone();
        pending.sort_by(|a, b| a.at_s.total_cmp(&b.at_s));
        Sim {
            rig: Rig::new(config.rig.clone()),
            faults: ActiveFaults::default(),
            cmd: Commands::default(),
            watchdog: Watchdog {
                timeout_s: watchdog_ms.map(|ms| ms as f64 / 1000.0),
                ..Watchdog::default()
            },
            restart_until_s: None,
            writes: 0,
            writer_connections: 0,
            requests: 0,
            pending: pending.into(),
            noise: Noise::new(config.seed),
            steps: 0,
            has_isolation,
            link_drops: Vec::new(),
        }
    }

    /// Emulated time, s (a whole number of physics steps).
    pub(crate) fn t_s(&self) -> f64 {
        self.steps as f64 * self.rig.params.step_s
    }

    /// Steps the physics until emulated time reaches `target_s`, applying scheduled faults at
    /// the first step boundary at or after their time.
    pub(crate) fn advance_to(&mut self, target_s: f64) {
        let dt = self.rig.params.step_s;
        let target_steps = (target_s / dt).floor().max(0.0) as u64;
        loop {
            self.apply_due();
            self.scan_watchdog();
            if self.steps >= target_steps {
                break;
            }
            let inp = self.inputs();
            self.rig.step(dt, &inp);
            self.steps += 1;
        }
    }

    fn apply_due(&mut self) {
        let t = self.t_s();
        while self.pending.front().is_some_and(|f| f.at_s <= t + 1e-9) {
            if let Some(f) = self.pending.pop_front() {
                self.inject(&f.fault);
            }
        }
    }

    /// One PLC scan of the watchdog at the current step: trip after `timeout_s` without a
    /// heartbeat change, and hold the outputs safe while tripped.
    fn scan_watchdog(&mut self) {
        let t = self.t_s();
        let wd = &mut self.watchdog;
        let Some(timeout_s) = wd.timeout_s else {
            return;
        };
        if wd.armed && !wd.tripped && t - wd.last_change_s >= timeout_s - 1e-9 {
            wd.tripped = true;
            wd.trips += 1;
            let safe = Commands::safe(self.cmd.heartbeat);
            let c = &self.cmd;
            let changes = c.fill != safe.fill
                || c.vent != safe.vent
                || c.isolation != safe.isolation
                || c.pump_run != safe.pump_run
                || c.speed_setpoint_pct != safe.speed_setpoint_pct;
            // After every finished test the heartbeat stops with the rig already safe: that
            // trip is routine; one that has to move an output is what an operator must see.
            if changes {
                tracing::warn!(
                    "emulator: PLC watchdog tripped at {t:.2} s (heartbeat unchanged for {timeout_s} s): outputs driven to the safe state"
                );
            } else {
                tracing::info!(
                    "emulator: PLC watchdog tripped at {t:.2} s; the outputs were already safe"
                );
            }
        }
        if wd.tripped {
            self.cmd = Commands::safe(self.cmd.heartbeat);
        }
    }

    /// The outputs in effect: the commands, or the power-on state during a PLC restart.
    fn outputs(&self) -> Commands {
        match self.restart_until_s {
            Some(until) if self.t_s() < until => Commands::safe(self.cmd.heartbeat),
            _ => self.cmd.clone(),
        }
    }

    /// Applies a fault now.
    pub(crate) fn inject(&mut self, fault: &Fault) {
        let t = self.t_s();
        if let Fault::PlcRestart { duration_s } = fault {
            tracing::warn!("emulator: PLC restart at {t:.2} s for {duration_s} s");
            self.restart_until_s = Some(t + duration_s.max(0.0));
            return;
        }
        let now = self.faults.pressure_reading(self.rig.pressure_kpa(), t);
        if let Some(refuse_s) = self.faults.apply(fault, t, now) {
            self.link_drops.push(refuse_s);
        }
    }

    /// Link drops requested since the last call (refuse times in wall seconds).
    pub(crate) fn take_link_drops(&mut self) -> Vec<f64> {
        std::mem::take(&mut self.link_drops)
    }

    fn inputs(&self) -> Inputs {
        let f = &self.faults;
        let c = &self.outputs();
        Inputs {
            fill_path_open: c.fill && (c.isolation || !self.has_isolation) && !f.estop,
            vent_open: c.vent || f.estop,
            pump_on: c.pump_run && !f.estop && !f.pump_fault,
            speed_setpoint_pct: c.speed_setpoint_pct,
            leak_sccm: f.leak_sccm,
            gross_leak: f.gross_leak,
            over_pressure: f.over_pressure,
            blocked_flow: f.blocked_flow,
        }
    }

    /// The engineering value a read of `name` returns now (sensor noise and faults included).
    pub(crate) fn read(&mut self, name: SignalName) -> f64 {
        let p = self.rig.params.clone();
        let blocked = self.faults.blocked_flow;
        let b = |x: bool| if x { 1.0 } else { 0.0 };
        match name {
            SignalName::TestPressure => {
                let noisy = self.rig.pressure_kpa() + p.pressure_noise_kpa * self.noise.gaussian();
                self.faults.pressure_reading(noisy, self.t_s())
            }
            SignalName::GasTemperature => {
                self.rig.sensor_c() + p.temperature_noise_c * self.noise.gaussian()
            }
            SignalName::Estop => b(self.faults.estop),
            SignalName::PumpFault => b(self.faults.pump_fault),
            SignalName::PumpSpeed => self.rig.pump_speed_pct,
            SignalName::Flow => {
                let q = self.rig.flow_lpm(blocked);
                // Low-flow cut-off, as flow meters do: a stopped pump reads exactly 0.
                if q < 0.05 {
                    0.0
                } else {
                    q + p.flow_noise_lpm * self.noise.gaussian()
                }
            }
            SignalName::OutletPressure => {
                p.loop_static_kpa + p.loop_pressure_noise_kpa * self.noise.gaussian()
            }
            SignalName::InletPressure => {
                p.loop_static_kpa
                    + self.rig.dp_kpa(blocked)
                    + p.loop_pressure_noise_kpa * self.noise.gaussian()
            }
            SignalName::FillValve => b(self.outputs().fill),
            SignalName::VentValve => b(self.outputs().vent),
            SignalName::IsolationValve => b(self.outputs().isolation),
            SignalName::PumpRun => b(self.outputs().pump_run),
            SignalName::PumpSpeedSetpoint => self.outputs().speed_setpoint_pct,
            SignalName::Heartbeat => f64::from(self.cmd.heartbeat),
            SignalName::WatchdogTripped => b(self.watchdog.tripped),
            // The emulator announces itself (records of its tests are dry runs).
            SignalName::RigIsEmulator => 1.0,
        }
    }

    /// Checks a write of `value` to the write signal `name` without applying it.
    pub(crate) fn check_write(name: SignalName, value: f64) -> Result<(), BadValue> {
        match name {
            SignalName::PumpSpeedSetpoint if !(0.0..=100.0).contains(&value) => Err(BadValue),
            SignalName::Heartbeat if !value.is_finite() => Err(BadValue),
            _ => Ok(()),
        }
    }

    /// Applies a checked write.
    pub(crate) fn write(&mut self, name: SignalName, value: f64) {
        let on = value != 0.0;
        match name {
            SignalName::FillValve => self.cmd.fill = on,
            SignalName::VentValve => self.cmd.vent = on,
            SignalName::IsolationValve => self.cmd.isolation = on,
            SignalName::PumpRun => self.cmd.pump_run = on,
            SignalName::PumpSpeedSetpoint => self.cmd.speed_setpoint_pct = value,
            SignalName::Heartbeat => {
                let hb = value.round().clamp(0.0, f64::from(u32::MAX)) as u32;
                let wd = &mut self.watchdog;
                if !wd.armed || hb != self.cmd.heartbeat {
                    // Armed by the first write; every change restarts the timer and re-arms a
                    // tripped watchdog.
                    wd.armed = true;
                    wd.tripped = false;
                    wd.last_change_s = self.steps as f64 * self.rig.params.step_s;
                }
                self.cmd.heartbeat = hb;
            }
            _ => {}
        }
    }

    /// The true, noise-free state.
    pub(crate) fn true_state(&self) -> TrueState {
        let blocked = self.faults.blocked_flow;
        let out = self.outputs();
        TrueState {
            t_s: self.t_s(),
            pressure_kpa: self.rig.pressure_kpa(),
            gas_temperature_c: self.rig.gas_c(),
            sensor_temperature_c: self.rig.sensor_c(),
            true_leak_sccm: self.rig.true_leak_sccm,
            fill_open: out.fill,
            vent_open: out.vent,
            isolation_open: out.isolation,
            pump_run: out.pump_run,
            pump_speed_setpoint_pct: out.speed_setpoint_pct,
            pump_speed_pct: self.rig.pump_speed_pct,
            flow_lpm: self.rig.flow_lpm(blocked),
            dp_kpa: self.rig.dp_kpa(blocked),
            estop: self.faults.estop,
            pump_fault: self.faults.pump_fault,
            heartbeat: self.cmd.heartbeat,
            watchdog_tripped: self.watchdog.tripped,
            watchdog_trips: self.watchdog.trips,
            writes: self.writes,
            writer_connections: self.writer_connections,
            requests: self.requests,
        }
    }

    /// Removes every active fault (scheduled ones still to come stay scheduled).
    pub(crate) fn clear_faults(&mut self) {
        self.faults = ActiveFaults::default();
    }
}
