//! Shared start-up of the emulator tests: the shipped map, an emulator on an ephemeral
//! loopback port, and a tokio-modbus client to it.

use std::path::PathBuf;

use coldtray_controller::emulator::{self, EmulatorConfig, EmulatorHandle};
use coldtray_controller::rig::parse::load_map;
use coldtray_controller::RegisterMap;
use tokio_modbus::prelude::*;

/// `examples/rig/map.toml`.
pub(crate) fn example_map() -> RegisterMap {
    load_map(&PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../examples/rig/map.toml")).unwrap()
}

/// An emulator serving `map` with `config` on 127.0.0.1, ephemeral port.
pub(crate) async fn start_config(map: RegisterMap, config: EmulatorConfig) -> EmulatorHandle {
    emulator::start(map, "127.0.0.1:0".parse().unwrap(), config)
        .await
        .unwrap()
}

/// An emulator with default physics and no faults, at `time_scale`.
pub(crate) async fn start(map: RegisterMap, time_scale: f64) -> EmulatorHandle {
    let config = EmulatorConfig {
        time_scale,
        ..EmulatorConfig::default()
    };
    start_config(map, config).await
}

/// A tokio-modbus TCP client to the emulator, addressing unit `unit`.
pub(crate) async fn client(emu: &EmulatorHandle, unit: u8) -> client::Context {
    tcp::connect_slave(emu.local_addr(), Slave(unit))
        .await
        .unwrap()
}
