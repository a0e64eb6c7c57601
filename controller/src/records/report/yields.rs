//! Yield grouped by a key (the day a test started, its station, its recipe).
//!
//! For each group: the tests and their outcomes; the verdict yield, passes over tests with a
//! verdict (aborted tests are rig stops, not verdicts on the tray); and the first-pass yield
//! — of the serials whose first verdict (in the store's order, [`ReportRow::first_verdict`])
//! fell in this group, the share that passed. A retest is counted in its group's tests but never as a first pass, so a tray
//! failed on Monday and passed on Tuesday lowers Monday's first-pass yield and is not a first
//! pass on Tuesday. (Named `yields` because `yield` is a reserved word in Rust.)

use std::collections::BTreeMap;

use serde::Serialize;

use super::ReportRow;
use crate::l10::result::Outcome;

/// One group's yield.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct YieldRow {
    /// The group: a day (YYYY-MM-DD, UTC), a station id or a recipe name.
    pub group: String,
    /// Tests in the group.
    pub tests: usize,
    /// Of those, passes.
    pub pass: usize,
    /// Fails.
    pub fail: usize,
    /// Aborted tests.
    pub aborted: usize,
    /// `pass / (pass + fail)`; `None` without a verdict.
    pub verdict_yield: Option<f64>,
    /// Serials whose first verdict was in this group.
    pub first_verdict_serials: usize,
    /// Of those, serials whose first verdict was a pass.
    pub first_pass: usize,
    /// `first_pass / first_verdict_serials`; `None` when no serial's first verdict is here.
    pub first_pass_yield: Option<f64>,
}

/// The yield of `rows` (in the store's order) grouped by `key`, groups in sorted order.
pub fn yield_by(rows: &[ReportRow], key: impl Fn(&ReportRow) -> String) -> Vec<YieldRow> {
    let mut groups: BTreeMap<String, YieldRow> = BTreeMap::new();
    for r in rows {
        let g = key(r);
        let row = groups.entry(g.clone()).or_insert_with(|| YieldRow {
            group: g,
            tests: 0,
            pass: 0,
            fail: 0,
            aborted: 0,
            verdict_yield: None,
            first_verdict_serials: 0,
            first_pass: 0,
            first_pass_yield: None,
        });
        row.tests += 1;
        match r.outcome {
            Outcome::Pass => row.pass += 1,
            Outcome::Fail => row.fail += 1,
            Outcome::Aborted => row.aborted += 1,
        }
        if r.first_verdict {
            row.first_verdict_serials += 1;
            row.first_pass += usize::from(r.outcome == Outcome::Pass);
        }
    }
    groups
        .into_values()
        .map(|mut g| {
            let verdicts = g.pass + g.fail;
            g.verdict_yield = (verdicts > 0).then(|| g.pass as f64 / verdicts as f64);
            g.first_pass_yield = (g.first_verdict_serials > 0)
                .then(|| g.first_pass as f64 / g.first_verdict_serials as f64);
            g
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::super::tests::row;
    use super::*;

    #[test]
    fn first_pass_goes_to_the_group_of_the_first_verdict() {
        // A: fail on day 1, pass on day 2 (a retest); B: aborted then pass on day 1;
        // C: pass on day 2.
        let rows = [
            row(1, "A", "2026-11-01", Outcome::Fail),
            row(2, "B", "2026-11-01", Outcome::Aborted),
            row(3, "B", "2026-11-01", Outcome::Pass),
            row(4, "A", "2026-11-02", Outcome::Pass),
            row(5, "C", "2026-11-02", Outcome::Pass),
        ];
        let mut rows = rows;
        let history: Vec<_> = rows
            .iter()
            .map(|r| (r.serial.clone(), r.seq, r.outcome))
            .collect();
        super::super::mark_first_verdicts(
            &mut rows,
            history.iter().map(|(s, q, o)| (s.as_str(), *q, *o)),
        );
        let y = yield_by(&rows, |r| r.day.clone());
        assert_eq!(y.len(), 2);
        let d1 = &y[0];
        assert_eq!((d1.tests, d1.pass, d1.fail, d1.aborted), (3, 1, 1, 1));
        assert_eq!(d1.verdict_yield, Some(0.5));
        // A and B had their first verdicts on day 1; only B passed.
        assert_eq!((d1.first_verdict_serials, d1.first_pass), (2, 1));
        assert_eq!(d1.first_pass_yield, Some(0.5));
        let d2 = &y[1];
        assert_eq!((d2.tests, d2.pass), (2, 2));
        assert_eq!(d2.verdict_yield, Some(1.0));
        // A's retest is not a first pass: only C counts.
        assert_eq!((d2.first_verdict_serials, d2.first_pass), (1, 1));
    }
}
