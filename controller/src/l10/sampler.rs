//! The poll loop shared by every phase of the sequence: wait for the next tick (or the
//! operator's stop), read every mapped sensor and every commanded output in as few requests as
//! the map allows, append the sample to the trace, run the supervisor on it, check the outputs
//! read back against what was commanded, and only then write the heartbeat.
//!
//! Liveness is judged by outcome: the link counts as alive only while valid samples arrive (a
//! write that succeeds says nothing about reads). No valid sample for longer than the link-loss
//! limit aborts the test whatever else succeeds, and the heartbeat is written only right after
//! a valid sample, so a blind controller stops the heartbeat and the PLC's watchdog trips. Each
//! phase may also set its own deadline ([`Sampler::set_deadline`]), which fires whether or not
//! samples arrive.
//!
//! Time: the sequence runs on "recipe seconds" = wall seconds × `time_scale`, so with the
//! emulator sped up by the same factor a test takes the same number of samples.

use std::time::Duration;

use tokio::sync::watch;
use tokio::time::Instant;

use crate::l10::abort::AbortReason;
use crate::l10::live::{LiveEvent, LiveSample, LiveSender};
use crate::l10::result::{finite, Phase, TracePoint};
use crate::l10::supervisor::{CheckContext, LinkWatch, Supervisor, FROZEN_SAMPLES};
use crate::link::error::LinkError;
use crate::link::sample::Sample;
use crate::link::LinkHandle;
use crate::rig::map::ValueType;
use crate::rig::names::SignalName;
use crate::rig::rules::HEARTBEAT_WRAP;

/// Read-direction signals sampled every poll (those the map has).
const SENSORS: [SignalName; 8] = [
    SignalName::TestPressure,
    SignalName::GasTemperature,
    SignalName::Estop,
    SignalName::PumpFault,
    SignalName::PumpSpeed,
    SignalName::Flow,
    SignalName::InletPressure,
    SignalName::OutletPressure,
];

/// Outputs read back every poll (those the map has): what the controller commands must still
/// be what the PLC holds (a PLC restart, a manual override or a second master changes them).
const OUTPUTS: [SignalName; 6] = [
    SignalName::FillValve,
    SignalName::VentValve,
    SignalName::IsolationValve,
    SignalName::PumpRun,
    SignalName::PumpSpeedSetpoint,
    SignalName::Heartbeat,
];

/// Polls the rig for the sequence; owns the trace.
pub struct Sampler {
    /// The link the samples are read over.
    pub link: LinkHandle,
    /// Checks every sample.
    pub supervisor: Supervisor,
    /// What the supervisor needs to know about the phase (closed valves, expected flow).
    pub ctx: CheckContext,
    /// The phase new samples are recorded under.
    pub phase: Phase,
    /// Every sample so far.
    pub trace: Vec<TracePoint>,
    cancel: watch::Receiver<bool>,
    cancel_open: bool,
    time_scale: f64,
    t0: Instant,
    period: Duration,
    next_tick: Instant,
    /// Last heartbeat value written; `None` before the first write.
    heartbeat: Option<u32>,
    link_watch: LinkWatch,
    /// Sensors, outputs and `watchdog_tripped`, as far as the map has them.
    reads: Vec<SignalName>,
    /// What each output was last commanded to, as the PLC will hold it (after the codec).
    commanded: Vec<(SignalName, f64)>,
    /// The phase's own deadline (wall clock).
    deadline: Option<Instant>,
    /// The last link error, for the link-loss reason.
    last_error: Option<String>,
    started_phase_s: f64,
    /// Frozen-sensor check of an f32 `test_pressure`: last bits and repeat count.
    frozen_check: bool,
    last_pressure_bits: Option<u64>,
    repeats: u32,
    /// Where phases and samples are announced ([`crate::l10::live`]); `None`: nobody listens.
    live: Option<LiveSender>,
    /// When the current phase began, recipe seconds (for the samples' elapsed/remaining).
    phase_started_s: f64,
    /// The current phase's length by the recipe, recipe seconds, if it has one.
    phase_expected_s: Option<f64>,
}

impl Sampler {
    /// `time_scale` ≥ 1 speeds the recipe clock; `link_loss` is wall clock.
    pub fn new(
        link: LinkHandle,
        supervisor: Supervisor,
        time_scale: f64,
        link_loss: Duration,
        cancel: watch::Receiver<bool>,
    ) -> Sampler {
        let scale = if time_scale.is_finite() && time_scale > 0.0 {
            time_scale
        } else {
            1.0
        };
        let poll_s = link.map().connection.poll_ms as f64 / 1000.0 / scale;
        let period = Duration::from_secs_f64(poll_s.max(0.001));
        let reads = SENSORS
            .iter()
            .chain(OUTPUTS.iter())
            .chain([SignalName::WatchdogTripped].iter())
            .copied()
            .filter(|s| link.map().get(*s).is_some())
            .collect();
        let frozen_check = link
            .map()
            .get(SignalName::TestPressure)
            .is_some_and(|s| s.value_type == ValueType::F32);
        let now = Instant::now();
        Sampler {
            frozen_check,
            last_pressure_bits: None,
            repeats: 0,
            link,
            supervisor,
            ctx: CheckContext::default(),
            phase: Phase::Precheck,
            trace: Vec::new(),
            cancel,
            cancel_open: true,
            time_scale: scale,
            t0: now,
            period,
            next_tick: now,
            heartbeat: None,
            link_watch: LinkWatch::new(link_loss),
            reads,
            commanded: Vec::new(),
            deadline: None,
            last_error: None,
            started_phase_s: 0.0,
            live: None,
            phase_started_s: 0.0,
            phase_expected_s: None,
        }
    }

    /// Announces the test's progress on `live` from now on (phases, one sample per poll).
    pub fn set_live(&mut self, live: Option<LiveSender>) {
        self.live = live;
    }

    /// Sends one event to the listeners, if any. Never blocks and never fails the test: a
    /// broadcast send only errs when nobody listens, and a lagging listener loses old events.
    pub fn announce(&self, event: LiveEvent) {
        if let Some(tx) = &self.live {
            let _ = tx.send(event);
        }
    }

    /// Begins `phase`: new samples are recorded under it, and listeners get a
    /// [`LiveEvent::Phase`] with the phase's length by the recipe (`expected_s`, recipe
    /// seconds; `None` when it ends on a condition alone).
    pub fn enter_phase(&mut self, phase: Phase, expected_s: Option<f64>) {
        self.phase = phase;
        self.phase_started_s = self.now_s();
        self.phase_expected_s = expected_s;
        self.announce(LiveEvent::Phase {
            phase,
            t_s: self.phase_started_s,
            expected_s,
        });
    }

    /// Starts a phase with its own deadline: `limit_s` recipe seconds from now plus the
    /// link-loss allowance (a sample may legitimately come that late). Past it, [`Sampler::poll`]
    /// aborts whether or not samples arrive. `None` clears the deadline.
    pub fn set_deadline(&mut self, limit_s: Option<f64>) {
        self.started_phase_s = self.now_s();
        self.deadline = limit_s.map(|limit_s| {
            let wall = Duration::from_secs_f64(
                (limit_s.max(0.0) + 2.0 * self.period_s()) / self.time_scale,
            ) + self.link_watch.limit();
            Instant::now() + wall
        });
    }

    fn check_deadline(&self) -> Result<(), AbortReason> {
        match self.deadline {
            Some(at) if Instant::now() >= at => Err(AbortReason::PhaseDeadline {
                phase: self.phase.as_str(),
                after_s: self.now_s() - self.started_phase_s,
            }),
            _ => Ok(()),
        }
    }

    /// Recipe seconds since the test started.
    pub fn now_s(&self) -> f64 {
        self.t0.elapsed().as_secs_f64() * self.time_scale
    }

    /// Poll period in recipe seconds.
    pub fn period_s(&self) -> f64 {
        self.period.as_secs_f64() * self.time_scale
    }

    fn cancelled(&self) -> bool {
        *self.cancel.borrow()
    }

    async fn wait_tick(&mut self) -> Result<(), AbortReason> {
        let now = Instant::now();
        self.next_tick = (self.next_tick + self.period).max(now);
        if self.cancel_open {
            tokio::select! {
                _ = tokio::time::sleep_until(self.next_tick) => {}
                changed = self.cancel.changed() => {
                    if changed.is_err() {
                        // The sender is gone: nobody can cancel any more; just wait.
                        self.cancel_open = false;
                        tokio::time::sleep_until(self.next_tick).await;
                    }
                }
            }
        } else {
            tokio::time::sleep_until(self.next_tick).await;
        }
        if self.cancelled() {
            return Err(AbortReason::Cancelled);
        }
        Ok(())
    }

    /// A link error → abort now (exception / caller error) or after the link-loss time.
    fn link_failure(&mut self, e: &LinkError) -> Result<(), AbortReason> {
        self.last_error = Some(e.detail());
        if e.is_transport() {
            self.link_watch.failed(&e.detail())
        } else {
            Err(AbortReason::LinkRefused { error: e.detail() })
        }
    }

    /// The next good sample (waits for the tick; retries failed reads within the link-loss
    /// time and the phase's deadline). The sample is in the trace, has passed the supervisor and
    /// the read-back, and the heartbeat has been written after it.
    pub async fn poll(&mut self) -> Result<Sample, AbortReason> {
        loop {
            self.wait_tick().await?;
            self.check_deadline()?;
            // A read may not outlast the link-loss budget (a link in reconnect backoff would
            // otherwise hold it): no valid sample by then is a lost link.
            let budget = self.link_watch.remaining().max(Duration::from_millis(1));
            let sample = match tokio::time::timeout(budget, self.link.read(&self.reads)).await {
                Ok(Ok(s)) => s,
                Ok(Err(e)) => {
                    self.link_failure(&e)?;
                    continue;
                }
                Err(_) => {
                    let error = self.last_error.clone().unwrap_or_else(|| {
                        "no complete read within the link-loss limit".to_string()
                    });
                    self.link_watch.failed(&error)?;
                    continue;
                }
            };
            // A complete read that decoded: the only proof the link (and the rig) is alive.
            self.link_watch.ok();
            // A sample that comes after the phase's deadline is too late to judge it by.
            self.check_deadline()?;
            self.push_trace(&sample);
            self.supervisor.check(&sample, &self.ctx)?;
            self.check_frozen(&sample)?;
            self.check_outputs(&sample)?;
            if self.cancelled() {
                return Err(AbortReason::Cancelled);
            }
            self.beat(&sample).await?;
            return Ok(sample);
        }
    }

    /// Writes the next heartbeat value: called only right after a valid sample, so the
    /// heartbeat stops as soon as the controller cannot see the rig. The first value follows
    /// the one read (so it always changes, which arms and re-arms the PLC's watchdog). A
    /// transport failure is left to the link-loss check of the next samples.
    async fn beat(&mut self, sample: &Sample) -> Result<(), AbortReason> {
        if self.link.map().get(SignalName::Heartbeat).is_none() {
            return Ok(());
        }
        let last = self
            .heartbeat
            .or_else(|| sample.get(SignalName::Heartbeat).map(|v| v.max(0.0) as u32))
            .unwrap_or(0);
        let next = (last % HEARTBEAT_WRAP + 1) % HEARTBEAT_WRAP;
        match self
            .link
            .write(SignalName::Heartbeat, f64::from(next))
            .await
        {
            Ok(()) => {
                self.heartbeat = Some(next);
                self.remember(SignalName::Heartbeat, f64::from(next));
                Ok(())
            }
            Err(e) if e.is_transport() => {
                tracing::warn!("heartbeat write failed: {}", e.detail());
                // The PLC may or may not hold the new value: expect neither.
                self.commanded.retain(|(s, _)| *s != SignalName::Heartbeat);
                self.heartbeat = Some(next);
                Ok(())
            }
            Err(e) => Err(Self::write_refused(
                SignalName::Heartbeat,
                f64::from(next),
                &e,
            )),
        }
    }

    /// Read-back: every output commanded so far must read what was commanded; a watchdog trip
    /// (once this controller has written a heartbeat: a latch left by an earlier controller is
    /// cleared by the first beat) is a rig fault too.
    fn check_outputs(&self, s: &Sample) -> Result<(), AbortReason> {
        if self.heartbeat.is_some() && s.flag(SignalName::WatchdogTripped) == Some(true) {
            return Err(AbortReason::WatchdogTripped);
        }
        for (signal, commanded) in &self.commanded {
            let Some(read) = s.get(*signal) else { continue };
            let tolerance = 1e-9 * commanded.abs().max(1.0);
            // NaN (an unreadable output) counts as a mismatch.
            let same = (read - commanded).abs() <= tolerance;
            if !same {
                return Err(AbortReason::OutputMismatch {
                    signal: *signal,
                    commanded: *commanded,
                    read,
                });
            }
        }
        Ok(())
    }

    /// Records what `signal` now holds at the PLC: `value` as the codec delivers it back.
    fn remember(&mut self, signal: SignalName, value: f64) {
        let Some(sig) = self.link.map().get(signal) else {
            return;
        };
        let held = sig
            .encode(value)
            .and_then(|w| sig.decode(&w))
            .unwrap_or(value);
        self.commanded.retain(|(s, _)| *s != signal);
        self.commanded.push((signal, held));
    }

    fn write_refused(signal: SignalName, value: f64, e: &LinkError) -> AbortReason {
        match e {
            LinkError::Echo { .. } => AbortReason::CommandFailed {
                error: format!(
                    "rig fault: command {} = {value}: {}",
                    signal.as_str(),
                    e.detail()
                ),
            },
            _ => AbortReason::LinkRefused { error: e.detail() },
        }
    }

    fn check_frozen(&mut self, s: &Sample) -> Result<(), AbortReason> {
        let Some(p) = s
            .get(SignalName::TestPressure)
            .filter(|_| self.frozen_check)
        else {
            return Ok(());
        };
        let bits = p.to_bits();
        if self.last_pressure_bits == Some(bits) {
            self.repeats += 1;
        } else {
            self.repeats = 1;
            self.last_pressure_bits = Some(bits);
        }
        if self.repeats >= FROZEN_SAMPLES {
            return Err(AbortReason::SensorFrozen {
                signal: SignalName::TestPressure,
                value: p,
                samples: self.repeats,
            });
        }
        Ok(())
    }

    fn push_trace(&mut self, s: &Sample) {
        let dp = match (
            s.get(SignalName::InletPressure),
            s.get(SignalName::OutletPressure),
        ) {
            (Some(i), Some(o)) => Some(i - o),
            _ => None,
        };
        let point = TracePoint {
            t_s: self.now_s(),
            phase: self.phase,
            test_pressure_kpa: finite(s.get(SignalName::TestPressure)),
            gas_temperature_c: finite(s.get(SignalName::GasTemperature)),
            flow_lpm: finite(s.get(SignalName::Flow)),
            dp_kpa: finite(dp),
            pump_speed_pct: finite(s.get(SignalName::PumpSpeed)),
        };
        if self.live.is_some() {
            let phase_elapsed_s = (point.t_s - self.phase_started_s).max(0.0);
            self.announce(LiveEvent::Sample(LiveSample {
                t_s: point.t_s,
                phase: point.phase,
                phase_elapsed_s,
                phase_remaining_s: self
                    .phase_expected_s
                    .map(|e| (e - phase_elapsed_s).max(0.0)),
                pressure_kpa: point.test_pressure_kpa,
                gas_temperature_c: point.gas_temperature_c,
                flow_lpm: point.flow_lpm,
                dp_kpa: point.dp_kpa,
            }));
        }
        self.trace.push(point);
    }

    /// Commands one signal; absent optional signals (e.g. `isolation_valve`) are skipped.
    /// Any failure aborts: after a failed or timed-out write the valve state is unknown.
    pub async fn command(&mut self, signal: SignalName, value: f64) -> Result<(), AbortReason> {
        if self.link.map().get(signal).is_none() {
            return Ok(());
        }
        match self.link.write(signal, value).await {
            Ok(()) => {
                // A write that succeeds proves nothing about reads: liveness is judged by
                // samples only. It does set what the read-back expects.
                self.remember(signal, value);
                Ok(())
            }
            Err(e) if e.is_transport() => Err(AbortReason::CommandFailed {
                error: format!(
                    "command {} = {value} failed: {}",
                    signal.as_str(),
                    e.detail()
                ),
            }),
            Err(e) => Err(Self::write_refused(signal, value, &e)),
        }
    }
}
