//! Shared helpers of the criterion benchmarks in `benches/benches/`:
//!
//! - [`synthetic_operator`]: a layered-stack operator of any size, built directly (its
//!   fields are public), for the kernel benches;
//! - [`reference`](mod@reference): plain scalar triple-loop versions of the residual and of one red-black
//!   z-line sweep over the same arrays, the yardstick of the solver's kernels (both live in
//!   the solver's doc-hidden `numerics::reference`, next to the tests that check them);
//! - [`hotspot`]: the HotSpot-sized 16 × 16 mm die (30 blocks, 40 W) as a [`Design`](coldtray_solver::Design) in code;
//! - [`PeakAlloc`] (re-exported from the `peak_alloc` crate; the workspace forbids `unsafe`, and
//!   a `GlobalAlloc` impl needs it) with [`measure_peak`] for peak bytes per unknown;
//! - small timing helpers ([`time_min`], [`pool`]) for the ratio tables the benches print next
//!   to criterion's own numbers.

#![cfg_attr(not(test), warn(unused_crate_dependencies))] // dev-dependencies serve the bench targets

pub mod hotspot;

pub use coldtray_solver::numerics::reference::{
    self, synthetic_operator, synthetic_rhs, synthetic_state,
};

use std::path::PathBuf;
use std::time::Instant;

pub use peak_alloc::PeakAlloc;

/// Bytes one kernel streams per unknown in the nominal count used by every table: four
/// coefficient arrays (gu, gv, gz, gb) + x + b + out, 8 bytes each.
pub const KERNEL_BYTES_PER_UNKNOWN: usize = 7 * 8;

/// The repository's `examples/` folder.
pub fn examples_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../examples")
}

/// Load `examples/<name>.toml`, optionally at another cell size (panics with the loader's
/// message: a bench has no user to report to).
pub fn load_example(name: &str, cell_mm: Option<f64>) -> coldtray_solver::model::Design {
    let path = examples_dir().join(format!("{name}.toml"));
    let loaded = coldtray_solver::Design::load(&path).and_then(|d| match cell_mm {
        Some(c) => d.with_cell_mm(c),
        None => Ok(d),
    });
    match loaded {
        Ok(d) => d,
        Err(e) => panic!("cannot load {}: {e}", path.display()),
    }
}

/// A rayon pool of `threads` threads.
pub fn pool(threads: usize) -> rayon::ThreadPool {
    match rayon::ThreadPoolBuilder::new().num_threads(threads).build() {
        Ok(p) => p,
        Err(e) => panic!("cannot build a {threads}-thread pool: {e}"),
    }
}

/// Shortest wall time of `reps` runs of `f`, seconds (the least-disturbed run on a shared box).
pub fn time_min(reps: usize, mut f: impl FnMut()) -> f64 {
    (0..reps.max(1))
        .map(|_| {
            let t = Instant::now();
            f();
            t.elapsed().as_secs_f64()
        })
        .fold(f64::INFINITY, f64::min)
}

/// Runs `f` and returns its result and the peak heap bytes it added above what was allocated
/// when it started (requires `alloc` to be the binary's `#[global_allocator]`).
pub fn measure_peak<R>(alloc: &PeakAlloc, f: impl FnOnce() -> R) -> (R, usize) {
    let base = alloc.current_usage();
    alloc.reset_peak_usage();
    let r = f();
    (r, alloc.peak_usage().saturating_sub(base))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn measure_peak_without_global_allocator_is_zero() {
        // Not the global allocator here: nothing is counted, and nothing panics.
        let ((), peak) = measure_peak(&PeakAlloc, || drop(vec![0u8; 1 << 20]));
        assert_eq!(peak, 0);
    }
}
