//! The smoother's precomputed factors: for every column of a level, the LU factorisation of its
//! solid tridiagonal A_s (see `smoother`), stored as inverse pivots only (8 B per solid cell);
//! the upper factor −gz·inv is one multiplication in the back substitution. A_s depends on
//! conductances only, so the factors are computed once per operator and every sweep then does
//! no division and no diagonal assembly, with results identical to factoring in every sweep.

use rayon::prelude::*;

use crate::numerics::operator::Operator;

/// What the smoother precomputes for one operator: inverse pivots of every column's
/// tridiagonal A_s (`ncol * nz`) and the heights relaxed by u-lines and v-lines.
#[derive(Debug, Clone, PartialEq)]
pub struct ColumnFactors {
    pub(crate) inv: Vec<f64>,
    pub(crate) ulines: Vec<usize>,
    pub(crate) cross: Vec<usize>,
    /// Some cell has no conductance at all (a void cell; its inverse pivot is 0).
    pub(crate) has_void: bool,
}

impl ColumnFactors {
    /// Number of stored f64 values.
    pub fn stored_values(&self) -> usize {
        self.inv.len()
    }

    /// True when cell `s` (state layout without coolant, `c · nz + k`) is void: it has no
    /// conductance at all and is held at 0.
    #[inline]
    pub fn is_void(&self, s: usize) -> bool {
        self.has_void && self.inv[s] == 0.0
    }
}

impl Operator {
    /// The smoother's factors of this operator (recompute whenever a conductance changes).
    pub fn factor_columns(&self) -> ColumnFactors {
        let (nz, nu) = (self.nz, self.nu);
        let mut inv = vec![0.0; self.ncol() * nz];
        let line = |v: usize, il: &mut [f64]| {
            let mut d = vec![0.0; nz];
            for u in 0..nu {
                self.factor_column(u, v, &mut d, &mut il[u * nz..(u + 1) * nz]);
            }
        };
        if self.parallel() {
            inv.par_chunks_mut(nu * nz)
                .enumerate()
                .for_each(|(v, il)| line(v, il));
        } else {
            inv.chunks_mut(nu * nz)
                .enumerate()
                .for_each(|(v, il)| line(v, il));
        }
        let mut ulines: Vec<usize> = self
            .fluids
            .iter()
            .flat_map(|f| f.k0..f.k0 + f.nzl)
            .collect();
        ulines.sort_unstable();
        ulines.dedup();
        let has_void = inv.contains(&0.0);
        ColumnFactors {
            has_void,
            inv,
            ulines,
            cross: self.cross_flow_heights(),
        }
    }

    /// Diagonal of column (u, v)'s A_s and its inverse pivots.
    fn factor_column(&self, u: usize, v: usize, d: &mut [f64], inv: &mut [f64]) {
        let (nz, nu) = (self.nz, self.nu);
        let c = v * nu + u;
        d.copy_from_slice(&self.gb[c * nz..(c + 1) * nz]);
        let mut add = |g: &[f64]| d.iter_mut().zip(g).for_each(|(di, gi)| *di += gi);
        if u > 0 {
            add(&self.gu[(c - 1) * nz..c * nz]);
        }
        if u + 1 < nu {
            add(&self.gu[c * nz..(c + 1) * nz]);
        }
        if v > 0 {
            add(&self.gv[(c - nu) * nz..(c - nu + 1) * nz]);
        }
        if v + 1 < self.nv {
            add(&self.gv[c * nz..(c + 1) * nz]);
        }
        let gz = &self.gz[c * nz..(c + 1) * nz];
        for k in 0..nz - 1 {
            d[k] += gz[k];
            d[k + 1] += gz[k];
        }
        for (g, fg) in self.fluids.iter().enumerate() {
            if self.fluid_active(g, c) {
                for (kk, &gk) in fg.gsf[c * fg.nzl..(c + 1) * fg.nzl].iter().enumerate() {
                    d[fg.k0 + kk] += gk;
                }
            }
        }
        // A cell with no conductance at all (a void cell: its row and column are zero) gets
        // the inverse pivot 0, so every relaxation keeps it at 0, decoupled from the rest.
        let pivot_inv = |den: f64| if den > 0.0 { 1.0 / den } else { 0.0 };
        let mut den = d[0];
        inv[0] = pivot_inv(den);
        for k in 1..nz {
            let cp = -gz[k - 1] * inv[k - 1];
            den = d[k] + gz[k - 1] * cp;
            inv[k] = pivot_inv(den);
        }
    }
}
