//! The `hydraulics` section of `results.json`: the solved coolant loop (drive, operating
//! point, node pressures, link flows), every channel field's flow and heat, each package's
//! thermal resistance from its own plate's inlet, and the loop's system curve.
//!
//! **Packages.** A package is a channel field with the powered blocks over it: each powered
//! block belongs to the field whose plan rectangle overlaps the block's most (in any layer;
//! a block over no field belongs to no package). Its `r_th_k_w` = (hottest die − the field's
//! inlet) / the package's power, "die" meaning its blocks that are not HBM (all its blocks
//! when every one is HBM).

use serde::{Deserialize, Serialize};

use super::{BlockResult, Results};
use crate::assembly::coolant::{mix_c, node_temperatures_c, CoolantState};
use crate::assembly::Assembly;
use crate::hydraulics::{Drive, LinkKind, M3S_PER_LPM};
use crate::model::Design;

/// The solved coolant loop.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HydraulicsResult {
    /// What drives the loop: `"flow"` (a fixed `flow_lpm`) or `"pump"` (a `pump_curve`).
    pub drive: String,
    /// Total flow, L/min at the inlet temperature.
    pub flow_lpm: f64,
    /// Supply → return pressure drop, kPa.
    pub dp_kpa: f64,
    /// The pump's operating point; absent with a fixed flow.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub operating_point: Option<OperatingPoint>,
    /// Newton iterations of the last network solve.
    pub newton_iterations: usize,
    /// Largest mass imbalance at any node, relative to the total flow.
    pub max_imbalance: f64,
    /// Every node, in the network's order.
    pub nodes: Vec<NodeResult>,
    /// Every link, in the design's order (without links: one per field, named after it).
    pub links: Vec<LinkResult>,
    /// Every channel field, in the design's order.
    pub fields: Vec<FieldResult>,
    /// Every package (a field and the powered blocks over it).
    pub packages: Vec<PackageResult>,
    /// The loop's Δp against its total flow, `[flow_lpm, dp_kpa]`, from 10 % to 150 % of the
    /// operating flow, with the converged properties frozen.
    pub system_curve: Vec<[f64; 2]>,
    /// The pump curve as given, `[flow_lpm, head_kpa]`; absent with a fixed flow.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pump_curve: Option<Vec<[f64; 2]>>,
    /// The balancing orifices sized for `[coolant] balance`, in its order (bore, reference
    /// diameter, fully open or not, Δp at the operating point); absent without balancing.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub balance: Vec<crate::hydraulics::BalanceOrifice>,
}

/// Where the pump runs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OperatingPoint {
    /// Flow, L/min.
    pub flow_lpm: f64,
    /// Head, kPa (equal to the loop's supply → return drop).
    pub head_kpa: f64,
}

/// One node of the loop.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NodeResult {
    /// Node name.
    pub name: String,
    /// Pressure above `return`, kPa.
    pub pressure_kpa: f64,
    /// Mixed coolant temperature, °C.
    pub temperature_c: f64,
}

/// One link of the loop.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LinkResult {
    /// Link name.
    pub name: String,
    /// `field`, `pipe`, `quadratic` (fitting, QD, orifice) or `curve`.
    pub kind: String,
    /// Upstream node.
    pub from: String,
    /// Downstream node.
    pub to: String,
    /// Flow, L/min (negative: against from → to).
    pub flow_lpm: f64,
    /// Pressure drop from → to, kPa.
    pub dp_kpa: f64,
    /// Mean velocity in its reference diameter (a field: in its channels), m/s; `null` for
    /// a curve or a Cv rating.
    pub velocity_m_s: Option<f64>,
    /// Reynolds number there; `null` likewise.
    pub reynolds: Option<f64>,
}

/// One channel field.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FieldResult {
    /// Field name.
    pub name: String,
    /// Flow, L/min at the inlet temperature's density.
    pub flow_lpm: f64,
    /// Inlet temperature (the mixed temperature of the node it draws from), °C.
    pub inlet_c: f64,
    /// Mixed outlet temperature, °C.
    pub outlet_c: f64,
    /// Enthalpy rise of its coolant, W.
    pub heat_w: f64,
    /// Mean wall coefficient h, W/(m²·K).
    pub h_w_m2k: f64,
    /// Mean Nusselt number.
    pub nusselt: f64,
    /// Pressure drop, kPa: channel friction plus the plenums.
    pub dp_kpa: f64,
    /// Of which the inlet and outlet plenums, kPa (0 when the design fixes the drop; absent
    /// from results written before plenums were modelled).
    #[serde(default)]
    pub plenum_dp_kpa: f64,
    /// Mean channel velocity, m/s.
    pub velocity_m_s: f64,
    /// Channel Reynolds number.
    pub reynolds: f64,
}

/// One package: a channel field and the powered blocks over it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PackageResult {
    /// The field's name.
    pub name: String,
    /// Its blocks.
    pub blocks: Vec<String>,
    /// Their power, W.
    pub power_w: f64,
    /// The hottest of its dies (not HBM), °C.
    pub max_c: f64,
    /// Its plate's inlet, °C.
    pub inlet_c: f64,
    /// (max_c − inlet_c) / power_w, K/W.
    pub r_th_k_w: f64,
}

/// Per field of `state`: (mixed outlet °C, enthalpy rise W) at the solution `theta`.
pub(crate) fn field_outlets(
    asm: &Assembly,
    state: &CoolantState,
    theta: &[f64],
    fluid: &crate::model::Fluid,
) -> Vec<(f64, f64)> {
    let mut streams = vec![Vec::new(); state.fields.len()];
    let mut heat = vec![0.0; state.fields.len()];
    for o in &asm.outlets {
        streams[o.field].push((1.0, asm.t_ref_c + theta[o.state]));
        heat[o.field] += o.w_k * (theta[o.state] - o.inlet_theta);
    }
    state
        .fields
        .iter()
        .zip(streams)
        .zip(heat)
        .map(|((f, s), h)| {
            let t = if s.is_empty() {
                f.inlet_c
            } else {
                mix_c(fluid, f.inlet_c, &s)
            };
            (t, h + 0.0)
        })
        .collect()
}

/// The mixed loop outlet (the `return` node), °C, for field outlets `outlets`.
pub(crate) fn loop_outlet_c(design: &Design, state: &CoolantState, outlets: &[(f64, f64)]) -> f64 {
    let Some(c) = design.coolant.as_ref() else {
        return state.inlet_c;
    };
    let lp = &state.network;
    let t = node_temperatures_c(&lp.network, &lp.solution, &c.fluid, c.inlet_c, &|f| {
        outlets.get(f).map_or(f64::NAN, |o| o.0)
    });
    lp.network
        .node(crate::hydraulics::RETURN)
        .map_or(state.inlet_c, |r| t[r])
}

/// The `hydraulics` section of a solved design.
pub(crate) fn build(
    design: &Design,
    asm: &Assembly,
    theta: &[f64],
    results: &Results,
    system_curve: Vec<[f64; 2]>,
) -> Option<HydraulicsResult> {
    let coolant = design.coolant.as_ref()?;
    let state = asm.coolant.as_ref()?;
    let lp = &state.network;
    let sol = &lp.solution;
    let outlets = field_outlets(asm, state, theta, &coolant.fluid);
    let node_c = node_temperatures_c(&lp.network, sol, &coolant.fluid, coolant.inlet_c, &|f| {
        outlets.get(f).map_or(f64::NAN, |o| o.0)
    });
    let names = crate::assembly::coolant::field_names(design);
    let lpm = |q: f64| q / M3S_PER_LPM;
    let nodes = lp
        .network
        .nodes()
        .iter()
        .zip(&sol.node_pressure_pa)
        .zip(&node_c)
        .map(|((n, p), t)| NodeResult {
            name: n.clone(),
            pressure_kpa: p * 1e-3 + 0.0,
            temperature_c: *t,
        })
        .collect();
    let links = lp
        .network
        .links()
        .iter()
        .enumerate()
        .map(|(l, link)| {
            let (kind, v, re) = match link.kind {
                LinkKind::Field { field } => {
                    let p = &state.fields[field].perf;
                    ("field", Some(p.velocity_m_s), Some(p.reynolds))
                }
                LinkKind::Pipe(_) => ("pipe", sol.link_velocity_m_s[l], sol.link_reynolds[l]),
                LinkKind::Quadratic(_) => {
                    ("quadratic", sol.link_velocity_m_s[l], sol.link_reynolds[l])
                }
                LinkKind::Curve(_) => ("curve", None, None),
            };
            LinkResult {
                name: link.name.clone(),
                kind: kind.to_string(),
                from: link.from.clone(),
                to: link.to.clone(),
                flow_lpm: lpm(sol.link_flow_m3s[l]),
                dp_kpa: sol.link_dp_pa[l] * 1e-3,
                velocity_m_s: v,
                reynolds: re,
            }
        })
        .collect();
    let fields: Vec<FieldResult> = state
        .fields
        .iter()
        .enumerate()
        .map(|(f, ff)| FieldResult {
            name: names.get(f).cloned().unwrap_or_default(),
            flow_lpm: ff.mdot_kg_s / lp.density_ref_kg_m3 / M3S_PER_LPM,
            inlet_c: ff.inlet_c,
            outlet_c: outlets[f].0,
            heat_w: outlets[f].1,
            h_w_m2k: ff.perf.h_w_m2k,
            nusselt: ff.perf.nusselt,
            dp_kpa: ff.perf.pressure_drop_pa * 1e-3,
            plenum_dp_kpa: ff.perf.plenum_dp_pa * 1e-3,
            velocity_m_s: ff.perf.velocity_m_s,
            reynolds: ff.perf.reynolds,
        })
        .collect();
    let packages = packages(design, &results.blocks, &fields);
    let (drive, operating_point, pump_curve) = match lp.network.drive() {
        Drive::Flow { .. } => ("flow", None, None),
        Drive::Pump(_) => (
            "pump",
            Some(OperatingPoint {
                flow_lpm: lpm(sol.total_flow_m3s),
                head_kpa: sol.dp_supply_return_pa * 1e-3,
            }),
            coolant
                .pump_curve
                .as_ref()
                .map(|p| p.iter().map(|&(q, h)| [q, h]).collect()),
        ),
    };
    Some(HydraulicsResult {
        drive: drive.to_string(),
        flow_lpm: state.flow_lpm,
        dp_kpa: sol.dp_supply_return_pa * 1e-3,
        operating_point,
        newton_iterations: sol.iterations,
        max_imbalance: sol.max_imbalance_m3s / sol.total_flow_m3s.abs().max(f64::MIN_POSITIVE),
        nodes,
        links,
        fields,
        packages,
        system_curve,
        pump_curve,
        balance: lp.balance.clone(),
    })
}

/// The packages of the module doc.
fn packages(design: &Design, blocks: &[BlockResult], fields: &[FieldResult]) -> Vec<PackageResult> {
    let rects: Vec<(f64, f64, f64, f64)> = design
        .layers
        .iter()
        .flat_map(|l| l.channels.iter())
        .map(|c| (c.x_mm, c.y_mm, c.x_mm + c.width_mm, c.y_mm + c.depth_mm))
        .collect();
    let mut members: Vec<Vec<&BlockResult>> = vec![Vec::new(); rects.len()];
    for (b, r) in design.blocks.iter().zip(blocks) {
        if r.heat_w() <= 0.0 {
            continue;
        }
        let overlap = |&(x0, y0, x1, y1): &(f64, f64, f64, f64)| {
            let w = (x1.min(b.x_mm + b.width_mm) - x0.max(b.x_mm)).max(0.0);
            let d = (y1.min(b.y_mm + b.depth_mm) - y0.max(b.y_mm)).max(0.0);
            w * d
        };
        let best = rects
            .iter()
            .enumerate()
            .map(|(f, rect)| (f, overlap(rect)))
            .filter(|&(_, a)| a > 0.0)
            .max_by(|a, b| a.1.total_cmp(&b.1));
        if let Some((f, _)) = best {
            members[f].push(r);
        }
    }
    members
        .into_iter()
        .zip(fields)
        .filter(|(m, _)| !m.is_empty())
        .map(|(m, field)| {
            let power_w: f64 = m.iter().map(|b| b.heat_w()).sum();
            let dies: Vec<&&BlockResult> = m.iter().filter(|b| !b.is_hbm()).collect();
            let max_c = if dies.is_empty() {
                m.iter().map(|b| b.max_c).fold(f64::NEG_INFINITY, f64::max)
            } else {
                dies.iter()
                    .map(|b| b.max_c)
                    .fold(f64::NEG_INFINITY, f64::max)
            };
            PackageResult {
                name: field.name.clone(),
                blocks: m.iter().map(|b| b.name.clone()).collect(),
                power_w,
                max_c,
                inlet_c: field.inlet_c,
                r_th_k_w: (max_c - field.inlet_c) / power_w,
            }
        })
        .collect()
}
