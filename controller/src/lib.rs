//! coldtray's L10 leak-test controller: register map, Modbus client actor, test sequence,
//! safety supervisor, records, and a rig emulator.
//!
//! The crate knows nothing of heat conduction or the CLI.

pub mod abort;
pub mod emulator;
pub mod leak_rate;
pub mod link;
pub mod link_types;
pub mod recipe;
pub mod record;
pub mod register_map;
pub mod runner;
pub mod safe_state;
pub mod sampler;
pub mod sequence;
pub mod store;
pub mod supervisor;
pub mod trace_plot;
