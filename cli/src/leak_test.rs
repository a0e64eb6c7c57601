//! `coldtray leak-test` (in progress).

use std::process::ExitCode;

/// Arguments of `coldtray leak-test`.
#[derive(Debug, clap::Args)]
pub struct Args {}

pub fn run(_args: Args) -> anyhow::Result<ExitCode> {
    anyhow::bail!("`coldtray leak-test` is not built yet")
}
