//! What coupling the loop network costs on `tray-vr200` (six channel fields, ≈1.5 M cells).
//!
//! Each round of the steady solve's property fixed point builds the coolant state
//! (`assembly::coolant::analyse_on`: the fields' laws at their cells' properties, the network's
//! Newton solve, the series inlets), then assembles and solves the thermal system. The bench
//! times, on the coolant temperatures of a solved round:
//!
//! - `coolant_state`: `analyse_on` (everything the network adds to a round, plus the
//!   per-cell coefficients the round needed before the network existed);
//! - `system_curve`: the results' 20-point system curve (once per solve);
//! - `assemble_round`: a whole assembly at those temperatures (which contains
//!   `coolant_state`),
//!
//! and prints them as fractions of one whole steady solve (`Design::solve`), timed once.
//!
//! Run: `cargo bench -p coldtray-benches --bench network`.
use std::time::{Duration, Instant};

use coldtray_benches::{load_example, time_min};
use coldtray_solver::assembly::{self, coolant, ZGrid};
use coldtray_solver::run::steady::solve_assembly;
use coldtray_solver::SolveOptions;
use criterion::{criterion_group, criterion_main, Criterion};

fn network(c: &mut Criterion) {
    let design = load_example("tray-vr200", None);
    let opts = SolveOptions::default();
    let t = Instant::now();
    let solved = match design.solve(&opts) {
        Ok(s) => s,
        Err(e) => panic!("{e}"),
    };
    let solve_s = t.elapsed().as_secs_f64();
    let mut asm = match assembly::assemble_at(&design, ZGrid::Design, None) {
        Ok(a) => a,
        Err(e) => panic!("{e}"),
    };
    let (theta, _) = solve_assembly(&mut asm, &opts);
    let temps = asm.coolant_temperatures_c(&theta);
    let grid = asm.grid.clone();
    let state = || match coolant::analyse_on(&design, &grid, Some(&temps)) {
        Ok(Some(s)) => s,
        other => panic!("no coolant state: {other:?}"),
    };
    let s = state();
    let state_s = time_min(5, || {
        std::hint::black_box(state());
    });
    let curve_s = time_min(3, || {
        std::hint::black_box(coolant::system_curve(&design, &grid, Some(&temps), &s));
    });
    let round_s = time_min(3, || {
        std::hint::black_box(assembly::assemble_at(&design, ZGrid::Design, Some(&temps)).ok());
    });
    let rounds = solved.results.solver.property_iterations.unwrap_or(1);
    println!(
        "tray-vr200: whole solve {solve_s:.2} s ({rounds} property rounds, {} Newton iterations); \
         coolant state with the network {:.1} ms per round ({:.1} % of the solve over all \
         rounds); system curve {:.1} ms ({:.1} %); one assembly {:.0} ms",
        solved.results.solver.newton_iterations.unwrap_or(0),
        state_s * 1e3,
        100.0 * state_s * rounds as f64 / solve_s,
        curve_s * 1e3,
        100.0 * curve_s / solve_s,
        round_s * 1e3
    );
    let mut group = c.benchmark_group("network");
    group
        .sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(5));
    group.bench_function("coolant_state", |b| b.iter(state));
    group.bench_function("system_curve", |b| {
        b.iter(|| coolant::system_curve(&design, &grid, Some(&temps), &s))
    });
    group.finish();
}

criterion_group!(benches, network);
criterion_main!(benches);
