//! `coldtray records` (in progress).

use std::process::ExitCode;

/// Arguments of `coldtray records`.
#[derive(Debug, clap::Args)]
pub struct Args {}

pub fn run(_args: Args) -> anyhow::Result<ExitCode> {
    anyhow::bail!("`coldtray records` is not built yet")
}
