//! `coldtray station`: one L10 leak-test station as a long-running service. It keeps the link
//! to its rig open between tests, takes serial numbers from a barcode scanner (lines on
//! standard input) or from its web page, checks each request (serial format, recipe by serial
//! pattern, operator, retest policy, the rig's e-stop and safe state), runs one test at a time
//! and commits every record through the record journal, so a verdict is never lost.
//!
//! Modules, each depending only on those before it:
//! - [`config`] — `station.toml`;
//! - [`service`] — the rig task, the status and the event stream;
//! - [`web`] — the operator page and the JSON API (docs/formats/station-api.md);
//! - [`scanner`] — the standard-input loop of a USB barcode scanner.

#![deny(missing_docs)]

pub mod config;
pub mod scanner;
pub mod service;
pub mod web;

use std::time::Duration;

pub use config::{load_station, Overrides, StationConfig};
pub use service::Station;

/// The station could not run.
#[derive(Debug, thiserror::Error)]
pub enum StationError {
    /// The store, the record directory, the rig address or the rig's lock.
    #[error(transparent)]
    Start(#[from] Box<service::StartError>),
    /// The web address.
    #[error("cannot listen on {addr}: {source}; give a free `listen` address in the station file")]
    Listen {
        /// The address.
        addr: std::net::SocketAddr,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// The async runtime or the signal handlers.
    #[error("cannot start the station: {0}")]
    Runtime(#[source] std::io::Error),
}

/// Runs the station until Ctrl-C or SIGTERM: a running test is stopped (the rig driven safe,
/// the record kept) before the process ends. With `scanner`, serial numbers are read from
/// standard input.
pub fn run(config: StationConfig, scanner: bool) -> Result<(), StationError> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(StationError::Runtime)?;
    let result = runtime.block_on(serve(config, scanner));
    // The scanner's read of standard input blocks a thread until a line comes; do not wait
    // for it (dropping the runtime would).
    runtime.shutdown_background();
    result
}

/// As [`run`], inside a runtime.
pub async fn serve(config: StationConfig, scanner: bool) -> Result<(), StationError> {
    let listen = config.listen;
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .map_err(|source| StationError::Listen {
            addr: listen,
            source,
        })?;
    let local = listener
        .local_addr()
        .map_err(|source| StationError::Listen {
            addr: listen,
            source,
        })?;
    let station = Station::start(config).map_err(Box::new)?;
    println!(
        "coldtray station {}: listening on http://{local} (rig {})",
        station.config().id,
        station.status().rig.address
    );
    if scanner {
        tokio::spawn(scanner::run(station.clone(), tokio::io::stdin()));
    }
    let app = web::router(station.clone());
    let (stopped_tx, stopped_rx) = tokio::sync::oneshot::channel::<()>();
    let stop = {
        let station = station.clone();
        async move {
            wait_for_stop_signal().await;
            eprintln!("stopping: a running test is aborted and recorded first…");
            let _ = station.stop_test().await;
            let t0 = tokio::time::Instant::now();
            while station.status().test.is_some() && t0.elapsed() < Duration::from_secs(120) {
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            let _ = stopped_tx.send(());
        }
    };
    let server = axum::serve(listener, app).with_graceful_shutdown(stop);
    // Open event streams (a page left open) never end by themselves: once the test is
    // stopped and recorded, other requests get a moment to finish, then the station ends.
    let linger = async {
        if stopped_rx.await.is_ok() {
            tokio::time::sleep(Duration::from_secs(2)).await;
        } else {
            std::future::pending::<()>().await;
        }
    };
    tokio::select! {
        r = server => r.map_err(StationError::Runtime),
        _ = linger => Ok(()),
    }
}

#[cfg(unix)]
async fn wait_for_stop_signal() {
    use tokio::signal::unix::{signal, SignalKind};
    match (
        signal(SignalKind::interrupt()),
        signal(SignalKind::terminate()),
    ) {
        (Ok(mut int), Ok(mut term)) => {
            tokio::select! {
                _ = int.recv() => {}
                _ = term.recv() => {}
            }
        }
        _ => {
            let _ = tokio::signal::ctrl_c().await;
        }
    }
}

#[cfg(not(unix))]
async fn wait_for_stop_signal() {
    let _ = tokio::signal::ctrl_c().await;
}
