//! Steady-state solve of a design: assemble, build the multigrid hierarchy, iterate, report.
//!
//! The coolant properties depend on the coolant temperatures, so the linear solve sits in a
//! fixed point (`solve_consistent`): assemble with the properties of the last solution's
//! coolant temperatures (the mean coolant temperature the first time), solve warm-started,
//! and repeat until no coolant cell's temperature differs by more than
//! `PROPERTY_TOLERANCE_K` (1e-4 K) from the one its properties were evaluated at. The properties
//! change h by a few per cent and c_p by well under one, so each round shrinks the change
//! by one to two orders of magnitude: three or four rounds on the shipped designs. A
//! constant-property fluid needs one. A coolant cell that ends outside its property table or
//! at its boiling point is an error ([`SolveError::CoolantOutOfRange`]).

use std::time::Instant;

use super::options::{Progress, Solution, SolveError, SolveOptions};
use crate::assembly::coolant::{self, OutOfRange};
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
    solve_assembly_to(asm, opts, x0, opts.tolerance)
}

/// [`solve_assembly_from`] to the relative residual `tolerance` instead of the options'.
fn solve_assembly_to(
    asm: &mut Assembly,
    opts: &SolveOptions,
    x0: Option<Vec<f64>>,
    tolerance: f64,
) -> (Vec<f64>, Result<Info, NotConverged>) {
    let mut mg = Multigrid::new(std::mem::take(&mut asm.op));
    let mut x = match x0 {
        Some(x) if x.len() == asm.b.len() => x,
        _ => zeros(asm.b.len()),
    };
    let params = KrylovParams {
        method: opts.method,
        tolerance,
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
    let c = solve_consistent(design, opts, z_grid, None, None)?;
    if let Some(o) = c.out_of_range {
        return Err(SolveError::CoolantOutOfRange(o));
    }
    let run = RunInfo {
        convergence: c.info,
        wall_s: start.elapsed().as_secs_f64(),
        threads: rayon::current_num_threads(),
    };
    let (mut results, field) = results::compute(design, &c.asm, &c.theta, run);
    results.solver.property_iterations = Some(c.rounds);
    finish_hydraulics(design, &c, &mut results);
    Ok(Solution { results, field })
}

/// Fill what [`results::compute`] cannot know of the loop: the Newton iterations of the
/// rounds and the system curve at the converged coolant temperatures.
pub(super) fn finish_hydraulics(design: &Design, c: &Consistent, results: &mut results::Results) {
    let Some(state) = c.asm.coolant.as_ref() else {
        return;
    };
    results.solver.newton_iterations = Some(c.newton_iterations);
    if let Some(h) = results.hydraulics.as_mut() {
        h.system_curve = coolant::system_curve(design, &c.asm.grid, Some(&c.coolant_c), state);
    }
}

/// Most assemble-and-solve rounds of the coolant-property fixed point.
pub(super) const MAX_PROPERTY_ROUNDS: usize = 30;
/// The coolant properties are consistent with the solution when no coolant cell's solved
/// temperature differs by more than this from the temperature its properties were evaluated
/// at, K (or by 100 × the linear tolerance × the temperature span, the noise a looser
/// `--tolerance` leaves). 1e-4 K moves h and μ by ~1e-6 relative, c_p by ~1e-8: far below
/// the digits results are quoted to.
pub(super) const PROPERTY_TOLERANCE_K: f64 = 1e-4;

/// A steady solve whose coolant properties are those of its own coolant temperatures.
pub(super) struct Consistent {
    pub(super) asm: Assembly,
    pub(super) theta: Vec<f64>,
    /// Multigrid cycles summed over the rounds, and the last round's residual.
    pub(super) info: Info,
    /// Assemble-and-solve rounds run.
    pub(super) rounds: usize,
    /// Newton iterations of the loop network, summed over the rounds.
    pub(super) newton_iterations: usize,
    /// The coolant temperatures of `theta` (per fluid group and column, °C).
    pub(super) coolant_c: Vec<Vec<f64>>,
    /// The worst coolant cell outside its table or boiling, if any (the caller decides
    /// whether that is an error: a runaway leakage iterate reports runaway instead).
    pub(super) out_of_range: Option<OutOfRange>,
}

/// Solve `design` with coolant properties at its own coolant temperatures: the fixed point
/// of the module doc, warm-started from `x0` and from the coolant temperatures `coolant_c0`
/// (both of a nearby solve on the same grid, e.g. the previous leakage iterate), else from
/// zero and the mean-temperature properties.
pub(super) fn solve_consistent(
    design: &Design,
    opts: &SolveOptions,
    z_grid: ZGrid,
    x0: Option<Vec<f64>>,
    coolant_c0: Option<Vec<Vec<f64>>>,
) -> Result<Consistent, SolveError> {
    // The properties vary with the temperatures, or (with links) the fields' inlets follow
    // the outlets of the fields upstream: either needs the fixed point.
    let varies = design.layers.iter().any(|l| l.is_coolant())
        && design
            .coolant
            .as_ref()
            .is_some_and(|c| c.fluid.range_c().is_some() || !c.links.is_empty());
    let mut newton_iterations = 0;
    let mut flows: Option<Vec<f64>> = None;
    let mut at = coolant_c0;
    let mut x = x0;
    let mut cycles = 0;
    let mut change_k = f64::INFINITY;
    let mut tolerance_k = PROPERTY_TOLERANCE_K;
    // Relative residual of the next round: loose while the properties still move (only the
    // full last round's temperatures are kept), the options' once they settle.
    let mut round_tol = if varies {
        LOOSE_TOLERANCE.max(opts.tolerance)
    } else {
        opts.tolerance
    };
    let mut last = None;
    for round in 1..=MAX_PROPERTY_ROUNDS {
        let mut asm = assembly::assemble_at(design, z_grid, at.as_deref())?;
        // The field flows of this round against the last: the split has settled when none
        // moves by more than FLOW_TOLERANCE.
        let round_flows: Vec<f64> = asm
            .coolant
            .as_ref()
            .map(|c| {
                newton_iterations += c.network.solution.iterations;
                c.fields.iter().map(|f| f.mdot_kg_s).collect()
            })
            .unwrap_or_default();
        let flow_change = flows.as_ref().map_or(f64::INFINITY, |prev| {
            prev.iter()
                .zip(&round_flows)
                .map(|(a, b)| ((a - b) / b).abs())
                .fold(0.0, f64::max)
        });
        flows = Some(round_flows);
        let (mut theta, mut info) = solve_to(&mut asm, opts, x.take(), round_tol)?;
        cycles += info.cycles;
        let mut solved = asm.coolant_temperatures_c(&theta);
        change_k = at
            .as_ref()
            .map_or(f64::INFINITY, |a| max_change_k(a, &solved));
        let (lo, hi) = theta
            .iter()
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(l, h), &t| {
                (l.min(t), h.max(t))
            });
        let span_k = (hi - lo).max(f64::MIN_POSITIVE);
        tolerance_k = PROPERTY_TOLERANCE_K.max(100.0 * opts.tolerance * span_k);
        // A flow change δ moves the coolant by about δ × its rise: the split has settled when
        // that is below the temperature tolerance too (and at most FLOW_TOLERANCE is asked).
        let rise_k = solved
            .iter()
            .flatten()
            .filter(|t| t.is_finite())
            .fold(0.0f64, |m, t| m.max((t - asm.t_ref_c).abs()));
        let flow_tolerance = FLOW_TOLERANCE.max(tolerance_k / rise_k.max(f64::MIN_POSITIVE));
        // The first round has no previous split: its flows are those of its own start.
        let flows_settled = flow_change.is_infinite() || flow_change <= flow_tolerance;
        if !varies || (change_k <= tolerance_k && flows_settled) {
            if round_tol > opts.tolerance {
                // Converged on a loose round: finish the same system to the tolerance asked.
                (theta, info) = solve_to(&mut asm, opts, Some(theta), opts.tolerance)?;
                cycles += info.cycles;
                solved = asm.coolant_temperatures_c(&theta);
            }
            let out_of_range = coolant::out_of_range(design, &asm.grid, &solved);
            return Ok(Consistent {
                asm,
                theta,
                info: Info {
                    cycles,
                    rel_residual: info.rel_residual,
                },
                rounds: round,
                newton_iterations,
                coolant_c: solved,
                out_of_range,
            });
        }
        // The temperatures of the next round need to be right to a small fraction of how
        // far they still move; 1e-3 of the last change keeps the noise 1e-3 below it.
        round_tol = (1e-3 * change_k / span_k)
            .min(LOOSE_TOLERANCE)
            .max(opts.tolerance);
        last = Some(coolant::out_of_range(design, &asm.grid, &solved));
        x = Some(theta);
        at = Some(solved);
    }
    if let Some(Some(o)) = last {
        return Err(SolveError::CoolantOutOfRange(o));
    }
    Err(SolveError::PropertiesNotConverged {
        rounds: MAX_PROPERTY_ROUNDS,
        change_k,
        tolerance_k,
    })
}

/// The flow split has settled when no field's flow moved by more than this (relative)
/// between the last two rounds, or by less than would move the coolant by the temperature
/// tolerance (the tolerance over the coolant's rise), whichever is larger: 10⁻⁹ is above the
/// network's own convergence (10⁻¹⁰ of the largest drop).
pub(super) const FLOW_TOLERANCE: f64 = 1e-9;

/// Relative residual of the first rounds of the property fixed point: the first round's
/// mean-temperature properties move the coolant by tenths of a kelvin, so temperatures to
/// 1e-4 of the span (a few mK) are all its successor needs.
const LOOSE_TOLERANCE: f64 = 1e-4;

/// Largest |a − b| over the coolant cells both hold, K.
fn max_change_k(a: &[Vec<f64>], b: &[Vec<f64>]) -> f64 {
    a.iter()
        .zip(b)
        .flat_map(|(x, y)| x.iter().zip(y))
        .filter(|(x, y)| x.is_finite() && y.is_finite())
        .map(|(x, y)| (x - y).abs())
        .fold(0.0, f64::max)
}

/// Solve the assembled system from `x0` (zero without) to the relative residual
/// `tolerance`: θ and the convergence of a solve that reached it.
fn solve_to(
    asm: &mut Assembly,
    opts: &SolveOptions,
    x0: Option<Vec<f64>>,
    tolerance: f64,
) -> Result<(Vec<f64>, Info), SolveError> {
    let (theta, outcome) = solve_assembly_to(asm, opts, x0, tolerance);
    let (Ok(info) | Err(NotConverged { info })) = outcome;
    if theta.iter().any(|t| !t.is_finite()) {
        return Err(SolveError::NonFinite(info.rel_residual));
    }
    if outcome.is_err() {
        return Err(SolveError::NotConverged {
            cycles: info.cycles,
            residual: info.rel_residual,
            tolerance,
        });
    }
    Ok((theta, info))
}
