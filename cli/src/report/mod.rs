//! `coldtray report DIR`: one self-contained HTML page, `DIR/report.html`, that presents a
//! result directory written by `coldtray simulate` to a person or a design review.
//!
//! Self-contained means the file can be mailed or archived alone: the maps are embedded as
//! base64 `data:` URIs, the style sheet is inline, and the page has no script and no
//! external URL of any kind. Every string taken from a file (the design name, layer and block
//! names, warnings, the command line) is HTML-escaped by the template engine (maud), so a
//! design named `<script>` prints as text.
//!
//! What is read: `results.json` (required: the figures and the `input` provenance),
//! `design.toml` (the resolved design, through the solver's own loader, for the stack table;
//! without it the stack comes from `results.json`), and the PNGs the run wrote. Sections
//! whose source is missing (no coolant, no maps after `--no-png`, no `hydraulics`) are left
//! out. The page is written with [`coldtray_io::write_atomic`].

mod hydraulics;
mod page;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use base64::Engine as _;
use coldtray_solver::{Design, Results};
use serde::Deserialize;

use crate::output::outln;

/// The file `coldtray report` writes into the result directory.
pub(crate) const REPORT_HTML: &str = "report.html";

/// Arguments of `coldtray report`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// A result directory written by `coldtray simulate --out DIR` (holds results.json);
    /// the report is written to DIR/report.html.
    pub dir: PathBuf,
}

pub(crate) fn run(args: Args) -> anyhow::Result<ExitCode> {
    let report = Report::load(&args.dir)?;
    let html = page::render(&report);
    let path = args.dir.join(REPORT_HTML);
    coldtray_io::write_atomic(&path, html.as_bytes(), coldtray_io::Durability::Atomic)
        .with_context(|| format!("writing {}", path.display()))?;
    let images = report.maps.len() + usize::from(report.hydraulics_png.is_some());
    outln!(
        "wrote {} ({:.0} kB, {images} image(s) embedded)",
        path.display(),
        html.len() as f64 / 1024.0
    );
    Ok(ExitCode::SUCCESS)
}

/// Everything the page shows, read from one result directory.
#[derive(Debug)]
pub(crate) struct Report {
    /// The solver's figures (`results.json`).
    results: Results,
    /// The `input` section of `results.json` (who solved what, how).
    input: Provenance,
    /// The `hydraulics` object of `results.json`, when the run wrote one.
    hydraulics: Option<serde_json::Value>,
    /// The resolved design (`design.toml`), or why it could not be read.
    design: Result<Design, String>,
    /// Maps in page order: the layers bottom to top (each followed by its coolant map), the
    /// section, the probes plot, then any other PNG of the directory.
    maps: Vec<Image>,
    /// `hydraulics.png`, shown in the hydraulics section.
    hydraulics_png: Option<Image>,
    /// When `results.json` was written (its modification time), UTC.
    solved_at: Option<String>,
    /// When this report was made, UTC.
    generated_at: String,
}

/// `results.json`'s `input` (docs/formats/results.md); every key optional, so a result of
/// an older coldtray (or one missing a key) still gets a report.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct Provenance {
    design: Option<String>,
    design_sha256: Option<String>,
    power_trace_sha256: Option<String>,
    overrides: Vec<String>,
    coldtray_version: Option<String>,
    command: Vec<String>,
    working_dir: Option<String>,
}

/// One embedded PNG.
#[derive(Debug)]
struct Image {
    /// Its file name in the result directory.
    file: String,
    /// What it shows.
    caption: String,
    /// `data:image/png;base64,…`.
    data_uri: String,
}

impl Report {
    /// Reads the result directory `dir`. A missing or unreadable `results.json` is an error
    /// naming the file; every other part is optional.
    pub(crate) fn load(dir: &Path) -> anyhow::Result<Report> {
        let results_path = dir.join("results.json");
        let bytes = std::fs::read(&results_path).map_err(|e| {
            anyhow::anyhow!(
                "{}: {} (not a coldtray result directory: `coldtray simulate DESIGN.toml --out DIR` writes one)",
                results_path.display(),
                io_reason(&e)
            )
        })?;
        let raw: serde_json::Value = serde_json::from_slice(&bytes)
            .with_context(|| format!("{}: not valid JSON", results_path.display()))?;
        let results: Results = serde_json::from_value(raw.clone()).with_context(|| {
            format!(
                "{}: not a coldtray results file (see docs/formats/results.md)",
                results_path.display()
            )
        })?;
        let input = raw
            .get("input")
            .and_then(|v| serde_json::from_value(v.clone()).ok())
            .unwrap_or_default();
        let hydraulics = raw.get("hydraulics").filter(|v| !v.is_null()).cloned();
        let design_path = dir.join("design.toml");
        let design = if design_path.is_file() {
            Design::load(&design_path).map_err(|e| e.to_string())
        } else {
            Err(format!("{} is missing", design_path.display()))
        };
        let (maps, hydraulics_png) = images(dir, &results)?;
        let solved_at = std::fs::metadata(&results_path)
            .and_then(|m| m.modified())
            .ok()
            .map(|t| utc(chrono::DateTime::<chrono::Utc>::from(t)));
        Ok(Report {
            results,
            input,
            hydraulics,
            design,
            maps,
            hydraulics_png,
            solved_at,
            generated_at: utc(chrono::Utc::now()),
        })
    }
}

/// A time stamp as the page prints it.
fn utc(t: chrono::DateTime<chrono::Utc>) -> String {
    t.format("%Y-%m-%d %H:%M UTC").to_string()
}

/// The reason of an I/O error without the "(os error 2)" tail.
fn io_reason(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "no such file".into(),
        std::io::ErrorKind::PermissionDenied => "permission denied".into(),
        _ => e.to_string(),
    }
}

/// The PNGs of `dir` in page order (see [`Report::maps`]) and `hydraulics.png` apart.
fn images(dir: &Path, results: &Results) -> anyhow::Result<(Vec<Image>, Option<Image>)> {
    let mut pngs: Vec<String> = std::fs::read_dir(dir)
        .with_context(|| format!("reading directory {}", dir.display()))?
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
        .filter_map(|e| e.file_name().into_string().ok())
        .filter(|n| n.ends_with(".png"))
        .collect();
    pngs.sort();
    let mut take = |file: &str| -> Option<String> {
        let i = pngs.iter().position(|p| p == file)?;
        Some(pngs.remove(i))
    };
    let mut ordered: Vec<(String, String)> = Vec::new();
    // The maps crate names a layer's map by its sanitised name, with `-<index>` when two
    // names collide or clash with `section`/`field`: try both.
    for (index, layer) in results.layers.iter().enumerate() {
        let stem = coldtray_maps::render::file_stem(&layer.name);
        for stem in [stem.clone(), format!("{stem}-{index}")] {
            if let Some(f) = take(&format!("{stem}.png")) {
                ordered.push((f, format!("Layer {}: solid temperature", layer.name)));
                if let Some(f) = take(&format!("{stem}-coolant.png")) {
                    ordered.push((f, format!("Layer {}: coolant temperature", layer.name)));
                }
            }
        }
    }
    if let Some(f) = take("section.png") {
        ordered.push((f, "Vertical section through the hottest cell".into()));
    }
    if let Some(f) = take("probes.png") {
        ordered.push((f, "Probe temperatures and power against time".into()));
    }
    let hydraulics = take("hydraulics.png");
    ordered.extend(pngs.into_iter().map(|f| (f.clone(), f)));
    let maps = ordered
        .into_iter()
        .map(|(file, caption)| embed(dir, file, caption))
        .collect::<anyhow::Result<Vec<_>>>()?;
    let hydraulics = hydraulics
        .map(|f| embed(dir, f, "Hydraulics".into()))
        .transpose()?;
    Ok((maps, hydraulics))
}

/// Reads `dir/file` into an [`Image`].
fn embed(dir: &Path, file: String, caption: String) -> anyhow::Result<Image> {
    let path = dir.join(&file);
    let bytes = std::fs::read(&path).with_context(|| format!("reading {}", path.display()))?;
    let data_uri = format!(
        "data:image/png;base64,{}",
        base64::engine::general_purpose::STANDARD.encode(bytes)
    );
    Ok(Image {
        file,
        caption,
        data_uri,
    })
}

#[cfg(test)]
mod tests;
