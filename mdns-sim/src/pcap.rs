//! Classic pcap export (`LINKTYPE_RAW`): each recorded datagram becomes an IPv4 or IPv6
//! packet with a UDP header, correct lengths, checksums and a hop limit of 255, stamped
//! with its simulated send time (the epoch is 1970-01-01). Wireshark and tshark decode
//! the payloads as mDNS (UDP port 5353).

use crate::transcript::PacketRecord;
use std::io::{self, Write};
use std::net::{IpAddr, SocketAddr};

/// `LINKTYPE_RAW`: the packet starts with an IPv4 or IPv6 header.
pub const LINKTYPE_RAW: u32 = 101;

/// Writes `packets` as a classic pcap file (microsecond timestamps, native byte order
/// announced by the magic number).
pub fn write_pcap<'a>(
    mut w: impl Write,
    packets: impl IntoIterator<Item = &'a PacketRecord>,
) -> io::Result<()> {
    // Global header.
    w.write_all(&0xa1b2_c3d4u32.to_le_bytes())?;
    w.write_all(&2u16.to_le_bytes())?;
    w.write_all(&4u16.to_le_bytes())?;
    w.write_all(&0i32.to_le_bytes())?; // thiszone
    w.write_all(&0u32.to_le_bytes())?; // sigfigs
    w.write_all(&65_535u32.to_le_bytes())?; // snaplen
    w.write_all(&LINKTYPE_RAW.to_le_bytes())?;
    let mut frame = Vec::with_capacity(9100);
    for p in packets {
        frame.clear();
        ip_udp(&mut frame, p.src, p.dst, &p.data, p.id as u16);
        let t = p.time.as_micros();
        let secs = u32::try_from(t / 1_000_000).unwrap_or(u32::MAX);
        let len = frame.len() as u32;
        w.write_all(&secs.to_le_bytes())?;
        w.write_all(&((t % 1_000_000) as u32).to_le_bytes())?;
        w.write_all(&len.to_le_bytes())?;
        w.write_all(&len.to_le_bytes())?;
        w.write_all(&frame)?;
    }
    w.flush()
}

/// Appends an IP header, a UDP header and `payload` to `out`. Mixed families (which
/// the simulator never produces) are written as IPv6 with a v4-mapped address.
pub fn ip_udp(out: &mut Vec<u8>, src: SocketAddr, dst: SocketAddr, payload: &[u8], ip_id: u16) {
    let udp_len = (8 + payload.len()) as u16;
    match (src.ip(), dst.ip()) {
        (IpAddr::V4(s), IpAddr::V4(d)) => {
            let total = 20 + udp_len;
            let start = out.len();
            out.extend_from_slice(&[0x45, 0]);
            out.extend_from_slice(&total.to_be_bytes());
            out.extend_from_slice(&ip_id.to_be_bytes());
            out.extend_from_slice(&[0x40, 0, 255, 17, 0, 0]); // DF, TTL 255, UDP, csum
            out.extend_from_slice(&s.octets());
            out.extend_from_slice(&d.octets());
            let csum = checksum(0, &out[start..start + 20]);
            out[start + 10..start + 12].copy_from_slice(&csum.to_be_bytes());
            let mut pseudo = Vec::with_capacity(12);
            pseudo.extend_from_slice(&s.octets());
            pseudo.extend_from_slice(&d.octets());
            pseudo.extend_from_slice(&[0, 17]);
            pseudo.extend_from_slice(&udp_len.to_be_bytes());
            udp(out, &pseudo, src.port(), dst.port(), payload);
        }
        (s, d) => {
            let s = to_v6(s);
            let d = to_v6(d);
            out.extend_from_slice(&[0x60, 0, 0, 0]);
            out.extend_from_slice(&udp_len.to_be_bytes());
            out.extend_from_slice(&[17, 255]);
            out.extend_from_slice(&s.octets());
            out.extend_from_slice(&d.octets());
            let mut pseudo = Vec::with_capacity(40);
            pseudo.extend_from_slice(&s.octets());
            pseudo.extend_from_slice(&d.octets());
            pseudo.extend_from_slice(&u32::from(udp_len).to_be_bytes());
            pseudo.extend_from_slice(&[0, 0, 0, 17]);
            udp(out, &pseudo, src.port(), dst.port(), payload);
        }
    }
}

fn to_v6(a: IpAddr) -> std::net::Ipv6Addr {
    match a {
        IpAddr::V4(a) => a.to_ipv6_mapped(),
        IpAddr::V6(a) => a,
    }
}

fn udp(out: &mut Vec<u8>, pseudo: &[u8], sport: u16, dport: u16, payload: &[u8]) {
    let start = out.len();
    let len = (8 + payload.len()) as u16;
    out.extend_from_slice(&sport.to_be_bytes());
    out.extend_from_slice(&dport.to_be_bytes());
    out.extend_from_slice(&len.to_be_bytes());
    out.extend_from_slice(&[0, 0]);
    out.extend_from_slice(payload);
    let sum = checksum(sum_words(0, pseudo), &out[start..]);
    // A computed zero is sent as all ones (RFC 768).
    let sum = if sum == 0 { 0xffff } else { sum };
    out[start + 6..start + 8].copy_from_slice(&sum.to_be_bytes());
}

fn sum_words(mut acc: u32, data: &[u8]) -> u32 {
    let mut chunks = data.chunks_exact(2);
    for c in &mut chunks {
        acc += u32::from(u16::from_be_bytes([c[0], c[1]]));
    }
    if let [last] = chunks.remainder() {
        acc += u32::from(*last) << 8;
    }
    // Fold now and then so that large payloads cannot overflow.
    (acc & 0xffff) + (acc >> 16)
}

fn checksum(acc: u32, data: &[u8]) -> u16 {
    let mut s = sum_words(acc, data);
    while s >> 16 != 0 {
        s = (s & 0xffff) + (s >> 16);
    }
    !(s as u16)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ipv4_header_checksum_verifies() {
        let mut out = Vec::new();
        ip_udp(
            &mut out,
            "10.0.0.1:5353".parse().unwrap(),
            "224.0.0.251:5353".parse().unwrap(),
            &[0; 13],
            7,
        );
        assert_eq!(out.len(), 20 + 8 + 13);
        assert_eq!(checksum(0, &out[..20]), 0, "header sums to all ones");
        assert_eq!(u16::from_be_bytes([out[24], out[25]]), 21);
        // UDP checksum over pseudo header + segment verifies to zero too.
        let mut pseudo = Vec::new();
        pseudo.extend_from_slice(&out[12..20]);
        pseudo.extend_from_slice(&[0, 17, 0, 21]);
        assert_eq!(checksum(sum_words(0, &pseudo), &out[20..]), 0);
    }
}
