//! coldtray's thermal solver: design model, finite-volume assembly, multigrid solve, results,
//! thermal maps.
//!
//! The crate knows nothing of Modbus or the CLI.

pub mod coarsen;
pub mod column;
pub mod conductance;
pub mod coolant;
pub mod design;
pub mod factor;
pub mod field;
pub mod grid;
pub mod krylov;
pub mod layer_maps;
pub mod materials;
pub mod model;
pub mod multigrid;

pub mod results;
pub mod solve;
pub mod stencil;
pub mod sweep;
pub mod transient;
pub mod uline;
pub mod vline;

