//! The cache's index of records by fingerprint ([`super::matching::fingerprint`] of
//! name, type, interface and data): an open-addressing table with linear probing whose
//! entries are a record's id and 32 bits of its fingerprint, side by side.
//!
//! A look-up reads one run of adjacent entries (usually one cache line) and, for an
//! entry whose 32 bits match, the record itself: a general hash table's control bytes
//! and buckets apart are two places in memory more per look-up, and on a big LAN no
//! cache fits a CPU cache. Deletion shifts the entries after it back (no tombstones),
//! so probe runs stay as short as the load makes them. The table holds between half
//! and three quarters of its entries; any size, not only powers of two (an entry's
//! home is its fingerprint scaled to the table's size), so it grows by half, not double.
//!
//! Whether an entry is the record looked for (its data compared) is the caller's
//! business ([`super`]).

use alloc::vec;
use alloc::vec::Vec;

/// An empty entry's id.
const EMPTY: u32 = u32::MAX;

/// Record ids by 32 bits of their fingerprint.
#[derive(Debug, Default)]
pub(super) struct FpIndex {
    /// (fingerprint's low 32 bits, id), or (_, [`EMPTY`]).
    entries: Vec<(u32, u32)>,
    len: usize,
}

/// The 32 bits of a fingerprint kept (its low half: the fingerprint is mixed).
#[inline]
fn short(fp: u64) -> u32 {
    fp as u32
}

impl FpIndex {
    /// Number of ids.
    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.len
    }

    /// True if empty.
    #[cfg(test)]
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Where an entry of short fingerprint `h` would be if nothing were in its way.
    #[inline]
    fn home(&self, h: u32) -> usize {
        ((u64::from(h) * self.entries.len() as u64) >> 32) as usize
    }

    /// The first id filed under `fp` for which `is` says yes.
    #[inline]
    pub fn find(&self, fp: u64, mut is: impl FnMut(u32) -> bool) -> Option<u32> {
        let n = self.entries.len();
        if self.len == 0 {
            return None;
        }
        let h = short(fp);
        let mut at = self.home(h);
        loop {
            let (eh, id) = self.entries[at];
            if id == EMPTY {
                return None;
            }
            if eh == h && is(id) {
                return Some(id);
            }
            at += 1;
            if at == n {
                at = 0;
            }
        }
    }

    /// The first id filed under 32 bits equal to `fp`'s, if any: the record
    /// [`find`](Self::find) compares first (for reading it ahead).
    #[inline]
    pub fn first_candidate(&self, fp: u64) -> u32 {
        self.find(fp, |_| true).unwrap_or(EMPTY)
    }

    /// Files `id` under `fp` (not filed yet).
    pub fn insert(&mut self, fp: u64, id: u32) {
        if (self.len + 1) * 4 > self.entries.len() * 3 {
            self.grow();
        }
        self.place(short(fp), id);
        self.len += 1;
    }

    /// Puts an entry in the first free place from its home on.
    fn place(&mut self, h: u32, id: u32) {
        let n = self.entries.len();
        let mut at = self.home(h);
        while self.entries[at].1 != EMPTY {
            at += 1;
            if at == n {
                at = 0;
            }
        }
        self.entries[at] = (h, id);
    }

    /// Grows the table to twice the ids it holds (at least 16 entries), re-filing them.
    fn grow(&mut self) {
        let size = ((self.len + 1) * 2).max(16);
        let old = core::mem::replace(&mut self.entries, vec![(0, EMPTY); size]);
        for (h, id) in old {
            if id != EMPTY {
                self.place(h, id);
            }
        }
    }

    /// Removes `id`, filed under `fp`. False if it is not there.
    pub fn remove(&mut self, fp: u64, id: u32) -> bool {
        let n = self.entries.len();
        if self.len == 0 {
            return false;
        }
        let h = short(fp);
        let mut at = self.home(h);
        loop {
            let e = self.entries[at];
            if e.1 == EMPTY {
                return false;
            }
            if e == (h, id) {
                break;
            }
            at += 1;
            if at == n {
                at = 0;
            }
        }
        // Shift back the entries after it that probed past the hole.
        let mut hole = at;
        let mut next = at;
        loop {
            next += 1;
            if next == n {
                next = 0;
            }
            let e = self.entries[next];
            if e.1 == EMPTY {
                break;
            }
            let home = self.home(e.0);
            // Distances going forward, around the end: from its home to where it is,
            // and from the hole to where it is. It may move back into the hole only if
            // the hole is not before its home.
            let dist = |from: usize, to: usize| (to + n - from) % n;
            if dist(home, next) >= dist(hole, next) {
                self.entries[hole] = e;
                hole = next;
            }
        }
        self.entries[hole] = (0, EMPTY);
        self.len -= 1;
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::collections::BTreeSet;

    /// A weak fingerprint (many equal short fingerprints and homes), so that probe
    /// runs collide and wrap round the table's end.
    fn fp(k: u32) -> u64 {
        u64::from(k % 7).wrapping_mul(0x9E37_79B9_7F4A_7C15) | u64::from(k % 3)
    }

    #[test]
    fn inserts_finds_and_removes_like_a_map() {
        let mut index = FpIndex::default();
        let mut model = BTreeSet::new();
        let mut rng = crate::rand::Rng::new(7);
        for step in 0..20_000u32 {
            let k = rng.range_inclusive(0, 300) as u32;
            if model.insert(k) {
                index.insert(fp(k), k);
            } else {
                assert!(index.remove(fp(k), k), "step {step}");
                model.remove(&k);
            }
            assert_eq!(index.len(), model.len());
            let probe = rng.range_inclusive(0, 300) as u32;
            let found = index.find(fp(probe), |id| id == probe);
            assert_eq!(found.is_some(), model.contains(&probe), "step {step}");
        }
        for k in 0..=300 {
            let found = index.find(fp(k), |id| id == k);
            assert_eq!(found.is_some(), model.contains(&k));
            assert!(!index.remove(fp(k), 1000 + k));
        }
        for &k in &model {
            assert!(index.remove(fp(k), k));
        }
        assert!(index.is_empty());
    }
}
