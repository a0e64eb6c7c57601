//! The numerics on shipped designs: multigrid convergence factors and cycle counts under
//! refinement.

mod multigrid_factor;
mod scaling;
