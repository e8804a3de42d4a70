//! What a subscription hears: [`Event`], handed back by
//! [`Client::poll_event`](crate::Client::poll_event) with the id of its subscription,
//! and the typed data it carries ([`BrowseEvent`], [`ResolvedService`], [`HostEvent`],
//! [`TypeEvent`], [`RegistrationEvent`], [`DomainEvent`]).
//!
//! The unicast backend reports the same events as the engine. Where an engine event
//! names the interface something was seen on, a backend's names [`UNICAST_DNS`]; what
//! only a DNS server can do to a request (not answer, refuse an update) comes as the
//! `ServerError` variant of the subscription's kind, with the backend's own error.

use alloc::vec::Vec;
use core::fmt;
use core::net::IpAddr;

use mdns_sansio::engine::{AnswerRecord, InterfaceId, RegistrationFailure};
use mdns_sansio::sd::{InstanceName, ServiceType, Txt};
use mdns_sansio::Name;

use crate::backend_error::BackendError;
use crate::error::Error;

/// The "interface" of what a unicast backend reports: learnt from a DNS server, not on
/// a link. OS interface indexes start at 1 (0 means "no interface" to every OS API), so
/// it names no real interface.
pub const UNICAST_DNS: InterfaceId = InterfaceId(0);

/// One event of one subscription. Which kinds a subscription gets depends on its
/// [`Request`](crate::Request); the ones marked *final* are the last it gets (see
/// [`is_final`](Self::is_final)).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Event {
    /// A browse's news.
    Browse(BrowseEvent),
    /// *Final.* A resolve's outcome: the service, or [`Error::Timeout`].
    Resolved(Result<ResolvedService, Error>),
    /// *Final.* A host lookup's outcome: the addresses (at least one), or
    /// [`Error::Timeout`].
    HostAddresses(Result<Vec<IpAddr>, Error>),
    /// A watched host's address came or went.
    Host(HostEvent),
    /// Service type enumeration's news.
    ServiceType(TypeEvent),
    /// A record answering a one-shot query.
    Answer(AnswerRecord),
    /// *Final.* A one-shot query's collection time is over.
    QueryDone,
    /// A registration's news ([`RegistrationEvent::Failed`],
    /// [`RegistrationEvent::Rejected`] and [`RegistrationEvent::Unregistered`] are
    /// final).
    Registration(RegistrationEvent),
    /// Browse and registration domains (RFC 6763 §11, a unicast backend only).
    Domain(DomainEvent),
}

impl Event {
    /// True if no event follows this one for its subscription (the subscription has
    /// ended).
    pub fn is_final(&self) -> bool {
        matches!(
            self,
            Event::Resolved(_)
                | Event::HostAddresses(_)
                | Event::QueryDone
                | Event::Registration(RegistrationEvent::Failed(_))
                | Event::Registration(RegistrationEvent::Rejected(_))
                | Event::Registration(RegistrationEvent::Unregistered)
        )
    }
}

/// A resolved service instance.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ResolvedService {
    /// Instance name (`Kitchen`).
    pub instance: InstanceName,
    /// Its service type (`_http._tcp`).
    pub service_type: ServiceType,
    /// Target host of its SRV record.
    pub host: Name,
    /// Port.
    pub port: u16,
    /// TXT attributes.
    pub txt: Txt,
    /// The host's addresses, each with the interface it was learnt on
    /// ([`UNICAST_DNS`] from a DNS server), sorted.
    pub addresses: Vec<(IpAddr, InterfaceId)>,
}

impl ResolvedService {
    /// From the engine's form; `None` if the instance name is not a service instance
    /// name (`<Instance>.<_service>.<_proto>.local.`).
    pub fn from_engine(s: mdns_sansio::engine::ResolvedService) -> Option<Self> {
        let (instance, service_type) = InstanceName::split(&s.instance).ok()?;
        Some(ResolvedService {
            instance,
            service_type,
            host: s.host,
            port: s.port,
            txt: Txt::decode(&s.txt),
            addresses: s.addresses,
        })
    }

    /// The addresses without interfaces, sorted and deduplicated.
    pub fn ips(&self) -> Vec<IpAddr> {
        let mut v: Vec<IpAddr> = self.addresses.iter().map(|(a, _)| *a).collect();
        v.sort();
        v.dedup();
        v
    }

    /// True if it has addresses of both families (a resolve is complete then).
    pub fn has_both_families(&self) -> bool {
        self.addresses.iter().any(|(a, _)| a.is_ipv4())
            && self.addresses.iter().any(|(a, _)| a.is_ipv6())
    }
}

/// What a browse reports.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum BrowseEvent {
    /// An instance was seen on an interface.
    Found {
        /// Instance name.
        instance: InstanceName,
        /// Its service type.
        service_type: ServiceType,
        /// Where.
        interface: InterfaceId,
    },
    /// An instance went away on an interface (goodbye or expiry).
    Removed {
        /// Instance name.
        instance: InstanceName,
        /// Its service type.
        service_type: ServiceType,
        /// Where.
        interface: InterfaceId,
    },
    /// (Resolving browses only.) An instance's host, port, TXT and an address are
    /// known.
    Resolved(ResolvedService),
    /// (Resolving browses only.) A resolved instance changed.
    Updated(ResolvedService),
    /// (A browse in a unicast domain.) The DNS servers did not answer, or refused; the
    /// browse goes on asking with backoff, and what it found stays until its TTL runs
    /// out. Reported once per failing stretch.
    ServerError(BackendError),
}

/// What watching a host name reports.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum HostEvent {
    /// An address was learnt.
    Added(IpAddr, InterfaceId),
    /// An address went away.
    Removed(IpAddr, InterfaceId),
}

/// What service type enumeration reports (RFC 6763 §9).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum TypeEvent {
    /// A type was seen on an interface.
    Found(ServiceType, InterfaceId),
    /// A type went away on an interface.
    Removed(ServiceType, InterfaceId),
    /// (A unicast domain.) The DNS servers did not answer, or refused; the enumeration
    /// goes on asking.
    ServerError(BackendError),
}

/// What a registration reports.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum RegistrationEvent {
    /// Probing started for `name` (RFC 6762 §8.1).
    Probing {
        /// The name being probed.
        name: InstanceName,
    },
    /// The service is published as `name`.
    Registered {
        /// Its name (may differ from the one asked for after conflicts).
        name: InstanceName,
    },
    /// A conflict made the registration move to a new name (RFC 6762 §9; probing
    /// starts again).
    Renamed {
        /// Old name.
        from: InstanceName,
        /// New name.
        to: InstanceName,
    },
    /// *Final.* The registration could not be completed.
    Failed(RegistrationFailure),
    /// (A unicast domain.) An update was refused or got no answer (a key the server
    /// rejects, a zone whose update policy says no, servers that do not answer); the
    /// registration is kept and sent again with backoff. Reported once per failing
    /// stretch.
    ServerError(BackendError),
    /// *Final.* (A unicast domain.) The backend gave the registration up for the reason
    /// it gives (the records do not fit in an update).
    Rejected(BackendError),
    /// *Final.* After [`Client::unregister`](crate::Client::unregister): every goodbye
    /// (RFC 6762 §10.1) has been handed out, the host name's too if this was its
    /// last service.
    Unregistered,
}

/// Which list of RFC 6763 §11 a domain is on: the answer to
/// `<kind>._dns-sd._udp.<base>`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[non_exhaustive]
pub enum DomainKind {
    /// `b`: a domain recommended for browsing.
    Browse,
    /// `db`: the default browsing domain.
    DefaultBrowse,
    /// `r`: a domain recommended for registering.
    Register,
    /// `dr`: the default registration domain.
    DefaultRegister,
    /// `lb`: a domain for "automatic" (legacy) browsing.
    Automatic,
}

impl DomainKind {
    /// The first label of the enumeration name (`b`, `db`, `r`, `dr`, `lb`).
    pub fn label(self) -> &'static str {
        match self {
            DomainKind::Browse => "b",
            DomainKind::DefaultBrowse => "db",
            DomainKind::Register => "r",
            DomainKind::DefaultRegister => "dr",
            DomainKind::Automatic => "lb",
        }
    }
}

impl fmt::Display for DomainKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            DomainKind::Browse => "browse",
            DomainKind::DefaultBrowse => "default browse",
            DomainKind::Register => "register",
            DomainKind::DefaultRegister => "default register",
            DomainKind::Automatic => "automatic browse",
        })
    }
}

/// What domain enumeration reports (RFC 6763 §11).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum DomainEvent {
    /// A domain is listed.
    Found {
        /// Which list.
        kind: DomainKind,
        /// The domain.
        domain: Name,
    },
    /// A domain is no longer listed.
    Removed {
        /// Which list.
        kind: DomainKind,
        /// The domain.
        domain: Name,
    },
    /// The DNS servers did not answer, or refused; the enumeration goes on asking.
    ServerError(BackendError),
}
