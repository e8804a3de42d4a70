//! What the engine reports to its user, through [`Engine::poll_event`](super::Engine).

use super::io::InterfaceId;
use crate::name::Name;
use crate::wire::{RecordData, Rtype};
use alloc::vec::Vec;
use core::fmt;
use core::net::{IpAddr, SocketAddr};

/// Identifies a browse, resolve, host lookup, type enumeration or one-shot query.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct QueryId(pub u32);

/// Identifies a registered service or host name.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct RegistrationId(pub u32);

/// A resolved service instance.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ResolvedService {
    /// Full instance name (`Kitchen._ipp._tcp.local.`).
    pub instance: Name,
    /// Target host of its SRV record.
    pub host: Name,
    /// Port.
    pub port: u16,
    /// SRV priority.
    pub priority: u16,
    /// SRV weight.
    pub weight: u16,
    /// TXT rdata as on the wire (decode with [`Txt::decode`](crate::sd::Txt)).
    pub txt: Vec<u8>,
    /// The host's addresses, each with the interface it was learnt on, sorted.
    pub addresses: Vec<(IpAddr, InterfaceId)>,
}

/// A record received in answer to a one-shot query.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AnswerRecord {
    /// Owner name.
    pub name: Name,
    /// Type.
    pub rtype: Rtype,
    /// TTL in seconds.
    pub ttl: u32,
    /// Cache-flush bit.
    pub cache_flush: bool,
    /// Data.
    pub data: RecordData,
    /// Who sent it.
    pub source: SocketAddr,
    /// Where it arrived.
    pub interface: InterfaceId,
}

/// Why a registration failed.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum RegistrationFailure {
    /// A conflict was found and renaming was not allowed.
    Conflict,
    /// No free name was found after many renames.
    NoFreeName,
}

impl fmt::Display for RegistrationFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            RegistrationFailure::Conflict => {
                "another host holds the name, and renaming was not allowed"
            }
            RegistrationFailure::NoFreeName => "no free name was found after many renames",
        })
    }
}

#[cfg(feature = "std")]
impl std::error::Error for RegistrationFailure {}

/// An event.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Event {
    /// A browse found an instance (per interface it is seen on).
    ServiceFound {
        /// The browse.
        query: QueryId,
        /// Full instance name.
        instance: Name,
        /// The browsed type name (`_http._tcp.local.` or a subtype name).
        service_type: Name,
        /// Where it was seen.
        interface: InterfaceId,
    },
    /// A browsed instance went away on an interface (goodbye or TTL expiry).
    ServiceRemoved {
        /// The browse.
        query: QueryId,
        /// Full instance name.
        instance: Name,
        /// The browsed type name.
        service_type: Name,
        /// Where it was lost.
        interface: InterfaceId,
    },
    /// A resolve has host, port, TXT and at least one address.
    ServiceResolved {
        /// The resolve.
        query: QueryId,
        /// What it resolved to.
        service: ResolvedService,
    },
    /// A resolved service changed (TXT, port, host or addresses).
    ServiceUpdated {
        /// The resolve.
        query: QueryId,
        /// Its new state.
        service: ResolvedService,
    },
    /// A resolved service's SRV record went away.
    ServiceLost {
        /// The resolve.
        query: QueryId,
        /// Full instance name.
        instance: Name,
    },
    /// A host lookup learnt an address.
    HostAddressAdded {
        /// The lookup.
        query: QueryId,
        /// Host name.
        host: Name,
        /// Address.
        addr: IpAddr,
        /// Where it was learnt.
        interface: InterfaceId,
    },
    /// A host address went away.
    HostAddressRemoved {
        /// The lookup.
        query: QueryId,
        /// Host name.
        host: Name,
        /// Address.
        addr: IpAddr,
        /// Where it was lost.
        interface: InterfaceId,
    },
    /// Service type enumeration found a type (RFC 6763 §9).
    ServiceTypeFound {
        /// The enumeration.
        query: QueryId,
        /// The type's name (`_http._tcp.local.`).
        service_type: Name,
        /// Where it was seen.
        interface: InterfaceId,
    },
    /// A service type went away.
    ServiceTypeRemoved {
        /// The enumeration.
        query: QueryId,
        /// The type's name.
        service_type: Name,
        /// Where it was lost.
        interface: InterfaceId,
    },
    /// A record answering a one-shot query.
    QueryAnswer {
        /// The query.
        query: QueryId,
        /// The record.
        record: AnswerRecord,
    },
    /// A one-shot query's collection time is over.
    QueryDone {
        /// The query.
        query: QueryId,
    },
    /// A reconfirmation's outcome (RFC 6762 §10.4), its last event.
    ServiceReconfirmed {
        /// The reconfirmation.
        query: QueryId,
        /// Full instance name.
        instance: Name,
        /// True: an SRV record of it arrived (it answers; what was answered is kept).
        /// False: nothing of it answered within the reconfirmation window, and its
        /// unanswered records were flushed.
        present: bool,
    },
    /// Probing started for a name.
    ProbingStarted {
        /// The registration.
        id: RegistrationId,
        /// The name being probed.
        name: Name,
    },
    /// Probing succeeded: the registration is published under `name`.
    Registered {
        /// The registration.
        id: RegistrationId,
        /// The name it got (may differ from the one asked for).
        name: Name,
    },
    /// A conflict made the registration pick a new name (RFC 6762 §9).
    Renamed {
        /// The registration.
        id: RegistrationId,
        /// Old name.
        from: Name,
        /// New name (probing starts for it).
        to: Name,
    },
    /// The registration could not be completed.
    RegistrationFailed {
        /// The registration.
        id: RegistrationId,
        /// Why.
        reason: RegistrationFailure,
    },
    /// Every goodbye of an unregistration or shutdown has been handed out.
    Unregistered {
        /// The registration.
        id: RegistrationId,
    },
}
