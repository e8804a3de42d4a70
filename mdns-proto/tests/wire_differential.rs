//! Differential test against an independent parser (simple-dns): messages our writer
//! builds from generated content read the same through both parsers: questions,
//! records, names label by label, rdata field by field.

#[path = "wire_common.rs"]
mod common;

use common::gen::{self, Spec, Q, R};
use mdns_sansio::wire::{Class, Message, RData, RecordData, Rtype, Section};
use proptest::prelude::*;
use simple_dns::rdata::RData as SRData;
use smallvec::SmallVec;

/// A parser-neutral view of one item.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Data {
    A(u32),
    Aaaa(u128),
    Ptr(Vec<Vec<u8>>),
    Cname(Vec<Vec<u8>>),
    Srv(u16, u16, u16, Vec<Vec<u8>>),
    Txt(Vec<Vec<u8>>),
    Hinfo(Vec<u8>, Vec<u8>),
    Nsec(Vec<Vec<u8>>, Vec<u8>),
    Other(u16, Vec<u8>),
}

#[derive(Debug, PartialEq, Eq)]
struct Item {
    section: u8,
    name: Vec<Vec<u8>>,
    rtype: u16,
    class: u16,
    flush: bool,
    ttl: u32,
    data: Data,
}

fn labels<'a>(it: impl Iterator<Item = &'a [u8]>) -> Vec<Vec<u8>> {
    it.map(<[u8]>::to_vec).collect()
}

/// A question: labels, type, class, QU.
type QView = (Vec<Vec<u8>>, u16, u16, bool);
/// A whole message: ID, questions, records.
type View = (u16, Vec<QView>, Vec<Item>);

fn ours(bytes: &[u8]) -> View {
    let msg = Message::parse(bytes).unwrap();
    let qs = msg
        .questions()
        .map(|q| {
            let q = q.unwrap();
            (
                labels(q.name.labels()),
                q.qtype.0,
                q.qclass.0,
                q.unicast_response,
            )
        })
        .collect();
    let rs = msg
        .records()
        .map(|r| {
            let r = r.unwrap();
            let data = match r.rdata {
                RData::A(a) => Data::A(a.into()),
                RData::Aaaa(a) => Data::Aaaa(a.into()),
                RData::Ptr(n) => Data::Ptr(labels(n.labels())),
                RData::Cname(n) => Data::Cname(labels(n.labels())),
                RData::Srv {
                    priority,
                    weight,
                    port,
                    target,
                } => Data::Srv(priority, weight, port, labels(target.labels())),
                RData::Txt(t) => Data::Txt(t.map(<[u8]>::to_vec).collect()),
                RData::Hinfo { cpu, os } => Data::Hinfo(cpu.to_vec(), os.to_vec()),
                RData::Nsec { next, types } => {
                    Data::Nsec(labels(next.labels()), types.raw().to_vec())
                }
                RData::Opt(b) | RData::Other(b) => Data::Other(r.rtype.0, b.to_vec()),
            };
            Item {
                section: r.section as u8,
                name: labels(r.name.labels()),
                rtype: r.rtype.0,
                class: r.class.0,
                flush: r.cache_flush,
                ttl: r.ttl,
                data,
            }
        })
        .collect();
    (msg.header().id, qs, rs)
}

fn theirs(bytes: &[u8]) -> View {
    let p = simple_dns::Packet::parse(bytes).expect("simple-dns rejects our message");
    let qs = p
        .questions
        .iter()
        .map(|q| {
            (
                labels(q.qname.as_bytes()),
                u16::from(q.qtype),
                u16::from(q.qclass),
                q.unicast_response,
            )
        })
        .collect();
    let mut rs = Vec::new();
    for (section, list) in [
        (Section::Answer, &p.answers),
        (Section::Authority, &p.name_servers),
        (Section::Additional, &p.additional_records),
    ] {
        for r in list {
            let data = match &r.rdata {
                SRData::A(a) => Data::A(a.address),
                SRData::AAAA(a) => Data::Aaaa(a.address),
                SRData::PTR(n) => Data::Ptr(labels(n.0.as_bytes())),
                SRData::CNAME(n) => Data::Cname(labels(n.0.as_bytes())),
                SRData::SRV(s) => {
                    Data::Srv(s.priority, s.weight, s.port, labels(s.target.as_bytes()))
                }
                SRData::TXT(t) => Data::Txt(
                    t.iter_raw()
                        .map(|(k, v)| {
                            let mut s = k.to_vec();
                            if let Some(v) = v {
                                s.push(b'=');
                                s.extend_from_slice(v);
                            }
                            s
                        })
                        .collect(),
                ),
                SRData::HINFO(h) => Data::Hinfo(
                    String::try_from(h.cpu.clone()).unwrap().into_bytes(),
                    String::try_from(h.os.clone()).unwrap().into_bytes(),
                ),
                SRData::NSEC(n) => {
                    let mut raw = Vec::new();
                    for w in &n.type_bit_maps {
                        raw.push(w.window_block);
                        raw.push(w.bitmap.len() as u8);
                        raw.extend_from_slice(&w.bitmap);
                    }
                    Data::Nsec(labels(n.next_name.as_bytes()), raw)
                }
                SRData::NULL(t, d) => Data::Other(*t, d.get_data().to_vec()),
                // simple-dns reports zero-length rdata of an unknown type as `Empty`
                SRData::Empty(t) => Data::Other(u16::from(*t), Vec::new()),
                other => panic!("unexpected simple-dns rdata {other:?}"),
            };
            rs.push(Item {
                section: section as u8,
                name: labels(r.name.as_bytes()),
                rtype: u16::from(r.rdata.type_code()),
                class: u16::from(r.class),
                flush: r.cache_flush,
                ttl: r.ttl,
                data,
            });
        }
    }
    (p.id(), qs, rs)
}

/// Content both parsers type the same way: class IN, known question types, TXT strings
/// of the form `key[=value]` (simple-dns exposes TXT only as key/value pairs), ASCII
/// HINFO, opaque types from the private range, no OPT (simple-dns moves it into the
/// header).
fn spec() -> impl Strategy<Value = Spec> {
    let qtypes = proptest::sample::select(vec![1u16, 12, 16, 28, 33, 47, 255]);
    let question = (
        gen::name(),
        qtypes,
        prop_oneof![Just(1u16), Just(255)],
        any::<bool>(),
    )
        .prop_map(|(name, t, c, qu)| Q {
            name,
            qtype: Rtype(t),
            qclass: Class(c),
            qu,
        });
    let txt = proptest::collection::vec(
        (
            "[a-zA-Z0-9 _-]{1,8}",
            proptest::option::of(proptest::collection::vec(any::<u8>(), 0..20)),
        ),
        1..5,
    )
    .prop_map(|kv| {
        let mut raw = SmallVec::new();
        for (k, v) in kv {
            let mut s = k.into_bytes();
            if let Some(v) = v {
                s.push(b'=');
                s.extend(v);
            }
            raw.push(s.len() as u8);
            raw.extend_from_slice(&s);
        }
        RecordData::Txt(raw)
    });
    let data = prop_oneof![
        gen::rdata().prop_filter("typed the same by both", |(t, d)| matches!(
            d,
            RecordData::A(_)
                | RecordData::Aaaa(_)
                | RecordData::Ptr(_)
                | RecordData::Cname(_)
                | RecordData::Srv { .. }
                | RecordData::Nsec { .. }
        ) && *t != Rtype::OPT),
        txt.prop_map(|d| (Rtype::TXT, d)),
        ("[ -~]{0,12}", "[ -~]{0,12}").prop_map(|(c, o)| (
            Rtype::HINFO,
            RecordData::Hinfo {
                cpu: SmallVec::from_slice(c.as_bytes()),
                os: SmallVec::from_slice(o.as_bytes())
            }
        )),
        (
            65280u16..65535,
            proptest::collection::vec(any::<u8>(), 0..20)
        )
            .prop_map(|(t, b)| (Rtype(t), RecordData::Other(SmallVec::from_vec(b)))),
    ];
    let record = (
        prop_oneof![
            Just(Section::Answer),
            Just(Section::Authority),
            Just(Section::Additional)
        ],
        gen::name(),
        data,
        any::<bool>(),
        any::<u32>(),
    )
        .prop_map(|(section, name, (rtype, data), flush, ttl)| R {
            section,
            name,
            rtype,
            class: Class::IN,
            flush,
            ttl,
            data,
        });
    (
        any::<u16>(),
        proptest::sample::select(vec![0u16, 0x8400, 0x8000, 0x0400, 0x0200]),
        proptest::collection::vec(question, 0..5),
        proptest::collection::vec(record, 0..12),
    )
        .prop_map(|(id, flags, questions, mut records)| {
            records.sort_by_key(|r| r.section);
            Spec {
                id,
                flags,
                questions,
                records,
            }
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn simple_dns_reads_what_we_read(spec in spec(), compress in any::<bool>()) {
        let bytes = gen::build(&spec, compress);
        let a = ours(&bytes);
        let b = theirs(&bytes);
        prop_assert_eq!(a, b);
    }
}

#[test]
fn simple_dns_reads_the_corpus_and_captures_as_we_do() {
    for (name, p) in common::CORPUS.iter().chain(common::CAPTURED) {
        assert_eq!(ours(p), theirs(p), "{name}");
    }
}
