//! PNG of a test's trace, written next to its JSON record: the test pressure over time with the
//! phases shaded; when the record has a leak verdict, the least-squares decay fit and (beside
//! it) the measure phase zoomed in with the recipe's leak limit; and, when the flow test ran,
//! flow and ΔP in two panels of their own, each with the recipe's bands shaded.
//!
//! Shapes are drawn with plotters; all text is laid out afterwards on the same buffer by the
//! workspace's one text layout, `coldtray_assets::text` (plotters 0.3.7's text path breaks
//! letter spacing), in DejaVu Sans embedded in the binary, so plots render on a factory PC
//! without font packages. The title is two lines fitted to the image width (measured with the
//! same text layout): serial, verdict and reason (the reason shortened with "…" as needed),
//! then recipe and times (in a smaller size as needed). Legends sit in a row above each
//! panel's plotting area, never over the data.

use std::io::BufWriter;
use std::path::Path;

use coldtray_io::atomic::{AtomicFile, Durability};

use std::cell::RefCell;

use coldtray_assets::text::{self, Direction, HAlign, TextStyle, VAlign};
use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;

use crate::l10::leak_rate::{fit_leak, DecayPoint, LeakFit, ATM_KPA, T_STD_K};
use crate::l10::recipe::Recipe;
use crate::l10::result::{Outcome, Phase, TestRecord};
use crate::records::record::RecordError;

const FAMILY: &str = coldtray_assets::FAMILY;

pub(crate) fn ensure_font() -> Result<(), String> {
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
/// Height of the pressure panel (below the title), pixels.
const PRESSURE_PX: u32 = 470;
/// Height of each of the flow and ΔP panels, pixels.
const FLOW_PANEL_PX: u32 = 210;
/// Width of the pressure panel when the zoom panel sits beside it, pixels.
const MAIN_WITH_ZOOM_PX: u32 = 660;

/// One flow step's bands, as the recipe sets them.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct StepBand {
    /// Least mean flow that passes, L/min.
    pub min_flow_lpm: f64,
    /// Greatest mean flow that passes, L/min.
    pub max_flow_lpm: f64,
    /// Greatest mean ΔP that passes, kPa.
    pub max_dp_kpa: f64,
}

/// The flow test's bands and timing: step `i` settles for `settle_s` and is averaged over the
/// next `average_s`, starting `i · (settle_s + average_s)` after the flow phase began; the
/// bands are shaded over each averaging window.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct FlowBands {
    /// Settling time of each step, s.
    pub settle_s: f64,
    /// Averaging time of each step, s.
    pub average_s: f64,
    /// The steps' bands, in order.
    pub steps: Vec<StepBand>,
}

/// What the plot needs of the recipe (kept in the record journal, so a queued record's plot
/// can be drawn without the recipe file). The limits are optional so that journal entries
/// written before they existed still draw (without the limits).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct PlotParams {
    /// The tray's gas volume, mL (for the decay fit's leak rate).
    pub volume_ml: f64,
    /// The recipe's test pressure, kPa gauge (the pressure axis reaches at least this).
    pub test_pressure_kpa: f64,
    /// The recipe's leak limit, sccm (drawn on the decay panel).
    #[serde(default)]
    pub max_leak_sccm: Option<f64>,
    /// The recipe's flow-step bands (shaded on the flow and ΔP panels).
    #[serde(default)]
    pub flow_bands: Option<FlowBands>,
}

impl PlotParams {
    /// The plot's parameters from `recipe`.
    pub fn of(recipe: &Recipe) -> PlotParams {
        PlotParams {
            volume_ml: recipe.leak.volume_ml,
            test_pressure_kpa: recipe.leak.test_pressure_kpa,
            max_leak_sccm: Some(recipe.leak.max_leak_sccm),
            flow_bands: recipe.flow.as_ref().map(|f| FlowBands {
                settle_s: f.settle_s,
                average_s: f.average_s,
                steps: f
                    .steps
                    .iter()
                    .map(|s| StepBand {
                        min_flow_lpm: s.min_flow_lpm,
                        max_flow_lpm: s.max_flow_lpm,
                        max_dp_kpa: s.max_dp_kpa,
                    })
                    .collect(),
            }),
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
    let height_px = image_height_px(has_flow);
    let mut rgb = vec![0u8; (WIDTH_PX * height_px * 3) as usize];
    draw_inner(record, params, &mut rgb, height_px, has_flow).map_err(plot_err)?;
    write_png(path, &rgb, WIDTH_PX, height_px)
}

/// The image height: title, pressure panel and (with a flow test) the flow and ΔP panels.
fn image_height_px(has_flow: bool) -> u32 {
    TITLE_BAND_PX + PRESSURE_PX + if has_flow { 2 * FLOW_PANEL_PX } else { 0 }
}

/// The decay fit to draw, with the measure samples it was fitted to: only when the record
/// has a leak verdict (`leak` is set once the measure phase completed). An aborted test, or
/// one that ended before the measurement, gets none: its few "measure" samples may run into
/// the vent, and a line through them would show a leak rate nobody measured.
fn decay_fit(record: &TestRecord, params: &PlotParams) -> Option<(Vec<DecayPoint>, LeakFit)> {
    record.leak.as_ref()?;
    // Recomputed from the measure samples exactly as the sequence does.
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
    let fit = fit_leak(&decay, params.volume_ml).ok()?;
    Some((decay, fit))
}

/// The line a leak of exactly `limit_sccm` would follow from the fit's start: the same
/// start and mean temperature, the slope of d(P/T)/dt that the leak formula turns into
/// `limit_sccm` (`slope = −leak / (V · 273.15 / 101.325 · 60)`).
fn limit_line(fit: &LeakFit, volume_ml: f64, limit_sccm: f64) -> LeakFit {
    LeakFit {
        slope_kpa_per_k_s: -limit_sccm / (volume_ml * (T_STD_K / ATM_KPA) * 60.0),
        leak_sccm: limit_sccm,
        ..*fit
    }
}

/// Encodes 8-bit RGB pixels as a PNG written through [`AtomicFile`].
pub(crate) fn write_png(
    path: &Path,
    rgb: &[u8],
    width_px: u32,
    height_px: u32,
) -> Result<(), RecordError> {
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
        let mut enc = png::Encoder::new(BufWriter::new(file.file()), width_px, height_px);
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
pub(crate) struct Queued {
    text: String,
    at: (i32, i32),
    style: TextStyle,
}

/// The text queue of one image.
#[derive(Default)]
pub(crate) struct Texts(Vec<Queued>);

impl Texts {
    /// Lays out every queued text on `rgb` (`width × height` RGB8), in order.
    pub(crate) fn draw_on(&self, rgb: &mut [u8], width: u32, height: u32) -> Result<(), String> {
        for q in &self.0 {
            text::draw(&q.text, q.at, &q.style, rgb, width, height).map_err(|e| e.to_string())?;
        }
        Ok(())
    }

    pub(crate) fn push(&mut self, text: impl Into<String>, at: (i32, i32), style: TextStyle) {
        self.0.push(Queued {
            text: text.into(),
            at,
            style,
        });
    }
}

pub(crate) const INK: [u8; 3] = [25, 25, 25];
/// The title's second line (recipe and times).
const SUBTLE: [u8; 3] = [90, 90, 90];
/// Tick labels.
pub(crate) const TICK: TextStyle = TextStyle::new(13.0).rgb(INK);
/// Axis descriptions and legend entries.
pub(crate) const LABEL: TextStyle = TextStyle::new(13.0).rgb(INK);
/// The zoom panel's heading.
pub(crate) const HEADING: TextStyle = TextStyle::new(14.0)
    .rgb(INK)
    .align(HAlign::Center, VAlign::Bottom);
/// The title's first line: serial and verdict in bold, then the reason.
const TITLE_PX: f32 = 19.0;
/// The title's second line: recipe and times.
const SUBTITLE_PX: f32 = 14.0;
/// The second line shrinks to this size at the least, then the recipe name is shortened.
const SUBTITLE_MIN_PX: f32 = 11.0;
/// Height of the title band above the charts, pixels.
const TITLE_BAND_PX: u32 = 58;
/// Left and right margin the title keeps, pixels.
const TITLE_MARGIN_PX: f32 = 12.0;
/// Height of one legend row, pixels.
pub(crate) const LEGEND_ROW_PX: i32 = 18;

pub(crate) type Area<'a> = DrawingArea<BitMapBackend<'a>, plotters::coord::Shift>;
pub(crate) type Chart<'a, 'b> =
    ChartContext<'a, BitMapBackend<'b>, Cartesian2d<RangedCoordf64, RangedCoordf64>>;

fn verdict_rgb(outcome: Outcome) -> [u8; 3] {
    match outcome {
        Outcome::Pass => [20, 130, 50],
        Outcome::Fail => [200, 30, 30],
        Outcome::Aborted => [190, 100, 0],
    }
}

/// Width of `s` in `style`, pixels, by the one text layout.
pub(crate) fn width_px(s: &str, style: &TextStyle) -> Result<f32, String> {
    text::measure(s, style)
        .map(|m| m.0)
        .map_err(|e| e.to_string())
}

/// `chars` shortened to `keep` characters with "…" (whole when `keep` covers them all).
pub(crate) fn shortened(chars: &[char], keep: usize) -> String {
    if keep >= chars.len() {
        chars.iter().collect()
    } else {
        format!("{}…", chars[..keep].iter().collect::<String>().trim_end())
    }
}

/// The title, two lines fitted to the image width.
///
/// Line 1: serial and verdict always whole (in a smaller size only if they alone do not fit:
/// a 64-character serial at 19 px does), then " — reason", shortened with "…" as needed.
/// Line 2: recipe, start and finish time; a smaller size (down to 11 px) if needed, then the
/// recipe name shortened. The record names no station, so none is shown.
fn title(record: &TestRecord, width_px_: u32, texts: &mut Texts) -> Result<(), String> {
    let verdict = match record.outcome {
        Outcome::Pass => "PASS",
        Outcome::Fail => "FAIL",
        Outcome::Aborted => "ABORTED",
    };
    let room = width_px_ as f32 - 2.0 * TITLE_MARGIN_PX;
    let head = format!("{} {verdict}", record.serial);
    let head_style = |size| {
        TextStyle::new(size)
            .bold(true)
            .rgb(verdict_rgb(record.outcome))
    };
    let body_style = |size| TextStyle::new(size).rgb(INK);
    let mut size = TITLE_PX;
    let head_w = width_px(&head, &head_style(size))?;
    if head_w > room {
        size *= room / head_w;
    }
    let head_w = width_px(&head, &head_style(size))?.min(room);
    let reason: Vec<char> = record.reason.chars().collect();
    let mut keep = reason.len();
    let mut body = format!(" — {}", shortened(&reason, keep));
    let mut body_w = width_px(&body, &body_style(size))?;
    while head_w + body_w > room && keep > 0 {
        keep -= 1;
        body = format!(" — {}", shortened(&reason, keep));
        body_w = width_px(&body, &body_style(size))?;
    }
    if head_w + body_w > room || record.reason.is_empty() {
        body.clear();
        body_w = 0.0;
    }
    let x0 = ((width_px_ as f32 - head_w - body_w) / 2.0).max(TITLE_MARGIN_PX);
    let y1 = 20;
    let left = |st: TextStyle| st.align(HAlign::Left, VAlign::Center);
    texts.push(head, (x0 as i32, y1), left(head_style(size)));
    texts.push(body, ((x0 + head_w) as i32, y1), left(body_style(size)));

    let recipe: Vec<char> = record.recipe.chars().collect();
    let line2 = |keep: usize| {
        format!(
            "recipe: {}   ·   started {}   ·   finished {}",
            shortened(&recipe, keep),
            record.started_at,
            record.finished_at
        )
    };
    let sub_style = |size| TextStyle::new(size).rgb(SUBTLE);
    let mut keep = recipe.len();
    let mut sub = line2(keep);
    let mut sub_size = SUBTITLE_PX;
    let w = width_px(&sub, &sub_style(sub_size))?;
    if w > room {
        sub_size = (sub_size * room / w).max(SUBTITLE_MIN_PX);
    }
    while width_px(&sub, &sub_style(sub_size))? > room && keep > 0 {
        keep -= 1;
        sub = line2(keep);
    }
    let sub_w = width_px(&sub, &sub_style(sub_size))?;
    if sub_w > room {
        // Only absurd times fill the line alone: shrink to fit rather than run off the edge.
        sub_size *= room / sub_w;
    }
    let sub_w = width_px(&sub, &sub_style(sub_size))?;
    let x0 = ((width_px_ as f32 - sub_w) / 2.0).max(TITLE_MARGIN_PX);
    texts.push(sub, (x0 as i32, 44), left(sub_style(sub_size)));
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
pub(crate) fn mesh(
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
pub(crate) enum Swatch {
    Fill(RGBColor),
    Line(RGBColor, u32),
    Dashed(RGBColor),
}

/// Width of one legend entry (swatch, gap, label, spacing), pixels.
fn legend_entry_px(label: &str) -> Result<i32, String> {
    Ok(16 + 5 + width_px(label, &LABEL)?.ceil() as i32 + 16)
}

/// The rows a legend of `entries` takes in `width` pixels (entries left to right, wrapped).
pub(crate) fn legend_rows(
    entries: &[(String, Swatch)],
    width: i32,
) -> Result<Vec<Vec<usize>>, String> {
    let mut rows: Vec<Vec<usize>> = vec![Vec::new()];
    let mut x = 0;
    for (i, (label, _)) in entries.iter().enumerate() {
        let w = legend_entry_px(label)?;
        if x + w > width && x > 0 {
            rows.push(Vec::new());
            x = 0;
        }
        x += w;
        if let Some(row) = rows.last_mut() {
            row.push(i);
        }
    }
    Ok(rows)
}

/// Draws a legend in the margin above the chart's plotting area (clear of the data): its
/// entries in rows from the plotting area's left edge, the last row just above the frame.
pub(crate) fn legend(
    root: &Area<'_>,
    chart: &Chart<'_, '_>,
    entries: &[(String, Swatch)],
    texts: &mut Texts,
) -> Result<(), String> {
    let e = |x: &dyn std::fmt::Display| x.to_string();
    let (xr, yr) = chart.plotting_area().get_pixel_range();
    let rows = legend_rows(entries, xr.end - xr.start)?;
    let n = rows.len() as i32;
    for (r, row) in rows.iter().enumerate() {
        let yc = yr.start - 10 - (n - 1 - r as i32) * LEGEND_ROW_PX;
        let mut xs = xr.start;
        for &i in row {
            let (label, sw) = &entries[i];
            match sw {
                Swatch::Fill(c) => root.draw(&Rectangle::new(
                    [(xs, yc - 5), (xs + 16, yc + 5)],
                    c.mix(0.35).filled(),
                )),
                Swatch::Line(c, width) => root.draw(&PathElement::new(
                    [(xs, yc), (xs + 16, yc)],
                    c.stroke_width(*width),
                )),
                Swatch::Dashed(c) => root
                    .draw(&PathElement::new(
                        [(xs, yc), (xs + 5, yc)],
                        c.stroke_width(2),
                    ))
                    .and_then(|()| {
                        root.draw(&PathElement::new(
                            [(xs + 10, yc), (xs + 16, yc)],
                            c.stroke_width(2),
                        ))
                    }),
            }
            .map_err(|x| e(&x))?;
            texts.push(
                label.clone(),
                (xs + 21, yc),
                LABEL.align(HAlign::Left, VAlign::Center),
            );
            xs += legend_entry_px(label)?;
        }
    }
    Ok(())
}

fn draw_inner(
    record: &TestRecord,
    params: &PlotParams,
    rgb: &mut [u8],
    height: u32,
    has_flow: bool,
) -> Result<(), String> {
    let mut texts = Texts::default();
    draw_shapes(record, params, rgb, height, has_flow, &mut texts)?;
    texts.draw_on(rgb, WIDTH_PX, height)
}

/// Chart margin, y-label area and x-label area, pixels.
const MARGIN_PX: u32 = 12;
const Y_LABELS_PX: u32 = 70;
const X_LABELS_PX: u32 = 40;

/// Everything but the text, with plotters; the text is queued in `texts`.
fn draw_shapes(
    record: &TestRecord,
    params: &PlotParams,
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
    let (top, bottom) = charts.split_vertically(PRESSURE_PX);
    let fit = decay_fit(record, params);
    let limit = match (&fit, params.max_leak_sccm) {
        (Some((_, fit)), Some(l)) if l.is_finite() && l >= 0.0 => {
            Some(limit_line(fit, params.volume_ml, l))
        }
        _ => None,
    };
    // With a fit, the right third of the top shows the measure phase zoomed in: the decay is
    // a few Pa on a 500 kPa scale.
    let (top, zoom) = match fit {
        Some(_) => {
            let (l, r) = top.split_horizontally(MAIN_WITH_ZOOM_PX);
            (l, Some(r))
        }
        None => (top, None),
    };

    let mut entries: Vec<(String, Swatch)> = Vec::new();
    let spans = phase_spans(record);
    for (phase, _, _) in &spans {
        if !entries.iter().any(|(l, _)| l == phase.as_str()) {
            entries.push((
                phase.as_str().to_string(),
                Swatch::Fill(phase_color(*phase)),
            ));
        }
    }
    entries.push(("test_pressure".into(), Swatch::Line(BLUE, 2)));
    if let (Some(leak), Some(_)) = (&record.leak, &fit) {
        entries.push((
            format!("decay fit: {:.2} sccm", leak.leak_sccm),
            Swatch::Line(RED, 3),
        ));
    }
    if let Some(l) = &limit {
        entries.push((
            format!("leak limit: {} sccm", l.leak_sccm),
            Swatch::Dashed(BLACK),
        ));
    }
    let plot_w = top.dim_in_pixel().0 as i32 - (2 * MARGIN_PX + Y_LABELS_PX) as i32;
    let rows = legend_rows(&entries, plot_w)?.len() as u32;
    let margin_top = 14 + rows * LEGEND_ROW_PX as u32;

    let t_max = record.trace.last().map_or(1.0, |p| p.t_s).max(1.0);
    let pressures: Vec<(f64, f64)> = record
        .trace
        .iter()
        .filter_map(|p| p.test_pressure_kpa.map(|v| (p.t_s, v)))
        .collect();
    let p_max = pressures
        .iter()
        .map(|p| p.1)
        .fold(params.test_pressure_kpa, f64::max)
        * 1.1;
    let mut chart = ChartBuilder::on(&top)
        .margin(MARGIN_PX)
        .margin_top(margin_top)
        .x_label_area_size(X_LABELS_PX)
        .y_label_area_size(Y_LABELS_PX)
        .build_cartesian_2d(0.0..t_max, -5.0..p_max)
        .map_err(|x| e(&x))?;
    mesh(&mut chart, "time (s)", "test pressure (kPa gauge)", texts)?;
    for (phase, a, b) in spans {
        chart
            .draw_series(std::iter::once(Rectangle::new(
                [(a, -5.0), (b, p_max)],
                phase_color(phase).mix(0.15).filled(),
            )))
            .map_err(|x| e(&x))?;
    }
    chart
        .draw_series(LineSeries::new(pressures, BLUE.stroke_width(2)))
        .map_err(|x| e(&x))?;
    if let Some((decay, fit)) = &fit {
        let (a, b) = (decay[0].t_s, decay[decay.len() - 1].t_s);
        let line = [a, b].map(|t| (t, fit.fitted_pressure_kpa(t)));
        chart
            .draw_series(LineSeries::new(line, RED.stroke_width(3)))
            .map_err(|x| e(&x))?;
    }
    legend(&root, &chart, &entries, texts)?;

    if let (Some((decay, fit)), Some(area)) = (&fit, &zoom) {
        draw_zoom(area, decay, fit, limit.as_ref(), margin_top, texts)?;
    }
    if has_flow {
        let (flow_area, dp_area) = bottom.split_vertically(FLOW_PANEL_PX);
        flow_panels(record, params, (&root, &flow_area, &dp_area), texts)?;
    }
    root.present().map_err(|x| e(&x))?;
    Ok(())
}

/// The averaging windows of the flow steps, (start, end) in trace seconds, with their bands.
fn step_windows(flow_start_s: f64, bands: &FlowBands) -> Vec<(f64, f64, StepBand)> {
    let step_s = bands.settle_s + bands.average_s;
    bands
        .steps
        .iter()
        .enumerate()
        .map(|(i, b)| {
            let start = flow_start_s + i as f64 * step_s;
            (start + bands.settle_s, start + step_s, *b)
        })
        .collect()
}

/// Flow and ΔP over the flow phase, each on its own axis in its own panel, with the
/// recipe's bands shaded over each step's averaging window.
fn flow_panels<'a>(
    record: &TestRecord,
    params: &PlotParams,
    (root, flow_area, dp_area): (&Area<'a>, &Area<'a>, &Area<'a>),
    texts: &mut Texts,
) -> Result<(), String> {
    let e = |x: &dyn std::fmt::Display| x.to_string();
    let in_flow = || record.trace.iter().filter(|p| p.phase == Phase::Flow);
    let t0 = in_flow().map(|p| p.t_s).fold(f64::INFINITY, f64::min);
    let t1 = in_flow().map(|p| p.t_s).fold(f64::NEG_INFINITY, f64::max);
    let (t0, t1) = match (t0.is_finite(), t1 > t0) {
        (true, true) => (t0, t1),
        (true, false) => (t0, t0 + 1.0),
        _ => (0.0, 1.0),
    };
    let windows = params
        .flow_bands
        .as_ref()
        .map(|b| step_windows(t0, b))
        .unwrap_or_default();
    let band_rgb = RGBColor(52, 168, 83);
    let series = |get: fn(&crate::l10::result::TracePoint) -> Option<f64>| -> Vec<(f64, f64)> {
        in_flow()
            .filter_map(|p| get(p).map(|v| (p.t_s, v)))
            .collect()
    };
    let panels = [
        (
            flow_area,
            series(|p| p.flow_lpm),
            "flow (L/min)",
            "flow band (recipe)",
            BLUE,
        ),
        (
            dp_area,
            series(|p| p.dp_kpa),
            "ΔP inlet − outlet (kPa)",
            "ΔP allowed (recipe)",
            MAGENTA,
        ),
    ];
    for (k, (area, pts, name, band_name, color)) in panels.into_iter().enumerate() {
        // The band of step `w` on this panel: flow min–max, or ΔP 0–max.
        let band = |b: &StepBand| {
            if k == 0 {
                (b.min_flow_lpm, b.max_flow_lpm)
            } else {
                (0.0, b.max_dp_kpa)
            }
        };
        let y_max = pts
            .iter()
            .map(|p| p.1)
            .chain(windows.iter().map(|w| band(&w.2).1))
            .filter(|v| v.is_finite())
            .fold(1.0, f64::max)
            * 1.15;
        let mut c = ChartBuilder::on(area)
            .margin(MARGIN_PX)
            .margin_top(14 + LEGEND_ROW_PX as u32)
            .x_label_area_size(X_LABELS_PX)
            .y_label_area_size(Y_LABELS_PX)
            .build_cartesian_2d(t0..t1, 0.0..y_max)
            .map_err(|x| e(&x))?;
        let y_desc = if k == 0 { "flow (L/min)" } else { "ΔP (kPa)" };
        mesh(&mut c, "time (s)", y_desc, texts)?;
        for (a, b, w) in &windows {
            let (lo, hi) = band(w);
            c.draw_series(std::iter::once(Rectangle::new(
                [(*a, lo), (*b, hi)],
                band_rgb.mix(0.18).filled(),
            )))
            .map_err(|x| e(&x))?;
            for y in [lo, hi].into_iter().filter(|y| *y > 0.0) {
                c.draw_series(std::iter::once(PathElement::new(
                    [(*a, y), (*b, y)],
                    band_rgb.stroke_width(1),
                )))
                .map_err(|x| e(&x))?;
            }
        }
        c.draw_series(LineSeries::new(pts, color.stroke_width(2)))
            .map_err(|x| e(&x))?;
        let mut entries = vec![(name.to_string(), Swatch::Line(color, 2))];
        if !windows.is_empty() {
            entries.push((band_name.to_string(), Swatch::Fill(band_rgb)));
        }
        legend(root, &c, &entries, texts)?;
    }
    Ok(())
}

/// The measure phase alone: samples, the fitted decay and (when the recipe's limit is known)
/// the decay a leak of exactly the limit would show, on a scale that shows them.
fn draw_zoom(
    area: &Area<'_>,
    decay: &[DecayPoint],
    fit: &LeakFit,
    limit: Option<&LeakFit>,
    margin_top: u32,
    texts: &mut Texts,
) -> Result<(), String> {
    let e = |x: &dyn std::fmt::Display| x.to_string();
    let (a, b) = (
        decay[0].t_s,
        decay[decay.len() - 1].t_s.max(decay[0].t_s + 1e-3),
    );
    let pts: Vec<(f64, f64)> = decay.iter().map(|d| (d.t_s, d.pressure_kpa)).collect();
    let line = [a, b].map(|t| (t, fit.fitted_pressure_kpa(t)));
    let limit_pts = limit.map(|l| [a, b].map(|t| (t, l.fitted_pressure_kpa(t))));
    let (lo, hi) = pts
        .iter()
        .chain(line.iter())
        .chain(limit_pts.iter().flatten())
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), p| {
            (lo.min(p.1), hi.max(p.1))
        });
    let pad = ((hi - lo) * 0.15).max(0.005);
    let mut c = ChartBuilder::on(area)
        .margin(MARGIN_PX)
        .margin_top(margin_top)
        .x_label_area_size(X_LABELS_PX)
        .y_label_area_size(76)
        .build_cartesian_2d(a..b, (lo - pad)..(hi + pad))
        .map_err(|x| e(&x))?;
    mesh(&mut c, "time (s)", "kPa gauge", texts)?;
    let (xr, yr) = c.plotting_area().get_pixel_range();
    texts.push(
        "measure phase (zoom)",
        ((xr.start + xr.end) / 2, yr.start - 4),
        HEADING,
    );
    if let Some(l) = limit_pts {
        c.draw_series(DashedLineSeries::new(l, 8, 6, BLACK.stroke_width(2)))
            .map_err(|x| e(&x))?;
    }
    c.draw_series(LineSeries::new(line, RED.mix(0.8).stroke_width(3)))
        .map_err(|x| e(&x))?;
    // The samples on top: the fit must not hide the data it was fitted to.
    c.draw_series(LineSeries::new(pts, BLUE.stroke_width(1)))
        .map_err(|x| e(&x))?;
    Ok(())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::l10::result::{FlowPoint, LeakResult, TracePoint};

    const VOLUME_ML: f64 = 850.0;

    fn params() -> PlotParams {
        PlotParams {
            volume_ml: VOLUME_ML,
            test_pressure_kpa: 525.0,
            max_leak_sccm: Some(0.5),
            flow_bands: Some(FlowBands {
                settle_s: 5.0,
                average_s: 5.0,
                steps: [(30.0, 4.0, 6.0, 20.0), (60.0, 7.0, 9.0, 45.0)]
                    .map(|(_, lo, hi, dp)| StepBand {
                        min_flow_lpm: lo,
                        max_flow_lpm: hi,
                        max_dp_kpa: dp,
                    })
                    .to_vec(),
            }),
        }
    }

    /// A test's trace at 1 s: fill, stabilize, a 30 s measure losing `leak_sccm` (at a
    /// constant 22 °C, so dP/dt = −leak · T / (V · 273.15/101.325 · 60)), vent, then two
    /// 10 s flow steps whose second one reaches `flow2_lpm`. With `abort_at`, the trace stops
    /// there and the rig vents in the safe state.
    fn record(
        outcome: Outcome,
        leak_sccm: f64,
        flow2_lpm: f64,
        abort_at: Option<u32>,
    ) -> TestRecord {
        let t_k = 22.0 + 273.15;
        let rate = leak_sccm * t_k / (VOLUME_ML * (T_STD_K / ATM_KPA) * 60.0);
        let point = |t: f64, phase, p: f64, flow: Option<f64>| TracePoint {
            t_s: t,
            phase,
            test_pressure_kpa: Some(p),
            gas_temperature_c: Some(22.0),
            flow_lpm: flow,
            dp_kpa: flow.map(|f| 0.6 * f * f),
            pump_speed_pct: None,
        };
        let mut trace = Vec::new();
        for i in 0..=90u32 {
            let t = f64::from(i);
            if let Some(at) = abort_at.filter(|at| i >= *at) {
                let p0 = trace
                    .last()
                    .map_or(0.0, |p: &TracePoint| p.test_pressure_kpa.unwrap());
                let p = p0 * (1.0 - f64::from(i - at) / 6.0).max(0.0);
                trace.push(point(t, Phase::Safe, p, None));
                if i > at + 8 {
                    break;
                }
                continue;
            }
            trace.push(match i {
                0..=9 => point(t, Phase::Fill, 52.5 * (t + 1.0), None),
                10..=29 => point(t, Phase::Stabilize, 525.0 - 0.05 * (t - 10.0), None),
                30..=59 => point(t, Phase::Measure, 524.0 - rate * (t - 30.0), None),
                60..=69 => point(t, Phase::Vent, 524.0 * (1.0 - (t - 59.0) / 10.0), None),
                _ => {
                    let (step, s) = ((i - 70) / 10, f64::from((i - 70) % 10));
                    let target = if step == 0 { 5.0 } else { flow2_lpm };
                    point(t, Phase::Flow, 0.0, Some(target * (1.0 - (-s).exp())))
                }
            });
        }
        let leak = abort_at.is_none().then_some(LeakResult {
            fill_kpa: 525.0,
            start_kpa: 524.0,
            end_kpa: 524.0 - rate * 29.0,
            leak_sccm,
            fit_samples: 30,
        });
        TestRecord {
            serial: "SN-0001".into(),
            recipe: "L10 VR200 compute tray".into(),
            started_at: "2026-11-26T12:00:00Z".into(),
            finished_at: "2026-11-26T12:01:30Z".into(),
            outcome,
            reason: match outcome {
                Outcome::Pass => "leak 0.05 sccm ≤ 0.5 sccm; flow in band".into(),
                Outcome::Fail => "leak 2.07 sccm > 0.5 sccm".into(),
                Outcome::Aborted => "gross leak: pressure fell 30 kPa in the measure phase".into(),
            },
            leak,
            flow: vec![FlowPoint {
                speed_pct: 30.0,
                flow_lpm: 5.0,
                dp_kpa: 15.0,
                ok: true,
            }],
            trace,
            provenance: Default::default(),
        }
    }

    #[test]
    fn an_aborted_test_draws_no_decay_fit() {
        // Aborted in the measure phase: measure samples exist, but no leak verdict.
        let aborted = record(Outcome::Aborted, 0.05, 8.0, Some(40));
        assert!(aborted.trace.iter().any(|p| p.phase == Phase::Measure));
        assert!(decay_fit(&aborted, &params()).is_none());
        // Aborted before the measurement.
        let early = record(Outcome::Aborted, 0.05, 8.0, Some(15));
        assert!(decay_fit(&early, &params()).is_none());
        // With a verdict, the fit is drawn and agrees with the leak the trace was built with
        // (exactly linear P/T at constant temperature: only rounding separates them).
        let (_, fit) = decay_fit(&record(Outcome::Fail, 2.07, 8.0, None), &params()).unwrap();
        assert!((fit.leak_sccm - 2.07).abs() < 1e-6, "{}", fit.leak_sccm);
    }

    #[test]
    fn the_limit_line_is_the_decay_of_a_leak_at_the_limit() {
        let (_, fit) = decay_fit(&record(Outcome::Pass, 0.05, 8.0, None), &params()).unwrap();
        let limit = limit_line(&fit, VOLUME_ML, 0.5);
        // Fitting the limit line's own points gives back the limit (same formula inverted).
        let pts: Vec<DecayPoint> = (0..10)
            .map(|i| {
                let t = 30.0 + f64::from(i);
                DecayPoint {
                    t_s: t,
                    pressure_kpa: limit.fitted_pressure_kpa(t),
                    temperature_c: Some(limit.mean_t_k - 273.15),
                }
            })
            .collect();
        let back = fit_leak(&pts, VOLUME_ML).unwrap().leak_sccm;
        assert!((back - 0.5).abs() < 1e-6, "{back}");
        assert_eq!(
            limit.fitted_pressure_kpa(30.0),
            fit.fitted_pressure_kpa(30.0)
        );
    }

    #[test]
    fn flow_step_windows_follow_the_recipe_timing() {
        let w = step_windows(70.0, params().flow_bands.as_ref().unwrap());
        assert_eq!(w.len(), 2);
        assert_eq!((w[0].0, w[0].1), (75.0, 80.0));
        assert_eq!((w[1].0, w[1].1), (85.0, 90.0));
        assert_eq!(w[1].2.max_flow_lpm, 9.0);
    }

    #[test]
    fn draws_pass_fail_and_abort() {
        let dir = std::env::temp_dir().join(format!("coldtray-plot-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let cases = [
            ("pass", record(Outcome::Pass, 0.05, 8.0, None)),
            ("fail", record(Outcome::Fail, 2.07, 10.0, None)),
            ("abort", record(Outcome::Aborted, 0.05, 8.0, Some(40))),
        ];
        for (name, r) in &cases {
            let path = dir.join(format!("{name}.png"));
            draw_with(r, &params(), &path).unwrap();
            let bytes = std::fs::read(&path).unwrap();
            assert!(bytes.starts_with(b"\x89PNG"), "{name}");
            let has_flow = r.trace.iter().any(|p| p.phase == Phase::Flow);
            let h = u32::from_be_bytes(bytes[20..24].try_into().unwrap());
            assert_eq!(h, image_height_px(has_flow), "{name}");
        }
        // Journal entries written before the limits existed still draw.
        let old: PlotParams =
            serde_json::from_str(r#"{"volume_ml":850.0,"test_pressure_kpa":525.0}"#).unwrap();
        draw_with(&cases[0].1, &old, &dir.join("old.png")).unwrap();
        // The recipe's own numbers reach the plot.
        let recipe = crate::l10::recipe::load_recipe(
            &Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/rig/l10-vr200.toml"),
        )
        .unwrap();
        draw(&cases[1].1, &recipe, &dir.join("recipe.png")).unwrap();
        if std::env::var_os("COLDTRAY_KEEP_PLOTS").is_none() {
            std::fs::remove_dir_all(&dir).unwrap();
        }
    }

    /// The right edge of each queued title line, pixels.
    fn title_right_edges(texts: &Texts) -> Vec<f32> {
        let w = |q: &Queued| text::measure(&q.text, &q.style).unwrap().0;
        let (head, body, sub) = (&texts.0[0], &texts.0[1], &texts.0[2]);
        vec![
            head.at.0 as f32 + w(head) + w(body),
            sub.at.0 as f32 + w(sub),
        ]
    }

    #[test]
    fn the_title_keeps_serial_and_verdict_whole_and_fits() {
        let serial = "S".repeat(30) + &"W".repeat(34); // 64 characters, wide letters
        let record = TestRecord {
            serial: serial.clone(),
            recipe: "L10 VR200 compute tray, rev C, second-source cold plates, ".repeat(3),
            started_at: "2026-11-26T12:00:00Z".into(),
            finished_at: "2026-11-26T12:01:40Z".into(),
            outcome: Outcome::Aborted,
            reason: "the link to the PLC was lost for longer than the link timeout ".repeat(4),
            leak: None,
            flow: vec![],
            trace: vec![],
            provenance: Default::default(),
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
            let (head, body, sub) = (&texts.0[0], &texts.0[1], &texts.0[2]);
            assert_eq!(head.text, format!("{serial} ABORTED"));
            assert_eq!(body.text.ends_with('…'), reason_shown, "{}", body.text);
            assert_eq!(body.text.is_empty(), !reason_shown, "{}", body.text);
            // The long recipe is shortened; both times stay whole.
            assert!(sub.text.contains("…"), "{}", sub.text);
            assert!(sub.text.contains(&record.started_at), "{}", sub.text);
            assert!(sub.text.ends_with(&record.finished_at), "{}", sub.text);
            assert!(
                sub.style.size_px >= SUBTITLE_MIN_PX,
                "{}",
                sub.style.size_px
            );
            assert!(head.at.0 as f32 >= TITLE_MARGIN_PX - 1.0, "{:?}", head.at);
            for right in title_right_edges(&texts) {
                assert!(right <= WIDTH_PX as f32 - TITLE_MARGIN_PX + 1.0, "{right}");
            }
        }
        // A short recipe is shown whole, at the full size.
        let short = TestRecord {
            serial: "SN-0001".into(),
            recipe: "L10 VR200".into(),
            ..record.clone()
        };
        let mut texts = Texts::default();
        title(&short, WIDTH_PX, &mut texts).unwrap();
        assert!(
            texts.0[2].text.contains("recipe: L10 VR200   ·"),
            "{}",
            texts.0[2].text
        );
        assert_eq!(texts.0[2].style.size_px, SUBTITLE_PX);
        // The whole image draws, title included.
        let path =
            std::env::temp_dir().join(format!("coldtray-plot-title-{}.png", std::process::id()));
        draw_with(&record, &params(), &path).unwrap();
        assert!(std::fs::read(&path).unwrap().starts_with(b"\x89PNG"));
        std::fs::remove_file(&path).unwrap();
    }
}
