//! The loop network coupled to the thermal solve: a pump-driven loop settles at its operating
//! point with every node balanced, series plates pass their outlet on as the next inlet, and
//! a design without links splits its flow as the equal-Δp split of parallel fields.
//!
//! Tolerances: the network stops at 10⁻¹⁰ of its largest drop and 10⁻⁹ of the total flow at
//! every node, so conservation is checked to 10⁻⁹; a series inlet is the upstream outlet of
//! the previous property round, which the fixed point stops when no coolant temperature moves
//! by more than 10⁻⁴ K, so the inlet–outlet match is checked to 10⁻³ K.

use coldtray_solver::assembly::coolant::{self, field_performance, FieldGeometry};
use coldtray_solver::hydraulics::{PumpCurve, M3S_PER_LPM};
use coldtray_solver::results::{HydraulicsResult, Results};
use coldtray_solver::{Design, SolveOptions};

/// Two identical 10 × 10 mm cold-plate fields side by side (x 0–10 and 10–20 mm, flow +y),
/// each under a 4 × 4 mm die of 40 W placed as the mirror image of the other, with `coolant`
/// as the `[coolant]` table's body and `links` appended.
fn two_plates(coolant: &str, links: &str) -> String {
    format!(
        r#"name = "two plates"
[domain]
width_mm = 20.0
depth_mm = 10.0
cell_mm = 0.5

[[layers]]
name = "coldplate"
thickness_mm = 3.0
material = "copper"

[[layers.channels]]
name = "plate_a"
width_mm = 10.0
direction = "+y"
fin_thickness_mm = 0.2
channel_width_mm = 0.3

[[layers.channels]]
name = "plate_b"
x_mm = 10.0
width_mm = 10.0
direction = "+y"
fin_thickness_mm = 0.2
channel_width_mm = 0.3

[[layers]]
name = "die"
thickness_mm = 0.5
material = "mold"

[[blocks]]
name = "die_a"
layer = "die"
x_mm = 3.0
y_mm = 3.0
width_mm = 4.0
depth_mm = 4.0
material = "silicon"
power_w = 40.0

[[blocks]]
name = "die_b"
layer = "die"
x_mm = 13.0
y_mm = 3.0
width_mm = 4.0
depth_mm = 4.0
material = "silicon"
power_w = 40.0

[coolant]
{coolant}
{links}"#
    )
}

const WATER_CONSTANT: &str = "inlet_c = 30.0\ndensity_kg_m3 = 997.0\ncp_j_kgk = 4180.0\n\
                              k = 0.6\nviscosity_pa_s = 8.9e-4\n";

/// A link `name` of `kind` (its other fields in `rest`) from `from` to `to`.
fn link(name: &str, from: &str, to: &str, kind: &str, rest: &str) -> String {
    format!(
        "\n[[coolant.links]]\nname = \"{name}\"\nfrom = \"{from}\"\nto = \"{to}\"\n\
         kind = \"{kind}\"\n{rest}\n"
    )
}

/// Each plate behind its own quick-disconnect pair, both from a supply hose.
fn parallel_links() -> String {
    let mut s = link(
        "hose",
        "supply",
        "manifold",
        "pipe",
        "length_mm = 500.0\ndiameter_mm = 6.0",
    );
    for p in ["a", "b"] {
        s += &link(
            &format!("qd_{p}"),
            "manifold",
            &format!("in_{p}"),
            "qd",
            "cv = 0.8",
        );
        s += &link(
            &format!("plate_{p}"),
            &format!("in_{p}"),
            "return",
            "field",
            &format!("field = \"plate_{p}\""),
        );
    }
    s
}

fn solve(text: &str) -> Results {
    let d = Design::from_toml_str(text, std::path::Path::new("two-plates.toml"))
        .unwrap_or_else(|e| panic!("{e}"));
    d.solve(&SolveOptions::default())
        .unwrap_or_else(|e| panic!("{e}"))
        .results
}

fn rel(a: f64, b: f64) -> f64 {
    (a - b).abs() / b.abs()
}

/// Mass at every node of the reported loop to 1e-9 of the total flow, and the drops along
/// every supply → return path summing to the supply–return difference to 1e-9 of it.
fn certify(h: &HydraulicsResult) {
    let node = |n: &str| h.nodes.iter().position(|x| x.name == n).unwrap();
    let (supply, ret) = (node("supply"), node("return"));
    let mut balance = vec![0.0; h.nodes.len()];
    balance[supply] += h.flow_lpm;
    balance[ret] -= h.flow_lpm;
    for l in &h.links {
        balance[node(&l.from)] -= l.flow_lpm;
        balance[node(&l.to)] += l.flow_lpm;
    }
    for (n, b) in balance.iter().enumerate() {
        assert!(
            b.abs() <= 1e-9 * h.flow_lpm,
            "node {} unbalanced by {b:e} L/min",
            h.nodes[n].name
        );
    }
    assert!(h.max_imbalance <= 1e-9);
    let dp = h.nodes[supply].pressure_kpa - h.nodes[ret].pressure_kpa;
    assert!(rel(dp, h.dp_kpa) < 1e-12);
    let mut stack = vec![(supply, 0.0, 0)];
    let mut paths = 0;
    while let Some((n, sum, depth)) = stack.pop() {
        assert!(depth <= h.links.len(), "a cycle");
        if n == ret {
            assert!(rel(sum, dp) < 1e-9, "path sum {sum} vs {dp} kPa");
            paths += 1;
            continue;
        }
        for l in h.links.iter().filter(|l| node(&l.from) == n) {
            stack.push((node(&l.to), sum + l.dp_kpa, depth + 1));
        }
    }
    assert!(paths >= 1);
}

#[test]
fn a_pump_driven_loop_settles_at_its_operating_point() {
    let pump = "pump_curve = [[0.0, 40.0], [1.0, 35.0], [2.0, 25.0], [3.0, 8.0]]\n";
    let text = two_plates(
        &format!("fluid = \"pg25\"\ninlet_c = 40.0\n{pump}"),
        &parallel_links(),
    );
    let r = solve(&text);
    let h = r.hydraulics.as_ref().unwrap();
    assert_eq!(h.drive, "pump");
    let op = h.operating_point.as_ref().unwrap();
    // The pump's head at its flow equals the loop's drop.
    let curve = PumpCurve::new(&[(0.0, 40.0), (1.0, 35.0), (2.0, 25.0), (3.0, 8.0)]).unwrap();
    let (head_pa, _) = curve.head(op.flow_lpm * M3S_PER_LPM);
    assert!(
        rel(head_pa * 1e-3, h.dp_kpa) < 1e-9,
        "{head_pa} Pa vs {} kPa",
        h.dp_kpa
    );
    assert!(rel(op.head_kpa, h.dp_kpa) < 1e-12);
    assert!(rel(op.flow_lpm, h.flow_lpm) < 1e-12);
    assert!(rel(r.coolant.as_ref().unwrap().flow_lpm, op.flow_lpm) < 1e-12);
    assert!(op.flow_lpm > 1.0 && op.flow_lpm < 3.0, "{op:?}");
    assert!(!r.warnings.iter().any(|w| w.code == "curve_extrapolated"));
    certify(h);
    assert!(r.energy_balance_error.unwrap() < 1e-6);
    // The coolant takes the heat: Σ field heat = the loop's enthalpy rise.
    let heat: f64 = h.fields.iter().map(|f| f.heat_w).sum();
    assert!(rel(heat, r.coolant.as_ref().unwrap().heat_absorbed_w) < 1e-9);
    assert_eq!(h.pump_curve.as_ref().unwrap().len(), 4);
    assert_eq!(h.system_curve.len(), coolant::SYSTEM_CURVE_POINTS);
    // The system curve crosses the pump's head at the operating point: the loop's drop
    // rises through the head there (frozen laws; grouped cell properties ≲ 1e-6).
    let at = |q: f64| {
        let w = h
            .system_curve
            .windows(2)
            .find(|w| w[0][0] <= q && q <= w[1][0])
            .unwrap();
        w[0][1] + (w[1][1] - w[0][1]) * (q - w[0][0]) / (w[1][0] - w[0][0])
    };
    assert!(
        rel(at(op.flow_lpm), op.head_kpa) < 0.02,
        "{} vs {}",
        at(op.flow_lpm),
        op.head_kpa
    );
    assert!(r.solver.newton_iterations.unwrap() >= 1);
    let json = serde_json::to_value(&r).unwrap();
    for key in ["system_curve", "pump_curve", "operating_point", "packages"] {
        assert!(json["hydraulics"].get(key).is_some(), "{key}");
    }
}

#[test]
fn a_loop_at_the_pump_maximum_head_is_a_warning_naming_the_fix() {
    // A nearly flat curve: every operating point is above 90 % of the shut-off head.
    let pump = "pump_curve = [[0.0, 10.0], [50.0, 9.5]]\n";
    let r = solve(&two_plates(
        &format!("fluid = \"pg25\"\ninlet_c = 40.0\n{pump}"),
        &parallel_links(),
    ));
    let w = r
        .warnings
        .iter()
        .find(|w| w.code == "pump_max_head")
        .unwrap_or_else(|| panic!("{:?}", r.warnings));
    for word in [
        "maximum head 10.0 kPa",
        "stronger pump",
        "lower the loop's Δp",
    ] {
        assert!(w.message.contains(word), "{word}: {}", w.message);
    }
}

#[test]
fn identical_parallel_plates_split_exactly_evenly() {
    // Constant properties make the two plates' laws the same function: the network's split
    // is then even to round-off whatever the thermal solution's round-off asymmetry.
    let r = solve(&two_plates(
        &format!("{WATER_CONSTANT}flow_lpm = 0.6\n"),
        &parallel_links(),
    ));
    let h = r.hydraulics.as_ref().unwrap();
    certify(h);
    let (a, b) = (h.fields[0].flow_lpm, h.fields[1].flow_lpm);
    assert!(rel(a, b) < 1e-12, "{a} vs {b}");
    assert!(rel(a + b, 0.6) < 1e-12);
    assert!(r.energy_balance_error.unwrap() < 1e-6);
    // Local properties: the mirror-symmetric design still splits evenly (to the linear
    // solver's round-off in the temperatures that set the properties).
    let r = solve(&two_plates(
        "fluid = \"pg25\"\ninlet_c = 40.0\nflow_lpm = 0.6\n",
        &parallel_links(),
    ));
    let h = r.hydraulics.as_ref().unwrap();
    assert!(rel(h.fields[0].flow_lpm, h.fields[1].flow_lpm) < 1e-7);
    // Each package is its field with its die: R_th from its own plate's inlet.
    assert_eq!(h.packages.len(), 2);
    assert_eq!(h.packages[0].blocks, ["die_a"]);
    let p = &h.packages[1];
    assert!(rel(p.r_th_k_w, (p.max_c - p.inlet_c) / 40.0) < 1e-12);
}

#[test]
fn series_plates_pass_their_outlet_on_as_the_next_inlet() {
    let series = link("a", "supply", "mid", "field", "field = \"plate_a\"")
        + &link("b", "mid", "return", "field", "field = \"plate_b\"");
    for fluid in [WATER_CONSTANT, "fluid = \"pg25\"\ninlet_c = 40.0\n"] {
        let r = solve(&two_plates(&format!("{fluid}flow_lpm = 0.3\n"), &series));
        let h = r.hydraulics.as_ref().unwrap();
        certify(h);
        let (a, b) = (&h.fields[0], &h.fields[1]);
        // Both carry the whole flow; the second starts where the first ends.
        assert!(rel(a.flow_lpm, 0.3) < 1e-12 && rel(b.flow_lpm, 0.3) < 1e-12);
        assert!(
            (b.inlet_c - a.outlet_c).abs() < 1e-3,
            "{} vs {}",
            b.inlet_c,
            a.outlet_c
        );
        assert!(b.inlet_c > a.inlet_c + 1.0, "the second plate runs warmer");
        let c = r.coolant.as_ref().unwrap();
        assert!((c.outlet_c - b.outlet_c).abs() < 1e-9);
        assert!(
            r.energy_balance_error.unwrap() < 1e-6,
            "{:?}",
            r.energy_balance_error
        );
        // The loop's drop is the sum of the plates'.
        assert!(rel(h.dp_kpa, a.dp_kpa + b.dp_kpa) < 1e-9);
        // Against a single plate: each plate in series carries the whole flow, so the loop's
        // rise is the two plates' heat over ṁ c_p (constant properties: exactly).
        if fluid == WATER_CONSTANT {
            let mdot_cp = 997.0 * 0.3 * M3S_PER_LPM * 4180.0;
            // The loop's rise to the series inlet's tolerance (the previous round's outlet).
            assert!((c.outlet_c - c.inlet_c - c.heat_absorbed_w / mdot_cp).abs() < 1e-3);
            assert!(rel(a.outlet_c - a.inlet_c, a.heat_w / mdot_cp) < 1e-9);
            assert!(rel(b.outlet_c - b.inlet_c, b.heat_w / mdot_cp) < 1e-9);
        }
    }
}

#[test]
fn no_links_split_as_the_equal_pressure_split() {
    // The network of parallel fields against the direct equal-Δp split of the same laws, at
    // the mean-temperature properties: 1e-9 (the network converges to 1e-10 of its drop,
    // the split to 1e-12 in flow).
    let text = two_plates("fluid = \"pg25\"\ninlet_c = 40.0\nflow_lpm = 0.6\n", "").replacen(
        "width_mm = 10.0\ndirection",
        "width_mm = 8.0\ndirection",
        1,
    );
    let d = Design::from_toml_str(&text, std::path::Path::new("two-plates.toml")).unwrap();
    let state = coolant::analyse(&d).unwrap();
    let p = state.props;
    let geoms: Vec<FieldGeometry> = d.layers[0]
        .channels
        .iter()
        .map(|c| FieldGeometry::of(c, d.layers[0].thickness_mm))
        .collect();
    let k_pl: Vec<f64> = (0..2)
        .map(|i| coolant::plenum_k(&d.layers[0].channels[i], &geoms[i]))
        .collect();
    assert!(geoms[0] != geoms[1], "two different plates");
    let total = state.mdot_kg_s / p.density_kg_m3;
    let area: f64 = geoms.iter().map(|g| g.flow_area_m2()).sum();
    let start: Vec<f64> = geoms
        .iter()
        .map(|g| total * g.flow_area_m2() / area)
        .collect();
    let (split, residual) = coolant::equal_pressure_split(total, &start, |i, q| {
        field_performance(&geoms[i], &p, 385.0, q, k_pl[i], None, None).pressure_drop_pa
    });
    assert!(residual.converged());
    for (f, q) in state.fields.iter().zip(&split) {
        assert!(
            rel(f.perf.flow_m3_s, *q) < 1e-9,
            "{} vs {q}",
            f.perf.flow_m3_s
        );
    }
    assert!(rel(split[0], split[1]) > 0.05, "an uneven split");
    // The full solve reports the same split, and without links one link per field.
    let r = solve(&text);
    let h = r.hydraulics.as_ref().unwrap();
    assert_eq!(h.links.len(), 2);
    assert_eq!(h.links[0].name, "plate_a");
    certify(h);
}

#[test]
fn a_field_s_plenums_are_a_minor_loss_at_its_channel_velocity() {
    // A field's inlet and outlet plenums are K·ρu²/2 at the channel velocity u = Q/A, with
    // K = 0.5(1 − σ) + (1 − σ)² (sharp-edged contraction, Borda–Carnot expansion) and
    // σ = w_c/p = 0.3/0.5. The same plate with `plenum_k = 0` in series with a `minor` link
    // of that K at the diameter of the field's flow area must give the same loop: the drops
    // agree to the network's 1e-10 relative residual (1e-9 here), constant properties making
    // both laws see one density.
    let sigma: f64 = 0.3 / 0.5;
    let k = 0.5 * (1.0 - sigma) + (1.0 - sigma).powi(2);
    // 10 mm wide at a 0.5 mm pitch: 20 channels of 0.3 × 3 mm.
    let area_mm2 = 10.0 / 0.5 * 0.3 * 3.0;
    let d_mm = (4.0 * area_mm2 / std::f64::consts::PI).sqrt();
    let coolant = format!("{WATER_CONSTANT}flow_lpm = 0.6\n");
    let series = link("a", "supply", "mid", "field", "field = \"plate_a\"")
        + &link("b", "mid", "return", "field", "field = \"plate_b\"");
    let with_plenums = solve(&two_plates(&coolant, &series));
    let explicit = link("a", "supply", "a_out", "field", "field = \"plate_a\"")
        + &link(
            "plenums_a",
            "a_out",
            "mid",
            "minor",
            &format!("k = {k}\ndiameter_mm = {d_mm}"),
        )
        + &link("b", "mid", "return", "field", "field = \"plate_b\"");
    let text = two_plates(&coolant, &explicit).replacen(
        "name = \"plate_a\"\n",
        "name = \"plate_a\"\nplenum_k = 0.0\n",
        1,
    );
    let as_link = solve(&text);
    let (h1, h2) = (
        with_plenums.hydraulics.as_ref().unwrap(),
        as_link.hydraulics.as_ref().unwrap(),
    );
    certify(h1);
    certify(h2);
    assert!(
        rel(h1.dp_kpa, h2.dp_kpa) < 1e-9,
        "{} vs {}",
        h1.dp_kpa,
        h2.dp_kpa
    );
    let minor = h2.links.iter().find(|l| l.name == "plenums_a").unwrap();
    assert!(rel(h1.fields[0].plenum_dp_kpa, minor.dp_kpa) < 1e-9);
    assert_eq!(h2.fields[0].plenum_dp_kpa, 0.0);
    assert!(rel(h2.fields[0].dp_kpa + minor.dp_kpa, h1.fields[0].dp_kpa) < 1e-9);
    // And it is K·ρu²/2 by hand: 0.6 L/min through 18 mm².
    let u = 0.6 / 60_000.0 / (area_mm2 * 1e-6);
    assert!(rel(h1.fields[0].plenum_dp_kpa * 1e3, k * 997.0 * u * u / 2.0) < 1e-9);
}

#[test]
fn a_transient_series_plate_draws_from_the_outlet_upstream_at_every_step() {
    let series = link("a", "supply", "mid", "field", "field = \"plate_a\"")
        + &link("b", "mid", "return", "field", "field = \"plate_b\"");
    let run = |transient: &str| {
        solve(&format!(
            "{}\n[transient]\n{transient}initial_c = 30.0\n",
            two_plates(&format!("{WATER_CONSTANT}flow_lpm = 0.3\n"), &series)
        ))
    };
    // Mid-transient (the dies still heating): backward Euler takes the second plate's inlet
    // at the end of the step, so it is the first plate's outlet of the same solution, to the
    // stepper's 1e-4 K (1e-3 here), and already above the loop inlet (the steady rise is ≈ 1.9 K).
    let early = run("duration_s = 0.5\ndt_s = 0.05\n");
    let h = early.hydraulics.as_ref().unwrap();
    let (a, b) = (&h.fields[0], &h.fields[1]);
    assert!(
        (b.inlet_c - a.outlet_c).abs() < 1e-3,
        "{} vs {}",
        b.inlet_c,
        a.outlet_c
    );
    assert!(b.inlet_c > 30.1, "{}", b.inlet_c);
    assert!(early.energy_balance_error.unwrap() < 1e-6);
    // Long steps far beyond the plates' time constants: backward Euler's fixed point is the
    // steady solution, and with constant properties the two operators are the same, so the
    // run ends at the steady series answer (the steady rounds' 1e-4 K; 1e-3 here).
    let late = run("duration_s = 4000.0\ndt_s = 200.0\n");
    let steady = solve(&two_plates(
        &format!("{WATER_CONSTANT}flow_lpm = 0.3\n"),
        &series,
    ));
    for (t, s) in late.blocks.iter().zip(&steady.blocks) {
        assert!(
            (t.max_c - s.max_c).abs() < 1e-3,
            "{}: {} vs {}",
            t.name,
            t.max_c,
            s.max_c
        );
    }
    let (ht, hs) = (
        late.hydraulics.as_ref().unwrap(),
        steady.hydraulics.as_ref().unwrap(),
    );
    assert!((ht.fields[1].inlet_c - hs.fields[1].inlet_c).abs() < 1e-3);
    assert!(late.energy_balance_error.unwrap() < 1e-6);
    // The run's system curve (its fixed laws) passes through its own operating drop: the
    // laminar laws are nearly linear, so interpolating between points is good to 1 %.
    assert_eq!(ht.system_curve.len(), coolant::SYSTEM_CURVE_POINTS);
    let w = ht
        .system_curve
        .windows(2)
        .find(|w| w[0][0] <= 0.3 && 0.3 <= w[1][0])
        .unwrap();
    let at = w[0][1] + (w[1][1] - w[0][1]) * (0.3 - w[0][0]) / (w[1][0] - w[0][0]);
    assert!(rel(at, ht.dp_kpa) < 0.01, "{at} vs {}", ht.dp_kpa);
}

#[test]
fn a_series_plate_s_budget_shows_the_rise_upstream_apart() {
    // die_b sits on the second plate of the series: its budget's coolant rise counts from
    // that plate's inlet, and `upstream fields` is the first plate's rise (its outlet minus
    // the loop inlet); the terms still sum to hotspot − loop inlet. die_a, on the first
    // plate, has no upstream term.
    let series = link("a", "supply", "mid", "field", "field = \"plate_a\"")
        + &link("b", "mid", "return", "field", "field = \"plate_b\"");
    let r = solve(&two_plates(
        &format!("{WATER_CONSTANT}flow_lpm = 0.3\n"),
        &series,
    ));
    let h = r.hydraulics.as_ref().unwrap();
    let budget = |name: &str| {
        r.blocks
            .iter()
            .find(|b| b.name == name)
            .and_then(|b| b.budget.clone())
            .unwrap()
    };
    let (a, b) = (budget("die_a"), budget("die_b"));
    assert!(a.terms.iter().all(|t| t.name != "upstream fields"));
    let up = b
        .terms
        .iter()
        .find(|t| t.name == "upstream fields")
        .unwrap();
    assert!((up.drop_k - (h.fields[1].inlet_c - h.fields[0].inlet_c)).abs() < 1e-9);
    // The first plate's rise: the heat it took (about its die's 40 W; the shared copper
    // passes some across) over ṁc_p = 997·0.3/60000·4180 W/K, to the steady rounds' 1e-4 K.
    let rise = h.fields[0].heat_w / (997.0 * 0.3 / 60_000.0 * 4180.0);
    assert!((up.drop_k - rise).abs() < 1e-3, "{} vs {rise}", up.drop_k);
    for bg in [&a, &b] {
        let sum: f64 = bg.terms.iter().map(|t| t.drop_k).sum();
        assert!((sum - bg.total_k).abs() < 1e-9, "{sum} vs {}", bg.total_k);
    }
}
