//! Safety checks run on every sample, as pure functions: a sample (plus what the sequence is
//! doing) in, `Ok` or the reason to abort out. The sequence drives the safe state on any abort.
//!
//! Physical ranges (a reading outside is a broken sensor or wiring, not a process value):
//!
//! | signal | valid range | why |
//! |---|---|---|
//! | `test_pressure`, `inlet_pressure`, `outlet_pressure` | −101.325 … 1.5 · `max_pressure_kpa` kPa gauge | below vacuum is impossible; the rig's relief sits well under 1.5× the limit |
//! | `gas_temperature` | −40 … 150 °C | a factory gas line; outside is a broken RTD or an open input |
//! | `flow` | −2 % … 150 % of `max_flow_lpm` | a meter reads near-zero noise both ways; 1.5× the limit is beyond the loop |
//! | `pump_speed` | −5 … 150 % | drive feedback |
//!
//! Then the limits (the recipe's `[limits]`: "never commanded beyond, abort when exceeded"): any pressure
//! above `max_pressure_kpa`, flow above `max_flow_lpm`, pump speed more than 5 points above
//! `max_pump_speed_pct`; e-stop; pump fault; and two phase-aware plausibility checks: pressure
//! rising more than [`DRIFT_RISE_KPA`] above its lowest value while every valve is closed
//! (stabilise/measure: gas cannot appear, so the sensor is drifting), and no flow with the pump
//! running after settling (a blocked loop).

use std::time::Duration;

use tokio::time::Instant;

use crate::l10::abort::AbortReason;
use crate::l10::leak_rate::ATM_KPA;
use crate::l10::recipe::Limits;
use crate::link::sample::Sample;
use crate::rig::names::SignalName;

/// Rise above the lowest pressure seen with every valve closed that counts as sensor drift, kPa.
/// Far above sensor noise (≈0.05 kPa) and above any warming a closed tray sees in a minute.
pub const DRIFT_RISE_KPA: f64 = 2.0;
/// Flow below this fraction of a step's `min_flow_lpm` after settling means a blocked loop.
/// (A loop at 50–100 % of the minimum is a flow-band failure of the tray; below half, the pump
/// is close to dead-heading and the loop, not the tray, is at fault.)
pub const BLOCKED_FLOW_FRACTION: f64 = 0.5;
/// Bit-identical readings of a floating-point pressure sensor in a row that mean it is frozen
/// (a live transducer's noise changes the f32 value every sample; integer-mapped sensors are
/// not checked: their coarse counts legitimately repeat).
pub const FROZEN_SAMPLES: u32 = 10;

/// What the sequence is doing, for the phase-aware checks.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct CheckContext {
    /// Every valve closed (stabilise / measure): lowest pressure seen since closing, kPa.
    pub closed_min_kpa: Option<f64>,
    /// The pump has run past `settle_s` at a step expecting at least this flow, L/min.
    pub expected_min_flow_lpm: Option<f64>,
}

/// The per-sample checks for one recipe's limits.
#[derive(Debug, Clone)]
pub struct Supervisor {
    limits: Limits,
}

const PRESSURES: [SignalName; 3] = [
    SignalName::TestPressure,
    SignalName::InletPressure,
    SignalName::OutletPressure,
];

impl Supervisor {
    /// A supervisor enforcing `limits`.
    pub fn new(limits: Limits) -> Supervisor {
        Supervisor { limits }
    }

    /// Physical range of a numeric signal (see the module table); `None` for bools/commands.
    pub fn range(&self, signal: SignalName) -> Option<(f64, f64)> {
        let l = &self.limits;
        match signal {
            SignalName::TestPressure | SignalName::InletPressure | SignalName::OutletPressure => {
                Some((-ATM_KPA, 1.5 * l.max_pressure_kpa))
            }
            SignalName::GasTemperature => Some((-40.0, 150.0)),
            SignalName::Flow => Some((-0.02 * l.max_flow_lpm, 1.5 * l.max_flow_lpm)),
            SignalName::PumpSpeed => Some((-5.0, 150.0)),
            _ => None,
        }
    }

    /// Checks one sample. Order: e-stop, pump fault, sensor validity, limits, plausibility —
    /// so a broken sensor is reported as such, not as an over-pressure.
    pub fn check(&self, s: &Sample, ctx: &CheckContext) -> Result<(), AbortReason> {
        if s.flag(SignalName::Estop) == Some(true) {
            return Err(AbortReason::EStop);
        }
        if s.flag(SignalName::PumpFault) == Some(true) {
            return Err(AbortReason::PumpFault);
        }
        for (signal, value) in s.iter() {
            if let Some((lo, hi)) = self.range(signal) {
                if !value.is_finite() || value < lo || value > hi {
                    return Err(AbortReason::SensorInvalid {
                        signal,
                        value,
                        lo,
                        hi,
                    });
                }
            }
        }
        let l = &self.limits;
        for signal in PRESSURES {
            if let Some(kpa) = s.get(signal).filter(|p| *p > l.max_pressure_kpa) {
                return Err(AbortReason::OverPressure {
                    signal,
                    kpa,
                    limit_kpa: l.max_pressure_kpa,
                });
            }
        }
        if let Some(flow_lpm) = s.get(SignalName::Flow).filter(|f| *f > l.max_flow_lpm) {
            return Err(AbortReason::OverFlow {
                flow_lpm,
                limit_lpm: l.max_flow_lpm,
            });
        }
        let speed_limit = l.max_pump_speed_pct + 5.0;
        if let Some(speed_pct) = s.get(SignalName::PumpSpeed).filter(|v| *v > speed_limit) {
            return Err(AbortReason::OverSpeed {
                speed_pct,
                limit_pct: l.max_pump_speed_pct,
            });
        }
        if let (Some(min), Some(p)) = (ctx.closed_min_kpa, s.get(SignalName::TestPressure)) {
            if p - min > DRIFT_RISE_KPA {
                return Err(AbortReason::PressureDrift { rise_kpa: p - min });
            }
        }
        if let (Some(expected_min_lpm), Some(flow_lpm)) =
            (ctx.expected_min_flow_lpm, s.get(SignalName::Flow))
        {
            if flow_lpm < BLOCKED_FLOW_FRACTION * expected_min_lpm {
                return Err(AbortReason::BlockedFlow {
                    flow_lpm,
                    expected_min_lpm,
                });
            }
        }
        Ok(())
    }
}

/// Tracks link health by outcome: transport failures are tolerated until no valid sample has
/// arrived for longer than `limit` (wall clock); then the link counts as lost. Only a valid
/// sample counts as [`LinkWatch::ok`]: a successful write says nothing about reads.
#[derive(Debug, Clone)]
pub struct LinkWatch {
    last_ok: Instant,
    limit: Duration,
}

impl LinkWatch {
    /// A watch that allows the link to fail for up to `limit` (wall clock).
    pub fn new(limit: Duration) -> LinkWatch {
        LinkWatch {
            last_ok: Instant::now(),
            limit,
        }
    }

    /// Records a valid sample.
    pub fn ok(&mut self) {
        self.last_ok = Instant::now();
    }

    /// Time left before the link counts as lost (zero once it does).
    pub fn remaining(&self) -> Duration {
        self.limit.saturating_sub(self.last_ok.elapsed())
    }

    /// The link-loss limit (wall clock).
    pub fn limit(&self) -> Duration {
        self.limit
    }

    /// A transport failure now: `Err` once the link has been down longer than the limit.
    pub fn failed(&self, error: &str) -> Result<(), AbortReason> {
        self.failed_at(Instant::now(), error)
    }

    fn failed_at(&self, now: Instant, error: &str) -> Result<(), AbortReason> {
        let down = now.saturating_duration_since(self.last_ok);
        if down >= self.limit {
            Err(AbortReason::LinkLost {
                for_ms: down.as_millis() as u64,
                error: error.to_string(),
            })
        } else {
            Ok(())
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use SignalName::*;

    fn sup() -> Supervisor {
        Supervisor::new(Limits {
            max_pressure_kpa: 700.0,
            max_pump_speed_pct: 100.0,
            max_flow_lpm: 30.0,
        })
    }

    fn sample(values: &[(SignalName, f64)]) -> Sample {
        let mut s = Sample::default();
        s.insert(Estop, 0.0);
        s.insert(PumpFault, 0.0);
        s.insert(TestPressure, 300.0);
        s.insert(GasTemperature, 22.0);
        s.insert(Flow, 0.0);
        for (k, v) in values {
            s.insert(*k, *v);
        }
        s
    }

    fn check(values: &[(SignalName, f64)]) -> Result<(), AbortReason> {
        sup().check(&sample(values), &CheckContext::default())
    }

    #[test]
    fn normal_sample_passes() {
        assert_eq!(check(&[]), Ok(()));
        // Flow noise slightly below zero is a valid reading.
        assert_eq!(check(&[(Flow, -0.3)]), Ok(()));
    }

    #[test]
    fn estop_and_pump_fault() {
        assert_eq!(check(&[(Estop, 1.0)]), Err(AbortReason::EStop));
        assert_eq!(check(&[(PumpFault, 1.0)]), Err(AbortReason::PumpFault));
    }

    #[test]
    fn over_pressure_on_any_pressure_signal() {
        assert!(matches!(
            check(&[(TestPressure, 700.5)]),
            Err(AbortReason::OverPressure {
                signal: TestPressure,
                ..
            })
        ));
        assert!(matches!(
            check(&[(InletPressure, 800.0)]),
            Err(AbortReason::OverPressure {
                signal: InletPressure,
                ..
            })
        ));
        assert_eq!(check(&[(TestPressure, 699.9)]), Ok(()));
    }

    #[test]
    fn invalid_sensors() {
        for (sig, v) in [
            (TestPressure, f64::NAN),
            (TestPressure, f64::INFINITY),
            (TestPressure, -150.0),
            (TestPressure, 1051.0), // > 1.5 × 700: broken, not over-pressure
            (GasTemperature, 151.0),
            (GasTemperature, -41.0),
            (GasTemperature, f64::NAN),
            (Flow, 46.0),
            (Flow, -1.0),
            (PumpSpeed, 151.0),
        ] {
            let r = check(&[(sig, v)]);
            assert!(
                matches!(r, Err(AbortReason::SensorInvalid { signal, .. }) if signal == sig),
                "{sig:?}={v}: {r:?}"
            );
        }
    }

    #[test]
    fn limits_on_flow_and_speed() {
        assert!(matches!(
            check(&[(Flow, 31.0)]),
            Err(AbortReason::OverFlow { .. })
        ));
        assert!(matches!(
            check(&[(PumpSpeed, 106.0)]),
            Err(AbortReason::OverSpeed { .. })
        ));
        assert_eq!(check(&[(PumpSpeed, 101.0)]), Ok(()));
    }

    #[test]
    fn drift_with_valves_closed() {
        let ctx = CheckContext {
            closed_min_kpa: Some(520.0),
            ..Default::default()
        };
        let s = sup();
        assert_eq!(s.check(&sample(&[(TestPressure, 521.9)]), &ctx), Ok(()));
        assert!(matches!(
            s.check(&sample(&[(TestPressure, 522.5)]), &ctx),
            Err(AbortReason::PressureDrift { .. })
        ));
    }

    #[test]
    fn blocked_flow_after_settling() {
        let ctx = CheckContext {
            expected_min_flow_lpm: Some(6.0),
            ..Default::default()
        };
        let s = sup();
        assert!(matches!(
            s.check(&sample(&[(Flow, 0.1)]), &ctx),
            Err(AbortReason::BlockedFlow { .. })
        ));
        assert!(s.check(&sample(&[(Flow, 2.9)]), &ctx).is_err());
        // Low but flowing is a band failure for the sequence, not a blocked loop.
        assert_eq!(s.check(&sample(&[(Flow, 3.1)]), &ctx), Ok(()));
        // Before settling there is no expectation.
        assert_eq!(check(&[(Flow, 0.1)]), Ok(()));
    }

    #[test]
    fn link_watch_tolerates_short_outages() {
        let w = LinkWatch::new(Duration::from_millis(500));
        let t0 = w.last_ok;
        assert!(w.failed_at(t0 + Duration::from_millis(100), "x").is_ok());
        let e = w
            .failed_at(t0 + Duration::from_millis(600), "timeout")
            .unwrap_err();
        assert!(e.to_string().contains("600 ms"), "{e}");
    }

    #[test]
    fn reasons_read_as_sentences() {
        let r = AbortReason::OverPressure {
            signal: TestPressure,
            kpa: 712.3,
            limit_kpa: 700.0,
        };
        assert_eq!(
            r.to_string(),
            "over-pressure: test_pressure read 712.3 kPa, above the recipe limit 700.0 kPa"
        );
    }
}
