//! coldtray's thermal solver: a finite-volume model of a liquid-cooled GPU package or compute
//! tray, solved to steady state or stepped through time.
//!
//! A [`Design`] (layers, blocks with power, channel fields of a cold plate, a coolant loop,
//! convective boundaries) is read from `design.toml` (`docs/formats/design.md`) and validated;
//! every problem is a one-line [`ConfigError`] naming the file and the field. Solving it
//! assembles the finite-volume operator (solid cells plus one coolant temperature per stream,
//! `docs/physics.md`), runs BiCGSTAB preconditioned by a geometric multigrid cycle, and returns
//! a [`Solution`]: the [`Results`] that `results.json` serialises (`docs/formats/results.md`)
//! and the temperature [`Field`] for maps and post-processing.
//!
//! Units: lengths mm, powers W, temperatures °C, flows L/min, unless a name says otherwise.
//!
//! # Example
//!
//! ```
//! use std::path::Path;
//!
//! use coldtray_solver::{Design, SolveOptions};
//!
//! let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/rubin-2300w.toml");
//! // 2 mm cells: a coarse but complete model, solved in a fraction of a second.
//! let design = Design::load(&path)?.with_cell_mm(2.0)?;
//! let solution = design.solve(&SolveOptions::default())?;
//!
//! let results = &solution.results;
//! assert!(results.energy_balance_error.expect("the design has power") < 1e-6);
//! let die = results.hottest_die().expect("a powered die");
//! assert!(die.max_c > results.coolant.as_ref().expect("a cold plate").inlet_c);
//!
//! // The field as an ndarray, indexed [k, j, i] (z from the bottom, y, x).
//! let solid = solution.field.solid_c_view();
//! let top = solid.index_axis(ndarray::Axis(0), solution.field.nz - 1);
//! assert!(top.iter().all(|t| t.is_finite()));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Layout
//! - [`model`]: the validated, typed design; [`design`]: `design.toml` → model;
//! - [`results`]: what a solve reports, plain serde data;
//! - [`hydraulics`]: the coolant loop as a network of links (pipes, fittings, quick-disconnects,
//!   channel fields), solved for flows and pressures (not yet coupled to the thermal solve);
//! - `assembly` (grid, rasterised materials, conductances, coolant hydraulics), `numerics`
//!   (operator, smoother, multigrid, Krylov) and `run` (steady and transient drivers) are public
//!   only for the benches and tests, hidden from these docs.

#![deny(missing_docs)]
#![warn(unused_crate_dependencies)]

#[doc(hidden)]
pub mod assembly;
pub mod design;
pub mod hydraulics;
pub mod model;
#[doc(hidden)]
pub mod numerics;
pub mod results;
#[doc(hidden)]
pub mod run;

pub use assembly::GridError;
pub use coldtray_io::ConfigError;
pub use model::{
    Block, Boundary, Channels, Convection, Coolant, Design, Face, FinRoot, FlowDirection, Fluid,
    FluidProps, Layer, Leakage, Material, Patch, PatchCoupling, PowerTrace, Transient,
};
pub use numerics::krylov::Method;
pub use results::{
    BlockResult, BoundaryHeat, Budget, BudgetTerm, CoolantResult, Field, LayerResult,
    LeakageResult, PatchHeat, ProbeSeries, Results, SolverStats, TransientResult, Warning,
};
pub use run::{Progress, ProgressFn, Solution, SolveError, SolveOptions};

#[cfg(test)]
mod tests;
