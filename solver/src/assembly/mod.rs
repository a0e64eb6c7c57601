//! Rasterising a [`Design`] onto the structured grid and assembling the finite-volume operator.
//!
//! ## Grid
//! In plane: `nx = round(width / cell)` by `ny = round(depth / cell)` cells (at least 1), with
//! `dx = width / nx`, `dy = depth / ny` so the domain is exact (dx and dy differ from `cell_mm`,
//! and from each other, only when the domain is not a multiple of the cell). In z: each layer is
//! split into `cells` equal sub-cells when the design gives `cells`, else into cells graded
//! from both faces ([`Design::layer_z_cells_mm`]), except a channel layer, which is always
//! **one** z cell (its fin conduction is in the analytic fin efficiency, below), or two equal
//! ones when its fins are bonded at both ends (`fin_root = "both"`, below).
//!
//! ## Materials and sources
//! Blocks are rasterised by **area fraction**: a cell partly covered by a block gets
//! k = (1 − Σf)·k_fill + Σ f·k_block (parallel mixing) and the block's power density times f,
//! so the total power is exact on any grid. Power is uniform over the block's volume.
//!
//! ## Conduction
//! Cell-centred FV, 7-point stencil: the face conductance between two cells is the series
//! (harmonic) combination of the two half cells, G = A / (d₁/(2k₁) + d₂/(2k₂)), with k along the
//! face normal (k_xy in plane, k_z through plane). Convective faces: G = A / (1/h + d/(2k)),
//! heat q = G (T_cell − T_ambient).
//!
//! ## Channel fields (two-temperature porous medium)
//! Cells of a channel layer whose centre lies in a field are a fin array of pitch p = w_c + t_f,
//! fins along the flow, single-ended (adiabatic tip, as in the fin-efficiency formula). The
//! solid node is the **fin root** temperature (the base surface): no resistance between it and
//! the base cell below; to the layer above only the coolant's conduction k_fluid over the layer
//! height (the fins do not touch the cover). In plane the fins are an effective medium
//! k_along = k_fin·t_f/p (conduction along the fins) and k_across = p / (t_f/k_fin + w_c/k_fluid)
//! (series through fins and coolant, ≈ k_fluid·p/w_c). The coolant is one bulk (mixed-mean)
//! temperature per column of the field — the temperature the Nusselt number refers to — and
//! exchanges heat with the fin root through G_sf = h_eff·A_cell, with the base-referenced
//! h_eff = h(w_c + 2ηH)/p (fin efficiency η and channel floor included, `coolant`). G_sf is
//! scaled by (field area)/(rasterised area) so the total h_eff·A is exact on any grid.
//! The coolant is advected by first-order upwind along the flow:
//!   C (T_f,i − T_f,i−1) = G_sf (T_s,i − T_f,i),   C = ṁ_field·c_p / (cells across the flow)
//! with T_f,−1 = inlet. Summed over a stream this telescopes: the enthalpy rise equals the heat
//! taken in, exactly.
//!
//! ## Fin roots
//! The above is `fin_root = "bottom"`. `"top"` is its mirror in z: the node is the fin root at
//! the layer's top face (no resistance to the layer above), the coolant's conduction joins it
//! to the layer below. `"both"` (fins bonded to both layers, i.e. walls) gives the layer two
//! z cells, a floor node joined to the layer below and a ceiling node joined to the layer
//! above, without resistance. Between them the fin array's exact bridge conductance
//! G/sinh(mH)/p per area (the interior z face, through `kz`); each exchanges
//! (h·w_c + G·tanh(mH/2))/p per area with the column's one coolant node (G = k_f·t_f·m): the
//! exact three-node network of a fin with both ends at imposed temperatures
//! (`coolant::bonded_fin_w_m2k`). The coolant unknowns, their advection and the operator's
//! layout are the same for every fin root.
//!
//! Unknowns are θ = T − T_ref (T_ref = coolant inlet, else the lowest ambient with h > 0) so the
//! right-hand side scales with the power, and residual norms are meaningful.

mod conductance;
pub mod coolant;
mod faces;
mod grid;
pub(crate) mod layer_maps;

pub use coolant::CoolantState;
pub use faces::{ColumnFace, ColumnFaces};
pub(crate) use grid::centre_range;
pub use grid::{BoundaryFaces, Grid, Orientation};

use crate::model::{Design, FlowDirection};
use crate::numerics::operator::{Operator, MAX_FLUID_GROUPS};

/// Why a design cannot be put on a grid.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum GridError {
    /// Nothing removes heat: no coolant and every boundary adiabatic (the design name).
    #[error("design \"{0}\" has no heat sink: no coolant and every boundary has h = 0; give [coolant] with channels or a boundary with h_w_m2k > 0")]
    NoHeatSink(String),
    /// More (layer × flow direction) groups of channel fields than the smoother supports
    /// (the design name, the number of groups).
    #[error("design \"{0}\" has {1} groups of channel fields (layer × flow direction); at most {max} are supported", max = MAX_FLUID_GROUPS)]
    TooManyFluidGroups(String, usize),
    /// Channel fields without a `[coolant]` (the design name).
    #[error("design \"{0}\" has channel fields but no [coolant] section")]
    NoCoolant(String),
    /// A patch whose cells are all void on this grid (the design name, the patch index).
    #[error("design \"{0}\": boundary.patches[{1}] lies over void cells only on this grid; move it over a block or a solid layer")]
    PatchOnVoid(String, usize),
    /// Solid cells with no conduction path to a heat sink, cut off by void (the design name,
    /// the layer name, x and y of one such cell, mm).
    #[error("design \"{0}\": the solid at x = {2:.3} mm, y = {3:.3} mm in layer `{1}` has no conduction path to a heat sink (void cuts it off); connect it through a block or a solid layer")]
    Isolated(String, String, f64, f64),
    /// The coolant loop network has no solution (the design name, what is wrong and what to
    /// change).
    #[error("design \"{0}\": the coolant loop: {1}")]
    CoolantLoop(String, String),
}

/// Everything the solver and the results need from the design, assembled.
#[derive(Debug, Clone)]
pub struct Assembly {
    pub grid: Grid,
    pub op: Operator,
    /// Right-hand side (state layout, θ units × W/K = W).
    pub b: Vec<f64>,
    pub t_ref_c: f64,
    pub coolant: Option<CoolantState>,
    /// Per cell in field layout: W/m³, material index.
    pub power_w_m3: Vec<f64>,
    pub material_id: Vec<u16>,
    pub material_names: Vec<String>,
    /// Per block: (field index, area fraction of the cell covered).
    pub block_cells: Vec<Vec<(usize, f64)>>,
    /// Convective faces: top, bottom, sides.
    pub boundary: [BoundaryFaces; 3],
    /// The top and bottom face of every column (voids, patches).
    pub faces: ColumnFaces,
    /// The convective faces of each `[[boundary.patches]]` entry (also in `boundary`).
    pub patch_faces: Vec<BoundaryFaces>,
    /// Per cell in field layout: true where a void layer has no block (no cell: decoupled,
    /// held at θ = 0, left out of every result); `None` when the design has no void layer.
    pub void: Option<Vec<bool>>,
    /// Outlet fluid cells: the last cell of every stream of every field, with its weight and
    /// its field's inlet.
    pub outlets: Vec<coolant::Outlet>,
    /// Inlet fluid cells: the first cell of every stream of every field, where its field's
    /// inlet temperature enters `b`.
    pub inlets: Vec<coolant::Inlet>,
    /// Coolant inlet in θ units.
    pub inlet_theta: f64,
}

impl Assembly {
    pub fn ncomp(&self) -> usize {
        self.op.ncomp()
    }
    /// State index of the solid cell (i, j, k).
    #[inline]
    pub fn state_idx(&self, i: usize, j: usize, k: usize) -> usize {
        self.grid.orient.col(i, j) * self.ncomp() + k
    }
    /// Is the cell of field index `f` void (no cell; see [`Assembly::void`])?
    #[inline]
    pub fn is_void(&self, f: usize) -> bool {
        self.void.as_ref().is_some_and(|v| v[f])
    }
    /// Number of solid (non-void) cells.
    pub fn solid_cells(&self) -> usize {
        let all = self.grid.nx * self.grid.ny * self.grid.nz;
        self.void
            .as_ref()
            .map_or(all, |v| v.iter().filter(|&&x| !x).count())
    }
    /// The inlet temperature every field takes from the solution `theta`, °C: the mixed
    /// temperature of the loop node it draws from (the design inlet, or the outlets of the
    /// fields upstream of it); empty without coolant.
    pub fn field_inlets_c(&mut self, design: &Design, theta: &[f64]) -> Vec<f64> {
        let temps = self.coolant_temperatures_c(theta);
        match self.coolant.as_mut() {
            Some(c) => coolant::field_inlets_c(design, &self.grid, &temps, &mut c.network),
            None => Vec::new(),
        }
    }

    /// Give every field the inlet `inlets_c[field]`, °C: moves its inflow term `w_k·θ_in` in
    /// the right-hand side `b` (the assembly's or a copy, as a transient step's) and the
    /// inlet its outlets' enthalpy rise counts from.
    pub fn set_field_inlets_c(&mut self, b: &mut [f64], inlets_c: &[f64]) {
        let Some(cs) = self.coolant.as_mut() else {
            return;
        };
        let change: Vec<f64> = cs
            .fields
            .iter()
            .zip(inlets_c)
            .map(|(f, &t)| t - f.inlet_c)
            .collect();
        for i in &self.inlets {
            b[i.state] += i.w_k * change[i.field];
        }
        for o in &mut self.outlets {
            o.inlet_theta += change[o.field];
        }
        for (f, &t) in cs.fields.iter_mut().zip(inlets_c) {
            f.inlet_c = t;
        }
    }

    /// The coolant temperature of every fluid cell of the solution `theta`, °C: per fluid
    /// group, per internal column (NaN where the group has no coolant); what [`assemble_at`]
    /// evaluates the local properties at.
    pub fn coolant_temperatures_c(&self, theta: &[f64]) -> Vec<Vec<f64>> {
        let (nc, nz) = (self.ncomp(), self.op.nz);
        (0..self.op.fluids.len())
            .map(|g| {
                (0..self.op.ncol())
                    .map(|c| {
                        if self.op.fluid_active(g, c) {
                            self.t_ref_c + theta[c * nc + nz + g]
                        } else {
                            f64::NAN
                        }
                    })
                    .collect()
            })
            .collect()
    }
}

/// Which z cells a design is assembled on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ZGrid {
    /// The design's own ([`Design::layer_z_cells_mm`]).
    Design,
    /// Every layer's cells merged in pairs from the bottom (an odd last cell kept): the
    /// coarser member of a refinement pair with ratio 2, for a Richardson estimate.
    Coarser,
}

/// Cells merged in pairs from the first (an odd last cell kept alone).
fn merge_pairs(cells: &[f64]) -> Vec<f64> {
    cells.chunks(2).map(|p| p.iter().sum()).collect()
}

/// Build the grid and the operator of a design.
pub fn assemble(design: &Design) -> Result<Assembly, GridError> {
    assemble_on(design, ZGrid::Design)
}

/// Build the grid and the operator of a design on the z cells `z_grid` asks for, with the
/// coolant properties at the mean coolant temperature.
pub fn assemble_on(design: &Design, z_grid: ZGrid) -> Result<Assembly, GridError> {
    assemble_at(design, z_grid, None)
}

/// Build the grid and the operator of a design on the z cells `z_grid` asks for, with the
/// coolant properties of every fluid cell at its temperature in `coolant_c` (from
/// [`Assembly::coolant_temperatures_c`] of a solution on the same grid), or at the mean
/// coolant temperature without it ([`coolant::analyse_on`]).
pub fn assemble_at(
    design: &Design,
    z_grid: ZGrid,
    coolant_c: Option<&[Vec<f64>]>,
) -> Result<Assembly, GridError> {
    let has_channels = design.layers.iter().any(|l| l.is_coolant());
    if has_channels && design.coolant.is_none() {
        return Err(GridError::NoCoolant(design.name.clone()));
    }
    let nx = ((design.width_mm / design.cell_mm).round() as usize).max(1);
    let ny = ((design.depth_mm / design.cell_mm).round() as usize).max(1);
    let (dx, dy) = (
        design.width_mm * 1e-3 / nx as f64,
        design.depth_mm * 1e-3 / ny as f64,
    );
    // z discretisation (a channel layer is one z cell: the fin conduction is in the analytic
    // fin efficiency).
    let mut z_edges_m = vec![0.0];
    let mut cell_layer = Vec::new();
    let mut layer_z = Vec::new();
    for (li, cells_mm) in design.layer_z_cells_mm().into_iter().enumerate() {
        let cells_mm = match z_grid {
            ZGrid::Design => cells_mm,
            // A channel layer's cells are its model's nodes (fin root, or floor and ceiling),
            // not a discretisation to refine: kept.
            ZGrid::Coarser if design.layers[li].is_coolant() => cells_mm,
            ZGrid::Coarser => merge_pairs(&cells_mm),
        };
        layer_z.push((cell_layer.len(), cells_mm.len()));
        let z0 = *z_edges_m.last().unwrap_or(&0.0);
        let t = design.layers[li].thickness_mm * 1e-3;
        let mut acc = 0.0;
        for (s, dz) in cells_mm.iter().enumerate() {
            acc += dz;
            cell_layer.push(li);
            // The top edge is the layer's own (no rounding drift between layers).
            let z = if s + 1 == cells_mm.len() {
                t
            } else {
                acc * 1e-3
            };
            z_edges_m.push(z0 + z);
        }
    }
    let nz = cell_layer.len();
    // Lines run along the flow axis carrying the most channel-field area (ties: the first
    // field's axis), in the direction of the larger area on that axis. Fields across that axis
    // still work, with slower convergence (their streams cross the lines).
    let mut area = [0.0f64; 4]; // +x, −x, +y, −y
    let mut first = None;
    for ch in design.layers.iter().flat_map(|l| l.channels.iter()) {
        let i = match ch.direction {
            FlowDirection::PlusX => 0,
            FlowDirection::MinusX => 1,
            FlowDirection::PlusY => 2,
            FlowDirection::MinusY => 3,
        };
        area[i] += ch.width_mm * ch.depth_mm;
        first.get_or_insert(i / 2);
    }
    let main_dir = first.map(|f| {
        let (ax, ay) = (area[0] + area[1], area[2] + area[3]);
        let y_axis = ay > ax || (ay == ax && f == 1);
        match (y_axis, area[0] >= area[1], area[2] >= area[3]) {
            (false, true, _) => FlowDirection::PlusX,
            (false, false, _) => FlowDirection::MinusX,
            (true, _, true) => FlowDirection::PlusY,
            (true, _, false) => FlowDirection::MinusY,
        }
    });
    let orient = match main_dir {
        Some(FlowDirection::PlusX) | None => Orientation {
            swap: false,
            flip: false,
            nx,
            ny,
        },
        Some(FlowDirection::MinusX) => Orientation {
            swap: false,
            flip: true,
            nx,
            ny,
        },
        Some(FlowDirection::PlusY) => Orientation {
            swap: true,
            flip: false,
            nx,
            ny,
        },
        Some(FlowDirection::MinusY) => Orientation {
            swap: true,
            flip: true,
            nx,
            ny,
        },
    };
    let grid = Grid {
        nx,
        ny,
        nz,
        dx_m: dx,
        dy_m: dy,
        z_edges_m,
        cell_layer,
        layer_z,
        orient,
    };
    let coolant = if has_channels {
        coolant::analyse_on(design, &grid, coolant_c)
            .map_err(|problem| GridError::CoolantLoop(design.name.clone(), problem))?
    } else {
        None
    };
    let t_ref_c = match (&coolant, design.coolant.as_ref()) {
        (Some(_), Some(c)) => c.inlet_c,
        _ => {
            let bd = &design.boundary;
            let patches = bd.patches.iter().filter_map(|p| match p.coupling {
                crate::model::PatchCoupling::H(h) if h <= 0.0 => None,
                _ => Some(p.ambient_c),
            });
            [bd.top, bd.bottom, bd.sides]
                .iter()
                .filter(|c| c.h_w_m2k > 0.0)
                .map(|c| c.ambient_c)
                .chain(patches)
                .fold(None, |m: Option<f64>, a| Some(m.map_or(a, |m| m.min(a))))
                .ok_or_else(|| GridError::NoHeatSink(design.name.clone()))?
        }
    };
    let mut names = Vec::new();
    let mut block_cells = vec![Vec::new(); design.blocks.len()];
    let maps = layer_maps::rasterise(
        design,
        &grid,
        coolant.as_ref(),
        &mut names,
        &mut block_cells,
    );
    let faces = ColumnFaces::new(design, &grid, &maps)?;
    let built = conductance::build(design, &grid, coolant.as_ref(), t_ref_c, &maps, &faces)?;
    if design.layers.iter().any(|l| l.is_void()) {
        connected(design, &grid, &maps, &built.op)?;
    }
    let void = design.layers.iter().any(|l| l.is_void()).then(|| {
        let plane = grid.nx * grid.ny;
        (0..plane * grid.nz)
            .map(|f| maps[grid.cell_layer[f / plane]].cover(f % plane) == 0.0)
            .collect()
    });
    Ok(Assembly {
        grid,
        op: built.op,
        b: built.b,
        t_ref_c,
        coolant,
        power_w_m3: built.power_w_m3,
        material_id: built.material_id,
        material_names: names,
        block_cells,
        boundary: built.boundary,
        faces,
        patch_faces: built.patch_faces,
        void,
        outlets: built.outlets,
        inlets: built.inlets,
        inlet_theta: 0.0,
    })
}

/// Every solid cell has a conduction path to a heat sink (a convective face or coolant):
/// with void layers a block can be cut off, and its temperature would then be undetermined
/// (or, with power, have no steady state). A flood fill from the cooled cells through every
/// face with conductance.
fn connected(
    design: &Design,
    grid: &Grid,
    maps: &[layer_maps::LayerMaps],
    op: &Operator,
) -> Result<(), GridError> {
    let (nu, nv, nz) = (op.nu, op.nv, op.nz);
    let n = op.ncol() * nz;
    let cooled = |s: usize| {
        let c = s / nz;
        op.gb[s] > 0.0
            || op.fluids.iter().enumerate().any(|(g, fg)| {
                let k = s % nz;
                op.fluid_active(g, c) && (fg.k0..fg.k0 + fg.nzl).contains(&k)
            })
    };
    let mut seen = vec![false; n];
    let mut stack: Vec<usize> = (0..n).filter(|&s| cooled(s)).collect();
    stack.iter().for_each(|&s| seen[s] = true);
    while let Some(s) = stack.pop() {
        let (c, k) = (s / nz, s % nz);
        let (u, v) = (c % nu, c / nu);
        let mut nb = Vec::with_capacity(6);
        if u > 0 && op.gu[s - nz] > 0.0 {
            nb.push(s - nz);
        }
        if u + 1 < nu && op.gu[s] > 0.0 {
            nb.push(s + nz);
        }
        if v > 0 && op.gv[s - nu * nz] > 0.0 {
            nb.push(s - nu * nz);
        }
        if v + 1 < nv && op.gv[s] > 0.0 {
            nb.push(s + nu * nz);
        }
        if k > 0 && op.gz[s - 1] > 0.0 {
            nb.push(s - 1);
        }
        if k + 1 < nz && op.gz[s] > 0.0 {
            nb.push(s + 1);
        }
        for t in nb {
            if !seen[t] {
                seen[t] = true;
                stack.push(t);
            }
        }
    }
    // A solid cell (any cover) that the fill did not reach is cut off.
    for k in 0..nz {
        let m = &maps[grid.cell_layer[k]];
        for j in 0..grid.ny {
            for i in 0..grid.nx {
                if m.cover(j * grid.nx + i) > 0.0 && !seen[grid.orient.col(i, j) * nz + k] {
                    return Err(GridError::Isolated(
                        design.name.clone(),
                        design.layers[grid.cell_layer[k]].name.clone(),
                        (i as f64 + 0.5) * grid.dx_m * 1e3,
                        (j as f64 + 0.5) * grid.dy_m * 1e3,
                    ));
                }
            }
        }
    }
    Ok(())
}
