//! VTK's inline binary encodings of one `DataArray` (with `header_type="UInt64"`).
//!
//! - zlib-compressed (what we write, `compressor="vtkZLibDataCompressor"`): base64 of the
//!   header `[n_blocks, block_size, last_block_size, compressed_size_1 … _n]` (UInt64 each),
//!   immediately followed by base64 of the concatenated zlib streams, one per block of
//!   `block_size` raw bytes. Header and data are encoded separately, as VTK does.
//! - uncompressed (read only): base64 of (byte count ‖ raw bytes) as one stream.
//!
//! Temperatures compress little, but ids, power density (mostly zero) and fluid temperature
//! (mostly NaN) shrink 10–1000×, which is what keeps a 4-million-cell export small.

use std::io::{Read, Write};

use rayon::prelude::*;

use super::base64;

/// Raw bytes per compressed block.
const BLOCK_BYTES: usize = 1 << 18;

/// Encodes `raw` as VTK zlib-compressed inline binary (UInt64 header).
pub fn encode_compressed(raw: &[u8]) -> String {
    let blocks: Vec<Vec<u8>> = raw
        .par_chunks(BLOCK_BYTES)
        .map(|chunk| {
            let mut enc = flate2::write::ZlibEncoder::new(
                Vec::with_capacity(chunk.len() / 2),
                flate2::Compression::fast(),
            );
            // Writing into a Vec cannot fail.
            let _ = enc.write_all(chunk);
            enc.finish().unwrap_or_default()
        })
        .collect();
    let last = raw.len() - BLOCK_BYTES * blocks.len().saturating_sub(1);
    let mut header: Vec<u64> = vec![blocks.len() as u64, BLOCK_BYTES as u64, last as u64];
    header.extend(blocks.iter().map(|b| b.len() as u64));
    let header_bytes: Vec<u8> = header.iter().flat_map(|h| h.to_le_bytes()).collect();
    let mut out = base64::encode(&header_bytes);
    out.push_str(&base64::encode(&blocks.concat()));
    out
}

/// Reads a little-endian unsigned integer of `n` bytes.
fn uint(b: &[u8]) -> u64 {
    b.iter()
        .enumerate()
        .fold(0u64, |acc, (s, &x)| acc | (u64::from(x) << (8 * s)))
}

/// Decodes an inline binary array body into its raw bytes. `header_bytes` is 4 (UInt32) or 8
/// (UInt64); `compressed` selects the zlib layout.
pub fn decode(body: &str, header_bytes: usize, compressed: bool) -> Result<Vec<u8>, String> {
    let text: String = body.chars().filter(|c| !c.is_ascii_whitespace()).collect();
    if !compressed {
        let raw = base64::decode(&text).ok_or("invalid base64")?;
        let n = uint(raw.get(..header_bytes).ok_or("shorter than its header")?) as usize;
        return raw
            .get(header_bytes..header_bytes + n)
            .map(<[u8]>::to_vec)
            .ok_or_else(|| "holds fewer bytes than its header says".into());
    }
    // The first three header entries are 3 × header_bytes bytes = 4 × header_bytes chars.
    let first = base64::decode(text.get(..4 * header_bytes).ok_or("header cut short")?)
        .ok_or("invalid base64 in header")?;
    let n_blocks = uint(&first[..header_bytes]) as usize;
    let block = uint(&first[header_bytes..2 * header_bytes]) as usize;
    let last = uint(&first[2 * header_bytes..3 * header_bytes]) as usize;
    let head_len = (3 + n_blocks)
        .checked_mul(header_bytes)
        .ok_or("absurd block count")?;
    let head_chars = head_len.div_ceil(3) * 4;
    let head = base64::decode(text.get(..head_chars).ok_or("header cut short")?)
        .ok_or("invalid base64 in header")?;
    let data = base64::decode(&text[head_chars..]).ok_or("invalid base64 in data")?;
    let mut out = Vec::with_capacity(n_blocks.saturating_mul(block).min(1 << 32));
    let mut at = 0usize;
    for b in 0..n_blocks {
        let o = (3 + b) * header_bytes;
        let size = uint(head.get(o..o + header_bytes).ok_or("header cut short")?) as usize;
        let stream = data
            .get(at..at + size)
            .ok_or("compressed data shorter than its header says")?;
        at += size;
        let want = if b + 1 == n_blocks && last != 0 {
            last
        } else {
            block
        };
        let before = out.len();
        flate2::read::ZlibDecoder::new(stream)
            .read_to_end(&mut out)
            .map_err(|e| format!("zlib block {b}: {e}"))?;
        if out.len() - before != want {
            return Err(format!(
                "zlib block {b} holds {} bytes, expected {want}",
                out.len() - before
            ));
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compressed_round_trip_over_several_blocks() {
        let raw: Vec<u8> = (0..(2 * BLOCK_BYTES + 1234))
            .map(|i| (i * 7 % 251) as u8)
            .collect();
        let enc = encode_compressed(&raw);
        assert_eq!(decode(&enc, 8, true).ok(), Some(raw));
        assert_eq!(decode(&encode_compressed(&[]), 8, true).ok(), Some(vec![]));
        let exact = vec![3u8; BLOCK_BYTES];
        assert_eq!(
            decode(&encode_compressed(&exact), 8, true).ok(),
            Some(exact)
        );
    }

    #[test]
    fn uncompressed_layout() {
        let mut raw = 3u64.to_le_bytes().to_vec();
        raw.extend([1, 2, 3]);
        assert_eq!(
            decode(&base64::encode(&raw), 8, false).ok(),
            Some(vec![1, 2, 3])
        );
        assert!(decode(&base64::encode(&raw[..9]), 8, false).is_err());
    }
}
