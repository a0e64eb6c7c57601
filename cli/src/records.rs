//! `coldtray records`: list the stored L10 tests (in the store's insert order, SEQ) and the
//! first-pass yield — the share of serials whose first verdict (pass/fail; aborted tests are rig
//! stops, not verdicts) was a pass. Opening the store first completes any queued records.
//!
//! The list is a table for a person (the reason wrapped to the terminal, or in full with
//! `--wide`) or an export for a spreadsheet or a script (`--format csv|json`: one row or object
//! per test with every stored column; the count and the yield then go to stderr so stdout is
//! only data). `coldtray records [filters] report --out DIR` writes a line report of the
//! selected tests instead (crate::records_report).

use crate::output::{out, outln};
use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{bail, Context};
use chrono::{DateTime, NaiveDate, Utc};
use coldtray_controller::records::store::{
    first_pass_yield, first_tested_at, Filter, Location, Store, StoreOptions, TestSummary,
};
use coldtray_controller::Outcome;

/// How the list is printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum Format {
    /// Aligned columns for a person.
    Table,
    /// Comma-separated values with a header row.
    Csv,
    /// One JSON array of objects.
    Json,
}

/// An outcome to filter by (the store's names).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum OutcomeArg {
    /// The tray passed.
    Pass,
    /// The tray failed a check.
    Fail,
    /// The rig stopped before a verdict.
    Aborted,
}

impl From<OutcomeArg> for Outcome {
    fn from(o: OutcomeArg) -> Outcome {
        match o {
            OutcomeArg::Pass => Outcome::Pass,
            OutcomeArg::Fail => Outcome::Fail,
            OutcomeArg::Aborted => Outcome::Aborted,
        }
    }
}

/// Arguments of `coldtray records`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// Result store written by `coldtray leak-test`: a SQLite file, or
    /// postgres://USER:PASSWORD@HOST:PORT/DATABASE.
    #[arg(long)]
    db: PathBuf,
    /// Record journal directory, as given to `coldtray leak-test --journal` (its queued
    /// records are completed first).
    #[arg(long, value_name = "DIR")]
    journal: Option<PathBuf>,
    /// Only tests of this station id.
    #[arg(long, value_name = "ID")]
    station: Option<String>,
    /// Also list dry runs (tests on an emulator or with --time-scale ≠ 1), marked DRY.
    #[arg(long)]
    include_dry_runs: bool,
    /// Only this serial number, or serials starting with a prefix when it ends in `*` (`VR2*`).
    #[arg(long)]
    serial: Option<String>,
    /// Only tests started on or after DATE: YYYY-MM-DD (UTC midnight) or RFC 3339.
    #[arg(long, value_name = "DATE")]
    since: Option<String>,
    /// Only tests started before DATE: YYYY-MM-DD (UTC midnight) or RFC 3339.
    #[arg(long, value_name = "DATE")]
    until: Option<String>,
    /// Only tests with this outcome.
    #[arg(long, value_enum)]
    outcome: Option<OutcomeArg>,
    /// Only the last N matching tests (the newest by SEQ), still listed in SEQ order.
    #[arg(long, value_name = "N")]
    limit: Option<usize>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    format: Format,
    /// Table: print each reason in full on one line instead of wrapping it.
    #[arg(long)]
    wide: bool,
    /// `report --out DIR`: a line report of the selected tests instead of the list.
    #[command(subcommand)]
    command: Option<Command>,
}

/// What `coldtray records` does instead of listing.
#[derive(Debug, clap::Subcommand)]
pub(crate) enum Command {
    /// Yield by day, station and recipe, the Pareto of fail and abort reasons, a control
    /// chart of the leak rates and their Cpk, over the tests the filters select (CSV, PNG,
    /// summary.json and summary.txt in --out).
    Report(crate::records_report::ReportArgs),
}

/// Parses the value of `--<flag>`: `YYYY-MM-DD` (midnight UTC) or an RFC 3339 time.
pub(crate) fn parse_time(flag: &str, s: &str) -> anyhow::Result<DateTime<Utc>> {
    if let Ok(d) = NaiveDate::parse_from_str(s, "%Y-%m-%d") {
        if let Some(t) = d.and_hms_opt(0, 0, 0) {
            return Ok(t.and_utc());
        }
    }
    match DateTime::parse_from_rfc3339(s) {
        Ok(t) => Ok(t.with_timezone(&Utc)),
        Err(_) => bail!(
            "--{flag} {s:?} is not a date; use YYYY-MM-DD (e.g. 2026-11-26) or RFC 3339 (e.g. 2026-11-26T12:00:00Z)"
        ),
    }
}

/// Parses `--since` (see [`parse_time`]).
pub(crate) fn parse_since(s: &str) -> anyhow::Result<DateTime<Utc>> {
    parse_time("since", s)
}

/// Splits `s` into lines of at most `width` characters, at spaces where it can (a word longer
/// than the width is cut). Never drops text; always at least one line.
fn wrap(s: &str, width: usize) -> Vec<String> {
    let width = width.max(1);
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in s.split_whitespace() {
        let mut word: Vec<char> = word.chars().collect();
        loop {
            let used = line.chars().count();
            let sep = usize::from(used > 0);
            if used + sep + word.len() <= width {
                if sep == 1 {
                    line.push(' ');
                }
                line.extend(word.iter());
                break;
            }
            if used > 0 {
                lines.push(std::mem::take(&mut line));
                continue;
            }
            // A word longer than the whole width: cut it.
            let rest = word.split_off(width);
            lines.push(word.iter().collect());
            word = rest;
        }
    }
    if !line.is_empty() || lines.is_empty() {
        lines.push(line);
    }
    lines
}

/// The width the table wraps reasons within: the terminal's (`COLUMNS`) when stdout is a
/// terminal, else 100 columns.
fn table_width() -> usize {
    if std::io::stdout().is_terminal() {
        if let Some(w) = std::env::var("COLUMNS")
            .ok()
            .and_then(|c| c.trim().parse::<usize>().ok())
            .filter(|w| *w > 0)
        {
            return w;
        }
    }
    100
}

/// The station column of a row: its id, or `—` for a test without one.
fn station_of(r: &TestSummary) -> &str {
    r.provenance.station_id.as_deref().unwrap_or("—")
}

/// The table a person reads. `width`: wrap the reason so lines fit it (the reason column
/// gets at least 20 characters); `None`: the reason in full on one line.
fn table(rows: &[TestSummary], width: Option<usize>) -> String {
    let serial_w = rows
        .iter()
        .map(|r| r.serial.chars().count())
        .max()
        .unwrap_or(0)
        .max(6);
    let station_w = rows
        .iter()
        .map(|r| station_of(r).chars().count())
        .max()
        .unwrap_or(0)
        .max(7);
    // SEQ, STARTED, STATION, SERIAL, OUTCOME (with the DRY mark), LEAK and the separators
    // before REASON.
    let indent = 5 + 2 + 20 + 2 + station_w + 2 + serial_w + 2 + 11 + 2 + 9 + 2;
    let mut out = format!(
        "{:>5}  {:<20}  {:<station_w$}  {:<serial_w$}  {:<11}  {:>9}  REASON\n",
        "SEQ", "STARTED (UTC)", "STATION", "SERIAL", "OUTCOME", "LEAK sccm"
    );
    for r in rows {
        let leak = r
            .leak_sccm
            .map(|l| format!("{l:.3}"))
            .unwrap_or_else(|| "—".into());
        // `!`: the station's clock went backwards during the test (see the warning below).
        let started = if r.clock_suspect {
            format!("{}!", r.started_at)
        } else {
            r.started_at.clone()
        };
        let reason = match width {
            Some(w) => wrap(&r.reason, w.saturating_sub(indent).max(20)),
            None => vec![r.reason.clone()],
        };
        // DRY: an emulator or time-scaled test, not a production verdict.
        let outcome = if r.provenance.dry_run {
            format!("{} DRY", r.outcome.as_str())
        } else {
            r.outcome.as_str().to_string()
        };
        out += &format!(
            "{:>5}  {:<20}  {:<station_w$}  {:<serial_w$}  {:<11}  {:>9}  {}\n",
            r.seq,
            started,
            station_of(r),
            r.serial,
            outcome,
            leak,
            reason.first().map(String::as_str).unwrap_or("")
        );
        for more in reason.iter().skip(1) {
            out += &format!("{:indent$}{more}\n", "");
        }
    }
    out
}

/// One exported test: every stored column except the record and trace JSON (those are in the
/// record's JSON file, `json_file`).
#[derive(Debug, serde::Serialize)]
struct ExportRow<'a> {
    seq: i64,
    id: i64,
    record_id: Option<&'a str>,
    serial: &'a str,
    recipe: &'a str,
    started_at: &'a str,
    started_unix: i64,
    finished_at: &'a str,
    outcome: &'static str,
    leak_sccm: Option<f64>,
    reason: &'a str,
    clock_suspect: bool,
    station_id: Option<&'a str>,
    operator: Option<&'a str>,
    recipe_sha256: Option<&'a str>,
    map_sha256: Option<&'a str>,
    /// The limits as one JSON text (a CSV cell holds no nested object).
    limits: Option<String>,
    coldtray_version: Option<&'a str>,
    host: Option<&'a str>,
    duration_s: Option<f64>,
    dry_run: bool,
}

/// Every exported column, in order (the CSV header when there is no row to serialise).
const EXPORT_COLUMNS: [&str; 21] = [
    "seq",
    "id",
    "record_id",
    "serial",
    "recipe",
    "started_at",
    "started_unix",
    "finished_at",
    "outcome",
    "leak_sccm",
    "reason",
    "clock_suspect",
    "station_id",
    "operator",
    "recipe_sha256",
    "map_sha256",
    "limits",
    "coldtray_version",
    "host",
    "duration_s",
    "dry_run",
];

impl<'a> From<&'a TestSummary> for ExportRow<'a> {
    fn from(r: &'a TestSummary) -> Self {
        ExportRow {
            seq: r.seq,
            id: r.id,
            record_id: r.record_id.as_deref(),
            serial: &r.serial,
            recipe: &r.recipe,
            started_at: &r.started_at,
            started_unix: r.started_unix,
            finished_at: &r.finished_at,
            outcome: r.outcome.as_str(),
            leak_sccm: r.leak_sccm,
            reason: &r.reason,
            clock_suspect: r.clock_suspect,
            station_id: r.provenance.station_id.as_deref(),
            operator: r.provenance.operator.as_deref(),
            recipe_sha256: r.provenance.recipe_sha256.as_deref(),
            map_sha256: r.provenance.map_sha256.as_deref(),
            limits: r.provenance.limits.as_ref().map(|l| l.to_string()),
            coldtray_version: r.provenance.coldtray_version.as_deref(),
            host: r.provenance.host.as_deref(),
            duration_s: r.provenance.duration_s,
            dry_run: r.provenance.dry_run,
        }
    }
}

/// The rows as CSV with a header row (an empty leak rate or record id is an empty field).
fn to_csv(rows: &[TestSummary]) -> anyhow::Result<String> {
    let mut w = csv::Writer::from_writer(Vec::new());
    if rows.is_empty() {
        // The header alone, so a script reading the file still finds the columns.
        w.write_record(EXPORT_COLUMNS)?;
    }
    for r in rows {
        w.serialize(ExportRow::from(r))?;
    }
    let bytes = w.into_inner().context("cannot finish the CSV")?;
    Ok(String::from_utf8(bytes)?)
}

/// The rows as one pretty-printed JSON array.
fn to_json(rows: &[TestSummary]) -> anyhow::Result<String> {
    let rows: Vec<ExportRow> = rows.iter().map(ExportRow::from).collect();
    Ok(serde_json::to_string_pretty(&rows)? + "\n")
}

pub(crate) fn run(args: Args) -> anyhow::Result<ExitCode> {
    let since = args.since.as_deref().map(parse_since).transpose()?;
    let until = args
        .until
        .as_deref()
        .map(|s| parse_time("until", s))
        .transpose()?;
    // `--serial VR2*`: a prefix; otherwise the exact serial.
    let (serial, serial_prefix) = match args.serial.as_deref() {
        Some(s) => match s.strip_suffix('*') {
            Some(prefix) if !prefix.contains('*') => (None, Some(prefix.to_string())),
            Some(_) => bail!(
                "--serial {s:?}: `*` may only end the value (a prefix, e.g. VR2*); give an exact serial or a prefix"
            ),
            None if s.contains('*') => bail!(
                "--serial {s:?}: `*` may only end the value (a prefix, e.g. VR2*); give an exact serial or a prefix"
            ),
            None => (Some(s.to_string()), None),
        },
        None => (None, None),
    };
    let location = Location::from(&args.db);
    if matches!(location, Location::Sqlite(_)) && !args.db.exists() {
        bail!(
            "{}: no result store here; give the --db that `coldtray leak-test` wrote (default results.sqlite)",
            args.db.display()
        );
    }
    // Opening completes records a killed run, or a run that found the store locked, queued.
    let store = Store::open_with(
        &location,
        &StoreOptions {
            journal_dir: args.journal.clone(),
            ..StoreOptions::default()
        },
    )?;
    crate::leak_test::print_replayed(store.replayed());
    let filter = Filter {
        serial: serial.clone(),
        since,
        until,
        serial_prefix: serial_prefix.clone(),
        outcome: args.outcome.map(Outcome::from),
        station: args.station.clone(),
        include_dry_runs: args.include_dry_runs,
    };
    if let Some(Command::Report(report)) = &args.command {
        return crate::records_report::run(&store, &filter, report);
    }
    let mut rows = store.list(&filter)?;
    if let Some(n) = args.limit {
        rows.drain(..rows.len().saturating_sub(n));
    }
    match args.format {
        Format::Table if rows.is_empty() => outln!("no tests match"),
        Format::Table => out!("{}", table(&rows, (!args.wide).then(table_width))),
        Format::Csv => out!("{}", to_csv(&rows)?),
        Format::Json => out!("{}", to_json(&rows)?),
    }
    let suspect: Vec<String> = rows
        .iter()
        .filter(|r| r.clock_suspect)
        .map(|r| format!("{} (seq {})", r.serial, r.seq))
        .collect();
    if !suspect.is_empty() {
        eprintln!(
            "warning: {} test(s) marked ! finished before they started on the station's wall clock (clock set back during the test?): {}; order and yield use the store's sequence (SEQ), not these times",
            suspect.len(),
            suspect.join(", ")
        );
    }
    // Yield needs each serial's whole history: its first verdict may predate --since, and
    // an aborted or failed test outside --outcome/--until/--limit still counts.
    // With --until the yield covers tests started before it, like the list.
    // With --station: the trays first tested at that station (a tray that failed elsewhere
    // first is not this station's first pass).
    let history = store.list(&Filter {
        serial,
        serial_prefix,
        until,
        include_dry_runs: args.include_dry_runs,
        ..Filter::default()
    })?;
    let history = match &args.station {
        Some(station) => first_tested_at(&history, station),
        None => history,
    };
    let y = first_pass_yield(&history, since.map(|t| t.timestamp()));
    let mut line = match y.fraction() {
        Some(f) => format!(
            "first-pass yield: {}/{} serials = {:.1} %",
            y.first_pass,
            y.serials,
            100.0 * f
        ),
        None => "first-pass yield: no serial has a pass/fail verdict".to_string(),
    };
    if y.only_aborted > 0 {
        line += &format!(
            " ({} serial(s) with only aborted tests not counted)",
            y.only_aborted
        );
    }
    let summary = format!("{} test(s)\n{line}", rows.len());
    if args.format == Format::Table {
        outln!("{summary}");
    } else {
        // Stdout is data only.
        eprintln!("{summary}");
    }
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn since_formats() {
        assert_eq!(
            parse_since("2026-11-26").unwrap().to_rfc3339(),
            "2026-11-26T00:00:00+00:00"
        );
        assert_eq!(
            parse_since("2026-11-26T12:30:00+01:00")
                .unwrap()
                .to_rfc3339(),
            "2026-11-26T11:30:00+00:00"
        );
        for bad in ["26/11/2026", "2026-13-01", "yesterday", ""] {
            let e = parse_since(bad).unwrap_err().to_string();
            assert!(e.contains("YYYY-MM-DD"), "{e}");
        }
    }

    #[test]
    fn wrap_keeps_every_word_and_fits_the_width() {
        let text =
            "pressure decay 0.41 sccm above the 0.10 sccm limit at 525 kPa; averyveryverylongtoken";
        let lines = wrap(text, 12);
        assert!(lines.iter().all(|l| l.chars().count() <= 12), "{lines:?}");
        assert_eq!(lines.join(" ").replace(' ', ""), text.replace(' ', ""));
        assert_eq!(wrap("", 10), vec![String::new()]);
        assert_eq!(wrap("ok", 10), vec!["ok".to_string()]);
    }

    #[test]
    fn table_shows_seq_and_marks_a_clock_that_went_back() {
        let row = |seq: i64, suspect: bool| TestSummary {
            id: seq,
            seq,
            record_id: None,
            serial: "SN1".into(),
            recipe: "r".into(),
            started_at: "2026-11-26T12:00:00Z".into(),
            started_unix: 0,
            finished_at: "2026-11-26T11:59:00Z".into(),
            outcome: coldtray_controller::Outcome::Pass,
            reason: "ok".into(),
            leak_sccm: None,
            clock_suspect: suspect,
            provenance: Default::default(),
        };
        let t = table(&[row(1, false), row(2, true)], Some(100));
        let lines: Vec<&str> = t.lines().collect();
        assert!(lines[0].trim_start().starts_with("SEQ"), "{t}");
        assert!(
            lines[1]
                .trim_start()
                .starts_with("1  2026-11-26T12:00:00Z "),
            "{t}"
        );
        assert!(lines[2].contains("2026-11-26T12:00:00Z!"), "{t}");
    }

    #[test]
    fn table_shows_the_station_and_marks_dry_runs() {
        let mut r = TestSummary {
            id: 1,
            seq: 1,
            record_id: None,
            serial: "SN1".into(),
            recipe: "r".into(),
            started_at: "2026-11-26T12:00:00Z".into(),
            started_unix: 0,
            finished_at: "2026-11-26T12:01:00Z".into(),
            outcome: coldtray_controller::Outcome::Fail,
            reason: "leak".into(),
            leak_sccm: Some(2.0),
            clock_suspect: false,
            provenance: Default::default(),
        };
        let plain = table(std::slice::from_ref(&r), None);
        assert!(plain.lines().nth(1).unwrap().contains("  —  "), "{plain}");
        assert!(!plain.contains("DRY"), "{plain}");
        r.provenance.station_id = Some("L10-03".into());
        r.provenance.dry_run = true;
        let t = table(&[r], None);
        let lines: Vec<&str> = t.lines().collect();
        assert!(lines[0].contains("STATION"), "{t}");
        assert!(lines[1].contains("L10-03   SN1     fail DRY"), "{t}");
    }
}
