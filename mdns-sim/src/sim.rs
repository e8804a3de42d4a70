//! The simulator's core: hosts (each running a client layer, which owns its engine) on
//! links, the event queue, building the network, running, and the bookkeeping every
//! verb shares. Driving one host's client is in `drive`; publishing in `publish`;
//! faults in `faults`; putting datagrams on links in `routing`.

use crate::check::{RateMonitor, Reported, Tracker};
use crate::link::{Channel, LinkModel};
use crate::transcript::Transcript;
use crate::types::{
    derive_seed, App, ClientEventRecord, Departure, EventRecord, HostId, HostSpec, IfaceSpec,
    LinkId, SimConfig, SimStats, Tap, Violation, ViolationKind,
};
use core::cmp::Ordering;
use core::time::Duration;
use mdns_sansio::engine::{IfAddr, InterfaceId, RecvMeta, RegistrationId};
use mdns_sansio::rand::Rng;
use mdns_sansio::{Engine, Instant, Name};
use mdns_sansio_client::Client;
use std::any::Any;
use std::collections::{BTreeMap, BTreeSet, BinaryHeap};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::rc::Rc;

/// Most datagrams one drain may produce before it is called a storm.
pub(crate) const MAX_TRANSMITS_PER_DRAIN: usize = 50_000;
/// Most consecutive wake-ups at one instant before it is called a busy loop.
pub(crate) const MAX_SPINS: u32 = 10_000;
/// Violations kept (more are counted).
const MAX_VIOLATIONS: usize = 1000;
/// Largest datagram an engine may write.
pub(crate) const BUF_LEN: usize = 9000;

#[derive(Debug)]
pub(crate) struct Iface {
    pub id: InterfaceId,
    pub link: LinkId,
    pub addrs: Vec<IfAddr>,
    pub up: bool,
    pub chan: Channel,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum State {
    Alive,
    Leaving,
    Gone(Departure),
}

pub(crate) struct Host {
    /// The client layer the host's application talks to; it owns the engine.
    pub client: Option<Client>,
    pub ifaces: Vec<Iface>,
    pub eph_port: u16,
    pub state: State,
    pub group: u32,
    pub app: Option<Box<dyn App>>,
    /// When it is next woken, and the scheduling number of that wake-up (its place
    /// among things due at the same instant): its entry in [`Sim`]'s `wakes`.
    pub wake: Option<(Instant, u64)>,
    pub spin_at: Instant,
    pub spins: u32,
    pub stalled: bool,
    pub joined: Instant,
    pub gone_at: Option<Instant>,
    pub cache_flagged: bool,
    /// The host name registered by [`Sim::register_host_name`] (the SRV target of
    /// services registered by [`Sim::register_service`]).
    pub host_name: Option<(RegistrationId, Name)>,
}

pub(crate) struct Link {
    pub model: LinkModel,
    /// (host, interface index) attached, in order of attachment.
    pub members: Vec<(HostId, usize)>,
}

pub(crate) struct InFlight {
    pub id: u64,
    pub src: SocketAddr,
    pub multicast: bool,
    pub data: Rc<[u8]>,
}

type Call = Box<dyn FnOnce(&mut Sim)>;

/// What is scheduled (besides wake-ups). 16 bytes: the queue holds one per copy of a
/// datagram in flight.
pub(crate) enum What {
    Deliver {
        pkt: Rc<InFlight>,
        to: HostId,
        /// The receiving interface's index (see [`iface_u16`]).
        iface: u16,
    },
    InterfaceUp {
        host: HostId,
        iface: usize,
    },
    FinishLeave {
        host: HostId,
    },
    /// Boxed twice to keep `What` small; calls are rare.
    Call(Box<Call>),
}

const _: () = assert!(core::mem::size_of::<What>() <= 16);

/// An interface index as a [`What::Deliver`] holds it.
pub(crate) fn iface_u16(iface: usize) -> u16 {
    u16::try_from(iface).expect("at most 65,536 interfaces per host")
}

struct Scheduled {
    at: Instant,
    seq: u64,
    what: What,
}

impl PartialEq for Scheduled {
    fn eq(&self, other: &Self) -> bool {
        (self.at, self.seq) == (other.at, other.seq)
    }
}
impl Eq for Scheduled {}
impl PartialOrd for Scheduled {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Scheduled {
    /// Reversed: the heap pops the earliest, ties in scheduling order.
    fn cmp(&self, other: &Self) -> Ordering {
        (other.at, other.seq).cmp(&(self.at, self.seq))
    }
}

/// A deterministic simulated LAN of mDNS hosts, each running the client layer
/// (`mdns-sansio-client`, the code every runtime adapter runs) over its own engine.
///
/// Time jumps from one scheduled thing to the next: a host's
/// [`poll_timeout`](Client::poll_timeout) (its engine's timers and its client layer's),
/// a datagram's arrival, or a scheduled fault. After every input to a host the
/// simulator drains `poll_transmit` (routing each datagram through the link model),
/// its engine's events and its client's events (logging them, feeding the trackers and
/// the host's [`App`]).
pub struct Sim {
    pub(crate) config: SimConfig,
    pub(crate) now: Instant,
    seq: u64,
    queue: BinaryHeap<Scheduled>,
    /// Each host's next wake-up, (time, scheduling number, host): one entry per host,
    /// moved when its next timeout changes, beside `queue` and ordered with it by
    /// (time, scheduling number). In `queue`, every change left a stale wake-up behind
    /// (on a big LAN, one per eviction: millions), each popped and skipped in its turn.
    wakes: BTreeSet<(Instant, u64, HostId)>,
    pub(crate) hosts: Vec<Host>,
    pub(crate) links: Vec<Link>,
    pub(crate) addr_map: BTreeMap<IpAddr, (HostId, usize)>,
    pub(crate) rng: Rng,
    pub(crate) buf: Vec<u8>,
    pub(crate) transcript: Transcript,
    pub(crate) events: Vec<EventRecord>,
    pub(crate) client_events: Vec<ClientEventRecord>,
    pub(crate) tracker: Tracker,
    pub(crate) reported: Reported,
    pub(crate) rate: RateMonitor,
    violations: Vec<Violation>,
    violation_count: usize,
    pub(crate) stats: SimStats,
    pub(crate) tap: Option<Box<Tap>>,
}

pub(crate) fn panic_message(p: &(dyn Any + Send)) -> String {
    if let Some(s) = p.downcast_ref::<&str>() {
        (*s).to_string()
    } else if let Some(s) = p.downcast_ref::<String>() {
        s.clone()
    } else {
        "<non-string panic>".to_string()
    }
}

impl Sim {
    /// An empty simulation with link 0 and no hosts, at time zero.
    pub fn new(config: SimConfig) -> Sim {
        let rng = Rng::new(derive_seed(config.seed, 1, 0));
        let link0 = Link {
            model: config.link,
            members: Vec::new(),
        };
        Sim {
            now: Instant::ZERO,
            seq: 0,
            queue: BinaryHeap::new(),
            wakes: BTreeSet::new(),
            hosts: Vec::new(),
            links: vec![link0],
            addr_map: BTreeMap::new(),
            rng,
            buf: vec![0; BUF_LEN],
            transcript: Transcript::new(),
            events: Vec::new(),
            client_events: Vec::new(),
            tracker: Tracker::default(),
            reported: Reported::default(),
            rate: RateMonitor::default(),
            violations: Vec::new(),
            violation_count: 0,
            stats: SimStats::default(),
            tap: None,
            config,
        }
    }

    // ----- getters -----

    /// The run's seed.
    pub fn seed(&self) -> u64 {
        self.config.seed
    }

    /// The configuration.
    pub fn config(&self) -> &SimConfig {
        &self.config
    }

    /// Simulated time.
    pub fn now(&self) -> Instant {
        self.now
    }

    /// Every host ever added, in order.
    pub fn hosts(&self) -> impl Iterator<Item = HostId> + '_ {
        (0..self.hosts.len() as u32).map(HostId)
    }

    /// Hosts that are running (not crashed, not left, not leaving).
    pub fn live_hosts(&self) -> Vec<HostId> {
        self.hosts()
            .filter(|&h| self.hosts[h.ix()].state == State::Alive)
            .collect()
    }

    /// True if `host` is running.
    pub fn is_alive(&self, host: HostId) -> bool {
        self.hosts
            .get(host.ix())
            .is_some_and(|h| h.state == State::Alive)
    }

    /// How `host` went away, if it did.
    pub fn departure(&self, host: HostId) -> Option<(Instant, Departure)> {
        let h = self.hosts.get(host.ix())?;
        match h.state {
            State::Gone(d) => Some((h.gone_at.unwrap_or(self.now), d)),
            State::Leaving => Some((h.gone_at.unwrap_or(self.now), Departure::Leave)),
            State::Alive => None,
        }
    }

    /// The engine of `host`, unless it crashed or left.
    pub fn engine(&self, host: HostId) -> Option<&Engine> {
        self.client(host).map(Client::engine)
    }

    /// The client layer of `host` (what its application talks to), unless it crashed
    /// or left.
    pub fn client(&self, host: HostId) -> Option<&Client> {
        self.hosts.get(host.ix())?.client.as_ref()
    }

    /// `host`'s interfaces with their ids and addresses.
    pub fn interfaces(&self, host: HostId) -> Vec<(InterfaceId, LinkId, Vec<IfAddr>)> {
        self.hosts[host.ix()]
            .ifaces
            .iter()
            .map(|i| (i.id, i.link, i.addrs.clone()))
            .collect()
    }

    /// The ephemeral port `host` sends one-shot queries from.
    pub fn ephemeral_port(&self, host: HostId) -> u16 {
        self.hosts[host.ix()].eph_port
    }

    /// Every event so far (if [`SimConfig::record_events`]).
    pub fn events(&self) -> &[EventRecord] {
        &self.events
    }

    /// The events of one host.
    pub fn events_of(&self, host: HostId) -> impl Iterator<Item = &EventRecord> + '_ {
        self.events.iter().filter(move |e| e.host == host)
    }

    /// Every event the hosts' client layers reported to their subscriptions (if
    /// [`SimConfig::record_events`]): what the applications got.
    pub fn client_events(&self) -> &[ClientEventRecord] {
        &self.client_events
    }

    /// The transcript.
    pub fn transcript(&self) -> &Transcript {
        &self.transcript
    }

    /// The event trackers behind the invariant checks.
    pub fn tracker(&self) -> &Tracker {
        &self.tracker
    }

    /// What every subscription reported, checked against the rules an application
    /// relies on as it came in.
    pub fn reported(&self) -> &Reported {
        &self.reported
    }

    /// Rules broken so far (the first 1000).
    pub fn violations(&self) -> &[Violation] {
        &self.violations
    }

    /// Counters.
    pub fn stats(&self) -> SimStats {
        self.stats
    }

    /// Simulated host-seconds: the sum over hosts of how long each has been running.
    pub fn host_seconds(&self) -> f64 {
        self.hosts
            .iter()
            .map(|h| (h.gone_at.unwrap_or(self.now) - h.joined).as_secs_f64())
            .sum()
    }

    /// Ok if no rule was broken; else a report of the violations with a transcript
    /// excerpt around the first one.
    pub fn check(&self) -> Result<(), String> {
        if self.violation_count == 0 {
            return Ok(());
        }
        Err(self.report(&format!("{} violation(s)", self.violation_count)))
    }

    /// A failure report: `headline`, the recorded violations and the transcript of
    /// the second before the first violation (or the last second).
    pub fn report(&self, headline: &str) -> String {
        let mut out = format!(
            "{headline} (seed {}, t = {:.6} s)\n",
            self.config.seed,
            self.now.as_micros() as f64 / 1e6
        );
        for v in self.violations.iter().take(20) {
            out.push_str(&format!("  {v}\n"));
        }
        if self.violations.len() > 20 {
            out.push_str(&format!("  … {} more\n", self.violation_count - 20));
        }
        let at = self.violations.first().map_or(self.now, |v| v.time);
        let excerpt = self
            .transcript
            .render(at - Duration::from_secs(1), at + Duration::from_millis(1));
        if !excerpt.is_empty() {
            let lines: Vec<&str> = excerpt.lines().collect();
            let from = lines.len().saturating_sub(40);
            out.push_str("transcript before it:\n");
            for l in &lines[from..] {
                out.push_str("  ");
                out.push_str(l);
                out.push('\n');
            }
        }
        out
    }

    /// Writes the recorded packets as a pcap file (see [`crate::pcap`]).
    pub fn write_pcap(&self, w: impl std::io::Write) -> std::io::Result<()> {
        crate::pcap::write_pcap(w, &self.transcript.packets)
    }

    // ----- building the network -----

    /// Adds a link with its own model.
    pub fn add_link(&mut self, model: LinkModel) -> LinkId {
        self.links.push(Link {
            model,
            members: Vec::new(),
        });
        LinkId(self.links.len() as u32 - 1)
    }

    /// Replaces a link's model from now on (datagrams in flight keep their fate).
    pub fn set_link_model(&mut self, link: LinkId, model: LinkModel) {
        self.links[link.0 as usize].model = model;
    }

    /// The model of a link.
    pub fn link_model(&self, link: LinkId) -> LinkModel {
        self.links[link.0 as usize].model
    }

    /// Adds a host with one interface on link 0, brought up now.
    pub fn add_host(&mut self) -> HostId {
        self.add_host_with(HostSpec::default())
    }

    /// Adds `n` hosts on link 0.
    pub fn add_hosts(&mut self, n: usize) -> Vec<HostId> {
        (0..n).map(|_| self.add_host()).collect()
    }

    /// Adds a host as described, bringing its interfaces up now.
    ///
    /// Default addresses of host number `n` on link `L`: `10.L.0.0/16` plus `n + 1`,
    /// `fe80::L:0:n+1/64` and `fd00:0:0:L::n+1/64`. Interface ids are 2, 3, … per host
    /// (1 being loopback on a real system).
    pub fn add_host_with(&mut self, spec: HostSpec) -> HostId {
        let id = HostId(self.hosts.len() as u32);
        let n = u64::from(id.0) + 1;
        let engine = spec.config.unwrap_or_else(|| {
            let mut c = self.config.engine.clone();
            c.seed = derive_seed(self.config.seed, 3, u64::from(id.0));
            c
        });
        let mut config = mdns_sansio_client::Config::new(
            Name::parse(&format!("h{}.local.", id.0)).expect("a valid host name"),
        )
        .with_engine(engine);
        // The trackers follow the engines' events too.
        config.keep_engine_events = true;
        let specs = if spec.interfaces.is_empty() {
            vec![IfaceSpec {
                link: LinkId(0),
                addrs: None,
            }]
        } else {
            spec.interfaces
        };
        let mut ifaces = Vec::new();
        for (k, s) in specs.into_iter().enumerate() {
            let l = s.link.0;
            let addrs = s.addrs.unwrap_or_else(|| {
                let mut v = Vec::new();
                if self.config.ipv4 {
                    let base = u32::from(Ipv4Addr::new(10, l as u8, 0, 0));
                    v.push(IfAddr {
                        addr: IpAddr::V4(Ipv4Addr::from(base + n as u32)),
                        prefix_len: 16,
                    });
                }
                if self.config.ipv6 {
                    let nn = n as u16;
                    v.push(IfAddr {
                        addr: IpAddr::V6(Ipv6Addr::new(0xfe80, 0, 0, 0, 0, l as u16, 0, nn)),
                        prefix_len: 64,
                    });
                    v.push(IfAddr {
                        addr: IpAddr::V6(Ipv6Addr::new(0xfd00, 0, 0, l as u16, 0, 0, 0, nn)),
                        prefix_len: 64,
                    });
                }
                v
            });
            for a in &addrs {
                self.addr_map.insert(a.addr, (id, k));
            }
            self.links[l as usize].members.push((id, k));
            ifaces.push(Iface {
                id: InterfaceId(2 + k as u32),
                link: s.link,
                addrs,
                up: true,
                chan: Channel::default(),
            });
        }
        let eph_port = 49_152 + (derive_seed(self.config.seed, 2, u64::from(id.0)) % 16_384) as u16;
        self.hosts.push(Host {
            client: Some(Client::new(config)),
            ifaces,
            eph_port,
            state: State::Alive,
            group: 0,
            app: spec.app,
            wake: None,
            spin_at: Instant::ZERO,
            spins: 0,
            stalled: false,
            joined: self.now,
            gone_at: None,
            cache_flagged: false,
            host_name: None,
        });
        self.rate.add_host();
        self.tracker.add_host();
        for k in 0..self.hosts[id.ix()].ifaces.len() {
            let iface = &self.hosts[id.ix()].ifaces[k];
            let (ifid, addrs) = (iface.id, iface.addrs.clone());
            self.input(id, |c, now| c.interface_up(now, ifid, &addrs));
        }
        id
    }

    /// Sets a function that sees every datagram handed to an engine, with the
    /// metadata it is handed with.
    pub fn set_tap(&mut self, tap: impl FnMut(Instant, HostId, &RecvMeta, &[u8]) + 'static) {
        self.tap = Some(Box::new(tap));
    }

    /// Sets the [`App`] of a host (it sees its engine's and its client's events).
    pub fn set_app(&mut self, host: HostId, app: impl App + 'static) {
        self.hosts[host.ix()].app = Some(Box::new(app));
    }

    // ----- running -----

    /// Runs `f` at simulated time `at` (now, if `at` has passed).
    pub fn at(&mut self, at: Instant, f: impl FnOnce(&mut Sim) + 'static) {
        let at = at.max(self.now);
        self.schedule(at, What::Call(Box::new(Box::new(f))));
    }

    /// When the next thing happens, if anything is scheduled.
    pub fn next_time(&self) -> Option<Instant> {
        let queued = self.queue.peek().map(|s| s.at);
        let wake = self.wakes.first().map(|w| w.0);
        queued.into_iter().chain(wake).min()
    }

    /// Does the next scheduled thing. False if nothing is scheduled.
    pub fn step(&mut self) -> bool {
        let queued = self.queue.peek().map(|s| (s.at, s.seq));
        if let Some(&(at, seq, host)) = self.wakes.first() {
            if queued.is_none_or(|q| (at, seq) < q) {
                self.wakes.pop_first();
                self.hosts[host.ix()].wake = None;
                debug_assert!(at >= self.now);
                self.now = at;
                self.stats.steps += 1;
                self.wake(host);
                return true;
            }
        }
        let Some(s) = self.queue.pop() else {
            return false;
        };
        debug_assert!(s.at >= self.now);
        self.now = s.at;
        self.stats.steps += 1;
        match s.what {
            What::Deliver { pkt, to, iface } => self.deliver(&pkt, to, iface.into()),
            What::InterfaceUp { host, iface } => {
                let id = self.hosts[host.ix()].ifaces[iface].id;
                self.interface_up(host, id);
            }
            What::FinishLeave { host } => self.remove(host, Departure::Leave),
            What::Call(f) => f(self),
        }
        true
    }

    /// Runs everything scheduled up to and including `t`, then sets the clock to `t`.
    pub fn run_until(&mut self, t: Instant) {
        while self.next_time().is_some_and(|n| n <= t) {
            self.step();
        }
        self.now = self.now.max(t);
    }

    /// Runs for `d` of simulated time.
    pub fn run_for(&mut self, d: Duration) {
        self.run_until(self.now + d);
    }

    /// Runs until `done` holds (checked after every step) or `deadline` passes.
    /// True if `done` held.
    pub fn run_until_cond(
        &mut self,
        deadline: Instant,
        mut done: impl FnMut(&Sim) -> bool,
    ) -> bool {
        if done(self) {
            return true;
        }
        while self.next_time().is_some_and(|n| n <= deadline) {
            self.step();
            if done(self) {
                return true;
            }
        }
        self.now = self.now.max(deadline);
        done(self)
    }

    // ----- internals -----

    pub(crate) fn iface_index(&self, host: HostId, interface: InterfaceId) -> Option<usize> {
        self.hosts
            .get(host.ix())?
            .ifaces
            .iter()
            .position(|i| i.id == interface)
    }

    /// Sets when `host` is next woken (`None`: not until an input), replacing the
    /// wake-up it had.
    pub(crate) fn set_wake(&mut self, host: HostId, at: Option<Instant>) {
        if let Some((t, seq)) = self.hosts[host.ix()].wake.take() {
            self.wakes.remove(&(t, seq, host));
        }
        if let Some(at) = at {
            self.seq += 1;
            self.wakes.insert((at, self.seq, host));
            self.hosts[host.ix()].wake = Some((at, self.seq));
        }
    }

    pub(crate) fn schedule(&mut self, at: Instant, what: What) {
        self.seq += 1;
        self.queue.push(Scheduled {
            at,
            seq: self.seq,
            what,
        });
    }

    pub(crate) fn violation(&mut self, host: HostId, kind: ViolationKind, detail: String) {
        self.violation_count += 1;
        if self.violations.len() < MAX_VIOLATIONS {
            self.violations.push(Violation {
                time: self.now,
                host,
                kind,
                detail,
            });
        }
    }

    pub(crate) fn remove(&mut self, host: HostId, how: Departure) {
        let h = &mut self.hosts[host.ix()];
        if matches!(h.state, State::Gone(_)) {
            return;
        }
        if h.state == State::Alive {
            h.gone_at = Some(self.now);
            self.tracker.on_gone(self.now, host, how);
        }
        let h = &mut self.hosts[host.ix()];
        h.state = State::Gone(how);
        h.client = None;
        h.app = None;
        if let Some((t, seq)) = h.wake.take() {
            self.wakes.remove(&(t, seq, host));
        }
        for (k, iface) in h.ifaces.iter().enumerate() {
            for a in &iface.addrs {
                if self.addr_map.get(&a.addr) == Some(&(host, k)) {
                    self.addr_map.remove(&a.addr);
                }
            }
            self.links[iface.link.0 as usize]
                .members
                .retain(|&(m, _)| m != host);
        }
    }

    pub(crate) fn panicked(&mut self, host: HostId, during: &str, p: Box<dyn Any + Send>) {
        let msg = panic_message(&*p);
        self.violation(
            host,
            ViolationKind::Panic,
            format!("engine panicked in {during}: {msg}"),
        );
        self.remove(host, Departure::Crash);
    }
}
