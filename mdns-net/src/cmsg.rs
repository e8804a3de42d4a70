//! Ancillary data ("control messages", `cmsg(3)`) of `recvmsg` and `sendmsg`.
//!
//! Receiving: the sockets ask for `IP_PKTINFO` + `IP_RECVTTL` (IPv4) and
//! `IPV6_RECVPKTINFO` + `IPV6_RECVHOPLIMIT` (IPv6). The kernel then attaches the arrival
//! interface, the destination address of the IP header and the TTL / hop limit to every
//! datagram. [`parse`] reads them out of the raw control buffer without trusting a single
//! length in it: a truncated or garbled buffer yields fewer fields, never a panic.
//!
//! Sending: `encode_pktinfo` writes one `IP_PKTINFO` / `IPV6_PKTINFO` message that names
//! the outgoing interface, which picks the interface of a multicast send as well as of a
//! unicast reply (Linux `ip(7)`, `ipv6(7)`).

use std::mem::size_of;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// What the control messages of one received datagram said.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PacketInfo {
    /// Arrival interface index (`ipi_ifindex` / `ipi6_ifindex`).
    pub ifindex: Option<u32>,
    /// Destination address in the IP header (`ipi_addr` / `ipi6_addr`).
    pub dst: Option<IpAddr>,
    /// TTL / hop limit the datagram arrived with.
    pub ttl: Option<u8>,
}

/// Room for the control messages we ask for (two of each family with slack).
pub(crate) const CMSG_BUF_LEN: usize = 128;

/// A control buffer with the alignment `cmsghdr` needs.
#[repr(C, align(8))]
pub(crate) struct CmsgBuf(pub(crate) [u8; CMSG_BUF_LEN]);

impl CmsgBuf {
    pub(crate) fn new() -> Self {
        CmsgBuf([0; CMSG_BUF_LEN])
    }
}

/// `CMSG_ALIGN`: control messages are padded to the size of `size_t` on Linux.
const fn align(len: usize) -> usize {
    let a = size_of::<usize>();
    (len + a - 1) & !(a - 1)
}

/// `CMSG_LEN(0)`: offset of the payload in a control message.
const HDR_LEN: usize = align(size_of::<libc::cmsghdr>());

/// `CMSG_SPACE(len)`.
pub(crate) const fn space(len: usize) -> usize {
    HDR_LEN + align(len)
}

/// Copies a plain-old-data C struct out of `bytes` (any alignment), or None if short.
///
/// Only used for the libc structs below: integers and arrays of integers, for which any
/// bit pattern is valid.
fn read_pod<T: Copy>(bytes: &[u8]) -> Option<T> {
    if bytes.len() < size_of::<T>() {
        return None;
    }
    // SAFETY: length checked above; `read_unaligned` has no alignment requirement; every
    // `T` this module reads (cmsghdr, in_pktinfo, in6_pktinfo, c_int) is valid for any
    // bit pattern.
    Some(unsafe { std::ptr::read_unaligned(bytes.as_ptr().cast::<T>()) })
}

/// Reads the control messages in `buf` (the first `msg_controllen` bytes of the
/// control buffer after `recvmsg`). Unknown messages are skipped.
pub fn parse(buf: &[u8]) -> PacketInfo {
    let mut info = PacketInfo::default();
    let mut off = 0usize;
    while off + HDR_LEN <= buf.len() {
        let Some(hdr) = read_pod::<libc::cmsghdr>(&buf[off..]) else {
            break;
        };
        // size_t on glibc, socklen_t on musl.
        #[allow(clippy::unnecessary_cast)]
        let len = hdr.cmsg_len as usize;
        if len < HDR_LEN || off + len > buf.len() {
            tracing::trace!(len, off, "control message with a bad length, ignored");
            break;
        }
        let data = &buf[off + HDR_LEN..off + len];
        match (hdr.cmsg_level, hdr.cmsg_type) {
            (libc::IPPROTO_IP, libc::IP_PKTINFO) => {
                if let Some(pi) = read_pod::<libc::in_pktinfo>(data) {
                    info.ifindex = u32::try_from(pi.ipi_ifindex).ok();
                    info.dst = Some(IpAddr::V4(Ipv4Addr::from(u32::from_be(pi.ipi_addr.s_addr))));
                }
            }
            (libc::IPPROTO_IP, libc::IP_TTL) => {
                // The kernel sends an int for IP_TTL.
                if let Some(ttl) = read_pod::<libc::c_int>(data) {
                    info.ttl = u8::try_from(ttl).ok();
                }
            }
            (libc::IPPROTO_IPV6, libc::IPV6_PKTINFO) => {
                if let Some(pi) = read_pod::<libc::in6_pktinfo>(data) {
                    info.ifindex = Some(pi.ipi6_ifindex);
                    info.dst = Some(IpAddr::V6(Ipv6Addr::from(pi.ipi6_addr.s6_addr)));
                }
            }
            (libc::IPPROTO_IPV6, libc::IPV6_HOPLIMIT) => {
                if let Some(hops) = read_pod::<libc::c_int>(data) {
                    info.ttl = u8::try_from(hops).ok();
                }
            }
            (level, ty) => tracing::trace!(level, ty, "unexpected control message"),
        }
        off += align(len);
    }
    info
}

/// Writes one packet-info control message that selects interface `ifindex` for a send
/// of the given family into `buf`; returns the control length to pass to `sendmsg`.
pub(crate) fn encode_pktinfo(buf: &mut CmsgBuf, v6: bool, ifindex: u32) -> usize {
    let (level, ty, data_len) = if v6 {
        (
            libc::IPPROTO_IPV6,
            libc::IPV6_PKTINFO,
            size_of::<libc::in6_pktinfo>(),
        )
    } else {
        (
            libc::IPPROTO_IP,
            libc::IP_PKTINFO,
            size_of::<libc::in_pktinfo>(),
        )
    };
    let total = space(data_len);
    debug_assert!(total <= CMSG_BUF_LEN);
    buf.0[..total].fill(0);
    // SAFETY: `CmsgBuf` is 8-aligned (enough for cmsghdr and both pktinfo structs on
    // every Linux target) and `total` bytes long at least; both writes stay inside it.
    unsafe {
        let base = buf.0.as_mut_ptr();
        let hdr = base.cast::<libc::cmsghdr>();
        (*hdr).cmsg_len = (HDR_LEN + data_len) as _;
        (*hdr).cmsg_level = level;
        (*hdr).cmsg_type = ty;
        let data = base.add(HDR_LEN);
        if v6 {
            let pi = libc::in6_pktinfo {
                ipi6_addr: libc::in6_addr { s6_addr: [0; 16] },
                ipi6_ifindex: ifindex,
            };
            std::ptr::write_unaligned(data.cast::<libc::in6_pktinfo>(), pi);
        } else {
            let pi = libc::in_pktinfo {
                ipi_ifindex: ifindex as libc::c_int,
                ipi_spec_dst: libc::in_addr { s_addr: 0 },
                ipi_addr: libc::in_addr { s_addr: 0 },
            };
            std::ptr::write_unaligned(data.cast::<libc::in_pktinfo>(), pi);
        }
    }
    total
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Appends one control message the way the kernel lays it out.
    fn push(buf: &mut Vec<u8>, level: i32, ty: i32, data: &[u8]) {
        let start = buf.len();
        let mut hdr: libc::cmsghdr = unsafe { std::mem::zeroed() };
        hdr.cmsg_len = (HDR_LEN + data.len()) as _;
        hdr.cmsg_level = level;
        hdr.cmsg_type = ty;
        let hdr_bytes: [u8; size_of::<libc::cmsghdr>()] = unsafe { std::mem::transmute(hdr) };
        buf.extend_from_slice(&hdr_bytes);
        buf.resize(start + HDR_LEN, 0);
        buf.extend_from_slice(data);
        buf.resize(start + space(data.len()), 0);
    }

    fn pktinfo4(ifindex: i32, dst: Ipv4Addr) -> Vec<u8> {
        let pi = libc::in_pktinfo {
            ipi_ifindex: ifindex,
            ipi_spec_dst: libc::in_addr {
                s_addr: u32::from(Ipv4Addr::new(10, 0, 0, 1)).to_be(),
            },
            ipi_addr: libc::in_addr {
                s_addr: u32::from(dst).to_be(),
            },
        };
        let b: [u8; size_of::<libc::in_pktinfo>()] = unsafe { std::mem::transmute(pi) };
        b.to_vec()
    }

    fn pktinfo6(ifindex: u32, dst: Ipv6Addr) -> Vec<u8> {
        let pi = libc::in6_pktinfo {
            ipi6_addr: libc::in6_addr {
                s6_addr: dst.octets(),
            },
            ipi6_ifindex: ifindex,
        };
        let b: [u8; size_of::<libc::in6_pktinfo>()] = unsafe { std::mem::transmute(pi) };
        b.to_vec()
    }

    #[test]
    fn v4_pktinfo_and_ttl() {
        let mut buf = Vec::new();
        push(
            &mut buf,
            libc::IPPROTO_IP,
            libc::IP_PKTINFO,
            &pktinfo4(7, Ipv4Addr::new(224, 0, 0, 251)),
        );
        push(
            &mut buf,
            libc::IPPROTO_IP,
            libc::IP_TTL,
            &255i32.to_ne_bytes(),
        );
        let info = parse(&buf);
        assert_eq!(info.ifindex, Some(7));
        assert_eq!(info.dst, Some(IpAddr::V4(Ipv4Addr::new(224, 0, 0, 251))));
        assert_eq!(info.ttl, Some(255));
    }

    #[test]
    fn v6_pktinfo_and_hoplimit_any_order() {
        let mut buf = Vec::new();
        push(
            &mut buf,
            libc::IPPROTO_IPV6,
            libc::IPV6_HOPLIMIT,
            &1i32.to_ne_bytes(),
        );
        let dst: Ipv6Addr = "ff02::fb".parse().unwrap();
        push(
            &mut buf,
            libc::IPPROTO_IPV6,
            libc::IPV6_PKTINFO,
            &pktinfo6(3, dst),
        );
        let info = parse(&buf);
        assert_eq!(info.ifindex, Some(3));
        assert_eq!(info.dst, Some(IpAddr::V6(dst)));
        assert_eq!(info.ttl, Some(1));
    }

    #[test]
    fn unknown_messages_skipped() {
        let mut buf = Vec::new();
        push(&mut buf, libc::SOL_SOCKET, libc::SO_TIMESTAMP, &[0u8; 16]);
        push(
            &mut buf,
            libc::IPPROTO_IP,
            libc::IP_TTL,
            &64i32.to_ne_bytes(),
        );
        assert_eq!(
            parse(&buf),
            PacketInfo {
                ttl: Some(64),
                ..PacketInfo::default()
            }
        );
    }

    #[test]
    fn garbage_never_panics() {
        assert_eq!(parse(&[]), PacketInfo::default());
        // A TTL message cut short, a length that overruns, a zero length.
        let mut buf = Vec::new();
        push(
            &mut buf,
            libc::IPPROTO_IP,
            libc::IP_TTL,
            &64i32.to_ne_bytes(),
        );
        for cut in 0..buf.len() {
            let _ = parse(&buf[..cut]);
        }
        let mut bad = buf.clone();
        bad[0] = 0xff; // cmsg_len far beyond the buffer
        assert_eq!(parse(&bad), PacketInfo::default());
        let mut zero = buf.clone();
        zero[..size_of::<usize>()].fill(0);
        assert_eq!(parse(&zero), PacketInfo::default());
        // Short payload for a known type: the field is left unset.
        let mut short = Vec::new();
        push(
            &mut short,
            libc::IPPROTO_IPV6,
            libc::IPV6_PKTINFO,
            &[1, 2, 3],
        );
        assert_eq!(parse(&short), PacketInfo::default());
        // Every byte value in every position of a valid buffer.
        let mut v6 = Vec::new();
        push(
            &mut v6,
            libc::IPPROTO_IPV6,
            libc::IPV6_PKTINFO,
            &pktinfo6(1, Ipv6Addr::LOCALHOST),
        );
        for i in 0..v6.len() {
            for b in [0u8, 1, 0x7f, 0xff] {
                let mut m = v6.clone();
                m[i] = b;
                let _ = parse(&m);
            }
        }
    }

    #[test]
    fn encoded_pktinfo_parses_back() {
        let mut cbuf = CmsgBuf::new();
        let n = encode_pktinfo(&mut cbuf, false, 42);
        assert_eq!(n, space(size_of::<libc::in_pktinfo>()));
        let info = parse(&cbuf.0[..n]);
        assert_eq!(info.ifindex, Some(42));
        let n = encode_pktinfo(&mut cbuf, true, 9);
        let info = parse(&cbuf.0[..n]);
        assert_eq!(info.ifindex, Some(9));
        assert_eq!(info.dst, Some(IpAddr::V6(Ipv6Addr::UNSPECIFIED)));
    }
}
