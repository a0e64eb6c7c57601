//! The ParaView export of a solved field: write-only.
//!
//! - [`write_vtr`]: a VTK XML RectilinearGrid (z is non-uniform, so not ImageData) with
//!   coordinates in mm and cell data `solid_temperature_c`, `fluid_temperature_c` (NaN where a
//!   cell holds no coolant), `material_id`, `layer_id` and `power_density_w_m3`; opens in
//!   ParaView as is. Little-endian, UInt64 headers, every array inline, zlib-compressed per
//!   256 KiB block and base64-encoded (see `binary.rs`).
//! - [`write_json`]: the legend that VTK cannot carry cleanly — layer names (for `layer_id`),
//!   material names (for `material_id`), block outlines, z edges and the design's headline
//!   facts, as pretty JSON (tagged `"format": "coldtray-field/1"`). Nothing in coldtray reads
//!   it back; it is for people and scripts looking at the `.vtr`.
//!
//! `coldtray plot` re-renders from the saved field ([`crate::store`]), not from these files.

mod base64;
mod binary;
mod vtr;

use std::path::Path;

use serde::Serialize;

use crate::{BlockOutline, Field, FieldFileError, Inconsistency};

fn inconsistent(field: &Field, path: &Path, problem: Inconsistency) -> FieldFileError {
    FieldFileError::InconsistentField {
        path: path.to_path_buf(),
        nx: field.nx,
        ny: field.ny,
        nz: field.nz,
        problem,
    }
}

/// Writes `bytes` to `path` atomically: a killed process never leaves part of a file.
fn write(path: &Path, bytes: &[u8]) -> Result<(), FieldFileError> {
    coldtray_io::write_atomic(path, bytes, coldtray_io::Durability::Atomic).map_err(|source| {
        FieldFileError::Write {
            path: path.to_path_buf(),
            source,
        }
    })
}

/// The `.vtr` document of `field` (the bytes [`write_vtr`] writes).
pub fn vtr_document(field: &Field) -> Result<String, Inconsistency> {
    crate::check::check(field)?;
    let x: Vec<f64> = (0..=field.nx).map(|i| i as f64 * field.dx_mm).collect();
    let y: Vec<f64> = (0..=field.ny).map(|j| j as f64 * field.dx_mm).collect();
    let plane = field.nx * field.ny;
    let n = plane * field.nz;
    let layer_id: Vec<i32> = (0..n).map(|c| field.cell_layer[c / plane] as i32).collect();
    Ok(vtr::document(
        [field.nx, field.ny, field.nz],
        [&x, &y, &field.z_edges_mm],
        &[
            ("solid_temperature_c", vtr::Values::F64(&field.solid_c)),
            ("fluid_temperature_c", vtr::Values::F64(&field.fluid_c)),
            (
                "material_id",
                vtr::Values::I32(field.material_id.iter().map(|&m| i32::from(m)).collect()),
            ),
            ("layer_id", vtr::Values::I32(layer_id)),
            ("power_density_w_m3", vtr::Values::F64(&field.power_w_m3)),
        ],
    ))
}

/// Writes `field` to `path` as a `.vtr` file for ParaView (atomically).
pub fn write_vtr(field: &Field, path: &Path) -> Result<(), FieldFileError> {
    let doc = vtr_document(field).map_err(|problem| inconsistent(field, path, problem))?;
    write(path, doc.as_bytes())
}

/// The legend's tag.
const JSON_FORMAT: &str = "coldtray-field/1";

/// `field.json`: what the `.vtr` holds only as numbers (field order is the file's).
#[derive(Serialize)]
struct Legend<'a> {
    format: &'a str,
    design: &'a str,
    total_power_w: f64,
    inlet_c: Option<f64>,
    flow_lpm: Option<f64>,
    nx: usize,
    ny: usize,
    nz: usize,
    dx_mm: f64,
    z_edges_mm: &'a [f64],
    cell_layer: &'a [usize],
    layer_names: &'a [String],
    material_names: &'a [String],
    blocks: &'a [BlockOutline],
}

/// Writes the legend of `field` (names, outlines, z edges, headline facts) to `path` as
/// pretty JSON (atomically); serde_json prints every f64 exactly.
pub fn write_json(field: &Field, path: &Path) -> Result<(), FieldFileError> {
    crate::check::check(field).map_err(|problem| inconsistent(field, path, problem))?;
    let legend = Legend {
        format: JSON_FORMAT,
        design: &field.info.design,
        total_power_w: field.info.total_power_w,
        inlet_c: field.info.inlet_c,
        flow_lpm: field.info.flow_lpm,
        nx: field.nx,
        ny: field.ny,
        nz: field.nz,
        dx_mm: field.dx_mm,
        z_edges_mm: &field.z_edges_mm,
        cell_layer: &field.cell_layer,
        layer_names: &field.layer_names,
        material_names: &field.material_names,
        blocks: &field.blocks,
    };
    let json = serde_json::to_string_pretty(&legend).map_err(|source| FieldFileError::Json {
        path: path.to_path_buf(),
        source,
    })?;
    write(path, json.as_bytes())
}
