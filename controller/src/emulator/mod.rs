//! Rig emulator: a Modbus TCP server that serves any valid register map with leak-test and
//! flow-test physics ([`physics`]) and injectable faults ([`Fault`]).
//!
//! Emulated time runs `time_scale` times faster than wall time, starting at 0 when
//! [`start`] returns; the physics advances in fixed steps (`RigParams::step_s`, 10 ms emulated)
//! up to "now" before every request and every 5 ms wall in a ticker task. Sensor noise comes
//! from a generator seeded with `EmulatorConfig::seed`: for a given seed and sequence of reads
//! the readings are reproducible (the number of steps between two reads depends on wall time,
//! so runs are deterministic only as far as the scheduler is).
//!
//! Modbus behaviour: only the map's unit id is served (another unit id is answered with
//! exception 0x0B, as a gateway does); function codes 1–6, 15 and 16; every address of a
//! request must belong to a mapped signal of its table (else exception 0x02), writes to read
//! signals are refused (0x02), a pump speed setpoint outside 0–100 % is refused (0x03); a
//! request is checked whole before any write applies. Integer-typed signals saturate at their
//! raw range; a NaN reading in an integer type reads the raw maximum.
//!
//! Available with the crate feature `emulator`. Depends only on [`crate::rig`].

pub mod faults;
mod noise;
pub mod physics;
pub mod scenario;
mod server;
mod service;
mod sim;
mod wire;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use coldtray_io::atomic::{write_atomic, Durability};
use serde::{Deserialize, Serialize};
use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;

use crate::emulator::faults::{Fault, ScheduledFault};
use crate::emulator::physics::{InvalidRigParam, RigParams};
use crate::emulator::sim::Sim;
use crate::rig::map::RegisterMap;
use crate::rig::names::SignalName;

/// Fastest time scale served, emulated seconds per wall second. The controller's own clock is
/// scaled by the same factor: at 1000× a 100 ms poll is 0.1 ms of wall time, about what one
/// loopback Modbus round trip costs, so faster emulated time would only starve the controller.
pub const MAX_TIME_SCALE: f64 = 1000.0;
/// Most physics steps per wall second (`time_scale / step_s`): one step costs ≈ 0.03 µs
/// (measured: 4·10⁶ steps in 0.13 s of CPU), so a million a second keep the simulation at a few
/// per cent of one core and every lock of it short (a request never waits behind more than
/// ≈ 5000 steps of the 5 ms ticker), with room for a slower machine.
pub const MAX_STEPS_PER_WALL_S: f64 = 1e6;

/// Checks a time scale against [`MAX_TIME_SCALE`]; the error is one line for `--time-scale`
/// and scenario files alike.
pub fn check_time_scale(time_scale: f64) -> Result<(), String> {
    if time_scale.is_finite() && time_scale > 0.0 && time_scale <= MAX_TIME_SCALE {
        Ok(())
    } else {
        Err(format!(
            "{time_scale} must be a number in (0, {MAX_TIME_SCALE}] (emulated seconds per wall second; faster would starve the controller and the server)"
        ))
    }
}

/// How to run the emulator.
#[derive(Debug, Clone)]
pub struct EmulatorConfig {
    /// Emulated seconds per wall second (1 = real time; 60 runs a two-minute test in 2 s).
    pub time_scale: f64,
    /// Seed of the sensor-noise generator.
    pub seed: u64,
    /// Physical parameters of the emulated rig.
    pub rig: RigParams,
    /// Faults that start at emulated times.
    pub faults: Vec<ScheduledFault>,
}

impl Default for EmulatorConfig {
    fn default() -> Self {
        EmulatorConfig {
            time_scale: 1.0,
            seed: 1,
            rig: RigParams::default(),
            faults: Vec::new(),
        }
    }
}

/// The rig's true (noise-free) state, for tests and the `--state-file`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrueState {
    /// Emulated seconds since start.
    pub t_s: f64,
    /// True tray pressure, kPa gauge.
    pub pressure_kpa: f64,
    /// True gas temperature, °C.
    pub gas_temperature_c: f64,
    /// What the temperature sensor's element is at (before noise), °C.
    pub sensor_temperature_c: f64,
    /// Gas leaving through leak faults now, sccm.
    pub true_leak_sccm: f64,
    /// Fill valve output in effect: the command as last written, the PLC's safe state after a
    /// watchdog trip, or the power-on state during a PLC restart (the e-stop's hardware
    /// override is not shown).
    pub fill_open: bool,
    /// Vent valve output in effect (as `fill_open`).
    pub vent_open: bool,
    /// Isolation valve output in effect (as `fill_open`).
    pub isolation_open: bool,
    /// Pump run output in effect (as `fill_open`).
    pub pump_run: bool,
    /// Pump speed setpoint in effect, %.
    pub pump_speed_setpoint_pct: f64,
    /// Actual pump speed, %.
    pub pump_speed_pct: f64,
    /// True coolant flow, L/min.
    pub flow_lpm: f64,
    /// True pressure drop across the tray, kPa.
    pub dp_kpa: f64,
    /// The emergency stop is pressed.
    pub estop: bool,
    /// The pump drive reports a fault.
    pub pump_fault: bool,
    /// Last heartbeat value written.
    pub heartbeat: u32,
    /// The PLC watchdog is tripped (latched until the heartbeat changes).
    #[serde(default)]
    pub watchdog_tripped: bool,
    /// Watchdog trips since start.
    #[serde(default)]
    pub watchdog_trips: u64,
    /// Write requests served successfully.
    pub writes: u64,
    /// Client connections that have written at least once (a controller that only watches
    /// never counts).
    #[serde(default)]
    pub writer_connections: u64,
    /// Requests received (any kind, any outcome).
    pub requests: u64,
}

/// Errors of starting the emulator.
#[derive(Debug, thiserror::Error)]
pub enum EmulatorError {
    /// The listening socket could not be opened.
    #[error("cannot listen on {addr}")]
    Bind {
        /// The address asked for.
        addr: SocketAddr,
        /// Why (in use, not permitted …).
        #[source]
        source: std::io::Error,
    },
    /// A setting of [`EmulatorConfig`] other than the rig parameters is invalid.
    #[error("invalid emulator setting {field}: {problem}")]
    Config {
        /// The setting, e.g. `time_scale`.
        field: String,
        /// The value and what would be valid.
        problem: String,
    },
    /// A rig parameter is invalid.
    #[error("invalid emulator setting")]
    Rig(#[from] InvalidRigParam),
}

/// State shared by the server, the ticker and the handle.
pub(crate) struct Shared {
    pub(crate) map: RegisterMap,
    sim: Mutex<Sim>,
    time_scale: f64,
    started: Instant,
}

impl Shared {
    /// Locks the simulation and advances it to the current emulated time.
    pub(crate) fn lock_advanced(&self) -> MutexGuard<'_, Sim> {
        let mut sim = match self.sim.lock() {
            Ok(g) => g,
            Err(poisoned) => poisoned.into_inner(),
        };
        let now = self.started.elapsed().as_secs_f64() * self.time_scale;
        sim.advance_to(now);
        sim
    }
}

/// A running emulator. Dropping it stops the server as [`EmulatorHandle::shutdown`] does
/// (without waiting).
pub struct EmulatorHandle {
    shared: Arc<Shared>,
    local_addr: SocketAddr,
    shutdown_tx: watch::Sender<bool>,
    tasks: Mutex<Vec<JoinHandle<()>>>,
}

/// Starts the server on `listen` (port 0 picks a free port; see [`EmulatorHandle::local_addr`]).
pub async fn start(
    map: RegisterMap,
    listen: SocketAddr,
    config: EmulatorConfig,
) -> Result<EmulatorHandle, EmulatorError> {
    check_time_scale(config.time_scale).map_err(|problem| EmulatorError::Config {
        field: "time_scale".into(),
        problem,
    })?;
    config.rig.validate()?;
    let steps_per_s = config.time_scale / config.rig.step_s;
    if steps_per_s > MAX_STEPS_PER_WALL_S {
        return Err(EmulatorError::Config {
            field: "time_scale".into(),
            problem: format!(
                "{} with rig.step_s = {} s needs {steps_per_s:.0} physics steps per wall second; at most {MAX_STEPS_PER_WALL_S:.0}: lower the time scale or raise step_s",
                config.time_scale, config.rig.step_s
            ),
        });
    }
    for f in &config.faults {
        if !(f.at_s.is_finite() && f.at_s >= 0.0) {
            return Err(EmulatorError::Config {
                field: "faults.at_s".into(),
                problem: format!("{} is not a time ≥ 0", f.at_s),
            });
        }
    }
    let listener = server::bind(listen).map_err(|source| EmulatorError::Bind {
        addr: listen,
        source,
    })?;
    let local_addr = listener
        .local_addr()
        .map_err(|source| EmulatorError::Bind {
            addr: listen,
            source,
        })?;
    let has_isolation = map.get(SignalName::IsolationValve).is_some();
    let shared = Arc::new(Shared {
        sim: Mutex::new(Sim::new(
            &config,
            has_isolation,
            map.watchdog.map(|w| w.timeout_ms),
        )),
        map,
        time_scale: config.time_scale,
        started: Instant::now(),
    });
    let (shutdown_tx, shutdown_rx) = watch::channel(false);
    let (drop_tx, drop_rx) = mpsc::unbounded_channel();
    let tasks = vec![
        tokio::spawn(server::run(
            Arc::clone(&shared),
            listener,
            local_addr,
            drop_rx,
            shutdown_rx.clone(),
        )),
        tokio::spawn(server::tick(Arc::clone(&shared), drop_tx, shutdown_rx)),
    ];
    Ok(EmulatorHandle {
        shared,
        local_addr,
        shutdown_tx,
        tasks: Mutex::new(tasks),
    })
}

impl EmulatorHandle {
    /// The address the server listens on.
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// The true state now.
    pub fn state(&self) -> TrueState {
        self.shared.lock_advanced().true_state()
    }

    /// Applies `fault` now (a `LinkDrop` takes effect within one ticker period, 5 ms wall).
    pub fn inject(&self, fault: Fault) {
        self.shared.lock_advanced().inject(&fault);
    }

    /// Removes every active fault; faults scheduled for later stay scheduled.
    pub fn clear_faults(&self) {
        self.shared.lock_advanced().clear_faults();
    }

    /// Writes the true state as JSON to `path` every `period` (wall), atomically (readers see
    /// the previous state or the new one, never a part), until shutdown.
    pub fn write_state_file(&self, path: PathBuf, period: Duration) {
        let shared = Arc::clone(&self.shared);
        let mut shutdown = self.shutdown_tx.subscribe();
        let task = tokio::spawn(async move {
            let mut interval = tokio::time::interval(period);
            loop {
                tokio::select! {
                    _ = interval.tick() => {}
                    _ = shutdown.wait_for(|s| *s) => return,
                }
                let state = shared.lock_advanced().true_state();
                if let Err(e) = write_state(&path, &state) {
                    tracing::warn!("emulator: cannot write state file {}: {e}", path.display());
                }
            }
        });
        if let Ok(mut t) = self.tasks.lock() {
            t.push(task);
        }
    }

    /// Stops listening, closes every client socket and waits for the server tasks to end.
    pub async fn shutdown(self) {
        let _ = self.shutdown_tx.send(true);
        let tasks = match self.tasks.lock() {
            Ok(mut t) => std::mem::take(&mut *t),
            Err(_) => Vec::new(),
        };
        for t in tasks {
            let _ = t.await;
        }
    }
}

impl Drop for EmulatorHandle {
    fn drop(&mut self) {
        let _ = self.shutdown_tx.send(true);
    }
}

/// The state file is re-written every period, so a lost write after a power cut costs
/// nothing: atomic for readers, no fsync.
fn write_state(path: &std::path::Path, state: &TrueState) -> std::io::Result<()> {
    let json = serde_json::to_vec_pretty(state).map_err(std::io::Error::other)?;
    write_atomic(path, &json, Durability::Atomic)
}
