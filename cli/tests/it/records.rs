//! `coldtray records` over a real SQLite store written through the store API: the CSV and JSON
//! exports parse back with every row, the filters pick the right tests, a long reason is never
//! cut (wrapped in the table, whole with `--wide`), and a bad date is one line and exit 2.

use crate::{coldtray_exe, scratch, stderr};
use coldtray_controller::l10::result::LeakResult;
use coldtray_controller::{Outcome, Store, TestRecord};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// A reason far longer than any terminal line, ending in a word a cut would lose.
const LONG_REASON: &str = "pressure decay over the measure window exceeded the recipe limit \
    after the stabilise phase was extended twice because the gas temperature kept drifting \
    by more than the allowed band; operator should inspect the quick-disconnect seals TAILWORD";

fn record(serial: &str, started_at: &str, outcome: Outcome, reason: &str) -> TestRecord {
    TestRecord {
        serial: serial.into(),
        recipe: "l10-vr200".into(),
        started_at: started_at.into(),
        finished_at: started_at.replace("T12:00", "T12:02"),
        outcome,
        reason: reason.into(),
        leak: (outcome != Outcome::Aborted).then(|| LeakResult {
            fill_kpa: 525.0,
            start_kpa: 520.0,
            end_kpa: 519.9,
            leak_sccm: if outcome == Outcome::Pass { 0.05 } else { 0.41 },
            fit_samples: 3,
        }),
        flow: vec![],
        trace: vec![],
        provenance: Default::default(),
    }
}

/// A store with five tests (seq 1–5) over three days.
fn store(name: &str) -> PathBuf {
    let db = scratch("records", name).join("results.sqlite");
    let mut s = Store::open(&db).unwrap();
    for r in [
        record("VR2-001", "2026-11-24T12:00:00Z", Outcome::Pass, "ok"),
        record(
            "VR2-002",
            "2026-11-25T12:00:00Z",
            Outcome::Fail,
            LONG_REASON,
        ),
        record(
            "VR2-002",
            "2026-11-25T12:00:30Z",
            Outcome::Pass,
            "ok, retest",
        ),
        record(
            "XB-7",
            "2026-11-26T12:00:00Z",
            Outcome::Aborted,
            "e-stop, pressed",
        ),
        record("VR2-010", "2026-11-26T12:00:40Z", Outcome::Pass, "ok"),
    ] {
        s.insert(&r).unwrap();
    }
    db
}

fn records(db: &Path, args: &[&str]) -> Output {
    Command::new(coldtray_exe())
        .arg("records")
        .arg("--db")
        .arg(db)
        .args(args)
        .output()
        .unwrap()
}

fn stdout(o: &Output) -> String {
    assert_eq!(o.status.code(), Some(0), "{}", stderr(o));
    String::from_utf8(o.stdout.clone()).unwrap()
}

/// The serials of a CSV export, in order.
fn csv_serials(o: &Output) -> Vec<String> {
    let text = stdout(o);
    let mut r = csv::Reader::from_reader(text.as_bytes());
    r.deserialize::<std::collections::HashMap<String, String>>()
        .map(|row| row.unwrap()["serial"].clone())
        .collect()
}

#[test]
fn csv_and_json_exports_parse_back_with_every_row() {
    let db = store("export");
    let o = records(&db, &["--format", "csv"]);
    let text = stdout(&o);
    let mut r = csv::Reader::from_reader(text.as_bytes());
    let header: Vec<String> = r.headers().unwrap().iter().map(String::from).collect();
    for col in [
        "seq",
        "serial",
        "recipe",
        "started_at",
        "finished_at",
        "outcome",
        "leak_sccm",
        "reason",
        "clock_suspect",
        "record_id",
    ] {
        assert!(header.iter().any(|h| h == col), "{col} missing: {header:?}");
    }
    let rows: Vec<csv::StringRecord> = r.records().map(|x| x.unwrap()).collect();
    assert_eq!(rows.len(), 5);
    let col = |name: &str| header.iter().position(|h| h == name).unwrap();
    assert_eq!(&rows[1][col("serial")], "VR2-002");
    assert_eq!(&rows[1][col("outcome")], "fail");
    assert_eq!(&rows[1][col("reason")], LONG_REASON.trim());
    assert_eq!(rows[1][col("leak_sccm")].parse::<f64>().unwrap(), 0.41);
    assert_eq!(&rows[3][col("leak_sccm")], "");
    assert_eq!(&rows[3][col("reason")], "e-stop, pressed");
    let seqs: Vec<&str> = rows.iter().map(|r| &r[col("seq")]).collect();
    assert_eq!(seqs, ["1", "2", "3", "4", "5"]);
    // Stdout is data only: the count and yield go to stderr.
    assert!(stderr(&o).contains("5 test(s)"), "{}", stderr(&o));

    // No match: the same header alone (a script still finds its columns), and `[]` in JSON.
    let o = records(&db, &["--format", "csv", "--serial", "NONE*"]);
    let text = stdout(&o);
    let mut r = csv::Reader::from_reader(text.as_bytes());
    let empty_header: Vec<String> = r.headers().unwrap().iter().map(String::from).collect();
    assert_eq!(empty_header, header);
    assert_eq!(r.records().count(), 0);
    let o = records(
        &db,
        &["--format", "json", "--outcome", "fail", "--serial", "XB*"],
    );
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v, serde_json::json!([]));

    let o = records(&db, &["--format", "json"]);
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    let a = v.as_array().unwrap();
    assert_eq!(a.len(), 5);
    assert_eq!(a[1]["serial"], "VR2-002");
    assert_eq!(a[1]["reason"], LONG_REASON);
    assert_eq!(a[1]["leak_sccm"], 0.41);
    assert_eq!(a[3]["outcome"], "aborted");
    assert!(a[3]["leak_sccm"].is_null());
    assert_eq!(a[4]["started_at"], "2026-11-26T12:00:40Z");
    assert_eq!(a[4]["finished_at"], "2026-11-26T12:02:40Z");
    assert_eq!(a[0]["clock_suspect"], false);
}

#[test]
fn filters_select_the_right_tests() {
    let db = store("filters");
    let csv = |args: &[&str]| {
        let mut all = vec!["--format", "csv"];
        all.extend_from_slice(args);
        csv_serials(&records(&db, &all))
    };
    assert_eq!(csv(&["--outcome", "fail"]), ["VR2-002"]);
    assert_eq!(csv(&["--outcome", "aborted"]), ["XB-7"]);
    assert_eq!(
        csv(&["--outcome", "pass"]),
        ["VR2-001", "VR2-002", "VR2-010"]
    );
    assert_eq!(csv(&["--serial", "VR2-002"]), ["VR2-002", "VR2-002"]);
    assert_eq!(
        csv(&["--serial", "VR2-0*"]),
        ["VR2-001", "VR2-002", "VR2-002", "VR2-010"]
    );
    assert_eq!(csv(&["--serial", "VR2-0"]), Vec::<String>::new());
    // --since is inclusive, --until exclusive; a date is midnight UTC.
    assert_eq!(
        csv(&["--since", "2026-11-25", "--until", "2026-11-26"]),
        ["VR2-002", "VR2-002"]
    );
    assert_eq!(csv(&["--since", "2026-11-26T12:00:30+00:00"]), ["VR2-010"]);
    assert_eq!(
        csv(&["--until", "2026-11-25T13:00:30+01:00"]),
        ["VR2-001", "VR2-002"]
    );
    // --limit keeps the newest N, still in insert order.
    assert_eq!(csv(&["--limit", "2"]), ["XB-7", "VR2-010"]);
    assert_eq!(
        csv(&["--serial", "VR2*", "--outcome", "pass", "--limit", "1"]),
        ["VR2-010"]
    );
    // The yield still uses each serial's whole history: VR2-002 failed first.
    // --until ends the yield's window too: VR2-001 passed first, VR2-002 failed first; XB-7's
    // abort and VR2-010's pass come later.
    let o = records(&db, &["--until", "2026-11-25T12:00:10Z"]);
    assert!(
        stdout(&o).contains("first-pass yield: 1/2"),
        "{}",
        stdout(&o)
    );
    let o = records(&db, &["--serial", "VR2-002", "--outcome", "pass"]);
    assert!(
        stdout(&o).contains("first-pass yield: 0/1"),
        "{}",
        stdout(&o)
    );
}

#[test]
fn a_long_reason_is_wrapped_in_the_table_and_whole_with_wide() {
    let db = store("wide");
    // Not a terminal here: the table wraps within 100 columns.
    let text = stdout(&records(&db, &[]));
    assert!(text.lines().all(|l| l.chars().count() <= 100), "{text}");
    let words = |s: &str| s.split_whitespace().map(String::from).collect::<Vec<_>>();
    let start = text.find("pressure decay").unwrap();
    let end = text.find("TAILWORD").unwrap() + "TAILWORD".len();
    assert_eq!(words(&text[start..end]), words(LONG_REASON));
    assert!(!text.contains('…'), "{text}");

    let text = stdout(&records(&db, &["--wide"]));
    let line = text
        .lines()
        .find(|l| l.contains("VR2-002") && l.contains("fail"))
        .unwrap();
    assert!(line.ends_with(&words(LONG_REASON).join(" ")), "{line}");
}

#[test]
fn a_bad_date_or_serial_pattern_is_one_line_and_exit_2() {
    let db = store("bad");
    for (args, flag) in [
        (["--since", "26/11/2026"], "--since"),
        (["--until", "yesterday"], "--until"),
        (["--serial", "VR*2"], "--serial"),
    ] {
        let o = records(&db, &args);
        assert_eq!(o.status.code(), Some(2), "{args:?}");
        let err = stderr(&o);
        assert_eq!(err.trim().lines().count(), 1, "{err}");
        assert!(err.contains(flag), "{err}");
        if flag != "--serial" {
            assert!(
                err.contains("YYYY-MM-DD") && err.contains("RFC 3339"),
                "{err}"
            );
        }
    }
}

#[test]
fn a_closed_stdout_does_not_panic() {
    let db = store("pipe");
    let mut child = Command::new(coldtray_exe())
        .arg("records")
        .arg("--db")
        .arg(&db)
        .args(["--format", "json"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let o = child.wait_with_output().unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(!stderr(&o).contains("panicked"), "{}", stderr(&o));
}
