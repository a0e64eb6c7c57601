//! Areal resistances (`r_mm2k_w`) against the 1-D answer, and the plausibility warnings and
//! errors of `results.warnings` on the shipped designs and on unit slips.

use std::path::{Path, PathBuf};

use coldtray_solver::results::warnings::codes;
use coldtray_solver::{Design, SolveOptions};

fn example(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../examples")
        .join(name)
}

/// A 10 × 10 mm 1-D stack: 100 W in a silicon heater at the bottom, a TIM layer given as
/// `tim` (TOML), a copper plate, top convection; adiabatic elsewhere.
fn stack(tim: &str) -> String {
    format!(
        r#"
name = "r-stack"
[domain]
width_mm = 10.0
depth_mm = 10.0
cell_mm = 2.0
[[layers]]
name = "die"
thickness_mm = 0.5
material = "silicon"
[[layers]]
name = "tim"
thickness_mm = 0.05
{tim}
[[layers]]
name = "plate"
thickness_mm = 2.0
material = "copper"
[[blocks]]
name = "heater"
layer = "die"
x_mm = 0.0
y_mm = 0.0
width_mm = 10.0
depth_mm = 10.0
material = "silicon"
power_w = 100.0
[boundary]
top = {{ h_w_m2k = 20000.0, ambient_c = 30.0 }}
"#
    )
}

/// ΔT across a TIM given as R″ is q″·R″: 100 W over 100 mm² is q″ = 1 W/mm², so R″ = 8
/// mm²·K/W drops 8 K. In 1-D the finite-volume profile is piecewise linear in source-free
/// layers and the budget's interface temperatures are flux-continuous, so the drop is exact
/// to the solver tolerance (1e-12 relative residual; 1e-6 K allows for rounding).
#[test]
fn an_areal_resistance_drops_q_times_r() {
    let d = Design::from_toml_str(&stack("r_mm2k_w = 8.0"), Path::new("r.toml")).unwrap();
    // k = t / R″ = 0.05e-3 m / 8e-6 m²K/W = 6.25 W/(m·K).
    assert!((d.layers[1].material.k_z - 6.25).abs() < 1e-12);
    let s = d
        .solve(&SolveOptions {
            tolerance: 1e-12,
            ..Default::default()
        })
        .unwrap();
    let budget = s.results.blocks[0].budget.as_ref().unwrap();
    let tim = budget.terms.iter().find(|t| t.name == "tim").unwrap();
    assert!((tim.drop_k - 8.0).abs() < 1e-6, "ΔT = {}", tim.drop_k);
    assert!(s.results.warnings.is_empty(), "{:?}", s.results.warnings);
}

#[test]
fn material_or_areal_resistance_not_both_nor_neither() {
    let both = stack("material = \"tim_grease\"\nr_mm2k_w = 8.0");
    let e = Design::from_toml_str(&both, Path::new("r.toml"))
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("layers[1].r_mm2k_w") && e.contains("not both"),
        "{e}"
    );
    assert_eq!(e.lines().count(), 1, "{e}");
    let e = Design::from_toml_str(&stack(""), Path::new("r.toml"))
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("layers[1].material") && e.contains("r_mm2k_w"),
        "{e}"
    );
    let e = Design::from_toml_str(&stack("r_mm2k_w = -1.0"), Path::new("r.toml"))
        .unwrap_err()
        .to_string();
    assert!(e.contains("layers[1].r_mm2k_w"), "{e}");
    // A block may give one too; air is built in.
    let blk = stack("material = \"air\"")
        .replace("material = \"silicon\"\npower_w", "r_mm2k_w = 5.0\npower_w");
    let d = Design::from_toml_str(&blk, Path::new("r.toml")).unwrap();
    assert!((d.blocks[0].material.k_z - 1000.0 * 0.5 / 5.0).abs() < 1e-9);
    assert_eq!(d.layers[1].material.k_z, 0.0263);
}

fn codes_of(d: &Design) -> Vec<String> {
    let s = d.solve(&SolveOptions::default()).unwrap();
    s.results.warnings.iter().map(|w| w.code.clone()).collect()
}

/// The shipped designs run without a single warning (at their own grid).
#[test]
fn shipped_examples_have_no_warnings() {
    for name in [
        "rubin-2300w.toml",
        "rubin-1800w.toml",
        "validation/tray-vr200-flat.toml",
        "rubin-2300w-step.toml",
    ] {
        let d = Design::load(&example(name)).unwrap();
        assert_eq!(codes_of(&d), Vec::<String>::new(), "{name}");
    }
}

fn rubin() -> Design {
    Design::load(&example("rubin-2300w.toml"))
        .unwrap()
        .with_cell_mm(2.0)
        .unwrap()
}

/// mL/min typed as L/min (2400 for 2.4 L/min): warnings for velocity, then the slip last,
/// naming the mistake; the results are still produced (single-phase, energy conserved).
#[test]
fn millilitres_typed_as_litres_end_in_a_unit_slip_warning() {
    let mut d = rubin();
    d.coolant.as_mut().unwrap().flow_lpm = 2400.0;
    let s = d.solve(&SolveOptions::default()).unwrap();
    let w = &s.results.warnings;
    assert!(w.iter().any(|w| w.code == codes::VELOCITY_EROSION), "{w:?}");
    let last = w.last().unwrap();
    assert_eq!(last.code, codes::LIKELY_UNIT_SLIP);
    assert!(
        last.message.contains("1000×") && last.message.contains("mL/min typed as L/min"),
        "{}",
        last.message
    );
}

/// A flow 1000× too small would boil the coolant (a 10,000 °C "outlet"): a validation error
/// at `coolant.flow_lpm` naming the likely slip, not a result.
#[test]
fn a_flow_that_boils_the_coolant_is_an_error_naming_the_field() {
    let text = std::fs::read_to_string(example("rubin-2300w.toml")).unwrap();
    let set = |v: &str| {
        let o: coldtray_solver::design::Override = format!("coolant.flow_lpm={v}").parse().unwrap();
        Design::from_toml_str_with(&text, Path::new("r.toml"), &[o])
    };
    let e = set("0.00345").unwrap_err().to_string();
    assert!(
        e.contains("coolant.flow_lpm") && e.contains("boiling"),
        "{e}"
    );
    assert!(e.contains("1/1000") && e.contains("m³/min"), "{e}");
    // Just past boiling (2300 W at 0.6 L/min of PG25: ΔT ≈ 57 K from 45 °C): an error that
    // suggests a flow instead of a slip.
    let e = set("0.6").unwrap_err().to_string();
    assert!(e.contains("raise the flow"), "{e}");
    assert!(set("1.0").is_ok());
}

/// 0.75 L/min for 2.3 kW: 0.33 L/min/kW (below 0.5), a ≈46 K rise to ≈91 °C, the hottest
/// channel cell within 10 K of PG25's 102 °C, and the dies (limit 90 °C) over their limits.
#[test]
fn too_little_flow_warns_flow_per_kw_boiling_and_limits() {
    let mut d = rubin();
    d.coolant.as_mut().unwrap().flow_lpm = 0.75;
    let s = d.solve(&SolveOptions::default()).unwrap();
    let c: Vec<&str> = s.results.warnings.iter().map(|w| w.code.as_str()).collect();
    for want in [
        codes::FLOW_PER_KW,
        codes::NEAR_BOILING,
        codes::BLOCK_OVER_LIMIT,
    ] {
        assert!(c.contains(&want), "{want} missing: {c:?}");
    }
    let over = s.results.blocks_over_limit();
    assert!(!over.is_empty());
    assert_eq!(
        c.iter().filter(|&&x| x == codes::BLOCK_OVER_LIMIT).count(),
        over.len()
    );
}

/// A Reynolds number in the 2300–3000 blend is flagged: scale the flow so the channel Re is
/// 2650 (Re ∝ flow at fixed properties; the properties move slightly with the coolant
/// temperature, so aim at the middle of the band).
#[test]
fn a_transitional_reynolds_number_is_flagged() {
    let mut d = rubin();
    let re = coldtray_solver::assembly::coolant::analyse(&d)
        .unwrap()
        .fields[0]
        .perf
        .reynolds;
    d.coolant.as_mut().unwrap().flow_lpm *= 2650.0 / re;
    let s = d.solve(&SolveOptions::default()).unwrap();
    let w = &s.results.warnings;
    assert!(
        w.iter().any(|w| w.code == codes::REYNOLDS_OUT_OF_RANGE),
        "Re {re} → {w:?}"
    );
}
