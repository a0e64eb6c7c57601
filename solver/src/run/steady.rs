//! Steady-state solve of a design: assemble, build the multigrid hierarchy, iterate, report.

use std::time::Instant;

use super::options::{Progress, Solution, SolveError, SolveOptions};
use crate::assembly::{self, Assembly, ZGrid};
use crate::model::Design;
use crate::numerics::krylov::{self, Info, KrylovParams, NotConverged};
use crate::numerics::multigrid::Multigrid;
use crate::numerics::vector::zeros;
use crate::results::{self, RunInfo};

/// Solve an assembled system; returns θ and the outer iteration's outcome.
/// The fine operator is moved into the multigrid hierarchy for the solve (not copied) and put
/// back afterwards.
pub fn solve_assembly(
    asm: &mut Assembly,
    opts: &SolveOptions,
) -> (Vec<f64>, Result<Info, NotConverged>) {
    solve_assembly_from(asm, opts, None)
}

/// [`solve_assembly`] starting from `x0` (θ of a nearby system in the same state layout,
/// e.g. the previous outer iterate of a leakage solve) instead of zero.
pub fn solve_assembly_from(
    asm: &mut Assembly,
    opts: &SolveOptions,
    x0: Option<Vec<f64>>,
) -> (Vec<f64>, Result<Info, NotConverged>) {
    let mut mg = Multigrid::new(std::mem::take(&mut asm.op));
    let mut x = match x0 {
        Some(x) if x.len() == asm.b.len() => x,
        _ => zeros(asm.b.len()),
    };
    let params = KrylovParams {
        method: opts.method,
        tolerance: opts.tolerance,
        max_cycles: opts.max_cycles,
    };
    let report = |cycles: usize, residual: f64| opts.report(Progress::Cycle { cycles, residual });
    let outcome = krylov::solve(&mg.ops[0], &mg, &asm.b, &mut x, &params, &report);
    mg.work_release();
    asm.op = mg.ops.swap_remove(0);
    (x, outcome)
}

/// Solve a design to steady state on the z cells `z_grid` asks for (a `[transient]` section
/// is ignored).
pub(super) fn solve(
    design: &Design,
    opts: &SolveOptions,
    z_grid: ZGrid,
) -> Result<Solution, SolveError> {
    in_pool(opts, || solve_in_pool(design, opts, z_grid))?
}

/// Check `opts` (tolerance, threads) and run `f` in the thread pool they ask for.
pub(super) fn in_pool<R: Send>(
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

fn solve_in_pool(
    design: &Design,
    opts: &SolveOptions,
    z_grid: ZGrid,
) -> Result<Solution, SolveError> {
    if design.has_leakage() {
        return super::leakage::solve(design, opts, z_grid);
    }
    let start = Instant::now();
    let (asm, theta, info) = solve_linear(design, opts, z_grid, None)?;
    let run = RunInfo {
        convergence: info,
        wall_s: start.elapsed().as_secs_f64(),
        threads: rayon::current_num_threads(),
    };
    let (results, field) = results::compute(design, &asm, &theta, run);
    Ok(Solution { results, field })
}

/// Assemble `design` at its blocks' `power_w` and solve the linear system (from `x0` when
/// given): the assembly, θ and the convergence of a solve that reached the tolerance.
pub(super) fn solve_linear(
    design: &Design,
    opts: &SolveOptions,
    z_grid: ZGrid,
    x0: Option<Vec<f64>>,
) -> Result<(Assembly, Vec<f64>, Info), SolveError> {
    let mut asm = assembly::assemble_on(design, z_grid)?;
    let (theta, outcome) = solve_assembly_from(&mut asm, opts, x0);
    let (Ok(info) | Err(NotConverged { info })) = outcome;
    if theta.iter().any(|t| !t.is_finite()) {
        return Err(SolveError::NonFinite(info.rel_residual));
    }
    if outcome.is_err() {
        return Err(SolveError::NotConverged {
            cycles: info.cycles,
            residual: info.rel_residual,
            tolerance: opts.tolerance,
        });
    }
    Ok((asm, theta, info))
}
