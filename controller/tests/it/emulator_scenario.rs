//! Scenario files: the shipped ones load, and bad ones are rejected with the file, the field
//! path and what would be valid.

use std::path::{Path, PathBuf};

use coldtray_controller::emulator::faults::Fault;
use coldtray_controller::emulator::scenario::{load_scenario, parse_scenario};
use coldtray_controller::SignalName;

fn err(text: &str) -> String {
    parse_scenario(text, Path::new("s.toml"))
        .unwrap_err()
        .to_string()
}

fn assert_err(text: &str, field: &str, needles: &[&str]) {
    let e = err(text);
    assert!(
        e.starts_with(&format!("s.toml: {field}: ")),
        "wrong field in: {e}"
    );
    for n in needles {
        assert!(e.contains(n), "missing {n:?} in: {e}");
    }
}

#[test]
fn shipped_scenarios_load() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../examples/rig/scenarios");
    let mut n = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "toml") {
            let sc = load_scenario(&path).unwrap_or_else(|e| panic!("{e}"));
            assert!(!sc.faults.is_empty(), "{} has no faults", path.display());
            n += 1;
        }
    }
    assert!(n >= 5, "only {n} scenarios");
    let flaky = load_scenario(&dir.join("flaky-link.toml")).unwrap();
    assert_eq!(flaky.seed, Some(7));
    assert_eq!(flaky.time_scale, Some(60.0));
    assert_eq!(flaky.faults[1].at_s, 20.0);
    assert_eq!(flaky.faults[1].fault, Fault::LinkDrop { refuse_s: 2.0 });
    assert_eq!(
        flaky.faults[2].fault,
        Fault::Exception {
            signal: SignalName::TestPressure,
            code: 4
        }
    );
    let small = load_scenario(&dir.join("small-rig.toml")).unwrap();
    assert_eq!(small.rig.unwrap().volume_ml, 250.0);
}

#[test]
fn every_kind_parses() {
    let text = r#"
[[fault]]
at_s = 0
kind = "leak"
sccm = 1.5
[[fault]]
at_s = 1
kind = "gross_leak"
[[fault]]
at_s = 2
kind = "over_pressure"
[[fault]]
at_s = 3
kind = "pressure_stuck"
[[fault]]
at_s = 4
kind = "pressure_nan"
[[fault]]
at_s = 5
kind = "pressure_drift"
kpa_per_s = -0.5
[[fault]]
at_s = 6
kind = "pump_fault"
[[fault]]
at_s = 7
kind = "blocked_flow"
[[fault]]
at_s = 8
kind = "estop"
[[fault]]
at_s = 9
kind = "link_drop"
refuse_s = 1
[[fault]]
at_s = 10
kind = "slow_replies"
delay_ms = 700
[[fault]]
at_s = 11
kind = "exception"
signal = "flow"
code = 6
"#;
    let sc = parse_scenario(text, Path::new("s.toml")).unwrap();
    let kinds: Vec<&str> = sc.faults.iter().map(|f| f.fault.kind()).collect();
    assert_eq!(
        kinds,
        [
            "leak",
            "gross_leak",
            "over_pressure",
            "pressure_stuck",
            "pressure_nan",
            "pressure_drift",
            "pump_fault",
            "blocked_flow",
            "estop",
            "link_drop",
            "slow_replies",
            "exception"
        ]
    );
    assert_eq!(sc.faults[0].fault, Fault::Leak { sccm: 1.5 });
    assert_eq!(sc.faults[10].fault, Fault::SlowReplies { delay_ms: 700 });
}

#[test]
fn rejections_name_the_field() {
    assert_err(
        "[[fault]]\nat_s = 1\nkind = \"explode\"",
        "fault[0].kind",
        &["unknown fault kind \"explode\"", "estop", "link_drop"],
    );
    assert_err("[[fault]]\nkind = \"estop\"", "fault[0].at_s", &["missing"]);
    assert_err(
        "[[fault]]\nat_s = -1\nkind = \"estop\"",
        "fault[0].at_s",
        &["≥ 0"],
    );
    assert_err(
        "[[fault]]\nat_s = 1\nkind = \"estop\"\n[[fault]]\nat_s = 1\nkind = \"leak\"",
        "fault[1].sccm",
        &["missing", "`leak` needs"],
    );
    assert_err(
        "[[fault]]\nat_s = 1\nkind = \"leak\"\nsccm = -2",
        "fault[0].sccm",
        &["out of range"],
    );
    assert_err(
        "[[fault]]\nat_s = 1\nkind = \"estop\"\nsccm = 2",
        "fault[0].sccm",
        &["not a field of `estop`", "at_s, kind"],
    );
    assert_err(
        "[[fault]]\nat_s = 1\nkind = \"exception\"\nsignal = \"pressure\"\ncode = 2",
        "fault[0].signal",
        &["unknown signal \"pressure\"", "test_pressure"],
    );
    assert_err(
        "[[fault]]\nat_s = 1\nkind = \"exception\"\nsignal = \"flow\"\ncode = 0",
        "fault[0].code",
        &["1–255"],
    );
    assert_err(
        "[[fault]]\nat_s = 1\nkind = \"slow_replies\"\ndelay_ms = 1.5",
        "fault[0].delay_ms",
        &["integer"],
    );
    assert_err("time_scale = 0", "time_scale", &["(0, 1000]"]);
    // Bounds the physics and the runtime can honour (issue 11): no spinning at 1e7× or 1e-9 s.
    assert_err("time_scale = 1e7", "time_scale", &["(0, 1000]"]);
    assert_err("[rig]\nstep_s = 1e-9", "rig.step_s", &["0.0001..=0.1"]);
    assert_err("seed = -3", "seed", &["integer ≥ 0"]);
    assert_err("faults = []", "faults", &["unknown field", "fault"]);
    assert_err(
        "[rig]\nvolume = 3",
        "rig.volume",
        &["unknown field", "volume_ml"],
    );
    assert_err("[rig]\nvolume_ml = -3", "rig.volume_ml", &["positive"]);
    let e = err("[[fault]\n");
    assert!(
        e.starts_with("s.toml:1:") && e.contains("TOML syntax error"),
        "{e}"
    );
    let e = load_scenario(Path::new("/nonexistent/s.toml"))
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("/nonexistent/s.toml") && e.contains("cannot read"),
        "{e}"
    );
}
