//! What a solve is asked ([`SolveOptions`]), what it reports while running ([`Progress`]), and
//! what it returns ([`Solution`] or [`SolveError`]).

use crate::assembly::GridError;
use crate::numerics::krylov::Method;
use crate::results::{Field, Results};

/// An event of a running solve, passed to [`SolveOptions::progress`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Progress {
    /// A steady solve finished an iteration of its outer solver.
    Cycle {
        /// Multigrid cycles applied so far (the unit of work).
        cycles: usize,
        /// Relative residual ‖b − Aθ‖₂ / ‖b‖₂ after them.
        residual: f64,
    },
    /// A transient run finished a time step (its per-step cycles are not reported).
    Step {
        /// Steps done, from 1.
        step: usize,
        /// Steps of the whole run.
        steps: usize,
        /// Simulated time at the end of this step, s.
        time_s: f64,
    },
}

/// A progress callback (a progress bar, a log line); it must be cheap, it runs on the
/// solver's thread.
pub type ProgressFn = Box<dyn Fn(Progress) + Send + Sync>;

/// How to solve: tolerance, work budget, threads, progress reporting.
pub struct SolveOptions {
    /// Stop at this relative residual ‖b − Aθ‖/‖b‖ (default 1e-8); in a transient run, of
    /// every step's increment.
    pub tolerance: f64,
    /// Give up after this many multigrid cycles (default 200); per step in a transient run.
    pub max_cycles: usize,
    /// Threads of a local rayon pool; `None` uses the global pool (all cores).
    pub threads: Option<usize>,
    /// Called after every outer iteration (steady) or every time step (transient).
    pub progress: Option<ProgressFn>,
    /// Outer iteration (default: BiCGSTAB preconditioned by one multigrid cycle).
    pub method: Method,
    /// Also solve on a grid with every layer's z cells merged in pairs and report the
    /// Richardson estimate of the z error in the hottest temperature
    /// ([`SolverStats::grid_error_estimate_c`](crate::SolverStats)); the coarser solve costs
    /// about half the main one (default `false`).
    pub check_grid: bool,
}

impl Default for SolveOptions {
    fn default() -> Self {
        SolveOptions {
            tolerance: 1e-8,
            max_cycles: 200,
            threads: None,
            progress: None,
            method: Method::BiCgStab,
            check_grid: false,
        }
    }
}

impl std::fmt::Debug for SolveOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SolveOptions")
            .field("tolerance", &self.tolerance)
            .field("max_cycles", &self.max_cycles)
            .field("threads", &self.threads)
            .field("progress", &self.progress.is_some())
            .field("method", &self.method)
            .field("check_grid", &self.check_grid)
            .finish()
    }
}

impl SolveOptions {
    /// Report `event` to the progress callback, if any.
    pub(crate) fn report(&self, event: Progress) {
        if let Some(p) = &self.progress {
            p(event);
        }
    }
}

/// A solved design: the figures of `results.json` and the temperature field for maps.
#[derive(Debug, Clone)]
pub struct Solution {
    /// Block, layer, coolant and solver figures (serialised as `results.json`).
    pub results: Results,
    /// The temperature field on the grid (the last step's, for a transient run).
    pub field: Field,
}

/// Why a solve failed.
#[derive(Debug, thiserror::Error)]
pub enum SolveError {
    /// The design cannot be put on a grid (no heat sink, too many fluid groups, …).
    #[error(transparent)]
    Grid(#[from] GridError),
    /// The outer iteration ran out of cycles before reaching the tolerance.
    #[error("the solver did not converge: relative residual {residual:.3e} after {cycles} multigrid cycles (target {tolerance:.1e}); try a larger --tolerance, a coarser --cell-mm, or check the design for extreme conductivity contrasts")]
    NotConverged {
        /// Multigrid cycles applied.
        cycles: usize,
        /// Relative residual reached.
        residual: f64,
        /// Relative residual asked for.
        tolerance: f64,
    },
    /// A temperature came out NaN or infinite.
    #[error("the solver produced a non-finite temperature (relative residual {0:.3e}); check the design's conductivities and coefficients")]
    NonFinite(f64),
    /// The local thread pool of [`SolveOptions::threads`] could not be started.
    #[error("cannot start a pool of {threads} threads: {message}")]
    ThreadPool {
        /// Threads asked for.
        threads: usize,
        /// The thread pool's error.
        message: String,
    },
    /// The leakage powers did not settle to a fixed point (nor run away) within the outer
    /// iteration limit.
    #[error("the leakage powers did not converge: relative power change {power_change:.3e} after {iterations} outer iterations; check the blocks' leakage_doubling_k")]
    LeakageNotConverged {
        /// Outer iterations run.
        iterations: usize,
        /// Largest relative power change in the last one.
        power_change: f64,
    },
    /// A coolant cell left its fluid's property table or reached its boiling point at the
    /// loop pressure: the single-phase model has no answer there.
    #[error("{0}")]
    CoolantOutOfRange(crate::assembly::coolant::OutOfRange),
    /// The coolant properties and the coolant temperatures did not settle to a fixed point.
    #[error("the coolant properties did not converge: a coolant temperature still changed by {change_k:.2e} K after {rounds} rounds (target {tolerance_k:.1e} K); try a larger --tolerance or check the design's flow")]
    PropertiesNotConverged {
        /// Assemble-and-solve rounds run.
        rounds: usize,
        /// Largest change of a coolant temperature in the last round, K.
        change_k: f64,
        /// The change that counts as converged, K.
        tolerance_k: f64,
    },
    /// An option is out of range (tolerance outside (0, 1), zero threads).
    #[error("invalid solver option: {0}")]
    Options(String),
    /// A time step of a transient run failed.
    #[error("time step {step} (t = {time_s} s): {source}")]
    Step {
        /// The failed step, from 1.
        step: usize,
        /// Simulated time at its end, s.
        time_s: f64,
        /// Why it failed.
        source: Box<SolveError>,
    },
}
