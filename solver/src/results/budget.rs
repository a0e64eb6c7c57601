//! A powered block's ΔT budget ([`Budget`]): the drops along the column of its hottest cell,
//! layer by layer, to the coolant inlet or an ambient. Each term is a difference of two
//! temperatures of the solved field, so the terms telescope to `hotspot − reference`.

use super::{Budget, BudgetTerm};
use crate::assembly::layer_maps::{self, LayerMaps};
use crate::assembly::Assembly;
use crate::model::{Design, Face, FinRoot};

/// Where a block's heat path ends.
enum Sink {
    /// The channel layer of this index (the nearest to the block's layer).
    Coolant(usize),
    /// The top (`true`) or bottom outer face.
    Face(bool),
}

/// What the budgets of one solved field share: the field and the half-cell z conductivities.
pub(super) struct Column<'a> {
    design: &'a Design,
    asm: &'a Assembly,
    solid_c: &'a [f64],
    fluid_c: &'a [f64],
    maps: Vec<LayerMaps>,
    /// Heat through the top and bottom faces, W (picks the face of a design without coolant).
    top_bottom_w: (f64, f64),
}

impl<'a> Column<'a> {
    /// Prepare budgets of the field `solid_c`/`fluid_c` (°C, field layout) of `asm`.
    pub(super) fn new(
        design: &'a Design,
        asm: &'a Assembly,
        solid_c: &'a [f64],
        fluid_c: &'a [f64],
        top_bottom_w: (f64, f64),
    ) -> Self {
        let mut names = Vec::new();
        let mut cells = vec![Vec::new(); design.blocks.len()];
        let maps = layer_maps::rasterise(
            design,
            &asm.grid,
            asm.coolant.as_ref(),
            &mut names,
            &mut cells,
        );
        Column {
            design,
            asm,
            solid_c,
            fluid_c,
            maps,
            top_bottom_w,
        }
    }

    /// The budget of block `b` from its rasterised cells (`Assembly::block_cells`), or `None`
    /// when no vertical path reaches a sink (a block in a coolant layer; a design cooled only
    /// through its sides).
    pub(super) fn budget(&self, b: usize) -> Option<Budget> {
        let g = &self.asm.grid;
        let (nx, plane) = (g.nx, g.nx * g.ny);
        let li = self.design.blocks[b].layer;
        // The hottest cell, chosen as the block's max_c is (cells at least half covered).
        let cells = &self.asm.block_cells[b];
        let pick = |min_frac: f64| {
            cells
                .iter()
                .filter(|&&(_, f)| f >= min_frac)
                .map(|&(f, _)| f)
                .max_by(|&a, &c| self.solid_c[a].total_cmp(&self.solid_c[c]))
        };
        let hot = pick(0.5).or_else(|| pick(0.0))?;
        let (k_hot, c2) = (hot / plane, hot % plane);
        let (i, j) = (c2 % nx, c2 / nx);
        let layers = &self.design.layers;
        let nearest = layers
            .iter()
            .enumerate()
            .filter(|(_, l)| l.is_coolant())
            .map(|(lc, _)| lc)
            .min_by_key(|&lc| (lc.abs_diff(li), lc < li));
        let bd = &self.design.boundary;
        let sink = match nearest {
            Some(lc) if lc == li => return None,
            Some(lc) => Sink::Coolant(lc),
            None => {
                let (top_w, bottom_w) = self.top_bottom_w;
                let patch_on = |f: Face| bd.patches.iter().any(|p| p.face == f);
                let top = bd.top.h_w_m2k > 0.0 || patch_on(Face::Top);
                let bottom = bd.bottom.h_w_m2k > 0.0 || patch_on(Face::Bottom);
                match (top, bottom) {
                    (false, false) => return None,
                    (true, false) => Sink::Face(true),
                    (false, true) => Sink::Face(false),
                    (true, true) => Sink::Face(top_w >= bottom_w),
                }
            }
        };
        let up = match sink {
            Sink::Coolant(lc) => lc > li,
            Sink::Face(top) => top,
        };
        // Layers crossed by conduction, in path order, up to (not including) a channel layer.
        let crossed: Vec<usize> = match (&sink, up) {
            (Sink::Coolant(lc), true) => (li..*lc).collect(),
            (Sink::Coolant(lc), false) => (lc + 1..=li).rev().collect(),
            (Sink::Face(_), true) => (li..layers.len()).collect(),
            (Sink::Face(_), false) => (0..=li).rev().collect(),
        };
        let t = |k: usize| self.solid_c[k * plane + c2];
        let hotspot_c = t(k_hot);
        let mut terms = Vec::new();
        let mut cur = hotspot_c;
        for &l in &crossed {
            let (k0, nk) = g.layer_z[l];
            let exit = match (up, &sink) {
                (true, _) if k0 + nk < g.nz => self.face_c(c2, k0 + nk - 1),
                (false, _) if k0 > 0 => self.face_c(c2, k0 - 1),
                (_, Sink::Face(top)) => self.surface_c(c2, *top)?,
                (_, Sink::Coolant(_)) => return None,
            };
            terms.push(BudgetTerm {
                name: layers[l].name.clone(),
                drop_k: cur - exit,
            });
            cur = exit;
        }
        let (reference, reference_c) = match sink {
            Sink::Coolant(lc) => {
                // The channel layer's node on the entry side (it has two for bonded fins).
                let (k0c, nkc) = g.layer_z[lc];
                let kc = if up { k0c } else { k0c + nkc - 1 };
                let wall = t(kc);
                let root = layers[lc].channels.first().map(|c| c.fin_root);
                let entry_is_root = match root {
                    Some(FinRoot::Top) => !up,
                    Some(FinRoot::Both) => true,
                    Some(FinRoot::Bottom) | None => up,
                };
                if !entry_is_root {
                    // Entered away from the fin root: the coolant's conduction to the root.
                    terms.push(BudgetTerm {
                        name: layers[lc].name.clone(),
                        drop_k: cur - wall,
                    });
                }
                let fluid_at = |c: usize| self.fluid_c[kc * plane + c];
                let (fc, name) = if fluid_at(c2).is_finite() {
                    (c2, "convection")
                } else {
                    // Hottest column outside the channel field: the nearest channel column.
                    let d2 = |c: usize| {
                        let (di, dj) = ((c % nx).abs_diff(i), (c / nx).abs_diff(j));
                        di * di + dj * dj
                    };
                    let c = (0..plane)
                        .filter(|&c| fluid_at(c).is_finite())
                        .min_by_key(|&c| d2(c))?;
                    (c, "convection (nearest channel)")
                };
                let fluid = fluid_at(fc);
                let inlet_c = self.design.coolant.as_ref()?.inlet_c;
                // A field in series behind others starts from their mixed outlet: the rise
                // before it is theirs, shown apart from its own.
                let (fi, fj) = (fc % nx, fc / nx);
                let field_inlet_c = self
                    .asm
                    .coolant
                    .as_ref()
                    .and_then(|cs| {
                        cs.fields.iter().find(|f| {
                            f.layer == lc && f.cells_i.contains(&fi) && f.cells_j.contains(&fj)
                        })
                    })
                    .map_or(inlet_c, |f| f.inlet_c);
                terms.push(BudgetTerm {
                    name: name.into(),
                    drop_k: wall - fluid,
                });
                terms.push(BudgetTerm {
                    name: "coolant rise".into(),
                    drop_k: fluid - field_inlet_c,
                });
                // 1e-6 K: a node fed only from the supply mixes back to the inlet to round-off.
                if (field_inlet_c - inlet_c).abs() > 1e-6 {
                    terms.push(BudgetTerm {
                        name: "upstream fields".into(),
                        drop_k: field_inlet_c - inlet_c,
                    });
                }
                ("coolant inlet", inlet_c)
            }
            Sink::Face(top) => {
                let faces = &self.asm.faces;
                let amb = if top {
                    faces.top[c2].conv.ambient_c
                } else {
                    faces.bottom[c2].conv.ambient_c
                };
                terms.push(BudgetTerm {
                    name: "convection".into(),
                    drop_k: cur - amb,
                });
                (if top { "top ambient" } else { "bottom ambient" }, amb)
            }
        };
        // A path through a void cell (a column that is not solid all the way) has no budget.
        if !terms.iter().all(|t| t.drop_k.is_finite()) {
            return None;
        }
        Some(Budget {
            hotspot_c,
            reference: reference.into(),
            reference_c,
            total_k: hotspot_c - reference_c,
            terms,
        })
    }

    /// Half-cell z resistances (per unit area) of cell `k` of column `c2`: (below, above) its
    /// centre, m²·K/W (0 where the conductivity is infinite: a fin root).
    fn half_r(&self, c2: usize, k: usize) -> (f64, f64) {
        let g = &self.asm.grid;
        let m = &self.maps[g.cell_layer[k]];
        let half = 0.5 * g.dz_m(k);
        (half / m.kz_lo(c2), half / m.kz_hi(c2))
    }

    /// Temperature of the face between cells `k` and `k + 1` of column `c2`, °C: the value
    /// that makes the flux through both half cells equal.
    fn face_c(&self, c2: usize, k: usize) -> f64 {
        let plane = self.asm.grid.nx * self.asm.grid.ny;
        let (r1, r2) = (self.half_r(c2, k).1, self.half_r(c2, k + 1).0);
        let (t1, t2) = (
            self.solid_c[k * plane + c2],
            self.solid_c[(k + 1) * plane + c2],
        );
        (t1 * r2 + t2 * r1) / (r1 + r2)
    }

    /// Temperature of the outer top (`top`) or bottom face of column `c2` (its outermost
    /// solid cell), °C; `None` where the face is void or adiabatic.
    fn surface_c(&self, c2: usize, top: bool) -> Option<f64> {
        let plane = self.asm.grid.nx * self.asm.grid.ny;
        let faces = &self.asm.faces;
        let face = if top { faces.top[c2] } else { faces.bottom[c2] };
        let (conv, k) = (face.conv, face.k?);
        if conv.h_w_m2k <= 0.0 {
            return None;
        }
        // The half cell of a partly covered cell conducts with its block's own k.
        let r = face.cover
            * if top {
                self.half_r(c2, k).1
            } else {
                self.half_r(c2, k).0
            };
        let rh = 1.0 / conv.h_w_m2k;
        let tc = self.solid_c[k * plane + c2];
        Some((tc * rh + conv.ambient_c * r) / (r + rh))
    }
}
