//! Time to steady state of a HotSpot-sized case: a 16 × 16 mm die with 30 blocks (40 W) under
//! silicon 0.15 mm, TIM 0.02 mm, copper spreader 1 mm and copper sink 6.9 mm, convective top
//! equal to 0.1 K/W, at 512 × 512 cells (one z cell per layer: 1 048 576 unknowns). The design
//! is built in code: `coldtray_benches::hotspot`, whose doc gives every number and its source.
//!
//! - `hotspot/solve_512`: `Design::solve` with default options (assemble, BiCGSTAB
//!   preconditioned by one (1,1) multigrid cycle, to a 1e-8 relative residual, results): what
//!   `coldtray simulate` pays;
//! - `hotspot/assemble_512`: only `assembly::assemble`, to split the above.
//!
//! Run: `cargo bench -p coldtray-benches --bench hotspot`.
use std::hint::black_box;
use std::time::{Duration, Instant};

use coldtray_benches::time_min;
use coldtray_solver::numerics::multigrid::Multigrid;
use coldtray_solver::SolveOptions;
use criterion::{criterion_group, criterion_main, Criterion, SamplingMode, Throughput};

const CELLS: usize = 512;

fn hotspot(c: &mut Criterion) {
    let design = coldtray_benches::hotspot::design(CELLS);
    let t = Instant::now();
    let sol = match design.solve(&SolveOptions::default()) {
        Ok(s) => s,
        Err(e) => panic!("hotspot: {e}"),
    };
    let r = &sol.results;
    println!(
        "hotspot {CELLS}x{CELLS}: {} unknowns, first solve {:.3} s, {} cycles to {:.1e}, max {:.2} °C, top heat {:.4} W of {:.1} W",
        r.solver.unknowns,
        t.elapsed().as_secs_f64(),
        r.solver.iterations,
        r.solver.relative_residual,
        r.max_c,
        r.boundary_heat_w.top,
        r.total_power_w
    );
    let n = r.solver.unknowns as u64;
    let cycles = r.solver.iterations;
    drop(sol);
    breakdown(&design, cycles);
    let mut group = c.benchmark_group("hotspot");
    group
        .sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(5))
        .sampling_mode(SamplingMode::Flat)
        .throughput(Throughput::Elements(n));
    group.bench_function(format!("solve_{CELLS}"), |b| {
        b.iter(|| {
            design
                .solve(&SolveOptions::default())
                .map(|s| s.results.max_c)
        })
    });
    group.bench_function(format!("assemble_{CELLS}"), |b| {
        b.iter(|| coldtray_solver::assembly::assemble(&design).map(|a| black_box(a.b.len())))
    });
    group.finish();
}

/// Where the time of one solve goes (shortest of 3 runs of each part, 2 threads).
fn breakdown(design: &coldtray_solver::model::Design, cycles: usize) {
    let mut asm = None;
    let t_asm = time_min(3, || asm = coldtray_solver::assembly::assemble(design).ok());
    let Some(asm) = asm else {
        panic!("hotspot: assembly failed")
    };
    let coldtray_solver::assembly::Assembly { op, b, .. } = asm;
    let n = op.len();
    let (mut x, mut r) = (vec![0.0; n], vec![0.0; n]);
    let fact = op.factor_columns();
    let t_sweep = time_min(3, || op.smooth(&fact, &b, &mut x));
    let t_res = time_min(3, || op.residual(Some(&b), &x, &mut r));
    let mut mg = Multigrid::new(op);
    let t_cycle = time_min(3, || mg.cycle(&b, &mut x));
    let gamma = mg.gamma;
    mg.gamma = 1;
    let t_v = time_min(3, || mg.cycle(&b, &mut x));
    // The coarsest levels alone: a cycle started on the level with at most 32 x 32 columns.
    let lc = mg
        .ops
        .iter()
        .position(|o| o.ncol() <= 32 * 32)
        .unwrap_or(mg.ops.len() - 1);
    let nl = mg.ops[lc].len();
    let (bc, mut xc) = (vec![1e-3; nl], vec![0.0; nl]);
    let t_small_sweep = time_min(5, || mg.ops[lc].smooth(mg.factors(lc), &bc, &mut xc));
    mg.gamma = gamma;
    let visits: usize = (lc..mg.ops.len()).map(|l| gamma.pow(l as u32)).sum();
    println!(
        "hotspot breakdown: assemble {:.0} ms; fine sweep {:.1} ms, fine residual {:.1} ms; one \
         cycle (gamma {}) {:.1} ms = {:.1} fine sweeps; {cycles} cycles = {:.0} ms; one V-cycle \
         {:.1} ms; levels {lc}.. (<= 32x32 columns, {} of {} levels) are visited {visits} times \
         per W-cycle, one sweep there takes {:.1} us",
        t_asm * 1e3,
        t_sweep * 1e3,
        t_res * 1e3,
        gamma,
        t_cycle * 1e3,
        t_cycle / t_sweep,
        cycles as f64 * t_cycle * 1e3,
        t_v * 1e3,
        mg.ops.len() - lc,
        mg.ops.len(),
        t_small_sweep * 1e6
    );
}

// No plots: criterion's plotters backend has no font on this machine (and plots cost time).
criterion_group! {
    name = benches;
    config = Criterion::default().without_plots();
    targets = hotspot
}
criterion_main!(benches);
