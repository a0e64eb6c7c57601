//! PNG thermal maps: layer plan views, coolant maps and vertical cross-sections.
//!
//! The heat map itself is written pixel by pixel into an RGB buffer (fast: a 2-megapixel map
//! takes milliseconds); axes, outlines and the colour bar are then drawn over it with
//! plotters' bitmap backend, and the text last with `coldtray_assets::text` and the embedded
//! DejaVu Sans font (no system fonts needed). Every PNG is written atomically.

pub mod canvas;
pub mod colormap;
pub mod difference;
mod draw;
mod geometry;
pub mod hydraulics;
pub mod layer_map;
pub mod pareto;
pub mod probes;
pub mod sample;
pub mod section;

use std::path::{Path, PathBuf};

use crate::{Field, FieldInfo, RenderError};

pub use difference::{
    layer_difference, render_difference, DiffLabels, Grid, PlaneDifference, DIFF_FLOOR_K,
};
pub use geometry::MapGeometry;
pub use hydraulics::{
    draw_hydraulics, hydraulics_png, CurveAxes, HydraulicsPlot, HYDRAULICS_WIDTH_PX,
};
pub use pareto::{pareto_front, render_pareto, ParetoChart, SweepPoint};
pub use probes::{probes_size, render_probes};

/// A vertical cross-section plane.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Section {
    /// The plane x = value (mm); y runs horizontally.
    X(f64),
    /// The plane y = value (mm); x runs horizontally.
    Y(f64),
    /// The plane y = y of the hottest solid cell; x runs horizontally.
    Hottest,
}

/// What to draw on a map.
#[derive(Debug, Clone, PartialEq)]
pub struct MapOptions {
    /// Fixed colour scale (min, max) in °C; `None` = the drawn plane's own min and max.
    pub range_c: Option<(f64, f64)>,
    /// Image width in pixels (≥ 600).
    pub width_px: u32,
    /// Draw the coolant (fluid) temperature instead of the solid temperature.
    pub coolant: bool,
}

impl Default for MapOptions {
    fn default() -> Self {
        MapOptions {
            range_c: None,
            width_px: 1600,
            coolant: false,
        }
    }
}

/// Smallest accepted image width, px.
pub const MIN_WIDTH_PX: u32 = 600;
/// Largest accepted image width, px.
pub const MAX_WIDTH_PX: u32 = 10_000;

/// Writes every default map of `coldtray simulate` into `dir` and returns the files written:
///
/// - `<layer>.png` for every layer holding blocks or coolant: the solid temperature, the
///   maximum over the layer's z sub-cells in each column (the number checked against limits);
/// - `<layer>-coolant.png` for every coolant layer: the fluid temperature;
/// - `section.png`: the vertical section through the hottest cell;
/// - the field files of [`crate::write_field`]: `field.vtr` + `field.json` for ParaView and
///   the saved field that `coldtray plot` re-renders from.
///
/// Layer names are sanitised for file names (see [`file_stem`]); every file is written
/// atomically.
pub fn write_pngs(field: &Field, dir: &Path) -> Result<Vec<PathBuf>, RenderError> {
    check_field(field)?;
    std::fs::create_dir_all(dir).map_err(|source| RenderError::Io {
        path: dir.to_path_buf(),
        source,
    })?;
    let opts = MapOptions::default();
    let mut written = Vec::new();
    let mut used = std::collections::HashSet::new();
    for layer in 0..field.layer_names.len() {
        let coolant = layer_has_coolant(field, layer);
        let blocks = field.blocks.iter().any(|b| b.layer == layer);
        if !(coolant || blocks) || field.layer_cells(layer).is_empty() {
            continue;
        }
        let mut stem = file_stem(&field.layer_names[layer]);
        if !used.insert(stem.clone()) || stem == "section" || stem == "field" {
            stem = format!("{stem}-{layer}");
            used.insert(stem.clone());
        }
        let path = dir.join(format!("{stem}.png"));
        render_layer(field, layer, &opts, &path)?;
        written.push(path);
        if coolant {
            let path = dir.join(format!("{stem}-coolant.png"));
            let copts = MapOptions {
                coolant: true,
                ..opts.clone()
            };
            render_layer(field, layer, &copts, &path)?;
            written.push(path);
        }
    }
    let path = dir.join("section.png");
    render_section(field, Section::Hottest, &opts, &path)?;
    written.push(path);
    written.extend(crate::write_field(field, dir)?);
    Ok(written)
}

/// True when some cell of layer `layer` holds coolant (finite fluid temperature).
pub fn layer_has_coolant(field: &Field, layer: usize) -> bool {
    let n = field.nx * field.ny;
    field.layer_cells(layer).any(|k| {
        field.fluid_c[k * n..(k + 1) * n]
            .iter()
            .any(|v| v.is_finite())
    })
}

/// A file-name-safe form of a layer name: characters outside `[A-Za-z0-9_-]` become `_`
/// (an empty name becomes `layer`).
pub fn file_stem(name: &str) -> String {
    let s: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect();
    if s.is_empty() {
        "layer".into()
    } else {
        s
    }
}

/// Draws the plan view of layer `layer` into the PNG `path`: solid temperature (max over the
/// layer's z sub-cells per column), or the coolant temperature with `opts.coolant`.
pub fn render_layer(
    field: &Field,
    layer: usize,
    opts: &MapOptions,
    path: &Path,
) -> Result<(), RenderError> {
    let (canvas, _) =
        layer_map::draw_layer(field, layer, opts.range_c, opts.width_px, opts.coolant)?;
    canvas.save_png(path)
}

/// Draws a vertical cross-section (solid temperature) into the PNG `path`.
pub fn render_section(
    field: &Field,
    at: Section,
    opts: &MapOptions,
    path: &Path,
) -> Result<(), RenderError> {
    let (canvas, _) = section::draw_section(field, at, opts.range_c, opts.width_px)?;
    canvas.save_png(path)
}

/// Rejects a field whose arrays do not match its dimensions (drawing it would index out of
/// bounds).
pub(crate) fn check_field(field: &Field) -> Result<(), RenderError> {
    crate::check::check(field).map_err(|problem| RenderError::InconsistentField {
        nx: field.nx,
        ny: field.ny,
        nz: field.nz,
        problem,
    })
}

/// Rejects a colour range that is not finite and increasing, and widths out of bounds.
pub(crate) fn check_options(range_c: Option<(f64, f64)>, width_px: u32) -> Result<(), RenderError> {
    if let Some((lo, hi)) = range_c {
        if !(lo.is_finite() && hi.is_finite() && lo < hi) {
            return Err(RenderError::BadRange { lo_c: lo, hi_c: hi });
        }
    }
    if !(MIN_WIDTH_PX..=MAX_WIDTH_PX).contains(&width_px) {
        return Err(RenderError::BadWidth { width_px });
    }
    Ok(())
}

/// "78.4 °C".
pub(crate) fn fmt_c(v: f64) -> String {
    format!("{v:.1} °C")
}

/// "Total power 2300 W   |   coolant inlet 40.0 °C, 2.00 L/min".
pub(crate) fn headline(info: &FieldInfo) -> String {
    let coolant = match (info.inlet_c, info.flow_lpm) {
        (Some(t), Some(q)) => format!("coolant inlet {}, {q:.2} L/min", fmt_c(t)),
        (Some(t), None) => format!("coolant inlet {}", fmt_c(t)),
        _ => "no coolant loop".to_string(),
    };
    format!("Total power {:.0} W   |   {coolant}", info.total_power_w)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_stems_are_safe() {
        assert_eq!(file_stem("cold plate/fins (Cu)"), "cold_plate_fins__Cu_");
        assert_eq!(file_stem("die_0-a"), "die_0-a");
        assert_eq!(file_stem(""), "layer");
        assert!(!file_stem("..").contains('.'));
    }

    #[test]
    fn bad_ranges_are_rejected() {
        assert!(check_options(Some((50.0, 50.0)), 1600).is_err());
        assert!(check_options(Some((60.0, 50.0)), 1600).is_err());
        assert!(check_options(Some((f64::NAN, 50.0)), 1600).is_err());
        assert!(check_options(Some((40.0, 50.0)), 100).is_err());
        assert!(check_options(None, 1600).is_ok());
    }
}
