//! The refresh policy with a scripted source and simulated time.

use std::collections::VecDeque;

use mdns_sansio::engine::{IfAddr, InterfaceId};

use super::*;

fn iface(id: u32, addr: &str) -> Interface {
    Interface {
        id: InterfaceId(id),
        name: format!("eth{id}"),
        up: true,
        running: true,
        multicast: true,
        loopback: false,
        point_to_point: false,
        addrs: vec![IfAddr {
            addr: addr.parse().unwrap(),
            prefix_len: 24,
        }],
    }
}

/// Answers snapshots from a script; counts calls.
struct Scripted {
    signals: VecDeque<io::Result<bool>>,
    snapshots: VecDeque<Result<Vec<Interface>, SnapshotError>>,
    snapshot_calls: usize,
    poll: Option<Duration>,
}

impl Scripted {
    fn new(poll: Option<Duration>) -> Self {
        Scripted {
            signals: VecDeque::new(),
            snapshots: VecDeque::new(),
            snapshot_calls: 0,
            poll,
        }
    }
}

impl InterfaceSource for Scripted {
    fn changed(&mut self) -> io::Result<bool> {
        self.signals.pop_front().unwrap_or(Ok(false))
    }
    fn snapshot(&mut self) -> Result<Vec<Interface>, SnapshotError> {
        self.snapshot_calls += 1;
        self.snapshots
            .pop_front()
            .expect("snapshot taken that the test did not expect")
    }
    fn poll_interval(&self) -> Option<Duration> {
        self.poll
    }
}

fn ms(n: u64) -> Instant {
    Instant::from_millis(n)
}

#[test]
fn backoff_doubles_and_is_capped() {
    assert_eq!(backoff(1), Duration::from_millis(20));
    assert_eq!(backoff(2), Duration::from_millis(40));
    assert_eq!(backoff(5), Duration::from_millis(320));
    assert_eq!(backoff(20), Duration::from_secs(30));
    assert_eq!(backoff(u32::MAX), Duration::from_secs(30));
}

/// Issue 16: five interrupted rtnetlink dumps in a row used to end the service (the
/// driver returned the error, the service loop stopped). Now the last snapshot stays
/// in force, the watcher retries with backoff at exact deadlines, and the first good
/// dump is applied.
#[test]
fn interrupted_dumps_keep_the_last_snapshot_and_retry_with_backoff() {
    let mut src = Scripted::new(None);
    src.snapshots.push_back(Ok(vec![iface(2, "10.0.0.1")]));
    let mut w = InterfaceWatcher::with_source(Box::new(src));
    // The first snapshot is due at once.
    assert_eq!(w.poll(ms(0)), Some(vec![iface(2, "10.0.0.1")]));
    assert_eq!(w.deadline(), None);

    // A change is signalled; then every dump is interrupted, 7 times in a row.
    let mut s = Scripted::new(None);
    s.signals.push_back(Ok(true));
    for _ in 0..7 {
        s.snapshots.push_back(Err(SnapshotError::Interrupted));
    }
    s.snapshots.push_back(Ok(vec![iface(2, "10.0.0.2")]));
    w.source = Box::new(s);

    let mut now = ms(1000);
    assert_eq!(w.poll(now), None, "interrupted: nothing to apply, no error");
    let mut expected_wait = Duration::from_millis(20);
    for n in 1..=7u32 {
        assert_eq!(w.failures(), n);
        let at = w.deadline().expect("a retry is scheduled");
        assert_eq!(at, now + expected_wait, "retry {n} after {expected_wait:?}");
        // Early: nothing is read.
        assert_eq!(w.poll(at - Duration::from_micros(1)), None);
        now = at;
        let got = w.poll(now);
        if n < 7 {
            assert_eq!(got, None);
        } else {
            assert_eq!(got, Some(vec![iface(2, "10.0.0.2")]));
        }
        expected_wait *= 2;
    }
    assert_eq!(w.failures(), 0);
    assert_eq!(w.deadline(), None);
}

#[test]
fn a_failing_os_call_is_retried_forever_with_the_wait_capped() {
    let mut s = Scripted::new(None);
    for _ in 0..40 {
        s.snapshots
            .push_back(Err(SnapshotError::Io(io::Error::other("EBUSY"))));
    }
    s.snapshots.push_back(Ok(vec![]));
    let mut w = InterfaceWatcher::with_source(Box::new(s));
    let mut now = ms(0);
    let mut gaps = Vec::new();
    for _ in 0..40 {
        assert_eq!(w.poll(now), None);
        let next = w.deadline().unwrap();
        gaps.push(next.saturating_duration_since(now));
        now = next;
    }
    assert_eq!(w.failures(), 40);
    assert_eq!(gaps[0], Duration::from_millis(20));
    assert_eq!(gaps[39], Duration::from_secs(30));
    assert_eq!(w.poll(now), Some(vec![]));
}

#[test]
fn signals_during_a_backoff_wait_for_the_retry() {
    let mut s = Scripted::new(None);
    s.snapshots.push_back(Err(SnapshotError::Interrupted));
    s.signals.push_back(Ok(false));
    s.signals.push_back(Ok(true));
    s.snapshots.push_back(Ok(vec![]));
    let mut w = InterfaceWatcher::with_source(Box::new(s));
    assert_eq!(w.poll(ms(0)), None);
    // A signal 5 ms later does not read before the 20 ms retry.
    assert_eq!(w.poll(ms(5)), None);
    assert_eq!(w.deadline(), Some(ms(20)));
    assert_eq!(w.poll(ms(20)), Some(vec![]));
}

#[test]
fn a_source_without_signals_is_re_read_periodically() {
    let mut s = Scripted::new(Some(Duration::from_secs(5)));
    s.snapshots.push_back(Ok(vec![iface(2, "10.0.0.1")]));
    s.snapshots.push_back(Ok(vec![iface(2, "10.0.0.1")]));
    s.snapshots.push_back(Ok(vec![]));
    let mut w = InterfaceWatcher::with_source(Box::new(s));
    assert!(w.poll(ms(0)).is_some());
    assert_eq!(w.deadline(), Some(ms(5000)));
    assert_eq!(w.poll(ms(4999)), None);
    assert!(w.poll(ms(5000)).is_some());
    assert_eq!(w.deadline(), Some(ms(10_000)));
    assert_eq!(w.poll(ms(10_000)), Some(vec![]));
}

#[test]
fn a_broken_signal_channel_means_read_everything_again() {
    let mut s = Scripted::new(None);
    s.snapshots.push_back(Ok(vec![]));
    s.signals.push_back(Ok(false));
    s.signals.push_back(Err(io::Error::other("ENOBUFS")));
    s.snapshots.push_back(Ok(vec![iface(3, "10.0.0.3")]));
    let mut w = InterfaceWatcher::with_source(Box::new(s));
    assert_eq!(w.poll(ms(0)), Some(vec![]));
    assert_eq!(w.poll(ms(1)), Some(vec![iface(3, "10.0.0.3")]));
}
