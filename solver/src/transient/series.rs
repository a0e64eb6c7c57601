//! The transient part of `results.json` and `probes.csv`.
//!
//! `results.json` gets `"transient": {"times_s": [...], "probes": {"<block>": {"max_c": [...],
//! "mean_c": [...]}}, ...}` with one value per step, at the END of the step (the contract in
//! `tray-format.md`); probes keep the order of `[transient].probes`. Two optional series are
//! added: `power_w` (total block power during each step) and `heat_out_w` (coolant + boundary
//! heat at the end of each step).

use std::fmt::Write as _;

use serde::de::{MapAccess, Visitor};
use serde::ser::SerializeMap;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// One probed block: its max and mean temperature at the end of each step, °C.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProbeSeries {
    #[serde(skip)]
    pub name: String,
    pub max_c: Vec<f64>,
    pub mean_c: Vec<f64>,
}

impl ProbeSeries {
    /// (peak max_c, time of the peak) over the run, or `None` for an empty series.
    pub fn peak(&self, times_s: &[f64]) -> Option<(f64, f64)> {
        self.max_c
            .iter()
            .zip(times_s)
            .fold(None, |best: Option<(f64, f64)>, (&t, &s)| match best {
                Some((b, _)) if b >= t => best,
                _ => Some((t, s)),
            })
    }
}

/// The `transient` field of `results.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TransientResult {
    /// End time of each step, s.
    pub times_s: Vec<f64>,
    /// Block name → series, in probe order.
    #[serde(serialize_with = "ser_probes", deserialize_with = "de_probes")]
    pub probes: Vec<ProbeSeries>,
    /// Total block power during each step (its time average over the step), W.
    #[serde(default)]
    pub power_w: Vec<f64>,
    /// Heat leaving through the coolant and the boundaries at the end of each step, W.
    #[serde(default)]
    pub heat_out_w: Vec<f64>,
}

fn ser_probes<S: Serializer>(probes: &[ProbeSeries], s: S) -> Result<S::Ok, S::Error> {
    let mut m = s.serialize_map(Some(probes.len()))?;
    for p in probes {
        m.serialize_entry(&p.name, p)?;
    }
    m.end()
}

fn de_probes<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<ProbeSeries>, D::Error> {
    struct V;
    impl<'de> Visitor<'de> for V {
        type Value = Vec<ProbeSeries>;
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("a map of block name to {max_c, mean_c}")
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
            let mut out = Vec::new();
            while let Some((name, mut p)) = map.next_entry::<String, ProbeSeries>()? {
                p.name = name;
                out.push(p);
            }
            Ok(out)
        }
    }
    d.deserialize_map(V)
}

/// `probes.csv`: `time_s,<block>_max_c,<block>_mean_c,…`, one row per step (end of step).
pub fn probes_csv(tr: &TransientResult) -> String {
    let mut s = String::from("time_s");
    for p in &tr.probes {
        let _ = write!(s, ",{0}_max_c,{0}_mean_c", p.name);
    }
    s.push('\n');
    for (n, t) in tr.times_s.iter().enumerate() {
        let _ = write!(s, "{t}");
        for p in &tr.probes {
            let _ = write!(s, ",{:.4},{:.4}", p.max_c[n], p.mean_c[n]);
        }
        s.push('\n');
    }
    s
}

/// `v` rounded to 12 significant digits (so 3 × 0.1 s prints as 0.3).
pub(crate) fn round_sig(v: f64) -> f64 {
    format!("{v:.11e}").parse().unwrap_or(v)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn sample() -> TransientResult {
        let p = |name: &str, max_c: Vec<f64>| ProbeSeries {
            name: name.into(),
            mean_c: max_c.iter().map(|t| t - 1.0).collect(),
            max_c,
        };
        TransientResult {
            times_s: vec![0.1, 0.2, 0.3],
            probes: vec![
                p("z_die", vec![50.0, 60.0, 55.0]),
                p("a_hbm", vec![40.0; 3]),
            ],
            power_w: vec![1.0; 3],
            heat_out_w: vec![0.5; 3],
        }
    }

    #[test]
    fn probes_keep_their_order_through_json() {
        let tr = sample();
        let json = serde_json::to_string(&tr).unwrap();
        assert!(json.find("z_die").unwrap() < json.find("a_hbm").unwrap());
        let back: TransientResult = serde_json::from_str(&json).unwrap();
        assert_eq!(back, tr);
    }

    #[test]
    fn csv_header_and_peak() {
        let tr = sample();
        let csv = probes_csv(&tr);
        let mut lines = csv.lines();
        assert_eq!(
            lines.next().unwrap(),
            "time_s,z_die_max_c,z_die_mean_c,a_hbm_max_c,a_hbm_mean_c"
        );
        assert_eq!(lines.count(), 3);
        assert_eq!(tr.probes[0].peak(&tr.times_s), Some((60.0, 0.2)));
        assert_eq!(round_sig(3.0 * 0.1), 0.3);
    }
}
