//! Solved θ → [`Results`] and [`Field`]: temperatures, block and layer statistics, the
//! coolant's outlet and the energy balance (the rules are in the `results` module doc).

use rayon::prelude::*;

use super::budget::Column;
use super::field::{BlockOutline, Field, FieldInfo};
use super::{
    BlockResult, BoundaryHeat, CoolantResult, LayerResult, PatchHeat, Results, SolverStats,
};
use crate::assembly::Assembly;
use crate::model::{Design, Face};
use crate::numerics::krylov::Info;

/// Solver bookkeeping passed to [`compute`].
#[derive(Debug, Clone, Copy)]
pub(crate) struct RunInfo {
    pub(crate) convergence: Info,
    pub(crate) wall_s: f64,
    pub(crate) threads: usize,
}

/// Turn a solved θ vector into results and a field.
pub(crate) fn compute(
    design: &Design,
    asm: &Assembly,
    theta: &[f64],
    run: RunInfo,
) -> (Results, Field) {
    let g = &asm.grid;
    let (nx, ny, nz) = (g.nx, g.ny, g.nz);
    let nc = asm.ncomp();
    let tref = asm.t_ref_c;
    let a_cell = g.dx_m * g.dy_m;
    // θ (state layout) to °C in field layout, one (k, j) row per task.
    let mut solid_c = crate::numerics::vector::zeros(nx * ny * nz);
    let mut fluid_c = vec![f64::NAN; nx * ny * nz];
    solid_c
        .par_chunks_mut(nx)
        .zip(fluid_c.par_chunks_mut(nx))
        .enumerate()
        .for_each(|(row, (sr, fr))| {
            let (k, j) = (row / ny, row % ny);
            for i in 0..nx {
                let col = g.orient.col(i, j);
                // A void cell is no cell: NaN, which every statistic below skips.
                sr[i] = if asm.is_void(row * nx + i) {
                    f64::NAN
                } else {
                    tref + theta[col * nc + k]
                };
                for (gi, fg) in asm.op.fluids.iter().enumerate() {
                    if (fg.k0..fg.k0 + fg.nzl).contains(&k) && asm.op.fluid_active(gi, col) {
                        fr[i] = tref + theta[col * nc + nz + gi];
                    }
                }
            }
        });
    let mut power_in = 0.0;
    for (k, plane) in asm.power_w_m3.chunks(nx * ny).enumerate() {
        let dz = g.dz_m(k);
        for q in plane {
            power_in += q * a_cell * dz;
        }
    }
    let (absorbed, bheat) = heat_out_w(asm, theta);
    let (csum, ctheta) = asm.outlets.iter().fold((0.0, 0.0), |(cs, ct), o| {
        (cs + o.w_k, ct + o.w_k * theta[o.state])
    });
    let heat_out = absorbed + bheat.iter().sum::<f64>();
    let max_c = solid_c.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let mut blocks: Vec<BlockResult> = design
        .blocks
        .iter()
        .zip(&asm.block_cells)
        .map(|(blk, cells)| {
            let (max_c, mean_c) = block_max_mean_c(asm, cells, theta);
            BlockResult {
                name: blk.name.clone(),
                layer: design.layers[blk.layer].name.clone(),
                power_w: blk.power_w,
                max_c,
                mean_c,
                limit_c: blk.limit_c,
                margin_c: blk.limit_c.map(|l| l - max_c),
                leakage_w: None,
                total_power_w: None,
                budget: None,
            }
        })
        .collect();
    if design.blocks.iter().any(|b| b.power_w > 0.0) {
        let column = Column::new(design, asm, &solid_c, &fluid_c, (bheat[0], bheat[1]));
        for (b, r) in blocks.iter_mut().enumerate() {
            if design.blocks[b].power_w > 0.0 {
                r.budget = column.budget(b);
            }
        }
    }
    let layers = design
        .layers
        .iter()
        .enumerate()
        .map(|(li, l)| {
            let (k0, nk) = g.layer_z[li];
            let (mut mx, mut mn, mut s, mut w) = (f64::NEG_INFINITY, f64::INFINITY, 0.0, 0.0);
            for k in k0..k0 + nk {
                let dz = g.dz_m(k);
                for t in solid_c[k * nx * ny..(k + 1) * nx * ny]
                    .iter()
                    .filter(|t| !t.is_nan())
                {
                    mx = mx.max(*t);
                    mn = mn.min(*t);
                    s += dz * t;
                    w += dz;
                }
            }
            LayerResult {
                name: l.name.clone(),
                z_cells: nk,
                max_c: mx,
                mean_c: s / w,
                min_c: mn,
            }
        })
        .collect();
    let total = design.total_power_w();
    // The mixed outlet: without links every field flows into `return`, and the ṁc̄_p-weighted
    // mean over every outlet cell is the mix; with links the `return` node's mix.
    let has_links = design.coolant.as_ref().is_some_and(|c| !c.links.is_empty());
    let coolant = asm.coolant.as_ref().map(|c| CoolantResult {
        inlet_c: c.inlet_c,
        outlet_c: match (has_links, &design.coolant) {
            (true, Some(dc)) => {
                let outlets = super::hydraulics::field_outlets(asm, c, theta, &dc.fluid);
                super::hydraulics::loop_outlet_c(design, c, &outlets)
            }
            _ if csum > 0.0 => tref + ctheta / csum,
            _ => c.inlet_c,
        },
        flow_lpm: c.flow_lpm,
        heat_absorbed_w: absorbed,
        pressure_drop_kpa: c.pressure_drop_kpa,
    });
    let fluid_unknowns: usize = (0..asm.op.fluids.len())
        .map(|gi| {
            (0..asm.op.ncol())
                .filter(|&c| asm.op.fluid_active(gi, c))
                .count()
        })
        .sum();
    let results = Results {
        design: design.name.clone(),
        total_power_w: total,
        max_c,
        thermal_resistance_c_per_w: (total > 0.0).then(|| (max_c - tref) / total),
        blocks,
        layers,
        coolant,
        boundary_heat_w: BoundaryHeat {
            top: bheat[0] + 0.0,
            bottom: bheat[1] + 0.0,
            sides: bheat[2] + 0.0,
            patches: patch_heat(design, asm, theta),
        },
        energy_balance_error: (power_in > 0.0).then(|| (power_in - heat_out).abs() / power_in),
        solver: SolverStats {
            cells: asm.solid_cells(),
            unknowns: asm.solid_cells() + fluid_unknowns,
            iterations: run.convergence.cycles,
            relative_residual: run.convergence.rel_residual,
            wall_s: run.wall_s,
            threads: run.threads,
            grid_error_estimate_c: None,
            property_iterations: None,
            newton_iterations: None,
        },
        transient: None,
        leakage: None,
        hydraulics: None,
        warnings: Vec::new(),
    };
    let mut results = results;
    results.hydraulics = super::hydraulics::build(design, asm, theta, &results, Vec::new());
    let mut z_edges_mm: Vec<f64> = g.z_edges_m.iter().map(|z| z * 1e3).collect();
    z_edges_mm[0] = 0.0;
    let field = Field {
        info: FieldInfo {
            design: design.name.clone(),
            total_power_w: total,
            inlet_c: design.coolant.as_ref().map(|c| c.inlet_c),
            flow_lpm: asm.coolant.as_ref().map(|c| c.flow_lpm),
        },
        nx,
        ny,
        nz,
        dx_mm: g.dx_m * 1e3,
        z_edges_mm,
        cell_layer: g.cell_layer.clone(),
        layer_names: design.layers.iter().map(|l| l.name.clone()).collect(),
        solid_c,
        fluid_c,
        material_id: asm.material_id.clone(),
        material_names: asm.material_names.clone(),
        power_w_m3: asm.power_w_m3.clone(),
        blocks: design
            .blocks
            .iter()
            .map(|b| BlockOutline {
                name: b.name.clone(),
                layer: b.layer,
                x_mm: b.x_mm,
                y_mm: b.y_mm,
                width_mm: b.width_mm,
                depth_mm: b.depth_mm,
            })
            .collect(),
    };
    (results, field)
}

/// Heat leaving the model at state `theta`, W: (coolant enthalpy rise, boundary heat through
/// [top, bottom, sides]).
pub(crate) fn heat_out_w(asm: &Assembly, theta: &[f64]) -> (f64, [f64; 3]) {
    let absorbed = asm
        .outlets
        .iter()
        .map(|o| o.w_k * (theta[o.state] - o.inlet_theta))
        .sum();
    let mut bheat = [0.0; 3];
    for (out, faces) in bheat.iter_mut().zip(&asm.boundary) {
        *out = faces
            .iter()
            .map(|&(s, gc, amb)| gc * (theta[s] - amb))
            .sum();
    }
    (absorbed, bheat)
}

/// Heat through each `[[boundary.patches]]` entry and its area-mean surface temperature.
fn patch_heat(design: &Design, asm: &Assembly, theta: &[f64]) -> Vec<PatchHeat> {
    design
        .boundary
        .patches
        .iter()
        .zip(&asm.patch_faces)
        .zip(&asm.faces.patch_ha_w_k)
        .map(|((p, faces), &ha)| {
            let heat_w: f64 = faces
                .iter()
                .map(|&(s, gc, amb)| gc * (theta[s] - amb))
                .sum();
            PatchHeat {
                face: match p.face {
                    Face::Top => "top",
                    Face::Bottom => "bottom",
                }
                .into(),
                heat_w: heat_w + 0.0,
                mean_surface_c: p.ambient_c + heat_w / ha,
            }
        })
        .collect()
}

/// A block's (max, mean) cell temperature, °C, from its rasterised cells (`Assembly::
/// block_cells`): mean weighted by covered fraction × cell height, max over cells at least half
/// covered (over every touched cell for a block smaller than half a cell).
pub(crate) fn block_max_mean_c(
    asm: &Assembly,
    cells: &[(usize, f64)],
    theta: &[f64],
) -> (f64, f64) {
    let g = &asm.grid;
    let plane = g.nx * g.ny;
    let (mut wsum, mut tsum, mut mx, mut mx_any) = (0.0, 0.0, f64::NEG_INFINITY, f64::NEG_INFINITY);
    for &(f, frac) in cells {
        let k = f / plane;
        let (j, i) = ((f % plane) / g.nx, f % g.nx);
        let t = asm.t_ref_c + theta[asm.state_idx(i, j, k)];
        let w = frac * g.dz_m(k);
        wsum += w;
        tsum += w * t;
        mx_any = mx_any.max(t);
        if frac >= 0.5 {
            mx = mx.max(t);
        }
    }
    let max_c = if mx.is_finite() { mx } else { mx_any };
    (max_c, if wsum > 0.0 { tsum / wsum } else { max_c })
}
