//! Each Δp law against its defining equation, solved through a network so the whole path
//! (law, oddness, Newton) is exercised.

use std::f64::consts::PI;

use coldtray_solver::hydraulics::{
    churchill_darcy, Curve, Drive, LinkKind, Network, NoFields, Pipe, Quadratic,
};

use super::{certify, link, rel, LPM, WATER};

/// One link between supply and return at a fixed flow.
fn single(kind: LinkKind, q_m3s: f64) -> (Network, coldtray_solver::hydraulics::NetworkSolution) {
    let net = Network::new(
        vec![link("only", "supply", "return", kind)],
        vec![],
        Drive::Flow { total_m3s: q_m3s },
    )
    .unwrap();
    let sol = net.solve(&WATER, &NoFields).unwrap();
    certify(&net, &sol);
    (net, sol)
}

#[test]
fn minor_loss_is_k_times_the_dynamic_pressure() {
    // Δp = K ρ v²/2 in the reference diameter; the law is that formula, so equality is to
    // round-off (1e-12).
    let (k, d_mm, q) = (1.8, 8.0, 5.0 * LPM);
    let (_, sol) = single(LinkKind::Quadratic(Quadratic::k_loss(k, d_mm)), q);
    let v = q / (PI * (d_mm * 1e-3).powi(2) / 4.0);
    let want = k * WATER.density_kg_m3 * v * v / 2.0;
    assert!(
        rel(sol.link_dp_pa[0], want) < 1e-12,
        "{} vs {want}",
        sol.link_dp_pa[0]
    );
    assert!(rel(sol.link_velocity_m_s[0].unwrap(), v) < 1e-12);
}

#[test]
fn laminar_pipe_is_hagen_poiseuille() {
    // Δp = 128 μ L Q / (π D⁴). Churchill's f = 8[(8/Re)¹² + (A+B)^(−3/2)]^(1/12) departs from
    // 64/Re by (A+B)^(−3/2) / (12 (8/Re)¹²): about 1e-24 at Re = 500 and 5e-8 at Re = 1500
    // (B = (37530/Re)¹⁶ dominates A there), so the tolerances are 1e-12 (round-off) and 1e-6.
    let (l_mm, d_mm) = (1000.0, 4.0);
    let d = d_mm * 1e-3;
    for (re, tol) in [(0.01, 1e-12), (500.0, 1e-12), (1500.0, 1e-6)] {
        let q = re * WATER.viscosity_pa_s * PI * d / (4.0 * WATER.density_kg_m3);
        let (_, sol) = single(LinkKind::Pipe(Pipe::new(l_mm, d_mm, 1.5)), q);
        let want = 128.0 * WATER.viscosity_pa_s * (l_mm * 1e-3) * q / (PI * d.powi(4));
        assert!(rel(sol.link_reynolds[0].unwrap(), re) < 1e-12);
        assert!(
            rel(sol.link_dp_pa[0], want) < tol,
            "Re {re}: {} vs Hagen–Poiseuille {want}",
            sol.link_dp_pa[0]
        );
    }
}

/// Colebrook's implicit equation 1/√f = −2 log₁₀(ε/(3.7 D) + 2.51/(Re √f)), solved by
/// fixed-point iteration on x = 1/√f (a contraction: converges to 1e-15 in a few dozen steps).
fn colebrook(re: f64, rel_roughness: f64) -> f64 {
    let mut x: f64 = 8.0;
    for _ in 0..200 {
        x = -2.0 * (rel_roughness / 3.7 + 2.51 * x / re).log10();
    }
    1.0 / (x * x)
}

#[test]
fn turbulent_pipe_is_within_one_percent_of_colebrook() {
    // Churchill's turbulent term is an explicit fit to Colebrook: within 1 % for
    // Re 10⁴ … 10⁷ and ε/D ≤ 10⁻³ (drawn tubing of a cold-plate loop: 1.5 µm in 4–20 mm is
    // ε/D ≈ 10⁻⁴), and within 3.5 % over the whole turbulent range Re 4·10³ … 10⁸,
    // ε/D ≤ 0.05 (largest near Re 4000 and for rough walls).
    for re in [1e4, 2e4, 5e4, 1e5, 3e5, 1e6, 3e6, 1e7] {
        for rr in [0.0, 1e-5, 1e-4, 3e-4, 1e-3] {
            let (f, _) = churchill_darcy(re, rr);
            let c = colebrook(re, rr);
            assert!(
                rel(f, c) < 0.01,
                "Re {re}, ε/D {rr}: Churchill {f}, Colebrook {c}"
            );
        }
    }
    for re in [4e3, 6e3, 1e4, 1e5, 1e6, 1e7, 1e8] {
        for rr in [0.0, 1e-4, 1e-3, 1e-2, 0.05] {
            let (f, _) = churchill_darcy(re, rr);
            let c = colebrook(re, rr);
            assert!(
                rel(f, c) < 0.035,
                "Re {re}, ε/D {rr}: Churchill {f}, Colebrook {c}"
            );
        }
    }
    // And through a network: a 10 mm hose at 20 L/min (Re ≈ 42 000) against Darcy–Weisbach
    // with Colebrook's factor.
    let pipe = Pipe::new(2000.0, 10.0, 1.5);
    let q = 20.0 * LPM;
    let (_, sol) = single(LinkKind::Pipe(pipe), q);
    let re = sol.link_reynolds[0].unwrap();
    let v = sol.link_velocity_m_s[0].unwrap();
    let want = colebrook(re, 1.5e-6 / 0.01) * (2.0 / 0.01) * WATER.density_kg_m3 * v * v / 2.0;
    assert!(re > 4e4, "turbulent: Re {re}");
    assert!(
        rel(sol.link_dp_pa[0], want) < 0.01,
        "{} vs {want}",
        sol.link_dp_pa[0]
    );
}

#[test]
fn cv_quick_disconnect_follows_its_definition() {
    // Cv is the US gpm of water at 60 °F (SG 1, 999.0 kg/m³) that 1 psi drives: Cv 1.0 at
    // 1 gpm drops exactly 1 psi = 6894.757 Pa. Constants: 1 US gal = 3.785411784 L,
    // 1 psi = 6894.757293168 Pa (both exact by definition).
    let water_60f = coldtray_solver::hydraulics::Liquid {
        density_kg_m3: 999.0,
        viscosity_pa_s: 1.1e-3,
    };
    let gpm = 3.785_411_784e-3 / 60.0;
    let net = Network::new(
        vec![link(
            "qd",
            "supply",
            "return",
            LinkKind::Quadratic(Quadratic::cv(1.0)),
        )],
        vec![],
        Drive::Flow { total_m3s: gpm },
    )
    .unwrap();
    let sol = net.solve(&water_60f, &NoFields).unwrap();
    assert!(
        rel(sol.link_dp_pa[0], 6_894.757_293_168) < 1e-12,
        "{}",
        sol.link_dp_pa[0]
    );
    // Cv 2.5 with PG25 (SG = 1010.4/999.0) at 3 gpm: Δp_psi = SG (3/2.5)².
    let pg = coldtray_solver::hydraulics::Liquid {
        density_kg_m3: 1010.4,
        viscosity_pa_s: 1.38e-3,
    };
    let net = Network::new(
        vec![link(
            "qd",
            "supply",
            "return",
            LinkKind::Quadratic(Quadratic::cv(2.5)),
        )],
        vec![],
        Drive::Flow {
            total_m3s: 3.0 * gpm,
        },
    )
    .unwrap();
    let sol = net.solve(&pg, &NoFields).unwrap();
    let want_psi = 1010.4 / 999.0 * (3.0f64 / 2.5).powi(2);
    assert!(rel(sol.link_dp_pa[0], want_psi * 6_894.757_293_168) < 1e-12);
}

#[test]
fn orifice_follows_its_discharge_equation() {
    // Q = C_d A √(2Δp/ρ), and with a pipe of diameter D: Q = C_d A √(2Δp/(ρ(1 − β⁴))).
    let (d_mm, cd, q) = (3.0, 0.61, 2.0 * LPM);
    let area = PI * (d_mm * 1e-3f64).powi(2) / 4.0;
    for pipe in [None, Some(6.0)] {
        let (_, sol) = single(LinkKind::Quadratic(Quadratic::orifice(d_mm, cd, pipe)), q);
        let beta4 = pipe.map_or(0.0, |p: f64| (d_mm / p).powi(4));
        let q_back =
            cd * area * (2.0 * sol.link_dp_pa[0] / (WATER.density_kg_m3 * (1.0 - beta4))).sqrt();
        assert!(rel(q_back, q) < 1e-12, "β from {pipe:?}: {q_back} vs {q}");
    }
}

#[test]
fn curve_passes_through_its_points_and_warns_past_the_last() {
    let points = [(1.0, 2.0), (3.0, 9.0), (6.0, 30.0)];
    for &(q_lpm, dp_kpa) in &points {
        let (_, sol) = single(LinkKind::Curve(Curve::new(&points).unwrap()), q_lpm * LPM);
        assert!(rel(sol.link_dp_pa[0], dp_kpa * 1e3) < 1e-12);
        assert!(sol.warnings.is_empty(), "{:?}", sol.warnings);
    }
    // Beyond the last point: Δp ∝ Q² from it, and a warning naming the link.
    let (_, sol) = single(LinkKind::Curve(Curve::new(&points).unwrap()), 9.0 * LPM);
    assert!(rel(sol.link_dp_pa[0], 30e3 * (9.0f64 / 6.0).powi(2)) < 1e-12);
    assert_eq!(sol.warnings.len(), 1);
    assert!(sol.warnings[0].contains("`only`") && sol.warnings[0].contains("extrapolated"));
}

#[test]
fn laws_are_odd_so_a_link_against_the_flow_has_negative_flow_and_drop() {
    // Link `e` is written return → x, but x sits above the return: the coolant runs x →
    // return through it, so its flow and its drop are both negative, and the drop is the
    // law's at the flow's magnitude with the sign flipped.
    let pipe = Pipe::new(500.0, 6.0, 1.5);
    let fitting = Quadratic::k_loss(1.0, 6.0);
    let q = 4.0 * LPM;
    let net = Network::new(
        vec![
            link("a", "supply", "mid", LinkKind::Pipe(pipe)),
            link("b", "mid", "return", LinkKind::Pipe(pipe)),
            link("c", "mid", "x", LinkKind::Pipe(pipe)),
            link("d", "x", "return", LinkKind::Pipe(pipe)),
            link("e", "return", "x", LinkKind::Quadratic(fitting)),
        ],
        vec![],
        Drive::Flow { total_m3s: q },
    )
    .unwrap();
    let sol = net.solve(&WATER, &NoFields).unwrap();
    certify(&net, &sol);
    let (qe, dpe) = (sol.link_flow_m3s[4], sol.link_dp_pa[4]);
    assert!(qe < 0.0 && dpe < 0.0, "{qe} m³/s, {dpe} Pa");
    assert!(rel(-dpe, fitting.dp(-qe, &WATER).0) < 1e-12);
}
