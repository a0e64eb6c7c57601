//! `coldtray station --config station.toml`: runs one leak-test station as a service (the
//! `coldtray-station` crate): serials from a barcode scanner on standard input or from the
//! web page, one test at a time on one rig, every record kept. Runs until Ctrl-C or SIGTERM
//! (a running test is aborted, the rig driven safe and the record kept first).

use std::path::PathBuf;
use std::process::ExitCode;

use coldtray_station::{load_station, Overrides};

/// Arguments of `coldtray station`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// The station file (station.toml; docs/guide/station.md).
    #[arg(long)]
    config: PathBuf,
    /// Web address, overriding the file's `listen` (port 0 picks a free port).
    #[arg(long, value_name = "IP:PORT")]
    listen: Option<String>,
    /// Rig address, overriding the file's `connect` and the map's host and port.
    #[arg(long, value_name = "HOST:PORT")]
    connect: Option<String>,
    /// Do not read serial numbers from standard input (a station with no scanner).
    #[arg(long)]
    no_scanner: bool,
}

pub(crate) fn run(args: Args) -> anyhow::Result<ExitCode> {
    let overrides = Overrides {
        listen: args.listen,
        connect: args.connect,
    };
    let config = load_station(&args.config, &overrides)?;
    coldtray_station::run(config, !args.no_scanner)?;
    Ok(ExitCode::SUCCESS)
}
