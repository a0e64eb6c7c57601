//! The report from hand-made result directories: escaping, optional parts, errors. The
//! real solve + browser rendering is in `cli/tests/it/report.rs`.

use std::path::PathBuf;

use serde_json::{json, Value};

use super::{page, Report};

/// A fresh empty directory under the system temp dir, unique to this test.
fn scratch(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("coldtray-report-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// A small but complete results.json: one die with a budget, no coolant.
fn results(design: &str, block: &str) -> Value {
    json!({
        "design": design,
        "total_power_w": 100.0,
        "max_c": 60.0,
        "thermal_resistance_c_per_w": 0.35,
        "blocks": [{
            "name": block, "layer": "die", "power_w": 100.0, "max_c": 60.0, "mean_c": 55.0,
            "limit_c": 58.0, "margin_c": -2.0,
            "budget": {"hotspot_c": 60.0, "reference": "top ambient", "reference_c": 25.0,
                       "total_k": 35.0,
                       "terms": [{"name": "die", "drop_k": 5.0}, {"name": "convection", "drop_k": 30.0}]}
        }],
        "layers": [{"name": "die", "z_cells": 1, "max_c": 60.0, "mean_c": 50.0, "min_c": 40.0}],
        "coolant": null,
        "boundary_heat_w": {"top": 100.0, "bottom": 0.0, "sides": 0.0},
        "energy_balance_error": 1e-12,
        "solver": {"cells": 100, "unknowns": 100, "iterations": 5, "relative_residual": 1e-9,
                   "wall_s": 0.01, "threads": 1},
        "transient": null,
        "warnings": [{"code": "block_over_limit", "message": format!("`{block}` is over its limit")}]
    })
}

fn write(dir: &std::path::Path, file: &str, text: &str) {
    std::fs::write(dir.join(file), text).unwrap();
}

#[test]
fn names_from_the_files_are_escaped() {
    let evil = "<script>alert(1)</script> & \"co\"";
    let dir = scratch("escape");
    let mut r = results(evil, "<img src=x onerror=alert(2)>");
    r["input"] = json!({"design": "<b>d.toml</b>", "overrides": ["name=</td>"],
                        "design_sha256": "00", "coldtray_version": "0.1.0"});
    write(&dir, "results.json", &r.to_string());
    write(
        &dir,
        "design.toml",
        r#"name = "<script>alert(1)</script> & \"co\""
[domain]
width_mm = 10.0
depth_mm = 10.0
cell_mm = 1.0
[[layers]]
name = "die"
thickness_mm = 0.5
material = "silicon"
[[blocks]]
name = "<img src=x onerror=alert(2)>"
layer = "die"
x_mm = 2.0
y_mm = 2.0
width_mm = 6.0
depth_mm = 6.0
material = "silicon"
power_w = 100.0
[boundary]
top = { h_w_m2k = 5000.0, ambient_c = 25.0 }
"#,
    );
    let report = Report::load(&dir).unwrap();
    assert!(report.design.is_ok(), "{:?}", report.design);
    let html = page::render(&report);
    // Only the page's own tags: no tag from a file survives.
    assert!(!html.contains("<script"), "unescaped script tag");
    assert!(!html.contains("<img src=x"), "unescaped img tag");
    assert!(!html.contains("<b>d.toml"));
    assert!(!html.contains("name=</td>"));
    assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;co&quot;"));
    assert!(html.contains("<title>coldtray report — &lt;script&gt;"));
    assert!(html.contains("&lt;img src=x onerror=alert(2)&gt;"));
    // The stack table came from design.toml (the block is listed with its power).
    assert!(html.contains("(100 W)"));
    // The warning is highlighted; the block over its limit is flagged.
    assert!(html.contains("id=\"warnings\"") && html.contains("[block_over_limit]"));
    assert!(html.contains("OVER by 2.0 K"));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn missing_optional_parts_leave_their_sections_out() {
    let dir = scratch("bare");
    write(&dir, "results.json", &results("bare", "die0").to_string());
    let report = Report::load(&dir).unwrap();
    let html = page::render(&report);
    // No input section: the provenance says so instead of failing.
    assert!(html.contains("(not recorded)"));
    // No design.toml: the stack comes from results.json, with a note.
    assert!(html.contains("could not be read") && html.contains("design.toml is missing"));
    // No coolant, no maps, no hydraulics.
    assert!(html.contains("none (heat leaves through the boundaries)"));
    assert!(!html.contains("id=\"pressure-drop\""));
    assert!(html.contains("No maps in this directory"));
    assert!(!html.contains("<img"));
    assert!(!html.contains("id=\"hydraulics\""));
    // The budget chart is there (the die has a budget).
    assert!(html.contains("<svg") && html.contains("top ambient"));
    // Nothing points outside the page.
    assert!(!html.contains("http://") && !html.contains("https://") && !html.contains("<script"));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn hydraulics_and_unknown_pngs_are_shown() {
    let dir = scratch("hydraulics");
    let mut r = results("h", "die0");
    r["hydraulics"] = json!({"total_pressure_drop_kpa": 12.5,
                             "fields": [{"name": "f0", "flow_lpm": 1.5}]});
    write(&dir, "results.json", &r.to_string());
    // Not a real image: the report embeds bytes as they are.
    write(&dir, "hydraulics.png", "png");
    write(&dir, "die.png", "png");
    write(&dir, "extra.png", "png");
    let report = Report::load(&dir).unwrap();
    let files: Vec<&str> = report.maps.iter().map(|m| m.file.as_str()).collect();
    assert_eq!(files, ["die.png", "extra.png"]);
    let html = page::render(&report);
    assert!(html.contains("id=\"hydraulics\"") && html.contains("total_pressure_drop_kpa"));
    assert!(html.contains("data:image/png;base64,cG5n"));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_directory_without_results_json_is_one_line_naming_it() {
    let dir = scratch("empty");
    let e = Report::load(&dir).unwrap_err();
    let msg = format!("{e:#}");
    assert!(
        msg.contains(&dir.join("results.json").display().to_string()),
        "{msg}"
    );
    assert!(msg.contains("no such file") && !msg.contains('\n'), "{msg}");
    write(&dir, "results.json", "{\"design\": 1}");
    let msg = format!("{:#}", Report::load(&dir).unwrap_err());
    assert!(
        msg.contains("results.json") && msg.contains("not a coldtray results file"),
        "{msg}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn design_inputs_print_as_written() {
    assert_eq!(page::trim(0.725), "0.725");
    assert_eq!(page::trim(2.0), "2");
    assert_eq!(page::trim(-0.0), "0");
}
