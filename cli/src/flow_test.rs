//! `flow-test.toml`: suggested `[flow]` steps of the L10 flow / ΔP test for a simulated tray,
//! in the recipe format the controller reads (`docs/formats/recipe.md`), from the loop
//! network's system curve (Δp supply → return against total flow). Written by `simulate`
//! next to `results.json`; explained in `docs/guide/simulate.md`, "From design to the L10 flow
//! test".
//!
//! **The bands.** A recipe step is set by a pump speed and checks a flow band and an upper
//! bound on ΔP. For each chosen flow Q (a fraction of the nominal flow) the step gets:
//!
//! - a flow band Q·(1 ± w): the flow a good tray can reach at the speed that gives Q on a
//!   golden tray. Near Q the curve is a power law Δp ∝ Qⁿ (n from the curve, 1 laminar … 2
//!   turbulent); a tray whose resistance is off by the model tolerance t reaches, on a rig
//!   that holds its pressure (the worst case), a flow off by (1 + t)^(1/n) − 1; the flow
//!   meter's uncertainty adds to that: w = (1 + t)^(1/n) − 1 + u_flow;
//! - `max_dp_kpa` = Δp(Q·(1 + w))·(1 + t) + u_dp: no good tray anywhere in the band exceeds it.
//!   The matching lower bound, Δp(Q·(1 − w))·(1 − t) − u_dp, is written as a comment: the
//!   recipe format checks only an upper bound on ΔP.
//!
//! **The tolerances** ([`MODEL_TOLERANCE`], [`FLOW_METER_TOLERANCE`], [`DP_METER_KPA`]) are
//! stated in the file's comments with their origin.
//!
//! **What the test engineer fills in.** The speed that gives a flow depends on the rig's pump,
//! which the design does not know: `speed_pct` is written by the pump affinity law (Q ∝ N for
//! a system without static head) as if 100 % gave the nominal flow, and marked FILL IN.

use std::fmt::Write as _;

/// Fractions of the nominal flow at which the steps are set.
pub(crate) const STEP_FRACTIONS: [f64; 3] = [0.5, 0.75, 1.0];

/// Relative uncertainty of the modelled Δp: the channel correlations (laminar and developing
/// flow in rectangular channels, Shah & London) are good to about ±10 %, catalogue loss
/// coefficients of fittings and quick-disconnects to ±10–20 %, and manufacturing tolerances
/// of the channels add a few per cent (Δp ∝ 1/h³ in a laminar gap); ±15 % covers these
/// together for a tray whose Δp is split between plates and plumbing.
pub(crate) const MODEL_TOLERANCE: f64 = 0.15;

/// Relative uncertainty of the rig's flow meter, of reading (turbine and magnetic-inductive
/// meters of this size class are specified at ±0.5–2 % of reading; the larger value).
pub(crate) const FLOW_METER_TOLERANCE: f64 = 0.02;

/// Uncertainty of ΔP = inlet − outlet from two gauge transducers, kPa (two 0–1000 kPa
/// transducers of 0.1 % of full scale, each ±1 kPa, added linearly: ±2 kPa).
pub(crate) const DP_METER_KPA: f64 = 2.0;

/// Settling time written into `[flow]`, s (the shipped recipe's).
const SETTLE_S: f64 = 5.0;
/// Averaging window written into `[flow]`, s (the recipe format's default).
const AVERAGE_S: f64 = 2.0;

/// A system curve the flow test cannot be derived from.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct FlowTestError(pub(crate) String);

impl std::fmt::Display for FlowTestError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "flow-test.toml: {}", self.0)
    }
}

impl std::error::Error for FlowTestError {}

/// One suggested step.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct StepBand {
    /// Fraction of the nominal flow.
    pub(crate) fraction: f64,
    /// The flow the step is set for, L/min.
    pub(crate) flow_lpm: f64,
    /// The model's Δp at that flow, kPa.
    pub(crate) dp_kpa: f64,
    /// Local exponent n of Δp ∝ Qⁿ there.
    pub(crate) exponent: f64,
    /// Flow band, L/min (rounded outwards to 0.01).
    pub(crate) min_flow_lpm: f64,
    /// Upper end of the flow band, L/min.
    pub(crate) max_flow_lpm: f64,
    /// Lowest Δp of a good tray in the band, kPa (rounded down to 0.1; not in the recipe).
    pub(crate) min_dp_kpa: f64,
    /// Highest Δp of a good tray in the band, kPa (rounded up to 0.1): `max_dp_kpa`.
    pub(crate) max_dp_kpa: f64,
    /// Suggested pump speed, % (affinity law; to be set on the rig).
    pub(crate) speed_pct: f64,
}

/// A system curve interpolated as a power law between its points (exact for laminar, Δp ∝ Q,
/// and turbulent, Δp ∝ Q², elements) and extended with its end segments' exponents.
struct SystemCurve {
    ln_q: Vec<f64>,
    ln_dp: Vec<f64>,
}

impl SystemCurve {
    fn new(points: &[(f64, f64)]) -> Result<SystemCurve, FlowTestError> {
        let pts: Vec<(f64, f64)> = points
            .iter()
            .copied()
            .filter(|&(q, dp)| !(q == 0.0 && dp == 0.0))
            .collect();
        for (i, &(q, dp)) in pts.iter().enumerate() {
            if !(q.is_finite() && dp.is_finite() && q > 0.0 && dp > 0.0) {
                return Err(FlowTestError(format!(
                    "system curve point [{q}, {dp}]: flow and Δp must be finite and > 0 (apart \
                     from the origin)"
                )));
            }
            if i > 0 && !(q > pts[i - 1].0 && dp > pts[i - 1].1) {
                return Err(FlowTestError(format!(
                    "system curve point [{q}, {dp}]: flows and drops must both rise along the \
                     curve"
                )));
            }
        }
        if pts.len() < 2 {
            return Err(FlowTestError(
                "the system curve needs at least two points with flow > 0".into(),
            ));
        }
        Ok(SystemCurve {
            ln_q: pts.iter().map(|p| p.0.ln()).collect(),
            ln_dp: pts.iter().map(|p| p.1.ln()).collect(),
        })
    }

    /// Δp (kPa) and the local exponent d ln Δp / d ln Q at `q_lpm` > 0.
    fn at(&self, q_lpm: f64) -> (f64, f64) {
        let x = q_lpm.ln();
        let n = self.ln_q.len();
        let k = self.ln_q.partition_point(|&v| v <= x).clamp(1, n - 1) - 1;
        let slope = (self.ln_dp[k + 1] - self.ln_dp[k]) / (self.ln_q[k + 1] - self.ln_q[k]);
        ((self.ln_dp[k] + slope * (x - self.ln_q[k])).exp(), slope)
    }

    fn range_lpm(&self) -> (f64, f64) {
        (self.ln_q[0].exp(), self.ln_q[self.ln_q.len() - 1].exp())
    }
}

fn floor_to(v: f64, step: f64) -> f64 {
    ((v / step) * (1.0 + 1e-12)).floor() * step
}

fn ceil_to(v: f64, step: f64) -> f64 {
    ((v / step) * (1.0 - 1e-12)).ceil() * step
}

/// The suggested steps at [`STEP_FRACTIONS`] of `nominal_flow_lpm` on the system curve
/// `(flow_lpm, dp_kpa)` (see the module doc for the bands).
pub(crate) fn flow_test_steps(
    system_curve_lpm_kpa: &[(f64, f64)],
    nominal_flow_lpm: f64,
) -> Result<Vec<StepBand>, FlowTestError> {
    if !(nominal_flow_lpm.is_finite() && nominal_flow_lpm > 0.0) {
        return Err(FlowTestError(format!(
            "the nominal flow must be finite and > 0 L/min, got {nominal_flow_lpm}"
        )));
    }
    let curve = SystemCurve::new(system_curve_lpm_kpa)?;
    Ok(STEP_FRACTIONS
        .iter()
        .map(|&fraction| {
            let q = fraction * nominal_flow_lpm;
            let (dp, n) = curve.at(q);
            let w = (1.0 + MODEL_TOLERANCE).powf(1.0 / n.max(1.0)) - 1.0 + FLOW_METER_TOLERANCE;
            let (q_lo, q_hi) = (q * (1.0 - w), q * (1.0 + w));
            let min_dp = curve.at(q_lo).0 * (1.0 - MODEL_TOLERANCE) - DP_METER_KPA;
            let max_dp = curve.at(q_hi).0 * (1.0 + MODEL_TOLERANCE) + DP_METER_KPA;
            StepBand {
                fraction,
                flow_lpm: q,
                dp_kpa: dp,
                exponent: n,
                min_flow_lpm: floor_to(q_lo, 0.01).max(0.0),
                max_flow_lpm: ceil_to(q_hi, 0.01),
                min_dp_kpa: floor_to(min_dp, 0.1).max(0.0),
                max_dp_kpa: ceil_to(max_dp, 0.1),
                speed_pct: (100.0 * fraction).round(),
            }
        })
        .collect())
}

/// The text of `flow-test.toml` for a tray named `design` cooled by `fluid`, whose loop has
/// the system curve `(flow_lpm, dp_kpa)` (Δp supply → return against total flow, at least two
/// points with flow > 0) and the nominal flow `nominal_flow_lpm`: a commented `[flow]` table
/// with one `[[flow.steps]]` per [`STEP_FRACTIONS`], to merge into the product's recipe.
pub(crate) fn flow_test_toml(
    system_curve_lpm_kpa: &[(f64, f64)],
    nominal_flow_lpm: f64,
    fluid: &str,
    design: &str,
) -> Result<String, FlowTestError> {
    let steps = flow_test_steps(system_curve_lpm_kpa, nominal_flow_lpm)?;
    let curve = SystemCurve::new(system_curve_lpm_kpa)?;
    let (lo, hi) = curve.range_lpm();
    let mut s = String::new();
    let w = &mut s;
    let max_flow = steps.iter().map(|b| b.max_flow_lpm).fold(0.0, f64::max);
    let max_dp = steps.iter().map(|b| b.max_dp_kpa).fold(0.0, f64::max);
    // `write!` into a String cannot fail.
    let _ = writeln!(
        w,
        "# flow-test.toml: suggested L10 flow / ΔP test steps for `{design}`, written by \
         `coldtray simulate`.\n\
         #\n\
         # Merge the [flow] table below into the product's recipe (docs/formats/recipe.md); the\n\
         # recipe's [limits] must allow max_flow_lpm ≥ {max_flow:.2} and max_pressure_kpa ≥ {max_dp:.1}.\n\
         #\n\
         # Origin: the loop network model of the design (channel correlations, pipes, fittings,\n\
         # quick-disconnects), its system curve Δp(Q) from supply to return for {fluid} at the\n\
         # design's inlet temperature, {lo:.2} … {hi:.2} L/min, interpolated as a power law\n\
         # Δp ∝ Qⁿ between its points. Nominal flow {nominal_flow_lpm:.2} L/min. If the rig runs a\n\
         # different liquid or temperature, Δp changes with its density and viscosity: re-run\n\
         # the simulation with the rig's liquid before using these numbers.\n\
         #\n\
         # Tolerances (docs/guide/simulate.md, \"From design to the L10 flow test\"):\n\
         # - model: ±{:.0} % on Δp (channel correlations ±10 %, fitting and QD loss coefficients\n\
         #   ±10–20 %, channel manufacturing tolerances);\n\
         # - flow meter: ±{:.0} % of reading; ΔP from two gauge transducers: ±{DP_METER_KPA:.1} kPa.\n\
         # Flow band: Q·(1 ± w), w = (1 + model)^(1/n) − 1 + flow meter: the flow a good tray\n\
         # reaches if the rig holds its pressure. max_dp_kpa: the model's Δp at the band's top\n\
         # flow + model tolerance + ΔP uncertainty. The recipe checks ΔP only from above; the\n\
         # lower bound of a good tray is given in each step's comment.\n\
         #\n\
         # FILL IN: speed_pct. The speed that gives a flow depends on the rig's pump. The values\n\
         # below assume 100 % gives the nominal flow and scale by the affinity law Q ∝ speed;\n\
         # on the rig, set each step's speed_pct (a whole number of setpoint counts) so a golden\n\
         # tray sits at the centre of its flow band.\n",
        MODEL_TOLERANCE * 100.0,
        FLOW_METER_TOLERANCE * 100.0,
    );
    let _ = writeln!(
        w,
        "[flow]\n\
         settle_s = {SETTLE_S:.1}               # after each speed change (shipped recipes' value)\n\
         average_s = {AVERAGE_S:.1}              # flow and ΔP averaged over this window"
    );
    for (i, b) in steps.iter().enumerate() {
        let outside = if b.min_flow_lpm < lo || b.max_flow_lpm > hi {
            format!(
                "\n# (the band reaches beyond the system curve's {lo:.2} … {hi:.2} L/min: Δp \
                 there is extrapolated with the end exponent)"
            )
        } else {
            String::new()
        };
        let _ = writeln!(
            w,
            "\n# Step {}: {:.0} % of the nominal flow, {:.2} L/min; model Δp {:.2} kPa \
             (Δp ∝ Q^{:.2} here).\n\
             # A good tray: {:.2} … {:.2} L/min and ΔP {:.1} … {:.1} kPa (lower bound not checked \
             by the recipe).{outside}\n\
             [[flow.steps]]\n\
             {:<28} # FILL IN: the rig's speed for {:.2} L/min on a golden tray\n\
             min_flow_lpm = {:.2}\n\
             max_flow_lpm = {:.2}\n\
             max_dp_kpa = {:.1}",
            i + 1,
            b.fraction * 100.0,
            b.flow_lpm,
            b.dp_kpa,
            b.exponent,
            b.min_flow_lpm,
            b.max_flow_lpm,
            b.min_dp_kpa,
            b.max_dp_kpa,
            format!("speed_pct = {:.1}", b.speed_pct),
            b.flow_lpm,
            b.min_flow_lpm,
            b.max_flow_lpm,
            b.max_dp_kpa,
        );
    }
    Ok(s)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use std::path::Path;

    use coldtray_controller::l10::recipe::parse_recipe;

    use super::*;

    /// A recipe without [flow], into which the suggested table is merged.
    const BASE: &str = r#"
name = "L10 test tray"
[limits]
max_pressure_kpa = 700.0
max_pump_speed_pct = 100.0
max_flow_lpm = 30.0
[leak]
test_pressure_kpa = 525.0
fill_timeout_s = 30.0
stabilize_s = 20.0
measure_s = 30.0
volume_ml = 400.0
max_leak_sccm = 0.5
vent_timeout_s = 20.0
"#;

    /// A loop of a laminar part and a turbulent part: Δp = a·Q + b·Q² (kPa, L/min).
    fn curve(a: f64, b: f64) -> Vec<(f64, f64)> {
        (0..=24)
            .map(|i| {
                let q = f64::from(i) * 0.5;
                (q, a * q + b * q * q)
            })
            .collect()
    }

    #[test]
    fn the_steps_parse_with_the_recipe_loader_and_their_bands_hold_the_model() {
        let (a, b) = (2.0, 0.35);
        let pts = curve(a, b);
        let toml = flow_test_toml(&pts, 8.0, "water", "tray").unwrap();
        let recipe = parse_recipe(&format!("{BASE}\n{toml}"), Path::new("merged.toml")).unwrap();
        let flow = recipe.flow.unwrap();
        assert_eq!(flow.steps.len(), STEP_FRACTIONS.len());
        for (step, f) in flow.steps.iter().zip(STEP_FRACTIONS) {
            let q = 8.0 * f;
            let dp = |q: f64| a * q + b * q * q;
            // The step's flow lies inside its band, and so does every good tray's Δp: the
            // model's at each end of the band, raised by the model tolerance, is below the
            // recipe's bound (Δp rises with Q, so the top end is the largest).
            assert!(step.min_flow_lpm < q && q < step.max_flow_lpm, "{step:?}");
            assert!(dp(q) < step.max_dp_kpa);
            assert!(dp(step.max_flow_lpm) * (1.0 + MODEL_TOLERANCE) <= step.max_dp_kpa + 0.02);
            // The band is no wider than the tolerances explain: at most (1.15)^(1/1) − 1 +
            // 2 % on either side (the laminar limit), plus rounding.
            assert!(step.max_flow_lpm - q <= (MODEL_TOLERANCE + FLOW_METER_TOLERANCE) * q + 0.01);
        }
    }

    #[test]
    fn the_band_follows_the_local_exponent() {
        // Purely turbulent (n = 2): w = √1.15 − 1 + 0.02 ≈ 9.24 %; purely laminar (n = 1):
        // w = 17 %. The power-law interpolation is exact for both, so Δp is exact too.
        for (a, b, w) in [(0.0, 0.5, 1.15f64.sqrt() - 1.0 + 0.02), (3.0, 0.0, 0.17)] {
            let steps = flow_test_steps(&curve(a, b), 10.0).unwrap();
            let s = &steps[2];
            assert!((s.dp_kpa - (a * 10.0 + b * 100.0)).abs() < 1e-9 * s.dp_kpa);
            assert!((s.max_flow_lpm - 10.0 * (1.0 + w)).abs() <= 0.01, "{s:?}");
            assert!((s.min_flow_lpm - 10.0 * (1.0 - w)).abs() <= 0.01, "{s:?}");
        }
    }

    #[test]
    fn bad_curves_are_refused() {
        assert!(flow_test_toml(&[(0.0, 0.0), (1.0, 2.0)], 1.0, "water", "t").is_err());
        assert!(flow_test_toml(&[(1.0, 2.0), (2.0, 1.0)], 1.0, "water", "t").is_err());
        assert!(flow_test_toml(&curve(1.0, 1.0), f64::NAN, "water", "t").is_err());
    }
}
