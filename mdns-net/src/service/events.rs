//! What subscribers receive: browse, host, type and registration events.

use std::net::IpAddr;

use mdns_proto::engine::InterfaceId;
use mdns_proto::sd::{InstanceName, ServiceType, Txt};
use mdns_proto::Name;

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
    /// The host's addresses, each with the interface it was learnt on, sorted.
    pub addresses: Vec<(IpAddr, InterfaceId)>,
}

impl ResolvedService {
    /// From the engine's form; None if the instance name is not a service instance
    /// name (`<Instance>.<_service>.<_proto>.local.`).
    pub fn from_engine(s: mdns_proto::engine::ResolvedService) -> Option<Self> {
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

    /// The addresses without interfaces, deduplicated.
    pub fn ips(&self) -> Vec<IpAddr> {
        let mut v: Vec<IpAddr> = self.addresses.iter().map(|(a, _)| *a).collect();
        v.sort();
        v.dedup();
        v
    }
}

/// What a browse reports.
#[derive(Clone, Debug, PartialEq, Eq)]
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
    /// (Resolving browses only.) An instance's host, port, TXT and an address are known.
    Resolved(ResolvedService),
    /// (Resolving browses only.) A resolved instance changed.
    Updated(ResolvedService),
}

/// What watching a host name reports.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HostEvent {
    /// An address was learnt.
    Added(IpAddr, InterfaceId),
    /// An address went away.
    Removed(IpAddr, InterfaceId),
}

/// What service type enumeration reports (RFC 6763 §9).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TypeEvent {
    /// A type was seen on an interface.
    Found(ServiceType, InterfaceId),
    /// A type went away on an interface.
    Removed(ServiceType, InterfaceId),
}

/// What a registration reports.
#[derive(Clone, Debug, PartialEq, Eq)]
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
    /// A conflict made the registration move to a new name (probing starts again).
    Renamed {
        /// Old name.
        from: InstanceName,
        /// New name.
        to: InstanceName,
    },
    /// The registration could not be completed; no more events follow.
    Failed(String),
}
