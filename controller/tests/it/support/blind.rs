//! A misbehaving PLC for the blind-controller tests: a Modbus TCP proxy in front of the
//! emulator that forwards every request until it is told to go blind; from then on read
//! replies (function codes 1–4) fail in one of three fast ways while writes keep succeeding —
//! or, in `LyingEcho` mode, write-single-coil replies echo the opposite value.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// How the proxy misbehaves once blind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Blind {
    /// A read request resets the connection (RST).
    Reset,
    /// A read reply carries another read function code.
    WrongFunction,
    /// A read reply's byte count does not match its data.
    BadByteCount,
    /// Reads are fine; an FC5 reply echoes the opposite coil value (the write is forwarded).
    LyingEcho,
}

pub(crate) struct BlindProxy {
    addr: SocketAddr,
    blind: Arc<AtomicBool>,
    task: tokio::task::JoinHandle<()>,
}

impl BlindProxy {
    /// A proxy on an ephemeral loopback port in front of `upstream`, misbehaving as `mode`
    /// once [`BlindProxy::go_blind`] is called.
    pub(crate) async fn start(upstream: SocketAddr, mode: Blind) -> BlindProxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let blind = Arc::new(AtomicBool::new(false));
        let flag = blind.clone();
        let task = tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                let flag = flag.clone();
                tokio::spawn(async move {
                    let _ = serve(client, upstream, mode, flag).await;
                });
            }
        });
        BlindProxy { addr, blind, task }
    }

    pub(crate) fn addr(&self) -> SocketAddr {
        self.addr
    }

    pub(crate) fn go_blind(&self) {
        self.blind.store(true, Ordering::SeqCst);
    }
}

impl Drop for BlindProxy {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// One Modbus TCP frame: the 7-byte MBAP header and the PDU.
async fn read_frame(s: &mut TcpStream) -> std::io::Result<Vec<u8>> {
    let mut frame = vec![0u8; 7];
    s.read_exact(&mut frame).await?;
    let len = usize::from(u16::from_be_bytes([frame[4], frame[5]]));
    let mut pdu = vec![0u8; len.saturating_sub(1)];
    s.read_exact(&mut pdu).await?;
    frame.extend_from_slice(&pdu);
    Ok(frame)
}

async fn serve(
    mut client: TcpStream,
    upstream: SocketAddr,
    mode: Blind,
    blind: Arc<AtomicBool>,
) -> std::io::Result<()> {
    let mut up = TcpStream::connect(upstream).await?;
    loop {
        let request = read_frame(&mut client).await?;
        let fc = request[7];
        let is_read = (1..=4).contains(&fc);
        if blind.load(Ordering::SeqCst) && is_read && mode == Blind::Reset {
            // Linger 0 closes with a reset at once (it blocks on drop only with a non-zero time).
            #[allow(deprecated)]
            client.set_linger(Some(std::time::Duration::ZERO))?;
            return Ok(()); // dropped with linger 0: the client sees a connection reset
        }
        up.write_all(&request).await?;
        let mut reply = read_frame(&mut up).await?;
        if blind.load(Ordering::SeqCst) {
            match mode {
                Blind::WrongFunction if is_read && reply[7] == fc => {
                    reply[7] = if fc == 3 { 4 } else { 3 };
                }
                Blind::BadByteCount if is_read && reply[7] == fc => {
                    reply[8] = reply[8].wrapping_add(2);
                }
                Blind::LyingEcho if fc == 5 && reply[7] == 5 => {
                    reply[10] = if reply[10] == 0xFF { 0x00 } else { 0xFF };
                }
                _ => {}
            }
        }
        client.write_all(&reply).await?;
    }
}
