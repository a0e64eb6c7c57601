//! `hydraulics.png` of a solved coolant loop: on the left the loop's system curve (Δp supply →
//! return against total flow) with the pump curve and the operating point marked and
//! labelled; on the right the flow of every channel field as a bar, with the mean as a dashed
//! line and each bar's deviation from it in per cent (and its balancing orifice's bore, when
//! the loop is balanced).
//!
//! Drawn like `pareto.png`: shapes with plotters into a [`Canvas`], text last with
//! `coldtray_assets::text`, sizes given at 1600 px width and scaled, the PNG written
//! atomically. The input is plain numbers ([`HydraulicsPlot`]), so the chart knows nothing of
//! the solver's types.

use std::path::Path;

use coldtray_assets::text::{HAlign, TextStyle, VAlign};
use plotters::style::{Color, RGBAColor, RGBColor, ShapeStyle};

use super::canvas::{nice_ticks, Canvas};
use super::draw::{crosses, disc, style, Painter, PxRect};
use super::probes::fit;
use crate::RenderError;

/// What `hydraulics.png` shows. Points with a non-finite coordinate are left out.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct HydraulicsPlot<'a> {
    /// First title line (the design's name).
    pub title: &'a str,
    /// The loop's system curve, `(flow_lpm, dp_kpa)`, flows ascending.
    pub system_curve: &'a [(f64, f64)],
    /// The pump curve, `(flow_lpm, head_kpa)`, when a pump drives the loop.
    pub pump_curve: Option<&'a [(f64, f64)]>,
    /// The operating point, `(flow_lpm, dp_kpa)`.
    pub operating_point: (f64, f64),
    /// Every channel field's flow, `(name, flow_lpm)`, in the order to draw.
    pub field_flows: &'a [(String, f64)],
    /// Bores of balancing orifices, `(field name, diameter_mm)` (empty: not balanced).
    pub balance_mm: &'a [(String, f64)],
}

/// Height of the image at 1600 px width, px.
const HEIGHT_AT_1600: f64 = 860.0;
/// The system curve.
const SYSTEM: RGBColor = RGBColor(40, 90, 170);
/// The pump curve.
const PUMP: RGBColor = RGBColor(215, 110, 20);
/// The operating-point marker's fill (tests look for it).
pub const OPERATING_POINT_RGB: [u8; 3] = [200, 30, 30];
const OPERATING: RGBColor = RGBColor(
    OPERATING_POINT_RGB[0],
    OPERATING_POINT_RGB[1],
    OPERATING_POINT_RGB[2],
);
/// The bars.
const BAR: RGBColor = RGBColor(120, 160, 205);
/// The mean line.
const MEAN: RGBColor = RGBColor(40, 40, 40);
/// Grid lines.
const GRID: RGBColor = RGBColor(228, 228, 228);
/// Panel headings.
const HEADING: TextStyle = TextStyle::new(20.0)
    .bold(true)
    .rgb([25, 25, 25])
    .align(HAlign::Left, VAlign::Bottom);
/// The title's first line (as `Painter::title` draws it), for fitting the design name.
const TITLE: TextStyle = TextStyle::new(30.0).bold(true);
/// Labels over the bars.
const BAR_LABEL: TextStyle = TextStyle::new(15.0)
    .rgb([25, 25, 25])
    .align(HAlign::Center, VAlign::Bottom);
/// Field names under the bars.
const BAR_NAME: TextStyle = TextStyle::new(15.0)
    .rgb([25, 25, 25])
    .align(HAlign::Center, VAlign::Top);
/// The operating point's label.
const OP_LABEL: TextStyle = TextStyle::new(16.0)
    .bold(true)
    .rgb([150, 20, 20])
    .align(HAlign::Left, VAlign::Center);

/// Where the left panel puts a `(flow_lpm, dp_kpa)` point: its rectangle and ranges.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CurveAxes {
    /// The panel, px: left, top, width, height.
    pub rect: (i32, i32, i32, i32),
    /// Flow range of the x axis, L/min.
    pub flow_lpm: (f64, f64),
    /// Δp range of the y axis, kPa.
    pub dp_kpa: (f64, f64),
}

impl CurveAxes {
    /// The pixel of `(flow_lpm, dp_kpa)`.
    pub fn to_px(&self, flow_lpm: f64, dp_kpa: f64) -> (i32, i32) {
        let (x0, y0, w, h) = self.rect;
        let (q0, q1) = self.flow_lpm;
        let (p0, p1) = self.dp_kpa;
        (
            x0 + ((flow_lpm - q0) / (q1 - q0) * f64::from(w - 1)).round() as i32,
            y0 + h - 1 - ((dp_kpa - p0) / (p1 - p0) * f64::from(h - 1)).round() as i32,
        )
    }
}

/// Default width of `hydraulics.png`, px (the maps' default).
pub const HYDRAULICS_WIDTH_PX: u32 = 1600;

/// Draws `plot` into the PNG `path`, [`HYDRAULICS_WIDTH_PX`] wide and 860 px high (another
/// width: [`draw_hydraulics`] and [`Canvas::save_png`]).
pub fn hydraulics_png(path: &Path, plot: &HydraulicsPlot<'_>) -> Result<(), RenderError> {
    draw_hydraulics(plot, HYDRAULICS_WIDTH_PX)?.0.save_png(path)
}

fn finite(points: &[(f64, f64)]) -> Vec<(f64, f64)> {
    points
        .iter()
        .copied()
        .filter(|p| p.0.is_finite() && p.1.is_finite())
        .collect()
}

/// [`hydraulics_png`] into a canvas `width_px` wide (height 860/1600 of the width), with the
/// left panel's axes (for tests that read pixels).
pub fn draw_hydraulics(
    plot: &HydraulicsPlot<'_>,
    width_px: u32,
) -> Result<(Canvas, CurveAxes), RenderError> {
    super::check_options(None, width_px)?;
    let w = width_px;
    let sc = f64::from(w) / 1600.0;
    let h = (HEIGHT_AT_1600 * sc).round() as u32;
    let px = |v: f64| (v * sc).round() as i32;
    let left = PxRect {
        x0: px(120.0),
        y0: px(170.0),
        w: px(610.0),
        h: px(540.0),
    };
    let right = PxRect {
        x0: px(900.0),
        y0: left.y0,
        w: w as i32 - px(900.0) - px(40.0),
        h: left.h,
    };
    let system = finite(plot.system_curve);
    let pump = plot.pump_curve.map(finite).unwrap_or_default();
    let op = plot.operating_point;
    let op_shown = op.0.is_finite() && op.1.is_finite();

    // Left panel ranges: from 0 to 8 % beyond the largest flow and drop shown.
    let all = system
        .iter()
        .chain(&pump)
        .chain(op_shown.then_some(&op))
        .copied();
    let (q_max, p_max) = all.fold((0.0_f64, 0.0_f64), |(q, p), (a, b)| (q.max(a), p.max(b)));
    let q_hi = if q_max > 0.0 { q_max * 1.08 } else { 1.0 };
    let p_hi = if p_max > 0.0 { p_max * 1.08 } else { 1.0 };
    let axes = CurveAxes {
        rect: (left.x0, left.y0, left.w, left.h),
        flow_lpm: (0.0, q_hi),
        dp_kpa: (0.0, p_hi),
    };
    let to_px = |q: f64, p: f64| axes.to_px(q.clamp(0.0, q_hi), p.clamp(0.0, p_hi));

    let mut canvas = Canvas::new(w, h);
    let mut p = Painter::new(&mut canvas, sc);
    let title = fit(
        &mut p,
        &format!("Coolant loop — {}", plot.title),
        TITLE,
        w as i32 - left.x0 - px(20.0),
    )?;
    let subtitle = match (op_shown, plot.pump_curve.is_some()) {
        (true, true) => format!(
            "the pump runs at {:.2} L/min against {:.1} kPa; flow per channel field",
            op.0, op.1
        ),
        (true, false) => format!(
            "fixed flow {:.2} L/min at {:.1} kPa; flow per channel field",
            op.0, op.1
        ),
        _ => "flow per channel field".into(),
    };
    let subtitle = fit(
        &mut p,
        &subtitle,
        TextStyle::new(19.0),
        w as i32 - left.x0 - px(20.0),
    )?;
    p.title(&[title, subtitle], left.x0);
    let heading_y = left.y0 - px(16.0);
    let h1 = fit(&mut p, "System curve and operating point", HEADING, left.w)?;
    p.text(&h1, (left.x0, heading_y), HEADING);
    let h2 = fit(&mut p, "Flow per channel field", HEADING, right.w)?;
    p.text(&h2, (right.x0, heading_y), HEADING);

    // Left panel: grid, ticks, curves, the operating point.
    let grid = ShapeStyle::from(&GRID).stroke_width(1);
    let (xt, xd) = nice_ticks(0.0, q_hi, (left.w / 110).clamp(3, 10) as usize);
    let (yt, yd) = nice_ticks(0.0, p_hi, (left.h / 70).clamp(3, 10) as usize);
    for &v in &xt {
        let x = to_px(v, 0.0).0;
        p.path(vec![(x, left.y0), (x, left.y0 + left.h - 1)], grid)?;
    }
    for &v in &yt {
        let y = to_px(0.0, v).1;
        p.path(vec![(left.x0, y), (left.x0 + left.w - 1, y)], grid)?;
    }
    let labels = |t: &[f64], d: usize| -> Vec<(f64, String)> {
        t.iter().map(|v| (*v, format!("{v:.d$}"))).collect()
    };
    p.ticks(left, &labels(&xt, xd), |v| to_px(v, 0.0).0, true)?;
    p.ticks(left, &labels(&yt, yd), |v| to_px(0.0, v).1, false)?;
    p.axis_labels(
        left,
        "total flow (L/min)",
        "pressure drop / head (kPa)",
        px(80.0),
    )?;
    let line_w = (3.0 * sc).max(1.0) as u32;
    if system.len() > 1 {
        let pts = system.iter().map(|&(q, d)| to_px(q, d)).collect();
        p.path(pts, ShapeStyle::from(&SYSTEM).stroke_width(line_w))?;
    }
    if pump.len() > 1 {
        let pts = pump.iter().map(|&(q, d)| to_px(q, d)).collect();
        p.path(pts, ShapeStyle::from(&PUMP).stroke_width(line_w))?;
    }
    let dot = (7.0 * sc).max(3.0) as i32;
    if op_shown {
        let c = to_px(op.0, op.1);
        // Guides to the axes, then the marker: a white ring and the red disc.
        let guide = ShapeStyle::from(&OPERATING.mix(0.6)).stroke_width(1);
        let dash = (8.0 * sc).max(3.0) as u32;
        p.dashed(
            vec![(left.x0, c.1), c, (c.0, left.y0 + left.h - 1)],
            dash,
            dash,
            guide,
        )?;
        disc(&mut p, c, dot + px(3.0), RGBColor(255, 255, 255).filled())?;
        disc(&mut p, c, dot, OPERATING.filled())?;
        // Two short lines fit between the curves more often than one long one.
        let label = [
            "operating point".to_string(),
            format!("{:.2} L/min, {:.1} kPa", op.0, op.1),
        ];
        let pad = px(5.0);
        let tw = p
            .text_width(&label[0], OP_LABEL)?
            .max(p.text_width(&label[1], OP_LABEL)?)
            + 2 * pad;
        let row = (f64::from(OP_LABEL.size_px) * sc * 1.3) as i32;
        let lh = 2 * row + pad;
        // The first of ten spots around the point (level with it, at its corners, further
        // out) inside the panel and clear of both curves; else the first inside the panel.
        let off = dot + px(8.0);
        // Level with the point first: left of it lies the open wedge between a rising system
        // curve (below) and a falling pump curve (above).
        let spots = [
            (c.0 - 3 * off - tw, c.1 - lh / 2),
            (c.0 + 3 * off, c.1 - lh / 2),
            (c.0 + off, c.1 + off),
            (c.0 - off - tw, c.1 - off - lh),
            (c.0 + off, c.1 - off - lh),
            (c.0 - off - tw, c.1 + off),
            (c.0 + off, c.1 + 4 * off),
            (c.0 - off - tw, c.1 - 4 * off - lh),
            (c.0 + off, c.1 - 4 * off - lh),
            (c.0 - off - tw, c.1 + 4 * off),
        ];
        let inside = |&(x, y): &(i32, i32)| {
            x >= left.x0 + px(4.0)
                && y >= left.y0 + px(4.0)
                && x + tw <= left.x0 + left.w - px(4.0)
                && y + lh <= left.y0 + left.h - px(4.0)
        };
        let curves: Vec<Vec<(i32, i32)>> = [&system, &pump]
            .iter()
            .map(|pts| pts.iter().map(|&(q, d)| to_px(q, d)).collect())
            .collect();
        let clear = |&(x, y): &(i32, i32)| {
            // Clear of the curves' stroke too.
            let m = line_w as i32 + px(2.0);
            let r = PxRect {
                x0: x - m,
                y0: y - m,
                w: tw + 2 * m,
                h: lh + 2 * m,
            };
            !curves.iter().any(|pts| crosses(pts, r))
        };
        let (lx, ly) = spots
            .iter()
            .copied()
            .find(|s| inside(s) && clear(s))
            .or_else(|| spots.iter().copied().find(|s| inside(s)))
            .unwrap_or((left.x0 + px(4.0), left.y0 + px(4.0)));
        p.rect(
            (lx, ly),
            (lx + tw, ly + lh),
            RGBAColor(255, 255, 255, 0.85).filled(),
        )?;
        for (i, line) in label.iter().enumerate() {
            let y = ly + pad / 2 + row / 2 + i as i32 * row;
            p.text(line, (lx + pad, y), OP_LABEL);
        }
    }
    // Legend under the left panel.
    let mut lx = left.x0;
    let ly = left.y0 + left.h + px(100.0);
    let sample = px(34.0);
    let mut entry =
        |p: &mut Painter<'_>, colour: RGBColor, text: &str| -> Result<(), RenderError> {
            p.path(
                vec![(lx, ly), (lx + sample, ly)],
                ShapeStyle::from(&colour).stroke_width(line_w),
            )?;
            p.text(text, (lx + sample + px(8.0), ly), style::LAYER);
            lx += sample + px(16.0) + p.text_width(text, style::LAYER)? + px(24.0);
            Ok(())
        };
    entry(&mut p, SYSTEM, "system curve (loop Δp)")?;
    if plot.pump_curve.is_some() {
        entry(&mut p, PUMP, "pump curve (head)")?;
    }
    if system.len() < 2 {
        p.note("no system curve to draw", (left.x0, ly + px(24.0)));
    }

    // Right panel: bars of the flow per field, the mean, deviations.
    let flows: Vec<(String, f64)> = plot
        .field_flows
        .iter()
        .filter(|f| f.1.is_finite())
        .cloned()
        .collect();
    let n = flows.len();
    let mean = if n > 0 {
        flows.iter().map(|f| f.1).sum::<f64>() / n as f64
    } else {
        f64::NAN
    };
    let f_max = flows.iter().map(|f| f.1).fold(0.0_f64, f64::max);
    let f_hi = if f_max > 0.0 { f_max * 1.15 } else { 1.0 };
    let y_of = |v: f64| {
        right.y0 + right.h
            - 1
            - ((v.clamp(0.0, f_hi)) / f_hi * f64::from(right.h - 1)).round() as i32
    };
    let (bt, bd) = nice_ticks(0.0, f_hi, (right.h / 70).clamp(3, 10) as usize);
    for &v in &bt {
        p.path(
            vec![(right.x0, y_of(v)), (right.x0 + right.w - 1, y_of(v))],
            grid,
        )?;
    }
    p.ticks(right, &labels(&bt, bd), y_of, false)?;
    p.axis_labels(right, "", "flow (L/min)", px(70.0))?;
    if n > 0 {
        let slot = f64::from(right.w) / n as f64;
        let bar_w = ((slot * 0.6) as i32).max(1);
        let label_w = (slot * 0.95) as i32;
        for (i, (name, q)) in flows.iter().enumerate() {
            let cx = right.x0 + ((i as f64 + 0.5) * slot).round() as i32;
            let top = y_of(*q);
            p.rect(
                (cx - bar_w / 2, top),
                (cx + bar_w / 2, right.y0 + right.h - 1),
                BAR.filled(),
            )?;
            let dev = if mean > 0.0 {
                (q / mean - 1.0) * 100.0
            } else {
                0.0
            };
            let dev = fit(&mut p, &format!("{dev:+.1} %"), BAR_LABEL, label_w)?;
            p.text(&dev, (cx, top - px(4.0)), BAR_LABEL);
            let bore = plot.balance_mm.iter().find(|b| b.0 == *name);
            let shown = fit(&mut p, name, BAR_NAME, label_w)?;
            let ny = right.y0 + right.h + px(8.0);
            p.text(&shown, (cx, ny), BAR_NAME);
            if let Some((_, d)) = bore.filter(|b| b.1.is_finite()) {
                let s = fit(&mut p, &format!("⌀ {d:.2} mm"), BAR_NAME, label_w)?;
                p.text(&s, (cx, ny + px(22.0)), BAR_NAME.rgb([90, 90, 90]));
            }
        }
        let style = ShapeStyle::from(&MEAN).stroke_width((2.0 * sc).max(1.0) as u32);
        let dash = (12.0 * sc).max(4.0) as u32;
        let my = y_of(mean);
        p.dashed(
            vec![(right.x0, my), (right.x0 + right.w - 1, my)],
            dash,
            dash / 2 + 1,
            style,
        )?;
        let label = format!("mean {mean:.3} L/min");
        let tw = p.text_width(&label, style::NOTE)?;
        let (lx, ly) = (right.x0 + right.w - tw - px(10.0), right.y0 + px(8.0));
        p.rect(
            (lx - px(4.0), ly - px(2.0)),
            (lx + tw + px(4.0), ly + px(22.0)),
            RGBAColor(255, 255, 255, 0.85).filled(),
        )?;
        p.text(&label, (lx, ly), style::NOTE.rgb([25, 25, 25]));
        let spread = flows.iter().map(|f| f.1).fold(f64::NEG_INFINITY, f64::max)
            - flows.iter().map(|f| f.1).fold(f64::INFINITY, f64::min);
        let note = format!(
            "{n} field{}, total {:.2} L/min, spread (max − min)/mean {:.1} %{}",
            if n == 1 { "" } else { "s" },
            mean * n as f64,
            if mean > 0.0 {
                spread / mean * 100.0
            } else {
                0.0
            },
            if plot.balance_mm.is_empty() {
                ""
            } else {
                "; ⌀ = bore of the field's balancing orifice"
            }
        );
        let note = fit(&mut p, &note, style::NOTE, right.w)?;
        p.note(&note, (right.x0, left.y0 + left.h + px(90.0)));
    } else {
        p.note(
            "no channel field flows to draw",
            (right.x0, right.y0 + px(10.0)),
        );
    }
    p.finish()?;
    Ok((canvas, axes))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    /// A loop Δp = 0.4 Q² kPa against a pump H = 60 − 0.2 Q² kPa: they meet at
    /// Q = √(60/0.6) = 10 L/min, 40 kPa.
    /// `(flow_lpm, kPa)` points.
    type Points = Vec<(f64, f64)>;

    fn curves() -> (Points, Points) {
        let q = |i: i32| f64::from(i) * 0.5;
        let system = (0..=28).map(|i| (q(i), 0.4 * q(i) * q(i))).collect();
        let pump = (0..=34).map(|i| (q(i), 60.0 - 0.2 * q(i) * q(i))).collect();
        (system, pump)
    }

    fn fields() -> Vec<(String, f64)> {
        ["gpu0", "gpu1", "gpu2", "gpu3", "cpu0", "cpu1"]
            .iter()
            .zip([2.0, 2.1, 2.1, 2.0, 0.9, 0.9])
            .map(|(n, q)| (n.to_string(), q))
            .collect()
    }

    #[test]
    fn png_is_written_with_its_size() {
        let (system, pump) = curves();
        let f = fields();
        let bores = vec![("gpu0".to_string(), 3.21)];
        let plot = HydraulicsPlot {
            title: "tray-vr200",
            system_curve: &system,
            pump_curve: Some(&pump),
            operating_point: (10.0, 40.0),
            field_flows: &f,
            balance_mm: &bores,
        };
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("hydraulics.png");
        hydraulics_png(&path, &plot).unwrap();
        let bytes = std::fs::read(&path).unwrap();
        assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n");
        let be =
            |o: usize| u32::from_be_bytes([bytes[o], bytes[o + 1], bytes[o + 2], bytes[o + 3]]);
        assert_eq!((be(16), be(20)), (1600, 860));
        if let Ok(dir) = std::env::var("COLDTRAY_KEEP_PNG") {
            std::fs::copy(&path, Path::new(&dir).join("hydraulics.png")).unwrap();
        }
    }

    /// The marker's red pixels are centred where the axes put the operating point, and that
    /// point is where the tick labels say: the pixel of (10 L/min, 40 kPa) is 10/q_hi of the
    /// way across and 40/p_hi of the way up the panel.
    #[test]
    fn the_operating_point_marker_is_where_the_axes_put_it() {
        let (system, pump) = curves();
        let f = fields();
        for width in [1600, 800] {
            let plot = HydraulicsPlot {
                title: "t",
                system_curve: &system,
                pump_curve: Some(&pump),
                operating_point: (10.0, 40.0),
                field_flows: &f,
                balance_mm: &[],
            };
            let (c, axes) = draw_hydraulics(&plot, width).unwrap();
            let (x0, y0, w, h) = axes.rect;
            // Ranges: 8 % beyond the largest flow (17 L/min) and drop (0.4·14² = 78.4 kPa).
            assert!((axes.flow_lpm.1 - 17.0 * 1.08).abs() < 1e-9);
            assert!((axes.dp_kpa.1 - 78.4 * 1.08).abs() < 1e-9);
            let want = (
                f64::from(x0) + 10.0 / (17.0 * 1.08) * f64::from(w - 1),
                f64::from(y0 + h - 1) - 40.0 / (78.4 * 1.08) * f64::from(h - 1),
            );
            let (mut sx, mut sy, mut count) = (0.0, 0.0, 0.0);
            for y in y0..y0 + h {
                for x in x0..x0 + w {
                    if c.get(x as u32, y as u32) == OPERATING_POINT_RGB {
                        sx += f64::from(x);
                        sy += f64::from(y);
                        count += 1.0;
                    }
                }
            }
            assert!(count > 20.0, "{width}: marker has {count} pixels");
            let got = (sx / count, sy / count);
            // Within a pixel and a half: rounding of the centre and of the 24-gon.
            assert!(
                (got.0 - want.0).abs() < 1.5 && (got.1 - want.1).abs() < 1.5,
                "{width}: marker at {got:?}, axes put it at {want:?}"
            );
        }
    }

    #[test]
    fn empty_input_and_a_long_title_draw() {
        let long = "a very long design name ".repeat(20);
        let plot = HydraulicsPlot {
            title: &long,
            system_curve: &[],
            pump_curve: None,
            operating_point: (f64::NAN, f64::NAN),
            field_flows: &[],
            balance_mm: &[],
        };
        let (c, _) = draw_hydraulics(&plot, 600).unwrap();
        // The title was cut to fit: its right margin stays white.
        for y in 0..40 {
            for x in c.w - 8..c.w {
                assert_eq!(c.get(x, y), [255, 255, 255], "({x}, {y})");
            }
        }
        assert!(draw_hydraulics(&plot, 100).is_err());
    }
}
