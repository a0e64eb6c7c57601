//! VTK's zlib-compressed inline binary encoding of one `DataArray` (`header_type="UInt64"`,
//! `compressor="vtkZLibDataCompressor"`): base64 of the header
//! `[n_blocks, block_size, last_block_size, compressed_size_1 … _n]` (UInt64 each),
//! immediately followed by base64 of the concatenated zlib streams, one per block of
//! `block_size` raw bytes. Header and data are encoded separately, as VTK does.
//!
//! Temperatures compress little, but ids, power density (mostly zero) and fluid temperature
//! (mostly NaN) shrink 10–1000×, which is what keeps a 4-million-cell export small.

use std::io::Write;

use rayon::prelude::*;

use super::base64;

/// Raw bytes per compressed block.
const BLOCK_BYTES: usize = 1 << 18;

/// Encodes `raw` as VTK zlib-compressed inline binary (UInt64 header).
pub(super) fn encode_compressed(raw: &[u8]) -> String {
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

#[cfg(test)]
mod tests {
    use super::*;

    /// A zlib stream inflated (test only: the crate itself never reads VTK back).
    fn inflate(z: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        let mut d = flate2::write::ZlibDecoder::new(&mut out);
        d.write_all(z).expect("valid zlib");
        d.finish().expect("complete zlib");
        out
    }

    #[test]
    fn header_lists_the_blocks_and_their_compressed_sizes() {
        let raw: Vec<u8> = (0..(2 * BLOCK_BYTES + 1234))
            .map(|i| (i * 7 % 251) as u8)
            .collect();
        let enc = encode_compressed(&raw);
        // 3 blocks: the header is (3 + 3) UInt64 = 48 bytes = 64 base64 characters.
        let head = &enc[..64];
        let blocks = base64::encode(
            &[3u64, BLOCK_BYTES as u64, 1234]
                .iter()
                .flat_map(|h| h.to_le_bytes())
                .collect::<Vec<u8>>(),
        );
        assert_eq!(&head[..32], &blocks[..32]);
        // The body is the three zlib streams; inflated, they give back the input.
        let mut z = Vec::new();
        let mut rest = raw.as_slice();
        for _ in 0..3 {
            let n = rest.len().min(BLOCK_BYTES);
            let mut e = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::fast());
            e.write_all(&rest[..n]).expect("in memory");
            let block = e.finish().expect("in memory");
            assert_eq!(inflate(&block), rest[..n]);
            z.extend(block);
            rest = &rest[n..];
        }
        assert_eq!(&enc[64..], base64::encode(&z));
    }

    #[test]
    fn empty_and_exact_block_inputs() {
        // No data: no block, and a last-block size of 0.
        let empty = [0u64, BLOCK_BYTES as u64, 0]
            .iter()
            .flat_map(|h| h.to_le_bytes())
            .collect::<Vec<u8>>();
        assert_eq!(encode_compressed(&[]), base64::encode(&empty));
        let exact = vec![3u8; BLOCK_BYTES];
        let enc = encode_compressed(&exact);
        let head = [1u64, BLOCK_BYTES as u64, BLOCK_BYTES as u64]
            .iter()
            .flat_map(|h| h.to_le_bytes())
            .collect::<Vec<u8>>();
        assert!(enc.starts_with(&base64::encode(&head)[..32]));
    }
}
