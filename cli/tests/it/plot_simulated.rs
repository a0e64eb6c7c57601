//! A real solve: the saved field agrees exactly with results.json, and `coldtray plot`
//! re-renders it without solving again.

use crate::coldtray_exe;
use std::path::Path;
use std::process::Command;

#[test]
fn saved_field_matches_results_json_and_replots() {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("plot-simulated");
    let _ = std::fs::remove_dir_all(&dir);
    let design = Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/rubin-1800w.toml");
    let exe = coldtray_exe();
    // A coarse 1 mm grid keeps the solve to about a second in a debug build.
    let o = Command::new(exe)
        .args([
            "simulate",
            design.to_str().unwrap(),
            "--cell-mm",
            "1.0",
            "--out",
        ])
        .arg(&dir)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));

    let results: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("results.json")).unwrap()).unwrap();
    let field = coldtray_maps::read_field(&dir).unwrap();
    // Same numbers, not "close": both come from the same solid array, f64 written exactly.
    let max = field
        .solid_c
        .iter()
        .copied()
        .fold(f64::NEG_INFINITY, f64::max);
    assert_eq!(max, results["max_c"].as_f64().unwrap());
    let plane = field.nx * field.ny;
    for layer in results["layers"].as_array().unwrap() {
        let name = layer["name"].as_str().unwrap();
        let l = field.layer_names.iter().position(|n| n == name).unwrap();
        let cells =
            &field.solid_c[field.layer_cells(l).start * plane..field.layer_cells(l).end * plane];
        let (lo, hi) = cells
            .iter()
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &t| {
                (a.min(t), b.max(t))
            });
        assert_eq!(hi, layer["max_c"].as_f64().unwrap(), "layer {name} max");
        assert_eq!(lo, layer["min_c"].as_f64().unwrap(), "layer {name} min");
    }
    assert!(dir.join("section.png").exists());

    let out = dir.join("replot.png");
    let first = field.layer_names[field.cell_layer[field.nz - 1]].clone();
    let o = Command::new(exe)
        .arg("plot")
        .arg(&dir)
        .args(["--layer", &first, "--range", "40:90", "--out"])
        .arg(&out)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(std::fs::metadata(&out).unwrap().len() > 10_000);
}
