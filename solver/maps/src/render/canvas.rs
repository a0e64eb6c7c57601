//! The RGB pixel buffer a map is painted into, the colour scale, and PNG encoding.
//!
//! Heat-map pixels are written straight into the buffer (one table lookup per pixel), which is
//! what makes a 2-megapixel map cost milliseconds rather than the seconds that one plotters
//! rectangle per cell would take.

use std::path::Path;

use super::colormap;
use crate::RenderError;

/// Colour of cells that hold no value (e.g. no coolant in a coolant map).
pub const NO_DATA: [u8; 3] = [205, 205, 205];

/// An RGB image, 3 bytes per pixel, row-major from the top-left corner.
pub struct Canvas {
    /// Width, px.
    pub w: u32,
    /// Height, px.
    pub h: u32,
    /// The pixels: `w × h × 3` bytes.
    pub buf: Vec<u8>,
}

impl Canvas {
    /// A white canvas.
    pub fn new(w: u32, h: u32) -> Self {
        Canvas {
            w,
            h,
            buf: vec![255; w as usize * h as usize * 3],
        }
    }

    /// Sets one pixel (ignored outside the canvas).
    #[inline]
    pub fn set(&mut self, x: u32, y: u32, c: [u8; 3]) {
        if x < self.w && y < self.h {
            let o = (y as usize * self.w as usize + x as usize) * 3;
            self.buf[o..o + 3].copy_from_slice(&c);
        }
    }

    /// Paints the rectangle at (`x0`, `y0`) of `cols.len()` × `rows.len()` pixels: pixel
    /// (px, py) gets `colours[rows[py] * stride + cols[px]]`. The index tables map each pixel
    /// column/row to a cell, so the cost is one copy per pixel.
    pub fn blit(
        &mut self,
        x0: u32,
        y0: u32,
        cols: &[usize],
        rows: &[usize],
        colours: &[[u8; 3]],
        stride: usize,
    ) {
        let w = self.w as usize;
        let x0 = x0 as usize;
        // Clip to the canvas once, so the inner loop has no bounds logic of its own.
        let ncols = cols.len().min(w.saturating_sub(x0));
        for (py, &row) in rows.iter().enumerate() {
            let y = y0 as usize + py;
            if y >= self.h as usize {
                break;
            }
            let src = &colours[row * stride..(row + 1) * stride];
            let dst = &mut self.buf[(y * w + x0) * 3..(y * w + x0 + ncols) * 3];
            for (px, &c) in dst.chunks_exact_mut(3).zip(&cols[..ncols]) {
                px.copy_from_slice(&src[c]);
            }
        }
    }

    /// Reads one pixel (tests and markers).
    pub fn get(&self, x: u32, y: u32) -> [u8; 3] {
        let o = (y as usize * self.w as usize + x as usize) * 3;
        [self.buf[o], self.buf[o + 1], self.buf[o + 2]]
    }

    /// Encodes the canvas as an 8-bit RGB PNG at `path`, atomically: the PNG is written to a
    /// temporary file beside `path` and renamed over it when complete, so a killed process
    /// never leaves a 0-byte or half-written map.
    pub fn save_png(&self, path: &Path) -> Result<(), RenderError> {
        let io = |source| RenderError::Io {
            path: path.to_path_buf(),
            source,
        };
        let mut file = coldtray_io::AtomicFile::create(path).map_err(io)?;
        {
            let mut enc = png::Encoder::new(&mut file, self.w, self.h);
            enc.set_color(png::ColorType::Rgb);
            enc.set_depth(png::BitDepth::Eight);
            // Fast deflate: a map is written once and viewed a few times; size is secondary.
            enc.set_compression(png::Compression::Fast);
            let png_err = |e: png::EncodingError| match e {
                png::EncodingError::IoError(source) => io(source),
                source => RenderError::Png {
                    path: path.to_path_buf(),
                    source,
                },
            };
            let mut writer = enc.write_header().map_err(png_err)?;
            writer.write_image_data(&self.buf).map_err(png_err)?;
            writer.finish().map_err(png_err)?;
        }
        file.commit(coldtray_io::Durability::Atomic).map_err(io)
    }
}

/// A linear colour scale from `lo_c` (coldest colour) to `hi_c` (hottest colour).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Scale {
    /// The temperature of the coldest colour, °C.
    pub lo_c: f64,
    /// The temperature of the hottest colour, °C.
    pub hi_c: f64,
}

impl Scale {
    /// The scale spanning finite `values`, or `fixed` when given. A constant field gets
    /// ±0.5 °C around its value so nothing divides by zero; `None` when nothing is finite.
    pub fn new(values: impl Iterator<Item = f64>, fixed: Option<(f64, f64)>) -> Option<Scale> {
        if let Some((lo_c, hi_c)) = fixed {
            return Some(Scale { lo_c, hi_c });
        }
        let (lo, hi) = values
            .filter(|v| v.is_finite())
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
                (lo.min(v), hi.max(v))
            });
        if !lo.is_finite() {
            return None;
        }
        if hi - lo < 1e-9 * (1.0 + lo.abs()) {
            return Some(Scale {
                lo_c: lo - 0.5,
                hi_c: hi + 0.5,
            });
        }
        Some(Scale { lo_c: lo, hi_c: hi })
    }

    /// Position of `v` on the scale, 0..=1 (clamped; NaN stays NaN).
    #[inline]
    pub fn t(&self, v: f64) -> f64 {
        ((v - self.lo_c) / (self.hi_c - self.lo_c)).clamp(0.0, 1.0)
    }

    /// Colour of `v`; non-finite values get [`NO_DATA`].
    #[inline]
    pub fn colour(&self, v: f64) -> [u8; 3] {
        if v.is_finite() {
            colormap::inferno(self.t(v))
        } else {
            NO_DATA
        }
    }
}

/// "Nice" tick values (1, 2, 2.5 or 5 × 10ⁿ apart) inside `lo..=hi`, about `target` of them,
/// and the number of decimals that prints them exactly.
pub fn nice_ticks(lo: f64, hi: f64, target: usize) -> (Vec<f64>, usize) {
    if hi.partial_cmp(&lo) != Some(std::cmp::Ordering::Greater)
        || !lo.is_finite()
        || !hi.is_finite()
    {
        return (vec![lo], 1);
    }
    let raw = (hi - lo) / target.max(1) as f64;
    let mut exp = raw.log10().floor() as i32;
    let mut mant = [1.0, 2.0, 2.5, 5.0, 10.0]
        .into_iter()
        .find(|m| m * 10f64.powi(exp) >= raw * (1.0 - 1e-12))
        .unwrap_or(10.0);
    if mant >= 10.0 {
        mant = 1.0;
        exp += 1;
    }
    let step = mant * 10f64.powi(exp);
    let first = (lo / step - 1e-9).ceil();
    let mut ticks = Vec::new();
    let mut n = first;
    while n * step <= hi + step * 1e-9 && ticks.len() < 100 {
        // `+ 0.0` turns -0.0 into 0.0 so no axis reads "-0".
        ticks.push(n * step + 0.0);
        n += 1.0;
    }
    // 2.5 × 10ⁿ needs one decimal more than 1, 2 or 5 × 10ⁿ.
    let extra = i32::from(mant == 2.5);
    let decimals = (extra - exp).max(0) as usize;
    (ticks, decimals)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn constant_field_has_a_finite_scale() {
        let s = Scale::new([50.0, 50.0].into_iter(), None).unwrap_or(Scale {
            lo_c: 0.0,
            hi_c: 0.0,
        });
        assert!(s.hi_c > s.lo_c);
        assert_eq!(s.colour(50.0), colormap::inferno(0.5));
        assert_eq!(s.colour(f64::NAN), NO_DATA);
        assert!(Scale::new([f64::NAN].into_iter(), None).is_none());
    }

    #[test]
    fn ticks_are_nice_and_inside() {
        let (t, d) = nice_ticks(41.3, 78.9, 8);
        assert_eq!(t, vec![45.0, 50.0, 55.0, 60.0, 65.0, 70.0, 75.0]);
        assert_eq!(d, 0);
        let (t, d) = nice_ticks(0.0, 1.0, 4);
        assert_eq!(t, vec![0.0, 0.25, 0.5, 0.75, 1.0]);
        assert_eq!(d, 2);
    }

    #[test]
    fn blit_copies_cells() {
        let mut c = Canvas::new(4, 2);
        let colours = [[1, 1, 1], [2, 2, 2], [3, 3, 3], [4, 4, 4]];
        c.blit(0, 0, &[0, 0, 1, 1], &[1, 0], &colours, 2);
        assert_eq!(c.get(0, 0), [3, 3, 3]);
        assert_eq!(c.get(3, 0), [4, 4, 4]);
        assert_eq!(c.get(3, 1), [2, 2, 2]);
    }
}
