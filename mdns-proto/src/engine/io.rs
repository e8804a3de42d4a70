//! What crosses the boundary between the engine and the driver that owns the sockets:
//! interface identities, metadata of a received datagram, and where a transmit goes.
//! No socket code lives here.

use core::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

/// The mDNS UDP port (RFC 6762 §3).
pub const MDNS_PORT: u16 = 5353;
/// The IPv4 mDNS multicast group, 224.0.0.251 (RFC 6762 §3).
pub const MDNS_GROUP_V4: Ipv4Addr = Ipv4Addr::new(224, 0, 0, 251);
/// The IPv6 mDNS multicast group, ff02::fb (RFC 6762 §3).
pub const MDNS_GROUP_V6: Ipv6Addr = Ipv6Addr::new(0xff02, 0, 0, 0, 0, 0, 0, 0xfb);

/// An interface, named by the OS interface index. Every datagram, cache entry and
/// result carries one: an IPv6 link-local address means nothing without it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct InterfaceId(pub u32);

/// IP family.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Family {
    /// IPv4.
    V4,
    /// IPv6.
    V6,
}

impl Family {
    /// The family of an address.
    pub fn of(addr: &IpAddr) -> Family {
        match addr {
            IpAddr::V4(_) => Family::V4,
            IpAddr::V6(_) => Family::V6,
        }
    }
}

/// An address of ours on an interface, with its prefix length so that on-link checks
/// (RFC 6762 §5.5, RFC 6762 §11) can be made.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct IfAddr {
    /// The address.
    pub addr: IpAddr,
    /// Prefix length in bits.
    pub prefix_len: u8,
}

impl IfAddr {
    /// True if `other` lies in this address's subnet.
    pub fn contains(&self, other: &IpAddr) -> bool {
        match (self.addr, other) {
            (IpAddr::V4(a), IpAddr::V4(b)) => {
                let bits = u32::from(self.prefix_len.min(32));
                let mask = if bits == 0 {
                    0
                } else {
                    u32::MAX << (32 - bits)
                };
                (u32::from(a) & mask) == (u32::from(*b) & mask)
            }
            (IpAddr::V6(a), IpAddr::V6(b)) => {
                let bits = u32::from(self.prefix_len.min(128));
                let mask = if bits == 0 {
                    0
                } else {
                    u128::MAX << (128 - bits)
                };
                (u128::from(a) & mask) == (u128::from(*b) & mask)
            }
            _ => false,
        }
    }
}

/// What the driver knows about a datagram it received.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RecvMeta {
    /// Source address and port.
    pub source: SocketAddr,
    /// Interface it arrived on (IP_PKTINFO / IPV6_RECVPKTINFO).
    pub interface: InterfaceId,
    /// True if it was addressed to the mDNS multicast group, false if unicast to us.
    pub multicast: bool,
    /// The IP TTL / hop limit it arrived with, if the driver knows it (RFC 6762 §11).
    pub ttl: Option<u8>,
}

/// Where a transmit goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Destination {
    /// 224.0.0.251:5353 on the interface.
    MulticastV4,
    /// `[ff02::fb]:5353` on the interface.
    MulticastV6,
    /// A unicast address and port (QU answers, legacy unicast replies).
    Unicast(SocketAddr),
}

/// Which of the driver's sockets a transmit must leave from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SourcePort {
    /// The shared port 5353 socket (continuous queries and all responses, RFC 6762 §5.2).
    Mdns,
    /// An ephemeral-port socket: one-shot queries (RFC 6762 §5.1).
    Ephemeral,
}

/// A datagram the driver must send: the bytes were written into the caller's buffer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[must_use]
pub struct Transmit {
    /// Where to send it.
    pub destination: Destination,
    /// Which interface to send it on.
    pub interface: InterfaceId,
    /// Which socket to send it from.
    pub source_port: SourcePort,
    /// How many bytes of the buffer to send.
    pub size: usize,
}

impl Transmit {
    /// The socket address the transmit goes to.
    pub fn socket_addr(&self) -> SocketAddr {
        match self.destination {
            Destination::MulticastV4 => SocketAddr::new(IpAddr::V4(MDNS_GROUP_V4), MDNS_PORT),
            Destination::MulticastV6 => SocketAddr::new(IpAddr::V6(MDNS_GROUP_V6), MDNS_PORT),
            Destination::Unicast(addr) => addr,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subnet_membership() {
        let a = IfAddr {
            addr: IpAddr::V4(Ipv4Addr::new(10, 99, 0, 1)),
            prefix_len: 24,
        };
        assert!(a.contains(&IpAddr::V4(Ipv4Addr::new(10, 99, 0, 200))));
        assert!(!a.contains(&IpAddr::V4(Ipv4Addr::new(10, 98, 0, 1))));
        let b = IfAddr {
            addr: "fe80::1".parse().unwrap(),
            prefix_len: 64,
        };
        assert!(b.contains(&"fe80::abcd".parse().unwrap()));
        assert!(!b.contains(&"fd99::1".parse().unwrap()));
        assert!(!b.contains(&IpAddr::V4(Ipv4Addr::LOCALHOST)));
    }
}
