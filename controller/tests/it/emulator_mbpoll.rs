//! Interoperability with a Modbus client nobody here wrote: `mbpoll` (Debian package
//! `mbpoll`) drives the emulator started in-process on an ephemeral port.
//!
//! mbpoll's references are 1-based unless `-0` is given; we always pass `-0` so `-r` is the
//! wire address the map uses. `-t 3:float` reads input-register floats, little-endian word
//! order unless `-B`. These tests FAIL (not skip) when mbpoll is missing: CI installs it.

use std::time::Duration;

use crate::support::emulator::{example_map, start};
use coldtray_controller::emulator::EmulatorHandle;

/// Runs `mbpoll -m tcp -p PORT -0 -1 -o 1 <args> 127.0.0.1 [values]`; returns (success,
/// stdout, stderr).
async fn mbpoll(emu: &EmulatorHandle, args: &[&str], values: &[&str]) -> (bool, String, String) {
    let port = emu.local_addr().port().to_string();
    let mut cmd = tokio::process::Command::new("mbpoll");
    cmd.args(["-m", "tcp", "-p", &port, "-0", "-1", "-o", "1"])
        .args(args)
        .arg("127.0.0.1");
    if !values.is_empty() {
        cmd.arg("--").args(values);
    }
    let out = match cmd.output().await {
        Ok(o) => o,
        Err(e) => panic!(
            "cannot run mbpoll ({e}); install it: `apt-get install -y mbpoll` (CI's .ci/run does)"
        ),
    };
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// The values mbpoll prints as `[ref]: \tvalue`.
fn values(stdout: &str) -> Vec<(u32, f64)> {
    stdout
        .lines()
        .filter_map(|l| {
            let l = l.trim();
            let rest = l.strip_prefix('[')?;
            let (r, v) = rest.split_once("]:")?;
            Some((r.trim().parse().ok()?, v.trim().parse().ok()?))
        })
        .collect()
}

#[tokio::test]
async fn mbpoll_reads_floats_in_the_maps_word_order() {
    let emu = start(example_map(), 10.0).await;
    // test_pressure and gas_temperature: big-endian floats at input 0 and 2.
    let (ok, out, err) = mbpoll(
        &emu,
        &["-a", "1", "-t", "3:float", "-B", "-r", "0", "-c", "2"],
        &[],
    )
    .await;
    assert!(ok, "{out}\n{err}");
    let v = values(&out);
    let st = emu.state();
    assert_eq!(v.len(), 2, "{out}");
    assert_eq!(v[0].0, 0);
    assert!(
        (v[0].1 - st.pressure_kpa).abs() < 0.01,
        "pressure {v:?} vs {st:?}"
    );
    assert!(
        (v[1].1 - st.sensor_temperature_c).abs() < 0.01,
        "temperature {v:?}"
    );
    emu.shutdown().await;
}

#[tokio::test]
async fn mbpoll_writes_coils_and_registers_that_take_effect() {
    let emu = start(example_map(), 10.0).await;
    // fill, vent, isolation = 1, 0, 1 (coils 0..=2), then a fill is under way.
    let (ok, out, err) = mbpoll(&emu, &["-a", "1", "-t", "0", "-r", "0"], &["1", "0", "1"]).await;
    assert!(ok, "{out}\n{err}");
    let st = emu.state();
    assert!(st.fill_open && !st.vent_open && st.isolation_open, "{st:?}");
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(emu.state().pressure_kpa > 50.0);
    // Pump at 60 % (holding 0, u16 × 0.01 → 6000) and run (coil 3).
    let (ok, _, err) = mbpoll(&emu, &["-a", "1", "-t", "4", "-r", "0"], &["6000"]).await;
    assert!(ok, "{err}");
    let (ok, _, err) = mbpoll(&emu, &["-a", "1", "-t", "0", "-r", "3"], &["1"]).await;
    assert!(ok, "{err}");
    tokio::time::sleep(Duration::from_millis(400)).await; // 4 s emulated = 8 pump τ
                                                          // flow: a little-endian float at input 4 (mbpoll's default word order).
    let (ok, out, err) = mbpoll(&emu, &["-a", "1", "-t", "3:float", "-r", "4"], &[]).await;
    assert!(ok, "{out}\n{err}");
    let v = values(&out);
    let truth = emu.state().flow_lpm;
    assert!(
        (v[0].1 - truth).abs() < 0.1 && (truth - 7.5).abs() < 0.1,
        "flow {v:?} vs {truth}"
    );
    emu.shutdown().await;
}

#[tokio::test]
async fn mbpoll_sees_exceptions() {
    let emu = start(example_map(), 10.0).await;
    // Input register 6 is not mapped.
    let (ok, out, err) = mbpoll(&emu, &["-a", "1", "-t", "3", "-r", "6"], &[]).await;
    assert!(!ok, "{out}");
    assert!(err.contains("Illegal data address"), "{err}");
    // Another unit id: the gateway exception.
    let (ok, _, err) = mbpoll(&emu, &["-a", "2", "-t", "1", "-r", "0"], &[]).await;
    assert!(!ok);
    assert!(err.contains("Target device failed to respond"), "{err}");
    // Writing the read-only estop address in the discrete table is not even possible, but a
    // write to an unmapped coil is refused.
    let (ok, _, err) = mbpoll(&emu, &["-a", "1", "-t", "0", "-r", "9"], &["1"]).await;
    assert!(!ok);
    assert!(err.contains("Illegal data address"), "{err}");
    emu.shutdown().await;
}
