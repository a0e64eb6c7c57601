//! Every recipe rejection rule (`coldtray_controller::l10::recipe`), one line per message, and
//! the shipped examples.

use std::path::{Path, PathBuf};

use coldtray_controller::l10::recipe::{load_recipe, parse_recipe, validate_against_map};
use coldtray_controller::rig::parse::parse_map;
use coldtray_io::ConfigErrorKind;

const GOOD: &str = r#"
name = "L10 VR200 compute tray"
[limits]
max_pressure_kpa = 700.0
max_pump_speed_pct = 100.0
max_flow_lpm = 30.0
[leak]
test_pressure_kpa = 525.0
fill_timeout_s = 30.0
stabilize_s = 20.0
measure_s = 30.0
volume_ml = 400.0
max_leak_sccm = 0.5
vent_timeout_s = 20.0
[flow]
settle_s = 5.0
[[flow.steps]]
speed_pct = 60.0
min_flow_lpm = 6.0
max_flow_lpm = 9.0
max_dp_kpa = 45.0
"#;

fn src() -> &'static Path {
    Path::new("recipes/test.toml")
}

/// GOOD with `key = old` replaced by `key = new` (first occurrence of the line).
fn with(line_start: &str, new_line: &str) -> String {
    let mut done = false;
    GOOD.lines()
        .map(|l| {
            if !done && l.starts_with(line_start) {
                done = true;
                new_line.to_string()
            } else {
                l.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Asserts rejection, and that the message names the file and `field`.
fn rejected(text: &str, field: &str) -> String {
    let e = parse_recipe(text, src()).unwrap_err();
    let msg = e.to_string();
    assert!(msg.contains("recipes/test.toml"), "no file in: {msg}");
    assert!(msg.contains(field), "no field {field} in: {msg}");
    msg
}

fn repo(p: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join(p)
}

#[test]
fn good_recipe_parses() {
    let r = parse_recipe(GOOD, src()).unwrap();
    assert_eq!(r.leak.test_pressure_kpa, 525.0);
    let f = r.flow.unwrap();
    assert_eq!(f.steps.len(), 1);
    assert_eq!(f.average_s, 2.0); // optional field's default
}

#[test]
fn shipped_examples_parse() {
    let r = load_recipe(&repo("examples/rig/l10-vr200.toml")).unwrap();
    assert!(r.flow.is_some());
    let r = load_recipe(&repo("examples/rig/l10-vr200-noflow.toml")).unwrap();
    assert!(r.flow.is_none());
}

#[test]
fn test_pressure_above_limit_is_rejected() {
    let m = rejected(
        &with("test_pressure_kpa", "test_pressure_kpa = 800.0"),
        "leak.test_pressure_kpa",
    );
    assert!(m.contains("max_pressure_kpa"), "{m}");
    // Equal to the limit is rejected too (the supervisor would abort on noise).
    rejected(
        &with("test_pressure_kpa", "test_pressure_kpa = 700.0"),
        "leak.test_pressure_kpa",
    );
}

#[test]
fn flow_step_speed_above_limit_is_rejected() {
    let t = with("max_pump_speed_pct", "max_pump_speed_pct = 50.0");
    let m = rejected(&t, "flow.steps[0].speed_pct");
    assert!(m.contains("limits.max_pump_speed_pct"), "{m}");
}

#[test]
fn pump_limit_above_full_speed_is_rejected() {
    rejected(
        &with("max_pump_speed_pct", "max_pump_speed_pct = 120.0"),
        "limits.max_pump_speed_pct",
    );
}

#[test]
fn step_max_flow_above_limit_is_rejected() {
    rejected(
        &with("max_flow_lpm = 9.0", "max_flow_lpm = 40.0"),
        "flow.steps[0].max_flow_lpm",
    );
}

#[test]
fn min_above_max_band_is_rejected() {
    let m = rejected(
        &with("min_flow_lpm", "min_flow_lpm = 10.0"),
        "flow.steps[0].min_flow_lpm",
    );
    assert!(m.contains("max_flow_lpm"), "{m}");
}

#[test]
fn non_positive_durations_and_volume_are_rejected() {
    for (key, field) in [
        ("fill_timeout_s", "leak.fill_timeout_s"),
        ("measure_s", "leak.measure_s"),
        ("volume_ml", "leak.volume_ml"),
        ("vent_timeout_s", "leak.vent_timeout_s"),
        ("max_leak_sccm", "leak.max_leak_sccm"),
        ("max_pressure_kpa", "limits.max_pressure_kpa"),
        ("max_dp_kpa", "flow.steps[0].max_dp_kpa"),
        ("speed_pct", "flow.steps[0].speed_pct"),
    ] {
        rejected(&with(key, &format!("{key} = 0.0")), field);
        rejected(&with(key, &format!("{key} = -1.0")), field);
    }
    rejected(
        &with("stabilize_s", "stabilize_s = -1.0"),
        "leak.stabilize_s",
    );
    rejected(&with("settle_s", "settle_s = -5.0"), "flow.settle_s");
    // Zero stabilisation is allowed (the tests use it to show the false leak).
    parse_recipe(&with("stabilize_s", "stabilize_s = 0.0"), src()).unwrap();
}

#[test]
fn nan_and_inf_are_rejected() {
    let m = rejected(&with("volume_ml", "volume_ml = nan"), "leak.volume_ml");
    assert!(m.contains("finite"), "{m}");
    rejected(&with("measure_s", "measure_s = inf"), "leak.measure_s");
    rejected(
        &with("max_flow_lpm = 30.0", "max_flow_lpm = -inf"),
        "limits.max_flow_lpm",
    );
}

#[test]
fn empty_steps_and_empty_name_are_rejected() {
    let no_steps: String =
        GOOD.split("[[flow.steps]]").next().unwrap().to_string() + "steps = []\n";
    rejected(&no_steps, "flow.steps");
    rejected(&with("name", "name = \"  \""), "name");
}

#[test]
fn unknown_missing_and_mistyped_fields_are_rejected() {
    rejected(&with("volume_ml", "volume_mL = 400.0"), "volume_mL");
    rejected(&with("volume_ml", ""), "volume_ml");
    rejected(&with("volume_ml", "volume_ml = \"big\""), "volume_ml");
    let e = load_recipe(Path::new("/nonexistent/recipe.toml")).unwrap_err();
    assert_eq!(e.kind, ConfigErrorKind::Read);
    assert!(
        e.to_string()
            .starts_with("/nonexistent/recipe.toml: cannot read"),
        "{e}"
    );
}

const MAP_NO_FLOW: &str = r#"
[connection]
host = "127.0.0.1"
port = 5020
unit_id = 1
timeout_ms = 500
poll_ms = 100
[signals.test_pressure]
table = "input"
address = 0
type = "f32"
[signals.fill_valve]
table = "coil"
address = 0
type = "bool"
[signals.vent_valve]
table = "coil"
address = 1
type = "bool"
[signals.estop]
table = "discrete"
address = 0
type = "bool"
[rig]
max_pressure_kpa = 1000.0
volume_ml_min = 100.0
volume_ml_max = 1500.0
max_flow_lpm = 30.0
max_pump_speed_pct = 100.0
"#;

#[test]
fn flow_recipe_needs_flow_signals_in_the_map() {
    let map = parse_map(MAP_NO_FLOW, Path::new("maps/rig.toml")).unwrap();
    let recipe = parse_recipe(GOOD, src()).unwrap();
    let m = validate_against_map(&recipe, &map).unwrap_err().to_string();
    for s in [
        "pump_run",
        "pump_speed_setpoint",
        "flow",
        "inlet_pressure",
        "outlet_pressure",
        "maps/rig.toml",
        "recipes/test.toml",
    ] {
        assert!(m.contains(s), "{s} not in {m}");
    }
    // Without [flow] the same map is fine.
    let leak_only = GOOD.split("[flow]").next().unwrap();
    let recipe = parse_recipe(leak_only, src()).unwrap();
    validate_against_map(&recipe, &map).unwrap();
}

/// The shipped map (`examples/rig/map.toml`, rated 1000 kPa, 100–1500 mL, 30 L/min, 100 %).
fn shipped_map() -> coldtray_controller::RegisterMap {
    coldtray_controller::rig::parse::load_map(&repo("examples/rig/map.toml")).unwrap()
}

#[test]
fn every_shipped_recipe_and_scenario_fits_the_shipped_map() {
    let map = shipped_map();
    let rig = map.rig.unwrap();
    let mut recipes = 0;
    for entry in std::fs::read_dir(repo("examples/rig")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "toml") && !path.ends_with("map.toml") {
            let r = load_recipe(&path).unwrap();
            validate_against_map(&r, &map).unwrap();
            recipes += 1;
        }
    }
    assert_eq!(recipes, 2);
    let mut scenarios = 0;
    for entry in std::fs::read_dir(repo("examples/rig/scenarios")).unwrap() {
        let path = entry.unwrap().path();
        let sc = coldtray_controller::emulator::scenario::load_scenario(&path).unwrap();
        if let Some(params) = sc.rig {
            let v = params.volume_ml;
            assert!(
                (rig.volume_ml_min..=rig.volume_ml_max).contains(&v),
                "{}: rig.volume_ml {v} outside the shipped map's fixtures",
                path.display()
            );
        }
        scenarios += 1;
    }
    assert!(scenarios >= 6, "{scenarios}");
}

/// Parses `text` and checks it against the shipped map; returns the one-line rejection,
/// asserting it starts with the recipe file and `field`.
fn rejected_on_the_rig(text: &str, field: &str) -> String {
    let map = shipped_map();
    let e = parse_recipe(text, src())
        .and_then(|r| validate_against_map(&r, &map))
        .unwrap_err()
        .to_string();
    assert!(
        e.starts_with(&format!("recipes/test.toml: {field}: ")),
        "wrong file or field in: {e}"
    );
    assert!(!e.contains('\n'), "not one line: {e}");
    e
}

#[test]
fn recipes_that_validated_but_lied_are_rejected() {
    let cases: &[(&str, String, &str, &[&str])] = &[
        (
            "test pressure of 1 kPa (a leaker passes)",
            with("test_pressure_kpa", "test_pressure_kpa = 1.0"),
            "leak.test_pressure_kpa",
            &["≥ 20 kPa", "did you give bar? 1 bar = 100 kPa"],
        ),
        (
            "test pressure in MPa",
            with("test_pressure_kpa", "test_pressure_kpa = 0.15"),
            "leak.test_pressure_kpa",
            &[
                "0.15 kPa is too low",
                "did you give MPa? 0.15 MPa = 150 kPa",
            ],
        ),
        (
            "volume of 0.4 mL (litres typed as mL)",
            with("volume_ml", "volume_ml = 0.4"),
            "leak.volume_ml",
            &["≥ 10 mL", "did you give litres? 0.4 litres = 400 mL"],
        ),
        (
            "volume outside the fixtures",
            with("volume_ml", "volume_ml = 5000.0"),
            "leak.volume_ml",
            &[
                "outside the rig's fixtures",
                "100…1500 mL",
                "examples/rig/map.toml",
            ],
        ),
        (
            "pressure limit of 100,000 kPa",
            with("max_pressure_kpa", "max_pressure_kpa = 100000.0"),
            "limits.max_pressure_kpa",
            &[
                "exceeds the rig's rating rig.max_pressure_kpa = 1000 kPa",
                "did you give Pa? 100000 Pa = 100 kPa",
            ],
        ),
        (
            "flow limit above the loop's rating",
            with("max_flow_lpm = 30.0", "max_flow_lpm = 45.0"),
            "limits.max_flow_lpm",
            &["rig.max_flow_lpm = 30 L/min", "valid: ≤ 30"],
        ),
        (
            "flow step speed between two setpoint counts",
            with("speed_pct", "speed_pct = 60.004"),
            "flow.steps[0].speed_pct",
            &[
                "not a whole number of setpoint counts",
                "sent as 60 %",
                "multiple of 0.01 %",
            ],
        ),
    ];
    for (what, text, field, needles) in cases {
        eprintln!("case: {what}");
        let e = rejected_on_the_rig(text, field);
        eprintln!("  {e}");
        for n in *needles {
            assert!(e.contains(n), "missing {n:?} in: {e}");
        }
    }
}

#[test]
fn pump_limit_above_the_drive_rating_is_rejected() {
    let mut map_text = std::fs::read_to_string(repo("examples/rig/map.toml")).unwrap();
    map_text = map_text.replacen("max_pump_speed_pct = 100.0", "max_pump_speed_pct = 80.0", 1);
    let map = parse_map(&map_text, Path::new("maps/rig.toml")).unwrap();
    let r = parse_recipe(GOOD, src()).unwrap();
    let e = validate_against_map(&r, &map).unwrap_err().to_string();
    assert!(
        e.starts_with("recipes/test.toml: limits.max_pump_speed_pct: 100 % exceeds the rig's rating rig.max_pump_speed_pct = 80 % in maps/rig.toml"),
        "{e}"
    );
}

#[test]
fn a_map_without_a_rating_is_refused_for_a_leak_test() {
    let map = parse_map(
        MAP_NO_FLOW.split("[rig]").next().unwrap(),
        Path::new("maps/rig.toml"),
    )
    .unwrap();
    let leak_only = GOOD.split("[flow]").next().unwrap();
    let r = parse_recipe(leak_only, src()).unwrap();
    let e = validate_against_map(&r, &map).unwrap_err().to_string();
    assert!(e.starts_with("maps/rig.toml: rig: missing"), "{e}");
    assert!(e.contains("recipes/test.toml"), "{e}");
}

#[test]
fn a_pressure_sensor_too_coarse_for_the_threshold_is_rejected() {
    // u16 × 0.1 kPa: a 0.5 sccm leak in 400 mL drops 0.068 kPa in 30 s, under one count.
    let text = std::fs::read_to_string(repo("examples/rig/map.toml")).unwrap();
    let coarse = text.replacen(
        "[signals.test_pressure]\ntable = \"input\"\naddress = 0\ntype = \"f32\"",
        "[signals.test_pressure]\ntable = \"input\"\naddress = 0\ntype = \"u16\"\nscale = 0.1",
        1,
    );
    let map = parse_map(&coarse, Path::new("maps/rig.toml")).unwrap();
    let r = parse_recipe(GOOD, src()).unwrap();
    let e = validate_against_map(&r, &map).unwrap_err().to_string();
    assert!(
        e.starts_with("recipes/test.toml: leak.max_leak_sccm: "),
        "{e}"
    );
    for n in [
        "0.068",
        "0.1 kPa per count",
        "measure_s ≥ 442 s",
        "maps/rig.toml",
    ] {
        assert!(e.contains(n), "missing {n:?} in: {e}");
    }
    // i32 × 0.001 kPa per count resolves it (68 counts).
    let fine_i32 = coarse.replacen(
        "type = \"u16\"\nscale = 0.1",
        "type = \"i32\"\nscale = 0.001",
        1,
    );
    let map = parse_map(&fine_i32, Path::new("maps/rig.toml")).unwrap();
    validate_against_map(&r, &map).unwrap();
}
