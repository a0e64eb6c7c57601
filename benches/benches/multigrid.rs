//! Multigrid convergence and cycle time on `examples/rubin-2300w.toml` at cell sizes 1.0, 0.5,
//! 0.25 and 0.125 mm.
//!
//! It first prints two diagnostics at 1.0 mm: two-grid factors level pair by level pair
//! (`two_grid_diagnostic`: which coarsening step is poor, and where its error lives) and the
//! factors with more smoothing per level (`smoothing_diagnostic`); then, at 1.0, 0.5 and
//! 0.25 mm, W(1,1) against W(2,1): asymptotic factor and BiCGSTAB solve time (`cycle_shapes`).
//!
//! For each size the bench then prints (untimed by criterion):
//! - the **stationary cycle factors** of V(1,1) (`gamma` = 1) and W(1,1) (`gamma` = 2): from
//!   x = 0, up to `NCYCLES` calls of `Multigrid::cycle` (which runs the cycle `gamma` selects),
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
//! Run: `cargo bench -p coldtray-benches --bench multigrid`.
use std::cell::RefCell;
use std::time::{Duration, Instant};

use coldtray_benches::load_example;
use coldtray_solver::numerics::coarsen::coarsen;
use coldtray_solver::numerics::krylov::{self, KrylovParams, Method};
use coldtray_solver::numerics::multigrid::Multigrid;
use coldtray_solver::numerics::operator::Operator;
use coldtray_solver::numerics::vector::norm;
use criterion::{criterion_group, criterion_main, Criterion, SamplingMode, Throughput};

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
/// BiCGSTAB on the hierarchy's finest operator preconditioned by one cycle, as the solver runs
/// it; the record whether it converged or not.
fn bicgstab(
    mg: &Multigrid,
    b: &[f64],
    x: &mut [f64],
    tolerance: f64,
    max_cycles: usize,
    progress: &dyn Fn(usize, f64),
) -> krylov::Info {
    let params = KrylovParams {
        method: Method::BiCgStab,
        tolerance,
        max_cycles,
    };
    krylov::solve(&mg.ops[0], mg, b, x, &params, progress).unwrap_or_else(|e| e.info)
}

fn stationary(mg: &mut Multigrid, gamma: usize, b: &[f64], x: &mut [f64]) -> (Vec<f64>, f64) {
    mg.gamma = gamma;
    x.iter_mut().for_each(|v| *v = 0.0);
    let mut r = vec![0.0; b.len()];
    let r0 = norm(b);
    let mut hist = vec![r0];
    let t = Instant::now();
    for _ in 0..NCYCLES {
        mg.cycle(b, x);
        mg.ops[0].residual(Some(b), x, &mut r);
        hist.push(norm(&r));
        if hist[hist.len() - 1] < 1e-13 * r0 {
            break;
        }
    }
    let per_cycle_s = t.elapsed().as_secs_f64() / (hist.len() - 1) as f64;
    (hist, per_cycle_s)
}

/// Diagnostic at 1.0 mm, the size that missed the target: does more smoothing per level fix
/// the factor (smoother-limited) or not (coarse-grid-limited)?
fn smoothing_diagnostic() {
    let (op, b) = assemble_at(1.0);
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

fn assemble_at(cell_mm: f64) -> (Operator, Vec<f64>) {
    let design = load_example("rubin-2300w", Some(cell_mm));
    match coldtray_solver::assembly::assemble(&design) {
        Ok(a) => (a.op, a.b),
        Err(e) => panic!("assemble at {cell_mm} mm: {e}"),
    }
}

/// Two-grid factors, level pair by level pair, at 1.0 mm: which coarsening step is poor?
/// For level l: (1,1) smoothing on l with the level's own smoother, the coarse problem of
/// l + 1 solved to 1e-11 (BiCGSTAB + the hierarchy below it), transfers as in `multigrid.rs`
/// (sum over aggregates; bilinear solid, constant coolant gated by the fine coolant's
/// presence). Power iteration on the error (b = 0, fixed pseudo-random start, 25 steps); the
/// last step's residual reduction is printed with the share of ‖e‖² on the coolant and on the
/// four layers holding most of it. Before aggregates followed material jumps, pair 0→1 was at
/// 0.415 (error at the fin-field walls); after, 0.170.
fn two_grid_diagnostic() {
    let (op, _) = assemble_at(1.0);
    let ops = Multigrid::new(op).ops;
    for (l, f) in ops[..ops.len() - 1].iter().enumerate() {
        let (c, iu, iv) = coarsen(f);
        let factors = f.factor_columns();
        let coarse = Multigrid::new(c.clone());
        let (n, nc, nz) = (f.len(), f.ncomp(), f.nz);
        let mut x = coldtray_solver::numerics::multigrid::start_vector(n, 7);
        let zero = vec![0.0; n];
        let mut r = vec![0.0; n];
        let mut factor = 0.0;
        for _ in 0..25 {
            f.residual(Some(&zero), &x, &mut r);
            let before = norm(&r);
            f.smooth(&factors, &zero, &mut x);
            f.residual(Some(&zero), &x, &mut r);
            let mut bc = vec![0.0; c.len()];
            for v in 0..f.nv {
                for u in 0..f.nu {
                    let cc = iv.agg[v] * c.nu + iu.agg[u];
                    for i in 0..nc {
                        bc[cc * nc + i] += r[(v * f.nu + u) * nc + i];
                    }
                }
            }
            let mut ec = vec![0.0; c.len()];
            bicgstab(&coarse, &bc, &mut ec, 1e-11, 400, &|_, _| {});
            for v in 0..f.nv {
                let (va, vb, wva) = iv.taps[v];
                for u in 0..f.nu {
                    let (ua, ub, wua) = iu.taps[u];
                    let fc = v * f.nu + u;
                    for (cc, w) in [
                        (va * c.nu + ua, wva * wua),
                        (va * c.nu + ub, wva * (1.0 - wua)),
                        (vb * c.nu + ua, (1.0 - wva) * wua),
                        (vb * c.nu + ub, (1.0 - wva) * (1.0 - wua)),
                    ] {
                        for k in 0..nz {
                            x[fc * nc + k] += w * ec[cc * nc + k];
                        }
                    }
                    let cc = iv.agg[v] * c.nu + iu.agg[u];
                    for g in 0..f.fluids.len() {
                        if f.fluid_active(g, fc) {
                            x[fc * nc + nz + g] += ec[cc * nc + nz + g];
                        }
                    }
                }
            }
            f.smooth(&factors, &zero, &mut x);
            f.residual(Some(&zero), &x, &mut r);
            let after = norm(&r);
            factor = after / before;
            let s = 1.0 / norm(&x);
            x.iter_mut().for_each(|v| *v *= s);
        }
        let mut share = vec![0.0; nc];
        for (i, xi) in x.iter().enumerate() {
            share[i % nc] += xi * xi;
        }
        let coolant: f64 = share[nz..].iter().sum();
        let mut layers: Vec<(usize, f64)> = share[..nz].iter().copied().enumerate().collect();
        layers.sort_by(|a, b| b.1.total_cmp(&a.1));
        println!(
            "1.0 mm two-grid {l}->{} ({}x{} -> {}x{}): factor {factor:.3}; ‖e‖² on coolant {:.2}, layers {}",
            l + 1,
            f.nu,
            f.nv,
            c.nu,
            c.nv,
            coolant,
            layers[..4]
                .iter()
                .map(|(k, s)| format!("k{k} {s:.2}"))
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
}

/// W(1,1), the default, against W(2,1) at 1.0, 0.5 and 0.25 mm: the asymptotic factor
/// (`Multigrid::asymptotic_factor`, 100 cycles) and the solver's BiCGSTAB solve to 1e-8 (cycles,
/// shortest wall time of 3 runs, the two shapes alternated). A heavier cycle lowers the factor
/// per cycle; what matters to a user is the time to solve.
fn cycle_shapes() {
    for cell_mm in [1.0, 0.5, 0.25] {
        let (op, b) = assemble_at(cell_mm);
        let mut mg = Multigrid::new(op);
        let shapes = [(1, 1), (2, 1)];
        let mut best = [f64::INFINITY; 2];
        let mut cycles = [0; 2];
        for _ in 0..3 {
            for (i, &(pre, post)) in shapes.iter().enumerate() {
                (mg.pre, mg.post) = (pre, post);
                let mut x = vec![0.0; b.len()];
                let t = Instant::now();
                let conv = bicgstab(&mg, &b, &mut x, 1e-8, 200, &|_, _| {});
                best[i] = best[i].min(t.elapsed().as_secs_f64());
                cycles[i] = conv.cycles;
            }
        }
        for (i, &(pre, post)) in shapes.iter().enumerate() {
            (mg.pre, mg.post) = (pre, post);
            println!(
                "{cell_mm} mm: W({pre},{post}) asymptotic factor {:.3}; BiCGSTAB {} cycles, {:.1} ms",
                mg.asymptotic_factor(100),
                cycles[i],
                best[i] * 1e3
            );
        }
    }
}

fn multigrid(c: &mut Criterion) {
    two_grid_diagnostic();
    smoothing_diagnostic();
    cycle_shapes();
    let mut rows = Vec::new();
    let mut group = c.benchmark_group("rubin-2300w");
    group
        .sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(4))
        .sampling_mode(SamplingMode::Flat);
    for cell_mm in CELLS_MM {
        let design = load_example("rubin-2300w", Some(cell_mm));
        let asm = match coldtray_solver::assembly::assemble(&design) {
            Ok(a) => a,
            Err(e) => panic!("assemble at {cell_mm} mm: {e}"),
        };
        let coldtray_solver::assembly::Assembly { op, b, .. } = asm;
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
        let conv = bicgstab(&mg, &b, &mut xb, 1e-8, 200, &progress);
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
                bch.iter(|| mg.cycle(&b, &mut x))
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
