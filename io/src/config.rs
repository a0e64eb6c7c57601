//! Reading TOML configuration files into serde types, with one-line errors.
//!
//! Three stages, each with an error that names the file:
//! 1. reading the text ([`read_text`]: missing, not UTF-8, NUL bytes, nothing but comments),
//! 2. TOML syntax (line and column of the mistake),
//! 3. serde into the caller's type through `serde_path_to_error`, so an unknown, missing or
//!    mistyped field is named by its full path (`blocks[3].width_mm`).
//!
//! Cross-field rules (overlaps, names that must exist, ranges) are the caller's: it reports
//! them with [`ConfigError::field`], so every configuration problem has the same shape.

use std::fmt;
use std::path::{Path, PathBuf};

use serde::de::DeserializeOwned;

/// What a kind of configuration file is called in messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Format {
    /// The kind of file with its article, e.g. `"a design file"`.
    pub what: &'static str,
    /// What a minimal file must contain, e.g. ``"`name`, a [domain] table"``.
    pub needs: &'static str,
    /// Where its format is documented, e.g. `"docs/formats/design.md"`.
    pub doc: &'static str,
}

/// Which stage found the problem.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConfigErrorKind {
    /// The file could not be read as text (missing, not UTF-8, NUL bytes, empty).
    Read,
    /// The text is not valid TOML.
    Syntax,
    /// A field is unknown, missing, of the wrong type, or has a value that is not allowed.
    Field,
}

/// A configuration file that could not be read, parsed or validated.
///
/// Displays as one line:
/// - `<file>: <problem>` for a file that cannot be read,
/// - `<file>:<line>:<column>: TOML syntax error: <problem>`,
/// - `<file>: <field path>: <problem; what would be valid> (line L, column C)` for a field.
#[derive(Debug, Clone, PartialEq)]
pub struct ConfigError {
    /// Which stage found the problem.
    pub kind: ConfigErrorKind,
    /// The file the problem is in.
    pub file: PathBuf,
    /// The field path (`blocks[3].width_mm`), for [`ConfigErrorKind::Field`].
    pub field: Option<String>,
    /// 1-based line of the problem, where known.
    pub line: Option<usize>,
    /// 1-based column (in characters) of the problem, where known.
    pub column: Option<usize>,
    /// What is wrong and, where it can be said, what would be valid.
    pub problem: String,
}

impl ConfigError {
    /// A file that cannot be read as a configuration.
    pub fn read(file: &Path, problem: impl Into<String>) -> Self {
        ConfigError {
            kind: ConfigErrorKind::Read,
            file: file.to_path_buf(),
            field: None,
            line: None,
            column: None,
            problem: problem.into(),
        }
    }

    /// A field whose value is not allowed (found after deserialising, by a validation rule).
    pub fn field(file: &Path, field: impl Into<String>, problem: impl Into<String>) -> Self {
        ConfigError {
            kind: ConfigErrorKind::Field,
            file: file.to_path_buf(),
            field: Some(field.into()),
            line: None,
            column: None,
            problem: problem.into(),
        }
    }

    /// The same error located at a 1-based line and column.
    pub fn at(mut self, line: usize, column: usize) -> Self {
        self.line = Some(line);
        self.column = Some(column);
        self
    }
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let file = self.file.display();
        match self.kind {
            ConfigErrorKind::Read => write!(f, "{file}: {}", self.problem),
            ConfigErrorKind::Syntax => write!(
                f,
                "{file}:{}:{}: TOML syntax error: {}",
                self.line.unwrap_or(1),
                self.column.unwrap_or(1),
                self.problem
            ),
            ConfigErrorKind::Field => {
                let field = self.field.as_deref().unwrap_or("(top level)");
                write!(f, "{file}: {field}: {}", self.problem)?;
                match (self.line, self.column) {
                    (Some(line), Some(column)) => write!(f, " (line {line}, column {column})"),
                    _ => Ok(()),
                }
            }
        }
    }
}

impl std::error::Error for ConfigError {}

/// Read a configuration file as text: it must exist, be UTF-8 without NUL bytes, and hold
/// more than blanks and comments.
pub fn read_text(path: &Path, format: &Format) -> Result<String, ConfigError> {
    let bytes = std::fs::read(path)
        .map_err(|e| ConfigError::read(path, format!("cannot read the file: {e}")))?;
    let text = String::from_utf8(bytes).map_err(|_| {
        ConfigError::read(
            path,
            format!(
                "not a text file (invalid UTF-8); {} is TOML text",
                format.what
            ),
        )
    })?;
    check_text(&text, path, format)?;
    Ok(text)
}

/// Read and deserialise a TOML configuration file.
pub fn load_toml<T: DeserializeOwned>(path: &Path, format: &Format) -> Result<T, ConfigError> {
    let text = read_text(path, format)?;
    parse_toml(&text, path, format)
}

/// Deserialise TOML text; `file` names the source in messages.
pub fn parse_toml<T: DeserializeOwned>(
    text: &str,
    file: &Path,
    format: &Format,
) -> Result<T, ConfigError> {
    check_text(text, file, format)?;
    let de = toml::Deserializer::parse(text).map_err(|e| {
        let (line, column) = line_column(text, e.span().map_or(0, |s| s.start));
        ConfigError {
            kind: ConfigErrorKind::Syntax,
            ..ConfigError::read(file, one_line(e.message()))
        }
        .at(line, column)
    })?;
    serde_path_to_error::deserialize(de).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        serde_error(text, file, &path, &inner, format)
    })
}

/// The checks [`read_text`] makes on text already in memory.
fn check_text(text: &str, file: &Path, format: &Format) -> Result<(), ConfigError> {
    if text.contains('\0') {
        return Err(ConfigError::read(
            file,
            format!(
                "not a text file (contains NUL bytes); {} is TOML text",
                format.what
            ),
        ));
    }
    let blank = text
        .lines()
        .all(|l| l.trim().is_empty() || l.trim_start().starts_with('#'));
    if blank {
        return Err(ConfigError::read(
            file,
            format!(
                "the file is empty (nothing but blanks and comments); {} needs {} (see {})",
                format.what, format.needs, format.doc
            ),
        ));
    }
    Ok(())
}

/// A serde error at `path`: name the exact field and say what would be valid.
///
/// serde's derive words its two structural errors as ``unknown field `x`, expected one of
/// `a`, `b` `` and ``missing field `x` ``; the test `serde_wording_is_pinned` fails if a
/// serde release changes that wording.
fn serde_error(
    text: &str,
    file: &Path,
    path: &str,
    e: &toml::de::Error,
    format: &Format,
) -> ConfigError {
    let msg = one_line(e.message());
    let base = if path == "." { "" } else { path };
    let join = |name: &str| {
        if base.is_empty() {
            name.to_string()
        } else if base.ends_with(&format!(".{name}")) || base == name {
            base.to_string()
        } else {
            format!("{base}.{name}")
        }
    };
    let (field, problem) = if let Some(rest) = msg.strip_prefix("unknown field `") {
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
            format!("required field is missing; add it (see {})", format.doc),
        )
    } else if base.is_empty() {
        ("(top level)".to_string(), msg)
    } else {
        (base.to_string(), msg)
    };
    let err = ConfigError::field(file, field, problem);
    match e.span() {
        Some(span) => {
            let (line, column) = line_column(text, span.start);
            err.at(line, column)
        }
        None => err,
    }
}

/// 1-based line and column (in characters) of byte offset `at` in `text`.
pub fn line_column(text: &str, at: usize) -> (usize, usize) {
    let at = at.min(text.len());
    let before = text.get(..at).unwrap_or(text);
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, column)
}

/// A possibly multi-line message folded onto one line.
pub fn one_line(s: &str) -> String {
    s.trim()
        .lines()
        .map(str::trim)
        .collect::<Vec<_>>()
        .join("; ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    const F: Format = Format {
        what: "a test file",
        needs: "`a`",
        doc: "docs/formats/test.md",
    };

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Outer {
        a: f64,
        #[serde(default)]
        inner: Vec<Inner>,
    }

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Inner {
        width_mm: f64,
        name: String,
    }

    fn err(text: &str) -> ConfigError {
        parse_toml::<Outer>(text, Path::new("t.toml"), &F).expect_err("must fail")
    }

    #[test]
    fn serde_wording_is_pinned() {
        let e = err("a = 1\n[[inner]]\nwidth_mn = 2\nname = 'x'\n");
        assert_eq!(e.kind, ConfigErrorKind::Field);
        assert_eq!(e.field.as_deref(), Some("inner[0].width_mn"));
        assert!(
            e.problem.contains("valid fields here: width_mm or name"),
            "{e}"
        );
        assert_eq!((e.line, e.column), (Some(3), Some(1)));

        let e = err("a = 1\n[[inner]]\nname = 'x'\n");
        assert_eq!(e.field.as_deref(), Some("inner[0].width_mm"));
        assert!(e.problem.contains("required field is missing"), "{e}");
        assert!(e.problem.contains("docs/formats/test.md"), "{e}");
    }

    #[test]
    fn wrong_type_names_the_field_and_line() {
        let e = err("a = 1\n[[inner]]\nwidth_mm = 'wide'\nname = 'x'\n");
        assert_eq!(e.field.as_deref(), Some("inner[0].width_mm"));
        assert_eq!(e.line, Some(3));
        let line = e.to_string();
        assert!(!line.contains('\n'), "one line: {line}");
        assert!(line.starts_with("t.toml: inner[0].width_mm: "), "{line}");
    }

    #[test]
    fn syntax_errors_have_line_and_column() {
        let e = err("a = 1\nb = = 2\n");
        assert_eq!(e.kind, ConfigErrorKind::Syntax);
        assert_eq!(e.line, Some(2));
        assert!(e.to_string().starts_with("t.toml:2:"), "{e}");
        assert!(!e.to_string().contains('\n'));
    }

    #[test]
    fn empty_binary_and_missing_files_are_read_errors() {
        let e = err("# only a comment\n\n");
        assert_eq!(e.kind, ConfigErrorKind::Read);
        assert!(
            e.problem.contains("empty") && e.problem.contains("`a`"),
            "{e}"
        );
        let e = err("a = 1\0");
        assert!(e.problem.contains("NUL"), "{e}");
        let e = load_toml::<Outer>(Path::new("/nonexistent/x.toml"), &F).expect_err("missing");
        assert_eq!(e.kind, ConfigErrorKind::Read);
        assert!(e
            .to_string()
            .starts_with("/nonexistent/x.toml: cannot read the file"));
    }

    #[test]
    fn line_column_counts_characters() {
        assert_eq!(line_column("ab\ncé d", 7), (2, 4));
        assert_eq!(line_column("", 10), (1, 1));
    }
}
