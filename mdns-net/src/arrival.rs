//! Which interface in use a received datagram belongs to: the arrival interface the OS
//! reported, the owner of our own looped-back source address, or, where the OS gave no
//! arrival interface, the one interface whose subnet holds the source. Pure.

use std::collections::{BTreeMap, BTreeSet};
use std::net::IpAddr;

use mdns_sansio::engine::{Family, IfAddr, InterfaceId};

use crate::iface::ActiveInterface;

/// The interface in use a datagram belongs to.
///
/// - The arrival interface the OS reported, if its group is joined there.
/// - A datagram from one of our own addresses to another arrives on the loopback
///   interface: it is credited to the interface that owns the source address.
/// - No arrival interface at all (an OS or kernel that gave no packet info): the one
///   interface in use whose subnet holds the source address; if none or several do, the
///   datagram is dropped (and counted) rather than answered on a guess.
pub(crate) fn arrival_interface(
    ifindex: Option<u32>,
    source: IpAddr,
    fam: Family,
    joined: &BTreeSet<(InterfaceId, Family)>,
    active: &BTreeMap<InterfaceId, ActiveInterface>,
) -> Option<InterfaceId> {
    if let Some(i) = ifindex {
        let id = InterfaceId(i);
        if joined.contains(&(id, fam)) {
            return Some(id);
        }
        return active
            .iter()
            .find(|(_, i)| i.addrs.iter().any(|a| a.addr == source))
            .map(|(id, _)| *id);
    }
    let mut on_link = active
        .iter()
        .filter(|(_, i)| i.addrs.iter().any(|a| in_subnet(a, &source)))
        .map(|(id, _)| *id);
    match (on_link.next(), on_link.next()) {
        (Some(id), None) => Some(id),
        _ => None,
    }
}

/// Whether `ip` lies in the subnet of `a`.
fn in_subnet(a: &IfAddr, ip: &IpAddr) -> bool {
    match (a.addr, ip) {
        (IpAddr::V4(n), IpAddr::V4(x)) => {
            let bits = u32::from(a.prefix_len.min(32));
            let mask = u32::MAX.checked_shl(32 - bits).unwrap_or(0);
            u32::from(n) & mask == u32::from(*x) & mask
        }
        (IpAddr::V6(n), IpAddr::V6(x)) => {
            let bits = u32::from(a.prefix_len.min(128));
            let mask = u128::MAX.checked_shl(128 - bits).unwrap_or(0);
            u128::from(n) & mask == u128::from(*x) & mask
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn active(list: &[(u32, &[(&str, u8)])]) -> BTreeMap<InterfaceId, ActiveInterface> {
        list.iter()
            .map(|(id, addrs)| {
                (
                    InterfaceId(*id),
                    ActiveInterface {
                        name: format!("if{id}"),
                        addrs: addrs
                            .iter()
                            .map(|(a, p)| IfAddr {
                                addr: a.parse().unwrap(),
                                prefix_len: *p,
                            })
                            .collect(),
                    },
                )
            })
            .collect()
    }

    #[test]
    fn arrival_interface_from_packet_info_or_own_source() {
        let act = active(&[(2, &[("10.0.0.1", 24)]), (3, &[("10.0.1.1", 24)])]);
        let joined: BTreeSet<_> = [(InterfaceId(2), Family::V4), (InterfaceId(3), Family::V4)]
            .into_iter()
            .collect();
        let src: IpAddr = "10.0.1.7".parse().unwrap();
        assert_eq!(
            arrival_interface(Some(2), src, Family::V4, &joined, &act),
            Some(InterfaceId(2))
        );
        // Our own datagram looped back on `lo` (index 1): credited to its owner.
        let own: IpAddr = "10.0.1.1".parse().unwrap();
        assert_eq!(
            arrival_interface(Some(1), own, Family::V4, &joined, &act),
            Some(InterfaceId(3))
        );
        // On an interface not in use, from a stranger: dropped.
        assert_eq!(
            arrival_interface(Some(9), src, Family::V4, &joined, &act),
            None
        );
    }

    /// Where the OS gives no arrival interface, the source's subnet decides; a source
    /// on no subnet, or on several (link-local), is dropped rather than guessed.
    #[test]
    fn arrival_interface_without_packet_info_by_subnet() {
        let act = active(&[
            (2, &[("10.0.0.1", 24), ("fe80::1", 64)]),
            (3, &[("10.0.1.1", 24), ("fe80::2", 64)]),
        ]);
        let joined = BTreeSet::new();
        let at = |s: &str| arrival_interface(None, s.parse().unwrap(), Family::V4, &joined, &act);
        assert_eq!(at("10.0.1.200"), Some(InterfaceId(3)));
        assert_eq!(at("10.0.0.9"), Some(InterfaceId(2)));
        assert_eq!(at("192.168.1.1"), None);
        assert_eq!(at("fe80::99"), None, "on both links: ambiguous");
        let one = active(&[(4, &[("fe80::4", 64)])]);
        assert_eq!(
            arrival_interface(None, "fe80::99".parse().unwrap(), Family::V6, &joined, &one),
            Some(InterfaceId(4))
        );
    }

    #[test]
    fn subnet_edges() {
        let a = |s: &str, p| IfAddr {
            addr: s.parse().unwrap(),
            prefix_len: p,
        };
        let ip = |s: &str| s.parse::<IpAddr>().unwrap();
        assert!(in_subnet(&a("10.0.0.1", 32), &ip("10.0.0.1")));
        assert!(!in_subnet(&a("10.0.0.1", 32), &ip("10.0.0.2")));
        assert!(in_subnet(&a("10.0.0.1", 0), &ip("192.0.2.1")));
        assert!(in_subnet(&a("fd00::1", 128), &ip("fd00::1")));
        assert!(!in_subnet(&a("fd00::1", 64), &ip("10.0.0.1")));
    }
}
