//! Text laid out with ab_glyph and the embedded DejaVu Sans, blended into an RGB8 buffer.
//!
//! plotters 0.3.7's ab_glyph text path drops each glyph's side bearing and truncates the pen
//! position per glyph, which visibly breaks letter spacing ("pe ak") and raises short letters.
//! This layout does it properly: advance + kerning on a float pen, every glyph on a common
//! baseline, anti-aliased coverage mixed over what is already in the buffer.
//!
//! It knows nothing of any canvas type: the target is a plain `&mut [u8]` of RGB8 pixels,
//! row-major from the top-left corner, `width × height × 3` bytes — the buffer that
//! `plotters::backend::BitMapBackend::with_buffer` draws into, so text can be drawn after the
//! plotters shapes (drop the drawing area first) and lands on top of them.

use std::sync::OnceLock;

use ab_glyph::{point, Font, FontRef, PxScale, ScaleFont};

use crate::{FontError, DEJAVU_SANS, DEJAVU_SANS_BOLD};

/// Horizontal anchor: which point of the text box sits at the anchor's x.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum HAlign {
    /// The box's left edge (the pen's start).
    #[default]
    Left,
    /// The box's middle.
    Center,
    /// The box's right edge (the pen's end).
    Right,
}

/// Vertical anchor: which line of the text box (ascent to descent) sits at the anchor's y.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum VAlign {
    /// The ascent line (top of the tallest glyphs).
    #[default]
    Top,
    /// Halfway between ascent and descent.
    Center,
    /// The descent line (bottom of descenders).
    Bottom,
}

/// Which way the text runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Direction {
    /// Left to right.
    #[default]
    Horizontal,
    /// Rotated 90° counter-clockwise about the anchor: reads bottom to top (a y-axis label).
    /// The alignments apply to the unrotated box, so `HAlign::Center` centres the text
    /// vertically on the anchor.
    Up,
}

/// How to draw a piece of text.
///
/// Build one with [`TextStyle::new`] and the chained setters, or as a struct literal.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TextStyle {
    /// Font size in pixels (ascent − descent of DejaVu Sans).
    pub size_px: f32,
    /// DejaVu Sans Bold instead of regular.
    pub bold: bool,
    /// Text colour.
    pub rgb: [u8; 3],
    /// Horizontal anchor of the text box.
    pub h_align: HAlign,
    /// Vertical anchor of the text box.
    pub v_align: VAlign,
    /// Horizontal or rotated to read upwards.
    pub direction: Direction,
}

impl TextStyle {
    /// Regular black text of `size_px` pixels, horizontal, anchored at its top-left corner.
    pub const fn new(size_px: f32) -> Self {
        TextStyle {
            size_px,
            bold: false,
            rgb: [0, 0, 0],
            h_align: HAlign::Left,
            v_align: VAlign::Top,
            direction: Direction::Horizontal,
        }
    }

    /// The same style, bold or regular.
    pub const fn bold(self, bold: bool) -> Self {
        TextStyle { bold, ..self }
    }

    /// The same style in colour `rgb`.
    pub const fn rgb(self, rgb: [u8; 3]) -> Self {
        TextStyle { rgb, ..self }
    }

    /// The same style with the anchor at (`h`, `v`) of the text box.
    pub const fn align(self, h: HAlign, v: VAlign) -> Self {
        TextStyle {
            h_align: h,
            v_align: v,
            ..self
        }
    }

    /// The same style running in `direction`.
    pub const fn direction(self, direction: Direction) -> Self {
        TextStyle { direction, ..self }
    }
}

impl Default for TextStyle {
    /// 16 px regular black text, anchored top-left.
    fn default() -> Self {
        TextStyle::new(16.0)
    }
}

/// Why text could not be drawn.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TextError {
    /// The embedded font is unusable (a corrupted build; never expected).
    Font(FontError),
    /// The target slice is not `width × height × 3` bytes.
    BufferSize {
        /// Bytes in the slice.
        len: usize,
        /// Claimed width, px.
        width: u32,
        /// Claimed height, px.
        height: u32,
    },
}

impl std::fmt::Display for TextError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            TextError::Font(e) => e.fmt(f),
            TextError::BufferSize { len, width, height } => write!(
                f,
                "an RGB8 buffer of {width} × {height} px needs {} bytes, the slice has {len}",
                *width as usize * *height as usize * 3
            ),
        }
    }
}

impl std::error::Error for TextError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            TextError::Font(e) => Some(e),
            TextError::BufferSize { .. } => None,
        }
    }
}

impl From<FontError> for TextError {
    fn from(e: FontError) -> Self {
        TextError::Font(e)
    }
}

struct Fonts {
    regular: FontRef<'static>,
    bold: FontRef<'static>,
}

fn face(bold: bool) -> Result<&'static FontRef<'static>, FontError> {
    static FONTS: OnceLock<Option<Fonts>> = OnceLock::new();
    let fonts = FONTS
        .get_or_init(|| {
            Some(Fonts {
                regular: FontRef::try_from_slice(DEJAVU_SANS).ok()?,
                bold: FontRef::try_from_slice(DEJAVU_SANS_BOLD).ok()?,
            })
        })
        .as_ref()
        .ok_or(FontError)?;
    Ok(if bold { &fonts.bold } else { &fonts.regular })
}

/// Advance width of `text` in pixels: glyph advances plus kerning, on a float pen.
fn advance(font: &impl ScaleFont<&'static FontRef<'static>>, text: &str) -> f32 {
    let mut w = 0.0;
    let mut prev = None;
    for c in text.chars() {
        let id = font.glyph_id(c);
        if let Some(p) = prev {
            w += font.kern(p, id);
        }
        w += font.h_advance(id);
        prev = Some(id);
    }
    w
}

/// Size `(w, h)` in pixels of the box `text` occupies on the target: the advance width
/// (with kerning) by the font's ascent − descent; `(h, w)` for [`Direction::Up`].
///
/// This is the box that the alignments anchor; glyph ink may overhang it by a pixel or so.
pub fn measure(text: &str, style: &TextStyle) -> Result<(f32, f32), FontError> {
    let font = face(style.bold)?.as_scaled(PxScale::from(style.size_px));
    let (w, h) = (advance(&font, text), font.ascent() - font.descent());
    Ok(match style.direction {
        Direction::Horizontal => (w, h),
        Direction::Up => (h, w),
    })
}

/// Draws `text` into the RGB8 buffer `target` (`width × height` pixels, row-major from the
/// top-left), with the point (`h_align`, `v_align`) of its box at `(x, y)`.
///
/// Coverage is blended over the existing pixels (anti-aliased); pixels outside the buffer are
/// skipped, so text may run off an edge.
pub fn draw(
    text: &str,
    (x, y): (i32, i32),
    style: &TextStyle,
    target: &mut [u8],
    width: u32,
    height: u32,
) -> Result<(), TextError> {
    if target.len() != width as usize * height as usize * 3 {
        return Err(TextError::BufferSize {
            len: target.len(),
            width,
            height,
        });
    }
    let scale = PxScale::from(style.size_px);
    let font = face(style.bold)?.as_scaled(scale);
    let w = advance(&font, text);
    let (ascent, descent) = (font.ascent(), font.descent());
    // Local frame: anchor at the origin, x along the text, y down.
    let x0 = match style.h_align {
        HAlign::Left => 0.0,
        HAlign::Center => -w / 2.0,
        HAlign::Right => -w,
    };
    let baseline = match style.v_align {
        VAlign::Top => ascent,
        VAlign::Center => (ascent + descent) / 2.0,
        VAlign::Bottom => descent,
    };
    let mut pen = x0;
    let mut prev = None;
    for c in text.chars() {
        let id = font.glyph_id(c);
        if let Some(p) = prev {
            pen += font.kern(p, id);
        }
        let glyph = id.with_scale_and_position(scale, point(pen, baseline));
        pen += font.h_advance(id);
        prev = Some(id);
        let Some(outline) = font.outline_glyph(glyph) else {
            continue;
        };
        let b = outline.px_bounds();
        // `as` truncates toward zero; kept as is, the maps' pixels depend on it.
        let (bx, by) = (b.min.x as i32, b.min.y as i32);
        outline.draw(|gx, gy, cov| {
            let (lx, ly) = (bx + gx as i32, by + gy as i32);
            let (px, py) = match style.direction {
                Direction::Horizontal => (x + lx, y + ly),
                Direction::Up => (x + ly, y - lx),
            };
            blend(target, width, height, (px, py), style.rgb, cov);
        });
    }
    Ok(())
}

/// Mixes `rgb` over the pixel at (`x`, `y`) with coverage `a` in 0..=1.
fn blend(target: &mut [u8], width: u32, height: u32, (x, y): (i32, i32), rgb: [u8; 3], a: f32) {
    if x < 0 || y < 0 || x >= width as i32 || y >= height as i32 {
        return;
    }
    let a = a.clamp(0.0, 1.0);
    let o = (y as usize * width as usize + x as usize) * 3;
    let mix = |f: u8, b: u8| (f as f32 * a + b as f32 * (1.0 - a)).round() as u8;
    for (c, f) in target[o..o + 3].iter_mut().zip(rgb) {
        *c = mix(f, *c);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const W: u32 = 200;
    const H: u32 = 120;

    fn style() -> TextStyle {
        TextStyle::new(20.0)
    }

    /// Bounding box (x0, y0, x1, y1) of the non-white pixels.
    fn ink(buf: &[u8], w: u32) -> Option<(u32, u32, u32, u32)> {
        let mut bb: Option<(u32, u32, u32, u32)> = None;
        for (n, px) in buf.chunks_exact(3).enumerate() {
            if px != [255, 255, 255] {
                let (x, y) = (n as u32 % w, n as u32 / w);
                bb = Some(match bb {
                    None => (x, y, x, y),
                    Some((a, b, c, d)) => (a.min(x), b.min(y), c.max(x), d.max(y)),
                });
            }
        }
        bb
    }

    fn drawn(text: &str, at: (i32, i32), s: &TextStyle, w: u32, h: u32) -> (u32, u32, u32, u32) {
        let mut buf = vec![255; (w * h * 3) as usize];
        draw(text, at, s, &mut buf, w, h).expect("draws");
        ink(&buf, w).expect("some ink")
    }

    fn width(text: &str) -> f32 {
        measure(text, &style()).expect("measures").0
    }

    #[test]
    fn kerning_pulls_av_together() {
        assert!(width("AV") < width("A") + width("V") - 0.5);
        // No kerning pair: the widths add up.
        assert!((width("HH") - 2.0 * width("H")).abs() < 1e-3);
        assert_eq!(width(""), 0.0);
    }

    #[test]
    fn bold_is_wider_and_size_scales() {
        let s = style();
        let bold = measure("peak", &s.bold(true)).expect("measures").0;
        assert!(bold > width("peak"));
        let big = measure("peak", &TextStyle::new(40.0)).expect("measures");
        assert!((big.0 - 2.0 * width("peak")).abs() < 0.01);
        assert!((big.1 - 40.0).abs() < 2.0, "{}", big.1);
    }

    #[test]
    fn top_left_anchor_puts_the_text_right_of_and_below_it() {
        let (x0, y0, x1, y1) = drawn("Hx 88.9 °C", (50, 50), &style(), W, H);
        assert!((50..=53).contains(&x0), "{x0}");
        assert!(y0 >= 50 && y1 <= 75, "{y0}..{y1}");
        assert!((x1 as f32 - 50.0 - width("Hx 88.9 °C")).abs() < 4.0, "{x1}");
    }

    #[test]
    fn right_bottom_and_centre_anchors() {
        let s = style().align(HAlign::Right, VAlign::Bottom);
        let (_, _, x1, y1) = drawn("Hx", (150, 80), &s, W, H);
        assert!((147..=151).contains(&x1), "{x1}");
        // Bottom = the descent line: the baseline ("Hx" has no descender) sits above it.
        assert!((73..80).contains(&y1), "{y1}");
        let s = style().align(HAlign::Center, VAlign::Center);
        let (x0, y0, x1, y1) = drawn("HHHH", (100, 60), &s, W, H);
        assert!(((x0 + x1) as i32 / 2 - 100).abs() <= 2, "{x0}..{x1}");
        assert!(y0 < 60 && y1 > 55, "{y0}..{y1}");
    }

    #[test]
    fn upward_text_reads_from_the_anchor_to_the_top() {
        let s = style().direction(Direction::Up);
        let (x0, y0, _, y1) = drawn("y (mm)", (50, 150), &s, 120, 200);
        assert!(y1 <= 150 && y0 < 150 - 40, "{y0}..{y1}");
        assert!(x0 >= 50, "{x0}");
        let (w, h) = measure("y (mm)", &s).expect("measures");
        assert!(h > w, "the box of upward text is tall: {w} × {h}");
    }

    #[test]
    fn text_off_the_edge_is_clipped_and_bad_buffers_are_errors() {
        // Starts 30 px left of the buffer: what is left of it still lands at the left edge.
        let (x0, _, x1, _) = drawn("clipped", (-30, 0), &style(), 40, 30);
        assert!(x0 <= 2 && x1 > 20, "{x0}..{x1}");
        let mut short = vec![0u8; 10];
        let e = draw("x", (0, 0), &style(), &mut short, 4, 4);
        assert!(matches!(e, Err(TextError::BufferSize { len: 10, .. })));
        assert!(e.err().is_some_and(|e| e.to_string().contains("48 bytes")));
    }

    #[test]
    fn colour_is_blended_by_coverage() {
        let mut buf = vec![0u8; 60 * 30 * 3];
        let s = TextStyle::new(24.0).rgb([255, 0, 0]);
        draw("■ I", (2, 2), &s, &mut buf, 60, 30).expect("draws");
        assert!(buf.chunks_exact(3).any(|p| p == [255, 0, 0]));
        assert!(buf.chunks_exact(3).all(|p| p[1] == 0 && p[2] == 0));
    }
}
