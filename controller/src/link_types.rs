//! Link results: the [`Sample`] a read returns and the [`LinkError`] kinds, with exception
//! replies (the PLC answered "no") kept apart from transport failures (no usable answer).

use std::collections::BTreeMap;
use std::net::SocketAddr;

use crate::register_map::{SignalName, Table};

/// Read or write, for error messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Read,
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
/// transport failures (no usable answer).
#[derive(Debug, Clone, thiserror::Error)]
pub enum LinkError {
    #[error("signal {} is not in the register map", .0.as_str())]
    NotMapped(SignalName),
    #[error("signal {} is in the {} table, which cannot be written", .0.as_str(), .1.as_str())]
    ReadOnly(SignalName, Table),
    #[error("cannot convert {value} for signal {}: {problem}", signal.as_str())]
    Value {
        signal: SignalName,
        value: f64,
        problem: String,
    },
    #[error("the PLC at {addr} answered the {op} of {} ({} {}, {count} word(s)) with exception 0x{code:02X} ({description})", names(signals), table.as_str(), address)]
    Exception {
        addr: SocketAddr,
        op: Op,
        signals: Vec<SignalName>,
        table: Table,
        address: u16,
        count: u16,
        code: u8,
        description: String,
    },
    #[error("no reply from {addr} within {timeout_ms} ms to the {op} of {}; the connection was dropped and will be re-opened{}", names(signals), if *op == Op::Write { " (the write may or may not have taken effect; it was not re-sent)" } else { "" })]
    Timeout {
        addr: SocketAddr,
        op: Op,
        signals: Vec<SignalName>,
        timeout_ms: u64,
    },
    #[error(
        "{op} of {} at {addr} failed: {message}; the connection was dropped and will be re-opened",
        names(signals)
    )]
    Transport {
        addr: SocketAddr,
        op: Op,
        signals: Vec<SignalName>,
        message: String,
    },
    #[error("cannot connect to {addr}: {message}")]
    Connect { addr: SocketAddr, message: String },
    #[error("the link to {addr} is down; next reconnect attempt in {retry_in_ms} ms")]
    Backoff { addr: SocketAddr, retry_in_ms: u64 },
    #[error("the request could not be sent before its deadline (link busy)")]
    Busy,
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
                | LinkError::Connect { .. }
                | LinkError::Backoff { .. }
                | LinkError::Busy
                | LinkError::Closed
        )
    }
}

/// Values read in one request, in engineering units (bools as 0.0 / 1.0).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Sample {
    values: BTreeMap<SignalName, f64>,
}

impl Sample {
    pub fn get(&self, name: SignalName) -> Option<f64> {
        self.values.get(&name).copied()
    }
    /// A bool signal (non-zero = true); `None` if absent or NaN.
    pub fn flag(&self, name: SignalName) -> Option<bool> {
        self.get(name).filter(|v| !v.is_nan()).map(|v| v != 0.0)
    }
    pub fn insert(&mut self, name: SignalName, value: f64) {
        self.values.insert(name, value);
    }
    pub fn iter(&self) -> impl Iterator<Item = (SignalName, f64)> + '_ {
        self.values.iter().map(|(k, v)| (*k, *v))
    }
}
