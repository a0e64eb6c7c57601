//! The solver's integration tests, one binary: design files, physics against analytic
//! solutions, and the numerics on shipped designs.
#![allow(clippy::unwrap_used)]

mod design;
mod hydraulics;
mod layering;
mod numerics;
mod physics;
