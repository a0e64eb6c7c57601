//! `fin_root`: fins joined to the layer below, above or both, against the parallel-conduction
//! resistance of a fin array, the exact fin network, mirror symmetry in z and conservation.

use std::path::{Path, PathBuf};

use super::*;
use coldtray_solver::design::Override;
use coldtray_solver::model::{Design, FinRoot, FlowDirection};
use coldtray_solver::Results;
use coldtray_solver::SolveOptions;

const FIN_MM: f64 = 0.1;
const GAP_MM: f64 = 0.2;
const FINS_MM: f64 = 2.0;
const K_CU: f64 = 385.0;

fn solve(d: &Design, tolerance: f64) -> coldtray_solver::Solution {
    d.solve(&SolveOptions {
        tolerance,
        ..Default::default()
    })
    .unwrap()
}

fn fin_layer(root: FinRoot, field: (f64, f64, f64, f64), h: Option<f64>) -> Layer {
    let mut fins = layer("fins", FINS_MM, mat("copper", K_CU, K_CU), 1);
    let (x, y, w, d) = field;
    let mut ch = channels(x, y, w, d, FlowDirection::PlusY, FIN_MM, GAP_MM, h);
    ch.fin_root = root;
    fins.channels = vec![ch];
    fins
}

/// Two 1 mm copper plates joined by a 2 mm fin array over the whole 10 × 10 mm plan, held
/// between a hot bottom ambient and a cold top one through stiff films.
fn sandwich(root: FinRoot) -> (Design, f64) {
    let cu = mat("copper", K_CU, K_CU);
    let layers = vec![
        layer("bottom_plate", 1.0, cu.clone(), 2),
        // h = 1e-6 W/(m²·K): the coolant is thermally disconnected (below), whatever it flows.
        fin_layer(root, (0.0, 0.0, 10.0, 10.0), Some(1e-6)),
        layer("top_plate", 1.0, cu, 2),
    ];
    let mut d = design(10.0, 10.0, 1.0, layers, vec![]);
    d.coolant = Some(coolant(50.0, 0.05, WATERISH));
    let film = 1e5;
    d.boundary.bottom = Convection {
        h_w_m2k: film,
        ambient_c: 80.0,
    };
    d.boundary.top = Convection {
        h_w_m2k: film,
        ambient_c: 20.0,
    };
    // The series resistance of the stack, K/W: two films, two plates and the fin array
    // conducting in parallel over its solid fraction t_f/p.
    let a = 1e-4;
    let p = FIN_MM + GAP_MM;
    let r = 2.0 / (film * a) + 2.0 * 1e-3 / (K_CU * a) + FINS_MM * 1e-3 / (K_CU * FIN_MM / p * a);
    (d, r)
}

#[test]
fn bonded_fins_without_convection_conduct_like_the_fin_array() {
    let (d, r) = sandwich(FinRoot::Both);
    let s = solve(&d, 1e-11);
    let q = 60.0 / r;
    let b = &s.results.boundary_heat_w;
    // The 1-D finite-volume stack is exact (harmonic faces, the bridge is the fin's exact
    // conductance). What h = 1e-6 W/(m²·K) changes: the bridge by (mH)²/6 ≈ 3e-11, and the
    // coolant touches the nodes through h(w_c + H)/p·A ≈ 7e-10 W/K against the stack's
    // 1/R ≈ 2.5 W/K. The residual of 1e-11 leaves far less than the 1e-6 bound.
    assert!((b.top - q).abs() <= 1e-6 * q, "top {} vs {q}", b.top);
    assert!(
        (-b.bottom - q).abs() <= 1e-6 * q,
        "bottom {} vs {q}",
        b.bottom
    );
    let absorbed = s.results.coolant.as_ref().unwrap().heat_absorbed_w;
    assert!(absorbed.abs() <= 1e-6 * q, "coolant took {absorbed} W");

    // Single-ended fins touch the other plate only through the coolant's conduction: the same
    // stack then passes a small fraction of that heat.
    let (d, _) = sandwich(FinRoot::Bottom);
    let bottom = solve(&d, 1e-10).results.boundary_heat_w.top;
    assert!(
        bottom < 0.05 * q,
        "fin_root bottom passes {bottom} W of {q}"
    );
}

/// A die under a copper base, a fin layer (field over part of the plan, correlation h), a
/// copper cover and a small powered block on the cover; different films top and bottom.
fn package(root: FinRoot) -> Design {
    let cu = mat("copper", K_CU, K_CU);
    let si = mat("silicon", 130.0, 130.0);
    let layers = vec![
        layer("die", 0.5, mat("mold", 0.9, 0.9), 1),
        layer("base", 1.0, cu.clone(), 2),
        fin_layer(root, (2.0, 1.0, 16.0, 18.0), None),
        layer("cover", 1.0, cu, 2),
    ];
    let blocks = vec![
        block("gpu", 0, 4.0, 5.0, 8.0, 6.0, si.clone(), 250.0),
        block("vr", 3, 12.0, 12.0, 4.0, 4.0, si, 40.0),
    ];
    let mut d = design(20.0, 20.0, 1.0, layers, blocks);
    d.coolant = Some(coolant(40.0, 0.4, WATERISH));
    d.boundary.bottom = Convection {
        h_w_m2k: 300.0,
        ambient_c: 35.0,
    };
    d.boundary.top = Convection {
        h_w_m2k: 1500.0,
        ambient_c: 30.0,
    };
    d
}

/// `d` upside down: layers reversed, blocks moved with their layers, top and bottom films
/// swapped, fins hanging from the other side (`both` stays `both`).
fn mirrored(d: &Design) -> Design {
    let mut m = d.clone();
    let n = m.layers.len();
    m.layers.reverse();
    for l in &mut m.layers {
        for ch in &mut l.channels {
            ch.fin_root = match ch.fin_root {
                FinRoot::Bottom => FinRoot::Top,
                FinRoot::Top => FinRoot::Bottom,
                FinRoot::Both => FinRoot::Both,
            };
        }
    }
    for b in &mut m.blocks {
        b.layer = n - 1 - b.layer;
    }
    (m.boundary.top, m.boundary.bottom) = (d.boundary.bottom, d.boundary.top);
    m
}

#[test]
fn mirror_image_in_z_gives_the_same_temperatures() {
    for root in [FinRoot::Bottom, FinRoot::Top, FinRoot::Both] {
        let d = package(root);
        let (a, b) = (solve(&d, 1e-11), solve(&mirrored(&d), 1e-11));
        let (a, b) = (&a.results, &b.results);
        // The two operators are the same matrix with its z order reversed (the z edges differ
        // by rounding, ~1e-16); each solve stops at a relative residual of 1e-11, which leaves
        // the temperatures ~1e-9 of the rise apart on this well-conditioned stack. 1e-7 of the
        // rise (≈ 4e-6 K) bounds that with margin and is far below any modelling difference.
        let rise = a.max_c - 30.0;
        let close = |x: f64, y: f64, what: &str| {
            assert!((x - y).abs() <= 1e-7 * rise, "{root:?} {what}: {x} vs {y}");
        };
        close(a.max_c, b.max_c, "max");
        for (x, y) in a.blocks.iter().zip(&b.blocks) {
            close(x.max_c, y.max_c, &format!("{} max", x.name));
            close(x.mean_c, y.mean_c, &format!("{} mean", x.name));
        }
        let (ca, cb) = (a.coolant.as_ref().unwrap(), b.coolant.as_ref().unwrap());
        close(ca.outlet_c, cb.outlet_c, "outlet");
        close(
            a.boundary_heat_w.top,
            b.boundary_heat_w.bottom,
            "top ↔ bottom heat",
        );
        assert!(a.energy_balance_error.unwrap() <= 1e-6);
        // The ΔT budgets (the die enters the fins from one side, the block on the cover from
        // the other) telescope to the total whichever side the fin root is on: a missing
        // coolant-conduction term would show here as a gap of kelvins.
        for r in [a, b] {
            for blk in &r.blocks {
                let bud = blk.budget.as_ref().unwrap();
                let sum: f64 = bud.terms.iter().map(|t| t.drop_k).sum();
                assert!(
                    (sum - bud.total_k).abs() <= 1e-9,
                    "{root:?} {}: {bud:?}",
                    blk.name
                );
            }
        }
    }
}

#[test]
fn fin_roots_differ_where_they_should() {
    // The die sits below the fins: fins on the base cool it best, fins on the cover worst, and
    // bonded fins (floor convection plus a conduction path to the cover) in between or better.
    let max = |root| solve(&package(root), 1e-9).results.blocks[0].max_c;
    let (bottom, top, both) = (max(FinRoot::Bottom), max(FinRoot::Top), max(FinRoot::Both));
    assert!(bottom < top - 1.0, "bottom {bottom}, top {top}");
    assert!(both < top - 1.0, "both {both}, top {top}");
}

#[test]
fn bonded_fins_between_two_equal_dies_cool_both_alike() {
    let cu = mat("copper", K_CU, K_CU);
    let si = mat("silicon", 130.0, 130.0);
    let layers = vec![
        layer("die_low", 0.5, mat("mold", 0.9, 0.9), 1),
        layer("base_low", 1.0, cu.clone(), 2),
        fin_layer(FinRoot::Both, (1.0, 0.0, 18.0, 20.0), None),
        layer("base_high", 1.0, cu, 2),
        layer("die_high", 0.5, mat("mold", 0.9, 0.9), 1),
    ];
    let blocks = vec![
        block("low", 0, 5.0, 6.0, 10.0, 8.0, si.clone(), 300.0),
        block("high", 4, 5.0, 6.0, 10.0, 8.0, si, 300.0),
    ];
    let mut d = design(20.0, 20.0, 1.0, layers, blocks);
    d.coolant = Some(coolant(40.0, 0.6, WATERISH));
    let s = solve(&d, 1e-11);
    let r = &s.results;
    let (lo, hi) = (&r.blocks[0], &r.blocks[1]);
    let rise = r.max_c - 40.0;
    // The stack is its own mirror image in z, so the two dies are the same to the residual
    // (see the mirror test for the bound).
    assert!(
        (lo.max_c - hi.max_c).abs() <= 1e-7 * rise,
        "{lo:?} vs {hi:?}"
    );
    assert!(
        (lo.mean_c - hi.mean_c).abs() <= 1e-7 * rise,
        "{lo:?} vs {hi:?}"
    );
    // The coolant takes all 600 W (adiabatic outside): outlet rise P/(ṁ c_p), to the residual.
    let c = r.coolant.as_ref().unwrap();
    let mcp = WATERISH.density_kg_m3 * 0.6 / 60_000.0 * WATERISH.cp_j_kgk;
    let expect = 600.0 / mcp;
    assert!(((c.outlet_c - c.inlet_c) - expect).abs() <= 1e-6 * expect);
    assert!(r.energy_balance_error.unwrap() <= 1e-6, "{r:?}");
}

#[test]
fn bonded_fins_match_the_three_node_fin_solution() {
    // A uniformly heated 30 × 150 mm plate (as in `coolant`), fins bonded to a 1 mm copper
    // cover that is adiabatic on top: the cover takes heat only through the fin tips and gives
    // it to the coolant through its ceiling. Per unit area, with the fin's exact end fluxes
    // q_b = G[coth(mH)θ_b − θ_t/sinh(mH)] (and q_t mirrored), G = k t m, the floor and ceiling
    // balances are, with g_e = (h w_c + G(cosh mH − 1)/sinh mH)/p, g_bt = G/(p sinh mH):
    //   q = g_e θ_b + g_bt (θ_b − θ_t),   0 = g_e θ_t − g_bt (θ_b − θ_t)
    // so θ_b = q / (g_e (1 + g_bt/(g_e + g_bt))) with θ = T − T_fluid.
    let (p_w, len, h_w, flow_lpm) = (400.0, 150.0, 12_000.0, 0.6);
    let cu = mat("copper", K_CU, K_CU);
    let layers = vec![
        layer("skin", 0.01, cu.clone(), 1),
        layer("base", 1.0, cu.clone(), 2),
        fin_layer(FinRoot::Both, (0.0, 0.0, 30.0, len), Some(h_w)),
        layer("cover", 1.0, cu.clone(), 2),
    ];
    let mut d = design(
        30.0,
        len,
        1.0,
        layers,
        vec![block("heater", 0, 0.0, 0.0, 30.0, len, cu, p_w)],
    );
    d.coolant = Some(coolant(40.0, flow_lpm, WATERISH));
    let s = solve(&d, 1e-12);
    let f = &s.field;
    let cells = f.layer_cells(2);
    assert_eq!(
        cells.len(),
        2,
        "bonded fins have a floor and a ceiling node"
    );
    let (kb, kt) = (cells.start, cells.start + 1);
    let (t, w, hh) = (FIN_MM * 1e-3, GAP_MM * 1e-3, FINS_MM * 1e-3);
    let m = (2.0 * h_w / (K_CU * t)).sqrt();
    let g = K_CU * t * m;
    let mh = m * hh;
    let g_e = (h_w * w + g * (mh.cosh() - 1.0) / mh.sinh()) / (t + w);
    let g_bt = g / ((t + w) * mh.sinh());
    let q = p_w / (0.03 * len * 1e-3);
    let theta_b = q / (g_e * (1.0 + g_bt / (g_e + g_bt)));
    let theta_t = theta_b * g_bt / (g_e + g_bt);
    let i = f.nx / 2;
    // Rows 60–90 mm lie > 20 axial decay lengths from the ends (as in `coolant`): there the
    // discrete solution is the 1-D one to ~1e-9; 1e-6 relative bounds it with margin.
    for j in 60..90 {
        let tf = f.fluid_c[f.idx(i, j, kb)];
        let (tb, tt) = (f.solid_c[f.idx(i, j, kb)], f.solid_c[f.idx(i, j, kt)]);
        assert!(
            ((tb - tf) - theta_b).abs() <= 1e-6 * theta_b,
            "row {j}: floor {} vs {theta_b}",
            tb - tf
        );
        assert!(
            ((tt - tf) - theta_t).abs() <= 1e-6 * theta_b,
            "row {j}: ceiling {} vs {theta_t}",
            tt - tf
        );
    }
    assert!(s.results.energy_balance_error.unwrap() <= 1e-6);
}

fn rubin() -> (String, PathBuf) {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../examples/rubin-2300w.toml");
    (std::fs::read_to_string(&path).unwrap(), path)
}

fn with(text: &str, path: &Path, sets: &[&str]) -> Result<Design, String> {
    let o: Vec<Override> = sets.iter().map(|s| s.parse().unwrap()).collect();
    Design::from_toml_str_with(text, path, &o).map_err(|e| e.to_string())
}

fn coarse(d: Design) -> Results {
    // 2 mm cells keep it quick; the comparison does not depend on the cell size.
    d.with_cell_mm(2.0)
        .unwrap()
        .solve(&SolveOptions::default())
        .unwrap()
        .results
}

#[test]
fn default_fin_root_is_bottom_on_a_shipped_design() {
    let (text, path) = rubin();
    let omitted = with(&text, &path, &[]).unwrap();
    let written = with(
        &text,
        &path,
        &["layers.coldplate_fins.channels.fin_root=bottom"],
    )
    .unwrap();
    assert_eq!(omitted, written);
    let (a, b) = (coarse(omitted), coarse(written));
    assert_eq!(a.max_c.to_bits(), b.max_c.to_bits());
    for (x, y) in a.blocks.iter().zip(&b.blocks) {
        assert_eq!(x.max_c.to_bits(), y.max_c.to_bits(), "{}", x.name);
    }
    let both = with(
        &text,
        &path,
        &["layers.coldplate_fins.channels.fin_root=both"],
    )
    .unwrap();
    let fins = both
        .layers
        .iter()
        .find(|l| l.name == "coldplate_fins")
        .unwrap();
    assert_eq!(fins.channels[0].fin_root, FinRoot::Both);
    let r = coarse(both);
    assert!(r.energy_balance_error.unwrap() <= 1e-6);
    let z = r
        .layers
        .iter()
        .find(|l| l.name == "coldplate_fins")
        .unwrap()
        .z_cells;
    assert_eq!(z, 2);
}

#[test]
fn bad_fin_root_is_a_one_line_error_listing_the_values() {
    let (text, path) = rubin();
    let e = with(
        &text,
        &path,
        &["layers.coldplate_fins.channels.fin_root=sideways"],
    )
    .unwrap_err();
    assert!(!e.contains('\n'), "{e}");
    assert!(e.contains("fin_root"), "{e}");
    assert!(e.contains("\"bottom\", \"top\", \"both\""), "{e}");
    assert!(e.contains("sideways"), "{e}");
}

#[test]
fn fields_of_one_layer_share_their_fin_root() {
    let text = r#"
name = "two fields"
[domain]
width_mm = 20.0
depth_mm = 10.0
cell_mm = 1.0
[[layers]]
name = "base"
thickness_mm = 1.0
material = "copper"
[[layers]]
name = "fins"
thickness_mm = 2.0
material = "copper"
[[layers.channels]]
width_mm = 10.0
direction = "+y"
fin_thickness_mm = 0.1
channel_width_mm = 0.2
[[layers.channels]]
x_mm = 10.0
direction = "+y"
fin_thickness_mm = 0.1
channel_width_mm = 0.2
fin_root = "both"
[[blocks]]
name = "die"
layer = "base"
x_mm = 2.0
y_mm = 2.0
width_mm = 4.0
depth_mm = 4.0
material = "copper"
power_w = 10.0
[coolant]
fluid = "water"
inlet_c = 30.0
flow_lpm = 0.5
"#;
    let e = Design::from_toml_str(text, Path::new("x.toml"))
        .unwrap_err()
        .to_string();
    assert!(e.contains("layers[1].channels[1].fin_root"), "{e}");
    assert!(!e.contains('\n'), "{e}");
    let ok = text.replace("fin_root = \"both\"", "fin_root = \"bottom\"");
    Design::from_toml_str(&ok, Path::new("x.toml")).unwrap();
}

#[test]
fn bonded_fins_store_heat_in_both_cells_and_the_whole_channel_volume() {
    use coldtray_solver::model::Transient;
    use coldtray_solver::run::transient::Stepper;
    let rc = |mut m: coldtray_solver::model::Material, rho: f64, cp: f64| {
        m.density_kg_m3 = Some(rho);
        m.cp_j_kgk = Some(cp);
        m
    };
    let (rho_cu, cp_cu) = (8960.0, 385.0);
    let cu = rc(mat("copper", K_CU, K_CU), rho_cu, cp_cu);
    let mut fins = fin_layer(FinRoot::Both, (0.0, 0.0, 10.0, 10.0), Some(20_000.0));
    fins.material = cu.clone();
    fins.channels[0].fin_material = cu.clone();
    let layers = vec![
        layer("base", 1.0, cu.clone(), 2),
        fins,
        layer("cover", 1.0, cu.clone(), 2),
    ];
    let mut d = design(
        10.0,
        10.0,
        1.0,
        layers,
        vec![block("heater", 0, 2.0, 2.0, 6.0, 6.0, cu, 20.0)],
    );
    d.coolant = Some(coolant(35.0, 0.05, WATERISH));
    d.transient = Some(Transient {
        duration_s: 100.0,
        dt_s: 2.0,
        initial_c: 35.0,
        trace: None,
        probes: vec![0],
    });
    // Plates 2 × 1 mm of copper; the fin layer 2 mm: fins t_f/p of copper in its two cells,
    // the channels w_c/p of coolant in the one coolant node, over the whole height.
    let (p, v_mm3) = (FIN_MM + GAP_MM, 100.0);
    let expect_j_k = 1e-9
        * v_mm3
        * (2.0 * rho_cu * cp_cu
            + FINS_MM * FIN_MM / p * rho_cu * cp_cu
            + FINS_MM * GAP_MM / p * WATERISH.density_kg_m3 * WATERISH.cp_j_kgk);
    let cap: f64 = Stepper::new(&d, 35.0).unwrap().cap_j_k.iter().sum();
    assert!(
        (cap - expect_j_k).abs() <= 1e-12 * expect_j_k,
        "{cap} vs {expect_j_k}"
    );
    // A long run ends at the steady solution: the stack's time constant (≈ 2 J/K over a few
    // W/K, under a second) has decayed by far more than 1e-10 in 50 steps of 2 s.
    let tr = solve(&d, 1e-10);
    let mut steady = d.clone();
    steady.transient = None;
    let ss = solve(&steady, 1e-10);
    let rise = ss.results.max_c - 35.0;
    let worst = tr
        .field
        .solid_c
        .iter()
        .zip(&ss.field.solid_c)
        .map(|(a, b)| (a - b).abs())
        .fold(0.0, f64::max);
    assert!(
        worst <= 1e-6 * rise,
        "max |ΔT| {worst:e} K of a {rise} K rise"
    );
}
