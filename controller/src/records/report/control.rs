//! The individuals control chart (X chart with its moving range) of the measured leak rates,
//! in test order.
//!
//! With one measurement per subgroup the process spread is estimated from the moving range
//! of consecutive values, MR_i = |x_i − x_(i−1)|: centre line X̄ (the mean), control limits
//! X̄ ± 3·MR̄/d2 = X̄ ± 2.66·MR̄, where d2 = 1.128 is the bias constant of a range of two
//! (NIST/SEMATECH e-Handbook of Statistical Methods, §6.3.2.2 "Individuals control charts";
//! Montgomery, *Introduction to Statistical Quality Control*, 7th ed., §6.4). The limits
//! describe the process, not the specification: the leak limit is drawn beside them.

use serde::Serialize;

/// d2 for moving ranges of two consecutive values.
pub const D2_N2: f64 = 1.128;
/// 3 / d2: the control limits' distance from the centre line in moving ranges.
pub const E2_N2: f64 = 2.66;

/// An individuals chart of `values` (in test order).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Individuals {
    /// The values, in order.
    pub values: Vec<f64>,
    /// Centre line: the mean X̄.
    pub mean: f64,
    /// Mean moving range MR̄ (of the n − 1 consecutive pairs).
    pub mean_moving_range: f64,
    /// Upper control limit X̄ + 2.66·MR̄.
    pub ucl: f64,
    /// Lower control limit X̄ − 2.66·MR̄ (may be below zero, where no leak rate can be).
    pub lcl: f64,
    /// Indices (into `values`) of the points beyond a control limit.
    pub out_of_control: Vec<usize>,
}

/// The chart of `values`, or `None` with fewer than two (no moving range).
pub fn individuals(values: &[f64]) -> Option<Individuals> {
    if values.len() < 2 {
        return None;
    }
    let n = values.len() as f64;
    let mean = values.iter().sum::<f64>() / n;
    let mean_moving_range = values.windows(2).map(|w| (w[1] - w[0]).abs()).sum::<f64>() / (n - 1.0);
    let ucl = mean + E2_N2 * mean_moving_range;
    let lcl = mean - E2_N2 * mean_moving_range;
    let out_of_control = values
        .iter()
        .enumerate()
        .filter(|(_, v)| **v > ucl || **v < lcl)
        .map(|(i, _)| i)
        .collect();
    Some(Individuals {
        values: values.to_vec(),
        mean,
        mean_moving_range,
        ucl,
        lcl,
        out_of_control,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_of_a_hand_computed_series() {
        // x = 1, 3, 2, 4, 10: X̄ = 20/5 = 4; MR = 2, 1, 2, 6 → MR̄ = 11/4 = 2.75;
        // UCL = 4 + 2.66·2.75 = 11.315, LCL = 4 − 7.315 = −3.315; nothing beyond them.
        let c = individuals(&[1.0, 3.0, 2.0, 4.0, 10.0]).unwrap_or_else(|| unreachable!());
        assert!((c.mean - 4.0).abs() < 1e-12);
        assert!((c.mean_moving_range - 2.75).abs() < 1e-12);
        assert!((c.ucl - 11.315).abs() < 1e-12);
        assert!((c.lcl + 3.315).abs() < 1e-12);
        assert!(c.out_of_control.is_empty());
        // 3/d2 rounds to the handbook's 2.66.
        assert!((3.0 / D2_N2 - E2_N2).abs() < 0.005);
    }

    #[test]
    fn a_point_beyond_the_limits_is_flagged() {
        // Ten values of 1.0 ± 0.1 alternating, then 5: X̄ = 15/11 = 1.364, MR: nine of 0.2
        // (between the alternating values) and one of 4.1 (0.9 → 5): MR̄ = (1.8 + 4.1)/10
        // = 0.59; UCL = 1.364 + 1.569 = 2.933 < 5.
        let mut v: Vec<f64> = (0..10)
            .map(|i| if i % 2 == 0 { 1.1 } else { 0.9 })
            .collect();
        v.push(5.0);
        let c = individuals(&v).unwrap_or_else(|| unreachable!());
        assert!((c.mean_moving_range - 0.59).abs() < 1e-12, "{c:?}");
        assert_eq!(c.out_of_control, vec![10]);
        assert!(individuals(&[1.0]).is_none());
    }
}
