//! Multigrid convergence must not degrade with grid refinement (rubin-2300w).

use std::path::PathBuf;

use coldtray_solver::run::steady::solve_assembly;
use coldtray_solver::{Method, SolveOptions};

fn example(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../examples")
        .join(name)
}

fn cycles_at(cell_mm: f64, method: Method) -> (usize, f64, usize, f64) {
    let d = coldtray_solver::Design::load(&example("rubin-2300w.toml"))
        .unwrap()
        .with_cell_mm(cell_mm)
        .unwrap();
    let t0 = std::time::Instant::now();
    let mut asm = coldtray_solver::assembly::assemble(&d).unwrap();
    let opts = SolveOptions {
        method,
        ..Default::default()
    };
    let (_, outcome) = solve_assembly(&mut asm, &opts);
    let conv = outcome.unwrap_or_else(|e| panic!("{cell_mm} mm: {e:?}"));
    (
        conv.cycles,
        conv.rel_residual,
        asm.b.len(),
        t0.elapsed().as_secs_f64(),
    )
}

#[test]
fn cycles_do_not_grow_with_refinement() {
    // h-independent multigrid: cycles to 1e-8 grow by at most 2 across cell sizes 1.0, 0.5
    // and 0.25 mm (plain relaxation would need ~4× more per halving).
    let c: Vec<usize> = [1.0, 0.5, 0.25]
        .iter()
        .map(|&h| cycles_at(h, Method::BiCgStab).0)
        .collect();
    for w in c.windows(2) {
        assert!(w[1] <= w[0] + 2, "cycles {c:?}");
    }
}

/// Print the full table (run with `--ignored --nocapture` in release).
#[test]
#[ignore]
fn scaling_table() {
    for method in [Method::BiCgStab] {
        for h in [2.0, 1.0, 0.5, 0.25] {
            let (c, r, n, t) = cycles_at(h, method);
            println!(
                "{method:?} cell {h} mm: {n} unknowns, {c} cycles, residual {r:.2e}, {t:.2} s"
            );
        }
    }
}

#[test]
fn unconverged_and_bad_options_are_clear_errors() {
    let d = coldtray_solver::Design::load(&example("rubin-2300w.toml"))
        .unwrap()
        .with_cell_mm(2.0)
        .unwrap();
    let opts = SolveOptions {
        max_cycles: 2,
        ..Default::default()
    };
    let e = d.solve(&opts).unwrap_err();
    let msg = e.to_string();
    assert!(
        msg.contains("did not converge") && msg.contains("cycles") && msg.contains("try"),
        "{msg}"
    );
    let e = d
        .solve(&SolveOptions {
            threads: Some(0),
            ..Default::default()
        })
        .unwrap_err();
    assert!(e.to_string().contains("threads"), "{e}");
    let e = d
        .solve(&SolveOptions {
            tolerance: 0.0,
            ..Default::default()
        })
        .unwrap_err();
    assert!(e.to_string().contains("tolerance"), "{e}");
}
