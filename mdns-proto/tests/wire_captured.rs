//! Datagrams captured from real Avahi and python-zeroconf peers (fixtures/captured): each
//! parses completely, and rebuilding it with our writer gives the same content in the
//! same size or smaller.

#[path = "wire_common.rs"]
mod common;

use common::{check_pointers_backward, decode_all, rebuild, CAPTURED};
use mdns_sansio::wire::{Class, Message, RData, Record, Rtype, Section};

fn packet(name: &str) -> &'static [u8] {
    CAPTURED.iter().find(|(n, _)| *n == name).unwrap().1
}

fn records(p: &[u8]) -> Vec<Record<'_>> {
    Message::parse(p)
        .unwrap()
        .records()
        .collect::<Result<_, _>>()
        .unwrap()
}

#[test]
fn every_captured_packet_parses_completely() {
    for (name, p) in CAPTURED {
        let msg = Message::parse(p).unwrap();
        let h = msg.header();
        let d = decode_all(p);
        assert_eq!(d.errors, 0, "{name}");
        assert_eq!(d.questions, usize::from(h.qdcount), "{name}");
        assert_eq!(
            d.records,
            usize::from(h.ancount) + usize::from(h.nscount) + usize::from(h.arcount),
            "{name}"
        );
        assert_eq!(h.opcode(), 0, "{name}");
        assert_eq!(h.rcode(), 0, "{name}");
    }
}

#[test]
fn rebuilt_captured_packets_are_the_same_size_or_smaller_with_the_same_content() {
    for (name, p) in CAPTURED {
        let out = rebuild(p, true);
        assert!(
            out.len() <= p.len(),
            "{name}: rebuilt {} > captured {}",
            out.len(),
            p.len()
        );
        check_pointers_backward(&out).unwrap_or_else(|e| panic!("{name}: {e}"));
        let (a, b) = (Message::parse(p).unwrap(), Message::parse(&out).unwrap());
        assert_eq!(a.header(), b.header(), "{name}");
        for (x, y) in a.questions().zip(b.questions()) {
            let (x, y) = (x.unwrap(), y.unwrap());
            assert!(x.name.labels().eq(y.name.labels()), "{name}");
            assert_eq!(
                (x.qtype, x.qclass, x.unicast_response),
                (y.qtype, y.qclass, y.unicast_response)
            );
        }
        let (ra, rb) = (records(p), records(&out));
        assert_eq!(ra.len(), rb.len());
        for (x, y) in ra.iter().zip(&rb) {
            assert!(x.name.labels().eq(y.name.labels()), "{name}");
            assert_eq!(
                (x.section, x.rtype, x.class, x.cache_flush, x.ttl),
                (y.section, y.rtype, y.class, y.cache_flush, y.ttl),
                "{name}"
            );
            let (mut cx, mut cy) = (Vec::new(), Vec::new());
            x.rdata.write_canonical(&mut cx);
            y.rdata.write_canonical(&mut cy);
            assert_eq!(cx, cy, "{name}");
        }
        // uncompressed is never smaller
        assert!(rebuild(p, false).len() >= out.len(), "{name}");
    }
}

#[test]
fn avahi_service_probe_is_an_any_question_with_authority_records() {
    let p = packet("avahi_service_probe");
    let msg = Message::parse(p).unwrap();
    assert!(!msg.header().is_response());
    let q = msg.questions().next().unwrap().unwrap();
    assert_eq!(q.name.to_string(), "Avahi Web._http._tcp.local.");
    assert_eq!(q.qtype, Rtype::ANY);
    let recs = records(p);
    assert!(recs.iter().all(|r| r.section == Section::Authority));
    assert!(recs.iter().all(|r| !r.cache_flush), "no flush in a probe");
    assert!(recs
        .iter()
        .any(|r| matches!(r.rdata, RData::Srv { port: 8080, .. })));
    assert!(recs.iter().any(|r| r.rtype == Rtype::TXT));
}

#[test]
fn avahi_announce_has_flush_bits_on_unique_records_only() {
    let recs = records(packet("avahi_announce"));
    for r in &recs {
        let shared = r.rtype == Rtype::PTR && r.name.to_string().starts_with('_');
        assert_eq!(r.cache_flush, !shared, "{r:?}");
        assert_eq!(r.class, Class::IN);
    }
    let txt = recs.iter().find(|r| r.rtype == Rtype::TXT).unwrap();
    let RData::Txt(strings) = txt.rdata else {
        panic!()
    };
    assert_eq!(strings.collect::<Vec<_>>(), [&b"path=/"[..], b"ver=1"]);
}

#[test]
fn avahi_legacy_reply_echoes_the_question_without_flush_bits() {
    let p = packet("avahi_legacy_reply");
    let msg = Message::parse(p).unwrap();
    assert_ne!(msg.header().id, 0);
    assert_eq!(msg.header().qdcount, 1);
    let recs = records(p);
    assert!(recs.iter().all(|r| !r.cache_flush && r.ttl <= 10));
}

#[test]
fn avahi_goodbye_has_ttl_zero() {
    assert!(records(packet("avahi_goodbye")).iter().all(|r| r.ttl == 0));
}

#[test]
fn zeroconf_probe_and_query() {
    let p = packet("zc_probe");
    let msg = Message::parse(p).unwrap();
    let q = msg.questions().next().unwrap().unwrap();
    assert_eq!((q.qtype, q.unicast_response), (Rtype::PTR, true));
    assert_eq!(records(p)[0].section, Section::Authority);
    let q: Vec<_> = Message::parse(packet("zc_query"))
        .unwrap()
        .questions()
        .map(|q| q.unwrap().qtype)
        .collect();
    assert_eq!(q.len(), 4);
}

#[test]
fn zeroconf_nsec_records_read() {
    for name in ["zc_announce", "zc_response_nsec", "zc_legacy_nsec"] {
        let recs = records(packet(name));
        let nsec = recs.iter().find(|r| r.rtype == Rtype::NSEC).unwrap();
        let RData::Nsec { next, types } = nsec.rdata else {
            panic!("{name}")
        };
        assert!(next.eq_ref(&nsec.name), "{name}");
        assert!(types.contains(Rtype::A), "{name}");
        assert!(!types.contains(Rtype::AAAA), "{name}");
    }
}
