//! What every Unix shares: `recvmsg` / `sendmsg` with control messages in the host's
//! [`Dialect`](crate::cmsg::Dialect), `poll(2)`, `getifaddrs(3)`, integer socket options.

use std::io;
use std::mem::size_of;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, SocketAddrV4, SocketAddrV6};
use std::os::fd::{AsRawFd, BorrowedFd, RawFd};
use std::time::Duration;

use socket2::{SockAddr, Socket};

use crate::cmsg::{self, CmsgBuf};
use crate::snapshot::{self, Flags, IfaddrsEntry};
use crate::socket::Received;

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

/// Receives one datagram with `recvmsg`, reading the control messages in the host
/// dialect. `WouldBlock` when there is none.
pub(crate) fn recv(sock: &Socket, buf: &mut [u8]) -> io::Result<Received> {
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
        let n = unsafe { libc::recvmsg(sock.as_raw_fd(), &mut msg, 0) };
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
        info: cmsg::parse(&cmsg::HOST, &ctrl.0[..clen]),
        truncated: msg.msg_flags & libc::MSG_TRUNC != 0,
    })
}

/// Sends `data` to `dest` with `sendmsg` and, where the host dialect has one, a
/// packet-info control message naming interface `ifindex`.
pub(crate) fn sendmsg(
    sock: &Socket,
    v6: bool,
    dest: SocketAddr,
    ifindex: u32,
    data: &[u8],
) -> io::Result<usize> {
    let name = SockAddr::from(dest);
    let mut ctrl = CmsgBuf::new();
    let clen = cmsg::encode_pktinfo(&cmsg::HOST, &mut ctrl.0, v6, ifindex);
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
    if clen > 0 {
        msg.msg_control = ctrl.0.as_mut_ptr().cast();
        msg.msg_controllen = clen as _;
    }
    loop {
        // SAFETY: as above.
        let n = unsafe { libc::sendmsg(sock.as_raw_fd(), &msg, 0) };
        if n >= 0 {
            return Ok(n as usize);
        }
        let e = io::Error::last_os_error();
        if e.kind() != io::ErrorKind::Interrupted {
            return Err(e);
        }
    }
}

pub(crate) fn sockaddr_to_std(
    ss: &libc::sockaddr_storage,
    len: libc::socklen_t,
) -> Option<SocketAddr> {
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

/// `poll(2)` over `read` (readable) and `write` (writable), at most `timeout` (None:
/// forever). A signal ends the wait early without an error.
pub(crate) fn wait(
    read: &[BorrowedFd<'_>],
    write: &[BorrowedFd<'_>],
    timeout: Option<Duration>,
) -> io::Result<()> {
    let mut fds: Vec<libc::pollfd> = read
        .iter()
        .map(|fd| libc::pollfd {
            fd: fd.as_raw_fd(),
            events: libc::POLLIN,
            revents: 0,
        })
        .collect();
    fds.extend(write.iter().map(|fd| libc::pollfd {
        fd: fd.as_raw_fd(),
        events: libc::POLLOUT,
        revents: 0,
    }));
    let timeout = match timeout {
        None => -1,
        Some(d) => i32::try_from(d.as_micros().div_ceil(1000)).unwrap_or(i32::MAX),
    };
    // SAFETY: `fds` is a live array of `fds.len()` pollfd.
    let r = unsafe { libc::poll(fds.as_mut_ptr(), fds.len() as libc::nfds_t, timeout) };
    if r < 0 {
        let e = io::Error::last_os_error();
        if e.kind() != io::ErrorKind::Interrupted {
            return Err(e);
        }
    }
    Ok(())
}

fn sockaddr_ip(sa: *const libc::sockaddr) -> Option<IpAddr> {
    if sa.is_null() {
        return None;
    }
    // SAFETY: non-null, and getifaddrs' addresses are valid for their family's size.
    unsafe {
        match i32::from((*sa).sa_family) {
            libc::AF_INET => {
                let a = &*sa.cast::<libc::sockaddr_in>();
                Some(IpAddr::V4(Ipv4Addr::from(u32::from_be(a.sin_addr.s_addr))))
            }
            libc::AF_INET6 => {
                let a = &*sa.cast::<libc::sockaddr_in6>();
                Some(IpAddr::V6(Ipv6Addr::from(a.sin6_addr.s6_addr)))
            }
            _ => None,
        }
    }
}

/// Every interface with its addresses, from `getifaddrs(3)` (see [`snapshot::from_ifaddrs`]).
pub(crate) fn getifaddrs_snapshot() -> io::Result<Vec<crate::iface::Interface>> {
    let mut head: *mut libc::ifaddrs = std::ptr::null_mut();
    // SAFETY: getifaddrs fills `head` with a list we free below.
    if unsafe { libc::getifaddrs(&mut head) } != 0 {
        return Err(io::Error::last_os_error());
    }
    let mut entries = Vec::new();
    let mut cur = head;
    while !cur.is_null() {
        // SAFETY: a node of the list getifaddrs returned, not yet freed.
        let ifa = unsafe { &*cur };
        cur = ifa.ifa_next;
        if ifa.ifa_name.is_null() {
            continue;
        }
        // SAFETY: a NUL-terminated name owned by the list.
        let cname = unsafe { std::ffi::CStr::from_ptr(ifa.ifa_name) };
        // SAFETY: a valid C string.
        let index = unsafe { libc::if_nametoindex(cname.as_ptr()) };
        let f = ifa.ifa_flags as i32;
        let flags = Flags {
            up: f & libc::IFF_UP != 0,
            running: f & libc::IFF_RUNNING != 0,
            multicast: f & libc::IFF_MULTICAST != 0,
            loopback: f & libc::IFF_LOOPBACK != 0,
            point_to_point: f & libc::IFF_POINTOPOINT != 0,
        };
        let addr = sockaddr_ip(ifa.ifa_addr).map(|a| (a, sockaddr_ip(ifa.ifa_netmask)));
        entries.push(IfaddrsEntry {
            name: cname.to_string_lossy().into_owned(),
            index,
            flags,
            addr,
        });
    }
    // SAFETY: the list getifaddrs made, freed once.
    unsafe { libc::freeifaddrs(head) };
    Ok(snapshot::from_ifaddrs(entries))
}

/// An interface source that re-reads `getifaddrs` every `every` (no change signal):
/// iOS, and Linux or Android without netlink.
#[cfg(any(target_os = "linux", target_os = "android", target_os = "ios"))]
pub(crate) struct PollIfaddrs {
    pub(crate) every: Duration,
}

#[cfg(any(target_os = "linux", target_os = "android", target_os = "ios"))]
impl crate::watch::InterfaceSource for PollIfaddrs {
    fn changed(&mut self) -> io::Result<bool> {
        Ok(false)
    }
    fn snapshot(&mut self) -> Result<Vec<crate::iface::Interface>, crate::watch::SnapshotError> {
        Ok(getifaddrs_snapshot()?)
    }
    fn poll_interval(&self) -> Option<Duration> {
        Some(self.every)
    }
}

/// The system resolver's servers and search domains where they are not in
/// `/etc/resolv.conf`: never on Unix (`None`: read that file).
pub(crate) fn system_dns() -> Option<(Vec<std::net::IpAddr>, Vec<String>)> {
    None
}

/// The machine's host name (`gethostname(2)`), empty if it fails.
pub(crate) fn hostname() -> String {
    let mut buf = [0u8; 256];
    // SAFETY: writes at most buf.len() bytes into a live buffer.
    let r = unsafe { libc::gethostname(buf.as_mut_ptr().cast(), buf.len()) };
    if r != 0 {
        return String::new();
    }
    let end = buf.iter().position(|&b| b == 0).unwrap_or(buf.len());
    String::from_utf8_lossy(&buf[..end]).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The loopback interface is in every namespace, also the test's own; reading the
    /// list sends nothing.
    #[test]
    fn getifaddrs_sees_loopback() {
        let snap = getifaddrs_snapshot().unwrap();
        assert!(snap.iter().any(|i| i.loopback), "{snap:?}");
    }
}
