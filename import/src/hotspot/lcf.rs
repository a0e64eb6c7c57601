//! HotSpot layer configuration files (`.lcf`, `-grid_layer_file`): per layer, one value per
//! line — layer number, lateral heat flow (`Y`/`N`), power dissipation (`Y`/`N`), volumetric
//! heat capacity (J/(m³·K)) and resistivity (m·K/W) or instead a material name of the
//! materials file, thickness (m), floorplan file. Layer 0 is farthest from the sink; HotSpot
//! puts its spreader and sink above the last layer.

use std::path::Path;

use super::{number, words};
use crate::ImportError;

/// A layer's material as the file gives it.
#[derive(Debug, Clone, PartialEq)]
pub enum LayerMaterial {
    /// Volumetric heat capacity (J/(m³·K)) and resistivity (m·K/W).
    Values {
        /// ρ·c_p, J/(m³·K).
        heat_capacity_j_m3k: f64,
        /// 1/k, m·K/W.
        resistivity_mk_w: f64,
    },
    /// A material of the materials file.
    Named(String),
}

/// One layer of the stack.
#[derive(Debug, Clone, PartialEq)]
pub struct Layer {
    /// HotSpot's layer number (0 farthest from the sink).
    pub number: usize,
    /// Whether heat flows laterally in it.
    pub lateral: bool,
    /// Whether its units dissipate their power-trace columns.
    pub power: bool,
    /// Its default material (a floorplan unit may give its own).
    pub material: LayerMaterial,
    /// Thickness, m.
    pub thickness_m: f64,
    /// Its floorplan file, as written (relative to the layer file's folder).
    pub flp: String,
    /// The line of its number.
    pub line: usize,
}

/// Parses a layer file's text; `file` names it in errors. Returns the layers ordered by
/// number (0 first), checked to be 0, 1, … without gaps.
pub fn parse(text: &str, file: &Path) -> Result<Vec<Layer>, ImportError> {
    let mut layers: Vec<Layer> = Vec::new();
    let mut lines = words(text);
    while let Some((line, w)) = lines.next() {
        let number_word = w[0];
        let layer_no = number_word.parse::<usize>().map_err(|_| {
            ImportError::at(
                file,
                line,
                format!("expected a layer number (0, 1, …), got `{number_word}`"),
            )
        })?;
        let mut next = |what: &str| {
            lines.next().ok_or_else(|| {
                ImportError::file(
                    file,
                    format!("layer {layer_no} (line {line}) ends early: expected {what}"),
                )
            })
        };
        let yes_no = |(l, w): (usize, Vec<&str>), what: &str| match w[0] {
            "Y" | "y" => Ok(true),
            "N" | "n" => Ok(false),
            other => Err(ImportError::at(
                file,
                l,
                format!("expected Y or N ({what}), got `{other}`"),
            )),
        };
        let lateral = yes_no(next("Y or N (lateral heat flow)")?, "lateral heat flow")?;
        let power = yes_no(next("Y or N (power dissipation)")?, "power dissipation")?;
        let (sp_line, sp) = next("the specific heat in J/(m³·K) or a material name")?;
        let material = match sp[0].parse::<f64>() {
            Ok(heat_capacity_j_m3k) => {
                let (rho_line, rho) = next("the resistivity in m·K/W")?;
                let resistivity_mk_w = number(rho[0], file, rho_line, "the resistivity in m·K/W")?;
                if heat_capacity_j_m3k <= 0.0
                    || resistivity_mk_w <= 0.0
                    || !heat_capacity_j_m3k.is_finite()
                {
                    return Err(ImportError::at(
                        file,
                        sp_line,
                        format!(
                            "layer {layer_no}: specific heat and resistivity must be > 0, got \
                             {heat_capacity_j_m3k} and {resistivity_mk_w}"
                        ),
                    ));
                }
                LayerMaterial::Values {
                    heat_capacity_j_m3k,
                    resistivity_mk_w,
                }
            }
            Err(_) => LayerMaterial::Named(sp[0].to_string()),
        };
        let (t_line, t) = next("the thickness in m")?;
        let thickness_m = number(t[0], file, t_line, "the thickness in m")?;
        if thickness_m <= 0.0 || thickness_m > 0.1 {
            return Err(ImportError::at(
                file,
                t_line,
                format!(
                    "layer {layer_no}: thickness must be > 0 and at most 0.1 m (HotSpot lengths \
                     are in metres), got {thickness_m}"
                ),
            ));
        }
        let (f_line, f) = next("a floorplan file")?;
        let flp = f[0].to_string();
        if flp.ends_with(".csv") {
            return Err(ImportError::at(
                file,
                f_line,
                format!(
                    "layer {layer_no}: `{flp}` is a microchannel network; HotSpot's microfluidic \
                     layers are not imported (describe the cold plate with [layers.channels])"
                ),
            ));
        }
        if let Some(first) = layers.iter().find(|l| l.number == layer_no) {
            return Err(ImportError::at(
                file,
                line,
                format!(
                    "layer {layer_no} is already defined at line {}; layer numbers must be unique",
                    first.line
                ),
            ));
        }
        layers.push(Layer {
            number: layer_no,
            lateral,
            power,
            material,
            thickness_m,
            flp,
            line,
        });
    }
    if layers.is_empty() {
        return Err(ImportError::file(
            file,
            "no layers; expected 7 lines per layer (see HotSpot's example.lcf)",
        ));
    }
    layers.sort_by_key(|l| l.number);
    if let Some((i, l)) = layers.iter().enumerate().find(|(i, l)| l.number != *i) {
        return Err(ImportError::at(
            file,
            l.line,
            format!(
                "layer numbers must run 0, 1, … without gaps; expected layer {i}, found {}",
                l.number
            ),
        ));
    }
    Ok(layers)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_values_and_named_materials_in_number_order() {
        let text = "# stack\n1\nY\nN\nsilicon\n2e-05\ntim.flp\n\n0\nY\nY\n1.75e6\n0.01\n0.00015\ndie.flp\n";
        let l = parse(text, Path::new("s.lcf")).unwrap();
        assert_eq!(l.len(), 2);
        assert_eq!(l[0].number, 0);
        assert!(l[0].power);
        assert_eq!(
            l[0].material,
            LayerMaterial::Values {
                heat_capacity_j_m3k: 1.75e6,
                resistivity_mk_w: 0.01
            }
        );
        assert_eq!(l[1].material, LayerMaterial::Named("silicon".into()));
        assert_eq!((l[1].line, l[1].flp.as_str()), (2, "tim.flp"));
    }

    #[test]
    fn errors_name_the_line() {
        let e = |s: &str| parse(s, Path::new("s.lcf")).unwrap_err().to_string();
        assert_eq!(
            e("0\nmaybe\n"),
            "s.lcf:2: expected Y or N (lateral heat flow), got `maybe`"
        );
        assert!(e("0\nY\nY\n1e6\n0.01\n0.00015\n")
            .starts_with("s.lcf: layer 0 (line 1) ends early: expected a floorplan file"));
        assert!(e("1\nY\nY\n1e6\n0.01\n0.00015\na.flp\n")
            .starts_with("s.lcf:1: layer numbers must run 0, 1"));
        assert!(e("0\nY\nY\n1e6\n0.01\n0.15\na.flp\n").starts_with("s.lcf:6: layer 0: thickness"));
        assert!(e("0\nY\nY\n1e6\n0.01\n0.00015\nnet.csv\n").contains("microchannel network"));
    }
}
