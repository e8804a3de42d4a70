//! Parses arbitrary bytes as an mDNS message: the header, every question, every record,
//! every name walked through its labels (names inside rdata too), owned copies made.
//! Must never panic, hang or read out of bounds.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mdns_sansio::wire::{Message, NameRef, RData};

fn walk(n: &NameRef<'_>) -> usize {
    let mut len = 1;
    for l in n.labels() {
        assert!(!l.is_empty() && l.len() <= 63);
        len += 1 + l.len();
    }
    assert_eq!(len, n.wire_len(), "labels do not add up to the checked length");
    assert!(len <= 255);
    let owned = n.to_name();
    assert_eq!(owned.wire_len(), len);
    assert!(n.eq_name(&owned));
    len
}

fuzz_target!(|data: &[u8]| {
    let Ok(msg) = Message::parse(data) else {
        assert!(data.len() < 12);
        return;
    };
    let h = msg.header();
    let mut questions = 0;
    for q in msg.questions() {
        questions += 1;
        if let Ok(q) = q {
            walk(&q.name);
            let _ = q.name.to_string();
        }
    }
    assert!(questions <= usize::from(h.qdcount));
    let mut records = 0;
    for r in msg.records() {
        records += 1;
        let Ok(r) = r else { continue };
        walk(&r.name);
        match r.rdata {
            RData::Ptr(n) | RData::Cname(n) => {
                walk(&n);
            }
            RData::Srv { target, .. } => {
                walk(&target);
            }
            RData::Nsec { next, types } => {
                walk(&next);
                for t in 0..=300u16 {
                    let _ = types.contains(mdns_sansio::wire::Rtype(t));
                }
            }
            RData::Txt(t) => {
                assert_eq!(t.map(|s| s.len() + 1).sum::<usize>(), r.raw_rdata.len());
            }
            _ => {}
        }
        let owned = r.rdata.to_owned();
        assert!(owned.matches(&r.rdata));
        let mut canon = Vec::new();
        r.rdata.write_canonical(&mut canon);
        let mut canon2 = Vec::new();
        owned.write_canonical(&mut canon2);
        assert_eq!(canon, canon2);
    }
    assert!(records <= usize::from(h.ancount) + usize::from(h.nscount) + usize::from(h.arcount));
});
