//! Heat spreading: a square source centred on a square copper plate with a convective back face
//! and adiabatic sides, against the exact cosine-series solution.

use std::f64::consts::PI;

use super::*;
use coldtray_solver::model::Convection;
use coldtray_solver::SolveOptions;

const L: f64 = 0.020; // plate side, m
const A: f64 = 0.006; // source side, m
const T: f64 = 0.002; // plate thickness, m
const K: f64 = 400.0;
const H: f64 = 5_000.0;
const P: f64 = 36.0; // W → q0 = 1e6 W/m²

/// Exact rise of the source-face temperature: (value at (x, x), mean over the source).
/// θ = Σ A_mn cos(λ_m x) cos(λ_n y) Z_mn(z); each mode's bottom value is
/// Q_mn/(kβ) · (1 + B tanh βt)/(tanh βt + B), B = h/(kβ); the (0,0) mode is Q_00 (1/h + t/k).
fn exact(m_max: usize, x: f64) -> (f64, f64) {
    let q0 = P / (A * A);
    let (x1, x2) = ((L - A) / 2.0, (L + A) / 2.0);
    // x-coefficients of the patch (cosine series on [0, L]) and their patch-mean / centre values
    let coef: Vec<(f64, f64, f64)> = (0..m_max)
        .map(|m| {
            if m == 0 {
                return (A / L, 1.0, 1.0);
            }
            let lam = m as f64 * PI / L;
            let s = (lam * x2).sin() - (lam * x1).sin();
            (2.0 * s / (L * lam), s / (lam * A), (lam * x).cos())
        })
        .collect();
    let (mut centre, mut mean) = (0.0, 0.0);
    for (m, cm) in coef.iter().enumerate() {
        for (n, cn) in coef.iter().enumerate() {
            let q = q0 * cm.0 * cn.0;
            let bottom = if m == 0 && n == 0 {
                q * (1.0 / H + T / K)
            } else {
                let beta = PI / L * ((m * m + n * n) as f64).sqrt();
                let b = H / (K * beta);
                let th = (beta * T).tanh();
                q / (K * beta) * (1.0 + b * th) / (th + b)
            };
            centre += bottom * cm.2 * cn.2;
            mean += bottom * cm.1 * cn.1;
        }
    }
    (centre, mean)
}

/// FV (centre cell, mean-source) rise at in-plane cell `cell_mm`, z cells scaled with it.
fn fv(cell_mm: f64) -> (f64, f64) {
    let cu = mat("cu", K, K);
    // The source sits in a 1 µm copper skin so it is (to 1e-6 K) a surface flux.
    let zc = (2.0 / cell_mm).round() as usize * 2;
    let layers = vec![
        layer("skin", 0.001, cu.clone(), 1),
        layer("plate", T * 1e3, cu.clone(), zc),
    ];
    let c = L * 1e3 / 2.0;
    let blocks = vec![block("src", 0, c - 3.0, c - 3.0, 6.0, 6.0, cu, P)];
    let mut d = design(L * 1e3, L * 1e3, cell_mm, layers, blocks);
    d.boundary.top = Convection {
        h_w_m2k: H,
        ambient_c: 0.0,
    };
    let s = d
        .solve(&SolveOptions {
            tolerance: 1e-11,
            ..Default::default()
        })
        .unwrap();
    let f = &s.field;
    // The cell just above-right of the plate centre (its centre is at L/2 + h/2).
    let (i, j) = (f.nx / 2, f.ny / 2);
    (f.solid_c[f.idx(i, j, 0)], s.results.blocks[0].mean_c)
}

#[test]
fn matches_fourier_series_and_converges_second_order() {
    // 2000² terms: the series changes by < 1e-5 K from 1000² to 4000² terms.
    let (e1, em) = exact(2000, (L + 1e-3) / 2.0);
    let (ec, _) = exact(2000, (L + 0.5e-3) / 2.0);
    let (c1, m1) = fv(1.0);
    let (c2, m2) = fv(0.5);
    let rel = |a: f64, b: f64| (a - b).abs() / b;
    // 1 %: the acceptance for a 0.5 mm grid on a 6 mm source (the truncation error of a
    // second-order scheme there is ~(h/a)² ≈ 0.7 % at worst near the source edge).
    assert!(rel(c2, ec) < 0.01, "centre {c2} vs exact {ec}");
    assert!(rel(m2, em) < 0.01, "mean {m2} vs exact {em}");
    // Second order: halving the cells divides the error by ~4 (accept 3–5: the series is
    // truncated, ~1e-6 relative, and the in-plane and z errors have different constants).
    let (rc, rm) = ((c1 - e1) / (c2 - ec), (m1 - em) / (m2 - em));
    assert!(
        (3.0..5.0).contains(&rc),
        "centre errors {} {} ratio {rc}",
        c1 - e1,
        c2 - ec
    );
    assert!(
        (3.0..5.0).contains(&rm),
        "mean errors {} {} ratio {rm}",
        m1 - em,
        m2 - em
    );
}

/// FV rise at the source centre on 0.5 mm cells with the plate's z cells given by `cells`
/// (`None`: the default grading).
fn fv_plate_cells(cells: Option<usize>) -> f64 {
    let cu = mat("cu", K, K);
    let mut plate = layer("plate", T * 1e3, cu.clone(), 1);
    plate.cells = cells;
    let layers = vec![layer("skin", 0.001, cu.clone(), 1), plate];
    let c = L * 1e3 / 2.0;
    let blocks = vec![block("src", 0, c - 3.0, c - 3.0, 6.0, 6.0, cu, P)];
    let mut d = design(L * 1e3, L * 1e3, 0.5, layers, blocks);
    d.boundary.top = Convection {
        h_w_m2k: H,
        ambient_c: 0.0,
    };
    let s = d
        .solve(&SolveOptions {
            tolerance: 1e-11,
            ..Default::default()
        })
        .unwrap();
    let f = &s.field;
    f.solid_c[f.idx(f.nx / 2, f.ny / 2, 0)]
}

#[test]
fn default_z_cells_resolve_spreading_that_one_cell_misses() {
    // The 2 mm plate under a 6 mm source on a 20 mm plate: the source's flux spreads within a
    // depth comparable to the plate's thickness (βt ≈ 1 for the source's modes), so the
    // temperature is far from linear through the plate. One z cell puts all lateral conduction
    // at mid-depth and reads several % hot; the default grading must match the series as well
    // as the (second-order) in-plane grid does: 1 %, as in the test above.
    let (exact, _) = exact(2000, (L + 0.5e-3) / 2.0);
    let rel = |a: f64| (a - exact) / exact;
    let one = fv_plate_cells(Some(1));
    let default = fv_plate_cells(None);
    assert!(rel(one) > 0.025, "one cell {one} vs exact {exact}");
    assert!(
        rel(default).abs() < 0.01,
        "default {default} vs exact {exact}"
    );
}
