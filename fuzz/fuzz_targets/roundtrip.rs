//! Parses arbitrary bytes, rebuilds every item that parsed with the writer (compression
//! on), parses the result again and checks it reads back the same: names byte for byte,
//! types, classes, flush/QU bits, TTLs, rdata in canonical form. Every pointer the writer
//! emitted must point backward.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mdns_sansio::wire::{Message, MessageWriter, Rtype, WriteError};

fn pointers_backward(msg: &[u8]) {
    // Walk the framing of a message we wrote ourselves and check each pointer.
    let w = |i: usize| u16::from_be_bytes([msg[i], msg[i + 1]]);
    let name = |at: usize| -> usize {
        let mut p = at;
        loop {
            let len = msg[p];
            match len & 0xC0 {
                0 if len == 0 => return p + 1,
                0 => p += 1 + usize::from(len),
                0xC0 => {
                    let target = usize::from(w(p) & 0x3FFF);
                    assert!(target < p && target >= 12, "pointer at {p} to {target}");
                    return p + 2;
                }
                _ => panic!("writer emitted label byte {len:#x}"),
            }
        }
    };
    let mut at = 12;
    for _ in 0..w(4) {
        at = name(at) + 4;
    }
    for _ in 0..(u32::from(w(6)) + u32::from(w(8)) + u32::from(w(10))) {
        at = name(at);
        let (rtype, rdlen) = (Rtype(w(at)), usize::from(w(at + 8)));
        let rd = at + 10;
        match rtype {
            Rtype::PTR | Rtype::CNAME | Rtype::NSEC => {
                name(rd);
            }
            Rtype::SRV => {
                name(rd + 6);
            }
            _ => {}
        }
        at = rd + rdlen;
    }
    assert_eq!(at, msg.len());
}

fuzz_target!(|data: &[u8]| {
    let Ok(msg) = Message::parse(data) else {
        return;
    };
    let h = msg.header();
    let mut buf = vec![0u8; 65535];
    let mut w = MessageWriter::new(&mut buf, h.id, h.flags).unwrap();
    let questions: Vec<_> = msg.questions().flatten().collect();
    let mut records: Vec<_> = msg.records().flatten().collect();
    let mut nq = 0;
    for q in &questions {
        match w.push_question(&q.name, q.qtype, q.qclass, q.unicast_response) {
            Ok(()) => nq += 1,
            Err(WriteError::NoSpace) => break,
            Err(e) => panic!("question: {e}"),
        }
    }
    let mut nr = 0;
    // Records go in only when every question fitted: a question that did not fit
    // must not be followed by a smaller record that does (found by the campaign).
    let all_questions = nq == questions.len();
    for r in records.iter().filter(|_| all_questions) {
        let data = r.rdata.to_owned();
        match w.push_record_typed(
            r.section,
            &r.name,
            r.rtype,
            r.class,
            r.cache_flush,
            r.ttl,
            &data,
        ) {
            Ok(()) => nr += 1,
            Err(WriteError::NoSpace) => break,
            Err(e) => panic!("record: {e}"),
        }
    }
    records.truncate(nr);
    let len = w.finish();
    let out = &buf[..len];
    pointers_backward(out);
    let again = Message::parse(out).unwrap();
    let q2: Vec<_> = again.questions().collect();
    assert_eq!(q2.len(), nq);
    for (a, b) in questions.iter().zip(&q2) {
        let b = b.as_ref().expect("a rebuilt question does not parse");
        assert!(a.name.labels().eq(b.name.labels()));
        assert_eq!(
            (a.qtype, a.qclass, a.unicast_response),
            (b.qtype, b.qclass, b.unicast_response)
        );
    }
    let r2: Vec<_> = again.records().collect();
    assert_eq!(r2.len(), records.len());
    for (a, b) in records.iter().zip(&r2) {
        let b = b.as_ref().expect("a rebuilt record does not parse");
        assert!(a.name.labels().eq(b.name.labels()));
        assert_eq!(
            (a.section, a.rtype, a.class, a.cache_flush, a.ttl),
            (b.section, b.rtype, b.class, b.cache_flush, b.ttl)
        );
        let (mut ca, mut cb) = (Vec::new(), Vec::new());
        a.rdata.write_canonical(&mut ca);
        b.rdata.write_canonical(&mut cb);
        if a.rtype == Rtype::TXT && ca.is_empty() {
            // an empty TXT goes out as one empty string (RFC 6763 §6.1)
            assert_eq!(cb, [0]);
        } else {
            assert_eq!(ca, cb);
        }
    }
});
