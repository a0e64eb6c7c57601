//! Sensor noise: a small seeded generator, so that a run's readings are reproducible for a
//! given seed and sequence of reads.

/// A small seeded generator (xorshift64*) with Gaussian samples (Box–Muller): sensor noise is
/// reproducible for a given seed and sequence of reads.
#[derive(Debug, Clone)]
pub(crate) struct Noise {
    state: u64,
    spare: Option<f64>,
}

impl Noise {
    pub(crate) fn new(seed: u64) -> Self {
        // splitmix64 of the seed so that 0 and small seeds give good states.
        let mut z = seed.wrapping_add(0x9E37_79B9_7F4A_7C15);
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^= z >> 31;
        Noise {
            state: z | 1,
            spare: None,
        }
    }

    fn next_u64(&mut self) -> u64 {
        let mut x = self.state;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.state = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// Uniform in (0, 1].
    fn uniform(&mut self) -> f64 {
        ((self.next_u64() >> 11) as f64 + 1.0) / (1u64 << 53) as f64
    }

    /// A standard normal sample.
    pub(crate) fn gaussian(&mut self) -> f64 {
        if let Some(s) = self.spare.take() {
            return s;
        }
        let r = (-2.0 * self.uniform().ln()).sqrt();
        let th = std::f64::consts::TAU * self.uniform();
        self.spare = Some(r * th.sin());
        r * th.cos()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn noise_is_standard_normal_and_reproducible() {
        let mut a = Noise::new(7);
        let mut b = Noise::new(7);
        let n = 20_000;
        let xs: Vec<f64> = (0..n).map(|_| a.gaussian()).collect();
        assert!(xs
            .iter()
            .zip((0..n).map(|_| b.gaussian()))
            .all(|(x, y)| *x == y));
        let mean = xs.iter().sum::<f64>() / n as f64;
        let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / n as f64;
        // Standard error of the mean is 1/√n = 0.007; of the variance √(2/n) = 0.01: 5σ bounds.
        assert!(mean.abs() < 0.035, "mean {mean}");
        assert!((var - 1.0).abs() < 0.05, "variance {var}");
    }
}
