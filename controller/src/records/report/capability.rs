//! Process capability of the leak rate against its one-sided upper specification, the
//! recipe's leak limit (USL): Cpk = (USL − μ) / (3σ) — with only an upper limit this is the
//! upper index Cpu, and Cp (which needs a lower limit as well) is not defined (Montgomery,
//! *Introduction to Statistical Quality Control*, 7th ed., §8.3.3 "one-sided specifications";
//! NIST/SEMATECH e-Handbook §6.1.6 "process capability").
//!
//! Two σ are given, since they answer different questions:
//! - within: MR̄ / d2 (d2 = 1.128), the short-term spread of consecutive tests — the σ of the
//!   control chart; Cpk with it is what the process could do when stable;
//! - overall: the sample standard deviation (n − 1) of every value; Cpk with it (often called
//!   Ppk) is what the process did, drifts included.

use serde::Serialize;

use super::control::D2_N2;

/// Capability of a set of leak rates against the leak limit.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Capability {
    /// The upper specification limit, the recipe's leak limit, sccm.
    pub usl_sccm: f64,
    /// Number of measured leak rates.
    pub n: usize,
    /// Their mean μ, sccm.
    pub mean_sccm: f64,
    /// Within σ = MR̄/d2, sccm.
    pub sigma_within_sccm: f64,
    /// Overall σ, the sample standard deviation, sccm.
    pub sigma_overall_sccm: f64,
    /// (USL − μ)/(3·σ_within); `None` when σ_within is 0 (to rounding).
    pub cpk_within: Option<f64>,
    /// (USL − μ)/(3·σ_overall) (Ppk); `None` when σ_overall is 0 (to rounding).
    pub cpk_overall: Option<f64>,
}

/// The capability of `values` (in test order: the moving range needs it) against `usl_sccm`,
/// or `None` with fewer than two values.
pub fn capability(values: &[f64], usl_sccm: f64) -> Option<Capability> {
    let n = values.len();
    if n < 2 {
        return None;
    }
    let nf = n as f64;
    let mean = values.iter().sum::<f64>() / nf;
    let mr_bar = values.windows(2).map(|w| (w[1] - w[0]).abs()).sum::<f64>() / (nf - 1.0);
    let sigma_within = mr_bar / D2_N2;
    let sigma_overall =
        (values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (nf - 1.0)).sqrt();
    // A spread at rounding level (identical values whose mean is not exact) counts as none.
    let tiny = 1e-12 * usl_sccm.abs().max(mean.abs());
    let index = |sigma: f64| (sigma > tiny).then(|| (usl_sccm - mean) / (3.0 * sigma));
    Some(Capability {
        usl_sccm,
        n,
        mean_sccm: mean,
        sigma_within_sccm: sigma_within,
        sigma_overall_sccm: sigma_overall,
        cpk_within: index(sigma_within),
        cpk_overall: index(sigma_overall),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hand_computed_indices() {
        // x = 0.1, 0.3, 0.2, 0.4, USL = 1.0: μ = 0.25; MR = 0.2, 0.1, 0.2 → MR̄ = 0.5/3,
        // σ_within = 0.16667/1.128 = 0.147754; Σ(x−μ)² = 0.0225+0.0025+0.0025+0.0225 = 0.05,
        // σ_overall = √(0.05/3) = 0.129099; Cpk_within = 0.75/(3·0.147754) = 1.69200,
        // Cpk_overall = 0.75/(3·0.129099) = 1.93649.
        let c = capability(&[0.1, 0.3, 0.2, 0.4], 1.0).unwrap_or_else(|| unreachable!());
        assert_eq!(c.n, 4);
        assert!((c.mean_sccm - 0.25).abs() < 1e-12);
        assert!((c.sigma_within_sccm - 0.5 / 3.0 / 1.128).abs() < 1e-12);
        assert!((c.sigma_overall_sccm - (0.05f64 / 3.0).sqrt()).abs() < 1e-12);
        let within = c.cpk_within.unwrap_or_default();
        let overall = c.cpk_overall.unwrap_or_default();
        assert!((within - 1.692).abs() < 5e-4, "{within}");
        assert!((overall - 1.93649).abs() < 5e-5, "{overall}");
    }

    #[test]
    fn a_mean_above_the_limit_gives_a_negative_index_and_no_spread_none() {
        let c = capability(&[2.0, 2.2, 1.8], 0.5).unwrap_or_else(|| unreachable!());
        assert!(c.cpk_overall.is_some_and(|v| v < 0.0));
        let flat = capability(&[0.1, 0.1, 0.1], 0.5).unwrap_or_else(|| unreachable!());
        assert_eq!((flat.cpk_within, flat.cpk_overall), (None, None));
        assert!(capability(&[0.1], 0.5).is_none());
    }
}
