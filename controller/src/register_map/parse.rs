//! map.toml → [`RegisterMap`]: walks the TOML tree by hand so that every rejection names the
//! file, the exact field path and what would be valid.

use std::collections::BTreeMap;
use std::path::Path;

use toml::{Table as TomlTable, Value};

use super::{Connection, MapError, RegisterMap, Signal, SignalName, Table, ValueType, WordOrder};

const VALID_TABLES: &str = "coil, discrete, input, holding";
const VALID_TYPES: &str = "bool, u16, i16, u32, i32, f32";

/// Reads and validates a map file.
pub fn load_map(path: &Path) -> Result<RegisterMap, MapError> {
    let text = std::fs::read_to_string(path).map_err(|source| MapError::Io {
        file: path.display().to_string(),
        source,
    })?;
    parse_map(&text, path)
}

/// Validates map text; `source` is used in error messages only.
pub fn parse_map(text: &str, source: &Path) -> Result<RegisterMap, MapError> {
    let p = Parser {
        file: source.display().to_string(),
    };
    let root: TomlTable = toml::from_str(text).map_err(|e| MapError::Syntax {
        file: p.file.clone(),
        message: e.to_string().trim_end().replace('\n', " "),
    })?;
    p.only_keys(&root, "", &["connection", "signals"])?;
    let conn = p.table(&root, "", "connection")?;
    let connection = p.connection(conn)?;
    let sig_table = p.table(&root, "", "signals")?;

    let mut signals = BTreeMap::new();
    for (key, value) in sig_table {
        let path = format!("signals.{key}");
        let Some(name) = SignalName::from_name(key) else {
            let known: Vec<&str> = SignalName::ALL.iter().map(|s| s.as_str()).collect();
            return Err(p.err(
                &path,
                format!(
                    "unknown signal \"{key}\"; known signals: {}",
                    known.join(", ")
                ),
            ));
        };
        let Value::Table(t) = value else {
            return Err(p.err(&path, "must be a table (e.g. `[signals.x]`)".into()));
        };
        signals.insert(name, p.signal(name, t, &path)?);
    }
    for req in SignalName::REQUIRED {
        if !signals.contains_key(&req) {
            return Err(p.err(
                &format!("signals.{req}"),
                format!(
                    "required signal missing; every map needs {}",
                    SignalName::REQUIRED.map(|s| s.as_str()).join(", ")
                ),
            ));
        }
    }
    p.check_overlaps(&signals)?;
    Ok(RegisterMap::from_parts(source, connection, signals))
}

struct Parser {
    file: String,
}

impl Parser {
    fn err(&self, field: &str, problem: String) -> MapError {
        MapError::Invalid {
            file: self.file.clone(),
            field: field.to_string(),
            problem,
        }
    }

    fn join(prefix: &str, key: &str) -> String {
        if prefix.is_empty() {
            key.to_string()
        } else {
            format!("{prefix}.{key}")
        }
    }

    fn only_keys(&self, t: &TomlTable, prefix: &str, allowed: &[&str]) -> Result<(), MapError> {
        for k in t.keys() {
            if !allowed.contains(&k.as_str()) {
                return Err(self.err(
                    &Self::join(prefix, k),
                    format!("unknown field; valid fields: {}", allowed.join(", ")),
                ));
            }
        }
        Ok(())
    }

    fn table<'a>(
        &self,
        t: &'a TomlTable,
        prefix: &str,
        key: &str,
    ) -> Result<&'a TomlTable, MapError> {
        let path = Self::join(prefix, key);
        match t.get(key) {
            Some(Value::Table(inner)) => Ok(inner),
            Some(_) => Err(self.err(&path, "must be a table".into())),
            None => Err(self.err(&path, "missing; the map needs this table".into())),
        }
    }

    /// An integer in `lo..=hi`, or `default` when absent (None = required).
    fn int(
        &self,
        t: &TomlTable,
        prefix: &str,
        key: &str,
        lo: i64,
        hi: i64,
        default: Option<i64>,
    ) -> Result<i64, MapError> {
        let path = Self::join(prefix, key);
        match t.get(key) {
            None => default
                .ok_or_else(|| self.err(&path, format!("missing; give an integer in {lo}..={hi}"))),
            Some(Value::Integer(i)) if (lo..=hi).contains(i) => Ok(*i),
            Some(Value::Integer(i)) => Err(self.err(
                &path,
                format!("{i} is out of range; valid: an integer in {lo}..={hi}"),
            )),
            Some(v) => Err(self.err(
                &path,
                format!(
                    "expected an integer, found {}; valid: an integer in {lo}..={hi}",
                    v.type_str()
                ),
            )),
        }
    }

    /// A finite number (integer or float), or `default` when absent.
    fn float(&self, t: &TomlTable, prefix: &str, key: &str, default: f64) -> Result<f64, MapError> {
        let path = Self::join(prefix, key);
        let v = match t.get(key) {
            None => return Ok(default),
            Some(Value::Float(f)) => *f,
            Some(Value::Integer(i)) => *i as f64,
            Some(v) => {
                return Err(self.err(&path, format!("expected a number, found {}", v.type_str())))
            }
        };
        if !v.is_finite() {
            return Err(self.err(&path, format!("{v} is not finite; give a finite number")));
        }
        Ok(v)
    }

    fn string<'a>(
        &self,
        t: &'a TomlTable,
        prefix: &str,
        key: &str,
        valid: &str,
    ) -> Result<Option<&'a str>, MapError> {
        match t.get(key) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.as_str())),
            Some(v) => Err(self.err(
                &Self::join(prefix, key),
                format!("expected a string, found {}; valid: {valid}", v.type_str()),
            )),
        }
    }

    fn connection(&self, t: &TomlTable) -> Result<Connection, MapError> {
        let pre = "connection";
        self.only_keys(
            t,
            pre,
            &["host", "port", "unit_id", "timeout_ms", "poll_ms"],
        )?;
        let host = match self.string(t, pre, "host", "a host name or IP address")? {
            Some(h) if !h.trim().is_empty() => h.to_string(),
            Some(_) => {
                return Err(self.err(
                    "connection.host",
                    "is empty; give a host name or IP address, e.g. \"127.0.0.1\"".into(),
                ))
            }
            None => {
                return Err(self.err(
                    "connection.host",
                    "missing; give a host name or IP address, e.g. \"127.0.0.1\"".into(),
                ))
            }
        };
        Ok(Connection {
            host,
            port: self.int(t, pre, "port", 1, 65535, None)? as u16,
            unit_id: self.int(t, pre, "unit_id", 0, 255, Some(1))? as u8,
            timeout_ms: self.int(t, pre, "timeout_ms", 1, 3_600_000, Some(500))? as u64,
            poll_ms: self.int(t, pre, "poll_ms", 1, 3_600_000, Some(100))? as u64,
        })
    }

    fn signal(&self, name: SignalName, t: &TomlTable, pre: &str) -> Result<Signal, MapError> {
        self.only_keys(
            t,
            pre,
            &["table", "address", "type", "word_order", "scale", "offset"],
        )?;
        let table = match self.string(t, pre, "table", VALID_TABLES)? {
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
        let address = self.int(t, pre, "address", 0, 65535, None)? as u16;
        let value_type = match self.string(t, pre, "type", VALID_TYPES)? {
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
        let word_order = match self.string(t, pre, "word_order", "big, little")? {
            None | Some("big") => WordOrder::Big,
            Some("little") => WordOrder::Little,
            Some(other) => {
                return Err(self.err(
                    &format!("{pre}.word_order"),
                    format!("unknown word order \"{other}\"; valid: big, little"),
                ))
            }
        };
        let scale = self.float(t, pre, "scale", 1.0)?;
        if scale == 0.0 {
            return Err(self.err(
                &format!("{pre}.scale"),
                "is zero; give a finite non-zero number".into(),
            ));
        }
        let offset = self.float(t, pre, "offset", 0.0)?;

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
            for key in ["word_order", "scale", "offset"] {
                if t.contains_key(key) {
                    return Err(self.err(
                        &format!("{pre}.{key}"),
                        "not allowed on a bool signal; remove it".into(),
                    ));
                }
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
        Ok(sig)
    }

    fn check_overlaps(&self, signals: &BTreeMap<SignalName, Signal>) -> Result<(), MapError> {
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
