//! `coldtray simulate` end to end through the built binary: bad input is a one-line error with
//! exit code 2 (never a panic), and a failed run leaves an earlier result untouched.

use crate::{coldtray_exe, repo, scratch, stderr};
use std::path::Path;
use std::process::{Command, Output};

fn simulate(design: &Path, out: &Path, extra: &[&str]) -> Output {
    Command::new(coldtray_exe())
        .arg("simulate")
        .arg(design)
        .arg("--out")
        .arg(out)
        .args(extra)
        .output()
        .unwrap()
}

/// A design with a typo in one field: the error names the file and the field path, the exit
/// code is 2, and an earlier results.json in the output directory is not touched.
#[test]
fn typo_is_a_clear_error_and_earlier_results_survive() {
    let dir = scratch("simulate", "typo");
    let good = std::fs::read_to_string(repo("examples/rubin-1800w.toml")).unwrap();
    assert!(good.contains("fin_thickness_mm"));
    let bad = good.replacen("fin_thickness_mm", "fin_thicknes_mm", 1);
    let design = dir.join("typo.toml");
    std::fs::write(&design, bad).unwrap();
    let out = dir.join("out");
    std::fs::create_dir_all(&out).unwrap();
    std::fs::write(out.join("results.json"), "{\"earlier\": true}").unwrap();

    let o = simulate(&design, &out, &[]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(err.contains("typo.toml"), "{err}");
    assert!(err.contains("fin_thicknes_mm"), "{err}");
    assert!(!err.contains("panicked"), "{err}");
    assert_eq!(
        std::fs::read_to_string(out.join("results.json")).unwrap(),
        "{\"earlier\": true}"
    );
}

#[test]
fn missing_empty_and_binary_files_and_bad_flags_exit_2() {
    let dir = scratch("simulate", "files");
    for (design, expect) in [
        (dir.join("does-not-exist.toml"), "does-not-exist.toml"),
        (repo("solver/tests/data/empty.toml"), "empty.toml"),
        (repo("solver/tests/data/binary.toml"), "binary.toml"),
        (repo("solver/tests/data/malformed.toml"), "malformed.toml"),
    ] {
        let o = simulate(&design, &dir.join("out"), &[]);
        assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
        let err = stderr(&o);
        assert!(err.contains(expect), "{err}");
        assert!(!err.contains("panicked"), "{err}");
    }
    let rubin = repo("examples/rubin-2300w.toml");
    for flags in [
        &["--cell-mm", "-1"][..],
        &["--cell-mm", "nan"][..],
        &["--threads", "0"][..],
    ] {
        let o = simulate(&rubin, &dir.join("out"), flags);
        assert_eq!(o.status.code(), Some(2), "{flags:?}: {}", stderr(&o));
        assert!(!stderr(&o).contains("panicked"), "{}", stderr(&o));
    }
}

/// `--check-grid` writes the Richardson estimate of the z-grid error into results.json and the
/// summary; without it the field is null and the line absent. The estimate's accuracy against
/// z-refined solves is the solver's test (`physics::z_cells`).
#[test]
fn check_grid_reports_the_z_error_estimate() {
    let dir = scratch("simulate", "check-grid");
    let design = repo("solver/tests/data/hotspot-like.toml");
    let read = |out: &Path| -> serde_json::Value {
        serde_json::from_slice(&std::fs::read(out.join("results.json")).unwrap()).unwrap()
    };
    let checked = dir.join("checked");
    let o = simulate(&design, &checked, &["--no-png", "--check-grid"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let summary = String::from_utf8_lossy(&o.stdout).into_owned();
    let r = read(&checked);
    let estimate = r["solver"]["grid_error_estimate_c"].as_f64().unwrap();
    assert!(estimate.is_finite() && estimate.abs() < 0.5, "{estimate}");
    assert!(
        summary.contains("estimated z-grid error"),
        "summary:\n{summary}"
    );
    // The sink is graded: more than one z cell, reported per layer.
    let sink = &r["layers"][3];
    assert_eq!(sink["name"], "sink");
    assert!(sink["z_cells"].as_u64().unwrap() > 1, "{sink}");

    let plain = dir.join("plain");
    let o = simulate(&design, &plain, &["--no-png"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(read(&plain)["solver"]["grid_error_estimate_c"].is_null());
    assert!(!String::from_utf8_lossy(&o.stdout).contains("z-grid error"));
}

/// Leakage on the first die of the 2.3 kW package: a modest leakage converges (exit 0, the
/// block's converged power in results.json and a leakage line in the summary); a leakage whose
/// loop gain exceeds 1 everywhere runs away: exit 1, a one-line message naming the block and
/// its power, and results.json of the last stable iterate marked `"runaway": true`.
#[test]
fn leakage_converges_or_reports_runaway_with_exit_1() {
    let dir = scratch("simulate", "leakage");
    let text = std::fs::read_to_string(repo("examples/rubin-2300w.toml")).unwrap();
    let with = |w: f64, d: f64| {
        assert!(text.contains("power_w = 1030.0\n"));
        text.replacen(
            "power_w = 1030.0\n",
            &format!(
                "power_w = 1030.0\nleakage_w = {w}\nleakage_ref_c = 60.0\nleakage_doubling_k = {d}\n"
            ),
            1,
        )
    };
    let read = |out: &Path| -> serde_json::Value {
        serde_json::from_slice(&std::fs::read(out.join("results.json")).unwrap()).unwrap()
    };
    let design = dir.join("leaky.toml");
    std::fs::write(&design, with(100.0, 25.0)).unwrap();
    let out = dir.join("ok");
    let o = simulate(&design, &out, &["--no-png", "--cell-mm", "2"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let summary = String::from_utf8_lossy(&o.stdout).into_owned();
    assert!(
        summary.contains("leakage") && summary.contains("ΔT budget"),
        "{summary}"
    );
    let r = read(&out);
    let die = &r["blocks"][1];
    assert_eq!(die["name"], "gpu_die_0");
    assert_eq!(die["power_w"], 1030.0);
    let total = die["total_power_w"].as_f64().unwrap();
    assert!(total > 1100.0 && total < 1500.0, "{die}");
    assert_eq!(r["leakage"]["runaway"], false);
    assert!(r["energy_balance_error"].as_f64().unwrap() < 1e-6);

    std::fs::write(&design, with(1000.0, 5.0)).unwrap();
    let out = dir.join("runaway");
    let o = simulate(&design, &out, &["--no-png", "--cell-mm", "2"]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let err = stderr(&o);
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    assert!(
        err.contains("thermal runaway") && err.contains("gpu_die_0") && err.contains(" W"),
        "{err}"
    );
    let r = read(&out);
    assert_eq!(r["leakage"]["runaway"], true);
    assert_eq!(r["leakage"]["runaway_block"], "gpu_die_0");
    assert!(r["max_c"].as_f64().unwrap() < 500.0);
}
