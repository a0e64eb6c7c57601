//! A test that cannot die without the safe state: the sequence runs in its own task, and if
//! that task panics, the safe state is driven over the link before anything else and the test
//! is recorded as `aborted` (the trace dies with the task; the reason says so).

use std::any::Any;
use std::future::Future;

use chrono::Utc;

use crate::l10::result::{format_time, Outcome, TestRecord};
use crate::l10::safe_state::drive_safe_state;
use crate::l10::sequence::RunOptions;
use crate::link::LinkHandle;

/// Runs `sequence` (normally [`crate::l10::sequence::run_sequence`]) in a spawned task. A
/// panic inside it drives the safe state on `link` and yields an `aborted` record for `serial`
/// and `recipe`. Must run inside a tokio runtime.
pub async fn run_guarded<F>(
    link: &LinkHandle,
    sequence: F,
    serial: &str,
    recipe: &str,
    opts: &RunOptions,
) -> TestRecord
where
    F: Future<Output = TestRecord> + Send + 'static,
{
    let started = Utc::now();
    let error = match tokio::spawn(sequence).await {
        Ok(record) => return record,
        Err(e) if e.is_panic() => panic_message(e.into_panic()),
        Err(_) => "the test task was cancelled".to_string(),
    };
    tracing::error!("the test of {serial} crashed ({error}); driving the rig to its safe state");
    let safe = drive_safe_state(link, opts.safe_state_grace, opts.hurry.as_deref()).await;
    let after = if safe.confirmed() {
        "the rig was driven to its safe state".to_string()
    } else {
        safe.problem()
    };
    TestRecord {
        serial: serial.to_string(),
        recipe: recipe.to_string(),
        started_at: format_time(started),
        finished_at: format_time(Utc::now()),
        outcome: Outcome::Aborted,
        reason: format!(
            "internal error: the controller crashed ({error}); {after}; the trace was lost"
        ),
        leak: None,
        flow: Vec::new(),
        trace: Vec::new(),

        provenance: Default::default(),
    }
}

/// The text of a panic payload (`panic!("…")` carries a `&str` or a `String`).
fn panic_message(payload: Box<dyn Any + Send>) -> String {
    match payload.downcast::<String>() {
        Ok(s) => format!("panic: {s}"),
        Err(p) => match p.downcast::<&'static str>() {
            Ok(s) => format!("panic: {s}"),
            Err(_) => "panic".to_string(),
        },
    }
}
