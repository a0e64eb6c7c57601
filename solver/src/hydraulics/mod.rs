//! The coolant loop as a hydraulic network: node pressures and link flows of a tray's
//! manifolds, hoses, quick-disconnects and cold plates, driven by a fixed flow or a pump curve.
//!
//! A [`Network`] is a set of [`Link`]s between named nodes; `supply` and `return` are the
//! loop's ends. Each link has a Δp(Q) law ([`LinkKind`]): a pipe (Darcy–Weisbach with
//! Churchill's friction factor), a fitting (K), a quick-disconnect (Cv or K), a measured curve,
//! an orifice, or a channel field whose law the caller supplies through [`FieldLaw`] (the
//! thermal solve's channel correlations). [`Network::solve`] finds the flows and pressures by a
//! damped Newton method on the node-pressure (global-gradient) formulation
//! (`docs/physics.md`, "Coolant loop network").
//!
//! The module knows only the model (it builds networks from a validated
//! [`crate::model::Coolant`]); the thermal solve couples it to the channel fields
//! (`assembly::coolant`, which supplies the [`FieldLaw`]).
//!
//! ```
//! use coldtray_solver::hydraulics::{Drive, FieldLaw, Link, LinkKind, Liquid, Network};
//!
//! /// Two laminar cold plates: Δp = R·Q.
//! struct Plates([f64; 2]);
//! impl FieldLaw for Plates {
//!     fn dp_pa(&self, field: usize, q_m3s: f64) -> f64 { self.0[field] * q_m3s }
//!     fn ddp_dq(&self, field: usize, _q_m3s: f64) -> f64 { self.0[field] }
//! }
//! let link = |name: &str, from: &str, to: &str, kind| Link::new(name, from, to, kind);
//! let net = Network::new(
//!     vec![
//!         link("plate_a", "supply", "return", LinkKind::Field { field: 0 }),
//!         link("plate_b", "supply", "return", LinkKind::Field { field: 1 }),
//!     ],
//!     vec!["a".into(), "b".into()],
//!     Drive::Flow { total_m3s: 1e-4 },
//! )?;
//! let water = Liquid { density_kg_m3: 998.2, viscosity_pa_s: 1.0e-3 };
//! let sol = net.solve(&water, &Plates([1e8, 3e8]))?;
//! // Parallel resistances: the flow splits 3 : 1.
//! assert!((sol.link_flow_m3s[0] - 0.75e-4).abs() < 1e-15);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod balance;
mod laws;
mod newton;
mod pump;
mod topology;

use std::collections::BTreeMap;

pub use balance::{
    BalanceOrifice, Balanced, BALANCE_TOLERANCE, DEFAULT_BALANCE_BORE_MM, DEFAULT_BALANCE_CD,
    OPEN_K,
};
pub use laws::{
    churchill_darcy, Curve, CurveError, Pipe, Quadratic, DEFAULT_ROUGHNESS_UM, GPM_M3S,
    M3S_PER_LPM, PSI_PA, US_GALLON_M3, WATER_60F_KG_M3,
};
pub use pump::PumpCurve;

use crate::model::{Coolant, CoolantLinkKind, FluidProps};

/// The node a loop starts from (the pump's outlet).
pub const SUPPLY: &str = "supply";
/// The node a loop ends at (the pump's inlet); its pressure is the reference, 0 Pa.
pub const RETURN: &str = "return";

/// The liquid's properties the laws need, taken at one temperature for the whole loop.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Liquid {
    /// Density, kg/m³.
    pub density_kg_m3: f64,
    /// Dynamic viscosity, Pa·s.
    pub viscosity_pa_s: f64,
}

impl From<&FluidProps> for Liquid {
    fn from(p: &FluidProps) -> Liquid {
        Liquid {
            density_kg_m3: p.density_kg_m3,
            viscosity_pa_s: p.viscosity_pa_s,
        }
    }
}

/// The Δp(Q) law of the channel fields, supplied by the caller (the thermal solve plugs in its
/// channel correlations). The network calls it with flows ≥ 0 only and applies it as an odd
/// function, so a reverse flow has the opposite drop. The law must rise with the flow.
pub trait FieldLaw {
    /// Pressure drop across field `field` (index into the network's field names) at
    /// `q_m3s` ≥ 0, Pa.
    fn dp_pa(&self, field: usize, q_m3s: f64) -> f64;

    /// dΔp/dQ of field `field` at `q_m3s` ≥ 0, Pa·s/m³. The default is a central difference
    /// of the odd extension with a step of 10⁻⁶ of the flow (at least 10⁻¹² m³/s): its error,
    /// ~10⁻¹⁰ relative, only slows Newton's last digits.
    fn ddp_dq(&self, field: usize, q_m3s: f64) -> f64 {
        let h = (q_m3s.abs() * 1e-6).max(1e-12);
        let odd = |q: f64| q.signum() * self.dp_pa(field, q.abs());
        (odd(q_m3s + h) - odd(q_m3s - h)) / (2.0 * h)
    }
}

/// A network without channel fields needs no field law.
pub struct NoFields;

impl FieldLaw for NoFields {
    fn dp_pa(&self, _field: usize, _q_m3s: f64) -> f64 {
        f64::NAN
    }
    fn ddp_dq(&self, _field: usize, _q_m3s: f64) -> f64 {
        f64::NAN
    }
}

/// What a link is and its law's parameters (SI units; see the constructors in [`Pipe`],
/// [`Quadratic`] and [`Curve`]).
#[derive(Debug, Clone, PartialEq)]
pub enum LinkKind {
    /// A channel field, by index into the network's field names; its law is the [`FieldLaw`].
    Field {
        /// Index of the field.
        field: usize,
    },
    /// A straight round pipe.
    Pipe(Pipe),
    /// A fitting, a quick-disconnect or an orifice: Δp = c·Q².
    Quadratic(Quadratic),
    /// A measured Δp(Q) curve.
    Curve(Curve),
}

/// One link between two nodes, named for messages and results.
#[derive(Debug, Clone, PartialEq)]
pub struct Link {
    /// Unique name.
    pub name: String,
    /// Upstream node: the intended flow runs `from` → `to` (a positive flow).
    pub from: String,
    /// Downstream node.
    pub to: String,
    /// The law.
    pub kind: LinkKind,
}

impl Link {
    /// A link `name` from node `from` to node `to`.
    pub fn new(name: &str, from: &str, to: &str, kind: LinkKind) -> Link {
        Link {
            name: name.to_string(),
            from: from.to_string(),
            to: to.to_string(),
            kind,
        }
    }
}

/// What drives the loop.
#[derive(Debug, Clone, PartialEq)]
pub enum Drive {
    /// A fixed total flow enters at `supply` and leaves at `return`.
    Flow {
        /// Total flow, m³/s (> 0).
        total_m3s: f64,
    },
    /// A pump from `return` to `supply` whose head follows a curve: the flow settles where
    /// the head equals the loop's pressure drop.
    Pump(PumpCurve),
}

/// A network the builder refused: the link (index in the list as given, `None` for the whole
/// network), the field of that link that is wrong (`name`, `to`, `field`, `points[2]`, …) and
/// what is wrong.
#[derive(Debug, Clone, PartialEq)]
pub struct NetworkError {
    /// Index of the offending link, or `None` when the problem is the network as a whole.
    pub link: Option<usize>,
    /// The link's field the problem is about (empty: the link as a whole).
    pub field: String,
    /// The problem and what would be valid.
    pub problem: String,
}

impl std::fmt::Display for NetworkError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.link {
            Some(i) if self.field.is_empty() => write!(f, "links[{i}]: {}", self.problem),
            Some(i) => write!(f, "links[{i}].{}: {}", self.field, self.problem),
            None => write!(f, "{}", self.problem),
        }
    }
}

impl std::error::Error for NetworkError {}

/// A solve that did not reach its tolerance, or met a law that is not a finite number.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum HydraulicsError {
    /// Newton's method stopped at its iteration budget.
    #[error(
        "the loop network did not converge in {iterations} Newton iterations (largest link \
         pressure residual {residual_pa:.3e} Pa)"
    )]
    NotConverged {
        /// Iterations run.
        iterations: usize,
        /// The largest |Δp_law(Q) − (p_from − p_to)| left, Pa.
        residual_pa: f64,
    },
    /// The linearised network could not be factorised (a slope that is not a positive
    /// finite number reached the matrix).
    #[error("the linearised loop network is singular: {problem}")]
    Singular {
        /// What was found.
        problem: String,
    },
    /// Balancing orifices could not make the balanced fields' flows equal.
    #[error("the balancing orifices could not be sized: {problem}")]
    NotBalanced {
        /// What was found.
        problem: String,
    },
    /// A law gave a non-finite or non-increasing value.
    #[error("link `{link}`: {problem}")]
    BadLaw {
        /// The link's name.
        link: String,
        /// What the law returned.
        problem: String,
    },
}

/// A validated loop network: links between named nodes, the fields it holds and its drive.
#[derive(Debug, Clone, PartialEq)]
pub struct Network {
    links: Vec<Link>,
    field_names: Vec<String>,
    nodes: Vec<String>,
    ends: Vec<(usize, usize)>,
    supply: usize,
    ret: usize,
    drive: Drive,
    /// Balancing orifices (made by [`Network::with_balance_orifices`]).
    balance: Vec<balance::BalanceSlot>,
}

/// The solved loop. Pressures are gauge against `return` (0 Pa); a positive flow runs
/// `from` → `to`, and each link's Δp has the sign of its flow.
#[derive(Debug, Clone, PartialEq)]
pub struct NetworkSolution {
    /// Pressure of every node ([`Network::nodes`] order) relative to `return`, Pa.
    pub node_pressure_pa: Vec<f64>,
    /// Flow of every link, m³/s.
    pub link_flow_m3s: Vec<f64>,
    /// Pressure drop of every link from its law at its flow (from − to), Pa.
    pub link_dp_pa: Vec<f64>,
    /// Mean velocity in a link's reference diameter, m/s (`None` for fields, curves and Cv
    /// ratings, which have none).
    pub link_velocity_m_s: Vec<Option<f64>>,
    /// Reynolds number in that diameter (`None` likewise).
    pub link_reynolds: Vec<Option<f64>>,
    /// Newton iterations, counting the linear start.
    pub iterations: usize,
    /// Flow through the loop (the fixed flow, or the pump's operating flow), m³/s.
    pub total_flow_m3s: f64,
    /// p_supply − p_return, Pa: with a pump, its head at the operating point.
    pub dp_supply_return_pa: f64,
    /// Largest mass imbalance at any node, m³/s.
    pub max_imbalance_m3s: f64,
    /// Largest |Δp_law(Q) − (p_from − p_to)| of any link, Pa.
    pub max_residual_pa: f64,
    /// Where a law was used outside its data (a curve or pump curve extrapolated), one
    /// sentence each.
    pub warnings: Vec<String>,
}

impl Network {
    /// A network of `links` holding the channel fields `field_names` (each used by exactly one
    /// `Field` link), driven by `drive`. Checked: names unique and non-empty, no link from a
    /// node to itself, every field used exactly once, `supply` connected to `return` along
    /// the links' directions, and every node on some supply → return path.
    pub fn new(
        links: Vec<Link>,
        field_names: Vec<String>,
        drive: Drive,
    ) -> Result<Network, NetworkError> {
        let topo = topology::check(&links, &field_names)?;
        if let Drive::Flow { total_m3s } = drive {
            if !(total_m3s.is_finite() && total_m3s > 0.0) {
                return Err(NetworkError {
                    link: None,
                    field: String::new(),
                    problem: format!("the total flow must be finite and > 0, got {total_m3s} m³/s"),
                });
            }
        }
        Ok(Network {
            links,
            field_names,
            nodes: topo.nodes,
            ends: topo.ends,
            supply: topo.supply,
            ret: topo.ret,
            drive,
            balance: Vec::new(),
        })
    }

    /// Today's loop: every field its own link from `supply` to `return`, named after it.
    pub fn parallel(field_names: Vec<String>, drive: Drive) -> Result<Network, NetworkError> {
        let links = field_names
            .iter()
            .enumerate()
            .map(|(i, n)| Link::new(n, SUPPLY, RETURN, LinkKind::Field { field: i }))
            .collect();
        Network::new(links, field_names, drive)
    }

    /// The network of a validated coolant loop whose channel fields are `field_names` (the
    /// design's fields in layer order, then file order): its `links`, or every field in
    /// parallel when it has none; driven by its pump curve, else by `flow_lpm`.
    pub fn of_coolant(
        coolant: &Coolant,
        field_names: Vec<String>,
    ) -> Result<Network, NetworkError> {
        let drive = match &coolant.pump_curve {
            Some(points) => Drive::Pump(PumpCurve::new(points).map_err(|e| NetworkError {
                link: None,
                field: format!("pump_curve[{}]", e.index),
                problem: e.problem,
            })?),
            None => Drive::Flow {
                total_m3s: coolant.flow_lpm * M3S_PER_LPM,
            },
        };
        if coolant.links.is_empty() {
            return Network::parallel(field_names, drive);
        }
        let index: BTreeMap<&str, usize> = field_names
            .iter()
            .enumerate()
            .map(|(i, n)| (n.as_str(), i))
            .collect();
        let mut links = Vec::with_capacity(coolant.links.len());
        for (i, l) in coolant.links.iter().enumerate() {
            let err = |field: &str, problem: String| NetworkError {
                link: Some(i),
                field: field.to_string(),
                problem,
            };
            let kind = match &l.kind {
                CoolantLinkKind::Field { field } => match index.get(field.as_str()) {
                    Some(&f) => LinkKind::Field { field: f },
                    None => {
                        return Err(err(
                            "field",
                            format!(
                                "no channel field is named `{field}`; the fields are: {}",
                                field_names.join(", ")
                            ),
                        ))
                    }
                },
                CoolantLinkKind::Pipe {
                    length_mm,
                    diameter_mm,
                    roughness_um,
                } => LinkKind::Pipe(Pipe::new(*length_mm, *diameter_mm, *roughness_um)),
                CoolantLinkKind::Minor { k, diameter_mm }
                | CoolantLinkKind::QdK { k, diameter_mm } => {
                    LinkKind::Quadratic(Quadratic::k_loss(*k, *diameter_mm))
                }
                CoolantLinkKind::QdCv { cv } => LinkKind::Quadratic(Quadratic::cv(*cv)),
                CoolantLinkKind::Curve { points_lpm_kpa } => LinkKind::Curve(
                    Curve::new(points_lpm_kpa)
                        .map_err(|e| err(&format!("points[{}]", e.index), e.problem))?,
                ),
                CoolantLinkKind::Orifice {
                    diameter_mm,
                    cd,
                    pipe_diameter_mm,
                } => LinkKind::Quadratic(Quadratic::orifice(*diameter_mm, *cd, *pipe_diameter_mm)),
            };
            links.push(Link::new(&l.name, &l.from, &l.to, kind));
        }
        Network::new(links, field_names, drive)
    }

    /// The links, in the order given.
    pub fn links(&self) -> &[Link] {
        &self.links
    }

    /// The node names; `NetworkSolution::node_pressure_pa` follows this order.
    pub fn nodes(&self) -> &[String] {
        &self.nodes
    }

    /// The channel fields' names (a `Field` link's index points here).
    pub fn field_names(&self) -> &[String] {
        &self.field_names
    }

    /// Index of node `name`.
    pub fn node(&self, name: &str) -> Option<usize> {
        self.nodes.iter().position(|n| n == name)
    }

    /// Index of link `name`.
    pub fn link(&self, name: &str) -> Option<usize> {
        self.links.iter().position(|l| l.name == name)
    }

    /// The (from, to) node indices of every link.
    pub fn ends(&self) -> &[(usize, usize)] {
        &self.ends
    }

    /// What drives the loop.
    pub fn drive(&self) -> &Drive {
        &self.drive
    }

    /// Solve the loop for a liquid with `liquid`'s properties, the fields' laws given by
    /// `fields`: flows and pressures such that every node balances its mass (to 10⁻⁹ of the
    /// total flow) and every link's drop equals its law at its flow.
    pub fn solve(
        &self,
        liquid: &Liquid,
        fields: &dyn FieldLaw,
    ) -> Result<NetworkSolution, HydraulicsError> {
        newton::solve(self, liquid, fields)
    }
}
