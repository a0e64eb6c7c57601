//! Balancing orifices: a sharp-edged restrictor in series with each of a set of channel fields,
//! its bore sized so that those fields get equal flow at the loop's operating point (design
//! key `[coolant] balance`; `docs/physics.md`, "Balancing orifices").
//!
//! **How.** [`Network::with_balance_orifices`] splits each named field link's downstream end
//! with a new node and puts an orifice link `balance_<field>` there. [`Network::solve_balanced`]
//! then sizes the orifices. The unknowns are the orifice coefficients cᵢ (Δp = ρ cᵢ Q²) of
//! every balanced field but one, the *reference*: the least-fed field, whose orifice stays
//! fully open. The equations are Qᵢ / Q_ref − 1 = 0. They are solved by Newton's method with a
//! forward-difference Jacobian (one network solve per unknown), from the start
//! cᵢ = (Δp_fieldᵢ(Qᵢ) − Δp_fieldᵢ(Q_ref)) / (ρ Q_ref²) (the extra drop each branch must
//! absorb if its end pressures stayed as they were), with a backtracking line search and
//! cᵢ kept ≥ the open coefficient. If a throttled field ends up pinned fully open and still
//! short of the reference's flow, it is the least-fed one: it becomes the reference and the
//! solve restarts. Converged when every balanced flow equals the reference's to
//! [`BALANCE_TOLERANCE`]; each coefficient is then turned into the bore of the sharp-orifice
//! law (bisection; the law falls monotonically with the bore) and the network is solved once
//! more with exactly those bores.
//!
//! **Fully open.** A fully open orifice has a bore equal to the reference diameter D of its
//! branch (see [`Network::with_balance_orifices`]): the orifice law's (1 − β⁴) factor makes its
//! loss vanish there. A network link needs a law that rises with the flow, so the open orifice
//! keeps a residual loss of [`OPEN_K`] velocity heads in D (about 0.1 Pa at 1.5 m/s), far below
//! any gauge and any plate's drop.

use nalgebra::{DMatrix, DVector};

use super::{
    FieldLaw, HydraulicsError, Link, LinkKind, Liquid, Network, NetworkError, NetworkSolution,
    Quadratic,
};

/// Default discharge coefficient of a sharp-edged orifice: the classical value for a thin
/// square-edged plate at high Reynolds number, Cd ≈ 0.61 (ISO 5167-2 gives 0.60–0.61 for
/// small β; Idelchik, *Handbook of Hydraulic Resistance*, ch. 4, gives the jet
/// contraction 0.61 of a sharp-edged opening).
pub const DEFAULT_BALANCE_CD: f64 = 0.61;

/// Reference diameter of a balancing orifice whose field has no pipe or fitting with a
/// diameter at its outlet node, mm: the 1/4″ (6.35 mm) bore of the hoses and fittings of
/// typical GPU cold plates.
pub const DEFAULT_BALANCE_BORE_MM: f64 = 6.35;

/// Residual loss coefficient of a fully open balancing orifice, velocity heads in its
/// reference diameter. Zero would be exact but a network link needs a rising law; 10⁻⁴ keeps
/// the linear systems well conditioned (ratio of link conductances ~10⁵) and changes no flow
/// measurably.
pub const OPEN_K: f64 = 1e-4;

/// Balanced flows equal the reference's to this, relative.
pub const BALANCE_TOLERANCE: f64 = 1e-9;

/// A coefficient at most this much (relative) above the open one is reported fully open.
const OPEN_MARGIN: f64 = 1e-3;
/// Newton iterations per reference field.
const MAX_ITERATIONS: usize = 60;
/// Forward-difference step of the Jacobian, relative to the coefficient (or its scale): the
/// flows are exact to ~10⁻¹⁰ relative, so the derivative is good to ~10⁻⁴, enough for
/// Newton's method to converge at that rate or better.
const FD_STEP: f64 = 1e-6;
/// Step halvings of the line search.
const MAX_HALVINGS: usize = 20;

/// One balancing orifice of a [`Network`] built by [`Network::with_balance_orifices`].
#[derive(Debug, Clone, PartialEq)]
pub(super) struct BalanceSlot {
    /// Index of the field.
    field: usize,
    /// Index of the orifice link.
    link: usize,
    /// Discharge coefficient.
    cd: f64,
    /// Reference (pipe) diameter, mm: the fully open bore.
    bore_ref_mm: f64,
}

/// A sized balancing orifice (as results.json's `hydraulics.balance` reports it).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct BalanceOrifice {
    /// The channel field it is in series with.
    pub field: String,
    /// Its link's name (`balance_<field>`).
    pub link: String,
    /// Bore, mm; equal to `ref_diameter_mm` when fully open.
    pub diameter_mm: f64,
    /// Its reference (pipe) diameter, mm: β = diameter / ref_diameter.
    pub ref_diameter_mm: f64,
    /// Whether it is fully open: the least-fed field's, or that of a field as starved (its
    /// coefficient within 10⁻³ of the open one, e.g. the mirror image in a symmetric ladder).
    pub fully_open: bool,
    /// Its pressure drop at the operating point, kPa.
    pub dp_kpa: f64,
}

/// A balanced loop: the solution of the network with the sized orifices.
#[derive(Debug, Clone, PartialEq)]
pub struct Balanced {
    /// The loop solved with the orifices of `orifices` (indices follow `network`).
    pub solution: NetworkSolution,
    /// One orifice per balanced field, in the order they were named.
    pub orifices: Vec<BalanceOrifice>,
    /// The network with the sized orifices, whose links `solution` follows.
    pub network: Network,
}

/// The coefficient c (m⁻⁴, Δp = ρ c Q²) of a sharp orifice of bore `d_mm` in a pipe of
/// `ref_mm`.
fn orifice_c(d_mm: f64, cd: f64, ref_mm: f64) -> f64 {
    Quadratic::orifice(d_mm, cd, Some(ref_mm)).coefficient_m4
}

/// The coefficient of a fully open orifice: [`OPEN_K`] velocity heads in `ref_mm`.
fn open_c(ref_mm: f64) -> f64 {
    Quadratic::k_loss(OPEN_K, ref_mm).coefficient_m4
}

/// The bore (mm) whose sharp-orifice coefficient is `c`: bisection on (0, ref_mm), where the
/// coefficient falls monotonically from ∞ to 0 (to round-off in a few hundred halvings at most;
/// 200 reach the spacing of doubles).
fn bore_for(c: f64, cd: f64, ref_mm: f64) -> f64 {
    let (mut lo, mut hi) = (0.0, ref_mm);
    for _ in 0..200 {
        let mid = 0.5 * (lo + hi);
        if mid <= lo || mid >= hi {
            break;
        }
        if orifice_c(mid, cd, ref_mm) > c {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    0.5 * (lo + hi)
}

impl Network {
    /// A copy of this network with a balancing orifice in series with each field of `fields`:
    /// the field link's downstream end moves to a new node `balance_<field>_in`, and a link
    /// `balance_<field>` (a sharp orifice of discharge coefficient `cd`, fully open) runs from
    /// there to the old end. The orifice's reference diameter (its fully open bore) is the
    /// smallest diameter of the pipes and fittings at that old end node, else
    /// [`DEFAULT_BALANCE_BORE_MM`]. Errors name `balance[i]` for an unknown or repeated field
    /// and `balance_cd` for a coefficient outside (0, 1].
    pub fn with_balance_orifices(
        &self,
        fields: &[String],
        cd: f64,
    ) -> Result<Network, NetworkError> {
        let err = |field: String, problem: String| NetworkError {
            link: None,
            field,
            problem,
        };
        if !(cd.is_finite() && cd > 0.0 && cd <= 1.0) {
            return Err(err(
                "balance_cd".into(),
                format!(
                    "{cd} is not a discharge coefficient; valid: 0 < cd ≤ 1 (a sharp-edged \
                     orifice has about {DEFAULT_BALANCE_CD})"
                ),
            ));
        }
        let mut links = self.links.clone();
        let mut slots = Vec::with_capacity(fields.len());
        for (i, name) in fields.iter().enumerate() {
            let Some(f) = self.field_names.iter().position(|n| n == name) else {
                return Err(err(
                    format!("balance[{i}]"),
                    format!(
                        "no channel field is named `{name}`; the fields are: {}",
                        self.field_names.join(", ")
                    ),
                ));
            };
            if let Some(j) = fields[..i].iter().position(|n| n == name) {
                return Err(err(
                    format!("balance[{i}]"),
                    format!("field `{name}` is already balance[{j}]; name each field once"),
                ));
            }
            let l = self
                .links
                .iter()
                .position(|k| k.kind == LinkKind::Field { field: f })
                .ok_or_else(|| {
                    err(
                        format!("balance[{i}]"),
                        format!("field `{name}` is in no link of the loop"),
                    )
                })?;
            let end = self.links[l].to.clone();
            let node = format!("balance_{name}_in");
            if self.node(&node).is_some() {
                return Err(err(
                    format!("balance[{i}]"),
                    format!(
                        "the loop already has a node `{node}`, which the balancing orifice of \
                         `{name}` needs; rename that node"
                    ),
                ));
            }
            let bore_ref_mm = self
                .links
                .iter()
                .filter(|k| k.from == end || k.to == end)
                .filter_map(|k| match &k.kind {
                    LinkKind::Pipe(p) => Some(p.diameter_m * 1e3),
                    LinkKind::Quadratic(q) => q.diameter_m.map(|d| d * 1e3),
                    _ => None,
                })
                .fold(None, |m: Option<f64>, d| Some(m.map_or(d, |m| m.min(d))))
                .unwrap_or(DEFAULT_BALANCE_BORE_MM);
            links[l].to.clone_from(&node);
            slots.push(BalanceSlot {
                field: f,
                link: links.len(),
                cd,
                bore_ref_mm,
            });
            links.push(Link::new(
                &format!("balance_{name}"),
                &node,
                &end,
                LinkKind::Quadratic(Quadratic {
                    coefficient_m4: open_c(bore_ref_mm),
                    diameter_m: Some(bore_ref_mm * 1e-3),
                }),
            ));
        }
        let mut net = Network::new(links, self.field_names.clone(), self.drive.clone())?;
        net.balance = slots;
        Ok(net)
    }

    /// Size the balancing orifices of a network built by [`Network::with_balance_orifices`] so
    /// that every balanced field carries the same flow at the operating point (the fixed flow
    /// or the pump's), to [`BALANCE_TOLERANCE`]; the least-fed field's orifice stays fully
    /// open, the others are throttled (method in the module doc). A network without balancing
    /// orifices is solved as it is.
    pub fn solve_balanced(
        &self,
        liquid: &Liquid,
        fields: &dyn FieldLaw,
    ) -> Result<Balanced, HydraulicsError> {
        let slots = &self.balance;
        let mut net = self.clone();
        if slots.len() < 2 {
            let solution = net.solve(liquid, fields)?;
            let orifices = report(&net, &solution, &vec![true; slots.len()]);
            return Ok(Balanced {
                solution,
                orifices,
                network: net,
            });
        }
        let n = slots.len();
        let c_open: Vec<f64> = slots.iter().map(|s| open_c(s.bore_ref_mm)).collect();
        let mut c = c_open.clone();
        set_coefficients(&mut net, slots, &c);
        let sol = net.solve(liquid, fields)?;
        let flows = |sol: &NetworkSolution| -> Vec<f64> {
            slots.iter().map(|s| sol.link_flow_m3s[s.link]).collect()
        };
        let q = flows(&sol);
        let mut reference = argmin(&q);
        // The start: each branch absorbs the extra drop its field would have at the reference
        // flow, at unchanged end pressures.
        let rho = liquid.density_kg_m3;
        let q_ref = q[reference];
        if q_ref.is_finite() && q_ref > 0.0 {
            for k in 0..n {
                let f = slots[k].field;
                let extra = fields.dp_pa(f, q[k]) - fields.dp_pa(f, q_ref);
                if extra.is_finite() && extra > 0.0 {
                    c[k] = c_open[k] + extra / (rho * q_ref * q_ref);
                }
            }
        }
        // Scale of a coefficient: the one that takes the whole loop's drop at the mean flow.
        let q_mean = q.iter().sum::<f64>() / n as f64;
        let c_scale = (sol.dp_supply_return_pa.abs() / (rho * q_mean * q_mean)).max(c_open[0]);
        let mut tried = vec![false; n];
        loop {
            tried[reference] = true;
            c[reference] = c_open[reference];
            match newton(
                &mut net, liquid, fields, slots, &mut c, &c_open, reference, c_scale,
            )? {
                Outcome::Converged => break,
                Outcome::Starved(k) if !tried[k] => reference = k,
                Outcome::Starved(_) => {
                    let sol = net.solve(liquid, fields)?;
                    return Err(not_balanced(spread(&flows(&sol), reference)));
                }
                Outcome::Stalled(left) => return Err(not_balanced(left)),
            }
        }
        // Bores from the coefficients, then the network with exactly those bores.
        let mut open = vec![false; n];
        for (k, s) in slots.iter().enumerate() {
            // A coefficient within 10⁻³ of the open one is open (a field as starved as the
            // reference, e.g. its mirror image in a symmetric ladder): the difference moves
            // no flow by more than ~10⁻⁸.
            let kind = if k == reference || c[k] <= c_open[k] * (1.0 + OPEN_MARGIN) {
                open[k] = true;
                Quadratic {
                    coefficient_m4: c_open[k],
                    diameter_m: Some(s.bore_ref_mm * 1e-3),
                }
            } else {
                let d = bore_for(c[k], s.cd, s.bore_ref_mm);
                Quadratic::orifice(d, s.cd, Some(s.bore_ref_mm))
            };
            net.links[s.link].kind = LinkKind::Quadratic(kind);
        }
        let solution = net.solve(liquid, fields)?;
        let orifices = report(&net, &solution, &open);
        Ok(Balanced {
            solution,
            orifices,
            network: net,
        })
    }
}

/// How a Newton solve for one reference field ended.
enum Outcome {
    /// Every balanced flow equals the reference's.
    Converged,
    /// Field `k` is pinned fully open yet gets less than the reference: it is the least fed.
    Starved(usize),
    /// No progress; the largest relative flow difference left.
    Stalled(f64),
}

fn not_balanced(left: f64) -> HydraulicsError {
    HydraulicsError::NotBalanced {
        problem: format!(
            "the balanced fields' flows stayed {left:.3e} apart (relative; tolerance \
             {BALANCE_TOLERANCE:e}); does an orifice not change its field's flow (two balanced \
             fields in series)?"
        ),
    }
}

fn argmin(q: &[f64]) -> usize {
    (0..q.len())
        .min_by(|&a, &b| q[a].total_cmp(&q[b]))
        .unwrap_or(0)
}

/// Largest |Qₖ / Q_ref − 1|.
fn spread(q: &[f64], reference: usize) -> f64 {
    q.iter()
        .map(|&x| (x / q[reference] - 1.0).abs())
        .fold(0.0, f64::max)
}

fn set_coefficients(net: &mut Network, slots: &[BalanceSlot], c: &[f64]) {
    for (s, &ck) in slots.iter().zip(c) {
        if let LinkKind::Quadratic(q) = &mut net.links[s.link].kind {
            q.coefficient_m4 = ck;
        }
    }
}

/// Newton's method on the coefficients of every balanced field but `reference` (its own stays
/// open): residuals Qₖ / Q_ref − 1.
#[allow(clippy::too_many_arguments)]
fn newton(
    net: &mut Network,
    liquid: &Liquid,
    fields: &dyn FieldLaw,
    slots: &[BalanceSlot],
    c: &mut [f64],
    c_open: &[f64],
    reference: usize,
    c_scale: f64,
) -> Result<Outcome, HydraulicsError> {
    let unknowns: Vec<usize> = (0..slots.len()).filter(|&k| k != reference).collect();
    let residual = |net: &mut Network, c: &[f64]| -> Result<Vec<f64>, HydraulicsError> {
        set_coefficients(net, slots, c);
        let sol = net.solve(liquid, fields)?;
        let q_ref = sol.link_flow_m3s[slots[reference].link];
        Ok(unknowns
            .iter()
            .map(|&k| sol.link_flow_m3s[slots[k].link] / q_ref - 1.0)
            .collect())
    };
    let norm = |r: &[f64]| r.iter().fold(0.0_f64, |m, x| m.max(x.abs()));
    let m = unknowns.len();
    let mut r = residual(net, c)?;
    for _ in 0..MAX_ITERATIONS {
        if norm(&r) <= BALANCE_TOLERANCE {
            return Ok(Outcome::Converged);
        }
        // A field pinned open that still gets less than the reference is the least fed.
        if let Some((j, _)) = unknowns
            .iter()
            .zip(&r)
            .filter(|(&k, &rk)| c[k] <= c_open[k] && rk < -BALANCE_TOLERANCE)
            .min_by(|a, b| a.1.total_cmp(b.1))
        {
            return Ok(Outcome::Starved(*j));
        }
        let mut jac = DMatrix::<f64>::zeros(m, m);
        for (col, &k) in unknowns.iter().enumerate() {
            let h = FD_STEP * c[k].max(c_scale);
            let mut cp = c.to_vec();
            cp[k] += h;
            let rp = residual(net, &cp)?;
            for row in 0..m {
                jac[(row, col)] = (rp[row] - r[row]) / h;
            }
        }
        let Some(delta) = jac.lu().solve(&-DVector::from_column_slice(&r)) else {
            return Ok(Outcome::Stalled(norm(&r)));
        };
        let r0 = norm(&r);
        let mut alpha = 1.0;
        let mut accepted = None;
        for _ in 0..MAX_HALVINGS {
            let mut trial = c.to_vec();
            for (i, &k) in unknowns.iter().enumerate() {
                trial[k] = (c[k] + alpha * delta[i]).max(c_open[k]);
            }
            let rt = residual(net, &trial)?;
            if norm(&rt) < r0 {
                accepted = Some((trial, rt));
                break;
            }
            alpha *= 0.5;
        }
        match accepted {
            Some((trial, rt)) => {
                c.copy_from_slice(&trial);
                r = rt;
            }
            None => return Ok(Outcome::Stalled(r0)),
        }
    }
    set_coefficients(net, slots, c);
    Ok(if norm(&r) <= BALANCE_TOLERANCE {
        Outcome::Converged
    } else {
        Outcome::Stalled(norm(&r))
    })
}

/// The orifices of a solved balanced network.
fn report(net: &Network, sol: &NetworkSolution, open: &[bool]) -> Vec<BalanceOrifice> {
    net.balance
        .iter()
        .zip(open)
        .map(|(s, &fully_open)| {
            let diameter_mm = match &net.links[s.link].kind {
                LinkKind::Quadratic(q) if !fully_open => q.diameter_m.map_or(f64::NAN, |d| d * 1e3),
                _ => s.bore_ref_mm,
            };
            BalanceOrifice {
                field: net.field_names[s.field].clone(),
                link: net.links[s.link].name.clone(),
                diameter_mm,
                ref_diameter_mm: s.bore_ref_mm,
                fully_open,
                dp_kpa: sol.link_dp_pa[s.link] * 1e-3,
            }
        })
        .collect()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::super::{Drive, Pipe, PumpCurve, M3S_PER_LPM};
    use super::*;

    const WATER: Liquid = Liquid {
        density_kg_m3: 998.2,
        viscosity_pa_s: 1.002e-3,
    };

    /// Fields with Δp = R·Q + K·Q².
    struct Fields {
        r: Vec<f64>,
        k: Vec<f64>,
    }

    impl FieldLaw for Fields {
        fn dp_pa(&self, field: usize, q: f64) -> f64 {
            self.r[field] * q + self.k[field] * q * q
        }
        fn ddp_dq(&self, field: usize, q: f64) -> f64 {
            self.r[field] + 2.0 * self.k[field] * q
        }
    }

    fn names(n: usize) -> Vec<String> {
        (0..n).map(|i| format!("f{i}")).collect()
    }

    fn field_flows(b: &Balanced) -> Vec<f64> {
        b.orifices
            .iter()
            .map(|o| {
                let f = b.network.field_names().iter().position(|n| *n == o.field);
                let l = b
                    .network
                    .links()
                    .iter()
                    .position(|k| matches!(k.kind, LinkKind::Field { field } if Some(field) == f))
                    .unwrap();
                b.solution.link_flow_m3s[l]
            })
            .collect()
    }

    /// Largest |Qᵢ / mean − 1|.
    fn unevenness(q: &[f64]) -> f64 {
        let mean = q.iter().sum::<f64>() / q.len() as f64;
        q.iter().map(|x| (x / mean - 1.0).abs()).fold(0.0, f64::max)
    }

    /// Two laminar plates in parallel at a fixed flow: Q/2 each, and the stiffer plate's
    /// orifice fully open. The other orifice's drop from the sharp-orifice formula at its bore
    /// equals the difference of the plates' drops at Q/2, (R₁ − R₀)·Q/2 (plus the open
    /// orifice's residual drop, which both paths share as the node pressures are common).
    #[test]
    fn two_unequal_branches_balance_exactly_and_the_orifice_takes_the_difference() {
        let q = 4.0 * M3S_PER_LPM;
        let r = [1.0e8, 3.0e8];
        let fields = Fields {
            r: r.to_vec(),
            k: vec![0.0; 2],
        };
        let net = Network::parallel(names(2), Drive::Flow { total_m3s: q })
            .unwrap()
            .with_balance_orifices(&names(2), DEFAULT_BALANCE_CD)
            .unwrap();
        let b = net.solve_balanced(&WATER, &fields).unwrap();
        let flows = field_flows(&b);
        // The network is solved to 1e-10 of its largest drop; flows follow to ~1e-10.
        assert!(unevenness(&flows) < 1e-6, "{flows:?}");
        assert!((flows[0] - q / 2.0).abs() < 1e-6 * q);
        let (o0, o1) = (&b.orifices[0], &b.orifices[1]);
        assert!(o1.fully_open && !o0.fully_open);
        assert_eq!(o1.diameter_mm, DEFAULT_BALANCE_BORE_MM);
        assert!(o0.diameter_mm > 0.0 && o0.diameter_mm < DEFAULT_BALANCE_BORE_MM);
        // Analytic: Δp = (1 − β⁴) ρ/2 (Q / (Cd π d²/4))².
        let d = o0.diameter_mm * 1e-3;
        let beta4 = (o0.diameter_mm / DEFAULT_BALANCE_BORE_MM).powi(4);
        let a = DEFAULT_BALANCE_CD * std::f64::consts::PI * d * d / 4.0;
        let analytic_pa = (1.0 - beta4) * 0.5 * WATER.density_kg_m3 * (q / 2.0 / a).powi(2);
        let must_absorb_pa = (r[1] - r[0]) * q / 2.0 + o1.dp_kpa * 1e3;
        assert!(
            (analytic_pa - must_absorb_pa).abs() < 1e-6 * must_absorb_pa,
            "{analytic_pa} vs {must_absorb_pa}"
        );
        assert!((o0.dp_kpa * 1e3 - analytic_pa).abs() < 1e-6 * analytic_pa);
        // The open orifice's residual loss is OPEN_K velocity heads in 6.35 mm (0.06 Pa here,
        // 6·10⁻⁶ of the plate's drop).
        let area = std::f64::consts::PI * (DEFAULT_BALANCE_BORE_MM * 1e-3).powi(2) / 4.0;
        let head_pa = 0.5 * WATER.density_kg_m3 * (q / 2.0 / area).powi(2);
        assert!((o1.dp_kpa * 1e3 - OPEN_K * head_pa).abs() < 1e-6 * OPEN_K * head_pa);
    }

    /// A Z-type ladder of four identical plates on friction headers: the middle plates are
    /// starved (see the manifold tests); balanced, all four carry a quarter of the flow, one
    /// orifice is fully open and the other three are throttled.
    #[test]
    fn a_four_plate_z_ladder_is_balanced() {
        let n = 4;
        let seg = || LinkKind::Pipe(Pipe::new(40.0, 6.0, 1.5));
        let feed = LinkKind::Pipe(Pipe::new(500.0, 12.0, 1.5));
        let mut links = vec![Link::new("feed", "supply", "a0", feed.clone())];
        for i in 0..n {
            let (a, b) = (format!("a{i}"), format!("b{i}"));
            links.push(Link::new(
                &format!("plate{i}"),
                &a,
                &b,
                LinkKind::Field { field: i },
            ));
            if i + 1 < n {
                links.push(Link::new(
                    &format!("sh{i}"),
                    &a,
                    &format!("a{}", i + 1),
                    seg(),
                ));
                links.push(Link::new(
                    &format!("rh{i}"),
                    &b,
                    &format!("b{}", i + 1),
                    seg(),
                ));
            }
        }
        links.push(Link::new("drain", &format!("b{}", n - 1), "return", feed));
        let q = 10.0 * M3S_PER_LPM;
        let fields = Fields {
            r: vec![1.0e8; n],
            k: vec![5.0e11; n],
        };
        let net = Network::new(links, names(n), Drive::Flow { total_m3s: q }).unwrap();
        let open = net.solve(&WATER, &fields).unwrap();
        let before: Vec<f64> = (0..n)
            .map(|i| open.link_flow_m3s[net.link(&format!("plate{i}")).unwrap()])
            .collect();
        assert!(
            unevenness(&before) > 0.05,
            "the ladder is uneven: {before:?}"
        );
        let b = net
            .with_balance_orifices(&names(n), DEFAULT_BALANCE_CD)
            .unwrap()
            .solve_balanced(&WATER, &fields)
            .unwrap();
        let flows = field_flows(&b);
        assert!(unevenness(&flows) < 1e-6, "{flows:?}");
        assert!((flows.iter().sum::<f64>() - q).abs() < 1e-9 * q);
        // The ladder is symmetric (see the manifold tests): both middle plates are the least
        // fed and stay fully open, at the bore of the 6 mm header segments at their outlet
        // nodes; both end plates are throttled alike.
        let o = &b.orifices;
        for m in [1, 2] {
            assert!(o[m].fully_open && o[m].diameter_mm == 6.0, "{:?}", o[m]);
        }
        for e in [0, 3] {
            assert!(!o[e].fully_open && o[e].diameter_mm < 6.0 && o[e].dp_kpa > 0.0);
        }
        assert!((o[0].diameter_mm - o[3].diameter_mm).abs() < 1e-6 * o[0].diameter_mm);
        // Mass still balances at every node of the balanced network.
        assert!(b.solution.max_imbalance_m3s <= 1e-9 * q);
    }

    /// Driven by a pump curve, throttling the better-fed plates raises the loop's resistance,
    /// so the operating point moves up the curve to a lower total flow.
    #[test]
    fn with_a_pump_balancing_lowers_the_total_flow() {
        let pump = PumpCurve::new(&[(0.0, 120.0), (10.0, 100.0), (20.0, 40.0)]).unwrap();
        let fields = Fields {
            r: vec![2.0e8, 4.0e8, 6.0e8],
            k: vec![1.0e12; 3],
        };
        let net = Network::parallel(names(3), Drive::Pump(pump)).unwrap();
        let open = net.solve(&WATER, &fields).unwrap();
        let b = net
            .with_balance_orifices(&names(3), DEFAULT_BALANCE_CD)
            .unwrap()
            .solve_balanced(&WATER, &fields)
            .unwrap();
        let flows = field_flows(&b);
        assert!(unevenness(&flows) < 1e-6, "{flows:?}");
        assert!(
            b.solution.total_flow_m3s < open.total_flow_m3s,
            "{} vs {}",
            b.solution.total_flow_m3s,
            open.total_flow_m3s
        );
        assert!(
            b.orifices[2].fully_open,
            "the stiffest plate is the least fed"
        );
        // The pump's head equals the loop's drop at the new operating point.
        let (h, _) = match b.network.drive() {
            Drive::Pump(p) => p.head(b.solution.total_flow_m3s),
            Drive::Flow { .. } => unreachable!(),
        };
        assert!((h - b.solution.dp_supply_return_pa).abs() < 1e-8 * h);
    }

    #[test]
    fn unknown_and_repeated_fields_and_bad_cd_are_named() {
        let net = Network::parallel(names(2), Drive::Flow { total_m3s: 1e-4 }).unwrap();
        let e = net
            .with_balance_orifices(&["gpu9".into()], 0.61)
            .unwrap_err();
        assert_eq!(e.field, "balance[0]");
        assert!(
            e.problem.contains("gpu9") && e.problem.contains("f0, f1"),
            "{e}"
        );
        let e = net
            .with_balance_orifices(&["f0".into(), "f1".into(), "f0".into()], 0.61)
            .unwrap_err();
        assert_eq!(e.field, "balance[2]");
        let e = net.with_balance_orifices(&["f0".into()], 1.5).unwrap_err();
        assert_eq!(e.field, "balance_cd");
    }

    #[test]
    fn the_bore_inverts_the_orifice_law() {
        for d in [0.5, 2.0, 5.0, 6.3] {
            let c = orifice_c(d, 0.61, 6.35);
            assert!((bore_for(c, 0.61, 6.35) - d).abs() < 1e-12);
        }
    }
}
