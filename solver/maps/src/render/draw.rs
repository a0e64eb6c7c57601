//! The [`Painter`]: vector overlays drawn over the painted heat map — title, axes with ticks in
//! mm, the colour bar, block outlines with names and the hottest-point marker.
//!
//! Shapes are drawn with plotters straight into the canvas buffer; text is queued and laid
//! out last by `coldtray_assets::text` (plotters 0.3.7's own text path breaks letter
//! spacing), so it is always on top. Every size is given at a 1600-px-wide image and
//! multiplied by the painter's scale (width / 1600), so maps of any width look alike.

use coldtray_assets::text::{self, HAlign, TextStyle, VAlign};
use plotters::backend::{BitMapBackend, RGBPixel};
use plotters::coord::Shift;
use plotters::drawing::{DrawingArea, IntoDrawingArea};
use plotters::element::{Circle, DashedPathElement, PathElement, Rectangle};
use plotters::style::{Color, RGBAColor, RGBColor, ShapeStyle};

use super::canvas::{nice_ticks, Canvas, Scale};
use super::colormap;
use crate::RenderError;

/// The plotters drawing area over a [`Canvas`] buffer.
type Area<'a> = DrawingArea<BitMapBackend<'a, RGBPixel>, Shift>;

/// A pixel rectangle: top-left corner and size.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct PxRect {
    pub(crate) x0: i32,
    pub(crate) y0: i32,
    pub(crate) w: i32,
    pub(crate) h: i32,
}

/// Whether the polyline through `pts` passes through the rectangle `r` (sampled every 2 px).
pub(crate) fn crosses(pts: &[(i32, i32)], r: PxRect) -> bool {
    pts.windows(2).any(|w| {
        let (a, b) = (w[0], w[1]);
        let n = ((b.0 - a.0).abs().max((b.1 - a.1).abs()) / 2).max(1);
        (0..=n).any(|k| {
            let t = f64::from(k) / f64::from(n);
            let x = f64::from(a.0) + t * f64::from(b.0 - a.0);
            let y = f64::from(a.1) + t * f64::from(b.1 - a.1);
            x >= f64::from(r.x0)
                && x <= f64::from(r.x0 + r.w)
                && y >= f64::from(r.y0)
                && y <= f64::from(r.y0 + r.h)
        })
    })
}

/// A filled disc of radius `r` px centred at `c` (a 24-gon: round at these sizes).
pub(crate) fn disc(
    p: &mut Painter<'_>,
    c: (i32, i32),
    r: i32,
    style: ShapeStyle,
) -> Result<(), RenderError> {
    let pts = (0..24)
        .map(|n| {
            let a = f64::from(n) * std::f64::consts::TAU / 24.0;
            (
                c.0 + (f64::from(r) * a.cos()).round() as i32,
                c.1 + (f64::from(r) * a.sin()).round() as i32,
            )
        })
        .collect();
    p.polygon(pts, style)
}

/// `r` cut to `bounds`; `None` when nothing is left.
pub(crate) fn clip(r: PxRect, bounds: PxRect) -> Option<PxRect> {
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

const INK: RGBColor = RGBColor(25, 25, 25);
const INK_RGB: [u8; 3] = [25, 25, 25];
const GREY_RGB: [u8; 3] = [90, 90, 90];
const WHITE_RGB: [u8; 3] = [255, 255, 255];

/// Text styles at 1600 px width (the painter scales `size_px`).
pub(crate) mod style {
    use super::*;

    /// Tick labels.
    pub(crate) const TICK: TextStyle = TextStyle::new(17.0).rgb(INK_RGB);
    /// Axis labels and the colour bar's heading.
    pub(crate) const AXIS: TextStyle = TextStyle::new(19.0).rgb(INK_RGB);
    /// Layer names beside a section.
    pub(crate) const LAYER: TextStyle = TextStyle::new(16.0)
        .rgb(INK_RGB)
        .align(HAlign::Left, VAlign::Center);
    /// Block names (white on a dark box).
    pub(crate) const BLOCK: TextStyle = TextStyle::new(15.0)
        .rgb(WHITE_RGB)
        .align(HAlign::Left, VAlign::Center);
    /// The hottest-point label.
    pub(crate) const MARKER: TextStyle = TextStyle::new(18.0)
        .bold(true)
        .rgb(INK_RGB)
        .align(HAlign::Left, VAlign::Center);
    /// Legend notes under the plot.
    pub(crate) const NOTE: TextStyle = TextStyle::new(15.0).rgb(GREY_RGB);
}

/// One queued piece of text: what, where, and its style already scaled to the image.
struct Queued {
    text: String,
    at: (i32, i32),
    style: TextStyle,
}

/// Draws the overlays of one map into its canvas (see the module doc); [`Painter::finish`]
/// lays out the queued text.
pub(crate) struct Painter<'a> {
    canvas: &'a mut Canvas,
    /// Image width / 1600.
    sc: f64,
    texts: Vec<Queued>,
}

fn area(canvas: &mut Canvas) -> Result<Area<'_>, RenderError> {
    let (w, h) = (canvas.w, canvas.h);
    let backend = BitMapBackend::<RGBPixel>::with_buffer_and_format(&mut canvas.buf, (w, h))
        .map_err(RenderError::plot)?;
    Ok(backend.into_drawing_area())
}

impl<'a> Painter<'a> {
    /// A painter over `canvas`, sizes scaled by `sc` (image width / 1600).
    pub(crate) fn new(canvas: &'a mut Canvas, sc: f64) -> Self {
        Painter {
            canvas,
            sc,
            texts: Vec::new(),
        }
    }

    /// `style` with its size (given at 1600 px width) scaled to this image.
    fn scaled(&self, style: TextStyle) -> TextStyle {
        TextStyle {
            size_px: (f64::from(style.size_px) * self.sc) as f32,
            ..style
        }
    }

    /// Queues `s` with the anchor of its box (`style.h_align`, `style.v_align`) at `at`.
    pub(crate) fn text(&mut self, s: &str, at: (i32, i32), style: TextStyle) {
        let style = self.scaled(style);
        self.texts.push(Queued {
            text: s.to_string(),
            at,
            style,
        });
    }

    /// Width in whole pixels of `s` drawn in `style`.
    pub(crate) fn text_width(&self, s: &str, style: TextStyle) -> Result<i32, RenderError> {
        let (w, _) =
            text::measure(s, &self.scaled(style)).map_err(|e| RenderError::Text(e.into()))?;
        Ok(w.ceil() as i32)
    }

    /// Draws a polyline.
    pub(crate) fn path(
        &mut self,
        points: Vec<(i32, i32)>,
        style: ShapeStyle,
    ) -> Result<(), RenderError> {
        area(self.canvas)?
            .draw(&PathElement::new(points, style))
            .map_err(RenderError::plot)
    }

    /// Draws a dashed polyline: dashes of `dash_px` with gaps of `gap_px` (at this image's
    /// size; not scaled).
    pub(crate) fn dashed(
        &mut self,
        points: Vec<(i32, i32)>,
        dash_px: u32,
        gap_px: u32,
        style: ShapeStyle,
    ) -> Result<(), RenderError> {
        area(self.canvas)?
            .draw(&DashedPathElement::new(points, dash_px, gap_px, style))
            .map_err(RenderError::plot)
    }

    /// Fills the polygon through `points`.
    pub(crate) fn polygon(
        &mut self,
        points: Vec<(i32, i32)>,
        style: ShapeStyle,
    ) -> Result<(), RenderError> {
        area(self.canvas)?
            .draw(&plotters::element::Polygon::new(points, style))
            .map_err(RenderError::plot)
    }

    /// Draws a rectangle with corners `a` and `b`.
    pub(crate) fn rect(
        &mut self,
        a: (i32, i32),
        b: (i32, i32),
        style: ShapeStyle,
    ) -> Result<(), RenderError> {
        area(self.canvas)?
            .draw(&Rectangle::new([a, b], style))
            .map_err(RenderError::plot)
    }

    /// Title block: a bold first line and smaller lines under it, left-aligned at `x`.
    pub(crate) fn title(&mut self, lines: &[String], x: i32) {
        let sc = self.sc;
        let mut y = (18.0 * sc) as i32;
        for (n, line) in lines.iter().enumerate() {
            let (size, bold) = if n == 0 { (30.0, true) } else { (19.0, false) };
            let style = TextStyle::new(size as f32).bold(bold).rgb(INK_RGB);
            self.text(line, (x, y), style);
            y += ((size + 12.0) * sc) as i32;
        }
    }

    /// Ticks (value → pixel given by `to_px`) with labels: under the plot `r` when
    /// `horizontal`, else on its left.
    pub(crate) fn ticks(
        &mut self,
        r: PxRect,
        values: &[(f64, String)],
        to_px: impl Fn(f64) -> i32,
        horizontal: bool,
    ) -> Result<(), RenderError> {
        let len = (7.0 * self.sc).max(3.0) as i32;
        let line = ShapeStyle::from(&INK).stroke_width(1);
        for (v, label) in values {
            let p = to_px(*v);
            if horizontal {
                let y = r.y0 + r.h;
                self.path(vec![(p, y), (p, y + len)], line)?;
                let style = style::TICK.align(HAlign::Center, VAlign::Top);
                self.text(label, (p, y + len + 3), style);
            } else {
                self.path(vec![(r.x0 - len, p), (r.x0 - 1, p)], line)?;
                let style = style::TICK.align(HAlign::Right, VAlign::Center);
                self.text(label, (r.x0 - len - 5, p), style);
            }
        }
        Ok(())
    }

    /// Axis labels (e.g. "x (mm)") under and left of the plot `r` (the left one reads
    /// upwards, centred `left_gap` px left of the plot), and the frame around the plot.
    pub(crate) fn axis_labels(
        &mut self,
        r: PxRect,
        below: &str,
        left: &str,
        left_gap: i32,
    ) -> Result<(), RenderError> {
        let y = r.y0 + r.h + (42.0 * self.sc) as i32;
        let style = style::AXIS.align(HAlign::Center, VAlign::Top);
        self.text(below, (r.x0 + r.w / 2, y), style);
        if !left.is_empty() {
            let style = style::AXIS
                .align(HAlign::Center, VAlign::Center)
                .direction(text::Direction::Up);
            self.text(left, (r.x0 - left_gap, r.y0 + r.h / 2), style);
        }
        let frame = ShapeStyle::from(&INK).stroke_width(1);
        self.rect((r.x0 - 1, r.y0 - 1), (r.x0 + r.w, r.y0 + r.h), frame)
    }

    /// Paints the colour bar's gradient into the canvas (hottest at the top).
    pub(crate) fn colourbar_pixels(&mut self, bar: PxRect) {
        for py in 0..bar.h {
            let t = 1.0 - (py as f64 + 0.5) / bar.h as f64;
            let c = colormap::inferno(t);
            for px in 0..bar.w {
                self.canvas
                    .set((bar.x0 + px) as u32, (bar.y0 + py) as u32, c);
            }
        }
    }

    /// Frame, ticks and heading of the colour bar painted by [`Painter::colourbar_pixels`].
    pub(crate) fn colourbar_axis(
        &mut self,
        bar: PxRect,
        scale: Scale,
        heading: &str,
    ) -> Result<(), RenderError> {
        let frame = ShapeStyle::from(&INK).stroke_width(1);
        let (x0, y0) = (bar.x0 - 1, bar.y0 - 1);
        self.rect((x0, y0), (bar.x0 + bar.w, bar.y0 + bar.h), frame)?;
        let (ticks, d) = nice_ticks(scale.lo_c, scale.hi_c, (bar.h / 60).clamp(5, 14) as usize);
        let len = (7.0 * self.sc).max(3.0) as i32;
        for v in ticks {
            let y = bar.y0 + bar.h - 1 - (scale.t(v) * (bar.h - 1) as f64).round() as i32;
            let x = bar.x0 + bar.w;
            self.path(vec![(x, y), (x + len, y)], frame)?;
            let style = style::TICK.align(HAlign::Left, VAlign::Center);
            self.text(&format!("{v:.d$}"), (x + len + 4, y), style);
        }
        let style = style::AXIS.align(HAlign::Center, VAlign::Bottom);
        let y = bar.y0 - (10.0 * self.sc) as i32;
        self.text(heading, (bar.x0 + bar.w / 2, y), style);
        Ok(())
    }

    /// Outline of a block (double stroke: dark then light, visible on every colour) with its
    /// name. Blocks of other layers (`own` false) are drawn dashed and unnamed, for
    /// orientation only.
    pub(crate) fn block(&mut self, r: PxRect, name: &str, own: bool) -> Result<(), RenderError> {
        let sc = self.sc;
        let (x1, y1) = (r.x0 + r.w, r.y0 + r.h);
        let corners = vec![(r.x0, r.y0), (x1, r.y0), (x1, y1), (r.x0, y1), (r.x0, r.y0)];
        if !own {
            // Dark halo under a light dash: visible on black, yellow and the no-data grey.
            let halo = ShapeStyle::from(&RGBAColor(0, 0, 0, 0.7)).stroke_width(3);
            let dash = ShapeStyle::from(&RGBColor(240, 240, 240)).stroke_width(1);
            let d = (8.0 * sc).max(4.0) as u32;
            let a = area(self.canvas)?;
            a.draw(&DashedPathElement::new(corners.clone(), d, d, halo))
                .map_err(RenderError::plot)?;
            return a
                .draw(&DashedPathElement::new(corners, d, d, dash))
                .map_err(RenderError::plot);
        }
        let dark = ShapeStyle::from(&RGBColor(0, 0, 0)).stroke_width(3);
        let light = ShapeStyle::from(&RGBColor(255, 255, 255)).stroke_width(1);
        self.path(corners.clone(), dark)?;
        self.path(corners, light)?;
        self.label_box(name, (r.x0 + 4, r.y0 + 4), r.w - 8)
    }

    /// White text on a translucent dark box with its top-left corner at `at`; skipped when
    /// the text would be wider than `max_w` pixels (a tiny block gets no unreadable label).
    fn label_box(&mut self, s: &str, at: (i32, i32), max_w: i32) -> Result<(), RenderError> {
        let sc = self.sc;
        let size = f64::from(style::BLOCK.size_px);
        let w = self.text_width(s, style::BLOCK)?;
        let h = (size * sc * 1.2) as i32;
        let pad = (4.0 * sc).max(2.0) as i32;
        if w + 2 * pad > max_w {
            return Ok(());
        }
        let bg = RGBAColor(0, 0, 0, 0.6).filled();
        self.rect(at, (at.0 + w + 2 * pad, at.1 + h + pad), bg)?;
        self.text(s, (at.0 + pad, at.1 + (h + pad) / 2), style::BLOCK);
        Ok(())
    }

    /// The hottest-point marker: a ring (the centre pixel keeps the map colour) and a label,
    /// placed up-right of the point and flipped to stay inside `bounds`.
    pub(crate) fn marker(
        &mut self,
        (x, y): (i32, i32),
        label: &str,
        bounds: PxRect,
    ) -> Result<(), RenderError> {
        let sc = self.sc;
        let r = (10.0 * sc).max(6.0) as i32;
        let dark = ShapeStyle::from(&RGBColor(0, 0, 0)).stroke_width(3);
        let light = ShapeStyle::from(&RGBColor(255, 255, 255)).stroke_width(1);
        {
            let a = area(self.canvas)?;
            a.draw(&Circle::new((x, y), r, dark))
                .map_err(RenderError::plot)?;
            a.draw(&Circle::new((x, y), r + 2, light))
                .map_err(RenderError::plot)?;
        }
        let size = f64::from(style::MARKER.size_px);
        let pad = (5.0 * sc).max(2.0) as i32;
        let w = self.text_width(label, style::MARKER)? + 2 * pad;
        let h = (size * sc * 1.2) as i32 + pad;
        let mut lx = x + r + 4;
        let mut ly = y - r - h;
        if lx + w > bounds.x0 + bounds.w {
            lx = x - r - 4 - w;
        }
        if ly < bounds.y0 {
            ly = y + r + 4;
        }
        let bg = RGBAColor(255, 255, 255, 0.85).filled();
        self.rect((lx, ly), (lx + w, ly + h), bg)?;
        self.text(label, (lx + pad, ly + h / 2), style::MARKER);
        Ok(())
    }

    /// A small grey note (legend line) with its top-left corner at `at`.
    pub(crate) fn note(&mut self, s: &str, at: (i32, i32)) {
        self.text(s, at, style::NOTE);
    }

    /// Lays out the queued text over everything drawn so far.
    pub(crate) fn finish(self) -> Result<(), RenderError> {
        let Painter { canvas, texts, .. } = self;
        let (w, h) = (canvas.w, canvas.h);
        for q in &texts {
            text::draw(&q.text, q.at, &q.style, &mut canvas.buf, w, h)
                .map_err(RenderError::Text)?;
        }
        Ok(())
    }
}

/// Ticks for a linear mm axis over `lo..hi` drawn across `len_px` pixels.
pub(crate) fn mm_ticks(lo: f64, hi: f64, len_px: i32) -> Vec<(f64, String)> {
    let target = (len_px / 110).clamp(3, 12) as usize;
    let (t, d) = nice_ticks(lo, hi, target);
    t.into_iter().map(|v| (v, format!("{v:.d$}"))).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clip_cuts_to_bounds() {
        let b = PxRect {
            x0: 10,
            y0: 10,
            w: 100,
            h: 50,
        };
        let r = PxRect {
            x0: 0,
            y0: 40,
            w: 30,
            h: 40,
        };
        assert_eq!(
            clip(r, b),
            Some(PxRect {
                x0: 10,
                y0: 40,
                w: 20,
                h: 20
            })
        );
        assert_eq!(clip(PxRect { x0: 200, ..r }, b), None);
    }

    #[test]
    fn text_is_laid_out_last_on_top_of_shapes() {
        let mut canvas = Canvas::new(300, 100);
        let mut p = Painter::new(&mut canvas, 1.0);
        // Queued before the box is drawn, yet painted over it.
        p.text("HHHH", (20, 20), TextStyle::new(30.0).rgb([255, 0, 0]));
        let black = RGBColor(0, 0, 0).filled();
        p.rect((0, 0), (299, 99), black).expect("draws");
        p.finish().expect("paints");
        let red = canvas.buf.chunks_exact(3).filter(|px| px[0] > 200).count();
        assert!(red > 50, "{red} red pixels");
    }

    #[test]
    fn sizes_scale_with_the_image_width() {
        let mut canvas = Canvas::new(10, 10);
        let p = Painter::new(&mut canvas, 0.5);
        let full = text::measure("label", &style::TICK).expect("measures").0;
        let half = p.text_width("label", style::TICK).expect("measures");
        assert_eq!(half, (full / 2.0).ceil() as i32);
    }

    #[test]
    fn tiny_blocks_get_no_label() {
        let mut canvas = Canvas::new(200, 100);
        let before = {
            let mut p = Painter::new(&mut canvas, 1.0);
            let r = PxRect {
                x0: 10,
                y0: 10,
                w: 20,
                h: 20,
            };
            p.block(r, "a long block name", true).expect("draws");
            p.texts.len()
        };
        assert_eq!(before, 0);
    }
}
