//! The coolant stream against conservation and the 1-D fin/stream solution.

use std::path::PathBuf;

use super::*;
use coldtray_solver::model::{Design, FlowDirection};
use coldtray_solver::SolveOptions;

const P: f64 = 400.0;
const FLOW_LPM: f64 = 0.6;
const H_W: f64 = 12_000.0;
const LEN: f64 = 150.0;

/// A uniformly heated 30 × 150 mm plate: heater skin, 1 mm copper base, 2 mm fin layer whose
/// channel field spans `field_w` mm from `field_x`, flow +y; no cover (a cover touches the
/// fins only through the coolant and would carry heat along the flow). Adiabatic elsewhere.
fn plate(field_x: f64, field_w: f64, h: Option<f64>) -> Design {
    let cu = mat("copper", 385.0, 385.0);
    let mut fins = layer("fins", 2.0, cu.clone(), 1);
    fins.channels = vec![channels(
        field_x,
        0.0,
        field_w,
        LEN,
        FlowDirection::PlusY,
        0.15,
        0.25,
        h,
    )];
    let layers = vec![
        layer("skin", 0.01, cu.clone(), 1),
        layer("base", 1.0, cu.clone(), 2),
        fins,
    ];
    let mut d = design(
        30.0,
        LEN,
        1.0,
        layers,
        vec![block("heater", 0, 0.0, 0.0, 30.0, LEN, cu, P)],
    );
    d.coolant = Some(coolant(40.0, FLOW_LPM, WATERISH));
    d
}

fn mcp() -> f64 {
    WATERISH.density_kg_m3 * FLOW_LPM / 60_000.0 * WATERISH.cp_j_kgk
}

#[test]
fn outlet_rise_is_power_over_mdot_cp() {
    // Field narrower than the plate, correlation h: conservation must hold regardless.
    let s = plate(5.0, 20.0, None)
        .solve(&SolveOptions {
            tolerance: 1e-10,
            ..Default::default()
        })
        .unwrap();
    let c = s.results.coolant.as_ref().unwrap();
    let expect = P / mcp();
    // The upwind stream is exactly conservative; what is left is the algebraic residual (1e-10).
    assert!(
        ((c.outlet_c - c.inlet_c) - expect).abs() <= 1e-6 * expect,
        "{} vs {expect}",
        c.outlet_c - c.inlet_c
    );
    assert!(s.results.energy_balance_error.unwrap() <= 1e-6);
}

#[test]
fn uniform_plate_matches_fin_stream_solution() {
    let s = plate(0.0, 30.0, Some(H_W))
        .solve(&SolveOptions {
            tolerance: 1e-12,
            ..Default::default()
        })
        .unwrap();
    let f = &s.field;
    let k = f.layer_cells(2).start;
    // Base-referenced coefficient from the textbook fin (η = tanh(mH)/(mH)).
    let (t_f, w_c, hh, k_f) = (0.15e-3, 0.25e-3, 2.0e-3, 385.0);
    let mh = (2.0 * H_W / (k_f * t_f)).sqrt() * hh;
    let h_eff = H_W * (w_c + 2.0 * mh.tanh() / mh * hh) / (w_c + t_f);
    let q = P / (0.03 * LEN * 1e-3);
    let rise_per_row = P / (f.ny as f64 * mcp());
    let i = f.nx / 2;
    // Away from the inlet and outlet the discrete stream obeys exactly
    // T_f,j − T_f,j−1 = q A/(ṁ c_p / cells across) and T_s − T_f = q / h_eff.
    // Conduction along the flow in base and fins redistributes heat near the adiabatic ends
    // over √((k t)_solid / h_eff) ≈ 2.6 mm; rows 60–90 mm are > 20 decay lengths away
    // (e^-20 ≈ 2e-9 of a ~0.2 relative end disturbance), so 1e-6 relative is a fair bound.
    for j in 60..90 {
        let (ts, tf) = (f.solid_c[f.idx(i, j, k)], f.fluid_c[f.idx(i, j, k)]);
        let tf_prev = f.fluid_c[f.idx(i, j - 1, k)];
        assert!(
            ((ts - tf) - q / h_eff).abs() <= 1e-6 * q / h_eff,
            "row {j}: {} vs {}",
            ts - tf,
            q / h_eff
        );
        assert!(
            ((tf - tf_prev) - rise_per_row).abs() <= 1e-6 * rise_per_row,
            "row {j}"
        );
    }
}

#[test]
fn shipped_examples_conserve_energy() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../examples");
    let mut n = 0;
    // The flat tray stands in for tray-vr200.toml, whose pump curve the thermal solve does
    // not take until the loop network drives it (same solid model, tested in design::).
    let flat = dir.join("validation/tray-vr200-flat.toml");
    let entries = std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().path());
    for path in entries.chain([flat]) {
        if path.extension().is_none_or(|e| e != "toml") {
            continue;
        }
        // 2 mm cells keep the test fast; conservation does not depend on the cell size.
        let d = match coldtray_solver::Design::load(&path) {
            Err(e) if e.field.as_deref() == Some("coolant.pump_curve") => continue,
            loaded => loaded.unwrap().with_cell_mm(2.0).unwrap(),
        };
        let s = d.solve(&SolveOptions::default()).unwrap();
        let e = s.results.energy_balance_error.unwrap();
        // At relative residual 1e-8 the summed residual is ~1e-8 of the power: 1e-6 has margin.
        assert!(e <= 1e-6, "{}: energy balance error {e:e}", path.display());
        n += 1;
    }
    assert!(n >= 3, "expected the shipped examples in {}", dir.display());
}

#[test]
fn fields_with_different_directions_conserve_energy() {
    // Three fields in one layer flowing −x, +y and −y, fed in parallel: exercises upstream
    // neighbours across and against the solver's line direction. Conservation is exact.
    let cu = mat("copper", 385.0, 385.0);
    let mut fins = layer("fins", 2.0, cu.clone(), 1);
    fins.channels = vec![
        channels(
            2.0,
            2.0,
            20.0,
            16.0,
            FlowDirection::MinusX,
            0.15,
            0.25,
            None,
        ),
        channels(
            24.0,
            2.0,
            14.0,
            36.0,
            FlowDirection::PlusY,
            0.15,
            0.25,
            None,
        ),
        channels(
            2.0,
            20.0,
            20.0,
            18.0,
            FlowDirection::MinusY,
            0.15,
            0.25,
            Some(9000.0),
        ),
    ];
    let layers = vec![
        layer("die", 0.5, mat("mold", 0.9, 0.9), 1),
        layer("base", 1.0, cu.clone(), 1),
        fins,
    ];
    let si = mat("si", 130.0, 130.0);
    let blocks = vec![
        block("a", 0, 5.0, 5.0, 10.0, 10.0, si.clone(), 150.0),
        block("b", 0, 26.0, 20.0, 10.0, 15.0, si, 250.0),
    ];
    let mut d = design(40.0, 40.0, 0.5, layers, blocks);
    d.coolant = Some(coolant(40.0, FLOW_LPM, WATERISH));
    let s = d
        .solve(&SolveOptions {
            tolerance: 1e-10,
            ..Default::default()
        })
        .unwrap();
    let c = s.results.coolant.as_ref().unwrap();
    let expect = 400.0 / mcp();
    // upwind streams are conservative whatever their direction: only the 1e-10 residual is left
    assert!(
        ((c.outlet_c - c.inlet_c) - expect).abs() <= 1e-6 * expect,
        "{} vs {expect}",
        c.outlet_c - c.inlet_c
    );
    assert!(s.results.energy_balance_error.unwrap() <= 1e-8);
    // Cross-axis fields get their own v-line pass: ~10 cycles to 1e-10 (without it, 150+).
    // 20 leaves room for machine-to-machine rounding while catching that regression.
    assert!(s.results.solver.iterations <= 20, "{:?}", s.results.solver);
}
