//! The field files of a result directory, written together and read back from one of them.

use std::path::{Path, PathBuf};

use crate::{Field, FieldFileError};

/// The ParaView export in a result directory (see [`crate::vtk::write_vtr`]).
pub const FIELD_VTR: &str = "field.vtr";
/// The legend of the ParaView export: layer and material names (see [`crate::vtk::write_json`]).
pub const FIELD_JSON: &str = "field.json";
/// The saved field that `coldtray plot` re-renders from (see [`crate::store`]).
pub const SAVED_FIELD: &str = "field.coldtray";

/// Writes the field files into `dir` — [`FIELD_VTR`], [`FIELD_JSON`] and [`SAVED_FIELD`] —
/// each atomically, and returns their paths.
pub fn write_field(field: &Field, dir: &Path) -> Result<Vec<PathBuf>, FieldFileError> {
    let files = [FIELD_VTR, FIELD_JSON, SAVED_FIELD].map(|f| dir.join(f));
    crate::vtk::write_vtr(field, &files[0])?;
    crate::vtk::write_json(field, &files[1])?;
    crate::store::save(field, &files[2])?;
    Ok(files.into())
}

/// Reads the field saved in the result directory `dir` ([`SAVED_FIELD`]), exactly as it was
/// written.
pub fn read_field(dir: &Path) -> Result<Field, FieldFileError> {
    crate::store::load(&dir.join(SAVED_FIELD))
}
