//! The shipped designs load, and the facts their comments state hold in the files.

use approx::assert_abs_diff_eq;
use std::path::{Path, PathBuf};

use coldtray_solver::{Design, FlowDirection};

fn example(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../examples")
        .join(name)
}

fn load(name: &str) -> Design {
    Design::load(&example(name)).unwrap_or_else(|e| panic!("{e}"))
}

fn blocks<'a>(
    d: &'a Design,
    pred: impl Fn(&str) -> bool + 'a,
) -> Vec<&'a coldtray_solver::model::Block> {
    d.blocks.iter().filter(|b| pred(&b.name)).collect()
}

fn is_hbm(n: &str) -> bool {
    // `hbm_3`, `gpu1_hbm_3` (not the unpowered `_base` parts)
    n.contains("hbm_") && !n.ends_with("_base")
}

fn is_gpu_die(n: &str) -> bool {
    n.contains("gpu_die_") && !n.ends_with("_bulk")
}

fn cells(d: &Design) -> f64 {
    let nz: usize = d.layer_z_cells_mm().iter().map(Vec::len).sum();
    (d.width_mm / d.cell_mm).round() * (d.depth_mm / d.cell_mm).round() * nz as f64
}

/// Checks shared by both single-package designs ("Power", "Coolant", "Limits", "Plan").
fn check_package(d: &Design, total_w: f64) {
    let tol = 1e-9;
    assert_abs_diff_eq!(d.total_power_w(), total_w, epsilon = tol);
    // Eight HBM stacks at 30 W, two dies sharing the rest equally.
    let hbm = blocks(d, is_hbm);
    assert_eq!(hbm.len(), 8);
    assert!(hbm
        .iter()
        .all(|b| b.power_w == 30.0 && b.limit_c == Some(95.0)));
    assert!(hbm
        .iter()
        .all(|b| (b.width_mm * b.depth_mm - 11.0 * 13.0).abs() < tol));
    let dies = blocks(d, is_gpu_die);
    assert_eq!(dies.len(), 2);
    for die in &dies {
        assert_abs_diff_eq!(die.power_w, (total_w - 240.0) / 2.0, epsilon = tol);
        assert_eq!(die.limit_c, Some(90.0));
        assert_abs_diff_eq!(die.width_mm * die.depth_mm, 806.0, epsilon = tol);
        assert_eq!(die.material.name, "silicon");
    }
    // Four HBM stacks per die, each beside one of the die's long (x-running, 31 mm) sides and
    // within the die's x extent.
    for die in &dies {
        let beside = hbm
            .iter()
            .filter(|h| h.x_mm >= die.x_mm && h.x_mm + h.width_mm <= die.x_mm + die.width_mm)
            .count();
        assert_eq!(beside, 4, "HBM beside {}", die.name);
    }
    // PG25 at 45 °C, 1.5 L/min per kW.
    let c = d.coolant.as_ref().unwrap();
    assert_eq!(c.fluid.name, "pg25");
    assert_eq!(c.inlet_c, 45.0);
    assert_abs_diff_eq!(c.flow_lpm, 1.5 * total_w / 1000.0, epsilon = 1e-9);
    // Coolant rise ≈ 10 K (PG25 at 50 °C, mean of 45 and 55): ΔT = P / (ρ V̇ cp).
    let p = c.fluid.props_at(50.0);
    let rise_k = total_w / (p.density_kg_m3 * c.flow_lpm / 60_000.0 * p.cp_j_kgk);
    assert!((rise_k - 10.0).abs() < 0.2, "rise {rise_k}");
    // Bare die: no lid layer, liquid-metal TIM1 right under the cold plate base.
    let names: Vec<&str> = d.layers.iter().map(|l| l.name.as_str()).collect();
    let tim = names.iter().position(|n| *n == "tim1").unwrap();
    assert_eq!(names[tim + 1], "coldplate_base");
    assert!(!names.iter().any(|n| n.contains("lid")));
    // Domain = 76 mm package footprint; interposer ≈ 4,700 mm².
    assert_eq!((d.width_mm, d.depth_mm), (76.0, 76.0));
    let interposer = blocks(d, |n| n == "interposer");
    assert_abs_diff_eq!(
        interposer[0].width_mm * interposer[0].depth_mm,
        4700.0,
        epsilon = 50.0
    );
    // Cold plate: 1 mm base, 3 mm fins, 0.1 mm fins, 0.2 mm channels, flow +y over every die
    // and HBM (220 channels).
    let fins = d
        .layers
        .iter()
        .find(|l| l.name == "coldplate_fins")
        .unwrap();
    assert_eq!(fins.thickness_mm, 3.0);
    assert_eq!(fins.channels.len(), 1);
    let ch = &fins.channels[0];
    assert_eq!(ch.direction, FlowDirection::PlusY);
    assert_eq!((ch.fin_thickness_mm, ch.channel_width_mm), (0.1, 0.2));
    let n_channels = ch.width_mm / (ch.fin_thickness_mm + ch.channel_width_mm);
    assert_abs_diff_eq!(n_channels, 220.0, epsilon = 1e-6);
    for b in dies.iter().chain(hbm.iter()) {
        assert!(b.x_mm >= ch.x_mm && b.x_mm + b.width_mm <= ch.x_mm + ch.width_mm);
        assert!(b.y_mm >= ch.y_mm && b.y_mm + b.depth_mm <= ch.y_mm + ch.depth_mm);
    }
    // "≈ 0.32 M cells" (the copper base and cover get two z cells each by default).
    assert!((cells(d) - 0.32e6).abs() < 0.01e6, "{}", cells(d));
}

#[test]
fn rubin_2300w_matches_its_comments() {
    check_package(&load("rubin-2300w.toml"), 2300.0);
}

#[test]
fn rubin_1800w_matches_its_comments() {
    check_package(&load("rubin-1800w.toml"), 1800.0);
}

#[test]
fn tray_matches_its_comments() {
    let d = load("validation/tray-vr200-flat.toml");
    // 4 GPUs × 1800 W + 2 Vera × 400 W.
    assert_abs_diff_eq!(d.total_power_w(), 8000.0, epsilon = 1e-9);
    assert_eq!(blocks(&d, is_gpu_die).len(), 8);
    assert_eq!(blocks(&d, is_hbm).len(), 32);
    for g in 0..4 {
        let p: f64 = blocks(&d, |n| n.starts_with(&format!("gpu{g}_")))
            .iter()
            .map(|b| b.power_w)
            .sum();
        assert!((p - 1800.0).abs() < 1e-9, "gpu{g}: {p}");
    }
    let cpus = blocks(&d, |n| n.starts_with("cpu") && n.ends_with("_die"));
    assert_eq!(cpus.len(), 2);
    assert!(cpus.iter().all(|c| c.power_w == 400.0));
    // One coolant layer with six parallel fields, flow +y, 1.5 L/min/kW.
    let coolant_layers: Vec<_> = d.layers.iter().filter(|l| l.is_coolant()).collect();
    assert_eq!(coolant_layers.len(), 1);
    assert_eq!(coolant_layers[0].channels.len(), 6);
    assert!(coolant_layers[0]
        .channels
        .iter()
        .all(|c| c.direction == FlowDirection::PlusY));
    let c = d.coolant.as_ref().unwrap();
    assert_abs_diff_eq!(c.flow_lpm, 12.0, epsilon = 1e-9);
    // Every powered block lies under one channel field.
    for b in d.blocks.iter().filter(|b| b.power_w > 0.0) {
        let under = coolant_layers[0].channels.iter().any(|ch| {
            b.x_mm >= ch.x_mm
                && b.x_mm + b.width_mm <= ch.x_mm + ch.width_mm
                && b.y_mm >= ch.y_mm
                && b.y_mm + b.depth_mm <= ch.y_mm + ch.depth_mm
        });
        assert!(under, "{} not under a channel field", b.name);
    }
    // "≈ 1.5 M cells": a few million unknowns at most.
    assert!((cells(&d) - 1.55e6).abs() < 0.05e6, "{}", cells(&d));
}

#[test]
fn cell_override_reaches_the_model() {
    let d = Design::load(&example("rubin-2300w.toml"))
        .unwrap()
        .with_cell_mm(1.0)
        .unwrap();
    assert_eq!(d.cell_mm, 1.0);
}
