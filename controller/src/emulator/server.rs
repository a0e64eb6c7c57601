//! The Modbus TCP server: tokio-modbus's `Server` with one [`RigService`] per connection, a
//! ticker that keeps the physics moving between requests, and link-drop handling.
//!
//! A link drop (and shutdown) drops the `serve` future: tokio-modbus then cancels every
//! connection task (its cancellation token's drop guard lives in that future), which closes
//! the client sockets, and dropping the `Server` closes the listening socket so new connects
//! are refused. After `refuse_s` wall seconds the same address is bound again (SO_REUSEADDR).

use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use tokio::net::{TcpListener, TcpSocket};
use tokio::sync::{mpsc, watch};
use tokio_modbus::server::tcp::Server;
use tokio_modbus::{ExceptionCode, Response, SlaveRequest};

use super::{service, Shared};

/// One connection's service: every request goes to the shared rig.
pub(crate) struct RigService {
    shared: Arc<Shared>,
    /// This connection has written (counted once in `Sim::writer_connections`).
    wrote: Arc<std::sync::atomic::AtomicBool>,
}

impl tokio_modbus::server::Service for RigService {
    type Request = SlaveRequest<'static>;
    type Response = Response;
    type Exception = ExceptionCode;
    type Future = Pin<Box<dyn Future<Output = Result<Response, ExceptionCode>> + Send>>;

    fn call(&self, req: Self::Request) -> Self::Future {
        let shared = Arc::clone(&self.shared);
        let wrote = Arc::clone(&self.wrote);
        Box::pin(async move {
            let delay_ms = shared.lock_advanced().faults.slow_ms;
            if delay_ms > 0 {
                tokio::time::sleep(Duration::from_millis(delay_ms)).await;
            }
            service::handle(&shared, req, &wrote)
        })
    }
}

/// Binds a listener with SO_REUSEADDR so the port can be bound again after a link drop.
pub(crate) fn bind(addr: SocketAddr) -> io::Result<TcpListener> {
    let socket = if addr.is_ipv4() {
        TcpSocket::new_v4()?
    } else {
        TcpSocket::new_v6()?
    };
    socket.set_reuseaddr(true)?;
    socket.bind(addr)?;
    socket.listen(1024)
}

/// Serves until `shutdown` turns true. `drops` carries link-drop refuse times (wall s).
pub(crate) async fn run(
    shared: Arc<Shared>,
    first: TcpListener,
    addr: SocketAddr,
    mut drops: mpsc::UnboundedReceiver<f64>,
    mut shutdown: watch::Receiver<bool>,
) {
    let mut listener = Some(first);
    loop {
        let l = match listener.take() {
            Some(l) => l,
            None => match bind(addr) {
                Ok(l) => l,
                Err(e) => {
                    tracing::warn!("emulator: cannot bind {addr} again: {e}; retrying");
                    tokio::select! {
                        _ = tokio::time::sleep(Duration::from_millis(50)) => continue,
                        _ = shutdown.wait_for(|s| *s) => return,
                    }
                }
            },
        };
        let refuse_s = {
            let server = Server::new(l);
            let sh = Arc::clone(&shared);
            let on_connected = move |stream, _peer: SocketAddr| {
                let svc = RigService {
                    shared: Arc::clone(&sh),
                    wrote: Arc::default(),
                };
                async move { Ok(Some((svc, stream))) }
            };
            let on_error = |e: io::Error| tracing::debug!("emulator: connection closed: {e}");
            tokio::select! {
                res = server.serve(&on_connected, on_error) => {
                    // Only an accept error ends `serve` (e.g. out of file descriptors).
                    tracing::warn!("emulator: accept failed: {res:?}; listening again");
                    0.05
                }
                Some(refuse_s) = drops.recv() => refuse_s,
                _ = shutdown.wait_for(|s| *s) => return,
            }
            // `server` (listener) and the serve future (connection tasks) are dropped here.
        };
        tokio::select! {
            _ = tokio::time::sleep(Duration::from_secs_f64(refuse_s)) => {}
            _ = shutdown.wait_for(|s| *s) => return,
        }
    }
}

/// Advances the physics every few wall milliseconds so that scheduled faults and link drops
/// happen on time even when nobody is polling, and forwards link drops to the server.
pub(crate) async fn tick(
    shared: Arc<Shared>,
    drops: mpsc::UnboundedSender<f64>,
    mut shutdown: watch::Receiver<bool>,
) {
    let mut interval = tokio::time::interval(Duration::from_millis(5));
    interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = interval.tick() => {}
            _ = shutdown.wait_for(|s| *s) => return,
        }
        let pending = shared.lock_advanced().take_link_drops();
        for d in pending {
            let _ = drops.send(d);
        }
    }
}
