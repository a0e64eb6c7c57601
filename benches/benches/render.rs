//! Thermal-map rendering speed: a ~2-megapixel layer map of a 480 × 480-cell plane
//! (0.25 mm cells on a 120 mm package).
//!
//! - `render/layer_map_draw`: heat map + axes, text, outlines, colour bar into memory;
//! - `render/layer_map_png`: the same written as a PNG file (what `simulate` pays per map);
//! - `render/heatmap_blit_only`: only the heat-map pixels (colour per cell, one copy per pixel);
//! - `render/plotters_rect_per_cell`: the reference for the line above, in the same run: the
//!   usual plotters way of drawing a heat map (one filled `Rectangle` per cell) into a buffer
//!   of the same size, with nothing else drawn.
//!
//! Run: `cargo bench -p coldtray-benches --bench render`.
use std::hint::black_box;

use coldtray_maps::render::canvas::Canvas;
use coldtray_maps::render::{colormap, layer_map, sample::synthetic_field};
use coldtray_maps::MapOptions;
use criterion::{criterion_group, criterion_main, Criterion};
use plotters::prelude::*;

fn render(c: &mut Criterion) {
    // The workspace enables plotters' ab_glyph text backend, which has no system fonts:
    // register the embedded font so criterion's own report plots can draw their text too.
    coldtray_maps::register_plotters_fonts().ok();
    let field = synthetic_field(480, 480);
    let width_px = 1500;
    let g = layer_map::plan_geometry(&field, width_px);
    let mpx = g.width_px as f64 * g.height_px as f64 / 1e6;
    println!(
        "map {} x {} px = {mpx:.2} Mpx (plot {} x {} px)",
        g.width_px, g.height_px, g.plot_w, g.plot_h
    );
    let dir = std::env::temp_dir().join("coldtray-render-bench");
    std::fs::create_dir_all(&dir).ok();
    let path = dir.join("die.png");
    let opts = MapOptions {
        width_px,
        ..MapOptions::default()
    };

    let mut group = c.benchmark_group("render");
    group.sample_size(20);
    group.bench_function("layer_map_draw", |b| {
        b.iter(|| {
            layer_map::draw_layer(black_box(&field), 1, None, width_px, false)
                .map(|(canvas, _)| black_box(canvas.buf.len()))
                .expect("map draws")
        })
    });
    group.bench_function("layer_map_png", |b| {
        b.iter(|| coldtray_maps::render_layer(black_box(&field), 1, &opts, &path).ok())
    });
    group.bench_function("heatmap_blit_only", |b| {
        let values = layer_map::plane_values(&field, 1, false);
        let mut canvas = Canvas::new(g.width_px, g.height_px);
        b.iter(|| {
            let colours: Vec<[u8; 3]> = values
                .iter()
                .map(|&v| colormap::inferno((v - 40.0) / 60.0))
                .collect();
            canvas.blit(g.plot_x0, g.plot_y0, &g.cols, &g.rows, &colours, field.nx);
            black_box(canvas.buf[0])
        })
    });
    group.bench_function("plotters_rect_per_cell", |b| {
        let values = layer_map::plane_values(&field, 1, false);
        let mut buf = vec![255u8; g.width_px as usize * g.height_px as usize * 3];
        b.iter(|| {
            let root =
                BitMapBackend::with_buffer(&mut buf, (g.width_px, g.height_px)).into_drawing_area();
            let (nx, ny) = (field.nx, field.ny);
            let cw = g.plot_w as f64 / nx as f64;
            let ch = g.plot_h as f64 / ny as f64;
            for j in 0..ny {
                for i in 0..nx {
                    let t = (values[j * nx + i] - 40.0) / 60.0;
                    let col = colormap::inferno(t);
                    let col = RGBColor(col[0], col[1], col[2]);
                    let x0 = g.plot_x0 as i32 + (i as f64 * cw) as i32;
                    let y0 = g.plot_y0 as i32 + ((ny - 1 - j) as f64 * ch) as i32;
                    let x1 = g.plot_x0 as i32 + ((i + 1) as f64 * cw) as i32;
                    let y1 = g.plot_y0 as i32 + ((ny - j) as f64 * ch) as i32;
                    root.draw(&Rectangle::new([(x0, y0), (x1, y1)], col.filled()))
                        .expect("map draws");
                }
            }
            drop(root);
            black_box(buf[0])
        })
    });
    group.finish();
}

criterion_group!(benches, render);
criterion_main!(benches);
