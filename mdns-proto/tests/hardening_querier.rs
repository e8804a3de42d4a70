//! Hostile input against the querying half: floods stay within configured bounds, what
//! a caller asked for survives, bad packets are dropped and counted, never panicking.

mod common;

use common::*;
use mdns_sansio::engine::{Config, Engine, Event, RecvMeta, MAX_QUEUED_EVENTS};
use mdns_sansio::rand::Rng;
use mdns_sansio::wire::RecordData;
use mdns_sansio::Instant;
use std::net::Ipv4Addr;

fn browse_with_three_services(config: Config) -> Net {
    let mut h = Net::with_config(config);
    h.engine.browse(h.now, &http()).unwrap();
    h.run_until(ms(200));
    h.recv(&response(&[
        ptr("_http._tcp.local", "One._http._tcp.local", 4500),
        ptr("_http._tcp.local", "Two._http._tcp.local", 4500),
        ptr("_http._tcp.local", "Three._http._tcp.local", 4500),
    ]));
    assert_eq!(h.take_events().len(), 3);
    h
}

#[test]
fn flood_of_100k_records_from_1000_sources_stays_bounded_and_keeps_browsed_services() {
    let capacity = 4096;
    let mut h = browse_with_three_services(config(1, |c| c.cache_capacity = capacity));
    let mut record = 0u32;
    for packet in 0..2000u32 {
        let mut records = Vec::new();
        for _ in 0..50 {
            let a = RecordData::A(Ipv4Addr::from(record));
            records.push(rec(&format!("flood-{record}.local"), a, 4500).flush(true));
            record += 1;
        }
        let source = format!("10.0.{}.{}:5353", packet % 1000 / 250, packet % 250 + 1);
        h.recv_from(&response(&records), sock(&source), true);
        assert!(h.engine.cache_len() <= capacity);
    }
    assert_eq!(record, 100_000);
    assert_eq!(h.engine.cache_len(), capacity);
    assert_eq!(
        h.engine.stats().cache_evictions,
        100_000 + 3 - capacity as u64
    );
    assert!(
        !h.take_events()
            .iter()
            .any(|e| matches!(e, Event::ServiceRemoved { .. })),
        "the browsed services were not evicted"
    );
}

#[test]
fn random_garbage_is_dropped_and_counted_and_the_browse_survives() {
    let mut h = browse_with_three_services(Config::default());
    let mut rng = Rng::new(99);
    let mut buf = [0u8; 600];
    for i in 0..20_000 {
        let len = rng.range_inclusive(0, 600) as usize;
        for b in &mut buf[..len] {
            *b = rng.next_u64() as u8;
        }
        if i % 2 == 0 && len >= 12 {
            // Half of them look like mDNS responses so that parsing goes deeper.
            buf[2] = 0x84;
            buf[3] = 0;
        }
        h.recv(&buf[..len]);
    }
    let s = h.engine.stats();
    assert!(
        s.malformed + s.malformed_records + s.bad_header > 0,
        "{s:?}"
    );
    assert!(
        !h.take_events()
            .iter()
            .any(|e| matches!(e, Event::ServiceRemoved { .. })),
        "garbage removed nothing"
    );
}

#[test]
fn rfc6762_11_low_ttl_packets_are_dropped_when_configured() {
    let mut h = Net::with_config(config(0, |c| c.require_ttl_255 = true));
    h.engine.lookup_host(h.now, &name("box.local")).unwrap();
    h.run_until(ms(200));
    let bytes = response(&[a("box.local", "10.0.0.5", 120)]);
    let meta = RecvMeta {
        source: peer(5353),
        interface: IF,
        multicast: true,
        ttl: Some(1),
    };
    h.engine.handle_datagram(h.now, meta, &bytes);
    assert_eq!(h.engine.cache_len(), 0);
    assert_eq!(h.engine.stats().low_ttl, 1);
    h.recv(&bytes);
    assert_eq!(h.engine.cache_len(), 1);
}

#[test]
fn events_nobody_polls_are_bounded() {
    let mut e = Engine::new(Config::default());
    e.interface_up(Instant::ZERO, IF, &[v4(OUR_V4)]);
    e.browse(Instant::ZERO, &http()).unwrap();
    let meta = RecvMeta {
        source: peer(5353),
        interface: IF,
        multicast: true,
        ttl: Some(255),
    };
    for p in 0..200 {
        let records: Vec<R> = (0..30)
            .map(|i| {
                ptr(
                    "_http._tcp.local",
                    &format!("S{p}-{i}._http._tcp.local"),
                    4500,
                )
            })
            .collect();
        e.handle_datagram(Instant::ZERO, meta, &response(&records));
    }
    let mut queued = 0;
    while e.poll_event().is_some() {
        queued += 1;
    }
    // 6,000 instances found; the cache holds 4,096, so 1,904 were evicted and each
    // eviction was reported as a removal. Only the newest MAX_QUEUED_EVENTS are kept.
    assert_eq!(e.stats().cache_evictions, 1904);
    assert_eq!(queued, MAX_QUEUED_EVENTS);
    assert_eq!(e.events_dropped(), 6000 + 1904 - MAX_QUEUED_EVENTS as u64);
}
