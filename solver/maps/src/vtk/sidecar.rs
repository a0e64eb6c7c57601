//! `field.json`: the metadata that goes with `field.vtr` (names, outlines, z edges, info).

use serde::{Deserialize, Serialize};

use coldtray_solver::results::{BlockOutline, Field, FieldInfo};

/// Format tag checked on reading.
const FORMAT: &str = "coldtray-field/1";

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Sidecar {
    format: String,
    design: String,
    total_power_w: f64,
    inlet_c: Option<f64>,
    flow_lpm: Option<f64>,
    nx: usize,
    ny: usize,
    nz: usize,
    dx_mm: f64,
    z_edges_mm: Vec<f64>,
    cell_layer: Vec<usize>,
    layer_names: Vec<String>,
    material_names: Vec<String>,
    blocks: Vec<Block>,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Block {
    name: String,
    layer: usize,
    x_mm: f64,
    y_mm: f64,
    width_mm: f64,
    depth_mm: f64,
}

/// The sidecar of `field` (pretty JSON; serde_json prints f64 exactly).
pub fn to_json(field: &Field) -> serde_json::Result<String> {
    let s = Sidecar {
        format: FORMAT.into(),
        design: field.info.design.clone(),
        total_power_w: field.info.total_power_w,
        inlet_c: field.info.inlet_c,
        flow_lpm: field.info.flow_lpm,
        nx: field.nx,
        ny: field.ny,
        nz: field.nz,
        dx_mm: field.dx_mm,
        z_edges_mm: field.z_edges_mm.clone(),
        cell_layer: field.cell_layer.clone(),
        layer_names: field.layer_names.clone(),
        material_names: field.material_names.clone(),
        blocks: field
            .blocks
            .iter()
            .map(|b| Block {
                name: b.name.clone(),
                layer: b.layer,
                x_mm: b.x_mm,
                y_mm: b.y_mm,
                width_mm: b.width_mm,
                depth_mm: b.depth_mm,
            })
            .collect(),
    };
    serde_json::to_string_pretty(&s)
}

/// A `Field` with the sidecar's geometry and empty cell arrays (filled from the `.vtr`).
pub fn from_json(text: &str) -> Result<Field, String> {
    let s: Sidecar = serde_json::from_str(text).map_err(|e| format!("invalid JSON: {e}"))?;
    if s.format != FORMAT {
        return Err(format!("format is \"{}\", expected \"{FORMAT}\"", s.format));
    }
    if s.nx == 0 || s.ny == 0 || s.nz == 0 || s.dx_mm.is_nan() || s.dx_mm <= 0.0 {
        return Err("nx, ny, nz and dx_mm must be positive".into());
    }
    if s.z_edges_mm.len() != s.nz + 1 || s.cell_layer.len() != s.nz {
        return Err(format!(
            "z_edges_mm needs nz + 1 = {} values and cell_layer nz = {}",
            s.nz + 1,
            s.nz
        ));
    }
    let n_layers = s.layer_names.len();
    if s.cell_layer.iter().any(|&l| l >= n_layers) || s.blocks.iter().any(|b| b.layer >= n_layers) {
        return Err(format!(
            "a layer index is not below the {n_layers} layer names"
        ));
    }
    Ok(Field {
        info: FieldInfo {
            design: s.design,
            total_power_w: s.total_power_w,
            inlet_c: s.inlet_c,
            flow_lpm: s.flow_lpm,
        },
        nx: s.nx,
        ny: s.ny,
        nz: s.nz,
        dx_mm: s.dx_mm,
        z_edges_mm: s.z_edges_mm,
        cell_layer: s.cell_layer,
        layer_names: s.layer_names,
        solid_c: Vec::new(),
        fluid_c: Vec::new(),
        material_id: Vec::new(),
        material_names: s.material_names,
        power_w_m3: Vec::new(),
        blocks: s
            .blocks
            .into_iter()
            .map(|b| BlockOutline {
                name: b.name,
                layer: b.layer,
                x_mm: b.x_mm,
                y_mm: b.y_mm,
                width_mm: b.width_mm,
                depth_mm: b.depth_mm,
            })
            .collect(),
    })
}
