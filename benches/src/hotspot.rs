//! A HotSpot-sized case built in code: a 16 × 16 mm die with a floorplan of 30 blocks (40 W),
//! under the HotSpot default package: silicon 0.15 mm, TIM 0.02 mm, copper spreader 1 mm,
//! copper sink 6.9 mm, and a convective top equal to HotSpot's `r_convec` = 0.1 K/W.
//!
//! Conductivities are HotSpot's defaults (`hotspot.config`): k_chip 100, k_interface 4,
//! k_spreader and k_sink 400 W/(m·K).
//!
//! The domain is rectangular with uniform layers, so the spreader and sink are as wide as the
//! die (HotSpot's are 30 and 60 mm). The 0.1 K/W therefore goes on the **modelled** top face,
//! the 16 × 16 mm = 256 mm² sink top: h = 1 / (0.1 K/W × 256e-6 m²) = 39 062.5 W/(m²·K), so
//! the convective resistance of the whole top is 0.1 K/W as in HotSpot. Ambient 45 °C
//! (HotSpot's 318.15 K). Bottom and sides adiabatic.
//!
//! One z cell per layer, like HotSpot's grid model (one grid layer per package layer): at
//! 512 × 512 cells that is 512² × 4 = 1 048 576 unknowns.
//!
//! Floorplan (mm, x right, y up): a 2 mm I/O strip at the bottom and at the top (I/O pads at the
//! corners, a memory controller between), and four 8 × 6 mm core tiles between them, each a
//! 4 × 6 mm core (FPU, ALU, register file, L1I, L1D) beside a 4 × 6 mm L2: 6 + 4 × 6 = 30 blocks.

use std::path::PathBuf;

use coldtray_solver::model::{Block, Boundary, Convection, Design, Layer, Material};

/// Die edge, mm.
pub const DIE_MM: f64 = 16.0;
/// HotSpot's convective resistance, K/W.
pub const R_CONVEC_K_W: f64 = 0.1;

fn material(name: &str, k: f64) -> Material {
    Material {
        name: name.into(),
        k_xy: k,
        k_z: k,
        density_kg_m3: None,
        cp_j_kgk: None,
    }
}

fn layer(name: &str, thickness_mm: f64, m: Material) -> Layer {
    Layer {
        name: name.into(),
        thickness_mm,
        material: m,
        cells: Some(1),
        channels: Vec::new(),
    }
}

/// (name, x, y, width, depth, W) of the 30 blocks.
pub fn floorplan() -> Vec<(String, f64, f64, f64, f64, f64)> {
    let mut f = Vec::new();
    for (row, y) in [(0, 0.0), (1, 14.0)] {
        f.push((format!("io_{}", 2 * row), 0.0, y, 4.0, 2.0, 0.75));
        f.push((format!("mc_{row}"), 4.0, y, 8.0, 2.0, 1.5));
        f.push((format!("io_{}", 2 * row + 1), 12.0, y, 4.0, 2.0, 0.75));
    }
    for (t, (x0, y0)) in [(0.0, 2.0), (8.0, 2.0), (0.0, 8.0), (8.0, 8.0)]
        .into_iter()
        .enumerate()
    {
        f.push((format!("core{t}_fpu"), x0, y0, 4.0, 1.5, 2.5));
        f.push((format!("core{t}_alu"), x0, y0 + 1.5, 4.0, 1.5, 2.0));
        f.push((format!("core{t}_regfile"), x0, y0 + 3.0, 4.0, 1.5, 1.5));
        f.push((format!("core{t}_l1i"), x0, y0 + 4.5, 2.0, 1.5, 0.6));
        f.push((format!("core{t}_l1d"), x0 + 2.0, y0 + 4.5, 2.0, 1.5, 0.8));
        f.push((format!("core{t}_l2"), x0 + 4.0, y0, 4.0, 6.0, 1.1));
    }
    f
}

/// The design at `cells × cells` in-plane cells.
pub fn design(cells: usize) -> Design {
    let si = material("silicon_hotspot", 100.0);
    let layers = vec![
        layer("silicon", 0.15, si.clone()),
        layer("tim", 0.02, material("tim_hotspot", 4.0)),
        layer("spreader", 1.0, material("copper_hotspot", 400.0)),
        layer("sink", 6.9, material("copper_hotspot", 400.0)),
    ];
    let blocks = floorplan()
        .into_iter()
        .map(|(name, x_mm, y_mm, width_mm, depth_mm, power_w)| Block {
            name,
            layer: 0,
            x_mm,
            y_mm,
            width_mm,
            depth_mm,
            material: si.clone(),
            power_w,
            limit_c: None,
            leakage: None,
        })
        .collect();
    let top_area_m2 = DIE_MM * DIE_MM * 1e-6;
    let top = Convection {
        h_w_m2k: 1.0 / (R_CONVEC_K_W * top_area_m2),
        ambient_c: 45.0,
    };
    Design {
        name: format!("HotSpot-sized 16 mm die, {cells}x{cells}"),
        source: PathBuf::from("benches/src/hotspot.rs"),
        width_mm: DIE_MM,
        depth_mm: DIE_MM,
        cell_mm: DIE_MM / cells as f64,
        layers,
        blocks,
        coolant: None,
        boundary: Boundary {
            top,
            bottom: Convection::ADIABATIC,
            sides: Convection::ADIABATIC,
            patches: Vec::new(),
        },
        transient: None,
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn floorplan_tiles_the_die_with_30_blocks_and_40_w() {
        let f = floorplan();
        assert_eq!(f.len(), 30);
        let area: f64 = f.iter().map(|b| b.3 * b.4).sum();
        assert!((area - DIE_MM * DIE_MM).abs() < 1e-9);
        let p: f64 = f.iter().map(|b| b.5).sum();
        assert!((p - 40.0).abs() < 1e-9);
        // Pairwise disjoint (with full tiling, the areas adding up then means no gaps).
        for (i, a) in f.iter().enumerate() {
            for b in &f[i + 1..] {
                let ox = (a.1 + a.3).min(b.1 + b.3) - a.1.max(b.1);
                let oy = (a.2 + a.4).min(b.2 + b.4) - a.2.max(b.2);
                assert!(ox <= 1e-12 || oy <= 1e-12, "{} overlaps {}", a.0, b.0);
            }
        }
    }

    // Conservation: at steady state all 40 W leave through the top; the mean top temperature
    // rise is then 40 W × 0.1 K/W = 4 K plus the half-cell conduction, so the coldest cell is
    // above 45 °C and the hottest well below 45 + 40 × (sum of 1D resistances) + spreading.
    #[test]
    fn small_hotspot_case_solves_and_balances_energy() {
        let d = design(32);
        let sol = d.solve(&coldtray_solver::SolveOptions::default()).unwrap();
        let r = &sol.results;
        assert!((r.total_power_w - 40.0).abs() < 1e-9);
        // Solved to a 1e-8 relative residual: the heat out matches the power to ~1e-6.
        assert!(
            (r.boundary_heat_w.top - 40.0).abs() < 40.0 * 1e-6,
            "top {}",
            r.boundary_heat_w.top
        );
        assert!(r.max_c > 49.0 && r.max_c < 80.0, "max {}", r.max_c);
    }
}
