//! The SQLite backend: one database file in WAL mode, the embedded store of one station.
//! Every insert is one `IMMEDIATE` transaction, committed before the call returns, so a crash
//! leaves either the whole row or none.
//!
//! Opening is safe when many processes open a new database at once: the busy timeout is set
//! before any statement, WAL is switched on only when not on already, and the schema is
//! created (or an older database migrated in place) in one `IMMEDIATE` transaction, retried
//! while another opener holds the lock. The schema version is `PRAGMA user_version`.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use rusqlite::{params, Connection, ErrorCode, OptionalExtension, TransactionBehavior};

use super::schema::{self, SCHEMA_VERSION, SUMMARY_COLUMNS, V2_COLUMNS};
use super::{provenance_of, Filter, Inserted, RowValues, StoreOptions, TestSummary};
use crate::l10::result::Outcome;
use crate::records::record::RecordError;

/// The table as schema version 1 created it. An older table is brought to the current shape
/// by [`migrate`] (columns added; no row lost).
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
    let missing = |name: &str| !columns.iter().any(|c| c == name);
    for (name, decl) in V1_COLUMNS {
        if missing(name) {
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
    // Version 2: the provenance columns, filled from each row's record JSON (empty for
    // records written before the record had a provenance).
    for c in V2_COLUMNS {
        if missing(c.name) {
            tx.execute_batch(&format!(
                "ALTER TABLE tests ADD COLUMN {} {}",
                c.name, c.sqlite
            ))?;
            let value = format!("json_extract(record_json, '{}')", c.json_path);
            let value = if c.name == "dry_run" {
                format!("COALESCE({value}, 0)")
            } else {
                value
            };
            tx.execute_batch(&format!(
                "UPDATE tests SET {} = {value} WHERE json_valid(record_json)",
                c.name
            ))?;
        }
    }
    tx.execute_batch(schema::INDEXES)?;
    tx.execute_batch(&format!("PRAGMA user_version = {SCHEMA_VERSION}"))?;
    tx.commit()
}

/// An open SQLite store.
pub(crate) struct SqliteStore {
    path: PathBuf,
    conn: Connection,
}

impl SqliteStore {
    /// Opens (creating if needed) the database: busy timeout first, WAL, the schema created or
    /// migrated.
    pub(crate) fn open(path: &Path, options: &StoreOptions) -> Result<SqliteStore, RecordError> {
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
        Ok(SqliteStore {
            path: path.to_path_buf(),
            conn,
        })
    }

    fn err(&self, source: rusqlite::Error) -> RecordError {
        RecordError::Sqlite {
            path: self.path.clone(),
            source,
        }
    }

    pub(crate) fn schema_version(&self) -> Result<i64, RecordError> {
        self.conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .map_err(|e| self.err(e))
    }

    pub(crate) fn set_busy_timeout(&mut self, timeout: Duration) -> Result<(), RecordError> {
        self.conn.busy_timeout(timeout).map_err(|e| self.err(e))
    }

    /// One `IMMEDIATE` transaction: the row unless its record id is there already.
    pub(crate) fn insert(&mut self, v: RowValues) -> Result<Inserted, RecordError> {
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
                [&v.record_id],
                |r| r.get(0),
            )
            .optional()
            .map_err(err)?;
        if let Some(id) = existing {
            if v.json_file.is_some() {
                tx.execute(
                    "UPDATE tests SET json_file = ?1 WHERE id = ?2 AND json_file IS NULL",
                    params![v.json_file, id],
                )
                .map_err(err)?;
            }
            tx.commit().map_err(err)?;
            return Ok(Inserted { id, new: false });
        }
        tx.execute(
            &format!(
                "INSERT INTO tests ({}, seq)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16,
                         ?17, ?18, ?19, ?20, ?21, ?22,
                         (SELECT COALESCE(MAX(seq), 0) + 1 FROM tests))",
                super::schema::INSERT_COLUMNS
            ),
            params![
                v.serial,
                v.recipe,
                v.started_at,
                v.started_unix,
                v.finished_at,
                v.outcome,
                v.reason,
                v.leak_sccm,
                v.record_json,
                v.trace_json,
                v.record_id,
                v.json_file,
                v.clock_suspect,
                v.station_id,
                v.operator,
                v.recipe_sha256,
                v.map_sha256,
                v.limits_json,
                v.coldtray_version,
                v.host,
                v.duration_s,
                v.dry_run,
            ],
        )
        .map_err(err)?;
        let id = tx.last_insert_rowid();
        tx.commit().map_err(err)?;
        Ok(Inserted { id, new: true })
    }

    pub(crate) fn list(&self, filter: &Filter) -> Result<Vec<TestSummary>, RecordError> {
        let since = filter.since.map(|t| t.timestamp()).unwrap_or(i64::MIN);
        let until = filter.until.map(|t| t.timestamp()).unwrap_or(i64::MAX);
        let outcome = filter.outcome.map(|o| o.as_str());
        let mut stmt = self
            .conn
            .prepare(&format!(
                "SELECT {SUMMARY_COLUMNS}
                 FROM tests
                 WHERE (?1 IS NULL OR serial = ?1) AND started_unix >= ?2
                   AND started_unix < ?3
                   AND (?4 IS NULL OR substr(serial, 1, length(?4)) = ?4)
                   AND (?5 IS NULL OR outcome = ?5)
                   AND (?6 IS NULL OR station_id = ?6)
                   AND (?7 OR dry_run = 0)
                 ORDER BY seq, id"
            ))
            .map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map(
                params![
                    filter.serial,
                    since,
                    until,
                    filter.serial_prefix,
                    outcome,
                    filter.station,
                    filter.include_dry_runs
                ],
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
                        provenance: provenance_of(
                            r.get(12)?,
                            r.get(13)?,
                            r.get(14)?,
                            r.get(15)?,
                            r.get(16)?,
                            r.get(17)?,
                            r.get(18)?,
                            r.get(19)?,
                            r.get(20)?,
                        ),
                    })
                },
            )
            .map_err(|e| self.err(e))?;
        rows.collect::<Result<Vec<_>, _>>().map_err(|e| self.err(e))
    }

    pub(crate) fn record_json(&self, id: i64) -> Result<String, RecordError> {
        self.conn
            .query_row("SELECT record_json FROM tests WHERE id = ?1", [id], |r| {
                r.get(0)
            })
            .map_err(|e| self.err(e))
    }

    pub(crate) fn find(
        &self,
        record_id: &str,
    ) -> Result<Option<(i64, Option<String>)>, RecordError> {
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
