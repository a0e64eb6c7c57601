//! The controller judges the link by outcome: when the PLC's read replies fail fast (connection
//! reset, wrong function code, a byte count that does not match) while its writes succeed, the
//! test aborts within the link-loss limit, drives the safe state and stops the heartbeat. Also:
//! a lying write echo, a PLC restart, a second master and a crash are rig faults (`aborted`),
//! never tray verdicts, and the emulated PLC watchdog does what docs/guide/plc-setup.md says.
//!
//! Time scale ×10 (poll 10 ms wall, link-loss limit = the 500 ms wall request timeout). The
//! safe-state bound is 1 s of wall time after the reads went blind: the 0.5 s limit (a read
//! may not outlast it, and safe-state writes skip the reconnect backoff; measured ≈ 0.50 s),
//! plus 0.5 s for the safe-state writes and a loaded CI machine. These maps carry no PLC
//! watchdog, so the safe state measured is the controller's own.

use std::sync::Arc;
use std::time::Duration;

use crate::support::blind::{Blind, BlindProxy};
use crate::support::leak_test::*;
use coldtray_controller::emulator::faults::{Fault, ScheduledFault};
use coldtray_controller::emulator::TrueState;
use coldtray_controller::l10::guard::run_guarded;
use coldtray_controller::l10::sequence::run_sequence;
use coldtray_controller::link::{Link, LinkConfig};
use coldtray_controller::{Outcome, RegisterMap, SignalName, TestRecord};
use tokio::sync::watch;
use tokio_modbus::prelude::*;

const SCALE: f64 = 10.0;
/// Wall seconds from the reads going blind to the safe state (see the module doc).
const SAFE_WITHIN_WALL_S: f64 = 1.0;

/// The shipped map without its PLC watchdog: the controller's own safety path under test.
fn map_no_watchdog() -> RegisterMap {
    let mut m = map(500);
    m.watchdog = None;
    m
}

async fn run_via(map: &RegisterMap, addr: std::net::SocketAddr) -> TestRecord {
    let map = Arc::new(map.clone());
    let link = Link::spawn(map.clone(), LinkConfig::from_map(&map, addr));
    let (_tx, rx) = watch::channel(false);
    run_sequence(&link, &quick_recipe(), "SN-BLIND", &options(SCALE), rx).await
}

/// Goes blind in `phase` (fill: the fill valve open; measure: 10 s emulated; flow: the pump
/// running) and checks abort, safe state, and a stopped heartbeat.
async fn blind_case(mode: Blind, phase: &str) {
    let map = map_no_watchdog();
    let emu = emulator(&map, SCALE, vec![]).await;
    let proxy = Arc::new(BlindProxy::start(emu.local_addr(), mode).await);
    let watch = SafetyWatch::start(emu.clone());
    let cond: fn(&TrueState) -> bool = match phase {
        "fill" => |s| s.fill_open,
        "measure" => |s| s.t_s >= 10.0,
        "flow" => |s| s.pump_run,
        _ => unreachable!(),
    };
    let blinder = {
        let (emu, proxy) = (emu.clone(), proxy.clone());
        tokio::spawn(async move {
            let s = wait_for(&emu, Duration::from_secs(30), cond).await;
            proxy.go_blind();
            (s.t_s, s.heartbeat)
        })
    };
    let rec = run_via(&map, proxy.addr()).await;
    let (blind_at, heartbeat_at_blind) = blinder.await.unwrap();
    let safe_at = watch
        .finish()
        .await
        .expect("rig not left in the safe state");
    eprintln!("{mode:?} in {phase}: {}", rec.reason);
    assert_eq!(rec.outcome, Outcome::Aborted, "{}", rec.reason);
    assert!(
        rec.reason.contains("lost the link") || rec.reason.contains("phase's own deadline"),
        "{}",
        rec.reason
    );
    let after_wall_s = (safe_at - blind_at) / SCALE;
    eprintln!("safe {after_wall_s:.3} s (wall) after the reads went blind");
    assert!(
        after_wall_s <= SAFE_WITHIN_WALL_S,
        "safe state {after_wall_s:.3} s after blindness"
    );
    // No valid sample, no heartbeat: at most the write already under way when the reads
    // went blind.
    let beats = emu.state().heartbeat.wrapping_sub(heartbeat_at_blind);
    assert!(beats <= 1, "heartbeat went on {beats} times while blind");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reads_reset_in_fill() {
    blind_case(Blind::Reset, "fill").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reads_reset_in_measure() {
    blind_case(Blind::Reset, "measure").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reads_reset_in_flow() {
    blind_case(Blind::Reset, "flow").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_function_code_in_fill() {
    blind_case(Blind::WrongFunction, "fill").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_function_code_in_measure() {
    blind_case(Blind::WrongFunction, "measure").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_function_code_in_flow() {
    blind_case(Blind::WrongFunction, "flow").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_byte_count_in_fill() {
    blind_case(Blind::BadByteCount, "fill").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_byte_count_in_measure() {
    blind_case(Blind::BadByteCount, "measure").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_byte_count_in_flow() {
    blind_case(Blind::BadByteCount, "flow").await;
}

/// An FC5 reply echoing the opposite coil value is caught (tokio-modbus only debug-asserts it).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lying_write_echo_is_a_rig_fault() {
    let map = map_no_watchdog();
    let emu = emulator(&map, SCALE, vec![]).await;
    let proxy = BlindProxy::start(emu.local_addr(), Blind::LyingEcho).await;
    proxy.go_blind();
    let rec = run_via(&map, proxy.addr()).await;
    assert_eq!(rec.outcome, Outcome::Aborted, "{}", rec.reason);
    assert!(rec.reason.contains("rig fault"), "{}", rec.reason);
    assert!(rec.reason.contains("pump_run"), "{}", rec.reason);
}

/// A PLC restart mid-measure (outputs at their power-on state, vent open, for 150 ms): the
/// read-back sees it, so the test is aborted naming the vent, not failed with a huge "leak".
/// Time scale ×4: a poll every 25 ms wall, so the 150 ms (37 ms wall) window spans at least
/// one poll unless a poll is delayed by > 12 ms.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn plc_restart_mid_measure_is_aborted_not_fail() {
    const SLOW: f64 = 4.0;
    let map = map_no_watchdog();
    let fault = ScheduledFault {
        at_s: 10.0,
        fault: Fault::PlcRestart { duration_s: 0.15 },
    };
    let emu = emulator(&map, SLOW, vec![fault]).await;
    let link = Link::spawn(
        Arc::new(map.clone()),
        LinkConfig::from_map(&map, emu.local_addr()),
    );
    let (_tx, rx) = watch::channel(false);
    let rec = run_sequence(&link, &quick_recipe(), "SN-RESTART", &options(SLOW), rx).await;
    assert_eq!(rec.outcome, Outcome::Aborted, "{}", rec.reason);
    assert!(rec.reason.contains("vent_valve reads 1"), "{}", rec.reason);
    assert!(
        rec.leak.is_none(),
        "no leak figure from a disturbed measure"
    );
    assert!(is_safe(&emu.state()));
}

/// A second master writing a valve mid-test: aborted, naming the valve and both values.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn second_master_write_is_a_rig_fault() {
    let map = map_no_watchdog();
    let emu = emulator(&map, SCALE, vec![]).await;
    let intruder = {
        let emu = emu.clone();
        tokio::spawn(async move {
            wait_for(&emu, Duration::from_secs(30), |s| s.t_s >= 10.0).await;
            let mut ctx = tcp::connect_slave(emu.local_addr(), Slave(1))
                .await
                .unwrap();
            ctx.write_single_coil(1, true).await.unwrap().unwrap(); // vent_valve
        })
    };
    let rec = run(&map, &quick_recipe(), &emu, &options(SCALE)).await;
    intruder.await.unwrap();
    assert_eq!(rec.outcome, Outcome::Aborted, "{}", rec.reason);
    assert!(
        rec.reason
            .contains("vent_valve reads 1 but was commanded 0"),
        "{}",
        rec.reason
    );
}

/// A panic inside the sequence drives the safe state before the record is made.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn panic_in_the_sequence_drives_the_safe_state() {
    let map = map_no_watchdog();
    let emu = emulator(&map, SCALE, vec![]).await;
    let link = Link::spawn(
        Arc::new(map.clone()),
        LinkConfig::from_map(&map, emu.local_addr()),
    );
    let sequence = {
        let link = link.clone();
        async move {
            link.write(SignalName::FillValve, 1.0).await.unwrap();
            link.write(SignalName::IsolationValve, 1.0).await.unwrap();
            link.write(SignalName::PumpRun, 1.0).await.unwrap();
            panic!("injected crash");
        }
    };
    let s = emu.state();
    assert!(!is_safe(&s));
    let rec = run_guarded(&link, sequence, "SN-PANIC", "quick", &options(SCALE)).await;
    assert_eq!(rec.outcome, Outcome::Aborted, "{}", rec.reason);
    assert!(rec.reason.contains("injected crash"), "{}", rec.reason);
    assert!(rec.reason.contains("safe state"), "{}", rec.reason);
    assert!(is_safe(&emu.state()), "{:?}", emu.state());
}

/// The emulated PLC watchdog: not armed until the first heartbeat write; trips after
/// `timeout_ms` (emulated) without a change, driving its safe state and latching
/// `watchdog_tripped`; a heartbeat change re-arms it and clears the latch.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn emulated_watchdog_trips_latches_and_rearms() {
    let map = map(500); // the shipped map: [watchdog] timeout_ms = 3000
    let timeout_s = map.watchdog.unwrap().timeout_ms as f64 / 1000.0;
    let emu = emulator(&map, SCALE, vec![]).await;
    let mut ctx = tcp::connect_slave(emu.local_addr(), Slave(1))
        .await
        .unwrap();
    ctx.write_single_coil(0, true).await.unwrap().unwrap(); // fill open, no heartbeat yet
    wait_for(&emu, Duration::from_secs(5), |s| s.t_s > timeout_s + 1.0).await;
    let s = emu.state();
    assert!(s.fill_open && !s.watchdog_tripped, "unarmed: {s:?}");

    ctx.write_multiple_registers(1, &[7, 0])
        .await
        .unwrap()
        .unwrap(); // heartbeat 7
    let armed_at = emu.state().t_s;
    let s = wait_for(&emu, Duration::from_secs(5), |s| s.watchdog_tripped).await;
    assert!(is_safe(&s), "{s:?}");
    assert!(s.pump_speed_setpoint_pct == 0.0);
    let tripped_after = s.t_s - armed_at;
    assert!(
        tripped_after >= timeout_s - 0.02 && tripped_after <= timeout_s + 0.5,
        "tripped {tripped_after} s after arming"
    );
    assert_eq!(
        ctx.read_discrete_inputs(2, 1).await.unwrap().unwrap(),
        [true]
    );
    // While tripped the outputs stay safe; the next heartbeat change re-arms and clears it.
    ctx.write_multiple_registers(1, &[8, 0])
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        ctx.read_discrete_inputs(2, 1).await.unwrap().unwrap(),
        [false]
    );
    assert_eq!(emu.state().watchdog_trips, 1);
}

/// The operator's second stop during a safe-state drive against a dead link ends the retries
/// only after every write was attempted once (instead of retrying for the 30 s grace).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_stop_ends_the_safe_state_retries_after_one_round() {
    use coldtray_controller::l10::safe_state::drive_safe_state;
    use std::sync::atomic::AtomicBool;
    let map = map_no_watchdog();
    // A port nothing listens on: every write fails on the transport.
    let dead = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let link = Link::spawn(Arc::new(map.clone()), LinkConfig::from_map(&map, dead));
    let hurry = AtomicBool::new(true);
    let t0 = std::time::Instant::now();
    let report = drive_safe_state(&link, Duration::from_secs(30), Some(&hurry)).await;
    assert_eq!(report.rounds, 1, "{report:?}");
    assert_eq!(report.failed.len(), 5, "every write attempted: {report:?}");
    // Five writes against a refused port (each at most a 0.5 s connect timeout or an
    // immediate backoff error): far below the 30 s grace.
    assert!(t0.elapsed() < Duration::from_secs(10), "{:?}", t0.elapsed());
}

/// Valid replies that come too slowly (each 300 ms late, under the 500 ms request timeout, but
/// a whole sample takes > 1 s): no valid sample within the link-loss limit is a lost link,
/// though no request ever failed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slow_valid_replies_are_a_lost_link() {
    let map = map_no_watchdog();
    let fault = ScheduledFault {
        at_s: 0.0,
        fault: Fault::SlowReplies { delay_ms: 300 },
    };
    let emu = emulator(&map, SCALE, vec![fault]).await;
    let rec = run(&map, &quick_recipe(), &emu, &options(SCALE)).await;
    assert_eq!(rec.outcome, Outcome::Aborted, "{}", rec.reason);
    assert!(rec.reason.contains("lost the link"), "{}", rec.reason);
    assert!(is_safe(&emu.state()), "{:?}", emu.state());
}

/// A phase's own deadline fires on the monotonic clock even while valid samples keep coming
/// (the backstop behind every phase's own end condition).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_phase_deadline_fires_while_samples_arrive() {
    use coldtray_controller::l10::abort::AbortReason;
    use coldtray_controller::l10::sampler::Sampler;
    use coldtray_controller::l10::supervisor::Supervisor;
    let map = map_no_watchdog();
    let emu = emulator(&map, SCALE, vec![]).await;
    let link = Link::spawn(
        Arc::new(map.clone()),
        LinkConfig::from_map(&map, emu.local_addr()),
    );
    let (_tx, rx) = watch::channel(false);
    let limit = Duration::from_millis(200);
    let sup = Supervisor::new(quick_recipe().limits);
    let mut s = Sampler::new(link, sup, SCALE, limit, rx);
    s.set_deadline(Some(1.0)); // 1 recipe s = 0.1 s wall, + 2 polls + the 0.2 s allowance
    let t0 = std::time::Instant::now();
    let e = loop {
        match s.poll().await {
            Ok(_) => assert!(t0.elapsed() < Duration::from_secs(5), "no deadline"),
            Err(e) => break e,
        }
    };
    assert!(matches!(e, AbortReason::PhaseDeadline { .. }), "{e}");
    assert!(
        t0.elapsed() >= Duration::from_millis(300),
        "{:?}",
        t0.elapsed()
    );
    assert!(
        s.trace.len() > 10,
        "samples kept arriving: {}",
        s.trace.len()
    );
}
