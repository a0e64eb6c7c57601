//! `rotate_deg`: a package turned in quarter turns inside its bounding box.

use super::Contents;
use crate::design::check::{Ctx, Result};

/// `rotate_deg` as counter-clockwise quarter turns (0–3); absent is 0.
pub(super) fn quarter_turns(ctx: &Ctx, p: &str, rotate_deg: Option<f64>) -> Result<u8> {
    match rotate_deg {
        None => Ok(0),
        Some(0.0) => Ok(0),
        Some(90.0) => Ok(1),
        Some(180.0) => Ok(2),
        Some(270.0) => Ok(3),
        Some(d) => Err(ctx.err(
            format!("{p}.rotate_deg"),
            format!(
                "must be 0, 90, 180 or 270 (degrees counter-clockwise: channel fields run \
                 along x or y), got {d}"
            ),
        )),
    }
}

/// A flow direction turned a quarter counter-clockwise: +x → +y → −x → −y → +x. An unknown
/// spelling is left for validation to report.
fn turn_direction(direction: &str) -> String {
    match direction.trim() {
        "+x" => "+y",
        "+y" => "-x",
        "-x" => "-y",
        "-y" => "+x",
        other => other,
    }
    .to_string()
}

impl Contents {
    /// The package turned `turns` quarters counter-clockwise inside its bounding box (blocks
    /// and fields), whose lower-left corner stays where it was: a 90° turn maps a rectangle
    /// (x, y, w, d) in the box [x0, x1] × [y0, y1] to (x0 + y1 − y − d, y0 + x − x0, d, w).
    pub(super) fn turned(mut self, turns: u8) -> Contents {
        if turns == 0 {
            return self;
        }
        let rects = self
            .blocks
            .iter()
            .map(|(b, _)| (b.x_mm, b.y_mm, b.width_mm, b.depth_mm))
            .chain(
                self.channels
                    .iter()
                    .filter_map(|(_, c, _)| Some((c.x_mm?, c.y_mm?, c.width_mm?, c.depth_mm?))),
            )
            .filter(|r| [r.0, r.1, r.2, r.3].iter().all(|v| v.is_finite()));
        let (mut x0, mut y0, mut x1, mut y1) = (f64::MAX, f64::MAX, f64::MIN, f64::MIN);
        for (x, y, w, d) in rects {
            (x0, y0) = (x0.min(x), y0.min(y));
            (x1, y1) = (x1.max(x + w), y1.max(y + d));
        }
        if x0 > x1 {
            return self;
        }
        let quarter = |(x, y, w, d): (f64, f64, f64, f64), y1: f64| {
            (x0 + (y1 - (y + d)), y0 + (x - x0), d, w)
        };
        for _ in 0..turns {
            for (b, _) in &mut self.blocks {
                (b.x_mm, b.y_mm, b.width_mm, b.depth_mm) =
                    quarter((b.x_mm, b.y_mm, b.width_mm, b.depth_mm), y1);
            }
            for (_, c, _) in &mut self.channels {
                if let (Some(x), Some(y), Some(w), Some(d)) =
                    (c.x_mm, c.y_mm, c.width_mm, c.depth_mm)
                {
                    let (x, y, w, d) = quarter((x, y, w, d), y1);
                    (c.x_mm, c.y_mm, c.width_mm, c.depth_mm) = (Some(x), Some(y), Some(w), Some(d));
                }
                c.direction = turn_direction(&c.direction);
            }
            // The box itself turns: its width and depth swap, its lower-left corner stays.
            (x1, y1) = (x0 + (y1 - y0), y0 + (x1 - x0));
        }
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn four_quarter_turns_of_a_direction_are_none() {
        for d in ["+x", "+y", "-x", "-y"] {
            let mut t = d.to_string();
            for _ in 0..4 {
                t = turn_direction(&t);
            }
            assert_eq!(t, d);
        }
        assert_eq!(turn_direction("+y"), "-x");
        assert_eq!(turn_direction("sideways"), "sideways");
    }
}
