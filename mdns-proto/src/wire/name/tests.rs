//! Tests of names read in place: limits, pointers, the suffix memo against a memo-less
//! read, label iteration.

use super::*;
use alloc::string::ToString;
use alloc::vec::Vec;

fn msg_with(body: &[u8]) -> Vec<u8> {
    let mut m = alloc::vec![0u8; 12];
    m.extend_from_slice(body);
    m
}

#[test]
fn reads_plain_and_compressed_names() {
    // 12: "\x05local\x00", 19: "\x03foo" + pointer to 12
    let m = msg_with(b"\x05local\x00\x03foo\xc0\x0c");
    let (a, end) = NameRef::read(&m, 12).unwrap();
    assert_eq!(end, 19);
    assert_eq!(a.to_string(), "local.");
    let (b, end) = NameRef::read(&m, 19).unwrap();
    assert_eq!(end, 25);
    assert_eq!(b.to_string(), "foo.local.");
    assert_eq!(b.wire_len(), 11);
    assert!(b.eq_name(&Name::parse("FOO.Local").unwrap()));
    assert_eq!(NameRef::skip(&m, 19).unwrap(), 25);
}

#[test]
fn in_place_gives_the_wire_form_only_of_a_name_in_one_piece() {
    // 12: "\x05local\x00", 19: "\x03foo" + a pointer to 12, 25: a pointer to 12,
    // 27: the root name alone, 28: "\x03foo\x00".
    let m = msg_with(b"\x05local\x00\x03foo\xc0\x0c\xc0\x0c\x00\x03foo\x00");
    let whole = |pos| NameRef::read(&m, pos).unwrap().0.in_place();
    assert_eq!(whole(12), Some(&b"\x05local\x00"[..]));
    // Labels in place, then a pointer: not in one piece, although its bytes
    // span as many as its wire form.
    assert_eq!(whole(19), None);
    // A name that is only a pointer is read from its target, in one piece there.
    assert_eq!(whole(25), Some(&b"\x05local\x00"[..]));
    assert_eq!(whole(27), Some(&b"\x00"[..]));
    assert_eq!(whole(28), Some(&b"\x03foo\x00"[..]));
    // `to_name` copies a name in one piece and assembles one after a pointer: the
    // same names either way, hashes included.
    for (pos, text) in [(12, "local"), (19, "foo.local"), (25, "local"), (28, "foo")] {
        let name = NameRef::read(&m, pos).unwrap().0.to_name();
        let want = Name::parse(text).unwrap();
        assert_eq!(name.as_wire(), want.as_wire(), "{text}");
        assert_eq!(name.wire_hashes(), want.wire_hashes(), "{text}");
    }
}

#[test]
fn rejects_loops_self_pointers_and_header_pointers() {
    let self_ptr = msg_with(b"\xc0\x0c");
    assert_eq!(
        NameRef::read(&self_ptr, 12).unwrap_err(),
        ParseError::BadPointer { at: 12, target: 12 }
    );
    // 12 -> 14 -> 12: a two-hop loop
    let two = msg_with(b"\xc0\x0e\xc0\x0c");
    assert_eq!(
        NameRef::read(&two, 12).unwrap_err(),
        ParseError::PointerLoop { at: 12 }
    );
    // a label then a pointer back to its own start
    let label_loop = msg_with(b"\x01a\xc0\x0c");
    assert!(matches!(
        NameRef::read(&label_loop, 12),
        Err(ParseError::PointerLoop { .. }) | Err(ParseError::NameTooLong { .. })
    ));
    let into_header = msg_with(b"\xc0\x02");
    assert_eq!(
        NameRef::read(&into_header, 12).unwrap_err(),
        ParseError::BadPointer { at: 12, target: 2 }
    );
}

#[test]
fn accepts_a_forward_pointer_that_cannot_loop() {
    // name at 12 points forward to 14 where "\x01x\x00" lives
    let m = msg_with(b"\xc0\x0e\x01x\x00");
    let (n, end) = NameRef::read(&m, 12).unwrap();
    assert_eq!(end, 14);
    assert_eq!(n.to_string(), "x.");
}

#[test]
fn rejects_reserved_label_types_and_overruns() {
    for byte in [0x40u8, 0x80] {
        let m = msg_with(&[byte, 0]);
        assert_eq!(
            NameRef::read(&m, 12).unwrap_err(),
            ParseError::BadLabel { at: 12, byte }
        );
    }
    let m = msg_with(b"\x05ab");
    assert_eq!(
        NameRef::read(&m, 12).unwrap_err(),
        ParseError::Truncated { at: 12 }
    );
}

/// A xorshift generator.
fn xorshift(mut seed: u64) -> impl FnMut() -> u64 {
    move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    }
}

/// A random message of 14-313 bytes dense in labels and pointers (backward,
/// forward, looping), most pointers landing inside it, past the header.
fn pointer_dense_message(rnd: &mut impl FnMut() -> u64) -> Vec<u8> {
    let len = 14 + (rnd() % 300) as usize;
    let mut m = alloc::vec![0u8; len];
    for b in m.iter_mut().skip(12) {
        *b = match rnd() % 8 {
            0 => 0,
            1 | 2 => 0xC0 | (rnd() % 2) as u8,
            3 => (rnd() % 64) as u8,
            _ => (rnd() % 6) as u8,
        };
    }
    for i in 12..len - 1 {
        if m[i] >= 0xC0 && rnd() & 3 != 0 {
            m[i] = 0xC0;
            m[i + 1] = (12 + rnd() as usize % (len.min(256) - 12)) as u8;
        }
    }
    m
}

/// Reading at `pos` with `memo` gives what a read without memo does, error included.
fn assert_memo_read_is_plain<const N: usize, const S: usize>(
    m: &[u8],
    pos: usize,
    memo: &mut Suffixes<N, S>,
    round: usize,
) {
    let plain = NameRef::read(m, pos).map(|(n, e)| (n.offset(), n.wire_len(), e));
    let with_memo = NameRef::read_in(m, pos, memo).map(|(n, e)| (n.offset(), n.wire_len(), e));
    assert_eq!(plain, with_memo, "round {round} pos {pos}");
}

#[test]
fn the_suffix_memo_never_changes_a_result() {
    // Random messages dense in labels and pointers (backward, forward, looping),
    // each read at every offset in a scrambled order with one shared memo: the
    // result must equal a read without memo, error included.
    let mut rnd = xorshift(0x2545_F491_4F6C_DD1D);
    let (mut total_ok, mut total_long) = (0, 0);
    for round in 0..400 {
        let m = pointer_dense_message(&mut rnd);
        let len = m.len();
        let (mut ok, mut hits) = (0, 0);
        let mut memo = Suffixes::<SUFFIX_SLOTS>::new();
        let step = 1 + 2 * (round % 7);
        for k in 0..len {
            let pos = 12 + (k * step) % (len - 12);
            assert_memo_read_is_plain(&m, pos, &mut memo, round);
            if let Ok((n, _)) = NameRef::read_in(&m, pos, &mut memo) {
                let walked: usize = n.labels().map(|l| l.len() + 1).sum::<usize>() + 1;
                assert_eq!(walked, n.wire_len());
                ok += 1;
                hits += usize::from(n.wire_len() > 1);
            }
        }
        total_ok += ok;
        total_long += hits;
    }
    assert!(
        total_ok > 10_000 && total_long > 5_000,
        "{total_ok} {total_long}"
    );
}

#[test]
fn runs_and_the_uncompressed_form_are_the_labels_in_one_piece() {
    // Every name read from random pointer-dense messages: the runs joined, and the
    // uncompressed form, are the labels with their length bytes (at most one run
    // more than the pointers a name may follow).
    let mut rnd = xorshift(0x9E37_79B9_7F4A_7C15);
    let mut multi = 0;
    for _ in 0..300 {
        let m = pointer_dense_message(&mut rnd);
        for pos in 12..m.len() {
            let Ok((n, _)) = NameRef::read(&m, pos) else {
                continue;
            };
            let mut want = Vec::new();
            for l in n.labels() {
                want.push(l.len() as u8);
                want.extend_from_slice(l);
            }
            let runs: Vec<&[u8]> = n.runs().collect();
            multi += usize::from(runs.len() > 1);
            assert!(runs.len() <= MAX_POINTER_HOPS + 1);
            assert_eq!(runs.concat(), want);
            want.push(0);
            let mut got = Vec::new();
            n.write_uncompressed(&mut got);
            assert_eq!(got, want);
            assert_eq!(got.len(), n.wire_len());
            let mut got = alloc::vec![7u8];
            n.write_uncompressed(&mut got);
            assert_eq!(got[1..], want[..], "appended after what was there");
        }
    }
    assert!(multi > 1000, "{multi}");
}

#[test]
fn the_in_place_length_check_is_the_label_by_label_one() {
    // `read_in` tests the next length byte's offset against pos + 254 once a label;
    // the plain rule is "labels so far + root > 255 bytes". Names of labels in place
    // around that length, at several offsets, cut at every byte: same results.
    fn reference(m: &[u8], pos: usize) -> Result<(usize, usize), ParseError> {
        let mut at = pos;
        loop {
            let len = *m.get(at).ok_or(ParseError::Truncated { at })?;
            match len {
                0 => return Ok((at - pos + 1, at + 1)),
                1..=63 => {
                    let next_at = at + 1 + usize::from(len);
                    if next_at >= m.len() {
                        return Err(ParseError::Truncated { at });
                    }
                    if next_at - pos + 1 > MAX_NAME_LEN {
                        return Err(ParseError::NameTooLong { at: pos });
                    }
                    at = next_at;
                }
                _ => unreachable!(),
            }
        }
    }
    let mut checked = 0;
    for lead in [0usize, 1, 7, 200] {
        for labels in [
            [63u8, 63, 63, 61],
            [63, 63, 63, 59],
            [63, 63, 62, 61],
            [50; 4],
        ] {
            for extra in 0..3u8 {
                let mut body = alloc::vec![0u8; lead];
                for (i, &l) in labels.iter().enumerate() {
                    let l = if i == 3 { l.saturating_add(extra) } else { l };
                    body.push(l);
                    body.extend(core::iter::repeat_n(b'x', usize::from(l)));
                }
                body.push(0);
                let full = msg_with(&body);
                for cut in 12 + lead..=full.len() {
                    let m = &full[..cut];
                    let got = NameRef::read(m, 12 + lead).map(|(n, e)| (n.wire_len(), e));
                    assert_eq!(got, reference(m, 12 + lead), "lead {lead} cut {cut}");
                    checked += 1;
                }
            }
        }
    }
    assert!(checked > 10_000, "{checked}");
}

#[test]
fn a_seeded_memo_never_changes_a_result() {
    // As above, with a records' memo seeded by a questions' memo that read part of
    // the message first (the seed is consulted on a miss, before walking).
    let mut rnd = xorshift(0x9E37_79B9_7F4A_7C15);
    let mut seed_hits = 0;
    for round in 0..400 {
        let m = pointer_dense_message(&mut rnd);
        let len = m.len();
        let mut questions = Suffixes::<QUESTION_SUFFIX_SLOTS>::new();
        for _ in 0..1 + round % 5 {
            let pos = 12 + rnd() as usize % (len - 12);
            let _ = NameRef::read_in(&m, pos, &mut questions);
        }
        let seeded = Suffixes::<SUFFIX_SLOTS, QUESTION_SUFFIX_SLOTS>::with_seed(questions.slots());
        seed_hits += seeded
            .seed
            .iter()
            .filter(|&&e| e != 0 && e != u32::MAX)
            .count();
        let mut memo = seeded;
        let step = 1 + 2 * (round % 7);
        for k in 0..len {
            let pos = 12 + (k * step) % (len - 12);
            assert_memo_read_is_plain(&m, pos, &mut memo, round);
        }
    }
    // One slot a round (QUESTION_SUFFIX_SLOTS is 1), filled when a read succeeds.
    assert!(seed_hits > 150, "{seed_hits}");
}

#[test]
fn rejects_names_over_255_bytes() {
    let mut body = Vec::new();
    for _ in 0..5 {
        body.push(60);
        body.extend_from_slice(&[b'a'; 60]);
    }
    body.push(0);
    let m = msg_with(&body);
    assert_eq!(
        NameRef::read(&m, 12).unwrap_err(),
        ParseError::NameTooLong { at: 12 }
    );
}

#[test]
fn names_read_in_place_compare_by_place_and_by_labels() {
    // 12: "\x03Box\x05local\x00"; 23: pointer to 12; 25: "\x03BOX\x05LOCAL\x00" (the
    // same name, other case, other place); 36: "\x03bin\x05local\x00" (same length).
    let m = msg_with(b"\x03Box\x05local\x00\xc0\x0c\x03BOX\x05LOCAL\x00\x03bin\x05local\x00");
    let (a, _) = NameRef::read(&m, 12).unwrap();
    let (ptr, _) = NameRef::read(&m, 23).unwrap();
    let (upper, _) = NameRef::read(&m, 25).unwrap();
    let (other, _) = NameRef::read(&m, 36).unwrap();
    assert!(a.eq_ref(&ptr) && ptr.eq_ref(&a));
    assert!(a.eq_ref(&upper) && upper.eq_ref(&ptr));
    assert!(!a.eq_ref(&other) && !ptr.eq_ref(&other));
    // The same offset of another message with other bytes there: compared by labels.
    let m2 = msg_with(b"\x03bin\x05local\x00");
    let (b, _) = NameRef::read(&m2, 12).unwrap();
    assert!(!a.eq_ref(&b) && other.eq_ref(&b));
}
