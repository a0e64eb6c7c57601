//! Leakage power against the scalar fixed point. One die block covers a 10 × 10 mm slab: a
//! silicon die (uniform power, adiabatic top) on a copper plate whose bottom face convects to
//! T₀. The sides are adiabatic, so the heat flow is 1-D and the die's mean temperature is
//! T̄ = T₀ + R·P with the analytic R = 1/(hA) + t_cu/(k_cu A) + t_si/(3 k_si A) (the last term:
//! the mean of the parabolic profile of a uniformly heated slab above its base). With
//! P(T) = P₀ + L·2^((T − ref)/d) the fixed point T = T₀ + R·P(T) is solved here by bisection,
//! and the critical leakage (tangency of T − T₀ and R·P(T)) is closed-form:
//! R·L·ln2/d·2^((T* − ref)/d) = 1 with T* − T₀ = R·P₀ + d/ln2, so
//! L_c = d/(ln2·R) · 2^(−(T₀ + R·P₀ + d/ln2 − ref)/d).

use super::*;
use coldtray_solver::model::{Convection, Leakage};
use coldtray_solver::SolveOptions;

const A_M2: f64 = 1e-4;
const H: f64 = 1000.0;
const T0_C: f64 = 40.0;
const K_CU: f64 = 400.0;
const T_CU_MM: f64 = 1.0;
const K_SI: f64 = 150.0;
const T_SI_MM: f64 = 0.5;
const P0_W: f64 = 3.0;
const REF_C: f64 = 60.0;
const DOUBLING_K: f64 = 20.0;

/// The analytic mean-temperature resistance of the die, K/W.
fn r_k_w() -> f64 {
    1.0 / (H * A_M2) + T_CU_MM * 1e-3 / (K_CU * A_M2) + T_SI_MM * 1e-3 / (3.0 * K_SI * A_M2)
}

fn p_w(leak_w: f64, t_c: f64) -> f64 {
    P0_W + leak_w * ((t_c - REF_C) / DOUBLING_K).exp2()
}

/// The tangency temperature and the critical leakage, W.
fn critical() -> (f64, f64) {
    let r = r_k_w();
    let ln2 = std::f64::consts::LN_2;
    let t_star = T0_C + r * P0_W + DOUBLING_K / ln2;
    (
        t_star,
        DOUBLING_K / (ln2 * r) * (-(t_star - REF_C) / DOUBLING_K).exp2(),
    )
}

/// The stable fixed point of T = T₀ + R·P(T), by bisection on [T₀, T*].
fn fixed_point_c(leak_w: f64) -> f64 {
    let f = |t: f64| T0_C + r_k_w() * p_w(leak_w, t) - t;
    let (mut lo, mut hi) = (T0_C, critical().0);
    assert!(f(lo) > 0.0 && f(hi) < 0.0);
    for _ in 0..200 {
        let mid = 0.5 * (lo + hi);
        if f(mid) > 0.0 {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    0.5 * (lo + hi)
}

fn slab(leak_w: f64) -> Design {
    let si = mat("si", K_SI, K_SI);
    let layers = vec![
        layer("plate", T_CU_MM, mat("cu", K_CU, K_CU), 4),
        layer("die", T_SI_MM, si.clone(), 4),
    ];
    let mut die = block("die", 1, 0.0, 0.0, 10.0, 10.0, si, P0_W);
    die.leakage = Some(Leakage {
        leakage_w: leak_w,
        ref_c: REF_C,
        doubling_k: DOUBLING_K,
    });
    let mut d = design(10.0, 10.0, 2.0, layers, vec![die]);
    d.boundary.bottom = Convection {
        h_w_m2k: H,
        ambient_c: T0_C,
    };
    d
}

/// Below the threshold the solve converges to the scalar fixed point within 0.1 % of the rise
/// (the FV model of this 1-D slab reproduces R to ~5e-5: piecewise-linear conduction is exact
/// with harmonic faces, and the die's mean differs only by the midpoint rule on its parabola).
#[test]
fn one_block_matches_the_scalar_fixed_point() {
    let (_, l_c) = critical();
    for frac in [0.3, 0.8, 0.95] {
        let leak = frac * l_c;
        let s = slab(leak).solve(&SolveOptions::default()).unwrap();
        let r = &s.results;
        let lk = r.leakage.as_ref().unwrap();
        assert!(!lk.runaway, "{frac}: {lk:?}");
        let b = &r.blocks[0];
        let t_an = fixed_point_c(leak);
        let err = (b.mean_c - t_an).abs() / (t_an - T0_C);
        eprintln!(
            "leakage {frac} L_c: analytic {t_an:.4} °C, coldtray {:.4} °C, error {err:.2e}, {} iterations",
            b.mean_c, lk.iterations
        );
        assert!(err < 1e-3, "{frac}: {} vs {t_an}", b.mean_c);
        let p_an = p_w(leak, t_an);
        let total = b.total_power_w.unwrap();
        assert!((total - p_an).abs() / p_an < 1e-3, "{total} vs {p_an}");
        assert_eq!(b.power_w, P0_W);
        assert!((b.leakage_w.unwrap() + P0_W - total).abs() < 1e-12);
        assert!((r.total_power_w - total).abs() < 1e-12);
        assert!(r.energy_balance_error.unwrap() < 1e-6);
    }
}

/// The threshold: 3 % above L_c runs away, 3 % below converges. The model's R is within ~5e-5
/// of the analytic one and L_c moves by (1 + R·P₀·ln2/d) ≈ 2 times R's relative error, so a
/// 3 % margin is two orders of magnitude clear of the discretisation.
#[test]
fn runaway_threshold_matches_the_tangency() {
    let (_, l_c) = critical();
    eprintln!("critical leakage {l_c:.5} W");
    let below = slab(0.97 * l_c).solve(&SolveOptions::default()).unwrap();
    assert!(!below.results.leakage.as_ref().unwrap().runaway);
    let above = slab(1.03 * l_c).solve(&SolveOptions::default()).unwrap();
    let lk = above.results.leakage.as_ref().unwrap();
    assert!(lk.runaway, "{lk:?}");
    eprintln!("runaway at 1.03 L_c after {} iterations", lk.iterations);
    assert_eq!(lk.runaway_block.as_deref(), Some("die"));
    // The figures are the last stable iterate's: finite, below the cap, balanced.
    let r = &above.results;
    assert!(r.max_c.is_finite() && r.max_c < 500.0);
    assert!(r.energy_balance_error.unwrap() < 1e-6);
}

/// The solver's own threshold, bracketed by bisection on the leakage to 0.05 %, lies within
/// 0.1 % of the analytic tangency value (the model's R differs from the analytic one by ~5e-5,
/// which moves L_c by about twice that).
#[test]
fn bisected_threshold_is_the_analytic_one() {
    let (_, l_c) = critical();
    let runs_away = |leak: f64| {
        let s = slab(leak).solve(&SolveOptions::default()).unwrap();
        s.results.leakage.unwrap().runaway
    };
    let (mut lo, mut hi) = (0.9 * l_c, 1.1 * l_c);
    assert!(!runs_away(lo) && runs_away(hi));
    while hi - lo > 5e-4 * l_c {
        let mid = 0.5 * (lo + hi);
        if runs_away(mid) {
            hi = mid;
        } else {
            lo = mid;
        }
    }
    let found = 0.5 * (lo + hi);
    eprintln!(
        "threshold: analytic {l_c:.6} W, coldtray {found:.6} W, error {:.2e}",
        found / l_c - 1.0
    );
    assert!((found / l_c - 1.0).abs() < 1e-3, "{found} vs {l_c}");
}

/// Several leaky blocks coupled through a shared cold plate (the 2.3 kW package with leakage
/// on both dies and every HBM stack) settle to powers consistent with their own mean
/// temperatures, with the energy still balanced.
#[test]
fn coupled_blocks_are_self_consistent() {
    let path =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/rubin-2300w.toml");
    let mut d = Design::load(&path).unwrap().with_cell_mm(2.0).unwrap();
    for b in d.blocks.iter_mut().filter(|b| b.power_w > 0.0) {
        b.leakage = Some(Leakage {
            leakage_w: 0.1 * b.power_w,
            ref_c: 60.0,
            doubling_k: 25.0,
        });
    }
    let s = d.solve(&SolveOptions::default()).unwrap();
    let r = &s.results;
    let lk = r.leakage.as_ref().unwrap();
    assert!(!lk.runaway && lk.power_change <= 1e-6, "{lk:?}");
    eprintln!(
        "coupled: {} iterations, power change {:.1e}",
        lk.iterations, lk.power_change
    );
    for (b, blk) in r.blocks.iter().zip(&d.blocks) {
        if let Some(l) = blk.leakage {
            let p = blk.power_w + l.power_w(b.mean_c);
            let total = b.total_power_w.unwrap();
            assert!((total - p).abs() <= 2e-6 * p, "{}: {total} vs {p}", b.name);
        }
    }
    assert!(r.energy_balance_error.unwrap() < 1e-6);
}

/// A design without leakage reports no leakage keys.
#[test]
fn no_leakage_no_keys() {
    let mut d = slab(0.0);
    d.blocks[0].leakage = None;
    let s = d.solve(&SolveOptions::default()).unwrap();
    let json = serde_json::to_string(&s.results).unwrap();
    assert!(
        !json.contains("leakage") && !json.contains("runaway"),
        "{json}"
    );
    assert_eq!(json.matches("total_power_w").count(), 1, "{json}");
    assert!(json.contains("\"budget\""));
}
