//! HotSpot configuration files (`-c`): one `-name value` pair per line. A parameter the file
//! does not give takes HotSpot's built-in default (HotSpot 7's `default_thermal_config`).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::words;
use crate::ImportError;

/// HotSpot's built-in defaults of the parameters the import maps (SI units, kelvin).
pub mod defaults {
    /// Chip thickness, m.
    pub const T_CHIP: f64 = 0.15e-3;
    /// Chip conductivity, W/(m·K).
    pub const K_CHIP: f64 = 100.0;
    /// Chip volumetric heat capacity, J/(m³·K).
    pub const P_CHIP: f64 = 1.75e6;
    /// Convection resistance, K/W.
    pub const R_CONVEC: f64 = 0.1;
    /// Sink side, m.
    pub const S_SINK: f64 = 60e-3;
    /// Sink thickness, m.
    pub const T_SINK: f64 = 6.9e-3;
    /// Sink conductivity, W/(m·K).
    pub const K_SINK: f64 = 400.0;
    /// Sink volumetric heat capacity, J/(m³·K).
    pub const P_SINK: f64 = 3.55e6;
    /// Spreader side, m.
    pub const S_SPREADER: f64 = 30e-3;
    /// Spreader thickness, m.
    pub const T_SPREADER: f64 = 1e-3;
    /// Spreader conductivity, W/(m·K).
    pub const K_SPREADER: f64 = 400.0;
    /// Spreader volumetric heat capacity, J/(m³·K).
    pub const P_SPREADER: f64 = 3.55e6;
    /// Interface thickness, m.
    pub const T_INTERFACE: f64 = 20e-6;
    /// Interface conductivity, W/(m·K).
    pub const K_INTERFACE: f64 = 4.0;
    /// Interface volumetric heat capacity, J/(m³·K).
    pub const P_INTERFACE: f64 = 4.0e6;
    /// Ambient, K.
    pub const AMBIENT: f64 = 45.0 + 273.15;
    /// Initial temperature, K.
    pub const INIT_TEMP: f64 = 60.0 + 273.15;
    /// Sampling interval, s.
    pub const SAMPLING_INTVL: f64 = 3.333e-6;
    /// Grid rows and columns.
    pub const GRID: f64 = 64.0;
}

/// Parameters that do not change a steady conduction model, or that coldtray represents
/// otherwise: the import mentions them and goes on.
const IGNORED: &[(&str, &str)] = &[
    (
        "c_convec",
        "the sink's lumped convection capacitance; coldtray models the sink's own heat capacity",
    ),
    ("thermal_threshold", "a DTM trigger"),
    ("base_proc_freq", "a DTM setting"),
    ("dtm_used", "DTM is not modelled"),
    ("model_type", "coldtray always solves a 3-D grid"),
    ("block_omit_lateral", "a block-model option"),
    (
        "grid_map_mode",
        "coldtray reports each block's mean and hottest cell",
    ),
    ("grid_steady_file", "an output file"),
    ("grid_transient_file", "an output file"),
    ("steady_file", "an output file"),
    (
        "init_file",
        "per-block initial temperatures are not imported; the run starts at -init_temp",
    ),
    ("leakage_mode", "leakage is not imported"),
    (
        "package_config_file",
        "the detailed package model is not imported",
    ),
    ("detailed_3D", "coldtray is always 3-D"),
    ("detailed_3D_used", "coldtray is always 3-D"),
    ("grid_layer_file", "give the layer file with --lcf"),
];

/// Parameters that matter only when a feature the import rejects is on
/// (`-model_secondary`, `-use_microfluidic_cooling`) or that drive HotSpot's floorplanner.
const UNUSED: &[&str] = &[
    "r_convec_sec",
    "c_convec_sec",
    "n_metal",
    "t_metal",
    "t_c4",
    "s_c4",
    "n_c4",
    "s_sub",
    "t_sub",
    "s_solder",
    "t_solder",
    "s_pcb",
    "t_pcb",
    "pumping_pressure",
    "pump_internal_res",
    "inlet_temperature",
    "coolant_material",
    "coolant_capac",
    "coolant_res",
    "coolant_visc",
    "wall_material",
    "wall_capac",
    "wall_res",
    "htc",
    "wrap_l2",
    "l2_label",
    "model_rim",
    "rim_thickness",
    "compact_ratio",
    "n_orients",
    "P0",
    "Davg",
    "Kmoves",
    "Rcool",
    "Rreject",
    "Nmax",
    "lambdaA",
    "lambdaT",
    "lambdaW",
];

/// Parameters the translation reads.
const MAPPED: &[&str] = &[
    "t_chip",
    "k_chip",
    "p_chip",
    "material_chip",
    "r_convec",
    "s_sink",
    "t_sink",
    "k_sink",
    "p_sink",
    "material_sink",
    "s_spreader",
    "t_spreader",
    "k_spreader",
    "p_spreader",
    "material_spreader",
    "t_interface",
    "k_interface",
    "p_interface",
    "material_interface",
    "ambient",
    "init_temp",
    "sampling_intvl",
    "grid_rows",
    "grid_cols",
    "model_secondary",
    "use_microfluidic_cooling",
    "leakage_used",
    "package_model_used",
];

/// One `-name value` line.
#[derive(Debug, Clone, PartialEq)]
pub struct Param {
    /// The value word.
    pub value: String,
    /// Its line.
    pub line: usize,
}

/// A number and where it came from.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Value {
    /// The value, in HotSpot's unit.
    pub v: f64,
    /// The configuration line, or `None` for HotSpot's default.
    pub line: Option<usize>,
}

/// A parsed configuration (empty: every parameter at HotSpot's default).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Config {
    /// The file it came from (`None`: no configuration given).
    pub file: Option<PathBuf>,
    /// Parameters by name (without the leading `-`).
    pub params: BTreeMap<String, Param>,
}

/// Parses a configuration's text; `file` names it in errors.
pub fn parse(text: &str, file: &Path) -> Result<Config, ImportError> {
    let mut params: BTreeMap<String, Param> = BTreeMap::new();
    for (line, w) in words(text) {
        let name = match w[0].strip_prefix('-') {
            Some(name) if !name.is_empty() && w.len() >= 2 => name,
            _ => {
                return Err(ImportError::at(
                    file,
                    line,
                    format!("expected `-name value`, got `{}`", w.join(" ")),
                ))
            }
        };
        if let Some(first) = params.get(name) {
            return Err(ImportError::at(
                file,
                line,
                format!("-{name} is already given at line {}", first.line),
            ));
        }
        params.insert(
            name.to_string(),
            Param {
                value: w[1].to_string(),
                line,
            },
        );
    }
    Ok(Config {
        file: Some(file.to_path_buf()),
        params,
    })
}

impl Config {
    /// The file name errors and comments use.
    pub fn file_name(&self) -> PathBuf {
        self.file
            .clone()
            .unwrap_or_else(|| PathBuf::from("(no configuration)"))
    }

    /// The parameter `name` unless it is absent or HotSpot's "no file" `(null)`.
    pub fn text(&self, name: &str) -> Option<&Param> {
        self.params.get(name).filter(|p| p.value != "(null)")
    }

    /// The number `name` (HotSpot's `default` when absent), checked to lie in `range`;
    /// `what` describes it with its unit for the error.
    pub fn number(
        &self,
        name: &str,
        default: f64,
        what: &str,
        range: std::ops::RangeInclusive<f64>,
    ) -> Result<Value, ImportError> {
        let Some(p) = self.params.get(name) else {
            return Ok(Value {
                v: default,
                line: None,
            });
        };
        let file = self.file_name();
        let v = match p.value.parse::<f64>() {
            Ok(v) if v.is_finite() => v,
            _ => {
                return Err(ImportError::at(
                    &file,
                    p.line,
                    format!("-{name}: expected {what} (a number), got `{}`", p.value),
                ))
            }
        };
        if !range.contains(&v) {
            return Err(ImportError::at(
                &file,
                p.line,
                format!(
                    "-{name}: expected {what} between {} and {}, got {v}",
                    range.start(),
                    range.end()
                ),
            ));
        }
        Ok(Value {
            v,
            line: Some(p.line),
        })
    }

    /// A switch (`0`/`1`, `off`/`on`), false when absent.
    pub fn flag(&self, name: &str) -> Result<Option<usize>, ImportError> {
        let Some(p) = self.params.get(name) else {
            return Ok(None);
        };
        match p.value.as_str() {
            "0" | "off" | "false" => Ok(None),
            "1" | "on" | "true" => Ok(Some(p.line)),
            other => Err(ImportError::at(
                &self.file_name(),
                p.line,
                format!("-{name}: expected 0 or 1, got `{other}`"),
            )),
        }
    }

    /// Given parameters the translation does not use: `(name, line, why)`, where `why` is
    /// `None` for parameters of a feature that is off or of HotSpot's floorplanner (not worth
    /// a note of their own).
    pub fn ignored(&self) -> Vec<(String, usize, Option<String>)> {
        let mut v: Vec<(String, usize, Option<String>)> = self
            .params
            .iter()
            .filter(|(name, p)| !MAPPED.contains(&name.as_str()) && p.value != "(null)")
            .map(|(name, p)| {
                let why = if let Some((_, why)) = IGNORED.iter().find(|(n, _)| n == name) {
                    Some((*why).to_string())
                } else if UNUSED.contains(&name.as_str()) {
                    None
                } else {
                    Some("not a parameter this importer knows".to_string())
                };
                (name.clone(), p.line, why)
            })
            .collect();
        v.sort_by_key(|(_, line, _)| *line);
        v
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_pairs_defaults_and_flags() {
        let c = parse(
            "# c\n\t-t_chip\t0.0002\n-model_type grid\n-init_file (null)\n-dtm_used 1\n",
            Path::new("c"),
        )
        .unwrap();
        let t = c
            .number("t_chip", defaults::T_CHIP, "m", 0.0..=0.1)
            .unwrap();
        assert_eq!(
            t,
            Value {
                v: 0.0002,
                line: Some(2)
            }
        );
        let k = c
            .number("k_chip", defaults::K_CHIP, "W/(m·K)", 0.0..=1e4)
            .unwrap();
        assert_eq!(
            k,
            Value {
                v: 100.0,
                line: None
            }
        );
        assert!(c.text("init_file").is_none());
        assert_eq!(c.flag("dtm_used").unwrap(), Some(5));
        let ignored: Vec<(String, usize, bool)> = c
            .ignored()
            .into_iter()
            .map(|(n, l, why)| (n, l, why.is_some()))
            .collect();
        assert_eq!(
            ignored,
            [("model_type".into(), 3, true), ("dtm_used".into(), 5, true)]
        );
        let c = parse("-htc 1\n-frobnicate 2\n", Path::new("c")).unwrap();
        let why: Vec<Option<String>> = c.ignored().into_iter().map(|(_, _, w)| w).collect();
        assert_eq!(
            why,
            [None, Some("not a parameter this importer knows".into())]
        );
    }

    #[test]
    fn errors_name_the_line() {
        let e = |s: &str| parse(s, Path::new("c")).unwrap_err().to_string();
        assert_eq!(
            e("t_chip 1\n"),
            "c:1: expected `-name value`, got `t_chip 1`"
        );
        assert_eq!(e("-a 1\n-a 2\n"), "c:2: -a is already given at line 1");
        let c = parse("-t_chip thin\n-s_sink 60\n", Path::new("c")).unwrap();
        assert_eq!(
            c.number("t_chip", 0.0, "the chip thickness in m", 0.0..=0.1)
                .unwrap_err()
                .to_string(),
            "c:1: -t_chip: expected the chip thickness in m (a number), got `thin`"
        );
        assert_eq!(
            c.number("s_sink", 0.0, "the sink side in m", 0.0..=1.0)
                .unwrap_err()
                .to_string(),
            "c:2: -s_sink: expected the sink side in m between 0 and 1, got 60"
        );
    }
}
