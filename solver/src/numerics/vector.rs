//! Vector kernels shared by every layer of the numerics: deterministic parallel reductions and
//! zeroed allocation. They know nothing of operators or iterations, so `operator`, `krylov`
//! and `multigrid` can all use them without importing each other.

use rayon::prelude::*;

/// Levels with fewer state values than this run their kernels sequentially: below it a rayon
/// fork-join (µs) costs more than the work it would split.
pub const PAR_MIN_LEN: usize = 1 << 15;

/// The fixed chunk of the parallel reductions ([`dot`] and the fused passes of `krylov`): sums
/// are formed per chunk in order and the chunk sums added in order, so the result does not
/// depend on the thread count or on scheduling.
pub const DOT_CHUNK: usize = 8192;

/// Parallel dot product with a fixed chunking (deterministic result).
pub fn dot(a: &[f64], b: &[f64]) -> f64 {
    const CH: usize = DOT_CHUNK;
    let parts: Vec<f64> = a
        .par_chunks(CH)
        .zip(b.par_chunks(CH))
        .map(|(x, y)| x.iter().zip(y).map(|(p, q)| p * q).sum::<f64>())
        .collect();
    parts.iter().sum()
}

/// A vector of `n` zeros whose pages are first touched by writes, split across the pool.
///
/// `vec![0.0; n]` of a large `n` is a fresh calloc'd mapping: the first **read** of a page maps
/// the shared zero page, and the first write then faults a second time and flushes the TLB of
/// every thread of the process (an inter-processor interrupt; a VM exit on a virtual machine).
/// Solver vectors are often read before they are written (x = 0 in the first residual, p and v
/// in BiCGSTAB, the coarse corrections), so they are zeroed here by writes.
pub fn zeros(n: usize) -> Vec<f64> {
    if n < PAR_MIN_LEN {
        return vec![0.0; n];
    }
    (0..n).into_par_iter().map(|_| 0.0).collect()
}

/// Euclidean norm.
pub fn norm(a: &[f64]) -> f64 {
    dot(a, a).sqrt()
}
