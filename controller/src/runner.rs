//! One whole L10 test as the CLI runs it: check every input before the rig is touched (map,
//! recipe against limits and map, serial number, output directory, database), run the sequence,
//! then commit the record through the record journal ([`crate::records::journal`]): journal
//! entry (fsync'd) first, then JSON file, SQLite row and trace plot, each replayed at the next
//! start if a kill or a locked store interrupts them. The verdict is returned whatever the
//! commit met.

use std::net::{SocketAddr, ToSocketAddrs};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use sha2::{Digest, Sha256};

use tokio::sync::watch;

use coldtray_io::config::ConfigError;

use crate::l10::guard::run_guarded;
use crate::l10::owner::{lock_rig, watch_heartbeat, OwnerError};
use crate::l10::recipe::{load_recipe, validate_against_map, Recipe};
use crate::l10::result::{Provenance, TestRecord};
use crate::l10::sequence::{run_sequence, RunOptions};
use crate::link::error::LinkError;
use crate::link::{Link, LinkConfig};
use crate::records::journal::{self, Commit};
use crate::records::plot::PlotParams;
use crate::records::record::{check_writable_dir, validate_serial, RecordError};
use crate::records::store::{Location, Store, StoreOptions};
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
    /// A station or operator id is not usable in a record.
    #[error("{what} {value:?} is invalid: {problem}; use 1–64 printable characters")]
    BadId {
        /// Which id (`--operator`, `--station`, `station.toml id`).
        what: String,
        /// The value as given.
        value: String,
        /// What is wrong with it.
        problem: &'static str,
    },
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
    /// The station's id for the record's provenance (`None`: a hand-started test). Check a
    /// value with [`validate_id`] before setting it.
    pub station_id: Option<String>,
    /// The operator's id for the record's provenance. Check with [`validate_id`].
    pub operator: Option<String>,
    /// SHA-256 of the recipe file's bytes (hex), when the file could be read.
    pub recipe_sha256: Option<String>,
    /// SHA-256 of the register map file's bytes (hex), when the file could be read.
    pub map_sha256: Option<String>,
}

/// Checks a station or operator id (`what` names it in the error: `--operator`): non-empty,
/// at most 64 characters, no control characters, not only blanks.
pub fn validate_id(what: &str, value: &str) -> Result<(), RunError> {
    let bad = |problem| {
        Err(RunError::BadId {
            what: what.to_string(),
            value: value.to_string(),
            problem,
        })
    };
    if value.trim().is_empty() {
        bad("it is empty")
    } else if value.chars().count() > 64 {
        bad("it is longer than 64 characters")
    } else if value.chars().any(char::is_control) {
        bad("it contains a control character")
    } else {
        Ok(())
    }
}

/// SHA-256 of a file's bytes, lowercase hex; `None` when it cannot be read (a map or recipe
/// built in memory has no file).
pub fn file_sha256(path: &Path) -> Option<String> {
    let bytes = std::fs::read(path).ok()?;
    Some(
        Sha256::digest(&bytes)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect(),
    )
}

/// The limits a recipe judges a tray against, as the record's `provenance.limits`: the rig
/// safety limits, the leak test's pressure and pass threshold, and each flow step's bands.
pub fn recipe_limits(recipe: &Recipe) -> serde_json::Value {
    let flow = recipe.flow.as_ref().map(|f| {
        f.steps
            .iter()
            .map(|s| {
                serde_json::json!({
                    "speed_pct": s.speed_pct,
                    "min_flow_lpm": s.min_flow_lpm,
                    "max_flow_lpm": s.max_flow_lpm,
                    "max_dp_kpa": s.max_dp_kpa,
                })
            })
            .collect::<Vec<_>>()
    });
    serde_json::json!({
        "max_pressure_kpa": recipe.limits.max_pressure_kpa,
        "max_pump_speed_pct": recipe.limits.max_pump_speed_pct,
        "max_flow_lpm": recipe.limits.max_flow_lpm,
        "test_pressure_kpa": recipe.leak.test_pressure_kpa,
        "max_leak_sccm": recipe.leak.max_leak_sccm,
        "flow_steps": flow,
    })
}

/// Who ran a test, with what and where: the inputs of [`provenance`] that the caller knows
/// before the test (a hand-started `leak-test` through [`Prepared`], or a station).
#[derive(Debug, Clone, Default)]
pub struct TestOrigin {
    /// The station's id (`None`: a hand-started test).
    pub station_id: Option<String>,
    /// The operator's id.
    pub operator: Option<String>,
    /// SHA-256 of the recipe file ([`file_sha256`]).
    pub recipe_sha256: Option<String>,
    /// SHA-256 of the register map file.
    pub map_sha256: Option<String>,
    /// Why a tray that failed is tested again (a station asks for it).
    pub retest_reason: Option<String>,
}

/// The record's provenance for a test of `recipe` by `origin` that took `duration_s` wall
/// seconds (monotonic clock) on a rig that did (`emulator`) or did not say it is an
/// emulator, at `time_scale`: a dry run when either says it was not a production test.
pub fn provenance(
    origin: &TestOrigin,
    recipe: &Recipe,
    duration_s: f64,
    emulator: bool,
    time_scale: f64,
) -> Provenance {
    Provenance {
        station_id: origin.station_id.clone(),
        operator: origin.operator.clone(),
        recipe_sha256: origin.recipe_sha256.clone(),
        map_sha256: origin.map_sha256.clone(),
        limits: Some(recipe_limits(recipe)),
        coldtray_version: Some(env!("CARGO_PKG_VERSION").to_string()),
        host: host_name(),
        duration_s: Some(duration_s),
        dry_run: emulator || time_scale != 1.0,
        retest_reason: origin.retest_reason.clone(),
    }
}

/// Asks the rig once whether it is an emulator (the map's optional `rig_is_emulator`
/// signal): `false` when the map has no such signal or the read fails (a real PLC).
pub async fn rig_is_emulator(link: &crate::link::LinkHandle, map: &RegisterMap) -> bool {
    if map.get(SignalName::RigIsEmulator).is_none() {
        return false;
    }
    match link.read(&[SignalName::RigIsEmulator]).await {
        Ok(sample) => sample.flag(SignalName::RigIsEmulator) == Some(true),
        Err(_) => false,
    }
}

/// This machine's host name (for the record), `None` when the system will not say.
pub fn host_name() -> Option<String> {
    let name = gethostname::gethostname()
        .to_string_lossy()
        .trim()
        .to_string();
    (!name.is_empty()).then_some(name)
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
fn check_record_paths(
    out_dir: &Path,
    db_path: &Path,
    options: &StoreOptions,
) -> Result<PathBuf, RecordError> {
    check_writable_dir(out_dir)?;
    let location = Location::from(db_path);
    check_writable_dir(&location.journal_dir(options))?;
    if let Location::Sqlite(db_path) = &location {
        check_sqlite_paths(db_path)?;
    }
    std::path::absolute(out_dir).map_err(|source| RecordError::Io {
        path: out_dir.to_path_buf(),
        action: "cannot be made an absolute path",
        source,
    })
}

/// The SQLite file's directory (and the file, if there is one) are writable.
fn check_sqlite_paths(db_path: &Path) -> Result<(), RecordError> {
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
    Ok(())
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
        let out_dir = check_record_paths(out_dir, db_path, store)?;
        // Opening replays records a killed or blocked earlier run left queued.
        let store = Store::open_with(db_path, store)?;
        // Hashed as they are on disk now, right after loading: what the test runs with.
        let recipe_sha256 = file_sha256(&recipe.source);
        let map_sha256 = file_sha256(&map.source);
        Ok(Prepared {
            map: Arc::new(map),
            recipe,
            serial: serial.to_string(),
            addr,
            out_dir,
            store,
            station_id: None,
            operator: None,
            recipe_sha256,
            map_sha256,
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
        // The same read asks the rig whether it is an emulator, when the map says how.
        let mut first = vec![SignalName::TestPressure];
        if self.map.get(SignalName::RigIsEmulator).is_some() {
            first.push(SignalName::RigIsEmulator);
        }
        let sample = link.read(&first).await.map_err(RunError::Unreachable)?;
        let emulator = sample.flag(SignalName::RigIsEmulator) == Some(true);
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
        let started = Instant::now();
        let mut record = run_guarded(&link, sequence, &self.serial, &self.recipe.name, opts).await;
        let duration_s = started.elapsed().as_secs_f64();
        drop(link);
        let origin = TestOrigin {
            station_id: self.station_id.clone(),
            operator: self.operator.clone(),
            recipe_sha256: self.recipe_sha256.clone(),
            map_sha256: self.map_sha256.clone(),
            retest_reason: None,
        };
        record.provenance =
            provenance(&origin, &self.recipe, duration_s, emulator, opts.time_scale);
        let commit = journal::commit(
            &mut self.store,
            &self.out_dir,
            &record,
            PlotParams::of(&self.recipe),
        );
        Ok(Completed { record, commit })
    }
}
