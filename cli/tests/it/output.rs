//! A closed stdout (`coldtray … | head -1`) is not an error: the command finishes its work and
//! exits with its own exit code, without a panic message.

use std::process::{Command, Stdio};

use crate::{coldtray_exe, repo, scratch, stderr};

#[test]
fn simulate_into_a_closed_pipe_finishes_quietly_with_exit_0() {
    let dir = scratch("output", "closed-pipe");
    let mut child = Command::new(coldtray_exe())
        .arg("simulate")
        .arg(repo("examples/rubin-1800w.toml"))
        .args(["--cell-mm", "2", "--no-png", "--out"])
        .arg(&dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("coldtray starts");
    // Close the reading end before anything is written: every write then fails with EPIPE.
    drop(child.stdout.take());
    let out = child.wait_with_output().expect("coldtray ends");
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(0), "stderr: {err}");
    assert!(!err.contains("panicked"), "stderr: {err}");
    assert!(
        err.trim().is_empty(),
        "a closed pipe is not worth a message: {err}"
    );
    assert!(
        dir.join("results.json").is_file(),
        "the results were still written"
    );
}

#[test]
fn help_into_a_closed_pipe_is_not_a_panic() {
    let mut child = Command::new(coldtray_exe())
        .arg("--help")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("coldtray starts");
    drop(child.stdout.take());
    let out = child.wait_with_output().expect("coldtray ends");
    assert!(!stderr(&out).contains("panicked"), "{}", stderr(&out));
}
