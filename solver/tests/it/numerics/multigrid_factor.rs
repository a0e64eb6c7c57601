//! Regression guard on the multigrid cycle's convergence factor on rubin-2300w at 1.0 mm, the
//! size where aggregates straddling the fin-field walls made the coarse-grid correction poor
//! (W(1,1) asymptotic factor 0.448 and V(1,1) 0.574 before `coarsen.rs` aligned aggregates with
//! material jumps). The goal is ≤ 0.15 for W and is **not** reached: the asymptotic
//! factors are W 0.186 and V 0.246 (100 power-iteration cycles, below). The bounds asserted are
//! what the solver needs, not these measured values: W ≤ 0.2 takes stationary cycles to the
//! default tolerance 1e-8 in 12 cycles (0.2¹² = 4e-9); V ≤ 0.3, the cycle of the transient
//! stepper, in 16 (0.3¹⁶ = 4e-9). Plain 2 × 2 pairing (0.448 and 0.574) fails both. The factor
//! is deterministic (fixed start, fixed reduction order).
//!
//! Cycles: W has two slow modes with close factors, so the power iteration needs ~80 cycles to
//! isolate the slower one: 0.173 after 40 cycles (the number this test used to state), 0.178
//! after 60, 0.186 after 80, 100 and 150. The 0.173 mode is striped error in the cold-plate base
//! layer inside the fin field (v-wavelength ≈ 4.7 cells, flat along the flow); the 0.186 mode
//! sits at the interposer's left edge (layers 1, 3 and 6, x < 9 mm), where a 2-cell aggregate
//! straddles the interposer's silicon/mold edge at x = 3 mm: the layer-summed jump score of
//! `coarsen::jumps` does not see a jump in a 0.1 mm silicon layer under copper (forcing a split at
//! that face, a local experiment, gives 0.171). V converges by 40 cycles.

use std::path::PathBuf;

use coldtray_solver::numerics::multigrid::Multigrid;

#[test]
fn cycle_factors_at_one_millimetre() {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../examples/rubin-2300w.toml");
    let d = coldtray_solver::Design::load(&path)
        .unwrap()
        .with_cell_mm(1.0)
        .unwrap();
    let coldtray_solver::assembly::Assembly { op, .. } =
        coldtray_solver::assembly::assemble(&d).unwrap();
    let mut mg = Multigrid::new(op);
    // 100 cycles: W changes by < 0.0001 from 80 to 150 cycles (see the module doc).
    mg.gamma = 2;
    let w = mg.asymptotic_factor(100);
    mg.gamma = 1;
    let v = mg.asymptotic_factor(100);
    assert!(
        w <= 0.2,
        "W(1,1) factor {w:.3}: above 0.2, 12 cycles no longer reach 1e-8"
    );
    assert!(
        v <= 0.3,
        "V(1,1) factor {v:.3}: above 0.3, 16 cycles no longer reach 1e-8"
    );
}
