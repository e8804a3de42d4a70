//! A quick "not ours" for a name in a received message: the responder's name index
//! ([`super::registry`]) keeps, for a hash of each indexed name's first label (ASCII
//! case folded, RFC 6762 §16), how many names it has there. A name whose first label
//! falls where there are none is not in the index, so it needs neither folding nor a
//! hash-table look-up. On a busy link most received records are other hosts' (another
//! instance, another host name), and each used to cost a fold and a look-up in the
//! responder and then again in the cache. Which names are indexed is the registry's
//! business; this only counts them.

use super::fold::lower_word;
use crate::name::Name;
use crate::wire::NameRef;

/// Number of counters (first-label hash buckets).
const BUCKETS: usize = 64;

/// Per bucket of first-label hashes, how many indexed names have a first label there.
/// A counter that reaches `u8::MAX` stays there (it then says "maybe" for good), so it
/// never says "none" for a bucket that has names.
#[derive(Clone, Debug)]
pub(crate) struct LabelFilter {
    counts: [u8; BUCKETS],
}

impl LabelFilter {
    pub fn new() -> Self {
        LabelFilter {
            counts: [0; BUCKETS],
        }
    }

    /// `name` was indexed.
    pub fn added(&mut self, name: &Name) {
        let c = &mut self.counts[bucket(name.first_label())];
        *c = c.saturating_add(1);
    }

    /// `name` left the index.
    pub fn removed(&mut self, name: &Name) {
        let c = &mut self.counts[bucket(name.first_label())];
        if *c != u8::MAX {
            *c = c.saturating_sub(1);
        }
    }

    /// False if `name` is certainly not indexed; true if it may be.
    #[inline]
    pub fn may_hold(&self, name: &NameRef<'_>) -> bool {
        self.counts[bucket(name.first_label())] != 0
    }
}

/// The counter of a label: a hash of its length and of its first and last eight bytes
/// (all of it if shorter), ASCII lower-cased a word at a time (names match
/// case-insensitively, RFC 6762 §16). A few instructions: it runs for every record
/// received.
#[inline]
fn bucket(label: &[u8]) -> usize {
    let n = label.len();
    let word = |at: usize| {
        label
            .get(at..)
            .and_then(|s| s.first_chunk::<8>())
            .map_or(0, |w| u64::from_le_bytes(*w))
    };
    let (head, tail) = if n >= 8 {
        (word(0), word(n - 8))
    } else {
        let small = label.iter().fold(0u64, |w, &b| w << 8 | u64::from(b));
        (small, 0)
    };
    let h = (n as u64) ^ lower_word(head) ^ lower_word(tail).rotate_left(29);
    // The top bits of a multiplicative hash: BUCKETS is 2^6.
    (h.wrapping_mul(0x9e37_79b9_7f4a_7c15) >> 58) as usize
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::Message;

    /// A message holding `name` as its one question, and the name read from it.
    fn with_question(name: &str, f: impl FnOnce(&NameRef<'_>)) {
        let mut buf = alloc::vec![0u8; 12];
        buf[5] = 1;
        buf.extend_from_slice(Name::parse(name).unwrap().as_wire());
        buf.extend_from_slice(&[0, 1, 0, 1]);
        let msg = Message::parse(&buf).unwrap();
        let q = msg.questions().next().unwrap().unwrap();
        f(&q.name);
    }

    #[test]
    fn an_indexed_name_is_held_in_any_case_and_leaves_with_its_last_count() {
        let name = |s: &str| Name::parse(s).unwrap();
        let mut f = LabelFilter::new();
        with_question("Printer._ipp._tcp.local.", |n| assert!(!f.may_hold(n)));
        f.added(&name("Printer._ipp._tcp.local."));
        f.added(&name("printer.local."));
        for name in [
            "Printer._ipp._tcp.local.",
            "PRINTER._ipp._tcp.local.",
            "printer.local.",
        ] {
            with_question(name, |n| assert!(f.may_hold(n), "{name}"));
        }
        f.removed(&name("printer.local."));
        with_question("PRINTER.local.", |n| assert!(f.may_hold(n)));
        f.removed(&name("Printer._ipp._tcp.local."));
        with_question("printer.local.", |n| assert!(!f.may_hold(n)));
    }

    #[test]
    fn a_full_counter_stays_full() {
        let host = Name::parse("HOST.local.").unwrap();
        let mut f = LabelFilter::new();
        for _ in 0..300 {
            f.added(&host);
        }
        for _ in 0..299 {
            f.removed(&host);
        }
        with_question("host.local.", |n| assert!(f.may_hold(n)));
    }

    #[test]
    fn instance_names_spread_over_the_buckets() {
        // A hash, so no guarantee; but the instance names of a big LAN must spread for
        // the filter to help: 200 names "Service N" fill more than half the buckets.
        let mut used = [false; BUCKETS];
        for i in 0..200 {
            used[bucket(alloc::format!("Service {i}").as_bytes())] = true;
        }
        assert!(used.iter().filter(|u| **u).count() > BUCKETS / 2);
    }
}
