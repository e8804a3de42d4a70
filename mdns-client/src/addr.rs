//! Addresses users can connect to: each address a resolve or lookup gives comes with
//! the interface it was learnt on, which an IPv6 link-local address needs as its zone
//! (`fe80::1%eth0`: without it `connect()` cannot know the link), and the addresses come
//! in the order to try them ([`order_addresses`]). Pure: the interface addresses are
//! the engine's.

use alloc::vec::Vec;
use core::net::{IpAddr, SocketAddr, SocketAddrV4, SocketAddrV6};

use mdns_sansio::engine::{IfAddr, InterfaceId};

/// Which family comes first among addresses that are otherwise as good (see
/// [`order_addresses`]).
///
/// The default is IPv4: the services LAN devices publish listen on IPv4 far more
/// reliably than on IPv6 (many bind `0.0.0.0` only, or announce an IPv6 address on
/// which nothing listens), and it is the order python-zeroconf's `parsed_addresses()`
/// and most Bonjour browsers present. Applications that prefer IPv6 (RFC 6724's
/// default policy, Happy Eyeballs, RFC 8305) set [`PreferFamily::Ipv6`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum PreferFamily {
    /// IPv4 before IPv6.
    #[default]
    Ipv4,
    /// IPv6 before IPv4.
    Ipv6,
}

/// `ip` as a socket address for `port`; an IPv6 link-local address gets the index of
/// the interface it was learnt on as its scope id (its zone, RFC 4007 §11), which is
/// what `connect()` needs to reach it. Other addresses get none.
pub fn socket_addr(ip: IpAddr, interface: InterfaceId, port: u16) -> SocketAddr {
    match ip {
        IpAddr::V4(a) => SocketAddr::V4(SocketAddrV4::new(a, port)),
        IpAddr::V6(a) => {
            let scope = if is_link_local(ip) { interface.0 } else { 0 };
            SocketAddr::V6(SocketAddrV6::new(a, port, 0, scope))
        }
    }
}

/// True for IPv4 169.254/16 (RFC 3927) and IPv6 fe80::/10 (RFC 4291 §2.5.6).
pub fn is_link_local(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(a) => a.is_link_local(),
        IpAddr::V6(a) => a.segments()[0] & 0xffc0 == 0xfe80,
    }
}

/// True if `ip` lies in one of `prefixes` (the addresses and prefix lengths of an
/// interface): a host on the same subnet.
pub fn in_subnet(ip: IpAddr, prefixes: &[IfAddr]) -> bool {
    prefixes.iter().any(|p| match (ip, p.addr) {
        (IpAddr::V4(a), IpAddr::V4(b)) => {
            let len = u32::from(p.prefix_len.min(32));
            let mask = u32::MAX.checked_shl(32 - len).unwrap_or(0);
            len > 0 && u32::from(a) & mask == u32::from(b) & mask
        }
        (IpAddr::V6(a), IpAddr::V6(b)) => {
            let len = u32::from(p.prefix_len.min(128));
            let mask = u128::MAX.checked_shl(128 - len).unwrap_or(0);
            len > 0 && u128::from(a) & mask == u128::from(b) & mask
        }
        _ => false,
    })
}

/// Sorts `addrs` (each with the interface it was learnt on) into the order to try them:
///
/// 1. addresses one can route to (not link-local), before
/// 2. link-local ones (IPv4 169.254/16, IPv6 fe80::/10: usable only on that link, an
///    IPv6 one only with its zone), before
/// 3. loopback, unspecified and multicast addresses, which a peer should never have
///    announced;
///
/// within each, the family `prefer` asks for first; within a family, an address in a
/// subnet of the interface it was learnt on (`on_link` says which) before one that
/// needs a router. Ties keep their order (the sort is stable). This is RFC 6724's
/// destination order in small: matching scope (rule 2), precedence by family (rule 6,
/// the caller's choice here), longest matching prefix (rule 9, as same-subnet or not).
pub fn order_addresses(
    addrs: &mut [(IpAddr, InterfaceId)],
    prefer: PreferFamily,
    on_link: impl Fn(IpAddr, InterfaceId) -> bool,
) {
    addrs.sort_by_key(|&(ip, iface)| {
        let junk = ip.is_loopback() || ip.is_unspecified() || ip.is_multicast();
        let scope = if junk {
            2u8
        } else if is_link_local(ip) {
            1
        } else {
            0
        };
        let family = match (prefer, ip) {
            (PreferFamily::Ipv4, IpAddr::V4(_)) | (PreferFamily::Ipv6, IpAddr::V6(_)) => 0u8,
            _ => 1,
        };
        (scope, family, !on_link(ip, iface))
    });
}

/// A host's addresses as a lookup gives them: each with the interface it was learnt
/// on, in the order to try them ([`order_addresses`]).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct HostAddresses {
    /// The addresses and where each was learnt; never empty in a lookup's answer.
    pub addresses: Vec<(IpAddr, InterfaceId)>,
}

impl HostAddresses {
    /// The addresses without interfaces, in order, each once.
    pub fn ips(&self) -> Vec<IpAddr> {
        let mut v: Vec<IpAddr> = Vec::with_capacity(self.addresses.len());
        for (a, _) in &self.addresses {
            if !v.contains(a) {
                v.push(*a);
            }
        }
        v
    }

    /// The addresses as socket addresses for `port`, in order, IPv6 link-local ones
    /// with their zone (see [`socket_addr`]).
    pub fn socket_addrs(&self, port: u16) -> Vec<SocketAddr> {
        let mut v: Vec<SocketAddr> = Vec::with_capacity(self.addresses.len());
        for &(a, i) in &self.addresses {
            let s = socket_addr(a, i, port);
            if !v.contains(&s) {
                v.push(s);
            }
        }
        v
    }

    /// True if there is none.
    pub fn is_empty(&self) -> bool {
        self.addresses.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    fn pfx(s: &str, len: u8) -> IfAddr {
        IfAddr {
            addr: ip(s),
            prefix_len: len,
        }
    }

    #[test]
    fn link_local_ipv6_gets_the_zone_of_its_interface_and_nothing_else_does() {
        let eth1 = InterfaceId(3);
        assert_eq!(
            socket_addr(ip("fe80::1"), eth1, 80),
            SocketAddr::V6(SocketAddrV6::new("fe80::1".parse().unwrap(), 80, 0, 3))
        );
        assert_eq!(
            socket_addr(ip("fd00::1"), eth1, 80),
            "[fd00::1]:80".parse::<SocketAddr>().unwrap()
        );
        assert_eq!(
            socket_addr(ip("10.0.0.1"), eth1, 80),
            "10.0.0.1:80".parse::<SocketAddr>().unwrap()
        );
        assert!(is_link_local(ip("febf::1")));
        assert!(!is_link_local(ip("fec0::1")));
        assert!(is_link_local(ip("169.254.3.4")));
    }

    #[test]
    fn subnets_by_prefix_length() {
        let eth0 = [pfx("192.168.1.10", 24), pfx("2001:db8:1::10", 64)];
        assert!(in_subnet(ip("192.168.1.77"), &eth0));
        assert!(!in_subnet(ip("192.168.2.77"), &eth0));
        assert!(in_subnet(ip("2001:db8:1::99"), &eth0));
        assert!(!in_subnet(ip("2001:db8:2::99"), &eth0));
        assert!(in_subnet(ip("10.1.2.3"), &[pfx("10.0.0.1", 8)]));
        assert!(in_subnet(ip("10.0.0.1"), &[pfx("10.0.0.1", 32)]));
        assert!(!in_subnet(ip("10.0.0.2"), &[pfx("10.0.0.1", 32)]));
        // A zero-length prefix says nothing about the link.
        assert!(!in_subnet(ip("8.8.8.8"), &[pfx("10.0.0.1", 0)]));
    }

    /// The rule: routable before link-local before junk; the preferred family first
    /// within each; same subnet before routed within a family; ties stable.
    #[test]
    fn addresses_come_in_the_order_to_try_them() {
        let (eth0, wlan0) = (InterfaceId(2), InterfaceId(3));
        let subnets = |i: InterfaceId| -> Vec<IfAddr> {
            if i == eth0 {
                vec![pfx("192.168.1.10", 24), pfx("2001:db8:1::10", 64)]
            } else {
                vec![pfx("10.0.0.5", 24)]
            }
        };
        let on_link = |a: IpAddr, i: InterfaceId| in_subnet(a, &subnets(i));
        let input = vec![
            (ip("::1"), eth0),
            (ip("fe80::2"), eth0),
            (ip("169.254.7.7"), eth0),
            (ip("2001:db8:9::2"), eth0),
            (ip("2001:db8:1::2"), eth0),
            (ip("172.16.0.2"), eth0),
            (ip("192.168.1.2"), eth0),
            (ip("fe80::2"), wlan0),
            (ip("10.0.0.9"), wlan0),
        ];
        let mut v4 = input.clone();
        order_addresses(&mut v4, PreferFamily::Ipv4, on_link);
        assert_eq!(
            v4,
            [
                (ip("192.168.1.2"), eth0),
                (ip("10.0.0.9"), wlan0),
                (ip("172.16.0.2"), eth0),
                (ip("2001:db8:1::2"), eth0),
                (ip("2001:db8:9::2"), eth0),
                (ip("169.254.7.7"), eth0),
                (ip("fe80::2"), eth0),
                (ip("fe80::2"), wlan0),
                (ip("::1"), eth0),
            ]
        );
        let mut v6 = input.clone();
        order_addresses(&mut v6, PreferFamily::Ipv6, on_link);
        assert_eq!(
            v6,
            [
                (ip("2001:db8:1::2"), eth0),
                (ip("2001:db8:9::2"), eth0),
                (ip("192.168.1.2"), eth0),
                (ip("10.0.0.9"), wlan0),
                (ip("172.16.0.2"), eth0),
                (ip("fe80::2"), eth0),
                (ip("fe80::2"), wlan0),
                (ip("169.254.7.7"), eth0),
                (ip("::1"), eth0),
            ]
        );
        let h = HostAddresses { addresses: v6 };
        let s = h.socket_addrs(631);
        assert_eq!(s[0], "[2001:db8:1::2]:631".parse::<SocketAddr>().unwrap());
        // The same link-local address on two links: two socket addresses, two zones.
        assert!(s.contains(&SocketAddr::V6(SocketAddrV6::new(
            "fe80::2".parse().unwrap(),
            631,
            0,
            2
        ))));
        assert!(s.contains(&SocketAddr::V6(SocketAddrV6::new(
            "fe80::2".parse().unwrap(),
            631,
            0,
            3
        ))));
        assert_eq!(h.ips().len(), 8);
    }
}
