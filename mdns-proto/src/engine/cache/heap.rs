//! An indexed four-ary min-heap of cache records by a timer key: the cache's ordered
//! timer sets (expiry, eviction order, refresh points).
//!
//! Ordered exactly as a `BTreeSet<(K, id)>` would be (the key, then the record's id),
//! with the same first element at every step; it also finds a record's entry by its
//! id, so a record's key is changed or removed in O(log n) without a search. An entry
//! takes the key and a `u32` in one array and a `u32` position per record id, with no
//! tree nodes: a third to a half of a B-tree set's bytes per record.
//!
//! What keys mean and when they change is the cache's business ([`super`]).

use alloc::vec::Vec;

/// Children per entry. Four, not two: half the levels, so half the entries moved
/// (and their positions written, each a cache miss on a big LAN) when the first is
/// taken, at a compare or two more per level among children that share a cache line
/// or two.
const ARITY: usize = 4;

/// Position of an id that is not in the heap.
const ABSENT: u32 = u32::MAX;

/// Records (by `u32` id) ordered by `(K, id)`.
#[derive(Debug)]
pub(super) struct TimerHeap<K> {
    /// Heap-ordered: each entry is no greater than its children.
    items: Vec<(K, u32)>,
    /// By id: where its entry is in `items`, or [`ABSENT`].
    pos: Vec<u32>,
    /// Most ids and entries it will hold (the cache's capacity): arrays grow to it.
    cap: usize,
}

impl<K: Ord + Copy> TimerHeap<K> {
    /// An empty heap for ids below `cap` (arrays grow no further than that; more
    /// still works).
    pub fn new(cap: usize) -> Self {
        TimerHeap {
            items: Vec::new(),
            pos: Vec::new(),
            cap,
        }
    }

    /// The smallest `(key, id)`.
    #[inline]
    pub fn first(&self) -> Option<(K, u32)> {
        self.items.first().copied()
    }

    /// The ids in the heap's array order: the first ones have the smallest keys, the
    /// rest in no particular order.
    pub fn ids(&self) -> impl Iterator<Item = u32> + '_ {
        self.items.iter().map(|e| e.1)
    }

    /// True if empty.
    #[cfg(test)]
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// The key `id` is filed under, if it is in the heap.
    #[inline]
    pub fn key(&self, id: u32) -> Option<K> {
        let at = *self.pos.get(id as usize)?;
        self.items.get(at as usize).map(|e| e.0)
    }

    /// Files `id` under `key`, or moves it there if it is filed already.
    pub fn set(&mut self, id: u32, key: K) {
        let ix = id as usize;
        while ix >= self.pos.len() {
            super::grow::reserve_one(&mut self.pos, self.cap);
            self.pos.push(ABSENT);
        }
        match self.pos[ix] {
            ABSENT => {
                let at = self.items.len();
                super::grow::reserve_one(&mut self.items, self.cap);
                self.items.push((key, id));
                self.pos[ix] = at as u32;
                self.up(at);
            }
            at => {
                let at = at as usize;
                let old = self.items[at].0;
                self.items[at].0 = key;
                if key < old {
                    self.up(at);
                } else {
                    self.down(at);
                }
            }
        }
    }

    /// Takes `id` out, returning the key it was filed under.
    pub fn remove(&mut self, id: u32) -> Option<K> {
        let at = *self.pos.get(id as usize)?;
        if at == ABSENT {
            return None;
        }
        let at = at as usize;
        self.pos[id as usize] = ABSENT;
        let (key, _) = self.items.swap_remove(at);
        if let Some(&(moved_key, moved)) = self.items.get(at) {
            // The last entry now fills the hole: it may belong above or below it.
            self.pos[moved as usize] = at as u32;
            if (moved_key, moved) < (key, id) {
                self.up(at);
            } else {
                self.down(at);
            }
        }
        Some(key)
    }

    /// Moves the entry at `at` towards the root while it is smaller than its parent.
    fn up(&mut self, mut at: usize) {
        let item = self.items[at];
        while at > 0 {
            let parent = (at - 1) / ARITY;
            let p = self.items[parent];
            if p <= item {
                break;
            }
            self.items[at] = p;
            self.pos[p.1 as usize] = at as u32;
            at = parent;
        }
        self.items[at] = item;
        self.pos[item.1 as usize] = at as u32;
    }

    /// Moves the entry at `at` towards the leaves while a child is smaller.
    fn down(&mut self, mut at: usize) {
        let item = self.items[at];
        let n = self.items.len();
        loop {
            let first = ARITY * at + 1;
            if first >= n {
                break;
            }
            let mut child = first;
            for k in first + 1..(first + ARITY).min(n) {
                if self.items[k] < self.items[child] {
                    child = k;
                }
            }
            let c = self.items[child];
            if item <= c {
                break;
            }
            self.items[at] = c;
            self.pos[c.1 as usize] = at as u32;
            at = child;
        }
        self.items[at] = item;
        self.pos[item.1 as usize] = at as u32;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::collections::BTreeSet;

    /// A small deterministic generator for the operation sequence.
    fn lcg(state: &mut u64) -> u64 {
        *state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        *state >> 33
    }

    #[test]
    fn same_first_element_as_a_btree_set_under_any_operations() {
        for seed in 0..20u64 {
            let mut s = seed;
            let mut heap: TimerHeap<u64> = TimerHeap::new(64);
            let mut set: BTreeSet<(u64, u32)> = BTreeSet::new();
            let mut keys: alloc::vec::Vec<Option<u64>> = alloc::vec![None; 64];
            for _ in 0..2000 {
                let id = (lcg(&mut s) % 64) as u32;
                // Few distinct keys: ties are broken by id.
                let key = lcg(&mut s) % 16;
                match lcg(&mut s) % 4 {
                    0 => {
                        let got = heap.remove(id);
                        assert_eq!(got, keys[id as usize]);
                        if let Some(k) = keys[id as usize].take() {
                            set.remove(&(k, id));
                        }
                    }
                    1 => {
                        // Take the first, as the cache does when a timer fires.
                        let first = heap.first();
                        assert_eq!(first, set.first().copied());
                        if let Some((k, i)) = first {
                            assert_eq!(heap.remove(i), Some(k));
                            set.remove(&(k, i));
                            keys[i as usize] = None;
                        }
                    }
                    _ => {
                        heap.set(id, key);
                        if let Some(k) = keys[id as usize].replace(key) {
                            set.remove(&(k, id));
                        }
                        set.insert((key, id));
                    }
                }
                assert_eq!(heap.first(), set.first().copied());
                assert_eq!(heap.key(id), keys[id as usize]);
            }
            while let Some((k, i)) = heap.first() {
                assert_eq!(Some((k, i)), set.pop_first());
                heap.remove(i);
            }
            assert!(heap.is_empty() && set.is_empty());
        }
    }
}
