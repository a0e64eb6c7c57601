//! The z cells of each layer: the design's `cells` when it gives them, else a grading chosen
//! so that the solution is converged in z (the rule and its derivation are in
//! `docs/physics.md`, "z cells by default").
//!
//! A lateral temperature variation of wavenumber κ decays into a layer over the length
//! 1/κ′, κ′ = κ·√(k_xy/k_z), and a z cell of size Δz represents it with a relative error of
//! about (κ′Δz)²/8. The finest variation the in-plane grid carries has κ ≈ π/Δx, and it lives
//! next to the faces where it enters; deeper in, only variations longer than the depth
//! survive. So the cells start at `face_ratio · Δx · √(k_z/k_xy)` at both faces of the layer
//! and grow geometrically by `growth` towards its middle: the count grows with the logarithm
//! of thickness / in-plane cell, and a layer thinner than its face cell stays one cell.

use super::{Design, FinRoot, Layer};

/// The parameters of the default z grading of a layer.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ZGrading {
    /// Face cell / (in-plane cell × √(k_z/k_xy)), the anisotropy-scaled aspect ratio of the
    /// cells next to a layer's faces.
    pub face_ratio: f64,
    /// Ratio of each cell to its neighbour nearer the face (> 1).
    pub growth: f64,
}

/// The grading of layers that do not give `cells` (justified in `docs/physics.md`).
pub const DEFAULT_Z_GRADING: ZGrading = ZGrading {
    face_ratio: 1.0,
    growth: 2.0,
};

impl Design {
    /// In-plane cell sizes (Δx, Δy) of the grid, mm: the domain split into whole cells of
    /// about `cell_mm` (at least one each way).
    pub fn in_plane_cell_mm(&self) -> (f64, f64) {
        let nx = (self.width_mm / self.cell_mm).round().max(1.0);
        let ny = (self.depth_mm / self.cell_mm).round().max(1.0);
        (self.width_mm / nx, self.depth_mm / ny)
    }

    /// Thicknesses of the z cells of every layer, bottom to top, mm: `cells` equal cells where
    /// the design gives them, one cell for a channel layer (two, halves, when its fins are
    /// bonded at both ends), else [`DEFAULT_Z_GRADING`].
    pub fn layer_z_cells_mm(&self) -> Vec<Vec<f64>> {
        self.layer_z_cells_mm_graded(DEFAULT_Z_GRADING)
    }

    /// [`Design::layer_z_cells_mm`] with another grading of the layers without `cells`.
    pub fn layer_z_cells_mm_graded(&self, grading: ZGrading) -> Vec<Vec<f64>> {
        let (dx, dy) = self.in_plane_cell_mm();
        self.layers
            .iter()
            .enumerate()
            .map(|(li, layer)| {
                let t = layer.thickness_mm;
                match (layer.is_coolant(), layer.cells) {
                    // Fins bonded at both ends: one node per end (floor and ceiling).
                    (true, _) if layer.channels.iter().any(|c| c.fin_root == FinRoot::Both) => {
                        vec![0.5 * t; 2]
                    }
                    (true, _) => vec![t],
                    (false, Some(n)) => vec![t / n.max(1) as f64; n.max(1)],
                    (false, None) => {
                        let face = grading.face_ratio * dx.min(dy) * self.z_scale(li, layer);
                        graded(t, face, grading.growth)
                    }
                }
            })
            .collect()
    }

    /// √(k_z/k_xy) of the most in-plane-conducting material of a layer (its fill and its
    /// blocks): the factor from an in-plane length to the z length over which a variation of
    /// that length decays.
    fn z_scale(&self, li: usize, layer: &Layer) -> f64 {
        self.blocks
            .iter()
            .filter(|b| b.layer == li)
            .map(|b| &b.material)
            .chain(std::iter::once(&layer.material))
            .filter(|m| m.k_xy > 0.0) // a void fill conducts nothing and has no scale
            .map(|m| (m.k_z / m.k_xy).sqrt())
            .fold(f64::INFINITY, f64::min)
    }
}

/// Cells of a layer `t` thick (mm): one when `t` ≤ `face`, else the same number of cells in
/// each half, growing by `growth` from `face` at each face towards the middle and scaled down
/// together so they fill the layer exactly (so no cell exceeds its graded size).
fn graded(t: f64, face: f64, growth: f64) -> Vec<f64> {
    if face.is_nan() || face <= 0.0 || t <= face {
        return vec![t];
    }
    let half = 0.5 * t;
    let mut sizes = vec![face];
    let mut sum = face;
    while sum < half {
        let next = sizes[sizes.len() - 1] * growth;
        sizes.push(next);
        sum += next;
    }
    let scale = half / sum;
    let lower: Vec<f64> = sizes.iter().map(|s| s * scale).collect();
    lower.iter().chain(lower.iter().rev()).copied().collect()
}

#[cfg(test)]
mod tests {
    use super::graded;

    #[test]
    fn graded_cells_fill_the_layer_and_grow_from_both_faces() {
        assert_eq!(graded(0.1, 0.5, 2.0), vec![0.1]);
        let c = graded(6.9, 0.25, 2.0);
        assert!((c.iter().sum::<f64>() - 6.9).abs() < 1e-12);
        assert_eq!(c.len(), 8);
        assert!(c[0] <= 0.25 && (c[1] / c[0] - 2.0).abs() < 1e-12);
        assert_eq!(c[0], c[c.len() - 1]);
    }
}
