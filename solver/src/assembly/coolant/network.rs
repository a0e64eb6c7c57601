//! The coolant loop network coupled to the channel fields: the fields' Δp(flow) laws from the
//! channel correlations go into [`crate::hydraulics::Network::solve`], whose link flows are
//! the fields' flows; the mixed temperature of every node gives each field its inlet.
//!
//! **Flow unit.** The network works in m³/s of liquid *at the inlet temperature*: a link's
//! "flow" is its mass flow divided by ρ(inlet). Mass is what a node conserves, so this keeps
//! the network's balances exact while the density changes along the loop, and a fixed
//! `flow_lpm` (a volume flow at the inlet temperature) is exactly the network's total. The
//! pipes, fittings, quick-disconnects and orifices take the liquid's properties at the inlet
//! temperature; each channel field its own, cell by cell (`docs/physics.md`, "Coupling the
//! loop to the thermal solve").

use crate::hydraulics::{
    BalanceOrifice, Drive, FieldLaw, HydraulicsError, Liquid, Network, NetworkSolution, M3S_PER_LPM,
};
use crate::model::{Coolant, Design, Fluid};

/// The solved loop of one assembly round.
#[derive(Debug, Clone, PartialEq)]
pub struct LoopState {
    /// The network (the design's links, or every field in parallel without links), with
    /// its balancing orifices at their sized bores (`[coolant] balance`).
    pub network: Network,
    /// The balancing orifices sized this round, in the order `balance` names their fields
    /// (empty without balancing).
    pub balance: Vec<BalanceOrifice>,
    /// Its solution with the fields' laws of this round.
    pub solution: NetworkSolution,
    /// Properties of the non-field links (the inlet temperature's).
    pub liquid: Liquid,
    /// ρ at the inlet temperature, kg/m³: a network flow × this is a mass flow.
    pub density_ref_kg_m3: f64,
    /// Mixed coolant temperature at every node ([`Network::nodes`] order), °C, from the field
    /// outlet temperatures the round was assembled with (the design inlet everywhere in a
    /// first round).
    pub node_c: Vec<f64>,
}

impl LoopState {
    /// The link carrying channel field `field` (index in the design's field order).
    pub fn field_link(&self, field: usize) -> Option<usize> {
        self.network.links().iter().position(
            |l| matches!(l.kind, crate::hydraulics::LinkKind::Field { field: f } if f == field),
        )
    }

    /// Flow of field `field` as a mass flow, kg/s.
    pub fn field_mdot_kg_s(&self, field: usize) -> f64 {
        self.field_link(field).map_or(0.0, |l| {
            self.solution.link_flow_m3s[l] * self.density_ref_kg_m3
        })
    }

    /// The loop's total mass flow, kg/s.
    pub fn total_mdot_kg_s(&self) -> f64 {
        self.solution.total_flow_m3s * self.density_ref_kg_m3
    }

    /// The loop's total flow, L/min at the inlet temperature.
    pub fn total_lpm(&self) -> f64 {
        self.solution.total_flow_m3s / M3S_PER_LPM
    }
}

/// A field law given on mass flows, seen by the network in inlet-density volume flows.
struct MassLaw<'a> {
    dp_pa: &'a dyn Fn(usize, f64) -> f64,
    density_ref_kg_m3: f64,
}

impl FieldLaw for MassLaw<'_> {
    fn dp_pa(&self, field: usize, q_m3s: f64) -> f64 {
        (self.dp_pa)(field, q_m3s * self.density_ref_kg_m3)
    }
}

/// The channel fields' names in the design's order (layers bottom to top, fields in order):
/// the order of [`super::CoolantState::fields`] and of the network's field indices.
pub fn field_names(design: &Design) -> Vec<String> {
    design
        .layers
        .iter()
        .flat_map(|l| l.channels.iter().map(|c| c.name.clone()))
        .collect()
}

/// The network of `coolant` over the design's fields, with an orifice to size in series with
/// each field `balance` names.
pub(super) fn build(design: &Design, coolant: &Coolant) -> Result<Network, String> {
    let net = Network::of_coolant(coolant, field_names(design)).map_err(|e| e.to_string())?;
    if coolant.balance.is_empty() {
        return Ok(net);
    }
    net.with_balance_orifices(&coolant.balance, coolant.balance_cd)
        .map_err(|e| e.to_string())
}

/// The liquid of the non-field links and the reference density of the network's flows.
pub(super) fn inlet_liquid(fluid: &Fluid, inlet_c: f64) -> (Liquid, f64) {
    let p = fluid.props_at(inlet_c);
    (Liquid::from(&p), p.density_kg_m3)
}

/// A solved loop: the network with its balancing orifices sized (the one the solution's link
/// indices follow), the solution and the orifices.
pub(super) struct Solved {
    pub(super) network: Network,
    pub(super) solution: NetworkSolution,
    pub(super) balance: Vec<BalanceOrifice>,
}

/// Solve `net` with the fields' pressure drops `dp_pa(field, mdot_kg_s)`, sizing its balancing
/// orifices if it has any: the solved loop, or a one-line error (no operating point, a field
/// run backwards or dry, no convergence, fields that cannot be balanced).
pub(super) fn solve(
    design: &Design,
    net: &Network,
    liquid: &Liquid,
    density_ref_kg_m3: f64,
    dp_pa: &dyn Fn(usize, f64) -> f64,
) -> Result<Solved, String> {
    let law = MassLaw {
        dp_pa,
        density_ref_kg_m3,
    };
    let balanced = net
        .solve_balanced(liquid, &law)
        .map_err(|e: HydraulicsError| e.to_string())?;
    let (net, sol) = (&balanced.network, &balanced.solution);
    if let Drive::Pump(pump) = net.drive() {
        if sol.total_flow_m3s <= 0.0 {
            let (h0, _) = pump.head(0.0);
            return Err(format!(
                "no operating point: the loop's pressure drop is above the pump's maximum head \
                 ({:.1} kPa at zero flow) at every flow; give coolant.pump_curve of a stronger \
                 pump, remove restrictions in series (links), put plates in parallel, or give \
                 flow_lpm instead",
                h0 * 1e-3
            ));
        }
    }
    for (l, link) in net.links().iter().enumerate() {
        if let crate::hydraulics::LinkKind::Field { field } = link.kind {
            let q = sol.link_flow_m3s[l];
            if q.is_nan() || q <= 1e-12 * sol.total_flow_m3s.abs() {
                return Err(format!(
                    "channel field `{}` (link `{}`) gets {:.3e} L/min: the loop network runs it \
                     backwards or dry, which the channel model cannot describe; check the links' \
                     from/to around it (design `{}`)",
                    net.field_names()[field],
                    link.name,
                    q / M3S_PER_LPM,
                    design.name
                ));
            }
        }
    }
    Ok(Solved {
        network: balanced.network,
        solution: balanced.solution,
        balance: balanced.orifices,
    })
}

/// Mixed temperature at every node of a solved loop, °C: `supply` at `inlet_c`; every other
/// node mixes the links flowing into it (a field link brings its outlet temperature
/// `field_outlet_c(field)`, any other link its upstream node's), weighted by enthalpy flow
/// (ṁ·c̄_p with c̄_p between the inlet and each stream's temperature). Nodes are visited in
/// falling pressure, which is a flow order (every law rises with the flow, so a link carries
/// its flow from the higher pressure to the lower). A node that receives no flow is at
/// `inlet_c`. `field_outlet_c` may return NaN (no outlet known yet): the stream is then taken
/// at its inlet temperature.
pub fn node_temperatures_c(
    net: &Network,
    sol: &NetworkSolution,
    fluid: &Fluid,
    inlet_c: f64,
    field_outlet_c: &dyn Fn(usize) -> f64,
) -> Vec<f64> {
    let n = net.nodes().len();
    let supply = net.node(crate::hydraulics::SUPPLY).unwrap_or(0);
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by(|&a, &b| {
        sol.node_pressure_pa[b]
            .total_cmp(&sol.node_pressure_pa[a])
            .then((a != supply).cmp(&(b != supply)))
    });
    let mut t = vec![f64::NAN; n];
    for &node in &order {
        if node == supply {
            t[node] = inlet_c;
            continue;
        }
        // (flow, stream temperature) of every link flowing into this node.
        let mut streams = Vec::new();
        for (l, (link, &(f, to))) in net.links().iter().zip(net.ends()).enumerate() {
            let q = sol.link_flow_m3s[l];
            let (up, down) = if q >= 0.0 { (f, to) } else { (to, f) };
            if down != node || q == 0.0 {
                continue;
            }
            let t_up = if t[up].is_finite() { t[up] } else { inlet_c };
            let ts = match link.kind {
                crate::hydraulics::LinkKind::Field { field } => {
                    let o = field_outlet_c(field);
                    if o.is_finite() {
                        o
                    } else {
                        t_up
                    }
                }
                _ => t_up,
            };
            streams.push((q.abs(), ts));
        }
        t[node] = mix_c(fluid, inlet_c, &streams);
    }
    t
}

/// The temperature of the streams `(flow, °C)` mixed adiabatically, °C: the enthalpy they
/// carry above `ref_c`, Σ Q c̄_p(ref, T)(T − ref), shared out over their summed flow
/// (c̄_p re-evaluated at the mix, three fixed-point passes: c_p moves by well under 1 % over
/// a loop, so each pass gains two orders). `ref_c` without streams.
pub fn mix_c(fluid: &Fluid, ref_c: f64, streams: &[(f64, f64)]) -> f64 {
    let total: f64 = streams.iter().map(|s| s.0).sum();
    if total.is_nan() || total <= 0.0 {
        return ref_c;
    }
    let enthalpy: f64 = streams
        .iter()
        .map(|&(q, t)| q * fluid.mean_cp_j_kgk(ref_c, t) * (t - ref_c))
        .sum();
    let mut t = streams.iter().map(|&(q, t)| q * t).sum::<f64>() / total;
    for _ in 0..3 {
        let cp = fluid.mean_cp_j_kgk(ref_c, t);
        t = ref_c + enthalpy / (total * cp);
    }
    t
}

/// The loop's system curve: `(total flow L/min, supply → return Δp kPa)` at `points` flows
/// evenly from `lo` to `hi` × `flow_lpm`, with the fields' laws `dp_pa` and the liquid
/// frozen (each point solved with a fixed total flow). Points whose network does not solve
/// are left out.
#[allow(clippy::too_many_arguments)]
pub(super) fn system_curve(
    solved: &Network,
    liquid: &Liquid,
    density_ref_kg_m3: f64,
    dp_pa: &dyn Fn(usize, f64) -> f64,
    flow_lpm: f64,
    (lo, hi): (f64, f64),
    points: usize,
) -> Vec<[f64; 2]> {
    let law = MassLaw {
        dp_pa,
        density_ref_kg_m3,
    };
    (0..points)
        .filter_map(|k| {
            let s = lo + (hi - lo) * k as f64 / (points.max(2) - 1) as f64;
            let q = s * flow_lpm;
            // The loop as solved (balancing orifices at their sized bores) at a fixed flow.
            let net = Network::new(
                solved.links().to_vec(),
                solved.field_names().to_vec(),
                Drive::Flow {
                    total_m3s: q * M3S_PER_LPM,
                },
            )
            .ok()?;
            let sol = net.solve(liquid, &law).ok()?;
            Some([q, sol.dp_supply_return_pa * 1e-3])
        })
        .collect()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::hydraulics::{Link, LinkKind};
    use crate::model::FluidProps;

    fn constant_water() -> Fluid {
        Fluid {
            name: "custom".into(),
            table: vec![(
                20.0,
                FluidProps {
                    density_kg_m3: 998.0,
                    cp_j_kgk: 4180.0,
                    k: 0.6,
                    viscosity_pa_s: 1e-3,
                },
            )],
        }
    }

    struct Linear;
    impl FieldLaw for Linear {
        fn dp_pa(&self, _field: usize, q: f64) -> f64 {
            1e8 * q
        }
    }

    #[test]
    fn constant_cp_streams_mix_to_their_flow_weighted_mean() {
        let w = constant_water();
        let t = mix_c(&w, 20.0, &[(1.0, 30.0), (3.0, 50.0)]);
        assert!((t - 45.0).abs() < 1e-12, "{t}");
        assert_eq!(mix_c(&w, 20.0, &[]), 20.0);
    }

    #[test]
    fn a_series_field_draws_the_upstream_outlet_and_parallel_ones_mix() {
        // supply → a → mid → (b ∥ c) → return: b and c draw a's outlet; return mixes them.
        let link = |n: &str, f: &str, t: &str, i| Link::new(n, f, t, LinkKind::Field { field: i });
        let net = Network::new(
            vec![
                link("a", "supply", "mid", 0),
                link("b", "mid", "return", 1),
                link("c", "mid", "return", 2),
            ],
            vec!["a".into(), "b".into(), "c".into()],
            Drive::Flow { total_m3s: 1e-5 },
        )
        .unwrap();
        let w = Liquid {
            density_kg_m3: 998.0,
            viscosity_pa_s: 1e-3,
        };
        let sol = net.solve(&w, &Linear).unwrap();
        let outlets = [30.0, 40.0, 50.0];
        let t = node_temperatures_c(&net, &sol, &constant_water(), 20.0, &|f| outlets[f]);
        assert_eq!(t[net.node("supply").unwrap()], 20.0);
        assert_eq!(t[net.node("mid").unwrap()], 30.0);
        // b and c are identical: equal flows, the return is their mean.
        assert!((t[net.node("return").unwrap()] - 45.0).abs() < 1e-9);
    }
}
