//! Every fault the emulator injects ends in the safe state (read back from the emulator's true
//! state) and an `aborted` record with the reason and the trace up to the fault.
//!
//! Time scale ×10 on both sides (poll 100 ms emulated = 10 ms wall) so "within 2 polls" is
//! 20 ms of wall time — enough margin for a loaded CI machine. The timing bound is
//! 2 polls + 0.05 s: the watcher samples the true state every 0.5 ms wall (5 ms emulated) and the
//! emulator's physics advances in 10 ms steps, so the observed time carries that granularity;
//! windows of many polls get a quarter of their length as slack instead (poll delays add up).
//! Faults that need time to become visible have their own documented window (a frozen sensor:
//! 10 identical samples; blocked flow: after the step's settle time; link faults: the link-loss
//! time plus the reconnect).

use std::path::Path;
use std::time::Duration;

use crate::support::leak_test::*;
use coldtray_controller::emulator::faults::{Fault, ScheduledFault};
use coldtray_controller::rig::parse::parse_map;
use coldtray_controller::{Outcome, TestRecord};
use coldtray_controller::{RegisterMap, SignalName};
use tokio::sync::watch;

const SCALE: f64 = 10.0;
const POLL_S: f64 = 0.1;
const SLACK_S: f64 = 0.05;
/// Inside the quick recipe's measure phase (≈ 8–14 s).
const MEASURE_AT_S: f64 = 10.0;

fn check_record(rec: &TestRecord, expect: &[&str], fault_at_s: f64) {
    assert_eq!(rec.outcome, Outcome::Aborted, "{}", rec.reason);
    assert!(
        expect.iter().any(|e| rec.reason.contains(e)),
        "reason {:?} lacks any of {expect:?}",
        rec.reason
    );
    let last = rec.trace.last().unwrap();
    assert!(
        last.t_s >= fault_at_s - 1.0,
        "trace runs up to the fault: last sample {last:?}"
    );
    assert!(
        rec.trace.len() > 50,
        "trace kept: {} samples",
        rec.trace.len()
    );
}

/// A fault scheduled at `at_s` during the quick recipe; asserts an aborted record whose reason
/// contains one of `expect` and the safe state within `window_s` of the fault.
async fn scheduled(map: RegisterMap, fault: Fault, at_s: f64, expect: &[&str], window_s: f64) {
    let emu = emulator(&map, SCALE, vec![ScheduledFault { at_s, fault }]).await;
    let watch = SafetyWatch::start(emu.clone());
    let rec = run(&map, &quick_recipe(), &emu, &options(SCALE)).await;
    eprintln!("reason: {}", rec.reason);
    let safe_at = watch
        .finish()
        .await
        .expect("rig not left in the safe state");
    check_record(&rec, expect, at_s);
    eprintln!("safe state {:.3} s after the fault", safe_at - at_s);
    // A window of many polls accumulates each poll's scheduling delay: on a loaded 2-core
    // machine a poll (several Modbus requests, 10 ms of wall time at ×10) can slip by a
    // quarter, so long windows get a slack proportional to their length.
    let slack_s = SLACK_S.max(0.25 * window_s);
    assert!(
        safe_at - at_s <= window_s + slack_s,
        "safe state at {safe_at:.3} s, fault at {at_s} s: {:.3} s > {window_s} s + {slack_s} s",
        safe_at - at_s
    );
    assert!(safe_at >= at_s, "became safe before the fault? {safe_at}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn over_pressure() {
    // The failed regulator pushes gas in with every valve closed: the drift check (pressure
    // rising > 2 kPa while closed) or the 700 kPa limit, whichever comes first.
    let expect = ["over-pressure", "gas is entering the tray"];
    scheduled(
        map(500),
        Fault::OverPressure,
        MEASURE_AT_S,
        &expect,
        2.0 * POLL_S,
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn estop() {
    scheduled(
        map(500),
        Fault::EStop,
        MEASURE_AT_S,
        &["emergency stop"],
        2.0 * POLL_S,
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pressure_nan() {
    let expect = ["sensor test_pressure read NaN"];
    scheduled(
        map(500),
        Fault::PressureNan,
        MEASURE_AT_S,
        &expect,
        2.0 * POLL_S,
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pressure_out_of_range_on_an_integer_mapped_sensor() {
    // test_pressure as a u16 at 0.1 kPa/count: the emulator's "NaN" on an integer register is
    // the raw maximum, 6553.5 kPa — far outside −101.325…1050 kPa.
    let text = std::fs::read_to_string(repo("examples/rig/map.toml")).unwrap();
    let text = text.replacen(
        "[signals.test_pressure]\ntable = \"input\"\naddress = 0\ntype = \"f32\"",
        "[signals.test_pressure]\ntable = \"input\"\naddress = 0\ntype = \"u16\"\nscale = 0.1",
        1,
    );
    let map = parse_map(&text, Path::new("u16-map.toml")).unwrap();
    let sig = map.get(SignalName::TestPressure).unwrap();
    assert_eq!(sig.word_count(), 1, "map edit applied");
    let expect = ["sensor test_pressure read 6553.5"];
    scheduled(map, Fault::PressureNan, MEASURE_AT_S, &expect, 2.0 * POLL_S).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pressure_stuck() {
    // Needs FROZEN_SAMPLES (10) identical readings to be told from a quiet sensor.
    let window = (coldtray_controller::l10::supervisor::FROZEN_SAMPLES as f64 + 2.0) * POLL_S;
    scheduled(
        map(500),
        Fault::PressureStuck,
        MEASURE_AT_S,
        &["frozen"],
        window,
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pressure_drift() {
    // +20 kPa/s: above the 2 kPa drift threshold within one poll.
    let fault = Fault::PressureDrift { kpa_per_s: 20.0 };
    let expect = ["pressure sensor is drifting"];
    scheduled(map(500), fault, MEASURE_AT_S, &expect, 2.0 * POLL_S).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exception_reply_on_a_read() {
    let fault = Fault::Exception {
        signal: SignalName::TestPressure,
        code: 4,
    };
    let expect = ["exception 0x04"];
    scheduled(map(500), fault, MEASURE_AT_S, &expect, 2.0 * POLL_S).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exception_reply_on_a_write() {
    let fault = Fault::Exception {
        signal: SignalName::Heartbeat,
        code: 2,
    };
    // The heartbeat is read back every poll (in the holding block with the setpoint) before it
    // is written: whichever request meets the exception first names it.
    let expect = [
        "heartbeat (holding 1, 2 word(s)) with exception 0x02",
        "pump_speed_setpoint, heartbeat (holding 0, 3 word(s)) with exception 0x02",
    ];
    scheduled(map(500), fault, MEASURE_AT_S, &expect, 2.0 * POLL_S).await;
}

/// Injects `fault` as soon as the pump runs (flow test); returns the emulated injection time.
async fn during_flow(fault: Fault, expect: &[&str], window_s: f64) {
    let map = map(500);
    let emu = emulator(&map, SCALE, vec![]).await;
    let watch = SafetyWatch::start(emu.clone());
    let injector = {
        let emu = emu.clone();
        tokio::spawn(async move {
            let s = wait_for(&emu, Duration::from_secs(10), |s| s.pump_run).await;
            emu.inject(fault);
            s.t_s
        })
    };
    let rec = run(&map, &quick_recipe(), &emu, &options(SCALE)).await;
    let at_s = injector.await.unwrap();
    let safe_at = watch
        .finish()
        .await
        .expect("rig not left in the safe state");
    check_record(&rec, expect, at_s);
    assert!(rec.flow.is_empty(), "no flow point from an aborted step");
    assert!(
        safe_at - at_s <= window_s + SLACK_S,
        "safe at {safe_at:.3}, fault at {at_s:.3}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pump_fault() {
    during_flow(
        Fault::PumpFault,
        &["pump drive reports a fault"],
        2.0 * POLL_S,
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn blocked_flow() {
    // Judged after the step's settle time (quick recipe: 1 s).
    during_flow(Fault::BlockedFlow, &["blocked flow"], 1.0 + 2.0 * POLL_S).await;
}

/// A link fault during measure, lifted after `outage` (wall): the test aborts once the link
/// has been down for the request timeout (100 ms wall here), and the safe-state writes are
/// delivered as new writes once the link is back (grace 5 s).
async fn link_fault(fault: Fault, outage: Duration, clear: bool) {
    let map = map(100);
    let emu = emulator(&map, SCALE, vec![]).await;
    let injector = {
        let emu = emu.clone();
        tokio::spawn(async move {
            let s = wait_for(&emu, Duration::from_secs(10), |s| s.t_s >= MEASURE_AT_S).await;
            emu.inject(fault);
            tokio::time::sleep(outage).await;
            if clear {
                emu.clear_faults();
            }
            s.t_s
        })
    };
    let watch = SafetyWatch::start(emu.clone());
    let rec = run(&map, &quick_recipe(), &emu, &options(SCALE)).await;
    let at_s = injector.await.unwrap();
    let safe_at = watch
        .finish()
        .await
        .expect("rig not left in the safe state");
    check_record(&rec, &["lost the link", "command"], at_s);
    assert!(!rec.reason.contains("NOT CONFIRMED"), "{}", rec.reason);
    // Back within the outage + the reconnect backoff (≤ 0.5 s) + 2 polls.
    let bound = (outage.as_secs_f64() + 0.5) * SCALE + 2.0 * POLL_S;
    assert!(
        safe_at - at_s <= bound,
        "safe at {safe_at}, fault at {at_s}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn link_drop() {
    let outage = Duration::from_millis(300);
    link_fault(Fault::LinkDrop { refuse_s: 0.3 }, outage, false).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slow_replies() {
    let fault = Fault::SlowReplies { delay_ms: 250 };
    link_fault(fault, Duration::from_millis(400), true).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn operator_stop() {
    let map = map(500);
    let emu = emulator(&map, SCALE, vec![]).await;
    let (tx, rx) = watch::channel(false);
    let stopper = {
        let emu = emu.clone();
        tokio::spawn(async move {
            let s = wait_for(&emu, Duration::from_secs(10), |s| s.t_s >= MEASURE_AT_S).await;
            tx.send(true).unwrap();
            s.t_s
        })
    };
    let watch = SafetyWatch::start(emu.clone());
    let rec = run_with_cancel(&map, &quick_recipe(), &emu, &options(SCALE), rx).await;
    let at_s = stopper.await.unwrap();
    let safe_at = watch
        .finish()
        .await
        .expect("rig not left in the safe state");
    check_record(&rec, &["stopped by the operator"], at_s);
    assert!(
        safe_at - at_s <= 2.0 * POLL_S + SLACK_S,
        "safe at {safe_at}, stop at {at_s}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn precheck_refuses_an_estop_and_a_pressurised_tray() {
    use coldtray_controller::link::{Link, LinkConfig};
    use std::sync::Arc;
    let map = map(500);
    // E-stop already pressed: nothing is filled.
    let emu = emulator(
        &map,
        SCALE,
        vec![ScheduledFault {
            at_s: 0.0,
            fault: Fault::EStop,
        }],
    )
    .await;
    let rec = run(&map, &quick_recipe(), &emu, &options(SCALE)).await;
    assert_eq!(rec.outcome, Outcome::Aborted);
    assert!(rec.reason.contains("emergency stop"), "{}", rec.reason);
    assert!(rec
        .trace
        .iter()
        .all(|t| t.phase == coldtray_controller::l10::result::Phase::Precheck));
    assert!(is_safe(&emu.state()));

    // A tray left at pressure by someone else: precheck refuses to start.
    let emu = emulator(&map, SCALE, vec![]).await;
    let link = Link::spawn(
        Arc::new(map.clone()),
        LinkConfig::from_map(&map, emu.local_addr()),
    );
    link.write(SignalName::IsolationValve, 1.0).await.unwrap();
    link.write(SignalName::FillValve, 1.0).await.unwrap();
    wait_for(&emu, Duration::from_secs(5), |s| s.pressure_kpa > 100.0).await;
    link.write(SignalName::FillValve, 0.0).await.unwrap();
    link.write(SignalName::IsolationValve, 0.0).await.unwrap();
    let rec = run(&map, &quick_recipe(), &emu, &options(SCALE)).await;
    assert_eq!(rec.outcome, Outcome::Aborted);
    assert!(rec.reason.contains("still pressurised"), "{}", rec.reason);
    let s = emu.state();
    assert!(is_safe(&s) && !s.fill_open, "{s:?}");
}
