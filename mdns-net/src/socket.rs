//! The UDP sockets: one per family on the shared port 5353, and one per family on an
//! ephemeral port for one-shot queries (RFC 6762 §5.1).
//!
//! Every socket is nonblocking, close-on-exec, sends with TTL / hop limit 255 unicast
//! and multicast (RFC 6762 §11), loops its own multicast back, and asks the kernel for
//! the arrival interface, destination address and TTL of each datagram. The port 5353
//! sockets set `SO_REUSEADDR` + `SO_REUSEPORT` so that Avahi, another copy of this
//! stack and we all bind the port side by side, and `IP_MULTICAST_ALL` /
//! `IPV6_MULTICAST_ALL` off so that they only see the groups they joined on the
//! interfaces they joined them on.
//!
//! Sends go out with `sendmsg` and an `IP_PKTINFO` / `IPV6_PKTINFO` control message
//! that names the interface: the same call serves multicast and unicast, no socket
//! state changes between sends.

use std::io;
use std::mem::size_of;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, SocketAddrV4, SocketAddrV6};
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, RawFd};

use mdns_proto::engine::{Family, SourcePort};
use mdns_proto::engine::{MDNS_GROUP_V4, MDNS_GROUP_V6, MDNS_PORT};
use socket2::{Domain, InterfaceIndexOrAddress, Protocol, SockAddr, Socket, Type};

use crate::cmsg::{self, CmsgBuf, PacketInfo};

/// One received datagram, as the socket saw it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Received {
    /// Bytes written into the buffer.
    pub len: usize,
    /// Sender.
    pub source: SocketAddr,
    /// Interface, destination and TTL from the control messages.
    pub info: PacketInfo,
    /// The datagram was longer than the buffer and was cut (`MSG_TRUNC`).
    pub truncated: bool,
}

/// A nonblocking UDP socket set up for mDNS. See the module docs.
#[derive(Debug)]
pub struct MdnsSocket {
    sock: Socket,
    family: Family,
    port: SourcePort,
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
        let sock = Socket::new(
            domain,
            Type::DGRAM.nonblocking().cloexec(),
            Some(Protocol::UDP),
        )?;
        if port == SourcePort::Mdns {
            // Share the port, never take it over (RFC 6762 §15.1).
            sock.set_reuse_address(true)?;
            sock.set_reuse_port(true)?;
        }
        let fd = sock.as_raw_fd();
        let bind: SocketAddr = match family {
            Family::V4 => {
                sock.set_multicast_loop_v4(true)?;
                sock.set_multicast_ttl_v4(255)?;
                sock.set_ttl_v4(255)?;
                sock.set_multicast_all_v4(false)?;
                setsockopt_int(fd, libc::IPPROTO_IP, libc::IP_PKTINFO, 1)?;
                setsockopt_int(fd, libc::IPPROTO_IP, libc::IP_RECVTTL, 1)?;
                SocketAddr::new(IpAddr::V4(Ipv4Addr::UNSPECIFIED), portnum)
            }
            Family::V6 => {
                sock.set_only_v6(true)?;
                sock.set_multicast_loop_v6(true)?;
                sock.set_multicast_hops_v6(255)?;
                sock.set_unicast_hops_v6(255)?;
                // IPV6_MULTICAST_ALL exists since Linux 4.20; older kernels deliver
                // every joined group, which the driver filters by interface anyway.
                if let Err(e) = sock.set_multicast_all_v6(false) {
                    tracing::debug!(error = %e, "IPV6_MULTICAST_ALL unsupported");
                }
                setsockopt_int(fd, libc::IPPROTO_IPV6, libc::IPV6_RECVPKTINFO, 1)?;
                sock.set_recv_hoplimit_v6(true)?;
                SocketAddr::new(IpAddr::V6(Ipv6Addr::UNSPECIFIED), portnum)
            }
        };
        sock.bind(&bind.into())?;
        Ok(MdnsSocket { sock, family, port })
    }

    /// The socket's family.
    pub fn family(&self) -> Family {
        self.family
    }

    /// Whether this is the shared port 5353 socket or an ephemeral one.
    pub fn source_port(&self) -> SourcePort {
        self.port
    }

    /// The bound local address (port 5353, or the ephemeral port the kernel chose).
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.sock
            .local_addr()?
            .as_socket()
            .ok_or_else(|| io::Error::other("not an IP socket"))
    }

    /// Joins the mDNS group of this socket's family on interface `ifindex`. Joining a
    /// group twice is not an error.
    pub fn join(&self, ifindex: u32) -> io::Result<()> {
        let r = match self.family {
            Family::V4 => self
                .sock
                .join_multicast_v4_n(&MDNS_GROUP_V4, &InterfaceIndexOrAddress::Index(ifindex)),
            Family::V6 => self.sock.join_multicast_v6(&MDNS_GROUP_V6, ifindex),
        };
        match r {
            Err(e) if e.raw_os_error() == Some(libc::EADDRINUSE) => Ok(()),
            r => r,
        }
    }

    /// Leaves the mDNS group on interface `ifindex`. Leaving a group not joined, or on
    /// an interface that no longer exists (the kernel already dropped the membership),
    /// is not an error.
    pub fn leave(&self, ifindex: u32) -> io::Result<()> {
        let r = match self.family {
            Family::V4 => self
                .sock
                .leave_multicast_v4_n(&MDNS_GROUP_V4, &InterfaceIndexOrAddress::Index(ifindex)),
            Family::V6 => self.sock.leave_multicast_v6(&MDNS_GROUP_V6, ifindex),
        };
        match r {
            Err(e)
                if matches!(
                    e.raw_os_error(),
                    Some(libc::EADDRNOTAVAIL | libc::ENODEV | libc::ENOENT)
                ) =>
            {
                Ok(())
            }
            r => r,
        }
    }

    /// Receives one datagram into `buf` with `recvmsg`. `WouldBlock` when there is none.
    pub fn recv(&self, buf: &mut [u8]) -> io::Result<Received> {
        // SAFETY: all-zero is a valid sockaddr_storage.
        let mut name: libc::sockaddr_storage = unsafe { std::mem::zeroed() };
        let mut ctrl = CmsgBuf::new();
        let mut iov = libc::iovec {
            iov_base: buf.as_mut_ptr().cast(),
            iov_len: buf.len(),
        };
        // SAFETY: all-zero is a valid msghdr; the pointers set below outlive the call.
        let mut msg: libc::msghdr = unsafe { std::mem::zeroed() };
        msg.msg_name = (&mut name as *mut libc::sockaddr_storage).cast();
        msg.msg_namelen = size_of::<libc::sockaddr_storage>() as libc::socklen_t;
        msg.msg_iov = &mut iov;
        msg.msg_iovlen = 1;
        msg.msg_control = ctrl.0.as_mut_ptr().cast();
        msg.msg_controllen = ctrl.0.len() as _;
        let n = loop {
            // SAFETY: msg points at live buffers of the stated lengths.
            let n = unsafe { libc::recvmsg(self.sock.as_raw_fd(), &mut msg, 0) };
            if n >= 0 {
                break n as usize;
            }
            let e = io::Error::last_os_error();
            if e.kind() != io::ErrorKind::Interrupted {
                return Err(e);
            }
        };
        let source = sockaddr_to_std(&name, msg.msg_namelen)
            .ok_or_else(|| io::Error::other("datagram from a non-IP address"))?;
        let clen = (msg.msg_controllen as usize).min(ctrl.0.len());
        Ok(Received {
            len: n.min(buf.len()),
            source,
            info: cmsg::parse(&ctrl.0[..clen]),
            truncated: msg.msg_flags & libc::MSG_TRUNC != 0,
        })
    }

    /// Sends `data` to `dest` out of interface `ifindex` with `sendmsg` + packet info.
    /// An IPv6 link-local destination without a scope gets `ifindex` as its scope.
    pub fn send(&self, dest: SocketAddr, ifindex: u32, data: &[u8]) -> io::Result<usize> {
        let dest = match dest {
            SocketAddr::V6(a) if a.scope_id() == 0 && needs_scope(a.ip()) => {
                SocketAddr::V6(SocketAddrV6::new(*a.ip(), a.port(), a.flowinfo(), ifindex))
            }
            d => d,
        };
        let name = SockAddr::from(dest);
        let mut ctrl = CmsgBuf::new();
        let clen = cmsg::encode_pktinfo(&mut ctrl, self.family == Family::V6, ifindex);
        let mut iov = libc::iovec {
            iov_base: data.as_ptr() as *mut libc::c_void,
            iov_len: data.len(),
        };
        // SAFETY: all-zero is a valid msghdr; the pointers set below outlive the call
        // and sendmsg only reads through them.
        let mut msg: libc::msghdr = unsafe { std::mem::zeroed() };
        msg.msg_name = name.as_ptr() as *mut libc::c_void;
        msg.msg_namelen = name.len();
        msg.msg_iov = &mut iov;
        msg.msg_iovlen = 1;
        msg.msg_control = ctrl.0.as_mut_ptr().cast();
        msg.msg_controllen = clen as _;
        loop {
            // SAFETY: as above.
            let n = unsafe { libc::sendmsg(self.sock.as_raw_fd(), &msg, 0) };
            if n >= 0 {
                return Ok(n as usize);
            }
            let e = io::Error::last_os_error();
            if e.kind() != io::ErrorKind::Interrupted {
                return Err(e);
            }
        }
    }
}

impl AsFd for MdnsSocket {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.sock.as_fd()
    }
}

impl AsRawFd for MdnsSocket {
    fn as_raw_fd(&self) -> RawFd {
        self.sock.as_raw_fd()
    }
}

/// Link-local unicast and link-scope multicast need an interface to mean anything.
fn needs_scope(ip: &Ipv6Addr) -> bool {
    let seg0 = ip.segments()[0];
    (seg0 & 0xffc0) == 0xfe80 || (ip.is_multicast() && (seg0 & 0x000f) <= 2)
}

pub(crate) fn setsockopt_int(fd: RawFd, level: i32, name: i32, value: i32) -> io::Result<()> {
    // SAFETY: passes a pointer to a live c_int and its size.
    let r = unsafe {
        libc::setsockopt(
            fd,
            level,
            name,
            (&value as *const i32).cast(),
            size_of::<i32>() as libc::socklen_t,
        )
    };
    if r < 0 {
        Err(io::Error::last_os_error())
    } else {
        Ok(())
    }
}

fn sockaddr_to_std(ss: &libc::sockaddr_storage, len: libc::socklen_t) -> Option<SocketAddr> {
    let len = len as usize;
    match i32::from(ss.ss_family) {
        libc::AF_INET if len >= size_of::<libc::sockaddr_in>() => {
            // SAFETY: the family says sockaddr_in, and it fits in the storage.
            let a = unsafe { &*(ss as *const libc::sockaddr_storage).cast::<libc::sockaddr_in>() };
            Some(SocketAddr::V4(SocketAddrV4::new(
                Ipv4Addr::from(u32::from_be(a.sin_addr.s_addr)),
                u16::from_be(a.sin_port),
            )))
        }
        libc::AF_INET6 if len >= size_of::<libc::sockaddr_in6>() => {
            // SAFETY: the family says sockaddr_in6, and it fits in the storage.
            let a = unsafe { &*(ss as *const libc::sockaddr_storage).cast::<libc::sockaddr_in6>() };
            Some(SocketAddr::V6(SocketAddrV6::new(
                Ipv6Addr::from(a.sin6_addr.s6_addr),
                u16::from_be(a.sin6_port),
                u32::from_be(a.sin6_flowinfo),
                a.sin6_scope_id,
            )))
        }
        _ => None,
    }
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
}
