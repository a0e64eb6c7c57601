//! Every validation rule of the design format rejects bad input with a one-line message that
//! names the file and the field (geometry, layers, blocks, materials, channels, numbers).

use super::{base, edit, ok, parse, rejects, rejects_with};

#[test]
fn the_fixture_is_valid_and_defaults_apply() {
    let d = ok(&base());
    assert_eq!(
        d.layers[0].cells, None,
        "cells defaults to the solver's grading"
    );
    assert_eq!(
        d.boundary.top.h_w_m2k, 0.0,
        "boundary defaults to adiabatic"
    );
    assert_eq!(d.boundary.sides.h_w_m2k, 0.0);
    let ch = &d.layers[0].channels[0];
    assert_eq!(
        (ch.x_mm, ch.y_mm, ch.width_mm, ch.depth_mm),
        (0.0, 0.0, 10.0, 10.0)
    );
    assert_eq!(d.blocks[1].power_w, 0.0, "power_w defaults to 0");
    assert!(d.transient.is_none());
    // Integers are accepted where numbers are expected (width_mm = 10).
    assert_eq!(d.width_mm, 10.0);
}

#[test]
fn missing_required_fields_are_named() {
    rejects(
        &edit("thickness_mm = 3.0\n", ""),
        "layers[0].thickness_mm",
        &["missing"],
    );
    rejects(
        &edit("[domain]", "[domainn]"),
        "domainn",
        &["unknown field", "domain"],
    );
    rejects(&edit("cell_mm = 0.5\n", ""), "domain.cell_mm", &["missing"]);
    rejects(
        &edit("flow_lpm = 0.1\n", ""),
        "coolant.flow_lpm",
        &["missing"],
    );
}

#[test]
fn unknown_fields_are_named_with_the_valid_ones() {
    rejects(
        &edit("fin_thickness_mm = 0.1", "fin_thicknes_mm = 0.1"),
        "layers[0].channels.fin_thicknes_mm",
        &[
            "unknown field",
            "fin_thickness_mm",
            "channel_width_mm",
            "line 16",
        ],
    );
    rejects(
        &edit("power_w = 50.0", "power_W = 50.0"),
        "blocks[0].power_W",
        &["unknown field", "power_w", "limit_c"],
    );
    rejects(
        &edit("name = \"minimal\"", "name = \"minimal\"\ncolor = 3"),
        "color",
        &["unknown"],
    );
}

#[test]
fn wrong_types_are_named() {
    rejects(
        &edit("thickness_mm = 3.0", "thickness_mm = \"3\""),
        "layers[0].thickness_mm",
        &["expected"],
    );
    rejects(
        &edit("direction = \"+y\"", "direction = 3"),
        "layers[0].channels.direction",
        &[],
    );
}

#[test]
fn non_positive_sizes_are_rejected() {
    rejects(
        &edit("thickness_mm = 3.0", "thickness_mm = 0"),
        "layers[0].thickness_mm",
        &["> 0", "got 0"],
    );
    rejects(
        &edit("cell_mm = 0.5", "cell_mm = -1"),
        "domain.cell_mm",
        &["> 0", "got -1"],
    );
    rejects(
        &edit("width_mm = 10", "width_mm = 0.0"),
        "domain.width_mm",
        &["> 0"],
    );
    rejects(
        &edit("width_mm = 4.0", "width_mm = -2"),
        "blocks[0].width_mm",
        &["> 0", "got -2"],
    );
    rejects(
        &edit("depth_mm = 4.0", "depth_mm = 0"),
        "blocks[0].depth_mm",
        &["> 0"],
    );
    rejects(
        &edit("material = \"copper\"", "material = \"copper\"\ncells = 0"),
        "layers[0].cells",
        &["1"],
    );
}

#[test]
fn cell_override_is_validated_like_cell_mm() {
    let b = base();
    rejects_with(&b, Some(0.0), "--cell-mm", &["> 0"]);
    rejects_with(&b, Some(f64::NAN), "--cell-mm", &["finite"]);
    rejects_with(&b, Some(20.0), "--cell-mm", &["larger than the domain"]);
    // 10 × 10 mm at 0.5 µm = 4e8 cells per layer × 2 layers > 200 M.
    rejects_with(
        &b,
        Some(0.0005),
        "--cell-mm",
        &["cells", "limit", "at least"],
    );
    assert_eq!(parse(&b, Some(0.25)).unwrap().cell_mm, 0.25);
}

#[test]
fn absurd_grids_are_rejected() {
    let t = edit(
        "width_mm = 10\ndepth_mm = 10.0\ncell_mm = 0.5",
        "width_mm = 1000\ndepth_mm = 1000\ncell_mm = 0.05",
    );
    // 7 z cells: the two layers without `cells` graded on 0.05 mm cells.
    rejects(
        &t,
        "domain.cell_mm",
        &["× 7 = 2.800e9", "200 M", "at least"],
    );
}

#[test]
fn non_positive_conductivity_is_rejected() {
    let m = |body: &str| {
        edit(
            "[domain]",
            &format!("[[materials]]\nname = \"x\"\n{body}\n\n[domain]"),
        )
    };
    rejects(&m("k = 0"), "materials[0].k", &["> 0"]);
    rejects(&m("k_xy = -1\nk_z = 1"), "materials[0].k_xy", &["> 0"]);
    rejects(&m("k_xy = 1\nk_z = 0"), "materials[0].k_z", &["> 0"]);
    rejects(
        &m("k = 1\nk_xy = 1\nk_z = 1"),
        "materials[0].k",
        &["not both"],
    );
    rejects(&m("k_xy = 1"), "materials[0].k_z", &["missing"]);
    rejects(
        &m("density_kg_m3 = 1"),
        "materials[0].k",
        &["missing", "k_xy"],
    );
    rejects(
        &m("k = 1\ncp_j_kgk = -5"),
        "materials[0].cp_j_kgk",
        &["> 0"],
    );
}

#[test]
fn user_materials_add_to_and_override_builtins() {
    let t = edit(
        "[domain]",
        "[[materials]]\nname = \"copper\"\nk = 400\n\n[[materials]]\nname = \"foam\"\nk_xy = 2\nk_z = 1\n\n[domain]",
    )
    .replacen("material = \"mold\"", "material = \"foam\"", 1);
    let d = ok(&t);
    assert_eq!(d.layers[0].material.k_xy, 400.0);
    assert_eq!(
        d.layers[0].material.density_kg_m3, None,
        "an override replaces the built-in"
    );
    assert_eq!(
        (d.layers[1].material.k_xy, d.layers[1].material.k_z),
        (2.0, 1.0)
    );
    let dup = edit(
        "[domain]",
        "[[materials]]\nname = \"a\"\nk = 1\n[[materials]]\nname = \"a\"\nk = 2\n[domain]",
    );
    rejects(&dup, "materials[1].name", &["twice"]);
}

#[test]
fn unknown_materials_list_the_valid_ones() {
    rejects(
        &edit("material = \"silicon\"", "material = \"silicone\""),
        "blocks[0].material",
        &[
            "unknown material `silicone`",
            "silicon",
            "organic_substrate",
            "[[materials]]",
        ],
    );
    rejects(
        &edit("material = \"mold\"", "material = \"coper\""),
        "layers[1].material",
        &["copper"],
    );
    rejects(
        &edit(
            "channel_width_mm = 0.2",
            "channel_width_mm = 0.2\nfin_material = \"unobtainium\"",
        ),
        "layers[0].channels.fin_material",
        &["unknown material"],
    );
}

#[test]
fn negative_power_is_rejected() {
    rejects(
        &edit("power_w = 50.0", "power_w = -1"),
        "blocks[0].power_w",
        &["≥ 0", "got -1"],
    );
}

#[test]
fn nan_and_infinity_are_rejected() {
    rejects(
        &edit("power_w = 50.0", "power_w = nan"),
        "blocks[0].power_w",
        &["finite", "NaN"],
    );
    rejects(
        &edit("x_mm = 2.0", "x_mm = inf"),
        "blocks[0].x_mm",
        &["finite", "inf"],
    );
    rejects(
        &edit("inlet_c = 45.0", "inlet_c = -inf"),
        "coolant.inlet_c",
        &["finite"],
    );
    rejects(
        &edit("thickness_mm = 3.0", "thickness_mm = +inf"),
        "layers[0].thickness_mm",
        &["finite"],
    );
    rejects(
        &edit("power_w = 50.0", "power_w = 50.0\nlimit_c = nan"),
        "blocks[0].limit_c",
        &["finite"],
    );
}

#[test]
fn blocks_outside_the_domain_are_rejected() {
    rejects(
        &edit("x_mm = 2.0", "x_mm = 8.0"),
        "blocks[0].x_mm",
        &["outside the domain", "12"],
    );
    rejects(
        &edit("y_mm = 2.0", "y_mm = -0.5"),
        "blocks[0].y_mm",
        &["outside the domain"],
    );
}

#[test]
fn blocks_in_unknown_layers_are_rejected() {
    rejects(
        &edit("layer = \"die\"", "layer = \"dies\""),
        "blocks[0].layer",
        &["unknown layer `dies`", "coldplate, die"],
    );
}

#[test]
fn overlapping_blocks_are_rejected_touching_ones_are_not() {
    // die1 spans x 6..8; moving it to 5.5 overlaps die0 (2..6) by 0.5 mm.
    rejects(
        &edit("x_mm = 6.0", "x_mm = 5.5"),
        "blocks[1]",
        &["overlaps blocks[0]", "die0", "0.5 × 2"],
    );
    ok(&base()); // die0 and die1 touch at x = 6
                 // The same rectangle in another layer is fine... but not over a channel field.
    rejects(
        &edit("layer = \"die\"", "layer = \"coldplate\""),
        "blocks[0]",
        &["channel field"],
    );
}

#[test]
fn duplicate_names_are_rejected() {
    rejects(
        &edit("name = \"die\"", "name = \"coldplate\""),
        "layers[1].name",
        &["already layers[0]"],
    );
    rejects(
        &edit("name = \"die1\"", "name = \"die0\""),
        "blocks[1].name",
        &["already blocks[0]"],
    );
    rejects(
        &edit("name = \"die1\"", "name = \" \""),
        "blocks[1].name",
        &["empty"],
    );
}

#[test]
fn channels_need_a_coolant_and_a_coolant_needs_channels() {
    let i = base().find("[coolant]").unwrap();
    rejects(&base()[..i], "coolant", &["layers[0]", "[coolant]"]);
    let no_channels = edit(
        "[layers.channels]\ndirection = \"+y\"\nfin_thickness_mm = 0.1\nchannel_width_mm = 0.2\n",
        "",
    );
    rejects(&no_channels, "coolant", &["no layer has"]);
}

#[test]
fn channel_geometry_must_fit() {
    let field = |x: &str| edit("direction = \"+y\"", &format!("{x}\ndirection = \"+y\""));
    rejects(
        &edit("channel_width_mm = 0.2", "channel_width_mm = 0"),
        "layers[0].channels.channel_width_mm",
        &["> 0"],
    );
    rejects(
        &edit("fin_thickness_mm = 0.1", "fin_thickness_mm = -0.1"),
        "layers[0].channels.fin_thickness_mm",
        &["> 0"],
    );
    // Outside the domain.
    rejects(
        &field("x_mm = 5.0\nwidth_mm = 10.0"),
        "layers[0].channels.x_mm",
        &["outside the domain"],
    );
    // One pitch (0.8 + 0.3 = 1.1 mm) wider than the 1 mm field across a +y flow.
    rejects(
        &field("width_mm = 1.0")
            .replacen("channel_width_mm = 0.2", "channel_width_mm = 0.8", 1)
            .replacen("fin_thickness_mm = 0.1", "fin_thickness_mm = 0.3", 1),
        "layers[0].channels.channel_width_mm",
        &["pitch", "1.1", "at least one channel"],
    );
    // Narrower than one 0.5 mm cell across the flow (+y: across is width_mm)...
    rejects(
        &field("width_mm = 0.4"),
        "layers[0].channels.width_mm",
        &["less than one cell", "across"],
    );
    // ... or along it.
    rejects(
        &field("depth_mm = 0.4"),
        "layers[0].channels.depth_mm",
        &["less than one cell", "along"],
    );
    // A field that fits at 0.5 mm cells fails at --cell-mm 2.
    let t = field("width_mm = 1.0");
    ok(&t);
    rejects_with(
        &t,
        Some(2.0),
        "layers[0].channels.width_mm",
        &["less than one cell (2 mm)"],
    );
    // The grid cell is the domain split into whole cells: 10 mm at 0.7 mm → 14 cells of
    // 0.714 mm, so a 0.705 mm field (≥ cell_mm but < the real cell) could miss every centre.
    rejects_with(
        &field("width_mm = 0.705"),
        Some(0.7),
        "layers[0].channels.width_mm",
        &["less than one cell (0.714"],
    );
    rejects(
        &edit("direction = \"+y\"", "direction = \"north\""),
        "layers[0].channels.direction",
        &["\"+x\"", "\"-y\""],
    );
    rejects(
        &edit(
            "channel_width_mm = 0.2",
            "channel_width_mm = 0.2\nh_w_m2k = 0",
        ),
        "layers[0].channels.h_w_m2k",
        &["> 0"],
    );
}

#[test]
fn several_channel_fields_per_layer_must_not_overlap() {
    let two = |second_x: f64| {
        edit(
            "[layers.channels]\ndirection = \"+y\"",
            &format!(
                "[[layers.channels]]\nx_mm = 0\nwidth_mm = 5\ndirection = \"+y\"\nfin_thickness_mm = 0.1\nchannel_width_mm = 0.2\n\
                 [[layers.channels]]\nx_mm = {second_x}\nwidth_mm = 5\ndirection = \"+y\""
            ),
        )
    };
    let d = ok(&two(5.0));
    assert_eq!(d.layers[0].channels.len(), 2);
    assert_eq!(d.layers[0].channels[1].x_mm, 5.0);
    rejects(
        &two(4.0),
        "layers[0].channels[1]",
        &["overlaps layers[0].channels[0]"],
    );
}

#[test]
fn leakage_fields_come_together_and_in_range() {
    let leak = |w: &str, r: &str, d: &str| {
        edit(
            "power_w = 50.0",
            &format!(
                "power_w = 50.0\nleakage_w = {w}\nleakage_ref_c = {r}\nleakage_doubling_k = {d}"
            ),
        )
    };
    let d = ok(&leak("5.0", "60.0", "25.0"));
    let l = d.blocks[0].leakage.unwrap();
    assert_eq!((l.leakage_w, l.ref_c, l.doubling_k), (5.0, 60.0, 25.0));
    assert!(d.blocks[1].leakage.is_none());
    rejects(
        &edit("power_w = 50.0", "power_w = 50.0\nleakage_w = 5.0"),
        "blocks[0].leakage_ref_c",
        &["missing", "together"],
    );
    rejects(&leak("-1", "60.0", "25.0"), "blocks[0].leakage_w", &["≥ 0"]);
    rejects(
        &leak("5", "200.0", "25.0"),
        "blocks[0].leakage_ref_c",
        &["-40", "150"],
    );
    rejects(
        &leak("5", "60", "0.05"),
        "blocks[0].leakage_doubling_k",
        &["5", "100", "20–30 K"],
    );
    rejects(
        &leak("5", "60", "nan"),
        "blocks[0].leakage_doubling_k",
        &["NaN"],
    );
    let transient = format!(
        "{}\n[transient]\nduration_s = 1.0\ndt_s = 0.1\ninitial_c = 25.0\n",
        leak("5.0", "60.0", "25.0")
    );
    rejects(
        &transient,
        "blocks[0].leakage_w",
        &["steady", "[transient]"],
    );
}
