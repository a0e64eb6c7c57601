//! Difference maps of two results: B − A of a layer's plan view, on a diverging colour scale
//! centred on 0 K (`coldtray compare`'s `diff_<layer>.png`).
//!
//! The compared quantity is what the layer maps draw ([`plane_values`]): per column, the
//! maximum over the layer's z cells of the solid temperature (or the coolant temperature). So
//! a difference map is exactly "B's layer map minus A's layer map", whatever z cells each
//! result split the layer into.
//!
//! Two grids: when A and B have the same in-plane grid the difference is taken cell by cell.
//! Otherwise both are put on the finer of the two grids (A's on a tie) by cell-centred
//! nearest sampling: a fine cell takes the value of the coarse cell that contains its
//! centre. Nearest rather than bilinear: it never blends temperatures across a block edge
//! or a material jump (where the field has a kink), and a fine cell shows exactly what the
//! coarse solve computed there. Cells outside the other result's domain have no value.

use std::path::Path;

use super::canvas::{Canvas, Scale};
use super::draw::{self, Painter, PxRect};
use super::layer_map::{plan_geometry_of, plane_values};
use super::{check_field, check_options};
use crate::{BlockOutline, Field, RenderError};

/// The smallest half-range of a difference map's colour scale, K: below it the scale is
/// ±this, so round-off-sized differences (and none at all) show as the centre colour
/// rather than being stretched to the ends of the scale.
pub const DIFF_FLOOR_K: f64 = 1e-3;

/// Colour of cells where A or B has no value (no coolant there, outside a domain): darker
/// than the near-white centre of the scale so the two are never confused.
pub const DIFF_NO_DATA: [u8; 3] = [150, 150, 150];

/// ColorBrewer "RdBu" (11 classes, reversed: blue cold, red hot), by Cynthia A. Brewer,
/// Pennsylvania State University, Apache License 2.0 (colorbrewer2.org). A diverging scheme
/// readable by colour-blind viewers; the centre is a near-white grey.
const RDBU_R: [[u8; 3]; 11] = [
    [5, 48, 97],
    [33, 102, 172],
    [67, 147, 195],
    [146, 197, 222],
    [209, 229, 240],
    [247, 247, 247],
    [253, 219, 199],
    [244, 165, 130],
    [214, 96, 77],
    [178, 24, 43],
    [103, 0, 31],
];

/// The colour of 0 K: the scale's centre.
pub const DIFF_CENTRE: [u8; 3] = RDBU_R[5];

/// Colour of `t` in 0..=1 on the diverging scale (0 deepest blue, 0.5 the centre exactly, 1
/// deepest red): linear in sRGB between the 11 ColorBrewer classes. Clamped; NaN gives the
/// centre.
pub fn diverging(t: f64) -> [u8; 3] {
    let t = if t.is_nan() { 0.5 } else { t.clamp(0.0, 1.0) };
    let s = t * 10.0;
    let k = (s.floor() as usize).min(9);
    let f = s - k as f64;
    let (a, b) = (RDBU_R[k], RDBU_R[k + 1]);
    let mix = |x: u8, y: u8| (f64::from(x) + f * (f64::from(y) - f64::from(x))).round() as u8;
    [mix(a[0], b[0]), mix(a[1], b[1]), mix(a[2], b[2])]
}

/// Which result's grid a difference is on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Grid {
    /// Result A's.
    A,
    /// Result B's.
    B,
}

/// B − A over one layer, on one plan grid (see the module doc).
#[derive(Debug, Clone, PartialEq)]
pub struct PlaneDifference {
    /// The layer's name (the same in A and B).
    pub layer: String,
    /// The coolant temperature rather than the solid.
    pub coolant: bool,
    /// Cells along x of the grid the difference is on.
    pub nx: usize,
    /// Cells along y.
    pub ny: usize,
    /// Cell size, mm.
    pub dx_mm: f64,
    /// B − A per column, K, row-major from y = 0 (`j * nx + i`); NaN where A or B has none.
    pub delta_k: Vec<f64>,
    /// The grid of the result the difference is on.
    pub grid: Grid,
    /// Whether A's and B's grids differ (so one was sampled onto the other's).
    pub resampled: bool,
    /// Outlines of the blocks of the layer in A and in B (each once).
    pub blocks: Vec<BlockOutline>,
}

impl PlaneDifference {
    fn finite(&self) -> impl Iterator<Item = f64> + '_ {
        self.delta_k.iter().copied().filter(|v| v.is_finite())
    }

    /// The most negative difference, K (`None`: no cell has both values).
    pub fn min_k(&self) -> Option<f64> {
        self.finite().reduce(f64::min)
    }

    /// The most positive difference, K.
    pub fn max_k(&self) -> Option<f64> {
        self.finite().reduce(f64::max)
    }

    /// The largest |B − A|, K.
    pub fn max_abs_k(&self) -> Option<f64> {
        self.finite().map(f64::abs).reduce(f64::max)
    }

    /// The mean difference over the cells that have one, K (equal cells: the area mean).
    pub fn mean_k(&self) -> Option<f64> {
        let (sum, n) = self
            .finite()
            .fold((0.0, 0usize), |(s, n), v| (s + v, n + 1));
        (n > 0).then(|| sum / n as f64)
    }
}

/// Per-column values of a plane sampled onto a grid of `nx` × `ny` cells `dx_mm` wide:
/// each target cell takes the source cell containing its centre (NaN outside the source).
fn sample_nearest(
    src: &[f64],
    (snx, sny, sdx): (usize, usize, f64),
    (nx, ny, dx): (usize, usize, f64),
) -> Vec<f64> {
    let index = |c: usize, n_src: usize| {
        let s = ((c as f64 + 0.5) * dx / sdx).floor();
        (s >= 0.0 && (s as usize) < n_src).then_some(s as usize)
    };
    let cols: Vec<Option<usize>> = (0..nx).map(|i| index(i, snx)).collect();
    let mut out = Vec::with_capacity(nx * ny);
    for j in 0..ny {
        let row = index(j, sny);
        out.extend(cols.iter().map(|&col| match (row, col) {
            (Some(r), Some(c)) => src[r * snx + c],
            _ => f64::NAN,
        }));
    }
    out
}

/// B − A of layer `la` of `a` and layer `lb` of `b` (the solid plan view, or the coolant
/// with `coolant`), on the finer grid (see the module doc).
pub fn layer_difference(
    a: &Field,
    la: usize,
    b: &Field,
    lb: usize,
    coolant: bool,
) -> Result<PlaneDifference, RenderError> {
    check_field(a)?;
    check_field(b)?;
    for (f, l) in [(a, la), (b, lb)] {
        if l >= f.layer_names.len() {
            return Err(RenderError::NoSuchLayer {
                layer: l,
                count: f.layer_names.len(),
            });
        }
    }
    let (va, vb) = (plane_values(a, la, coolant), plane_values(b, lb, coolant));
    let same = a.nx == b.nx && a.ny == b.ny && a.dx_mm == b.dx_mm;
    let grid = if b.dx_mm < a.dx_mm { Grid::B } else { Grid::A };
    let (nx, ny, dx_mm) = match grid {
        Grid::A => (a.nx, a.ny, a.dx_mm),
        Grid::B => (b.nx, b.ny, b.dx_mm),
    };
    let (va, vb) = if same {
        (va, vb)
    } else {
        let to = (nx, ny, dx_mm);
        (
            sample_nearest(&va, (a.nx, a.ny, a.dx_mm), to),
            sample_nearest(&vb, (b.nx, b.ny, b.dx_mm), to),
        )
    };
    let delta_k = va.iter().zip(&vb).map(|(x, y)| y - x).collect();
    let mut blocks: Vec<BlockOutline> = Vec::new();
    for (f, l) in [(a, la), (b, lb)] {
        for blk in f.blocks.iter().filter(|blk| blk.layer == l) {
            let key = |o: &BlockOutline| (o.name.clone(), o.x_mm, o.y_mm, o.width_mm, o.depth_mm);
            if !blocks.iter().any(|o| key(o) == key(blk)) {
                blocks.push(blk.clone());
            }
        }
    }
    Ok(PlaneDifference {
        layer: a.layer_names[la].clone(),
        coolant,
        nx,
        ny,
        dx_mm,
        delta_k,
        grid,
        resampled: !same,
        blocks,
    })
}

/// What the title of a difference map names A and B by (e.g. their directories).
#[derive(Debug, Clone, PartialEq)]
pub struct DiffLabels {
    /// Result A.
    pub a: String,
    /// Result B.
    pub b: String,
}

/// "+5.00 K", "−0.012 K", "0 K".
pub fn fmt_k(v: f64) -> String {
    let s = if v == 0.0 {
        "0".to_string()
    } else if v.abs() < 0.01 {
        format!("{v:+.2e}")
    } else if v.abs() < 10.0 {
        format!("{v:+.2}")
    } else {
        format!("{v:+.1}")
    };
    format!("{} K", s.replace('-', "−"))
}

/// The colour scale of `d`: ±max|B − A|, at least ±[`DIFF_FLOOR_K`].
pub fn diff_scale(d: &PlaneDifference) -> Scale {
    let m = d.max_abs_k().unwrap_or(0.0).max(DIFF_FLOOR_K);
    Scale { lo_c: -m, hi_c: m }
}

/// The colour of every cell of `d`, row-major from y = 0, on [`diff_scale`].
pub fn diff_colours(d: &PlaneDifference) -> Vec<[u8; 3]> {
    let s = diff_scale(d);
    d.delta_k
        .iter()
        .map(|&v| {
            if v.is_finite() {
                diverging(s.t(v))
            } else {
                DIFF_NO_DATA
            }
        })
        .collect()
}

/// Draws the difference map of `d` into the PNG `path`, `width_px` wide (the look of the
/// layer maps: title, mm axes, block outlines, colour bar in K, the largest |B − A| ringed).
pub fn render_difference(
    d: &PlaneDifference,
    labels: &DiffLabels,
    width_px: u32,
    path: &Path,
) -> Result<(), RenderError> {
    draw_difference(d, labels, width_px)?.save_png(path)
}

/// [`render_difference`] into a canvas (for tests that read pixels).
pub fn draw_difference(
    d: &PlaneDifference,
    labels: &DiffLabels,
    width_px: u32,
) -> Result<Canvas, RenderError> {
    check_options(None, width_px)?;
    if d.nx == 0 || d.ny == 0 || d.delta_k.len() != d.nx * d.ny {
        return Err(RenderError::NoFiniteTemperature {
            what: format!("the difference of layer \"{}\"", d.layer),
        });
    }
    let g = plan_geometry_of(d.nx, d.ny, d.dx_mm, width_px);
    let sc = f64::from(width_px) / 1600.0;
    let scale = diff_scale(d);
    let colours = diff_colours(d);
    let mut canvas = Canvas::new(g.width_px, g.height_px);
    canvas.blit(g.plot_x0, g.plot_y0, &g.cols, &g.rows, &colours, d.nx);
    let r = g.plot_rect();
    let bar = g.colourbar_rect(sc);
    for py in 0..bar.h {
        let c = diverging(1.0 - (f64::from(py) + 0.5) / f64::from(bar.h));
        for px in 0..bar.w {
            canvas.set((bar.x0 + px) as u32, (bar.y0 + py) as u32, c);
        }
    }
    let mut p = Painter::new(&mut canvas, sc);

    let what = if d.coolant {
        "coolant temperature"
    } else {
        "solid temperature (max over the layer's z cells)"
    };
    let line2 = match (d.min_k(), d.max_k(), d.mean_k()) {
        (Some(lo), Some(hi), Some(mean)) => format!(
            "Layer \"{}\", {what}: B − A from {} to {}, mean {}",
            d.layer,
            fmt_k(lo),
            fmt_k(hi),
            fmt_k(mean)
        ),
        _ => format!(
            "Layer \"{}\", {what}: no cell where both have a value",
            d.layer
        ),
    };
    let grid = if d.resampled {
        format!(
            "grids differ: both sampled onto {}'s {} mm grid (nearest cell)",
            match d.grid {
                Grid::A => "A",
                Grid::B => "B",
            },
            d.dx_mm
        )
    } else {
        "same grid: cell by cell".to_string()
    };
    let line3 = format!("A: {}   |   B: {}   |   {grid}", labels.a, labels.b);
    let title = format!("Difference B − A: {}", d.layer);
    p.title(&[title, line2, line3], r.x0);

    let (w_mm, d_mm) = (d.nx as f64 * d.dx_mm, d.ny as f64 * d.dx_mm);
    let xt = draw::mm_ticks(0.0, w_mm, r.w);
    p.ticks(
        r,
        &xt,
        |x| r.x0 + (x / w_mm * r.w as f64).round() as i32,
        true,
    )?;
    let yt = draw::mm_ticks(0.0, d_mm, r.h);
    p.ticks(
        r,
        &yt,
        |y| r.y0 + r.h - (y / d_mm * r.h as f64).round() as i32,
        false,
    )?;
    p.axis_labels(r, "x (mm)", "y (mm)", (95.0 * sc) as i32)?;
    p.colourbar_axis(bar, scale, "B − A (K)")?;

    for b in &d.blocks {
        let pr = draw::clip(
            PxRect {
                x0: r.x0 + (b.x_mm / w_mm * r.w as f64).round() as i32,
                y0: r.y0 + ((1.0 - (b.y_mm + b.depth_mm) / d_mm) * r.h as f64).round() as i32,
                w: (b.width_mm / w_mm * r.w as f64).round() as i32,
                h: (b.depth_mm / d_mm * r.h as f64).round() as i32,
            },
            r,
        );
        if let Some(pr) = pr {
            p.block(pr, &b.name, true)?;
        }
    }
    // The largest |B − A| (first of equals), unless there is no difference at all.
    let extreme = d
        .delta_k
        .iter()
        .enumerate()
        .filter(|(_, v)| v.is_finite() && **v != 0.0)
        .fold(None, |best: Option<(usize, f64)>, (n, &v)| match best {
            Some((_, b)) if b.abs() >= v.abs() => best,
            _ => Some((n, v)),
        });
    if let Some((n, v)) = extreme {
        let at = g.pixel_of_cell(n % d.nx, n / d.nx);
        p.marker((at.0 as i32, at.1 as i32), &fmt_k(v), r)?;
    }
    let mut notes = vec!["red: B hotter", "blue: B cooler"];
    if d.delta_k.iter().any(|v| !v.is_finite()) {
        notes.push("dark grey: no value in A or B");
    }
    if extreme.is_some() {
        notes.push("ring: largest |B − A|");
    } else {
        notes.push("no difference anywhere on this layer");
    }
    let y = r.y0 + r.h + (80.0 * sc) as i32;
    p.note(&notes.join("   ·   "), (r.x0, y));
    p.finish()?;
    Ok(canvas)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::sample::synthetic_field;

    #[test]
    fn the_scale_is_centred_and_ends_at_the_classes() {
        assert_eq!(diverging(0.5), DIFF_CENTRE);
        assert_eq!(diverging(0.0), RDBU_R[0]);
        assert_eq!(diverging(1.0), RDBU_R[10]);
        assert_eq!(diverging(f64::NAN), DIFF_CENTRE);
        let s = Scale {
            lo_c: -3.7,
            hi_c: 3.7,
        };
        assert_eq!(s.t(0.0), 0.5);
    }

    /// A field minus itself: every difference exactly 0, every cell the centre colour, and
    /// the drawn plot's pixels too (away from the block outlines).
    #[test]
    fn a_field_minus_itself_is_zero_and_centre_coloured() {
        let f = synthetic_field(40, 30);
        for layer in 0..f.layer_names.len() {
            let d = layer_difference(&f, layer, &f, layer, false).expect("differs");
            assert!(!d.resampled);
            assert!(d.delta_k.iter().all(|v| v.is_nan() || *v == 0.0));
            assert_eq!(d.max_abs_k(), Some(0.0));
            assert!(diff_colours(&d).iter().all(|c| *c == DIFF_CENTRE));
        }
        let d = layer_difference(&f, 0, &f, 0, false).expect("differs");
        let labels = DiffLabels {
            a: "a".into(),
            b: "a".into(),
        };
        let c = draw_difference(&d, &labels, 800).expect("draws");
        let g = plan_geometry_of(d.nx, d.ny, d.dx_mm, 800);
        // Near the plot's corner (inside the frame): no outline in the synthetic field there.
        assert_eq!(c.get(g.plot_x0 + 3, g.plot_y0 + g.plot_h - 4), DIFF_CENTRE);
    }

    /// A uniform shift survives resampling exactly; a coarse grid is sampled by the cell that
    /// holds each fine centre.
    #[test]
    fn a_coarser_b_is_sampled_onto_a() {
        let a = synthetic_field(40, 30);
        let mut b = synthetic_field(20, 15);
        // Same domain on half as many cells per side.
        b.dx_mm = a.dx_mm * 2.0;
        for v in &mut b.solid_c {
            *v = 50.0;
        }
        let d = layer_difference(&a, 0, &b, 0, false).expect("differs");
        assert!(d.resampled);
        assert_eq!(d.grid, Grid::A);
        assert_eq!((d.nx, d.ny), (40, 30));
        let va = plane_values(&a, 0, false);
        for (n, v) in d.delta_k.iter().enumerate() {
            assert_eq!(*v, 50.0 - va[n]);
        }
        let src = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0]; // 3 × 2 cells of 2 mm
        let out = sample_nearest(&src, (3, 2, 2.0), (7, 4, 1.0));
        // Fine centres 0.5, 1.5 | 2.5, 3.5 | 4.5, 5.5 mm fall in coarse cells 0 | 1 | 2; the
        // centre 6.5 mm is outside the 6 mm source.
        assert_eq!(out[..6], [1.0, 1.0, 2.0, 2.0, 3.0, 3.0]);
        assert!(out[6].is_nan());
        assert_eq!(out[7 * 2], 4.0);
    }
}
