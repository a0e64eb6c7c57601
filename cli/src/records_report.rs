//! `coldtray records [--db DB] [filters] report --out DIR`: the line report over the tests the
//! filters of `coldtray records` select — yield by day, station and recipe, the Pareto of fail
//! and abort reasons, the individuals control chart of the leak rates and their Cpk against
//! the leak limit (computed and drawn by `coldtray_controller::records::report`). The summary
//! goes to stdout, the list of files to stderr.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{bail, Context};
use coldtray_controller::records::report;
use coldtray_controller::records::store::{Filter, Store};

use crate::output::out;

/// Arguments of `coldtray records … report`.
#[derive(Debug, clap::Args)]
pub(crate) struct ReportArgs {
    /// Directory of the report's CSV, PNG and summary files (created if missing; files of the
    /// same names are replaced).
    #[arg(long, value_name = "DIR")]
    out: PathBuf,
    /// The leak limit for the control chart's spec line and Cpk, sccm; by default the one
    /// limit the selected records carry.
    #[arg(long, value_name = "SCCM")]
    max_leak_sccm: Option<f64>,
}

/// Writes the report of the tests `filter` selects from `store`.
pub(crate) fn run(store: &Store, filter: &Filter, args: &ReportArgs) -> anyhow::Result<ExitCode> {
    if let Some(l) = args.max_leak_sccm {
        if !(l.is_finite() && l > 0.0) {
            bail!("--max-leak-sccm {l}: must be a leak rate above 0 sccm (the recipe's leak.max_leak_sccm, e.g. 0.5)");
        }
    }
    let rows = report::load(store, filter).context("cannot read the tests for the report")?;
    let built = report::build(&rows, args.max_leak_sccm);
    let files = report::write(&built, &args.out)?;
    out!("{}", report::summary_text(&built));
    eprintln!(
        "report of {} test(s) in {}: {}",
        built.tests,
        args.out.display(),
        files
            .iter()
            .filter_map(|f| f.file_name())
            .map(|n| n.to_string_lossy().into_owned())
            .collect::<Vec<_>>()
            .join(", ")
    );
    Ok(ExitCode::SUCCESS)
}
