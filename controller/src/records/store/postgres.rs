//! The PostgreSQL backend: one database shared by a line of stations, with the schema,
//! migrations, insert idempotency and insert order of the SQLite store.
//!
//! The client is the synchronous `postgres` crate (a thin blocking API over `tokio-postgres`).
//! Its calls start a runtime of their own and so must never run on a thread of a tokio
//! runtime — and the runner commits records from inside one. So each store owns one plain
//! thread that owns the connection; every call is a closure sent to that thread and waited
//! for (blocking the caller as a SQLite statement would). A dropped connection (server
//! restart, network) is reopened by the next call; meanwhile calls fail "unavailable" and the
//! record stays queued in the local journal.
//!
//! Concurrency: a migration runs in one transaction under a transaction-scoped advisory lock
//! (concurrent first opens run it one after another). An insert takes another advisory lock,
//! looks the record id up and gives the row `MAX(seq) + 1`, so `seq` is the commit order,
//! gap-free, exactly as SQLite's `IMMEDIATE` transaction gives it.

use std::str::FromStr;
use std::sync::mpsc;
use std::time::Duration;

use ::postgres::{Client, Config, NoTls};

use super::schema::{self, SCHEMA_VERSION, SUMMARY_COLUMNS, V2_COLUMNS};
use super::{provenance_of, Filter, Inserted, RowValues, StoreOptions, TestSummary};
use crate::l10::result::Outcome;
use crate::records::record::RecordError;

/// Advisory lock keys (any two fixed numbers, one per purpose).
const MIGRATE_LOCK: i64 = 0x636f_6c64_0001;
const INSERT_LOCK: i64 = 0x636f_6c64_0002;

/// The table as schema version 1 had it (PostgreSQL types); version 2's columns are added by
/// [`migrate`] like on an older store.
const CREATE_TABLE: &str = "
CREATE TABLE IF NOT EXISTS tests (
    id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    serial        TEXT    NOT NULL,
    recipe        TEXT    NOT NULL,
    started_at    TEXT    NOT NULL,
    started_unix  BIGINT  NOT NULL,
    finished_at   TEXT    NOT NULL,
    outcome       TEXT    NOT NULL CHECK (outcome IN ('pass', 'fail', 'aborted')),
    reason        TEXT    NOT NULL,
    leak_sccm     DOUBLE PRECISION,
    record_json   TEXT    NOT NULL,
    trace_json    TEXT    NOT NULL,
    seq           BIGINT  NOT NULL,
    record_id     TEXT,
    json_file     TEXT,
    clock_suspect BOOLEAN NOT NULL DEFAULT FALSE
);
";

/// The URL without its password, for messages.
pub fn redact(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_string();
    };
    let (auth, host) = match rest.rsplit_once('@') {
        Some((auth, host)) => (Some(auth), host),
        None => (None, rest),
    };
    match auth {
        Some(auth) => match auth.split_once(':') {
            Some((user, _)) => format!("{scheme}://{user}:***@{host}"),
            None => format!("{scheme}://{auth}@{host}"),
        },
        None => url.to_string(),
    }
}

/// The default journal directory name of a PostgreSQL store:
/// `postgres-<host>-<port>-<database>.queue` (characters other than letters, digits, `.`,
/// `_` and `-` become `_`).
pub fn journal_name(url: &str) -> String {
    let (host, port, db) = match Config::from_str(url) {
        Ok(c) => {
            let host = c
                .get_hosts()
                .first()
                .map(|h| match h {
                    ::postgres::config::Host::Tcp(h) => h.clone(),
                    #[cfg(unix)]
                    ::postgres::config::Host::Unix(p) => p.display().to_string(),
                })
                .unwrap_or_else(|| "localhost".into());
            let port = c.get_ports().first().copied().unwrap_or(5432);
            let db = c
                .get_dbname()
                .map(str::to_string)
                .or_else(|| c.get_user().map(str::to_string))
                .unwrap_or_else(|| "postgres".into());
            (host, port, db)
        }
        Err(_) => ("unknown".into(), 5432, "unknown".into()),
    };
    let clean = |s: &str| -> String {
        s.chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || "._-".contains(c) {
                    c
                } else {
                    '_'
                }
            })
            .collect()
    };
    format!("postgres-{}-{port}-{}.queue", clean(&host), clean(&db))
}

/// A failure of the PostgreSQL store, as a [`RecordError`].
fn pg_err(location: &str, e: &::postgres::Error) -> RecordError {
    RecordError::Postgres {
        location: location.to_string(),
        message: crate::records::journal::describe(e),
        // No SQL state: the connection failed (refused, closed, timed out), not a statement.
        unavailable: e.code().is_none() || e.is_closed(),
    }
}

/// The connection, owned by the store's thread.
struct Conn {
    config: Config,
    location: String,
    client: Option<Client>,
}

impl Conn {
    /// The open connection, reconnecting (and checking the schema) when there is none.
    fn client(&mut self) -> Result<&mut Client, RecordError> {
        if self.client.as_ref().is_some_and(Client::is_closed) {
            self.client = None;
        }
        if self.client.is_none() {
            let mut client = self
                .config
                .connect(NoTls)
                .map_err(|e| pg_err(&self.location, &e))?;
            migrate(&mut client).map_err(|e| pg_err(&self.location, &e))?;
            self.client = Some(client);
        }
        // Set just above.
        self.client.as_mut().ok_or_else(|| RecordError::Postgres {
            location: self.location.clone(),
            message: "no connection".into(),
            unavailable: true,
        })
    }
}

type Job = Box<dyn FnOnce(&mut Conn) + Send>;

/// An open PostgreSQL store: a handle to its connection thread.
pub(crate) struct PgStore {
    location: String,
    jobs: Option<mpsc::Sender<Job>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Drop for PgStore {
    fn drop(&mut self) {
        // Closing the channel ends the thread, which closes the connection.
        self.jobs = None;
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// The current schema version, 0 when there is no version table.
fn read_version(client: &mut impl ::postgres::GenericClient) -> Result<i64, ::postgres::Error> {
    let exists: bool = client
        .query_one("SELECT to_regclass('schema_version') IS NOT NULL", &[])?
        .get(0);
    if !exists {
        return Ok(0);
    }
    let row = client.query_opt("SELECT MAX(version) FROM schema_version", &[])?;
    Ok(row.and_then(|r| r.get::<_, Option<i64>>(0)).unwrap_or(0))
}

/// Creates the schema, or brings an older one to [`SCHEMA_VERSION`] without losing rows, in
/// one transaction under [`MIGRATE_LOCK`].
fn migrate(client: &mut Client) -> Result<(), ::postgres::Error> {
    if read_version(client)? >= SCHEMA_VERSION {
        return Ok(());
    }
    let mut tx = client.transaction()?;
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATE_LOCK])?;
    tx.batch_execute("CREATE TABLE IF NOT EXISTS schema_version (version BIGINT NOT NULL)")?;
    if read_version(&mut tx)? >= SCHEMA_VERSION {
        return tx.commit();
    }
    tx.batch_execute(CREATE_TABLE)?;
    for c in V2_COLUMNS {
        let added: bool = tx
            .query_one(
                "SELECT NOT EXISTS (SELECT 1 FROM information_schema.columns
                  WHERE table_schema = current_schema() AND table_name = 'tests'
                    AND column_name = $1)",
                &[&c.name],
            )?
            .get(0);
        if added {
            tx.batch_execute(&format!(
                "ALTER TABLE tests ADD COLUMN {} {}",
                c.name, c.postgres
            ))?;
            // Older rows: the value from their record JSON ('$.provenance.x' → {provenance,x}).
            let path = c.json_path.trim_start_matches("$.").replace('.', ",");
            let value = match c.name {
                "dry_run" => {
                    format!("COALESCE((record_json::jsonb #>> '{{{path}}}')::boolean, FALSE)")
                }
                "duration_s" => format!("(record_json::jsonb #>> '{{{path}}}')::double precision"),
                _ => format!("record_json::jsonb #>> '{{{path}}}'"),
            };
            tx.batch_execute(&format!("UPDATE tests SET {} = {value}", c.name))?;
        }
    }
    tx.batch_execute(schema::INDEXES)?;
    tx.batch_execute("DELETE FROM schema_version")?;
    tx.execute(
        "INSERT INTO schema_version (version) VALUES ($1)",
        &[&SCHEMA_VERSION],
    )?;
    tx.commit()
}

impl PgStore {
    /// Connects (within `options.busy_timeout`) and creates or migrates the schema.
    pub(crate) fn open(url: &str, options: &StoreOptions) -> Result<PgStore, RecordError> {
        let location = redact(url);
        let mut config = Config::from_str(url).map_err(|e| RecordError::Postgres {
            location: location.clone(),
            message: format!(
                "not a PostgreSQL URL ({e}); give postgres://USER:PASSWORD@HOST:PORT/DATABASE"
            ),
            unavailable: false,
        })?;
        let wait = options.busy_timeout.max(Duration::from_secs(1));
        config.connect_timeout(wait);
        config.application_name("coldtray");
        // A hung server or a lock held elsewhere must not hang a station: a statement (an
        // insert waiting for the insert lock included) gives up after the wait plus 30 s,
        // and dead TCP peers are noticed by keepalives.
        let timeout_ms = (wait + Duration::from_secs(30)).as_millis();
        let options = match config.get_options() {
            Some(o) if o.contains("statement_timeout") => o.to_string(),
            Some(o) => format!("{o} -c statement_timeout={timeout_ms}"),
            None => format!("-c statement_timeout={timeout_ms}"),
        };
        config.options(&options);
        config.keepalives(true);
        config.keepalives_idle(Duration::from_secs(30));
        let (jobs, rx) = mpsc::channel::<Job>();
        let mut conn = Conn {
            config,
            location: location.clone(),
            client: None,
        };
        let thread = std::thread::Builder::new()
            .name("coldtray-postgres".into())
            .spawn(move || {
                for job in rx {
                    job(&mut conn);
                }
            })
            .map_err(|source| RecordError::Io {
                path: location.clone().into(),
                action: "cannot start the PostgreSQL connection thread",
                source,
            })?;
        let store = PgStore {
            location,
            jobs: Some(jobs),
            thread: Some(thread),
        };
        // Connect and migrate now, so a wrong URL or an unreachable server is told at open.
        store.call(|_, _| Ok(()))?;
        Ok(store)
    }

    /// Runs `f` on the connection thread (connected first) and waits for its result.
    fn call<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Client, &str) -> Result<T, RecordError> + Send + 'static,
    ) -> Result<T, RecordError> {
        let gone = || RecordError::Postgres {
            location: self.location.clone(),
            message: "the connection thread has stopped".into(),
            unavailable: true,
        };
        let (tx, rx) = mpsc::channel();
        let job: Job = Box::new(move |conn: &mut Conn| {
            let location = conn.location.clone();
            let result = conn.client().and_then(|c| f(c, &location));
            if result.as_ref().is_err_and(|e| {
                matches!(
                    e,
                    RecordError::Postgres {
                        unavailable: true,
                        ..
                    }
                )
            }) {
                conn.client = None;
            }
            let _ = tx.send(result);
        });
        self.jobs
            .as_ref()
            .ok_or_else(gone)?
            .send(job)
            .map_err(|_| gone())?;
        rx.recv().map_err(|_| gone())?
    }

    pub(crate) fn schema_version(&self) -> Result<i64, RecordError> {
        self.call(|c, loc| read_version(c).map_err(|e| pg_err(loc, &e)))
    }

    pub(crate) fn insert(&mut self, v: RowValues) -> Result<Inserted, RecordError> {
        self.call(move |c, loc| insert(c, &v).map_err(|e| pg_err(loc, &e)))
    }

    pub(crate) fn list(&self, filter: &Filter) -> Result<Vec<TestSummary>, RecordError> {
        let filter = filter.clone();
        self.call(move |c, loc| list(c, &filter, loc))
    }

    pub(crate) fn record_json(&self, id: i64) -> Result<String, RecordError> {
        self.call(move |c, loc| {
            c.query_one("SELECT record_json FROM tests WHERE id = $1", &[&id])
                .map(|r| r.get(0))
                .map_err(|e| pg_err(loc, &e))
        })
    }

    pub(crate) fn find(
        &self,
        record_id: &str,
    ) -> Result<Option<(i64, Option<String>)>, RecordError> {
        let record_id = record_id.to_string();
        self.call(move |c, loc| {
            c.query_opt(
                "SELECT id, json_file FROM tests WHERE record_id = $1",
                &[&record_id],
            )
            .map(|r| r.map(|r| (r.get(0), r.get(1))))
            .map_err(|e| pg_err(loc, &e))
        })
    }
}

/// One transaction under [`INSERT_LOCK`]: the row unless its record id is there already.
fn insert(client: &mut Client, v: &RowValues) -> Result<Inserted, ::postgres::Error> {
    let mut tx = client.transaction()?;
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&INSERT_LOCK])?;
    if let Some(row) = tx.query_opt("SELECT id FROM tests WHERE record_id = $1", &[&v.record_id])? {
        let id: i64 = row.get(0);
        if v.json_file.is_some() {
            tx.execute(
                "UPDATE tests SET json_file = $1 WHERE id = $2 AND json_file IS NULL",
                &[&v.json_file, &id],
            )?;
        }
        tx.commit()?;
        return Ok(Inserted { id, new: false });
    }
    let row = tx.query_one(
        &format!(
            "INSERT INTO tests ({}, seq)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17,
                     $18, $19, $20, $21, $22, (SELECT COALESCE(MAX(seq), 0) + 1 FROM tests))
             RETURNING id",
            super::schema::INSERT_COLUMNS
        ),
        &[
            &v.serial,
            &v.recipe,
            &v.started_at,
            &v.started_unix,
            &v.finished_at,
            &v.outcome,
            &v.reason,
            &v.leak_sccm,
            &v.record_json,
            &v.trace_json,
            &v.record_id,
            &v.json_file,
            &v.clock_suspect,
            &v.station_id,
            &v.operator,
            &v.recipe_sha256,
            &v.map_sha256,
            &v.limits_json,
            &v.coldtray_version,
            &v.host,
            &v.duration_s,
            &v.dry_run,
        ],
    )?;
    let id: i64 = row.get(0);
    tx.commit()?;
    Ok(Inserted { id, new: true })
}

fn list(client: &mut Client, filter: &Filter, loc: &str) -> Result<Vec<TestSummary>, RecordError> {
    let since = filter.since.map(|t| t.timestamp()).unwrap_or(i64::MIN);
    let until = filter.until.map(|t| t.timestamp()).unwrap_or(i64::MAX);
    let outcome = filter.outcome.map(|o| o.as_str());
    let rows = client
        .query(
            &format!(
                "SELECT {SUMMARY_COLUMNS}
                 FROM tests
                 WHERE ($1::TEXT IS NULL OR serial = $1) AND started_unix >= $2
                   AND started_unix < $3
                   AND ($4::TEXT IS NULL OR starts_with(serial, $4))
                   AND ($5::TEXT IS NULL OR outcome = $5)
                   AND ($6::TEXT IS NULL OR station_id = $6)
                   AND ($7 OR NOT dry_run)
                 ORDER BY seq, id"
            ),
            &[
                &filter.serial,
                &since,
                &until,
                &filter.serial_prefix,
                &outcome,
                &filter.station,
                &filter.include_dry_runs,
            ],
        )
        .map_err(|e| pg_err(loc, &e))?;
    rows.iter()
        .map(|r| {
            let outcome: String = r.get(8);
            Ok(TestSummary {
                id: r.get(0),
                seq: r.get(1),
                record_id: r.get(2),
                serial: r.get(3),
                recipe: r.get(4),
                started_at: r.get(5),
                started_unix: r.get(6),
                finished_at: r.get(7),
                outcome: Outcome::from_name(&outcome).ok_or_else(|| RecordError::Postgres {
                    location: loc.to_string(),
                    message: format!("outcome {outcome:?} is not pass, fail or aborted"),
                    unavailable: false,
                })?,
                reason: r.get(9),
                leak_sccm: r.get(10),
                clock_suspect: r.get(11),
                provenance: provenance_of(
                    r.get(12),
                    r.get(13),
                    r.get(14),
                    r.get(15),
                    r.get(16),
                    r.get(17),
                    r.get(18),
                    r.get(19),
                    r.get(20),
                ),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_shown_without_their_password() {
        assert_eq!(
            redact("postgres://line:s3cret@db.plant:5432/results"),
            "postgres://line:***@db.plant:5432/results"
        );
        assert_eq!(redact("postgres://db/results"), "postgres://db/results");
        assert_eq!(
            journal_name("postgresql://u@10.0.0.5:6543/line 1"),
            "postgres-10.0.0.5-6543-line_1.queue"
        );
    }
}
