//! Validation helpers: number checks that name the field, and the material library
//! (built-ins plus the design's `[[materials]]`).

use std::collections::BTreeMap;
use std::path::Path;

use coldtray_io::ConfigError;

use super::raw::RawMaterial;
use crate::model::materials;
use crate::model::Material;

pub(super) type Result<T> = std::result::Result<T, ConfigError>;

/// Where errors point: the design file.
pub(super) struct Ctx<'a> {
    pub(super) file: &'a Path,
}

impl Ctx<'_> {
    /// An error about `field`.
    pub(super) fn err(&self, field: impl Into<String>, message: impl Into<String>) -> ConfigError {
        ConfigError::field(self.file, field, message)
    }

    /// A finite number (TOML accepts `nan` and `inf`; we do not).
    pub(super) fn finite(&self, field: &str, v: f64) -> Result<f64> {
        if v.is_finite() {
            Ok(v)
        } else {
            Err(self.err(field, format!("must be a finite number, got {v}")))
        }
    }

    /// One of a closed set of spellings (`options`: spelling → value), leading and trailing
    /// blanks ignored; otherwise "unknown {what} `…`; valid: …" listing every spelling.
    pub(super) fn choice<T: Copy>(
        &self,
        field: &str,
        value: &str,
        what: &str,
        options: &[(&str, T)],
    ) -> Result<T> {
        let v = value.trim();
        options
            .iter()
            .find(|(name, _)| *name == v)
            .map(|&(_, t)| t)
            .ok_or_else(|| {
                let valid: Vec<String> = options.iter().map(|(n, _)| format!("\"{n}\"")).collect();
                self.err(
                    field,
                    format!("unknown {what} `{v}`; valid: {}", valid.join(", ")),
                )
            })
    }

    /// A finite number > 0.
    pub(super) fn positive(&self, field: &str, v: f64) -> Result<f64> {
        if v.is_finite() && v > 0.0 {
            Ok(v)
        } else {
            Err(self.err(field, format!("must be a finite number > 0, got {v}")))
        }
    }

    /// A finite number ≥ 0.
    pub(super) fn non_negative(&self, field: &str, v: f64) -> Result<f64> {
        if v.is_finite() && v >= 0.0 {
            Ok(v)
        } else {
            Err(self.err(field, format!("must be a finite number ≥ 0, got {v}")))
        }
    }

    /// A temperature: finite and above absolute zero.
    pub(super) fn temperature(&self, field: &str, v: f64) -> Result<f64> {
        if v.is_finite() && v > -273.15 {
            Ok(v)
        } else {
            Err(self.err(
                field,
                format!("must be a finite temperature in °C above −273.15, got {v}"),
            ))
        }
    }

    /// A non-empty name.
    pub(super) fn name<'s>(&self, field: &str, v: &'s str) -> Result<&'s str> {
        let t = v.trim();
        if t.is_empty() {
            Err(self.err(field, "must not be empty; give it a name"))
        } else {
            Ok(t)
        }
    }
}

/// The conductivity, W/(m·K), of a layer `thickness_mm` thick whose areal resistance is
/// `r_mm2k_w` mm²·K/W: k = t / R″ with t in m and R″ in m²·K/W, i.e. 1000 · t_mm / R″.
pub(crate) fn r_to_k_w_mk(thickness_mm: f64, r_mm2k_w: f64) -> f64 {
    (thickness_mm * 1e-3) / (r_mm2k_w * 1e-6)
}

/// Built-in materials overlaid with the design's own, by name.
pub(super) struct Library {
    by_name: BTreeMap<String, Material>,
}

impl Library {
    /// The built-ins plus `user` (which add to or replace built-ins of the same name).
    pub(super) fn new(ctx: &Ctx, user: &[RawMaterial]) -> Result<Library> {
        let mut by_name: BTreeMap<String, Material> = materials::builtin_material_names()
            .into_iter()
            .filter_map(materials::builtin_material)
            .map(|m| (m.name.clone(), m))
            .collect();
        let mut seen: Vec<&str> = Vec::new();
        for (i, m) in user.iter().enumerate() {
            let p = format!("materials[{i}]");
            let name = ctx.name(&format!("{p}.name"), &m.name)?;
            if seen.contains(&name) {
                return Err(ctx.err(
                    format!("{p}.name"),
                    format!("material `{name}` is defined twice; give each [[materials]] entry a unique name"),
                ));
            }
            seen.push(name);
            if name == materials::VOID {
                return Err(ctx.err(
                    format!("{p}.name"),
                    "`void` is reserved (a layer with `material = \"void\"` has cells only \
                     where blocks are placed); give this material another name",
                ));
            }
            let (k_xy, k_z) = match (m.k, m.k_xy, m.k_z) {
                (Some(k), None, None) => {
                    let k = ctx.positive(&format!("{p}.k"), k)?;
                    (k, k)
                }
                (None, Some(kxy), Some(kz)) => (
                    ctx.positive(&format!("{p}.k_xy"), kxy)?,
                    ctx.positive(&format!("{p}.k_z"), kz)?,
                ),
                (Some(_), _, _) => {
                    return Err(ctx.err(
                        format!("{p}.k"),
                        "give either k (isotropic) or both k_xy and k_z (anisotropic), not both",
                    ))
                }
                (None, Some(_), None) => {
                    return Err(ctx.err(
                        format!("{p}.k_z"),
                        "required field is missing: k_xy is given, so k_z (through-plane W/(m·K)) is needed too",
                    ))
                }
                (None, None, Some(_)) => {
                    return Err(ctx.err(
                        format!("{p}.k_xy"),
                        "required field is missing: k_z is given, so k_xy (in-plane W/(m·K)) is needed too",
                    ))
                }
                (None, None, None) => {
                    return Err(ctx.err(
                        format!("{p}.k"),
                        "required field is missing: give k (isotropic W/(m·K)) or both k_xy and k_z",
                    ))
                }
            };
            let density_kg_m3 = m
                .density_kg_m3
                .map(|v| ctx.positive(&format!("{p}.density_kg_m3"), v))
                .transpose()?;
            let cp_j_kgk = m
                .cp_j_kgk
                .map(|v| ctx.positive(&format!("{p}.cp_j_kgk"), v))
                .transpose()?;
            let material = Material {
                name: name.to_string(),
                k_xy,
                k_z,
                density_kg_m3,
                cp_j_kgk,
            };
            by_name.insert(name.to_string(), material);
        }
        Ok(Library { by_name })
    }

    /// The material of a layer or block `p` (field prefix) of `thickness_mm`: exactly one of a
    /// `material` name and an areal resistance `r_mm2k_w` (mm²·K/W, as TIM datasheets give it).
    /// An areal resistance R″ becomes the isotropic conductivity that has that resistance
    /// across the thickness t: k = t / R″ = (t_mm · 1e-3 m) / (R″ · 1e-6 m²·K/W)
    /// = 1000 · t_mm / R″ W/(m·K). It has no heat capacity (a `[transient]` run rejects it).
    pub(super) fn resolve(
        &self,
        ctx: &Ctx,
        p: &str,
        material: Option<&str>,
        r_mm2k_w: Option<f64>,
        thickness_mm: f64,
    ) -> Result<Material> {
        match (material, r_mm2k_w) {
            (Some(name), None) => self.get(ctx, &format!("{p}.material"), name),
            (None, Some(r)) => {
                let r = ctx.positive(&format!("{p}.r_mm2k_w"), r)?;
                let k = r_to_k_w_mk(thickness_mm, r);
                Ok(Material {
                    name: format!("r_mm2k_w = {r}"),
                    k_xy: k,
                    k_z: k,
                    density_kg_m3: None,
                    cp_j_kgk: None,
                })
            }
            (Some(_), Some(_)) => Err(ctx.err(
                format!("{p}.r_mm2k_w"),
                "give either material or r_mm2k_w (areal resistance, mm²·K/W), not both",
            )),
            (None, None) => Err(ctx.err(
                format!("{p}.material"),
                "required field is missing: give material (a name) or r_mm2k_w (areal \
                 resistance, mm²·K/W)",
            )),
        }
    }

    /// The material called `name`, or an error at `field` listing the valid names.
    pub(super) fn get(&self, ctx: &Ctx, field: &str, name: &str) -> Result<Material> {
        if name.trim() == materials::VOID {
            return Err(ctx.err(
                field,
                "`void` is only a layer's fill (no cells where no block is placed); a block or \
                 fin needs a solid material",
            ));
        }
        self.by_name.get(name.trim()).cloned().ok_or_else(|| {
            let valid: Vec<&str> = self.by_name.keys().map(String::as_str).collect();
            ctx.err(
                field,
                format!(
                    "unknown material `{name}`; valid: {} (or define it in a [[materials]] table)",
                    valid.join(", ")
                ),
            )
        })
    }
}
