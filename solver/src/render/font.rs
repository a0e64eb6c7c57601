//! The embedded font: DejaVu Sans (regular and bold), registered once with plotters' ab_glyph
//! text backend so text renders on a machine without any system font packages.
//!
//! The TTF files live in `assets/fonts/` at the workspace root with their licence (Bitstream
//! Vera / DejaVu licence: free to use, copy and redistribute; public-domain DejaVu changes).
//! They were taken from the matplotlib 3.11.2 wheel (`mpl-data/fonts/ttf/`).

use std::sync::OnceLock;

use plotters::style::{register_font, FontStyle};

use super::RenderError;

/// DejaVu Sans, regular.
pub static REGULAR_TTF: &[u8] = include_bytes!("../../../assets/fonts/DejaVuSans.ttf");
/// DejaVu Sans, bold.
pub static BOLD_TTF: &[u8] = include_bytes!("../../../assets/fonts/DejaVuSans-Bold.ttf");

/// The family name the maps ask plotters for (also plotters' default family, so any text
/// drawn with default styles finds the embedded font too).
pub const FAMILY: &str = "sans-serif";

/// Registers the embedded fonts (once per process; later calls are free).
pub fn ensure() -> Result<(), RenderError> {
    static DONE: OnceLock<Result<(), String>> = OnceLock::new();
    DONE.get_or_init(|| {
        let bad = |_| "the embedded DejaVu Sans font is not a valid TrueType file".to_string();
        register_font(FAMILY, FontStyle::Normal, REGULAR_TTF).map_err(bad)?;
        register_font(FAMILY, FontStyle::Bold, BOLD_TTF).map_err(bad)?;
        Ok(())
    })
    .clone()
    .map_err(RenderError::Draw)
}

#[cfg(test)]
mod tests {
    #[test]
    fn embedded_fonts_register() {
        assert!(super::ensure().is_ok());
        assert!(super::ensure().is_ok());
    }
}
