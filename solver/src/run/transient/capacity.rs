//! Heat capacity C = ρ·c_p·V of every unknown, J/K, in the state layout of an [`Assembly`].
//!
//! The rasterisation mirrors the assembly's exactly, so that a cell's capacity and its conductivity
//! describe the same mixture:
//! - a solid cell holds (1 − Σf)·(ρc_p)_fill + Σ f·(ρc_p)_block over the blocks covering the
//!   area fractions f (parallel mixing, as for k);
//! - a channel-field cell's solid node is the fin array: its share t_f/p of the layer volume is
//!   fin material (the coolant's share w_c/p belongs to the fluid unknown);
//! - the coolant unknown of a field cell holds (w_c/p)·ρ_fl·c_p,fl·V_cell, scaled like the
//!   exchange conductance by (field area)/(rasterised area), so the field's coolant volume is
//!   exact on any grid.
//!
//! Materials without density or c_p (allowed in steady designs; validation demands them for
//! `[transient]`) store nothing.

use crate::assembly::{centre_range, Assembly};
use crate::model::{Design, FlowDirection, Material};

/// ρ·c_p of a material, J/(m³·K) (0 when either is missing).
fn rho_cp(m: &Material) -> f64 {
    m.density_kg_m3.unwrap_or(0.0) * m.cp_j_kgk.unwrap_or(0.0)
}

/// Heat capacity per unknown, J/K (`asm.b.len()` values; inactive fluid rows hold 0).
pub(super) fn heat_capacity_j_k(design: &Design, asm: &Assembly) -> Vec<f64> {
    let g = &asm.grid;
    let (nx, ny, nz) = (g.nx, g.ny, g.nz);
    let nc = asm.ncomp();
    let plane = nx * ny;
    let a_cell = g.dx_m * g.dy_m;
    // Per layer, per column: ρc_p of the fill (the fin array inside channel fields).
    let base: Vec<Vec<f64>> = design
        .layers
        .iter()
        .map(|l| {
            let mut m = vec![rho_cp(&l.material); plane];
            for ch in &l.channels {
                let p = ch.fin_thickness_mm + ch.channel_width_mm;
                let fin = ch.fin_thickness_mm / p * rho_cp(&ch.fin_material);
                for j in centre_range(ch.y_mm * 1e-3, (ch.y_mm + ch.depth_mm) * 1e-3, g.dy_m, ny) {
                    for i in
                        centre_range(ch.x_mm * 1e-3, (ch.x_mm + ch.width_mm) * 1e-3, g.dx_m, nx)
                    {
                        m[j * nx + i] = fin;
                    }
                }
            }
            m
        })
        .collect();
    // Block mixing per cell: Σ f and Σ f·ρc_p.
    let mut sf = vec![0.0; plane * nz];
    let mut sc = vec![0.0; plane * nz];
    for (blk, cells) in design.blocks.iter().zip(&asm.block_cells) {
        let c = rho_cp(&blk.material);
        for &(f, frac) in cells {
            sf[f] += frac;
            sc[f] += frac * c;
        }
    }
    let mut cap = vec![0.0; asm.b.len()];
    for k in 0..nz {
        let li = g.cell_layer[k];
        let vol = a_cell * g.dz_m(k);
        for j in 0..ny {
            for i in 0..nx {
                let f = g.field_idx(i, j, k);
                let fill = base[li][j * nx + i];
                let mix = if sf[f] > 0.0 {
                    (1.0 - sf[f]).max(0.0) * fill + sc[f]
                } else {
                    fill
                };
                cap[asm.state_idx(i, j, k)] = mix * vol;
            }
        }
    }
    // Coolant: fluid groups are (layer, direction) in order of first appearance, as the
    // assembly numbers them.
    let Some(cs) = asm.coolant.as_ref() else {
        return cap;
    };
    let fl = cs.props.density_kg_m3 * cs.props.cp_j_kgk;
    let mut groups: Vec<(usize, FlowDirection)> = Vec::new();
    for (li, l) in design.layers.iter().enumerate() {
        for ch in &l.channels {
            if !groups.contains(&(li, ch.direction)) {
                groups.push((li, ch.direction));
            }
        }
    }
    for (gi, &(li, dir)) in groups.iter().enumerate() {
        // The whole layer (bonded fins: two z cells share the one coolant node).
        let (k0, nk) = g.layer_z[li];
        let height: f64 = (k0..k0 + nk).map(|k| g.dz_m(k)).sum();
        for ch in design.layers[li]
            .channels
            .iter()
            .filter(|c| c.direction == dir)
        {
            let ir = centre_range(ch.x_mm * 1e-3, (ch.x_mm + ch.width_mm) * 1e-3, g.dx_m, nx);
            let jr = centre_range(ch.y_mm * 1e-3, (ch.y_mm + ch.depth_mm) * 1e-3, g.dy_m, ny);
            if ir.is_empty() || jr.is_empty() {
                continue;
            }
            let scale = ch.width_mm * ch.depth_mm * 1e-6 / (ir.len() * jr.len()) as f64 / a_cell;
            let share = ch.channel_width_mm / (ch.fin_thickness_mm + ch.channel_width_mm);
            let c_cell = share * fl * a_cell * height * scale;
            for j in jr.clone() {
                for i in ir.clone() {
                    cap[g.orient.col(i, j) * nc + nz + gi] += c_cell;
                }
            }
        }
    }
    cap
}
