//! Rig physics: the gas in the tray under test and the coolant pump loop.
//!
//! # Gas (leak test)
//! The tray plus fixture is one volume `V` of ideal gas: `P_abs = n·R·T_gas / V`, with
//! `P_abs = P_gauge + 101.325 kPa`. Gas moves through linear conductances `C` (given in
//! standard cm³/min per kPa of pressure difference; 1 std cm³ = 101.325 kPa·1 cm³ / (R·273.15 K)
//! = 4.4615e-5 mol):
//! - fill: `ṅ = C_fill · (P_supply − P)` while the fill path is open (fill valve AND isolation
//!   valve open, or isolation unmapped), supply regulated at `supply_kpa` gauge;
//! - vent: `ṅ = −C_vent · P_gauge` while the vent valve is open;
//! - gross leak (fault): `ṅ = −C_gross · P_gauge`;
//! - leak (fault): a constant `Q` sccm out (`ṅ = −Q · 4.4615e-5 / 60` mol/s) while
//!   `P_gauge ≥ 10 kPa`, ramping linearly to 0 at 0 kPa. A constant molar outflow is exactly what
//!   the pressure-decay leak formula `V·(P1/T1 − P2/T2)·(273.15/101.325)/(Δt/60)` recovers.
//!
//! The conductance terms are integrated exactly over a step (the pressure relaxes
//! exponentially toward the conductance-weighted target), so the step is stable for any volume.
//!
//! # Temperatures
//! Compression heating: gas entering (or leaving) through the fill or vent changes the gas
//! temperature by `κ` K per kPa of pressure it adds (`heating_k_per_kpa`, default 0.006 K/kPa:
//! 3.2 K of heat for 525 kPa, ≈ +1.2 K left at the end of the 5 s fill). The excess decays
//! toward ambient with `heat_tau_s` (3 s, heat exchange with the tray's metal). At fixed n the
//! pressure follows `T_gas`, so a measurement started before the gas has cooled sees a falling
//! pressure: a false leak.
//!
//! The `gas_temperature` sensor sits in a thermowell in the fixture: it relaxes with first-order
//! lag `sensor_tau_s` (2 s) toward `T_amb + f·(T_gas − T_amb)`, `f = sensor_coupling` (0.3),
//! because the well is also held by the fixture's metal. It therefore under-reports the fast
//! compression transient, and temperature compensation cannot remove the false leak that a
//! measurement without stabilisation reads (≈ 12 sccm at stabilise 0 s with the defaults; ≈ 0.003
//! sccm after the recipe's 20 s, when the transient has decayed by e^(−20/3)).
//!
//! # Pump loop (flow test)
//! Pump curve with affinity laws, `ΔP_pump = H0·s² − a·Q²` (s = speed/100, Q in L/min), against
//! the tray's hydraulic resistance `ΔP_tray = k·Q²`. Their intersection is
//! `Q = s·√(H0 / (a + k))`, `ΔP = k·Q²`. Defaults (H0 = 150 kPa, a = 0.3378, k = 0.6222
//! kPa/(L/min)²) give 7.5 L/min and 35 kPa at 60 %. Outlet pressure is the loop's static
//! pressure (30 kPa), inlet = outlet + ΔP. Pump speed follows its setpoint with a first-order lag
//! (`pump_tau_s`) while running; a blocked flow path multiplies k by `blocked_k_factor`.

use serde::{Deserialize, Serialize};

/// Molar gas constant, J/(mol·K).
pub const R_J_PER_MOL_K: f64 = 8.314_462_618;
/// Standard atmosphere, kPa.
pub const P_ATM_KPA: f64 = 101.325;
/// 0 °C in kelvin.
pub const T0_K: f64 = 273.15;
/// Moles in one standard cm³ (273.15 K, 101.325 kPa).
pub const MOL_PER_STD_ML: f64 = 101_325.0e-6 / (R_J_PER_MOL_K * T0_K);

/// A [`RigParams`] field with a value the physics cannot run with.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("rig parameter {field}: {problem}")]
pub struct InvalidRigParam {
    /// The field, as named in a scenario's `[rig]` table.
    pub field: &'static str,
    /// The value and what would be valid.
    pub problem: String,
}

/// Physical parameters of the emulated rig. Every field has a documented default; a scenario
/// file may override any of them in its `[rig]` table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RigParams {
    /// Internal gas volume of tray + fixture, mL (400).
    pub volume_ml: f64,
    /// Ambient (and supply gas) temperature, °C (22).
    pub ambient_c: f64,
    /// Regulated supply pressure, kPa gauge (600: above the 525 kPa test pressure so a fill
    /// reaches it in ≈ 5 s).
    pub supply_kpa: f64,
    /// Fill path conductance, sccm per kPa (91.4: fill time constant 2.4 s for 400 mL).
    pub fill_sccm_per_kpa: f64,
    /// Vent valve conductance, sccm per kPa (219: 1 s time constant; 525 → 5 kPa in ≈ 5 s).
    pub vent_sccm_per_kpa: f64,
    /// Gross-leak orifice conductance, sccm per kPa (91.4 = the fill's: a fill settles at
    /// ≈ 300 kPa and never reaches 525).
    pub gross_leak_sccm_per_kpa: f64,
    /// Supply pressure after a regulator failure, kPa gauge (1000).
    pub over_pressure_supply_kpa: f64,
    /// Compression heating, K per kPa added by inflow (0.006).
    pub heating_k_per_kpa: f64,
    /// Decay time of the gas's excess temperature, s (3).
    pub heat_tau_s: f64,
    /// Temperature sensor lag, s (2).
    pub sensor_tau_s: f64,
    /// Fraction of the gas's excess temperature the sensor's well sees (0.3).
    pub sensor_coupling: f64,
    /// Pressure sensor noise (1 σ), kPa (0.001: 1 Pa, a good decay-test transducer).
    pub pressure_noise_kpa: f64,
    /// Temperature sensor noise (1 σ), °C (0.0005).
    pub temperature_noise_c: f64,
    /// Pump shut-off head at 100 % speed, kPa (150).
    pub pump_shutoff_kpa: f64,
    /// Pump curve droop a, kPa/(L/min)² (0.3378).
    pub pump_curve_kpa_per_lpm2: f64,
    /// Tray hydraulic resistance k, kPa/(L/min)² (0.6222).
    pub tray_k_kpa_per_lpm2: f64,
    /// Factor on k when the flow path is blocked (25).
    pub blocked_k_factor: f64,
    /// Pump speed lag, s (0.5).
    pub pump_tau_s: f64,
    /// Loop static (outlet) pressure, kPa gauge (30).
    pub loop_static_kpa: f64,
    /// Flow meter noise (1 σ), L/min (0.02).
    pub flow_noise_lpm: f64,
    /// Loop pressure transmitter noise (1 σ), kPa (0.05).
    pub loop_pressure_noise_kpa: f64,
    /// Physics step, emulated seconds (0.01).
    pub step_s: f64,
}

/// Shortest physics step accepted, emulated seconds: the fastest time constant of the model
/// (the fill through the open valve, τ ≈ 0.1 s at the default volume) is resolved 1000-fold;
/// shorter steps only burn CPU (and at 1e-9 s one emulated second is a billion steps).
pub const MIN_STEP_S: f64 = 1e-4;
/// Longest physics step accepted, emulated seconds.
pub const MAX_STEP_S: f64 = 0.1;

impl Default for RigParams {
    fn default() -> Self {
        RigParams {
            volume_ml: 400.0,
            ambient_c: 22.0,
            supply_kpa: 600.0,
            fill_sccm_per_kpa: 91.4,
            vent_sccm_per_kpa: 219.0,
            gross_leak_sccm_per_kpa: 91.4,
            over_pressure_supply_kpa: 1000.0,
            heating_k_per_kpa: 0.006,
            heat_tau_s: 3.0,
            sensor_tau_s: 2.0,
            sensor_coupling: 0.3,
            pressure_noise_kpa: 0.001,
            temperature_noise_c: 0.0005,
            pump_shutoff_kpa: 150.0,
            pump_curve_kpa_per_lpm2: 0.3378,
            tray_k_kpa_per_lpm2: 0.6222,
            blocked_k_factor: 25.0,
            pump_tau_s: 0.5,
            loop_static_kpa: 30.0,
            flow_noise_lpm: 0.02,
            loop_pressure_noise_kpa: 0.05,
            step_s: 0.01,
        }
    }
}

impl RigParams {
    /// Checks every parameter; the error names the first bad one.
    pub fn validate(&self) -> Result<(), InvalidRigParam> {
        let bad = |field: &'static str, problem: String| Err(InvalidRigParam { field, problem });
        let positive = [
            ("volume_ml", self.volume_ml),
            ("fill_sccm_per_kpa", self.fill_sccm_per_kpa),
            ("vent_sccm_per_kpa", self.vent_sccm_per_kpa),
            ("gross_leak_sccm_per_kpa", self.gross_leak_sccm_per_kpa),
            ("heat_tau_s", self.heat_tau_s),
            ("sensor_tau_s", self.sensor_tau_s),
            ("pump_shutoff_kpa", self.pump_shutoff_kpa),
            ("tray_k_kpa_per_lpm2", self.tray_k_kpa_per_lpm2),
            ("blocked_k_factor", self.blocked_k_factor),
            ("pump_tau_s", self.pump_tau_s),
            ("step_s", self.step_s),
        ];
        for (name, v) in positive {
            if !(v.is_finite() && v > 0.0) {
                return bad(name, format!("{v} is not a positive finite number"));
            }
        }
        let non_negative = [
            ("heating_k_per_kpa", self.heating_k_per_kpa),
            ("pressure_noise_kpa", self.pressure_noise_kpa),
            ("temperature_noise_c", self.temperature_noise_c),
            ("pump_curve_kpa_per_lpm2", self.pump_curve_kpa_per_lpm2),
            ("flow_noise_lpm", self.flow_noise_lpm),
            ("loop_pressure_noise_kpa", self.loop_pressure_noise_kpa),
            ("supply_kpa", self.supply_kpa),
            ("over_pressure_supply_kpa", self.over_pressure_supply_kpa),
            ("loop_static_kpa", self.loop_static_kpa),
        ];
        for (name, v) in non_negative {
            if !(v.is_finite() && v >= 0.0) {
                return bad(name, format!("{v} is not a finite number ≥ 0"));
            }
        }
        if !(self.ambient_c.is_finite() && self.ambient_c > -273.15) {
            return bad(
                "ambient_c",
                format!(
                    "{} °C is not a temperature (above −273.15 °C)",
                    self.ambient_c
                ),
            );
        }
        if !(0.0..=1.0).contains(&self.sensor_coupling) {
            return bad(
                "sensor_coupling",
                format!("{} must be in 0..=1", self.sensor_coupling),
            );
        }
        if !(MIN_STEP_S..=MAX_STEP_S).contains(&self.step_s) {
            return bad(
                "step_s",
                format!(
                    "{} s must be in {MIN_STEP_S}..={MAX_STEP_S} s (shorter steps cost CPU without changing the physics, whose fastest time constant is ≈ 0.1 s; longer ones miss valve events)",
                    self.step_s
                ),
            );
        }
        Ok(())
    }
}

/// What the physics needs to know about valves, pump commands and faults for one step.
#[derive(Debug, Clone, Copy, Default)]
pub struct Inputs {
    /// Fill path open (fill and isolation valves, after e-stop).
    pub fill_path_open: bool,
    /// The vent valve is open.
    pub vent_open: bool,
    /// Pump commanded to run (after e-stop and pump fault).
    pub pump_on: bool,
    /// Commanded pump speed, %.
    pub speed_setpoint_pct: f64,
    /// Leak out of the tray, sccm.
    pub leak_sccm: f64,
    /// The gross-leak orifice is open.
    pub gross_leak: bool,
    /// Regulator failure: supply at `over_pressure_supply_kpa` and the fill path open
    /// whatever the valves are commanded to.
    pub over_pressure: bool,
    /// The coolant path is blocked.
    pub blocked_flow: bool,
}

/// The rig's physical state.
#[derive(Debug, Clone)]
pub struct Rig {
    /// The parameters it runs with.
    pub params: RigParams,
    /// Gas in the tray volume, mol.
    pub n_mol: f64,
    /// Gas temperature, K.
    pub gas_t_k: f64,
    /// Temperature sensor element, K.
    pub sensor_t_k: f64,
    /// Actual pump speed, %.
    pub pump_speed_pct: f64,
    /// Current true leak (leak fault + gross leak), sccm.
    pub true_leak_sccm: f64,
}

impl Rig {
    /// A rig at rest: tray at atmospheric pressure and ambient temperature, pump stopped.
    pub fn new(params: RigParams) -> Self {
        let t = params.ambient_c + T0_K;
        let n = P_ATM_KPA * 1e3 * params.volume_ml * 1e-6 / (R_J_PER_MOL_K * t);
        Rig {
            params,
            n_mol: n,
            gas_t_k: t,
            sensor_t_k: t,
            pump_speed_pct: 0.0,
            true_leak_sccm: 0.0,
        }
    }

    fn volume_m3(&self) -> f64 {
        self.params.volume_ml * 1e-6
    }

    /// True tray pressure, kPa gauge.
    pub fn pressure_kpa(&self) -> f64 {
        self.n_mol * R_J_PER_MOL_K * self.gas_t_k / self.volume_m3() / 1e3 - P_ATM_KPA
    }

    fn ambient_k(&self) -> f64 {
        self.params.ambient_c + T0_K
    }

    /// Advances by `dt_s` emulated seconds.
    pub fn step(&mut self, dt_s: f64, inp: &Inputs) {
        let p = &self.params;
        let ml_min_to_mol_s = MOL_PER_STD_ML / 60.0;
        // Conductance terms: ṅ = Σ G_i·(P_i − P), G in mol/(s·kPa), P_i gauge targets.
        let mut g_sum = 0.0;
        let mut g_target = 0.0;
        let supply = if inp.over_pressure {
            p.over_pressure_supply_kpa
        } else {
            p.supply_kpa
        };
        let g_fill = if inp.fill_path_open || inp.over_pressure {
            p.fill_sccm_per_kpa * ml_min_to_mol_s
        } else {
            0.0
        };
        let g_vent = if inp.vent_open {
            p.vent_sccm_per_kpa * ml_min_to_mol_s
        } else {
            0.0
        };
        let g_gross = if inp.gross_leak {
            p.gross_leak_sccm_per_kpa * ml_min_to_mol_s
        } else {
            0.0
        };
        g_sum += g_fill + g_vent + g_gross;
        g_target += g_fill * supply;
        let p0 = self.pressure_kpa();
        // kPa per mol at the current temperature: dP = dn·R·T/V.
        let kpa_per_mol = R_J_PER_MOL_K * self.gas_t_k / self.volume_m3() / 1e3;
        let mut p1 = p0;
        if g_sum > 0.0 {
            let p_eq = g_target / g_sum;
            let tau = 1.0 / (g_sum * kpa_per_mol);
            p1 = p_eq + (p0 - p_eq) * (-dt_s / tau).exp();
        }
        // Constant leak, ramped to zero below 10 kPa gauge.
        let ramp = (p0 / 10.0).clamp(0.0, 1.0);
        let leak_mol = inp.leak_sccm.max(0.0) * ramp * ml_min_to_mol_s * dt_s;
        let dn_cond = (p1 - p0) / kpa_per_mol;
        self.n_mol = (self.n_mol + dn_cond - leak_mol).max(1e-12);
        // Compression heating from fill and vent flow (mid-step pressure).
        let p_mid = 0.5 * (p0 + p1);
        let dn_fill = g_fill * (supply - p_mid) * dt_s;
        let dn_vent = -g_vent * p_mid * dt_s;
        let t_amb = self.ambient_k();
        self.gas_t_k += p.heating_k_per_kpa * (dn_fill + dn_vent) * kpa_per_mol;
        self.gas_t_k += (t_amb - self.gas_t_k) * (1.0 - (-dt_s / p.heat_tau_s).exp());
        let sensed = t_amb + p.sensor_coupling * (self.gas_t_k - t_amb);
        self.sensor_t_k += (sensed - self.sensor_t_k) * (1.0 - (-dt_s / p.sensor_tau_s).exp());
        self.true_leak_sccm = inp.leak_sccm.max(0.0) * ramp
            + p.gross_leak_sccm_per_kpa * p_mid.max(0.0) * f64::from(u8::from(inp.gross_leak));

        let target = if inp.pump_on {
            inp.speed_setpoint_pct.clamp(0.0, 100.0)
        } else {
            0.0
        };
        self.pump_speed_pct +=
            (target - self.pump_speed_pct) * (1.0 - (-dt_s / p.pump_tau_s).exp());
    }

    /// Tray hydraulic resistance now, kPa/(L/min)².
    fn tray_k(&self, blocked: bool) -> f64 {
        let k = self.params.tray_k_kpa_per_lpm2;
        if blocked {
            k * self.params.blocked_k_factor
        } else {
            k
        }
    }

    /// Coolant flow, L/min: the pump-curve / system-curve intersection.
    pub fn flow_lpm(&self, blocked: bool) -> f64 {
        let s = (self.pump_speed_pct / 100.0).max(0.0);
        let p = &self.params;
        s * (p.pump_shutoff_kpa / (p.pump_curve_kpa_per_lpm2 + self.tray_k(blocked))).sqrt()
    }

    /// Pressure drop across the tray, kPa.
    pub fn dp_kpa(&self, blocked: bool) -> f64 {
        let q = self.flow_lpm(blocked);
        self.tray_k(blocked) * q * q
    }

    /// Sensor temperature, °C (noise-free).
    pub fn sensor_c(&self) -> f64 {
        self.sensor_t_k - T0_K
    }

    /// Gas temperature, °C.
    pub fn gas_c(&self) -> f64 {
        self.gas_t_k - T0_K
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests;
