//! `coldtray emulate`: run the rig emulator (a Modbus TCP server with leak-test physics and
//! faults) until Ctrl-C.

use crate::output::outln;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{bail, Context};
use coldtray_controller::emulator::faults::{Fault, ScheduledFault};
use coldtray_controller::emulator::scenario::load_scenario;
use coldtray_controller::emulator::{self, EmulatorConfig};
use coldtray_controller::rig::parse::load_map;

/// Arguments of `coldtray emulate`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// Register map (map.toml) the emulator serves.
    #[arg(long)]
    map: PathBuf,
    /// Address to listen on [default: 127.0.0.1:<the map's port>].
    #[arg(long)]
    listen: Option<SocketAddr>,
    /// Scenario file: faults at emulated times, seed, time scale, rig parameters.
    #[arg(long)]
    scenario: Option<PathBuf>,
    /// Emulated seconds per wall second [default: 1, or the scenario's].
    #[arg(long)]
    time_scale: Option<f64>,
    /// Seed of the sensor noise [default: 1, or the scenario's].
    #[arg(long)]
    seed: Option<u64>,
    /// A constant leak from the start, sccm.
    #[arg(long)]
    leak_sccm: Option<f64>,
    /// A gross leak from the start (a fill never reaches test pressure).
    #[arg(long)]
    gross_leak: bool,
    /// Regulator failure from the start (pressure climbs past any limit).
    #[arg(long)]
    over_pressure: bool,
    /// Press the emergency stop at this emulated time, s.
    #[arg(long, value_name = "S")]
    estop_at: Option<f64>,
    /// The pressure sensor reads NaN from this emulated time, s.
    #[arg(long, value_name = "S")]
    pressure_nan_at: Option<f64>,
    /// Drop the link at this emulated time, s (refusing connects for --refuse-s wall seconds).
    #[arg(long, value_name = "S")]
    link_drop_at: Option<f64>,
    /// How long a link drop refuses connects, wall seconds.
    #[arg(long, default_value_t = 5.0)]
    refuse_s: f64,
    /// Delay every reply by this many wall milliseconds.
    #[arg(long, value_name = "MS")]
    slow_replies_ms: Option<u64>,
    /// Write the true rig state as JSON to this file every 100 ms (atomically replaced).
    #[arg(long)]
    state_file: Option<PathBuf>,
}

pub(crate) fn run(args: Args) -> anyhow::Result<ExitCode> {
    let map = load_map(&args.map)?;
    let mut config = EmulatorConfig::default();
    if let Some(path) = &args.scenario {
        let sc = load_scenario(path)?;
        config.seed = sc.seed.unwrap_or(config.seed);
        config.time_scale = sc.time_scale.unwrap_or(config.time_scale);
        if let Some(rig) = sc.rig {
            config.rig = rig;
        }
        config.faults = sc.faults;
    }
    if let Some(ts) = args.time_scale {
        if let Err(problem) = emulator::check_time_scale(ts) {
            bail!("--time-scale {problem}");
        }
        config.time_scale = ts;
    }
    config.seed = args.seed.unwrap_or(config.seed);
    let mut at = |at_s: f64, fault: Fault, flag: &str| -> anyhow::Result<()> {
        if !(at_s.is_finite() && at_s >= 0.0) {
            bail!("{flag} {at_s}: must be an emulated time ≥ 0 s");
        }
        config.faults.push(ScheduledFault { at_s, fault });
        Ok(())
    };
    if let Some(sccm) = args.leak_sccm {
        if !(sccm.is_finite() && sccm >= 0.0) {
            bail!("--leak-sccm {sccm}: must be a leak rate ≥ 0 sccm");
        }
        at(0.0, Fault::Leak { sccm }, "--leak-sccm")?;
    }
    if args.gross_leak {
        at(0.0, Fault::GrossLeak, "--gross-leak")?;
    }
    if args.over_pressure {
        at(0.0, Fault::OverPressure, "--over-pressure")?;
    }
    if let Some(t) = args.estop_at {
        at(t, Fault::EStop, "--estop-at")?;
    }
    if let Some(t) = args.pressure_nan_at {
        at(t, Fault::PressureNan, "--pressure-nan-at")?;
    }
    if let Some(t) = args.link_drop_at {
        if !(args.refuse_s.is_finite() && args.refuse_s >= 0.0) {
            bail!("--refuse-s {}: must be ≥ 0 wall seconds", args.refuse_s);
        }
        let refuse_s = args.refuse_s;
        at(t, Fault::LinkDrop { refuse_s }, "--link-drop-at")?;
    }
    if let Some(delay_ms) = args.slow_replies_ms {
        at(0.0, Fault::SlowReplies { delay_ms }, "--slow-replies-ms")?;
    }
    let listen = args
        .listen
        .unwrap_or_else(|| SocketAddr::from(([127, 0, 0, 1], map.connection.port)));

    let runtime = tokio::runtime::Runtime::new().context("cannot start the async runtime")?;
    runtime.block_on(async move {
        let n_faults = config.faults.len();
        let time_scale = config.time_scale;
        let unit_id = map.connection.unit_id;
        let handle = emulator::start(map, listen, config).await?;
        if let Some(path) = args.state_file {
            handle.write_state_file(path, Duration::from_millis(100));
        }
        outln!(
            "coldtray emulate: listening on {} (unit id {unit_id}, time scale {time_scale}×, {n_faults} scheduled fault(s)); Ctrl-C to stop",
            handle.local_addr()
        );
        tokio::signal::ctrl_c()
            .await
            .context("cannot wait for Ctrl-C")?;
        handle.shutdown().await;
        outln!("coldtray emulate: stopped");
        anyhow::Ok(ExitCode::SUCCESS)
    })
}
