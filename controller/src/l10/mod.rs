//! The L10 leak test itself: the [`recipe`] (what to test, within which limits), the
//! [`sequence`] (precheck → fill → stabilise → measure → vent → flow steps → verdict), the
//! [`sampler`] that polls the rig on a fixed period and hands every sample to the
//! [`supervisor`], the [`abort`] reasons, the [`safe_state`] every test ends in, the
//! [`leak_rate`] computed from the pressure decay, and the [`result`] a test produces; the
//! [`owner`] checks (one controller per rig) and the [`guard`] that keeps a crash from leaving
//! the rig unsafe. A running test reports its progress as [`live`] events.
//!
//! Depends on [`crate::rig`] and [`crate::link`]; knows nothing of files beyond the recipe.

pub mod abort;
pub mod guard;
pub mod leak_rate;
pub mod live;
pub mod owner;
pub mod recipe;
pub mod result;
pub mod safe_state;
pub mod sampler;
pub mod sequence;
pub mod supervisor;
