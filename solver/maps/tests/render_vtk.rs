//! The ParaView export: `field.vtr` + `field.json` written and read back exactly.
#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};

use coldtray_maps::render::sample::synthetic_field;
use coldtray_maps::vtk::{read_field, sidecar_path, write_field, VtkError};
use coldtray_solver::results::Field;

fn out_dir(name: &str) -> PathBuf {
    let d = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("vtk")
        .join(name);
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn min_max(v: &[f64]) -> (f64, f64) {
    v.iter()
        .filter(|x| x.is_finite())
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &x| {
            (a.min(x), b.max(x))
        })
}

/// Bit-for-bit equality of two fields (NaN equals NaN).
fn same(a: &Field, b: &Field) -> bool {
    let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
    a.info == b.info
        && (a.nx, a.ny, a.nz) == (b.nx, b.ny, b.nz)
        && a.dx_mm == b.dx_mm
        && a.z_edges_mm == b.z_edges_mm
        && a.cell_layer == b.cell_layer
        && a.layer_names == b.layer_names
        && bits(&a.solid_c) == bits(&b.solid_c)
        && bits(&a.fluid_c) == bits(&b.fluid_c)
        && a.material_id == b.material_id
        && a.material_names == b.material_names
        && bits(&a.power_w_m3) == bits(&b.power_w_m3)
        && a.blocks == b.blocks
}

#[test]
fn field_round_trips_exactly() {
    let mut field = synthetic_field(37, 23);
    // Awkward values: no short decimal form, tiny, negative, and an info without coolant.
    field.solid_c[0] = 1.0 / 3.0;
    field.solid_c[5] = -12.345_678_901_234_567;
    field.power_w_m3[7] = 1e-300;
    field.info.inlet_c = None;
    field.info.flow_lpm = None;
    let path = out_dir("roundtrip").join("field.vtr");
    write_field(&field, &path).unwrap();
    assert!(sidecar_path(&path).exists());
    let back = read_field(&path).unwrap();
    assert!(same(&field, &back));
    assert_eq!(min_max(&back.solid_c), min_max(&field.solid_c));
    assert_eq!(min_max(&back.fluid_c), min_max(&field.fluid_c));
}

#[test]
fn vtr_header_is_what_paraview_expects() {
    let field = synthetic_field(8, 6);
    let path = out_dir("header").join("field.vtr");
    write_field(&field, &path).unwrap();
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.starts_with("<?xml version=\"1.0\"?>"));
    for needle in [
        "<VTKFile type=\"RectilinearGrid\" version=\"1.0\" byte_order=\"LittleEndian\" \
         header_type=\"UInt64\" compressor=\"vtkZLibDataCompressor\">",
        &format!("WholeExtent=\"0 8 0 6 0 {}\"", field.nz),
        "Name=\"solid_temperature_c\"",
        "Name=\"fluid_temperature_c\"",
        "Name=\"material_id\"",
        "Name=\"layer_id\"",
        "Name=\"power_density_w_m3\"",
        "<Coordinates>",
    ] {
        assert!(text.contains(needle), "missing {needle}");
    }
    // Exactly one CellData and three coordinate arrays.
    assert_eq!(text.matches("<DataArray").count(), 5 + 3);
}

#[test]
fn damaged_files_give_errors_naming_the_file() {
    let field = synthetic_field(8, 6);
    let dir = out_dir("damaged");
    let path = dir.join("field.vtr");
    write_field(&field, &path).unwrap();

    // Truncated .vtr.
    let text = std::fs::read_to_string(&path).unwrap();
    std::fs::write(&path, &text[..text.len() / 2]).unwrap();
    let e = read_field(&path).unwrap_err();
    assert!(matches!(e, VtkError::Format { .. }), "{e}");
    assert!(e.to_string().contains("field.vtr"), "{e}");

    // Missing sidecar.
    write_field(&field, &path).unwrap();
    std::fs::remove_file(sidecar_path(&path)).unwrap();
    let e = read_field(&path).unwrap_err();
    assert!(e.to_string().contains("field.json"), "{e}");

    // Sidecar of another grid.
    let other = synthetic_field(9, 6);
    let other_path = dir.join("other.vtr");
    write_field(&other, &other_path).unwrap();
    std::fs::copy(sidecar_path(&other_path), sidecar_path(&path)).unwrap();
    let e = read_field(&path).unwrap_err();
    assert!(e.to_string().contains("does not match"), "{e}");

    // Not there at all.
    let e = read_field(&dir.join("nothing.vtr")).unwrap_err();
    assert!(matches!(e, VtkError::Io { .. }), "{e}");
}
