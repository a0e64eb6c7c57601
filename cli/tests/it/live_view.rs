//! `coldtray leak-test` with stdout not a terminal (as here, captured): stdout keeps its one
//! verdict line, and stderr has the live view's plain timestamped lines — the start, one line
//! per phase in the sequence's order, readings, the verdict last.

use crate::leak_test::{leak_test, text, Emulator};
use crate::scratch;

#[test]
fn non_terminal_output_has_timestamped_phase_lines_in_order() {
    let dir = scratch("live_view", "plain");
    let emu = Emulator::start(&[]);
    let o = leak_test(&emu, &dir, "LIVE-1");
    let (out, err) = (text(&o.stdout), text(&o.stderr));
    assert_eq!(o.status.code(), Some(0), "{out}{err}");
    assert_eq!(out.lines().count(), 1, "{out}");
    assert!(out.starts_with("PASS LIVE-1"), "{out}");
    // Lines of the view: "2026-12-02T17:00:00.123Z t=  12.3 s …", in time order.
    let view: Vec<&str> = err
        .lines()
        .filter(|l| {
            l.len() > 25
                && chrono::DateTime::parse_from_rfc3339(&l[..24]).is_ok()
                && l[24..].starts_with(' ')
        })
        .collect();
    assert!(
        view.first().is_some_and(|l| l.contains(" start LIVE-1 ")),
        "{err}"
    );
    let phases: Vec<&str> = view
        .iter()
        .filter_map(|l| l.split(" phase ").nth(1))
        .filter_map(|p| p.split_whitespace().next())
        .collect();
    assert_eq!(
        phases,
        ["precheck", "fill", "stabilize", "measure", "vent", "flow"],
        "{err}"
    );
    let stamps: Vec<&str> = view.iter().map(|l| &l[..24]).collect();
    assert!(stamps.windows(2).all(|w| w[0] <= w[1]), "{err}");
    // Readings every ~5 recipe s of a ≈ 65 s test: at least ten, each with a pressure.
    let readings = view.iter().filter(|l| l.contains(" pressure ")).count();
    assert!(readings >= 10, "{err}");
    assert!(
        view.last()
            .is_some_and(|l| l.contains(" verdict PASS: leak ")),
        "{err}"
    );
}
