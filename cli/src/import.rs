//! `coldtray import hotspot`: translate HotSpot's input files into a commented design.toml
//! (and the power trace CSV its `[transient]` section reads, written next to it). The
//! parsing and the mapping live in `coldtray-import`; this file wires arguments to files.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use coldtray_import::hotspot::{self, Inputs};
use coldtray_io::atomic::{write_atomic, Durability};

use crate::output::outln;

/// Arguments of `coldtray import`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    #[command(subcommand)]
    tool: Tool,
}

/// The tools whose inputs can be imported.
#[derive(Debug, clap::Subcommand)]
enum Tool {
    /// HotSpot (floorplan, power trace, configuration, materials, layer file) → design.toml.
    Hotspot(HotspotArgs),
}

/// Arguments of `coldtray import hotspot` (HotSpot's own option names in brackets).
#[derive(Debug, clap::Args)]
struct HotspotArgs {
    /// Floorplan [-f]: `name width height left-x bottom-y` in metres per unit.
    #[arg(long, value_name = "FILE.flp", required_unless_present = "lcf")]
    flp: Option<PathBuf>,
    /// Power trace [-p]: unit names, then one line of powers (W) per interval.
    #[arg(long, value_name = "FILE.ptrace")]
    ptrace: PathBuf,
    /// Configuration [-c]: `-name value` lines; without it HotSpot's defaults apply.
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// Materials file [-materials_file], needed when the configuration or layer file names
    /// materials.
    #[arg(long, value_name = "FILE")]
    materials: Option<PathBuf>,
    /// Layer configuration [-grid_layer_file] of a 3-D stack (replaces --flp; its floorplan
    /// paths are relative to its folder).
    #[arg(long, value_name = "FILE.lcf")]
    lcf: Option<PathBuf>,
    /// The design to write; the power trace goes next to it as `<stem>-trace.csv`.
    #[arg(long, value_name = "design.toml")]
    out: PathBuf,
}

pub(crate) fn run(args: Args) -> anyhow::Result<ExitCode> {
    match args.tool {
        Tool::Hotspot(a) => hotspot(a),
    }
}

fn hotspot(a: HotspotArgs) -> anyhow::Result<ExitCode> {
    let stem = a
        .out
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .context("--out must name a file, e.g. design.toml")?;
    let trace_csv_name = format!("{stem}-trace.csv");
    let inputs = Inputs {
        flp: a.flp,
        ptrace: a.ptrace,
        config: a.config,
        materials: a.materials,
        lcf: a.lcf,
        trace_csv_name: trace_csv_name.clone(),
    };
    let imported = hotspot::import(&inputs)?;
    let dir = a.out.parent().unwrap_or(Path::new(""));
    let trace_path = dir.join(&trace_csv_name);
    write(&trace_path, imported.trace_csv.as_bytes())?;
    write(&a.out, imported.design_toml.as_bytes())?;
    for note in &imported.notes {
        eprintln!("note: {note}");
    }
    outln!(
        "wrote {} and {} (solve with `coldtray simulate {} --steady --out DIR`)",
        a.out.display(),
        trace_path.display(),
        a.out.display()
    );
    Ok(ExitCode::SUCCESS)
}

fn write(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    write_atomic(path, bytes, Durability::Atomic)
        .with_context(|| format!("{}: cannot write", path.display()))
}
