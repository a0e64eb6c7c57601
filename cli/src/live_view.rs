//! What `coldtray leak-test` shows while the test runs, built from the sequence's live events
//! ([`coldtray_controller::l10::live`]).
//!
//! - stdout is a terminal: a status block redrawn in place (serial and recipe; the phase with
//!   its elapsed and remaining time; pressure, gas temperature, flow and ΔP; a progress bar
//!   through the phase) and, at the end, the verdict in block letters with its reason.
//! - otherwise (a log, CI, a pipe): plain timestamped lines on stderr — one when the test
//!   starts, one per phase, a reading every [`PLAIN_EVERY_S`] recipe seconds and the verdict —
//!   so that stdout keeps its one-line verdict for scripts.
//!
//! The text is made by pure functions ([`Plain::lines`], [`Status::frame`], [`banner`]) that
//! the unit tests check; [`follow`] only draws it.

use std::fmt::Write as _;
use std::io::{IsTerminal, Write};

use chrono::{DateTime, Utc};
use coldtray_controller::l10::live::{LiveEvent, LiveSample};
use coldtray_controller::l10::result::Phase;
use coldtray_controller::Outcome;
use tokio::sync::broadcast;

/// Room for the events between two redraws; a view that falls further behind skips samples
/// (the test is never slowed down by its view).
pub(crate) const CHANNEL_CAPACITY: usize = 1024;

/// Recipe seconds between two reading lines of the plain view.
pub(crate) const PLAIN_EVERY_S: f64 = 5.0;

/// How the progress is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Mode {
    /// A redrawn status block on stdout.
    Terminal,
    /// Timestamped lines on stderr.
    Plain,
}

impl Mode {
    /// [`Mode::Terminal`] when stdout is a terminal, else [`Mode::Plain`].
    pub(crate) fn detect() -> Mode {
        if std::io::stdout().is_terminal() {
            Mode::Terminal
        } else {
            Mode::Plain
        }
    }
}

/// Follows one test's events until its verdict (or until the sender is gone) and shows them.
pub(crate) async fn follow(mut rx: broadcast::Receiver<LiveEvent>, mode: Mode) {
    let mut plain = Plain::default();
    let mut status = Status::default();
    let bar = (mode == Mode::Terminal).then(terminal_bar);
    loop {
        let event = match rx.recv().await {
            Ok(e) => e,
            // Samples were skipped; the next one shows the present.
            Err(broadcast::error::RecvError::Lagged(_)) => continue,
            Err(broadcast::error::RecvError::Closed) => break,
        };
        match &bar {
            None => {
                let mut err = std::io::stderr().lock();
                for line in plain.lines(&event, Utc::now()) {
                    // A closed stderr must not end the test's process: the line is dropped.
                    let _ = writeln!(err, "{line}");
                }
            }
            Some(bar) => {
                status.update(&event);
                if let LiveEvent::Finished {
                    outcome, reason, ..
                } = &event
                {
                    bar.finish_and_clear();
                    let colour = std::env::var_os("NO_COLOR").is_none();
                    let mut out = String::new();
                    for line in verdict_block(*outcome, reason, colour) {
                        let _ = writeln!(out, "{line}");
                    }
                    crate::output::out!("{out}");
                } else {
                    let frame = status.frame();
                    bar.set_message(frame.lines.join("\n"));
                    bar.set_position(frame.fraction.map_or(0, |f| (f * BAR_STEPS as f64) as u64));
                }
            }
        }
        if matches!(event, LiveEvent::Finished { .. }) {
            break;
        }
    }
    if let Some(bar) = bar {
        if !bar.is_finished() {
            bar.finish_and_clear();
        }
    }
}

/// Resolution of the phase progress bar.
const BAR_STEPS: u64 = 1000;

/// The terminal's bar: the status lines (the message) above a bar through the phase.
fn terminal_bar() -> indicatif::ProgressBar {
    let bar = indicatif::ProgressBar::with_draw_target(
        Some(BAR_STEPS),
        indicatif::ProgressDrawTarget::stdout(),
    );
    if let Ok(style) = indicatif::ProgressStyle::with_template(
        "{msg}\n [{wide_bar:.cyan/blue}] {percent:>3} % of the phase",
    ) {
        bar.set_style(style.progress_chars("█▉▊▋▌▍▎▏ "));
    }
    bar
}

/// A reading for a person: the value with `decimals` (no "-0.0" from noise around zero), or
/// "—" when the rig does not have it.
fn reading(v: Option<f64>, decimals: usize, unit: &str) -> String {
    match v {
        Some(x) => {
            let half_digit = 0.5 * 10f64.powi(-(decimals as i32));
            let x = if x.abs() < half_digit { 0.0 } else { x };
            format!("{x:.decimals$} {unit}")
        }
        None => format!("— {unit}"),
    }
}

/// Seconds for a person: one decimal below 10 s, whole seconds above.
fn secs(s: f64) -> String {
    if s < 10.0 {
        format!("{s:.1} s")
    } else {
        format!("{s:.0} s")
    }
}

/// The verdict's word.
fn verdict_word(outcome: Outcome) -> &'static str {
    match outcome {
        Outcome::Pass => "PASS",
        Outcome::Fail => "FAIL",
        Outcome::Aborted => "ABORTED",
    }
}

/// The plain (non-terminal) view: which lines each event adds. Keeps only when the last
/// reading line was printed and the test clock.
#[derive(Debug, Default)]
pub(crate) struct Plain {
    last_reading_s: Option<f64>,
    t_s: f64,
}

impl Plain {
    /// The lines `event` adds, each starting with `now` (UTC, milliseconds) and the test's
    /// recipe time: the start, every phase, a reading when [`PLAIN_EVERY_S`] recipe seconds
    /// have passed since the last one (and the first reading), the verdict.
    pub(crate) fn lines(&mut self, event: &LiveEvent, now: DateTime<Utc>) -> Vec<String> {
        let stamp = now.format("%Y-%m-%dT%H:%M:%S%.3fZ");
        match event {
            LiveEvent::Started {
                serial,
                recipe,
                time_scale,
                expected_s,
            } => {
                let mut line = format!("{stamp} start {serial} \"{recipe}\"");
                if let Some(e) = expected_s {
                    let _ = write!(line, ", at most {} by the recipe", secs(*e));
                }
                if *time_scale != 1.0 {
                    let _ = write!(line, ", time scale ×{time_scale}");
                }
                vec![line]
            }
            LiveEvent::Phase {
                phase,
                t_s,
                expected_s,
            } => {
                self.t_s = *t_s;
                let length = expected_s.map_or(String::new(), |e| format!(" (up to {})", secs(e)));
                vec![format!(
                    "{stamp} t={t_s:6.1} s phase {}{length}",
                    phase.as_str()
                )]
            }
            LiveEvent::Sample(s) => {
                self.t_s = s.t_s;
                if self
                    .last_reading_s
                    .is_some_and(|l| s.t_s - l < PLAIN_EVERY_S)
                {
                    return Vec::new();
                }
                self.last_reading_s = Some(s.t_s);
                vec![format!(
                    "{stamp} t={:6.1} s {} {}  {}",
                    s.t_s,
                    s.phase.as_str(),
                    phase_clock(s),
                    readings(s)
                )]
            }
            LiveEvent::Finished {
                outcome, reason, ..
            } => vec![format!(
                "{stamp} t={:6.1} s verdict {}: {reason}",
                self.t_s,
                verdict_word(*outcome)
            )],
        }
    }
}

/// "12.3 s of 30 s" (or "12.3 s" for a phase without a set length).
fn phase_clock(s: &LiveSample) -> String {
    match s.phase_remaining_s {
        Some(rem) => format!(
            "{} of {}",
            secs(s.phase_elapsed_s),
            secs(s.phase_elapsed_s + rem)
        ),
        None => secs(s.phase_elapsed_s),
    }
}

/// Pressure, gas temperature, flow and ΔP of one sample.
fn readings(s: &LiveSample) -> String {
    format!(
        "pressure {}  gas {}  flow {}  ΔP {}",
        reading(s.pressure_kpa, 1, "kPa"),
        reading(s.gas_temperature_c, 1, "°C"),
        reading(s.flow_lpm, 2, "L/min"),
        reading(s.dp_kpa, 1, "kPa"),
    )
}

/// What the terminal view knows: the test, the phase and the latest sample.
#[derive(Debug, Default)]
pub(crate) struct Status {
    title: String,
    phase: Option<Phase>,
    phase_expected_s: Option<f64>,
    sample: Option<LiveSample>,
}

/// One redraw of the terminal view.
#[derive(Debug, PartialEq)]
pub(crate) struct Frame {
    /// The status lines above the bar.
    pub(crate) lines: Vec<String>,
    /// How far through the phase, 0–1; `None` when the phase has no set length.
    pub(crate) fraction: Option<f64>,
}

impl Status {
    /// Takes in one event.
    pub(crate) fn update(&mut self, event: &LiveEvent) {
        match event {
            LiveEvent::Started {
                serial,
                recipe,
                time_scale,
                ..
            } => {
                self.title = format!("{serial} · {recipe}");
                if *time_scale != 1.0 {
                    let _ = write!(self.title, " · time scale ×{time_scale}");
                }
            }
            LiveEvent::Phase {
                phase, expected_s, ..
            } => {
                self.phase = Some(*phase);
                self.phase_expected_s = *expected_s;
            }
            LiveEvent::Sample(s) => self.sample = Some(s.clone()),
            LiveEvent::Finished { .. } => {}
        }
    }

    /// The status block: title; phase with its clock and the test's time; the readings.
    pub(crate) fn frame(&self) -> Frame {
        let phase = self.phase.map_or("starting", |p| p.as_str());
        // The latest sample belongs to an earlier phase until the new phase's first poll.
        let current = self.sample.as_ref().filter(|s| Some(s.phase) == self.phase);
        let clock = match current {
            Some(s) => match s.phase_remaining_s {
                Some(rem) => format!("{} · {} left", phase_clock(s), secs(rem)),
                None => phase_clock(s),
            },
            None => match self.phase_expected_s {
                Some(e) => format!("0.0 s of {}", secs(e)),
                None => String::new(),
            },
        };
        let test_s = self
            .sample
            .as_ref()
            .map_or(String::new(), |s| format!("test {}", secs(s.t_s)));
        let readings = self
            .sample
            .as_ref()
            .map_or_else(|| "waiting for the first reading".to_string(), readings);
        let fraction = match current {
            Some(s) => s
                .phase_remaining_s
                .map(|rem| fraction(s.phase_elapsed_s, s.phase_elapsed_s + rem)),
            None => self.phase_expected_s.map(|_| 0.0),
        };
        Frame {
            lines: vec![
                format!(" {}", self.title),
                format!(" {:<10} {clock:<32} {test_s}", phase.to_uppercase()),
                format!(" {readings}"),
            ],
            fraction,
        }
    }
}

/// `elapsed / total` within 0–1 (a zero-length phase is complete).
fn fraction(elapsed: f64, total: f64) -> f64 {
    if total > 0.0 {
        (elapsed / total).clamp(0.0, 1.0)
    } else {
        1.0
    }
}

/// The verdict at the end of the terminal view: the word in block letters (green, red or
/// yellow when `colour`), then the reason.
pub(crate) fn verdict_block(outcome: Outcome, reason: &str, colour: bool) -> Vec<String> {
    let word = verdict_word(outcome);
    let (on, off) = match (colour, outcome) {
        (false, _) => ("", ""),
        (true, Outcome::Pass) => ("\x1b[1;32m", "\x1b[0m"),
        (true, Outcome::Fail) => ("\x1b[1;31m", "\x1b[0m"),
        (true, Outcome::Aborted) => ("\x1b[1;33m", "\x1b[0m"),
    };
    let mut lines = vec![String::new()];
    lines.extend(banner(word).into_iter().map(|l| format!(" {on}{l}{off}")));
    lines.push(String::new());
    lines.push(format!(" {word}: {reason}"));
    lines.push(String::new());
    lines
}

/// Rows of the block letters.
const GLYPH_ROWS: usize = 5;

/// The block letter of `c` (`#` = ink), for the letters of PASS, FAIL and ABORTED.
fn glyph(c: char) -> Option<[&'static str; GLYPH_ROWS]> {
    Some(match c {
        'A' => [" ### ", "#   #", "#####", "#   #", "#   #"],
        'B' => ["#### ", "#   #", "#### ", "#   #", "#### "],
        'D' => ["#### ", "#   #", "#   #", "#   #", "#### "],
        'E' => ["#####", "#    ", "#### ", "#    ", "#####"],
        'F' => ["#####", "#    ", "#### ", "#    ", "#    "],
        'I' => ["###", " # ", " # ", " # ", "###"],
        'L' => ["#    ", "#    ", "#    ", "#    ", "#####"],
        'O' => [" ### ", "#   #", "#   #", "#   #", " ### "],
        'P' => ["#### ", "#   #", "#### ", "#    ", "#    "],
        'R' => ["#### ", "#   #", "#### ", "#  # ", "#   #"],
        'S' => [" ####", "#    ", " ### ", "    #", "#### "],
        'T' => ["#####", "  #  ", "  #  ", "  #  ", "  #  "],
        _ => return None,
    })
}

/// `word` in block letters, [`GLYPH_ROWS`] rows, each ink cell two `█` wide (a terminal cell
/// is about twice as tall as wide); letters without a glyph are left out.
pub(crate) fn banner(word: &str) -> Vec<String> {
    let glyphs: Vec<_> = word.chars().filter_map(glyph).collect();
    (0..GLYPH_ROWS)
        .map(|row| {
            let cells: Vec<String> = glyphs
                .iter()
                .map(|g| {
                    g[row]
                        .chars()
                        .map(|c| if c == '#' { "██" } else { "  " })
                        .collect()
                })
                .collect();
            cells.join("  ").trim_end().to_string()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(s: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 12, 2, 17, 0, s)
            .single()
            .unwrap_or_default()
    }

    fn sample(t_s: f64, phase: Phase, elapsed: f64, remaining: Option<f64>) -> LiveEvent {
        LiveEvent::Sample(LiveSample {
            t_s,
            phase,
            phase_elapsed_s: elapsed,
            phase_remaining_s: remaining,
            pressure_kpa: Some(312.345),
            gas_temperature_c: Some(23.04),
            flow_lpm: None,
            dp_kpa: None,
        })
    }

    /// A test's start, a precheck poll, then 12 s of fill polled every 0.25 s (binary
    /// fractions: the times are exact) and a gross-leak verdict.
    fn test_events() -> Vec<LiveEvent> {
        let mut v = vec![
            LiveEvent::Started {
                serial: "SN1".into(),
                recipe: "L10".into(),
                time_scale: 50.0,
                expected_s: Some(107.0),
            },
            LiveEvent::Phase {
                phase: Phase::Precheck,
                t_s: 0.0,
                expected_s: None,
            },
            sample(0.0, Phase::Precheck, 0.0, None),
            LiveEvent::Phase {
                phase: Phase::Fill,
                t_s: 0.0,
                expected_s: Some(30.0),
            },
        ];
        for i in 1..=48 {
            let t = f64::from(i) * 0.25;
            v.push(sample(t, Phase::Fill, t, Some(30.0 - t)));
        }
        v.push(LiveEvent::Finished {
            outcome: Outcome::Fail,
            reason: "gross leak".into(),
            leak_sccm: None,
        });
        v
    }

    #[test]
    fn plain_lines_are_timestamped_one_per_phase_a_reading_every_five_seconds() {
        let mut plain = Plain::default();
        let lines: Vec<String> = test_events()
            .iter()
            .enumerate()
            .flat_map(|(i, e)| plain.lines(e, at(i as u32 % 60)))
            .collect();
        assert!(lines.iter().all(|l| l.starts_with("2026-12-02T17:00:")));
        assert!(
            lines[0].ends_with("start SN1 \"L10\", at most 107 s by the recipe, time scale ×50")
        );
        assert!(
            lines[1].ends_with("t=   0.0 s phase precheck"),
            "{}",
            lines[1]
        );
        // The first reading, then the fill phase line, then readings at 5 and 10 s (every
        // 5 recipe s from the first), then the verdict.
        assert!(lines[2].contains("t=   0.0 s precheck 0.0 s  pressure 312.3 kPa  gas 23.0 °C  flow — L/min  ΔP — kPa"), "{}", lines[2]);
        assert!(
            lines[3].ends_with("t=   0.0 s phase fill (up to 30 s)"),
            "{}",
            lines[3]
        );
        assert!(
            lines[4].contains("t=   5.0 s fill 5.0 s of 30 s  pressure"),
            "{}",
            lines[4]
        );
        assert!(
            lines[5].contains("t=  10.0 s fill 10 s of 30 s  pressure"),
            "{}",
            lines[5]
        );
        assert!(
            lines[6].ends_with("t=  12.0 s verdict FAIL: gross leak"),
            "{}",
            lines[6]
        );
        assert_eq!(lines.len(), 7, "{lines:#?}");
    }

    #[test]
    fn the_terminal_frame_shows_phase_clock_readings_and_progress() {
        let mut status = Status::default();
        let events = test_events();
        for e in &events[..4] {
            status.update(e);
        }
        // Fill announced, its first poll not yet in: the clock starts at 0 of the phase.
        let f = status.frame();
        assert_eq!(f.fraction, Some(0.0));
        assert_eq!(f.lines[0], " SN1 · L10 · time scale ×50");
        assert!(
            f.lines[1].starts_with(" FILL       0.0 s of 30 s"),
            "{:?}",
            f.lines
        );
        // 6 s into the fill: a fifth of the way.
        for e in &events[4..28] {
            status.update(e);
        }
        let f = status.frame();
        assert!(
            f.lines[1].starts_with(" FILL       6.0 s of 30 s · 24 s left"),
            "{:?}",
            f.lines
        );
        assert!(f.lines[1].ends_with("test 6.0 s"), "{:?}", f.lines);
        assert_eq!(
            f.lines[2],
            " pressure 312.3 kPa  gas 23.0 °C  flow — L/min  ΔP — kPa"
        );
        let frac = f.fraction.unwrap_or_default();
        assert!((frac - 0.2).abs() < 1e-9, "{frac}");
    }

    #[test]
    fn a_phase_without_a_length_has_no_bar_fraction() {
        let mut status = Status::default();
        for e in &test_events()[..3] {
            status.update(e);
        }
        assert_eq!(status.frame().fraction, None);
        assert_eq!(fraction(1.0, 0.0), 1.0);
        assert_eq!(fraction(40.0, 30.0), 1.0);
    }

    #[test]
    fn readings_near_zero_have_no_minus_sign() {
        assert_eq!(reading(Some(-0.04), 1, "kPa"), "0.0 kPa");
        assert_eq!(reading(Some(-0.06), 1, "kPa"), "-0.1 kPa");
        assert_eq!(reading(None, 2, "L/min"), "— L/min");
    }

    #[test]
    fn banner_letters_are_five_rows_of_blocks() {
        let b = banner("PASS");
        assert_eq!(b.len(), GLYPH_ROWS);
        // P's top row is four ink cells; letters are separated by one blank cell.
        assert!(b[0].starts_with("████████    "), "{b:?}");
        assert!(b.iter().all(|r| r.chars().all(|c| c == '█' || c == ' ')));
        // Every letter of the three verdicts has a glyph.
        for w in ["PASS", "FAIL", "ABORTED"] {
            assert!(w.chars().all(|c| glyph(c).is_some()), "{w}");
            let widest = banner(w).iter().map(|r| r.chars().count()).max();
            let cells: usize = w.chars().filter_map(glyph).map(|g| g[0].len() * 2).sum();
            assert_eq!(widest, Some(cells + 2 * (w.len() - 1)), "{w}");
        }
    }

    #[test]
    fn the_verdict_block_has_the_banner_and_the_reason() {
        let lines = verdict_block(Outcome::Aborted, "e-stop pressed", false);
        assert!(lines.iter().any(|l| l == " ABORTED: e-stop pressed"));
        assert_eq!(lines.iter().filter(|l| l.contains('█')).count(), GLYPH_ROWS);
        let coloured = verdict_block(Outcome::Pass, "leak 0.01 sccm ≤ 0.5 sccm", true);
        assert!(coloured[1].contains("\x1b[1;32m"));
    }
}
