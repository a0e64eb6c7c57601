//! One owner per rig. Two guards, both before the controller's first write:
//! - a host-local lock per rig (resolved address, port, unit id): a lock file taken with
//!   [`std::fs::File::try_lock`] and held for the whole test, so two processes on one station
//!   PC cannot drive the same rig;
//! - a look at the heartbeat register for a few polls: if it changes, another controller (on
//!   another host) owns the rig.
//!
//! Lock directory: `$COLDTRAY_LOCK_DIR` if set, else `$XDG_RUNTIME_DIR/coldtray` (per user,
//! cleaned at logout), else `<system temp dir>/coldtray-locks`. The lock is the operating
//! system's advisory file lock, released when the process ends however it ends (kill -9
//! included); the file stays and holds the owner's process id, for the message.

use std::fs::{File, OpenOptions, TryLockError};
use std::io::{Read, Seek, Write};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use crate::link::error::LinkError;
use crate::link::LinkHandle;
use crate::rig::names::SignalName;

/// Why the rig cannot be taken.
#[derive(Debug, thiserror::Error)]
pub enum OwnerError {
    /// Another controller owns the rig.
    #[error(
        "rig in use: {addr} (unit {unit_id}) {by}; no command was sent and nothing was recorded"
    )]
    InUse {
        /// The rig's address.
        addr: SocketAddr,
        /// Its Modbus unit id.
        unit_id: u8,
        /// Who holds it, as far as known.
        by: String,
    },
    /// The lock file could not be created or locked.
    #[error("cannot take the rig lock {}; set COLDTRAY_LOCK_DIR to a writable directory", path.display())]
    Lock {
        /// The lock file.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// The heartbeat could not be read while watching it.
    #[error("cannot read the heartbeat of the rig at {addr} to check that nobody else owns it")]
    Read {
        /// The rig's address.
        addr: SocketAddr,
        /// Why.
        #[source]
        source: LinkError,
    },
}

/// The host-local lock of one rig, held until dropped.
#[derive(Debug)]
pub struct RigLock {
    /// The lock file.
    pub path: PathBuf,
    _file: File,
}

/// The directory rig locks live in (see the module documentation).
pub fn lock_dir() -> PathBuf {
    if let Some(d) = std::env::var_os("COLDTRAY_LOCK_DIR").filter(|d| !d.is_empty()) {
        return PathBuf::from(d);
    }
    if let Some(d) = std::env::var_os("XDG_RUNTIME_DIR").filter(|d| !d.is_empty()) {
        return PathBuf::from(d).join("coldtray");
    }
    std::env::temp_dir().join("coldtray-locks")
}

/// Takes the host-local lock of the rig at `addr`, unit `unit_id`, without waiting.
pub fn lock_rig(addr: SocketAddr, unit_id: u8) -> Result<RigLock, OwnerError> {
    lock_rig_in(&lock_dir(), addr, unit_id)
}

/// As [`lock_rig`], with the lock file in `dir`.
fn lock_rig_in(
    dir: &std::path::Path,
    addr: SocketAddr,
    unit_id: u8,
) -> Result<RigLock, OwnerError> {
    let host: String = addr
        .ip()
        .to_string()
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    let path = dir.join(format!("rig-{host}-{}-{unit_id}.lock", addr.port()));
    let io = |source| OwnerError::Lock {
        path: path.clone(),
        source,
    };
    std::fs::create_dir_all(dir).map_err(io)?;
    let mut file = OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(&path)
        .map_err(io)?;
    match file.try_lock() {
        Ok(()) => {}
        Err(TryLockError::WouldBlock) => {
            let mut pid = String::new();
            let _ = file.read_to_string(&mut pid);
            let pid = pid.trim();
            return Err(OwnerError::InUse {
                addr,
                unit_id,
                by: if pid.is_empty() {
                    format!(
                        "is locked by another process on this host ({})",
                        path.display()
                    )
                } else {
                    format!(
                        "is locked by process {pid} on this host ({})",
                        path.display()
                    )
                },
            });
        }
        Err(TryLockError::Error(e)) => return Err(io(e)),
    }
    // Best effort: the owner's pid, for the next one's message.
    let _ = file.set_len(0);
    let _ = file.rewind();
    let _ = writeln!(file, "{}", std::process::id());
    Ok(RigLock { path, _file: file })
}

/// Reads the heartbeat every `period` (wall) for `polls` periods, writing nothing: a change
/// means another controller is alive on this rig. Without a mapped heartbeat there is nothing
/// to watch (the host lock still applies).
pub async fn watch_heartbeat(
    link: &LinkHandle,
    addr: SocketAddr,
    period: Duration,
    polls: u32,
) -> Result<(), OwnerError> {
    if link.map().get(SignalName::Heartbeat).is_none() {
        return Ok(());
    }
    let read = || async {
        link.read(&[SignalName::Heartbeat])
            .await
            .map(|s| s.get(SignalName::Heartbeat).unwrap_or(f64::NAN))
            .map_err(|source| OwnerError::Read { addr, source })
    };
    let first = read().await?;
    for _ in 0..polls {
        tokio::time::sleep(period).await;
        let now = read().await?;
        if now != first {
            return Err(OwnerError::InUse {
                addr,
                unit_id: link.map().connection.unit_id,
                by: format!(
                    "is driven by another controller: its heartbeat changed from {first} to {now} while this one watched"
                ),
            });
        }
    }
    Ok(())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn one_lock_per_rig_released_on_drop() {
        let dir = std::env::temp_dir().join(format!("coldtray-lock-test-{}", std::process::id()));
        let rig: SocketAddr = "127.0.0.1:5020".parse().unwrap();
        let first = lock_rig_in(&dir, rig, 1).unwrap();
        let e = lock_rig_in(&dir, rig, 1).unwrap_err();
        let msg = e.to_string();
        assert!(
            msg.starts_with("rig in use: 127.0.0.1:5020 (unit 1)"),
            "{msg}"
        );
        assert!(
            msg.contains(&format!("process {}", std::process::id())),
            "{msg}"
        );
        // Another unit behind the same gateway is another rig.
        let other = lock_rig_in(&dir, rig, 2).unwrap();
        drop(first);
        let again = lock_rig_in(&dir, rig, 1).unwrap();
        drop((other, again));
        let _ = std::fs::remove_dir_all(&dir);
    }
}
