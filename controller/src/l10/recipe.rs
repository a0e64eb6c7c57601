//! `recipe.toml`: the test program (docs/formats/recipe.md), parsed with serde and validated before the
//! rig is touched.
//!
//! Validation rules (every one has a test):
//! - every number finite; durations, volume and leak threshold positive, except
//!   `leak.stabilize_s` and `flow.settle_s`, which may be 0 (no stabilisation / no settling);
//! - `limits.max_pressure_kpa` > 0, `limits.max_pump_speed_pct` in (0, 100] (a drive cannot run
//!   faster than 100 %), `limits.max_flow_lpm` > 0;
//! - `leak.test_pressure_kpa` ≥ [`MIN_TEST_PRESSURE_KPA`] (a defect leaks too little below it
//!   to be seen; smaller values are bar or MPa typed as kPa) and below
//!   `limits.max_pressure_kpa` (the supervisor aborts above the limit, so a target at or above
//!   it could never be reached safely);
//! - `leak.volume_ml` ≥ [`MIN_VOLUME_ML`] (smaller is litres typed as mL);
//! - flow steps: at least one; `speed_pct` in (0, `max_pump_speed_pct`]; `0 ≤ min_flow_lpm ≤
//!   max_flow_lpm ≤ limits.max_flow_lpm`; `max_dp_kpa` > 0 and ≤ `limits.max_pressure_kpa`.
//! - [`validate_against_map`]: the map has a `[rig]` rating; `[limits]` within it;
//!   `leak.volume_ml` within the fixtures' `rig.volume_ml_min..=volume_ml_max`; a recipe with
//!   a `[flow]` section needs `pump_run`, `pump_speed_setpoint`, `flow`, `inlet_pressure` and
//!   `outlet_pressure` in the map, and every step's `speed_pct` must reach the drive exactly
//!   through the setpoint's type and scale; a leak at `max_leak_sccm` must move
//!   `test_pressure` by at least [`MIN_THRESHOLD_DECAY_COUNTS`] counts over `measure_s`.

use std::path::{Path, PathBuf};

use coldtray_io::config::{self, ConfigError, Format};
use serde::Deserialize;

use crate::l10::leak_rate::{ATM_KPA, T_DEFAULT_K, T_STD_K};
use crate::rig::map::RegisterMap;
use crate::rig::names::SignalName;
use crate::rig::rules::{self, fmt_num, fmt_sig, unit_hint, MIN_TEST_PRESSURE_KPA, MIN_VOLUME_ML};

/// How recipes are named in messages.
pub const RECIPE_FORMAT: Format = Format {
    what: "a recipe",
    needs: "`name`, a [limits] table and a [leak] table",
    doc: "docs/formats/recipe.md",
};

/// Rig safety limits: never commanded beyond, abort when exceeded.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Limits {
    /// Highest pressure any pressure signal may read, kPa gauge.
    pub max_pressure_kpa: f64,
    /// Highest pump speed ever commanded, %.
    pub max_pump_speed_pct: f64,
    /// Highest flow the loop may read, L/min.
    pub max_flow_lpm: f64,
}

/// The pressure-decay leak test.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LeakSpec {
    /// Fill target, kPa gauge.
    pub test_pressure_kpa: f64,
    /// Fill must reach the target within this time, else "gross leak".
    pub fill_timeout_s: f64,
    /// Valves closed, waiting for the compression heat to decay (0 allowed).
    pub stabilize_s: f64,
    /// Duration of the decay measurement.
    pub measure_s: f64,
    /// Internal gas volume of tray + fixture, mL.
    pub volume_ml: f64,
    /// Pass threshold, sccm.
    pub max_leak_sccm: f64,
    /// Vent must bring the pressure below 5 kPa within this time.
    pub vent_timeout_s: f64,
}

/// One pump speed step of the flow test.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FlowStep {
    /// Pump speed of the step, %.
    pub speed_pct: f64,
    /// Lowest flow in band, L/min.
    pub min_flow_lpm: f64,
    /// Highest flow in band, L/min.
    pub max_flow_lpm: f64,
    /// Upper bound of ΔP = inlet − outlet across the tray, kPa.
    pub max_dp_kpa: f64,
}

/// The optional flow / ΔP test.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FlowSpec {
    /// Wait after each speed change before averaging.
    pub settle_s: f64,
    /// Averaging window after settling (optional field, default 2 s).
    #[serde(default = "default_average_s")]
    pub average_s: f64,
    /// The speed steps, run in order.
    pub steps: Vec<FlowStep>,
}

fn default_average_s() -> f64 {
    2.0
}

/// A validated recipe.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Recipe {
    /// A name for people (in the record).
    pub name: String,
    /// Rig safety limits.
    pub limits: Limits,
    /// The leak test.
    pub leak: LeakSpec,
    #[serde(default)]
    /// The flow test, if the recipe has one.
    pub flow: Option<FlowSpec>,
    /// The file it came from (for error messages).
    #[serde(skip)]
    pub source: PathBuf,
}

/// Reads, parses and validates a recipe file.
pub fn load_recipe(path: &Path) -> Result<Recipe, ConfigError> {
    let text = config::read_text(path, &RECIPE_FORMAT)?;
    parse_recipe(&text, path)
}

/// Parses and validates recipe text; `source` names the file in errors and in
/// [`Recipe::source`].
pub fn parse_recipe(text: &str, source: &Path) -> Result<Recipe, ConfigError> {
    let mut recipe: Recipe = config::parse_toml(text, source, &RECIPE_FORMAT)?;
    recipe.source = source.to_path_buf();
    recipe.validate()?;
    Ok(recipe)
}

/// Checks a recipe against the rig it will run on (rules in the module doc). A map without
/// `[rig]` is refused (reported against the map): a rating has no safe default. Every other
/// rejection is reported against the recipe's field, naming the map.
pub fn validate_against_map(recipe: &Recipe, map: &RegisterMap) -> Result<(), ConfigError> {
    against_rating(recipe, map)?;
    resolves_the_threshold(recipe, map)?;
    let Some(flow) = &recipe.flow else {
        return Ok(());
    };
    let missing: Vec<&str> = SignalName::FLOW
        .iter()
        .filter(|s| map.get(**s).is_none())
        .map(|s| s.as_str())
        .collect();
    if missing.is_empty() {
        if let Some(sp) = map.get(SignalName::PumpSpeedSetpoint) {
            for (i, step) in flow.steps.iter().enumerate() {
                rules::speed_setpoint(sp, step.speed_pct).map_err(|problem| {
                    recipe.invalid(
                        &format!("flow.steps[{i}].speed_pct"),
                        format!(
                            "{problem} (signals.pump_speed_setpoint in {})",
                            map.source.display()
                        ),
                    )
                })?;
            }
        }
        return Ok(());
    }
    Err(ConfigError::field(
        &recipe.source,
        "flow",
        format!(
            "the flow test needs signals missing from the register map {}: {}; add them to the map or remove [flow] from the recipe",
            map.source.display(),
            missing.join(", ")
        ),
    ))
}

/// The recipe within the map's `[rig]` rating: each of `[limits]` at most the rating's, and
/// `leak.volume_ml` within the fixtures' range. (The test pressure and the flow steps are
/// bounded by `[limits]`, so they are within the rating too.)
fn against_rating(recipe: &Recipe, map: &RegisterMap) -> Result<(), ConfigError> {
    let map_name = map.source.display();
    let Some(rig) = &map.rig else {
        return Err(ConfigError::field(
            &map.source,
            "rig",
            format!(
                "missing; a leak test checks {} against the rig's rating: add [rig] with \
                 max_pressure_kpa, volume_ml_min, volume_ml_max, max_flow_lpm and \
                 max_pump_speed_pct (docs/formats/register-map.md)",
                recipe.source.display()
            ),
        ));
    };
    let l = &recipe.limits;
    let over = [
        (
            "limits.max_pressure_kpa",
            l.max_pressure_kpa,
            rig.max_pressure_kpa,
            "max_pressure_kpa",
            "kPa",
            unit_hint(
                l.max_pressure_kpa,
                MIN_TEST_PRESSURE_KPA,
                rig.max_pressure_kpa,
                &[(0.001, "Pa", "kPa")],
            ),
        ),
        (
            "limits.max_pump_speed_pct",
            l.max_pump_speed_pct,
            rig.max_pump_speed_pct,
            "max_pump_speed_pct",
            "%",
            String::new(),
        ),
        (
            "limits.max_flow_lpm",
            l.max_flow_lpm,
            rig.max_flow_lpm,
            "max_flow_lpm",
            "L/min",
            String::new(),
        ),
    ];
    for (field, value, rated, rig_field, unit, hint) in over {
        if value > rated {
            return Err(recipe.invalid(
                field,
                format!(
                    "{} {unit} exceeds the rig's rating rig.{rig_field} = {} {unit} in \
                     {map_name}; valid: ≤ {}{hint}",
                    fmt_num(value),
                    fmt_num(rated),
                    fmt_num(rated)
                ),
            ));
        }
    }
    let v = recipe.leak.volume_ml;
    if !(rig.volume_ml_min..=rig.volume_ml_max).contains(&v) {
        let hint = unit_hint(
            v,
            rig.volume_ml_min,
            rig.volume_ml_max,
            &[(1000.0, "litres", "mL")],
        );
        return Err(recipe.invalid(
            "leak.volume_ml",
            format!(
                "{} mL is outside the rig's fixtures (rig.volume_ml_min..=volume_ml_max in \
                 {map_name}); valid: {}…{} mL{hint}",
                fmt_num(v),
                fmt_num(rig.volume_ml_min),
                fmt_num(rig.volume_ml_max)
            ),
        ));
    }
    Ok(())
}

/// Counts of `test_pressure` a leak at the pass threshold must move the reading by over
/// `measure_s`: with fewer, quantisation alone shifts the fitted rate by more than ≈ 10 %, and
/// below one count a leaker reads as no decay at all (a PASS).
pub const MIN_THRESHOLD_DECAY_COUNTS: f64 = 10.0;

/// Pressure drop, kPa, a leak of `sccm` causes in `volume_ml` over `measure_s` at 20 °C (the
/// leak-rate formula solved for ΔP).
fn threshold_decay_kpa(sccm: f64, measure_s: f64, volume_ml: f64) -> f64 {
    sccm * (measure_s / 60.0) * ATM_KPA * T_DEFAULT_K / (T_STD_K * volume_ml)
}

/// The map's `test_pressure` resolves the decay a leak at `max_leak_sccm` causes over
/// `measure_s` by at least [`MIN_THRESHOLD_DECAY_COUNTS`] counts (at the test pressure).
fn resolves_the_threshold(recipe: &Recipe, map: &RegisterMap) -> Result<(), ConfigError> {
    let Some(p) = map.get(SignalName::TestPressure) else {
        return Ok(()); // a map without it does not parse
    };
    let k = &recipe.leak;
    let decay_kpa = threshold_decay_kpa(k.max_leak_sccm, k.measure_s, k.volume_ml);
    let count_kpa = p.resolution_at(k.test_pressure_kpa);
    if decay_kpa >= MIN_THRESHOLD_DECAY_COUNTS * count_kpa {
        return Ok(());
    }
    let measure_needed_s = k.measure_s * MIN_THRESHOLD_DECAY_COUNTS * count_kpa / decay_kpa;
    Err(recipe.invalid(
        "leak.max_leak_sccm",
        format!(
            "a {} sccm leak in {} mL drops the pressure only {} kPa over measure_s = {} s, less \
             than {} counts of signals.test_pressure ({} kPa per count in {}), so a leaker \
             cannot be told from a good tray; valid: measure_s ≥ {} s, a higher max_leak_sccm, \
             or a test_pressure type and scale finer than {} kPa per count",
            fmt_num(k.max_leak_sccm),
            fmt_num(k.volume_ml),
            fmt_sig(decay_kpa),
            fmt_num(k.measure_s),
            fmt_num(MIN_THRESHOLD_DECAY_COUNTS),
            fmt_sig(count_kpa),
            map.source.display(),
            fmt_num(measure_needed_s.ceil()),
            fmt_sig(decay_kpa / MIN_THRESHOLD_DECAY_COUNTS)
        ),
    ))
}

impl Recipe {
    fn invalid(&self, field: &str, problem: String) -> ConfigError {
        ConfigError::field(&self.source, field, problem)
    }

    /// Requires `lo < value ≤ hi` (or `lo ≤ value` when `allow_lo`), and finiteness.
    fn check(
        &self,
        field: &str,
        value: f64,
        lo: f64,
        allow_lo: bool,
        hi: Option<(f64, &str)>,
    ) -> Result<(), ConfigError> {
        if !value.is_finite() {
            return Err(self.invalid(field, format!("{value} is not a finite number")));
        }
        let low_ok = if allow_lo { value >= lo } else { value > lo };
        if !low_ok {
            let rel = if allow_lo { "≥" } else { ">" };
            return Err(self.invalid(field, format!("{value} is invalid; must be {rel} {lo}")));
        }
        if let Some((h, what)) = hi {
            if value > h {
                return Err(self.invalid(
                    field,
                    format!("{value} exceeds {what} ({h}); must be ≤ {h}"),
                ));
            }
        }
        Ok(())
    }

    fn validate(&self) -> Result<(), ConfigError> {
        if self.name.trim().is_empty() {
            return Err(self.invalid("name", "is empty; give the recipe a name".into()));
        }
        let l = &self.limits;
        self.check(
            "limits.max_pressure_kpa",
            l.max_pressure_kpa,
            0.0,
            false,
            None,
        )?;
        self.check(
            "limits.max_pump_speed_pct",
            l.max_pump_speed_pct,
            0.0,
            false,
            Some((100.0, "the drive's full speed")),
        )?;
        self.check("limits.max_flow_lpm", l.max_flow_lpm, 0.0, false, None)?;

        let k = &self.leak;
        self.check(
            "leak.test_pressure_kpa",
            k.test_pressure_kpa,
            0.0,
            false,
            None,
        )?;
        if k.test_pressure_kpa < MIN_TEST_PRESSURE_KPA {
            return Err(self.invalid(
                "leak.test_pressure_kpa",
                format!(
                    "{} kPa is too low for a decay test to see a leak; valid: ≥ {} kPa gauge{}",
                    fmt_num(k.test_pressure_kpa),
                    fmt_num(MIN_TEST_PRESSURE_KPA),
                    unit_hint(
                        k.test_pressure_kpa,
                        MIN_TEST_PRESSURE_KPA,
                        l.max_pressure_kpa,
                        &[(100.0, "bar", "kPa"), (1000.0, "MPa", "kPa")]
                    )
                ),
            ));
        }
        if k.test_pressure_kpa >= l.max_pressure_kpa {
            return Err(self.invalid(
                "leak.test_pressure_kpa",
                format!(
                    "{} kPa is not below limits.max_pressure_kpa ({} kPa); the test pressure must stay under the rig's limit",
                    k.test_pressure_kpa, l.max_pressure_kpa
                ),
            ));
        }
        self.check("leak.fill_timeout_s", k.fill_timeout_s, 0.0, false, None)?;
        self.check("leak.stabilize_s", k.stabilize_s, 0.0, true, None)?;
        self.check("leak.measure_s", k.measure_s, 0.0, false, None)?;
        self.check("leak.volume_ml", k.volume_ml, 0.0, false, None)?;
        if k.volume_ml < MIN_VOLUME_ML {
            return Err(self.invalid(
                "leak.volume_ml",
                format!(
                    "{} mL is smaller than any tray and fixture; valid: ≥ {} mL{}",
                    fmt_num(k.volume_ml),
                    fmt_num(MIN_VOLUME_ML),
                    unit_hint(
                        k.volume_ml,
                        MIN_VOLUME_ML,
                        f64::MAX,
                        &[(1000.0, "litres", "mL")]
                    )
                ),
            ));
        }
        self.check("leak.max_leak_sccm", k.max_leak_sccm, 0.0, false, None)?;
        self.check("leak.vent_timeout_s", k.vent_timeout_s, 0.0, false, None)?;

        if let Some(f) = &self.flow {
            self.check("flow.settle_s", f.settle_s, 0.0, true, None)?;
            self.check("flow.average_s", f.average_s, 0.0, false, None)?;
            if f.steps.is_empty() {
                return Err(self.invalid(
                    "flow.steps",
                    "is empty; give at least one [[flow.steps]] or remove [flow]".into(),
                ));
            }
            for (i, s) in f.steps.iter().enumerate() {
                let p = format!("flow.steps[{i}]");
                self.check(
                    &format!("{p}.speed_pct"),
                    s.speed_pct,
                    0.0,
                    false,
                    Some((l.max_pump_speed_pct, "limits.max_pump_speed_pct")),
                )?;
                self.check(
                    &format!("{p}.max_flow_lpm"),
                    s.max_flow_lpm,
                    0.0,
                    false,
                    Some((l.max_flow_lpm, "limits.max_flow_lpm")),
                )?;
                self.check(
                    &format!("{p}.min_flow_lpm"),
                    s.min_flow_lpm,
                    0.0,
                    true,
                    Some((s.max_flow_lpm, "this step's max_flow_lpm")),
                )?;
                self.check(
                    &format!("{p}.max_dp_kpa"),
                    s.max_dp_kpa,
                    0.0,
                    false,
                    Some((l.max_pressure_kpa, "limits.max_pressure_kpa")),
                )?;
            }
        }
        Ok(())
    }
}
