//! Simultaneous probe tiebreaking (RFC 6762 §8.2, §8.2.1): which of two hosts probing
//! for the same name at the same time keeps probing.
//!
//! Each record is reduced to (class without the cache-flush bit, type, raw uncompressed
//! rdata); both sets are sorted and compared pairwise, the first difference decides, a
//! set that runs out first loses, and identical sets are no conflict at all.

use alloc::vec::Vec;
use core::cmp::Ordering;

/// One record in tiebreak form.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct TieRecord {
    /// Class, top bit masked (RFC 6762 §8.2: "the class ... not including the
    /// cache-flush bit").
    pub class: u16,
    /// Type.
    pub rtype: u16,
    /// Raw rdata, names uncompressed, compared as unsigned bytes (§8.2).
    pub rdata: Vec<u8>,
}

/// Outcome of comparing our proposed records with another host's.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Tiebreak {
    /// Ours are lexicographically later: ignore their probe (§8.2).
    Win,
    /// Ours are earlier: wait one second and probe again (§8.2).
    Lose,
    /// Identical sets: no conflict (§8.2.1).
    Same,
}

/// Compares two record sets per RFC 6762 §8.2.1. Sorts both in place.
pub(crate) fn compare(ours: &mut [TieRecord], theirs: &mut [TieRecord]) -> Tiebreak {
    ours.sort_unstable();
    theirs.sort_unstable();
    // Slice ordering is exactly §8.2.1: pairwise until a difference, and a list that
    // still has records when the other has run out is later. Vec<u8> ordering is the
    // same rule for rdata bytes (§8.2).
    match (*ours).cmp(&*theirs) {
        Ordering::Greater => Tiebreak::Win,
        Ordering::Less => Tiebreak::Lose,
        Ordering::Equal => Tiebreak::Same,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::name::Name;
    use crate::wire::RecordData;
    use alloc::vec;

    fn rec(d: RecordData) -> TieRecord {
        let mut rdata = Vec::new();
        d.write_canonical(&mut rdata);
        TieRecord {
            class: 1,
            rtype: d.rtype().unwrap().0,
            rdata,
        }
    }

    fn a(s: &str) -> TieRecord {
        rec(RecordData::A(s.parse().unwrap()))
    }

    fn srv(target: &str) -> TieRecord {
        rec(RecordData::Srv {
            priority: 0,
            weight: 0,
            port: 80,
            target: Name::parse(target).unwrap(),
        })
    }

    /// RFC 6762 §8.2: 169.254.200.50 is later than 169.254.99.200 (the byte 200
    /// compared unsigned against 99), so it wins.
    #[test]
    fn rfc6762_8_2_vector_the_200_wins() {
        let mut ours = [a("169.254.99.200")];
        let mut theirs = [a("169.254.200.50")];
        assert_eq!(compare(&mut ours, &mut theirs), Tiebreak::Lose);
        assert_eq!(compare(&mut theirs, &mut ours), Tiebreak::Win);
    }

    /// §8.2.1: when one set is a prefix of the other, the set with records left wins.
    #[test]
    fn rfc6762_8_2_1_longer_set_wins_on_a_prefix() {
        let mut short = vec![a("10.0.0.1")];
        let mut long = vec![a("10.0.0.1"), a("10.0.0.2")];
        assert_eq!(compare(&mut short, &mut long), Tiebreak::Lose);
        assert_eq!(compare(&mut long, &mut short), Tiebreak::Win);
    }

    /// §8.2.1: identical sets (in any order) are not a conflict.
    #[test]
    fn rfc6762_8_2_1_identical_sets_are_no_conflict() {
        let mut x = vec![a("10.0.0.2"), a("10.0.0.1")];
        let mut y = vec![a("10.0.0.1"), a("10.0.0.2")];
        assert_eq!(compare(&mut x, &mut y), Tiebreak::Same);
    }

    /// §8.2: names in rdata are compared uncompressed, byte by byte: the label length
    /// byte comes first, so a longer first label is later whatever its letters.
    #[test]
    fn rfc6762_8_2_srv_targets_of_different_label_lengths() {
        let mut short = [srv("zz.local")];
        let mut long = [srv("aaa.local")];
        assert_eq!(compare(&mut short, &mut long), Tiebreak::Lose);
        let mut x = [srv("abc.local")];
        let mut y = [srv("abd.local")];
        assert_eq!(compare(&mut x, &mut y), Tiebreak::Lose);
    }

    /// §8.2.1: sorting puts TXT (16) before SRV (33); type decides before rdata, and
    /// class before type.
    #[test]
    fn rfc6762_8_2_1_class_then_type_then_rdata() {
        let txt = rec(RecordData::Txt(smallvec::smallvec![0xff]));
        let mut ours = vec![srv("a.local"), txt.clone()];
        let mut theirs = vec![txt, srv("b.local")];
        assert_eq!(compare(&mut ours, &mut theirs), Tiebreak::Lose);
        let mut hi_class = [TieRecord {
            class: 2,
            rtype: 1,
            rdata: vec![0],
        }];
        let mut lo_class = [TieRecord {
            class: 1,
            rtype: 255,
            rdata: vec![255],
        }];
        assert_eq!(compare(&mut hi_class, &mut lo_class), Tiebreak::Win);
    }
}
