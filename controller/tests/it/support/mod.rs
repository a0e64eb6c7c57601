//! Helpers shared by the tests: starting the emulator and a client, and running whole tests.

pub(crate) mod emulator;
pub(crate) mod leak_test;
