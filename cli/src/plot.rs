//! `coldtray plot`: re-render a map from a saved result directory without solving again.
//!
//! Reads the field saved in `DIR` by `coldtray simulate` (`field.coldtray`) and draws one
//! PNG: a layer plan view (solid or coolant temperature) or a vertical section. `--range`
//! fixes the colour scale so maps of two designs can be compared side by side.

use crate::output::outln;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{anyhow, bail, Context};
use coldtray_maps::{layer_has_coolant, render_layer, render_section, Field, MapOptions, Section};

/// Arguments of `coldtray plot`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// Result directory written by `coldtray simulate --out DIR` (holds field.coldtray).
    pub dir: PathBuf,
    /// Layer to draw in plan view [default: the layer holding the hottest cell].
    #[arg(long, conflicts_with = "section")]
    pub layer: Option<String>,
    /// Vertical section instead of a plan view: x=MM, y=MM or hottest.
    #[arg(long, value_name = "x=MM|y=MM|hottest")]
    pub section: Option<String>,
    /// Fixed colour scale in °C, e.g. 40:95 (default: the drawn plane's own min and max).
    #[arg(long, value_name = "MIN:MAX", allow_hyphen_values = true)]
    pub range: Option<String>,
    /// Draw the coolant temperature of a channel layer instead of the solid.
    #[arg(long, conflicts_with = "section")]
    pub coolant: bool,
    /// Image width in pixels.
    #[arg(long, default_value_t = 1600, value_name = "PX")]
    pub width: u32,
    /// PNG file to write.
    #[arg(long, value_name = "FILE.png")]
    pub out: PathBuf,
}

pub(crate) fn run(args: Args) -> anyhow::Result<ExitCode> {
    let range_c = args.range.as_deref().map(parse_range).transpose()?;
    let section = args.section.as_deref().map(parse_section).transpose()?;
    let saved = args.dir.join(coldtray_maps::SAVED_FIELD);
    if !saved.exists() {
        bail!(
            "{} not found: `coldtray plot` re-renders the field saved by \
             `coldtray simulate DESIGN.toml --out {}`",
            saved.display(),
            args.dir.display()
        );
    }
    // The error names the file and says what is wrong with it.
    let field = coldtray_maps::read_field(&args.dir)?;
    let opts = MapOptions {
        range_c,
        width_px: args.width,
        coolant: args.coolant,
    };
    if let Some(parent) = args.out.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent)
            .with_context(|| format!("creating directory {}", parent.display()))?;
    }
    match section {
        Some(at) => render_section(&field, at, &opts, &args.out)?,
        None => {
            let layer = pick_layer(&field, args.layer.as_deref(), args.coolant)?;
            render_layer(&field, layer, &opts, &args.out)?;
        }
    }
    outln!("wrote {}", args.out.display());
    Ok(ExitCode::SUCCESS)
}

/// `MIN:MAX` in °C, finite, MIN < MAX.
fn parse_range(s: &str) -> anyhow::Result<(f64, f64)> {
    let usage = || anyhow!("--range \"{s}\": expected MIN:MAX in °C with MIN < MAX, e.g. 40:95");
    let (a, b) = s.split_once(':').ok_or_else(usage)?;
    let lo: f64 = a.trim().parse().map_err(|_| usage())?;
    let hi: f64 = b.trim().parse().map_err(|_| usage())?;
    if !(lo.is_finite() && hi.is_finite()) {
        return Err(usage());
    }
    if lo >= hi {
        bail!("--range \"{s}\": MIN ({lo} °C) must be below MAX ({hi} °C)");
    }
    Ok((lo, hi))
}

/// `x=MM`, `y=MM` or `hottest`.
fn parse_section(s: &str) -> anyhow::Result<Section> {
    let usage = || anyhow!("--section \"{s}\": expected x=MM, y=MM or hottest, e.g. y=44.5");
    let t = s.trim().to_ascii_lowercase();
    if t == "hottest" {
        return Ok(Section::Hottest);
    }
    let (axis, v) = t.split_once('=').ok_or_else(usage)?;
    let mm: f64 = v.trim().parse().map_err(|_| usage())?;
    match axis.trim() {
        "x" => Ok(Section::X(mm)),
        "y" => Ok(Section::Y(mm)),
        _ => Err(usage()),
    }
}

/// The layer to draw: by name, else (for `--coolant`) the first coolant layer, else the
/// layer holding the hottest solid cell.
fn pick_layer(field: &Field, name: Option<&str>, coolant: bool) -> anyhow::Result<usize> {
    let coolant_layers: Vec<usize> = (0..field.layer_names.len())
        .filter(|&l| layer_has_coolant(field, l))
        .collect();
    let list = |ls: &mut dyn Iterator<Item = usize>| {
        ls.map(|l| field.layer_names[l].as_str())
            .collect::<Vec<_>>()
            .join(", ")
    };
    let layer = match name {
        Some(n) => field
            .layer_names
            .iter()
            .position(|l| l == n)
            .ok_or_else(|| {
                anyhow!(
                    "unknown layer \"{n}\"; valid layers: {}",
                    list(&mut (0..field.layer_names.len()))
                )
            })?,
        None if coolant => *coolant_layers
            .first()
            .ok_or_else(|| anyhow!("--coolant: this design has no coolant layer"))?,
        None => {
            let hot = (0..field.solid_c.len())
                .filter(|&c| field.solid_c[c].is_finite())
                .max_by(|&a, &b| field.solid_c[a].total_cmp(&field.solid_c[b]))
                .ok_or_else(|| anyhow!("the saved field has no finite temperature"))?;
            field.cell_layer[hot / (field.nx * field.ny)]
        }
    };
    if coolant && !coolant_layers.contains(&layer) {
        bail!(
            "--coolant: layer \"{}\" holds no coolant; coolant layers: {}",
            field.layer_names[layer],
            list(&mut coolant_layers.iter().copied())
        );
    }
    Ok(layer)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges() {
        assert_eq!(parse_range("40:95").ok(), Some((40.0, 95.0)));
        assert_eq!(parse_range("-5:1e2").ok(), Some((-5.0, 100.0)));
        for bad in ["95:40", "40:40", "a:b", "40", "40:nan", ":"] {
            assert!(parse_range(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn sections() {
        assert_eq!(parse_section("x=12.5").ok(), Some(Section::X(12.5)));
        assert_eq!(parse_section("Y = 3").ok(), Some(Section::Y(3.0)));
        assert_eq!(parse_section("hottest").ok(), Some(Section::Hottest));
        for bad in ["z=3", "x", "x=abc", ""] {
            assert!(parse_section(bad).is_err(), "{bad}");
        }
    }
}
