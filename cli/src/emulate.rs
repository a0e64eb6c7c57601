//! `coldtray emulate` (in progress).

use std::process::ExitCode;

/// Arguments of `coldtray emulate`.
#[derive(Debug, clap::Args)]
pub struct Args {}

pub fn run(_args: Args) -> anyhow::Result<ExitCode> {
    anyhow::bail!("`coldtray emulate` is not built yet")
}
