//! Steady-state solve of a design: assemble, build the multigrid hierarchy, iterate, report.

use std::time::Instant;

use crate::field::Field;
use crate::grid::{self, Assembly, GridError};
use crate::krylov::{self, Convergence, Method};
use crate::model::Design;
use crate::multigrid::Multigrid;
use crate::results::{self, Results, RunInfo};
use crate::stencil::Operator;

/// A progress callback: (multigrid cycles so far, relative residual).
pub type Progress = Box<dyn Fn(usize, f64) + Send + Sync>;

/// Options of [`solve`].
pub struct SolveOptions {
    /// Stop at this relative residual ‖b − Aθ‖/‖b‖ (default 1e-8).
    pub tolerance: f64,
    /// Give up after this many multigrid cycles (default 200).
    pub max_cycles: usize,
    /// Threads of a local rayon pool; `None` uses the global pool (all cores).
    pub threads: Option<usize>,
    pub progress: Option<Progress>,
    /// Outer iteration (default: BiCGSTAB preconditioned by W(1,1) cycles).
    pub method: Method,
}

impl Default for SolveOptions {
    fn default() -> Self {
        SolveOptions {
            tolerance: 1e-8,
            max_cycles: 200,
            threads: None,
            progress: None,
            method: Method::BiCgStab,
        }
    }
}

impl std::fmt::Debug for SolveOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SolveOptions")
            .field("tolerance", &self.tolerance)
            .field("max_cycles", &self.max_cycles)
            .field("threads", &self.threads)
            .field("method", &self.method)
            .finish()
    }
}

/// A solved design.
#[derive(Debug, Clone)]
pub struct Solution {
    pub results: Results,
    pub field: Field,
}

/// Errors of [`solve`].
#[derive(Debug, thiserror::Error)]
pub enum SolveError {
    #[error(transparent)]
    Grid(#[from] GridError),
    #[error("the solver did not converge: relative residual {residual:.3e} after {cycles} multigrid cycles (target {tolerance:.1e}); try a larger --tolerance, a coarser --cell-mm, or check the design for extreme conductivity contrasts")]
    NotConverged {
        cycles: usize,
        residual: f64,
        tolerance: f64,
    },
    #[error("the solver produced a non-finite temperature (relative residual {0:.3e}); check the design's conductivities and coefficients")]
    NonFinite(f64),
    #[error("cannot start a pool of {threads} threads: {message}")]
    ThreadPool { threads: usize, message: String },
    #[error("invalid solver option: {0}")]
    Options(String),
}

/// Solve an assembled system; returns θ and the convergence record. The fine operator is
/// moved into the multigrid hierarchy for the solve (not copied) and put back afterwards.
pub fn solve_assembly(asm: &mut Assembly, opts: &SolveOptions) -> (Vec<f64>, Convergence) {
    let empty = Operator {
        nu: 0,
        nv: 0,
        nz: 0,
        gu: vec![],
        gv: vec![],
        gz: vec![],
        gb: vec![],
        fluids: vec![],
        wu: vec![],
        wv: vec![],
    };
    let mut mg = Multigrid::new(std::mem::replace(&mut asm.op, empty));
    let mut x = crate::stencil::zeros(asm.b.len());
    let noop = |_: usize, _: f64| {};
    let progress: &dyn Fn(usize, f64) = match &opts.progress {
        Some(p) => p.as_ref(),
        None => &noop,
    };
    let conv = krylov::solve(
        &mut mg,
        opts.method,
        &asm.b,
        &mut x,
        opts.tolerance,
        opts.max_cycles,
        progress,
    );
    mg.work_release();
    asm.op = mg.ops.swap_remove(0);
    (x, conv)
}

/// Solve a design to steady state (a `[transient]` section is ignored: see
/// [`crate::transient::run`]).
pub fn solve(design: &Design, opts: &SolveOptions) -> Result<Solution, SolveError> {
    in_pool(opts, || solve_in_pool(design, opts))?
}

/// Check `opts` (tolerance, threads) and run `f` in the thread pool they ask for.
pub(crate) fn in_pool<R: Send>(
    opts: &SolveOptions,
    f: impl FnOnce() -> R + Send,
) -> Result<R, SolveError> {
    if !(opts.tolerance > 0.0 && opts.tolerance < 1.0) {
        return Err(SolveError::Options(format!(
            "tolerance must be in (0, 1), got {}",
            opts.tolerance
        )));
    }
    match opts.threads {
        Some(0) => Err(SolveError::Options("threads must be at least 1".into())),
        Some(n) => {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(n)
                .build()
                .map_err(|e| SolveError::ThreadPool {
                    threads: n,
                    message: e.to_string(),
                })?;
            Ok(pool.install(f))
        }
        None => Ok(f()),
    }
}

fn solve_in_pool(design: &Design, opts: &SolveOptions) -> Result<Solution, SolveError> {
    let start = Instant::now();
    let mut asm = grid::assemble(design)?;
    let (theta, conv) = solve_assembly(&mut asm, opts);
    if theta.iter().any(|t| !t.is_finite()) {
        return Err(SolveError::NonFinite(conv.rel_residual));
    }
    if !conv.converged {
        return Err(SolveError::NotConverged {
            cycles: conv.cycles,
            residual: conv.rel_residual,
            tolerance: opts.tolerance,
        });
    }
    let run = RunInfo {
        convergence: conv,
        wall_s: start.elapsed().as_secs_f64(),
        threads: rayon::current_num_threads(),
    };
    let (results, field) = results::compute(design, &asm, &theta, run);
    Ok(Solution { results, field })
}
