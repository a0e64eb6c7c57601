//! What the station shows: its [`Status`] (rig, running test, last verdict) and the events
//! its web page follows ([`StreamEvent`]). Both are JSON as documented in
//! docs/formats/station-api.md.

use coldtray_controller::l10::live::LiveEvent;
use coldtray_controller::l10::result::Phase;
use coldtray_controller::Outcome;
use serde::Serialize;

/// Everything `GET /api/status` returns.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Status {
    /// The station's id.
    pub station_id: String,
    /// Operator ids allowed to test.
    pub operators: Vec<String>,
    /// The rig as last read.
    pub rig: RigStatus,
    /// The running test, if any.
    pub test: Option<CurrentTest>,
    /// The last finished test of this run of the station.
    pub last: Option<LastVerdict>,
}

/// The rig as the station last read it.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct RigStatus {
    /// The rig's address.
    pub address: String,
    /// `"up"` (the last read answered), `"down"` (it did not) or `"unknown"` (not read yet).
    pub link: &'static str,
    /// The emergency stop is pressed (`None`: not read or not mapped).
    pub estop: Option<bool>,
    /// The pump drive reports a fault.
    pub pump_fault: Option<bool>,
    /// The pump runs (its run command as the PLC holds it).
    pub pump_running: Option<bool>,
    /// The PLC's heartbeat watchdog has tripped (the rig holds its own safe state; the next
    /// test's first heartbeat clears it).
    pub watchdog_tripped: Option<bool>,
    /// Test pressure, kPa gauge.
    pub pressure_kpa: Option<f64>,
    /// A test may start now.
    pub ready: bool,
    /// Why not, when not ready.
    pub not_ready: Option<String>,
}

impl RigStatus {
    /// A rig at `address` with nothing read: link `link`, not ready for `not_ready`.
    pub fn unread(address: String, link: &'static str, not_ready: Option<String>) -> RigStatus {
        RigStatus {
            address,
            link,
            estop: None,
            pump_fault: None,
            pump_running: None,
            watchdog_tripped: None,
            pressure_kpa: None,
            ready: false,
            not_ready,
        }
    }
}

/// The running test.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct CurrentTest {
    /// Serial number of the tray.
    pub serial: String,
    /// Who started it.
    pub operator: String,
    /// The recipe's name.
    pub recipe: String,
    /// Start, RFC 3339 UTC.
    pub started_at: String,
    /// The current phase (`None` before the first one is announced).
    pub phase: Option<Phase>,
    /// Recipe seconds since the test started, at the last sample.
    pub t_s: Option<f64>,
    /// Recipe seconds since the phase began.
    pub phase_elapsed_s: Option<f64>,
    /// Recipe seconds left in the phase, when it has a set length.
    pub phase_remaining_s: Option<f64>,
    /// Test pressure at the last sample, kPa gauge.
    pub pressure_kpa: Option<f64>,
    /// A stop was requested; the rig is being driven to its safe state.
    pub stopping: bool,
}

/// A finished test.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct LastVerdict {
    /// Serial number of the tray.
    pub serial: String,
    /// Who started it.
    pub operator: String,
    /// The verdict.
    pub outcome: Outcome,
    /// The record's sentence for a person.
    pub reason: String,
    /// Leak rate, sccm, when measured.
    pub leak_sccm: Option<f64>,
    /// End, RFC 3339 UTC.
    pub finished_at: String,
    /// The JSON record file, or `None` when it is queued (see `kept`).
    pub record: Option<String>,
    /// The record is kept (complete, or queued in the journal for the next start).
    pub kept: bool,
}

/// One message on `GET /api/events`: the SSE event name is the variant (`status`, `live`).
#[derive(Debug, Clone)]
pub enum StreamEvent {
    /// The status changed.
    Status(Box<Status>),
    /// Something happened in the running test.
    Live(LiveEvent),
}

impl StreamEvent {
    /// The SSE event name.
    pub fn name(&self) -> &'static str {
        match self {
            StreamEvent::Status(_) => "status",
            StreamEvent::Live(_) => "live",
        }
    }

    /// The event's data as JSON text.
    pub fn data(&self) -> String {
        let v = match self {
            StreamEvent::Status(s) => serde_json::to_string(s),
            StreamEvent::Live(e) => serde_json::to_string(e),
        };
        v.unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"))
    }
}

impl CurrentTest {
    /// Follows a live event of this test.
    pub fn follow(&mut self, event: &LiveEvent) {
        match event {
            LiveEvent::Started { .. } | LiveEvent::Finished { .. } => {}
            LiveEvent::Phase {
                phase, expected_s, ..
            } => {
                self.phase = Some(*phase);
                self.phase_elapsed_s = Some(0.0);
                self.phase_remaining_s = *expected_s;
            }
            LiveEvent::Sample(s) => {
                self.phase = Some(s.phase);
                self.t_s = Some(s.t_s);
                self.phase_elapsed_s = Some(s.phase_elapsed_s);
                self.phase_remaining_s = s.phase_remaining_s;
                self.pressure_kpa = s.pressure_kpa;
            }
        }
    }
}
