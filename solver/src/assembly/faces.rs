//! The top and bottom face of every column, with voids and `[[boundary.patches]]`.
//!
//! A column's top face is the top face of its topmost solid cell (the top layer's cell when
//! the layer is not void), its bottom face that of its bottommost solid cell: what the column
//! shows from above and from below. `[boundary].top` / `bottom` act there, except on columns
//! whose centre lies in a patch of that face, where the patch's convection replaces them. All
//! other faces against a void (block sides in a void layer, a face between solid and void
//! inside a column) are adiabatic; an overhang's underside with nothing below it is the
//! column's bottom face. A cell of a void layer that a block covers only partly exposes its covered share
//! (`cover`) of the face.
//!
//! A patch given as a lumped resistance R (K/W) gets h = 1 / (R · A), A the area it acts on as
//! rasterised: Σ cover · dx · dy over its columns. Then Σ h·cover·dx·dy·(T_face − T_amb) over
//! the patch is the heat P through it, so the area-mean face temperature is T_amb + P·R exactly,
//! on any grid.

use super::grid::{centre_range, Grid};
use super::layer_maps::LayerMaps;
use super::GridError;
use crate::model::{Convection, Design, Face, PatchCoupling};

/// The top or bottom face of one column.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ColumnFace {
    /// The z cell that carries the face; `None` for a column that is void all the way.
    pub k: Option<usize>,
    /// Its convection (h = 0: adiabatic).
    pub conv: Convection,
    /// Solid area fraction of that cell (1 outside void layers).
    pub cover: f64,
    /// The patch (index into `Boundary::patches`) this column belongs to, if any.
    pub patch: Option<usize>,
}

/// Faces of every column, physical layout `j · nx + i`.
#[derive(Debug, Clone, PartialEq)]
pub struct ColumnFaces {
    pub top: Vec<ColumnFace>,
    pub bottom: Vec<ColumnFace>,
    /// Per patch: Σ h · (exposed area), W/K; the heat through it is this times the area-mean
    /// face temperature above ambient.
    pub patch_ha_w_k: Vec<f64>,
}

impl ColumnFaces {
    /// The faces of a rasterised design; an error when a patch lies over void only.
    pub(super) fn new(design: &Design, grid: &Grid, maps: &[LayerMaps]) -> Result<Self, GridError> {
        let (nx, ny, nz) = (grid.nx, grid.ny, grid.nz);
        let a_cell = grid.dx_m * grid.dy_m;
        let bd = &design.boundary;
        let face_at = |c2: usize, k: usize, conv: Convection| {
            let cover = maps[grid.cell_layer[k]].cover(c2);
            (cover > 0.0).then_some(ColumnFace {
                k: Some(k),
                conv,
                cover,
                patch: None,
            })
        };
        let none = |conv: Convection| ColumnFace {
            k: None,
            conv,
            cover: 0.0,
            patch: None,
        };
        let mut top: Vec<ColumnFace> = (0..nx * ny)
            .map(|c2| {
                (0..nz)
                    .rev()
                    .find_map(|k| face_at(c2, k, bd.top))
                    .unwrap_or(none(bd.top))
            })
            .collect();
        let mut bottom: Vec<ColumnFace> = (0..nx * ny)
            .map(|c2| {
                (0..nz)
                    .find_map(|k| face_at(c2, k, bd.bottom))
                    .unwrap_or(none(bd.bottom))
            })
            .collect();
        let mut patch_ha_w_k = Vec::with_capacity(bd.patches.len());
        for (pi, p) in bd.patches.iter().enumerate() {
            let faces = match p.face {
                Face::Top => &mut top,
                Face::Bottom => &mut bottom,
            };
            let ir = centre_range(p.x_mm * 1e-3, (p.x_mm + p.width_mm) * 1e-3, grid.dx_m, nx);
            let jr = centre_range(p.y_mm * 1e-3, (p.y_mm + p.depth_mm) * 1e-3, grid.dy_m, ny);
            let mut area_m2 = 0.0;
            for j in jr.clone() {
                for i in ir.clone() {
                    let f = &mut faces[j * nx + i];
                    f.patch = Some(pi);
                    if f.k.is_some() {
                        area_m2 += f.cover * a_cell;
                    }
                }
            }
            if area_m2 <= 0.0 {
                return Err(GridError::PatchOnVoid(design.name.clone(), pi));
            }
            let h_w_m2k = match p.coupling {
                PatchCoupling::H(h) => h,
                PatchCoupling::R(r) => 1.0 / (r * area_m2),
            };
            let conv = Convection {
                h_w_m2k,
                ambient_c: p.ambient_c,
            };
            for j in jr {
                for i in ir.clone() {
                    faces[j * nx + i].conv = conv;
                }
            }
            patch_ha_w_k.push(h_w_m2k * area_m2);
        }
        Ok(ColumnFaces {
            top,
            bottom,
            patch_ha_w_k,
        })
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use std::path::Path;

    use crate::model::Design;

    /// A 10 × 10 mm die (void around it) under a lid covering x < 12 mm (void beyond), on a
    /// 20 × 20 mm domain of 1 mm cells; a top patch over the right half.
    const TOML: &str = r#"
name = "faces"
[domain]
width_mm = 20.0
depth_mm = 20.0
cell_mm = 1.0
[[layers]]
name = "die"
thickness_mm = 0.5
material = "void"
cells = 1
[[layers]]
name = "lid"
thickness_mm = 1.0
material = "void"
cells = 2
[[blocks]]
name = "die"
layer = "die"
x_mm = 5.0
y_mm = 5.0
width_mm = 10.0
depth_mm = 10.0
material = "silicon"
power_w = 1.0
[[blocks]]
name = "lid"
layer = "lid"
x_mm = 0.0
y_mm = 0.0
width_mm = 12.0
depth_mm = 20.0
material = "copper"
[boundary]
bottom = { h_w_m2k = 10.0, ambient_c = 20.0 }
[[boundary.patches]]
face = "top"
x_mm = 10.0
y_mm = 0.0
width_mm = 10.0
depth_mm = 20.0
ambient_c = 30.0
r_k_w = 2.0
"#;

    #[test]
    fn faces_sit_on_each_columns_outermost_solid_cell() {
        let d = Design::from_toml_str(TOML, Path::new("faces.toml")).unwrap();
        let asm = crate::assembly::assemble(&d).unwrap();
        let (f, nx) = (&asm.faces, 20);
        let at = |i: usize, j: usize| (f.top[j * nx + i], f.bottom[j * nx + i]);
        // Under the lid and over the die: top on the lid's upper cell, bottom on the die.
        let (t, b) = at(7, 7);
        assert_eq!((t.k, b.k), (Some(2), Some(0)));
        assert_eq!((t.patch, b.conv.h_w_m2k), (None, 10.0));
        // Lid only: the bottom face is the lid's lower cell (an overhang's underside is the
        // column's bottom face, cooled by [boundary].bottom).
        assert_eq!(at(2, 2).1.k, Some(1));
        // Beyond the lid, over the die: the die's top is the column's top, in the patch.
        let (t, _) = at(13, 7);
        assert_eq!((t.k, t.patch), (Some(0), Some(0)));
        // Void all the way: no face.
        assert_eq!(at(17, 2).0.k, None);
        // The patch acts on its solid columns only: x 10–12 mm under the lid (2 × 20 cells)
        // and x 12–15 mm over the die (3 × 10 cells), 70 mm²: h = 1 / (2 K/W · 70e-6 m²).
        let ha = f.patch_ha_w_k[0];
        assert!((ha - 0.5).abs() < 1e-12, "{ha}");
        assert!((at(11, 1).0.conv.h_w_m2k - 1.0 / (2.0 * 70e-6)).abs() < 1e-6);
    }
}
