//! The saved field: the whole [`Field`] in one compact file that
//! `coldtray plot` reads back, bit for bit, to re-render maps without solving again.
//!
//! # Format
//!
//! The ASCII line `coldtray field v1` and a newline ([`SIGNATURE`]), then one zlib stream
//! holding the `Field` encoded as CBOR (RFC 8949) by its serde derive: a map keyed by field
//! name, so the file says what it holds and a reader in any language (Python's `cbor2` after
//! `zlib.decompress(data[18:])`) can open it.
//!
//! Why CBOR through `ciborium`: a standard, self-describing binary format from a well-kept
//! serde implementation that is already in the workspace's lock file (criterion uses it), and
//! whose float encoding is exact: each f64 is written in the shortest of half, single or
//! double precision *that gives back the same bits* (NaN payloads included), so temperatures
//! take 9 bytes and the NaN of a cell without coolant or the 0 W/m³ of an unpowered cell 3.
//! zlib (flate2, already a dependency; fast level) then squeezes the long runs of those.
//! rubin-2300w (277 k cells): 4.6 MB of CBOR, a 2.0 MB file (its `field.vtr` is 2.5 MB),
//! written in ≈ 30 ms and read in ≈ 35 ms, half inflating and half decoding — as fast as the
//! old re-import of `field.vtr` + `field.json`; without zlib, reading takes half as long but
//! the file is 2.3× larger (tray-vr200: 25 MB instead of 11 MB), for no gain a person would
//! notice next to drawing a map. A version bump of [`SIGNATURE`] marks any change of the
//! encoded type; an old file then gets an error that says to simulate again.
//!
//! The file is validated on reading: a truncated, corrupt or inconsistent file is a one-line
//! [`FieldFileError`] naming the file, never a panic.

use std::io::{Read, Write};
use std::path::Path;

use crate::{Field, FieldFileError};

/// The first bytes of every saved field: format name and version, one ASCII line.
pub const SIGNATURE: &[u8] = b"coldtray field v1\n";

/// The format version this build writes and reads.
const VERSION: u32 = 1;

/// The bytes of the saved form of `field` (signature, then zlib-compressed CBOR).
pub(crate) fn to_bytes(field: &Field) -> Result<Vec<u8>, ciborium::ser::Error<std::io::Error>> {
    let mut cbor = Vec::with_capacity(field.solid_c.len() * 24);
    ciborium::into_writer(field, &mut cbor)?;
    let mut z = flate2::write::ZlibEncoder::new(
        Vec::with_capacity(SIGNATURE.len() + cbor.len() / 2),
        flate2::Compression::fast(),
    );
    z.get_mut().extend_from_slice(SIGNATURE);
    z.write_all(&cbor).map_err(ciborium::ser::Error::Io)?;
    z.finish().map_err(ciborium::ser::Error::Io)
}

/// Writes `field` to `path` (atomically: a killed process leaves the old file or the new one).
pub fn save(field: &Field, path: &Path) -> Result<(), FieldFileError> {
    crate::check::check(field).map_err(|problem| FieldFileError::InconsistentField {
        path: path.to_path_buf(),
        nx: field.nx,
        ny: field.ny,
        nz: field.nz,
        problem,
    })?;
    let bytes = to_bytes(field).map_err(|e| FieldFileError::Encode {
        path: path.to_path_buf(),
        reason: e.to_string(),
    })?;
    coldtray_io::write_atomic(path, &bytes, coldtray_io::Durability::Atomic).map_err(|source| {
        FieldFileError::Write {
            path: path.to_path_buf(),
            source,
        }
    })
}

/// Reads the field saved at `path` by [`save`].
pub fn load(path: &Path) -> Result<Field, FieldFileError> {
    let bytes = std::fs::read(path).map_err(|source| FieldFileError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    from_bytes(&bytes, path)
}

/// Decodes the saved form `bytes`; `path` names the file in errors.
pub(crate) fn from_bytes(bytes: &[u8], path: &Path) -> Result<Field, FieldFileError> {
    let path_buf = || path.to_path_buf();
    let Some(body) = bytes.strip_prefix(SIGNATURE) else {
        // "coldtray field vN": another version of this format.
        let head = b"coldtray field v";
        if let Some(rest) = bytes.strip_prefix(head) {
            let found: String = rest
                .iter()
                .take_while(|b| b.is_ascii_alphanumeric() || **b == b'.')
                .map(|&b| char::from(b))
                .collect();
            if !found.is_empty() && found != VERSION.to_string() {
                return Err(FieldFileError::Version {
                    path: path_buf(),
                    found,
                    expected: VERSION,
                });
            }
        }
        return Err(FieldFileError::NotAFieldFile { path: path_buf() });
    };
    let mut z = flate2::read::ZlibDecoder::new(body);
    let mut cbor = Vec::with_capacity(body.len() * 3);
    z.read_to_end(&mut cbor)
        .map_err(|source| FieldFileError::Corrupt {
            path: path_buf(),
            source,
        })?;
    let mut reader = cbor.as_slice();
    let field: Field = ciborium::from_reader(&mut reader).map_err(|e| match e {
        ciborium::de::Error::Io(source) => FieldFileError::Corrupt {
            path: path_buf(),
            source,
        },
        ciborium::de::Error::Syntax(at) => FieldFileError::Malformed {
            path: path_buf(),
            reason: format!("invalid CBOR at byte {at} of the decompressed data"),
        },
        ciborium::de::Error::Semantic(_, reason) => FieldFileError::Malformed {
            path: path_buf(),
            reason,
        },
        ciborium::de::Error::RecursionLimitExceeded => FieldFileError::Malformed {
            path: path_buf(),
            reason: "nested too deeply".into(),
        },
    })?;
    if !reader.is_empty() {
        return Err(FieldFileError::Malformed {
            path: path_buf(),
            reason: format!("{} stray bytes after the field", reader.len()),
        });
    }
    crate::check::check(&field).map_err(|problem| FieldFileError::InconsistentField {
        path: path_buf(),
        nx: field.nx,
        ny: field.ny,
        nz: field.nz,
        problem,
    })?;
    Ok(field)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::sample::synthetic_field;

    fn bits(v: &[f64]) -> Vec<u64> {
        v.iter().map(|x| x.to_bits()).collect()
    }

    #[test]
    fn awkward_floats_round_trip_bit_for_bit() {
        let mut f = synthetic_field(5, 4);
        let odd = [
            1.0 / 3.0,
            -0.0,
            f64::MIN_POSITIVE / 8.0,               // subnormal
            f64::from_bits(0x7ff8_0000_dead_beef), // NaN with a payload
            -f64::NAN,
            f64::INFINITY,
            65504.0, // largest f16
            0.1f32 as f64,
        ];
        f.solid_c[..odd.len()].copy_from_slice(&odd);
        f.power_w_m3[..odd.len()].copy_from_slice(&odd);
        let p = Path::new("x.coldtray");
        let back = from_bytes(&to_bytes(&f).expect("encodes"), p).expect("decodes");
        assert_eq!(bits(&back.solid_c), bits(&f.solid_c));
        assert_eq!(bits(&back.fluid_c), bits(&f.fluid_c));
        assert_eq!(bits(&back.power_w_m3), bits(&f.power_w_m3));
        assert_eq!(back.material_id, f.material_id);
        assert_eq!(back.info, f.info);
        assert_eq!(back.blocks, f.blocks);
    }

    #[test]
    fn damage_is_an_error_naming_the_file() {
        let f = synthetic_field(6, 5);
        let good = to_bytes(&f).expect("encodes");
        let p = Path::new("results/field.coldtray");
        let msg = |bytes: &[u8]| {
            let e = from_bytes(bytes, p).expect_err("damaged");
            let text = format!("{e}");
            assert!(text.contains("results/field.coldtray"), "{text}");
            assert!(!text.contains('\n'), "{text}");
            e
        };
        for cut in [
            0,
            5,
            SIGNATURE.len(),
            SIGNATURE.len() + 3,
            good.len() / 2,
            good.len() - 1,
        ] {
            msg(&good[..cut]);
        }
        assert!(matches!(
            msg(b"<?xml"),
            FieldFileError::NotAFieldFile { .. }
        ));
        let v9 = [b"coldtray field v9\n".as_slice(), &good[SIGNATURE.len()..]].concat();
        assert!(matches!(msg(&v9), FieldFileError::Version { .. }));
        let mut flipped = good.clone();
        let mid = flipped.len() / 2;
        flipped[mid] ^= 0x55;
        msg(&flipped);
        // Valid zlib of something that is not a field.
        let mut z =
            flate2::write::ZlibEncoder::new(SIGNATURE.to_vec(), flate2::Compression::fast());
        z.write_all(&[0x83, 1, 2, 3]).expect("in memory");
        assert!(matches!(
            msg(&z.finish().expect("in memory")),
            FieldFileError::Malformed { .. }
        ));
    }

    #[test]
    fn an_inconsistent_field_is_neither_written_nor_read() {
        let mut f = synthetic_field(6, 5);
        f.fluid_c.pop();
        let dir = tempfile::tempdir().expect("temp dir");
        let p = dir.path().join("f.coldtray");
        assert!(matches!(
            save(&f, &p),
            Err(FieldFileError::InconsistentField { .. })
        ));
        assert!(!p.exists());
        let bytes = to_bytes(&f).expect("encodes");
        let e = from_bytes(&bytes, &p).expect_err("inconsistent");
        assert!(e.to_string().contains("fluid_c has"), "{e}");
    }
}
