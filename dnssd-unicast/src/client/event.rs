//! What the client reports: the same kinds of events the mDNS engine gives
//! (`mdns_sansio::Event`: found, removed, resolved, updated, lost, host addresses,
//! registered, renamed, unregistered), addressed by ids the caller chose, so that a
//! layer above both can forward them unchanged; plus domain enumeration and the
//! errors a server can give.

use super::error::{QueryError, UpdateError};
use crate::names::DomainKind;
use alloc::vec::Vec;
use core::net::IpAddr;
use mdns_sansio::wire::Rtype;
use mdns_sansio::Name;

/// A browse, resolve, host look-up or domain enumeration, named by the caller.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SubId(pub u64);

/// A registration, named by the caller.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct RegId(pub u64);

/// A resolved service instance (the unicast counterpart of
/// `mdns_sansio::engine::ResolvedService`, without interfaces).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ResolvedService {
    /// Full instance name (`Web._http._tcp.example.com.`).
    pub instance: Name,
    /// Target host of its SRV record.
    pub host: Name,
    /// Port.
    pub port: u16,
    /// SRV priority.
    pub priority: u16,
    /// SRV weight.
    pub weight: u16,
    /// TXT rdata as on the wire (empty if the instance has no TXT record); decode
    /// with `mdns_sansio::Txt::decode`.
    pub txt: Vec<u8>,
    /// The host's addresses, IPv4 first, each family sorted. May be empty: unlike on
    /// a link, no later announcement would fill it, so a host without address records
    /// resolves without addresses.
    pub addresses: Vec<IpAddr>,
}

/// An event.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Event {
    /// A browse found an instance.
    ServiceFound {
        /// The browse.
        sub: SubId,
        /// Full instance name.
        instance: Name,
        /// The browsed name (`_http._tcp.example.com.` or a subtype name).
        service_type: Name,
    },
    /// A browsed instance is no longer listed (or its listing expired unrefreshed).
    ServiceRemoved {
        /// The browse.
        sub: SubId,
        /// Full instance name.
        instance: Name,
        /// The browsed name.
        service_type: Name,
    },
    /// A resolve has host, port, TXT and the host's addresses.
    ServiceResolved {
        /// The resolve.
        sub: SubId,
        /// What it resolved to.
        service: ResolvedService,
    },
    /// A resolved service changed (TXT, port, host or addresses).
    ServiceUpdated {
        /// The resolve.
        sub: SubId,
        /// Its new state.
        service: ResolvedService,
    },
    /// A resolved service's SRV record is gone.
    ServiceLost {
        /// The resolve.
        sub: SubId,
        /// Full instance name.
        instance: Name,
    },
    /// A host look-up learnt an address.
    HostAddressAdded {
        /// The look-up.
        sub: SubId,
        /// Host name.
        host: Name,
        /// Address.
        addr: IpAddr,
    },
    /// A host address is gone.
    HostAddressRemoved {
        /// The look-up.
        sub: SubId,
        /// Host name.
        host: Name,
        /// Address.
        addr: IpAddr,
    },
    /// Domain enumeration found a domain (RFC 6763 §11).
    DomainFound {
        /// The enumeration.
        sub: SubId,
        /// Which list it is on.
        kind: DomainKind,
        /// The domain.
        domain: Name,
    },
    /// A domain is no longer listed.
    DomainRemoved {
        /// The enumeration.
        sub: SubId,
        /// Which list it was on.
        kind: DomainKind,
        /// The domain.
        domain: Name,
    },
    /// A query of this subscription got no usable answer (reported once per failing
    /// stretch; the query is retried with backoff, and what was known stays until its
    /// TTL runs out).
    QueryFailed {
        /// The subscription.
        sub: SubId,
        /// The name asked about.
        name: Name,
        /// The type asked for.
        rtype: Rtype,
        /// Why.
        error: QueryError,
    },
    /// The registration is in the zone under `name`.
    Registered {
        /// The registration.
        id: RegId,
        /// The instance name it got.
        name: Name,
    },
    /// The name was taken by records that are not ours: a new one is tried.
    Renamed {
        /// The registration.
        id: RegId,
        /// Old name.
        from: Name,
        /// New name.
        to: Name,
    },
    /// An update was refused or got no answer; the registration is kept and sent
    /// again with backoff (reported once per failing stretch).
    RegistrationError {
        /// The registration.
        id: RegId,
        /// Why.
        error: UpdateError,
    },
    /// The registration was given up.
    RegistrationFailed {
        /// The registration.
        id: RegId,
        /// Why.
        error: UpdateError,
    },
    /// The registration's records were deleted (or the delete was given up after its
    /// attempts, reported as a `RegistrationError` first).
    Unregistered {
        /// The registration.
        id: RegId,
    },
}
