//! PNG thermal maps and ParaView export of a solved [`coldtray_solver::results::Field`].
//!
//! The solver crate computes; this crate draws and exports. It reads nothing of the solver but
//! the result field.

pub mod render;
pub mod vtk;
