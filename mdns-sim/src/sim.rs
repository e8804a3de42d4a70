//! The simulator: hosts with engines on links, an event queue, faults as verbs.

use crate::check::{RateMonitor, Tracker};
use crate::link::{self, Channel, LinkModel};
use crate::transcript::{DeliveryRecord, Fate, PacketRecord, Transcript};
use core::cmp::Ordering;
use core::fmt;
use core::time::Duration;
use mdns_proto::engine::responder::{HostRegistration, ServiceRegistration};
use mdns_proto::engine::{
    Destination, Family, IfAddr, InterfaceId, RecvMeta, RegistrationId, SourcePort,
};
use mdns_proto::engine::{MDNS_GROUP_V4, MDNS_GROUP_V6, MDNS_PORT};
use mdns_proto::rand::Rng;
use mdns_proto::{Config, Engine, Event, InstanceName, Instant, Name, ServiceType, Txt};
use std::any::Any;
use std::collections::{BinaryHeap, HashMap};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::rc::Rc;

/// A host in the simulation, numbered from 0 in the order added.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct HostId(pub u32);

impl HostId {
    fn ix(self) -> usize {
        self.0 as usize
    }
}

impl fmt::Display for HostId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "h{}", self.0)
    }
}

/// A link (one LAN segment, one multicast domain), numbered from 0.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct LinkId(pub u32);

/// How a simulation is set up.
#[derive(Clone, Debug)]
pub struct SimConfig {
    /// Seed of the whole run: link randomness, and every host's engine seed (derived
    /// per host unless a [`HostSpec`] gives one).
    pub seed: u64,
    /// Model of link 0, the link [`Sim::add_host`] puts hosts on.
    pub link: LinkModel,
    /// Engine configuration every host starts from (its seed is replaced).
    pub engine: Config,
    /// Give hosts IPv4 addresses (10.L.x.y/16) by default.
    pub ipv4: bool,
    /// Give hosts IPv6 addresses (fe80::L:n/64 and fd00:0:0:L::n/64) by default.
    pub ipv6: bool,
    /// Keep every datagram in the transcript (needed for pcap, transcript diffs and
    /// violation excerpts). The digest is kept either way.
    pub record_packets: bool,
    /// Keep every per-receiver delivery decision in the transcript.
    pub record_deliveries: bool,
    /// Keep every engine event in [`Sim::events`].
    pub record_events: bool,
    /// Check the one-multicast-per-second rule on every transmit.
    pub check_rate_limit: bool,
}

impl Default for SimConfig {
    fn default() -> Self {
        SimConfig {
            seed: 0,
            link: LinkModel::default(),
            engine: Config::default(),
            ipv4: true,
            ipv6: true,
            record_packets: true,
            record_deliveries: false,
            record_events: true,
            check_rate_limit: true,
        }
    }
}

impl SimConfig {
    /// The default configuration with `seed`.
    pub fn seeded(seed: u64) -> Self {
        SimConfig {
            seed,
            ..Self::default()
        }
    }

    /// The same with link 0's model replaced.
    pub fn with_link(mut self, link: LinkModel) -> Self {
        self.link = link;
        self
    }

    /// A configuration for big runs: nothing recorded but the digest and the
    /// trackers.
    pub fn lean(mut self) -> Self {
        self.record_packets = false;
        self.record_deliveries = false;
        self.record_events = false;
        self
    }
}

/// One interface of a host being added.
#[derive(Clone, Debug)]
pub struct IfaceSpec {
    /// The link it is attached to.
    pub link: LinkId,
    /// Its addresses; `None` picks the defaults of [`SimConfig::ipv4`] and
    /// [`SimConfig::ipv6`].
    pub addrs: Option<Vec<IfAddr>>,
}

/// A host being added with [`Sim::add_host_with`].
#[derive(Default)]
pub struct HostSpec {
    /// Its interfaces; empty means one interface on link 0.
    pub interfaces: Vec<IfaceSpec>,
    /// Its engine configuration, seed included; `None` derives one from
    /// [`SimConfig::engine`] and the run's seed.
    pub config: Option<Config>,
    /// Code run on every event the host's engine reports.
    pub app: Option<Box<dyn App>>,
}

impl HostSpec {
    /// A host with one interface on each of `links`.
    pub fn on(links: &[LinkId]) -> Self {
        HostSpec {
            interfaces: links
                .iter()
                .map(|&link| IfaceSpec { link, addrs: None })
                .collect(),
            ..Default::default()
        }
    }
}

/// The application on a host: sees every event of its engine and may call the
/// engine's commands (the simulator drains the engine afterwards).
pub trait App {
    /// Called for each event, in order, at simulated time `now`.
    fn on_event(&mut self, now: Instant, engine: &mut Engine, event: &Event);
}

impl<F: FnMut(Instant, &mut Engine, &Event)> App for F {
    fn on_event(&mut self, now: Instant, engine: &mut Engine, event: &Event) {
        self(now, engine, event)
    }
}

/// An event an engine reported.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EventRecord {
    /// When.
    pub time: Instant,
    /// Whose engine.
    pub host: HostId,
    /// What.
    pub event: Event,
}

/// What kind of rule a run broke.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ViolationKind {
    /// An engine panicked (the host is then treated as crashed).
    Panic,
    /// An engine kept asking to be woken at the same instant without progress.
    BusyLoop,
    /// An engine produced an implausible number of datagrams in one go.
    TransmitStorm,
    /// An engine sent on an interface it was told is down or never had.
    BadInterface,
    /// An engine's cache held more records than its configured capacity.
    CacheOverCapacity,
    /// A record was multicast twice within a second on one interface (RFC 6762 §6)
    /// other than to defend against a probe.
    RateLimit,
}

/// A broken rule, with when and where.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Violation {
    /// When it was seen.
    pub time: Instant,
    /// The host at fault.
    pub host: HostId,
    /// What rule.
    pub kind: ViolationKind,
    /// Details.
    pub detail: String,
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let t = self.time.as_micros();
        write!(
            f,
            "{}.{:06} {} {:?}: {}",
            t / 1_000_000,
            t % 1_000_000,
            self.host,
            self.kind,
            self.detail
        )
    }
}

/// How a host went away.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Departure {
    /// Vanished without a word.
    Crash,
    /// Shut down and sent its goodbyes.
    Leave,
}

/// Counters of a run.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SimStats {
    /// Datagrams put on links.
    pub packets_sent: u64,
    /// Datagram copies handed to engines.
    pub delivered: u64,
    /// Copies lost by link models.
    pub lost: u64,
    /// Copies dropped by partitions.
    pub partitioned: u64,
    /// Copies dropped because the receiving interface was down or the host gone.
    pub dropped_down: u64,
    /// Unicast datagrams nobody could receive.
    pub unreachable: u64,
    /// Duplicated copies.
    pub duplicated: u64,
    /// `handle_timeout` calls.
    pub wakeups: u64,
    /// Events the engines reported.
    pub events: u64,
    /// Simulator steps.
    pub steps: u64,
}

/// How long [`Sim::leave`] keeps a host running after `shutdown` so that its
/// goodbyes go out.
pub const LEAVE_GRACE: Duration = Duration::from_secs(2);

/// Most datagrams one drain may produce before it is called a storm.
const MAX_TRANSMITS_PER_DRAIN: usize = 50_000;
/// Most consecutive wake-ups at one instant before it is called a busy loop.
const MAX_SPINS: u32 = 10_000;
/// Violations kept (more are counted).
const MAX_VIOLATIONS: usize = 1000;
/// Largest datagram an engine may write.
const BUF_LEN: usize = 9000;

#[derive(Debug)]
struct Iface {
    id: InterfaceId,
    link: LinkId,
    addrs: Vec<IfAddr>,
    up: bool,
    chan: Channel,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum State {
    Alive,
    Leaving,
    Gone(Departure),
}

struct Host {
    engine: Option<Engine>,
    ifaces: Vec<Iface>,
    eph_port: u16,
    state: State,
    group: u32,
    app: Option<Box<dyn App>>,
    wake: Option<Instant>,
    wake_gen: u64,
    spin_at: Instant,
    spins: u32,
    stalled: bool,
    joined: Instant,
    gone_at: Option<Instant>,
    cache_flagged: bool,
    /// The host name registered by [`Sim::register_host_name`] (the SRV target of
    /// services registered by [`Sim::register_service`]).
    host_name: Option<(RegistrationId, Name)>,
}

struct Link {
    model: LinkModel,
    /// (host, interface index) attached, in order of attachment.
    members: Vec<(HostId, usize)>,
}

struct InFlight {
    id: u64,
    src: SocketAddr,
    multicast: bool,
    data: Rc<[u8]>,
}

type Call = Box<dyn FnOnce(&mut Sim)>;

enum What {
    Wake {
        host: HostId,
        gen: u64,
    },
    Deliver {
        pkt: Rc<InFlight>,
        to: HostId,
        iface: usize,
    },
    InterfaceUp {
        host: HostId,
        iface: usize,
    },
    FinishLeave {
        host: HostId,
    },
    Call(Call),
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

/// A deterministic simulated LAN of mDNS engines.
///
/// Time jumps from one scheduled thing to the next: an engine's
/// [`poll_timeout`](Engine::poll_timeout), a datagram's arrival, or a scheduled fault.
/// After every input to an engine the simulator drains `poll_transmit` (routing each
/// datagram through the link model) and `poll_event` (logging it, feeding the
/// trackers and the host's [`App`]).
pub struct Sim {
    config: SimConfig,
    now: Instant,
    seq: u64,
    queue: BinaryHeap<Scheduled>,
    hosts: Vec<Host>,
    links: Vec<Link>,
    addr_map: HashMap<IpAddr, (HostId, usize)>,
    rng: Rng,
    buf: Vec<u8>,
    transcript: Transcript,
    events: Vec<EventRecord>,
    tracker: Tracker,
    rate: RateMonitor,
    violations: Vec<Violation>,
    violation_count: usize,
    stats: SimStats,
    tap: Option<Box<Tap>>,
}

/// See [`Sim::set_tap`].
pub type Tap = dyn FnMut(Instant, HostId, &RecvMeta, &[u8]);

/// A seed derived from the run's seed for one purpose and index (splitmix64).
pub fn derive_seed(seed: u64, stream: u64, index: u64) -> u64 {
    let mut z = seed
        .wrapping_add(stream.wrapping_mul(0xD1B5_4A32_D192_ED03))
        .wrapping_add(index.wrapping_mul(0x9E37_79B9_7F4A_7C15))
        .wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

fn panic_message(p: &(dyn Any + Send)) -> String {
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
            hosts: Vec::new(),
            links: vec![link0],
            addr_map: HashMap::new(),
            rng,
            buf: vec![0; BUF_LEN],
            transcript: Transcript::new(),
            events: Vec::new(),
            tracker: Tracker::default(),
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
        self.hosts.get(host.ix())?.engine.as_ref()
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

    /// The transcript.
    pub fn transcript(&self) -> &Transcript {
        &self.transcript
    }

    /// The event trackers behind the invariant checks.
    pub fn tracker(&self) -> &Tracker {
        &self.tracker
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
        let config = spec.config.unwrap_or_else(|| {
            let mut c = self.config.engine.clone();
            c.seed = derive_seed(self.config.seed, 3, u64::from(id.0));
            c
        });
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
            engine: Some(Engine::new(config)),
            ifaces,
            eph_port,
            state: State::Alive,
            group: 0,
            app: spec.app,
            wake: None,
            wake_gen: 0,
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
            self.input(id, |e, now| e.interface_up(now, ifid, &addrs));
        }
        id
    }

    /// Sets a function that sees every datagram handed to an engine, with the
    /// metadata it is handed with.
    pub fn set_tap(&mut self, tap: impl FnMut(Instant, HostId, &RecvMeta, &[u8]) + 'static) {
        self.tap = Some(Box::new(tap));
    }

    /// Sets the [`App`] of a host.
    pub fn set_app(&mut self, host: HostId, app: impl App + 'static) {
        self.hosts[host.ix()].app = Some(Box::new(app));
    }

    // ----- driving engines -----

    /// Calls `f` on `host`'s engine at the current time (to browse, register, …), then
    /// drains its output. `None` if the host is gone.
    pub fn with_engine<R>(
        &mut self,
        host: HostId,
        f: impl FnOnce(&mut Engine, Instant) -> R,
    ) -> Option<R> {
        let mut out = None;
        self.input(host, |e, now| out = Some(f(e, now)));
        out
    }

    // ----- publishing -----

    /// Registers the host name `label.local.` on `host` (all interfaces, renaming
    /// allowed: `label-2.local.` … on a conflict). The services later registered with
    /// [`register_service`](Self::register_service) on this host point at it (and
    /// follow it if it is renamed). Errors if the host is gone, the label is not a
    /// valid host name, or the host already registered a host name here.
    pub fn register_host_name(
        &mut self,
        host: HostId,
        label: &str,
    ) -> Result<RegistrationId, String> {
        if self.hosts[host.ix()].host_name.is_some() {
            return Err(format!("{host} already has a host name"));
        }
        let name =
            Name::parse(&format!("{label}.local.")).map_err(|e| format!("{label:?}: {e:?}"))?;
        let reg = HostRegistration::builder(name.clone())
            .build()
            .map_err(|e| e.to_string())?;
        let id = self
            .with_engine(host, |e, now| e.register_host(now, reg))
            .ok_or_else(|| format!("{host} is gone"))?
            .map_err(|e| e.to_string())?;
        self.hosts[host.ix()].host_name = Some((id, name));
        Ok(id)
    }

    /// The host name registered on `host` with [`register_host_name`](Self::register_host_name)
    /// (its registration, and the name it has now, after any renames).
    pub fn host_name(&self, host: HostId) -> Option<(RegistrationId, Name)> {
        let (id, asked) = self.hosts.get(host.ix())?.host_name.clone()?;
        let now = self
            .engine(host)
            .and_then(|e| e.registered_name(id).cloned())
            .unwrap_or(asked);
        Some((id, now))
    }

    /// Registers service `instance` of `service_type` (like `_http._tcp`) on `host`,
    /// at `port`, with TXT entries `txt` (`key=value`, or a bare `key` for a flag),
    /// pointing at the host's name, on all interfaces, renaming allowed
    /// (`Name (2)` … on a conflict). If the host has no host name yet, `h<N>` is
    /// registered first (see [`register_host_name`](Self::register_host_name)).
    /// Progress shows in the host's events and in [`Tracker::registrations`].
    ///
    /// ```
    /// use core::time::Duration;
    /// use mdns_sim::{Sim, SimConfig};
    ///
    /// let mut sim = Sim::new(SimConfig::seeded(1));
    /// let [a, b] = [sim.add_host(), sim.add_host()];
    /// sim.register_host_name(a, "printer").unwrap();
    /// sim.register_service(a, "Office", "_ipp._tcp", 631, &["rp=queue"]).unwrap();
    /// sim.register_service(b, "Office", "_ipp._tcp", 631, &[]).unwrap(); // same name
    /// sim.run_for(Duration::from_secs(10));
    /// sim.check_names().unwrap(); // one of them was renamed "Office (2)"
    /// sim.leave(a); // goodbyes
    /// sim.run_for(Duration::from_secs(3));
    /// assert!(sim.check().is_ok());
    /// ```
    pub fn register_service(
        &mut self,
        host: HostId,
        instance: &str,
        service_type: &str,
        port: u16,
        txt: &[&str],
    ) -> Result<RegistrationId, String> {
        if self.hosts[host.ix()].host_name.is_none() {
            self.register_host_name(host, &format!("h{}", host.0))?;
        }
        let (_, target) = self.host_name(host).expect("just registered");
        let reg = ServiceRegistration::builder(
            InstanceName::new(instance).map_err(|e| format!("{instance:?}: {e:?}"))?,
            ServiceType::new(service_type).map_err(|e| format!("{service_type:?}: {e:?}"))?,
        )
        .port(port)
        .host(target)
        .txt(make_txt(txt)?)
        .build()
        .map_err(|e| e.to_string())?;
        self.with_engine(host, |e, now| e.register_service(now, reg))
            .ok_or_else(|| format!("{host} is gone"))?
            .map_err(|e| e.to_string())
    }

    /// Replaces the TXT entries of a service registered on `host` (announced again
    /// without probing, RFC 6762 §8.4).
    pub fn update_txt(
        &mut self,
        host: HostId,
        id: RegistrationId,
        txt: &[&str],
    ) -> Result<(), String> {
        let txt = make_txt(txt)?;
        self.with_engine(host, |e, now| e.update_txt(now, id, txt))
            .ok_or_else(|| format!("{host} is gone"))?
            .map_err(|e| e.to_string())
    }

    /// Once probing has settled: the [`Tracker`]'s view (every registration of a
    /// running host registered, no name owned twice, see [`Tracker::check_names`]),
    /// and every running host knows its final names through its events: the name
    /// its last `Registered` / `Renamed` event gave is the one its engine holds.
    pub fn check_names(&self) -> Result<(), String> {
        let mut errors = Vec::new();
        if let Err(e) = self.tracker.check_names() {
            errors.push(e);
        }
        for r in self.tracker.registrations() {
            if r.state != crate::check::RegState::Registered {
                continue;
            }
            let Some(engine) = self.engine(r.host) else {
                continue;
            };
            if !self.is_alive(r.host) {
                continue;
            }
            match engine.registered_name(r.id) {
                Some(n) if n.to_string().eq_ignore_ascii_case(&r.name.to_string()) => {}
                other => errors.push(format!(
                    "{} registration {:?}: events say {}, the engine holds {:?}",
                    r.host, r.id, r.name, other
                )),
            }
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors.join("\n"))
        }
    }

    /// Puts a datagram on `host`'s interface as if its stack had sent it (for
    /// malformed packets, legacy queriers, foreign implementations).
    pub fn inject(
        &mut self,
        from: HostId,
        interface: InterfaceId,
        destination: Destination,
        source_port: SourcePort,
        data: &[u8],
    ) {
        self.route(
            from,
            interface,
            destination,
            source_port,
            Rc::from(data),
            true,
        );
    }

    /// Runs `f` at simulated time `at` (now, if `at` has passed).
    pub fn at(&mut self, at: Instant, f: impl FnOnce(&mut Sim) + 'static) {
        let at = at.max(self.now);
        self.schedule(at, What::Call(Box::new(f)));
    }

    // ----- running -----

    /// When the next thing happens, if anything is scheduled.
    pub fn next_time(&self) -> Option<Instant> {
        self.queue.peek().map(|s| s.at)
    }

    /// Does the next scheduled thing. False if nothing is scheduled.
    pub fn step(&mut self) -> bool {
        let Some(s) = self.queue.pop() else {
            return false;
        };
        debug_assert!(s.at >= self.now);
        self.now = s.at;
        self.stats.steps += 1;
        match s.what {
            What::Wake { host, gen } => self.wake(host, gen),
            What::Deliver { pkt, to, iface } => self.deliver(&pkt, to, iface),
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

    // ----- faults -----

    /// Splits the hosts into groups that cannot hear each other (each datagram is
    /// checked when sent). Hosts in no group form one more group together.
    pub fn partition(&mut self, groups: &[&[HostId]]) {
        for h in &mut self.hosts {
            h.group = 0;
        }
        for (g, hosts) in groups.iter().enumerate() {
            for &h in *hosts {
                self.hosts[h.ix()].group = g as u32 + 1;
            }
        }
    }

    /// Ends any partition.
    pub fn heal(&mut self) {
        for h in &mut self.hosts {
            h.group = 0;
        }
    }

    /// `host` vanishes without a word: no goodbyes; its datagrams already in flight
    /// still arrive.
    pub fn crash(&mut self, host: HostId) {
        self.remove(host, Departure::Crash);
    }

    /// `host` leaves gracefully: `shutdown` is called on its engine (e.g.
    /// `|e, now| e.shutdown(now)`), the host keeps running for `grace` so that its
    /// goodbyes go out, then it is removed. Trackers date the departure now.
    pub fn leave_with(
        &mut self,
        host: HostId,
        grace: Duration,
        shutdown: impl FnOnce(&mut Engine, Instant),
    ) {
        if self.hosts[host.ix()].state != State::Alive {
            return;
        }
        self.tracker.on_gone(self.now, host, Departure::Leave);
        self.hosts[host.ix()].gone_at = Some(self.now);
        self.input(host, shutdown);
        self.hosts[host.ix()].state = State::Leaving;
        self.schedule(self.now + grace, What::FinishLeave { host });
    }

    /// `host` leaves gracefully: [`Engine::shutdown`] withdraws every registration
    /// (goodbyes, RFC 6762 §10.1), the host keeps running for [`LEAVE_GRACE`] so that
    /// they go out, then it is removed. Trackers date the departure now.
    pub fn leave(&mut self, host: HostId) {
        self.leave_with(host, LEAVE_GRACE, |e, now| e.shutdown(now));
    }

    /// Takes one of `host`'s interfaces down (the engine is told).
    pub fn interface_down(&mut self, host: HostId, interface: InterfaceId) {
        let Some(k) = self.iface_index(host, interface) else {
            return;
        };
        let h = &mut self.hosts[host.ix()];
        if !h.ifaces[k].up || h.engine.is_none() {
            return;
        }
        h.ifaces[k].up = false;
        self.rate.reset_host(host);
        self.input(host, |e, now| e.interface_down(now, interface));
    }

    /// Brings one of `host`'s interfaces back up with its addresses.
    pub fn interface_up(&mut self, host: HostId, interface: InterfaceId) {
        let Some(k) = self.iface_index(host, interface) else {
            return;
        };
        let h = &mut self.hosts[host.ix()];
        if h.ifaces[k].up || h.engine.is_none() {
            return;
        }
        h.ifaces[k].up = true;
        let addrs = h.ifaces[k].addrs.clone();
        self.rate.reset_host(host);
        self.input(host, |e, now| e.interface_up(now, interface, &addrs));
    }

    /// Takes an interface down now and up again after `down_for`.
    pub fn bounce(&mut self, host: HostId, interface: InterfaceId, down_for: Duration) {
        let Some(iface) = self.iface_index(host, interface) else {
            return;
        };
        self.interface_down(host, interface);
        self.schedule(self.now + down_for, What::InterfaceUp { host, iface });
    }

    // ----- internals -----

    fn iface_index(&self, host: HostId, interface: InterfaceId) -> Option<usize> {
        self.hosts
            .get(host.ix())?
            .ifaces
            .iter()
            .position(|i| i.id == interface)
    }

    fn schedule(&mut self, at: Instant, what: What) {
        self.seq += 1;
        self.queue.push(Scheduled {
            at,
            seq: self.seq,
            what,
        });
    }

    fn violation(&mut self, host: HostId, kind: ViolationKind, detail: String) {
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

    fn remove(&mut self, host: HostId, how: Departure) {
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
        h.engine = None;
        h.app = None;
        h.wake = None;
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

    fn panicked(&mut self, host: HostId, during: &str, p: Box<dyn Any + Send>) {
        let msg = panic_message(&*p);
        self.violation(
            host,
            ViolationKind::Panic,
            format!("engine panicked in {during}: {msg}"),
        );
        self.remove(host, Departure::Crash);
    }

    /// Runs one input on an engine, then drains it.
    fn input(&mut self, host: HostId, f: impl FnOnce(&mut Engine, Instant)) {
        let now = self.now;
        let Some(engine) = self.hosts[host.ix()].engine.as_mut() else {
            return;
        };
        if let Err(p) = catch_unwind(AssertUnwindSafe(|| f(engine, now))) {
            self.panicked(host, "an input", p);
            return;
        }
        self.hosts[host.ix()].stalled = false;
        self.drain(host);
    }

    fn wake(&mut self, host: HostId, gen: u64) {
        let h = &mut self.hosts[host.ix()];
        if h.wake_gen != gen || h.engine.is_none() {
            return;
        }
        h.wake = None;
        if h.spin_at == self.now {
            h.spins += 1;
        } else {
            h.spin_at = self.now;
            h.spins = 0;
        }
        self.stats.wakeups += 1;
        let now = self.now;
        let engine = h.engine.as_mut().expect("checked");
        if let Err(p) = catch_unwind(AssertUnwindSafe(|| engine.handle_timeout(now))) {
            self.panicked(host, "handle_timeout", p);
            return;
        }
        self.drain(host);
    }

    fn drain(&mut self, host: HostId) {
        let now = self.now;
        for _round in 0..1000 {
            let mut sent = 0;
            loop {
                let Some(engine) = self.hosts[host.ix()].engine.as_mut() else {
                    return;
                };
                let buf = &mut self.buf;
                match catch_unwind(AssertUnwindSafe(|| engine.poll_transmit(now, buf))) {
                    Err(p) => return self.panicked(host, "poll_transmit", p),
                    Ok(None) => break,
                    Ok(Some(t)) => {
                        let size = t.size.min(BUF_LEN);
                        let data: Rc<[u8]> = Rc::from(&self.buf[..size]);
                        self.route(host, t.interface, t.destination, t.source_port, data, false);
                        sent += 1;
                        if sent >= MAX_TRANSMITS_PER_DRAIN {
                            self.violation(
                                host,
                                ViolationKind::TransmitStorm,
                                format!("{sent} datagrams from one input"),
                            );
                            break;
                        }
                    }
                }
            }
            let mut any = false;
            loop {
                let h = &mut self.hosts[host.ix()];
                let Some(engine) = h.engine.as_mut() else {
                    return;
                };
                let Some(event) = engine.poll_event() else {
                    break;
                };
                any = true;
                self.stats.events += 1;
                self.transcript.mix_u64(now.as_micros());
                self.transcript.mix_u64(u64::from(host.0));
                self.transcript.mix(format!("{event:?}").as_bytes());
                self.tracker.on_event(now, host, &event);
                let h = &mut self.hosts[host.ix()];
                if let (Some(app), Some(engine)) = (h.app.as_mut(), h.engine.as_mut()) {
                    if let Err(p) =
                        catch_unwind(AssertUnwindSafe(|| app.on_event(now, engine, &event)))
                    {
                        return self.panicked(host, "the app's event handler", p);
                    }
                }
                if self.config.record_events {
                    self.events.push(EventRecord {
                        time: now,
                        host,
                        event,
                    });
                }
            }
            if !any {
                break;
            }
        }
        self.after_input(host);
    }

    fn after_input(&mut self, host: HostId) {
        let now = self.now;
        let h = &mut self.hosts[host.ix()];
        let Some(engine) = h.engine.as_ref() else {
            return;
        };
        let (len, cap) = (engine.cache_len(), engine.config().cache_capacity);
        let next = catch_unwind(AssertUnwindSafe(|| engine.poll_timeout()));
        if len > cap && !h.cache_flagged {
            h.cache_flagged = true;
            self.violation(
                host,
                ViolationKind::CacheOverCapacity,
                format!("cache holds {len} records, capacity {cap}"),
            );
        }
        let next = match next {
            Ok(n) => n,
            Err(p) => return self.panicked(host, "poll_timeout", p),
        };
        let h = &mut self.hosts[host.ix()];
        if h.spins >= MAX_SPINS && next.is_some_and(|t| t <= now) && !h.stalled {
            h.stalled = true;
            self.violation(
                host,
                ViolationKind::BusyLoop,
                format!(
                    "woken {MAX_SPINS} times at this instant and still due \
                     ({next:?}); not woken again until its next input"
                ),
            );
        }
        let h = &mut self.hosts[host.ix()];
        if h.stalled {
            return;
        }
        match next {
            None => {
                if h.wake.is_some() {
                    h.wake = None;
                    h.wake_gen += 1;
                }
            }
            Some(t) => {
                let t = t.max(now);
                if h.wake != Some(t) {
                    h.wake = Some(t);
                    h.wake_gen += 1;
                    let gen = h.wake_gen;
                    self.schedule(t, What::Wake { host, gen });
                }
            }
        }
    }

    fn route(
        &mut self,
        from: HostId,
        interface: InterfaceId,
        destination: Destination,
        source_port: SourcePort,
        data: Rc<[u8]>,
        injected: bool,
    ) {
        let now = self.now;
        let Some(k) = self.iface_index(from, interface) else {
            return self.violation(
                from,
                ViolationKind::BadInterface,
                format!("sent on unknown interface {interface:?}"),
            );
        };
        let h = &self.hosts[from.ix()];
        let iface = &h.ifaces[k];
        if !iface.up {
            if !injected {
                self.violation(
                    from,
                    ViolationKind::BadInterface,
                    format!("sent on interface {interface:?}, which is down"),
                );
            }
            return;
        }
        let port = match source_port {
            SourcePort::Mdns => MDNS_PORT,
            SourcePort::Ephemeral => h.eph_port,
        };
        let (dst, multicast) = match destination {
            Destination::MulticastV4 => (SocketAddr::new(MDNS_GROUP_V4.into(), MDNS_PORT), true),
            Destination::MulticastV6 => (SocketAddr::new(MDNS_GROUP_V6.into(), MDNS_PORT), true),
            Destination::Unicast(a) => (a, false),
        };
        let Some(src_ip) = source_address(&iface.addrs, &dst.ip()) else {
            // No address of that family: the stack cannot send it.
            self.stats.unreachable += 1;
            return;
        };
        let link = iface.link;
        let id = self.transcript.next_id();
        self.stats.packets_sent += 1;
        let src = SocketAddr::new(src_ip, port);
        if self.config.check_rate_limit && multicast && !injected {
            let family = Family::of(&dst.ip());
            if let Some(detail) = self
                .rate
                .on_multicast(now, from, link, interface, family, &data)
            {
                self.violation(from, ViolationKind::RateLimit, detail);
            }
        }
        self.transcript.packet(
            PacketRecord {
                id,
                time: now,
                from,
                link,
                interface,
                src,
                dst,
                injected,
                data: data.clone(),
            },
            self.config.record_packets,
        );
        let pkt = Rc::new(InFlight {
            id,
            src,
            multicast,
            data,
        });
        if multicast {
            let family = Family::of(&dst.ip());
            let l = link.0 as usize;
            for m in 0..self.links[l].members.len() {
                let (to, tk) = self.links[l].members[m];
                let joined = self.hosts[to.ix()].ifaces[tk]
                    .addrs
                    .iter()
                    .any(|a| Family::of(&a.addr) == family);
                if joined {
                    self.offer(&pkt, from, link, to, tk);
                }
            }
        } else {
            match self.addr_map.get(&dst.ip()).copied() {
                Some((to, tk))
                    if self.hosts[to.ix()].ifaces[tk].link == link
                        && (dst.port() == MDNS_PORT
                            || dst.port() == self.hosts[to.ix()].eph_port) =>
                {
                    self.offer(&pkt, from, link, to, tk)
                }
                _ => {
                    self.stats.unreachable += 1;
                    self.transcript.delivery(
                        DeliveryRecord {
                            packet: id,
                            to: from,
                            time: now,
                            fate: Fate::Unreachable,
                        },
                        self.config.record_deliveries,
                    );
                }
            }
        }
    }

    fn offer(&mut self, pkt: &Rc<InFlight>, from: HostId, link: LinkId, to: HostId, tk: usize) {
        let now = self.now;
        if to == from {
            // Loopback: always, at once.
            self.schedule(
                now,
                What::Deliver {
                    pkt: pkt.clone(),
                    to,
                    iface: tk,
                },
            );
            return;
        }
        let record = self.config.record_deliveries;
        if self.hosts[to.ix()].group != self.hosts[from.ix()].group {
            self.stats.partitioned += 1;
            let d = DeliveryRecord {
                packet: pkt.id,
                to,
                time: now,
                fate: Fate::Partitioned,
            };
            return self.transcript.delivery(d, record);
        }
        let model = self.links[link.0 as usize].model;
        let chan = &mut self.hosts[to.ix()].ifaces[tk].chan;
        match chan.send(&model, now, &mut self.rng) {
            link::Fate::Lost => {
                self.stats.lost += 1;
                let d = DeliveryRecord {
                    packet: pkt.id,
                    to,
                    time: now,
                    fate: Fate::Lost,
                };
                self.transcript.delivery(d, record);
            }
            link::Fate::Arrives(at, dup) => {
                self.schedule(
                    at,
                    What::Deliver {
                        pkt: pkt.clone(),
                        to,
                        iface: tk,
                    },
                );
                if let Some(at2) = dup {
                    self.stats.duplicated += 1;
                    self.schedule(
                        at2,
                        What::Deliver {
                            pkt: pkt.clone(),
                            to,
                            iface: tk,
                        },
                    );
                }
            }
        }
    }

    fn deliver(&mut self, pkt: &InFlight, to: HostId, tk: usize) {
        let now = self.now;
        let h = &self.hosts[to.ix()];
        let fate = if h.engine.is_none() {
            Fate::Gone
        } else if !h.ifaces[tk].up {
            Fate::InterfaceDown
        } else {
            Fate::Delivered
        };
        self.transcript.delivery(
            DeliveryRecord {
                packet: pkt.id,
                to,
                time: now,
                fate,
            },
            self.config.record_deliveries,
        );
        if fate != Fate::Delivered {
            self.stats.dropped_down += 1;
            return;
        }
        self.stats.delivered += 1;
        let meta = RecvMeta {
            source: pkt.src,
            interface: h.ifaces[tk].id,
            multicast: pkt.multicast,
            ttl: Some(255),
        };
        if let Some(tap) = self.tap.as_mut() {
            tap(now, to, &meta, &pkt.data);
        }
        self.input(to, |e, now| e.handle_datagram(now, meta, &pkt.data));
    }
}

fn make_txt(entries: &[&str]) -> Result<Txt, String> {
    let mut txt = Txt::new();
    for e in entries {
        let entry = match e.split_once('=') {
            Some((k, v)) => mdns_proto::sd::TxtEntry::new(k, v),
            None => mdns_proto::sd::TxtEntry::flag(e),
        }
        .map_err(|err| format!("TXT {e:?}: {err:?}"))?;
        txt.push(entry)
            .map_err(|err| format!("TXT {e:?}: {err:?}"))?;
    }
    Ok(txt)
}

/// The address a stack would send from to reach `dst`: same family; for IPv6 a
/// link-local destination (or the multicast group) gets the link-local source,
/// anything else a non-link-local one if there is one.
fn source_address(addrs: &[IfAddr], dst: &IpAddr) -> Option<IpAddr> {
    let family = Family::of(dst);
    let mut same = addrs
        .iter()
        .map(|a| a.addr)
        .filter(|a| Family::of(a) == family);
    match dst {
        IpAddr::V4(_) => same.next(),
        IpAddr::V6(d) => {
            let want_ll = d.is_multicast() || is_link_local(d);
            let all: Vec<IpAddr> = same.collect();
            all.iter()
                .copied()
                .find(|a| matches!(a, IpAddr::V6(a) if is_link_local(a) == want_ll))
                .or_else(|| all.first().copied())
        }
    }
}

fn is_link_local(a: &Ipv6Addr) -> bool {
    a.segments()[0] & 0xffc0 == 0xfe80
}
