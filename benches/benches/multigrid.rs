//! Multigrid convergence and cycle time on `examples/rubin-2300w.toml` at cell sizes 1.0, 0.5,
//! 0.25 and 0.125 mm.
//!
//! For each size the bench first prints (untimed by criterion):
//! - the **stationary cycle factors** of V(1,1) (`gamma` = 1) and W(1,1) (`gamma` = 2): from
//!   x = 0, up to `NCYCLES` calls of `Multigrid::vcycle` (which runs the cycle `gamma` selects),
//!   the true residual ‖b − A x‖₂ (`Operator::residual`) after each; mean factor
//!   ρ = (r_n / r_0)^(1/n), the last cycle's r_n / r_(n−1) (the asymptotic rate) and the wall
//!   time per cycle (+ one residual);
//! - the **solver's factor per cycle**: `krylov::solve` as `coldtray simulate` runs it
//!   (BiCGSTAB preconditioned by one cycle of the default `gamma` per application, tolerance
//!   1e-8), ρ = (r_end / r_0)^(1/cycles);
//!
//! then criterion times one cycle (`rubin-2300w/{vcycle,wcycle}_<cell>mm`, throughput =
//! unknowns).
//!
//! Run: `cargo bench -p benches --bench multigrid`.
use std::cell::RefCell;
use std::time::{Duration, Instant};

use benches::load_example;
use criterion::{criterion_group, criterion_main, Criterion, SamplingMode, Throughput};
use solver::krylov::{self, Method};
use solver::multigrid::Multigrid;
use solver::stencil::norm;

const CELLS_MM: [f64; 4] = [1.0, 0.5, 0.25, 0.125];
const NCYCLES: usize = 10;

struct Row {
    cell_mm: f64,
    unknowns: usize,
    levels: usize,
    /// (mean factor, last-cycle factor, seconds per cycle + residual) for V and W.
    stationary: [(f64, f64, f64); 2],
    bicg_cycles: usize,
    bicg_factor: f64,
}

/// Stationary cycles from x = 0 with coarse-grid visits `gamma`.
fn stationary(mg: &mut Multigrid, gamma: usize, b: &[f64], x: &mut [f64]) -> (Vec<f64>, f64) {
    mg.gamma = gamma;
    x.iter_mut().for_each(|v| *v = 0.0);
    let mut r = vec![0.0; b.len()];
    let r0 = norm(b);
    let mut hist = vec![r0];
    let t = Instant::now();
    for _ in 0..NCYCLES {
        mg.vcycle(b, x);
        mg.ops[0].residual(Some(b), x, &mut r);
        hist.push(norm(&r));
        if hist[hist.len() - 1] < 1e-13 * r0 {
            break;
        }
    }
    let per_cycle_s = t.elapsed().as_secs_f64() / (hist.len() - 1) as f64;
    (hist, per_cycle_s)
}

/// Diagnostic at 1.0 mm, the size that misses the target: does more smoothing per level fix
/// the factor (smoother-limited) or not (coarse-grid-limited)?
fn smoothing_diagnostic() {
    let design = load_example("rubin-2300w", Some(1.0));
    let asm = match solver::grid::assemble(&design) {
        Ok(a) => a,
        Err(e) => panic!("assemble at 1 mm: {e}"),
    };
    let solver::grid::Assembly { op, b, .. } = asm;
    let mut x = vec![0.0; op.len()];
    let mut mg = Multigrid::new(op);
    for nu in [1, 2, 4] {
        for gamma in [1, 2] {
            (mg.pre, mg.post) = (nu, nu);
            let (hist, _) = stationary(&mut mg, gamma, &b, &mut x);
            let nc = hist.len() - 1;
            println!(
                "1.0 mm diagnostic: gamma {gamma}, ({nu},{nu}) smoothing: mean factor {:.3}, last {:.3}",
                (hist[nc] / hist[0]).powf(1.0 / nc as f64),
                hist[nc] / hist[nc - 1]
            );
        }
    }
}

fn multigrid(c: &mut Criterion) {
    smoothing_diagnostic();
    let mut rows = Vec::new();
    let mut group = c.benchmark_group("rubin-2300w");
    group
        .sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(4))
        .sampling_mode(SamplingMode::Flat);
    for cell_mm in CELLS_MM {
        let design = load_example("rubin-2300w", Some(cell_mm));
        let asm = match solver::grid::assemble(&design) {
            Ok(a) => a,
            Err(e) => panic!("assemble at {cell_mm} mm: {e}"),
        };
        let solver::grid::Assembly { op, b, .. } = asm;
        let n = op.len();
        let mut mg = Multigrid::new(op);
        let levels = mg.ops.len();
        let default_gamma = mg.gamma;
        let mut x = vec![0.0; n];
        let mut st = [(0.0, 0.0, 0.0); 2];
        for (gi, gamma) in [1usize, 2].into_iter().enumerate() {
            let (hist, per_cycle_s) = stationary(&mut mg, gamma, &b, &mut x);
            let nc = hist.len() - 1;
            st[gi] = (
                (hist[nc] / hist[0]).powf(1.0 / nc as f64),
                hist[nc] / hist[nc - 1],
                per_cycle_s,
            );
            println!(
                "cell {cell_mm} mm: {n} unknowns, {levels} levels, gamma {gamma} residuals {:?}",
                hist.iter()
                    .map(|h| format!("{:.2e}", h / hist[0]))
                    .collect::<Vec<_>>()
            );
        }
        // The solver's outer iteration, as `solve` runs it.
        mg.gamma = default_gamma;
        let hist_b = RefCell::new(Vec::new());
        let progress = |cyc: usize, rel: f64| hist_b.borrow_mut().push((cyc, rel));
        let mut xb = vec![0.0; n];
        let conv = krylov::solve(&mut mg, Method::BiCgStab, &b, &mut xb, 1e-8, 200, &progress);
        let bicg_factor = conv.rel_residual.powf(1.0 / conv.cycles.max(1) as f64);
        println!(
            "cell {cell_mm} mm: BiCGSTAB (gamma {default_gamma}) {} cycles to {:.2e} ({:?})",
            conv.cycles,
            conv.rel_residual,
            hist_b
                .borrow()
                .iter()
                .map(|(c, r)| format!("{c}:{r:.1e}"))
                .collect::<Vec<_>>()
        );
        drop(xb);
        group.throughput(Throughput::Elements(n as u64));
        for (gamma, name) in [(1, "vcycle"), (2, "wcycle")] {
            mg.gamma = gamma;
            group.bench_function(format!("{name}_{cell_mm}mm"), |bch| {
                bch.iter(|| mg.vcycle(&b, &mut x))
            });
        }
        rows.push(Row {
            cell_mm,
            unknowns: n,
            levels,
            stationary: st,
            bicg_cycles: conv.cycles,
            bicg_factor,
        });
    }
    group.finish();
    println!(
        "\nmultigrid table (rubin-2300w, (1,1) cycles, {} threads; *_ms = one cycle + one residual)",
        rayon::current_num_threads()
    );
    println!(
        "{:>7} {:>9} {:>6} {:>7} {:>7} {:>8} {:>7} {:>7} {:>8} {:>6} {:>8}",
        "cell_mm",
        "unknowns",
        "levels",
        "V_mean",
        "V_last",
        "V_ms",
        "W_mean",
        "W_last",
        "W_ms",
        "bicg",
        "rho_bicg"
    );
    for r in &rows {
        let [(vm, vl, vt), (wm, wl, wt)] = r.stationary;
        println!(
            "{:>7} {:>9} {:>6} {vm:>7.3} {vl:>7.3} {:>8.1} {wm:>7.3} {wl:>7.3} {:>8.1} {:>6} {:>8.3}",
            r.cell_mm,
            r.unknowns,
            r.levels,
            vt * 1e3,
            wt * 1e3,
            r.bicg_cycles,
            r.bicg_factor
        );
    }
}

// No plots: criterion's plotters backend has no font on this machine (and plots cost time).
criterion_group! {
    name = benches;
    config = Criterion::default().without_plots();
    targets = multigrid
}
criterion_main!(benches);
