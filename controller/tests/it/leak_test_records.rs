//! Records through the runner (what `coldtray leak-test` does): after a pass, a fail and an
//! abort the JSON file, the SQLite row and the trace plot exist and agree; bad inputs are
//! rejected before the rig is touched.

use std::path::{Path, PathBuf};

use crate::support::leak_test::*;
use coldtray_controller::emulator::faults::{Fault, ScheduledFault};
use coldtray_controller::records::journal::JournalState;
use coldtray_controller::records::record::file_record_id;
use coldtray_controller::records::store::{first_pass_yield, Filter};
use coldtray_controller::runner::RunError;
use coldtray_controller::Store;
use coldtray_controller::{prepare, Prepared};
use coldtray_controller::{Outcome, TestRecord};
use tokio::sync::watch;

const SCALE: f64 = 50.0;

fn temp_dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("ctrl-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    d
}

/// Stored and returned records agree (floats to 1e-9: serde_json's float parsing may differ
/// from the original in the last bit).
fn same(a: &TestRecord, b: &TestRecord) {
    assert_eq!(
        (
            &a.serial,
            &a.recipe,
            &a.started_at,
            &a.finished_at,
            a.outcome,
            &a.reason
        ),
        (
            &b.serial,
            &b.recipe,
            &b.started_at,
            &b.finished_at,
            b.outcome,
            &b.reason
        )
    );
    assert_eq!(a.trace.len(), b.trace.len());
    assert_eq!(a.flow.len(), b.flow.len());
    let close = |x: f64, y: f64| (x - y).abs() <= 1e-9 * x.abs().max(1.0);
    for (p, q) in a.trace.iter().zip(&b.trace) {
        assert!(close(p.t_s, q.t_s) && p.phase == q.phase);
        match (p.test_pressure_kpa, q.test_pressure_kpa) {
            (Some(x), Some(y)) => assert!(close(x, y)),
            (x, y) => assert_eq!(x, y),
        }
    }
    match (&a.leak, &b.leak) {
        (Some(x), Some(y)) => assert!(close(x.leak_sccm, y.leak_sccm)),
        (x, y) => assert_eq!(x.is_some(), y.is_some()),
    }
}

async fn one_test(dir: &Path, serial: &str, faults: Vec<ScheduledFault>) -> TestRecord {
    let map = map(500);
    let emu = emulator(&map, SCALE, faults).await;
    let connect = emu.local_addr().to_string();
    let prepared = Prepared::new(
        map,
        recipe(),
        serial,
        Some(&connect),
        &dir.join("records"),
        &dir.join("results.sqlite"),
    )
    .unwrap();
    let (_tx, rx) = watch::channel(false);
    let done = prepared.run(&options(SCALE), rx).await.unwrap();
    assert!(done.commit.is_complete(), "{:?}", done.commit);
    assert!(matches!(done.commit.journal, JournalState::Cleared));
    let json_path = done.commit.json_path.as_ref().unwrap();
    // JSON on disk equals the record returned, and carries the record id.
    let on_disk: TestRecord = serde_json::from_slice(&std::fs::read(json_path).unwrap()).unwrap();
    same(&on_disk, &done.record);
    assert_eq!(
        file_record_id(json_path).as_deref(),
        Some(done.commit.record_id.as_str())
    );
    let name = json_path.file_name().unwrap().to_string_lossy().to_string();
    assert!(
        name.starts_with(&format!("{serial}-")) && name.ends_with(".json"),
        "{name}"
    );
    // The plot sits next to it.
    let png = done.commit.plot.as_ref().unwrap();
    assert_eq!(png, &json_path.with_extension("png"));
    assert!(std::fs::read(png).unwrap().starts_with(b"\x89PNG"));
    // The row holds the same record, trace included, under the same record id and file.
    let store = Store::open(&dir.join("results.sqlite")).unwrap();
    let row = done.commit.row.as_ref().unwrap();
    assert!(row.new);
    same(&store.record(row.id).unwrap(), &done.record);
    let (id, file) = store.find(&done.commit.record_id).unwrap().unwrap();
    assert_eq!(id, row.id);
    assert_eq!(file.as_deref(), Some(json_path.to_str().unwrap()));
    done.record
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pass_fail_and_abort_are_all_recorded() {
    let dir = temp_dir("records");
    let pass = one_test(&dir, "SN-A", vec![]).await;
    assert_eq!(pass.outcome, Outcome::Pass, "{}", pass.reason);
    let leak = ScheduledFault {
        at_s: 0.0,
        fault: Fault::Leak { sccm: 2.0 },
    };
    let fail = one_test(&dir, "SN-B", vec![leak]).await;
    assert_eq!(fail.outcome, Outcome::Fail, "{}", fail.reason);
    let estop = ScheduledFault {
        at_s: 15.0,
        fault: Fault::EStop,
    };
    let abort = one_test(&dir, "SN-C", vec![estop]).await;
    assert_eq!(abort.outcome, Outcome::Aborted, "{}", abort.reason);
    assert!(!abort.trace.is_empty());

    let store = Store::open(&dir.join("results.sqlite")).unwrap();
    // The emulator announces itself (the map's `rig_is_emulator`): dry runs, left out of a
    // default listing, each with its provenance.
    assert!(store.list(&Filter::default()).unwrap().is_empty());
    let rows = store
        .list(&Filter {
            include_dry_runs: true,
            ..Filter::default()
        })
        .unwrap();
    let map_sha = coldtray_controller::runner::file_sha256(&repo("examples/rig/map.toml"));
    for r in &rows {
        let p = &r.provenance;
        assert!(p.dry_run, "{p:?}");
        assert_eq!(p.map_sha256, map_sha);
        assert_eq!(p.map_sha256.as_ref().map(String::len), Some(64));
        assert_eq!(p.recipe_sha256.as_ref().map(String::len), Some(64));
        assert_eq!(
            p.coldtray_version.as_deref(),
            Some(env!("CARGO_PKG_VERSION"))
        );
        assert!(p.duration_s.is_some_and(|d| d > 0.0), "{p:?}");
        assert!(p
            .limits
            .as_ref()
            .is_some_and(|l| l["max_leak_sccm"].is_number()));
    }
    let outcomes: Vec<_> = rows
        .iter()
        .map(|r| (r.serial.as_str(), r.outcome))
        .collect();
    assert_eq!(
        outcomes,
        [
            ("SN-A", Outcome::Pass),
            ("SN-B", Outcome::Fail),
            ("SN-C", Outcome::Aborted)
        ]
    );
    let json_files = std::fs::read_dir(dir.join("records"))
        .unwrap()
        .filter(|e| e.as_ref().unwrap().path().extension().unwrap() == "json")
        .count();
    assert_eq!(json_files, 3);
    // SN-A passed first, SN-B failed first, SN-C has only an abort: 1/2.
    let y = first_pass_yield(&rows, None);
    assert_eq!((y.first_pass, y.serials, y.only_aborted), (1, 2, 1));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn bad_inputs_are_rejected_before_the_rig_is_touched() {
    let dir = temp_dir("reject");
    let map_path = repo("examples/rig/map.toml");
    let recipe_path = repo("examples/rig/l10-vr200.toml");
    // Port 9 (discard) on loopback: nothing listens; nothing may be sent anyway.
    let connect = Some("127.0.0.1:9");
    let out = dir.join("records");
    let db = dir.join("results.sqlite");
    for serial in ["", "SN/1", "SN 1", &"x".repeat(65)] {
        let e = prepare(&map_path, &recipe_path, serial, connect, &out, &db);
        assert!(matches!(e, Err(RunError::Record(_))), "{serial:?}");
    }
    // Over-limit recipe.
    let bad = dir.join("bad.toml");
    std::fs::create_dir_all(&dir).unwrap();
    let text = std::fs::read_to_string(&recipe_path)
        .unwrap()
        .replace("test_pressure_kpa = 525.0", "test_pressure_kpa = 750.0");
    std::fs::write(&bad, text).unwrap();
    let e = prepare(&map_path, &bad, "SN1", connect, &out, &db)
        .err()
        .unwrap();
    assert!(e.to_string().contains("leak.test_pressure_kpa"), "{e}");
    // Bad address.
    let e = prepare(
        &map_path,
        &recipe_path,
        "SN1",
        Some("nohostport"),
        &out,
        &db,
    )
    .err()
    .unwrap();
    assert!(e.to_string().contains("HOST:PORT"), "{e}");
    // Nothing was written by the rejected runs except the directory of the bad recipe.
    assert!(!out.exists() && !db.exists());
    std::fs::remove_dir_all(&dir).unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unreachable_rig_is_an_error_without_a_record() {
    let dir = temp_dir("unreachable");
    // Bind then drop a listener: a loopback port nobody listens on.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let connect = format!("127.0.0.1:{port}");
    let db = dir.join("results.sqlite");
    let prepared = Prepared::new(
        map(200),
        recipe(),
        "SN1",
        Some(&connect),
        &dir.join("r"),
        &db,
    )
    .unwrap();
    let (_tx, rx) = watch::channel(false);
    let e = prepared.run(&options(1.0), rx).await.unwrap_err();
    assert!(matches!(e, RunError::Unreachable(_)), "{e}");
    assert!(e.to_string().contains("nothing was recorded"), "{e}");
    let store = Store::open(&db).unwrap();
    assert!(store.list(&Filter::default()).unwrap().is_empty());
    std::fs::remove_dir_all(&dir).unwrap();
}
