//! coldtray's file plumbing, shared by every crate that reads a configuration file or writes
//! an output file.
//!
//! - [`config`]: one way to read a TOML configuration (design, register map, recipe, emulator
//!   scenario) into a serde type, with one error type, [`ConfigError`], that prints as one
//!   line naming the file, the field, the line and what would be valid.
//! - [`atomic`]: one way to write an output file so that a reader (or a crash) never sees half
//!   of it, with an explicit durability policy.
//!
//! # Example
//!
//! ```
//! use coldtray_io::{config, Format};
//!
//! #[derive(serde::Deserialize)]
//! #[serde(deny_unknown_fields)]
//! struct Pump {
//!     flow_lpm: f64,
//! }
//!
//! const PUMP: Format = Format { what: "a pump file", needs: "`flow_lpm`", doc: "docs/formats" };
//! let pump: Pump = config::parse_toml("flow_lpm = 2.5", "pump.toml".as_ref(), &PUMP)?;
//! assert_eq!(pump.flow_lpm, 2.5);
//!
//! let err = config::parse_toml::<Pump>("flow_lmp = 2.5", "pump.toml".as_ref(), &PUMP)
//!     .err()
//!     .expect("a typo is an error");
//! assert_eq!(err.field.as_deref(), Some("flow_lmp"));
//! assert!(err.to_string().starts_with("pump.toml: flow_lmp: unknown field"));
//! # Ok::<(), coldtray_io::ConfigError>(())
//! ```

#![deny(missing_docs)]
#![warn(unused_crate_dependencies)]

pub mod atomic;
pub mod config;

pub use atomic::{write_atomic, AtomicFile, Durability};
pub use config::{ConfigError, ConfigErrorKind, Format};

#[cfg(test)]
use serde as _;
