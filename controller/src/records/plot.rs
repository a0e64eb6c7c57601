//! PNG of a test's trace, written next to its JSON record: the test pressure over time with the
//! phases shaded, the least-squares decay fit over the measure phase, the verdict in the title,
//! and (when the flow test ran) flow and ΔP in a lower panel.
//!
//! Text uses DejaVu Sans embedded in the binary (`coldtray-assets`), so plots render on a factory
//! PC without font packages.

use std::io::BufWriter;
use std::path::Path;

use coldtray_io::atomic::{AtomicFile, Durability};

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
pub fn draw_with(record: &TestRecord, recipe: &PlotParams, path: &Path) -> Result<(), RecordError> {
    let plot_err = |message: String| RecordError::Plot {
        path: path.to_path_buf(),
        message,
    };
    ensure_font().map_err(plot_err)?;
    let has_flow = record.trace.iter().any(|p| p.phase == Phase::Flow);
    let height_px = if has_flow { 760 } else { 520 };
    let mut rgb = vec![0u8; (WIDTH_PX * height_px * 3) as usize];
    draw_inner(record, recipe, &mut rgb, height_px, has_flow).map_err(plot_err)?;
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

fn draw_inner(
    record: &TestRecord,
    recipe: &PlotParams,
    rgb: &mut [u8],
    height: u32,
    has_flow: bool,
) -> Result<(), String> {
    let e = |x: &dyn std::fmt::Display| x.to_string();
    let root = BitMapBackend::with_buffer(rgb, (WIDTH_PX, height)).into_drawing_area();
    root.fill(&WHITE).map_err(|x| e(&x))?;
    let (top, bottom) = if has_flow {
        root.split_vertically(500)
    } else {
        (root.clone(), root.clone())
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
    let verdict = match record.outcome {
        Outcome::Pass => "PASS",
        Outcome::Fail => "FAIL",
        Outcome::Aborted => "ABORTED",
    };
    let mut reason = record.reason.clone();
    if reason.chars().count() > 90 {
        reason = reason.chars().take(87).collect::<String>() + "…";
    }
    let title = format!("{} {verdict} — {reason}", record.serial);
    let mut chart = ChartBuilder::on(&top)
        .caption(title, (FAMILY, 18))
        .margin(12)
        .x_label_area_size(36)
        .y_label_area_size(60)
        .build_cartesian_2d(0.0..t_max, -5.0..p_max)
        .map_err(|x| e(&x))?;
    chart
        .configure_mesh()
        .x_desc("time (s)")
        .y_desc("test_pressure (kPa gauge)")
        .label_style((FAMILY, 13))
        .draw()
        .map_err(|x| e(&x))?;

    let mut labelled = Vec::new();
    for (phase, a, b) in phase_spans(record) {
        let color = phase_color(phase);
        let series = chart
            .draw_series(std::iter::once(Rectangle::new(
                [(a, -5.0), (b, p_max)],
                color.mix(0.15).filled(),
            )))
            .map_err(|x| e(&x))?;
        if !labelled.contains(&phase) {
            labelled.push(phase);
            series.label(phase.as_str()).legend(move |(x, y)| {
                Rectangle::new([(x, y - 5), (x + 14, y + 5)], color.mix(0.4).filled())
            });
        }
    }
    chart
        .draw_series(LineSeries::new(pressures, BLUE.stroke_width(2)))
        .map_err(|x| e(&x))?
        .label("test_pressure")
        .legend(|(x, y)| PathElement::new([(x, y), (x + 14, y)], BLUE.stroke_width(2)));

    if let Some(fit) = &fit {
        let (a, b) = (decay[0].t_s, decay[decay.len() - 1].t_s);
        let line = [a, b].map(|t| (t, fit.fitted_pressure_kpa(t)));
        chart
            .draw_series(LineSeries::new(line, RED.stroke_width(3)))
            .map_err(|x| e(&x))?
            .label(format!("decay fit: {:.2} sccm", fit.leak_sccm))
            .legend(|(x, y)| PathElement::new([(x, y), (x + 14, y)], RED.stroke_width(3)));
    }
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperRight)
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK)
        .label_font((FAMILY, 13))
        .draw()
        .map_err(|x| e(&x))?;

    if let (Some(fit), Some(area)) = (&fit, &zoom) {
        draw_zoom(area, &decay, fit).map_err(|x| e(&x))?;
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
            .x_label_area_size(36)
            .y_label_area_size(60)
            .build_cartesian_2d(0.0..t_max, 0.0..y_max)
            .map_err(|x| e(&x))?;
        c2.configure_mesh()
            .x_desc("time (s)")
            .y_desc("flow (L/min), ΔP (kPa)")
            .label_style((FAMILY, 13))
            .draw()
            .map_err(|x| e(&x))?;
        c2.draw_series(LineSeries::new(flows, BLUE.stroke_width(2)))
            .map_err(|x| e(&x))?
            .label("flow (L/min)")
            .legend(|(x, y)| PathElement::new([(x, y), (x + 14, y)], BLUE.stroke_width(2)));
        c2.draw_series(LineSeries::new(dps, MAGENTA.stroke_width(2)))
            .map_err(|x| e(&x))?
            .label("ΔP inlet − outlet (kPa)")
            .legend(|(x, y)| PathElement::new([(x, y), (x + 14, y)], MAGENTA.stroke_width(2)));
        c2.configure_series_labels()
            .position(SeriesLabelPosition::UpperLeft)
            .background_style(WHITE.mix(0.85))
            .border_style(BLACK)
            .label_font((FAMILY, 13))
            .draw()
            .map_err(|x| e(&x))?;
    }
    root.present().map_err(|x| e(&x))?;
    Ok(())
}

/// The measure phase alone: samples and the fitted decay, on a scale that shows them.
fn draw_zoom(
    area: &DrawingArea<BitMapBackend<'_>, plotters::coord::Shift>,
    decay: &[DecayPoint],
    fit: &LeakFit,
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
        .caption("measure phase (zoom)", (FAMILY, 15))
        .margin(12)
        .x_label_area_size(36)
        .y_label_area_size(72)
        .build_cartesian_2d(a..b, (lo - pad)..(hi + pad))
        .map_err(|x| e(&x))?;
    c.configure_mesh()
        .x_desc("time (s)")
        .y_desc("kPa gauge")
        .y_label_formatter(&|v| format!("{v:.3}"))
        .label_style((FAMILY, 12))
        .draw()
        .map_err(|x| e(&x))?;
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
}
