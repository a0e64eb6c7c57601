//! `[[coolant.links]]`, `pump_curve` and channel-field names in `design.toml`: every rule
//! rejects with one line naming the file, the field and the link; a valid loop loads and
//! builds its network; and links do not change a design's thermal result.

use coldtray_solver::hydraulics::{Drive, LinkKind, Network, M3S_PER_LPM};

use crate::design::{base, ok, rejects};

/// The minimal fixture with two channel fields in its cold-plate layer (named by default
/// `coldplate_0` and `coldplate_1`) and `coolant` appended to `[coolant]`.
fn two_fields(coolant: &str) -> String {
    let b = base();
    let one =
        "[layers.channels]\ndirection = \"+y\"\nfin_thickness_mm = 0.1\nchannel_width_mm = 0.2\n";
    assert!(b.contains(one), "fixture changed");
    let two = "[[layers.channels]]\nwidth_mm = 5.0\ndirection = \"+y\"\nfin_thickness_mm = 0.1\n\
               channel_width_mm = 0.2\n\n[[layers.channels]]\nx_mm = 5.0\ndirection = \"+y\"\n\
               fin_thickness_mm = 0.1\nchannel_width_mm = 0.2\n";
    format!("{}\n{coolant}", b.replacen(one, two, 1))
}

/// A valid loop: a quick-disconnect pair, a hose, the two plates in series through a fitting,
/// and a return hose through an orifice and a filter curve.
const LOOP: &str = r#"
[[coolant.links]]
name = "qd_supply"
from = "supply"
to = "hose_in"
kind = "qd"
cv = 1.2

[[coolant.links]]
name = "hose"
from = "hose_in"
to = "plate_a_in"
kind = "pipe"
length_mm = 600.0
diameter_mm = 6.0

[[coolant.links]]
name = "plate_a"
from = "plate_a_in"
to = "mid"
kind = "field"
field = "coldplate_0"

[[coolant.links]]
name = "elbow"
from = "mid"
to = "plate_b_in"
kind = "minor"
k = 0.9
diameter_mm = 6.0

[[coolant.links]]
name = "plate_b"
from = "plate_b_in"
to = "out"
kind = "field"
field = "coldplate_1"

[[coolant.links]]
name = "balance"
from = "out"
to = "filter_in"
kind = "orifice"
diameter_mm = 3.0
cd = 0.62
pipe_diameter_mm = 6.0

[[coolant.links]]
name = "filter"
from = "filter_in"
to = "qd_return"
kind = "curve"
points = [[0.05, 0.2], [0.1, 0.7], [0.2, 2.4]]

[[coolant.links]]
name = "qd_ret"
from = "qd_return"
to = "return"
kind = "qd"
k = 2.0
diameter_mm = 4.0
"#;

#[test]
fn fields_are_named_by_default_after_their_layer() {
    let d = ok(&base());
    assert_eq!(d.layers[0].channels[0].name, "coldplate");
    let d = ok(&two_fields(""));
    let names: Vec<_> = d.layers[0]
        .channels
        .iter()
        .map(|c| c.name.as_str())
        .collect();
    assert_eq!(names, ["coldplate_0", "coldplate_1"]);
    let named = two_fields("").replacen(
        "[[layers.channels]]\n",
        "[[layers.channels]]\nname = \" gpu0 \"\n",
        1,
    );
    assert_eq!(ok(&named).layers[0].channels[0].name, "gpu0", "trimmed");
}

#[test]
fn field_names_are_unique_across_the_design() {
    let clash = two_fields("").replacen(
        "[[layers.channels]]\n",
        "[[layers.channels]]\nname = \"coldplate_1\"\n",
        1,
    );
    rejects(
        &clash,
        "layers[0].channels[1].name",
        &["`coldplate_1`", "layers[0].channels[0]", "unique"],
    );
    let empty = two_fields("").replacen(
        "[[layers.channels]]\n",
        "[[layers.channels]]\nname = \" \"\n",
        1,
    );
    rejects(&empty, "layers[0].channels[0].name", &["must not be empty"]);
}

#[test]
fn a_valid_loop_loads_and_builds_its_network() {
    let d = ok(&two_fields(LOOP));
    let c = d.coolant.as_ref().unwrap();
    assert_eq!(c.links.len(), 8);
    assert_eq!(c.links[1].name, "hose");
    let fields = vec!["coldplate_0".to_string(), "coldplate_1".to_string()];
    let net = Network::of_coolant(c, fields).unwrap();
    assert_eq!(net.links().len(), 8);
    assert_eq!(net.links()[2].kind, LinkKind::Field { field: 0 });
    assert_eq!(net.links()[4].kind, LinkKind::Field { field: 1 });
    assert!(
        matches!(net.links()[1].kind, LinkKind::Pipe(p) if (p.roughness_m - 1.5e-6).abs() < 1e-18),
        "default roughness 1.5 µm"
    );
    assert_eq!(
        net.drive(),
        &Drive::Flow {
            total_m3s: 0.1 * M3S_PER_LPM
        }
    );
    // Without links: every field in parallel, named after it.
    let d = ok(&two_fields(""));
    let net = Network::of_coolant(
        d.coolant.as_ref().unwrap(),
        vec!["coldplate_0".into(), "coldplate_1".into()],
    )
    .unwrap();
    assert_eq!(net.links()[0].name, "coldplate_0");
    assert_eq!(net.links()[1].from, "supply");
}

/// The loop with the first `from` replaced by `to`.
fn loop_with(from: &str, to: &str) -> String {
    assert!(LOOP.contains(from), "loop lacks {from:?}");
    two_fields(&LOOP.replacen(from, to, 1))
}

#[test]
fn link_errors_name_the_link() {
    rejects(
        &loop_with("kind = \"minor\"", "kind = \"elbow\""),
        "coolant.links[3].kind",
        &["`elbow`", "unknown kind", "\"pipe\"", "\"qd\""],
    );
    rejects(
        &loop_with("field = \"coldplate_1\"", "field = \"coldplate_2\""),
        "coolant.links[4].field",
        &["`coldplate_2`", "coldplate_0, coldplate_1"],
    );
    rejects(
        &loop_with("field = \"coldplate_1\"", "field = \"coldplate_0\""),
        "coolant.links[4].field",
        &["`plate_b`", "`coldplate_0`", "links[2] (`plate_a`)"],
    );
    // plate_b as a pipe: coldplate_1 is in no link.
    rejects(
        &loop_with(
            "kind = \"field\"\nfield = \"coldplate_1\"",
            "kind = \"pipe\"\nlength_mm = 50.0\ndiameter_mm = 5.0",
        ),
        "coolant.links",
        &["`coldplate_1`", "in no link"],
    );
    rejects(
        &loop_with("name = \"elbow\"", "name = \"hose\""),
        "coolant.links[3].name",
        &["`hose`", "links[1]", "unique"],
    );
    rejects(
        &loop_with("to = \"plate_b_in\"", "to = \"mid\""),
        "coolant.links[3].to",
        &["`elbow`", "`mid` to itself"],
    );
    rejects(
        &loop_with("diameter_mm = 6.0", "diameter_mm = 0.0"),
        "coolant.links[1].diameter_mm",
        &["> 0", "got 0"],
    );
    rejects(
        &loop_with("length_mm = 600.0", "length_mm = -1.0"),
        "coolant.links[1].length_mm",
        &["> 0"],
    );
    rejects(
        &loop_with("cv = 1.2", "cv = 0"),
        "coolant.links[0].cv",
        &["> 0"],
    );
    rejects(
        &loop_with("cd = 0.62", "cd = 6.2"),
        "coolant.links[5].cd",
        &["`balance`", "at most 1"],
    );
    rejects(
        &loop_with("pipe_diameter_mm = 6.0", "pipe_diameter_mm = 2.0"),
        "coolant.links[5].pipe_diameter_mm",
        &["wider than the orifice"],
    );
    rejects(
        &loop_with("diameter_mm = 6.0", "diameter_mm = 6000.0"),
        "coolant.links[1].diameter_mm",
        &["in mm"],
    );
    rejects(
        &loop_with(
            "length_mm = 600.0",
            "length_mm = 600.0\nroughness_um = 1500.0",
        ),
        "coolant.links[1].roughness_um",
        &["µm"],
    );
    rejects(
        &loop_with("cv = 1.2", "cv = 1.2\nlength_mm = 3.0"),
        "coolant.links[0].length_mm",
        &["`qd_supply`", "does not apply to kind \"qd\""],
    );
    rejects(
        &loop_with("cv = 1.2", "cv = 1.2\nk = 3.0"),
        "coolant.links[0].k",
        &["either cv", "not both"],
    );
    rejects(
        &loop_with("cv = 1.2", "k = 1.2"),
        "coolant.links[0].diameter_mm",
        &["required", "qd"],
    );
    rejects(
        &loop_with("k = 0.9\n", ""),
        "coolant.links[3].k",
        &["`elbow`", "required for kind \"minor\""],
    );
    rejects(
        &loop_with("[0.1, 0.7]", "[0.1, 0.1]"),
        "coolant.links[6].points[1]",
        &["strictly rise"],
    );
    rejects(
        &loop_with("[0.1, 0.7]", "[0.1]"),
        "coolant.links[6].points[1]",
        &["pair"],
    );
    rejects(
        &loop_with("[0.2, 2.4]", "[0.2, 2400000.0]"),
        "coolant.links[6].points[2]",
        &["in kPa"],
    );
    rejects(
        &loop_with("name = \"hose\"\n", "name = \"hose\"\ncolour = \"red\"\n"),
        "coolant.links[1].colour",
        &["unknown field"],
    );
}

#[test]
fn every_node_must_lie_on_a_supply_to_return_path() {
    // A dead end: `out` → `drain` goes nowhere; the error names the link and the node.
    let dead_end = LOOP.to_string()
        + r#"
[[coolant.links]]
name = "drain_valve"
from = "out"
to = "drain"
kind = "minor"
k = 1.0
diameter_mm = 6.0
"#;
    rejects(
        &two_fields(&dead_end),
        "coolant.links[8].to",
        &["`drain_valve`", "`drain`", "no path", "to `return`"],
    );
    // An island fed from nowhere: `tank` → `mid`.
    let island = LOOP.to_string()
        + r#"
[[coolant.links]]
name = "tank"
from = "tank"
to = "mid"
kind = "minor"
k = 1.0
diameter_mm = 6.0
"#;
    rejects(
        &two_fields(&island),
        "coolant.links[8].from",
        &["`tank`", "from `supply`"],
    );
    // A misspelt node breaks the loop: supply no longer reaches return.
    rejects(
        &loop_with("to = \"return\"", "to = \"retrun\""),
        "coolant.links",
        &["no link touches node `return`"],
    );
    rejects(
        &loop_with("from = \"mid\"", "from = \"midd\""),
        "coolant.links",
        &["no path from `supply` to `return`"],
    );
}

#[test]
fn the_loop_is_driven_by_flow_or_a_pump_curve_not_both() {
    let pump = "pump_curve = [[0.0, 60.0], [0.2, 45.0], [0.4, 10.0]]\n";
    rejects(
        &two_fields(&format!("{pump}{LOOP}")),
        "coolant.pump_curve",
        &["either flow_lpm", "not both"],
    );
    let pump_only = two_fields(LOOP).replace("flow_lpm = 0.1\n", pump);
    // A valid curve and loop load (the solve finds the operating point) ...
    assert!(ok(&pump_only).coolant.unwrap().pump_curve.is_some());
    // ... but a fixed field drop has no reference flow without flow_lpm.
    rejects(
        &pump_only.replacen(
            "channel_width_mm = 0.2\n",
            "channel_width_mm = 0.2\npressure_drop_kpa = 3.0\n",
            1,
        ),
        "layers[0].channels[0].pressure_drop_kpa",
        &["`coldplate_0`", "pump_curve", "flow_lpm"],
    );
    rejects(
        &pump_only.replace("[0.2, 45.0]", "[0.2, 75.0]"),
        "coolant.pump_curve[1]",
        &["strictly fall"],
    );
    rejects(
        &pump_only.replace("[0.2, 45.0]", "[0.2]"),
        "coolant.pump_curve[1]",
        &["pair"],
    );
    rejects(
        &two_fields(LOOP).replace("flow_lpm = 0.1\n", ""),
        "coolant.flow_lpm",
        &["missing", "pump_curve"],
    );
}

#[test]
fn a_plenum_coefficient_is_a_plausible_k_and_not_beside_a_fixed_drop() {
    let with = |extra: &str| {
        two_fields(LOOP).replacen(
            "channel_width_mm = 0.2\n",
            &format!("channel_width_mm = 0.2\n{extra}"),
            1,
        )
    };
    let d = ok(&with("plenum_k = 1.2\n"));
    assert_eq!(d.layers[0].channels[0].plenum_k, Some(1.2));
    assert_eq!(d.layers[0].channels[1].plenum_k, None);
    ok(&with("plenum_k = 0.0\n"));
    rejects(
        &with("plenum_k = -0.5\n"),
        "layers[0].channels[0].plenum_k",
        &["≥ 0", "-0.5"],
    );
    // A pressure drop in kPa typed as the loss coefficient.
    rejects(
        &with("plenum_k = 12.0\n"),
        "layers[0].channels[0].plenum_k",
        &["not a plenum loss", "at most 3", "`minor`"],
    );
    rejects(
        &with("plenum_k = 0.5\npressure_drop_kpa = 3.0\n"),
        "layers[0].channels[0].plenum_k",
        &["pressure_drop_kpa", "one of them"],
    );
}

#[test]
fn parallel_field_links_reproduce_the_design_without_links() {
    // Every field in its own supply → return link is the loop a design without links has:
    // the tray solves to the same numbers (to the network's 1e-10 convergence, which moves
    // the temperatures by far less than 1e-9 relative; compared to 1e-9), and a quick-
    // disconnect ahead of each plate (the same on every plate) leaves the split nearly alone
    // but adds its drop to the loop's.
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../examples/validation/tray-vr200-flat.toml");
    let text = std::fs::read_to_string(&path).unwrap();
    let mut named = String::new();
    for (i, part) in text.split("[[layers.channels]]\n").enumerate() {
        if i > 0 {
            named.push_str(&format!("[[layers.channels]]\nname = \"plate{}\"\n", i - 1));
        }
        named.push_str(part);
    }
    let mut links = String::new();
    let mut with_qd = String::new();
    for i in 0..6 {
        links.push_str(&format!(
            "\n[[coolant.links]]\nname = \"plate{i}\"\nfrom = \"supply\"\nto = \"return\"\nkind = \"field\"\nfield = \"plate{i}\"\n"
        ));
        with_qd.push_str(&format!(
            "\n[[coolant.links]]\nname = \"in{i}\"\nfrom = \"supply\"\nto = \"p{i}\"\nkind = \"qd\"\ncv = 1.5\n\
             \n[[coolant.links]]\nname = \"plate{i}\"\nfrom = \"p{i}\"\nto = \"return\"\nkind = \"field\"\nfield = \"plate{i}\"\n"
        ));
    }
    let add = |l: &str| named.replacen("flow_lpm = 12.0\n", &format!("flow_lpm = 12.0\n{l}"), 1);
    let solve = |t: &str| {
        let d = coldtray_solver::Design::from_toml_str(t, &path)
            .unwrap()
            .with_cell_mm(5.0)
            .unwrap();
        d.solve(&coldtray_solver::SolveOptions::default())
            .unwrap()
            .results
    };
    let key = |r: &coldtray_solver::results::Results| {
        serde_json::to_value((&r.blocks, &r.layers, &r.coolant, r.max_c)).unwrap()
    };
    let plain = solve(&text);
    assert_eq!(key(&solve(&named)), key(&plain));
    let close = |a: &coldtray_solver::results::Results, tol: f64| {
        assert!(
            (a.max_c - plain.max_c).abs() <= tol * plain.max_c,
            "{} vs {}",
            a.max_c,
            plain.max_c
        );
        for (x, y) in a.blocks.iter().zip(&plain.blocks) {
            assert!((x.max_c - y.max_c).abs() <= tol * y.max_c, "{}", x.name);
        }
    };
    let parallel = solve(&add(&links));
    close(&parallel, 1e-9);
    let qd = solve(&add(&with_qd));
    let (hq, hp) = (qd.hydraulics.unwrap(), plain.hydraulics.unwrap());
    assert!(hq.dp_kpa > hp.dp_kpa, "the QDs add their drop");
    assert_eq!(hq.links.len(), 12);
}

#[test]
fn the_documented_link_examples_validate_and_solve() {
    // Every ```toml block of docs/formats/design.md that holds [[coolant.links]] is appended to
    // a design with one channel field per field the block names, validated, built and solved.
    let doc = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/formats/design.md"),
    )
    .unwrap();
    let blocks: Vec<&str> = doc
        .split("```toml\n")
        .skip(1)
        .filter_map(|b| b.split("```").next())
        .filter(|b| b.contains("[[coolant.links]]"))
        .collect();
    assert!(blocks.len() >= 2, "the QD pair and the ladder examples");
    for block in blocks {
        let fields: Vec<String> = block
            .lines()
            .filter_map(|l| l.strip_prefix("field = \""))
            .map(|l| l.trim_end_matches('"').to_string())
            .collect();
        let mut text = format!(
            "name = \"doc\"\n[domain]\nwidth_mm = {}\ndepth_mm = 10\ncell_mm = 1\n\n\
             [[layers]]\nname = \"plate\"\nthickness_mm = 3\nmaterial = \"copper\"\n",
            10 * fields.len()
        );
        for (i, f) in fields.iter().enumerate() {
            text.push_str(&format!(
                "[[layers.channels]]\nname = \"{f}\"\nx_mm = {}\nwidth_mm = 10\ndirection = \"+y\"\n\
                 fin_thickness_mm = 0.1\nchannel_width_mm = 0.2\n",
                10 * i
            ));
        }
        text.push_str("\n[coolant]\nfluid = \"water\"\ninlet_c = 30\nflow_lpm = 4.0\n");
        text.push_str(block);
        let d = ok(&text);
        let net = Network::of_coolant(d.coolant.as_ref().unwrap(), fields.clone()).unwrap();
        let law = super::Fields::linear(&vec![1.0e8; fields.len()]);
        let sol = net.solve(&super::WATER, &law).unwrap();
        super::certify(&net, &sol);
    }
}

#[test]
fn overrides_address_links_and_named_fields_by_name() {
    use coldtray_solver::design::Override;
    use coldtray_solver::model::CoolantLinkKind;
    let text = two_fields(LOOP)
        .replacen(
            "[[layers.channels]]\n",
            "[[layers.channels]]\nname = \"gpu0\"\n",
            1,
        )
        .replacen(
            "\n[[layers.channels]]\nx_mm",
            "\n[[layers.channels]]\nname = \"gpu1\"\nx_mm",
            1,
        )
        .replace("\"coldplate_0\"", "\"gpu0\"")
        .replace("\"coldplate_1\"", "\"gpu1\"");
    let sets: Vec<Override> = [
        "coolant.links.hose.diameter_mm=8",
        "layers.coldplate.channels.gpu1.fin_thickness_mm=0.15",
    ]
    .iter()
    .map(|s| s.parse().unwrap())
    .collect();
    let d =
        coldtray_solver::Design::from_toml_str_with(&text, &crate::design::src(), &sets).unwrap();
    let c = d.coolant.as_ref().unwrap();
    assert!(
        matches!(c.links[1].kind, CoolantLinkKind::Pipe { diameter_mm, .. } if diameter_mm == 8.0)
    );
    assert_eq!(d.layers[0].channels[1].fin_thickness_mm, 0.15);
    // An override that breaks the loop is reported at --set PATH.
    let bad: Vec<Override> = vec!["coolant.links.elbow.to=mid".parse().unwrap()];
    let e = coldtray_solver::Design::from_toml_str_with(&text, &crate::design::src(), &bad)
        .unwrap_err();
    assert_eq!(
        e.field.as_deref(),
        Some("--set coolant.links.elbow.to"),
        "{e}"
    );
}
