//! What an application asks for: a [`Request`] (the [`SubscriptionId`](crate::SubscriptionId)
//! that names it from then on is in `id`). Also the one rule that decides who serves a
//! request: names in the multicast DNS domains (`domain`) go to the mDNS engine, every
//! other domain to the unicast [`Backend`](crate::Backend).
//!
//! The subscription state itself lives in `subs`; the routing of answers in `route`.

use core::time::Duration;

use mdns_sansio::sd::{InstanceName, ServiceType};
use mdns_sansio::wire::Rtype;
use mdns_sansio::Name;

use crate::domain::{is_mdns_name, local_domain};
use crate::info::ServiceInfo;

/// One thing to subscribe to. Every request names its domain (explicitly, or as the
/// suffix of the name it asks about): `local.` and the link-local reverse-mapping
/// domains are served by the mDNS engine, anything else by the client's unicast
/// [`Backend`](crate::Backend). The constructors ([`Request::browse`], …) make requests
/// in `local.`.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Request {
    /// Instances of a service type (a subtype if it has one) come and go
    /// ([`BrowseEvent::Found`](crate::BrowseEvent) / `Removed`). With `resolve`, every
    /// instance found is also resolved while it is seen (`Resolved` / `Updated`).
    Browse {
        /// The type.
        service_type: ServiceType,
        /// The domain browsed (`local.`).
        domain: Name,
        /// Also resolve every instance found.
        resolve: bool,
    },
    /// One instance to host, port, TXT and addresses, once: the first answer with
    /// addresses of both families, else the latest answer
    /// [`answer_linger`](crate::Config::answer_linger) after the first one, else
    /// [`Error::Timeout`](crate::Error) at `timeout`. One
    /// [`Event::Resolved`](crate::Event) ends it.
    Resolve {
        /// The instance.
        instance: InstanceName,
        /// Its type.
        service_type: ServiceType,
        /// Its domain (`local.`).
        domain: Name,
        /// How long to wait for a first answer.
        timeout: Duration,
    },
    /// A host's addresses, once: the first one and whatever arrives within
    /// [`answer_linger`](crate::Config::answer_linger) after it, else
    /// [`Error::Timeout`](crate::Error) at `timeout`. One
    /// [`Event::HostAddresses`](crate::Event) ends it.
    LookupHost {
        /// The host name (`box.local.`); its suffix is its domain.
        host: Name,
        /// How long to wait for a first address.
        timeout: Duration,
    },
    /// A host's addresses as they come and go ([`HostEvent`](crate::HostEvent)).
    WatchHost {
        /// The host name.
        host: Name,
    },
    /// The service types on the network (RFC 6763 §9, [`TypeEvent`](crate::TypeEvent)).
    ServiceTypes {
        /// The domain enumerated (`local.`).
        domain: Name,
    },
    /// One one-shot query (RFC 6762 §5.1): every answering record
    /// ([`Event::Answer`](crate::Event)) until the collection time is over
    /// ([`Event::QueryDone`](crate::Event), which ends it).
    Query {
        /// The name asked about; its suffix is its domain.
        name: Name,
        /// The record type.
        rtype: Rtype,
    },
    /// Publishes a service ([`RegistrationEvent`](crate::RegistrationEvent)s tell how
    /// it goes).
    Register(ServiceInfo),
    /// Browse and registration domains ([`DomainEvent`](crate::DomainEvent),
    /// RFC 6763 §11): the domains listed under `base`, or (`None`) under the backend's
    /// default bases, the search domains and the reverse-mapping names of the host's
    /// networks. Always served by the unicast backend (`local.` needs no enumeration: it
    /// is always a browse and registration domain).
    BrowseDomains {
        /// The domain whose lists are read; `None`: the backend's defaults.
        base: Option<Name>,
    },
    /// Reconfirms an instance an application failed to reach (RFC 6762 §10.4): its
    /// records are asked for again and flushed if nothing answers. One
    /// [`Event::Reconfirmed`](crate::Event) ends it.
    Reconfirm {
        /// The instance.
        instance: InstanceName,
        /// Its type.
        service_type: ServiceType,
        /// Its domain (`local.`: reconfirmation is multicast DNS's).
        domain: Name,
    },
}

impl Request {
    /// Browses `service_type` in `local.`.
    pub fn browse(service_type: ServiceType) -> Self {
        Request::Browse {
            service_type,
            domain: local_domain(),
            resolve: false,
        }
    }

    /// Browses `service_type` in `local.` and resolves every instance found.
    pub fn browse_resolving(service_type: ServiceType) -> Self {
        Request::Browse {
            service_type,
            domain: local_domain(),
            resolve: true,
        }
    }

    /// Resolves `instance` of `service_type` in `local.`.
    pub fn resolve(instance: InstanceName, service_type: ServiceType, timeout: Duration) -> Self {
        Request::Resolve {
            instance,
            service_type,
            domain: local_domain(),
            timeout,
        }
    }

    /// Looks up `host`'s addresses once.
    pub fn lookup_host(host: Name, timeout: Duration) -> Self {
        Request::LookupHost { host, timeout }
    }

    /// Watches `host`'s addresses.
    pub fn watch_host(host: Name) -> Self {
        Request::WatchHost { host }
    }

    /// Enumerates the service types in `local.`.
    pub fn service_types() -> Self {
        Request::ServiceTypes {
            domain: local_domain(),
        }
    }

    /// One one-shot query for `name` and `rtype`.
    pub fn query(name: Name, rtype: Rtype) -> Self {
        Request::Query { name, rtype }
    }

    /// Reconfirms `instance` of `service_type` in `local.` (RFC 6762 §10.4).
    pub fn reconfirm(instance: InstanceName, service_type: ServiceType) -> Self {
        Request::Reconfirm {
            instance,
            service_type,
            domain: local_domain(),
        }
    }

    /// Publishes `info`.
    pub fn register(info: ServiceInfo) -> Self {
        Request::Register(info)
    }

    /// Browses `service_type` in `domain` (`local.`: multicast DNS; any other: the
    /// unicast backend), resolving every instance found if `resolve`.
    pub fn browse_in(service_type: ServiceType, domain: Name, resolve: bool) -> Self {
        Request::Browse {
            service_type,
            domain,
            resolve,
        }
    }

    /// Resolves `instance` of `service_type` in `domain`.
    pub fn resolve_in(
        instance: InstanceName,
        service_type: ServiceType,
        domain: Name,
        timeout: Duration,
    ) -> Self {
        Request::Resolve {
            instance,
            service_type,
            domain,
            timeout,
        }
    }

    /// Enumerates the service types in `domain`.
    pub fn service_types_in(domain: Name) -> Self {
        Request::ServiceTypes { domain }
    }

    /// Enumerates browse and registration domains under `base` (`None`: the
    /// backend's defaults).
    pub fn browse_domains(base: Option<Name>) -> Self {
        Request::BrowseDomains { base }
    }

    /// True if the mDNS engine serves this request; false if the unicast backend
    /// does. DNS-SD requests (browse, resolve, type enumeration, registration) are
    /// mDNS in `local.`; names (hosts, one-shot queries) in any mDNS domain (see
    /// [`is_mdns_name`]).
    pub fn is_mdns(&self) -> bool {
        match self {
            Request::Browse { domain, .. }
            | Request::Resolve { domain, .. }
            | Request::ServiceTypes { domain } => *domain == local_domain(),
            Request::LookupHost { host, .. } | Request::WatchHost { host } => is_mdns_name(host),
            Request::Query { name, .. } => is_mdns_name(name),
            Request::Register(info) => info.domain == local_domain(),
            Request::BrowseDomains { .. } => false,
            Request::Reconfirm { domain, .. } => *domain == local_domain(),
        }
    }

    /// The domain the request is in: the one it names, or for a name (host, query)
    /// everything after its first label; for a domain enumeration, its base (the root
    /// for the backend's defaults).
    pub fn domain(&self) -> Name {
        match self {
            Request::Browse { domain, .. }
            | Request::Resolve { domain, .. }
            | Request::ServiceTypes { domain } => domain.clone(),
            Request::LookupHost { host: n, .. }
            | Request::WatchHost { host: n }
            | Request::Query { name: n, .. } => n.parent(),
            Request::Register(info) => info.domain.clone(),
            Request::BrowseDomains { base } => base.clone().unwrap_or_else(Name::root),
            Request::Reconfirm { domain, .. } => domain.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn n(s: &str) -> Name {
        Name::parse(s).unwrap()
    }

    #[test]
    fn rfc6762_3_and_4_mdns_domains() {
        assert!(is_mdns_name(&n("box.local.")));
        assert!(is_mdns_name(&n("BOX.LOCAL.")));
        assert!(is_mdns_name(&n("local.")));
        assert!(is_mdns_name(&n("5.1.254.169.in-addr.arpa.")));
        assert!(is_mdns_name(&n("1.0.0.0.8.e.f.ip6.arpa.")));
        assert!(is_mdns_name(&n("b.e.f.ip6.arpa.")));
        assert!(!is_mdns_name(&n("c.e.f.ip6.arpa.")));
        assert!(!is_mdns_name(&n("box.example.com.")));
        assert!(!is_mdns_name(&n("local.example.")));
        assert!(!is_mdns_name(&n("5.1.168.192.in-addr.arpa.")));
        assert!(!is_mdns_name(&Name::root()));
    }

    #[test]
    fn requests_name_their_domain() {
        let ty = ServiceType::new("_http._tcp").unwrap();
        let r = Request::browse(ty.clone());
        assert!(r.is_mdns());
        assert_eq!(r.domain(), n("local."));
        let r = Request::Browse {
            service_type: ty,
            domain: n("example.com."),
            resolve: true,
        };
        assert!(!r.is_mdns());
        assert_eq!(r.domain(), n("example.com."));
        let r = Request::lookup_host(n("box.example.com."), Duration::from_secs(1));
        assert!(!r.is_mdns());
        assert_eq!(r.domain(), n("example.com."));
    }
}
