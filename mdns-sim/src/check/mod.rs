//! Invariant checkers, fed by the simulator as the run goes (so that even a
//! 1,000-host run needs no event log):
//!
//! - [`Tracker`] (`tracker`) follows every registration (from the engines'
//!   `ProbingStarted`, `Registered`, `Renamed`, `RegistrationFailed`, `Unregistered`)
//!   and, per host, every service instance its engine has found, resolved, and seen
//!   removed or lost. Its `check_*` methods test the name-uniqueness, discovery and
//!   departure invariants at any moment.
//! - [`Reported`] (`reported`) follows what each host's client layer reported to each
//!   subscription, what an application gets, and checks it as it comes in (no
//!   `Removed` before `Found`, no `Resolved` of an instance not seen, registration
//!   events in order, nothing after a final event) and at the end against what is
//!   really published.
//! - [`RateMonitor`] (`rate`) parses every multicast datagram and flags a record
//!   multicast twice within one second on one interface (RFC 6762 §6); the first
//!   multicast of a record within 300 ms of a probe for its name is a defence
//!   (RFC 6762 §8.1), allowed at any time and not counted.
//!
//! Engine panics, busy loops, sends on a down interface and caches over capacity are
//! caught by the simulator itself (see [`ViolationKind`](crate::ViolationKind)).

mod rate;
mod reported;
mod tracker;

pub use rate::RateMonitor;
pub use reported::{Reported, ReportedInstance};
pub use tracker::{RegState, Registration, Seen, Tracker};

/// Joins error lines into one report (the first 30, and how many more).
pub(crate) fn collect(errors: Vec<String>) -> Result<(), String> {
    if errors.is_empty() {
        return Ok(());
    }
    let n = errors.len();
    let mut out = errors.into_iter().take(30).collect::<Vec<_>>().join("\n");
    if n > 30 {
        out.push_str(&format!("\n… {} more", n - 30));
    }
    Err(out)
}
