//! Vertical cross-section: solid temperature in a plane x = const or y = const, with z
//! stretched so that thin layers (a 0.05 mm TIM under a 3 mm cold plate) stay visible.
//!
//! Stretching rule: each layer gets a share of the plot height equal to the larger of its true
//! thickness share and half of an equal share (0.5 / number of layers), renormalised; inside a
//! layer the sub-cells keep their true proportions. Layer names sit at the right, the true z
//! (mm) of every layer interface on the left axis.

use plotters::style::{RGBAColor, ShapeStyle};

use super::canvas::{Canvas, Scale};
use super::draw::{self, Painter, PxRect};
use super::geometry::{uniform_table, MapGeometry};
use super::{check_options, fmt_c, headline, Section};
use crate::{Field, RenderError};

/// A section plane resolved onto the grid.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Plane {
    /// true: the plane y = `at_mm` (x runs horizontally); false: x = `at_mm`.
    pub along_x: bool,
    /// The plane's position, mm.
    pub at_mm: f64,
    /// The fixed in-plane cell index (j for along_x, i otherwise).
    pub index: usize,
}

/// Resolves `at` on `field`; a position outside the domain is an error naming the range.
pub fn resolve(field: &Field, at: Section) -> Result<Plane, RenderError> {
    let (w_mm, d_mm) = (field.nx as f64 * field.dx_mm, field.ny as f64 * field.dx_mm);
    let (along_x, at_mm, extent, n) = match at {
        Section::Y(y) => (true, y, d_mm, field.ny),
        Section::X(x) => (false, x, w_mm, field.nx),
        Section::Hottest => {
            let hot = argmax(&field.solid_c).ok_or_else(|| RenderError::NoFiniteTemperature {
                what: "the field".into(),
            })?;
            let j = (hot / field.nx) % field.ny;
            let y = (j as f64 + 0.5) * field.dx_mm;
            return Ok(Plane {
                along_x: true,
                at_mm: y,
                index: j,
            });
        }
    };
    if !(at_mm.is_finite() && (0.0..=extent).contains(&at_mm)) {
        return Err(RenderError::SectionOutside {
            axis: if along_x { 'y' } else { 'x' },
            at_mm,
            extent_mm: extent,
        });
    }
    let index = ((at_mm / field.dx_mm) as usize).min(n - 1);
    Ok(Plane {
        along_x,
        at_mm,
        index,
    })
}

/// Index of the largest finite value (first of equals).
fn argmax(v: &[f64]) -> Option<usize> {
    v.iter()
        .enumerate()
        .filter(|(_, x)| x.is_finite())
        .fold(None, |best: Option<(usize, f64)>, (n, &x)| match best {
            Some((_, b)) if b >= x => best,
            _ => Some((n, x)),
        })
        .map(|(n, _)| n)
}

/// Stretched z edges in 0..=1 (one per z edge), per the rule in the module doc.
pub fn stretched_edges(field: &Field) -> Vec<f64> {
    let n_layers = field.layer_names.len().max(1);
    let total = field.z_edges_mm[field.nz] - field.z_edges_mm[0];
    let share: Vec<f64> = (0..n_layers)
        .map(|l| {
            let r = field.layer_cells(l);
            if r.is_empty() {
                return 0.0;
            }
            let t = field.z_edges_mm[r.end] - field.z_edges_mm[r.start];
            (t / total).max(0.5 / n_layers as f64)
        })
        .collect();
    let sum: f64 = share.iter().sum();
    let mut edges = vec![0.0];
    for k in 0..field.nz {
        let l = field.cell_layer[k];
        let r = field.layer_cells(l);
        let t = field.z_edges_mm[r.end] - field.z_edges_mm[r.start];
        let dz = field.z_edges_mm[k + 1] - field.z_edges_mm[k];
        let last = edges[edges.len() - 1];
        edges.push(last + share[l] / sum * dz / t);
    }
    edges
}

/// Layout of a section image `width_px` wide.
pub fn section_geometry(field: &Field, plane: Plane, width_px: u32) -> MapGeometry {
    let sc = width_px as f64 / 1600.0;
    let left = (130.0 * sc) as u32;
    let right = (430.0 * sc) as u32;
    let top = (150.0 * sc) as u32;
    let bottom = (120.0 * sc) as u32;
    let pw = width_px.saturating_sub(left + right).max(1);
    let n_layers = field.layer_names.len() as f64;
    let ph = ((n_layers * 95.0).clamp(560.0, 1000.0) * sc) as u32;
    let n_h = if plane.along_x { field.nx } else { field.ny };
    let edges = stretched_edges(field);
    let rows = (0..ph)
        .map(|py| {
            let u = (ph as f64 - py as f64 - 0.5) / ph as f64;
            let k = edges.partition_point(|&e| e <= u);
            k.saturating_sub(1).min(field.nz - 1)
        })
        .collect();
    MapGeometry {
        width_px,
        height_px: top + ph + bottom,
        plot_x0: left,
        plot_y0: top,
        plot_w: pw,
        plot_h: ph,
        cols: uniform_table(pw, n_h, false),
        rows,
    }
}

/// Draws the section into a canvas.
pub fn draw_section(
    field: &Field,
    at: Section,
    range_c: Option<(f64, f64)>,
    width_px: u32,
) -> Result<(Canvas, MapGeometry), RenderError> {
    check_options(range_c, width_px)?;
    super::check_field(field)?;
    let plane = resolve(field, at)?;
    let n_h = if plane.along_x { field.nx } else { field.ny };
    let mut values = Vec::with_capacity(n_h * field.nz);
    for k in 0..field.nz {
        for h in 0..n_h {
            let (i, j) = if plane.along_x {
                (h, plane.index)
            } else {
                (plane.index, h)
            };
            values.push(field.solid_c[field.idx(i, j, k)]);
        }
    }
    let scale = Scale::new(values.iter().copied(), range_c).ok_or_else(|| {
        RenderError::NoFiniteTemperature {
            what: "the section".into(),
        }
    })?;
    let g = section_geometry(field, plane, width_px);
    let sc = width_px as f64 / 1600.0;
    let colours: Vec<[u8; 3]> = values.iter().map(|&v| scale.colour(v)).collect();
    let mut canvas = Canvas::new(g.width_px, g.height_px);
    canvas.blit(g.plot_x0, g.plot_y0, &g.cols, &g.rows, &colours, n_h);
    let r = g.plot_rect();
    let bar = PxRect {
        x0: r.x0 + r.w + (260.0 * sc) as i32,
        ..PxRect {
            w: (34.0 * sc) as i32,
            ..r
        }
    };
    let mut p = Painter::new(&mut canvas, sc);
    p.colourbar_pixels(bar);

    let (h_axis, fixed_axis) = if plane.along_x {
        ("x", "y")
    } else {
        ("y", "x")
    };
    let h_mm = n_h as f64 * field.dx_mm;
    let hot = argmax(&values);
    let mut line2 = format!(
        "Vertical section at {fixed_axis} = {:.2} mm{}: solid temperature",
        plane.at_mm,
        if at == Section::Hottest {
            " through the hottest cell"
        } else {
            ""
        }
    );
    if let Some(n) = hot {
        let (h, k) = (n % n_h, n / n_h);
        let layer = &field.layer_names[field.cell_layer[k]];
        line2 += &format!(
            "   |   peak {} at {h_axis} {:.1} mm in \"{layer}\"",
            fmt_c(values[n]),
            (h as f64 + 0.5) * field.dx_mm
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
    let edges = stretched_edges(field);
    let z_px = |s: f64| r.y0 + r.h - (s * r.h as f64).round() as i32;

    p.title(&[field.info.design.clone(), line2, line3], r.x0);
    let xt = draw::mm_ticks(0.0, h_mm, r.w);
    let x_px = |x: f64| r.x0 + (x / h_mm * r.w as f64).round() as i32;
    p.ticks(r, &xt, x_px, true)?;
    // Left axis: true z of each layer interface, skipping labels that would overlap.
    let mut z_ticks = Vec::new();
    let mut last_px = i32::MAX;
    for l in 0..=field.layer_names.len() {
        let k = if l == field.layer_names.len() {
            field.nz
        } else {
            field.layer_cells(l).start
        };
        let at = z_px(edges[k]);
        if (last_px - at).abs() >= (18.0 * sc) as i32 || l == 0 {
            z_ticks.push((edges[k], format!("{:.2}", field.z_edges_mm[k])));
            last_px = at;
        }
    }
    p.ticks(r, &z_ticks, z_px, false)?;
    let below = format!("{h_axis} (mm)");
    p.axis_labels(r, &below, "z (mm), not to scale", (110.0 * sc) as i32)?;
    // Layer interfaces and names.
    let line = ShapeStyle::from(&RGBAColor(255, 255, 255, 0.45)).stroke_width(1);
    for l in 0..field.layer_names.len() {
        let cells = field.layer_cells(l);
        if cells.is_empty() {
            continue;
        }
        let (top, bot) = (z_px(edges[cells.end]), z_px(edges[cells.start]));
        if l > 0 {
            p.path(vec![(r.x0, bot), (r.x0 + r.w - 1, bot)], line)?;
        }
        let t_mm = field.z_edges_mm[cells.end] - field.z_edges_mm[cells.start];
        let label = format!("{} ({t_mm:.2} mm)", field.layer_names[l]);
        let x = r.x0 + r.w + (12.0 * sc) as i32;
        p.text(&label, (x, (top + bot) / 2), draw::style::LAYER);
        // Blocks of this layer cut by the plane.
        for b in field.blocks.iter().filter(|b| b.layer == l) {
            let (lo, len, c0, c1) = if plane.along_x {
                (b.x_mm, b.width_mm, b.y_mm, b.y_mm + b.depth_mm)
            } else {
                (b.y_mm, b.depth_mm, b.x_mm, b.x_mm + b.width_mm)
            };
            if plane.at_mm < c0 || plane.at_mm > c1 {
                continue;
            }
            let x0 = r.x0 + (lo / h_mm * r.w as f64).round() as i32;
            let w = (len / h_mm * r.w as f64).round() as i32;
            let pr = PxRect {
                x0,
                y0: top,
                w,
                h: bot - top,
            };
            if let Some(pr) = draw::clip(pr, r) {
                p.block(pr, &b.name, true)?;
            }
        }
    }
    p.colourbar_axis(bar, scale, "°C")?;
    if let Some(n) = hot {
        let at = g.pixel_of_cell(n % n_h, n / n_h);
        p.marker((at.0 as i32, at.1 as i32), &fmt_c(values[n]), r)?;
    }
    let mut note = "z stretched: each layer gets at least half an equal share of the height; \
                    left labels are true z at layer interfaces   ·   ring: hottest cell"
        .to_string();
    if values.iter().any(|v| v.is_nan()) {
        note.push_str("   ·   grey: void");
    }
    p.note(&note, (r.x0, r.y0 + r.h + (80.0 * sc) as i32));
    p.finish()?;
    Ok((canvas, g))
}
