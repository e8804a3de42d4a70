//! Ancillary data ("control messages", `cmsg(3)`, `WSACMSGHDR`) of `recvmsg` / `sendmsg`
//! and `WSARecvMsg` / `WSASendMsg`, read and written as bytes.
//!
//! Each OS lays out the header differently (the width of `cmsg_len`, the padding of
//! header and payload) and names the options with its own numbers and payloads: a
//! [`Dialect`] holds one OS's layout and codes, and [`HOST`] is the one this build runs
//! on. Every dialect is plain data, so the Windows, Apple and FreeBSD ones are unit-tested
//! on every build host; a test per OS checks [`HOST`] against the system headers
//! (`libc`, `windows-sys`).
//!
//! Receiving: the sockets ask for the arrival interface, the destination address of
//! the IP header and the TTL / hop limit. [`parse`] reads them out of the raw control
//! buffer without trusting a single length in it: a truncated or garbled buffer yields
//! fewer fields, never a panic. There is no `unsafe` here: every field is read with
//! `from_ne_bytes` at the offset its dialect gives (issue 16: the old `read_pod<T>` was
//! only as sound as its caller's choice of `T`).
//!
//! | OS | IPv4 interface | IPv4 destination | IPv4 TTL | IPv6 (all three) |
//! |---|---|---|---|---|
//! | Linux, Android | `IP_PKTINFO` | `IP_PKTINFO` | `IP_TTL` (int) | `IPV6_PKTINFO`, `IPV6_HOPLIMIT` |
//! | macOS, iOS | `IP_PKTINFO` (and `IP_RECVIF`) | `IP_PKTINFO` (and `IP_RECVDSTADDR`) | `IP_RECVTTL` (byte) | same |
//! | FreeBSD | `IP_RECVIF` (`sockaddr_dl`) | `IP_RECVDSTADDR` | `IP_RECVTTL` (byte) | same |
//! | Windows | `IP_PKTINFO` (`IN_PKTINFO`: address first) | `IP_PKTINFO` | `IP_TTL` (int) | same |
//!
//! Sending: [`encode_pktinfo`] writes one `IP_PKTINFO` / `IPV6_PKTINFO` message naming the
//! outgoing interface where the OS takes one on send (Linux `ip(7)`, XNU's
//! `udp_check_pktinfo`, Windows `WSASendMsg`; RFC 3542 for IPv6 everywhere). FreeBSD has no
//! IPv4 form (its `IP_SENDSRCADDR` picks a source address, not an interface): there, and
//! wherever the OS ignores the message (Wine), the socket's multicast interface option
//! does the choosing (see `sys`).

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// What the control messages of one received datagram said.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PacketInfo {
    /// Arrival interface index (`ipi_ifindex` / `ipi6_ifindex` / `sdl_index`).
    pub ifindex: Option<u32>,
    /// Destination address in the IP header (`ipi_addr` / `ipi6_addr` / `IP_RECVDSTADDR`).
    pub dst: Option<IpAddr>,
    /// TTL / hop limit the datagram arrived with.
    pub ttl: Option<u8>,
}

/// Room for the control messages we ask for (three per family with slack).
pub(crate) const CMSG_BUF_LEN: usize = 192;

/// A control buffer aligned for every dialect's header (8 bytes).
#[repr(C, align(8))]
pub(crate) struct CmsgBuf(pub(crate) [u8; CMSG_BUF_LEN]);

impl CmsgBuf {
    pub(crate) fn new() -> Self {
        CmsgBuf([0; CMSG_BUF_LEN])
    }
}

/// How one OS lays out a control message header.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Layout {
    /// Bytes of `cmsg_len` (4: `socklen_t`; 8: `size_t` / `SIZE_T` on 64-bit).
    pub len_bytes: usize,
    /// Offset of `cmsg_level`; `cmsg_type` follows it.
    pub level_off: usize,
    /// Alignment of headers and payloads (`CMSG_ALIGN`).
    pub align: usize,
}

impl Layout {
    const fn align_up(&self, n: usize) -> usize {
        (n + self.align - 1) & !(self.align - 1)
    }
    /// `CMSG_LEN(0)`: offset of the payload.
    pub const fn hdr_len(&self) -> usize {
        self.align_up(self.level_off + 8)
    }
    /// `CMSG_LEN(n)`.
    pub const fn msg_len(&self, n: usize) -> usize {
        self.hdr_len() + n
    }
    /// `CMSG_SPACE(n)`.
    pub const fn space(&self, n: usize) -> usize {
        self.hdr_len() + self.align_up(n)
    }
}

/// The payload of one control message kind, and so how to read it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Payload {
    /// `struct in_pktinfo` of Linux and Apple: `ifindex` (4), `spec_dst` (4), `addr` (4).
    PktInfo4Unix,
    /// `IN_PKTINFO` of Windows: `addr` (4), `ifindex` (4).
    PktInfo4Windows,
    /// `struct in6_pktinfo` / `IN6_PKTINFO`: `addr` (16), `ifindex` (4). Same everywhere.
    PktInfo6,
    /// A `struct sockaddr_dl` (BSD `IP_RECVIF`): `len`, `family`, `index` (2 bytes).
    SockaddrDl,
    /// A `struct in_addr` (BSD `IP_RECVDSTADDR`).
    InAddr,
    /// A native-endian `int` TTL or hop limit.
    TtlInt,
    /// A single-byte TTL (BSD `IP_RECVTTL`).
    TtlByte,
}

/// One OS's control messages: header layout, and which (level, type) carries what.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Dialect {
    /// Header layout.
    pub layout: Layout,
    /// `IPPROTO_IP`.
    pub level_ip: i32,
    /// `IPPROTO_IPV6`.
    pub level_ipv6: i32,
    /// Received messages this stack reads: (level, type, payload).
    pub recv: &'static [(i32, i32, Payload)],
    /// The IPv4 message that picks the outgoing interface on send, if the OS has one.
    pub send_v4: Option<(i32, Payload)>,
    /// `IPV6_PKTINFO`.
    pub ipv6_pktinfo: i32,
}

const W: usize = std::mem::size_of::<usize>();

/// Linux and Android (glibc, musl and bionic agree on the byte layout).
pub const LINUX: Dialect = Dialect {
    layout: Layout {
        len_bytes: W,
        level_off: W,
        align: W,
    },
    level_ip: 0,
    level_ipv6: 41,
    recv: &[
        (0, 8, Payload::PktInfo4Unix), // IP_PKTINFO
        (0, 2, Payload::TtlInt),       // IP_TTL (asked for with IP_RECVTTL)
        (41, 50, Payload::PktInfo6),   // IPV6_PKTINFO
        (41, 52, Payload::TtlInt),     // IPV6_HOPLIMIT
    ],
    send_v4: Some((8, Payload::PktInfo4Unix)),
    ipv6_pktinfo: 50,
};

/// macOS and iOS (XNU aligns control messages to 4 bytes).
pub const APPLE: Dialect = Dialect {
    layout: Layout {
        len_bytes: 4,
        level_off: 4,
        align: 4,
    },
    level_ip: 0,
    level_ipv6: 41,
    recv: &[
        (0, 26, Payload::PktInfo4Unix), // IP_PKTINFO
        (0, 20, Payload::SockaddrDl),   // IP_RECVIF
        (0, 7, Payload::InAddr),        // IP_RECVDSTADDR
        (0, 24, Payload::TtlByte),      // IP_RECVTTL
        (41, 46, Payload::PktInfo6),    // IPV6_PKTINFO
        (41, 47, Payload::TtlInt),      // IPV6_HOPLIMIT
    ],
    send_v4: Some((26, Payload::PktInfo4Unix)),
    ipv6_pktinfo: 46,
};

/// FreeBSD (control messages aligned to `sizeof(long)`).
pub const FREEBSD: Dialect = Dialect {
    layout: Layout {
        len_bytes: 4,
        level_off: 4,
        align: W,
    },
    level_ip: 0,
    level_ipv6: 41,
    recv: &[
        (0, 20, Payload::SockaddrDl), // IP_RECVIF
        (0, 7, Payload::InAddr),      // IP_RECVDSTADDR
        (0, 65, Payload::TtlByte),    // IP_RECVTTL
        (41, 46, Payload::PktInfo6),  // IPV6_PKTINFO
        (41, 47, Payload::TtlInt),    // IPV6_HOPLIMIT
    ],
    send_v4: None,
    ipv6_pktinfo: 46,
};

/// Windows (`WSACMSGHDR`: `SIZE_T cmsg_len`, aligned to the pointer size).
pub const WINDOWS: Dialect = Dialect {
    layout: Layout {
        len_bytes: W,
        level_off: W,
        align: W,
    },
    level_ip: 0,
    level_ipv6: 41,
    recv: &[
        (0, 19, Payload::PktInfo4Windows), // IP_PKTINFO
        (0, 4, Payload::TtlInt),           // IP_TTL (asked for with IP_RECVTTL)
        (41, 19, Payload::PktInfo6),       // IPV6_PKTINFO
        (41, 21, Payload::TtlInt),         // IPV6_HOPLIMIT
    ],
    send_v4: Some((19, Payload::PktInfo4Windows)),
    ipv6_pktinfo: 19,
};

/// The dialect of the OS this crate is built for.
#[cfg(any(target_os = "linux", target_os = "android"))]
pub const HOST: Dialect = LINUX;
/// The dialect of the OS this crate is built for.
#[cfg(any(target_os = "macos", target_os = "ios"))]
pub const HOST: Dialect = APPLE;
/// The dialect of the OS this crate is built for.
#[cfg(target_os = "freebsd")]
pub const HOST: Dialect = FREEBSD;
/// The dialect of the OS this crate is built for.
#[cfg(windows)]
pub const HOST: Dialect = WINDOWS;

fn bytes<const N: usize>(b: &[u8], off: usize) -> Option<[u8; N]> {
    b.get(off..off.checked_add(N)?)?.try_into().ok()
}

fn u32_at(b: &[u8], off: usize) -> Option<u32> {
    bytes::<4>(b, off).map(u32::from_ne_bytes)
}

fn v4_at(b: &[u8], off: usize) -> Option<Ipv4Addr> {
    bytes::<4>(b, off).map(Ipv4Addr::from)
}

/// Reads the control messages in `buf` (the first `msg_controllen` bytes of the
/// control buffer after the receive call), in dialect `d`. Unknown messages are skipped.
pub fn parse(d: &Dialect, buf: &[u8]) -> PacketInfo {
    let l = &d.layout;
    let hdr = l.hdr_len();
    let mut info = PacketInfo::default();
    let mut off = 0usize;
    while off + hdr <= buf.len() {
        let len = match l.len_bytes {
            4 => u32_at(buf, off).map(|v| v as usize),
            _ => bytes::<8>(buf, off).map(|b| u64::from_ne_bytes(b) as usize),
        };
        let (Some(len), Some(level), Some(ty)) = (
            len,
            u32_at(buf, off + l.level_off),
            u32_at(buf, off + l.level_off + 4),
        ) else {
            break;
        };
        let (level, ty) = (level as i32, ty as i32);
        if len < hdr || len > buf.len() - off {
            tracing::trace!(len, off, "control message with a bad length, ignored");
            break;
        }
        let data = &buf[off + hdr..off + len];
        match d.recv.iter().find(|(lv, t, _)| *lv == level && *t == ty) {
            Some((_, _, p)) => read_payload(*p, data, &mut info),
            None => tracing::trace!(level, ty, "unexpected control message"),
        }
        off += l.align_up(len);
    }
    info
}

fn read_payload(p: Payload, data: &[u8], info: &mut PacketInfo) {
    match p {
        Payload::PktInfo4Unix => {
            if let (Some(i), Some(a)) = (u32_at(data, 0), v4_at(data, 8)) {
                info.ifindex = Some(i);
                info.dst = Some(IpAddr::V4(a));
            }
        }
        Payload::PktInfo4Windows => {
            if let (Some(a), Some(i)) = (v4_at(data, 0), u32_at(data, 4)) {
                info.ifindex = Some(i);
                info.dst = Some(IpAddr::V4(a));
            }
        }
        Payload::PktInfo6 => {
            if let (Some(a), Some(i)) = (bytes::<16>(data, 0), u32_at(data, 16)) {
                info.ifindex = Some(i);
                info.dst = Some(IpAddr::V6(Ipv6Addr::from(a)));
            }
        }
        Payload::SockaddrDl => {
            // The index sits after sdl_len and sdl_family; 0 means "none".
            if let Some(i) = bytes::<2>(data, 2).map(u16::from_ne_bytes) {
                if i != 0 && info.ifindex.is_none() {
                    info.ifindex = Some(u32::from(i));
                }
            }
        }
        Payload::InAddr => {
            if let Some(a) = v4_at(data, 0) {
                info.dst.get_or_insert(IpAddr::V4(a));
            }
        }
        Payload::TtlInt => {
            if let Some(t) = u32_at(data, 0) {
                info.ttl = u8::try_from(t as i32).ok();
            }
        }
        Payload::TtlByte => info.ttl = data.first().copied(),
    }
}

/// Writes one packet-info control message that selects interface `ifindex` for a send
/// of the given family into `buf`, in dialect `d`; returns the control length to pass
/// to the send call (0 when the dialect has no such message for the family).
pub fn encode_pktinfo(d: &Dialect, buf: &mut [u8], v6: bool, ifindex: u32) -> usize {
    let (level, ty, payload) = if v6 {
        (d.level_ipv6, d.ipv6_pktinfo, Payload::PktInfo6)
    } else {
        match d.send_v4 {
            Some((ty, p)) => (d.level_ip, ty, p),
            None => return 0,
        }
    };
    let data_len = match payload {
        Payload::PktInfo4Unix => 12,
        Payload::PktInfo4Windows => 8,
        _ => 20,
    };
    let l = &d.layout;
    let total = l.space(data_len);
    let Some(out) = buf.get_mut(..total) else {
        return 0;
    };
    out.fill(0);
    let len = l.msg_len(data_len) as u64;
    match l.len_bytes {
        4 => out[..4].copy_from_slice(&(len as u32).to_ne_bytes()),
        _ => out[..8].copy_from_slice(&len.to_ne_bytes()),
    }
    out[l.level_off..l.level_off + 4].copy_from_slice(&level.to_ne_bytes());
    out[l.level_off + 4..l.level_off + 8].copy_from_slice(&ty.to_ne_bytes());
    let at = l.hdr_len()
        + match payload {
            Payload::PktInfo4Unix => 0,
            Payload::PktInfo4Windows => 4,
            _ => 16,
        };
    out[at..at + 4].copy_from_slice(&ifindex.to_ne_bytes());
    total
}

#[cfg(test)]
mod tests;
