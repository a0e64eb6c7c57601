//! Shared helpers of the criterion benchmarks in `benches/benches/`:
//!
//! - [`synthetic_operator`]: a layered-stack [`Operator`] of any size, built directly (its
//!   fields are public), for the kernel benches;
//! - [`reference`]: plain scalar triple-loop versions of the residual and of one red-black
//!   z-line sweep over the same arrays, the yardstick of the solver's kernels;
//! - [`hotspot`]: the HotSpot-sized 16 × 16 mm die (30 blocks, 40 W) as a [`Design`] in code;
//! - [`PeakAlloc`] (re-exported from the `peak_alloc` crate; the workspace forbids `unsafe`, and
//!   a `GlobalAlloc` impl needs it) with [`measure_peak`] for peak bytes per unknown;
//! - small timing helpers ([`time_min`], [`pool`]) for the ratio tables the benches print next
//!   to criterion's own numbers.

pub mod hotspot;
pub mod reference;

use std::path::PathBuf;
use std::time::Instant;

use coldtray_solver::stencil::Operator;
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
    match coldtray_solver::design::load_design(&path, cell_mm) {
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

/// Per-layer data of the synthetic stack: (thickness m, k W/m·K).
const STACK: [(f64, f64); 8] = [
    (2.0e-4, 20.0),  // substrate
    (5.0e-5, 0.5),   // underfill
    (1.0e-4, 150.0), // silicon
    (5.0e-5, 5.0),   // TIM
    (2.0e-4, 150.0), // silicon bulk
    (5.0e-5, 25.0),  // liquid metal
    (5.0e-4, 400.0), // copper base
    (1.0e-3, 400.0), // copper
];

/// A conduction-only operator of `nu × nv` columns and `nz` z cells (layers of [`STACK`] cycled
/// bottom to top), 0.1 mm cells in plane, a convective top (h = 20 kW/m²K). It has the same
/// structure and arrays as an assembled design's operator, built without the design machinery
/// so the kernel benches can reach exactly 1, 4 and 16 M unknowns.
pub fn synthetic_operator(nu: usize, nv: usize, nz: usize) -> Operator {
    let (du, dv) = (1.0e-4, 1.0e-4);
    let ncol = nu * nv;
    let mut gu = vec![0.0; ncol * nz];
    let mut gv = vec![0.0; ncol * nz];
    let mut gz = vec![0.0; ncol * nz];
    let mut gb = vec![0.0; ncol * nz];
    let layer = |k: usize| STACK[k % STACK.len()];
    for v in 0..nv {
        for u in 0..nu {
            let c = v * nu + u;
            // A mild in-plane variation so no two columns are alike.
            let f = 1.0 + 0.25 * (((u * 7 + v * 13) % 11) as f64 / 11.0);
            for k in 0..nz {
                let (dz, kk) = layer(k);
                let kk = kk * f;
                let s = c * nz + k;
                if u + 1 < nu {
                    gu[s] = kk * dv * dz / du;
                }
                if v + 1 < nv {
                    gv[s] = kk * du * dz / dv;
                }
                if k + 1 < nz {
                    let (dz2, k2) = layer(k + 1);
                    gz[s] = du * dv / (0.5 * dz / kk + 0.5 * dz2 / (k2 * f));
                }
            }
            gb[c * nz + nz - 1] =
                du * dv / (1.0 / 2.0e4 + 0.5 * layer(nz - 1).0 / (layer(nz - 1).1 * f));
        }
    }
    Operator {
        nu,
        nv,
        nz,
        gu,
        gv,
        gz,
        gb,
        fluids: Vec::new(),
        wu: vec![du; nu],
        wv: vec![dv; nv],
    }
}

/// A right-hand side for [`synthetic_operator`]: 1 mW per cell in the third layer of every
/// column, more under a "die" in the middle.
pub fn synthetic_rhs(op: &Operator) -> Vec<f64> {
    let (nu, nv, nz) = (op.nu, op.nv, op.nz);
    let mut b = vec![0.0; op.len()];
    for v in 0..nv {
        for u in 0..nu {
            let die = (nu / 4..3 * nu / 4).contains(&u) && (nv / 4..3 * nv / 4).contains(&v);
            b[(v * nu + u) * nz + 2.min(nz - 1)] = if die { 1e-2 } else { 1e-3 };
        }
    }
    b
}

/// A deterministic non-trivial state vector (for the residual benches).
pub fn synthetic_state(n: usize) -> Vec<f64> {
    (0..n)
        .map(|i| ((i * 2654435761) % 1000) as f64 * 1e-3)
        .collect()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn synthetic_operator_has_the_requested_size() {
        let op = synthetic_operator(8, 4, 16);
        assert_eq!(op.len(), 8 * 4 * 16);
        assert!(op.gz.iter().all(|g| g.is_finite() && *g >= 0.0));
        assert!(op.gb.iter().any(|g| *g > 0.0));
    }

    #[test]
    fn measure_peak_without_global_allocator_is_zero() {
        // Not the global allocator here: nothing is counted, and nothing panics.
        let ((), peak) = measure_peak(&PeakAlloc, || drop(vec![0u8; 1 << 20]));
        assert_eq!(peak, 0);
    }
}
