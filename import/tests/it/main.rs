//! The HotSpot importer end to end on small HotSpot-format fixtures.
#![allow(clippy::unwrap_used)]

mod hotspot;
