//! The solved temperature field on the grid, in a layout that renderers and exporters read.
//!
//! Storage is plane-major: `idx(i, j, k) = (k * ny + j) * nx + i`, with `i` along x, `j` along
//! y and `k` along z (bottom to top). In-plane cells are square, `dx_mm` on a side, starting at
//! x = y = 0. z is non-uniform: cell `k` spans `z_edges_mm[k]..z_edges_mm[k + 1]` and belongs to
//! layer `cell_layer[k]`.

/// Outline of a block, for maps.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct BlockOutline {
    pub name: String,
    /// Index into `Field::layer_names`.
    pub layer: usize,
    pub x_mm: f64,
    pub y_mm: f64,
    pub width_mm: f64,
    pub depth_mm: f64,
}

/// Headline facts for titles.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct FieldInfo {
    pub design: String,
    pub total_power_w: f64,
    pub inlet_c: Option<f64>,
    pub flow_lpm: Option<f64>,
}

/// A solved field plus enough geometry to draw it.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Field {
    pub info: FieldInfo,
    pub nx: usize,
    pub ny: usize,
    pub nz: usize,
    pub dx_mm: f64,
    /// `nz + 1` ascending edges, mm, `z_edges_mm[0] = 0`.
    pub z_edges_mm: Vec<f64>,
    /// Layer index of each z cell (`nz` entries).
    pub cell_layer: Vec<usize>,
    pub layer_names: Vec<String>,
    /// Solid (or fin-base effective medium) temperature, °C; `nx * ny * nz`.
    pub solid_c: Vec<f64>,
    /// Coolant temperature, °C, where a cell holds fluid; NaN elsewhere.
    pub fluid_c: Vec<f64>,
    /// Index into `material_names` per cell.
    pub material_id: Vec<u16>,
    pub material_names: Vec<String>,
    /// Volumetric power, W/m³.
    pub power_w_m3: Vec<f64>,
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

    /// Centre of z cell `k`, mm.
    pub fn z_centre_mm(&self, k: usize) -> f64 {
        0.5 * (self.z_edges_mm[k] + self.z_edges_mm[k + 1])
    }
}
