//! Windows: Winsock 2 and the IP Helper API, through `windows-sys`.
//!
//! - Receive: `WSARecvMsg` (looked up once with `WSAIoctl` /
//!   `SIO_GET_EXTENSION_FUNCTION_POINTER`) with `IP_PKTINFO` + `IP_RECVTTL` and
//!   `IPV6_PKTINFO` + `IPV6_HOPLIMIT`, read in the [`WINDOWS`](crate::cmsg::WINDOWS)
//!   dialect. `SIO_UDP_CONNRESET` is turned off: otherwise an ICMP port unreachable
//!   after a unicast reply surfaces as `WSAECONNRESET` on the next receive.
//! - Send: `WSASendMsg` with an `IN_PKTINFO` / `IN6_PKTINFO` naming the interface (real
//!   Windows honours it), and `IP_MULTICAST_IF` by address / `IPV6_MULTICAST_IF` by
//!   index set before a multicast send that leaves from another interface than the last
//!   one: Wine ignores the control message on send, and sends follow the option.
//! - Joins: IPv4 by interface address (Wine refuses the index form `0.0.0.idx` with
//!   `WSAEINVAL`; real Windows takes both), IPv6 by index. Port sharing: `SO_REUSEADDR`
//!   on 5353 (the Windows mDNS service in `Dnscache` binds it the same way).
//! - Interfaces: `GetAdaptersAddresses` ([`adapters`]), parsed by the pure
//!   `snapshot::from_adapters`. Changes: `NotifyIpInterfaceChange` and
//!   `NotifyUnicastIpAddressChange` callbacks make a loopback UDP socket readable, which
//!   the runtime waits on like the others; and the list is re-read every 5 s whatever
//!   they say, because Wine never fires them and a missed callback must not leave an
//!   adapter unserved for good.
//! - Waker and change signal: a UDP socket on 127.0.0.1 (or `[::1]`) that sends a byte
//!   to itself ([`Signal`]); waiting: `WSAPoll`.

mod adapters;
mod msg;

use std::io;
use std::net::{Ipv4Addr, SocketAddr, UdpSocket};
use std::os::windows::io::{AsRawSocket, AsSocket, BorrowedSocket};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use mdns_sansio::engine::{Family, SourcePort};
use mdns_sansio::engine::{MDNS_GROUP_V4, MDNS_GROUP_V6};
use socket2::{InterfaceIndexOrAddress, Socket};
use windows_sys::Win32::Networking::WinSock as ws;

pub(crate) use msg::recv;

use super::OutInterface;
use crate::socket::mcast_if_changes;
use crate::watch::InterfaceSource;

/// How often the adapter list is re-read without a notification.
const POLL_EVERY: Duration = Duration::from_secs(5);

fn last_error() -> io::Error {
    // SAFETY: plain getter.
    io::Error::from_raw_os_error(unsafe { ws::WSAGetLastError() })
}

fn setsockopt_int(sock: &Socket, level: i32, name: i32, value: i32) -> io::Result<()> {
    // SAFETY: passes a pointer to a live i32 and its size.
    let r = unsafe {
        ws::setsockopt(
            sock.as_raw_socket() as ws::SOCKET,
            level,
            name,
            (&value as *const i32).cast(),
            std::mem::size_of::<i32>() as i32,
        )
    };
    if r != 0 {
        Err(last_error())
    } else {
        Ok(())
    }
}

/// Socket options after creation (the socket is nonblocking and not inherited).
pub(crate) fn configure(sock: &Socket, family: Family, port: SourcePort) -> io::Result<()> {
    if port == SourcePort::Mdns {
        // Share the port, never take it over (RFC 6762 §15.1).
        sock.set_reuse_address(true)?;
    }
    // An ICMP error after a send must not fail the next receive.
    let off: u32 = 0;
    let mut returned = 0u32;
    // SAFETY: passes a live u32 in, no output buffer.
    let r = unsafe {
        ws::WSAIoctl(
            sock.as_raw_socket() as ws::SOCKET,
            ws::SIO_UDP_CONNRESET,
            (&off as *const u32).cast(),
            4,
            std::ptr::null_mut(),
            0,
            &mut returned,
            std::ptr::null_mut(),
            None,
        )
    };
    if r != 0 {
        tracing::debug!(error = %last_error(), "SIO_UDP_CONNRESET unsupported");
    }
    match family {
        Family::V4 => {
            sock.set_multicast_loop_v4(true)?;
            sock.set_multicast_ttl_v4(255)?;
            sock.set_ttl_v4(255)?;
            setsockopt_int(sock, ws::IPPROTO_IP, ws::IP_PKTINFO, 1)?;
            if let Err(e) = setsockopt_int(sock, ws::IPPROTO_IP, ws::IP_RECVTTL, 1) {
                // Without it the engine skips its TTL check (RecvMeta::ttl is None).
                tracing::debug!(error = %e, "IP_RECVTTL unsupported");
            }
        }
        Family::V6 => {
            sock.set_only_v6(true)?;
            sock.set_multicast_loop_v6(true)?;
            sock.set_multicast_hops_v6(255)?;
            sock.set_unicast_hops_v6(255)?;
            setsockopt_int(sock, ws::IPPROTO_IPV6, ws::IPV6_PKTINFO, 1)?;
            if let Err(e) = setsockopt_int(sock, ws::IPPROTO_IPV6, ws::IPV6_HOPLIMIT, 1) {
                tracing::debug!(error = %e, "IPV6_HOPLIMIT unsupported");
            }
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
        Some(ws::WSAEADDRNOTAVAIL | ws::WSAEINVAL | ws::WSAENETDOWN)
    )
}

/// Whether a socket error means "this address family is not supported here".
pub(crate) fn is_no_family(e: &io::Error) -> bool {
    matches!(
        e.raw_os_error(),
        Some(ws::WSAEAFNOSUPPORT | ws::WSAEPROTONOSUPPORT | ws::WSAEPFNOSUPPORT)
    )
}

/// Whether a join error means "already a member".
pub(crate) fn is_already_joined(e: &io::Error) -> bool {
    e.raw_os_error() == Some(ws::WSAEADDRINUSE)
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
        // An address of the interface, or its index in the 0.0.0.idx form (real
        // Windows only: Wine refuses it).
        Family::V4 => {
            let by = out.v4.unwrap_or(Ipv4Addr::from(out.index));
            if mcast_if_changes(last, &dest, u32::from(by)) {
                sock.set_multicast_if_v4(&by)
            } else {
                Ok(())
            }
        }
        Family::V6 if mcast_if_changes(last, &dest, out.index) => {
            sock.set_multicast_if_v6(out.index)
        }
        Family::V6 => Ok(()),
    };
    if let Err(e) = set {
        last.store(0, Ordering::Relaxed);
        return Err(e);
    }
    msg::send(sock, family == Family::V6, dest, out.index, data)
}

/// A loopback UDP socket that sends a byte to itself to become readable: the waker,
/// and the change signal the IP Helper callbacks raise from their thread.
#[derive(Debug)]
pub(crate) struct Signal {
    sock: UdpSocket,
    addr: SocketAddr,
}

impl Signal {
    pub(crate) fn new() -> io::Result<Self> {
        let sock = UdpSocket::bind((Ipv4Addr::LOCALHOST, 0))
            .or_else(|_| UdpSocket::bind((std::net::Ipv6Addr::LOCALHOST, 0)))?;
        sock.set_nonblocking(true)?;
        let addr = sock.local_addr()?;
        Ok(Signal { sock, addr })
    }

    /// Makes the socket readable. A full buffer is already "raised".
    pub(crate) fn raise(&self) {
        let _ = self.sock.send_to(&[1], self.addr);
    }

    /// Reads everything pending. True if anything was.
    pub(crate) fn drain(&self) -> bool {
        let mut any = false;
        let mut b = [0u8; 16];
        loop {
            match self.sock.recv_from(&mut b) {
                Ok(_) => any = true,
                // A reset from an earlier send has nothing to do with us: go on.
                Err(e) if e.raw_os_error() == Some(ws::WSAECONNRESET) => {}
                Err(_) => return any,
            }
        }
    }

    pub(crate) fn source(&self) -> BorrowedSocket<'_> {
        self.sock.as_socket()
    }
}

/// The cross-thread waker: a [`Signal`].
#[derive(Debug)]
pub(crate) struct WakerImpl(Signal);

impl WakerImpl {
    pub(crate) fn new() -> io::Result<Self> {
        Ok(WakerImpl(Signal::new()?))
    }
    pub(crate) fn wake(&self) {
        self.0.raise()
    }
    pub(crate) fn reset(&self) -> bool {
        self.0.drain()
    }
    pub(crate) fn source(&self) -> BorrowedSocket<'_> {
        self.0.source()
    }
}

/// `WSAPoll` over `read` and `write`, at most `timeout` (None: forever).
pub(crate) fn wait(
    read: &[BorrowedSocket<'_>],
    write: &[BorrowedSocket<'_>],
    timeout: Option<Duration>,
) -> io::Result<()> {
    let ms = match timeout {
        None => -1,
        Some(d) => i32::try_from(d.as_micros().div_ceil(1000)).unwrap_or(i32::MAX),
    };
    let mut fds: Vec<ws::WSAPOLLFD> = read
        .iter()
        .map(|s| ws::WSAPOLLFD {
            fd: s.as_raw_socket() as ws::SOCKET,
            events: ws::POLLRDNORM,
            revents: 0,
        })
        .chain(write.iter().map(|s| ws::WSAPOLLFD {
            fd: s.as_raw_socket() as ws::SOCKET,
            events: ws::POLLWRNORM,
            revents: 0,
        }))
        .collect();
    if fds.is_empty() {
        // WSAPoll refuses an empty set.
        if let Some(d) = timeout {
            std::thread::sleep(d);
        }
        return Ok(());
    }
    // SAFETY: `fds` is a live array of `fds.len()` WSAPOLLFD.
    let r = unsafe { ws::WSAPoll(fds.as_mut_ptr(), fds.len() as u32, ms) };
    if r < 0 {
        let e = last_error();
        if e.raw_os_error() != Some(ws::WSAEINTR) {
            return Err(e);
        }
    }
    Ok(())
}

/// `GetAdaptersAddresses`, with IP Helper notifications and a 5 s re-read.
pub(crate) fn interface_source() -> io::Result<Box<dyn InterfaceSource>> {
    Ok(Box::new(adapters::Adapters::new(POLL_EVERY)?))
}

/// The system resolver's servers and DNS suffixes: the adapters' (see
/// `adapters::dns_config`); `None` if they cannot be read.
pub(crate) fn system_dns() -> Option<(Vec<std::net::IpAddr>, Vec<String>)> {
    adapters::dns_config()
        .map_err(|e| tracing::debug!(error = %e, "reading the DNS servers failed"))
        .ok()
}

/// The machine's DNS host name (`GetComputerNameExW`), empty if it fails.
pub(crate) fn hostname() -> String {
    use windows_sys::Win32::System::SystemInformation::{
        ComputerNameDnsHostname, GetComputerNameExW,
    };
    let mut buf = [0u16; 256];
    let mut len = buf.len() as u32;
    // SAFETY: writes at most `len` UTF-16 units into a live buffer and updates `len`.
    let ok = unsafe { GetComputerNameExW(ComputerNameDnsHostname, buf.as_mut_ptr(), &mut len) };
    if ok == 0 {
        return std::env::var("COMPUTERNAME").unwrap_or_default();
    }
    String::from_utf16_lossy(&buf[..(len as usize).min(buf.len())])
}
