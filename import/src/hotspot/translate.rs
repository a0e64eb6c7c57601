//! The mapping from HotSpot's model to a coldtray design, and the design's text.
//!
//! HotSpot's package, bottom (farthest from the sink) to top: the die (one block per
//! floorplan unit, power = the unit's average over the trace, HotSpot's steady convention),
//! the thermal interface (the die's outline), the square spreader and the square sink, both
//! centred on the die, and one lumped convection resistance from the sink to the ambient.
//! With a layer file the die and interface are replaced by its layers. The domain is the
//! sink's footprint; every layer is `"void"` (no material) outside its blocks, so no air or
//! package is invented around the die and spreader. The convection becomes a lumped
//! `[[boundary.patches]]` on the sink's top. All geometry is rounded to whole nanometres, so
//! the floorplan's edges meet exactly.
//!
//! The text is built line by line rather than through a TOML document model: the comments
//! that explain each mapping sit beside the values they explain, in a fixed, readable order,
//! which `toml_edit` would need the same amount of code to place. Strings are quoted and
//! escaped by the `toml` crate, numbers always print as TOML floats, and the tests parse the
//! result back with `toml`.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use super::config::{defaults, Config, Value};
use super::flp::{Floorplan, Unit};
use super::lcf::{self, LayerMaterial};
use super::materials::Materials;
use super::ptrace::Trace;
use super::{Imported, Inputs};
use crate::ImportError;

/// The nominal density (kg/m³) written for every material: HotSpot gives only ρ·c_p, and
/// conduction (steady or transient) depends only on that product.
const NOMINAL_DENSITY_KG_M3: f64 = 1000.0;

/// Lateral conductivity factor of a layer HotSpot models without lateral heat flow (`N` in a
/// layer file): coldtray needs k_xy > 0, and a millionth of k_z is negligible next to it.
const NO_LATERAL_FACTOR: f64 = 1e-6;

/// The most cells across the domain the import asks for.
const MAX_CELLS_ACROSS: i64 = 1000;

/// Where the die (or dies) come from.
#[derive(Debug, Clone)]
pub enum Source {
    /// One floorplanned die (`-f`): HotSpot adds the interface layer.
    Die(Floorplan),
    /// A layer file (`-grid_layer_file`) and each layer's floorplan, in layer order.
    Layers {
        /// The layer file.
        lcf: PathBuf,
        /// Its layers with their floorplans.
        layers: Vec<(lcf::Layer, Floorplan)>,
    },
}

/// Everything one translation reads.
#[derive(Debug)]
pub struct Job<'a> {
    /// The die or the layer stack.
    pub stack: Source,
    /// The configuration (defaults where it is silent).
    pub config: &'a Config,
    /// The materials file, if given.
    pub materials: Option<&'a Materials>,
    /// The power trace.
    pub trace: &'a Trace,
    /// The input paths (for the header) and the trace CSV's name.
    pub inputs: &'a Inputs,
}

/// A material of the design.
#[derive(Debug, Clone)]
struct Mat {
    name: String,
    k_w_mk: f64,
    lateral: bool,
    heat_capacity_j_m3k: f64,
    /// Where its numbers come from, for the comment.
    origin: String,
}

/// A rectangle in whole nanometres: (x0, y0, x1, y1).
type Rect = (i64, i64, i64, i64);

#[derive(Debug, Clone)]
struct Block {
    name: String,
    layer: String,
    rect: Rect,
    material: String,
    power_w: Option<f64>,
    comment: String,
}

#[derive(Debug, Clone)]
struct Layer {
    name: String,
    thickness_m: f64,
    comment: String,
}

/// Metres to whole nanometres.
fn nm(m: f64) -> i64 {
    (m * 1e9).round() as i64
}

/// Whole nanometres as a mm number.
fn mm(nm: i64) -> String {
    num(nm as f64 / 1e6)
}

/// A number as TOML: rounded to 12 significant digits (so 318.15 K − 273.15 is 45.0, not
/// 45.000000000000014), always with a decimal point or exponent (a TOML float).
fn num(x: f64) -> String {
    let tidy: f64 = format!("{x:.11e}").parse().unwrap_or(x);
    let tidy = if tidy == 0.0 { 0.0 } else { tidy };
    let s = format!("{tidy}");
    if s.contains(['.', 'e', 'E']) {
        s
    } else {
        format!("{s}.0")
    }
}

/// A TOML basic string (quoted and escaped by the `toml` crate).
fn string(s: &str) -> String {
    toml::Value::String(s.to_string()).to_string()
}

/// A file's name for comments (its last component).
fn short(p: &Path) -> String {
    p.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| p.display().to_string())
}

/// Where a configuration value came from.
fn origin(config: &Config, v: Value) -> String {
    match v.line {
        Some(line) => format!("{}:{line}", short(&config.file_name())),
        None => "HotSpot default".to_string(),
    }
}

/// HotSpot's conductivity and heat capacity of one package role (`chip`, `interface`,
/// `spreader`, `sink`): `-material_<role>` from the materials file overrides `-k_<role>` and
/// `-p_<role>`, as in HotSpot.
fn role_material(
    job: &Job,
    role: &str,
    k_default: f64,
    p_default: f64,
) -> Result<Mat, ImportError> {
    let config = job.config;
    let name = format!("hotspot_{role}");
    if let Some(p) = config.text(&format!("material_{role}")) {
        let m = named_material(
            job,
            &p.value,
            &config.file_name(),
            p.line,
            &format!("-material_{role}"),
        )?;
        return Ok(Mat {
            name,
            k_w_mk: m.0,
            lateral: true,
            heat_capacity_j_m3k: m.1,
            origin: format!(
                "-material_{role} {} ({}:{}) → {}",
                p.value,
                short(&config.file_name()),
                p.line,
                m.2
            ),
        });
    }
    let k = config.number(
        &format!("k_{role}"),
        k_default,
        "a conductivity in W/(m·K)",
        1e-6..=1e5,
    )?;
    let c = config.number(
        &format!("p_{role}"),
        p_default,
        "a volumetric heat capacity in J/(m³·K)",
        1.0..=1e9,
    )?;
    if k.v <= 0.0 {
        return Err(ImportError::at(
            &config.file_name(),
            k.line.unwrap_or(0),
            format!("-k_{role} must be > 0"),
        ));
    }
    Ok(Mat {
        name,
        k_w_mk: k.v,
        lateral: true,
        heat_capacity_j_m3k: c.v,
        origin: format!(
            "-k_{role} {} W/(m·K) ({}), -p_{role} {} J/(m³·K) ({})",
            num(k.v),
            origin(config, k),
            num(c.v),
            origin(config, c)
        ),
    })
}

/// A material of the materials file: (k, ρ·c_p, description), or an error at `file:line`
/// (the place that names it).
fn named_material(
    job: &Job,
    name: &str,
    file: &Path,
    line: usize,
    what: &str,
) -> Result<(f64, f64, String), ImportError> {
    let Some(materials) = job.materials else {
        return Err(ImportError::at(
            file,
            line,
            format!("{what} names the material `{name}`: give the materials file with --materials"),
        ));
    };
    match materials.get(name) {
        Some(m) if !m.fluid => Ok((
            m.k_w_mk,
            m.heat_capacity_j_m3k,
            format!(
                "k {} W/(m·K), ρ·c_p {} J/(m³·K) ({}:{})",
                num(m.k_w_mk),
                num(m.heat_capacity_j_m3k),
                short(&materials.file),
                m.line
            ),
        )),
        Some(_) => Err(ImportError::at(
            file,
            line,
            format!(
                "{what}: `{name}` is a fluid in {}; a layer needs a solid",
                materials.file.display()
            ),
        )),
        None => {
            let names: Vec<&str> = materials.list.iter().map(|m| m.name.as_str()).collect();
            Err(ImportError::at(
                file,
                line,
                format!(
                    "{what}: no material `{name}` in {} (it has: {})",
                    materials.file.display(),
                    names.join(", ")
                ),
            ))
        }
    }
}

/// Rejects the HotSpot features the import does not translate.
fn reject_unsupported(config: &Config) -> Result<(), ImportError> {
    let unsupported = [
        ("model_secondary", "HotSpot's secondary heat path (C4/underfill, substrate, solder, PCB) is not imported; set it to 0, or add those layers to the design by hand"),
        ("use_microfluidic_cooling", "HotSpot's microfluidic cooling is not imported; describe the cold plate with [layers.channels] and [coolant]"),
        ("leakage_used", "HotSpot's leakage loop is not imported; give blocks leakage_w, leakage_ref_c and leakage_doubling_k instead"),
        ("package_model_used", "HotSpot's detailed package model is not imported; set it to 0 (the convection is then -r_convec)"),
    ];
    for (name, why) in unsupported {
        if let Some(line) = config.flag(name)? {
            return Err(ImportError::at(
                &config.file_name(),
                line,
                format!("-{name} 1: {why}"),
            ));
        }
    }
    Ok(())
}

/// The uncovered parts of `outline` (the floorplan's dead space), as few rectangles as a
/// row-by-row sweep over the units' edges gives.
fn dead_space(units: &[Rect], outline: Rect) -> Vec<Rect> {
    let mut xs: Vec<i64> = units
        .iter()
        .flat_map(|r| [r.0, r.2])
        .chain([outline.0, outline.2])
        .collect();
    let mut ys: Vec<i64> = units
        .iter()
        .flat_map(|r| [r.1, r.3])
        .chain([outline.1, outline.3])
        .collect();
    xs.sort_unstable();
    xs.dedup();
    ys.sort_unstable();
    ys.dedup();
    let covered = |x0: i64, y0: i64, x1: i64, y1: i64| {
        units
            .iter()
            .any(|r| r.0 <= x0 && r.2 >= x1 && r.1 <= y0 && r.3 >= y1)
    };
    let mut done: Vec<Rect> = Vec::new();
    let mut open: Vec<Rect> = Vec::new();
    for yw in ys.windows(2) {
        let (y0, y1) = (yw[0], yw[1]);
        let mut spans: Vec<(i64, i64)> = Vec::new();
        for xw in xs.windows(2) {
            if covered(xw[0], y0, xw[1], y1) {
                continue;
            }
            match spans.last_mut() {
                Some(last) if last.1 == xw[0] => last.1 = xw[1],
                _ => spans.push((xw[0], xw[1])),
            }
        }
        let mut next_open = Vec::new();
        for (x0, x1) in spans {
            match open
                .iter()
                .position(|r| r.0 == x0 && r.2 == x1 && r.3 == y0)
            {
                Some(i) => {
                    let mut r = open.swap_remove(i);
                    r.3 = y1;
                    next_open.push(r);
                }
                None => next_open.push((x0, y0, x1, y1)),
            }
        }
        done.append(&mut open);
        open = next_open;
    }
    done.append(&mut open);
    done.sort_unstable_by_key(|r| (r.1, r.0));
    done
}

/// Translates a job into the design text and the trace CSV.
pub fn translate(job: &Job) -> Result<Imported, ImportError> {
    let config = job.config;
    let cfile = config.file_name();
    reject_unsupported(config)?;
    let mut notes: Vec<String> = Vec::new();
    let mut mapping: Vec<String> = Vec::new();

    // Package numbers.
    let t_sink = config.number(
        "t_sink",
        defaults::T_SINK,
        "the sink thickness in m",
        1e-9..=0.1,
    )?;
    let s_sink = config.number("s_sink", defaults::S_SINK, "the sink side in m", 1e-9..=1.0)?;
    let t_spreader = config.number(
        "t_spreader",
        defaults::T_SPREADER,
        "the spreader thickness in m",
        1e-9..=0.1,
    )?;
    let s_spreader = config.number(
        "s_spreader",
        defaults::S_SPREADER,
        "the spreader side in m",
        1e-9..=1.0,
    )?;
    let r_convec = config.number(
        "r_convec",
        defaults::R_CONVEC,
        "the convection resistance in K/W",
        1e-9..=1e6,
    )?;
    let ambient = config.number(
        "ambient",
        defaults::AMBIENT,
        "the ambient temperature in kelvin",
        150.0..=1000.0,
    )?;
    let init_temp = config.number(
        "init_temp",
        defaults::INIT_TEMP,
        "the initial temperature in kelvin",
        150.0..=1000.0,
    )?;
    let interval = config.number(
        "sampling_intvl",
        defaults::SAMPLING_INTVL,
        "the sampling interval in s",
        1e-12..=1e6,
    )?;
    let rows = config.number(
        "grid_rows",
        defaults::GRID,
        "the grid rows",
        1.0..=100_000.0,
    )?;
    let cols = config.number(
        "grid_cols",
        defaults::GRID,
        "the grid columns",
        1.0..=100_000.0,
    )?;
    let spreader = role_material(job, "spreader", defaults::K_SPREADER, defaults::P_SPREADER)?;
    let sink = role_material(job, "sink", defaults::K_SINK, defaults::P_SINK)?;
    let mut materials: Vec<Mat> = Vec::new();

    // The die layers (bottom up) with their floorplans, powered or not.
    struct Planned<'f> {
        layer: Layer,
        fill: Mat,
        power: bool,
        flp: &'f Floorplan,
    }
    let mut planned: Vec<Planned> = Vec::new();
    let mut interface: Option<(Layer, Mat)> = None;
    match &job.stack {
        Source::Die(flp) => {
            let t_chip = config.number(
                "t_chip",
                defaults::T_CHIP,
                "the chip thickness in m",
                1e-9..=0.1,
            )?;
            let chip = role_material(job, "chip", defaults::K_CHIP, defaults::P_CHIP)?;
            mapping.push(format!(
                "-t_chip {} m ({}) → layer \"die\", {} mm",
                num(t_chip.v),
                origin(config, t_chip),
                num(t_chip.v * 1e3)
            ));
            mapping.push(format!(
                "chip material: {} → material \"{}\"",
                chip.origin, chip.name
            ));
            planned.push(Planned {
                layer: Layer {
                    name: "die".into(),
                    thickness_m: t_chip.v,
                    comment: format!("the die ({}); void outside it", short(&flp.file)),
                },
                fill: chip,
                power: true,
                flp,
            });
            let t_int = config.number(
                "t_interface",
                defaults::T_INTERFACE,
                "the interface thickness in m",
                1e-9..=0.1,
            )?;
            let int = role_material(
                job,
                "interface",
                defaults::K_INTERFACE,
                defaults::P_INTERFACE,
            )?;
            mapping.push(format!(
                "-t_interface {} m ({}) → layer \"interface\", {} mm, the die's outline",
                num(t_int.v),
                origin(config, t_int),
                num(t_int.v * 1e3)
            ));
            mapping.push(format!(
                "interface material: {} → material \"{}\"",
                int.origin, int.name
            ));
            interface = Some((
                Layer {
                    name: "interface".into(),
                    thickness_m: t_int.v,
                    comment:
                        "HotSpot's thermal interface material, the die's outline; void outside it"
                            .into(),
                },
                int,
            ));
        }
        Source::Layers {
            lcf: lcf_path,
            layers,
        } => {
            for p in [
                "t_chip",
                "k_chip",
                "p_chip",
                "material_chip",
                "t_interface",
                "k_interface",
                "p_interface",
                "material_interface",
            ] {
                if let Some(param) = config.params.get(p) {
                    notes.push(format!("{}:{}: -{p} is not used with a layer file (its layers replace the die and the interface)", short(&cfile), param.line));
                }
            }
            for (l, flp) in layers {
                let name = format!("layer{}", l.number);
                let (k, c, how) = match &l.material {
                    LayerMaterial::Values {
                        heat_capacity_j_m3k,
                        resistivity_mk_w,
                    } => (
                        1.0 / resistivity_mk_w,
                        *heat_capacity_j_m3k,
                        format!(
                            "resistivity {} m·K/W, ρ·c_p {} J/(m³·K)",
                            num(*resistivity_mk_w),
                            num(*heat_capacity_j_m3k)
                        ),
                    ),
                    LayerMaterial::Named(m) => {
                        let (k, c, d) = named_material(
                            job,
                            m,
                            lcf_path,
                            l.line,
                            &format!("layer {}", l.number),
                        )?;
                        (k, c, format!("material {m}: {d}"))
                    }
                };
                mapping.push(format!(
                    "{} layer {} ({}:{}): {} m, {}, lateral {}, power {} → layer \"{name}\", {} mm",
                    short(lcf_path),
                    l.number,
                    short(lcf_path),
                    l.line,
                    num(l.thickness_m),
                    short(&flp.file),
                    if l.lateral { "Y" } else { "N" },
                    if l.power { "Y" } else { "N" },
                    num(l.thickness_m * 1e3)
                ));
                planned.push(Planned {
                    layer: Layer {
                        name: name.clone(),
                        thickness_m: l.thickness_m,
                        comment: format!(
                            "layer {} of {} ({}{}); void outside it",
                            l.number,
                            short(lcf_path),
                            short(&flp.file),
                            if l.power { ", powered" } else { "" }
                        ),
                    },
                    fill: Mat {
                        name: format!("{name}_material"),
                        k_w_mk: k,
                        lateral: l.lateral,
                        heat_capacity_j_m3k: c,
                        origin: how,
                    },
                    power: l.power,
                    flp,
                });
            }
        }
    }

    // Geometry: the chip outline (every layer's must match, as HotSpot requires), centred on
    // the spreader, centred on the sink.
    let bounds = |f: &Floorplan| {
        let (l, b, r, t) = f.bounds_m();
        (nm(l), nm(b), nm(r), nm(t))
    };
    let first = planned
        .first()
        .map(|p| p.flp)
        .ok_or_else(|| ImportError::file(&cfile, "no layers"))?;
    let outline = bounds(first);
    for p in &planned[1..] {
        let o = bounds(p.flp);
        if (o.2 - o.0, o.3 - o.1) != (outline.2 - outline.0, outline.3 - outline.1) {
            return Err(ImportError::file(
                &p.flp.file,
                format!(
                    "the floorplan is {} × {} mm but {}'s is {} × {} mm; HotSpot needs every layer the same size",
                    mm(o.2 - o.0), mm(o.3 - o.1), first.file.display(), mm(outline.2 - outline.0), mm(outline.3 - outline.1)
                ),
            ));
        }
    }
    let (chip_w, chip_h) = (outline.2 - outline.0, outline.3 - outline.1);
    let side = nm(s_sink.v);
    let sp_side = nm(s_spreader.v);
    if sp_side < chip_w.max(chip_h) {
        return Err(ImportError::at(
            &cfile,
            s_spreader.line.unwrap_or(0),
            format!(
                "-s_spreader {} m is smaller than the die ({} × {} mm); the spreader must cover it",
                num(s_spreader.v),
                mm(chip_w),
                mm(chip_h)
            ),
        ));
    }
    if side < sp_side {
        return Err(ImportError::at(
            &cfile, s_sink.line.unwrap_or(0),
            format!("-s_sink {} m is smaller than the spreader (-s_spreader {} m); the sink must cover it", num(s_sink.v), num(s_spreader.v)),
        ));
    }
    let shift = (
        (side - chip_w) / 2 - outline.0,
        (side - chip_h) / 2 - outline.1,
    );
    let chip_rect = (
        outline.0 + shift.0,
        outline.1 + shift.1,
        outline.2 + shift.0,
        outline.3 + shift.1,
    );
    let sp0 = (side - sp_side) / 2;
    let sp_rect = (sp0, sp0, sp0 + sp_side, sp0 + sp_side);

    // Powers: the trace names exactly the powered units (as HotSpot requires).
    let averages = job.trace.average_w();
    let powered: Vec<&Unit> = planned
        .iter()
        .filter(|p| p.power)
        .flat_map(|p| p.flp.units.iter())
        .collect();
    for name in &job.trace.names {
        if !powered.iter().any(|u| &u.name == name) {
            return Err(ImportError::file(
                &job.trace.file,
                format!("unit `{name}` is not a unit of a powered floorplan layer; the trace's columns must be the floorplan's units"),
            ));
        }
    }
    for u in &powered {
        if !job.trace.names.contains(&u.name) {
            let flp_file = planned
                .iter()
                .find(|p| p.flp.units.iter().any(|x| std::ptr::eq(x, *u)))
                .map(|p| p.flp.file.clone())
                .unwrap_or_default();
            return Err(ImportError::at(
                &flp_file,
                u.line,
                format!(
                    "unit `{}` has no column in the power trace {}; HotSpot needs one per unit",
                    u.name,
                    job.trace.file.display()
                ),
            ));
        }
    }
    let power_of = |name: &str| {
        job.trace
            .names
            .iter()
            .position(|n| n == name)
            .map(|i| averages[i])
    };

    // Layers and blocks.
    let mut layers: Vec<Layer> = Vec::new();
    let mut blocks: Vec<Block> = Vec::new();
    let add_material = |m: &Mat, materials: &mut Vec<Mat>| {
        if !materials.iter().any(|x| x.name == m.name) {
            materials.push(m.clone());
        }
    };
    for p in &planned {
        add_material(&p.fill, &mut materials);
        let mut rects = Vec::new();
        for u in &p.flp.units {
            let rect = (
                nm(u.left_m) + shift.0,
                nm(u.bottom_m) + shift.1,
                nm(u.left_m) + nm(u.width_m) + shift.0,
                nm(u.bottom_m) + nm(u.height_m) + shift.1,
            );
            rects.push(rect);
            let name = if p.power {
                u.name.clone()
            } else {
                format!("{}_{}", p.layer.name, u.name)
            };
            let material = match u.own {
                Some(own) => {
                    let m = Mat {
                        name: format!("{name}_material"),
                        k_w_mk: 1.0 / own.resistivity_mk_w,
                        lateral: p.fill.lateral,
                        heat_capacity_j_m3k: own.heat_capacity_j_m3k,
                        origin: format!(
                            "{}:{}: resistivity {} m·K/W, ρ·c_p {} J/(m³·K)",
                            short(&p.flp.file),
                            u.line,
                            num(own.resistivity_mk_w),
                            num(own.heat_capacity_j_m3k)
                        ),
                    };
                    add_material(&m, &mut materials);
                    m.name
                }
                None => p.fill.name.clone(),
            };
            if let Some(b) = blocks.iter().find(|b| b.name == name) {
                return Err(ImportError::at(
                    &p.flp.file,
                    u.line,
                    format!("unit `{}` would be the block `{name}`, which layer `{}` already has; rename one of them", u.name, b.layer),
                ));
            }
            let power_w = if p.power { power_of(&u.name) } else { None };
            blocks.push(Block {
                name,
                layer: p.layer.name.clone(),
                rect,
                material,
                power_w,
                comment: format!(
                    "{}:{}{}",
                    short(&p.flp.file),
                    u.line,
                    if power_w.is_some() {
                        format!(", power = average of the trace column `{}`", u.name)
                    } else {
                        String::new()
                    }
                ),
            });
        }
        for (i, rect) in dead_space(&rects, chip_rect).into_iter().enumerate() {
            blocks.push(Block {
                name: format!("{}_dead_space_{i}", p.layer.name),
                layer: p.layer.name.clone(),
                rect,
                material: p.fill.name.clone(),
                power_w: None,
                comment: format!("a part of the die outline no unit of {} covers (HotSpot fills it with the layer's material)", short(&p.flp.file)),
            });
        }
        layers.push(p.layer.clone());
    }
    if let Some((layer, mat)) = interface {
        add_material(&mat, &mut materials);
        blocks.push(Block {
            name: "interface".into(),
            layer: layer.name.clone(),
            rect: chip_rect,
            material: mat.name.clone(),
            power_w: None,
            comment: "the die's outline".into(),
        });
        layers.push(layer);
    }
    add_material(&spreader, &mut materials);
    add_material(&sink, &mut materials);
    layers.push(Layer {
        name: "spreader".into(),
        thickness_m: t_spreader.v,
        comment: "HotSpot's heat spreader, centred; void outside it".into(),
    });
    blocks.push(Block {
        name: "spreader".into(),
        layer: "spreader".into(),
        rect: sp_rect,
        material: spreader.name.clone(),
        power_w: None,
        comment: format!(
            "-s_spreader {} m ({})",
            num(s_spreader.v),
            origin(config, s_spreader)
        ),
    });
    layers.push(Layer {
        name: "sink".into(),
        thickness_m: t_sink.v,
        comment: "HotSpot's heat sink base: the whole domain".into(),
    });
    blocks.push(Block {
        name: "sink".into(),
        layer: "sink".into(),
        rect: (0, 0, side, side),
        material: sink.name.clone(),
        power_w: None,
        comment: format!("-s_sink {} m ({})", num(s_sink.v), origin(config, s_sink)),
    });
    for name in ["interface", "spreader", "sink"] {
        if blocks.iter().filter(|b| b.name == name).count() > 1 {
            return Err(ImportError::file(
                &job.trace.file,
                format!("a floorplan unit is called `{name}`, the name of the block the import gives HotSpot's {name}; rename the unit"),
            ));
        }
    }
    mapping.push(format!(
        "-t_spreader {} m ({}), -s_spreader {} m ({}) → layer \"spreader\", a centred {} mm block",
        num(t_spreader.v),
        origin(config, t_spreader),
        num(s_spreader.v),
        origin(config, s_spreader),
        mm(sp_side)
    ));
    mapping.push(format!(
        "spreader material: {} → material \"{}\"",
        spreader.origin, spreader.name
    ));
    mapping.push(format!(
        "-t_sink {} m ({}), -s_sink {} m ({}) → layer \"sink\"; the domain is its {} mm footprint",
        num(t_sink.v),
        origin(config, t_sink),
        num(s_sink.v),
        origin(config, s_sink),
        mm(side)
    ));
    mapping.push(format!(
        "sink material: {} → material \"{}\"",
        sink.origin, sink.name
    ));
    mapping.push(format!(
        "-r_convec {} K/W ({}) → [[boundary.patches]] on the sink's top, r_k_w",
        num(r_convec.v),
        origin(config, r_convec)
    ));
    mapping.push(format!(
        "-ambient {} K ({}) → ambient_c {}",
        num(ambient.v),
        origin(config, ambient),
        num(ambient.v - 273.15)
    ));
    mapping.push(format!(
        "-sampling_intvl {} s ({}) → [transient] dt_s",
        num(interval.v),
        origin(config, interval)
    ));
    mapping.push(format!(
        "-init_temp {} K ({}) → [transient] initial_c {}",
        num(init_temp.v),
        origin(config, init_temp),
        num(init_temp.v - 273.15)
    ));
    let cell_nm = ((chip_w as f64 / cols.v).min(chip_h as f64 / rows.v)).max(1.0) as i64;
    // At most 1000 cells across the sink: a tiny die under a large sink would otherwise ask
    // for more cells than the solver takes (the user can still refine with --cell-mm).
    let cell = cell_nm.max(side / MAX_CELLS_ACROSS).min(side);
    mapping.push(format!(
        "-grid_rows {} ({}), -grid_cols {} ({}) → domain.cell_mm {}: HotSpot's cell over the die; coldtray grids the whole sink footprint in it",
        rows.v, origin(config, rows), cols.v, origin(config, cols), mm(cell)
    ));
    let mut unused: Vec<String> = Vec::new();
    for (name, line, why) in config.ignored() {
        match why {
            Some(why) => notes.push(format!("{}:{line}: -{name} ignored: {why}", short(&cfile))),
            None => unused.push(format!("-{name}")),
        }
    }

    let design_toml = render(
        job,
        &Rendered {
            mapping: &mapping,
            notes: &notes,
            unused: &unused,
            materials: &materials,
            layers: &layers,
            blocks: &blocks,
            side,
            cell,
            r_convec: r_convec.v,
            ambient_c: ambient.v - 273.15,
            interval_s: interval.v,
            initial_c: init_temp.v - 273.15,
        },
    );
    let trace_csv = trace_csv(job.trace, interval.v);
    Ok(Imported {
        design_toml,
        trace_csv,
        notes,
    })
}

/// What [`render`] writes.
struct Rendered<'a> {
    mapping: &'a [String],
    notes: &'a [String],
    unused: &'a [String],
    materials: &'a [Mat],
    layers: &'a [Layer],
    blocks: &'a [Block],
    side: i64,
    cell: i64,
    r_convec: f64,
    ambient_c: f64,
    interval_s: f64,
    initial_c: f64,
}

/// The design's text.
fn render(job: &Job, r: &Rendered) -> String {
    let inputs = job.inputs;
    let trace = job.trace;
    let mut s = String::new();
    let total_w: f64 = r.blocks.iter().filter_map(|b| b.power_w).sum();
    let _ = writeln!(
        s,
        "# Imported by `coldtray import hotspot` from HotSpot inputs:"
    );
    match &job.stack {
        Source::Die(f) => {
            let _ = writeln!(
                s,
                "#   floorplan      {} ({} units)",
                f.file.display(),
                f.units.len()
            );
        }
        Source::Layers { lcf, layers } => {
            let _ = writeln!(
                s,
                "#   layer file     {} ({} layers)",
                lcf.display(),
                layers.len()
            );
        }
    }
    let _ = writeln!(
        s,
        "#   power trace    {} ({} units × {} intervals)",
        trace.file.display(),
        trace.names.len(),
        trace.rows.len()
    );
    let _ = writeln!(
        s,
        "#   configuration  {}",
        inputs
            .config
            .as_ref()
            .map_or("none (HotSpot's defaults)".to_string(), |p| p
                .display()
                .to_string())
    );
    if let Some(m) = &inputs.materials {
        let _ = writeln!(s, "#   materials      {}", m.display());
    }
    let _ = writeln!(s, "#");
    let _ = writeln!(
        s,
        "# HotSpot's model, bottom up: die, interface, spreader, sink; the spreader and sink are"
    );
    let _ = writeln!(s, "# squares centred on the die, every layer is void outside its blocks (no air or package is");
    let _ = writeln!(
        s,
        "# invented), and the sink's top reaches the ambient through one lumped resistance. Steady"
    );
    let _ = writeln!(
        s,
        "# powers are each unit's average over the trace ({} W in all), as HotSpot's steady solve",
        num(total_w)
    );
    let _ = writeln!(
        s,
        "# uses them: `coldtray simulate --steady` is HotSpot's steady run; without --steady the"
    );
    let _ = writeln!(
        s,
        "# [transient] section replays the trace at HotSpot's sampling interval."
    );
    let _ = writeln!(s, "#");
    let _ = writeln!(
        s,
        "# How HotSpot's parameters (SI units, kelvin) became this design:"
    );
    for m in r.mapping {
        let _ = writeln!(s, "#   {m}");
    }
    if !r.notes.is_empty() {
        let _ = writeln!(s, "# Not represented:");
        for n in r.notes {
            let _ = writeln!(s, "#   {n}");
        }
    }
    if !r.unused.is_empty() {
        let _ = writeln!(
            s,
            "# Unused (a HotSpot feature that is off, or the floorplanner's):"
        );
        let mut line = String::from("#  ");
        for u in r.unused {
            if line.len() + u.len() > 92 {
                let _ = writeln!(s, "{line}");
                line = String::from("#  ");
            }
            line.push(' ');
            line.push_str(u);
        }
        let _ = writeln!(s, "{line}");
    }
    let title = match &job.stack {
        Source::Die(f) => short(&f.file),
        Source::Layers { lcf, .. } => short(lcf),
    };
    let _ = writeln!(
        s,
        "\nname = {}",
        string(&format!("HotSpot import: {title} + {}", short(&trace.file)))
    );

    let _ = writeln!(s, "\n[domain]\n# The sink's footprint; the die and the spreader are centred on it, as in HotSpot.");
    let _ = writeln!(s, "width_mm = {}\ndepth_mm = {}", mm(r.side), mm(r.side));
    let _ = writeln!(
        s,
        "cell_mm = {}   # HotSpot's in-die cell (-grid_rows/-grid_cols); change with --cell-mm",
        mm(r.cell)
    );

    let _ = writeln!(
        s,
        "\n# HotSpot gives each material's conductivity and volumetric heat capacity ρ·c_p only;"
    );
    let _ = writeln!(
        s,
        "# conduction depends on ρ·c_p alone, so the density is a nominal {} kg/m³ and",
        num(NOMINAL_DENSITY_KG_M3)
    );
    let _ = writeln!(s, "# cp_j_kgk = ρ·c_p / {}.", num(NOMINAL_DENSITY_KG_M3));
    for m in r.materials {
        let _ = writeln!(s, "\n[[materials]]\n# {}", m.origin);
        let _ = writeln!(s, "name = {}", string(&m.name));
        if m.lateral {
            let _ = writeln!(s, "k = {}", num(m.k_w_mk));
        } else {
            let _ = writeln!(
                s,
                "# HotSpot layer without lateral heat flow: in-plane k is k_z × {}",
                num(NO_LATERAL_FACTOR)
            );
            let _ = writeln!(
                s,
                "k_xy = {}\nk_z = {}",
                num(m.k_w_mk * NO_LATERAL_FACTOR),
                num(m.k_w_mk)
            );
        }
        let _ = writeln!(s, "density_kg_m3 = {}", num(NOMINAL_DENSITY_KG_M3));
        let _ = writeln!(
            s,
            "cp_j_kgk = {}   # ρ·c_p = {} J/(m³·K)",
            num(m.heat_capacity_j_m3k / NOMINAL_DENSITY_KG_M3),
            num(m.heat_capacity_j_m3k)
        );
    }

    let _ = writeln!(s, "\n# Layers, bottom (farthest from the sink) up.");
    for l in r.layers {
        let _ = writeln!(s, "\n[[layers]]\n# {}", l.comment);
        let _ = writeln!(
            s,
            "name = {}\nthickness_mm = {}\nmaterial = \"void\"",
            string(&l.name),
            num(l.thickness_m * 1e3)
        );
    }

    for b in r.blocks {
        let _ = writeln!(s, "\n[[blocks]]\n# {}", b.comment);
        let _ = writeln!(
            s,
            "name = {}\nlayer = {}",
            string(&b.name),
            string(&b.layer)
        );
        let _ = writeln!(
            s,
            "x_mm = {}\ny_mm = {}\nwidth_mm = {}\ndepth_mm = {}",
            mm(b.rect.0),
            mm(b.rect.1),
            mm(b.rect.2 - b.rect.0),
            mm(b.rect.3 - b.rect.1)
        );
        let _ = writeln!(s, "material = {}", string(&b.material));
        if let Some(p) = b.power_w {
            let _ = writeln!(s, "power_w = {}", num(p));
        }
    }

    let _ = writeln!(s, "\n# HotSpot's -r_convec: the sink's top reaches the ambient through one lumped resistance.");
    let _ = writeln!(
        s,
        "[[boundary.patches]]\nface = \"top\"\nx_mm = 0.0\ny_mm = 0.0"
    );
    let _ = writeln!(s, "width_mm = {}\ndepth_mm = {}", mm(r.side), mm(r.side));
    let _ = writeln!(
        s,
        "ambient_c = {}\nr_k_w = {}",
        num(r.ambient_c),
        num(r.r_convec)
    );

    let n = trace.rows.len() as f64;
    let _ = writeln!(s, "\n# The power trace, one row per HotSpot sampling interval (`--steady` skips this section).");
    let _ = writeln!(
        s,
        "[transient]\nduration_s = {}\ndt_s = {}",
        num(n * r.interval_s),
        num(r.interval_s)
    );
    let _ = writeln!(
        s,
        "initial_c = {}   # HotSpot's -init_temp",
        num(r.initial_c)
    );
    let _ = writeln!(s, "power_trace = {}", string(&inputs.trace_csv_name));
    s
}

/// The trace as the `[transient]` power-trace CSV: `time_s` and one column per unit.
fn trace_csv(trace: &Trace, interval_s: f64) -> String {
    let quote = |name: &str| {
        if name.contains([',', '"']) {
            format!("\"{}\"", name.replace('"', "\"\""))
        } else {
            name.to_string()
        }
    };
    let mut s = String::from("time_s");
    for n in &trace.names {
        s.push(',');
        s.push_str(&quote(n));
    }
    s.push('\n');
    for (i, row) in trace.rows.iter().enumerate() {
        s.push_str(&num(i as f64 * interval_s));
        for p in row {
            s.push(',');
            s.push_str(&p.to_string()); // exact: the trace's own value
        }
        s.push('\n');
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_tidy_toml_floats() {
        assert_eq!(num(318.15 - 273.15), "45.0");
        assert_eq!(num(60.0), "60.0");
        assert_eq!(num(0.0049 * 1000.0), "4.9");
        assert_eq!(num(-0.0), "0.0");
        assert_eq!(num(2e-5), "0.00002");
        assert_eq!(mm(nm(0.0049)), "4.9");
    }

    #[test]
    fn dead_space_is_the_uncovered_outline() {
        // An L of two units in a 2 × 2 outline leaves the top-right square.
        let units = [(0, 0, 2, 1), (0, 1, 1, 2)];
        assert_eq!(dead_space(&units, (0, 0, 2, 2)), vec![(1, 1, 2, 2)]);
        // A ring: the hole is one rectangle, merged across rows.
        let ring = [
            (0, 0, 3, 1),
            (0, 1, 1, 3),
            (2, 1, 3, 3),
            (1, 3, 3, 4),
            (0, 3, 1, 4),
        ];
        assert_eq!(dead_space(&ring, (0, 0, 3, 4)), vec![(1, 1, 2, 3)]);
        assert!(dead_space(&[(0, 0, 2, 2)], (0, 0, 2, 2)).is_empty());
    }
}
