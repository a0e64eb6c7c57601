//! The crate's two error types: drawing a map, and writing or reading a field file.
//!
//! Messages name the file and say what is wrong in one line; an underlying error (I/O, PNG
//! encoding, plotters) is the [`source`](std::error::Error::source), not repeated in the
//! message, so `anyhow`'s `{:#}` prints each cause once.

use std::path::PathBuf;

use crate::check::Inconsistency;
use crate::render::{MAX_WIDTH_PX, MIN_WIDTH_PX};

/// Why a map could not be drawn or written.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RenderError {
    /// A PNG or its directory could not be written.
    #[error("cannot write {}", path.display())]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// The PNG encoder refused the image.
    #[error("cannot encode the PNG {}", path.display())]
    Png {
        /// The file being written.
        path: PathBuf,
        /// The encoder's error.
        #[source]
        source: png::EncodingError,
    },
    /// A layer index past the field's layers.
    #[error("layer index {layer} out of range: the field has {count} layers")]
    NoSuchLayer {
        /// The index asked for.
        layer: usize,
        /// The number of layers.
        count: usize,
    },
    /// A fixed colour range that is not finite and increasing.
    #[error("colour range {lo_c}..{hi_c} °C: need finite numbers with min < max")]
    BadRange {
        /// The range's minimum, °C.
        lo_c: f64,
        /// The range's maximum, °C.
        hi_c: f64,
    },
    /// An image width outside [`MIN_WIDTH_PX`]..=[`MAX_WIDTH_PX`].
    #[error("image width {width_px} px: must be {MIN_WIDTH_PX} to {MAX_WIDTH_PX} px")]
    BadWidth {
        /// The width asked for.
        width_px: u32,
    },
    /// The field's arrays disagree with its dimensions.
    #[error("inconsistent field of {nx}×{ny}×{nz} cells: {problem}")]
    InconsistentField {
        /// Cells along x.
        nx: usize,
        /// Cells along y.
        ny: usize,
        /// Cells along z.
        nz: usize,
        /// What disagrees.
        problem: Inconsistency,
    },
    /// A coolant map of a layer without coolant.
    #[error("layer \"{layer}\" holds no coolant, so it has no coolant map")]
    NoCoolant {
        /// The layer's name.
        layer: String,
    },
    /// Nothing finite to draw (every value NaN or infinite).
    #[error("{what} has no finite temperature to draw")]
    NoFiniteTemperature {
        /// What was to be drawn: `layer "die"`, `the field`, `the section`.
        what: String,
    },
    /// A section plane outside the domain.
    #[error(
        "section {axis} = {at_mm} mm is outside the domain: valid {axis} is 0 to {extent_mm} mm"
    )]
    SectionOutside {
        /// `x` or `y`.
        axis: char,
        /// The position asked for, mm.
        at_mm: f64,
        /// The domain's extent along `axis`, mm.
        extent_mm: f64,
    },
    /// plotters failed to draw a shape (never expected for an in-memory buffer).
    #[error("drawing the map's axes and outlines failed")]
    Plot {
        /// plotters' error.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// The text layout failed (never expected: the font is embedded).
    #[error("drawing the map's text failed")]
    Text(#[source] coldtray_assets::TextError),
    /// `write_pngs` could not write the field files next to the maps.
    #[error(transparent)]
    FieldFile(#[from] FieldFileError),
}

/// Why a field file (`field.vtr`, `field.json`, the saved field) could not be written or read.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum FieldFileError {
    /// The file could not be created or written.
    #[error("cannot write {}", path.display())]
    Write {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// The file could not be opened or read.
    #[error("cannot read {}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// The field to write, or the one read, disagrees with its own dimensions.
    #[error("{}: inconsistent field of {nx}×{ny}×{nz} cells: {problem}", path.display())]
    InconsistentField {
        /// The file being written or read.
        path: PathBuf,
        /// Cells along x.
        nx: usize,
        /// Cells along y.
        ny: usize,
        /// Cells along z.
        nz: usize,
        /// What disagrees.
        problem: Inconsistency,
    },
    /// The file does not start with the saved-field signature.
    #[error("{} is not a saved coldtray field (no \"coldtray field\" signature)", path.display())]
    NotAFieldFile {
        /// The file.
        path: PathBuf,
    },
    /// A saved field of another format version.
    #[error(
        "{} is a saved coldtray field of format version {found}; this build reads version \
         {expected}: run `coldtray simulate` again",
        path.display()
    )]
    Version {
        /// The file.
        path: PathBuf,
        /// The version the file declares.
        found: String,
        /// The version this build reads.
        expected: u32,
    },
    /// The saved field ends early or its compressed data is corrupt.
    #[error("{} is truncated or corrupt", path.display())]
    Corrupt {
        /// The file.
        path: PathBuf,
        /// The decompressor's or reader's error.
        #[source]
        source: std::io::Error,
    },
    /// The saved field decompresses but is not a valid encoded field.
    #[error("{} is damaged: {reason}", path.display())]
    Malformed {
        /// The file.
        path: PathBuf,
        /// The CBOR decoder's reason (e.g. "missing field `nx`", "invalid CBOR at byte 12").
        reason: String,
    },
    /// The field could not be encoded (never expected: a `Field` always serialises).
    #[error("cannot encode the field for {}: {reason}", path.display())]
    Encode {
        /// The file being written.
        path: PathBuf,
        /// The encoder's reason.
        reason: String,
    },
    /// `field.json` could not be serialised (never expected).
    #[error("cannot serialise {}", path.display())]
    Json {
        /// The file being written.
        path: PathBuf,
        /// serde_json's error.
        #[source]
        source: serde_json::Error,
    },
}

impl RenderError {
    /// A plotters drawing error.
    pub(crate) fn plot<E: std::error::Error + Send + Sync + 'static>(e: E) -> Self {
        RenderError::Plot {
            source: Box::new(e),
        }
    }
}
