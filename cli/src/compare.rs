//! `coldtray compare DIR_A DIR_B --out DIR`: what changed between two results.
//!
//! Reads two result directories written by `coldtray simulate` (results.json, and the saved
//! field `field.coldtray` when present) and writes `DIR` as a whole (through [`Staging`]):
//!
//! - `compare.json`: every headline figure with A, B and B − A, per-block and per-layer
//!   temperature differences for the names both share (the others listed), and the
//!   difference maps' figures (docs/formats/compare.md);
//! - `compare.csv`: the same figures, blocks and layers as one flat table;
//! - `diff_<layer>.png` (and `diff_<layer>-coolant.png`): B − A of each layer both share, on
//!   a diverging colour scale centred on 0 K (`coldtray_maps::render_difference`). Grids that
//!   differ are both sampled onto the finer one (nearest cell), and the output says so.
//!
//! Without a saved field in A or B the maps are skipped with a message; the tables are
//! written all the same.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{bail, Context};
use coldtray_maps::{DiffLabels, Field, Grid, PlaneDifference};
use coldtray_solver::results::{BlockResult, Results};
use serde::Serialize;

use crate::outdir::Staging;
use crate::output::outln;

/// The file that marks a compare output directory (and holds its figures).
const COMPARE_JSON: &str = "compare.json";
/// The flat table.
const COMPARE_CSV: &str = "compare.csv";

/// Arguments of `coldtray compare`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// Result A (the reference): a directory written by `coldtray simulate --out DIR`.
    pub dir_a: PathBuf,
    /// Result B: differences are B − A.
    pub dir_b: PathBuf,
    /// Output directory: compare.json, compare.csv and `diff_<layer>.png` (replaced as a whole).
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// Width of the difference maps in pixels.
    #[arg(long, default_value_t = 1600, value_name = "PX")]
    pub width: u32,
    /// Write the tables only, no difference maps.
    #[arg(long)]
    pub no_png: bool,
}

/// A figure of A and B and their difference (B − A; `None` when either is missing).
#[derive(Debug, Clone, Serialize, PartialEq)]
struct Pair {
    a: Option<f64>,
    b: Option<f64>,
    b_minus_a: Option<f64>,
}

impl Pair {
    fn new(a: Option<f64>, b: Option<f64>) -> Pair {
        Pair {
            a,
            b,
            b_minus_a: a.zip(b).map(|(a, b)| b - a),
        }
    }
}

/// One headline figure.
#[derive(Debug, Serialize)]
struct Figure {
    /// Stable key (`die_max_c`).
    key: &'static str,
    /// What it is, for people.
    quantity: &'static str,
    unit: &'static str,
    #[serde(flatten)]
    values: Pair,
    /// The block the figure is of in A and in B (hottest die / HBM rows only).
    #[serde(skip_serializing_if = "Option::is_none")]
    a_block: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    b_block: Option<String>,
}

/// A block or layer both results have.
#[derive(Debug, Serialize)]
struct Shared {
    name: String,
    max_c: Pair,
    mean_c: Pair,
}

/// One difference map.
#[derive(Debug, Serialize)]
struct MapFigures {
    layer: String,
    coolant: bool,
    file: String,
    min_k: Option<f64>,
    max_k: Option<f64>,
    mean_k: Option<f64>,
    max_abs_k: Option<f64>,
}

/// The maps section of compare.json.
#[derive(Debug, Serialize)]
struct Maps {
    written: bool,
    /// Why not, when `written` is false.
    reason: Option<String>,
    /// The grids and how they were matched (`null` without maps).
    grid: Option<GridInfo>,
    layers: Vec<MapFigures>,
}

#[derive(Debug, Serialize)]
struct GridInfo {
    a_cell_mm: f64,
    b_cell_mm: f64,
    a_cells: [usize; 2],
    b_cells: [usize; 2],
    /// Whether the in-plane grids differ.
    resampled: bool,
    /// `cell by cell`, or how one was put on the other's grid.
    method: &'static str,
    /// `A` or `B`: the grid the maps are on.
    onto: &'static str,
}

/// Where a result came from (its directory and results.json's `input`).
#[derive(Debug, Serialize)]
struct Source {
    dir: String,
    design: String,
    design_file: Option<String>,
    overrides: Vec<String>,
}

/// compare.json.
#[derive(Debug, Serialize)]
struct Comparison {
    a: Source,
    b: Source,
    figures: Vec<Figure>,
    blocks: Vec<Shared>,
    blocks_only_in_a: Vec<String>,
    blocks_only_in_b: Vec<String>,
    layers: Vec<Shared>,
    layers_only_in_a: Vec<String>,
    layers_only_in_b: Vec<String>,
    maps: Maps,
}

pub(crate) fn run(args: Args) -> anyhow::Result<ExitCode> {
    let (ra, sa) = read_results(&args.dir_a)?;
    let (rb, sb) = read_results(&args.dir_b)?;
    for dir in [&args.dir_a, &args.dir_b] {
        if same_dir(dir, &args.out) {
            bail!(
                "--out {}: is one of the compared directories; give another directory",
                args.out.display()
            );
        }
    }
    if !(coldtray_maps::MIN_WIDTH_PX..=coldtray_maps::MAX_WIDTH_PX).contains(&args.width) {
        bail!(
            "--width {}: give {} to {} px",
            args.width,
            coldtray_maps::MIN_WIDTH_PX,
            coldtray_maps::MAX_WIDTH_PX
        );
    }
    // Fields: both or no maps.
    let fields = if args.no_png {
        Err("--no-png".to_string())
    } else {
        match (read_field(&args.dir_a)?, read_field(&args.dir_b)?) {
            (Some(a), Some(b)) => Ok((a, b)),
            (None, _) => Err(format!(
                "{} not found",
                args.dir_a.join(coldtray_maps::SAVED_FIELD).display()
            )),
            (_, None) => Err(format!(
                "{} not found",
                args.dir_b.join(coldtray_maps::SAVED_FIELD).display()
            )),
        }
    };

    let staging = Staging::prepare_marked(&args.out, COMPARE_JSON)?;
    let dir = staging.path().to_path_buf();
    let (blocks, blocks_only_in_a, blocks_only_in_b) = shared(
        &ra.blocks,
        &rb.blocks,
        |b: &BlockResult| b.name.clone(),
        |b| (b.max_c, b.mean_c),
    );
    let (layers, layers_only_in_a, layers_only_in_b) = shared(
        &ra.layers,
        &rb.layers,
        |l| l.name.clone(),
        |l| (l.max_c, l.mean_c),
    );
    let maps = match fields {
        Ok((fa, fb)) => {
            let labels = DiffLabels {
                a: label(&args.dir_a),
                b: label(&args.dir_b),
            };
            write_maps(&fa, &fb, &labels, args.width, &dir)?
        }
        Err(reason) => Maps {
            written: false,
            reason: Some(reason),
            grid: None,
            layers: Vec::new(),
        },
    };
    let cmp = Comparison {
        a: sa,
        b: sb,
        figures: figures(&ra, &rb),
        blocks,
        blocks_only_in_a,
        blocks_only_in_b,
        layers,
        layers_only_in_a,
        layers_only_in_b,
        maps,
    };
    let json = serde_json::to_vec_pretty(&cmp)?;
    for (name, bytes) in [(COMPARE_JSON, json), (COMPARE_CSV, csv_table(&cmp)?)] {
        let path = dir.join(name);
        coldtray_io::write_atomic(&path, &bytes, coldtray_io::Durability::Atomic)
            .with_context(|| format!("writing {}", path.display()))?;
    }
    staging.commit()?;
    print(&cmp, &args);
    Ok(ExitCode::SUCCESS)
}

/// Whether `a` and `b` name the same existing directory.
fn same_dir(a: &Path, b: &Path) -> bool {
    match (std::fs::canonicalize(a), std::fs::canonicalize(b)) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    }
}

/// A result directory's name for titles: its last component (or the path as given).
fn label(dir: &Path) -> String {
    dir.file_name().map_or_else(
        || dir.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    )
}

/// results.json of `dir`, and where it came from; one-line errors naming the file.
fn read_results(dir: &Path) -> anyhow::Result<(Results, Source)> {
    if !dir.is_dir() {
        bail!(
            "{}: not a directory; give a result directory written by `coldtray simulate --out DIR`",
            dir.display()
        );
    }
    let path = dir.join("results.json");
    let bytes = match std::fs::read(&path) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => bail!(
            "{} not found: {} is not a result directory (written by `coldtray simulate --out DIR`)",
            path.display(),
            dir.display()
        ),
        Err(e) => return Err(e).with_context(|| format!("reading {}", path.display())),
    };
    let json: serde_json::Value =
        serde_json::from_slice(&bytes).with_context(|| format!("{}: not JSON", path.display()))?;
    let input = json.get("input");
    let overrides = input
        .and_then(|i| i.get("overrides"))
        .and_then(|o| o.as_array())
        .map(|a| {
            a.iter()
                .filter_map(|s| s.as_str().map(String::from))
                .collect()
        })
        .unwrap_or_default();
    let design_file = input
        .and_then(|i| i.get("design"))
        .and_then(|d| d.as_str())
        .map(String::from);
    let results: Results = serde_json::from_value(json).map_err(|e| {
        anyhow::anyhow!(
            "{}: not a coldtray results.json ({e}; see docs/formats/results.md)",
            path.display()
        )
    })?;
    let source = Source {
        dir: dir.display().to_string(),
        design: results.design.clone(),
        design_file,
        overrides,
    };
    Ok((results, source))
}

/// The saved field of `dir`, `None` when it has none; a damaged one is an error naming it.
fn read_field(dir: &Path) -> anyhow::Result<Option<Field>> {
    if !dir.join(coldtray_maps::SAVED_FIELD).is_file() {
        return Ok(None);
    }
    Ok(Some(coldtray_maps::read_field(dir)?))
}

/// The headline figures of A and B, in the order printed.
fn figures(a: &Results, b: &Results) -> Vec<Figure> {
    let row = |key, quantity, unit, f: &dyn Fn(&Results) -> Option<f64>| Figure {
        key,
        quantity,
        unit,
        values: Pair::new(f(a), f(b)),
        a_block: None,
        b_block: None,
    };
    let block_row = |key,
                     quantity,
                     unit,
                     pick: fn(&Results) -> Option<&BlockResult>,
                     f: fn(&BlockResult) -> Option<f64>| Figure {
        key,
        quantity,
        unit,
        values: Pair::new(pick(a).and_then(f), pick(b).and_then(f)),
        a_block: pick(a).map(|x| x.name.clone()),
        b_block: pick(b).map(|x| x.name.clone()),
    };
    let coolant = |f: fn(&coldtray_solver::results::CoolantResult) -> f64| {
        move |r: &Results| r.coolant.as_ref().map(f)
    };
    vec![
        row("total_power_w", "total power", "W", &|r| {
            Some(r.total_power_w)
        }),
        row("max_c", "hottest cell", "°C", &|r| Some(r.max_c)),
        block_row(
            "die_max_c",
            "hottest die",
            "°C",
            Results::hottest_die,
            |x| Some(x.max_c),
        ),
        block_row(
            "die_margin_k",
            "hottest die: margin to limit",
            "K",
            Results::hottest_die,
            |x| x.margin_c,
        ),
        block_row(
            "hbm_max_c",
            "hottest HBM",
            "°C",
            Results::hottest_hbm,
            |x| Some(x.max_c),
        ),
        block_row(
            "hbm_margin_k",
            "hottest HBM: margin to limit",
            "K",
            Results::hottest_hbm,
            |x| x.margin_c,
        ),
        row("inlet_c", "coolant inlet", "°C", &coolant(|c| c.inlet_c)),
        row(
            "outlet_c",
            "coolant outlet (mixed)",
            "°C",
            &coolant(|c| c.outlet_c),
        ),
        row(
            "coolant_rise_k",
            "coolant rise",
            "K",
            &coolant(|c| c.outlet_c - c.inlet_c),
        ),
        row(
            "flow_lpm",
            "coolant flow",
            "L/min",
            &coolant(|c| c.flow_lpm),
        ),
        row(
            "heat_absorbed_w",
            "heat into coolant",
            "W",
            &coolant(|c| c.heat_absorbed_w),
        ),
        row(
            "pressure_drop_kpa",
            "pressure drop Δp",
            "kPa",
            &coolant(|c| c.pressure_drop_kpa),
        ),
        row("r_th_k_per_w", "thermal resistance R_th", "K/W", &|r| {
            r.thermal_resistance_c_per_w
        }),
        row("boundary_top_w", "heat out: top", "W", &|r| {
            Some(r.boundary_heat_w.top)
        }),
        row("boundary_bottom_w", "heat out: bottom", "W", &|r| {
            Some(r.boundary_heat_w.bottom)
        }),
        row("boundary_sides_w", "heat out: sides", "W", &|r| {
            Some(r.boundary_heat_w.sides)
        }),
        row("energy_balance_error", "energy balance error", "1", &|r| {
            r.energy_balance_error
        }),
        row("cells", "solver cells", "", &|r| {
            Some(r.solver.cells as f64)
        }),
    ]
}

/// The items of `a` and `b` that share a name (in A's order) with their (max, mean)
/// differences, and the names only in A and only in B.
fn shared<T>(
    a: &[T],
    b: &[T],
    name: impl Fn(&T) -> String,
    values: impl Fn(&T) -> (f64, f64),
) -> (Vec<Shared>, Vec<String>, Vec<String>) {
    let mut both = Vec::new();
    let mut only_a = Vec::new();
    for x in a {
        match b.iter().find(|y| name(y) == name(x)) {
            Some(y) => {
                let ((ma, ea), (mb, eb)) = (values(x), values(y));
                both.push(Shared {
                    name: name(x),
                    max_c: Pair::new(Some(ma), Some(mb)),
                    mean_c: Pair::new(Some(ea), Some(eb)),
                });
            }
            None => only_a.push(name(x)),
        }
    }
    let only_b = b
        .iter()
        .filter(|y| !a.iter().any(|x| name(x) == name(y)))
        .map(&name)
        .collect();
    (both, only_a, only_b)
}

/// Writes the difference maps of every layer A and B share (by name) that holds blocks or
/// coolant, into `dir`; coolant layers of both get a coolant map too.
fn write_maps(
    a: &Field,
    b: &Field,
    labels: &DiffLabels,
    width: u32,
    dir: &Path,
) -> anyhow::Result<Maps> {
    let mut layers = Vec::new();
    let mut used = std::collections::HashSet::new();
    let mut grid = None;
    for (la, name) in a.layer_names.iter().enumerate() {
        let Some(lb) = b.layer_names.iter().position(|n| n == name) else {
            continue;
        };
        let coolant =
            coldtray_maps::layer_has_coolant(a, la) && coldtray_maps::layer_has_coolant(b, lb);
        let blocks =
            a.blocks.iter().any(|x| x.layer == la) || b.blocks.iter().any(|x| x.layer == lb);
        if !(coolant || blocks) {
            continue;
        }
        let mut stem = format!("diff_{}", coldtray_maps::file_stem(name));
        if !used.insert(stem.clone()) {
            stem = format!("{stem}-{la}");
            used.insert(stem.clone());
        }
        let kinds: &[bool] = if coolant { &[false, true] } else { &[false] };
        for &c in kinds {
            let d = coldtray_maps::layer_difference(a, la, b, lb, c)?;
            let file = if c {
                format!("{stem}-coolant.png")
            } else {
                format!("{stem}.png")
            };
            coldtray_maps::render_difference(&d, labels, width, &dir.join(&file))
                .with_context(|| format!("writing {file}"))?;
            grid.get_or_insert_with(|| grid_info(a, b, &d));
            layers.push(map_figures(&d, file));
        }
    }
    let reason = layers
        .is_empty()
        .then(|| "no layer with blocks or coolant in both".to_string());
    Ok(Maps {
        written: !layers.is_empty(),
        reason,
        grid,
        layers,
    })
}

fn grid_info(a: &Field, b: &Field, d: &PlaneDifference) -> GridInfo {
    GridInfo {
        a_cell_mm: a.dx_mm,
        b_cell_mm: b.dx_mm,
        a_cells: [a.nx, a.ny],
        b_cells: [b.nx, b.ny],
        resampled: d.resampled,
        method: if d.resampled {
            "nearest cell centre"
        } else {
            "cell by cell"
        },
        onto: match d.grid {
            Grid::A => "A",
            Grid::B => "B",
        },
    }
}

fn map_figures(d: &PlaneDifference, file: String) -> MapFigures {
    MapFigures {
        layer: d.layer.clone(),
        coolant: d.coolant,
        file,
        min_k: d.min_k(),
        max_k: d.max_k(),
        mean_k: d.mean_k(),
        max_abs_k: d.max_abs_k(),
    }
}

/// compare.csv: `section,name,quantity,unit,a,b,b_minus_a`, numbers exact, empty when absent.
fn csv_table(c: &Comparison) -> anyhow::Result<Vec<u8>> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(["section", "name", "quantity", "unit", "a", "b", "b_minus_a"])?;
    let n = |v: Option<f64>| v.map(|v| v.to_string()).unwrap_or_default();
    let pair = |p: &Pair| [n(p.a), n(p.b), n(p.b_minus_a)];
    for f in &c.figures {
        let name = match (&f.a_block, &f.b_block) {
            (Some(x), Some(y)) if x == y => x.clone(),
            (Some(x), Some(y)) => format!("{x} / {y}"),
            (Some(x), None) | (None, Some(x)) => x.clone(),
            (None, None) => String::new(),
        };
        let [a, b, d] = pair(&f.values);
        w.write_record(["figure", &name, f.key, f.unit, &a, &b, &d])?;
    }
    for (section, items) in [("block", &c.blocks), ("layer", &c.layers)] {
        for s in items {
            for (q, p) in [("max_c", &s.max_c), ("mean_c", &s.mean_c)] {
                let [a, b, d] = pair(p);
                w.write_record([section, &s.name, q, "°C", &a, &b, &d])?;
            }
        }
    }
    w.into_inner()
        .map_err(|e| anyhow::anyhow!("writing {COMPARE_CSV}: {e}"))
}

/// A figure for the printed table: enough decimals for its unit.
fn show(v: Option<f64>, unit: &str, signed: bool) -> String {
    let Some(v) = v else {
        return "—".into();
    };
    if v == 0.0 {
        return "0".into();
    }
    let s = match unit {
        "1" => format!("{v:.2e}"),
        "K/W" => format!("{v:.5}"),
        "" => format!("{v:.0}"),
        _ => format!("{v:.2}"),
    };
    if signed && v >= 0.0 && !s.starts_with('-') {
        format!("+{s}")
    } else {
        s
    }
}

/// Prints the comparison: the figures, the blocks, and what was written.
fn print(c: &Comparison, args: &Args) {
    outln!("A: {} ({})", c.a.dir, c.a.design);
    outln!("B: {} ({})", c.b.dir, c.b.design);
    outln!();
    outln!("{:<36} {:>12} {:>12} {:>12}", "figure", "A", "B", "B − A");
    for f in &c.figures {
        let unit = if f.unit.is_empty() || f.unit == "1" {
            String::new()
        } else {
            format!(" ({})", f.unit)
        };
        let what = format!("{}{unit}", f.quantity);
        outln!(
            "{what:<36} {:>12} {:>12} {:>12}",
            show(f.values.a, f.unit, false),
            show(f.values.b, f.unit, false),
            show(f.values.b_minus_a, f.unit, true)
        );
    }
    for f in c.figures.iter().filter(|f| f.key.ends_with("_max_c")) {
        let name = |b: &Option<String>| b.clone().unwrap_or_else(|| "none".into());
        if f.a_block != f.b_block || f.a_block.is_none() {
            outln!(
                "  {}: {} in A, {} in B",
                f.quantity,
                name(&f.a_block),
                name(&f.b_block)
            );
        }
    }
    outln!();
    outln!("{:<36} {:>12} {:>12}", "block (B − A, K)", "max", "mean");
    for s in &c.blocks {
        outln!(
            "{:<36} {:>12} {:>12}",
            s.name,
            show(s.max_c.b_minus_a, "K", true),
            show(s.mean_c.b_minus_a, "K", true)
        );
    }
    if !c.blocks_only_in_a.is_empty() {
        outln!("only in A: {}", c.blocks_only_in_a.join(", "));
    }
    if !c.blocks_only_in_b.is_empty() {
        outln!("only in B: {}", c.blocks_only_in_b.join(", "));
    }
    outln!();
    match (&c.maps.grid, &c.maps.reason) {
        (Some(g), _) if g.resampled => outln!(
            "maps: the grids differ (A {} mm, {}×{}; B {} mm, {}×{}): both sampled onto {}'s grid, nearest cell",
            g.a_cell_mm, g.a_cells[0], g.a_cells[1], g.b_cell_mm, g.b_cells[0], g.b_cells[1], g.onto
        ),
        (Some(g), _) => outln!("maps: same grid ({} mm), cell by cell", g.a_cell_mm),
        (None, Some(reason)) => outln!("maps skipped: {reason}"),
        (None, None) => {}
    }
    for m in &c.maps.layers {
        outln!(
            "  {:<40} max |B − A| {} K",
            m.file,
            show(m.max_abs_k, "K", false)
        );
    }
    outln!(
        "wrote {}: {COMPARE_JSON}, {COMPARE_CSV}{}",
        args.out.display(),
        if c.maps.layers.is_empty() {
            String::new()
        } else {
            format!(", {} difference maps", c.maps.layers.len())
        }
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pairs_and_shared_names() {
        assert_eq!(Pair::new(Some(1.5), Some(4.0)).b_minus_a, Some(2.5));
        assert_eq!(Pair::new(None, Some(4.0)).b_minus_a, None);
        let a = [("x", 1.0), ("y", 2.0)];
        let b = [("z", 3.0), ("x", 4.0)];
        let (both, only_a, only_b) = shared(&a, &b, |t| t.0.to_string(), |t| (t.1, t.1));
        assert_eq!(both.len(), 1);
        assert_eq!(both[0].max_c.b_minus_a, Some(3.0));
        assert_eq!(only_a, ["y"]);
        assert_eq!(only_b, ["z"]);
        assert_eq!(show(Some(5.0), "K", true), "+5.00");
        assert_eq!(show(Some(0.0), "K", true), "0");
        assert_eq!(show(None, "K", true), "—");
    }
}
