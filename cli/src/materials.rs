//! `coldtray materials`: every built-in solid material and coolant fluid a design can name,
//! with its properties and where the numbers come from (the abbreviations are those of
//! `docs/physics.md` and the solver's `model::materials`).

use std::process::ExitCode;

use coldtray_solver::model::materials;
use serde::Serialize;

use crate::output::outln;

/// Temperature at which the fluid table shows properties, °C (a typical cold-plate coolant
/// mean; clamped into each fluid's table range).
const REFERENCE_C: f64 = 40.0;

/// Output format of `coldtray materials`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum Format {
    /// Aligned tables for a person.
    Table,
    /// One JSON document `{ "materials": [...], "fluids": [...] }`.
    Json,
}

/// Arguments of `coldtray materials`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
}

/// One built-in solid.
#[derive(Serialize)]
struct SolidRow {
    name: &'static str,
    k_xy_w_mk: f64,
    k_z_w_mk: f64,
    density_kg_m3: Option<f64>,
    cp_j_kgk: Option<f64>,
    source: &'static str,
}

/// One built-in fluid: its table range and properties at `reference_c`.
#[derive(Serialize)]
struct FluidRow {
    name: &'static str,
    table_min_c: f64,
    table_max_c: f64,
    reference_c: f64,
    density_kg_m3: f64,
    cp_j_kgk: f64,
    k_w_mk: f64,
    viscosity_pa_s: f64,
    boiling_c_at_1_atm: Option<f64>,
    source: &'static str,
}

#[derive(Serialize)]
struct Listing {
    materials: Vec<SolidRow>,
    fluids: Vec<FluidRow>,
}

fn listing() -> Listing {
    let materials = materials::builtin_material_names()
        .into_iter()
        .filter_map(|name| {
            let m = materials::builtin_material(name)?;
            Some(SolidRow {
                name,
                k_xy_w_mk: m.k_xy,
                k_z_w_mk: m.k_z,
                density_kg_m3: m.density_kg_m3,
                cp_j_kgk: m.cp_j_kgk,
                source: materials::builtin_material_source(name).unwrap_or(""),
            })
        })
        .collect();
    let fluids = materials::builtin_fluid_names()
        .into_iter()
        .filter_map(|name| {
            let f = materials::builtin_fluid(name)?;
            let (lo, hi) = (f.table.first()?.0, f.table.last()?.0);
            let reference_c = REFERENCE_C.clamp(lo, hi);
            let p = f.props_at(reference_c);
            Some(FluidRow {
                name,
                table_min_c: lo,
                table_max_c: hi,
                reference_c,
                density_kg_m3: p.density_kg_m3,
                cp_j_kgk: p.cp_j_kgk,
                k_w_mk: p.k,
                viscosity_pa_s: p.viscosity_pa_s,
                boiling_c_at_1_atm: materials::builtin_fluid_boiling_c(name),
                source: materials::builtin_fluid_source(name).unwrap_or(""),
            })
        })
        .collect();
    Listing { materials, fluids }
}

pub(crate) fn run(args: Args) -> anyhow::Result<ExitCode> {
    let l = listing();
    match args.format {
        Format::Json => outln!("{}", serde_json::to_string_pretty(&l)?),
        Format::Table => {
            let opt = |v: Option<f64>| v.map_or("-".to_string(), |v| format!("{v}"));
            outln!("Built-in materials (k in W/(m·K), ρ kg/m³, c_p J/(kg·K)):");
            outln!(
                "  {:<18} {:>8} {:>8} {:>8} {:>7}  source",
                "name",
                "k_xy",
                "k_z",
                "ρ",
                "c_p"
            );
            for m in &l.materials {
                outln!(
                    "  {:<18} {:>8} {:>8} {:>8} {:>7}  {}",
                    m.name,
                    m.k_xy_w_mk,
                    m.k_z_w_mk,
                    opt(m.density_kg_m3),
                    opt(m.cp_j_kgk),
                    m.source
                );
            }
            outln!();
            outln!("Built-in fluids (properties at {REFERENCE_C} °C or the nearest table end; μ in mPa·s):");
            outln!(
                "  {:<6} {:>9} {:>7} {:>7} {:>6} {:>6} {:>9}  source",
                "name",
                "table °C",
                "ρ",
                "c_p",
                "k",
                "μ",
                "boils °C¹"
            );
            for f in &l.fluids {
                outln!(
                    "  {:<6} {:>9} {:>7.1} {:>7.0} {:>6.3} {:>6.3} {:>9}  {}",
                    f.name,
                    format!("{}–{}", f.table_min_c, f.table_max_c),
                    f.density_kg_m3,
                    f.cp_j_kgk,
                    f.k_w_mk,
                    f.viscosity_pa_s * 1e3,
                    f.boiling_c_at_1_atm
                        .map_or("-".to_string(), |b| format!("{b:.1}")),
                    f.source
                );
            }
            outln!("¹ at 1 atm; [coolant] pressure_kpa sets the loop's absolute pressure.");
            outln!("Sources: docs/physics.md; [E] marks an engineering estimate.");
        }
    }
    Ok(ExitCode::SUCCESS)
}
