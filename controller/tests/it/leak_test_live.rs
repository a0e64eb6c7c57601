//! The live events of whole tests against the emulator (×50 on both sides): they arrive in
//! order (Started, one Phase per phase, one Sample per poll, Finished last), the samples carry
//! the phase's elapsed and remaining time, the pressure rises during the fill, and Finished
//! says what the record says.

use crate::support::leak_test::*;
use coldtray_controller::emulator::faults::{Fault, ScheduledFault};
use coldtray_controller::l10::live::LiveEvent;
use coldtray_controller::l10::result::Phase;
use coldtray_controller::{Outcome, TestRecord};
use tokio::sync::broadcast;

const SCALE: f64 = 50.0;

/// Runs one test with a listener subscribed before the start; returns the record and every
/// event. The channel holds more than a whole test's events (a quick test is ≈ 30 recipe s at
/// 10 polls/s), so nothing is lost to lag.
async fn run_live(faults: Vec<ScheduledFault>) -> (TestRecord, Vec<LiveEvent>) {
    let map = map(500);
    let emu = emulator(&map, SCALE, faults).await;
    let (tx, mut rx) = broadcast::channel(10_000);
    let mut opts = options(SCALE);
    opts.live = Some(tx);
    let rec = run(&map, &quick_recipe(), &emu, &opts).await;
    let mut events = Vec::new();
    while let Ok(e) = rx.try_recv() {
        events.push(e);
    }
    (rec, events)
}

fn phases(events: &[LiveEvent]) -> Vec<Phase> {
    events
        .iter()
        .filter_map(|e| match e {
            LiveEvent::Phase { phase, .. } => Some(*phase),
            _ => None,
        })
        .collect()
}

/// The checks every test's events must pass, whatever the verdict.
fn check_order(rec: &TestRecord, events: &[LiveEvent]) {
    match events.first() {
        Some(LiveEvent::Started {
            serial,
            recipe,
            time_scale,
            expected_s,
        }) => {
            assert_eq!(serial, &rec.serial);
            assert_eq!(recipe, &rec.recipe);
            assert_eq!(*time_scale, SCALE);
            assert!(expected_s.is_some_and(|s| s > 0.0));
        }
        other => panic!("first event {other:?}"),
    }
    match events.last() {
        Some(LiveEvent::Finished {
            outcome,
            reason,
            leak_sccm,
        }) => {
            assert_eq!(*outcome, rec.outcome);
            assert_eq!(reason, &rec.reason);
            assert_eq!(*leak_sccm, rec.leak.as_ref().map(|l| l.leak_sccm));
        }
        other => panic!("last event {other:?}"),
    }
    let finished = events
        .iter()
        .filter(|e| matches!(e, LiveEvent::Finished { .. }))
        .count();
    assert_eq!(finished, 1);
    // One sample per poll: exactly the trace, in order, each under the last announced phase.
    let mut current: Option<Phase> = None;
    let mut samples = Vec::new();
    for e in &events[1..events.len() - 1] {
        match e {
            LiveEvent::Phase { phase, .. } => current = Some(*phase),
            LiveEvent::Sample(s) => {
                assert_eq!(Some(s.phase), current, "sample outside its phase: {s:?}");
                samples.push(s.clone());
            }
            other => panic!("unexpected {other:?} mid-test"),
        }
    }
    assert_eq!(samples.len(), rec.trace.len());
    for (s, t) in samples.iter().zip(&rec.trace) {
        assert_eq!(s.t_s, t.t_s);
        assert_eq!(s.phase, t.phase);
        assert_eq!(s.pressure_kpa, t.test_pressure_kpa);
        assert!(s.phase_elapsed_s >= 0.0);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_passing_test_announces_every_phase_in_order() {
    let (rec, events) = run_live(vec![]).await;
    assert_eq!(rec.outcome, Outcome::Pass, "{}", rec.reason);
    check_order(&rec, &events);
    assert_eq!(
        phases(&events),
        [
            Phase::Precheck,
            Phase::Fill,
            Phase::Stabilize,
            Phase::Measure,
            Phase::Vent,
            Phase::Flow
        ]
    );
    // The recipe's lengths: stabilise 3 s, measure 6 s (quick_recipe).
    for e in &events {
        if let LiveEvent::Phase {
            phase, expected_s, ..
        } = e
        {
            let want = match phase {
                Phase::Stabilize => Some(3.0),
                Phase::Measure => Some(6.0),
                Phase::Precheck => None,
                _ => *expected_s,
            };
            assert_eq!(*expected_s, want, "{phase:?}");
        }
    }
    // During the stabilisation elapsed + remaining = 3 s while it lasts (remaining ≥ 0).
    let stab: Vec<_> = events
        .iter()
        .filter_map(|e| match e {
            LiveEvent::Sample(s) if s.phase == Phase::Stabilize => Some(s.clone()),
            _ => None,
        })
        .collect();
    assert!(!stab.is_empty());
    for s in &stab {
        let rem = s.phase_remaining_s.unwrap();
        assert!(rem >= 0.0);
        if s.phase_elapsed_s <= 3.0 {
            assert!((s.phase_elapsed_s + rem - 3.0).abs() < 1e-9, "{s:?}");
        }
    }
    // The pressure rises during the fill: from near 0 (precheck demands < 5 kPa) to the
    // 525 kPa target; the emulator's noise is ≈ 1 Pa, so the last fill reading is far above
    // the first and the readings climb (allowing 1 kPa of noise between polls).
    let fill: Vec<f64> = events
        .iter()
        .filter_map(|e| match e {
            LiveEvent::Sample(s) if s.phase == Phase::Fill => s.pressure_kpa,
            _ => None,
        })
        .collect();
    assert!(fill.len() >= 2, "{fill:?}");
    assert!(
        fill[0] < 100.0 && *fill.last().unwrap() >= 525.0,
        "{fill:?}"
    );
    assert!(fill.windows(2).all(|w| w[1] > w[0] - 1.0), "{fill:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_test_finishes_with_the_records_verdict_and_leak() {
    let (rec, events) = run_live(vec![ScheduledFault {
        at_s: 0.0,
        fault: Fault::Leak { sccm: 80.0 },
    }])
    .await;
    assert_eq!(rec.outcome, Outcome::Fail, "{}", rec.reason);
    check_order(&rec, &events);
    // The flow test is skipped after a leak failure: no flow phase.
    assert!(!phases(&events).contains(&Phase::Flow));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_aborted_test_announces_the_safe_state_and_finishes_aborted() {
    let (rec, events) = run_live(vec![ScheduledFault {
        at_s: 8.0,
        fault: Fault::EStop,
    }])
    .await;
    assert_eq!(rec.outcome, Outcome::Aborted, "{}", rec.reason);
    check_order(&rec, &events);
    assert_eq!(phases(&events).last(), Some(&Phase::Safe));
}
