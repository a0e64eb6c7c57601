//! Built-in solid materials and coolants, each number with its source.
//!
//! Sources are abbreviated:
//! - **\[PR\]** the physics reference, `docs/physics.md` (sourced facts gathered for this product).
//! - **\[Inc\]** Incropera, DeWitt, Bergman, Lavine, *Fundamentals of Heat and Mass Transfer*,
//!   6th ed., Table A.1 (metals at 300 K), Table A.4 (air at 1 atm) and Table A.6 (saturated
//!   water).
//! - **\[CRC\]** *CRC Handbook of Chemistry and Physics*, 97th ed., "Thermal conductivity of
//!   the elements" and "Properties of the elements".
//! - **\[E\]** an engineering estimate, stated as such; change it with a `[[materials]]` entry.
//!
//! Conductivities are room-to-operating-temperature values; the solver uses them as constants.
//!
//! Fluids are property tables in temperature. **The solver evaluates the coolant's properties
//! once, at the mean coolant temperature** ((inlet + outlet)/2, iterated with the solution),
//! via [`model::Fluid::props_at`], which interpolates linearly and clamps at the table ends.

use crate::model::{self, FluidProps};

/// One built-in solid: `(name, k_xy, k_z, density_kg_m3, cp_j_kgk, source)`; `source` is the
/// short citation `coldtray materials` prints (the comment above each row has the detail).
type SolidRow = (&'static str, f64, f64, f64, f64, &'static str);

/// The built-in solid library. Conductivities in W/(m·K), density kg/m³, cp J/(kg·K).
const SOLIDS: &[SolidRow] = &[
    // Silicon: k = 130 W/m·K and ρ·cp = 1.628e6 J/m³K are 3D-ICE's convention for dies at
    // operating temperature [PR §2, esl-epfl/3d-ice]; pure Si is ~148 at 300 K and falls with T
    // [PR]. ρ = 2329 [CRC]; cp = 1.628e6 / 2329 = 699 J/kg·K (so ρ·cp matches 3D-ICE).
    (
        "silicon",
        130.0,
        130.0,
        2329.0,
        699.0,
        "3D-ICE convention (k, rho*cp) [PR §2]; rho [CRC]",
    ),
    // Copper (skived / C1xxxx cold plates and lids): k = 385 [PR §2: 385–400, skived copper
    // at 385]; ρ = 8933, cp = 385 [Inc A.1, pure copper].
    (
        "copper",
        385.0,
        385.0,
        8933.0,
        385.0,
        "k [PR §2]; rho, cp [Inc A.1]",
    ),
    // Aluminum, as the 6061-T6 alloy used for cold plates and frames: k = 167, ρ = 2700,
    // cp = 896 (ASM Handbook Vol. 2, 6061-T6). Pure Al would be 237 / 2702 / 903 [Inc A.1].
    (
        "aluminum",
        167.0,
        167.0,
        2700.0,
        896.0,
        "ASM Handbook Vol. 2, 6061-T6",
    ),
    // Indium (solder TIM1): k = 81.8, ρ = 7310, cp = 233 [CRC].
    ("indium", 81.8, 81.8, 7310.0, 233.0, "[CRC]"),
    // Gallium-based liquid-metal TIM: k = 73 is a vendor claim for a GB300 liquid-metal TIM
    // [PR §2, cooling-thermal.com, unverified]; Galinstan itself is ~16.5. ρ = 6440,
    // cp = 296 are Galinstan's (Geratherm datasheet). [E] for the combination.
    (
        "liquid_metal",
        73.0,
        73.0,
        6440.0,
        296.0,
        "k vendor claim [PR §2]; rho, cp Galinstan datasheet [E]",
    ),
    // Thermal grease: k = 5 (the middle of 3–12 W/m·K [PR §2]); ρ = 2500, cp = 800 are
    // typical of alumina/zinc-oxide filled silicone greases. [E]
    (
        "tim_grease",
        5.0,
        5.0,
        2500.0,
        800.0,
        "k [PR §2]; rho, cp [E]",
    ),
    // Epoxy mold compound (silica filled): k = 0.9 (typical datasheets 0.7–1.0), ρ = 1950,
    // cp = 900. [E]
    ("mold", 0.9, 0.9, 1950.0, 900.0, "[E] typical datasheets"),
    // Capillary underfill (silica-filled epoxy): k = 0.5, ρ = 1700, cp = 1000. [E]
    ("underfill", 0.5, 0.5, 1700.0, 1000.0, "[E]"),
    // Organic (ABF build-up) package substrate with copper planes, homogenised: copper planes
    // carry heat in plane, the dielectric blocks it through plane. k_xy = 30, k_z = 0.8,
    // ρ = 2000, cp = 900. [E] (in-plane 20–50 and through-plane 0.5–1 are the usual
    // modelling range for multilayer substrates.)
    (
        "organic_substrate",
        30.0,
        0.8,
        2000.0,
        900.0,
        "[E] usual modelling range",
    ),
    // FR-4 laminate (no copper): k_xy = 0.81, k_z = 0.29 (Sarvar, Poole, Withey, "PCB
    // glass-fibre laminates: thermal conductivity measurements", Proc. EPTC 2006); ρ = 1850,
    // cp = 1100 (typical laminate datasheets). [E] for ρ and cp.
    (
        "fr4",
        0.81,
        0.29,
        1850.0,
        1100.0,
        "k Sarvar et al., EPTC 2006; rho, cp [E]",
    ),
    // Solder, SAC305 (Sn96.5Ag3.0Cu0.5): k = 58, ρ = 7380, cp = 230 (NIST solder database,
    // "Database for Solder Properties with Emphasis on New Lead-free Solders", 2002). [E] for cp.
    (
        "solder",
        58.0,
        58.0,
        7380.0,
        230.0,
        "NIST solder database 2002; cp [E]",
    ),
    // Nickel (lid plating): k = 90.7, ρ = 8900, cp = 444 [Inc A.1].
    ("nickel", 90.7, 90.7, 8900.0, 444.0, "[Inc A.1]"),
    // HBM stack, homogenised: 12–16 thinned DRAM dies (silicon) joined by bond layers of
    // micro-bumps in polymer (NCF or molded underfill). In plane the silicon dominates, through
    // plane the bond layers do. k_xy = 100, k_z = 7: 3ω measurements on an HBM device (Chalise &
    // Cahill, "Anisotropic thermal conductivity of high bandwidth memory", arXiv:2303.06785 —
    // a preprint since withdrawn, so treat these as [E]). ρ = 2400, cp = 720: silicon with a
    // little polymer [E]. No public HBM4 data; override with a `[[materials]]` named `hbm_stack`.
    (
        "hbm_stack",
        100.0,
        7.0,
        2400.0,
        720.0,
        "Chalise & Cahill arXiv:2303.06785 (withdrawn) [E]",
    ),
    // Dry air at 300 K and 1 atm: k = 0.0263, ρ = 1.1614, cp = 1007 [Inc Table A.4]. For air
    // gaps (a lid cavity, a gap between die and plate); a gap this thin does not convect.
    (
        "air",
        0.0263,
        0.0263,
        1.1614,
        1007.0,
        "[Inc A.4], 300 K, 1 atm",
    ),
];

/// Names of the built-in solids, in library order.
pub fn builtin_material_names() -> Vec<&'static str> {
    SOLIDS.iter().map(|r| r.0).collect()
}

/// A built-in solid by name.
pub fn builtin_material(name: &str) -> Option<model::Material> {
    SOLIDS
        .iter()
        .find(|r| r.0 == name)
        .map(|&(name, k_xy, k_z, rho, cp, _)| model::Material {
            name: name.to_string(),
            k_xy,
            k_z,
            density_kg_m3: Some(rho),
            cp_j_kgk: Some(cp),
        })
}

/// The reserved fill name of a layer that has cells only where blocks are placed
/// ([`model::Layer::is_void`]); no block, fin or `[[materials]]` entry may use it.
pub const VOID: &str = "void";

/// The fill of a void layer: conducts nothing and holds no heat (its cells are decoupled from
/// every neighbour and excluded from results).
pub fn void_material() -> model::Material {
    model::Material {
        name: VOID.to_string(),
        k_xy: 0.0,
        k_z: 0.0,
        density_kg_m3: Some(0.0),
        cp_j_kgk: Some(0.0),
    }
}

/// The short citation of a built-in solid's numbers (the abbreviations of the module doc).
pub fn builtin_material_source(name: &str) -> Option<&'static str> {
    SOLIDS.iter().find(|r| r.0 == name).map(|r| r.5)
}

/// Build a `FluidProps` from a row `(ρ kg/m³, cp J/kg·K, k W/m·K, μ mPa·s)`.
const fn props(rho: f64, cp: f64, k: f64, mu_mpa_s: f64) -> FluidProps {
    FluidProps {
        density_kg_m3: rho,
        cp_j_kgk: cp,
        k,
        viscosity_pa_s: mu_mpa_s * 1e-3,
    }
}

/// Liquid water at 1 atm, 10–90 °C: IAPWS-95 values as tabulated in the NIST Chemistry
/// WebBook (isobaric properties of water, 0.101325 MPa); they agree with [Inc A.6] to the
/// digits shown. Check against [PR §2]: at 35 °C this table interpolates to 994 kg/m³,
/// 4178.5 J/kg·K, 0.623 W/m·K, 0.725 mPa·s (PR: 994, 4179, 0.622, 0.72).
const WATER: &[(f64, FluidProps)] = &[
    (10.0, props(999.7, 4192.0, 0.580, 1.306)),
    (20.0, props(998.2, 4184.0, 0.598, 1.002)),
    (30.0, props(995.6, 4180.0, 0.615, 0.797)),
    (40.0, props(992.2, 4179.0, 0.631, 0.653)),
    (50.0, props(988.0, 4181.0, 0.644, 0.547)),
    (60.0, props(983.2, 4185.0, 0.654, 0.467)),
    (70.0, props(977.8, 4190.0, 0.663, 0.404)),
    (80.0, props(971.8, 4197.0, 0.670, 0.355)),
    (90.0, props(965.3, 4205.0, 0.675, 0.315)),
];

/// PG25 (propylene glycol / water, ≈25 %): CoolProp 8.0 `INCOMP::MPG[0.257]` [PR §2 table].
/// Only 30–55 °C is tabulated (the validator rejects an inlet outside the table; the mean
/// coolant temperature can pass 55 °C, where the properties are clamped to the last row).
const PG25: &[(f64, FluidProps)] = &[
    (30.0, props(1015.5, 3937.0, 0.473, 1.82)),
    (40.0, props(1010.4, 3961.0, 0.482, 1.38)),
    (45.0, props(1007.7, 3973.0, 0.487, 1.22)),
    (55.0, props(1001.9, 3997.0, 0.495, 0.99)),
];

/// Names of the built-in fluids.
pub fn builtin_fluid_names() -> Vec<&'static str> {
    vec!["water", "pg25"]
}

/// The source of a built-in fluid's property table.
pub fn builtin_fluid_source(name: &str) -> Option<&'static str> {
    match name {
        "water" => Some("IAPWS-95 via NIST Chemistry WebBook, 1 atm [Inc A.6]"),
        "pg25" => Some("CoolProp 8.0 INCOMP::MPG[0.257] [PR §2]"),
        _ => None,
    }
}

/// Boiling point of a built-in fluid at 1 atm (101.325 kPa), °C. The model has no loop
/// pressure, so the plausibility checks compare the coolant with this; a pressurised loop
/// boils higher (water at 2 bar absolute: 120 °C), so this is the conservative figure.
/// - water: 99.97 °C (IAPWS-95, NIST Chemistry WebBook saturation table).
/// - pg25: 102 °C, the boiling point of ≈25 % propylene glycol in water at 1 atm (Dow,
///   *DOWFROST engineering and operating guide*, boiling-point table: 216 °F at 25 wt %). \[E\]
///   to ±1 K for our 25 vol % mixture.
pub fn builtin_fluid_boiling_c(name: &str) -> Option<f64> {
    match name {
        "water" => Some(99.97),
        "pg25" => Some(102.0),
        _ => None,
    }
}

/// A built-in fluid by name.
pub fn builtin_fluid(name: &str) -> Option<model::Fluid> {
    let table = match name {
        "water" => WATER,
        "pg25" => PG25,
        _ => return None,
    };
    Some(model::Fluid {
        name: name.to_string(),
        table: table.to_vec(),
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn every_builtin_is_physical_and_named_in_the_contract() {
        // The design format documents these as the minimum library.
        for name in [
            "silicon",
            "copper",
            "aluminum",
            "indium",
            "liquid_metal",
            "tim_grease",
            "mold",
            "underfill",
            "organic_substrate",
            "fr4",
            "solder",
            "nickel",
            "air",
        ] {
            let m = builtin_material(name).unwrap();
            assert!(m.k_xy > 0.0 && m.k_z > 0.0, "{name}");
            assert!(m.density_kg_m3.unwrap() > 0.0 && m.cp_j_kgk.unwrap() > 0.0);
        }
        let sub = builtin_material("organic_substrate").unwrap();
        assert!(sub.k_xy > sub.k_z, "substrate must be anisotropic");
        let fr4 = builtin_material("fr4").unwrap();
        assert!(fr4.k_xy > fr4.k_z, "fr4 must be anisotropic");
        assert!(builtin_material("unobtainium").is_none());
        for name in builtin_material_names() {
            assert!(
                builtin_material_source(name).is_some_and(|s| !s.is_empty()),
                "{name}"
            );
        }
        for name in builtin_fluid_names() {
            assert!(builtin_fluid_source(name).is_some(), "{name}");
            assert!(builtin_fluid_boiling_c(name).is_some(), "{name}");
        }
        // Air at 300 K, Incropera Table A.4: k = 0.0263 W/m·K, ρ = 1.1614, cp = 1007.
        let air = builtin_material("air").unwrap();
        assert_eq!((air.k_z, air.density_kg_m3), (0.0263, Some(1.1614)));
    }

    #[test]
    fn silicon_volumetric_heat_capacity_matches_3d_ice() {
        // 3D-ICE uses ρ·cp = 1.628e6 J/m³K; our ρ and cp are chosen to reproduce it to 0.1 %.
        let si = builtin_material("silicon").unwrap();
        let rho_cp = si.density_kg_m3.unwrap() * si.cp_j_kgk.unwrap();
        assert!((rho_cp - 1.628e6).abs() / 1.628e6 < 1e-3);
    }

    #[test]
    fn fluid_tables_ascend_and_interpolate_to_published_values() {
        for name in builtin_fluid_names() {
            let f = builtin_fluid(name).unwrap();
            assert!(f.table.windows(2).all(|w| w[0].0 < w[1].0), "{name}");
        }
        // Water at 35 °C, docs/physics.md §2: 994 kg/m³, 4179 J/kg·K, 0.622 W/m·K,
        // 0.72 mPa·s. Linear interpolation between 30 and 40 °C is good to ~1 % for μ (the
        // curvature of μ(T)) and far better for the others.
        let w = builtin_fluid("water").unwrap().props_at(35.0);
        assert!((w.density_kg_m3 - 994.0).abs() < 1.0);
        assert!((w.cp_j_kgk - 4179.0).abs() < 2.0);
        assert!((w.k - 0.622).abs() < 0.002);
        assert!((w.viscosity_pa_s - 0.72e-3).abs() / 0.72e-3 < 0.02);
        // PG25 at 45 °C is a table row: exact.
        let p = builtin_fluid("pg25").unwrap().props_at(45.0);
        assert_eq!(p.cp_j_kgk, 3973.0);
        assert_eq!(p.viscosity_pa_s, 1.22e-3);
        // Prandtl number at 45 °C, docs/physics.md: 9.7 (at 25 wt %); ours (25 vol %) 9.95.
        let pr = p.cp_j_kgk * p.viscosity_pa_s / p.k;
        assert!((pr - 9.7).abs() < 0.5, "Pr = {pr}");
    }
}
