//! Coarsening for the multigrid hierarchy (`multigrid`): agglomeration of the (u, v) plane,
//! never in z, and the interpolation tables of the transfers.
//!
//! ## Aggregates follow material jumps
//! Each axis is split into aggregates of two cells, or of one cell where a pair would straddle a
//! material jump ([`jumps`], [`partition`]); the 2-D aggregates are their tensor product. An
//! aggregate holds one coarse value per layer, and bilinear interpolation from aggregate centres
//! cannot represent an error that jumps in the middle of an aggregate, which is what the error
//! does across a strong jump (smooth on each side, different across): aggregates must not
//! straddle one (fin-field walls, where copper meets a fin array conducting far less across the
//! fins). Jumps are few, so the level sizes stay those of plain pairing ± 1 per axis;
//! `partition` only guarantees that an axis shrinks by a quarter, which keeps the coarsening
//! from stalling where every face looks like a jump.
//!
//! ## Coarse operator
//! z conductances, boundary conductances, solid–fluid exchange and the advective ṁc_p terms are
//! summed over the aggregate: the Galerkin product with piecewise-constant transfer, so the
//! coarse coolant is conservative. An in-plane face between aggregates A and B gets, per fine
//! row and layer, the fine face on it times (fine centre distance)/(coarse centre distance) —
//! ½ on a uniform grid, ⅔ next to a one-cell aggregate. This is exactly the 1-D Galerkin
//! product R·A·P of the transfers (R sums over the aggregate, P interpolates linearly between
//! centres): in R·A·P the faces inside an aggregate cancel, and the face A|B contributes
//! g·(P[first of B, B] − P[last of A, B]) = g·d_fine/d_coarse. It must match the transfers,
//! not the physics: a series combination of half-aggregate resistances converges worse.

use rayon::prelude::*;

use crate::numerics::operator::{FluidGroup, Operator};
use crate::numerics::vector::zeros;

/// One coarse line's output slices of gu, gv, gz, gb in [`coarsen`].
type CoarseLine<'a> = (
    usize,
    (
        (&'a mut [f64], &'a mut [f64]),
        (&'a mut [f64], &'a mut [f64]),
    ),
);

/// A face is a material jump when the layer-summed conductance per unit length of the stronger
/// of its two neighbouring faces along the axis exceeds this multiple of its own (exactly 1 on a
/// homogeneous grid, whatever the widths). It sits between the score of fin-field walls along
/// the flow (split) and of a field's inlet and outlet ends (left alone: splitting those does
/// not help the cycle).
pub const JUMP_RATIO: f64 = 1.5;

/// The transfer data of one axis between a level and the next coarser one.
#[derive(Debug, Clone, PartialEq)]
pub struct Interp {
    /// Coarse aggregate of each fine cell.
    pub agg: Vec<usize>,
    /// First fine cell of each aggregate, then the fine size (`ncoarse + 1` entries).
    pub first: Vec<usize>,
    /// Linear interpolation between aggregate centres: fine cell → (coarse a, coarse b, weight
    /// of a); a one-cell aggregate's cell takes its aggregate's value.
    pub taps: Vec<(usize, usize, f64)>,
}

/// Cell centres of widths `w` (from 0).
pub(crate) fn centres(w: &[f64]) -> Vec<f64> {
    let mut acc = 0.0;
    w.iter()
        .map(|wi| {
            let c = acc + 0.5 * wi;
            acc += wi;
            c
        })
        .collect()
}

/// Split `n` cells into aggregates of two, or of one where a pair would contain a face marked in
/// `jump` (`n − 1` faces; face i lies between cells i and i + 1). Falls back to plain pairs
/// when that would shrink the axis by less than a quarter, so every level coarsens. Returns the
/// first cell of each aggregate, then `n`.
pub fn partition(jump: &[bool], n: usize) -> Vec<usize> {
    let split = |avoid: bool| {
        let mut first = Vec::with_capacity(n / 2 + 2);
        let mut i = 0;
        while i < n {
            first.push(i);
            i += if i + 1 < n && !(avoid && jump[i]) {
                2
            } else {
                1
            };
        }
        first.push(n);
        first
    };
    let first = split(true);
    if 4 * (first.len() - 1) > 3 * n {
        split(false)
    } else {
        first
    }
}

/// Transfer data of one axis from its aggregates `first`, fine widths `wf`, coarse widths `wc`.
pub fn interp_table(first: Vec<usize>, wf: &[f64], wc: &[f64]) -> Interp {
    let (pf, pc) = (centres(wf), centres(wc));
    let nc = wc.len();
    let mut agg = vec![0; wf.len()];
    for (a, w) in first.windows(2).enumerate() {
        agg[w[0]..w[1]].iter_mut().for_each(|x| *x = a);
    }
    let taps = pf
        .iter()
        .zip(&agg)
        .map(|(&p, &a)| {
            let (lo, hi) = if p < pc[a] && a > 0 {
                (a - 1, a)
            } else if p > pc[a] && a + 1 < nc {
                (a, a + 1)
            } else {
                return (a, a, 1.0);
            };
            (lo, hi, (pc[hi] - p) / (pc[hi] - pc[lo]))
        })
        .collect();
    Interp { agg, first, taps }
}

/// Material jumps along u (`along_u`) or v: face i (between cells i and i + 1) is marked when
/// its ratio Σ max(κ_{i−1}, κ_{i+1}) / Σ κ_i, summed over all rows and layers, exceeds
/// [`JUMP_RATIO`] and is not below its neighbours' ratios, with κ = g · (centre distance) the
/// face's conductance per unit length (width-independent). The
/// sums weight each layer by its conductance: a jump in a thin, poorly conducting layer (an
/// underfill with bumps) hardly matters to the error, one in the thick copper fin layer does.
pub fn jumps(f: &Operator, along_u: bool) -> Vec<bool> {
    let (n, m, w, g) = if along_u {
        (f.nu, f.nv, &f.wu, &f.gu)
    } else {
        (f.nv, f.nu, &f.wv, &f.gv)
    };
    let nz = f.nz;
    // κ of face i summed over layers, in row j.
    let kappa = |i: usize, j: usize| -> f64 {
        let c = if along_u { j * f.nu + i } else { i * f.nu + j };
        0.5 * (w[i] + w[i + 1]) * g[c * nz..(c + 1) * nz].iter().sum::<f64>()
    };
    let per_layer = |i: usize, j: usize, k: usize| -> f64 {
        let c = if along_u { j * f.nu + i } else { i * f.nu + j };
        0.5 * (w[i] + w[i + 1]) * g[c * nz + k]
    };
    // Faces in chunks, one task each; inside a chunk the rows are the outer loop, so a row's
    // faces are read together (u faces of one row are contiguous), and each face's sums run
    // over rows and layers in the same order as a plain double loop.
    const CHUNK: usize = 32;
    let nf = n.saturating_sub(1);
    let score = |i0: usize| -> Vec<f64> {
        let i1 = (i0 + CHUNK).min(nf);
        let mut s = vec![(0.0, 0.0); i1 - i0];
        for j in 0..m {
            for (i, (own, nb)) in (i0..i1).zip(s.iter_mut()) {
                *own += kappa(i, j);
                for k in 0..nz {
                    let lo = if i > 0 { per_layer(i - 1, j, k) } else { 0.0 };
                    let hi = if i + 2 < n {
                        per_layer(i + 1, j, k)
                    } else {
                        0.0
                    };
                    *nb += lo.max(hi);
                }
            }
        }
        s.into_iter()
            .map(|(own, nb)| if own > 0.0 { nb / own } else { f64::INFINITY })
            .collect()
    };
    let ratio: Vec<f64> = (0..nf.div_ceil(CHUNK))
        .into_par_iter()
        .flat_map_iter(|c| score(c * CHUNK))
        .collect();
    // Only the face at the step itself: the next face into the weaker side scores up to 2 as
    // well (the step face, harmonic of both sides, conducts up to twice the weaker side).
    (0..ratio.len())
        .map(|i| {
            ratio[i] > JUMP_RATIO
                && (i == 0 || ratio[i] >= ratio[i - 1])
                && (i + 1 == ratio.len() || ratio[i] >= ratio[i + 1])
        })
        .collect()
}

/// Agglomerate a fine operator into the next coarser one (see the module doc); returns it with
/// the transfer data along u and along v.
pub fn coarsen(f: &Operator) -> (Operator, Interp, Interp) {
    let (nu, nv, nz) = (f.nu, f.nv, f.nz);
    let fu = partition(&jumps(f, true), nu);
    let fv = partition(&jumps(f, false), nv);
    let (cu, cv) = (fu.len() - 1, fv.len() - 1);
    let sum_w = |first: &[usize], w: &[f64]| -> Vec<f64> {
        first
            .windows(2)
            .map(|a| w[a[0]..a[1]].iter().sum())
            .collect()
    };
    let (wu, wv) = (sum_w(&fu, &f.wu), sum_w(&fv, &f.wv));
    let iu = interp_table(fu, &f.wu, &wu);
    let iv = interp_table(fv, &f.wv, &wv);
    let ncol = cu * cv;
    // Each coarse line (its output rows contiguous) is one task; within a coarse cell the fine
    // contributions are added in (v, u) order.
    let (mut gu, mut gv) = (zeros(ncol * nz), zeros(ncol * nz));
    let (mut gz, mut gb) = (zeros(ncol * nz), zeros(ncol * nz));
    let fine = |u: usize, v: usize| v * nu + u;
    let line = |(cvv, ((gu, gv), (gz, gb))): CoarseLine| {
        for v in iv.first[cvv]..iv.first[cvv + 1] {
            for u in 0..nu {
                let (c, cc) = (fine(u, v), iu.agg[u]);
                for k in 0..nz {
                    gz[cc * nz + k] += f.gz[c * nz + k];
                    gb[cc * nz + k] += f.gb[c * nz + k];
                }
            }
        }
        for cuu in 0..cu {
            if cuu + 1 < cu {
                let ul = iu.first[cuu + 1] - 1;
                let s = (f.wu[ul] + f.wu[ul + 1]) / (wu[cuu] + wu[cuu + 1]);
                for v in iv.first[cvv]..iv.first[cvv + 1] {
                    let c = fine(ul, v);
                    for k in 0..nz {
                        gu[cuu * nz + k] += s * f.gu[c * nz + k];
                    }
                }
            }
            if cvv + 1 < cv {
                let vl = iv.first[cvv + 1] - 1;
                let s = (f.wv[vl] + f.wv[vl + 1]) / (wv[cvv] + wv[cvv + 1]);
                for u in iu.first[cuu]..iu.first[cuu + 1] {
                    let c = fine(u, vl);
                    for k in 0..nz {
                        gv[cuu * nz + k] += s * f.gv[c * nz + k];
                    }
                }
            }
        }
    };
    let l = cu * nz;
    gu.par_chunks_mut(l)
        .zip(gv.par_chunks_mut(l))
        .zip(gz.par_chunks_mut(l).zip(gb.par_chunks_mut(l)))
        .enumerate()
        .for_each(line);
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
                    let ac = (iu.agg[u], iv.agg[v]);
                    let cc = ac.1 * cu + ac.0;
                    for kk in 0..fg.nzl {
                        gsf[cc * fg.nzl + kk] += fg.gsf[c * fg.nzl + kk];
                    }
                    cdiag[cc] += fg.cdiag[c];
                    // Flow between two cells of one aggregate stays inside it.
                    match fg.upstream.of(u, v, nu, nv) {
                        Some((uu, vv)) if (iu.agg[uu], iv.agg[vv]) == ac => cdiag[cc] -= fg.cup[c],
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
    let op = Operator {
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
    };
    (op, iu, iv)
}

#[cfg(test)]
pub(crate) mod tests;
