//! Transient runs (backward Euler) against the lumped-capacitance solution, energy
//! conservation, the steady limit and power traces.

use approx::assert_abs_diff_eq;
use std::path::{Path, PathBuf};

use super::*;
use coldtray_solver::model::{Convection, Design, FlowDirection, Material, PowerTrace, Transient};
use coldtray_solver::numerics::krylov::KrylovParams;
use coldtray_solver::results::probes_csv;
use coldtray_solver::run::transient::Stepper;
use coldtray_solver::{Method, SolveOptions};

const RHO_CU: f64 = 8960.0;
const CP_CU: f64 = 385.0;

fn with_rc(mut m: Material, rho: f64, cp: f64) -> Material {
    m.density_kg_m3 = Some(rho);
    m.cp_j_kgk = Some(cp);
    m
}

fn copper() -> Material {
    with_rc(mat("copper", 400.0, 400.0), RHO_CU, CP_CU)
}

fn tight() -> SolveOptions {
    SolveOptions {
        tolerance: 1e-10,
        ..Default::default()
    }
}

// ---- Lumped plate -----------------------------------------------------------------------
// A 10 × 10 mm copper plate, 0.1 mm thick, uniform power P, weak top convection h to 25 °C,
// adiabatic elsewhere, from 25 °C. Lumped: C dT/dt = P − hA (T − T_amb), τ = C/(hA) =
// ρc_p L/h = 172 s, steady rise P/(hA) = 50 K. Biot number hL/k = 5e-7: the plate is uniform.
const PLATE_MM: f64 = 10.0;
const L_MM: f64 = 0.1;
const H_TOP: f64 = 2.0;
const T_AMB: f64 = 25.0;
const P_W: f64 = 0.01;

fn plate(dt_s: f64, duration_s: f64, trace: Option<PowerTrace>) -> Design {
    let mut d = design(
        PLATE_MM,
        PLATE_MM,
        2.0,
        vec![layer("plate", L_MM, copper(), 3)],
        vec![block(
            "plate",
            0,
            0.0,
            0.0,
            PLATE_MM,
            PLATE_MM,
            copper(),
            P_W,
        )],
    );
    d.boundary.top = Convection {
        h_w_m2k: H_TOP,
        ambient_c: T_AMB,
    };
    d.transient = Some(Transient {
        duration_s,
        dt_s,
        initial_c: T_AMB,
        trace,
        probes: vec![0],
    });
    d
}

fn area_m2() -> f64 {
    (PLATE_MM * 1e-3).powi(2)
}
fn cap_j_k() -> f64 {
    RHO_CU * CP_CU * area_m2() * L_MM * 1e-3
}
fn tau_s() -> f64 {
    cap_j_k() / (H_TOP * area_m2())
}

/// The plate's mean temperature at the end of each step. Solved to 1e-9, not 1e-10: the
/// z conductances (~50 W/K per cell) dwarf the net diagonal C/dt + hA (~1e-4 W/K), so the
/// residual b − Aθ loses ~6 digits to cancellation and its floor is ~4e-10.
fn plate_mean(d: &Design) -> Vec<f64> {
    let opts = SolveOptions {
        tolerance: 1e-9,
        ..Default::default()
    };
    let s = d.solve(&opts).unwrap();
    let tr = s.results.transient.unwrap();
    tr.probes[0].mean_c.clone()
}

/// Backward Euler on the lumped ODE: T_{n+1} = (T_n + dt (P_n/C + T_amb/τ)) / (1 + dt/τ).
fn recurrence(dt: f64, powers: &[f64]) -> Vec<f64> {
    let (c, tau) = (cap_j_k(), tau_s());
    let mut t = T_AMB;
    powers
        .iter()
        .map(|p| {
            t = (t + dt * (p / c + T_AMB / tau)) / (1.0 + dt / tau);
            t
        })
        .collect()
}

#[test]
fn lumped_plate_equals_the_backward_euler_recurrence() {
    let dt = tau_s() / 20.0;
    let got = plate_mean(&plate(dt, 2.0 * tau_s(), None));
    let want = recurrence(dt, &vec![P_W; 40]);
    assert_eq!(got.len(), want.len());
    // Steady rise 50 K. The plate's mean exceeds its surface by q''L/3k, Bi/3 = 1.7e-7 of the
    // rise q''/h; the discrete top face A/(1/h + dz/2k) differs from hA by h·dz/2k = Bi/6 =
    // 8e-8; the steps are solved to 1e-9. 1e-6 of the rise bounds all three.
    let rise = P_W / (H_TOP * area_m2());
    for (n, (g, w)) in got.iter().zip(&want).enumerate() {
        assert!((g - w).abs() <= 1e-6 * rise, "step {n}: {g} vs {w}");
    }
}

#[test]
fn backward_euler_is_first_order_against_the_exponential() {
    let tau = tau_s();
    let exact = T_AMB + P_W / (H_TOP * area_m2()) * (1.0 - (-1.0f64).exp());
    let err: Vec<f64> = [10.0, 20.0, 40.0]
        .iter()
        .map(|n| (plate_mean(&plate(tau / n, tau, None)).last().unwrap() - exact).abs())
        .collect();
    // First order: the error at t = τ halves with dt, up to an O(dt/τ) correction (the
    // recurrence's own ratios are 1.96 and 1.98 at dt = τ/10 → τ/20 → τ/40); ±0.1 allows it.
    for w in err.windows(2) {
        let ratio = w[0] / w[1];
        assert!((1.9..2.1).contains(&ratio), "errors {err:?}");
    }
}

#[test]
fn a_power_trace_gives_the_stepwise_response() {
    let dt = tau_s() / 10.0;
    // 0, then 2P from 3 dt, then P/2 from 5.5 dt (inside step 6: half 2P, half P/2).
    let trace = PowerTrace {
        file: PathBuf::from("trace.csv"),
        block_index: vec![0],
        times_s: vec![0.0, 3.0 * dt, 5.5 * dt],
        powers_w: vec![vec![0.0], vec![2.0 * P_W], vec![0.5 * P_W]],
    };
    let got = plate_mean(&plate(dt, 10.0 * dt, Some(trace)));
    let powers: Vec<f64> = [0.0, 0.0, 0.0, 2.0, 2.0, 1.25, 0.5, 0.5, 0.5, 0.5]
        .iter()
        .map(|f| f * P_W)
        .collect();
    let want = recurrence(dt, &powers);
    // Same bounds as the constant-power case: 1e-6 of the 100 K rise that 2P would reach.
    let rise = 2.0 * P_W / (H_TOP * area_m2());
    for (n, (g, w)) in got.iter().zip(&want).enumerate() {
        assert!((g - w).abs() <= 1e-6 * rise, "step {n}: {g} vs {w}");
    }
}

// ---- Layered stack with coolant ---------------------------------------------------------
// Bottom to top: a 0.5 mm die layer (mold fill, 6 × 6 mm silicon die, 20 W), a 1 mm copper
// base, a 2 mm fin layer (0.2 mm fins, 0.3 mm channels, flow +y over the whole plate). The
// bottom loses heat to 30 °C through h = 50. Every block edge lies on a 1 mm cell edge. It
// starts at the 35 °C coolant inlet.
const RHO_SI: f64 = 2330.0;
const CP_SI: f64 = 700.0;
const RHO_MOLD: f64 = 1900.0;
const CP_MOLD: f64 = 900.0;
const FIN_MM: f64 = 0.2;
const GAP_MM: f64 = 0.3;
const DIE_W: f64 = 20.0;

fn stack(dt_s: f64, duration_s: f64) -> Design {
    let si = with_rc(mat("silicon", 150.0, 150.0), RHO_SI, CP_SI);
    let mold = with_rc(mat("mold", 0.8, 0.8), RHO_MOLD, CP_MOLD);
    let mut fins = layer("fins", 2.0, copper(), 1);
    let mut ch = channels(
        0.0,
        0.0,
        10.0,
        10.0,
        FlowDirection::PlusY,
        FIN_MM,
        GAP_MM,
        Some(20_000.0),
    );
    ch.fin_material = copper();
    fins.channels = vec![ch];
    let layers = vec![
        layer("die", 0.5, mold, 1),
        layer("base", 1.0, copper(), 2),
        fins,
    ];
    let mut d = design(
        10.0,
        10.0,
        1.0,
        layers,
        vec![block("die", 0, 2.0, 2.0, 6.0, 6.0, si, DIE_W)],
    );
    d.coolant = Some(coolant(35.0, 0.05, WATERISH));
    d.boundary.bottom = Convection {
        h_w_m2k: 50.0,
        ambient_c: 30.0,
    };
    d.transient = Some(Transient {
        duration_s,
        dt_s,
        initial_c: 35.0,
        trace: None,
        probes: vec![0],
    });
    d
}

/// ρc_p of field cell (i, j) in layer `li` of [`stack`], J/(m³K): (solid, coolant).
fn stack_rho_cp(li: usize, i: usize, j: usize) -> (f64, f64) {
    let p = FIN_MM + GAP_MM;
    match li {
        0 if (2..8).contains(&i) && (2..8).contains(&j) => (RHO_SI * CP_SI, 0.0),
        0 => (RHO_MOLD * CP_MOLD, 0.0),
        1 => (RHO_CU * CP_CU, 0.0),
        _ => (
            FIN_MM / p * RHO_CU * CP_CU,
            GAP_MM / p * WATERISH.density_kg_m3 * WATERISH.cp_j_kgk,
        ),
    }
}

#[test]
fn energy_in_equals_stored_plus_heat_out() {
    let (dt, n) = (0.05, 40);
    let d = stack(dt, dt * n as f64);
    let s = d.solve(&tight()).unwrap();
    let tr = s.results.transient.as_ref().unwrap();
    let f = &s.field;
    // Stored energy change from the final field and the materials, computed here.
    let mut de = 0.0;
    let mut c_total = 0.0;
    for k in 0..f.nz {
        let dz = (f.z_edges_mm[k + 1] - f.z_edges_mm[k]) * 1e-3;
        let vol = (f.dx_mm * 1e-3).powi(2) * dz;
        for j in 0..f.ny {
            for i in 0..f.nx {
                let (cs, cf) = stack_rho_cp(f.cell_layer[k], i, j);
                let idx = f.idx(i, j, k);
                de += cs * vol * (f.solid_c[idx] - 35.0);
                c_total += (cs + cf) * vol;
                if cf > 0.0 {
                    de += cf * vol * (f.fluid_c[idx] - 35.0);
                }
            }
        }
    }
    // The program's capacities sum to the same total (same materials, exact cell volumes).
    let st = Stepper::new(&d, 35.0).unwrap();
    let c_prog: f64 = st.cap_j_k.iter().sum();
    assert!(
        (c_prog - c_total).abs() <= 1e-12 * c_total,
        "{c_prog} vs {c_total}"
    );
    let e_in = DIE_W * dt * n as f64;
    let e_out: f64 = tr.heat_out_w.iter().map(|q| q * dt).sum();
    // Backward Euler conserves energy exactly (the step equations sum to it); what is left is
    // the linear residual, 1e-10 of each step's imbalance: 1e-6 is a wide margin.
    let err = (e_in - (de + e_out)).abs() / e_in;
    assert!(
        err <= 1e-6,
        "imbalance {err:e}: in {e_in}, stored {de}, out {e_out}"
    );
    assert!(s.results.energy_balance_error.unwrap() <= 1e-6);
    // Not a trivial balance: storage and outflow are both a sizeable part of the energy in.
    assert!(
        de.abs() > 0.05 * e_in && e_out > 0.05 * e_in,
        "{de} {e_out}"
    );
}

#[test]
fn a_long_run_ends_at_the_steady_solution() {
    // The stack's lumped time constant is C_total/(heat-out conductance) ≈ 1.2 J/K over a few
    // W/K, well under a second; even a mode 10× slower (3 s) decays by (1 + dt/τ)^-50 = 1e-11
    // in 50 steps of 2 s, so the run ends at the fixed point, which is the steady solution.
    let d = stack(2.0, 100.0);
    let tr = d.solve(&tight()).unwrap();
    let mut steady_design = d.clone();
    steady_design.transient = None;
    let ss = steady_design.solve(&tight()).unwrap();
    let rise = ss.results.max_c - 35.0;
    let worst = tr
        .field
        .solid_c
        .iter()
        .zip(&ss.field.solid_c)
        .map(|(a, b)| (a - b).abs())
        .fold(0.0, f64::max);
    // Both are solved to 1e-10; 1e-6 of the rise leaves the decay and residuals a wide margin.
    assert!(
        worst <= 1e-6 * rise,
        "max |ΔT| {worst:e} K of a {rise} K rise"
    );
    let (a, b) = (
        tr.results.coolant.as_ref().unwrap().outlet_c,
        ss.results.coolant.as_ref().unwrap().outlet_c,
    );
    assert_abs_diff_eq!(a, b, epsilon = 1e-6 * rise);
}

#[test]
fn a_trace_step_equals_two_runs_chained_by_hand() {
    let dt = 0.02;
    let mut d = stack(dt, 20.0 * dt);
    // 5 W until 10 dt, then the full 20 W (the die's design power).
    d.transient.as_mut().unwrap().trace = Some(PowerTrace {
        file: PathBuf::from("trace.csv"),
        block_index: vec![0],
        times_s: vec![0.0, 10.0 * dt],
        powers_w: vec![vec![5.0], vec![DIE_W]],
    });
    let run = d.solve(&tight()).unwrap();
    let mut st = Stepper::new(&d, 35.0).unwrap();
    for p in [5.0, DIE_W] {
        for _ in 0..10 {
            let params = KrylovParams {
                method: Method::BiCgStab,
                tolerance: 1e-10,
                max_cycles: 200,
            };
            st.step(dt, &[p], &params).unwrap();
        }
    }
    let t_ref = 35.0; // the coolant inlet
    let worst = run
        .field
        .solid_c
        .iter()
        .enumerate()
        .map(|(idx, t)| {
            let (nx, ny) = (run.field.nx, run.field.ny);
            let (k, j, i) = (idx / (nx * ny), (idx % (nx * ny)) / nx, idx % nx);
            (t - (t_ref + st.theta[st.asm.state_idx(i, j, k)])).abs()
        })
        .fold(0.0, f64::max);
    // The same steps with the same powers: equal up to the 1e-10 solves (1e-8 K is generous).
    assert!(worst <= 1e-8, "{worst:e}");
    // The final results report the final step's power.
    assert_eq!(run.results.total_power_w, DIE_W);
}

// ---- The shipped example ----------------------------------------------------------------

#[test]
fn the_step_example_runs_and_writes_probe_columns() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/rubin-2300w-step.toml");
    let mut d = coldtray_solver::Design::load(&path)
        .unwrap()
        .with_cell_mm(2.0)
        .unwrap();
    // Shorten to the step (0.5 s) and a little after, in 50 ms steps, for a quick test.
    let t = d.transient.as_mut().unwrap();
    t.duration_s = 0.7;
    t.dt_s = 0.05;
    let s = d.solve(&SolveOptions::default()).unwrap();
    let tr = s.results.transient.as_ref().unwrap();
    assert_eq!(tr.times_s.len(), 14);
    assert_abs_diff_eq!(tr.times_s[13], 0.7, epsilon = 1e-12);
    // The trace's idle (300 W) and full (2300 W) rows, the example's documented inputs.
    assert_abs_diff_eq!(tr.power_w[0], 300.0, epsilon = 1e-9);
    assert_abs_diff_eq!(tr.power_w[13], 2300.0, epsilon = 1e-9);
    // The default tolerance 1e-8 per step; the balance is summed over 14 steps.
    assert!(s.results.energy_balance_error.unwrap() <= 1e-6);
    // The die heats faster after the step than before it.
    let die = &tr.probes[0];
    assert_eq!(die.name, "gpu_die_0");
    assert!(die.max_c[10] - die.max_c[9] > 3.0 * (die.max_c[9] - die.max_c[8]));
    let csv = probes_csv(tr);
    let mut lines = csv.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let mut want = vec!["time_s".to_string()];
    for name in ["gpu_die_0", "gpu_die_1", "hbm_0", "hbm_6"] {
        want.push(format!("{name}_max_c"));
        want.push(format!("{name}_mean_c"));
    }
    assert_eq!(header, want);
    let rows: Vec<&str> = lines.collect();
    assert_eq!(rows.len(), 14);
    assert!(rows.iter().all(|r| r.split(',').count() == want.len()));
    // results.json carries the series under the documented names (docs/formats/results.md).
    let json: serde_json::Value = serde_json::to_value(&s.results).unwrap();
    assert_eq!(
        json["transient"]["probes"]["hbm_6"]["max_c"]
            .as_array()
            .unwrap()
            .len(),
        14
    );
}

#[test]
fn a_steady_run_has_a_null_transient_field() {
    let mut d = stack(0.1, 1.0);
    d.transient = None;
    let s = d.solve(&SolveOptions::default()).unwrap();
    let json: serde_json::Value = serde_json::to_value(&s.results).unwrap();
    assert!(json["transient"].is_null());
}
