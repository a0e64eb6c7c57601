//! The field files: `field.vtr` + `field.json` written for ParaView (byte-pinned), and the
//! saved field read back exactly.

use std::path::{Path, PathBuf};

use coldtray_maps::render::sample::synthetic_field;
use coldtray_maps::{read_field, store, vtk, write_field, Field, FieldFileError, Inconsistency};
use coldtray_maps::{FIELD_JSON, FIELD_VTR, SAVED_FIELD};

fn out_dir(name: &str) -> PathBuf {
    super::out_dir("field-files", name)
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
        && a.dx_mm.to_bits() == b.dx_mm.to_bits()
        && bits(&a.z_edges_mm) == bits(&b.z_edges_mm)
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
    field.fluid_c[3] = f64::from_bits(0x7ff8_0000_0000_0001); // a NaN with a payload
    field.info.inlet_c = None;
    field.info.flow_lpm = None;
    let dir = out_dir("roundtrip");
    let files = write_field(&field, &dir).unwrap();
    let names: Vec<_> = files
        .iter()
        .map(|f| f.strip_prefix(&dir).unwrap())
        .collect();
    assert_eq!(
        names,
        [FIELD_VTR, FIELD_JSON, SAVED_FIELD].map(Path::new).to_vec()
    );
    let back = read_field(&dir).unwrap();
    assert!(same(&field, &back));
    assert_eq!(min_max(&back.solid_c), min_max(&field.solid_c));
    assert_eq!(min_max(&back.fluid_c), min_max(&field.fluid_c));
    // store::load is the same read, by path.
    assert!(same(&store::load(&dir.join(SAVED_FIELD)).unwrap(), &field));
}

#[test]
fn vtr_and_json_bytes_are_pinned() {
    // Written by the exporter as it was when it still had a reader (which round-tripped it):
    // the bytes ParaView users have been opening.
    let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/it/data");
    let field = synthetic_field(8, 6);
    let dir = out_dir("golden");
    write_field(&field, &dir).unwrap();
    for (ours, golden) in [
        (FIELD_VTR, "synthetic-8x6.vtr"),
        (FIELD_JSON, "synthetic-8x6.json"),
    ] {
        let a = std::fs::read(dir.join(ours)).unwrap();
        let b = std::fs::read(data.join(golden)).unwrap();
        assert!(a == b, "{ours} differs from tests/it/data/{golden}");
    }
    assert_eq!(
        vtk::vtr_document(&field).unwrap().as_bytes(),
        std::fs::read(dir.join(FIELD_VTR)).unwrap()
    );
}

#[test]
fn vtr_header_is_what_paraview_expects() {
    let field = synthetic_field(8, 6);
    let path = out_dir("header").join("field.vtr");
    vtk::write_vtr(&field, &path).unwrap();
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.starts_with("<?xml version=\"1.0\"?>"));
    for needle in [
        "<VTKFile type=\"RectilinearGrid\" version=\"1.0\" byte_order=\"LittleEndian\" \
         header_type=\"UInt64\" compressor=\"vtkZLibDataCompressor\">",
        &format!("WholeExtent=\"0 8 0 6 0 {}\"", field.nz),
        &format!("<Piece Extent=\"0 8 0 6 0 {}\">", field.nz),
        "<CellData Scalars=\"solid_temperature_c\">",
        "<DataArray type=\"Float64\" Name=\"solid_temperature_c\" format=\"binary\">",
        "<DataArray type=\"Float64\" Name=\"fluid_temperature_c\" format=\"binary\">",
        "<DataArray type=\"Int32\" Name=\"material_id\" format=\"binary\">",
        "<DataArray type=\"Int32\" Name=\"layer_id\" format=\"binary\">",
        "<DataArray type=\"Float64\" Name=\"power_density_w_m3\" format=\"binary\">",
        "<DataArray type=\"Float64\" Name=\"x_mm\" format=\"binary\">",
        "<DataArray type=\"Float64\" Name=\"z_mm\" format=\"binary\">",
        "<Coordinates>",
    ] {
        assert!(text.contains(needle), "missing {needle}");
    }
    // Exactly one CellData and three coordinate arrays, all closed; nothing after the root.
    assert_eq!(text.matches("<DataArray").count(), 5 + 3);
    assert_eq!(text.matches("</DataArray>").count(), 5 + 3);
    assert!(text.ends_with("</VTKFile>\n"));
    // Array bodies are base64 only.
    for body in text.split("format=\"binary\">\n").skip(1) {
        let b = body.split('\n').next().unwrap();
        assert!(b
            .bytes()
            .all(|c| c.is_ascii_alphanumeric() || b"+/=".contains(&c)));
    }
}

#[test]
fn json_legend_names_the_ids_of_the_vtr() {
    let field = synthetic_field(8, 6);
    let path = out_dir("legend").join("field.json");
    vtk::write_json(&field, &path).unwrap();
    let v: serde_json::Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    assert_eq!(v["format"], "coldtray-field/1");
    assert_eq!(v["layer_names"][1], "die");
    assert_eq!(v["material_names"].as_array().unwrap().len(), 6);
    assert_eq!(v["blocks"][0]["name"], "gpu_die_0");
    assert_eq!(v["z_edges_mm"].as_array().unwrap().len(), field.nz + 1);
}

#[test]
fn damaged_saved_fields_give_one_line_errors_naming_the_file() {
    let field = synthetic_field(8, 6);
    let dir = out_dir("damaged");
    write_field(&field, &dir).unwrap();
    let path = dir.join(SAVED_FIELD);
    let good = std::fs::read(&path).unwrap();
    let check = |e: FieldFileError| {
        let all = format!("{:#}", anyhow_like(&e));
        assert!(all.contains(&*path.to_string_lossy()), "{all}");
        assert!(!all.contains('\n'), "{all}");
        e
    };

    // Truncated.
    for cut in [good.len() / 2, good.len() - 3, 10] {
        std::fs::write(&path, &good[..cut]).unwrap();
        check(read_field(&dir).unwrap_err());
    }
    // A bit flipped in the compressed data.
    let mut bad = good.clone();
    let n = bad.len() - 40;
    bad[n] ^= 0x10;
    std::fs::write(&path, &bad).unwrap();
    check(read_field(&dir).unwrap_err());
    // Another file under the name.
    std::fs::copy(dir.join(FIELD_VTR), &path).unwrap();
    let e = check(read_field(&dir).unwrap_err());
    assert!(matches!(e, FieldFileError::NotAFieldFile { .. }), "{e}");
    // Not there at all.
    let e = read_field(&dir.join("nothing")).unwrap_err();
    assert!(matches!(e, FieldFileError::Read { .. }), "{e}");
    assert!(e.to_string().contains(SAVED_FIELD), "{e}");
}

#[test]
fn inconsistent_fields_are_not_written() {
    let mut field = synthetic_field(8, 6);
    field.material_id.pop();
    let dir = out_dir("inconsistent");
    let e = write_field(&field, &dir).unwrap_err();
    match &e {
        FieldFileError::InconsistentField { problem, .. } => assert!(matches!(
            problem,
            Inconsistency::ArrayLength {
                array: "material_id",
                ..
            }
        )),
        other => panic!("{other}"),
    }
    assert!(e.to_string().contains("field.vtr"), "{e}");
    assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 0);
}

/// The message and its causes joined by ": ", as `anyhow`'s `{:#}` prints them.
fn anyhow_like(e: &dyn std::error::Error) -> Chain<'_> {
    Chain(e)
}

struct Chain<'a>(&'a dyn std::error::Error);

impl std::fmt::Display for Chain<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.0)?;
        let mut cause = self.0.source();
        while let Some(c) = cause {
            write!(f, ": {c}")?;
            cause = c.source();
        }
        Ok(())
    }
}
