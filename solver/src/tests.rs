//! Tests across layers: the numerics' crate-private kernels on the operators of shipped
//! designs (the numerics themselves know no design).
#![allow(clippy::unwrap_used)]

use crate::model::Design;
use crate::numerics::multigrid::Multigrid;
use crate::numerics::operator::Operator;
use crate::numerics::smoother::{ColumnFactors, ColumnWork, Line};

/// The two-pass red-black sweep the wavefront must reproduce: all even lines, then all odd.
fn two_pass(op: &Operator, f: &ColumnFactors, b: &[f64], x: &mut [f64]) {
    let ll = op.line_len();
    let mut w = ColumnWork::new(op.nz, op.fluids.len(), op.nu, !f.ulines.is_empty());
    for colour in 0..2 {
        for v in (colour..op.nv).step_by(2) {
            let (before, rest) = x.split_at_mut(v * ll);
            let (xl, after) = rest.split_at_mut(ll);
            let line = Line {
                v,
                prev: (v > 0).then(|| &before[(v - 1) * ll..]),
                next: (v + 1 < op.nv).then(|| &after[..ll]),
            };
            op.relax_line(f, &line, b, xl, &mut w);
        }
    }
    if !f.cross.is_empty() {
        op.relax_vlines(&f.cross, b, x);
    }
}

/// The shipped tray design (coolant, u-lines, cross-flow fields) at 1 mm: its finest level
/// runs the parallel blocked wavefront, its coarse levels the sequential one. Bit-identical
/// results are required, so the comparison is exact.
#[test]
fn wavefront_equals_the_two_pass_sweep_bit_for_bit() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../examples/validation/tray-vr200-flat.toml");
    let design = Design::load(&path).unwrap().with_cell_mm(1.0).unwrap();
    let asm = crate::assembly::assemble(&design).unwrap();
    let b = asm.b.clone();
    let mg = Multigrid::new(asm.op);
    for threads in [1, 2, 3] {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        for l in [0, 1, mg.ops.len() - 2] {
            let (op, f) = (&mg.ops[l], mg.factors(l));
            let bl: Vec<f64> = (0..op.len())
                .map(|i| b.get(i).copied().unwrap_or(0.0) + 1e-3 * ((i * 7919) % 17) as f64)
                .collect();
            let x0: Vec<f64> = (0..op.len()).map(|i| ((i * 104729) % 23) as f64).collect();
            let (mut xa, mut xb) = (x0.clone(), x0);
            pool.install(|| {
                for _ in 0..2 {
                    op.smooth(f, &bl, &mut xa);
                    two_pass(op, f, &bl, &mut xb);
                }
            });
            assert!(
                xa == xb,
                "level {l}, {threads} threads: the wavefront differs"
            );
        }
    }
}
