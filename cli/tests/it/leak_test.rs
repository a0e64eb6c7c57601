//! The L10 commands end to end, as a test engineer runs them: `coldtray emulate` as its own
//! process (a real Modbus TCP server on an ephemeral loopback port), `coldtray leak-test` against
//! it, `coldtray records` over the store, and Ctrl-C on the emulator. Checks the contract's exit
//! codes (0 pass, 1 fail, 2 aborted or error) and that every outcome leaves a record.

use crate::{coldtray_exe, listening_addr, repo, scratch};
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdout, Command, Output, Stdio};
use std::time::{Duration, Instant};

/// Both sides run 50× faster than real time: the shipped recipe (≈ 70 s of fill, stabilise,
/// measure, vent and flow steps) takes about 1.5 s of wall time.
const TIME_SCALE: &str = "50";

/// A running `coldtray emulate` and the address it printed.
pub(crate) struct Emulator {
    child: Child,
    addr: String,
    stdout: BufReader<ChildStdout>,
}

impl Emulator {
    pub(crate) fn start(extra: &[&str]) -> Emulator {
        let mut child = Command::new(coldtray_exe())
            .args(["emulate", "--map"])
            .arg(repo("examples/rig/map.toml"))
            .args(["--listen", "127.0.0.1:0", "--time-scale", TIME_SCALE])
            .args(extra)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut stdout = BufReader::new(child.stdout.take().unwrap());
        let addr = listening_addr(&mut stdout);
        Emulator {
            child,
            addr,
            stdout,
        }
    }

    /// Ctrl-C (SIGINT), then wait for a clean exit.
    fn interrupt(mut self) -> (bool, String) {
        let status = Command::new("kill")
            .args(["-INT", &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
        let t0 = Instant::now();
        let exit = loop {
            if let Some(s) = self.child.try_wait().unwrap() {
                break s;
            }
            assert!(
                t0.elapsed() < Duration::from_secs(10),
                "emulator did not stop within 10 s of Ctrl-C"
            );
            std::thread::sleep(Duration::from_millis(20));
        };
        let mut rest = String::new();
        while self.stdout.read_line(&mut rest).unwrap_or(0) > 0 {}
        (exit.success(), rest)
    }
}

impl Drop for Emulator {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub(crate) fn leak_test(emu: &Emulator, dir: &Path, serial: &str) -> Output {
    Command::new(coldtray_exe())
        .arg("leak-test")
        .arg("--map")
        .arg(repo("examples/rig/map.toml"))
        .arg("--recipe")
        .arg(repo("examples/rig/l10-vr200.toml"))
        .args(["--serial", serial, "--connect", &emu.addr])
        .args(["--time-scale", TIME_SCALE])
        .arg("--db")
        .arg(dir.join("results.sqlite"))
        .arg("--out")
        .arg(dir.join("records"))
        .output()
        .unwrap()
}

fn records_for(dir: &Path, serial: &str) -> Vec<PathBuf> {
    let Ok(rd) = std::fs::read_dir(dir.join("records")) else {
        return Vec::new();
    };
    rd.map(|e| e.unwrap().path())
        .filter(|p| {
            p.file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with(&format!("{serial}-")))
        })
        .collect()
}

pub(crate) fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

#[test]
fn pass_fail_abort_exit_codes_records_and_yield() {
    let dir = scratch("leak_test", "verdicts");

    // A sealed tray passes: exit 0, a JSON record and its trace plot.
    let sealed = Emulator::start(&[]);
    let o = leak_test(&sealed, &dir, "CLI-PASS");
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}{}",
        text(&o.stdout),
        text(&o.stderr)
    );
    assert!(
        text(&o.stdout).starts_with("PASS CLI-PASS"),
        "{}",
        text(&o.stdout)
    );
    let files = records_for(&dir, "CLI-PASS");
    assert!(files
        .iter()
        .any(|p| p.extension().is_some_and(|e| e == "json")));
    assert!(files
        .iter()
        .any(|p| p.extension().is_some_and(|e| e == "png")));

    // A 2 sccm leak against the recipe's 0.5 sccm limit fails: exit 1.
    let leaking = Emulator::start(&["--leak-sccm", "2"]);
    let o = leak_test(&leaking, &dir, "CLI-FAIL");
    assert_eq!(
        o.status.code(),
        Some(1),
        "{}{}",
        text(&o.stdout),
        text(&o.stderr)
    );
    assert!(
        text(&o.stdout).starts_with("FAIL CLI-FAIL"),
        "{}",
        text(&o.stdout)
    );

    // E-stop pressed during the test (emulated 12 s: after the fill): aborted, exit 2, and the
    // record still exists with the outcome and the trace so far.
    let estop = Emulator::start(&["--estop-at", "12"]);
    let o = leak_test(&estop, &dir, "CLI-ESTOP");
    assert_eq!(
        o.status.code(),
        Some(2),
        "{}{}",
        text(&o.stdout),
        text(&o.stderr)
    );
    assert!(
        text(&o.stdout).starts_with("ABORTED CLI-ESTOP"),
        "{}",
        text(&o.stdout)
    );
    let json = records_for(&dir, "CLI-ESTOP")
        .into_iter()
        .find(|p| p.extension().is_some_and(|e| e == "json"))
        .unwrap();
    let rec: serde_json::Value = serde_json::from_slice(&std::fs::read(json).unwrap()).unwrap();
    assert_eq!(rec["outcome"], "aborted");
    assert!(!rec["trace"].as_array().unwrap().is_empty());

    // `records`: three tests; the aborted one is a rig stop, not a verdict, so the yield is
    // 1 first pass out of 2 serials with a verdict.
    let o = Command::new(coldtray_exe())
        .arg("records")
        .arg("--db")
        .arg(dir.join("results.sqlite"))
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let out = text(&o.stdout);
    assert!(out.contains("3 test(s)"), "{out}");
    assert!(out.contains("first-pass yield: 1/2"), "{out}");

    // Ctrl-C stops the emulator cleanly.
    let (ok, rest) = sealed.interrupt();
    assert!(ok, "emulator exit after Ctrl-C was not clean");
    assert!(rest.contains("stopped"), "{rest}");
}

#[test]
fn bad_serial_is_rejected_before_the_rig_is_touched() {
    let dir = scratch("leak_test", "bad-serial");
    let emu = Emulator::start(&[]);
    let o = leak_test(&emu, &dir, "../etc/passwd");
    assert_eq!(o.status.code(), Some(2));
    let err = text(&o.stderr);
    assert!(err.contains("serial"), "{err}");
    assert!(records_for(&dir, "").is_empty());
    assert!(!dir.join("results.sqlite").exists());
}

#[test]
fn unreachable_rig_is_an_error_naming_the_address() {
    let dir = scratch("leak_test", "unreachable");
    // Bind and drop a listener: the port is (almost certainly) closed afterwards.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let o = Command::new(coldtray_exe())
        .arg("leak-test")
        .arg("--map")
        .arg(repo("examples/rig/map.toml"))
        .arg("--recipe")
        .arg(repo("examples/rig/l10-vr200.toml"))
        .args(["--serial", "CLI-NORIG"])
        .args(["--connect", &format!("127.0.0.1:{port}")])
        .arg("--db")
        .arg(dir.join("results.sqlite"))
        .arg("--out")
        .arg(dir.join("records"))
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    let err = text(&o.stderr);
    assert!(err.contains(&port.to_string()), "{err}");
}

/// `coldtray leak-test` of a sealed tray with extra arguments and environment.
fn leak_test_with(
    emu: &Emulator,
    dir: &Path,
    serial: &str,
    extra: &[&str],
    env: &[(&str, &str)],
) -> Output {
    let mut cmd = Command::new(coldtray_exe());
    cmd.arg("leak-test")
        .arg("--map")
        .arg(repo("examples/rig/map.toml"))
        .arg("--recipe")
        .arg(repo("examples/rig/l10-vr200-noflow.toml"))
        .args(["--serial", serial, "--connect", &emu.addr])
        .args(["--time-scale", TIME_SCALE])
        .arg("--db")
        .arg(dir.join("results.sqlite"))
        .arg("--out")
        .arg(dir.join("records"))
        .args(extra);
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().unwrap()
}

fn records_cmd(dir: &Path) -> Output {
    Command::new(coldtray_exe())
        .arg("records")
        .arg("--db")
        .arg(dir.join("results.sqlite"))
        .output()
        .unwrap()
}

/// (record_id, json_file) of every row.
fn rows(dir: &Path) -> Vec<(String, String)> {
    let conn = rusqlite::Connection::open(dir.join("results.sqlite")).unwrap();
    let mut stmt = conn
        .prepare("SELECT record_id, json_file FROM tests ORDER BY seq")
        .unwrap();
    let rows = stmt
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    rows
}

fn with_ext(dir: &Path, ext: &str) -> Vec<PathBuf> {
    std::fs::read_dir(dir)
        .map(|rd| {
            rd.map(|e| e.unwrap().path())
                .filter(|p| p.extension().is_some_and(|e| e == ext))
                .collect()
        })
        .unwrap_or_default()
}

/// JSON files and rows match one to one by record id and file name, each JSON has a non-empty
/// PNG, no PNG is empty, the journal is empty; returns the number of records.
fn consistent(dir: &Path) -> usize {
    let rows = rows(dir);
    let jsons = with_ext(&dir.join("records"), "json");
    assert_eq!(rows.len(), jsons.len(), "rows {rows:?}, files {jsons:?}");
    for j in &jsons {
        let v: serde_json::Value = serde_json::from_slice(&std::fs::read(j).unwrap()).unwrap();
        let id = v["record_id"].as_str().unwrap();
        let hits: Vec<_> = rows.iter().filter(|r| r.0 == id).collect();
        assert_eq!(hits.len(), 1, "{id}");
        assert_eq!(Path::new(&hits[0].1), j.as_path());
        assert!(j.with_extension("png").exists(), "{}", j.display());
    }
    for png in with_ext(&dir.join("records"), "png") {
        assert!(
            std::fs::metadata(&png).unwrap().len() > 0,
            "{}",
            png.display()
        );
    }
    assert!(
        with_ext(&dir.join("results.sqlite.queue"), "json").is_empty(),
        "journal not empty"
    );
    rows.len()
}

/// A real kill (abort: no destructor, no flush) of `coldtray leak-test` after each step of the
/// record commit (the test build's `COLDTRAY_CRASH_AT`); the next start (`coldtray records`)
/// leaves either nothing (killed before the journal entry) or one consistent record.
#[test]
fn a_kill_after_each_step_of_the_record_commit_leaves_nothing_or_one_whole_record() {
    for step in coldtray_controller::records::journal::STEPS {
        let dir = scratch("leak_test", &format!("kill-{step}"));
        let emu = Emulator::start(&[]);
        let o = leak_test_with(&emu, &dir, "CLI-KILL", &[], &[("COLDTRAY_CRASH_AT", step)]);
        assert_eq!(
            o.status.code(),
            None,
            "{step}: not killed: {}{}",
            text(&o.stdout),
            text(&o.stderr)
        );
        let queued = with_ext(&dir.join("results.sqlite.queue"), "json").len();
        assert_eq!(
            queued,
            usize::from(step != "start" && step != "cleared"),
            "{step}"
        );
        // JSON and row may disagree now; the next start makes them agree.
        let r = records_cmd(&dir);
        assert_eq!(r.status.code(), Some(0), "{step}: {}", text(&r.stderr));
        let n = consistent(&dir);
        assert_eq!(n, usize::from(step != "start"), "{step}");
        if queued == 1 {
            assert!(
                text(&r.stderr).contains("completed a queued record: CLI-KILL pass"),
                "{step}: {}",
                text(&r.stderr)
            );
        }
        assert!(
            text(&r.stdout).contains(&format!("{n} test(s)")),
            "{}",
            text(&r.stdout)
        );
        // A second start changes nothing.
        records_cmd(&dir);
        assert_eq!(consistent(&dir), n, "{step}");
    }
}

/// The store write-locked by another program for the whole test and beyond the busy timeout:
/// the verdict is printed with its exit code, the operator told the record is queued and
/// where; after the lock is released the next start inserts the row, once.
///
/// The case is a 20 s lock against the 10 s default timeout; what matters is that
/// the lock outlasts the timeout, so here the timeout is 300 ms (`--db-wait-ms`) and the lock
/// is held for the whole run (≈ 2 s).
#[test]
fn a_locked_store_still_prints_the_verdict_and_inserts_the_row_later() {
    let dir = scratch("leak_test", "locked-store");
    let db = dir.join("results.sqlite");
    drop(coldtray_controller::Store::open(&db).unwrap());
    let holder = rusqlite::Connection::open(&db).unwrap();
    holder.execute_batch("BEGIN EXCLUSIVE").unwrap();
    let emu = Emulator::start(&[]);
    let o = leak_test_with(&emu, &dir, "CLI-LOCKED", &["--db-wait-ms", "300"], &[]);
    let (out, err) = (text(&o.stdout), text(&o.stderr));
    assert_eq!(o.status.code(), Some(0), "{out}{err}");
    assert!(out.starts_with("PASS CLI-LOCKED"), "{out}");
    assert!(err.contains("record queued: the result store"), "{err}");
    assert!(err.contains("is locked by another program"), "{err}");
    assert!(err.contains("results.sqlite.queue"), "{err}");
    assert_eq!(with_ext(&dir.join("records"), "json").len(), 1);
    holder.execute_batch("COMMIT").unwrap();
    drop(holder);
    assert!(rows(&dir).is_empty());
    let r = records_cmd(&dir);
    assert!(
        text(&r.stderr).contains("completed a queued record: CLI-LOCKED pass"),
        "{}",
        text(&r.stderr)
    );
    assert!(text(&r.stdout).contains("1 test(s)"), "{}", text(&r.stdout));
    records_cmd(&dir);
    assert_eq!(consistent(&dir), 1);
}

#[test]
fn an_unwritable_record_directory_is_an_error_before_the_test() {
    let dir = scratch("leak_test", "unwritable-out");
    let emu = Emulator::start(&[]);
    // A directory no one (root included) can create a file in.
    let o = Command::new(coldtray_exe())
        .arg("leak-test")
        .arg("--map")
        .arg(repo("examples/rig/map.toml"))
        .arg("--recipe")
        .arg(repo("examples/rig/l10-vr200-noflow.toml"))
        .args(["--serial", "CLI-RO", "--connect", &emu.addr])
        .arg("--db")
        .arg(dir.join("results.sqlite"))
        .args(["--out", "/proc/self"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    let err = text(&o.stderr);
    assert!(
        err.contains("/proc/self") && err.contains("not writable"),
        "{err}"
    );
    assert!(!err.contains("L10 test of"), "the test started: {err}");
    assert!(!dir.join("results.sqlite").exists());
}

/// Two rigs test the same serial at the same moment into one shared record directory and
/// store: no JSON is overwritten (names are taken create-exclusively), every test has its own
/// JSON, row and plot.
#[test]
fn the_same_serial_on_two_rigs_at_once_keeps_both_records() {
    let dir = scratch("leak_test", "two-rigs");
    let (a, b) = (Emulator::start(&[]), Emulator::start(&[]));
    const ROUNDS: usize = 3;
    for _ in 0..ROUNDS {
        let outs: Vec<Output> = std::thread::scope(|s| {
            let runs: Vec<_> = [&a, &b]
                .into_iter()
                .map(|emu| s.spawn(|| leak_test_with(emu, &dir, "CLI-TWIN", &[], &[])))
                .collect();
            runs.into_iter().map(|r| r.join().unwrap()).collect()
        });
        for o in outs {
            assert_eq!(
                o.status.code(),
                Some(0),
                "{}{}",
                text(&o.stdout),
                text(&o.stderr)
            );
        }
    }
    assert_eq!(consistent(&dir), 2 * ROUNDS);
}
