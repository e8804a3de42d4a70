//! rtnetlink: the interface list from a dump (`RTM_GETLINK` + `RTM_GETADDR`), and its
//! changes from a nonblocking `NETLINK_ROUTE` socket subscribed to `RTMGRP_LINK`,
//! `RTMGRP_IPV4_IFADDR` and `RTMGRP_IPV6_IFADDR`, which becomes readable on every link or
//! address change. Its file descriptor is registered with the runtime like the UDP
//! sockets: no timer, no polling. Notifications are only a signal; the watcher drains
//! them and dumps once, so a burst of changes, or a lost notification (`ENOBUFS`), costs
//! one dump. A dump interrupted by a concurrent change (`NLM_F_DUMP_INTR`) is reported
//! as [`SnapshotError::Interrupted`] and retried by the watcher with backoff.

use std::collections::BTreeMap;
use std::io;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd};

use mdns_sansio::engine::{IfAddr, InterfaceId};

use crate::iface::Interface;
use crate::watch::{InterfaceSource, SnapshotError};

// <linux/rtnetlink.h>; Android's libc lacks them.
const RTMGRP_LINK: u32 = 0x1;
const RTMGRP_IPV4_IFADDR: u32 = 0x10;
const RTMGRP_IPV6_IFADDR: u32 = 0x100;

/// Enumerates interfaces and signals changes, over rtnetlink. See the module docs.
pub(crate) struct Netlink {
    /// Subscribed to change notifications; nonblocking; what the runtime waits on.
    events: netlink_sys::Socket,
    /// Used for dumps; blocking with a receive timeout.
    dump: netlink_sys::Socket,
    seq: u32,
    buf: Vec<u8>,
    /// The dump `new` made to check that netlink works, handed out by the first
    /// `snapshot`.
    first: Option<Vec<Interface>>,
}

impl std::fmt::Debug for Netlink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Netlink")
            .field("events_fd", &self.events.as_raw_fd())
            .finish_non_exhaustive()
    }
}

const NL_BUF: usize = 64 * 1024;

impl Netlink {
    /// Opens the two netlink sockets in the calling thread's network namespace,
    /// subscribes to link and address changes and dumps once (an Android app may open
    /// the sockets and still be refused the dump). Subscribe first, dump after: a change
    /// between the two is seen twice rather than never.
    pub(crate) fn new() -> io::Result<Self> {
        use netlink_sys::{protocols::NETLINK_ROUTE, Socket, SocketAddr};
        let groups = RTMGRP_LINK | RTMGRP_IPV4_IFADDR | RTMGRP_IPV6_IFADDR;
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
        let mut nl = Netlink {
            events,
            dump,
            seq: 0,
            buf: Vec::with_capacity(NL_BUF),
            first: None,
        };
        // Retried on interruption here; any other error means "no netlink for us".
        for _ in 0..5 {
            if let Some(s) = nl.try_snapshot()? {
                nl.first = Some(s);
                break;
            }
        }
        Ok(nl)
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
                        point_to_point: f.contains(LinkFlags::Pointopoint),
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

impl InterfaceSource for Netlink {
    /// Drains pending change notifications without blocking. True if there was any
    /// (or if some were lost).
    fn changed(&mut self) -> io::Result<bool> {
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

    /// One dump; an interrupted one (`NLM_F_DUMP_INTR`) is reported as such and retried
    /// by the watcher with backoff.
    fn snapshot(&mut self) -> Result<Vec<Interface>, SnapshotError> {
        if let Some(s) = self.first.take() {
            return Ok(s);
        }
        self.try_snapshot()?.ok_or(SnapshotError::Interrupted)
    }

    fn readiness(&self) -> Option<BorrowedFd<'_>> {
        Some(self.events.as_fd())
    }
}
