//! Modbus requests → signal reads and writes, through the register map.
//!
//! Rules (documented for users in the README):
//! - Unit id: only the map's `connection.unit_id` is served; a request for another unit id is
//!   answered with exception 0x0B (gateway target device failed to respond), as a Modbus TCP
//!   gateway does, so a mis-set unit id fails at once instead of timing out.
//! - Supported: read coils (1), read discrete inputs (2), read holding (3), read input (4),
//!   write single coil (5), write single register (6), write multiple coils (15), write
//!   multiple registers (16). Anything else → IllegalFunction (0x01).
//! - Every address of a request must belong to a mapped signal of that table, else
//!   IllegalDataAddress (0x02). A read may cover part of a 32-bit signal; a write must cover
//!   whole signals. Quantity 0 or above the Modbus limits (2000 bits, 125 registers read, 1968
//!   bits / 123 registers written) → IllegalDataValue (0x03).
//! - Writes to read signals (e.g. `test_pressure` mapped in a holding register) →
//!   IllegalDataAddress: the address is not writable. A pump speed setpoint outside 0–100 %
//!   (after scaling) → IllegalDataValue. A request is checked whole before any write applies.
//! - Integer-typed signals saturate at their raw range (a negative pressure in a u16 reads 0);
//!   a NaN reading in an integer type reads the raw maximum (sensor-fault sentinel).
//! - An injected `Exception { signal, code }` answers every request touching `signal`.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use tokio_modbus::{ExceptionCode, Request, Response, SlaveRequest};

use super::sim::Sim;
use super::Shared;
use crate::rig::map::{Signal, Table, ValueType};
use crate::rig::names::SignalName;

/// Handles one request with the simulation locked (no await inside).
pub(crate) fn handle(
    shared: &Arc<Shared>,
    req: SlaveRequest<'static>,
    wrote: &AtomicBool,
) -> Result<Response, ExceptionCode> {
    let mut sim = shared.lock_advanced();
    let writes = sim.writes;
    let response = dispatch(shared, &mut sim, req);
    if sim.writes > writes && !wrote.swap(true, Ordering::Relaxed) {
        sim.writer_connections += 1;
    }
    response
}

fn dispatch(
    shared: &Arc<Shared>,
    sim: &mut Sim,
    req: SlaveRequest<'static>,
) -> Result<Response, ExceptionCode> {
    sim.requests += 1;
    if req.slave != shared.map.connection.unit_id {
        return Err(ExceptionCode::GatewayTargetDevice);
    }
    let map = &shared.map;
    match req.request {
        Request::ReadCoils(a, n) => read_bits(map, sim, Table::Coil, a, n).map(Response::ReadCoils),
        Request::ReadDiscreteInputs(a, n) => {
            read_bits(map, sim, Table::Discrete, a, n).map(Response::ReadDiscreteInputs)
        }
        Request::ReadHoldingRegisters(a, n) => {
            read_words(map, sim, Table::Holding, a, n).map(Response::ReadHoldingRegisters)
        }
        Request::ReadInputRegisters(a, n) => {
            read_words(map, sim, Table::Input, a, n).map(Response::ReadInputRegisters)
        }
        Request::WriteSingleCoil(a, v) => {
            write(map, sim, Table::Coil, a, &[u16::from(v)])?;
            Ok(Response::WriteSingleCoil(a, v))
        }
        Request::WriteMultipleCoils(a, ref bits) => {
            check_qty(bits.len(), 1968)?;
            let words: Vec<u16> = bits.iter().map(|b| u16::from(*b)).collect();
            write(map, sim, Table::Coil, a, &words)?;
            Ok(Response::WriteMultipleCoils(a, words.len() as u16))
        }
        Request::WriteSingleRegister(a, w) => {
            write(map, sim, Table::Holding, a, &[w])?;
            Ok(Response::WriteSingleRegister(a, w))
        }
        Request::WriteMultipleRegisters(a, ref words) => {
            check_qty(words.len(), 123)?;
            write(map, sim, Table::Holding, a, words)?;
            Ok(Response::WriteMultipleRegisters(a, words.len() as u16))
        }
        _ => Err(ExceptionCode::IllegalFunction),
    }
}

fn check_qty(n: usize, max: usize) -> Result<(), ExceptionCode> {
    if n == 0 || n > max {
        Err(ExceptionCode::IllegalDataValue)
    } else {
        Ok(())
    }
}

/// The signals covering `start..start+n` of `table`, each with the address range it covers.
/// Fails with IllegalDataAddress on any unmapped address, or the injected exception.
fn covering<'m>(
    map: &'m crate::rig::map::RegisterMap,
    sim: &Sim,
    table: Table,
    start: u16,
    n: usize,
) -> Result<Vec<&'m Signal>, ExceptionCode> {
    let end = u32::from(start) + n as u32; // exclusive
    if end > 65536 {
        return Err(ExceptionCode::IllegalDataAddress);
    }
    let mut out = Vec::new();
    let mut a = u32::from(start);
    while a < end {
        let s = map
            .signal_at(table, a as u16)
            .ok_or(ExceptionCode::IllegalDataAddress)?;
        if let Some(code) = sim.faults.exception_for(s.name) {
            return Err(ExceptionCode::new(code));
        }
        out.push(s);
        a = s.last_address() + 1;
    }
    Ok(out)
}

fn read_words(
    map: &crate::rig::map::RegisterMap,
    sim: &mut Sim,
    table: Table,
    start: u16,
    n: u16,
) -> Result<Vec<u16>, ExceptionCode> {
    check_qty(usize::from(n), 125)?;
    let sigs = covering(map, sim, table, start, usize::from(n))?;
    let (lo, hi) = (u32::from(start), u32::from(start) + u32::from(n));
    let mut out = Vec::with_capacity(usize::from(n));
    for s in sigs {
        let words = encode_saturating(s, sim.read(s.name));
        for (i, w) in words.iter().enumerate() {
            let addr = u32::from(s.address) + i as u32;
            if (lo..hi).contains(&addr) {
                out.push(*w);
            }
        }
    }
    Ok(out)
}

fn read_bits(
    map: &crate::rig::map::RegisterMap,
    sim: &mut Sim,
    table: Table,
    start: u16,
    n: u16,
) -> Result<Vec<bool>, ExceptionCode> {
    check_qty(usize::from(n), 2000)?;
    let sigs = covering(map, sim, table, start, usize::from(n))?;
    Ok(sigs.iter().map(|s| sim.read(s.name) != 0.0).collect())
}

fn write(
    map: &crate::rig::map::RegisterMap,
    sim: &mut Sim,
    table: Table,
    start: u16,
    words: &[u16],
) -> Result<(), ExceptionCode> {
    let sigs = covering(map, sim, table, start, words.len())?;
    let mut updates: Vec<(SignalName, f64)> = Vec::with_capacity(sigs.len());
    for s in sigs {
        if !s.name.is_write() {
            return Err(ExceptionCode::IllegalDataAddress);
        }
        let off = usize::from(s.address).wrapping_sub(usize::from(start));
        let n = usize::from(s.word_count());
        // The signal must start inside the request and end inside it.
        if s.address < start || off + n > words.len() {
            return Err(ExceptionCode::IllegalDataAddress);
        }
        let value = s
            .decode(&words[off..off + n])
            .map_err(|_| ExceptionCode::IllegalDataValue)?;
        Sim::check_write(s.name, value).map_err(|_| ExceptionCode::IllegalDataValue)?;
        updates.push((s.name, value));
    }
    for (name, value) in updates {
        sim.write(name, value);
    }
    sim.writes += 1;
    Ok(())
}

/// Encodes an engineering value, saturating integer types at their raw range; NaN in an
/// integer type becomes the raw maximum.
pub(crate) fn encode_saturating(s: &Signal, value: f64) -> Vec<u16> {
    if let Ok(w) = s.encode(value) {
        return w;
    }
    let (raw_lo, raw_hi) = match s.value_type {
        ValueType::U16 => (0.0, 65535.0),
        ValueType::I16 => (-32768.0, 32767.0),
        ValueType::U32 => (0.0, 4_294_967_295.0),
        ValueType::I32 => (-2_147_483_648.0, 2_147_483_647.0),
        ValueType::Bool | ValueType::F32 => (0.0, 0.0), // encode never fails for these
    };
    let raw = if value.is_nan() {
        raw_hi
    } else {
        ((value - s.offset) / s.scale).clamp(raw_lo, raw_hi)
    };
    s.encode(raw * s.scale + s.offset)
        .or_else(|_| s.encode(raw_hi * s.scale + s.offset))
        .unwrap_or_else(|_| vec![0; usize::from(s.word_count())])
}
