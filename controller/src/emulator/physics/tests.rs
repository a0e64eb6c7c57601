//! Physics checked against physics: exact solutions, operating points and the leak formula.
use super::*;

#[test]
fn starts_at_atmosphere_and_stays_sealed() {
    let mut rig = Rig::new(RigParams::default());
    assert!(rig.pressure_kpa().abs() < 1e-9);
    let n0 = rig.n_mol;
    for _ in 0..1000 {
        rig.step(0.01, &Inputs::default());
    }
    assert_eq!(rig.n_mol, n0, "a sealed tray conserves gas");
}

#[test]
fn fill_relaxes_to_supply_with_its_time_constant() {
    // Without heating the fill is linear: P(t) = Ps·(1 − e^(−t/τ)), τ = V/(R·T·G).
    let params = RigParams {
        heating_k_per_kpa: 0.0,
        ..RigParams::default()
    };
    let mut rig = Rig::new(params.clone());
    let g = params.fill_sccm_per_kpa * MOL_PER_STD_ML / 60.0;
    let t = params.ambient_c + T0_K;
    let tau = params.volume_ml * 1e-6 / (R_J_PER_MOL_K * t * g) * 1e3;
    let inp = Inputs {
        fill_path_open: true,
        ..Inputs::default()
    };
    for _ in 0..200 {
        rig.step(0.01, &inp);
    }
    let expect = params.supply_kpa * (1.0 - (-2.0 / tau).exp());
    // Exact exponential update: only rounding error.
    assert!(
        (rig.pressure_kpa() - expect).abs() < 1e-6,
        "{} vs {expect}",
        rig.pressure_kpa()
    );
}

#[test]
fn pump_operating_point_is_on_both_curves() {
    let mut rig = Rig::new(RigParams::default());
    rig.pump_speed_pct = 60.0;
    let p = &rig.params;
    for blocked in [false, true] {
        let q = rig.flow_lpm(blocked);
        let dp = rig.dp_kpa(blocked);
        let pump = p.pump_shutoff_kpa * 0.36 - p.pump_curve_kpa_per_lpm2 * q * q;
        assert!((pump - dp).abs() < 1e-9, "pump head {pump} ≠ tray ΔP {dp}");
    }
    assert!((rig.flow_lpm(false) - 7.5).abs() < 0.01);
}

/// the pressure-decay leak formula: V·(P1/T1 − P2/T2)·(273.15/101.325)/(Δt/60).
fn leak_sccm(v_ml: f64, p1_kpa_g: f64, t1_c: f64, p2_kpa_g: f64, t2_c: f64, dt_s: f64) -> f64 {
    let (p1, p2) = (p1_kpa_g + P_ATM_KPA, p2_kpa_g + P_ATM_KPA);
    let (t1, t2) = (t1_c + T0_K, t2_c + T0_K);
    v_ml * (p1 / t1 - p2 / t2) * (T0_K / P_ATM_KPA) / (dt_s / 60.0)
}

/// The recipe's leak test on the noise-free rig: fill until 525 kPa, close everything, wait
/// `stabilize_s`, measure 30 s. Returns (leak from sensor temperature, leak from true
/// temperature, fill time).
fn leak_test(leak: f64, stabilize_s: f64) -> (f64, f64, f64) {
    let params = RigParams::default();
    let dt = params.step_s;
    let v = params.volume_ml;
    let mut rig = Rig::new(params);
    let mut inp = Inputs {
        fill_path_open: true,
        leak_sccm: leak,
        ..Inputs::default()
    };
    let mut t = 0.0;
    while rig.pressure_kpa() < 525.0 {
        rig.step(dt, &inp);
        t += dt;
        assert!(t < 30.0, "fill timed out");
    }
    inp.fill_path_open = false;
    for _ in 0..(stabilize_s / dt).round() as usize {
        rig.step(dt, &inp);
    }
    let (p1, s1, g1) = (rig.pressure_kpa(), rig.sensor_c(), rig.gas_c());
    for _ in 0..(30.0 / dt).round() as usize {
        rig.step(dt, &inp);
    }
    let (p2, s2, g2) = (rig.pressure_kpa(), rig.sensor_c(), rig.gas_c());
    (
        leak_sccm(v, p1, s1, p2, s2, 30.0),
        leak_sccm(v, p1, g1, p2, g2, 30.0),
        t,
    )
}

#[test]
fn true_temperature_recovers_leak_exactly() {
    // With the true gas temperature the formula measures moles lost: exact up to the f64
    // rounding of a 0.03 % pressure change (1e-6 relative is generous).
    for leak in [0.0, 0.5, 2.0] {
        let (_, exact, _) = leak_test(leak, 20.0);
        assert!(
            (exact - leak).abs() < 1e-6 * 600.0 + 1e-9,
            "{exact} vs {leak}"
        );
        let (_, exact0, _) = leak_test(leak, 0.0);
        assert!(
            (exact0 - leak).abs() < 1e-4,
            "stabilise 0: {exact0} vs {leak}"
        );
    }
}

#[test]
fn sealed_tray_reads_below_0_1_sccm_after_20_s_stabilisation() {
    // A sealed tray after 20 s of stabilisation must measure well below the 0.1 sccm a sealed
    // tray is allowed (the temperature-compensated leak the controller computes).
    // The noise-free residual must leave room for sensor noise (≈ 0.02 sccm two-sample).
    let (measured, _, fill_s) = leak_test(0.0, 20.0);
    eprintln!("sealed tray, stabilise 20 s: {measured:.5} sccm, fill {fill_s:.2} s");
    assert!(measured.abs() < 0.02, "sealed tray reads {measured} sccm");
    assert!((3.0..10.0).contains(&fill_s), "fill took {fill_s} s");
}

#[test]
fn no_stabilisation_reads_a_false_leak() {
    // Contract: with stabilise 0 s the same sealed tray reads > 0.5 sccm (compression heat
    // decaying faster than the lagging, partly coupled sensor can follow).
    let (measured, _, _) = leak_test(0.0, 0.0);
    eprintln!("sealed tray, stabilise 0 s: {measured:.4} sccm");
    assert!(measured > 0.5, "false leak only {measured} sccm");
    // ...and the false leak shrinks as stabilisation grows.
    let (m5, _, _) = leak_test(0.0, 5.0);
    let (m10, _, _) = leak_test(0.0, 10.0);
    assert!(
        measured > m5 && m5 > m10 && m10 > 0.0,
        "{measured} {m5} {m10}"
    );
}

#[test]
fn two_sccm_leak_measured_within_ten_percent() {
    let (measured, _, _) = leak_test(2.0, 20.0);
    assert!(
        (measured - 2.0).abs() < 0.2 * 0.25,
        "2 sccm leak reads {measured}"
    );
}

#[test]
fn gross_leak_never_reaches_test_pressure() {
    // Linear conductances: the fill settles at Ps·C_fill/(C_fill + C_gross) = 300 kPa.
    let params = RigParams::default();
    let expect = params.supply_kpa * params.fill_sccm_per_kpa
        / (params.fill_sccm_per_kpa + params.gross_leak_sccm_per_kpa);
    let mut rig = Rig::new(params);
    let inp = Inputs {
        fill_path_open: true,
        gross_leak: true,
        ..Inputs::default()
    };
    let mut max_p: f64 = 0.0;
    for _ in 0..6000 {
        rig.step(0.01, &inp);
        max_p = max_p.max(rig.pressure_kpa());
    }
    assert!(max_p < 525.0);
    // Compression heat has decayed after 60 s: pressure at the conductance equilibrium.
    assert!(
        (rig.pressure_kpa() - expect).abs() < 0.5,
        "{} vs {expect}",
        rig.pressure_kpa()
    );
}

#[test]
fn vent_reaches_5_kpa_within_vent_timeout() {
    let mut rig = Rig::new(RigParams::default());
    let mut inp = Inputs {
        fill_path_open: true,
        ..Inputs::default()
    };
    while rig.pressure_kpa() < 525.0 {
        rig.step(0.01, &inp);
    }
    inp.fill_path_open = false;
    inp.vent_open = true;
    let mut t = 0.0;
    while rig.pressure_kpa() > 5.0 {
        rig.step(0.01, &inp);
        t += 0.01;
    }
    // τ = 1 s: ln(525/5) ≈ 4.7 s, well inside the recipe's 20 s.
    assert!(t < 8.0, "vent took {t} s");
}

#[test]
fn over_pressure_exceeds_limit_with_valves_closed() {
    let mut rig = Rig::new(RigParams::default());
    let inp = Inputs {
        over_pressure: true,
        ..Inputs::default()
    };
    for _ in 0..500 {
        rig.step(0.01, &inp);
    }
    assert!(rig.pressure_kpa() > 700.0, "{}", rig.pressure_kpa());
}
