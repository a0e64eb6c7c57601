//! VTK XML RectilinearGrid (`.vtr`) writing and a minimal reader for the files we write.
//!
//! Layout: `VTKFile version="1.0" header_type="UInt64" compressor="vtkZLibDataCompressor"`,
//! little-endian, every `DataArray` inline with `format="binary"` (see `binary.rs`).
//! Coordinates are in mm. Cell order is x fastest, then y, then z — the same as `Field::idx`.

use std::collections::HashMap;
use std::fmt::Write as _;

use super::binary;

/// One cell (or coordinate) array to write.
pub enum Values<'a> {
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
pub fn document(n: [usize; 3], coords: [&[f64]; 3], cells: &[(&str, Values)]) -> String {
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

/// What the reader extracts: the whole extent and every named `DataArray` as f64.
pub struct Parsed {
    pub extent: [usize; 6],
    pub arrays: HashMap<String, Vec<f64>>,
}

/// Attributes of an XML start tag body (`key="value"` pairs).
fn attributes(tag: &str) -> HashMap<&str, &str> {
    let mut out = HashMap::new();
    let mut rest = tag;
    while let Some(eq) = rest.find("=\"") {
        let key = rest[..eq].split_whitespace().last().unwrap_or("");
        let after = &rest[eq + 2..];
        let Some(end) = after.find('"') else { break };
        out.insert(key, &after[..end]);
        rest = &after[end + 1..];
    }
    out
}

/// Parses a `.vtr` document written by [`document`] (also accepts `format="ascii"` arrays and
/// a UInt32 header). Errors are plain messages; the caller adds the file name.
pub fn parse(text: &str) -> Result<Parsed, String> {
    let grid = text
        .find("<RectilinearGrid")
        .ok_or("not a VTK RectilinearGrid file (no <RectilinearGrid> element)")?;
    let file_tag = text
        .find("<VTKFile")
        .ok_or("not a VTK XML file (no <VTKFile> element)")?;
    let head_end = text[file_tag..].find('>').ok_or("unterminated <VTKFile>")? + file_tag;
    let header = attributes(&text[file_tag..head_end]);
    if header
        .get("byte_order")
        .is_some_and(|b| *b != "LittleEndian")
    {
        return Err("only byte_order=\"LittleEndian\" is supported".into());
    }
    let header_bytes = match header.get("header_type") {
        Some(&"UInt64") => 8,
        Some(&"UInt32") | None => 4,
        Some(other) => return Err(format!("unsupported header_type {other}")),
    };
    let compressed = match header.get("compressor") {
        None => false,
        Some(&"vtkZLibDataCompressor") => true,
        Some(other) => return Err(format!("unsupported compressor {other}")),
    };
    let tag_end = text[grid..]
        .find('>')
        .ok_or("unterminated <RectilinearGrid>")?
        + grid;
    let ext_str = attributes(&text[grid..tag_end])
        .get("WholeExtent")
        .copied()
        .ok_or("<RectilinearGrid> has no WholeExtent")?;
    let ext: Vec<usize> = ext_str
        .split_whitespace()
        .map(|s| s.parse::<usize>())
        .collect::<Result<_, _>>()
        .map_err(|_| format!("WholeExtent \"{ext_str}\" is not six non-negative integers"))?;
    let extent: [usize; 6] = ext
        .try_into()
        .map_err(|_| format!("WholeExtent \"{ext_str}\" is not six integers"))?;

    let mut arrays = HashMap::new();
    let mut rest = &text[tag_end..];
    while let Some(start) = rest.find("<DataArray") {
        let tag_end = rest[start..].find('>').ok_or("unterminated <DataArray>")? + start;
        let attrs = attributes(&rest[start + 10..tag_end]);
        let name = attrs
            .get("Name")
            .copied()
            .ok_or("a DataArray has no Name")?;
        let close = rest[tag_end..]
            .find("</DataArray>")
            .ok_or_else(|| format!("DataArray {name} is not closed"))?
            + tag_end;
        let body = &rest[tag_end + 1..close];
        let ty = attrs.get("type").copied().unwrap_or("");
        let values = match attrs.get("format").copied() {
            Some("ascii") => body
                .split_whitespace()
                .map(|s| s.parse::<f64>())
                .collect::<Result<Vec<_>, _>>()
                .map_err(|_| format!("DataArray {name}: a value is not a number"))?,
            Some("binary") => decode_binary(body, ty, header_bytes, compressed)
                .map_err(|m| format!("DataArray {name}: {m}"))?,
            other => {
                return Err(format!(
                    "DataArray {name}: format {other:?} is not supported (ascii or binary)"
                ))
            }
        };
        arrays.insert(name.to_string(), values);
        rest = &rest[close..];
    }
    Ok(Parsed { extent, arrays })
}

fn decode_binary(
    body: &str,
    ty: &str,
    header_bytes: usize,
    compressed: bool,
) -> Result<Vec<f64>, String> {
    let raw = binary::decode(body, header_bytes, compressed)?;
    let data = raw.as_slice();
    fn conv<const N: usize>(d: &[u8], f: impl Fn([u8; N]) -> f64) -> Result<Vec<f64>, String> {
        if !d.len().is_multiple_of(N) {
            return Err("byte count is not a whole number of values".into());
        }
        Ok(d.chunks_exact(N)
            .map(|c| {
                let mut a = [0u8; N];
                a.copy_from_slice(c);
                f(a)
            })
            .collect())
    }
    match ty {
        "Float64" => conv::<8>(data, f64::from_le_bytes),
        "Float32" => conv::<4>(data, |b| f64::from(f32::from_le_bytes(b))),
        "Int32" => conv::<4>(data, |b| f64::from(i32::from_le_bytes(b))),
        "UInt32" => conv::<4>(data, |b| f64::from(u32::from_le_bytes(b))),
        "Int64" => conv::<8>(data, |b| i64::from_le_bytes(b) as f64),
        "UInt16" => conv::<2>(data, |b| f64::from(u16::from_le_bytes(b))),
        "UInt8" => conv::<1>(data, |b| f64::from(b[0])),
        other => Err(format!("type {other:?} is not supported")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn document_round_trips() {
        let v = [1.5, f64::NAN, -3.25, 1e300];
        let doc = document(
            [2, 2, 1],
            [&[0.0, 1.0, 2.0], &[0.0, 1.0, 2.0], &[0.0, 0.5]],
            &[
                ("t", Values::F64(&v)),
                ("id", Values::I32(vec![0, 1, 2, 70000])),
            ],
        );
        let p = parse(&doc).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(p.extent, [0, 2, 0, 2, 0, 1]);
        let t = &p.arrays["t"];
        assert_eq!(t[0], 1.5);
        assert!(t[1].is_nan());
        assert_eq!(t[3], 1e300);
        assert_eq!(p.arrays["id"], vec![0.0, 1.0, 2.0, 70000.0]);
        assert_eq!(p.arrays["z_mm"], vec![0.0, 0.5]);
    }

    #[test]
    fn ascii_arrays_and_errors() {
        let doc = "<VTKFile type=\"RectilinearGrid\" version=\"0.1\">\n\
                   <RectilinearGrid WholeExtent=\"0 1 0 1 0 1\"><Piece>\
                   <DataArray type=\"Float64\" Name=\"a\" format=\"ascii\">1 nan 2.5</DataArray>\
                   </Piece></RectilinearGrid></VTKFile>";
        let p = parse(doc).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(p.arrays["a"].len(), 3);
        assert!(parse("<VTKFile><ImageData/></VTKFile>").is_err());
        let bad = doc.replace("1 nan", "1 x");
        assert!(parse(&bad).is_err());
    }
}
