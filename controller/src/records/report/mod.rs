//! Line reports over the stored tests (`coldtray records report`): yield by day, station and
//! recipe ([`yields`]), the Pareto of fail and abort reasons ([`pareto`]), an individuals
//! control chart of the leak rates ([`control`]) and their capability against the leak limit
//! ([`capability`]); written as CSV, PNG ([`charts`]) and a summary in JSON and text.
//!
//! The rows come from the store through a [`Filter`] (the same one `coldtray records` uses),
//! so every filter the store learns applies to the report too.

pub mod capability;
pub mod charts;
pub mod control;
pub mod pareto;
pub mod yields;

use std::collections::HashMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use chrono::DateTime;
use coldtray_io::atomic::{write_atomic, Durability};
use serde::Serialize;

use crate::l10::result::{Outcome, Provenance};
use crate::records::record::RecordError;
use crate::records::store::{Filter, Store, TestSummary};

use self::capability::Capability;
use self::control::Individuals;
use self::pareto::ParetoRow;
use self::yields::YieldRow;

/// The group of tests whose record names no station (a hand-started `leak-test`).
pub const NO_STATION: &str = "(no station)";

/// What the report needs of one stored test.
#[derive(Debug, Clone, PartialEq)]
pub struct ReportRow {
    /// The store's order.
    pub seq: i64,
    /// Serial number of the tray.
    pub serial: String,
    /// The recipe's name.
    pub recipe: String,
    /// The station id, if the record has one.
    pub station: Option<String>,
    /// The day the test started, `YYYY-MM-DD` (UTC).
    pub day: String,
    /// The verdict.
    pub outcome: Outcome,
    /// The record's reason.
    pub reason: String,
    /// The measured leak rate, sccm.
    pub leak_sccm: Option<f64>,
    /// The leak limit the test was judged against (from the record's limits), sccm.
    pub max_leak_sccm: Option<f64>,
    /// This test is its serial's first verdict (first pass or fail in the store's order,
    /// over the serial's whole history, not only the selected tests): see
    /// [`mark_first_verdicts`].
    pub first_verdict: bool,
}

impl ReportRow {
    /// The row of a stored test and its record's provenance.
    pub fn new(s: &TestSummary, provenance: &Provenance) -> ReportRow {
        let day = DateTime::from_timestamp(s.started_unix, 0).map_or_else(
            || s.started_at.chars().take(10).collect(),
            |t| t.date_naive().to_string(),
        );
        ReportRow {
            seq: s.seq,
            serial: s.serial.clone(),
            recipe: s.recipe.clone(),
            station: provenance.station_id.clone(),
            day,
            outcome: s.outcome,
            reason: s.reason.clone(),
            leak_sccm: s.leak_sccm.filter(|l| l.is_finite()),
            max_leak_sccm: provenance
                .limits
                .as_ref()
                .and_then(|l| l.get("max_leak_sccm"))
                .and_then(serde_json::Value::as_f64),
            first_verdict: false,
        }
    }
}

/// Sets [`ReportRow::first_verdict`] on each row that is its serial's first pass or fail in
/// `history` (serial, `seq`, outcome of every test that may come first; any order). A retest
/// inside the report's window of a tray first tested before it is then never a first pass.
pub fn mark_first_verdicts<'a>(
    rows: &mut [ReportRow],
    history: impl IntoIterator<Item = (&'a str, i64, Outcome)>,
) {
    let mut first: HashMap<&str, i64> = HashMap::new();
    for (serial, seq, outcome) in history {
        if outcome != Outcome::Aborted {
            let e = first.entry(serial).or_insert(seq);
            *e = (*e).min(seq);
        }
    }
    for r in rows {
        r.first_verdict =
            r.outcome != Outcome::Aborted && first.get(r.serial.as_str()) == Some(&r.seq);
    }
}

/// The rows `filter` selects, in the store's order; station and leak limit come from each
/// test's record (its provenance). First verdicts are judged over the tests the filter
/// selects without its `since` and `outcome` (as `coldtray records` judges its yield): a
/// serial's first verdict may predate the window, and a failed test outside `--outcome`
/// still came first.
pub fn load(store: &Store, filter: &Filter) -> Result<Vec<ReportRow>, RecordError> {
    let mut rows = store
        .list(filter)?
        .iter()
        .map(|s| Ok(ReportRow::new(s, &store.record(s.id)?.provenance)))
        .collect::<Result<Vec<_>, RecordError>>()?;
    let history = store.list(&Filter {
        since: None,
        outcome: None,
        ..filter.clone()
    })?;
    mark_first_verdicts(
        &mut rows,
        history
            .iter()
            .map(|t| (t.serial.as_str(), t.seq, t.outcome)),
    );
    Ok(rows)
}

/// Everything the report shows.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Report {
    /// Tests in the report.
    pub tests: usize,
    /// Yield per day (UTC).
    pub by_day: Vec<YieldRow>,
    /// Yield per station.
    pub by_station: Vec<YieldRow>,
    /// Yield per recipe.
    pub by_recipe: Vec<YieldRow>,
    /// Fail and abort reasons, largest first.
    pub pareto: Vec<ParetoRow>,
    /// The individuals chart of the measured leak rates (at least two).
    pub control: Option<Individuals>,
    /// The leak limit used for the chart's spec line and the capability, sccm.
    pub leak_limit_sccm: Option<f64>,
    /// Cpk against the leak limit (with a limit and at least two leak rates).
    pub capability: Option<Capability>,
    /// What a reader should know (no limit, mixed recipes…).
    pub notes: Vec<String>,
}

/// The report of `rows` (in the store's order). `leak_limit_sccm`: the limit to judge the
/// capability by; `None` takes the one limit the records carry (none when they carry none
/// or several).
pub fn build(rows: &[ReportRow], leak_limit_sccm: Option<f64>) -> Report {
    let mut notes = Vec::new();
    let mut limits: Vec<f64> = rows.iter().filter_map(|r| r.max_leak_sccm).collect();
    limits.sort_by(f64::total_cmp);
    limits.dedup();
    let limit = match (leak_limit_sccm, limits.as_slice()) {
        (Some(l), _) => Some(l),
        (None, [one]) => Some(*one),
        (None, []) => {
            notes.push(
                "the records carry no leak limit: give --max-leak-sccm for the spec line and Cpk"
                    .into(),
            );
            None
        }
        (None, several) => {
            notes.push(format!(
                "the records carry several leak limits ({}): give --max-leak-sccm, or select one recipe, for the spec line and Cpk",
                several.iter().map(|l| l.to_string()).collect::<Vec<_>>().join(", ")
            ));
            None
        }
    };
    let mut recipes: Vec<&str> = rows.iter().map(|r| r.recipe.as_str()).collect();
    recipes.sort_unstable();
    recipes.dedup();
    if recipes.len() > 1 {
        notes.push(format!(
            "{} recipes in one control chart: their leak rates may not be one process",
            recipes.len()
        ));
    }
    let leaks: Vec<f64> = rows.iter().filter_map(|r| r.leak_sccm).collect();
    if leaks.len() < 2 {
        notes.push(format!(
            "{} measured leak rate(s): the control chart and Cpk need at least two",
            leaks.len()
        ));
    }
    Report {
        tests: rows.len(),
        by_day: yields::yield_by(rows, |r| r.day.clone()),
        by_station: yields::yield_by(rows, |r| {
            r.station.clone().unwrap_or_else(|| NO_STATION.to_string())
        }),
        by_recipe: yields::yield_by(rows, |r| r.recipe.clone()),
        pareto: pareto::pareto(rows),
        control: control::individuals(&leaks),
        leak_limit_sccm: limit,
        capability: limit.and_then(|l| capability::capability(&leaks, l)),
        notes,
    }
}

fn io_err<'a>(
    path: &'a Path,
    action: &'static str,
) -> impl FnOnce(std::io::Error) -> RecordError + 'a {
    move |source| RecordError::Io {
        path: path.to_path_buf(),
        action,
        source,
    }
}

/// Writes `bytes` to `dir/name` atomically; returns the path.
fn put(dir: &Path, name: &str, bytes: &[u8]) -> Result<PathBuf, RecordError> {
    let path = dir.join(name);
    write_atomic(&path, bytes, Durability::Atomic).map_err(io_err(&path, "cannot write"))?;
    Ok(path)
}

/// CSV text of `rows` for `dir/name` (header from the field names; `header` when empty).
fn csv_of<T: Serialize>(
    rows: &[T],
    header: &[&str],
    dir: &Path,
    name: &str,
) -> Result<PathBuf, RecordError> {
    let path = dir.join(name);
    let mut w = csv::Writer::from_writer(Vec::new());
    let csv_err = |e: csv::Error| RecordError::Plot {
        path: path.clone(),
        message: format!("cannot write the CSV: {e}"),
    };
    if rows.is_empty() {
        w.write_record(header).map_err(csv_err)?;
    }
    for r in rows {
        w.serialize(r).map_err(csv_err)?;
    }
    let bytes = w.into_inner().map_err(|e| RecordError::Plot {
        path: path.clone(),
        message: format!("cannot write the CSV: {e}"),
    })?;
    put(dir, name, &bytes)
}

const YIELD_HEADER: [&str; 9] = [
    "group",
    "tests",
    "pass",
    "fail",
    "aborted",
    "verdict_yield",
    "first_verdict_serials",
    "first_pass",
    "first_pass_yield",
];

/// One point of the control chart's CSV.
#[derive(Serialize)]
struct ControlPoint {
    index: usize,
    leak_sccm: f64,
    centre_sccm: f64,
    ucl_sccm: f64,
    lcl_sccm: f64,
    usl_sccm: Option<f64>,
    beyond_control_limits: bool,
}

/// Writes the report into `dir` (created if missing): per yield grouping a CSV and a PNG, the
/// Pareto (CSV, PNG), the control chart (CSV, PNG), `summary.json` and `summary.txt`.
/// Returns the files written.
pub fn write(report: &Report, dir: &Path) -> Result<Vec<PathBuf>, RecordError> {
    std::fs::create_dir_all(dir).map_err(io_err(dir, "cannot create the report directory"))?;
    let mut files = Vec::new();
    for (name, rows, what) in [
        ("yield-by-day", &report.by_day, "day (UTC)"),
        ("yield-by-station", &report.by_station, "station"),
        ("yield-by-recipe", &report.by_recipe, "recipe"),
    ] {
        files.push(csv_of(rows, &YIELD_HEADER, dir, &format!("{name}.csv"))?);
        let png = dir.join(format!("{name}.png"));
        charts::yield_chart(rows, what, &png)?;
        files.push(png);
    }
    files.push(csv_of(
        &report.pareto,
        &[
            "outcome",
            "category",
            "count",
            "percent",
            "cumulative_percent",
        ],
        dir,
        "pareto.csv",
    )?);
    let png = dir.join("pareto.png");
    charts::pareto_chart(&report.pareto, &png)?;
    files.push(png);
    let points: Vec<ControlPoint> = report.control.as_ref().map_or_else(Vec::new, |c| {
        c.values
            .iter()
            .enumerate()
            .map(|(i, v)| ControlPoint {
                index: i + 1,
                leak_sccm: *v,
                centre_sccm: c.mean,
                ucl_sccm: c.ucl,
                lcl_sccm: c.lcl,
                usl_sccm: report.leak_limit_sccm,
                beyond_control_limits: c.out_of_control.contains(&i),
            })
            .collect()
    });
    files.push(csv_of(
        &points,
        &[
            "index",
            "leak_sccm",
            "centre_sccm",
            "ucl_sccm",
            "lcl_sccm",
            "usl_sccm",
            "beyond_control_limits",
        ],
        dir,
        "control-chart.csv",
    )?);
    let png = dir.join("control-chart.png");
    charts::control_chart(report.control.as_ref(), report.leak_limit_sccm, &png)?;
    files.push(png);
    let json = serde_json::to_vec_pretty(report)?;
    files.push(put(dir, "summary.json", &json)?);
    files.push(put(dir, "summary.txt", summary_text(report).as_bytes())?);
    Ok(files)
}

/// A percentage for a person, or "—".
fn pct(v: Option<f64>) -> String {
    v.map_or_else(|| "—".into(), |f| format!("{:.1} %", 100.0 * f))
}

/// The summary a person reads: counts, first-pass yield per station and recipe, the largest
/// reasons, the control limits and the capability.
pub fn summary_text(r: &Report) -> String {
    let mut s = format!("{} test(s)\n", r.tests);
    for (title, rows) in [
        ("by day", &r.by_day),
        ("by station", &r.by_station),
        ("by recipe", &r.by_recipe),
    ] {
        let _ = writeln!(s, "\nyield {title}:");
        for g in rows {
            let _ = writeln!(
                s,
                "  {}: {} tests ({} pass, {} fail, {} aborted), first-pass yield {}/{} = {}, verdict yield {}",
                g.group,
                g.tests,
                g.pass,
                g.fail,
                g.aborted,
                g.first_pass,
                g.first_verdict_serials,
                pct(g.first_pass_yield),
                pct(g.verdict_yield)
            );
        }
    }
    let _ = writeln!(s, "\nfail and abort reasons (numbers as #):");
    for p in &r.pareto {
        let _ = writeln!(
            s,
            "  {:>5}  {:>5.1} %  (cum. {:>5.1} %)  {}: {}",
            p.count, p.percent, p.cumulative_percent, p.outcome, p.category
        );
    }
    if let Some(c) = &r.control {
        let _ = writeln!(
            s,
            "\nleak rate, individuals chart of {} values: X̄ = {:.4} sccm, MR̄ = {:.4} sccm, UCL = {:.4} sccm, LCL = {:.4} sccm, {} point(s) beyond the limits",
            c.values.len(),
            c.mean,
            c.mean_moving_range,
            c.ucl,
            c.lcl,
            c.out_of_control.len()
        );
    }
    if let Some(c) = &r.capability {
        let idx = |v: Option<f64>| v.map_or_else(|| "— (σ = 0)".into(), |v| format!("{v:.2}"));
        let _ = writeln!(
            s,
            "capability against the leak limit {} sccm (one-sided; Cp is not defined): Cpk (within σ = MR̄/d2 = {:.4} sccm) = {}, Cpk (overall σ = {:.4} sccm) = {}",
            c.usl_sccm,
            c.sigma_within_sccm,
            idx(c.cpk_within),
            c.sigma_overall_sccm,
            idx(c.cpk_overall)
        );
    }
    for n in &r.notes {
        let _ = writeln!(s, "note: {n}");
    }
    s
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A row for the tests of this module's parts.
    pub(crate) fn row(seq: i64, serial: &str, day: &str, outcome: Outcome) -> ReportRow {
        ReportRow {
            seq,
            serial: serial.into(),
            recipe: "r".into(),
            station: None,
            day: day.into(),
            outcome,
            reason: String::new(),
            leak_sccm: None,
            max_leak_sccm: None,
            first_verdict: false,
        }
    }

    #[test]
    fn first_verdicts_come_from_the_whole_history() {
        // S1: aborted (seq 1), fail (2), pass (3); S2: pass (4). The report shows seq 3 and 4
        // only (a window after S1's fail): S1's pass is a retest, S2's pass a first verdict.
        let mut rows = vec![
            row(3, "S1", "2026-11-02", Outcome::Pass),
            row(4, "S2", "2026-11-02", Outcome::Pass),
        ];
        let history = [
            ("S1", 1, Outcome::Aborted),
            ("S1", 2, Outcome::Fail),
            ("S1", 3, Outcome::Pass),
            ("S2", 4, Outcome::Pass),
        ];
        mark_first_verdicts(&mut rows, history);
        assert!(!rows[0].first_verdict);
        assert!(rows[1].first_verdict);
    }

    #[test]
    fn the_limit_comes_from_the_records_unless_given() {
        let mut rows: Vec<ReportRow> = [0.1, 0.3, 0.2, 0.4]
            .iter()
            .enumerate()
            .map(|(i, l)| {
                let mut r = row(i as i64 + 1, &format!("S{i}"), "2026-11-01", Outcome::Pass);
                r.leak_sccm = Some(*l);
                r.max_leak_sccm = Some(1.0);
                r
            })
            .collect();
        let r = build(&rows, None);
        assert_eq!(r.leak_limit_sccm, Some(1.0));
        assert!(r.capability.is_some() && r.control.is_some(), "{r:?}");
        assert!(r.notes.is_empty(), "{:?}", r.notes);
        rows[0].max_leak_sccm = Some(0.5);
        let r = build(&rows, None);
        assert_eq!(r.leak_limit_sccm, None);
        assert!(
            r.notes[0].contains("several leak limits (0.5, 1)"),
            "{:?}",
            r.notes
        );
        assert_eq!(build(&rows, Some(2.0)).leak_limit_sccm, Some(2.0));
    }
}
