//! `coldtray compare` end to end: a result against itself is zero everywhere; a +5 K inlet
//! shift of a linear design shifts every block by +5 K; a coarser B is resampled and says so;
//! bad directories are one-line errors. Small and fast: rubin-1800w at `--cell-mm 2`.

use crate::simulate::simulate;
use crate::{coldtray_exe, repo, scratch, stderr};
use std::path::Path;
use std::process::{Command, Output};

/// Constant coolant properties (all four given, so no table lookup at the mean temperature):
/// with them, fixed block powers and adiabatic outer faces (rubin-1800w has no `[boundary]`)
/// the problem is linear in T − T_inlet with an operator and a source that do not depend on
/// the inlet temperature, so raising the inlet by 5 K raises every temperature by exactly
/// 5 K.
const CONSTANT_FLUID: [&str; 8] = [
    "--set",
    "coolant.density_kg_m3=1030",
    "--set",
    "coolant.cp_j_kgk=3900",
    "--set",
    "coolant.k=0.45",
    "--set",
    "coolant.viscosity_pa_s=0.0018",
];

/// `coldtray simulate rubin-1800w --cell-mm CELL --no-png` with the constant fluid and `extra`.
fn solve(out: &Path, cell_mm: &str, extra: &[&str]) {
    let mut args = vec!["--cell-mm", cell_mm, "--no-png"];
    args.extend(CONSTANT_FLUID);
    args.extend(extra);
    let o = simulate(&repo("examples/rubin-1800w.toml"), out, &args);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
}

fn compare(a: &Path, b: &Path, out: &Path, extra: &[&str]) -> Output {
    Command::new(coldtray_exe())
        .arg("compare")
        .arg(a)
        .arg(b)
        .arg("--out")
        .arg(out)
        .args(["--width", "600"])
        .args(extra)
        .output()
        .unwrap()
}

fn json(out: &Path) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(out.join("compare.json")).unwrap()).unwrap()
}

/// Every `b_minus_a` of the figures, blocks and layers, with where it is.
fn differences(c: &serde_json::Value) -> Vec<(String, f64)> {
    let mut all = Vec::new();
    for f in c["figures"].as_array().unwrap() {
        if let Some(d) = f["b_minus_a"].as_f64() {
            all.push((f["key"].as_str().unwrap().to_string(), d));
        }
    }
    for section in ["blocks", "layers"] {
        for s in c[section].as_array().unwrap() {
            for q in ["max_c", "mean_c"] {
                let d = s[q]["b_minus_a"].as_f64().unwrap();
                all.push((format!("{section} {} {q}", s["name"]), d));
            }
        }
    }
    all
}

/// RGB pixels of a PNG: (width, height, bytes).
fn pixels(path: &Path) -> (usize, usize, Vec<u8>) {
    let decoder = png::Decoder::new(std::fs::File::open(path).unwrap());
    let mut reader = decoder.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut buf).unwrap();
    assert_eq!(info.color_type, png::ColorType::Rgb);
    buf.truncate(info.buffer_size());
    (info.width as usize, info.height as usize, buf)
}

/// A result compared with itself: every difference exactly 0 (figures, blocks, layers,
/// maps), no block or layer on one side only, and the maps' plot all in the scale's centre
/// colour (pixels left of the colour bar are all grey: the centre, text and outlines).
#[test]
fn a_result_against_itself_is_zero_everywhere() {
    let dir = scratch("compare", "itself");
    let a = dir.join("a");
    solve(&a, "2", &[]);
    let out = dir.join("cmp");
    let o = compare(&a, &a, &out, &[]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let c = json(&out);
    let diffs = differences(&c);
    assert!(diffs.len() > 40, "{diffs:?}");
    for (what, d) in &diffs {
        assert_eq!(*d, 0.0, "{what}");
    }
    for side in ["blocks_only_in_a", "blocks_only_in_b", "layers_only_in_a"] {
        assert_eq!(c[side], serde_json::json!([]), "{side}");
    }
    let maps = c["maps"]["layers"].as_array().unwrap();
    assert!(maps.len() >= 4, "{maps:?}");
    assert_eq!(c["maps"]["grid"]["resampled"], false);
    for m in maps {
        assert_eq!(m["max_abs_k"], 0.0, "{m}");
        let (w, h, buf) = pixels(&out.join(m["file"].as_str().unwrap()));
        // The colour bar starts right of 80 % of the width at any size (layer-map layout).
        let (mut centre, mut all) = (0, 0);
        for y in 0..h {
            for x in 0..w * 7 / 10 {
                let p = &buf[(y * w + x) * 3..(y * w + x) * 3 + 3];
                assert!(
                    p[0] == p[1] && p[1] == p[2],
                    "{}: colour {p:?} at ({x}, {y})",
                    m["file"]
                );
                centre += usize::from(p == [247, 247, 247]);
                all += 1;
            }
        }
        assert!(
            centre * 3 > all,
            "{}: {centre} of {all} centre pixels",
            m["file"]
        );
    }
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(text.contains("same grid"), "{text}");
}

/// The inlet raised by 5 K on a linear design (constant fluid properties, see
/// [`CONSTANT_FLUID`]): every block's max and mean, every layer, the outlet and every map
/// cell differ by +5 K; the coolant rise, Δp and R_th by 0.
///
/// Tolerance 1e-6 K: the two solves have the same equations in T − T_inlet, so they differ
/// only by where the iterations stop (a relative residual of 1e-8, on a rise of about 30 K:
/// well under 1e-6 K) and by round-off (1e-13 K).
#[test]
fn an_inlet_5_k_warmer_shifts_every_block_by_5_k() {
    let dir = scratch("compare", "inlet");
    let (a, b) = (dir.join("a"), dir.join("b"));
    solve(&a, "2", &[]);
    solve(&b, "2", &["--set", "coolant.inlet_c=50"]);
    let out = dir.join("cmp");
    let o = compare(&a, &b, &out, &[]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let c = json(&out);
    let tol = 1e-6;
    for (what, d) in differences(&c) {
        let want = match what.as_str() {
            "total_power_w"
            | "coolant_rise_k"
            | "flow_lpm"
            | "heat_absorbed_w"
            | "pressure_drop_kpa"
            | "r_th_k_per_w"
            | "boundary_top_w"
            | "boundary_bottom_w"
            | "boundary_sides_w"
            | "energy_balance_error"
            | "cells" => 0.0,
            "die_margin_k" | "hbm_margin_k" => -5.0,
            // R_th is (max − inlet) / P: unchanged.
            _ => 5.0,
        };
        // Relative to the figure for the heat flows (1800 W).
        let tol = if what.ends_with("_w") {
            1e-9 * 1800.0
        } else {
            tol
        };
        assert!((d - want).abs() <= tol, "{what}: {d} (want {want})");
    }
    assert_eq!(c["blocks"].as_array().unwrap().len(), 21);
    for m in c["maps"]["layers"].as_array().unwrap() {
        for q in ["min_k", "max_k", "mean_k"] {
            let v = m[q].as_f64().unwrap();
            assert!((v - 5.0).abs() <= tol, "{}: {q} {v}", m["file"]);
        }
    }
    let csv = std::fs::read_to_string(out.join("compare.csv")).unwrap();
    assert!(
        csv.starts_with("section,name,quantity,unit,a,b,b_minus_a\n"),
        "{csv}"
    );
    assert!(csv.contains("\nblock,gpu_die_0,max_c,°C,"), "{csv}");
}

/// B on a coarser grid: the maps are on A's finer grid, sampled by nearest cell, and both
/// stdout and compare.json say so. Without a saved field the maps are skipped with a
/// message and the tables are still written; re-running into the same --out replaces it.
#[test]
fn a_coarser_b_is_resampled_and_a_missing_field_skips_the_maps() {
    let dir = scratch("compare", "grids");
    let (a, b) = (dir.join("a"), dir.join("b"));
    solve(&a, "2", &[]);
    solve(&b, "4", &[]);
    let out = dir.join("cmp");
    let o = compare(&a, &b, &out, &[]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(text.contains("grids differ"), "{text}");
    let g = &json(&out)["maps"]["grid"];
    assert_eq!(g["resampled"], true);
    assert_eq!(g["method"], "nearest cell centre");
    assert_eq!(g["onto"], "A");
    assert_eq!(g["a_cells"], serde_json::json!([38, 38]));
    assert_eq!(g["b_cells"], serde_json::json!([19, 19]));

    std::fs::remove_file(b.join("field.coldtray")).unwrap();
    let o = compare(&a, &b, &out, &[]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(
        text.contains("maps skipped") && text.contains("field.coldtray"),
        "{text}"
    );
    let c = json(&out);
    assert_eq!(c["maps"]["written"], false);
    assert!(c["maps"]["reason"]
        .as_str()
        .unwrap()
        .contains("field.coldtray"));
    let mut names: Vec<String> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names, ["compare.csv", "compare.json"]);
}

/// A missing directory, a directory without results.json and a damaged results.json are
/// one-line errors naming the path, exit code 2, and nothing is written.
#[test]
fn bad_directories_are_one_line_errors() {
    let dir = scratch("compare", "bad");
    let a = dir.join("a");
    solve(&a, "4", &[]);
    let out = dir.join("cmp");
    let missing = dir.join("missing");
    let empty = dir.join("empty");
    std::fs::create_dir_all(&empty).unwrap();
    let damaged = dir.join("damaged");
    std::fs::create_dir_all(&damaged).unwrap();
    std::fs::write(damaged.join("results.json"), "{\"design\": 3}").unwrap();
    for (b, word) in [
        (&missing, "not a directory"),
        (&empty, "results.json not found"),
        (&damaged, "not a coldtray results.json"),
    ] {
        let o = compare(&a, b, &out, &[]);
        let err = stderr(&o);
        assert_eq!(o.status.code(), Some(2), "{err}");
        assert_eq!(err.trim_end().lines().count(), 1, "{err}");
        assert!(
            err.contains(word) && err.contains(&*b.to_string_lossy()),
            "{err}"
        );
        assert!(!out.exists());
    }
}
