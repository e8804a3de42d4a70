//! The writer's tests: framing, sections, rollback, canonical data, and names
//! compressed exactly as a search of every suffix would.

use super::*;
use crate::wire::message::Message;
use crate::wire::rdata::RData;
use alloc::vec;
use smallvec::SmallVec;

fn name(s: &str) -> Name {
    Name::parse(s).unwrap()
}

#[test]
fn compresses_owner_names_and_rdata_names_and_keeps_case() {
    let mut buf = [0u8; 512];
    let mut w = MessageWriter::response(&mut buf, 0).unwrap();
    let ptr = RecordData::Ptr(name("My Box._http._tcp.local"));
    w.push_record(
        Section::Answer,
        &name("_http._tcp.local"),
        Class::IN,
        false,
        4500,
        &ptr,
    )
    .unwrap();
    let srv = RecordData::Srv {
        priority: 0,
        weight: 0,
        port: 80,
        target: name("Box.local"),
    };
    w.push_record(
        Section::Additional,
        &name("My Box._http._tcp.local"),
        Class::IN,
        true,
        120,
        &srv,
    )
    .unwrap();
    let len = w.finish();
    // header 12; owner 18; fixed 10; rdata "My Box" 7 + ptr 2; owner ptr 2; fixed 10;
    // srv 6 + "Box" 4 + ptr 2 = 73
    assert_eq!(len, 73);
    let msg = Message::parse(&buf[..len]).unwrap();
    let recs: vec::Vec<_> = msg.records().map(|r| r.unwrap()).collect();
    assert_eq!(recs.len(), 2);
    assert!(recs[1].cache_flush);
    match recs[1].rdata {
        RData::Srv { port, target, .. } => {
            assert_eq!(port, 80);
            assert_eq!(alloc::format!("{target}"), "Box.local.");
        }
        _ => panic!("not SRV"),
    }
    assert_eq!(
        alloc::format!("{}", recs[1].name),
        "My Box._http._tcp.local."
    );
}

#[test]
fn canonical_data_is_written_as_the_typed_data_is() {
    // Every kind of data, after names that share suffixes with it, written typed
    // and from its canonical form: the same bytes, compression included.
    let owner = name("Box._http._tcp.local");
    let datas = [
        RecordData::Ptr(name("Box._http._tcp.local")),
        RecordData::Ptr(name("Other._http._tcp.local")),
        RecordData::Cname(name("alias.local")),
        RecordData::Srv {
            priority: 1,
            weight: 2,
            port: 80,
            target: name("host.local"),
        },
        RecordData::Txt(SmallVec::from_slice(b"\x03a=1\x00")),
        RecordData::Txt(SmallVec::new()),
        RecordData::Hinfo {
            cpu: SmallVec::from_slice(b"ARM"),
            os: SmallVec::from_slice(b"none"),
        },
        RecordData::Nsec {
            next: owner.clone(),
            types: crate::wire::NsecBitmap::build(&[Rtype::TXT, Rtype::SRV]),
        },
        RecordData::Nsec {
            next: name("host.local"),
            types: crate::wire::NsecBitmap::build(&[Rtype::A]),
        },
        RecordData::A(core::net::Ipv4Addr::new(10, 0, 0, 1)),
        RecordData::Aaaa(core::net::Ipv6Addr::LOCALHOST),
    ];
    let write = |canonical: bool| {
        let mut buf = vec![0u8; 1500];
        let mut w = MessageWriter::response(&mut buf, 0).unwrap();
        let host = RecordData::A(core::net::Ipv4Addr::new(10, 0, 0, 2));
        w.push_record(
            Section::Answer,
            &name("host.local"),
            Class::IN,
            true,
            120,
            &host,
        )
        .unwrap();
        for d in &datas {
            let rtype = d.rtype().unwrap();
            if canonical {
                let mut c = alloc::vec::Vec::new();
                d.write_canonical(&mut c);
                w.push_record_canonical(Section::Answer, &owner, rtype, Class::IN, false, 120, &c)
            } else {
                w.push_record(Section::Answer, &owner, Class::IN, false, 120, d)
            }
            .unwrap();
        }
        let len = w.finish();
        buf.truncate(len);
        buf
    };
    let typed = write(false);
    assert_eq!(write(true), typed);
    // And it reads back as the data written.
    let msg = Message::parse(&typed).unwrap();
    assert_eq!(msg.records().count(), datas.len() + 1);
}

#[test]
fn a_push_that_does_not_fit_rolls_back() {
    let mut buf = [0u8; 60];
    let mut w = MessageWriter::query(&mut buf).unwrap();
    w.push_question(&name("x._http._tcp.local"), Rtype::PTR, Class::IN, true)
        .unwrap();
    let before = w.len();
    let labels = w.names.labels();
    let big = RecordData::Ptr(name("a-rather-long-instance-name._http._tcp.local"));
    assert_eq!(
        w.push_record(
            Section::Answer,
            // A new owner: its label goes in the table before the rdata fails.
            &name("new._tcp.local"),
            Class::IN,
            false,
            10,
            &big
        ),
        Err(WriteError::NoSpace)
    );
    assert_eq!(w.len(), before);
    assert_eq!(w.header().ancount, 0);
    // The label table is as it was (whole-name entries are only a shortcut).
    assert!(w.names.labels() == labels, "the label table is as it was");
    // the table was rolled back too: this fits and compresses against the question
    let small = RecordData::Ptr(name("x._http._tcp.local"));
    w.push_record(
        Section::Answer,
        &name("_http._tcp.local"),
        Class::IN,
        false,
        10,
        &small,
    )
    .unwrap();
    let len = w.finish();
    let msg = Message::parse(&buf[..len]).unwrap();
    let r = msg.records().next().unwrap().unwrap();
    assert!(matches!(r.rdata, RData::Ptr(n) if n.eq_name(&name("x._http._tcp.local"))));
}

#[test]
fn sections_must_be_in_order() {
    let mut buf = [0u8; 256];
    let mut w = MessageWriter::response(&mut buf, 0).unwrap();
    let a = RecordData::A(core::net::Ipv4Addr::new(1, 2, 3, 4));
    w.push_record(
        Section::Additional,
        &name("h.local"),
        Class::IN,
        true,
        120,
        &a,
    )
    .unwrap();
    assert_eq!(
        w.push_record(Section::Answer, &name("h.local"), Class::IN, true, 120, &a),
        Err(WriteError::OutOfOrder)
    );
    assert_eq!(
        w.push_question(&name("h.local"), Rtype::A, Class::IN, false),
        Err(WriteError::OutOfOrder)
    );
}

#[test]
fn empty_txt_is_sent_as_one_zero_byte() {
    let mut buf = [0u8; 64];
    let mut w = MessageWriter::response(&mut buf, 0).unwrap();
    w.push_record(
        Section::Answer,
        &name("x.local"),
        Class::IN,
        true,
        4500,
        &RecordData::Txt(SmallVec::new()),
    )
    .unwrap();
    let len = w.finish();
    assert_eq!(&buf[len - 3..len], &[0, 1, 0]);
}

/// A xorshift generator: `rnd(n)` is below `n`.
fn xorshift(mut seed: u64) -> impl FnMut(u64) -> u64 {
    move |n| {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed % n
    }
}

/// The simplest compressor, for records: owner, PTR framing, target, every suffix
/// written in place before reused by its exact bytes.
fn reference_records(records: &[(Name, Name)]) -> vec::Vec<u8> {
    let mut out = vec![0u8; HEADER_LEN];
    let mut known: vec::Vec<(vec::Vec<u8>, usize)> = vec::Vec::new();
    let mut put = |out: &mut vec::Vec<u8>, wire: &[u8]| {
        let mut at = 0;
        loop {
            let suffix = &wire[at..];
            if suffix == [0] {
                out.push(0);
                return;
            }
            if let Some((_, off)) = known.iter().find(|(s, _)| s == suffix) {
                out.extend_from_slice(&(0xC000 | *off as u16).to_be_bytes());
                return;
            }
            known.push((suffix.to_vec(), out.len()));
            let len = usize::from(wire[at]);
            out.extend_from_slice(&wire[at..at + 1 + len]);
            at += 1 + len;
        }
    };
    for (owner, target) in records {
        put(&mut out, owner.as_wire());
        out.extend_from_slice(&[0, 12, 0, 1, 0, 0, 0, 120, 0, 0]);
        let start = out.len();
        put(&mut out, target.as_wire());
        let rdlen = (out.len() - start) as u16;
        out[start - 2..start].copy_from_slice(&rdlen.to_be_bytes());
    }
    out
}

#[test]
fn records_compress_exactly_like_a_search_of_every_suffix() {
    // PTR records whose owners repeat in runs (known answers of one question) and
    // whose targets often extend their owner or the name before them, in two cases;
    // some buffers too small, so that pushes fail and roll back. The bytes are those
    // of the simplest compressor run over the records that went in, whether the names
    // come as `Name`s (with their hashes), read in place or in canonical form.
    let mut rnd = xorshift(0x51_7CC1_B727_220A);
    let owners = [
        "_http._tcp.local",
        "_HTTP._tcp.local",
        "_ipp._tcp.local",
        "local",
        "b.c",
    ];
    let firsts = ["x", "Service instance 1", "X", "_http", "a", "local"];
    let (mut extended, mut failed) = (0, 0);
    for _ in 0..400 {
        let n = 1 + rnd(30) as usize;
        let mut records = vec::Vec::new();
        let mut owner = name(owners[rnd(owners.len() as u64) as usize]);
        for _ in 0..n {
            if rnd(4) == 0 {
                owner = name(owners[rnd(owners.len() as u64) as usize]);
            }
            let first = firsts[rnd(firsts.len() as u64) as usize];
            let target = match rnd(4) {
                0 => name(first),
                1 => name(&alloc::format!("{first}.{}", firsts[rnd(6) as usize])),
                _ => {
                    extended += 1;
                    Name::from_labels(core::iter::once(first.as_bytes()).chain(owner.labels()))
                        .unwrap()
                }
            };
            records.push((owner.clone(), target));
        }
        let size = if rnd(3) == 0 {
            40 + rnd(300) as usize
        } else {
            4096
        };
        for form in 0..3 {
            let mut buf = vec![0u8; size];
            let mut w = MessageWriter::response(&mut buf, 0).unwrap();
            let mut went_in = vec::Vec::new();
            for (owner, target) in &records {
                let r = match form {
                    0 => w.push_record(
                        Section::Answer,
                        owner,
                        Class::IN,
                        false,
                        120,
                        &RecordData::Ptr(target.clone()),
                    ),
                    1 => {
                        let mut c = vec::Vec::new();
                        RecordData::Ptr(target.clone()).write_canonical(&mut c);
                        let stored = crate::wire::NameRef::read(owner.as_wire(), 0).unwrap().0;
                        w.push_record_canonical(
                            Section::Answer,
                            &stored,
                            Rtype::PTR,
                            Class::IN,
                            false,
                            120,
                            &c,
                        )
                    }
                    _ => {
                        let mut c = vec::Vec::new();
                        RecordData::Ptr(target.clone()).write_canonical(&mut c);
                        w.push_record_canonical(
                            Section::Answer,
                            owner,
                            Rtype::PTR,
                            Class::IN,
                            false,
                            120,
                            &c,
                        )
                    }
                };
                match r {
                    Ok(()) => went_in.push((owner.clone(), target.clone())),
                    Err(WriteError::NoSpace) => failed += 1,
                    Err(e) => panic!("{e:?}"),
                }
            }
            let len = w.finish();
            let want = reference_records(&went_in);
            assert_eq!(&buf[HEADER_LEN..len], &want[HEADER_LEN..], "{records:?}");
        }
    }
    assert!(extended > 1000 && failed > 100, "{extended} {failed}");
}

#[test]
fn known_answers_in_one_step_are_written_as_the_general_path_writes_them() {
    // Runs of records of one owner after a question (known answers), as
    // `push_record_canonical` writes them (most in one step, under the previous
    // owner) and as the general path alone does: the same results push by push, the
    // same lengths and the same bytes. Owners in two cases, targets under the owner
    // or not, repeated, data of every shape, typed records between, compression
    // switched off at times, buffers that run out.
    let mut rnd = xorshift(0x0DDB_A11C_0FFE_E123);
    let owners = [
        "_http._tcp.local",
        "_HTTP._tcp.local",
        "_ipp._tcp.local",
        "local",
        "a-service-type-name-of-forty-bytes._tcp.local",
    ];
    let firsts = [
        "x",
        "Service instance 1",
        "Service instance 1",
        "An instance whose label is longer than thirty-two bytes",
        "seven77",
        "eight888",
    ];
    let (mut under, mut failed) = (0, 0);
    for _ in 0..600 {
        let mut owner = name(owners[rnd(owners.len() as u64) as usize]);
        let question = (rnd(3) > 0).then(|| owner.clone());
        let mut records = vec::Vec::new();
        for _ in 0..1 + rnd(40) {
            if rnd(6) == 0 {
                owner = name(owners[rnd(owners.len() as u64) as usize]);
            }
            let first = firsts[rnd(firsts.len() as u64) as usize];
            let data = match rnd(10) {
                0 => RecordData::A(core::net::Ipv4Addr::new(10, 0, 0, rnd(3) as u8)),
                1 => RecordData::Txt(SmallVec::from_slice(&b"\x03a=1"[..rnd(5) as usize])),
                2 => RecordData::Srv {
                    priority: 0,
                    weight: 0,
                    port: 80,
                    target: name("host.local"),
                },
                3 => RecordData::Cname(name(&alloc::format!("{first}.local"))),
                _ => {
                    under += 1;
                    RecordData::Ptr(
                        Name::from_labels(core::iter::once(first.as_bytes()).chain(owner.labels()))
                            .unwrap(),
                    )
                }
            };
            // Now and then a typed record or compression off before it.
            records.push((owner.clone(), data, rnd(12) == 0, rnd(25) != 0));
        }
        let size = if rnd(2) == 0 {
            30 + rnd(400) as usize
        } else {
            1500
        };
        let mut outs = vec::Vec::new();
        for general in [false, true] {
            let mut buf = vec![0u8; size];
            let mut w = MessageWriter::query(&mut buf).unwrap();
            let mut results = vec::Vec::new();
            if let Some(q) = &question {
                results.push((w.push_question(q, Rtype::PTR, Class::IN, false), w.len()));
            }
            for (owner, data, typed, compress) in &records {
                w.set_compression(*compress);
                let r = if *typed {
                    w.push_record(Section::Answer, owner, Class::IN, false, 120, data)
                } else {
                    let mut c = vec::Vec::new();
                    data.write_canonical(&mut c);
                    let rtype = data.rtype().unwrap();
                    if general {
                        w.push_record_general(
                            Section::Answer,
                            owner,
                            rtype,
                            Class::IN,
                            false,
                            99,
                            &c,
                        )
                    } else {
                        w.push_record_canonical(
                            Section::Answer,
                            owner,
                            rtype,
                            Class::IN,
                            false,
                            99,
                            &c,
                        )
                    }
                };
                failed += usize::from(r.is_err());
                results.push((r, w.len()));
            }
            let len = w.finish();
            buf.truncate(len);
            Message::parse(&buf).unwrap();
            outs.push((results, buf));
        }
        assert_eq!(outs[0], outs[1], "{question:?} {records:?}");
    }
    assert!(under > 5_000 && failed > 1_000, "{under} {failed}");
}

#[test]
fn the_first_known_answer_points_to_the_question() {
    let mut buf = [0u8; 512];
    let mut w = MessageWriter::query(&mut buf).unwrap();
    let ty = name("_http._tcp.local");
    w.push_question(&ty, Rtype::PTR, Class::IN, false).unwrap();
    let mut c = vec::Vec::new();
    RecordData::Ptr(name("a._http._tcp.local")).write_canonical(&mut c);
    for _ in 0..2 {
        w.push_record_canonical(Section::Answer, &ty, Rtype::PTR, Class::IN, false, 99, &c)
            .unwrap();
    }
    let len = w.finish();
    // Question: 18 + 4 bytes from 12. Each record: a pointer to the question's name;
    // the first target is its label and a pointer to it, the second a pointer to the
    // first.
    let first = 12 + 22;
    assert_eq!(buf[first..first + 2], [0xC0, 12]);
    assert_eq!(buf[first + 10..first + 12], [0, 4]);
    assert_eq!(buf[first + 12..first + 16], [1, b'a', 0xC0, 12]);
    let second = first + 16;
    assert_eq!(buf[second..second + 2], [0xC0, 12]);
    assert_eq!(
        buf[second + 10..second + 14],
        [0, 2, 0xC0, first as u8 + 12]
    );
    assert_eq!(len, second + 14);
}

#[test]
fn the_known_answer_paths_helpers_agree_with_the_general_ones() {
    let bytes: vec::Vec<u8> = (0..64u8).map(|i| i.wrapping_mul(37) ^ 0x5A).collect();
    for n in 0..64 {
        let label = &bytes[..n];
        for rest in [0, 12, 0x3FFF] {
            assert_eq!(
                canonical::hash_label_short(label, rest),
                hash_label(label, rest)
            );
        }
        let mut other = label.to_vec();
        assert!(canonical::eq_words(label, &other));
        for i in 0..n {
            other[i] ^= 1;
            assert!(!canonical::eq_words(label, &other), "{n} {i}");
            other[i] ^= 1;
        }
        assert!(!canonical::eq_words(label, &bytes[..n + 1]));
        let mut copy = vec![0u8; n];
        canonical::copy_short(&mut copy, label);
        assert_eq!(copy, label);
    }
}
