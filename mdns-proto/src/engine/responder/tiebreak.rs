//! Simultaneous probe tiebreaking (RFC 6762 §8.2, RFC 6762 §8.2.1): which of two hosts
//! probing for the same name at the same time keeps probing.
//!
//! # The rule
//!
//! 1. Each record, ours and the Authority records of their probe for the name, is
//!    reduced to (class without the cache-flush bit, type, raw uncompressed rdata).
//! 2. Each side keeps only the records whose (class, type) the other side's set holds
//!    too. If the two sets share no (class, type) at all, both are kept whole.
//! 3. Both are sorted and compared pairwise (RFC 6762 §8.2.1): the first difference
//!    decides, a list that runs out first loses, and lists that run out together are no
//!    conflict.
//!
//! The loser waits one second and probes again (RFC 6762 §8.2, in `probe`); the winner
//! goes on.
//!
//! # Why step 2
//!
//! RFC 6762 §8.2 asks every prober to put *all* its proposed records in the Authority
//! section, and RFC 6762 §8.2.1 then compares the sorted lists. Two implementations that
//! both do so hold the same types (SRV and TXT for a service, A and AAAA for a host),
//! step 2 keeps every record, and the rule is exactly RFC 6762 §8.2.1.
//!
//! Not every prober sends the whole set. Apple's mDNSResponder (`mDNSCore/mDNS.c`,
//! `ResolveSimultaneousProbe`) marks a service's TXT record as depending on its SRV and
//! leaves it out of probes: its probe for a service carries the SRV alone. It decides
//! record by record: each of its own probing records is compared (class, type, rdata)
//! with each record of the other probe, and it defers as soon as one of ours is later.
//! Our TXT (type 16) sorts before its SRV (type 33), so in effect it compares the two
//! SRVs. Plain RFC 6762 §8.2.1 on our side compared our sorted list (TXT, SRV) with its
//! (SRV): TXT before SRV, so we lost every time, whatever the SRVs. When its SRV was the
//! earlier one, it lost as well, and both sides waited a second, and if their probes
//! crossed again, another.
//!
//! Step 2 compares what both probes show: the SRV against the SRV. That is the
//! comparison mDNSResponder makes, so exactly one side defers. It is also what Avahi
//! does (`avahi-core/server.c`, `incoming_probe`): each record of an incoming probe is
//! compared only with its own records of the same name, type and class. And it is what
//! RFC 6762 §9 means by a conflict: records with the same name, rrtype and rrclass but
//! different rdata. A type only one side lists conflicts with nothing of the other's.
//!
//! The rule stays antisymmetric: both sides keep the same (class, type) pairs, so two
//! hosts that both apply it never both lose, and both win only when their records are
//! identical. When the sets share no type at all (a probe for a name that is ours with
//! records of other types only), step 2 would leave nothing to compare, and the whole
//! sets are compared as RFC 6762 §8.2.1 says.
//!
//! Consequences:
//! - An SRV-only probe whose SRV equals ours is no conflict here (and mDNSResponder, who
//!   finds its own SRV in ours, sees none either): both go on. If the TXT records differ,
//!   the difference shows in the announcements and is settled as any later conflict
//!   (RFC 6762 §9).
//! - A copy of our own probe (looped back late, or echoed by a switch or access point)
//!   is identical and no conflict; a stale copy with older data makes us wait one second
//!   once, as RFC 6762 §8.2 intends.
//!
//! # Where it cannot help
//!
//! mDNSResponder's host probes carry every address record, A and AAAA, a full set. But
//! its record-by-record check also compares its A records with our AAAA records, and
//! AAAA (28) is later than A (1): its A loses to any probe with an AAAA in it. When our
//! data is the earlier by RFC 6762 §8.2.1 (our first A before its first A), both sides
//! find they lost: we because RFC 6762 §8.2.1 says so, it because of the type. No rule
//! that keeps RFC 6762 §8.2.1 between two full sets can avoid that, since its probe is a
//! full set. It does little harm: mDNSResponder defers only the records that lost, and
//! its others (here its link-local AAAA, the latest of all) keep probing the name and are
//! announced on time; we stay quiet and rename on that announcement. In the interop
//! suite's host-name conflicts (`interop/README.md`) the two sides never went quiet on
//! the name together, and when our first A is the later, all its records lose and it
//! alone defers.

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
    /// Raw rdata, names uncompressed, compared as unsigned bytes (RFC 6762 §8.2).
    pub rdata: Vec<u8>,
}

impl TieRecord {
    fn kind(&self) -> (u16, u16) {
        (self.class, self.rtype)
    }
}

/// Outcome of comparing our proposed records with another host's.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Tiebreak {
    /// Ours are lexicographically later: ignore their probe (RFC 6762 §8.2).
    Win,
    /// Ours are earlier: wait one second and probe again (RFC 6762 §8.2).
    Lose,
    /// Identical sets: no conflict (RFC 6762 §8.2.1).
    Same,
}

/// Compares our records with the Authority records of another host's probe by the rule
/// in the [module docs](self): over the (class, type) pairs both hold, sorted, pairwise
/// (RFC 6762 §8.2.1). Sorts both in place. Costs one pass over each list per record of
/// the other for the filtering (our list is a few records).
pub(crate) fn compare(ours: &mut [TieRecord], theirs: &mut [TieRecord]) -> Tiebreak {
    crate::util::heap_sort(ours);
    crate::util::heap_sort(theirs);
    let shared = |r: &&TieRecord, other: &[TieRecord]| other.iter().any(|o| o.kind() == r.kind());
    let kept_ours = ours.iter().filter(|r| shared(r, theirs));
    let kept_theirs = theirs.iter().filter(|r| shared(r, ours));
    // Slice and iterator ordering are exactly RFC 6762 §8.2.1: pairwise until a
    // difference, and a list that still has records when the other has run out is later.
    // Vec<u8> ordering is the same rule for rdata bytes (RFC 6762 §8.2).
    let order = if ours.iter().any(|r| shared(&r, theirs)) {
        kept_ours.cmp(kept_theirs)
    } else {
        (*ours).cmp(&*theirs)
    };
    match order {
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

    /// RFC 6762 §8.2.1: when one set is a prefix of the other, the set with records left
    /// wins.
    #[test]
    fn rfc6762_8_2_1_longer_set_wins_on_a_prefix() {
        let mut short = vec![a("10.0.0.1")];
        let mut long = vec![a("10.0.0.1"), a("10.0.0.2")];
        assert_eq!(compare(&mut short, &mut long), Tiebreak::Lose);
        assert_eq!(compare(&mut long, &mut short), Tiebreak::Win);
    }

    /// RFC 6762 §8.2.1: identical sets (in any order) are not a conflict.
    #[test]
    fn rfc6762_8_2_1_identical_sets_are_no_conflict() {
        let mut x = vec![a("10.0.0.2"), a("10.0.0.1")];
        let mut y = vec![a("10.0.0.1"), a("10.0.0.2")];
        assert_eq!(compare(&mut x, &mut y), Tiebreak::Same);
    }

    /// RFC 6762 §8.2: names in rdata are compared uncompressed, byte by byte: the label
    /// length byte comes first, so a longer first label is later whatever its letters.
    #[test]
    fn rfc6762_8_2_srv_targets_of_different_label_lengths() {
        let mut short = [srv("zz.local")];
        let mut long = [srv("aaa.local")];
        assert_eq!(compare(&mut short, &mut long), Tiebreak::Lose);
        let mut x = [srv("abc.local")];
        let mut y = [srv("abd.local")];
        assert_eq!(compare(&mut x, &mut y), Tiebreak::Lose);
    }

    /// RFC 6762 §8.2.1: sorting puts TXT (16) before SRV (33); type decides before rdata,
    /// and class before type.
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
    fn txt(s: &[u8]) -> TieRecord {
        rec(RecordData::Txt(s.into()))
    }

    fn srv_port(port: u16, target: &str) -> TieRecord {
        rec(RecordData::Srv {
            priority: 0,
            weight: 0,
            port,
            target: Name::parse(target).unwrap(),
        })
    }

    fn aaaa(s: &str) -> TieRecord {
        rec(RecordData::Aaaa(s.parse().unwrap()))
    }

    /// An SRV-only probe (mDNSResponder leaves the TXT out) is compared SRV against
    /// SRV: our TXT has nothing to meet. Plain RFC 6762 §8.2.1 put our TXT (16) against
    /// their SRV (33) and made us lose to every such probe.
    #[test]
    fn rfc6762_8_2_1_srv_only_probe_meets_our_srv() {
        let ours = || vec![srv_port(8080, "a.local"), txt(b"\x06path=/")];
        let earlier = [srv_port(7000, "a.local")];
        let later = [srv_port(9000, "a.local")];
        assert_eq!(compare(&mut ours(), &mut earlier.clone()), Tiebreak::Win);
        assert_eq!(compare(&mut ours(), &mut later.clone()), Tiebreak::Lose);
        assert_eq!(
            compare(&mut ours(), &mut [srv_port(8080, "a.local")]),
            Tiebreak::Same
        );
        // Their side of the same comparisons: the opposite outcome.
        assert_eq!(compare(&mut earlier.clone(), &mut ours()), Tiebreak::Lose);
        assert_eq!(compare(&mut later.clone(), &mut ours()), Tiebreak::Win);
    }

    /// Records of a type only one side lists are left out; the rest is RFC 6762 §8.2.1, a
    /// list running out first included.
    #[test]
    fn rfc6762_8_2_1_types_only_one_side_has_are_left_out() {
        // Their host has no IPv6: A against A decides, our AAAA does not count.
        let mut ours = vec![a("10.0.0.1"), aaaa("fd00::1")];
        let mut theirs = vec![a("10.0.0.2")];
        assert_eq!(compare(&mut ours, &mut theirs), Tiebreak::Lose);
        assert_eq!(compare(&mut theirs, &mut ours), Tiebreak::Win);
        // Within a shared type, more records still win over a prefix.
        let mut ours = vec![a("10.0.0.1"), a("10.0.0.3"), aaaa("fd00::1")];
        let mut theirs = vec![a("10.0.0.1")];
        assert_eq!(compare(&mut ours, &mut theirs), Tiebreak::Win);
    }

    /// Sets with no type in common are compared whole, as RFC 6762 §8.2.1 says.
    #[test]
    fn rfc6762_8_2_1_no_shared_type_compares_the_whole_sets() {
        let mut ours = vec![a("10.0.0.9")];
        let mut theirs = vec![srv("a.local")];
        assert_eq!(compare(&mut ours, &mut theirs), Tiebreak::Lose);
        assert_eq!(compare(&mut theirs, &mut ours), Tiebreak::Win);
    }

    /// Two hosts applying the rule never both lose and never both win (unless their
    /// records are identical), over every pair of sets drawn from a few records of
    /// three types, subsets of types included.
    #[test]
    fn rfc6762_8_2_tiebreak_is_antisymmetric() {
        let pool = [
            a("10.0.0.1"),
            a("10.0.0.2"),
            aaaa("fd00::1"),
            srv_port(80, "a.local"),
            srv_port(81, "a.local"),
            txt(b"\x01x"),
        ];
        let sets: Vec<Vec<TieRecord>> = (1u32..1 << pool.len())
            .map(|m| {
                (0..pool.len())
                    .filter(|i| m & (1 << i) != 0)
                    .map(|i| pool[i].clone())
                    .collect()
            })
            .collect();
        for x in &sets {
            for y in &sets {
                let xy = compare(&mut x.clone(), &mut y.clone());
                let yx = compare(&mut y.clone(), &mut x.clone());
                let want = match xy {
                    Tiebreak::Win => Tiebreak::Lose,
                    Tiebreak::Lose => Tiebreak::Win,
                    Tiebreak::Same => Tiebreak::Same,
                };
                assert_eq!(yx, want, "{x:?} vs {y:?}");
            }
        }
    }
}
