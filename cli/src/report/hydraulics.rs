//! The `hydraulics` object of `results.json`, rendered without knowing its keys: the report
//! shows whatever the solver writes there, so a new figure appears without a change here.
//!
//! Scalars become a two-column table (key, value); an array of objects (one row per channel
//! field, say) becomes a table with one column per key; a nested object becomes its own
//! sub-heading. Units are in the key names (`_kpa`, `_lpm`), as everywhere in results.json.

use maud::{html, Markup};
use serde_json::{Map, Value};

/// The whole `hydraulics` value.
pub(super) fn table(v: &Value) -> Markup {
    match v {
        Value::Object(m) => object(m, 3),
        Value::Array(rows) => rows_table(rows),
        other => html! { p { (scalar(other)) } },
    }
}

/// An object: its scalars in one key/value table, then each array or object under its key.
fn object(m: &Map<String, Value>, level: u8) -> Markup {
    let scalars: Vec<(&String, &Value)> = m.iter().filter(|(_, v)| is_scalar(v)).collect();
    html! {
        @if !scalars.is_empty() {
            table.kv {
                @for (k, v) in &scalars { tr { th { code { (k) } } td { (scalar(v)) } } }
            }
        }
        @for (k, v) in m.iter().filter(|(_, v)| !is_scalar(v)) {
            @if level <= 3 { h3 { code { (k) } } } @else { h4 { code { (k) } } }
            @match v {
                Value::Array(rows) => (rows_table(rows)),
                Value::Object(inner) => (object(inner, level.saturating_add(1))),
                _ => {}
            }
        }
    }
}

/// An array: a table with a column per key when its elements are objects, else a list.
fn rows_table(rows: &[Value]) -> Markup {
    if !rows.iter().all(Value::is_object) {
        let items: Vec<String> = rows.iter().map(scalar).collect();
        return html! { p { (items.join(", ")) } };
    }
    let mut keys: Vec<&String> = Vec::new();
    for row in rows.iter().filter_map(Value::as_object) {
        for k in row.keys() {
            if !keys.contains(&k) {
                keys.push(k);
            }
        }
    }
    html! {
        table.data {
            thead { tr { @for k in &keys { th { code { (k) } } } } }
            tbody {
                @for row in rows.iter().filter_map(Value::as_object) {
                    tr {
                        @for k in &keys {
                            @let cell = row.get(*k).map(scalar).unwrap_or_default();
                            @if row.get(*k).is_some_and(Value::is_number) { td.num { (cell) } } @else { td { (cell) } }
                        }
                    }
                }
            }
        }
    }
}

fn is_scalar(v: &Value) -> bool {
    !(v.is_object() || v.is_array())
}

/// A value as text: numbers to four significant figures, strings as they are, anything
/// nested as compact JSON.
fn scalar(v: &Value) -> String {
    match v {
        Value::Null => "–".into(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => match (n.as_i64(), n.as_f64()) {
            (Some(i), _) => i.to_string(),
            (None, Some(x)) => number(x),
            _ => n.to_string(),
        },
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// Four significant figures; exponent form for very small or very large magnitudes.
fn number(x: f64) -> String {
    let a = x.abs();
    if a == 0.0 {
        "0".into()
    } else if !(1e-3..1e6).contains(&a) {
        format!("{x:.3e}")
    } else {
        let decimals = (3 - a.log10().floor() as i32).max(0) as usize;
        format!("{x:.decimals$}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_keep_four_significant_figures() {
        assert_eq!(number(8.3456), "8.346");
        assert_eq!(number(1234.56), "1235");
        assert_eq!(number(0.012345), "0.01235");
        assert_eq!(number(2.5e-7), "2.500e-7");
    }

    #[test]
    fn any_shape_renders_with_its_keys_escaped() {
        let v: Value = serde_json::json!({
            "pressure_drop_kpa": 8.3,
            "fields": [{"layer": "fins", "flow_lpm": 1.2}, {"layer": "<b>", "re": 900}],
            "manifold": {"loss_kpa": 1.0}
        });
        let html = table(&v).into_string();
        assert!(html.contains("pressure_drop_kpa") && html.contains("8.300"));
        // Union of the rows' keys as columns; a missing cell stays empty.
        assert!(html.contains("<code>re</code>") && html.contains("&lt;b&gt;"));
        assert!(!html.contains("<b>"));
        assert!(html.contains("manifold") && html.contains("loss_kpa"));
    }
}
