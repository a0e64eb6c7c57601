//! The register map itself: signals, their tables, wire types and scaling, the codec between
//! engineering values and wire words, and the read plan.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::rig::names::SignalName;

/// Largest number of registers one Modbus read may ask for (spec: 125).
pub const MAX_READ_REGISTERS: u16 = 125;
/// Largest number of coils/discrete inputs one Modbus read may ask for (spec: 2000).
pub const MAX_READ_BITS: u16 = 2000;

/// A Modbus data table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Table {
    /// Read/write bits (function codes 1, 5, 15).
    Coil,
    /// Read-only bits (function code 2).
    Discrete,
    /// Read-only 16-bit registers (function code 4).
    Input,
    /// Read/write 16-bit registers (function codes 3, 6, 16).
    Holding,
}

impl Table {
    /// Name as written in map.toml.
    pub fn as_str(&self) -> &'static str {
        match self {
            Table::Coil => "coil",
            Table::Discrete => "discrete",
            Table::Input => "input",
            Table::Holding => "holding",
        }
    }
    /// True for the bit tables (coil, discrete).
    pub fn is_bits(&self) -> bool {
        matches!(self, Table::Coil | Table::Discrete)
    }
    /// True for tables a client may write (coil, holding).
    pub fn is_writable(&self) -> bool {
        matches!(self, Table::Coil | Table::Holding)
    }
}

/// The value type of a signal on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ValueType {
    /// One bit (coil or discrete input).
    Bool,
    /// Unsigned 16-bit integer.
    U16,
    /// Signed 16-bit integer.
    I16,
    /// Unsigned 32-bit integer (two words).
    U32,
    /// Signed 32-bit integer (two words).
    I32,
    /// IEEE 754 single precision (two words).
    F32,
}

impl ValueType {
    /// Name as written in map.toml.
    pub fn as_str(&self) -> &'static str {
        match self {
            ValueType::Bool => "bool",
            ValueType::U16 => "u16",
            ValueType::I16 => "i16",
            ValueType::U32 => "u32",
            ValueType::I32 => "i32",
            ValueType::F32 => "f32",
        }
    }
}

/// Order of the two 16-bit words of a 32-bit value. Bytes inside a word are always big-endian
/// (Modbus).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WordOrder {
    /// High word first (at the lower address).
    #[default]
    Big,
    /// Low word first.
    Little,
}

/// A value that cannot be converted to or from a signal's wire words (out of the type's range,
/// or the wrong number of words).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("signal {signal}: {problem}")]
pub struct CodecError {
    /// The signal whose conversion failed.
    pub signal: SignalName,
    /// What is wrong, with the valid range where there is one.
    pub problem: String,
}

/// One mapped signal.
#[derive(Debug, Clone, PartialEq)]
pub struct Signal {
    /// Which signal.
    pub name: SignalName,
    /// Its Modbus table.
    pub table: Table,
    /// 0-based address on the wire.
    pub address: u16,
    /// Its wire type.
    pub value_type: ValueType,
    /// Word order of 32-bit types.
    pub word_order: WordOrder,
    /// engineering value = raw · scale + offset
    pub scale: f64,
    /// engineering value = raw · scale + offset
    pub offset: f64,
}

impl Signal {
    /// Number of wire words (or bits): 1 for bool/u16/i16, 2 for 32-bit types.
    pub fn word_count(&self) -> u16 {
        match self.value_type {
            ValueType::U32 | ValueType::I32 | ValueType::F32 => 2,
            _ => 1,
        }
    }

    /// Engineering value from wire words (`raw · scale + offset`). A bool is one word, 0 or
    /// non-zero (a coil read as a bit: pass 0/1). An f32 NaN passes through as NaN.
    pub fn decode(&self, words: &[u16]) -> Result<f64, CodecError> {
        let n = usize::from(self.word_count());
        if words.len() != n {
            return Err(self.value_err(format!("expected {n} word(s), got {}", words.len())));
        }
        let (hi, lo) = if n == 2 {
            match self.word_order {
                WordOrder::Big => (words[0], words[1]),
                WordOrder::Little => (words[1], words[0]),
            }
        } else {
            (0, words[0])
        };
        let bits32 = (u32::from(hi) << 16) | u32::from(lo);
        let raw = match self.value_type {
            ValueType::Bool => return Ok(if lo != 0 { 1.0 } else { 0.0 }),
            ValueType::U16 => f64::from(lo),
            ValueType::I16 => f64::from(lo as i16),
            ValueType::U32 => f64::from(bits32),
            ValueType::I32 => f64::from(bits32 as i32),
            ValueType::F32 => f64::from(f32::from_bits(bits32)),
        };
        Ok(raw * self.scale + self.offset)
    }

    /// Wire words from an engineering value (inverse of [`Signal::decode`]). Integer types
    /// round to the nearest raw value and reject values outside the type's range (and NaN);
    /// f32 passes NaN and infinities through. A bool is 1 for any non-zero value.
    pub fn encode(&self, value: f64) -> Result<Vec<u16>, CodecError> {
        if self.value_type == ValueType::Bool {
            return Ok(vec![u16::from(value != 0.0 && !value.is_nan())]);
        }
        let raw = (value - self.offset) / self.scale;
        let int_range = |lo: f64, hi: f64| -> Result<i64, CodecError> {
            let r = raw.round();
            if !r.is_finite() || r < lo || r > hi {
                Err(self.value_err(format!(
                    "value {value} (raw {raw}) does not fit {}; raw range {lo}..={hi}",
                    self.value_type.as_str()
                )))
            } else {
                Ok(r as i64)
            }
        };
        let bits32: u32 = match self.value_type {
            ValueType::Bool => 0, // handled above
            ValueType::U16 => return Ok(vec![int_range(0.0, 65535.0)? as u16]),
            ValueType::I16 => return Ok(vec![int_range(-32768.0, 32767.0)? as i16 as u16]),
            ValueType::U32 => int_range(0.0, 4_294_967_295.0)? as u32,
            ValueType::I32 => int_range(-2_147_483_648.0, 2_147_483_647.0)? as i32 as u32,
            ValueType::F32 => (raw as f32).to_bits(),
        };
        let (hi, lo) = ((bits32 >> 16) as u16, (bits32 & 0xFFFF) as u16);
        Ok(match self.word_order {
            WordOrder::Big => vec![hi, lo],
            WordOrder::Little => vec![lo, hi],
        })
    }

    /// Lowest and highest engineering values the wire type can carry (`raw · scale + offset`
    /// at the ends of the raw range; a negative scale swaps them). A reading beyond either end
    /// saturates there, so a limit outside this range can never be seen. `f32` carries
    /// ±3.4·10³⁸ raw; a `bool` carries 0 and 1.
    pub fn encodable_range(&self) -> (f64, f64) {
        let (lo, hi) = match self.value_type {
            ValueType::Bool => return (0.0, 1.0),
            ValueType::U16 => (0.0, f64::from(u16::MAX)),
            ValueType::I16 => (f64::from(i16::MIN), f64::from(i16::MAX)),
            ValueType::U32 => (0.0, f64::from(u32::MAX)),
            ValueType::I32 => (f64::from(i32::MIN), f64::from(i32::MAX)),
            ValueType::F32 => (f64::from(f32::MIN), f64::from(f32::MAX)),
        };
        let (a, b) = (lo * self.scale + self.offset, hi * self.scale + self.offset);
        (a.min(b), a.max(b))
    }

    /// Smallest change of the engineering value the wire type can show near `value`: one raw
    /// count (`|scale|`) for integer types, one f32 step at `value`'s raw magnitude for f32
    /// (times `|scale|`), 1 for a bool.
    pub fn resolution_at(&self, value: f64) -> f64 {
        match self.value_type {
            ValueType::Bool => 1.0,
            ValueType::F32 => {
                let raw = (((value - self.offset) / self.scale) as f32).abs();
                let bits = raw.to_bits();
                let step = f64::from(f32::from_bits(bits + 1)) - f64::from(f32::from_bits(bits));
                step * self.scale.abs()
            }
            _ => self.scale.abs(),
        }
    }

    /// Last address used (inclusive).
    pub fn last_address(&self) -> u32 {
        u32::from(self.address) + u32::from(self.word_count()) - 1
    }

    fn value_err(&self, problem: String) -> CodecError {
        CodecError {
            signal: self.name,
            problem,
        }
    }
}

/// The `[connection]` table.
#[derive(Debug, Clone, PartialEq)]
pub struct Connection {
    /// Host name or IP address of the PLC.
    pub host: String,
    /// TCP port.
    pub port: u16,
    /// Modbus unit id.
    pub unit_id: u8,
    /// Per-request timeout (wall clock).
    pub timeout_ms: u64,
    /// Sampling period during a test.
    pub poll_ms: u64,
}

/// The `[watchdog]` table: what the PLC does when the controller stops writing the heartbeat.
///
/// The PLC watches the `heartbeat` signal; when its value has not changed for `timeout_ms`, the
/// PLC drives the rig to its safe state by itself (fill and isolation closed, vent open, pump
/// off), so a controller that died or went blind never leaves a tray pressurised.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Watchdog {
    /// Heartbeat unchanged this long (PLC clock) → the PLC's safe state, ms.
    pub timeout_ms: u64,
}

/// The `[rig]` table: what the physical rig is rated for. Every recipe is checked against it
/// before the rig is touched (docs/formats/register-map.md, "`[rig]`").
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RigRating {
    /// Highest pressure the gas circuit and the coolant loop are rated for (the relief valve's
    /// set pressure or the weakest component's rating), kPa gauge.
    pub max_pressure_kpa: f64,
    /// Smallest internal gas volume (tray + fixture) the rig's fixtures are built for, mL.
    pub volume_ml_min: f64,
    /// Largest internal gas volume (tray + fixture) the rig's fixtures are built for, mL.
    pub volume_ml_max: f64,
    /// Highest coolant flow the loop is rated for, L/min.
    pub max_flow_lpm: f64,
    /// Highest pump speed the drive may be commanded, %.
    pub max_pump_speed_pct: f64,
}

/// One read request covering several signals of one table at contiguous addresses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReadBlock {
    /// The table all members are in.
    pub table: Table,
    /// First address (0-based).
    pub start: u16,
    /// Number of registers (or bits).
    pub count: u16,
    /// Signals inside, in address order.
    pub members: Vec<SignalName>,
}

/// A validated register map.
#[derive(Debug, Clone)]
pub struct RegisterMap {
    /// The file it was read from (for error messages).
    pub source: PathBuf,
    /// The `[connection]` table.
    pub connection: Connection,
    /// The PLC's heartbeat watchdog, when the map declares one.
    pub watchdog: Option<Watchdog>,
    /// The rig's rating (`[rig]`), when the map declares one; a leak test needs it.
    pub rig: Option<RigRating>,
    signals: BTreeMap<SignalName, Signal>,
}

impl RegisterMap {
    /// The mapping of `name`, if the map has it.
    pub fn get(&self, name: SignalName) -> Option<&Signal> {
        self.signals.get(&name)
    }

    /// Every mapped signal, in [`SignalName`] order.
    pub fn signals(&self) -> impl Iterator<Item = &Signal> {
        self.signals.values()
    }

    /// True when every signal a flow test needs is mapped.
    pub fn has_flow_signals(&self) -> bool {
        SignalName::FLOW
            .iter()
            .all(|s| self.signals.contains_key(s))
    }

    /// The signal of `table` that covers `address`, if any.
    pub fn signal_at(&self, table: Table, address: u16) -> Option<&Signal> {
        let a = u32::from(address);
        self.signals
            .values()
            .find(|s| s.table == table && u32::from(s.address) <= a && a <= s.last_address())
    }

    /// Groups the mapped signals among `names` into read requests: signals of one table whose
    /// addresses are contiguous (the next starts right after the previous one ends) share one
    /// request. Gaps are never bridged (a PLC may answer IllegalDataAddress for unmapped
    /// addresses). A block never exceeds the Modbus limits ([`MAX_READ_REGISTERS`],
    /// [`MAX_READ_BITS`]). Unmapped and duplicate names are ignored. Blocks come in table
    /// order (coil, discrete, input, holding), then by address.
    pub fn read_plan(&self, names: &[SignalName]) -> Vec<ReadBlock> {
        let mut sigs: Vec<&Signal> = names.iter().filter_map(|n| self.get(*n)).collect();
        sigs.sort_by_key(|s| (s.table, s.address));
        sigs.dedup_by_key(|s| s.name);
        let mut blocks: Vec<ReadBlock> = Vec::new();
        for s in sigs {
            let limit = if s.table.is_bits() {
                MAX_READ_BITS
            } else {
                MAX_READ_REGISTERS
            };
            if let Some(b) = blocks.last_mut() {
                let end = u32::from(b.start) + u32::from(b.count);
                if b.table == s.table
                    && end == u32::from(s.address)
                    && b.count + s.word_count() <= limit
                {
                    b.count += s.word_count();
                    b.members.push(s.name);
                    continue;
                }
            }
            blocks.push(ReadBlock {
                table: s.table,
                start: s.address,
                count: s.word_count(),
                members: vec![s.name],
            });
        }
        blocks
    }

    /// Builds a map from already-validated parts (used by the parser).
    pub(crate) fn from_parts(
        source: &Path,
        connection: Connection,
        watchdog: Option<Watchdog>,
        signals: BTreeMap<SignalName, Signal>,
    ) -> Self {
        RegisterMap {
            source: source.to_path_buf(),
            connection,
            watchdog,
            rig: None,
            signals,
        }
    }

    /// The same map with the rig rating `rig` (used by the parser).
    pub(crate) fn with_rig(mut self, rig: Option<RigRating>) -> Self {
        self.rig = rig;
        self
    }
}
