//! Helpers shared by the `wire_*` tests (included with `#[path]`; as a test binary of its
//! own it only checks that the fixtures are there).
#![allow(dead_code)]

use mdns_sansio::wire::{Message, MessageWriter, RData, Rtype, HEADER_LEN};

/// The benchmark corpus (shared/corpus).
pub const CORPUS: &[(&str, &[u8])] = &[
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

/// Datagrams captured from Avahi and python-zeroconf (fixtures/captured/README.md).
pub const CAPTURED: &[(&str, &[u8])] = &[
    (
        "avahi_host_probe",
        include_bytes!("fixtures/captured/avahi_host_probe.bin"),
    ),
    (
        "avahi_service_probe",
        include_bytes!("fixtures/captured/avahi_service_probe.bin"),
    ),
    (
        "avahi_announce",
        include_bytes!("fixtures/captured/avahi_announce.bin"),
    ),
    (
        "avahi_legacy_reply",
        include_bytes!("fixtures/captured/avahi_legacy_reply.bin"),
    ),
    (
        "avahi_goodbye",
        include_bytes!("fixtures/captured/avahi_goodbye.bin"),
    ),
    ("zc_probe", include_bytes!("fixtures/captured/zc_probe.bin")),
    (
        "zc_announce",
        include_bytes!("fixtures/captured/zc_announce.bin"),
    ),
    ("zc_query", include_bytes!("fixtures/captured/zc_query.bin")),
    (
        "zc_response_nsec",
        include_bytes!("fixtures/captured/zc_response_nsec.bin"),
    ),
    (
        "zc_legacy_nsec",
        include_bytes!("fixtures/captured/zc_legacy_nsec.bin"),
    ),
];

/// What a full decode saw.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Decoded {
    pub questions: usize,
    pub records: usize,
    pub errors: usize,
    /// Labels visited, in owner names and in names inside rdata.
    pub labels: usize,
    /// Sum of label bytes and other rdata bytes touched (keeps the walk observable).
    pub bytes: usize,
}

/// Decodes everything in `packet` without allocating: the header, every question and
/// record, every name walked through its labels (names inside rdata too), TXT strings
/// and NSEC bitmaps iterated.
pub fn decode_all(packet: &[u8]) -> Decoded {
    let mut d = Decoded::default();
    let Ok(msg) = Message::parse(packet) else {
        d.errors += 1;
        return d;
    };
    let walk = |d: &mut Decoded, n: &mdns_sansio::wire::NameRef<'_>| {
        for l in n.labels() {
            d.labels += 1;
            d.bytes += l.len();
        }
    };
    for q in msg.questions() {
        match q {
            Ok(q) => {
                d.questions += 1;
                walk(&mut d, &q.name);
                d.bytes += usize::from(q.qtype.0) + usize::from(q.qclass.0);
            }
            Err(_) => d.errors += 1,
        }
    }
    for r in msg.records() {
        match r {
            Ok(r) => {
                d.records += 1;
                walk(&mut d, &r.name);
                match r.rdata {
                    RData::A(a) => d.bytes += usize::from(a.octets()[3]),
                    RData::Aaaa(a) => d.bytes += usize::from(a.octets()[15]),
                    RData::Ptr(n) | RData::Cname(n) => walk(&mut d, &n),
                    RData::Srv { port, target, .. } => {
                        d.bytes += usize::from(port);
                        walk(&mut d, &target);
                    }
                    RData::Txt(t) => {
                        for s in t {
                            d.bytes += s.len();
                        }
                    }
                    RData::Hinfo { cpu, os } => d.bytes += cpu.len() + os.len(),
                    RData::Nsec { next, types } => {
                        walk(&mut d, &next);
                        d.bytes += usize::from(types.contains(Rtype::A));
                    }
                    RData::Opt(b) | RData::Other(b) => d.bytes += b.len(),
                }
            }
            Err(_) => d.errors += 1,
        }
    }
    d
}

/// Re-encodes a parsed message with our writer (skipping items that do not parse).
pub fn rebuild(packet: &[u8], compress: bool) -> Vec<u8> {
    let msg = Message::parse(packet).unwrap();
    let h = msg.header();
    let mut buf = vec![0u8; 65535];
    let mut w = MessageWriter::new(&mut buf, h.id, h.flags).unwrap();
    w.set_compression(compress);
    for q in msg.questions().flatten() {
        w.push_question(&q.name, q.qtype, q.qclass, q.unicast_response)
            .unwrap();
    }
    for r in msg.records().flatten() {
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

/// Walks a well-formed message by its framing and checks that every compression pointer
/// (in owner names and in PTR/CNAME/SRV/NSEC rdata names) points strictly backward, at a
/// label inside the message. Returns the number of pointers seen, or a description of
/// the first bad one.
pub fn check_pointers_backward(msg: &[u8]) -> Result<usize, String> {
    let mut pointers = 0;
    // Checks the in-place part of the name at `at`, returns the offset past it.
    let mut name = |at: usize| -> Result<usize, String> {
        let mut p = at;
        loop {
            let len = *msg.get(p).ok_or(format!("name at {at} runs off the end"))?;
            match len & 0xC0 {
                0 if len == 0 => return Ok(p + 1),
                0 => p += 1 + usize::from(len),
                0xC0 => {
                    let lo = *msg.get(p + 1).ok_or("pointer runs off the end")?;
                    let target = (usize::from(len & 0x3F) << 8) | usize::from(lo);
                    if target >= p {
                        return Err(format!("pointer at {p} goes forward to {target}"));
                    }
                    if target < HEADER_LEN {
                        return Err(format!("pointer at {p} into the header ({target})"));
                    }
                    pointers += 1;
                    return Ok(p + 2);
                }
                _ => return Err(format!("bad label byte {len:#x} at {p}")),
            }
        }
    };
    let w = |i: usize| u16::from_be_bytes([msg[i], msg[i + 1]]);
    let (qd, an, ns, ar) = (w(4), w(6), w(8), w(10));
    let mut at = HEADER_LEN;
    for _ in 0..qd {
        at = name(at)? + 4;
    }
    for _ in 0..(u32::from(an) + u32::from(ns) + u32::from(ar)) {
        at = name(at)?;
        let rtype = w(at);
        let rdlen = usize::from(w(at + 8));
        let rd = at + 10;
        match Rtype(rtype) {
            Rtype::PTR | Rtype::CNAME | Rtype::NSEC => {
                name(rd)?;
            }
            Rtype::SRV => {
                name(rd + 6)?;
            }
            _ => {}
        }
        at = rd + rdlen;
    }
    if at != msg.len() {
        return Err(format!("framing ends at {at}, message is {}", msg.len()));
    }
    Ok(pointers)
}

#[test]
fn fixtures_are_present() {
    assert_eq!(CORPUS.len(), 6);
    assert_eq!(CAPTURED.len(), 10);
    assert!(CORPUS.iter().chain(CAPTURED).all(|(_, p)| p.len() >= 12));
}

/// Generated message content for the property tests.
pub mod gen {
    use mdns_sansio::wire::{Class, MessageWriter, NsecBitmap, RecordData, Rtype, Section};
    use mdns_sansio::Name;
    use proptest::prelude::*;
    use smallvec::SmallVec;

    /// Labels that repeat (so compression has work to do), in mixed case and UTF-8, with
    /// dots and spaces inside.
    const POOL: &[&str] = &[
        "local",
        "LOCAL",
        "Local",
        "_http",
        "_tcp",
        "_udp",
        "_ipp",
        "_services",
        "_dns-sd",
        "My Box",
        "café",
        "Ünïcødé 💡 Printer",
        "host",
        "a.b",
        "x",
        "\\",
    ];

    pub fn label() -> impl Strategy<Value = Vec<u8>> {
        prop_oneof![
            6 => proptest::sample::select(POOL).prop_map(|s| s.as_bytes().to_vec()),
            2 => "[a-zA-Z0-9 _.-]{1,16}".prop_map(String::into_bytes),
            1 => proptest::collection::vec(any::<u8>(), 1..=63),
        ]
    }

    pub fn name() -> impl Strategy<Value = Name> {
        proptest::collection::vec(label(), 0..6).prop_filter_map("name too long", |ls| {
            Name::from_labels(ls.iter().map(Vec::as_slice)).ok()
        })
    }

    /// Record types we do not type: kept as opaque bytes.
    pub const OTHER_TYPES: &[u16] = &[3, 10, 65, 99, 256, 4000, 65280, 65534];

    pub fn txt() -> impl Strategy<Value = SmallVec<[u8; 16]>> {
        proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..40), 1..5).prop_map(
            |strings| {
                let mut raw = SmallVec::new();
                for s in strings {
                    raw.push(s.len() as u8);
                    raw.extend_from_slice(&s);
                }
                raw
            },
        )
    }

    pub fn nsec_bitmap() -> impl Strategy<Value = SmallVec<[u8; 16]>> {
        prop_oneof![
            proptest::collection::vec(0u16..300, 0..8)
                .prop_map(|t| { NsecBitmap::build(&t.into_iter().map(Rtype).collect::<Vec<_>>()) }),
            proptest::collection::btree_map(
                any::<u8>(),
                proptest::collection::vec(any::<u8>(), 1..=32),
                0..3
            )
            .prop_map(|windows| {
                let mut raw = SmallVec::new();
                for (w, bits) in windows {
                    raw.push(w);
                    raw.push(bits.len() as u8);
                    raw.extend_from_slice(&bits);
                }
                raw
            }),
        ]
    }

    /// (type, data): every typed variant, OPT, and opaque types.
    pub fn rdata() -> impl Strategy<Value = (Rtype, RecordData)> {
        prop_oneof![
            any::<[u8; 4]>().prop_map(|a| (Rtype::A, RecordData::A(a.into()))),
            any::<[u8; 16]>().prop_map(|a| (Rtype::AAAA, RecordData::Aaaa(a.into()))),
            name().prop_map(|n| (Rtype::PTR, RecordData::Ptr(n))),
            name().prop_map(|n| (Rtype::CNAME, RecordData::Cname(n))),
            (any::<u16>(), any::<u16>(), any::<u16>(), name()).prop_map(|(p, w, port, t)| (
                Rtype::SRV,
                RecordData::Srv {
                    priority: p,
                    weight: w,
                    port,
                    target: t
                }
            )),
            txt().prop_map(|t| (Rtype::TXT, RecordData::Txt(t))),
            (
                proptest::collection::vec(any::<u8>(), 0..20),
                proptest::collection::vec(any::<u8>(), 0..20)
            )
                .prop_map(|(c, o)| (
                    Rtype::HINFO,
                    RecordData::Hinfo {
                        cpu: SmallVec::from_vec(c),
                        os: SmallVec::from_vec(o)
                    }
                )),
            (name(), nsec_bitmap())
                .prop_map(|(n, t)| (Rtype::NSEC, RecordData::Nsec { next: n, types: t })),
            proptest::collection::vec(any::<u8>(), 0..20)
                .prop_map(|b| (Rtype::OPT, RecordData::Opt(SmallVec::from_vec(b)))),
            (
                proptest::sample::select(OTHER_TYPES),
                proptest::collection::vec(any::<u8>(), 0..30)
            )
                .prop_map(|(t, b)| (Rtype(t), RecordData::Other(SmallVec::from_vec(b)))),
        ]
    }

    #[derive(Clone, Debug)]
    pub struct Q {
        pub name: Name,
        pub qtype: Rtype,
        pub qclass: Class,
        pub qu: bool,
    }

    #[derive(Clone, Debug)]
    pub struct R {
        pub section: Section,
        pub name: Name,
        pub rtype: Rtype,
        /// Without the top bit, except for OPT (the UDP payload size).
        pub class: Class,
        pub flush: bool,
        pub ttl: u32,
        pub data: RecordData,
    }

    #[derive(Clone, Debug)]
    pub struct Spec {
        pub id: u16,
        pub flags: u16,
        pub questions: Vec<Q>,
        pub records: Vec<R>,
    }

    pub fn question() -> impl Strategy<Value = Q> {
        (name(), any::<u16>(), 0u16..0x8000, any::<bool>()).prop_map(|(name, t, c, qu)| Q {
            name,
            qtype: Rtype(t),
            qclass: Class(c),
            qu,
        })
    }

    pub fn record() -> impl Strategy<Value = R> {
        (
            prop_oneof![
                Just(Section::Answer),
                Just(Section::Authority),
                Just(Section::Additional)
            ],
            name(),
            rdata(),
            0u16..0x8000,
            any::<u16>(),
            any::<bool>(),
            any::<u32>(),
        )
            .prop_map(|(section, name, (rtype, data), c, opt_class, flush, ttl)| {
                let opt = rtype == Rtype::OPT;
                R {
                    section,
                    name,
                    rtype,
                    class: Class(if opt { opt_class } else { c }),
                    flush: flush && !opt,
                    ttl,
                    data,
                }
            })
    }

    pub fn spec() -> impl Strategy<Value = Spec> {
        (
            any::<u16>(),
            any::<u16>(),
            proptest::collection::vec(question(), 0..6),
            proptest::collection::vec(record(), 0..14),
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

    /// Writes `spec`; every push must fit (the buffer is 64 KiB).
    pub fn build(spec: &Spec, compress: bool) -> Vec<u8> {
        let mut buf = vec![0u8; 65535];
        let mut w = MessageWriter::new(&mut buf, spec.id, spec.flags).unwrap();
        w.set_compression(compress);
        for q in &spec.questions {
            w.push_question(&q.name, q.qtype, q.qclass, q.qu).unwrap();
        }
        for r in &spec.records {
            w.push_record_typed(
                r.section, &r.name, r.rtype, r.class, r.flush, r.ttl, &r.data,
            )
            .unwrap();
        }
        let len = w.finish();
        buf.truncate(len);
        buf
    }
}
