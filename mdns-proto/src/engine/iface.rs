//! The engine's table of interfaces and their addresses, and the on-link test of
//! RFC 6762 §11.

use super::io::{Family, IfAddr, InterfaceId};
use alloc::vec::Vec;
use core::net::IpAddr;

/// Addresses of one interface.
#[derive(Clone, Debug, Default)]
pub struct Interface {
    /// Its addresses with prefix lengths.
    pub addrs: Vec<IfAddr>,
}

impl Interface {
    /// True if it has an address of `family` (so mDNS of that family can be sent on it).
    pub fn has(&self, family: Family) -> bool {
        self.addrs.iter().any(|a| Family::of(&a.addr) == family)
    }
}

/// All interfaces the engine runs on, in index order (so iteration is deterministic).
/// A sorted vector: a host has a handful of interfaces, and every datagram looks its
/// interface up, so a binary search over a contiguous array beats a tree.
#[derive(Clone, Debug, Default)]
pub struct Interfaces {
    list: Vec<(InterfaceId, Interface)>,
    /// Every interface's IPv4 addresses, flat, as integers: the own-address test runs
    /// on every datagram (port sharing, RFC 6762 §15), so it scans one short array.
    own_v4: Vec<u32>,
    /// The same for IPv6.
    own_v6: Vec<u128>,
}

impl Interfaces {
    /// Adds or replaces an interface. Returns true if it is new.
    pub fn up(&mut self, id: InterfaceId, addrs: &[IfAddr]) -> bool {
        let mut a: Vec<IfAddr> = addrs.to_vec();
        crate::util::heap_sort(&mut a);
        a.dedup();
        let iface = Interface { addrs: a };
        let new = match self.find(id) {
            Ok(i) => {
                self.list[i].1 = iface;
                false
            }
            Err(i) => {
                self.list.insert(i, (id, iface));
                true
            }
        };
        self.index_own();
        new
    }

    /// Rebuilds the flat own-address arrays from the interfaces.
    fn index_own(&mut self) {
        self.own_v4.clear();
        self.own_v6.clear();
        for a in self.list.iter().flat_map(|(_, i)| i.addrs.iter()) {
            match a.addr {
                IpAddr::V4(v4) => self.own_v4.push(u32::from(v4)),
                IpAddr::V6(v6) => self.own_v6.push(u128::from(v6)),
            }
        }
    }

    fn find(&self, id: InterfaceId) -> Result<usize, usize> {
        self.list.binary_search_by_key(&id, |e| e.0)
    }

    /// Removes an interface. Returns true if it was there.
    pub fn down(&mut self, id: InterfaceId) -> bool {
        match self.find(id) {
            Ok(i) => {
                self.list.remove(i);
                self.index_own();
                true
            }
            Err(_) => false,
        }
    }

    /// One interface.
    pub fn get(&self, id: InterfaceId) -> Option<&Interface> {
        self.find(id).ok().map(|i| &self.list[i].1)
    }

    /// All interfaces in index order.
    pub fn iter(&self) -> impl Iterator<Item = (InterfaceId, &Interface)> {
        self.list.iter().map(|(k, v)| (*k, v))
    }

    /// Every (interface, family) pair multicast can go out on, in order.
    pub fn multicast_targets(&self) -> impl Iterator<Item = (InterfaceId, Family)> + '_ {
        self.iter().flat_map(|(id, i)| {
            [Family::V4, Family::V6]
                .into_iter()
                .filter(move |f| i.has(*f))
                .map(move |f| (id, f))
        })
    }

    /// True if `source` is on the link of interface `id` (RFC 6762 §11): inside one of
    /// its subnets, or an IPv6 link-local address. Packets sent to the multicast group
    /// are on-link whatever their source; this test is for unicast ones.
    pub fn is_on_link(&self, id: InterfaceId, source: &IpAddr) -> bool {
        if let IpAddr::V6(v6) = source {
            if (v6.segments()[0] & 0xffc0) == 0xfe80 {
                return self.find(id).is_ok();
            }
        }
        self.get(id)
            .is_some_and(|i| i.addrs.iter().any(|a| a.contains(source)))
    }

    /// True if `addr` is one of our own addresses on any interface.
    #[inline]
    pub fn is_own_address(&self, addr: &IpAddr) -> bool {
        match addr {
            IpAddr::V4(a) => self.own_v4.contains(&u32::from(*a)),
            IpAddr::V6(a) => self.own_v6.contains(&u128::from(*a)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use core::net::{Ipv4Addr, Ipv6Addr};

    fn addr(a: IpAddr) -> IfAddr {
        IfAddr {
            addr: a,
            prefix_len: if a.is_ipv4() { 24 } else { 64 },
        }
    }

    #[test]
    fn own_addresses_follow_interfaces_up_changed_and_down() {
        let v4 = IpAddr::V4(Ipv4Addr::new(192, 168, 1, 10));
        let v4b = IpAddr::V4(Ipv4Addr::new(10, 0, 0, 2));
        let v6 = IpAddr::V6(Ipv6Addr::new(0xfe80, 0, 0, 0, 0, 0, 0, 7));
        let other = IpAddr::V4(Ipv4Addr::new(192, 168, 1, 11));
        let mut ifs = Interfaces::default();
        assert!(!ifs.is_own_address(&v4));
        ifs.up(InterfaceId(1), &[addr(v4), addr(v6)]);
        ifs.up(InterfaceId(2), &[addr(v4b)]);
        for a in [v4, v6, v4b] {
            assert!(ifs.is_own_address(&a), "{a}");
        }
        assert!(!ifs.is_own_address(&other));
        // The same bits in the other family are not ours.
        let v6_of_v4 = IpAddr::V6(Ipv4Addr::new(192, 168, 1, 10).to_ipv6_mapped());
        assert!(!ifs.is_own_address(&v6_of_v4));
        // Changed: the old addresses of interface 1 are no longer ours.
        ifs.up(InterfaceId(1), &[addr(other)]);
        assert!(ifs.is_own_address(&other));
        assert!(!ifs.is_own_address(&v4));
        assert!(!ifs.is_own_address(&v6));
        // Down: interface 2's address goes; interface 1's stays.
        assert!(ifs.down(InterfaceId(2)));
        assert!(!ifs.is_own_address(&v4b));
        assert!(ifs.is_own_address(&other));
    }
}
