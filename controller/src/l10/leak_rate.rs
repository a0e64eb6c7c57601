//! Temperature-compensated leak rate from a pressure-decay measurement.
//!
//! The amount of gas in the closed volume V is n ∝ P_abs/T_abs, so a leak shows as a falling
//! P/T, while a pressure drop caused only by the gas cooling (compression heat decaying) leaves
//! P/T unchanged. The contract's two-sample formula
//!
//! ```text
//! leak_sccm = V_ml · (P1/T1 − P2/T2) · (273.15 K / 101.325 kPa) / (measure_s / 60)
//! ```
//!
//! is replaced by its least-squares equivalent over every sample of the measure phase:
//! `leak_sccm = −V_ml · slope · (273.15 / 101.325) · 60`, with `slope` = d(P/T)/dt in kPa/(K·s).
//! For exactly linear data both give the same number; with sensor noise the fit is far steadier.

/// Standard atmosphere, kPa (gauge → absolute).
pub const ATM_KPA: f64 = 101.325;
/// Standard temperature of the sccm definition, K.
pub const T_STD_K: f64 = 273.15;
/// Temperature assumed when the map has no `gas_temperature`, K (20 °C).
pub const T_DEFAULT_K: f64 = 293.15;
/// 0 °C in K.
pub const ZERO_C_K: f64 = 273.15;

/// One sample of the measure phase.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DecayPoint {
    /// Time, s (any origin).
    pub t_s: f64,
    /// Test pressure, kPa gauge.
    pub pressure_kpa: f64,
    /// Gas temperature, °C; `None` → [`T_DEFAULT_K`].
    pub temperature_c: Option<f64>,
}

impl DecayPoint {
    /// P_abs / T_abs, kPa/K.
    pub fn p_over_t(&self) -> f64 {
        let t_k = self
            .temperature_c
            .map(|c| c + ZERO_C_K)
            .unwrap_or(T_DEFAULT_K);
        (self.pressure_kpa + ATM_KPA) / t_k
    }
}

/// The fitted decay.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LeakFit {
    /// Leak rate, sccm (positive = gas lost).
    pub leak_sccm: f64,
    /// d(P/T)/dt, kPa/(K·s).
    pub slope_kpa_per_k_s: f64,
    /// Fitted P/T at `t0_s`, kPa/K.
    pub p_over_t_at_t0: f64,
    /// Time of the first sample, s.
    pub t0_s: f64,
    /// Mean gas temperature over the fit, K (to draw the fit as a pressure).
    pub mean_t_k: f64,
    /// Gauge pressure of the first and last samples, kPa.
    pub start_kpa: f64,
    /// Pressure at the end of the fit, kPa gauge.
    pub end_kpa: f64,
    /// Number of samples used.
    pub samples: usize,
}

impl LeakFit {
    /// The fitted line as a gauge pressure at time `t_s` (at the mean temperature), kPa.
    pub fn fitted_pressure_kpa(&self, t_s: f64) -> f64 {
        (self.p_over_t_at_t0 + self.slope_kpa_per_k_s * (t_s - self.t0_s)) * self.mean_t_k - ATM_KPA
    }
}

/// Why no leak rate could be computed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum LeakRateError {
    #[error("the measure phase has {0} valid sample(s); at least 2 at different times are needed")]
    /// Fewer samples than a fit needs (the number given).
    TooFewSamples(usize),
    #[error("volume {0} mL is not a positive finite number")]
    /// The volume is not a positive number, mL.
    BadVolume(f64),
}

/// Least-squares leak rate over the measure-phase samples. Non-finite samples are skipped
/// (the supervisor aborts on them before this is called).
pub fn fit_leak(points: &[DecayPoint], volume_ml: f64) -> Result<LeakFit, LeakRateError> {
    if !(volume_ml.is_finite() && volume_ml > 0.0) {
        return Err(LeakRateError::BadVolume(volume_ml));
    }
    let valid: Vec<(f64, f64, f64, &DecayPoint)> = points
        .iter()
        .filter_map(|p| {
            let y = p.p_over_t();
            let t_k = (p.pressure_kpa + ATM_KPA) / y;
            (p.t_s.is_finite() && y.is_finite() && y > 0.0 && t_k.is_finite())
                .then_some((p.t_s, y, t_k, p))
        })
        .collect();
    let n = valid.len();
    let (first, last) = match (valid.first(), valid.last()) {
        (Some(f), Some(l)) if n >= 2 => (f, l),
        _ => return Err(LeakRateError::TooFewSamples(n)),
    };
    let t0 = first.0;
    let nf = n as f64;
    let mean_x = valid.iter().map(|v| v.0 - t0).sum::<f64>() / nf;
    let mean_y = valid.iter().map(|v| v.1).sum::<f64>() / nf;
    let mean_t_k = valid.iter().map(|v| v.2).sum::<f64>() / nf;
    let sxx: f64 = valid.iter().map(|v| (v.0 - t0 - mean_x).powi(2)).sum();
    if sxx <= 0.0 {
        return Err(LeakRateError::TooFewSamples(1));
    }
    let sxy: f64 = valid
        .iter()
        .map(|v| (v.0 - t0 - mean_x) * (v.1 - mean_y))
        .sum();
    let slope = sxy / sxx;
    let intercept = mean_y - slope * mean_x;
    Ok(LeakFit {
        leak_sccm: -volume_ml * slope * (T_STD_K / ATM_KPA) * 60.0,
        slope_kpa_per_k_s: slope,
        p_over_t_at_t0: intercept,
        t0_s: t0,
        mean_t_k,
        start_kpa: first.3.pressure_kpa,
        end_kpa: last.3.pressure_kpa,
        samples: n,
    })
}

/// The contract's two-sample formula (kept for reference and cross-checking).
pub fn two_point_leak_sccm(p1: &DecayPoint, p2: &DecayPoint, volume_ml: f64) -> f64 {
    let dt_min = (p2.t_s - p1.t_s) / 60.0;
    volume_ml * (p1.p_over_t() - p2.p_over_t()) * (T_STD_K / ATM_KPA) / dt_min
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn pt(t_s: f64, pressure_kpa: f64, temperature_c: Option<f64>) -> DecayPoint {
        DecayPoint {
            t_s,
            pressure_kpa,
            temperature_c,
        }
    }

    #[test]
    fn linear_decay_at_default_temperature_matches_hand_value() {
        // P_gauge falls 0.01 kPa/s from 525 kPa, T = 293.15 K (no sensor), V = 400 mL:
        // d(P/T)/dt = −0.01/293.15 kPa/(K·s);
        // leak = 400 · 0.01/293.15 · 273.15/101.325 · 60 = 2.207018 sccm (by hand / calculator).
        let pts: Vec<_> = (0..=300)
            .map(|i| {
                let t = f64::from(i) * 0.1;
                pt(t, 525.0 - 0.01 * t, None)
            })
            .collect();
        let fit = fit_leak(&pts, 400.0).unwrap();
        // Exact data: only rounding error, so 1e-9 relative.
        assert!((fit.leak_sccm - 2.207_018_307).abs() < 1e-6, "{fit:?}");
        assert_eq!(fit.samples, 301);
        assert!((fit.start_kpa - 525.0).abs() < 1e-12);
        assert!((fit.end_kpa - 524.7).abs() < 1e-9);
        // The two-point contract formula gives the same number on linear data.
        let two = two_point_leak_sccm(&pts[0], &pts[300], 400.0);
        assert!((two - fit.leak_sccm).abs() < 1e-6);
        // The fitted line passes through the (exact) data.
        assert!((fit.fitted_pressure_kpa(15.0) - 524.85).abs() < 1e-9);
    }

    #[test]
    fn cooling_gas_without_leak_reads_zero() {
        // Sealed volume: P_abs/T_abs constant while the gas cools 30 → 25 °C.
        // P_abs drops by 626.325·5/303.15 ≈ 10.3 kPa — uncompensated that would look like a
        // 400·(10.3/293.15)·(273.15/101.325)/(30/60) ≈ 76 sccm leak. Compensated: 0.
        let c = (525.0 + ATM_KPA) / (30.0 + ZERO_C_K);
        let pts: Vec<_> = (0..=30)
            .map(|i| {
                let t = f64::from(i);
                let temp_c = 30.0 - 5.0 * t / 30.0;
                pt(t, c * (temp_c + ZERO_C_K) - ATM_KPA, Some(temp_c))
            })
            .collect();
        let fit = fit_leak(&pts, 400.0).unwrap();
        assert!(fit.leak_sccm.abs() < 1e-9, "{fit:?}");
        let uncompensated: Vec<_> = pts
            .iter()
            .map(|p| pt(p.t_s, p.pressure_kpa, None))
            .collect();
        let raw = fit_leak(&uncompensated, 400.0).unwrap();
        assert!(raw.leak_sccm > 70.0 && raw.leak_sccm < 80.0, "{raw:?}");
    }

    #[test]
    fn zero_mean_noise_does_not_bias_the_slope() {
        // Alternating ±0.05 kPa around a constant pressure: symmetric noise, slope ≈ 0; the
        // bound is the worst case of an alternating sequence over 301 points (≪ 0.01 sccm).
        let pts: Vec<_> = (0..=300)
            .map(|i| {
                let n = if i % 2 == 0 { 0.05 } else { -0.05 };
                pt(f64::from(i) * 0.1, 525.0 + n, Some(22.0))
            })
            .collect();
        let fit = fit_leak(&pts, 400.0).unwrap();
        assert!(fit.leak_sccm.abs() < 0.01, "{fit:?}");
    }

    #[test]
    fn too_few_samples_and_bad_volume_are_errors() {
        assert_eq!(
            fit_leak(&[pt(0.0, 500.0, None)], 400.0),
            Err(LeakRateError::TooFewSamples(1))
        );
        let same_t = [pt(1.0, 500.0, None), pt(1.0, 499.0, None)];
        assert!(fit_leak(&same_t, 400.0).is_err());
        let nan = [pt(0.0, f64::NAN, None), pt(1.0, 499.0, None)];
        assert_eq!(fit_leak(&nan, 400.0), Err(LeakRateError::TooFewSamples(1)));
        let ok = [pt(0.0, 500.0, None), pt(1.0, 499.0, None)];
        assert_eq!(fit_leak(&ok, 0.0), Err(LeakRateError::BadVolume(0.0)));
    }
}
