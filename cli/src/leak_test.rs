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
use coldtray_controller::{prepare, Outcome, RunOptions};
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
    let prepared = prepare(
        &args.map,
        &args.recipe,
        &args.serial,
        args.connect.as_deref(),
        &args.out,
        &args.db,
    )?;
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
    let opts = RunOptions {
        time_scale: args.time_scale,
        hurry: Some(hurry.clone()),
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
        let result = prepared.run(&opts, rx).await;
        signals.abort();
        result.map_err(anyhow::Error::from)
    })?;
    let r = &done.record;
    let verdict = match r.outcome {
        Outcome::Pass => "PASS",
        Outcome::Fail => "FAIL",
        Outcome::Aborted => "ABORTED",
    };
    outln!(
        "{verdict} {}: {} [record {}]",
        r.serial,
        r.reason,
        done.json_path.display()
    );
    if let Err(e) = done.plot {
        eprintln!(
            "warning: {:#} (the record is stored)",
            anyhow::Error::from(e)
        );
    }
    Ok(match r.outcome {
        Outcome::Pass => ExitCode::SUCCESS,
        Outcome::Fail => ExitCode::from(1),
        Outcome::Aborted => ExitCode::from(2),
    })
}
