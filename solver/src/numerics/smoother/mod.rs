//! The smoother: z-line (column) Gauss–Seidel with the coolant eliminated into each column.
//!
//! Lines of columns (fixed v) are relaxed in red-black order (even v, then odd v; `sweep`
//! runs the two colours as one wavefront, in parallel with rayon on large levels and
//! sequentially on small ones, below [`PAR_MIN_LEN`](crate::numerics::vector::PAR_MIN_LEN) values, where a fork-join costs more than
//! the work); inside a line the columns are visited along +u, the main
//! flow direction, so the upstream coolant temperature is always the freshly updated one (exact
//! for the upwind advection). Each column is solved **exactly** for its `nz` solid temperatures
//! plus one fluid temperature per active fluid group, with all in-plane neighbours held at their
//! current values:
//!
//! ```text
//!   [ A_s   −G ] [θ_s]   [ r_s ]        A_s tridiagonal (gz couplings, diagonal incl. gsf)
//!   [ −Gᵀ    D ] [θ_f] = [ r_f ]        r_f = b_f + cup·θ_f,upstream (current value)
//! ```
//! by the Thomas algorithm and a bordered (Schur) elimination: θ_s = y₀ + Σ_g z_g θ_f,g with
//! y₀ = A_s⁻¹ r_s, z_g = A_s⁻¹ G_g, and the small system (D − GᵀZ) θ_f = r_f + Gᵀy₀.
//!
//! A_s depends on conductances only, so its LU factors are computed once per operator
//! ([`ColumnFactors`], built by [`Operator::factor_columns`](crate::numerics::operator::Operator::factor_columns)): only the inverse pivots are
//! stored (8 B per solid cell); the upper factor −gz·inv is one multiplication in the back
//! substitution. The sweep then does no division and no diagonal assembly — the arithmetic is
//! the one of factoring in every sweep, operation for operation, so the results are identical.
//!
//! A line of one colour reads only its own line and the two neighbour lines of the other colour,
//! which this half-sweep does not write: the lines are split into (previous, current, next)
//! borrows, so the parallel update is race-free in safe Rust without copying anything.

mod along_flow;
mod column;
mod cross_flow;
mod factor;
mod sweep;

pub(crate) use column::{ColumnWork, Line};
pub use factor::ColumnFactors;
