//! Channel fields (`[layers.channels]`) and the coolant (`[coolant]`).
//!
//! **What "channels that do not fit the cell size" means here.** The solver treats a channel
//! field as a homogenised fin-array medium, one fluid stream per column of cells along the
//! flow. A field is accepted when:
//! 1. it lies inside the domain and its channel and fin widths are finite and > 0;
//! 2. at least one whole pitch (`channel_width_mm + fin_thickness_mm`) fits across the flow,
//!    i.e. the field holds at least one channel and one fin;
//! 3. it spans at least one grid cell both across and along the flow. The grid cell is the
//!    one the solver builds from `cell_mm` (after any `--cell-mm` override):
//!    `dx = width_mm / max(1, round(width_mm / cell_mm))`, likewise `dy`; an interval at least
//!    one cell long always holds a cell centre, so the field rasterises (cells whose centre
//!    lies inside it) to at least one fluid column of at least one cell.
//!
//! A pitch larger than a cell is allowed (the fin array is averaged over the whole field, not
//! over one cell); the homogenised model is meant for fields many pitches wide.

use super::check::{Ctx, Library, Result};
use super::links;
use super::raw::{RawChannels, RawCoolant};
use crate::model::materials;
use crate::model::{Channels, Coolant, FinRoot, FlowDirection, Fluid, FluidProps, Layer, Material};

/// The plan extent of the domain and the in-plane cell size, mm.
pub(super) struct Plan {
    pub(super) width_mm: f64,
    pub(super) depth_mm: f64,
    pub(super) cell_mm: f64,
}

impl Plan {
    /// The rectangle `x_mm`, `y_mm`, `width_mm`, `depth_mm` of a block or a patch (`field`
    /// names each part): finite corner, positive size, inside the domain.
    pub(super) fn rect(
        &self,
        ctx: &Ctx,
        field: impl Fn(&str) -> String,
        (x_mm, y_mm, width_mm, depth_mm): (f64, f64, f64, f64),
    ) -> Result<(f64, f64, f64, f64)> {
        let x_mm = ctx.finite(&field("x_mm"), x_mm)?;
        let y_mm = ctx.finite(&field("y_mm"), y_mm)?;
        let width_mm = ctx.positive(&field("width_mm"), width_mm)?;
        let depth_mm = ctx.positive(&field("depth_mm"), depth_mm)?;
        inside(
            ctx,
            &field("x_mm"),
            "x",
            x_mm,
            width_mm,
            self.width_mm,
            "width_mm",
        )?;
        inside(
            ctx,
            &field("y_mm"),
            "y",
            y_mm,
            depth_mm,
            self.depth_mm,
            "depth_mm",
        )?;
        Ok((x_mm, y_mm, width_mm, depth_mm))
    }

    /// The grid's actual cell size in x and y: the domain divided into a whole number of
    /// cells, `round(extent / cell_mm)` (at least 1), as the assembly builds it.
    pub(super) fn grid_cells_mm(&self) -> (f64, f64) {
        let d = |extent: f64| extent / (extent / self.cell_mm).round().max(1.0);
        (d(self.width_mm), d(self.depth_mm))
    }
}

/// Validate one channel field at path `p` (`layers[2].channels` or `layers[2].channels[1]`);
/// without a `name` it is called `default_name`.
pub(super) fn channels(
    ctx: &Ctx,
    p: &str,
    default_name: &str,
    raw: &RawChannels,
    layer_fill: &Material,
    plan: &Plan,
    lib: &Library,
) -> Result<Channels> {
    let f = |name: &str| format!("{p}.{name}");
    let name = match &raw.name {
        Some(n) => ctx.name(&f("name"), n)?.to_string(),
        None => default_name.to_string(),
    };
    let x_mm = ctx.non_negative(&f("x_mm"), raw.x_mm.unwrap_or(0.0))?;
    let y_mm = ctx.non_negative(&f("y_mm"), raw.y_mm.unwrap_or(0.0))?;
    let width_mm = ctx.positive(&f("width_mm"), raw.width_mm.unwrap_or(plan.width_mm - x_mm))?;
    let depth_mm = ctx.positive(&f("depth_mm"), raw.depth_mm.unwrap_or(plan.depth_mm - y_mm))?;
    inside(
        ctx,
        &f("x_mm"),
        "x",
        x_mm,
        width_mm,
        plan.width_mm,
        "width_mm",
    )?;
    inside(
        ctx,
        &f("y_mm"),
        "y",
        y_mm,
        depth_mm,
        plan.depth_mm,
        "depth_mm",
    )?;
    let direction = ctx.choice(
        &f("direction"),
        &raw.direction,
        "flow direction",
        &[
            ("+x", FlowDirection::PlusX),
            ("-x", FlowDirection::MinusX),
            ("+y", FlowDirection::PlusY),
            ("-y", FlowDirection::MinusY),
        ],
    )?;
    let fin_thickness_mm = ctx.positive(&f("fin_thickness_mm"), raw.fin_thickness_mm)?;
    let channel_width_mm = ctx.positive(&f("channel_width_mm"), raw.channel_width_mm)?;
    let along_x = matches!(direction, FlowDirection::PlusX | FlowDirection::MinusX);
    let (across_mm, across_name) = if along_x {
        (depth_mm, "depth_mm")
    } else {
        (width_mm, "width_mm")
    };
    let pitch_mm = channel_width_mm + fin_thickness_mm;
    if pitch_mm > across_mm {
        return Err(ctx.err(
            f("channel_width_mm"),
            format!(
                "one pitch (channel_width_mm {channel_width_mm} + fin_thickness_mm \
                 {fin_thickness_mm} = {pitch_mm} mm) is wider than the channel field across \
                 the flow ({across_name} = {across_mm} mm); the field must hold at least one \
                 channel and one fin"
            ),
        ));
    }
    fits_grid(ctx, p, direction, width_mm, depth_mm, plan)?;
    let fin_material = match &raw.fin_material {
        Some(name) => lib.get(ctx, &f("fin_material"), name)?,
        None => layer_fill.clone(),
    };
    let h_w_m2k = raw
        .h_w_m2k
        .map(|v| ctx.positive(&f("h_w_m2k"), v))
        .transpose()?;
    let pressure_drop_kpa = raw
        .pressure_drop_kpa
        .map(|v| ctx.positive(&f("pressure_drop_kpa"), v))
        .transpose()?;
    let plenum_k = match raw.plenum_k {
        None => None,
        Some(_) if pressure_drop_kpa.is_some() => {
            return Err(ctx.err(
                f("plenum_k"),
                "pressure_drop_kpa already fixes the field's whole drop, plenums included; \
                 give one of them",
            ))
        }
        Some(k) => {
            let k = ctx.non_negative(&f("plenum_k"), k)?;
            if k > MAX_PLENUM_K {
                return Err(ctx.err(
                    f("plenum_k"),
                    format!(
                        "{k} is not a plenum loss: sharp-edged plenums give at most \
                         {MAX_PLENUM_K} (contraction 0.5 + expansion 1 with open-area ratio → 0, \
                         with margin); model a larger restriction as a `minor` or `curve` link \
                         in series with the field"
                    ),
                ));
            }
            Some(k)
        }
    };
    let fin_root = match raw.fin_root.as_deref() {
        None => FinRoot::Bottom,
        Some(v) => ctx.choice(
            &f("fin_root"),
            v,
            "fin root",
            &[
                ("bottom", FinRoot::Bottom),
                ("top", FinRoot::Top),
                ("both", FinRoot::Both),
            ],
        )?,
    };
    Ok(Channels {
        name,
        x_mm,
        y_mm,
        width_mm,
        depth_mm,
        direction,
        fin_thickness_mm,
        channel_width_mm,
        fin_material,
        h_w_m2k,
        pressure_drop_kpa,
        plenum_k,
        fin_root,
    })
}

/// Largest accepted `plenum_k`: a sharp-edged inlet contraction (K ≤ 0.5) plus outlet
/// expansion (K ≤ 1) is 1.5 at an open-area ratio → 0; 3 leaves room for a plenum with turns.
const MAX_PLENUM_K: f64 = 3.0;

/// A channel field at path `p` must span at least one grid cell across and along the flow
/// (an interval one cell long always holds a cell centre, so the field rasterises).
pub(super) fn fits_grid(
    ctx: &Ctx,
    p: &str,
    direction: FlowDirection,
    width_mm: f64,
    depth_mm: f64,
    plan: &Plan,
) -> Result<()> {
    let along_x = matches!(direction, FlowDirection::PlusX | FlowDirection::MinusX);
    let (across_mm, across_name, along_mm, along_name) = if along_x {
        (depth_mm, "depth_mm", width_mm, "width_mm")
    } else {
        (width_mm, "width_mm", depth_mm, "depth_mm")
    };
    let (dx_mm, dy_mm) = plan.grid_cells_mm();
    let (d_across, d_along) = if along_x {
        (dy_mm, dx_mm)
    } else {
        (dx_mm, dy_mm)
    };
    for (extent, name, what, cell_mm) in [
        (across_mm, across_name, "across", d_across),
        (along_mm, along_name, "along", d_along),
    ] {
        if extent < cell_mm {
            return Err(ctx.err(
                format!("{p}.{name}"),
                format!(
                    "the channel field is {extent} mm {what} the flow, less than one cell \
                     ({cell_mm} mm); it must span at least one cell each way: enlarge it or use \
                     a smaller cell_mm / --cell-mm"
                ),
            ));
        }
    }
    Ok(())
}

/// `start..start+size` must lie in `0..=limit` (to a relative 1e-9 rounding tolerance).
pub(super) fn inside(
    ctx: &Ctx,
    field: &str,
    axis: &str,
    start: f64,
    size: f64,
    limit: f64,
    size_name: &str,
) -> Result<()> {
    let tol = 1e-9 * limit.max(1.0);
    if start < -tol || start + size > limit + tol {
        return Err(ctx.err(
            field,
            format!(
                "{axis} = {start} … {} mm lies outside the domain (0 … {limit} mm in {axis}); \
                 move it or reduce {size_name}",
                start + size
            ),
        ));
    }
    Ok(())
}

/// Validate `[coolant]`: a built-in fluid (optionally with properties overridden), or a
/// custom fluid given entirely by its four properties; what drives the loop (`flow_lpm` or
/// `pump_curve`) and its links, checked as a network over the channel fields `field_names`
/// (those of `layers`).
pub(super) fn coolant(
    ctx: &Ctx,
    raw: &RawCoolant,
    layers: &[Layer],
    field_names: Vec<String>,
) -> Result<Coolant> {
    let inlet_c = ctx.temperature("coolant.inlet_c", raw.inlet_c)?;
    let (flow_lpm, pump_curve) = links::drive(ctx, raw.flow_lpm, raw.pump_curve.as_deref())?;
    let links = links::links(ctx, &raw.links)?;
    let (balance, balance_cd) = links::balance(ctx, raw, &links, &field_names)?;
    let over = |name: &str, v: Option<f64>| -> Result<Option<f64>> {
        v.map(|v| ctx.positive(&format!("coolant.{name}"), v))
            .transpose()
    };
    let density = over("density_kg_m3", raw.density_kg_m3)?;
    let cp = over("cp_j_kgk", raw.cp_j_kgk)?;
    let k = over("k", raw.k)?;
    let mu = over("viscosity_pa_s", raw.viscosity_pa_s)?;
    let valid_fluids = materials::builtin_fluid_names().join(", ");
    let fluid = match &raw.fluid {
        Some(name) => {
            let mut fluid = materials::builtin_fluid(name.trim()).ok_or_else(|| {
                ctx.err(
                    "coolant.fluid",
                    format!(
                        "unknown fluid `{name}`; valid: {valid_fluids} (or omit `fluid` and give \
                         density_kg_m3, cp_j_kgk, k and viscosity_pa_s)"
                    ),
                )
            })?;
            let all_given = density.is_some() && cp.is_some() && k.is_some() && mu.is_some();
            if all_given {
                // Constant properties: one row, valid at any temperature (the fluid keeps its
                // name for its boiling point).
                fluid.table.truncate(1);
            }
            if let Some((lo, hi)) = fluid.range_c() {
                if !(lo..=hi).contains(&inlet_c) {
                    return Err(ctx.err(
                        "coolant.inlet_c",
                        format!(
                            "{inlet_c} °C is outside the {} property table ({lo}–{hi} °C); use \
                             an inlet in that range or give density_kg_m3, cp_j_kgk, k and \
                             viscosity_pa_s for your temperature",
                            fluid.name
                        ),
                    ));
                }
            }
            for (_, row) in &mut fluid.table {
                row.density_kg_m3 = density.unwrap_or(row.density_kg_m3);
                row.cp_j_kgk = cp.unwrap_or(row.cp_j_kgk);
                row.k = k.unwrap_or(row.k);
                row.viscosity_pa_s = mu.unwrap_or(row.viscosity_pa_s);
            }
            fluid
        }
        None => {
            let missing: Vec<&str> = [
                ("density_kg_m3", density),
                ("cp_j_kgk", cp),
                ("k", k),
                ("viscosity_pa_s", mu),
            ]
            .iter()
            .filter(|(_, v)| v.is_none())
            .map(|(n, _)| *n)
            .collect();
            match (density, cp, k, mu) {
                (Some(density_kg_m3), Some(cp_j_kgk), Some(k), Some(viscosity_pa_s)) => Fluid {
                    name: "custom".to_string(),
                    table: vec![(
                        inlet_c,
                        FluidProps {
                            density_kg_m3,
                            cp_j_kgk,
                            k,
                            viscosity_pa_s,
                        },
                    )],
                },
                _ => {
                    return Err(ctx.err(
                        "coolant.fluid",
                        format!(
                            "required field is missing: give fluid = one of {valid_fluids}, or \
                             all of density_kg_m3, cp_j_kgk, k, viscosity_pa_s (missing: {})",
                            missing.join(", ")
                        ),
                    ))
                }
            }
        }
    };
    let pressure_kpa = loop_pressure_kpa(ctx, raw.pressure_kpa)?;
    let coolant = Coolant {
        fluid,
        inlet_c,
        flow_lpm,
        pressure_kpa,
        pump_curve,
        links,
        balance,
        balance_cd,
    };
    if let Some(boiling_c) = coolant.boiling_c() {
        if inlet_c >= boiling_c {
            return Err(ctx.err(
                "coolant.inlet_c",
                format!(
                    "{inlet_c} °C is at or above the boiling point of {} at {pressure_kpa} kPa \
                     ({boiling_c:.1} °C); the model is single-phase: lower the inlet or raise \
                     coolant.pressure_kpa",
                    coolant.fluid.name
                ),
            ));
        }
    }
    links::network(ctx, &coolant, field_names)?;
    links::pump_overrides(ctx, &coolant, layers)?;
    Ok(coolant)
}

/// Accepted absolute loop pressures, kPa: from a deep sub-atmospheric loop (20 kPa, where
/// water boils at 60 °C) to 2 MPa (212 °C, far past every property table). Below is a
/// pressure in bar or MPa, or a gauge pressure of nearly nothing; above, one in Pa or hPa.
pub(super) const PRESSURE_KPA_RANGE: (f64, f64) = (20.0, 2000.0);

/// `[coolant] pressure_kpa`: absolute, in [`PRESSURE_KPA_RANGE`], default 1 atm.
fn loop_pressure_kpa(ctx: &Ctx, raw: Option<f64>) -> Result<f64> {
    let Some(p) = raw else {
        return Ok(materials::ATMOSPHERE_KPA);
    };
    let p = ctx.positive("coolant.pressure_kpa", p)?;
    let (lo, hi) = PRESSURE_KPA_RANGE;
    if !(lo..=hi).contains(&p) {
        return Err(ctx.err(
            "coolant.pressure_kpa",
            format!(
                "{p} kPa is outside {lo}–{hi} kPa; give the loop's absolute pressure in kPa \
                 (1 atm = 101.325 kPa, 2 bar = 200 kPa; a gauge reading needs the atmosphere \
                 added)"
            ),
        ));
    }
    Ok(p)
}
