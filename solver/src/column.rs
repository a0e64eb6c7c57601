//! The smoother: z-line (column) Gauss–Seidel with the coolant eliminated into each column.
//!
//! Lines of columns (fixed v) are relaxed in red-black order (even v, then odd v), in parallel
//! with rayon; inside a line the columns are visited along +u, the main flow direction, so the
//! upstream coolant temperature is always the freshly updated one (exact for the upwind
//! advection). Each column is solved **exactly** for its `nz` solid temperatures plus one fluid
//! temperature per active fluid group, with all in-plane neighbours held at their current values:
//!
//! ```text
//!   [ A_s   −G ] [θ_s]   [ r_s ]        A_s tridiagonal (gz couplings, diagonal incl. gsf)
//!   [ −Gᵀ    D ] [θ_f] = [ r_f ]        r_f = b_f + cup·θ_f,upstream (current value)
//! ```
//! by the Thomas algorithm and a bordered (Schur) elimination: θ_s = y₀ + Σ_g z_g θ_f,g with
//! y₀ = A_s⁻¹ r_s, z_g = A_s⁻¹ G_g, and the small system (D − GᵀZ) θ_f = r_f + Gᵀy₀.
//!
//! The neighbour lines (other colour) are read from a copy taken before each half-sweep, so the
//! parallel update is race-free in safe Rust at the cost of one vector copy per sweep.

// Index loops mirror the Thomas / elimination formulas; iterator forms would obscure them.
#![allow(clippy::needless_range_loop)]

use rayon::prelude::*;

use crate::stencil::{Operator, Upstream};

/// Scratch space for one column.
struct ColumnWork {
    d: Vec<f64>,
    r: Vec<f64>,
    cp: Vec<f64>,
    inv: Vec<f64>,
    y: Vec<f64>,
    z: Vec<Vec<f64>>,
    active: Vec<(usize, f64, f64)>,
    /// u-line scratch (length nu).
    ud: Vec<f64>,
    ur: Vec<f64>,
    ucp: Vec<f64>,
    uinv: Vec<f64>,
}

impl ColumnWork {
    fn new(nz: usize, nfl: usize, nu: usize) -> Self {
        ColumnWork {
            d: vec![0.0; nz],
            r: vec![0.0; nz],
            cp: vec![0.0; nz],
            inv: vec![0.0; nz],
            y: vec![0.0; nz],
            z: vec![vec![0.0; nz]; nfl],
            active: Vec::with_capacity(nfl),
            ud: vec![0.0; nu],
            ur: vec![0.0; nu],
            ucp: vec![0.0; nu],
            uinv: vec![0.0; nu],
        }
    }
}

#[inline]
fn add_neighbour(d: &mut [f64], r: &mut [f64], g: &[f64], xn: &[f64]) {
    for (((di, ri), gi), xi) in d.iter_mut().zip(r.iter_mut()).zip(g).zip(xn) {
        *di += gi;
        *ri += gi * xi;
    }
}

/// Solve with the factored tridiagonal (sub/super diagonal −gz) in place.
#[inline]
fn thomas_solve(gz: &[f64], cp: &[f64], inv: &[f64], x: &mut [f64]) {
    let nz = x.len();
    x[0] *= inv[0];
    for k in 1..nz {
        x[k] = (x[k] + gz[k - 1] * x[k - 1]) * inv[k];
    }
    for k in (0..nz - 1).rev() {
        x[k] -= cp[k] * x[k + 1];
    }
}

impl Operator {
    /// One red-black sweep of column relaxation on `x` for right-hand side `b`.
    /// `old` is scratch of the same length as `x`.
    pub fn smooth(&self, b: &[f64], x: &mut [f64], old: &mut [f64]) {
        let ll = self.line_len();
        // Heights of the channel layers: relaxed by u-lines as well.
        let mut ulines: Vec<usize> = self
            .fluids
            .iter()
            .flat_map(|f| f.k0..f.k0 + f.nzl)
            .collect();
        ulines.sort_unstable();
        ulines.dedup();
        for colour in 0..2 {
            old.par_chunks_mut(ll)
                .zip(x.par_chunks(ll))
                .enumerate()
                .filter(|(v, _)| v % 2 != colour)
                .for_each(|(_, (o, xl))| o.copy_from_slice(xl));
            let old_ro: &[f64] = old;
            x.par_chunks_mut(ll)
                .enumerate()
                .filter(|(v, _)| v % 2 == colour)
                .for_each_init(
                    || ColumnWork::new(self.nz, self.fluids.len(), self.nu),
                    |w, (v, xl)| {
                        for u in 0..self.nu {
                            self.relax_column(u, v, b, xl, old_ro, w);
                        }
                        for &k in &ulines {
                            self.relax_uline(k, v, b, xl, old_ro, w);
                        }
                        if !ulines.is_empty() {
                            self.update_fluids(v, b, xl, old_ro);
                        }
                    },
                );
        }
        let cross = self.cross_flow_heights();
        if !cross.is_empty() {
            self.relax_vlines(&cross, b, x);
        }
    }

    fn relax_column(
        &self,
        u: usize,
        v: usize,
        b: &[f64],
        xl: &mut [f64],
        old: &[f64],
        w: &mut ColumnWork,
    ) {
        let (nz, nc, nu) = (self.nz, self.ncomp(), self.nu);
        let c = v * nu + u;
        w.d.copy_from_slice(&self.gb[c * nz..(c + 1) * nz]);
        w.r.copy_from_slice(&b[c * nc..c * nc + nz]);
        if u > 0 {
            add_neighbour(
                &mut w.d,
                &mut w.r,
                &self.gu[(c - 1) * nz..c * nz],
                &xl[(u - 1) * nc..(u - 1) * nc + nz],
            );
        }
        if u + 1 < nu {
            add_neighbour(
                &mut w.d,
                &mut w.r,
                &self.gu[c * nz..(c + 1) * nz],
                &xl[(u + 1) * nc..(u + 1) * nc + nz],
            );
        }
        if v > 0 {
            let cn = c - nu;
            add_neighbour(
                &mut w.d,
                &mut w.r,
                &self.gv[cn * nz..(cn + 1) * nz],
                &old[cn * nc..cn * nc + nz],
            );
        }
        if v + 1 < self.nv {
            let cn = c + nu;
            add_neighbour(
                &mut w.d,
                &mut w.r,
                &self.gv[c * nz..(c + 1) * nz],
                &old[cn * nc..cn * nc + nz],
            );
        }
        let gz = &self.gz[c * nz..(c + 1) * nz];
        for k in 0..nz - 1 {
            w.d[k] += gz[k];
            w.d[k + 1] += gz[k];
        }
        w.active.clear();
        for (g, fg) in self.fluids.iter().enumerate() {
            let bf = b[c * nc + nz + g];
            if !self.fluid_active(g, c) {
                xl[u * nc + nz + g] = bf;
                continue;
            }
            let gsf = &fg.gsf[c * fg.nzl..(c + 1) * fg.nzl];
            let mut dsum = fg.cdiag[c];
            for (kk, &gk) in gsf.iter().enumerate() {
                w.d[fg.k0 + kk] += gk;
                dsum += gk;
            }
            let mut rf = bf;
            if let Some((uu, vv)) = fg.upstream.of(u, v, nu, self.nv) {
                let up = if vv == v {
                    xl[uu * nc + nz + g]
                } else {
                    old[(vv * nu + uu) * nc + nz + g]
                };
                rf += fg.cup[c] * up;
            }
            w.active.push((g, dsum, rf));
        }
        // Factor the tridiagonal.
        let mut den = w.d[0];
        w.inv[0] = 1.0 / den;
        for k in 1..nz {
            w.cp[k - 1] = -gz[k - 1] * w.inv[k - 1];
            den = w.d[k] + gz[k - 1] * w.cp[k - 1];
            w.inv[k] = 1.0 / den;
        }
        w.y.copy_from_slice(&w.r);
        thomas_solve(gz, &w.cp, &w.inv, &mut w.y);
        let xs_off = u * nc;
        match w.active.len() {
            0 => xl[xs_off..xs_off + nz].copy_from_slice(&w.y),
            _ => self.solve_bordered(c, gz, w, &mut xl[xs_off..xs_off + nc]),
        }
    }

    /// Schur elimination of the column's fluid unknowns (see the module doc).
    fn solve_bordered(&self, c: usize, gz: &[f64], w: &mut ColumnWork, xc: &mut [f64]) {
        let nz = self.nz;
        let m = w.active.len();
        for (i, &(g, _, _)) in w.active.iter().enumerate() {
            let fg = &self.fluids[g];
            let z = &mut w.z[i];
            z.iter_mut().for_each(|v| *v = 0.0);
            z[fg.k0..fg.k0 + fg.nzl].copy_from_slice(&fg.gsf[c * fg.nzl..(c + 1) * fg.nzl]);
            thomas_solve(gz, &w.cp, &w.inv, z);
        }
        // Small dense system S θ_f = q, S_ij = D_i δ_ij − G_iᵀ z_j, q_i = r_f,i + G_iᵀ y₀.
        let mut s = [[0.0f64; 8]; 8];
        let mut q = [0.0f64; 8];
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
        let mut tf = [0.0f64; 8];
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

impl Operator {
    /// Exact solve along u of the solid cells at height `k` in line `v` (z and v neighbours and
    /// the coolant held at their current values). The fin layers are strongly anisotropic in
    /// plane (conduction along the fins ≫ across them), which point or column relaxation cannot
    /// smooth; a line solve along the strong direction can.
    fn relax_uline(
        &self,
        k: usize,
        v: usize,
        b: &[f64],
        xl: &mut [f64],
        old: &[f64],
        w: &mut ColumnWork,
    ) {
        let (nz, nc, nu) = (self.nz, self.ncomp(), self.nu);
        for u in 0..nu {
            let c = v * nu + u;
            let s = c * nz + k;
            let mut d = self.gb[s];
            let mut r = b[c * nc + k];
            if k > 0 {
                d += self.gz[s - 1];
                r += self.gz[s - 1] * xl[u * nc + k - 1];
            }
            if k + 1 < nz {
                d += self.gz[s];
                r += self.gz[s] * xl[u * nc + k + 1];
            }
            if v > 0 {
                let g = self.gv[s - nu * nz];
                d += g;
                r += g * old[(c - nu) * nc + k];
            }
            if v + 1 < self.nv {
                let g = self.gv[s];
                d += g;
                r += g * old[(c + nu) * nc + k];
            }
            if u > 0 {
                d += self.gu[s - nz];
            }
            if u + 1 < nu {
                d += self.gu[s];
            }
            for (g, fg) in self.fluids.iter().enumerate() {
                if k >= fg.k0 && k < fg.k0 + fg.nzl && self.fluid_active(g, c) {
                    let gk = fg.gsf[c * fg.nzl + k - fg.k0];
                    d += gk;
                    r += gk * xl[u * nc + nz + g];
                }
            }
            w.ud[u] = d;
            w.ur[u] = r;
        }
        // Thomas along u; off-diagonals −gu.
        let gu = |u: usize| self.gu[(v * nu + u) * nz + k];
        w.uinv[0] = 1.0 / w.ud[0];
        for u in 1..nu {
            w.ucp[u - 1] = -gu(u - 1) * w.uinv[u - 1];
            w.uinv[u] = 1.0 / (w.ud[u] + gu(u - 1) * w.ucp[u - 1]);
        }
        w.ur[0] *= w.uinv[0];
        for u in 1..nu {
            w.ur[u] = (w.ur[u] + gu(u - 1) * w.ur[u - 1]) * w.uinv[u];
        }
        for u in (0..nu - 1).rev() {
            w.ur[u] -= w.ucp[u] * w.ur[u + 1];
        }
        for u in 0..nu {
            xl[u * nc + k] = w.ur[u];
        }
    }

    /// Re-solve the coolant of line `v` for the current solid, in flow order.
    fn update_fluids(&self, v: usize, b: &[f64], xl: &mut [f64], old: &[f64]) {
        let (nz, nc, nu) = (self.nz, self.ncomp(), self.nu);
        for (g, fg) in self.fluids.iter().enumerate() {
            let mut one = |u: usize| {
                let c = v * nu + u;
                if !self.fluid_active(g, c) {
                    return;
                }
                let gsf = &fg.gsf[c * fg.nzl..(c + 1) * fg.nzl];
                let mut dsum = fg.cdiag[c];
                let mut r = b[c * nc + nz + g];
                for (kk, gk) in gsf.iter().enumerate() {
                    dsum += gk;
                    r += gk * xl[u * nc + fg.k0 + kk];
                }
                if let Some((uu, vv)) = fg.upstream.of(u, v, nu, self.nv) {
                    let up = if vv == v {
                        xl[uu * nc + nz + g]
                    } else {
                        old[(vv * nu + uu) * nc + nz + g]
                    };
                    r += fg.cup[c] * up;
                }
                xl[u * nc + nz + g] = r / dsum;
            };
            match fg.upstream {
                Upstream::NextU => (0..nu).rev().for_each(&mut one),
                _ => (0..nu).for_each(&mut one),
            }
        }
    }
}
