//! Regression guard on the multigrid cycle's convergence factor on rubin-2300w at 1.0 mm, the
//! size where aggregates straddling material jumps made the coarse-grid correction poor. The
//! bounds are what the solver needs: W ≤ 0.2 takes stationary cycles to the default tolerance
//! 1e-8 in 12 cycles (0.2¹² = 4e-9); V ≤ 0.3, the transient stepper's cycle, in 16. The factor
//! is deterministic (fixed start, fixed reduction order); 100 power-iteration cycles separate
//! the W cycle's two slow modes, whose factors are close.

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
