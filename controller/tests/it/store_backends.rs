//! The store test-suite, written once and run against both backends: SQLite (always) and
//! PostgreSQL (when `COLDTRAY_TEST_POSTGRES` gives a server URL whose role may create
//! databases; skipped when unset, a failure when unset and `COLDTRAY_REQUIRE_EXTERNAL=1`).
//! Each test gets a fresh SQLite file and a fresh PostgreSQL database (`test_<random>`), so
//! the tests run in parallel. Also here: the in-place migrations from stores made by older
//! code (SQLite schema 1, made by the code before provenance; PostgreSQL schema 1).

use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Barrier};

use chrono::{DateTime, Utc};
use coldtray_controller::l10::result::{LeakResult, Phase, Provenance, TracePoint};
use coldtray_controller::records::journal;
use coldtray_controller::records::plot::PlotParams;
use coldtray_controller::records::store::{
    first_pass_yield, Filter, Location, StoreOptions, SCHEMA_VERSION,
};
use coldtray_controller::{Outcome, Store, TestRecord};

/// One backend's fresh store for one test; removed on drop.
struct Fresh {
    label: &'static str,
    location: Location,
    dir: PathBuf,
    /// PostgreSQL: the admin URL and the database to drop.
    pg: Option<(String, String)>,
}

impl Fresh {
    fn options(&self) -> StoreOptions {
        StoreOptions {
            journal_dir: Some(self.dir.join("journal")),
            ..StoreOptions::default()
        }
    }

    fn open(&self) -> Store {
        Store::open_with(&self.location, &self.options())
            .unwrap_or_else(|e| panic!("{}: {e}", self.label))
    }
}

impl Drop for Fresh {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
        if let Some((admin, db)) = &self.pg {
            if let Ok(mut c) = postgres::Client::connect(admin, postgres::NoTls) {
                let _ = c.batch_execute(&format!("DROP DATABASE IF EXISTS {db} WITH (FORCE)"));
            }
        }
    }
}

static COUNTER: AtomicU64 = AtomicU64::new(0);

fn unique(name: &str) -> String {
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .subsec_nanos();
    format!("{name}_{}_{n}_{nanos:08x}", std::process::id())
}

/// The PostgreSQL server URL, or `None` (skipped) when not configured.
pub(crate) fn postgres_url() -> Option<String> {
    match std::env::var("COLDTRAY_TEST_POSTGRES") {
        Ok(url) if !url.is_empty() => Some(url),
        _ => {
            let required = std::env::var("COLDTRAY_REQUIRE_EXTERNAL").is_ok_and(|v| v == "1");
            assert!(
                !required,
                "COLDTRAY_REQUIRE_EXTERNAL=1 but COLDTRAY_TEST_POSTGRES is not set"
            );
            eprintln!("skipped PostgreSQL: COLDTRAY_TEST_POSTGRES is not set");
            None
        }
    }
}

/// A fresh PostgreSQL database on the test server: (its URL, the admin URL, its name).
pub(crate) fn fresh_postgres_db(name: &str) -> Option<(String, String, String)> {
    let admin = postgres_url()?;
    let db = format!("test_{}", unique(name)).to_lowercase();
    let mut c = postgres::Client::connect(&admin, postgres::NoTls).unwrap();
    c.batch_execute(&format!("CREATE DATABASE {db}")).unwrap();
    let (base, _) = admin.rsplit_once('/').unwrap();
    Some((format!("{base}/{db}"), admin, db))
}

/// A fresh store of each available backend.
fn backends(name: &str) -> Vec<Fresh> {
    let dir = std::env::temp_dir().join(format!("ctrl-store-{}", unique(name)));
    std::fs::create_dir_all(&dir).unwrap();
    let mut v = vec![Fresh {
        label: "sqlite",
        location: Location::Sqlite(dir.join("sqlite").join("results.sqlite")),
        dir: dir.join("sqlite"),
        pg: None,
    }];
    if let Some((url, admin, db)) = fresh_postgres_db(name) {
        v.push(Fresh {
            label: "postgres",
            location: Location::Postgres(url),
            dir: dir.join("postgres"),
            pg: Some((admin, db)),
        });
    }
    v
}

fn record(serial: &str, started: &str, outcome: Outcome, station: Option<&str>) -> TestRecord {
    TestRecord {
        serial: serial.into(),
        recipe: "L10 VR200 compute tray".into(),
        started_at: started.into(),
        finished_at: started.into(),
        outcome,
        reason: "why".into(),
        leak: (outcome != Outcome::Aborted).then_some(LeakResult {
            fill_kpa: 525.0,
            start_kpa: 520.0,
            end_kpa: 519.9,
            leak_sccm: 0.05,
            fit_samples: 3,
        }),
        flow: vec![],
        trace: vec![TracePoint {
            t_s: 0.0,
            phase: Phase::Precheck,
            test_pressure_kpa: Some(0.2),
            gas_temperature_c: None,
            flow_lpm: None,
            dp_kpa: None,
            pump_speed_pct: None,
        }],
        provenance: Provenance {
            station_id: station.map(str::to_string),
            operator: Some("op-7".into()),
            recipe_sha256: Some("ab".repeat(32)),
            map_sha256: Some("cd".repeat(32)),
            limits: Some(serde_json::json!({"max_leak_sccm": 0.5})),
            coldtray_version: Some("0.1.0".into()),
            host: Some("station-host".into()),
            duration_s: Some(67.25),
            dry_run: false,
            retest_reason: None,
        },
    }
}

fn at(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

#[test]
fn rows_round_trip_with_their_provenance_and_every_filter() {
    for b in backends("roundtrip") {
        let mut store = b.open();
        assert_eq!(
            store.schema_version().unwrap(),
            SCHEMA_VERSION,
            "{}",
            b.label
        );
        let first = record("SN1", "2026-11-26T12:00:00Z", Outcome::Pass, Some("S1"));
        let id1 = store.insert(&first).unwrap();
        store
            .insert(&record(
                "SN2",
                "2026-11-27T08:00:00Z",
                Outcome::Aborted,
                Some("S2"),
            ))
            .unwrap();
        let mut dry = record("XX9", "2026-11-27T09:00:00Z", Outcome::Fail, Some("S1"));
        dry.provenance.dry_run = true;
        store.insert(&dry).unwrap();
        drop(store);
        let store = b.open();
        let list = |f: Filter| -> Vec<String> {
            store
                .list(&f)
                .unwrap()
                .into_iter()
                .map(|r| r.serial)
                .collect()
        };
        // Dry runs are left out unless asked for.
        assert_eq!(list(Filter::default()), ["SN1", "SN2"], "{}", b.label);
        let all = Filter {
            include_dry_runs: true,
            ..Filter::default()
        };
        assert_eq!(list(all.clone()), ["SN1", "SN2", "XX9"], "{}", b.label);
        let rows = store.list(&all).unwrap();
        assert_eq!(rows.iter().map(|r| r.seq).collect::<Vec<_>>(), [1, 2, 3]);
        assert_eq!(rows[0].provenance, first.provenance, "{}", b.label);
        assert_eq!(rows[0].leak_sccm, Some(0.05));
        assert!(rows[2].provenance.dry_run);
        assert_eq!(rows[1].outcome, Outcome::Aborted);
        let f = |g: fn(&mut Filter)| {
            let mut f = all.clone();
            g(&mut f);
            f
        };
        assert_eq!(list(f(|f| f.station = Some("S1".into()))), ["SN1", "XX9"]);
        assert_eq!(
            list(f(|f| f.since = Some(at("2026-11-27T00:00:00Z")))),
            ["SN2", "XX9"]
        );
        assert_eq!(
            list(f(|f| f.until = Some(at("2026-11-27T00:00:00Z")))),
            ["SN1"]
        );
        assert_eq!(
            list(f(|f| {
                f.serial_prefix = Some("SN".into());
                f.outcome = Some(Outcome::Aborted);
            })),
            ["SN2"]
        );
        assert_eq!(list(f(|f| f.serial = Some("SN1".into()))), ["SN1"]);
        assert_eq!(
            list(f(|f| f.serial = Some("SN".into()))),
            Vec::<String>::new()
        );
        let back = store.record(id1).unwrap();
        assert_eq!(back, first, "{}", b.label);
    }
}

#[test]
fn a_replayed_insert_adds_nothing_and_fills_the_json_file() {
    for b in backends("replay") {
        let mut store = b.open();
        let r = record("SN1", "2026-11-26T12:00:00Z", Outcome::Fail, None);
        let first = store.insert_committed(&r, "SN1-x-1", None).unwrap();
        assert!(first.new, "{}", b.label);
        let file = b.dir.join("SN1.json");
        let again = store.insert_committed(&r, "SN1-x-1", Some(&file)).unwrap();
        assert_eq!((again.id, again.new), (first.id, false), "{}", b.label);
        let found = store.find("SN1-x-1").unwrap().unwrap();
        assert_eq!(found, (first.id, Some(file.to_string_lossy().into_owned())));
        assert_eq!(store.find("nope").unwrap(), None);
        assert_eq!(store.list(&Filter::default()).unwrap().len(), 1);
    }
}

/// Many stations inserting at once into one store: every record exactly once, `seq` the
/// gap-free insert order, yield by it.
#[test]
fn concurrent_inserts_get_a_gap_free_sequence() {
    const STATIONS: usize = 6;
    const EACH: usize = 5;
    for b in backends("concurrent") {
        drop(b.open());
        let barrier = Arc::new(Barrier::new(STATIONS));
        let b = Arc::new(b);
        let threads: Vec<_> = (0..STATIONS)
            .map(|s| {
                let (b, barrier) = (b.clone(), barrier.clone());
                std::thread::spawn(move || {
                    let mut store = b.open();
                    barrier.wait();
                    for i in 0..EACH {
                        let serial = format!("S{s}-{i}");
                        let r = record(
                            &serial,
                            "2026-11-26T12:00:00Z",
                            Outcome::Pass,
                            Some(&format!("ST{s}")),
                        );
                        store
                            .insert_committed(&r, &format!("{serial}-id"), None)
                            .unwrap();
                    }
                })
            })
            .collect();
        for t in threads {
            t.join().unwrap();
        }
        let rows = b.open().list(&Filter::default()).unwrap();
        let seqs: Vec<i64> = rows.iter().map(|r| r.seq).collect();
        let expect: Vec<i64> = (1..=(STATIONS * EACH) as i64).collect();
        assert_eq!(seqs, expect, "{}", b.label);
        let y = first_pass_yield(&rows, None);
        assert_eq!(
            (y.first_pass, y.serials),
            (STATIONS * EACH, STATIONS * EACH)
        );
    }
}

/// The journal commit and its replay work the same over both backends (the journal in its
/// own local directory).
#[test]
fn a_commit_through_the_journal_is_complete_on_both_backends() {
    for b in backends("commit") {
        let mut store = b.open();
        let out = b.dir.join("records");
        let plot = PlotParams {
            volume_ml: 850.0,
            test_pressure_kpa: 525.0,
            max_leak_sccm: Some(0.5),
            flow_bands: None,
        };
        let r = record("SN5", "2026-11-26T12:00:00Z", Outcome::Pass, Some("S1"));
        let c = journal::commit(&mut store, &out, &r, plot);
        assert!(c.is_complete(), "{}: {c:?}", b.label);
        assert!(matches!(c.journal, journal::JournalState::Cleared));
        assert_eq!(store.journal_dir(), b.dir.join("journal"));
        let rows = store.list(&Filter::default()).unwrap();
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].record_id.as_deref(), Some(c.record_id.as_str()));
    }
}

/// The schema of version 1, exactly as the code before provenance created it (a fixture: it
/// must not follow the code).
const SQLITE_SCHEMA_V1: &str = "
CREATE TABLE IF NOT EXISTS tests (
    id            INTEGER PRIMARY KEY,
    serial        TEXT    NOT NULL,
    recipe        TEXT    NOT NULL,
    started_at    TEXT    NOT NULL,
    started_unix  INTEGER NOT NULL,
    finished_at   TEXT    NOT NULL,
    outcome       TEXT    NOT NULL CHECK (outcome IN ('pass', 'fail', 'aborted')),
    reason        TEXT    NOT NULL,
    leak_sccm     REAL,
    record_json   TEXT    NOT NULL,
    trace_json    TEXT    NOT NULL,
    seq           INTEGER,
    record_id     TEXT,
    json_file     TEXT,
    clock_suspect INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS tests_serial_started ON tests (serial, started_unix);
CREATE INDEX IF NOT EXISTS tests_started ON tests (started_unix);
CREATE UNIQUE INDEX IF NOT EXISTS tests_seq ON tests (seq);
CREATE UNIQUE INDEX IF NOT EXISTS tests_record_id ON tests (record_id);
PRAGMA user_version = 1;
";

/// Rows as version-1 code wrote them: a record JSON without provenance (older code) and
/// one with it (today's record type, stored by the version-1 store).
fn v1_rows() -> Vec<(i64, String, String)> {
    let mut old =
        serde_json::to_value(record("OLD1", "2026-11-20T10:00:00Z", Outcome::Fail, None)).unwrap();
    old.as_object_mut().unwrap().remove("provenance");
    let mut new = record("NEW1", "2026-11-21T10:00:00Z", Outcome::Pass, Some("S7"));
    new.provenance.dry_run = true;
    vec![
        (1, "OLD1".into(), old.to_string()),
        (2, "NEW1".into(), serde_json::to_string(&new).unwrap()),
    ]
}

#[test]
fn a_sqlite_store_of_schema_1_is_migrated_in_place() {
    let dir = std::env::temp_dir().join(format!("ctrl-store-{}", unique("v1")));
    std::fs::create_dir_all(&dir).unwrap();
    let db = dir.join("results.sqlite");
    {
        let conn = rusqlite::Connection::open(&db).unwrap();
        conn.execute_batch("PRAGMA journal_mode = WAL;").unwrap();
        conn.execute_batch(SQLITE_SCHEMA_V1).unwrap();
        for (seq, serial, json) in v1_rows() {
            conn.execute(
                "INSERT INTO tests (serial, recipe, started_at, started_unix, finished_at,
                                    outcome, reason, leak_sccm, record_json, trace_json, seq,
                                    record_id)
                 VALUES (?1, 'r', '2026-11-20T10:00:00Z', 1763632800, '2026-11-20T10:01:00Z',
                         'pass', 'why', NULL, ?2, '[]', ?3, ?4)",
                rusqlite::params![serial, json, seq, format!("{serial}-id")],
            )
            .unwrap();
        }
    }
    let mut store = Store::open(&db).unwrap();
    assert_eq!(store.schema_version().unwrap(), SCHEMA_VERSION);
    check_migrated(&mut store);
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Both rows kept, in order; the provenance columns filled from the record JSON; new rows
/// continue the sequence.
fn check_migrated(store: &mut Store) {
    let all = Filter {
        include_dry_runs: true,
        ..Filter::default()
    };
    let rows = store.list(&all).unwrap();
    let seen: Vec<_> = rows
        .iter()
        .map(|r| {
            (
                r.seq,
                r.serial.as_str(),
                r.provenance.station_id.as_deref(),
                r.provenance.dry_run,
            )
        })
        .collect();
    assert_eq!(
        seen,
        [(1, "OLD1", None, false), (2, "NEW1", Some("S7"), true)]
    );
    assert_eq!(rows[1].provenance.duration_s, Some(67.25));
    assert_eq!(
        rows[1].provenance.limits,
        Some(serde_json::json!({"max_leak_sccm": 0.5}))
    );
    // The dry run is left out by default.
    assert_eq!(store.list(&Filter::default()).unwrap().len(), 1);
    store
        .insert(&record("SN3", "2026-11-26T12:00:00Z", Outcome::Pass, None))
        .unwrap();
    let seqs: Vec<i64> = store.list(&all).unwrap().iter().map(|r| r.seq).collect();
    assert_eq!(seqs, [1, 2, 3]);
}

/// PostgreSQL schema 1 (the SQLite version-1 shape in PostgreSQL types, version table at 1):
/// the same migration in place.
#[test]
fn a_postgres_store_of_schema_1_is_migrated_in_place() {
    let Some((url, admin, name)) = fresh_postgres_db("pgv1") else {
        return;
    };
    let guard = Fresh {
        label: "postgres",
        location: Location::Postgres(url.clone()),
        dir: std::env::temp_dir().join(format!("ctrl-store-{}", unique("pgv1"))),
        pg: Some((admin, name)),
    };
    {
        let mut c = postgres::Client::connect(&url, postgres::NoTls).unwrap();
        c.batch_execute(
            "CREATE TABLE schema_version (version BIGINT NOT NULL);
             INSERT INTO schema_version VALUES (1);
             CREATE TABLE tests (
                id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                serial TEXT NOT NULL, recipe TEXT NOT NULL, started_at TEXT NOT NULL,
                started_unix BIGINT NOT NULL, finished_at TEXT NOT NULL,
                outcome TEXT NOT NULL CHECK (outcome IN ('pass', 'fail', 'aborted')),
                reason TEXT NOT NULL, leak_sccm DOUBLE PRECISION, record_json TEXT NOT NULL,
                trace_json TEXT NOT NULL, seq BIGINT NOT NULL, record_id TEXT, json_file TEXT,
                clock_suspect BOOLEAN NOT NULL DEFAULT FALSE);",
        )
        .unwrap();
        for (seq, serial, json) in v1_rows() {
            c.execute(
                "INSERT INTO tests (serial, recipe, started_at, started_unix, finished_at,
                                    outcome, reason, record_json, trace_json, seq, record_id)
                 VALUES ($1, 'r', '2026-11-20T10:00:00Z', 1763632800, '2026-11-20T10:01:00Z',
                         'pass', 'why', $2, '[]', $3, $4)",
                &[&serial, &json, &seq, &format!("{serial}-id")],
            )
            .unwrap();
        }
    }
    let mut store = guard.open();
    assert_eq!(store.schema_version().unwrap(), SCHEMA_VERSION);
    check_migrated(&mut store);
}

/// A PostgreSQL server that does not answer: opening fails with one sentence naming the URL
/// (without its password) and counts as "store unavailable" (a record would stay queued).
#[test]
fn an_unreachable_postgres_server_is_a_clear_unavailable_error() {
    // Port 9 (discard) on loopback: nothing listens.
    let e = match Store::open("postgres://line:s3cret@127.0.0.1:9/l10") {
        Ok(_) => panic!("a store on a closed port opened"),
        Err(e) => e,
    };
    let text = e.to_string();
    assert!(
        text.contains("postgres://line:***@127.0.0.1:9/l10"),
        "{text}"
    );
    assert!(!text.contains("s3cret"), "{text}");
    assert!(e.is_busy(), "{e:?}");
}

/// A long-running process keeps its store open: a record queued while the store was locked
/// goes in at the next `replay_journal`, without a restart.
#[test]
fn a_kept_open_store_replays_its_journal_on_request() {
    let dir = std::env::temp_dir().join(format!("ctrl-store-{}", unique("kept")));
    std::fs::create_dir_all(&dir).unwrap();
    let db = dir.join("results.sqlite");
    let options = StoreOptions {
        busy_timeout: std::time::Duration::from_millis(200),
        ..StoreOptions::default()
    };
    let mut store = Store::open_with(&db, &options).unwrap();
    let holder = rusqlite::Connection::open(&db).unwrap();
    holder.execute_batch("BEGIN EXCLUSIVE").unwrap();
    let plot = PlotParams {
        volume_ml: 850.0,
        test_pressure_kpa: 525.0,
        max_leak_sccm: Some(0.5),
        flow_bands: None,
    };
    let r = record("SN9", "2026-11-26T12:00:00Z", Outcome::Pass, Some("S1"));
    let c = journal::commit(&mut store, &dir.join("records"), &r, plot);
    assert!(c.queued().is_some(), "{c:?}");
    holder.execute_batch("COMMIT").unwrap();
    drop(holder);
    let report = store.replay_journal();
    assert_eq!(report.completed.len(), 1, "{report:?}");
    assert_eq!(store.list(&Filter::default()).unwrap().len(), 1);
    assert_eq!(store.replay_journal().completed.len(), 0);
    std::fs::remove_dir_all(&dir).unwrap();
}
