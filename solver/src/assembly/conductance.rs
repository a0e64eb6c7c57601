//! Face, boundary and coolant conductances of the fine grid, from the rasterised layer maps
//! (the second half of [`super::assemble`]; the equations are in the `assembly` module doc).

use rayon::prelude::*;

use super::coolant::{h_base_of_root, CoolantState, Inlet, Outlet};
use super::faces::ColumnFaces;
use super::grid::{centre_range, BoundaryFaces, Grid};
use super::layer_maps::LayerMaps;
use super::GridError;
use crate::model::{Design, FinRoot, FlowDirection};
use crate::numerics::operator::{FluidGroup, Operator, MAX_FLUID_GROUPS};
use crate::numerics::vector::zeros;

/// The operator, right-hand side and per-cell bookkeeping of a rasterised design.
pub(super) struct Conductances {
    pub(super) op: Operator,
    pub(super) b: Vec<f64>,
    pub(super) power_w_m3: Vec<f64>,
    pub(super) material_id: Vec<u16>,
    pub(super) boundary: [BoundaryFaces; 3],
    /// The faces of each `[[boundary.patches]]` entry (also in `boundary`).
    pub(super) patch_faces: Vec<BoundaryFaces>,
    pub(super) outlets: Vec<Outlet>,
    pub(super) inlets: Vec<Inlet>,
}

/// Assemble the operator, right-hand side and bookkeeping of a rasterised design.
pub(super) fn build(
    design: &Design,
    grid: &Grid,
    coolant: Option<&CoolantState>,
    t_ref_c: f64,
    maps: &[LayerMaps],
    faces: &ColumnFaces,
) -> Result<Conductances, GridError> {
    let (nx, ny, nz) = (grid.nx, grid.ny, grid.nz);
    let o = grid.orient;
    let (nu, nv) = (o.nu(), o.nv());
    let (du, dv) = grid.du_dv_m();
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
    if groups.len() > MAX_FLUID_GROUPS {
        return Err(GridError::TooManyFluidGroups(
            design.name.clone(),
            groups.len(),
        ));
    }
    let nfl = groups.len();
    let nc = nz + nfl;
    let (gu, gv, gz, gb, mut b) = solid_lines(design, grid, maps, faces, t_ref_c, nfl);
    let (power_w_m3, material_id) = field_maps(grid, maps);
    let (boundary, patch_faces) = boundary_faces(design, grid, maps, faces, t_ref_c, nfl);
    let mut fluids = Vec::with_capacity(nfl);
    let mut outlets = Vec::new();
    let mut inlets = Vec::new();
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
        let cs = coolant.ok_or_else(|| GridError::NoCoolant(design.name.clone()))?;
        for (fidx, ff) in cs.fields.iter().enumerate().filter(|(_, f)| f.layer == li) {
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
            let a_cell = grid.dx_m * grid.dy_m;
            let scale = ch.width_mm * ch.depth_mm * 1e-6 / (ir.len() * jr.len()) as f64 / a_cell;
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
                    // The coolant at the cell's own temperature (coolant::analyse_on).
                    let cell = ff.cell(i, j);
                    let cflow = cell.advection_w_k;
                    // Summed over the layer's z cells, shared equally below (`Both`: floor
                    // and ceiling).
                    let h_base = match ch.fin_root {
                        FinRoot::Bottom | FinRoot::Top => cell.h_base_w_m2k,
                        FinRoot::Both => {
                            h_base_of_root(ch.fin_root, cell.h_w_m2k, ff.k_fin, &ff.geometry)
                        }
                    };
                    fg.cdiag[col] = cflow;
                    if inside(i as isize + pi, j as isize + pj) {
                        fg.cup[col] = cflow;
                    } else {
                        b[col * nc + nz + g] += cflow * (ff.inlet_c - t_ref_c);
                        inlets.push(Inlet {
                            state: col * nc + nz + g,
                            w_k: cflow,
                            field: fidx,
                        });
                    }
                    if !inside(i as isize - pi, j as isize - pj) {
                        outlets.push(Outlet {
                            state: col * nc + nz + g,
                            w_k: cell.outlet_w_k,
                            inlet_theta: ff.inlet_c - t_ref_c,
                            field: fidx,
                        });
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
    Ok(Conductances {
        op,
        b,
        power_w_m3,
        material_id,
        boundary,
        patch_faces,
        outlets,
        inlets,
    })
}

/// Conductance G = A / (1/h + half/k) of a convective face (0 where h = 0), W/K.
fn convective(h: f64, area: f64, half: f64, k: f64) -> f64 {
    if h > 0.0 {
        area / (1.0 / h + half / k)
    } else {
        0.0
    }
}

/// A convective face of solid cell `k` of column (u, v): which set (0 top, 1 bottom, 2 sides),
/// its conductance and ambient; in the order their terms are added to the diagonal and to b.
/// The top and bottom faces are the column's (`faces`: its outermost solid cells, patches).
fn faces_of(
    design: &Design,
    grid: &Grid,
    (m, faces): (&LayerMaps, &ColumnFaces),
    (u, v, k): (usize, usize, usize),
    c2: usize,
) -> [(usize, f64, f64); 3] {
    let o = grid.orient;
    let (nu, nv) = (o.nu(), o.nv());
    let (du, dv) = grid.du_dv_m();
    let (ku, kv) = m.k_uv(c2, o.swap);
    let (bd, dz) = (&design.boundary, grid.dz_m(k));
    let (ft, fb) = (&faces.top[c2], &faces.bottom[c2]);
    // A partly covered cell of a void layer: its covered share of the face, with the block's
    // own conductivity (the cell's k is the cover-weighted mix with the void's 0).
    let top = if ft.k == Some(k) {
        let a = ft.cover * du * dv;
        convective(ft.conv.h_w_m2k, a, 0.5 * dz, m.kz_hi(c2) / ft.cover)
    } else {
        0.0
    };
    let bottom = if fb.k == Some(k) {
        let a = fb.cover * du * dv;
        convective(fb.conv.h_w_m2k, a, 0.5 * dz, m.kz_lo(c2) / fb.cover)
    } else {
        0.0
    };
    let nsides_u = (u == 0) as usize + (u + 1 == nu) as usize;
    let nsides_v = (v == 0) as usize + (v + 1 == nv) as usize;
    // n × G of the faces on each axis (no division for the many cells with none).
    let sides_on = |n: usize, area: f64, half: f64, k: f64| {
        if n == 0 {
            0.0
        } else {
            n as f64 * convective(bd.sides.h_w_m2k, area, half, k)
        }
    };
    let sides =
        sides_on(nsides_u, dv * dz, 0.5 * du, ku) + sides_on(nsides_v, du * dz, 0.5 * dv, kv);
    [
        (0, top, ft.conv.ambient_c),
        (1, bottom, fb.conv.ambient_c),
        (2, sides, bd.sides.ambient_c),
    ]
}

type SolidArrays = (Vec<f64>, Vec<f64>, Vec<f64>, Vec<f64>, Vec<f64>);

/// Face conductances gu, gv, gz, boundary conductance gb and the solid right-hand side
/// (sources and convective terms) in state layout, one internal line v per task in parallel.
fn solid_lines(
    design: &Design,
    grid: &Grid,
    maps: &[LayerMaps],
    faces: &ColumnFaces,
    t_ref_c: f64,
    nfl: usize,
) -> SolidArrays {
    let o = grid.orient;
    let (nx, nz) = (grid.nx, grid.nz);
    let (nu, nv) = (o.nu(), o.nv());
    let nc = nz + nfl;
    let (du, dv) = grid.du_dv_m();
    let ncol = nu * nv;
    let (mut gu, mut gv) = (zeros(ncol * nz), zeros(ncol * nz));
    let (mut gz, mut gb) = (zeros(ncol * nz), zeros(ncol * nz));
    let mut b = zeros(ncol * nc);
    let line = |(v, (((gu, gv), (gz, gb)), b)): LineOut| {
        for u in 0..nu {
            let (i, j) = o.ij(u, v);
            let c2 = j * nx + i;
            let c2u = (u + 1 < nu).then(|| {
                let (i2, j2) = o.ij(u + 1, v);
                j2 * nx + i2
            });
            let c2v = (v + 1 < nv).then(|| {
                let (i2, j2) = o.ij(u, v + 1);
                j2 * nx + i2
            });
            for k in 0..nz {
                let m = &maps[grid.cell_layer[k]];
                let dz = grid.dz_m(k);
                let s = u * nz + k;
                b[u * nc + k] = m.q.at(c2) * du * dv * dz;
                if let Some(c2n) = c2u {
                    let (ka, kb) = (m.k_uv(c2, o.swap).0, m.k_uv(c2n, o.swap).0);
                    gu[s] = dv * dz / (0.5 * du / ka + 0.5 * du / kb);
                }
                if let Some(c2n) = c2v {
                    let (ka, kb) = (m.k_uv(c2, o.swap).1, m.k_uv(c2n, o.swap).1);
                    gv[s] = du * dz / (0.5 * dv / ka + 0.5 * dv / kb);
                }
                if k + 1 < nz {
                    let m2 = &maps[grid.cell_layer[k + 1]];
                    // The split half-cell conductivities belong to the layer's faces; a face
                    // inside a layer (a bonded fin array's two cells) conducts through `kz`.
                    let (k_hi, k_lo) = if grid.cell_layer[k] == grid.cell_layer[k + 1] {
                        (m.kz.at(c2), m2.kz.at(c2))
                    } else {
                        (m.kz_hi(c2), m2.kz_lo(c2))
                    };
                    gz[s] = du * dv / (0.5 * dz / k_hi + 0.5 * grid.dz_m(k + 1) / k_lo);
                }
                // Summed here and stored once: the first touch of gb's fresh pages is a write.
                let mut gbs = 0.0;
                for (_, g, amb) in faces_of(design, grid, (m, faces), (u, v, k), c2) {
                    if g > 0.0 {
                        gbs += g;
                        b[u * nc + k] += g * (amb - t_ref_c);
                    }
                }
                gb[s] = gbs;
            }
        }
    };
    let l = nu * nz;
    gu.par_chunks_mut(l)
        .zip(gv.par_chunks_mut(l))
        .zip(gz.par_chunks_mut(l).zip(gb.par_chunks_mut(l)))
        .zip(b.par_chunks_mut(nu * nc))
        .enumerate()
        .for_each(line);
    (gu, gv, gz, gb, b)
}

/// One internal line's output slices of [`solid_lines`].
type LineOut<'a> = (
    usize,
    (
        (
            (&'a mut [f64], &'a mut [f64]),
            (&'a mut [f64], &'a mut [f64]),
        ),
        &'a mut [f64],
    ),
);

/// Power density (W/m³) and material index per cell, field layout, one (k, j) row per task.
fn field_maps(grid: &Grid, maps: &[LayerMaps]) -> (Vec<f64>, Vec<u16>) {
    let (nx, ny, nz) = (grid.nx, grid.ny, grid.nz);
    let mut power_w_m3 = zeros(nx * ny * nz);
    let mut material_id = vec![0u16; nx * ny * nz];
    power_w_m3
        .par_chunks_mut(nx)
        .zip(material_id.par_chunks_mut(nx))
        .enumerate()
        .for_each(|(row, (p, mat))| {
            let (k, j) = (row / ny, row % ny);
            let m = &maps[grid.cell_layer[k]];
            for i in 0..nx {
                p[i] = m.q.at(j * nx + i);
                mat[i] = m.mat.at(j * nx + i);
            }
        });
    (power_w_m3, material_id)
}

/// The convective faces (top, bottom, sides) as (state index, W/K, ambient θ), in physical
/// (j, i, k) order; and the faces of each patch.
fn boundary_faces(
    design: &Design,
    grid: &Grid,
    maps: &[LayerMaps],
    faces: &ColumnFaces,
    t_ref_c: f64,
    nfl: usize,
) -> ([BoundaryFaces; 3], Vec<BoundaryFaces>) {
    let o = grid.orient;
    let (nx, ny, nz) = (grid.nx, grid.ny, grid.nz);
    let (nu, nv) = (o.nu(), o.nv());
    let nc = nz + nfl;
    let mut boundary: [BoundaryFaces; 3] = [Vec::new(), Vec::new(), Vec::new()];
    let mut patches: Vec<BoundaryFaces> = vec![Vec::new(); design.boundary.patches.len()];
    for j in 0..ny {
        for i in 0..nx {
            let (u, v) = o.uv(i, j);
            let side = u == 0 || u + 1 == nu || v == 0 || v + 1 == nv;
            let c2 = j * nx + i;
            let (ft, fb) = (&faces.top[c2], &faces.bottom[c2]);
            for k in 0..nz {
                if !(side || ft.k == Some(k) || fb.k == Some(k)) {
                    continue;
                }
                let m = &maps[grid.cell_layer[k]];
                let col = v * nu + u;
                for (kind, g, amb) in faces_of(design, grid, (m, faces), (u, v, k), c2) {
                    if g > 0.0 {
                        let face = (col * nc + k, g, amb - t_ref_c);
                        boundary[kind].push(face);
                        let patch = match kind {
                            0 => ft.patch,
                            1 => fb.patch,
                            _ => None,
                        };
                        if let Some(p) = patch {
                            patches[p].push(face);
                        }
                    }
                }
            }
        }
    }
    (boundary, patches)
}
