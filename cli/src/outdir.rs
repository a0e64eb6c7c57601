//! A result directory written as a whole: every file goes into a temporary sibling
//! directory, which then replaces the old directory in two renames.
//!
//! Why: a re-run must not leave files of an earlier run behind (PNGs of a layer that no longer
//! exists, maps after a `--no-png` re-run), and a run that fails half-way must leave the
//! earlier result as it was.
//!
//! How, for `--out DIR`:
//! 1. [`Staging::prepare`] (before the solve): refuse a `DIR` that is a file, or a non-empty
//!    directory without `results.json` (not a coldtray result: never delete a user's
//!    files); create `DIR.tmp-<pid>` next to it (same file system, so renames are atomic).
//! 2. The run writes every file into [`Staging::path`].
//! 3. [`Staging::commit`]: rename `DIR` to `DIR.old-<pid>`, rename `DIR.tmp-<pid>` to `DIR`,
//!    then remove `DIR.old-<pid>`. Dropping a [`Staging`] that was not committed (an error
//!    on the way) removes `DIR.tmp-<pid>` and leaves `DIR` untouched.
//!
//! Crash behaviour: POSIX has no atomic exchange of two non-empty directories, so there is a
//! window between the two renames (microseconds) in which `DIR` does not exist. A process
//! killed exactly there leaves the earlier result complete in `DIR.old-<pid>` and the new
//! one complete in `DIR.tmp-<pid>`; rename either to `DIR`. A process killed before the
//! first rename leaves `DIR` untouched plus a `DIR.tmp-<pid>` to delete; killed after the
//! second, the new `DIR` is complete and only `DIR.old-<pid>` is left to delete. At no time
//! is `DIR` a mix of two runs.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context};

/// The file whose presence marks a directory as a coldtray result (safe to replace).
const MARKER: &str = "results.json";

/// A result directory being written (see the module doc).
#[derive(Debug)]
pub(crate) struct Staging {
    dest: PathBuf,
    tmp: PathBuf,
    /// The file that marks `dest` as ours to replace.
    marker: &'static str,
    committed: bool,
}

/// `DIR` with `suffix` appended to its last component: `out` → `out.tmp-123`.
fn sibling(dest: &Path, suffix: &str) -> anyhow::Result<PathBuf> {
    let Some(name) = dest.file_name() else {
        bail!(
            "--out {}: name a directory (not `.`, `..` or `/`): the result directory is \
             replaced as a whole",
            dest.display()
        );
    };
    let mut name = name.to_os_string();
    name.push(suffix);
    Ok(dest.with_file_name(name))
}

impl Staging {
    /// Checks that `dest` may be replaced and creates the temporary directory beside it.
    pub(crate) fn prepare(dest: &Path) -> anyhow::Result<Staging> {
        Staging::prepare_marked(dest, MARKER)
    }

    /// [`Staging::prepare`] for an output directory marked by `marker` instead of
    /// `results.json` (`compare.json` for `coldtray compare`).
    pub(crate) fn prepare_marked(dest: &Path, marker: &'static str) -> anyhow::Result<Staging> {
        let tmp = sibling(dest, &format!(".tmp-{}", std::process::id()))?;
        check_replaceable(dest, marker)?;
        if let Some(parent) = dest.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent)
                .with_context(|| format!("creating directory {}", parent.display()))?;
        }
        if tmp.exists() {
            // Ours by name: left by an earlier process with the same id that was killed.
            std::fs::remove_dir_all(&tmp)
                .with_context(|| format!("removing stale {}", tmp.display()))?;
        }
        std::fs::create_dir(&tmp).with_context(|| format!("creating {}", tmp.display()))?;
        Ok(Staging {
            dest: dest.to_path_buf(),
            tmp,
            marker,
            committed: false,
        })
    }

    /// Where the run writes its files until [`Staging::commit`].
    pub(crate) fn path(&self) -> &Path {
        &self.tmp
    }

    /// Replaces `dest` with the written directory (see the module doc for the crash window).
    pub(crate) fn commit(mut self) -> anyhow::Result<()> {
        // Checked again: the directory may have changed during a long solve.
        check_replaceable(&self.dest, self.marker)?;
        let old = sibling(&self.dest, &format!(".old-{}", std::process::id()))?;
        let had_old = self.dest.exists();
        if had_old {
            if old.exists() {
                std::fs::remove_dir_all(&old)
                    .with_context(|| format!("removing stale {}", old.display()))?;
            }
            std::fs::rename(&self.dest, &old)
                .with_context(|| format!("moving the earlier {} aside", self.dest.display()))?;
        }
        if let Err(e) = std::fs::rename(&self.tmp, &self.dest) {
            if had_old {
                // Put the earlier result back; the new one stays in tmp until drop.
                let _ = std::fs::rename(&old, &self.dest);
            }
            return Err(e).with_context(|| {
                format!("moving {} to {}", self.tmp.display(), self.dest.display())
            });
        }
        self.committed = true;
        if had_old {
            std::fs::remove_dir_all(&old)
                .with_context(|| format!("removing the earlier result {}", old.display()))?;
        }
        Ok(())
    }
}

impl Drop for Staging {
    fn drop(&mut self) {
        if !self.committed {
            let _ = std::fs::remove_dir_all(&self.tmp);
        }
    }
}

/// `dest` may be replaced: it does not exist, is an empty directory, or is a directory that
/// holds `marker` (`results.json`: a coldtray result).
fn check_replaceable(dest: &Path, marker: &str) -> anyhow::Result<()> {
    let meta = match std::fs::symlink_metadata(dest) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(e).with_context(|| format!("reading {}", dest.display())),
    };
    if !meta.is_dir() {
        bail!(
            "--out {}: exists and is not a directory (a file or a symbolic link); give a new, empty \
             or result directory",
            dest.display()
        );
    }
    if dest.join(marker).is_file() {
        return Ok(());
    }
    let mut entries =
        std::fs::read_dir(dest).with_context(|| format!("reading {}", dest.display()))?;
    if entries.next().is_some() {
        bail!(
            "--out {}: is not empty and holds no {marker}, so it is not a coldtray result \
             directory; the result directory is replaced as a whole, so give a new or empty \
             directory (nothing was written)",
            dest.display()
        );
    }
    Ok(())
}
