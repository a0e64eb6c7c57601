//! HotSpot (github.com/uvahotspot/HotSpot) inputs → a coldtray design.
//!
//! HotSpot models a die (a floorplan of units, each dissipating its power-trace column), a
//! thermal interface, a square spreader and a square sink cooled through one lumped
//! convection resistance `r_convec`, or, with a layer configuration file, a stack of such
//! floorplanned layers under the same spreader and sink. [`import`] reads those files and
//! returns the design text and the power-trace CSV; [`translate`] holds the mapping.
//!
//! Each parser follows HotSpot's own reading rules: blank lines and lines whose first word
//! starts with `#` are skipped, words are separated by blanks or tabs, and everything after a
//! word starting with `#` is a comment.

pub mod config;
pub mod flp;
pub mod lcf;
pub mod materials;
pub mod ptrace;
pub mod translate;

use std::path::{Path, PathBuf};

use crate::ImportError;

/// The HotSpot files to import (the command line `hotspot -f … -p … -c … -materials_file …
/// -grid_layer_file …`).
#[derive(Debug, Clone, Default)]
pub struct Inputs {
    /// The floorplan (`-f`); not needed with `lcf`, whose layers name their own.
    pub flp: Option<PathBuf>,
    /// The power trace (`-p`).
    pub ptrace: PathBuf,
    /// The configuration (`-c`); without it HotSpot's built-in defaults apply.
    pub config: Option<PathBuf>,
    /// The materials file (`-materials_file`), needed when the configuration or the layer
    /// file names materials.
    pub materials: Option<PathBuf>,
    /// The layer configuration (`-grid_layer_file`) of a 3-D stack; its floorplan paths are
    /// relative to its own folder.
    pub lcf: Option<PathBuf>,
    /// The file name the design's `[transient] power_trace` gives (written next to it).
    pub trace_csv_name: String,
}

/// What an import produced.
#[derive(Debug, Clone)]
pub struct Imported {
    /// The commented `design.toml` text.
    pub design_toml: String,
    /// The power trace in the CSV form of the design's `[transient]` section.
    pub trace_csv: String,
    /// Things the user should know (ignored or approximated HotSpot parameters), one per line.
    pub notes: Vec<String>,
}

/// Reads and translates the HotSpot files of `inputs`.
pub fn import(inputs: &Inputs) -> Result<Imported, ImportError> {
    let materials = match &inputs.materials {
        Some(path) => Some(materials::parse(&read(path)?, path)?),
        None => None,
    };
    let config = match &inputs.config {
        Some(path) => config::parse(&read(path)?, path)?,
        None => config::Config::default(),
    };
    let trace = ptrace::parse(&read(&inputs.ptrace)?, &inputs.ptrace)?;
    let stack = match (&inputs.lcf, &inputs.flp) {
        (Some(lcf_path), _) => {
            let layers = lcf::parse(&read(lcf_path)?, lcf_path)?;
            let dir = lcf_path.parent().unwrap_or(Path::new(""));
            let mut floorplans = Vec::with_capacity(layers.len());
            for layer in &layers {
                let path = dir.join(&layer.flp);
                floorplans.push(flp::parse(&read(&path)?, &path)?);
            }
            translate::Source::Layers {
                lcf: lcf_path.clone(),
                layers: layers.into_iter().zip(floorplans).collect(),
            }
        }
        (None, Some(flp_path)) => translate::Source::Die(flp::parse(&read(flp_path)?, flp_path)?),
        (None, None) => {
            return Err(ImportError::file(
                &inputs.ptrace,
                "no floorplan: give the floorplan (--flp) or a layer configuration (--lcf)",
            ))
        }
    };
    translate::translate(&translate::Job {
        stack,
        config: &config,
        materials: materials.as_ref(),
        trace: &trace,
        inputs,
    })
}

/// The text of an input file, or an error naming it.
fn read(path: &Path) -> Result<String, ImportError> {
    let bytes =
        std::fs::read(path).map_err(|e| ImportError::file(path, format!("cannot read: {e}")))?;
    let text = String::from_utf8(bytes)
        .map_err(|_| ImportError::file(path, "not a text file (not UTF-8)"))?;
    Ok(text.strip_prefix('\u{feff}').unwrap_or(&text).to_string())
}

/// The words of each line that holds any, with its 1-based line number, HotSpot's way: blank
/// lines and comment lines are skipped, and a word starting with `#` ends the line.
fn words(text: &str) -> impl Iterator<Item = (usize, Vec<&str>)> {
    text.lines().enumerate().filter_map(|(i, line)| {
        let words: Vec<&str> = line
            .split_whitespace()
            .take_while(|w| !w.starts_with('#'))
            .collect();
        (!words.is_empty()).then_some((i + 1, words))
    })
}

/// A number word, or an error at `line` saying what it should have been.
fn number(word: &str, file: &Path, line: usize, what: &str) -> Result<f64, ImportError> {
    match word.parse::<f64>() {
        Ok(v) if v.is_finite() => Ok(v),
        _ => Err(ImportError::at(
            file,
            line,
            format!("expected {what} (a number), got `{word}`"),
        )),
    }
}
