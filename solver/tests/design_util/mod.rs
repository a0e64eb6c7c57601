//! Shared helpers of the design-file tests: edit the minimal fixture and assert that a
//! rejection names the file and the field in one line.
// Each test binary uses a different subset of these helpers.
#![allow(dead_code, clippy::unwrap_used)]

use std::path::PathBuf;

use coldtray_solver::design::{parse_design, DesignError};
use coldtray_solver::model::Design;

/// A file under `solver/tests/data/`.
pub fn data(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(name)
}

/// The minimal valid design every edit starts from.
pub fn src() -> PathBuf {
    data("minimal.toml")
}

pub fn base() -> String {
    std::fs::read_to_string(src()).unwrap()
}

/// The minimal design with the first `from` replaced by `to` (which must be present).
pub fn edit(from: &str, to: &str) -> String {
    let b = base();
    assert!(b.contains(from), "fixture lacks {from:?}");
    b.replacen(from, to, 1)
}

pub fn ok(text: &str) -> Design {
    parse_design(text, &src(), None).unwrap_or_else(|e| panic!("{e}"))
}

/// Assert `text` fails at `field` with a one-line message naming the file and containing
/// every word of `words`.
pub fn rejects(text: &str, field: &str, words: &[&str]) -> DesignError {
    rejects_with(text, None, field, words)
}

/// As [`rejects`], with a `--cell-mm` override.
pub fn rejects_with(text: &str, cell: Option<f64>, field: &str, words: &[&str]) -> DesignError {
    let e = parse_design(text, &src(), cell).unwrap_err();
    let msg = e.to_string();
    assert_eq!(e.field(), Some(field), "{msg}");
    assert_eq!(e.file(), src().as_path());
    assert!(
        msg.starts_with(&format!("{}: {field}: ", src().display())),
        "{msg}"
    );
    assert!(!msg.contains('\n'), "not one line: {msg}");
    for w in words {
        assert!(msg.contains(w), "{msg:?} lacks {w:?}");
    }
    e
}
