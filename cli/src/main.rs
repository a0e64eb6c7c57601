//! `coldtray`: thermal design of liquid-cooled GPU trays and L10 leak testing.
//!
//! A thin binary: it parses arguments, wires the `solver` and `controller` libraries together
//! and prints. Exit codes: 0 success (or a passing test), 1 a failing test, 2 an error or an
//! aborted test. `simulate` exits 1 on a thermal runaway (leakage power with no steady state),
//! after writing the results of the last stable iterate, and with `--fail-on-limit` when a
//! block is above its `limit_c`. A closed stdout
//! (`coldtray … | head -1`) is not an error: output stops quietly and the exit code is the
//! command's own.

#![cfg_attr(not(test), warn(unused_crate_dependencies))] // dev-dependencies serve tests/it

mod compare;
mod emulate;
mod flow_test;
mod import;
mod leak_test;
mod live_view;
mod materials;
mod outdir;
mod output;
mod pareto;
mod plot;
mod records;
mod records_report;
mod report;
mod simulate;
mod station;
mod stop;
mod sweep;

use std::process::ExitCode;

use clap::{ArgAction, Parser, Subcommand};
use tracing_subscriber::EnvFilter;

#[derive(Debug, Parser)]
#[command(
    name = "coldtray",
    version,
    about = "Liquid-cooled GPU tray thermal solver and L10 leak-test controller"
)]
struct Cli {
    /// Log more on stderr: -v info, -vv debug, -vvv trace (warnings always show). `RUST_LOG`
    /// (e.g. `RUST_LOG=coldtray_controller=debug`) overrides.
    #[arg(short, long, action = ArgAction::Count, global = true)]
    verbose: u8,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Solve a design (steady, or its transient run); write results.json and thermal maps.
    Simulate(simulate::Args),
    /// Solve many variants of a design (--set lists and ranges, or --variants FILE.csv) on
    /// the local cores; write sweep.csv and a result directory per variant.
    Sweep(sweep::Args),
    /// List every built-in material and coolant fluid with its properties and source.
    Materials(materials::Args),
    /// Re-render maps from a saved result directory without solving again.
    Plot(plot::Args),
    /// Write DIR/report.html: one self-contained page (maps embedded) for a result directory.
    Report(report::Args),
    /// Compare two result directories: headline figures, per-block differences and
    /// difference maps (B − A) into one output directory.
    Compare(compare::Args),
    /// Translate another tool's inputs (HotSpot) into a commented design.toml.
    Import(import::Args),
    /// Run the rig emulator: a Modbus TCP server with leak-test physics and faults.
    Emulate(emulate::Args),
    /// Run one L10 leak test (and flow test) on a tray over Modbus TCP.
    LeakTest(leak_test::Args),
    /// List stored test records and the first-pass yield.
    Records(records::Args),
    /// Run a leak-test station: scanner loop, operator web page and JSON API, one rig.
    Station(station::Args),
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            // clap prints help/version to stdout with exit 0, and usage errors with exit 2.
            let _ = e.print();
            return if e.use_stderr() {
                ExitCode::from(2)
            } else {
                ExitCode::SUCCESS
            };
        }
    };
    init_logging(cli.verbose);
    let result = match cli.command {
        Command::Simulate(a) => simulate::run(a),
        Command::Sweep(a) => sweep::run(a),
        Command::Materials(a) => materials::run(a),
        Command::Plot(a) => plot::run(a),
        Command::Report(a) => report::run(a),
        Command::Compare(a) => compare::run(a),
        Command::Import(a) => import::run(a),
        Command::Emulate(a) => emulate::run(a),
        Command::LeakTest(a) => leak_test::run(a),
        Command::Records(a) => records::run(a),
        Command::Station(a) => station::run(a),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(2)
        }
    }
}

/// Install the log subscriber: the libraries' `tracing` events (a failed safe-state write, a
/// dropped Modbus connection) go to stderr, so an operator sees them.
fn init_logging(verbose: u8) {
    let default = match verbose {
        0 => "warn",
        1 => "info",
        2 => "debug",
        _ => "trace",
    };
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default));
    // `try_init` fails only if a subscriber is already installed, which nothing else does.
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .try_init();
}
