//! `pareto.png` of a sweep: written by `coldtray sweep` and `coldtray sweep merge` beside
//! sweep.csv, from the table's rows (the chart itself is `coldtray_maps::render_pareto`).
//!
//! A row is plotted when its status is `ok` and it has both a hottest-die temperature and a
//! coolant pressure drop; failed and runaway variants are left out and counted in a note.
//! The base design is the variant whose overrides leave the base design unchanged (a sweep
//! has no separate base row); `sweep merge` does not have the base design, so its chart
//! says so instead of marking one.

use std::path::Path;

use coldtray_maps::{ParetoChart, SweepPoint};
use coldtray_solver::design::{apply_overrides_table, Override};
use toml::Value;

use crate::output::outln;

/// The chart's file, in the sweep's `DIR`.
pub(crate) const PARETO_PNG: &str = "pareto.png";

/// For each variant's overrides, whether applying them to the base design `text` leaves it
/// unchanged (numbers compared by value, so `45` equals `45.0`): that variant is the base
/// design. The base is parsed once; each variant costs one parse, as its validation did.
pub(crate) fn base_flags<'a>(
    text: &str,
    origin: &Path,
    variants: impl Iterator<Item = &'a [Override]>,
) -> Vec<bool> {
    let base = apply_overrides_table(text, origin, &[]).map(Value::Table);
    variants
        .map(
            |overrides| match (&base, apply_overrides_table(text, origin, overrides)) {
                (Ok(base), Ok(variant)) => same(base, &Value::Table(variant)),
                _ => false,
            },
        )
        .collect()
}

/// The chart's title for a sweep of `design`: the file's name.
pub(crate) fn title(design: &Path) -> String {
    design.file_name().map_or_else(
        || design.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    )
}

/// TOML values equal, an integer and a float being equal when they are the same number.
fn same(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Integer(i), Value::Float(f)) | (Value::Float(f), Value::Integer(i)) => {
            *i as f64 == *f
        }
        (Value::Table(x), Value::Table(y)) => {
            x.len() == y.len() && x.iter().all(|(k, v)| y.get(k).is_some_and(|w| same(v, w)))
        }
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(v, w)| same(v, w))
        }
        _ => a == b,
    }
}

/// Writes `dir/pareto.png` from the sweep.csv `table` and prints where; `base` flags the base
/// design's rows (in table order), `None` when it is not known. A chart that cannot be made
/// is a printed warning, not an error: the sweep's results are already written.
pub(crate) fn write_or_warn(dir: &Path, table: &[u8], title: &str, base: Option<&[bool]>) {
    let path = dir.join(PARETO_PNG);
    match chart(table, title, base) {
        Ok(chart) => match coldtray_maps::render_pareto(&chart, 1600, &path) {
            Ok(()) => {
                let on_front = coldtray_maps::pareto_front(
                    &chart
                        .points
                        .iter()
                        .map(|p| (p.dp_kpa, p.peak_c))
                        .collect::<Vec<_>>(),
                )
                .len();
                outln!(
                    "  wrote          {} ({} plotted, {on_front} on the Pareto front)",
                    path.display(),
                    chart.points.len()
                );
            }
            Err(e) => outln!("  warning: {} not written: {e:#}", path.display()),
        },
        Err(e) => outln!("  warning: {} not written: {e:#}", path.display()),
    }
}

/// The chart of a sweep.csv table (columns as in docs/formats/results.md#sweepcsv).
fn chart(table: &[u8], title: &str, base: Option<&[bool]>) -> anyhow::Result<ParetoChart> {
    let mut reader = csv::Reader::from_reader(table);
    let header = reader.headers()?.clone();
    let col = |name: &str| {
        header
            .iter()
            .position(|h| h == name)
            .ok_or_else(|| anyhow::anyhow!("sweep.csv has no `{name}` column"))
    };
    let (variant, first_figure) = (col("variant")?, col("hottest_die")?);
    let (die, margin, dp, status) = (
        col("die_max_c")?,
        col("die_margin_k")?,
        col("pressure_drop_kpa")?,
        col("status")?,
    );
    let paths: Vec<(usize, &str)> = (variant + 1..first_figure)
        .map(|c| {
            let p = header.get(c).unwrap_or_default();
            (c, p.rsplit('.').next().unwrap_or(p))
        })
        .collect();
    let num = |r: &csv::StringRecord, c: usize| {
        r.get(c)
            .and_then(|s| s.parse::<f64>().ok())
            .filter(|v| v.is_finite())
    };
    let (mut points, mut base_at, mut limits) = (Vec::new(), None, Vec::new());
    let (mut failed, mut runaway, mut incomplete) = (0, 0, 0);
    for (n, record) in reader.records().enumerate() {
        let r = record?;
        match r.get(status).unwrap_or_default() {
            "ok" => {}
            "runaway" => {
                runaway += 1;
                continue;
            }
            _ => {
                failed += 1;
                continue;
            }
        }
        let (Some(peak_c), Some(dp_kpa)) = (num(&r, die), num(&r, dp)) else {
            incomplete += 1;
            continue;
        };
        if let Some(m) = num(&r, margin) {
            limits.push(peak_c + m);
        }
        let mut label = r.get(variant).unwrap_or_default().to_string();
        for &(c, short) in &paths {
            label += &format!(" {short}={}", r.get(c).unwrap_or_default());
        }
        if base.is_some_and(|b| b.get(n).copied().unwrap_or(false)) && base_at.is_none() {
            base_at = Some(points.len());
        }
        points.push(SweepPoint {
            label,
            dp_kpa,
            peak_c,
        });
    }
    // The limit line only when every plotted variant has the same die limit (to round-off:
    // it is max + margin of each row).
    let limit_c = limits
        .first()
        .copied()
        .filter(|l| limits.len() == points.len() && limits.iter().all(|m| (m - l).abs() < 1e-6));
    let mut notes = Vec::new();
    let mut left_out = Vec::new();
    if failed > 0 {
        left_out.push(format!("{failed} failed (no result)"));
    }
    if runaway > 0 {
        left_out.push(format!("{runaway} thermal runaway"));
    }
    if incomplete > 0 {
        left_out.push(format!("{incomplete} without a die block or coolant Δp"));
    }
    if !left_out.is_empty() {
        notes.push(format!("not shown: {}", left_out.join(", ")));
    }
    let no_base = match base {
        Some(_) => "no variant has the base design's values".to_string(),
        None => "`sweep merge` does not know the base design".to_string(),
    };
    Ok(ParetoChart {
        title: title.to_string(),
        points,
        base: base_at,
        no_base,
        limit_c,
        notes,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const TABLE: &str = "index,variant,coolant.flow_lpm,hottest_die,die_max_c,die_margin_k,hottest_hbm,hbm_max_c,hbm_margin_k,max_c,pressure_drop_kpa,outlet_c,r_th_k_per_w,energy_balance_error,solve_s,warnings,status,message
0,v0000,2,gpu,85,5,,,,85,10,50,0.01,1e-12,0.1,,ok,
1,v0001,3,gpu,80,10,,,,80,20,49,0.01,1e-12,0.1,,ok,
2,v0002,4,,,,,,,,,,,,,,failed,did not converge
3,v0003,5,gpu,99,-9,,,,99,40,60,0.01,1e-12,0.1,,runaway,leak
";

    #[test]
    fn rows_become_points_and_left_out_rows_a_note() {
        let c = chart(TABLE.as_bytes(), "t", Some(&[false, true, false, false])).unwrap();
        assert_eq!(c.points.len(), 2);
        assert_eq!(c.points[1].label, "v0001 flow_lpm=3");
        assert_eq!((c.points[1].dp_kpa, c.points[1].peak_c), (20.0, 80.0));
        assert_eq!(c.base, Some(1));
        assert_eq!(c.limit_c, Some(90.0));
        assert_eq!(
            c.notes,
            ["not shown: 1 failed (no result), 1 thermal runaway"]
        );
        let c = chart(TABLE.as_bytes(), "t", None).unwrap();
        assert_eq!(c.base, None);
        assert!(c.no_base.contains("merge"));
    }

    #[test]
    fn the_base_is_the_variant_that_changes_nothing() {
        let text = "[coolant]\nflow_lpm = 2.7\ninlet_c = 45.0\n";
        let o = |s: &str| s.parse::<Override>().unwrap();
        let variants = [
            vec![o("coolant.inlet_c=45")],
            vec![o("coolant.flow_lpm=2.7"), o("coolant.inlet_c=45.0")],
            vec![o("coolant.flow_lpm=2.8")],
            // A key the base does not have is a change, not the base.
            vec![o("coolant.k=0.5")],
            vec![],
        ];
        let flags = base_flags(
            text,
            Path::new("d.toml"),
            variants.iter().map(Vec::as_slice),
        );
        assert_eq!(flags, [true, true, false, false, true]);
        assert_eq!(title(Path::new("examples/a.toml")), "a.toml");
    }
}
