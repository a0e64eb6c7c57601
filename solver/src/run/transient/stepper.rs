//! One backward-Euler step at a time on an assembled design (the equations are in the
//! `transient` module doc).

use super::capacity::heat_capacity_j_k;
use crate::assembly::{self, Assembly, ZGrid};
use crate::model::Design;
use crate::numerics::krylov::{self, Info, KrylovParams};
use crate::numerics::multigrid::Multigrid;
use crate::numerics::vector::norm;
use crate::run::SolveError;

/// A series field's inlet matches the outlets upstream of it to this, K, at the end of every
/// step (the steady solve's property tolerance).
pub(super) const SERIES_INLET_TOLERANCE_K: f64 = 1e-4;
/// Solves of one step at most while series inlets settle; each pass moves an inlet one field
/// further down a chain, so this is far above any real loop's depth.
const MAX_SERIES_SOLVES: usize = 30;

/// The state of a transient run: θ = T − T_ref per unknown and the cached multigrid
/// hierarchies of A + C/dt (one per step size used).
pub struct Stepper {
    /// The steady assembly (operator A, bookkeeping for results); `asm.b` is not used.
    pub asm: Assembly,
    /// Heat capacity per unknown, J/K.
    pub cap_j_k: Vec<f64>,
    /// Current temperatures, θ = T − T_ref (state layout).
    pub theta: Vec<f64>,
    /// Right-hand side without block power (boundary ambients, coolant inlet), W.
    b_base: Vec<f64>,
    /// Per design block: (state index, share of the block's power).
    unit: Vec<Vec<(usize, f64)>>,
    hier: Vec<(f64, Multigrid)>,
    /// The design, kept when its loop has links: a field may then draw from another's
    /// outlet, and each step iterates the fields' inlets to the solved outlets.
    linked: Option<Design>,
    /// The last step's increment, a first guess for the next one.
    delta: Vec<f64>,
    rhs: Vec<f64>,
    work: Vec<f64>,
}

impl Stepper {
    /// Assemble `design` and start from `initial_c` everywhere (solid and coolant).
    pub fn new(design: &Design, initial_c: f64) -> Result<Self, SolveError> {
        Self::on(design, initial_c, ZGrid::Design)
    }

    /// [`Stepper::new`] on the z cells `z_grid` asks for.
    pub fn on(design: &Design, initial_c: f64, z_grid: ZGrid) -> Result<Self, SolveError> {
        let asm = assembly::assemble_on(design, z_grid)?;
        let cap_j_k = heat_capacity_j_k(design, &asm);
        let g = &asm.grid;
        let plane = g.nx * g.ny;
        let cell_v = |k: usize| g.dx_m * g.dy_m * g.dz_m(k);
        // The block power in b is q·V per cell (see `assembly`); remove it to get the
        // power-free part, then describe each block's power as shares of its total.
        let mut b_base = asm.b.clone();
        for f in 0..plane * g.nz {
            let (k, j, i) = (f / plane, (f % plane) / g.nx, f % g.nx);
            b_base[asm.state_idx(i, j, k)] -= asm.power_w_m3[f] * cell_v(k);
        }
        let unit = design
            .blocks
            .iter()
            .zip(&asm.block_cells)
            .map(|(blk, cells)| {
                let thick_mm = design.layers[blk.layer].thickness_mm;
                let vol = blk.width_mm * blk.depth_mm * thick_mm * 1e-9;
                cells
                    .iter()
                    .map(|&(f, frac)| {
                        let (k, j, i) = (f / plane, (f % plane) / g.nx, f % g.nx);
                        (asm.state_idx(i, j, k), frac * cell_v(k) / vol)
                    })
                    .collect()
            })
            .collect();
        let nc = asm.ncomp();
        let nz = g.nz;
        let theta0 = initial_c - asm.t_ref_c;
        let theta = (0..asm.b.len())
            .map(|s| {
                let (c, comp) = (s / nc, s % nc);
                if comp < nz || asm.op.fluid_active(comp - nz, c) {
                    theta0
                } else {
                    0.0
                }
            })
            .collect();
        let n = asm.b.len();
        Ok(Stepper {
            asm,
            cap_j_k,
            theta,
            b_base,
            unit,
            hier: Vec::new(),
            linked: design
                .coolant
                .as_ref()
                .filter(|c| !c.links.is_empty())
                .map(|_| design.clone()),
            delta: vec![0.0; n],
            rhs: vec![0.0; n],
            work: vec![0.0; n],
        })
    }

    /// Stored energy Σ C·θ relative to T_ref, J.
    pub fn stored_j(&self) -> f64 {
        self.cap_j_k
            .iter()
            .zip(&self.theta)
            .map(|(c, t)| c * t)
            .sum()
    }

    /// Rasterised power density of the blocks at `powers_w` (field layout, W/m³).
    pub fn power_w_m3(&self, design: &Design, powers_w: &[f64]) -> Vec<f64> {
        let mut q = vec![0.0; self.asm.power_w_m3.len()];
        for ((blk, cells), p) in design
            .blocks
            .iter()
            .zip(&self.asm.block_cells)
            .zip(powers_w)
        {
            let thick_mm = design.layers[blk.layer].thickness_mm;
            let qv = p / (blk.width_mm * blk.depth_mm * thick_mm * 1e-9);
            for &(f, frac) in cells {
                q[f] += frac * qv;
            }
        }
        q
    }

    /// The multigrid hierarchy of A + C/dt (built on first use of `dt_s`).
    fn hierarchy(&mut self, dt_s: f64) -> usize {
        if let Some(i) = self.hier.iter().position(|(d, _)| *d == dt_s) {
            return i;
        }
        let mut op = self.asm.op.clone();
        let (nz, nc) = (op.nz, op.ncomp());
        for c in 0..op.ncol() {
            for k in 0..nz {
                // C/dt is a sink toward θ_old: it joins the boundary conductance on the
                // diagonal, which multigrid coarsening sums (conserves).
                op.gb[c * nz + k] += self.cap_j_k[c * nc + k] / dt_s;
            }
            for (g, fg) in op.fluids.iter_mut().enumerate() {
                if fg.cdiag[c] > 0.0 {
                    // The coolant's storage joins its diagonal (ṁc_p leaving); coarsening sums
                    // cdiag over the aggregate, so it is conserved there too.
                    fg.cdiag[c] += self.cap_j_k[c * nc + nz + g] / dt_s;
                }
            }
        }
        let mut mg = Multigrid::new(op);
        // V-cycles: with C/dt on the diagonal the coarse levels matter less than in a steady
        // solve, so the cheaper cycle wins.
        mg.gamma = 1;
        self.hier.push((dt_s, mg));
        self.hier.len() - 1
    }

    /// Advance θ by one backward-Euler step of `dt_s` with block powers `powers_w` (one per
    /// design block, W). Solves (A + C/dt) δ = b(P) − A θ for the increment δ to the relative
    /// residual `tol`.
    ///
    /// A field downstream of another (links in series) takes as inlet the mixed outlet of
    /// the fields upstream *at the end of the step*, as backward Euler asks: the step is
    /// solved again with the inlets of its own solution until they move by less than
    /// [`SERIES_INLET_TOLERANCE_K`] (each re-solve starts from the last increment; a parallel
    /// loop needs none). The returned cycles are summed over the solves.
    pub fn step(
        &mut self,
        dt_s: f64,
        powers_w: &[f64],
        params: &KrylovParams,
    ) -> Result<Info, SolveError> {
        let mut info = self.solve_step(dt_s, powers_w, params)?;
        let Some(design) = self.linked.take() else {
            self.accept();
            return Ok(info);
        };
        let mut outcome = Ok(());
        for _ in 0..MAX_SERIES_SOLVES {
            for ((n, t), d) in self.work.iter_mut().zip(&self.theta).zip(&self.delta) {
                *n = t + d;
            }
            let inlets = self.asm.field_inlets_c(&design, &self.work);
            let used = self.asm.coolant.as_ref().map(|c| &c.fields);
            let change = used
                .into_iter()
                .flatten()
                .zip(&inlets)
                .fold(0.0f64, |m, (f, t)| m.max((t - f.inlet_c).abs()));
            if change <= SERIES_INLET_TOLERANCE_K {
                break;
            }
            self.asm.set_field_inlets_c(&mut self.b_base, &inlets);
            match self.solve_step(dt_s, powers_w, params) {
                Ok(more) => {
                    info.cycles += more.cycles;
                    info.rel_residual = more.rel_residual;
                }
                Err(e) => {
                    outcome = Err(e);
                    break;
                }
            }
        }
        self.linked = Some(design);
        outcome?;
        self.accept();
        Ok(info)
    }

    /// θ ← θ + δ.
    fn accept(&mut self) {
        for (t, d) in self.theta.iter_mut().zip(&self.delta) {
            *t += d;
        }
    }

    /// Solve the step's increment δ from θ with the current right-hand side (θ unchanged).
    fn solve_step(
        &mut self,
        dt_s: f64,
        powers_w: &[f64],
        params: &KrylovParams,
    ) -> Result<Info, SolveError> {
        self.rhs.copy_from_slice(&self.b_base);
        for (cells, p) in self.unit.iter().zip(powers_w) {
            for &(s, w) in cells {
                self.rhs[s] += p * w;
            }
        }
        // rhs = b − A θ: the imbalance the step must absorb (storage + extra heat out).
        self.work.copy_from_slice(&self.rhs);
        self.asm
            .op
            .residual(Some(&self.work), &self.theta, &mut self.rhs);
        let h = self.hierarchy(dt_s);
        let mg = &self.hier[h].1;
        // First guess: the previous increment if it fits better than zero.
        mg.ops[0].residual(Some(&self.rhs), &self.delta, &mut self.work);
        if norm(&self.work) >= norm(&self.rhs) {
            self.delta.iter_mut().for_each(|d| *d = 0.0);
        }
        let outcome = krylov::solve(
            &mg.ops[0],
            mg,
            &self.rhs,
            &mut self.delta,
            params,
            &|_, _| {},
        );
        let (Ok(conv) | Err(krylov::NotConverged { info: conv })) = outcome;
        if self.delta.iter().any(|d| !d.is_finite()) {
            return Err(SolveError::NonFinite(conv.rel_residual));
        }
        if outcome.is_err() {
            return Err(SolveError::NotConverged {
                cycles: conv.cycles,
                residual: conv.rel_residual,
                tolerance: params.tolerance,
            });
        }
        Ok(conv)
    }
}
