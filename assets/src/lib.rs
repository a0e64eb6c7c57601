//! The fonts embedded in coldtray's binaries, so every PNG renders on a machine without any
//! font packages (a factory PC, a CI container).
//!
//! DejaVu Sans, regular and bold, with its licence in `fonts/LICENSE` beside this crate
//! (Bitstream Vera / DejaVu licence: free to use, copy and redistribute). The files were taken
//! from the matplotlib 3.11.2 wheel (`mpl-data/fonts/ttf/`).
//!
//! # Example
//!
//! ```
//! coldtray_assets::register_plotters_fonts().expect("the embedded fonts are valid TrueType");
//! assert!(coldtray_assets::DEJAVU_SANS.len() > 100_000);
//! ```

#![deny(missing_docs)]
#![warn(unused_crate_dependencies)]

use std::sync::OnceLock;

use ab_glyph as _;
use plotters::style::{register_font, FontStyle};

/// DejaVu Sans, regular (TrueType bytes).
pub static DEJAVU_SANS: &[u8] = include_bytes!("../fonts/DejaVuSans.ttf");
/// DejaVu Sans, bold (TrueType bytes).
pub static DEJAVU_SANS_BOLD: &[u8] = include_bytes!("../fonts/DejaVuSans-Bold.ttf");

/// The family name registered with plotters; also plotters' default family, so text drawn
/// with default styles finds the embedded font.
pub const FAMILY: &str = "sans-serif";

/// The embedded fonts are not valid TrueType (a corrupted build; never expected).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FontError;

impl std::fmt::Display for FontError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("the embedded DejaVu Sans font is not a valid TrueType file")
    }
}

impl std::error::Error for FontError {}

/// Register the embedded fonts with plotters' text backend (once per process; later calls
/// are free).
pub fn register_plotters_fonts() -> Result<(), FontError> {
    static DONE: OnceLock<Result<(), FontError>> = OnceLock::new();
    DONE.get_or_init(|| {
        register_font(FAMILY, FontStyle::Normal, DEJAVU_SANS).map_err(|_| FontError)?;
        register_font(FAMILY, FontStyle::Bold, DEJAVU_SANS_BOLD).map_err(|_| FontError)?;
        Ok(())
    })
    .clone()
}
