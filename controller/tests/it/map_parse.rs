//! map.toml parser: the shipped example loads, and every rejection rule names the file, the
//! field path and what would be valid.

use std::path::{Path, PathBuf};

use coldtray_controller::rig::map::{Table, ValueType, WordOrder};
use coldtray_controller::rig::parse::{load_map, parse_map};
use coldtray_controller::SignalName;

const BASE: &str = r#"
[connection]
host = "127.0.0.1"
port = 5020
unit_id = 1
timeout_ms = 500
poll_ms = 100

[signals.test_pressure]
table = "input"
address = 0
type = "f32"

[signals.fill_valve]
table = "coil"
address = 0

[signals.vent_valve]
table = "coil"
address = 1

[signals.estop]
table = "discrete"
address = 0
"#;

fn err(text: &str) -> String {
    parse_map(text, Path::new("map.toml"))
        .unwrap_err()
        .to_string()
}

fn with(extra: &str) -> String {
    format!("{BASE}\n{extra}")
}

/// Asserts the message starts with the file and field path and contains every `needle`.
fn assert_err(text: &str, field: &str, needles: &[&str]) {
    let e = err(text);
    assert!(
        e.starts_with(&format!("map.toml: {field}: ")),
        "wrong field in: {e}"
    );
    for n in needles {
        assert!(e.contains(n), "missing {n:?} in: {e}");
    }
}

#[test]
fn example_map_loads_with_every_signal() {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../examples/rig/map.toml");
    let m = load_map(&path).unwrap();
    assert_eq!(m.connection.port, 5020);
    for s in SignalName::ALL {
        assert!(m.get(s).is_some(), "example map lacks {s}");
    }
    assert!(m.has_flow_signals());
    let inlet = m.get(SignalName::InletPressure).unwrap();
    assert_eq!(inlet.value_type, ValueType::U16);
    assert!((inlet.scale - 0.1).abs() < 1e-12);
    assert_eq!(
        m.get(SignalName::Flow).unwrap().word_order,
        WordOrder::Little
    );
    assert_eq!(
        m.get(SignalName::TestPressure).unwrap().word_order,
        WordOrder::Big
    );
}

#[test]
fn base_map_defaults() {
    let m = parse_map(BASE, Path::new("map.toml")).unwrap();
    let f = m.get(SignalName::FillValve).unwrap();
    assert_eq!(f.table, Table::Coil);
    assert_eq!(f.value_type, ValueType::Bool);
    let minimal = BASE.replace("unit_id = 1\ntimeout_ms = 500\npoll_ms = 100\n", "");
    let m = parse_map(&minimal, Path::new("map.toml")).unwrap();
    assert_eq!(
        (
            m.connection.unit_id,
            m.connection.timeout_ms,
            m.connection.poll_ms
        ),
        (1, 500, 100)
    );
}

#[test]
fn unknown_type() {
    assert_err(
        &BASE.replace("type = \"f32\"", "type = \"float\""),
        "signals.test_pressure.type",
        &[
            "unknown type \"float\"",
            "valid: bool, u16, i16, u32, i32, f32",
        ],
    );
}

#[test]
fn unknown_table_and_word_order() {
    assert_err(
        &BASE.replace("table = \"input\"", "table = \"inputs\""),
        "signals.test_pressure.table",
        &["unknown table \"inputs\"", "coil, discrete, input, holding"],
    );
    assert_err(
        &BASE.replace("type = \"f32\"", "type = \"f32\"\nword_order = \"middle\""),
        "signals.test_pressure.word_order",
        &["\"middle\"", "big, little"],
    );
}

#[test]
fn unknown_signal_lists_known_ones() {
    assert_err(
        &with("[signals.tank_pressure]\ntable = \"input\"\naddress = 9\ntype = \"u16\""),
        "signals.tank_pressure",
        &[
            "unknown signal",
            "test_pressure",
            "heartbeat",
            "pump_speed_setpoint",
        ],
    );
}

#[test]
fn unknown_fields_rejected() {
    assert_err(
        &BASE.replace(
            "address = 0\ntype = \"f32\"",
            "address = 0\ntype = \"f32\"\nunits = \"kPa\"",
        ),
        "signals.test_pressure.units",
        &[
            "unknown field",
            "table, address, type, word_order, scale, offset",
        ],
    );
    assert_err(&with("[extra]\nx = 1"), "extra", &["unknown field"]);
    assert_err(
        &BASE.replace("poll_ms = 100", "poll_ms = 100\nretries = 3"),
        "connection.retries",
        &["unknown field", "host, port"],
    );
}

#[test]
fn required_signals() {
    let no_estop = BASE.replace("[signals.estop]\ntable = \"discrete\"\naddress = 0\n", "");
    assert_err(
        &no_estop,
        "signals.estop",
        &["required", "test_pressure, fill_valve, vent_valve, estop"],
    );
    assert_err(
        "[connection]\nhost=\"h\"\nport=1\n",
        "signals",
        &["missing"],
    );
    assert_err(
        &BASE.replace("[connection]", "[conn]"),
        "conn",
        &["unknown field"],
    );
}

#[test]
fn bool_and_table_rules() {
    // A numeric type in a bit table.
    assert_err(
        &BASE.replace(
            "table = \"discrete\"\naddress = 0",
            "table = \"discrete\"\naddress = 0\ntype = \"u16\"",
        ),
        "signals.estop.type",
        &["cannot live in the discrete table", "bool"],
    );
    // A bool in a register table.
    assert_err(
        &BASE.replace(
            "table = \"input\"\naddress = 0\ntype = \"f32\"",
            "table = \"input\"\naddress = 0\ntype = \"bool\"",
        ),
        "signals.test_pressure.type",
        &[
            "bool signal cannot live in the input table",
            "coil, discrete",
        ],
    );
    // A register signal without a type.
    assert_err(
        &BASE.replace("type = \"f32\"\n", ""),
        "signals.test_pressure.type",
        &["missing", "u16, i16, u32, i32, f32"],
    );
    // A write signal in a read-only table.
    assert_err(
        &BASE.replace(
            "table = \"coil\"\naddress = 0",
            "table = \"discrete\"\naddress = 5",
        ),
        "signals.fill_valve.table",
        &["written by the controller", "read-only", "valid: coil"],
    );
    assert_err(
        &with("[signals.pump_speed_setpoint]\ntable = \"input\"\naddress = 20\ntype = \"u16\""),
        "signals.pump_speed_setpoint.table",
        &["valid: holding"],
    );
    // Scale on a bool.
    assert_err(
        &BASE.replace(
            "table = \"coil\"\naddress = 1",
            "table = \"coil\"\naddress = 1\nscale = 2.0",
        ),
        "signals.vent_valve.scale",
        &["not allowed on a bool"],
    );
}

#[test]
fn scale_and_offset() {
    assert_err(
        &BASE.replace("type = \"f32\"", "type = \"f32\"\nscale = 0.0"),
        "signals.test_pressure.scale",
        &["zero", "non-zero"],
    );
    assert_err(
        &BASE.replace("type = \"f32\"", "type = \"f32\"\nscale = nan"),
        "signals.test_pressure.scale",
        &["not finite"],
    );
    assert_err(
        &BASE.replace("type = \"f32\"", "type = \"f32\"\noffset = inf"),
        "signals.test_pressure.offset",
        &["not finite"],
    );
    assert_err(
        &BASE.replace("type = \"f32\"", "type = \"f32\"\nscale = \"0.1\""),
        "signals.test_pressure.scale",
        &["expected a number"],
    );
}

#[test]
fn addresses() {
    assert_err(
        &BASE.replace("address = 1", "address = 0"),
        "signals.vent_valve.address",
        &["overlaps signals.fill_valve", "coil"],
    );
    // An f32 at 0..=1 overlaps a u16 at 1 in the same table.
    assert_err(
        &with("[signals.flow]\ntable = \"input\"\naddress = 1\ntype = \"u16\""),
        "signals.flow.address",
        &["overlaps signals.test_pressure"],
    );
    // Same address in different tables is fine.
    parse_map(
        &with("[signals.flow]\ntable = \"holding\"\naddress = 0\ntype = \"u16\""),
        Path::new("m"),
    )
    .unwrap();
    assert_err(
        &BASE.replace(
            "address = 0\ntype = \"f32\"",
            "address = 65535\ntype = \"f32\"",
        ),
        "signals.test_pressure.address",
        &["runs past 65535", "address ≤ 65534"],
    );
    assert_err(
        &BASE.replace(
            "address = 0\ntype = \"f32\"",
            "address = 70000\ntype = \"f32\"",
        ),
        "signals.test_pressure.address",
        &["out of range", "0..=65535"],
    );
    assert_err(
        &BASE.replace(
            "address = 0\ntype = \"f32\"",
            "address = -1\ntype = \"f32\"",
        ),
        "signals.test_pressure.address",
        &["out of range"],
    );
    assert_err(
        &BASE.replace("address = 0\ntype = \"f32\"", "type = \"f32\""),
        "signals.test_pressure.address",
        &["missing"],
    );
}

#[test]
fn connection_fields() {
    assert_err(
        &BASE.replace("port = 5020", "port = 0"),
        "connection.port",
        &["1..=65535"],
    );
    assert_err(
        &BASE.replace("port = 5020", "port = 70000"),
        "connection.port",
        &["1..=65535"],
    );
    assert_err(
        &BASE.replace("port = 5020", "port = \"5020\""),
        "connection.port",
        &["expected an integer"],
    );
    assert_err(
        &BASE.replace("port = 5020\n", ""),
        "connection.port",
        &["missing"],
    );
    assert_err(
        &BASE.replace("unit_id = 1", "unit_id = 256"),
        "connection.unit_id",
        &["0..=255"],
    );
    assert_err(
        &BASE.replace("timeout_ms = 500", "timeout_ms = 0"),
        "connection.timeout_ms",
        &["out of range"],
    );
    assert_err(
        &BASE.replace("poll_ms = 100", "poll_ms = -5"),
        "connection.poll_ms",
        &["out of range"],
    );
    assert_err(
        &BASE.replace("host = \"127.0.0.1\"", "host = \"\""),
        "connection.host",
        &["empty"],
    );
    assert_err(
        &BASE.replace("host = \"127.0.0.1\"\n", ""),
        "connection.host",
        &["missing"],
    );
}

#[test]
fn syntax_and_io_errors_name_the_file() {
    let e = err("[connection\nhost=");
    assert!(e.starts_with("map.toml:1:"), "{e}");
    assert!(e.contains("TOML syntax error"), "{e}");
    assert!(!e.contains('\n'), "one line: {e}");
    let e = load_map(Path::new("/nonexistent/map.toml"))
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("/nonexistent/map.toml") && e.contains("cannot read"),
        "{e}"
    );
}
