//! The coolant loop network (`coldtray_solver::hydraulics`): each law against its defining
//! equation or an independent reference, networks against exact sums and splits, manifold
//! ladders against the physics of header losses, and the `[[coolant.links]]` validation.
//!
//! Every solved network is also checked as a whole by [`certify`]: mass balances at every
//! node, every link's drop equals its law at its flow, and every supply → return path's drops
//! add up to the supply–return pressure difference. Together these are the solution's
//! defining equations, so they certify it without reference to how it was found.

mod balance;
mod coupling;
mod laws;
mod manifold;
mod networks;
mod validation;

use coldtray_solver::hydraulics::{FieldLaw, Link, LinkKind, Liquid, Network, NetworkSolution};

/// Water at 20 °C (the fluid tables' row).
pub(crate) const WATER: Liquid = Liquid {
    density_kg_m3: 998.2,
    viscosity_pa_s: 1.002e-3,
};

pub(crate) const LPM: f64 = 1.0 / 60_000.0;

/// Channel fields with Δp = R·Q + K·Q² (laminar friction plus turbulent-like entry losses).
pub(crate) struct Fields {
    pub(crate) r: Vec<f64>,
    pub(crate) k: Vec<f64>,
}

impl Fields {
    /// Linear fields, Δp = R·Q.
    pub(crate) fn linear(r: &[f64]) -> Fields {
        Fields {
            r: r.to_vec(),
            k: vec![0.0; r.len()],
        }
    }
}

impl FieldLaw for Fields {
    fn dp_pa(&self, field: usize, q: f64) -> f64 {
        self.r[field] * q + self.k[field] * q * q
    }
    fn ddp_dq(&self, field: usize, q: f64) -> f64 {
        self.r[field] + 2.0 * self.k[field] * q
    }
}

pub(crate) fn link(name: &str, from: &str, to: &str, kind: LinkKind) -> Link {
    Link::new(name, from, to, kind)
}

pub(crate) fn field(i: usize) -> LinkKind {
    LinkKind::Field { field: i }
}

pub(crate) fn names(n: usize) -> Vec<String> {
    (0..n).map(|i| format!("f{i}")).collect()
}

/// Relative difference |a − b| / |b|.
pub(crate) fn rel(a: f64, b: f64) -> f64 {
    (a - b).abs() / b.abs()
}

/// Check a solution's defining equations: mass at every node to 1e-9 of the total flow (the
/// solver's own stopping rule), every link's reported drop equal to p_from − p_to to 1e-9
/// of the supply–return drop (the solver stops at 1e-10 of the largest drop; the path sums
/// below add up to a few dozen such residuals), and the drops along every simple supply →
/// return path summing to p_supply − p_return to the same bound.
pub(crate) fn certify(net: &Network, sol: &NetworkSolution) {
    let q_total = sol.total_flow_m3s;
    let supply = net.node("supply").unwrap();
    let ret = net.node("return").unwrap();
    let mut balance = vec![0.0; net.nodes().len()];
    balance[supply] += q_total;
    balance[ret] -= q_total;
    for (l, &(f, t)) in net.ends().iter().enumerate() {
        balance[f] -= sol.link_flow_m3s[l];
        balance[t] += sol.link_flow_m3s[l];
    }
    for (n, b) in balance.iter().enumerate() {
        assert!(
            b.abs() <= 1e-9 * q_total,
            "node `{}` unbalanced by {b:e} m³/s of {q_total:e}",
            net.nodes()[n]
        );
    }
    assert!(sol.max_imbalance_m3s <= 1e-9 * q_total);
    let dp_sr = sol.dp_supply_return_pa;
    assert!(
        (dp_sr - (sol.node_pressure_pa[supply] - sol.node_pressure_pa[ret])).abs()
            < 1e-9 * dp_sr.abs()
    );
    let tol = 1e-9 * dp_sr.abs();
    for (l, &(f, t)) in net.ends().iter().enumerate() {
        let across = sol.node_pressure_pa[f] - sol.node_pressure_pa[t];
        assert!(
            (sol.link_dp_pa[l] - across).abs() <= tol,
            "link `{}`: law {} Pa vs nodes {} Pa",
            net.links()[l].name,
            sol.link_dp_pa[l],
            across
        );
        // A drop has the sign of its flow (odd laws).
        assert!(
            sol.link_dp_pa[l] * sol.link_flow_m3s[l] >= 0.0,
            "link `{}`: drop and flow of opposite signs",
            net.links()[l].name
        );
    }
    // Every simple path supply → return along the links' directions.
    let mut paths = 0;
    let mut stack = vec![(supply, vec![supply], 0.0)];
    while let Some((node, seen, sum)) = stack.pop() {
        if node == ret {
            assert!(
                (sum - dp_sr).abs() <= tol,
                "path {:?}: drops sum to {sum} Pa, supply − return is {dp_sr} Pa",
                seen.iter()
                    .map(|&n| net.nodes()[n].as_str())
                    .collect::<Vec<_>>()
            );
            paths += 1;
            continue;
        }
        for (l, &(f, t)) in net.ends().iter().enumerate() {
            if f == node && !seen.contains(&t) {
                let mut next = seen.clone();
                next.push(t);
                stack.push((t, next, sum + sol.link_dp_pa[l]));
            }
        }
    }
    assert!(paths >= 1, "at least one supply → return path");
}
