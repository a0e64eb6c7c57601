//! The outer iteration: BiCGSTAB right-preconditioned by one multigrid cycle (the coolant's
//! upwind advection makes the matrix non-symmetric, so CG does not apply), or plain cycles.
//!
//! Convergence is measured by the true relative residual ‖b − Aθ‖₂ / ‖b‖₂ (recomputed at the
//! end); "cycles" counts multigrid cycles, the unit of work (BiCGSTAB applies two per iteration).

use rayon::prelude::*;

use crate::multigrid::Multigrid;
use crate::stencil::{norm, zeros};

/// Which outer iteration to run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    /// Stationary multigrid cycles.
    VCycle,
    /// BiCGSTAB preconditioned by one multigrid cycle per application.
    BiCgStab,
}

/// Outcome of the outer iteration.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Convergence {
    pub cycles: usize,
    pub rel_residual: f64,
    pub converged: bool,
}

fn dot(a: &[f64], b: &[f64]) -> f64 {
    crate::stencil::dot(a, b)
}

/// The fused vector passes of BiCGSTAB: each updates and reduces in one pass over memory what
/// would otherwise be two to four passes (the vectors are far larger than the caches, so the
/// passes cost memory bandwidth). Sums use `stencil::dot`'s fixed chunks and order, so every
/// value is bit-identical to the unfused sequence of axpy / dot calls.
const CH: usize = crate::stencil::DOT_CHUNK;

/// r += a·v and x += b·w, returning (‖r‖², r·s) of the updated r (`s` = the shadow vector).
fn update_pair(
    (r, a, v): (&mut [f64], f64, &[f64]),
    (x, b, w): (&mut [f64], f64, &[f64]),
    s: &[f64],
) -> (f64, f64) {
    let parts: Vec<(f64, f64)> = r
        .par_chunks_mut(CH)
        .zip(v.par_chunks(CH))
        .zip(x.par_chunks_mut(CH).zip(w.par_chunks(CH)))
        .zip(s.par_chunks(CH))
        .map(|(((r, v), (x, w)), s)| {
            let (mut rr, mut rs) = (0.0, 0.0);
            for i in 0..r.len() {
                r[i] += a * v[i];
                x[i] += b * w[i];
                rr += r[i] * r[i];
                rs += r[i] * s[i];
            }
            (rr, rs)
        })
        .collect();
    parts
        .iter()
        .fold((0.0, 0.0), |(a, b), (p, q)| (a + p, b + q))
}

/// (t·t, t·r) in one pass.
fn dot2(t: &[f64], r: &[f64]) -> (f64, f64) {
    let parts: Vec<(f64, f64)> = t
        .par_chunks(CH)
        .zip(r.par_chunks(CH))
        .map(|(t, r)| {
            let (mut tt, mut tr) = (0.0, 0.0);
            for (ti, ri) in t.iter().zip(r) {
                tt += ti * ti;
                tr += ti * ri;
            }
            (tt, tr)
        })
        .collect();
    parts
        .iter()
        .fold((0.0, 0.0), |(a, b), (p, q)| (a + p, b + q))
}

/// Solve A x = b to `tol` (relative residual) within `max_cycles` multigrid cycles.
pub fn solve(
    mg: &mut Multigrid,
    method: Method,
    b: &[f64],
    x: &mut [f64],
    tol: f64,
    max_cycles: usize,
    progress: &dyn Fn(usize, f64),
) -> Convergence {
    let n = b.len();
    let bnorm = norm(b);
    if bnorm == 0.0 {
        x.iter_mut().for_each(|v| *v = 0.0);
        return Convergence {
            cycles: 0,
            rel_residual: 0.0,
            converged: true,
        };
    }
    let mut r = zeros(n);
    mg.ops[0].residual(Some(b), x, &mut r);
    let mut rel = norm(&r) / bnorm;
    mg.cycles = 0;
    match method {
        Method::VCycle => {
            while rel > tol && mg.cycles < max_cycles {
                mg.vcycle(b, x);
                mg.ops[0].residual(Some(b), x, &mut r);
                rel = norm(&r) / bnorm;
                progress(mg.cycles, rel);
            }
        }
        Method::BiCgStab => {
            bicgstab(mg, b, x, &mut r, bnorm, tol, max_cycles, progress);
            mg.ops[0].residual(Some(b), x, &mut r);
            rel = norm(&r) / bnorm;
        }
    }
    Convergence {
        cycles: mg.cycles,
        rel_residual: rel,
        converged: rel <= tol,
    }
}

#[allow(clippy::too_many_arguments)]
fn bicgstab(
    mg: &mut Multigrid,
    b: &[f64],
    x: &mut [f64],
    r: &mut [f64],
    bnorm: f64,
    tol: f64,
    max_cycles: usize,
    progress: &dyn Fn(usize, f64),
) {
    let n = b.len();
    let mut r0 = r.to_vec();
    let (mut p, mut v, mut phat) = (zeros(n), zeros(n), zeros(n));
    let (mut rho_old, mut alpha, mut omega): (f64, f64, f64) = (1.0, 1.0, 1.0);
    let mut rel = norm(r) / bnorm;
    // r0·r of the current r when the last fused pass computed it.
    let mut rho_next = None;
    while rel > tol && mg.cycles + 2 <= max_cycles {
        let mut rho = rho_next.take().unwrap_or_else(|| dot(&r0, r));
        if rho.abs() < 1e-300 || !omega.is_finite() || omega == 0.0 {
            // Breakdown: restart with the current residual as shadow vector.
            r0.copy_from_slice(r);
            p.iter_mut().for_each(|z| *z = 0.0);
            v.iter_mut().for_each(|z| *z = 0.0);
            rho = dot(&r0, r);
            (rho_old, alpha, omega) = (1.0, 1.0, 1.0);
        }
        let beta = (rho / rho_old) * (alpha / omega);
        p.par_iter_mut()
            .zip(&*r)
            .zip(&v)
            .for_each(|((pi, ri), vi)| *pi = ri + beta * (*pi - omega * vi));
        mg.precondition(&p, &mut phat);
        mg.ops[0].residual(None, &phat, &mut v);
        alpha = rho / dot(&r0, &v);
        // r −= α v and x += α p̂ now, so p̂'s storage can hold ŝ (one vector less: memory).
        let (ss, _) = update_pair((r, -alpha, &v), (x, alpha, &phat), &r0);
        let snorm = ss.sqrt() / bnorm;
        if snorm <= tol {
            progress(mg.cycles, snorm);
            break;
        }
        let shat = &mut phat;
        mg.precondition(r, shat);
        // t = A ŝ lives in the hierarchy's fine residual scratch (one vector less).
        let t = mg.apply_fine(shat);
        let (tt, tr) = dot2(t, r);
        omega = if tt > 0.0 { tr / tt } else { 0.0 };
        let (rr, r0r) = update_pair((r, -omega, t), (x, omega, shat), &r0);
        rho_next = Some(r0r);
        rho_old = rho;
        rel = rr.sqrt() / bnorm;
        progress(mg.cycles, rel);
    }
}
