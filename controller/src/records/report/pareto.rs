//! The Pareto of fail and abort reasons: the reasons normalised into categories, counted,
//! largest first, with the cumulative share.
//!
//! Normalising rule: every number in the sentence — a run of digits and dots that starts
//! with a digit, with a `-` or `+` sign directly before it when that sign does not follow a
//! letter or digit — becomes `#` (a dot ending the run, i.e. a full stop, is kept), and runs
//! of white space become one space. So "leak 2.07 sccm > 0.5 sccm" and "leak 0.81 sccm >
//! 0.5 sccm" are both "leak # sccm > # sccm", and a link error naming 127.0.0.1:5020 does not
//! split by address. The category keeps its outcome: a fail and an abort never share a bar.

use std::collections::BTreeMap;

use serde::Serialize;

use super::ReportRow;
use crate::l10::result::Outcome;

/// One category of the Pareto.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ParetoRow {
    /// `fail` or `aborted`.
    pub outcome: &'static str,
    /// The normalised reason.
    pub category: String,
    /// Tests in it.
    pub count: usize,
    /// Its share of all fails and aborts, %.
    pub percent: f64,
    /// Share of this and every larger category, %.
    pub cumulative_percent: f64,
}

/// `reason` with its numbers replaced by `#` (the rule in the module doc).
pub fn normalise(reason: &str) -> String {
    let chars: Vec<char> = reason.chars().collect();
    let mut out = String::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let after_word = i > 0 && chars[i - 1].is_alphanumeric();
        let signed = (c == '-' || c == '+')
            && !after_word
            && chars.get(i + 1).is_some_and(|d| d.is_ascii_digit());
        if c.is_ascii_digit() || signed {
            let mut j = i + 1;
            while j < chars.len() && (chars[j].is_ascii_digit() || chars[j] == '.') {
                j += 1;
            }
            // A full stop after the number is the sentence's, not the number's.
            while chars[j - 1] == '.' {
                j -= 1;
            }
            out.push('#');
            i = j;
        } else {
            out.push(c);
            i += 1;
        }
    }
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The Pareto of the fails and aborts among `rows`: categories by count, largest first (ties
/// by outcome, then name).
pub fn pareto(rows: &[ReportRow]) -> Vec<ParetoRow> {
    let mut counts: BTreeMap<(&'static str, String), usize> = BTreeMap::new();
    for r in rows.iter().filter(|r| r.outcome != Outcome::Pass) {
        *counts
            .entry((r.outcome.as_str(), normalise(&r.reason)))
            .or_default() += 1;
    }
    let total: usize = counts.values().sum();
    let mut v: Vec<((&'static str, String), usize)> = counts.into_iter().collect();
    v.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    let mut cumulative = 0;
    v.into_iter()
        .map(|((outcome, category), count)| {
            cumulative += count;
            ParetoRow {
                outcome,
                category,
                count,
                percent: 100.0 * count as f64 / total as f64,
                cumulative_percent: 100.0 * cumulative as f64 / total as f64,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::super::tests::row;
    use super::*;

    #[test]
    fn numbers_become_hashes() {
        assert_eq!(
            normalise("leak 2.07 sccm > 0.5 sccm"),
            "leak # sccm > # sccm"
        );
        assert_eq!(
            normalise("link lost to 127.0.0.1:5020 after 2.5 s."),
            "link lost to #:# after # s."
        );
        assert_eq!(
            normalise("pressure -3.2 kPa  below zero; sensor PT-101"),
            "pressure # kPa below zero; sensor PT-#"
        );
        assert_eq!(normalise("e-stop pressed"), "e-stop pressed");
    }

    #[test]
    fn categories_are_counted_largest_first_with_the_cumulative_share() {
        let mut rows = vec![
            row(1, "A", "2026-11-01", Outcome::Fail),
            row(2, "B", "2026-11-01", Outcome::Fail),
            row(3, "C", "2026-11-01", Outcome::Aborted),
            row(4, "D", "2026-11-01", Outcome::Fail),
            row(5, "E", "2026-11-01", Outcome::Pass),
        ];
        rows[0].reason = "leak 2.07 sccm > 0.5 sccm".into();
        rows[1].reason = "leak 0.81 sccm > 0.5 sccm".into();
        rows[2].reason = "e-stop pressed".into();
        rows[3].reason = "gross leak: fill target 525 kPa not reached in 30 s".into();
        let p = pareto(&rows);
        assert_eq!(p.len(), 3);
        assert_eq!(
            (p[0].outcome, p[0].category.as_str(), p[0].count),
            ("fail", "leak # sccm > # sccm", 2)
        );
        assert_eq!(p[0].percent, 50.0);
        // Ties (one each) by outcome name: aborted before fail.
        assert_eq!(p[1].outcome, "aborted");
        assert_eq!(p[1].cumulative_percent, 75.0);
        assert_eq!(p[2].cumulative_percent, 100.0);
    }
}
