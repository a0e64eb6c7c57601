//! `coldtray leak-test` with a map or recipe that parses but would lie about the rig: exit 2
//! and one line naming the file and the field, before any connection is attempted (the
//! `--connect` address is a closed port, so reaching the rig would say "does not answer").

use crate::{coldtray_exe, repo, scratch, stderr};
use std::path::Path;
use std::process::Command;

/// Runs a leak test with `map` and `recipe` against a closed port; returns (exit code, stderr).
fn leak_test(dir: &Path, map: &Path, recipe: &Path) -> (Option<i32>, String) {
    let o = Command::new(coldtray_exe())
        .arg("leak-test")
        .arg("--map")
        .arg(map)
        .arg("--recipe")
        .arg(recipe)
        .args(["--serial", "CLI-LIE", "--connect", "127.0.0.1:1"])
        .arg("--db")
        .arg(dir.join("results.sqlite"))
        .arg("--out")
        .arg(dir.join("records"))
        .output()
        .expect("run coldtray leak-test");
    (o.status.code(), stderr(&o))
}

#[test]
fn maps_and_recipes_that_lie_are_refused_before_the_rig_is_touched() {
    let dir = scratch("leak_test_inputs", "lies");
    let map_text = std::fs::read_to_string(repo("examples/rig/map.toml")).expect("shipped map");
    let recipe_text =
        std::fs::read_to_string(repo("examples/rig/l10-vr200.toml")).expect("shipped recipe");
    let cases = [
        (
            "poll-hour.toml",
            map_text.replacen("poll_ms = 100", "poll_ms = 3600000", 1),
            None,
            "connection.poll_ms",
        ),
        (
            "no-rating.toml",
            map_text
                .split("\n[rig]")
                .next()
                .unwrap_or_default()
                .to_string(),
            None,
            "rig",
        ),
        (
            "map.toml",
            map_text.clone(),
            Some(recipe_text.replacen("test_pressure_kpa = 525.0", "test_pressure_kpa = 1.0", 1)),
            "leak.test_pressure_kpa",
        ),
        (
            "map.toml",
            map_text.clone(),
            Some(recipe_text.replacen("volume_ml = 400.0", "volume_ml = 0.4", 1)),
            "leak.volume_ml",
        ),
        (
            "map.toml",
            map_text.clone(),
            Some(recipe_text.replacen(
                "max_pressure_kpa = 700.0",
                "max_pressure_kpa = 100000.0",
                1,
            )),
            "limits.max_pressure_kpa",
        ),
    ];
    for (i, (map_name, map, recipe, field)) in cases.into_iter().enumerate() {
        let case = dir.join(format!("case{i}"));
        std::fs::create_dir_all(&case).expect("case directory");
        let map_path = case.join(map_name);
        std::fs::write(&map_path, map).expect("write map");
        let recipe_path = case.join("recipe.toml");
        std::fs::write(&recipe_path, recipe.unwrap_or_else(|| recipe_text.clone()))
            .expect("write recipe");
        let (code, err) = leak_test(&case, &map_path, &recipe_path);
        eprintln!("{err}");
        assert_eq!(code, Some(2), "{err}");
        let file = if field.starts_with("leak.") || field.starts_with("limits.") {
            &recipe_path
        } else {
            &map_path
        };
        assert!(
            err.contains(&format!("{}: {field}: ", file.display())),
            "no file and field in: {err}"
        );
        assert!(
            !err.contains("does not answer"),
            "reached for the rig: {err}"
        );
        assert!(!case.join("results.sqlite").exists(), "a store was opened");
    }
}
