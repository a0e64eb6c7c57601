//! What a solve reports: [`Results`] (serialised as `results.json`, documented in
//! `docs/formats/results.md`) and the temperature [`Field`] for maps and post-processing.
//! Plain serde data; the computation from a solved system is in `compute`.
//!
//! - Temperatures are cell-centre temperatures of the solid (the fin-array effective medium in a
//!   channel field); means are volume-weighted. A block's mean weights each cell by the covered
//!   area fraction × cell volume; its max is over cells at least half covered (over every
//!   touched cell for a block smaller than half a cell).
//! - `thermal_resistance_c_per_w` = (max_c − reference) / total power; the reference is the
//!   coolant inlet, or with no coolant the lowest ambient among boundaries with h > 0.
//! - `energy_balance_error` = |P_in − (coolant enthalpy rise + Σ boundary heat)| / P_in, every
//!   term computed from the solved temperatures (the enthalpy rise from the outlet fluid
//!   temperatures, the boundary heat from the face conductances); `null` when P_in = 0.
//!   A transient run replaces it with the run's balance.
//! - `transient` is `null` in a steady run. A transient run fills it with [`TransientResult`]:
//!   `{"times_s": [...], "probes": {"<block>": {"max_c": [...], "mean_c": [...]}}, ...}` with
//!   one value per step, at the END of the step; probes keep the order of
//!   `[transient].probes`. Two more series: `power_w` (total block power during each step) and
//!   `heat_out_w` (coolant + boundary heat at the end of each step).

use std::fmt::Write as _;

use serde::de::{MapAccess, Visitor};
use serde::ser::SerializeMap;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

mod budget;
mod compute;
pub mod field;
pub mod hydraulics;
pub mod warnings;

pub(crate) use compute::{block_max_mean_c, compute, heat_out_w, RunInfo};
pub use field::{BlockOutline, Field, FieldInfo};
pub use hydraulics::HydraulicsResult;
pub use warnings::Warning;

/// One block's temperatures.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BlockResult {
    /// Block name.
    pub name: String,
    /// Name of its layer.
    pub layer: String,
    /// Its power, W (the final step's in a transient run).
    pub power_w: f64,
    /// Hottest cell at least half covered by the block, °C.
    pub max_c: f64,
    /// Coverage- and volume-weighted mean, °C.
    pub mean_c: f64,
    /// Its temperature limit, °C, if the design gives one.
    pub limit_c: Option<f64>,
    /// `limit_c − max_c`, K (negative: over the limit).
    pub margin_c: Option<f64>,
    /// Leakage power at the converged mean temperature, W; absent for a block without
    /// leakage.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub leakage_w: Option<f64>,
    /// `power_w + leakage_w`, the power the block dissipates, W; absent without leakage.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total_power_w: Option<f64>,
    /// The temperature drop from the block's hottest cell down to the coolant inlet (or the
    /// ambient), layer by layer; present for powered blocks of a steady solve.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub budget: Option<Budget>,
}

impl BlockResult {
    /// True for a memory stack: the block's name contains `hbm` (any case). Summaries report
    /// the hottest die and the hottest HBM separately, since their limits differ.
    pub fn is_hbm(&self) -> bool {
        self.name.to_ascii_lowercase().contains("hbm")
    }

    /// The power the block dissipates, W: `total_power_w` with leakage, else `power_w`.
    pub fn heat_w(&self) -> f64 {
        self.total_power_w.unwrap_or(self.power_w)
    }
}

/// A block's ΔT budget: `hotspot_c − reference_c` split into drops along the vertical path
/// from the block's hottest cell to the heat sink, which sum to `total_k` by construction.
///
/// Every term is a difference of temperatures of the solved field along the column of the
/// hottest cell: the hottest cell's centre, the layer interfaces (the flux-continuous face
/// temperature of the finite-volume scheme, (T₁/r₁ + T₂/r₂)/(1/r₁ + 1/r₂) with r the half-cell
/// z resistances), then the fin-root (wall) node of the channel layer, the coolant in that
/// column, and the inlet. Without coolant the path ends at the outer face (top or bottom, the
/// one removing more heat) with a `convection` term to its ambient.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Budget {
    /// Temperature of the block's hottest cell, °C (the block's `max_c`).
    pub hotspot_c: f64,
    /// What the path ends at: `coolant inlet`, `top ambient` or `bottom ambient`.
    pub reference: String,
    /// Its temperature, °C.
    pub reference_c: f64,
    /// `hotspot_c − reference_c`, K.
    pub total_k: f64,
    /// The drops from the hottest cell to the reference, in path order.
    pub terms: Vec<BudgetTerm>,
}

/// One drop of a [`Budget`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BudgetTerm {
    /// A layer name (conduction across it along the path), `convection` (wall to local
    /// coolant, or outer face to ambient), `coolant rise` (local coolant to its field's
    /// inlet) or `upstream fields` (a series field's inlet to the loop inlet: the rise in the
    /// fields before it).
    pub name: String,
    /// Temperature drop, K.
    pub drop_k: f64,
}

/// How a steady solve with leakage power converged (or did not).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LeakageResult {
    /// Outer iterations (linear solves with updated powers).
    pub iterations: usize,
    /// Largest relative change |P(T) − P| / P of a block's power in the last iteration.
    pub power_change: f64,
    /// True when no steady state exists (thermal runaway): the figures are those of the last
    /// stable iterate.
    pub runaway: bool,
    /// The block that ran away.
    #[serde(default)]
    pub runaway_block: Option<String>,
}

/// One layer's temperature range.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LayerResult {
    /// Layer name.
    pub name: String,
    /// z cells the layer was split into (its `cells`, or the default grading's count).
    #[serde(default)]
    pub z_cells: usize,
    /// Hottest cell, °C.
    pub max_c: f64,
    /// Volume-weighted mean, °C.
    pub mean_c: f64,
    /// Coldest cell, °C.
    pub min_c: f64,
}

/// The coolant loop's figures.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CoolantResult {
    /// Inlet temperature, °C.
    pub inlet_c: f64,
    /// Mixed outlet temperature (ṁc_p-weighted over the outlet cells), °C.
    pub outlet_c: f64,
    /// Total flow, L/min (with a pump curve: its operating flow).
    pub flow_lpm: f64,
    /// Enthalpy rise of the coolant, W.
    pub heat_absorbed_w: f64,
    /// Supply → return pressure drop of the loop, kPa (the channel fields' common drop
    /// without `[[coolant.links]]`).
    pub pressure_drop_kpa: f64,
}

/// Heat leaving through the convective boundaries, W (negative: entering).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BoundaryHeat {
    /// Through the top face, W.
    pub top: f64,
    /// Through the bottom face, W.
    pub bottom: f64,
    /// Through the four sides, W.
    pub sides: f64,
    /// Per `[[boundary.patches]]` entry, in design order (their heat is part of `top` or
    /// `bottom` too); absent without patches.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub patches: Vec<PatchHeat>,
}

/// Heat through one `[[boundary.patches]]` entry.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PatchHeat {
    /// `"top"` or `"bottom"`.
    pub face: String,
    /// Heat leaving through the patch, W (negative: entering).
    pub heat_w: f64,
    /// Area-mean temperature of the patch's surface, °C: ambient + heat / Σ(h·A). For a
    /// patch given as `r_k_w` this is ambient + heat · R exactly.
    pub mean_surface_c: f64,
}

/// What the solve cost.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SolverStats {
    /// Solid cells of the grid.
    pub cells: usize,
    /// Unknowns: solid cells plus active coolant cells.
    pub unknowns: usize,
    /// Multigrid cycles to convergence (summed over the steps of a transient run).
    pub iterations: usize,
    /// Final relative residual (the largest of any step in a transient run).
    pub relative_residual: f64,
    /// Wall-clock time, s.
    pub wall_s: f64,
    /// Threads the solve ran on.
    pub threads: usize,
    /// Richardson estimate of the z-discretisation error in `max_c`, K (`max_c` minus the
    /// z-converged value; positive: the grid reads hot): (max_c on a grid with every layer's
    /// z cells merged in pairs − max_c) / 3, for the scheme's second order. `None` unless the
    /// solve was asked to check its grid ([`SolveOptions::check_grid`](crate::SolveOptions)).
    #[serde(default)]
    pub grid_error_estimate_c: Option<f64>,
    /// Assemble-and-solve rounds of the coolant-property fixed point of a steady solve
    /// (summed over the outer iterations of a leakage solve): 1 without coolant or with a
    /// constant-property fluid. `None` in a transient run, whose properties are fixed at the
    /// mean coolant temperature.
    #[serde(default)]
    pub property_iterations: Option<usize>,
    /// Newton iterations of the coolant loop network, summed over the property rounds (and
    /// the outer iterations of a leakage solve); `None` without coolant or in a transient
    /// run.
    #[serde(default)]
    pub newton_iterations: Option<usize>,
}

/// The steady-state results, serialised as `results.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Results {
    /// Design name.
    pub design: String,
    /// Total block power, W (with leakage: the converged total, leakage included).
    pub total_power_w: f64,
    /// Hottest solid cell, °C.
    pub max_c: f64,
    /// (max_c − reference) / total power, K/W; `None` without power.
    pub thermal_resistance_c_per_w: Option<f64>,
    /// Per block, in design order.
    pub blocks: Vec<BlockResult>,
    /// Per layer, bottom to top.
    pub layers: Vec<LayerResult>,
    /// The coolant loop; `None` without channel fields.
    pub coolant: Option<CoolantResult>,
    /// Heat through the convective boundaries.
    pub boundary_heat_w: BoundaryHeat,
    /// Relative energy imbalance (see the module doc); `None` without power.
    pub energy_balance_error: Option<f64>,
    /// What the solve cost.
    pub solver: SolverStats,
    /// Probe time series of a transient run; `null` in a steady run.
    #[serde(default)]
    pub transient: Option<TransientResult>,
    /// The leakage fixed point; absent for a design without leakage.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub leakage: Option<LeakageResult>,
    /// The solved coolant loop (`docs/formats/results.md`, "hydraulics"); absent without
    /// channel fields.
    /// Read leniently: a `hydraulics` object of another shape (another version's) reads as
    /// `None` rather than failing the whole file.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "lenient_hydraulics"
    )]
    pub hydraulics: Option<HydraulicsResult>,
    /// Plausibility warnings (Reynolds range, velocity, flow per kW, boiling, block limits,
    /// unit slips), in [`warnings`] order; empty when nothing looks off.
    #[serde(default)]
    pub warnings: Vec<Warning>,
}

impl Results {
    /// The blocks whose hottest cell is above their `limit_c` (`margin_c` < 0), in design order.
    pub fn blocks_over_limit(&self) -> Vec<&BlockResult> {
        self.blocks
            .iter()
            .filter(|b| b.margin_c.is_some_and(|m| m < 0.0))
            .collect()
    }
}

impl Results {
    /// The hottest powered block that is not HBM (see [`BlockResult::is_hbm`]).
    pub fn hottest_die(&self) -> Option<&BlockResult> {
        self.hottest(|b| !b.is_hbm())
    }

    /// The hottest powered HBM block (see [`BlockResult::is_hbm`]).
    pub fn hottest_hbm(&self) -> Option<&BlockResult> {
        self.hottest(BlockResult::is_hbm)
    }

    /// The hottest block with power > 0 among those `pick` accepts.
    fn hottest(&self, pick: impl Fn(&BlockResult) -> bool) -> Option<&BlockResult> {
        self.blocks
            .iter()
            .filter(|b| b.heat_w() > 0.0 && pick(b))
            .max_by(|a, b| a.max_c.total_cmp(&b.max_c))
    }
}

/// One probed block: its max and mean temperature at the end of each step, °C.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProbeSeries {
    /// Block name (the key of the `probes` map in JSON).
    #[serde(skip)]
    pub name: String,
    /// Block max at the end of each step, °C.
    pub max_c: Vec<f64>,
    /// Block mean at the end of each step, °C.
    pub mean_c: Vec<f64>,
}

impl ProbeSeries {
    /// (peak max_c, time of the peak) over the run, or `None` for an empty series.
    pub fn peak(&self, times_s: &[f64]) -> Option<(f64, f64)> {
        self.max_c
            .iter()
            .zip(times_s)
            .fold(None, |best: Option<(f64, f64)>, (&t, &s)| match best {
                Some((b, _)) if b >= t => best,
                _ => Some((t, s)),
            })
    }
}

/// The `transient` field of `results.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TransientResult {
    /// End time of each step, s.
    pub times_s: Vec<f64>,
    /// Block name → series, in probe order.
    #[serde(serialize_with = "ser_probes", deserialize_with = "de_probes")]
    pub probes: Vec<ProbeSeries>,
    /// Total block power during each step (its time average over the step), W.
    #[serde(default)]
    pub power_w: Vec<f64>,
    /// Heat leaving through the coolant and the boundaries at the end of each step, W.
    #[serde(default)]
    pub heat_out_w: Vec<f64>,
}

/// `hydraulics` as written by this version, else `None` (see [`Results::hydraulics`]).
fn lenient_hydraulics<'de, D: Deserializer<'de>>(
    d: D,
) -> Result<Option<HydraulicsResult>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Lenient {
        Known(Box<HydraulicsResult>),
        Other(serde::de::IgnoredAny),
    }
    Ok(match Lenient::deserialize(d)? {
        Lenient::Known(h) => Some(*h),
        Lenient::Other(_) => None,
    })
}

fn ser_probes<S: Serializer>(probes: &[ProbeSeries], s: S) -> Result<S::Ok, S::Error> {
    let mut m = s.serialize_map(Some(probes.len()))?;
    for p in probes {
        m.serialize_entry(&p.name, p)?;
    }
    m.end()
}

fn de_probes<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<ProbeSeries>, D::Error> {
    struct V;
    impl<'de> Visitor<'de> for V {
        type Value = Vec<ProbeSeries>;
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("a map of block name to {max_c, mean_c}")
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
            let mut out = Vec::new();
            while let Some((name, mut p)) = map.next_entry::<String, ProbeSeries>()? {
                p.name = name;
                out.push(p);
            }
            Ok(out)
        }
    }
    d.deserialize_map(V)
}

/// `probes.csv`: `time_s,<block>_max_c,<block>_mean_c,…`, one row per step (end of step).
pub fn probes_csv(tr: &TransientResult) -> String {
    let mut s = String::from("time_s");
    for p in &tr.probes {
        let _ = write!(s, ",{0}_max_c,{0}_mean_c", p.name);
    }
    s.push('\n');
    for (n, t) in tr.times_s.iter().enumerate() {
        let _ = write!(s, "{t}");
        for p in &tr.probes {
            let _ = write!(s, ",{:.4},{:.4}", p.max_c[n], p.mean_c[n]);
        }
        s.push('\n');
    }
    s
}

/// `v` rounded to 12 significant digits (so 3 × 0.1 s prints as 0.3).
pub(crate) fn round_sig(v: f64) -> f64 {
    format!("{v:.11e}").parse().unwrap_or(v)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn sample() -> TransientResult {
        let p = |name: &str, max_c: Vec<f64>| ProbeSeries {
            name: name.into(),
            mean_c: max_c.iter().map(|t| t - 1.0).collect(),
            max_c,
        };
        TransientResult {
            times_s: vec![0.1, 0.2, 0.3],
            probes: vec![
                p("z_die", vec![50.0, 60.0, 55.0]),
                p("a_hbm", vec![40.0; 3]),
            ],
            power_w: vec![1.0; 3],
            heat_out_w: vec![0.5; 3],
        }
    }

    #[test]
    fn probes_keep_their_order_through_json() {
        let tr = sample();
        let json = serde_json::to_string(&tr).unwrap();
        assert!(json.find("z_die").unwrap() < json.find("a_hbm").unwrap());
        let back: TransientResult = serde_json::from_str(&json).unwrap();
        assert_eq!(back, tr);
    }

    #[test]
    fn csv_header_and_peak() {
        let tr = sample();
        let csv = probes_csv(&tr);
        let mut lines = csv.lines();
        assert_eq!(
            lines.next().unwrap(),
            "time_s,z_die_max_c,z_die_mean_c,a_hbm_max_c,a_hbm_mean_c"
        );
        assert_eq!(lines.count(), 3);
        assert_eq!(tr.probes[0].peak(&tr.times_s), Some((60.0, 0.2)));
        assert_eq!(round_sig(3.0 * 0.1), 0.3);
    }
}
