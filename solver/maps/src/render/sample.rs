//! A synthetic GPU-package field for render tests, benches and documentation images.
//!
//! Not a solution of anything: smooth hot spots over two dies and four HBM stacks, fading up
//! through TIM, lid and cold plate, with coolant warming along +y in the fin layer. It only
//! has to look like a real field so the maps can be judged.

use coldtray_solver::results::{BlockOutline, Field, FieldInfo};

/// Layers (name, thickness mm, z cells) from the bottom.
const LAYERS: [(&str, f64, usize); 6] = [
    ("substrate", 1.6, 2),
    ("die", 0.78, 2),
    ("tim", 0.05, 1),
    ("lid", 2.0, 2),
    ("coldplate_fins", 3.0, 3),
    ("coldplate_base", 1.0, 1),
];

/// A field of `nx × ny` in-plane cells over a 120 × 120 mm package (cell = 120 / nx mm).
pub fn synthetic_field(nx: usize, ny: usize) -> Field {
    let dx_mm = 120.0 / nx as f64;
    let mut z_edges_mm = vec![0.0];
    let mut cell_layer = Vec::new();
    for (l, (_, t, n)) in LAYERS.iter().enumerate() {
        for _ in 0..*n {
            let last = z_edges_mm[z_edges_mm.len() - 1];
            z_edges_mm.push(last + t / *n as f64);
            cell_layer.push(l);
        }
    }
    let nz = cell_layer.len();
    let die = |name: &str, x, y, w, d| BlockOutline {
        name: name.into(),
        layer: 1,
        x_mm: x,
        y_mm: y,
        width_mm: w,
        depth_mm: d,
    };
    let blocks = vec![
        die("gpu_die_0", 31.0, 29.0, 26.0, 31.0),
        die("gpu_die_1", 63.0, 29.0, 26.0, 31.0),
        die("hbm_0", 31.0, 66.0, 11.0, 11.0),
        die("hbm_1", 46.0, 66.0, 11.0, 11.0),
        die("hbm_2", 63.0, 66.0, 11.0, 11.0),
        die("hbm_3", 78.0, 66.0, 11.0, 11.0),
    ];
    // Hot spots: (x, y, peak rise °C, radius mm).
    let spots = [
        (44.0, 44.0, 38.0, 11.0),
        (76.0, 46.0, 34.0, 11.0),
        (36.5, 71.5, 14.0, 6.0),
        (51.5, 71.5, 13.0, 6.0),
        (68.5, 71.5, 13.0, 6.0),
        (83.5, 71.5, 12.0, 6.0),
    ];
    let n = nx * ny * nz;
    let mut solid_c = vec![0.0; n];
    let mut fluid_c = vec![f64::NAN; n];
    let mut material_id = vec![0u16; n];
    let mut power_w_m3 = vec![0.0; n];
    let fins = 4;
    for (k, &l) in cell_layer.iter().enumerate() {
        // Rise fades with height above the dies.
        let fade = [0.8, 1.0, 0.8, 0.55, 0.3, 0.2][l];
        for j in 0..ny {
            let y = (j as f64 + 0.5) * dx_mm;
            let coolant_c = 40.0 + 12.0 * (y / 120.0);
            for i in 0..nx {
                let x = (i as f64 + 0.5) * dx_mm;
                let rise: f64 = spots
                    .iter()
                    .map(|(sx, sy, p, r)| {
                        p * (-((x - sx).powi(2) + (y - sy).powi(2)) / (2.0 * r * r)).exp()
                    })
                    .sum();
                let c = (k * ny + j) * nx + i;
                solid_c[c] = coolant_c + 6.0 + fade * rise;
                material_id[c] = l as u16;
                let in_field = (10.0..110.0).contains(&x) && (10.0..110.0).contains(&y);
                if l == fins && in_field {
                    fluid_c[c] = coolant_c + 0.3 * rise;
                }
                if l == 1 && blocks.iter().any(|b| inside(b, x, y)) {
                    power_w_m3[c] = 1.5e9;
                }
            }
        }
    }
    Field {
        info: FieldInfo {
            design: "VR200 tray, GPU0 cold plate, 2.3 kW (synthetic)".into(),
            total_power_w: 2300.0,
            inlet_c: Some(40.0),
            flow_lpm: Some(2.0),
        },
        nx,
        ny,
        nz,
        dx_mm,
        z_edges_mm,
        cell_layer,
        layer_names: LAYERS.iter().map(|l| l.0.to_string()).collect(),
        solid_c,
        fluid_c,
        material_id,
        material_names: LAYERS.iter().map(|l| format!("{}_material", l.0)).collect(),
        power_w_m3,
        blocks,
    }
}

fn inside(b: &BlockOutline, x: f64, y: f64) -> bool {
    x >= b.x_mm && x < b.x_mm + b.width_mm && y >= b.y_mm && y < b.y_mm + b.depth_mm
}
