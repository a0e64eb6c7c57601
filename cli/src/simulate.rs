//! `coldtray simulate`: solve a design to steady state (or run its `[transient]` section),
//! write `results.json`, thermal maps, the ParaView export (and `probes.csv` for a transient
//! run), and print a summary a person reads at a glance.

use crate::output::{out, outln};
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use coldtray_solver::results::{probes_csv, BlockResult, Results, SolverStats, TransientResult};
use coldtray_solver::{Design, Progress, ProgressFn, Solution, SolveOptions};

/// Arguments of `coldtray simulate`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// Design file (design.toml).
    pub design: PathBuf,
    /// Output directory (created if missing): results.json, one PNG per layer, field.vtr.
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// In-plane cell size in mm (overrides the design's domain.cell_mm).
    #[arg(long, value_name = "MM")]
    pub cell_mm: Option<f64>,
    /// Solver threads [default: all cores].
    #[arg(long, value_name = "N")]
    pub threads: Option<usize>,
    /// Skip the PNG maps (field.vtr for ParaView and the saved field are still written).
    #[arg(long)]
    pub no_png: bool,
    /// Stop at this relative residual.
    #[arg(long, default_value_t = 1e-8, value_name = "T")]
    pub tolerance: f64,
    /// Solve a design that has a transient section to steady state instead (design powers).
    #[arg(long)]
    pub steady: bool,
    /// Also solve with every layer's z cells merged in pairs and report the Richardson
    /// estimate of the z-grid error in the hottest temperature (solver.grid_error_estimate_c).
    #[arg(long)]
    pub check_grid: bool,
}

pub(crate) fn run(args: Args) -> anyhow::Result<ExitCode> {
    // ConfigError already names the file, the field and what would be valid.
    let mut design = Design::load(&args.design)?;
    if let Some(cell_mm) = args.cell_mm {
        design = design.with_cell_mm(cell_mm)?;
    }
    if args.steady {
        design.transient = None;
    }
    let transient = design.transient.is_some();
    let solved = if transient {
        run_transient(&design, &args)
    } else {
        run_steady(&design, &args)
    };
    let Solution { results, field } =
        solved.with_context(|| format!("solving {}", args.design.display()))?;
    std::fs::create_dir_all(&args.out)
        .with_context(|| format!("creating output directory {}", args.out.display()))?;
    let json_path = args.out.join("results.json");
    write_atomic(&json_path, &serde_json::to_vec_pretty(&results)?)?;
    let mut written = vec![json_path];
    if let Some(tr) = &results.transient {
        let csv = args.out.join("probes.csv");
        write_atomic(&csv, probes_csv(tr).as_bytes())?;
        written.push(csv);
    }
    if args.no_png {
        written.extend(coldtray_maps::write_field(&field, &args.out)?);
    } else {
        let maps = coldtray_maps::write_pngs(&field, &args.out)
            .with_context(|| format!("writing maps to {}", args.out.display()))?;
        written.extend(maps);
    }
    out!("{}", summary(&results));
    let names: Vec<String> = written
        .iter()
        .filter_map(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
        .collect();
    outln!(
        "  wrote          {} in {}",
        names.join(", "),
        args.out.display()
    );
    if let Some(message) = runaway_message(&results) {
        eprintln!("{message}");
        return Ok(ExitCode::from(1));
    }
    Ok(ExitCode::SUCCESS)
}

/// The one-line message of a thermal runaway (exit code 1), or `None`.
fn runaway_message(r: &Results) -> Option<String> {
    let lk = r.leakage.as_ref().filter(|l| l.runaway)?;
    let name = lk.runaway_block.as_deref().unwrap_or("?");
    let b = r.blocks.iter().find(|b| b.name == name)?;
    Some(format!(
        "thermal runaway: block `{name}` has no steady state with its leakage power; it diverged past {:.1} W (mean {:.1} °C, last stable iterate, written to results.json)",
        b.heat_w(),
        b.mean_c
    ))
}

/// A block's ΔT budget on one line, from the reference up to the hottest cell (the order a
/// hand budget is written in).
fn budget_line(b: &BlockResult) -> Option<String> {
    let bg = b.budget.as_ref()?;
    let reference = bg
        .reference
        .strip_prefix("coolant ")
        .unwrap_or(&bg.reference);
    let mut s = format!(
        "  ΔT budget      {:<16} {reference} {:.1} °C",
        b.name, bg.reference_c
    );
    for t in bg.terms.iter().rev() {
        s += &format!(" + {} {:.1}", t.name, t.drop_k);
    }
    s += &format!(" = {:.1} °C\n", bg.hotspot_c);
    Some(s)
}

fn run_steady(design: &Design, args: &Args) -> anyhow::Result<Solution> {
    let bar = std::io::stdout().is_terminal().then(|| {
        let pb = indicatif::ProgressBar::new_spinner();
        pb.set_message(format!("solving {}", design.name));
        pb.enable_steady_tick(std::time::Duration::from_millis(120));
        pb
    });
    let progress: Option<ProgressFn> = bar.clone().map(|pb| {
        Box::new(move |event: Progress| {
            if let Progress::Cycle { cycles, residual } = event {
                pb.set_message(format!(
                    "multigrid cycle {cycles}: relative residual {residual:.2e}"
                ));
            }
        }) as ProgressFn
    });
    let opts = SolveOptions {
        tolerance: args.tolerance,
        threads: args.threads,
        progress,
        check_grid: args.check_grid,
        ..Default::default()
    };
    let solved = design.solve(&opts);
    if let Some(pb) = &bar {
        pb.finish_and_clear();
    }
    Ok(solved?)
}

fn run_transient(design: &Design, args: &Args) -> anyhow::Result<Solution> {
    let steps = design
        .transient
        .as_ref()
        .map_or(0, |t| t.step_sizes().len());
    let bar = std::io::stdout().is_terminal().then(|| {
        let pb = indicatif::ProgressBar::new(steps as u64);
        if let Ok(style) = indicatif::ProgressStyle::with_template(
            "{msg} [{bar:30}] step {pos}/{len}, {elapsed} (eta {eta})",
        ) {
            pb.set_style(style.progress_chars("=> "));
        }
        pb.set_message(format!("{}: t = 0 s", design.name));
        pb
    });
    let progress: Option<ProgressFn> = bar.clone().map(|pb| {
        let name = design.name.clone();
        Box::new(move |event: Progress| {
            if let Progress::Step { step, time_s, .. } = event {
                pb.set_position(step as u64);
                pb.set_message(format!("{name}: t = {time_s:.3} s"));
            }
        }) as ProgressFn
    });
    let opts = SolveOptions {
        tolerance: args.tolerance,
        threads: args.threads,
        progress,
        check_grid: args.check_grid,
        ..Default::default()
    };
    let solved = design.solve(&opts);
    if let Some(pb) = &bar {
        pb.finish_and_clear();
    }
    Ok(solved?)
}

/// Write an output file atomically (results can be made again, so no fsync).
fn write_atomic(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    coldtray_io::write_atomic(path, bytes, coldtray_io::Durability::Atomic)
        .with_context(|| format!("writing {}", path.display()))
}

fn block_line(label: &str, b: &BlockResult) -> String {
    let limit = match (b.limit_c, b.margin_c) {
        (Some(l), Some(m)) if m < 0.0 => format!("  limit {l:.1} °C  OVER by {:.1} K", -m),
        (Some(l), Some(m)) => format!("  limit {l:.1} °C  margin {m:.1} K"),
        _ => String::new(),
    };
    format!(
        "  {label:<14} {:<16} {:>6.1} °C (mean {:.1}){limit}\n",
        b.name, b.max_c, b.mean_c
    )
}

/// The human summary printed after a solve.
pub(crate) fn summary(r: &Results) -> String {
    let mut s = format!("{} — {:.0} W\n", r.design, r.total_power_w);
    if let Some(b) = r.hottest_die() {
        s += &block_line("hottest die", b);
    }
    if let Some(b) = r.hottest_hbm() {
        s += &block_line("hottest HBM", b);
    }
    for b in [r.hottest_die(), r.hottest_hbm()].into_iter().flatten() {
        s += &budget_line(b).unwrap_or_default();
    }
    if let Some(lk) = &r.leakage {
        let leak_w: f64 = r.blocks.iter().filter_map(|b| b.leakage_w).sum();
        s += &if lk.runaway {
            format!(
                "  leakage        RUNAWAY in {} after {} iterations (figures: last stable iterate, {leak_w:.1} W of leakage)\n",
                lk.runaway_block.as_deref().unwrap_or("?"),
                lk.iterations
            )
        } else {
            format!(
                "  leakage        {leak_w:.1} W at the fixed point ({} iterations, power change {:.1e})\n",
                lk.iterations, lk.power_change
            )
        };
    }
    for b in r
        .blocks
        .iter()
        .filter(|b| b.margin_c.is_some_and(|m| m < 0.0))
    {
        s += &format!(
            "  WARNING: {} exceeds its limit by {:.1} K\n",
            b.name,
            -b.margin_c.unwrap_or(0.0)
        );
    }
    match &r.coolant {
        Some(c) => {
            s += &format!(
                "  coolant        {:.1} → {:.1} °C (rise {:.1} K) at {:.2} L/min, Δp {:.1} kPa, took {:.0} W\n",
                c.inlet_c,
                c.outlet_c,
                c.outlet_c - c.inlet_c,
                c.flow_lpm,
                c.pressure_drop_kpa,
                c.heat_absorbed_w
            );
        }
        None => s += "  coolant        none (heat leaves through the boundaries)\n",
    }
    if let Some(rth) = r.thermal_resistance_c_per_w {
        let reference = match &r.coolant {
            Some(c) => format!("inlet {:.1} °C", c.inlet_c),
            None => "lowest ambient".to_string(),
        };
        s += &format!(
            "  R_th           {rth:.4} K/W ((hottest {:.1} °C − {reference}) / power)\n",
            r.max_c
        );
    }
    let bh = &r.boundary_heat_w;
    if bh.top.abs() + bh.bottom.abs() + bh.sides.abs() > 0.0 {
        s += &format!(
            "  boundaries     top {:.1} W, bottom {:.1} W, sides {:.1} W\n",
            bh.top, bh.bottom, bh.sides
        );
    }
    match (r.energy_balance_error, &r.transient) {
        (Some(e), None) => {
            s += &format!("  energy balance {e:.1e} (|power in − heat out| / power in)\n")
        }
        (Some(e), Some(_)) => {
            s += &format!(
            "  energy balance {e:.1e} (|∫P dt − ΔE stored − ∫heat out dt| / ∫P dt over the run)\n"
        )
        }
        _ => {}
    }
    let v = &r.solver;
    if let Some(e) = v.grid_error_estimate_c {
        s += &format!(
            "  grid (z)       hottest {:.1} °C, estimated z-grid error {e:+.2} K (Richardson, z cells merged in pairs)\n",
            r.max_c
        );
    }
    match &r.transient {
        None => {
            s += &format!(
            "  solver         {} cycles to residual {:.1e}, {:.2} s on {} threads, {} unknowns\n",
            v.iterations, v.relative_residual, v.wall_s, v.threads, v.unknowns
        )
        }
        Some(tr) => s += &transient_lines(tr, v),
    }
    s
}

/// The transient part of the summary: the run, then each probe's peak and when it occurred.
fn transient_lines(tr: &TransientResult, v: &SolverStats) -> String {
    let steps = tr.times_s.len();
    let end = tr.times_s.last().copied().unwrap_or(0.0);
    let mut s = format!(
        "  transient      {steps} backward-Euler steps to t = {end} s (figures above: the final step)\n"
    );
    for p in &tr.probes {
        if let Some((peak, at)) = p.peak(&tr.times_s) {
            let last = p.max_c.last().copied().unwrap_or(peak);
            s += &format!(
                "  peak           {:<16} {peak:>6.1} °C at t = {at} s (final {last:.1} °C)\n",
                p.name
            );
        }
    }
    s += &format!(
        "  solver         {} cycles in {steps} steps (≤ residual {:.1e} each), {:.2} s on {} threads, {} unknowns\n",
        v.iterations, v.relative_residual, v.wall_s, v.threads, v.unknowns
    );
    s
}
