//! The engine's table of interfaces and their addresses, and the on-link test of
//! RFC 6762 §11.

use super::io::{Family, IfAddr, InterfaceId};
use alloc::vec::Vec;
use core::net::IpAddr;
use smallvec::SmallVec;

/// Addresses of one interface.
#[derive(Clone, Debug, Default)]
pub struct Interface {
    /// Its addresses with prefix lengths.
    pub addrs: SmallVec<[IfAddr; 4]>,
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
}

impl Interfaces {
    /// Adds or replaces an interface. Returns true if it is new.
    pub fn up(&mut self, id: InterfaceId, addrs: &[IfAddr]) -> bool {
        let mut a: SmallVec<[IfAddr; 4]> = addrs.iter().copied().collect();
        a.sort_unstable();
        a.dedup();
        let iface = Interface { addrs: a };
        match self.find(id) {
            Ok(i) => {
                self.list[i].1 = iface;
                false
            }
            Err(i) => {
                self.list.insert(i, (id, iface));
                true
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
    pub fn is_own_address(&self, addr: &IpAddr) -> bool {
        self.list
            .iter()
            .any(|(_, i)| i.addrs.iter().any(|a| a.addr == *addr))
    }
}
