//! Coolant properties at the local coolant temperature: the exact enthalpy balance, the
//! pressure drop of a coolant whose viscosity falls as it heats, the flow split that follows
//! it, out-of-table and boiling coolant as errors, and constant-property fluids unchanged.

use super::*;
use coldtray_solver::assembly::{self, ZGrid};
use coldtray_solver::model::{materials, Coolant, Design, FlowDirection, Fluid};
use coldtray_solver::{SolveError, SolveOptions};

/// Channel field geometry: 0.3 mm channels, 0.2 mm fins, 2 mm high (D_h = 0.5217 mm,
/// α = 0.15), 20 mm wide (40 channels), 150 mm long along +y.
const GAP_MM: f64 = 0.3;
const FIN_MM: f64 = 0.2;
const HEIGHT_MM: f64 = 2.0;
const WIDTH_MM: f64 = 20.0;
const LEN_MM: f64 = 150.0;

/// A material that conducts only through the plane (k_xy ≈ 0): every column's heat goes
/// straight down into its own coolant cell, so the stream's enthalpy rises by the same
/// amount in every cell and the coolant temperature profile is known exactly.
fn z_only() -> coldtray_solver::model::Material {
    mat("z_only", 1e-6, 400.0)
}

fn fluid(name: &str) -> Fluid {
    materials::builtin_fluid(name).unwrap()
}

/// A 20 × 150 mm plate: a heater skin of `power_w` over the strip x ∈ [x0, x0 + w), a base,
/// and a fin layer holding one channel field over the whole plate, flow +y. Adiabatic
/// outside; in-plane conduction switched off (`z_only`).
fn strip_heated(
    fluid: Fluid,
    inlet_c: f64,
    flow_lpm: f64,
    power_w: f64,
    strip: (f64, f64),
) -> Design {
    let mut fins = layer("fins", HEIGHT_MM, z_only(), 1);
    let mut ch = channels(
        0.0,
        0.0,
        WIDTH_MM,
        LEN_MM,
        FlowDirection::PlusY,
        FIN_MM,
        GAP_MM,
        None,
    );
    ch.fin_material = z_only();
    fins.channels = vec![ch];
    let layers = vec![
        layer("skin", 0.01, z_only(), 1),
        layer("base", 1.0, z_only(), 1),
        fins,
    ];
    let heater = block(
        "heater",
        0,
        strip.0,
        0.0,
        strip.1,
        LEN_MM,
        z_only(),
        power_w,
    );
    let mut d = design(WIDTH_MM, LEN_MM, 1.0, layers, vec![heater]);
    d.coolant = Some(Coolant {
        fluid,
        inlet_c,
        flow_lpm,
        pressure_kpa: materials::ATMOSPHERE_KPA,
        pump_curve: None,
        links: Vec::new(),
        balance: Vec::new(),
        balance_cd: 0.61,
    });
    d
}

fn tight() -> SolveOptions {
    SolveOptions {
        tolerance: 1e-10,
        ..Default::default()
    }
}

/// ∫ c_p dT from `t1` to `t2` by the midpoint rule on steps of ≤ 1e-3 K, from the table's
/// c_p alone (independent of the solver's enthalpy function). c_p is piecewise linear, so
/// the rule is exact except at the row kinks: ≤ (1e-3 K)² × |Δc_p'| ≈ 1e-8 J/kg each.
fn cp_integral(f: &Fluid, t1: f64, t2: f64) -> f64 {
    let n = ((t2 - t1).abs() / 1e-3).ceil().max(1.0) as usize;
    let dt = (t2 - t1) / n as f64;
    (0..n)
        .map(|i| f.props_at(t1 + (i as f64 + 0.5) * dt).cp_j_kgk * dt)
        .sum()
}

/// The temperature reached from `t1` by adding `dh` J/kg, inverting [`cp_integral`] by
/// bisection.
fn heat_by(f: &Fluid, t1: f64, dh: f64) -> f64 {
    let (mut lo, mut hi) = (t1, t1 + 2.0 * dh / f.props_at(t1).cp_j_kgk + 1.0);
    for _ in 0..60 {
        let mid = 0.5 * (lo + hi);
        if cp_integral(f, t1, mid) < dh {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    0.5 * (lo + hi)
}

/// PG25 from 20 °C, 0.1 L/min, 280 W: a ≈ 42 K rise, over which μ falls 2.7-fold.
const PG_INLET_C: f64 = 20.0;
const PG_FLOW_LPM: f64 = 0.1;
const PG_POWER_W: f64 = 280.0;

fn pg25_plate() -> Design {
    strip_heated(
        fluid("pg25"),
        PG_INLET_C,
        PG_FLOW_LPM,
        PG_POWER_W,
        (0.0, WIDTH_MM),
    )
}

fn mdot_kg_s(f: &Fluid, inlet_c: f64, flow_lpm: f64) -> f64 {
    // `flow_lpm` is the volume flow at the inlet temperature.
    f.props_at(inlet_c).density_kg_m3 * flow_lpm / 60_000.0
}

#[test]
fn outlet_closes_the_exact_enthalpy_balance() {
    let d = pg25_plate();
    let s = d.solve(&tight()).unwrap();
    let c = s.results.coolant.as_ref().unwrap();
    let f = fluid("pg25");
    let mdot = mdot_kg_s(&f, PG_INLET_C, PG_FLOW_LPM);
    // Every stream takes the same heat (uniform heater, no lateral conduction), so the mixed
    // outlet is each stream's outlet, and P = ṁ ∫ c_p dT from inlet to outlet, exactly. What
    // is left: the property fixed point's 1e-4 K (c_p changes by 2.4 J/(kg·K) per K, so
    // ~1e-8 of ṁ·∫c_p dT) and the linear residual 1e-10.
    let absorbed = mdot * cp_integral(&f, c.inlet_c, c.outlet_c);
    assert!(
        (absorbed - PG_POWER_W).abs() <= 1e-6 * PG_POWER_W,
        "ṁ∫c_p dT = {absorbed} W vs {PG_POWER_W} W (outlet {} °C)",
        c.outlet_c
    );
    assert!(s.results.energy_balance_error.unwrap() <= 1e-6);
    // With c_p at the inlet the same power would give a 0.6 % larger rise: the check above
    // does see the difference.
    let rise_inlet_cp = PG_POWER_W / (mdot * f.props_at(PG_INLET_C).cp_j_kgk);
    assert!(
        rise_inlet_cp - (c.outlet_c - c.inlet_c) > 0.1,
        "{rise_inlet_cp}"
    );
    // The fixed point took a few rounds (one per property update), not the cap.
    let rounds = s.results.solver.property_iterations.unwrap();
    assert!((2..=8).contains(&rounds), "{rounds} rounds");
}

#[test]
fn the_coolant_profile_follows_the_enthalpy_of_each_cell() {
    // Cell n (from 1 at the inlet) of a stream has taken n/N of the stream's heat:
    // h(T_n) = h(T_in) + n·P/(N·ṁ). First-order upwind makes this exact at cell level.
    let s = pg25_plate().solve(&tight()).unwrap();
    let f = fluid("pg25");
    let mdot = mdot_kg_s(&f, PG_INLET_C, PG_FLOW_LPM);
    let field = &s.field;
    let k = field.layer_cells(2).start;
    let n_along = field.ny;
    for j in [0, n_along / 3, n_along - 1] {
        let want = heat_by(
            &f,
            PG_INLET_C,
            (j + 1) as f64 * PG_POWER_W / (n_along as f64 * mdot),
        );
        let got = field.fluid_c[field.idx(field.nx / 2, j, k)];
        // The bisection and quadrature are good to ~1e-9 K; the fixed point to 1e-4 K.
        assert!((got - want).abs() <= 2e-4, "cell {j}: {got} vs {want}");
    }
}

/// Laminar, fully developed: Δp = 2·fRe·L·ṁ·ν/(A·D_h²) at one viscosity ν = μ/ρ, so with ν
/// varying along the stream the field's Δp is that with the mean ν over its cells.
fn fully_developed_dp_pa(mdot: f64, mean_nu: f64) -> f64 {
    let (w, h, t) = (GAP_MM * 1e-3, HEIGHT_MM * 1e-3, FIN_MM * 1e-3);
    let dh = 2.0 * w * h / (w + h);
    let area = WIDTH_MM * 1e-3 / (w + t) * w * h;
    let alpha = w / h;
    let fre = 24.0
        * (1.0 - 1.3553 * alpha + 1.9467 * alpha.powi(2) - 1.7012 * alpha.powi(3)
            + 0.9564 * alpha.powi(4)
            - 0.2537 * alpha.powi(5));
    2.0 * fre * LEN_MM * 1e-3 * mdot * mean_nu / (area * dh * dh)
}

/// The inlet and outlet plenums: a sharp-edged contraction into the fins, K_c = 0.5(1 − σ)
/// (Crane TP-410), and the Borda–Carnot expansion out of them, K_e = (1 − σ)², σ = w_c/p,
/// at the channel velocity: (K_c + K_e)·ṁ²/(2A²)·(1/ρ), 1/ρ averaged over the cells like ν.
fn plenum_dp_pa(mdot: f64, mean_inv_rho: f64) -> f64 {
    let sigma = GAP_MM / (GAP_MM + FIN_MM);
    let k = 0.5 * (1.0 - sigma) + (1.0 - sigma).powi(2);
    let area = WIDTH_MM / (GAP_MM + FIN_MM) * GAP_MM * HEIGHT_MM * 1e-6;
    k * mdot * mdot / (2.0 * area * area) * mean_inv_rho
}

#[test]
fn a_heating_coolant_drops_less_pressure_as_its_viscosity_falls() {
    let f = fluid("pg25");
    let local = pg25_plate().solve(&tight()).unwrap();
    // The same loop with PG25's properties frozen at the inlet (a custom constant fluid).
    let mut frozen = pg25_plate();
    frozen.coolant.as_mut().unwrap().fluid = Fluid {
        name: "custom".into(),
        table: vec![(PG_INLET_C, f.props_at(PG_INLET_C))],
    };
    let frozen = frozen.solve(&tight()).unwrap();
    let dp_local = local.results.coolant.as_ref().unwrap().pressure_drop_kpa * 1e3;
    let dp_frozen = frozen.results.coolant.as_ref().unwrap().pressure_drop_kpa * 1e3;
    // Physics: laminar Δp ∝ ∫ ν dx at fixed ṁ; PG25's ν falls from 2.46 to 0.87 mm²/s
    // between 20 and 62 °C, so the heated stream must drop well under the frozen one.
    assert!(
        dp_local < 0.8 * dp_frozen,
        "{dp_local} Pa vs {dp_frozen} Pa"
    );

    // Quantitatively: the mean ν (and 1/ρ) over the cells, at the exact cell temperatures
    // h(T_n) = h_in + n·P/(N·ṁ), plus the plenums. The solver's apparent (developing-flow)
    // friction exceeds the fully developed one by ≈ 1.25/(4x⁺) in f·Re, x⁺ = L/(D_h Re) ≥ 6.9
    // here (Re ≤ 42 at the hot end): at most 0.23 % of f·Re ≈ 20, so the solver's Δp lies
    // 0–0.5 % above.
    let mdot = mdot_kg_s(&f, PG_INLET_C, PG_FLOW_LPM);
    let n = local.field.ny;
    let cells: Vec<_> = (1..=n)
        .map(|i| {
            f.props_at(heat_by(
                &f,
                PG_INLET_C,
                i as f64 * PG_POWER_W / (n as f64 * mdot),
            ))
        })
        .collect();
    let mean = |g: &dyn Fn(&coldtray_solver::FluidProps) -> f64| {
        cells.iter().map(g).sum::<f64>() / n as f64
    };
    let mean_nu = mean(&|p| p.viscosity_pa_s / p.density_kg_m3);
    let plenum = plenum_dp_pa(mdot, mean(&|p| 1.0 / p.density_kg_m3));
    let want = fully_developed_dp_pa(mdot, mean_nu) + plenum;
    let excess = (dp_local - want) / want;
    assert!((0.0..=5e-3).contains(&excess), "{dp_local} Pa vs {want} Pa");
    // The plenum part is reported apart: 1e-6, the cell temperatures being exact to the
    // fixed point's 1e-4 K (ρ moves 1e-7 with it).
    let field = &local.results.hydraulics.as_ref().unwrap().fields[0];
    assert!(
        (field.plenum_dp_kpa * 1e3 / plenum - 1.0).abs() < 1e-6,
        "{} kPa vs {plenum} Pa",
        field.plenum_dp_kpa
    );
    let p_in = f.props_at(PG_INLET_C);
    let want_frozen = fully_developed_dp_pa(mdot, p_in.viscosity_pa_s / p_in.density_kg_m3)
        + plenum_dp_pa(mdot, 1.0 / p_in.density_kg_m3);
    let excess = (dp_frozen - want_frozen) / want_frozen;
    assert!(
        (0.0..=5e-3).contains(&excess),
        "{dp_frozen} Pa vs {want_frozen} Pa"
    );
}

#[test]
fn the_flow_split_follows_the_local_viscosity() {
    // Two identical fields side by side, fed in parallel; field B's coolant is held at 60 °C,
    // field A's at 20 °C. Equal Δp with Δp ∝ ṁ·ν (laminar, fully developed) gives
    // ṁ_B/ṁ_A = ν_A/ν_B = 2.75 for PG25; the developing-flow terms (≤ 0.3 % of f·Re here)
    // move it by less than 1 %.
    let mut fins = layer("fins", HEIGHT_MM, z_only(), 1);
    let field = |x: f64| {
        let mut ch = channels(
            x,
            0.0,
            10.0,
            LEN_MM,
            FlowDirection::PlusY,
            FIN_MM,
            GAP_MM,
            None,
        );
        ch.fin_material = z_only();
        ch
    };
    fins.channels = vec![field(0.0), field(10.0)];
    let heater = block("heater", 0, 0.0, 0.0, WIDTH_MM, LEN_MM, z_only(), 1.0);
    let mut d = design(
        WIDTH_MM,
        LEN_MM,
        1.0,
        vec![layer("skin", 0.01, z_only(), 1), fins],
        vec![heater],
    );
    d.coolant = Some(Coolant {
        fluid: fluid("pg25"),
        inlet_c: PG_INLET_C,
        flow_lpm: PG_FLOW_LPM,
        pressure_kpa: materials::ATMOSPHERE_KPA,
        pump_curve: None,
        links: Vec::new(),
        balance: Vec::new(),
        balance_cd: 0.61,
    });
    let asm = assembly::assemble(&d).unwrap();
    let g = &asm.grid;
    // One fluid group (one layer, one direction): a temperature per internal column.
    let temps: Vec<f64> = (0..g.nx * g.ny)
        .map(|c| {
            let (u, v) = (c % g.orient.nu(), c / g.orient.nu());
            let (i, _) = g.orient.ij(u, v);
            if i < 10 {
                20.0
            } else {
                60.0
            }
        })
        .collect();
    let hot = assembly::assemble_at(&d, ZGrid::Design, Some(&[temps])).unwrap();
    let cs = hot.coolant.as_ref().unwrap();
    let (a, b) = (&cs.fields[0], &cs.fields[1]);
    let f = fluid("pg25");
    let nu = |t: f64| {
        let p = f.props_at(t);
        p.viscosity_pa_s / p.density_kg_m3
    };
    let ratio = b.mdot_kg_s / a.mdot_kg_s;
    let want = nu(20.0) / nu(60.0);
    assert!((ratio / want - 1.0).abs() < 0.01, "{ratio} vs {want}");
    assert!(((a.mdot_kg_s + b.mdot_kg_s) / mdot_kg_s(&f, 20.0, PG_FLOW_LPM) - 1.0).abs() < 1e-12);
    let (dpa, dpb) = (a.perf.pressure_drop_pa, b.perf.pressure_drop_pa);
    assert!((dpa - dpb).abs() <= 1e-8 * dpa, "{dpa} vs {dpb}");
}

/// A heater over the strip x ∈ [0, 5) of the 20 mm field: its 5 streams carry 4× the mean
/// rise (no lateral conduction), which the pre-solve check of the mixed outlet cannot see.
fn hot_strip(fluid: Fluid, inlet_c: f64, mean_rise_k: f64, pressure_kpa: f64) -> Design {
    let flow_lpm = 0.5;
    let mdot = mdot_kg_s(&fluid, inlet_c, flow_lpm);
    let power_w = mean_rise_k * mdot * fluid.props_at(inlet_c).cp_j_kgk;
    let mut d = strip_heated(fluid, inlet_c, flow_lpm, power_w, (0.0, 5.0));
    d.coolant.as_mut().unwrap().pressure_kpa = pressure_kpa;
    d
}

fn solve_err(d: &Design) -> String {
    match d.solve(&SolveOptions::default()) {
        Err(e @ SolveError::CoolantOutOfRange(_)) => e.to_string(),
        other => panic!("expected a coolant out-of-range error, got {other:?}"),
    }
}

#[test]
fn a_coolant_leaving_its_table_is_an_error_naming_the_field() {
    // Water from 80 °C, mean rise 4.25 K, the heated streams ≈ 17 K: ≈ 97 °C, past the table
    // (1–95 °C) but below boiling (99.97 °C).
    let e = solve_err(&hot_strip(
        fluid("water"),
        80.0,
        4.25,
        materials::ATMOSPHERE_KPA,
    ));
    for want in [
        "`fins`",
        "above the water property table (1–95 °C)",
        "coolant.flow_lpm",
    ] {
        assert!(e.contains(want), "{e}");
    }
    assert!(!e.contains('\n'), "one line: {e}");
    // The same loop with a quarter of the heat stays inside: a result, not an error.
    hot_strip(fluid("water"), 80.0, 1.0, materials::ATMOSPHERE_KPA)
        .solve(&SolveOptions::default())
        .unwrap();
}

#[test]
fn a_transient_run_whose_coolant_leaves_its_table_is_an_error_too() {
    // The steady case above as a transient run from 80 °C: a transient keeps its properties
    // at the mean temperature, but a coolant past its table (≈ 97 °C in the heated streams)
    // has no answer at any step, so the run stops with the same error instead of clamping.
    let mut d = hot_strip(fluid("water"), 80.0, 4.25, materials::ATMOSPHERE_KPA);
    d.transient = Some(coldtray_solver::Transient {
        duration_s: 5.0,
        dt_s: 0.5,
        initial_c: 80.0,
        trace: None,
        probes: Vec::new(),
    });
    let e = solve_err(&d);
    assert!(
        e.contains("above the water property table (1–95 °C)"),
        "{e}"
    );
    // With a quarter of the heat the run completes.
    let mut ok = hot_strip(fluid("water"), 80.0, 1.0, materials::ATMOSPHERE_KPA);
    ok.transient = d.transient.clone();
    ok.solve(&SolveOptions::default()).unwrap();
}

#[test]
fn a_coolant_reaching_its_boiling_point_at_the_loop_pressure_is_an_error() {
    // PG25 at 50 kPa boils at ≈ 83.5 °C (Raoult with water at 54 kPa). From 60 °C a mean
    // rise of 7 K passes the pre-solve check (67 °C), while the heated streams reach ≈ 88 °C.
    let d = hot_strip(fluid("pg25"), 60.0, 7.0, 50.0);
    let e = solve_err(&d);
    for want in [
        "`fins`",
        "boiling point of pg25 at 50 kPa (83.",
        "coolant.pressure_kpa",
    ] {
        assert!(e.contains(want), "{e}");
    }
    // At 1 atm the same loop is single-phase (boiling at 102.2 °C) and solves.
    let mut ok = d.clone();
    ok.coolant.as_mut().unwrap().pressure_kpa = materials::ATMOSPHERE_KPA;
    let s = ok.solve(&SolveOptions::default()).unwrap();
    let hottest = s
        .field
        .fluid_c
        .iter()
        .copied()
        .filter(|t| t.is_finite())
        .fold(0.0, f64::max);
    assert!(hottest > 84.0 && hottest < 95.0, "{hottest}");
}

#[test]
fn a_constant_property_fluid_gives_the_one_dimensional_answer_in_one_round() {
    // A custom fluid (all four properties, no table): the outlet is T_in + P/(ρ Q c_p)
    // exactly (upwind conservation; linear residual 1e-10), in a single solve. The same with
    // a built-in name and all four properties given (its table collapses to one row).
    for name in ["custom", "water"] {
        let props = FluidProps {
            density_kg_m3: 1050.0,
            cp_j_kgk: 3500.0,
            k: 0.5,
            viscosity_pa_s: 2e-3,
        };
        let custom = Fluid {
            name: name.into(),
            table: vec![(PG_INLET_C, props)],
        };
        let s = strip_heated(custom, 30.0, 0.2, 300.0, (0.0, WIDTH_MM))
            .solve(&tight())
            .unwrap();
        let c = s.results.coolant.as_ref().unwrap();
        let want = 300.0 / (1050.0 * 0.2 / 60_000.0 * 3500.0);
        assert!(
            ((c.outlet_c - c.inlet_c) - want).abs() <= 1e-6 * want,
            "{name}"
        );
        assert_eq!(s.results.solver.property_iterations, Some(1), "{name}");
        // Fully developed laminar Δp at the one viscosity (Re = 38, x⁺ = 7.6: the
        // developing-flow excess is 0.2 %, within 0.5 %).
        let mdot = 1050.0 * 0.2 / 60_000.0;
        let dp = c.pressure_drop_kpa * 1e3;
        let want_dp = fully_developed_dp_pa(mdot, 2e-3 / 1050.0);
        assert!(
            ((dp - want_dp) / want_dp).abs() <= 5e-3,
            "{dp} vs {want_dp}"
        );
    }
}
