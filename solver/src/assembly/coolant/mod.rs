//! Coolant hydraulics and heat transfer of straight fin-channel fields.
//!
//! Correlations (sources in `docs/physics.md`):
//! - Fully developed laminar flow in a rectangular duct, aspect ratio α = short/long side,
//!   D_h = 4A/P (Shah & London; Kakaç, Shah & Aung eqs. 3.158–3.161):
//!   f·Re (Fanning), Nu_T, Nu_H1 as 5th-order polynomials in α.
//! - Developing flow: apparent friction (Shah & London) with x⁺ = L/(D_h·Re); thermal-entry
//!   increment of Wibulswas (1966) as implemented in EES / `ductflow.m`, with x* = L/(D_h·Re·Pr)
//!   and EES's Prandtl correction. We use the **H1 (constant flux) Nusselt number**: a cold plate
//!   under a die sees a nearly uniform axial heat flux.
//! - Turbulent (Re > 3000): Gnielinski with the Petukhov friction factor and EES's
//!   developing-flow factor (1 + (D_h/L)^0.7); 2300–3000 is blended linearly in Re.
//! - Fins: single-ended, adiabatic tip, η = tanh(mH)/(mH), m = √(2h/(k_f·t_f)); base-referenced
//!   h_eff = h(w_c + 2ηH)/(w_c + t_f). The fin conduction is in η: a channel layer is one z
//!   cell whatever its `cells`. Fins bonded at both ends (`fin_root = "both"`) are the exact
//!   three-node network of [`bonded_fin_w_m2k`] on two z cells (floor and ceiling node).
//! - Pressure drop: Darcy–Weisbach Δp = f_D (L/D_h) ρu²/2 with f_D = 4·f_app (channel friction
//!   with the developing-flow excess), plus the inlet and outlet plenums' K·ρu²/2: a sharp-edged
//!   contraction K_c = 0.5(1 − σ) (Crane TP-410) and a Borda–Carnot expansion K_e = (1 − σ)² at
//!   the fins' open-area ratio σ = w_c/p ([`plenum_k`]).
//!
//! The fields' flows come from the coolant loop network ([`crate::hydraulics`], the design's
//! `[[coolant.links]]`, or every field in parallel between supply and return without links):
//! each field is a link whose Δp(flow) law is the correlations' at the field's coolant
//! properties, and the network's solution (fixed `flow_lpm`, or the operating point of the
//! `pump_curve`) gives every field its flow (`coolant/network.rs` has the coupling). Without links this is
//! the equal-Δp split of parallel fields, which [`equal_pressure_split`] computes directly (the
//! reference the network is tested against). A field downstream of another (links in series)
//! takes as inlet the mixed temperature of its upstream node, from the field outlet temperatures
//! of the solution the state is assembled at.
//!
//! Fluid properties: [`analyse`] takes them at the mean coolant temperature inlet + ΔT/2,
//! ΔT = P/(ṁ·c_p), iterated three times (the first guess of a steady solve, and the fixed
//! properties of a transient run). [`analyse_on`] takes them **per fluid cell at its local
//! temperature** (a solved field's): h from the correlations at the cell's ρ, μ, k and c_p;
//! a field's Δp is the mean over its cells of the Δp the correlations give at each cell's
//! properties (the integral of f·ρu²/2 along the stream, averaged over its streams; the cells
//! taken in at most 64 groups of neighbouring temperatures, `temperature_groups`); the
//! split between fields equalises these; the advection of each cell uses the mean c_p
//! between the upstream and the cell's temperature, so ṁ·c̄_p·ΔT is the exact enthalpy
//! change. The steady solver iterates this to consistency (`run::steady`).

use std::ops::Range;

mod network;

pub use network::{field_names, mix_c, node_temperatures_c, LoopState};

use super::grid::{centre_range, Grid};

use crate::hydraulics::Drive;
use crate::model::{Channels, Design, FinRoot, FlowDirection, Fluid, FluidProps};

/// Geometry of one channel field, SI units.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FieldGeometry {
    /// Channel (gap) width w_c, m.
    pub channel_width_m: f64,
    /// Fin thickness t_f, m.
    pub fin_thickness_m: f64,
    /// Channel (fin) height H = channel layer thickness, m.
    pub height_m: f64,
    /// Field length along the flow, m.
    pub length_m: f64,
    /// Field width across the flow, m.
    pub width_m: f64,
}

impl FieldGeometry {
    /// Geometry of a design's channel field in a layer of thickness `height_mm`.
    pub fn of(ch: &Channels, height_mm: f64) -> Self {
        let (len, wid) = match ch.direction {
            FlowDirection::PlusX | FlowDirection::MinusX => (ch.width_mm, ch.depth_mm),
            FlowDirection::PlusY | FlowDirection::MinusY => (ch.depth_mm, ch.width_mm),
        };
        FieldGeometry {
            channel_width_m: ch.channel_width_mm * 1e-3,
            fin_thickness_m: ch.fin_thickness_mm * 1e-3,
            height_m: height_mm * 1e-3,
            length_m: len * 1e-3,
            width_m: wid * 1e-3,
        }
    }
    /// Fin pitch p = w_c + t_f, m.
    pub fn pitch_m(&self) -> f64 {
        self.channel_width_m + self.fin_thickness_m
    }
    /// Number of channels across the field (fractional; the field is homogenised).
    pub fn channels(&self) -> f64 {
        self.width_m / self.pitch_m()
    }
    /// Hydraulic diameter of one channel, 4A/P = 2·w·H/(w + H), m.
    pub fn hydraulic_diameter_m(&self) -> f64 {
        let (w, h) = (self.channel_width_m, self.height_m);
        2.0 * w * h / (w + h)
    }
    /// Aspect ratio α = short side / long side, in (0, 1].
    pub fn aspect(&self) -> f64 {
        let (w, h) = (self.channel_width_m, self.height_m);
        w.min(h) / w.max(h)
    }
    /// Total flow cross-section of the field, m².
    pub fn flow_area_m2(&self) -> f64 {
        self.channels() * self.channel_width_m * self.height_m
    }
    /// Open-area ratio σ = w_c/p of the field's face: its flow area over the face of a plenum
    /// as tall as the channels and as wide as the field.
    pub fn open_area_ratio(&self) -> f64 {
        self.channel_width_m / self.pitch_m()
    }
}

/// Loss coefficient of a field's inlet and outlet plenums together, referred to the channel
/// velocity: the design's `plenum_k`, or a sharp-edged contraction into the fins
/// K_c = 0.5(1 − σ) (Crane TP-410, A-26) plus the Borda–Carnot expansion out of them
/// K_e = (1 − σ)², σ the open-area ratio ([`FieldGeometry::open_area_ratio`]).
///
/// Between two plenums of one cross-section the reversible (Bernoulli) parts of the two area
/// changes cancel, so these irreversible losses are the whole plenum term (Kays & London's
/// core pressure drop). The contraction's developing-flow excess is already in the apparent
/// friction, so K_c is the vena-contracta loss alone.
pub fn plenum_k(ch: &Channels, geom: &FieldGeometry) -> f64 {
    ch.plenum_k.unwrap_or_else(|| {
        let sigma = geom.open_area_ratio();
        0.5 * (1.0 - sigma) + (1.0 - sigma).powi(2)
    })
}

fn poly5(a: f64, c: [f64; 5]) -> f64 {
    1.0 + a * (c[0] + a * (c[1] + a * (c[2] + a * (c[3] + a * c[4]))))
}

/// Fully developed laminar Fanning f·Re of a rectangular duct.
pub fn fre_fanning(alpha: f64) -> f64 {
    24.0 * poly5(alpha, [-1.3553, 1.9467, -1.7012, 0.9564, -0.2537])
}

/// Fully developed laminar Nusselt number, constant wall temperature.
pub fn nu_t(alpha: f64) -> f64 {
    7.541 * poly5(alpha, [-2.610, 4.970, -5.119, 2.702, -0.548])
}

/// Fully developed laminar Nusselt number, constant axial flux with peripherally uniform wall
/// temperature (H1).
pub fn nu_h1(alpha: f64) -> f64 {
    8.235 * poly5(alpha, [-2.0421, 3.0853, -2.4765, 1.0578, -0.1861])
}

/// Apparent (developing-flow, length-averaged) Fanning f·Re, x⁺ = L/(D_h·Re).
pub fn fapp_re(x_plus: f64, fre_fd: f64) -> f64 {
    let s = 3.44 / x_plus.sqrt();
    s + (1.25 / (4.0 * x_plus) + fre_fd - s) / (1.0 + 0.00021 / (x_plus * x_plus))
}

/// Thermal-entry increment of the mean H1 Nusselt number (Wibulswas, EES form), x* = L/(D_h·Re·Pr).
pub fn nu_h1_entry_increment(alpha: f64, x_star: f64, pr: f64) -> f64 {
    let a = 0.113636994 + 0.712134212 * alpha - 0.392104717 * alpha * alpha;
    let b = if alpha < 0.25 {
        0.940362 + alpha * (0.699466 - 0.940362) / 0.25
    } else {
        0.774133656 - 0.350363736 * alpha + 0.198543081 * alpha * alpha
    };
    let pr_ratio = if pr > 0.72 {
        0.6847 + 0.3153 * (-1.26544559 * (pr.ln() - 0.72f64.ln())).exp()
    } else {
        1.68 - 0.68 * (0.32 * (pr.ln() - 0.72f64.ln())).exp()
    };
    pr_ratio * a * (-b * x_star.ln()).exp()
}

/// Fin efficiency of a straight fin with adiabatic tip, η = tanh(mH)/(mH) (→ 1 as mH → 0).
pub fn fin_efficiency(m_h: f64) -> f64 {
    if m_h < 1e-6 {
        1.0 - m_h * m_h / 3.0
    } else {
        m_h.tanh() / m_h
    }
}

/// Fin parameter m·H with m = √(2h/(k_f·t_f)).
pub fn fin_m_h(h_w_m2k: f64, k_fin: f64, geom: &FieldGeometry) -> f64 {
    (2.0 * h_w_m2k / (k_fin * geom.fin_thickness_m)).sqrt() * geom.height_m
}

/// Base-referenced effective coefficient h_eff = h(w_c + 2ηH)/(w_c + t_f), W/(m²·K).
pub fn h_eff_base(h_w_m2k: f64, k_fin: f64, geom: &FieldGeometry) -> f64 {
    let eta = fin_efficiency(fin_m_h(h_w_m2k, k_fin, geom));
    h_w_m2k * (geom.channel_width_m + 2.0 * eta * geom.height_m) / geom.pitch_m()
}

/// x / sinh(x), → 1 as x → 0 (series below 1e-4, where 1 − x²/6 is exact to f64).
fn x_over_sinh(x: f64) -> f64 {
    if x < 1e-4 {
        1.0 - x * x / 6.0
    } else {
        x / x.sinh()
    }
}

/// A fin of height H bonded at both ends (`fin_root = "both"`) as its exact three-node
/// network, per unit plan area (divided by the pitch), W/(m²·K): `(end, bridge)`, where `end`
/// couples each end (floor, ceiling) to the coolant and `bridge` the floor to the ceiling.
///
/// With θ = T − T_fluid, G = k_f·t_f·m per unit length of fin and m = √(2h/(k_f·t_f)), the fin
/// equation θ'' = m²θ with θ(0) = θ_b, θ(H) = θ_t gives the root flux
/// q_b = G[coth(mH)·θ_b − θ_t/sinh(mH)] (and q_t mirrored), which is exactly
/// q_b = G/sinh(mH)·(θ_b − θ_t) + G·tanh(mH/2)·θ_b. So `bridge` = G/sinh(mH)/p (→ k_f·t_f/(pH),
/// plain conduction, as h → 0) and `end` = (h·w_c + G·tanh(mH/2))/p: the channel floor (or
/// ceiling) plus half the fin (→ h(w_c + H)/p as h → 0). Derivation in `docs/physics.md`.
pub fn bonded_fin_w_m2k(h_w_m2k: f64, k_fin: f64, geom: &FieldGeometry) -> (f64, f64) {
    let (t, hh, p) = (geom.fin_thickness_m, geom.height_m, geom.pitch_m());
    let m_h = fin_m_h(h_w_m2k, k_fin, geom);
    // G·tanh(mH/2) = k_f·t_f·m·tanh(mH/2) = h·H·η(mH/2) with η the adiabatic-tip efficiency
    // of a fin of height H/2 (finite as h → 0).
    let end = h_w_m2k * (geom.channel_width_m + hh * fin_efficiency(0.5 * m_h));
    let bridge = k_fin * t / hh * x_over_sinh(m_h);
    (end / p, bridge / p)
}

/// Base-referenced coefficient of a field's solid–coolant exchange for its fin root, W/(m²·K),
/// summed over the channel layer's nodes: [`h_eff_base`] for single-ended fins (`Bottom`,
/// `Top`: the one root node), twice the end coefficient of [`bonded_fin_w_m2k`] for `Both`
/// (floor and ceiling node, each half of it).
pub fn h_base_of_root(root: FinRoot, h_w_m2k: f64, k_fin: f64, geom: &FieldGeometry) -> f64 {
    match root {
        FinRoot::Bottom | FinRoot::Top => h_eff_base(h_w_m2k, k_fin, geom),
        FinRoot::Both => 2.0 * bonded_fin_w_m2k(h_w_m2k, k_fin, geom).0,
    }
}

/// Flow regime of a field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Regime {
    Laminar,
    Transitional,
    Turbulent,
}

/// Hydraulic and thermal performance of one field at one flow.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FieldPerformance {
    pub flow_m3_s: f64,
    pub velocity_m_s: f64,
    pub reynolds: f64,
    pub prandtl: f64,
    pub regime: Regime,
    /// Mean Nusselt number used (H1 + entry increment, or Gnielinski).
    pub nusselt: f64,
    /// Wall coefficient h (user override if given), W/(m²·K).
    pub h_w_m2k: f64,
    pub fin_efficiency: f64,
    /// Base-referenced coefficient, W/(m²·K).
    pub h_base_w_m2k: f64,
    /// The field's pressure drop, Pa: channel friction plus [`Self::plenum_dp_pa`] (or the
    /// user's override, which is the whole drop).
    pub pressure_drop_pa: f64,
    /// Of which the inlet and outlet plenums' K·ρu²/2, Pa (0 with an override).
    pub plenum_dp_pa: f64,
}

fn turbulent(re: f64, pr: f64, l_over_d: f64) -> (f64, f64) {
    let f_d = (0.790 * re.ln() - 1.64).powi(-2);
    let nu = (f_d / 8.0) * (re - 1000.0) * pr
        / (1.0 + 12.7 * (f_d / 8.0).sqrt() * (pr.powf(2.0 / 3.0) - 1.0));
    let dev = 1.0 + (1.0 / l_over_d).powf(0.7);
    (f_d * dev, nu * dev)
}

fn laminar(re: f64, pr: f64, alpha: f64, l_over_d: f64) -> (f64, f64) {
    let x_plus = l_over_d / re;
    let f_d = 4.0 * fapp_re(x_plus, fre_fanning(alpha)) / re;
    let nu = nu_h1(alpha) + nu_h1_entry_increment(alpha, l_over_d / (re * pr), pr);
    (f_d, nu)
}

/// Performance of a field carrying `flow_m3_s` of a fluid with properties `p`, its plenums'
/// loss coefficient being `plenum_k` ([`plenum_k`]). `h_override` / `dp_override` replace the
/// correlations (the override Δp is the whole drop at the reference flow `dp_override.1`,
/// scaled linearly in flow, the laminar law).
pub fn field_performance(
    geom: &FieldGeometry,
    p: &FluidProps,
    k_fin: f64,
    flow_m3_s: f64,
    plenum_k: f64,
    h_override: Option<f64>,
    dp_override: Option<(f64, f64)>,
) -> FieldPerformance {
    let dh = geom.hydraulic_diameter_m();
    let u = flow_m3_s / geom.flow_area_m2();
    let re = (p.density_kg_m3 * u * dh / p.viscosity_pa_s).max(1e-9);
    let pr = p.cp_j_kgk * p.viscosity_pa_s / p.k;
    let l_over_d = geom.length_m / dh;
    let alpha = geom.aspect();
    let (regime, f_d, nu) = if re <= 2300.0 {
        let (f, n) = laminar(re, pr, alpha, l_over_d);
        (Regime::Laminar, f, n)
    } else if re >= 3000.0 {
        let (f, n) = turbulent(re, pr, l_over_d);
        (Regime::Turbulent, f, n)
    } else {
        let (fl, nl) = laminar(2300.0, pr, alpha, l_over_d);
        let (ft, nt) = turbulent(3000.0, pr, l_over_d);
        let s = (re - 2300.0) / 700.0;
        (Regime::Transitional, fl + s * (ft - fl), nl + s * (nt - nl))
    };
    let h = h_override.unwrap_or(nu * p.k / dh);
    let dynamic_pa = 0.5 * p.density_kg_m3 * u * u;
    let (dp, plenum_dp) = match dp_override {
        Some((dp_pa, q_ref)) => (dp_pa * flow_m3_s / q_ref, 0.0),
        None => {
            let plenum = plenum_k * dynamic_pa;
            (f_d * l_over_d * dynamic_pa + plenum, plenum)
        }
    };
    FieldPerformance {
        flow_m3_s,
        velocity_m_s: u,
        reynolds: re,
        prandtl: pr,
        regime,
        nusselt: nu,
        h_w_m2k: h,
        fin_efficiency: fin_efficiency(fin_m_h(h, k_fin, geom)),
        h_base_w_m2k: h_eff_base(h, k_fin, geom),
        pressure_drop_pa: dp,
        plenum_dp_pa: plenum_dp,
    }
}

/// One channel field of the design with its share of the flow.
#[derive(Debug, Clone, PartialEq)]
pub struct FieldFlow {
    /// Layer index and index within `Layer::channels`.
    pub layer: usize,
    pub field: usize,
    pub geometry: FieldGeometry,
    pub k_fin: f64,
    pub perf: FieldPerformance,
    /// Mass flow through this field, kg/s.
    pub mdot_kg_s: f64,
    /// Physical x (`i`) and y (`j`) cell ranges of the field on the grid (the cells whose
    /// centre lies in it); empty from [`analyse`], which knows no grid.
    pub cells_i: Range<usize>,
    pub cells_j: Range<usize>,
    /// The coolant of each of those cells, row-major over `cells_j × cells_i`.
    pub cells: Vec<CellCoolant>,
    /// The field's inlet temperature, °C: the design inlet, or for a field downstream of
    /// another the mixed temperature of the loop node it draws from.
    pub inlet_c: f64,
}

impl FieldFlow {
    /// The coolant of grid cell (i, j), which must lie in the field.
    pub fn cell(&self, i: usize, j: usize) -> CellCoolant {
        let ni = self.cells_i.len();
        self.cells[(j - self.cells_j.start) * ni + (i - self.cells_i.start)]
    }
}

/// What the operator needs of one fluid cell, at the cell's local properties.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CellCoolant {
    /// ṁ_stream·c̄_p, W/K, with c̄_p the mean specific heat between the upstream cell's (or
    /// the inlet's) temperature and this cell's: the advection coefficient of the cell.
    pub advection_w_k: f64,
    /// ṁ_stream·c̄_p with c̄_p the mean between the inlet and this cell: the cell's enthalpy
    /// rise over the inlet is this × (T − T_inlet) (its weight as an outlet).
    pub outlet_w_k: f64,
    /// Wall coefficient h at the cell's properties (the design's `h_w_m2k` if given),
    /// W/(m²·K).
    pub h_w_m2k: f64,
    /// Base-referenced coefficient h_eff at the cell's properties, W/(m²·K).
    pub h_base_w_m2k: f64,
}

/// The coolant loop solved: properties, flow split, heat-transfer coefficients, Δp.
#[derive(Debug, Clone, PartialEq)]
pub struct CoolantState {
    pub inlet_c: f64,
    pub flow_lpm: f64,
    pub mean_c: f64,
    pub props: FluidProps,
    pub mdot_kg_s: f64,
    pub fields: Vec<FieldFlow>,
    /// Supply → return pressure drop of the loop (of the parallel fields without links), kPa.
    pub pressure_drop_kpa: f64,
    /// The loop network solved with these fields' laws: link flows, node pressures and
    /// temperatures, the operating point.
    pub network: LoopState,
}

/// A coolant outlet cell of the operator: the last cell of one stream of a field.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Outlet {
    /// Its state index (the fluid unknown of its column).
    pub state: usize,
    /// ṁ_stream·c̄_p between its field's inlet and the cell, W/K ([`CellCoolant::outlet_w_k`]).
    pub w_k: f64,
    /// Its field's inlet temperature relative to the assembly's reference, K.
    pub inlet_theta: f64,
    /// Its field (index into [`CoolantState::fields`]).
    pub field: usize,
}

/// The first coolant cell of one stream of a field: where the field's inlet enters the
/// right-hand side, `w_k · θ_inlet`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Inlet {
    /// Its state index (the fluid unknown of its column).
    pub state: usize,
    /// ṁ_stream·c̄_p advected into the cell, W/K ([`CellCoolant::advection_w_k`]).
    pub w_k: f64,
    /// Its field (index into [`CoolantState::fields`]).
    pub field: usize,
}

/// How far a flow split is from equal pressure drops.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SplitResidual {
    /// Fixed-point iterations run (at most [`SPLIT_MAX_ITERATIONS`]).
    pub iterations: usize,
    /// Largest relative change of a field's flow in the last iteration; below
    /// [`SPLIT_TOLERANCE`] when the split converged.
    pub flow_change: f64,
    /// (max − min) / max of the fields' pressure drops at the returned split.
    pub pressure_spread: f64,
}

impl SplitResidual {
    /// True when the fixed point converged within its iteration budget.
    pub fn converged(&self) -> bool {
        self.flow_change < SPLIT_TOLERANCE
    }
}

/// Iteration budget of the flow split's fixed point.
pub const SPLIT_MAX_ITERATIONS: usize = 200;
/// The flow split stops when no field's flow changes by this relative amount.
pub const SPLIT_TOLERANCE: f64 = 1e-12;

/// Split `total_m3_s` over parallel fields so their pressure drops are equal; returns each
/// field's performance and how well the drops agree.
#[cfg(test)]
fn split_flow(
    fields: &[(FieldGeometry, f64, &Channels)],
    p: &FluidProps,
    total_m3_s: f64,
) -> (Vec<FieldPerformance>, SplitResidual) {
    let area_total: f64 = fields.iter().map(|f| f.0.flow_area_m2()).sum();
    let q_ref: Vec<f64> = fields
        .iter()
        .map(|f| total_m3_s * f.0.flow_area_m2() / area_total)
        .collect();
    let perf = |i: usize, q: f64| {
        let (g, k, ch) = fields[i];
        let dp_ovr = ch.pressure_drop_kpa.map(|kpa| (kpa * 1e3, q_ref[i]));
        field_performance(&g, p, k, q, plenum_k(ch, &g), ch.h_w_m2k, dp_ovr)
    };
    let (q, residual) =
        equal_pressure_split(total_m3_s, &q_ref, |i, q| perf(i, q).pressure_drop_pa);
    let perfs = q.iter().enumerate().map(|(i, &q)| perf(i, q)).collect();
    (perfs, residual)
}

/// Split the flow `total` (any unit) over parallel fields, starting from the shares `start`,
/// so that their pressure drops `dp(field, flow)` are equal: the fixed point
/// Q_i ← total · G_i / ΣG with G_i = Q_i / Δp_i(Q_i). The thermal solve takes its split
/// from the loop network; without links that is this split, against which it is tested.
pub fn equal_pressure_split(
    total: f64,
    start: &[f64],
    dp: impl Fn(usize, f64) -> f64,
) -> (Vec<f64>, SplitResidual) {
    let mut q = start.to_vec();
    let (mut iterations, mut flow_change) = (0, f64::INFINITY);
    for _ in 0..SPLIT_MAX_ITERATIONS {
        let conductance: Vec<f64> = (0..q.len())
            .map(|i| q[i] / dp(i, q[i]).max(1e-30))
            .collect();
        let sum: f64 = conductance.iter().sum();
        let next: Vec<f64> = conductance.iter().map(|c| total * c / sum).collect();
        let change = next
            .iter()
            .zip(&q)
            .map(|(a, b)| ((a - b) / b).abs())
            .fold(0.0, f64::max);
        q = next;
        iterations += 1;
        flow_change = change;
        if change < SPLIT_TOLERANCE {
            break;
        }
    }
    let (lo, hi) = (0..q.len())
        .map(|i| dp(i, q[i]))
        .fold((f64::INFINITY, 0.0f64), |(lo, hi), d| {
            (lo.min(d), hi.max(d))
        });
    let residual = SplitResidual {
        iterations,
        flow_change,
        pressure_spread: if hi > 0.0 { (hi - lo) / hi } else { 0.0 },
    };
    (q, residual)
}

/// Solve the coolant loop of a design; `None` when it has no channel field, or when its loop
/// network has no solution ([`try_analyse`] says why).
pub fn analyse(design: &Design) -> Option<CoolantState> {
    try_analyse(design).ok().flatten()
}

/// Solve the coolant loop of a design at the mean coolant temperature's properties, every
/// field at the design inlet: `Ok(None)` without channel fields, an error (one line) when the
/// loop network has no solution (no operating point of the pump, a field run backwards).
///
/// The mean temperature is inlet + ΔT/2 with ΔT = P/(ṁ c_p), iterated three times; with a
/// pump curve ṁ is the operating point's at the last properties (the network is solved at
/// each pass).
pub fn try_analyse(design: &Design) -> Result<Option<CoolantState>, String> {
    let Some(coolant) = design.coolant.as_ref() else {
        return Ok(None);
    };
    let mut list = Vec::new();
    for (li, layer) in design.layers.iter().enumerate() {
        for (fi, ch) in layer.channels.iter().enumerate() {
            list.push((li, fi, FieldGeometry::of(ch, layer.thickness_mm), ch));
        }
    }
    if list.is_empty() {
        return Ok(None);
    }
    let net = network::build(design, coolant)?;
    let (liquid, rho_in) = network::inlet_liquid(&coolant.fluid, coolant.inlet_c);
    let area_total: f64 = list.iter().map(|f| f.2.flow_area_m2()).sum();
    // Δp of field `i` carrying the mass flow `m` at the properties `p`, the mass flow of the
    // whole loop being `mdot_total` (the reference of a `pressure_drop_kpa`).
    let perf = |i: usize, p: &FluidProps, mdot_total: f64, m: f64| {
        let (_, _, g, ch) = list[i];
        let rho = p.density_kg_m3;
        let q_ref = mdot_total / rho * g.flow_area_m2() / area_total;
        let dp_ovr = ch.pressure_drop_kpa.map(|kpa| (kpa * 1e3, q_ref));
        let k_pl = plenum_k(ch, &g);
        field_performance(
            &g,
            p,
            ch.fin_material.k_z,
            m / rho,
            k_pl,
            ch.h_w_m2k,
            dp_ovr,
        )
    };
    let solve_at = |p: &FluidProps, mdot_total: f64| {
        let dp = |i: usize, m: f64| perf(i, p, mdot_total, m).pressure_drop_pa;
        network::solve(design, &net, &liquid, rho_in, &dp)
    };
    let power = design.total_power_w();
    let pumped = matches!(net.drive(), Drive::Pump(_));
    let inlet_props = coolant.fluid.props_at(coolant.inlet_c);
    let mut mdot_total = if pumped {
        // No reference flow for `pressure_drop_kpa` (validation refuses it with a pump).
        solve_at(&inlet_props, f64::NAN)?.solution.total_flow_m3s * rho_in
    } else {
        rho_in * coolant.flow_lpm / 60_000.0
    };
    let mut mean_c = coolant.inlet_c;
    let mut props = inlet_props;
    for _ in 0..3 {
        mean_c = coolant.inlet_c + 0.5 * power / (mdot_total * props.cp_j_kgk);
        props = coolant.fluid.props_at(mean_c);
        if pumped {
            mdot_total = solve_at(&props, f64::NAN)?.solution.total_flow_m3s * rho_in;
        }
    }
    let solved = solve_at(&props, mdot_total)?;
    let state = LoopState {
        node_c: vec![coolant.inlet_c; solved.network.nodes().len()],
        network: solved.network,
        balance: solved.balance,
        solution: solved.solution,
        liquid,
        density_ref_kg_m3: rho_in,
    };
    let mdot_total = if pumped {
        state.total_mdot_kg_s()
    } else {
        mdot_total
    };
    let fields: Vec<FieldFlow> = list
        .iter()
        .enumerate()
        .map(|(f, (li, fi, g, ch))| {
            let m = state.field_mdot_kg_s(f);
            FieldFlow {
                layer: *li,
                field: *fi,
                geometry: *g,
                k_fin: ch.fin_material.k_z,
                mdot_kg_s: m,
                perf: perf(f, &props, mdot_total, m),
                cells_i: 0..0,
                cells_j: 0..0,
                cells: Vec::new(),
                inlet_c: coolant.inlet_c,
            }
        })
        .collect();
    Ok(Some(CoolantState {
        inlet_c: coolant.inlet_c,
        flow_lpm: total_lpm(coolant, &state),
        mean_c,
        props,
        mdot_kg_s: mdot_total,
        fields,
        pressure_drop_kpa: state.solution.dp_supply_return_pa * 1e-3,
        network: state,
    }))
}

/// The loop's total flow, L/min: `flow_lpm` as given, or the pump's operating flow.
fn total_lpm(coolant: &crate::model::Coolant, state: &LoopState) -> f64 {
    match state.network.drive() {
        Drive::Flow { .. } => coolant.flow_lpm,
        Drive::Pump(_) => state.total_lpm(),
    }
}

/// The fluid groups of a design, (layer, flow direction), in the order the operator holds
/// them: first appearance, layers bottom to top, fields in order (as `conductance::build`).
pub(crate) fn fluid_groups(design: &Design) -> Vec<(usize, FlowDirection)> {
    let mut groups = Vec::new();
    for (li, l) in design.layers.iter().enumerate() {
        for ch in &l.channels {
            if !groups.contains(&(li, ch.direction)) {
                groups.push((li, ch.direction));
            }
        }
    }
    groups
}

/// Physical x and y cell ranges of a channel field on `grid` (cells whose centre lies in it).
fn field_cells(ch: &Channels, grid: &Grid) -> (Range<usize>, Range<usize>) {
    let x = (ch.x_mm * 1e-3, (ch.x_mm + ch.width_mm) * 1e-3);
    let y = (ch.y_mm * 1e-3, (ch.y_mm + ch.depth_mm) * 1e-3);
    (
        centre_range(x.0, x.1, grid.dx_m, grid.nx),
        centre_range(y.0, y.1, grid.dy_m, grid.ny),
    )
}

/// Offset (di, dj) of the upstream neighbour of a cell for a flow direction.
fn upstream_offset(dir: FlowDirection) -> (isize, isize) {
    match dir {
        FlowDirection::PlusX => (-1, 0),
        FlowDirection::MinusX => (1, 0),
        FlowDirection::PlusY => (0, -1),
        FlowDirection::MinusY => (0, 1),
    }
}

/// Number of streams (cell rows along the flow) of a field with cell ranges (ir, jr).
fn streams(dir: FlowDirection, ir: &Range<usize>, jr: &Range<usize>) -> usize {
    match dir {
        FlowDirection::PlusX | FlowDirection::MinusX => jr.len(),
        FlowDirection::PlusY | FlowDirection::MinusY => ir.len(),
    }
}

/// The name of channel field `idx` of layer `layer` in messages: the layer's name, with the
/// index when the layer has several fields.
pub fn field_name(design: &Design, layer: usize, idx: usize) -> String {
    let l = &design.layers[layer];
    if l.channels.len() == 1 {
        l.name.clone()
    } else {
        format!("{}[{idx}]", l.name)
    }
}

/// Every fluid cell of every field: (i, j, its coolant temperature °C from `temps`, the
/// upstream cell's or, for a stream's first cell, its field's inlet `inlets_c[field]`, °C). `temps` holds, per fluid
/// group of [`fluid_groups`], the temperature of each internal column (NaN without coolant).
fn cell_temperatures(
    design: &Design,
    grid: &Grid,
    temps: &[Vec<f64>],
    inlets_c: &[f64],
) -> Vec<Vec<(usize, usize, f64, f64)>> {
    let groups = fluid_groups(design);
    let mut out = Vec::new();
    for (li, layer) in design.layers.iter().enumerate() {
        for ch in &layer.channels {
            let inlet_c = inlets_c.get(out.len()).copied().unwrap_or(f64::NAN);
            let g = groups
                .iter()
                .position(|&x| x == (li, ch.direction))
                .unwrap_or(0);
            let (ir, jr) = field_cells(ch, grid);
            let t_at = |i: usize, j: usize| {
                let t = temps
                    .get(g)
                    .and_then(|v| v.get(grid.orient.col(i, j)))
                    .copied()
                    .unwrap_or(f64::NAN);
                if t.is_finite() {
                    t
                } else {
                    inlet_c
                }
            };
            let (di, dj) = upstream_offset(ch.direction);
            let mut cells = Vec::with_capacity(ir.len() * jr.len());
            for j in jr.clone() {
                for i in ir.clone() {
                    let (ui, uj) = (i as isize + di, j as isize + dj);
                    let inside = ui >= 0
                        && uj >= 0
                        && ir.contains(&(ui as usize))
                        && jr.contains(&(uj as usize));
                    let t_up = if inside {
                        t_at(ui as usize, uj as usize)
                    } else {
                        inlet_c
                    };
                    cells.push((i, j, t_at(i, j), t_up));
                }
            }
            out.push(cells);
        }
    }
    out
}

/// Solve the coolant loop of a design on `grid`; `Ok(None)` when it has no channel field, an
/// error (one line) when its loop network has no solution.
///
/// With `temps` (per fluid group, in the order the operator holds them, the coolant temperature of each
/// internal column, °C, NaN without coolant: a solved field's), the properties are those of
/// every fluid cell's own temperature (the module doc says how they enter). Without, or for
/// a constant-property fluid, they are [`analyse`]'s, at the mean coolant temperature. With
/// `temps`, a field downstream of another in the loop takes as inlet the mixed temperature of
/// its upstream node, from the field outlet temperatures of `temps`.
pub fn analyse_on(
    design: &Design,
    grid: &Grid,
    temps: Option<&[Vec<f64>]>,
) -> Result<Option<CoolantState>, String> {
    let Some(coolant) = design.coolant.as_ref() else {
        return Ok(None);
    };
    let Some(local) = temps.filter(|_| coolant.fluid.range_c().is_some()) else {
        let Some(mut state) = try_analyse(design)? else {
            return Ok(None);
        };
        if let Some(temps) = temps {
            let inlets = field_inlets_c(design, grid, temps, &mut state.network);
            for (ff, t) in state.fields.iter_mut().zip(inlets) {
                ff.inlet_c = t;
            }
        }
        let cp = state.props.cp_j_kgk;
        for ff in &mut state.fields {
            let ch = &design.layers[ff.layer].channels[ff.field];
            let (ir, jr) = field_cells(ch, grid);
            let c = ff.mdot_kg_s * cp / streams(ch.direction, &ir, &jr).max(1) as f64;
            let cell = CellCoolant {
                advection_w_k: c,
                outlet_w_k: c,
                h_w_m2k: ff.perf.h_w_m2k,
                h_base_w_m2k: ff.perf.h_base_w_m2k,
            };
            ff.cells = vec![cell; ir.len() * jr.len()];
            (ff.cells_i, ff.cells_j) = (ir, jr);
        }
        return Ok(Some(state));
    };
    let temps = local;
    let fluid = &coolant.fluid;
    let t_in = coolant.inlet_c;
    let net = network::build(design, coolant)?;
    let pumped = matches!(net.drive(), Drive::Pump(_));
    // With a pump there is no reference flow for `pressure_drop_kpa` (validation refuses it).
    let mdot_design = if pumped {
        f64::NAN
    } else {
        fluid.props_at(t_in).density_kg_m3 * coolant.flow_lpm / 60_000.0
    };
    let n_fields = network::field_names(design).len();
    let cell_temps = cell_temperatures(design, grid, temps, &vec![t_in; n_fields]);
    // Per field: (layer, index, channels, geometry, cells with their properties).
    let mut fields = Vec::new();
    for (li, layer) in design.layers.iter().enumerate() {
        for (fi, ch) in layer.channels.iter().enumerate() {
            let mut cells: Vec<(f64, f64, FluidProps)> = cell_temps[fields.len()]
                .iter()
                .map(|&(_, _, t, t_up)| (t, t_up, fluid.props_at(t)))
                .collect();
            if cells.is_empty() {
                // A field that holds no cell centre (the validator rejects it): inlet state.
                cells.push((t_in, t_in, fluid.props_at(t_in)));
            }
            let geom = FieldGeometry::of(ch, layer.thickness_mm);
            fields.push((li, fi, ch, geom, cells));
        }
    }
    if fields.is_empty() {
        return Ok(None);
    }
    let laws = FieldLaws::new(
        mdot_design,
        fields
            .iter()
            .map(|(_, _, ch, geom, cells)| {
                let groups = temperature_groups(fluid, cells.iter().map(|c| c.0).collect());
                (*ch, *geom, groups)
            })
            .collect(),
    );
    let cell_perf = |f: usize, p: &FluidProps, m: f64| laws.perf(f, p, m);
    let field_dp = |f: usize, m: f64| laws.dp_pa(f, m);
    let (liquid, rho_in) = network::inlet_liquid(fluid, t_in);
    let solved = network::solve(design, &net, &liquid, rho_in, &field_dp)?;
    let mut state = LoopState {
        node_c: vec![t_in; solved.network.nodes().len()],
        network: solved.network,
        balance: solved.balance,
        solution: solved.solution,
        liquid,
        density_ref_kg_m3: rho_in,
    };
    let mdot_total = if pumped {
        state.total_mdot_kg_s()
    } else {
        mdot_design
    };
    let inlets = field_inlets_c(design, grid, temps, &mut state);
    let cell_temps = cell_temperatures(design, grid, temps, &inlets);
    let mut out = Vec::with_capacity(fields.len());
    let mut t_weighted = 0.0;
    for (f, (li, fi, ch, geom, cells)) in fields.iter().enumerate() {
        let m = state.field_mdot_kg_s(f);
        let t_mean = cells.iter().map(|c| c.0).sum::<f64>() / cells.len() as f64;
        t_weighted += m * t_mean;
        let mut perf = cell_perf(f, &fluid.props_at(t_mean), m);
        (perf.pressure_drop_pa, perf.plenum_dp_pa) = laws.dp_parts_pa(f, m);
        let (ir, jr) = field_cells(ch, grid);
        let share = m / streams(ch.direction, &ir, &jr).max(1) as f64;
        let t_in_f = inlets[f];
        let cells = cells
            .iter()
            .zip(&cell_temps[f])
            .take(ir.len() * jr.len())
            .map(|(&(t, _, p), &(_, _, _, t_up))| {
                let perf = cell_perf(f, &p, m);
                CellCoolant {
                    advection_w_k: share * fluid.mean_cp_j_kgk(t_up, t),
                    outlet_w_k: share * fluid.mean_cp_j_kgk(t_in_f, t),
                    h_w_m2k: perf.h_w_m2k,
                    h_base_w_m2k: perf.h_base_w_m2k,
                }
            })
            .collect();
        out.push(FieldFlow {
            layer: *li,
            field: *fi,
            geometry: *geom,
            k_fin: ch.fin_material.k_z,
            perf,
            mdot_kg_s: m,
            cells_i: ir,
            cells_j: jr,
            cells,
            inlet_c: t_in_f,
        });
    }
    let mean_c = t_weighted / mdot_total;
    Ok(Some(CoolantState {
        inlet_c: t_in,
        flow_lpm: total_lpm(coolant, &state),
        mean_c,
        props: fluid.props_at(mean_c),
        mdot_kg_s: mdot_total,
        fields: out,
        pressure_drop_kpa: state.solution.dp_supply_return_pa * 1e-3,
        network: state,
    }))
}

/// The channel fields' Δp(ṁ) laws at given coolant properties: each field's drop is the mean
/// over its cells of the correlations' drop at each cell's properties (in temperature groups,
/// [`temperature_groups`]; one set of properties per field at the mean coolant temperature in
/// [`analyse`]).
struct FieldLaws<'a> {
    /// Per field: its channels, geometry, the properties of its cells with their weights,
    /// and its reference mass flow for `pressure_drop_kpa` (its area share of the design
    /// flow), kg/s.
    fields: Vec<(&'a Channels, FieldGeometry, WeightedProps, f64)>,
}

/// Coolant properties with their weights (cells, or cells per temperature group).
type WeightedProps = Vec<(FluidProps, f64)>;

impl<'a> FieldLaws<'a> {
    /// The laws of `fields` (channels, geometry, cell properties), the loop carrying
    /// `mdot_design` kg/s (NaN with a pump: no `pressure_drop_kpa` then).
    fn new(mdot_design: f64, fields: Vec<(&'a Channels, FieldGeometry, WeightedProps)>) -> Self {
        let area_total: f64 = fields.iter().map(|f| f.1.flow_area_m2()).sum();
        FieldLaws {
            fields: fields
                .into_iter()
                .map(|(ch, g, p)| {
                    let m_ref = mdot_design * g.flow_area_m2() / area_total;
                    (ch, g, p, m_ref)
                })
                .collect(),
        }
    }

    /// A cell's performance at properties `p` when field `f` carries the mass flow `m`.
    fn perf(&self, f: usize, p: &FluidProps, m: f64) -> FieldPerformance {
        let (ch, geom, _, m_ref) = &self.fields[f];
        let rho = p.density_kg_m3;
        let dp_ovr = ch.pressure_drop_kpa.map(|kpa| (kpa * 1e3, m_ref / rho));
        let k_pl = plenum_k(ch, geom);
        field_performance(
            geom,
            p,
            ch.fin_material.k_z,
            m / rho,
            k_pl,
            ch.h_w_m2k,
            dp_ovr,
        )
    }

    /// Δp of field `f` at the mass flow `m`, Pa.
    fn dp_pa(&self, f: usize, m: f64) -> f64 {
        self.dp_parts_pa(f, m).0
    }

    /// Δp of field `f` at the mass flow `m` and the plenums' part of it, Pa.
    fn dp_parts_pa(&self, f: usize, m: f64) -> (f64, f64) {
        let cells = &self.fields[f].2;
        let (dp, plenum, weight) = cells.iter().fold((0.0, 0.0, 0.0), |(d, pl, w), (p, wc)| {
            let perf = self.perf(f, p, m);
            (
                d + wc * perf.pressure_drop_pa,
                pl + wc * perf.plenum_dp_pa,
                w + wc,
            )
        });
        (dp / weight, plenum / weight)
    }
}

/// Temperature groups of a field's cells in the fields' Δp laws ([`temperature_groups`]).
const PROPERTY_GROUPS: usize = 64;

/// A field's cell temperatures `t_c` as at most [`PROPERTY_GROUPS`] groups of neighbouring
/// temperatures, each at the properties of its mean temperature and weighted by its count.
///
/// Δp is smooth in T, so averaging a group's temperatures first errs by the second order of its
/// spread (a few 10⁻⁶ relative on a field warming by 15 K), and a law evaluation costs at most
/// [`PROPERTY_GROUPS`] correlations per field instead of one per cell: the loop's Newton solve
/// (with its line search and any balancing orifices) and the system curve's 20 solves evaluate
/// the laws many times per round. Fields of fewer cells
/// keep one group per cell (exact).
fn temperature_groups(fluid: &Fluid, mut t_c: Vec<f64>) -> WeightedProps {
    t_c.sort_by(f64::total_cmp);
    t_c.chunks(t_c.len().div_ceil(PROPERTY_GROUPS).max(1))
        .map(|g| {
            let mean = g.iter().sum::<f64>() / g.len() as f64;
            (fluid.props_at(mean), g.len() as f64)
        })
        .collect()
}

/// Points of [`system_curve`]: from 10 % to 150 % of the operating flow.
pub const SYSTEM_CURVE_RANGE: (f64, f64) = (0.1, 1.5);
/// Number of points of [`system_curve`].
pub const SYSTEM_CURVE_POINTS: usize = 20;

/// The loop's system curve `[flow_lpm, dp_kpa]` of a solved `state` (assembled on `grid` at
/// the coolant temperatures `temps`): the supply → return Δp at total flows from
/// [`SYSTEM_CURVE_RANGE`] × the operating flow, the fields' laws and the liquid frozen at
/// that state's properties, each point solved with a fixed total flow.
pub fn system_curve(
    design: &Design,
    grid: &Grid,
    temps: Option<&[Vec<f64>]>,
    state: &CoolantState,
) -> Vec<[f64; 2]> {
    let Some(coolant) = design.coolant.as_ref() else {
        return Vec::new();
    };
    let mdot_design = match state.network.network.drive() {
        Drive::Pump(_) => f64::NAN,
        Drive::Flow { .. } => state.mdot_kg_s,
    };
    let local = temps.filter(|_| coolant.fluid.range_c().is_some());
    let names = network::field_names(design);
    let cells =
        local.map(|t| cell_temperatures(design, grid, t, &vec![coolant.inlet_c; names.len()]));
    let mut fields = Vec::new();
    for layer in &design.layers {
        for ch in &layer.channels {
            let f = fields.len();
            let props = match &cells {
                Some(c) if !c[f].is_empty() => {
                    temperature_groups(&coolant.fluid, c[f].iter().map(|x| x.2).collect())
                }
                _ => vec![(state.props, 1.0)],
            };
            fields.push((ch, FieldGeometry::of(ch, layer.thickness_mm), props));
        }
    }
    let laws = FieldLaws::new(mdot_design, fields);
    let lp = &state.network;
    network::system_curve(
        &lp.network,
        &lp.liquid,
        lp.density_ref_kg_m3,
        &|f, m| laws.dp_pa(f, m),
        state.flow_lpm,
        SYSTEM_CURVE_RANGE,
        SYSTEM_CURVE_POINTS,
    )
}

/// Every field's inlet temperature, °C, for the loop `state` and the coolant temperatures
/// `temps` of a solution (as for [`analyse_on`]): the mixed temperature of the node each
/// field draws from, the field outlets being the mixed temperatures of their last cells
/// (each stream carries the same flow). Fills `state.node_c`.
pub(crate) fn field_inlets_c(
    design: &Design,
    grid: &Grid,
    temps: &[Vec<f64>],
    state: &mut LoopState,
) -> Vec<f64> {
    let Some(coolant) = design.coolant.as_ref() else {
        return Vec::new();
    };
    let (fluid, t_in) = (&coolant.fluid, coolant.inlet_c);
    let names = network::field_names(design);
    let cells = cell_temperatures(design, grid, temps, &vec![t_in; names.len()]);
    let mut outlets = Vec::with_capacity(names.len());
    for ch in design.layers.iter().flat_map(|l| l.channels.iter()) {
        let (ir, jr) = field_cells(ch, grid);
        let (di, dj) = upstream_offset(ch.direction);
        let f = outlets.len();
        let last: Vec<(f64, f64)> = cells[f]
            .iter()
            .filter(|&&(i, j, _, _)| {
                let (ni, nj) = (i as isize - di, j as isize - dj);
                !(ni >= 0 && nj >= 0 && ir.contains(&(ni as usize)) && jr.contains(&(nj as usize)))
            })
            .map(|&(_, _, t, _)| (1.0, t))
            .collect();
        outlets.push(if last.is_empty() {
            f64::NAN
        } else {
            mix_c(fluid, t_in, &last)
        });
    }
    state.node_c = node_temperatures_c(&state.network, &state.solution, fluid, t_in, &|f| {
        outlets.get(f).copied().unwrap_or(f64::NAN)
    });
    (0..names.len())
        .map(|f| match state.field_link(f) {
            Some(l) => {
                let (from, to) = state.network.ends()[l];
                let up = if state.solution.link_flow_m3s[l] >= 0.0 {
                    from
                } else {
                    to
                };
                state.node_c[up]
            }
            None => t_in,
        })
        .collect()
}

/// A coolant cell outside its fluid's property table, or at its boiling point: no
/// single-phase answer exists (a solve error).
#[derive(Debug, Clone, PartialEq)]
pub struct OutOfRange {
    /// The channel field ([`field_name`]).
    pub field: String,
    /// The cell's coolant temperature, °C.
    pub t_c: f64,
    /// The cell's centre, mm.
    pub x_mm: f64,
    pub y_mm: f64,
    /// What is wrong and what to change.
    pub problem: String,
}

impl std::fmt::Display for OutOfRange {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "the coolant in channel field `{}` reaches {:.2} °C at x = {:.1} mm, y = {:.1} mm, \
             {}",
            self.field, self.t_c, self.x_mm, self.y_mm, self.problem
        )
    }
}

/// The worst coolant cell of `temps` (as for [`analyse_on`]) that is at or above the
/// boiling point at the loop pressure (the hottest), else above its table (the hottest),
/// else below it (the coldest); `None` when every cell is inside the table and below
/// boiling. A constant-property fluid has no table; a custom fluid no boiling point.
pub fn out_of_range(design: &Design, grid: &Grid, temps: &[Vec<f64>]) -> Option<OutOfRange> {
    let coolant = design.coolant.as_ref()?;
    let name = &coolant.fluid.name;
    let inlets = vec![coolant.inlet_c; network::field_names(design).len()];
    let cells = cell_temperatures(design, grid, temps, &inlets);
    let mut fields = Vec::new();
    for (li, layer) in design.layers.iter().enumerate() {
        for fi in 0..layer.channels.len() {
            fields.push((li, fi));
        }
    }
    let all = || {
        fields
            .iter()
            .zip(&cells)
            .flat_map(|(&lf, c)| c.iter().map(move |&(i, j, t, _)| (lf, i, j, t)))
    };
    let hottest = all().max_by(|a, b| a.3.total_cmp(&b.3))?;
    let coldest = all().min_by(|a, b| a.3.total_cmp(&b.3))?;
    let range = coolant.fluid.range_c();
    let table = |(lo, hi): (f64, f64)| format!("the {name} property table ({lo}–{hi} °C)");
    let (cell, problem) = match (coolant.boiling_c(), range) {
        (Some(b), _) if hottest.3 >= b => (
            hottest,
            format!(
                "at or above the boiling point of {name} at {} kPa ({b:.1} °C); the model is \
                 single-phase: raise coolant.flow_lpm or coolant.pressure_kpa, or lower \
                 coolant.inlet_c",
                coolant.pressure_kpa
            ),
        ),
        (_, Some(r)) if hottest.3 > r.1 => (
            hottest,
            format!(
                "above {}; raise coolant.flow_lpm or lower coolant.inlet_c",
                table(r)
            ),
        ),
        (_, Some(r)) if coldest.3 < r.0 => (
            coldest,
            format!(
                "below {}; raise coolant.inlet_c or the boundaries' ambient_c",
                table(r)
            ),
        ),
        _ => return None,
    };
    let ((li, fi), i, j, t_c) = cell;
    Some(OutOfRange {
        field: field_name(design, li, fi),
        t_c,
        x_mm: (i as f64 + 0.5) * grid.dx_m * 1e3,
        y_mm: (j as f64 + 0.5) * grid.dy_m * 1e3,
        problem,
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    /// Round to the digits printed in the check table of docs/physics.md.
    fn close(v: f64, want: f64, digits: i32) -> bool {
        (v - want).abs() <= 0.5 * 10f64.powi(-digits) + 1e-12
    }

    #[test]
    fn check_table_matches_printed_digits() {
        // α: 1, 0.25, 0.0667, 0 — fRe, Nu_H1, Nu_T as printed (2 decimals; α = 0 exact-ish).
        let rows = [
            (1.0, 14.23, 3.61, 2.98),
            (0.25, 18.23, 5.33, 4.44),
            (0.0667, 22.03, 7.22, 6.38),
        ];
        for (a, f, nh, nt) in rows {
            assert!(close(fre_fanning(a), f, 2), "fRe({a}) = {}", fre_fanning(a));
            assert!(close(nu_h1(a), nh, 2), "NuH1({a}) = {}", nu_h1(a));
            assert!(close(nu_t(a), nt, 2), "NuT({a}) = {}", nu_t(a));
        }
        assert!(close(fre_fanning(0.0), 24.0, 6));
        assert!(close(nu_h1(0.0), 8.235, 6));
        assert!(close(nu_t(0.0), 7.54, 2));
    }

    #[test]
    fn fin_efficiency_limits() {
        assert!((fin_efficiency(0.0) - 1.0).abs() < 1e-15);
        assert!((fin_efficiency(1e-4) - 1.0).abs() < 1e-8);
        // mH → ∞: η → 1/(mH)
        assert!((fin_efficiency(50.0) * 50.0 - 1.0).abs() < 1e-12);
        // a textbook value: tanh(1)/1 = 0.761594
        assert!((fin_efficiency(1.0) - 0.761_594_155_955_765).abs() < 1e-12);
    }

    fn fin_geometry() -> FieldGeometry {
        FieldGeometry {
            channel_width_m: 2e-4,
            fin_thickness_m: 1e-4,
            height_m: 3e-3,
            length_m: 0.05,
            width_m: 0.05,
        }
    }

    #[test]
    fn bonded_fin_network_limits() {
        let g = fin_geometry();
        let (t, w, hh, p, k) = (1e-4, 2e-4, 3e-3, 3e-4, 385.0);
        // h → 0: the bridge is plain conduction k t/(pH), each end gets the floor plus half the
        // fin's surface at the fluid temperature, h(w_c + H)/p.
        let h = 1e-9;
        let (end, bridge) = bonded_fin_w_m2k(h, k, &g);
        assert!(
            (bridge - k * t / (p * hh)).abs() <= 1e-12 * bridge,
            "{bridge}"
        );
        assert!((end - h * (w + hh) / p).abs() <= 1e-9 * end, "{end}");
        let (end0, bridge0) = bonded_fin_w_m2k(0.0, k, &g);
        assert_eq!(end0, 0.0);
        assert!((bridge0 - k * t / (p * hh)).abs() <= 1e-12 * bridge0);
    }

    #[test]
    fn bonded_fin_network_is_the_exact_fin_solution() {
        let g = fin_geometry();
        let (t, w, hh, p, k, h): (f64, f64, f64, f64, f64, f64) =
            (1e-4, 2e-4, 3e-3, 3e-4, 385.0, 20_000.0);
        let m = (2.0 * h / (k * t)).sqrt();
        let gg = k * t * m;
        let (end, bridge) = bonded_fin_w_m2k(h, k, &g);
        // Root flux of a fin with both ends held: q_b = G[coth(mH)θ_b − θ_t/sinh(mH)], plus the
        // floor h·w_c·θ_b; per unit plan area (÷ p).
        let (tb, tt) = (3.0, 1.0);
        let q_b =
            (gg * ((m * hh).cosh() / (m * hh).sinh() * tb - tt / (m * hh).sinh()) + h * w * tb) / p;
        let network = bridge * (tb - tt) + end * tb;
        assert!((network - q_b).abs() <= 1e-12 * q_b, "{network} vs {q_b}");
        // Both ends at one temperature: two single-ended fins of height H/2 plus floor and
        // ceiling, i.e. twice the adiabatic-tip h_eff of a half-height array.
        let half = FieldGeometry {
            height_m: 0.5 * hh,
            ..g
        };
        let both = h_base_of_root(FinRoot::Both, h, k, &g);
        assert!((both - 2.0 * h_eff_base(h, k, &half)).abs() <= 1e-12 * both);
        assert_eq!(h_base_of_root(FinRoot::Top, h, k, &g), h_eff_base(h, k, &g));
    }

    #[test]
    fn apparent_friction_tends_to_fully_developed() {
        // Far downstream (x⁺ → ∞) the apparent f·Re tends to the fully developed value.
        let fre = fre_fanning(0.1);
        assert!((fapp_re(1e3, fre) - fre).abs() / fre < 1e-3);
        // Near the entrance it is larger.
        assert!(fapp_re(1e-3, fre) > 2.0 * fre);
    }

    #[test]
    fn entry_increment_vanishes_downstream() {
        // The mean-Nu increment decays with x*: by x* = 1 it is < 2 % of Nu_H1.
        assert!(nu_h1_entry_increment(0.1, 1.0, 10.0) < 0.02 * nu_h1(0.1));
        assert!(nu_h1_entry_increment(0.1, 1e-3, 10.0) > nu_h1_entry_increment(0.1, 1e-2, 10.0));
    }

    /// A 10 mm copper field of 0.3 mm channels and 0.2 mm fins.
    fn test_channels() -> Channels {
        Channels {
            name: "f".into(),
            x_mm: 0.0,
            y_mm: 0.0,
            width_mm: 10.0,
            depth_mm: 10.0,
            direction: FlowDirection::PlusX,
            fin_thickness_mm: 0.2,
            channel_width_mm: 0.3,
            fin_material: crate::model::Material {
                name: "cu".into(),
                k_xy: 385.0,
                k_z: 385.0,
                density_kg_m3: None,
                cp_j_kgk: None,
            },
            h_w_m2k: None,
            pressure_drop_kpa: None,
            plenum_k: None,
            fin_root: FinRoot::Bottom,
        }
    }

    #[test]
    fn grouped_cell_properties_give_the_per_cell_mean_drop() {
        let fluid = crate::model::materials::builtin_fluid("pg25").expect("pg25 is built in");
        let ch = test_channels();
        let geom = fin_geometry();
        // 20 000 cells warming 35 → 50 °C along a stream (more than a tray plate's spread):
        // a quadratic profile, so the groups are uneven in temperature.
        let t_c: Vec<f64> = (0..20_000)
            .map(|i| 35.0 + 15.0 * (i as f64 / 19_999.0).powi(2))
            .collect();
        let per_cell: WeightedProps = t_c.iter().map(|&t| (fluid.props_at(t), 1.0)).collect();
        let grouped = temperature_groups(&fluid, t_c.clone());
        assert_eq!(grouped.len(), PROPERTY_GROUPS);
        assert_eq!(grouped.iter().map(|g| g.1).sum::<f64>(), 20_000.0);
        let exact = FieldLaws::new(f64::NAN, vec![(&ch, geom, per_cell)]);
        let fast = FieldLaws::new(f64::NAN, vec![(&ch, geom, grouped)]);
        for m in [1e-3, 1e-2, 5e-2] {
            let (a, b) = (exact.dp_pa(0, m), fast.dp_pa(0, m));
            // Second order in a group's spread (the hottest group spans ≈ 0.47 K here, where
            // μ''/μ ≈ 6e-4 K⁻²): a few 1e-6 relative, four orders below the correlations'
            // own uncertainty.
            assert!(
                (b / a - 1.0).abs() < 1e-5,
                "{m} kg/s: {a} Pa per cell, {b} Pa grouped"
            );
        }
        // Up to PROPERTY_GROUPS cells, one group per cell: exactly the per-cell mean.
        let few = temperature_groups(&fluid, t_c[..40].to_vec());
        assert_eq!(few.len(), 40);
        let few_cells: WeightedProps = t_c[..40]
            .iter()
            .map(|&t| (fluid.props_at(t), 1.0))
            .collect();
        let (a, b) = (
            FieldLaws::new(f64::NAN, vec![(&ch, geom, few_cells)]).dp_pa(0, 1e-2),
            FieldLaws::new(f64::NAN, vec![(&ch, geom, few)]).dp_pa(0, 1e-2),
        );
        // Same terms summed in the same (ascending) order: equal to rounding.
        assert!(
            (b / a - 1.0).abs() < 1e-12,
            "{a} Pa per cell, {b} Pa grouped"
        );
    }

    #[test]
    fn split_is_equal_pressure_and_conserves_flow() {
        let p = FluidProps {
            density_kg_m3: 1000.0,
            cp_j_kgk: 4000.0,
            k: 0.5,
            viscosity_pa_s: 1e-3,
        };
        let ch = test_channels();
        let g1 = FieldGeometry {
            channel_width_m: 3e-4,
            fin_thickness_m: 2e-4,
            height_m: 3e-3,
            length_m: 0.03,
            width_m: 0.03,
        };
        let g2 = FieldGeometry {
            length_m: 0.06,
            ..g1
        };
        let q = 1e-4;
        let (perf, split) = split_flow(&[(g1, 385.0, &ch), (g2, 385.0, &ch)], &p, q);
        assert!(split.converged(), "{split:?}");
        assert!(split.pressure_spread < 1e-8, "{split:?}");
        let sum: f64 = perf.iter().map(|f| f.flow_m3_s).sum();
        assert!((sum - q).abs() / q < 1e-12);
        let (a, b) = (perf[0].pressure_drop_pa, perf[1].pressure_drop_pa);
        assert!((a - b).abs() / a < 1e-8, "{a} vs {b}");
        // the longer field takes less flow
        assert!(perf[1].flow_m3_s < perf[0].flow_m3_s);
    }

    #[test]
    fn plenum_losses_vanish_without_fins_and_grow_to_the_sharp_edged_limits() {
        let mut ch = test_channels();
        let geom = |w_c: f64, t_f: f64| FieldGeometry {
            channel_width_m: w_c,
            fin_thickness_m: t_f,
            height_m: 3e-3,
            length_m: 0.03,
            width_m: 0.03,
        };
        // σ → 1 (fins vanishingly thin): no area change, no loss.
        assert!(plenum_k(&ch, &geom(1e-3, 1e-12)) < 1e-8);
        // σ = 0.5: contraction 0.5·0.5 = 0.25 (Crane), expansion 0.5² = 0.25 (Borda–Carnot).
        assert!((plenum_k(&ch, &geom(2e-4, 2e-4)) - 0.5).abs() < 1e-15);
        // σ → 0: the contraction's 0.5 and a free jet's full dynamic head, 1.
        assert!((plenum_k(&ch, &geom(1e-12, 1e-3)) - 1.5).abs() < 1e-8);
        ch.plenum_k = Some(0.0);
        assert_eq!(plenum_k(&ch, &geom(2e-4, 2e-4)), 0.0);
    }
}
