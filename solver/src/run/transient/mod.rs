//! Transient runs (`[transient]` in `design.toml`): implicit **backward Euler** on the same
//! finite-volume operator and the same multigrid/BiCGSTAB solver as the steady solve.
//!
//! ## Equations
//! With θ = T − T_ref, the steady operator A and right-hand side b(P) of the assembly, and the
//! heat capacity C = ρ·c_p·V of every unknown (diagonal, `capacity`), one step of dt from
//! θⁿ to θⁿ⁺¹ is
//! ```text
//!   C (θⁿ⁺¹ − θⁿ)/dt + A θⁿ⁺¹ = b(P̄ⁿ)     ⇔     (A + C/dt) δ = b(P̄ⁿ) − A θⁿ,  θⁿ⁺¹ = θⁿ + δ
//! ```
//! P̄ⁿ is each block's power averaged over the step (the trace is step-wise constant, so a
//! change inside a step is split in proportion, and ∫P dt is exact). C/dt is a sink toward θⁿ:
//! it is added to the boundary conductance `gb` of solid cells and to `cdiag` of coolant cells,
//! the two diagonal terms that multigrid coarsening sums over an aggregate, so the coarse
//! levels see the same storage. It only strengthens the diagonal, so the steady solver's
//! convergence carries over (each step needs fewer cycles than a steady solve). Solving for the
//! increment δ makes the relative residual `tolerance` apply to the change of the step (not to
//! the large C/dt·θⁿ), and the previous δ is the first guess when it fits better than zero.
//! Backward Euler is first order in dt and L-stable: no oscillation, any dt; its fixed point
//! is exactly the steady solution.
//!
//! ## Storage of the coolant
//! The coolant **stores heat**: each coolant unknown carries (w_c/p)·ρ_fl·c_p,fl·V of its cell,
//! ```text
//!   C_f (θ_fⁿ⁺¹ − θ_fⁿ)/dt + ṁc_p (θ_f − θ_f,upstream) = G_sf (θ_s − θ_f)      (at n+1)
//! ```
//! It is not treated as quasi-steady because in a skived cold plate the coolant in the
//! channels holds more heat than the fins (water's ρc_p is 1.2× copper's and the channels are
//! usually wider than the fins), and the transit time (~0.1 s) is comparable with the die time
//! constants of interest. Coolant properties (and h) are those of the design's steady powers,
//! fixed for the run, so every step is the same linear system.
//!
//! ## Initial state, output, energy balance
//! Every solid and coolant unknown starts at `initial_c`. Probes record each block's max and
//! mean (as in `results.json`) at the end of every step; the top-level results describe the
//! final step (blocks report the final step's power). The energy balance of a transient run is
//! ```text
//!   energy_balance_error = |∫P dt − (ΔE_stored + ∫heat_out dt)| / ∫P dt
//! ```
//! with ΔE_stored = Σ C (θ_end − θ_0) and heat_out (coolant enthalpy rise + boundary heat)
//! evaluated at the end of each step, as backward Euler does; it is exact up to the linear
//! solver's residual. With no energy in (∫P dt = 0, a pure cool-down) it is relative to
//! |ΔE_stored| instead.
//! Solver figures: `iterations` is the total number of multigrid cycles of the run and
//! `relative_residual` the largest final residual of any step.

mod capacity;
mod stepper;

use std::time::Instant;

pub use stepper::Stepper;

use super::options::{Progress, Solution, SolveError, SolveOptions};
use super::steady;
use crate::assembly::ZGrid;
use crate::model::{Design, Transient};
use crate::numerics::krylov::{Info, KrylovParams};
use crate::results::{self, round_sig, ProbeSeries, RunInfo, TransientResult};

impl Transient {
    /// Step sizes of the run, s: whole steps of `dt_s`, plus one shorter step to land on
    /// `duration_s` (its length is the number of [`Progress::Step`] events).
    pub fn step_sizes(&self) -> Vec<f64> {
        let n = (self.duration_s / self.dt_s * (1.0 + 1e-12))
            .floor()
            .max(1.0) as usize;
        let mut v = vec![self.dt_s; n];
        let rest = self.duration_s - n as f64 * self.dt_s;
        if rest > 1e-9 * self.dt_s {
            v.push(rest);
        }
        v
    }
}

/// Block powers averaged over [t0, t1], W (one per design block): the trace's step-wise
/// constant rows (row i holds from `times_s[i]`), else the design's `power_w`.
fn block_powers_w(design: &Design, t0: f64, t1: f64) -> Vec<f64> {
    let mut p: Vec<f64> = design.blocks.iter().map(|b| b.power_w).collect();
    let Some(trace) = design.transient.as_ref().and_then(|t| t.trace.as_ref()) else {
        return p;
    };
    let rows = trace.times_s.len();
    for (col, &bi) in trace.block_index.iter().enumerate() {
        let mut energy = 0.0;
        for r in 0..rows {
            let start = trace.times_s[r].max(t0);
            let end = trace
                .times_s
                .get(r + 1)
                .copied()
                .unwrap_or(f64::INFINITY)
                .min(t1);
            if end > start {
                energy += trace.powers_w[r][col] * (end - start);
            }
        }
        p[bi] = if t1 > t0 {
            energy / (t1 - t0)
        } else {
            trace.powers_w[0][col]
        };
    }
    p
}

/// Run a design's `[transient]` section `tr`; `opts` are the per-step solver options
/// (tolerance, cycles, threads, method); its `progress` hears of every step.
pub(super) fn run(
    design: &Design,
    tr: &Transient,
    opts: &SolveOptions,
    z_grid: ZGrid,
) -> Result<Solution, SolveError> {
    steady::in_pool(opts, || run_in_pool(design, tr, opts, z_grid))?
}

fn run_in_pool(
    design: &Design,
    tr: &Transient,
    opts: &SolveOptions,
    z_grid: ZGrid,
) -> Result<Solution, SolveError> {
    let start = Instant::now();
    let mut st = Stepper::on(design, tr.initial_c, z_grid)?;
    let params = KrylovParams {
        method: opts.method,
        tolerance: opts.tolerance,
        max_cycles: opts.max_cycles,
    };
    let e0 = st.stored_j();
    let sizes = tr.step_sizes();
    let mut probes: Vec<ProbeSeries> = Vec::new();
    for &b in &tr.probes {
        if !probes.iter().any(|p| p.name == design.blocks[b].name) {
            probes.push(ProbeSeries {
                name: design.blocks[b].name.clone(),
                max_c: Vec::with_capacity(sizes.len()),
                mean_c: Vec::with_capacity(sizes.len()),
            });
        }
    }
    let probe_block: Vec<usize> = probes
        .iter()
        .filter_map(|p| design.blocks.iter().position(|b| b.name == p.name))
        .collect();
    let mut series = TransientResult {
        times_s: Vec::with_capacity(sizes.len()),
        probes,
        power_w: Vec::with_capacity(sizes.len()),
        heat_out_w: Vec::with_capacity(sizes.len()),
    };
    let (mut t, mut e_in, mut e_out) = (0.0, 0.0, 0.0);
    let (mut cycles, mut worst) = (0, 0.0f64);
    let mut powers = block_powers_w(design, 0.0, 0.0);
    for (n, &h) in sizes.iter().enumerate() {
        let t1 = if n + 1 == sizes.len() {
            tr.duration_s
        } else {
            (n + 1) as f64 * tr.dt_s
        };
        powers = block_powers_w(design, t, t1);
        let conv = st
            .step(h, &powers, &params)
            .map_err(|source| SolveError::Step {
                step: n + 1,
                time_s: t1,
                source: Box::new(source),
            })?;
        cycles += conv.cycles;
        worst = worst.max(conv.rel_residual);
        // The run keeps its coolant properties fixed, but a coolant that leaves its table or
        // boils has no single-phase answer at any step: an error, as in a steady solve.
        let temps = st.asm.coolant_temperatures_c(&st.theta);
        if let Some(o) = crate::assembly::coolant::out_of_range(design, &st.asm.grid, &temps) {
            return Err(SolveError::CoolantOutOfRange(o));
        }
        let p_total: f64 = powers.iter().sum();
        let (absorbed, bheat) = results::heat_out_w(&st.asm, &st.theta);
        let q_out = absorbed + bheat.iter().sum::<f64>();
        e_in += p_total * h;
        e_out += q_out * h;
        series.times_s.push(round_sig(t1));
        series.power_w.push(p_total);
        series.heat_out_w.push(q_out);
        for (p, &b) in series.probes.iter_mut().zip(&probe_block) {
            let (mx, mean) = results::block_max_mean_c(&st.asm, &st.asm.block_cells[b], &st.theta);
            p.max_c.push(mx);
            p.mean_c.push(mean);
        }
        t = t1;
        opts.report(Progress::Step {
            step: n + 1,
            steps: sizes.len(),
            time_s: t1,
        });
    }
    // Final-step results: the blocks carry the last step's powers.
    let mut last = design.clone();
    for (b, p) in last.blocks.iter_mut().zip(&powers) {
        b.power_w = *p;
    }
    st.asm.power_w_m3 = st.power_w_m3(design, &powers);
    let run = RunInfo {
        convergence: Info {
            cycles,
            rel_residual: worst,
        },
        wall_s: start.elapsed().as_secs_f64(),
        threads: rayon::current_num_threads(),
    };
    let (mut res, field) = results::compute(&last, &st.asm, &st.theta, run);
    // The loop's laws are the run's (fixed properties), so its system curve is theirs.
    if let (Some(h), Some(state)) = (res.hydraulics.as_mut(), st.asm.coolant.as_ref()) {
        h.system_curve = crate::assembly::coolant::system_curve(design, &st.asm.grid, None, state);
    }
    let de = st.stored_j() - e0;
    let imbalance = (e_in - (de + e_out)).abs();
    res.energy_balance_error = if e_in > 0.0 {
        Some(imbalance / e_in)
    } else if de.abs() > 0.0 {
        Some(imbalance / de.abs())
    } else {
        None
    };
    res.solver.wall_s = start.elapsed().as_secs_f64();
    res.transient = Some(series);
    Ok(Solution {
        results: res,
        field,
    })
}
