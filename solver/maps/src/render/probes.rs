//! `probes.png` of a transient run: each probe block's max temperature against time (a line
//! per probe, the block's limit dashed in the same colour) over the total power against time
//! (a lower panel sharing the time axis).
//!
//! A line chart rather than a map, but drawn like the maps: shapes with plotters into a
//! [`Canvas`], text last with `coldtray_assets::text`, sizes given at 1600 px width and
//! scaled, the PNG written atomically.

use std::path::Path;

use coldtray_assets::text::{HAlign, TextStyle, VAlign};
use coldtray_solver::results::Results;
use plotters::style::{Color, RGBColor, ShapeStyle};

use super::canvas::{nice_ticks, Canvas};
use super::draw::{mm_ticks, style, Painter, PxRect};
use crate::RenderError;

/// Line colours, one per probe in order (cycled past ten): distinguishable, and none of
/// them the grey of grid lines or the orange of the power panel.
const PALETTE: [[u8; 3]; 10] = [
    [31, 119, 180],
    [214, 39, 40],
    [44, 160, 44],
    [148, 103, 189],
    [140, 86, 75],
    [227, 119, 194],
    [23, 190, 207],
    [188, 189, 34],
    [0, 0, 128],
    [90, 90, 90],
];

/// Grid lines behind the curves.
const GRID: RGBColor = RGBColor(228, 228, 228);
/// The power trace: line and fill.
const POWER: RGBColor = RGBColor(230, 120, 20);
const POWER_FILL: RGBColor = RGBColor(252, 226, 200);

/// A limit shared by several probes.
const SHARED_LIMIT: [u8; 3] = [60, 60, 60];
/// The label over a limit line (coloured like the line).
const LIMIT_LABEL: TextStyle = TextStyle::new(15.0).align(HAlign::Left, VAlign::Bottom);
/// The title's first line (as `Painter::title` draws it), for fitting the design name.
const TITLE: TextStyle = TextStyle::new(30.0).bold(true);

/// Height of the image at 1600 px width, px.
const HEIGHT_AT_1600: f64 = 1010.0;

/// Where the two panels sit, at 1600 px width (scaled by the painter).
struct Layout {
    temp: PxRect,
    power: PxRect,
    legend_x: i32,
}

fn layout(w: u32, sc: f64) -> Layout {
    let px = |v: f64| (v * sc).round() as i32;
    let x0 = px(150.0);
    let width = w as i32 - x0 - px(370.0);
    Layout {
        temp: PxRect {
            x0,
            y0: px(130.0),
            w: width,
            h: px(520.0),
        },
        power: PxRect {
            x0,
            y0: px(720.0),
            w: width,
            h: px(200.0),
        },
        legend_x: x0 + width + px(30.0),
    }
}

/// The pixel size of `probes.png` at `width_px`: (width, height).
pub fn probes_size(width_px: u32) -> (u32, u32) {
    let sc = f64::from(width_px) / 1600.0;
    (width_px, (HEIGHT_AT_1600 * sc).round() as u32)
}

/// Draws `probes.png` for the transient run in `results` into the PNG `path`, `width_px`
/// wide (height from [`probes_size`]).
///
/// Errors: [`RenderError::NoFiniteTemperature`] when `results` has no transient run or no
/// finite probe temperature, [`RenderError::BadWidth`] for a width out of bounds.
pub fn render_probes(results: &Results, width_px: u32, path: &Path) -> Result<(), RenderError> {
    draw_probes(results, width_px)?.save_png(path)
}

/// [`render_probes`] into a canvas (for tests that read pixels).
pub fn draw_probes(results: &Results, width_px: u32) -> Result<Canvas, RenderError> {
    super::check_options(None, width_px)?;
    let none = || RenderError::NoFiniteTemperature {
        what: "the probe series".into(),
    };
    let tr = results.transient.as_ref().ok_or_else(none)?;
    let times = &tr.times_s;
    let t_end = times
        .last()
        .copied()
        .filter(|t| *t > 0.0)
        .ok_or_else(none)?;
    let limit_of = |name: &str| {
        results
            .blocks
            .iter()
            .find(|b| b.name == name)
            .and_then(|b| b.limit_c)
            .filter(|l| l.is_finite())
    };
    let finite = tr
        .probes
        .iter()
        .flat_map(|p| p.max_c.iter().copied())
        .chain(tr.probes.iter().filter_map(|p| limit_of(&p.name)))
        .filter(|v| v.is_finite());
    let (lo, hi) = finite.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
        (lo.min(v), hi.max(v))
    });
    if !lo.is_finite() {
        return Err(none());
    }
    let pad = ((hi - lo) * 0.06).max(0.5);
    let (t_lo, t_hi) = (lo - pad, hi + pad);

    let (w, h) = probes_size(width_px);
    let mut canvas = Canvas::new(w, h);
    let sc = f64::from(w) / 1600.0;
    let lay = layout(w, sc);
    let mut p = Painter::new(&mut canvas, sc);
    let end = format_s(t_end);
    let title = fit(
        &mut p,
        &format!("Probe temperatures — {}", results.design),
        TITLE,
        w as i32 - lay.temp.x0 - (20.0 * sc) as i32,
    )?;
    p.title(
        &[
            title,
            format!(
                "block max temperature of {} probe{} over {end} s; dashed: the block's limit",
                tr.probes.len(),
                if tr.probes.len() == 1 { "" } else { "s" }
            ),
        ],
        lay.temp.x0,
    );

    let x_of = |r: PxRect, t: f64| r.x0 + ((t / t_end) * f64::from(r.w - 1)).round() as i32;
    let time_ticks = mm_ticks(0.0, t_end, lay.temp.w);
    let line_w = (2.5 * sc).max(1.0) as u32;

    // Temperature panel.
    let r = lay.temp;
    let y_of =
        |v: f64| r.y0 + r.h - 1 - ((v - t_lo) / (t_hi - t_lo) * f64::from(r.h - 1)).round() as i32;
    let (ticks, d) = nice_ticks(t_lo, t_hi, (r.h / 55).clamp(4, 12) as usize);
    grid(&mut p, r, &ticks, y_of, &time_ticks, |t| x_of(r, t))?;
    // Limits: one dashed line per distinct limit, in the probe's colour, or dark grey with
    // the blocks named when several probes share it (dashes of two colours would overlap).
    let mut limits: Vec<(f64, Vec<usize>)> = Vec::new();
    for (n, probe) in tr.probes.iter().enumerate() {
        if let Some(l) = limit_of(&probe.name) {
            match limits.iter_mut().find(|(v, _)| *v == l) {
                Some((_, who)) => who.push(n),
                None => limits.push((l, vec![n])),
            }
        }
    }
    for (limit, who) in &limits {
        let c = match who[..] {
            [n] => PALETTE[n % PALETTE.len()],
            _ => SHARED_LIMIT,
        };
        let y = y_of(*limit);
        let dash = (14.0 * sc).max(4.0) as u32;
        let style =
            ShapeStyle::from(&RGBColor(c[0], c[1], c[2])).stroke_width((2.0 * sc).max(1.0) as u32);
        p.dashed(
            vec![(r.x0, y), (r.x0 + r.w - 1, y)],
            dash,
            dash / 2 + 1,
            style,
        )?;
        let names: Vec<&str> = who.iter().map(|&n| tr.probes[n].name.as_str()).collect();
        let label = format!("limit {limit:.1} °C: {}", names.join(", "));
        let at = (r.x0 + (10.0 * sc) as i32, y - (4.0 * sc) as i32);
        p.text(&label, at, LIMIT_LABEL.rgb(c));
    }
    for (n, probe) in tr.probes.iter().enumerate() {
        let c = PALETTE[n % PALETTE.len()];
        let style = ShapeStyle::from(&RGBColor(c[0], c[1], c[2])).stroke_width(line_w);
        for run in finite_runs(times, &probe.max_c) {
            let pts: Vec<(i32, i32)> = run.iter().map(|&(t, v)| (x_of(r, t), y_of(v))).collect();
            p.path(pts, style)?;
        }
    }
    let labels: Vec<(f64, String)> = ticks.iter().map(|v| (*v, format!("{v:.d$}"))).collect();
    p.ticks(r, &labels, y_of, false)?;
    let blank: Vec<(f64, String)> = time_ticks
        .iter()
        .map(|(v, _)| (*v, String::new()))
        .collect();
    p.ticks(r, &blank, |t| x_of(r, t), true)?;
    p.axis_labels(r, "", "temperature (°C)", (95.0 * sc) as i32)?;

    // Legend: a line sample and the probe's name (and limit) per probe.
    let row = (30.0 * sc) as i32;
    let mut y = r.y0 + (6.0 * sc) as i32;
    p.text(
        "probes (block max)",
        (lay.legend_x, y),
        style::AXIS.bold(true),
    );
    y += row + (6.0 * sc) as i32;
    for (n, probe) in tr.probes.iter().enumerate() {
        let c = PALETTE[n % PALETTE.len()];
        let colour = RGBColor(c[0], c[1], c[2]);
        let mid = y + row / 2;
        let sample = (lay.legend_x, mid);
        let len = (34.0 * sc) as i32;
        p.path(
            vec![sample, (sample.0 + len, mid)],
            ShapeStyle::from(&colour).stroke_width(line_w),
        )?;
        let label = match limit_of(&probe.name) {
            Some(l) => format!("{}  (limit {l:.0} °C)", probe.name),
            None => probe.name.clone(),
        };
        let text = style::LAYER;
        p.text(&label, (sample.0 + len + (10.0 * sc) as i32, mid), text);
        y += row;
        if y + row > lay.power.y0 + lay.power.h {
            p.note("… (more probes in probes.csv)", (lay.legend_x, y));
            break;
        }
    }

    // Power panel: the total block power, constant over each step (its step average).
    let r = lay.power;
    let p_max = tr
        .power_w
        .iter()
        .copied()
        .filter(|v| v.is_finite())
        .fold(0.0_f64, f64::max);
    let p_hi = if p_max > 0.0 { p_max * 1.12 } else { 1.0 };
    let yp = |v: f64| r.y0 + r.h - 1 - (v / p_hi * f64::from(r.h - 1)).round() as i32;
    let (pticks, pd) = nice_ticks(0.0, p_hi, (r.h / 50).clamp(3, 6) as usize);
    grid(&mut p, r, &pticks, yp, &time_ticks, |t| x_of(r, t))?;
    if tr.power_w.len() == times.len() && !times.is_empty() {
        let mut pts = vec![(x_of(r, 0.0), yp(0.0))];
        let mut start = 0.0;
        for (&t, &pw) in times.iter().zip(&tr.power_w) {
            let pw = if pw.is_finite() { pw } else { 0.0 };
            pts.push((x_of(r, start), yp(pw)));
            pts.push((x_of(r, t), yp(pw)));
            start = t;
        }
        pts.push((x_of(r, t_end), yp(0.0)));
        p.polygon(pts.clone(), POWER_FILL.filled())?;
        let line = pts[1..pts.len() - 1].to_vec();
        p.path(line, ShapeStyle::from(&POWER).stroke_width(line_w))?;
    } else {
        p.note(
            "no power trace recorded in these results",
            (r.x0 + (12.0 * sc) as i32, r.y0 + (12.0 * sc) as i32),
        );
    }
    let labels: Vec<(f64, String)> = pticks.iter().map(|v| (*v, format!("{v:.pd$}"))).collect();
    p.ticks(r, &labels, yp, false)?;
    p.ticks(r, &time_ticks, |t| x_of(r, t), true)?;
    p.axis_labels(r, "time (s)", "power (W)", (95.0 * sc) as i32)?;
    p.text(
        "total block power",
        (lay.legend_x, r.y0 + (6.0 * sc) as i32),
        style::AXIS.bold(true),
    );
    let mid = r.y0 + (6.0 * sc) as i32 + row + row / 2;
    let len = (34.0 * sc) as i32;
    p.path(
        vec![(lay.legend_x, mid), (lay.legend_x + len, mid)],
        ShapeStyle::from(&POWER).stroke_width(line_w),
    )?;
    p.text(
        "W, step average",
        (lay.legend_x + len + (10.0 * sc) as i32, mid),
        style::LAYER,
    );
    p.finish()?;
    Ok(canvas)
}

/// Light grid lines at the value ticks (horizontal) and time ticks (vertical) of panel `r`.
fn grid(
    p: &mut Painter<'_>,
    r: PxRect,
    values: &[f64],
    y_of: impl Fn(f64) -> i32,
    times: &[(f64, String)],
    x_of: impl Fn(f64) -> i32,
) -> Result<(), RenderError> {
    let line = ShapeStyle::from(&GRID).stroke_width(1);
    for &v in values {
        let y = y_of(v);
        p.path(vec![(r.x0, y), (r.x0 + r.w - 1, y)], line)?;
    }
    for (t, _) in times {
        let x = x_of(*t);
        p.path(vec![(x, r.y0), (x, r.y0 + r.h - 1)], line)?;
    }
    Ok(())
}

/// `s` cut to fit `max_w` pixels in `style`, ending in "…" when cut.
pub(crate) fn fit(
    p: &mut Painter<'_>,
    s: &str,
    style: TextStyle,
    max_w: i32,
) -> Result<String, RenderError> {
    if p.text_width(s, style)? <= max_w {
        return Ok(s.to_string());
    }
    let mut chars: Vec<char> = s.chars().collect();
    while !chars.is_empty() {
        chars.pop();
        let cut: String = chars.iter().collect::<String>().trim_end().to_string() + "…";
        if p.text_width(&cut, style)? <= max_w {
            return Ok(cut);
        }
    }
    Ok(String::new())
}

/// The (time, value) points of a series split where a value is not finite, so a NaN breaks
/// the line instead of drawing it to a wrong place.
fn finite_runs(times: &[f64], values: &[f64]) -> Vec<Vec<(f64, f64)>> {
    let mut runs = vec![Vec::new()];
    for (&t, &v) in times.iter().zip(values) {
        if v.is_finite() && t.is_finite() {
            if let Some(r) = runs.last_mut() {
                r.push((t, v));
            }
        } else if runs.last().is_some_and(|r| !r.is_empty()) {
            runs.push(Vec::new());
        }
    }
    runs.retain(|r| !r.is_empty());
    runs
}

/// A time in s without trailing zeros: 2, 0.5, 12.25.
fn format_s(t: f64) -> String {
    let s = format!("{t:.3}");
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nan_breaks_a_line() {
        let runs = finite_runs(&[1.0, 2.0, 3.0, 4.0], &[1.0, f64::NAN, 3.0, 4.0]);
        assert_eq!(runs, vec![vec![(1.0, 1.0)], vec![(3.0, 3.0), (4.0, 4.0)]]);
        assert_eq!(format_s(2.0), "2");
        assert_eq!(format_s(0.25), "0.25");
    }
}
