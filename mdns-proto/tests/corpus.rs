//! The benchmark corpus (../shared/corpus, copied into tests/fixtures/corpus): every
//! packet parses completely, and rebuilding it with our writer gives exactly the same
//! size (the corpus uses full compression, names inside rdata included).

use mdns_proto::wire::{Message, MessageWriter, RData, Section};

const CORPUS: &[(&str, &[u8])] = &[
    (
        "a_browse_qu",
        include_bytes!("fixtures/corpus/a_browse_qu.bin"),
    ),
    (
        "b_known_answers",
        include_bytes!("fixtures/corpus/b_known_answers.bin"),
    ),
    (
        "c_service_resp",
        include_bytes!("fixtures/corpus/c_service_resp.bin"),
    ),
    (
        "d_large_resp",
        include_bytes!("fixtures/corpus/d_large_resp.bin"),
    ),
    ("e_probe", include_bytes!("fixtures/corpus/e_probe.bin")),
    ("f_goodbye", include_bytes!("fixtures/corpus/f_goodbye.bin")),
];

/// Re-encodes a parsed message with our writer, returning its bytes.
fn rebuild(packet: &[u8]) -> Vec<u8> {
    let msg = Message::parse(packet).unwrap();
    let h = msg.header();
    let mut buf = vec![0u8; 9000];
    let mut w = MessageWriter::new(&mut buf, h.id, h.flags).unwrap();
    for q in msg.questions() {
        let q = q.unwrap();
        w.push_question(&q.name, q.qtype, q.qclass, q.unicast_response)
            .unwrap();
    }
    for r in msg.records() {
        let r = r.unwrap();
        let data = r.rdata.to_owned();
        w.push_record_typed(
            r.section,
            &r.name,
            r.rtype,
            r.class,
            r.cache_flush,
            r.ttl,
            &data,
        )
        .unwrap();
    }
    let len = w.finish();
    buf.truncate(len);
    buf
}

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
        let out = rebuild(packet);
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
            assert!(types.contains(mdns_proto::wire::Rtype::TXT));
            assert!(types.contains(mdns_proto::wire::Rtype::SRV));
        }
        other => panic!("expected NSEC, got {other:?}"),
    }
}
