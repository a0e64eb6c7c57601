//! `coldtray leak-test`: run one L10 leak (and flow) test on a tray over Modbus TCP, print a
//! one-line verdict, store the record. Exit codes: 0 pass, 1 fail, 2 aborted or error.
//!
//! Everything is checked before the rig is touched: the map, the recipe (against its limits and
//! the map), the serial number, the record directory and the database. Ctrl-C, SIGTERM, SIGHUP
//! (the terminal or SSH session closed) or SIGQUIT during the test aborts it: the rig is driven
//! to its safe state and the test is recorded as aborted. A second signal ends the safe-state
//! retries, but only after every safe-state write has been attempted once.

use crate::output::outln;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use anyhow::{bail, Context};
use coldtray_controller::records::journal::{describe, journal_dir, JournalState, ReplayReport};
use coldtray_controller::records::store::StoreOptions;
use coldtray_controller::runner::Completed;
use coldtray_controller::{prepare_with, Outcome, RunOptions};
use tokio::sync::watch;

/// Arguments of `coldtray leak-test`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// Register map of the rig's PLC (map.toml).
    #[arg(long)]
    map: PathBuf,
    /// Test program (recipe.toml).
    #[arg(long)]
    recipe: PathBuf,
    /// Serial number of the tray under test (1–64 of A–Z a–z 0–9 . _ -).
    #[arg(long)]
    serial: String,
    /// SQLite result store.
    #[arg(long, default_value = "results.sqlite")]
    db: PathBuf,
    /// How long to wait for the result store when another program holds it locked before the
    /// record is queued (in the journal beside the store) for the next start, milliseconds.
    #[arg(long, value_name = "MS", default_value_t = 10_000)]
    db_wait_ms: u64,
    /// Directory of the JSON records and trace plots.
    #[arg(long, default_value = "records")]
    out: PathBuf,
    /// Rig address, overriding the map's host and port.
    #[arg(long, value_name = "HOST:PORT")]
    connect: Option<String>,
    /// Divide every recipe duration and the poll period by N (only against an emulator run
    /// with the same --time-scale).
    #[arg(long, value_name = "N", default_value_t = 1.0)]
    time_scale: f64,
}

/// The stop signals: Ctrl-C (SIGINT), SIGTERM, SIGHUP and SIGQUIT. Installing the handlers
/// replaces their default action (die at once, rig as it is) for the whole test.
#[cfg(unix)]
struct StopSignals {
    int: tokio::signal::unix::Signal,
    term: tokio::signal::unix::Signal,
    hup: tokio::signal::unix::Signal,
    quit: tokio::signal::unix::Signal,
}

#[cfg(unix)]
impl StopSignals {
    /// Must run inside the runtime.
    fn install() -> std::io::Result<StopSignals> {
        use tokio::signal::unix::{signal, SignalKind};
        Ok(StopSignals {
            int: signal(SignalKind::interrupt())?,
            term: signal(SignalKind::terminate())?,
            hup: signal(SignalKind::hangup())?,
            quit: signal(SignalKind::quit())?,
        })
    }

    /// The next stop signal, whichever it is.
    async fn recv(&mut self) {
        tokio::select! {
            _ = self.int.recv() => {}
            _ = self.term.recv() => {}
            _ = self.hup.recv() => {}
            _ = self.quit.recv() => {}
        }
    }
}

/// Sets the cancel flag on the first stop signal and `hurry` on the second.
#[cfg(unix)]
async fn stop_on_signal(mut signals: StopSignals, tx: watch::Sender<bool>, hurry: Arc<AtomicBool>) {
    signals.recv().await;
    eprintln!(
        "stop requested: driving the rig to its safe state and recording the test as aborted…"
    );
    let _ = tx.send(true);
    signals.recv().await;
    eprintln!("second stop: ending once every safe-state write has been attempted…");
    hurry.store(true, Ordering::SeqCst);
}

/// Sets the cancel flag on Ctrl-C and `hurry` on the second.
#[cfg(not(unix))]
async fn stop_on_signal(tx: watch::Sender<bool>, hurry: Arc<AtomicBool>) {
    let _ = tokio::signal::ctrl_c().await;
    eprintln!(
        "stop requested: driving the rig to its safe state and recording the test as aborted…"
    );
    let _ = tx.send(true);
    let _ = tokio::signal::ctrl_c().await;
    hurry.store(true, Ordering::SeqCst);
}

pub(crate) fn run(args: Args) -> anyhow::Result<ExitCode> {
    if !(args.time_scale.is_finite() && args.time_scale >= 1.0) {
        bail!(
            "--time-scale {}: must be a number ≥ 1 (1 = real time; use N > 1 only against an emulator running at the same scale)",
            args.time_scale
        );
    }
    let store = StoreOptions {
        busy_timeout: std::time::Duration::from_millis(args.db_wait_ms),
    };
    let prepared = prepare_with(
        &args.map,
        &args.recipe,
        &args.serial,
        args.connect.as_deref(),
        &args.out,
        &args.db,
        &store,
    )?;
    print_replayed(prepared.store.replayed());
    eprintln!(
        "L10 test of {} with \"{}\" on the rig at {}{}",
        prepared.serial,
        prepared.recipe.name,
        prepared.addr,
        if args.time_scale > 1.0 {
            format!(" (time scale ×{})", args.time_scale)
        } else {
            String::new()
        }
    );
    let hurry = Arc::new(AtomicBool::new(false));
    // The test's progress, shown by the live view (crate::live_view) while it runs.
    let (live, live_rx) = tokio::sync::broadcast::channel(crate::live_view::CHANNEL_CAPACITY);
    let opts = RunOptions {
        time_scale: args.time_scale,
        hurry: Some(hurry.clone()),
        live: Some(live),
        ..RunOptions::default()
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    let done = runtime.block_on(async {
        let (tx, rx) = watch::channel(false);
        // No test without the stop handlers: a signal must never kill the process mid-test.
        #[cfg(unix)]
        let signals = tokio::spawn(stop_on_signal(
            StopSignals::install().context("cannot install the stop-signal handlers")?,
            tx,
            hurry,
        ));
        #[cfg(not(unix))]
        let signals = tokio::spawn(stop_on_signal(tx, hurry));
        let view = tokio::spawn(crate::live_view::follow(
            live_rx,
            crate::live_view::Mode::detect(),
        ));
        let result = prepared.run(&opts, rx).await;
        // The sender goes with the options: the view ends after the last event.
        drop(opts);
        let _ = view.await;
        signals.abort();
        result.map_err(anyhow::Error::from)
    })?;
    Ok(print_verdict(&done, &args.db))
}

/// Tells the operator about records an earlier run left queued: completed now, or still queued.
pub(crate) fn print_replayed(report: &ReplayReport) {
    for r in &report.completed {
        eprintln!(
            "completed a queued record: {} {} [record {}]",
            r.serial,
            r.outcome.as_str(),
            r.json_path.display()
        );
    }
    if report.still_queued > 0 {
        eprintln!(
            "warning: {} record(s) still queued in {} (inserted at a later start): {}",
            report.still_queued,
            report.dir.display(),
            report.problems.join("; ")
        );
    }
}

/// Prints the one-line verdict — always, whatever the commit met — then one line per step
/// that did not complete; returns the exit code: the verdict's (0 pass, 1 fail, 2 aborted)
/// while the record is kept (complete or queued), 2 when it could not be kept at all.
fn print_verdict(done: &Completed, db: &std::path::Path) -> ExitCode {
    let r = &done.record;
    let c = &done.commit;
    let verdict = match r.outcome {
        Outcome::Pass => "PASS",
        Outcome::Fail => "FAIL",
        Outcome::Aborted => "ABORTED",
    };
    let place = match (&c.json_path, c.queued()) {
        (Ok(p), _) => format!("record {}", p.display()),
        (Err(_), Some(q)) => format!("record queued in {}", q.display()),
        (Err(_), None) => "record NOT stored".to_string(),
    };
    outln!("{verdict} {}: {} [{place}]", r.serial, r.reason);
    if let Some(entry) = c.queued() {
        let why = match (&c.json_path, &c.row) {
            (_, Err(e)) if e.is_busy() => format!(
                "the result store {} is locked by another program",
                db.display()
            ),
            (Err(e), _) | (_, Err(e)) => describe(e),
            _ => "its journal entry could not be removed".to_string(),
        };
        eprintln!(
            "record queued: {why}; it is kept in {} and goes into the store at the next `coldtray leak-test` or `coldtray records --db {}`",
            entry.display(),
            db.display()
        );
    } else if let Err(e) = &c.row {
        eprintln!("warning: {}", describe(e));
    }
    if let JournalState::Unwritable(e) = &c.journal {
        eprintln!(
            "warning: the record journal {} is not writable: {}",
            journal_dir(db).display(),
            describe(e)
        );
    }
    if let Err(e) = &c.plot {
        eprintln!("warning: {} (the record is stored)", describe(e));
    }
    if !c.is_kept() {
        if let Err(e) = &c.json_path {
            eprintln!("error: the verdict above was NOT recorded: {}", describe(e));
        }
        return ExitCode::from(2);
    }
    match r.outcome {
        Outcome::Pass => ExitCode::SUCCESS,
        Outcome::Fail => ExitCode::from(1),
        Outcome::Aborted => ExitCode::from(2),
    }
}
