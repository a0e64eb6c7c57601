//! `coldtray simulate`: solve a design to steady state (or run its `[transient]` section),
//! write `results.json` (with the `input` it came from), the resolved `design.toml`, thermal
//! maps, the ParaView export (and `probes.csv` + `probes.png` for a transient run), and print
//! a summary a person reads at a glance.
//!
//! The output directory is replaced as a whole ([`crate::outdir`]): no file of an earlier run
//! survives, and a failed run leaves the earlier result untouched.

use crate::output::{out, outln};
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use coldtray_io::config;
use coldtray_solver::design::{self, Override};
use coldtray_solver::results::{probes_csv, BlockResult, Results, SolverStats, TransientResult};
use coldtray_solver::{Design, Progress, ProgressFn, Solution, SolveOptions};
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::outdir::Staging;

/// The resolved design written into the result directory (re-run it to get the same results).
const DESIGN_TOML: &str = "design.toml";
/// The power trace copied next to [`DESIGN_TOML`] so the result directory is self-contained.
const TRACE_CSV: &str = "power_trace.csv";

/// Arguments of `coldtray simulate`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// Design file (design.toml).
    pub design: PathBuf,
    /// Output directory, replaced as a whole: results.json, design.toml, one PNG per layer,
    /// field.vtr. An existing DIR must be a coldtray result (holds results.json) or empty.
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// Override a design field before validation, e.g. `--set coolant.flow_lpm=2.5` or
    /// `--set blocks.gpu_die_0.power_w=1100` (repeatable; arrays of tables by element name;
    /// see docs/formats/design.md).
    #[arg(long = "set", value_name = "PATH=VALUE")]
    pub set: Vec<Override>,
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
    /// Exit 1 when any block's hottest cell is above its `limit_c` (the results are still
    /// written); without it an exceeded limit is a warning and the exit code is 0.
    #[arg(long)]
    pub fail_on_limit: bool,
}

pub(crate) fn run(args: Args) -> anyhow::Result<ExitCode> {
    // ConfigError already names the file, the field (`--set PATH` for an override) and what
    // would be valid; everything is checked before the solve and before DIR is touched.
    let text = config::read_text(&args.design, &design::FORMAT)?;
    let prepared = prepare(&text, &args)?;
    let Solved { results, written } =
        solve_into(&text, &prepared, &args, std::io::stdout().is_terminal())?;
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
    if args.fail_on_limit {
        if let Some(message) = over_limit_message(&results) {
            eprintln!("{message}");
            return Ok(ExitCode::from(1));
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// A design read, overridden and validated, with the resolved text to write beside its
/// results: everything [`solve_into`] needs, checked before any solve and before the output
/// directory is touched.
pub(crate) struct Prepared {
    design: Design,
    resolved: Resolved,
}

impl Prepared {
    /// The validated design that will be solved.
    pub(crate) fn design(&self) -> &Design {
        &self.design
    }
}

/// Validates `text` (the file `args.design`) with `args`' overrides, cell size and
/// `--steady`; writes nothing.
pub(crate) fn prepare(text: &str, args: &Args) -> anyhow::Result<Prepared> {
    let mut design = Design::from_toml_str_with(text, &args.design, &args.set)?;
    if let Some(cell_mm) = args.cell_mm {
        design = design.with_cell_mm(cell_mm)?;
    }
    if args.steady {
        design.transient = None;
    }
    let resolved = resolved_design(text, &design, args)?;
    Ok(Prepared { design, resolved })
}

/// What [`solve_into`] produced.
pub(crate) struct Solved {
    /// The solver's figures (also in `results.json`).
    pub results: Results,
    /// The files written into the output directory.
    pub written: Vec<PathBuf>,
}

/// Solves a [`Prepared`] design and writes its whole result directory `args.out`
/// (results.json with its `input`, design.toml, maps or field files) through
/// [`Staging`]: on an error the earlier directory is untouched. `progress` shows a spinner
/// or bar on the terminal while solving.
pub(crate) fn solve_into(
    text: &str,
    prepared: &Prepared,
    args: &Args,
    progress: bool,
) -> anyhow::Result<Solved> {
    let Prepared { design, resolved } = prepared;
    let staging = Staging::prepare(&args.out)?;
    let dir = staging.path().to_path_buf();

    let transient = design.transient.is_some();
    let solved = if transient {
        run_transient(design, args, progress)
    } else {
        run_steady(design, args, progress)
    };
    let Solution { results, field } =
        solved.with_context(|| format!("solving {}", args.design.display()))?;

    let input = Input::new(text, args, resolved.trace.as_deref());
    let json = serde_json::to_vec_pretty(&ResultsFile {
        input,
        results: &results,
    })?;
    let mut written = vec![dir.join("results.json")];
    write_atomic(&written[0], &json)?;
    let design_path = dir.join(DESIGN_TOML);
    write_atomic(&design_path, resolved.text.as_bytes())?;
    written.push(design_path);
    if let Some(trace) = &resolved.trace {
        let path = dir.join(TRACE_CSV);
        write_atomic(&path, trace)?;
        written.push(path);
    }
    if let Some(tr) = &results.transient {
        let csv = dir.join("probes.csv");
        write_atomic(&csv, probes_csv(tr).as_bytes())?;
        written.push(csv);
        if !args.no_png {
            let png = dir.join("probes.png");
            coldtray_maps::render_probes(
                &results,
                coldtray_maps::MapOptions::default().width_px,
                &png,
            )
            .with_context(|| format!("writing {}", png.display()))?;
            written.push(png);
        }
    }
    if let (Some(h), Some(c)) = (&results.hydraulics, &design.coolant) {
        written.extend(write_hydraulics(
            h,
            design,
            &c.fluid.name,
            &dir,
            args.no_png,
        )?);
    }
    if args.no_png {
        written.extend(coldtray_maps::write_field(&field, &dir)?);
    } else {
        let maps = coldtray_maps::write_pngs(&field, &dir)
            .with_context(|| format!("writing maps to {}", args.out.display()))?;
        written.extend(maps);
    }
    staging.commit()?;
    Ok(Solved { results, written })
}

/// The loop's outputs beside results.json: `flow-test.toml` (suggested L10 flow-test steps
/// from the system curve) and, unless `no_png`, `hydraulics.png` (system and pump curves with
/// the operating point, flow per field). A transient run has no system curve: nothing.
fn write_hydraulics(
    h: &coldtray_solver::results::HydraulicsResult,
    design: &Design,
    fluid: &str,
    dir: &Path,
    no_png: bool,
) -> anyhow::Result<Vec<PathBuf>> {
    let curve: Vec<(f64, f64)> = h.system_curve.iter().map(|&[q, dp]| (q, dp)).collect();
    if curve.len() < 2 {
        return Ok(Vec::new());
    }
    let mut written = Vec::new();
    let path = dir.join(FLOW_TEST_TOML);
    let text = crate::flow_test::flow_test_toml(&curve, h.flow_lpm, fluid, &design.name)
        .with_context(|| format!("writing {}", path.display()))?;
    write_atomic(&path, text.as_bytes())?;
    written.push(path);
    if !no_png {
        let pump: Option<Vec<(f64, f64)>> = h
            .pump_curve
            .as_ref()
            .map(|p| p.iter().map(|&[q, hd]| (q, hd)).collect());
        let fields: Vec<(String, f64)> = h
            .fields
            .iter()
            .map(|f| (f.name.clone(), f.flow_lpm))
            .collect();
        let balance: Vec<(String, f64)> = h
            .balance
            .iter()
            .map(|b| (b.field.clone(), b.diameter_mm))
            .collect();
        let path = dir.join("hydraulics.png");
        coldtray_maps::render::hydraulics_png(
            &path,
            &coldtray_maps::render::HydraulicsPlot {
                title: &design.name,
                system_curve: &curve,
                pump_curve: pump.as_deref(),
                operating_point: (h.flow_lpm, h.dp_kpa),
                field_flows: &fields,
                balance_mm: &balance,
            },
        )
        .with_context(|| format!("writing {}", path.display()))?;
        written.push(path);
    }
    Ok(written)
}

/// The suggested L10 flow-test steps `simulate` writes next to results.json.
pub(crate) const FLOW_TEST_TOML: &str = "flow-test.toml";

/// The one-line message of `--fail-on-limit` (exit code 1) naming every block over its limit,
/// or `None` when all are within.
fn over_limit_message(r: &Results) -> Option<String> {
    let over = r.blocks_over_limit();
    if over.is_empty() {
        return None;
    }
    let list: Vec<String> = over
        .iter()
        .map(|b| {
            format!(
                "`{}` {:.1} °C > {} °C",
                b.name,
                b.max_c,
                b.limit_c.unwrap_or(f64::NAN)
            )
        })
        .collect();
    Some(format!(
        "over limit (--fail-on-limit): {} block(s) above limit_c: {}",
        over.len(),
        list.join(", ")
    ))
}

/// The one-line message of a thermal runaway (exit code 1), or `None`.
pub(crate) fn runaway_message(r: &Results) -> Option<String> {
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

/// `results.json`: the `input` that produced it, then the solver's [`Results`].
#[derive(Serialize)]
struct ResultsFile<'a> {
    input: Input,
    #[serde(flatten)]
    results: &'a Results,
}

/// Provenance: what produced a `results.json` (documented in docs/formats/results.md).
#[derive(Serialize)]
struct Input {
    /// The design file as given on the command line.
    design: String,
    /// SHA-256 of the design file's bytes, lower-case hex.
    design_sha256: String,
    /// SHA-256 of the power-trace CSV (copied as `power_trace.csv`), for a transient run
    /// that has one.
    power_trace_sha256: Option<String>,
    /// The `--set` overrides in order, `PATH=VALUE` as given.
    overrides: Vec<String>,
    /// The coldtray version that solved it.
    coldtray_version: &'static str,
    /// The exact command line, one element per argument.
    command: Vec<String>,
    /// The working directory the command ran in (relative paths in `command` start there).
    working_dir: String,
}

impl Input {
    fn new(text: &str, args: &Args, trace: Option<&[u8]>) -> Input {
        Input {
            design: args.design.display().to_string(),
            design_sha256: sha256_hex(text.as_bytes()),
            power_trace_sha256: trace.map(sha256_hex),
            overrides: args.set.iter().map(ToString::to_string).collect(),
            coldtray_version: env!("CARGO_PKG_VERSION"),
            command: std::env::args_os()
                .map(|a| a.to_string_lossy().into_owned())
                .collect(),
            working_dir: std::env::current_dir()
                .map(|d| d.display().to_string())
                .unwrap_or_default(),
        }
    }
}

/// Lower-case hex SHA-256 of `bytes`.
fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The design as solved, ready to be written as `DIR/design.toml`.
struct Resolved {
    /// The TOML text: the input verbatim when nothing changed it, else the overridden table.
    text: String,
    /// The power trace's bytes, to be written as `DIR/power_trace.csv`.
    trace: Option<Vec<u8>>,
}

/// The design text that reproduces this run with no flags: the overrides applied,
/// `--cell-mm` written into `domain.cell_mm`, `[transient]` dropped for `--steady`, and the
/// power trace pointed at its copy next to the file.
///
/// The trace is copied rather than pointed at by an absolute path so that the result
/// directory is self-contained (it can be moved or archived and still re-run) and records the
/// trace as it was solved, even if the original CSV is edited later.
fn resolved_design(text: &str, design: &Design, args: &Args) -> anyhow::Result<Resolved> {
    let trace_file = design
        .transient
        .as_ref()
        .and_then(|t| t.trace.as_ref())
        .map(|t| t.file.clone());
    let trace = match &trace_file {
        Some(f) => Some(std::fs::read(f).with_context(|| format!("reading {}", f.display()))?),
        None => None,
    };
    // A design that places other files (`[[instances]] file = …`) is copied with their
    // contents inlined, so the result directory's design.toml re-runs on its own.
    let file_instances = toml::from_str::<toml::Table>(text).is_ok_and(|t| {
        t.get("instances")
            .and_then(|v| v.as_array())
            .is_some_and(|a| a.iter().any(|i| i.get("file").is_some()))
    });
    if args.set.is_empty()
        && args.cell_mm.is_none()
        && !args.steady
        && trace.is_none()
        && !file_instances
    {
        return Ok(Resolved {
            text: text.to_string(),
            trace,
        });
    }
    let mut table = design::apply_overrides_table(text, &args.design, &args.set)?;
    if let Some(cell_mm) = args.cell_mm {
        if let Some(domain) = table.get_mut("domain").and_then(|d| d.as_table_mut()) {
            domain.insert("cell_mm".into(), cell_mm.into());
        }
    }
    if args.steady {
        table.remove("transient");
    }
    if trace.is_some() {
        if let Some(t) = table.get_mut("transient").and_then(|t| t.as_table_mut()) {
            t.insert("power_trace".into(), TRACE_CSV.into());
        }
    }
    if file_instances {
        design::inline_instance_files(&mut table, &args.design)?;
    }
    let body = design::to_toml(&table, &args.design)?;
    let mut changes: Vec<String> = args.set.iter().map(|o| format!("--set {o}")).collect();
    if file_instances {
        changes.push("placed design files inlined as [[packages]]".into());
    }
    if let Some(c) = args.cell_mm {
        changes.push(format!("--cell-mm {c}"));
    }
    if args.steady {
        changes.push("--steady".into());
    }
    if trace.is_some() {
        changes.push(format!("power trace copied to {TRACE_CSV}"));
    }
    Ok(Resolved {
        text: format!(
            "# The design coldtray simulate solved: {} with {}.\n\n{body}",
            args.design.display(),
            changes.join(", ")
        ),
        trace,
    })
}

fn run_steady(design: &Design, args: &Args, progress: bool) -> anyhow::Result<Solution> {
    let bar = progress.then(|| {
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

fn run_transient(design: &Design, args: &Args, progress: bool) -> anyhow::Result<Solution> {
    let steps = design
        .transient
        .as_ref()
        .map_or(0, |t| t.step_sizes().len());
    let bar = progress.then(|| {
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
    if let Some(h) = &r.hydraulics {
        s += &hydraulics_lines(h);
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
    for w in &r.warnings {
        s += &format!("warning: {} [{}]\n", w.message, w.code);
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

/// The loop in the summary: the pump's operating point and, with more than one channel
/// field, one row per field (flow, inlet and outlet, heat, Δp, Reynolds number).
fn hydraulics_lines(h: &coldtray_solver::results::HydraulicsResult) -> String {
    let mut s = String::new();
    if let Some(op) = &h.operating_point {
        s += &format!(
            "  pump           operating point {:.2} L/min at {:.1} kPa head ({} Newton iterations)\n",
            op.flow_lpm, op.head_kpa, h.newton_iterations
        );
    }
    if h.fields.len() < 2 && h.links.len() < 2 {
        return s;
    }
    let width = h
        .fields
        .iter()
        .map(|f| f.name.chars().count())
        .max()
        .unwrap_or(5)
        .max(5);
    s += &format!(
        "  fields         {:<width$}  {:>7}  {:>6}  {:>6}  {:>7}  {:>6}  {:>6}\n",
        "field", "L/min", "in °C", "out °C", "heat W", "Δp kPa", "Re"
    );
    for f in &h.fields {
        s += &format!(
            "                 {:<width$}  {:>7.3}  {:>6.1}  {:>6.1}  {:>7.0}  {:>6.2}  {:>6.0}\n",
            f.name, f.flow_lpm, f.inlet_c, f.outlet_c, f.heat_w, f.dp_kpa, f.reynolds
        );
    }
    if !h.balance.is_empty() {
        let bores: Vec<String> = h
            .balance
            .iter()
            .map(|b| {
                if b.fully_open {
                    format!("{} open", b.field)
                } else {
                    format!("{} Ø{:.2} mm ({:.2} kPa)", b.field, b.diameter_mm, b.dp_kpa)
                }
            })
            .collect();
        s += &format!(
            "  balance        orifices (Ø{:.2} mm pipe): {}\n",
            h.balance[0].ref_diameter_mm,
            bores.join(", ")
        );
    }
    s
}
