//! Time to steady state of a HotSpot-sized case: a 16 × 16 mm die with 30 blocks (40 W) under
//! silicon 0.15 mm, TIM 0.02 mm, copper spreader 1 mm and copper sink 6.9 mm, convective top
//! equal to 0.1 K/W, at 512 × 512 cells (one z cell per layer: 1 048 576 unknowns). The design
//! is built in code: `benches::hotspot`, whose doc gives every number and its source.
//!
//! - `hotspot/solve_512`: `solver::solve::solve` with default options (assemble, BiCGSTAB
//!   preconditioned by one (1,1) multigrid cycle, to a 1e-8 relative residual, results): what
//!   `coldtray simulate` pays;
//! - `hotspot/assemble_512`: only `grid::assemble`, to split the above.
//!
//! Run: `cargo bench -p benches --bench hotspot`.
use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, Criterion, SamplingMode, Throughput};
use solver::solve::{solve, SolveOptions};

const CELLS: usize = 512;

fn hotspot(c: &mut Criterion) {
    let design = benches::hotspot::design(CELLS);
    let t = Instant::now();
    let sol = match solve(&design, &SolveOptions::default()) {
        Ok(s) => s,
        Err(e) => panic!("hotspot: {e}"),
    };
    let r = &sol.results;
    println!(
        "hotspot {CELLS}x{CELLS}: {} unknowns, first solve {:.3} s, {} V-cycles to {:.1e}, max {:.2} °C, top heat {:.4} W of {:.1} W",
        r.solver.unknowns,
        t.elapsed().as_secs_f64(),
        r.solver.iterations,
        r.solver.relative_residual,
        r.max_c,
        r.boundary_heat_w.top,
        r.total_power_w
    );
    let n = r.solver.unknowns as u64;
    drop(sol);
    let mut group = c.benchmark_group("hotspot");
    group
        .sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(5))
        .sampling_mode(SamplingMode::Flat)
        .throughput(Throughput::Elements(n));
    group.bench_function(format!("solve_{CELLS}"), |b| {
        b.iter(|| solve(&design, &SolveOptions::default()).map(|s| s.results.max_c))
    });
    group.bench_function(format!("assemble_{CELLS}"), |b| {
        b.iter(|| solver::grid::assemble(&design).map(|a| black_box(a.b.len())))
    });
    group.finish();
}

// No plots: criterion's plotters backend has no font on this machine (and plots cost time).
criterion_group! {
    name = benches;
    config = Criterion::default().without_plots();
    targets = hotspot
}
criterion_main!(benches);
