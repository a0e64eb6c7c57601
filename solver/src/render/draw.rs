//! Vector overlays drawn with plotters over the painted heat map: title, axes with ticks in
//! mm, the colour bar, block outlines with names and the hottest-point marker.
//!
//! Every size is given at a 1600-px-wide image and multiplied by `sc` (width / 1600), so maps
//! of any width look alike.

use plotters::backend::{BitMapBackend, RGBPixel};
use plotters::coord::Shift;
use plotters::element::{Circle, DashedPathElement, PathElement, Rectangle};
use plotters::style::text_anchor::{HPos, Pos, VPos};
use plotters::style::{
    Color, FontStyle, FontTransform, IntoFont, RGBAColor, RGBColor, ShapeStyle, TextStyle,
};

use plotters::drawing::{DrawingArea, IntoDrawingArea};

use super::canvas::{nice_ticks, Canvas, Scale};
use super::colormap;
use super::font::FAMILY;
use super::RenderError;

/// The plotters drawing area over a [`Canvas`] buffer.
pub type Area<'a> = DrawingArea<BitMapBackend<'a, RGBPixel>, Shift>;

/// A pixel rectangle: top-left corner and size.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PxRect {
    pub x0: i32,
    pub y0: i32,
    pub w: i32,
    pub h: i32,
}

/// `r` cut to `bounds`; `None` when nothing is left.
pub fn clip(r: PxRect, bounds: PxRect) -> Option<PxRect> {
    let x0 = r.x0.max(bounds.x0);
    let y0 = r.y0.max(bounds.y0);
    let x1 = (r.x0 + r.w).min(bounds.x0 + bounds.w);
    let y1 = (r.y0 + r.h).min(bounds.y0 + bounds.h);
    (x1 > x0 && y1 > y0).then_some(PxRect {
        x0,
        y0,
        w: x1 - x0,
        h: y1 - y0,
    })
}

pub const INK: RGBColor = RGBColor(25, 25, 25);
const GREY: RGBColor = RGBColor(90, 90, 90);

fn err<E: std::fmt::Display>(e: E) -> RenderError {
    RenderError::Draw(e.to_string())
}

/// Wraps the canvas buffer for plotters.
pub fn area(canvas: &mut Canvas) -> Result<Area<'_>, RenderError> {
    let (w, h) = (canvas.w, canvas.h);
    let backend =
        BitMapBackend::<RGBPixel>::with_buffer_and_format(&mut canvas.buf, (w, h)).map_err(err)?;
    Ok(backend.into_drawing_area())
}

/// A text style of `size` px (at 1600 px width) in the embedded font.
pub fn font(size: f64, sc: f64, bold: bool) -> TextStyle<'static> {
    let style = if bold {
        FontStyle::Bold
    } else {
        FontStyle::Normal
    };
    (FAMILY, size * sc, style).into_font().color(&INK)
}

/// Draws `s` anchored at `(x, y)` by (`h`, `v`).
pub fn text(
    a: &Area,
    s: &str,
    (x, y): (i32, i32),
    style: &TextStyle,
    h: HPos,
    v: VPos,
) -> Result<(), RenderError> {
    a.draw_text(s, &style.pos(Pos::new(h, v)), (x, y))
        .map_err(err)
}

/// Width in pixels of `s` in `style`.
pub fn text_width(a: &Area, s: &str, style: &TextStyle) -> i32 {
    a.estimate_text_size(s, style)
        .map(|(w, _)| w as i32)
        .unwrap_or(0)
}

/// Title block: a bold first line and smaller lines under it, left-aligned at `x`.
pub fn title(a: &Area, lines: &[String], x: i32, sc: f64) -> Result<(), RenderError> {
    let mut y = (18.0 * sc) as i32;
    for (n, line) in lines.iter().enumerate() {
        let (size, bold) = if n == 0 { (30.0, true) } else { (19.0, false) };
        let style = font(size, sc, bold);
        text(a, line, (x, y), &style, HPos::Left, VPos::Top)?;
        y += ((size + 12.0) * sc) as i32;
    }
    Ok(())
}

/// Frame around the plot and ticks (value → pixel given by `to_px`) on the chosen sides.
/// `horizontal` ticks go under the plot, the others on its left.
pub fn ticks(
    a: &Area,
    r: PxRect,
    values: &[(f64, String)],
    to_px: impl Fn(f64) -> i32,
    horizontal: bool,
    sc: f64,
) -> Result<(), RenderError> {
    let style = font(17.0, sc, false);
    let len = (7.0 * sc).max(3.0) as i32;
    let line = ShapeStyle::from(&INK).stroke_width(1);
    for (v, label) in values {
        let p = to_px(*v);
        if horizontal {
            let y = r.y0 + r.h;
            a.draw(&PathElement::new(vec![(p, y), (p, y + len)], line))
                .map_err(err)?;
            text(a, label, (p, y + len + 3), &style, HPos::Center, VPos::Top)?;
        } else {
            a.draw(&PathElement::new(
                vec![(r.x0 - len, p), (r.x0 - 1, p)],
                line,
            ))
            .map_err(err)?;
            text(
                a,
                label,
                (r.x0 - len - 5, p),
                &style,
                HPos::Right,
                VPos::Center,
            )?;
        }
    }
    Ok(())
}

/// Axis labels (e.g. "x (mm)") under and left of the plot; the left one is rotated.
pub fn axis_labels(
    a: &Area,
    r: PxRect,
    below: &str,
    left: &str,
    left_gap: i32,
    sc: f64,
) -> Result<(), RenderError> {
    let style = font(19.0, sc, false);
    let y = r.y0 + r.h + (42.0 * sc) as i32;
    text(
        a,
        below,
        (r.x0 + r.w / 2, y),
        &style,
        HPos::Center,
        VPos::Top,
    )?;
    if !left.is_empty() {
        let rot = style.transform(FontTransform::Rotate270);
        text(
            a,
            left,
            (r.x0 - left_gap, r.y0 + r.h / 2),
            &rot,
            HPos::Center,
            VPos::Top,
        )?;
    }
    let frame = ShapeStyle::from(&INK).stroke_width(1);
    a.draw(&Rectangle::new(
        [(r.x0 - 1, r.y0 - 1), (r.x0 + r.w, r.y0 + r.h)],
        frame,
    ))
    .map_err(err)
}

/// Ticks for a linear mm axis over `lo..hi` drawn across `len_px` pixels.
pub fn mm_ticks(lo: f64, hi: f64, len_px: i32) -> Vec<(f64, String)> {
    let target = (len_px / 110).clamp(3, 12) as usize;
    let (t, d) = nice_ticks(lo, hi, target);
    t.into_iter().map(|v| (v, format!("{v:.d$}"))).collect()
}

/// Paints the colour bar's gradient into the canvas (hottest at the top).
pub fn colourbar_pixels(canvas: &mut Canvas, bar: PxRect) {
    for py in 0..bar.h {
        let t = 1.0 - (py as f64 + 0.5) / bar.h as f64;
        let c = colormap::inferno(t);
        for px in 0..bar.w {
            canvas.set((bar.x0 + px) as u32, (bar.y0 + py) as u32, c);
        }
    }
}

/// Frame, ticks and title of the colour bar painted by [`colourbar_pixels`].
pub fn colourbar_axis(
    a: &Area,
    bar: PxRect,
    scale: Scale,
    heading: &str,
    sc: f64,
) -> Result<(), RenderError> {
    let frame = ShapeStyle::from(&INK).stroke_width(1);
    a.draw(&Rectangle::new(
        [(bar.x0 - 1, bar.y0 - 1), (bar.x0 + bar.w, bar.y0 + bar.h)],
        frame,
    ))
    .map_err(err)?;
    let style = font(17.0, sc, false);
    let (t, d) = nice_ticks(scale.lo_c, scale.hi_c, (bar.h / 60).clamp(5, 14) as usize);
    let len = (7.0 * sc).max(3.0) as i32;
    for v in t {
        let y = bar.y0 + bar.h - 1 - (scale.t(v) * (bar.h - 1) as f64).round() as i32;
        let x = bar.x0 + bar.w;
        a.draw(&PathElement::new(vec![(x, y), (x + len, y)], frame))
            .map_err(err)?;
        let label = format!("{v:.d$}");
        text(
            a,
            &label,
            (x + len + 4, y),
            &style,
            HPos::Left,
            VPos::Center,
        )?;
    }
    let head = font(19.0, sc, false);
    text(
        a,
        heading,
        (bar.x0 + bar.w / 2, bar.y0 - (14.0 * sc) as i32),
        &head,
        HPos::Center,
        VPos::Bottom,
    )
}

/// Outline of a block (double stroke: dark then light, visible on every colour) with its name.
/// Blocks of other layers are drawn dashed and unnamed, for orientation only.
pub fn block(a: &Area, r: PxRect, name: &str, own: bool, sc: f64) -> Result<(), RenderError> {
    let (x1, y1) = (r.x0 + r.w, r.y0 + r.h);
    let corners = vec![(r.x0, r.y0), (x1, r.y0), (x1, y1), (r.x0, y1), (r.x0, r.y0)];
    if !own {
        let dash = ShapeStyle::from(&RGBAColor(235, 235, 235, 0.8)).stroke_width(1);
        let d = (8.0 * sc).max(4.0) as u32;
        return a
            .draw(&DashedPathElement::new(corners, d, d, dash))
            .map_err(err);
    }
    let dark = ShapeStyle::from(&RGBColor(0, 0, 0)).stroke_width(3);
    let light = ShapeStyle::from(&RGBColor(255, 255, 255)).stroke_width(1);
    a.draw(&PathElement::new(corners.clone(), dark))
        .map_err(err)?;
    a.draw(&PathElement::new(corners, light)).map_err(err)?;
    label_box(a, name, (r.x0 + 4, r.y0 + 4), 15.0, sc, r.w - 8)
}

/// White text on a translucent dark box with its top-left corner at `at`; skipped when the
/// text would be wider than `max_w` pixels (a tiny block gets no unreadable label).
pub fn label_box(
    a: &Area,
    s: &str,
    at: (i32, i32),
    size: f64,
    sc: f64,
    max_w: i32,
) -> Result<(), RenderError> {
    let style = font(size, sc, false).color(&RGBColor(255, 255, 255));
    let w = text_width(a, s, &style);
    let h = (size * sc * 1.15) as i32;
    if w + 8 > max_w {
        return Ok(());
    }
    a.draw(&Rectangle::new(
        [at, (at.0 + w + 8, at.1 + h + 6)],
        RGBAColor(0, 0, 0, 0.6).filled(),
    ))
    .map_err(err)?;
    text(
        a,
        s,
        (at.0 + 4, at.1 + 3 + h / 2),
        &style,
        HPos::Left,
        VPos::Center,
    )
}

/// The hottest-point marker: a ring (the centre pixel keeps the map colour) and a label,
/// placed up-right of the point and flipped to stay inside `bounds`.
pub fn marker(
    a: &Area,
    (x, y): (i32, i32),
    label: &str,
    bounds: PxRect,
    sc: f64,
) -> Result<(), RenderError> {
    let r = (10.0 * sc).max(6.0) as i32;
    let dark = ShapeStyle::from(&RGBColor(0, 0, 0)).stroke_width(3);
    let light = ShapeStyle::from(&RGBColor(255, 255, 255)).stroke_width(1);
    a.draw(&Circle::new((x, y), r, dark)).map_err(err)?;
    a.draw(&Circle::new((x, y), r + 2, light)).map_err(err)?;
    let size = 18.0;
    let style = font(size, sc, true);
    let w = text_width(a, label, &style) + 8;
    let h = (size * sc * 1.15) as i32 + 6;
    let mut lx = x + r + 4;
    let mut ly = y - r - h;
    if lx + w > bounds.x0 + bounds.w {
        lx = x - r - 4 - w;
    }
    if ly < bounds.y0 {
        ly = y + r + 4;
    }
    a.draw(&Rectangle::new(
        [(lx, ly), (lx + w, ly + h)],
        RGBAColor(255, 255, 255, 0.85).filled(),
    ))
    .map_err(err)?;
    text(
        a,
        label,
        (lx + 4, ly + h / 2),
        &style,
        HPos::Left,
        VPos::Center,
    )
}

/// A small grey note (legend line) at `at`.
pub fn note(a: &Area, s: &str, at: (i32, i32), sc: f64) -> Result<(), RenderError> {
    let style = font(15.0, sc, false).color(&GREY);
    text(a, s, at, &style, HPos::Left, VPos::Top)
}
