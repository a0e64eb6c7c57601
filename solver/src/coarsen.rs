//! Coarsening for the multigrid hierarchy (`multigrid.rs`): 2×2 agglomeration of the (u, v)
//! plane, never in z, and the bilinear interpolation tables of the transfers.

use crate::stencil::{FluidGroup, Operator};

/// Linear interpolation weights: fine index → (coarse a, coarse b, weight of a).
pub(crate) type Interp = Vec<(usize, usize, f64)>;

fn centres(w: &[f64]) -> Vec<f64> {
    let mut acc = 0.0;
    w.iter()
        .map(|wi| {
            let c = acc + 0.5 * wi;
            acc += wi;
            c
        })
        .collect()
}

fn coarse_widths(w: &[f64]) -> Vec<f64> {
    w.chunks(2).map(|c| c.iter().sum()).collect()
}

pub(crate) fn interp_table(wf: &[f64], wc: &[f64]) -> Interp {
    let (pf, pc) = (centres(wf), centres(wc));
    let nc = wc.len();
    pf.iter()
        .enumerate()
        .map(|(i, &p)| {
            let a = i / 2;
            let (lo, hi) = if p < pc[a] && a > 0 {
                (a - 1, a)
            } else if p > pc[a] && a + 1 < nc {
                (a, a + 1)
            } else {
                return (a, a, 1.0);
            };
            (lo, hi, (pc[hi] - p) / (pc[hi] - pc[lo]))
        })
        .collect()
}

/// Agglomerate a fine operator into the next coarser one.
pub fn coarsen(f: &Operator) -> Operator {
    let (nu, nv, nz) = (f.nu, f.nv, f.nz);
    let (cu, cv) = (nu.div_ceil(2), nv.div_ceil(2));
    let wu = coarse_widths(&f.wu);
    let wv = coarse_widths(&f.wv);
    let ncol = cu * cv;
    let mut gu = vec![0.0; ncol * nz];
    let mut gv = vec![0.0; ncol * nz];
    let mut gz = vec![0.0; ncol * nz];
    let mut gb = vec![0.0; ncol * nz];
    let fine = |u: usize, v: usize| v * nu + u;
    for cvv in 0..cv {
        for cuu in 0..cu {
            let cc = cvv * cu + cuu;
            let us = 2 * cuu..(2 * cuu + 2).min(nu);
            let vs = 2 * cvv..(2 * cvv + 2).min(nv);
            for v in vs.clone() {
                for u in us.clone() {
                    let c = fine(u, v);
                    for k in 0..nz {
                        gz[cc * nz + k] += f.gz[c * nz + k];
                        gb[cc * nz + k] += f.gb[c * nz + k];
                    }
                }
            }
            if cuu + 1 < cu {
                let ul = 2 * cuu + 1;
                let s = (f.wu[ul] + f.wu[ul + 1]) / (wu[cuu] + wu[cuu + 1]);
                for v in vs.clone() {
                    let c = fine(ul, v);
                    for k in 0..nz {
                        gu[cc * nz + k] += s * f.gu[c * nz + k];
                    }
                }
            }
            if cvv + 1 < cv {
                let vl = 2 * cvv + 1;
                let s = (f.wv[vl] + f.wv[vl + 1]) / (wv[cvv] + wv[cvv + 1]);
                for u in us.clone() {
                    let c = fine(u, vl);
                    for k in 0..nz {
                        gv[cc * nz + k] += s * f.gv[c * nz + k];
                    }
                }
            }
        }
    }
    let fluids = f
        .fluids
        .iter()
        .map(|fg| {
            let mut gsf = vec![0.0; ncol * fg.nzl];
            let mut cdiag = vec![0.0; ncol];
            let mut cup = vec![0.0; ncol];
            for v in 0..nv {
                for u in 0..nu {
                    let c = fine(u, v);
                    if fg.cdiag[c] <= 0.0 {
                        continue;
                    }
                    let cc = (v / 2) * cu + u / 2;
                    for kk in 0..fg.nzl {
                        gsf[cc * fg.nzl + kk] += fg.gsf[c * fg.nzl + kk];
                    }
                    cdiag[cc] += fg.cdiag[c];
                    match fg.upstream.of(u, v, nu, nv) {
                        Some((uu, vv)) if (uu / 2, vv / 2) == (u / 2, v / 2) => {
                            cdiag[cc] -= fg.cup[c]
                        }
                        _ => cup[cc] += fg.cup[c],
                    }
                }
            }
            FluidGroup {
                k0: fg.k0,
                nzl: fg.nzl,
                upstream: fg.upstream,
                gsf,
                cdiag,
                cup,
            }
        })
        .collect();
    Operator {
        nu: cu,
        nv: cv,
        nz,
        gu,
        gv,
        gz,
        gb,
        fluids,
        wu,
        wv,
    }
}

/// A small random operator (odd sizes, one coolant group along +u) from a fixed LCG, for tests.
#[cfg(test)]
pub(crate) fn random_op(nu: usize, nv: usize, nz: usize) -> Operator {
    use crate::stencil::Upstream;
    let mut seed = 12345u64;
    let mut rnd = move || {
        seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        0.1 + (seed >> 11) as f64 / (1u64 << 53) as f64
    };
    let n = nu * nv * nz;
    let mut gen = |n: usize| (0..n).map(|_| rnd()).collect::<Vec<f64>>();
    let (mut gu, mut gv, gz, gb) = (gen(n), gen(n), gen(n), gen(n));
    for v in 0..nv {
        for k in 0..nz {
            gu[((v * nu) + nu - 1) * nz + k] = 0.0;
        }
    }
    for u in 0..nu {
        for k in 0..nz {
            gv[((nv - 1) * nu + u) * nz + k] = 0.0;
        }
    }
    let ncol = nu * nv;
    let cdiag = vec![2.0; ncol];
    let cup: Vec<f64> = (0..ncol)
        .map(|c| if c % nu == 0 { 0.0 } else { 2.0 })
        .collect();
    let fluid = FluidGroup {
        k0: nz - 1,
        nzl: 1,
        upstream: Upstream::PrevU,
        gsf: gen(ncol),
        cdiag,
        cup,
    };
    Operator {
        nu,
        nv,
        nz,
        gu,
        gv,
        gz,
        gb,
        fluids: vec![fluid],
        wu: vec![1e-3; nu],
        wv: vec![1e-3; nv],
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn coarsening_conserves_sinks_and_coolant_flow() {
        let f = random_op(7, 5, 3);
        let c = coarsen(&f);
        assert_eq!((c.nu, c.nv), (4, 3));
        let sum = |v: &[f64]| v.iter().sum::<f64>();
        // Agglomeration keeps every sink (boundary, z, exchange) exactly: ±1e-12 rounding.
        assert!((sum(&f.gb) - sum(&c.gb)).abs() < 1e-12);
        assert!((sum(&f.gz) - sum(&c.gz)).abs() < 1e-12);
        assert!((sum(&f.fluids[0].gsf) - sum(&c.fluids[0].gsf)).abs() < 1e-12);
        // ṁc_p entering from the inlet (cdiag − cup summed) is the same on both levels.
        let inflow = |o: &Operator| sum(&o.fluids[0].cdiag) - sum(&o.fluids[0].cup);
        let outflow_f = inflow(&f);
        assert!(
            (outflow_f - inflow(&c)).abs() < 1e-12,
            "{outflow_f} vs {}",
            inflow(&c)
        );
    }

    #[test]
    fn interpolation_weights_are_a_partition_of_unity() {
        let wf = vec![1.0; 9];
        let wc = coarse_widths(&wf);
        for (a, b, w) in interp_table(&wf, &wc) {
            assert!((0.0..=1.0).contains(&w) && a < wc.len() && b < wc.len());
        }
        // A linear function is reproduced away from the ends (bilinear = 2nd-order prolongation).
        let (pf, pc) = (centres(&wf), centres(&wc));
        for (i, (a, b, w)) in interp_table(&wf, &wc)
            .into_iter()
            .enumerate()
            .skip(1)
            .take(6)
        {
            assert!((w * pc[a] + (1.0 - w) * pc[b] - pf[i]).abs() < 1e-12);
        }
    }
}
