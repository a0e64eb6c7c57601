//! The serde shape of `design.toml`, field for field as in `tray-format.md`.
//!
//! Every struct denies unknown fields, so a typo is an error naming the field instead of a
//! silent default. Numbers are read as given (TOML allows `nan` and `inf`): range checks are
//! the job of `validate.rs`, which knows the field paths.

use std::fmt;

use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawDesign {
    pub name: String,
    pub domain: RawDomain,
    #[serde(default)]
    pub materials: Vec<RawMaterial>,
    pub layers: Vec<RawLayer>,
    #[serde(default)]
    pub blocks: Vec<RawBlock>,
    pub coolant: Option<RawCoolant>,
    pub boundary: Option<RawBoundary>,
    pub transient: Option<RawTransient>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawDomain {
    pub width_mm: f64,
    pub depth_mm: f64,
    pub cell_mm: f64,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawMaterial {
    pub name: String,
    pub k: Option<f64>,
    pub k_xy: Option<f64>,
    pub k_z: Option<f64>,
    pub density_kg_m3: Option<f64>,
    pub cp_j_kgk: Option<f64>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawLayer {
    pub name: String,
    pub thickness_mm: f64,
    pub material: String,
    pub cells: Option<i64>,
    /// `[layers.channels]` (one field) or `[[layers.channels]]` (several fields).
    #[serde(default, deserialize_with = "one_or_many")]
    pub channels: Vec<RawChannels>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawChannels {
    pub x_mm: Option<f64>,
    pub y_mm: Option<f64>,
    pub width_mm: Option<f64>,
    pub depth_mm: Option<f64>,
    pub direction: String,
    pub fin_thickness_mm: f64,
    pub channel_width_mm: f64,
    pub fin_material: Option<String>,
    pub h_w_m2k: Option<f64>,
    pub pressure_drop_kpa: Option<f64>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawBlock {
    pub name: String,
    pub layer: String,
    pub x_mm: f64,
    pub y_mm: f64,
    pub width_mm: f64,
    pub depth_mm: f64,
    pub material: String,
    pub power_w: Option<f64>,
    pub limit_c: Option<f64>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawCoolant {
    pub fluid: Option<String>,
    pub inlet_c: f64,
    pub flow_lpm: f64,
    pub density_kg_m3: Option<f64>,
    pub cp_j_kgk: Option<f64>,
    pub k: Option<f64>,
    pub viscosity_pa_s: Option<f64>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawBoundary {
    pub top: Option<RawConvection>,
    pub bottom: Option<RawConvection>,
    pub sides: Option<RawConvection>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawConvection {
    pub h_w_m2k: f64,
    pub ambient_c: f64,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawTransient {
    pub duration_s: f64,
    pub dt_s: f64,
    pub initial_c: f64,
    pub power_trace: Option<String>,
    pub probes: Option<Vec<String>>,
}

/// Accept either one table or an array of tables (so `[layers.channels]` and
/// `[[layers.channels]]` both work), keeping serde's field paths and messages.
fn one_or_many<'de, D>(deserializer: D) -> Result<Vec<RawChannels>, D::Error>
where
    D: Deserializer<'de>,
{
    struct OneOrMany;
    impl<'de> Visitor<'de> for OneOrMany {
        type Value = Vec<RawChannels>;
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("a [layers.channels] table or [[layers.channels]] tables")
        }
        fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
            let one = RawChannels::deserialize(de::value::MapAccessDeserializer::new(map))?;
            Ok(vec![one])
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
            let mut all = Vec::new();
            while let Some(one) = seq.next_element::<RawChannels>()? {
                all.push(one);
            }
            Ok(all)
        }
    }
    deserializer.deserialize_any(OneOrMany)
}
