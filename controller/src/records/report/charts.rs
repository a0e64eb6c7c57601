//! The report's PNG charts: first-pass yield per group and the Pareto of reasons as
//! horizontal bars (the group names and reason sentences read in full on the left), and the
//! individuals control chart of the leak rates with its control limits and the leak limit.
//!
//! Shapes are drawn with plotters and every text afterwards by the workspace's one text
//! layout (`coldtray_assets::text`, through the trace plot's text queue and axes), so the
//! charts look like the trace plots and need no installed fonts.

use std::path::Path;

use coldtray_assets::text::{HAlign, TextStyle, VAlign};
use plotters::prelude::*;

use super::control::Individuals;
use super::pareto::ParetoRow;
use super::yields::YieldRow;
use crate::records::plot::{
    ensure_font, legend, legend_rows, mesh, shortened, width_px, write_png, Swatch, Texts, INK,
    LABEL, LEGEND_ROW_PX, TICK,
};
use crate::records::record::RecordError;

/// Chart width, pixels.
const WIDTH_PX: u32 = 1000;
/// Height of the title band, pixels.
const TITLE_BAND_PX: i32 = 44;
/// Height of one bar's row, pixels.
const ROW_PX: i32 = 26;
/// Room below the bars for the tick labels and the axis description, pixels.
const AXIS_BAND_PX: i32 = 56;
/// Widest the label column may be, pixels (longer labels are shortened with "…").
const MAX_LABEL_PX: f32 = 400.0;
/// Room right of the bars for the note of a full-length bar, pixels.
const NOTE_PX: i32 = 230;
/// The control chart's height, pixels.
const CONTROL_HEIGHT_PX: u32 = 520;

const TITLE: TextStyle = TextStyle::new(18.0).bold(true).rgb(INK);
const FAIL_RGB: RGBColor = RGBColor(200, 30, 30);
const ABORT_RGB: RGBColor = RGBColor(190, 100, 0);
const PASS_RGB: RGBColor = RGBColor(20, 130, 50);

/// One horizontal bar.
struct Bar {
    label: String,
    /// Length on the value axis; `None`: no bar (the note says why).
    value: Option<f64>,
    colour: RGBColor,
    note: String,
}

fn plot_err(path: &Path) -> impl Fn(String) -> RecordError + '_ {
    move |message| RecordError::Plot {
        path: path.to_path_buf(),
        message,
    }
}

/// A round step for about `n` ticks up to `max` (1, 2 or 5 × a power of ten).
fn nice_step(max: f64, n: f64) -> f64 {
    let raw = (max / n).max(f64::MIN_POSITIVE);
    let p = 10f64.powf(raw.log10().floor());
    [1.0, 2.0, 5.0, 10.0]
        .iter()
        .map(|m| m * p)
        .find(|s| *s >= raw)
        .unwrap_or(10.0 * p)
}

/// `label` shortened with "…" to fit `room` pixels in `style`.
fn fit(label: &str, style: &TextStyle, room: f32) -> Result<String, String> {
    let chars: Vec<char> = label.chars().collect();
    let mut keep = chars.len();
    let mut s = shortened(&chars, keep);
    while width_px(&s, style)? > room && keep > 0 {
        keep -= 1;
        s = shortened(&chars, keep);
    }
    Ok(s)
}

/// Draws horizontal bars (one row each, top to bottom) on a value axis from 0 to `x_max`.
fn hbars(
    title: &str,
    x_desc: &str,
    bars: &[Bar],
    x_max: f64,
    step: f64,
    path: &Path,
) -> Result<(), RecordError> {
    let err = plot_err(path);
    ensure_font().map_err(&err)?;
    let rows = bars.len().max(1) as i32;
    let height = (TITLE_BAND_PX + 16 + rows * ROW_PX + AXIS_BAND_PX) as u32;
    let mut rgb = vec![0u8; (WIDTH_PX * height * 3) as usize];
    let mut texts = Texts::default();
    let label_style = LABEL.align(HAlign::Right, VAlign::Center);
    let mut widest = 0.0f32;
    for b in bars {
        widest = widest.max(width_px(&b.label, &label_style).map_err(&err)?);
    }
    let label_w = widest.min(MAX_LABEL_PX).ceil() as i32;
    let x0 = 12 + label_w + 10;
    let x1 = WIDTH_PX as i32 - NOTE_PX;
    let y0 = TITLE_BAND_PX + 16;
    let y1 = y0 + rows * ROW_PX;
    let px = |v: f64| x0 + ((v / x_max).clamp(0.0, 1.0) * f64::from(x1 - x0)).round() as i32;
    texts.push(
        title,
        (WIDTH_PX as i32 / 2, TITLE_BAND_PX / 2),
        TITLE.align(HAlign::Center, VAlign::Center),
    );
    {
        let e = |x: &dyn std::fmt::Display| x.to_string();
        let root = BitMapBackend::with_buffer(&mut rgb, (WIDTH_PX, height)).into_drawing_area();
        root.fill(&WHITE).map_err(|x| err(e(&x)))?;
        // Grid and ticks.
        let mut v = 0.0;
        while v <= x_max + 1e-9 * x_max {
            let x = px(v);
            root.draw(&PathElement::new(
                [(x, y0), (x, y1)],
                RGBColor(225, 225, 225).stroke_width(1),
            ))
            .map_err(|x| err(e(&x)))?;
            let label = if step.fract() == 0.0 {
                format!("{v:.0}")
            } else {
                format!("{v}")
            };
            texts.push(label, (x, y1 + 5), TICK.align(HAlign::Center, VAlign::Top));
            v += step;
        }
        root.draw(&PathElement::new(
            [(x0, y0), (x0, y1)],
            BLACK.stroke_width(1),
        ))
        .map_err(|x| err(e(&x)))?;
        root.draw(&PathElement::new(
            [(x0, y1), (x1, y1)],
            BLACK.stroke_width(1),
        ))
        .map_err(|x| err(e(&x)))?;
        for (i, b) in bars.iter().enumerate() {
            let top = y0 + i as i32 * ROW_PX + 4;
            let mid = y0 + i as i32 * ROW_PX + ROW_PX / 2;
            let end = match b.value {
                Some(v) => {
                    let end = px(v);
                    root.draw(&Rectangle::new(
                        [(x0 + 1, top), (end.max(x0 + 1), top + ROW_PX - 8)],
                        b.colour.mix(0.8).filled(),
                    ))
                    .map_err(|x| err(e(&x)))?;
                    end
                }
                None => x0,
            };
            let label = fit(&b.label, &label_style, label_w as f32).map_err(&err)?;
            texts.push(label, (x0 - 8, mid), label_style);
            texts.push(
                b.note.clone(),
                (end + 6, mid),
                LABEL.align(HAlign::Left, VAlign::Center),
            );
        }
        if bars.is_empty() {
            texts.push(
                "nothing to show",
                ((x0 + x1) / 2, y0 + ROW_PX / 2),
                LABEL.align(HAlign::Center, VAlign::Center),
            );
        }
        texts.push(
            x_desc,
            ((x0 + x1) / 2, y1 + 28),
            LABEL.align(HAlign::Center, VAlign::Top),
        );
        root.present().map_err(|x| err(e(&x)))?;
    }
    texts.draw_on(&mut rgb, WIDTH_PX, height).map_err(&err)?;
    write_png(path, &rgb, WIDTH_PX, height)
}

/// The first-pass yield of each group as a bar (0–100 %), with the counts beside it.
pub fn yield_chart(rows: &[YieldRow], what: &str, path: &Path) -> Result<(), RecordError> {
    let bars: Vec<Bar> = rows
        .iter()
        .map(|g| Bar {
            label: g.group.clone(),
            value: g.first_pass_yield.map(|f| 100.0 * f),
            colour: PASS_RGB,
            note: match g.first_pass_yield {
                Some(f) => format!(
                    "{:.1} % ({}/{}) · {} tests",
                    100.0 * f,
                    g.first_pass,
                    g.first_verdict_serials,
                    g.tests
                ),
                None => format!("no first verdict · {} tests", g.tests),
            },
        })
        .collect();
    hbars(
        &format!("First-pass yield by {what}"),
        "first-pass yield (%)",
        &bars,
        100.0,
        20.0,
        path,
    )
}

/// The fail (red) and abort (orange) categories by count, largest first, with their share
/// and the cumulative share beside each bar.
pub fn pareto_chart(rows: &[ParetoRow], path: &Path) -> Result<(), RecordError> {
    let max = rows.iter().map(|r| r.count).max().unwrap_or(1) as f64;
    let step = nice_step(max, 5.0).max(1.0);
    let x_max = (max / step).ceil() * step;
    let bars: Vec<Bar> = rows
        .iter()
        .map(|r| Bar {
            label: format!("{}: {}", r.outcome, r.category),
            value: Some(r.count as f64),
            colour: if r.outcome == "fail" {
                FAIL_RGB
            } else {
                ABORT_RGB
            },
            note: format!(
                "{} · {:.1} % · cum. {:.1} %",
                r.count, r.percent, r.cumulative_percent
            ),
        })
        .collect();
    hbars(
        "Fail and abort reasons (Pareto; numbers in reasons shown as #)",
        "tests",
        &bars,
        x_max,
        step,
        path,
    )
}

/// The individuals chart: the leak rates in test order, the centre line, the control limits
/// (dashed) and the leak limit (the spec, dashed black); points beyond the control limits in
/// red. Without a chart (fewer than two leak rates) the image says so.
pub fn control_chart(
    chart: Option<&Individuals>,
    usl_sccm: Option<f64>,
    path: &Path,
) -> Result<(), RecordError> {
    let err = plot_err(path);
    ensure_font().map_err(&err)?;
    let height = CONTROL_HEIGHT_PX;
    let mut rgb = vec![0u8; (WIDTH_PX * height * 3) as usize];
    let mut texts = Texts::default();
    texts.push(
        "Leak rate: individuals control chart",
        (WIDTH_PX as i32 / 2, TITLE_BAND_PX / 2),
        TITLE.align(HAlign::Center, VAlign::Center),
    );
    {
        let e = |x: &dyn std::fmt::Display| x.to_string();
        let root = BitMapBackend::with_buffer(&mut rgb, (WIDTH_PX, height)).into_drawing_area();
        root.fill(&WHITE).map_err(|x| err(e(&x)))?;
        let Some(c) = chart else {
            texts.push(
                "fewer than two measured leak rates: no control chart",
                (WIDTH_PX as i32 / 2, height as i32 / 2),
                LABEL.align(HAlign::Center, VAlign::Center),
            );
            root.present().map_err(|x| err(e(&x)))?;
            drop(root);
            texts.draw_on(&mut rgb, WIDTH_PX, height).map_err(&err)?;
            return write_png(path, &rgb, WIDTH_PX, height);
        };
        let (_, area) = root.split_vertically(TITLE_BAND_PX as u32);
        let n = c.values.len() as f64;
        let mut lo = c.values.iter().copied().fold(c.lcl, f64::min);
        let mut hi = c.values.iter().copied().fold(c.ucl, f64::max);
        if let Some(u) = usl_sccm {
            hi = hi.max(u);
            lo = lo.min(u);
        }
        let pad = ((hi - lo) * 0.08).max(1e-6);
        let (lo, hi) = (lo - pad, hi + pad);
        let mut entries: Vec<(String, Swatch)> = vec![
            ("leak rate".into(), Swatch::Line(BLUE, 1)),
            // In words: the text layout does not place combining marks (the bar of X̄).
            (
                format!("centre line (mean) {:.4}", c.mean),
                Swatch::Line(PASS_RGB, 2),
            ),
            (
                format!(
                    "control limits, mean ± 2.66 × mean moving range: {:.4}, {:.4}",
                    c.lcl, c.ucl
                ),
                Swatch::Dashed(FAIL_RGB),
            ),
        ];
        if let Some(u) = usl_sccm {
            entries.push((format!("leak limit (spec) {u}"), Swatch::Dashed(BLACK)));
        }
        let plot_w = WIDTH_PX as i32 - 2 * 12 - 80;
        let legend_h =
            legend_rows(&entries, plot_w).map_err(&err)?.len() as u32 * LEGEND_ROW_PX as u32;
        let mut cc = ChartBuilder::on(&area)
            .margin(12)
            .margin_top(14 + legend_h)
            .x_label_area_size(40)
            .y_label_area_size(80)
            // Whole-number ends, so that the test numbers fall on the ticks.
            .build_cartesian_2d(0.0..n + 1.0, lo..hi)
            .map_err(|x| err(e(&x)))?;
        mesh(
            &mut cc,
            "test (in the store's order)",
            "leak rate (sccm)",
            &mut texts,
        )
        .map_err(&err)?;
        let line = |y: f64| [(0.0, y), (n + 1.0, y)];
        cc.draw_series(LineSeries::new(line(c.mean), PASS_RGB.stroke_width(2)))
            .map_err(|x| err(e(&x)))?;
        for (y, colour) in [
            (Some(c.ucl), FAIL_RGB),
            (Some(c.lcl), FAIL_RGB),
            (usl_sccm, BLACK),
        ] {
            let Some(y) = y else { continue };
            cc.draw_series(DashedLineSeries::new(line(y), 8, 5, colour.stroke_width(2)))
                .map_err(|x| err(e(&x)))?;
        }
        let pts: Vec<(f64, f64)> = c
            .values
            .iter()
            .enumerate()
            .map(|(i, v)| (i as f64 + 1.0, *v))
            .collect();
        cc.draw_series(LineSeries::new(pts.clone(), BLUE.stroke_width(1)))
            .map_err(|x| err(e(&x)))?;
        let radius = if c.values.len() > 300 { 1 } else { 3 };
        cc.draw_series(pts.iter().enumerate().map(|(i, p)| {
            let colour = if c.out_of_control.contains(&i) {
                FAIL_RGB
            } else {
                BLUE
            };
            Circle::new(*p, radius, colour.filled())
        }))
        .map_err(|x| err(e(&x)))?;
        legend(&root, &cc, &entries, &mut texts).map_err(&err)?;
        root.present().map_err(|x| err(e(&x)))?;
    }
    texts.draw_on(&mut rgb, WIDTH_PX, height).map_err(&err)?;
    write_png(path, &rgb, WIDTH_PX, height)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nice_steps() {
        assert_eq!(nice_step(100.0, 5.0), 20.0);
        assert_eq!(nice_step(7.0, 5.0), 2.0);
        assert_eq!(nice_step(1.0, 5.0), 0.2);
        assert_eq!(nice_step(230.0, 5.0), 50.0);
    }
}
