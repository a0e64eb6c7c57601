//! Plan view of one layer: solid temperature (the layer's maximum over its z sub-cells per
//! column, what an engineer checks against a limit) or coolant temperature.

use super::canvas::{Canvas, Scale};
use super::draw::{self, Painter, PxRect};
use super::geometry::{uniform_table, MapGeometry};
use super::{check_field, check_options, fmt_c, headline};
use crate::{Field, RenderError};

/// Per-column values of layer `layer`: the maximum over its z sub-cells of the solid (or,
/// with `coolant`, the finite fluid) temperature; NaN where nothing is defined.
pub fn plane_values(field: &Field, layer: usize, coolant: bool) -> Vec<f64> {
    let n = field.nx * field.ny;
    let src = if coolant {
        &field.fluid_c
    } else {
        &field.solid_c
    };
    let mut out = vec![f64::NAN; n];
    for k in field.layer_cells(layer) {
        let plane = &src[k * n..(k + 1) * n];
        for (o, &v) in out.iter_mut().zip(plane) {
            // `*o` is NaN until the first finite value arrives.
            if v.is_finite() && (o.is_nan() || v > *o) {
                *o = v;
            }
        }
    }
    out
}

/// Layout of a plan map `width_px` wide: title on top, colour bar on the right, plot with
/// equal mm scales in x and y.
pub fn plan_geometry(field: &Field, width_px: u32) -> MapGeometry {
    plan_geometry_of(field.nx, field.ny, field.dx_mm, width_px)
}

/// [`plan_geometry`] of a plan grid of `nx` × `ny` square cells `dx_mm` wide.
pub(crate) fn plan_geometry_of(nx: usize, ny: usize, dx_mm: f64, width_px: u32) -> MapGeometry {
    let sc = width_px as f64 / 1600.0;
    let left = (120.0 * sc) as u32;
    let right = (260.0 * sc) as u32;
    let top = (150.0 * sc) as u32;
    let bottom = (120.0 * sc) as u32;
    let (w_mm, d_mm) = (nx as f64 * dx_mm, ny as f64 * dx_mm);
    let mut pw = width_px.saturating_sub(left + right).max(1);
    let mut ph = (pw as f64 * d_mm / w_mm).round().max(1.0) as u32;
    let max_h = (1.25 * width_px as f64) as u32;
    if ph > max_h {
        ph = max_h;
        pw = ((ph as f64 * w_mm / d_mm).round() as u32).max(1);
    }
    let bar_h = ph.max((240.0 * sc) as u32);
    MapGeometry {
        width_px,
        height_px: top + bar_h + bottom,
        plot_x0: left,
        plot_y0: top,
        plot_w: pw,
        plot_h: ph,
        cols: uniform_table(pw, nx, false),
        rows: uniform_table(ph, ny, true),
    }
}

/// Draws layer `layer` (solid, or coolant with `coolant`) into a canvas.
pub fn draw_layer(
    field: &Field,
    layer: usize,
    range_c: Option<(f64, f64)>,
    width_px: u32,
    coolant: bool,
) -> Result<(Canvas, MapGeometry), RenderError> {
    check_options(range_c, width_px)?;
    check_field(field)?;
    let name = field
        .layer_names
        .get(layer)
        .ok_or(RenderError::NoSuchLayer {
            layer,
            count: field.layer_names.len(),
        })?;
    let values = plane_values(field, layer, coolant);
    let scale = Scale::new(values.iter().copied(), range_c).ok_or_else(|| {
        if coolant {
            RenderError::NoCoolant {
                layer: name.clone(),
            }
        } else {
            RenderError::NoFiniteTemperature {
                what: format!("layer \"{name}\""),
            }
        }
    })?;
    let g = plan_geometry(field, width_px);
    let sc = width_px as f64 / 1600.0;
    let colours: Vec<[u8; 3]> = values.iter().map(|&v| scale.colour(v)).collect();
    let mut canvas = Canvas::new(g.width_px, g.height_px);
    canvas.blit(g.plot_x0, g.plot_y0, &g.cols, &g.rows, &colours, field.nx);
    let r = g.plot_rect();
    let bar = g.colourbar_rect(sc);
    let mut p = Painter::new(&mut canvas, sc);
    p.colourbar_pixels(bar);

    // Hottest point of the drawn plane (first of equals).
    let hot = values
        .iter()
        .enumerate()
        .filter(|(_, v)| v.is_finite())
        .fold(None, |best: Option<(usize, f64)>, (n, &v)| match best {
            Some((_, b)) if b >= v => best,
            _ => Some((n, v)),
        });

    let n_sub = field.layer_cells(layer).len();
    let what = match (coolant, n_sub) {
        (true, _) => "coolant temperature".to_string(),
        (false, 1) => "solid temperature".to_string(),
        (false, n) => format!("solid temperature, max over its {n} z cells"),
    };
    let (w_mm, d_mm) = (field.nx as f64 * field.dx_mm, field.ny as f64 * field.dx_mm);
    let centre = |i: usize| (i as f64 + 0.5) * field.dx_mm;
    let mut line2 = format!("Layer \"{name}\": {what}");
    if let Some((n, v)) = hot {
        let (i, j) = (n % field.nx, n / field.nx);
        line2 += &format!(
            "   |   peak {} at x {:.1}, y {:.1} mm",
            fmt_c(v),
            centre(i),
            centre(j)
        );
    }
    let mut line3 = headline(&field.info);
    if range_c.is_some() {
        line3 += &format!(
            "   |   fixed colour scale {}–{}",
            fmt_c(scale.lo_c),
            fmt_c(scale.hi_c)
        );
    }

    p.title(&[field.info.design.clone(), line2, line3], r.x0);
    let xt = draw::mm_ticks(0.0, w_mm, r.w);
    let x_px = |x: f64| r.x0 + (x / w_mm * r.w as f64).round() as i32;
    p.ticks(r, &xt, x_px, true)?;
    let yt = draw::mm_ticks(0.0, d_mm, r.h);
    let y_px = |y: f64| r.y0 + r.h - (y / d_mm * r.h as f64).round() as i32;
    p.ticks(r, &yt, y_px, false)?;
    p.axis_labels(r, "x (mm)", "y (mm)", (95.0 * sc) as i32)?;
    p.colourbar_axis(bar, scale, "°C")?;

    let to_rect = |x: f64, y: f64, w: f64, d: f64| {
        draw::clip(
            PxRect {
                x0: r.x0 + (x / w_mm * r.w as f64).round() as i32,
                y0: r.y0 + ((1.0 - (y + d) / d_mm) * r.h as f64).round() as i32,
                w: (w / w_mm * r.w as f64).round() as i32,
                h: (d / d_mm * r.h as f64).round() as i32,
            },
            r,
        )
    };
    let others: Vec<_> = field.blocks.iter().filter(|b| b.layer != layer).collect();
    let draw_others = !others.is_empty() && others.len() <= 64;
    if draw_others {
        for b in &others {
            if let Some(pr) = to_rect(b.x_mm, b.y_mm, b.width_mm, b.depth_mm) {
                p.block(pr, &b.name, false)?;
            }
        }
    }
    for b in field.blocks.iter().filter(|b| b.layer == layer) {
        if let Some(pr) = to_rect(b.x_mm, b.y_mm, b.width_mm, b.depth_mm) {
            p.block(pr, &b.name, true)?;
        }
    }
    if let Some((n, v)) = hot {
        let at = g.pixel_of_cell(n % field.nx, n / field.nx);
        p.marker((at.0 as i32, at.1 as i32), &fmt_c(v), r)?;
    }
    let mut notes = Vec::new();
    if draw_others {
        notes.push("dashed outlines: blocks in other layers");
    }
    if coolant {
        notes.push("grey: no coolant");
    } else if values.iter().any(|v| v.is_nan()) {
        // A void layer's cells without a block are stored as NaN: no cell, no temperature.
        notes.push("grey: void (no cells)");
    }
    notes.push("ring: hottest cell");
    let y = r.y0 + r.h + (80.0 * sc) as i32;
    p.note(&notes.join("   ·   "), (r.x0, y));
    p.finish()?;
    Ok((canvas, g))
}
