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

/// BASE with a `[rig]` rating of 700 kPa, 100–1500 mL, 30 L/min, 100 %, plus `extra` TOML.
fn rated(extra: &str) -> String {
    format!(
        "{BASE}\n{extra}\n[rig]\nmax_pressure_kpa = 700.0\nvolume_ml_min = 100.0\n\
         volume_ml_max = 1500.0\nmax_flow_lpm = 30.0\nmax_pump_speed_pct = 100.0\n"
    )
}

/// Asserts the one-line message names the file and `field` and contains every needle.
fn assert_one_line(text: &str, field: &str, needles: &[&str]) {
    let e = err(text);
    eprintln!("  {e}");
    assert!(!e.contains('\n'), "not one line: {e}");
    assert_err(text, field, needles);
}

#[test]
fn maps_that_validated_but_lied_are_rejected() {
    let cases: &[(&str, String, &str, &[&str])] = &[
        (
            "test_pressure as a bool (a discrete input)",
            BASE.replace(
                "table = \"input\"\naddress = 0\ntype = \"f32\"",
                "table = \"discrete\"\naddress = 5",
            ),
            "signals.test_pressure.type",
            &["analogue value in kPa", "bool", "u16, i16, u32, i32 or f32"],
        ),
        (
            "flow as a bool coil",
            with("[signals.flow]\ntable = \"discrete\"\naddress = 7\ntype = \"bool\""),
            "signals.flow.type",
            &["analogue value in L/min"],
        ),
        (
            "pump_speed_setpoint as a bool coil",
            with("[signals.pump_speed_setpoint]\ntable = \"coil\"\naddress = 9"),
            "signals.pump_speed_setpoint.type",
            &["analogue value in %", "holding table"],
        ),
        (
            "setpoint whose safe 0 % is out of the type's range",
            with(
                "[signals.pump_speed_setpoint]\ntable = \"holding\"\naddress = 0\ntype = \"u16\"\n\
                 scale = 0.01\noffset = 5.0",
            ),
            "signals.pump_speed_setpoint.offset",
            &["safe state writes 0 %", "raw -500", "never be confirmed stopped"],
        ),
        (
            "setpoint whose safe 0 % is not a whole count",
            with(
                "[signals.pump_speed_setpoint]\ntable = \"holding\"\naddress = 0\ntype = \"i16\"\n\
                 scale = 0.01\noffset = 0.005",
            ),
            "signals.pump_speed_setpoint.offset",
            &["reads back as -0.005 %, not 0"],
        ),
        (
            "vent valve in a holding register with scale 2.5",
            BASE.replace(
                "[signals.vent_valve]\ntable = \"coil\"\naddress = 1",
                "[signals.vent_valve]\ntable = \"holding\"\naddress = 3\ntype = \"u16\"\nscale = 2.5",
            ),
            "signals.vent_valve.scale",
            &[
                "\"open\" (1) would be sent as raw 0 and read back as closed",
                "scale 1 and offset 0",
            ],
        ),
        (
            "pump run command with an offset",
            with(
                "[signals.pump_run]\ntable = \"holding\"\naddress = 3\ntype = \"i16\"\noffset = 1",
            ),
            "signals.pump_run.offset",
            &[
                "the PLC would receive raw 0 for \"on\" and -1 for \"off\"",
                "valid on a register",
            ],
        ),
        (
            "pump run command whose \"off\" is out of range",
            with(
                "[signals.pump_run]\ntable = \"holding\"\naddress = 3\ntype = \"u16\"\noffset = 1",
            ),
            "signals.pump_run.offset",
            &["a 0/1 cannot be sent", "raw -1"],
        ),
        (
            "e-stop in an input register with an offset of −1 (a pressed stop reads 0)",
            BASE.replace(
                "[signals.estop]\ntable = \"discrete\"\naddress = 0",
                "[signals.estop]\ntable = \"input\"\naddress = 20\ntype = \"u16\"\noffset = -1",
            ),
            "signals.estop.offset",
            &["u16 − 1", "a raw 1 (true) as 0", "any non-zero value as true"],
        ),
        (
            "heartbeat in a coil",
            with("[signals.heartbeat]\ntable = \"coil\"\naddress = 9"),
            "signals.heartbeat.type",
            &["counter", "bool", "would see no change"],
        ),
        (
            "heartbeat with scale 2 (two beats, one raw word)",
            with("[signals.heartbeat]\ntable = \"holding\"\naddress = 9\ntype = \"u16\"\nscale = 2"),
            "signals.heartbeat.scale",
            &["same raw word", "watchdog"],
        ),
        (
            "heartbeat that does not fit the counter's range",
            with(
                "[signals.heartbeat]\ntable = \"holding\"\naddress = 9\ntype = \"i16\"\n\
                 offset = -1000",
            ),
            "signals.heartbeat.offset",
            &["0…32767", "31768 does not fit i16 − 1000 (raw 32768)"],
        ),
        (
            "poll_ms of an hour: an e-stop unseen for an hour",
            BASE.replace("poll_ms = 100", "poll_ms = 3600000"),
            "connection.poll_ms",
            &["too long", "e-stop", "1..=1000"],
        ),
        (
            "timeout_ms of a minute",
            BASE.replace("timeout_ms = 500", "timeout_ms = 60000"),
            "connection.timeout_ms",
            &["too long", "1..=5000"],
        ),
        (
            "i16 × 0.01 test pressure against a 700 kPa rating",
            rated("").replace("type = \"f32\"", "type = \"i16\"\nscale = 0.01"),
            "signals.test_pressure.type",
            &["i16 × 0.01 saturates at 327.67 kPa", "rig.max_pressure_kpa = 700 kPa"],
        ),
        (
            "u16 × 0.01 inlet pressure against a 700 kPa rating",
            rated("[signals.inlet_pressure]\ntable = \"input\"\naddress = 10\ntype = \"u16\"\nscale = 0.01"),
            "signals.inlet_pressure.type",
            &["saturates at 655.35 kPa"],
        ),
        (
            "outlet pressure that cannot read a vented tray",
            rated(
                "[signals.outlet_pressure]\ntable = \"input\"\naddress = 10\ntype = \"u16\"\n\
                 scale = 0.1\noffset = 20",
            ),
            "signals.outlet_pressure.offset",
            &["cannot read below 20 kPa", "vented"],
        ),
        (
            "flow meter saturating below the rated flow",
            rated("[signals.flow]\ntable = \"input\"\naddress = 10\ntype = \"u16\"\nscale = 0.0001"),
            "signals.flow.type",
            &["saturates at 6.5535 L/min", "rig.max_flow_lpm = 30 L/min"],
        ),
        (
            "setpoint that cannot be sent the rated top speed",
            rated(
                "[signals.pump_speed_setpoint]\ntable = \"holding\"\naddress = 0\ntype = \"i16\"\n\
                 scale = 0.001",
            ),
            "signals.pump_speed_setpoint.type",
            &["rig.max_pump_speed_pct = 100 %", "cannot be sent"],
        ),
        (
            "rating in bar",
            rated("").replace("max_pressure_kpa = 700.0", "max_pressure_kpa = 7.0"),
            "rig.max_pressure_kpa",
            &["too low", "did you give bar? 7 bar = 700 kPa"],
        ),
        (
            "rating in Pa",
            rated("").replace("max_pressure_kpa = 700.0", "max_pressure_kpa = 700000.0"),
            "rig.max_pressure_kpa",
            &["20…10000 kPa", "did you give Pa? 700000 Pa = 700 kPa"],
        ),
        (
            "fixture range in litres",
            rated("").replace("volume_ml_max = 1500.0", "volume_ml_max = 1.5"),
            "rig.volume_ml_max",
            &["did you give litres? 1.5 litres = 1500 mL"],
        ),
        (
            "fixture range upside down",
            rated("").replace("volume_ml_min = 100.0", "volume_ml_min = 2000.0"),
            "rig.volume_ml_max",
            &["below rig.volume_ml_min"],
        ),
        (
            "pump rating above full speed",
            rated("").replace("max_pump_speed_pct = 100.0", "max_pump_speed_pct = 120.0"),
            "rig.max_pump_speed_pct",
            &["≤ 100"],
        ),
        (
            "non-finite flow rating",
            rated("").replace("max_flow_lpm = 30.0", "max_flow_lpm = inf"),
            "rig.max_flow_lpm",
            &["not finite"],
        ),
        (
            "rating without a field",
            rated("").replace("volume_ml_min = 100.0\n", ""),
            "rig.volume_ml_min",
            &["required field is missing"],
        ),
        (
            "rating with an unknown field",
            rated("").replace("max_flow_lpm = 30.0", "max_flow_lpm = 30.0\nmax_temp_c = 40"),
            "rig.max_temp_c",
            &["unknown field"],
        ),
    ];
    for (what, text, field, needles) in cases {
        eprintln!("case: {what}");
        assert_one_line(text, field, needles);
    }
}

#[test]
fn flags_in_registers_and_exact_writes_are_accepted() {
    // A valve and the pump command as 0/1 registers, an e-stop in an input register, the
    // heartbeat as i16 (0…32767 fits), a setpoint whose offset is a whole count.
    let m = parse_map(
        &rated(
            "[signals.isolation_valve]\ntable = \"holding\"\naddress = 2\ntype = \"u16\"\n\
             [signals.pump_run]\ntable = \"holding\"\naddress = 3\ntype = \"i32\"\nscale = 1\n\
             [signals.pump_fault]\ntable = \"input\"\naddress = 20\ntype = \"u16\"\n\
             [signals.heartbeat]\ntable = \"holding\"\naddress = 9\ntype = \"i16\"\n\
             [signals.pump_speed_setpoint]\ntable = \"holding\"\naddress = 0\ntype = \"i16\"\n\
             scale = 0.01\noffset = -0.5\n",
        ),
        Path::new("map.toml"),
    )
    .unwrap();
    let rig = m.rig.unwrap();
    assert_eq!(rig.max_pressure_kpa, 700.0);
    assert_eq!((rig.volume_ml_min, rig.volume_ml_max), (100.0, 1500.0));
    // Without [rig] a map still loads (the emulator needs none); a leak test refuses it.
    assert!(parse_map(BASE, Path::new("map.toml"))
        .unwrap()
        .rig
        .is_none());
}

#[test]
fn every_safe_state_write_is_covered_by_the_map_checks() {
    use coldtray_controller::l10::safe_state::SAFE_STATE;
    use coldtray_controller::rig::names::SignalKind;
    use coldtray_controller::rig::rules::{FLAG_VALUES, SAFE_PUMP_SPEED_PCT};
    for (signal, value) in SAFE_STATE {
        match signal.kind() {
            SignalKind::Flag => assert!(FLAG_VALUES.contains(&value), "{signal} = {value}"),
            _ if signal == SignalName::PumpSpeedSetpoint => {
                assert_eq!(value, SAFE_PUMP_SPEED_PCT)
            }
            _ => panic!("the map checks do not know that the safe state writes {signal}"),
        }
    }
}

#[test]
fn example_map_has_a_rating() {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../examples/rig/map.toml");
    let rig = load_map(&path)
        .unwrap()
        .rig
        .expect("[rig] in the example map");
    assert!(
        rig.max_pressure_kpa > 600.0,
        "above the emulator's 600 kPa supply"
    );
}
