//! `probes.png` of a transient run: the file has the documented size, both panels are drawn
//! (probe lines in the temperature panel, the power fill in the lower one), and results
//! without a transient run are an error, not a blank image.

use coldtray_maps::render::probes::draw_probes;
use coldtray_maps::{probes_size, render_probes, RenderError};
use coldtray_solver::results::Results;

use crate::out_dir;

/// A transient result of two probes (one with a limit) heating up after a power step at 1 s.
fn results(with_run: bool) -> Results {
    let n = 40;
    let times: Vec<f64> = (1..=n).map(|i| f64::from(i) * 0.1).collect();
    let power: Vec<f64> = times
        .iter()
        .map(|&t| if t <= 1.0 { 100.0 } else { 900.0 })
        .collect();
    let rise = |scale: f64| -> Vec<f64> {
        times
            .iter()
            .map(|&t| 40.0 + scale * (1.0 - (-(t - 1.0).max(0.0) / 0.6).exp()) + t)
            .collect()
    };
    let transient = serde_json::json!({
        "times_s": times,
        "probes": {
            "die": {"max_c": rise(40.0), "mean_c": rise(30.0)},
            "hbm": {"max_c": rise(20.0), "mean_c": rise(15.0)},
        },
        "power_w": power,
        "heat_out_w": power,
    });
    let json = serde_json::json!({
        "design": "probe test",
        "total_power_w": 900.0,
        "max_c": 85.0,
        "thermal_resistance_c_per_w": 0.05,
        "blocks": [
            {"name": "die", "layer": "d", "power_w": 800.0, "max_c": 85.0, "mean_c": 70.0,
             "limit_c": 95.0, "margin_c": 10.0},
            {"name": "hbm", "layer": "d", "power_w": 100.0, "max_c": 65.0, "mean_c": 60.0,
             "limit_c": null, "margin_c": null}
        ],
        "layers": [{"name": "d", "z_cells": 1, "max_c": 85.0, "mean_c": 60.0, "min_c": 40.0}],
        "coolant": null,
        "boundary_heat_w": {"top": 0.0, "bottom": 0.0, "sides": 0.0},
        "energy_balance_error": 1e-9,
        "solver": {"cells": 1, "unknowns": 1, "iterations": 1, "relative_residual": 1e-9,
                   "wall_s": 0.1, "threads": 1},
        "transient": if with_run { transient } else { serde_json::Value::Null },
    });
    serde_json::from_value(json).unwrap()
}

#[test]
fn probes_png_has_its_size_and_both_panels_drawn() {
    let dir = out_dir("probes", "png");
    let path = dir.join("probes.png");
    render_probes(&results(true), 1600, &path).unwrap();
    let bytes = std::fs::read(&path).unwrap();
    assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n");
    let be = |o: usize| u32::from_be_bytes([bytes[o], bytes[o + 1], bytes[o + 2], bytes[o + 3]]);
    assert_eq!((be(16), be(20)), probes_size(1600));
    assert_eq!(probes_size(1600), (1600, 1010));

    let c = draw_probes(&results(true), 1600).unwrap();
    // Pixels in a rectangle (at 1600 px width: the temperature panel spans x 150..1230,
    // y 130..650; the power panel y 720..920) that satisfy `pred`.
    let count = |x: (u32, u32), y: (u32, u32), pred: &dyn Fn([u8; 3]) -> bool| {
        (y.0..y.1)
            .flat_map(|py| (x.0..x.1).map(move |px| (px, py)))
            .filter(|&(px, py)| pred(c.get(px, py)))
            .count()
    };
    let saturated = |p: [u8; 3]| {
        let (hi, lo) = (p.iter().max().unwrap(), p.iter().min().unwrap());
        hi - lo > 60
    };
    let lines = count((160, 1220), (140, 640), &saturated);
    assert!(lines > 2000, "temperature panel: {lines} coloured pixels");
    let fill = count((160, 1220), (730, 910), &|p| p == [252, 226, 200]);
    assert!(fill > 60_000, "power panel: {fill} fill pixels");
    let white = count((1250, 1590), (940, 1005), &|p| p == [255, 255, 255]);
    assert_eq!(white, 340 * 65, "the corner outside the panels stays blank");
}

#[test]
fn no_transient_run_is_an_error() {
    let e = draw_probes(&results(false), 1600).err().unwrap();
    assert!(matches!(e, RenderError::NoFiniteTemperature { .. }), "{e}");
    assert!(draw_probes(&results(true), 100).is_err());
}
