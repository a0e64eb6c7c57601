//! Running a design: the steady solve and the transient (backward-Euler) run over the
//! assembled operator, with their options, progress events and errors. Public (hidden from
//! the docs) for the solver's tests and benches; the API is [`Design::solve`].

mod leakage;
mod options;
pub mod steady;
pub mod transient;

pub use options::{Progress, ProgressFn, Solution, SolveError, SolveOptions};

use crate::assembly::ZGrid;
use crate::model::Design;

/// Order of accuracy of the discretisation in z (cell-centred, harmonic face conductances).
const Z_ORDER: i32 = 2;

impl Design {
    /// Solve the design: its `[transient]` run when it has one, else to steady state.
    ///
    /// Clear [`Design::transient`] first to solve a transient design to steady state at its
    /// blocks' `power_w`. With [`SolveOptions::check_grid`] the design is solved a second time
    /// on a grid with every layer's z cells merged in pairs (after the main solve, without
    /// progress events), and the main solution carries the Richardson estimate of its z error
    /// in the hottest temperature. The results carry the plausibility warnings of
    /// [`crate::results::warnings`].
    pub fn solve(&self, opts: &SolveOptions) -> Result<Solution, SolveError> {
        let mut solution = self.solve_on(opts, ZGrid::Design)?;
        if opts.check_grid {
            let quiet = SolveOptions {
                tolerance: opts.tolerance,
                max_cycles: opts.max_cycles,
                threads: opts.threads,
                progress: None,
                method: opts.method,
                check_grid: false,
            };
            let coarse = self.solve_on(&quiet, ZGrid::Coarser)?;
            let r = &mut solution.results;
            let ratio = 2f64.powi(Z_ORDER) - 1.0;
            r.solver.grid_error_estimate_c = Some((coarse.results.max_c - r.max_c) / ratio);
        }
        solution.results.warnings =
            crate::results::warnings::check(self, &solution.results, &solution.field);
        Ok(solution)
    }

    fn solve_on(&self, opts: &SolveOptions, z_grid: ZGrid) -> Result<Solution, SolveError> {
        match &self.transient {
            Some(_) if self.has_leakage() => Err(SolveError::Options(
                "leakage power is solved to a steady fixed point only; clear the design's \
                 transient run or its blocks' leakage"
                    .into(),
            )),
            Some(tr) => transient::run(self, tr, opts, z_grid),
            None => steady::solve(self, opts, z_grid),
        }
    }
}
