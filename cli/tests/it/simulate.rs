//! `coldtray simulate` end to end through the built binary: bad input is a one-line error with
//! exit code 2 (never a panic), and a failed run leaves an earlier result untouched.

use crate::{coldtray_exe, repo, scratch, stderr};
use std::path::Path;
use std::process::{Command, Output};

pub(crate) fn simulate(design: &Path, out: &Path, extra: &[&str]) -> Output {
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

/// results.json as JSON text without the fields that differ between identical solves: the
/// `input` section (file, hash, command) and the wall-clock time.
pub(crate) fn comparable(dir: &Path) -> String {
    let mut r: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("results.json")).unwrap()).unwrap();
    let obj = r.as_object_mut().unwrap();
    assert!(
        obj.remove("input").is_some(),
        "results.json has an input section"
    );
    obj["solver"].as_object_mut().unwrap().remove("wall_s");
    serde_json::to_string_pretty(&r).unwrap()
}

fn input(dir: &Path) -> serde_json::Value {
    let r: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("results.json")).unwrap()).unwrap();
    r["input"].clone()
}

fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// `--set` gives byte-identical results to the same change made in the file (apart from
/// `input` and timing), and results.json records the overrides, the file's SHA-256, the
/// version and the command.
#[test]
fn set_override_equals_the_same_edit_in_the_file() {
    let dir = scratch("simulate", "set-equals-edit");
    let base = repo("solver/tests/data/hotspot-like.toml");
    let text = std::fs::read_to_string(&base).unwrap();
    let edited = text
        .replacen("power_w = 75.0", "power_w = 90.5", 1)
        .replacen("k = 4.0", "k = 6", 1);
    assert_ne!(edited, text);
    let edited_path = dir.join("edited.toml");
    std::fs::write(&edited_path, &edited).unwrap();

    let by_set = dir.join("by-set");
    let sets = [
        "--set",
        "blocks.core.power_w=90.5",
        "--set",
        "materials.tim_hotspot.k=6",
    ];
    let o = simulate(&base, &by_set, &[&["--no-png"][..], &sets].concat());
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let by_file = dir.join("by-file");
    let o = simulate(&edited_path, &by_file, &["--no-png"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(comparable(&by_set), comparable(&by_file));
    let plain = dir.join("plain");
    let o = simulate(&base, &plain, &["--no-png"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_ne!(
        comparable(&plain),
        comparable(&by_file),
        "the overrides change the result"
    );

    let inp = input(&by_set);
    assert_eq!(inp["design_sha256"], sha256_hex(text.as_bytes()));
    assert_eq!(
        inp["overrides"],
        serde_json::json!(["blocks.core.power_w=90.5", "materials.tim_hotspot.k=6"])
    );
    assert_eq!(inp["coldtray_version"], env!("CARGO_PKG_VERSION"));
    let command: Vec<&str> = inp["command"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert_eq!(command[1], "simulate");
    assert!(command.ends_with(&sets), "{command:?}");
    assert_eq!(input(&by_file)["overrides"], serde_json::json!([]));
    // Without changes, design.toml is the input byte for byte.
    assert_eq!(
        std::fs::read_to_string(plain.join("design.toml")).unwrap(),
        text
    );
}

/// An invalid `--set` path or value is rejected before any solve, with the field named, and
/// nothing is written.
#[test]
fn invalid_set_is_rejected_before_any_solve() {
    let dir = scratch("simulate", "set-invalid");
    let design = repo("solver/tests/data/hotspot-like.toml");
    for (set, words) in [
        (
            "blocks.cpu.power_w=10",
            &[
                "--set blocks.cpu.power_w",
                "no block named `cpu`",
                "core, cache, uncore",
            ][..],
        ),
        (
            "blocks.core.power=10",
            &["--set blocks.core.power", "unknown field", "power_w"][..],
        ),
        (
            "blocks.core.power_w=lots",
            &["--set blocks.core.power_w", "invalid type", "lots"][..],
        ),
        (
            "blocks.core.power_w=-1",
            &["--set blocks.core.power_w", "≥ 0"][..],
        ),
        ("domain.cell_mm=0", &["--set domain.cell_mm", "> 0"][..]),
        (
            "layers.sink.material=unobtainium",
            &["--set layers.sink.material", "unobtainium"][..],
        ),
        (
            "materials.\"tim.x\".k=1",
            &["--set", "cannot appear in a --set path"][..],
        ),
        ("coolant.flow_lpm", &["--set", "PATH=VALUE"][..]),
    ] {
        let out = dir.join("out");
        let o = simulate(&design, &out, &["--no-png", "--set", set]);
        let err = stderr(&o);
        assert_eq!(o.status.code(), Some(2), "{set}: {err}");
        for w in words {
            assert!(err.contains(w), "{set}: {err:?} lacks {w:?}");
        }
        assert!(!err.contains("panicked"), "{err}");
        assert!(o.stdout.is_empty(), "{set}: no solve, no summary");
        assert!(!out.exists(), "{set}: nothing written");
    }
}

/// `DIR/design.toml` is the design that was solved: re-running it (from another place, so the
/// copied power trace is what it reads) gives the same results; a transient run also writes
/// probes.png at its documented size.
#[test]
fn resolved_design_reruns_to_the_same_results() {
    let dir = scratch("simulate", "rerun");
    let first = dir.join("first");
    let o = simulate(
        &repo("examples/rubin-2300w-step.toml"),
        &first,
        &[
            "--cell-mm",
            "2",
            "--set",
            "coolant.flow_lpm=2.5",
            "--set",
            "transient.duration_s=1",
        ],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let resolved = std::fs::read_to_string(first.join("design.toml")).unwrap();
    assert!(
        resolved.contains("power_trace = \"power_trace.csv\""),
        "{resolved}"
    );
    assert!(first.join("power_trace.csv").is_file());
    let png = std::fs::read(first.join("probes.png")).unwrap();
    let be = |o: usize| u32::from_be_bytes([png[o], png[o + 1], png[o + 2], png[o + 3]]);
    assert_eq!(&png[1..4], b"PNG");
    assert_eq!((be(16), be(20)), (1600, 1010));
    let inp = input(&first);
    assert_eq!(
        inp["power_trace_sha256"],
        sha256_hex(&std::fs::read(repo("examples/rubin-2300w-step.csv")).unwrap())
    );

    let moved = dir.join("moved");
    std::fs::rename(&first, &moved).unwrap();
    let second = dir.join("second");
    let o = simulate(&moved.join("design.toml"), &second, &["--no-png"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(comparable(&moved), comparable(&second));
    assert_eq!(input(&second)["overrides"], serde_json::json!([]));
}

/// The output directory is replaced as a whole: a `--no-png` re-run leaves no PNG of the
/// earlier run and no temporary sibling; a directory that is not a coldtray result is refused
/// and left as it was.
#[test]
fn output_directory_is_replaced_as_a_whole() {
    let dir = scratch("simulate", "whole-dir");
    let design = repo("solver/tests/data/hotspot-like.toml");
    let out = dir.join("out");
    let o = simulate(&design, &out, &[]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let pngs = |d: &Path| {
        std::fs::read_dir(d)
            .unwrap()
            .filter(|e| {
                e.as_ref()
                    .unwrap()
                    .path()
                    .extension()
                    .is_some_and(|x| x == "png")
            })
            .count()
    };
    assert!(pngs(&out) > 0);
    std::fs::write(out.join("stale.txt"), "from an earlier run").unwrap();
    let o = simulate(&design, &out, &["--no-png"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(pngs(&out), 0, "no stale PNGs");
    assert!(!out.join("stale.txt").exists());
    let siblings: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(
        siblings,
        vec!["out".to_string()],
        "no .tmp-/.old- left behind"
    );

    let mine = dir.join("mine");
    std::fs::create_dir_all(&mine).unwrap();
    std::fs::write(mine.join("thesis.tex"), "precious").unwrap();
    let o = simulate(&design, &mine, &["--no-png"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("not a coldtray result"),
        "{}",
        stderr(&o)
    );
    assert_eq!(
        std::fs::read_to_string(mine.join("thesis.tex")).unwrap(),
        "precious"
    );
    assert!(!mine.join("results.json").exists());
    // An empty directory is fine.
    let empty = dir.join("empty");
    std::fs::create_dir_all(&empty).unwrap();
    let o = simulate(&design, &empty, &["--no-png"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
}

/// Without `--fail-on-limit` a block over its limit is a `warning:` line and exit 0; with it,
/// exit 1 and a message naming the blocks. 0.75 L/min for 2300 W heats the PG25 by ≈46 K, so
/// the dies (limit 90 °C) run ≈110 °C.
#[test]
fn fail_on_limit_exits_1_naming_the_blocks() {
    let dir = scratch("simulate", "fail-on-limit");
    let design = repo("examples/rubin-2300w.toml");
    let base = [
        "--cell-mm",
        "2",
        "--no-png",
        "--set",
        "coolant.flow_lpm=0.75",
    ];
    let o = simulate(&design, &dir.join("warn"), &base);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(out.contains("warning: block `gpu_die_0`"), "{out}");
    assert!(out.contains("[block_over_limit]"), "{out}");
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("warn/results.json")).unwrap()).unwrap();
    let codes: Vec<&str> = json["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["code"].as_str().unwrap())
        .collect();
    assert!(codes.contains(&"block_over_limit"), "{codes:?}");

    let mut flagged = base.to_vec();
    flagged.push("--fail-on-limit");
    let o = simulate(&design, &dir.join("fail"), &flagged);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(
        err.contains("--fail-on-limit") && err.contains("`gpu_die_0`"),
        "{err}"
    );
    assert!(
        dir.join("fail/results.json").is_file(),
        "results still written"
    );

    // Within limits the flag changes nothing, and the shipped design has no warnings.
    let o = simulate(
        &design,
        &dir.join("ok"),
        &["--cell-mm", "2", "--no-png", "--fail-on-limit"],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(!String::from_utf8_lossy(&o.stdout).contains("warning:"));
}

/// A flow that would boil the coolant is an error naming the field (exit 2), not a result.
#[test]
fn simulate_a_boiling_flow_is_an_error() {
    let dir = scratch("simulate", "boiling");
    let o = simulate(
        &repo("examples/rubin-2300w.toml"),
        &dir.join("out"),
        &["--no-png", "--set", "coolant.flow_lpm=0.00345"],
    );
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(
        err.contains("coolant.flow_lpm") && err.contains("m³/min"),
        "{err}"
    );
    assert!(!dir.join("out/results.json").exists());
}

/// A stream that boils at the loop pressure during the solve is an error naming the channel
/// field (exit 2), though the mixed outlet passes the pre-solve check: PG25 at 20 kPa boils
/// at 61.8 °C; from 51.5 °C the 2.3 kW raise the mixed outlet 10 K (61.5 °C) but the streams
/// under the dies 10.7 K.
#[test]
fn simulate_a_stream_boiling_at_the_loop_pressure_is_an_error() {
    let dir = scratch("simulate", "boiling-stream");
    let o = simulate(
        &repo("examples/rubin-2300w.toml"),
        &dir.join("out"),
        &[
            "--no-png",
            "--cell-mm",
            "2",
            "--set",
            "coolant.inlet_c=51.5",
            "--set",
            "coolant.pressure_kpa=20",
        ],
    );
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let err = stderr(&o);
    for want in [
        "`coldplate_fins`",
        "boiling point of pg25 at 20 kPa",
        "pressure_kpa",
    ] {
        assert!(err.contains(want), "{err}");
    }
    assert!(!dir.join("out/results.json").exists());
}

/// `coldtray materials` lists every built-in material and fluid (exit 0), as a table or JSON;
/// a closed stdout ends it quietly. (Named for the `simulate` filter: designs name these.)
#[test]
fn simulate_materials_lists_the_library() {
    let o = Command::new(coldtray_exe())
        .arg("materials")
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let out = String::from_utf8_lossy(&o.stdout);
    for name in ["copper", "air", "silicon", "tim_grease", "water", "pg25"] {
        assert!(out.contains(name), "{name}: {out}");
    }
    assert!(out.contains("0.0263") && out.contains("[Inc A.4]"), "{out}");

    let o = Command::new(coldtray_exe())
        .args(["materials", "--format", "json"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let json: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let names = |key: &str| -> Vec<String> {
        json[key]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["name"].as_str().unwrap().to_string())
            .collect()
    };
    assert!(names("materials").contains(&"copper".to_string()));
    assert!(names("materials").contains(&"air".to_string()));
    assert_eq!(names("fluids"), ["water", "pg25"]);
    // The table ranges the design format documents, and PG25's 1-atm boiling point (Dow's
    // 216 °F = 102.2 °C).
    let fluid = |i: usize, key: &str| json["fluids"][i][key].as_f64().unwrap();
    assert_eq!(
        (fluid(0, "table_min_c"), fluid(0, "table_max_c")),
        (1.0, 95.0)
    );
    assert_eq!(
        (fluid(1, "table_min_c"), fluid(1, "table_max_c")),
        (-10.0, 100.0)
    );
    assert!((fluid(1, "boiling_c_at_1_atm") - 102.2).abs() < 0.1);
    assert!(json["materials"]
        .as_array()
        .unwrap()
        .iter()
        .all(|m| !m["source"].as_str().unwrap().is_empty()));

    let mut child = Command::new(coldtray_exe())
        .arg("materials")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let o = child.wait_with_output().unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stderr(&o).trim().is_empty(), "{}", stderr(&o));
}

/// A pump-driven tray: the summary prints the operating point and one row per channel field,
/// and results.json carries the same operating point and fields in `hydraulics`.
#[test]
fn a_pump_driven_tray_prints_its_operating_point_and_fields() {
    let dir = scratch("simulate", "pump");
    let tray = std::fs::read_to_string(repo("examples/validation/tray-vr200-flat.toml")).unwrap();
    assert!(tray.contains("\nflow_lpm = 12.0\n"), "fixture changed");
    let pumped = tray.replacen(
        "\nflow_lpm = 12.0\n",
        "\npump_curve = [[0.0, 30.0], [10.0, 25.0], [20.0, 12.0], [25.0, 2.0]]\n",
        1,
    );
    let design = dir.join("tray-pump.toml");
    std::fs::write(&design, pumped).unwrap();
    let out = dir.join("out");
    let o = simulate(&design, &out, &["--cell-mm", "5", "--no-png"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(
        stdout.contains("pump           operating point"),
        "{stdout}"
    );
    assert!(stdout.contains("fields         field"), "{stdout}");
    let r: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("results.json")).unwrap()).unwrap();
    let h = &r["hydraulics"];
    assert_eq!(h["drive"], "pump");
    let fields = h["fields"].as_array().unwrap();
    for f in fields {
        let name = f["name"].as_str().unwrap();
        assert!(stdout.contains(name), "{name} in the table");
    }
    let op = h["operating_point"]["flow_lpm"].as_f64().unwrap();
    let sum: f64 = fields.iter().map(|f| f["flow_lpm"].as_f64().unwrap()).sum();
    // The fields are the loop's only links: their flows add up to the pump's (1e-9: the
    // network's node balance).
    assert!((sum - op).abs() <= 1e-9 * op, "{sum} vs {op}");
    assert_eq!(h["system_curve"].as_array().unwrap().len(), 20);
}

/// The shipped tray with `balance` on its four GPU plates: the balanced plates carry equal
/// flow (to the balancing tolerance), the summary names the bores, results.json reports the
/// orifices, and the loop's outputs — `hydraulics.png` and `flow-test.toml` — are written.
#[test]
fn a_balanced_tray_reports_its_orifices_and_writes_the_loop_outputs() {
    let dir = scratch("simulate", "balance");
    let tray = std::fs::read_to_string(repo("examples/tray-vr200.toml")).unwrap();
    let plates = ["gpu0_plate", "gpu1_plate", "gpu2_plate", "gpu3_plate"];
    let balanced = tray.replacen(
        "\n[coolant]\n",
        &format!("\n[coolant]\nbalance = {plates:?}\n"),
        1,
    );
    assert_ne!(balanced, tray, "the tray has a [coolant] table");
    let design = dir.join("tray-balanced.toml");
    std::fs::write(&design, balanced).unwrap();
    // The example's own `include`s are relative to it: none are used (inline packages).
    let out = dir.join("out");
    let o = simulate(&design, &out, &["--cell-mm", "5"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(stdout.contains("balance        orifices"), "{stdout}");
    let r: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("results.json")).unwrap()).unwrap();
    let h = &r["hydraulics"];
    let flows: Vec<f64> = h["fields"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| plates.contains(&f["name"].as_str().unwrap()))
        .map(|f| f["flow_lpm"].as_f64().unwrap())
        .collect();
    assert_eq!(flows.len(), 4);
    // Equal to 1e-6 relative: the balancing tolerance (1e-9) plus the loop network's
    // convergence inside the coupled solve.
    for q in &flows {
        assert!((q - flows[0]).abs() <= 1e-6 * flows[0], "{flows:?}");
    }
    let orifices = h["balance"].as_array().unwrap();
    assert_eq!(orifices.len(), 4);
    // The least-fed plate's orifice is fully open; the others are throttled (smaller bore).
    assert!(orifices.iter().any(|o| o["fully_open"] == true));
    for o in orifices {
        let (d, d_ref) = (
            o["diameter_mm"].as_f64().unwrap(),
            o["ref_diameter_mm"].as_f64().unwrap(),
        );
        assert!(d > 0.0 && d <= d_ref, "{o}");
    }
    assert!(out.join("hydraulics.png").is_file());
    let flow_test = std::fs::read_to_string(out.join("flow-test.toml")).unwrap();
    let parsed: toml::Value = toml::from_str(&flow_test).unwrap();
    assert_eq!(parsed["flow"]["steps"].as_array().unwrap().len(), 3);
}

/// A tray that places another design file (`[[instances]] file = …`): the result directory's
/// design.toml holds that file's contents inlined, so it re-runs on its own — from a
/// directory where the placed file is not — to the same temperatures.
#[test]
fn a_design_placing_files_is_copied_self_contained() {
    let dir = scratch("simulate", "file-instances");
    let src = dir.join("src");
    std::fs::create_dir_all(&src).unwrap();
    for f in ["tray.toml", "plate.toml"] {
        std::fs::copy(
            repo(&format!("solver/tests/data/instances/{f}")),
            src.join(f),
        )
        .unwrap();
    }
    let first = dir.join("first");
    let o = simulate(&src.join("tray.toml"), &first, &["--no-png"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let copy = std::fs::read_to_string(first.join("design.toml")).unwrap();
    assert!(copy.contains("[[packages]]"), "{copy}");
    assert!(!copy.contains("file = "), "{copy}");
    let again = dir.join("again");
    let o = simulate(&first.join("design.toml"), &again, &["--no-png"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let max_c = |d: &Path| -> f64 {
        let r: serde_json::Value =
            serde_json::from_slice(&std::fs::read(d.join("results.json")).unwrap()).unwrap();
        r["max_c"].as_f64().unwrap()
    };
    // The same design solved twice: the same answer to the solver's tolerance.
    assert!((max_c(&first) - max_c(&again)).abs() < 1e-6);
}
