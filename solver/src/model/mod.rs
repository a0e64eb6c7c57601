//! The validated, typed thermal model of a package or tray: layers, blocks, channel fields,
//! coolant, boundaries and an optional transient run. Lengths are mm, powers W, temperatures °C.
//!
//! [`crate::design`] parses `design.toml` (documented in `docs/formats/design.md`),
//! validates it and resolves every material and fluid name into the values below. Nothing
//! downstream of this module ever sees a raw string reference or an unchecked number: every
//! length is finite and positive where it must be, every block lies inside the domain and in
//! an existing layer, and materials carry their conductivities.

pub mod materials;
mod z_cells;

pub use z_cells::{ZGrading, DEFAULT_Z_GRADING};

use std::path::PathBuf;

/// A solid material with (possibly anisotropic) conductivity.
#[derive(Debug, Clone, PartialEq)]
pub struct Material {
    /// Name as the design refers to it (`copper`, or a `[[materials]]` entry).
    pub name: String,
    /// In-plane conductivity, W/(m·K).
    pub k_xy: f64,
    /// Through-plane conductivity, W/(m·K).
    pub k_z: f64,
    /// Density, kg/m³ (needed only for transient runs).
    pub density_kg_m3: Option<f64>,
    /// Specific heat, J/(kg·K) (needed only for transient runs).
    pub cp_j_kgk: Option<f64>,
}

/// Thermophysical properties of a liquid at one temperature.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FluidProps {
    /// Density, kg/m³.
    pub density_kg_m3: f64,
    /// Specific heat, J/(kg·K).
    pub cp_j_kgk: f64,
    /// Thermal conductivity, W/(m·K).
    pub k: f64,
    /// Dynamic viscosity, Pa·s.
    pub viscosity_pa_s: f64,
}

/// A coolant: either a built-in table in temperature or fixed user-given properties.
#[derive(Debug, Clone, PartialEq)]
pub struct Fluid {
    /// Name (`water`, `pg25`, or `custom` for user-given properties).
    pub name: String,
    /// Property table rows `(t_c, props)`, ascending in `t_c`; one row = constant properties.
    pub table: Vec<(f64, FluidProps)>,
}

impl Fluid {
    /// The temperature range of the table, °C; `None` for constant properties (one row),
    /// which hold at any temperature.
    pub fn range_c(&self) -> Option<(f64, f64)> {
        match (self.table.first(), self.table.last()) {
            (Some(a), Some(b)) if self.table.len() > 1 => Some((a.0, b.0)),
            _ => None,
        }
    }

    /// Properties at `t_c`: density, c_p and k interpolated linearly, the viscosity
    /// log-linearly (ln μ is nearly linear in T while μ itself falls by a factor of 3–20 over
    /// a table), clamped at the table ends. The solver never uses a clamped value: a coolant
    /// that leaves its table is an error (`run`), so the clamp only keeps a guess defined.
    pub fn props_at(&self, t_c: f64) -> FluidProps {
        let t = &self.table;
        if t.len() == 1 || t_c <= t[0].0 {
            return t[0].1;
        }
        for w in t.windows(2) {
            let (t0, p0) = w[0];
            let (t1, p1) = w[1];
            if t_c <= t1 {
                let s = (t_c - t0) / (t1 - t0);
                let lerp = |a: f64, b: f64| a + s * (b - a);
                return FluidProps {
                    density_kg_m3: lerp(p0.density_kg_m3, p1.density_kg_m3),
                    cp_j_kgk: lerp(p0.cp_j_kgk, p1.cp_j_kgk),
                    k: lerp(p0.k, p1.k),
                    viscosity_pa_s: p0.viscosity_pa_s
                        * (p1.viscosity_pa_s / p0.viscosity_pa_s).powf(s),
                };
            }
        }
        t[t.len() - 1].1
    }

    /// Specific enthalpy relative to the first row, J/kg: the exact integral of the
    /// piecewise-linear c_p of [`Fluid::props_at`] (a piecewise quadratic), continued with the
    /// end rows' c_p outside the table.
    pub fn enthalpy_j_kg(&self, t_c: f64) -> f64 {
        let t = &self.table;
        let t0 = t[0].0;
        if t.len() == 1 || t_c <= t0 {
            return t[0].1.cp_j_kgk * (t_c - t0);
        }
        let mut h = 0.0;
        for w in t.windows(2) {
            let ((ta, pa), (tb, pb)) = (w[0], w[1]);
            let end = t_c.min(tb);
            // Trapezoid of the linear c_p from ta to `end`: exact.
            let cp_end = pa.cp_j_kgk + (pb.cp_j_kgk - pa.cp_j_kgk) * (end - ta) / (tb - ta);
            h += 0.5 * (pa.cp_j_kgk + cp_end) * (end - ta);
            if t_c <= tb {
                return h;
            }
        }
        let (tl, pl) = t[t.len() - 1];
        h + pl.cp_j_kgk * (t_c - tl)
    }

    /// Mean specific heat between `t1_c` and `t2_c`, (h(t2) − h(t1)) / (t2 − t1), J/(kg·K):
    /// the c_p that makes ṁ·c̄_p·ΔT the exact enthalpy change (c_p at the midpoint when the two
    /// temperatures coincide, its limit).
    pub fn mean_cp_j_kgk(&self, t1_c: f64, t2_c: f64) -> f64 {
        let dt = t2_c - t1_c;
        if dt.abs() < 1e-6 {
            return self.props_at(0.5 * (t1_c + t2_c)).cp_j_kgk;
        }
        (self.enthalpy_j_kg(t2_c) - self.enthalpy_j_kg(t1_c)) / dt
    }
}

/// Flow direction of a channel field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FlowDirection {
    /// Along +x (`"+x"`): the inlet is the field's low-x edge.
    PlusX,
    /// Along −x (`"-x"`).
    MinusX,
    /// Along +y (`"+y"`).
    PlusY,
    /// Along −y (`"-y"`).
    MinusY,
}

/// Where the fins of a channel field are joined to the solid (`fin_root` in the design).
///
/// The model of each is in `docs/physics.md` ("Fin roots"): `Bottom` and `Top` are
/// single-ended fins (adiabatic tip) hanging from the layer below or above, `Both` fins bonded
/// to both layers (walls), conducting between them and convecting to the coolant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum FinRoot {
    /// Fins stand on the layer below (`"bottom"`, the default); the ceiling exchanges no heat
    /// with the coolant.
    #[default]
    Bottom,
    /// Fins hang from the layer above (`"top"`); the floor exchanges no heat with the coolant.
    Top,
    /// Fins joined to the layers below and above (`"both"`); floor, ceiling and both fin faces
    /// exchange heat with the coolant.
    Both,
}

/// A field of straight parallel channels (skived or micro-channel fins) in a coolant layer.
#[derive(Debug, Clone, PartialEq)]
pub struct Channels {
    /// Unique name of the field across the design (`name`, or by default the layer's name,
    /// with `_0`, `_1`, … appended when the layer has several fields). Coolant links refer to
    /// fields by it.
    pub name: String,
    /// Lower-left corner of the field in plan, x, mm.
    pub x_mm: f64,
    /// Lower-left corner of the field in plan, y, mm.
    pub y_mm: f64,
    /// Extent along x, mm.
    pub width_mm: f64,
    /// Extent along y, mm.
    pub depth_mm: f64,
    /// Flow direction; the fins run along it.
    pub direction: FlowDirection,
    /// Fin thickness t_f, mm.
    pub fin_thickness_mm: f64,
    /// Channel (gap) width w_c, mm; the pitch is w_c + t_f.
    pub channel_width_mm: f64,
    /// Material of the fins (default: the layer's fill).
    pub fin_material: Material,
    /// User override of the wall heat-transfer coefficient, W/(m²·K).
    pub h_w_m2k: Option<f64>,
    /// User override of the channel field's pressure drop, kPa.
    pub pressure_drop_kpa: Option<f64>,
    /// Loss coefficient of the field's inlet and outlet plenums together, referred to the
    /// channel velocity; `None`: the sharp-edged contraction and expansion at the fins'
    /// open-area ratio ([`crate::assembly::coolant::plenum_k`]).
    pub plenum_k: Option<f64>,
    /// Which layers the fins are joined to. All fields of one layer share it (validated).
    pub fin_root: FinRoot,
}

/// One layer of the stack, bottom (index 0) to top.
#[derive(Debug, Clone, PartialEq)]
pub struct Layer {
    /// Unique layer name.
    pub name: String,
    /// Thickness, mm.
    pub thickness_mm: f64,
    /// Fill material wherever no block (and no channel field) is placed.
    pub material: Material,
    /// Number of equal z sub-cells (≥ 1) the design asks for; `None` lets the solver choose
    /// graded cells that converge the solution in z ([`Design::layer_z_cells_mm`]). A channel
    /// layer is always one z cell (two equal ones for [`FinRoot::Both`]), whatever this says.
    pub cells: Option<usize>,
    /// Channel fields of this layer; non-empty makes it a coolant layer. Fields in one layer
    /// never overlap each other or any block of the layer (validated). A tray has several
    /// (one per package) in one cold-plate layer, all fed in parallel by `Design::coolant`.
    pub channels: Vec<Channels>,
}

impl Layer {
    /// True when the layer holds at least one channel field.
    pub fn is_coolant(&self) -> bool {
        !self.channels.is_empty()
    }

    /// True when the layer's fill is [`materials::VOID`]: no cells where no block is placed
    /// (an overhanging spreader, a package narrower than the domain); faces against the void
    /// are adiabatic.
    pub fn is_void(&self) -> bool {
        self.material.name == materials::VOID
    }
}

/// A rectangular block in one layer that overrides the layer's material and may carry power.
#[derive(Debug, Clone, PartialEq)]
pub struct Block {
    /// Unique block name (results and probes use it).
    pub name: String,
    /// Index into `Design::layers`.
    pub layer: usize,
    /// Lower-left corner in plan, x, mm.
    pub x_mm: f64,
    /// Lower-left corner in plan, y, mm.
    pub y_mm: f64,
    /// Extent along x, mm.
    pub width_mm: f64,
    /// Extent along y, mm.
    pub depth_mm: f64,
    /// The block's material (it replaces the layer's fill).
    pub material: Material,
    /// Power spread uniformly over the block's volume, W.
    pub power_w: f64,
    /// Temperature limit, °C; results report the margin to it.
    pub limit_c: Option<f64>,
    /// Temperature-dependent leakage power added to `power_w`; `None`: the power is fixed.
    pub leakage: Option<Leakage>,
}

/// Leakage (static) power that grows exponentially with temperature: a block dissipates
/// P(T) = power_w + leakage_w · 2^((T − ref_c) / doubling_k) at its volume-weighted mean
/// temperature T. Subthreshold leakage of CMOS roughly doubles every 20–30 K, so the total
/// power and the temperature must be solved together (a fixed point, or none: runaway).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Leakage {
    /// Leakage power at `ref_c`, W.
    pub leakage_w: f64,
    /// Temperature at which the leakage is `leakage_w`, °C.
    pub ref_c: f64,
    /// Temperature rise over which the leakage doubles, K.
    pub doubling_k: f64,
}

impl Leakage {
    /// Leakage power at the block mean temperature `t_c`, W.
    pub fn power_w(&self, t_c: f64) -> f64 {
        self.leakage_w * ((t_c - self.ref_c) / self.doubling_k).exp2()
    }

    /// dP/dT at `t_c`, W/K.
    pub fn slope_w_per_k(&self, t_c: f64) -> f64 {
        self.power_w(t_c) * std::f64::consts::LN_2 / self.doubling_k
    }
}

/// The coolant loop feeding every channel field: the thermal solve takes every field's flow
/// and inlet from the loop network of `links` ([`crate::hydraulics`]; every field in parallel
/// without links).
#[derive(Debug, Clone, PartialEq)]
pub struct Coolant {
    /// The liquid and its properties.
    pub fluid: Fluid,
    /// Inlet temperature, °C.
    pub inlet_c: f64,
    /// Total volume flow through all fields, L/min, at the inlet temperature (the mass flow is
    /// ρ(inlet) × this).
    pub flow_lpm: f64,
    /// Absolute pressure of the loop, kPa: sets the boiling point (default 101.325 kPa).
    pub pressure_kpa: f64,
    /// A pump curve `(flow_lpm, head_kpa)` driving the loop instead of a fixed flow, flows
    /// ascending and heads descending; `flow_lpm` is then NaN (the solve finds the operating
    /// point).
    pub pump_curve: Option<Vec<(f64, f64)>>,
    /// The loop's links (`[[coolant.links]]`), in file order; empty: every field in parallel
    /// between supply and return.
    pub links: Vec<CoolantLink>,
    /// Channel fields (by name) that get a balancing orifice each, sized so they all carry
    /// the same flow at the operating point (`[coolant] balance`; empty: none).
    pub balance: Vec<String>,
    /// Discharge coefficient of the balancing orifices (`balance_cd`, default
    /// [`crate::hydraulics::DEFAULT_BALANCE_CD`]).
    pub balance_cd: f64,
}

impl Coolant {
    /// Boiling point of the coolant at the loop pressure, °C; `None` for a custom fluid, whose
    /// boiling point is unknown.
    pub fn boiling_c(&self) -> Option<f64> {
        materials::builtin_fluid_boiling_c_at(&self.fluid.name, self.pressure_kpa)
    }
}

/// One link of the coolant loop: a hydraulic element between two nodes. Nodes are names;
/// `supply` and `return` are the loop's ends (the pump's outlet and inlet).
#[derive(Debug, Clone, PartialEq)]
pub struct CoolantLink {
    /// Unique link name.
    pub name: String,
    /// Upstream node (the intended flow runs `from` → `to`; the solver allows reverse flow).
    pub from: String,
    /// Downstream node.
    pub to: String,
    /// What the link is, with its dimensions.
    pub kind: CoolantLinkKind,
}

/// The hydraulic element of a [`CoolantLink`], in the design's units (validated: every
/// dimension finite and > 0).
#[derive(Debug, Clone, PartialEq)]
pub enum CoolantLinkKind {
    /// A channel field, by its [`Channels::name`]; its Δp(Q) comes from the channel model.
    Field {
        /// The field's name.
        field: String,
    },
    /// A straight round pipe (Darcy–Weisbach, Churchill's friction factor).
    Pipe {
        /// Length, mm.
        length_mm: f64,
        /// Inner diameter, mm.
        diameter_mm: f64,
        /// Absolute wall roughness, µm (≥ 0).
        roughness_um: f64,
    },
    /// A fitting with loss coefficient `k` referred to the velocity in `diameter_mm`.
    Minor {
        /// Loss coefficient K (Δp = K·ρv²/2).
        k: f64,
        /// Diameter the velocity is taken in, mm.
        diameter_mm: f64,
    },
    /// A quick-disconnect given by its flow coefficient Cv (US gpm per √psi, water at 60 °F).
    QdCv {
        /// Flow coefficient Cv.
        cv: f64,
    },
    /// A quick-disconnect given by a loss coefficient at a diameter.
    QdK {
        /// Loss coefficient K.
        k: f64,
        /// Diameter the velocity is taken in, mm.
        diameter_mm: f64,
    },
    /// A measured Δp(Q) curve, `(flow_lpm, dp_kpa)` points, both strictly ascending.
    Curve {
        /// The points as given (without the implied origin).
        points_lpm_kpa: Vec<(f64, f64)>,
    },
    /// A sharp orifice plate.
    Orifice {
        /// Bore diameter, mm.
        diameter_mm: f64,
        /// Discharge coefficient.
        cd: f64,
        /// Diameter of the pipe it sits in, mm, for the velocity-of-approach factor.
        pipe_diameter_mm: Option<f64>,
    },
}

/// A convective boundary: heat flux q = h (T_surface − T_ambient).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Convection {
    /// Heat-transfer coefficient, W/(m²·K); 0 is adiabatic.
    pub h_w_m2k: f64,
    /// Ambient temperature, °C.
    pub ambient_c: f64,
}

impl Convection {
    /// No heat crosses the face (h = 0).
    pub const ADIABATIC: Convection = Convection {
        h_w_m2k: 0.0,
        ambient_c: 25.0,
    };
}

/// Outer faces of the domain.
#[derive(Debug, Clone, PartialEq)]
pub struct Boundary {
    /// Top face: of each column's topmost solid cell (the top layer's, without voids).
    pub top: Convection,
    /// Bottom face: of each column's bottommost solid cell.
    pub bottom: Convection,
    /// The four side faces, every layer.
    pub sides: Convection,
    /// Rectangles of the top or bottom face with their own convection; over its rectangle a
    /// patch replaces `top` or `bottom`. Patches on one face never overlap (validated).
    pub patches: Vec<Patch>,
}

/// Which outer face a [`Patch`] lies on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Face {
    /// The top face (`"top"`).
    Top,
    /// The bottom face (`"bottom"`).
    Bottom,
}

/// How strongly a [`Patch`] couples to its ambient.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum PatchCoupling {
    /// A heat-transfer coefficient, W/(m²·K).
    H(f64),
    /// A lumped resistance, K/W, spread evenly over the patch's area on the grid:
    /// h = 1 / (R · A_patch), so the area-mean surface temperature is ambient + P·R.
    R(f64),
}

/// A rectangle of the top or bottom face with its own convection (a heat sink's fin stack
/// given as a lumped resistance, a cold plate under part of a board).
#[derive(Debug, Clone, PartialEq)]
pub struct Patch {
    /// The face it lies on.
    pub face: Face,
    /// Lower-left corner in plan, x, mm.
    pub x_mm: f64,
    /// Lower-left corner in plan, y, mm.
    pub y_mm: f64,
    /// Extent along x, mm.
    pub width_mm: f64,
    /// Extent along y, mm.
    pub depth_mm: f64,
    /// Ambient temperature, °C.
    pub ambient_c: f64,
    /// Heat-transfer coefficient or lumped resistance.
    pub coupling: PatchCoupling,
}

/// Transient settings (implicit stepping); absent means steady state.
#[derive(Debug, Clone, PartialEq)]
pub struct Transient {
    /// Simulated time, s.
    pub duration_s: f64,
    /// Time step, s (the last step is shortened to land on `duration_s`).
    pub dt_s: f64,
    /// Uniform starting temperature of solid and coolant, °C.
    pub initial_c: f64,
    /// Step-wise constant power per block: `times_s[i]` starts row `i`; `powers_w[i][b]` is
    /// the power of block `block_index[b]` from then on.
    pub trace: Option<PowerTrace>,
    /// Indices into `Design::blocks`.
    pub probes: Vec<usize>,
}

/// A parsed and validated power trace CSV.
#[derive(Debug, Clone, PartialEq)]
pub struct PowerTrace {
    /// The CSV file it was read from.
    pub file: PathBuf,
    /// Index into `Design::blocks` of each power column.
    pub block_index: Vec<usize>,
    /// Start time of each row, s: from 0, strictly ascending.
    pub times_s: Vec<f64>,
    /// Per row, the power of each column's block from its start time on, W.
    pub powers_w: Vec<Vec<f64>>,
}

/// A whole validated design.
#[derive(Debug, Clone, PartialEq)]
pub struct Design {
    /// Design name (titles, messages).
    pub name: String,
    /// The file it came from (for messages and relative paths).
    pub source: PathBuf,
    /// Domain extent along x, mm.
    pub width_mm: f64,
    /// Domain extent along y, mm.
    pub depth_mm: f64,
    /// In-plane cell size asked for, mm (the grid rounds the domain to whole cells).
    pub cell_mm: f64,
    /// The stack, bottom (index 0) to top.
    pub layers: Vec<Layer>,
    /// Blocks placed in the layers.
    pub blocks: Vec<Block>,
    /// The coolant loop; present exactly when a layer has channel fields.
    pub coolant: Option<Coolant>,
    /// Convection at the outer faces.
    pub boundary: Boundary,
    /// The transient run; `None` solves to steady state.
    pub transient: Option<Transient>,
}

impl Design {
    /// Total steady power of all blocks, W (without leakage).
    pub fn total_power_w(&self) -> f64 {
        self.blocks.iter().map(|b| b.power_w).sum()
    }

    /// True when some block has temperature-dependent leakage power.
    pub fn has_leakage(&self) -> bool {
        self.blocks.iter().any(|b| b.leakage.is_some())
    }
}
