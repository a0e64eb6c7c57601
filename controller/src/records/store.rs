//! The result store: one SQLite database (WAL mode) with one row per test, holding the whole
//! record and its trace as JSON. Every insert is one transaction, committed before the command
//! returns, so a crash leaves either the whole row or none; every row carries the record id of
//! its commit (unique), so replaying a queued record from the journal never duplicates it.
//!
//! Opening is safe when many processes open a new database at once: the busy timeout is set
//! before any statement, WAL is switched on only when not on already, and the schema is
//! created (or an older database migrated in place) in one `IMMEDIATE` transaction, retried
//! while another opener holds the lock. Opening then replays the record journal next to the
//! database ([`crate::records::journal`]).
//!
//! First-pass yield ([`first_pass_yield`]): the share of serials whose first *verdict* (first
//! `pass` or `fail` test, in the store's insert order `seq`) was a pass. The order is the
//! store's own monotonic sequence, never a station's wall clock (a station whose clock is
//! 10 minutes slow cannot reorder tests). Aborted tests are not verdicts on the tray (the rig
//! was stopped: e-stop, link loss, a sensor fault) and are skipped; serials with only aborted
//! tests are reported separately.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use rusqlite::{params, Connection, ErrorCode, OptionalExtension, TransactionBehavior};

use crate::l10::result::{Outcome, TestRecord};
use crate::records::journal::{self, ReplayReport};
use crate::records::record::RecordError;

/// The schema version this code writes (`PRAGMA user_version`). Version 0 is the first
/// schema (no `seq`, `record_id`, `json_file`, `clock_suspect`), migrated in place on open.
pub const SCHEMA_VERSION: i64 = 1;

/// How long a statement waits for another connection's lock before it fails, unless told
/// otherwise ([`StoreOptions::busy_timeout`]).
pub const DEFAULT_BUSY_TIMEOUT: Duration = Duration::from_secs(10);

/// The table as this version creates it. An older table is brought to this shape by
/// [`migrate`] (columns added; no row lost).
const CREATE_TABLE: &str = "
CREATE TABLE IF NOT EXISTS tests (
    id            INTEGER PRIMARY KEY,
    serial        TEXT    NOT NULL,
    recipe        TEXT    NOT NULL,
    started_at    TEXT    NOT NULL,   -- RFC 3339 UTC
    started_unix  INTEGER NOT NULL,   -- seconds since 1970, for filtering by date
    finished_at   TEXT    NOT NULL,
    outcome       TEXT    NOT NULL CHECK (outcome IN ('pass', 'fail', 'aborted')),
    reason        TEXT    NOT NULL,
    leak_sccm     REAL,
    record_json   TEXT    NOT NULL,   -- the whole record, as written to the JSON file
    trace_json    TEXT    NOT NULL,   -- the trace alone
    seq           INTEGER,            -- the store's insert order: 1, 2, 3…
    record_id     TEXT,               -- the commit's record id (NULL on rows before v1)
    json_file     TEXT,               -- the JSON record file's path
    clock_suspect INTEGER NOT NULL DEFAULT 0  -- 1: finished_at precedes started_at
);
";

/// Columns added by schema version 1, with their declarations (for `ALTER TABLE … ADD`).
const V1_COLUMNS: [(&str, &str); 4] = [
    ("seq", "INTEGER"),
    ("record_id", "TEXT"),
    ("json_file", "TEXT"),
    ("clock_suspect", "INTEGER NOT NULL DEFAULT 0"),
];

/// Indexes of version 1 (created after the columns exist).
const INDEXES: &str = "
CREATE INDEX IF NOT EXISTS tests_serial_started ON tests (serial, started_unix);
CREATE INDEX IF NOT EXISTS tests_started ON tests (started_unix);
CREATE UNIQUE INDEX IF NOT EXISTS tests_seq ON tests (seq);
CREATE UNIQUE INDEX IF NOT EXISTS tests_record_id ON tests (record_id);
";

/// How the store is opened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StoreOptions {
    /// How long one statement waits for another program's lock on the database before it
    /// fails as busy (the record then stays queued in the journal). Default 10 s.
    pub busy_timeout: Duration,
}

impl Default for StoreOptions {
    fn default() -> Self {
        StoreOptions {
            busy_timeout: DEFAULT_BUSY_TIMEOUT,
        }
    }
}

/// One row of the store, without the trace.
#[derive(Debug, Clone, PartialEq)]
pub struct TestSummary {
    /// Row id.
    pub id: i64,
    /// The store's insert order (1, 2, 3…): yield and listings are ordered by it.
    pub seq: i64,
    /// The commit's record id (`None` for rows written before schema version 1).
    pub record_id: Option<String>,
    /// Serial number of the tray.
    pub serial: String,
    /// Name of the recipe.
    pub recipe: String,
    /// Start time, RFC 3339 UTC.
    pub started_at: String,
    /// Start time, seconds since 1970.
    pub started_unix: i64,
    /// End time, RFC 3339 UTC.
    pub finished_at: String,
    /// The verdict.
    pub outcome: Outcome,
    /// The record's reason sentence.
    pub reason: String,
    /// Leak rate, sccm, when measured.
    pub leak_sccm: Option<f64>,
    /// The station's wall clock is suspect: the record finished before it started (or its
    /// finish time is not a time).
    pub clock_suspect: bool,
}

/// Which rows to list.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    /// Only tests of this serial number.
    pub serial: Option<String>,
    /// Only tests started at or after this instant.
    pub since: Option<DateTime<Utc>>,
    /// Only tests started before this instant.
    pub until: Option<DateTime<Utc>>,
    /// Only tests whose serial number starts with this text (`serial` is exact).
    pub serial_prefix: Option<String>,
    /// Only tests with this outcome.
    pub outcome: Option<Outcome>,
}

/// What [`Store::insert_committed`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Inserted {
    /// The row's id.
    pub id: i64,
    /// `false`: a row with this record id was already there (a replay), nothing was added.
    pub new: bool,
}

/// An open result store.
pub struct Store {
    path: PathBuf,
    conn: Connection,
    replayed: ReplayReport,
}

/// Is this SQLite error "another connection holds the lock" (after the busy timeout)?
pub fn is_busy(e: &rusqlite::Error) -> bool {
    matches!(
        e.sqlite_error_code(),
        Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked)
    )
}

/// Runs `f` again while it fails busy, until `deadline`. Some statements (switching the
/// journal mode, the first read of a file another connection is initialising) report busy
/// without waiting on the busy handler; this makes them wait like any other statement.
fn retry_busy<T>(
    deadline: Instant,
    mut f: impl FnMut() -> rusqlite::Result<T>,
) -> rusqlite::Result<T> {
    let mut attempt: u64 = 0;
    loop {
        match f() {
            Err(e) if is_busy(&e) && Instant::now() < deadline => {
                attempt += 1;
                // 1–8 ms, varying by attempt so racing openers spread out.
                std::thread::sleep(Duration::from_millis(1 + (attempt * 7) % 8));
            }
            r => return r,
        }
    }
}

/// Creates the table, or brings an older one to [`SCHEMA_VERSION`] without losing rows, in
/// one `IMMEDIATE` transaction (so concurrent first opens run it one after another, and the
/// later ones find it done).
fn migrate(conn: &mut Connection) -> rusqlite::Result<()> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let version: i64 = tx.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    if version >= SCHEMA_VERSION {
        return tx.commit();
    }
    tx.execute_batch(CREATE_TABLE)?;
    let columns: Vec<String> = {
        let mut stmt = tx.prepare("SELECT name FROM pragma_table_info('tests')")?;
        let names = stmt.query_map([], |r| r.get(0))?;
        names.collect::<Result<_, _>>()?
    };
    for (name, decl) in V1_COLUMNS {
        if !columns.iter().any(|c| c == name) {
            tx.execute_batch(&format!("ALTER TABLE tests ADD COLUMN {name} {decl}"))?;
        }
    }
    // Rows of a version-0 store: their insert order is their row id (rows are never deleted);
    // their clock flag is computed as an insert computes it.
    tx.execute_batch(
        "UPDATE tests SET seq = id WHERE seq IS NULL;
         UPDATE tests SET clock_suspect = 1
          WHERE julianday(finished_at) IS NULL
             OR julianday(finished_at) < julianday(started_at);",
    )?;
    tx.execute_batch(INDEXES)?;
    tx.execute_batch(&format!("PRAGMA user_version = {SCHEMA_VERSION}"))?;
    tx.commit()
}

/// `true` when the record's finish time precedes its start time on the wall clock, or is not
/// a time at all: the station's clock jumped (or was set) during the test.
pub fn clock_suspect(record: &TestRecord) -> bool {
    let start = DateTime::parse_from_rfc3339(&record.started_at);
    let finish = DateTime::parse_from_rfc3339(&record.finished_at);
    match (start, finish) {
        (Ok(s), Ok(f)) => f < s,
        (Ok(_), Err(_)) => true,
        // A record without a valid start time is refused by the insert anyway.
        (Err(_), _) => false,
    }
}

impl Store {
    /// Opens (creating if needed) the database with the default options; see
    /// [`Store::open_with`].
    pub fn open(path: &Path) -> Result<Store, RecordError> {
        Store::open_with(path, &StoreOptions::default())
    }

    /// Opens (creating if needed) the database: busy timeout first, WAL, the schema created or
    /// migrated; then replays the record journal next to it (see [`Store::replayed`]).
    pub fn open_with(path: &Path, options: &StoreOptions) -> Result<Store, RecordError> {
        let mut store = Store::open_only(path, options)?;
        store.replayed = journal::replay(&mut store);
        Ok(store)
    }

    /// Opens and migrates without replaying the journal.
    pub(crate) fn open_only(path: &Path, options: &StoreOptions) -> Result<Store, RecordError> {
        let err = |source| RecordError::Sqlite {
            path: path.to_path_buf(),
            source,
        };
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|source| RecordError::Io {
                path: dir.to_path_buf(),
                action: "cannot create the directory",
                source,
            })?;
        }
        let mut conn = Connection::open(path).map_err(err)?;
        // Before any other statement: every later one waits this long for a lock.
        conn.busy_timeout(options.busy_timeout).map_err(err)?;
        let deadline = Instant::now() + options.busy_timeout;
        let mut mode: String = retry_busy(deadline, || {
            conn.query_row("PRAGMA journal_mode", [], |r| r.get(0))
        })
        .map_err(err)?;
        if !mode.eq_ignore_ascii_case("wal") {
            mode = retry_busy(deadline, || {
                conn.query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))
            })
            .map_err(err)?;
        }
        if !mode.eq_ignore_ascii_case("wal") {
            tracing::warn!("{}: journal mode is {mode}, not WAL", path.display());
        }
        // FULL: a committed test survives a power cut, not only a process crash.
        conn.execute_batch("PRAGMA synchronous = FULL;")
            .map_err(err)?;
        let version: i64 = retry_busy(deadline, || {
            conn.query_row("PRAGMA user_version", [], |r| r.get(0))
        })
        .map_err(err)?;
        if version < SCHEMA_VERSION {
            retry_busy(deadline, || migrate(&mut conn)).map_err(err)?;
        }
        Ok(Store {
            path: path.to_path_buf(),
            conn,
            replayed: ReplayReport::default(),
        })
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// What opening the store found in the record journal and did with it.
    pub fn replayed(&self) -> &ReplayReport {
        &self.replayed
    }

    /// Changes how long statements wait for another program's lock from now on.
    pub fn set_busy_timeout(&mut self, timeout: Duration) -> Result<(), RecordError> {
        self.conn.busy_timeout(timeout).map_err(|e| self.err(e))
    }

    fn err(&self, source: rusqlite::Error) -> RecordError {
        RecordError::Sqlite {
            path: self.path.clone(),
            source,
        }
    }

    /// Inserts one record in one transaction under a fresh record id; returns its row id.
    pub fn insert(&mut self, record: &TestRecord) -> Result<i64, RecordError> {
        let id = journal::new_record_id(record);
        Ok(self.insert_committed(record, &id, None)?.id)
    }

    /// Inserts one record under `record_id` in one `IMMEDIATE` transaction, unless a row with
    /// that id exists (a replay): then nothing is added (only a missing `json_file` is
    /// filled in). The row gets the next `seq` of this store.
    pub fn insert_committed(
        &mut self,
        record: &TestRecord,
        record_id: &str,
        json_file: Option<&Path>,
    ) -> Result<Inserted, RecordError> {
        let record_json = serde_json::to_string(record)?;
        let trace_json = serde_json::to_string(&record.trace)?;
        // Rows are filtered by date with this number: a record without a valid start time
        // is refused rather than stored as 1970.
        let started_unix = DateTime::parse_from_rfc3339(&record.started_at)
            .map_err(|source| RecordError::StartedAt {
                value: record.started_at.clone(),
                source,
            })?
            .timestamp();
        let leak = record.leak.as_ref().map(|l| l.leak_sccm);
        let json_file = json_file.map(|p| p.to_string_lossy().into_owned());
        let suspect = clock_suspect(record);
        let path = self.path.clone();
        let err = |source| RecordError::Sqlite {
            path: path.clone(),
            source,
        };
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(err)?;
        let existing: Option<i64> = tx
            .query_row(
                "SELECT id FROM tests WHERE record_id = ?1",
                [record_id],
                |r| r.get(0),
            )
            .optional()
            .map_err(err)?;
        if let Some(id) = existing {
            if json_file.is_some() {
                tx.execute(
                    "UPDATE tests SET json_file = ?1 WHERE id = ?2 AND json_file IS NULL",
                    params![json_file, id],
                )
                .map_err(err)?;
            }
            tx.commit().map_err(err)?;
            return Ok(Inserted { id, new: false });
        }
        tx.execute(
            "INSERT INTO tests (serial, recipe, started_at, started_unix, finished_at, outcome,
                                reason, leak_sccm, record_json, trace_json,
                                seq, record_id, json_file, clock_suspect)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10,
                     (SELECT COALESCE(MAX(seq), 0) + 1 FROM tests), ?11, ?12, ?13)",
            params![
                record.serial,
                record.recipe,
                record.started_at,
                started_unix,
                record.finished_at,
                record.outcome.as_str(),
                record.reason,
                leak,
                record_json,
                trace_json,
                record_id,
                json_file,
                suspect
            ],
        )
        .map_err(err)?;
        let id = tx.last_insert_rowid();
        tx.commit().map_err(err)?;
        Ok(Inserted { id, new: true })
    }

    /// Rows matching the filter, in the store's insert order (`seq`).
    pub fn list(&self, filter: &Filter) -> Result<Vec<TestSummary>, RecordError> {
        let since = filter.since.map(|t| t.timestamp()).unwrap_or(i64::MIN);
        let until = filter.until.map(|t| t.timestamp()).unwrap_or(i64::MAX);
        let outcome = filter.outcome.map(|o| o.as_str());
        let mut stmt = self
            .conn
            .prepare(
                "SELECT id, seq, record_id, serial, recipe, started_at, started_unix,
                        finished_at, outcome, reason, leak_sccm, clock_suspect
                 FROM tests
                 WHERE (?1 IS NULL OR serial = ?1) AND started_unix >= ?2
                   AND started_unix < ?3
                   AND (?4 IS NULL OR substr(serial, 1, length(?4)) = ?4)
                   AND (?5 IS NULL OR outcome = ?5)
                 ORDER BY seq, id",
            )
            .map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map(
                params![filter.serial, since, until, filter.serial_prefix, outcome],
                |r| {
                    let outcome: String = r.get(8)?;
                    Ok(TestSummary {
                        id: r.get(0)?,
                        seq: r.get(1)?,
                        record_id: r.get(2)?,
                        serial: r.get(3)?,
                        recipe: r.get(4)?,
                        started_at: r.get(5)?,
                        started_unix: r.get(6)?,
                        finished_at: r.get(7)?,
                        // The schema's CHECK constraint admits only the three names.
                        outcome: Outcome::from_name(&outcome).ok_or_else(|| {
                            rusqlite::Error::FromSqlConversionFailure(
                                8,
                                rusqlite::types::Type::Text,
                                format!("outcome {outcome:?} is not pass, fail or aborted").into(),
                            )
                        })?,
                        reason: r.get(9)?,
                        leak_sccm: r.get(10)?,
                        clock_suspect: r.get(11)?,
                    })
                },
            )
            .map_err(|e| self.err(e))?;
        rows.collect::<Result<Vec<_>, _>>().map_err(|e| self.err(e))
    }

    /// The full record of row `id`.
    pub fn record(&self, id: i64) -> Result<TestRecord, RecordError> {
        let json: String = self
            .conn
            .query_row("SELECT record_json FROM tests WHERE id = ?1", [id], |r| {
                r.get(0)
            })
            .map_err(|e| self.err(e))?;
        Ok(serde_json::from_str(&json)?)
    }

    /// The row id and JSON file of the row with `record_id`, if there is one.
    pub fn find(&self, record_id: &str) -> Result<Option<(i64, Option<String>)>, RecordError> {
        self.conn
            .query_row(
                "SELECT id, json_file FROM tests WHERE record_id = ?1",
                [record_id],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()
            .map_err(|e| self.err(e))
    }
}

/// First-pass yield over a set of tests.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Yield {
    /// Serials with at least one pass/fail verdict.
    pub serials: usize,
    /// Of those, serials whose first verdict was a pass.
    pub first_pass: usize,
    /// Serials with only aborted tests (not counted in `serials`).
    pub only_aborted: usize,
}

impl Yield {
    /// `first_pass / serials`, or `None` when no serial has a verdict.
    pub fn fraction(&self) -> Option<f64> {
        (self.serials > 0).then(|| self.first_pass as f64 / self.serials as f64)
    }
}

/// First-pass yield of `tests` (any order; ordered here by the store's sequence `seq`, never
/// by a station's wall clock). With `since` (seconds since 1970), only serials whose first
/// verdict started at or after `since` count, so a retest inside the window of a tray first
/// tested before it is not mistaken for a first pass.
pub fn first_pass_yield(tests: &[TestSummary], since: Option<i64>) -> Yield {
    let mut sorted: Vec<&TestSummary> = tests.iter().collect();
    sorted.sort_by_key(|t| (t.seq, t.id));
    // serial → first verdict (time, passed), or None while only aborted tests were seen.
    let mut first: BTreeMap<&str, Option<(i64, bool)>> = BTreeMap::new();
    for t in sorted {
        let entry = first.entry(t.serial.as_str()).or_insert(None);
        if entry.is_none() && t.outcome != Outcome::Aborted {
            *entry = Some((t.started_unix, t.outcome == Outcome::Pass));
        }
    }
    let since = since.unwrap_or(i64::MIN);
    let mut y = Yield {
        serials: 0,
        first_pass: 0,
        only_aborted: 0,
    };
    for verdict in first.values() {
        match verdict {
            None => y.only_aborted += 1,
            Some((t, passed)) if *t >= since => {
                y.serials += 1;
                y.first_pass += usize::from(*passed);
            }
            Some(_) => {}
        }
    }
    y
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::l10::result::{LeakResult, Phase, TracePoint};

    fn summary(id: i64, serial: &str, t: i64, outcome: Outcome) -> TestSummary {
        TestSummary {
            id,
            seq: id,
            record_id: None,
            serial: serial.into(),
            recipe: "r".into(),
            started_at: String::new(),
            started_unix: t,
            finished_at: String::new(),
            outcome,
            reason: String::new(),
            leak_sccm: None,
            clock_suspect: false,
        }
    }

    #[test]
    fn yield_follows_the_store_sequence_not_the_wall_clock() {
        use Outcome::*;
        // Station 2's clock is 10 minutes slow: its retest (pass, seq 2) carries an earlier
        // start time than station 1's first test (fail, seq 1). The store's order decides.
        let tests = vec![
            summary(1, "A", 1_000, Fail),
            summary(2, "A", 1_000 - 600 + 60, Pass),
        ];
        let y = first_pass_yield(&tests, None);
        assert_eq!((y.first_pass, y.serials), (0, 1));
    }

    #[test]
    fn yield_counts_first_verdict_per_serial() {
        use Outcome::*;
        // A: pass first → counts. B: fail then pass → not first pass. C: aborted, then pass →
        // first verdict is the pass. D: only aborted. E: given out of order: fail at t=5
        // (id 7, seq 7) precedes pass at t=9 (id 8, seq 8).
        let tests = vec![
            summary(1, "A", 1, Pass),
            summary(2, "B", 2, Fail),
            summary(3, "B", 3, Pass),
            summary(4, "C", 4, Aborted),
            summary(5, "C", 6, Pass),
            summary(6, "D", 7, Aborted),
            summary(8, "E", 9, Pass),
            summary(7, "E", 5, Fail),
        ];
        let y = first_pass_yield(&tests, None);
        assert_eq!(
            y,
            Yield {
                serials: 4,
                first_pass: 2,
                only_aborted: 1
            }
        );
        assert_eq!(y.fraction(), Some(0.5));
        // Since t=3: B's first verdict (t=2) is before the window: B is left out; A too.
        let y = first_pass_yield(&tests, Some(3));
        assert_eq!((y.serials, y.first_pass), (2, 1)); // C (pass at 6), E (fail at 5)
        assert_eq!(first_pass_yield(&[], None).fraction(), None);
    }

    #[test]
    fn insert_and_list_round_trip() {
        let dir = std::env::temp_dir().join(format!("ctrl-store-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let db = dir.join("results.sqlite");
        let mut store = Store::open(&db).unwrap();
        let mut rec = TestRecord {
            serial: "SN1".into(),
            recipe: "r".into(),
            started_at: "2026-11-26T12:00:00Z".into(),
            finished_at: "2026-11-26T12:01:00Z".into(),
            outcome: Outcome::Pass,
            reason: "ok".into(),
            leak: Some(LeakResult {
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
            provenance: Default::default(),
        };
        let id1 = store.insert(&rec).unwrap();
        rec.serial = "SN2".into();
        rec.outcome = Outcome::Aborted;
        rec.started_at = "2026-11-27T08:00:00Z".into();
        rec.leak = None;
        store.insert(&rec).unwrap();
        let mode: String = store
            .conn
            .query_row("PRAGMA journal_mode", [], |r| r.get(0))
            .unwrap();
        assert_eq!(mode, "wal");
        drop(store);
        let store = Store::open(&db).unwrap();
        let all = store.list(&Filter::default()).unwrap();
        assert_eq!(all.len(), 2);
        assert_eq!(all[0].leak_sccm, Some(0.05));
        assert_eq!(all[1].outcome, Outcome::Aborted);
        let since = DateTime::parse_from_rfc3339("2026-11-27T00:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        let late = store
            .list(&Filter {
                since: Some(since),
                ..Filter::default()
            })
            .unwrap();
        assert_eq!(late.len(), 1);
        let early = store
            .list(&Filter {
                until: Some(since),
                ..Filter::default()
            })
            .unwrap();
        assert_eq!(early.len(), 1);
        assert_eq!(early[0].serial, "SN1");
        let aborted = store
            .list(&Filter {
                serial_prefix: Some("SN".into()),
                outcome: Some(Outcome::Aborted),
                ..Filter::default()
            })
            .unwrap();
        assert_eq!(aborted.len(), 1);
        assert_eq!(aborted[0].serial, "SN2");
        let sn1 = store
            .list(&Filter {
                serial: Some("SN1".into()),
                ..Filter::default()
            })
            .unwrap();
        assert_eq!(sn1.len(), 1);
        assert_eq!(store.record(id1).unwrap().trace.len(), 1);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
