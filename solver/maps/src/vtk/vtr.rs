//! VTK XML RectilinearGrid (`.vtr`) writing.
//!
//! Layout: `VTKFile version="1.0" header_type="UInt64" compressor="vtkZLibDataCompressor"`,
//! little-endian, every `DataArray` inline with `format="binary"` (see `binary.rs`).
//! Coordinates are in mm. Cell order is x fastest, then y, then z — the same as `Field::idx`.

use std::fmt::Write as _;

use super::binary;

/// One cell (or coordinate) array to write.
pub(super) enum Values<'a> {
    F64(&'a [f64]),
    I32(Vec<i32>),
}

impl Values<'_> {
    fn vtk_type(&self) -> &'static str {
        match self {
            Values::F64(_) => "Float64",
            Values::I32(_) => "Int32",
        }
    }

    fn bytes(&self) -> Vec<u8> {
        let mut out = match self {
            Values::F64(v) => Vec::with_capacity(v.len() * 8),
            Values::I32(v) => Vec::with_capacity(v.len() * 4),
        };
        match self {
            Values::F64(v) => v
                .iter()
                .for_each(|x| out.extend_from_slice(&x.to_le_bytes())),
            Values::I32(v) => v
                .iter()
                .for_each(|x| out.extend_from_slice(&x.to_le_bytes())),
        }
        out
    }
}

fn data_array(out: &mut String, name: &str, v: &Values) {
    let _ = writeln!(
        out,
        "        <DataArray type=\"{}\" Name=\"{name}\" format=\"binary\">",
        v.vtk_type()
    );
    out.push_str(&binary::encode_compressed(&v.bytes()));
    out.push_str("\n        </DataArray>\n");
}

/// The whole `.vtr` document for a grid of `n = [nx, ny, nz]` cells.
pub(super) fn document(n: [usize; 3], coords: [&[f64]; 3], cells: &[(&str, Values)]) -> String {
    let ext = format!("0 {} 0 {} 0 {}", n[0], n[1], n[2]);
    let mut out = String::new();
    out.push_str("<?xml version=\"1.0\"?>\n");
    out.push_str(
        "<VTKFile type=\"RectilinearGrid\" version=\"1.0\" byte_order=\"LittleEndian\" \
         header_type=\"UInt64\" compressor=\"vtkZLibDataCompressor\">\n",
    );
    let _ = writeln!(out, "  <RectilinearGrid WholeExtent=\"{ext}\">");
    let _ = writeln!(out, "    <Piece Extent=\"{ext}\">");
    let first = cells.first().map(|c| c.0).unwrap_or("");
    let _ = writeln!(out, "      <CellData Scalars=\"{first}\">");
    for (name, v) in cells {
        data_array(&mut out, name, v);
    }
    out.push_str("      </CellData>\n      <Coordinates>\n");
    for (name, c) in ["x_mm", "y_mm", "z_mm"].iter().zip(coords) {
        data_array(&mut out, name, &Values::F64(c));
    }
    out.push_str("      </Coordinates>\n    </Piece>\n  </RectilinearGrid>\n</VTKFile>\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn document_structure() {
        let v = [1.5, f64::NAN, -3.25, 1e300];
        let doc = document(
            [2, 2, 1],
            [&[0.0, 1.0, 2.0], &[0.0, 1.0, 2.0], &[0.0, 0.5]],
            &[
                ("t", Values::F64(&v)),
                ("id", Values::I32(vec![0, 1, 2, 70000])),
            ],
        );
        let lines: Vec<&str> = doc.lines().collect();
        assert_eq!(lines[0], "<?xml version=\"1.0\"?>");
        assert_eq!(lines[2], "  <RectilinearGrid WholeExtent=\"0 2 0 2 0 1\">");
        assert_eq!(lines[3], "    <Piece Extent=\"0 2 0 2 0 1\">");
        assert_eq!(lines[4], "      <CellData Scalars=\"t\">");
        assert_eq!(
            lines[5],
            "        <DataArray type=\"Float64\" Name=\"t\" format=\"binary\">"
        );
        assert_eq!(
            lines[6],
            binary::encode_compressed(&Values::F64(&v).bytes())
        );
        assert_eq!(
            lines[8],
            "        <DataArray type=\"Int32\" Name=\"id\" format=\"binary\">"
        );
        assert_eq!(lines.last(), Some(&"</VTKFile>"));
        // Every opened element is closed, in order.
        assert_eq!(doc.matches("<DataArray").count(), 5);
        assert_eq!(doc.matches("</DataArray>").count(), 5);
        assert!(doc.contains("</CellData>\n      <Coordinates>\n"));
    }

    #[test]
    fn values_are_little_endian() {
        assert_eq!(
            Values::I32(vec![1, -1]).bytes(),
            [1, 0, 0, 0, 255, 255, 255, 255]
        );
        assert_eq!(Values::F64(&[1.0]).bytes(), 1.0f64.to_le_bytes());
    }
}
