//! Where things land on the image: the plot rectangle and the pixel ↔ cell tables.

use super::draw::PxRect;

/// Image size, plot rectangle and the cell shown by every plot pixel.
///
/// For a plan view the horizontal cell index is `i` (x) and the vertical one `j` (y, up);
/// for a section it is the in-plane index along the section and `k` (z, up).
#[derive(Debug, Clone, PartialEq)]
pub struct MapGeometry {
    /// Image width, px.
    pub width_px: u32,
    /// Image height, px.
    pub height_px: u32,
    /// Left edge of the plot rectangle, px from the image's left.
    pub plot_x0: u32,
    /// Top edge of the plot rectangle, px from the image's top.
    pub plot_y0: u32,
    /// Width of the plot rectangle, px.
    pub plot_w: u32,
    /// Height of the plot rectangle, px.
    pub plot_h: u32,
    /// Horizontal cell index of each plot pixel column (left to right).
    pub cols: Vec<usize>,
    /// Vertical cell index of each plot pixel row (top to bottom).
    pub rows: Vec<usize>,
}

impl MapGeometry {
    /// The image pixel at the middle of the pixels showing cell (`h`, `v`); when the cell is
    /// narrower than a pixel (and so shows nowhere), the nearest pixel.
    pub fn pixel_of_cell(&self, h: usize, v: usize) -> (u32, u32) {
        (
            self.plot_x0 + middle_of_run(&self.cols, h) as u32,
            self.plot_y0 + middle_of_run(&self.rows, v) as u32,
        )
    }

    pub(crate) fn plot_rect(&self) -> PxRect {
        PxRect {
            x0: self.plot_x0 as i32,
            y0: self.plot_y0 as i32,
            w: self.plot_w as i32,
            h: self.plot_h as i32,
        }
    }

    /// The colour bar right of the plot (`sc`: the image's scale, width / 1600 px), the same
    /// place on every plan map.
    pub(crate) fn colourbar_rect(&self, sc: f64) -> PxRect {
        let r = self.plot_rect();
        PxRect {
            x0: r.x0 + r.w + (50.0 * sc) as i32,
            y0: r.y0,
            w: (34.0 * sc) as i32,
            h: (self.height_px as i32 - r.y0 - (120.0 * sc) as i32),
        }
    }
}

/// Index of the middle element equal to `v` in the monotone table `t` (ascending or
/// descending); the element closest in value when none equals it.
fn middle_of_run(t: &[usize], v: usize) -> usize {
    let first = t.iter().position(|&x| x == v);
    let last = t.iter().rposition(|&x| x == v);
    match (first, last) {
        (Some(a), Some(b)) => (a + b) / 2,
        _ => t
            .iter()
            .enumerate()
            .min_by_key(|(_, &x)| x.abs_diff(v))
            .map(|(n, _)| n)
            .unwrap_or(0),
    }
}

/// Pixel → cell table for `n_px` pixels over `n_cells` equal cells (pixel centres sampled).
pub(crate) fn uniform_table(n_px: u32, n_cells: usize, reversed: bool) -> Vec<usize> {
    (0..n_px)
        .map(|p| {
            let c = (((p as f64 + 0.5) / n_px as f64) * n_cells as f64) as usize;
            let c = c.min(n_cells.saturating_sub(1));
            if reversed {
                n_cells - 1 - c
            } else {
                c
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_cover_every_cell_in_order() {
        let t = uniform_table(100, 7, false);
        assert_eq!(t[0], 0);
        assert_eq!(t[99], 6);
        assert!(t.windows(2).all(|w| w[1] >= w[0]));
        let r = uniform_table(100, 7, true);
        assert_eq!(r[0], 6);
        assert_eq!(r[99], 0);
        assert_eq!(middle_of_run(&[0, 0, 1, 1, 1, 2], 1), 3);
        // Cell 3 not shown (more cells than pixels): the nearest is used.
        assert_eq!(middle_of_run(&[0, 2, 4], 3), 1);
    }
}
