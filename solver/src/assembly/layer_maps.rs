//! Rasterising a design's layers: per layer, in-plane maps of conductivity, power density and
//! material on the physical `nx × ny` grid (the first half of [`super::assemble`]; the
//! rules — area-fraction mixing of blocks, the fin-array effective medium of channel fields —
//! are in the `assembly` module doc).
//!
//! Most layers of a package are uniform (a lid, a TIM, a cold-plate base): a [`CellMap`] stays a
//! single value until a cell differs, so a uniform layer costs a few bytes instead of
//! ~50 B × nx·ny, and assembly touches (page-faults) only the memory that carries information.

use super::coolant::CoolantState;
use super::grid::{centre_range, Grid};
use crate::model::{Design, FinRoot, FlowDirection};

/// A per-cell value of one layer, stored once while the layer is uniform.
#[derive(Debug, Clone)]
pub(crate) struct CellMap<T>(Vec<T>);

impl<T: Copy> CellMap<T> {
    fn uniform(value: T) -> Self {
        CellMap(vec![value])
    }

    /// The value of cell `c` (physical index `j·nx + i`).
    #[inline]
    pub(crate) fn at(&self, c: usize) -> T {
        if self.0.len() == 1 {
            self.0[0]
        } else {
            self.0[c]
        }
    }

    /// All `n` cells, for writing (expands a uniform map).
    fn cells(&mut self, n: usize) -> &mut [T] {
        if self.0.len() != n {
            self.0 = vec![self.0[0]; n];
        }
        &mut self.0
    }
}

/// In-plane property maps of one layer (physical layout `j·nx + i`), W/(m·K), W/m³.
pub(crate) struct LayerMaps {
    pub(crate) kx: CellMap<f64>,
    pub(crate) ky: CellMap<f64>,
    pub(crate) kz: CellMap<f64>,
    /// z conductivity of the lower and upper half cell where they differ from `kz` (channel
    /// fields: no resistance below the fin root, only the coolant above it).
    split_z: Option<(CellMap<f64>, CellMap<f64>)>,
    pub(crate) q: CellMap<f64>,
    pub(crate) mat: CellMap<u16>,
    /// Area fraction of each cell that is solid, in a void layer (the blocks' covered
    /// fraction, 0 for a void cell); `None` in a solid layer.
    cover: Option<CellMap<f64>>,
}

impl LayerMaps {
    /// In-plane conductivities of cell `c` along the internal axes (u, v) (`swap`: u is y).
    #[inline]
    pub(crate) fn k_uv(&self, c: usize, swap: bool) -> (f64, f64) {
        if swap {
            (self.ky.at(c), self.kx.at(c))
        } else {
            (self.kx.at(c), self.ky.at(c))
        }
    }

    /// The solid area fraction of cell `c`: 1 in a solid layer; in a void layer the share
    /// its blocks cover, 0 for a void cell (no conductance, no cell in results).
    #[inline]
    pub(crate) fn cover(&self, c: usize) -> f64 {
        self.cover.as_ref().map_or(1.0, |m| m.at(c))
    }

    /// z conductivity of the lower half of cell `c`.
    #[inline]
    pub(crate) fn kz_lo(&self, c: usize) -> f64 {
        self.split_z
            .as_ref()
            .map_or_else(|| self.kz.at(c), |s| s.0.at(c))
    }

    /// z conductivity of the upper half of cell `c`.
    #[inline]
    pub(crate) fn kz_hi(&self, c: usize) -> f64 {
        self.split_z
            .as_ref()
            .map_or_else(|| self.kz.at(c), |s| s.1.at(c))
    }
}

/// Smallest covered area fraction that makes a cell of a void layer solid: below it the
/// overlap is a rounding residue of a block edge that lies on a cell edge.
const VOID_SLIVER: f64 = 1e-9;

/// Overlap length of [a0, a1] and [b0, b1].
fn overlap(a0: f64, a1: f64, b0: f64, b1: f64) -> f64 {
    (a1.min(b1) - a0.max(b0)).max(0.0)
}

/// Index of material name `n` in `names`, appended if new.
fn name_id(names: &mut Vec<String>, n: &str) -> u16 {
    match names.iter().position(|x| x == n) {
        Some(p) => p as u16,
        None => {
            names.push(n.to_string());
            (names.len() - 1) as u16
        }
    }
}

/// The maps of every layer; fills `names` (material names, indexed by the maps' `mat`) and
/// `block_cells` (per block: field index and covered area fraction of each cell).
pub(crate) fn rasterise(
    design: &Design,
    grid: &Grid,
    coolant: Option<&CoolantState>,
    names: &mut Vec<String>,
    block_cells: &mut [Vec<(usize, f64)>],
) -> Vec<LayerMaps> {
    let (nx, ny, dx, dy) = (grid.nx, grid.ny, grid.dx_m, grid.dy_m);
    let ncell2 = nx * ny;
    let mut maps = Vec::with_capacity(design.layers.len());
    for (li, layer) in design.layers.iter().enumerate() {
        let fill = name_id(names, &layer.material.name);
        let mut m = LayerMaps {
            kx: CellMap::uniform(layer.material.k_xy),
            ky: CellMap::uniform(layer.material.k_xy),
            kz: CellMap::uniform(layer.material.k_z),
            split_z: None,
            q: CellMap::uniform(0.0),
            mat: CellMap::uniform(fill),
            cover: layer.is_void().then(|| CellMap::uniform(0.0)),
        };
        for (fi, ch) in layer.channels.iter().enumerate() {
            let kfl = coolant.map_or(0.6, |c| c.props.k);
            let (z_lo, z_hi, z_mid) =
                fin_root_kz(ch, li, fi, layer.thickness_mm, kfl, coolant, grid);
            let (t, w) = (ch.fin_thickness_mm, ch.channel_width_mm);
            let p = t + w;
            let kf_xy = ch.fin_material.k_xy;
            let along = kf_xy * t / p;
            let across = p / (t / kf_xy + w / kfl);
            let (lo, hi) = m
                .split_z
                .get_or_insert_with(|| (m.kz.clone(), m.kz.clone()));
            let (lo, hi) = (lo.cells(ncell2), hi.cells(ncell2));
            let id = name_id(names, &format!("fin_array({})", ch.fin_material.name));
            let along_x = matches!(ch.direction, FlowDirection::PlusX | FlowDirection::MinusX);
            let (kx, ky) = (m.kx.cells(ncell2), m.ky.cells(ncell2));
            let (kz, mat) = (m.kz.cells(ncell2), m.mat.cells(ncell2));
            for j in centre_range(ch.y_mm * 1e-3, (ch.y_mm + ch.depth_mm) * 1e-3, dy, ny) {
                for i in centre_range(ch.x_mm * 1e-3, (ch.x_mm + ch.width_mm) * 1e-3, dx, nx) {
                    let c = j * nx + i;
                    (kx[c], ky[c]) = if along_x {
                        (along, across)
                    } else {
                        (across, along)
                    };
                    // The node sits at the fin root: no resistance to the base below; above it
                    // only the coolant's conduction reaches the cover (fins are single-ended).
                    // Other fin roots: `fin_root_kz`.
                    kz[c] = z_mid;
                    lo[c] = z_lo;
                    hi[c] = z_hi;
                    mat[c] = id;
                }
            }
        }
        if design.blocks.iter().any(|b| b.layer == li) {
            add_blocks(design, grid, li, &mut m, names, block_cells);
        }
        maps.push(m);
    }
    maps
}

/// z conductivities (lower face half, upper face half, interior) of the cells of channel field
/// `fi` of layer `li` (`thickness_mm`), by its fin root. `Bottom`: the node is the fin root,
/// nothing below it, the coolant's `kfl` above it; `Top` the mirror. `Both`: two z cells, each
/// joined without resistance to its solid neighbour layer, and between them the fin array's
/// bridge conductance of [`super::coolant::bonded_fin_w_m2k`] (the interior face of two
/// half-height cells conducts 2k/H per area), scaled like the solid–coolant exchange by
/// (field area)/(rasterised area) so the field's total is exact on any grid.
fn fin_root_kz(
    ch: &crate::model::Channels,
    li: usize,
    fi: usize,
    thickness_mm: f64,
    kfl: f64,
    coolant: Option<&CoolantState>,
    grid: &Grid,
) -> (f64, f64, f64) {
    match ch.fin_root {
        FinRoot::Bottom => (f64::INFINITY, kfl, kfl),
        FinRoot::Top => (kfl, f64::INFINITY, kfl),
        FinRoot::Both => {
            let h = coolant
                .and_then(|c| c.fields.iter().find(|f| f.layer == li && f.field == fi))
                .map_or(0.0, |f| f.perf.h_w_m2k);
            let geom = super::coolant::FieldGeometry::of(ch, thickness_mm);
            let (_, bridge) = super::coolant::bonded_fin_w_m2k(h, ch.fin_material.k_z, &geom);
            let (nx, ny, dx, dy) = (grid.nx, grid.ny, grid.dx_m, grid.dy_m);
            let ni = centre_range(ch.x_mm * 1e-3, (ch.x_mm + ch.width_mm) * 1e-3, dx, nx).len();
            let nj = centre_range(ch.y_mm * 1e-3, (ch.y_mm + ch.depth_mm) * 1e-3, dy, ny).len();
            let scale = ch.width_mm * ch.depth_mm * 1e-6 / ((ni * nj) as f64 * dx * dy).max(1e-300);
            (
                f64::INFINITY,
                f64::INFINITY,
                bridge * scale * 0.5 * thickness_mm * 1e-3,
            )
        }
    }
}

/// Mix the blocks of layer `li` into its maps by covered area fraction.
fn add_blocks(
    design: &Design,
    grid: &Grid,
    li: usize,
    m: &mut LayerMaps,
    names: &mut Vec<String>,
    block_cells: &mut [Vec<(usize, f64)>],
) {
    let (nx, ny, dx, dy) = (grid.nx, grid.ny, grid.dx_m, grid.dy_m);
    let ncell2 = nx * ny;
    let layer = &design.layers[li];
    let mut sf = vec![0.0; ncell2];
    let (mut sx, mut sy, mut sz) = (vec![0.0; ncell2], vec![0.0; ncell2], vec![0.0; ncell2]);
    let mut best = vec![0.0f64; ncell2];
    let (q, mat) = (m.q.cells(ncell2), m.mat.cells(ncell2));
    for (bi, blk) in design
        .blocks
        .iter()
        .enumerate()
        .filter(|(_, b)| b.layer == li)
    {
        let id = name_id(names, &blk.material.name);
        let (x0, x1) = (blk.x_mm * 1e-3, (blk.x_mm + blk.width_mm) * 1e-3);
        let (y0, y1) = (blk.y_mm * 1e-3, (blk.y_mm + blk.depth_mm) * 1e-3);
        let qv = blk.power_w / (blk.width_mm * blk.depth_mm * layer.thickness_mm * 1e-9);
        let (i0, i1) = (
            ((x0 / dx).floor() as usize).min(nx),
            ((x1 / dx).ceil() as usize).min(nx),
        );
        let (j0, j1) = (
            ((y0 / dy).floor() as usize).min(ny),
            ((y1 / dy).ceil() as usize).min(ny),
        );
        let (k0, nk) = grid.layer_z[li];
        for j in j0..j1 {
            let oy = overlap(y0, y1, j as f64 * dy, (j + 1) as f64 * dy) / dy;
            for i in i0..i1 {
                let f = oy * overlap(x0, x1, i as f64 * dx, (i + 1) as f64 * dx) / dx;
                // In a void layer a rounding-sized sliver (a block edge on a cell edge) would
                // be a cell with next to no conductance: it stays void.
                if f <= 0.0 || (layer.is_void() && f < VOID_SLIVER) {
                    continue;
                }
                let c = j * nx + i;
                sf[c] += f;
                sx[c] += f * blk.material.k_xy;
                sy[c] += f * blk.material.k_xy;
                sz[c] += f * blk.material.k_z;
                q[c] += f * qv;
                if f > best[c] && f >= 0.5 {
                    best[c] = f;
                    mat[c] = id;
                }
                for k in k0..k0 + nk {
                    block_cells[bi].push((grid.field_idx(i, j, k), f));
                }
            }
        }
    }
    if let Some(cover) = m.cover.as_mut() {
        for (cv, f) in cover.cells(ncell2).iter_mut().zip(&sf) {
            *cv = f.min(1.0);
        }
    }
    let (kx, ky, kz) = (m.kx.cells(ncell2), m.ky.cells(ncell2), m.kz.cells(ncell2));
    let mut split = m
        .split_z
        .as_mut()
        .map(|(lo, hi)| (lo.cells(ncell2), hi.cells(ncell2)));
    for c in 0..ncell2 {
        if sf[c] > 0.0 {
            let r = (1.0 - sf[c]).max(0.0);
            kx[c] = r * kx[c] + sx[c];
            ky[c] = r * ky[c] + sy[c];
            kz[c] = r * kz[c] + sz[c];
            if let Some((lo, hi)) = split.as_mut() {
                (lo[c], hi[c]) = (kz[c], kz[c]);
            }
        }
    }
}
