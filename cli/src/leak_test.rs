//! `coldtray leak-test`: run one L10 leak (and flow) test on a tray over Modbus TCP, print a
//! one-line verdict, store the record. Exit codes: 0 pass, 1 fail, 2 aborted or error.
//!
//! Everything is checked before the rig is touched: the map, the recipe (against its limits and
//! the map), the serial number, the record directory and the database. Ctrl-C or SIGTERM
//! during the test aborts it: the rig is driven to its safe state and the test is recorded as
//! aborted.

use crate::output::outln;
use std::path::PathBuf;
use std::process::ExitCode;

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

/// Sets the cancel flag on Ctrl-C or SIGTERM.
async fn stop_on_signal(tx: watch::Sender<bool>) {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        let Ok(mut term) = signal(SignalKind::terminate()) else {
            let _ = tokio::signal::ctrl_c().await;
            let _ = tx.send(true);
            return;
        };
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
    eprintln!(
        "stop requested: driving the rig to its safe state and recording the test as aborted…"
    );
    let _ = tx.send(true);
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
    let opts = RunOptions {
        time_scale: args.time_scale,
        ..RunOptions::default()
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    let done = runtime.block_on(async {
        let (tx, rx) = watch::channel(false);
        let signals = tokio::spawn(stop_on_signal(tx));
        let result = prepared.run(&opts, rx).await;
        signals.abort();
        result
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
