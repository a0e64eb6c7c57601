//! `design.toml` → validated [`model::Design`] (the contract in `shared/design/tray-format.md`).
//!
//! Three stages, each with errors that name the file and the field:
//! 1. reading (missing, binary, empty file),
//! 2. TOML + serde into the raw shape of [`raw`] (syntax errors with line and column; unknown
//!    and missing fields with their path, via `serde_path_to_error`),
//! 3. validation into the typed model ([`validate`], [`flow`], [`transient`]): ranges, names,
//!    geometry, materials and fluids resolved against [`crate::materials`].

mod check;
mod flow;
mod raw;
mod transient;
mod validate;

use std::path::{Path, PathBuf};

use crate::model;

/// A design file that could not be read, parsed or validated.
///
/// Displays as one line: `<file>: <field path>: <problem>; <what would be valid>`.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum DesignError {
    /// The file could not be read (missing, not text, empty).
    #[error("{}: {message}", file.display())]
    Read { file: PathBuf, message: String },
    /// The file is not valid TOML.
    #[error("{}:{line}:{column}: TOML syntax error: {message}", file.display())]
    Syntax {
        file: PathBuf,
        line: usize,
        column: usize,
        message: String,
    },
    /// A field is missing, unknown or has a value that is not allowed.
    #[error("{}: {field}: {message}", file.display())]
    Field {
        file: PathBuf,
        field: String,
        message: String,
    },
}

impl DesignError {
    /// The field path the error is about (`blocks[3].width_mm`), if any.
    pub fn field(&self) -> Option<&str> {
        match self {
            DesignError::Field { field, .. } => Some(field),
            _ => None,
        }
    }

    /// The design file the error is about.
    pub fn file(&self) -> &Path {
        match self {
            DesignError::Read { file, .. }
            | DesignError::Syntax { file, .. }
            | DesignError::Field { file, .. } => file,
        }
    }
}

/// Read and validate a design file; `cell_mm_override` (the CLI's `--cell-mm`) replaces
/// `domain.cell_mm` and is validated the same way.
pub fn load_design(
    path: &Path,
    cell_mm_override: Option<f64>,
) -> Result<model::Design, DesignError> {
    let read_err = |message: String| DesignError::Read {
        file: path.to_path_buf(),
        message,
    };
    let bytes = std::fs::read(path).map_err(|e| read_err(format!("cannot read the file: {e}")))?;
    let text = String::from_utf8(bytes).map_err(|_| {
        read_err("not a text file (invalid UTF-8); a design file is TOML text".to_string())
    })?;
    parse_design(&text, path, cell_mm_override)
}

/// Validate design text; `source` names the file in messages and anchors relative paths
/// (the power trace).
pub fn parse_design(
    text: &str,
    source: &Path,
    cell_mm_override: Option<f64>,
) -> Result<model::Design, DesignError> {
    let file = source.to_path_buf();
    if text.contains('\0') {
        return Err(DesignError::Read {
            file,
            message: "not a text file (contains NUL bytes); a design file is TOML text".to_string(),
        });
    }
    let blank = text
        .lines()
        .all(|l| l.trim().is_empty() || l.trim_start().starts_with('#'));
    if blank {
        return Err(DesignError::Read {
            file,
            message: "the file is empty (nothing but blanks and comments); a design needs `name`, a [domain] table and at least \
                      one [[layers]] table (see tray-format.md)"
                .to_string(),
        });
    }
    let raw = parse_raw(text, &file)?;
    let ctx = check::Ctx { file: &file };
    validate::validate(raw, &ctx, cell_mm_override)
}

/// TOML text → the raw serde shape, with errors mapped to file/field/line.
fn parse_raw(text: &str, file: &Path) -> Result<raw::RawDesign, DesignError> {
    let de = toml::Deserializer::parse(text).map_err(|e| syntax_error(text, file, &e))?;
    serde_path_to_error::deserialize(de).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        serde_error(text, file, &path, &inner)
    })
}

fn syntax_error(text: &str, file: &Path, e: &toml::de::Error) -> DesignError {
    let (line, column) = line_column(text, e.span().map_or(0, |s| s.start));
    DesignError::Syntax {
        file: file.to_path_buf(),
        line,
        column,
        message: one_line(e.message()),
    }
}

/// A serde error at `path`: name the exact field and say what would be valid.
fn serde_error(text: &str, file: &Path, path: &str, e: &toml::de::Error) -> DesignError {
    let msg = one_line(e.message());
    let base = if path == "." {
        String::new()
    } else {
        path.to_string()
    };
    let join = |name: &str| {
        if base.is_empty() {
            name.to_string()
        } else if base.ends_with(&format!(".{name}")) || base == name {
            base.clone()
        } else {
            format!("{base}.{name}")
        }
    };
    let (field, message) = if let Some(rest) = msg.strip_prefix("unknown field `") {
        let (name, expected) = rest.split_once('`').unwrap_or((rest, ""));
        let valid = expected
            .trim_start_matches(", expected ")
            .trim_start_matches("one of ")
            .replace('`', "");
        (
            join(name),
            format!("unknown field (a typo?); valid fields here: {valid}"),
        )
    } else if let Some(rest) = msg.strip_prefix("missing field `") {
        let name = rest.trim_end_matches('`');
        (
            join(name),
            "required field is missing; add it (see tray-format.md)".to_string(),
        )
    } else {
        let field = if base.is_empty() {
            "(top level)".to_string()
        } else {
            base
        };
        (field, msg)
    };
    let message = match e.span() {
        Some(span) => {
            let (line, column) = line_column(text, span.start);
            format!("{message} (line {line}, column {column})")
        }
        None => message,
    };
    DesignError::Field {
        file: file.to_path_buf(),
        field,
        message,
    }
}

/// 1-based line and column (in characters) of byte offset `at` in `text`.
fn line_column(text: &str, at: usize) -> (usize, usize) {
    let at = at.min(text.len());
    let before = text.get(..at).unwrap_or(text);
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, column)
}

fn one_line(s: &str) -> String {
    s.trim()
        .lines()
        .map(str::trim)
        .collect::<Vec<_>>()
        .join("; ")
}
