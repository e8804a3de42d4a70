//! Watching the interface list: [`InterfaceWatcher`] asks an [`InterfaceSource`] (the OS
//! side, one per OS family in `sys`, or the application's own) for snapshots when the
//! OS signals a change or a re-read is due, and decides what to do when that fails.
//!
//! The rule (issue 16): the service never stops because the OS hiccupped. A snapshot
//! that fails (an rtnetlink dump interrupted by a concurrent change, `NLM_F_DUMP_INTR`,
//! any number of times in a row; `GetAdaptersAddresses` or `getifaddrs` failing) keeps
//! the last good snapshot in force and is retried after a backoff that doubles from
//! 20 ms up to 30 s. The first failures of a streak are `debug` lines, the third a
//! `warn`, the recovery an `info`. The retry and the periodic re-read of sources that
//! need one are deadlines the driver folds into its [`Next::deadline`](crate::Next).
//!
//! `Refresh` holds that policy as pure state driven with the core's time.

use std::io;
use std::time::Duration;

use mdns_sansio::Instant;

use crate::iface::Interface;
use crate::sys::BorrowedSource;

/// Why a snapshot could not be taken.
#[derive(Debug)]
pub enum SnapshotError {
    /// The OS changed the list while it was being read (rtnetlink `NLM_F_DUMP_INTR`):
    /// read it again.
    Interrupted,
    /// The OS call failed.
    Io(io::Error),
}

impl std::fmt::Display for SnapshotError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SnapshotError::Interrupted => f.write_str("interface dump interrupted by a change"),
            SnapshotError::Io(e) => write!(f, "{e}"),
        }
    }
}

impl std::error::Error for SnapshotError {}

impl From<io::Error> for SnapshotError {
    fn from(e: io::Error) -> Self {
        SnapshotError::Io(e)
    }
}

/// Where interface snapshots come from: the OS (see [`InterfaceWatcher::new`]), or an
/// application that knows better (an Android app that reads the interfaces through
/// `ConnectivityManager`, a test that scripts faults).
pub trait InterfaceSource: Send {
    /// Drains pending change signals without blocking. True if the list may have
    /// changed (then a snapshot is taken).
    fn changed(&mut self) -> io::Result<bool>;
    /// Every interface with its addresses, now.
    fn snapshot(&mut self) -> Result<Vec<Interface>, SnapshotError>;
    /// A socket or file descriptor that turns readable when [`changed`](Self::changed)
    /// would say true. None: the source has none, and is re-read every
    /// [`poll_interval`](Self::poll_interval).
    fn readiness(&self) -> Option<BorrowedSource<'_>> {
        None
    }
    /// Re-read the list this often even without a signal (sources whose change signal is
    /// missing or unreliable). None: only on signals.
    fn poll_interval(&self) -> Option<Duration> {
        None
    }
}

/// Failures in a row after which a warning is logged.
const WARN_AFTER: u32 = 3;
/// The first retry's delay; it doubles per failure.
const BACKOFF_START: Duration = Duration::from_millis(20);
/// The longest delay between retries.
const BACKOFF_MAX: Duration = Duration::from_secs(30);

/// The delay before retry `n` (1 = after the first failure).
pub(crate) fn backoff(n: u32) -> Duration {
    let shift = n.saturating_sub(1).min(16);
    BACKOFF_START.saturating_mul(1 << shift).min(BACKOFF_MAX)
}

/// When to take the next snapshot: on a signal, at the periodic re-read, or at the
/// retry after a failure. Pure; see the module docs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Refresh {
    poll: Option<Duration>,
    next_poll: Option<Instant>,
    /// A signal came (or a snapshot failed) and no snapshot has succeeded since.
    pending: bool,
    failures: u32,
    retry_at: Option<Instant>,
}

impl Refresh {
    pub(crate) fn new(poll: Option<Duration>) -> Self {
        Refresh {
            poll,
            next_poll: None,
            pending: true,
            failures: 0,
            retry_at: None,
        }
    }

    /// The OS said something changed.
    pub(crate) fn signal(&mut self) {
        self.pending = true;
    }

    /// Whether to take a snapshot now.
    pub(crate) fn due(&self, now: Instant) -> bool {
        let backing_off = self.retry_at.is_some_and(|t| now < t);
        let poll_due = self.next_poll.is_some_and(|t| now >= t);
        !backing_off && (self.pending || poll_due)
    }

    /// When to call again without a signal.
    pub(crate) fn deadline(&self) -> Option<Instant> {
        match (self.pending, self.retry_at, self.next_poll) {
            (true, Some(r), _) => Some(r),
            (_, _, p) => p,
        }
    }

    /// Consecutive failures so far.
    pub(crate) fn failures(&self) -> u32 {
        self.failures
    }

    pub(crate) fn succeeded(&mut self, now: Instant) {
        if self.failures >= WARN_AFTER {
            tracing::info!(failures = self.failures, "interface list readable again");
        }
        self.pending = false;
        self.failures = 0;
        self.retry_at = None;
        self.next_poll = self.poll.map(|p| now.saturating_add(p));
    }

    pub(crate) fn failed(&mut self, now: Instant, error: &SnapshotError) {
        self.pending = true;
        self.failures = self.failures.saturating_add(1);
        let wait = backoff(self.failures);
        self.retry_at = Some(now.saturating_add(wait));
        if self.failures == WARN_AFTER {
            tracing::warn!(
                %error,
                failures = self.failures,
                retry_in = ?wait,
                "reading the interface list keeps failing; the last list stays in force, retrying with backoff"
            );
        } else {
            tracing::debug!(%error, failures = self.failures, retry_in = ?wait, "reading the interface list failed; retrying");
        }
    }
}

/// Enumerates interfaces and tells when to do it again. See the module docs.
pub struct InterfaceWatcher {
    source: Box<dyn InterfaceSource>,
    refresh: Refresh,
}

impl std::fmt::Debug for InterfaceWatcher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("InterfaceWatcher")
            .field("refresh", &self.refresh)
            .finish_non_exhaustive()
    }
}

impl InterfaceWatcher {
    /// The OS's interface source for this platform (see `sys`), in the calling thread's
    /// network namespace where the OS has them.
    pub fn new() -> io::Result<Self> {
        Ok(Self::with_source(crate::sys::interface_source()?))
    }

    /// A watcher over a given source.
    pub fn with_source(source: Box<dyn InterfaceSource>) -> Self {
        let refresh = Refresh::new(source.poll_interval());
        InterfaceWatcher { source, refresh }
    }

    /// What turns readable on a change, if the source has one.
    pub fn readiness(&self) -> Option<BorrowedSource<'_>> {
        self.source.readiness()
    }

    /// Drains change signals and, if a snapshot is due, takes it. Returns the new
    /// snapshot, or None when there is none to apply (nothing due, or it failed: the
    /// last one stays in force and a retry is scheduled). Never fails.
    pub fn poll(&mut self, now: Instant) -> Option<Vec<Interface>> {
        match self.source.changed() {
            Ok(true) => self.refresh.signal(),
            Ok(false) => {}
            Err(e) => {
                // Lost track of changes: read the whole list again (with backoff).
                tracing::debug!(error = %e, "reading interface change signals failed");
                self.refresh.signal();
            }
        }
        if !self.refresh.due(now) {
            return None;
        }
        self.snapshot_now(now)
    }

    /// Takes a snapshot now, whatever the schedule says. None if it failed (logged,
    /// retry scheduled).
    pub fn snapshot_now(&mut self, now: Instant) -> Option<Vec<Interface>> {
        match self.source.snapshot() {
            Ok(s) => {
                self.refresh.succeeded(now);
                Some(s)
            }
            Err(e) => {
                self.refresh.failed(now, &e);
                None
            }
        }
    }

    /// When [`poll`](Self::poll) must run again without a signal: a retry or a periodic
    /// re-read.
    pub fn deadline(&self) -> Option<Instant> {
        self.refresh.deadline()
    }

    /// Snapshots that failed in a row since the last good one.
    pub fn failures(&self) -> u32 {
        self.refresh.failures()
    }
}

#[cfg(test)]
mod tests;
