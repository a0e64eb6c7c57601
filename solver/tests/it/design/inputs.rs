//! Reading errors (missing, binary, empty, malformed files), the coolant, boundaries and the
//! transient section with its power-trace CSV.

use std::path::Path;

use super::{data, edit, ok, rejects, src};

use coldtray_io::ConfigErrorKind;
use coldtray_solver::{ConfigError, Design};

/// Assert a file-level error: names the file, one line, contains `words`.
fn file_error(e: ConfigError, file: &Path, words: &[&str]) {
    let msg = e.to_string();
    assert_eq!(e.file, file);
    assert!(msg.starts_with(&file.display().to_string()), "{msg}");
    assert!(!msg.contains('\n'), "not one line: {msg}");
    for w in words {
        assert!(msg.contains(w), "{msg:?} lacks {w:?}");
    }
}

#[test]
fn a_missing_file_is_named() {
    let f = data("no-such-design.toml");
    file_error(Design::load(&f).unwrap_err(), &f, &["cannot read"]);
}

#[test]
fn an_empty_file_says_what_a_design_needs() {
    let f = data("empty.toml");
    file_error(
        Design::load(&f).unwrap_err(),
        &f,
        &["empty", "[domain]", "[[layers]]"],
    );
    let e = Design::from_toml_str("  \n# only a comment\n", &f).unwrap_err();
    file_error(e, &f, &["empty"]);
}

#[test]
fn a_binary_file_is_not_text() {
    let f = data("binary.toml");
    file_error(Design::load(&f).unwrap_err(), &f, &["not a text file"]);
    let e = Design::from_toml_str("name = \"x\"\0\0", &f).unwrap_err();
    file_error(e, &f, &["NUL"]);
}

#[test]
fn malformed_toml_gives_line_and_column() {
    let f = data("malformed.toml");
    let e = Design::load(&f).unwrap_err();
    assert_eq!(e.kind, ConfigErrorKind::Syntax, "{e}");
    assert_eq!((e.line, e.column), (Some(4), Some(12)));
    file_error(e, &f, &[":4:12: TOML syntax error"]);
}

#[test]
fn coolant_fluid_and_flow_are_checked() {
    rejects(
        &edit("fluid = \"pg25\"", "fluid = \"glycol\""),
        "coolant.fluid",
        &["unknown fluid `glycol`", "water, pg25"],
    );
    rejects(
        &edit("flow_lpm = 0.1", "flow_lpm = 0"),
        "coolant.flow_lpm",
        &["> 0"],
    );
    rejects(
        &edit("flow_lpm = 0.1", "flow_lpm = nan"),
        "coolant.flow_lpm",
        &["finite"],
    );
    rejects(
        &edit("inlet_c = 45.0", "inlet_c = -300"),
        "coolant.inlet_c",
        &["−273.15"],
    );
}

#[test]
fn inlet_outside_the_fluid_table_is_rejected() {
    rejects(
        &edit("inlet_c = 45.0", "inlet_c = -15.0"),
        "coolant.inlet_c",
        &["outside the pg25 property table (-10–100 °C)"],
    );
    rejects(
        &edit(
            "fluid = \"pg25\"\ninlet_c = 45.0",
            "fluid = \"water\"\ninlet_c = 0.5",
        ),
        "coolant.inlet_c",
        &["outside the water property table (1–95 °C)"],
    );
    let w = ok(&edit(
        "fluid = \"pg25\"\ninlet_c = 45.0",
        "fluid = \"water\"\ninlet_c = 17.0",
    ));
    assert_eq!(w.coolant.unwrap().fluid.name, "water");
    // With every property given, the table no longer matters.
    ok(&edit(
        "inlet_c = 45.0",
        "inlet_c = -15.0\ndensity_kg_m3 = 1020\ncp_j_kgk = 3900\nk = 0.46\nviscosity_pa_s = 0.0025",
    ));
}

#[test]
fn loop_pressure_is_absolute_kpa_and_sets_the_boiling_point() {
    // Default: 1 atm.
    let d = ok(&edit("inlet_c = 45.0", "inlet_c = 45.0"));
    assert_eq!(d.coolant.unwrap().pressure_kpa, 101.325);
    let p = ok(&edit(
        "inlet_c = 45.0",
        "inlet_c = 45.0\npressure_kpa = 250",
    ));
    assert_eq!(p.coolant.unwrap().pressure_kpa, 250.0);
    // 2 typed for 2 bar, or 200 000 for Pa: outside 20–2000 kPa, with the hint.
    for v in ["2", "200000"] {
        rejects(
            &edit(
                "inlet_c = 45.0",
                &format!("inlet_c = 45.0\npressure_kpa = {v}"),
            ),
            "coolant.pressure_kpa",
            &["outside 20–2000 kPa", "absolute"],
        );
    }
    // At 20 kPa PG25 boils at ≈ 62 °C (water at 20 kPa/0.924 = 21.6 kPa): an inlet of 70 °C
    // is already boiling.
    rejects(
        &edit("inlet_c = 45.0", "inlet_c = 70.0\npressure_kpa = 20"),
        "coolant.inlet_c",
        &[
            "boiling point of pg25 at 20 kPa",
            "raise coolant.pressure_kpa",
        ],
    );
}

#[test]
fn coolant_properties_override_the_builtin_fluid() {
    let d = ok(&edit("flow_lpm = 0.1", "flow_lpm = 0.1\ncp_j_kgk = 4000"));
    let f = &d.coolant.unwrap().fluid;
    assert!(f.table.iter().all(|(_, p)| p.cp_j_kgk == 4000.0));
    // The other properties still follow the PG25 table.
    assert_eq!(f.props_at(45.0).viscosity_pa_s, 1.2232e-3);
    // A custom fluid: all four properties, no name.
    let custom = edit(
        "fluid = \"pg25\"",
        "density_kg_m3 = 1000\ncp_j_kgk = 4180\nk = 0.6\nviscosity_pa_s = 0.001",
    );
    let p = ok(&custom).coolant.unwrap().fluid.props_at(80.0);
    assert_eq!(
        (p.density_kg_m3, p.cp_j_kgk, p.k, p.viscosity_pa_s),
        (1000.0, 4180.0, 0.6, 0.001)
    );
    rejects(
        &edit("fluid = \"pg25\"", "density_kg_m3 = 1000\ncp_j_kgk = 4180"),
        "coolant.fluid",
        &["missing: k, viscosity_pa_s"],
    );
    rejects(
        &edit("flow_lpm = 0.1", "flow_lpm = 0.1\nviscosity_pa_s = -1"),
        "coolant.viscosity_pa_s",
        &["> 0"],
    );
}

#[test]
fn boundaries_are_read_and_checked() {
    let with = |b: &str| {
        format!(
            "{}\n[boundary]\n{b}\n",
            std::fs::read_to_string(src()).unwrap()
        )
    };
    let d = ok(&with("bottom = { h_w_m2k = 10.0, ambient_c = 45.0 }"));
    assert_eq!(
        (d.boundary.bottom.h_w_m2k, d.boundary.bottom.ambient_c),
        (10.0, 45.0)
    );
    assert_eq!(d.boundary.top.h_w_m2k, 0.0);
    rejects(
        &with("top = { h_w_m2k = -1.0, ambient_c = 25.0 }"),
        "boundary.top.h_w_m2k",
        &["≥ 0"],
    );
    rejects(
        &with("sides = { h_w_m2k = 1.0 }"),
        "boundary.sides.ambient_c",
        &["missing"],
    );
    rejects(
        &with("front = { h_w_m2k = 1.0, ambient_c = 25.0 }"),
        "boundary.front",
        &["top, bottom, sides"],
    );
}

fn transient(body: &str) -> String {
    format!(
        "{}\n[transient]\n{body}\n",
        std::fs::read_to_string(src()).unwrap()
    )
}

#[test]
fn transient_settings_are_checked() {
    let d = ok(&transient("duration_s = 10\ndt_s = 0.1\ninitial_c = 45"));
    let t = d.transient.unwrap();
    assert_eq!(t.probes, vec![0], "probes default to the powered blocks");
    assert!(t.trace.is_none());
    rejects(
        &transient("duration_s = 0\ndt_s = 0.1\ninitial_c = 45"),
        "transient.duration_s",
        &["> 0"],
    );
    rejects(
        &transient("duration_s = 10\ndt_s = -0.1\ninitial_c = 45"),
        "transient.dt_s",
        &["> 0"],
    );
    rejects(
        &transient("duration_s = 1\ndt_s = 2\ninitial_c = 45"),
        "transient.dt_s",
        &["longer than duration_s"],
    );
    rejects(
        &transient("duration_s = 1e6\ndt_s = 1e-3\ninitial_c = 45"),
        "transient.dt_s",
        &["steps"],
    );
    rejects(
        &transient("duration_s = 1\ndt_s = 0.1"),
        "transient.initial_c",
        &["missing"],
    );
    let p = ok(&transient(
        "duration_s = 1\ndt_s = 0.1\ninitial_c = 45\nprobes = [\"die1\", \"die0\"]",
    ));
    assert_eq!(p.transient.unwrap().probes, vec![1, 0]);
    rejects(
        &transient("duration_s = 1\ndt_s = 0.1\ninitial_c = 45\nprobes = [\"die0\", \"hbm_9\"]"),
        "transient.probes[1]",
        &["unknown block `hbm_9`", "die0, die1"],
    );
}

#[test]
fn transient_needs_density_and_cp_of_every_material() {
    let t = transient("duration_s = 1\ndt_s = 0.1\ninitial_c = 45").replacen(
        "[domain]",
        "[[materials]]\nname = \"mold\"\nk = 1\n\n[domain]",
        1,
    );
    rejects(
        &t,
        "layers[1].material",
        &["mold", "density_kg_m3", "[transient]"],
    );
}

fn with_trace(file: &str) -> String {
    transient(&format!(
        "duration_s = 4\ndt_s = 0.1\ninitial_c = 45\npower_trace = \"{file}\""
    ))
}

#[test]
fn a_power_trace_is_read_relative_to_the_design() {
    let d = ok(&with_trace("trace_ok.csv"));
    let tr = d.transient.unwrap().trace.unwrap();
    assert_eq!(tr.file, data("trace_ok.csv"));
    assert_eq!(tr.block_index, vec![0, 1]);
    assert_eq!(tr.times_s, vec![0.0, 1.5, 3.0]);
    assert_eq!(tr.powers_w[1], vec![100.0, 10.0]);
}

#[test]
fn bad_power_traces_are_rejected_with_file_and_line() {
    rejects(
        &with_trace("trace_unknown_block.csv"),
        "transient.power_trace",
        &[
            "trace_unknown_block.csv line 1",
            "`gpu9` is not a block",
            "die0, die1",
        ],
    );
    rejects(
        &with_trace("trace_descending.csv"),
        "transient.power_trace",
        &["line 4", "not after 2"],
    );
    rejects(
        &with_trace("trace_negative.csv"),
        "transient.power_trace",
        &["line 3", "≥ 0"],
    );
    rejects(
        &with_trace("no_such_trace.csv"),
        "transient.power_trace",
        &["cannot read", "relative to the design file"],
    );
}

#[test]
fn a_power_trace_may_have_a_bom_quoted_headers_and_comments() {
    let dir = std::env::temp_dir().join(format!("coldtray-trace-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let design = dir.join("design.toml");
    // As a spreadsheet saves it: a UTF-8 byte-order mark, quoted header cells.
    std::fs::write(
        dir.join("bom.csv"),
        "\u{feff}\"time_s\",\"die1\"\n0,50\n# idle\n\n2.5, 75\n",
    )
    .unwrap();
    let d = Design::from_toml_str(&with_trace("bom.csv"), &design).unwrap();
    let tr = d.transient.unwrap().trace.unwrap();
    assert_eq!(tr.block_index, vec![1]);
    assert_eq!(tr.times_s, vec![0.0, 2.5]);
    assert_eq!(tr.powers_w, vec![vec![50.0], vec![75.0]]);
    // Messages keep the line numbers of the file (the BOM, comments and blanks included).
    std::fs::write(
        dir.join("bad.csv"),
        "\u{feff}time_s,die0\n# idle\n0,1\n\n1,x\n",
    )
    .unwrap();
    let e = Design::from_toml_str(&with_trace("bad.csv"), &design).unwrap_err();
    let msg = e.to_string();
    assert_eq!(e.field.as_deref(), Some("transient.power_trace"), "{msg}");
    assert!(
        msg.contains("bad.csv line 5") && msg.contains("`x`"),
        "{msg}"
    );
    std::fs::remove_dir_all(&dir).ok();
}
