//! Engines prepared for the querier benchmarks: a cache filled with N records, a
//! browse holding 100 known answers.

use mdns_sansio::engine::{Config, Engine, IfAddr, InterfaceId, RecvMeta};
use mdns_sansio::wire::{Class, MessageWriter, RecordData, Section};
use mdns_sansio::{Instant, Name, ServiceType};
use std::net::{IpAddr, Ipv4Addr};
use std::time::Duration;

/// The interface every engine here runs on.
pub const IF1: InterfaceId = InterfaceId(1);

/// Metadata of a multicast datagram from a peer.
pub fn peer_meta() -> RecvMeta {
    RecvMeta {
        source: "10.0.0.2:5353".parse().unwrap(),
        interface: IF1,
        multicast: true,
        ttl: Some(255),
    }
}

/// An engine on one interface with room for `capacity` records.
pub fn engine(capacity: usize) -> Engine {
    let mut config = Config::with_seed(1);
    config.cache_capacity = capacity;
    let mut e = Engine::new(config);
    e.interface_up(
        Instant::ZERO,
        IF1,
        &[IfAddr {
            addr: IpAddr::V4(Ipv4Addr::new(10, 0, 0, 1)),
            prefix_len: 24,
        }],
    );
    e
}

/// Fills the cache with `n` distinct A records (host`i`.local), 50 per packet.
pub fn fill(e: &mut Engine, n: usize) {
    let mut buf = vec![0u8; 9000];
    let mut i = 0;
    while i < n {
        let mut w = MessageWriter::response(&mut buf, 0).unwrap();
        for _ in 0..50.min(n - i) {
            let name = Name::parse(&format!("host{i}.local")).unwrap();
            let a = RecordData::A(Ipv4Addr::from(0x0a00_0000 + i as u32));
            w.push_record(Section::Answer, &name, Class::IN, true, 4500, &a)
                .unwrap();
            i += 1;
        }
        let len = w.finish();
        e.handle_datagram(Instant::from_millis(1), peer_meta(), &buf[..len]);
    }
    drain(e, Instant::from_millis(1));
}

/// Drops whatever the engine wants to send or report.
pub fn drain(e: &mut Engine, now: Instant) {
    let mut buf = [0u8; 9000];
    while e.poll_transmit(now, &mut buf).is_some() {}
    while e.poll_event().is_some() {}
}

/// An engine browsing `_http._tcp` with 100 shared PTR answers cached (TTLs long
/// enough to stay known answers for the whole run), and the time of its next query.
pub fn browse_with_known_answers() -> (Engine, Instant) {
    let mut e = engine(10_000);
    let ty = ServiceType::new("_http._tcp").unwrap();
    e.browse(Instant::ZERO, &ty).unwrap();
    let mut buf = vec![0u8; 9000];
    let mut w = MessageWriter::response(&mut buf, 0).unwrap();
    let owner = ty.to_name();
    for i in 0..100 {
        let target = Name::parse(&format!("Service instance {i:03}._http._tcp.local")).unwrap();
        w.push_record(
            Section::Answer,
            &owner,
            Class::IN,
            false,
            2_000_000_000,
            &RecordData::Ptr(target),
        )
        .unwrap();
    }
    let len = w.finish();
    e.handle_datagram(Instant::ZERO, peer_meta(), &buf[..len]);
    let t = Instant::from_millis(200);
    e.handle_timeout(t);
    drain(&mut e, t);
    (e, t)
}

/// Sends the next continuous query (all its packets) of a browse, jumping time to
/// it. Returns the number of packets and bytes.
pub fn next_query(e: &mut Engine, now: &mut Instant, buf: &mut [u8]) -> (usize, usize) {
    *now = e
        .poll_timeout()
        .unwrap_or(*now + Duration::from_secs(3600))
        .max(*now);
    e.handle_timeout(*now);
    let (mut packets, mut bytes) = (0, 0);
    while let Some(t) = e.poll_transmit(*now, buf) {
        packets += 1;
        bytes += t.size;
    }
    (packets, bytes)
}
