//! What can go wrong on the link: [`LinkError`], with exception replies (the PLC answered
//! "no") kept apart from transport failures (no usable answer). Transport and connect failures
//! keep the underlying error as their [`std::error::Error::source`], so `{:#}` (anyhow) or a
//! walk of the chain shows the operating system's words too.

use std::net::SocketAddr;
use std::sync::Arc;

use crate::rig::map::{CodecError, Table};
use crate::rig::names::SignalName;

/// Read or write, for error messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    /// A read of one or more signals.
    Read,
    /// A write of one signal.
    Write,
}

impl std::fmt::Display for Op {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Op::Read => "read",
            Op::Write => "write",
        })
    }
}

/// Names of signals, comma-separated (for messages).
fn names(signals: &[SignalName]) -> String {
    signals
        .iter()
        .map(|s| s.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

/// What went wrong on the link. Exceptions (the PLC answered "no") are kept apart from
/// transport failures (no usable answer); see [`LinkError::is_transport`].
///
/// Cloneable (a sampler reports one failure to several places), so the sources are shared.
#[derive(Debug, Clone, thiserror::Error)]
pub enum LinkError {
    /// The signal is not in the register map the link speaks.
    #[error("signal {} is not in the register map", .0.as_str())]
    NotMapped(SignalName),
    /// The signal lives in a read-only table (discrete or input).
    #[error("signal {} is in the {} table, which cannot be written", .0.as_str(), .1.as_str())]
    ReadOnly(SignalName, Table),
    /// A value could not be converted to or from the signal's wire words.
    #[error("cannot convert {value} for signal {}", source.signal.as_str())]
    Value {
        /// The engineering value to be written (NaN for a read).
        value: f64,
        /// Which signal and why.
        #[source]
        source: CodecError,
    },
    /// The PLC answered with a Modbus exception; the connection is kept.
    #[error("the PLC at {addr} answered the {op} of {} ({} {}, {count} word(s)) with exception 0x{code:02X} ({description})", names(signals), table.as_str(), address)]
    Exception {
        /// The PLC's address.
        addr: SocketAddr,
        /// Read or write.
        op: Op,
        /// The signals the request covered.
        signals: Vec<SignalName>,
        /// The table of the request.
        table: Table,
        /// First wire address of the request (0-based).
        address: u16,
        /// Registers (or bits) requested.
        count: u16,
        /// The Modbus exception code.
        code: u8,
        /// The code's meaning.
        description: String,
    },
    /// No reply within the request timeout; the connection was dropped.
    #[error("no reply from {addr} within {timeout_ms} ms to the {op} of {}; the connection was dropped and will be re-opened{}", names(signals), if *op == Op::Write { " (the write may or may not have taken effect; it was not re-sent)" } else { "" })]
    Timeout {
        /// The PLC's address.
        addr: SocketAddr,
        /// Read or write.
        op: Op,
        /// The signals the request covered.
        signals: Vec<SignalName>,
        /// The request timeout that ran out, ms (wall clock).
        timeout_ms: u64,
    },
    /// An I/O or protocol failure (reset connection, mismatched reply); the connection was
    /// dropped.
    #[error(
        "{op} of {} at {addr} failed; the connection was dropped and will be re-opened",
        names(signals)
    )]
    Transport {
        /// The PLC's address.
        addr: SocketAddr,
        /// Read or write.
        op: Op,
        /// The signals the request covered.
        signals: Vec<SignalName>,
        /// What tokio-modbus reported.
        #[source]
        source: Arc<tokio_modbus::Error>,
    },
    /// The PLC answered with fewer words than asked for; the connection was dropped.
    #[error("read of {} at {addr} failed: short reply, {got} word(s) for {expected}; the connection was dropped and will be re-opened", names(signals))]
    ShortReply {
        /// The PLC's address.
        addr: SocketAddr,
        /// The signals the request covered.
        signals: Vec<SignalName>,
        /// Words (or bits) received.
        got: usize,
        /// Words (or bits) requested.
        expected: u16,
    },
    /// The PLC's reply to a write does not echo what was written (FC5/FC6 echo the address and
    /// value, FC15/FC16 the address and count): the output may not be what was commanded. A
    /// rig fault, not a transport failure; the connection is kept.
    #[error("the PLC at {addr} answered the write of {} = {sent} with {echoed}: the output may not be what was commanded", signal.as_str())]
    Echo {
        /// The PLC's address.
        addr: SocketAddr,
        /// The signal written.
        signal: SignalName,
        /// What was sent (address and value or count).
        sent: String,
        /// What the reply echoed.
        echoed: String,
    },
    /// The TCP connection could not be opened.
    #[error("cannot connect to {addr}")]
    Connect {
        /// The PLC's address.
        addr: SocketAddr,
        /// Why (refused, unreachable, or a timeout of kind `TimedOut`).
        #[source]
        source: Arc<std::io::Error>,
    },
    /// The link is waiting before its next reconnect attempt (after a failure).
    #[error("the link to {addr} is down; next reconnect attempt in {retry_in_ms} ms")]
    Backoff {
        /// The PLC's address.
        addr: SocketAddr,
        /// Time until the next attempt, ms (wall clock).
        retry_in_ms: u64,
    },
    /// The request could not be sent before its deadline (queue full or connecting).
    #[error("the request could not be sent before its deadline (link busy)")]
    Busy,
    /// The link task has ended.
    #[error("the link task has stopped")]
    Closed,
}

impl LinkError {
    /// True for failures of the connection itself (timeout, I/O, refused, backoff), as opposed
    /// to an exception answer or a caller mistake.
    pub fn is_transport(&self) -> bool {
        matches!(
            self,
            LinkError::Timeout { .. }
                | LinkError::Transport { .. }
                | LinkError::ShortReply { .. }
                | LinkError::Connect { .. }
                | LinkError::Backoff { .. }
                | LinkError::Busy
                | LinkError::Closed
        )
    }

    /// The message with every underlying cause appended (`cannot connect to …: Connection
    /// refused (os error 111)`), for test records and logs, where only one string fits.
    pub fn detail(&self) -> String {
        let mut s = self.to_string();
        let mut cause = std::error::Error::source(self);
        while let Some(c) = cause {
            s.push_str(": ");
            s.push_str(&c.to_string());
            cause = c.source();
        }
        s
    }
}
