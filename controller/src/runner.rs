//! One whole L10 test as the CLI runs it: check every input before the rig is touched (map,
//! recipe against limits and map, serial number, output directory, database), run the sequence,
//! then commit the record through the record journal ([`crate::records::journal`]): journal
//! entry (fsync'd) first, then JSON file, SQLite row and trace plot, each replayed at the next
//! start if a kill or a locked store interrupts them. The verdict is returned whatever the
//! commit met.

use std::net::{SocketAddr, ToSocketAddrs};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::watch;

use coldtray_io::config::ConfigError;

use crate::l10::guard::run_guarded;
use crate::l10::owner::{lock_rig, watch_heartbeat, OwnerError};
use crate::l10::recipe::{load_recipe, validate_against_map, Recipe};
use crate::l10::result::TestRecord;
use crate::l10::sequence::{run_sequence, RunOptions};
use crate::link::error::LinkError;
use crate::link::{Link, LinkConfig};
use crate::records::journal::{self, Commit};
use crate::records::plot::PlotParams;
use crate::records::record::{check_writable_dir, validate_serial, RecordError};
use crate::records::store::{Store, StoreOptions};
use crate::rig::map::RegisterMap;
use crate::rig::names::SignalName;
use crate::rig::parse::load_map;

/// Something stopped the test before it started, or the record could not be stored.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    /// The register map or the recipe is invalid (or they do not fit each other).
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// The serial number is invalid, or the record could not be stored.
    #[error(transparent)]
    Record(#[from] RecordError),
    /// The rig's `HOST:PORT` does not resolve.
    #[error("cannot resolve the rig address {address:?}; give HOST:PORT, e.g. 127.0.0.1:5020")]
    Address {
        /// The address as given.
        address: String,
        /// Why it does not resolve.
        #[source]
        source: std::io::Error,
    },
    /// Another controller owns the rig (host lock or a live heartbeat): nothing was sent to the
    /// rig and nothing recorded.
    #[error(transparent)]
    Owner(#[from] OwnerError),
    /// The first read failed: nothing was sent to the rig and nothing recorded.
    #[error("the rig does not answer, so no test was started and nothing was recorded; check --connect / the map's [connection] (host, port, unit_id) and that the PLC (or `coldtray emulate`) is running")]
    Unreachable(#[source] LinkError),
}

/// Everything checked and ready; nothing has been sent to the rig yet.
pub struct Prepared {
    /// The register map.
    pub map: Arc<RegisterMap>,
    /// The recipe, validated against the map.
    pub recipe: Recipe,
    /// Serial number of the tray (a valid file name).
    pub serial: String,
    /// The rig's address.
    pub addr: SocketAddr,
    /// Where the JSON record and the plot go (absolute: the journal names files by it).
    pub out_dir: PathBuf,
    /// The open result store.
    pub store: Store,
}

/// A finished test and what committing its record did (the JSON file, the row, the plot and
/// the journal entry, step by step: a locked store or an unwritable directory leaves the
/// record queued, never the verdict unknown).
#[derive(Debug)]
pub struct Completed {
    /// The record.
    pub record: TestRecord,
    /// The commit, step by step.
    pub commit: Commit,
}

/// Resolves `HOST:PORT` (the first address).
pub fn resolve(address: &str) -> Result<SocketAddr, RunError> {
    let err = |source: std::io::Error| RunError::Address {
        address: address.to_string(),
        source,
    };
    address
        .to_socket_addrs()
        .map_err(err)?
        .next()
        .ok_or_else(|| {
            err(std::io::Error::new(
                std::io::ErrorKind::NotFound,
                "the name resolves to no address",
            ))
        })
}

/// Loads and validates every input; opens the store and creates the output directory.
/// `connect` overrides the map's host and port.
pub fn prepare(
    map_path: &Path,
    recipe_path: &Path,
    serial: &str,
    connect: Option<&str>,
    out_dir: &Path,
    db_path: &Path,
) -> Result<Prepared, RunError> {
    prepare_with(
        map_path,
        recipe_path,
        serial,
        connect,
        out_dir,
        db_path,
        &StoreOptions::default(),
    )
}

/// As [`prepare`], with the store opened with `store` (e.g. a shorter busy timeout).
pub fn prepare_with(
    map_path: &Path,
    recipe_path: &Path,
    serial: &str,
    connect: Option<&str>,
    out_dir: &Path,
    db_path: &Path,
    store: &StoreOptions,
) -> Result<Prepared, RunError> {
    validate_serial(serial)?;
    let map = load_map(map_path)?;
    let recipe = load_recipe(recipe_path)?;
    validate_against_map(&recipe, &map)?;
    Prepared::new_with(map, recipe, serial, connect, out_dir, db_path, store)
}

/// Creates `out_dir` and checks that it, the database's directory (and the database file, if
/// there is one) and the record journal's directory are writable — by creating and removing a
/// file, since a read-only directory exists too. Returns `out_dir` made absolute.
fn check_record_paths(out_dir: &Path, db_path: &Path) -> Result<PathBuf, RecordError> {
    check_writable_dir(out_dir)?;
    let db_dir = match db_path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    check_writable_dir(&db_dir)?;
    if db_path.exists() {
        std::fs::OpenOptions::new()
            .append(true)
            .open(db_path)
            .map_err(|source| RecordError::Io {
                path: db_path.to_path_buf(),
                action: "is not writable (the result store cannot take a row)",
                source,
            })?;
    }
    check_writable_dir(&journal::journal_dir(db_path))?;
    std::path::absolute(out_dir).map_err(|source| RecordError::Io {
        path: out_dir.to_path_buf(),
        action: "cannot be made an absolute path",
        source,
    })
}

impl Prepared {
    /// As [`prepare`], from an already-loaded map and recipe.
    pub fn new(
        map: RegisterMap,
        recipe: Recipe,
        serial: &str,
        connect: Option<&str>,
        out_dir: &Path,
        db_path: &Path,
    ) -> Result<Prepared, RunError> {
        Prepared::new_with(
            map,
            recipe,
            serial,
            connect,
            out_dir,
            db_path,
            &StoreOptions::default(),
        )
    }

    /// As [`Prepared::new`], with the store opened with `store`.
    pub fn new_with(
        map: RegisterMap,
        recipe: Recipe,
        serial: &str,
        connect: Option<&str>,
        out_dir: &Path,
        db_path: &Path,
        store: &StoreOptions,
    ) -> Result<Prepared, RunError> {
        validate_serial(serial)?;
        validate_against_map(&recipe, &map)?;
        let address = match connect {
            Some(a) => a.to_string(),
            None => format!("{}:{}", map.connection.host, map.connection.port),
        };
        let addr = resolve(&address)?;
        let out_dir = check_record_paths(out_dir, db_path)?;
        // Opening replays records a killed or blocked earlier run left queued.
        let store = Store::open_with(db_path, store)?;
        Ok(Prepared {
            map: Arc::new(map),
            recipe,
            serial: serial.to_string(),
            addr,
            out_dir,
            store,
        })
    }

    /// Runs the test and commits its record. `cancel` set to `true` aborts the test
    /// (safe state, `aborted` record). Must run inside a tokio runtime.
    pub async fn run(
        mut self,
        opts: &RunOptions,
        cancel: watch::Receiver<bool>,
    ) -> Result<Completed, RunError> {
        // One owner per rig: the host lock (held until the record is committed), then a look
        // at the heartbeat — both before the first write.
        let _lock = lock_rig(self.addr, self.map.connection.unit_id)?;
        let link = Link::spawn(self.map.clone(), LinkConfig::from_map(&self.map, self.addr));
        // A read touches nothing: if the rig cannot even be read, this is a setup error, not a
        // test (no record, and no safe-state retries against a rig that is not there).
        link.read(&[SignalName::TestPressure])
            .await
            .map_err(RunError::Unreachable)?;
        let scale = if opts.time_scale.is_finite() && opts.time_scale >= 1.0 {
            opts.time_scale
        } else {
            1.0
        };
        let period = Duration::from_secs_f64(self.map.connection.poll_ms as f64 / 1000.0 / scale);
        let polls = (Duration::from_millis(100).as_secs_f64() / period.as_secs_f64()).ceil();
        watch_heartbeat(&link, self.addr, period, (polls as u32).clamp(4, 100)).await?;
        let sequence = {
            let (link, recipe, serial, opts) = (
                link.clone(),
                self.recipe.clone(),
                self.serial.clone(),
                opts.clone(),
            );
            async move { run_sequence(&link, &recipe, &serial, &opts, cancel).await }
        };
        let record = run_guarded(&link, sequence, &self.serial, &self.recipe.name, opts).await;
        drop(link);
        let commit = journal::commit(
            &mut self.store,
            &self.out_dir,
            &record,
            PlotParams::of(&self.recipe),
        );
        Ok(Completed { record, commit })
    }
}
