//! Raw design → validated [`Design`]: domain, layers, blocks, coolant, boundary, transient.

use super::check::{Ctx, Library, Result};
use super::flow::{self, Plan};
use super::patches;
use super::raw::{RawBlock, RawConvection, RawDesign};
use super::transient;
use crate::model::materials;
use crate::model::{Block, Boundary, Convection, Design, Layer, Leakage, Material};

/// Largest grid we accept (cells, solid): beyond this a solve needs tens of GB of memory.
pub(super) const MAX_CELLS: f64 = 200.0e6;
/// Largest number of z sub-cells in one layer.
const MAX_LAYER_CELLS: i64 = 1000;
/// Accepted range of `leakage_doubling_k`, K. Measured CMOS leakage doubles every 20–30 K
/// (GPUs, HBM); 5 K would be steeper than any subthreshold slope at operating temperatures
/// and 100 K is practically temperature-independent: outside the range is a unit mistake
/// (a factor per K, or °F).
const LEAKAGE_DOUBLING_K: (f64, f64) = (5.0, 100.0);
/// Accepted range of `leakage_ref_c`, °C: the commercial-to-automotive range of junction
/// temperatures at which leakage is characterised.
const LEAKAGE_REF_C: (f64, f64) = (-40.0, 150.0);

pub(super) fn validate(raw: RawDesign, ctx: &Ctx) -> Result<Design> {
    let name = ctx.name("name", &raw.name)?.to_string();
    let width_mm = ctx.positive("domain.width_mm", raw.domain.width_mm)?;
    let depth_mm = ctx.positive("domain.depth_mm", raw.domain.depth_mm)?;
    let cell_field = "domain.cell_mm";
    let plan = plan(ctx, cell_field, width_mm, depth_mm, raw.domain.cell_mm)?;
    let cell_mm = plan.cell_mm;
    let lib = Library::new(ctx, &raw.materials)?;

    if raw.layers.is_empty() {
        return Err(ctx.err("layers", "at least one [[layers]] table is required"));
    }
    let mut layers: Vec<Layer> = Vec::with_capacity(raw.layers.len());
    for (i, l) in raw.layers.iter().enumerate() {
        let p = format!("layers[{i}]");
        let lname = ctx.name(&format!("{p}.name"), &l.name)?.to_string();
        if let Some(j) = layers.iter().position(|o| o.name == lname) {
            return Err(ctx.err(
                format!("{p}.name"),
                format!("layer `{lname}` is already layers[{j}]; layer names must be unique"),
            ));
        }
        let thickness_mm = ctx.positive(&format!("{p}.thickness_mm"), l.thickness_mm)?;
        let material = match (l.material.as_deref().map(str::trim), l.r_mm2k_w) {
            (Some(materials::VOID), None) => materials::void_material(),
            _ => lib.resolve(ctx, &p, l.material.as_deref(), l.r_mm2k_w, thickness_mm)?,
        };
        if material.name == materials::VOID && !l.channels.is_empty() {
            return Err(ctx.err(
                format!("{p}.channels"),
                "a void layer cannot hold channel fields (the fins need a solid base around \
                 them); give the layer a solid material",
            ));
        }
        if let Some(cells) = l.cells {
            if !(1..=MAX_LAYER_CELLS).contains(&cells) {
                return Err(ctx.err(
                    format!("{p}.cells"),
                    format!("must be an integer from 1 to {MAX_LAYER_CELLS}, got {cells}"),
                ));
            }
        }
        let mut channels = Vec::with_capacity(l.channels.len());
        for (c, rc) in l.channels.iter().enumerate() {
            let cp = if l.channels.len() == 1 {
                format!("{p}.channels")
            } else {
                format!("{p}.channels[{c}]")
            };
            let default_name = if l.channels.len() == 1 {
                lname.clone()
            } else {
                format!("{lname}_{c}")
            };
            let ch = flow::channels(ctx, &cp, &default_name, rc, &material, &plan, &lib)?;
            for (o, other) in channels.iter().enumerate() {
                let other: &crate::model::Channels = other;
                if let Some((ox, oy)) = overlap(
                    (ch.x_mm, ch.y_mm, ch.width_mm, ch.depth_mm),
                    (other.x_mm, other.y_mm, other.width_mm, other.depth_mm),
                ) {
                    return Err(ctx.err(
                        cp,
                        format!(
                            "overlaps {p}.channels[{o}] by {ox} × {oy} mm; channel fields in \
                             one layer must not overlap"
                        ),
                    ));
                }
            }
            if let Some(first) = channels.first().filter(|o| o.fin_root != ch.fin_root) {
                return Err(ctx.err(
                    format!("{cp}.fin_root"),
                    format!(
                        "is {:?} but {p}.channels[0] has {:?}; the fields of one layer must \
                         share one fin_root (\"bottom\", \"top\" or \"both\"): give them the \
                         same value or put them in separate layers",
                        fin_root_name(ch.fin_root),
                        fin_root_name(first.fin_root)
                    ),
                ));
            }
            channels.push(ch);
        }
        layers.push(Layer {
            name: lname,
            thickness_mm,
            material,
            cells: l.cells.map(|c| c as usize),
            channels,
        });
    }
    let field_names = channel_names(ctx, &layers)?;
    let blocks = blocks(ctx, &raw, &layers, &plan, &lib)?;
    for (i, l) in layers.iter().enumerate() {
        if l.is_void() && !blocks.iter().any(|b| b.layer == i) {
            return Err(ctx.err(
                format!("layers[{i}].material"),
                format!(
                    "layer `{}` is void and holds no block, so it has no cells at all; place a \
                     [[blocks]] entry in it or give it a solid material",
                    l.name
                ),
            ));
        }
    }

    let any_channels = layers.iter().any(Layer::is_coolant);
    let coolant = match (&raw.coolant, any_channels) {
        (Some(c), true) => Some(flow::coolant(ctx, c, &layers, field_names)?),
        (None, false) => None,
        (None, true) => {
            let l = layers.iter().position(Layer::is_coolant).unwrap_or(0);
            return Err(ctx.err(
                "coolant",
                format!(
                    "required: layers[{l}] (`{}`) has channels, so a [coolant] table (fluid, \
                     inlet_c, flow_lpm) is needed",
                    layers[l].name
                ),
            ));
        }
        (Some(_), false) => {
            return Err(ctx.err(
                "coolant",
                "a [coolant] table is given but no layer has [layers.channels]; add a channel \
                 field or remove [coolant]",
            ))
        }
    };

    if let Some(c) = &coolant {
        coolant_stays_liquid(ctx, c, blocks.iter().map(|b| b.power_w).sum())?;
    }

    let boundary = match &raw.boundary {
        None => Boundary {
            top: Convection::ADIABATIC,
            bottom: Convection::ADIABATIC,
            sides: Convection::ADIABATIC,
            patches: Vec::new(),
        },
        Some(b) => Boundary {
            top: convection(ctx, "boundary.top", &b.top)?,
            bottom: convection(ctx, "boundary.bottom", &b.bottom)?,
            sides: convection(ctx, "boundary.sides", &b.sides)?,
            patches: patches::patches(ctx, &b.patches, &plan, &layers, &blocks)?,
        },
    };

    let transient = match &raw.transient {
        None => None,
        Some(t) => {
            if let Some(i) = blocks.iter().position(|b| b.leakage.is_some()) {
                return Err(ctx.err(
                    format!("blocks[{i}].leakage_w"),
                    "leakage power is solved to a steady fixed point only; a [transient] run \
                     cannot use it: remove [transient] or this block's leakage fields",
                ));
            }
            needs_heat_capacity(ctx, &raw, &layers, &blocks)?;
            Some(transient::transient(ctx, t, &blocks)?)
        }
    };

    let design = Design {
        name,
        source: ctx.file.to_path_buf(),
        width_mm,
        depth_mm,
        cell_mm,
        layers,
        blocks,
        coolant,
        boundary,
        transient,
    };
    grid_size(ctx, cell_field, &design)?;
    Ok(design)
}

/// The design-file spelling of a fin root.
fn fin_root_name(root: crate::model::FinRoot) -> &'static str {
    match root {
        crate::model::FinRoot::Bottom => "bottom",
        crate::model::FinRoot::Top => "top",
        crate::model::FinRoot::Both => "both",
    }
}

/// The channel fields' names in design order (layers bottom up, fields in file order), which
/// must be unique across the design: coolant links refer to fields by them.
fn channel_names(ctx: &Ctx, layers: &[Layer]) -> Result<Vec<String>> {
    let mut names: Vec<(String, String)> = Vec::new();
    for (i, l) in layers.iter().enumerate() {
        for (c, ch) in l.channels.iter().enumerate() {
            let path = if l.channels.len() == 1 {
                format!("layers[{i}].channels")
            } else {
                format!("layers[{i}].channels[{c}]")
            };
            if let Some((other, _)) = names.iter().find(|(_, n)| *n == ch.name) {
                return Err(ctx.err(
                    format!("{path}.name"),
                    format!(
                        "channel field `{}` is already the name of {other}; field names must be \
                         unique across the design (a field without `name` is called after its \
                         layer, with _0, _1, … when the layer has several)",
                        ch.name
                    ),
                ));
            }
            names.push((path, ch.name.clone()));
        }
    }
    Ok(names.into_iter().map(|(_, n)| n).collect())
}

/// Outlet temperature, °C, above which a coolant with no known boiling point (a custom fluid)
/// is rejected: no single-phase liquid coolant in cold-plate service runs this hot, and a
/// few hundred °C is what a unit slip in the flow produces.
const CUSTOM_FLUID_MAX_OUTLET_C: f64 = 300.0;

/// Reject a flow so small that the coolant would boil (or, for a custom fluid, pass
/// [`CUSTOM_FLUID_MAX_OUTLET_C`]): the model is single-phase, so such a run has no meaningful
/// answer (a 1000× slip in `flow_lpm` gave a 9,900 °C "coolant"). The outlet is estimated
/// before the solve from the energy balance with every block's `power_w` going into the
/// coolant, T_out = T_in + P / (ρ Q c_p) at the inlet's properties; boundaries that take heat
/// make the real outlet cooler, leakage power hotter (the plausibility warnings check the
/// solved coolant too; a coolant cell that boils in the solve is a solve error).
fn coolant_stays_liquid(ctx: &Ctx, c: &crate::model::Coolant, power_w: f64) -> Result<()> {
    if c.pump_curve.is_some() {
        return Ok(()); // the flow is the pump's operating point, known after the solve
    }
    let props = c.fluid.props_at(c.inlet_c);
    let mdot_kg_s = props.density_kg_m3 * c.flow_lpm / 60_000.0;
    let outlet_c = c.inlet_c + power_w / (mdot_kg_s * props.cp_j_kgk);
    let (limit_c, what) = match c.boiling_c() {
        Some(b) => (
            b,
            format!(
                "past the boiling point of {} ({b:.1} °C at {} kPa)",
                c.fluid.name, c.pressure_kpa
            ),
        ),
        None => (
            CUSTOM_FLUID_MAX_OUTLET_C,
            format!("above {CUSTOM_FLUID_MAX_OUTLET_C} °C, hotter than any liquid coolant runs"),
        ),
    };
    if outlet_c < limit_c {
        return Ok(());
    }
    let lpm_per_kw = c.flow_lpm / (power_w * 1e-3);
    let hint = if lpm_per_kw < crate::results::warnings::SLIP_LOW_LPM_PER_KW {
        format!(
            "; {} L/min for {:.1} kW is about 1/{:.0} of the usual 1–2 L/min/kW: did you give \
             the flow in m³/min, or convert mL/min to L/min twice?",
            c.flow_lpm,
            power_w * 1e-3,
            (1.5 / lpm_per_kw).round()
        )
    } else if limit_c - 10.0 > c.inlet_c {
        format!(
            "; raise the flow (at least {:.2} L/min keeps the outlet 10 K below that)",
            c.flow_lpm * (outlet_c - c.inlet_c) / (limit_c - 10.0 - c.inlet_c)
        )
    } else {
        "; lower coolant.inlet_c and raise the flow".to_string()
    };
    Err(ctx.err(
        "coolant.flow_lpm",
        format!(
            "{} L/min carrying {power_w:.0} W would heat the coolant from {} to {outlet_c:.0} °C, \
             {what}; the model is single-phase, so this has no valid answer{hint}",
            c.flow_lpm, c.inlet_c
        ),
    ))
}

/// The plan of a design on cells of `cell_mm` (reported at `cell_field`): the cell is finite,
/// > 0 and no larger than the domain.
fn plan(ctx: &Ctx, cell_field: &str, width_mm: f64, depth_mm: f64, cell_mm: f64) -> Result<Plan> {
    let cell_mm = ctx.positive(cell_field, cell_mm)?;
    if cell_mm > width_mm.min(depth_mm) {
        return Err(ctx.err(
            cell_field,
            format!(
                "{cell_mm} mm is larger than the domain ({width_mm} × {depth_mm} mm); use a cell \
                 ≤ {} mm",
                width_mm.min(depth_mm)
            ),
        ));
    }
    Ok(Plan {
        width_mm,
        depth_mm,
        cell_mm,
    })
}

/// Every rule that depends on the cell size, for `design` on cells of `cell_mm` (reported at
/// `cell_field`), in the order `validate` applies them.
pub(super) fn cell_rules(ctx: &Ctx, cell_field: &str, cell_mm: f64, design: &Design) -> Result<()> {
    let plan = plan(ctx, cell_field, design.width_mm, design.depth_mm, cell_mm)?;
    for (i, l) in design.layers.iter().enumerate() {
        for (c, ch) in l.channels.iter().enumerate() {
            let cp = if l.channels.len() == 1 {
                format!("layers[{i}].channels")
            } else {
                format!("layers[{i}].channels[{c}]")
            };
            flow::fits_grid(ctx, &cp, ch.direction, ch.width_mm, ch.depth_mm, &plan)?;
        }
    }
    patches::fit_grid(ctx, &design.boundary.patches, &plan)?;
    let resized = Design {
        cell_mm,
        ..design.clone()
    };
    grid_size(ctx, cell_field, &resized)
}

/// Reject grids so large a solve cannot fit in memory (`design.cell_mm` reported at
/// `cell_field`); the z cells include the default grading of layers without `cells`.
fn grid_size(ctx: &Ctx, cell_field: &str, design: &Design) -> Result<()> {
    let plan = Plan {
        width_mm: design.width_mm,
        depth_mm: design.depth_mm,
        cell_mm: design.cell_mm,
    };
    let nx = (plan.width_mm / plan.cell_mm).round().max(1.0);
    let ny = (plan.depth_mm / plan.cell_mm).round().max(1.0);
    let nz: usize = design.layer_z_cells_mm().iter().map(Vec::len).sum();
    let cells = nx * ny * nz as f64;
    if cells > MAX_CELLS {
        let min_cell = (plan.width_mm * plan.depth_mm * nz as f64 / MAX_CELLS).sqrt();
        return Err(ctx.err(
            cell_field,
            format!(
                "{} mm gives {nx:.0} × {ny:.0} × {nz} = {:.3e} cells, more than the limit of \
                 {:.0} M; use a cell of at least {:.3} mm",
                plan.cell_mm,
                cells,
                MAX_CELLS / 1e6,
                min_cell * 1.001
            ),
        ));
    }
    Ok(())
}

fn blocks(
    ctx: &Ctx,
    raw: &RawDesign,
    layers: &[Layer],
    plan: &Plan,
    lib: &Library,
) -> Result<Vec<Block>> {
    let layer_names: Vec<&str> = layers.iter().map(|l| l.name.as_str()).collect();
    let mut blocks: Vec<Block> = Vec::with_capacity(raw.blocks.len());
    for (i, b) in raw.blocks.iter().enumerate() {
        let p = format!("blocks[{i}]");
        let f = |n: &str| format!("{p}.{n}");
        let name = ctx.name(&f("name"), &b.name)?.to_string();
        if let Some(j) = blocks.iter().position(|o| o.name == name) {
            return Err(ctx.err(
                f("name"),
                format!("block `{name}` is already blocks[{j}]; block names must be unique"),
            ));
        }
        let layer = layer_names
            .iter()
            .position(|l| *l == b.layer.trim())
            .ok_or_else(|| {
                ctx.err(
                    f("layer"),
                    format!(
                        "unknown layer `{}`; valid: {}",
                        b.layer,
                        layer_names.join(", ")
                    ),
                )
            })?;
        let (x_mm, y_mm, width_mm, depth_mm) =
            plan.rect(ctx, f, (b.x_mm, b.y_mm, b.width_mm, b.depth_mm))?;
        let material = lib.resolve(
            ctx,
            &p,
            b.material.as_deref(),
            b.r_mm2k_w,
            layers[layer].thickness_mm,
        )?;
        let power_w = ctx.non_negative(&f("power_w"), b.power_w.unwrap_or(0.0))?;
        let limit_c = b
            .limit_c
            .map(|v| ctx.temperature(&f("limit_c"), v))
            .transpose()?;
        let leakage = leakage(ctx, &p, b)?;
        let rect = (x_mm, y_mm, width_mm, depth_mm);
        for (j, o) in blocks.iter().enumerate().filter(|(_, o)| o.layer == layer) {
            if let Some((ox, oy)) = overlap(rect, (o.x_mm, o.y_mm, o.width_mm, o.depth_mm)) {
                return Err(ctx.err(
                    p,
                    format!(
                        "overlaps blocks[{j}] (`{}`) in layer `{}` by {ox} × {oy} mm; blocks in \
                         one layer must not overlap (touching edges is fine)",
                        o.name, layers[layer].name
                    ),
                ));
            }
        }
        for (c, ch) in layers[layer].channels.iter().enumerate() {
            if overlap(rect, (ch.x_mm, ch.y_mm, ch.width_mm, ch.depth_mm)).is_some() {
                return Err(ctx.err(
                    p,
                    format!(
                        "overlaps channel field {c} of layer `{}`; a block in a coolant layer \
                         must lie outside its channel fields",
                        layers[layer].name
                    ),
                ));
            }
        }
        blocks.push(Block {
            name,
            layer,
            x_mm,
            y_mm,
            width_mm,
            depth_mm,
            material,
            power_w,
            limit_c,
            leakage,
        });
    }
    Ok(blocks)
}

/// A block's leakage: `leakage_w`, `leakage_ref_c` and `leakage_doubling_k` all three or none.
fn leakage(ctx: &Ctx, p: &str, b: &RawBlock) -> Result<Option<Leakage>> {
    let f = |n: &str| format!("{p}.{n}");
    let (w, r, d) = match (b.leakage_w, b.leakage_ref_c, b.leakage_doubling_k) {
        (None, None, None) => return Ok(None),
        (Some(w), Some(r), Some(d)) => (w, r, d),
        (w, r, _) => {
            let missing = if w.is_none() {
                "leakage_w"
            } else if r.is_none() {
                "leakage_ref_c"
            } else {
                "leakage_doubling_k"
            };
            return Err(ctx.err(
                f(missing),
                "missing: leakage needs leakage_w (W at leakage_ref_c), leakage_ref_c (°C) and \
                 leakage_doubling_k (K) together",
            ));
        }
    };
    let leakage_w = ctx.non_negative(&f("leakage_w"), w)?;
    let in_range = |name: &str, v: f64, (lo, hi): (f64, f64), unit: &str| {
        if v.is_finite() && (lo..=hi).contains(&v) {
            Ok(v)
        } else {
            Err(ctx.err(
                f(name),
                format!("must be from {lo} to {hi} {unit}, got {v}"),
            ))
        }
    };
    let ref_c = in_range("leakage_ref_c", r, LEAKAGE_REF_C, "°C")?;
    let doubling_k = in_range(
        "leakage_doubling_k",
        d,
        LEAKAGE_DOUBLING_K,
        "K (CMOS leakage doubles every 20–30 K)",
    )?;
    Ok(Some(Leakage {
        leakage_w,
        ref_c,
        doubling_k,
    }))
}

/// The overlap (dx, dy) in mm of two rectangles `(x, y, w, d)`, if they share positive area
/// (edges that touch within rounding do not count).
pub(super) fn overlap(a: (f64, f64, f64, f64), b: (f64, f64, f64, f64)) -> Option<(f64, f64)> {
    let dx = (a.0 + a.2).min(b.0 + b.2) - a.0.max(b.0);
    let dy = (a.1 + a.3).min(b.1 + b.3) - a.1.max(b.1);
    let tol = 1e-9 * (a.2 + a.3 + b.2 + b.3);
    (dx > tol && dy > tol).then_some((dx, dy))
}

fn convection(ctx: &Ctx, p: &str, raw: &Option<RawConvection>) -> Result<Convection> {
    match raw {
        None => Ok(Convection::ADIABATIC),
        Some(c) => Ok(Convection {
            h_w_m2k: ctx.non_negative(&format!("{p}.h_w_m2k"), c.h_w_m2k)?,
            ambient_c: ctx.temperature(&format!("{p}.ambient_c"), c.ambient_c)?,
        }),
    }
}

/// A transient run needs density and cp of every material in use.
fn needs_heat_capacity(
    ctx: &Ctx,
    raw: &RawDesign,
    layers: &[Layer],
    blocks: &[Block],
) -> Result<()> {
    let areal = |field: String| {
        ctx.err(
            field,
            "an areal resistance has no heat capacity, which a [transient] run needs; define \
             this TIM as a [[materials]] entry with k, density_kg_m3 and cp_j_kgk instead",
        )
    };
    if let Some(i) = raw.layers.iter().position(|l| l.r_mm2k_w.is_some()) {
        return Err(areal(format!("layers[{i}].r_mm2k_w")));
    }
    if let Some(i) = raw.blocks.iter().position(|b| b.r_mm2k_w.is_some()) {
        return Err(areal(format!("blocks[{i}].r_mm2k_w")));
    }
    let check = |field: String, m: &Material| -> Result<()> {
        if m.density_kg_m3.is_none() || m.cp_j_kgk.is_none() {
            return Err(ctx.err(
                field,
                format!(
                    "material `{}` has no density_kg_m3 and cp_j_kgk, which a [transient] run \
                     needs; add them to its [[materials]] entry",
                    m.name
                ),
            ));
        }
        Ok(())
    };
    for (i, l) in layers.iter().enumerate() {
        check(format!("layers[{i}].material"), &l.material)?;
        for (c, ch) in l.channels.iter().enumerate() {
            check(
                format!("layers[{i}].channels[{c}].fin_material"),
                &ch.fin_material,
            )?;
        }
    }
    for (i, b) in blocks.iter().enumerate() {
        check(format!("blocks[{i}].material"), &b.material)?;
    }
    Ok(())
}
