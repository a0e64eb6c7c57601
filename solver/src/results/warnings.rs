//! Plausibility checks of a solved design: the `warnings` list of `results.json`.
//!
//! A solve can be numerically perfect and still be no design result: a channel Reynolds number
//! between the laminar and turbulent correlations, a velocity that erodes copper, a flow far
//! outside what cold plates use, a coolant close to boiling, a block over its limit, or a unit
//! slip (`flow_lpm = 2400` meant as mL/min). Each check adds a [`Warning`] with a stable
//! snake_case code and a one-line message; a unit slip comes last and names the likely
//! mistake. The thresholds and their sources are in `docs/physics.md` ("Plausibility
//! checks"). A flow so small that the coolant would boil is not a warning but a validation
//! error (`coolant.flow_lpm`): a single-phase model has no answer there.

use serde::{Deserialize, Serialize};

use super::{Field, Results};
use crate::assembly::coolant::{self, Regime};
use crate::model::Design;

/// One plausibility warning.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Warning {
    /// Stable snake_case code (see [`codes`]); scripts match on it.
    pub code: String,
    /// One line for a person: the figure, the threshold and what it means.
    pub message: String,
}

impl Warning {
    fn new(code: &str, message: String) -> Self {
        Warning {
            code: code.to_string(),
            message,
        }
    }
}

/// The warning codes.
pub mod codes {
    /// A channel field's Reynolds number is outside the range its correlations are valid for.
    pub const REYNOLDS_OUT_OF_RANGE: &str = "reynolds_out_of_range";
    /// A channel field's mean velocity is above the erosion–corrosion limit for copper.
    pub const VELOCITY_EROSION: &str = "velocity_erosion";
    /// Total flow per kW of heat outside the usual cold-plate range.
    pub const FLOW_PER_KW: &str = "flow_per_kw";
    /// The coolant comes within [`super::NEAR_BOILING_K`] of its boiling point at the loop
    /// pressure.
    pub const NEAR_BOILING: &str = "near_boiling";
    /// A block's hottest cell is above its `limit_c`.
    pub const BLOCK_OVER_LIMIT: &str = "block_over_limit";
    /// The flow is so far off that a unit mistake is the likely cause.
    pub const LIKELY_UNIT_SLIP: &str = "likely_unit_slip";
    /// The pump runs outside its curve's points, or a measured-curve link beyond its last
    /// point: the head or drop there is extrapolated.
    pub const CURVE_EXTRAPOLATED: &str = "curve_extrapolated";
    /// The loop's pressure drop at the operating point is close to the pump's maximum
    /// (shut-off) head: the pump is nearly dead-headed.
    pub const PUMP_MAX_HEAD: &str = "pump_max_head";
}

/// Fraction of the pump's maximum (zero-flow) head above which the operating point is "at
/// the maximum head": a centrifugal pump's curve is flat there, so a small change of the loop
/// (a fouled filter, a balancing valve) moves the flow a lot, and the pump runs near
/// shut-off, where it heats its own water and wears.
pub const PUMP_MAX_HEAD_FRACTION: f64 = 0.9;

/// Reynolds numbers between which the solver blends the laminar (Shah & London, valid up to
/// 2300) and the turbulent (Gnielinski, valid from 3000) correlations linearly: no
/// correlation, the transition region.
pub const RE_TRANSITION: (f64, f64) = (2300.0, 3000.0);
/// Upper end of Gnielinski's validated range (Gnielinski 1976: 3000 ≤ Re ≤ 5·10⁶).
pub const RE_TURBULENT_MAX: f64 = 5.0e6;
/// Mean channel velocity above which water erodes copper, m/s: the Copper Development
/// Association's *Copper Tube Handbook* limits water in copper to 8 ft/s (2.4 m/s) cold and
/// 4–5 ft/s (1.2–1.5 m/s) above 60 °C; we warn from 2.5 m/s, past the cold-water limit.
pub const VELOCITY_EROSION_M_S: f64 = 2.5;
/// Usual total flow per kW of heat, L/min/kW: cold plates are run at about 1–2 L/min/kW
/// (ΔT of the coolant 7–15 K for water); 0.5 gives a ≈30 K rise, 4 a ≈4 K rise, where more
/// flow buys little and costs pumping power.
pub const FLOW_PER_KW: (f64, f64) = (0.5, 4.0);
/// Flow per kW above which mL/min typed as L/min is the likely cause, L/min/kW (25× the top of
/// the usual range; the slip gives ≈1000–2000).
pub const SLIP_HIGH_LPM_PER_KW: f64 = 100.0;
/// Flow per kW below which a 1000× unit slip is the likely cause, L/min/kW (1/50 of the bottom
/// of the usual range; the slip gives ≈0.001–0.002).
pub const SLIP_LOW_LPM_PER_KW: f64 = 0.01;
/// Margin to the boiling point below which the coolant is "near boiling", K.
pub const NEAR_BOILING_K: f64 = 10.0;
/// Boiling point assumed for a custom fluid (water at 1 atm), °C.
const CUSTOM_BOILING_C: f64 = 99.97;

/// Every plausibility warning of a solved `design` (its `results` and final `field`), in the
/// order: correlations, velocity, flow per kW, boiling, block limits, then a unit slip last.
pub(crate) fn check(design: &Design, results: &Results, field: &Field) -> Vec<Warning> {
    let mut out = Vec::new();
    let (Some(c), Some(state)) = (&design.coolant, coolant::analyse(design)) else {
        block_limits(results, &mut out);
        return out;
    };
    let field_name = |layer: usize, idx: usize| {
        let l = &design.layers[layer];
        if l.channels.len() == 1 {
            l.name.clone()
        } else {
            format!("{}[{idx}]", l.name)
        }
    };
    for f in &state.fields {
        let re = f.perf.reynolds;
        let name = field_name(f.layer, f.field);
        if f.perf.regime == Regime::Transitional {
            out.push(Warning::new(
                codes::REYNOLDS_OUT_OF_RANGE,
                format!(
                    "channel field `{name}`: Re = {re:.0} is in the laminar–turbulent \
                     transition ({:.0}–{:.0}), where h and Δp are a linear blend of the laminar \
                     and turbulent correlations, not a correlation; treat them as ±30 %",
                    RE_TRANSITION.0, RE_TRANSITION.1
                ),
            ));
        } else if re > RE_TURBULENT_MAX {
            out.push(Warning::new(
                codes::REYNOLDS_OUT_OF_RANGE,
                format!(
                    "channel field `{name}`: Re = {re:.3e} is above {RE_TURBULENT_MAX:.0e}, the \
                     end of Gnielinski's validated range"
                ),
            ));
        }
    }
    let fastest = state
        .fields
        .iter()
        .max_by(|a, b| a.perf.velocity_m_s.total_cmp(&b.perf.velocity_m_s));
    if let Some(f) = fastest.filter(|f| f.perf.velocity_m_s > VELOCITY_EROSION_M_S) {
        out.push(Warning::new(
            codes::VELOCITY_EROSION,
            format!(
                "channel field `{}`: mean channel velocity {:.2} m/s is above \
                 {VELOCITY_EROSION_M_S} m/s, where water erodes copper (erosion–corrosion; the \
                 Copper Tube Handbook allows 2.4 m/s cold, 1.5 m/s above 60 °C)",
                field_name(f.layer, f.field),
                f.perf.velocity_m_s
            ),
        ));
    }
    if let Some(h) = &results.hydraulics {
        links(c, h, &mut out);
    }
    let flow_lpm = results.coolant.as_ref().map_or(c.flow_lpm, |r| r.flow_lpm);
    let power_kw = results.total_power_w * 1e-3;
    let mut slip = None;
    if power_kw > 0.0 {
        let per_kw = flow_lpm / power_kw;
        let dp_kpa = state.pressure_drop_kpa;
        let v_max = fastest.map_or(0.0, |f| f.perf.velocity_m_s);
        if per_kw > SLIP_HIGH_LPM_PER_KW {
            slip = Some(Warning::new(
                codes::LIKELY_UNIT_SLIP,
                format!(
                    "flow {} L/min for {power_kw:.1} kW is {}× the usual 1–2 L/min/kW (it gives \
                     Δp = {} and {v_max:.0} m/s in the channels): mL/min typed as L/min?",
                    flow_lpm,
                    sig2(per_kw),
                    pressure(dp_kpa)
                ),
            ));
        } else if per_kw < SLIP_LOW_LPM_PER_KW {
            slip = Some(Warning::new(
                codes::LIKELY_UNIT_SLIP,
                format!(
                    "flow {} L/min for {power_kw:.1} kW is 1/{} of the usual 1–2 L/min/kW: did \
                     you give the flow in m³/min, or convert mL/min to L/min twice?",
                    flow_lpm,
                    sig2(1.0 / per_kw)
                ),
            ));
        } else if !(FLOW_PER_KW.0..=FLOW_PER_KW.1).contains(&per_kw) {
            out.push(Warning::new(
                codes::FLOW_PER_KW,
                format!(
                    "total flow {} L/min for {power_kw:.2} kW is {per_kw:.2} L/min/kW, outside \
                     the usual {}–{} L/min/kW of cold plates",
                    flow_lpm, FLOW_PER_KW.0, FLOW_PER_KW.1
                ),
            ));
        }
    }
    let hottest_fluid_c = field
        .fluid_c
        .iter()
        .copied()
        .filter(|t| t.is_finite())
        .fold(f64::NEG_INFINITY, f64::max);
    let coolant_max_c = results
        .coolant
        .as_ref()
        .map_or(hottest_fluid_c, |r| r.outlet_c.max(hottest_fluid_c));
    let (boiling_c, note) = match c.boiling_c() {
        Some(b) => (
            b,
            format!(
                "{}'s boiling point {b:.1} °C at {} kPa",
                c.fluid.name, c.pressure_kpa
            ),
        ),
        None => (
            CUSTOM_BOILING_C,
            format!(
                "{CUSTOM_BOILING_C} °C (the custom fluid's boiling point is unknown; water's at \
                 1 atm assumed)"
            ),
        ),
    };
    if coolant_max_c > boiling_c - NEAR_BOILING_K {
        out.push(Warning::new(
            codes::NEAR_BOILING,
            format!(
                "the coolant reaches {coolant_max_c:.1} °C, within {NEAR_BOILING_K} K of \
                 {note}; local boiling on the fins is possible (raise coolant.pressure_kpa to \
                 the loop's real pressure if it is higher)"
            ),
        ));
    }
    block_limits(results, &mut out);
    out.extend(slip);
    out
}

/// Reynolds number below which a K factor or a Cv rating (measured in turbulent flow)
/// under-predicts a fitting's drop: laminar flow.
pub const RE_FITTING_MIN: f64 = RE_TRANSITION.0;

/// The loop's links: velocity (erosion) and Reynolds number of every pipe and fitting, a
/// pipe in the laminar–turbulent transition, a fitting in laminar flow, the pump or a
/// measured curve used beyond its points.
fn links(c: &crate::model::Coolant, h: &super::HydraulicsResult, out: &mut Vec<Warning>) {
    for l in h.links.iter().filter(|l| l.kind != "field") {
        if let Some(v) = l.velocity_m_s.filter(|v| v.abs() > VELOCITY_EROSION_M_S) {
            out.push(Warning::new(
                codes::VELOCITY_EROSION,
                format!(
                    "link `{}`: mean velocity {:.2} m/s is above {VELOCITY_EROSION_M_S} m/s, \
                     where water erodes copper; use a larger diameter",
                    l.name,
                    v.abs()
                ),
            ));
        }
        let Some(re) = l.reynolds else { continue };
        if l.kind == "pipe" && (RE_TRANSITION.0..=RE_TRANSITION.1).contains(&re) {
            out.push(Warning::new(
                codes::REYNOLDS_OUT_OF_RANGE,
                format!(
                    "link `{}`: Re = {re:.0} is in the laminar–turbulent transition ({:.0}–{:.0}), \
                     where the pipe friction factor is uncertain (±30 %)",
                    l.name, RE_TRANSITION.0, RE_TRANSITION.1
                ),
            ));
        } else if l.kind == "quadratic" && re < RE_FITTING_MIN {
            out.push(Warning::new(
                codes::REYNOLDS_OUT_OF_RANGE,
                format!(
                    "link `{}`: Re = {re:.0} is laminar (< {RE_FITTING_MIN:.0}); a K factor or an \
                     orifice coefficient is measured in turbulent flow and under-predicts the \
                     drop here",
                    l.name
                ),
            ));
        }
    }
    if let (Some(op), Some(points)) = (&h.operating_point, &c.pump_curve) {
        if let Ok(pump) = crate::hydraulics::PumpCurve::new(points) {
            let max_kpa = pump.head(0.0).0 * 1e-3;
            if op.head_kpa >= PUMP_MAX_HEAD_FRACTION * max_kpa {
                out.push(Warning::new(
                    codes::PUMP_MAX_HEAD,
                    format!(
                        "the loop needs {:.1} kPa at {:.3} L/min, {:.0} % of the pump's maximum \
                         head {max_kpa:.1} kPa: the pump runs near shut-off; use a stronger \
                         pump or lower the loop's Δp (larger or fewer restrictions, plates in \
                         parallel rather than in series)",
                        op.head_kpa,
                        op.flow_lpm,
                        100.0 * op.head_kpa / max_kpa
                    ),
                ));
            }
        }
    }
    if let (Some(op), Some(pump)) = (&h.operating_point, &h.pump_curve) {
        let (lo, hi) = (
            pump.first().map_or(0.0, |p| p[0]),
            pump.last().map_or(0.0, |p| p[0]),
        );
        if op.flow_lpm < lo || op.flow_lpm > hi {
            out.push(Warning::new(
                codes::CURVE_EXTRAPOLATED,
                format!(
                    "the pump runs at {:.3} L/min, outside its curve's points ({lo} … {hi} \
                     L/min); its head there ({:.1} kPa) is extrapolated: extend pump_curve",
                    op.flow_lpm, op.head_kpa
                ),
            ));
        }
    }
    for (link, r) in c.links.iter().zip(&h.links) {
        if let crate::model::CoolantLinkKind::Curve { points_lpm_kpa } = &link.kind {
            let last = points_lpm_kpa.last().map_or(0.0, |p| p.0);
            if r.flow_lpm.abs() > last {
                out.push(Warning::new(
                    codes::CURVE_EXTRAPOLATED,
                    format!(
                        "link `{}`: {:.3} L/min is beyond its curve's last point ({last} L/min); \
                         its drop is extrapolated as Δp ∝ Q²: extend its points",
                        r.name,
                        r.flow_lpm.abs()
                    ),
                ));
            }
        }
    }
}

/// A [`codes::BLOCK_OVER_LIMIT`] warning for every block whose hottest cell is above its limit.
fn block_limits(results: &Results, out: &mut Vec<Warning>) {
    for b in &results.blocks {
        if let (Some(limit), Some(margin)) = (b.limit_c, b.margin_c) {
            if margin < 0.0 {
                out.push(Warning::new(
                    codes::BLOCK_OVER_LIMIT,
                    format!(
                        "block `{}`: max {:.1} °C is {:.1} K over its limit {limit} °C",
                        b.name, b.max_c, -margin
                    ),
                ));
            }
        }
    }
}

/// `v` rounded to two significant digits, as an integer-looking string (1043 → "1000").
fn sig2(v: f64) -> String {
    if v < 10.0 {
        return format!("{v:.1}");
    }
    let scale = 10f64.powi(v.log10().floor() as i32 - 1);
    format!("{:.0}", (v / scale).round() * scale)
}

/// A pressure in kPa, printed in MPa when ≥ 1000 kPa.
fn pressure(kpa: f64) -> String {
    if kpa >= 1000.0 {
        format!("{:.0} MPa", kpa * 1e-3)
    } else {
        format!("{kpa:.0} kPa")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn two_significant_digits() {
        assert_eq!(sig2(1043.0), "1000");
        assert_eq!(sig2(696.0), "700");
        assert_eq!(sig2(2.345), "2.3");
        assert_eq!(pressure(243_000.0), "243 MPa");
        assert_eq!(pressure(42.4), "42 kPa");
    }
}
