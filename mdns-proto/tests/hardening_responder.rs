//! Hostile input against the publishing half: query floods, conflict floods, spoofed
//! legacy queries, forged goodbyes and cache-flush records, off-link queries. Whatever
//! arrives, the responder keeps the one-second multicast rule, bounds what it sends,
//! and keeps what the caller registered.

mod common;

use common::*;
use mdns_sansio::engine::{Destination, Event, RecvMeta};
use mdns_sansio::wire::{Message, Rtype, Section};
use mdns_sansio::Instant;
use std::collections::BTreeMap;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};

const HOST: &str = "myhost.local.";
const INST: &str = "Kitchen._http._tcp.local.";
const TYPE: &str = "_http._tcp.local.";

fn from(i: u32, port: u16) -> SocketAddr {
    SocketAddr::new(
        IpAddr::V4(Ipv4Addr::new(10, 0, 0, 2 + (i % 250) as u8)),
        port,
    )
}

fn deliver(net: &mut Net, bytes: &[u8], source: SocketAddr, multicast: bool) {
    let meta = RecvMeta {
        source,
        interface: IF,
        multicast,
        ttl: Some(255),
    };
    net.engine.handle_datagram(net.now, meta, bytes);
}

/// Every multicast record (answers and additionals, goodbyes apart) goes out at most
/// once a second (RFC 6762 §6) in what `net` sent.
fn assert_one_second_rule(net: &Net) {
    let mut last: BTreeMap<Vec<u8>, Instant> = BTreeMap::new();
    for s in &net.sent {
        if !matches!(s.dest, Destination::MulticastV4 | Destination::MulticastV6)
            || !s.is_response()
        {
            continue;
        }
        for r in Message::parse(&s.bytes).unwrap().records().flatten() {
            if r.ttl == 0 || r.section == Section::Authority {
                continue;
            }
            let mut key = Vec::new();
            r.name.write_uncompressed(&mut key);
            key.extend_from_slice(&r.rtype.0.to_be_bytes());
            r.rdata.write_canonical(&mut key);
            if let Some(t) = last.insert(key, s.at) {
                assert!(
                    s.at.as_millis() - t.as_millis() >= 1000,
                    "{} {} multicast {} ms apart",
                    r.name,
                    r.rtype,
                    s.at.as_millis() - t.as_millis()
                );
            }
        }
    }
}

/// Tens of thousands of queries a second, multicast and QU and legacy, from hundreds of
/// sources: the one-second rule holds, and unicast replies stay bounded.
#[test]
fn query_flood_keeps_the_one_second_rule_and_bounds_unicast() {
    let mut net = Net::new(31);
    net.established();
    let questions = [
        (TYPE, Rtype::PTR),
        (INST, Rtype::SRV),
        (INST, Rtype::ANY),
        (HOST, Rtype::A),
        ("_services._dns-sd._udp.local.", Rtype::PTR),
    ];
    let mut legacy_queries = 0u32;
    // 20,000 queries a second for ten seconds, 0.05 ms apart.
    for i in 0..200_000u32 {
        let (name, qtype) = questions[(i % 5) as usize];
        let qu = i % 3 == 0;
        let legacy = i % 7 == 0;
        let bytes = query_id(i as u16, false, &[(name, qtype, qu && !legacy)], &[], &[]);
        let port = if legacy {
            40_000 + (i % 1000) as u16
        } else {
            5353
        };
        legacy_queries += u32::from(legacy);
        deliver(&mut net, &bytes, from(i, port), true);
        if i % 20 == 19 {
            net.run_ms(1);
        }
    }
    net.run_ms(2000);
    assert_one_second_rule(&net);
    let unicast: Vec<&Sent> = net
        .sent
        .iter()
        .filter(|s| matches!(s.dest, Destination::Unicast(_)))
        .collect();
    // Legacy replies are bounded in size (no amplification) and in number by the
    // queries themselves; QU answers go unicast only when recently multicast (RFC 6762 §5.4).
    assert!(unicast.iter().all(|s| s.bytes.len() <= 512));
    assert!(unicast.len() as u32 <= 200_000);
    let multicast = net.sent.len() - unicast.len();
    // Ten seconds of flood: a handful of multicast responses a second, not thousands.
    assert!(multicast <= 10 * 2 * 8, "{multicast} multicast responses");
    assert!(legacy_queries > 0);
}

/// A spoofed legacy query (RFC 6762 §6.7) never gets a reply larger than 512 bytes,
/// a bounded multiple of the smallest query that can ask for it.
#[test]
fn legacy_reply_size_is_bounded() {
    let mut net = Net::new(32);
    net.established();
    // Many services of one type make the full answer large.
    for i in 0..40 {
        net.engine
            .register_service(
                net.now,
                service(&format!("Service number {i}"), "_http._tcp", 80),
            )
            .unwrap();
    }
    net.run_ms(5000);
    net.sent.clear();
    let q = query_id(7, false, &[(TYPE, Rtype::PTR, false)], &[], &[]);
    deliver(&mut net, &q, from(1, 33_000), false);
    net.run_ms(10);
    let replies: Vec<&Sent> = net
        .sent
        .iter()
        .filter(|s| s.dest == Destination::Unicast(from(1, 33_000)))
        .collect();
    assert_eq!(replies.len(), 1);
    let reply = Message::parse(&replies[0].bytes).unwrap();
    assert!(replies[0].bytes.len() <= 512);
    assert!(
        replies[0].bytes.len() <= 20 * q.len(),
        "{} vs {}",
        replies[0].bytes.len(),
        q.len()
    );
    assert!(reply.header().truncated(), "the rest is signalled with TC");
}

/// RFC 6762 §8.1: a flood of conflicting responses for our name: after 15 conflicts
/// within 10 s, probing slows to one attempt every 5 s; once the flood stops, the
/// service ends up registered under some name.
#[test]
fn conflict_flood_is_rate_limited_and_the_service_survives() {
    let mut net = Net::new(33);
    let (_, s) = net.established();
    let mut conflicts = 0;
    // 30 s of conflicting SRV records for every name we might take, ten a second.
    for step in 0..300 {
        let mut answers = Vec::new();
        for k in 0..4 {
            let owner = if k == 0 {
                INST.to_string()
            } else {
                format!("Kitchen ({})._http._tcp.local.", k + 1)
            };
            answers.push(srv(&owner, 9999, "attacker.local.", 120));
        }
        answers.push(srv(
            &net.engine
                .registered_name(s)
                .map(|n| n.to_string())
                .unwrap_or_else(|| INST.to_string()),
            9999,
            "attacker.local.",
            120,
        ));
        deliver(&mut net, &response(&answers), from(step, 5353), true);
        conflicts += 1;
        net.run_ms(100);
    }
    assert!(conflicts >= 15);
    // Probe series start with a QU probe (RFC 6762 §8.1). After the first 15 conflicts they
    // come at least 5 s apart.
    let starts: Vec<u64> = net
        .sent
        .iter()
        .filter(|x| x.is_probe() && x.text().contains(" QU"))
        .map(|x| x.at.as_millis())
        .collect();
    let late: Vec<u64> = starts
        .iter()
        .copied()
        .filter(|t| *t > net.now.as_millis() - 20_000)
        .collect();
    for w in late.windows(2) {
        assert!(
            w[1] - w[0] >= 5000,
            "probe series {} ms apart: {starts:?}",
            w[1] - w[0]
        );
    }
    net.events.clear();
    net.run_ms(60_000);
    assert!(
        net.events
            .iter()
            .any(|e| matches!(e, Event::Registered { id, .. } if *id == s)),
        "registered again once the flood stopped: {:?}",
        net.events
    );
    assert!(net.engine.registered_name(s).is_some());
}

/// A forged cache-flush record with other data for our SRV is a conflict (RFC 6762 §9):
/// we probe again; the forger does not defend the name, so we keep it and announce
/// our own SRV again, which flushes the forged one from every cache.
#[test]
fn forged_cache_flush_cannot_take_our_name_away() {
    let mut net = Net::new(34);
    let (_, s) = net.established();
    deliver(
        &mut net,
        &response(&[srv(INST, 1, "evil.local.", 120)]),
        from(9, 5353),
        true,
    );
    net.run_ms(10_000);
    let probed = net
        .sent
        .iter()
        .position(|x| x.is_probe())
        .expect("we probe again");
    assert_eq!(net.engine.registered_name(s), Some(&name(INST)));
    assert!(net.sent[probed..].iter().any(|x| x
        .answers()
        .iter()
        .any(|r| r.1 == Rtype::SRV && r.3 && r.4 == "0 0 8080 myhost.local.")));
    assert!(!net
        .events
        .iter()
        .any(|e| matches!(e, Event::Renamed { .. })));
}

/// RFC 6762 §5.5: unicast queries from off the link get nothing.
#[test]
fn off_link_unicast_queries_are_ignored() {
    let mut net = Net::new(35);
    net.established();
    let q = query_id(1, false, &[(TYPE, Rtype::PTR, false)], &[], &[]);
    let off_link = SocketAddr::new(IpAddr::V4(Ipv4Addr::new(192, 0, 2, 1)), 40_000);
    deliver(&mut net, &q, off_link, false);
    net.run_ms(1000);
    assert!(net.sent.is_empty());
    assert_eq!(net.engine.stats().off_link, 1);
}
