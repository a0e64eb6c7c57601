//! The embedded fonts (from `coldtray-assets`), registered with plotters' text backend.

use super::RenderError;

pub use coldtray_assets::{DEJAVU_SANS as REGULAR_TTF, DEJAVU_SANS_BOLD as BOLD_TTF, FAMILY};

/// Registers the embedded fonts (once per process; later calls are free).
pub fn ensure() -> Result<(), RenderError> {
    coldtray_assets::register_plotters_fonts().map_err(|e| RenderError::Draw(e.to_string()))
}

#[cfg(test)]
mod tests {
    #[test]
    fn embedded_fonts_register() {
        assert!(super::ensure().is_ok());
        assert!(super::ensure().is_ok());
    }
}
