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
    /// Properties at `t_c`, linearly interpolated in the table and clamped at its ends.
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
                    viscosity_pa_s: lerp(p0.viscosity_pa_s, p1.viscosity_pa_s),
                };
            }
        }
        t[t.len() - 1].1
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
    /// layer is always one z cell, whatever this says.
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

/// The coolant loop feeding every channel field. The thermal solve treats the fields as
/// hydraulically in parallel (it splits the flow so that their pressure drops are equal); the
/// loop network of `links` is validated and solved by [`crate::hydraulics`], not yet by the
/// thermal solve.
#[derive(Debug, Clone, PartialEq)]
pub struct Coolant {
    /// The liquid and its properties.
    pub fluid: Fluid,
    /// Inlet temperature, °C.
    pub inlet_c: f64,
    /// Total volume flow through all fields, L/min (the fixed flow that drives the loop).
    pub flow_lpm: f64,
    /// A pump curve `(flow_lpm, head_kpa)` driving the loop instead of a fixed flow, flows
    /// ascending and heads descending. Validation rejects it for now (the thermal solve
    /// needs `flow_lpm` until the network is coupled to it), so a loaded design has `None`;
    /// it is part of the model for programs that build the network themselves.
    pub pump_curve: Option<Vec<(f64, f64)>>,
    /// The loop's links (`[[coolant.links]]`), in file order; empty: every field in parallel
    /// between supply and return.
    pub links: Vec<CoolantLink>,
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
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Boundary {
    /// Top face of the top layer.
    pub top: Convection,
    /// Bottom face of the bottom layer.
    pub bottom: Convection,
    /// The four side faces, every layer.
    pub sides: Convection,
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
