//! The [`Sample`] a read returns: values by signal name, in engineering units.

use std::collections::BTreeMap;

use crate::rig::names::SignalName;

/// Values read in one request, in engineering units (bools as 0.0 / 1.0).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Sample {
    values: BTreeMap<SignalName, f64>,
}

impl Sample {
    /// The value of `name`, if it was read.
    pub fn get(&self, name: SignalName) -> Option<f64> {
        self.values.get(&name).copied()
    }

    /// A bool signal (non-zero = true); `None` if absent or NaN.
    pub fn flag(&self, name: SignalName) -> Option<bool> {
        self.get(name).filter(|v| !v.is_nan()).map(|v| v != 0.0)
    }

    /// Sets the value of `name` (replacing an earlier one).
    pub fn insert(&mut self, name: SignalName, value: f64) {
        self.values.insert(name, value);
    }

    /// Every value, in [`SignalName`] order.
    pub fn iter(&self) -> impl Iterator<Item = (SignalName, f64)> + '_ {
        self.values.iter().map(|(k, v)| (*k, *v))
    }
}
