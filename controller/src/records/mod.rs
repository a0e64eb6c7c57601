//! What is kept of every test: the JSON [`record`] file (atomic, durable, never replaced), the
//! SQLite [`store`] (one row per test, first-pass yield), and the trace [`plot`] (PNG), made
//! consistent by the record [`journal`] (written first, replayed at the next start); line
//! [`report`]s (yield, Pareto of reasons, control chart, capability) over the store.
//!
//! Depends on [`crate::l10`] for the record's types and, for the plot, the recipe and the
//! leak fit.

pub mod journal;
pub mod plot;
pub mod record;
pub mod report;
pub mod store;
