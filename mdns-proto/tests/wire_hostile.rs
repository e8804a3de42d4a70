//! The hostile corpus of CHECKLIST A.5 (RFC 1035 §4.1.4 parse safety) as named cases,
//! the RFC 1035 §4.1.4 compression example, and "a bad record does not take the good
//! ones around it down". None of these may panic or hang.

#[path = "wire_common.rs"]
mod common;

use common::decode_all;
use mdns_sansio::wire::{Message, NameRef, ParseError, RData, Record, Rtype, Section};
use std::net::Ipv4Addr;

/// A message: a header with the given counts, then `body`.
fn msg(qd: u16, an: u16, ns: u16, ar: u16, body: &[u8]) -> Vec<u8> {
    let mut m = vec![0, 0, 0x84, 0];
    for c in [qd, an, ns, ar] {
        m.extend_from_slice(&c.to_be_bytes());
    }
    m.extend_from_slice(body);
    m
}

/// A record: owner name bytes, type, class IN, TTL 120, rdata.
fn rr(owner: &[u8], rtype: u16, rdata: &[u8]) -> Vec<u8> {
    let mut r = owner.to_vec();
    r.extend_from_slice(&rtype.to_be_bytes());
    r.extend_from_slice(&[0x80, 0x01, 0, 0, 0, 120]);
    r.extend_from_slice(&(rdata.len() as u16).to_be_bytes());
    r.extend_from_slice(rdata);
    r
}

const HOST: &[u8] = b"\x04host\x05local\x00";

fn records(m: &[u8]) -> Vec<Result<Record<'_>, ParseError>> {
    Message::parse(m).unwrap().records().collect()
}

fn first_question_err(m: &[u8]) -> ParseError {
    let msg = Message::parse(m).unwrap();
    let mut qs = msg.questions();
    let e = qs.next().unwrap().unwrap_err();
    // and iterating to the end terminates
    qs.for_each(drop);
    decode_all(m);
    e
}

fn a_of(r: &Result<Record<'_>, ParseError>) -> Ipv4Addr {
    match r {
        Ok(Record {
            rdata: RData::A(a), ..
        }) => *a,
        other => panic!("expected a good A record, got {other:?}"),
    }
}

#[test]
fn pointer_loop_two_hops() {
    // name at 12 points to 14, whose "name" points back to 12
    let m = msg(1, 0, 0, 0, b"\xc0\x0e\xc0\x0c\x00\x01");
    assert_eq!(first_question_err(&m), ParseError::PointerLoop { at: 12 });
}

#[test]
fn pointer_loop_through_labels() {
    // "\x01a" then a pointer back to the label: a loop that also grows the name
    let m = msg(1, 0, 0, 0, b"\x01a\xc0\x0c\x00\x01\x00\x01");
    assert!(matches!(
        first_question_err(&m),
        ParseError::PointerLoop { .. } | ParseError::NameTooLong { .. }
    ));
}

#[test]
fn pointer_loop_long_cycle() {
    // 12 -> 14 -> 16 -> ... -> 40 -> 12: a 15-pointer cycle, forward then back
    let mut body = Vec::new();
    for i in 0..14u8 {
        body.extend_from_slice(&[0xC0, 14 + 2 * i]);
    }
    body.extend_from_slice(&[0xC0, 12, 0, 1, 0, 1]);
    let m = msg(1, 0, 0, 0, &body);
    assert_eq!(first_question_err(&m), ParseError::PointerLoop { at: 12 });
}

#[test]
fn self_pointer() {
    let m = msg(1, 0, 0, 0, b"\xc0\x0c\x00\x01\x00\x01");
    assert_eq!(
        first_question_err(&m),
        ParseError::BadPointer { at: 12, target: 12 }
    );
}

#[test]
fn pointer_into_the_header() {
    for target in [0u8, 4, 11] {
        let m = msg(1, 0, 0, 0, &[0xC0, target, 0, 1, 0, 1]);
        assert_eq!(
            first_question_err(&m),
            ParseError::BadPointer {
                at: 12,
                target: usize::from(target)
            }
        );
    }
}

#[test]
fn pointer_past_the_end() {
    let m = msg(1, 0, 0, 0, b"\xc0\xff\x00\x01\x00\x01");
    assert_eq!(
        first_question_err(&m),
        ParseError::BadPointer {
            at: 12,
            target: 255
        }
    );
    // the 14-bit offset uses the low 6 bits of the first byte
    let m = msg(1, 0, 0, 0, b"\xff\xff\x00\x01\x00\x01");
    assert_eq!(
        first_question_err(&m),
        ParseError::BadPointer {
            at: 12,
            target: 0x3FFF
        }
    );
}

#[test]
fn label_of_64_bytes_or_more() {
    // a length byte of 64..=127 is the reserved 0x40 label type
    for len in [64u8, 65, 100, 127] {
        let mut body = vec![len];
        body.extend(std::iter::repeat_n(b'a', usize::from(len)));
        body.extend_from_slice(&[0, 0, 1, 0, 1]);
        let m = msg(1, 0, 0, 0, &body);
        let msg = Message::parse(&m).unwrap();
        let e = msg.questions().next().unwrap().unwrap_err();
        assert!(
            matches!(
                e,
                ParseError::BadLabel { .. } | ParseError::Truncated { .. }
            ),
            "{len}: {e:?}"
        );
        assert_eq!(
            NameRef::read(&m, 12).unwrap_err(),
            ParseError::BadLabel { at: 12, byte: len }
        );
        decode_all(&m);
    }
}

#[test]
fn label_of_63_bytes_is_fine() {
    let mut body = vec![63];
    body.extend([b'x'; 63]);
    body.extend_from_slice(&[0, 0, 1, 0, 1]);
    let m = msg(1, 0, 0, 0, &body);
    let q = Message::parse(&m)
        .unwrap()
        .questions()
        .next()
        .unwrap()
        .unwrap();
    assert_eq!(q.name.labels().next().unwrap().len(), 63);
    assert_eq!(q.name.wire_len(), 65);
}

#[test]
fn reserved_label_types_0x40_and_0x80() {
    for byte in [0x40u8, 0x41, 0x80, 0xBF] {
        let m = msg(1, 0, 0, 0, &[byte, b'x', 0, 0, 1, 0, 1]);
        let msg = Message::parse(&m).unwrap();
        assert!(msg.questions().next().unwrap().is_err(), "{byte:#x}");
        assert_eq!(
            NameRef::read(&m, 12).unwrap_err(),
            ParseError::BadLabel { at: 12, byte }
        );
        // as an owner name the framing is lost: one error, then the end
        let m = msg_with_record(&[byte, 0]);
        let recs = records(&m);
        assert_eq!(recs.len(), 1);
        assert!(recs[0].is_err());
    }
}

fn msg_with_record(owner: &[u8]) -> Vec<u8> {
    msg(0, 1, 0, 0, &rr(owner, 1, &[10, 0, 0, 1]))
}

#[test]
fn name_over_255_bytes_in_place() {
    let mut body = Vec::new();
    for _ in 0..4 {
        body.push(63);
        body.extend([b'a'; 63]);
    }
    body.push(0); // 4 * 64 + 1 = 257
    body.extend_from_slice(&[0, 1, 0, 1]);
    let m = msg(1, 0, 0, 0, &body);
    assert_eq!(first_question_err(&m), ParseError::NameTooLong { at: 12 });
}

#[test]
fn name_of_exactly_255_bytes_is_fine() {
    let mut body = Vec::new();
    for _ in 0..3 {
        body.push(63);
        body.extend([b'a'; 63]);
    }
    body.push(61);
    body.extend([b'b'; 61]);
    body.push(0); // 3 * 64 + 62 + 1 = 255
    body.extend_from_slice(&[0, 1, 0, 1]);
    let m = msg(1, 0, 0, 0, &body);
    let q = Message::parse(&m)
        .unwrap()
        .questions()
        .next()
        .unwrap()
        .unwrap();
    assert_eq!(q.name.wire_len(), 255);
    assert_eq!(q.name.to_name().wire_len(), 255);
}

#[test]
fn name_over_255_bytes_through_pointers() {
    // Four questions, each a 63-byte label and a pointer to the previous name: 65, 129,
    // 193, then 257 bytes. The first three are good, the fourth is too long.
    let mut body = Vec::new();
    let mut prev: Option<usize> = None;
    let mut starts = Vec::new();
    for i in 0..4u8 {
        starts.push(12 + body.len());
        body.push(63);
        body.extend([b'a' + i; 63]);
        match prev {
            None => body.push(0),
            Some(p) => body.extend_from_slice(&(0xC000u16 | p as u16).to_be_bytes()),
        }
        body.extend_from_slice(&[0, 1, 0, 1]);
        prev = Some(*starts.last().unwrap());
    }
    let m = msg(4, 0, 0, 0, &body);
    let qs: Vec<_> = Message::parse(&m).unwrap().questions().collect();
    assert_eq!(qs.len(), 4);
    assert_eq!(qs[2].as_ref().unwrap().name.wire_len(), 193);
    assert_eq!(
        qs[3].as_ref().unwrap_err(),
        &ParseError::NameTooLong { at: starts[3] }
    );
}

#[test]
fn rdlength_overrun() {
    // a good A record, then an A record whose rdlength runs past the end
    let mut body = rr(HOST, 1, &[10, 0, 0, 1]);
    let mut bad = rr(b"\xc0\x0c", 1, &[10, 0, 0, 2]);
    let n = bad.len();
    bad[n - 6..n - 4].copy_from_slice(&200u16.to_be_bytes());
    body.extend(bad);
    let m = msg(0, 3, 0, 0, &body);
    let recs = records(&m);
    assert_eq!(recs.len(), 2, "framing is lost after the overrun: {recs:?}");
    assert_eq!(a_of(&recs[0]), Ipv4Addr::new(10, 0, 0, 1));
    assert!(matches!(
        recs[1],
        Err(ParseError::RdataOverrun { rdlength: 200, .. })
    ));
}

#[test]
fn rdlength_exactly_to_the_end_and_one_past() {
    let good = msg(0, 1, 0, 0, &rr(HOST, 1, &[1, 2, 3, 4]));
    assert!(records(&good)[0].is_ok());
    let short = &good[..good.len() - 1];
    assert!(matches!(
        records(short)[0],
        Err(ParseError::RdataOverrun { .. })
    ));
}

fn nsec_between_good_records(bitmap: &[u8]) -> Vec<u8> {
    let mut rdata = b"\xc0\x0c".to_vec();
    rdata.extend_from_slice(bitmap);
    let mut body = rr(HOST, 1, &[10, 0, 0, 1]);
    body.extend(rr(b"\xc0\x0c", 47, &rdata));
    body.extend(rr(b"\xc0\x0c", 1, &[10, 0, 0, 2]));
    msg(0, 3, 0, 0, &body)
}

#[test]
fn nsec_window_length_0() {
    let m = nsec_between_good_records(&[0, 0]);
    let recs = records(&m);
    assert_eq!(recs.len(), 3);
    assert_eq!(a_of(&recs[0]), Ipv4Addr::new(10, 0, 0, 1));
    assert!(matches!(
        recs[1],
        Err(ParseError::BadRdata { rtype: 47, .. })
    ));
    assert_eq!(a_of(&recs[2]), Ipv4Addr::new(10, 0, 0, 2));
}

#[test]
fn nsec_window_length_33() {
    let mut bitmap = vec![0, 33];
    bitmap.extend([0xFF; 33]);
    let m = nsec_between_good_records(&bitmap);
    let recs = records(&m);
    assert_eq!(recs.len(), 3);
    assert!(matches!(
        recs[1],
        Err(ParseError::BadRdata { rtype: 47, .. })
    ));
    assert_eq!(a_of(&recs[2]), Ipv4Addr::new(10, 0, 0, 2));
}

#[test]
fn nsec_window_running_past_the_rdata() {
    let m = nsec_between_good_records(&[0, 5, 0x40]);
    let recs = records(&m);
    assert!(recs[1].is_err());
    assert_eq!(a_of(&recs[2]), Ipv4Addr::new(10, 0, 0, 2));
}

#[test]
fn nsec_windows_of_1_and_32_are_fine() {
    let mut bitmap = vec![0, 1, 0x40, 1, 32];
    bitmap.extend([0x01; 32]);
    let m = nsec_between_good_records(&bitmap);
    let recs = records(&m);
    match recs[1] {
        Ok(Record {
            rdata: RData::Nsec { types, .. },
            ..
        }) => {
            assert!(types.contains(Rtype::A));
            assert!(types.contains(Rtype(256 + 7)));
            assert!(!types.contains(Rtype::AAAA));
        }
        ref other => panic!("{other:?}"),
    }
}

#[test]
fn truncated_header() {
    for len in 0..12 {
        let m = vec![0u8; len];
        assert_eq!(
            Message::parse(&m).unwrap_err(),
            ParseError::ShortHeader { len }
        );
        decode_all(&m);
    }
    assert!(Message::parse(&[0u8; 12]).is_ok());
}

#[test]
fn truncated_question() {
    let full = msg(1, 0, 0, 0, b"\x05local\x00\x00\x0c\x00\x01");
    for cut in 12..full.len() {
        let m = &full[..cut];
        let msg = Message::parse(m).unwrap();
        let qs: Vec<_> = msg.questions().collect();
        assert_eq!(qs.len(), 1, "cut at {cut}");
        assert!(matches!(qs[0], Err(ParseError::Truncated { .. })), "{cut}");
        assert_eq!(msg.records().count(), 0);
    }
    assert!(Message::parse(&full)
        .unwrap()
        .questions()
        .all(|q| q.is_ok()));
}

#[test]
fn truncated_record() {
    let mut body = rr(HOST, 1, &[10, 0, 0, 1]);
    body.extend(rr(
        b"\xc0\x0c",
        28,
        &[0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1],
    ));
    let full = msg(0, 2, 0, 0, &body);
    let first_end = 12 + HOST.len() + 10 + 4;
    for cut in first_end..full.len() {
        let recs = records(&full[..cut]);
        assert_eq!(recs.len(), 2, "cut at {cut}");
        assert_eq!(a_of(&recs[0]), Ipv4Addr::new(10, 0, 0, 1));
        assert!(recs[1].is_err());
    }
    assert!(records(&full).iter().all(|r| r.is_ok()));
}

#[test]
fn counts_larger_than_the_message() {
    // header claims 65535 of everything; a few bytes follow
    let m = msg(
        u16::MAX,
        u16::MAX,
        u16::MAX,
        u16::MAX,
        b"\x00\x00\x01\x00\x01",
    );
    let d = decode_all(&m);
    assert_eq!(d.questions, 1);
    assert!(d.errors >= 1);
}

#[test]
fn every_truncation_of_every_fixture_terminates() {
    for (name, p) in common::CORPUS.iter().chain(common::CAPTURED) {
        for cut in 0..p.len() {
            let d = decode_all(&p[..cut]);
            let full = decode_all(p);
            assert!(d.questions <= full.questions, "{name} cut {cut}");
            assert!(d.records <= full.records, "{name} cut {cut}");
        }
    }
}

#[test]
fn bad_srv_rdata_between_two_good_a_records() {
    for srv in [
        &b"\x00\x00\x00\x00\x00\x50"[..],    // no target at all (6 bytes)
        b"\x00\x00\x00\x00\x00\x50\x04host", // target runs past the rdata
        b"\x00\x00\x00\x00\x00\x50\x00\x00\x00", // bytes after the target
        b"\x00\x00\x00\x00\x00\x50\xc0\x02", // target points into the header
        b"\x00\x00",                         // far too short
    ] {
        let mut body = rr(HOST, 1, &[10, 0, 0, 1]);
        body.extend(rr(b"\xc0\x0c", 33, srv));
        body.extend(rr(b"\xc0\x0c", 1, &[10, 0, 0, 2]));
        let m = msg(0, 1, 1, 1, &body);
        let recs = records(&m);
        assert_eq!(recs.len(), 3, "{srv:?}");
        assert_eq!(a_of(&recs[0]), Ipv4Addr::new(10, 0, 0, 1));
        assert!(recs[1].is_err(), "{srv:?}");
        assert_eq!(a_of(&recs[2]), Ipv4Addr::new(10, 0, 0, 2));
        assert_eq!(recs[2].as_ref().unwrap().section, Section::Additional);
    }
}

#[test]
fn bad_ptr_rdata_between_two_good_a_records() {
    for ptr in [
        &b""[..],           // empty
        b"\x04host",        // name runs past the rdata into the next record
        b"\xc0\x0c\x00",    // a byte after the name
        b"\x40abc",         // reserved label type
        b"\xff\xff",        // pointer past the end of the message
        b"\x03abc\xc0\x2d", // pointer to itself (offset patched below)
    ] {
        let mut body = rr(HOST, 1, &[10, 0, 0, 1]);
        let ptr_at = 12 + body.len();
        let mut ptr = ptr.to_vec();
        if ptr.len() == 6 {
            // make the pointer point at its own label: a loop
            let target = (ptr_at + 2 + 10) as u16; // the rdata's first byte
            ptr[4..6].copy_from_slice(&(0xC000 | target).to_be_bytes());
        }
        body.extend(rr(b"\xc0\x0c", 12, &ptr));
        body.extend(rr(b"\xc0\x0c", 1, &[10, 0, 0, 2]));
        let m = msg(0, 3, 0, 0, &body);
        let recs = records(&m);
        assert_eq!(recs.len(), 3, "{ptr:?}");
        assert_eq!(a_of(&recs[0]), Ipv4Addr::new(10, 0, 0, 1));
        assert!(recs[1].is_err(), "{ptr:?}: {:?}", recs[1]);
        assert_eq!(a_of(&recs[2]), Ipv4Addr::new(10, 0, 0, 2));
    }
}

#[test]
fn bad_owner_name_between_two_good_a_records() {
    // Owner names whose framing is intact but which do not read: a pointer into the
    // header, a self-pointer, a pointer loop, a pointer past the end.
    let body = rr(HOST, 1, &[10, 0, 0, 1]);
    let bad_at = 12 + body.len();
    let owners: [Vec<u8>; 4] = [
        vec![0xC0, 0x03],
        (0xC000u16 | bad_at as u16).to_be_bytes().to_vec(),
        {
            // "\x01x" + pointer back to the "\x01x": loops
            let mut o = b"\x01x".to_vec();
            o.extend_from_slice(&(0xC000u16 | bad_at as u16).to_be_bytes());
            o
        },
        vec![0xFF, 0xFF],
    ];
    for owner in owners {
        let mut b = body.clone();
        b.extend(rr(&owner, 1, &[10, 0, 0, 9]));
        b.extend(rr(b"\xc0\x0c", 1, &[10, 0, 0, 2]));
        let m = msg(0, 3, 0, 0, &b);
        let recs = records(&m);
        assert_eq!(recs.len(), 3, "{owner:?}");
        assert_eq!(a_of(&recs[0]), Ipv4Addr::new(10, 0, 0, 1));
        assert!(recs[1].is_err(), "{owner:?}");
        assert_eq!(a_of(&recs[2]), Ipv4Addr::new(10, 0, 0, 2));
    }
}

#[test]
fn bad_a_aaaa_txt_hinfo_rdata_are_skipped_alone() {
    for (rtype, rdata) in [
        (1u16, &b"\x01\x02\x03"[..]),
        (28, b"\x01\x02\x03\x04"),
        (16, b"\x05ab"),
        (13, b"\x01a"),
        (13, b"\x01a\x01b\x01c"),
    ] {
        let mut body = rr(HOST, 1, &[10, 0, 0, 1]);
        body.extend(rr(b"\xc0\x0c", rtype, rdata));
        body.extend(rr(b"\xc0\x0c", 1, &[10, 0, 0, 2]));
        let m = msg(0, 3, 0, 0, &body);
        let recs = records(&m);
        assert_eq!(recs.len(), 3);
        assert!(
            matches!(recs[1], Err(ParseError::BadRdata { rtype: t, .. }) if t == rtype),
            "{rtype}: {:?}",
            recs[1]
        );
        assert_eq!(a_of(&recs[2]), Ipv4Addr::new(10, 0, 0, 2));
    }
}

#[test]
fn bad_question_name_does_not_lose_later_questions_or_records() {
    // question 1 points into the header; question 2 and the record are fine
    let mut body = b"\xc0\x02\x00\x01\x00\x01".to_vec();
    body.extend_from_slice(HOST);
    body.extend_from_slice(&[0, 1, 0x80, 1]);
    body.extend(rr(b"\xc0\x12", 1, &[10, 0, 0, 1]));
    let m = msg(2, 1, 0, 0, &body);
    let msg = Message::parse(&m).unwrap();
    let qs: Vec<_> = msg.questions().collect();
    assert!(qs[0].is_err());
    let q = qs[1].as_ref().unwrap();
    assert_eq!(q.name.to_string(), "host.local.");
    assert!(q.unicast_response);
    assert_eq!(
        a_of(&msg.records().next().unwrap()),
        Ipv4Addr::new(10, 0, 0, 1)
    );
}

#[test]
fn loop_free_forward_pointer_is_accepted() {
    // The question's name points forward to the answer's owner name (a repeater does
    // this); the target holds no pointer, so it cannot loop.
    let mut body = vec![0xC0, 18, 0, 1, 0, 1];
    body.extend(rr(HOST, 1, &[10, 0, 0, 1]));
    let m = msg(1, 1, 0, 0, &body);
    let parsed = Message::parse(&m).unwrap();
    let q = parsed.questions().next().unwrap().unwrap();
    assert_eq!(q.name.to_string(), "host.local.");
    assert_eq!(q.qtype, Rtype::A);
    let r = parsed.records().next().unwrap().unwrap();
    assert!(q.name.eq_ref(&r.name));
    // A forward pointer inside rdata (PTR to a later owner name) too.
    let mut body = rr(b"\x05_http\x04_tcp\x05local\x00", 12, &[0, 0]);
    let ptr_rdata_at = 12 + body.len() - 2;
    let target = 12 + body.len();
    body.truncate(body.len() - 2);
    body.extend_from_slice(&(0xC000u16 | target as u16).to_be_bytes());
    body.extend(rr(
        b"\x02my\xc0\x0c",
        33,
        b"\x00\x00\x00\x00\x00\x50\xc0\x12",
    ));
    let m = msg(0, 2, 0, 0, &body);
    assert_eq!(m[ptr_rdata_at], 0xC0);
    let recs = records(&m);
    match recs[0] {
        Ok(Record {
            rdata: RData::Ptr(n),
            ..
        }) => assert_eq!(n.to_string(), "my._http._tcp.local."),
        ref other => panic!("{other:?}"),
    }
    assert!(recs[1].is_ok());
}

#[test]
fn forward_then_backward_pointer_loop_is_rejected() {
    // 12 -> 16 (forward) -> 12 (back): a loop that starts with a forward pointer
    let m = msg(1, 0, 0, 0, b"\xc0\x10\x00\x01\xc0\x0c\x00\x01");
    assert_eq!(first_question_err(&m), ParseError::PointerLoop { at: 12 });
}

/// RFC 1035 §4.1.4: F.ISI.ARPA at offset 20, FOO.F.ISI.ARPA at 40 as "FOO" and a
/// pointer to 20, ARPA at 64 as a pointer to 26, the root at 92.
fn rfc1035_example() -> Vec<u8> {
    let mut m = vec![0u8; 93];
    m[20..32].copy_from_slice(b"\x01F\x03ISI\x04ARPA\x00");
    m[40..46].copy_from_slice(b"\x03FOO\xc0\x14");
    m[64..66].copy_from_slice(b"\xc0\x1a");
    m[92] = 0;
    m
}

#[test]
fn rfc1035_compression_example() {
    let m = rfc1035_example();
    let (f, end) = NameRef::read(&m, 20).unwrap();
    assert_eq!(
        (f.to_string().as_str(), end, f.wire_len()),
        ("F.ISI.ARPA.", 32, 12)
    );
    let (foo, end) = NameRef::read(&m, 40).unwrap();
    assert_eq!(
        (foo.to_string().as_str(), end, foo.wire_len()),
        ("FOO.F.ISI.ARPA.", 46, 16)
    );
    let (arpa, end) = NameRef::read(&m, 64).unwrap();
    assert_eq!(
        (arpa.to_string().as_str(), end, arpa.wire_len()),
        ("ARPA.", 66, 6)
    );
    let (root, end) = NameRef::read(&m, 92).unwrap();
    assert_eq!(
        (root.to_string().as_str(), end, root.wire_len()),
        (".", 93, 1)
    );
    assert_eq!(root.label_count(), 0);
    let labels: Vec<&[u8]> = foo.labels().collect();
    assert_eq!(labels, [&b"FOO"[..], b"F", b"ISI", b"ARPA"]);
    assert!(foo.eq_name(&mdns_sansio::Name::parse("foo.f.isi.arpa").unwrap()));
    assert_eq!(NameRef::skip(&m, 40).unwrap(), 46);
    assert_eq!(NameRef::skip(&m, 64).unwrap(), 66);
}

#[test]
fn rfc1035_compression_example_as_a_message() {
    // The same layout as questions: F.ISI.ARPA, FOO.F.ISI.ARPA, ARPA, root.
    let mut body = b"\x01F\x03ISI\x04ARPA\x00\x00\x01\x00\x01".to_vec(); // at 12
    body.extend_from_slice(b"\x03FOO\xc0\x0c\x00\x01\x00\x01"); // "ARPA" is at 18
    body.extend_from_slice(b"\xc0\x12\x00\x01\x00\x01");
    body.extend_from_slice(b"\x00\x00\x01\x00\x01");
    let m = msg(4, 0, 0, 0, &body);
    let names: Vec<String> = Message::parse(&m)
        .unwrap()
        .questions()
        .map(|q| q.unwrap().name.to_string())
        .collect();
    assert_eq!(names, ["F.ISI.ARPA.", "FOO.F.ISI.ARPA.", "ARPA.", "."]);
    // and our writer produces exactly this layout from those names
    let mut buf = [0u8; 512];
    let mut w = mdns_sansio::wire::MessageWriter::new(&mut buf, 0, 0x8400).unwrap();
    for n in ["F.ISI.ARPA", "FOO.F.ISI.ARPA", "ARPA", "."] {
        w.push_question(
            &mdns_sansio::Name::parse(n).unwrap(),
            Rtype::A,
            mdns_sansio::wire::Class::IN,
            false,
        )
        .unwrap();
    }
    let len = w.finish();
    assert_eq!(&buf[..len], &m[..]);
}

/// A message of `total` bytes: one TXT record whose rdata fills it up to a last A
/// record for "xyz.", which so starts wherever the size puts it.
fn message_ending_in_a_record_at(total: usize) -> (Vec<u8>, usize) {
    let last = rr(b"\x03xyz\x00", 1, &[192, 0, 2, 1]);
    let fill = total - 12 - rr(b"\x01a\x00", 16, &[]).len() - last.len();
    let mut body = rr(b"\x01a\x00", 16, &[]);
    let rdlength = body.len() - 2;
    body[rdlength..].copy_from_slice(&(fill as u16).to_be_bytes());
    body.extend(std::iter::repeat_n(0u8, fill));
    let at = 12 + body.len();
    body.extend_from_slice(&last);
    (msg(0, 2, 0, 0, &body), at)
}

#[test]
fn a_message_of_65535_bytes_reads_to_its_last_record() {
    let (m, at) = message_ending_in_a_record_at(65_535);
    assert_eq!(m.len(), 65_535);
    let recs = records(&m);
    assert_eq!(recs.len(), 2);
    let last = recs[1].as_ref().unwrap();
    assert_eq!(last.name.offset(), at);
    let labels: Vec<&[u8]> = last.name.labels().collect();
    assert_eq!(labels, [&b"xyz"[..]]);
    assert!(matches!(last.rdata, RData::A(a) if a == Ipv4Addr::new(192, 0, 2, 1)));
}

#[test]
fn a_buffer_longer_than_any_dns_message_is_refused() {
    // Past 65,535 bytes a name's offset no longer fits in 16 bits: such a buffer used
    // to read the last record's name at its offset modulo 65,536 (here empty labels).
    let (m, at) = message_ending_in_a_record_at(65_600);
    assert!(at > 65_535);
    assert_eq!(
        Message::parse(&m).unwrap_err(),
        ParseError::TooLong { len: 65_600 }
    );
    assert_eq!(
        NameRef::read(&m, at).unwrap_err(),
        ParseError::TooLong { len: 65_600 }
    );
    assert_eq!(
        RData::parse(&m, at, 4, Rtype::A).unwrap_err(),
        ParseError::TooLong { len: 65_600 }
    );
    assert_eq!(
        Message::parse(&m[..11]).unwrap_err(),
        ParseError::ShortHeader { len: 11 }
    );
    assert!(ParseError::TooLong { len: 65_600 }
        .to_string()
        .contains("65600"));
}
