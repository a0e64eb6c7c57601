//! `[transient]`: time stepping settings, probes, and the power-trace CSV.
//!
//! The trace file (`power_trace`, relative to the design file) is CSV (read with the `csv`
//! crate: quoted fields and a UTF-8 byte-order mark are fine, `#` starts a comment line):
//! `time_s,<block>,<block>,…` then one row per step change: times start at 0 and strictly
//! ascend; powers are finite and ≥ 0 W. Row `i` holds from `time_s[i]` until the next row
//! (step-wise constant); blocks not in the trace keep their `power_w`.

use std::path::Path;

use coldtray_io::config;

use super::check::{Ctx, Result};
use super::raw::RawTransient;
use crate::model::{Block, PowerTrace, Transient};

/// More steps than this is almost surely a unit mistake (dt in ms?).
const MAX_STEPS: f64 = 1.0e6;

/// Validate `[transient]` against the validated blocks.
pub(super) fn transient(ctx: &Ctx, raw: &RawTransient, blocks: &[Block]) -> Result<Transient> {
    let duration_s = ctx.positive("transient.duration_s", raw.duration_s)?;
    let dt_s = ctx.positive("transient.dt_s", raw.dt_s)?;
    if dt_s > duration_s {
        return Err(ctx.err(
            "transient.dt_s",
            format!("{dt_s} s is longer than duration_s ({duration_s} s); use dt_s ≤ duration_s"),
        ));
    }
    if duration_s / dt_s > MAX_STEPS {
        return Err(ctx.err(
            "transient.dt_s",
            format!(
                "{dt_s} s gives {:.0} steps over {duration_s} s, more than {MAX_STEPS:.0}; use \
                 dt_s ≥ {} s",
                duration_s / dt_s,
                duration_s / MAX_STEPS
            ),
        ));
    }
    let initial_c = ctx.temperature("transient.initial_c", raw.initial_c)?;
    let block_names: Vec<&str> = blocks.iter().map(|b| b.name.as_str()).collect();
    let find = |name: &str| block_names.iter().position(|b| *b == name.trim());
    let probes = match &raw.probes {
        // Default: every block that dissipates power.
        None => (0..blocks.len())
            .filter(|&i| blocks[i].power_w > 0.0)
            .collect(),
        Some(names) => {
            let mut idx = Vec::new();
            for (i, name) in names.iter().enumerate() {
                let b = find(name).ok_or_else(|| {
                    ctx.err(
                        format!("transient.probes[{i}]"),
                        format!("unknown block `{name}`; valid: {}", block_names.join(", ")),
                    )
                })?;
                idx.push(b);
            }
            idx
        }
    };
    let trace = match &raw.power_trace {
        None => None,
        Some(rel) => Some(power_trace(ctx, rel, &block_names)?),
    };
    Ok(Transient {
        duration_s,
        dt_s,
        initial_c,
        trace,
        probes,
    })
}

/// Read and validate the power-trace CSV named (relative to the design file) by `rel`.
fn power_trace(ctx: &Ctx, rel: &str, block_names: &[&str]) -> Result<PowerTrace> {
    const FIELD: &str = "transient.power_trace";
    let dir = ctx.file.parent().unwrap_or(Path::new("."));
    let file = dir.join(rel);
    let shown = file.display().to_string();
    let text = std::fs::read_to_string(&file).map_err(|e| {
        ctx.err(
            FIELD,
            format!(
                "cannot read power trace {shown}: {e} (the path is relative to the design file)"
            ),
        )
    })?;
    let at = |line: u64, msg: String| ctx.err(FIELD, format!("{shown} line {line}: {msg}"));
    // Spreadsheets save UTF-8 CSV with a byte-order mark.
    let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .trim(csv::Trim::All)
        .comment(Some(b'#'))
        .from_reader(text.as_bytes());
    // The line of a record: csv positions a record where reading for it began, before the
    // comment and blank lines it skipped, and its line count leaves comments out.
    let line_of = |p: Option<&csv::Position>| {
        let start = p.map_or(0, |p| p.byte() as usize);
        let (mut line, _) = config::line_column(text, start);
        for l in text.get(start..).unwrap_or("").split('\n') {
            if !(l.trim().is_empty() || l.starts_with('#')) {
                break;
            }
            line += 1;
        }
        line as u64
    };
    // Rows with their line number, skipping blank ones.
    let mut rows = reader.records().filter_map(|r| match r {
        Ok(rec) if rec.iter().all(str::is_empty) => None,
        Ok(rec) => Some(Ok((line_of(rec.position()), rec))),
        Err(e) => Some(Err(e)),
    });
    let csv_err = |e: csv::Error| at(line_of(e.position()), format!("not valid CSV: {e}"));
    let (hline, header) = rows.next().transpose().map_err(csv_err)?.ok_or_else(|| {
        at(
            1,
            "the file is empty; expected header time_s,<block>,…".into(),
        )
    })?;
    let cols: Vec<&str> = header.iter().collect();
    if cols[0] != "time_s" {
        return Err(at(
            hline,
            format!(
                "first column is `{}`; the header must be time_s,<block>,…",
                cols[0]
            ),
        ));
    }
    if cols.len() < 2 {
        return Err(at(
            hline,
            "no block columns; the header must be time_s,<block>,…".into(),
        ));
    }
    let mut block_index = Vec::new();
    for name in &cols[1..] {
        let b = block_names.iter().position(|b| b == name).ok_or_else(|| {
            at(
                hline,
                format!(
                    "column `{name}` is not a block; valid: {}",
                    block_names.join(", ")
                ),
            )
        })?;
        if block_index.contains(&b) {
            return Err(at(hline, format!("column `{name}` appears twice")));
        }
        block_index.push(b);
    }
    let mut times_s: Vec<f64> = Vec::new();
    let mut powers_w = Vec::new();
    for row in rows {
        let (n, cells) = row.map_err(csv_err)?;
        if cells.len() != cols.len() {
            return Err(at(
                n,
                format!(
                    "{} values, but the header has {} columns",
                    cells.len(),
                    cols.len()
                ),
            ));
        }
        let mut nums = Vec::with_capacity(cells.len());
        for (c, cell) in cells.iter().enumerate() {
            let v: f64 = cell.parse().map_err(|_| {
                at(
                    n,
                    format!("`{cell}` in column `{}` is not a number", cols[c]),
                )
            })?;
            if !v.is_finite() || v < 0.0 {
                return Err(at(
                    n,
                    format!("{v} in column `{}` must be a finite number ≥ 0", cols[c]),
                ));
            }
            nums.push(v);
        }
        let t = nums[0];
        match times_s.last() {
            None if t != 0.0 => {
                return Err(at(
                    n,
                    format!("the first time_s is {t}; the trace must start at 0"),
                ))
            }
            Some(&prev) if t <= prev => {
                return Err(at(
                    n,
                    format!("time_s {t} is not after {prev}; times must strictly ascend"),
                ))
            }
            _ => {}
        }
        times_s.push(t);
        powers_w.push(nums[1..].to_vec());
    }
    if times_s.is_empty() {
        return Err(at(hline, "no data rows after the header".into()));
    }
    Ok(PowerTrace {
        file,
        block_index,
        times_s,
        powers_w,
    })
}
