//! "A verdict is never lost": the record commit through the journal, tried the way a plant
//! breaks it — many first opens of a new store at once, a store of the first schema, the same
//! serial committed on two rigs at once, the store locked beyond its busy timeout, a kill
//! after each step (replayed state by state here; the real-kill version runs the CLI binary
//! in the CLI's tests), a read-only record directory.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Barrier};
use std::time::Duration;

use coldtray_controller::l10::result::{Phase, TracePoint};
use coldtray_controller::records::journal::{self, journal_dir, Entry, JournalState, FORMAT};
use coldtray_controller::records::plot::PlotParams;
use coldtray_controller::records::record::{file_record_id, json_bytes, record_path, write_new};
use coldtray_controller::records::store::{first_pass_yield, Filter, StoreOptions};
use coldtray_controller::runner::RunError;
use coldtray_controller::{prepare, Outcome, Store, TestRecord};

use crate::support::leak_test::repo;

fn temp_dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("ctrl-durable-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

const PLOT: PlotParams = PlotParams {
    volume_ml: 850.0,
    test_pressure_kpa: 525.0,
    max_leak_sccm: Some(0.5),
    flow_bands: None,
};

fn record(serial: &str, outcome: Outcome) -> TestRecord {
    TestRecord {
        serial: serial.into(),
        recipe: "L10 VR200 compute tray".into(),
        started_at: "2026-11-26T12:00:00Z".into(),
        finished_at: "2026-11-26T12:01:30Z".into(),
        outcome,
        reason: "leak 0.05 sccm ≤ 0.5 sccm".into(),
        leak: None,
        flow: vec![],
        trace: (0..20)
            .map(|i| TracePoint {
                t_s: f64::from(i),
                phase: if i < 10 { Phase::Fill } else { Phase::Vent },
                test_pressure_kpa: Some(if i < 10 { 50.0 * f64::from(i) } else { 10.0 }),
                gas_temperature_c: Some(22.0),
                flow_lpm: None,
                dp_kpa: None,
                pump_speed_pct: None,
            })
            .collect(),
        provenance: Default::default(),
    }
}

fn files_with(dir: &Path, ext: &str) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|rd| {
            rd.map(|e| e.unwrap().path())
                .filter(|p| p.extension().is_some_and(|e| e == ext))
                .collect()
        })
        .unwrap_or_default();
    v.sort();
    v
}

/// Every JSON file has exactly one row with its record id and file name, every row one JSON
/// file, every JSON a non-empty PNG; the journal is empty. Returns the number of records.
fn consistent(out: &Path, db: &Path) -> usize {
    let conn = rusqlite::Connection::open(db).unwrap();
    let mut stmt = conn
        .prepare("SELECT record_id, json_file FROM tests ORDER BY seq")
        .unwrap();
    let rows: Vec<(String, String)> = stmt
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    let jsons = files_with(out, "json");
    assert_eq!(rows.len(), jsons.len(), "rows {rows:?} vs files {jsons:?}");
    for j in &jsons {
        let id = file_record_id(j).unwrap();
        let hits: Vec<_> = rows.iter().filter(|r| r.0 == id).collect();
        assert_eq!(hits.len(), 1, "{id}");
        assert_eq!(Path::new(&hits[0].1), j.as_path());
        let png = std::fs::read(j.with_extension("png")).unwrap();
        assert!(png.starts_with(b"\x89PNG"), "{}", j.display());
    }
    assert!(
        files_with(&journal_dir(db), "json").is_empty(),
        "journal not empty"
    );
    rows.len()
}

#[test]
fn a_hundred_first_opens_of_a_new_store_at_once_all_succeed() {
    let dir = temp_dir("first-opens");
    let db = dir.join("results.sqlite");
    const N: usize = 100;
    let barrier = Arc::new(Barrier::new(N));
    let threads: Vec<_> = (0..N)
        .map(|_| {
            let (db, barrier) = (db.clone(), barrier.clone());
            std::thread::spawn(move || {
                barrier.wait();
                Store::open(&db).map(|_| ()).map_err(|e| format!("{e:?}"))
            })
        })
        .collect();
    let failed: Vec<String> = threads
        .into_iter()
        .filter_map(|t| t.join().unwrap().err())
        .collect();
    assert!(
        failed.is_empty(),
        "{} of {N} failed: {failed:?}",
        failed.len()
    );
    let conn = rusqlite::Connection::open(&db).unwrap();
    let tables: i64 = conn
        .query_row(
            "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'tests'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    let version: i64 = conn
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .unwrap();
    let mode: String = conn
        .query_row("PRAGMA journal_mode", [], |r| r.get(0))
        .unwrap();
    assert_eq!(
        (tables, version, mode.as_str()),
        (
            1,
            coldtray_controller::records::store::SCHEMA_VERSION,
            "wal"
        )
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

/// The first schema, as `Store::open` created it before schema version 1 (a fixture: this
/// statement must not follow the code).
const SCHEMA_V0: &str = "
CREATE TABLE IF NOT EXISTS tests (
    id            INTEGER PRIMARY KEY,
    serial        TEXT    NOT NULL,
    recipe        TEXT    NOT NULL,
    started_at    TEXT    NOT NULL,   -- RFC 3339 UTC
    started_unix  INTEGER NOT NULL,   -- seconds since 1970, for ordering and filtering
    finished_at   TEXT    NOT NULL,
    outcome       TEXT    NOT NULL CHECK (outcome IN ('pass', 'fail', 'aborted')),
    reason        TEXT    NOT NULL,
    leak_sccm     REAL,
    record_json   TEXT    NOT NULL,   -- the whole record, as written to the JSON file
    trace_json    TEXT    NOT NULL    -- the trace alone
);
CREATE INDEX IF NOT EXISTS tests_serial_started ON tests (serial, started_unix);
CREATE INDEX IF NOT EXISTS tests_started ON tests (started_unix);
";

#[test]
fn a_store_of_the_first_schema_is_migrated_in_place() {
    let dir = temp_dir("migrate");
    let db = dir.join("results.sqlite");
    {
        let conn = rusqlite::Connection::open(&db).unwrap();
        conn.execute_batch("PRAGMA journal_mode = WAL;").unwrap();
        conn.execute_batch(SCHEMA_V0).unwrap();
        // Station B's clock is 10 minutes slow: its pass of SN-1 (inserted second) carries an
        // earlier start. Row 3 finished before it started (clock set back mid-test).
        for (serial, started, finished, outcome) in [
            (
                "SN-1",
                "2026-11-26T12:10:00Z",
                "2026-11-26T12:11:00Z",
                "fail",
            ),
            (
                "SN-1",
                "2026-11-26T12:05:00Z",
                "2026-11-26T12:06:00Z",
                "pass",
            ),
            (
                "SN-2",
                "2026-11-26T12:20:00Z",
                "2026-11-26T12:19:00Z",
                "pass",
            ),
        ] {
            let mut r = record(serial, Outcome::from_name(outcome).unwrap());
            r.started_at = started.into();
            r.finished_at = finished.into();
            let unix = chrono::DateTime::parse_from_rfc3339(started)
                .unwrap()
                .timestamp();
            conn.execute(
                "INSERT INTO tests (serial, recipe, started_at, started_unix, finished_at,
                                    outcome, reason, leak_sccm, record_json, trace_json)
                 VALUES (?1, 'r', ?2, ?3, ?4, ?5, 'why', NULL, ?6, '[]')",
                rusqlite::params![
                    serial,
                    started,
                    unix,
                    finished,
                    outcome,
                    serde_json::to_string(&r).unwrap()
                ],
            )
            .unwrap();
        }
    }
    let mut store = Store::open(&db).unwrap();
    // Straight to the current version (1 and 2 in one transaction).
    assert_eq!(
        store.schema_version().unwrap(),
        coldtray_controller::records::store::SCHEMA_VERSION
    );
    let rows = store.list(&Filter::default()).unwrap();
    let seen: Vec<_> = rows
        .iter()
        .map(|r| {
            (
                r.seq,
                r.serial.as_str(),
                r.clock_suspect,
                r.record_id.is_none(),
            )
        })
        .collect();
    assert_eq!(
        seen,
        [
            (1, "SN-1", false, true),
            (2, "SN-1", false, true),
            (3, "SN-2", true, true)
        ]
    );
    // Yield by the store's sequence: SN-1 failed first (whatever station B's clock says).
    let y = first_pass_yield(&rows, None);
    assert_eq!((y.first_pass, y.serials), (1, 2));
    assert_eq!(store.record(rows[1].id).unwrap().outcome, Outcome::Pass);
    // New rows continue the sequence; a second open changes nothing.
    store.insert(&record("SN-3", Outcome::Pass)).unwrap();
    drop(store);
    let store = Store::open(&db).unwrap();
    let rows = store.list(&Filter::default()).unwrap();
    assert_eq!(rows.iter().map(|r| r.seq).collect::<Vec<_>>(), [1, 2, 3, 4]);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn the_same_serial_committed_on_two_rigs_at_once_never_overwrites() {
    let dir = temp_dir("two-rigs");
    let (out, db) = (dir.join("records"), dir.join("results.sqlite"));
    Store::open(&db).unwrap();
    const ROUNDS: usize = 10;
    for round in 0..ROUNDS {
        let barrier = Arc::new(Barrier::new(2));
        let rigs: Vec<_> = (0..2)
            .map(|rig| {
                let (out, db, barrier) = (out.clone(), db.clone(), barrier.clone());
                std::thread::spawn(move || {
                    let mut store = Store::open(&db).unwrap();
                    // Same serial, same start second; the reason tells them apart.
                    let mut r = record("SN-TWIN", Outcome::Pass);
                    r.reason = format!("round {round} rig {rig}");
                    barrier.wait();
                    let c = journal::commit(&mut store, &out, &r, PLOT);
                    assert!(c.is_complete(), "{c:?}");
                    (c.json_path.unwrap(), r.reason)
                })
            })
            .collect();
        for rig in rigs {
            let (path, reason) = rig.join().unwrap();
            let back: TestRecord = serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap();
            assert_eq!(back.reason, reason, "a JSON was overwritten");
        }
    }
    assert_eq!(consistent(&out, &db), 2 * ROUNDS);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_store_locked_beyond_its_busy_timeout_queues_the_record_until_the_next_open() {
    let dir = temp_dir("locked");
    let (out, db) = (dir.join("records"), dir.join("results.sqlite"));
    let options = StoreOptions {
        busy_timeout: Duration::from_millis(200),
        ..StoreOptions::default()
    };
    let mut store = Store::open_with(&db, &options).unwrap();
    // Another program holds the write lock for longer than the busy timeout.
    let holder = rusqlite::Connection::open(&db).unwrap();
    holder.execute_batch("BEGIN EXCLUSIVE").unwrap();
    let r = record("SN-LOCKED", Outcome::Fail);
    let c = journal::commit(&mut store, &out, &r, PLOT);
    assert!(c.json_path.is_ok(), "{c:?}");
    assert!(c.row.as_ref().is_err_and(|e| e.is_busy()), "{c:?}");
    assert!(c.is_kept() && !c.is_complete());
    let entry = c.queued().unwrap().to_path_buf();
    assert!(entry.starts_with(journal_dir(&db)));
    // An open while still locked leaves it queued (and waits one busy timeout, not one per
    // entry).
    let again = Store::open_with(&db, &options).unwrap();
    assert_eq!(again.replayed().still_queued, 1);
    assert!(entry.exists());
    drop(again);
    holder.execute_batch("COMMIT").unwrap();
    drop(holder);
    drop(store);
    // The next start inserts it, once; the start after that finds nothing to do.
    let store = Store::open_with(&db, &options).unwrap();
    let replayed = store.replayed();
    assert_eq!(replayed.completed.len(), 1, "{replayed:?}");
    assert!(replayed.completed[0].row_inserted);
    assert_eq!(replayed.completed[0].outcome, Outcome::Fail);
    drop(store);
    let store = Store::open(&db).unwrap();
    assert!(store.replayed().completed.is_empty());
    assert_eq!(store.list(&Filter::default()).unwrap().len(), 1);
    assert_eq!(consistent(&out, &db), 1);
    std::fs::remove_dir_all(&dir).unwrap();
}

/// The states a kill between the commit's steps can leave (the journal entry written, then
/// the JSON, the row, the PNG one by one), each replayed by the next open into exactly one
/// consistent record.
#[test]
fn every_state_a_kill_leaves_is_replayed_into_one_consistent_record() {
    for done_steps in 0..=3 {
        let dir = temp_dir(&format!("replay-{done_steps}"));
        let (out, db) = (dir.join("records"), dir.join("results.sqlite"));
        std::fs::create_dir_all(&out).unwrap();
        let mut store = Store::open(&db).unwrap();
        let r = record("SN-KILL", Outcome::Pass);
        let record_id = journal::new_record_id(&r);
        let entry = Entry {
            format: FORMAT.into(),
            record_id: record_id.clone(),
            json_path: record_path(&out, &r),
            plot: PLOT,
            record: r.clone(),
        };
        let entry_path = journal_dir(&db).join(format!("{record_id}.json"));
        write_new(&entry_path, &serde_json::to_vec(&entry).unwrap()).unwrap();
        if done_steps >= 1 {
            write_new(&entry.json_path, &json_bytes(&r, &record_id).unwrap()).unwrap();
        }
        if done_steps >= 2 {
            store
                .insert_committed(&r, &record_id, Some(&entry.json_path))
                .unwrap();
        }
        if done_steps >= 3 {
            coldtray_controller::records::plot::draw_with(
                &r,
                &PLOT,
                &entry.json_path.with_extension("png"),
            )
            .unwrap();
        }
        drop(store);
        let store = Store::open(&db).unwrap();
        let replayed = store.replayed();
        assert_eq!(replayed.completed.len(), 1, "{done_steps}: {replayed:?}");
        assert_eq!(replayed.completed[0].row_inserted, done_steps < 2);
        drop(store);
        assert_eq!(consistent(&out, &db), 1, "after {done_steps} steps");
        // Replaying twice is harmless.
        drop(Store::open(&db).unwrap());
        assert_eq!(consistent(&out, &db), 1);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}

/// The record directory turned unwritable between the start and the commit (here: replaced by
/// a file; a full disk or a lost mount fails the same step): the row is stored, the JSON
/// queued, and the next start after the directory is back writes it.
#[test]
fn a_json_that_cannot_be_written_is_queued_and_written_at_the_next_start() {
    let dir = temp_dir("json-fails");
    let (out, db) = (dir.join("records"), dir.join("results.sqlite"));
    let mut store = Store::open(&db).unwrap();
    std::fs::write(&out, b"not a directory").unwrap();
    let c = journal::commit(&mut store, &out, &record("SN-NODIR", Outcome::Fail), PLOT);
    assert!(c.json_path.is_err() && c.row.is_ok(), "{c:?}");
    assert!(c.is_kept() && c.queued().is_some(), "{c:?}");
    drop(store);
    std::fs::remove_file(&out).unwrap();
    let store = Store::open(&db).unwrap();
    assert_eq!(
        store.replayed().completed.len(),
        1,
        "{:?}",
        store.replayed()
    );
    assert!(!store.replayed().completed[0].row_inserted);
    drop(store);
    assert_eq!(consistent(&out, &db), 1);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_commit_that_meets_nothing_leaves_no_journal_entry() {
    let dir = temp_dir("clean");
    let (out, db) = (dir.join("records"), dir.join("results.sqlite"));
    let mut store = Store::open(&db).unwrap();
    let c = journal::commit(&mut store, &out, &record("SN-OK", Outcome::Pass), PLOT);
    assert!(
        c.is_complete() && matches!(c.journal, JournalState::Cleared),
        "{c:?}"
    );
    drop(store);
    assert_eq!(consistent(&out, &db), 1);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_read_only_record_directory_is_rejected_before_the_rig_is_touched() {
    let dir = temp_dir("read-only");
    let ro = dir.join("records");
    std::fs::create_dir_all(&ro).unwrap();
    let mut perms = std::fs::metadata(&ro).unwrap().permissions();
    perms.set_readonly(true);
    std::fs::set_permissions(&ro, perms).unwrap();
    // Root writes into read-only directories: there, use one no one can create files in.
    let ro = if std::fs::write(ro.join("probe"), b"x").is_ok() {
        PathBuf::from("/proc/self")
    } else {
        ro
    };
    let db = dir.join("results.sqlite");
    // Port 9 (discard) on loopback: nothing listens, and nothing may be sent anyway.
    let e = prepare(
        &repo("examples/rig/map.toml"),
        &repo("examples/rig/l10-vr200.toml"),
        "SN1",
        Some("127.0.0.1:9"),
        &ro,
        &db,
    )
    .err()
    .unwrap();
    assert!(matches!(e, RunError::Record(_)), "{e:?}");
    assert!(e.to_string().contains("not writable"), "{e}");
    assert!(!db.exists(), "the store was created before the check");
    let mut perms = std::fs::metadata(dir.join("records"))
        .unwrap()
        .permissions();
    #[allow(clippy::permissions_set_readonly_false)]
    perms.set_readonly(false);
    std::fs::set_permissions(dir.join("records"), perms).unwrap();
    std::fs::remove_dir_all(&dir).unwrap();
}
