//! Side convection against the lumped-capacitance solution and conservation: a thin copper
//! plate, uniformly heated, cooled only through its four edges (top and bottom adiabatic).

use super::*;
use coldtray_solver::model::Convection;
use coldtray_solver::SolveOptions;

const P_W: f64 = 1.0;
const H_SIDE: f64 = 50.0;
const T_AMB: f64 = 25.0;
const K_CU: f64 = 400.0;
const EDGE_MM: f64 = 20.0;
const T_MM: f64 = 2.0;

#[test]
fn edge_cooled_plate_matches_the_lumped_solution_and_conserves_heat() {
    let cu = mat("copper", K_CU, K_CU);
    let layers = vec![layer("plate", T_MM, cu.clone(), 2)];
    let blocks = vec![block("heater", 0, 0.0, 0.0, EDGE_MM, EDGE_MM, cu, P_W)];
    // 0.7 mm cells: 29 × 29 columns, so corner columns (two side faces) and odd sizes are in it.
    let mut d = design(EDGE_MM, EDGE_MM, 0.7, layers, blocks);
    d.boundary.sides = Convection {
        h_w_m2k: H_SIDE,
        ambient_c: T_AMB,
    };
    let r = d.solve(&SolveOptions::default()).unwrap().results;

    // Conservation: at steady state every watt leaves through the edges. Solved to a 1e-8
    // relative residual, the heat out matches the power to ~1e-7; 1e-6 allows for that.
    assert!(
        (r.boundary_heat_w.sides - P_W).abs() < 1e-6 * P_W,
        "{:?}",
        r.boundary_heat_w
    );
    assert_eq!(
        (r.boundary_heat_w.top, r.boundary_heat_w.bottom),
        (0.0, 0.0)
    );

    // Lumped solution: T = T_amb + P / (h A_edges), A_edges = 4 × 20 mm × 2 mm = 160 mm², a
    // 125 K rise. Biot number h (L/2) / k = 50 × 0.01 / 400 = 1.25e-3: the conduction rise inside
    // the plate is at most ~P / (8 k t) = 0.16 K (0.13 % of 125 K), and the half-cell resistance
    // in each edge conductance (0.35 mm / 400 against 1/h = 0.02) is 4e-5 of the total. So the
    // mean and the extremes must sit within 0.3 % of the lumped value.
    let a_edges_m2 = 4.0 * EDGE_MM * T_MM * 1e-6;
    let rise = P_W / (H_SIDE * a_edges_m2);
    let l = &r.layers[0];
    for (what, t) in [("mean", l.mean_c), ("max", l.max_c), ("min", l.min_c)] {
        assert!(
            ((t - T_AMB) / rise - 1.0).abs() < 3e-3,
            "{what} {t:.4} °C against lumped {:.4} °C",
            T_AMB + rise
        );
    }
    // The plate is hottest in the middle: the conduction rise is positive and below the bound.
    assert!(l.max_c > l.min_c && l.max_c - l.min_c < P_W / (8.0 * K_CU * T_MM * 1e-3) * 1.5);
}
