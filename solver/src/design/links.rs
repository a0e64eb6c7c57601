//! `[[coolant.links]]` and `coolant.pump_curve`: the coolant loop as a network.
//!
//! Each link is checked on its own here (its kind, the fields that kind takes, every number
//! finite and > 0); the network as a whole (unique names, fields used once, every node on a
//! path from `supply` to `return`) is checked by building it with
//! [`crate::hydraulics::Network::of_coolant`], whose errors name the link.

use super::check::{Ctx, Result};
use super::raw::{RawCoolant, RawLink};
use crate::hydraulics::{Network, DEFAULT_BALANCE_CD, DEFAULT_ROUGHNESS_UM};
use crate::model::{Coolant, CoolantLink, CoolantLinkKind, Layer};

/// The link kinds and the fields each takes besides `name`, `from`, `to` and `kind`.
const KINDS: &[(&str, &[&str])] = &[
    ("field", &["field"]),
    ("pipe", &["length_mm", "diameter_mm", "roughness_um"]),
    ("minor", &["k", "diameter_mm"]),
    ("qd", &["cv", "k", "diameter_mm"]),
    ("curve", &["points"]),
    ("orifice", &["diameter_mm", "cd", "pipe_diameter_mm"]),
];

/// Largest diameter accepted, mm: a coolant loop's pipes are millimetres to a few centimetres;
/// a metre or more is a diameter given in µm (or a length typed as a diameter).
const MAX_DIAMETER_MM: f64 = 1000.0;
/// Largest pressure in a curve, kPa: 100 bar, far above any liquid-cooling loop (a few bar);
/// beyond it the numbers are pascals typed as kilopascals.
const MAX_PRESSURE_KPA: f64 = 10_000.0;
/// Largest relative roughness ε/D accepted: Churchill's and Colebrook's range ends at about
/// 0.05; a tenth of the diameter is a roughness given in mm instead of µm.
const MAX_REL_ROUGHNESS: f64 = 0.1;

/// Validate every `[[coolant.links]]` table.
pub(super) fn links(ctx: &Ctx, raw: &[RawLink]) -> Result<Vec<CoolantLink>> {
    raw.iter()
        .enumerate()
        .map(|(i, l)| link(ctx, &format!("coolant.links[{i}]"), l))
        .collect()
}

fn link(ctx: &Ctx, p: &str, raw: &RawLink) -> Result<CoolantLink> {
    let f = |n: &str| format!("{p}.{n}");
    let name = ctx.name(&f("name"), &raw.name)?.to_string();
    let from = ctx.name(&f("from"), &raw.from)?.to_string();
    let to = ctx.name(&f("to"), &raw.to)?.to_string();
    let kind_name = raw.kind.trim();
    let Some((_, takes)) = KINDS.iter().find(|(k, _)| *k == kind_name) else {
        let valid: Vec<String> = KINDS.iter().map(|(k, _)| format!("\"{k}\"")).collect();
        return Err(ctx.err(
            f("kind"),
            format!(
                "link `{name}`: unknown kind `{kind_name}`; valid: {}",
                valid.join(", ")
            ),
        ));
    };
    let given: [(&str, bool); 9] = [
        ("field", raw.field.is_some()),
        ("length_mm", raw.length_mm.is_some()),
        ("diameter_mm", raw.diameter_mm.is_some()),
        ("roughness_um", raw.roughness_um.is_some()),
        ("k", raw.k.is_some()),
        ("cv", raw.cv.is_some()),
        ("points", raw.points.is_some()),
        ("cd", raw.cd.is_some()),
        ("pipe_diameter_mm", raw.pipe_diameter_mm.is_some()),
    ];
    if let Some((extra, _)) = given.iter().find(|(n, g)| *g && !takes.contains(n)) {
        return Err(ctx.err(
            f(extra),
            format!(
                "link `{name}`: `{extra}` does not apply to kind \"{kind_name}\", which takes {}",
                takes.join(", ")
            ),
        ));
    }
    let need = |field: &str, v: Option<f64>| -> Result<f64> {
        match v {
            Some(v) => ctx.positive(&f(field), v),
            None => Err(ctx.err(
                f(field),
                format!(
                    "link `{name}`: required for kind \"{kind_name}\" (it takes {})",
                    takes.join(", ")
                ),
            )),
        }
    };
    let diameter = |field: &str, v: Option<f64>| -> Result<f64> {
        let d = need(field, v)?;
        if d > MAX_DIAMETER_MM {
            return Err(ctx.err(
                f(field),
                format!(
                    "link `{name}`: {d} mm is more than {MAX_DIAMETER_MM} mm; diameters are in \
                     mm (a value in µm?)"
                ),
            ));
        }
        Ok(d)
    };
    let kind = match kind_name {
        "field" => CoolantLinkKind::Field {
            field: match &raw.field {
                Some(n) => ctx.name(&f("field"), n)?.to_string(),
                None => {
                    return Err(ctx.err(
                        f("field"),
                        format!(
                            "link `{name}`: required for kind \"field\": the channel field's name"
                        ),
                    ))
                }
            },
        },
        "pipe" => {
            let length_mm = need("length_mm", raw.length_mm)?;
            let diameter_mm = diameter("diameter_mm", raw.diameter_mm)?;
            let roughness_um = ctx.non_negative(
                &f("roughness_um"),
                raw.roughness_um.unwrap_or(DEFAULT_ROUGHNESS_UM),
            )?;
            if roughness_um * 1e-3 > MAX_REL_ROUGHNESS * diameter_mm {
                return Err(ctx.err(
                    f("roughness_um"),
                    format!(
                        "link `{name}`: {roughness_um} µm is more than {MAX_REL_ROUGHNESS} of the \
                         {diameter_mm} mm diameter; roughness is in µm (drawn tube ≈ 1.5, \
                         commercial steel ≈ 45)"
                    ),
                ));
            }
            CoolantLinkKind::Pipe {
                length_mm,
                diameter_mm,
                roughness_um,
            }
        }
        "minor" => CoolantLinkKind::Minor {
            k: need("k", raw.k)?,
            diameter_mm: diameter("diameter_mm", raw.diameter_mm)?,
        },
        "qd" => match (raw.cv, raw.k) {
            (Some(cv), None) => {
                if raw.diameter_mm.is_some() {
                    return Err(ctx.err(
                        f("diameter_mm"),
                        format!(
                            "link `{name}`: a quick-disconnect rated by cv takes no diameter_mm \
                             (give cv alone, or k with diameter_mm)"
                        ),
                    ));
                }
                CoolantLinkKind::QdCv {
                    cv: ctx.positive(&f("cv"), cv)?,
                }
            }
            (None, Some(k)) => CoolantLinkKind::QdK {
                k: ctx.positive(&f("k"), k)?,
                diameter_mm: diameter("diameter_mm", raw.diameter_mm)?,
            },
            (Some(_), Some(_)) => {
                return Err(ctx.err(
                    f("k"),
                    format!(
                        "link `{name}`: give either cv (US gpm/√psi) or k with diameter_mm, not \
                         both"
                    ),
                ))
            }
            (None, None) => {
                return Err(ctx.err(
                    f("cv"),
                    format!(
                        "link `{name}`: required for kind \"qd\": cv (US gpm/√psi), or k with \
                         diameter_mm"
                    ),
                ))
            }
        },
        "curve" => match &raw.points {
            Some(points) => CoolantLinkKind::Curve {
                points_lpm_kpa: pairs(ctx, &f("points"), points, "dp_kpa")?,
            },
            None => {
                return Err(ctx.err(
                    f("points"),
                    format!(
                        "link `{name}`: required for kind \"curve\": points = [[flow_lpm, \
                         dp_kpa], …]"
                    ),
                ))
            }
        },
        _ => {
            let diameter_mm = diameter("diameter_mm", raw.diameter_mm)?;
            let cd = need("cd", raw.cd)?;
            if cd > 1.0 {
                return Err(ctx.err(
                    f("cd"),
                    format!(
                        "link `{name}`: a discharge coefficient is at most 1 (a sharp orifice \
                         ≈ 0.6), got {cd}"
                    ),
                ));
            }
            let pipe_diameter_mm = raw
                .pipe_diameter_mm
                .map(|v| diameter("pipe_diameter_mm", Some(v)))
                .transpose()?;
            if let Some(pd) = pipe_diameter_mm {
                if pd <= diameter_mm {
                    return Err(ctx.err(
                        f("pipe_diameter_mm"),
                        format!(
                            "link `{name}`: the pipe ({pd} mm) must be wider than the orifice \
                             bore ({diameter_mm} mm)"
                        ),
                    ));
                }
            }
            CoolantLinkKind::Orifice {
                diameter_mm,
                cd,
                pipe_diameter_mm,
            }
        }
    };
    Ok(CoolantLink {
        name,
        from,
        to,
        kind,
    })
}

/// `[[flow_lpm, value], …]` at `field`: every entry a pair of finite numbers (the curve's
/// own rules — ascending flows, monotone values — are checked when the law is built).
pub(super) fn pairs(ctx: &Ctx, field: &str, raw: &[Vec<f64>], what: &str) -> Result<Points> {
    raw.iter()
        .enumerate()
        .map(|(j, pair)| match pair.as_slice() {
            [_, v] if v.abs() > MAX_PRESSURE_KPA => Err(ctx.err(
                format!("{field}[{j}]"),
                format!(
                    "{what} {v} is more than {MAX_PRESSURE_KPA} kPa (100 bar); pressures are in \
                     kPa (a value in Pa?)"
                ),
            )),
            [q, v] if q.is_finite() && v.is_finite() => Ok((*q, *v)),
            _ => Err(ctx.err(
                format!("{field}[{j}]"),
                format!("must be a pair [flow_lpm, {what}] of finite numbers, got {pair:?}"),
            )),
        })
        .collect()
}

/// `(flow_lpm, value)` points of a curve.
type Points = Vec<(f64, f64)>;

/// What drives the loop: exactly one of `flow_lpm` (checked > 0) and `pump_curve` (pairs;
/// the curve itself is checked when the network is built). With a pump curve the flow is NaN
/// (the solve finds the operating point).
pub(super) fn drive(
    ctx: &Ctx,
    flow_lpm: Option<f64>,
    pump_curve: Option<&[Vec<f64>]>,
) -> Result<(f64, Option<Points>)> {
    match (flow_lpm, pump_curve) {
        (Some(q), None) => Ok((ctx.positive("coolant.flow_lpm", q)?, None)),
        (None, Some(points)) => Ok((
            f64::NAN,
            Some(pairs(ctx, "coolant.pump_curve", points, "head_kpa")?),
        )),
        (Some(_), Some(_)) => Err(ctx.err(
            "coolant.pump_curve",
            "give either flow_lpm (a fixed flow) or pump_curve (the loop settles where the \
             pump's head equals its pressure drop), not both",
        )),
        (None, None) => Err(ctx.err(
            "coolant.flow_lpm",
            "required field is missing: give flow_lpm (the loop's total flow, L/min) or \
             pump_curve = [[flow_lpm, head_kpa], …] (see docs/formats/design.md)",
        )),
    }
}

/// Check the loop network of `coolant` (with the design's channel fields `field_names`) by
/// building it; an error names the link (`coolant.links[i].field`) or `coolant.links`.
pub(super) fn network(ctx: &Ctx, coolant: &Coolant, field_names: Vec<String>) -> Result<()> {
    Network::of_coolant(coolant, field_names).map_err(|e| {
        let path = match (e.link, e.field.as_str()) {
            (Some(i), "") => format!("coolant.links[{i}]"),
            (Some(i), field) => format!("coolant.links[{i}].{field}"),
            (None, field) if field.starts_with("pump_curve") => format!("coolant.{field}"),
            (None, _) => "coolant.links".to_string(),
        };
        ctx.err(path, e.problem)
    })?;
    Ok(())
}

/// A pump-driven loop has no design flow, so a field's `pressure_drop_kpa` (its drop at its
/// share of `flow_lpm`) has no reference: refused, naming the field.
pub(super) fn pump_overrides(ctx: &Ctx, coolant: &Coolant, layers: &[Layer]) -> Result<()> {
    if coolant.pump_curve.is_none() {
        return Ok(());
    }
    for (i, l) in layers.iter().enumerate() {
        for (c, ch) in l.channels.iter().enumerate() {
            if ch.pressure_drop_kpa.is_some() {
                let path = if l.channels.len() == 1 {
                    format!("layers[{i}].channels.pressure_drop_kpa")
                } else {
                    format!("layers[{i}].channels[{c}].pressure_drop_kpa")
                };
                return Err(ctx.err(
                    path,
                    format!(
                        "channel field `{}`: a fixed pressure drop is the drop at the field's \
                         share of flow_lpm, and a loop driven by pump_curve has no flow_lpm; \
                         remove pressure_drop_kpa (the correlations give the drop), or give \
                         flow_lpm instead of pump_curve",
                        ch.name
                    ),
                ));
            }
        }
    }
    Ok(())
}

/// `[coolant] balance` and `balance_cd`: every name a channel field of the design (one of
/// `field_names`), none twice, no link already named `balance_<field>` (the orifice's name);
/// `balance_cd` in (0, 1], default [`DEFAULT_BALANCE_CD`], and only with `balance`.
pub(super) fn balance(
    ctx: &Ctx,
    raw: &RawCoolant,
    links: &[CoolantLink],
    field_names: &[String],
) -> Result<(Vec<String>, f64)> {
    let names = raw.balance.clone().unwrap_or_default();
    if names.len() == 1 {
        return Err(ctx.err(
            "coolant.balance",
            format!(
                "lists one field (`{}`); balancing makes two or more fields' flows equal: \
                 list at least two, or remove balance",
                names[0]
            ),
        ));
    }
    for (i, name) in names.iter().enumerate() {
        let at = format!("coolant.balance[{i}]");
        if !field_names.contains(name) {
            return Err(ctx.err(
                at,
                format!(
                    "no channel field is named `{name}`; valid: {}",
                    field_names.join(", ")
                ),
            ));
        }
        if let Some(j) = names[..i].iter().position(|n| n == name) {
            return Err(ctx.err(
                at,
                format!("field `{name}` is already coolant.balance[{j}]; name each field once"),
            ));
        }
        let orifice = format!("balance_{name}");
        if let Some(j) = links.iter().position(|l| l.name == orifice) {
            return Err(ctx.err(
                format!("coolant.links[{j}].name"),
                format!(
                    "`{orifice}` is the name of the balancing orifice of `{name}` \
                     (coolant.balance[{i}]); rename this link"
                ),
            ));
        }
    }
    let cd = match raw.balance_cd {
        None => DEFAULT_BALANCE_CD,
        Some(_) if names.is_empty() => {
            return Err(ctx.err(
                "coolant.balance_cd",
                "is given without coolant.balance; list the fields to balance, e.g. \
                 balance = [\"gpu0\", \"gpu1\"], or remove balance_cd",
            ))
        }
        Some(cd) if cd.is_finite() && cd > 0.0 && cd <= 1.0 => cd,
        Some(cd) => {
            return Err(ctx.err(
                "coolant.balance_cd",
                format!(
                    "{cd} is not a discharge coefficient; valid: 0 < balance_cd ≤ 1 (a \
                     sharp-edged orifice has {DEFAULT_BALANCE_CD})"
                ),
            ))
        }
    };
    Ok((names, cd))
}
