//! `[[packages]]` and `[[instances]]`: placed packages expand to what a hand-written design
//! says, errors name the instance and the package, and the shipped tray written with
//! instances is the same solid model as the old tray written out block by block.

use std::path::{Path, PathBuf};

use coldtray_solver::assembly::assemble;
use coldtray_solver::model::CoolantLinkKind;
use coldtray_solver::Design;

use super::{base, ok, rejects};

/// The minimal design with a package of one block and one field placed twice, in parallel.
fn two_plates() -> String {
    let without_field = base().replace(
        "[layers.channels]\ndirection = \"+y\"\nfin_thickness_mm = 0.1\nchannel_width_mm = 0.2\n",
        "",
    );
    let without_blocks = without_field
        .split("[[blocks]]")
        .next()
        .unwrap()
        .to_string();
    let with_coolant = format!(
        "{without_blocks}{}",
        base()
            .split("[coolant]")
            .nth(1)
            .map_or(String::new(), |c| format!("[coolant]{c}"))
    );
    format!(
        "{with_coolant}
[[coolant.links]]
name = \"feed_a\"
from = \"supply\"
to = \"a.in\"
kind = \"minor\"
k = 1.0
diameter_mm = 4.0

[[coolant.links]]
name = \"feed_b\"
from = \"supply\"
to = \"b.in\"
kind = \"minor\"
k = 1.0
diameter_mm = 4.0

[[coolant.links]]
name = \"drain\"
from = \"join\"
to = \"return\"
kind = \"pipe\"
length_mm = 50.0
diameter_mm = 4.0

[[coolant.links]]
name = \"out_a\"
from = \"a.out\"
to = \"join\"
kind = \"minor\"
k = 0.5
diameter_mm = 4.0

[[coolant.links]]
name = \"out_b\"
from = \"b.out\"
to = \"join\"
kind = \"minor\"
k = 0.5
diameter_mm = 4.0

[[packages]]
name = \"chip\"
blocks = [
  {{ name = \"die\", layer = \"die\", x_mm = 0.5, y_mm = 1.0, width_mm = 3.0, depth_mm = 2.0, material = \"silicon\", power_w = 20.0 }},
]
channels = [
  {{ layer = \"coldplate\", x_mm = 0.0, y_mm = 0.0, width_mm = 4.0, depth_mm = 4.0, direction = \"+y\", fin_thickness_mm = 0.1, channel_width_mm = 0.2 }},
]
links = [
  {{ name = \"qd\", from = \"supply\", to = \"p\", kind = \"qd\", cv = 1.0 }},
  {{ name = \"plate\", from = \"p\", to = \"return\", kind = \"field\", field = \"coldplate\" }},
]

[[instances]]
name = \"a\"
package = \"chip\"
offset_mm = [1.0, 2.0]

[[instances]]
name = \"b\"
package = \"chip\"
offset_mm = [5.0, 2.0]
"
    )
}

#[test]
fn an_inline_package_placed_twice_expands_to_prefixed_moved_copies() {
    let d = ok(&two_plates());
    let names: Vec<&str> = d.blocks.iter().map(|b| b.name.as_str()).collect();
    assert_eq!(names, ["a_die", "b_die"]);
    // Offsets add exactly (binary fractions: no rounding).
    assert_eq!((d.blocks[0].x_mm, d.blocks[0].y_mm), (1.5, 3.0));
    assert_eq!((d.blocks[1].x_mm, d.blocks[1].y_mm), (5.5, 3.0));
    assert_eq!(d.total_power_w(), 40.0);
    let fields = &d.layers[0].channels;
    assert_eq!(fields.len(), 2);
    assert_eq!(fields[0].name, "a_coldplate");
    assert_eq!(fields[1].name, "b_coldplate");
    assert_eq!(
        (fields[1].x_mm, fields[1].y_mm, fields[1].width_mm),
        (5.0, 2.0, 4.0)
    );
    // The package's links come along, prefixed; supply and return become the instance's ends.
    let c = d.coolant.as_ref().unwrap();
    let find = |n: &str| c.links.iter().find(|l| l.name == n).unwrap();
    let qd = find("b_qd");
    assert_eq!((qd.from.as_str(), qd.to.as_str()), ("b.in", "b_p"));
    let plate = find("a_plate");
    assert_eq!((plate.from.as_str(), plate.to.as_str()), ("a_p", "a.out"));
    assert_eq!(
        plate.kind,
        CoolantLinkKind::Field {
            field: "a_coldplate".into()
        }
    );
    assert_eq!(c.links.len(), 5 + 2 * 2);
}

#[test]
fn instance_errors_name_the_instance() {
    let t = two_plates();
    rejects(
        &t.replacen("offset_mm = [5.0, 2.0]", "offset_mm = [5.0]", 1),
        "instances[1].offset_mm",
        &["[x, y]", "1 value"],
    );
    rejects(
        &t.replacen("offset_mm = [5.0, 2.0]", "offset_mm = [5.0, nan]", 1),
        "instances[1].offset_mm[1]",
        &["finite"],
    );
    rejects(
        &t.replacen(
            "package = \"chip\"\noffset_mm = [5.0",
            "package = \"chp\"\noffset_mm = [5.0",
            1,
        ),
        "instances[1].package",
        &["unknown package `chp`", "\"chip\""],
    );
    rejects(
        &t.replacen("name = \"b\"\npackage", "name = \"a\"\npackage", 1),
        "instances[1].name",
        &["already instances[0]"],
    );
    rejects(
        &t.replacen("name = \"b\"\npackage", "name = \"b.x\"\npackage", 1),
        "instances[1].name",
        &["dot"],
    );
    rejects(
        &t.replacen(
            "package = \"chip\"\noffset_mm = [5.0",
            "offset_mm = [5.0",
            1,
        ),
        "instances[1].package",
        &["missing", "file"],
    );
    rejects(
        &t.replacen(
            "package = \"chip\"\noffset_mm = [5.0",
            "package = \"chip\"\nfile = \"x.toml\"\noffset_mm = [5.0",
            1,
        ),
        "instances[1].file",
        &["not both"],
    );
    rejects(
        &format!("{t}\n[[packages]]\nname = \"chip\"\n"),
        "packages[1].name",
        &["already packages[0]"],
    );
}

#[test]
fn errors_in_placed_items_name_the_instance_and_the_package_path() {
    let t = two_plates();
    // b moved right by 5 mm puts its die past the 10 mm domain: the error names instance b
    // and the package's block, not the expanded blocks[1].
    rejects(
        &t.replacen("power_w = 20.0", "power_w = -1.0", 1),
        "instances[0] (a) → packages[0].blocks[0].power_w",
        &["≥ 0"],
    );
    rejects(
        &t.replacen("offset_mm = [5.0, 2.0]", "offset_mm = [8.0, 2.0]", 1),
        "instances[1] (b) → packages[0].channels[0].x_mm",
        &["domain"],
    );
    // The package's field in a layer the design lacks.
    rejects(
        &t.replacen("{ layer = \"coldplate\"", "{ layer = \"plate\"", 1),
        "instances[0] (a) → packages[0].channels[0].layer",
        &["no layer `plate`", "coldplate, die"],
    );
    // Overlapping fields of two instances: reported at the second instance's field.
    rejects(
        &t.replacen("offset_mm = [5.0, 2.0]", "offset_mm = [3.0, 2.0]", 1),
        "instances[1] (b) → packages[0].channels[0]",
        &["overlaps"],
    );
    // A bad link of the package: named through the instance.
    rejects(
        &t.replacen("cv = 1.0", "cv = -1.0", 1),
        "instances[0] (a) → packages[0].links[0].cv",
        &["> 0"],
    );
}

fn data(name: &str) -> PathBuf {
    super::data(&format!("instances/{name}"))
}

#[test]
fn a_design_file_placed_twice_brings_its_blocks_fields_links_and_materials() {
    let d = Design::load(&data("tray.toml")).unwrap_or_else(|e| panic!("{e}"));
    let names: Vec<&str> = d.blocks.iter().map(|b| b.name.as_str()).collect();
    assert_eq!(names, ["left_die", "right_die"]);
    assert_eq!(d.blocks[1].x_mm, 17.0);
    // The file's own [[materials]] come along.
    assert_eq!(d.blocks[0].material.name, "tim");
    assert_eq!(d.blocks[0].material.k_z, 5.0);
    let fields: Vec<(&str, f64)> = d.layers[0]
        .channels
        .iter()
        .map(|c| (c.name.as_str(), c.x_mm))
        .collect();
    assert_eq!(fields, [("left_coldplate", 1.0), ("right_coldplate", 16.0)]);
    let links: Vec<String> = d
        .coolant
        .as_ref()
        .unwrap()
        .links
        .iter()
        .map(|l| format!("{}:{}→{}", l.name, l.from, l.to))
        .collect();
    assert!(
        links.contains(&"left_qd:left.in→left_a".to_string()),
        "{links:?}"
    );
    assert!(
        links.contains(&"right_plate:right_a→right.out".to_string()),
        "{links:?}"
    );
    // The placed file is itself a valid design.
    Design::load(&data("plate.toml")).unwrap();
}

#[test]
fn a_file_that_places_itself_is_an_error() {
    let e = Design::load(&data("cycle_a.toml")).unwrap_err();
    let msg = e.to_string();
    assert_eq!(e.field.as_deref(), Some("instances[0].file"), "{msg}");
    assert!(msg.contains("includes itself"), "{msg}");
    assert!(
        msg.contains("cycle_a.toml") && msg.contains("cycle_b.toml"),
        "{msg}"
    );
    assert!(!msg.contains('\n'));
    // A file that is missing is named with the instance.
    let text = std::fs::read_to_string(data("tray.toml"))
        .unwrap()
        .replacen("file = \"plate.toml\"", "file = \"nowhere.toml\"", 1);
    let e = Design::from_toml_str(&text, &data("tray.toml")).unwrap_err();
    assert_eq!(e.field.as_deref(), Some("instances[0].file"));
    assert!(e.to_string().contains("nowhere.toml"), "{e}");
    // A material of the file that differs from the tray's of the same name.
    let text = std::fs::read_to_string(data("tray.toml"))
        .unwrap()
        .replacen(
            "[[layers]]",
            "[[materials]]\nname = \"tim\"\nk = 3.0\n\n[[layers]]",
            1,
        );
    let e = Design::from_toml_str(&text, &data("tray.toml")).unwrap_err();
    assert_eq!(e.field.as_deref(), Some("instances[0].file"));
    assert!(e.to_string().contains("material `tim`"), "{e}");
}

fn example(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../examples")
        .join(name)
}

/// The shipped tray with its pump curve replaced by the fixed flow of the flat file (the
/// thermal solve takes a fixed flow until the loop network is coupled to it).
fn tray_at_fixed_flow() -> Design {
    let path = example("tray-vr200.toml");
    let text = std::fs::read_to_string(&path).unwrap();
    let start = text
        .find("pump_curve = ")
        .expect("the tray has a pump curve");
    let end = start + text[start..].find('\n').unwrap();
    let text = format!("{}flow_lpm = 12.0{}", &text[..start], &text[end..]);
    Design::from_toml_str(&text, &path).unwrap_or_else(|e| panic!("{e}"))
}

#[test]
fn the_tray_with_instances_is_the_flat_trays_solid_model() {
    let flat = Design::load(&example("validation/tray-vr200-flat.toml")).unwrap();
    let short = tray_at_fixed_flow();
    // The short file really is short: 126 blocks from 2 packages and 6 instances.
    let text = std::fs::read_to_string(example("tray-vr200.toml")).unwrap();
    assert!(text.lines().count() < 400, "{} lines", text.lines().count());
    assert!(!text.contains("[[blocks]]"));
    assert_eq!(short.blocks.len(), 126);
    // Same blocks (names, layers, rectangles, materials, powers, limits), layers, boundary and
    // plan; the fields are the same rectangles and fins, named after their instance (the flat
    // file's are the layer's defaults), and the coolant differs by design (a loop network).
    let mut same = short.clone();
    for (l, fl) in same.layers.iter_mut().zip(&flat.layers) {
        assert_eq!(l.channels.len(), fl.channels.len(), "{}", l.name);
        for (c, fc) in l.channels.iter_mut().zip(&fl.channels) {
            c.name = fc.name.clone();
        }
    }
    same.coolant = flat.coolant.clone();
    same.source = flat.source.clone();
    assert_eq!(same, flat);
    let field_names: Vec<&str> = short.layers[8]
        .channels
        .iter()
        .map(|c| c.name.as_str())
        .collect();
    assert_eq!(
        field_names,
        [
            "gpu0_plate",
            "gpu1_plate",
            "gpu2_plate",
            "gpu3_plate",
            "cpu0_plate",
            "cpu1_plate"
        ]
    );
    // Same cells: the assembled grid's materials, powers and block coverage agree cell for
    // cell (on a 5 mm grid, to keep the test quick; the comparison is exact).
    let (a, b) = (
        assemble(&flat.with_cell_mm(5.0).unwrap()).unwrap(),
        assemble(&short.with_cell_mm(5.0).unwrap()).unwrap(),
    );
    assert_eq!(a.material_names, b.material_names);
    assert_eq!(a.material_id, b.material_id);
    assert_eq!(a.power_w_m3, b.power_w_m3);
    assert_eq!(a.block_cells, b.block_cells);
    assert_eq!(a.solid_cells(), b.solid_cells());
}

#[test]
fn the_tray_loop_has_a_qd_pair_per_plate_and_two_manifolds() {
    let d = tray_at_fixed_flow();
    let c = d.coolant.as_ref().unwrap();
    let count =
        |pred: &dyn Fn(&CoolantLinkKind) -> bool| c.links.iter().filter(|l| pred(&l.kind)).count();
    assert_eq!(count(&|k| matches!(k, CoolantLinkKind::QdCv { .. })), 12);
    assert_eq!(count(&|k| matches!(k, CoolantLinkKind::Field { .. })), 6);
    assert_eq!(count(&|k| matches!(k, CoolantLinkKind::Pipe { .. })), 12);
    assert_eq!(count(&|k| matches!(k, CoolantLinkKind::Minor { .. })), 12);
    // The pump curve parses and falls.
    let text = std::fs::read_to_string(example("tray-vr200.toml")).unwrap();
    let table: toml::Table = text.parse().unwrap();
    let curve = table["coolant"]["pump_curve"].as_array().unwrap();
    let heads: Vec<f64> = curve
        .iter()
        .map(|p| p.as_array().unwrap()[1].as_float().unwrap())
        .collect();
    assert!(heads.windows(2).all(|w| w[1] < w[0]), "{heads:?}");
}

#[test]
fn the_trays_pump_meets_its_loop_within_the_usual_sizing() {
    // The tray's network with the channel correlations (at the inlet temperature's
    // properties) against its pump curve: the operating point must be a sane design, not a
    // number from an earlier run — 1.25–2.0 L/min per kW (OCP sizing, docs/physics.md S2),
    // no link faster than the 2.5 m/s erosion limit of copper tube, the pump's head equal to
    // the loop's drop (to the network solver's 1e-10 relative residual, so 1e-6 here), and
    // the four identical GPU plates within 5 % of each other (a reverse-return ladder with
    // short headers is nearly even).
    use coldtray_solver::assembly::coolant::{analyse, field_performance, plenum_k, FieldGeometry};
    use coldtray_solver::hydraulics::{FieldLaw, Liquid, Network};
    let design = tray_at_fixed_flow();
    let text = std::fs::read_to_string(example("tray-vr200.toml")).unwrap();
    let table: toml::Table = text.parse().unwrap();
    let pump: Vec<(f64, f64)> = table["coolant"]["pump_curve"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            let a = p.as_array().unwrap();
            (a[0].as_float().unwrap(), a[1].as_float().unwrap())
        })
        .collect();
    let state = analyse(&design).unwrap();
    struct Channels<'a> {
        fields: Vec<(FieldGeometry, f64, f64, Option<f64>)>,
        props: &'a coldtray_solver::FluidProps,
    }
    impl FieldLaw for Channels<'_> {
        fn dp_pa(&self, i: usize, q: f64) -> f64 {
            let (g, k, kp, h) = &self.fields[i];
            field_performance(g, self.props, *k, q, *kp, *h, None).pressure_drop_pa
        }
    }
    let mut names = vec![];
    let mut fields = vec![];
    for f in &state.fields {
        let ch = &design.layers[f.layer].channels[f.field];
        names.push(ch.name.clone());
        fields.push((f.geometry, f.k_fin, plenum_k(ch, &f.geometry), ch.h_w_m2k));
    }
    let law = Channels {
        fields,
        props: &state.props,
    };
    let mut coolant = design.coolant.clone().unwrap();
    coolant.pump_curve = Some(pump.clone());
    let net = Network::of_coolant(&coolant, names).unwrap();
    let sol = net.solve(&Liquid::from(&state.props), &law).unwrap();
    let total_lpm = sol.total_flow_m3s * 60_000.0;
    let per_kw = total_lpm / (design.total_power_w() * 1e-3);
    assert!((1.25..=2.0).contains(&per_kw), "{per_kw} L/min/kW");
    for (l, v) in net.links().iter().zip(&sol.link_velocity_m_s) {
        assert!(v.unwrap_or(0.0) < 2.5, "{}: {v:?} m/s", l.name);
    }
    // Head at the operating point by linear interpolation between the curve's points brackets
    // the monotone cubic's value; the drop must lie between the bracketing points' heads.
    let i = pump.iter().position(|p| p.0 > total_lpm).unwrap();
    let (hi, lo) = (pump[i - 1].1, pump[i].1);
    let dp_kpa = sol.dp_supply_return_pa * 1e-3;
    assert!(
        dp_kpa <= hi && dp_kpa >= lo,
        "{dp_kpa} kPa not in [{lo}, {hi}]"
    );
    let gpu: Vec<f64> = net
        .links()
        .iter()
        .zip(&sol.link_flow_m3s)
        .filter(|(l, _)| l.name.starts_with("gpu") && l.name.ends_with("_plate"))
        .map(|(_, q)| *q)
        .collect();
    assert_eq!(gpu.len(), 4);
    let mean = gpu.iter().sum::<f64>() / 4.0;
    assert!(gpu.iter().all(|q| (q / mean - 1.0).abs() < 0.05), "{gpu:?}");
}

#[test]
fn set_reaches_instances_and_packages_by_name() {
    use coldtray_solver::design::Override;
    let t = two_plates();
    let set = |s: &str| -> Override { s.parse().unwrap() };
    let d = Design::from_toml_str_with(
        &t,
        &super::src(),
        &[
            set("instances.b.offset_mm=[5.0, 4.0]"),
            set("packages.chip.name=chip"),
        ],
    )
    .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!((d.blocks[1].x_mm, d.blocks[1].y_mm), (5.5, 5.0));
    // A bad offset through --set is reported at --set.
    let e = Design::from_toml_str_with(&t, &super::src(), &[set("instances.b.offset_mm=[5.0]")])
        .unwrap_err();
    assert_eq!(
        e.field.as_deref(),
        Some("--set instances.b.offset_mm"),
        "{e}"
    );
}

#[test]
fn a_rotated_instance_turns_in_place() {
    // The package's box is its field, (0, 0)–(4, 4); its die is (0.5, 1) 3 × 2 mm. A 90°
    // counter-clockwise turn maps (x, y, w, d) to (y1 − y − d, x, d, w) = (1, 0.5, 2, 3) and
    // the flow +y to −x; 270° maps it to (y, x1 − x − w, d, w) = (1, 0.5, 2, 3) as well (the
    // die is symmetric about the box's diagonal after the swap) with the flow +x; 180° keeps
    // the die where it is (it is centred in x and y) and turns the flow to −y.
    let t = two_plates();
    let turned = |deg: &str| {
        ok(&t.replacen(
            "offset_mm = [5.0, 2.0]",
            &format!("offset_mm = [5.0, 2.0]\nrotate_deg = {deg}"),
            1,
        ))
    };
    use coldtray_solver::FlowDirection;
    for (deg, die, dir) in [
        ("0", (5.5, 3.0, 3.0, 2.0), FlowDirection::PlusY),
        ("90", (6.0, 2.5, 2.0, 3.0), FlowDirection::MinusX),
        ("180", (5.5, 3.0, 3.0, 2.0), FlowDirection::MinusY),
        ("270", (6.0, 2.5, 2.0, 3.0), FlowDirection::PlusX),
    ] {
        let d = turned(deg);
        let b = &d.blocks[1];
        assert_eq!((b.x_mm, b.y_mm, b.width_mm, b.depth_mm), die, "{deg}°");
        let f = &d.layers[0].channels[1];
        assert_eq!(
            (f.x_mm, f.y_mm, f.width_mm, f.depth_mm),
            (5.0, 2.0, 4.0, 4.0)
        );
        assert_eq!(f.direction, dir, "{deg}°");
    }
    rejects(
        &t.replacen(
            "offset_mm = [5.0, 2.0]",
            "offset_mm = [5.0, 2.0]\nrotate_deg = 45",
            1,
        ),
        "instances[1].rotate_deg",
        &["0, 90, 180 or 270", "45"],
    );
}

#[test]
fn file_instances_inline_into_a_self_contained_design() {
    // The tray that places plate.toml twice, with the file folded into a package: the same
    // design (blocks, fields, links, materials), from text that names no other file.
    let path = data("tray.toml");
    let text = std::fs::read_to_string(&path).unwrap();
    let mut table: toml::Table = text.parse().unwrap();
    coldtray_solver::design::inline_instance_files(&mut table, &path).unwrap();
    let inlined = coldtray_solver::design::to_toml(&table, &path).unwrap();
    assert!(!inlined.contains("file ="), "{inlined}");
    let elsewhere = std::env::temp_dir().join("coldtray-inline-test/design.toml");
    let a = Design::load(&path).unwrap();
    let b =
        Design::from_toml_str(&inlined, &elsewhere).unwrap_or_else(|e| panic!("{e}\n{inlined}"));
    assert_eq!(
        Design {
            source: a.source.clone(),
            ..b
        },
        a
    );
    // A design without file instances is left alone.
    let mut plain: toml::Table = two_plates().parse().unwrap();
    let before = plain.clone();
    coldtray_solver::design::inline_instance_files(&mut plain, &super::src()).unwrap();
    assert_eq!(plain, before);
}
