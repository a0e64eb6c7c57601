//! HotSpot power traces (`.ptrace`): a line of unit names, then one line of powers (W) per
//! sampling interval, in the same order.

use std::path::{Path, PathBuf};

use super::{number, words};
use crate::ImportError;

/// A parsed power trace.
#[derive(Debug, Clone, PartialEq)]
pub struct Trace {
    /// The file it came from.
    pub file: PathBuf,
    /// Unit names, in column order.
    pub names: Vec<String>,
    /// One row of powers (W) per sampling interval.
    pub rows: Vec<Vec<f64>>,
}

impl Trace {
    /// Each unit's average power over the trace, W: the power HotSpot's steady solve uses.
    pub fn average_w(&self) -> Vec<f64> {
        let n = self.rows.len() as f64;
        (0..self.names.len())
            .map(|c| self.rows.iter().map(|r| r[c]).sum::<f64>() / n)
            .collect()
    }
}

/// Parses a power trace's text; `file` names it in errors.
pub fn parse(text: &str, file: &Path) -> Result<Trace, ImportError> {
    let mut lines = words(text);
    let Some((header_line, header)) = lines.next() else {
        return Err(ImportError::file(
            file,
            "empty; expected a line of unit names, then one line of powers (W) per interval",
        ));
    };
    let names: Vec<String> = header.iter().map(|s| s.to_string()).collect();
    for (i, name) in names.iter().enumerate() {
        if name.parse::<f64>().is_ok() {
            return Err(ImportError::at(
                file,
                header_line,
                format!("expected unit names on the first line, got the number `{name}`"),
            ));
        }
        if names[..i].contains(name) {
            return Err(ImportError::at(
                file,
                header_line,
                format!("unit `{name}` appears twice; each unit has one column"),
            ));
        }
    }
    let mut rows = Vec::new();
    for (line, w) in lines {
        if w.len() != names.len() {
            return Err(ImportError::at(
                file,
                line,
                format!(
                    "expected {} powers (one per unit named on line {header_line}), got {}",
                    names.len(),
                    w.len()
                ),
            ));
        }
        let row = w
            .iter()
            .zip(&names)
            .map(|(word, name)| {
                let p = number(word, file, line, &format!("the power of `{name}` in W"))?;
                if p < 0.0 {
                    return Err(ImportError::at(
                        file,
                        line,
                        format!("the power of `{name}` must be ≥ 0 W, got {p}"),
                    ));
                }
                Ok(p)
            })
            .collect::<Result<Vec<f64>, ImportError>>()?;
        rows.push(row);
    }
    if rows.is_empty() {
        return Err(ImportError::at(
            file,
            header_line,
            "no powers: expected at least one line of powers (W) after the unit names",
        ));
    }
    Ok(Trace {
        file: file.to_path_buf(),
        names,
        rows,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn averages_every_column() {
        let t = parse("a\tb\n1 2\n3 4\n\n", Path::new("p")).unwrap();
        assert_eq!(t.average_w(), vec![2.0, 3.0]);
    }

    #[test]
    fn errors_name_the_line() {
        let e = |s: &str| parse(s, Path::new("p.ptrace")).unwrap_err().to_string();
        assert_eq!(
            e("a b\n1 2\n3\n"),
            "p.ptrace:3: expected 2 powers (one per unit named on line 1), got 1"
        );
        assert_eq!(
            e("a b\n1 x\n"),
            "p.ptrace:2: expected the power of `b` in W (a number), got `x`"
        );
        assert_eq!(
            e("a b\n1 -2\n"),
            "p.ptrace:2: the power of `b` must be ≥ 0 W, got -2"
        );
        assert!(e("a a\n1 2\n").starts_with("p.ptrace:1: unit `a` appears twice"));
        assert!(e("a b\n").starts_with("p.ptrace:1: no powers"));
        assert!(e("1 2\n").contains("expected unit names"));
        assert!(e("").starts_with("p.ptrace: empty"));
    }
}
