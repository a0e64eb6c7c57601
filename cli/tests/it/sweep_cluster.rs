//! Sweeps on a cluster and sweeps that are stopped part-way, end to end:
//!
//! - the shipped `scripts/cluster/sweep-array.sbatch` and `sweep-merge.sbatch` on a real
//!   (one-node) Slurm give the table of an unsharded local run;
//! - a sweep killed with SIGKILL resumes: finished variants are not redone, what the kill cut
//!   short is, and the final table is the uninterrupted run's;
//! - SIGINT / SIGTERM stop a sweep cleanly (exit 128 + n, a resume hint, a table of what
//!   finished, no half-written variant) and the same command then completes it.
//!
//! Nothing here depends on timing: the tests poll the output directory with generous
//! deadlines, and an outcome that a slow or fast machine could change (how many variants
//! finished before the signal) is read from the directory, never assumed.

use crate::sweep::{column, table, without_time};
use crate::{coldtray_exe, external_tool, repo, scratch, stderr};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

type Table = (Vec<String>, Vec<Vec<String>>);

/// Longest wait for anything a test polls for: far beyond the seconds it takes, so a loaded
/// machine slows the test down but does not fail it.
const DEADLINE: Duration = Duration::from_secs(300);

/// The stoppable sweep: 8 variants of rubin-1800w at 0.75 mm, one at a time, each a few
/// tenths of a second, so there is time to stop it between the first and the last.
fn stoppable(out: &Path) -> Command {
    let mut c = Command::new(coldtray_exe());
    c.arg("sweep")
        .arg(repo("examples/rubin-1800w.toml"))
        .args(["--cell-mm", "0.75", "--jobs", "1"])
        .args(["--set", "coolant.flow_lpm=2.5:6:0.5"])
        .arg("--out")
        .arg(out);
    c
}
const STOPPABLE_VARIANTS: usize = 8;

/// The stoppable sweep run through once, uninterrupted (shared by the tests below).
fn reference() -> &'static Table {
    static REFERENCE: OnceLock<Table> = OnceLock::new();
    REFERENCE.get_or_init(|| {
        let out = scratch("sweep_cluster", "reference").join("out");
        let o = stoppable(&out).output().unwrap();
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
        let t = table(&out);
        assert_eq!(t.1.len(), STOPPABLE_VARIANTS);
        t
    })
}

/// The finished variant directories in `out` (`vNNNN` holding a results.json), sorted.
fn finished(out: &Path) -> Vec<String> {
    let Ok(entries) = std::fs::read_dir(out) else {
        return Vec::new();
    };
    let mut names: Vec<String> = entries
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.len() > 1 && n[1..].bytes().all(|b| b.is_ascii_digit()))
        .filter(|n| out.join(n).join("results.json").is_file())
        .collect();
    names.sort();
    names
}

/// What a killed write leaves beside the variants (`v0003.tmp-<pid>`, `v0003.old-<pid>`).
fn debris(out: &Path) -> Vec<String> {
    std::fs::read_dir(out)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains(".tmp-") || n.contains(".old-"))
        .collect()
}

/// Polls until `done()` or the deadline, which fails the test with `what`.
fn wait_until(what: &str, mut done: impl FnMut() -> bool) {
    let start = Instant::now();
    while !done() {
        assert!(start.elapsed() < DEADLINE, "gave up waiting for {what}");
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// Waits until the sweep `child` has finished a variant in `out`; `false` when it exited
/// first (an error, or a machine fast enough to solve them all before a poll).
fn first_variant(child: &mut Child, out: &Path) -> bool {
    let mut exited = false;
    wait_until("the first finished variant", || {
        exited = child.try_wait().unwrap().is_some();
        exited || !finished(out).is_empty()
    });
    !exited
}

/// Waits for `child` to exit (killing it at the deadline, which fails the test).
fn wait_exit(child: &mut Child, what: &str) -> ExitStatus {
    let start = Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        if start.elapsed() > DEADLINE {
            let _ = child.kill();
            panic!("{what} did not exit within {DEADLINE:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Sends signal `name` (`INT`, `TERM`) to process `pid`.
fn signal(pid: u32, name: &str) {
    let ok = Command::new("kill")
        .arg(format!("-{name}"))
        .arg(pid.to_string())
        .status()
        .unwrap()
        .success();
    assert!(ok, "kill -{name} {pid}");
}

/// (inode, mtime) of each finished variant's results.json: a redone variant changes both.
fn stamps(out: &Path, names: &[String]) -> Vec<(u64, std::time::SystemTime)> {
    use std::os::unix::fs::MetadataExt;
    names
        .iter()
        .map(|n| {
            let m = std::fs::metadata(out.join(n).join("results.json")).unwrap();
            (m.ino(), m.modified().unwrap())
        })
        .collect()
}

/// Re-runs the stoppable sweep into `out`, which holds `kept` finished variants: it keeps
/// exactly those (results.json untouched), solves the rest, clears any debris and writes
/// the reference table.
fn resume_completes(out: &Path, kept: &[String]) {
    let before = stamps(out, kept);
    let o = stoppable(out).output().unwrap();
    let stdout = String::from_utf8_lossy(&o.stdout).into_owned();
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let k = kept.len();
    if k > 0 {
        let noun = if k == 1 { "variant" } else { "variants" };
        assert!(
            stdout.contains(&format!("resuming: {k} finished {noun} kept")),
            "{stdout}"
        );
    }
    let solved = STOPPABLE_VARIANTS - k;
    assert!(
        stdout.contains(&format!("swept {solved} variant")),
        "{stdout}"
    );
    assert_eq!(stamps(out, kept), before, "kept variants are not redone");
    assert_eq!(finished(out).len(), STOPPABLE_VARIANTS);
    assert!(debris(out).is_empty(), "{:?}", debris(out));
    assert_eq!(without_time(&table(out)), without_time(reference()));
}

/// SIGKILL part-way (no chance to clean up): the re-run keeps exactly the variants whose
/// directories are complete, redoes the one the kill cut short (its staging directory is
/// not counted) and ends with the uninterrupted run's table.
#[test]
fn sigkill_then_rerun_resumes() {
    reference();
    let out = scratch("sweep_cluster", "sigkill").join("out");
    let mut child = stoppable(&out)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    if first_variant(&mut child, &out) {
        child.kill().unwrap();
    }
    let status = child.wait().unwrap();
    let kept = finished(&out);
    if status.code().is_none() {
        // Killed mid-sweep: no table yet (it is written last).
        assert!(!out.join("sweep.csv").exists());
    }
    // A staging directory holds a variant that was being written: not complete, not kept.
    for d in debris(&out) {
        let name = d.split('.').next().unwrap().to_string();
        assert!(!kept.contains(&name), "{d} beside a finished {name}");
    }
    resume_completes(&out, &kept);
}

/// SIGINT and SIGTERM: no new variant starts, the running one finishes and is kept, the
/// table of what finished is written, a one-line hint says how to resume, and the exit code
/// is 128 + the signal's number; the same command then completes the sweep. A second SIGINT
/// abandons the running variant at once (exit 130 too) and the re-run completes as well.
#[test]
fn sigint_and_sigterm_stop_cleanly_and_resume() {
    reference();
    for (sig, code, twice) in [
        ("INT", 130, false),
        ("TERM", 143, false),
        ("INT", 130, true),
    ] {
        let case = format!("{sig}{}", if twice { "-twice" } else { "" });
        let dir = scratch("sweep_cluster", &format!("sig{case}"));
        let out = dir.join("out");
        let err_path = dir.join("stderr.txt");
        let mut child = stoppable(&out)
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&err_path).unwrap())
            .spawn()
            .unwrap();
        let signalled = first_variant(&mut child, &out);
        if signalled {
            signal(child.id(), sig);
        }
        if twice && signalled {
            // Once the first is acknowledged; the sweep may have ended by then on its own.
            wait_until("the stop acknowledged", || {
                std::fs::read_to_string(&err_path).is_ok_and(|e| e.contains("stopping"))
            });
            if child.try_wait().unwrap().is_none() {
                let _ = Command::new("kill")
                    .arg("-INT")
                    .arg(child.id().to_string())
                    .status();
            }
        }
        let status = wait_exit(&mut child, &format!("the sweep after SIG{case}"));
        let err = std::fs::read_to_string(&err_path).unwrap();
        let kept = finished(&out);
        if kept.len() == STOPPABLE_VARIANTS && status.code() == Some(0) {
            // The signal came after the last variant had started: it stopped nothing, and
            // the sweep ended as usual.
            resume_completes(&out, &kept);
            continue;
        }
        assert_eq!(status.code(), Some(code), "SIG{case}: {err}");
        let hint: Vec<&str> = err.lines().filter(|l| l.contains("to resume")).collect();
        assert_eq!(hint.len(), 1, "SIG{case}: one resume line: {err}");
        assert!(
            hint[0].contains("run the same command again:") && hint[0].contains(" sweep "),
            "SIG{case}: {err}"
        );
        assert!(!err.contains("panicked"), "{err}");
        if err.contains("again: abandoning") {
            // The second signal ended it at once: whatever was running is not kept.
            assert!(!out.join("sweep.csv").exists(), "{err}");
        } else {
            // Stopped cleanly: the running variant finished, the table has every finished
            // variant and nothing else.
            assert!(err.contains(&format!("SIG{sig}: stopping")), "{err}");
            assert!(debris(&out).is_empty(), "SIG{case}: {:?}", debris(&out));
            let t = table(&out);
            assert_eq!(column(&t, "variant"), kept, "SIG{case}");
            assert!(column(&t, "status").iter().all(|s| s == "ok"), "{t:?}");
        }
        resume_completes(&out, &kept);
    }
}

/// The shipped Slurm scripts on a real Slurm: a 3-task array (`sbatch --wait --array=0-2`,
/// submitted from another directory with `--chdir`) writes one shard per task, the merge job
/// (`--dependency=afterany`) joins them, and the merged table equals an unsharded local run
/// row for row (the solve times aside, as `sweep merge` itself compares). CI runs it on the
/// one-node Slurm of scripts/cluster/slurm-one-node.sh; elsewhere it skips without `sbatch`.
#[test]
fn slurm_array_shards_merge_to_the_local_table() {
    let Some(sbatch) = external_tool(&["sbatch"]) else {
        return;
    };
    let sinfo = Command::new("sinfo")
        .args(["--noheader", "--format=%T"])
        .output();
    let states = match &sinfo {
        Ok(o) if o.status.success() => String::from_utf8_lossy(&o.stdout).into_owned(),
        Ok(o) => panic!(
            "sbatch is installed but slurmctld does not answer (`sinfo`: {}); start a one-node \
             Slurm as root with `bash scripts/cluster/slurm-one-node.sh`",
            stderr(o).trim()
        ),
        Err(e) => panic!("sbatch is installed but `sinfo` cannot run: {e}"),
    };
    assert!(
        states.lines().any(|s| matches!(s.trim(), "idle" | "mixed")),
        "no Slurm node is idle (sinfo: {states:?}); start or resume one with \
         `bash scripts/cluster/slurm-one-node.sh`"
    );

    let dir = scratch("sweep_cluster", "slurm");
    let design = repo("examples/rubin-1800w.toml");
    let sets = [
        "--cell-mm",
        "2",
        "--set",
        "coolant.flow_lpm=2.5,3.5",
        "--set",
        "coolant.inlet_c=40,42.5,45",
    ];
    let whole = dir.join("whole");
    let o = Command::new(coldtray_exe())
        .arg("sweep")
        .arg(&design)
        .args(sets)
        .arg("--out")
        .arg(&whole)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));

    let name = format!("coldtray-it-{}", std::process::id());
    let submit = |script: &str, extra: &[&str], args: &[&Path]| -> (ExitStatus, String, String) {
        // From `/`, with --chdir: the scripts must not depend on where sbatch runs.
        let mut child = Command::new(&sbatch)
            .current_dir("/")
            .env("COLDTRAY", coldtray_exe())
            .args(["--wait", "--parsable", "--time=10", "--cpus-per-task=1"])
            .arg(format!("--job-name={name}"))
            .arg(format!("--chdir={}", dir.display()))
            .arg(format!("--output={}/slurm-%j.out", dir.display()))
            .args(extra)
            .arg(repo(&format!("scripts/cluster/{script}")))
            .args(args)
            .args(if script == "sweep-array.sbatch" {
                &sets[..]
            } else {
                &[]
            })
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let start = Instant::now();
        while child.try_wait().unwrap().is_none() {
            if start.elapsed() > DEADLINE {
                let _ = Command::new("scancel")
                    .arg(format!("--name={name}"))
                    .status();
                let _ = child.kill();
                panic!("{script}: the Slurm job did not end within {DEADLINE:?}");
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        let o = child.wait_with_output().unwrap();
        let logs: String = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|x| x == "out"))
            .map(|p: PathBuf| {
                format!(
                    "--- {}\n{}",
                    p.display(),
                    std::fs::read_to_string(&p).unwrap()
                )
            })
            .collect();
        (
            o.status,
            String::from_utf8_lossy(&o.stdout).trim().to_string(),
            format!("{}\n{logs}", stderr(&o)),
        )
    };

    // Relative OUT: it lands in the --chdir directory.
    let (status, job, log) = submit(
        "sweep-array.sbatch",
        &["--array=0-2"],
        &[Path::new("out"), &design],
    );
    assert!(status.success(), "array job: {log}");
    let out = dir.join("out");
    for i in 0..3 {
        let shard = out.join(format!("shard-{i}"));
        let mine: Vec<String> = (0..6)
            .filter(|v| v % 3 == i)
            .map(|v| format!("v{v:04}"))
            .collect();
        assert_eq!(column(&table(&shard), "variant"), mine, "shard {i}: {log}");
    }
    let job = job.split(';').next().unwrap().to_string();
    let dependency = format!("--dependency=afterany:{job}");
    let (status, _, log) = submit("sweep-merge.sbatch", &[&dependency], &[Path::new("out")]);
    assert!(status.success(), "merge job: {log}");
    assert!(
        log.contains("merged 6 variants from 3 shard directories"),
        "{log}"
    );
    assert_eq!(
        without_time(&table(&out.join("merged"))),
        without_time(&table(&whole))
    );
}

/// The Kubernetes Indexed Job runs N shards: `completions`, `parallelism` and the N of
/// `--shard $(JOB_COMPLETION_INDEX)/N` are the same number, and it is an Indexed Job on a
/// shared volume.
#[test]
fn kubernetes_job_shard_count_is_consistent() {
    let yaml = std::fs::read_to_string(repo("scripts/cluster/sweep-job.yaml")).unwrap();
    let field = |key: &str| -> String {
        yaml.lines()
            .find_map(|l| l.trim().strip_prefix(key))
            .and_then(|v| v.split('#').next())
            .map(|v| v.trim().to_string())
            .unwrap_or_else(|| panic!("sweep-job.yaml has no `{key}`"))
    };
    assert_eq!(field("completionMode:"), "Indexed");
    let n = field("completions:");
    assert_eq!(field("parallelism:"), n);
    assert!(
        yaml.contains(&format!("- $(JOB_COMPLETION_INDEX)/{n}")),
        "--shard I/N with N = completions ({n})"
    );
    assert!(yaml.contains("claimName: coldtray-sweep"));
    assert!(yaml.contains("ReadWriteMany"));
}
