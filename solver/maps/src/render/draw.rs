//! Vector overlays drawn with plotters over the painted heat map: title, axes with ticks in
//! mm, the colour bar, block outlines with names and the hottest-point marker.
//!
//! Every size is given at a 1600-px-wide image and multiplied by `sc` (width / 1600), so maps
//! of any width look alike.

use plotters::backend::{BitMapBackend, RGBPixel};
use plotters::coord::Shift;
use plotters::element::{Circle, DashedPathElement, PathElement, Rectangle};
use plotters::style::{Color, RGBAColor, RGBColor, ShapeStyle};

use plotters::drawing::{DrawingArea, IntoDrawingArea};

use super::canvas::{nice_ticks, Canvas, Scale};
use super::colormap;
use super::text::{self, HAlign, Label, VAlign};
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

/// Text queued while plotters draws shapes; painted last with [`paint_texts`].
pub type Texts = Vec<Label>;

pub const INK_RGB: [u8; 3] = [25, 25, 25];
const GREY_RGB: [u8; 3] = [90, 90, 90];

/// Queues `s` anchored at `(x, y)` by (`h`, `v`), `size` px at 1600 px width.
#[allow(clippy::too_many_arguments)]
pub fn text(
    t: &mut Texts,
    s: &str,
    (x, y): (i32, i32),
    size: f64,
    sc: f64,
    bold: bool,
    colour: [u8; 3],
    (h, v): (HAlign, VAlign),
) {
    t.push(Label {
        text: s.to_string(),
        x,
        y,
        size_px: (size * sc) as f32,
        bold,
        colour,
        h,
        v,
        vertical: false,
    });
}

/// Paints the queued texts into the canvas (after the plotters area is dropped).
pub fn paint_texts(canvas: &mut Canvas, texts: &Texts) -> Result<(), RenderError> {
    texts.iter().try_for_each(|l| text::paint(canvas, l))
}

/// Width in pixels of `s` at `size` (1600-px units) × `sc`.
pub fn text_width(s: &str, size: f64, sc: f64, bold: bool) -> i32 {
    text::width(s, (size * sc) as f32, bold)
        .map(|w| w.ceil() as i32)
        .unwrap_or(0)
}

/// Title block: a bold first line and smaller lines under it, left-aligned at `x`.
pub fn title(t: &mut Texts, lines: &[String], x: i32, sc: f64) {
    let mut y = (18.0 * sc) as i32;
    for (n, line) in lines.iter().enumerate() {
        let (size, bold) = if n == 0 { (30.0, true) } else { (19.0, false) };
        let at = (HAlign::Left, VAlign::Top);
        text(t, line, (x, y), size, sc, bold, INK_RGB, at);
        y += ((size + 12.0) * sc) as i32;
    }
}

/// Ticks (value → pixel given by `to_px`) with labels: under the plot when `horizontal`,
/// else on its left.
pub fn ticks(
    a: &Area,
    t: &mut Texts,
    r: PxRect,
    values: &[(f64, String)],
    to_px: impl Fn(f64) -> i32,
    horizontal: bool,
    sc: f64,
) -> Result<(), RenderError> {
    let len = (7.0 * sc).max(3.0) as i32;
    let line = ShapeStyle::from(&INK).stroke_width(1);
    for (v, label) in values {
        let p = to_px(*v);
        if horizontal {
            let y = r.y0 + r.h;
            a.draw(&PathElement::new(vec![(p, y), (p, y + len)], line))
                .map_err(err)?;
            let at = (HAlign::Center, VAlign::Top);
            text(t, label, (p, y + len + 3), 17.0, sc, false, INK_RGB, at);
        } else {
            a.draw(&PathElement::new(
                vec![(r.x0 - len, p), (r.x0 - 1, p)],
                line,
            ))
            .map_err(err)?;
            let at = (HAlign::Right, VAlign::Center);
            text(t, label, (r.x0 - len - 5, p), 17.0, sc, false, INK_RGB, at);
        }
    }
    Ok(())
}

/// Axis labels (e.g. "x (mm)") under and left of the plot (the left one reads upwards), and
/// the frame around the plot.
pub fn axis_labels(
    a: &Area,
    t: &mut Texts,
    r: PxRect,
    below: &str,
    left: &str,
    left_gap: i32,
    sc: f64,
) -> Result<(), RenderError> {
    let y = r.y0 + r.h + (42.0 * sc) as i32;
    let at = (HAlign::Center, VAlign::Top);
    text(t, below, (r.x0 + r.w / 2, y), 19.0, sc, false, INK_RGB, at);
    if !left.is_empty() {
        t.push(Label {
            text: left.to_string(),
            x: r.x0 - left_gap,
            y: r.y0 + r.h / 2,
            size_px: (19.0 * sc) as f32,
            bold: false,
            colour: INK_RGB,
            h: HAlign::Center,
            v: VAlign::Center,
            vertical: true,
        });
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

/// Frame, ticks and heading of the colour bar painted by [`colourbar_pixels`].
pub fn colourbar_axis(
    a: &Area,
    t: &mut Texts,
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
    let (ticks, d) = nice_ticks(scale.lo_c, scale.hi_c, (bar.h / 60).clamp(5, 14) as usize);
    let len = (7.0 * sc).max(3.0) as i32;
    for v in ticks {
        let y = bar.y0 + bar.h - 1 - (scale.t(v) * (bar.h - 1) as f64).round() as i32;
        let x = bar.x0 + bar.w;
        a.draw(&PathElement::new(vec![(x, y), (x + len, y)], frame))
            .map_err(err)?;
        let at = (HAlign::Left, VAlign::Center);
        text(
            t,
            &format!("{v:.d$}"),
            (x + len + 4, y),
            17.0,
            sc,
            false,
            INK_RGB,
            at,
        );
    }
    let at = (HAlign::Center, VAlign::Bottom);
    let y = bar.y0 - (10.0 * sc) as i32;
    text(
        t,
        heading,
        (bar.x0 + bar.w / 2, y),
        19.0,
        sc,
        false,
        INK_RGB,
        at,
    );
    Ok(())
}

/// Outline of a block (double stroke: dark then light, visible on every colour) with its name.
/// Blocks of other layers are drawn dashed and unnamed, for orientation only.
pub fn block(
    a: &Area,
    t: &mut Texts,
    r: PxRect,
    name: &str,
    own: bool,
    sc: f64,
) -> Result<(), RenderError> {
    let (x1, y1) = (r.x0 + r.w, r.y0 + r.h);
    let corners = vec![(r.x0, r.y0), (x1, r.y0), (x1, y1), (r.x0, y1), (r.x0, r.y0)];
    if !own {
        // Dark halo under a light dash: visible on black, yellow and the no-data grey alike.
        let halo = ShapeStyle::from(&RGBAColor(0, 0, 0, 0.7)).stroke_width(3);
        let dash = ShapeStyle::from(&RGBColor(240, 240, 240)).stroke_width(1);
        let d = (8.0 * sc).max(4.0) as u32;
        a.draw(&DashedPathElement::new(corners.clone(), d, d, halo))
            .map_err(err)?;
        return a
            .draw(&DashedPathElement::new(corners, d, d, dash))
            .map_err(err);
    }
    let dark = ShapeStyle::from(&RGBColor(0, 0, 0)).stroke_width(3);
    let light = ShapeStyle::from(&RGBColor(255, 255, 255)).stroke_width(1);
    a.draw(&PathElement::new(corners.clone(), dark))
        .map_err(err)?;
    a.draw(&PathElement::new(corners, light)).map_err(err)?;
    label_box(a, t, name, (r.x0 + 4, r.y0 + 4), 15.0, sc, r.w - 8)
}

/// White text on a translucent dark box with its top-left corner at `at`; skipped when the
/// text would be wider than `max_w` pixels (a tiny block gets no unreadable label).
pub fn label_box(
    a: &Area,
    t: &mut Texts,
    s: &str,
    at: (i32, i32),
    size: f64,
    sc: f64,
    max_w: i32,
) -> Result<(), RenderError> {
    let w = text_width(s, size, sc, false);
    let h = (size * sc * 1.2) as i32;
    let pad = (4.0 * sc).max(2.0) as i32;
    if w + 2 * pad > max_w {
        return Ok(());
    }
    a.draw(&Rectangle::new(
        [at, (at.0 + w + 2 * pad, at.1 + h + pad)],
        RGBAColor(0, 0, 0, 0.6).filled(),
    ))
    .map_err(err)?;
    let centre = (at.0 + pad, at.1 + (h + pad) / 2);
    let white = [255, 255, 255];
    text(
        t,
        s,
        centre,
        size,
        sc,
        false,
        white,
        (HAlign::Left, VAlign::Center),
    );
    Ok(())
}

/// The hottest-point marker: a ring (the centre pixel keeps the map colour) and a label,
/// placed up-right of the point and flipped to stay inside `bounds`.
pub fn marker(
    a: &Area,
    t: &mut Texts,
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
    let pad = (5.0 * sc).max(2.0) as i32;
    let w = text_width(label, size, sc, true) + 2 * pad;
    let h = (size * sc * 1.2) as i32 + pad;
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
    let at = (HAlign::Left, VAlign::Center);
    text(
        t,
        label,
        (lx + pad, ly + h / 2),
        size,
        sc,
        true,
        INK_RGB,
        at,
    );
    Ok(())
}

/// A small grey note (legend line) with its top-left corner at `at`.
pub fn note(t: &mut Texts, s: &str, at: (i32, i32), sc: f64) {
    text(
        t,
        s,
        at,
        15.0,
        sc,
        false,
        GREY_RGB,
        (HAlign::Left, VAlign::Top),
    );
}
