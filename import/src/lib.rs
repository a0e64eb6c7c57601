//! Importers: another thermal tool's input files translated into a coldtray `design.toml`.
//!
//! [`hotspot`] reads HotSpot's floorplan (`.flp`), power trace (`.ptrace`), configuration
//! (`-name value` lines), materials file and layer configuration (`.lcf`) and writes a
//! commented design with the same stack, powers and boundary, plus the power trace as the
//! CSV a `[transient]` section reads. The mapping is documented in
//! `docs/guide/import-hotspot.md`.
//!
//! Every problem with an input is one [`ImportError`] that prints as one line naming the file,
//! the line and what was expected:
//!
//! ```
//! use coldtray_import::hotspot::flp;
//!
//! let err = flp::parse("core 0.004 0.004 0.0\n", "cpu.flp".as_ref()).unwrap_err();
//! assert!(err.to_string().starts_with("cpu.flp:1: "));
//! ```

#![cfg_attr(not(test), warn(unused_crate_dependencies))]
#![deny(missing_docs)]

mod error;
pub mod hotspot;

pub use error::ImportError;
