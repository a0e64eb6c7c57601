//! `coldtray records`: list the stored L10 tests (in the store's insert order, SEQ) and the
//! first-pass yield — the share of serials whose first verdict (pass/fail; aborted tests are rig
//! stops, not verdicts) was a pass. Opening the store first completes any queued records.

use crate::output::{out, outln};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::bail;
use chrono::{DateTime, NaiveDate, Utc};
use coldtray_controller::records::store::{first_pass_yield, Filter, Store, TestSummary};

/// Arguments of `coldtray records`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// SQLite result store written by `coldtray leak-test`.
    #[arg(long)]
    db: PathBuf,
    /// Only this serial number.
    #[arg(long)]
    serial: Option<String>,
    /// Only tests started on or after DATE: YYYY-MM-DD (UTC midnight) or RFC 3339.
    #[arg(long, value_name = "DATE")]
    since: Option<String>,
}

/// Parses `YYYY-MM-DD` (midnight UTC) or an RFC 3339 time.
pub(crate) fn parse_since(s: &str) -> anyhow::Result<DateTime<Utc>> {
    if let Ok(d) = NaiveDate::parse_from_str(s, "%Y-%m-%d") {
        if let Some(t) = d.and_hms_opt(0, 0, 0) {
            return Ok(t.and_utc());
        }
    }
    match DateTime::parse_from_rfc3339(s) {
        Ok(t) => Ok(t.with_timezone(&Utc)),
        Err(_) => bail!(
            "--since {s:?} is not a date; use YYYY-MM-DD (e.g. 2026-11-26) or RFC 3339 (e.g. 2026-11-26T12:00:00Z)"
        ),
    }
}

/// Shortens `s` to `n` characters with an ellipsis.
fn clip(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_string()
    } else {
        s.chars().take(n.saturating_sub(1)).collect::<String>() + "…"
    }
}

/// The table a person reads.
fn table(rows: &[TestSummary]) -> String {
    let serial_w = rows
        .iter()
        .map(|r| r.serial.chars().count())
        .max()
        .unwrap_or(0)
        .max(6);
    let mut out = format!(
        "{:>5}  {:<20}  {:<serial_w$}  {:<7}  {:>9}  REASON\n",
        "SEQ", "STARTED (UTC)", "SERIAL", "OUTCOME", "LEAK sccm"
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
        out += &format!(
            "{:>5}  {:<20}  {:<serial_w$}  {:<7}  {:>9}  {}\n",
            r.seq,
            started,
            r.serial,
            r.outcome.as_str(),
            leak,
            clip(&r.reason, 70)
        );
    }
    out
}

pub(crate) fn run(args: Args) -> anyhow::Result<ExitCode> {
    let since = args.since.as_deref().map(parse_since).transpose()?;
    if !args.db.exists() {
        bail!(
            "{}: no result store here; give the --db that `coldtray leak-test` wrote (default results.sqlite)",
            args.db.display()
        );
    }
    // Opening completes records a killed run, or a run that found the store locked, queued.
    let store = Store::open(&args.db)?;
    crate::leak_test::print_replayed(store.replayed());
    let rows = store.list(&Filter {
        serial: args.serial.clone(),
        since,
    })?;
    if rows.is_empty() {
        outln!("no tests match");
    } else {
        out!("{}", table(&rows));
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
    // Yield needs each serial's whole history: its first verdict may predate --since.
    let history = store.list(&Filter {
        serial: args.serial,
        since: None,
    })?;
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
    outln!("{}\n{line}", rows.len().to_string() + " test(s)");
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
    fn clip_keeps_short_text() {
        assert_eq!(clip("abc", 5), "abc");
        assert_eq!(clip("abcdef", 4), "abc…");
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
        };
        let t = table(&[row(1, false), row(2, true)]);
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
}
