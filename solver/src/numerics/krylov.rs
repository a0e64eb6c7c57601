//! Krylov outer iterations over a [`LinearOperator`] and a [`Preconditioner`]: BiCGSTAB
//! right-preconditioned by the preconditioner (the coolant's upwind advection makes the
//! solver's matrix non-symmetric, so CG does not apply), or the preconditioner's own stationary
//! iteration. Nothing here knows what the operator or the preconditioner are; the solver passes
//! its finest [`crate::numerics::operator::Operator`] and a
//! [`crate::numerics::multigrid::Multigrid`] cycle.
//!
//! Convergence is measured by the true relative residual ‖b − Ax‖₂ / ‖b‖₂ (recomputed at the
//! end); "cycles" counts preconditioner applications, the unit of work (BiCGSTAB applies two
//! per iteration).

use rayon::prelude::*;

use crate::numerics::vector::{norm, zeros};

/// A square linear operator A acting on vectors of its state layout.
pub trait LinearOperator {
    /// out = A x.
    fn apply(&self, x: &[f64], out: &mut [f64]);
    /// out = b − A x.
    fn residual(&self, b: &[f64], x: &[f64], out: &mut [f64]);
}

/// An approximate inverse M ≈ A⁻¹ of the operator being solved.
pub trait Preconditioner {
    /// out = M rhs (an approximate solution of A out = rhs from a zero first guess).
    fn apply(&self, rhs: &[f64], out: &mut [f64]);
    /// One stationary iteration improving `x` towards the solution of A x = b, in the
    /// preconditioner's own form (x ← x + M (b − A x), or a multigrid cycle from `x`).
    fn iterate(&self, b: &[f64], x: &mut [f64]);
}

/// Which outer iteration to run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    /// The preconditioner's stationary iteration alone ([`Preconditioner::iterate`]).
    Stationary,
    /// BiCGSTAB right-preconditioned by one preconditioner application per half step.
    BiCgStab,
}

/// What to solve for and within which budget.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct KrylovParams {
    /// The outer iteration.
    pub method: Method,
    /// Stop at this relative residual ‖b − Ax‖₂ / ‖b‖₂.
    pub tolerance: f64,
    /// Give up after this many preconditioner applications.
    pub max_cycles: usize,
}

/// The record of an outer iteration.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Info {
    /// Preconditioner applications (or stationary iterations) done.
    pub cycles: usize,
    /// True relative residual ‖b − Ax‖₂ / ‖b‖₂ of the returned x.
    pub rel_residual: f64,
}

/// The iteration ran out of cycles above the tolerance; `x` holds its last iterate.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct NotConverged {
    /// Where it stopped.
    pub info: Info,
}

fn dot(a: &[f64], b: &[f64]) -> f64 {
    crate::numerics::vector::dot(a, b)
}

/// The fused vector passes of BiCGSTAB: each updates and reduces in one pass over memory what
/// would otherwise be two to four passes (the vectors are far larger than the caches, so the
/// passes cost memory bandwidth). Sums use `stencil::dot`'s fixed chunks and order, so every
/// value is bit-identical to the unfused sequence of axpy / dot calls.
const CH: usize = crate::numerics::vector::DOT_CHUNK;

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

/// Solve A x = b to `params.tolerance` (relative residual) within `params.max_cycles`
/// applications of `m`, starting from `x`; `progress(cycles, rel_residual)` after each
/// iteration.
pub fn solve<A, M>(
    a: &A,
    m: &M,
    b: &[f64],
    x: &mut [f64],
    params: &KrylovParams,
    progress: &dyn Fn(usize, f64),
) -> Result<Info, NotConverged>
where
    A: LinearOperator + ?Sized,
    M: Preconditioner + ?Sized,
{
    let n = b.len();
    let bnorm = norm(b);
    if bnorm == 0.0 {
        x.iter_mut().for_each(|v| *v = 0.0);
        return Ok(Info {
            cycles: 0,
            rel_residual: 0.0,
        });
    }
    let (tol, max_cycles) = (params.tolerance, params.max_cycles);
    let mut r = zeros(n);
    a.residual(b, x, &mut r);
    let mut rel = norm(&r) / bnorm;
    let mut cycles = 0;
    match params.method {
        Method::Stationary => {
            while rel > tol && cycles < max_cycles {
                m.iterate(b, x);
                cycles += 1;
                a.residual(b, x, &mut r);
                rel = norm(&r) / bnorm;
                progress(cycles, rel);
            }
        }
        Method::BiCgStab => {
            let mut s = Bicgstab {
                a,
                m,
                bnorm,
                tol,
                max_cycles,
                cycles: 0,
                progress,
            };
            s.run(b, x, &mut r);
            cycles = s.cycles;
            a.residual(b, x, &mut r);
            rel = norm(&r) / bnorm;
        }
    }
    let info = Info {
        cycles,
        rel_residual: rel,
    };
    if rel <= tol {
        Ok(info)
    } else {
        Err(NotConverged { info })
    }
}

/// BiCGSTAB's fixed inputs and its cycle count.
struct Bicgstab<'a, A: ?Sized, M: ?Sized> {
    a: &'a A,
    m: &'a M,
    bnorm: f64,
    tol: f64,
    max_cycles: usize,
    cycles: usize,
    progress: &'a dyn Fn(usize, f64),
}

impl<A: LinearOperator + ?Sized, M: Preconditioner + ?Sized> Bicgstab<'_, A, M> {
    /// out = M rhs, counted.
    fn precondition(&mut self, rhs: &[f64], out: &mut [f64]) {
        self.cycles += 1;
        self.m.apply(rhs, out);
    }

    fn run(&mut self, b: &[f64], x: &mut [f64], r: &mut [f64]) {
        let (bnorm, tol, max_cycles) = (self.bnorm, self.tol, self.max_cycles);
        let n = b.len();
        let mut r0 = r.to_vec();
        let (mut p, mut v, mut phat, mut t) = (zeros(n), zeros(n), zeros(n), zeros(n));
        let (mut rho_old, mut alpha, mut omega): (f64, f64, f64) = (1.0, 1.0, 1.0);
        let mut rel = norm(r) / bnorm;
        // r0·r of the current r when the last fused pass computed it.
        let mut rho_next = None;
        while rel > tol && self.cycles + 2 <= max_cycles {
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
            self.precondition(&p, &mut phat);
            self.a.apply(&phat, &mut v);
            alpha = rho / dot(&r0, &v);
            // r −= α v and x += α p̂ now, so p̂'s storage can hold ŝ (one vector less).
            let (ss, _) = update_pair((r, -alpha, &v), (x, alpha, &phat), &r0);
            let snorm = ss.sqrt() / bnorm;
            if snorm <= tol {
                (self.progress)(self.cycles, snorm);
                break;
            }
            let shat = &mut phat;
            self.precondition(r, shat);
            self.a.apply(shat, &mut t);
            let (tt, tr) = dot2(&t, r);
            omega = if tt > 0.0 { tr / tt } else { 0.0 };
            let (rr, r0r) = update_pair((r, -omega, &t), (x, omega, shat), &r0);
            rho_next = Some(r0r);
            rho_old = rho;
            rel = rr.sqrt() / bnorm;
            (self.progress)(self.cycles, rel);
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use approx::assert_relative_eq;

    /// A dense row-major matrix.
    struct Dense {
        n: usize,
        a: Vec<f64>,
    }

    impl LinearOperator for Dense {
        fn apply(&self, x: &[f64], out: &mut [f64]) {
            for (i, o) in out.iter_mut().enumerate() {
                *o = (0..self.n).map(|j| self.a[i * self.n + j] * x[j]).sum();
            }
        }
        fn residual(&self, b: &[f64], x: &[f64], out: &mut [f64]) {
            self.apply(x, out);
            for (o, bi) in out.iter_mut().zip(b) {
                *o = bi - *o;
            }
        }
    }

    /// Diagonal (Jacobi) preconditioner: M = D⁻¹.
    struct Jacobi<'a> {
        a: &'a Dense,
    }

    impl Preconditioner for Jacobi<'_> {
        fn apply(&self, rhs: &[f64], out: &mut [f64]) {
            let n = self.a.n;
            for (i, o) in out.iter_mut().enumerate() {
                *o = rhs[i] / self.a.a[i * n + i];
            }
        }
        fn iterate(&self, b: &[f64], x: &mut [f64]) {
            let mut r = vec![0.0; x.len()];
            self.a.residual(b, x, &mut r);
            let mut d = vec![0.0; x.len()];
            self.apply(&r, &mut d);
            x.iter_mut().zip(&d).for_each(|(xi, di)| *xi += di);
        }
    }

    /// A diagonally dominant, non-symmetric (upwind-like) tridiagonal system of size `n`.
    fn upwind(n: usize) -> Dense {
        let mut a = vec![0.0; n * n];
        for i in 0..n {
            a[i * n + i] = 4.0 + (i % 3) as f64;
            if i > 0 {
                a[i * n + i - 1] = -2.5;
            }
            if i + 1 < n {
                a[i * n + i + 1] = -0.5;
            }
        }
        Dense { n, a }
    }

    fn check(method: Method) -> Info {
        let a = upwind(12);
        let b: Vec<f64> = (0..12).map(|i| 1.0 + (i % 5) as f64).collect();
        let mut x = vec![0.0; 12];
        let params = KrylovParams {
            method,
            tolerance: 1e-10,
            max_cycles: 200,
        };
        let info = solve(&a, &Jacobi { a: &a }, &b, &mut x, &params, &|_, _| {}).unwrap();
        let mut r = vec![0.0; 12];
        a.residual(&b, &x, &mut r);
        assert_relative_eq!(norm(&r) / norm(&b), info.rel_residual, max_relative = 1e-9);
        assert!(info.rel_residual <= 1e-10, "{info:?}");
        info
    }

    #[test]
    fn bicgstab_solves_a_non_symmetric_system_with_jacobi() {
        let bicg = check(Method::BiCgStab);
        let jacobi = check(Method::Stationary);
        assert!(bicg.cycles < jacobi.cycles, "{bicg:?} vs {jacobi:?}");
    }

    #[test]
    fn a_too_small_budget_reports_not_converged() {
        let a = upwind(12);
        let b = vec![1.0; 12];
        let mut x = vec![0.0; 12];
        let params = KrylovParams {
            method: Method::BiCgStab,
            tolerance: 1e-14,
            max_cycles: 2,
        };
        let e = solve(&a, &Jacobi { a: &a }, &b, &mut x, &params, &|_, _| {}).unwrap_err();
        assert_eq!(e.info.cycles, 2);
        assert!(e.info.rel_residual > 1e-14);
    }

    #[test]
    fn a_zero_right_hand_side_gives_zero() {
        let a = upwind(4);
        let mut x = vec![1.0; 4];
        let params = KrylovParams {
            method: Method::BiCgStab,
            tolerance: 1e-8,
            max_cycles: 10,
        };
        let info = solve(
            &a,
            &Jacobi { a: &a },
            &[0.0; 4],
            &mut x,
            &params,
            &|_, _| {},
        )
        .unwrap();
        assert_eq!(info.cycles, 0);
        assert_eq!(x, vec![0.0; 4]);
    }
}
