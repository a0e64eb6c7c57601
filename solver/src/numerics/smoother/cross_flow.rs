//! Line relaxation across the lines: for channel fields whose flow runs along v (across the
//! solver's lines, when a design mixes flow axes), their fins conduct along v and their coolant
//! is advected along v. The parallel line smoother (`smoother`) sees neither as a line; this
//! sequential pass solves each v-line of those channel layers exactly (tridiagonal in v with
//! z and u neighbours and the coolant held) and then re-solves their coolant in flow order.
//! It touches one z plane per such group, so its cost is small next to the column sweep.

use crate::numerics::operator::{Operator, Upstream};

impl Operator {
    /// Heights (z indices) of fluid groups flowing along ±v.
    pub(crate) fn cross_flow_heights(&self) -> Vec<usize> {
        let mut ks: Vec<usize> = self
            .fluids
            .iter()
            .filter(|f| matches!(f.upstream, Upstream::PrevV | Upstream::NextV))
            .flat_map(|f| f.k0..f.k0 + f.nzl)
            .collect();
        ks.sort_unstable();
        ks.dedup();
        ks
    }

    /// Exact v-line solves at heights `ks`, then a coolant update of the ±v groups.
    pub(crate) fn relax_vlines(&self, ks: &[usize], b: &[f64], x: &mut [f64]) {
        let (nz, nc, nu, nv) = (self.nz, self.ncomp(), self.nu, self.nv);
        let (mut d, mut r, mut cp, mut inv) =
            (vec![0.0; nv], vec![0.0; nv], vec![0.0; nv], vec![0.0; nv]);
        for &k in ks {
            for u in 0..nu {
                for v in 0..nv {
                    let c = v * nu + u;
                    let s = c * nz + k;
                    let (mut dd, mut rr) = (self.gb[s], b[c * nc + k]);
                    if k > 0 {
                        dd += self.gz[s - 1];
                        rr += self.gz[s - 1] * x[c * nc + k - 1];
                    }
                    if k + 1 < nz {
                        dd += self.gz[s];
                        rr += self.gz[s] * x[c * nc + k + 1];
                    }
                    if u > 0 {
                        dd += self.gu[s - nz];
                        rr += self.gu[s - nz] * x[(c - 1) * nc + k];
                    }
                    if u + 1 < nu {
                        dd += self.gu[s];
                        rr += self.gu[s] * x[(c + 1) * nc + k];
                    }
                    if v > 0 {
                        dd += self.gv[s - nu * nz];
                    }
                    if v + 1 < nv {
                        dd += self.gv[s];
                    }
                    for (g, fg) in self.fluids.iter().enumerate() {
                        if k >= fg.k0 && k < fg.k0 + fg.nzl && self.fluid_active(g, c) {
                            let gk = fg.gsf[c * fg.nzl + k - fg.k0];
                            dd += gk;
                            rr += gk * x[c * nc + nz + g];
                        }
                    }
                    d[v] = dd;
                    r[v] = rr;
                }
                let gv = |v: usize| self.gv[(v * nu + u) * nz + k];
                inv[0] = 1.0 / d[0];
                for v in 1..nv {
                    cp[v - 1] = -gv(v - 1) * inv[v - 1];
                    inv[v] = 1.0 / (d[v] + gv(v - 1) * cp[v - 1]);
                }
                r[0] *= inv[0];
                for v in 1..nv {
                    r[v] = (r[v] + gv(v - 1) * r[v - 1]) * inv[v];
                }
                for v in (0..nv - 1).rev() {
                    r[v] -= cp[v] * r[v + 1];
                }
                for v in 0..nv {
                    x[(v * nu + u) * nc + k] = r[v];
                }
            }
        }
        for (g, fg) in self.fluids.iter().enumerate() {
            let order: Box<dyn Iterator<Item = usize>> = match fg.upstream {
                Upstream::PrevV => Box::new(0..nv),
                Upstream::NextV => Box::new((0..nv).rev()),
                _ => continue,
            };
            for v in order {
                for u in 0..nu {
                    let c = v * nu + u;
                    if !self.fluid_active(g, c) {
                        continue;
                    }
                    let mut dsum = fg.cdiag[c];
                    let mut rr = b[c * nc + nz + g];
                    for kk in 0..fg.nzl {
                        let gk = fg.gsf[c * fg.nzl + kk];
                        dsum += gk;
                        rr += gk * x[c * nc + fg.k0 + kk];
                    }
                    if let Some((uu, vv)) = fg.upstream.of(u, v, nu, nv) {
                        rr += fg.cup[c] * x[(vv * nu + uu) * nc + nz + g];
                    }
                    x[c * nc + nz + g] = rr / dsum;
                }
            }
        }
    }
}
