//! The benchmark corpus (../shared/corpus, copied into tests/fixtures/corpus): every
//! packet parses completely, and rebuilding it with our writer gives exactly the same
//! size (the corpus uses full compression, names inside rdata included).

#[path = "wire_common.rs"]
mod wire_common;

use mdns_sansio::wire::{Message, RData, Section};
use wire_common::{rebuild, CORPUS};

#[test]
fn every_corpus_packet_parses_without_error() {
    for (name, packet) in CORPUS {
        let msg = Message::parse(packet).unwrap();
        let h = msg.header();
        assert_eq!(
            msg.questions().filter(|q| q.is_ok()).count(),
            usize::from(h.qdcount),
            "{name}"
        );
        let records = msg.records().collect::<Result<Vec<_>, _>>().unwrap();
        assert_eq!(
            records.len(),
            usize::from(h.ancount) + usize::from(h.nscount) + usize::from(h.arcount),
            "{name}"
        );
    }
}

#[test]
fn rebuilt_corpus_packets_are_exactly_as_small_as_the_originals() {
    for (name, packet) in CORPUS {
        let out = rebuild(packet, true);
        assert_eq!(out.len(), packet.len(), "{name}: size differs");
        // and they read back to the same content
        let (a, b) = (
            Message::parse(packet).unwrap(),
            Message::parse(&out).unwrap(),
        );
        for (x, y) in a.records().zip(b.records()) {
            let (x, y) = (x.unwrap(), y.unwrap());
            assert!(x.name.eq_ref(&y.name), "{name}");
            assert_eq!(
                (x.rtype, x.class, x.cache_flush, x.ttl),
                (y.rtype, y.class, y.cache_flush, y.ttl)
            );
            assert!(x.rdata.to_owned().matches(&y.rdata), "{name}");
        }
    }
}

#[test]
fn service_response_has_the_expected_content() {
    let msg = Message::parse(CORPUS[2].1).unwrap();
    let recs: Vec<_> = msg.records().map(Result::unwrap).collect();
    assert_eq!(recs[0].section, Section::Answer);
    assert!(!recs[0].cache_flush, "PTR is shared");
    match recs[1].rdata {
        RData::Srv { target, .. } => assert_eq!(target.to_string(), "myhost.local."),
        other => panic!("expected SRV, got {other:?}"),
    }
    assert!(recs[1..].iter().all(|r| r.cache_flush));
    match recs[5].rdata {
        RData::Nsec { next, types } => {
            assert!(next.eq_ref(&recs[5].name));
            assert!(types.contains(mdns_sansio::wire::Rtype::TXT));
            assert!(types.contains(mdns_sansio::wire::Rtype::SRV));
        }
        other => panic!("expected NSEC, got {other:?}"),
    }
}
