//! Writing an output file atomically: readers, and a process killed mid-write, see either the
//! old file or the whole new one, never a part.
//!
//! The bytes go to a temporary file in the same directory (so the final step is a rename
//! within one file system), which is renamed over the destination when complete. With
//! [`Durability::Durable`] the file is fsync'd before the rename and the directory after it,
//! so the new file survives a power loss once the call returns; records of production tests
//! need that, re-creatable outputs such as maps do not.

use std::fs::File;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// How hard a write tries to survive a crash of the machine (a crash of the process is always
/// survived).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Durability {
    /// Rename only: atomic for readers and against a killed process; the file may be lost or
    /// empty after a power loss. For outputs that can be made again (results, maps).
    Atomic,
    /// fsync the file before the rename and its directory after: survives a power loss once
    /// the call returns. For records that must never be lost.
    Durable,
}

/// Whether an existing destination may be replaced.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Replace {
    Yes,
    No,
}

/// A file being written that appears at its destination only when [`AtomicFile::commit`]
/// succeeds; dropped uncommitted, it leaves nothing behind.
#[derive(Debug)]
pub struct AtomicFile {
    tmp: tempfile::NamedTempFile,
    dest: PathBuf,
}

impl AtomicFile {
    /// Start writing `dest`; creates its directory if needed.
    pub fn create(dest: &Path) -> io::Result<Self> {
        let dir = parent_dir(dest);
        std::fs::create_dir_all(&dir)?;
        let name = dest
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let prefix = format!(".{name}.");
        let mut builder = tempfile::Builder::new();
        builder.prefix(&prefix).suffix(".tmp");
        // A temporary file is owner-only by default and would keep that mode through the
        // rename; outputs are made readable like `File::create` makes them (0666 less umask).
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            builder.permissions(std::fs::Permissions::from_mode(0o666));
        }
        let tmp = builder.tempfile_in(&dir)?;
        Ok(AtomicFile {
            tmp,
            dest: dest.to_path_buf(),
        })
    }

    /// The file to write into.
    pub fn file(&mut self) -> &mut File {
        self.tmp.as_file_mut()
    }

    /// Move the complete file onto its destination, replacing any file there.
    pub fn commit(self, durability: Durability) -> io::Result<()> {
        self.finish(durability, Replace::Yes)
    }

    /// Move the complete file onto its destination only if nothing is there yet; an existing
    /// destination is an `AlreadyExists` error and is left untouched.
    pub fn commit_new(self, durability: Durability) -> io::Result<()> {
        self.finish(durability, Replace::No)
    }

    fn finish(mut self, durability: Durability, replace: Replace) -> io::Result<()> {
        self.tmp.as_file_mut().flush()?;
        if durability == Durability::Durable {
            self.tmp.as_file().sync_all()?;
        }
        let dest = self.dest;
        match replace {
            Replace::Yes => self.tmp.persist(&dest).map_err(|e| e.error)?,
            Replace::No => self.tmp.persist_noclobber(&dest).map_err(|e| e.error)?,
        };
        if durability == Durability::Durable {
            sync_dir(&parent_dir(&dest))?;
        }
        Ok(())
    }
}

impl Write for AtomicFile {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.tmp.write(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.tmp.flush()
    }
}

/// Write `bytes` to `path` atomically (see the module doc); creates the directory if needed.
pub fn write_atomic(path: &Path, bytes: &[u8], durability: Durability) -> io::Result<()> {
    let mut file = AtomicFile::create(path)?;
    file.write_all(bytes)?;
    file.commit(durability)
}

fn parent_dir(path: &Path) -> PathBuf {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// fsync a directory so a rename inside it is durable. Not every platform lets a directory be
/// opened for syncing; there the rename's durability is the file system's.
fn sync_dir(dir: &Path) -> io::Result<()> {
    match File::open(dir).and_then(|d| d.sync_all()) {
        Ok(()) => Ok(()),
        Err(e) if cfg!(unix) => Err(e),
        Err(_) => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp_dir() -> tempfile::TempDir {
        tempfile::tempdir().expect("a temporary directory")
    }

    #[test]
    fn writes_replace_whole_files_and_leave_no_temporaries() {
        let dir = temp_dir();
        let p = dir.path().join("sub/out.json");
        write_atomic(&p, b"first", Durability::Durable).expect("write");
        write_atomic(&p, b"second", Durability::Atomic).expect("write");
        assert_eq!(std::fs::read(&p).expect("read"), b"second");
        let names: Vec<_> = std::fs::read_dir(p.parent().expect("dir"))
            .expect("list")
            .map(|e| e.expect("entry").file_name())
            .collect();
        assert_eq!(names, vec![std::ffi::OsString::from("out.json")]);
    }

    #[test]
    fn an_uncommitted_file_leaves_nothing_and_the_old_file_intact() {
        let dir = temp_dir();
        let p = dir.path().join("map.png");
        write_atomic(&p, b"old", Durability::Atomic).expect("write");
        {
            let mut f = AtomicFile::create(&p).expect("create");
            f.write_all(b"half of a new fi").expect("write");
        }
        assert_eq!(std::fs::read(&p).expect("read"), b"old");
        assert_eq!(std::fs::read_dir(dir.path()).expect("list").count(), 1);
    }

    #[test]
    #[cfg(unix)]
    fn files_get_the_mode_file_create_would_give() {
        use std::os::unix::fs::PermissionsExt;
        let dir = temp_dir();
        let ours = dir.path().join("ours.png");
        let plain = dir.path().join("plain.png");
        write_atomic(&ours, b"x", Durability::Atomic).expect("write");
        std::fs::write(&plain, b"x").expect("write");
        let mode = |p: &Path| std::fs::metadata(p).expect("stat").permissions().mode() & 0o777;
        assert_eq!(mode(&ours), mode(&plain));
    }

    #[test]
    fn commit_new_never_replaces() {
        let dir = temp_dir();
        let p = dir.path().join("record.json");
        let mut a = AtomicFile::create(&p).expect("create");
        a.write_all(b"a").expect("write");
        let mut b = AtomicFile::create(&p).expect("create");
        b.write_all(b"b").expect("write");
        a.commit_new(Durability::Durable).expect("first wins");
        let e = b
            .commit_new(Durability::Durable)
            .expect_err("second must not replace");
        assert_eq!(e.kind(), io::ErrorKind::AlreadyExists);
        assert_eq!(std::fs::read(&p).expect("read"), b"a");
        assert_eq!(std::fs::read_dir(dir.path()).expect("list").count(), 1);
    }
}
