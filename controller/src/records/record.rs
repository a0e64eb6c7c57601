//! Keeping a test's record as a file: serial numbers checked (they become file names), a
//! unique name per test, and the JSON written atomically and durably (`coldtray_io`), so a
//! crash or power loss never leaves half a record and never replaces an earlier one.

use std::io::Write;
use std::path::{Path, PathBuf};

use coldtray_io::atomic::{AtomicFile, Durability};

use crate::l10::result::TestRecord;

/// A record that could not be written, stored or drawn.
#[derive(Debug, thiserror::Error)]
pub enum RecordError {
    /// The serial number cannot name a file.
    #[error("serial number {serial:?} is invalid: {problem}; use 1–64 characters from A–Z a–z 0–9 . _ -")]
    BadSerial {
        /// The serial as given.
        serial: String,
        /// What is wrong with it.
        problem: String,
    },
    /// A file or directory operation failed.
    #[error("{}: {action}", path.display())]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// What was being done, e.g. `"cannot create"`.
        action: &'static str,
        /// The operating system's error.
        #[source]
        source: std::io::Error,
    },
    /// The record could not be turned into (or read back from) JSON.
    #[error("cannot serialise or read back the record as JSON")]
    Json(#[from] serde_json::Error),
    /// The record's `started_at` is not an RFC 3339 time (the store orders rows by it).
    #[error(
        "the record's started_at {value:?} is not an RFC 3339 time such as 2026-11-26T12:00:00Z"
    )]
    StartedAt {
        /// The value as found in the record.
        value: String,
        /// Why chrono rejected it.
        #[source]
        source: chrono::ParseError,
    },
    /// A database operation failed.
    #[error("{}: SQLite", path.display())]
    Sqlite {
        /// The database file.
        path: PathBuf,
        /// What SQLite reported.
        #[source]
        source: rusqlite::Error,
    },
    /// A PostgreSQL store operation failed.
    #[error("{location}: PostgreSQL: {message}")]
    Postgres {
        /// The store's URL, without its password.
        location: String,
        /// What the client or the server reported.
        message: String,
        /// The server could not be reached or the connection broke (not a statement's
        /// error): the record stays queued and is inserted later.
        unavailable: bool,
    },
    /// The trace plot could not be drawn.
    #[error("{}: cannot draw the trace plot: {message}", path.display())]
    Plot {
        /// The PNG that was being written.
        path: PathBuf,
        /// What the plotting library reported.
        message: String,
    },
}

impl RecordError {
    /// The store cannot take the row now: SQLite locked by another connection beyond the busy
    /// timeout, or the PostgreSQL server unreachable. The record waits in the journal.
    pub fn is_busy(&self) -> bool {
        match self {
            RecordError::Sqlite { source, .. } => crate::records::store::is_busy(source),
            RecordError::Postgres { unavailable, .. } => *unavailable,
            _ => false,
        }
    }
}

/// Serial numbers become file names: 1–64 characters of `[A-Za-z0-9._-]`, not `.`/`..`.
pub fn validate_serial(serial: &str) -> Result<(), RecordError> {
    let bad = |problem: &str| {
        Err(RecordError::BadSerial {
            serial: serial.to_string(),
            problem: problem.to_string(),
        })
    };
    if serial.is_empty() {
        return bad("it is empty");
    }
    if serial.len() > 64 {
        return bad("it is longer than 64 characters");
    }
    if let Some(c) = serial
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-')))
    {
        return bad(&format!("it contains {c:?}"));
    }
    if serial.chars().all(|c| c == '.') {
        return bad("it is only dots");
    }
    Ok(())
}

/// `DIR/<serial>-<YYYYMMDDTHHMMSSZ>[-n].json`: compact UTC stamp (no `:` so the name is valid
/// on every file system); `-2`, `-3`… when a record of the same serial and second exists.
pub fn record_path(dir: &Path, record: &TestRecord) -> PathBuf {
    let base = format!("{}-{}", record.serial, compact_stamp(&record.started_at));
    let mut path = dir.join(format!("{base}.json"));
    let mut n = 2;
    while path.exists() {
        path = dir.join(format!("{base}-{n}.json"));
        n += 1;
    }
    path
}

/// `2026-11-26T12:00:00Z` → `20261126T120000Z` (no `:`, valid in every file system's names).
pub fn compact_stamp(started_at: &str) -> String {
    started_at
        .chars()
        .filter(|c| *c != '-' && *c != ':')
        .collect()
}

/// The JSON record file's bytes: `record_id` first, then the record's fields (the contract's
/// fields are unchanged; `record_id` is an extra field the contract allows).
pub fn json_bytes(record: &TestRecord, record_id: &str) -> Result<Vec<u8>, RecordError> {
    #[derive(serde::Serialize)]
    struct WithId<'a> {
        record_id: &'a str,
        #[serde(flatten)]
        record: &'a TestRecord,
    }
    Ok(serde_json::to_vec_pretty(&WithId { record_id, record })?)
}

/// The `record_id` of the JSON record file at `path`, if it is readable and has one.
pub fn file_record_id(path: &Path) -> Option<String> {
    #[derive(serde::Deserialize)]
    struct IdOnly {
        record_id: Option<String>,
    }
    let bytes = std::fs::read(path).ok()?;
    serde_json::from_slice::<IdOnly>(&bytes).ok()?.record_id
}

/// Writes `bytes` to `path` atomically and durably, only if nothing is there: an existing
/// file is an `Io` error of kind `AlreadyExists` and is left untouched (create-exclusive:
/// the name is taken by a no-replace rename, so two writers can never both get it).
pub fn write_new(path: &Path, bytes: &[u8]) -> Result<(), RecordError> {
    let io = |action: &'static str| {
        move |source| RecordError::Io {
            path: path.to_path_buf(),
            action,
            source,
        }
    };
    let mut file = AtomicFile::create(path).map_err(io("cannot create"))?;
    file.write_all(bytes).map_err(io("cannot write"))?;
    file.commit_new(Durability::Durable)
        .map_err(io("cannot commit"))
}

/// Checks that files can be created in `dir` (created if missing) by creating and removing a
/// probe file — "exists" is not enough: a read-only directory exists too.
pub fn check_writable_dir(dir: &Path) -> Result<(), RecordError> {
    let io = |path: &Path, action: &'static str| {
        let path = path.to_path_buf();
        move |source| RecordError::Io {
            path,
            action,
            source,
        }
    };
    std::fs::create_dir_all(dir).map_err(io(dir, "cannot create the directory"))?;
    // Unique per process and call, so concurrent checks of one directory never collide.
    static CALLS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let probe = dir.join(format!(
        ".coldtray-write-check-{}-{}",
        std::process::id(),
        CALLS.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
    ));
    std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&probe)
        .and_then(|mut f| f.write_all(b"coldtray"))
        .map_err(io(
            dir,
            "is not writable (a test file cannot be created in it)",
        ))?;
    std::fs::remove_file(&probe).map_err(io(
        &probe,
        "is not removable (files in this directory cannot be removed)",
    ))
}

/// Serialises the record (under a fresh record id) and writes it to [`record_path`]
/// atomically and durably (fsync of the file and its directory); returns the path. Never
/// replaces a file: when another writer takes the name first, the next free name is used.
/// (A test's commit goes through [`crate::records::journal::commit`], which also keeps the
/// name chosen in its journal entry.)
pub fn write_json(dir: &Path, record: &TestRecord) -> Result<PathBuf, RecordError> {
    validate_serial(&record.serial)?;
    let json = json_bytes(record, &crate::records::journal::new_record_id(record))?;
    loop {
        let path = record_path(dir, record);
        match write_new(&path, &json) {
            Ok(()) => return Ok(path),
            // Taken by another writer since `record_path` looked: the next free name.
            Err(RecordError::Io { source, .. })
                if source.kind() == std::io::ErrorKind::AlreadyExists && path.is_file() =>
            {
                continue
            }
            Err(e) => return Err(e),
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::l10::result::sample_record;

    #[test]
    fn serials() {
        for ok in ["SN0001", "a.b_c-D", &"x".repeat(64)] {
            assert!(validate_serial(ok).is_ok(), "{ok}");
        }
        for bad in ["", "..", "a/b", "a b", "sn:1", "ü", &"x".repeat(65), "a\\b"] {
            let e = validate_serial(bad).unwrap_err().to_string();
            assert!(e.contains("A–Z a–z 0–9"), "{e}");
        }
    }

    #[test]
    fn atomic_write_and_unique_names() {
        let dir = std::env::temp_dir().join(format!("ctrl-rec-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let r = sample_record();
        let p1 = write_json(&dir, &r).unwrap();
        assert_eq!(p1.file_name().unwrap(), "SN0001-20261126T120000Z.json");
        let p2 = write_json(&dir, &r).unwrap();
        assert_eq!(p2.file_name().unwrap(), "SN0001-20261126T120000Z-2.json");
        let back: TestRecord = serde_json::from_slice(&std::fs::read(&p1).unwrap()).unwrap();
        assert_eq!(back, r);
        // No temporary files left behind.
        let names: Vec<_> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert!(names.iter().all(|n| !n.contains(".tmp")), "{names:?}");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
