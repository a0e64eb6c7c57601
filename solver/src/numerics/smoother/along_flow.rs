//! The u-line pass of the smoother: in the channel layers, an exact solve along
//! the flow direction u of each line's solid cells, then the line's coolant re-solved in flow
//! order. The fin layers are strongly anisotropic in plane (conduction along the fins ≫ across
//! them), which column relaxation alone cannot smooth. Reads the neighbour lines through the
//! same (previous, current, next) borrows as the column sweep.

use super::{ColumnWork, Line};
use crate::numerics::operator::{Operator, Upstream};

impl Operator {
    /// Exact solve along u of the solid cells at height `k` in line `v` (z and v neighbours and
    /// the coolant held at their current values). The fin layers are strongly anisotropic in
    /// plane (conduction along the fins ≫ across them), which point or column relaxation cannot
    /// smooth; a line solve along the strong direction can.
    pub(crate) fn relax_uline(
        &self,
        k: usize,
        line: &Line,
        b: &[f64],
        xl: &mut [f64],
        w: &mut ColumnWork,
    ) {
        let (nz, nc, nu, v) = (self.nz, self.ncomp(), self.nu, line.v);
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
            if let Some(p) = line.prev {
                let g = self.gv[s - nu * nz];
                d += g;
                r += g * p[u * nc + k];
            }
            if let Some(n) = line.next {
                let g = self.gv[s];
                d += g;
                r += g * n[u * nc + k];
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
    pub(crate) fn update_fluids(&self, line: &Line, b: &[f64], xl: &mut [f64]) {
        let (nz, nc, nu, v) = (self.nz, self.ncomp(), self.nu, line.v);
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
                    let i = uu * nc + nz + g;
                    let up = if vv == v { xl[i] } else { line.other(vv, i) };
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
