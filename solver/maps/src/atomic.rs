//! Every file of this crate is written through here: atomically (`coldtray_io::AtomicFile`,
//! [`Durability::Atomic`]: maps and field files can be made again, so no fsync), and readable
//! by everyone like a file made with `File::create` under the usual umask.
//!
//! `AtomicFile` writes to a `tempfile` temporary, which is created owner-only (0600) and keeps
//! that mode through the rename; a map or a field file that other users or a web server
//! cannot open would be a regression from plain `File::create`, so the mode is set to 0644
//! before the rename.

use std::io::{self, Write};
use std::path::Path;

use coldtray_io::{AtomicFile, Durability};

/// Starts writing `path` (its directory is created if needed).
pub(crate) fn create(path: &Path) -> io::Result<AtomicFile> {
    let mut file = AtomicFile::create(path)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        file.file()
            .set_permissions(std::fs::Permissions::from_mode(0o644))?;
    }
    Ok(file)
}

/// Moves the complete `file` onto its destination.
pub(crate) fn commit(file: AtomicFile) -> io::Result<()> {
    file.commit(Durability::Atomic)
}

/// Writes `bytes` to `path` atomically.
pub(crate) fn write(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let mut file = create(path)?;
    file.write_all(bytes)?;
    commit(file)
}

#[cfg(test)]
mod tests {
    #[test]
    #[cfg(unix)]
    fn files_are_world_readable_and_whole() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().expect("temp dir");
        let p = dir.path().join("sub/x.png");
        super::write(&p, b"one").expect("writes");
        super::write(&p, b"two").expect("writes");
        assert_eq!(std::fs::read(&p).expect("reads"), b"two");
        let mode = std::fs::metadata(&p).expect("stat").permissions().mode();
        assert_eq!(mode & 0o777, 0o644);
        assert_eq!(
            std::fs::read_dir(p.parent().expect("dir"))
                .expect("ls")
                .count(),
            1
        );
    }
}
