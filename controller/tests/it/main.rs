//! The controller's integration tests, in one binary: the register map, recipe and scenario
//! parsers; the emulator over Modbus TCP (with tokio-modbus and with `mbpoll`); the link
//! actor; whole leak tests against the emulator (verdicts, faults, records). Every emulator
//! runs time-scaled on an ephemeral loopback port, so the whole binary takes seconds.
#![allow(clippy::unwrap_used)]

mod support;

mod emulator_faults;
mod emulator_mbpoll;
mod emulator_modbus;
mod emulator_robust;
mod emulator_scenario;
mod leak_test_blind;
mod leak_test_faults;
mod leak_test_link;
mod leak_test_live;
mod leak_test_records;
mod leak_test_verdicts;
mod map_parse;
mod recipe_validation;
mod records_durable;
