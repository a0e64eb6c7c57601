//! coldtray's L10 leak-test controller: it drives a tray leak-test rig's PLC over Modbus TCP
//! through a pressure-decay leak test and an optional flow test, supervises every sample
//! against the recipe's limits, ends every test in the safe state, and keeps a record of each
//! test (JSON file, SQLite row, trace plot). With the `emulator` feature it also serves an
//! emulated rig, with leak-test physics and injectable faults, for tests and training.
//!
//! The crate knows nothing of heat conduction or the command line. Its modules, each depending
//! only on those listed before it:
//! - [`rig`]: the register map both sides speak (signals, tables, wire codec);
//! - [`link`]: the Modbus TCP client actor;
//! - [`l10`]: the test (recipe, sequence, sampler, supervisor, safe state, leak rate);
//! - [`records`]: what is kept of a test (JSON record, SQLite store, plot);
//! - [`runner`]: one whole test as the CLI runs it;
//! - `emulator` (feature `emulator`): the rig emulator, which depends only on [`rig`].
//!
//! # Example
//!
//! A complete leak test against the emulator, sixty times faster than real time, with the
//! shipped example map and leak-only recipe:
//!
//! ```
//! # #[cfg(feature = "emulator")]
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use std::path::Path;
//! use coldtray_controller::{emulator, prepare, Outcome, RunOptions};
//!
//! let rig = Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/rig");
//! let out = std::env::temp_dir().join(format!("coldtray-doc-{}", std::process::id()));
//! let time_scale = 60.0;
//!
//! let runtime = tokio::runtime::Runtime::new()?;
//! let record = runtime.block_on(async {
//!     // The emulated rig, serving the example map on an ephemeral loopback port.
//!     let map = coldtray_controller::rig::parse::load_map(&rig.join("map.toml"))?;
//!     let config = emulator::EmulatorConfig { time_scale, ..Default::default() };
//!     let emu = emulator::start(map, "127.0.0.1:0".parse()?, config).await?;
//!
//!     // Every input checked before the rig is touched; then the test, then its record.
//!     let prepared = prepare(
//!         &rig.join("map.toml"),
//!         &rig.join("l10-vr200-noflow.toml"),
//!         "SN-DOC-1",
//!         Some(&emu.local_addr().to_string()),
//!         &out,
//!         &out.join("results.sqlite"),
//!     )?;
//!     let options = RunOptions { time_scale, ..Default::default() };
//!     let (_stop, stop_rx) = tokio::sync::watch::channel(false);
//!     let done = prepared.run(&options, stop_rx).await?;
//!     emu.shutdown().await;
//!     Ok::<_, Box<dyn std::error::Error>>(done.record)
//! })?;
//!
//! // The emulated tray is sealed: it passes, with a leak well under the recipe's 0.5 sccm.
//! assert_eq!(record.outcome, Outcome::Pass, "{}", record.reason);
//! assert!(record.leak.as_ref().is_some_and(|l| l.leak_sccm < 0.5));
//! std::fs::remove_dir_all(&out)?;
//! # Ok(())
//! # }
//! # #[cfg(not(feature = "emulator"))]
//! # fn main() {}
//! ```

#![deny(missing_docs)]
#![warn(unused_crate_dependencies)]

#[cfg(feature = "emulator")]
pub mod emulator;
pub mod l10;
pub mod link;
pub mod records;
pub mod rig;
pub mod runner;

pub use l10::result::{Outcome, TestRecord};
pub use l10::sequence::RunOptions;
pub use link::error::LinkError;
pub use link::{Link, LinkHandle};
pub use records::store::Store;
pub use rig::map::RegisterMap;
pub use rig::names::SignalName;
pub use runner::{prepare, prepare_with, Prepared};

#[cfg(feature = "emulator")]
pub use emulator::start as start_emulator;

// The dev-dependency on this crate itself only turns the `emulator` feature on for the tests.
#[cfg(test)]
use coldtray_controller as _;
