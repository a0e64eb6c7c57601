//! Physics against analytic solutions and conservation. The builders make designs in code
//! (analytic tests need exact, simple geometries).

mod bonded_fins;
mod budget;
mod coolant;
mod coolant_props;
mod leakage;
mod one_d;
mod plausibility;
mod sides;
mod spreading;
mod symmetry;
mod transient;
mod validation_3dice;
mod void_patches;
mod z_cells;

use std::path::PathBuf;

use coldtray_solver::model::{
    Block, Boundary, Channels, Convection, Coolant, Design, FlowDirection, Fluid, FluidProps,
    Layer, Material,
};

pub(crate) fn mat(name: &str, k_xy: f64, k_z: f64) -> Material {
    Material {
        name: name.into(),
        k_xy,
        k_z,
        density_kg_m3: None,
        cp_j_kgk: None,
    }
}

pub(crate) fn layer(name: &str, thickness_mm: f64, material: Material, cells: usize) -> Layer {
    Layer {
        name: name.into(),
        thickness_mm,
        material,
        cells: Some(cells),
        channels: vec![],
    }
}

#[allow(clippy::too_many_arguments)]
pub(crate) fn block(
    name: &str,
    layer: usize,
    x: f64,
    y: f64,
    w: f64,
    d: f64,
    material: Material,
    power_w: f64,
) -> Block {
    Block {
        name: name.into(),
        layer,
        x_mm: x,
        y_mm: y,
        width_mm: w,
        depth_mm: d,
        material,
        power_w,
        limit_c: None,
        leakage: None,
    }
}

pub(crate) fn design(
    width_mm: f64,
    depth_mm: f64,
    cell_mm: f64,
    layers: Vec<Layer>,
    blocks: Vec<Block>,
) -> Design {
    Design {
        name: "test".into(),
        source: PathBuf::from("test.toml"),
        width_mm,
        depth_mm,
        cell_mm,
        layers,
        blocks,
        coolant: None,
        boundary: Boundary {
            top: Convection::ADIABATIC,
            bottom: Convection::ADIABATIC,
            sides: Convection::ADIABATIC,
            patches: Vec::new(),
        },
        transient: None,
    }
}

/// A constant-property coolant (one table row), so tests can compute ṁ·c_p themselves.
pub(crate) fn coolant(inlet_c: f64, flow_lpm: f64, props: FluidProps) -> Coolant {
    Coolant {
        fluid: Fluid {
            name: "const".into(),
            table: vec![(20.0, props)],
        },
        inlet_c,
        flow_lpm,
        pressure_kpa: 101.325,
        pump_curve: None,
        links: Vec::new(),
        balance: Vec::new(),
        balance_cd: 0.61,
    }
}

pub(crate) const WATERISH: FluidProps = FluidProps {
    density_kg_m3: 1000.0,
    cp_j_kgk: 4000.0,
    k: 0.6,
    viscosity_pa_s: 1e-3,
};

#[allow(clippy::too_many_arguments)]
pub(crate) fn channels(
    x: f64,
    y: f64,
    w: f64,
    d: f64,
    dir: FlowDirection,
    fin_mm: f64,
    gap_mm: f64,
    h: Option<f64>,
) -> Channels {
    Channels {
        name: format!("field_{x}_{y}"),
        x_mm: x,
        y_mm: y,
        width_mm: w,
        depth_mm: d,
        direction: dir,
        fin_thickness_mm: fin_mm,
        channel_width_mm: gap_mm,
        fin_material: mat("copper", 385.0, 385.0),
        h_w_m2k: h,
        pressure_drop_kpa: None,
        plenum_k: None,
        fin_root: coldtray_solver::model::FinRoot::Bottom,
    }
}
