//! coldtray's thermal solver.

#![deny(missing_docs)]
#![warn(unused_crate_dependencies)]

#[doc(hidden)]
pub mod assembly;
pub mod design;
pub mod model;
#[doc(hidden)]
pub mod numerics;
pub mod results;
#[doc(hidden)]
pub mod run;

pub use assembly::GridError;
pub use coldtray_io::ConfigError;
pub use model::{
    Block, Boundary, Channels, Convection, Coolant, Design, FlowDirection, Fluid, FluidProps,
    Layer, Material, PowerTrace, Transient,
};
pub use numerics::krylov::Method;
pub use results::{
    BlockResult, BoundaryHeat, CoolantResult, Field, LayerResult, ProbeSeries, Results,
    SolverStats, TransientResult,
};
pub use run::{
    block_powers_w, step_sizes, Progress, ProgressFn, Solution, SolveError, SolveOptions,
};

#[cfg(test)]
mod tests;
