//! Driving the rig to its safe state: pump off, fill closed, isolation closed, vent open.
//! Every write is attempted even when an earlier one failed. Writes that fail
//! are attempted again — as explicit new writes, never a silent re-send by the link — until they
//! succeed or the grace period ends, so a link that comes back within the grace period still
//! gets the rig safe. Safe-state writes do not wait for the link's reconnect backoff. An operator who insists (a second Ctrl-C) ends the retries, but only
//! after every write has been attempted at least once.

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use tokio::time::Instant;

use crate::link::error::LinkError;
use crate::link::LinkHandle;
use crate::rig::names::SignalName;

/// The safe-state writes in the order they are issued (pump first: it must not deadhead against
/// closing valves), with their values. Signals absent from the map are skipped.
pub const SAFE_STATE: [(SignalName, f64); 5] = [
    (SignalName::PumpRun, 0.0),
    (SignalName::PumpSpeedSetpoint, 0.0),
    (SignalName::FillValve, 0.0),
    (SignalName::IsolationValve, 0.0),
    (SignalName::VentValve, 1.0),
];

/// How often an exception answer is retried before the write is given up (the PLC said "no";
/// repeating rarely helps, but a busy PLC may accept a later attempt).
const EXCEPTION_ATTEMPTS: u32 = 3;

/// Result of a safe-state attempt.
#[derive(Debug, Clone, Default)]
pub struct SafeStateReport {
    /// Writes that never succeeded, with the last error.
    pub failed: Vec<(SignalName, LinkError)>,
    /// Rounds of attempts made.
    pub rounds: u32,
}

impl SafeStateReport {
    /// True when every safe-state write succeeded.
    pub fn confirmed(&self) -> bool {
        self.failed.is_empty()
    }

    /// A sentence for the record; empty when every write succeeded.
    pub fn problem(&self) -> String {
        if self.confirmed() {
            return String::new();
        }
        let parts: Vec<String> = self
            .failed
            .iter()
            .map(|(s, e)| format!("{}: {}", s.as_str(), e.detail()))
            .collect();
        format!(
            "SAFE STATE NOT CONFIRMED — check the rig by hand: {}",
            parts.join("; ")
        )
    }
}

/// Writes the safe state, retrying failed writes for up to `grace` (wall clock), or until
/// `hurry` is set — checked only after a whole round, so every write is attempted at least once.
pub async fn drive_safe_state(
    link: &LinkHandle,
    grace: Duration,
    hurry: Option<&AtomicBool>,
) -> SafeStateReport {
    let end = Instant::now() + grace;
    let mut pending: Vec<(SignalName, f64, u32, Option<LinkError>)> = SAFE_STATE
        .iter()
        .filter(|(s, _)| link.map().get(*s).is_some())
        .map(|(s, v)| (*s, *v, 0, None))
        .collect();
    let mut report = SafeStateReport::default();
    let mut pause = Duration::from_millis(10);
    loop {
        report.rounds += 1;
        for item in pending.iter_mut() {
            let (signal, value, attempts, last) = item;
            if *attempts >= EXCEPTION_ATTEMPTS && last.as_ref().is_some_and(|e| !e.is_transport()) {
                continue; // given up: the PLC keeps refusing
            }
            *attempts += 1;
            match link.write_now(*signal, *value).await {
                Ok(()) => *last = None,
                Err(e) => {
                    tracing::warn!("safe state: {} = {value}: {}", signal.as_str(), e.detail());
                    *last = Some(e);
                }
            }
        }
        // Keep only failed writes. A success is final.
        pending.retain(|(_, _, _, last)| last.is_some());
        let retryable = pending.iter().any(|(_, _, attempts, last)| {
            last.as_ref()
                .is_some_and(|e| e.is_transport() || *attempts < EXCEPTION_ATTEMPTS)
        });
        let hurried = hurry.is_some_and(|h| h.load(Ordering::SeqCst));
        if pending.is_empty() || !retryable || hurried || Instant::now() + pause >= end {
            break;
        }
        tokio::time::sleep(pause).await;
        pause = (pause * 2).min(Duration::from_millis(200));
    }
    report.failed = pending
        .into_iter()
        .filter_map(|(s, _, _, last)| last.map(|e| (s, e)))
        .collect();
    report
}
