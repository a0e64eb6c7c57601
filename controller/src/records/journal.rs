//! The record journal: what makes a verdict impossible to lose or to record half.
//!
//! Committing a test's record ([`commit`]) is a sequence of steps, each atomic on its own:
//!
//! 1. **journal** — the complete record (with its record id, the JSON file name chosen and
//!    what the plot needs) is written durably (fsync'd file and directory) as one entry in
//!    the journal directory of the store ([`Store::journal_dir`]: for SQLite beside the file,
//!    [`journal_dir`]: `results.sqlite.queue/`; for PostgreSQL a local directory, see
//!    [`crate::records::store::Location::journal_dir`]);
//! 2. **json** — the JSON record file, created exclusively (never replacing a file) and
//!    durably; it carries the record id;
//! 3. **row** — the SQLite row, one transaction, keyed by the record id (unique);
//! 4. **plot** — the trace PNG (atomic);
//! 5. **cleared** — the journal entry removed (once the JSON and the row exist).
//!
//! A kill between any two steps leaves the entry in the journal; the next start (every
//! [`Store::open`], so every `coldtray leak-test` and `coldtray records`) replays it
//! ([`replay`]) idempotently: the JSON written unless a file with this record id is there,
//! the row inserted unless a row with this record id is there, the PNG drawn if missing.
//! So after a kill at any instant there is either nothing (killed before step 1 finished) or,
//! after the next start, one JSON file, one row and one PNG of the same record.
//!
//! When a step fails (the store locked by another program beyond its busy timeout, the record
//! directory unwritable, the disk full) the entry stays queued and is replayed at the next
//! start the same way; the caller still has the verdict to show.

use std::hash::{BuildHasher, Hasher};
use std::io::Write;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use coldtray_io::atomic::{write_atomic, AtomicFile, Durability};

use crate::l10::result::{Outcome, TestRecord};
use crate::records::plot::{self, PlotParams};
use crate::records::record::{self, RecordError};
use crate::records::store::{Inserted, Store};

/// The `format` of every journal entry this version writes.
pub const FORMAT: &str = "coldtray-record-journal/1";

/// The journal directory of the SQLite store at `db_path`: beside it, named after it with `.queue`
/// appended (`results.sqlite` → `results.sqlite.queue/`). Next to the store rather than under
/// `--out` because the store's open replays it, whatever `--out` the next run is given.
pub fn journal_dir(db_path: &Path) -> PathBuf {
    let name = db_path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "results.sqlite".into());
    db_path.with_file_name(format!("{name}.queue"))
}

/// One journal entry (`<journal>/<record_id>.json`): everything needed to make the JSON file,
/// the row and the plot of one test without anything else.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Entry {
    /// [`FORMAT`].
    pub format: String,
    /// The commit's record id: `<serial>-<started, compact>-<16 hex digits>`; unique.
    pub record_id: String,
    /// Where the JSON record goes (absolute); a later name when this one is taken by another
    /// record (the entry is rewritten then).
    pub json_path: PathBuf,
    /// What the plot needs of the recipe.
    pub plot: PlotParams,
    /// The test's record.
    pub record: TestRecord,
}

/// A fresh record id for `record`: its serial, its compact start time and 64 random bits (so
/// two rigs testing the same serial in the same second still differ).
pub fn new_record_id(record: &TestRecord) -> String {
    static COUNTER: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    // RandomState's keys are random per process and change with every call.
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u32(std::process::id());
    h.write_u64(COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed));
    if let Ok(t) = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH) {
        h.write_u128(t.as_nanos());
    }
    format!(
        "{}-{}-{:016x}",
        record.serial,
        record::compact_stamp(&record.started_at),
        h.finish()
    )
}

/// Where the journal stands after a commit.
#[derive(Debug)]
pub enum JournalState {
    /// Every step done; the entry is gone.
    Cleared,
    /// The entry stays (a step failed or its removal did): it is replayed at the next start.
    Queued(PathBuf),
    /// The entry could not be written (the steps were still tried, unprotected).
    Unwritable(RecordError),
}

/// What committing one record did, step by step.
#[derive(Debug)]
pub struct Commit {
    /// The record id (in the JSON file and the row).
    pub record_id: String,
    /// The JSON record file.
    pub json_path: Result<PathBuf, RecordError>,
    /// The row in the store.
    pub row: Result<Inserted, RecordError>,
    /// The trace PNG (the record is complete without it).
    pub plot: Result<PathBuf, RecordError>,
    /// The journal entry.
    pub journal: JournalState,
}

impl Commit {
    /// The JSON file and the row both exist.
    pub fn is_complete(&self) -> bool {
        self.json_path.is_ok() && self.row.is_ok()
    }

    /// The record is kept somewhere durable: complete, queued in the journal, or at least its
    /// JSON file or its row written.
    pub fn is_kept(&self) -> bool {
        self.is_complete()
            || matches!(self.journal, JournalState::Queued(_))
            || self.json_path.is_ok()
            || self.row.is_ok()
    }

    /// The journal entry, when the record is queued.
    pub fn queued(&self) -> Option<&Path> {
        match &self.journal {
            JournalState::Queued(p) => Some(p),
            _ => None,
        }
    }
}

/// The step names of [`commit`], in order; a test build may stop the process after any of
/// them (`COLDTRAY_CRASH_AT=<step>` with the `crash-points` feature).
pub const STEPS: [&str; 6] = ["start", "journal", "json", "row", "plot", "cleared"];

/// With the `crash-points` feature (tests only), aborts the process — a real, immediate death:
/// no destructor, no flush — when `COLDTRAY_CRASH_AT` names `step`.
fn crash_point(step: &str) {
    #[cfg(feature = "crash-points")]
    if std::env::var_os("COLDTRAY_CRASH_AT").is_some_and(|v| v == step) {
        std::process::abort();
    }
    #[cfg(not(feature = "crash-points"))]
    let _ = step;
}

fn entry_bytes(entry: &Entry) -> Result<Vec<u8>, RecordError> {
    Ok(serde_json::to_vec_pretty(entry)?)
}

/// Writes `entry` to `path` durably, never replacing a file.
fn write_entry(path: &Path, entry: &Entry) -> Result<(), RecordError> {
    let io = |action: &'static str| {
        move |source| RecordError::Io {
            path: path.to_path_buf(),
            action,
            source,
        }
    };
    let mut file = AtomicFile::create(path).map_err(io("cannot create the journal entry"))?;
    file.write_all(&entry_bytes(entry)?)
        .map_err(io("cannot write the journal entry"))?;
    file.commit_new(Durability::Durable)
        .map_err(io("cannot commit the journal entry"))
}

/// Removes a journal entry and syncs the directory, so the removal is durable too.
fn remove_entry(path: &Path) -> Result<(), RecordError> {
    match std::fs::remove_file(path) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(source) => {
            return Err(RecordError::Io {
                path: path.to_path_buf(),
                action: "cannot remove the journal entry",
                source,
            })
        }
    }
    if let Some(dir) = path.parent() {
        if let Ok(d) = std::fs::File::open(dir) {
            let _ = d.sync_all();
        }
    }
    Ok(())
}

/// Commits `record` (see the module doc) into `out_dir` and `store`; never fails as a whole:
/// each step's outcome is in the returned [`Commit`], so the caller can always show the
/// verdict and say where the record is.
pub fn commit(store: &mut Store, out_dir: &Path, record: &TestRecord, plot: PlotParams) -> Commit {
    crash_point("start");
    let record_id = new_record_id(record);
    let mut entry = Entry {
        format: FORMAT.to_string(),
        record_id: record_id.clone(),
        json_path: record::record_path(out_dir, record),
        plot,
        record: record.clone(),
    };
    let entry_path = store.journal_dir().join(format!("{record_id}.json"));
    let written = write_entry(&entry_path, &entry);
    crash_point("journal");
    let (json_path, row, plot) = apply(
        store,
        &mut entry,
        written.is_ok().then_some(entry_path.as_path()),
        crash_point,
    );
    let journal = match written {
        Err(e) => JournalState::Unwritable(e),
        Ok(()) if json_path.is_ok() && row.is_ok() => match remove_entry(&entry_path) {
            Ok(()) => JournalState::Cleared,
            Err(_) => JournalState::Queued(entry_path),
        },
        Ok(()) => JournalState::Queued(entry_path),
    };
    crash_point("cleared");
    Commit {
        record_id,
        json_path,
        row,
        plot,
        journal,
    }
}

/// Steps 2–4 for `entry` (a fresh commit or a replay), each skipped when already done.
/// `entry_path`: the entry on disk, rewritten if the JSON name has to change.
#[allow(clippy::type_complexity)]
fn apply(
    store: &mut Store,
    entry: &mut Entry,
    entry_path: Option<&Path>,
    after: fn(&str),
) -> (
    Result<PathBuf, RecordError>,
    Result<Inserted, RecordError>,
    Result<PathBuf, RecordError>,
) {
    let json = write_json(entry, entry_path);
    after("json");
    let row = store.insert_committed(&entry.record, &entry.record_id, json.as_deref().ok());
    after("row");
    let png = json
        .as_ref()
        .unwrap_or(&entry.json_path)
        .with_extension("png");
    let plot = if png.exists() {
        Ok(png)
    } else {
        plot::draw_with(&entry.record, &entry.plot, &png).map(|()| png)
    };
    after("plot");
    (json, row, plot)
}

/// The JSON step: created exclusively at `entry.json_path`; a file already there with this
/// record id is this record (a replay); one with another id belongs to another record (the
/// same serial on another rig in the same second): the next free name is taken and the entry
/// rewritten to say so.
fn write_json(entry: &mut Entry, entry_path: Option<&Path>) -> Result<PathBuf, RecordError> {
    let bytes = record::json_bytes(&entry.record, &entry.record_id)?;
    loop {
        match record::write_new(&entry.json_path, &bytes) {
            Ok(()) => return Ok(entry.json_path.clone()),
            // Only a file at the name is a clash: `AlreadyExists` from creating the directory
            // (a file where the directory should be) is an error like any other.
            Err(RecordError::Io { source, .. })
                if source.kind() == std::io::ErrorKind::AlreadyExists
                    && entry.json_path.is_file() =>
            {
                if record::file_record_id(&entry.json_path).as_deref()
                    == Some(entry.record_id.as_str())
                {
                    return Ok(entry.json_path.clone());
                }
                let dir = entry
                    .json_path
                    .parent()
                    .map(Path::to_path_buf)
                    .unwrap_or_default();
                entry.json_path = record::record_path(&dir, &entry.record);
                if let Some(p) = entry_path {
                    write_atomic(p, &entry_bytes(entry)?, Durability::Durable).map_err(
                        |source| RecordError::Io {
                            path: p.to_path_buf(),
                            action: "cannot rewrite the journal entry",
                            source,
                        },
                    )?;
                }
            }
            Err(e) => return Err(e),
        }
    }
}

/// An error and its causes, one sentence: `"a: b: c"`.
pub fn describe(e: &dyn std::error::Error) -> String {
    let mut s = e.to_string();
    let mut cause = e.source();
    while let Some(c) = cause {
        s += &format!(": {c}");
        cause = c.source();
    }
    s
}

/// One record completed from the journal.
#[derive(Debug, Clone, PartialEq)]
pub struct Replayed {
    /// Its record id.
    pub record_id: String,
    /// Its serial number.
    pub serial: String,
    /// Its verdict.
    pub outcome: Outcome,
    /// Its JSON file.
    pub json_path: PathBuf,
    /// `true` when the row was inserted by this replay (`false`: it was there already).
    pub row_inserted: bool,
}

/// What [`replay`] found and did.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ReplayReport {
    /// The journal directory.
    pub dir: PathBuf,
    /// Records completed (JSON and row present, entry removed), in replay order.
    pub completed: Vec<Replayed>,
    /// Entries still queued afterwards.
    pub still_queued: usize,
    /// Why entries are still queued (one sentence each).
    pub problems: Vec<String>,
}

/// Replays every entry of the store's journal (see the module doc), oldest start first. Stops
/// at the first entry that finds the store locked (the others would wait as long in vain).
pub fn replay(store: &mut Store) -> ReplayReport {
    let dir = store.journal_dir().to_path_buf();
    let mut report = ReplayReport {
        dir: dir.clone(),
        ..ReplayReport::default()
    };
    let Ok(listing) = std::fs::read_dir(&dir) else {
        return report;
    };
    let mut entries: Vec<(PathBuf, Entry)> = Vec::new();
    for path in listing.filter_map(|e| e.ok()).map(|e| e.path()) {
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        // Temporaries of an interrupted entry write start with a dot: never an entry.
        if name.starts_with('.') || !name.ends_with(".json") {
            continue;
        }
        let parsed = std::fs::read(&path)
            .map_err(|e| e.to_string())
            .and_then(|b| serde_json::from_slice::<Entry>(&b).map_err(|e| e.to_string()));
        match parsed {
            Ok(entry) if entry.format == FORMAT => entries.push((path, entry)),
            Ok(entry) => {
                report.still_queued += 1;
                report.problems.push(format!(
                    "{}: unknown journal format {:?}; left in place",
                    path.display(),
                    entry.format
                ));
            }
            // Removed by a concurrent replay between the listing and the read.
            Err(_) if !path.exists() => {}
            Err(e) => {
                report.still_queued += 1;
                report.problems.push(format!(
                    "{}: not a journal entry ({e}); left in place",
                    path.display()
                ));
            }
        }
    }
    entries.sort_by(|a, b| (&a.1.record.started_at, &a.0).cmp(&(&b.1.record.started_at, &b.0)));
    let total = entries.len();
    for (i, (path, mut entry)) in entries.into_iter().enumerate() {
        let (json, row, _plot) = apply(store, &mut entry, Some(&path), |_| {});
        match (&json, &row) {
            (Ok(json_path), Ok(inserted)) => {
                if let Err(e) = remove_entry(&path) {
                    report.problems.push(e.to_string());
                }
                report.completed.push(Replayed {
                    record_id: entry.record_id.clone(),
                    serial: entry.record.serial.clone(),
                    outcome: entry.record.outcome,
                    json_path: json_path.clone(),
                    row_inserted: inserted.new,
                });
            }
            _ => {
                report.still_queued += 1;
                for e in [json.as_ref().err(), row.as_ref().err()]
                    .into_iter()
                    .flatten()
                {
                    report
                        .problems
                        .push(format!("{}: {}", path.display(), describe(e)));
                }
                if row.as_ref().is_err_and(RecordError::is_busy) {
                    report.still_queued += total - i - 1;
                    break;
                }
            }
        }
    }
    report
}
