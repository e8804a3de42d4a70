//! macOS, iOS and FreeBSD: BSD sockets.
//!
//! - Receive: `IP_PKTINFO` on Apple (interface and destination in one message), plus
//!   `IP_RECVIF` and `IP_RECVDSTADDR`, which FreeBSD uses alone (it has no receive-side
//!   `IP_PKTINFO`); `IP_RECVTTL`; `IPV6_RECVPKTINFO` and `IPV6_RECVHOPLIMIT` (RFC 3542).
//! - Send: `sendmsg` with `IPV6_PKTINFO` naming the interface, and `IP_PKTINFO` on Apple
//!   (XNU's `udp_check_pktinfo` binds the send to `ipi_ifindex`). IPv4 multicast also sets
//!   `IP_MULTICAST_IF` to an address of the interface whenever it differs from the last
//!   send's (FreeBSD has no IPv4 interface message on send; on Apple it keeps the two in
//!   agreement), IPv6 multicast `IPV6_MULTICAST_IF`.
//! - Joins: IPv4 by interface address (`struct ip_mreq`, the form every BSD has), IPv6
//!   by index. Port sharing: `SO_REUSEADDR` + `SO_REUSEPORT` (mDNSResponder sets both on
//!   5353 too).
//! - Interfaces: `getifaddrs(3)`; changes from a `PF_ROUTE` socket, which turns readable
//!   on every `RTM_NEWADDR`, `RTM_DELADDR`, `RTM_IFINFO` (link state) and `RTM_IFANNOUNCE`
//!   (FreeBSD: arrival and departure) — the message type is read from its fixed byte
//!   offset, so no `rt_msghdr` definition is needed. iOS: the routing socket API is not
//!   in the iOS SDK (nor `libc`'s iOS bindings), so there the list is re-read every 5 s.
//! - Waker: a Unix datagram socket pair; waiting: `poll(2)`.
//!
//! Built and unit-tested (the dialect and snapshot logic, on Linux); not run on a BSD
//! kernel by this project's CI.

#[cfg(not(target_os = "ios"))]
mod route;

use std::io;
use std::net::{Ipv4Addr, SocketAddr};
use std::os::fd::{AsFd, AsRawFd, BorrowedFd};
use std::os::unix::net::UnixDatagram;
use std::sync::atomic::AtomicU64;

use mdns_sansio::engine::{Family, SourcePort};
use mdns_sansio::engine::{MDNS_GROUP_V4, MDNS_GROUP_V6};
use socket2::{InterfaceIndexOrAddress, Socket};

use super::unix::setsockopt_int;
pub(crate) use super::unix::{hostname, recv, system_dns, wait};
use super::OutInterface;
use crate::socket::mcast_if_changes;
use crate::watch::InterfaceSource;

/// Socket options after creation (the socket is nonblocking and close-on-exec).
pub(crate) fn configure(sock: &Socket, family: Family, port: SourcePort) -> io::Result<()> {
    if port == SourcePort::Mdns {
        // Share the port, never take it over (RFC 6762 §15.1).
        sock.set_reuse_address(true)?;
        sock.set_reuse_port(true)?;
    }
    let fd = sock.as_raw_fd();
    match family {
        Family::V4 => {
            sock.set_multicast_loop_v4(true)?;
            sock.set_multicast_ttl_v4(255)?;
            sock.set_ttl_v4(255)?;
            #[cfg(any(target_os = "macos", target_os = "ios"))]
            setsockopt_int(fd, libc::IPPROTO_IP, libc::IP_PKTINFO, 1)?;
            setsockopt_int(fd, libc::IPPROTO_IP, libc::IP_RECVIF, 1)?;
            setsockopt_int(fd, libc::IPPROTO_IP, libc::IP_RECVDSTADDR, 1)?;
            if let Err(e) = setsockopt_int(fd, libc::IPPROTO_IP, libc::IP_RECVTTL, 1) {
                // Without it the engine skips its TTL check (RecvMeta::ttl is None).
                tracing::debug!(error = %e, "IP_RECVTTL unsupported");
            }
        }
        Family::V6 => {
            sock.set_only_v6(true)?;
            sock.set_multicast_loop_v6(true)?;
            sock.set_multicast_hops_v6(255)?;
            sock.set_unicast_hops_v6(255)?;
            setsockopt_int(fd, libc::IPPROTO_IPV6, libc::IPV6_RECVPKTINFO, 1)?;
            setsockopt_int(fd, libc::IPPROTO_IPV6, libc::IPV6_RECVHOPLIMIT, 1)?;
        }
    }
    Ok(())
}

/// Joins the group: IPv4 by the interface's address (by index if none is given), IPv6
/// by index.
pub(crate) fn join(
    sock: &Socket,
    family: Family,
    ifindex: u32,
    v4: Option<Ipv4Addr>,
) -> io::Result<()> {
    match family {
        Family::V4 => match v4 {
            Some(a) => sock.join_multicast_v4(&MDNS_GROUP_V4, &a),
            None => {
                sock.join_multicast_v4_n(&MDNS_GROUP_V4, &InterfaceIndexOrAddress::Index(ifindex))
            }
        },
        Family::V6 => sock.join_multicast_v6(&MDNS_GROUP_V6, ifindex),
    }
}

/// Leaves the group, as it was joined.
pub(crate) fn leave(
    sock: &Socket,
    family: Family,
    ifindex: u32,
    v4: Option<Ipv4Addr>,
) -> io::Result<()> {
    match family {
        Family::V4 => match v4 {
            Some(a) => sock.leave_multicast_v4(&MDNS_GROUP_V4, &a),
            None => {
                sock.leave_multicast_v4_n(&MDNS_GROUP_V4, &InterfaceIndexOrAddress::Index(ifindex))
            }
        },
        Family::V6 => sock.leave_multicast_v6(&MDNS_GROUP_V6, ifindex),
    }
}

/// "That interface or address is gone" errors of a leave.
pub(crate) fn is_gone(e: &io::Error) -> bool {
    matches!(
        e.raw_os_error(),
        Some(libc::EADDRNOTAVAIL | libc::ENXIO | libc::ENOENT | libc::EINVAL)
    )
}

/// Whether a socket error means "this address family is not supported here".
pub(crate) fn is_no_family(e: &io::Error) -> bool {
    matches!(
        e.raw_os_error(),
        Some(libc::EAFNOSUPPORT | libc::EPROTONOSUPPORT)
    )
}

/// Whether a join error means "already a member".
pub(crate) fn is_already_joined(e: &io::Error) -> bool {
    e.raw_os_error() == Some(libc::EADDRINUSE)
}

/// Sends out of interface `out` (see the module docs).
pub(crate) fn send(
    sock: &Socket,
    family: Family,
    dest: SocketAddr,
    out: OutInterface,
    data: &[u8],
    last: &AtomicU64,
) -> io::Result<usize> {
    let set = match family {
        Family::V4 => match out.v4 {
            Some(a) if mcast_if_changes(last, &dest, u32::from(a)) => sock.set_multicast_if_v4(&a),
            _ => Ok(()),
        },
        Family::V6 if mcast_if_changes(last, &dest, out.index) => {
            sock.set_multicast_if_v6(out.index)
        }
        Family::V6 => Ok(()),
    };
    if let Err(e) = set {
        last.store(0, std::sync::atomic::Ordering::Relaxed);
        return Err(e);
    }
    super::unix::sendmsg(sock, family == Family::V6, dest, out.index, data)
}

/// The cross-thread waker: one end of a Unix datagram socket pair is written to, the
/// other read and waited on.
#[derive(Debug)]
pub(crate) struct WakerImpl {
    rx: UnixDatagram,
    tx: UnixDatagram,
}

impl WakerImpl {
    pub(crate) fn new() -> io::Result<Self> {
        let (rx, tx) = UnixDatagram::pair()?;
        rx.set_nonblocking(true)?;
        tx.set_nonblocking(true)?;
        Ok(WakerImpl { rx, tx })
    }

    pub(crate) fn wake(&self) {
        // A full buffer (WouldBlock) is already "woken".
        let _ = self.tx.send(&[1]);
    }

    pub(crate) fn reset(&self) -> bool {
        let mut any = false;
        let mut b = [0u8; 16];
        while self.rx.recv(&mut b).is_ok() {
            any = true;
        }
        any
    }

    pub(crate) fn source(&self) -> BorrowedFd<'_> {
        self.rx.as_fd()
    }
}

/// A `PF_ROUTE` socket (macOS, FreeBSD) or a 5 s `getifaddrs` re-read (iOS).
pub(crate) fn interface_source() -> io::Result<Box<dyn InterfaceSource>> {
    #[cfg(not(target_os = "ios"))]
    {
        Ok(Box::new(route::RouteSocket::new()?))
    }
    #[cfg(target_os = "ios")]
    {
        super::unix::getifaddrs_snapshot()?;
        Ok(Box::new(super::unix::PollIfaddrs {
            every: std::time::Duration::from_secs(5),
        }))
    }
}
