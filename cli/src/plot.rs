//! `coldtray plot` (in progress).

use std::process::ExitCode;

/// Arguments of `coldtray plot`.
#[derive(Debug, clap::Args)]
pub struct Args {}

pub fn run(_args: Args) -> anyhow::Result<ExitCode> {
    anyhow::bail!("`coldtray plot` is not built yet")
}
