//! The `coldtray` binary end to end, as its users run it: one integration-test binary for the
//! CLI crate, one module per command, plus the workspace's own habits (MSRV, closed pipes).
// Helpers outside #[test] functions unwrap too (clippy.toml allows it only inside them); a
// panic in a test binary is the failure report.
#![allow(clippy::unwrap_used)]

mod compare;
mod import;
mod leak_test;
mod leak_test_inputs;
mod live_view;
mod msrv;
mod output;
mod plot;
mod plot_simulated;
mod records;
mod records_report;
mod report;
mod rig_safety;
mod simulate;
mod station;
mod sweep;
mod sweep_cluster;

use std::path::{Path, PathBuf};
use std::process::Output;

/// The built `coldtray` binary.
fn coldtray_exe() -> &'static str {
    env!("CARGO_BIN_EXE_coldtray")
}

/// A path relative to the workspace root.
fn repo(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join(rel)
}

/// A fresh, empty scratch directory `<suite>/<name>` under cargo's test temp dir.
fn scratch(suite: &str, name: &str) -> PathBuf {
    let d = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(suite)
        .join(name);
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).expect("scratch directory");
    d
}

/// A finished command's stderr as text.
fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// The address `coldtray emulate` listens on, from the first line it prints
/// ("coldtray emulate: listening on 127.0.0.1:PORT (unit id …").
fn listening_addr(stdout: &mut impl std::io::BufRead) -> String {
    let mut line = String::new();
    stdout.read_line(&mut line).unwrap();
    line.split("listening on ")
        .nth(1)
        .and_then(|s| s.split_whitespace().next())
        .unwrap_or_else(|| panic!("emulator did not say where it listens: {line:?}"))
        .to_string()
}

/// An external program a test drives (Chromium, Slurm's `sbatch`, …): the first of `names`
/// found on `PATH`, or `None` when none is installed and the run does not require it. CI
/// installs these programs and sets `COLDTRAY_REQUIRE_EXTERNAL=1`, so there a missing program
/// fails the test instead of skipping it; a developer without them sees the skip on stderr.
#[allow(dead_code)] // used by the tests that drive external programs
fn external_tool(names: &[&str]) -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    let found = names.iter().find_map(|name| {
        std::env::split_paths(&path)
            .map(|dir| dir.join(name))
            .find(|p| p.is_file())
    });
    if found.is_none() {
        let required = std::env::var("COLDTRAY_REQUIRE_EXTERNAL").is_ok_and(|v| v == "1");
        assert!(
            !required,
            "COLDTRAY_REQUIRE_EXTERNAL=1 but none of {names:?} is on PATH"
        );
        eprintln!("skipped: none of {names:?} is installed");
    }
    found
}
