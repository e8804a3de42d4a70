//! The client's configuration: which servers answer for which domains, with which
//! TSIG keys, and its timings.

use crate::key::TsigKey;
use crate::resolv::ResolvConf;
use crate::wire::edns::DEFAULT_UDP_PAYLOAD;
use alloc::vec::Vec;
use core::net::SocketAddr;
use core::time::Duration;
use mdns_sansio::Name;

/// Servers and a key for one domain (and the names under it).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DomainConfig {
    /// The domain.
    pub domain: Name,
    /// Servers asked about names in it and sent its updates, in order (empty: the
    /// client's default servers).
    pub servers: Vec<SocketAddr>,
    /// The key that signs updates in it (and queries too, if `sign_queries`).
    pub key: Option<TsigKey>,
    /// The zone its updates name (RFC 2136 §2.3); `None`: the domain itself.
    pub zone: Option<Name>,
    /// Sign queries as well as updates (the server then signs its answers, and an
    /// answer without a valid signature is dropped).
    pub sign_queries: bool,
}

impl DomainConfig {
    /// A domain served by `servers`, unsigned.
    pub fn new(domain: Name, servers: Vec<SocketAddr>) -> Self {
        DomainConfig {
            domain,
            servers,
            key: None,
            zone: None,
            sign_queries: false,
        }
    }

    /// The same, with updates (and, if `sign_queries`, queries) signed by `key`.
    pub fn with_key(mut self, key: TsigKey, sign_queries: bool) -> Self {
        self.key = Some(key);
        self.sign_queries = sign_queries;
        self
    }
}

/// The client's configuration.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct ClientConfig {
    /// Default servers (the system resolver's, see [`ClientConfig::from_resolv_conf`]).
    pub servers: Vec<SocketAddr>,
    /// Domains with servers or keys of their own; the longest matching suffix wins.
    pub domains: Vec<DomainConfig>,
    /// The search list: the default domains to enumerate (RFC 6763 §11).
    pub search_domains: Vec<Name>,
    /// The UDP payload size advertised with EDNS(0) (RFC 6891 §6.2.5).
    pub udp_payload: u16,
    /// Wait for the first answer to a request before trying again.
    pub initial_rto: Duration,
    /// Longest wait between attempts (the backoff doubles up to it).
    pub max_rto: Duration,
    /// Rounds over the servers before a query is reported failed (it is then retried
    /// with backoff).
    pub query_rounds: u32,
    /// Rounds over the servers before an update's failure is reported (the update goes
    /// on being sent, with backoff).
    pub update_rounds: u32,
    /// Attempts at deleting a registration before giving up.
    pub delete_attempts: u32,
    /// Longest time between two queries of a name a subscription watches, even when
    /// the answer's TTL is longer: unicast DNS has no announcements, so this bounds
    /// how late a new service is seen.
    pub max_poll: Duration,
    /// Shortest time between two queries of a name.
    pub min_refresh: Duration,
    /// How long a negative answer without an SOA record holds.
    pub default_negative_ttl: Duration,
    /// The lease asked for in updates (RFC 9664 §4); refreshed at 80% of what the
    /// server grants (or of this, if the server says nothing).
    pub lease: Duration,
    /// The TTL of published records.
    pub record_ttl: u32,
    /// Most renames of one registration before it fails.
    pub max_renames: u32,
}

impl Default for ClientConfig {
    fn default() -> Self {
        ClientConfig {
            servers: Vec::new(),
            domains: Vec::new(),
            search_domains: Vec::new(),
            udp_payload: DEFAULT_UDP_PAYLOAD,
            initial_rto: Duration::from_secs(1),
            max_rto: Duration::from_secs(60),
            query_rounds: 3,
            update_rounds: 2,
            delete_attempts: 4,
            max_poll: Duration::from_secs(60),
            min_refresh: Duration::from_secs(1),
            default_negative_ttl: Duration::from_secs(60),
            // RFC 9665 §5.1's SRP default, which mDNSResponder's wide-area updates use.
            lease: Duration::from_secs(7200),
            record_ttl: 120,
            max_renames: 100,
        }
    }
}

impl ClientConfig {
    /// The defaults, with the servers and search list of `resolv.conf`.
    pub fn from_resolv_conf(conf: &ResolvConf) -> Self {
        ClientConfig {
            servers: conf.nameservers.clone(),
            search_domains: conf.search.clone(),
            ..ClientConfig::default()
        }
    }

    /// The defaults, with the system's servers and search list (`/etc/resolv.conf`).
    #[cfg(feature = "std")]
    pub fn system() -> Self {
        Self::from_resolv_conf(&crate::resolv::system())
    }

    /// The domain configuration that covers `name` (longest suffix), if any.
    pub fn domain_for(&self, name: &Name) -> Option<&DomainConfig> {
        self.domains
            .iter()
            .filter(|d| name.ends_with(&d.domain))
            .max_by_key(|d| d.domain.label_count())
    }

    /// The servers for `name`: its domain's, or the defaults.
    pub fn servers_for(&self, name: &Name) -> Vec<SocketAddr> {
        match self.domain_for(name) {
            Some(d) if !d.servers.is_empty() => d.servers.clone(),
            _ => self.servers.clone(),
        }
    }
}
