//! PNG of a test's trace, written next to its JSON record: the test pressure over time with the
//! phases shaded, the least-squares decay fit over the measure phase, the verdict in the title,
//! and (when the flow test ran) flow and ΔP in a lower panel.
//!
//! Shapes are drawn with plotters; all text is laid out afterwards on the same buffer by the
//! workspace's one text layout, `coldtray_assets::text` (plotters 0.3.7's text path breaks
//! letter spacing), in DejaVu Sans embedded in the binary, so plots render on a factory PC
//! without font packages. The title (serial and verdict, then the reason) is fitted to the
//! image width: serial and verdict are never cut, the reason is shortened with "…".

use std::io::BufWriter;
use std::path::Path;

use coldtray_io::atomic::{AtomicFile, Durability};

use std::cell::RefCell;

use coldtray_assets::text::{self, Direction, HAlign, TextStyle, VAlign};
use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;

use crate::l10::leak_rate::{fit_leak, DecayPoint, LeakFit};
use crate::l10::recipe::Recipe;
use crate::l10::result::{Outcome, Phase, TestRecord};
use crate::records::record::RecordError;

const FAMILY: &str = coldtray_assets::FAMILY;

fn ensure_font() -> Result<(), String> {
    coldtray_assets::register_plotters_fonts().map_err(|e| e.to_string())
}

fn phase_color(p: Phase) -> RGBColor {
    match p {
        Phase::Precheck => RGBColor(160, 160, 160),
        Phase::Fill => RGBColor(66, 133, 244),
        Phase::Stabilize => RGBColor(251, 188, 5),
        Phase::Measure => RGBColor(52, 168, 83),
        Phase::Vent => RGBColor(171, 71, 188),
        Phase::Flow => RGBColor(0, 172, 193),
        Phase::Safe => RGBColor(234, 67, 53),
    }
}

/// Contiguous runs of one phase: (phase, start, end) in trace seconds.
fn phase_spans(record: &TestRecord) -> Vec<(Phase, f64, f64)> {
    let mut spans: Vec<(Phase, f64, f64)> = Vec::new();
    for p in &record.trace {
        match spans.last_mut() {
            Some(last) if last.0 == p.phase => last.2 = p.t_s,
            Some(last) => {
                last.2 = p.t_s;
                spans.push((p.phase, p.t_s, p.t_s));
            }
            None => spans.push((p.phase, p.t_s, p.t_s)),
        }
    }
    spans
}

/// Plot width, pixels.
const WIDTH_PX: u32 = 1000;

/// What the plot needs of the recipe (kept in the record journal, so a queued record's plot
/// can be drawn without the recipe file).
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct PlotParams {
    /// The tray's gas volume, mL (for the decay fit's leak rate).
    pub volume_ml: f64,
    /// The recipe's test pressure, kPa gauge (the pressure axis reaches at least this).
    pub test_pressure_kpa: f64,
}

impl PlotParams {
    /// The plot's parameters from `recipe`.
    pub fn of(recipe: &Recipe) -> PlotParams {
        PlotParams {
            volume_ml: recipe.leak.volume_ml,
            test_pressure_kpa: recipe.leak.test_pressure_kpa,
        }
    }
}

/// Draws the plot of `record` to `path` (PNG), atomically: the image is drawn in memory and
/// the file appears complete or not at all (a killed process leaves no empty or half PNG).
pub fn draw(record: &TestRecord, recipe: &Recipe, path: &Path) -> Result<(), RecordError> {
    draw_with(record, &PlotParams::of(recipe), path)
}

/// As [`draw`], with the recipe's numbers given directly.
pub fn draw_with(record: &TestRecord, params: &PlotParams, path: &Path) -> Result<(), RecordError> {
    let plot_err = |message: String| RecordError::Plot {
        path: path.to_path_buf(),
        message,
    };
    ensure_font().map_err(plot_err)?;
    let has_flow = record.trace.iter().any(|p| p.phase == Phase::Flow);
    let height_px = if has_flow { 760 } else { 520 };
    let mut rgb = vec![0u8; (WIDTH_PX * height_px * 3) as usize];
    draw_inner(record, params, &mut rgb, height_px, has_flow).map_err(plot_err)?;
    write_png(path, &rgb, height_px)
}

/// Encodes 8-bit RGB pixels as a PNG written through [`AtomicFile`].
fn write_png(path: &Path, rgb: &[u8], height_px: u32) -> Result<(), RecordError> {
    let io = |action: &'static str| {
        move |source| RecordError::Io {
            path: path.to_path_buf(),
            action,
            source,
        }
    };
    let png_err = |e: png::EncodingError| match e {
        png::EncodingError::IoError(source) => io("cannot write")(source),
        other => RecordError::Plot {
            path: path.to_path_buf(),
            message: other.to_string(),
        },
    };
    let mut file = AtomicFile::create(path).map_err(io("cannot create"))?;
    {
        let mut enc = png::Encoder::new(BufWriter::new(file.file()), WIDTH_PX, height_px);
        enc.set_color(png::ColorType::Rgb);
        enc.set_depth(png::BitDepth::Eight);
        let mut w = enc.write_header().map_err(png_err)?;
        w.write_image_data(rgb).map_err(png_err)?;
        w.finish().map_err(png_err)?;
    }
    file.commit(Durability::Atomic).map_err(io("cannot commit"))
}

/// One piece of text queued while the shapes are drawn, laid out afterwards on the same
/// buffer by `coldtray_assets::text` (plotters' own text path breaks letter spacing).
struct Queued {
    text: String,
    at: (i32, i32),
    style: TextStyle,
}

/// The text queue of one image.
#[derive(Default)]
struct Texts(Vec<Queued>);

impl Texts {
    fn push(&mut self, text: impl Into<String>, at: (i32, i32), style: TextStyle) {
        self.0.push(Queued {
            text: text.into(),
            at,
            style,
        });
    }
}

const INK: [u8; 3] = [25, 25, 25];
/// Tick labels.
const TICK: TextStyle = TextStyle::new(13.0).rgb(INK);
/// Axis descriptions and legend entries.
const LABEL: TextStyle = TextStyle::new(13.0).rgb(INK);
/// The zoom panel's heading.
const HEADING: TextStyle = TextStyle::new(15.0)
    .rgb(INK)
    .align(HAlign::Center, VAlign::Bottom);
/// The title: serial and verdict in bold, then the reason.
const TITLE_PX: f32 = 19.0;
/// Height of the title band above the charts, pixels.
const TITLE_BAND_PX: u32 = 38;
/// Left and right margin the title keeps, pixels.
const TITLE_MARGIN_PX: f32 = 12.0;

type Area<'a> = DrawingArea<BitMapBackend<'a>, plotters::coord::Shift>;
type Chart<'a, 'b> =
    ChartContext<'a, BitMapBackend<'b>, Cartesian2d<RangedCoordf64, RangedCoordf64>>;

fn verdict_rgb(outcome: Outcome) -> [u8; 3] {
    match outcome {
        Outcome::Pass => [20, 130, 50],
        Outcome::Fail => [200, 30, 30],
        Outcome::Aborted => [190, 100, 0],
    }
}

/// The title, fitted to the image width: the serial and the verdict always whole; the reason
/// shortened with "…" as far as needed; the size reduced only if serial and verdict alone do
/// not fit (a 64-character serial at 19 px does).
fn title(record: &TestRecord, width_px: u32, texts: &mut Texts) -> Result<(), String> {
    let verdict = match record.outcome {
        Outcome::Pass => "PASS",
        Outcome::Fail => "FAIL",
        Outcome::Aborted => "ABORTED",
    };
    let head = format!("{} {verdict}", record.serial);
    let room = width_px as f32 - 2.0 * TITLE_MARGIN_PX;
    let mut size = TITLE_PX;
    let head_style = |size| {
        TextStyle::new(size)
            .bold(true)
            .rgb(verdict_rgb(record.outcome))
    };
    let body_style = |size| TextStyle::new(size).rgb(INK);
    let width =
        |s: &str, st: &TextStyle| text::measure(s, st).map(|m| m.0).map_err(|e| e.to_string());
    let head_w = width(&head, &head_style(size))?;
    if head_w > room {
        size *= room / head_w;
    }
    let head_w = width(&head, &head_style(size))?;
    let mut chars: Vec<char> = record.reason.chars().collect();
    let mut body = format!(" — {}", record.reason);
    let mut body_w = width(&body, &body_style(size))?;
    while head_w + body_w > room && !chars.is_empty() {
        chars.pop();
        body = format!(" — {}…", chars.iter().collect::<String>().trim_end());
        body_w = width(&body, &body_style(size))?;
    }
    if chars.is_empty() && head_w + body_w > room {
        body.clear();
        body_w = 0.0;
    }
    let x0 = ((width_px as f32 - head_w - body_w) / 2.0).max(TITLE_MARGIN_PX);
    let y = (TITLE_BAND_PX as f32 / 2.0) as i32;
    let centre = |st: TextStyle| st.align(HAlign::Left, VAlign::Center);
    texts.push(head, (x0 as i32, y), centre(head_style(size)));
    texts.push(body, ((x0 + head_w) as i32, y), centre(body_style(size)));
    Ok(())
}

/// Decimals that print every tick exactly (at most 6).
fn decimals(ticks: &[f64]) -> usize {
    (0..=6)
        .find(|&d| {
            let k = 10f64.powi(d as i32);
            ticks
                .iter()
                .all(|t| ((t * k).round() - t * k).abs() < 1e-6 * k.max(1.0))
        })
        .unwrap_or(6)
}

/// Draws the chart's grid with plotters (tick values captured, not printed) and queues the
/// tick labels and the axis descriptions.
fn mesh(
    chart: &mut Chart<'_, '_>,
    x_desc: &str,
    y_desc: &str,
    texts: &mut Texts,
) -> Result<(), String> {
    let xs = RefCell::new(Vec::<f64>::new());
    let ys = RefCell::new(Vec::<f64>::new());
    let capture = |cell: &RefCell<Vec<f64>>, v: f64| {
        cell.borrow_mut().push(v);
        String::new()
    };
    chart
        .configure_mesh()
        .x_label_formatter(&|v| capture(&xs, *v))
        .y_label_formatter(&|v| capture(&ys, *v))
        .label_style((FAMILY, 13))
        .draw()
        .map_err(|x| x.to_string())?;
    let (xr, yr) = chart.plotting_area().get_pixel_range();
    let tidy = |cell: RefCell<Vec<f64>>| {
        let mut v = cell.into_inner();
        v.sort_by(f64::total_cmp);
        v.dedup();
        v
    };
    let (xs, ys) = (tidy(xs), tidy(ys));
    let (x_lo, y_lo) = (chart.x_range().start, chart.y_range().start);
    let dx = decimals(&xs);
    for x in &xs {
        let (px, _) = chart.backend_coord(&(*x, y_lo));
        if xr.contains(&px) || px == xr.end {
            texts.push(
                format!("{x:.dx$}"),
                (px, yr.end + 5),
                TICK.align(HAlign::Center, VAlign::Top),
            );
        }
    }
    let dy = decimals(&ys);
    let mut widest = 0.0f32;
    for y in &ys {
        let (_, py) = chart.backend_coord(&(x_lo, *y));
        if yr.contains(&py) || py == yr.end {
            let label = format!("{y:.dy$}");
            widest = widest.max(text::measure(&label, &TICK).map_err(|e| e.to_string())?.0);
            texts.push(
                label,
                (xr.start - 6, py),
                TICK.align(HAlign::Right, VAlign::Center),
            );
        }
    }
    texts.push(
        x_desc,
        ((xr.start + xr.end) / 2, yr.end + 22),
        LABEL.align(HAlign::Center, VAlign::Top),
    );
    texts.push(
        y_desc,
        (xr.start - 12 - widest as i32, (yr.start + yr.end) / 2),
        LABEL
            .align(HAlign::Center, VAlign::Bottom)
            .direction(Direction::Up),
    );
    Ok(())
}

/// A legend entry's swatch.
enum Swatch {
    Fill(RGBColor),
    Line(RGBColor, u32),
}

/// Draws a legend box in `root` (pixels) at the upper right (or left) corner of the chart's
/// plotting area and queues its labels.
fn legend(
    root: &Area<'_>,
    chart: &Chart<'_, '_>,
    entries: &[(String, Swatch)],
    right: bool,
    texts: &mut Texts,
) -> Result<(), String> {
    let e = |x: &dyn std::fmt::Display| x.to_string();
    let (xr, yr) = chart.plotting_area().get_pixel_range();
    let mut label_w = 0.0f32;
    for (label, _) in entries {
        label_w = label_w.max(text::measure(label, &LABEL).map_err(|x| e(&x))?.0);
    }
    let (pad, swatch, gap, row) = (8, 16, 8, 17);
    let w = pad + swatch + gap + label_w.ceil() as i32 + pad;
    let h = pad + row * entries.len() as i32 + pad - 4;
    let x0 = if right {
        xr.end - 10 - w
    } else {
        xr.start + 10
    };
    let y0 = yr.start + 8;
    root.draw(&Rectangle::new(
        [(x0, y0), (x0 + w, y0 + h)],
        WHITE.mix(0.85).filled(),
    ))
    .map_err(|x| e(&x))?;
    root.draw(&Rectangle::new(
        [(x0, y0), (x0 + w, y0 + h)],
        BLACK.stroke_width(1),
    ))
    .map_err(|x| e(&x))?;
    for (i, (label, sw)) in entries.iter().enumerate() {
        let yc = y0 + pad + row * i as i32 + row / 2 - 2;
        let xs = x0 + pad;
        match sw {
            Swatch::Fill(c) => root.draw(&Rectangle::new(
                [(xs, yc - 5), (xs + swatch, yc + 5)],
                c.mix(0.4).filled(),
            )),
            Swatch::Line(c, width) => root.draw(&PathElement::new(
                [(xs, yc), (xs + swatch, yc)],
                c.stroke_width(*width),
            )),
        }
        .map_err(|x| e(&x))?;
        texts.push(
            label.clone(),
            (xs + swatch + gap, yc),
            LABEL.align(HAlign::Left, VAlign::Center),
        );
    }
    Ok(())
}

fn draw_inner(
    record: &TestRecord,
    recipe: &PlotParams,
    rgb: &mut [u8],
    height: u32,
    has_flow: bool,
) -> Result<(), String> {
    let mut texts = Texts::default();
    draw_shapes(record, recipe, rgb, height, has_flow, &mut texts)?;
    for q in &texts.0 {
        text::draw(&q.text, q.at, &q.style, rgb, WIDTH_PX, height).map_err(|e| e.to_string())?;
    }
    Ok(())
}

/// Everything but the text, with plotters; the text is queued in `texts`.
fn draw_shapes(
    record: &TestRecord,
    recipe: &PlotParams,
    rgb: &mut [u8],
    height: u32,
    has_flow: bool,
    texts: &mut Texts,
) -> Result<(), String> {
    let e = |x: &dyn std::fmt::Display| x.to_string();
    let root = BitMapBackend::with_buffer(rgb, (WIDTH_PX, height)).into_drawing_area();
    root.fill(&WHITE).map_err(|x| e(&x))?;
    title(record, WIDTH_PX, texts)?;
    let (_, charts) = root.split_vertically(TITLE_BAND_PX);
    let (top, bottom) = if has_flow {
        charts.split_vertically(500 - TITLE_BAND_PX)
    } else {
        (charts.clone(), charts.clone())
    };
    // The decay fit, recomputed from the measure samples exactly as the sequence does.
    let decay: Vec<DecayPoint> = record
        .trace
        .iter()
        .filter(|p| p.phase == Phase::Measure)
        .filter_map(|p| {
            p.test_pressure_kpa.map(|v| DecayPoint {
                t_s: p.t_s,
                pressure_kpa: v,
                temperature_c: p.gas_temperature_c,
            })
        })
        .collect();
    let fit = fit_leak(&decay, recipe.volume_ml).ok();
    // With a fit, the right third of the top shows the measure phase zoomed in: the decay is
    // a few Pa on a 500 kPa scale.
    let (top, zoom) = match fit {
        Some(_) => {
            let (l, r) = top.split_horizontally(660);
            (l, Some(r))
        }
        None => (top, None),
    };

    let t_max = record.trace.last().map_or(1.0, |p| p.t_s).max(1.0);
    let pressures: Vec<(f64, f64)> = record
        .trace
        .iter()
        .filter_map(|p| p.test_pressure_kpa.map(|v| (p.t_s, v)))
        .collect();
    let p_max = pressures
        .iter()
        .map(|p| p.1)
        .fold(recipe.test_pressure_kpa, f64::max)
        * 1.1;
    let mut chart = ChartBuilder::on(&top)
        .margin(12)
        .x_label_area_size(40)
        .y_label_area_size(64)
        .build_cartesian_2d(0.0..t_max, -5.0..p_max)
        .map_err(|x| e(&x))?;
    mesh(&mut chart, "time (s)", "test_pressure (kPa gauge)", texts)?;

    let mut entries: Vec<(String, Swatch)> = Vec::new();
    let mut labelled = Vec::new();
    for (phase, a, b) in phase_spans(record) {
        let color = phase_color(phase);
        chart
            .draw_series(std::iter::once(Rectangle::new(
                [(a, -5.0), (b, p_max)],
                color.mix(0.15).filled(),
            )))
            .map_err(|x| e(&x))?;
        if !labelled.contains(&phase) {
            labelled.push(phase);
            entries.push((phase.as_str().to_string(), Swatch::Fill(color)));
        }
    }
    chart
        .draw_series(LineSeries::new(pressures, BLUE.stroke_width(2)))
        .map_err(|x| e(&x))?;
    entries.push(("test_pressure".into(), Swatch::Line(BLUE, 2)));

    if let Some(fit) = &fit {
        let (a, b) = (decay[0].t_s, decay[decay.len() - 1].t_s);
        let line = [a, b].map(|t| (t, fit.fitted_pressure_kpa(t)));
        chart
            .draw_series(LineSeries::new(line, RED.stroke_width(3)))
            .map_err(|x| e(&x))?;
        entries.push((
            format!("decay fit: {:.2} sccm", fit.leak_sccm),
            Swatch::Line(RED, 3),
        ));
    }
    legend(&root, &chart, &entries, true, texts)?;

    if let (Some(fit), Some(area)) = (&fit, &zoom) {
        draw_zoom(area, &decay, fit, texts).map_err(|x| e(&x))?;
    }
    if has_flow {
        let flows: Vec<(f64, f64)> = record
            .trace
            .iter()
            .filter_map(|p| p.flow_lpm.map(|v| (p.t_s, v)))
            .collect();
        let dps: Vec<(f64, f64)> = record
            .trace
            .iter()
            .filter_map(|p| p.dp_kpa.map(|v| (p.t_s, v)))
            .collect();
        let y_max = flows
            .iter()
            .chain(dps.iter())
            .map(|p| p.1)
            .fold(1.0, f64::max)
            * 1.1;
        let mut c2 = ChartBuilder::on(&bottom)
            .margin(12)
            .x_label_area_size(40)
            .y_label_area_size(64)
            .build_cartesian_2d(0.0..t_max, 0.0..y_max)
            .map_err(|x| e(&x))?;
        mesh(&mut c2, "time (s)", "flow (L/min), ΔP (kPa)", texts)?;
        c2.draw_series(LineSeries::new(flows, BLUE.stroke_width(2)))
            .map_err(|x| e(&x))?;
        c2.draw_series(LineSeries::new(dps, MAGENTA.stroke_width(2)))
            .map_err(|x| e(&x))?;
        let entries = [
            ("flow (L/min)".to_string(), Swatch::Line(BLUE, 2)),
            (
                "ΔP inlet − outlet (kPa)".to_string(),
                Swatch::Line(MAGENTA, 2),
            ),
        ];
        legend(&root, &c2, &entries, false, texts)?;
    }
    root.present().map_err(|x| e(&x))?;
    Ok(())
}

/// The measure phase alone: samples and the fitted decay, on a scale that shows them.
fn draw_zoom(
    area: &Area<'_>,
    decay: &[DecayPoint],
    fit: &LeakFit,
    texts: &mut Texts,
) -> Result<(), String> {
    let e = |x: &dyn std::fmt::Display| x.to_string();
    let (a, b) = (
        decay[0].t_s,
        decay[decay.len() - 1].t_s.max(decay[0].t_s + 1e-3),
    );
    let pts: Vec<(f64, f64)> = decay.iter().map(|d| (d.t_s, d.pressure_kpa)).collect();
    let line = [a, b].map(|t| (t, fit.fitted_pressure_kpa(t)));
    let (lo, hi) = pts
        .iter()
        .chain(line.iter())
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), p| {
            (lo.min(p.1), hi.max(p.1))
        });
    let pad = ((hi - lo) * 0.15).max(0.005);
    let mut c = ChartBuilder::on(area)
        .margin(12)
        .margin_top(30)
        .x_label_area_size(40)
        .y_label_area_size(76)
        .build_cartesian_2d(a..b, (lo - pad)..(hi + pad))
        .map_err(|x| e(&x))?;
    mesh(&mut c, "time (s)", "kPa gauge", texts)?;
    let (xr, yr) = c.plotting_area().get_pixel_range();
    texts.push(
        "measure phase (zoom)",
        ((xr.start + xr.end) / 2, yr.start - 8),
        HEADING,
    );
    c.draw_series(LineSeries::new(pts, BLUE.stroke_width(1)))
        .map_err(|x| e(&x))?;
    c.draw_series(LineSeries::new(line, RED.stroke_width(3)))
        .map_err(|x| e(&x))?;
    Ok(())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::l10::result::TracePoint;

    #[test]
    fn draws_a_png_with_phases_and_fit() {
        let recipe = crate::l10::recipe::load_recipe(
            &Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/rig/l10-vr200.toml"),
        )
        .unwrap();
        let mut trace = Vec::new();
        let mut push = |t: f64, phase: Phase, p: f64, flow: Option<f64>| {
            trace.push(TracePoint {
                t_s: t,
                phase,
                test_pressure_kpa: Some(p),
                gas_temperature_c: Some(22.0),
                flow_lpm: flow,
                dp_kpa: flow.map(|f| f * 5.0),
                pump_speed_pct: None,
            })
        };
        for i in 0..100 {
            let t = f64::from(i);
            let (phase, p, flow) = match i {
                0..=9 => (Phase::Fill, 52.5 * t, None),
                10..=29 => (Phase::Stabilize, 525.0 - 0.1 * (t - 10.0), None),
                30..=59 => (Phase::Measure, 523.0 - 0.01 * (t - 30.0), None),
                60..=69 => (Phase::Vent, 523.0 * (1.0 - (t - 60.0) / 10.0), None),
                _ => (Phase::Flow, 0.0, Some(7.4)),
            };
            push(t, phase, p, flow);
        }
        let record = TestRecord {
            serial: "SN-PLOT".into(),
            recipe: recipe.name.clone(),
            started_at: "2026-11-26T12:00:00Z".into(),
            finished_at: "2026-11-26T12:01:40Z".into(),
            outcome: Outcome::Pass,
            reason: "leak 0.05 sccm ≤ 0.5 sccm".into(),
            leak: None,
            flow: vec![],
            trace,
        };
        let path = std::env::temp_dir().join(format!("ctrl-plot-{}.png", std::process::id()));
        draw(&record, &recipe, &path).unwrap();
        let bytes = std::fs::read(&path).unwrap();
        assert!(bytes.starts_with(b"\x89PNG"));
        std::fs::remove_file(&path).unwrap();
    }

    #[test]
    fn the_title_keeps_serial_and_verdict_whole_and_fits() {
        let serial = "S".repeat(30) + &"W".repeat(34); // 64 characters, wide letters
        let record = TestRecord {
            serial: serial.clone(),
            recipe: "r".into(),
            started_at: "2026-11-26T12:00:00Z".into(),
            finished_at: "2026-11-26T12:01:40Z".into(),
            outcome: Outcome::Aborted,
            reason: "the link to the PLC was lost for longer than the link timeout ".repeat(4),
            leak: None,
            flow: vec![],
            trace: vec![],
        };
        // A 64-character serial of wide letters fills the line alone (in a smaller size);
        // an ordinary one leaves room for the start of the reason.
        for (serial, reason_shown) in [(serial.as_str(), false), ("SN-0001", true)] {
            let record = TestRecord {
                serial: serial.to_string(),
                ..record.clone()
            };
            let mut texts = Texts::default();
            title(&record, WIDTH_PX, &mut texts).unwrap();
            let (head, body) = (&texts.0[0], &texts.0[1]);
            assert_eq!(head.text, format!("{serial} ABORTED"));
            assert_eq!(body.text.ends_with('…'), reason_shown, "{}", body.text);
            assert_eq!(body.text.is_empty(), !reason_shown, "{}", body.text);
            let w = |q: &Queued| text::measure(&q.text, &q.style).unwrap().0;
            let right = head.at.0 as f32 + w(head) + w(body);
            assert!(head.at.0 as f32 >= TITLE_MARGIN_PX - 1.0, "{:?}", head.at);
            assert!(right <= WIDTH_PX as f32 - TITLE_MARGIN_PX + 1.0, "{right}");
        }
        // The whole image draws, title included.
        let path = std::env::temp_dir().join("coldtray-plot-long-title.png");
        draw_with(
            &record,
            &PlotParams {
                volume_ml: 850.0,
                test_pressure_kpa: 525.0,
            },
            &path,
        )
        .unwrap();
        assert!(std::fs::read(&path).unwrap().starts_with(b"\x89PNG"));
    }
}
