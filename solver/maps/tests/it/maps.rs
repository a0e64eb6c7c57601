//! End-to-end tests of the PNG maps on synthetic fields: files, sizes, colours, markers.

use std::path::Path;

use coldtray_maps::render::sample::synthetic_field;
use coldtray_maps::render::{self, colormap};
use coldtray_maps::{Field, MapOptions, RenderError, Section};

fn out_dir(name: &str) -> std::path::PathBuf {
    super::out_dir("render", name)
}

/// Decodes an 8-bit RGB PNG: (width, height, pixels).
fn decode(path: &Path) -> (u32, u32, Vec<u8>) {
    let dec = png::Decoder::new(std::io::BufReader::new(std::fs::File::open(path).unwrap()));
    let mut reader = dec.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut buf).unwrap();
    assert_eq!(info.color_type, png::ColorType::Rgb);
    buf.truncate(info.buffer_size());
    (info.width, info.height, buf)
}

fn pixel(img: &(u32, u32, Vec<u8>), x: u32, y: u32) -> [u8; 3] {
    let o = ((y * img.0 + x) * 3) as usize;
    [img.2[o], img.2[o + 1], img.2[o + 2]]
}

#[test]
fn write_pngs_writes_every_default_map() {
    let field = synthetic_field(120, 120);
    let dir = out_dir("defaults");
    let files = render::write_pngs(&field, &dir).unwrap();
    let names: Vec<String> = files
        .iter()
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    for want in [
        "die.png",
        "coldplate_fins.png",
        "coldplate_fins-coolant.png",
        "section.png",
        coldtray_maps::FIELD_VTR,
        coldtray_maps::FIELD_JSON,
        coldtray_maps::SAVED_FIELD,
    ] {
        assert!(
            names.contains(&want.to_string()),
            "{want} missing from {names:?}"
        );
    }
    // Layers with neither blocks nor coolant get no map.
    assert!(!names.contains(&"tim.png".to_string()));
    for f in files.iter().filter(|f| f.extension().unwrap() == "png") {
        let (w, h, _) = decode(f);
        assert!(w >= 1200, "{} is {w} px wide", f.display());
        assert!(h > 400);
    }
    // Every file listed is there, and nothing else (no temporary file left behind).
    let mut on_disk: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    let mut listed = names.clone();
    on_disk.sort();
    listed.sort();
    assert_eq!(on_disk, listed);
    // The saved field re-renders the same PNG bytes.
    let back = coldtray_maps::read_field(&dir).unwrap();
    let again = out_dir("defaults-again").join("die.png");
    render::render_layer(&back, 1, &MapOptions::default(), &again).unwrap();
    assert!(std::fs::read(&again).unwrap() == std::fs::read(dir.join("die.png")).unwrap());
}

#[test]
fn a_failed_render_leaves_the_old_png_untouched() {
    let field = synthetic_field(40, 40);
    let dir = out_dir("atomic");
    let path = dir.join("die.png");
    std::fs::write(&path, b"old").unwrap();
    // Refused before anything is drawn: the old file stays.
    let opts = MapOptions {
        width_px: 100,
        ..MapOptions::default()
    };
    let e = render::render_layer(&field, 1, &opts, &path).unwrap_err();
    assert!(matches!(e, RenderError::BadWidth { width_px: 100 }), "{e}");
    assert_eq!(std::fs::read(&path).unwrap(), b"old");
    // A directory in the way of the PNG: an I/O error naming the file, no temporary left.
    let blocked = dir.join("blocked.png");
    std::fs::create_dir_all(blocked.join("x")).unwrap();
    let e = render::render_layer(&field, 1, &MapOptions::default(), &blocked).unwrap_err();
    assert!(matches!(e, RenderError::Io { .. }), "{e}");
    assert!(e.to_string().contains("blocked.png"), "{e}");
    let names: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names.len(), 2, "{names:?}");
    // A good render replaces the old file whole.
    render::render_layer(&field, 1, &MapOptions::default(), &path).unwrap();
    assert_eq!(&std::fs::read(&path).unwrap()[..8], b"\x89PNG\r\n\x1a\n");
}

/// Hottest cell of layer `layer`'s per-column maximum, computed here independently.
fn hottest_column(field: &Field, layer: usize) -> (usize, usize, f64) {
    let mut best = (0, 0, f64::NEG_INFINITY);
    for k in field.layer_cells(layer) {
        for j in 0..field.ny {
            for i in 0..field.nx {
                let v = field.solid_c[field.idx(i, j, k)];
                if v > best.2 {
                    best = (i, j, v);
                }
            }
        }
    }
    best
}

#[test]
fn hottest_marker_sits_on_the_top_colour_of_the_bar() {
    let field = synthetic_field(160, 160);
    let dir = out_dir("marker");
    let path = dir.join("die.png");
    let opts = MapOptions::default();
    render::render_layer(&field, 1, &opts, &path).unwrap();
    let img = decode(&path);
    let g = render::layer_map::plan_geometry(&field, opts.width_px);
    assert_eq!((img.0, img.1), (g.width_px, g.height_px));
    assert_eq!(img.0, 1600);
    let (i, j, _) = hottest_column(&field, 1);
    let (x, y) = g.pixel_of_cell(i, j);
    assert_eq!(pixel(&img, x, y), colormap::TOP);
    // The marker ring (black) surrounds it within ~12 px.
    let ring = (x.saturating_sub(14)..x + 14)
        .flat_map(|a| (y.saturating_sub(14)..y + 14).map(move |b| (a, b)))
        .any(|(a, b)| pixel(&img, a, b) == [0, 0, 0]);
    assert!(ring, "no marker ring around ({x}, {y})");
    // The coldest cell of the plane shows the bottom colour.
    let top_left = pixel(&img, g.plot_x0 + 1, g.plot_y0 + g.plot_h - 2);
    assert_ne!(top_left, colormap::TOP);
}

#[test]
fn section_marks_the_hottest_cell_of_the_whole_field() {
    let field = synthetic_field(120, 120);
    let dir = out_dir("section");
    let path = dir.join("section.png");
    let opts = MapOptions::default();
    render::render_section(&field, Section::Hottest, &opts, &path).unwrap();
    let img = decode(&path);
    let hot = (0..field.solid_c.len())
        .max_by(|&a, &b| field.solid_c[a].total_cmp(&field.solid_c[b]))
        .unwrap();
    let (i, k) = (hot % field.nx, hot / (field.nx * field.ny));
    let plane = render::section::resolve(&field, Section::Hottest).unwrap();
    assert_eq!(plane.index, (hot / field.nx) % field.ny);
    let g = render::section::section_geometry(&field, plane, opts.width_px);
    assert_eq!((img.0, img.1), (g.width_px, g.height_px));
    let (x, y) = g.pixel_of_cell(i, k);
    assert_eq!(pixel(&img, x, y), colormap::TOP);
    // Every z cell, even the 0.05 mm TIM, gets at least a few pixel rows.
    for kk in 0..field.nz {
        let rows = g.rows.iter().filter(|&&r| r == kk).count();
        assert!(rows >= 10, "z cell {kk} drawn {rows} px high");
    }
}

#[test]
fn uniform_field_renders_one_mid_colour_without_nan() {
    let mut field = synthetic_field(40, 40);
    field.solid_c.iter_mut().for_each(|t| *t = 55.0);
    let dir = out_dir("uniform");
    let files = render::write_pngs(&field, &dir).unwrap();
    assert!(files.len() >= 4);
    let img = decode(&dir.join("die.png"));
    let g = render::layer_map::plan_geometry(&field, 1600);
    let mid = colormap::inferno(0.5);
    // Sample the plot away from outlines and labels: the corners of the plot.
    for (x, y) in [
        (3, 3),
        (g.plot_w - 4, 3),
        (3, g.plot_h - 4),
        (g.plot_w - 4, g.plot_h - 4),
    ] {
        assert_eq!(pixel(&img, g.plot_x0 + x, g.plot_y0 + y), mid);
    }
}

#[test]
fn fixed_range_clamps_and_bad_options_are_rejected() {
    let field = synthetic_field(60, 60);
    let dir = out_dir("range");
    let path = dir.join("fixed.png");
    // A scale ending below the field's maximum: the hottest cell shows the top colour.
    let opts = MapOptions {
        range_c: Some((40.0, 60.0)),
        ..MapOptions::default()
    };
    render::render_layer(&field, 1, &opts, &path).unwrap();
    let img = decode(&path);
    let g = render::layer_map::plan_geometry(&field, 1600);
    let (i, j, _) = hottest_column(&field, 1);
    let (x, y) = g.pixel_of_cell(i, j);
    assert_eq!(pixel(&img, x, y), colormap::TOP);

    for bad in [(60.0, 60.0), (70.0, 60.0), (f64::NAN, 60.0)] {
        let opts = MapOptions {
            range_c: Some(bad),
            ..MapOptions::default()
        };
        let e = render::render_layer(&field, 1, &opts, &path).unwrap_err();
        assert!(e.to_string().contains("min < max"), "{e}");
    }
    let e = render::render_layer(&field, 99, &MapOptions::default(), &path).unwrap_err();
    assert!(e.to_string().contains("99"), "{e}");
    // A coolant map of a layer without coolant is an error naming the layer.
    let opts = MapOptions {
        coolant: true,
        ..MapOptions::default()
    };
    let e = render::render_layer(&field, 1, &opts, &path).unwrap_err();
    assert!(e.to_string().contains("\"die\" holds no coolant"), "{e}");
}

#[test]
fn sections_outside_the_domain_name_the_valid_range() {
    let field = synthetic_field(60, 60);
    let path = out_dir("outside").join("s.png");
    let opts = MapOptions::default();
    let e = render::render_section(&field, Section::X(130.0), &opts, &path).unwrap_err();
    assert!(e.to_string().contains("valid x is 0 to 120 mm"), "{e}");
    let e = render::render_section(&field, Section::Y(-1.0), &opts, &path).unwrap_err();
    assert!(e.to_string().contains("valid y is 0 to 120 mm"), "{e}");
    render::render_section(&field, Section::X(60.0), &opts, &path).unwrap();
    assert_eq!(decode(&path).0, 1600);
}

#[test]
fn layer_file_names_are_sanitised() {
    let mut field = synthetic_field(40, 40);
    field.layer_names[1] = "die/GPU (Si) ../x".into();
    let dir = out_dir("names");
    let files = render::write_pngs(&field, &dir).unwrap();
    let names: Vec<String> = files
        .iter()
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    assert!(
        names.contains(&"die_GPU__Si_____x.png".to_string()),
        "{names:?}"
    );
    assert!(files.iter().all(|f| f.parent() == Some(dir.as_path())));
}

#[test]
fn inconsistent_fields_are_errors_not_panics() {
    let mut field = synthetic_field(20, 20);
    field.solid_c.pop();
    let dir = out_dir("inconsistent");
    let e = render::write_pngs(&field, &dir).unwrap_err();
    assert!(e.to_string().contains("inconsistent field"), "{e}");
    let e = render::render_section(
        &field,
        Section::Hottest,
        &MapOptions::default(),
        &dir.join("s.png"),
    )
    .unwrap_err();
    assert!(e.to_string().contains("inconsistent field"), "{e}");
}

#[test]
fn elongated_domains_keep_equal_mm_scales() {
    let mut field = synthetic_field(120, 120);
    // Reinterpret as 30 × 480 cells: a long, narrow plate.
    field.nx = 480;
    field.ny = 30;
    let g = render::layer_map::plan_geometry(&field, 1600);
    let mm_per_px_x = field.nx as f64 * field.dx_mm / g.plot_w as f64;
    let mm_per_px_y = field.ny as f64 * field.dx_mm / g.plot_h as f64;
    assert!((mm_per_px_x / mm_per_px_y - 1.0).abs() < 0.02);
    let path = out_dir("elongated").join("die.png");
    render::render_layer(&field, 1, &MapOptions::default(), &path).unwrap();
    assert_eq!(decode(&path).0, 1600);
}

#[test]
fn void_cells_draw_as_the_no_data_grey_and_leave_the_scale_alone() {
    // A void layer's cells without a block are NaN in the field (no cell, no temperature):
    // plan maps and sections draw them in the neutral no-data grey, and the colour scale
    // still runs over the solid cells only (the hottest cell keeps the top colour).
    let mut field = synthetic_field(120, 120);
    let (nx, ny) = (field.nx, field.ny);
    for k in field.layer_cells(1) {
        for j in 0..ny {
            for i in 0..nx {
                // Void: the left sixth of the die layer, away from every block.
                if i < nx / 6 {
                    let c = field.idx(i, j, k);
                    field.solid_c[c] = f64::NAN;
                }
            }
        }
    }
    let dir = out_dir("void");
    let path = dir.join("die.png");
    let opts = MapOptions::default();
    render::render_layer(&field, 1, &opts, &path).unwrap();
    let img = decode(&path);
    let g = render::layer_map::plan_geometry(&field, opts.width_px);
    let grey = render::canvas::NO_DATA;
    assert_eq!(pixel(&img, g.plot_x0 + 3, g.plot_y0 + g.plot_h / 2), grey);
    let (i, j, _) = hottest_column(&field, 1);
    let (x, y) = g.pixel_of_cell(i, j);
    assert_eq!(pixel(&img, x, y), colormap::TOP);
    render::render_section(&field, Section::Hottest, &opts, &dir.join("section.png")).unwrap();
    // The saved field keeps the NaNs, bit for bit.
    coldtray_maps::write_field(&field, &dir).unwrap();
    let back = coldtray_maps::read_field(&dir).unwrap();
    let nan = |f: &Field| f.solid_c.iter().filter(|t| t.is_nan()).count();
    assert_eq!(nan(&back), nan(&field));
    assert!(nan(&field) > 0);
}
