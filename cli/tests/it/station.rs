//! `coldtray station` end to end: the station as its own process against `coldtray emulate`
//! (both time-scaled, ephemeral loopback ports), driven through its JSON API, its standard
//! input (a barcode scanner) and, in a real Chromium over WebDriver, its web page.

use crate::{coldtray_exe, external_tool, listening_addr, repo, scratch, stderr};
use serde_json::{json, Value};
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// API tests run both sides 20× faster than real time: the leak-only recipe (≈ 70 s of fill,
/// stabilise, measure and vent) takes a few seconds of wall time.
const TIME_SCALE: f64 = 20.0;

/// Generous for a loaded 2-core machine: a whole test at ×20 is ≈ 4 s of wall time.
const VERDICT_WAIT: Duration = Duration::from_secs(120);

/// The station's token in the token tests (16+ characters).
const TOKEN: &str = "s3cret-station-token-0123";

/// A running `coldtray emulate`.
struct Emulator {
    child: Child,
    addr: String,
}

impl Emulator {
    fn start(listen: &str, time_scale: f64, extra: &[&str]) -> Emulator {
        let mut child = Command::new(coldtray_exe())
            .args(["emulate", "--map"])
            .arg(repo("examples/rig/map.toml"))
            .args(["--listen", listen, "--time-scale", &time_scale.to_string()])
            .args(extra)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut stdout = BufReader::new(child.stdout.take().unwrap());
        let addr = listening_addr(&mut stdout);
        // Keep draining its stdout so it never blocks on a full pipe.
        std::thread::spawn(move || std::io::copy(&mut stdout, &mut std::io::sink()));
        Emulator { child, addr }
    }
}

impl Drop for Emulator {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Writes a station file in `dir` for the emulator at `rig`.
fn station_toml(dir: &Path, rig: &str, time_scale: f64, extra: &str) -> PathBuf {
    let text = format!(
        r#"id = "line1-st3"
map = "{map}"
connect = "{rig}"
operators = ["op1", "op2"]
serial_pattern = "VR200-[0-9]{{1,6}}"
db = "results.sqlite"
records = "records"
time_scale = {time_scale}
{extra}

[[recipes]]
match = "VR200-*"
file = "{recipe}"
"#,
        map = repo("examples/rig/map.toml").display(),
        recipe = repo("examples/rig/l10-vr200-noflow.toml").display(),
    );
    let p = dir.join("station.toml");
    std::fs::write(&p, text).unwrap();
    p
}

/// A running `coldtray station`, its base URL and every stdout line after the first.
struct Station {
    child: Child,
    url: String,
    stdin: Option<ChildStdin>,
    lines: Arc<Mutex<Vec<String>>>,
}

impl Station {
    fn start(config: &Path, listen: &str, lock_dir: &Path) -> Station {
        let mut child = Command::new(coldtray_exe())
            .args(["station", "--config"])
            .arg(config)
            .args(["--listen", listen])
            .env("COLDTRAY_LOCK_DIR", lock_dir)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap();
        let mut stdout = BufReader::new(child.stdout.take().unwrap());
        let mut first = String::new();
        stdout.read_line(&mut first).unwrap();
        let addr = first
            .split("listening on http://")
            .nth(1)
            .and_then(|s| s.split_whitespace().next())
            .unwrap_or_else(|| panic!("station did not say where it listens: {first:?}"))
            .replace("0.0.0.0", "127.0.0.1");
        let lines = Arc::new(Mutex::new(Vec::new()));
        let sink = lines.clone();
        std::thread::spawn(move || {
            for line in stdout.lines().map_while(Result::ok) {
                sink.lock().unwrap().push(line);
            }
        });
        Station {
            stdin: child.stdin.take(),
            child,
            url: format!("http://{addr}"),
            lines,
        }
    }

    /// Types a line as a barcode scanner does (code + Enter).
    fn scan(&mut self, line: &str) {
        let stdin = self.stdin.as_mut().unwrap();
        writeln!(stdin, "{line}").unwrap();
        stdin.flush().unwrap();
    }

    /// Waits for a stdout line starting with `prefix` that was not seen before position `from`.
    fn wait_line(&self, from: usize, prefix: &str) -> (usize, String) {
        let t0 = Instant::now();
        loop {
            {
                let lines = self.lines.lock().unwrap();
                if let Some((i, l)) = lines
                    .iter()
                    .enumerate()
                    .skip(from)
                    .find(|(_, l)| l.starts_with(prefix))
                {
                    return (i + 1, l.clone());
                }
                assert!(
                    t0.elapsed() < VERDICT_WAIT,
                    "no line starting with {prefix:?} in {lines:?}"
                );
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Station {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn agent() -> ureq::Agent {
    ureq::Agent::new_with_config(
        ureq::config::Config::builder()
            .http_status_as_error(false)
            .timeout_global(Some(Duration::from_secs(60)))
            .build(),
    )
}

/// Status code, the CORS header if any, and the body as JSON (or as a JSON string).
fn answer(mut res: ureq::http::Response<ureq::Body>) -> (u16, Value) {
    assert!(
        res.headers().get("access-control-allow-origin").is_none(),
        "no response may carry a CORS header"
    );
    let status = res.status().as_u16();
    let text = res.body_mut().read_to_string().unwrap();
    (
        status,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
    )
}

fn get(url: &str) -> (u16, Value) {
    answer(agent().get(url).call().unwrap())
}

fn post(url: &str, body: Option<Value>, token: Option<&str>) -> (u16, Value) {
    let mut req = agent().post(url);
    if let Some(t) = token {
        req = req.header("Authorization", &format!("Bearer {t}"));
    }
    let res = match body {
        Some(b) => req.send_json(&b),
        None => req.send_empty(),
    };
    answer(res.unwrap())
}

/// Polls `/api/status` until `pred` holds.
fn wait_status(url: &str, what: &str, pred: impl Fn(&Value) -> bool) -> Value {
    let t0 = Instant::now();
    loop {
        let (code, s) = get(&format!("{url}/api/status"));
        assert_eq!(code, 200);
        if pred(&s) {
            return s;
        }
        assert!(t0.elapsed() < VERDICT_WAIT, "waited for {what}: {s:#}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// The verdict of the test of `serial` once the station has finished it.
fn wait_verdict(url: &str, serial: &str) -> Value {
    let s = wait_status(url, &format!("the verdict of {serial}"), |s| {
        s["test"].is_null() && s["last"]["serial"] == serial
    });
    s["last"].clone()
}

/// Every SSE event (name, data) from `/api/events`, collected by a thread.
fn follow_events(url: &str) -> Arc<Mutex<Vec<(String, Value)>>> {
    let events = Arc::new(Mutex::new(Vec::new()));
    let sink = events.clone();
    let res = ureq::Agent::new_with_config(
        ureq::config::Config::builder()
            .http_status_as_error(false)
            .build(),
    )
    .get(&format!("{url}/api/events"))
    .call()
    .unwrap();
    assert_eq!(res.status().as_u16(), 200);
    let ctype = res.headers()["content-type"].to_str().unwrap().to_string();
    assert!(ctype.starts_with("text/event-stream"), "{ctype}");
    let reader = BufReader::new(res.into_body().into_reader());
    std::thread::spawn(move || {
        let mut name = String::new();
        for line in reader.lines().map_while(Result::ok) {
            if let Some(n) = line.strip_prefix("event: ") {
                name = n.to_string();
            } else if let Some(d) = line.strip_prefix("data: ") {
                let v: Value = serde_json::from_str(d).unwrap_or(Value::Null);
                sink.lock().unwrap().push((name.clone(), v));
            }
        }
    });
    events
}

#[test]
fn api_runs_checks_and_stops_tests() {
    let dir = scratch("station", "api");
    let emu = Emulator::start("127.0.0.1:0", TIME_SCALE, &[]);
    let cfg = station_toml(&dir, &emu.addr, TIME_SCALE, "");
    let st = Station::start(&cfg, "127.0.0.1:0", &dir);
    let url = &st.url;

    // The page and its script, embedded; no remote asset.
    let (code, page) = get(&format!("{url}/"));
    assert_eq!(code, 200);
    let page = page.as_str().unwrap().to_string();
    assert!(
        page.contains("<canvas") && page.contains("/page.js"),
        "{page}"
    );
    assert!(!page.contains("https://"));
    let (code, js) = get(&format!("{url}/page.js"));
    assert_eq!(code, 200);
    assert!(js.as_str().unwrap().contains("EventSource"));

    let s = wait_status(url, "the rig link", |s| s["rig"]["link"] == "up");
    assert_eq!(s["station_id"], "line1-st3");
    assert_eq!(s["rig"]["estop"], false);
    assert_eq!(s["rig"]["ready"], true, "{s:#}");
    let events = follow_events(url);

    // Requests the station refuses, each naming the field.
    let tests = format!("{url}/api/tests");
    for (body, code, field) in [
        (json!({"serial": "VR200-1"}), 422, "operator"),
        (
            json!({"serial": "VR200-1", "operator": "mallory"}),
            403,
            "operator",
        ),
        (json!({"serial": "XR-1", "operator": "op1"}), 422, "serial"),
        (
            json!({"serial": "VR200-1234567", "operator": "op1"}),
            422,
            "serial",
        ),
        (json!({"serial": 7, "operator": "op1"}), 422, "serial"),
        (
            json!({"serial": "VR200-1", "operator": "op1", "colour": "red"}),
            422,
            "colour",
        ),
    ] {
        let (got, err) = post(&tests, Some(body.clone()), None);
        assert_eq!(got, code, "{body}: {err}");
        assert_eq!(err["field"], field, "{body}: {err}");
        assert!(err["error"].as_str().is_some_and(|e| !e.is_empty()));
    }
    let res = agent()
        .post(&tests)
        .header("Content-Type", "application/json")
        .send("{not json")
        .unwrap();
    let (got, err) = answer(res);
    assert_eq!((got, err["field"].as_str()), (400, Some("body")), "{err}");
    let (got, err) = post(&format!("{url}/api/stop"), None, None);
    assert_eq!(got, 409, "{err}");

    // A test: 202, a second start while it runs is refused, then the verdict.
    let (got, acc) = post(
        &tests,
        Some(json!({"serial": "VR200-0001", "operator": "op1"})),
        None,
    );
    assert_eq!(got, 202, "{acc}");
    assert_eq!(acc["recipe"], "L10 VR200 compute tray (leak only)");
    let (got, err) = post(
        &tests,
        Some(json!({"serial": "VR200-0002", "operator": "op1"})),
        None,
    );
    assert_eq!(
        (got, err["field"].as_str()),
        (409, Some("station")),
        "{err}"
    );
    let last = wait_verdict(url, "VR200-0001");
    assert_eq!(last["outcome"], "pass", "{last:#}");
    assert_eq!(last["kept"], true);
    // The record went through the journal: JSON file with the station's provenance.
    let record: Value =
        serde_json::from_slice(&std::fs::read(last["record"].as_str().unwrap()).unwrap()).unwrap();
    assert_eq!(record["provenance"]["station_id"], "line1-st3");
    assert_eq!(record["provenance"]["operator"], "op1");

    // Stop: the running test is aborted through the sequence's cancel channel.
    let (got, _) = post(
        &tests,
        Some(json!({"serial": "VR200-0003", "operator": "op2"})),
        None,
    );
    assert_eq!(got, 202);
    wait_status(url, "the test to run", |s| !s["test"].is_null());
    std::thread::sleep(Duration::from_millis(300));
    let (got, stop) = post(&format!("{url}/api/stop"), None, None);
    assert_eq!((got, &stop["stopping"]), (202, &json!("VR200-0003")));
    let last = wait_verdict(url, "VR200-0003");
    assert_eq!(last["outcome"], "aborted", "{last:#}");
    let s = wait_status(url, "the rig read after the abort", |s| {
        s["rig"]["ready"] == true
    });
    assert_eq!(s["rig"]["pump_running"], false, "the rig ends safe: {s:#}");

    // Records: the last tests (newest first) and today's first-pass yield (one serial with a
    // verdict, a pass; one serial only aborted).
    let (got, recs) = get(&format!("{url}/api/records"));
    assert_eq!(got, 200);
    let serials: Vec<&str> = recs["tests"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["serial"].as_str().unwrap())
        .collect();
    assert_eq!(serials, ["VR200-0003", "VR200-0001"]);
    assert_eq!(recs["today"]["serials"], 1);
    assert_eq!(recs["today"]["first_pass"], 1);
    assert_eq!(recs["today"]["only_aborted"], 1);
    assert_eq!(recs["today"]["fpy"], 1.0);

    // The event stream carried status changes (the test, then its verdict) and, while the
    // sequence reports them, live events.
    let events = events.lock().unwrap().clone();
    assert!(events
        .iter()
        .any(|(n, v)| n == "status" && v["test"]["serial"] == "VR200-0001"));
    assert!(events
        .iter()
        .any(|(n, v)| n == "status" && v["last"]["outcome"] == "aborted"));
    assert!(events
        .iter()
        .any(|(n, v)| n == "live" && v["type"] == "sample" && v["pressure_kpa"].is_number()));
    assert!(events
        .iter()
        .any(|(n, v)| n == "live" && v["type"] == "finished" && v["outcome"] == "pass"));
    assert!(events.iter().all(|(n, _)| n == "status" || n == "live"));
}

#[test]
fn token_rule_for_a_station_reachable_from_other_hosts() {
    let dir = scratch("station", "token");
    let emu = Emulator::start("127.0.0.1:0", TIME_SCALE, &[]);
    // Bound to every address without a token: refused at startup, naming the field.
    let cfg = station_toml(&dir, &emu.addr, TIME_SCALE, "");
    let out = Command::new(coldtray_exe())
        .args(["station", "--config"])
        .arg(&cfg)
        .args(["--listen", "0.0.0.0:0"])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(err.contains("station.toml: token: required"), "{err}");
    assert_eq!(err.trim().lines().count(), 1, "{err}");

    // With a token: GETs are open, every POST needs it.
    let cfg = station_toml(&dir, &emu.addr, TIME_SCALE, &format!("token = \"{TOKEN}\""));
    let st = Station::start(&cfg, "0.0.0.0:0", &dir);
    let url = &st.url;
    assert_eq!(get(&format!("{url}/")).0, 200);
    assert_eq!(get(&format!("{url}/api/status")).0, 200);
    let body = json!({"serial": "VR200-9", "operator": "op1"});
    for token in [None, Some("wrong-token-wrong-token")] {
        let (got, err) = post(&format!("{url}/api/tests"), Some(body.clone()), token);
        assert_eq!((got, err["field"].as_str()), (401, Some("authorization")));
        assert_eq!(post(&format!("{url}/api/stop"), None, token).0, 401);
    }
    assert_eq!(get(&format!("{url}/api/status")).1["test"], Value::Null);
    assert_eq!(post(&format!("{url}/api/stop"), None, Some(TOKEN)).0, 409);
    wait_status(url, "the rig link", |s| s["rig"]["ready"] == true);
    let (got, acc) = post(&format!("{url}/api/tests"), Some(body), Some(TOKEN));
    assert_eq!(got, 202, "{acc}");
    assert_eq!(wait_verdict(url, "VR200-9")["outcome"], "pass");
}

#[test]
fn scanner_loop_with_operator_badge_and_retest_policy() {
    let dir = scratch("station", "scanner");
    // A leaking tray: every test fails.
    let emu = Emulator::start("127.0.0.1:0", TIME_SCALE, &["--leak-sccm", "2"]);
    let cfg = station_toml(&dir, &emu.addr, TIME_SCALE, "[retest]\nmax = 1\n");
    let mut st = Station::start(&cfg, "127.0.0.1:0", &dir);
    wait_status(&st.url, "the rig link", |s| s["rig"]["ready"] == true);

    st.scan("VR200-7");
    let (at, l) = st.wait_line(0, "refused VR200-7");
    assert!(l.contains("operator"), "{l}");
    st.scan("op2");
    let (at, _) = st.wait_line(at, "operator op2");
    st.scan("VR200-7");
    let (at, l) = st.wait_line(at, "started VR200-7");
    assert!(l.contains("operator op2"), "{l}");
    let (at, l) = st.wait_line(at, "FAIL VR200-7");
    assert!(l.contains("leak"), "{l}");
    // A retest after a FAIL needs a reason; with one it runs (and fails again).
    st.scan("VR200-7");
    let (at, l) = st.wait_line(at, "refused VR200-7");
    assert!(l.contains("reason"), "{l}");
    st.scan("VR200-7 reseated the quick-disconnect");
    let (at, _) = st.wait_line(at, "started VR200-7");
    let (at, _) = st.wait_line(at, "FAIL VR200-7");
    // Two verdicts = one test + the one retest allowed: a third is refused.
    st.scan("VR200-7 once more");
    let (_, l) = st.wait_line(at, "refused VR200-7");
    assert!(l.contains("1 retest"), "{l}");
    let (_, recs) = get(&format!("{}/api/records", st.url));
    assert_eq!(recs["tests"].as_array().unwrap().len(), 2);
    assert_eq!(recs["today"]["fpy"], 0.0);
}

#[test]
fn rig_going_away_between_tests() {
    let dir = scratch("station", "power-cycle");
    let emu = Emulator::start("127.0.0.1:0", TIME_SCALE, &[]);
    let addr = emu.addr.clone();
    let cfg = station_toml(&dir, &addr, TIME_SCALE, "");
    let st = Station::start(&cfg, "127.0.0.1:0", &dir);
    let url = &st.url;
    wait_status(url, "the rig link", |s| s["rig"]["ready"] == true);
    let body = json!({"serial": "VR200-11", "operator": "op1"});

    // Power off: the status shows the link down and no test starts.
    drop(emu);
    wait_status(url, "the link down", |s| s["rig"]["link"] == "down");
    let (got, err) = post(&format!("{url}/api/tests"), Some(body.clone()), None);
    assert_eq!((got, err["field"].as_str()), (503, Some("rig")), "{err}");

    // Back on with the e-stop pressed: refused, saying why.
    let emu = Emulator::start(&addr, TIME_SCALE, &["--estop-at", "0"]);
    wait_status(url, "the e-stop", |s| s["rig"]["estop"] == true);
    let (got, err) = post(&format!("{url}/api/tests"), Some(body.clone()), None);
    assert_eq!((got, err["field"].as_str()), (409, Some("rig")), "{err}");
    assert!(err["error"].as_str().unwrap().contains("e-stop"), "{err}");
    drop(emu);

    // Back on and clear: the same station process tests again.
    let _emu = Emulator::start(&addr, TIME_SCALE, &[]);
    wait_status(url, "the rig back", |s| s["rig"]["ready"] == true);
    let (got, acc) = post(&format!("{url}/api/tests"), Some(body), None);
    assert_eq!(got, 202, "{acc}");
    assert_eq!(wait_verdict(url, "VR200-11")["outcome"], "pass");
}

/// A free loopback port (for chromedriver, which takes a port number).
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// The page in a real browser: Debian's Chromium driven over WebDriver (chromedriver) with
/// fantoccini. A serial typed into the page and Start clicked; the DOM shows the phase and a
/// rising pressure while the test runs and the verdict after it; a 1280×800 screenshot.
#[test]
fn page_in_chromium_runs_a_test() {
    let (Some(chromium), Some(driver)) = (
        external_tool(&["chromium", "chromium-browser"]),
        external_tool(&["chromedriver"]),
    ) else {
        return;
    };
    let dir = scratch("station", "chromium");
    // ×4: the fill (≈ 5 recipe s) lasts over a wall second, long enough to be watched
    // through WebDriver round trips on a loaded machine; the whole test takes ≈ 17 s.
    let scale = 4.0;
    let emu = Emulator::start("127.0.0.1:0", scale, &[]);
    let cfg = station_toml(&dir, &emu.addr, scale, "");
    let st = Station::start(&cfg, "127.0.0.1:0", &dir);
    wait_status(&st.url, "the rig link", |s| s["rig"]["ready"] == true);

    let port = free_port();
    let mut chromedriver = Command::new(&driver)
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let profile = dir.join("profile");
    let caps: serde_json::Map<String, Value> = serde_json::from_value(json!({
        "goog:chromeOptions": {
            "binary": chromium,
            "args": [
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync",
                "--window-size=1280,800",
                format!("--user-data-dir={}", profile.display()),
            ]
        }
    }))
    .unwrap();
    let shot = dir.join("station.png");
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let result = runtime.block_on(async {
        let t0 = Instant::now();
        let client = loop {
            let mut builder = fantoccini::ClientBuilder::new(
                hyper_util::client::legacy::connect::HttpConnector::new(),
            );
            builder.capabilities(caps.clone());
            match builder.connect(&format!("http://127.0.0.1:{port}")).await {
                Ok(c) => break c,
                Err(e) if t0.elapsed() < Duration::from_secs(60) => {
                    let _ = e;
                    tokio::time::sleep(Duration::from_millis(200)).await;
                }
                Err(e) => panic!("chromedriver: {e}"),
            }
        };
        let run = async {
            client.goto(&st.url).await?;
            // A fixed viewport of 1280×800: the window is that plus the browser's own frame.
            let frame = client
                .execute(
                    "return [window.outerWidth - window.innerWidth, window.outerHeight - window.innerHeight]",
                    vec![],
                )
                .await?;
            let (fw, fh) = (
                frame[0].as_u64().unwrap_or(0) as u32,
                frame[1].as_u64().unwrap_or(0) as u32,
            );
            client.set_window_size(1280 + fw, 800 + fh).await?;
            // The page has read the status (the operator list is filled from it).
            let t0 = Instant::now();
            while client
                .execute("return document.getElementById('operator-input').options.length", vec![])
                .await?
                != json!(2)
            {
                assert!(t0.elapsed() < VERDICT_WAIT, "the page never showed the status");
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            let input = client
                .find(fantoccini::Locator::Id("serial-input"))
                .await?;
            input.send_keys("VR200-0042").await?;
            client
                .find(fantoccini::Locator::Id("start-button"))
                .await?
                .click()
                .await?;
            // Watch the DOM: phase text and pressure, until the verdict shows.
            let mut seen: Vec<(String, Option<f64>)> = Vec::new();
            let t0 = Instant::now();
            let verdict = loop {
                let v = client
                    .execute(
                        "return [document.getElementById('phase').textContent, \
                         document.getElementById('pressure').textContent, \
                         document.getElementById('verdict').textContent, \
                         document.getElementById('reason').textContent]",
                        vec![],
                    )
                    .await?;
                let text = |i: usize| v[i].as_str().unwrap_or_default().to_string();
                let kpa = text(1)
                    .trim_end_matches(" kPa")
                    .trim()
                    .parse::<f64>()
                    .ok();
                if !text(2).is_empty() && seen.iter().any(|(p, _)| p != "idle") {
                    break (text(2), text(3));
                }
                seen.push((text(0), kpa));
                assert!(
                    t0.elapsed() < VERDICT_WAIT,
                    "no verdict in the page; seen {seen:?}"
                );
                tokio::time::sleep(Duration::from_millis(50)).await;
            };
            let png = client.screenshot().await?;
            Ok::<_, fantoccini::error::CmdError>((seen, verdict, png))
        }
        .await;
        let _ = client.close().await;
        run
    });
    let _ = chromedriver.kill();
    let _ = chromedriver.wait();
    let (seen, (verdict, reason), png) = result.unwrap();
    assert_eq!(verdict, "PASS", "{reason}; seen {seen:?}");
    assert!(reason.contains("sccm"), "{reason}");
    // The phases of the sequence appeared in the page while the test ran…
    for phase in ["fill", "measure"] {
        assert!(
            seen.iter().any(|(p, _)| p == phase),
            "phase {phase} never shown: {seen:?}"
        );
    }
    // …with a rising pressure during the fill: a later reading above an earlier one by more
    // than sensor noise (the emulator's is well under 1 kPa).
    let fill: Vec<f64> = seen
        .iter()
        .filter(|(p, _)| p == "fill")
        .filter_map(|(_, k)| *k)
        .collect();
    assert!(
        fill.windows(2).any(|w| w[1] > w[0] + 1.0),
        "no rising pressure in the fill: {seen:?}"
    );
    // A PNG at the window size: signature, then the IHDR width and height.
    std::fs::write(&shot, &png).unwrap();
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
    let w = u32::from_be_bytes(png[16..20].try_into().unwrap());
    let h = u32::from_be_bytes(png[20..24].try_into().unwrap());
    assert_eq!((w, h), (1280, 800), "screenshot {}", shot.display());
    assert!(png.len() > 10_000, "screenshot of {} bytes", png.len());
    assert_eq!(std::fs::metadata(&shot).unwrap().len(), png.len() as u64);
}

/// Ctrl-C on the station during a test: the test is aborted through its cancel channel, its
/// record kept, and the process ends cleanly even with an event stream open.
#[test]
fn ctrl_c_aborts_the_running_test_and_keeps_its_record() {
    let dir = scratch("station", "ctrl-c");
    let emu = Emulator::start("127.0.0.1:0", TIME_SCALE, &[]);
    let cfg = station_toml(&dir, &emu.addr, TIME_SCALE, "");
    let mut st = Station::start(&cfg, "127.0.0.1:0", &dir);
    let url = st.url.clone();
    wait_status(&url, "the rig link", |s| s["rig"]["ready"] == true);
    let _events = follow_events(&url);
    let (got, _) = post(
        &format!("{url}/api/tests"),
        Some(json!({"serial": "VR200-77", "operator": "op1"})),
        None,
    );
    assert_eq!(got, 202);
    wait_status(&url, "the test to run", |s| !s["test"]["phase"].is_null());
    let status = Command::new("kill")
        .args(["-INT", &st.child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let t0 = Instant::now();
    let exit = loop {
        if let Some(s) = st.child.try_wait().unwrap() {
            break s;
        }
        assert!(t0.elapsed() < VERDICT_WAIT, "the station did not stop");
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(exit.success(), "{exit:?}");
    let (_, line) = st.wait_line(0, "ABORTED VR200-77");
    assert!(line.contains("[record "), "{line}");
    let records: Vec<PathBuf> = std::fs::read_dir(dir.join("records"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    assert_eq!(records.len(), 1, "{records:?}");
    let record: Value = serde_json::from_slice(&std::fs::read(&records[0]).unwrap()).unwrap();
    assert_eq!(record["outcome"], "aborted");
}
