//! The column solve of the smoother: one line of columns relaxed exactly, column by column
//! along +u, with the coolant eliminated into each column (the equations are in the
//! `smoother` module doc).

// Index loops mirror the Thomas / elimination formulas; iterator forms would obscure them.
#![allow(clippy::needless_range_loop)]

use super::ColumnFactors;
use crate::numerics::operator::{Operator, MAX_FLUID_GROUPS};
use crate::numerics::vector::PAR_MIN_LEN;

/// Scratch space for one column.
pub(crate) struct ColumnWork {
    y: Vec<f64>,
    z: Vec<Vec<f64>>,
    active: Vec<(usize, f64, f64)>,
    /// u-line scratch (length nu).
    pub(crate) ud: Vec<f64>,
    pub(crate) ur: Vec<f64>,
    pub(crate) ucp: Vec<f64>,
    pub(crate) uinv: Vec<f64>,
}

impl ColumnWork {
    pub(crate) fn new(nz: usize, nfl: usize, nu: usize, ulines: bool) -> Self {
        let nul = if ulines { nu } else { 0 };
        ColumnWork {
            y: vec![0.0; nz],
            z: vec![vec![0.0; nz]; nfl],
            active: Vec::with_capacity(nfl),
            ud: vec![0.0; nul],
            ur: vec![0.0; nul],
            ucp: vec![0.0; nul],
            uinv: vec![0.0; nul],
        }
    }
}

#[inline]
fn add_neighbour(r: &mut [f64], g: &[f64], xn: &[f64]) {
    for ((ri, gi), xi) in r.iter_mut().zip(g).zip(xn) {
        *ri += gi * xi;
    }
}

/// b + Σ g·x over an element's four in-plane neighbours, added in the order u−1, u+1, v−1,
/// v+1 (the order of the general path, `column_rhs`, so every path gives the same sums).
#[inline(always)]
fn in_plane_rhs(b: f64, neighbours: [(f64, f64); 4]) -> f64 {
    let mut r = b;
    for (g, x) in neighbours {
        r += g * x;
    }
    r
}

/// Solve with the factored tridiagonal (sub/super diagonal −gz, inverse pivots `inv`) in place.
#[inline]
fn thomas_solve(gz: &[f64], inv: &[f64], x: &mut [f64]) {
    let nz = x.len();
    let (gz, inv) = (&gz[..nz], &inv[..nz]);
    x[0] *= inv[0];
    for k in 1..nz {
        x[k] = (x[k] + gz[k - 1] * x[k - 1]) * inv[k];
    }
    for k in (0..nz - 1).rev() {
        let cp = -gz[k] * inv[k];
        x[k] -= cp * x[k + 1];
    }
}

/// A line being relaxed: its index, the neighbour lines (read only) and the line itself.
pub(crate) struct Line<'a> {
    pub(crate) v: usize,
    pub(crate) prev: Option<&'a [f64]>,
    pub(crate) next: Option<&'a [f64]>,
}

impl Line<'_> {
    /// Value `i` of line `vv` (v − 1 or v + 1).
    #[inline]
    pub(crate) fn other(&self, vv: usize, i: usize) -> f64 {
        match (vv < self.v, self.prev, self.next) {
            (true, Some(p), _) => p[i],
            (false, _, Some(n)) => n[i],
            _ => unreachable!("upstream line outside the grid"),
        }
    }
}

impl Operator {
    /// Should kernels on this level run in parallel?
    #[inline]
    pub(crate) fn parallel(&self) -> bool {
        self.len() >= PAR_MIN_LEN
    }

    /// Relax one line of columns (then its u-lines and coolant), its neighbour lines held.
    pub(crate) fn relax_line(
        &self,
        f: &ColumnFactors,
        line: &Line,
        b: &[f64],
        xl: &mut [f64],
        w: &mut ColumnWork,
    ) {
        if self.fluids.is_empty() && self.nu >= 3 {
            if let (Some(p), Some(n)) = (line.prev, line.next) {
                return self.relax_conduction_line(f, line, (p, n), b, xl, w);
            }
        }
        let v = line.v;
        let nz = self.nz;
        for u in 0..self.nu {
            let c = v * self.nu + u;
            self.relax_column(u, line, b, xl, &f.inv[c * nz..(c + 1) * nz], w);
        }
        for &k in &f.ulines {
            self.relax_uline(k, line, b, xl, w);
        }
        if !f.ulines.is_empty() {
            self.update_fluids(line, b, xl);
        }
    }

    /// [`Self::relax_line`] for an interior line of a level without coolant: the state and the
    /// conductances share one layout, so each interior column's right-hand side is built in
    /// place in x from fixed offsets and solved there (no scratch, no coolant bookkeeping). The
    /// operations per column are those of [`Self::relax_column`], so the result is identical.
    fn relax_conduction_line(
        &self,
        f: &ColumnFactors,
        line: &Line,
        (p, n): (&[f64], &[f64]),
        b: &[f64],
        xl: &mut [f64],
        w: &mut ColumnWork,
    ) {
        let (nu, nz) = (self.nu, self.nz);
        let o = line.v * nu * nz;
        self.relax_column(0, line, b, xl, &f.inv[o..o + nz], w);
        for u in 1..nu - 1 {
            let c = o + u * nz;
            let (bs, gz, inv) = (&b[c..c + nz], &self.gz[c..c + nz], &f.inv[c..c + nz]);
            let (gum, gup) = (&self.gu[c - nz..c], &self.gu[c..c + nz]);
            let cm = c - nu * nz;
            let (gvm, gvp) = (&self.gv[cm..cm + nz], &self.gv[c..c + nz]);
            let (xvm, xvp) = (&p[u * nz..(u + 1) * nz], &n[u * nz..(u + 1) * nz]);
            let (left, rest) = xl.split_at_mut(u * nz);
            let (xc, right) = rest.split_at_mut(nz);
            let (xum, xup) = (&left[(u - 1) * nz..], &right[..nz]);
            for k in 0..nz {
                xc[k] = in_plane_rhs(
                    bs[k],
                    [
                        (gum[k], xum[k]),
                        (gup[k], xup[k]),
                        (gvm[k], xvm[k]),
                        (gvp[k], xvp[k]),
                    ],
                );
            }
            thomas_solve(gz, inv, xc);
        }
        let c = o + (nu - 1) * nz;
        self.relax_column(nu - 1, line, b, xl, &f.inv[c..c + nz], w);
    }

    fn relax_column(
        &self,
        u: usize,
        line: &Line,
        b: &[f64],
        xl: &mut [f64],
        inv: &[f64],
        w: &mut ColumnWork,
    ) {
        let (nz, nc, nu, v) = (self.nz, self.ncomp(), self.nu, line.v);
        let c = v * nu + u;
        let y = &mut w.y[..nz];
        if let (true, Some(p), Some(n)) = (u > 0 && u + 1 < nu, line.prev, line.next) {
            // Interior column: the four neighbours in one pass, added per element in the same
            // order as the general path below (u−1, u+1, v−1, v+1), so the sums are identical.
            let bs = &b[c * nc..c * nc + nz];
            let (gum, gup) = (
                &self.gu[(c - 1) * nz..c * nz],
                &self.gu[c * nz..(c + 1) * nz],
            );
            let gvm = &self.gv[(c - nu) * nz..(c - nu + 1) * nz];
            let gvp = &self.gv[c * nz..(c + 1) * nz];
            let xum = &xl[(u - 1) * nc..(u - 1) * nc + nz];
            let xup = &xl[(u + 1) * nc..(u + 1) * nc + nz];
            let (xvm, xvp) = (&p[u * nc..u * nc + nz], &n[u * nc..u * nc + nz]);
            for k in 0..nz {
                y[k] = in_plane_rhs(
                    bs[k],
                    [
                        (gum[k], xum[k]),
                        (gup[k], xup[k]),
                        (gvm[k], xvm[k]),
                        (gvp[k], xvp[k]),
                    ],
                );
            }
        } else {
            self.column_rhs(u, line, b, xl, y);
        }
        let gz = &self.gz[c * nz..(c + 1) * nz];
        w.active.clear();
        for (g, fg) in self.fluids.iter().enumerate() {
            let bf = b[c * nc + nz + g];
            if !self.fluid_active(g, c) {
                xl[u * nc + nz + g] = bf;
                continue;
            }
            let mut dsum = fg.cdiag[c];
            for &gk in &fg.gsf[c * fg.nzl..(c + 1) * fg.nzl] {
                dsum += gk;
            }
            let mut rf = bf;
            if let Some((uu, vv)) = fg.upstream.of(u, v, nu, self.nv) {
                let i = uu * nc + nz + g;
                let up = if vv == v { xl[i] } else { line.other(vv, i) };
                rf += fg.cup[c] * up;
            }
            w.active.push((g, dsum, rf));
        }
        thomas_solve(gz, inv, &mut w.y);
        let xs_off = u * nc;
        match w.active.len() {
            0 => {
                for (xk, yk) in xl[xs_off..xs_off + nz].iter_mut().zip(&w.y) {
                    *xk = *yk;
                }
            }
            _ => self.solve_bordered(c, gz, inv, w, &mut xl[xs_off..xs_off + nc]),
        }
    }

    /// Right-hand side of column (u, v)'s solid cells with its in-plane neighbours held:
    /// b + Σ g·x_nb (general path, any column).
    fn column_rhs(&self, u: usize, line: &Line, b: &[f64], xl: &[f64], y: &mut [f64]) {
        let (nz, nc, nu) = (self.nz, self.ncomp(), self.nu);
        let c = line.v * nu + u;
        y.copy_from_slice(&b[c * nc..c * nc + nz]);
        if u > 0 {
            add_neighbour(
                y,
                &self.gu[(c - 1) * nz..c * nz],
                &xl[(u - 1) * nc..(u - 1) * nc + nz],
            );
        }
        if u + 1 < nu {
            add_neighbour(
                y,
                &self.gu[c * nz..(c + 1) * nz],
                &xl[(u + 1) * nc..(u + 1) * nc + nz],
            );
        }
        if let Some(p) = line.prev {
            let cn = c - nu;
            add_neighbour(y, &self.gv[cn * nz..(cn + 1) * nz], &p[u * nc..u * nc + nz]);
        }
        if let Some(n) = line.next {
            add_neighbour(y, &self.gv[c * nz..(c + 1) * nz], &n[u * nc..u * nc + nz]);
        }
    }

    /// Schur elimination of the column's fluid unknowns (see the module doc).
    fn solve_bordered(
        &self,
        c: usize,
        gz: &[f64],
        inv: &[f64],
        w: &mut ColumnWork,
        xc: &mut [f64],
    ) {
        let nz = self.nz;
        let m = w.active.len();
        for (i, &(g, _, _)) in w.active.iter().enumerate() {
            let fg = &self.fluids[g];
            let z = &mut w.z[i];
            z.iter_mut().for_each(|v| *v = 0.0);
            z[fg.k0..fg.k0 + fg.nzl].copy_from_slice(&fg.gsf[c * fg.nzl..(c + 1) * fg.nzl]);
            thomas_solve(gz, inv, z);
        }
        // Small dense system S θ_f = q, S_ij = D_i δ_ij − G_iᵀ z_j, q_i = r_f,i + G_iᵀ y₀.
        let mut s = [[0.0f64; MAX_FLUID_GROUPS]; MAX_FLUID_GROUPS];
        let mut q = [0.0f64; MAX_FLUID_GROUPS];
        let gdot = |g: usize, vec: &[f64]| -> f64 {
            let fg = &self.fluids[g];
            fg.gsf[c * fg.nzl..(c + 1) * fg.nzl]
                .iter()
                .zip(&vec[fg.k0..fg.k0 + fg.nzl])
                .map(|(a, b)| a * b)
                .sum()
        };
        for i in 0..m {
            let (gi, di, rfi) = w.active[i];
            for j in 0..m {
                s[i][j] = -gdot(gi, &w.z[j]);
            }
            s[i][i] += di;
            q[i] = rfi + gdot(gi, &w.y);
        }
        // Gaussian elimination without pivoting: S is strictly diagonally dominant (an M-matrix
        // Schur complement), so pivots stay positive.
        for p in 0..m {
            for i in p + 1..m {
                let f = s[i][p] / s[p][p];
                for j in p..m {
                    s[i][j] -= f * s[p][j];
                }
                q[i] -= f * q[p];
            }
        }
        let mut tf = [0.0f64; MAX_FLUID_GROUPS];
        for i in (0..m).rev() {
            let mut acc = q[i];
            for j in i + 1..m {
                acc -= s[i][j] * tf[j];
            }
            tf[i] = acc / s[i][i];
        }
        let (xs, xf) = xc.split_at_mut(nz);
        xs.copy_from_slice(&w.y);
        for i in 0..m {
            for (xk, zk) in xs.iter_mut().zip(&w.z[i]) {
                *xk += zk * tf[i];
            }
            xf[w.active[i].0] = tf[i];
        }
    }
}
