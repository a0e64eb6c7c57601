//! Helpers shared by the tests: starting the emulator and a client, running whole tests, and a
//! misbehaving PLC.

pub(crate) mod blind;
pub(crate) mod emulator;
pub(crate) mod leak_test;
