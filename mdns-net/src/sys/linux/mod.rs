//! Linux and Android: `IP_PKTINFO` both ways (the control message on send picks the
//! interface of multicast and unicast alike), IPv4 joins with `ip_mreqn` by index,
//! `IP_MULTICAST_ALL` / `IPV6_MULTICAST_ALL` off, an `eventfd` waker, `poll(2)`, and
//! rtnetlink for the interface list and its changes ([`netlink`]).
//!
//! Android: apps targeting API 30 (Android 11) and later may not bind a netlink socket
//! or dump links (`RTM_GETLINK`), so where opening the rtnetlink watcher or its first dump
//! fails the source falls back to re-reading `getifaddrs` (which bionic serves without
//! `RTM_GETLINK`) every 5 s. An Android app must also hold a `WifiManager.MulticastLock`
//! (and the `CHANGE_WIFI_MULTICAST_STATE` permission): without it the Wi-Fi driver drops
//! multicast before the socket sees it. The same fallback serves a Linux sandbox
//! without netlink.

mod netlink;

use std::io;
use std::net::SocketAddr;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, FromRawFd, OwnedFd};
use std::time::Duration;

use mdns_sansio::engine::{Family, SourcePort};
use mdns_sansio::engine::{MDNS_GROUP_V4, MDNS_GROUP_V6};
use socket2::{InterfaceIndexOrAddress, Socket};

pub(crate) use super::unix::{hostname, recv, system_dns, wait};
use super::unix::{setsockopt_int, PollIfaddrs};
use super::OutInterface;
use crate::watch::InterfaceSource;

// <linux/in.h>, <linux/in6.h>; socket2 has no setter for them on Android.
#[cfg(target_os = "android")]
const IP_MULTICAST_ALL: i32 = 49;
#[cfg(target_os = "android")]
const IPV6_MULTICAST_ALL: i32 = 29;

/// How often the `getifaddrs` fallback re-reads the list.
const POLL_EVERY: Duration = Duration::from_secs(5);

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
            #[cfg(target_os = "linux")]
            sock.set_multicast_all_v4(false)?;
            #[cfg(target_os = "android")]
            if let Err(e) = setsockopt_int(fd, libc::IPPROTO_IP, IP_MULTICAST_ALL, 0) {
                tracing::debug!(error = %e, "IP_MULTICAST_ALL unsupported");
            }
            setsockopt_int(fd, libc::IPPROTO_IP, libc::IP_PKTINFO, 1)?;
            setsockopt_int(fd, libc::IPPROTO_IP, libc::IP_RECVTTL, 1)?;
        }
        Family::V6 => {
            sock.set_only_v6(true)?;
            sock.set_multicast_loop_v6(true)?;
            sock.set_multicast_hops_v6(255)?;
            sock.set_unicast_hops_v6(255)?;
            // IPV6_MULTICAST_ALL exists since Linux 4.20; older kernels deliver
            // every joined group, which the driver filters by interface anyway.
            #[cfg(target_os = "linux")]
            let all = sock.set_multicast_all_v6(false);
            #[cfg(target_os = "android")]
            let all = setsockopt_int(fd, libc::IPPROTO_IPV6, IPV6_MULTICAST_ALL, 0);
            if let Err(e) = all {
                tracing::debug!(error = %e, "IPV6_MULTICAST_ALL unsupported");
            }
            setsockopt_int(fd, libc::IPPROTO_IPV6, libc::IPV6_RECVPKTINFO, 1)?;
            sock.set_recv_hoplimit_v6(true)?;
        }
    }
    Ok(())
}

/// Joins the group on interface `ifindex` (by index; `_v4` is for the BSDs and Windows).
pub(crate) fn join(
    sock: &Socket,
    family: Family,
    ifindex: u32,
    _v4: Option<std::net::Ipv4Addr>,
) -> io::Result<()> {
    match family {
        Family::V4 => {
            sock.join_multicast_v4_n(&MDNS_GROUP_V4, &InterfaceIndexOrAddress::Index(ifindex))
        }
        Family::V6 => sock.join_multicast_v6(&MDNS_GROUP_V6, ifindex),
    }
}

/// Leaves the group on interface `ifindex`.
pub(crate) fn leave(
    sock: &Socket,
    family: Family,
    ifindex: u32,
    _v4: Option<std::net::Ipv4Addr>,
) -> io::Result<()> {
    match family {
        Family::V4 => {
            sock.leave_multicast_v4_n(&MDNS_GROUP_V4, &InterfaceIndexOrAddress::Index(ifindex))
        }
        Family::V6 => sock.leave_multicast_v6(&MDNS_GROUP_V6, ifindex),
    }
}

/// "That interface is gone" errors of a leave (the kernel already dropped it), and the
/// "already joined" of a join.
pub(crate) fn is_gone(e: &io::Error) -> bool {
    matches!(
        e.raw_os_error(),
        Some(libc::EADDRNOTAVAIL | libc::ENODEV | libc::ENOENT)
    )
}

/// Whether a socket error means "this address family is not supported here".
pub(crate) fn is_no_family(e: &io::Error) -> bool {
    e.raw_os_error() == Some(libc::EAFNOSUPPORT)
}

/// Whether a join error means "already a member".
pub(crate) fn is_already_joined(e: &io::Error) -> bool {
    e.raw_os_error() == Some(libc::EADDRINUSE)
}

/// Sends with `sendmsg` + `IP_PKTINFO` / `IPV6_PKTINFO`: the control message alone picks
/// the interface. `_last` (the multicast-interface cache of the other systems) is unused.
pub(crate) fn send(
    sock: &Socket,
    family: Family,
    dest: SocketAddr,
    out: OutInterface,
    data: &[u8],
    _last: &std::sync::atomic::AtomicU64,
) -> io::Result<usize> {
    super::unix::sendmsg(sock, family == Family::V6, dest, out.index, data)
}

/// The cross-thread waker: an `eventfd`.
#[derive(Debug)]
pub(crate) struct WakerImpl {
    fd: OwnedFd,
}

impl WakerImpl {
    pub(crate) fn new() -> io::Result<Self> {
        // SAFETY: plain syscall; the result is checked and owned below.
        let fd = unsafe { libc::eventfd(0, libc::EFD_NONBLOCK | libc::EFD_CLOEXEC) };
        if fd < 0 {
            return Err(io::Error::last_os_error());
        }
        // SAFETY: `fd` is a fresh descriptor nobody else owns.
        Ok(WakerImpl {
            fd: unsafe { OwnedFd::from_raw_fd(fd) },
        })
    }

    pub(crate) fn wake(&self) {
        let one: u64 = 1;
        // SAFETY: writes 8 bytes from a live u64. A full counter (EAGAIN) is already
        // "woken", so the result doesn't matter.
        let _ = unsafe {
            libc::write(
                self.fd.as_raw_fd(),
                (&one as *const u64).cast(),
                std::mem::size_of::<u64>(),
            )
        };
    }

    pub(crate) fn reset(&self) -> bool {
        let mut v: u64 = 0;
        // SAFETY: reads 8 bytes into a live u64.
        let n = unsafe {
            libc::read(
                self.fd.as_raw_fd(),
                (&mut v as *mut u64).cast(),
                std::mem::size_of::<u64>(),
            )
        };
        n == 8 && v > 0
    }

    pub(crate) fn source(&self) -> BorrowedFd<'_> {
        self.fd.as_fd()
    }
}

/// rtnetlink, or `getifaddrs` every 5 s where netlink is refused (see the module docs).
pub(crate) fn interface_source() -> io::Result<Box<dyn InterfaceSource>> {
    match netlink::Netlink::new() {
        Ok(n) => Ok(Box::new(n)),
        Err(e) => {
            tracing::info!(error = %e, "rtnetlink unavailable; re-reading getifaddrs every {POLL_EVERY:?} instead");
            // Fail here rather than later if getifaddrs is refused too.
            super::unix::getifaddrs_snapshot()?;
            Ok(Box::new(PollIfaddrs { every: POLL_EVERY }))
        }
    }
}
