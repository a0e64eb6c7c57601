//! The L10 test sequence: precheck → fill → stabilise → measure → vent → flow steps → pump off
//! → verdict. Any supervisor abort, failed command or operator stop drives the
//! safe state at once and yields an `aborted` record with the trace so far. Every test — pass,
//! fail or abort — ends with the safe state written.
//!
//! Choices beyond the contract: the flow test is skipped when the leak test failed (pumping
//! coolant into a leaking tray wets the line); the vent not reaching 5 kPa in `vent_timeout_s`
//! is an abort (the rig, not the tray, is at fault); flow and ΔP are averaged over the recipe's
//! `flow.average_s` after `flow.settle_s`.

use std::sync::atomic::AtomicBool;
use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use tokio::sync::watch;

use crate::l10::abort::AbortReason;
use crate::l10::leak_rate::{fit_leak, DecayPoint};
use crate::l10::live::LiveEvent;
use crate::l10::recipe::{FlowSpec, Recipe};
use crate::l10::result::{format_time, FlowPoint, LeakResult, Outcome, Phase, TestRecord};
use crate::l10::safe_state::drive_safe_state;
use crate::l10::sampler::Sampler;
use crate::l10::supervisor::Supervisor;
use crate::link::sample::Sample;
use crate::link::LinkHandle;
use crate::rig::names::SignalName::{self, *};

/// Pressure below which the tray counts as vented, kPa gauge.
pub const VENTED_KPA: f64 = 5.0;
/// A fall of more than this fraction of the fill pressure during stabilisation is a gross leak.
pub const GROSS_DROP_FRACTION: f64 = 0.10;
/// The drift check starts this long after the valves close (the pressure reading settles
/// after the fill valve shuts), recipe seconds.
pub const DRIFT_HOLDOFF_S: f64 = 1.0;

/// A leak rate for a sentence: two decimals, and no "-0.00" from noise around zero.
fn sccm(x: f64) -> String {
    if x.abs() < 0.005 {
        "0.00".into()
    } else {
        format!("{x:.2}")
    }
}

/// How long `phase` lasts by the recipe, recipe seconds: the fixed time of stabilise, measure
/// and the flow steps, the time limit of fill and vent (they end earlier on reaching their
/// pressure); `None` for the precheck and the safe state, which end on a condition alone.
pub fn phase_length_s(recipe: &Recipe, phase: Phase) -> Option<f64> {
    let k = &recipe.leak;
    match phase {
        Phase::Fill => Some(k.fill_timeout_s),
        Phase::Stabilize => Some(k.stabilize_s),
        Phase::Measure => Some(k.measure_s),
        Phase::Vent => Some(k.vent_timeout_s),
        Phase::Flow => recipe
            .flow
            .as_ref()
            .map(|f| (f.settle_s + f.average_s) * f.steps.len() as f64),
        Phase::Precheck | Phase::Safe => None,
    }
}

/// The longest a whole test can run by the recipe, recipe seconds: every phase at its
/// [`phase_length_s`] (fill and vent at their limits, so a real test is usually shorter).
pub fn longest_test_s(recipe: &Recipe) -> f64 {
    [
        Phase::Fill,
        Phase::Stabilize,
        Phase::Measure,
        Phase::Vent,
        Phase::Flow,
    ]
    .iter()
    .filter_map(|p| phase_length_s(recipe, *p))
    .sum()
}

/// How a test is run (not part of the recipe).
#[derive(Debug, Clone)]
pub struct RunOptions {
    /// Recipe durations and the poll period are divided by this (use with an emulator sped up
    /// by the same factor).
    pub time_scale: f64,
    /// How long failed safe-state writes are retried, wall clock.
    pub safe_state_grace: Duration,
    /// How long the link may fail before the test aborts, wall clock; `None` = the map's
    /// request timeout.
    pub link_loss: Option<Duration>,
    /// Set when the operator insists on stopping (a second Ctrl-C): the safe-state drive ends
    /// its retries once every write has been attempted.
    pub hurry: Option<Arc<AtomicBool>>,
    /// Where the test's progress goes ([`crate::l10::live`]): phases, one sample per poll,
    /// the verdict. `None`: nobody is watching.
    pub live: Option<crate::l10::live::LiveSender>,
}

impl Default for RunOptions {
    fn default() -> Self {
        RunOptions {
            time_scale: 1.0,
            safe_state_grace: Duration::from_secs(30),
            link_loss: None,
            hurry: None,
            live: None,
        }
    }
}

/// How a step of the sequence ended when it did not abort: the test goes on with the step's
/// result, or the tray has failed (a verdict on the tray, not a fault of the rig: the sequence
/// still vents and records it). Aborts travel separately, as `Err(AbortReason)`.
enum Step<T> {
    /// The step succeeded; its result, e.g. the pressure the fill reached, kPa.
    Continue(T),
    /// The tray failed; the sentence for the record.
    Fail(String),
}

/// A tray verdict (pass/fail) reached without an abort.
struct Verdict {
    outcome: Outcome,
    reason: String,
}

struct Run<'a> {
    s: Sampler,
    recipe: &'a Recipe,
    leak: Option<LeakResult>,
    flow: Vec<FlowPoint>,
}

/// Runs one test on the rig behind `link` and returns its record (not yet stored).
pub async fn run_sequence(
    link: &LinkHandle,
    recipe: &Recipe,
    serial: &str,
    opts: &RunOptions,
    cancel: watch::Receiver<bool>,
) -> TestRecord {
    let started = Utc::now();
    let link_loss = opts.link_loss.unwrap_or(link.request_timeout());
    let supervisor = Supervisor::new(recipe.limits.clone());
    let mut sampler = Sampler::new(link.clone(), supervisor, opts.time_scale, link_loss, cancel);
    sampler.set_live(opts.live.clone());
    sampler.announce(LiveEvent::Started {
        serial: serial.to_string(),
        recipe: recipe.name.clone(),
        time_scale: opts.time_scale,
        expected_s: Some(longest_test_s(recipe)),
    });
    let mut run = Run {
        s: sampler,
        recipe,
        leak: None,
        flow: Vec::new(),
    };
    let result = run.steps().await;
    if let Err(reason) = &result {
        tracing::warn!("test of {serial} aborted: {reason}");
        run.s.enter_phase(Phase::Safe, None);
    }
    // Every test ends in the safe state; after an abort this is the first thing done.
    let safe = drive_safe_state(link, opts.safe_state_grace, opts.hurry.as_deref()).await;
    let (outcome, reason) = match (result, safe.confirmed()) {
        (Ok(v), true) => (v.outcome, v.reason),
        (Ok(v), false) => (
            Outcome::Aborted,
            format!(
                "{}; the tray verdict would have been {}: {}",
                safe.problem(),
                v.outcome.as_str(),
                v.reason
            ),
        ),
        (Err(r), true) => (Outcome::Aborted, r.to_string()),
        (Err(r), false) => (Outcome::Aborted, format!("{r}; {}", safe.problem())),
    };
    run.s.announce(LiveEvent::Finished {
        outcome,
        reason: reason.clone(),
        leak_sccm: run.leak.as_ref().map(|l| l.leak_sccm),
    });
    TestRecord {
        serial: serial.to_string(),
        recipe: recipe.name.clone(),
        started_at: format_time(started),
        finished_at: format_time(Utc::now()),
        outcome,
        reason,
        leak: run.leak,
        flow: run.flow,
        trace: run.s.trace,

        provenance: Default::default(),
    }
}

impl Run<'_> {
    fn pressure(sample: &Sample) -> f64 {
        sample.get(TestPressure).unwrap_or(f64::NAN)
    }

    /// Starts a phase (logged at info level: `-v` shows the phases as they begin) and
    /// announces it with its length by the recipe ([`phase_length_s`]).
    fn enter(&mut self, phase: Phase) {
        tracing::info!("phase {}", phase.as_str());
        self.s
            .enter_phase(phase, phase_length_s(self.recipe, phase));
    }

    async fn set(&mut self, signal: SignalName, value: f64) -> Result<(), AbortReason> {
        self.s.command(signal, value).await
    }

    async fn steps(&mut self) -> Result<Verdict, AbortReason> {
        self.precheck().await?;
        let mut fail: Option<String> = None;
        match self.fill().await? {
            Step::Fail(msg) => fail = Some(msg),
            Step::Continue(fill_kpa) => {
                if let Step::Fail(msg) = self.stabilise(fill_kpa).await? {
                    fail = Some(msg);
                } else {
                    let leak = self.measure(fill_kpa).await?;
                    let max = self.recipe.leak.max_leak_sccm;
                    if leak.leak_sccm > max {
                        fail = Some(format!("leak {} sccm > {max} sccm", sccm(leak.leak_sccm)));
                    }
                    self.leak = Some(leak);
                }
            }
        }
        self.vent().await?;
        if fail.is_none() {
            if let Some(spec) = &self.recipe.flow {
                fail = self.flow_test(spec).await?;
            }
        }
        Ok(match fail {
            Some(reason) => Verdict {
                outcome: Outcome::Fail,
                reason,
            },
            None => Verdict {
                outcome: Outcome::Pass,
                reason: self.pass_reason(),
            },
        })
    }

    fn pass_reason(&self) -> String {
        let mut r = match &self.leak {
            Some(l) => format!(
                "leak {} sccm ≤ {} sccm",
                sccm(l.leak_sccm),
                self.recipe.leak.max_leak_sccm
            ),
            None => "leak test passed".into(),
        };
        for p in &self.flow {
            r += &format!(
                "; flow {:.2} L/min, ΔP {:.1} kPa at {:.0} % in band",
                p.flow_lpm, p.dp_kpa, p.speed_pct
            );
        }
        r
    }

    /// Known starting state (pump off, fill and isolation closed), e-stop clear, sensors
    /// plausible (the supervisor), pressure near 0.
    async fn precheck(&mut self) -> Result<(), AbortReason> {
        self.enter(Phase::Precheck);
        self.s.set_deadline(None);
        self.set(PumpRun, 0.0).await?;
        self.set(FillValve, 0.0).await?;
        self.set(IsolationValve, 0.0).await?;
        let p = Self::pressure(&self.s.poll().await?);
        if p >= VENTED_KPA {
            return Err(AbortReason::NotVented { kpa: p });
        }
        Ok(())
    }

    /// Fill until the target: the pressure reached, kPa, or a gross-leak failure when the
    /// target is not reached within `fill_timeout_s`.
    async fn fill(&mut self) -> Result<Step<f64>, AbortReason> {
        self.enter(Phase::Fill);
        let k = &self.recipe.leak;
        self.set(VentValve, 0.0).await?;
        self.set(IsolationValve, 1.0).await?;
        self.set(FillValve, 1.0).await?;
        self.s.set_deadline(Some(k.fill_timeout_s));
        let start = self.s.now_s();
        let mut highest = f64::NEG_INFINITY;
        loop {
            let p = Self::pressure(&self.s.poll().await?);
            highest = highest.max(p);
            if p >= k.test_pressure_kpa {
                return Ok(Step::Continue(p));
            }
            if self.s.now_s() - start >= k.fill_timeout_s {
                return Ok(Step::Fail(format!(
                    "gross leak: fill target {} kPa not reached in {} s (highest {highest:.1} kPa)",
                    k.test_pressure_kpa, k.fill_timeout_s
                )));
            }
        }
    }

    /// Tracks the lowest closed-valve pressure for the drift check (after the hold-off).
    fn track_closed(&mut self, p: f64, closed_at_s: f64) {
        if self.s.now_s() - closed_at_s >= DRIFT_HOLDOFF_S {
            let min = self.s.ctx.closed_min_kpa.map_or(p, |m| m.min(p));
            self.s.ctx.closed_min_kpa = Some(min);
        }
    }

    /// Valves closed while the compression heat decays; a gross-leak failure on a fall of more
    /// than [`GROSS_DROP_FRACTION`] of the fill pressure.
    async fn stabilise(&mut self, fill_kpa: f64) -> Result<Step<()>, AbortReason> {
        self.enter(Phase::Stabilize);
        self.set(FillValve, 0.0).await?;
        self.set(IsolationValve, 0.0).await?;
        self.s.set_deadline(Some(self.recipe.leak.stabilize_s));
        let start = self.s.now_s();
        self.s.ctx.closed_min_kpa = None;
        while self.s.now_s() - start < self.recipe.leak.stabilize_s {
            let p = Self::pressure(&self.s.poll().await?);
            self.track_closed(p, start);
            if p < (1.0 - GROSS_DROP_FRACTION) * fill_kpa {
                return Ok(Step::Fail(format!(
                    "gross leak: pressure fell from {fill_kpa:.1} to {p:.1} kPa ({:.0} %) during stabilisation",
                    100.0 * (fill_kpa - p) / fill_kpa
                )));
            }
        }
        Ok(Step::Continue(()))
    }

    /// Pressure decay with every valve closed; least-squares, temperature-compensated leak.
    async fn measure(&mut self, fill_kpa: f64) -> Result<LeakResult, AbortReason> {
        self.enter(Phase::Measure);
        let k = &self.recipe.leak;
        // With stabilize_s = 0 the valves close here.
        self.set(FillValve, 0.0).await?;
        self.set(IsolationValve, 0.0).await?;
        let closed_at = if k.stabilize_s > 0.0 {
            self.s.now_s() - k.stabilize_s
        } else {
            self.s.now_s()
        };
        self.s.set_deadline(Some(k.measure_s));
        let start = self.s.now_s();
        let has_temperature = self.s.link.map().get(GasTemperature).is_some();
        let mut points = Vec::new();
        loop {
            let sample = self.s.poll().await?;
            let p = Self::pressure(&sample);
            self.track_closed(p, closed_at);
            points.push(DecayPoint {
                t_s: self.s.now_s(),
                pressure_kpa: p,
                temperature_c: if has_temperature {
                    sample.get(GasTemperature)
                } else {
                    None
                },
            });
            if self.s.now_s() - start >= k.measure_s {
                break;
            }
        }
        self.s.ctx.closed_min_kpa = None;
        let fit = fit_leak(&points, k.volume_ml).map_err(|e| AbortReason::NoMeasurement {
            detail: e.to_string(),
        })?;
        Ok(LeakResult {
            fill_kpa,
            start_kpa: fit.start_kpa,
            end_kpa: fit.end_kpa,
            leak_sccm: fit.leak_sccm,
            fit_samples: fit.samples,
        })
    }

    /// Vent until below 5 kPa; not in time → abort (the vent path is faulty).
    async fn vent(&mut self) -> Result<(), AbortReason> {
        self.enter(Phase::Vent);
        self.s.ctx.closed_min_kpa = None;
        self.set(FillValve, 0.0).await?;
        self.set(IsolationValve, 0.0).await?;
        self.set(VentValve, 1.0).await?;
        self.s.set_deadline(Some(self.recipe.leak.vent_timeout_s));
        let start = self.s.now_s();
        loop {
            let p = Self::pressure(&self.s.poll().await?);
            if p < VENTED_KPA {
                return Ok(());
            }
            let after_s = self.s.now_s() - start;
            if after_s >= self.recipe.leak.vent_timeout_s {
                return Err(AbortReason::VentTimeout { kpa: p, after_s });
            }
        }
    }

    /// Pump speed steps; returns a failure sentence when a step is out of band.
    async fn flow_test(&mut self, spec: &FlowSpec) -> Result<Option<String>, AbortReason> {
        self.enter(Phase::Flow);
        let limits = &self.recipe.limits;
        let mut failures = Vec::new();
        for step in &spec.steps {
            // Clamped to the recipe's limit (validation already rejects steps above it).
            let speed = step.speed_pct.clamp(0.0, limits.max_pump_speed_pct);
            self.set(PumpSpeedSetpoint, speed).await?;
            self.set(PumpRun, 1.0).await?;
            self.s.set_deadline(Some(spec.settle_s + spec.average_s));
            let start = self.s.now_s();
            while self.s.now_s() - start < spec.settle_s {
                self.s.poll().await?;
            }
            if step.min_flow_lpm > 0.0 {
                self.s.ctx.expected_min_flow_lpm = Some(step.min_flow_lpm);
            }
            let (mut n, mut flow_sum, mut dp_sum) = (0.0, 0.0, 0.0);
            loop {
                let sample = self.s.poll().await?;
                let flow = sample.get(Flow).unwrap_or(f64::NAN);
                let dp = sample.get(InletPressure).unwrap_or(f64::NAN)
                    - sample.get(OutletPressure).unwrap_or(f64::NAN);
                n += 1.0;
                flow_sum += flow;
                dp_sum += dp;
                if self.s.now_s() - start >= spec.settle_s + spec.average_s {
                    break;
                }
            }
            self.s.ctx.expected_min_flow_lpm = None;
            let (flow_lpm, dp_kpa) = (flow_sum / n, dp_sum / n);
            let ok = flow_lpm >= step.min_flow_lpm
                && flow_lpm <= step.max_flow_lpm
                && dp_kpa <= step.max_dp_kpa;
            if !ok {
                failures.push(format!(
                    "flow at {speed:.0} %: {flow_lpm:.2} L/min (band {}–{}), ΔP {dp_kpa:.1} kPa (max {})",
                    step.min_flow_lpm, step.max_flow_lpm, step.max_dp_kpa
                ));
            }
            self.flow.push(FlowPoint {
                speed_pct: speed,
                flow_lpm,
                dp_kpa,
                ok,
            });
        }
        self.set(PumpSpeedSetpoint, 0.0).await?;
        self.set(PumpRun, 0.0).await?;
        Ok((!failures.is_empty()).then(|| failures.join("; ")))
    }
}
