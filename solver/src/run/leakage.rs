//! Steady solve of a design with leakage power: the block powers P_b = power_w +
//! leakage(T̄_b) and the temperature field solved to a self-consistent fixed point, or thermal
//! runaway reported when none exists.
//!
//! Each outer iteration solves the design at the current block powers with coolant properties
//! consistent with its coolant temperatures (the fixed point of [`super::steady`], nested:
//! it starts from the previous iterate's θ and coolant temperatures, so once the powers
//! settle one or two rounds suffice). The powers are then updated
//! block by block with a secant-Newton step: the response of a block's mean temperature to its
//! own power, R_b = ΔT̄_b/ΔP_b, is estimated from the last two iterates, and the next power is
//! the stable (smaller) root of the scalar model P = power_w + leakage(T̄_b + R_b (P − P_b)). For
//! one block on a linear thermal path the response is exactly affine, so after two solves the
//! step lands on the fixed point. Without an estimate, or when the model has no root, the step
//! is plain Picard, P = power_w + leakage(T̄_b).
//!
//! Converged: every block's relative power change |P(T̄) − P|/P ≤ max(1e-6, 100 × the linear
//! tolerance). A linear solve to a relative residual ε leaves temperatures uncertain at about
//! ε × the temperature rise; through dP/dT = P·ln2/doubling that is a relative power noise far
//! below 1e-6 for the default ε = 1e-8, and 100 ε keeps a looser `--tolerance` from chasing
//! noise. A power change of 1e-6 moves the temperatures by ≤ 1e-6 × R·P/(1 − loop gain), far
//! inside every tolerance the results are quoted to.
//!
//! Runaway: an iterate whose hottest cell exceeds [`T_CAP_C`] (no package survives it; the
//! exponential has then outrun any conduction), or [`MAX_OUTER`] iterations whose last
//! [`RUNAWAY_STREAK`] steps all found no fixed point of the scalar model while the powers grew.
//! The solution then holds the last stable iterate (the last one below the cap), marked
//! `runaway`.

use std::time::Instant;

use super::options::{Solution, SolveError, SolveOptions};
use super::steady::solve_consistent;
use crate::assembly::coolant::OutOfRange;
use crate::assembly::{Assembly, ZGrid};
use crate::model::Design;
use crate::numerics::krylov::Info;
use crate::results::{self, block_max_mean_c, LeakageResult, RunInfo};

/// Temperature cap of a runaway, °C: past any solder reflow and any silicon junction rating.
const T_CAP_C: f64 = 500.0;
/// Most outer iterations before giving up.
const MAX_OUTER: usize = 200;
/// Consecutive steps with no fixed point of the scalar model that, with growing powers at
/// [`MAX_OUTER`], count as runaway rather than non-convergence.
const RUNAWAY_STREAK: usize = 5;

/// One outer iterate: its design (block powers set), assembly, θ and convergence.
struct Iterate {
    design: Design,
    asm: Assembly,
    theta: Vec<f64>,
    info: Info,
    /// Block powers it was solved at, W.
    powers_w: Vec<f64>,
    /// A coolant cell outside its table or boiling, if any.
    out_of_range: Option<OutOfRange>,
}

/// Solve `design` (which has leakage) to its fixed point on the z cells `z_grid` asks for.
pub(super) fn solve(
    design: &Design,
    opts: &SolveOptions,
    z_grid: ZGrid,
) -> Result<Solution, SolveError> {
    let start = Instant::now();
    let tol = (100.0 * opts.tolerance).max(1e-6);
    let nb = design.blocks.len();
    let target = |b: usize, t_c: f64| {
        let blk = &design.blocks[b];
        blk.power_w + blk.leakage.map_or(0.0, |l| l.power_w(t_c))
    };
    // Start at each block's leakage at its reference temperature.
    let mut powers: Vec<f64> = (0..nb)
        .map(|b| target(b, design.blocks[b].leakage.map_or(0.0, |l| l.ref_c)))
        .collect();
    let mut previous: Option<(Vec<f64>, Vec<f64>)> = None;
    let mut response: Vec<Option<f64>> = vec![None; nb];
    let mut stable: Option<Iterate> = None;
    let mut cycles = 0;
    let mut x0 = None;
    let mut coolant_c = None;
    let mut rounds = 0;
    let mut newton_iterations = 0;
    let mut streak = 0;
    let mut runaway: Option<usize> = None;
    let mut outcome = None;
    let mut last_worst = None;
    for iteration in 1..=MAX_OUTER {
        let mut d = design.clone();
        for (blk, &p) in d.blocks.iter_mut().zip(&powers) {
            blk.power_w = p;
        }
        let c = solve_consistent(&d, opts, z_grid, x0.take(), coolant_c.take())?;
        let (asm, theta, info, out_of_range) = (c.asm, c.theta, c.info, c.out_of_range);
        coolant_c = Some(c.coolant_c);
        rounds += c.rounds;
        newton_iterations += c.newton_iterations;
        cycles += info.cycles;
        let means: Vec<f64> = (0..nb)
            .map(|b| block_max_mean_c(&asm, &asm.block_cells[b], &theta).1)
            .collect();
        let max_c = asm.t_ref_c + theta.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let next: Vec<f64> = (0..nb).map(|b| target(b, means[b])).collect();
        // The block whose power grew most in relative terms: the one running away, if any.
        let change = |b: usize| (next[b] - powers[b]).abs() / powers[b].max(f64::MIN_POSITIVE);
        let worst = (0..nb)
            .filter(|&b| design.blocks[b].leakage.is_some())
            .max_by(|&a, &b| change(a).total_cmp(&change(b)))
            .unwrap_or(0);
        if max_c.is_nan() || max_c > T_CAP_C || next.iter().any(|p| !p.is_finite()) {
            runaway = Some(worst);
            if stable.is_none() {
                stable = Some(Iterate {
                    design: d,
                    asm,
                    theta,
                    info,
                    powers_w: powers.clone(),
                    out_of_range,
                });
            }
            outcome = Some((iteration, change(worst)));
            break;
        }
        let max_change = change(worst);
        last_worst = Some(worst);
        x0 = Some(theta.clone());
        stable = Some(Iterate {
            design: d,
            asm,
            theta,
            info,
            powers_w: powers.clone(),
            out_of_range,
        });
        outcome = Some((iteration, max_change));
        if max_change <= tol {
            break;
        }
        let mut no_root = false;
        let mut update = next.clone();
        for b in 0..nb {
            let Some(leak) = design.blocks[b].leakage else {
                continue;
            };
            if let Some((pp, tp)) = &previous {
                let dp = powers[b] - pp[b];
                let r = (means[b] - tp[b]) / dp;
                if dp.abs() > 1e-12 * powers[b] && r.is_finite() && r > 0.0 {
                    response[b] = Some(r);
                }
            }
            let Some(r) = response[b] else { continue };
            // Newton from P = power_w on h(P) = power_w + leak(T̄ + r(P − P_b)) − P: h is
            // convex, so from the left the iterates rise monotonically to the smaller root,
            // or h' ≥ 0 while h > 0 shows there is none.
            let pw = design.blocks[b].power_w;
            let t_at = |p: f64| means[b] + r * (p - powers[b]);
            let mut p = pw;
            let mut root = None;
            for _ in 0..100 {
                let h = pw + leak.power_w(t_at(p)) - p;
                let dh = r * leak.slope_w_per_k(t_at(p)) - 1.0;
                if h <= 1e-14 * p.max(1.0) {
                    root = Some(p);
                    break;
                }
                if dh >= 0.0 || t_at(p) > T_CAP_C {
                    break;
                }
                p -= h / dh;
            }
            match root {
                Some(p) => update[b] = p,
                None => no_root = true,
            }
        }
        streak = if no_root && update.iter().zip(&powers).all(|(u, p)| u >= p) {
            streak + 1
        } else {
            0
        };
        previous = Some((powers, means));
        powers = update;
    }
    let (iterations, power_change) = outcome.unwrap_or((0, f64::NAN));
    let converged = power_change <= tol;
    if runaway.is_none() && !converged {
        if streak >= RUNAWAY_STREAK {
            runaway = last_worst;
        } else {
            return Err(SolveError::LeakageNotConverged {
                iterations,
                power_change,
            });
        }
    }
    let Some(it) = stable else {
        return Err(SolveError::LeakageNotConverged {
            iterations,
            power_change,
        });
    };
    if let (None, Some(o)) = (runaway, it.out_of_range) {
        return Err(SolveError::CoolantOutOfRange(o));
    }
    let run = RunInfo {
        convergence: Info {
            cycles,
            rel_residual: it.info.rel_residual,
        },
        wall_s: start.elapsed().as_secs_f64(),
        threads: rayon::current_num_threads(),
    };
    let (mut results, field) = results::compute(&it.design, &it.asm, &it.theta, run);
    results.solver.property_iterations = Some(rounds);
    if let Some(state) = it.asm.coolant.as_ref() {
        results.solver.newton_iterations = Some(newton_iterations);
        if let Some(h) = results.hydraulics.as_mut() {
            h.system_curve = crate::assembly::coolant::system_curve(
                &it.design,
                &it.asm.grid,
                coolant_c.as_deref(),
                state,
            );
        }
    }
    for ((r, blk), &p) in results
        .blocks
        .iter_mut()
        .zip(&design.blocks)
        .zip(&it.powers_w)
    {
        r.power_w = blk.power_w;
        if blk.leakage.is_some() {
            r.leakage_w = Some(p - blk.power_w);
            r.total_power_w = Some(p);
        }
    }
    results.leakage = Some(LeakageResult {
        iterations,
        power_change,
        runaway: runaway.is_some(),
        runaway_block: runaway.map(|b| design.blocks[b].name.clone()),
    });
    Ok(Solution { results, field })
}
