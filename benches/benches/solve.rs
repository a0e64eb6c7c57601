//! Whole steady solves as `coldtray simulate` runs them (`solver::solve::solve` with default
//! options: assemble, BiCGSTAB + V(1,1) multigrid to 1e-8, results), with peak heap memory.
//!
//! Cases: `rubin-1800w`, `rubin-2300w`, `tray-vr200` at their own `cell_mm`, and `rubin-2300w`
//! at 0.25 mm. Before criterion times each case, one untimed solve runs under the counting
//! global allocator (`peak_alloc::PeakAlloc`, installed below) and the bench prints the peak
//! heap bytes the solve added, per unknown (unknowns = columns × (z cells + fluid groups), the
//! length of the state vector), with the V-cycles and the final residual.
//!
//! Note: that allocator zero-fills `alloc_zeroed` by hand (no lazy calloc pages), which costs
//! one memset of every zeroed vector in the timings (well under 1 % of a solve).
//!
//! Run: `cargo bench -p benches --bench solve`.
use std::time::{Duration, Instant};

use benches::{load_example, measure_peak, PeakAlloc};
use criterion::{criterion_group, criterion_main, Criterion, SamplingMode, Throughput};
use solver::solve::{solve, SolveOptions};

#[global_allocator]
static ALLOC: PeakAlloc = PeakAlloc;

const CASES: [(&str, Option<f64>); 4] = [
    ("rubin-1800w", None),
    ("rubin-2300w", None),
    ("tray-vr200", None),
    ("rubin-2300w", Some(0.25)),
];

fn solves(c: &mut Criterion) {
    let mut rows = Vec::new();
    let mut group = c.benchmark_group("solve");
    group
        .sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(5))
        .sampling_mode(SamplingMode::Flat);
    for (name, cell) in CASES {
        let design = load_example(name, cell);
        let t = Instant::now();
        let (sol, peak) = measure_peak(&ALLOC, || solve(&design, &SolveOptions::default()));
        let wall = t.elapsed().as_secs_f64();
        let sol = match sol {
            Ok(s) => s,
            Err(e) => panic!("{name}: {e}"),
        };
        let conv = sol.results.solver.clone();
        let unknowns = conv.unknowns;
        drop(sol);
        let id = format!("{name}@{}mm", design.cell_mm);
        println!(
            "{id}: {unknowns} unknowns, peak {peak} B = {:.1} B/unknown, {wall:.2} s, {conv:?}",
            peak as f64 / unknowns as f64
        );
        rows.push((id.clone(), unknowns, peak, wall, conv));
        group.throughput(Throughput::Elements(unknowns as u64));
        group.bench_function(id, |b| {
            b.iter(|| solve(&design, &SolveOptions::default()).map(|s| s.results.max_c))
        });
    }
    group.finish();
    println!("\nsolve table ({} threads)", rayon::current_num_threads());
    println!(
        "{:>20} {:>10} {:>10} {:>12} {:>9}",
        "case", "unknowns", "peak_MB", "B/unknown", "first_s"
    );
    for (id, n, peak, wall, _) in &rows {
        println!(
            "{id:>20} {n:>10} {:>10.1} {:>12.1} {wall:>9.2}",
            *peak as f64 / 1e6,
            *peak as f64 / *n as f64
        );
    }
}

// No plots: criterion's plotters backend has no font on this machine (and plots cost time).
criterion_group! {
    name = benches;
    config = Criterion::default().without_plots();
    targets = solves
}
criterion_main!(benches);
