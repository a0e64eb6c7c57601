//! The pump curve that drives a loop: head H(Q) rising the pressure from `return` to
//! `supply`, interpolated by a monotone cubic through the given points.

use super::laws::{check_points, CurveError, MonotoneCubic, M3S_PER_LPM};

/// A pump's head curve, `(flow_lpm, head_kpa)` points with flows ascending and heads strictly
/// descending (a centrifugal pump's stable branch), interpolated by a monotone cubic.
/// Outside the points it is extended linearly with the end slopes (towards and below zero
/// flow, and past the last point, where the head may go negative); the solution warns when
/// the operating point lies there.
#[derive(Debug, Clone, PartialEq)]
pub struct PumpCurve {
    spline: MonotoneCubic,
}

impl PumpCurve {
    /// A pump curve from `(flow_lpm, head_kpa)`: at least two points, flows ≥ 0 strictly
    /// ascending, heads strictly descending, the first head > 0 (a pump that cannot push at
    /// its lowest flow drives nothing).
    pub fn new(points_lpm_kpa: &[(f64, f64)]) -> Result<PumpCurve, CurveError> {
        check_points(points_lpm_kpa, "head_kpa", 2)?;
        if points_lpm_kpa[0].1 <= 0.0 {
            return Err(CurveError {
                index: 0,
                problem: format!(
                    "head_kpa {} at the lowest flow: the head must be > 0 there, or the pump \
                     drives no flow",
                    points_lpm_kpa[0].1
                ),
            });
        }
        for i in 1..points_lpm_kpa.len() {
            if points_lpm_kpa[i].1 >= points_lpm_kpa[i - 1].1 {
                return Err(CurveError {
                    index: i,
                    problem: format!(
                        "head_kpa {} is not below the previous point's {}; the head must \
                         strictly fall with flow (the stable branch of the pump curve)",
                        points_lpm_kpa[i].1,
                        points_lpm_kpa[i - 1].1
                    ),
                });
            }
        }
        let x = points_lpm_kpa.iter().map(|p| p.0 * M3S_PER_LPM).collect();
        let y = points_lpm_kpa.iter().map(|p| p.1 * 1e3).collect();
        Ok(PumpCurve {
            spline: MonotoneCubic::new(x, y),
        })
    }

    /// Head (Pa) and dH/dQ (< 0) at flow `q_m3s`, any sign.
    pub fn head(&self, q_m3s: f64) -> (f64, f64) {
        let (q0, h0, m0) = self.spline.first();
        let (qn, hn, mn) = self.spline.last();
        if q_m3s < q0 {
            (h0 + m0 * (q_m3s - q0), m0)
        } else if q_m3s > qn {
            (hn + mn * (q_m3s - qn), mn)
        } else {
            self.spline.eval(q_m3s)
        }
    }

    /// The flow range the points cover, m³/s.
    pub fn flow_range_m3s(&self) -> (f64, f64) {
        (self.spline.first().0, self.spline.last().0)
    }

    /// The flow at which the head falls to zero (on the curve, or on its linear extension),
    /// m³/s: the largest flow the pump can deliver against no resistance.
    pub fn free_delivery_m3s(&self) -> f64 {
        let (qn, hn, mn) = self.spline.last();
        if hn > 0.0 {
            return qn - hn / mn;
        }
        let (mut lo, mut hi) = (self.spline.first().0, qn);
        for _ in 0..200 {
            let mid = 0.5 * (lo + hi);
            if self.head(mid).0 > 0.0 {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        0.5 * (lo + hi)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn two_points_are_a_straight_line_extended_both_ways() {
        // Two points: Fritsch–Carlson gives both ends the secant slope, so the cubic is the
        // straight line itself (exact to round-off).
        let p = PumpCurve::new(&[(0.0, 100.0), (10.0, 50.0)]).unwrap();
        for q_lpm in [-2.0, 0.0, 3.0, 10.0, 15.0, 20.0] {
            let (h, d) = p.head(q_lpm * M3S_PER_LPM);
            let want = (100.0 - 5.0 * q_lpm) * 1e3;
            assert!((h - want).abs() < 1e-9 * 1e5, "{q_lpm}: {h} vs {want}");
            assert!((d + 5e3 / M3S_PER_LPM).abs() < 1e-9 * 5e3 / M3S_PER_LPM);
        }
        assert!((p.free_delivery_m3s() / M3S_PER_LPM - 20.0).abs() < 1e-9);
    }

    #[test]
    fn rejects_rising_heads_and_no_shutoff_head() {
        assert_eq!(
            PumpCurve::new(&[(0.0, 10.0), (1.0, 12.0)])
                .unwrap_err()
                .index,
            1
        );
        assert_eq!(
            PumpCurve::new(&[(0.0, 0.0), (1.0, -1.0)])
                .unwrap_err()
                .index,
            0
        );
        assert!(PumpCurve::new(&[(0.0, 10.0)]).is_err());
    }
}
