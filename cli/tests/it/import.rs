//! `coldtray import hotspot` end to end on the importer's own small HotSpot-format fixtures
//! (`import/tests/fixtures/hotspot/`): the written design and trace, a solve of the result,
//! and a one-line error for bad input.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use crate::{coldtray_exe, repo, scratch, stderr};

fn fixture(name: &str) -> PathBuf {
    repo("import/tests/fixtures/hotspot").join(name)
}

fn import(out: &Path, flp: &Path) -> Output {
    Command::new(coldtray_exe())
        .args(["import", "hotspot", "--flp"])
        .arg(flp)
        .arg("--ptrace")
        .arg(fixture("three.ptrace"))
        .arg("--config")
        .arg(fixture("small.config"))
        .arg("--materials")
        .arg(fixture("small.materials"))
        .arg("--out")
        .arg(out)
        .output()
        .unwrap()
}

fn simulate(design: &Path, out: &Path, extra: &[&str]) -> Output {
    Command::new(coldtray_exe())
        .arg("simulate")
        .arg(design)
        .arg("--out")
        .arg(out)
        .args(["--no-png", "--cell-mm", "0.5"])
        .args(extra)
        .output()
        .unwrap()
}

fn hottest_c(results_dir: &Path) -> f64 {
    let text = std::fs::read_to_string(results_dir.join("results.json")).unwrap();
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    v["max_c"].as_f64().unwrap()
}

/// Total power of the fixtures (trace averages 15 + 3 + 5 W), their ambient (300.15 K) and
/// lumped convection resistance (K/W).
const POWER_W: f64 = 23.0;
const AMBIENT_C: f64 = 27.0;
const R_CONVEC_K_W: f64 = 0.5;

/// The import writes the design and its trace CSV next to each other, says so on stdout and
/// lists the ignored HotSpot parameters on stderr.
#[test]
fn writes_design_and_trace() {
    let dir = scratch("import", "writes");
    let design = dir.join("small.toml");
    let o = import(&design, &fixture("three.flp"));
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let text = std::fs::read_to_string(&design).unwrap();
    assert!(text.parse::<toml::Table>().is_ok(), "{text}");
    assert!(text.contains("power_trace = \"small-trace.csv\""), "{text}");
    let trace = std::fs::read_to_string(dir.join("small-trace.csv")).unwrap();
    assert!(trace.starts_with("time_s,core,cache,uncore\n"), "{trace}");
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(stdout.contains("small-trace.csv"), "{stdout}");
    assert!(stderr(&o).contains("-c_convec ignored"), "{}", stderr(&o));
}

/// Bad input: exit 2 and one line naming the file and the line.
#[test]
fn bad_floorplan_is_one_line() {
    let dir = scratch("import", "bad");
    let flp = dir.join("bad.flp");
    std::fs::write(&flp, "# die\ncore 0.002 0.002 zero 0\n").unwrap();
    let o = import(&dir.join("x.toml"), &flp);
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.starts_with("error: "), "{err}");
    assert!(
        err.contains("bad.flp:2: expected the left x in m (a number), got `zero`"),
        "{err}"
    );
    assert!(!dir.join("x.toml").exists());
}

/// Everything but the two features this branch lacks validates and solves: with `"void"`
/// replaced by still air and the lumped patch by the equivalent uniform `h` over the sink top
/// (h = 1 / (R · A)), the imported design solves, and its hottest cell lies above
/// ambient + P · R: all the heat crosses that resistance, so the sink's top alone is that warm
/// on average, and the die is hotter still.
#[test]
fn imported_design_solves_with_stand_ins() {
    let dir = scratch("import", "stand-ins");
    let design = dir.join("small.toml");
    assert_eq!(
        import(&design, &fixture("three.flp")).status.code(),
        Some(0)
    );
    let text = std::fs::read_to_string(&design).unwrap();
    let patch_at = text.find("\n[[boundary.patches]]").unwrap() + 1;
    let transient_at = text.find("\n# The power trace").unwrap() + 1;
    let h_w_m2k = 1.0 / (R_CONVEC_K_W * 0.02 * 0.02);
    let stand_in = format!(
        "{}[boundary]\ntop = {{ h_w_m2k = {h_w_m2k}, ambient_c = {AMBIENT_C} }}\n\n{}",
        &text[..patch_at],
        &text[transient_at..]
    )
    .replace("material = \"void\"", "material = \"air\"");
    let stand_in_design = dir.join("stand-in.toml");
    std::fs::write(&stand_in_design, stand_in).unwrap();
    let out = dir.join("out");
    let o = simulate(&stand_in_design, &out, &["--steady"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let hottest = hottest_c(&out);
    assert!(hottest > AMBIENT_C + POWER_W * R_CONVEC_K_W, "{hottest}");
    // The [transient] section and the trace CSV written beside the design are accepted too.
    let o = simulate(&stand_in_design, &dir.join("transient"), &[]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
}

/// The imported design as written (void fills, the lumped top patch) solves, with the same
/// lower bound as above, and its transient run replays the trace.
#[test]
fn imported_design_solves() {
    let dir = scratch("import", "solves");
    let design = dir.join("small.toml");
    assert_eq!(
        import(&design, &fixture("three.flp")).status.code(),
        Some(0)
    );
    let out = dir.join("out");
    let o = simulate(&design, &out, &["--steady"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let hottest = hottest_c(&out);
    assert!(hottest > AMBIENT_C + POWER_W * R_CONVEC_K_W, "{hottest}");
    let o = simulate(&design, &dir.join("transient"), &[]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
}
