//! A mirror-symmetric design (flow along the mirror axis) must give a mirror-symmetric field.

use super::*;
use approx::assert_abs_diff_eq;
use coldtray_solver::model::{Convection, FlowDirection};
use coldtray_solver::SolveOptions;

#[test]
fn mirror_symmetric_design_gives_mirror_symmetric_field() {
    // 41 cells across (odd: exercises the odd-size coarsening), mirror plane x = 20.5 mm.
    let si = mat("silicon", 130.0, 130.0);
    let cu = mat("copper", 385.0, 385.0);
    let mut fins = layer("fins", 3.0, cu.clone(), 1);
    fins.channels = vec![channels(
        5.0,
        4.0,
        31.0,
        22.0,
        FlowDirection::PlusY,
        0.1,
        0.2,
        None,
    )];
    let layers = vec![
        layer("substrate", 1.0, mat("sub", 30.0, 0.8), 2),
        layer("die", 0.7, mat("mold", 0.9, 0.9), 2),
        layer("tim", 0.05, mat("tim", 5.0, 5.0), 1),
        layer("base", 1.0, cu.clone(), 1),
        fins,
        layer("cover", 1.0, cu, 1),
    ];
    let blocks = vec![
        block("die_a", 1, 8.0, 9.0, 10.0, 12.0, si.clone(), 150.0),
        block("die_b", 1, 23.0, 9.0, 10.0, 12.0, si, 150.0),
    ];
    let mut d = design(41.0, 30.0, 1.0, layers, blocks);
    d.coolant = Some(coolant(35.0, 0.5, WATERISH));
    d.boundary.bottom = Convection {
        h_w_m2k: 50.0,
        ambient_c: 45.0,
    };
    let s = d
        .solve(&SolveOptions {
            tolerance: 1e-13,
            ..Default::default()
        })
        .unwrap();
    let f = &s.field;
    assert_eq!(f.nx, 41);
    let rise = s.results.max_c - 35.0;
    let mut worst = 0.0f64;
    for k in 0..f.nz {
        for j in 0..f.ny {
            for i in 0..f.nx {
                let a = f.solid_c[f.idx(i, j, k)];
                let b = f.solid_c[f.idx(f.nx - 1 - i, j, k)];
                worst = worst.max((a - b).abs());
            }
        }
    }
    // The discrete problem is exactly symmetric; the red-black smoother is not, so what remains
    // is the algebraic error of a 1e-13 residual: far below 1e-9 of the temperature rise.
    assert!(
        worst <= 1e-9 * rise,
        "asymmetry {worst:e} K of a {rise} K rise"
    );
    let (a, b) = (&s.results.blocks[0], &s.results.blocks[1]);
    assert_abs_diff_eq!(a.max_c, b.max_c, epsilon = 1e-9 * rise);
}
