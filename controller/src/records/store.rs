//! The result store: one SQLite database (WAL mode) with one row per test, holding the whole
//! record and its trace as JSON. Every insert is one transaction, committed before the command
//! returns, so a crash leaves either the whole row or none.
//!
//! First-pass yield ([`first_pass_yield`]): the share of serials whose first *verdict* (first
//! `pass` or `fail` test, in start-time order) was a pass. Aborted tests are not verdicts on the
//! tray (the rig was stopped: e-stop, link loss, a sensor fault) and are skipped; serials with
//! only aborted tests are reported separately.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use chrono::{DateTime, Utc};
use rusqlite::{params, Connection};

use crate::l10::result::{Outcome, TestRecord};
use crate::records::record::RecordError;

const SCHEMA: &str = "
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

/// One row of the store, without the trace.
#[derive(Debug, Clone, PartialEq)]
pub struct TestSummary {
    /// Row id.
    pub id: i64,
    /// Serial number of the tray.
    pub serial: String,
    /// Name of the recipe.
    pub recipe: String,
    /// Start time, RFC 3339 UTC.
    pub started_at: String,
    /// Start time, seconds since 1970.
    pub started_unix: i64,
    /// The verdict.
    pub outcome: Outcome,
    /// The record's reason sentence.
    pub reason: String,
    /// Leak rate, sccm, when measured.
    pub leak_sccm: Option<f64>,
}

/// Which rows to list.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    /// Only tests of this serial number.
    pub serial: Option<String>,
    /// Only tests started at or after this instant.
    pub since: Option<DateTime<Utc>>,
}

/// An open result store.
pub struct Store {
    path: PathBuf,
    conn: Connection,
}

impl Store {
    /// Opens (creating if needed) the database, switches it to WAL, creates the schema.
    pub fn open(path: &Path) -> Result<Store, RecordError> {
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
        let conn = Connection::open(path).map_err(err)?;
        conn.busy_timeout(Duration::from_secs(10)).map_err(err)?;
        let mode: String = conn
            .query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))
            .map_err(err)?;
        if !mode.eq_ignore_ascii_case("wal") {
            tracing::warn!("{}: journal mode is {mode}, not WAL", path.display());
        }
        // FULL: a committed test survives a power cut, not only a process crash.
        conn.execute_batch("PRAGMA synchronous = FULL;")
            .map_err(err)?;
        conn.execute_batch(SCHEMA).map_err(err)?;
        Ok(Store {
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

    /// Inserts one record in one transaction; returns its row id.
    pub fn insert(&mut self, record: &TestRecord) -> Result<i64, RecordError> {
        let record_json = serde_json::to_string(record)?;
        let trace_json = serde_json::to_string(&record.trace)?;
        // Rows are ordered and filtered by this number: a record without a valid start time
        // is refused rather than stored as 1970.
        let started_unix = DateTime::parse_from_rfc3339(&record.started_at)
            .map_err(|source| RecordError::StartedAt {
                value: record.started_at.clone(),
                source,
            })?
            .timestamp();
        let leak = record.leak.as_ref().map(|l| l.leak_sccm);
        let path = self.path.clone();
        let err = |source| RecordError::Sqlite {
            path: path.clone(),
            source,
        };
        let tx = self.conn.transaction().map_err(err)?;
        tx.execute(
            "INSERT INTO tests (serial, recipe, started_at, started_unix, finished_at, outcome,
                                reason, leak_sccm, record_json, trace_json)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
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
                trace_json
            ],
        )
        .map_err(err)?;
        let id = tx.last_insert_rowid();
        tx.commit().map_err(err)?;
        Ok(id)
    }

    /// Rows matching the filter, oldest first.
    pub fn list(&self, filter: &Filter) -> Result<Vec<TestSummary>, RecordError> {
        let since = filter.since.map(|t| t.timestamp()).unwrap_or(i64::MIN);
        let mut stmt = self
            .conn
            .prepare(
                "SELECT id, serial, recipe, started_at, started_unix, outcome, reason, leak_sccm
                 FROM tests
                 WHERE (?1 IS NULL OR serial = ?1) AND started_unix >= ?2
                 ORDER BY started_unix, id",
            )
            .map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map(params![filter.serial, since], |r| {
                let outcome: String = r.get(5)?;
                Ok(TestSummary {
                    id: r.get(0)?,
                    serial: r.get(1)?,
                    recipe: r.get(2)?,
                    started_at: r.get(3)?,
                    started_unix: r.get(4)?,
                    // The schema's CHECK constraint admits only the three names.
                    outcome: Outcome::from_name(&outcome).ok_or_else(|| {
                        rusqlite::Error::FromSqlConversionFailure(
                            5,
                            rusqlite::types::Type::Text,
                            format!("outcome {outcome:?} is not pass, fail or aborted").into(),
                        )
                    })?,
                    reason: r.get(6)?,
                    leak_sccm: r.get(7)?,
                })
            })
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

/// First-pass yield of `tests` (any order; ordered here by start time, then row id). With
/// `since`, only serials whose first verdict is at or after `since` count, so a retest inside
/// the window of a tray first tested before it is not mistaken for a first pass.
pub fn first_pass_yield(tests: &[TestSummary], since: Option<i64>) -> Yield {
    let mut sorted: Vec<&TestSummary> = tests.iter().collect();
    sorted.sort_by_key(|t| (t.started_unix, t.id));
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
            serial: serial.into(),
            recipe: "r".into(),
            started_at: String::new(),
            started_unix: t,
            outcome,
            reason: String::new(),
            leak_sccm: None,
        }
    }

    #[test]
    fn yield_counts_first_verdict_per_serial() {
        use Outcome::*;
        // A: pass first → counts. B: fail then pass → not first pass. C: aborted, then pass →
        // first verdict is the pass. D: only aborted. E: given out of order: fail at t=5
        // precedes pass at t=9.
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
                serial: None,
                since: Some(since),
            })
            .unwrap();
        assert_eq!(late.len(), 1);
        let sn1 = store
            .list(&Filter {
                serial: Some("SN1".into()),
                since: None,
            })
            .unwrap();
        assert_eq!(sn1.len(), 1);
        assert_eq!(store.record(id1).unwrap().trace.len(), 1);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
