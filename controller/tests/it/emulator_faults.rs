//! Every fault kind is observable over Modbus (or in the true state), injected now or
//! scheduled at an emulated time, and leak physics checked from the true state with the
//! pressure-decay leak formula.

use std::time::{Duration, Instant};

use crate::support::emulator::{client, example_map, start_config};
use coldtray_controller::emulator::faults::{Fault, ScheduledFault};
use coldtray_controller::emulator::{EmulatorConfig, EmulatorHandle};
use coldtray_controller::SignalName;
use tokio_modbus::prelude::*;

async fn start_with(time_scale: f64, faults: Vec<ScheduledFault>) -> EmulatorHandle {
    let config = EmulatorConfig {
        time_scale,
        seed: 42,
        faults,
        ..EmulatorConfig::default()
    };
    start_config(example_map(), config).await
}

async fn pressure(ctx: &mut client::Context) -> f32 {
    let w = ctx.read_input_registers(0, 2).await.unwrap().unwrap();
    f32::from_bits((u32::from(w[0]) << 16) | u32::from(w[1]))
}

/// Fill: fill + isolation open, vent closed (coils 0, 1, 2).
async fn fill(ctx: &mut client::Context) {
    ctx.write_multiple_coils(0, &[true, false, true])
        .await
        .unwrap()
        .unwrap();
}

async fn close_all(ctx: &mut client::Context) {
    ctx.write_multiple_coils(0, &[false, false, false])
        .await
        .unwrap()
        .unwrap();
}

#[tokio::test]
async fn pressure_sensor_faults() {
    let emu = start_with(1.0, vec![]).await;
    let mut ctx = client(&emu, 1).await;
    emu.inject(Fault::PressureNan);
    assert!(pressure(&mut ctx).await.is_nan());
    emu.clear_faults();
    emu.inject(Fault::PressureStuck);
    let stuck = pressure(&mut ctx).await;
    fill(&mut ctx).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(emu.state().pressure_kpa > 20.0);
    assert_eq!(
        pressure(&mut ctx).await,
        stuck,
        "a stuck sensor does not follow the fill"
    );
    emu.clear_faults();
    close_all(&mut ctx).await;
    let p0 = f64::from(pressure(&mut ctx).await);
    emu.inject(Fault::PressureDrift { kpa_per_s: 10.0 });
    tokio::time::sleep(Duration::from_millis(500)).await;
    let st = emu.state();
    let drifted = f64::from(pressure(&mut ctx).await) - st.pressure_kpa;
    // ≈ 10 kPa/s × 0.5 s; the sleep lasts at least 0.5 s (more on a loaded machine).
    assert!(
        (4.5..8.0).contains(&drifted),
        "drift {drifted} kPa (p0 {p0})"
    );
    emu.shutdown().await;
}

#[tokio::test]
async fn estop_pump_fault_and_blocked_flow() {
    let emu = start_with(10.0, vec![]).await;
    let mut ctx = client(&emu, 1).await;
    assert_eq!(
        ctx.read_discrete_inputs(0, 2).await.unwrap().unwrap(),
        vec![false, false]
    );
    ctx.write_single_register(0, 6000).await.unwrap().unwrap();
    ctx.write_single_coil(3, true).await.unwrap().unwrap();
    tokio::time::sleep(Duration::from_millis(400)).await; // 4 s emulated = 8 pump τ
    let normal = emu.state();
    assert!((normal.flow_lpm - 7.5).abs() < 0.05, "{}", normal.flow_lpm);
    emu.inject(Fault::BlockedFlow);
    let blocked = emu.state();
    // A blocked path: flow collapses, ΔP rises toward the pump's shut-off head at 60 %
    // (150 kPa × 0.36 = 54 kPa), above the recipe's 45 kPa band.
    assert!(
        blocked.flow_lpm < 3.0 && blocked.dp_kpa > 45.0,
        "{blocked:?}"
    );
    emu.inject(Fault::PumpFault);
    assert_eq!(
        ctx.read_discrete_inputs(1, 1).await.unwrap().unwrap(),
        vec![true]
    );
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert!(
        emu.state().pump_speed_pct < 1.0,
        "a tripped drive stops the pump"
    );
    emu.clear_faults();
    emu.inject(Fault::EStop);
    assert_eq!(
        ctx.read_discrete_inputs(0, 1).await.unwrap().unwrap(),
        vec![true]
    );
    // The e-stop's hardware drops the pump whatever is commanded; coils read as written.
    assert!(emu.state().pump_run);
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert!(emu.state().pump_speed_pct < 1.0);
    emu.shutdown().await;
}

#[tokio::test]
async fn exception_and_slow_replies() {
    let emu = start_with(1.0, vec![]).await;
    let mut ctx = client(&emu, 1).await;
    emu.inject(Fault::Exception {
        signal: SignalName::GasTemperature,
        code: 4,
    });
    // A request touching gas_temperature (input 2..=3) gets the code; others do not.
    assert_eq!(
        ctx.read_input_registers(0, 4).await.unwrap(),
        Err(ExceptionCode::ServerDeviceFailure)
    );
    ctx.read_input_registers(0, 2).await.unwrap().unwrap();
    emu.clear_faults();
    emu.inject(Fault::SlowReplies { delay_ms: 300 });
    let t0 = Instant::now();
    ctx.read_coils(0, 1).await.unwrap().unwrap();
    let took = t0.elapsed();
    assert!(took >= Duration::from_millis(300), "{took:?}");
    // A client with a shorter timeout gives up.
    let r = tokio::time::timeout(Duration::from_millis(100), ctx.read_coils(0, 1)).await;
    assert!(r.is_err(), "reply should take longer than 100 ms");
    emu.shutdown().await;
}

#[tokio::test]
async fn link_drop_closes_sockets_and_refuses_then_recovers() {
    let emu = start_with(1.0, vec![]).await;
    let addr = emu.local_addr();
    let mut ctx = client(&emu, 1).await;
    ctx.read_coils(0, 1).await.unwrap().unwrap();
    emu.inject(Fault::LinkDrop { refuse_s: 1.5 });
    // The ticker acts within 5 ms; allow a loaded machine up to 1 s.
    let t0 = Instant::now();
    loop {
        let r = tokio::time::timeout(Duration::from_secs(1), ctx.read_coils(0, 1)).await;
        if !matches!(r, Ok(Ok(Ok(_)))) {
            break;
        }
        assert!(t0.elapsed() < Duration::from_secs(1), "link never dropped");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert!(
        tokio::net::TcpStream::connect(addr).await.is_err(),
        "connects are refused"
    );
    // After the refuse window the same address accepts again.
    let t0 = Instant::now();
    let mut again = loop {
        if let Ok(c) = tcp::connect_slave(addr, Slave(1)).await {
            break c;
        }
        assert!(
            t0.elapsed() < Duration::from_secs(5),
            "never accepted again"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert!(
        t0.elapsed() > Duration::from_millis(500),
        "refused for too short a time"
    );
    again.read_coils(0, 1).await.unwrap().unwrap();
    emu.shutdown().await;
}

#[tokio::test]
async fn scheduled_faults_fire_at_emulated_times() {
    // time scale 20: e-stop at 20 s emulated = 1 s wall; link drop at 40 s = 2 s wall.
    let emu = start_with(
        20.0,
        vec![
            ScheduledFault {
                at_s: 20.0,
                fault: Fault::EStop,
            },
            ScheduledFault {
                at_s: 40.0,
                fault: Fault::LinkDrop { refuse_s: 5.0 },
            },
        ],
    )
    .await;
    let mut ctx = client(&emu, 1).await;
    assert_eq!(
        ctx.read_discrete_inputs(0, 1).await.unwrap().unwrap(),
        vec![false]
    );
    tokio::time::sleep(Duration::from_millis(1300)).await;
    assert_eq!(
        ctx.read_discrete_inputs(0, 1).await.unwrap().unwrap(),
        vec![true]
    );
    assert!(emu.state().t_s >= 20.0);
    tokio::time::sleep(Duration::from_millis(1000)).await;
    assert!(emu.state().t_s >= 40.0);
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert!(tokio::net::TcpStream::connect(emu.local_addr())
        .await
        .is_err());
    emu.shutdown().await;
}

/// Fill to 525 kPa over Modbus, close, wait `stab_s`, and measure `meas_s` from the TRUE
/// state with the pressure-decay leak formula V·(P1/T1 − P2/T2)·(273.15/101.325)/(Δt/60) (true gas temperature).
async fn true_leak(
    emu: &EmulatorHandle,
    ctx: &mut client::Context,
    stab_s: f64,
    meas_s: f64,
) -> f64 {
    fill(ctx).await;
    while pressure(ctx).await < 525.0 {
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    close_all(ctx).await;
    let scale = 60.0;
    tokio::time::sleep(Duration::from_secs_f64(stab_s / scale)).await;
    let a = emu.state();
    tokio::time::sleep(Duration::from_secs_f64(meas_s / scale)).await;
    let b = emu.state();
    let pa = |s: &coldtray_controller::emulator::TrueState| {
        (s.pressure_kpa + 101.325) / (s.gas_temperature_c + 273.15)
    };
    400.0 * (pa(&a) - pa(&b)) * (273.15 / 101.325) / ((b.t_s - a.t_s) / 60.0)
}

#[tokio::test]
async fn leak_and_gross_leak_over_modbus() {
    let emu = start_with(
        60.0,
        vec![ScheduledFault {
            at_s: 0.0,
            fault: Fault::Leak { sccm: 2.0 },
        }],
    )
    .await;
    let mut ctx = client(&emu, 1).await;
    let leak = true_leak(&emu, &mut ctx, 20.0, 30.0).await;
    // Constant molar outflow: the formula with the true temperature recovers it exactly, up to
    // f32 reading of the fill threshold (irrelevant) — 1 % covers f64 rounding generously.
    assert!((leak - 2.0).abs() < 0.02, "leak {leak}");
    assert!((emu.state().true_leak_sccm - 2.0).abs() < 1e-9);
    emu.shutdown().await;

    let emu = start_with(60.0, vec![]).await;
    let mut ctx = client(&emu, 1).await;
    emu.inject(Fault::GrossLeak);
    fill(&mut ctx).await;
    tokio::time::sleep(Duration::from_millis(500)).await; // 30 s emulated = fill_timeout_s
    let p = pressure(&mut ctx).await;
    assert!(p < 525.0 && p > 200.0, "gross leak fill reaches {p}");
    emu.shutdown().await;
}

#[tokio::test]
async fn over_pressure_climbs_with_valves_closed_until_vented() {
    let emu = start_with(10.0, vec![]).await;
    let mut ctx = client(&emu, 1).await;
    emu.inject(Fault::OverPressure);
    tokio::time::sleep(Duration::from_millis(600)).await; // 6 s emulated
    assert!(pressure(&mut ctx).await > 700.0);
    ctx.write_single_coil(1, true).await.unwrap().unwrap(); // vent
    tokio::time::sleep(Duration::from_millis(600)).await;
    let p = emu.state().pressure_kpa;
    // With the vent open it settles at Ps·C_fill/(C_fill + C_vent) = 1000·91.4/310.4 ≈ 294 kPa.
    assert!((p - 294.5).abs() < 5.0, "{p}");
    emu.shutdown().await;
}
