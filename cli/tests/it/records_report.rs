//! `coldtray records … report --out DIR` over a store of synthetic records with stations,
//! recipes and leak limits: every file is written, the yields, the Pareto, the control limits
//! and the Cpk are the hand-computed ones, the filters of `records` select the report's tests,
//! and a bad limit is one line and exit 2.

use crate::{coldtray_exe, scratch, stderr};
use coldtray_controller::l10::result::{LeakResult, Provenance};
use coldtray_controller::{Outcome, Store, TestRecord};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

#[allow(clippy::too_many_arguments)]
fn record(
    serial: &str,
    started_at: &str,
    station: &str,
    recipe: &str,
    outcome: Outcome,
    leak_sccm: Option<f64>,
    reason: &str,
) -> TestRecord {
    TestRecord {
        serial: serial.into(),
        recipe: recipe.into(),
        started_at: started_at.into(),
        finished_at: started_at.replace(":00Z", ":59Z"),
        outcome,
        reason: reason.into(),
        leak: leak_sccm.map(|l| LeakResult {
            fill_kpa: 525.0,
            start_kpa: 520.0,
            end_kpa: 519.9,
            leak_sccm: l,
            fit_samples: 3,
        }),
        flow: vec![],
        trace: vec![],
        provenance: Provenance {
            station_id: Some(station.into()),
            limits: Some(serde_json::json!({ "max_leak_sccm": 0.5 })),
            ..Provenance::default()
        },
    }
}

/// Six tests over two days, two stations and two recipes (the numbers the assertions use).
fn store(name: &str) -> PathBuf {
    let db = scratch("records_report", name).join("results.sqlite");
    let mut s = Store::open(&db).unwrap();
    use Outcome::*;
    for r in [
        record(
            "S1",
            "2026-11-24T09:00:00Z",
            "L1",
            "R-A",
            Pass,
            Some(0.10),
            "ok",
        ),
        record(
            "S2",
            "2026-11-24T10:00:00Z",
            "L1",
            "R-A",
            Fail,
            Some(0.80),
            "leak 0.80 sccm > 0.5 sccm",
        ),
        record(
            "S2",
            "2026-11-25T09:00:00Z",
            "L2",
            "R-A",
            Pass,
            Some(0.20),
            "ok",
        ),
        record(
            "S3",
            "2026-11-25T10:00:00Z",
            "L2",
            "R-B",
            Fail,
            Some(0.90),
            "leak 0.90 sccm > 0.5 sccm",
        ),
        record(
            "S4",
            "2026-11-25T11:00:00Z",
            "L2",
            "R-B",
            Aborted,
            None,
            "e-stop pressed at 12.3 s",
        ),
        record(
            "S5",
            "2026-11-25T12:00:00Z",
            "L1",
            "R-A",
            Pass,
            Some(0.30),
            "ok",
        ),
    ] {
        s.insert(&r).unwrap();
    }
    db
}

fn report(db: &Path, filters: &[&str], out: &Path, extra: &[&str]) -> Output {
    Command::new(coldtray_exe())
        .arg("records")
        .arg("--db")
        .arg(db)
        .args(filters)
        .arg("report")
        .arg("--out")
        .arg(out)
        .args(extra)
        .output()
        .unwrap()
}

fn csv_rows(path: &Path) -> Vec<Vec<String>> {
    let mut r = csv::Reader::from_path(path).unwrap();
    r.records()
        .map(|x| x.unwrap().iter().map(str::to_string).collect())
        .collect()
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-6
}

#[test]
fn the_report_has_every_file_and_the_hand_computed_statistics() {
    let db = store("all-store");
    let out = scratch("records_report", "all").join("report");
    let o = report(&db, &[], &out, &[]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    for f in [
        "yield-by-day.csv",
        "yield-by-day.png",
        "yield-by-station.csv",
        "yield-by-station.png",
        "yield-by-recipe.csv",
        "yield-by-recipe.png",
        "pareto.csv",
        "pareto.png",
        "control-chart.csv",
        "control-chart.png",
        "summary.json",
        "summary.txt",
    ] {
        let p = out.join(f);
        assert!(p.is_file(), "{f} missing");
        if f.ends_with(".png") {
            let d = png::Decoder::new(std::io::BufReader::new(std::fs::File::open(&p).unwrap()));
            let info = d.read_info().unwrap();
            assert_eq!(info.info().width, 1000, "{f}");
        }
    }
    // Day 1: S1 pass, S2 fail (both first verdicts): 1/2. Day 2: S2's retest pass (not a
    // first verdict), S3 fail, S4 aborted, S5 pass: first verdicts S3, S5 → 1/2.
    let days = csv_rows(&out.join("yield-by-day.csv"));
    assert_eq!(days[0][..5], ["2026-11-24", "2", "1", "1", "0"]);
    assert_eq!(days[0][6..8], ["2", "1"]);
    assert_eq!(days[1][..5], ["2026-11-25", "4", "2", "1", "1"]);
    assert_eq!(days[1][6..8], ["2", "1"]);
    // L1: S1 pass, S2 fail, S5 pass → 2/3; L2: S3 fail (S2 tested first on L1, S4 aborted) → 0/1.
    let stations = csv_rows(&out.join("yield-by-station.csv"));
    assert_eq!(stations[0][0], "L1");
    assert_eq!(stations[0][6..8], ["3", "2"]);
    assert_eq!(stations[1][0], "L2");
    assert_eq!(stations[1][6..8], ["1", "0"]);
    let recipes = csv_rows(&out.join("yield-by-recipe.csv"));
    assert_eq!(recipes[0][..5], ["R-A", "4", "3", "1", "0"]);
    assert_eq!(recipes[1][..5], ["R-B", "2", "0", "1", "1"]);
    let pareto = csv_rows(&out.join("pareto.csv"));
    assert_eq!(pareto[0][..3], ["fail", "leak # sccm > # sccm", "2"]);
    assert_eq!(pareto[1][..3], ["aborted", "e-stop pressed at # s", "1"]);
    assert_eq!(pareto[1][4], "100.0");
    // Leak rates 0.1, 0.8, 0.2, 0.9, 0.3: X̄ = 0.46; MR = 0.7, 0.6, 0.7, 0.6 → MR̄ = 0.65;
    // UCL = 0.46 + 2.66·0.65 = 2.189, LCL = −1.269. σ_within = 0.65/1.128 = 0.576241,
    // Cpk = (0.5 − 0.46)/(3·0.576241) = 0.0231385; Σ(x − X̄)² = 0.532, σ_overall = √0.133
    // = 0.364692, Cpk = 0.04/(3·0.364692) = 0.0365606.
    let s: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("summary.json")).unwrap()).unwrap();
    assert_eq!(s["tests"], 6);
    let c = &s["control"];
    assert!(close(c["mean"].as_f64().unwrap(), 0.46), "{c}");
    assert!(close(c["mean_moving_range"].as_f64().unwrap(), 0.65), "{c}");
    assert!(close(c["ucl"].as_f64().unwrap(), 2.189), "{c}");
    assert!(close(c["lcl"].as_f64().unwrap(), -1.269), "{c}");
    let k = &s["capability"];
    assert_eq!(k["usl_sccm"], 0.5);
    assert!(
        (k["cpk_within"].as_f64().unwrap() - 0.0231385).abs() < 1e-6,
        "{k}"
    );
    assert!(
        (k["cpk_overall"].as_f64().unwrap() - 0.0365606).abs() < 1e-6,
        "{k}"
    );
    let text = String::from_utf8(o.stdout).unwrap();
    assert!(text.starts_with("6 test(s)"), "{text}");
    assert!(text.contains("Cpk (within σ = MR̄/d2"), "{text}");
}

#[test]
fn the_filters_of_records_select_the_reports_tests() {
    let db = store("since-store");
    let out = scratch("records_report", "since").join("report");
    let o = report(
        &db,
        &["--since", "2026-11-25"],
        &out,
        &["--max-leak-sccm", "1.0"],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let days = csv_rows(&out.join("yield-by-day.csv"));
    assert_eq!(days.len(), 1);
    assert_eq!(days[0][0], "2026-11-25");
    // S2's pass on L2 is a retest of its fail before the window: not a first verdict, so
    // L2's first-pass yield is S3's fail alone, 0/1 (not 1/2).
    let stations = csv_rows(&out.join("yield-by-station.csv"));
    assert_eq!(stations[1][0], "L2");
    assert_eq!(stations[1][6..8], ["1", "0"]);
    let s: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("summary.json")).unwrap()).unwrap();
    assert_eq!(s["tests"], 4);
    assert_eq!(s["leak_limit_sccm"], 1.0);
}

#[test]
fn a_bad_leak_limit_is_one_line_and_exit_2() {
    let db = store("bad-store");
    let out = scratch("records_report", "bad").join("report");
    let o = report(&db, &[], &out, &["--max-leak-sccm", "0"]);
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(err.contains("--max-leak-sccm"), "{err}");
    assert_eq!(err.trim().lines().count(), 1, "{err}");
}
