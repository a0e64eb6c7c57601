//! What a running test shows while it runs: a stream of [`LiveEvent`]s (start, phase changes,
//! one sample per poll, the verdict) that a terminal view, a station's web page (Server-Sent
//! Events) or a log can follow. The sequence sends them on the broadcast channel given in
//! [`crate::l10::sequence::RunOptions::live`]; sending never blocks the test (a slow or absent
//! listener only misses events).

use serde::Serialize;

use crate::l10::result::{Outcome, Phase};

/// One thing that happened in a running test, in order. Times are recipe seconds (emulated
/// seconds under a time scale), like the record's trace.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum LiveEvent {
    /// The test started on a tray.
    Started {
        /// Serial number of the tray.
        serial: String,
        /// The recipe's name.
        recipe: String,
        /// Recipe durations are divided by this (1 on a real rig).
        time_scale: f64,
        /// The whole test's expected length, recipe seconds, if known: the sequence gives the
        /// longest the recipe allows (fill and vent at their time limits; see
        /// [`crate::l10::sequence::longest_test_s`]), so a real test usually ends sooner.
        expected_s: Option<f64>,
    },
    /// A phase began.
    Phase {
        /// The phase.
        phase: Phase,
        /// When it began, recipe seconds since the start.
        t_s: f64,
        /// How long the phase lasts by the recipe (fill, stabilise, measure: a fixed or
        /// maximum time), recipe seconds; `None` when it ends on a condition alone.
        expected_s: Option<f64>,
    },
    /// One poll of the rig.
    Sample(LiveSample),
    /// The verdict (or the abort) and its reason; the last event of a test.
    Finished {
        /// The verdict.
        outcome: Outcome,
        /// The record's sentence for a person.
        reason: String,
        /// The leak rate, when measured, sccm.
        leak_sccm: Option<f64>,
    },
}

/// The rig's readings at one poll of a running test.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LiveSample {
    /// Recipe seconds since the test started.
    pub t_s: f64,
    /// The phase the sample was taken in.
    pub phase: Phase,
    /// Recipe seconds since the phase began.
    pub phase_elapsed_s: f64,
    /// Recipe seconds left in the phase by the recipe, if it has a set length.
    pub phase_remaining_s: Option<f64>,
    /// Test pressure, kPa gauge (`None`: not finite).
    pub pressure_kpa: Option<f64>,
    /// Gas temperature, °C, if mapped.
    pub gas_temperature_c: Option<f64>,
    /// Coolant flow, L/min, if mapped.
    pub flow_lpm: Option<f64>,
    /// ΔP across the tray, kPa, if mapped.
    pub dp_kpa: Option<f64>,
}

/// The sending end the sequence is given; `tokio::sync::broadcast` so that any number of
/// listeners (terminal, SSE clients) can subscribe and a lagging one drops old samples
/// instead of slowing the test.
pub type LiveSender = tokio::sync::broadcast::Sender<LiveEvent>;
