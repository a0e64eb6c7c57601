//! Face, boundary and coolant conductances of the fine grid, from the rasterised layer maps
//! (the second half of [`crate::grid::assemble`]; the equations are in `grid.rs`'s module doc).

use crate::coolant::CoolantState;
use crate::grid::{centre_range, Assembly, BoundaryFaces, Grid, GridError, LayerMaps};
use crate::model::{Design, FlowDirection};
use crate::stencil::{FluidGroup, Operator};

/// Assemble the operator, right-hand side and bookkeeping of a rasterised design.
pub(crate) fn build(
    design: &Design,
    grid: Grid,
    coolant: Option<CoolantState>,
    t_ref_c: f64,
    maps: Vec<LayerMaps>,
    material_names: Vec<String>,
    block_cells: Vec<Vec<(usize, f64)>>,
) -> Result<Assembly, GridError> {
    let (nx, ny, nz) = (grid.nx, grid.ny, grid.nz);
    let o = grid.orient;
    let (nu, nv) = (o.nu(), o.nv());
    let (du, dv) = if o.swap {
        (grid.dy_m, grid.dx_m)
    } else {
        (grid.dx_m, grid.dy_m)
    };
    let ncol = nu * nv;
    // Fluid groups: (layer, direction).
    let mut groups: Vec<(usize, FlowDirection)> = Vec::new();
    for (li, l) in design.layers.iter().enumerate() {
        for ch in &l.channels {
            if !groups.contains(&(li, ch.direction)) {
                groups.push((li, ch.direction));
            }
        }
    }
    if groups.len() > 8 {
        return Err(GridError::TooManyFluidGroups(
            design.name.clone(),
            groups.len(),
        ));
    }
    let nfl = groups.len();
    let nc = nz + nfl;
    let mut gu = vec![0.0; ncol * nz];
    let mut gv = vec![0.0; ncol * nz];
    let mut gz = vec![0.0; ncol * nz];
    let mut gb = vec![0.0; ncol * nz];
    let mut b = vec![0.0; ncol * nc];
    let mut power_w_m3 = vec![0.0; nx * ny * nz];
    let mut material_id = vec![0u16; nx * ny * nz];
    let ku = |m: &LayerMaps, c: usize| if o.swap { m.ky[c] } else { m.kx[c] };
    let kv = |m: &LayerMaps, c: usize| if o.swap { m.kx[c] } else { m.ky[c] };
    let bd = design.boundary;
    let mut boundary: [BoundaryFaces; 3] = [Vec::new(), Vec::new(), Vec::new()];
    let conv = |h: f64, area: f64, half: f64, k: f64| {
        if h > 0.0 {
            area / (1.0 / h + half / k)
        } else {
            0.0
        }
    };
    for j in 0..ny {
        for i in 0..nx {
            let c2 = j * nx + i;
            let (u, v) = o.uv(i, j);
            let col = v * nu + u;
            // Physical +x / +y neighbours map to internal ±u / ±v faces.
            let nbr_u = if u + 1 < nu {
                Some(if o.swap {
                    (i, if o.flip { j.wrapping_sub(1) } else { j + 1 })
                } else {
                    (if o.flip { i.wrapping_sub(1) } else { i + 1 }, j)
                })
            } else {
                None
            };
            let nbr_v = if v + 1 < nv {
                Some(if o.swap { (i + 1, j) } else { (i, j + 1) })
            } else {
                None
            };
            for k in 0..nz {
                let li = grid.cell_layer[k];
                let m = &maps[li];
                let dz = grid.dz_m(k);
                let s = col * nz + k;
                let f = grid.field_idx(i, j, k);
                power_w_m3[f] = m.q[c2];
                material_id[f] = m.mat[c2];
                b[col * nc + k] = m.q[c2] * du * dv * dz;
                if let Some((i2, j2)) = nbr_u {
                    let c2n = j2 * nx + i2;
                    gu[s] = dv * dz / (0.5 * du / ku(m, c2) + 0.5 * du / ku(m, c2n));
                }
                if let Some((i2, j2)) = nbr_v {
                    let c2n = j2 * nx + i2;
                    gv[s] = du * dz / (0.5 * dv / kv(m, c2) + 0.5 * dv / kv(m, c2n));
                }
                if k + 1 < nz {
                    let m2 = &maps[grid.cell_layer[k + 1]];
                    gz[s] =
                        du * dv / (0.5 * dz / m.kz_hi[c2] + 0.5 * grid.dz_m(k + 1) / m2.kz_lo[c2]);
                }
                let mut add = |kind: usize, g: f64, amb: f64| {
                    if g > 0.0 {
                        gb[s] += g;
                        b[col * nc + k] += g * (amb - t_ref_c);
                        boundary[kind].push((col * nc + k, g, amb - t_ref_c));
                    }
                };
                if k == nz - 1 {
                    add(
                        0,
                        conv(bd.top.h_w_m2k, du * dv, 0.5 * dz, m.kz_hi[c2]),
                        bd.top.ambient_c,
                    );
                }
                if k == 0 {
                    add(
                        1,
                        conv(bd.bottom.h_w_m2k, du * dv, 0.5 * dz, m.kz_lo[c2]),
                        bd.bottom.ambient_c,
                    );
                }
                let nsides_u = (u == 0) as usize + (u + 1 == nu) as usize;
                let nsides_v = (v == 0) as usize + (v + 1 == nv) as usize;
                let g_side = nsides_u as f64 * conv(bd.sides.h_w_m2k, dv * dz, 0.5 * du, ku(m, c2))
                    + nsides_v as f64 * conv(bd.sides.h_w_m2k, du * dz, 0.5 * dv, kv(m, c2));
                add(2, g_side, bd.sides.ambient_c);
            }
        }
    }
    let mut fluids = Vec::with_capacity(nfl);
    let mut outlets = Vec::new();
    let inlet_theta = 0.0;
    for (g, &(li, dir)) in groups.iter().enumerate() {
        let (k0, nzl) = grid.layer_z[li];
        let mut fg = FluidGroup {
            k0,
            nzl,
            upstream: o.upstream(dir),
            gsf: vec![0.0; ncol * nzl],
            cdiag: vec![0.0; ncol],
            cup: vec![0.0; ncol],
        };
        let cs = coolant
            .as_ref()
            .ok_or_else(|| GridError::NoCoolant(design.name.clone()))?;
        for ff in cs.fields.iter().filter(|f| f.layer == li) {
            let ch = &design.layers[li].channels[ff.field];
            if ch.direction != dir {
                continue;
            }
            let ir = centre_range(
                ch.x_mm * 1e-3,
                (ch.x_mm + ch.width_mm) * 1e-3,
                grid.dx_m,
                nx,
            );
            let jr = centre_range(
                ch.y_mm * 1e-3,
                (ch.y_mm + ch.depth_mm) * 1e-3,
                grid.dy_m,
                ny,
            );
            if ir.is_empty() || jr.is_empty() {
                continue;
            }
            let along_x = matches!(dir, FlowDirection::PlusX | FlowDirection::MinusX);
            let across = if along_x { jr.len() } else { ir.len() };
            let cflow = ff.mdot_kg_s * cs.props.cp_j_kgk / across as f64;
            let a_cell = grid.dx_m * grid.dy_m;
            let scale = ch.width_mm * ch.depth_mm * 1e-6 / (ir.len() * jr.len()) as f64 / a_cell;
            let h_base = ff.perf.h_base_w_m2k;
            let (pi, pj): (isize, isize) = match dir {
                FlowDirection::PlusX => (-1, 0),
                FlowDirection::MinusX => (1, 0),
                FlowDirection::PlusY => (0, -1),
                FlowDirection::MinusY => (0, 1),
            };
            let inside = |i: isize, j: isize| {
                ir.contains(&(i as usize)) && jr.contains(&(j as usize)) && i >= 0 && j >= 0
            };
            for j in jr.clone() {
                for i in ir.clone() {
                    let col = o.col(i, j);
                    fg.cdiag[col] = cflow;
                    if inside(i as isize + pi, j as isize + pj) {
                        fg.cup[col] = cflow;
                    } else {
                        b[col * nc + nz + g] += cflow * (cs.inlet_c - t_ref_c);
                    }
                    if !inside(i as isize - pi, j as isize - pj) {
                        outlets.push((col * nc + nz + g, cflow));
                    }
                    for kk in 0..nzl {
                        fg.gsf[col * nzl + kk] = scale * h_base * a_cell / nzl as f64;
                    }
                }
            }
        }
        fluids.push(fg);
    }
    let op = Operator {
        nu,
        nv,
        nz,
        gu,
        gv,
        gz,
        gb,
        fluids,
        wu: vec![du; nu],
        wv: vec![dv; nv],
    };
    Ok(Assembly {
        grid,
        op,
        b,
        t_ref_c,
        coolant,
        power_w_m3,
        material_id,
        material_names,
        block_cells,
        boundary,
        outlets,
        inlet_theta,
    })
}
