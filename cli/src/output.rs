//! Writing to stdout without panicking on a closed pipe.
//!
//! `println!` panics when the reader has gone (`coldtray simulate … | head -1`). The commands
//! print through [`outln!`] instead: a closed pipe stops further output quietly, so the
//! command finishes its work (results are already written, a verdict already recorded) and
//! exits with its own exit code. Any other write error is reported once on stderr.

use std::io::{self, Write};
use std::sync::atomic::{AtomicBool, Ordering};

static CLOSED: AtomicBool = AtomicBool::new(false);

/// Write formatted text to stdout; see the module doc for what happens on errors.
pub(crate) fn write_stdout(args: std::fmt::Arguments<'_>) {
    if CLOSED.load(Ordering::Relaxed) {
        return;
    }
    let mut out = io::stdout().lock();
    if let Err(e) = out.write_fmt(args).and_then(|()| out.flush()) {
        CLOSED.store(true, Ordering::Relaxed);
        if e.kind() != io::ErrorKind::BrokenPipe {
            eprintln!("warning: cannot write to stdout: {e}; further output is dropped");
        }
    }
}

/// `print!` that never panics (see the module doc).
macro_rules! out {
    ($($arg:tt)*) => { $crate::output::write_stdout(format_args!($($arg)*)) };
}

/// `println!` that never panics (see the module doc).
macro_rules! outln {
    () => { $crate::output::write_stdout(format_args!("\n")) };
    ($($arg:tt)*) => { $crate::output::write_stdout(format_args!("{}\n", format_args!($($arg)*))) };
}

pub(crate) use {out, outln};
