//! The simulator's ids and public types: hosts and links, how a run is set up
//! ([`SimConfig`], [`HostSpec`], [`IfaceSpec`]), the [`App`] hook, what a run records
//! ([`EventRecord`], [`ClientEventRecord`], [`Violation`], [`SimStats`]), and seeds.
//! No behaviour: the simulator itself is in `sim`, its verbs in `publish`, `faults` and
//! `routing`.

use crate::link::LinkModel;
use core::fmt;
use core::time::Duration;
use mdns_sansio::engine::{IfAddr, RecvMeta};
use mdns_sansio::{Config, Engine, Event, Instant};
use mdns_sansio_client::{Client, Event as ClientEvent, SubscriptionId};

/// A host in the simulation, numbered from 0 in the order added.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct HostId(pub u32);

impl HostId {
    pub(crate) fn ix(self) -> usize {
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
    /// Model of link 0, the link [`Sim::add_host`](crate::Sim::add_host) puts hosts on.
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
    /// Keep every engine event in [`Sim::events`](crate::Sim::events).
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

/// A host being added with [`Sim::add_host_with`](crate::Sim::add_host_with).
#[derive(Default)]
pub struct HostSpec {
    /// Its interfaces; empty means one interface on link 0.
    pub interfaces: Vec<IfaceSpec>,
    /// Its engine configuration, seed included; `None` derives one from
    /// [`SimConfig::engine`] and the run's seed.
    pub config: Option<Config>,
    /// Code run on every event the host's engine and client layer report.
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

/// The application on a host: sees every event of its engine and every event its
/// client layer hands to a subscription, and may call commands on either (the
/// simulator drains the host afterwards).
pub trait App {
    /// Called for each engine event, in order, at simulated time `now`.
    fn on_event(&mut self, now: Instant, engine: &mut Engine, event: &Event);

    /// Called for each event the client layer reports to subscription `id`, in order.
    fn on_client_event(
        &mut self,
        now: Instant,
        client: &mut Client,
        id: SubscriptionId,
        event: &ClientEvent,
    ) {
        let _ = (now, client, id, event);
    }
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

/// An event a host's client layer reported to one of its subscriptions: what the
/// application on that host gets.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClientEventRecord {
    /// When.
    pub time: Instant,
    /// Whose client.
    pub host: HostId,
    /// The subscription.
    pub id: SubscriptionId,
    /// What.
    pub event: ClientEvent,
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
    /// Simulator steps: deliveries, wake-ups, scheduled calls and faults.
    pub steps: u64,
}

/// How long [`Sim::leave`](crate::Sim::leave) keeps a host running after `shutdown` so that its
/// goodbyes go out.
pub const LEAVE_GRACE: Duration = Duration::from_secs(2);

/// See [`Sim::set_tap`](crate::Sim::set_tap).
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
