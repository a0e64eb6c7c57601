//! The shape checks every reader and writer of a field runs before indexing into it.

use crate::Field;

/// What makes a field's arrays disagree with its dimensions (drawing or exporting it would
/// index out of bounds).
#[derive(Debug, Clone, PartialEq)]
pub enum Inconsistency {
    /// `nx`, `ny` or `nz` is zero.
    NoCells,
    /// The in-plane cell size is not a positive number.
    CellSize {
        /// `dx_mm` as found.
        dx_mm: f64,
    },
    /// A per-cell array has a length other than `nx × ny × nz`.
    ArrayLength {
        /// The array's name in `Field`.
        array: &'static str,
        /// Its length.
        len: usize,
        /// `nx × ny × nz`.
        expected: usize,
    },
    /// A per-z-cell array (`z_edges_mm`, `cell_layer`) has the wrong length.
    ZLength {
        /// The array's name in `Field`.
        array: &'static str,
        /// Its length.
        len: usize,
        /// What `nz` implies.
        expected: usize,
    },
    /// A z cell or block refers to a layer that has no name.
    LayerIndex {
        /// The index found.
        index: usize,
        /// The number of layer names.
        layers: usize,
    },
}

impl std::fmt::Display for Inconsistency {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Inconsistency::NoCells => f.write_str("nx, ny and nz must be positive"),
            Inconsistency::CellSize { dx_mm } => {
                write!(f, "cell size dx_mm = {dx_mm} is not a positive number")
            }
            Inconsistency::ArrayLength {
                array,
                len,
                expected,
            }
            | Inconsistency::ZLength {
                array,
                len,
                expected,
            } => write!(f, "{array} has {len} values, expected {expected}"),
            Inconsistency::LayerIndex { index, layers } => write!(
                f,
                "layer index {index} is not below the number of layer names ({layers})"
            ),
        }
    }
}

/// The first inconsistency of `field`, if any.
pub(crate) fn check(field: &Field) -> Result<(), Inconsistency> {
    let n = field.nx * field.ny * field.nz;
    if n == 0 {
        return Err(Inconsistency::NoCells);
    }
    if field.dx_mm.is_nan() || field.dx_mm <= 0.0 {
        return Err(Inconsistency::CellSize { dx_mm: field.dx_mm });
    }
    for (array, len) in [
        ("solid_c", field.solid_c.len()),
        ("fluid_c", field.fluid_c.len()),
        ("material_id", field.material_id.len()),
        ("power_w_m3", field.power_w_m3.len()),
    ] {
        if len != n {
            return Err(Inconsistency::ArrayLength {
                array,
                len,
                expected: n,
            });
        }
    }
    for (array, len, expected) in [
        ("z_edges_mm", field.z_edges_mm.len(), field.nz + 1),
        ("cell_layer", field.cell_layer.len(), field.nz),
    ] {
        if len != expected {
            return Err(Inconsistency::ZLength {
                array,
                len,
                expected,
            });
        }
    }
    let layers = field.layer_names.len();
    let indices = field
        .cell_layer
        .iter()
        .chain(field.blocks.iter().map(|b| &b.layer));
    match indices.copied().find(|&l| l >= layers) {
        Some(index) => Err(Inconsistency::LayerIndex { index, layers }),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::sample::synthetic_field;

    #[test]
    fn each_inconsistency_is_found() {
        let ok = synthetic_field(4, 3);
        assert_eq!(check(&ok), Ok(()));
        let mut f = ok.clone();
        f.power_w_m3.pop();
        let e = check(&f).expect_err("short power array");
        assert_eq!(
            e.to_string(),
            format!(
                "power_w_m3 has {} values, expected {}",
                4 * 3 * f.nz - 1,
                4 * 3 * f.nz
            )
        );
        let mut f = ok.clone();
        f.z_edges_mm.push(99.0);
        assert!(matches!(
            check(&f),
            Err(Inconsistency::ZLength {
                array: "z_edges_mm",
                ..
            })
        ));
        let mut f = ok.clone();
        f.blocks[0].layer = 17;
        assert!(matches!(
            check(&f),
            Err(Inconsistency::LayerIndex { index: 17, .. })
        ));
        let mut f = ok.clone();
        f.dx_mm = f64::NAN;
        assert!(matches!(check(&f), Err(Inconsistency::CellSize { .. })));
        let mut f = ok;
        f.nx = 0;
        assert_eq!(check(&f), Err(Inconsistency::NoCells));
    }
}
