//! Whole networks: exact series sums and parallel splits, symmetric branches, the pump's
//! operating point, a tray-like loop, and today's implicit parallel loop.

use coldtray_solver::hydraulics::{
    Curve, Drive, LinkKind, Liquid, Network, NoFields, Pipe, PumpCurve, Quadratic,
};

use super::{certify, field, link, names, rel, Fields, LPM, WATER};

#[test]
fn series_links_add_their_drops() {
    // Two linear fields in series: Δp = (R₁ + R₂) Q and the middle node at R₂ Q, exact up to
    // round-off (the laws are linear, so Newton's first, linear step is the answer).
    let (r1, r2, q) = (2.0e8, 5.0e8, 1.5 * LPM);
    let net = Network::new(
        vec![
            link("a", "supply", "mid", field(0)),
            link("b", "mid", "return", field(1)),
        ],
        names(2),
        Drive::Flow { total_m3s: q },
    )
    .unwrap();
    let sol = net.solve(&WATER, &Fields::linear(&[r1, r2])).unwrap();
    certify(&net, &sol);
    assert!(rel(sol.dp_supply_return_pa, (r1 + r2) * q) < 1e-12);
    assert!(rel(sol.node_pressure_pa[net.node("mid").unwrap()], r2 * q) < 1e-12);
    assert!(
        sol.iterations <= 2,
        "{} iterations for a linear network",
        sol.iterations
    );
}

#[test]
fn parallel_links_split_in_proportion_to_their_conductance() {
    // Q_i = Q · (1/R_i) / Σ(1/R_j), exact for linear laws.
    let r = [1.0e8, 2.0e8, 4.0e8, 3.3e8];
    let q = 6.0 * LPM;
    let links = (0..r.len())
        .map(|i| link(&format!("p{i}"), "supply", "return", field(i)))
        .collect();
    let net = Network::new(links, names(r.len()), Drive::Flow { total_m3s: q }).unwrap();
    let sol = net.solve(&WATER, &Fields::linear(&r)).unwrap();
    certify(&net, &sol);
    let g: f64 = r.iter().map(|x| 1.0 / x).sum();
    for (i, ri) in r.iter().enumerate() {
        assert!(rel(sol.link_flow_m3s[i], q / ri / g) < 1e-12, "branch {i}");
    }
    assert!(rel(sol.dp_supply_return_pa, q / g) < 1e-12);
}

#[test]
fn identical_branches_split_exactly_evenly() {
    // Three identical branches (hose, quick-disconnect pair, nonlinear cold plate, hose)
    // between two manifold headers fed from one end: the branches see the same supply and
    // return nodes, so by symmetry each carries a third, whatever the laws' curvature. The
    // 1e-10 bound is Newton's stopping tolerance (1e-10 of the largest drop) carried to flows.
    let hose = Pipe::new(300.0, 6.0, 1.5);
    let q = 9.0 * LPM;
    let mut links = vec![];
    for b in 0..3 {
        let n = |s: &str| format!("{s}{b}");
        links.push(link(
            &n("hose_in"),
            "supply",
            &n("qd_in"),
            LinkKind::Pipe(hose),
        ));
        links.push(link(
            &n("qd_a"),
            &n("qd_in"),
            &n("qd_mid"),
            LinkKind::Quadratic(Quadratic::cv(1.4)),
        ));
        links.push(link(
            &n("qd_b"),
            &n("qd_mid"),
            &n("plate_in"),
            LinkKind::Quadratic(Quadratic::cv(1.4)),
        ));
        links.push(link(&n("plate"), &n("plate_in"), &n("plate_out"), field(b)));
        links.push(link(
            &n("hose_out"),
            &n("plate_out"),
            "return",
            LinkKind::Pipe(hose),
        ));
    }
    let net = Network::new(links, names(3), Drive::Flow { total_m3s: q }).unwrap();
    let fields = Fields {
        r: vec![3.0e8; 3],
        k: vec![2.0e12; 3],
    };
    let sol = net.solve(&WATER, &fields).unwrap();
    certify(&net, &sol);
    for b in 0..3 {
        let plate = net.link(&format!("plate{b}")).unwrap();
        assert!(rel(sol.link_flow_m3s[plate], q / 3.0) < 1e-10, "branch {b}");
    }
}

#[test]
fn pump_settles_where_its_head_equals_the_loop_drop() {
    // A straight pump curve H = H₀ − aQ (two points: the monotone cubic is the line itself)
    // against a quadratic loop Δp = cQ²: H₀ − aQ = cQ², Q = (−a + √(a² + 4cH₀)) / (2c).
    let pump = PumpCurve::new(&[(0.0, 80.0), (20.0, 20.0)]).unwrap();
    let fitting = Quadratic::k_loss(12.0, 8.0);
    let net = Network::new(
        vec![link(
            "loop",
            "supply",
            "return",
            LinkKind::Quadratic(fitting),
        )],
        vec![],
        Drive::Pump(pump.clone()),
    )
    .unwrap();
    let sol = net.solve(&WATER, &NoFields).unwrap();
    certify(&net, &sol);
    let h0 = 80e3;
    let a = 60e3 / (20.0 * LPM);
    let c = WATER.density_kg_m3 * fitting.coefficient_m4;
    let q = (-a + (a * a + 4.0 * c * h0).sqrt()) / (2.0 * c);
    assert!(
        rel(sol.total_flow_m3s, q) < 1e-9,
        "{} vs {q}",
        sol.total_flow_m3s / LPM
    );
    assert!(rel(sol.dp_supply_return_pa, pump.head(q).0) < 1e-9);
    assert!(sol.warnings.is_empty(), "{:?}", sol.warnings);
}

#[test]
fn pump_curve_drives_a_nonlinear_tray_loop() {
    // A measured-looking pump curve against a tray loop of pipes, fittings, quick-disconnects,
    // an orifice, a measured filter curve and four nonlinear cold plates on a manifold: at
    // the operating point the pump's head equals the loop's supply–return drop, and the
    // solution satisfies its defining equations (certify).
    let pump = PumpCurve::new(&[
        (0.0, 120.0),
        (5.0, 112.0),
        (10.0, 95.0),
        (15.0, 68.0),
        (20.0, 30.0),
    ])
    .unwrap();
    let net = Network::new(tray_links(4), names(4), Drive::Pump(pump.clone())).unwrap();
    let fields = plates(4);
    let sol = net.solve(&WATER, &fields).unwrap();
    certify(&net, &sol);
    let q = sol.total_flow_m3s;
    assert!(q > 0.0 && q < pump.free_delivery_m3s());
    assert!(rel(sol.dp_supply_return_pa, pump.head(q).0) < 1e-9);
    assert!(sol.iterations < 30, "{} iterations", sol.iterations);
}

#[test]
fn fixed_flow_tray_loop_balances_at_every_node() {
    for q_lpm in [0.5, 6.0, 25.0] {
        let net = Network::new(
            tray_links(6),
            names(6),
            Drive::Flow {
                total_m3s: q_lpm * LPM,
            },
        )
        .unwrap();
        let sol = net.solve(&WATER, &plates(6)).unwrap();
        certify(&net, &sol);
        assert!(
            sol.iterations < 30,
            "{q_lpm} L/min: {} iterations",
            sol.iterations
        );
    }
}

/// Cold plates with Δp = R Q + K Q², slightly different from plate to plate.
fn plates(n: usize) -> Fields {
    Fields {
        r: (0..n).map(|i| 2.0e8 * (1.0 + 0.1 * i as f64)).collect(),
        k: vec![1.0e12; n],
    }
}

/// A tray loop: supply → QD pair → hose → filter (measured curve) → supply header feeding `n`
/// plates (each behind a balancing orifice) → return header (reverse return) → hose → QD
/// pair → return.
fn tray_links(n: usize) -> Vec<coldtray_solver::hydraulics::Link> {
    let hose = Pipe::new(800.0, 9.5, 1.5);
    let header = Pipe::new(90.0, 12.0, 1.5);
    let qd = LinkKind::Quadratic(Quadratic::cv(2.2));
    let filter = Curve::new(&[(2.0, 0.8), (6.0, 5.5), (12.0, 19.0)]).unwrap();
    let mut l = vec![
        link("qd_in_a", "supply", "qd_in", qd.clone()),
        link("qd_in_b", "qd_in", "hose_in", qd.clone()),
        link("hose_in", "hose_in", "filter", LinkKind::Pipe(hose)),
        link("filter", "filter", "s0", LinkKind::Curve(filter)),
    ];
    for i in 0..n {
        if i + 1 < n {
            l.push(link(
                &format!("sh{i}"),
                &format!("s{i}"),
                &format!("s{}", i + 1),
                LinkKind::Pipe(header),
            ));
            l.push(link(
                &format!("rh{i}"),
                &format!("r{i}"),
                &format!("r{}", i + 1),
                LinkKind::Pipe(header),
            ));
        }
        l.push(link(
            &format!("orifice{i}"),
            &format!("s{i}"),
            &format!("p{i}"),
            LinkKind::Quadratic(Quadratic::orifice(4.0, 0.62, Some(8.0))),
        ));
        l.push(link(
            &format!("plate{i}"),
            &format!("p{i}"),
            &format!("r{i}"),
            field(i),
        ));
    }
    l.push(link(
        "hose_out",
        &format!("r{}", n - 1),
        "qd_out",
        LinkKind::Pipe(hose),
    ));
    l.push(link("qd_out_a", "qd_out", "qd_out_mid", qd.clone()));
    l.push(link("qd_out_b", "qd_out_mid", "return", qd));
    l
}

#[test]
fn the_implicit_loop_is_every_field_in_parallel() {
    // Without links: each field its own link supply → return named after it, and the split
    // the parallel rule gives (equal drops; linear laws: Q_i ∝ 1/R_i).
    let r = [1.0e8, 3.0e8];
    let net = Network::parallel(
        vec!["left".into(), "right".into()],
        Drive::Flow {
            total_m3s: 4.0 * LPM,
        },
    )
    .unwrap();
    assert_eq!(net.links()[1].name, "right");
    let sol = net.solve(&WATER, &Fields::linear(&r)).unwrap();
    certify(&net, &sol);
    assert!(rel(sol.link_flow_m3s[0], 3.0 * LPM) < 1e-12);
    assert!(rel(sol.link_flow_m3s[1], 1.0 * LPM) < 1e-12);
}

#[test]
fn the_implicit_loop_with_the_channel_correlations_reproduces_todays_split() {
    // The thermal solve's own parallel split (assembly::coolant, a fixed point on equal drops)
    // and the network with the same channel law plugged in through FieldLaw must agree: both
    // solve "equal Δp, flows summing to the total". The split stops at a relative flow change
    // of 1e-12 and the network at 1e-10 of the drop, so flows agree to 1e-8.
    use coldtray_solver::assembly::coolant::{analyse, field_performance, plenum_k};
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../examples/validation/tray-vr200-flat.toml");
    let text = std::fs::read_to_string(&path).unwrap();
    // Make the six plates unequal so the split is not trivially even.
    let text = text.replacen(
        "width_mm = 56.0\ndepth_mm = 56.0",
        "width_mm = 40.0\ndepth_mm = 56.0",
        1,
    );
    let design = coldtray_solver::Design::from_toml_str(&text, &path).unwrap();
    let state = analyse(&design).unwrap();
    let coolant = design.coolant.as_ref().unwrap();
    let mut fields = vec![];
    let mut field_names = vec![];
    for f in &state.fields {
        let ch = &design.layers[f.layer].channels[f.field];
        field_names.push(ch.name.clone());
        fields.push((f.geometry, f.k_fin, plenum_k(ch, &f.geometry), ch.h_w_m2k));
    }
    struct Correlations<'a> {
        fields: Vec<(
            coldtray_solver::assembly::coolant::FieldGeometry,
            f64,
            f64,
            Option<f64>,
        )>,
        props: &'a coldtray_solver::FluidProps,
    }
    impl coldtray_solver::hydraulics::FieldLaw for Correlations<'_> {
        fn dp_pa(&self, i: usize, q: f64) -> f64 {
            let (g, k, kp, h) = &self.fields[i];
            field_performance(g, self.props, *k, q, *kp, *h, None).pressure_drop_pa
        }
    }
    let law = Correlations {
        fields,
        props: &state.props,
    };
    // `flow_lpm` is the volume flow at the inlet temperature, while the split's flows are
    // volume flows at the mean coolant temperature's density (the same mass flow): drive the
    // network with the split's own total so both describe the same volume flow.
    let mut coolant = coolant.clone();
    coolant.flow_lpm = state.fields.iter().map(|f| f.perf.flow_m3_s).sum::<f64>() * 60_000.0;
    let net = Network::of_coolant(&coolant, field_names).unwrap();
    let sol = net.solve(&Liquid::from(&state.props), &law).unwrap();
    certify(&net, &sol);
    let mut distinct = false;
    for (i, f) in state.fields.iter().enumerate() {
        assert!(
            rel(sol.link_flow_m3s[i], f.perf.flow_m3_s) < 1e-8,
            "field {i}: network {} vs split {}",
            sol.link_flow_m3s[i],
            f.perf.flow_m3_s
        );
        distinct |= rel(f.perf.flow_m3_s, state.fields[0].perf.flow_m3_s) > 0.01;
    }
    assert!(distinct, "the test split is uneven");
    assert!(rel(sol.dp_supply_return_pa * 1e-3, state.pressure_drop_kpa) < 1e-8);
}

#[test]
fn a_balanced_bridge_carries_no_flow_and_still_converges() {
    // A Wheatstone bridge of quadratic fittings, balanced (the same law on each side), whose
    // bridge link a ↔ b carries exactly no flow: its slope there is zero, the case the
    // regularised laminar slope exists for. Newton still converges and the bridge flow is 0
    // to round-off of the total.
    let k = |kk: f64| LinkKind::Quadratic(Quadratic::k_loss(kk, 6.0));
    let q = 5.0 * LPM;
    let net = Network::new(
        vec![
            link("sa", "supply", "a", k(2.0)),
            link("sb", "supply", "b", k(4.0)),
            link("ar", "a", "return", k(2.0)),
            link("br", "b", "return", k(4.0)),
            link("bridge", "a", "b", k(1.0)),
            link("back", "b", "a", k(3.0)),
        ],
        vec![],
        Drive::Flow { total_m3s: q },
    )
    .unwrap();
    let sol = net.solve(&WATER, &NoFields).unwrap();
    certify(&net, &sol);
    assert!(
        sol.link_flow_m3s[4].abs() < 1e-9 * q,
        "{}",
        sol.link_flow_m3s[4]
    );
    assert!(
        sol.link_flow_m3s[5].abs() < 1e-9 * q,
        "{}",
        sol.link_flow_m3s[5]
    );
    // Each side then carries its own share: Δp equal across sa+ar and sb+br, c ∝ K.
    let ratio = sol.link_flow_m3s[0] / sol.link_flow_m3s[1];
    assert!(rel(ratio, 2.0f64.sqrt()) < 1e-9, "{ratio}");
}

#[test]
fn a_pump_run_past_its_last_point_warns() {
    // A loop so open that the pump runs beyond its last measured point: the head there is the
    // curve's linear extension, and the solution says so.
    let pump = PumpCurve::new(&[(0.0, 50.0), (2.0, 40.0)]).unwrap();
    let net = Network::new(
        vec![link(
            "open",
            "supply",
            "return",
            LinkKind::Quadratic(Quadratic::k_loss(0.5, 12.0)),
        )],
        vec![],
        Drive::Pump(pump.clone()),
    )
    .unwrap();
    let sol = net.solve(&WATER, &NoFields).unwrap();
    certify(&net, &sol);
    assert!(sol.total_flow_m3s > 2.0 * LPM);
    assert!(rel(sol.dp_supply_return_pa, pump.head(sol.total_flow_m3s).0) < 1e-9);
    assert!(
        sol.warnings
            .iter()
            .any(|w| w.contains("pump") && w.contains("extrapolated")),
        "{:?}",
        sol.warnings
    );
}

#[test]
fn a_field_law_that_is_not_a_number_is_an_error_naming_the_link() {
    struct Broken;
    impl coldtray_solver::hydraulics::FieldLaw for Broken {
        fn dp_pa(&self, _: usize, _: f64) -> f64 {
            f64::NAN
        }
    }
    let net = Network::parallel(vec!["gpu0".into()], Drive::Flow { total_m3s: LPM }).unwrap();
    let e = net.solve(&WATER, &Broken).unwrap_err().to_string();
    assert!(
        e.contains("`gpu0`") && e.contains("not a finite number"),
        "{e}"
    );
}
