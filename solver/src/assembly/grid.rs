//! The structured grid's geometry: cell sizes, z layering and the orientation of the solver's
//! internal (u, v) axes relative to the design's (x, y).

use crate::model::FlowDirection;
use crate::numerics::operator::Upstream;

/// Mapping between physical (i along x, j along y) and internal (u along the main flow, v) axes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Orientation {
    pub swap: bool,
    pub flip: bool,
    pub nx: usize,
    pub ny: usize,
}

impl Orientation {
    pub fn nu(&self) -> usize {
        if self.swap {
            self.ny
        } else {
            self.nx
        }
    }
    pub fn nv(&self) -> usize {
        if self.swap {
            self.nx
        } else {
            self.ny
        }
    }
    /// Internal (u, v) of physical (i, j).
    #[inline]
    pub fn uv(&self, i: usize, j: usize) -> (usize, usize) {
        if self.swap {
            (if self.flip { self.ny - 1 - j } else { j }, i)
        } else {
            (if self.flip { self.nx - 1 - i } else { i }, j)
        }
    }
    /// Physical (i, j) of internal (u, v) (the inverse of [`Orientation::uv`]).
    #[inline]
    pub fn ij(&self, u: usize, v: usize) -> (usize, usize) {
        if self.swap {
            (v, if self.flip { self.ny - 1 - u } else { u })
        } else {
            (if self.flip { self.nx - 1 - u } else { u }, v)
        }
    }
    /// Internal column index of physical (i, j).
    #[inline]
    pub fn col(&self, i: usize, j: usize) -> usize {
        let (u, v) = self.uv(i, j);
        v * self.nu() + u
    }
    /// Upstream neighbour direction of a flow direction, in internal axes.
    pub fn upstream(&self, dir: FlowDirection) -> Upstream {
        let (di, dj): (i32, i32) = match dir {
            FlowDirection::PlusX => (-1, 0),
            FlowDirection::MinusX => (1, 0),
            FlowDirection::PlusY => (0, -1),
            FlowDirection::MinusY => (0, 1),
        };
        let s = if self.flip { -1 } else { 1 };
        let (du, dv) = if self.swap {
            (s * dj, di)
        } else {
            (s * di, dj)
        };
        match (du, dv) {
            (-1, _) => Upstream::PrevU,
            (1, _) => Upstream::NextU,
            (_, -1) => Upstream::PrevV,
            _ => Upstream::NextV,
        }
    }
}

/// Geometry of the grid.
#[derive(Debug, Clone, PartialEq)]
pub struct Grid {
    pub nx: usize,
    pub ny: usize,
    pub nz: usize,
    pub dx_m: f64,
    pub dy_m: f64,
    pub z_edges_m: Vec<f64>,
    pub cell_layer: Vec<usize>,
    /// First z cell of each layer and its count.
    pub layer_z: Vec<(usize, usize)>,
    pub orient: Orientation,
}

impl Grid {
    pub fn dz_m(&self, k: usize) -> f64 {
        self.z_edges_m[k + 1] - self.z_edges_m[k]
    }
    /// Cell sizes along the internal in-plane axes (u, v), m.
    pub fn du_dv_m(&self) -> (f64, f64) {
        if self.orient.swap {
            (self.dy_m, self.dx_m)
        } else {
            (self.dx_m, self.dy_m)
        }
    }
    /// Field (plane-major, physical) index of (i, j, k).
    #[inline]
    pub fn field_idx(&self, i: usize, j: usize, k: usize) -> usize {
        (k * self.ny + j) * self.nx + i
    }
}

/// A boundary face set: (state index, conductance W/K, ambient θ).
pub type BoundaryFaces = Vec<(usize, f64, f64)>;

/// Cell index range whose centres lie in [x0, x1) (cells of width d).
pub(crate) fn centre_range(x0: f64, x1: f64, d: f64, n: usize) -> std::ops::Range<usize> {
    let a = ((x0 / d - 0.5).ceil().max(0.0) as usize).min(n);
    let b = ((x1 / d - 0.5).ceil().max(0.0) as usize).min(n);
    a..b.max(a)
}
