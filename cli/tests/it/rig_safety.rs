//! Every way a controller process can die leaves the rig safe, and a rig has one owner:
//! SIGINT/SIGTERM/SIGHUP/SIGQUIT in each phase → exit 2, rig safe, `aborted` record; kill -9 in
//! each phase → the emulated PLC watchdog makes the rig safe; a second controller started
//! during a running test refuses without a single write while the first passes.
//!
//! The phase is known from the controller's own `-v` log ("phase fill" …); the rig's true state
//! from the emulator's `--state-file` (rewritten every 100 ms wall). Time scale ×20 (×1 for the
//! precheck, which lasts one poll). Timing bounds are generous for a loaded 2-core machine and
//! say why.

use crate::{coldtray_exe, listening_addr, repo, scratch};
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

const PHASES: [&str; 6] = ["precheck", "fill", "stabilize", "measure", "vent", "flow"];

/// The shipped map without its `[watchdog]` (so a safe rig after a signal is the
/// controller's own doing, not the PLC's).
fn map_without_watchdog(dir: &Path) -> PathBuf {
    let text = std::fs::read_to_string(repo("examples/rig/map.toml")).unwrap();
    let text = text.replace("[watchdog]\ntimeout_ms = 3000\n", "");
    assert!(
        !text.contains("\n[watchdog]"),
        "the example map's watchdog moved"
    );
    let p = dir.join("map-no-watchdog.toml");
    std::fs::write(&p, text).unwrap();
    p
}

struct Emulator {
    child: Child,
    addr: String,
    state: PathBuf,
}

impl Emulator {
    fn start(map: &Path, scale: f64, dir: &Path) -> Emulator {
        let state = dir.join("state.json");
        let mut child = Command::new(coldtray_exe())
            .args(["emulate", "--map"])
            .arg(map)
            .args([
                "--listen",
                "127.0.0.1:0",
                "--time-scale",
                &scale.to_string(),
            ])
            .arg("--state-file")
            .arg(&state)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let addr = listening_addr(&mut BufReader::new(child.stdout.take().unwrap()));
        Emulator { child, addr, state }
    }

    /// The true state, from a state file written after `since` (waits for one, ≤ 5 s).
    fn state_after(&self, since: Instant) -> serde_json::Value {
        let end = Instant::now() + Duration::from_secs(5);
        loop {
            let fresh = std::fs::metadata(&self.state)
                .and_then(|m| m.modified())
                .is_ok_and(|m| m.elapsed().is_ok_and(|age| age < since.elapsed()));
            if fresh {
                if let Ok(b) = std::fs::read(&self.state) {
                    if let Ok(v) = serde_json::from_slice(&b) {
                        return v;
                    }
                }
            }
            assert!(Instant::now() < end, "no fresh state file");
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Emulator {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn is_safe(s: &serde_json::Value) -> bool {
    s["fill_open"] == false
        && s["isolation_open"] == false
        && s["pump_run"] == false
        && s["vent_open"] == true
}

/// A running `coldtray -v leak-test` whose stderr lines arrive on a channel.
struct Controller {
    child: Child,
    lines: mpsc::Receiver<String>,
    log: Vec<String>,
}

impl Controller {
    fn start(
        emu: &Emulator,
        map: &Path,
        scale: f64,
        dir: &Path,
        serial: &str,
        locks: &Path,
    ) -> Self {
        let mut child = Command::new(coldtray_exe())
            .args(["-v", "leak-test", "--map"])
            .arg(map)
            .arg("--recipe")
            .arg(repo("examples/rig/l10-vr200.toml"))
            .args(["--serial", serial, "--connect", &emu.addr])
            .args(["--time-scale", &scale.to_string()])
            .arg("--db")
            .arg(dir.join("results.sqlite"))
            .arg("--out")
            .arg(dir.join("records"))
            .env("COLDTRAY_LOCK_DIR", locks)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let stderr = child.stderr.take().unwrap();
        let (tx, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        Controller {
            child,
            lines,
            log: Vec::new(),
        }
    }

    /// Waits (≤ 30 s) for the log line announcing `phase`.
    fn wait_phase(&mut self, phase: &str) {
        let want = format!("phase {phase}");
        let end = Instant::now() + Duration::from_secs(30);
        while Instant::now() < end {
            if let Ok(line) = self.lines.recv_timeout(Duration::from_millis(100)) {
                let hit = line.ends_with(&want);
                self.log.push(line);
                if hit {
                    return;
                }
            }
        }
        panic!("no \"{want}\" in {:?}", self.log);
    }

    fn signal(&self, sig: &str) {
        let ok = Command::new("kill")
            .args([&format!("-{sig}"), &self.child.id().to_string()])
            .status()
            .unwrap()
            .success();
        assert!(ok, "kill -{sig}");
    }

    /// Waits (≤ 30 s) for the exit; returns (code, stdout, stderr).
    fn finish(mut self) -> (Option<i32>, String, String) {
        let end = Instant::now() + Duration::from_secs(30);
        let status = loop {
            if let Some(s) = self.child.try_wait().unwrap() {
                break s;
            }
            assert!(Instant::now() < end, "controller did not exit");
            std::thread::sleep(Duration::from_millis(10));
        };
        let mut out = String::new();
        if let Some(mut o) = self.child.stdout.take() {
            let _ = std::io::Read::read_to_string(&mut o, &mut out);
        }
        while let Ok(l) = self.lines.recv_timeout(Duration::from_millis(200)) {
            self.log.push(l);
        }
        (status.code(), out, self.log.join("\n"))
    }
}

fn record(dir: &Path, serial: &str) -> Option<serde_json::Value> {
    let rd = std::fs::read_dir(dir.join("records")).ok()?;
    let p = rd.map(|e| e.unwrap().path()).find(|p| {
        p.extension().is_some_and(|e| e == "json")
            && p.file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with(&format!("{serial}-")))
    })?;
    Some(serde_json::from_slice(&std::fs::read(p).unwrap()).unwrap())
}

fn scale_for(phase: &str) -> f64 {
    if phase == "precheck" {
        1.0
    } else {
        20.0
    }
}

/// `sig` in every phase: exit 2, an aborted record whose trace ends in that phase, rig safe.
fn signal_in_every_phase(sig: &str) {
    for phase in PHASES {
        let dir = scratch("rig_safety", &format!("{sig}-{phase}"));
        let map = map_without_watchdog(&dir);
        let scale = scale_for(phase);
        let emu = Emulator::start(&map, scale, &dir);
        let serial = format!("SIG-{sig}-{phase}");
        let mut c = Controller::start(&emu, &map, scale, &dir, &serial, &dir);
        c.wait_phase(phase);
        c.signal(sig);
        let (code, out, err) = c.finish();
        let exited = Instant::now();
        assert_eq!(code, Some(2), "{sig} in {phase}: {out}\n{err}");
        assert!(
            out.starts_with(&format!("ABORTED {serial}")),
            "{out}\n{err}"
        );
        let rec = record(&dir, &serial).expect("aborted record");
        assert_eq!(rec["outcome"], "aborted");
        let reason = rec["reason"].as_str().unwrap();
        assert!(reason.contains("stopped by the operator"), "{reason}");
        // The signal came after the phase began: no sample of a later phase (a signal right at
        // the start of a phase may precede its first sample).
        let i = PHASES.iter().position(|p| *p == phase).unwrap();
        for p in rec["trace"].as_array().unwrap() {
            let at = PHASES.iter().position(|q| p["phase"] == *q);
            assert!(at.is_some_and(|at| at <= i), "{sig} in {phase}: sample {p}");
        }
        let s = emu.state_after(exited);
        assert!(is_safe(&s), "{sig} in {phase}: rig not safe: {s}");
        eprintln!("{sig} in {phase}: held");
    }
}

#[test]
fn sigint_in_every_phase() {
    signal_in_every_phase("INT");
}

#[test]
fn sigterm_in_every_phase() {
    signal_in_every_phase("TERM");
}

#[test]
fn sighup_in_every_phase() {
    signal_in_every_phase("HUP");
}

#[test]
fn sigquit_in_every_phase() {
    signal_in_every_phase("QUIT");
}

/// kill -9 in every phase: the emulated PLC watchdog (the shipped map's 3000 ms emulated =
/// 150 ms wall at ×20) makes the rig safe. Bound: 150 ms + one 100 ms state-file period + 2 s
/// for a loaded machine. In the precheck the controller may die before its first heartbeat:
/// an unarmed watchdog does not trip (a rig nobody controls), so only "nothing pressurises
/// the tray" is required there.
#[test]
fn kill_9_in_every_phase_the_watchdog_makes_the_rig_safe() {
    for phase in PHASES {
        let dir = scratch("rig_safety", &format!("KILL-{phase}"));
        let map = repo("examples/rig/map.toml");
        let scale = scale_for(phase);
        let emu = Emulator::start(&map, scale, &dir);
        let mut c = Controller::start(&emu, &map, scale, &dir, "KILL", &dir);
        c.wait_phase(phase);
        c.child.kill().unwrap();
        let killed = Instant::now();
        let _ = c.child.wait();
        if phase == "precheck" {
            let s = emu.state_after(killed);
            assert!(
                s["fill_open"] == false && s["pump_run"] == false,
                "precheck: {s}"
            );
            continue;
        }
        let bound = Duration::from_secs_f64(3.0 / scale + 0.1 + 2.0);
        loop {
            let s = emu.state_after(Instant::now());
            // In the vent phase the rig may already be safe by the sequence: wait for the trip.
            if is_safe(&s) && s["watchdog_trips"].as_u64() >= Some(1) {
                eprintln!("kill -9 in {phase}: safe after {:?}", killed.elapsed());
                break;
            }
            assert!(killed.elapsed() < bound, "kill -9 in {phase}: unsafe {s}");
        }
        assert!(record(&dir, "KILL").is_none());
    }
}

/// A second controller, on this host (same lock directory) or on another one (its own lock
/// directory: only the heartbeat tells), refuses without a single write while the first
/// passes.
#[test]
fn a_second_controller_refuses_without_a_write() {
    let dir = scratch("rig_safety", "second");
    let map = repo("examples/rig/map.toml");
    let emu = Emulator::start(&map, 20.0, &dir);
    let locks_a = dir.join("locks-a");
    let locks_b = dir.join("locks-b");
    let mut a = Controller::start(&emu, &map, 20.0, &dir, "FIRST", &locks_a);
    a.wait_phase("measure");
    for (locks, why) in [
        (&locks_a, "locked by process"),
        (&locks_b, "heartbeat changed"),
    ] {
        let b = Controller::start(&emu, &map, 20.0, &dir, "SECOND", locks);
        let (code, out, err) = b.finish();
        assert_eq!(code, Some(2), "{out}\n{err}");
        assert!(err.contains("rig in use"), "{err}");
        assert!(err.contains(why), "{err}");
        assert!(err.contains(&emu.addr), "{err}");
    }
    let (code, out, err) = a.finish();
    assert_eq!(code, Some(0), "the first test: {out}\n{err}");
    assert!(out.starts_with("PASS FIRST"), "{out}");
    assert!(record(&dir, "SECOND").is_none());
    let s = emu.state_after(Instant::now());
    assert_eq!(
        s["writer_connections"], 1,
        "only the first controller wrote: {s}"
    );
}

/// One raw Modbus TCP read of holding registers 0–2 (pump_speed_setpoint, heartbeat) over `s`.
fn modbus_read(s: &mut std::net::TcpStream) -> std::io::Result<Vec<u8>> {
    use std::io::{Read, Write};
    s.write_all(&[0, 1, 0, 0, 0, 6, 1, 3, 0, 0, 0, 3])?;
    let mut reply = [0u8; 9 + 6];
    s.read_exact(&mut reply)?;
    Ok(reply.to_vec())
}

/// At the file-descriptor limit the emulator logs the accept error, backs off, and keeps
/// serving the clients it has (`ulimit -n 64`, then 100 more connections than it can take).
#[test]
fn accept_errors_never_drop_the_open_clients() {
    let dir = scratch("rig_safety", "emfile");
    let map = repo("examples/rig/map.toml");
    let mut child = Command::new("sh")
        .arg("-c")
        .arg("ulimit -n 64 && exec \"$0\" emulate --map \"$1\" --listen 127.0.0.1:0")
        .arg(coldtray_exe())
        .arg(&map)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let addr = listening_addr(&mut BufReader::new(child.stdout.take().unwrap()));
    let mut first = std::net::TcpStream::connect(&addr).unwrap();
    first
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    let ok = modbus_read(&mut first).unwrap();
    assert_eq!(&ok[7..9], &[3, 6], "{ok:?}");
    let flood: Vec<_> = (0..100)
        .filter_map(|_| std::net::TcpStream::connect(&addr).ok())
        .collect();
    // Give the accept loop time to run out of descriptors and back off at least once.
    std::thread::sleep(Duration::from_millis(300));
    for _ in 0..5 {
        let r = modbus_read(&mut first).expect("the first client was dropped");
        assert_eq!(&r[7..9], &[3, 6], "{r:?}");
    }
    drop(flood);
    let _ = child.kill();
    let _ = child.wait();
    let mut err = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut err).unwrap();
    assert!(err.contains("accept failed"), "{err}");
    assert!(err.contains("connection(s) are kept"), "{err}");
    let _ = dir;
}
