//! The solver's inner kernels against a plain scalar reference and against memcpy.
//!
//! Subjects, each on a synthetic layered operator of 256² × 16 (1 M), 512² × 16 (4 M) and
//! 1024² × 16 (16 M) unknowns (`coldtray_benches::synthetic_operator`):
//! - `sweep_solver_{1,2}t`: `Operator::smooth`, one red-black z-line Gauss–Seidel sweep;
//! - `sweep_ref_1t`: the same sweep as a scalar triple loop (`coldtray_benches::reference::sweep`);
//! - `sweep_ref_factored_1t`: that loop with each column's LU factors computed once per
//!   operator instead of in every sweep (`reference::sweep_factored`; 64 B per unknown);
//! - `sweep_ref_factored_x4_1t`: that, relaxing one column of each of 4 same-colour lines at a
//!   time so four Thomas recurrences overlap (`reference::sweep_factored_x4`);
//! - `residual_solver_{1,2}t`: `Operator::residual`, out = b − A x;
//! - `residual_ref_{1,2}t`: the same as a scalar triple loop;
//! - `memcpy_{1,2}t`: `copy_from_slice` of 28 B per unknown, i.e. 56 B of traffic (read +
//!   write) per unknown: the same traffic as the kernels' nominal count.
//!
//! Bytes per unknown (nominal, what every ratio uses): the 4 coefficient arrays (gu, gv, gz,
//! gb), x, b and out, 7 × 8 B = 56 B (the sweep updates x in place: x read, x written). The
//! solver's sweep reads the inverse pivots of its precomputed column factors
//! (`Operator::factor_columns`, built once per operator outside the timing) instead of
//! factoring in every sweep; they replace gb, so it moves exactly the nominal 56 B.
//!
//! 1t / 2t = a rayon pool of 1 / 2 threads. After criterion's runs the bench prints a table of
//! its own (shortest of 5 runs of each kernel, same process) with the bandwidth of each kernel
//! and its ratio to the memcpy of the same thread count.
//!
//! Run: `cargo bench -p coldtray-benches --bench kernel`.
use std::hint::black_box;
use std::time::Duration;

use coldtray_benches::KERNEL_BYTES_PER_UNKNOWN as BPU;
use coldtray_benches::{
    pool, reference, synthetic_operator, synthetic_rhs, synthetic_state, time_min,
};
use criterion::{criterion_group, criterion_main, Criterion, SamplingMode, Throughput};
use rayon::prelude::*;
use rayon::ThreadPool;

const SIZES: [(usize, usize, usize, &str); 3] = [
    (256, 256, 16, "1M"),
    (512, 512, 16, "4M"),
    (1024, 1024, 16, "16M"),
];

/// State of one size.
struct Case {
    op: coldtray_solver::numerics::operator::Operator,
    b: Vec<f64>,
    x: Vec<f64>,
    out: Vec<f64>,
    sfact: coldtray_solver::numerics::smoother::ColumnFactors,
    src: Vec<f64>,
    dst: Vec<f64>,
    fact: reference::Factored,
}

impl Case {
    fn new(nu: usize, nv: usize, nz: usize) -> Case {
        let op = synthetic_operator(nu, nv, nz);
        let n = op.len();
        // memcpy of BPU/2 bytes per unknown (f64s) = BPU bytes of traffic.
        let m = n * BPU / 16;
        Case {
            b: synthetic_rhs(&op),
            x: synthetic_state(n),
            out: vec![0.0; n],
            sfact: op.factor_columns(),
            src: synthetic_state(m),
            dst: vec![0.0; m],
            fact: reference::factor(&op),
            op,
        }
    }

    /// Runs kernel `name` once.
    fn run(&mut self, name: &str) {
        let Case {
            op,
            b,
            x,
            out,
            sfact,
            src,
            dst,
            fact,
        } = self;
        match name {
            "sweep_ref" => reference::sweep(op, b, x),
            "sweep_ref_factored" => reference::sweep_factored(op, fact, b, x),
            "sweep_ref_factored_x4" => reference::sweep_factored_x4(op, fact, b, x),
            "sweep_solver" => op.smooth(sfact, b, x),
            "residual_ref" => reference::residual_par(op, b, x, out),
            "residual_solver" => op.residual(Some(b), x, out),
            "memcpy" => {
                if rayon::current_num_threads() == 1 {
                    dst.copy_from_slice(src);
                } else {
                    const CH: usize = 1 << 16;
                    dst.par_chunks_mut(CH)
                        .zip(src.par_chunks(CH))
                        .for_each(|(d, s)| d.copy_from_slice(s));
                }
            }
            _ => unreachable!("unknown kernel {name}"),
        }
        black_box(&x[0]);
        black_box(&out[0]);
        black_box(&dst[0]);
    }
}

/// (kernel, threads): the reference sweep is sequential only (see `reference::sweep`).
const RUNS: [(&str, usize); 11] = [
    ("sweep_ref", 1),
    ("sweep_ref_factored", 1),
    ("sweep_ref_factored_x4", 1),
    ("sweep_solver", 1),
    ("sweep_solver", 2),
    ("residual_ref", 1),
    ("residual_ref", 2),
    ("residual_solver", 1),
    ("residual_solver", 2),
    ("memcpy", 1),
    ("memcpy", 2),
];

/// Nominal bytes per unknown of each kernel (the prefactored sweep reads cp and inv instead
/// of gb: 8 arrays).
fn bytes_per_unknown(name: &str) -> usize {
    if name.starts_with("sweep_ref_factored") {
        BPU + 8
    } else {
        BPU
    }
}

fn in_pool(pools: &[ThreadPool; 2], threads: usize, f: impl FnOnce() + Send) {
    pools[threads - 1].install(f)
}

fn kernel(c: &mut Criterion) {
    let pools = [pool(1), pool(2)];
    let mut table = Vec::new();
    for (nu, nv, nz, label) in SIZES {
        let mut case = Case::new(nu, nv, nz);
        let n = case.op.len() as u64;
        let mut group = c.benchmark_group(format!("kernel/{label}"));
        group
            .sample_size(10)
            .warm_up_time(Duration::from_secs(1))
            .measurement_time(Duration::from_secs(3));
        if n > 2_000_000 {
            group.sampling_mode(SamplingMode::Flat);
        }
        for (name, threads) in RUNS {
            let tp = if name == "memcpy" {
                Throughput::Bytes(n * BPU as u64)
            } else {
                Throughput::Elements(n)
            };
            group.throughput(tp);
            group.bench_function(format!("{name}_{threads}t"), |bch| {
                in_pool(&pools, threads, || bch.iter(|| case.run(name)))
            });
        }
        group.finish();
        // Same-run ratio table: shortest of 5.
        let mut times = Vec::new();
        for (name, threads) in RUNS {
            let mut t = 0.0;
            in_pool(&pools, threads, || t = time_min(5, || case.run(name)));
            times.push((name, threads, t));
        }
        table.push((label, n, times));
    }
    println!("\nkernel table: nominal {BPU} B/unknown; ratio = kernel bandwidth / memcpy bandwidth, same threads");
    println!(
        "{:>5} {:>18} {:>10} {:>12} {:>9} {:>8}",
        "size", "kernel", "ms", "Munknown/s", "GB/s", "ratio"
    );
    for (label, n, times) in &table {
        let memcpy = |th: usize| {
            times
                .iter()
                .find(|r| r.0 == "memcpy" && r.1 == th)
                .map_or(f64::NAN, |r| r.2)
        };
        for &(name, threads, t) in times {
            let gbs = *n as f64 * bytes_per_unknown(name) as f64 / t / 1e9;
            println!(
                "{label:>5} {:>18} {:>10.2} {:>12.1} {:>9.2} {:>8.2}",
                format!("{name}_{threads}t"),
                t * 1e3,
                *n as f64 / t / 1e6,
                gbs,
                gbs / (*n as f64 * BPU as f64 / memcpy(threads) / 1e9)
            );
        }
    }
}

// No plots: criterion's plotters backend has no font on this machine (and plots cost time).
criterion_group! {
    name = benches;
    config = Criterion::default().without_plots();
    targets = kernel
}
criterion_main!(benches);
