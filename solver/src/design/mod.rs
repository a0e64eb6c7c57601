//! `design.toml` → validated [`Design`] (the format is documented in `docs/formats/design.md`).
//!
//! Four stages, each with an error ([`ConfigError`]) that names the file and the field:
//! 1. reading and TOML + serde into the raw shape of `raw`, through [`coldtray_io::config`]
//!    (missing, binary or empty files; syntax errors with line and column; unknown and missing
//!    fields with their path),
//! 2. `[[instances]]` expanded into the blocks, channel fields and links they place
//!    (`instances`), so the rules below see a design written out in full,
//! 3. validation into the typed model (`validate`, `flow`, `transient`): ranges, names,
//!    geometry, materials and fluids resolved against [`crate::model::materials`],
//! 4. the rules that depend on the cell size (grid limits, channel fields at least one cell
//!    each way), run again by [`Design::with_cell_mm`].

mod check;
mod flow;
mod instances;
mod links;
mod overrides;
mod patches;
mod raw;
mod transient;
mod validate;

use std::path::Path;

use coldtray_io::config::{self, Format};
use coldtray_io::ConfigError;

use crate::model::Design;

pub use instances::inline_instance_files;
pub use overrides::{apply_overrides, apply_overrides_table, to_toml, Override};

/// How messages name a design file and what a minimal one needs.
pub const FORMAT: Format = Format {
    what: "a design file",
    needs: "`name`, a [domain] table and at least one [[layers]] table",
    doc: "docs/formats/design.md",
};

/// The field a cell-size override is reported at (the CLI's `--cell-mm`).
const CELL_OVERRIDE: &str = "--cell-mm";

impl Design {
    /// Read and validate a design file.
    ///
    /// Every error is one line naming the file, the field and what would be valid.
    pub fn load(path: &Path) -> Result<Design, ConfigError> {
        let text = config::read_text(path, &FORMAT)?;
        Design::from_toml_str(&text, path)
    }

    /// Validate design text; `origin` names the file in messages and anchors relative paths
    /// (the power trace).
    pub fn from_toml_str(text: &str, origin: &Path) -> Result<Design, ConfigError> {
        let raw: raw::RawDesign = config::parse_toml(text, origin, &FORMAT)?;
        let ctx = check::Ctx { file: origin };
        let (raw, origins) = instances::expand(raw, &ctx)?;
        validate::validate(raw, &ctx).map_err(|e| origins.attribute(e))
    }

    /// Validate design text with `overrides` applied first (see [`Override`] for the path
    /// grammar): the overridden design is validated like any design, and an error about an
    /// overridden field is reported at `--set PATH`. With no overrides this is
    /// [`Design::from_toml_str`].
    pub fn from_toml_str_with(
        text: &str,
        origin: &Path,
        overrides: &[Override],
    ) -> Result<Design, ConfigError> {
        if overrides.is_empty() {
            return Design::from_toml_str(text, origin);
        }
        let (table, applied) = overrides::apply(text, origin, overrides)?;
        let resolved = to_toml(&table, origin)?;
        Design::from_toml_str(&resolved, origin).map_err(|e| overrides::attribute(e, &applied))
    }

    /// The same design on in-plane cells of `cell_mm` (mm) instead of `domain.cell_mm`,
    /// validated as `domain.cell_mm` is: finite and > 0, no larger than the domain, a grid
    /// within the cell limit, every channel field at least one cell each way. Errors name the
    /// field `--cell-mm`.
    pub fn with_cell_mm(mut self, cell_mm: f64) -> Result<Design, ConfigError> {
        let ctx = check::Ctx { file: &self.source };
        validate::cell_rules(&ctx, CELL_OVERRIDE, cell_mm, &self)?;
        self.cell_mm = cell_mm;
        Ok(self)
    }
}
