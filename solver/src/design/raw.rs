//! The serde shape of `design.toml`, field for field as in `docs/formats/design.md`.
//!
//! Every struct denies unknown fields, so a typo is an error naming the field instead of a
//! silent default. Numbers are read as given (TOML allows `nan` and `inf`): range checks are
//! the job of `validate.rs`, which knows the field paths.

use std::fmt;

use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Serialize};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawDesign {
    pub(super) name: String,
    pub(super) domain: RawDomain,
    #[serde(default)]
    pub(super) materials: Vec<RawMaterial>,
    pub(super) layers: Vec<RawLayer>,
    #[serde(default)]
    pub(super) blocks: Vec<RawBlock>,
    pub(super) coolant: Option<RawCoolant>,
    pub(super) boundary: Option<RawBoundary>,
    pub(super) transient: Option<RawTransient>,
    /// `[[packages]]`: package descriptions that `[[instances]]` place (see `instances.rs`).
    #[serde(default)]
    pub(super) packages: Vec<RawPackage>,
    /// `[[instances]]`: packages (inline or from another design file) placed at an offset.
    #[serde(default)]
    pub(super) instances: Vec<RawInstance>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawDomain {
    pub(super) width_mm: f64,
    pub(super) depth_mm: f64,
    pub(super) cell_mm: f64,
}

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawMaterial {
    pub(super) name: String,
    pub(super) k: Option<f64>,
    pub(super) k_xy: Option<f64>,
    pub(super) k_z: Option<f64>,
    pub(super) density_kg_m3: Option<f64>,
    pub(super) cp_j_kgk: Option<f64>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawLayer {
    pub(super) name: String,
    pub(super) thickness_mm: f64,
    /// A material name; exactly one of `material` and `r_mm2k_w`.
    pub(super) material: Option<String>,
    /// Areal thermal resistance of the layer (or block) through its thickness, mm²·K/W.
    pub(super) r_mm2k_w: Option<f64>,
    pub(super) cells: Option<i64>,
    /// `[layers.channels]` (one field) or `[[layers.channels]]` (several fields).
    #[serde(default, deserialize_with = "one_or_many")]
    pub(super) channels: Vec<RawChannels>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawChannels {
    /// Unique field name; default: the layer's name (`_0`, `_1`, … with several fields).
    pub(super) name: Option<String>,
    pub(super) x_mm: Option<f64>,
    pub(super) y_mm: Option<f64>,
    pub(super) width_mm: Option<f64>,
    pub(super) depth_mm: Option<f64>,
    pub(super) direction: String,
    pub(super) fin_thickness_mm: f64,
    pub(super) channel_width_mm: f64,
    pub(super) fin_material: Option<String>,
    pub(super) h_w_m2k: Option<f64>,
    pub(super) pressure_drop_kpa: Option<f64>,
    /// Inlet + outlet plenum loss coefficient at the channel velocity.
    pub(super) plenum_k: Option<f64>,
    /// `"bottom"` (default), `"top"` or `"both"`: which layers the fins are joined to.
    pub(super) fin_root: Option<String>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawBlock {
    pub(super) name: String,
    pub(super) layer: String,
    pub(super) x_mm: f64,
    pub(super) y_mm: f64,
    pub(super) width_mm: f64,
    pub(super) depth_mm: f64,
    /// A material name; exactly one of `material` and `r_mm2k_w`.
    pub(super) material: Option<String>,
    /// Areal thermal resistance of the layer (or block) through its thickness, mm²·K/W.
    pub(super) r_mm2k_w: Option<f64>,
    pub(super) power_w: Option<f64>,
    pub(super) limit_c: Option<f64>,
    pub(super) leakage_w: Option<f64>,
    pub(super) leakage_ref_c: Option<f64>,
    pub(super) leakage_doubling_k: Option<f64>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawCoolant {
    pub(super) fluid: Option<String>,
    pub(super) inlet_c: f64,
    /// The fixed total flow; exactly one of `flow_lpm` and `pump_curve`.
    pub(super) flow_lpm: Option<f64>,
    pub(super) density_kg_m3: Option<f64>,
    pub(super) cp_j_kgk: Option<f64>,
    pub(super) k: Option<f64>,
    pub(super) viscosity_pa_s: Option<f64>,
    /// Absolute loop pressure, kPa (default 1 atm).
    pub(super) pressure_kpa: Option<f64>,
    /// `[[flow_lpm, head_kpa], …]` of the pump driving the loop.
    pub(super) pump_curve: Option<Vec<Vec<f64>>>,
    /// `[[coolant.links]]`: the loop network (default: every field in parallel).
    #[serde(default)]
    pub(super) links: Vec<RawLink>,
    /// Channel fields to balance with an orifice each (equal flow at the operating point).
    pub(super) balance: Option<Vec<String>>,
    /// Discharge coefficient of the balancing orifices (default 0.61, sharp-edged).
    pub(super) balance_cd: Option<f64>,
}

/// One `[[coolant.links]]` table: the common fields, then those of each kind (which fields a
/// kind takes is checked in `links.rs`, so a misplaced field is named with its kind).
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawLink {
    pub(super) name: String,
    pub(super) from: String,
    pub(super) to: String,
    pub(super) kind: String,
    pub(super) field: Option<String>,
    pub(super) length_mm: Option<f64>,
    pub(super) diameter_mm: Option<f64>,
    pub(super) roughness_um: Option<f64>,
    pub(super) k: Option<f64>,
    pub(super) cv: Option<f64>,
    pub(super) points: Option<Vec<Vec<f64>>>,
    pub(super) cd: Option<f64>,
    pub(super) pipe_diameter_mm: Option<f64>,
}

/// One `[[packages]]` table: blocks, channel fields and coolant links that `[[instances]]`
/// place. Coordinates are the package's own; an instance adds its offset.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawPackage {
    pub(super) name: String,
    #[serde(default)]
    pub(super) blocks: Vec<RawBlock>,
    #[serde(default)]
    pub(super) channels: Vec<RawPackageChannels>,
    #[serde(default)]
    pub(super) links: Vec<RawLink>,
}

/// A channel field of a package: the fields of `[layers.channels]` plus the `layer` (of the
/// including design) it goes into; its rectangle is required (a package has no extent of its
/// own to default to).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawPackageChannels {
    pub(super) layer: String,
    pub(super) name: Option<String>,
    pub(super) x_mm: f64,
    pub(super) y_mm: f64,
    pub(super) width_mm: f64,
    pub(super) depth_mm: f64,
    pub(super) direction: String,
    pub(super) fin_thickness_mm: f64,
    pub(super) channel_width_mm: f64,
    pub(super) fin_material: Option<String>,
    pub(super) h_w_m2k: Option<f64>,
    pub(super) pressure_drop_kpa: Option<f64>,
    pub(super) plenum_k: Option<f64>,
    pub(super) fin_root: Option<String>,
}

impl RawPackageChannels {
    /// The `[layers.channels]` table this field becomes (its layer aside).
    pub(super) fn to_channels(&self) -> RawChannels {
        RawChannels {
            name: self.name.clone(),
            x_mm: Some(self.x_mm),
            y_mm: Some(self.y_mm),
            width_mm: Some(self.width_mm),
            depth_mm: Some(self.depth_mm),
            direction: self.direction.clone(),
            fin_thickness_mm: self.fin_thickness_mm,
            channel_width_mm: self.channel_width_mm,
            fin_material: self.fin_material.clone(),
            h_w_m2k: self.h_w_m2k,
            pressure_drop_kpa: self.pressure_drop_kpa,
            plenum_k: self.plenum_k,
            fin_root: self.fin_root.clone(),
        }
    }
}

/// One `[[instances]]` table: a package placed at an offset with a name prefix.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawInstance {
    pub(super) name: String,
    /// The name of a `[[packages]]` table; exactly one of `package` and `file`.
    pub(super) package: Option<String>,
    /// Another design file, relative to the including file.
    pub(super) file: Option<String>,
    /// `[x, y]`, mm, added to every coordinate of the package.
    pub(super) offset_mm: Vec<f64>,
    /// 0, 90, 180 or 270: the package turned counter-clockwise in place (its bounding box's
    /// lower-left corner kept) before the offset is added.
    pub(super) rotate_deg: Option<f64>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawBoundary {
    pub(super) top: Option<RawConvection>,
    pub(super) bottom: Option<RawConvection>,
    pub(super) sides: Option<RawConvection>,
    /// `[[boundary.patches]]`: rectangles of the top or bottom face with their own convection.
    #[serde(default)]
    pub(super) patches: Vec<RawPatch>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawPatch {
    /// `"top"` or `"bottom"`.
    pub(super) face: String,
    pub(super) x_mm: f64,
    pub(super) y_mm: f64,
    pub(super) width_mm: f64,
    pub(super) depth_mm: f64,
    pub(super) ambient_c: f64,
    /// Exactly one of `h_w_m2k` and `r_k_w`.
    pub(super) h_w_m2k: Option<f64>,
    /// A lumped resistance, K/W, spread evenly over the patch.
    pub(super) r_k_w: Option<f64>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawConvection {
    pub(super) h_w_m2k: f64,
    pub(super) ambient_c: f64,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawTransient {
    pub(super) duration_s: f64,
    pub(super) dt_s: f64,
    pub(super) initial_c: f64,
    pub(super) power_trace: Option<String>,
    pub(super) probes: Option<Vec<String>>,
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
