//! The order of one smoothing sweep: red-black lines of columns, relaxed as a **wavefront**.
//!
//! A red-black sweep relaxes every even line v (red) from the old odd lines, then every odd line
//! (black) from the new even lines. Done as two passes, each pass streams the whole level from
//! memory and every line is read three times (as itself and as the neighbour of the two lines of
//! the other colour), in passes far apart. The wavefront runs the same dependencies in one
//! pass: red v, then black v − 1 (whose neighbours, red v − 2 and red v, are now both new), then
//! red v + 2, black v + 1, … A black line is relaxed while its neighbours are still in cache,
//! and each line is relaxed from exactly the values the two-pass order gives it, so the
//! result is **identical** (bit for bit) to the two-pass sweep.
//!
//! In parallel the lines are cut into blocks at black **edge** lines: phase 1 runs each block's
//! wavefront as one task (the edges, not written in phase 1, are read by the red lines beside
//! them), phase 2 relaxes the edges from their finished red neighbours. The split is done with
//! slices (`split_at_mut`), so it is race-free in safe Rust.

use rayon::prelude::*;

use super::{ColumnFactors, ColumnWork, Line};
use crate::numerics::operator::Operator;

/// Blocks per thread in the parallel wavefront (load balance against scheduling noise).
const BLOCKS_PER_THREAD: usize = 4;

/// Lines `v0..v0 + n` of a level, with the read-only lines just outside them (if any).
struct Block<'a> {
    v0: usize,
    lines: &'a mut [f64],
    before: Option<&'a [f64]>,
    after: Option<&'a [f64]>,
}

impl Operator {
    /// One red-black sweep of column relaxation on `x` for right-hand side `b`, with the
    /// factors `f` of this operator ([`Operator::factor_columns`]).
    pub fn smooth(&self, f: &ColumnFactors, b: &[f64], x: &mut [f64]) {
        let new_work =
            || ColumnWork::new(self.nz, self.fluids.len(), self.nu, !f.ulines.is_empty());
        let blocks = if self.parallel() {
            rayon::current_num_threads() * BLOCKS_PER_THREAD
        } else {
            1
        };
        let edges = edge_lines(self.nv, blocks);
        if edges.is_empty() {
            let block = Block {
                v0: 0,
                lines: x,
                before: None,
                after: None,
            };
            self.wavefront(f, b, block, &mut new_work());
        } else {
            self.split_blocks(x, &edges)
                .into_par_iter()
                .for_each_init(new_work, |w, blk| self.wavefront(f, b, blk, w));
            self.split_edges(x, &edges)
                .into_par_iter()
                .for_each_init(new_work, |w, (line, xl)| {
                    self.relax_line(f, &line, b, xl, w)
                });
        }
        if !f.cross.is_empty() {
            self.relax_vlines(&f.cross, b, x);
        }
    }

    /// Relax a block's lines in wavefront order (see the module doc).
    fn wavefront(&self, f: &ColumnFactors, b: &[f64], blk: Block, w: &mut ColumnWork) {
        let ll = self.line_len();
        let n = blk.lines.len() / ll;
        // Relax local line i, its neighbours taken from the block or from outside it.
        let mut relax = |lines: &mut [f64], i: usize| {
            let (head, rest) = lines.split_at_mut(i * ll);
            let (xl, tail) = rest.split_at_mut(ll);
            let line = Line {
                v: blk.v0 + i,
                prev: if i > 0 {
                    Some(&head[(i - 1) * ll..])
                } else {
                    blk.before
                },
                next: if i + 1 < n {
                    Some(&tail[..ll])
                } else {
                    blk.after
                },
            };
            self.relax_line(f, &line, b, xl, w);
        };
        let red = |i: usize| (blk.v0 + i).is_multiple_of(2);
        for i in 0..n {
            if red(i) {
                relax(blk.lines, i);
                if i > 0 {
                    relax(blk.lines, i - 1);
                }
            }
        }
        // A last black line (when the block ends with one) has all its red neighbours done.
        if n > 0 && !red(n - 1) {
            relax(blk.lines, n - 1);
        }
    }

    /// Phase 1 pieces: the blocks between the edges, each with the edges beside it (read only).
    fn split_blocks<'a>(&self, x: &'a mut [f64], edges: &[usize]) -> Vec<Block<'a>> {
        let ll = self.line_len();
        let mut blocks = Vec::with_capacity(edges.len() + 1);
        let mut rest = x;
        let (mut v0, mut before) = (0, None);
        for &e in edges {
            let (blk, tail) = rest.split_at_mut((e - v0) * ll);
            let (edge, tail) = tail.split_at_mut(ll);
            let edge: &[f64] = edge;
            blocks.push(Block {
                v0,
                lines: blk,
                before,
                after: Some(edge),
            });
            (rest, v0, before) = (tail, e + 1, Some(edge));
        }
        blocks.push(Block {
            v0,
            lines: rest,
            before,
            after: None,
        });
        blocks
    }

    /// Phase 2 pieces: each edge line (mutable) with its two red neighbours (read only).
    fn split_edges<'a>(&self, x: &'a mut [f64], edges: &[usize]) -> Vec<(Line<'a>, &'a mut [f64])> {
        let ll = self.line_len();
        // The lines between the edges are only read in phase 2.
        let (mut pieces, mut edge_lines): (Vec<&[f64]>, Vec<&mut [f64]>) = (Vec::new(), Vec::new());
        let (mut rest, mut v0) = (x, 0);
        for &e in edges {
            let (piece, tail) = rest.split_at_mut((e - v0) * ll);
            let (edge, tail) = tail.split_at_mut(ll);
            pieces.push(piece);
            edge_lines.push(edge);
            (rest, v0) = (tail, e + 1);
        }
        pieces.push(rest);
        edges
            .iter()
            .zip(edge_lines)
            .enumerate()
            .map(|(k, (&e, xl))| {
                let (before, after) = (pieces[k], pieces[k + 1]);
                let line = Line {
                    v: e,
                    prev: Some(&before[before.len() - ll..]),
                    next: Some(&after[..ll]),
                };
                (line, xl)
            })
            .collect()
    }
}

/// Black (odd) lines cutting `nv` lines into about `blocks` blocks, each edge with a red line on
/// both sides and at least one line between two edges; empty for one block or a small level.
fn edge_lines(nv: usize, blocks: usize) -> Vec<usize> {
    let mut edges: Vec<usize> = Vec::new();
    if blocks < 2 || nv < 4 * blocks {
        return edges;
    }
    for t in 1..blocks {
        let e = (t * nv / blocks) | 1;
        if e + 1 < nv && edges.last().is_none_or(|&p| e >= p + 2) {
            edges.push(e);
        }
    }
    edges
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn edges_are_black_lines_between_red_ones() {
        for nv in [1, 4, 7, 8, 9, 33, 64, 100, 513] {
            for blocks in [1, 2, 3, 8] {
                let e = edge_lines(nv, blocks);
                for (i, &v) in e.iter().enumerate() {
                    assert_eq!(v % 2, 1, "nv {nv}: edge {v} is not black");
                    assert!(v >= 1 && v + 1 < nv, "nv {nv}: edge {v} at the border");
                    if i > 0 {
                        assert!(v >= e[i - 1] + 2, "nv {nv}: edges {e:?} touch");
                    }
                }
            }
        }
    }
}
