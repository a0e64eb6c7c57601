//! `coldtray simulate` (in progress).

use std::process::ExitCode;

/// Arguments of `coldtray simulate`.
#[derive(Debug, clap::Args)]
pub struct Args {}

pub fn run(_args: Args) -> anyhow::Result<ExitCode> {
    anyhow::bail!("`coldtray simulate` is not built yet")
}
