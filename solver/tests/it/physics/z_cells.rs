//! The default z cells against z-refined solves on a HotSpot-like stack (a thin die with a
//! power map, a thin TIM, a copper spreader and a thick copper sink with a convective top:
//! `tests/data/hotspot-like.toml`), the Richardson estimate of `check_grid` against the true
//! error, and explicit `cells` winning over the default.

use std::path::Path;

use super::*;
use coldtray_solver::{Solution, SolveOptions};

fn hotspot_like() -> Design {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/hotspot-like.toml");
    Design::load(&path).unwrap()
}

fn solve(d: &Design, check_grid: bool) -> Solution {
    d.solve(&SolveOptions {
        tolerance: 1e-10,
        check_grid,
        ..Default::default()
    })
    .unwrap()
}

/// `d` with every layer's `cells` set by `f` from its default count.
fn with_cells(d: &Design, f: impl Fn(usize) -> usize) -> Design {
    let mut out = d.clone();
    for (l, cells) in out.layers.iter_mut().zip(d.layer_z_cells_mm()) {
        l.cells = Some(f(cells.len()));
    }
    out
}

#[test]
fn default_grid_is_converged_in_z_on_a_hotspot_like_stack() {
    let d = hotspot_like();
    let default = solve(&d, true);
    // z-refined: uniform cells, 4× the default count in every layer.
    let refined = solve(&with_cells(&d, |n| 4 * n), false);
    let one = solve(&with_cells(&d, |_| 1), false);
    let (t_default, t_refined, t_one) = (
        default.results.max_c,
        refined.results.max_c,
        one.results.max_c,
    );
    // One cell per layer: the sink's single cell conducts laterally only at mid-height, so
    // the heat crosses half the sink under the spreader's footprint before it can spread.
    assert!(t_one - t_refined > 1.0, "one {t_one} refined {t_refined}");
    assert!(
        (t_default - t_refined).abs() < 0.5,
        "default {t_default} refined {t_refined}"
    );
    // The Richardson estimate brackets the true error within a factor 3 either way. It assumes
    // the error falls by 2² when the cells halve; merging a graded layer's cells in pairs
    // makes the coarse face cell (1 + growth) = 3 times the fine one, so the coarse error is
    // 4–9 times the fine one and the estimate (coarse − fine)/3 is 1–2.7 times the true error;
    // the refined answer, itself off by about 1/16 of the default's error, shifts the ratio by
    // a few % more.
    let estimate = default.results.solver.grid_error_estimate_c.unwrap();
    let actual = t_default - t_refined;
    let ratio = estimate / actual;
    assert!(
        (1.0 / 3.0..3.0).contains(&ratio),
        "estimate {estimate} actual {actual}"
    );
    assert!(refined.results.solver.grid_error_estimate_c.is_none());
    // z cells do not slow the multigrid (the columns are solved exactly, coarsening is in
    // plane only): the cycle counts stay those of one cell per layer.
    let cycles = |s: &Solution| s.results.solver.iterations;
    assert!(
        cycles(&default) <= cycles(&one) + 2 && cycles(&refined) <= cycles(&one) + 2,
        "cycles: one {} default {} refined {}",
        cycles(&one),
        cycles(&default),
        cycles(&refined)
    );
}

#[test]
fn explicit_cells_win_and_channel_layers_stay_one_cell() {
    let d = hotspot_like();
    let default: Vec<usize> = d.layer_z_cells_mm().iter().map(Vec::len).collect();
    assert!(default[3] > 1, "the sink is graded: {default:?}");
    assert_eq!(
        default[0], 1,
        "a die thinner than its face cell is one cell"
    );
    let mut e = d.clone();
    e.layers[3].cells = Some(3);
    let cells = e.layer_z_cells_mm();
    assert_eq!(cells[3], vec![6.9 / 3.0; 3]);
    let s = solve(&e, false);
    let z: Vec<usize> = s.results.layers.iter().map(|l| l.z_cells).collect();
    assert_eq!(z, [default[0], default[1], default[2], 3]);
    assert_eq!(s.field.nz, z.iter().sum::<usize>());

    // A channel layer is one cell whatever its `cells` or thickness.
    let mut plate = layer("fins", 8.0, mat("copper", 385.0, 385.0), 1);
    plate.cells = Some(5);
    plate.channels = vec![channels(
        0.0,
        0.0,
        10.0,
        10.0,
        FlowDirection::PlusX,
        0.2,
        0.3,
        None,
    )];
    let mut base = layer("base", 8.0, mat("copper", 385.0, 385.0), 1);
    base.cells = None;
    let c = design(10.0, 10.0, 0.5, vec![base, plate], vec![]);
    let cells = c.layer_z_cells_mm();
    assert_eq!(cells[1].len(), 1);
    assert!(cells[0].len() > 1);
    assert!((cells[0].iter().sum::<f64>() - 8.0).abs() < 1e-12);
}
