//! Pure conversions of the OS's interface lists into [`Interface`] snapshots, apart from
//! the calls that fetch them (in `sys`) so that every OS's rules are unit-tested on every
//! build host:
//!
//! - [`from_ifaddrs`]: `getifaddrs(3)` entries (BSDs, iOS, Android's fallback): one entry
//!   per address plus one link entry (`AF_LINK` / `AF_PACKET`) per interface, grouped by
//!   index; prefix lengths from the netmasks; the KAME-embedded scope of BSD link-local
//!   addresses cleared.
//! - [`from_adapters`]: Windows `GetAdaptersAddresses` records: the index is `IfIndex`,
//!   or `Ipv6IfIndex` for an IPv6-only adapter (Wine reports `Ipv6IfIndex` 0 always), the
//!   name the friendly name, up and running from `OperStatus`, multicast unless
//!   `IP_ADAPTER_NO_MULTICAST`, point-to-point for PPP and tunnel adapters (VPNs);
//!   addresses still in duplicate address detection, or found duplicate, left out.

use std::collections::BTreeMap;
use std::net::{IpAddr, Ipv6Addr};

use mdns_sansio::engine::{IfAddr, InterfaceId};

use crate::iface::Interface;

#[cfg_attr(not(any(windows, test)), allow(unused_imports))]
pub(crate) use adapters::*;
#[cfg_attr(all(windows, not(test)), allow(unused_imports))]
pub(crate) use ifaddrs::*;

/// `getifaddrs(3)` entries (used on Unix, tested everywhere).
mod ifaddrs {
    #![cfg_attr(windows, allow(dead_code))]
    use super::*;

    /// Interface flags, as booleans (`IFF_*` on Unix).
    #[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
    pub(crate) struct Flags {
        pub up: bool,
        pub running: bool,
        pub multicast: bool,
        pub loopback: bool,
        pub point_to_point: bool,
    }

    /// One `getifaddrs` entry, already read out of its C struct.
    #[derive(Clone, Debug, PartialEq, Eq)]
    pub(crate) struct IfaddrsEntry {
        pub name: String,
        /// `if_nametoindex(name)`; 0 if it failed (the entry is dropped).
        pub index: u32,
        pub flags: Flags,
        /// The address and netmask of an `AF_INET` / `AF_INET6` entry; None for the link
        /// entry and other families.
        pub addr: Option<(IpAddr, Option<IpAddr>)>,
    }

    /// Prefix length of a netmask (leading one bits; a non-contiguous mask counts to its
    /// first zero). No netmask: a host route (32 / 128).
    pub(crate) fn prefix_len(addr: &IpAddr, mask: Option<&IpAddr>) -> u8 {
        match (addr, mask) {
            (IpAddr::V4(_), Some(IpAddr::V4(m))) => u32::from(*m).leading_ones() as u8,
            (IpAddr::V6(_), Some(IpAddr::V6(m))) => u128::from(*m).leading_ones() as u8,
            (IpAddr::V4(_), _) => 32,
            (IpAddr::V6(_), _) => 128,
        }
    }

    /// A link-local IPv6 address without the interface index the BSD kernels embed in its
    /// second 16-bit word (KAME); RFC 4291 §2.5.6 has zeros there.
    pub(crate) fn clear_embedded_scope(a: IpAddr) -> IpAddr {
        match a {
            IpAddr::V6(v6) if (v6.segments()[0] & 0xffc0) == 0xfe80 => {
                let mut s = v6.segments();
                s[1] = 0;
                IpAddr::V6(Ipv6Addr::from(s))
            }
            a => a,
        }
    }

    /// Groups `getifaddrs` entries into interfaces, by index, in index order.
    pub(crate) fn from_ifaddrs(entries: impl IntoIterator<Item = IfaddrsEntry>) -> Vec<Interface> {
        let mut by_index: BTreeMap<u32, Interface> = BTreeMap::new();
        for e in entries {
            if e.index == 0 {
                continue;
            }
            let i = by_index.entry(e.index).or_insert_with(|| Interface {
                id: InterfaceId(e.index),
                name: e.name.clone(),
                up: e.flags.up,
                running: e.flags.running,
                multicast: e.flags.multicast,
                loopback: e.flags.loopback,
                point_to_point: e.flags.point_to_point,
                addrs: Vec::new(),
            });
            if let Some((addr, mask)) = e.addr {
                let ia = IfAddr {
                    addr: clear_embedded_scope(addr),
                    prefix_len: prefix_len(&addr, mask.as_ref()),
                };
                if !i.addrs.contains(&ia) {
                    i.addrs.push(ia);
                }
            }
        }
        by_index.into_values().collect()
    }
}

/// `GetAdaptersAddresses` records (used on Windows, tested everywhere).
mod adapters {
    #![cfg_attr(not(windows), allow(dead_code))]
    use super::*;

    /// `IF_OPER_STATUS` `IfOperStatusUp`.
    pub(crate) const OPER_UP: i32 = 1;
    /// `IP_ADAPTER_NO_MULTICAST`.
    pub(crate) const ADAPTER_NO_MULTICAST: u32 = 0x10;
    /// `IF_TYPE_SOFTWARE_LOOPBACK`.
    pub(crate) const IF_TYPE_LOOPBACK: u32 = 24;
    /// `IF_TYPE_PPP`.
    pub(crate) const IF_TYPE_PPP: u32 = 23;
    /// `IF_TYPE_TUNNEL`.
    pub(crate) const IF_TYPE_TUNNEL: u32 = 131;
    /// `NL_DAD_STATE` `IpDadStatePreferred`; `IpDadStateDeprecated` is 3.
    pub(crate) const DAD_PREFERRED: i32 = 4;
    /// `IpDadStateDeprecated`: still a usable address.
    pub(crate) const DAD_DEPRECATED: i32 = 3;

    /// One unicast address of a Windows adapter.
    #[derive(Clone, Debug, PartialEq, Eq)]
    pub(crate) struct AdapterAddress {
        pub addr: IpAddr,
        pub prefix_len: u8,
        /// `DadState` (`NL_DAD_STATE`).
        pub dad_state: i32,
    }

    /// One `IP_ADAPTER_ADDRESSES_LH` record, read out of its C struct.
    #[derive(Clone, Debug, PartialEq, Eq)]
    pub(crate) struct AdapterRecord {
        pub if_index: u32,
        pub ipv6_if_index: u32,
        pub friendly_name: String,
        pub if_type: u32,
        pub oper_status: i32,
        pub flags: u32,
        pub addrs: Vec<AdapterAddress>,
    }

    /// Windows adapters as interfaces (see the module docs).
    pub(crate) fn from_adapters(
        records: impl IntoIterator<Item = AdapterRecord>,
    ) -> Vec<Interface> {
        let mut by_index: BTreeMap<u32, Interface> = BTreeMap::new();
        for r in records {
            let index = if r.if_index != 0 {
                r.if_index
            } else {
                r.ipv6_if_index
            };
            if index == 0 {
                tracing::debug!(name = %r.friendly_name, "adapter without an interface index skipped");
                continue;
            }
            let up = r.oper_status == OPER_UP;
            let addrs = r
                .addrs
                .iter()
                .filter(|a| a.dad_state == DAD_PREFERRED || a.dad_state == DAD_DEPRECATED)
                .map(|a| IfAddr {
                    addr: clear_embedded_scope(a.addr),
                    prefix_len: a.prefix_len,
                })
                .collect();
            by_index.entry(index).or_insert(Interface {
                id: InterfaceId(index),
                name: r.friendly_name,
                up,
                running: up,
                multicast: r.flags & ADAPTER_NO_MULTICAST == 0,
                loopback: r.if_type == IF_TYPE_LOOPBACK,
                point_to_point: matches!(r.if_type, IF_TYPE_PPP | IF_TYPE_TUNNEL),
                addrs,
            });
        }
        by_index.into_values().collect()
    }
}

#[cfg(test)]
mod tests;
