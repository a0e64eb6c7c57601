//! The emulator over Modbus TCP with tokio-modbus's client: every signal where the map puts
//! it, word orders, scaling, exceptions, unit id.

use std::path::Path;
use std::time::Duration;

use crate::support::emulator::{client, example_map, start};
use coldtray_controller::emulator::{self, EmulatorConfig};
use coldtray_controller::rig::parse::parse_map;
use coldtray_controller::SignalName;
use tokio_modbus::prelude::*;

fn f32_big(w: &[u16]) -> f32 {
    f32::from_bits((u32::from(w[0]) << 16) | u32::from(w[1]))
}

#[tokio::test]
async fn reads_every_signal_in_its_type_and_word_order() {
    let map = example_map();
    let emu = start(map.clone(), 1.0).await;
    let mut ctx = client(&emu, 1).await;
    // test_pressure + gas_temperature: f32 big-endian at input 0..=3, one request.
    let w = ctx.read_input_registers(0, 4).await.unwrap().unwrap();
    let p = f32_big(&w[0..2]);
    let t = f32_big(&w[2..4]);
    assert!(p.abs() < 0.01, "tray at rest reads {p} kPa");
    assert!((t - 22.0).abs() < 0.01, "gas temperature {t} °C");
    // The map's decode agrees with the hand decode.
    let sig = map.get(SignalName::TestPressure).unwrap();
    assert_eq!(sig.decode(&w[0..2]).unwrap(), f64::from(p));
    // Pump: run at 60 % (setpoint u16 scale 0.01 → 6000 counts), then read flow (f32 little
    // endian), inlet/outlet (u16 × 0.1) and speed.
    ctx.write_single_register(0, 6000).await.unwrap().unwrap();
    ctx.write_single_coil(3, true).await.unwrap().unwrap();
    let st = emu.state();
    assert!(st.pump_run);
    assert!((st.pump_speed_setpoint_pct - 60.0).abs() < 1e-9);
    tokio::time::sleep(Duration::from_millis(2500)).await; // 5 pump time constants
    let w = ctx.read_input_registers(4, 2).await.unwrap().unwrap();
    let flow = f32::from_bits((u32::from(w[1]) << 16) | u32::from(w[0]));
    let truth = emu.state();
    assert!(
        (f64::from(flow) - truth.flow_lpm).abs() < 0.1,
        "{flow} vs {}",
        truth.flow_lpm
    );
    assert!(
        (truth.flow_lpm - 7.5).abs() < 0.1,
        "flow at 60 %: {}",
        truth.flow_lpm
    );
    let w = ctx.read_input_registers(10, 3).await.unwrap().unwrap();
    let dp = (f64::from(w[0]) - f64::from(w[1])) * 0.1;
    assert!(
        (dp - truth.dp_kpa).abs() < 0.5,
        "ΔP {dp} vs {}",
        truth.dp_kpa
    );
    assert!((f64::from(w[2]) * 0.01 - truth.pump_speed_pct).abs() < 0.5);
    // Setpoint reads back.
    assert_eq!(
        ctx.read_holding_registers(0, 1).await.unwrap().unwrap(),
        vec![6000]
    );
    emu.shutdown().await;
}

#[tokio::test]
async fn writes_take_effect() {
    let emu = start(example_map(), 1.0).await;
    let mut ctx = client(&emu, 1).await;
    ctx.write_multiple_coils(0, &[true, false, true])
        .await
        .unwrap()
        .unwrap();
    let st = emu.state();
    assert!(st.fill_open && !st.vent_open && st.isolation_open);
    assert_eq!(
        ctx.read_coils(0, 4).await.unwrap().unwrap(),
        vec![true, false, true, false]
    );
    // heartbeat: u32 little-endian at holding 1..=2; 70000 = 0x0001_1170 → [0x1170, 0x0001].
    ctx.write_multiple_registers(1, &[0x1170, 0x0001])
        .await
        .unwrap()
        .unwrap();
    assert_eq!(emu.state().heartbeat, 70000);
    assert_eq!(emu.state().writes, 2);
    emu.shutdown().await;
}

#[tokio::test]
async fn exceptions_for_bad_requests() {
    let emu = start(example_map(), 1.0).await;
    let mut ctx = client(&emu, 1).await;
    // Unmapped address (input 6..=9 are a gap) and a range running into it.
    assert_eq!(
        ctx.read_input_registers(6, 1).await.unwrap(),
        Err(ExceptionCode::IllegalDataAddress)
    );
    assert_eq!(
        ctx.read_input_registers(4, 3).await.unwrap(),
        Err(ExceptionCode::IllegalDataAddress)
    );
    assert_eq!(
        ctx.read_coils(4, 1).await.unwrap(),
        Err(ExceptionCode::IllegalDataAddress)
    );
    // Quantity 0 is illegal.
    assert_eq!(
        ctx.read_input_registers(0, 0).await.unwrap(),
        Err(ExceptionCode::IllegalDataValue)
    );
    // Pump speed setpoint above 100 % (10001 × 0.01).
    assert_eq!(
        ctx.write_single_register(0, 10001).await.unwrap(),
        Err(ExceptionCode::IllegalDataValue)
    );
    // Half of the 32-bit heartbeat.
    assert_eq!(
        ctx.write_single_register(1, 5).await.unwrap(),
        Err(ExceptionCode::IllegalDataAddress)
    );
    // Unsupported function.
    assert_eq!(
        ctx.masked_write_register(0, 0xFFFF, 0).await.unwrap(),
        Err(ExceptionCode::IllegalFunction)
    );
    // Nothing was written by the failed requests.
    assert_eq!(emu.state().writes, 0);
    emu.shutdown().await;
}

#[tokio::test]
async fn read_only_signal_in_holding_rejects_writes() {
    let text = r#"
[connection]
host = "127.0.0.1"
port = 5020
unit_id = 7
[signals.test_pressure]
table = "holding"
address = 10
type = "i32"
scale = 0.001
[signals.fill_valve]
table = "coil"
address = 0
[signals.vent_valve]
table = "coil"
address = 1
[signals.estop]
table = "coil"
address = 2
"#;
    let map = parse_map(text, Path::new("map.toml")).unwrap();
    let emu = start(map, 1.0).await;
    let mut ctx = client(&emu, 7).await;
    assert_eq!(
        ctx.write_multiple_registers(10, &[0, 1]).await.unwrap(),
        Err(ExceptionCode::IllegalDataAddress)
    );
    assert_eq!(
        ctx.write_single_coil(2, true).await.unwrap(),
        Err(ExceptionCode::IllegalDataAddress)
    );
    // i32 with scale 0.001: a tray at rest reads ≈ 0 counts (± noise of 1 Pa = 1 count).
    let w = ctx.read_holding_registers(10, 2).await.unwrap().unwrap();
    let raw = ((u32::from(w[0]) << 16) | u32::from(w[1])) as i32;
    assert!(raw.abs() < 10, "raw {raw}");
    // A map without isolation_valve: fill alone opens the path.
    ctx.write_single_coil(0, true).await.unwrap().unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(emu.state().pressure_kpa > 10.0);
    // Unit id: only 7 is served; others get "gateway target device failed to respond".
    let mut other = client(&emu, 1).await;
    assert_eq!(
        other.read_holding_registers(10, 2).await.unwrap(),
        Err(ExceptionCode::GatewayTargetDevice)
    );
    emu.shutdown().await;
}

#[tokio::test]
async fn shutdown_closes_client_sockets_and_listener() {
    let emu = start(example_map(), 1.0).await;
    let addr = emu.local_addr();
    let mut ctx = client(&emu, 1).await;
    ctx.read_coils(0, 1).await.unwrap().unwrap();
    emu.shutdown().await;
    let r = tokio::time::timeout(Duration::from_secs(2), ctx.read_coils(0, 1))
        .await
        .unwrap();
    assert!(r.is_err(), "request after shutdown must fail, got {r:?}");
    assert!(tokio::net::TcpStream::connect(addr).await.is_err());
}

#[tokio::test]
async fn same_seed_same_noise() {
    // At rest the true pressure is constant, so the readings are exactly the noise sequence.
    async fn readings(seed: u64) -> Vec<u32> {
        let config = EmulatorConfig {
            seed,
            ..EmulatorConfig::default()
        };
        let emu = emulator::start(example_map(), "127.0.0.1:0".parse().unwrap(), config)
            .await
            .unwrap();
        let mut ctx = client(&emu, 1).await;
        let mut out = Vec::new();
        for _ in 0..20 {
            let w = ctx.read_input_registers(0, 2).await.unwrap().unwrap();
            out.push((u32::from(w[0]) << 16) | u32::from(w[1]));
        }
        emu.shutdown().await;
        out
    }
    let a = readings(5).await;
    assert_eq!(a, readings(5).await);
    assert_ne!(a, readings(6).await);
}

#[tokio::test]
async fn state_file_is_rewritten_as_json() {
    let emu = start(example_map(), 1.0).await;
    let dir = std::env::temp_dir().join(format!("coldtray-emu-state-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("state.json");
    emu.write_state_file(path.clone(), Duration::from_millis(50));
    let mut ctx = client(&emu, 1).await;
    ctx.write_single_coil(1, true).await.unwrap().unwrap();
    tokio::time::sleep(Duration::from_millis(250)).await;
    let st: emulator::TrueState =
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    assert!(st.vent_open && st.t_s > 0.1, "{st:?}");
    emu.shutdown().await;
    std::fs::remove_dir_all(&dir).unwrap();
}

/// The emulator announces itself where the map declares `rig_is_emulator` (discrete input 3
/// in the shipped map), so the runner records its tests as dry runs.
#[tokio::test]
async fn the_emulator_says_it_is_one_where_the_map_declares_it() {
    let map = example_map();
    let sig = map
        .get(SignalName::RigIsEmulator)
        .expect("shipped map declares it");
    let emu = start(map.clone(), 1.0).await;
    let mut ctx = client(&emu, 1).await;
    let bits = ctx
        .read_discrete_inputs(sig.address, 1)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(bits, [true]);
}
