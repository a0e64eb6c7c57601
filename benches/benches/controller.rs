//! Samples per second the Modbus client actor (`coldtray_controller::link`) sustains against the
//! in-process rig emulator over loopback.
//!
//! One sample = one `LinkHandle::read` of every sensor (read-only) signal of
//! `examples/rig/map.toml` (discrete inputs and input registers: estop, pump_fault,
//! test_pressure, gas_temperature, flow, inlet/outlet pressure, pump_speed), which the map's
//! read plan turns into one Modbus request per table. Criterion's throughput (elements/s) is
//! samples/s. `read_test_pressure` (one signal, one request) is there for comparison.
//!
//! Run: `cargo bench -p coldtray-benches --bench controller`.
use std::sync::Arc;
use std::time::Duration;

use coldtray_controller::emulator::{self, EmulatorConfig};
use coldtray_controller::link::{Link, LinkConfig};
use coldtray_controller::rig::names::SignalName;
use coldtray_controller::rig::parse::load_map;
use criterion::{criterion_group, criterion_main, Criterion, Throughput};

fn link(c: &mut Criterion) {
    let rt = match tokio::runtime::Runtime::new() {
        Ok(rt) => rt,
        Err(e) => panic!("tokio runtime: {e}"),
    };
    let path = coldtray_benches::examples_dir().join("rig/map.toml");
    let map = match load_map(&path) {
        Ok(m) => m,
        Err(e) => panic!("{e}"),
    };
    let sensors: Vec<SignalName> = map
        .signals()
        .filter(|s| !s.table.is_writable())
        .map(|s| s.name)
        .collect();
    let requests = map.read_plan(&sensors).len();
    println!(
        "{} sensor signals per sample in {requests} Modbus request(s): {:?}",
        sensors.len(),
        sensors
    );
    let listen = "127.0.0.1:0".parse().unwrap_or_else(|e| panic!("{e}"));
    let emu = match rt.block_on(emulator::start(
        map.clone(),
        listen,
        EmulatorConfig::default(),
    )) {
        Ok(e) => e,
        Err(e) => panic!("emulator: {e}"),
    };
    let cfg = LinkConfig::from_map(&map, emu.local_addr());
    let handle = {
        let _guard = rt.enter();
        Link::spawn(Arc::new(map), cfg)
    };
    // Connect (lazy) and check a sample comes back whole.
    match rt.block_on(handle.read(&sensors)) {
        Ok(s) => assert_eq!(s.iter().count(), sensors.len()),
        Err(e) => panic!("first read: {e}"),
    }
    let mut group = c.benchmark_group("controller");
    group
        .sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3))
        .throughput(Throughput::Elements(1));
    group.bench_function("read_all_sensors", |b| {
        b.iter(|| {
            rt.block_on(handle.read(&sensors))
                .map(|s| s.get(SignalName::TestPressure))
        })
    });
    group.bench_function("read_test_pressure", |b| {
        b.iter(|| {
            rt.block_on(handle.read(&[SignalName::TestPressure]))
                .map(|s| s.get(SignalName::TestPressure))
        })
    });
    group.finish();
    drop(handle);
    rt.block_on(emu.shutdown());
}

// No plots: criterion's plotters backend has no font on this machine (and plots cost time).
criterion_group! {
    name = benches;
    config = Criterion::default().without_plots();
    targets = link
}
criterion_main!(benches);
