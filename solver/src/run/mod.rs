//! Running a design: the steady solve and the transient (backward-Euler) run over the
//! assembled operator, with their options, progress events and errors. Public (hidden from
//! the docs) for the solver's tests and benches; the API is [`Design::solve`].

mod options;
pub mod steady;
pub mod transient;

pub use options::{Progress, ProgressFn, Solution, SolveError, SolveOptions};

use crate::model::Design;

impl Design {
    /// Solve the design: its `[transient]` run when it has one, else to steady state.
    ///
    /// Clear [`Design::transient`] first to solve a transient design to steady state at its
    /// blocks' `power_w`.
    pub fn solve(&self, opts: &SolveOptions) -> Result<Solution, SolveError> {
        match &self.transient {
            Some(tr) => transient::run(self, tr, opts),
            None => steady::solve(self, opts),
        }
    }
}
