//! The platform seam: everything that differs between operating systems, behind one
//! set of crate-private functions. Above it ([`MdnsSocket`](crate::MdnsSocket),
//! [`InterfaceWatcher`](crate::InterfaceWatcher), [`Waker`](crate::Waker),
//! [`wait_fds`](crate::wait_fds), the driver) the code is the same on every OS.
//!
//! | module | OS | sockets | interface list | changes | waker, wait |
//! |---|---|---|---|---|---|
//! | `linux` | Linux, Android | `recvmsg`/`sendmsg`, `IP_PKTINFO` both ways, joins by index | rtnetlink dump | `NETLINK_ROUTE` groups; `getifaddrs` every 5 s where the sandbox refuses netlink | `eventfd`, `poll(2)` |
//! | `bsd` | macOS, iOS, FreeBSD | `recvmsg`/`sendmsg`; `IP_PKTINFO` (Apple) or `IP_RECVIF` + `IP_RECVDSTADDR` (FreeBSD); IPv4 joins and `IP_MULTICAST_IF` by address | `getifaddrs` | `PF_ROUTE` socket (macOS, FreeBSD); `getifaddrs` every 5 s (iOS) | socket pair, `poll(2)` |
//! | `windows` | Windows | `WSARecvMsg`/`WSASendMsg`, `IP_PKTINFO`; IPv4 joins and `IP_MULTICAST_IF` by address, `IPV6_MULTICAST_IF` by index | `GetAdaptersAddresses` | `NotifyIpInterfaceChange` + `NotifyUnicastIpAddressChange`, backed by a re-read every 5 s | loopback UDP socket, `WSAPoll` |
//!
//! What each OS module provides (the seam): `configure` (socket options after
//! creation), `join` / `leave`, `recv` / `send`, `WakerImpl`, `wait`,
//! `interface_source`, `hostname`, `system_dns` (the resolver's servers where they are
//! not in `/etc/resolv.conf`: Windows' adapters).
//!
//! The readiness handle is a file descriptor on Unix and a `SOCKET` on Windows:
//! [`RawSource`] and [`BorrowedSource`] name whichever it is, and [`AsSource`] gives it.

use std::io;
use std::net::Ipv4Addr;

#[cfg(unix)]
pub(crate) mod unix;

#[cfg(any(target_os = "linux", target_os = "android"))]
pub(crate) mod linux;
#[cfg(any(target_os = "linux", target_os = "android"))]
pub(crate) use linux as os;

#[cfg(any(target_os = "macos", target_os = "ios", target_os = "freebsd"))]
pub(crate) mod bsd;
#[cfg(any(target_os = "macos", target_os = "ios", target_os = "freebsd"))]
pub(crate) use bsd as os;

#[cfg(windows)]
pub(crate) mod windows;
#[cfg(windows)]
pub(crate) use windows as os;

#[cfg(not(any(
    target_os = "linux",
    target_os = "android",
    target_os = "macos",
    target_os = "ios",
    target_os = "freebsd",
    windows
)))]
compile_error!("mdns-net supports Linux, Android, macOS, iOS, FreeBSD and Windows");

pub(crate) use os::{
    configure, hostname, is_already_joined, is_no_family, join, leave, recv, send, system_dns,
    wait, WakerImpl,
};

/// A raw readiness handle: a file descriptor on Unix.
#[cfg(unix)]
pub type RawSource = std::os::fd::RawFd;
/// A borrowed readiness handle: a file descriptor on Unix.
#[cfg(unix)]
pub type BorrowedSource<'a> = std::os::fd::BorrowedFd<'a>;
/// A raw readiness handle: a `SOCKET` on Windows.
#[cfg(windows)]
pub type RawSource = std::os::windows::io::RawSocket;
/// A borrowed readiness handle: a `SOCKET` on Windows.
#[cfg(windows)]
pub type BorrowedSource<'a> = std::os::windows::io::BorrowedSocket<'a>;

/// Something that can be waited on for readiness: a file descriptor on Unix (also
/// `AsFd`), a socket on Windows (also `AsSocket`).
pub trait AsSource {
    /// The handle.
    fn as_source(&self) -> BorrowedSource<'_>;
}

/// The raw value of a borrowed handle (for runtimes that take raw fds or sockets).
pub fn raw_source(s: BorrowedSource<'_>) -> RawSource {
    #[cfg(unix)]
    {
        std::os::fd::AsRawFd::as_raw_fd(&s)
    }
    #[cfg(windows)]
    {
        std::os::windows::io::AsRawSocket::as_raw_socket(&s)
    }
}

/// The interface a send goes out of: its index, and an IPv4 address of it for the
/// systems that name an IPv4 interface by address (Windows under Wine, the BSDs).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OutInterface {
    /// Interface index.
    pub index: u32,
    /// One of its IPv4 addresses, if it has one.
    pub v4: Option<Ipv4Addr>,
}

/// The OS's interface source (see the table above).
pub(crate) fn interface_source() -> io::Result<Box<dyn crate::watch::InterfaceSource>> {
    os::interface_source()
}

/// An interface-level error that means "that interface is gone or can't do it", as
/// opposed to a broken socket.
pub(crate) fn is_gone(e: &io::Error) -> bool {
    os::is_gone(e)
}
