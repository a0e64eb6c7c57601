//! Multigrid convergence must not degrade with grid refinement (rubin-2300w).
#![allow(clippy::unwrap_used)]

use std::path::PathBuf;

use solver::krylov::Method;
use solver::solve::{solve_assembly, SolveOptions};

fn example(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../examples").join(name)
}

fn cycles_at(cell_mm: f64, method: Method) -> (usize, f64, usize, f64) {
    let d = solver::design::load_design(&example("rubin-2300w.toml"), Some(cell_mm)).unwrap();
    let t0 = std::time::Instant::now();
    let asm = solver::grid::assemble(&d).unwrap();
    let opts = SolveOptions { method, ..Default::default() };
    let (_, conv) = solve_assembly(&asm, &opts);
    assert!(conv.converged, "{cell_mm} mm: {conv:?}");
    (conv.cycles, conv.rel_residual, asm.b.len(), t0.elapsed().as_secs_f64())
}

/// Print the full table (run with `--ignored --nocapture` in release).
#[test]
#[ignore]
fn scaling_table() {
    for method in [Method::BiCgStab, Method::VCycle] {
        for h in [2.0, 1.0, 0.5, 0.25] {
            let (c, r, n, t) = cycles_at(h, method);
            println!("{method:?} cell {h} mm: {n} unknowns, {c} cycles, residual {r:.2e}, {t:.2} s");
        }
    }
}
