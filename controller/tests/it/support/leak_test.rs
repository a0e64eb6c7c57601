//! Shared helpers of the leak_test_* integration tests: the shipped map and recipe, an emulator
//! on an ephemeral loopback port, one test run through the real Modbus link, and a watcher that
//! timestamps (in emulated seconds) when the rig's true state became safe.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use coldtray_controller::emulator::faults::ScheduledFault;
use coldtray_controller::emulator::{self, EmulatorConfig, EmulatorHandle, TrueState};
use coldtray_controller::l10::recipe::{load_recipe, Recipe};
use coldtray_controller::l10::sequence::run_sequence;
use coldtray_controller::link::{Link, LinkConfig};
use coldtray_controller::rig::parse::load_map;
use coldtray_controller::RegisterMap;
use coldtray_controller::RunOptions;
use coldtray_controller::TestRecord;
use tokio::sync::watch;

pub(crate) fn repo(p: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..").join(p)
}

/// The shipped map with a shorter request timeout (wall ms) for link-fault tests.
pub(crate) fn map(timeout_ms: u64) -> RegisterMap {
    let mut m = load_map(&repo("examples/rig/map.toml")).unwrap();
    m.connection.timeout_ms = timeout_ms;
    m
}

/// The shipped recipe.
pub(crate) fn recipe() -> Recipe {
    load_recipe(&repo("examples/rig/l10-vr200.toml")).unwrap()
}

/// A shorter recipe for fault tests: stabilise 3 s, measure 6 s, settle 1 s, average 1 s.
/// Measure runs ≈ 8–14 s, vent ≈ 14–19 s, flow ≈ 19–21 s (emulated). Three seconds do not let
/// the compression heat decay (a false leak of a few sccm), so the leak threshold is raised to
/// 50 sccm: fault tests judge the safety path, not the leak.
pub(crate) fn quick_recipe() -> Recipe {
    let mut r = recipe();
    r.leak.max_leak_sccm = 50.0;
    r.leak.stabilize_s = 3.0;
    r.leak.measure_s = 6.0;
    if let Some(f) = r.flow.as_mut() {
        f.settle_s = 1.0;
        f.average_s = 1.0;
    }
    r
}

pub(crate) async fn emulator(
    map: &RegisterMap,
    time_scale: f64,
    faults: Vec<ScheduledFault>,
) -> Arc<EmulatorHandle> {
    let config = EmulatorConfig {
        time_scale,
        seed: 7,
        faults,
        ..EmulatorConfig::default()
    };
    let emu = emulator::start(map.clone(), "127.0.0.1:0".parse().unwrap(), config)
        .await
        .unwrap();
    Arc::new(emu)
}

pub(crate) fn options(time_scale: f64) -> RunOptions {
    RunOptions {
        time_scale,
        safe_state_grace: Duration::from_secs(5),
        link_loss: None,
        hurry: None,
        live: None,
    }
}

/// Runs one test against `emu` over Modbus TCP and returns the record.
pub(crate) async fn run(
    map: &RegisterMap,
    recipe: &Recipe,
    emu: &EmulatorHandle,
    opts: &RunOptions,
) -> TestRecord {
    let (_tx, rx) = watch::channel(false);
    run_with_cancel(map, recipe, emu, opts, rx).await
}

pub(crate) async fn run_with_cancel(
    map: &RegisterMap,
    recipe: &Recipe,
    emu: &EmulatorHandle,
    opts: &RunOptions,
    cancel: watch::Receiver<bool>,
) -> TestRecord {
    let map = Arc::new(map.clone());
    let link = Link::spawn(map.clone(), LinkConfig::from_map(&map, emu.local_addr()));
    run_sequence(&link, recipe, "SN-TEST", opts, cancel).await
}

/// Pump off, fill closed, isolation closed, vent open (the commands as the PLC holds them).
pub(crate) fn is_safe(s: &TrueState) -> bool {
    !s.pump_run && !s.fill_open && !s.isolation_open && s.vent_open
}

/// Watches the true state every 0.5 ms wall; `first_safe_after(t)` = the first emulated time
/// ≥ t at which the rig was (and stayed, until the watcher stopped) safe.
pub(crate) struct SafetyWatch {
    stop: Arc<AtomicBool>,
    task: tokio::task::JoinHandle<Vec<(f64, bool)>>,
}

impl SafetyWatch {
    pub(crate) fn start(emu: Arc<EmulatorHandle>) -> SafetyWatch {
        let stop = Arc::new(AtomicBool::new(false));
        let flag = stop.clone();
        let task = tokio::spawn(async move {
            let mut timeline: Vec<(f64, bool)> = Vec::new();
            while !flag.load(Ordering::Relaxed) {
                let s = emu.state();
                let safe = is_safe(&s);
                if timeline.last().is_none_or(|l| l.1 != safe) {
                    timeline.push((s.t_s, safe));
                }
                tokio::time::sleep(Duration::from_micros(500)).await;
            }
            // One last look: the run may have ended right after its final writes.
            let s = emu.state();
            let safe = is_safe(&s);
            if timeline.last().is_none_or(|l| l.1 != safe) {
                timeline.push((s.t_s, safe));
            }
            timeline
        });
        SafetyWatch { stop, task }
    }

    /// Stops watching; returns when the rig last became safe (and stayed safe), if it is safe.
    pub(crate) async fn finish(self) -> Option<f64> {
        self.stop.store(true, Ordering::Relaxed);
        let timeline = self.task.await.unwrap();
        match timeline.last() {
            Some((t, true)) => Some(*t),
            _ => None,
        }
    }
}

/// Waits (wall) until `cond` holds for the emulator's true state; returns that state.
pub(crate) async fn wait_for(
    emu: &EmulatorHandle,
    limit: Duration,
    cond: impl Fn(&TrueState) -> bool,
) -> TrueState {
    let end = tokio::time::Instant::now() + limit;
    loop {
        let s = emu.state();
        if cond(&s) {
            return s;
        }
        assert!(
            tokio::time::Instant::now() < end,
            "condition not reached: {s:?}"
        );
        tokio::time::sleep(Duration::from_micros(500)).await;
    }
}
