//! End-to-end tests of the PNG maps on synthetic fields: files, sizes, colours, markers.
#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};

use solver::render::sample::synthetic_field;
use solver::render::{self, colormap, MapOptions, Section};

fn out_dir(name: &str) -> PathBuf {
    let d = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("render")
        .join(name);
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
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
        "field.vtr",
        "field.json",
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
}
