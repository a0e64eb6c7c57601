//! The solved temperature field on the grid, in a layout that renderers and exporters read.
//!
//! Storage is plane-major: `idx(i, j, k) = (k * ny + j) * nx + i`, with `i` along x, `j` along
//! y and `k` along z (bottom to top); [`Field::solid_c_view`] and [`Field::fluid_c_view`] show
//! the same data as `ndarray` arrays indexed `[k, j, i]`. In-plane cells are square, `dx_mm` on a side, starting at
//! x = y = 0. z is non-uniform: cell `k` spans `z_edges_mm[k]..z_edges_mm[k + 1]` and belongs to
//! layer `cell_layer[k]`.

use ndarray::ArrayView3;

/// Outline of a block, for maps.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct BlockOutline {
    /// Block name.
    pub name: String,
    /// Index into `Field::layer_names`.
    pub layer: usize,
    /// Lower-left corner, x, mm.
    pub x_mm: f64,
    /// Lower-left corner, y, mm.
    pub y_mm: f64,
    /// Extent along x, mm.
    pub width_mm: f64,
    /// Extent along y, mm.
    pub depth_mm: f64,
}

/// Headline facts for titles.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct FieldInfo {
    /// Design name.
    pub design: String,
    /// Total block power, W.
    pub total_power_w: f64,
    /// Coolant inlet, °C, if the design has a coolant.
    pub inlet_c: Option<f64>,
    /// Coolant flow, L/min, if the design has a coolant.
    pub flow_lpm: Option<f64>,
}

/// A solved field plus enough geometry to draw it.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Field {
    /// Headline facts for titles.
    pub info: FieldInfo,
    /// Cells along x.
    pub nx: usize,
    /// Cells along y.
    pub ny: usize,
    /// Cells along z (all layers).
    pub nz: usize,
    /// In-plane cell size, mm (cells are square for maps; see `Design::cell_mm`).
    pub dx_mm: f64,
    /// `nz + 1` ascending edges, mm, `z_edges_mm[0] = 0`.
    pub z_edges_mm: Vec<f64>,
    /// Layer index of each z cell (`nz` entries).
    pub cell_layer: Vec<usize>,
    /// Layer names, bottom to top.
    pub layer_names: Vec<String>,
    /// Solid (or fin-base effective medium) temperature, °C; `nx * ny * nz`.
    pub solid_c: Vec<f64>,
    /// Coolant temperature, °C, where a cell holds fluid; NaN elsewhere.
    pub fluid_c: Vec<f64>,
    /// Index into `material_names` per cell.
    pub material_id: Vec<u16>,
    /// Material names (fills, blocks, `fin_array(<fin material>)`).
    pub material_names: Vec<String>,
    /// Volumetric power, W/m³.
    pub power_w_m3: Vec<f64>,
    /// Block outlines, in design order.
    pub blocks: Vec<BlockOutline>,
}

impl Field {
    /// Linear index of cell `(i, j, k)`.
    #[inline]
    pub fn idx(&self, i: usize, j: usize, k: usize) -> usize {
        (k * self.ny + j) * self.nx + i
    }

    /// The z cells belonging to layer `layer` (a contiguous range).
    pub fn layer_cells(&self, layer: usize) -> std::ops::Range<usize> {
        let first = self.cell_layer.iter().position(|&l| l == layer);
        let last = self.cell_layer.iter().rposition(|&l| l == layer);
        match (first, last) {
            (Some(a), Some(b)) => a..b + 1,
            _ => 0..0,
        }
    }

    /// The solid temperatures, °C, as an `[nz, ny, nx]` array: `view[[k, j, i]]` is cell
    /// (i along x, j along y, k along z from the bottom), a view of [`Field::solid_c`].
    ///
    /// # Panics
    /// If `solid_c` does not hold `nx · ny · nz` values (a field edited by hand).
    pub fn solid_c_view(&self) -> ArrayView3<'_, f64> {
        self.view(&self.solid_c)
    }

    /// The coolant temperatures, °C (NaN where a cell holds no fluid), indexed as
    /// [`Field::solid_c_view`].
    ///
    /// # Panics
    /// If `fluid_c` does not hold `nx · ny · nz` values (a field edited by hand).
    pub fn fluid_c_view(&self) -> ArrayView3<'_, f64> {
        self.view(&self.fluid_c)
    }

    fn view<'a>(&self, data: &'a [f64]) -> ArrayView3<'a, f64> {
        ArrayView3::from_shape((self.nz, self.ny, self.nx), data)
            .expect("a field holds nx·ny·nz values per quantity")
    }

    /// Centre of z cell `k`, mm.
    pub fn z_centre_mm(&self, k: usize) -> f64 {
        0.5 * (self.z_edges_mm[k] + self.z_edges_mm[k + 1])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn views_index_k_j_i_like_idx() {
        let (nx, ny, nz) = (3, 2, 4);
        let n = nx * ny * nz;
        let field = Field {
            info: FieldInfo {
                design: "t".into(),
                total_power_w: 0.0,
                inlet_c: None,
                flow_lpm: None,
            },
            nx,
            ny,
            nz,
            dx_mm: 1.0,
            z_edges_mm: (0..=nz).map(|k| k as f64).collect(),
            cell_layer: vec![0; nz],
            layer_names: vec!["l".into()],
            solid_c: (0..n).map(|v| v as f64).collect(),
            fluid_c: (0..n).map(|v| -(v as f64)).collect(),
            material_id: vec![0; n],
            material_names: vec!["m".into()],
            power_w_m3: vec![0.0; n],
            blocks: vec![],
        };
        let (s, f) = (field.solid_c_view(), field.fluid_c_view());
        assert_eq!(s.shape(), &[nz, ny, nx]);
        for k in 0..nz {
            for j in 0..ny {
                for i in 0..nx {
                    assert_eq!(s[[k, j, i]], field.solid_c[field.idx(i, j, k)]);
                    assert_eq!(f[[k, j, i]], field.fluid_c[field.idx(i, j, k)]);
                }
            }
        }
    }
}
