//! The pump: the one piece of code that moves datagrams, timeouts and interface changes
//! between the OS and a protocol [`Core`]. The tokio, smol and blocking adapters all run
//! this same [`Driver`]; each supplies only "wait until one of these file descriptors is
//! readable (or this one writable) or this deadline passes".
//!
//! The run loop of every adapter:
//!
//! ```text
//! register every fd of driver.sources() for readability (once)
//! loop {
//!     let next = driver.poll_io()?;          // does all the work there is, never blocks
//!     wait until: any source readable
//!              or next.writable's fd writable (if Some)
//!              or next.deadline passed       (if Some)
//!              or the application poked us (it changed the core through core_mut())
//! }
//! ```
//!
//! [`Driver::poll_io`] reads every socket until it would block (bounded per call), reads
//! the clock itself before each call into the core and runs the core's timer only when
//! the clock says it is due (a wake-up that came early does nothing, one that came late
//! still runs), then drains the core's transmits. A transmit that would block is kept and
//! retried first on the next call; [`Next::writable`] names the socket to wait on.

use std::collections::{BTreeMap, BTreeSet};
use std::io;
use std::net::Ipv4Addr;
use std::time::Duration;

use mdns_sansio::engine::{
    Destination, Family, IfAddr, InterfaceId, RecvMeta, SourcePort, Transmit, MAX_MDNS_PACKET_LEN,
};
use mdns_sansio::engine::{MDNS_GROUP_V4, MDNS_GROUP_V6};
use mdns_sansio::Instant;

use crate::arrival::arrival_interface;
use crate::iface::{ActiveInterface, Interface, InterfaceConfig, InterfaceEvent, InterfaceSet};
use crate::membership::{first_v4, CoreUpdate, Groups, Membership};
use crate::socket::MdnsSocket;
use crate::sys::{self, AsSource, BorrowedSource, OutInterface};
use crate::watch::{InterfaceSource, InterfaceWatcher};

/// Datagrams read from one socket per [`Driver::poll_io`] call before the core's timers
/// and transmits get a turn.
const RECV_BUDGET: usize = 64;

/// Rounds of "run due timer, drain transmits" per [`Driver::poll_io`] call.
const TIMER_ROUNDS: usize = 8;

/// What the driver needs from a protocol core. `mdns_sansio::engine::Engine` has these as
/// inherent methods with the same signatures; tests use fakes.
///
/// Contract (the quinn-proto one): after any `handle_*` or `interface_*` call, the
/// driver drains `poll_transmit` until it returns `None`, then asks `poll_timeout`.
pub trait Core {
    /// A datagram arrived.
    fn handle_datagram(&mut self, now: Instant, meta: RecvMeta, data: &[u8]);
    /// The deadline last returned by `poll_timeout` has passed.
    fn handle_timeout(&mut self, now: Instant);
    /// The next datagram to send, written into `buf`.
    fn poll_transmit(&mut self, now: Instant, buf: &mut [u8]) -> Option<Transmit>;
    /// When `handle_timeout` must next be called, if ever.
    fn poll_timeout(&self) -> Option<Instant>;
    /// mDNS runs on this interface from now on, with these addresses. Called again with
    /// the full new list when its addresses change.
    fn interface_up(&mut self, now: Instant, id: InterfaceId, addrs: &[IfAddr]);
    /// mDNS no longer runs on this interface.
    fn interface_down(&mut self, now: Instant, id: InterfaceId);
}

/// Maps the OS monotonic clock to the core's [`Instant`]: microseconds since the
/// `std::time::Instant` captured when the clock was made.
#[derive(Clone, Copy, Debug)]
pub struct Clock {
    epoch: std::time::Instant,
}

impl Clock {
    /// A clock whose epoch is now.
    pub fn new() -> Self {
        Clock {
            epoch: std::time::Instant::now(),
        }
    }

    /// The epoch.
    pub fn epoch(&self) -> std::time::Instant {
        self.epoch
    }

    /// The core's time for a `std` instant (the epoch if `t` is earlier).
    pub fn from_std(&self, t: std::time::Instant) -> Instant {
        let d = t.saturating_duration_since(self.epoch);
        Instant::from_micros(u64::try_from(d.as_micros()).unwrap_or(u64::MAX))
    }

    /// Now, in the core's time.
    pub fn now(&self) -> Instant {
        self.from_std(Self::std_now())
    }

    /// Now, as a `std` instant: the one place the OS clock is read.
    pub fn std_now() -> std::time::Instant {
        std::time::Instant::now()
    }

    /// The wall-clock time, in seconds since 1970 (0 before it): what TSIG signs with
    /// (RFC 8945 §4.3.3), the one place the wall clock is read.
    pub fn unix_now() -> u64 {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs())
    }

    /// The `std` instant for a core time, or None if it lies beyond what `std` can
    /// represent (treat as "never").
    pub fn to_std(&self, t: Instant) -> Option<std::time::Instant> {
        self.epoch.checked_add(Duration::from_micros(t.as_micros()))
    }
}

impl Default for Clock {
    fn default() -> Self {
        Self::new()
    }
}

/// Names one of the readiness handles of the driver or the service loop.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum SourceId {
    /// A UDP socket: which port, which family.
    Udp(SourcePort, Family),
    /// The interface change watcher (absent where the OS gives no change signal and
    /// the list is re-read at a deadline instead).
    Interfaces,
    /// The unicast DNS backend's UDP socket of a family (opened on first use).
    DnsUdp(Family),
    /// One of the unicast DNS backend's TCP connections (by its number, never reused).
    DnsTcp(u64),
}

/// What the driver waits for next; returned by [`Driver::poll_io`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[must_use]
pub struct Next {
    /// Call `poll_io` again at this time even if no fd is ready. None: no deadline.
    /// Can be in the past (work is left over): then call again at once.
    pub deadline: Option<std::time::Instant>,
    /// A transmit is held because this socket would block: wait for it to be writable.
    pub writable: Option<SourceId>,
}

/// Driver settings.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Config {
    /// Interfaces and families.
    pub interfaces: InterfaceConfig,
    /// Open the ephemeral-port sockets for one-shot queries.
    pub ephemeral: bool,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            interfaces: InterfaceConfig::default(),
            ephemeral: true,
        }
    }
}

/// Counters, for tests and diagnostics.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Stats {
    /// Datagrams handed to the core.
    pub received: u64,
    /// Datagrams dropped on receipt (truncated, no interface, interface not in use).
    pub dropped_rx: u64,
    /// Datagrams sent.
    pub sent: u64,
    /// Transmits dropped (no socket for the family, or a send error other than
    /// would-block).
    pub dropped_tx: u64,
    /// Times a send would block and the transmit was held.
    pub blocked: u64,
}

/// The sockets, the interface watcher and the core, moved by [`Driver::poll_io`].
pub struct Driver<C> {
    core: C,
    clock: Clock,
    config: Config,
    sockets: Vec<MdnsSocket>,
    watcher: InterfaceWatcher,
    ifaces: InterfaceSet,
    membership: Membership,
    /// Room for the longest mDNS packet (RFC 6762 §17), so any payload fits.
    recv_buf: Box<[u8]>,
    /// As large: the engine writes at most its payload limit into it.
    send_buf: Box<[u8]>,
    held: Option<Transmit>,
    stats: Stats,
}

impl<C> std::fmt::Debug for Driver<C> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Driver")
            .field("sockets", &self.sockets)
            .field("interfaces", self.ifaces.active())
            .field("joined", self.membership.joined())
            .field("held", &self.held)
            .field("stats", &self.stats)
            .finish_non_exhaustive()
    }
}

impl<C: Core> Driver<C> {
    /// Opens the sockets and the interface watcher in the calling thread's network
    /// namespace, enumerates the interfaces, joins the groups and tells the core which
    /// interfaces are up. An IPv6 socket that can't be opened because the host has no
    /// IPv6 is skipped with a log line; every other socket error is returned. A first
    /// interface list that can't be read is not an error: it is retried (see
    /// [`InterfaceWatcher`]).
    pub fn new(core: C, config: Config) -> io::Result<Self> {
        Self::with_clock(core, config, Clock::new())
    }

    /// As [`Driver::new`], with a given clock.
    pub fn with_clock(core: C, config: Config, clock: Clock) -> io::Result<Self> {
        // Subscribe before the sockets and the first list: a change in between is
        // seen twice rather than never.
        let watcher = InterfaceWatcher::new()?;
        Self::with_watcher(core, config, clock, watcher)
    }

    /// As [`Driver::with_clock`], with the interface list from `source` instead of the
    /// OS (an app that knows its interfaces better, a test that scripts faults).
    pub fn with_interface_source(
        core: C,
        config: Config,
        clock: Clock,
        source: Box<dyn InterfaceSource>,
    ) -> io::Result<Self> {
        Self::with_watcher(core, config, clock, InterfaceWatcher::with_source(source))
    }

    fn with_watcher(
        core: C,
        config: Config,
        clock: Clock,
        watcher: InterfaceWatcher,
    ) -> io::Result<Self> {
        let mut sockets = Vec::new();
        let mut families = Vec::new();
        if config.interfaces.ipv4 {
            families.push(Family::V4);
        }
        if config.interfaces.ipv6 {
            families.push(Family::V6);
        }
        for &family in &families {
            let mut open = vec![MdnsSocket::bind_mdns(family)];
            if config.ephemeral {
                open.push(MdnsSocket::bind_ephemeral(family));
            }
            for s in open {
                match s {
                    Ok(s) => sockets.push(s),
                    Err(e) if family == Family::V6 && sys::is_no_family(&e) => {
                        tracing::info!("IPv6 unavailable, running IPv4 only");
                        break;
                    }
                    Err(e) => return Err(e),
                }
            }
        }
        let mut d = Driver {
            core,
            clock,
            config,
            sockets,
            watcher,
            ifaces: InterfaceSet::new(),
            membership: Membership::default(),
            recv_buf: vec![0; MAX_MDNS_PACKET_LEN].into_boxed_slice(),
            send_buf: vec![0; MAX_MDNS_PACKET_LEN].into_boxed_slice(),
            held: None,
            stats: Stats::default(),
        };
        let now = d.clock.now();
        if let Some(snapshot) = d.watcher.poll(now) {
            d.apply_snapshot(&snapshot);
        }
        Ok(d)
    }

    // --- getters ---

    /// The core.
    pub fn core(&self) -> &C {
        &self.core
    }

    /// The core, to call its own methods (start a query, publish a service). Call
    /// [`poll_io`](Self::poll_io) afterwards: it sends what the core now wants sent and
    /// returns the new deadline.
    pub fn core_mut(&mut self) -> &mut C {
        &mut self.core
    }

    /// Gives the core back.
    pub fn into_core(self) -> C {
        self.core
    }

    /// The clock that maps OS time to the core's time.
    pub fn clock(&self) -> &Clock {
        &self.clock
    }

    /// The interfaces mDNS runs on.
    pub fn interfaces(&self) -> &std::collections::BTreeMap<InterfaceId, ActiveInterface> {
        self.ifaces.active()
    }

    /// The (interface, family) pairs whose mDNS group is joined.
    pub fn joined(&self) -> &BTreeSet<(InterfaceId, Family)> {
        self.membership.joined()
    }

    /// The interfaces the core runs on, with the addresses it was given: those in use
    /// less any family whose group join failed (see [`Driver::interfaces`] for the
    /// selection before joins).
    pub fn core_interfaces(&self) -> &BTreeMap<InterfaceId, Vec<IfAddr>> {
        self.membership.told()
    }

    /// The interface watcher.
    pub fn watcher(&self) -> &InterfaceWatcher {
        &self.watcher
    }

    /// The interface selection state (what is in use, what is skipped and why).
    pub fn interface_set(&self) -> &InterfaceSet {
        &self.ifaces
    }

    /// The UDP sockets.
    pub fn sockets(&self) -> &[MdnsSocket] {
        &self.sockets
    }

    /// Counters.
    pub fn stats(&self) -> Stats {
        self.stats
    }

    /// Every handle (file descriptor, or socket on Windows) to wait on for readability,
    /// with its name. The set never changes during the driver's life, so adapters
    /// register them once.
    pub fn sources(&self) -> impl Iterator<Item = (SourceId, BorrowedSource<'_>)> {
        self.sockets
            .iter()
            .map(|s| (SourceId::Udp(s.source_port(), s.family()), s.as_source()))
            .chain(
                self.watcher
                    .readiness()
                    .map(|fd| (SourceId::Interfaces, fd)),
            )
    }

    /// The handle of one source, if the driver has it.
    pub fn source(&self, id: SourceId) -> Option<BorrowedSource<'_>> {
        self.sources().find(|(i, _)| *i == id).map(|(_, fd)| fd)
    }

    // --- the pump ---

    /// Does all the work there is without blocking: interface changes, received
    /// datagrams, due timers, transmits. Returns what to wait for next.
    ///
    /// Never fails today (the `Result` is kept for future sources of error): an
    /// interface list that can't be read keeps the last one in force and is retried, a
    /// group join that fails skips that interface and is retried, socket receive and
    /// send errors are logged and counted, and the datagram is dropped.
    pub fn poll_io(&mut self) -> io::Result<Next> {
        let now = self.clock.now();
        if let Some(snapshot) = self.watcher.poll(now) {
            self.apply_snapshot(&snapshot);
        } else if self.membership.deadline().is_some_and(|t| t <= now) {
            self.sync(&[]);
        }
        let mut more = false;
        for i in 0..self.sockets.len() {
            more |= self.receive_from(i);
        }
        for _ in 0..TIMER_ROUNDS {
            let now = self.clock.now();
            if self.core.poll_timeout().is_some_and(|t| t <= now) {
                self.core.handle_timeout(now);
            }
            // Another round only if sending went through and the core's next
            // deadline has already passed.
            let flushed = self.flush();
            let due_again = self
                .core
                .poll_timeout()
                .is_some_and(|t| t <= self.clock.now());
            if !flushed || !due_again {
                break;
            }
        }
        let deadline = if more {
            Some(Clock::std_now())
        } else {
            [
                self.core.poll_timeout(),
                self.watcher.deadline(),
                self.membership.deadline(),
            ]
            .into_iter()
            .flatten()
            .min()
            .and_then(|t| self.clock.to_std(t))
        };
        let writable = self
            .held
            .as_ref()
            .map(|t| SourceId::Udp(t.source_port, family_of(t)));
        Ok(Next { deadline, writable })
    }

    /// Re-reads the interfaces now, applies the difference and returns it. `poll_io`
    /// does this by itself whenever the OS reports a change or a re-read is due. An error
    /// means the list could not be read: the last one stays in force, and a retry is
    /// scheduled.
    pub fn refresh_interfaces(&mut self) -> io::Result<Vec<InterfaceEvent>> {
        let now = self.clock.now();
        match self.watcher.snapshot_now(now) {
            Some(snapshot) => Ok(self.apply_snapshot(&snapshot)),
            None => Err(io::Error::other(
                "the interface list could not be read; retrying",
            )),
        }
    }

    /// Diffs a snapshot against the interfaces in use, then brings joins and the core in
    /// line.
    fn apply_snapshot(&mut self, snapshot: &[Interface]) -> Vec<InterfaceEvent> {
        let events = self.ifaces.update(&self.config.interfaces, snapshot);
        let mut reset = Vec::new();
        for ev in &events {
            match ev {
                InterfaceEvent::Up { id, name, addrs } => {
                    tracing::debug!(id = id.0, name, ?addrs, "interface up");
                }
                InterfaceEvent::AddrsChanged { id, addrs } => {
                    tracing::debug!(id = id.0, ?addrs, "interface addresses changed");
                }
                InterfaceEvent::Down { id } => {
                    tracing::debug!(id = id.0, "interface down");
                    reset.push(*id);
                }
            }
        }
        if !events.is_empty() || self.membership.deadline().is_some() {
            self.sync(&reset);
        }
        events
    }

    /// Joins and leaves groups for the interfaces in use, and tells the core.
    fn sync(&mut self, reset: &[InterfaceId]) {
        let now = self.clock.now();
        let mut groups = SocketGroups {
            sockets: &self.sockets,
        };
        let updates = self
            .membership
            .sync(now, self.ifaces.active(), reset, &mut groups);
        for u in &updates {
            let now = self.clock.now();
            match u {
                CoreUpdate::Up(id, addrs) => self.core.interface_up(now, *id, addrs),
                CoreUpdate::Down(id) => self.core.interface_down(now, *id),
            }
        }
        if !updates.is_empty() {
            self.flush();
        }
    }

    /// Reads socket `i` until it would block or the budget is spent (then true).
    fn receive_from(&mut self, i: usize) -> bool {
        for _ in 0..RECV_BUDGET {
            let sock = &self.sockets[i];
            let r = match sock.recv(&mut self.recv_buf) {
                Ok(r) => r,
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return false,
                Err(e) => {
                    tracing::debug!(error = %e, "receive error");
                    return false;
                }
            };
            let fam = sock.family();
            if r.truncated {
                tracing::debug!(source = %r.source, "datagram over {MAX_MDNS_PACKET_LEN} bytes dropped");
                self.stats.dropped_rx += 1;
                continue;
            }
            let Some(interface) = arrival_interface(
                r.info.ifindex,
                r.source.ip(),
                fam,
                self.membership.joined(),
                self.ifaces.active(),
            ) else {
                tracing::trace!(source = %r.source, ifindex = ?r.info.ifindex, "datagram on an interface not in use");
                self.stats.dropped_rx += 1;
                continue;
            };
            let multicast = match r.info.dst {
                Some(std::net::IpAddr::V4(a)) => a == MDNS_GROUP_V4,
                Some(std::net::IpAddr::V6(a)) => a == MDNS_GROUP_V6,
                None => false,
            };
            let meta = RecvMeta {
                source: r.source,
                interface,
                multicast,
                ttl: r.info.ttl,
            };
            self.stats.received += 1;
            let now = self.clock.now();
            self.core
                .handle_datagram(now, meta, &self.recv_buf[..r.len]);
        }
        true
    }

    /// Sends the held transmit, then everything the core has. False if a send would
    /// block (the transmit is held).
    fn flush(&mut self) -> bool {
        loop {
            let t = match self.held.take() {
                Some(t) => t,
                None => match self
                    .core
                    .poll_transmit(self.clock.now(), &mut self.send_buf)
                {
                    Some(t) => t,
                    None => return true,
                },
            };
            if !self.send(t) {
                self.held = Some(t);
                self.stats.blocked += 1;
                return false;
            }
        }
    }

    /// Sends one transmit. False only if it would block.
    fn send(&mut self, t: Transmit) -> bool {
        let fam = family_of(&t);
        let Some(sock) = self
            .sockets
            .iter()
            .find(|s| s.source_port() == t.source_port && s.family() == fam)
        else {
            tracing::debug!(?t, "no socket for this transmit, dropped");
            self.stats.dropped_tx += 1;
            return true;
        };
        let size = t.size.min(self.send_buf.len());
        let out = OutInterface {
            index: t.interface.0,
            v4: self
                .ifaces
                .active()
                .get(&t.interface)
                .and_then(|a| first_v4(&a.addrs)),
        };
        match sock.send_via(t.socket_addr(), out, &self.send_buf[..size]) {
            Ok(_) => {
                self.stats.sent += 1;
                true
            }
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => false,
            Err(e) => {
                tracing::debug!(?t, error = %e, "send failed, dropped");
                self.stats.dropped_tx += 1;
                true
            }
        }
    }
}

/// The protocol engine is the core every adapter runs. `interface_up` on an address
/// change replaces the engine's address list for that interface.
impl Core for mdns_sansio::Engine {
    fn handle_datagram(&mut self, now: Instant, meta: RecvMeta, data: &[u8]) {
        mdns_sansio::Engine::handle_datagram(self, now, meta, data)
    }
    fn handle_timeout(&mut self, now: Instant) {
        mdns_sansio::Engine::handle_timeout(self, now)
    }
    fn poll_transmit(&mut self, now: Instant, buf: &mut [u8]) -> Option<Transmit> {
        mdns_sansio::Engine::poll_transmit(self, now, buf)
    }
    fn poll_timeout(&self) -> Option<Instant> {
        mdns_sansio::Engine::poll_timeout(self)
    }
    fn interface_up(&mut self, now: Instant, id: InterfaceId, addrs: &[IfAddr]) {
        mdns_sansio::Engine::interface_up(self, now, id, addrs)
    }
    fn interface_down(&mut self, now: Instant, id: InterfaceId) {
        mdns_sansio::Engine::interface_down(self, now, id)
    }
}

/// Group joins through the port 5353 socket of each family.
struct SocketGroups<'a> {
    sockets: &'a [MdnsSocket],
}

impl SocketGroups<'_> {
    fn socket(&self, fam: Family) -> Option<&MdnsSocket> {
        self.sockets
            .iter()
            .find(|s| s.source_port() == SourcePort::Mdns && s.family() == fam)
    }
}

impl Groups for SocketGroups<'_> {
    fn has(&self, fam: Family) -> bool {
        self.socket(fam).is_some()
    }
    fn join(&mut self, id: InterfaceId, fam: Family, v4: Option<Ipv4Addr>) -> io::Result<()> {
        match self.socket(fam) {
            Some(s) => s.join_on(id.0, v4),
            None => Ok(()),
        }
    }
    fn leave(&mut self, id: InterfaceId, fam: Family, v4: Option<Ipv4Addr>) -> io::Result<()> {
        match self.socket(fam) {
            Some(s) => s.leave_on(id.0, v4),
            None => Ok(()),
        }
    }
}

/// The client layer is the core every adapter runs: it owns the engine and routes what
/// the engine reports to subscriptions; its timers fold into its `poll_timeout`.
impl<B: mdns_sansio_client::Backend> Core for mdns_sansio_client::Client<B> {
    fn handle_datagram(&mut self, now: Instant, meta: RecvMeta, data: &[u8]) {
        mdns_sansio_client::Client::handle_datagram(self, now, meta, data)
    }
    fn handle_timeout(&mut self, now: Instant) {
        mdns_sansio_client::Client::handle_timeout(self, now)
    }
    fn poll_transmit(&mut self, now: Instant, buf: &mut [u8]) -> Option<Transmit> {
        mdns_sansio_client::Client::poll_transmit(self, now, buf)
    }
    fn poll_timeout(&self) -> Option<Instant> {
        mdns_sansio_client::Client::poll_timeout(self)
    }
    fn interface_up(&mut self, now: Instant, id: InterfaceId, addrs: &[IfAddr]) {
        mdns_sansio_client::Client::interface_up(self, now, id, addrs)
    }
    fn interface_down(&mut self, now: Instant, id: InterfaceId) {
        mdns_sansio_client::Client::interface_down(self, now, id)
    }
}

fn family_of(t: &Transmit) -> Family {
    match t.destination {
        Destination::MulticastV4 => Family::V4,
        Destination::MulticastV6 => Family::V6,
        Destination::Unicast(a) => Family::of(&a.ip()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clock_round_trip() {
        let c = Clock::new();
        let later = c.epoch() + Duration::from_millis(1500);
        let t = c.from_std(later);
        assert_eq!(t, Instant::from_millis(1500));
        assert_eq!(c.to_std(t), Some(later));
        assert_eq!(
            c.from_std(c.epoch() - Duration::from_secs(1)),
            Instant::ZERO
        );
    }

    #[test]
    fn transmit_family() {
        let mk = |destination| Transmit {
            destination,
            interface: InterfaceId(1),
            source_port: SourcePort::Mdns,
            size: 0,
        };
        assert_eq!(family_of(&mk(Destination::MulticastV4)), Family::V4);
        assert_eq!(family_of(&mk(Destination::MulticastV6)), Family::V6);
        assert_eq!(
            family_of(&mk(Destination::Unicast("[fe80::1]:5353".parse().unwrap()))),
            Family::V6
        );
    }
}
