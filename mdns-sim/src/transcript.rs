//! What happened on the wire: every datagram sent, and (optionally) what became of it
//! at every receiver, plus a running digest of everything for cheap determinism checks.

use crate::types::{HostId, LinkId};
use core::fmt::{self, Write as _};
use mdns_sansio::engine::InterfaceId;
use mdns_sansio::wire::Message;
use mdns_sansio::Instant;
use std::net::SocketAddr;
use std::rc::Rc;

/// One datagram put on a link.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PacketRecord {
    /// Sequence number, from 0, in sending order.
    pub id: u64,
    /// When it was sent.
    pub time: Instant,
    /// Who sent it.
    pub from: HostId,
    /// The link it went out on.
    pub link: LinkId,
    /// The sender's interface.
    pub interface: InterfaceId,
    /// Source address and port.
    pub src: SocketAddr,
    /// Destination address and port (the group for multicast).
    pub dst: SocketAddr,
    /// Put on the link by the test with [`Sim::inject`](crate::Sim::inject), not by an
    /// engine.
    pub injected: bool,
    /// The UDP payload.
    pub data: Rc<[u8]>,
}

/// What became of a datagram at one receiver.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Fate {
    /// Handed to the receiver's engine.
    Delivered,
    /// Lost by the link model.
    Lost,
    /// Dropped by a partition.
    Partitioned,
    /// The receiving interface was down when it arrived.
    InterfaceDown,
    /// The receiver had crashed or left.
    Gone,
    /// Unicast to an address or port nobody listens on.
    Unreachable,
}

/// One datagram's fate at one receiver.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DeliveryRecord {
    /// The [`PacketRecord::id`].
    pub packet: u64,
    /// The receiver.
    pub to: HostId,
    /// When it arrived or was dropped.
    pub time: Instant,
    /// What happened.
    pub fate: Fate,
}

/// The record of a run. Packets and deliveries are kept only if the
/// [`SimConfig`](crate::SimConfig) asks for them; the digest always covers both and the
/// engines' events.
#[derive(Clone, Debug, Default)]
pub struct Transcript {
    /// Datagrams sent, in order (if recorded).
    pub packets: Vec<PacketRecord>,
    /// Fates at receivers, in the order they were decided (if recorded).
    pub deliveries: Vec<DeliveryRecord>,
    digest: u64,
    sent: u64,
}

const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
const FNV_PRIME: u64 = 0x0000_0100_0000_01b3;

impl Transcript {
    pub(crate) fn new() -> Self {
        Transcript {
            digest: FNV_OFFSET,
            ..Default::default()
        }
    }

    /// A 64-bit FNV-1a digest of every datagram (time, endpoints, bytes), every
    /// delivery decision and every engine event so far. Two runs of one seed must end
    /// with the same digest.
    pub fn digest(&self) -> u64 {
        self.digest
    }

    /// Datagrams sent so far (recorded or not).
    pub fn packets_sent(&self) -> u64 {
        self.sent
    }

    pub(crate) fn mix(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.digest ^= u64::from(b);
            self.digest = self.digest.wrapping_mul(FNV_PRIME);
        }
    }

    pub(crate) fn mix_u64(&mut self, v: u64) {
        self.mix(&v.to_le_bytes());
    }

    /// Mixes in what `args` formats to, as its bytes, with no string built.
    pub(crate) fn mix_fmt(&mut self, args: core::fmt::Arguments<'_>) {
        struct Mixer<'a>(&'a mut Transcript);
        impl core::fmt::Write for Mixer<'_> {
            fn write_str(&mut self, s: &str) -> core::fmt::Result {
                self.0.mix(s.as_bytes());
                Ok(())
            }
        }
        // Writing to the digest cannot fail.
        let _ = core::fmt::write(&mut Mixer(self), args);
    }

    pub(crate) fn next_id(&mut self) -> u64 {
        let id = self.sent;
        self.sent += 1;
        id
    }

    pub(crate) fn packet(&mut self, p: PacketRecord, keep: bool) {
        self.mix_u64(p.id);
        self.mix_u64(p.time.as_micros());
        self.mix_u64(u64::from(p.from.0));
        self.mix_u64(u64::from(p.interface.0));
        self.mix(p.src.to_string().as_bytes());
        self.mix(p.dst.to_string().as_bytes());
        self.mix(&p.data);
        if keep {
            self.packets.push(p);
        }
    }

    pub(crate) fn delivery(&mut self, d: DeliveryRecord, keep: bool) {
        self.mix_u64(d.packet);
        self.mix_u64(u64::from(d.to.0));
        self.mix_u64(d.time.as_micros());
        self.mix(&[d.fate as u8]);
        if keep {
            self.deliveries.push(d);
        }
    }

    /// The recorded packets sent between `from` and `to`, one readable line each.
    pub fn render(&self, from: Instant, to: Instant) -> String {
        let mut out = String::new();
        for p in self
            .packets
            .iter()
            .filter(|p| p.time >= from && p.time <= to)
        {
            let _ = writeln!(out, "{}", DisplayPacket(p));
        }
        out
    }

    /// Compares two transcripts packet by packet and delivery by delivery; describes
    /// the first difference.
    pub fn diff(&self, other: &Transcript) -> Option<String> {
        for (i, (a, b)) in self.packets.iter().zip(&other.packets).enumerate() {
            if a != b {
                return Some(format!(
                    "packet #{i} differs:\n  run 1: {}\n  run 2: {}",
                    DisplayPacket(a),
                    DisplayPacket(b)
                ));
            }
        }
        if self.packets.len() != other.packets.len() {
            return Some(format!(
                "run 1 sent {} packets, run 2 sent {}",
                self.packets.len(),
                other.packets.len()
            ));
        }
        for (i, (a, b)) in self.deliveries.iter().zip(&other.deliveries).enumerate() {
            if a != b {
                return Some(format!(
                    "delivery #{i} differs:\n  run 1: {a:?}\n  run 2: {b:?}"
                ));
            }
        }
        if self.deliveries.len() != other.deliveries.len() {
            return Some(format!(
                "run 1 made {} deliveries, run 2 made {}",
                self.deliveries.len(),
                other.deliveries.len()
            ));
        }
        if self.digest != other.digest {
            return Some(format!(
                "digests differ ({:016x} vs {:016x}): unrecorded packets or events differ",
                self.digest, other.digest
            ));
        }
        None
    }
}

/// Formats a packet as one line: time, sender, endpoints and a summary of the DNS
/// message.
pub struct DisplayPacket<'a>(pub &'a PacketRecord);

impl fmt::Display for DisplayPacket<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let p = self.0;
        let t = p.time.as_micros();
        write!(
            f,
            "#{:<5} {:>4}.{:06} {}{} if{} {} -> {} ",
            p.id,
            t / 1_000_000,
            t % 1_000_000,
            p.from,
            if p.injected { "(inj)" } else { "" },
            p.interface.0,
            p.src,
            p.dst
        )?;
        f.write_str(&summarize(&p.data))
    }
}

/// A one-line summary of a DNS message: the core's packet renderer on one line
/// (`response id=7 TC: Q name TYPE QU; AN name ttl TYPE flush data; ...`).
pub fn summarize(data: &[u8]) -> String {
    match Message::parse(data) {
        Ok(msg) => format!("{msg:#}"),
        Err(_) => format!("<{} bytes, unparsable>", data.len()),
    }
}
