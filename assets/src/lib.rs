//! The fonts embedded in coldtray's binaries, so every PNG renders on a machine without any
//! font packages (a factory PC, a CI container), and the one text layout the PNGs use.
//!
//! DejaVu Sans, regular and bold, with its licence in `fonts/LICENSE` beside this crate
//! (Bitstream Vera / DejaVu licence: free to use, copy and redistribute). The files were taken
//! from the matplotlib 3.11.2 wheel (`mpl-data/fonts/ttf/`).
//!
//! [`text`] lays text out with correct letter spacing (plotters 0.3.7's own text path breaks
//! it) and blends it into any RGB8 buffer, such as the one a plotters `BitMapBackend` draws
//! into: draw the shapes with plotters, drop the drawing area, then draw the text.
//!
//! # Example
//!
//! A label, right-aligned and vertically centred on a tick at (70, 20), in a 80 × 40 px RGB
//! buffer:
//!
//! ```
//! use coldtray_assets::text::{self, HAlign, TextStyle, VAlign};
//!
//! let (w, h) = (80u32, 40u32);
//! let mut rgb = vec![255u8; (w * h * 3) as usize]; // white, row-major RGB8
//! let style = TextStyle::new(14.0)
//!     .rgb([25, 25, 25])
//!     .align(HAlign::Right, VAlign::Center);
//! let (tw, th) = text::measure("peak", &style)?;
//! assert!(tw > 20.0 && th > 10.0);
//! text::draw("peak", (70, 20), &style, &mut rgb, w, h)?;
//! let inked = rgb.chunks_exact(3).filter(|px| *px != [255, 255, 255]).count();
//! assert!(inked > 20, "{inked} pixels changed");
//!
//! // plotters' text backend gets the same fonts (for code that still draws text with it).
//! coldtray_assets::register_plotters_fonts()?;
//! assert!(coldtray_assets::DEJAVU_SANS.len() > 100_000);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

#![deny(missing_docs)]
#![warn(unused_crate_dependencies)]

use std::sync::OnceLock;

pub mod text;

pub use text::{Direction, HAlign, TextError, TextStyle, VAlign};

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
