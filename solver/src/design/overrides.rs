//! `--set PATH=VALUE` overrides: change fields of a design's TOML before it is deserialised,
//! so the overridden design goes through the same serde and validation as any design file.
//!
//! # Path grammar
//!
//! `PATH` is a list of segments separated by `.`; each segment is a plain name (no quotes, no
//! brackets, not empty):
//!
//! - in a table, a segment is a key: `coolant.flow_lpm`, `domain.cell_mm`,
//!   `boundary.top.h_w_m2k`;
//! - in an array of tables whose elements have a `name` (`[[layers]]`, `[[blocks]]`,
//!   `[[materials]]`), a segment is an element's name: `layers.tim1.thickness_mm`,
//!   `blocks.gpu_die_0.power_w`, `materials.tim_grease.k`;
//! - in an array of tables without names (`[[layers.channels]]`), one element is passed
//!   through (`layers.coldplate_fins.channels.channel_width_mm` works for `[layers.channels]`
//!   and for a single `[[layers.channels]]`); with several, a segment is the element's
//!   0-based position in the file (`layers.coldplate_fins.channels.1.channel_width_mm`),
//!   because there is no name to use.
//!
//! A name that contains `.` or a quote cannot be addressed; such a path is rejected with a
//! message that says so. Tables on the path that do not exist are created and a key that
//! does not exist is added: the serde pass then decides whether it is a valid field, and its
//! error lists the valid ones.
//!
//! # Values
//!
//! `VALUE` is read as a TOML value (`2.5`, `40`, `true`, `"copper"`, `["gpu_die_0"]`); a bare
//! word that is not valid TOML (`copper`, `+y`) is taken as a string.
//!
//! # Errors
//!
//! Every error is one [`ConfigError`] line whose field is `--set PATH`: an unknown name lists
//! the names there, a wrong type or a rejected value carries the design rule's message.

use std::fmt;
use std::path::Path;
use std::str::FromStr;

use coldtray_io::config;
use coldtray_io::ConfigError;
use toml::{Table, Value};

use super::FORMAT;

/// One `PATH=VALUE` override (see the module doc for the grammar).
#[derive(Debug, Clone, PartialEq)]
pub struct Override {
    /// The dotted path, as given (`blocks.gpu_die_0.power_w`).
    pub path: String,
    /// The value as given on the command line (`950`), for provenance and messages.
    pub raw: String,
    /// The parsed value.
    pub value: Value,
}

impl Override {
    /// An override of `path` with `value` (already a TOML value).
    pub fn new(path: &str, value: Value) -> Result<Override, String> {
        check_path(path)?;
        Ok(Override {
            path: path.to_string(),
            raw: value.to_string(),
            value,
        })
    }

    /// The path's segments.
    fn segments(&self) -> Vec<&str> {
        self.path.split('.').collect()
    }
}

impl FromStr for Override {
    type Err = String;

    /// Parses `PATH=VALUE`; the error says what is wrong with the path's syntax (whether the
    /// path exists is decided against a design by [`apply_overrides`]).
    fn from_str(spec: &str) -> Result<Override, String> {
        let Some((path, raw)) = spec.split_once('=') else {
            return Err(format!(
                "`{spec}` is not PATH=VALUE (e.g. coolant.flow_lpm=2.5)"
            ));
        };
        let (path, raw) = (path.trim(), raw.trim());
        check_path(path)?;
        Ok(Override {
            path: path.to_string(),
            raw: raw.to_string(),
            value: parse_value(raw),
        })
    }
}

impl fmt::Display for Override {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}={}", self.path, self.raw)
    }
}

/// The path's syntax: non-empty segments of plain names.
fn check_path(path: &str) -> Result<(), String> {
    if path.is_empty() {
        return Err("the path before `=` is empty (e.g. coolant.flow_lpm=2.5)".into());
    }
    if let Some(c) = path.chars().find(|c| matches!(c, '"' | '\'' | '[' | ']')) {
        return Err(format!(
            "`{path}`: `{c}` cannot appear in a --set path: segments are plain names separated \
             by `.` (quoting is not supported, so a name that contains `.` or a quote cannot be \
             addressed; rename it in the design)"
        ));
    }
    if path.split('.').any(|s| s.trim().is_empty()) {
        return Err(format!(
            "`{path}` has an empty segment: segments are names separated by single dots \
             (e.g. blocks.gpu_die_0.power_w)"
        ));
    }
    if path.chars().any(char::is_whitespace) {
        return Err(format!(
            "`{path}` contains a space: a --set path cannot address a name with spaces"
        ));
    }
    Ok(())
}

/// A command-line value as TOML: a number, bool, string, array or inline table if it parses
/// as one, else the text itself as a string.
fn parse_value(raw: &str) -> Value {
    match format!("v = {raw}\n").parse::<Table>() {
        Ok(mut t) if t.len() == 1 => t.remove("v").unwrap_or_else(|| Value::String(raw.into())),
        _ => Value::String(raw.to_string()),
    }
}

/// Where one override landed: its index path as the validation messages spell it
/// (`layers[8].channels.channel_width_mm`), so their errors can be reported at `--set PATH`.
#[derive(Debug, Clone)]
pub(super) struct Applied {
    spec: Override,
    index_path: String,
}

/// Applies `overrides`, in order, to design text and returns the resulting TOML table.
///
/// `origin` names the design file in errors. A path through a name that does not exist, or
/// through a value that is not a table, is an error listing what is valid there; whether the
/// final key and value are valid is for the design's validation (see
/// [`crate::Design::from_toml_str_with`]).
pub fn apply_overrides_table(
    text: &str,
    origin: &Path,
    overrides: &[Override],
) -> Result<Table, ConfigError> {
    apply(text, origin, overrides).map(|(t, _)| t)
}

/// Applies `overrides` to design text and returns the overridden design as TOML text; with
/// no overrides, `text` unchanged. A sweep applies each variant's overrides to its base text
/// with this and hands the result to [`crate::Design::from_toml_str_with`] or writes it out.
pub fn apply_overrides(
    text: &str,
    origin: &Path,
    overrides: &[Override],
) -> Result<String, ConfigError> {
    if overrides.is_empty() {
        return Ok(text.to_string());
    }
    let table = apply_overrides_table(text, origin, overrides)?;
    to_toml(&table, origin)
}

/// The order of a design's top-level tables in written text (as in docs/formats/design.md);
/// other keys follow in alphabetical order.
const SECTION_ORDER: [&str; 7] = [
    "domain",
    "materials",
    "layers",
    "blocks",
    "coolant",
    "boundary",
    "transient",
];

/// A design table as TOML text: top-level keys that are plain values first (`name`), then the
/// sections in the order of the format's documentation; numbers are written so that they read
/// back bit for bit. (Keys inside a section come out in alphabetical order.)
pub fn to_toml(table: &Table, origin: &Path) -> Result<String, ConfigError> {
    let write = |t: &Table| {
        toml::to_string(t).map_err(|e| {
            ConfigError::read(origin, format!("cannot write the overridden design: {e}"))
        })
    };
    let is_section = |v: &Value| match v {
        Value::Table(_) => true,
        Value::Array(a) => !a.is_empty() && a.iter().all(Value::is_table),
        _ => false,
    };
    let mut head = Table::new();
    let mut sections: Vec<(&String, &Value)> = Vec::new();
    for (k, v) in table {
        if is_section(v) {
            sections.push((k, v));
        } else {
            head.insert(k.clone(), v.clone());
        }
    }
    let rank = |k: &str| {
        SECTION_ORDER
            .iter()
            .position(|s| *s == k)
            .unwrap_or(SECTION_ORDER.len())
    };
    sections.sort_by(|a, b| rank(a.0).cmp(&rank(b.0)).then(a.0.cmp(b.0)));
    let mut parts = vec![write(&head)?];
    for (k, v) in sections {
        let mut one = Table::new();
        one.insert(k.clone(), v.clone());
        parts.push(write(&one)?);
    }
    Ok(parts.join("\n"))
}

pub(super) fn apply(
    text: &str,
    origin: &Path,
    overrides: &[Override],
) -> Result<(Table, Vec<Applied>), ConfigError> {
    let mut table: Table = config::parse_toml(text, origin, &FORMAT)?;
    let mut applied = Vec::with_capacity(overrides.len());
    for o in overrides {
        let index_path = set(&mut table, o, origin)?;
        applied.push(Applied {
            spec: o.clone(),
            index_path,
        });
    }
    Ok((table, applied))
}

/// Top-level arrays of tables whose elements are addressed by name: an override reaching
/// into one the design lacks is an error here (creating it would give a confusing type error).
const ELEMENT_ARRAYS: [&str; 3] = ["materials", "layers", "blocks"];

/// "layers" → "layer", "channels" → "channel field": what one element of an array is called.
fn element_noun(key: &str) -> String {
    match key {
        "channels" => "channel field".into(),
        k => k.strip_suffix('s').unwrap_or(k).to_string(),
    }
}

/// Sets `o.value` at `o.path` in `root`; returns the index path.
fn set(root: &mut Table, o: &Override, origin: &Path) -> Result<String, ConfigError> {
    let segs = o.segments();
    let err = |problem: String| ConfigError::field(origin, format!("--set {}", o.path), problem);
    let mut table = root;
    let mut index_path = String::new();
    let mut by_name = String::new();
    let mut i = 0;
    while i + 1 < segs.len() {
        let key = segs[i];
        let here = if by_name.is_empty() {
            key.to_string()
        } else {
            format!("{by_name}.{key}")
        };
        push_key(&mut index_path, key);
        if ELEMENT_ARRAYS.contains(&here.as_str()) && !table.contains_key(key) {
            let noun = element_noun(key);
            return Err(err(format!(
                "the design has no [[{key}]], so there is no {noun} `{}` to set; an override \
                 changes fields and cannot add a {noun}",
                segs[i + 1]
            )));
        }
        let entry = table
            .entry(key.to_string())
            .or_insert_with(|| Value::Table(Table::new()));
        let table_array = match &*entry {
            Value::Table(_) => false,
            Value::Array(items) if !items.is_empty() && items.iter().all(Value::is_table) => true,
            other => {
                return Err(err(format!(
                    "`{here}` is {}, not a table: there is nothing under it to set",
                    type_name(other)
                )));
            }
        };
        match entry {
            Value::Table(t) if !table_array => {
                table = t;
                by_name = here;
                i += 1;
            }
            Value::Array(items) => {
                let noun = element_noun(key);
                let named = items
                    .iter()
                    .all(|v| v.get("name").is_some_and(Value::is_str));
                let (pick, used) = if named {
                    let want = segs[i + 1];
                    let names: Vec<&str> = items
                        .iter()
                        .filter_map(|v| v.get("name").and_then(Value::as_str))
                        .collect();
                    let hits: Vec<usize> = (0..names.len())
                        .filter(|&n| names[n].trim() == want)
                        .collect();
                    match hits[..] {
                        [n] => (n, 2),
                        [] => {
                            let rest = segs[i + 1..].join(".");
                            if let Some(dotted) = names
                                .iter()
                                .find(|n| n.contains('.') && rest.starts_with(n.trim()))
                            {
                                return Err(err(format!(
                                    "{noun} `{dotted}` has a `.` in its name, which a --set \
                                     path cannot address (segments are separated by `.`); \
                                     rename the {noun} in the design"
                                )));
                            }
                            return Err(err(format!(
                                "no {noun} named `{want}` in `{here}`; the {noun}s are: {}",
                                names.join(", ")
                            )));
                        }
                        _ => {
                            return Err(err(format!(
                                "{} {noun}s are named `{want}` in `{here}`; names must be \
                                 unique to be addressed",
                                hits.len()
                            )))
                        }
                    }
                } else if items.len() == 1 {
                    (0, 1)
                } else {
                    let want = segs[i + 1];
                    match want.parse::<usize>() {
                        Ok(n) if n < items.len() => (n, 2),
                        _ => {
                            return Err(err(format!(
                                "`{here}` holds {} {noun}s, which have no names: address one by \
                                 its position in the file, 0 to {} (got `{want}`)",
                                items.len(),
                                items.len() - 1
                            )))
                        }
                    }
                };
                if used == 2 {
                    index_path.push_str(&format!("[{pick}]"));
                    by_name = format!("{here}.{}", segs[i + 1]);
                } else {
                    by_name = here;
                }
                i += used;
                if i >= segs.len() {
                    return Err(err(format!(
                        "`{by_name}` is a {noun} (a table); name one of its fields"
                    )));
                }
                match &mut items[pick] {
                    Value::Table(t) => table = t,
                    _ => unreachable!("all items are tables"),
                }
            }
            _ => unreachable!("checked above"),
        }
    }
    let Some(&last) = segs.get(i) else {
        return Err(err(
            "the path ends at a table; name one of its fields".into()
        ));
    };
    push_key(&mut index_path, last);
    table.insert(last.to_string(), o.value.clone());
    Ok(index_path)
}

fn push_key(path: &mut String, key: &str) {
    if !path.is_empty() {
        path.push('.');
    }
    path.push_str(key);
}

/// "a number", "a string", … for messages.
fn type_name(v: &Value) -> &'static str {
    match v {
        Value::String(_) => "a string",
        Value::Integer(_) | Value::Float(_) => "a number",
        Value::Boolean(_) => "a boolean",
        Value::Datetime(_) => "a date",
        Value::Array(_) => "an array",
        Value::Table(_) => "a table",
    }
}

/// `field` with every `[0]` removed: validation names a single `[layers.channels]` table
/// `layers[8].channels`, serde names it `layers[8].channels[0]`.
fn normalise(field: &str) -> String {
    field.replace("[0]", "")
}

/// Reports a validation error of the overridden design at the override it concerns (the
/// field is `--set PATH`), and without a line and column: they would point into the
/// re-written text, not the user's file.
pub(super) fn attribute(mut e: ConfigError, applied: &[Applied]) -> ConfigError {
    if applied.is_empty() {
        return e;
    }
    e.line = None;
    e.column = None;
    let Some(field) = e.field.as_deref().map(normalise) else {
        return e;
    };
    // The last override wins when two touch the same field.
    for a in applied.iter().rev() {
        let p = normalise(&a.index_path);
        let inside = field == p
            || field.starts_with(&format!("{p}."))
            || field.starts_with(&format!("{p}["));
        let above = p.starts_with(&format!("{field}."));
        if inside || above {
            // serde names Rust types; say what a design author writes.
            let problem = e
                .problem
                .replace("expected f64", "expected a number")
                .replace("expected i64", "expected an integer");
            let set_to = if problem.starts_with("unknown field") {
                String::new()
            } else {
                format!(" (set to {})", a.spec.raw)
            };
            e.problem = if field == p {
                format!("{problem}{set_to}")
            } else {
                let at = e.field.as_deref().unwrap_or("");
                format!("`{at}`: {problem}{set_to}")
            };
            e.field = Some(format!("--set {}", a.spec.path));
            return e;
        }
    }
    e
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_toml_or_bare_strings() {
        let v = |s: &str| s.parse::<Override>().map(|o| o.value);
        assert_eq!(v("a=2.5"), Ok(Value::Float(2.5)));
        assert_eq!(v("a=40"), Ok(Value::Integer(40)));
        assert_eq!(v("a=true"), Ok(Value::Boolean(true)));
        assert_eq!(v("a=copper"), Ok(Value::String("copper".into())));
        assert_eq!(v("a=+y"), Ok(Value::String("+y".into())));
        assert_eq!(v("a=\"x.y\""), Ok(Value::String("x.y".into())));
        // Injection of a second key is just a string.
        assert_eq!(v("a=1\nb = 2"), Ok(Value::String("1\nb = 2".into())));
    }

    #[test]
    fn path_syntax_is_checked() {
        for bad in [
            "=1",
            "a..b=1",
            ".a=1",
            "a.=1",
            "layers.\"x.y\".k=1",
            "a['b']=1",
            "a",
        ] {
            assert!(bad.parse::<Override>().is_err(), "{bad}");
        }
        let e = "layers.'x.y'.k=1".parse::<Override>().unwrap_err();
        assert!(e.contains("cannot be addressed"), "{e}");
    }
}
