//! coldtray's thermal solver: design model, finite-volume assembly, multigrid solve, results.
//!
//! The crate knows nothing of Modbus or the CLI.

pub mod field;
pub mod model;
