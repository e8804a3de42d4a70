//! The sans-IO unicast DNS-SD client.
//!
//! In the engine's shape: the caller feeds it UDP datagrams
//! ([`Client::handle_datagram`]), TCP bytes ([`Client::handle_tcp`],
//! [`Client::handle_tcp_closed`]) and timer expiries ([`Client::handle_timeout`]), each
//! with `now`; it hands back what to send ([`Client::poll_transmit`]), when to wake it
//! ([`Client::poll_timeout`]) and what happened ([`Client::poll_event`]). Subscriptions
//! and registrations are named by ids the caller chooses ([`SubId`], [`RegId`]), so a
//! layer that routes some domains to the mDNS engine and others here can forward the
//! events unchanged.
//!
//! - [`transport`]: transactions: ids, servers, retries, TCP, response checks.
//! - `questions`: shared answers, refreshed before their TTL runs out.
//! - `subs`: browse, resolve, host look-up and domain enumeration.
//! - [`publish`]: registrations with DNS UPDATE, leases and renames.
//! - [`config`], [`event`], [`error`], [`stats`]: what goes in and comes out.

pub mod config;
pub mod error;
pub mod event;
pub mod publish;
mod questions;
mod rng;
pub mod stats;
mod subs;
pub mod transport;

pub use config::{ClientConfig, DomainConfig};
pub use error::{QueryError, UpdateError};
pub use event::{Event, RegId, ResolvedService, SubId};
pub use publish::{RegisterError, ServiceRegistration};
pub use stats::Stats;
pub use transport::{ConnId, Transmit};

use crate::names::{browse_name, reverse_base};
use alloc::collections::{BTreeMap, VecDeque};
use alloc::vec::Vec;
use core::fmt;
use core::net::{IpAddr, SocketAddr};
use mdns_sansio::sd::ServiceType;
use mdns_sansio::wire::Rtype;
use mdns_sansio::{Instant, Name, NameError};
use publish::Reg;
use questions::{QKey, Question};
use rng::Rng;
use subs::{enumeration_queries, Sub, SubKind};
use transport::{Owner, Transport};

/// Why a subscription could not start.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum SubscribeError {
    /// The id is in use.
    DuplicateId(SubId),
    /// The name to ask about is not valid (too long).
    Name(NameError),
}

impl fmt::Display for SubscribeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SubscribeError::DuplicateId(id) => write!(f, "subscription id {} is in use", id.0),
            SubscribeError::Name(e) => write!(f, "the name to ask about does not fit: {e}"),
        }
    }
}

impl core::error::Error for SubscribeError {}

/// The client.
pub struct Client {
    config: ClientConfig,
    transport: Transport,
    questions: BTreeMap<QKey, Question>,
    subs: BTreeMap<SubId, Sub>,
    regs: BTreeMap<RegId, Reg>,
    events: VecDeque<Event>,
    host_addrs: Vec<IpAddr>,
    rng: Rng,
    /// An instant and the Unix time (seconds) at it: TSIG signs with the wall-clock
    /// time (RFC 8945 §4.3.3), given as input like every other time.
    clock: (Instant, u64),
    shutting_down: bool,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("subscriptions", &self.subs.len())
            .field("registrations", &self.regs.len())
            .field("questions", &self.questions.len())
            .finish_non_exhaustive()
    }
}

impl Client {
    /// A client. `seed` fixes its message ids and jitter: give it OS randomness in real
    /// use. Call [`Client::set_unix_time`] before signing anything.
    pub fn new(config: ClientConfig, seed: u64) -> Self {
        let transport = Transport::new(&config, seed);
        Client {
            config,
            transport,
            questions: BTreeMap::new(),
            subs: BTreeMap::new(),
            regs: BTreeMap::new(),
            events: VecDeque::new(),
            host_addrs: Vec::new(),
            rng: Rng::new(seed ^ 0x5DEE_CE66_D1CE_5EED),
            clock: (Instant::ZERO, 0),
            shutting_down: false,
        }
    }

    /// The configuration.
    pub fn config(&self) -> &ClientConfig {
        &self.config
    }

    /// Tells the client the Unix time (seconds since 1970) at `now`, for TSIG.
    pub fn set_unix_time(&mut self, now: Instant, unix_secs: u64) {
        self.clock = (now, unix_secs);
    }

    /// The Unix time at `now`.
    fn unix(&self, now: Instant) -> u64 {
        let (at, secs) = self.clock;
        if now >= at {
            secs.saturating_add((now - at).as_secs())
        } else {
            secs.saturating_sub((at - now).as_secs())
        }
    }

    /// Counters.
    pub fn stats(&self) -> &Stats {
        &self.transport.stats
    }

    /// Browses for instances of `service_type` (or its subtype) in `domain`
    /// (RFC 6763 §4): [`Event::ServiceFound`] / [`Event::ServiceRemoved`].
    pub fn browse(
        &mut self,
        now: Instant,
        sub: SubId,
        service_type: &ServiceType,
        domain: &Name,
    ) -> Result<(), SubscribeError> {
        let name = browse_name(service_type, domain).map_err(SubscribeError::Name)?;
        self.start_sub(
            now,
            sub,
            SubKind::Browse {
                name,
                found: Default::default(),
            },
        )
    }

    /// Watches the PTR records of any name: [`Event::ServiceFound`] /
    /// [`Event::ServiceRemoved`] for each target. Service type enumeration
    /// (RFC 6763 §9) is this on `_services._dns-sd._udp.<domain>`.
    pub fn browse_ptr(
        &mut self,
        now: Instant,
        sub: SubId,
        name: &Name,
    ) -> Result<(), SubscribeError> {
        self.start_sub(
            now,
            sub,
            SubKind::Browse {
                name: name.clone(),
                found: Default::default(),
            },
        )
    }

    /// Resolves a service instance (RFC 6763 §5): SRV, TXT and the target's addresses,
    /// kept current: [`Event::ServiceResolved`], `ServiceUpdated`, `ServiceLost`.
    pub fn resolve(
        &mut self,
        now: Instant,
        sub: SubId,
        instance: &Name,
    ) -> Result<(), SubscribeError> {
        self.start_sub(
            now,
            sub,
            SubKind::Resolve {
                instance: instance.clone(),
                target: None,
                last: None,
            },
        )
    }

    /// Watches a host's A and AAAA records: [`Event::HostAddressAdded`] / `Removed`.
    pub fn lookup_host(
        &mut self,
        now: Instant,
        sub: SubId,
        host: &Name,
    ) -> Result<(), SubscribeError> {
        self.start_sub(
            now,
            sub,
            SubKind::Host {
                host: host.clone(),
                addrs: Default::default(),
            },
        )
    }

    /// Domain enumeration (RFC 6763 §11) under each of `bases`: [`Event::DomainFound`]
    /// / `DomainRemoved`. See [`Client::enumeration_bases`] for the usual bases.
    pub fn enumerate_domains(
        &mut self,
        now: Instant,
        sub: SubId,
        bases: &[Name],
    ) -> Result<(), SubscribeError> {
        let queries = enumeration_queries(bases);
        self.start_sub(
            now,
            sub,
            SubKind::Domains {
                queries,
                found: Default::default(),
            },
        )
    }

    /// The bases RFC 6763 §11 enumerates under: the search domains, then the
    /// reverse-mapping names of the networks of the host's addresses (each with its
    /// prefix length; link-local and loopback ones skipped), without repeats.
    pub fn enumeration_bases(&self, addrs: &[(IpAddr, u8)]) -> Vec<Name> {
        let mut out: Vec<Name> = Vec::new();
        let derived = addrs.iter().filter_map(|(a, p)| reverse_base(*a, *p));
        for n in self.config.search_domains.iter().cloned().chain(derived) {
            if !out.contains(&n) {
                out.push(n);
            }
        }
        out
    }

    fn start_sub(&mut self, now: Instant, id: SubId, kind: SubKind) -> Result<(), SubscribeError> {
        if self.subs.contains_key(&id) {
            return Err(SubscribeError::DuplicateId(id));
        }
        self.subscribe(now, id, kind);
        Ok(())
    }

    /// Ends a subscription. False if there was none with this id.
    pub fn stop(&mut self, sub: SubId) -> bool {
        self.unsubscribe(sub)
    }

    /// Unregisters every registration (their deletes go out now) and refuses new
    /// ones; [`Client::is_shut_down`] says when every delete is answered or given up.
    pub fn shutdown(&mut self, now: Instant) {
        self.shutting_down = true;
        let ids: Vec<RegId> = self.regs.keys().copied().collect();
        for id in ids {
            self.unregister(now, id);
        }
        let subs: Vec<SubId> = self.subs.keys().copied().collect();
        for s in subs {
            self.unsubscribe(s);
        }
    }

    /// True once [`Client::shutdown`] was called and no registration is left.
    pub fn is_shut_down(&self) -> bool {
        self.shutting_down && self.regs.is_empty()
    }

    /// A UDP datagram from `from` (responses only; anything else is dropped and
    /// counted).
    pub fn handle_datagram(&mut self, now: Instant, from: SocketAddr, bytes: &[u8]) {
        let unix = self.unix(now);
        self.transport.handle_datagram(now, unix, from, bytes);
        self.after_io(now);
    }

    /// Bytes read from TCP connection `conn`, cut anywhere.
    pub fn handle_tcp(&mut self, now: Instant, conn: ConnId, bytes: &[u8]) {
        let unix = self.unix(now);
        self.transport.handle_tcp(now, unix, conn, bytes);
        self.after_io(now);
    }

    /// TCP connection `conn` could not be opened, failed, or was closed by the server:
    /// its attempt is over; the next goes at the attempt's deadline.
    pub fn handle_tcp_closed(&mut self, now: Instant, conn: ConnId) {
        let unix = self.unix(now);
        self.transport.handle_tcp_closed(now, unix, conn);
        self.after_io(now);
    }

    /// Runs whatever is due at `now`.
    pub fn handle_timeout(&mut self, now: Instant) {
        let unix = self.unix(now);
        self.transport.handle_timeout(now, unix);
        let changed = self.question_timers(now);
        self.reg_timers(now);
        if changed {
            self.evaluate_all(now);
        }
        self.after_io(now);
    }

    /// Takes the transactions' outcomes to their owners, then lets the subscriptions
    /// report what changed (which may start queries, whose outcomes come round again:
    /// a resolve that moved to a new target with no server to ask).
    fn after_io(&mut self, now: Instant) {
        loop {
            let mut changed = false;
            while let Some((owner, outcome)) = self.transport.poll_outcome() {
                match owner {
                    Owner::Question(name, rtype) => {
                        changed |= self.query_outcome(now, &(name, rtype), outcome);
                    }
                    Owner::Registration(id) => self.update_outcome(now, id, outcome),
                }
            }
            if !changed {
                return;
            }
            self.evaluate_all(now);
        }
    }

    /// The next datagram or TCP action for the driver.
    pub fn poll_transmit(&mut self) -> Option<Transmit> {
        self.transport.poll_transmit()
    }

    /// When to call [`Client::handle_timeout`] next.
    pub fn poll_timeout(&self) -> Option<Instant> {
        [
            self.transport.next_timeout(),
            self.question_timeout(),
            self.reg_timeout(),
        ]
        .into_iter()
        .flatten()
        .min()
    }

    /// The next event.
    pub fn poll_event(&mut self) -> Option<Event> {
        self.events.pop_front()
    }

    /// What the client holds for a watched (name, type): `None` before the first
    /// answer (and after it expired unrefreshed), an empty list after a negative one.
    pub fn answer(&self, name: &Name, rtype: Rtype) -> Option<&[mdns_sansio::wire::RecordData]> {
        self.rrset(&(name.clone(), rtype))
    }

    /// A watched host's addresses (see [`Client::lookup_host`]) once both its A and
    /// its AAAA questions have been answered (an empty list if neither has records);
    /// `None` before that.
    pub fn host_addresses(&self, host: &Name) -> Option<Vec<IpAddr>> {
        let a = self.rrset(&(host.clone(), Rtype::A))?;
        let aaaa = self.rrset(&(host.clone(), Rtype::AAAA))?;
        Some(subs::addresses(Some(a), Some(aaaa)).into_iter().collect())
    }

    /// Whether `name` is watched (for tests and diagnostics).
    pub fn is_watching(&self, name: &Name, rtype: Rtype) -> bool {
        self.questions.contains_key(&(name.clone(), rtype))
    }
}
