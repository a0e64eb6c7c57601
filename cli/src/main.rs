//! `coldtray`: thermal design of liquid-cooled GPU trays and L10 leak testing.
//!
//! A thin binary: it parses arguments, wires the `solver` and `controller` libraries together
//! and prints. Exit codes: 0 success (or a passing test), 1 a failing test, 2 an error or an
//! aborted test.

mod emulate;
mod leak_test;
mod plot;
mod records;
mod simulate;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(
    name = "coldtray",
    version,
    about = "Liquid-cooled GPU tray thermal solver and L10 leak-test controller"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Solve a design to steady state; write results.json and thermal maps.
    Simulate(simulate::Args),
    /// Re-render maps from a saved result directory without solving again.
    Plot(plot::Args),
    /// Run the rig emulator: a Modbus TCP server with leak-test physics and faults.
    Emulate(emulate::Args),
    /// Run one L10 leak test (and flow test) on a tray over Modbus TCP.
    LeakTest(leak_test::Args),
    /// List stored test records and the first-pass yield.
    Records(records::Args),
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
    let result = match cli.command {
        Command::Simulate(a) => simulate::run(a),
        Command::Plot(a) => plot::run(a),
        Command::Emulate(a) => emulate::run(a),
        Command::LeakTest(a) => leak_test::run(a),
        Command::Records(a) => records::run(a),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(2)
        }
    }
}
