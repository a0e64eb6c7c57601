//! Codec and read-plan unit tests; words are computed by hand from IEEE 754 / two's complement.

use super::map::*;
use super::names::SignalName;
use super::parse::parse_map;
use std::path::Path;

fn sig(value_type: ValueType, word_order: WordOrder, scale: f64, offset: f64) -> Signal {
    Signal {
        name: SignalName::TestPressure,
        table: Table::Holding,
        address: 0,
        value_type,
        word_order,
        scale,
        offset,
    }
}

#[test]
fn f32_one_point_five_big_and_little() {
    // 1.5 = 0x3FC0_0000 (sign 0, exponent 127, mantissa 0.5).
    let big = sig(ValueType::F32, WordOrder::Big, 1.0, 0.0);
    assert_eq!(big.encode(1.5).unwrap(), vec![0x3FC0, 0x0000]);
    assert_eq!(big.decode(&[0x3FC0, 0x0000]).unwrap(), 1.5);
    let little = sig(ValueType::F32, WordOrder::Little, 1.0, 0.0);
    assert_eq!(little.encode(1.5).unwrap(), vec![0x0000, 0x3FC0]);
    assert_eq!(little.decode(&[0x0000, 0x3FC0]).unwrap(), 1.5);
}

#[test]
fn f32_nan_passes_through() {
    let s = sig(ValueType::F32, WordOrder::Big, 1.0, 0.0);
    let w = s.encode(f64::NAN).unwrap();
    assert!(s.decode(&w).unwrap().is_nan());
    assert!(s.decode(&[0x7FC0, 0x0000]).unwrap().is_nan());
}

#[test]
fn i16_minus_one_is_ffff() {
    let s = sig(ValueType::I16, WordOrder::Big, 1.0, 0.0);
    assert_eq!(s.encode(-1.0).unwrap(), vec![0xFFFF]);
    assert_eq!(s.decode(&[0xFFFF]).unwrap(), -1.0);
    assert_eq!(s.decode(&[0x8000]).unwrap(), -32768.0);
}

#[test]
fn u32_and_i32_words() {
    // 70000 = 0x0001_1170
    let u = sig(ValueType::U32, WordOrder::Big, 1.0, 0.0);
    assert_eq!(u.encode(70000.0).unwrap(), vec![0x0001, 0x1170]);
    assert_eq!(u.decode(&[0x0001, 0x1170]).unwrap(), 70000.0);
    let ul = sig(ValueType::U32, WordOrder::Little, 1.0, 0.0);
    assert_eq!(ul.encode(70000.0).unwrap(), vec![0x1170, 0x0001]);
    // -2 = 0xFFFF_FFFE
    let i = sig(ValueType::I32, WordOrder::Big, 1.0, 0.0);
    assert_eq!(i.encode(-2.0).unwrap(), vec![0xFFFF, 0xFFFE]);
    assert_eq!(i.decode(&[0xFFFF, 0xFFFE]).unwrap(), -2.0);
    let il = sig(ValueType::I32, WordOrder::Little, 1.0, 0.0);
    assert_eq!(il.decode(&[0xFFFE, 0xFFFF]).unwrap(), -2.0);
}

#[test]
fn scale_offset_round_trip() {
    // 525.3 kPa with scale 0.1 → raw 5253 = 0x1485.
    let s = sig(ValueType::U16, WordOrder::Big, 0.1, 0.0);
    assert_eq!(s.encode(525.3).unwrap(), vec![5253]);
    assert!((s.decode(&[5253]).unwrap() - 525.3).abs() < 1e-9);
    // Temperature as i16 with scale 0.01 and offset -40: 22.5 °C → raw 6250.
    let t = sig(ValueType::I16, WordOrder::Big, 0.01, -40.0);
    assert_eq!(t.encode(22.5).unwrap(), vec![6250]);
    assert!((t.decode(&[6250]).unwrap() - 22.5).abs() < 1e-9);
}

#[test]
fn integer_range_errors() {
    let u = sig(ValueType::U16, WordOrder::Big, 1.0, 0.0);
    assert!(u.encode(-1.0).is_err());
    assert!(u.encode(65536.0).is_err());
    assert!(u.encode(f64::NAN).is_err());
    assert_eq!(u.encode(65535.0).unwrap(), vec![65535]);
    let i = sig(ValueType::I16, WordOrder::Big, 1.0, 0.0);
    assert!(i.encode(32768.0).is_err());
    assert!(i.encode(-32769.0).is_err());
    let scaled = sig(ValueType::U16, WordOrder::Big, 0.1, 0.0);
    let e = scaled.encode(7000.0).unwrap_err().to_string();
    assert!(e.contains("test_pressure") && e.contains("u16"), "{e}");
    let u32s = sig(ValueType::U32, WordOrder::Big, 1.0, 0.0);
    assert!(u32s.encode(4_294_967_296.0).is_err());
    assert!(
        u32s.decode(&[1]).is_err(),
        "wrong word count must be an error"
    );
}

#[test]
fn bool_encode_decode() {
    let b = Signal {
        table: Table::Coil,
        ..sig(ValueType::Bool, WordOrder::Big, 1.0, 0.0)
    };
    assert_eq!(b.encode(1.0).unwrap(), vec![1]);
    assert_eq!(b.encode(0.0).unwrap(), vec![0]);
    assert_eq!(b.decode(&[1]).unwrap(), 1.0);
    assert_eq!(b.decode(&[0]).unwrap(), 0.0);
}

const PLAN_MAP: &str = r#"
[connection]
host = "127.0.0.1"
port = 5020
[signals.test_pressure]
table = "input"
address = 0
type = "f32"
[signals.gas_temperature]
table = "input"
address = 2
type = "f32"
[signals.flow]
table = "input"
address = 10
type = "u16"
[signals.estop]
table = "discrete"
address = 0
[signals.pump_fault]
table = "discrete"
address = 1
[signals.fill_valve]
table = "coil"
address = 0
[signals.vent_valve]
table = "coil"
address = 1
"#;

#[test]
fn read_plan_merges_contiguous_only() {
    let m = parse_map(PLAN_MAP, Path::new("map.toml")).unwrap();
    let plan = m.read_plan(&[
        SignalName::Flow,
        SignalName::GasTemperature,
        SignalName::TestPressure,
        SignalName::Estop,
        SignalName::PumpFault,
        SignalName::Heartbeat,    // unmapped: ignored
        SignalName::TestPressure, // duplicate: ignored
    ]);
    assert_eq!(
        plan,
        vec![
            ReadBlock {
                table: Table::Discrete,
                start: 0,
                count: 2,
                members: vec![SignalName::Estop, SignalName::PumpFault]
            },
            ReadBlock {
                table: Table::Input,
                start: 0,
                count: 4,
                members: vec![SignalName::TestPressure, SignalName::GasTemperature]
            },
            ReadBlock {
                table: Table::Input,
                start: 10,
                count: 1,
                members: vec![SignalName::Flow]
            },
        ]
    );
    assert_eq!(
        m.signal_at(Table::Input, 3).unwrap().name,
        SignalName::GasTemperature
    );
    assert!(m.signal_at(Table::Input, 4).is_none());
    assert!(!m.has_flow_signals());
}

/// A minimal map with `[connection]` poll 100 ms, timeout 500 ms, plus `extra` TOML.
fn map_with(extra: &str) -> Result<RegisterMap, coldtray_io::ConfigError> {
    let text = format!(
        "[connection]\nhost = \"127.0.0.1\"\nport = 5020\npoll_ms = 100\ntimeout_ms = 500\n\
         [signals.test_pressure]\ntable = \"input\"\naddress = 0\ntype = \"f32\"\n\
         [signals.fill_valve]\ntable = \"coil\"\naddress = 0\n\
         [signals.vent_valve]\ntable = \"coil\"\naddress = 1\n\
         [signals.estop]\ntable = \"discrete\"\naddress = 0\n{extra}"
    );
    parse_map(&text, Path::new("map.toml"))
}

#[test]
fn watchdog_is_optional_and_needs_a_heartbeat_and_time_to_write_it() {
    assert_eq!(map_with("").unwrap().watchdog, None);
    let heartbeat = "[signals.heartbeat]\ntable = \"holding\"\naddress = 9\ntype = \"u16\"\n";
    let ok = map_with(&format!("[watchdog]\ntimeout_ms = 1000\n{heartbeat}")).unwrap();
    assert_eq!(ok.watchdog, Some(Watchdog { timeout_ms: 1000 }));

    let e = map_with("[watchdog]\ntimeout_ms = 1000\n").unwrap_err();
    assert_eq!(e.field.as_deref(), Some("watchdog.timeout_ms"));
    assert!(e.problem.contains("heartbeat"), "{e}");

    // 2 polls (200 ms) + one request timeout (500 ms) = 700 ms at least.
    let e = map_with(&format!("[watchdog]\ntimeout_ms = 600\n{heartbeat}")).unwrap_err();
    assert!(e.problem.contains("700 ms"), "{e}");
    let e = map_with(&format!("[watchdog]\ntimeout_ms = 60000\n{heartbeat}")).unwrap_err();
    assert_eq!(e.field.as_deref(), Some("watchdog.timeout_ms"), "{e}");
}

#[test]
fn encodable_range_is_the_raw_range_scaled() {
    let i16c = sig(ValueType::I16, WordOrder::Big, 0.01, 0.0);
    let (lo, hi) = i16c.encodable_range();
    assert!(
        (lo + 327.68).abs() < 1e-9 && (hi - 327.67).abs() < 1e-9,
        "{lo} {hi}"
    );
    // A negative scale swaps the ends; an offset shifts both.
    let (lo, hi) = sig(ValueType::U16, WordOrder::Big, -0.1, 10.0).encodable_range();
    assert!(
        (lo + 6543.5).abs() < 1e-9 && (hi - 10.0).abs() < 1e-9,
        "{lo} {hi}"
    );
    assert!(
        sig(ValueType::F32, WordOrder::Big, 1.0, 0.0)
            .encodable_range()
            .1
            > 1e38
    );
}

#[test]
fn resolution_is_one_count_or_one_f32_step() {
    assert_eq!(
        sig(ValueType::U16, WordOrder::Big, 0.1, 0.0).resolution_at(525.0),
        0.1
    );
    // 525 lies in [512, 1024): one f32 step is 2^(9 − 23) = 2^−14.
    let f = sig(ValueType::F32, WordOrder::Big, 1.0, 0.0).resolution_at(525.0);
    assert_eq!(f, 2f64.powi(-14));
}
