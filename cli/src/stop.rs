//! Stop requests for a long batch command (`coldtray sweep`): SIGINT (Ctrl-C), SIGTERM
//! (`kill`, and what Slurm or Kubernetes send at pre-emption or at the time limit) and SIGHUP
//! (the terminal went away).
//!
//! The first signal only sets a flag the command polls between units of work, so what is
//! running can finish and be written whole; a second one ends the process at once with the
//! conventional exit code 128 + signal number (130 for SIGINT, 143 for SIGTERM), abandoning
//! the running work (written through [`crate::outdir`], it is either complete or absent).
//! The signals are caught on a plain thread (signal-hook's iterator), never in a handler
//! that would have to be async-signal-safe.

use std::sync::atomic::{AtomicI32, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;

use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};
use signal_hook::iterator::{Handle, Signals};

/// Catches the stop signals while it lives; see the module doc.
pub(crate) struct StopSignals {
    /// The first stop signal's number, 0 while none came.
    first: Arc<AtomicI32>,
    handle: Handle,
    thread: Option<JoinHandle<()>>,
}

impl StopSignals {
    /// Starts catching SIGINT, SIGTERM and SIGHUP. `on_first(name)` runs (on the catching
    /// thread) when the first arrives, `on_second(name)` when a second does, after which the
    /// process exits with 128 + its number.
    pub(crate) fn install(
        on_first: impl Fn(&str) + Send + 'static,
        on_second: impl Fn(&str) + Send + 'static,
    ) -> std::io::Result<StopSignals> {
        let mut signals = Signals::new([SIGINT, SIGTERM, SIGHUP])?;
        let handle = signals.handle();
        let first = Arc::new(AtomicI32::new(0));
        let flag = Arc::clone(&first);
        let thread = std::thread::Builder::new()
            .name("stop-signals".into())
            .spawn(move || {
                for sig in signals.forever() {
                    if flag
                        .compare_exchange(0, sig, Ordering::SeqCst, Ordering::SeqCst)
                        .is_ok()
                    {
                        on_first(name(sig));
                    } else {
                        on_second(name(sig));
                        std::process::exit(exit_code(sig).into());
                    }
                }
            })?;
        Ok(StopSignals {
            first,
            handle,
            thread: Some(thread),
        })
    }

    /// The first stop signal's name, once one came.
    pub(crate) fn requested(&self) -> Option<&'static str> {
        match self.first.load(Ordering::SeqCst) {
            0 => None,
            sig => Some(name(sig)),
        }
    }

    /// The exit code of a command that stopped on request: 128 + the first signal's number.
    pub(crate) fn exit_code(&self) -> Option<u8> {
        match self.first.load(Ordering::SeqCst) {
            0 => None,
            sig => Some(exit_code(sig)),
        }
    }
}

impl Drop for StopSignals {
    fn drop(&mut self) {
        self.handle.close();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// `SIGINT`, `SIGTERM`, `SIGHUP`.
fn name(sig: i32) -> &'static str {
    match sig {
        SIGINT => "SIGINT",
        SIGTERM => "SIGTERM",
        SIGHUP => "SIGHUP",
        _ => "a stop signal",
    }
}

/// The shell's convention for a process ended by signal `sig`.
fn exit_code(sig: i32) -> u8 {
    u8::try_from(128 + sig).unwrap_or(u8::MAX)
}

/// Writes a line to stderr, ignoring errors: after SIGHUP the terminal may be gone, and
/// `eprintln!` would panic where the stop must go on.
pub(crate) fn note(args: std::fmt::Arguments<'_>) {
    use std::io::Write;
    let _ = writeln!(std::io::stderr().lock(), "{args}");
}

/// This process's command line, quoted for a POSIX shell (to repeat it).
pub(crate) fn command_line() -> String {
    let args: Vec<String> = std::env::args().collect();
    shlex::try_join(args.iter().map(String::as_str)).unwrap_or_else(|_| args.join(" "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exit_codes_follow_the_shell() {
        assert_eq!(exit_code(SIGINT), 130);
        assert_eq!(exit_code(SIGTERM), 143);
        assert_eq!(exit_code(SIGHUP), 129);
    }
}
