//! The station service: ONE task (the rig task) owns the link to the rig for the station's
//! whole life, reads the rig's state between tests, checks and starts tests one at a time,
//! and commits each record through the record journal. Everything else (web handlers, the
//! stdin scanner loop) talks to it through a command channel, and watches it through the
//! shared [`Status`] and a broadcast of [`StreamEvent`]s.
//!
//! The link actor reconnects by itself, so a rig that is switched off between tests shows as
//! `link: "down"` and comes back when it answers again; a test is never started on a rig
//! that does not answer, is e-stopped, reports a pump fault or still holds pressure.

pub mod status;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use chrono::Utc;
use coldtray_controller::l10::guard::run_guarded;
use coldtray_controller::l10::live::LiveEvent;
use coldtray_controller::l10::owner::{lock_rig, RigLock};
use coldtray_controller::l10::result::format_time;
use coldtray_controller::l10::sequence::{run_sequence, VENTED_KPA};
use coldtray_controller::link::LinkConfig;
use coldtray_controller::records::journal::{self, Commit};
use coldtray_controller::records::plot::PlotParams;
use coldtray_controller::records::record::{check_writable_dir, validate_serial};
use coldtray_controller::records::store::{first_pass_yield, Filter, Store, TestSummary};
use coldtray_controller::runner::{provenance, resolve, rig_is_emulator, TestOrigin};
use coldtray_controller::{Link, LinkHandle, Outcome, RunOptions, SignalName, TestRecord};
use serde::Serialize;
use tokio::sync::{broadcast, mpsc, oneshot, watch};

use crate::config::StationConfig;
use status::{CurrentTest, LastVerdict, RigStatus, Status, StreamEvent};

/// How often the rig is read between tests, wall clock.
const IDLE_POLL: Duration = Duration::from_millis(250);

/// A test request (from the web page, the API or the scanner).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StartRequest {
    /// Serial number of the tray.
    pub serial: String,
    /// The operator's id.
    pub operator: String,
    /// Why the tray is tested again (required for a retest after a FAIL).
    pub reason: Option<String>,
}

/// A refused request: HTTP status, the field at fault and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, thiserror::Error)]
#[error("{field}: {error}")]
pub struct Refusal {
    /// HTTP status code (400, 401, 409, 422, 503).
    #[serde(skip)]
    pub status: u16,
    /// The request field (or `rig`, `station`) the problem is with.
    pub field: String,
    /// What is wrong and what would be valid.
    pub error: String,
}

impl Refusal {
    /// A refusal.
    pub fn new(status: u16, field: &str, error: impl Into<String>) -> Refusal {
        Refusal {
            status,
            field: field.to_string(),
            error: error.into(),
        }
    }
}

/// What a started test is.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Accepted {
    /// Serial number of the tray.
    pub serial: String,
    /// The recipe chosen by the serial's pattern.
    pub recipe: String,
    /// The operator.
    pub operator: String,
}

enum Command {
    Start(StartRequest, oneshot::Sender<Result<Accepted, Refusal>>),
    Stop(oneshot::Sender<Result<String, Refusal>>),
}

/// The last tests and today's first-pass yield (`GET /api/records`).
#[derive(Debug, Clone, Serialize)]
pub struct RecordsView {
    /// The last 20 tests, newest first.
    pub tests: Vec<RecordRow>,
    /// Today's (UTC) first-pass yield.
    pub today: YieldView,
}

/// One row of [`RecordsView`].
#[derive(Debug, Clone, Serialize)]
pub struct RecordRow {
    /// Serial number.
    pub serial: String,
    /// Recipe name.
    pub recipe: String,
    /// Start, RFC 3339 UTC.
    pub started_at: String,
    /// The verdict.
    pub outcome: Outcome,
    /// The reason sentence.
    pub reason: String,
    /// Leak rate, sccm.
    pub leak_sccm: Option<f64>,
    /// Station that ran it.
    pub station_id: Option<String>,
    /// A dry run (emulator or time scale ≠ 1), not a production test.
    pub dry_run: bool,
}

/// First-pass yield.
#[derive(Debug, Clone, Serialize)]
pub struct YieldView {
    /// Serials with a verdict.
    pub serials: usize,
    /// Of those, serials whose first verdict was PASS.
    pub first_pass: usize,
    /// Serials with only aborted tests.
    pub only_aborted: usize,
    /// `first_pass / serials` (`None` with no serial).
    pub fpy: Option<f64>,
}

/// The handle everything but the rig task holds.
#[derive(Clone)]
pub struct Station {
    shared: Arc<Shared>,
    commands: mpsc::Sender<Command>,
}

struct Shared {
    config: StationConfig,
    status: Mutex<Status>,
    events: broadcast::Sender<StreamEvent>,
    store: Arc<Mutex<Store>>,
}

/// The station could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// The rig address, the record paths or the store.
    #[error(transparent)]
    Run(#[from] coldtray_controller::runner::RunError),
    /// The record directory or store.
    #[error(transparent)]
    Record(#[from] coldtray_controller::records::record::RecordError),
    /// Another controller holds the rig.
    #[error(transparent)]
    Owner(#[from] coldtray_controller::l10::owner::OwnerError),
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl Station {
    /// Opens the store (replaying queued records), takes the rig's host lock for the
    /// station's life, opens the link and starts the rig task. Must run inside a tokio
    /// runtime.
    pub fn start(config: StationConfig) -> Result<Station, StartError> {
        let address = match &config.connect {
            Some(a) => a.clone(),
            None => format!(
                "{}:{}",
                config.map.connection.host, config.map.connection.port
            ),
        };
        let addr = resolve(&address)?;
        check_writable_dir(&config.records)?;
        let records = std::path::absolute(&config.records).unwrap_or(config.records.clone());
        let store = Store::open(&config.db)?;
        for r in &store.replayed().completed {
            tracing::info!(
                "completed a queued record: {} {}",
                r.serial,
                r.outcome.as_str()
            );
        }
        let rig_lock = lock_rig(addr, config.map.connection.unit_id)?;
        let map = Arc::new(config.map.clone());
        let link = Link::spawn(map.clone(), LinkConfig::from_map(&map, addr));
        let (events, _) = broadcast::channel(1024);
        let status = Status {
            station_id: config.id.clone(),
            operators: config.operators.clone(),
            rig: RigStatus::unread(
                addr.to_string(),
                "unknown",
                Some("the rig has not been read yet".into()),
            ),
            test: None,
            last: None,
        };
        let shared = Arc::new(Shared {
            config,
            status: Mutex::new(status),
            events,
            store: Arc::new(Mutex::new(store)),
        });
        let (commands, rx) = mpsc::channel(16);
        let task = RigTask {
            shared: shared.clone(),
            link,
            addr,
            records,
            _rig_lock: rig_lock,
            cancel: None,
        };
        tokio::spawn(task.run(rx));
        Ok(Station { shared, commands })
    }

    /// The configuration.
    pub fn config(&self) -> &StationConfig {
        &self.shared.config
    }

    /// The status now.
    pub fn status(&self) -> Status {
        lock(&self.shared.status).clone()
    }

    /// Status changes and live events from now on.
    pub fn subscribe(&self) -> broadcast::Receiver<StreamEvent> {
        self.shared.events.subscribe()
    }

    /// Checks the request and starts the test (returns once it runs).
    pub async fn start_test(&self, request: StartRequest) -> Result<Accepted, Refusal> {
        let (tx, rx) = oneshot::channel();
        self.commands
            .send(Command::Start(request, tx))
            .await
            .map_err(|_| Refusal::new(503, "station", "the station is shutting down"))?;
        rx.await
            .map_err(|_| Refusal::new(503, "station", "the station is shutting down"))?
    }

    /// Aborts the running test (the rig is driven to its safe state; the record says aborted).
    pub async fn stop_test(&self) -> Result<String, Refusal> {
        let (tx, rx) = oneshot::channel();
        self.commands
            .send(Command::Stop(tx))
            .await
            .map_err(|_| Refusal::new(503, "station", "the station is shutting down"))?;
        rx.await
            .map_err(|_| Refusal::new(503, "station", "the station is shutting down"))?
    }

    /// The last 20 tests (newest first) and today's first-pass yield, from the store.
    pub async fn records(&self) -> Result<RecordsView, String> {
        let store = self.shared.store.clone();
        // This station's own tests (a line's shared store holds every station's); its dry runs
        // only while it runs dry itself.
        let filter = Filter {
            station: Some(self.shared.config.id.clone()),
            include_dry_runs: self.shared.config.is_dry(),
            ..Filter::default()
        };
        tokio::task::spawn_blocking(move || {
            let store = lock(&store);
            let all = store.list(&filter).map_err(|e| journal::describe(&e))?;
            let midnight = Utc::now()
                .date_naive()
                .and_hms_opt(0, 0, 0)
                .map(|t| t.and_utc().timestamp());
            let y = first_pass_yield(&all, midnight);
            let tests = all.iter().rev().take(20).map(row).collect();
            Ok(RecordsView {
                tests,
                today: YieldView {
                    serials: y.serials,
                    first_pass: y.first_pass,
                    only_aborted: y.only_aborted,
                    fpy: y.fraction(),
                },
            })
        })
        .await
        .map_err(|e| e.to_string())?
    }
}

fn row(t: &TestSummary) -> RecordRow {
    RecordRow {
        serial: t.serial.clone(),
        recipe: t.recipe.clone(),
        started_at: t.started_at.clone(),
        outcome: t.outcome,
        reason: t.reason.clone(),
        leak_sccm: t.leak_sccm,
        station_id: t.provenance.station_id.clone(),
        dry_run: t.provenance.dry_run,
    }
}

/// The one task that owns the link.
struct RigTask {
    shared: Arc<Shared>,
    link: LinkHandle,
    addr: SocketAddr,
    records: PathBuf,
    _rig_lock: RigLock,
    cancel: Option<watch::Sender<bool>>,
}

type Running = tokio::task::JoinHandle<(TestRecord, Commit)>;

impl RigTask {
    async fn run(mut self, mut rx: mpsc::Receiver<Command>) {
        let mut tick = tokio::time::interval(IDLE_POLL);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut running: Option<(Running, StartRequest)> = None;
        loop {
            tokio::select! {
                cmd = rx.recv() => match cmd {
                    None => return,
                    Some(Command::Start(req, reply)) => {
                        let result = if running.is_some() {
                            let serial = self.current_serial();
                            Err(Refusal::new(409, "station", format!("a test is running ({serial}); wait for its verdict or stop it")))
                        } else {
                            match self.check(&req).await {
                                Ok(accepted) => {
                                    running = Some((self.launch(&req, &accepted), req));
                                    Ok(accepted)
                                }
                                Err(e) => Err(e),
                            }
                        };
                        let _ = reply.send(result);
                    }
                    Some(Command::Stop(reply)) => {
                        let result = match (&running, &self.cancel) {
                            (Some(_), Some(cancel)) => {
                                let _ = cancel.send(true);
                                let serial = self.current_serial();
                                self.update(|s| if let Some(t) = &mut s.test { t.stopping = true });
                                Ok(serial)
                            }
                            _ => Err(Refusal::new(409, "station", "no test is running")),
                        };
                        let _ = reply.send(result);
                    }
                },
                done = async {
                    match running.as_mut() {
                        Some((h, _)) => Some(h.await),
                        None => std::future::pending().await,
                    }
                }, if running.is_some() => {
                    let (_, req) = running.take().expect("a test was running");
                    self.cancel = None;
                    self.finish(done, &req);
                    self.poll_rig().await;
                }
                _ = tick.tick(), if running.is_none() => {
                    self.poll_rig().await;
                }
            }
        }
    }

    fn current_serial(&self) -> String {
        lock(&self.shared.status)
            .test
            .as_ref()
            .map(|t| t.serial.clone())
            .unwrap_or_default()
    }

    /// Changes the status and announces it when it changed.
    fn update(&self, f: impl FnOnce(&mut Status)) {
        let mut s = lock(&self.shared.status);
        let before = s.clone();
        f(&mut s);
        if *s != before {
            let _ = self
                .shared
                .events
                .send(StreamEvent::Status(Box::new(s.clone())));
        }
    }

    /// Reads the rig's state (nothing is written) into the status.
    async fn poll_rig(&self) {
        let rig = read_rig(&self.link, self.addr).await;
        self.update(|s| s.rig = rig);
    }

    /// Every check before a test: the request, the retest policy, then a fresh read of the
    /// rig.
    async fn check(&self, req: &StartRequest) -> Result<Accepted, Refusal> {
        let c = &self.shared.config;
        let serial = req.serial.trim();
        if serial.is_empty() {
            return Err(Refusal::new(
                422,
                "serial",
                "required: scan or type the tray's serial number",
            ));
        }
        if let Err(e) = validate_serial(serial) {
            return Err(Refusal::new(422, "serial", e.to_string()));
        }
        if let Some(re) = &c.serial_pattern {
            if !re.is_match(serial) {
                return Err(Refusal::new(
                    422,
                    "serial",
                    format!(
                        "{serial:?} does not match the station's serial format {}",
                        re.as_str()
                            .trim_start_matches("^(?:")
                            .trim_end_matches(")$")
                    ),
                ));
            }
        }
        let Some(rule) = c.recipe_for(serial) else {
            let patterns: Vec<String> = c
                .recipes
                .iter()
                .map(|r| r.pattern.as_str().to_string())
                .collect();
            return Err(Refusal::new(
                422,
                "serial",
                format!(
                    "{serial:?} matches no recipe of this station ({})",
                    patterns.join(", ")
                ),
            ));
        };
        let operator = req.operator.trim();
        if !c.operators.iter().any(|o| o == operator) {
            return Err(Refusal::new(
                if operator.is_empty() { 422 } else { 403 },
                "operator",
                if operator.is_empty() {
                    "required: give your operator id".to_string()
                } else {
                    format!("{operator:?} is not an operator of this station")
                },
            ));
        }
        self.check_retest(serial, req.reason.as_deref()).await?;
        let rig = read_rig(&self.link, self.addr).await;
        let ready = rig.ready;
        let why = rig.not_ready.clone();
        self.update(|s| s.rig = rig);
        if !ready {
            let why = why.unwrap_or_default();
            let status = if why.starts_with("the rig does not answer") {
                503
            } else {
                409
            };
            return Err(Refusal::new(status, "rig", why));
        }
        Ok(Accepted {
            serial: serial.to_string(),
            recipe: rule.recipe.name.clone(),
            operator: operator.to_string(),
        })
    }

    /// The retest policy, from the store's earlier tests of `serial`.
    async fn check_retest(&self, serial: &str, reason: Option<&str>) -> Result<(), Refusal> {
        let store = self.shared.store.clone();
        // Every station's tests of the serial count (a line shares its store); dry runs
        // only on a dry-running station, so rehearsals never count against production trays.
        let filter = Filter {
            serial: Some(serial.to_string()),
            include_dry_runs: self.shared.config.is_dry(),
            ..Filter::default()
        };
        let earlier = tokio::task::spawn_blocking(move || lock(&store).list(&filter))
            .await
            .map_err(|e| Refusal::new(503, "station", e.to_string()))?
            .map_err(|e| {
                Refusal::new(
                    503,
                    "station",
                    format!("the result store cannot be read: {}", journal::describe(&e)),
                )
            })?;
        let verdicts: Vec<&TestSummary> = earlier
            .iter()
            .filter(|t| t.outcome != Outcome::Aborted)
            .collect();
        let policy = self.shared.config.retest;
        if verdicts.len() > policy.max as usize {
            return Err(Refusal::new(
                409,
                "serial",
                format!(
                    "{serial} has {} verdicts already; this station allows {} retest(s) of a serial",
                    verdicts.len(),
                    policy.max
                ),
            ));
        }
        let last_failed = verdicts.last().is_some_and(|t| t.outcome == Outcome::Fail);
        let reason_given = reason.is_some_and(|r| !r.trim().is_empty());
        if policy.reason_after_fail && last_failed && !reason_given {
            return Err(Refusal::new(
                422,
                "reason",
                format!("required: {serial} failed its last test; say why it is tested again (e.g. \"reseated fitting\")"),
            ));
        }
        Ok(())
    }

    /// Starts the test in its own task; a forwarder follows its live events into the status.
    fn launch(&mut self, req: &StartRequest, accepted: &Accepted) -> Running {
        let c = &self.shared.config;
        let rule = c.recipe_for(&accepted.serial).expect("checked").clone();
        let (cancel_tx, cancel_rx) = watch::channel(false);
        self.cancel = Some(cancel_tx);
        let (live_tx, mut live_rx) = broadcast::channel(4096);
        let opts = RunOptions {
            time_scale: c.time_scale,
            live: Some(live_tx),
            ..RunOptions::default()
        };
        self.update(|s| {
            s.test = Some(CurrentTest {
                serial: accepted.serial.clone(),
                operator: accepted.operator.clone(),
                recipe: accepted.recipe.clone(),
                started_at: format_time(Utc::now()),
                phase: None,
                t_s: None,
                phase_elapsed_s: None,
                phase_remaining_s: None,
                pressure_kpa: None,
                stopping: false,
            })
        });
        if let Some(r) = &req.reason {
            println!(
                "retest of {} by {}: {r}",
                accepted.serial, accepted.operator
            );
        }
        // The forwarder: live events into the status and onto the event stream.
        let shared = self.shared.clone();
        tokio::spawn(async move {
            loop {
                match live_rx.recv().await {
                    Ok(ev) => {
                        if !matches!(ev, LiveEvent::Sample(_)) {
                            let mut s = lock(&shared.status);
                            if let Some(t) = &mut s.test {
                                t.follow(&ev);
                            }
                            let _ = shared.events.send(StreamEvent::Status(Box::new(s.clone())));
                        } else if let Some(t) = &mut lock(&shared.status).test {
                            t.follow(&ev);
                        }
                        let _ = shared.events.send(StreamEvent::Live(ev));
                    }
                    Err(broadcast::error::RecvError::Lagged(_)) => continue,
                    Err(broadcast::error::RecvError::Closed) => return,
                }
            }
        });
        let link = self.link.clone();
        let store = self.shared.store.clone();
        let records = self.records.clone();
        let origin = TestOrigin {
            station_id: Some(c.id.clone()),
            operator: Some(accepted.operator.clone()),
            recipe_sha256: rule.sha256.clone(),
            map_sha256: c.map_sha256.clone(),
            retest_reason: req.reason.clone().filter(|r| !r.trim().is_empty()),
        };
        let map = self.shared.config.map.clone();
        let serial = accepted.serial.clone();
        tokio::spawn(async move {
            let emulator = rig_is_emulator(&link, &map).await;
            let started = Instant::now();
            let sequence = {
                let (link, recipe, serial, opts) = (
                    link.clone(),
                    rule.recipe.clone(),
                    serial.clone(),
                    opts.clone(),
                );
                async move { run_sequence(&link, &recipe, &serial, &opts, cancel_rx).await }
            };
            let mut record = run_guarded(&link, sequence, &serial, &rule.recipe.name, &opts).await;
            record.provenance = provenance(
                &origin,
                &rule.recipe,
                started.elapsed().as_secs_f64(),
                emulator,
                opts.time_scale,
            );
            drop(opts);
            let rec = record.clone();
            // The commit does file and database I/O (fsync): off the async threads. A
            // panicking commit must not lose the verdict: the record comes back either way.
            let commit = tokio::task::spawn_blocking(move || {
                let mut store = lock(&store);
                journal::commit(&mut store, &records, &rec, PlotParams::of(&rule.recipe))
            })
            .await;
            match commit {
                Ok(c) => (record, c),
                Err(e) => std::panic::resume_unwind(e.into_panic()),
            }
        })
    }

    /// Shows the verdict and prints it (the station's log).
    fn finish(
        &self,
        done: Option<Result<(TestRecord, Commit), tokio::task::JoinError>>,
        req: &StartRequest,
    ) {
        let last = match done {
            Some(Ok((r, c))) => {
                let record = c.json_path.as_ref().ok().map(|p| p.display().to_string());
                println!(
                    "{} {}: {} [{}]",
                    r.outcome.as_str().to_uppercase(),
                    r.serial,
                    r.reason,
                    match (&record, c.queued()) {
                        (Some(p), _) => format!("record {p}"),
                        (None, Some(q)) => format!("record queued in {}", q.display()),
                        (None, None) => "record NOT stored".into(),
                    }
                );
                LastVerdict {
                    serial: r.serial.clone(),
                    operator: req.operator.clone(),
                    outcome: r.outcome,
                    reason: r.reason.clone(),
                    leak_sccm: r.leak.as_ref().map(|l| l.leak_sccm),
                    finished_at: r.finished_at.clone(),
                    record,
                    kept: c.is_kept(),
                }
            }
            Some(Err(e)) => {
                let reason = format!(
                    "the station's test task failed ({e}); check the rig and the record directory"
                );
                eprintln!("error: {reason}");
                LastVerdict {
                    serial: req.serial.clone(),
                    operator: req.operator.clone(),
                    outcome: Outcome::Aborted,
                    reason,
                    leak_sccm: None,
                    finished_at: format_time(Utc::now()),
                    record: None,
                    kept: false,
                }
            }
            None => return,
        };
        self.update(|s| {
            s.test = None;
            s.last = Some(last);
        });
    }
}

/// Reads the rig's state signals (those the map has) and says whether a test may start.
async fn read_rig(link: &LinkHandle, addr: SocketAddr) -> RigStatus {
    let map = link.map();
    let signals: Vec<SignalName> = [
        SignalName::TestPressure,
        SignalName::Estop,
        SignalName::PumpFault,
        SignalName::PumpRun,
        SignalName::WatchdogTripped,
    ]
    .into_iter()
    .filter(|s| map.get(*s).is_some())
    .collect();
    let mut rig = RigStatus::unread(addr.to_string(), "down", None);
    let sample = match link.read(&signals).await {
        Ok(s) => s,
        Err(e) => {
            rig.not_ready = Some(format!(
                "the rig does not answer at {addr} ({}); check that it is powered and connected",
                e.detail()
            ));
            return rig;
        }
    };
    rig.link = "up";
    rig.estop = sample.flag(SignalName::Estop);
    rig.pump_fault = sample.flag(SignalName::PumpFault);
    rig.pump_running = sample.flag(SignalName::PumpRun);
    rig.watchdog_tripped = sample.flag(SignalName::WatchdogTripped);
    rig.pressure_kpa = sample
        .get(SignalName::TestPressure)
        .filter(|p| p.is_finite());
    rig.not_ready = if rig.estop == Some(true) {
        Some("the e-stop is pressed: release it and check the rig before testing".into())
    } else if rig.pump_fault == Some(true) {
        Some("the pump drive reports a fault: clear it at the drive before testing".into())
    } else if rig.pump_running == Some(true) {
        Some("the pump is running: the rig is not in its safe state".into())
    } else {
        match sample.get(SignalName::TestPressure) {
            Some(p) if !p.is_finite() => Some("the test pressure reads no number: check the transmitter".into()),
            Some(p) if p >= VENTED_KPA => Some(format!(
                "the tray holds {p:.1} kPa (vented is below {VENTED_KPA} kPa): vent it before testing"
            )),
            _ => None,
        }
    };
    rig.ready = rig.not_ready.is_none();
    rig
}
