//! Property tests of the wire format: what the writer builds parses back to the same
//! content; compressed output only points backward and is never larger than
//! uncompressed; the parser never panics on arbitrary or mutated input.

#[path = "wire_common.rs"]
mod common;

use common::gen::{self, Spec};
use common::{check_pointers_backward, decode_all, CAPTURED, CORPUS};
use mdns_sansio::wire::{Message, MessageWriter, NameRef, RData, Records, Rtype};
use proptest::prelude::*;

/// Checks that `bytes` reads back as exactly `spec` (names byte for byte, case kept).
fn assert_reads_back(spec: &Spec, bytes: &[u8]) -> Result<(), TestCaseError> {
    let msg = Message::parse(bytes).unwrap();
    let h = msg.header();
    prop_assert_eq!((h.id, h.flags), (spec.id, spec.flags));
    prop_assert_eq!(usize::from(h.qdcount), spec.questions.len());
    let qs: Vec<_> = msg.questions().collect();
    prop_assert_eq!(qs.len(), spec.questions.len());
    for (q, want) in qs.iter().zip(&spec.questions) {
        let q = q.as_ref().unwrap();
        prop_assert!(
            q.name.labels().eq(want.name.labels()),
            "{} vs {}",
            q.name,
            want.name
        );
        prop_assert_eq!(q.name.wire_len(), want.name.wire_len());
        prop_assert_eq!(
            (q.qtype, q.qclass, q.unicast_response),
            (want.qtype, want.qclass, want.qu)
        );
    }
    let rs: Vec<_> = msg.records().collect();
    prop_assert_eq!(rs.len(), spec.records.len());
    for (r, want) in rs.iter().zip(&spec.records) {
        let r = r
            .as_ref()
            .map_err(|e| TestCaseError::fail(format!("{e} for {want:?}")))?;
        prop_assert_eq!(r.section, want.section);
        prop_assert!(r.name.labels().eq(want.name.labels()));
        prop_assert_eq!(
            (r.rtype, r.class, r.cache_flush, r.ttl),
            (want.rtype, want.class, want.flush, want.ttl)
        );
        let owned = r.rdata.to_owned();
        prop_assert_eq!(&owned, &want.data);
        prop_assert!(want.data.matches(&r.rdata));
        // byte-exact, names' case included
        let (mut got, mut exp) = (Vec::new(), Vec::new());
        r.rdata.write_canonical(&mut got);
        want.data.write_canonical(&mut exp);
        prop_assert_eq!(got, exp);
    }
    prop_assert_eq!(decode_all(bytes).errors, 0);
    Ok(())
}

/// Deterministic mutations of `base`: overwrite bytes, then maybe cut.
fn mutate(base: &[u8], edits: &[(usize, u8)], cut: Option<usize>) -> Vec<u8> {
    let mut m = base.to_vec();
    if !m.is_empty() {
        for &(i, b) in edits {
            let i = i % m.len();
            m[i] = b;
        }
    }
    if let Some(c) = cut {
        m.truncate(c % (m.len() + 1));
    }
    m
}

/// Bytes that hit the interesting branches: pointers, reserved label types, long labels.
fn hostile_byte() -> impl Strategy<Value = u8> {
    prop_oneof![
        any::<u8>(),
        Just(0xC0),
        Just(0xC0 | 0x3F),
        Just(0x0C),
        Just(0x40),
        Just(0x80),
        Just(63),
        Just(64),
        Just(0),
        Just(0xFF),
    ]
}

/// Exercises everything a consumer might do with a parsed message.
fn consume(bytes: &[u8]) {
    decode_all(bytes);
    if let Ok(msg) = Message::parse(bytes) {
        for q in msg.questions().flatten() {
            let _ = q.name.to_name();
            let _ = q.name.to_string();
        }
        for r in msg.records().flatten() {
            let _ = r.name.to_name();
            let owned = r.rdata.to_owned();
            assert!(owned.matches(&r.rdata));
            let mut v = Vec::new();
            r.rdata.write_canonical(&mut v);
            let _ = format!("{:?}", r.rdata);
        }
    }
}

/// Everything a records iterator yields, names with where they are read from and their
/// length (what a memo could change), errors with their offsets.
fn records_view(rs: Records<'_>) -> Vec<String> {
    let name = |n: &NameRef<'_>| format!("{n}@{}/{}", n.offset(), n.wire_len());
    rs.map(|r| match r {
        Ok(r) => {
            let data = match r.rdata {
                RData::Ptr(n) | RData::Cname(n) => name(&n),
                RData::Srv { target, .. } => name(&target),
                RData::Nsec { next, .. } => name(&next),
                _ => String::new(),
            };
            format!("{} {data} {:?}", name(&r.name), r)
        }
        Err(e) => format!("{e:?}"),
    })
    .collect()
}

/// `Questions::into_records`, after any number of questions read (none, some, all, or
/// more than there are), yields exactly what `Message::records` does.
fn check_into_records(bytes: &[u8]) -> Result<(), TestCaseError> {
    let Ok(msg) = Message::parse(bytes) else {
        return Ok(());
    };
    let want = records_view(msg.records());
    for read in 0..=usize::from(msg.header().qdcount) + 1 {
        let mut qs = msg.questions();
        for _ in 0..read {
            qs.next();
        }
        prop_assert_eq!(
            &records_view(qs.into_records()),
            &want,
            "after {} questions",
            read
        );
    }
    Ok(())
}

/// `body` after a response header whose four section counts are `counts`, each below 8.
fn with_plausible_header(counts: [u8; 4], body: &[u8]) -> Vec<u8> {
    let mut m = vec![0, 0, 0x84, 0];
    for c in counts {
        m.extend_from_slice(&[0, c % 8]);
    }
    m.extend_from_slice(body);
    m
}

#[test]
fn into_records_reads_the_fixtures_as_records_does() {
    for (name, p) in CORPUS.iter().chain(CAPTURED) {
        check_into_records(p).unwrap_or_else(|e| panic!("{name}: {e}"));
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    #[test]
    fn into_records_reads_mutated_fixtures_as_records_does(
        which in 0..(CORPUS.len() + CAPTURED.len()),
        edits in proptest::collection::vec((any::<usize>(), hostile_byte()), 1..8),
        cut in proptest::option::of(any::<usize>()),
    ) {
        let base = CORPUS.iter().chain(CAPTURED).nth(which).unwrap().1;
        check_into_records(&mutate(base, &edits, cut))?;
    }

    #[test]
    fn into_records_reads_hostile_messages_as_records_does(
        counts in any::<[u8; 4]>(),
        body in proptest::collection::vec(hostile_byte(), 0..400),
    ) {
        check_into_records(&with_plausible_header(counts, &body))?;
    }

    #[test]
    fn into_records_reads_built_messages_as_records_does(spec in gen::spec()) {
        check_into_records(&gen::build(&spec, true))?;
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn built_messages_read_back_unchanged(spec in gen::spec()) {
        let compressed = gen::build(&spec, true);
        assert_reads_back(&spec, &compressed)?;
        let plain = gen::build(&spec, false);
        assert_reads_back(&spec, &plain)?;
        prop_assert!(compressed.len() <= plain.len(), "{} > {}", compressed.len(), plain.len());
        let pointers = check_pointers_backward(&compressed).map_err(TestCaseError::fail)?;
        prop_assert_eq!(check_pointers_backward(&plain), Ok(0));
        // a second name sharing a suffix was compressed
        if pointers == 0 {
            prop_assert_eq!(compressed.len(), plain.len());
        }
    }

    /// A push that does not fit leaves no trace: writing into a short buffer, skipping
    /// what does not fit, gives the same bytes as writing only what fitted into a big
    /// one (the compression table is restored exactly after each failure).
    #[test]
    fn a_failed_push_leaves_the_writer_as_it_was(spec in gen::spec(), limit in 12usize..600) {
        let mut short = vec![0u8; limit];
        let mut w = MessageWriter::new(&mut short, spec.id, spec.flags).unwrap();
        let mut kept = gen::Spec { questions: Vec::new(), records: Vec::new(), ..spec.clone() };
        for q in &spec.questions {
            if w.push_question(&q.name, q.qtype, q.qclass, q.qu).is_ok() {
                kept.questions.push(q.clone());
            }
        }
        for r in &spec.records {
            let pushed = w.push_record_typed(
                r.section, &r.name, r.rtype, r.class, r.flush, r.ttl, &r.data,
            );
            if pushed.is_ok() {
                kept.records.push(r.clone());
            }
        }
        let len = w.finish();
        prop_assert_eq!(&short[..len], &gen::build(&kept, true)[..]);
    }

    #[test]
    fn parser_never_panics_on_arbitrary_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..700)) {
        consume(&bytes);
    }

    #[test]
    fn parser_never_panics_on_arbitrary_bytes_after_a_plausible_header(
        counts in any::<[u8; 4]>(),
        body in proptest::collection::vec(hostile_byte(), 0..400),
    ) {
        consume(&with_plausible_header(counts, &body));
    }

    #[test]
    fn parser_never_panics_on_mutated_built_messages(
        spec in gen::spec(),
        edits in proptest::collection::vec((any::<usize>(), hostile_byte()), 1..6),
        cut in proptest::option::of(any::<usize>()),
    ) {
        let m = gen::build(&spec, true);
        consume(&mutate(&m, &edits, cut));
    }

    #[test]
    fn parser_never_panics_on_mutated_fixtures(
        which in 0..(CORPUS.len() + CAPTURED.len()),
        edits in proptest::collection::vec((any::<usize>(), hostile_byte()), 1..8),
        cut in proptest::option::of(any::<usize>()),
    ) {
        let base = CORPUS.iter().chain(CAPTURED).nth(which).unwrap().1;
        consume(&mutate(base, &edits, cut));
    }

    #[test]
    fn reread_of_a_rebuilt_mutant_is_stable(
        which in 0..(CORPUS.len() + CAPTURED.len()),
        edits in proptest::collection::vec((any::<usize>(), hostile_byte()), 1..4),
    ) {
        // Whatever survives parsing of a mutant, rebuilt, parses back without errors and
        // rebuilds to the same bytes (the writer is a fixed point after one round).
        let base = CORPUS.iter().chain(CAPTURED).nth(which).unwrap().1;
        let m = mutate(base, &edits, None);
        if Message::parse(&m).is_ok() {
            let once = rebuild_ok(&m);
            let twice = rebuild_ok(&once);
            prop_assert_eq!(decode_all(&once).errors, 0);
            prop_assert_eq!(&once, &twice);
        }
    }
}

/// Rebuilds only the items that parse, with header counts to match.
fn rebuild_ok(packet: &[u8]) -> Vec<u8> {
    use mdns_sansio::wire::MessageWriter;
    let msg = Message::parse(packet).unwrap();
    let h = msg.header();
    let mut buf = vec![0u8; 65535];
    let mut w = MessageWriter::new(&mut buf, h.id, h.flags).unwrap();
    for q in msg.questions().flatten() {
        w.push_question(&q.name, q.qtype, q.qclass, q.unicast_response)
            .unwrap();
    }
    for r in msg.records().flatten() {
        let data = r.rdata.to_owned();
        // An empty TXT is sent as one empty string; keep the comparison exact.
        if r.rtype == Rtype::TXT && r.raw_rdata.is_empty() {
            continue;
        }
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
fn corpus_rebuilds_backward_only_and_no_larger_than_uncompressed() {
    for (name, p) in CORPUS {
        let c = common::rebuild(p, true);
        let u = common::rebuild(p, false);
        assert_eq!(c.len(), p.len(), "{name}");
        assert!(c.len() <= u.len(), "{name}");
        let n = check_pointers_backward(&c).unwrap();
        assert!(n > 0 || c.len() == u.len(), "{name}");
    }
}
