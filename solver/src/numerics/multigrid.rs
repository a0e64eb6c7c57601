//! Geometric multigrid with z-line relaxation and x-y (semi-)coarsening.
//!
//! - **Coarsening** (`coarsen`): cells are merged in the (u, v) plane, never in z (the stiff
//!   direction is handled exactly by the column smoother), in aggregates of 2 × 2 cells, or of
//!   one cell along an axis where a pair would straddle a material jump (bilinear interpolation
//!   cannot represent an error that jumps inside an aggregate). Grids are coarsened until a
//!   single column remains, whose relaxation is an exact solve.
//! - **Coarse operators** by agglomeration: z conductances, boundary conductances, solid–fluid
//!   exchange and the advective ṁc_p terms are summed over the aggregate (this is exactly the
//!   Galerkin product with piecewise-constant transfer, so the coarse coolant is conservative);
//!   in-plane face conductances are the sums of the fine faces on the coarse face scaled by
//!   (fine centre distance)/(coarse centre distance) (½ on a uniform grid), which is the 1-D
//!   Galerkin product of the transfers below.
//! - **Transfers**: restriction sums residuals over the aggregate (the adjoint of constant
//!   interpolation); prolongation is bilinear in (u, v) for solid temperatures (orders 1 + 2 > 2,
//!   the condition for h-independent cell-centred multigrid) and piecewise constant for the
//!   coolant.
//! - **Cycle**: W(1, 1) by default (`gamma = 2`) with red-black column Gauss–Seidel plus u-line
//!   relaxation of the channel layers (`smoother`): the fin layers are strongly anisotropic in
//!   plane and the extra coarse-grid visits correct what full coarsening misses.
//!
//! The hierarchy is a [`Preconditioner`] for the outer iteration in `krylov`; its work vectors
//! sit behind a mutex so that a cycle needs only a shared borrow, next to the fine operator the
//! outer iteration applies.

use rayon::prelude::*;

use std::sync::{Mutex, MutexGuard};

use crate::numerics::coarsen::{coarsen, Interp};
use crate::numerics::krylov::Preconditioner;
use crate::numerics::operator::Operator;
use crate::numerics::smoother::ColumnFactors;
use crate::numerics::vector::{norm, zeros};

/// coarse_b = R (b − A x): the fine residual summed over each aggregate. It is computed one
/// fine line at a time into a line of scratch and summed at once, so the fine residual is never
/// stored: one pass over the fine level's arrays instead of a residual pass plus a restriction
/// pass over a stored residual (the sums, and their order, are the same as in that pair).
/// Aggregates are `coarsen::Interp::first` (rows) and `agg` (columns) of `it`.
fn restrict_residual(
    f: &Operator,
    c: &Operator,
    (iu, iv): &(Interp, Interp),
    b: &[f64],
    x: &[f64],
    coarse_b: &mut [f64],
) {
    let nc = f.ncomp();
    let scratch = || (vec![0.0; f.line_len()], vec![0.0; f.nz]);
    let line = |(rl, d): &mut (Vec<f64>, Vec<f64>), (cvv, out): (usize, &mut [f64])| {
        out.iter_mut().for_each(|o| *o = 0.0);
        for v in iv.first[cvv]..iv.first[cvv + 1] {
            f.residual_line(v, Some(b), x, d, rl);
            for u in 0..f.nu {
                let src = &rl[u * nc..(u + 1) * nc];
                let a = iu.agg[u];
                let dst = &mut out[a * nc..(a + 1) * nc];
                for (d, s) in dst.iter_mut().zip(src) {
                    *d += s;
                }
            }
        }
    };
    if f.parallel() {
        coarse_b
            .par_chunks_mut(c.line_len())
            .enumerate()
            .for_each_init(scratch, line);
    } else {
        let mut s = scratch();
        coarse_b
            .chunks_mut(c.line_len())
            .enumerate()
            .for_each(|vo| line(&mut s, vo));
    }
}

/// x_fine += P e_coarse. With void cells on the coarse level (`cf`: its factors), a fine cell
/// interpolates only from the taps that are solid in its layer, their weights renormalised: a
/// void aggregate's value is not a temperature (it is held at 0), and interpolating towards it
/// would act like a cold wall at every void edge. Void fine cells (`ff`) get nothing.
#[allow(clippy::too_many_arguments)]
fn prolong_add(
    f: &Operator,
    c: &Operator,
    (ff, cf): (&ColumnFactors, &ColumnFactors),
    iu: &Interp,
    iv: &Interp,
    e: &[f64],
    x: &mut [f64],
) {
    let (nz, nc) = (f.nz, f.ncomp());
    let line = |(v, xl): (usize, &mut [f64])| {
        if cf.has_void {
            return prolong_line_void(f, c, (ff, cf), iu, iv, e, (v, xl));
        }
        let (va, vb, wva) = iv.taps[v];
        for u in 0..f.nu {
            let (ua, ub, wua) = iu.taps[u];
            let taps = bilinear_taps(c, (ua, ub, wua), (va, vb, wva));
            let xs = &mut xl[u * nc..u * nc + nz];
            for (cc, wt) in taps {
                if wt != 0.0 {
                    for (xk, ek) in xs.iter_mut().zip(&e[cc * nc..cc * nc + nz]) {
                        *xk += wt * ek;
                    }
                }
            }
            add_fluid_correction(f, c, iu, iv, e, (u, v), xl);
        }
    };
    if f.parallel() {
        x.par_chunks_mut(f.line_len()).enumerate().for_each(line);
    } else {
        x.chunks_mut(f.line_len()).enumerate().for_each(line);
    }
}

/// The four coarse columns a fine column interpolates from, with their bilinear weights.
#[inline]
fn bilinear_taps(
    c: &Operator,
    (ua, ub, wua): (usize, usize, f64),
    (va, vb, wva): (usize, usize, f64),
) -> [(usize, f64); 4] {
    [
        (va * c.nu + ua, wva * wua),
        (va * c.nu + ub, wva * (1.0 - wua)),
        (vb * c.nu + ua, (1.0 - wva) * wua),
        (vb * c.nu + ub, (1.0 - wva) * (1.0 - wua)),
    ]
}

/// The coolant of fine column (u, v) takes the correction of its aggregate's coolant
/// (piecewise-constant along the stream, as the coarsening aggregates it).
#[inline]
fn add_fluid_correction(
    f: &Operator,
    c: &Operator,
    iu: &Interp,
    iv: &Interp,
    e: &[f64],
    (u, v): (usize, usize),
    xl: &mut [f64],
) {
    let (nz, nc) = (f.nz, f.ncomp());
    let cc = iv.agg[v] * c.nu + iu.agg[u];
    for g in 0..f.fluids.len() {
        if f.fluid_active(g, v * f.nu + u) {
            xl[u * nc + nz + g] += e[cc * nc + nz + g];
        }
    }
}

/// One fine line of [`prolong_add`] when the coarse level has void cells.
#[allow(clippy::too_many_arguments)]
fn prolong_line_void(
    f: &Operator,
    c: &Operator,
    (ff, cf): (&ColumnFactors, &ColumnFactors),
    iu: &Interp,
    iv: &Interp,
    e: &[f64],
    (v, xl): (usize, &mut [f64]),
) {
    let (nz, nc, cnz) = (f.nz, f.ncomp(), c.nz);
    let (va, vb, wva) = iv.taps[v];
    for u in 0..f.nu {
        let (ua, ub, wua) = iu.taps[u];
        let taps = bilinear_taps(c, (ua, ub, wua), (va, vb, wva));
        let fc = v * f.nu + u;
        for k in 0..nz {
            if ff.is_void(fc * nz + k) {
                continue;
            }
            let (mut sw, mut se) = (0.0, 0.0);
            for &(cc, wt) in &taps {
                if wt != 0.0 && !cf.is_void(cc * cnz + k) {
                    sw += wt;
                    se += wt * e[cc * nc + k];
                }
            }
            if sw > 0.0 {
                xl[u * nc + k] += se / sw;
            }
        }
        add_fluid_correction(f, c, iu, iv, e, (u, v), xl);
    }
}

/// `n` values in [−0.5, 0.5) from a fixed linear congruential sequence started at `seed`: a
/// start vector with every error mode in it, the same on every run and machine.
pub fn start_vector(n: usize, mut seed: u64) -> Vec<f64> {
    (0..n)
        .map(|_| {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (seed >> 11) as f64 / (1u64 << 53) as f64 - 0.5
        })
        .collect()
}

struct Work {
    x: Vec<f64>,
    b: Vec<f64>,
}

/// A multigrid hierarchy with its work vectors.
pub struct Multigrid {
    pub ops: Vec<Operator>,
    /// The smoother's factors of each level (computed once here: the operators must not be
    /// changed afterwards).
    factors: Vec<ColumnFactors>,
    interp: Vec<(Interp, Interp)>,
    /// Work vectors of each level (x and b of the coarse levels).
    work: Mutex<Vec<Work>>,
    /// Smoothing sweeps before the coarse-grid correction.
    pub pre: usize,
    /// Smoothing sweeps after it.
    pub post: usize,
    /// Coarse-grid visits per level: 1 = V-cycle, 2 = W-cycle.
    pub gamma: usize,
}

impl Multigrid {
    /// Build the hierarchy from the finest operator.
    pub fn new(fine: Operator) -> Self {
        let mut ops = vec![fine];
        let mut interp = Vec::new();
        while let Some(last) = ops.last() {
            if last.ncol() == 1 {
                break;
            }
            let (c, iu, iv) = coarsen(last);
            interp.push((iu, iv));
            ops.push(c);
        }
        let work = ops
            .iter()
            .enumerate()
            .map(|(l, op)| {
                // Coarse levels need their own x and b (the cycle never stores a residual).
                let n = if l == 0 { 0 } else { op.len() };
                Work {
                    x: zeros(n),
                    b: zeros(n),
                }
            })
            .collect();
        let factors = ops.iter().map(Operator::factor_columns).collect();
        Multigrid {
            ops,
            factors,
            interp,
            work: Mutex::new(work),
            pre: 1,
            post: 1,
            gamma: 2,
        }
    }

    /// Number of stored f64 values (operator + work), for memory accounting.
    pub fn stored_values(&self) -> usize {
        let ops: usize = self
            .ops
            .iter()
            .map(|o| {
                4 * o.ncol() * o.nz
                    + o.fluids
                        .iter()
                        .map(|f| f.gsf.len() + 2 * f.cdiag.len())
                        .sum::<usize>()
            })
            .sum();
        let factors: usize = self.factors.iter().map(|f| f.stored_values()).sum();
        let work: usize = self.lock_work().iter().map(|w| w.x.len() + w.b.len()).sum();
        ops + factors + work
    }

    /// The work vectors (a poisoned lock is harmless here: a cycle overwrites them).
    fn lock_work(&self) -> MutexGuard<'_, Vec<Work>> {
        self.work.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The smoother's factors of level `l` (for `Operator::smooth` on `ops[l]`).
    pub fn factors(&self, l: usize) -> &ColumnFactors {
        &self.factors[l]
    }

    /// Free the work vectors (returns how many values were released).
    pub fn work_release(&mut self) -> usize {
        let work = self.work.get_mut().unwrap_or_else(|e| e.into_inner());
        let n = work.iter().map(|w| w.x.len() + w.b.len()).sum();
        work.clear();
        n
    }

    /// One cycle (V or W, see `gamma`) on the finest level, improving `x` for `A x = b`.
    pub fn cycle(&self, b: &[f64], x: &mut [f64]) {
        let mut work = self.lock_work();
        self.cycle_level(&mut work, 0, b, x);
    }

    /// The asymptotic convergence factor of the stationary cycle as configured (`gamma`, `pre`,
    /// `post`): power iteration on the error propagation (b = 0, a fixed pseudo-random start,
    /// renormalised after every cycle so rounding never limits it); the residual reduction
    /// ‖r_n‖ / ‖r_(n−1)‖ of the last of `cycles` cycles. Deterministic. Slow modes with close
    /// factors need many cycles to separate.
    pub fn asymptotic_factor(&self, cycles: usize) -> f64 {
        let n = self.ops[0].len();
        let mut x = start_vector(n, 2024);
        let (zero, mut r) = (zeros(n), zeros(n));
        self.ops[0].residual(Some(&zero), &x, &mut r);
        let mut last = norm(&r);
        let mut factor = 0.0;
        for _ in 0..cycles {
            self.cycle(&zero, &mut x);
            self.ops[0].residual(Some(&zero), &x, &mut r);
            let now = norm(&r);
            factor = now / last;
            let s = 1.0 / now;
            x.iter_mut().for_each(|v| *v *= s);
            last = 1.0;
        }
        factor
    }

    /// One cycle on level `l` with that level's share of the work vectors.
    fn cycle_level(&self, work: &mut [Work], l: usize, b: &[f64], x: &mut [f64]) {
        let last = self.ops.len() - 1;
        if l == last {
            for _ in 0..2 {
                self.ops[l].smooth(&self.factors[l], b, x);
            }
            return;
        }
        for _ in 0..self.pre {
            self.ops[l].smooth(&self.factors[l], b, x);
        }
        let mut bc = std::mem::take(&mut work[l + 1].b);
        let mut xc = std::mem::take(&mut work[l + 1].x);
        let (ops, it) = (&self.ops, &self.interp[l]);
        restrict_residual(&ops[l], &ops[l + 1], it, b, x, &mut bc);

        xc.fill(0.0);
        self.cycle_level(work, l + 1, &bc, &mut xc);
        if self.gamma > 1 && l + 1 < last {
            self.cycle_level(work, l + 1, &bc, &mut xc);
        }
        let (iu, iv) = &self.interp[l];
        let fc = (&self.factors[l], &self.factors[l + 1]);
        prolong_add(&self.ops[l], &self.ops[l + 1], fc, iu, iv, &xc, x);
        work[l + 1].b = bc;
        work[l + 1].x = xc;
        for _ in 0..self.post {
            self.ops[l].smooth(&self.factors[l], b, x);
        }
    }
}

impl Preconditioner for Multigrid {
    /// out = one cycle applied to `rhs` from a zero initial guess.
    fn apply(&self, rhs: &[f64], out: &mut [f64]) {
        out.par_iter_mut().for_each(|o| *o = 0.0);
        self.cycle(rhs, out);
    }

    /// One cycle from the current `x`.
    fn iterate(&self, b: &[f64], x: &mut [f64]) {
        self.cycle(b, x);
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::numerics::coarsen::tests::random_op;
    use crate::numerics::krylov::{self, KrylovParams, Method};

    #[test]
    fn multigrid_solves_a_random_coolant_problem() {
        let op = random_op(13, 9, 4);
        let n = op.len();
        let b: Vec<f64> = (0..n).map(|i| ((i * 7919) % 13) as f64).collect();
        let mg = Multigrid::new(op);
        let mut x = vec![0.0; n];
        let params = KrylovParams {
            method: Method::BiCgStab,
            tolerance: 1e-10,
            max_cycles: 100,
        };
        let conv = krylov::solve(&mg.ops[0], &mg, &b, &mut x, &params, &|_, _| {});
        assert!(conv.is_ok(), "{conv:?}");
        let mut r = vec![0.0; n];
        mg.ops[0].residual(Some(&b), &x, &mut r);
        // the true residual, recomputed independently of the iteration
        assert!(norm(&r) <= 1e-10 * norm(&b) * 1.0001);
    }

    #[test]
    fn void_cells_stay_decoupled_at_zero() {
        // Cut the bottom layer's cells u < 6 off from everything (zero conductance to every
        // neighbour, no boundary term): void cells, a zero row and column. The solve must
        // converge on the rest and leave the void cells at exactly 0.
        let (nu, nv, nz) = (13, 9, 4);
        let mut op = random_op(nu, nv, nz);
        let void = |u: usize, k: usize| k == 0 && u < 6;
        for v in 0..nv {
            for u in 0..nu {
                let s = (v * nu + u) * nz;
                if void(u, 0) {
                    op.gb[s] = 0.0;
                    op.gz[s] = 0.0;
                    op.gu[s] = 0.0;
                    op.gv[s] = 0.0;
                    if u > 0 {
                        op.gu[s - nz] = 0.0;
                    }
                    if v > 0 {
                        op.gv[s - nu * nz] = 0.0;
                    }
                }
            }
        }
        let n = op.len();
        let nc = op.ncomp();
        let b: Vec<f64> = (0..n)
            .map(|i| {
                let (c, k) = (i / nc, i % nc);
                if k < nz && void(c % nu, k) {
                    0.0
                } else {
                    ((i * 7919) % 13) as f64
                }
            })
            .collect();
        let mg = Multigrid::new(op);
        assert!(mg.factors(0).is_void(0) && mg.factors(1).is_void(0));
        let mut x = vec![0.0; n];
        let params = KrylovParams {
            method: Method::BiCgStab,
            tolerance: 1e-10,
            max_cycles: 100,
        };
        let conv = krylov::solve(&mg.ops[0], &mg, &b, &mut x, &params, &|_, _| {});
        assert!(conv.is_ok(), "{conv:?}");
        for c in 0..nu * nv {
            if void(c % nu, 0) {
                assert_eq!(x[c * nc], 0.0);
            }
        }
        let mut r = vec![0.0; n];
        mg.ops[0].residual(Some(&b), &x, &mut r);
        assert!(norm(&r) <= 1e-10 * norm(&b) * 1.0001);
    }
}
