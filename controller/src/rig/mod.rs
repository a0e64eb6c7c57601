//! The vocabulary the controller and the emulator share: the rig's register map (`map.toml`,
//! format in `docs/formats/register-map.md`), which says for each named signal which Modbus
//! table, 0-based wire address, value type, word order and scaling it uses.
//!
//! Both sides speak only in [`SignalName`]s and engineering units; [`map`] is the one place
//! that turns engineering values into wire words and back ([`Signal::decode`],
//! [`Signal::encode`]) and that plans how to read several signals with few requests
//! ([`RegisterMap::read_plan`]). [`parse`] reads and validates a map file.
//!
//! `rig` depends on no other module of the crate; every other module depends on it.
//!
//! [`SignalName`]: names::SignalName
//! [`Signal::decode`]: map::Signal::decode
//! [`Signal::encode`]: map::Signal::encode
//! [`RegisterMap::read_plan`]: map::RegisterMap::read_plan

pub mod map;
pub mod names;
pub(crate) mod number;
pub mod parse;
pub mod rules;

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests;
