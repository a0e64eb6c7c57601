//! The discrete operator of one multigrid level: a 7-point conduction stencil on solid cells
//! plus, per fluid stream group, one coolant unknown per column.
//!
//! ## Layout
//! Internal axes are (u, v, z): **u runs along the main flow direction** (so a line of columns
//! at fixed v is a stream line and Gauss–Seidel along +u is exact for the upwind advection), v
//! across it. Column `c = v·nu + u`. A state vector holds `ncomp = nz + nfl` values per column,
//! contiguous: `nz` solid temperatures bottom to top, then one fluid temperature per fluid group.
//!
//! ## Equations (θ = T − T_ref, W and W/K)
//! Solid cell s:   (gb_s + Σ_nb g_f + Σ gsf) θ_s − Σ_nb g_f θ_nb − gsf θ_fluid = b_s
//! Fluid cell f:   (cdiag + Σ_k gsf_k) θ_f − cup θ_f,upstream − Σ_k gsf_k θ_s,k = b_f
//! `g_f` are face conductances (gu: to u+1, gv: to v+1, gz: to k+1), `gb` the boundary
//! (convective) conductance to ambient, `gsf` solid–fluid exchange conductances of the column's
//! z sub-cells in the group's layer, `cdiag` = ṁ·c_p leaving the cell, `cup` = ṁ·c_p entering
//! from the upstream cell (0 at the inlet, whose ṁ·c_p·θ_inlet is in b_f). Columns without fluid
//! in a group carry an identity row (θ_f = b_f = 0).

use rayon::prelude::*;

use crate::numerics::krylov::LinearOperator;

/// Most fluid groups (channel layer × flow direction) one operator holds: the smoother
/// eliminates a column's coolant in fixed-size stack arrays of this length.
pub const MAX_FLUID_GROUPS: usize = 8;

/// Upstream neighbour of a fluid cell in internal coordinates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Upstream {
    /// (u − 1, v): flow along +u.
    PrevU,
    /// (u + 1, v): flow along −u.
    NextU,
    /// (u, v − 1): flow along +v.
    PrevV,
    /// (u, v + 1): flow along −v.
    NextV,
}

impl Upstream {
    /// Upstream column of `(u, v)` if inside the grid.
    #[inline]
    pub fn of(self, u: usize, v: usize, nu: usize, nv: usize) -> Option<(usize, usize)> {
        match self {
            Upstream::PrevU => (u > 0).then(|| (u - 1, v)),
            Upstream::NextU => (u + 1 < nu).then_some((u + 1, v)),
            Upstream::PrevV => (v > 0).then(|| (u, v - 1)),
            Upstream::NextV => (v + 1 < nv).then_some((u, v + 1)),
        }
    }
}

/// One group of coolant streams (fields of one layer with one flow direction).
#[derive(Debug, Clone, PartialEq)]
pub struct FluidGroup {
    /// First z cell of the layer and its number of z cells.
    pub k0: usize,
    pub nzl: usize,
    pub upstream: Upstream,
    /// Solid–fluid conductance per column and layer sub-cell, W/K (`ncol * nzl`).
    pub gsf: Vec<f64>,
    /// ṁ·c_p through the cell (leaving), W/K (`ncol`).
    pub cdiag: Vec<f64>,
    /// ṁ·c_p arriving from the upstream cell, W/K (`ncol`).
    pub cup: Vec<f64>,
}

/// The operator of one level.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Operator {
    pub nu: usize,
    pub nv: usize,
    pub nz: usize,
    /// Face conductances to u+1, v+1, k+1 and boundary conductance, W/K (`ncol * nz` each).
    pub gu: Vec<f64>,
    pub gv: Vec<f64>,
    pub gz: Vec<f64>,
    pub gb: Vec<f64>,
    pub fluids: Vec<FluidGroup>,
    /// Cell widths along u and v, m (used to re-discretise coarse in-plane conductances).
    pub wu: Vec<f64>,
    pub wv: Vec<f64>,
}

impl Operator {
    pub fn ncol(&self) -> usize {
        self.nu * self.nv
    }
    pub fn ncomp(&self) -> usize {
        self.nz + self.fluids.len()
    }
    /// Length of a state vector.
    pub fn len(&self) -> usize {
        self.ncol() * self.ncomp()
    }
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// Length of one line (all columns at one v) in a state vector.
    pub fn line_len(&self) -> usize {
        self.nu * self.ncomp()
    }

    /// Is the fluid of group `g` present in column `c`?
    #[inline]
    pub fn fluid_active(&self, g: usize, c: usize) -> bool {
        self.fluids[g].cdiag[c] > 0.0
    }

    /// out = b − A x (if `b` is given) or out = A x.
    pub fn residual(&self, b: Option<&[f64]>, x: &[f64], out: &mut [f64]) {
        let ll = self.line_len();
        let line =
            |d: &mut Vec<f64>, (v, o): (usize, &mut [f64])| self.residual_line(v, b, x, d, o);
        let new_d = || vec![0.0; self.nz];
        if self.parallel() {
            out.par_chunks_mut(ll)
                .enumerate()
                .for_each_init(new_d, line);
        } else {
            let mut d = new_d();
            out.chunks_mut(ll)
                .enumerate()
                .for_each(|vo| line(&mut d, vo));
        }
    }

    /// Line `v` (all columns at that v) of b − A x, or of A x without `b`, into `out`
    /// (`line_len` values); `d` is scratch of at least `nz` values.
    pub(crate) fn residual_line(
        &self,
        v: usize,
        b: Option<&[f64]>,
        x: &[f64],
        d: &mut [f64],
        out: &mut [f64],
    ) {
        let (ll, nc) = (self.line_len(), self.ncomp());
        if self.fluids.is_empty() && v > 0 && v + 1 < self.nv && self.nu >= 3 {
            self.apply_conduction_line(v, x, d, out);
        } else {
            for u in 0..self.nu {
                self.apply_column(u, v, x, d, &mut out[u * nc..(u + 1) * nc]);
            }
        }
        if let Some(b) = b {
            for (oi, bi) in out.iter_mut().zip(&b[v * ll..(v + 1) * ll]) {
                *oi = bi - *oi;
            }
        }
    }

    /// A x on interior line v of a level without coolant: its interior columns as one long
    /// loop over the line (the state and the conductances then share one layout, so every
    /// neighbour is a fixed offset and the loop vectorises), its two end columns by
    /// [`Self::apply_column`]. The z faces are taken at offsets ±1 through the column
    /// boundaries: there the face is the top face of a column, whose gz is 0 by construction
    /// (no cell above), so it adds exactly nothing. Per element the terms are added in the
    /// order of `apply_column`, so the values are the same.
    fn apply_conduction_line(&self, v: usize, x: &[f64], d: &mut [f64], out: &mut [f64]) {
        let (nu, nz) = (self.nu, self.nz);
        let ll = nu * nz;
        self.apply_column(0, v, x, d, &mut out[..nz]);
        self.apply_column(nu - 1, v, x, d, &mut out[(nu - 1) * nz..]);
        let (a, e) = (v * ll + nz, v * ll + (nu - 1) * nz);
        let (gb, gz) = (&self.gb[a..e], &self.gz[a..e]);
        let (gum, gup) = (&self.gu[a - nz..e - nz], &self.gu[a..e]);
        let (gvm, gvp) = (&self.gv[a - ll..e - ll], &self.gv[a..e]);
        let gzm = &self.gz[a - 1..e - 1];
        let (xs, xzm, xzp) = (&x[a..e], &x[a - 1..e - 1], &x[a + 1..e + 1]);
        let (xum, xup) = (&x[a - nz..e - nz], &x[a + nz..e + nz]);
        let (xvm, xvp) = (&x[a - ll..e - ll], &x[a + ll..e + ll]);
        let out = &mut out[nz..(nu - 1) * nz];
        for i in 0..out.len() {
            let (dk, ok) = faces(
                gb[i],
                [
                    (gum[i], xum[i]),
                    (gup[i], xup[i]),
                    (gvm[i], xvm[i]),
                    (gvp[i], xvp[i]),
                    (gzm[i], xzm[i]),
                    (gz[i], xzp[i]),
                ],
            );
            out[i] = ok + dk * xs[i];
        }
    }

    /// (A x) restricted to column (u, v), written to `out` (`ncomp` values).
    fn apply_column(&self, u: usize, v: usize, x: &[f64], d: &mut [f64], out: &mut [f64]) {
        let (nz, nc) = (self.nz, self.ncomp());
        let c = v * self.nu + u;
        let xs = &x[c * nc..c * nc + nz];
        let os = &mut out[..nz];
        let d = &mut d[..nz];
        if u > 0 && u + 1 < self.nu && v > 0 && v + 1 < self.nv {
            // Interior column: the four neighbours in one pass, per element in the same order
            // as the general path (u−1, u+1, v−1, v+1), so the sums are identical.
            let gb = &self.gb[c * nz..(c + 1) * nz];
            let (gum, gup) = (
                &self.gu[(c - 1) * nz..c * nz],
                &self.gu[c * nz..(c + 1) * nz],
            );
            let (cm, cq) = (c - self.nu, c + self.nu);
            let (gvm, gvp) = (
                &self.gv[cm * nz..(cm + 1) * nz],
                &self.gv[c * nz..(c + 1) * nz],
            );
            let xum = &x[(c - 1) * nc..(c - 1) * nc + nz];
            let xup = &x[(c + 1) * nc..(c + 1) * nc + nz];
            let (xvm, xvp) = (&x[cm * nc..cm * nc + nz], &x[cq * nc..cq * nc + nz]);
            let gz = &self.gz[c * nz..(c + 1) * nz];
            // Without active coolant in this column the diagonal term closes the row here.
            let no_fluid = (0..self.fluids.len()).all(|g| !self.fluid_active(g, c));
            // Three branch-free loops (they vectorise): in-plane faces, then the z faces
            // below and above. Per element the terms are added in the order of the general
            // path (u−1, u+1, v−1, v+1, z−1, z+1), so the sums are identical.
            for k in 0..nz {
                (d[k], os[k]) = faces(
                    gb[k],
                    [
                        (gum[k], xum[k]),
                        (gup[k], xup[k]),
                        (gvm[k], xvm[k]),
                        (gvp[k], xvp[k]),
                    ],
                );
            }
            for k in 1..nz {
                d[k] += gz[k - 1];
                os[k] -= gz[k - 1] * xs[k - 1];
            }
            for k in 0..nz - 1 {
                d[k] += gz[k];
                os[k] -= gz[k] * xs[k + 1];
            }
            if no_fluid {
                for k in 0..nz {
                    os[k] += d[k] * xs[k];
                }
            }
            if no_fluid {
                for g in 0..self.fluids.len() {
                    out[nz + g] = x[c * nc + nz + g];
                }
                return;
            }
        } else {
            self.column_neighbours(u, v, x, d, os);
            self.column_z(c, xs, d, os);
        }

        for (g, fg) in self.fluids.iter().enumerate() {
            let xf = x[c * nc + nz + g];
            if !self.fluid_active(g, c) {
                out[nz + g] = xf;
                continue;
            }
            let gsf = &fg.gsf[c * fg.nzl..(c + 1) * fg.nzl];
            let mut dsum = fg.cdiag[c];
            let mut of = 0.0;
            for (kk, &gk) in gsf.iter().enumerate() {
                let k = fg.k0 + kk;
                d[k] += gk;
                out[k] -= gk * xf;
                dsum += gk;
                of -= gk * xs[k];
            }
            if let Some((uu, vv)) = fg.upstream.of(u, v, self.nu, self.nv) {
                of -= fg.cup[c] * x[(vv * self.nu + uu) * nc + nz + g];
            }
            out[nz + g] = of + dsum * xf;
        }
        for k in 0..nz {
            out[k] += d[k] * xs[k];
        }
    }

    /// Adds column c's z couplings to `d` and `os` (general path).
    fn column_z(&self, c: usize, xs: &[f64], d: &mut [f64], os: &mut [f64]) {
        let nz = self.nz;
        let gz = &self.gz[c * nz..(c + 1) * nz];
        for k in 0..nz {
            if k > 0 {
                d[k] += gz[k - 1];
                os[k] -= gz[k - 1] * xs[k - 1];
            }
            if k + 1 < nz {
                d[k] += gz[k];
                os[k] -= gz[k] * xs[k + 1];
            }
        }
    }

    /// Diagonal `d` (gb + in-plane faces) and off-diagonal sum `os` (−Σ g·x_nb) of column
    /// (u, v)'s solid cells (general path, any column).
    fn column_neighbours(&self, u: usize, v: usize, x: &[f64], d: &mut [f64], os: &mut [f64]) {
        let (nz, nc) = (self.nz, self.ncomp());
        let c = v * self.nu + u;
        d.copy_from_slice(&self.gb[c * nz..(c + 1) * nz]);
        os.iter_mut().for_each(|o| *o = 0.0);
        let mut nb = |g: &[f64], xn: &[f64]| {
            for (((di, oi), gi), xi) in d.iter_mut().zip(os.iter_mut()).zip(g).zip(xn) {
                *di += gi;
                *oi -= gi * xi;
            }
        };
        if u > 0 {
            nb(
                &self.gu[(c - 1) * nz..c * nz],
                &x[(c - 1) * nc..(c - 1) * nc + nz],
            );
        }
        if u + 1 < self.nu {
            nb(
                &self.gu[c * nz..(c + 1) * nz],
                &x[(c + 1) * nc..(c + 1) * nc + nz],
            );
        }
        if v > 0 {
            let cn = c - self.nu;
            nb(&self.gv[cn * nz..(cn + 1) * nz], &x[cn * nc..cn * nc + nz]);
        }
        if v + 1 < self.nv {
            let cn = c + self.nu;
            nb(&self.gv[c * nz..(c + 1) * nz], &x[cn * nc..cn * nc + nz]);
        }
    }
}

impl LinearOperator for Operator {
    fn apply(&self, x: &[f64], out: &mut [f64]) {
        self.residual(None, x, out);
    }

    fn residual(&self, b: &[f64], x: &[f64], out: &mut [f64]) {
        Operator::residual(self, Some(b), x, out);
    }
}

/// A cell's diagonal and off-diagonal sum over its faces `(g, x of the neighbour)`, from its
/// boundary conductance `gb`: d = gb + Σ g, o = −Σ g·x, added in the order given (every kernel
/// uses the order u−1, u+1, v−1, v+1, z−1, z+1, so their sums agree to the bit).
#[inline(always)]
fn faces<const N: usize>(gb: f64, faces: [(f64, f64); N]) -> (f64, f64) {
    let (mut d, mut o) = (gb, 0.0);
    for (g, xn) in faces {
        d += g;
        o -= g * xn;
    }
    (d, o)
}
