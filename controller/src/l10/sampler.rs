//! The poll loop shared by every phase of the sequence: wait for the next tick (or the
//! operator's stop), write the heartbeat, read every mapped sensor in as few requests as the map
//! allows, append the sample to the trace and run the supervisor on it.
//!
//! Time: the sequence runs on "recipe seconds" = wall seconds × `time_scale`, so with the
//! emulator sped up by the same factor a test takes the same number of samples.

use std::time::Duration;

use tokio::sync::watch;
use tokio::time::Instant;

use crate::l10::abort::AbortReason;
use crate::l10::result::{finite, Phase, TracePoint};
use crate::l10::supervisor::{CheckContext, LinkWatch, Supervisor, FROZEN_SAMPLES};
use crate::link::error::LinkError;
use crate::link::sample::Sample;
use crate::link::LinkHandle;
use crate::rig::map::ValueType;
use crate::rig::names::SignalName;

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

/// Heartbeat wraps here so it fits every integer register type (i16 included).
const HEARTBEAT_WRAP: u32 = 32_768;

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
    heartbeat: u32,
    link_watch: LinkWatch,
    sensors: Vec<SignalName>,
    /// Frozen-sensor check of an f32 `test_pressure`: last bits and repeat count.
    frozen_check: bool,
    last_pressure_bits: Option<u64>,
    repeats: u32,
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
        let sensors = SENSORS
            .iter()
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
            heartbeat: 0,
            link_watch: LinkWatch::new(link_loss),
            sensors,
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
        if e.is_transport() {
            self.link_watch.failed(&e.detail())
        } else {
            Err(AbortReason::LinkRefused { error: e.detail() })
        }
    }

    /// The next good sample (waits for the tick; retries failed reads within the link-loss
    /// time). The sample is in the trace and has passed the supervisor.
    pub async fn poll(&mut self) -> Result<Sample, AbortReason> {
        loop {
            self.wait_tick().await?;
            if self.link.map().get(SignalName::Heartbeat).is_some() {
                self.heartbeat = (self.heartbeat + 1) % HEARTBEAT_WRAP;
                match self
                    .link
                    .write(SignalName::Heartbeat, f64::from(self.heartbeat))
                    .await
                {
                    Ok(()) => self.link_watch.ok(),
                    Err(e) => {
                        self.link_failure(&e)?;
                        continue;
                    }
                }
            }
            let sample = match self.link.read(&self.sensors).await {
                Ok(s) => s,
                Err(e) => {
                    self.link_failure(&e)?;
                    continue;
                }
            };
            self.link_watch.ok();
            self.push_trace(&sample);
            self.supervisor.check(&sample, &self.ctx)?;
            self.check_frozen(&sample)?;
            if self.cancelled() {
                return Err(AbortReason::Cancelled);
            }
            return Ok(sample);
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
        self.trace.push(TracePoint {
            t_s: self.now_s(),
            phase: self.phase,
            test_pressure_kpa: finite(s.get(SignalName::TestPressure)),
            gas_temperature_c: finite(s.get(SignalName::GasTemperature)),
            flow_lpm: finite(s.get(SignalName::Flow)),
            dp_kpa: finite(dp),
            pump_speed_pct: finite(s.get(SignalName::PumpSpeed)),
        });
    }

    /// Commands one signal; absent optional signals (e.g. `isolation_valve`) are skipped.
    /// Any failure aborts: after a failed or timed-out write the valve state is unknown.
    pub async fn command(&mut self, signal: SignalName, value: f64) -> Result<(), AbortReason> {
        if self.link.map().get(signal).is_none() {
            return Ok(());
        }
        match self.link.write(signal, value).await {
            Ok(()) => {
                self.link_watch.ok();
                Ok(())
            }
            Err(e) if e.is_transport() => Err(AbortReason::CommandFailed {
                error: format!(
                    "command {} = {value} failed: {}",
                    signal.as_str(),
                    e.detail()
                ),
            }),
            Err(e) => Err(AbortReason::LinkRefused { error: e.detail() }),
        }
    }
}
