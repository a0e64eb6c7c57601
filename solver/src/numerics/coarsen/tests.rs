//! Unit tests of the coarsening against analytic properties (conservation, Galerkin product,
//! jump detection, partition).
#![allow(clippy::unwrap_used)]

use super::*;
use crate::numerics::operator::Upstream;

/// A 1-D operator (one row, one layer, no coolant) with face conductances `g` (`n − 1`
/// faces) and cell widths `w`.
fn line_op(g: &[f64], w: &[f64]) -> Operator {
    let n = w.len();
    let mut gu = g.to_vec();
    gu.push(0.0);
    Operator {
        nu: n,
        nv: 1,
        nz: 1,
        gu,
        gv: vec![0.0; n],
        gz: vec![0.0; n],
        gb: vec![1.0; n],
        fluids: Vec::new(),
        wu: w.to_vec(),
        wv: vec![1.0],
    }
}

#[test]
fn coarsening_conserves_sinks_and_coolant_flow() {
    let f = random_op(7, 5, 3);
    let (c, _, _) = coarsen(&f);
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
fn coarsening_conserves_with_one_cell_aggregates() {
    // Faces along v conduct 1 up to face 1|2 and 0.1 from face 2|3 on (a step between cells 2 and 3),
    // so face 2|3 is a jump: v aggregates {0,1} {2} {3,4} {5,6}, and the one-cell
    // aggregate {2} shifts the coolant stream's pairing along v.
    let mut f = random_op(5, 7, 2);
    for v in 0..6 {
        for k in 0..10 {
            f.gv[v * 10 + k] = if v < 2 { 1.0 } else { 0.1 };
        }
    }
    f.fluids[0].upstream = Upstream::PrevV;
    for c in 0..35 {
        f.fluids[0].cup[c] = if c < 5 { 0.0 } else { 2.0 };
    }
    let (c, _, iv) = coarsen(&f);
    assert_eq!(iv.first, vec![0, 2, 3, 5, 7]);
    let sum = |v: &[f64]| v.iter().sum::<f64>();
    // Exact up to rounding of ~50 terms of order 1: 1e-12.
    assert!((sum(&f.gb) - sum(&c.gb)).abs() < 1e-12);
    assert!((sum(&f.gz) - sum(&c.gz)).abs() < 1e-12);
    assert!((sum(&f.fluids[0].gsf) - sum(&c.fluids[0].gsf)).abs() < 1e-12);
    let inflow = |o: &Operator| sum(&o.fluids[0].cdiag) - sum(&o.fluids[0].cup);
    assert!((inflow(&f) - inflow(&c)).abs() < 1e-12);
}

#[test]
fn partition_pairs_cells_but_not_across_jumps() {
    let none = vec![false; 9];
    assert_eq!(partition(&none, 10), vec![0, 2, 4, 6, 8, 10]);
    assert_eq!(partition(&none[..8], 9), vec![0, 2, 4, 6, 8, 9]);
    // A jump at face 4|5 (odd cell 5 starts a new material): {4} alone, pairs resume at 5.
    let mut j = none.clone();
    j[4] = true;
    assert_eq!(partition(&j, 10), vec![0, 2, 4, 5, 7, 9, 10]);
    // A jump that plain pairing already respects costs nothing.
    let mut j = none.clone();
    j[3] = true;
    assert_eq!(partition(&j, 10), vec![0, 2, 4, 6, 8, 10]);
    // Jumps everywhere would not coarsen: plain pairs instead.
    assert_eq!(partition(&[true; 3], 4), vec![0, 2, 4]);
    assert_eq!(partition(&[true], 2), vec![0, 2]);
}

#[test]
fn jumps_mark_a_material_step_and_nothing_on_smooth_grids() {
    // Homogeneous on non-uniform widths: g = k/(centre distance), κ = k everywhere.
    let w = [1.0, 2.0, 1.0, 1.0, 3.0, 1.0];
    let g: Vec<f64> = (0..5).map(|i| 2.0 / (w[i] + w[i + 1])).collect();
    assert!(jumps(&line_op(&g, &w), true).iter().all(|j| !j));
    // Cells 0..=4 conduct 100, cells 5.. conduct 1 (unit widths): only face 4|5 is marked,
    // the harmonic face between them (g = 2/(1/100 + 1) ≈ 1.98 against 100 on its left).
    let k = |i: usize| if i < 5 { 100.0 } else { 1.0 };
    let g: Vec<f64> = (0..9)
        .map(|i| 2.0 / (1.0 / k(i) + 1.0 / k(i + 1)))
        .collect();
    let marked: Vec<usize> = jumps(&line_op(&g, &[1.0; 10]), true)
        .iter()
        .enumerate()
        .filter_map(|(i, &j)| j.then_some(i))
        .collect();
    assert_eq!(marked, vec![4]);
    // ... so the copper-like cells 0..=4 and the rest never share an aggregate.
    let (c, iu, _) = coarsen(&line_op(&g, &[1.0; 10]));
    assert_eq!((c.nu, &iu.first[..]), (6, &[0, 2, 4, 5, 7, 9, 10][..]));
}

#[test]
#[allow(clippy::needless_range_loop)] // index loops mirror the matrix product
fn coarse_faces_are_the_galerkin_product_of_the_transfers() {
    // 1-D, random conductances and widths, one-cell aggregates at a jump: the coarse face
    // between A and B must equal −(R·A·P)[A][B] (R sums over aggregates, P = the tables'
    // linear interpolation), computed here densely. Off-diagonal only: the diagonal also
    // holds the summed sinks.
    let w = [1.0, 1.0, 2.0, 1.0, 1.0, 1.0, 1.5, 1.0, 1.0];
    let mut g: Vec<f64> = (0..8).map(|i| 1.0 + 0.3 * ((i * 7) % 5) as f64).collect();
    g[2] = 0.01; // a jump at face 2|3: {2} stays alone
    let f = line_op(&g, &w);
    let (c, iu, _) = coarsen(&f);
    assert!(iu.first.windows(2).any(|a| a[1] - a[0] == 1));
    let (n, nc) = (w.len(), c.nu);
    let mut p = vec![vec![0.0; nc]; n];
    for (i, &(a, b, wa)) in iu.taps.iter().enumerate() {
        p[i][a] += wa;
        p[i][b] += 1.0 - wa;
    }
    // (A P)[i][J] with A the conduction part of the fine operator.
    for cj in 0..nc {
        for ca in 0..nc {
            let mut rap = 0.0;
            for i in iu.first[ca]..iu.first[ca + 1] {
                if i > 0 {
                    rap += g[i - 1] * (p[i][cj] - p[i - 1][cj]);
                }
                if i + 1 < n {
                    rap += g[i] * (p[i][cj] - p[i + 1][cj]);
                }
            }
            let expect = if cj == ca + 1 {
                -c.gu[ca]
            } else if ca == cj + 1 {
                -c.gu[cj]
            } else if ca == cj {
                rap // diagonal: not compared
            } else {
                0.0
            };
            // Rounding of a handful of O(1) terms: 1e-12.
            assert!(
                (rap - expect).abs() < 1e-12,
                "({ca},{cj}): {rap} vs {expect}"
            );
        }
    }
    // On a uniform grid of pairs the rule is ½ × the fine face.
    let (c, _, _) = coarsen(&line_op(&[3.0; 7], &[1.0; 8]));
    assert_eq!(c.gu, vec![1.5, 1.5, 1.5, 0.0]);
}

#[test]
fn interpolation_weights_are_a_partition_of_unity() {
    let wf = vec![1.0; 9];
    let first = partition(&[false; 8], 9);
    let wc: Vec<f64> = first.windows(2).map(|a| (a[1] - a[0]) as f64).collect();
    let it = interp_table(first, &wf, &wc);
    for &(a, b, w) in &it.taps {
        assert!((0.0..=1.0).contains(&w) && a < wc.len() && b < wc.len());
    }
    // A linear function is reproduced away from the ends (bilinear = 2nd-order prolongation).
    let (pf, pc) = (centres(&wf), centres(&wc));
    for (i, &(a, b, w)) in it.taps.iter().enumerate().skip(1).take(6) {
        assert!((w * pc[a] + (1.0 - w) * pc[b] - pf[i]).abs() < 1e-12);
    }
}

/// A small random operator (odd sizes, one coolant group along +u) from a fixed LCG, for tests.
pub(crate) fn random_op(nu: usize, nv: usize, nz: usize) -> Operator {
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
