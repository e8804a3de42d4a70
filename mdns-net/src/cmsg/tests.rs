//! Every dialect's parsing and building, on every build host; the host dialect against
//! the system headers.

use super::*;

/// Appends one control message the way dialect `d`'s kernel lays it out.
fn push(d: &Dialect, buf: &mut Vec<u8>, level: i32, ty: i32, data: &[u8]) {
    let l = &d.layout;
    let start = buf.len();
    buf.resize(start + l.space(data.len()), 0);
    let len = l.msg_len(data.len()) as u64;
    match l.len_bytes {
        4 => buf[start..start + 4].copy_from_slice(&(len as u32).to_ne_bytes()),
        _ => buf[start..start + 8].copy_from_slice(&len.to_ne_bytes()),
    }
    let lo = start + l.level_off;
    buf[lo..lo + 4].copy_from_slice(&level.to_ne_bytes());
    buf[lo + 4..lo + 8].copy_from_slice(&ty.to_ne_bytes());
    let h = start + l.hdr_len();
    buf[h..h + data.len()].copy_from_slice(data);
}

fn pktinfo4_unix(ifindex: u32, dst: Ipv4Addr) -> Vec<u8> {
    let mut b = ifindex.to_ne_bytes().to_vec();
    b.extend_from_slice(&[10, 0, 0, 1]); // ipi_spec_dst
    b.extend_from_slice(&dst.octets());
    b
}

fn pktinfo4_windows(ifindex: u32, dst: Ipv4Addr) -> Vec<u8> {
    let mut b = dst.octets().to_vec();
    b.extend_from_slice(&ifindex.to_ne_bytes());
    b
}

fn pktinfo6(ifindex: u32, dst: Ipv6Addr) -> Vec<u8> {
    let mut b = dst.octets().to_vec();
    b.extend_from_slice(&ifindex.to_ne_bytes());
    b
}

fn sockaddr_dl(index: u16) -> Vec<u8> {
    let mut b = vec![20u8, 18]; // sdl_len, sdl_family = AF_LINK
    b.extend_from_slice(&index.to_ne_bytes());
    b.extend_from_slice(&[6, 3, 6, 0]); // type, nlen, alen, slen
    b.extend_from_slice(b"em0\0\0\0\0\0\0\0\0\0");
    b
}

const GROUP4: Ipv4Addr = Ipv4Addr::new(224, 0, 0, 251);

fn group6() -> Ipv6Addr {
    "ff02::fb".parse().unwrap()
}

#[test]
fn linux_v4_pktinfo_and_ttl() {
    let d = &LINUX;
    let mut buf = Vec::new();
    push(d, &mut buf, 0, 8, &pktinfo4_unix(7, GROUP4));
    push(d, &mut buf, 0, 2, &255i32.to_ne_bytes());
    let info = parse(d, &buf);
    assert_eq!(info.ifindex, Some(7));
    assert_eq!(info.dst, Some(IpAddr::V4(GROUP4)));
    assert_eq!(info.ttl, Some(255));
}

#[test]
fn v6_pktinfo_and_hoplimit_any_order_every_dialect() {
    for d in [&LINUX, &APPLE, &FREEBSD, &WINDOWS] {
        let hoplimit = d.recv.iter().find(|r| r.0 == 41 && r.2 == Payload::TtlInt);
        let mut buf = Vec::new();
        push(d, &mut buf, 41, hoplimit.unwrap().1, &1i32.to_ne_bytes());
        push(d, &mut buf, 41, d.ipv6_pktinfo, &pktinfo6(3, group6()));
        let info = parse(d, &buf);
        assert_eq!(info.ifindex, Some(3), "{d:?}");
        assert_eq!(info.dst, Some(IpAddr::V6(group6())), "{d:?}");
        assert_eq!(info.ttl, Some(1), "{d:?}");
    }
}

#[test]
fn windows_in_pktinfo_has_the_address_first() {
    let d = &WINDOWS;
    let mut buf = Vec::new();
    push(d, &mut buf, 0, 19, &pktinfo4_windows(12, GROUP4));
    push(d, &mut buf, 0, 4, &64i32.to_ne_bytes());
    let info = parse(d, &buf);
    assert_eq!(info.ifindex, Some(12));
    assert_eq!(info.dst, Some(IpAddr::V4(GROUP4)));
    assert_eq!(info.ttl, Some(64));
    // The Linux reading of the same bytes would be wrong: the layouts differ.
    let mut as_linux = Vec::new();
    push(&LINUX, &mut as_linux, 0, 8, &pktinfo4_windows(12, GROUP4));
    assert_ne!(parse(&LINUX, &as_linux).ifindex, Some(12));
}

#[test]
fn freebsd_recvif_dstaddr_and_byte_ttl() {
    let d = &FREEBSD;
    let mut buf = Vec::new();
    push(d, &mut buf, 0, 7, &GROUP4.octets());
    push(d, &mut buf, 0, 20, &sockaddr_dl(4));
    push(d, &mut buf, 0, 65, &[255]);
    let info = parse(d, &buf);
    assert_eq!(info.ifindex, Some(4));
    assert_eq!(info.dst, Some(IpAddr::V4(GROUP4)));
    assert_eq!(info.ttl, Some(255));
}

#[test]
fn apple_pktinfo_with_4_byte_alignment() {
    let d = &APPLE;
    assert_eq!(d.layout.hdr_len(), 12);
    let mut buf = Vec::new();
    push(d, &mut buf, 0, 24, &[1]); // IP_RECVTTL: one byte, padded to 4
    push(d, &mut buf, 0, 26, &pktinfo4_unix(5, GROUP4));
    assert_eq!(buf.len(), 16 + 24);
    let info = parse(d, &buf);
    assert_eq!(info.ifindex, Some(5));
    assert_eq!(info.dst, Some(IpAddr::V4(GROUP4)));
    assert_eq!(info.ttl, Some(1));
}

#[test]
fn a_missing_ttl_leaves_the_field_unset() {
    // An OS (or a kernel) that gives no hop limit: `ttl` is None, and the engine then
    // skips the RFC 6762 §11 check that needs it (see `RecvMeta::ttl`).
    let mut buf = Vec::new();
    push(&LINUX, &mut buf, 0, 8, &pktinfo4_unix(2, GROUP4));
    let info = parse(&LINUX, &buf);
    assert_eq!(info.ttl, None);
    assert_eq!(info.ifindex, Some(2));
}

#[test]
fn unknown_messages_skipped() {
    for d in [&LINUX, &APPLE, &FREEBSD, &WINDOWS] {
        let ttl = d
            .recv
            .iter()
            .find(|r| r.0 == 0 && matches!(r.2, Payload::TtlInt | Payload::TtlByte))
            .unwrap();
        let (ty, data) = match ttl.2 {
            Payload::TtlInt => (ttl.1, 64i32.to_ne_bytes().to_vec()),
            _ => (ttl.1, vec![64u8]),
        };
        let mut buf = Vec::new();
        push(d, &mut buf, 1, 29, &[0u8; 16]); // SOL_SOCKET, SO_TIMESTAMP
        push(d, &mut buf, 0, ty, &data);
        assert_eq!(
            parse(d, &buf),
            PacketInfo {
                ttl: Some(64),
                ..PacketInfo::default()
            },
            "{d:?}"
        );
    }
}

#[test]
fn garbage_never_panics() {
    for d in [&LINUX, &APPLE, &FREEBSD, &WINDOWS] {
        assert_eq!(parse(d, &[]), PacketInfo::default());
        let mut buf = Vec::new();
        push(
            d,
            &mut buf,
            41,
            d.ipv6_pktinfo,
            &pktinfo6(1, Ipv6Addr::LOCALHOST),
        );
        for cut in 0..buf.len() {
            let _ = parse(d, &buf[..cut]);
        }
        let mut bad = buf.clone();
        bad[..d.layout.len_bytes].fill(0xff); // cmsg_len far beyond the buffer
        assert_eq!(parse(d, &bad), PacketInfo::default());
        let mut zero = buf.clone();
        zero[..d.layout.len_bytes].fill(0);
        assert_eq!(parse(d, &zero), PacketInfo::default());
        // Short payload for a known type: the field is left unset.
        let mut short = Vec::new();
        push(d, &mut short, 41, d.ipv6_pktinfo, &[1, 2, 3]);
        assert_eq!(parse(d, &short), PacketInfo::default());
        // Every byte value in every position of a valid buffer.
        for i in 0..buf.len() {
            for b in [0u8, 1, 0x7f, 0xff] {
                let mut m = buf.clone();
                m[i] = b;
                let _ = parse(d, &m);
            }
        }
    }
}

#[test]
fn encoded_pktinfo_parses_back_every_dialect() {
    for d in [&LINUX, &APPLE, &FREEBSD, &WINDOWS] {
        let mut cbuf = CmsgBuf::new();
        let n = encode_pktinfo(d, &mut cbuf.0, true, 9);
        assert_eq!(n, d.layout.space(20));
        let info = parse(d, &cbuf.0[..n]);
        assert_eq!(info.ifindex, Some(9), "{d:?}");
        assert_eq!(info.dst, Some(IpAddr::V6(Ipv6Addr::UNSPECIFIED)));

        let n = encode_pktinfo(d, &mut cbuf.0, false, 42);
        if d.send_v4.is_none() {
            assert_eq!(n, 0, "FreeBSD has no IPv4 interface message on send");
            continue;
        }
        let info = parse(d, &cbuf.0[..n]);
        assert_eq!(info.ifindex, Some(42), "{d:?}");
        assert_eq!(info.dst, Some(IpAddr::V4(Ipv4Addr::UNSPECIFIED)));
    }
}

#[test]
fn encode_into_a_short_buffer_writes_nothing() {
    let mut small = [0u8; 8];
    assert_eq!(encode_pktinfo(&LINUX, &mut small, true, 1), 0);
}

/// The host dialect agrees with the C headers of this OS.
#[cfg(unix)]
#[test]
fn host_dialect_matches_libc() {
    let l = HOST.layout;
    // SAFETY: CMSG_LEN / CMSG_SPACE are pure arithmetic.
    let (len0, space1) = unsafe { (libc::CMSG_LEN(0) as usize, libc::CMSG_SPACE(1) as usize) };
    assert_eq!(l.hdr_len(), len0);
    assert_eq!(l.space(1), space1);
    assert_eq!(l.level_off, std::mem::offset_of!(libc::cmsghdr, cmsg_level));
    assert_eq!(
        l.level_off + 4,
        std::mem::offset_of!(libc::cmsghdr, cmsg_type)
    );
    assert_eq!(HOST.level_ip, libc::IPPROTO_IP);
    assert_eq!(HOST.level_ipv6, libc::IPPROTO_IPV6);
    assert_eq!(HOST.ipv6_pktinfo, libc::IPV6_PKTINFO);
    assert!(HOST
        .recv
        .contains(&(libc::IPPROTO_IPV6, libc::IPV6_HOPLIMIT, Payload::TtlInt)));
    #[cfg(any(target_os = "linux", target_os = "android"))]
    {
        assert!(HOST
            .recv
            .contains(&(libc::IPPROTO_IP, libc::IP_PKTINFO, Payload::PktInfo4Unix)));
        assert!(HOST
            .recv
            .contains(&(libc::IPPROTO_IP, libc::IP_TTL, Payload::TtlInt)));
        assert_eq!(std::mem::size_of::<libc::in_pktinfo>(), 12);
        assert_eq!(std::mem::offset_of!(libc::in_pktinfo, ipi_addr), 8);
    }
    #[cfg(any(target_os = "macos", target_os = "ios"))]
    assert!(HOST
        .recv
        .contains(&(libc::IPPROTO_IP, libc::IP_PKTINFO, Payload::PktInfo4Unix)));
    #[cfg(any(target_os = "macos", target_os = "ios", target_os = "freebsd"))]
    {
        assert!(HOST
            .recv
            .contains(&(libc::IPPROTO_IP, libc::IP_RECVIF, Payload::SockaddrDl)));
        assert!(HOST
            .recv
            .contains(&(libc::IPPROTO_IP, libc::IP_RECVTTL, Payload::TtlByte)));
        assert_eq!(std::mem::offset_of!(libc::sockaddr_dl, sdl_index), 2);
    }
    assert_eq!(std::mem::size_of::<libc::in6_pktinfo>(), 20);
    assert_eq!(std::mem::offset_of!(libc::in6_pktinfo, ipi6_ifindex), 16);
}

/// The host dialect agrees with the Windows headers.
#[cfg(windows)]
#[test]
fn host_dialect_matches_windows_sys() {
    use windows_sys::Win32::Networking::WinSock as ws;
    let l = HOST.layout;
    assert_eq!(l.hdr_len(), std::mem::size_of::<ws::CMSGHDR>());
    assert_eq!(l.level_off, std::mem::offset_of!(ws::CMSGHDR, cmsg_level));
    assert_eq!(HOST.level_ip, ws::IPPROTO_IP);
    assert_eq!(HOST.level_ipv6, ws::IPPROTO_IPV6);
    assert!(HOST
        .recv
        .contains(&(ws::IPPROTO_IP, ws::IP_PKTINFO, Payload::PktInfo4Windows)));
    assert!(HOST
        .recv
        .contains(&(ws::IPPROTO_IP, ws::IP_TTL, Payload::TtlInt)));
    assert_eq!(HOST.ipv6_pktinfo, ws::IPV6_PKTINFO);
    assert_eq!(std::mem::offset_of!(ws::IN_PKTINFO, ipi_ifindex), 4);
    assert_eq!(std::mem::offset_of!(ws::IN6_PKTINFO, ipi6_ifindex), 16);
}
