//! HotSpot floorplans (`.flp`): one unit per line, `name width height left-x bottom-y` in
//! metres, optionally followed by the unit's own volumetric heat capacity (J/(m³·K)) and
//! thermal resistivity (m·K/W). Lines of three words (`unit unit wire-density`, the
//! floorplanner's connectivity) are skipped, as HotSpot skips them.

use std::path::{Path, PathBuf};

use super::{number, words};
use crate::ImportError;

/// A side longer than this (m) is almost certainly a floorplan written in millimetres.
const MAX_SIDE_M: f64 = 0.5;

/// One functional unit of a floorplan.
#[derive(Debug, Clone, PartialEq)]
pub struct Unit {
    /// Its name (the power-trace column).
    pub name: String,
    /// Extent in x, m.
    pub width_m: f64,
    /// Extent in y, m.
    pub height_m: f64,
    /// Lower-left corner, x, m.
    pub left_m: f64,
    /// Lower-left corner, y, m.
    pub bottom_m: f64,
    /// The unit's own material, when the line gives one.
    pub own: Option<OwnMaterial>,
    /// The line it was read from.
    pub line: usize,
}

/// A unit's own material (the 7-column floorplan format).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct OwnMaterial {
    /// Volumetric heat capacity ρ·c_p, J/(m³·K).
    pub heat_capacity_j_m3k: f64,
    /// Thermal resistivity 1/k, m·K/W.
    pub resistivity_mk_w: f64,
}

/// A parsed floorplan.
#[derive(Debug, Clone, PartialEq)]
pub struct Floorplan {
    /// The file it came from.
    pub file: PathBuf,
    /// Its units, in file order.
    pub units: Vec<Unit>,
}

impl Floorplan {
    /// The bounding box of the units, `(left, bottom, right, top)` in m: HotSpot's chip
    /// outline (its grid covers exactly this rectangle).
    pub fn bounds_m(&self) -> (f64, f64, f64, f64) {
        self.units.iter().fold(
            (
                f64::INFINITY,
                f64::INFINITY,
                f64::NEG_INFINITY,
                f64::NEG_INFINITY,
            ),
            |(l, b, r, t), u| {
                (
                    l.min(u.left_m),
                    b.min(u.bottom_m),
                    r.max(u.left_m + u.width_m),
                    t.max(u.bottom_m + u.height_m),
                )
            },
        )
    }
}

/// Parses a floorplan's text; `file` names it in errors.
pub fn parse(text: &str, file: &Path) -> Result<Floorplan, ImportError> {
    let mut units: Vec<Unit> = Vec::new();
    for (line, w) in words(text) {
        match w.len() {
            5 | 7 => {}
            3 if w[2].parse::<f64>().is_ok() && w[1].parse::<f64>().is_err() => continue,
            n => {
                return Err(ImportError::at(
                    file,
                    line,
                    format!(
                        "expected `name width height left-x bottom-y` in metres, optionally \
                         followed by `specific-heat resistivity`, got {n} words"
                    ),
                ))
            }
        }
        let name = w[0].to_string();
        let width_m = number(w[1], file, line, "the width in m")?;
        let height_m = number(w[2], file, line, "the height in m")?;
        let left_m = number(w[3], file, line, "the left x in m")?;
        let bottom_m = number(w[4], file, line, "the bottom y in m")?;
        if width_m <= 0.0 || height_m <= 0.0 {
            return Err(ImportError::at(
                file,
                line,
                format!(
                    "unit `{name}`: width and height must be > 0 m, got {width_m} × {height_m}"
                ),
            ));
        }
        let largest = width_m.max(height_m).max(left_m.abs()).max(bottom_m.abs());
        if largest > MAX_SIDE_M {
            return Err(ImportError::at(
                file,
                line,
                format!(
                    "unit `{name}`: {largest} m is larger than any chip; HotSpot floorplans are \
                     in metres (was this written in millimetres?)"
                ),
            ));
        }
        let own = if w.len() == 7 {
            let heat_capacity_j_m3k = number(w[5], file, line, "the specific heat in J/(m³·K)")?;
            let resistivity_mk_w = number(w[6], file, line, "the resistivity in m·K/W")?;
            if heat_capacity_j_m3k <= 0.0 || resistivity_mk_w <= 0.0 {
                return Err(ImportError::at(
                    file,
                    line,
                    format!(
                        "unit `{name}`: specific heat and resistivity must be > 0, got \
                         {heat_capacity_j_m3k} and {resistivity_mk_w}"
                    ),
                ));
            }
            Some(OwnMaterial {
                heat_capacity_j_m3k,
                resistivity_mk_w,
            })
        } else {
            None
        };
        if let Some(first) = units.iter().find(|u| u.name == name) {
            return Err(ImportError::at(
                file,
                line,
                format!(
                    "unit `{name}` is already defined at line {}; unit names must be unique",
                    first.line
                ),
            ));
        }
        let unit = Unit {
            name,
            width_m,
            height_m,
            left_m,
            bottom_m,
            own,
            line,
        };
        if let Some(other) = units.iter().find(|u| overlap(u, &unit)) {
            return Err(ImportError::at(
                file,
                line,
                format!(
                    "unit `{}` overlaps unit `{}` (line {}); units must not overlap",
                    unit.name, other.name, other.line
                ),
            ));
        }
        units.push(unit);
    }
    if units.is_empty() {
        return Err(ImportError::file(
            file,
            "no units; expected lines `name width height left-x bottom-y` (metres)",
        ));
    }
    Ok(Floorplan {
        file: file.to_path_buf(),
        units,
    })
}

/// Whether two units overlap by more than rounding (touching edges are fine).
fn overlap(a: &Unit, b: &Unit) -> bool {
    let tol = 1e-9 * (a.width_m + a.height_m + b.width_m + b.height_m);
    let dx = (a.left_m + a.width_m).min(b.left_m + b.width_m) - a.left_m.max(b.left_m);
    let dy = (a.bottom_m + a.height_m).min(b.bottom_m + b.height_m) - a.bottom_m.max(b.bottom_m);
    dx > tol && dy > tol
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(text: &str) -> String {
        parse(text, Path::new("x.flp")).unwrap_err().to_string()
    }

    #[test]
    fn reads_both_formats_and_skips_comments_and_connectivity() {
        let text = "# a comment\n\ncore\t0.004\t0.002\t0\t0 # trailing\n\
                    cache 0.004 0.002 0 0.002 1.75e6 0.01\ncore cache 0.5\n";
        let f = parse(text, Path::new("x.flp")).unwrap();
        assert_eq!(f.units.len(), 2);
        assert_eq!(f.units[0].line, 3);
        assert_eq!(f.units[0].own, None);
        let own = f.units[1].own.unwrap();
        assert_eq!(own.heat_capacity_j_m3k, 1.75e6);
        assert_eq!(own.resistivity_mk_w, 0.01);
        assert_eq!(f.bounds_m(), (0.0, 0.0, 0.004, 0.004));
    }

    #[test]
    fn errors_name_the_line_and_what_was_expected() {
        assert_eq!(
            err("a 0.001 0.001 0\n"),
            "x.flp:1: expected `name width height left-x bottom-y` in metres, optionally \
             followed by `specific-heat resistivity`, got 4 words"
        );
        assert_eq!(
            err("\na 0.001 wide 0 0\n"),
            "x.flp:2: expected the height in m (a number), got `wide`"
        );
        assert!(err("a 4 4 0 0\n").contains("in metres (was this written in millimetres?)"));
        assert!(err("a 0.001 0.001 0 0\na 0.001 0.001 0.001 0\n")
            .starts_with("x.flp:2: unit `a` is already defined at line 1"));
        assert!(err("a 0.002 0.002 0 0\nb 0.002 0.002 0.001 0.001\n")
            .starts_with("x.flp:2: unit `b` overlaps unit `a` (line 1)"));
        assert!(err("# only comments\n").starts_with("x.flp: no units"));
        assert!(err("a 0.001 0.001 0 0 0 0.01\n").contains("must be > 0"));
    }
}
