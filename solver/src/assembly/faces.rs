//! The top and bottom face of every column, with voids and `[[boundary.patches]]`.
//!
//! A column's top face is the top face of its topmost solid cell (the top layer's cell when
//! the layer is not void), its bottom face that of its bottommost solid cell: what the column
//! shows from above and from below. `[boundary].top` / `bottom` act there, except on columns
//! whose centre lies in a patch of that face, where the patch's convection replaces them. All
//! other faces against a void (block sides in a void layer, the underside of an overhang) are
//! adiabatic. A cell of a void layer that a block covers only partly exposes its covered share
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
