//! ParaView export and re-import of a solved field.
//!
//! [`write_field`] writes two files:
//! - `field.vtr`: a VTK XML RectilinearGrid (z is non-uniform, so not ImageData) with
//!   coordinates in mm and cell data `solid_temperature_c`, `fluid_temperature_c` (NaN where a
//!   cell holds no coolant), `material_id`, `layer_id` and `power_density_w_m3`; opens in
//!   ParaView as is.
//! - `field.json` (the same path with a `.json` extension): what VTK cannot carry cleanly —
//!   layer names, material names, block outlines, z edges and the design's headline facts.
//!
//! [`read_field`] reads both back into an identical `Field` (f64 values round-trip exactly),
//! which is how `coldtray plot` re-renders maps without solving again.

mod base64;
mod binary;
mod sidecar;
mod vtr;

use std::path::{Path, PathBuf};

use coldtray_solver::results::Field;

/// The file name `write_pngs` uses for the export inside a result directory.
pub const FIELD_FILE: &str = "field.vtr";

/// Why a field could not be written or read.
#[derive(Debug, thiserror::Error)]
pub enum VtkError {
    #[error("cannot access {path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{path}: {message}")]
    Format { path: PathBuf, message: String },
}

/// The sidecar JSON that goes with the `.vtr` file at `vtr_path`.
pub fn sidecar_path(vtr_path: &Path) -> PathBuf {
    vtr_path.with_extension("json")
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> VtkError + '_ {
    move |source| VtkError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// Writes `field` to `path` (a `.vtr` file) plus its sidecar [`sidecar_path`].
pub fn write_field(field: &Field, path: &Path) -> Result<(), VtkError> {
    let n = field.nx * field.ny * field.nz;
    let bad = |message: String| VtkError::Format {
        path: path.to_path_buf(),
        message,
    };
    for (name, len) in [
        ("solid_c", field.solid_c.len()),
        ("fluid_c", field.fluid_c.len()),
        ("material_id", field.material_id.len()),
        ("power_w_m3", field.power_w_m3.len()),
    ] {
        if len != n {
            return Err(bad(format!("field.{name} has {len} values, expected {n}")));
        }
    }
    if field.z_edges_mm.len() != field.nz + 1 || field.cell_layer.len() != field.nz {
        return Err(bad("z edges or cell layers do not match nz".into()));
    }
    let x: Vec<f64> = (0..=field.nx).map(|i| i as f64 * field.dx_mm).collect();
    let y: Vec<f64> = (0..=field.ny).map(|j| j as f64 * field.dx_mm).collect();
    let plane = field.nx * field.ny;
    let layer_id: Vec<i32> = (0..n).map(|c| field.cell_layer[c / plane] as i32).collect();
    let doc = vtr::document(
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
    );
    std::fs::write(path, doc).map_err(io(path))?;
    let side = sidecar_path(path);
    let json = sidecar::to_json(field).map_err(|e| bad(e.to_string()))?;
    std::fs::write(&side, json).map_err(io(&side))
}

/// Reads a field written by [`write_field`] (the `.vtr` at `path` and its sidecar).
pub fn read_field(path: &Path) -> Result<Field, VtkError> {
    let bad = |p: &Path, message: String| VtkError::Format {
        path: p.to_path_buf(),
        message,
    };
    let text = std::fs::read_to_string(path).map_err(io(path))?;
    let parsed = vtr::parse(&text).map_err(|m| bad(path, m))?;
    let side = sidecar_path(path);
    let json = std::fs::read_to_string(&side).map_err(io(&side))?;
    let mut field = sidecar::from_json(&json).map_err(|m| bad(&side, m))?;
    let (nx, ny, nz) = (field.nx, field.ny, field.nz);
    let e = parsed.extent;
    if [e[1] - e[0], e[3] - e[2], e[5] - e[4]] != [nx, ny, nz] {
        return Err(bad(
            path,
            format!(
                "grid extent {e:?} does not match {nx}×{ny}×{nz} cells in {}",
                side.display()
            ),
        ));
    }
    let take = |name: &str| {
        parsed
            .arrays
            .get(name)
            .cloned()
            .filter(|v| v.len() == nx * ny * nz)
            .ok_or_else(|| {
                bad(
                    path,
                    format!("cell array {name} missing or of the wrong size"),
                )
            })
    };
    field.solid_c = take("solid_temperature_c")?;
    field.fluid_c = take("fluid_temperature_c")?;
    field.power_w_m3 = take("power_density_w_m3")?;
    let n_mat = field.material_names.len();
    field.material_id = take("material_id")?
        .into_iter()
        .map(|m| {
            if m >= 0.0 && (m as usize) < n_mat.max(1) {
                Ok(m as u16)
            } else {
                Err(bad(
                    path,
                    format!("material_id {m} has no name ({n_mat} materials)"),
                ))
            }
        })
        .collect::<Result<_, _>>()?;
    if parsed.arrays.get("z_mm") != Some(&field.z_edges_mm) {
        return Err(bad(
            path,
            format!("z coordinates differ from {}", side.display()),
        ));
    }
    Ok(field)
}
