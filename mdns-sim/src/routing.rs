//! Putting datagrams on links: [`Sim::inject`] (a test's own datagrams) and what hosts
//! transmit go through the link model to every receiver (multicast: every host on the
//! link with an address of the family, the sender's own copy at once; unicast: the
//! host owning the address, if it listens on that port), each copy's fate recorded.

use crate::link;
use crate::sim::{iface_u16, InFlight, Sim, What};
use crate::transcript::{DeliveryRecord, Fate, PacketRecord};
use crate::types::{HostId, LinkId, ViolationKind};
use mdns_sansio::engine::{Destination, Family, IfAddr, InterfaceId, RecvMeta, SourcePort};
use mdns_sansio::engine::{MDNS_GROUP_V4, MDNS_GROUP_V6, MDNS_PORT};
use std::net::{IpAddr, Ipv6Addr, SocketAddr};
use std::rc::Rc;

impl Sim {
    /// Puts a datagram on `host`'s interface as if its stack had sent it (for
    /// malformed packets, legacy queriers, foreign implementations).
    pub fn inject(
        &mut self,
        from: HostId,
        interface: InterfaceId,
        destination: Destination,
        source_port: SourcePort,
        data: &[u8],
    ) {
        self.route(
            from,
            interface,
            destination,
            source_port,
            Rc::from(data),
            true,
        );
    }

    pub(crate) fn route(
        &mut self,
        from: HostId,
        interface: InterfaceId,
        destination: Destination,
        source_port: SourcePort,
        data: Rc<[u8]>,
        injected: bool,
    ) {
        let now = self.now;
        let Some(k) = self.iface_index(from, interface) else {
            return self.violation(
                from,
                ViolationKind::BadInterface,
                format!("sent on unknown interface {interface:?}"),
            );
        };
        let h = &self.hosts[from.ix()];
        let iface = &h.ifaces[k];
        if !iface.up {
            if !injected {
                self.violation(
                    from,
                    ViolationKind::BadInterface,
                    format!("sent on interface {interface:?}, which is down"),
                );
            }
            return;
        }
        let port = match source_port {
            SourcePort::Mdns => MDNS_PORT,
            SourcePort::Ephemeral => h.eph_port,
        };
        let (dst, multicast) = match destination {
            Destination::MulticastV4 => (SocketAddr::new(MDNS_GROUP_V4.into(), MDNS_PORT), true),
            Destination::MulticastV6 => (SocketAddr::new(MDNS_GROUP_V6.into(), MDNS_PORT), true),
            Destination::Unicast(a) => (a, false),
        };
        let Some(src_ip) = source_address(&iface.addrs, &dst.ip()) else {
            // No address of that family: the stack cannot send it.
            self.stats.unreachable += 1;
            return;
        };
        let link = iface.link;
        let id = self.transcript.next_id();
        self.stats.packets_sent += 1;
        let src = SocketAddr::new(src_ip, port);
        if self.config.check_rate_limit && multicast && !injected {
            let family = Family::of(&dst.ip());
            if let Some(detail) = self
                .rate
                .on_multicast(now, from, link, interface, family, &data)
            {
                self.violation(from, ViolationKind::RateLimit, detail);
            }
        }
        self.transcript.packet(
            PacketRecord {
                id,
                time: now,
                from,
                link,
                interface,
                src,
                dst,
                injected,
                data: data.clone(),
            },
            self.config.record_packets,
        );
        let pkt = Rc::new(InFlight {
            id,
            src,
            multicast,
            data,
        });
        if multicast {
            let family = Family::of(&dst.ip());
            let l = link.0 as usize;
            for m in 0..self.links[l].members.len() {
                let (to, tk) = self.links[l].members[m];
                let joined = self.hosts[to.ix()].ifaces[tk]
                    .addrs
                    .iter()
                    .any(|a| Family::of(&a.addr) == family);
                if joined {
                    self.offer(&pkt, from, link, to, tk);
                }
            }
        } else {
            match self.addr_map.get(&dst.ip()).copied() {
                Some((to, tk))
                    if self.hosts[to.ix()].ifaces[tk].link == link
                        && (dst.port() == MDNS_PORT
                            || dst.port() == self.hosts[to.ix()].eph_port) =>
                {
                    self.offer(&pkt, from, link, to, tk)
                }
                _ => {
                    self.stats.unreachable += 1;
                    self.transcript.delivery(
                        DeliveryRecord {
                            packet: id,
                            to: from,
                            time: now,
                            fate: Fate::Unreachable,
                        },
                        self.config.record_deliveries,
                    );
                }
            }
        }
    }

    fn offer(&mut self, pkt: &Rc<InFlight>, from: HostId, link: LinkId, to: HostId, tk: usize) {
        let now = self.now;
        let iface = iface_u16(tk);
        if to == from {
            // Loopback: always, at once.
            self.schedule(
                now,
                What::Deliver {
                    pkt: pkt.clone(),
                    to,
                    iface,
                },
            );
            return;
        }
        let record = self.config.record_deliveries;
        if self.hosts[to.ix()].group != self.hosts[from.ix()].group {
            self.stats.partitioned += 1;
            let d = DeliveryRecord {
                packet: pkt.id,
                to,
                time: now,
                fate: Fate::Partitioned,
            };
            return self.transcript.delivery(d, record);
        }
        let model = self.links[link.0 as usize].model;
        let chan = &mut self.hosts[to.ix()].ifaces[tk].chan;
        match chan.send(&model, now, &mut self.rng) {
            link::Fate::Lost => {
                self.stats.lost += 1;
                let d = DeliveryRecord {
                    packet: pkt.id,
                    to,
                    time: now,
                    fate: Fate::Lost,
                };
                self.transcript.delivery(d, record);
            }
            link::Fate::Arrives(at, dup) => {
                self.schedule(
                    at,
                    What::Deliver {
                        pkt: pkt.clone(),
                        to,
                        iface,
                    },
                );
                if let Some(at2) = dup {
                    self.stats.duplicated += 1;
                    self.schedule(
                        at2,
                        What::Deliver {
                            pkt: pkt.clone(),
                            to,
                            iface,
                        },
                    );
                }
            }
        }
    }

    pub(crate) fn deliver(&mut self, pkt: &InFlight, to: HostId, tk: usize) {
        let now = self.now;
        let h = &self.hosts[to.ix()];
        let fate = if h.client.is_none() {
            Fate::Gone
        } else if !h.ifaces[tk].up {
            Fate::InterfaceDown
        } else {
            Fate::Delivered
        };
        self.transcript.delivery(
            DeliveryRecord {
                packet: pkt.id,
                to,
                time: now,
                fate,
            },
            self.config.record_deliveries,
        );
        if fate != Fate::Delivered {
            self.stats.dropped_down += 1;
            return;
        }
        self.stats.delivered += 1;
        let meta = RecvMeta {
            source: pkt.src,
            interface: h.ifaces[tk].id,
            multicast: pkt.multicast,
            ttl: Some(255),
        };
        if let Some(tap) = self.tap.as_mut() {
            tap(now, to, &meta, &pkt.data);
        }
        self.input(to, |c, now| c.handle_datagram(now, meta, &pkt.data));
    }
}

/// The address a stack would send from to reach `dst`: same family; for IPv6 a
/// link-local destination (or the multicast group) gets the link-local source,
/// anything else a non-link-local one if there is one.
fn source_address(addrs: &[IfAddr], dst: &IpAddr) -> Option<IpAddr> {
    let family = Family::of(dst);
    let mut same = addrs
        .iter()
        .map(|a| a.addr)
        .filter(|a| Family::of(a) == family);
    match dst {
        IpAddr::V4(_) => same.next(),
        IpAddr::V6(d) => {
            let want_ll = d.is_multicast() || is_link_local(d);
            let all: Vec<IpAddr> = same.collect();
            all.iter()
                .copied()
                .find(|a| matches!(a, IpAddr::V6(a) if is_link_local(a) == want_ll))
                .or_else(|| all.first().copied())
        }
    }
}

fn is_link_local(a: &Ipv6Addr) -> bool {
    a.segments()[0] & 0xffc0 == 0xfe80
}
