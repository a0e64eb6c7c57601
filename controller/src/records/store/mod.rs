//! The result store: one row per test, holding the whole record and its trace as JSON plus the
//! columns that are filtered, listed and exported (schema in [`schema`]). Two backends behind
//! one API, chosen by the location ([`Location`]):
//!
//! - **SQLite** (a file path, the default `results.sqlite`): the embedded store of one station
//!   ([`sqlite`]: WAL mode, safe first opens by many processes);
//! - **PostgreSQL** (`postgres://…` or `postgresql://…`): one store shared by a line of
//!   stations ([`postgres`]).
//!
//! Both keep the same schema and migrations, insert every record in one transaction keyed by
//! its record id (unique, so replaying a queued record from the journal never duplicates it)
//! and number rows in the store's own insert order `seq` (1, 2, 3…, assigned under a lock).
//! Opening replays the record journal ([`crate::records::journal`]); a [`Store`] stays usable
//! for a long-running process (open once, insert many).
//!
//! First-pass yield ([`first_pass_yield`]): the share of serials whose first *verdict* (first
//! `pass` or `fail` test, in the store's insert order `seq`) was a pass. The order is the
//! store's own monotonic sequence, never a station's wall clock (a station whose clock is
//! 10 minutes slow cannot reorder tests). Aborted tests are not verdicts on the tray (the rig
//! was stopped: e-stop, link loss, a sensor fault) and are skipped; serials with only aborted
//! tests are reported separately.

pub mod postgres;
pub mod schema;
pub mod sqlite;

use std::collections::BTreeMap;
use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use chrono::{DateTime, Utc};

use crate::l10::result::{Outcome, Provenance, TestRecord};
use crate::records::journal::{self, ReplayReport};
use crate::records::record::RecordError;

pub use schema::SCHEMA_VERSION;
pub use sqlite::is_busy;

/// How long a statement waits for another connection's lock before it fails, unless told
/// otherwise ([`StoreOptions::busy_timeout`]).
pub const DEFAULT_BUSY_TIMEOUT: Duration = Duration::from_secs(10);

/// Where the store is: a SQLite file or a PostgreSQL database.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Location {
    /// A SQLite database file.
    Sqlite(PathBuf),
    /// A PostgreSQL connection URL (`postgres://user:password@host:port/database`).
    Postgres(String),
}

impl Location {
    /// `postgres://…` and `postgresql://…` name a PostgreSQL database; anything else is a
    /// SQLite file path.
    pub fn parse(location: &OsStr) -> Location {
        match location.to_str() {
            Some(s) if s.starts_with("postgres://") || s.starts_with("postgresql://") => {
                Location::Postgres(s.to_string())
            }
            _ => Location::Sqlite(PathBuf::from(location)),
        }
    }

    /// For messages: the file, or the URL without its password.
    pub fn display(&self) -> String {
        match self {
            Location::Sqlite(p) => p.display().to_string(),
            Location::Postgres(url) => postgres::redact(url),
        }
    }

    /// The record journal's directory ([`crate::records::journal`]): `options.journal_dir`
    /// when given; else, for SQLite, beside the file (`results.sqlite` →
    /// `results.sqlite.queue/`); for PostgreSQL, a local directory named after the server and
    /// database in the working directory (`postgres-<host>-<port>-<database>.queue/`), since
    /// a record waiting for an unreachable server must wait on this machine.
    pub fn journal_dir(&self, options: &StoreOptions) -> PathBuf {
        if let Some(dir) = &options.journal_dir {
            return dir.clone();
        }
        match self {
            Location::Sqlite(p) => journal::journal_dir(p),
            Location::Postgres(url) => PathBuf::from(postgres::journal_name(url)),
        }
    }
}

impl From<&Path> for Location {
    fn from(p: &Path) -> Location {
        Location::parse(p.as_os_str())
    }
}

impl From<&PathBuf> for Location {
    fn from(p: &PathBuf) -> Location {
        Location::parse(p.as_os_str())
    }
}

impl From<PathBuf> for Location {
    fn from(p: PathBuf) -> Location {
        Location::parse(p.as_os_str())
    }
}

impl From<&str> for Location {
    fn from(s: &str) -> Location {
        Location::parse(OsStr::new(s))
    }
}

/// The location as given on a command line (a path, or the URL), so a [`Location`] can be
/// passed wherever a path or URL is ([`Store::open`]).
impl AsRef<OsStr> for Location {
    fn as_ref(&self) -> &OsStr {
        match self {
            Location::Sqlite(p) => p.as_os_str(),
            Location::Postgres(url) => OsStr::new(url),
        }
    }
}

/// How the store is opened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoreOptions {
    /// How long one statement waits for another program's lock on the database (SQLite), or
    /// for the server to accept the connection (PostgreSQL), before it fails (the record
    /// then stays queued in the journal). Default 10 s.
    pub busy_timeout: Duration,
    /// The record journal's directory; `None`: the default of [`Location::journal_dir`].
    pub journal_dir: Option<PathBuf>,
}

impl Default for StoreOptions {
    fn default() -> Self {
        StoreOptions {
            busy_timeout: DEFAULT_BUSY_TIMEOUT,
            journal_dir: None,
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
    /// Station, operator, recipe and map hashes, limits, version, host, duration, dry run
    /// (empty for rows of records written before the record had them).
    pub provenance: Provenance,
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
    /// Only tests of this station id.
    pub station: Option<String>,
    /// Also dry runs (emulator or time-scaled tests); by default they are left out.
    pub include_dry_runs: bool,
}

/// What [`Store::insert_committed`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Inserted {
    /// The row's id.
    pub id: i64,
    /// `false`: a row with this record id was already there (a replay), nothing was added.
    pub new: bool,
}

/// The values one insert writes, in the order of [`schema::INSERT_COLUMNS`].
#[derive(Debug, Clone)]
pub(crate) struct RowValues {
    pub(crate) serial: String,
    pub(crate) recipe: String,
    pub(crate) started_at: String,
    pub(crate) started_unix: i64,
    pub(crate) finished_at: String,
    pub(crate) outcome: &'static str,
    pub(crate) reason: String,
    pub(crate) leak_sccm: Option<f64>,
    pub(crate) record_json: String,
    pub(crate) trace_json: String,
    pub(crate) record_id: String,
    pub(crate) json_file: Option<String>,
    pub(crate) clock_suspect: bool,
    pub(crate) station_id: Option<String>,
    pub(crate) operator: Option<String>,
    pub(crate) recipe_sha256: Option<String>,
    pub(crate) map_sha256: Option<String>,
    pub(crate) limits_json: Option<String>,
    pub(crate) coldtray_version: Option<String>,
    pub(crate) host: Option<String>,
    pub(crate) duration_s: Option<f64>,
    pub(crate) dry_run: bool,
}

impl RowValues {
    /// The row of `record` under `record_id`. A record without a valid start time is refused
    /// (rows are filtered by date with it) rather than stored as 1970.
    fn of(
        record: &TestRecord,
        record_id: &str,
        json_file: Option<&Path>,
    ) -> Result<RowValues, RecordError> {
        let started_unix = DateTime::parse_from_rfc3339(&record.started_at)
            .map_err(|source| RecordError::StartedAt {
                value: record.started_at.clone(),
                source,
            })?
            .timestamp();
        let p = &record.provenance;
        Ok(RowValues {
            serial: record.serial.clone(),
            recipe: record.recipe.clone(),
            started_at: record.started_at.clone(),
            started_unix,
            finished_at: record.finished_at.clone(),
            outcome: record.outcome.as_str(),
            reason: record.reason.clone(),
            leak_sccm: record.leak.as_ref().map(|l| l.leak_sccm),
            record_json: serde_json::to_string(record)?,
            trace_json: serde_json::to_string(&record.trace)?,
            record_id: record_id.to_string(),
            json_file: json_file.map(|p| p.to_string_lossy().into_owned()),
            clock_suspect: clock_suspect(record),
            station_id: p.station_id.clone(),
            operator: p.operator.clone(),
            recipe_sha256: p.recipe_sha256.clone(),
            map_sha256: p.map_sha256.clone(),
            limits_json: p.limits.as_ref().map(|l| l.to_string()),
            coldtray_version: p.coldtray_version.clone(),
            host: p.host.clone(),
            duration_s: p.duration_s,
            dry_run: p.dry_run,
        })
    }
}

/// The provenance of a listed row from its columns (`limits_json` parsed back; a value that
/// is not JSON — never written by this code — is left out).
#[allow(clippy::too_many_arguments)]
pub(crate) fn provenance_of(
    station_id: Option<String>,
    operator: Option<String>,
    recipe_sha256: Option<String>,
    map_sha256: Option<String>,
    limits_json: Option<String>,
    coldtray_version: Option<String>,
    host: Option<String>,
    duration_s: Option<f64>,
    dry_run: bool,
) -> Provenance {
    Provenance {
        station_id,
        operator,
        recipe_sha256,
        map_sha256,
        limits: limits_json.and_then(|l| serde_json::from_str(&l).ok()),
        coldtray_version,
        host,
        duration_s,
        dry_run,
        // Kept in the record's JSON only (not a column): `record(id)` has it.
        retest_reason: None,
    }
}

/// The backend of an open store.
enum Backend {
    Sqlite(sqlite::SqliteStore),
    Postgres(postgres::PgStore),
}

/// An open result store.
pub struct Store {
    location: Location,
    journal_dir: PathBuf,
    backend: Backend,
    replayed: ReplayReport,
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
    /// Opens (creating if needed) the store at `location` (a SQLite path or a `postgres://`
    /// URL, as a path, a string or a [`Location`]) with the default options; see
    /// [`Store::open_with`].
    pub fn open<L: AsRef<OsStr> + ?Sized>(location: &L) -> Result<Store, RecordError> {
        Store::open_with(location, &StoreOptions::default())
    }

    /// Opens (creating if needed) the store, creating or migrating the schema; then replays
    /// the record journal (see [`Store::replayed`]).
    pub fn open_with<L: AsRef<OsStr> + ?Sized>(
        location: &L,
        options: &StoreOptions,
    ) -> Result<Store, RecordError> {
        let mut store = Store::open_only(location, options)?;
        store.replayed = journal::replay(&mut store);
        Ok(store)
    }

    /// Opens and migrates without replaying the journal.
    pub(crate) fn open_only<L: AsRef<OsStr> + ?Sized>(
        location: &L,
        options: &StoreOptions,
    ) -> Result<Store, RecordError> {
        let location = Location::parse(location.as_ref());
        let backend = match &location {
            Location::Sqlite(path) => Backend::Sqlite(sqlite::SqliteStore::open(path, options)?),
            Location::Postgres(url) => Backend::Postgres(postgres::PgStore::open(url, options)?),
        };
        Ok(Store {
            journal_dir: location.journal_dir(options),
            location,
            backend,
            replayed: ReplayReport::default(),
        })
    }

    /// Where the store is.
    pub fn location(&self) -> &Location {
        &self.location
    }

    /// The record journal's directory.
    pub fn journal_dir(&self) -> &Path {
        &self.journal_dir
    }

    /// What opening the store (or the last [`Store::replay_journal`]) found in the record
    /// journal and did with it.
    pub fn replayed(&self) -> &ReplayReport {
        &self.replayed
    }

    /// Replays the record journal again (as opening does): for a long-running process that
    /// keeps the store open, so records queued while the store was locked or the server
    /// unreachable go in without a restart (e.g. before each test).
    pub fn replay_journal(&mut self) -> &ReplayReport {
        self.replayed = journal::replay(self);
        &self.replayed
    }

    /// The schema version of the open store (after migration: [`SCHEMA_VERSION`]).
    pub fn schema_version(&self) -> Result<i64, RecordError> {
        match &self.backend {
            Backend::Sqlite(s) => s.schema_version(),
            Backend::Postgres(p) => p.schema_version(),
        }
    }

    /// Changes how long statements wait for another program's lock from now on (SQLite; the
    /// PostgreSQL store keeps its connect timeout).
    pub fn set_busy_timeout(&mut self, timeout: Duration) -> Result<(), RecordError> {
        match &mut self.backend {
            Backend::Sqlite(s) => s.set_busy_timeout(timeout),
            Backend::Postgres(_) => Ok(()),
        }
    }

    /// Inserts one record in one transaction under a fresh record id; returns its row id.
    pub fn insert(&mut self, record: &TestRecord) -> Result<i64, RecordError> {
        let id = journal::new_record_id(record);
        Ok(self.insert_committed(record, &id, None)?.id)
    }

    /// Inserts one record under `record_id` in one transaction, unless a row with that id
    /// exists (a replay): then nothing is added (only a missing `json_file` is filled in).
    /// The row gets the next `seq` of this store.
    pub fn insert_committed(
        &mut self,
        record: &TestRecord,
        record_id: &str,
        json_file: Option<&Path>,
    ) -> Result<Inserted, RecordError> {
        let row = RowValues::of(record, record_id, json_file)?;
        match &mut self.backend {
            Backend::Sqlite(s) => s.insert(row),
            Backend::Postgres(p) => p.insert(row),
        }
    }

    /// Rows matching the filter, in the store's insert order (`seq`).
    pub fn list(&self, filter: &Filter) -> Result<Vec<TestSummary>, RecordError> {
        match &self.backend {
            Backend::Sqlite(s) => s.list(filter),
            Backend::Postgres(p) => p.list(filter),
        }
    }

    /// The full record of row `id`.
    pub fn record(&self, id: i64) -> Result<TestRecord, RecordError> {
        let json = match &self.backend {
            Backend::Sqlite(s) => s.record_json(id)?,
            Backend::Postgres(p) => p.record_json(id)?,
        };
        Ok(serde_json::from_str(&json)?)
    }

    /// The row id and JSON file of the row with `record_id`, if there is one.
    pub fn find(&self, record_id: &str) -> Result<Option<(i64, Option<String>)>, RecordError> {
        match &self.backend {
            Backend::Sqlite(s) => s.find(record_id),
            Backend::Postgres(p) => p.find(record_id),
        }
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

/// The tests of the serials whose first test (in `seq` order, any outcome but aborted) ran at
/// `station`: the history [`first_pass_yield`] needs for one station's yield, where a tray
/// first tested at another station is not that station's first pass.
pub fn first_tested_at<'a>(tests: &'a [TestSummary], station: &str) -> Vec<TestSummary> {
    let mut sorted: Vec<&'a TestSummary> = tests.iter().collect();
    sorted.sort_by_key(|t| (t.seq, t.id));
    let mut first: BTreeMap<&str, Option<&str>> = BTreeMap::new();
    for t in &sorted {
        let entry = first.entry(t.serial.as_str()).or_insert(None);
        if entry.is_none() && t.outcome != Outcome::Aborted {
            *entry = Some(t.provenance.station_id.as_deref().unwrap_or(""));
        }
    }
    sorted
        .into_iter()
        .filter(|t| match first.get(t.serial.as_str()) {
            Some(Some(s)) => *s == station,
            // Only aborted tests so far: counted where they ran.
            _ => t.provenance.station_id.as_deref() == Some(station),
        })
        .cloned()
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(crate) fn summary(id: i64, serial: &str, t: i64, outcome: Outcome) -> TestSummary {
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
            provenance: Provenance::default(),
        }
    }

    #[test]
    fn locations_dispatch_on_the_url_scheme() {
        assert_eq!(
            Location::from("postgres://u:secret@db:5432/line"),
            Location::Postgres("postgres://u:secret@db:5432/line".into())
        );
        assert!(matches!(
            Location::from("postgresql://db/line"),
            Location::Postgres(_)
        ));
        assert_eq!(
            Location::from("results.sqlite"),
            Location::Sqlite("results.sqlite".into())
        );
        let pg = Location::from("postgres://u:secret@db:5432/line");
        assert!(!pg.display().contains("secret"), "{}", pg.display());
        assert_eq!(
            pg.journal_dir(&StoreOptions::default()),
            PathBuf::from("postgres-db-5432-line.queue")
        );
        let mine = StoreOptions {
            journal_dir: Some("/var/lib/q".into()),
            ..StoreOptions::default()
        };
        assert_eq!(pg.journal_dir(&mine), PathBuf::from("/var/lib/q"));
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
    fn a_station_yield_counts_only_trays_first_tested_there() {
        use Outcome::*;
        let at = |mut t: TestSummary, s: &str| {
            t.provenance.station_id = Some(s.into());
            t
        };
        // A: fail at S1, pass at S2 → S1's (not first pass); B: pass at S2 → S2's.
        let tests = vec![
            at(summary(1, "A", 1, Fail), "S1"),
            at(summary(2, "A", 2, Pass), "S2"),
            at(summary(3, "B", 3, Pass), "S2"),
        ];
        let s2 = first_tested_at(&tests, "S2");
        let y = first_pass_yield(&s2, None);
        assert_eq!((y.first_pass, y.serials), (1, 1));
        let y = first_pass_yield(&first_tested_at(&tests, "S1"), None);
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
}
