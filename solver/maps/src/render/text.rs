//! Text rasterised straight into the canvas with ab_glyph and the embedded DejaVu Sans.
//!
//! plotters 0.3.7's ab_glyph text path drops each glyph's side bearing and truncates the pen
//! position per glyph, which visibly breaks letter spacing ("pe ak") and raises short letters;
//! so the maps lay text out here (advance + kerning on a float pen, glyphs positioned on a
//! common baseline) and blend the anti-aliased coverage into the RGB buffer. Text is queued
//! while plotters draws the shapes and painted last, so it is always on top.

use std::sync::OnceLock;

use ab_glyph::{point, Font, FontRef, PxScale, ScaleFont};

use super::canvas::Canvas;
use super::font::{BOLD_TTF, REGULAR_TTF};
use super::RenderError;

/// Horizontal anchor of a text's box.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HAlign {
    Left,
    Center,
    Right,
}

/// Vertical anchor of a text's box (ascent to descent).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VAlign {
    Top,
    Center,
    Bottom,
}

/// One queued piece of text.
#[derive(Debug, Clone, PartialEq)]
pub struct Label {
    pub text: String,
    /// Anchor point, canvas pixels.
    pub x: i32,
    pub y: i32,
    /// Font size in pixels (ascent − descent).
    pub size_px: f32,
    pub bold: bool,
    pub colour: [u8; 3],
    pub h: HAlign,
    pub v: VAlign,
    /// Rotated 90° counter-clockwise (reads bottom to top), about the anchor.
    pub vertical: bool,
}

struct Fonts {
    regular: FontRef<'static>,
    bold: FontRef<'static>,
}

fn fonts() -> Result<&'static Fonts, RenderError> {
    static FONTS: OnceLock<Option<Fonts>> = OnceLock::new();
    FONTS
        .get_or_init(|| {
            Some(Fonts {
                regular: FontRef::try_from_slice(REGULAR_TTF).ok()?,
                bold: FontRef::try_from_slice(BOLD_TTF).ok()?,
            })
        })
        .as_ref()
        .ok_or_else(|| RenderError::Draw("the embedded DejaVu Sans font is invalid".into()))
}

fn face(bold: bool) -> Result<&'static FontRef<'static>, RenderError> {
    let f = fonts()?;
    Ok(if bold { &f.bold } else { &f.regular })
}

/// Width in pixels of `text` at `size_px`.
pub fn width(text: &str, size_px: f32, bold: bool) -> Result<f32, RenderError> {
    let font = face(bold)?.as_scaled(PxScale::from(size_px));
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
    Ok(w)
}

/// Paints `label` into `canvas` (anti-aliased; pixels outside the canvas are skipped).
pub fn paint(canvas: &mut Canvas, label: &Label) -> Result<(), RenderError> {
    let font = face(label.bold)?.as_scaled(PxScale::from(label.size_px));
    let w = width(&label.text, label.size_px, label.bold)?;
    let (ascent, descent) = (font.ascent(), font.descent());
    // Local frame: anchor at the origin, x along the text, y down.
    let x0 = match label.h {
        HAlign::Left => 0.0,
        HAlign::Center => -w / 2.0,
        HAlign::Right => -w,
    };
    let baseline = match label.v {
        VAlign::Top => ascent,
        VAlign::Center => (ascent + descent) / 2.0,
        VAlign::Bottom => descent,
    };
    let (ax, ay) = (label.x, label.y);
    let mut pen = x0;
    let mut prev = None;
    for c in label.text.chars() {
        let id = font.glyph_id(c);
        if let Some(p) = prev {
            pen += font.kern(p, id);
        }
        let glyph = id.with_scale_and_position(PxScale::from(label.size_px), point(pen, baseline));
        pen += font.h_advance(id);
        prev = Some(id);
        let Some(outline) = font.outline_glyph(glyph) else {
            continue;
        };
        let b = outline.px_bounds();
        let (bx, by) = (b.min.x as i32, b.min.y as i32);
        outline.draw(|gx, gy, cov| {
            let (lx, ly) = (bx + gx as i32, by + gy as i32);
            let (px, py) = if label.vertical {
                (ax + ly, ay - lx)
            } else {
                (ax + lx, ay + ly)
            };
            blend(canvas, px, py, label.colour, cov);
        });
    }
    Ok(())
}

/// Mixes `colour` over the pixel at (`x`, `y`) with coverage `a` in 0..=1.
fn blend(canvas: &mut Canvas, x: i32, y: i32, colour: [u8; 3], a: f32) {
    if x < 0 || y < 0 || x >= canvas.w as i32 || y >= canvas.h as i32 {
        return;
    }
    let a = a.clamp(0.0, 1.0);
    let bg = canvas.get(x as u32, y as u32);
    let mix = |f: u8, b: u8| (f as f32 * a + b as f32 * (1.0 - a)).round() as u8;
    canvas.set(
        x as u32,
        y as u32,
        [
            mix(colour[0], bg[0]),
            mix(colour[1], bg[1]),
            mix(colour[2], bg[2]),
        ],
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    fn label(text: &str, vertical: bool) -> Label {
        Label {
            text: text.into(),
            x: 50,
            y: 50,
            size_px: 20.0,
            bold: false,
            colour: [0, 0, 0],
            h: HAlign::Left,
            v: VAlign::Top,
            vertical,
        }
    }

    /// Bounding box of the non-white pixels.
    fn ink(c: &Canvas) -> Option<(u32, u32, u32, u32)> {
        let mut bb: Option<(u32, u32, u32, u32)> = None;
        for y in 0..c.h {
            for x in 0..c.w {
                if c.get(x, y) != [255, 255, 255] {
                    bb = Some(match bb {
                        None => (x, y, x, y),
                        Some((a, b, cc, d)) => (a.min(x), b.min(y), cc.max(x), d.max(y)),
                    });
                }
            }
        }
        bb
    }

    #[test]
    fn text_lands_right_of_and_below_a_top_left_anchor() {
        let mut c = Canvas::new(200, 120);
        paint(&mut c, &label("Hx 88.9 °C", false)).unwrap_or(());
        let (x0, y0, x1, y1) = ink(&c).unwrap_or((0, 0, 0, 0));
        assert!((50..=53).contains(&x0), "{x0}");
        assert!(y0 >= 50 && y1 <= 75, "{y0}..{y1}");
        let w = width("Hx 88.9 °C", 20.0, false).unwrap_or(0.0);
        assert!((x1 as f32 - 50.0 - w).abs() < 4.0, "{x1} vs {w}");
    }

    #[test]
    fn vertical_text_reads_upwards_from_the_anchor() {
        let mut c = Canvas::new(120, 200);
        paint(&mut c, &label("y (mm)", true)).unwrap_or(());
        let (x0, y0, _x1, y1) = ink(&c).unwrap_or((0, 0, 0, 0));
        assert!(y1 <= 50 && y0 < 20, "{y0}..{y1}");
        assert!(x0 >= 50, "{x0}");
    }
}
