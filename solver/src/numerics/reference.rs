//! Plain scalar reference kernels over the arrays of a conduction-only [`Operator`] (no fluid
//! groups, so a column holds exactly `nz` values): straightforward `v, u, k` triple loops with
//! index arithmetic, no slicing tricks, no scratch reuse beyond one column. They compute the
//! same numbers as `Operator::residual` and `Operator::smooth` (checked by the tests below) and
//! are the yardstick the kernel bench compares the solver's kernels with.
//!
//! Arrays streamed per unknown: residual reads gu, gv, gz, gb, x, b and writes out (7 × 8 B);
//! the sweep reads gu, gv, gz, gb, b and reads and writes x in place (also 7 × 8 B). Neighbour
//! values of x (u ± 1, v ± 1, k ± 1) are assumed to come from cache.

use crate::numerics::operator::Operator;
use rayon::prelude::*;

/// out = b − A x for a conduction-only operator, one line (fixed v) at a time.
fn residual_line(op: &Operator, v: usize, b: &[f64], x: &[f64], out: &mut [f64]) {
    let (nu, nv, nz) = (op.nu, op.nv, op.nz);
    for u in 0..nu {
        let c = v * nu + u;
        for k in 0..nz {
            let s = c * nz + k;
            let mut diag = op.gb[s];
            let mut off = 0.0;
            if u > 0 {
                let g = op.gu[s - nz];
                diag += g;
                off += g * x[s - nz];
            }
            if u + 1 < nu {
                let g = op.gu[s];
                diag += g;
                off += g * x[s + nz];
            }
            if v > 0 {
                let g = op.gv[s - nu * nz];
                diag += g;
                off += g * x[s - nu * nz];
            }
            if v + 1 < nv {
                let g = op.gv[s];
                diag += g;
                off += g * x[s + nu * nz];
            }
            if k > 0 {
                let g = op.gz[s - 1];
                diag += g;
                off += g * x[s - 1];
            }
            if k + 1 < nz {
                let g = op.gz[s];
                diag += g;
                off += g * x[s + 1];
            }
            out[u * nz + k] = b[s] - (diag * x[s] - off);
        }
    }
}

/// out = b − A x, sequential.
pub fn residual(op: &Operator, b: &[f64], x: &[f64], out: &mut [f64]) {
    assert!(
        op.fluids.is_empty(),
        "the reference kernels are conduction-only"
    );
    let ll = op.nu * op.nz;
    for (v, o) in out.chunks_mut(ll).enumerate() {
        residual_line(op, v, b, x, o);
    }
}

/// out = b − A x, lines in parallel on the current rayon pool.
pub fn residual_par(op: &Operator, b: &[f64], x: &[f64], out: &mut [f64]) {
    assert!(
        op.fluids.is_empty(),
        "the reference kernels are conduction-only"
    );
    let ll = op.nu * op.nz;
    out.par_chunks_mut(ll)
        .enumerate()
        .for_each(|(v, o)| residual_line(op, v, b, x, o));
}

/// One red-black z-line Gauss–Seidel sweep in place (even lines, then odd lines; along +u
/// inside a line), each column solved exactly by the Thomas algorithm. Sequential: in safe Rust
/// a parallel in-place version needs the copy of the other colour that the solver makes.
pub fn sweep(op: &Operator, b: &[f64], x: &mut [f64]) {
    assert!(
        op.fluids.is_empty(),
        "the reference kernels are conduction-only"
    );
    let (nu, nv, nz) = (op.nu, op.nv, op.nz);
    let mut d = vec![0.0; nz];
    let mut r = vec![0.0; nz];
    let mut cp = vec![0.0; nz];
    for colour in 0..2 {
        for v in (colour..nv).step_by(2) {
            for u in 0..nu {
                let c = v * nu + u;
                for k in 0..nz {
                    let s = c * nz + k;
                    let mut dk = op.gb[s];
                    let mut rk = b[s];
                    if u > 0 {
                        dk += op.gu[s - nz];
                        rk += op.gu[s - nz] * x[s - nz];
                    }
                    if u + 1 < nu {
                        dk += op.gu[s];
                        rk += op.gu[s] * x[s + nz];
                    }
                    if v > 0 {
                        dk += op.gv[s - nu * nz];
                        rk += op.gv[s - nu * nz] * x[s - nu * nz];
                    }
                    if v + 1 < nv {
                        dk += op.gv[s];
                        rk += op.gv[s] * x[s + nu * nz];
                    }
                    if k > 0 {
                        dk += op.gz[s - 1];
                    }
                    if k + 1 < nz {
                        dk += op.gz[s];
                    }
                    d[k] = dk;
                    r[k] = rk;
                }
                // Thomas: sub/super diagonals are −gz.
                let g0 = c * nz;
                let mut den = d[0];
                r[0] /= den;
                for k in 1..nz {
                    cp[k - 1] = -op.gz[g0 + k - 1] / den;
                    den = d[k] + op.gz[g0 + k - 1] * cp[k - 1];
                    r[k] = (r[k] + op.gz[g0 + k - 1] * r[k - 1]) / den;
                }
                x[g0 + nz - 1] = r[nz - 1];
                for k in (0..nz - 1).rev() {
                    r[k] -= cp[k] * r[k + 1];
                    x[g0 + k] = r[k];
                }
            }
        }
    }
}

/// The column factorisations of a conduction-only operator: the diagonal of each column's
/// tridiagonal holds only conductances (gb + in-plane faces + gz), so its LU factors are the
/// same in every sweep and can be computed once per operator. `cp[s]`: the Thomas
/// super-diagonal factor, `inv[s]`: 1 / pivot (16 B per unknown).
pub struct Factored {
    pub cp: Vec<f64>,
    pub inv: Vec<f64>,
}

/// Factor every column of `op` once (what [`sweep`] redoes in every sweep).
pub fn factor(op: &Operator) -> Factored {
    let (nu, nv, nz) = (op.nu, op.nv, op.nz);
    let mut cp = vec![0.0; op.len()];
    let mut inv = vec![0.0; op.len()];
    let mut d = vec![0.0; nz];
    for v in 0..nv {
        for u in 0..nu {
            let c = v * nu + u;
            for (k, dk) in d.iter_mut().enumerate() {
                let s = c * nz + k;
                *dk = op.gb[s]
                    + if u > 0 { op.gu[s - nz] } else { 0.0 }
                    + if u + 1 < nu { op.gu[s] } else { 0.0 }
                    + if v > 0 { op.gv[s - nu * nz] } else { 0.0 }
                    + if v + 1 < nv { op.gv[s] } else { 0.0 }
                    + if k > 0 { op.gz[s - 1] } else { 0.0 }
                    + if k + 1 < nz { op.gz[s] } else { 0.0 };
            }
            let g0 = c * nz;
            inv[g0] = 1.0 / d[0];
            for k in 1..nz {
                cp[g0 + k - 1] = -op.gz[g0 + k - 1] * inv[g0 + k - 1];
                inv[g0 + k] = 1.0 / (d[k] + op.gz[g0 + k - 1] * cp[g0 + k - 1]);
            }
        }
    }
    Factored { cp, inv }
}

/// [`sweep`] with the factorisation precomputed by [`factor`]: no division and no diagonal
/// assembly in the sweep. Streams gu, gv, gz, cp, inv, b and x (read + write): 8 × 8 B per
/// unknown, gb no longer read.
pub fn sweep_factored(op: &Operator, f: &Factored, b: &[f64], x: &mut [f64]) {
    assert!(
        op.fluids.is_empty(),
        "the reference kernels are conduction-only"
    );
    let (nu, nv, nz) = (op.nu, op.nv, op.nz);
    let mut y = vec![0.0; nz];
    for colour in 0..2 {
        for v in (colour..nv).step_by(2) {
            for u in 0..nu {
                let g0 = (v * nu + u) * nz;
                for k in 0..nz {
                    let s = g0 + k;
                    let mut rk = b[s];
                    if u > 0 {
                        rk += op.gu[s - nz] * x[s - nz];
                    }
                    if u + 1 < nu {
                        rk += op.gu[s] * x[s + nz];
                    }
                    if v > 0 {
                        rk += op.gv[s - nu * nz] * x[s - nu * nz];
                    }
                    if v + 1 < nv {
                        rk += op.gv[s] * x[s + nu * nz];
                    }
                    if k > 0 {
                        rk += op.gz[s - 1] * y[k - 1];
                    }
                    y[k] = rk * f.inv[s];
                }
                x[g0 + nz - 1] = y[nz - 1];
                for k in (0..nz - 1).rev() {
                    y[k] -= f.cp[g0 + k] * y[k + 1];
                    x[g0 + k] = y[k];
                }
            }
        }
    }
}

/// Lines relaxed together by [`sweep_factored_x4`].
const LANES: usize = 4;

/// [`sweep_factored`] relaxing one column from each of `LANES` lines of the same colour
/// (v, v + 2, v + 4, v + 6) at a time. Those lines are independent in red-black order, so the
/// result is bit-identical; the point is that the forward and backward Thomas recurrences of
/// the four columns are independent dependency chains the core can overlap (or run in SIMD
/// lanes), where one column at a time leaves the core waiting on each chain's latency.
pub fn sweep_factored_x4(op: &Operator, f: &Factored, b: &[f64], x: &mut [f64]) {
    assert!(
        op.fluids.is_empty(),
        "the reference kernels are conduction-only"
    );
    let (nu, nv, nz) = (op.nu, op.nv, op.nz);
    let mut y = vec![[0.0f64; LANES]; nz];
    for colour in 0..2 {
        let lines: Vec<usize> = (colour..nv).step_by(2).collect();
        for group in lines.chunks(LANES) {
            let m = group.len();
            for u in 0..nu {
                let mut g0 = [0usize; LANES];
                for (l, &v) in group.iter().enumerate() {
                    g0[l] = (v * nu + u) * nz;
                }
                for k in 0..nz {
                    for l in 0..m {
                        let (v, s) = (group[l], g0[l] + k);
                        let mut rk = b[s];
                        if u > 0 {
                            rk += op.gu[s - nz] * x[s - nz];
                        }
                        if u + 1 < nu {
                            rk += op.gu[s] * x[s + nz];
                        }
                        if v > 0 {
                            rk += op.gv[s - nu * nz] * x[s - nu * nz];
                        }
                        if v + 1 < nv {
                            rk += op.gv[s] * x[s + nu * nz];
                        }
                        if k > 0 {
                            rk += op.gz[s - 1] * y[k - 1][l];
                        }
                        y[k][l] = rk * f.inv[s];
                    }
                }
                for l in 0..m {
                    x[g0[l] + nz - 1] = y[nz - 1][l];
                }
                for k in (0..nz - 1).rev() {
                    for l in 0..m {
                        y[k][l] -= f.cp[g0[l] + k] * y[k + 1][l];
                        x[g0[l] + k] = y[k][l];
                    }
                }
            }
        }
    }
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

/// A conduction-only operator of `nu × nv` columns and `nz` z cells (layers of `STACK` cycled
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

    fn max_rel_diff(a: &[f64], b: &[f64]) -> f64 {
        let scale = a.iter().map(|v| v.abs()).fold(0.0, f64::max);
        a.iter()
            .zip(b)
            .map(|(p, q)| (p - q).abs())
            .fold(0.0, f64::max)
            / scale
    }

    // Same arithmetic in a different order: agreement to ~1e-12 relative is round-off only.
    #[test]
    fn reference_residual_matches_the_solver() {
        let op = synthetic_operator(9, 7, 16);
        let (b, x) = (synthetic_rhs(&op), synthetic_state(op.len()));
        let (mut r1, mut r2, mut r3) = (
            vec![0.0; op.len()],
            vec![0.0; op.len()],
            vec![0.0; op.len()],
        );
        op.residual(Some(&b), &x, &mut r1);
        residual(&op, &b, &x, &mut r2);
        residual_par(&op, &b, &x, &mut r3);
        assert!(max_rel_diff(&r1, &r2) < 1e-12);
        assert_eq!(r2, r3);
    }

    #[test]
    fn reference_sweep_matches_the_solver() {
        let op = synthetic_operator(9, 7, 16);
        let b = synthetic_rhs(&op);
        let mut x1 = synthetic_state(op.len());
        let mut x2 = x1.clone();
        let fact = op.factor_columns();
        for _ in 0..3 {
            op.smooth(&fact, &b, &mut x1);
            sweep(&op, &b, &mut x2);
        }
        assert!(max_rel_diff(&x1, &x2) < 1e-12);
    }

    #[test]
    fn prefactored_sweep_matches_the_plain_one() {
        let op = synthetic_operator(9, 7, 16);
        let b = synthetic_rhs(&op);
        let f = factor(&op);
        let mut x1 = synthetic_state(op.len());
        let mut x2 = x1.clone();
        for _ in 0..3 {
            sweep(&op, &b, &mut x1);
            sweep_factored(&op, &f, &b, &mut x2);
        }
        assert!(max_rel_diff(&x1, &x2) < 1e-12);
        // Same operations per column in the same order: bit-identical.
        let mut x3 = synthetic_state(op.len());
        for _ in 0..3 {
            sweep_factored_x4(&op, &f, &b, &mut x3);
        }
        assert_eq!(x2, x3);
    }
    #[test]
    fn synthetic_operator_has_the_requested_size() {
        let op = synthetic_operator(8, 4, 16);
        assert_eq!(op.len(), 8 * 4 * 16);
        assert!(op.gz.iter().all(|g| g.is_finite() && *g >= 0.0));
        assert!(op.gb.iter().any(|g| *g > 0.0));
    }
}
