//! Whole steady solves as `coldtray simulate` runs them (`Design::solve` with default
//! options: assemble, BiCGSTAB preconditioned by one (1,1) multigrid cycle, to 1e-8, results), with peak heap memory.
//!
//! Cases: `rubin-1800w`, `rubin-2300w`, `tray-vr200` at their own `cell_mm`, and `rubin-2300w`
//! at 0.25 mm. Before criterion times each case, one untimed solve runs under the counting
//! global allocator (`peak_alloc::PeakAlloc`, installed below) and the bench prints the peak
//! heap bytes the solve added, per unknown (unknowns = the
//! solver's count in `results.json`: cells + coolant cells; `state_len` is the state vector's
//! length, which also holds the identity rows of columns without coolant), with the cycles and
//! the final residual, and a breakdown: the bytes the assembly (`assembly::assemble`) keeps and the
//! bytes the multigrid hierarchy stores (`Multigrid::stored_values`: operators + work vectors),
//! per unknown. The rest of the peak is the Krylov vectors and the results.
//!
//! Note: that allocator zero-fills `alloc_zeroed` by hand (no lazy calloc pages), which costs
//! one memset of every zeroed vector in the timings (well under 1 % of a solve).
//!
//! Run: `cargo bench -p coldtray-benches --bench solve`.
use std::time::{Duration, Instant};

use coldtray_benches::{load_example, measure_peak, PeakAlloc};
use coldtray_solver::numerics::multigrid::Multigrid;
use coldtray_solver::SolveOptions;
use criterion::{criterion_group, criterion_main, Criterion, SamplingMode, Throughput};

#[global_allocator]
static ALLOC: PeakAlloc = PeakAlloc;

const CASES: [(&str, Option<f64>); 4] = [
    ("rubin-1800w", None),
    ("rubin-2300w", None),
    // The tray written out block by block: the same solid model as examples/tray-vr200.toml,
    // at a fixed 12 L/min (the short file drives its loop with a pump curve).
    ("validation/tray-vr200-flat", None),
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
        // Breakdown: what the assembly keeps, and what the multigrid hierarchy stores.
        let base = ALLOC.current_usage();
        let asm = match coldtray_solver::assembly::assemble(&design) {
            Ok(a) => a,
            Err(e) => panic!("{name}: {e}"),
        };
        let asm_bytes = ALLOC.current_usage().saturating_sub(base);
        let state_len = asm.op.len();
        let mg_bytes = 8 * Multigrid::new(asm.op.clone()).stored_values();
        drop(asm);
        let t = Instant::now();
        let (sol, peak) = measure_peak(&ALLOC, || design.solve(&SolveOptions::default()));
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
        rows.push((
            id.clone(),
            unknowns,
            state_len,
            peak,
            asm_bytes,
            mg_bytes,
            wall,
        ));
        group.throughput(Throughput::Elements(unknowns as u64));
        group.bench_function(id, |b| {
            b.iter(|| {
                design
                    .solve(&SolveOptions::default())
                    .map(|s| s.results.max_c)
            })
        });
    }
    group.finish();
    println!(
        "\nsolve table ({} threads; B/unk = peak heap / unknowns; assembly and multigrid = bytes \
         they hold, per unknown)",
        rayon::current_num_threads()
    );
    println!(
        "{:>20} {:>9} {:>9} {:>8} {:>7} {:>9} {:>7} {:>8}",
        "case", "unknowns", "state_len", "peak_MB", "B/unk", "assembly", "mg", "first_s"
    );
    for (id, n, len, peak, asm, mg, wall) in &rows {
        let per = |b: usize| b as f64 / *n as f64;
        println!(
            "{id:>20} {n:>9} {len:>9} {:>8.1} {:>7.1} {:>9.1} {:>7.1} {wall:>8.2}",
            *peak as f64 / 1e6,
            per(*peak),
            per(*asm),
            per(*mg)
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
