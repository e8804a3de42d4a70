//! The UDP sockets: one per family on the shared port 5353, and one per family on an
//! ephemeral port for one-shot queries (RFC 6762 §5.1). The same type on every OS; the
//! options and calls that differ are in `sys` (see its table).
//!
//! Every socket is nonblocking (close-on-exec on Unix, not inherited on Windows), sends
//! with TTL / hop limit 255 unicast and multicast (RFC 6762 §11), loops its own multicast
//! back, and asks the OS for the arrival interface, destination address and TTL of each
//! datagram. The port 5353 sockets share the port (`SO_REUSEADDR`, and `SO_REUSEPORT`
//! where it exists) so that Avahi, Bonjour, the Windows mDNS service, another copy of
//! this stack and we all bind it side by side (RFC 6762 §15.1).
//!
//! Sends name their interface: by a packet-info control message where the OS takes one,
//! and otherwise (FreeBSD's IPv4, and Windows, where Wine ignores the control message)
//! by setting the socket's multicast interface before a multicast send that goes out of
//! another interface than the last one.

use std::io;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, SocketAddrV6};
use std::sync::atomic::AtomicU64;

use mdns_sansio::engine::{Family, SourcePort, MDNS_PORT};
use socket2::{Domain, Protocol, Socket, Type};

use crate::cmsg::PacketInfo;
use crate::sys::{self, AsSource, BorrowedSource, OutInterface};

/// One received datagram, as the socket saw it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Received {
    /// Bytes written into the buffer.
    pub len: usize,
    /// Sender.
    pub source: SocketAddr,
    /// Interface, destination and TTL from the control messages.
    pub info: PacketInfo,
    /// The datagram was longer than the buffer and was cut (`MSG_TRUNC`; on Windows
    /// `WSAEMSGSIZE`).
    pub truncated: bool,
}

/// A nonblocking UDP socket set up for mDNS. See the module docs.
#[derive(Debug)]
pub struct MdnsSocket {
    sock: Socket,
    family: Family,
    port: SourcePort,
    /// The multicast interface last set with the socket option (0: never), on the
    /// systems that need it.
    last_mcast_if: AtomicU64,
}

impl MdnsSocket {
    /// The shared-port socket of `family`: `0.0.0.0:5353` or `[::]:5353` (v6-only).
    /// It joins no group yet: see [`MdnsSocket::join`].
    pub fn bind_mdns(family: Family) -> io::Result<Self> {
        Self::open(family, SourcePort::Mdns, MDNS_PORT)
    }

    /// An ephemeral-port socket of `family`, for one-shot queries whose replies come
    /// back by unicast.
    pub fn bind_ephemeral(family: Family) -> io::Result<Self> {
        Self::open(family, SourcePort::Ephemeral, 0)
    }

    fn open(family: Family, port: SourcePort, portnum: u16) -> io::Result<Self> {
        let domain = match family {
            Family::V4 => Domain::IPV4,
            Family::V6 => Domain::IPV6,
        };
        #[cfg(any(target_os = "linux", target_os = "android", target_os = "freebsd"))]
        let sock = Socket::new(
            domain,
            Type::DGRAM.nonblocking().cloexec(),
            Some(Protocol::UDP),
        )?;
        #[cfg(not(any(target_os = "linux", target_os = "android", target_os = "freebsd")))]
        let sock = {
            // socket2 sets close-on-exec (Apple) / no-inherit (Windows) itself.
            let s = Socket::new(domain, Type::DGRAM, Some(Protocol::UDP))?;
            s.set_nonblocking(true)?;
            s
        };
        sys::configure(&sock, family, port)?;
        let bind: SocketAddr = match family {
            Family::V4 => SocketAddr::new(IpAddr::V4(Ipv4Addr::UNSPECIFIED), portnum),
            Family::V6 => SocketAddr::new(IpAddr::V6(Ipv6Addr::UNSPECIFIED), portnum),
        };
        sock.bind(&bind.into())?;
        Ok(MdnsSocket {
            sock,
            family,
            port,
            last_mcast_if: AtomicU64::new(0),
        })
    }

    /// The socket's family.
    pub fn family(&self) -> Family {
        self.family
    }

    /// Whether this is the shared port 5353 socket or an ephemeral one.
    pub fn source_port(&self) -> SourcePort {
        self.port
    }

    /// The bound local address (port 5353, or the ephemeral port the OS chose).
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.sock
            .local_addr()?
            .as_socket()
            .ok_or_else(|| io::Error::other("not an IP socket"))
    }

    /// Joins the mDNS group of this socket's family on interface `ifindex`, by index
    /// (Wine refuses the index form for IPv4: see [`join_on`](Self::join_on)). Joining a
    /// group twice is not an error.
    pub fn join(&self, ifindex: u32) -> io::Result<()> {
        self.join_on(ifindex, None)
    }

    /// As [`join`](Self::join), naming the interface of an IPv4 join by one of its
    /// addresses `v4` where the OS takes that form (the BSDs, Windows; Linux joins by
    /// index whatever `v4` says). The driver always passes it.
    pub fn join_on(&self, ifindex: u32, v4: Option<Ipv4Addr>) -> io::Result<()> {
        match sys::join(&self.sock, self.family, ifindex, v4) {
            Err(e) if sys::is_already_joined(&e) => Ok(()),
            r => r,
        }
    }

    /// Leaves the mDNS group on interface `ifindex`. Leaving a group not joined, or on
    /// an interface that no longer exists (the OS already dropped the membership), is
    /// not an error.
    pub fn leave(&self, ifindex: u32) -> io::Result<()> {
        self.leave_on(ifindex, None)
    }

    /// As [`leave`](Self::leave), for a group joined with [`join_on`](Self::join_on)
    /// (`v4`: the address it was joined with).
    pub fn leave_on(&self, ifindex: u32, v4: Option<Ipv4Addr>) -> io::Result<()> {
        match sys::leave(&self.sock, self.family, ifindex, v4) {
            Err(e) if sys::is_gone(&e) => Ok(()),
            r => r,
        }
    }

    /// Receives one datagram into `buf`. `WouldBlock` when there is none.
    pub fn recv(&self, buf: &mut [u8]) -> io::Result<Received> {
        sys::recv(&self.sock, buf)
    }

    /// Sends `data` to `dest` out of interface `ifindex`. An IPv6 link-local destination
    /// without a scope gets the interface as its scope. On the BSDs and Windows an IPv4
    /// multicast send is better made with [`send_via`](Self::send_via), which can name
    /// the interface by address (the only form Wine takes).
    pub fn send(&self, dest: SocketAddr, ifindex: u32, data: &[u8]) -> io::Result<usize> {
        let out = OutInterface {
            index: ifindex,
            v4: None,
        };
        self.send_via(dest, out, data)
    }

    /// Sends `data` to `dest` out of interface `out` (its index, and one of its IPv4
    /// addresses if it has one). What the driver uses.
    pub fn send_via(&self, dest: SocketAddr, out: OutInterface, data: &[u8]) -> io::Result<usize> {
        let dest = match dest {
            SocketAddr::V6(a) if a.scope_id() == 0 && needs_scope(a.ip()) => SocketAddr::V6(
                SocketAddrV6::new(*a.ip(), a.port(), a.flowinfo(), out.index),
            ),
            d => d,
        };
        sys::send(
            &self.sock,
            self.family,
            dest,
            out,
            data,
            &self.last_mcast_if,
        )
    }
}

impl AsSource for MdnsSocket {
    fn as_source(&self) -> BorrowedSource<'_> {
        #[cfg(unix)]
        {
            std::os::fd::AsFd::as_fd(&self.sock)
        }
        #[cfg(windows)]
        {
            std::os::windows::io::AsSocket::as_socket(&self.sock)
        }
    }
}

#[cfg(unix)]
impl std::os::fd::AsFd for MdnsSocket {
    fn as_fd(&self) -> std::os::fd::BorrowedFd<'_> {
        self.as_source()
    }
}

#[cfg(unix)]
impl std::os::fd::AsRawFd for MdnsSocket {
    fn as_raw_fd(&self) -> std::os::fd::RawFd {
        std::os::fd::AsRawFd::as_raw_fd(&self.sock)
    }
}

#[cfg(windows)]
impl std::os::windows::io::AsSocket for MdnsSocket {
    fn as_socket(&self) -> std::os::windows::io::BorrowedSocket<'_> {
        self.as_source()
    }
}

#[cfg(windows)]
impl std::os::windows::io::AsRawSocket for MdnsSocket {
    fn as_raw_socket(&self) -> std::os::windows::io::RawSocket {
        std::os::windows::io::AsRawSocket::as_raw_socket(&self.sock)
    }
}

/// Link-local unicast and link-scope multicast need an interface to mean anything.
fn needs_scope(ip: &Ipv6Addr) -> bool {
    let seg0 = ip.segments()[0];
    (seg0 & 0xffc0) == 0xfe80 || (ip.is_multicast() && (seg0 & 0x000f) <= 2)
}

#[cfg_attr(
    any(target_os = "linux", target_os = "android"),
    allow(dead_code) // Linux picks the interface with IP_PKTINFO alone
)]
/// Whether the socket's multicast interface must be set before this send, and records
/// it as set: only for a multicast destination, and only when it differs from the last
/// one. `key` names the interface (its index, or its IPv4 address as a number).
pub(crate) fn mcast_if_changes(last: &AtomicU64, dest: &SocketAddr, key: u32) -> bool {
    use std::sync::atomic::Ordering;
    if !dest.ip().is_multicast() {
        return false;
    }
    let tagged = (1u64 << 32) | u64::from(key);
    last.swap(tagged, Ordering::Relaxed) != tagged
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scope_needed_for_link_local_only() {
        assert!(needs_scope(&"fe80::1".parse().unwrap()));
        assert!(needs_scope(&"ff02::fb".parse().unwrap()));
        assert!(!needs_scope(&"fd99::1".parse().unwrap()));
        assert!(!needs_scope(&"ff05::fb".parse().unwrap()));
        assert!(!needs_scope(&"2001:db8::1".parse().unwrap()));
    }

    #[test]
    fn multicast_interface_set_only_when_it_changes() {
        let last = AtomicU64::new(0);
        let group: SocketAddr = "224.0.0.251:5353".parse().unwrap();
        let peer: SocketAddr = "10.0.0.9:5353".parse().unwrap();
        assert!(mcast_if_changes(&last, &group, 2));
        assert!(!mcast_if_changes(&last, &group, 2));
        // A unicast send never touches it.
        assert!(!mcast_if_changes(&last, &peer, 3));
        assert!(mcast_if_changes(&last, &group, 3));
        assert!(mcast_if_changes(&last, &group, 2));
        // Key 0 (the "any" address) is a value like the others, not "unset".
        assert!(mcast_if_changes(&last, &group, 0));
        assert!(!mcast_if_changes(&last, &group, 0));
    }
}
