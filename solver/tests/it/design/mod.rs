//! Design files: the shipped examples, reading errors and inputs, and every validation rule.
//! The helpers edit the minimal fixture and assert that a rejection names the file and the
//! field in one line.

mod examples;
mod inputs;
mod instances;
mod overrides;
mod validation;

use std::path::PathBuf;

use coldtray_solver::{ConfigError, Design};

/// A file under `solver/tests/data/`.
pub(crate) fn data(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(name)
}

/// The minimal valid design every edit starts from.
pub(crate) fn src() -> PathBuf {
    data("minimal.toml")
}

pub(crate) fn base() -> String {
    std::fs::read_to_string(src()).unwrap()
}

/// The minimal design with the first `from` replaced by `to` (which must be present).
pub(crate) fn edit(from: &str, to: &str) -> String {
    let b = base();
    assert!(b.contains(from), "fixture lacks {from:?}");
    b.replacen(from, to, 1)
}

/// The fixture text as a design, with an optional cell-size override (`--cell-mm`).
pub(crate) fn parse(text: &str, cell: Option<f64>) -> Result<Design, ConfigError> {
    let d = Design::from_toml_str(text, &src())?;
    match cell {
        Some(c) => d.with_cell_mm(c),
        None => Ok(d),
    }
}

pub(crate) fn ok(text: &str) -> Design {
    parse(text, None).unwrap_or_else(|e| panic!("{e}"))
}

/// Assert `text` fails at `field` with a one-line message naming the file and containing
/// every word of `words`.
pub(crate) fn rejects(text: &str, field: &str, words: &[&str]) -> ConfigError {
    rejects_with(text, None, field, words)
}

/// As [`rejects`], with a `--cell-mm` override.
pub(crate) fn rejects_with(
    text: &str,
    cell: Option<f64>,
    field: &str,
    words: &[&str],
) -> ConfigError {
    let e = parse(text, cell).unwrap_err();
    let msg = e.to_string();
    assert_eq!(e.field.as_deref(), Some(field), "{msg}");
    assert_eq!(e.file, src());
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
