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
//! Fluids are property tables in temperature. The steady solver evaluates the coolant's
//! properties **at the local coolant temperature of every fluid cell**, iterated with the
//! solution, via [`model::Fluid::props_at`] (linear in ρ, c_p and k, log-linear in μ); a
//! coolant that leaves its table, or reaches its boiling point at the loop pressure
//! ([`builtin_fluid_boiling_c_at`]), is an error, never a clamped value.

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

/// Liquid water at 1 atm (101.325 kPa), 1–95 °C in 5 K steps (1 °C instead of 0 so the
/// first row is clearly liquid). Computed from the IAPWS formulations the NIST Chemistry
/// WebBook tabulates: IAPWS-95 for ρ and c_p (Wagner & Pruß, *J. Phys. Chem. Ref. Data*
/// 31(2), 2002), IAPWS 2008 for μ (Huber et al., *J. Phys. Chem. Ref. Data* 38(2), 2009),
/// IAPWS 2011 for k (Huber et al., *J. Phys. Chem. Ref. Data* 41(3), 2012), evaluated with
/// CoolProp 8.0 (`Water`, HEOS backend) and rounded to the digits shown. At 20 °C they are the
/// WebBook's 998.21 kg/m³, 4184.1 J/(kg·K), 0.5980 W/(m·K), 1.0016 mPa·s. Linear (ρ, c_p, k)
/// and log-linear (μ) interpolation between the rows reproduces the formulations to 0.03 %
/// (ρ, c_p, k) and 0.2 % (μ).
const WATER: &[(f64, FluidProps)] = &[
    (1.0, props(999.90, 4216.1, 0.5582, 1.7310)),
    (5.0, props(999.97, 4205.0, 0.5678, 1.5182)),
    (10.0, props(999.70, 4195.2, 0.5788, 1.3059)),
    (15.0, props(999.10, 4188.5, 0.5888, 1.1376)),
    (20.0, props(998.21, 4184.1, 0.5980, 1.0016)),
    (25.0, props(997.05, 4181.3, 0.6065, 0.8900)),
    (30.0, props(995.65, 4179.8, 0.6144, 0.7972)),
    (35.0, props(994.03, 4179.3, 0.6217, 0.7191)),
    (40.0, props(992.22, 4179.4, 0.6285, 0.6527)),
    (45.0, props(990.21, 4180.1, 0.6348, 0.5958)),
    (50.0, props(988.04, 4181.3, 0.6406, 0.5465)),
    (55.0, props(985.69, 4183.0, 0.6460, 0.5036)),
    (60.0, props(983.20, 4185.0, 0.6510, 0.4660)),
    (65.0, props(980.55, 4187.3, 0.6556, 0.4329)),
    (70.0, props(977.76, 4190.1, 0.6598, 0.4035)),
    (75.0, props(974.84, 4193.2, 0.6636, 0.3774)),
    (80.0, props(971.79, 4196.8, 0.6670, 0.3541)),
    (85.0, props(968.61, 4200.7, 0.6701, 0.3331)),
    (90.0, props(965.31, 4205.2, 0.6728, 0.3142)),
    (95.0, props(961.89, 4210.2, 0.6752, 0.2971)),
];

/// PG25: propylene glycol in water, 25 % by volume (25.7 % by mass), −10–100 °C in 5 K
/// steps (it freezes at −10.2 °C). Computed from Melinder's correlations for aqueous
/// propylene glycol (Å. Melinder, *Properties of Secondary Working Fluids for Indirect
/// Systems*, 2nd ed., IIR, 2010) as implemented in CoolProp 8.0, `INCOMP::MPG[0.257]` (the
/// mass fraction), rounded to the digits shown. Interpolation reproduces the correlations to
/// 0.003 % (ρ, c_p, k) and 0.25 % (μ).
#[allow(clippy::approx_constant)] // k = 0.5235 W/(m·K) at 90 °C is data, not π/6
const PG25: &[(f64, FluidProps)] = &[
    (-10.0, props(1028.71, 3838.4, 0.4376, 9.5591)),
    (-5.0, props(1027.78, 3850.6, 0.4421, 7.3204)),
    (0.0, props(1026.62, 3862.8, 0.4466, 5.7131)),
    (5.0, props(1025.24, 3875.1, 0.4511, 4.5394)),
    (10.0, props(1023.66, 3887.4, 0.4556, 3.6686)),
    (15.0, props(1021.88, 3899.7, 0.4600, 3.0126)),
    (20.0, props(1019.91, 3912.0, 0.4645, 2.5113)),
    (25.0, props(1017.77, 3924.3, 0.4690, 2.1229)),
    (30.0, props(1015.47, 3936.6, 0.4734, 1.8182)),
    (35.0, props(1013.01, 3948.8, 0.4778, 1.5761)),
    (40.0, props(1010.41, 3961.0, 0.4822, 1.3815)),
    (45.0, props(1007.67, 3973.1, 0.4866, 1.2232)),
    (50.0, props(1004.82, 3985.1, 0.4909, 1.0930)),
    (55.0, props(1001.85, 3996.9, 0.4952, 0.9846)),
    (60.0, props(998.79, 4008.7, 0.4994, 0.8933)),
    (65.0, props(995.63, 4020.3, 0.5036, 0.8155)),
    (70.0, props(992.40, 4031.8, 0.5077, 0.7484)),
    (75.0, props(989.10, 4043.2, 0.5117, 0.6897)),
    (80.0, props(985.74, 4054.3, 0.5157, 0.6377)),
    (85.0, props(982.33, 4065.3, 0.5196, 0.5909)),
    (90.0, props(978.89, 4076.0, 0.5235, 0.5483)),
    (95.0, props(975.42, 4086.6, 0.5272, 0.5089)),
    (100.0, props(971.94, 4096.9, 0.5309, 0.4720)),
];

/// Names of the built-in fluids.
pub fn builtin_fluid_names() -> Vec<&'static str> {
    vec!["water", "pg25"]
}

/// The source of a built-in fluid's property table.
pub fn builtin_fluid_source(name: &str) -> Option<&'static str> {
    match name {
        "water" => Some("IAPWS-95/2008/2011 (as NIST Chemistry WebBook), 1 atm"),
        "pg25" => Some("Melinder 2010 (IIR) via CoolProp 8.0 INCOMP::MPG[0.257]"),
        _ => None,
    }
}

/// One atmosphere, kPa: the default loop pressure.
pub const ATMOSPHERE_KPA: f64 = 101.325;

/// Mole fraction of water in PG25 (25.7 % propylene glycol by mass; M = 76.09 g/mol for
/// propylene glycol, 18.015 g/mol for water).
const PG25_WATER_MOLE_FRACTION: f64 = (74.3 / 18.015) / (74.3 / 18.015 + 25.7 / 76.094);

/// Boiling point of a built-in fluid at 1 atm (101.325 kPa), °C
/// ([`builtin_fluid_boiling_c_at`] at [`ATMOSPHERE_KPA`]).
pub fn builtin_fluid_boiling_c(name: &str) -> Option<f64> {
    builtin_fluid_boiling_c_at(name, ATMOSPHERE_KPA)
}

/// Boiling point of a built-in fluid at the absolute pressure `pressure_kpa`, °C.
/// - water: the saturation temperature of IAPWS-IF97 ([`water_saturation_c`]); 99.97 °C at
///   1 atm, 120.2 °C at 200 kPa.
/// - pg25: Raoult's law with propylene glycol non-volatile (its vapour pressure is ~0.1 % of
///   water's at 100 °C): the solution boils where x_w · p_sat,water(T) = p, i.e. at the water
///   saturation temperature of p / x_w, x_w = 0.924 the water mole fraction. At 1 atm that
///   is 102.2 °C, Dow's 216 °F for 25 % propylene glycol (*DOWFROST engineering and operating
///   guide*); \[E\] for other pressures (an ideal solution).
pub fn builtin_fluid_boiling_c_at(name: &str, pressure_kpa: f64) -> Option<f64> {
    match name {
        "water" => Some(water_saturation_c(pressure_kpa)),
        "pg25" => Some(water_saturation_c(pressure_kpa / PG25_WATER_MOLE_FRACTION)),
        _ => None,
    }
}

/// Coefficients n₁…n₁₀ of the IAPWS-IF97 saturation line (region 4, Table 34).
const IF97_N: [f64; 10] = [
    0.116_705_214_527_67e4,
    -0.724_213_167_032_06e6,
    -0.170_738_469_400_92e2,
    0.120_208_247_024_70e5,
    -0.323_255_503_223_33e7,
    0.149_151_086_135_30e2,
    -0.482_326_573_615_91e4,
    0.405_113_405_420_57e6,
    -0.238_555_575_678_49,
    0.650_175_348_447_98e3,
];

/// Saturation temperature of water at `pressure_kpa`, °C: the backward equation of the
/// IAPWS-IF97 saturation line (IAPWS R7-97(2012), eq. 31), valid from the triple point
/// (0.611657 kPa) to the critical point (22 064 kPa) and consistent with IAPWS-95 to within
/// 0.01 K there.
pub fn water_saturation_c(pressure_kpa: f64) -> f64 {
    let n = IF97_N;
    let beta = (pressure_kpa * 1e-3).powf(0.25);
    let e = beta * beta + n[2] * beta + n[5];
    let f = n[0] * beta * beta + n[3] * beta + n[6];
    let g = n[1] * beta * beta + n[4] * beta + n[7];
    let d = 2.0 * g / (-f - (f * f - 4.0 * e * g).sqrt());
    let t_k = 0.5 * (n[9] + d - ((n[9] + d).powi(2) - 4.0 * (n[8] + n[9] * d)).sqrt());
    t_k - 273.15
}

/// Saturation pressure of water at `t_c`, kPa: the IAPWS-IF97 saturation line (eq. 30), the
/// inverse of [`water_saturation_c`].
pub fn water_saturation_kpa(t_c: f64) -> f64 {
    let n = IF97_N;
    let t = t_c + 273.15;
    let th = t + n[8] / (t - n[9]);
    let a = th * th + n[0] * th + n[1];
    let b = n[2] * th * th + n[3] * th + n[4];
    let c = n[5] * th * th + n[6] * th + n[7];
    (2.0 * c / (-b + (b * b - 4.0 * a * c).sqrt())).powi(4) * 1e3
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
    fn fluid_tables_ascend_and_cover_the_documented_ranges() {
        for name in builtin_fluid_names() {
            let f = builtin_fluid(name).unwrap();
            assert!(f.table.windows(2).all(|w| w[0].0 < w[1].0), "{name}");
        }
        // docs/formats/design.md: water 1–95 °C, PG25 −10–100 °C.
        assert_eq!(builtin_fluid("water").unwrap().range_c(), Some((1.0, 95.0)));
        assert_eq!(
            builtin_fluid("pg25").unwrap().range_c(),
            Some((-10.0, 100.0))
        );
    }

    /// `(ρ, c_p, k, μ)` of `p` within the relative tolerances `tol` of `want`.
    fn near(p: FluidProps, want: [f64; 4], tol: [f64; 4]) -> bool {
        let got = [p.density_kg_m3, p.cp_j_kgk, p.k, p.viscosity_pa_s];
        (0..4).all(|i| ((got[i] - want[i]) / want[i]).abs() <= tol[i])
    }

    #[test]
    fn water_at_20_c_is_the_nist_webbook_value() {
        // NIST Chemistry WebBook, water at 20 °C and 0.101325 MPa: ρ 998.21 kg/m³, c_p 4184.1
        // J/(kg·K), k 0.59801 W/(m·K), μ 1.0016 mPa·s. A table row: equal to its digits.
        let w = builtin_fluid("water").unwrap().props_at(20.0);
        let want = [998.21, 4184.1, 0.598, 1.0016e-3];
        assert!(near(w, want, [1e-5, 1e-5, 1e-4, 1e-4]), "{w:?}");
    }

    #[test]
    fn interpolation_between_rows_reproduces_the_formulations() {
        // Values of the same formulations midway between rows (IAPWS-95/2008/2011 for water,
        // Melinder's correlations for PG25, both at 1 atm). Between rows the interpolation
        // error is second order in the 5 K step: ≤ 0.03 % for ρ, c_p, k and ≤ 0.25 % for μ
        // (ln μ is not exactly linear in T); the bounds are those with a little room.
        let tol = [3e-4, 3e-4, 5e-4, 3e-3];
        let cases = [
            ("water", 2.5, [999.957, 4211.57, 0.56188, 1.64590e-3]),
            ("water", 37.5, [993.149, 4179.26, 0.62516, 0.684621e-3]),
            ("water", 62.5, [981.891, 4186.09, 0.65334, 0.448958e-3]),
            ("pg25", -7.5, [1028.277, 3844.46, 0.43984, 8.34494e-3]),
            ("pg25", 42.5, [1009.055, 3967.03, 0.48442, 1.29839e-3]),
            ("pg25", 87.5, [980.615, 4070.68, 0.52156, 0.569145e-3]),
        ];
        for (name, t, want) in cases {
            let p = builtin_fluid(name).unwrap().props_at(t);
            assert!(near(p, want, tol), "{name} at {t} °C: {p:?} vs {want:?}");
        }
        // Prandtl number of PG25 at 45 °C: ≈ 10 (docs/physics.md).
        let p = builtin_fluid("pg25").unwrap().props_at(45.0);
        let pr = p.cp_j_kgk * p.viscosity_pa_s / p.k;
        assert!((pr - 10.0).abs() < 0.3, "Pr = {pr}");
    }

    #[test]
    fn interpolation_is_monotone_between_rows() {
        // Every interpolated property lies between its two neighbouring rows (no overshoot),
        // and the viscosity falls monotonically over the whole table.
        for name in builtin_fluid_names() {
            let f = builtin_fluid(name).unwrap();
            let (lo, hi) = f.range_c().unwrap();
            let mut last_mu = f64::INFINITY;
            let n = ((hi - lo) * 10.0) as usize;
            for s in 0..=n {
                let t = lo + (hi - lo) * s as f64 / n as f64;
                let p = f.props_at(t);
                assert!(p.viscosity_pa_s < last_mu || s == 0, "{name} μ at {t}");
                last_mu = p.viscosity_pa_s;
                let w = f.table.windows(2).find(|w| t <= w[1].0).unwrap();
                let (a, b) = (w[0].1, w[1].1);
                let between =
                    |v: f64, x: f64, y: f64| v >= x.min(y) - 1e-12 && v <= x.max(y) + 1e-12;
                assert!(between(p.density_kg_m3, a.density_kg_m3, b.density_kg_m3));
                assert!(between(p.cp_j_kgk, a.cp_j_kgk, b.cp_j_kgk));
                assert!(between(p.k, a.k, b.k));
                assert!(between(
                    p.viscosity_pa_s,
                    a.viscosity_pa_s,
                    b.viscosity_pa_s
                ));
            }
        }
    }

    #[test]
    fn enthalpy_is_the_integral_of_the_interpolated_cp() {
        // h(T2) − h(T1) against a midpoint-rule quadrature of props_at(T).c_p with 0.001 K
        // steps: c_p is piecewise linear, so the midpoint rule's error is only at the row
        // kinks, ≤ (0.001 K)² × |Δc_p'| per kink ≈ 1e-8 J/kg, far below the 1e-6 asked.
        let f = builtin_fluid("pg25").unwrap();
        let (t1, t2) = (-3.3, 71.7);
        let n = 75_000;
        let dt = (t2 - t1) / n as f64;
        let quad: f64 = (0..n)
            .map(|i| f.props_at(t1 + (i as f64 + 0.5) * dt).cp_j_kgk * dt)
            .sum();
        let h = f.enthalpy_j_kg(t2) - f.enthalpy_j_kg(t1);
        assert!((h - quad).abs() <= 1e-6 * quad, "{h} vs {quad}");
        assert!((f.mean_cp_j_kgk(t1, t2) * (t2 - t1) - h).abs() <= 1e-9 * h);
        // At a point the mean c_p is the local one.
        assert!((f.mean_cp_j_kgk(42.5, 42.5) - f.props_at(42.5).cp_j_kgk).abs() < 1e-9);
    }

    #[test]
    fn saturation_line_matches_the_if97_verification_values() {
        // IAPWS R7-97(2012), Table 35: p_sat(300 K) = 3.53658941e-3 MPa,
        // p_sat(500 K) = 2.63889776 MPa; Table 36: T_sat(0.1 MPa) = 372.755919 K,
        // T_sat(1 MPa) = 453.035632 K, T_sat(10 MPa) = 584.149488 K. The standard gives 9
        // digits; we ask for 1e-8 relative (double-precision evaluation of its formula).
        let rel = |a: f64, b: f64| ((a - b) / b).abs();
        assert!(rel(water_saturation_kpa(300.0 - 273.15), 3.536_589_41) < 1e-8);
        assert!(rel(water_saturation_kpa(500.0 - 273.15), 2_638.897_76) < 1e-8);
        assert!(rel(water_saturation_c(100.0) + 273.15, 372.755_919) < 1e-8);
        assert!(rel(water_saturation_c(1000.0) + 273.15, 453.035_632) < 1e-8);
        assert!(rel(water_saturation_c(10_000.0) + 273.15, 584.149_488) < 1e-8);
    }

    #[test]
    fn boiling_points_at_one_atmosphere_and_above() {
        // Water at 1 atm: 99.974 °C (IAPWS); PG25: Dow's 216 °F = 102.2 °C.
        let w = builtin_fluid_boiling_c("water").unwrap();
        assert!((w - 99.974).abs() < 1e-3, "{w}");
        let pg = builtin_fluid_boiling_c("pg25").unwrap();
        assert!((pg - 102.2).abs() < 0.1, "{pg}");
        // A pressurised loop boils higher: water at 200 kPa 120.2 °C (IF97).
        let w2 = builtin_fluid_boiling_c_at("water", 200.0).unwrap();
        assert!((w2 - 120.21).abs() < 0.01, "{w2}");
        assert!(builtin_fluid_boiling_c_at("pg25", 200.0).unwrap() > w2);
        assert!(builtin_fluid_boiling_c_at("custom", 200.0).is_none());
    }
}
