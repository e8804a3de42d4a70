//! Interfaces: what the host has, which of them mDNS runs on, and how that changes.
//!
//! - [`Interface`]: one link with its flags and addresses, as the OS reports it.
//! - [`InterfaceConfig`]: which interfaces and families to use.
//! - [`InterfaceSet`]: the interfaces in use; fed a fresh snapshot, it returns the
//!   difference as [`InterfaceEvent`]s (`Up`, `Down`, `AddrsChanged`).
//! - [`InterfaceWatcher`] (Linux): takes snapshots with an rtnetlink dump
//!   (`RTM_GETLINK` + `RTM_GETADDR`) and tells when to take the next one: a nonblocking
//!   `NETLINK_ROUTE` socket subscribed to `RTMGRP_LINK`, `RTMGRP_IPV4_IFADDR` and
//!   `RTMGRP_IPV6_IFADDR` becomes readable on every link or address change. Its file
//!   descriptor is registered with the runtime like the UDP sockets: no timer, no
//!   polling. Notifications are only a signal; the watcher drains them and dumps once,
//!   so a burst of changes, or a lost notification (`ENOBUFS`), costs one dump.

use std::collections::BTreeMap;
use std::io;
use std::net::IpAddr;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, RawFd};

use mdns_proto::engine::{IfAddr, InterfaceId};

/// One network interface as the OS reports it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Interface {
    /// OS interface index.
    pub id: InterfaceId,
    /// Name (`eth0`).
    pub name: String,
    /// Administratively up (`IFF_UP`).
    pub up: bool,
    /// Operationally up, carrier present (`IFF_RUNNING`).
    pub running: bool,
    /// Multicast capable (`IFF_MULTICAST`).
    pub multicast: bool,
    /// The loopback interface (`IFF_LOOPBACK`).
    pub loopback: bool,
    /// Addresses with prefix lengths (tentative and DAD-failed IPv6 ones left out).
    pub addrs: Vec<IfAddr>,
}

/// Names an interface in [`InterfaceConfig::only`].
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum InterfaceSelector {
    /// By name.
    Name(String),
    /// By index.
    Index(u32),
}

/// Which interfaces and families mDNS runs on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InterfaceConfig {
    /// If not empty, only these interfaces (still subject to the flags below).
    pub only: Vec<InterfaceSelector>,
    /// Use IPv4.
    pub ipv4: bool,
    /// Use IPv6.
    pub ipv6: bool,
    /// Use the loopback interface too (it must have `IFF_MULTICAST` set, which `lo`
    /// does not by default).
    pub include_loopback: bool,
}

impl Default for InterfaceConfig {
    /// Every multicast interface but loopback, both families.
    fn default() -> Self {
        InterfaceConfig {
            only: Vec::new(),
            ipv4: true,
            ipv6: true,
            include_loopback: false,
        }
    }
}

impl InterfaceConfig {
    /// The addresses mDNS uses on `iface`, sorted, or None if mDNS doesn't run on it:
    /// it must be selected, up, running, multicast capable, not loopback unless asked,
    /// and have an address of an enabled family.
    pub fn usable_addrs(&self, iface: &Interface) -> Option<Vec<IfAddr>> {
        let selected = self.only.is_empty()
            || self.only.iter().any(|s| match s {
                InterfaceSelector::Name(n) => *n == iface.name,
                InterfaceSelector::Index(i) => *i == iface.id.0,
            });
        if !selected
            || !iface.up
            || !iface.running
            || !iface.multicast
            || (iface.loopback && !self.include_loopback)
        {
            return None;
        }
        let mut addrs: Vec<IfAddr> = iface
            .addrs
            .iter()
            .filter(|a| match a.addr {
                IpAddr::V4(_) => self.ipv4,
                IpAddr::V6(_) => self.ipv6,
            })
            .copied()
            .collect();
        if addrs.is_empty() {
            return None;
        }
        addrs.sort();
        addrs.dedup();
        Some(addrs)
    }
}

/// A change in the set of interfaces mDNS runs on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum InterfaceEvent {
    /// mDNS starts on this interface.
    Up {
        /// Index.
        id: InterfaceId,
        /// Name.
        name: String,
        /// Its usable addresses, sorted.
        addrs: Vec<IfAddr>,
    },
    /// mDNS stops on this interface (gone, down, or no usable address left).
    Down {
        /// Index.
        id: InterfaceId,
    },
    /// The usable addresses of an interface in use changed (never to none: that is
    /// `Down`).
    AddrsChanged {
        /// Index.
        id: InterfaceId,
        /// The new address list, sorted.
        addrs: Vec<IfAddr>,
    },
}

/// An interface mDNS runs on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ActiveInterface {
    /// Name.
    pub name: String,
    /// Usable addresses, sorted.
    pub addrs: Vec<IfAddr>,
}

/// The interfaces mDNS runs on, kept up to date from snapshots.
#[derive(Clone, Debug, Default)]
pub struct InterfaceSet {
    active: BTreeMap<InterfaceId, ActiveInterface>,
}

impl InterfaceSet {
    /// No interfaces.
    pub fn new() -> Self {
        Self::default()
    }

    /// The interfaces in use, by index.
    pub fn active(&self) -> &BTreeMap<InterfaceId, ActiveInterface> {
        &self.active
    }

    /// Takes a full snapshot and returns what changed: all `Down`s first, then
    /// `AddrsChanged`, then `Up`s, each in index order. An interface renamed in place
    /// goes down and comes up again.
    pub fn update(
        &mut self,
        config: &InterfaceConfig,
        snapshot: &[Interface],
    ) -> Vec<InterfaceEvent> {
        let new: BTreeMap<InterfaceId, ActiveInterface> = snapshot
            .iter()
            .filter_map(|i| {
                config.usable_addrs(i).map(|addrs| {
                    (
                        i.id,
                        ActiveInterface {
                            name: i.name.clone(),
                            addrs,
                        },
                    )
                })
            })
            .collect();
        let mut down = Vec::new();
        let mut changed = Vec::new();
        let mut up = Vec::new();
        for (id, old) in &self.active {
            match new.get(id) {
                None => down.push(InterfaceEvent::Down { id: *id }),
                Some(n) if n.name != old.name => {
                    down.push(InterfaceEvent::Down { id: *id });
                    up.push(InterfaceEvent::Up {
                        id: *id,
                        name: n.name.clone(),
                        addrs: n.addrs.clone(),
                    });
                }
                Some(n) if n.addrs != old.addrs => changed.push(InterfaceEvent::AddrsChanged {
                    id: *id,
                    addrs: n.addrs.clone(),
                }),
                Some(_) => {}
            }
        }
        for (id, n) in &new {
            if !self.active.contains_key(id) {
                up.push(InterfaceEvent::Up {
                    id: *id,
                    name: n.name.clone(),
                    addrs: n.addrs.clone(),
                });
            }
        }
        up.sort_by_key(|e| match e {
            InterfaceEvent::Up { id, .. } => *id,
            _ => unreachable!(),
        });
        self.active = new;
        down.extend(changed);
        down.extend(up);
        down
    }
}

/// Enumerates interfaces and signals changes, over rtnetlink. See the module docs.
pub struct InterfaceWatcher {
    /// Subscribed to change notifications; nonblocking; what the runtime waits on.
    events: netlink_sys::Socket,
    /// Used for dumps; blocking with a receive timeout.
    dump: netlink_sys::Socket,
    seq: u32,
    buf: Vec<u8>,
}

impl std::fmt::Debug for InterfaceWatcher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("InterfaceWatcher")
            .field("events_fd", &self.events.as_raw_fd())
            .finish_non_exhaustive()
    }
}

const NL_BUF: usize = 64 * 1024;

impl InterfaceWatcher {
    /// Opens the two netlink sockets in the calling thread's network namespace and
    /// subscribes to link and address changes. Subscribe first, dump after: a change
    /// between the two is seen twice rather than never.
    pub fn new() -> io::Result<Self> {
        use netlink_sys::{protocols::NETLINK_ROUTE, Socket, SocketAddr};
        let groups =
            (libc::RTMGRP_LINK | libc::RTMGRP_IPV4_IFADDR | libc::RTMGRP_IPV6_IFADDR) as u32;
        let mut events = Socket::new(NETLINK_ROUTE)?;
        events.bind(&SocketAddr::new(0, groups))?;
        events.set_non_blocking(true)?;
        let mut dump = Socket::new(NETLINK_ROUTE)?;
        dump.bind_auto()?;
        let tv = libc::timeval {
            tv_sec: 2,
            tv_usec: 0,
        };
        // SAFETY: passes a pointer to a live timeval and its size.
        let r = unsafe {
            libc::setsockopt(
                dump.as_raw_fd(),
                libc::SOL_SOCKET,
                libc::SO_RCVTIMEO,
                (&tv as *const libc::timeval).cast(),
                std::mem::size_of::<libc::timeval>() as libc::socklen_t,
            )
        };
        if r < 0 {
            return Err(io::Error::last_os_error());
        }
        Ok(InterfaceWatcher {
            events,
            dump,
            seq: 0,
            buf: Vec::with_capacity(NL_BUF),
        })
    }

    /// Drains pending change notifications without blocking. True if there was any
    /// (or if some were lost): then take a new [`snapshot`](Self::snapshot).
    pub fn changed(&mut self) -> io::Result<bool> {
        let mut any = false;
        loop {
            self.buf.clear();
            match self.events.recv(&mut self.buf, 0) {
                Ok(_) => any = true,
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Ok(any),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) if e.raw_os_error() == Some(libc::ENOBUFS) => {
                    tracing::debug!("netlink notifications overran; re-reading interfaces");
                    any = true;
                }
                Err(e) => return Err(e),
            }
        }
    }

    /// All interfaces with their addresses, from a fresh dump.
    pub fn snapshot(&mut self) -> io::Result<Vec<Interface>> {
        // A dump interrupted by a concurrent change (NLM_F_DUMP_INTR) is retried.
        for _ in 0..5 {
            match self.try_snapshot()? {
                Some(s) => return Ok(s),
                None => tracing::debug!("interface dump interrupted, retrying"),
            }
        }
        Err(io::Error::other("interface dump kept being interrupted"))
    }

    fn try_snapshot(&mut self) -> io::Result<Option<Vec<Interface>>> {
        use netlink_packet_route::address::{AddressAttribute, AddressFlags};
        use netlink_packet_route::link::{LinkAttribute, LinkFlags};
        use netlink_packet_route::RouteNetlinkMessage as M;

        let mut by_index: BTreeMap<u32, Interface> = BTreeMap::new();
        let mut intr = false;
        for m in self.dump_request(M::GetLink(Default::default()), &mut intr)? {
            if let M::NewLink(l) = m {
                let f = l.header.flags;
                let name = l
                    .attributes
                    .iter()
                    .find_map(|a| match a {
                        LinkAttribute::IfName(n) => Some(n.clone()),
                        _ => None,
                    })
                    .unwrap_or_default();
                by_index.insert(
                    l.header.index,
                    Interface {
                        id: InterfaceId(l.header.index),
                        name,
                        up: f.contains(LinkFlags::Up),
                        running: f.contains(LinkFlags::Running),
                        multicast: f.contains(LinkFlags::Multicast),
                        loopback: f.contains(LinkFlags::Loopback),
                        addrs: Vec::new(),
                    },
                );
            }
        }
        for m in self.dump_request(M::GetAddress(Default::default()), &mut intr)? {
            let M::NewAddress(a) = m else { continue };
            let mut flags = AddressFlags::from_bits_retain(u32::from(a.header.flags.bits()));
            let mut local = None;
            let mut address = None;
            for attr in &a.attributes {
                match attr {
                    AddressAttribute::Local(ip) => local = Some(*ip),
                    AddressAttribute::Address(ip) => address = Some(*ip),
                    AddressAttribute::Flags(f) => flags = *f,
                    _ => {}
                }
            }
            if flags.intersects(AddressFlags::Tentative | AddressFlags::Dadfailed) {
                continue;
            }
            // IFA_LOCAL is our address; IFA_ADDRESS is the peer on point-to-point links
            // and equal to IFA_LOCAL (or alone, for IPv6) elsewhere.
            let Some(addr) = local.or(address) else {
                continue;
            };
            if let Some(i) = by_index.get_mut(&a.header.index) {
                i.addrs.push(IfAddr {
                    addr,
                    prefix_len: a.header.prefix_len,
                });
            }
        }
        if intr {
            return Ok(None);
        }
        Ok(Some(by_index.into_values().collect()))
    }

    /// Sends one dump request and collects the answers up to `NLMSG_DONE`.
    fn dump_request(
        &mut self,
        req: netlink_packet_route::RouteNetlinkMessage,
        intr: &mut bool,
    ) -> io::Result<Vec<netlink_packet_route::RouteNetlinkMessage>> {
        use netlink_packet_core::{
            NetlinkHeader, NetlinkMessage, NetlinkPayload, NLM_F_DUMP, NLM_F_DUMP_INTR,
            NLM_F_REQUEST,
        };
        self.seq = self.seq.wrapping_add(1);
        let seq = self.seq;
        let mut header = NetlinkHeader::default();
        header.flags = NLM_F_REQUEST | NLM_F_DUMP;
        header.sequence_number = seq;
        let mut msg = NetlinkMessage::new(header, NetlinkPayload::InnerMessage(req));
        msg.finalize();
        let mut out = vec![0u8; msg.buffer_len()];
        msg.serialize(&mut out);
        self.dump.send(&out, 0)?;

        let mut result = Vec::new();
        loop {
            self.buf.clear();
            match self.dump.recv(&mut self.buf, 0) {
                Ok(_) => {}
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            }
            let mut off = 0;
            while off < self.buf.len() {
                let m = NetlinkMessage::<netlink_packet_route::RouteNetlinkMessage>::deserialize(
                    &self.buf[off..],
                );
                // Step by the header's length even when the payload didn't parse.
                let len = u32::from_ne_bytes(
                    self.buf
                        .get(off..off + 4)
                        .and_then(|b| b.try_into().ok())
                        .unwrap_or([0; 4]),
                ) as usize;
                if len < 16 {
                    break;
                }
                off += (len + 3) & !3;
                let m = match m {
                    Ok(m) => m,
                    Err(e) => {
                        tracing::debug!(error = %e, "unparsable netlink message skipped");
                        continue;
                    }
                };
                if m.header.sequence_number != seq {
                    continue;
                }
                if m.header.flags & NLM_F_DUMP_INTR != 0 {
                    *intr = true;
                }
                match m.payload {
                    NetlinkPayload::Done(_) => return Ok(result),
                    NetlinkPayload::Error(e) => {
                        return Err(e.to_io());
                    }
                    NetlinkPayload::InnerMessage(inner) => result.push(inner),
                    _ => {}
                }
            }
        }
    }
}

impl AsFd for InterfaceWatcher {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.events.as_fd()
    }
}

impl AsRawFd for InterfaceWatcher {
    fn as_raw_fd(&self) -> RawFd {
        self.events.as_raw_fd()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn a(s: &str, p: u8) -> IfAddr {
        IfAddr {
            addr: s.parse().unwrap(),
            prefix_len: p,
        }
    }

    fn iface(id: u32, name: &str, addrs: Vec<IfAddr>) -> Interface {
        Interface {
            id: InterfaceId(id),
            name: name.into(),
            up: true,
            running: true,
            multicast: true,
            loopback: false,
            addrs,
        }
    }

    #[test]
    fn filter_flags_and_families() {
        let cfg = InterfaceConfig::default();
        let mut lo = iface(1, "lo", vec![a("127.0.0.1", 8)]);
        lo.loopback = true;
        assert_eq!(cfg.usable_addrs(&lo), None);
        let with_lo = InterfaceConfig {
            include_loopback: true,
            ..InterfaceConfig::default()
        };
        assert_eq!(with_lo.usable_addrs(&lo), Some(vec![a("127.0.0.1", 8)]));
        lo.multicast = false;
        assert_eq!(with_lo.usable_addrs(&lo), None);

        let e = iface(2, "eth0", vec![a("fe80::1", 64), a("10.0.0.1", 24)]);
        assert_eq!(
            cfg.usable_addrs(&e),
            Some(vec![a("10.0.0.1", 24), a("fe80::1", 64)])
        );
        let v6 = InterfaceConfig {
            ipv4: false,
            ..InterfaceConfig::default()
        };
        assert_eq!(v6.usable_addrs(&e), Some(vec![a("fe80::1", 64)]));
        let v4 = InterfaceConfig {
            ipv6: false,
            ..InterfaceConfig::default()
        };
        assert_eq!(v4.usable_addrs(&e), Some(vec![a("10.0.0.1", 24)]));
        assert_eq!(
            v4.usable_addrs(&iface(3, "x", vec![a("fe80::2", 64)])),
            None
        );

        let mut down = e.clone();
        down.running = false;
        assert_eq!(cfg.usable_addrs(&down), None);
        let mut admin_down = e.clone();
        admin_down.up = false;
        assert_eq!(cfg.usable_addrs(&admin_down), None);
    }

    #[test]
    fn filter_selection_by_name_or_index() {
        let e0 = iface(2, "eth0", vec![a("10.0.0.1", 24)]);
        let e1 = iface(3, "eth1", vec![a("10.0.1.1", 24)]);
        let by_name = InterfaceConfig {
            only: vec![InterfaceSelector::Name("eth1".into())],
            ..InterfaceConfig::default()
        };
        assert!(by_name.usable_addrs(&e0).is_none());
        assert!(by_name.usable_addrs(&e1).is_some());
        let by_index = InterfaceConfig {
            only: vec![InterfaceSelector::Index(2)],
            ..InterfaceConfig::default()
        };
        assert!(by_index.usable_addrs(&e0).is_some());
        assert!(by_index.usable_addrs(&e1).is_none());
    }

    #[test]
    fn diff_up_change_down() {
        let cfg = InterfaceConfig::default();
        let mut set = InterfaceSet::new();
        assert_eq!(set.update(&cfg, &[]), vec![]);

        let e0 = iface(2, "eth0", vec![a("10.0.0.1", 24)]);
        let e1 = iface(3, "eth1", vec![a("fe80::1", 64)]);
        let ev = set.update(&cfg, &[e1.clone(), e0.clone()]);
        assert_eq!(
            ev,
            vec![
                InterfaceEvent::Up {
                    id: InterfaceId(2),
                    name: "eth0".into(),
                    addrs: vec![a("10.0.0.1", 24)]
                },
                InterfaceEvent::Up {
                    id: InterfaceId(3),
                    name: "eth1".into(),
                    addrs: vec![a("fe80::1", 64)]
                },
            ]
        );
        // Same snapshot, in another order and with addresses reordered: no events.
        let mut e0b = e0.clone();
        e0b.addrs.reverse();
        assert_eq!(set.update(&cfg, &[e0b, e1.clone()]), vec![]);

        // An address added to eth0, eth1 loses carrier.
        let mut e0c = e0.clone();
        e0c.addrs.push(a("fe80::2", 64));
        let mut e1d = e1.clone();
        e1d.running = false;
        assert_eq!(
            set.update(&cfg, &[e0c.clone(), e1d]),
            vec![
                InterfaceEvent::Down { id: InterfaceId(3) },
                InterfaceEvent::AddrsChanged {
                    id: InterfaceId(2),
                    addrs: vec![a("10.0.0.1", 24), a("fe80::2", 64)]
                },
            ]
        );
        assert_eq!(set.active().len(), 1);

        // Last usable address goes: Down, not AddrsChanged to nothing.
        let mut e0e = e0c.clone();
        e0e.addrs.clear();
        assert_eq!(
            set.update(&cfg, &[e0e]),
            vec![InterfaceEvent::Down { id: InterfaceId(2) }]
        );
        assert!(set.active().is_empty());
    }

    #[test]
    fn diff_rename_is_down_then_up() {
        let cfg = InterfaceConfig::default();
        let mut set = InterfaceSet::new();
        let e0 = iface(2, "eth0", vec![a("10.0.0.1", 24)]);
        set.update(&cfg, std::slice::from_ref(&e0));
        let mut r = e0.clone();
        r.name = "lan0".into();
        assert_eq!(
            set.update(&cfg, &[r]),
            vec![
                InterfaceEvent::Down { id: InterfaceId(2) },
                InterfaceEvent::Up {
                    id: InterfaceId(2),
                    name: "lan0".into(),
                    addrs: vec![a("10.0.0.1", 24)]
                },
            ]
        );
    }
}
