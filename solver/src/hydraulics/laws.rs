//! Δp(Q) laws of the loop's elements: pipes, fittings, quick-disconnects, measured curves and
//! orifices (equations and sources in `docs/physics.md`, "Coolant loop network").
//!
//! Every law here is written for a flow Q ≥ 0 and returns the pressure drop and its
//! derivative; the network applies it as an odd function (a reverse flow has the opposite
//! drop), so a law never sees a negative flow. Units are SI: m³/s, Pa, m.

use super::Liquid;

/// m³/s in one L/min.
pub const M3S_PER_LPM: f64 = 1.0 / 60_000.0;
/// One US gallon, m³ (231 in³, exact by definition).
pub const US_GALLON_M3: f64 = 3.785_411_784e-3;
/// One US gallon per minute, m³/s.
pub const GPM_M3S: f64 = US_GALLON_M3 / 60.0;
/// One psi (lbf/in²), Pa: 4.448 221 615 260 5 N / (0.0254 m)², exact by definition.
pub const PSI_PA: f64 = 6_894.757_293_168_361;
/// Density of water at 60 °F (15.6 °C), kg/m³: the reference of the specific gravity in the
/// Cv definition (SG = ρ / 999.0).
pub const WATER_60F_KG_M3: f64 = 999.0;
/// Wall roughness a pipe gets when its link gives none, µm: drawn copper or stainless tube
/// (the usual tables list 1.5 µm for drawn tubing). Give `roughness_um = 0` for a smooth wall.
pub const DEFAULT_ROUGHNESS_UM: f64 = 1.5;
/// Below this Reynolds number the pipe law uses f = 64/Re itself: Churchill's correction
/// there is below 1e-100 of the laminar term, and its powers would overflow as Re → 0.
const CHURCHILL_LAMINAR_RE: f64 = 1.0;

fn circle_area_m2(diameter_m: f64) -> f64 {
    std::f64::consts::PI * diameter_m * diameter_m / 4.0
}

/// Darcy friction factor of Churchill (1977) and dF/dRe: one continuous expression for
/// laminar, transitional and turbulent flow in a pipe of relative roughness ε/D,
/// f = 8 [(8/Re)¹² + (A + B)^(−3/2)]^(1/12),
/// A = [−2.457 ln((7/Re)^0.9 + 0.27 ε/D)]¹⁶, B = (37530/Re)¹⁶.
/// It tends to 64/Re (Hagen–Poiseuille) at low Re and to Colebrook's turbulent factor
/// (within about 1 %) at high Re.
pub fn churchill_darcy(re: f64, rel_roughness: f64) -> (f64, f64) {
    if re < CHURCHILL_LAMINAR_RE {
        return (64.0 / re, -64.0 / (re * re));
    }
    let a = (8.0 / re).powi(12);
    let da = -12.0 * a / re;
    let r7 = (7.0 / re).powf(0.9);
    let t = r7 + 0.27 * rel_roughness;
    let dt = -0.9 * r7 / re;
    let u = -2.457 * t.ln();
    let du = -2.457 * dt / t;
    let big_a = u.powi(16);
    let dbig_a = 16.0 * u.powi(15) * du;
    let big_b = (37_530.0 / re).powi(16);
    let dbig_b = -16.0 * big_b / re;
    let ab = big_a + big_b;
    let c = ab.powf(-1.5);
    let dc = -1.5 * ab.powf(-2.5) * (dbig_a + dbig_b);
    let s = a + c;
    let f = 8.0 * s.powf(1.0 / 12.0);
    let df = 8.0 / 12.0 * s.powf(-11.0 / 12.0) * (da + dc);
    (f, df)
}

/// A straight round pipe: Darcy–Weisbach Δp = f (L/D) ρv²/2 with Churchill's f.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Pipe {
    /// Length, m.
    pub length_m: f64,
    /// Inner diameter, m.
    pub diameter_m: f64,
    /// Absolute roughness, m.
    pub roughness_m: f64,
}

impl Pipe {
    /// A pipe from the design's units.
    pub fn new(length_mm: f64, diameter_mm: f64, roughness_um: f64) -> Pipe {
        Pipe {
            length_m: length_mm * 1e-3,
            diameter_m: diameter_mm * 1e-3,
            roughness_m: roughness_um * 1e-6,
        }
    }

    /// Flow cross-section, m².
    pub fn area_m2(&self) -> f64 {
        circle_area_m2(self.diameter_m)
    }

    /// Mean velocity at flow `q_m3s`, m/s.
    pub fn velocity_m_s(&self, q_m3s: f64) -> f64 {
        q_m3s / self.area_m2()
    }

    /// Reynolds number ρ|v|D/μ at flow `q_m3s`.
    pub fn reynolds(&self, q_m3s: f64, liquid: &Liquid) -> f64 {
        liquid.density_kg_m3 * self.velocity_m_s(q_m3s).abs() * self.diameter_m
            / liquid.viscosity_pa_s
    }

    /// Δp (Pa) and dΔp/dQ (Pa·s/m³) at flow `q_m3s` ≥ 0.
    pub fn dp(&self, q_m3s: f64, liquid: &Liquid) -> (f64, f64) {
        let area = self.area_m2();
        let v = q_m3s / area;
        let (rho, mu, d) = (liquid.density_kg_m3, liquid.viscosity_pa_s, self.diameter_m);
        let re = rho * v * d / mu;
        if re < CHURCHILL_LAMINAR_RE {
            // f = 64/Re: Hagen–Poiseuille, Δp = 32 μ L v / D², exactly linear.
            let slope = 32.0 * mu * self.length_m / (d * d) / area;
            return (slope * q_m3s, slope);
        }
        let (f, df_dre) = churchill_darcy(re, self.roughness_m / d);
        let k = self.length_m / d * 0.5 * rho;
        let dre_dv = rho * d / mu;
        let dp = k * v * v * f;
        let ddp_dv = k * (2.0 * v * f + v * v * df_dre * dre_dv);
        (dp, ddp_dv / area)
    }
}

/// A quadratic law Δp = ρ·c·Q² (fittings, quick-disconnects, orifices): the drop of a
/// turbulent fitting scales with the density and the square of the flow.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Quadratic {
    /// c, m⁻⁴ (Δp in Pa for ρ in kg/m³ and Q in m³/s).
    pub coefficient_m4: f64,
    /// Diameter the velocity is reported in, m (`None`: no meaningful velocity, as for a Cv).
    pub diameter_m: Option<f64>,
}

impl Quadratic {
    /// A loss coefficient K referred to the velocity in `diameter_mm`: Δp = K ρ v²/2.
    pub fn k_loss(k: f64, diameter_mm: f64) -> Quadratic {
        let d = diameter_mm * 1e-3;
        let area = circle_area_m2(d);
        Quadratic {
            coefficient_m4: 0.5 * k / (area * area),
            diameter_m: Some(d),
        }
    }

    /// A valve or quick-disconnect by its flow coefficient Cv: the flow in US gpm of a liquid of
    /// specific gravity SG that a drop of Δp psi drives, Q_gpm = Cv √(Δp_psi / SG), with
    /// SG = ρ / 999.0 kg/m³ (water at 60 °F). Hence Δp_psi = SG (Q_gpm / Cv)², i.e.
    /// Δp = ρ · psi / (999.0 (Cv · gpm)²) · Q² in SI.
    pub fn cv(cv: f64) -> Quadratic {
        let q_unit = cv * GPM_M3S;
        Quadratic {
            coefficient_m4: PSI_PA / (WATER_60F_KG_M3 * q_unit * q_unit),
            diameter_m: None,
        }
    }

    /// A sharp orifice of bore `diameter_mm` and discharge coefficient `cd`:
    /// Q = C_d A √(2Δp / (ρ (1 − β⁴))), β = d/D of the pipe it sits in (β = 0 without one), so
    /// Δp = (1 − β⁴) ρ/2 (Q / (C_d A))².
    pub fn orifice(diameter_mm: f64, cd: f64, pipe_diameter_mm: Option<f64>) -> Quadratic {
        let d = diameter_mm * 1e-3;
        let beta4 = pipe_diameter_mm.map_or(0.0, |p| (diameter_mm / p).powi(4));
        let cda = cd * circle_area_m2(d);
        Quadratic {
            coefficient_m4: (1.0 - beta4) * 0.5 / (cda * cda),
            diameter_m: Some(d),
        }
    }

    /// Δp (Pa) and dΔp/dQ at flow `q_m3s` ≥ 0.
    pub fn dp(&self, q_m3s: f64, liquid: &Liquid) -> (f64, f64) {
        let c = liquid.density_kg_m3 * self.coefficient_m4;
        (c * q_m3s * q_m3s, 2.0 * c * q_m3s)
    }

    /// Mean velocity in the reference diameter at flow `q_m3s`, m/s.
    pub fn velocity_m_s(&self, q_m3s: f64) -> Option<f64> {
        self.diameter_m.map(|d| q_m3s / circle_area_m2(d))
    }
}

/// Why a curve's points were refused: the index of the point and the problem.
#[derive(Debug, Clone, PartialEq)]
pub struct CurveError {
    /// Index of the offending point in the list as given.
    pub index: usize,
    /// What is wrong and what would be valid.
    pub problem: String,
}

/// A monotone piecewise-cubic Hermite interpolant (Fritsch & Carlson 1980): through every
/// point, C¹, and monotone between points whenever the data are (no overshoot, so a measured
/// Δp(Q) never gets a spurious dip and Newton's derivative never changes sign).
#[derive(Debug, Clone, PartialEq)]
pub(super) struct MonotoneCubic {
    x: Vec<f64>,
    y: Vec<f64>,
    m: Vec<f64>,
}

impl MonotoneCubic {
    /// `x` strictly ascending, `y` strictly monotone, at least two points (checked by callers).
    pub(super) fn new(x: Vec<f64>, y: Vec<f64>) -> MonotoneCubic {
        let n = x.len();
        let delta: Vec<f64> = (0..n - 1)
            .map(|k| (y[k + 1] - y[k]) / (x[k + 1] - x[k]))
            .collect();
        let mut m = vec![0.0; n];
        m[0] = delta[0];
        m[n - 1] = delta[n - 2];
        for k in 1..n - 1 {
            m[k] = if delta[k - 1] * delta[k] > 0.0 {
                0.5 * (delta[k - 1] + delta[k])
            } else {
                0.0
            };
        }
        // Fritsch–Carlson: α² + β² ≤ 9 on every interval keeps the cubic monotone.
        for k in 0..n - 1 {
            let a = m[k] / delta[k];
            let b = m[k + 1] / delta[k];
            let s = a * a + b * b;
            if s > 9.0 {
                let t = 3.0 / s.sqrt();
                m[k] = t * a * delta[k];
                m[k + 1] = t * b * delta[k];
            }
        }
        MonotoneCubic { x, y, m }
    }

    pub(super) fn first(&self) -> (f64, f64, f64) {
        (self.x[0], self.y[0], self.m[0])
    }

    pub(super) fn last(&self) -> (f64, f64, f64) {
        let n = self.x.len() - 1;
        (self.x[n], self.y[n], self.m[n])
    }

    /// Value and derivative at `t`, clamped to the data range (callers extrapolate).
    pub(super) fn eval(&self, t: f64) -> (f64, f64) {
        let n = self.x.len();
        let t = t.clamp(self.x[0], self.x[n - 1]);
        let k = self.x.partition_point(|&x| x <= t).clamp(1, n - 1) - 1;
        let h = self.x[k + 1] - self.x[k];
        let s = (t - self.x[k]) / h;
        let (s2, s3) = (s * s, s * s * s);
        let (y0, y1, m0, m1) = (self.y[k], self.y[k + 1], self.m[k], self.m[k + 1]);
        let y = (2.0 * s3 - 3.0 * s2 + 1.0) * y0
            + (s3 - 2.0 * s2 + s) * h * m0
            + (-2.0 * s3 + 3.0 * s2) * y1
            + (s3 - s2) * h * m1;
        let dy = ((6.0 * s2 - 6.0 * s) * y0
            + (3.0 * s2 - 4.0 * s + 1.0) * h * m0
            + (-6.0 * s2 + 6.0 * s) * y1
            + (3.0 * s2 - 2.0 * s) * h * m1)
            / h;
        (y, dy)
    }
}

/// Check that `points` (flow, value) are at least `min_points`, with finite flows ≥ 0
/// strictly ascending and finite values; `what` names the value in messages.
pub(super) fn check_points(
    points: &[(f64, f64)],
    what: &str,
    min_points: usize,
) -> Result<(), CurveError> {
    if points.len() < min_points {
        return Err(CurveError {
            index: points.len().saturating_sub(1),
            problem: format!(
                "the curve needs at least {min_points} point(s) [flow_lpm, {what}], got {}",
                points.len()
            ),
        });
    }
    for (i, &(q, v)) in points.iter().enumerate() {
        if !(q.is_finite() && q >= 0.0 && v.is_finite()) {
            return Err(CurveError {
                index: i,
                problem: format!(
                    "[{q}, {v}]: flow_lpm must be a finite number ≥ 0 and {what} a finite number"
                ),
            });
        }
        if i > 0 && q <= points[i - 1].0 {
            return Err(CurveError {
                index: i,
                problem: format!(
                    "flow_lpm {q} does not exceed the previous point's {}; flows must strictly \
                     ascend",
                    points[i - 1].0
                ),
            });
        }
    }
    Ok(())
}

/// A measured Δp(Q) curve, interpolated by a monotone cubic through the origin and the points,
/// and extrapolated beyond the last point as Δp ∝ Q² (turbulent scaling; the solution warns).
#[derive(Debug, Clone, PartialEq)]
pub struct Curve {
    spline: MonotoneCubic,
}

impl Curve {
    /// A curve from `(flow_lpm, dp_kpa)` points: flows and drops strictly ascending and > 0. A
    /// point at flow 0 must have drop 0; without one, the origin is added (a passive element
    /// has no drop at no flow).
    pub fn new(points_lpm_kpa: &[(f64, f64)]) -> Result<Curve, CurveError> {
        check_points(points_lpm_kpa, "dp_kpa", 1)?;
        let mut x = vec![0.0];
        let mut y = vec![0.0];
        for (i, &(q, dp)) in points_lpm_kpa.iter().enumerate() {
            if q == 0.0 {
                if dp != 0.0 {
                    return Err(CurveError {
                        index: i,
                        problem: format!(
                            "[0, {dp}]: a passive element has no pressure drop at zero flow; \
                             give dp_kpa 0 there or leave the point out (the origin is implied)"
                        ),
                    });
                }
                continue;
            }
            let prev = *y.last().unwrap_or(&0.0) * 1e-3;
            if dp <= prev {
                return Err(CurveError {
                    index: i,
                    problem: format!(
                        "dp_kpa {dp} does not exceed the previous point's {prev}; the pressure \
                         drop must strictly rise with flow (from 0 at no flow)"
                    ),
                });
            }
            x.push(q * M3S_PER_LPM);
            y.push(dp * 1e3);
        }
        Ok(Curve {
            spline: MonotoneCubic::new(x, y),
        })
    }

    /// The last measured flow, m³/s: beyond it the drop is extrapolated.
    pub fn last_flow_m3s(&self) -> f64 {
        self.spline.last().0
    }

    /// Δp (Pa) and dΔp/dQ at flow `q_m3s` ≥ 0.
    pub fn dp(&self, q_m3s: f64) -> (f64, f64) {
        let (q_n, dp_n, _) = self.spline.last();
        if q_m3s > q_n {
            let c = dp_n / (q_n * q_n);
            return (c * q_m3s * q_m3s, 2.0 * c * q_m3s);
        }
        self.spline.eval(q_m3s)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    const WATER: Liquid = Liquid {
        density_kg_m3: 998.2,
        viscosity_pa_s: 1.002e-3,
    };

    #[test]
    fn churchill_derivative_matches_finite_differences() {
        // Central differences with h = 1e-5·Re have a truncation error ~1e-10 relative and a
        // round-off error ~1e-11 relative, so agreement to 1e-7 checks the algebra.
        for re in [1.5, 50.0, 1500.0, 2500.0, 4000.0, 1e5, 1e7] {
            for rr in [0.0, 1e-4, 1e-2] {
                let (_, d) = churchill_darcy(re, rr);
                let h = 1e-5 * re;
                let fd =
                    (churchill_darcy(re + h, rr).0 - churchill_darcy(re - h, rr).0) / (2.0 * h);
                assert!(
                    (d - fd).abs() <= 1e-7 * fd.abs(),
                    "Re {re}, ε/D {rr}: {d} vs {fd}"
                );
            }
        }
    }

    #[test]
    fn pipe_derivative_matches_finite_differences() {
        let pipe = Pipe::new(500.0, 6.0, 1.5);
        for q_lpm in [1e-6, 0.05, 0.5, 2.0, 8.0, 30.0] {
            let q = q_lpm * M3S_PER_LPM;
            let (_, d) = pipe.dp(q, &WATER);
            let h = 1e-6 * q;
            let fd = (pipe.dp(q + h, &WATER).0 - pipe.dp(q - h, &WATER).0) / (2.0 * h);
            assert!((d - fd).abs() <= 1e-6 * fd, "{q_lpm} L/min: {d} vs {fd}");
        }
    }

    #[test]
    fn monotone_cubic_interpolates_and_never_overshoots() {
        // A curve with a sharp knee, which an ordinary cubic spline overshoots.
        let pts = [(1.0, 0.1), (2.0, 0.2), (3.0, 5.0), (4.0, 5.1)];
        let c = Curve::new(&pts).unwrap();
        for &(q, dp) in &pts {
            let (v, _) = c.dp(q * M3S_PER_LPM);
            assert!(
                (v - dp * 1e3).abs() < 1e-9 * dp * 1e3,
                "through ({q}, {dp})"
            );
        }
        let mut last = -1.0;
        for i in 0..=4000 {
            let q = 4.0 * i as f64 / 4000.0 * M3S_PER_LPM;
            let (v, d) = c.dp(q);
            assert!(v >= last, "monotone at {q}");
            assert!(d >= 0.0, "slope ≥ 0 at {q}");
            last = v;
        }
        // Beyond the last point: Δp ∝ Q².
        let (v, _) = c.dp(8.0 * M3S_PER_LPM);
        assert!((v - 4.0 * 5.1e3).abs() < 1e-9 * v);
    }

    #[test]
    fn curve_rejects_falling_and_nonzero_origin_points() {
        assert_eq!(Curve::new(&[(1.0, 2.0), (2.0, 1.0)]).unwrap_err().index, 1);
        assert_eq!(Curve::new(&[(1.0, 2.0), (1.0, 3.0)]).unwrap_err().index, 1);
        assert_eq!(Curve::new(&[(0.0, 1.0), (1.0, 3.0)]).unwrap_err().index, 0);
        assert!(Curve::new(&[(0.0, 0.0), (1.0, 3.0)]).is_ok());
        assert_eq!(Curve::new(&[]).unwrap_err().index, 0);
    }
}
