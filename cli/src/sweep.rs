//! `coldtray sweep`: solve many variants of one design on the local cores and tabulate them.
//!
//! The variants are the cartesian product of the `--set PATH=v1,v2,…` and
//! `--set PATH=start:stop:step` dimensions (the first `--set` varies slowest), or the rows of
//! a `--variants FILE.csv` (a column per path). Variant `i` in that order is written to
//! `DIR/v0007` (its index, zero-padded to at least four digits) exactly as `coldtray
//! simulate` writes a result directory ([`simulate::solve_into`]); `DIR/sweep.csv` has a row
//! per variant (the columns are in docs/formats/results.md).
//!
//! Every variant is validated before any solve and before `DIR` is touched: one bad value
//! in one variant is a one-line error naming the variant and the field, and nothing is
//! written.
//!
//! Parallelism ([`plan`]): small problems run one solve per core (independent solves scale
//! better than one multigrid solve over several threads); a problem too large to hold one
//! copy per core runs its variants one after another on all cores.
//!
//! Stopping ([`crate::stop`]): on SIGINT, SIGTERM or SIGHUP no new variant starts, the running
//! ones finish, sweep.csv gets the finished variants' rows and the exit code is 128 + the
//! signal, so a scheduler's pre-emption loses no finished work and a re-run resumes.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::Instant;

use anyhow::{bail, Context};
use coldtray_io::config;
use coldtray_solver::design::{self, Override};
use coldtray_solver::results::Results;
use coldtray_solver::Design;
use toml::Value;

use crate::output::outln;
use crate::{pareto, simulate};

/// The file of the sweep's table, in `DIR`.
pub(crate) const SWEEP_CSV: &str = "sweep.csv";
/// The most values one `start:stop:step` range may give.
const MAX_RANGE_VALUES: usize = 10_000;
/// The most variants one sweep may have.
const MAX_VARIANTS: usize = 1_000_000;
/// Above this many cells a variant's solve gets every core (one variant at a time): about
/// 150 B per unknown, so one copy per core of a larger problem stops fitting in cache-friendly
/// memory traffic and risks the machine's memory (see [`plan`]).
const PER_CORE_MAX_CELLS: usize = 2_000_000;

/// Arguments of `coldtray sweep`.
#[derive(Debug, clap::Args)]
#[command(args_conflicts_with_subcommands = true, subcommand_negates_reqs = true)]
pub(crate) struct Args {
    #[command(subcommand)]
    pub command: Option<SweepCommand>,
    /// The base design file (design.toml).
    #[arg(required = true)]
    pub design: Option<PathBuf>,
    /// Output directory: sweep.csv, sweep.json and one result directory per variant (v0000,
    /// v0001, …). An existing DIR must be empty or an earlier sweep's; finished variants of
    /// the same sweep in it are kept, not solved again.
    #[arg(long, value_name = "DIR", required = true)]
    pub out: Option<PathBuf>,
    /// Run only slice I of N (0 ≤ I < N): the variants whose index mod N is I. Give each
    /// shard its own --out; `coldtray sweep merge` joins them.
    #[arg(long, value_name = "I/N")]
    pub shard: Option<Shard>,
    /// A swept field: `PATH=v1,v2,…` (a list), `PATH=start:stop:step` (a range that includes
    /// stop when it lands on a step) or `PATH=VALUE` (the same in every variant). Repeatable;
    /// the variants are the cartesian product, the first --set varying slowest.
    #[arg(long = "set", value_name = "PATH=VALUES")]
    pub set: Vec<String>,
    /// Run the listed combinations instead of a product: a CSV file with a header of paths
    /// and a row of values per variant (single-valued --set still apply to every row).
    #[arg(long, value_name = "FILE.csv")]
    pub variants: Option<PathBuf>,
    /// Write the PNG maps too: `--png` for every variant, `--png=3,7` for those indices only
    /// (by default a sweep writes the field files and no PNG).
    #[arg(long, value_name = "INDICES", num_args = 0..=1, require_equals = true,
          value_delimiter = ',', default_missing_value = "all")]
    pub png: Option<Vec<String>>,
    /// Solves run at the same time [default: by problem size, see docs/guide/sweeps.md].
    #[arg(long, value_name = "N")]
    pub jobs: Option<usize>,
    /// In-plane cell size in mm (overrides the design's domain.cell_mm).
    #[arg(long, value_name = "MM")]
    pub cell_mm: Option<f64>,
    /// Stop at this relative residual.
    #[arg(long, default_value_t = 1e-8, value_name = "T")]
    pub tolerance: f64,
    /// Solve a design that has a transient section to steady state instead (design powers).
    #[arg(long)]
    pub steady: bool,
}

/// `coldtray sweep merge`.
#[derive(Debug, clap::Subcommand)]
pub(crate) enum SweepCommand {
    /// Join the sweep.csv of shard outputs (`--shard I/N`) into one table, sorted by index;
    /// fails on a variant missing from every shard or given differently by two.
    Merge(MergeArgs),
}

/// Arguments of `coldtray sweep merge`.
#[derive(Debug, clap::Args)]
pub(crate) struct MergeArgs {
    /// The shard output directories (each holds sweep.json and sweep.csv).
    #[arg(required = true, value_name = "DIR")]
    pub dirs: Vec<PathBuf>,
    /// Where the merged sweep.csv and sweep.json go (new, or holding only those two).
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
}

/// `--shard I/N`: slice `index` of `count`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub(crate) struct Shard {
    pub index: usize,
    pub count: usize,
}

impl Shard {
    /// The whole sweep as one shard.
    const ALL: Shard = Shard { index: 0, count: 1 };

    /// Whether variant `i` is in this slice: `i mod N == I`. Round-robin, not blocks: the
    /// slices differ in size by at most one variant, and as neighbouring indices differ in
    /// the fastest-varying `--set` only, every slice gets the same mix of slow and fast
    /// variants (a block split would give one shard all the low-flow, slow-to-solve ones).
    /// It depends on the index and N alone, so it is the same on every run and machine.
    fn contains(self, i: usize) -> bool {
        i % self.count == self.index
    }
}

impl std::str::FromStr for Shard {
    type Err = String;
    fn from_str(s: &str) -> Result<Shard, String> {
        let usage = || {
            format!("`{s}`: give I/N with 0 ≤ I < N (e.g. 0/4; Slurm: $SLURM_ARRAY_TASK_ID/$SLURM_ARRAY_TASK_COUNT)")
        };
        let (i, n) = s.split_once('/').ok_or_else(usage)?;
        let (index, count) = (
            i.trim().parse::<usize>().map_err(|_| usage())?,
            n.trim().parse::<usize>().map_err(|_| usage())?,
        );
        if index >= count {
            return Err(usage());
        }
        Ok(Shard { index, count })
    }
}

impl std::fmt::Display for Shard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

/// The file of a sweep's metadata, in `DIR` (docs/formats/results.md#sweepjson).
pub(crate) const SWEEP_JSON: &str = "sweep.json";

/// `sweep.json`: what `coldtray sweep merge` needs to join shards and to tell a gap.
#[derive(Debug, serde::Serialize, serde::Deserialize)]
struct SweepMeta {
    /// Variants in the whole sweep (all shards).
    total: usize,
    /// The slice this directory holds (`0/1`: all).
    shard: Shard,
    /// SHA-256 of the sweep's definition (see [`definition_sha256`]).
    definition_sha256: String,
    /// The overridden paths (the sweep.csv columns after `variant`).
    paths: Vec<String>,
}

/// One swept field and its values, in order.
#[derive(Debug)]
struct Dimension {
    path: String,
    values: Vec<Override>,
}

/// One variant: its index in the sweep's order and its overrides, in column order.
struct Variant {
    index: usize,
    overrides: Vec<Override>,
}

pub(crate) fn run(args: Args) -> anyhow::Result<ExitCode> {
    if let Some(SweepCommand::Merge(m)) = args.command {
        return merge(&m);
    }
    let (Some(design_path), Some(out)) = (args.design.clone(), args.out.clone()) else {
        bail!("give the base design and --out DIR (or `coldtray sweep merge DIR… --out DIR`)");
    };
    if args.jobs == Some(0) {
        bail!("--jobs 0: give at least 1");
    }
    let shard = args.shard.unwrap_or(Shard::ALL);
    let text = config::read_text(&design_path, &design::FORMAT)?;
    let (paths, all) = variants(&args)?;
    let total = all.len();
    let width = name_width(total);
    let png = png_indices(&args, total)?;
    let definition = definition_sha256(&text, &args, &paths, &all);

    // Validate every variant (not only this shard's, so that every shard of a bad sweep
    // fails the same way) before any solve and before DIR is touched.
    let mut jobs = Vec::new();
    let mut variants = Vec::new();
    for v in all {
        let name = variant_name(v.index, width);
        let sim = simulate::Args {
            design: design_path.clone(),
            out: out.join(&name),
            set: v.overrides.clone(),
            cell_mm: args.cell_mm,
            threads: None,
            no_png: !png.as_ref().is_none_or(|p| p.contains(&v.index)),
            tolerance: args.tolerance,
            steady: args.steady,
            check_grid: false,
            fail_on_limit: false,
        };
        let prepared = simulate::prepare(&text, &sim)
            .with_context(|| format!("variant {name} ({})", describe(&v.overrides)))?;
        if shard.contains(v.index) {
            jobs.push((name, sim, prepared));
            variants.push(v);
        }
    }
    if !(args.tolerance > 0.0 && args.tolerance < 1.0) {
        bail!(
            "--tolerance {}: give a relative residual in (0, 1)",
            args.tolerance
        );
    }
    let earlier = prepare_dir(&out, total, width, shard)?;
    let meta = SweepMeta {
        total,
        shard,
        definition_sha256: definition.clone(),
        paths: paths.clone(),
    };
    let json_path = out.join(SWEEP_JSON);
    coldtray_io::write_atomic(
        &json_path,
        &serde_json::to_vec_pretty(&meta)?,
        coldtray_io::Durability::Atomic,
    )
    .with_context(|| format!("writing {}", json_path.display()))?;

    // Resume: a variant of the same sweep whose directory is complete is not solved again.
    // A directory is written as a whole (renamed into place), so it is complete or absent;
    // it counts only when its results.json parses and records this variant's overrides.
    let design_sha = sha256_hex(text.as_bytes());
    let done: Vec<Option<Results>> = jobs
        .iter()
        .map(|(_, sim, _)| {
            if earlier.as_deref() == Some(definition.as_str()) {
                finished(&sim.out, &design_sha, &sim.set, !sim.no_png)
            } else {
                None
            }
        })
        .collect();
    let skipped = done.iter().filter(|d| d.is_some()).count();

    let cells = jobs.iter().map(|j| cells(j.2.design())).max().unwrap_or(0);
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let (workers, threads) = plan(cells, cores, (jobs.len() - skipped).max(1), args.jobs);
    for job in &mut jobs {
        job.1.threads = Some(threads);
    }
    let slice = if shard == Shard::ALL {
        String::new()
    } else {
        format!(" (shard {shard} of {total})")
    };
    outln!(
        "sweeping {}{slice} of {}: {} at a time on {} each ({cells} cells)",
        plural(jobs.len(), "variant"),
        design_path.display(),
        plural(workers, "solve"),
        plural(threads, "thread"),
    );
    if skipped > 0 {
        outln!(
            "  resuming: {skipped} finished {} kept in {}, {} to solve",
            if skipped == 1 { "variant" } else { "variants" },
            out.display(),
            jobs.len() - skipped
        );
    }

    let bar = indicatif::ProgressBar::new((jobs.len() - skipped) as u64);
    if let Ok(style) = indicatif::ProgressStyle::with_template(
        "[{bar:30}] {pos}/{len} variants, {elapsed} (eta {eta}) {msg}",
    ) {
        bar.set_style(style.progress_chars("=> "));
    }
    // Ctrl-C, SIGTERM (Slurm, Kubernetes) or SIGHUP: start no new variant, let the running
    // ones finish and write the table of what finished; a second signal ends at once.
    let to_resume = format!(
        "to resume, run the same command again: {}",
        crate::stop::command_line()
    );
    let stop = {
        let (first_bar, second_bar, resume) = (bar.clone(), bar.clone(), to_resume.clone());
        crate::stop::StopSignals::install(
            move |sig| {
                first_bar.suspend(|| {
                    crate::stop::note(format_args!(
                        "{sig}: stopping: no new variant starts; the running ones finish and \
                         are kept (send it again to abandon them)"
                    ));
                });
            },
            move |sig| {
                second_bar.suspend(|| {
                    crate::stop::note(format_args!(
                        "{sig} again: abandoning the running variants (not kept) and sweep.csv; \
                         {resume}"
                    ));
                });
            },
        )
        .context("catching Ctrl-C and SIGTERM")?
    };
    let start = Instant::now();
    let next = AtomicUsize::new(0);
    let rows: Mutex<Vec<Option<Row>>> =
        Mutex::new(done.into_iter().map(|d| d.map(Row::solved)).collect());
    let todo: Vec<usize> = match rows.lock() {
        Ok(r) => (0..jobs.len()).filter(|&i| r[i].is_none()).collect(),
        Err(_) => bail!("a sweep worker panicked"),
    };
    std::thread::scope(|s| {
        for _ in 0..workers {
            s.spawn(|| {
                while stop.requested().is_none() {
                    let Some(&i) = todo.get(next.fetch_add(1, Ordering::Relaxed)) else {
                        break;
                    };
                    let (name, sim, prepared) = &jobs[i];
                    let row = match simulate::solve_into(&text, prepared, sim, false) {
                        Ok(solved) => Row::solved(solved.results),
                        Err(e) => {
                            // An earlier sweep's result under this name would contradict the row.
                            if sim.out.join("results.json").is_file() {
                                let _ = std::fs::remove_dir_all(&sim.out);
                            }
                            Row::failed(format!("{e:#}"))
                        }
                    };
                    bar.suspend(|| outln!("{}", row.line(name, &variants[i].overrides)));
                    bar.inc(1);
                    if let Ok(mut rows) = rows.lock() {
                        rows[i] = Some(row);
                    }
                }
            });
        }
    });
    bar.finish_and_clear();
    let elapsed = start.elapsed().as_secs_f64();
    let rows = rows
        .into_inner()
        .map_err(|_| anyhow::anyhow!("a sweep worker panicked"))?;
    // Stopped on request before every variant ran: the table has the finished variants only
    // (`sweep merge` names the others missing); otherwise a variant without a row is a
    // worker's panic. A signal after the last variant started stopped nothing.
    let stopped = stop
        .exit_code()
        .filter(|_| rows.iter().any(Option::is_none));
    let (variants, rows): (Vec<Variant>, Vec<Row>) = variants
        .into_iter()
        .zip(rows)
        .filter_map(|(v, r)| match r {
            Some(r) => Some((v, r)),
            None if stopped.is_some() => None,
            None => Some((v, Row::failed("not run (a worker panicked)".into()))),
        })
        .unzip();

    let csv_path = out.join(SWEEP_CSV);
    let table = sweep_csv(&paths, &variants, &rows, width)?;
    coldtray_io::write_atomic(&csv_path, &table, coldtray_io::Durability::Atomic)
        .with_context(|| format!("writing {}", csv_path.display()))?;

    if let (Some(code), Some(sig)) = (stopped, stop.requested()) {
        crate::stop::note(format_args!(
            "{sig}: stopped with {} of {} finished (kept in {}, their rows in {SWEEP_CSV}); {to_resume}",
            rows.len(),
            plural(jobs.len(), "variant"),
            out.display()
        ));
        return Ok(ExitCode::from(code));
    }
    let count = |s: Status| rows.iter().filter(|r| r.status == s).count();
    let (failed, runaway) = (count(Status::Failed), count(Status::Runaway));
    let solved = rows.len() - skipped;
    outln!(
        "swept {} in {elapsed:.1} s ({:.0} variants/h, {skipped} kept from an earlier run): {} ok, {runaway} runaway, {failed} failed",
        plural(solved, "variant"),
        solved as f64 * 3600.0 / elapsed.max(1e-9),
        count(Status::Ok),
    );
    outln!(
        "  wrote          {} and {} variant directories in {}",
        SWEEP_CSV,
        rows.len() - failed,
        out.display()
    );
    let base = pareto::base_flags(
        &text,
        &design_path,
        variants.iter().map(|v| &v.overrides[..]),
    );
    pareto::write_or_warn(&out, &table, &pareto::title(&design_path), Some(&base));
    if failed > 0 {
        bail!(
            "{failed} of {} variants failed (status `failed` in {}, with the reason)",
            rows.len(),
            csv_path.display()
        );
    }
    Ok(if runaway > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

/// How many solves run at once and with how many threads each: one solve per core while a
/// problem is small enough to hold one copy per core ([`PER_CORE_MAX_CELLS`]), else one at a
/// time on every core; never more solves than variants; `jobs` (from `--jobs`) overrides.
fn plan(cells: usize, cores: usize, variants: usize, jobs: Option<usize>) -> (usize, usize) {
    let cores = cores.max(1);
    let workers = match jobs {
        Some(j) => j,
        None if cells > PER_CORE_MAX_CELLS => 1,
        None => cores,
    }
    .clamp(1, variants.max(1));
    (workers, (cores / workers).max(1))
}

/// The grid's cell count (in-plane cells × z cells), to size the plan before any solve.
fn cells(d: &Design) -> usize {
    let nx = (d.width_mm / d.cell_mm).round().max(1.0) as usize;
    let ny = (d.depth_mm / d.cell_mm).round().max(1.0) as usize;
    let nz: usize = d.layer_z_cells_mm().iter().map(Vec::len).sum();
    nx * ny * nz
}

/// `1 variant`, `2 variants`.
fn plural(n: usize, noun: &str) -> String {
    format!("{n} {noun}{}", if n == 1 { "" } else { "s" })
}

/// `v0007`: the directory of variant `index`.
fn variant_name(index: usize, width: usize) -> String {
    format!("v{index:0width$}")
}

/// Digits of the variant names: at least 4, enough for the last index.
fn name_width(n: usize) -> usize {
    n.saturating_sub(1).to_string().len().max(4)
}

/// `PATH=VALUE PATH=VALUE` for messages.
fn describe(overrides: &[Override]) -> String {
    overrides
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(" ")
}

/// The indices whose maps are written (`None`: all), from `--png`; `Some(empty)` without it.
fn png_indices(args: &Args, n: usize) -> anyhow::Result<Option<HashSet<usize>>> {
    let Some(list) = &args.png else {
        return Ok(Some(HashSet::new()));
    };
    if list.iter().any(|s| s == "all") {
        return Ok(None);
    }
    let mut set = HashSet::new();
    for s in list {
        let s = s.trim().trim_start_matches('v');
        match s.parse::<usize>() {
            Ok(i) if i < n => {
                set.insert(i);
            }
            _ => bail!(
                "--png={}: give variant indices 0 to {} separated by commas (or --png alone for all)",
                list.join(","),
                n.saturating_sub(1)
            ),
        }
    }
    Ok(Some(set))
}

/// The swept paths (the sweep.csv columns) and the variants in order.
fn variants(args: &Args) -> anyhow::Result<(Vec<String>, Vec<Variant>)> {
    let mut dims = Vec::new();
    let mut seen = HashSet::new();
    for spec in &args.set {
        let dim = parse_dimension(spec).map_err(|e| anyhow::anyhow!("--set {spec}: {e}"))?;
        if !seen.insert(dim.path.clone()) {
            bail!("--set {}: the path is given twice", dim.path);
        }
        dims.push(dim);
    }
    match &args.variants {
        None => {
            let mut n: usize = 1;
            for d in &dims {
                n = n
                    .checked_mul(d.values.len())
                    .filter(|&n| n <= MAX_VARIANTS)
                    .with_context(|| {
                        format!(
                            "the sweep has more than {MAX_VARIANTS} variants; sweep fewer values"
                        )
                    })?;
            }
            let paths = dims.iter().map(|d| d.path.clone()).collect();
            let variants = (0..n)
                .map(|index| {
                    // Mixed radix, the last dimension fastest.
                    let mut rest = index;
                    let mut overrides = vec![None; dims.len()];
                    for (k, d) in dims.iter().enumerate().rev() {
                        overrides[k] = Some(d.values[rest % d.values.len()].clone());
                        rest /= d.values.len();
                    }
                    Variant {
                        index,
                        overrides: overrides.into_iter().flatten().collect(),
                    }
                })
                .collect();
            Ok((paths, variants))
        }
        Some(file) => {
            if let Some(d) = dims.iter().find(|d| d.values.len() > 1) {
                bail!(
                    "--set {}: with --variants, --set gives one value for every row (list the \
                     combinations in {} instead)",
                    d.path,
                    file.display()
                );
            }
            let (columns, rows) = read_variants(file, &seen)?;
            let mut paths: Vec<String> = dims.iter().map(|d| d.path.clone()).collect();
            paths.extend(columns);
            let variants = rows
                .into_iter()
                .enumerate()
                .map(|(index, row)| {
                    let mut overrides: Vec<Override> =
                        dims.iter().map(|d| d.values[0].clone()).collect();
                    overrides.extend(row);
                    Variant { index, overrides }
                })
                .collect();
            Ok((paths, variants))
        }
    }
}

/// The columns (paths) and rows of a `--variants` CSV file; `taken` are the `--set` paths.
fn read_variants(
    file: &Path,
    taken: &HashSet<String>,
) -> anyhow::Result<(Vec<String>, Vec<Vec<Override>>)> {
    let at = || format!("--variants {}", file.display());
    let text = std::fs::read_to_string(file).with_context(|| format!("{}: reading", at()))?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let header = reader
        .headers()
        .with_context(|| format!("{}: reading the header", at()))?
        .clone();
    let mut columns = Vec::new();
    let mut seen = taken.clone();
    for h in &header {
        if h.is_empty() {
            bail!("{}: the header has an empty column name; name a design path in each (e.g. coolant.flow_lpm)", at());
        }
        if h.contains('=') {
            bail!(
                "{}: column `{h}`: a header cell is a design path (no `=`)",
                at()
            );
        }
        format!("{h}=0")
            .parse::<Override>()
            .map_err(|e| anyhow::anyhow!("{}: column `{h}`: {e}", at()))?;
        if !seen.insert(h.to_string()) {
            bail!(
                "{}: the path `{h}` is given twice (as two columns, or as a column and a --set)",
                at()
            );
        }
        columns.push(h.to_string());
    }
    let mut rows = Vec::new();
    for record in reader.records() {
        let record = record.with_context(|| format!("{}: reading a row", at()))?;
        let line = record.position().map_or(0, |p| p.line());
        let mut row = Vec::with_capacity(columns.len());
        for (path, cell) in columns.iter().zip(record.iter()) {
            if cell.is_empty() {
                bail!(
                    "{}: line {line} (variant {}) has no value for `{path}`",
                    at(),
                    variant_name(rows.len(), 4)
                );
            }
            let o = format!("{path}={cell}")
                .parse::<Override>()
                .map_err(|e| anyhow::anyhow!("{}: line {line}: {e}", at()))?;
            row.push(o);
        }
        rows.push(row);
    }
    if rows.is_empty() {
        bail!(
            "{}: no variants (a header of paths, then a row of values per variant)",
            at()
        );
    }
    if rows.len() > MAX_VARIANTS {
        bail!("{}: more than {MAX_VARIANTS} variants", at());
    }
    Ok((columns, rows))
}

/// `PATH=v1,v2,…`, `PATH=start:stop:step` or `PATH=VALUE`.
fn parse_dimension(spec: &str) -> Result<Dimension, String> {
    let Some((path, values)) = spec.split_once('=') else {
        return Err(
            "not PATH=VALUES (e.g. coolant.flow_lpm=2.5,3.0 or coolant.inlet_c=40:45:5)".into(),
        );
    };
    let (path, values) = (path.trim(), values.trim());
    let one = |raw: &str| format!("{path}={raw}").parse::<Override>();
    let parts = split_list(values);
    if parts.len() > 1 {
        if let Some(n) = parts.iter().position(|p| p.is_empty()) {
            return Err(format!("value {} of the list is empty", n + 1));
        }
        let values = parts.iter().map(|p| one(p)).collect::<Result<_, _>>()?;
        return Ok(Dimension {
            path: path.to_string(),
            values,
        });
    }
    let range: Vec<&str> = values.split(':').collect();
    let values = if range.len() > 1 && range[0].trim().parse::<f64>().is_ok() {
        parse_range(&range)?
            .into_iter()
            .map(|v| Override::new(path, v))
            .collect::<Result<_, _>>()?
    } else {
        vec![one(values)?]
    };
    Ok(Dimension {
        path: path.to_string(),
        values,
    })
}

/// Splits a list at the commas outside brackets, braces and quotes (so `["a","b"]` stays
/// one value).
fn split_list(s: &str) -> Vec<String> {
    let mut parts = vec![String::new()];
    let (mut depth, mut quote) = (0i32, None::<char>);
    for c in s.chars() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '"' | '\'') => quote = Some(c),
            (None, '[' | '{') => depth += 1,
            (None, ']' | '}') => depth -= 1,
            (None, ',') if depth == 0 => {
                parts.push(String::new());
                continue;
            }
            _ => {}
        }
        if let Some(last) = parts.last_mut() {
            last.push(c);
        }
    }
    parts.into_iter().map(|p| p.trim().to_string()).collect()
}

/// The values of `start:stop:step`: start, start + step, … up to stop, which is included
/// when it lands on a step within floating-point rounding. Integers when all three are
/// integers; otherwise rounded to the decimals written, so `0.1:0.3:0.1` is 0.1, 0.2, 0.3.
fn parse_range(parts: &[&str]) -> Result<Vec<Value>, String> {
    let usage = "a range is start:stop:step (e.g. 40:45:2.5)";
    let [a, b, c] = parts else {
        return Err(format!("`{}`: {usage}", parts.join(":")));
    };
    let (a, b, c) = (a.trim(), b.trim(), c.trim());
    let num = |s: &str| {
        s.parse::<f64>()
            .ok()
            .filter(|v| v.is_finite())
            .ok_or_else(|| format!("`{s}` is not a number: {usage}"))
    };
    let (start, stop, step) = (num(a)?, num(b)?, num(c)?);
    if step == 0.0 {
        return Err(format!("{a}:{b}:{c}: the step is 0"));
    }
    let span = (stop - start) / step;
    let eps = 1e-9 * span.abs().max(1.0);
    if span < -eps {
        return Err(format!(
            "{a}:{b}:{c}: the step {step} goes away from {stop} (use a {} step)",
            if step > 0.0 { "negative" } else { "positive" }
        ));
    }
    let count = (span + eps).floor() + 1.0;
    if count > MAX_RANGE_VALUES as f64 {
        return Err(format!(
            "{a}:{b}:{c}: gives {count} values, more than {MAX_RANGE_VALUES}; use a larger step"
        ));
    }
    let count = count as usize;
    let ints = [a, b, c].iter().all(|s| s.parse::<i64>().is_ok());
    if ints {
        let (start, step) = (start as i64, step as i64);
        return Ok((0..count as i64)
            .map(|i| Value::Integer(start + i * step))
            .collect());
    }
    let decimals = [a, b, c]
        .iter()
        .map(|s| {
            if s.contains(['e', 'E']) {
                None
            } else {
                Some(s.split_once('.').map_or(0, |(_, f)| f.len()))
            }
        })
        .try_fold(0, |m, d| d.map(|d| m.max(d)));
    Ok((0..count)
        .map(|i| {
            let v = start + i as f64 * step;
            let v = match decimals {
                Some(d) => format!("{v:.d$}").parse().unwrap_or(v),
                None => format!("{v:.12e}").parse().unwrap_or(v),
            };
            Value::Float(v)
        })
        .collect())
}

/// Checks that `dir` is new, empty or an earlier sweep's, and removes what an earlier sweep
/// left that this one will not rewrite (its sweep.csv and sweep.json, variant directories
/// past `n` or outside `shard`, a `v0007.tmp-…`/`.old-…` left by a killed run), so the
/// directory never mixes two sweeps' tables. Returns the earlier sweep's definition hash
/// (from its sweep.json), whose finished variants may be kept.
fn prepare_dir(dir: &Path, n: usize, width: usize, shard: Shard) -> anyhow::Result<Option<String>> {
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
            return Ok(None);
        }
        Err(e) => {
            return Err(e).with_context(|| {
                format!("--out {}: not a directory that can be read", dir.display())
            })
        }
    };
    let mut stale = Vec::new();
    for entry in entries {
        let entry = entry.with_context(|| format!("reading {}", dir.display()))?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if name == SWEEP_CSV || name == SWEEP_JSON || name == pareto::PARETO_PNG {
            stale.push(entry.path());
            continue;
        }
        let index = name
            .strip_prefix('v')
            .map(|r| r.split_once('.').map_or(r, |(i, _)| i))
            .filter(|i| !i.is_empty() && i.bytes().all(|b| b.is_ascii_digit()))
            .and_then(|i| i.parse::<usize>().ok());
        match index {
            Some(i) if entry.path().is_dir() => {
                if i >= n || name != variant_name(i, width) || !shard.contains(i) {
                    stale.push(entry.path());
                }
            }
            _ => bail!(
                "--out {}: holds `{name}`, which is not part of a coldtray sweep (sweep.csv, v0000, …); \
                 give a new or empty directory, or an earlier sweep's (nothing was written)",
                dir.display()
            ),
        }
    }
    let earlier = std::fs::read(dir.join(SWEEP_JSON))
        .ok()
        .and_then(|b| serde_json::from_slice::<SweepMeta>(&b).ok())
        .filter(|m| m.total == n)
        .map(|m| m.definition_sha256);
    for path in stale {
        let removed = if path.is_dir() {
            std::fs::remove_dir_all(&path)
        } else {
            std::fs::remove_file(&path)
        };
        removed.with_context(|| format!("removing the earlier sweep's {}", path.display()))?;
    }
    Ok(earlier)
}

/// SHA-256 (lower-case hex) of `bytes`.
fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The sweep's identity, the same on every machine for the same sweep: SHA-256 of a JSON
/// document of the base design file's SHA-256, the options that change a result
/// (`--cell-mm`, `--tolerance`, `--steady`), the swept paths and every variant's overrides
/// in index order. Not the design's path, `--jobs`, `--png` or `--shard`.
fn definition_sha256(text: &str, args: &Args, paths: &[String], variants: &[Variant]) -> String {
    // Keys in alphabetical order: the same text whether or not serde_json keeps insertion
    // order (its `preserve_order` feature).
    let doc = serde_json::json!({
        "cell_mm": args.cell_mm,
        "design_sha256": sha256_hex(text.as_bytes()),
        "paths": paths,
        "steady": args.steady,
        "tolerance": args.tolerance,
        "variants": variants
            .iter()
            .map(|v| v.overrides.iter().map(ToString::to_string).collect::<Vec<_>>())
            .collect::<Vec<_>>(),
    });
    sha256_hex(doc.to_string().as_bytes())
}

/// The results of a finished variant in `dir`: its results.json parses and records the base
/// design's `design_sha256` and exactly `overrides`, and it has maps if `png` asks for them;
/// else `None` (solve it).
fn finished(dir: &Path, design_sha256: &str, overrides: &[Override], png: bool) -> Option<Results> {
    if png
        && !std::fs::read_dir(dir)
            .ok()?
            .flatten()
            .any(|e| e.file_name().to_string_lossy().ends_with(".png"))
    {
        return None;
    }
    let bytes = std::fs::read(dir.join("results.json")).ok()?;
    let json: serde_json::Value = serde_json::from_slice(&bytes).ok()?;
    let input = json.get("input")?;
    if input.get("design_sha256")?.as_str()? != design_sha256 {
        return None;
    }
    let want: Vec<String> = overrides.iter().map(ToString::to_string).collect();
    if input.get("overrides")? != &serde_json::json!(want) {
        return None;
    }
    serde_json::from_value(json).ok()
}

/// `coldtray sweep merge DIR… --out DIR`: the shards' sweep.csv rows in one table, sorted by
/// index, after checking that they are shards of one sweep (same definition, total and
/// header), that no index is given twice with different values (the `solve_s` column
/// aside) and that every index in 0..total is present.
fn merge(args: &MergeArgs) -> anyhow::Result<ExitCode> {
    let mut first: Option<(PathBuf, SweepMeta, csv::StringRecord)> = None;
    let mut rows: Vec<Option<(csv::StringRecord, &Path)>> = Vec::new();
    let out_canon = std::fs::canonicalize(&args.out).ok();
    for dir in &args.dirs {
        if out_canon.is_some() && std::fs::canonicalize(dir).ok() == out_canon {
            bail!(
                "--out {}: is one of the shards being merged; give another directory",
                args.out.display()
            );
        }
        let json = dir.join(SWEEP_JSON);
        let meta: SweepMeta = serde_json::from_slice(&std::fs::read(&json).with_context(|| {
            format!(
                "{}: not a sweep output (no readable {SWEEP_JSON})",
                dir.display()
            )
        })?)
        .with_context(|| format!("{}: not a coldtray sweep.json", json.display()))?;
        let csv_path = dir.join(SWEEP_CSV);
        if !csv_path.is_file() {
            bail!(
                "{}: no {SWEEP_CSV}: shard {} has not finished (run it again to resume)",
                dir.display(),
                meta.shard
            );
        }
        let mut reader = csv::Reader::from_path(&csv_path)
            .with_context(|| format!("reading {}", csv_path.display()))?;
        let header = reader
            .headers()
            .with_context(|| format!("reading {}", csv_path.display()))?
            .clone();
        let Some(index_col) = header.iter().position(|h| h == "index") else {
            bail!("{}: no `index` column", csv_path.display());
        };
        match &first {
            None => {
                rows = (0..meta.total).map(|_| None).collect();
                first = Some((dir.clone(), meta, header.clone()));
            }
            Some((d0, m0, h0)) => {
                if m0.definition_sha256 != meta.definition_sha256 || m0.total != meta.total {
                    bail!(
                        "{} and {} are not shards of the same sweep (sweep.json: definition_sha256 \
                         or total differ)",
                        d0.display(),
                        dir.display()
                    );
                }
                if h0 != &header {
                    bail!(
                        "{} and {}: the sweep.csv headers differ",
                        d0.display(),
                        dir.display()
                    );
                }
            }
        }
        let solve_col = header.iter().position(|h| h == "solve_s");
        for (line, record) in reader.records().enumerate() {
            let record = record.with_context(|| format!("reading {}", csv_path.display()))?;
            let at = || format!("{}: row {}", csv_path.display(), line + 1);
            let index: usize = record
                .get(index_col)
                .and_then(|i| i.parse().ok())
                .with_context(|| format!("{}: the index is not a number", at()))?;
            let Some(slot) = rows.get_mut(index) else {
                bail!(
                    "{}: index {index} is past the sweep's {} variants",
                    at(),
                    rows.len()
                );
            };
            if let Some((earlier, from)) = slot {
                let differs = earlier
                    .iter()
                    .zip(record.iter())
                    .enumerate()
                    .find(|&(c, (a, b))| Some(c) != solve_col && a != b);
                if let Some((c, (a, b))) = differs {
                    bail!(
                        "variant {} is in {} and {} with different values ({}: {a} vs {b}); \
                         merge one result per variant",
                        record.get(index_col + 1).unwrap_or_default(),
                        from.display(),
                        dir.display(),
                        header.get(c).unwrap_or_default()
                    );
                }
            } else {
                *slot = Some((record, dir));
            }
        }
    }
    let Some((_, meta, header)) = first else {
        bail!("give the shard directories to merge");
    };
    let missing: Vec<usize> = (0..rows.len()).filter(|&i| rows[i].is_none()).collect();
    if let Some(&m) = missing.first() {
        let width = name_width(meta.total);
        let list: Vec<String> = missing
            .iter()
            .take(5)
            .map(|&i| variant_name(i, width))
            .collect();
        bail!(
            "{} of {} variants missing ({}{}; shard {} of {} not given, or stopped before it finished?)",
            missing.len(),
            meta.total,
            list.join(", "),
            if missing.len() > 5 { ", …" } else { "" },
            m % meta.shard.count,
            meta.shard.count
        );
    }

    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(&header)?;
    for (record, _) in rows.iter().flatten() {
        w.write_record(record)?;
    }
    let table = w
        .into_inner()
        .map_err(|e| anyhow::anyhow!("writing {SWEEP_CSV}: {e}"))?;
    match std::fs::read_dir(&args.out) {
        Ok(entries) => {
            for e in entries {
                let name = e?.file_name().to_string_lossy().into_owned();
                if ![SWEEP_CSV, SWEEP_JSON, pareto::PARETO_PNG].contains(&name.as_str()) {
                    bail!(
                        "--out {}: holds `{name}`; give a new directory or one holding only a \
                         merged {SWEEP_CSV} and {SWEEP_JSON} (nothing was written)",
                        args.out.display()
                    );
                }
            }
        }
        Err(_) => std::fs::create_dir_all(&args.out)
            .with_context(|| format!("creating {}", args.out.display()))?,
    }
    let merged = SweepMeta {
        shard: Shard::ALL,
        ..meta
    };
    for (name, bytes) in [
        (SWEEP_JSON, serde_json::to_vec_pretty(&merged)?),
        (SWEEP_CSV, table.clone()),
    ] {
        let path = args.out.join(name);
        coldtray_io::write_atomic(&path, &bytes, coldtray_io::Durability::Atomic)
            .with_context(|| format!("writing {}", path.display()))?;
    }
    outln!(
        "merged {} from {} into {}",
        plural(rows.len(), "variant"),
        match args.dirs.len() {
            1 => "1 shard directory".to_string(),
            n => format!("{n} shard directories"),
        },
        args.out.join(SWEEP_CSV).display()
    );
    pareto::write_or_warn(&args.out, &table, "merged sweep", None);
    Ok(ExitCode::SUCCESS)
}

/// How a variant's run ended (the `status` column).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Status {
    /// Solved; figures and directory written.
    Ok,
    /// Thermal runaway: figures of the last stable iterate, directory written.
    Runaway,
    /// No result (the solve or a write failed); `message` says why.
    Failed,
}

impl Status {
    fn as_str(self) -> &'static str {
        match self {
            Status::Ok => "ok",
            Status::Runaway => "runaway",
            Status::Failed => "failed",
        }
    }
}

/// A variant's figures for sweep.csv.
struct Row {
    status: Status,
    message: String,
    results: Option<Results>,
}

impl Row {
    fn solved(results: Results) -> Row {
        match simulate::runaway_message(&results) {
            Some(message) => Row {
                status: Status::Runaway,
                message,
                results: Some(results),
            },
            None => Row {
                status: Status::Ok,
                message: String::new(),
                results: Some(results),
            },
        }
    }

    fn failed(message: String) -> Row {
        Row {
            status: Status::Failed,
            message,
            results: None,
        }
    }

    /// The line printed when the variant finishes.
    fn line(&self, name: &str, overrides: &[Override]) -> String {
        let mut s = format!("  {name}  {}", describe(overrides));
        if let Some(r) = &self.results {
            if let Some(b) = r.hottest_die() {
                s += &format!("  die {:.1} °C", b.max_c);
            }
            if let Some(b) = r.hottest_hbm() {
                s += &format!("  HBM {:.1} °C", b.max_c);
            }
            if let Some(c) = &r.coolant {
                s += &format!("  Δp {:.1} kPa", c.pressure_drop_kpa);
            }
        }
        s += &format!("  {}", self.status.as_str());
        if self.status == Status::Failed {
            s += &format!(": {}", self.message);
        }
        s
    }

    /// The figure columns (after the overridden values), as in [`FIGURE_COLUMNS`].
    fn figures(&self) -> Vec<String> {
        let f = |v: Option<f64>| v.map(number).unwrap_or_default();
        let r = self.results.as_ref();
        let die = r.and_then(Results::hottest_die);
        let hbm = r.and_then(Results::hottest_hbm);
        let coolant = r.and_then(|r| r.coolant.as_ref());
        vec![
            die.map(|b| b.name.clone()).unwrap_or_default(),
            f(die.map(|b| b.max_c)),
            f(die.and_then(|b| b.margin_c)),
            hbm.map(|b| b.name.clone()).unwrap_or_default(),
            f(hbm.map(|b| b.max_c)),
            f(hbm.and_then(|b| b.margin_c)),
            f(r.map(|r| r.max_c)),
            f(coolant.map(|c| c.pressure_drop_kpa)),
            f(coolant.map(|c| c.outlet_c)),
            f(r.and_then(|r| r.thermal_resistance_c_per_w)),
            f(r.and_then(|r| r.energy_balance_error)),
            f(r.map(|r| r.solver.wall_s)),
            r.map(|r| {
                r.warnings
                    .iter()
                    .map(|w| w.code.as_str())
                    .collect::<Vec<_>>()
                    .join(";")
            })
            .unwrap_or_default(),
            self.status.as_str().to_string(),
            self.message.clone(),
        ]
    }
}

/// A figure in sweep.csv: exact (it reads back bit for bit), in exponent form when tiny.
fn number(v: f64) -> String {
    if v != 0.0 && v.abs() < 1e-4 {
        format!("{v:e}")
    } else {
        v.to_string()
    }
}

/// The columns after `index`, `variant` and the overridden paths (documented with units in
/// docs/formats/results.md).
const FIGURE_COLUMNS: [&str; 15] = [
    "hottest_die",
    "die_max_c",
    "die_margin_k",
    "hottest_hbm",
    "hbm_max_c",
    "hbm_margin_k",
    "max_c",
    "pressure_drop_kpa",
    "outlet_c",
    "r_th_k_per_w",
    "energy_balance_error",
    "solve_s",
    "warnings",
    "status",
    "message",
];

/// sweep.csv: a row per variant in index order.
fn sweep_csv(
    paths: &[String],
    variants: &[Variant],
    rows: &[Row],
    width: usize,
) -> anyhow::Result<Vec<u8>> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let mut header = vec!["index".to_string(), "variant".to_string()];
    header.extend(paths.iter().cloned());
    header.extend(FIGURE_COLUMNS.iter().map(ToString::to_string));
    w.write_record(&header)?;
    for (v, row) in variants.iter().zip(rows) {
        let mut record = vec![v.index.to_string(), variant_name(v.index, width)];
        record.extend(v.overrides.iter().map(|o| o.raw.clone()));
        record.extend(row.figures());
        w.write_record(&record)?;
    }
    w.into_inner()
        .map_err(|e| anyhow::anyhow!("writing {SWEEP_CSV}: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn floats(spec: &str) -> Vec<f64> {
        let parts: Vec<&str> = spec.split(':').collect();
        parse_range(&parts)
            .unwrap()
            .iter()
            .map(|v| v.as_float().or(v.as_integer().map(|i| i as f64)).unwrap())
            .collect()
    }

    #[test]
    fn ranges_include_stop_on_a_step() {
        assert_eq!(floats("0.1:0.3:0.1"), [0.1, 0.2, 0.3]);
        assert_eq!(floats("40:45:5"), [40.0, 45.0]);
        assert_eq!(floats("2.5:3.5:0.5"), [2.5, 3.0, 3.5]);
        assert_eq!(floats("1:0:-0.25"), [1.0, 0.75, 0.5, 0.25, 0.0]);
        assert_eq!(floats("0:1:0.3"), [0.0, 0.3, 0.6, 0.9]);
        assert_eq!(floats("0.7:0.7:0.1"), [0.7]);
        assert_eq!(floats("1e-3:3e-3:1e-3"), [1e-3, 2e-3, 3e-3]);
        assert!(parse_range(&["40", "45", "5"]).unwrap()[0].is_integer());
        assert!(parse_range(&["40", "45", "2.5"]).unwrap()[0].is_float());
    }

    #[test]
    fn bad_ranges_are_errors() {
        for (spec, word) in [
            ("1:2:0", "step is 0"),
            ("2:1:0.5", "negative step"),
            ("0:1:1e-5", "more than 10000"),
            ("1:2", "start:stop:step"),
            ("1:x:1", "not a number"),
        ] {
            let parts: Vec<&str> = spec.split(':').collect();
            let e = parse_range(&parts).unwrap_err();
            assert!(e.contains(word), "{spec}: {e}");
        }
    }

    #[test]
    fn lists_split_outside_brackets() {
        assert_eq!(split_list("1, 2,3"), ["1", "2", "3"]);
        assert_eq!(
            split_list(r#"["a","b"],["c"]"#),
            [r#"["a","b"]"#, r#"["c"]"#]
        );
        assert_eq!(split_list("copper"), ["copper"]);
    }

    #[test]
    fn plan_by_size() {
        assert_eq!(plan(300_000, 2, 8, None), (2, 1));
        assert_eq!(plan(300_000, 2, 1, None), (1, 2));
        assert_eq!(plan(5_000_000, 2, 8, None), (1, 2));
        assert_eq!(plan(300_000, 8, 8, Some(2)), (2, 4));
    }

    #[test]
    fn cartesian_order_last_fastest() {
        let args = Args {
            command: None,
            design: Some("x.toml".into()),
            out: Some("o".into()),
            shard: None,
            set: vec!["a.b=1,2".into(), "c.d=10:30:10".into(), "e.f=x".into()],
            variants: None,
            png: None,
            jobs: None,
            cell_mm: None,
            tolerance: 1e-8,
            steady: false,
        };
        let (paths, vs) = variants(&args).unwrap();
        assert_eq!(paths, ["a.b", "c.d", "e.f"]);
        let got: Vec<String> = vs.iter().map(|v| describe(&v.overrides)).collect();
        assert_eq!(
            got,
            [
                "a.b=1 c.d=10 e.f=x",
                "a.b=1 c.d=20 e.f=x",
                "a.b=1 c.d=30 e.f=x",
                "a.b=2 c.d=10 e.f=x",
                "a.b=2 c.d=20 e.f=x",
                "a.b=2 c.d=30 e.f=x"
            ]
        );
        assert_eq!(variant_name(7, name_width(6)), "v0007");
        assert_eq!(variant_name(7, name_width(12_000)), "v00007");
    }

    /// For N = 1..7 and sweeps of 0..37 variants, every variant is in exactly one shard,
    /// and the shards differ in size by at most one.
    #[test]
    fn shards_cover_every_variant_once() {
        for count in 1..=7 {
            for total in 0..=37 {
                let mut seen = vec![0; total];
                let mut sizes = Vec::new();
                for index in 0..count {
                    let shard = format!("{index}/{count}").parse::<Shard>().unwrap();
                    let mine: Vec<usize> = (0..total).filter(|&i| shard.contains(i)).collect();
                    for &i in &mine {
                        seen[i] += 1;
                    }
                    sizes.push(mine.len());
                }
                assert!(seen.iter().all(|&k| k == 1), "N={count} total={total}");
                let (lo, hi) = (sizes.iter().min(), sizes.iter().max());
                assert!(hi.unwrap() - lo.unwrap() <= 1, "N={count} total={total}");
            }
        }
        for bad in ["3/3", "1", "-1/2", "a/2", "0/0", "1/2/3"] {
            assert!(bad.parse::<Shard>().is_err(), "{bad}");
        }
    }
}
