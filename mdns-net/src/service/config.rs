//! [`MdnsConfig`]: what an `Mdns` instance runs on and as.

use std::io::Read;

use dnssd_unicast::ClientConfig as UnicastConfig;
use mdns_sansio::Name;

use super::Error;
use crate::iface::{InterfaceConfig, InterfaceSelector};

/// Settings of an `Mdns` instance, shared by every adapter.
#[derive(Clone, Debug)]
pub struct MdnsConfig {
    /// Only these interfaces; empty means every multicast-capable one (loopback aside).
    pub interfaces: Vec<InterfaceSelector>,
    /// Use IPv4 (224.0.0.251).
    pub ipv4: bool,
    /// Use IPv6 (ff02::fb).
    pub ipv6: bool,
    /// Also run on the loopback interface (it must have `IFF_MULTICAST`).
    pub include_loopback: bool,
    /// The host name registered services point at (`myhost.local.`). `None`: the
    /// machine's host name with `-mdns` appended, see [`default_host_name`]. The
    /// machine's own name is not claimed by default: the OS responder (Avahi) already
    /// owns it and would rename itself on the conflict.
    pub host_name: Option<Name>,
    /// Seed of the engine's randomness. `None`: from the OS random source.
    pub seed: Option<u64>,
    /// Engine settings (its `seed` is replaced by [`MdnsConfig::seed`]).
    pub engine: mdns_sansio::Config,
    /// Unicast DNS-SD, for browsing, resolving and publishing in domains other than
    /// `local.`: the DNS servers (for every domain, and per domain with its TSIG key),
    /// the search domains, the timings. `None`: the system resolver's configuration,
    /// see [`MdnsConfig::unicast_config`].
    pub unicast: Option<UnicastConfig>,
}

impl Default for MdnsConfig {
    fn default() -> Self {
        MdnsConfig {
            interfaces: Vec::new(),
            ipv4: true,
            ipv6: true,
            include_loopback: false,
            host_name: None,
            seed: None,
            engine: mdns_sansio::Config::default(),
            unicast: None,
        }
    }
}

impl MdnsConfig {
    /// The driver's interface selection.
    pub fn interface_config(&self) -> InterfaceConfig {
        InterfaceConfig {
            only: self.interfaces.clone(),
            ipv4: self.ipv4,
            ipv6: self.ipv6,
            include_loopback: self.include_loopback,
        }
    }

    /// The host name to use: the configured one (a single label gets `.local.`
    /// appended), or [`default_host_name`].
    pub fn resolved_host_name(&self) -> Result<Name, Error> {
        match &self.host_name {
            Some(n) if n.label_count() == 1 => n
                .concat(&mdns_sansio_client::local_domain())
                .map_err(Error::InvalidHostName),
            Some(n) => Ok(n.clone()),
            None => Ok(default_host_name()),
        }
    }

    /// The unicast configuration to use: the configured one, or the system resolver's
    /// servers and search domains. Those are read from `/etc/resolv.conf` on Linux,
    /// macOS, FreeBSD (wherever the file exists), and from the adapters that are up on
    /// Windows (`GetAdaptersAddresses`: their DNS servers and DNS suffixes). Where
    /// neither is there (iOS, Android apps) the default is no server, and a request in
    /// a domain without servers is answered with "no DNS server is configured": give
    /// them in [`MdnsConfig::unicast`].
    pub fn unicast_config(&self) -> UnicastConfig {
        self.unicast.clone().unwrap_or_else(system_unicast_config)
    }

    /// The same, with `domain` (its servers, its TSIG key) added to the unicast
    /// configuration (the system resolver's if none was set).
    pub fn with_unicast_domain(mut self, domain: dnssd_unicast::client::DomainConfig) -> Self {
        let mut u = self.unicast_config();
        u.domains.push(domain);
        self.unicast = Some(u);
        self
    }

    /// The seed to use.
    pub fn resolved_seed(&self) -> u64 {
        self.seed.unwrap_or_else(os_seed)
    }
}

/// The system resolver's configuration (see [`MdnsConfig::unicast_config`]).
fn system_unicast_config() -> UnicastConfig {
    match crate::sys::system_dns() {
        Some((servers, suffixes)) => {
            let conf = dnssd_unicast::resolv::ResolvConf {
                nameservers: servers
                    .into_iter()
                    .map(|ip| std::net::SocketAddr::new(ip, dnssd_unicast::resolv::DNS_PORT))
                    .collect(),
                search: suffixes
                    .iter()
                    .filter_map(|s| Name::parse(s).ok())
                    .filter(|n| !n.is_root())
                    .collect(),
            };
            UnicastConfig::from_resolv_conf(&conf)
        }
        None => UnicastConfig::system(),
    }
}

/// Parses a host name as given by a user: `box` means `box.local.`.
pub fn host_name(text: &str) -> Result<Name, Error> {
    mdns_sansio_client::host_name(text).map_err(Error::from)
}

/// `<machine host name>-mdns.local.`: the first label of `gethostname(2)`, reduced to
/// letters, digits and hyphens (`mdns` if nothing is left).
pub fn default_host_name() -> Name {
    let raw = crate::sys::hostname();
    let first = raw.split('.').next().unwrap_or("");
    let mut label: String = first
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect::<String>()
        .trim_matches('-')
        .to_string();
    if label.is_empty() {
        label = "mdns".into();
    }
    label.truncate(63 - "-mdns".len());
    Name::parse(&format!("{label}-mdns.local.")).expect("a letters-digits-hyphens label")
}

/// 64 bits from the OS random source, or, if it cannot be read, from the keys std
/// seeds its hash maps with (themselves from the OS's randomness) and the pid.
fn os_seed() -> u64 {
    let mut b = [0u8; 8];
    if std::fs::File::open("/dev/urandom")
        .and_then(|mut f| f.read_exact(&mut b))
        .is_ok()
    {
        return u64::from_ne_bytes(b);
    }
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u32(std::process::id());
    h.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_host_name_is_not_the_machine_name() {
        let n = default_host_name();
        let text = n.to_string();
        assert!(text.ends_with("-mdns.local."), "{text}");
        assert_eq!(n.label_count(), 2);
    }

    #[test]
    fn single_label_host_gets_local() {
        assert_eq!(host_name("box").unwrap().to_string(), "box.local.");
        assert_eq!(host_name("box.local").unwrap().to_string(), "box.local.");
        let c = MdnsConfig {
            host_name: Some(Name::parse("box").unwrap()),
            ..Default::default()
        };
        assert_eq!(c.resolved_host_name().unwrap().to_string(), "box.local.");
    }
}
