//! The system resolver configuration: `resolv.conf` (resolv.conf(5)) read from text,
//! so the pure core takes it as input; [`system`] reads `/etc/resolv.conf` (with the
//! `std` feature).
//!
//! Kept: `nameserver` lines (port 53; at most [`MAX_NAMESERVERS`], as the C library
//! uses), and the search list (`search`, or `domain`; the last of the two wins, as in
//! resolv.conf(5)). An IPv6 link-local server with a zone (`fe80::1%eth0`) is skipped:
//! its interface index is the OS's to resolve. Other lines are ignored.

use alloc::vec::Vec;
use core::net::{IpAddr, SocketAddr};
use mdns_sansio::Name;

/// Name servers the C library uses from `resolv.conf` (its MAXNS).
pub const MAX_NAMESERVERS: usize = 3;

/// The DNS port (RFC 1035 §4.2).
pub const DNS_PORT: u16 = 53;

/// What `resolv.conf` says.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ResolvConf {
    /// Name servers, in order.
    pub nameservers: Vec<SocketAddr>,
    /// The search list (domains, in order).
    pub search: Vec<Name>,
}

impl ResolvConf {
    /// Reads `resolv.conf` text. Lines it does not understand are skipped.
    pub fn parse(text: &str) -> ResolvConf {
        let mut out = ResolvConf::default();
        for line in text.lines() {
            let line = line.split(['#', ';']).next().unwrap_or("");
            let mut words = line.split_whitespace();
            match words.next() {
                Some("nameserver") => {
                    let Some(addr) = words.next().and_then(|w| w.parse::<IpAddr>().ok()) else {
                        continue;
                    };
                    if out.nameservers.len() < MAX_NAMESERVERS {
                        out.nameservers.push(SocketAddr::new(addr, DNS_PORT));
                    }
                }
                Some("search") | Some("domain") => {
                    out.search = words
                        .filter_map(|w| Name::parse(w).ok())
                        .filter(|n| !n.is_root())
                        .collect();
                }
                _ => {}
            }
        }
        out
    }
}

/// Reads `/etc/resolv.conf`; an empty configuration if it cannot be read.
#[cfg(feature = "std")]
pub fn system() -> ResolvConf {
    std::fs::read_to_string("/etc/resolv.conf")
        .map(|t| ResolvConf::parse(&t))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec;

    #[test]
    fn resolv_conf_servers_and_search_list() {
        let c = ResolvConf::parse(
            "# generated\nnameserver 192.0.2.53\nnameserver 2001:db8::53 # v6\n\
             nameserver fe80::1%eth0\nnameserver bogus\ndomain old.example\n\
             search corp.example  example.com.\noptions ndots:2\n\
             nameserver 192.0.2.54\nnameserver 192.0.2.55\n",
        );
        assert_eq!(
            c.nameservers,
            vec![
                "192.0.2.53:53".parse().unwrap(),
                "[2001:db8::53]:53".parse().unwrap(),
                "192.0.2.54:53".parse().unwrap(),
            ]
        );
        assert_eq!(
            c.search,
            vec![
                Name::parse("corp.example").unwrap(),
                Name::parse("example.com").unwrap()
            ]
        );
    }
}
