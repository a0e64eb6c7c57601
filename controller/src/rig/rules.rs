//! The rules that keep a map from lying about the rig, beyond its syntax (which
//! [`parse`](super::parse) checks): every signal has a wire type that can carry what it means,
//! every value the controller will write reaches the PLC exactly, the `[rig]` rating is
//! physically plausible, and every sensor can read beyond the limits the rating allows.
//!
//! Every bound below has its reason in its doc comment; docs/formats/register-map.md repeats
//! them for the person writing the map. A rule answers with the field path and a one-line
//! problem (what is wrong, what is valid, and the likely unit slip), which the parser turns
//! into a [`ConfigError`](coldtray_io::config::ConfigError).

use crate::rig::map::{RigRating, Signal, ValueType};
use crate::rig::names::{SignalKind, SignalName};

/// A rejection: the field path in the file and the one-line problem.
pub(crate) type Problem = (String, String);

/// Longest poll period accepted, ms: the controller sees an e-stop or an over-pressure only
/// once per poll, and a fill rising at ≈ 100 kPa/s must not overshoot the limit by more than
/// ≈ 100 kPa before it is seen.
pub const MAX_POLL_MS: u64 = 1_000;
/// Longest per-request timeout accepted, ms: it is also how long the link may stay silent
/// before a test aborts, and a rig with a tray under pressure must not go unsupervised (e-stop
/// unseen, fill valve possibly open) for more than a few seconds.
pub const MAX_TIMEOUT_MS: u64 = 5_000;
/// Lowest leak-test pressure accepted, kPa gauge: the gas lost through a defect falls with
/// the pressure across it (at least linearly), so a tray that leaks at a rated 300–700 kPa
/// passes at a few kPa; and every value below it is what bar (5.25) or MPa (0.525) typed into
/// a kPa field looks like.
pub const MIN_TEST_PRESSURE_KPA: f64 = 20.0;
/// Highest rig rating accepted, kPa gauge (100 bar): beyond it the gas circuit is
/// high-pressure equipment no compute-tray leak rig is; a larger value is Pa typed as kPa.
pub const MAX_RATED_PRESSURE_KPA: f64 = 10_000.0;
/// Smallest gas volume accepted (tray + fixture), mL: one GPU cold plate with its hoses
/// already holds more; a smaller value is litres typed as mL (0.4 for 400 mL).
pub const MIN_VOLUME_ML: f64 = 10.0;
/// Highest pressure a vented tray may read, kPa gauge: the precheck and the vent phase wait
/// for a tray below 5 kPa, so a pressure sensor must be able to read 0 kPa.
pub const VENTED_READABLE_KPA: f64 = 0.0;
/// Number of heartbeat values: the controller writes 1, 2, …, 32767, 0, 1, … (the counter
/// wraps at 32768 so it fits every integer register type, i16 included; it is the same
/// wrap as the sampler's).
pub const HEARTBEAT_WRAP: u32 = 32_768;

/// Engineering values the controller writes to a flag: 0 (closed / off) and 1 (open / on);
/// the map check of a flag's kind makes both reach the PLC unchanged.
pub const FLAG_VALUES: [f64; 2] = [0.0, 1.0];
/// Engineering value the safe state writes to `pump_speed_setpoint`, %.
pub const SAFE_PUMP_SPEED_PCT: f64 = 0.0;

/// Numeric types, as a map writes them.
const NUMERIC_TYPES: &str = "u16, i16, u32, i32 or f32";

/// " (did you give U? V U = X kPa)" when `value · factor` lands in `lo..=hi` for one of
/// `units` (factor, unit name, target unit), else "".
pub(crate) fn unit_hint(value: f64, lo: f64, hi: f64, units: &[(f64, &str, &str)]) -> String {
    units
        .iter()
        .find(|(factor, _, _)| (lo..=hi).contains(&(value * factor)))
        .map(|(factor, unit, target)| {
            format!(
                " (did you give {unit}? {value} {unit} = {} {target})",
                fmt_num(value * factor)
            )
        })
        .unwrap_or_default()
}

/// A number as a person writes it: no trailing zeros, at most 6 decimals.
pub(crate) fn fmt_num(v: f64) -> String {
    let s = format!("{v:.6}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" {
        "0".into()
    } else {
        s.into()
    }
}

/// A measured quantity to 3 significant digits (0.067965 → "0.068"), for messages.
pub(crate) fn fmt_sig(v: f64) -> String {
    if v == 0.0 || !v.is_finite() {
        return fmt_num(v);
    }
    let decimals = (2 - v.abs().log10().floor() as i32).max(0) as usize;
    let s = format!("{v:.decimals$}");
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').into()
    } else {
        s
    }
}

/// `type × scale + offset`, as a person reads it in a message.
fn describe(s: &Signal) -> String {
    let mut d = s.value_type.as_str().to_string();
    if s.scale != 1.0 {
        d.push_str(&format!(" × {}", fmt_num(s.scale)));
    }
    if s.offset > 0.0 {
        d.push_str(&format!(" + {}", fmt_num(s.offset)));
    } else if s.offset < 0.0 {
        d.push_str(&format!(" − {}", fmt_num(-s.offset)));
    }
    d
}

/// Where a value ends up on the wire: `Ok(engineering value read back)` or `Err(why not)`.
fn round_trip(s: &Signal, value: f64) -> Result<f64, String> {
    let words = s.encode(value).map_err(|e| e.problem)?;
    s.decode(&words).map_err(|e| e.problem)
}

/// True when `back` is `value` up to f32 precision (integer types round to whole counts, so
/// anything not a whole number of counts is off by a fraction of a count).
fn exact(value: f64, back: f64) -> bool {
    (back - value).abs() <= 1e-6 * value.abs().max(1.0)
}

/// The raw word(s) `value` is sent as, for messages.
fn raw_of(s: &Signal, value: f64) -> String {
    let raw = ((value - s.offset) / s.scale).round();
    fmt_num(raw)
}

/// The signal's wire type can carry what the signal means ([`SignalKind`]): analogue values
/// and the heartbeat need a numeric type; a flag on a register must arrive unchanged (scale 1,
/// offset 0), since the PLC acts on the raw 0/1 and the controller reads any non-zero raw
/// value as true.
pub(crate) fn kind(s: &Signal) -> Result<(), Problem> {
    let pre = format!("signals.{}", s.name);
    let writable = if s.name.is_write() {
        "the holding table"
    } else {
        "the input or holding table"
    };
    match s.name.kind() {
        SignalKind::Analogue { unit } if s.value_type == ValueType::Bool => Err((
            format!("{pre}.type"),
            format!(
                "{} is an analogue value in {unit} but the {} table maps it as a bool, which \
                 carries only 0 or 1; valid: {NUMERIC_TYPES} in {writable}",
                s.name,
                s.table.as_str()
            ),
        )),
        SignalKind::Counter if s.value_type == ValueType::Bool => Err((
            format!("{pre}.type"),
            format!(
                "the heartbeat is a counter (0…{}) but this maps it as a bool, which is 1 for \
                 every beat but 0, so the PLC watchdog would see no change; valid: \
                 {NUMERIC_TYPES} in the holding table",
                HEARTBEAT_WRAP - 1
            ),
        )),
        SignalKind::Flag if s.value_type != ValueType::Bool => flag_on_register(s, &pre),
        _ => Ok(()),
    }
}

/// A flag in a register: scale 1 and offset 0 only.
fn flag_on_register(s: &Signal, pre: &str) -> Result<(), Problem> {
    if s.scale == 1.0 && s.offset == 0.0 {
        return Ok(());
    }
    let field = if s.scale != 1.0 {
        format!("{pre}.scale")
    } else {
        format!("{pre}.offset")
    };
    let (on, off) = match s.name {
        SignalName::Estop | SignalName::PumpFault => ("true", "false"),
        SignalName::PumpRun => ("on", "off"),
        _ => ("open", "closed"),
    };
    let effect = if s.name.is_write() {
        match (round_trip(s, 1.0), round_trip(s, 0.0)) {
            (Err(e), _) | (_, Err(e)) => format!("a 0/1 cannot be sent: {e}"),
            (Ok(one), Ok(zero)) => {
                if one == 0.0 {
                    format!(
                        "\"{on}\" (1) would be sent as raw {} and read back as {off}",
                        raw_of(s, 1.0)
                    )
                } else if zero != 0.0 {
                    format!(
                        "\"{off}\" (0) would be sent as raw {} and read back as {on}",
                        raw_of(s, 0.0)
                    )
                } else {
                    format!(
                        "the PLC would receive raw {} for \"{on}\" and {} for \"{off}\" \
                         instead of 1 and 0",
                        raw_of(s, 1.0),
                        raw_of(s, 0.0)
                    )
                }
            }
        }
    } else {
        format!(
            "a raw 0 ({off}) would read as {} and a raw 1 ({on}) as {}, and the controller \
             takes any non-zero value as {on}",
            fmt_num(s.offset),
            fmt_num(s.scale + s.offset)
        )
    };
    Err((
        field,
        format!(
            "{} is a flag (0 = {off}, 1 = {on}) that must reach the PLC unchanged, but with {} \
             {effect}; valid on a register: scale 1 and offset 0 (or leave them out), or a \
             bool in the {} table",
            s.name,
            describe(s),
            if s.name.is_write() {
                "coil"
            } else {
                "coil or discrete"
            }
        ),
    ))
}

/// Every value the controller writes to `s` without a recipe (the safe state's 0 % on the
/// speed setpoint, the heartbeat's 0…32767) reaches the PLC exactly and in range; flags are
/// covered by [`kind`].
pub(crate) fn writes(s: &Signal) -> Result<(), Problem> {
    let pre = format!("signals.{}", s.name);
    match s.name {
        SignalName::PumpSpeedSetpoint => {
            let v = SAFE_PUMP_SPEED_PCT;
            let problem = match round_trip(s, v) {
                Ok(back) if exact(v, back) => return Ok(()),
                Ok(back) => format!(
                    "is raw {} and reads back as {} %, not 0",
                    raw_of(s, v),
                    fmt_num(back)
                ),
                Err(e) => format!("cannot be sent ({e})"),
            };
            Err((
                format!("{pre}.offset"),
                format!(
                    "the safe state writes 0 % to pump_speed_setpoint, which as {} {problem}, \
                     so the pump could never be confirmed stopped; valid: an offset that makes \
                     0 % a whole raw count within the {} range (usually 0)",
                    describe(s),
                    s.value_type.as_str()
                ),
            ))
        }
        SignalName::Heartbeat => heartbeat(s, &pre),
        _ => Ok(()),
    }
}

/// Every heartbeat value 0…32767 must fit the type, and each beat must change the raw word
/// (or the PLC watchdog sees a stalled controller while it is healthy).
fn heartbeat(s: &Signal, pre: &str) -> Result<(), Problem> {
    let valid = "valid: scale 1 and offset 0 (or leave them out) on any numeric type";
    let mut previous: Option<Vec<u16>> = None;
    for n in 0..HEARTBEAT_WRAP {
        let v = f64::from(n);
        let words = s.encode(v).map_err(|_| {
            (
                format!("{pre}.{}", if s.offset != 0.0 { "offset" } else { "type" }),
                format!(
                    "the controller counts the heartbeat 0…{} (wrapping at {HEARTBEAT_WRAP}), \
                     but {v} does not fit {} (raw {}); {valid}",
                    HEARTBEAT_WRAP - 1,
                    describe(s),
                    raw_of(s, v)
                ),
            )
        })?;
        if previous.as_ref() == Some(&words) {
            return Err((
                format!("{pre}.scale"),
                format!(
                    "as {} the heartbeat values {} and {v} are the same raw word, so the PLC \
                     watchdog would see a healthy controller stall; {valid}",
                    describe(s),
                    n - 1
                ),
            ));
        }
        previous = Some(words);
    }
    Ok(())
}

/// `[rig]` as written, checked for plausibility: every field finite, the pressure between the
/// lowest test pressure and [`MAX_RATED_PRESSURE_KPA`], the fixture volumes at least
/// [`MIN_VOLUME_ML`] and in order, flow positive, pump speed in (0, 100] %.
pub(crate) fn rating(r: &RigRating) -> Result<(), Problem> {
    let field = |f: &str| format!("rig.{f}");
    let fields = [
        ("max_pressure_kpa", r.max_pressure_kpa),
        ("volume_ml_min", r.volume_ml_min),
        ("volume_ml_max", r.volume_ml_max),
        ("max_flow_lpm", r.max_flow_lpm),
        ("max_pump_speed_pct", r.max_pump_speed_pct),
    ];
    if let Some((f, v)) = fields.iter().find(|(_, v)| !v.is_finite()) {
        return Err((field(f), format!("{v} is not finite; give a finite number")));
    }
    let p = r.max_pressure_kpa;
    if p <= MIN_TEST_PRESSURE_KPA {
        return Err((
            field("max_pressure_kpa"),
            format!(
                "{} kPa is too low for any leak test (the lowest test pressure is {} kPa); \
                 valid: {}…{} kPa gauge{}",
                fmt_num(p),
                fmt_num(MIN_TEST_PRESSURE_KPA),
                fmt_num(MIN_TEST_PRESSURE_KPA),
                fmt_num(MAX_RATED_PRESSURE_KPA),
                unit_hint(
                    p,
                    MIN_TEST_PRESSURE_KPA,
                    MAX_RATED_PRESSURE_KPA,
                    &[(100.0, "bar", "kPa"), (1000.0, "MPa", "kPa")]
                )
            ),
        ));
    }
    if p > MAX_RATED_PRESSURE_KPA {
        return Err((
            field("max_pressure_kpa"),
            format!(
                "{} kPa (gauge) is beyond any compute-tray leak rig; valid: {}…{} kPa{}",
                fmt_num(p),
                fmt_num(MIN_TEST_PRESSURE_KPA),
                fmt_num(MAX_RATED_PRESSURE_KPA),
                unit_hint(
                    p,
                    MIN_TEST_PRESSURE_KPA,
                    MAX_RATED_PRESSURE_KPA,
                    &[(0.001, "Pa", "kPa")]
                )
            ),
        ));
    }
    for (f, v) in [
        ("volume_ml_min", r.volume_ml_min),
        ("volume_ml_max", r.volume_ml_max),
    ] {
        if v < MIN_VOLUME_ML {
            return Err((
                field(f),
                format!(
                    "{} mL is smaller than any tray and fixture; valid: ≥ {} mL{}",
                    fmt_num(v),
                    fmt_num(MIN_VOLUME_ML),
                    unit_hint(v, MIN_VOLUME_ML, f64::MAX, &[(1000.0, "litres", "mL")])
                ),
            ));
        }
    }
    if r.volume_ml_min > r.volume_ml_max {
        return Err((
            field("volume_ml_max"),
            format!(
                "{} mL is below rig.volume_ml_min ({} mL); valid: ≥ volume_ml_min",
                fmt_num(r.volume_ml_max),
                fmt_num(r.volume_ml_min)
            ),
        ));
    }
    if r.max_flow_lpm <= 0.0 {
        return Err((
            field("max_flow_lpm"),
            format!("{} L/min is invalid; valid: > 0", fmt_num(r.max_flow_lpm)),
        ));
    }
    if !(r.max_pump_speed_pct > 0.0 && r.max_pump_speed_pct <= 100.0) {
        return Err((
            field("max_pump_speed_pct"),
            format!(
                "{} % is invalid; valid: > 0 and ≤ 100 (a drive cannot be commanded beyond \
                 full speed)",
                fmt_num(r.max_pump_speed_pct)
            ),
        ));
    }
    Ok(())
}

/// The signal can carry every value the rating allows: a pressure sensor reads beyond
/// `max_pressure_kpa` (else an over-pressure saturates at the top of its range and never trips
/// the limit) and down to 0 kPa (a vented tray); the flow meter and the speed feedback read
/// beyond their ratings; the speed setpoint can be sent the rated top speed.
pub(crate) fn against_rating(s: &Signal, r: &RigRating) -> Result<(), Problem> {
    let pre = format!("signals.{}", s.name);
    if s.value_type == ValueType::Bool {
        return Ok(()); // [`kind`] has rejected every analogue bool
    }
    let (lo, hi) = s.encodable_range();
    let above = |limit: f64, field: &str, unit: &str| -> Result<(), Problem> {
        if hi > limit {
            return Ok(());
        }
        Err((
            format!("{pre}.type"),
            format!(
                "{} saturates at {} {unit}, not above rig.{field} = {} {unit}: a reading beyond \
                 the limit would show {} {unit} and never trip it; valid: a type and scale whose \
                 range ends above {} {unit} (e.g. f32, or a larger scale)",
                describe(s),
                fmt_num(hi),
                fmt_num(limit),
                fmt_num(hi),
                fmt_num(limit)
            ),
        ))
    };
    match s.name {
        SignalName::TestPressure | SignalName::InletPressure | SignalName::OutletPressure => {
            above(r.max_pressure_kpa, "max_pressure_kpa", "kPa")?;
            if lo > VENTED_READABLE_KPA {
                return Err((
                    format!("{pre}.offset"),
                    format!(
                        "{} cannot read below {} kPa, so a vented tray (0 kPa gauge) never \
                         reads as vented; valid: a range that includes 0 kPa",
                        describe(s),
                        fmt_num(lo)
                    ),
                ));
            }
            Ok(())
        }
        SignalName::Flow => above(r.max_flow_lpm, "max_flow_lpm", "L/min"),
        SignalName::PumpSpeed => above(r.max_pump_speed_pct, "max_pump_speed_pct", "%"),
        SignalName::PumpSpeedSetpoint => match s.encode(r.max_pump_speed_pct) {
            Ok(_) => Ok(()),
            Err(e) => Err((
                format!("{pre}.type"),
                format!(
                    "the rig allows speeds up to rig.max_pump_speed_pct = {} %, which as {} \
                     cannot be sent ({}); valid: a type and scale that reach {} %",
                    fmt_num(r.max_pump_speed_pct),
                    describe(s),
                    e.problem,
                    fmt_num(r.max_pump_speed_pct)
                ),
            )),
        },
        _ => Ok(()),
    }
}

/// A pump speed a recipe commands reaches the drive exactly (a whole number of counts, in
/// range); `Err` says what would be sent instead.
pub fn speed_setpoint(s: &Signal, speed_pct: f64) -> Result<(), String> {
    match round_trip(s, speed_pct) {
        Ok(back) if exact(speed_pct, back) => Ok(()),
        Ok(back) => Err(format!(
            "{} % is not a whole number of setpoint counts ({}): it would be sent as {} %; \
             valid: a multiple of {} %",
            fmt_num(speed_pct),
            describe(s),
            fmt_num(back),
            fmt_num(s.scale.abs())
        )),
        Err(e) => Err(format!(
            "{} % cannot be sent as {} ({e})",
            fmt_num(speed_pct),
            describe(s)
        )),
    }
}
