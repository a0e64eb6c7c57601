//! The linear algebra of the solver, independent of designs and results: the discrete
//! operator of one grid level, its smoother, the multigrid hierarchy and the Krylov outer
//! iteration. Public (hidden from the docs) for the benches crate and the solver's own tests.

pub mod coarsen;
pub mod krylov;
pub mod multigrid;
pub mod operator;
pub mod reference;
pub mod smoother;
pub mod vector;
