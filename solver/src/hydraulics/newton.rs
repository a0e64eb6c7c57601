//! Damped Newton on the node-pressure ("global gradient", Todini & Pilati 1988) formulation.
//!
//! Unknowns: every link's flow Q_l and every node's pressure p_n (`return` is the 0 Pa
//! reference). Equations: each node balances its mass (linear in Q), each link's drop equals
//! its law, Δp_l(Q_l) = p_from − p_to. Linearising each law about the current flow with slope
//! D_l = dΔp_l/dQ gives Q_l' = c_l + (p_from' − p_to')/D_l, c_l = Q_l − Δp_l(Q_l)/D_l;
//! putting that into the mass balances leaves one symmetric positive-definite system for the
//! new pressures, the graph Laplacian weighted by 1/D_l (Cholesky), after which the new flows
//! follow link by link. Every iterate after the first therefore balances mass exactly (to
//! round-off); only the link equations are nonlinear.
//!
//! Why this formulation rather than loop flows: it needs no choice of independent loops, it
//! works on the Δp(Q) laws as they are (no inverted Q(Δp) law), the matrix is SPD and as
//! small as the number of nodes, and a pump is just one more link (from `return` to
//! `supply`, Δp = −H(Q), slope −dH/dQ > 0).
//!
//! - **Start**: every law replaced by its secant from 0 to the loop's flow scale (the fixed
//!   flow, or the pump's free delivery): one linear network solve.
//! - **Near-zero flows**: a quadratic law has zero slope at Q = 0, which would make its weight
//!   infinite. Each slope is bounded below by the law's own secant slope over
//!   [0, 10⁻⁶ × flow scale], a laminar-like slope that is exact for linear laws and only
//!   touches links carrying less than about 10⁻⁶ of the flow.
//! - **Damping**: a backtracking line search on the sum of squared link residuals (mass stays
//!   balanced along the step, which is a convex combination of balanced states); the step is
//!   halved until the merit falls by the Armijo fraction 10⁻⁴, at most ten times.
//! - **Converged** when every link's residual |Δp_l(Q_l) − (p_from − p_to)| is below 10⁻¹⁰ of
//!   the largest drop in the loop and every node balances to 10⁻⁹ of the total flow.

use nalgebra::{DMatrix, DVector};

use super::{Drive, FieldLaw, HydraulicsError, LinkKind, Liquid, Network, NetworkSolution};

/// Newton iteration budget (a well-posed loop converges in well under 20).
const MAX_ITERATIONS: usize = 100;
/// Link residual tolerance, relative to the largest link drop.
const RESIDUAL_TOLERANCE: f64 = 1e-10;
/// Node mass-balance tolerance, relative to the total flow.
const MASS_TOLERANCE: f64 = 1e-9;
/// The flow over which a law's secant bounds its slope from below, relative to the flow scale.
const REGULARISATION: f64 = 1e-6;
/// Step halvings of the line search.
const MAX_HALVINGS: usize = 10;
/// Armijo's sufficient-decrease fraction.
const ARMIJO: f64 = 1e-4;

struct Laws<'a> {
    net: &'a Network,
    liquid: &'a Liquid,
    fields: &'a dyn FieldLaw,
    /// (from, to) of every link, the pump's last (`return` → `supply`).
    ends: Vec<(usize, usize)>,
}

impl Laws<'_> {
    fn count(&self) -> usize {
        self.ends.len()
    }

    fn name(&self, l: usize) -> String {
        self.net
            .links
            .get(l)
            .map_or_else(|| "pump".to_string(), |x| x.name.clone())
    }

    /// Δp of link `l` at flow `q` without its slope (a field law's slope costs two more
    /// evaluations of its law).
    fn value(&self, l: usize, q: f64) -> Result<f64, HydraulicsError> {
        match self.net.links.get(l).map(|x| &x.kind) {
            Some(LinkKind::Field { field }) => {
                let v = self.fields.dp_pa(*field, q.abs());
                let dp = if q < 0.0 { -v } else { v };
                if !dp.is_finite() {
                    return Err(HydraulicsError::BadLaw {
                        link: self.name(l),
                        problem: format!(
                            "its pressure drop at {q:e} m³/s is {dp}, not a finite number"
                        ),
                    });
                }
                Ok(dp)
            }
            _ => self.law(l, q).map(|x| x.0),
        }
    }

    /// Δp and dΔp/dQ of link `l` at flow `q` (the pump's Δp is −H).
    fn law(&self, l: usize, q: f64) -> Result<(f64, f64), HydraulicsError> {
        let (dp, d) = match self.net.links.get(l) {
            None => match &self.net.drive {
                Drive::Pump(pump) => {
                    let (h, dh) = pump.head(q);
                    (-h, -dh)
                }
                Drive::Flow { .. } => (f64::NAN, f64::NAN),
            },
            Some(link) => {
                let a = q.abs();
                let (v, d) = match &link.kind {
                    LinkKind::Field { field } => {
                        (self.fields.dp_pa(*field, a), self.fields.ddp_dq(*field, a))
                    }
                    LinkKind::Pipe(p) => p.dp(a, self.liquid),
                    LinkKind::Quadratic(k) => k.dp(a, self.liquid),
                    LinkKind::Curve(c) => c.dp(a),
                };
                (if q < 0.0 { -v } else { v }, d)
            }
        };
        if !dp.is_finite() {
            return Err(HydraulicsError::BadLaw {
                link: self.name(l),
                problem: format!("its pressure drop at {q:e} m³/s is {dp}, not a finite number"),
            });
        }
        Ok((dp, d))
    }

    /// The secant slope of link `l` over [0, q] (q > 0), Pa·s/m³.
    fn secant(&self, l: usize, q: f64) -> Result<f64, HydraulicsError> {
        let s = (self.value(l, q)? - self.value(l, 0.0)?) / q;
        if s.is_finite() && s > 0.0 {
            Ok(s)
        } else {
            Err(HydraulicsError::BadLaw {
                link: self.name(l),
                problem: format!(
                    "its pressure drop does not rise with the flow (secant slope {s:e} Pa·s/m³ \
                     over 0 … {q:e} m³/s)"
                ),
            })
        }
    }
}

/// One linearised solve: the pressures and flows that balance mass with every law replaced by
/// its tangent (value `dp`, slope `slope`) at `q`.
fn step(
    laws: &Laws,
    injection: &[f64],
    q: &[f64],
    dp: &[f64],
    slope: &[f64],
) -> Result<(Vec<f64>, Vec<f64>), HydraulicsError> {
    let n_nodes = laws.net.nodes.len();
    let ret = laws.net.ret;
    let row = |n: usize| -> Option<usize> {
        match n.cmp(&ret) {
            std::cmp::Ordering::Less => Some(n),
            std::cmp::Ordering::Equal => None,
            std::cmp::Ordering::Greater => Some(n - 1),
        }
    };
    let m = n_nodes - 1;
    let mut a = DMatrix::<f64>::zeros(m, m);
    let mut b = DVector::<f64>::zeros(m);
    for (n, &s) in injection.iter().enumerate() {
        if let Some(i) = row(n) {
            b[i] += s;
        }
    }
    let mut c = vec![0.0; laws.count()];
    for (l, &(f, t)) in laws.ends.iter().enumerate() {
        let w = 1.0 / slope[l];
        c[l] = q[l] - dp[l] / slope[l];
        for (n, other) in [(f, t), (t, f)] {
            if let Some(i) = row(n) {
                a[(i, i)] += w;
                if let Some(j) = row(other) {
                    a[(i, j)] -= w;
                }
            }
        }
        if let Some(i) = row(f) {
            b[i] -= c[l];
        }
        if let Some(i) = row(t) {
            b[i] += c[l];
        }
    }
    let chol = a.cholesky().ok_or_else(|| HydraulicsError::Singular {
        problem: format!(
            "link slopes {:?} Pa·s/m³ (each must be finite and > 0)",
            slope.iter().map(|s| format!("{s:.3e}")).collect::<Vec<_>>()
        ),
    })?;
    let x = chol.solve(&b);
    let p: Vec<f64> = (0..n_nodes).map(|n| row(n).map_or(0.0, |i| x[i])).collect();
    let q_new = laws
        .ends
        .iter()
        .enumerate()
        .map(|(l, &(f, t))| c[l] + (p[f] - p[t]) / slope[l])
        .collect();
    Ok((q_new, p))
}

/// The laws evaluated at a state.
struct Evaluated {
    /// Link residuals Δp_l(Q_l) − (p_from − p_to), Pa.
    residual: Vec<f64>,
    /// Δp_l(Q_l), Pa.
    dp: Vec<f64>,
    /// dΔp_l/dQ at Q_l, Pa·s/m³.
    slope: Vec<f64>,
}

fn evaluate(laws: &Laws, q: &[f64], p: &[f64]) -> Result<Evaluated, HydraulicsError> {
    let n = q.len();
    let mut e = Evaluated {
        residual: Vec::with_capacity(n),
        dp: Vec::with_capacity(n),
        slope: Vec::with_capacity(n),
    };
    for (l, &(f, t)) in laws.ends.iter().enumerate() {
        let (v, s) = laws.law(l, q[l])?;
        e.residual.push(v - (p[f] - p[t]));
        e.dp.push(v);
        e.slope.push(s);
    }
    Ok(e)
}

/// The link residuals Δp_l(Q_l) − (p_from − p_to) alone, Pa (no slopes: the line search's).
fn residuals(laws: &Laws, q: &[f64], p: &[f64]) -> Result<Vec<f64>, HydraulicsError> {
    laws.ends
        .iter()
        .enumerate()
        .map(|(l, &(f, t))| Ok(laws.value(l, q[l])? - (p[f] - p[t])))
        .collect()
}

fn max_abs(v: &[f64]) -> f64 {
    v.iter().fold(0.0, |m, x| m.max(x.abs()))
}

fn imbalance(laws: &Laws, injection: &[f64], q: &[f64]) -> f64 {
    let mut net = injection.to_vec();
    for (l, &(f, t)) in laws.ends.iter().enumerate() {
        net[f] -= q[l];
        net[t] += q[l];
    }
    max_abs(&net)
}

pub(super) fn solve(
    net: &Network,
    liquid: &Liquid,
    fields: &dyn FieldLaw,
) -> Result<NetworkSolution, HydraulicsError> {
    let mut ends = net.ends.clone();
    let mut injection = vec![0.0; net.nodes.len()];
    let flow_scale = match &net.drive {
        Drive::Flow { total_m3s } => {
            injection[net.supply] = *total_m3s;
            injection[net.ret] = -*total_m3s;
            *total_m3s
        }
        Drive::Pump(pump) => {
            ends.push((net.ret, net.supply));
            pump.free_delivery_m3s()
        }
    };
    let laws = Laws {
        net,
        liquid,
        fields,
        ends,
    };
    let n = laws.count();
    let q_reg = REGULARISATION * flow_scale;
    let floor = (0..n)
        .map(|l| laws.secant(l, q_reg))
        .collect::<Result<Vec<_>, _>>()?;
    let nominal = (0..n)
        .map(|l| laws.secant(l, flow_scale))
        .collect::<Result<Vec<_>, _>>()?;

    // The linear start: every law replaced by its secant through its value at zero flow.
    let zero = vec![0.0; n];
    let dp0 = (0..n)
        .map(|l| laws.value(l, 0.0))
        .collect::<Result<Vec<_>, _>>()?;
    let (mut q, mut p) = step(&laws, &injection, &zero, &dp0, &nominal)?;
    let mut iterations = 1;
    loop {
        let Evaluated {
            residual: r,
            dp,
            slope,
        } = evaluate(&laws, &q, &p)?;
        let scale = max_abs(&dp).max(f64::MIN_POSITIVE);
        let total = match &net.drive {
            Drive::Flow { total_m3s } => *total_m3s,
            Drive::Pump(_) => q[n - 1].abs().max(f64::MIN_POSITIVE),
        };
        let res = max_abs(&r);
        if res <= RESIDUAL_TOLERANCE * scale
            && imbalance(&laws, &injection, &q) <= MASS_TOLERANCE * total
        {
            return Ok(finish(&laws, &injection, q, p, dp, res, iterations));
        }
        if iterations >= MAX_ITERATIONS {
            return Err(HydraulicsError::NotConverged {
                iterations,
                residual_pa: res,
            });
        }
        let slope: Vec<f64> = slope
            .iter()
            .zip(&floor)
            .map(|(&s, &f)| if s.is_finite() && s > f { s } else { f })
            .collect();
        let (qn, pn) = step(&laws, &injection, &q, &dp, &slope)?;
        iterations += 1;
        let merit0: f64 = r.iter().map(|x| x * x).sum();
        let mut alpha = 1.0;
        let mut halvings = 0;
        let (qa, pa) = loop {
            let mix = |a: &[f64], b: &[f64]| -> Vec<f64> {
                a.iter().zip(b).map(|(x, y)| x + alpha * (y - x)).collect()
            };
            let (qa, pa) = (mix(&q, &qn), mix(&p, &pn));
            let merit: f64 = residuals(&laws, &qa, &pa)?.iter().map(|x| x * x).sum();
            if merit <= (1.0 - ARMIJO * alpha) * merit0 || halvings >= MAX_HALVINGS {
                break (qa, pa);
            }
            alpha *= 0.5;
            halvings += 1;
        };
        q = qa;
        p = pa;
    }
}

fn finish(
    laws: &Laws,
    injection: &[f64],
    q: Vec<f64>,
    p: Vec<f64>,
    dp: Vec<f64>,
    residual: f64,
    iterations: usize,
) -> NetworkSolution {
    let net = laws.net;
    let links = net.links.len();
    let rho = laws.liquid.density_kg_m3;
    let mu = laws.liquid.viscosity_pa_s;
    let mut warnings = Vec::new();
    let mut velocity = Vec::with_capacity(links);
    let mut reynolds = Vec::with_capacity(links);
    for (l, link) in net.links.iter().enumerate() {
        let (v, d) = match &link.kind {
            LinkKind::Pipe(pipe) => (Some(pipe.velocity_m_s(q[l])), Some(pipe.diameter_m)),
            LinkKind::Quadratic(k) => (k.velocity_m_s(q[l]), k.diameter_m),
            LinkKind::Curve(c) => {
                if q[l].abs() > c.last_flow_m3s() {
                    warnings.push(format!(
                        "link `{}`: {:.4} L/min is beyond its curve's last point ({:.4} L/min); \
                         its pressure drop is extrapolated as Δp ∝ Q²",
                        link.name,
                        q[l].abs() / super::M3S_PER_LPM,
                        c.last_flow_m3s() / super::M3S_PER_LPM
                    ));
                }
                (None, None)
            }
            LinkKind::Field { .. } => (None, None),
        };
        velocity.push(v);
        reynolds.push(v.zip(d).map(|(v, d)| rho * v.abs() * d / mu));
    }
    let total = match &net.drive {
        Drive::Flow { total_m3s } => *total_m3s,
        Drive::Pump(pump) => {
            let flow = q[links];
            let (lo, hi) = pump.flow_range_m3s();
            if flow < lo || flow > hi {
                warnings.push(format!(
                    "the pump runs at {:.4} L/min, outside its curve's points ({:.4} … {:.4} \
                     L/min); its head there is extrapolated linearly",
                    flow / super::M3S_PER_LPM,
                    lo / super::M3S_PER_LPM,
                    hi / super::M3S_PER_LPM
                ));
            }
            flow
        }
    };
    let max_imbalance_m3s = imbalance(laws, injection, &q);
    NetworkSolution {
        dp_supply_return_pa: p[net.supply] - p[net.ret],
        node_pressure_pa: p,
        link_flow_m3s: q[..links].to_vec(),
        link_dp_pa: dp[..links].to_vec(),
        link_velocity_m_s: velocity,
        link_reynolds: reynolds,
        iterations,
        total_flow_m3s: total,
        max_imbalance_m3s,
        max_residual_pa: residual,
        warnings,
    }
}
