//! `[[boundary.patches]]`: rectangles of the top or bottom face with their own convection.
//!
//! A patch is accepted when its face is `"top"` or `"bottom"`, it lies inside the domain, it
//! gives exactly one of `h_w_m2k` (≥ 0) and `r_k_w` (> 0), it overlaps no other patch of its
//! face, it lies over something solid (a non-void layer, or a block of a void layer), and it
//! holds at least one cell centre on the grid (cells belong to a patch by their centre, as
//! channel fields do; checked again when `--cell-mm` changes the grid).

use super::check::{Ctx, Result};
use super::flow::Plan;
use super::raw::RawPatch;
use crate::model::{Block, Face, Layer, Patch, PatchCoupling};

/// Validate the patches of `[boundary]`.
pub(super) fn patches(
    ctx: &Ctx,
    raw: &[RawPatch],
    plan: &Plan,
    layers: &[Layer],
    blocks: &[Block],
) -> Result<Vec<Patch>> {
    let mut out: Vec<Patch> = Vec::with_capacity(raw.len());
    for (i, r) in raw.iter().enumerate() {
        let p = format!("boundary.patches[{i}]");
        let f = |n: &str| format!("{p}.{n}");
        let face = ctx.choice(
            &f("face"),
            &r.face,
            "face",
            &[("top", Face::Top), ("bottom", Face::Bottom)],
        )?;
        let (x_mm, y_mm, width_mm, depth_mm) =
            plan.rect(ctx, f, (r.x_mm, r.y_mm, r.width_mm, r.depth_mm))?;
        let ambient_c = ctx.temperature(&f("ambient_c"), r.ambient_c)?;
        let coupling =
            match (r.h_w_m2k, r.r_k_w) {
                (Some(h), None) => PatchCoupling::H(ctx.non_negative(&f("h_w_m2k"), h)?),
                (None, Some(rk)) => PatchCoupling::R(ctx.positive(&f("r_k_w"), rk)?),
                (Some(_), Some(_)) => return Err(ctx.err(
                    f("r_k_w"),
                    "give either h_w_m2k (W/(m²·K)) or r_k_w (a lumped resistance, K/W), not both",
                )),
                (None, None) => {
                    return Err(ctx.err(
                        f("h_w_m2k"),
                        "required field is missing: give h_w_m2k (W/(m²·K)) or r_k_w (a lumped \
                     resistance of the whole patch, K/W)",
                    ))
                }
            };
        let rect = (x_mm, y_mm, width_mm, depth_mm);
        for (j, o) in out.iter().enumerate().filter(|(_, o)| o.face == face) {
            if let Some((ox, oy)) = super::validate::overlap(rect, rect_of(o)) {
                return Err(ctx.err(
                    p,
                    format!(
                        "overlaps boundary.patches[{j}] on the {} face by {ox} × {oy} mm; patches \
                         on one face must not overlap (touching edges is fine)",
                        face_name(face)
                    ),
                ));
            }
        }
        let solid_layer = layers.iter().any(|l| !l.is_void());
        let on_block = blocks.iter().any(|b| {
            super::validate::overlap(rect, (b.x_mm, b.y_mm, b.width_mm, b.depth_mm)).is_some()
        });
        if !solid_layer && !on_block {
            return Err(ctx.err(
                p,
                "lies over void only (every layer is void and no block is under it); move it \
                 over a block",
            ));
        }
        out.push(Patch {
            face,
            x_mm,
            y_mm,
            width_mm,
            depth_mm,
            ambient_c,
            coupling,
        });
    }
    fit_grid(ctx, &out, plan)?;
    Ok(out)
}

/// Every patch holds at least one cell centre on the grid of `plan`.
pub(super) fn fit_grid(ctx: &Ctx, patches: &[Patch], plan: &Plan) -> Result<()> {
    let (dx, dy) = plan.grid_cells_mm();
    for (i, p) in patches.iter().enumerate() {
        let holds = |x0: f64, size: f64, d: f64| {
            // A cell centre (n + ½)·d lies in [x0, x0 + size).
            let first = (x0 / d - 0.5).ceil().max(0.0);
            (first + 0.5) * d < x0 + size
        };
        if !holds(p.x_mm, p.width_mm, dx) || !holds(p.y_mm, p.depth_mm, dy) {
            return Err(ctx.err(
                format!("boundary.patches[{i}]"),
                format!(
                    "{} × {} mm holds no cell centre on the {dx:.4} × {dy:.4} mm grid (cell_mm \
                     {}); make the patch at least one cell wide each way or use smaller cells",
                    p.width_mm, p.depth_mm, plan.cell_mm
                ),
            ));
        }
    }
    Ok(())
}

fn rect_of(p: &Patch) -> (f64, f64, f64, f64) {
    (p.x_mm, p.y_mm, p.width_mm, p.depth_mm)
}

fn face_name(f: Face) -> &'static str {
    match f {
        Face::Top => "top",
        Face::Bottom => "bottom",
    }
}
