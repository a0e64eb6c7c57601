//! HotSpot materials files (`-materials_file`): per material, one value per line — name,
//! `solid` or `fluid`, thermal conductivity (W/(m·K)), volumetric heat capacity
//! (J/(m³·K)), and for a fluid its dynamic viscosity (Pa·s). Only the first word of a line
//! counts, as in HotSpot.

use std::path::{Path, PathBuf};

use super::{number, words};
use crate::ImportError;

/// One material of the file.
#[derive(Debug, Clone, PartialEq)]
pub struct Material {
    /// Its name.
    pub name: String,
    /// Thermal conductivity, W/(m·K).
    pub k_w_mk: f64,
    /// Volumetric heat capacity ρ·c_p, J/(m³·K).
    pub heat_capacity_j_m3k: f64,
    /// A fluid (coolant) rather than a solid.
    pub fluid: bool,
    /// The line of its name.
    pub line: usize,
}

/// A parsed materials file.
#[derive(Debug, Clone, PartialEq)]
pub struct Materials {
    /// The file it came from.
    pub file: PathBuf,
    /// Its materials, in file order.
    pub list: Vec<Material>,
}

impl Materials {
    /// The material called `name`.
    pub fn get(&self, name: &str) -> Option<&Material> {
        self.list.iter().find(|m| m.name == name)
    }
}

/// Parses a materials file's text; `file` names it in errors.
pub fn parse(text: &str, file: &Path) -> Result<Materials, ImportError> {
    let mut list: Vec<Material> = Vec::new();
    let mut lines = words(text);
    while let Some((line, w)) = lines.next() {
        let name = w[0].to_string();
        let mut next = |what: &str| {
            lines.next().ok_or_else(|| {
                ImportError::file(
                    file,
                    format!("material `{name}` (line {line}) ends early: expected {what}"),
                )
            })
        };
        let (type_line, t) = next("`solid` or `fluid`")?;
        let fluid = match t[0] {
            "solid" => false,
            "fluid" => true,
            other => {
                return Err(ImportError::at(
                    file,
                    type_line,
                    format!("expected `solid` or `fluid` for material `{name}`, got `{other}`"),
                ))
            }
        };
        let (k_line, k) = next("the thermal conductivity in W/(m·K)")?;
        let k_w_mk = number(k[0], file, k_line, "the thermal conductivity in W/(m·K)")?;
        let (c_line, c) = next("the volumetric heat capacity in J/(m³·K)")?;
        let heat_capacity_j_m3k = number(
            c[0],
            file,
            c_line,
            "the volumetric heat capacity in J/(m³·K)",
        )?;
        if fluid {
            let (v_line, v) = next("the dynamic viscosity in Pa·s")?;
            number(v[0], file, v_line, "the dynamic viscosity in Pa·s")?;
        }
        if k_w_mk <= 0.0 || heat_capacity_j_m3k <= 0.0 {
            return Err(ImportError::at(
                file,
                k_line,
                format!(
                    "material `{name}`: conductivity and heat capacity must be > 0, got \
                     {k_w_mk} W/(m·K) and {heat_capacity_j_m3k} J/(m³·K)"
                ),
            ));
        }
        if let Some(first) = list.iter().find(|m| m.name == name) {
            return Err(ImportError::at(
                file,
                line,
                format!(
                    "material `{name}` is already defined at line {}",
                    first.line
                ),
            ));
        }
        list.push(Material {
            name,
            k_w_mk,
            heat_capacity_j_m3k,
            fluid,
            line,
        });
    }
    Ok(Materials {
        file: file.to_path_buf(),
        list,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_solids_and_fluids() {
        let text =
            "# header\nsilicon\nsolid\n130.0\n1630300\n\nwater\nfluid\n0.6069\n4172638\n8.89e-4\n";
        let m = parse(text, Path::new("m")).unwrap();
        assert_eq!(m.list.len(), 2);
        let si = m.get("silicon").unwrap();
        assert_eq!(
            (si.k_w_mk, si.heat_capacity_j_m3k, si.line),
            (130.0, 1630300.0, 2)
        );
        assert!(m.get("water").unwrap().fluid);
    }

    #[test]
    fn errors_name_the_line() {
        let e = |s: &str| parse(s, Path::new("m")).unwrap_err().to_string();
        assert_eq!(
            e("si\nrock\n1\n1\n"),
            "m:2: expected `solid` or `fluid` for material `si`, got `rock`"
        );
        assert_eq!(
            e("si\nsolid\nhigh\n1\n"),
            "m:3: expected the thermal conductivity in W/(m·K) (a number), got `high`"
        );
        assert!(e("si\nsolid\n130\n").starts_with("m: material `si` (line 1) ends early"));
    }
}
