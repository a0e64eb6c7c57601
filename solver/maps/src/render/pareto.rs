//! `pareto.png` of a sweep: every variant's peak die temperature against its coolant pressure
//! drop, the Pareto front (the variants no other variant beats on both) joined by a line and
//! labelled, the base design marked, and the die limit dashed.
//!
//! Drawn like the maps and `probes.png`: shapes with plotters into a [`Canvas`], text last
//! with `coldtray_assets::text`, sizes given at 1600 px width and scaled, the PNG written
//! atomically. [`pareto_front`] is the pure computation behind the line.

use std::path::Path;

use coldtray_assets::text::{HAlign, TextStyle, VAlign};
use plotters::style::{Color, RGBAColor, RGBColor, ShapeStyle};

use super::canvas::{nice_ticks, Canvas};
use super::draw::{crosses, disc, style, Painter, PxRect};
use super::probes::fit;
use crate::RenderError;

/// One plotted variant.
#[derive(Debug, Clone, PartialEq)]
pub struct SweepPoint {
    /// Short label: the variant's id and its overridden values (`v0003 flow_lpm=3.5`).
    pub label: String,
    /// Coolant pressure drop, kPa (x).
    pub dp_kpa: f64,
    /// Peak temperature of the hottest die, °C (y).
    pub peak_c: f64,
}

/// What `pareto.png` shows.
#[derive(Debug, Clone, PartialEq)]
pub struct ParetoChart {
    /// First title line (the design or sweep name).
    pub title: String,
    /// The variants to plot (finite figures only; see [`draw_pareto`]).
    pub points: Vec<SweepPoint>,
    /// Index into `points` of the base design, if one of them is it.
    pub base: Option<usize>,
    /// Legend text when `base` is `None`: why no base is marked.
    pub no_base: String,
    /// The die limit, °C, drawn as a dashed line when given.
    pub limit_c: Option<f64>,
    /// Grey notes under the plot (what was left out and why).
    pub notes: Vec<String>,
}

/// The Pareto front of `(x, y)` points when both are minimised: the indices of the points
/// that no other point dominates (another point is ≤ in both and < in at least one), in
/// increasing x (then increasing y, then index). Points equal in both coordinates do not
/// dominate each other, so duplicates on the front are all kept. Non-finite points are
/// ignored.
pub fn pareto_front(points: &[(f64, f64)]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..points.len())
        .filter(|&i| points[i].0.is_finite() && points[i].1.is_finite())
        .collect();
    order.sort_by(|&a, &b| {
        points[a]
            .0
            .total_cmp(&points[b].0)
            .then(points[a].1.total_cmp(&points[b].1))
            .then(a.cmp(&b))
    });
    // Sweep in increasing x: a point is on the front when its y is below every y seen at a
    // smaller x, or it equals the last front point exactly (a duplicate).
    let mut front: Vec<usize> = Vec::new();
    let mut best_y = f64::INFINITY;
    for i in order {
        let (x, y) = points[i];
        match front.last() {
            Some(&l) if points[l] == (x, y) => front.push(i),
            _ if y < best_y => {
                front.push(i);
                best_y = y;
            }
            _ => {}
        }
    }
    front
}

/// Height of the image at 1600 px width, px.
const HEIGHT_AT_1600: f64 = 1000.0;
/// Every variant.
const POINT: RGBColor = RGBColor(120, 140, 170);
/// The front: line, points and labels.
const FRONT: RGBColor = RGBColor(200, 40, 40);
const FRONT_RGB: [u8; 3] = [170, 30, 30];
/// The die limit.
const LIMIT: RGBColor = RGBColor(60, 60, 60);
/// Grid lines.
const GRID: RGBColor = RGBColor(228, 228, 228);
/// Labels of front points.
const LABEL: TextStyle = TextStyle::new(15.0)
    .rgb(FRONT_RGB)
    .align(HAlign::Left, VAlign::Center);
/// The title's first line (as `Painter::title` draws it), for fitting the design name.
const TITLE: TextStyle = TextStyle::new(30.0).bold(true);

/// Draws `chart` into the PNG `path`, `width_px` wide (height 1000/1600 of the width).
pub fn render_pareto(chart: &ParetoChart, width_px: u32, path: &Path) -> Result<(), RenderError> {
    draw_pareto(chart, width_px)?.save_png(path)
}

/// `lo..hi` widened by 6 % on each side (by ±5 % of the value, at least 0.5, when the range
/// is a single value), so no point sits on the frame.
fn padded(lo: f64, hi: f64) -> (f64, f64) {
    if !(lo.is_finite() && hi.is_finite()) {
        return (0.0, 1.0);
    }
    if hi - lo < 1e-9 * (1.0 + lo.abs()) {
        let pad = (lo.abs() * 0.05).max(0.5);
        return (lo - pad, hi + pad);
    }
    let pad = (hi - lo) * 0.06;
    (lo - pad, hi + pad)
}

/// [`render_pareto`] into a canvas (for tests that read pixels). Points with a non-finite
/// coordinate are not drawn.
pub fn draw_pareto(chart: &ParetoChart, width_px: u32) -> Result<Canvas, RenderError> {
    super::check_options(None, width_px)?;
    let w = width_px;
    let sc = f64::from(w) / 1600.0;
    let h = (HEIGHT_AT_1600 * sc).round() as u32;
    let px = |v: f64| (v * sc).round() as i32;
    let r = PxRect {
        x0: px(150.0),
        y0: px(140.0),
        w: w as i32 - px(150.0) - px(450.0),
        h: px(700.0),
    };
    let legend_x = r.x0 + r.w + px(40.0);
    let xy: Vec<(f64, f64)> = chart.points.iter().map(|p| (p.dp_kpa, p.peak_c)).collect();
    let shown: Vec<usize> = (0..xy.len())
        .filter(|&i| xy[i].0.is_finite() && xy[i].1.is_finite())
        .collect();
    let front = pareto_front(&xy);
    let fold = |f: &dyn Fn(usize) -> f64| {
        shown
            .iter()
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &i| {
                (lo.min(f(i)), hi.max(f(i)))
            })
    };
    let (x_lo, x_hi) = fold(&|i| xy[i].0);
    let (mut y_lo, mut y_hi) = fold(&|i| xy[i].1);
    if let Some(l) = chart.limit_c.filter(|l| l.is_finite()) {
        // Show the limit when it is near the points (within half their span again).
        let span = (y_hi - y_lo).max(1.0);
        if !shown.is_empty() && l > y_hi && l - y_hi < 0.5 * span + 5.0 {
            y_hi = l;
        }
        if shown.is_empty() {
            (y_lo, y_hi) = (l - 10.0, l);
        }
    }
    let (x_lo, x_hi) = padded(x_lo, x_hi);
    let (y_lo, y_hi) = padded(y_lo, y_hi);
    let x_of = |v: f64| r.x0 + ((v - x_lo) / (x_hi - x_lo) * f64::from(r.w - 1)).round() as i32;
    let y_of =
        |v: f64| r.y0 + r.h - 1 - ((v - y_lo) / (y_hi - y_lo) * f64::from(r.h - 1)).round() as i32;

    let mut canvas = Canvas::new(w, h);
    let mut p = Painter::new(&mut canvas, sc);
    let title = fit(
        &mut p,
        &format!("Sweep trade-off — {}", chart.title),
        TITLE,
        w as i32 - r.x0 - px(20.0),
    )?;
    p.title(
        &[
            title,
            format!(
                "peak temperature of the hottest die against coolant pressure drop, {} variant{}; \
                 lower left is better",
                shown.len(),
                if shown.len() == 1 { "" } else { "s" }
            ),
        ],
        r.x0,
    );

    // Grid and ticks.
    let (xt, xd) = nice_ticks(x_lo, x_hi, (r.w / 110).clamp(3, 10) as usize);
    let (yt, yd) = nice_ticks(y_lo, y_hi, (r.h / 70).clamp(3, 10) as usize);
    let grid = ShapeStyle::from(&GRID).stroke_width(1);
    for &v in &xt {
        p.path(vec![(x_of(v), r.y0), (x_of(v), r.y0 + r.h - 1)], grid)?;
    }
    for &v in &yt {
        p.path(vec![(r.x0, y_of(v)), (r.x0 + r.w - 1, y_of(v))], grid)?;
    }
    let labels = |t: &[f64], d: usize| -> Vec<(f64, String)> {
        t.iter().map(|v| (*v, format!("{v:.d$}"))).collect()
    };
    p.ticks(r, &labels(&xt, xd), x_of, true)?;
    p.ticks(r, &labels(&yt, yd), y_of, false)?;
    p.axis_labels(
        r,
        "coolant pressure drop Δp (kPa)",
        "peak die temperature (°C)",
        px(95.0),
    )?;

    // The die limit.
    let dash = (14.0 * sc).max(4.0) as u32;
    let line_w = (2.5 * sc).max(1.0) as u32;
    let limit_shown = chart
        .limit_c
        .filter(|l| l.is_finite() && *l >= y_lo && *l <= y_hi);
    if let Some(l) = limit_shown {
        let style = ShapeStyle::from(&LIMIT).stroke_width((2.0 * sc).max(1.0) as u32);
        p.dashed(
            vec![(r.x0, y_of(l)), (r.x0 + r.w - 1, y_of(l))],
            dash,
            dash / 2 + 1,
            style,
        )?;
    }

    // Every variant, then the front over them, then the base marker on top.
    let dot = (5.0 * sc).max(2.0) as i32;
    for &i in &shown {
        let c = (x_of(xy[i].0), y_of(xy[i].1));
        disc(&mut p, c, dot, POINT.mix(0.85).filled())?;
    }
    let front_pts: Vec<(i32, i32)> = front
        .iter()
        .map(|&i| (x_of(xy[i].0), y_of(xy[i].1)))
        .collect();
    if front_pts.len() > 1 {
        p.path(
            front_pts.clone(),
            ShapeStyle::from(&FRONT).stroke_width(line_w),
        )?;
    }
    for &c in &front_pts {
        disc(&mut p, c, dot + px(2.0), FRONT.filled())?;
    }
    if let Some(b) = chart.base.filter(|b| shown.contains(b)) {
        let c = (x_of(xy[b].0), y_of(xy[b].1));
        let s = dot + px(7.0);
        let diamond = vec![
            (c.0, c.1 - s),
            (c.0 + s, c.1),
            (c.0, c.1 + s),
            (c.0 - s, c.1),
            (c.0, c.1 - s),
        ];
        p.path(
            diamond.clone(),
            ShapeStyle::from(&RGBColor(255, 255, 255)).stroke_width(line_w + 2),
        )?;
        p.path(
            diamond,
            ShapeStyle::from(&RGBColor(0, 0, 0)).stroke_width(line_w),
        )?;
    }

    // Labels of the front points: the first free spot of four around each point, inside the
    // plot and clear of the labels already placed; a point with no free spot goes unlabelled.
    let mut placed: Vec<PxRect> = Vec::new();
    let mut unlabelled = 0;
    let pad = px(4.0);
    let lh = (f64::from(LABEL.size_px) * sc * 1.25) as i32;
    for (&i, &(cx, cy)) in front.iter().zip(&front_pts) {
        let text = fit(&mut p, &chart.points[i].label, LABEL, px(420.0))?;
        let tw = p.text_width(&text, LABEL)?;
        let off = dot + px(6.0);
        let spots = [
            (cx + off, cy - off - lh),
            (cx + off, cy + off),
            (cx - off - tw - 2 * pad, cy - off - lh),
            (cx - off - tw - 2 * pad, cy + off),
        ];
        let spot = spots.iter().map(|&(x, y)| PxRect {
            x0: x,
            y0: y,
            w: tw + 2 * pad,
            h: lh,
        });
        let fits = |s: &PxRect| {
            s.x0 >= r.x0
                && s.y0 >= r.y0
                && s.x0 + s.w < r.x0 + r.w
                && s.y0 + s.h < r.y0 + r.h
                && !placed.iter().any(|q| overlaps(*q, *s))
                && !shown.iter().any(|&k| {
                    let (x, y) = (x_of(xy[k].0), y_of(xy[k].1));
                    x >= s.x0 - dot
                        && x <= s.x0 + s.w + dot
                        && y >= s.y0 - dot
                        && y <= s.y0 + s.h + dot
                })
        };
        // A spot clear of the front line too, else one that only crosses the line.
        let free = spot
            .clone()
            .find(|s| fits(s) && !crosses(&front_pts, *s))
            .or_else(|| spot.clone().find(|s| fits(s)));
        match free {
            Some(s) => {
                p.rect(
                    (s.x0, s.y0),
                    (s.x0 + s.w, s.y0 + s.h),
                    RGBAColor(255, 255, 255, 0.85).filled(),
                )?;
                p.text(&text, (s.x0 + pad, s.y0 + s.h / 2), LABEL);
                placed.push(s);
            }
            None => unlabelled += 1,
        }
    }

    // Legend.
    let row = px(34.0);
    let mut y = r.y0 + px(6.0);
    let sample = px(34.0);
    let text_x = legend_x + sample + px(12.0);
    let entry = |p: &mut Painter<'_>, s: &str, y: i32| p.text(s, (text_x, y), style::LAYER);
    let mid = |y: i32| y;
    disc(&mut p, (legend_x + sample / 2, mid(y)), dot, POINT.filled())?;
    entry(&mut p, &format!("variant ({} shown)", shown.len()), y);
    y += row;
    p.path(
        vec![(legend_x, y), (legend_x + sample, y)],
        ShapeStyle::from(&FRONT).stroke_width(line_w),
    )?;
    disc(
        &mut p,
        (legend_x + sample / 2, y),
        dot + px(2.0),
        FRONT.filled(),
    )?;
    entry(
        &mut p,
        &format!(
            "Pareto front ({} variant{})",
            front.len(),
            if front.len() == 1 { "" } else { "s" }
        ),
        y,
    );
    y += row;
    p.note(
        "none cooler at the same or lower Δp",
        (text_x, y - px(10.0)),
    );
    y += row - px(6.0);
    match chart.base.filter(|b| shown.contains(b)) {
        Some(b) => {
            let c = (legend_x + sample / 2, y);
            let s = dot + px(7.0);
            let diamond = vec![
                (c.0, c.1 - s),
                (c.0 + s, c.1),
                (c.0, c.1 + s),
                (c.0 - s, c.1),
                (c.0, c.1 - s),
            ];
            p.path(
                diamond,
                ShapeStyle::from(&RGBColor(0, 0, 0)).stroke_width(line_w),
            )?;
            let id = chart.points[b]
                .label
                .split_whitespace()
                .next()
                .unwrap_or_default();
            entry(&mut p, &format!("base design ({id})"), y);
        }
        None => {
            entry(&mut p, "base design: not marked", y);
            y += row - px(10.0);
            p.note(&chart.no_base, (text_x, y - px(10.0)));
        }
    }
    y += row;
    if let Some(l) = limit_shown {
        let style = ShapeStyle::from(&LIMIT).stroke_width((2.0 * sc).max(1.0) as u32);
        p.dashed(
            vec![(legend_x, y), (legend_x + sample, y)],
            dash / 2,
            dash / 4 + 1,
            style,
        )?;
        entry(&mut p, &format!("die limit {l:.1} °C"), y);
    } else if let Some(l) = chart.limit_c.filter(|l| l.is_finite()) {
        let side = if l > y_hi { "above" } else { "below" };
        entry(&mut p, &format!("die limit {l:.1} °C ({side} the plot)"), y);
    }

    // Notes under the plot.
    let mut notes = chart.notes.clone();
    if unlabelled > 0 {
        notes.push(format!(
            "{unlabelled} front point{} unlabelled for lack of room (see sweep.csv)",
            if unlabelled == 1 { "" } else { "s" }
        ));
    }
    notes.push("Δp: channel friction only (no manifolds or fittings)".into());
    let mut ny = r.y0 + r.h + px(90.0);
    for n in &notes {
        p.note(n, (r.x0, ny));
        ny += px(24.0);
    }
    p.finish()?;
    Ok(canvas)
}

/// Whether two pixel rectangles overlap.
fn overlaps(a: PxRect, b: PxRect) -> bool {
    a.x0 < b.x0 + b.w && b.x0 < a.x0 + a.w && a.y0 < b.y0 + b.h && b.y0 < a.y0 + a.h
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The front of small hand-made tables, worked out by hand.
    #[test]
    fn front_of_hand_made_tables_is_exact() {
        // A staircase with dominated points above it: (1,9) (2,5) (4,3) (7,2) are the front;
        // (3,6) is beaten by (2,5), (5,5) by (4,3), (8,2) by (7,2) (tie in y, larger x).
        let pts = [
            (4.0, 3.0),
            (3.0, 6.0),
            (1.0, 9.0),
            (7.0, 2.0),
            (5.0, 5.0),
            (2.0, 5.0),
            (8.0, 2.0),
        ];
        assert_eq!(pareto_front(&pts), [2, 5, 0, 3]);
        // Ties in x: the lower y wins; (2,7) is dominated by (2,5).
        assert_eq!(pareto_front(&[(2.0, 7.0), (2.0, 5.0), (1.0, 8.0)]), [2, 1]);
        // Exact duplicates on the front are both kept, in index order; a duplicate of a
        // dominated point is not.
        assert_eq!(
            pareto_front(&[(3.0, 3.0), (1.0, 4.0), (3.0, 3.0), (4.0, 4.0), (4.0, 4.0)]),
            [1, 0, 2]
        );
        // One point is its own front; none gives none.
        assert_eq!(pareto_front(&[(5.0, 80.0)]), [0]);
        assert!(pareto_front(&[]).is_empty());
        // All dominated but one: the lower-left point.
        assert_eq!(
            pareto_front(&[(3.0, 3.0), (2.0, 2.0), (1.0, 1.0), (1.5, 4.0)]),
            [2]
        );
        // Non-finite points are ignored, not fronted.
        assert_eq!(pareto_front(&[(f64::NAN, 1.0), (2.0, 2.0)]), [1]);
    }

    #[test]
    fn a_chart_of_one_point_and_of_none_draws() {
        let mut chart = ParetoChart {
            title: "t".into(),
            points: vec![SweepPoint {
                label: "v0000 flow_lpm=3".into(),
                dp_kpa: 20.0,
                peak_c: 80.0,
            }],
            base: Some(0),
            no_base: String::new(),
            limit_c: Some(90.0),
            notes: vec!["1 failed variant not shown".into()],
        };
        assert_eq!(draw_pareto(&chart, 800).map(|c| c.w).ok(), Some(800));
        chart.points.clear();
        chart.base = None;
        assert!(draw_pareto(&chart, 800).is_ok());
    }
}
