//! The ΔT budget: its terms telescope to the total, and on a 1-D stack each source-free layer's
//! drop is the analytic q·t/k and the convection drop q/h.

use std::path::Path;

use super::*;
use coldtray_solver::model::Convection;
use coldtray_solver::SolveOptions;

const Q_FLUX: f64 = 1.0e6; // W/m²: 100 W over 10 × 10 mm
const H_TOP: f64 = 20_000.0;
const T_AMB: f64 = 30.0;
const K: [f64; 3] = [130.0, 5.0, 385.0];
const T_MM: [f64; 3] = [0.5, 0.05, 2.0];

/// Uniform source in the bottom layer, adiabatic bottom and sides, convective top: the flux is
/// Q_FLUX through every layer above the source. Harmonic face conductances make the linear
/// profile of a source-free layer exact in FV, and the interface temperatures are the FV face
/// values, so those drops match q·t/k to the solver tolerance (1e-12 here); the source layer's
/// drop (hot cell centre to its top face) follows the parabola to the midpoint-rule error of
/// top cell: the face value carries the whole flux across the top half cell, missing the
/// curvature q'''(dz/2)²/(2k) = Q·dz²/(8kt) of the source inside it (second order in dz).
#[test]
fn one_d_stack_drops_are_q_t_over_k() {
    let layers = vec![
        layer("source", T_MM[0], mat("si", K[0], K[0]), 2),
        layer("tim", T_MM[1], mat("tim", K[1], K[1]), 1),
        layer("cu", T_MM[2], mat("cu", K[2], K[2]), 4),
    ];
    let heater = block(
        "heater",
        0,
        0.0,
        0.0,
        10.0,
        10.0,
        mat("si", K[0], K[0]),
        100.0,
    );
    let mut d = design(10.0, 10.0, 2.0, layers, vec![heater]);
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
    let b = s.results.blocks[0].budget.as_ref().unwrap();
    assert_eq!(b.reference, "top ambient");
    let names: Vec<&str> = b.terms.iter().map(|t| t.name.as_str()).collect();
    assert_eq!(names, ["source", "tim", "cu", "convection"]);
    let sum: f64 = b.terms.iter().map(|t| t.drop_k).sum();
    assert!(
        (sum - b.total_k).abs() <= 1e-12 * b.total_k,
        "{sum} vs {}",
        b.total_k
    );
    assert_eq!(b.hotspot_c, s.results.blocks[0].max_c);
    for (l, term) in [(1, &b.terms[1]), (2, &b.terms[2])] {
        let exact = Q_FLUX * T_MM[l] * 1e-3 / K[l];
        assert!(
            (term.drop_k - exact).abs() < 1e-6 * exact,
            "{}: {} vs {exact}",
            term.name,
            term.drop_k
        );
    }
    let conv = Q_FLUX / H_TOP;
    assert!(
        (b.terms[3].drop_k - conv).abs() < 1e-6 * conv,
        "{} vs {conv}",
        b.terms[3].drop_k
    );
    // Source layer: hot cell centre z_c = dz/2 above the adiabatic bottom, parabola to the top.
    let (t0, zc) = (T_MM[0] * 1e-3, T_MM[0] * 1e-3 / 4.0);
    let exact = Q_FLUX / t0 * (t0 * t0 - zc * zc) / (2.0 * K[0]);
    let dz = t0 / 2.0;
    let curvature = Q_FLUX * dz * dz / (8.0 * K[0] * t0);
    let fv = b.terms[0].drop_k;
    assert!(
        (fv - exact - curvature).abs() < 1e-6 * exact,
        "{fv} vs {exact} + {curvature}"
    );
}

/// On the shipped 2.3 kW package the budget runs die → TIM → base → convection → coolant rise
/// and sums to hottest − inlet to round-off.
#[test]
fn rubin_budget_telescopes() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/rubin-2300w.toml");
    let d = Design::load(&path).unwrap().with_cell_mm(2.0).unwrap();
    let s = d.solve(&SolveOptions::default()).unwrap();
    let die = s.results.hottest_die().unwrap();
    let b = die.budget.as_ref().unwrap();
    let names: Vec<&str> = b.terms.iter().map(|t| t.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "die_active",
            "die_bulk",
            "tim1",
            "coldplate_base",
            "convection",
            "coolant rise"
        ]
    );
    assert_eq!(b.reference, "coolant inlet");
    assert_eq!(b.reference_c, 45.0);
    assert_eq!(b.hotspot_c, die.max_c);
    for blk in &s.results.blocks {
        match &blk.budget {
            Some(b) => {
                let sum: f64 = b.terms.iter().map(|t| t.drop_k).sum();
                assert!((sum - b.total_k).abs() < 1e-12 * b.total_k.abs().max(1.0));
                assert!(b.terms.iter().all(|t| t.drop_k.is_finite()));
            }
            None => assert_eq!(blk.power_w, 0.0, "{}", blk.name),
        }
    }
}
