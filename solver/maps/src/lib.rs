//! PNG thermal maps and the saved result field of a coldtray solve.
//!
//! The solver computes a [`Field`] (`coldtray_solver::results::Field`, re-exported here); this
//! crate draws and stores it, and reads nothing of the solver but that type (and, for a
//! transient run's `probes.png`, its `Results`). A result directory written by
//! `coldtray simulate --out DIR` holds, from here:
//!
//! | file | written by | for |
//! | --- | --- | --- |
//! | `<layer>.png`, `<layer>-coolant.png`, `section.png` | [`write_pngs`] | people |
//! | `probes.png` (transient runs) | [`render_probes`] | people: probe temperatures and power against time |
//! | `pareto.png` (`coldtray sweep`) | [`render_pareto`] | people: peak die temperature against Δp of a sweep's variants |
//! | `diff_<layer>.png` (`coldtray compare`) | [`render_difference`] | people: B − A of a layer of two results |
//! | `field.vtr` ([`FIELD_VTR`]) | [`write_field`] | ParaView (write-only) |
//! | `field.json` ([`FIELD_JSON`]) | [`write_field`] | ParaView users: names of the vtr's ids |
//! | `field.coldtray` ([`SAVED_FIELD`]) | [`write_field`] | [`read_field`]: `coldtray plot` re-renders from it |
//!
//! Every file is written atomically (a temporary file renamed into place): a killed process
//! leaves the old file or the whole new one, never a 0-byte or half-written one.
//!
//! # Example
//!
//! Render the plan view of a synthetic package's die layer and a section through its hottest
//! cell, then save the field and read it back:
//!
//! ```
//! use coldtray_maps::render::sample::synthetic_field;
//! use coldtray_maps::{read_field, render_layer, render_section, write_field, MapOptions, Section};
//!
//! let field = synthetic_field(48, 48);
//! let dir = std::env::temp_dir().join(format!("coldtray-maps-doc-{}", std::process::id()));
//! std::fs::create_dir_all(&dir)?;
//!
//! let opts = MapOptions { width_px: 800, ..MapOptions::default() };
//! let die = field.layer_names.iter().position(|l| l == "die").expect("a die layer");
//! render_layer(&field, die, &opts, &dir.join("die.png"))?;
//! render_section(&field, Section::Hottest, &opts, &dir.join("section.png"))?;
//! for png in ["die.png", "section.png"] {
//!     let bytes = std::fs::read(dir.join(png))?;
//!     assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n");
//! }
//!
//! write_field(&field, &dir)?;
//! let back = read_field(&dir)?;
//! assert_eq!(back.solid_c, field.solid_c); // f64 exact (fluid_c holds NaN, so not `==`)
//! # std::fs::remove_dir_all(&dir)?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

#![deny(missing_docs)]
#![warn(unused_crate_dependencies)]

mod check;
mod error;
mod field_files;
pub mod render;
pub mod store;
pub mod vtk;

/// The solver's result type that this crate draws and stores, re-exported so users need not
/// name the solver's module path; named here only (a move in the solver is a one-line fix).
#[doc(no_inline)]
pub use coldtray_solver::results::{BlockOutline, Field, FieldInfo};

pub use check::Inconsistency;
/// Registers the embedded fonts with plotters' text backend, for plotters text drawn next to
/// these maps (the maps themselves lay text out with `coldtray_assets::text`).
#[doc(no_inline)]
pub use coldtray_assets::register_plotters_fonts;
pub use error::{FieldFileError, RenderError};
pub use field_files::{read_field, write_field, FIELD_JSON, FIELD_VTR, SAVED_FIELD};
pub use render::{
    file_stem, layer_difference, layer_has_coolant, pareto_front, probes_size, render_difference,
    render_layer, render_pareto, render_probes, render_section, write_pngs, DiffLabels, Grid,
    MapOptions, ParetoChart, PlaneDifference, Section, SweepPoint, DIFF_FLOOR_K, MAX_WIDTH_PX,
    MIN_WIDTH_PX,
};
