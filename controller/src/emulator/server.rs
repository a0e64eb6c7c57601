//! The Modbus TCP server: an accept loop with one task per connection (framing in [`wire`],
//! requests in [`service`]), a ticker that keeps the physics moving between requests, and
//! link-drop handling.
//!
//! An accept error (out of file descriptors, say) is logged and retried with backoff (50 ms
//! doubling to 1 s); the connections already open keep being served. A link drop (and
//! shutdown) aborts every connection task, which closes the client sockets, and drops the
//! listener so new connects are refused. After `refuse_s` wall seconds the same address is
//! bound again (SO_REUSEADDR).

use std::io;
use std::net::SocketAddr;
use std::sync::atomic::AtomicBool;
use std::sync::Arc;
use std::time::Duration;

use tokio::io::AsyncWriteExt;
use tokio::net::{TcpListener, TcpSocket, TcpStream};
use tokio::sync::{mpsc, watch};
use tokio::task::JoinSet;
use tokio_modbus::SlaveRequest;

use super::{service, wire, Shared};

/// Serves one client connection until it closes or sends something that is not Modbus TCP.
async fn connection(shared: Arc<Shared>, mut stream: TcpStream) {
    let _ = stream.set_nodelay(true);
    let wrote = AtomicBool::new(false);
    loop {
        let frame = match wire::read_frame(&mut stream).await {
            Ok(Some(f)) => f,
            Ok(None) => return,
            Err(e) => {
                tracing::debug!("emulator: connection closed: {e}");
                return;
            }
        };
        let delay_ms = shared.lock_advanced().faults.slow_ms;
        if delay_ms > 0 {
            tokio::time::sleep(Duration::from_millis(delay_ms)).await;
        }
        let fc = frame.pdu.first().copied().unwrap_or(0);
        let pdu = match wire::decode_request(&frame.pdu) {
            Ok(request) => {
                let req = SlaveRequest {
                    slave: frame.unit,
                    request,
                };
                match service::handle(&shared, req, &wrote) {
                    Ok(response) => wire::encode_response(&response),
                    Err(code) => wire::exception(fc, code),
                }
            }
            Err(code) => wire::exception(fc, code),
        };
        if let Err(e) = stream.write_all(&wire::reply(&frame, &pdu)).await {
            tracing::debug!("emulator: connection closed: {e}");
            return;
        }
    }
}

/// First and longest pause after an accept error.
const ACCEPT_BACKOFF_MIN: Duration = Duration::from_millis(50);
const ACCEPT_BACKOFF_MAX: Duration = Duration::from_secs(1);

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
    let mut conns: JoinSet<()> = JoinSet::new();
    loop {
        let l = match listener.take() {
            Some(l) => l,
            None => match bind(addr) {
                Ok(l) => l,
                Err(e) => {
                    tracing::warn!("emulator: cannot bind {addr} again: {e}; retrying");
                    tokio::select! {
                        _ = tokio::time::sleep(Duration::from_millis(50)) => continue,
                        () = stopped(&mut shutdown) => return,
                    }
                }
            },
        };
        let mut backoff = ACCEPT_BACKOFF_MIN;
        let refuse_s = loop {
            let accepted = tokio::select! {
                accepted = l.accept() => accepted,
                Some(_) = conns.join_next(), if !conns.is_empty() => continue,
                Some(refuse_s) = drops.recv() => break refuse_s,
                () = stopped(&mut shutdown) => {
                    conns.shutdown().await;
                    return;
                }
            };
            match accepted {
                Ok((stream, _peer)) => {
                    backoff = ACCEPT_BACKOFF_MIN;
                    conns.spawn(connection(Arc::clone(&shared), stream));
                }
                Err(e) => {
                    tracing::warn!(
                        "emulator: accept failed: {e}; the {} open connection(s) are kept; retrying in {} ms",
                        conns.len(),
                        backoff.as_millis()
                    );
                    tokio::select! {
                        _ = tokio::time::sleep(backoff) => {}
                        () = stopped(&mut shutdown) => {
                            conns.shutdown().await;
                            return;
                        }
                    }
                    backoff = (backoff * 2).min(ACCEPT_BACKOFF_MAX);
                }
            }
        };
        // The link drop: listener closed, every client socket closed.
        drop(l);
        conns.shutdown().await;
        tokio::select! {
            _ = tokio::time::sleep(Duration::from_secs_f64(refuse_s)) => {}
            () = stopped(&mut shutdown) => return,
        }
    }
}

/// Resolves once `shutdown` turns true (or its sender is gone), holding no borrow of it.
async fn stopped(shutdown: &mut watch::Receiver<bool>) {
    let _ = shutdown.wait_for(|s| *s).await;
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
