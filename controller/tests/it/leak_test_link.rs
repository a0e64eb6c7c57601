//! The Modbus client actor against the emulator over loopback TCP: a timeout followed by a late
//! reply does not corrupt later reads (the context is dropped and re-opened), a timed-out write
//! is not re-sent, exception replies are typed and keep the connection, contiguous signals are
//! read in one request.

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use crate::support::leak_test::*;
use coldtray_controller::emulator::faults::Fault;
use coldtray_controller::link::error::{LinkError, Op};
use coldtray_controller::link::{Link, LinkConfig};
use coldtray_controller::rig::map::Table;
use coldtray_controller::SignalName::*;
use tokio_modbus::prelude::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn late_reply_after_timeout_does_not_corrupt_later_reads() {
    let map = map(50); // 50 ms wall per request
    let emu = emulator(&map, 1.0, vec![]).await;
    let link = Link::spawn(
        Arc::new(map.clone()),
        LinkConfig::from_map(&map, emu.local_addr()),
    );
    link.write(PumpSpeedSetpoint, 42.0).await.unwrap();
    let writes_before = emu.state().writes;

    emu.inject(Fault::SlowReplies { delay_ms: 120 });
    for _ in 0..3 {
        let e = link
            .read(&[TestPressure, GasTemperature])
            .await
            .unwrap_err();
        assert!(matches!(e, LinkError::Timeout { op: Op::Read, .. }), "{e}");
    }
    let e = link.write(FillValve, 1.0).await.unwrap_err();
    assert!(matches!(e, LinkError::Timeout { op: Op::Write, .. }), "{e}");
    assert!(e.to_string().contains("not re-sent"), "{e}");
    emu.clear_faults();
    // Let the late replies arrive (on sockets the link has already dropped).
    tokio::time::sleep(Duration::from_millis(300)).await;

    for _ in 0..20 {
        let s = link
            .read(&[TestPressure, GasTemperature, Estop, PumpSpeedSetpoint, Flow])
            .await
            .unwrap();
        let truth = emu.state();
        // Sensor noise is 1 Pa and 0.0005 °C (σ): these bounds are > 50 σ.
        assert!(
            (s.get(TestPressure).unwrap() - truth.pressure_kpa).abs() < 0.05,
            "{s:?}"
        );
        assert!(
            (s.get(GasTemperature).unwrap() - 22.0).abs() < 0.05,
            "{s:?}"
        );
        assert_eq!(s.flag(Estop), Some(false));
        // Holding register written earlier reads back (0.01 %/count).
        assert!(
            (s.get(PumpSpeedSetpoint).unwrap() - 42.0).abs() < 0.006,
            "{s:?}"
        );
    }
    let stats = link.stats();
    assert!(
        stats.drops.load(Ordering::Relaxed) >= 4,
        "context dropped on every timeout"
    );
    assert!(stats.connects.load(Ordering::Relaxed) >= 2, "reconnected");
    // The timed-out write reached the PLC at most once: never re-sent by the link.
    let writes_after = emu.state().writes;
    assert!(
        writes_after - writes_before <= 1,
        "{writes_before} → {writes_after}"
    );
}

/// Why the link drops the context: a raw tokio-modbus context that timed out is poisoned —
/// the late reply is read as the answer to the next request.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_kept_context_after_a_timeout_is_poisoned() {
    let map = map(50);
    let emu = emulator(&map, 1.0, vec![]).await;
    let mut ctx = tcp::connect_slave(emu.local_addr(), Slave(1))
        .await
        .unwrap();
    emu.inject(Fault::SlowReplies { delay_ms: 100 });
    let r = tokio::time::timeout(Duration::from_millis(30), ctx.read_input_registers(0, 6)).await;
    assert!(r.is_err(), "timed out");
    emu.clear_faults();
    tokio::time::sleep(Duration::from_millis(200)).await;
    let r = ctx.read_discrete_inputs(0, 2).await;
    assert!(
        !matches!(r, Ok(Ok(_))),
        "the late reply was taken as the answer: {r:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exception_is_typed_and_keeps_the_connection() {
    let map = map(200);
    let emu = emulator(&map, 1.0, vec![]).await;
    let link = Link::spawn(
        Arc::new(map.clone()),
        LinkConfig::from_map(&map, emu.local_addr()),
    );
    link.read(&[TestPressure]).await.unwrap();
    emu.inject(Fault::Exception {
        signal: Estop,
        code: 2,
    });
    let e = link.read(&[Estop, PumpFault]).await.unwrap_err();
    match &e {
        LinkError::Exception {
            op,
            signals,
            table,
            address,
            code,
            ..
        } => {
            assert_eq!(*op, Op::Read);
            assert_eq!(signals, &vec![Estop, PumpFault]);
            assert_eq!(*table, Table::Discrete);
            assert_eq!((*address, *code), (0, 2));
        }
        other => panic!("not an exception: {other}"),
    }
    assert!(!e.is_transport());
    assert!(e.to_string().contains("estop"), "{e}");
    // The connection is kept: no drop, no reconnect, and other reads work.
    link.read(&[TestPressure]).await.unwrap();
    assert_eq!(link.stats().drops.load(Ordering::Relaxed), 0);
    assert_eq!(link.stats().connects.load(Ordering::Relaxed), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn contiguous_signals_are_read_in_one_request_and_caller_errors_are_typed() {
    let map = map(200);
    let emu = emulator(&map, 1.0, vec![]).await;
    let link = Link::spawn(
        Arc::new(map.clone()),
        LinkConfig::from_map(&map, emu.local_addr()),
    );
    link.read(&[TestPressure]).await.unwrap();
    let before = emu.state().requests;
    // Input registers 0..6 (pressure, temperature, flow) are contiguous: one request.
    link.read(&[TestPressure, GasTemperature, Flow])
        .await
        .unwrap();
    assert_eq!(emu.state().requests - before, 1);
    // input 0..6 + input 10..13 + discrete 0..2: three requests.
    let before = emu.state().requests;
    link.read(&[
        TestPressure,
        GasTemperature,
        Flow,
        InletPressure,
        OutletPressure,
        PumpSpeed,
        Estop,
        PumpFault,
    ])
    .await
    .unwrap();
    assert_eq!(emu.state().requests - before, 3);
    assert!(matches!(
        link.write(Estop, 1.0).await,
        Err(LinkError::ReadOnly(Estop, Table::Discrete))
    ));
    assert!(matches!(
        link.write(PumpSpeedSetpoint, 1000.0).await,
        Err(LinkError::Value { .. })
    ));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refused_connection_is_a_transport_error_and_recovers() {
    let map = map(100);
    let emu = emulator(&map, 1.0, vec![]).await;
    let link = Link::spawn(
        Arc::new(map.clone()),
        LinkConfig::from_map(&map, emu.local_addr()),
    );
    link.read(&[TestPressure]).await.unwrap();
    emu.inject(Fault::LinkDrop { refuse_s: 0.3 });
    tokio::time::sleep(Duration::from_millis(20)).await;
    let e = link.read(&[TestPressure]).await.unwrap_err();
    assert!(e.is_transport(), "{e}");
    // Back after the refusal ends (plus backoff).
    let end = tokio::time::Instant::now() + Duration::from_secs(3);
    loop {
        if link.read(&[TestPressure]).await.is_ok() {
            break;
        }
        assert!(tokio::time::Instant::now() < end, "link never came back");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}
