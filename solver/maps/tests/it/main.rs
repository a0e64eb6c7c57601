//! Integration tests of coldtray-maps, one binary: the PNG maps ([`maps`]) and the field
//! files ([`field_files`]), on synthetic fields.
#![allow(clippy::unwrap_used)]

mod field_files;
mod maps;
mod probes;

use std::path::{Path, PathBuf};

/// A fresh directory `<target tmp>/<group>/<name>`.
fn out_dir(group: &str, name: &str) -> PathBuf {
    let d = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(group)
        .join(name);
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}
