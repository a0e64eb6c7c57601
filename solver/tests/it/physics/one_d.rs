//! 1-D stack against the exact solution: uniform source over the whole area in the bottom
//! layer, adiabatic bottom and sides, convective top.

use super::*;
use approx::{assert_abs_diff_eq, assert_relative_eq};
use coldtray_solver::model::Convection;
use coldtray_solver::SolveOptions;

const Q_FLUX: f64 = 1.0e6; // W/m² = 100 W over 10 × 10 mm
const H_TOP: f64 = 20_000.0;
const T_AMB: f64 = 30.0;
const K: [f64; 3] = [130.0, 5.0, 385.0];
const T_MM: [f64; 3] = [0.5, 0.05, 2.0];

/// Solve with `n0` z cells in the source layer; returns (z centres m, temperatures) of column (0,0).
fn run(n0: usize) -> Vec<(f64, usize, f64)> {
    let layers = vec![
        layer("source", T_MM[0], mat("si", K[0], K[0]), n0),
        layer("tim", T_MM[1], mat("tim", K[1], K[1]), 1),
        layer("cu", T_MM[2], mat("cu", K[2], K[2]), 4),
    ];
    let blocks = vec![block(
        "heater",
        0,
        0.0,
        0.0,
        10.0,
        10.0,
        mat("si", K[0], K[0]),
        100.0,
    )];
    let mut d = design(10.0, 10.0, 2.0, layers, blocks);
    d.boundary.top = Convection {
        h_w_m2k: H_TOP,
        ambient_c: T_AMB,
    };
    let s = d
        .solve(&SolveOptions {
            tolerance: 1e-12,
            ..Default::default()
        })
        .unwrap();
    let f = &s.field;
    (0..f.nz)
        .map(|k| {
            (
                f.z_centre_mm(k) * 1e-3,
                f.cell_layer[k],
                f.solid_c[f.idx(2, 3, k)],
            )
        })
        .collect()
}

/// Exact T(z): linear in the source-free layers (flux Q_FLUX), parabolic in the source layer.
fn exact(z: f64) -> f64 {
    let edges = [
        0.0,
        T_MM[0] * 1e-3,
        (T_MM[0] + T_MM[1]) * 1e-3,
        (T_MM[0] + T_MM[1] + T_MM[2]) * 1e-3,
    ];
    let mut t = T_AMB + Q_FLUX / H_TOP; // top surface
    for l in (1..3).rev() {
        if z >= edges[l] {
            return t + Q_FLUX * (edges[l + 1] - z) / K[l];
        }
        t += Q_FLUX * (edges[l + 1] - edges[l]) / K[l];
    }
    // source layer: −k T'' = q''' with T'(0) = 0, T(t0) = t
    let (t0, qv) = (edges[1], Q_FLUX / edges[1]);
    t + qv * (t0 * t0 - z * z) / (2.0 * K[0])
}

#[test]
fn source_free_layers_are_exact() {
    for (z, l, t) in run(2) {
        if l > 0 {
            let rise = exact(z) - T_AMB;
            // Harmonic face conductances make a piecewise-linear profile exact in FV; the only
            // error left is the algebraic one (tolerance 1e-12), far below 1e-6.
            assert!(
                ((t - T_AMB) - rise).abs() <= 1e-6 * rise,
                "z = {z}: {t} vs {}",
                exact(z)
            );
        }
    }
}

#[test]
fn source_layer_error_is_second_order() {
    let err = |n: usize| {
        run(n)
            .iter()
            .filter(|(_, l, _)| *l == 0)
            .map(|(z, _, t)| (t - exact(*z)).abs())
            .fold(0.0, f64::max)
    };
    let (e2, e4) = (err(2), err(4));
    // The cell-centred scheme is second order: halving dz divides the error by 4 (the error is
    // the q'''dz²/(8k) half-cell term at the layer's top face; ±10 % for the algebraic residue).
    let ratio = e2 / e4;
    assert!(
        e4 > 0.0 && (3.6..4.4).contains(&ratio),
        "errors {e2:e} {e4:e}, ratio {ratio}"
    );
}

#[test]
fn boundary_heat_closes_the_energy_balance() {
    let layers = vec![
        layer("source", 0.5, mat("si", 130.0, 130.0), 2),
        layer("cu", 2.0, mat("cu", 385.0, 385.0), 2),
    ];
    let blocks = vec![block(
        "heater",
        0,
        2.0,
        2.0,
        4.0,
        4.0,
        mat("si", 130.0, 130.0),
        50.0,
    )];
    let mut d = design(10.0, 10.0, 1.0, layers, blocks);
    d.boundary.top = Convection {
        h_w_m2k: 5000.0,
        ambient_c: 30.0,
    };
    d.boundary.sides = Convection {
        h_w_m2k: 200.0,
        ambient_c: 20.0,
    };
    let s = d
        .solve(&SolveOptions {
            tolerance: 1e-12,
            ..Default::default()
        })
        .unwrap();
    let b = &s.results.boundary_heat_w;
    // All heat leaves through top and sides (bottom adiabatic): their sum is the power to the
    // algebraic error of a 1e-12 residual (1e-9 relative leaves ample margin).
    assert_relative_eq!(b.top + b.sides, 50.0, max_relative = 1e-9);
    assert!(b.bottom == 0.0 && b.sides > 0.0 && b.top > 0.0);
    assert!(s.results.energy_balance_error.unwrap() < 1e-9);
    // No coolant: R_th is referred to the lowest ambient with h > 0 (the sides, 20 °C).
    let rth = s.results.thermal_resistance_c_per_w.unwrap();
    assert_abs_diff_eq!(rth, (s.results.max_c - 20.0) / 50.0, epsilon = 1e-12);
}

#[test]
fn misaligned_blocks_keep_their_power() {
    // 10.3 × 7.7 mm at 1 mm cells (stretched cells) with a block that cuts cells: area-fraction
    // rasterisation must keep the block's power exact (to rounding, 1e-12).
    let si = mat("si", 130.0, 130.0);
    let layers = vec![
        layer("die", 0.3, mat("mold", 0.9, 0.9), 1),
        layer("cu", 1.0, mat("cu", 385.0, 385.0), 1),
    ];
    let blocks = vec![block("die", 0, 1.37, 2.21, 4.45, 3.33, si, 42.0)];
    let mut d = design(10.3, 7.7, 1.0, layers, blocks);
    d.boundary.top = Convection {
        h_w_m2k: 8000.0,
        ambient_c: 25.0,
    };
    let s = d.solve(&SolveOptions::default()).unwrap();
    let f = &s.field;
    let dy_mm = 7.7 / f.ny as f64;
    let total: f64 = (0..f.nz)
        .flat_map(|k| (0..f.nx * f.ny).map(move |c| (k, c)))
        .map(|(k, c)| {
            f.power_w_m3[k * f.nx * f.ny + c]
                * f.dx_mm
                * dy_mm
                * (f.z_edges_mm[k + 1] - f.z_edges_mm[k])
                * 1e-9
        })
        .sum();
    assert_relative_eq!(total, 42.0, max_relative = 1e-12);
    assert!(s.results.energy_balance_error.unwrap() < 1e-6);
}
