//! `map.toml` → [`RegisterMap`]: the file is deserialised through [`coldtray_io::config`] into
//! the serde types below (unknown fields rejected everywhere), then a validation pass applies
//! the rules serde cannot express. Every rejection is one [`ConfigError`] line naming the file,
//! the field path and what would be valid.
//!
//! Rules:
//! - `bool` signals live in `coil` (read or write) or `discrete` (read only); numeric signals
//!   (`u16`, `i16`, `u32`, `i32`, `f32`) in `holding` (read or write) or `input` (read only).
//!   In `coil`/`discrete` the `type` may be omitted (it is `bool`); in `holding`/`input` it is
//!   required. `scale`, `offset` and `word_order` are rejected on `bool` signals.
//! - Write signals (`fill_valve`, `vent_valve`, `isolation_valve`, `pump_run`,
//!   `pump_speed_setpoint`, `heartbeat`) must be in `coil` or `holding`.
//! - `scale` finite and non-zero, `offset` finite; `address + words ≤ 65536`; no two signals of
//!   one table overlap; required signals `test_pressure`, `fill_valve`, `vent_valve`, `estop`.
//! - `[connection]`: `host` and `port` (1–65535) required; `unit_id` 0–255 (default 1),
//!   `timeout_ms` 1–[`MAX_TIMEOUT_MS`] (default 500), `poll_ms` 1–[`MAX_POLL_MS`] (default
//!   100): a rig that must see an e-stop cannot be polled once an hour.
//! - What each signal carries (`rules::kind`): analogue signals and the heartbeat numeric;
//!   a flag in a register with scale 1 and offset 0 only. Every value the controller writes
//!   without a recipe reaches the PLC exactly (`rules::writes`): the safe state's 0 % speed
//!   setpoint, every heartbeat 0…32767 as a distinct raw word.
//! - `[rig]` (optional here; a leak test refuses a map without it): plausible
//!   (`rules::rating`), and every sensor reads beyond what it allows (`rules::against_rating`).
//! - `[watchdog]` (optional): `timeout_ms` 100–10000 and at least 2 × `poll_ms` + `timeout_ms`;
//!   needs a mapped `heartbeat`.

use std::collections::BTreeMap;
use std::path::Path;

use coldtray_io::config::{self, ConfigError, Format};
use serde::Deserialize;

use crate::rig::map::{
    Connection, RegisterMap, RigRating, Signal, Table, ValueType, Watchdog, WordOrder,
};
use crate::rig::names::SignalName;
use crate::rig::number::{Integer, Number};
use crate::rig::rules::{self, Problem, MAX_POLL_MS, MAX_TIMEOUT_MS};

/// How register maps are named in messages.
pub const MAP_FORMAT: Format = Format {
    what: "a register map",
    needs: "a [connection] table (host, port) and [signals.<name>] tables for test_pressure, \
            fill_valve, vent_valve and estop",
    doc: "docs/formats/register-map.md",
};

const VALID_TABLES: &str = "coil, discrete, input, holding";
const VALID_TYPES: &str = "bool, u16, i16, u32, i32, f32";
/// Shortest and longest PLC watchdog timeouts accepted, ms: below 100 ms a scheduling hiccup
/// of the controller's host trips it; above 10 s a tray stays pressurised too long after the
/// controller died.
const MIN_WATCHDOG_MS: i64 = 100;
const MAX_WATCHDOG_MS: i64 = 10_000;

/// The file as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct MapFile {
    connection: ConnectionFile,
    watchdog: Option<WatchdogFile>,
    signals: BTreeMap<String, SignalFile>,
    rig: Option<RigFile>,
}

/// `[rig]` as written: every field required (a rating has no safe default).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RigFile {
    max_pressure_kpa: Number,
    volume_ml_min: Number,
    volume_ml_max: Number,
    max_flow_lpm: Number,
    max_pump_speed_pct: Number,
}

/// `[watchdog]` as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct WatchdogFile {
    timeout_ms: Integer,
}

/// `[connection]` as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ConnectionFile {
    host: String,
    port: Integer,
    unit_id: Option<Integer>,
    timeout_ms: Option<Integer>,
    poll_ms: Option<Integer>,
}

/// `[signals.<name>]` as written (names and enumerations checked by [`Check::signal`], so a
/// typo is answered with the list of valid values).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SignalFile {
    table: Option<String>,
    address: Integer,
    #[serde(rename = "type")]
    value_type: Option<String>,
    word_order: Option<String>,
    scale: Option<Number>,
    offset: Option<Number>,
}

/// Reads and validates a map file.
pub fn load_map(path: &Path) -> Result<RegisterMap, ConfigError> {
    let text = config::read_text(path, &MAP_FORMAT)?;
    parse_map(&text, path)
}

/// Validates map text; `source` names the file in error messages and in
/// [`RegisterMap::source`].
pub fn parse_map(text: &str, source: &Path) -> Result<RegisterMap, ConfigError> {
    let file: MapFile = config::parse_toml(text, source, &MAP_FORMAT)?;
    let check = Check { file: source };
    let connection = check.connection(&file.connection)?;
    let mut signals = BTreeMap::new();
    for (key, sig) in &file.signals {
        let path = format!("signals.{key}");
        let Some(name) = SignalName::from_name(key) else {
            let known: Vec<&str> = SignalName::ALL.iter().map(|s| s.as_str()).collect();
            return Err(check.err(
                &path,
                format!(
                    "unknown signal \"{key}\"; known signals: {}",
                    known.join(", ")
                ),
            ));
        };
        signals.insert(name, check.signal(name, sig, &path)?);
    }
    for req in SignalName::REQUIRED {
        if !signals.contains_key(&req) {
            return Err(check.err(
                &format!("signals.{req}"),
                format!(
                    "required signal missing; every map needs {}",
                    SignalName::REQUIRED.map(|s| s.as_str()).join(", ")
                ),
            ));
        }
    }
    check.overlaps(&signals)?;
    let watchdog = match &file.watchdog {
        Some(w) => Some(check.watchdog(w, &connection, &signals)?),
        None => None,
    };
    let rig = match &file.rig {
        Some(r) => Some(check.rig(r, &signals)?),
        None => None,
    };
    Ok(RegisterMap::from_parts(source, connection, watchdog, signals).with_rig(rig))
}

/// The validation pass over one file.
struct Check<'a> {
    file: &'a Path,
}

impl Check<'_> {
    fn err(&self, field: &str, problem: String) -> ConfigError {
        ConfigError::field(self.file, field, problem)
    }

    /// A rule's rejection, located in this file.
    fn rule(&self, (field, problem): Problem) -> ConfigError {
        self.err(&field, problem)
    }

    /// `[rig]`: plausible by itself, and every mapped sensor can read beyond what it allows.
    fn rig(
        &self,
        r: &RigFile,
        signals: &BTreeMap<SignalName, Signal>,
    ) -> Result<RigRating, ConfigError> {
        let rating = RigRating {
            max_pressure_kpa: r.max_pressure_kpa.0,
            volume_ml_min: r.volume_ml_min.0,
            volume_ml_max: r.volume_ml_max.0,
            max_flow_lpm: r.max_flow_lpm.0,
            max_pump_speed_pct: r.max_pump_speed_pct.0,
        };
        rules::rating(&rating).map_err(|p| self.rule(p))?;
        for s in signals.values() {
            rules::against_rating(s, &rating).map_err(|p| self.rule(p))?;
        }
        Ok(rating)
    }

    /// `value` in `1..=hi` ms (`default` when absent); above `hi` the message says `why`.
    fn period(
        &self,
        field: &str,
        value: Option<Integer>,
        hi: u64,
        default: i64,
        why: &str,
    ) -> Result<i64, ConfigError> {
        let hi = hi as i64;
        match value {
            Some(Integer(i)) if i > hi => Err(self.err(
                field,
                format!("{i} ms is too long: {why}; valid: an integer in 1..={hi}"),
            )),
            _ => self.int(field, value, 1, hi, default),
        }
    }

    /// `value` (or `default` when absent) in `lo..=hi`.
    fn int(
        &self,
        field: &str,
        value: Option<Integer>,
        lo: i64,
        hi: i64,
        default: i64,
    ) -> Result<i64, ConfigError> {
        match value {
            None => Ok(default),
            Some(Integer(i)) if (lo..=hi).contains(&i) => Ok(i),
            Some(Integer(i)) => Err(self.err(
                field,
                format!("{i} is out of range; valid: an integer in {lo}..={hi}"),
            )),
        }
    }

    /// A finite number, or `default` when absent.
    fn finite(&self, field: &str, value: Option<Number>, default: f64) -> Result<f64, ConfigError> {
        match value {
            None => Ok(default),
            Some(Number(v)) if v.is_finite() => Ok(v),
            Some(Number(v)) => {
                Err(self.err(field, format!("{v} is not finite; give a finite number")))
            }
        }
    }

    /// `[watchdog]`: the PLC's own timeout on the heartbeat; needs a mapped heartbeat, and
    /// must leave the controller at least two polls and a request timeout to write it.
    fn watchdog(
        &self,
        w: &WatchdogFile,
        connection: &Connection,
        signals: &BTreeMap<SignalName, Signal>,
    ) -> Result<Watchdog, ConfigError> {
        let timeout_ms = self.int(
            "watchdog.timeout_ms",
            Some(w.timeout_ms),
            MIN_WATCHDOG_MS,
            MAX_WATCHDOG_MS,
            0,
        )? as u64;
        if !signals.contains_key(&SignalName::Heartbeat) {
            return Err(self.err(
                "watchdog.timeout_ms",
                "a watchdog needs the heartbeat it watches: map [signals.heartbeat] (a holding \
                 register or coil the controller writes every poll)"
                    .into(),
            ));
        }
        let needed_ms = 2 * connection.poll_ms + connection.timeout_ms;
        if timeout_ms < needed_ms {
            return Err(self.err(
                "watchdog.timeout_ms",
                format!(
                    "{timeout_ms} ms would trip while the controller is healthy; give at least \
                     2 × connection.poll_ms + connection.timeout_ms = {needed_ms} ms"
                ),
            ));
        }
        Ok(Watchdog { timeout_ms })
    }

    fn connection(&self, c: &ConnectionFile) -> Result<Connection, ConfigError> {
        if c.host.trim().is_empty() {
            return Err(self.err(
                "connection.host",
                "is empty; give a host name or IP address, e.g. \"127.0.0.1\"".into(),
            ));
        }
        let port = self.int("connection.port", Some(c.port), 1, 65535, 0)?;
        let unit_id = self.int("connection.unit_id", c.unit_id, 0, 255, 1)?;
        let timeout_ms = self.period(
            "connection.timeout_ms",
            c.timeout_ms,
            MAX_TIMEOUT_MS,
            500,
            "a silent link is noticed only after it, and a pressurised rig must not go \
             unsupervised (e-stop unseen) for longer than a few seconds",
        )?;
        let poll_ms = self.period(
            "connection.poll_ms",
            c.poll_ms,
            MAX_POLL_MS,
            100,
            "the e-stop and the pressure limits are seen only once per poll, and a rig must \
             see an e-stop within a second",
        )?;
        // The ranges above make every conversion lossless.
        Ok(Connection {
            host: c.host.clone(),
            port: port as u16,
            unit_id: unit_id as u8,
            timeout_ms: timeout_ms as u64,
            poll_ms: poll_ms as u64,
        })
    }

    fn signal(&self, name: SignalName, s: &SignalFile, pre: &str) -> Result<Signal, ConfigError> {
        let table = match s.table.as_deref() {
            Some("coil") => Table::Coil,
            Some("discrete") => Table::Discrete,
            Some("input") => Table::Input,
            Some("holding") => Table::Holding,
            Some(other) => {
                return Err(self.err(
                    &format!("{pre}.table"),
                    format!("unknown table \"{other}\"; valid: {VALID_TABLES}"),
                ))
            }
            None => {
                return Err(self.err(
                    &format!("{pre}.table"),
                    format!("missing; valid: {VALID_TABLES}"),
                ))
            }
        };
        let address = self.int(&format!("{pre}.address"), Some(s.address), 0, 65535, 0)? as u16;
        let value_type = match s.value_type.as_deref() {
            Some("bool") => ValueType::Bool,
            Some("u16") => ValueType::U16,
            Some("i16") => ValueType::I16,
            Some("u32") => ValueType::U32,
            Some("i32") => ValueType::I32,
            Some("f32") => ValueType::F32,
            Some(other) => {
                return Err(self.err(
                    &format!("{pre}.type"),
                    format!("unknown type \"{other}\"; valid: {VALID_TYPES}"),
                ))
            }
            None if table.is_bits() => ValueType::Bool,
            None => {
                return Err(self.err(
                    &format!("{pre}.type"),
                    format!(
                        "missing; a signal in the {} table needs one of u16, i16, u32, i32, f32",
                        table.as_str()
                    ),
                ))
            }
        };
        let word_order = match s.word_order.as_deref() {
            None | Some("big") => WordOrder::Big,
            Some("little") => WordOrder::Little,
            Some(other) => {
                return Err(self.err(
                    &format!("{pre}.word_order"),
                    format!("unknown word order \"{other}\"; valid: big, little"),
                ))
            }
        };
        let scale = self.finite(&format!("{pre}.scale"), s.scale, 1.0)?;
        if scale == 0.0 {
            return Err(self.err(
                &format!("{pre}.scale"),
                "is zero; give a finite non-zero number".into(),
            ));
        }
        let offset = self.finite(&format!("{pre}.offset"), s.offset, 0.0)?;

        // Table/type/direction rules.
        let is_bool = value_type == ValueType::Bool;
        if is_bool != table.is_bits() {
            return Err(self.err(
                &format!("{pre}.type"),
                if is_bool {
                    format!(
                        "a bool signal cannot live in the {} table; valid tables for bool: coil, discrete",
                        table.as_str()
                    )
                } else {
                    format!(
                        "a {} signal cannot live in the {} table (bits only); valid type there: bool",
                        value_type.as_str(),
                        table.as_str()
                    )
                },
            ));
        }
        if is_bool {
            let present = [
                ("word_order", s.word_order.is_some()),
                ("scale", s.scale.is_some()),
                ("offset", s.offset.is_some()),
            ];
            if let Some((key, _)) = present.iter().find(|(_, p)| *p) {
                return Err(self.err(
                    &format!("{pre}.{key}"),
                    "not allowed on a bool signal; remove it".into(),
                ));
            }
        }
        if name.is_write() && !table.is_writable() {
            return Err(self.err(
                &format!("{pre}.table"),
                format!(
                    "{name} is written by the controller but the {} table is read-only; valid: {}",
                    table.as_str(),
                    if is_bool { "coil" } else { "holding" }
                ),
            ));
        }
        let sig = Signal {
            name,
            table,
            address,
            value_type,
            word_order,
            scale,
            offset,
        };
        if sig.last_address() > 65535 {
            return Err(self.err(
                &format!("{pre}.address"),
                format!(
                    "a {} at address {address} needs {} words and runs past 65535; valid: address ≤ {}",
                    value_type.as_str(),
                    sig.word_count(),
                    65536 - u32::from(sig.word_count())
                ),
            ));
        }
        rules::kind(&sig).map_err(|p| self.rule(p))?;
        rules::writes(&sig).map_err(|p| self.rule(p))?;
        Ok(sig)
    }

    fn overlaps(&self, signals: &BTreeMap<SignalName, Signal>) -> Result<(), ConfigError> {
        let all: Vec<&Signal> = signals.values().collect();
        for (i, a) in all.iter().enumerate() {
            for b in &all[i + 1..] {
                if a.table == b.table
                    && u32::from(a.address) <= b.last_address()
                    && u32::from(b.address) <= a.last_address()
                {
                    return Err(self.err(
                        &format!("signals.{}.address", b.name),
                        format!(
                            "{} {}..={} overlaps signals.{} ({}..={}) in the {} table; give each signal its own addresses",
                            b.name,
                            b.address,
                            b.last_address(),
                            a.name,
                            a.address,
                            a.last_address(),
                            a.table.as_str()
                        ),
                    ));
                }
            }
        }
        Ok(())
    }
}
