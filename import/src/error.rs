//! The one error type of the importers.

use std::fmt;
use std::path::{Path, PathBuf};

/// A problem with an input file: which file, which line (when one is to blame) and what was
/// expected. Prints as one line, `file:line: problem` or `file: problem`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportError {
    /// The input file at fault.
    pub file: PathBuf,
    /// Its 1-based line, counting every line (comments and blank lines too), as an editor does.
    pub line: Option<usize>,
    /// What is wrong and what would be valid.
    pub problem: String,
}

impl ImportError {
    /// A problem at a line of `file`.
    pub fn at(file: &Path, line: usize, problem: impl Into<String>) -> Self {
        ImportError {
            file: file.to_path_buf(),
            line: Some(line),
            problem: problem.into(),
        }
    }

    /// A problem with `file` as a whole (unreadable, empty, inconsistent with another file).
    pub fn file(file: &Path, problem: impl Into<String>) -> Self {
        ImportError {
            file: file.to_path_buf(),
            line: None,
            problem: problem.into(),
        }
    }
}

impl fmt::Display for ImportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(line) => write!(f, "{}:{line}: {}", self.file.display(), self.problem),
            None => write!(f, "{}: {}", self.file.display(), self.problem),
        }
    }
}

impl std::error::Error for ImportError {}
