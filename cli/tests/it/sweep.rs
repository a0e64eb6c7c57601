//! `coldtray sweep` end to end: the cartesian product and `--variants` rows, each variant's
//! directory equal to a `coldtray simulate --set` of the same values, ranges, and every
//! variant validated before any solve. Small and fast: rubin-1800w at `--cell-mm 2`.

use crate::simulate::{comparable, simulate};
use crate::{coldtray_exe, repo, scratch, stderr};
use std::path::Path;
use std::process::{Command, Output};

fn sweep(out: &Path, extra: &[&str]) -> Output {
    Command::new(coldtray_exe())
        .arg("sweep")
        .arg(repo("examples/rubin-1800w.toml"))
        .arg("--out")
        .arg(out)
        .args(["--cell-mm", "2"])
        .args(extra)
        .output()
        .unwrap()
}

/// sweep.csv as (header, rows), every cell as text.
pub(crate) fn table(out: &Path) -> (Vec<String>, Vec<Vec<String>>) {
    let mut r = csv::Reader::from_path(out.join("sweep.csv")).unwrap();
    let header = r.headers().unwrap().iter().map(String::from).collect();
    let rows = r
        .records()
        .map(|rec| rec.unwrap().iter().map(String::from).collect())
        .collect();
    (header, rows)
}

/// The cells of column `name`.
pub(crate) fn column(t: &(Vec<String>, Vec<Vec<String>>), name: &str) -> Vec<String> {
    let i = t.0.iter().position(|h| h == name).unwrap();
    t.1.iter().map(|r| r[i].clone()).collect()
}

fn results(dir: &Path) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(dir.join("results.json")).unwrap()).unwrap()
}

/// Entries of a directory, sorted.
fn listing(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// A 2 × 2 product: four variant directories in cartesian order (the first --set slowest),
/// a four-row sweep.csv with the values and figures, and each variant's results.json equal
/// to `coldtray simulate --set` of the same values (apart from `input` and wall time).
#[test]
fn cartesian_sweep_equals_simulate_per_variant() {
    let dir = scratch("sweep", "cartesian");
    let out = dir.join("out");
    let sets = [
        "--set",
        "coolant.flow_lpm=2.5,3.5",
        "--set",
        "coolant.inlet_c=40:45:5",
    ];
    let o = sweep(&out, &sets);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(text.contains("pareto.png (4 plotted"), "{text}");
    assert_eq!(
        listing(&out),
        [
            "pareto.png",
            "sweep.csv",
            "sweep.json",
            "v0000",
            "v0001",
            "v0002",
            "v0003"
        ]
    );
    let t = table(&out);
    assert_eq!(
        t.0[..4],
        ["index", "variant", "coolant.flow_lpm", "coolant.inlet_c"]
    );
    for col in [
        "hottest_die",
        "die_max_c",
        "die_margin_k",
        "hottest_hbm",
        "hbm_max_c",
        "hbm_margin_k",
        "pressure_drop_kpa",
        "outlet_c",
        "r_th_k_per_w",
        "energy_balance_error",
        "solve_s",
        "warnings",
        "status",
    ] {
        assert!(t.0.iter().any(|h| h == col), "sweep.csv lacks {col}");
    }
    assert_eq!(column(&t, "index"), ["0", "1", "2", "3"]);
    assert_eq!(column(&t, "variant"), ["v0000", "v0001", "v0002", "v0003"]);
    assert_eq!(column(&t, "coolant.flow_lpm"), ["2.5", "2.5", "3.5", "3.5"]);
    assert_eq!(column(&t, "coolant.inlet_c"), ["40", "45", "40", "45"]);
    assert_eq!(column(&t, "status"), ["ok"; 4]);

    let flows = column(&t, "coolant.flow_lpm");
    let inlets = column(&t, "coolant.inlet_c");
    let die = column(&t, "die_max_c");
    for (i, name) in column(&t, "variant").iter().enumerate() {
        let v = out.join(name);
        let r = results(&v);
        // The variant directory is what `simulate` writes: design.toml, field files, no PNG.
        let files = listing(&v);
        assert!(files.contains(&"design.toml".to_string()), "{files:?}");
        assert!(files.iter().all(|f| !f.ends_with(".png")), "{files:?}");
        let flow = format!("coolant.flow_lpm={}", flows[i]);
        let inlet = format!("coolant.inlet_c={}", inlets[i]);
        assert_eq!(r["input"]["overrides"], serde_json::json!([flow, inlet]));
        assert_eq!(r["input"]["command"][1], "sweep");
        assert_eq!(
            die[i].parse::<f64>().unwrap(),
            r["blocks"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|b| b["name"].as_str().unwrap().starts_with("gpu_die"))
                .map(|b| b["max_c"].as_f64().unwrap())
                .fold(f64::MIN, f64::max)
        );
        let threads = r["solver"]["threads"].to_string();
        let single = dir.join(format!("simulate-{name}"));
        let o = simulate(
            &repo("examples/rubin-1800w.toml"),
            &single,
            &[
                "--cell-mm",
                "2",
                "--no-png",
                "--threads",
                &threads,
                "--set",
                &flow,
                "--set",
                &inlet,
            ],
        );
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
        assert_eq!(comparable(&v), comparable(&single), "{name}");
        assert_eq!(
            std::fs::read_to_string(v.join("design.toml")).unwrap(),
            std::fs::read_to_string(single.join("design.toml")).unwrap(),
            "{name}: the resolved design"
        );
    }
}

/// A range includes its stop when it lands on a step, without floating-point drift in the
/// values; a bad range is a one-line error and nothing is written.
#[test]
fn ranges_include_the_stop_and_bad_ranges_are_errors() {
    let dir = scratch("sweep", "ranges");
    let out = dir.join("out");
    let o = sweep(&out, &["--set", "coolant.inlet_c=40:40.3:0.1"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let t = table(&out);
    assert_eq!(
        column(&t, "coolant.inlet_c"),
        ["40.0", "40.1", "40.2", "40.3"]
    );
    let r = results(&out.join("v0003"));
    assert_eq!(r["coolant"]["inlet_c"].as_f64(), Some(40.3));

    for (range, word) in [
        ("40:45:0", "the step is 0"),
        ("45:40:1", "negative step"),
        ("40:45:-1", "positive step"),
        ("0:1:0.00001", "more than 10000"),
        ("40:45", "start:stop:step"),
    ] {
        let bad = dir.join("bad");
        let set = format!("coolant.inlet_c={range}");
        let o = sweep(&bad, &["--set", &set]);
        let err = stderr(&o);
        assert_eq!(o.status.code(), Some(2), "{range}: {err}");
        assert!(err.contains(word), "{range}: {err:?} lacks {word:?}");
        assert!(err.contains("--set coolant.inlet_c"), "{range}: {err}");
        assert_eq!(err.trim_end().lines().count(), 1, "{range}: {err}");
        assert!(!bad.exists(), "{range}: nothing written");
    }
}

/// An invalid path or value in any variant is rejected before any solve: the error names
/// the variant and the field, and no directory is created.
#[test]
fn invalid_variant_is_rejected_before_any_solve() {
    let dir = scratch("sweep", "invalid");
    let csv = dir.join("bad-row.csv");
    std::fs::write(&csv, "coolant.flow_lpm\n2.5\n3.0\n0\n").unwrap();
    let csv = csv.to_str().unwrap().to_string();
    for (args, words) in [
        (
            &["--set", "coolant.flow_lpm=2.5,3.0,-1"][..],
            &["variant v0002", "--set coolant.flow_lpm", "> 0"][..],
        ),
        (
            &[
                "--set",
                "coolant.inlet_c=40,45",
                "--set",
                "blocks.gpu_die_9.power_w=1,2",
            ][..],
            &[
                "variant v0000",
                "--set blocks.gpu_die_9.power_w",
                "no block named",
            ][..],
        ),
        (
            &["--set", "coolant.flow=1,2"][..],
            &["variant v0000", "--set coolant.flow", "unknown field"][..],
        ),
        (
            &["--set", "coolant.flow_lpm=2.5,lots"][..],
            &["variant v0001", "--set coolant.flow_lpm", "lots"][..],
        ),
        (
            &["--variants", &csv][..],
            &["variant v0002", "--set coolant.flow_lpm", "> 0"][..],
        ),
    ] {
        let out = dir.join("out");
        let o = sweep(&out, args);
        let err = stderr(&o);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {err}");
        for w in words {
            assert!(err.contains(w), "{args:?}: {err:?} lacks {w:?}");
        }
        assert!(!err.contains("panicked"), "{err}");
        assert!(o.stdout.is_empty(), "{args:?}: no solve");
        assert!(!out.exists(), "{args:?}: nothing written");
    }
}

/// `--variants FILE.csv` runs exactly its rows (a BOM before the header is ignored);
/// `--png=1` writes maps for that variant only; a re-run into the same DIR with fewer
/// variants leaves no directory of the earlier sweep; a DIR that is not a sweep is refused.
#[test]
fn variants_file_runs_exactly_its_rows() {
    let dir = scratch("sweep", "variants");
    let csv = dir.join("variants.csv");
    std::fs::write(
        &csv,
        "\u{feff}coolant.flow_lpm, coolant.inlet_c\n2.5,40\n3.2,42.5\n4,38\n",
    )
    .unwrap();
    let out = dir.join("out");
    let o = sweep(&out, &["--variants", csv.to_str().unwrap(), "--png=1"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(
        listing(&out),
        [
            "pareto.png",
            "sweep.csv",
            "sweep.json",
            "v0000",
            "v0001",
            "v0002"
        ]
    );
    let t = table(&out);
    assert_eq!(column(&t, "coolant.flow_lpm"), ["2.5", "3.2", "4"]);
    assert_eq!(column(&t, "coolant.inlet_c"), ["40", "42.5", "38"]);
    for (i, (flow, inlet)) in [(2.5, 40.0), (3.2, 42.5), (4.0, 38.0)].iter().enumerate() {
        let r = results(&out.join(format!("v000{i}")));
        assert_eq!(r["coolant"]["flow_lpm"].as_f64(), Some(*flow));
        assert_eq!(r["coolant"]["inlet_c"].as_f64(), Some(*inlet));
        let pngs = listing(&out.join(format!("v000{i}")))
            .iter()
            .filter(|f| f.ends_with(".png"))
            .count();
        assert_eq!(pngs > 0, i == 1, "v000{i}: {pngs} PNGs");
    }

    // A smaller sweep into the same directory: the earlier v0002 goes.
    let o = sweep(&out, &["--set", "coolant.flow_lpm=3,3.5"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(
        listing(&out),
        ["pareto.png", "sweep.csv", "sweep.json", "v0000", "v0001"]
    );
    assert_eq!(table(&out).1.len(), 2);

    let foreign = dir.join("foreign");
    std::fs::create_dir_all(&foreign).unwrap();
    std::fs::write(foreign.join("notes.txt"), "mine").unwrap();
    let o = sweep(&foreign, &["--set", "coolant.flow_lpm=3"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("notes.txt"), "{}", stderr(&o));
    assert_eq!(listing(&foreign), ["notes.txt"]);
}

/// A variant whose solve fails does not stop the others: its row says `failed` and why, no
/// directory stands under its name (not even an earlier sweep's), and the exit code is 2.
#[test]
fn failed_variants_are_rows_with_the_reason() {
    let dir = scratch("sweep", "failed");
    let out = dir.join("out");
    let o = sweep(&out, &["--set", "coolant.flow_lpm=3,4"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(
        listing(&out),
        ["pareto.png", "sweep.csv", "sweep.json", "v0000", "v0001"]
    );
    // A residual below round-off cannot be reached: every solve fails.
    let o = sweep(
        &out,
        &["--set", "coolant.flow_lpm=3,4", "--tolerance", "1e-17"],
    );
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("2 of 2 variants failed"), "{err}");
    assert_eq!(listing(&out), ["pareto.png", "sweep.csv", "sweep.json"]);
    let t = table(&out);
    assert_eq!(column(&t, "status"), ["failed", "failed"]);
    assert!(
        column(&t, "message")[0].contains("did not converge"),
        "{t:?}"
    );
    assert_eq!(column(&t, "die_max_c"), ["", ""]);
}

fn merge(out: &Path, dirs: &[&Path]) -> Output {
    Command::new(coldtray_exe())
        .args(["sweep", "merge"])
        .args(dirs)
        .arg("--out")
        .arg(out)
        .output()
        .unwrap()
}

/// The table without the solve-time column (it differs from run to run).
pub(crate) fn without_time(t: &(Vec<String>, Vec<Vec<String>>)) -> (Vec<String>, Vec<Vec<String>>) {
    let i = t.0.iter().position(|h| h == "solve_s").unwrap();
    let drop = |r: &Vec<String>| {
        let mut r = r.clone();
        r.remove(i);
        r
    };
    (drop(&t.0), t.1.iter().map(drop).collect())
}

const SHARD_SETS: [&str; 4] = [
    "--set",
    "coolant.flow_lpm=2.5,3.5",
    "--set",
    "coolant.inlet_c=40,42.5,45",
];

/// A 2 × 3 sweep in three shards: each holds exactly its variants (index mod 3), every
/// variant is in one shard, and the merged table equals an unsharded run row for row (the
/// solve times aside). Merging without a shard, or with a shard whose row was altered, fails
/// with one line and exit code 2.
#[test]
fn three_shards_merge_to_the_unsharded_table() {
    let dir = scratch("sweep", "shards");
    let whole = dir.join("whole");
    let o = sweep(&whole, &SHARD_SETS);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let shards: Vec<_> = (0..3).map(|i| dir.join(format!("shard-{i}"))).collect();
    for (i, out) in shards.iter().enumerate() {
        let spec = format!("{i}/3");
        let mut args = SHARD_SETS.to_vec();
        args.extend(["--shard", &spec]);
        let o = sweep(out, &args);
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
        let mine: Vec<String> = (0..6)
            .filter(|v| v % 3 == i)
            .map(|v| format!("v{v:04}"))
            .collect();
        let mut want = vec![
            "pareto.png".to_string(),
            "sweep.csv".to_string(),
            "sweep.json".to_string(),
        ];
        want.extend(mine.iter().cloned());
        want.sort();
        assert_eq!(listing(out), want, "shard {i}");
        assert_eq!(column(&table(out), "variant"), mine, "shard {i}");
        let meta: serde_json::Value =
            serde_json::from_slice(&std::fs::read(out.join("sweep.json")).unwrap()).unwrap();
        assert_eq!(meta["total"], 6);
        assert_eq!(meta["shard"], serde_json::json!({"index": i, "count": 3}));
    }
    let whole_meta: serde_json::Value =
        serde_json::from_slice(&std::fs::read(whole.join("sweep.json")).unwrap()).unwrap();

    let merged = dir.join("merged");
    let o = merge(&merged, &[&shards[2], &shards[0], &shards[1]]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(listing(&merged), ["pareto.png", "sweep.csv", "sweep.json"]);
    assert_eq!(without_time(&table(&merged)), without_time(&table(&whole)));
    let meta: serde_json::Value =
        serde_json::from_slice(&std::fs::read(merged.join("sweep.json")).unwrap()).unwrap();
    assert_eq!(meta, whole_meta);

    // A shard left out: the gap is named.
    let o = merge(&dir.join("gap"), &[&shards[0], &shards[2]]);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(
        err.contains("2 of 6 variants missing (v0001, v0004"),
        "{err}"
    );
    assert_eq!(err.trim_end().lines().count(), 1, "{err}");
    assert!(!dir.join("gap").exists());

    // The same shard twice is harmless; a variant given with different values is an error.
    let o = merge(
        &dir.join("twice"),
        &[&shards[0], &shards[1], &shards[2], &shards[1]],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let altered = dir.join("altered");
    std::fs::create_dir_all(&altered).unwrap();
    std::fs::copy(shards[1].join("sweep.json"), altered.join("sweep.json")).unwrap();
    let csv = std::fs::read_to_string(shards[1].join("sweep.csv")).unwrap();
    let t = table(&shards[1]);
    let die = column(&t, "die_max_c")[0].clone();
    std::fs::write(altered.join("sweep.csv"), csv.replacen(&die, "99.5", 1)).unwrap();
    let o = merge(
        &dir.join("dup"),
        &[&shards[0], &shards[1], &shards[2], &altered],
    );
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("variant v0001 is in"), "{err}");
    assert!(err.contains("different values (die_max_c"), "{err}");
    assert_eq!(err.trim_end().lines().count(), 1, "{err}");

    // Shards of another sweep do not merge.
    let other = dir.join("other");
    let o = sweep(
        &other,
        &[
            "--set",
            "coolant.flow_lpm=2.5,3.5",
            "--set",
            "coolant.inlet_c=40,42.5,46",
            "--shard",
            "1/3",
        ],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let o = merge(&dir.join("mixed"), &[&shards[0], &other, &shards[2]]);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("not shards of the same sweep"), "{err}");

    let o = sweep(
        &dir.join("bad"),
        &["--set", "coolant.flow_lpm=3", "--shard", "3/3"],
    );
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("0 ≤ I < N"), "{}", stderr(&o));
}

fn mtime(p: &Path) -> std::time::SystemTime {
    std::fs::metadata(p).unwrap().modified().unwrap()
}

/// A re-run of the same sweep keeps its finished variants (not solved again: results.json
/// untouched, the output says so); a variant directory removed by hand, one whose
/// results.json is cut short, and the debris of a killed write are redone; a changed sweep
/// (another --cell-mm) solves everything again.
#[test]
fn rerun_resumes_finished_variants() {
    let dir = scratch("sweep", "resume");
    let out = dir.join("out");
    let sets = ["--set", "coolant.flow_lpm=2.5,3,3.5,4"];
    let o = sweep(&out, &sets);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let before = table(&out);
    let times: Vec<_> = (0..4)
        .map(|i| mtime(&out.join(format!("v{i:04}/results.json"))))
        .collect();

    std::fs::remove_dir_all(out.join("v0001")).unwrap();
    let r2 = out.join("v0002/results.json");
    let text = std::fs::read_to_string(&r2).unwrap();
    std::fs::write(&r2, &text[..text.len() / 2]).unwrap();
    let r2_cut = mtime(&r2);
    // What a run killed mid-write leaves: a staging directory beside the variants.
    std::fs::create_dir_all(out.join("v0003.tmp-999999")).unwrap();
    std::fs::write(out.join("v0003.tmp-999999/results.json"), "{").unwrap();

    let o = sweep(&out, &sets);
    let stdout = String::from_utf8_lossy(&o.stdout).into_owned();
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(
        stdout.contains("resuming: 2 finished variants kept"),
        "{stdout}"
    );
    assert!(stdout.contains("swept 2 variants"), "{stdout}");
    assert_eq!(mtime(&out.join("v0000/results.json")), times[0]);
    assert_eq!(mtime(&out.join("v0003/results.json")), times[3]);
    assert!(out.join("v0001/results.json").is_file());
    assert_ne!(mtime(&r2), r2_cut, "the cut results.json is redone");
    results(&out.join("v0002"));
    assert_eq!(
        listing(&out),
        [
            "pareto.png",
            "sweep.csv",
            "sweep.json",
            "v0000",
            "v0001",
            "v0002",
            "v0003"
        ]
    );
    assert_eq!(without_time(&table(&out)), without_time(&before));
    // Kept rows keep their figures, solve time included.
    assert_eq!(
        column(&table(&out), "solve_s")[0],
        column(&before, "solve_s")[0]
    );

    // Another sweep into the same DIR (a different cell size): nothing is kept.
    let o = Command::new(coldtray_exe())
        .arg("sweep")
        .arg(repo("examples/rubin-1800w.toml"))
        .arg("--out")
        .arg(&out)
        .args(["--cell-mm", "2.5"])
        .args(sets)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&o.stdout).into_owned();
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(!stdout.contains("resuming"), "{stdout}");
    assert_ne!(mtime(&out.join("v0000/results.json")), times[0]);
}
