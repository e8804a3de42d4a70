//! [`VecMap`] and [`VecSet`]: an ordered map kept as one sorted `Vec` of (key, value)
//! pairs, and an ordered set kept as one sorted `Vec`, for the core's maps and sets that
//! hold a handful of entries per registration or operation (the querier's operations
//! and questions, what a browse has reported, the responder's service types).
//!
//! A `BTreeMap` allocates a leaf of eleven entries for its first one (with keys that
//! hold an 80-byte [`Name`](crate::name::Name), a kilobyte or two for a map of one or
//! two entries), and each key type instantiates its own copy of the B-tree code. Here
//! an entry costs its own size, the vector grows by half (not double) when full, and
//! the code is a binary search and a `Vec` insert or remove. Lookups cost the same
//! comparisons as the tree's; an insert or removal moves the entries after it, which
//! for the sizes these maps hold (tens to a few thousand) is one `memmove`.

use alloc::vec::Vec;
use core::borrow::Borrow;

/// An ordered map in a sorted `Vec` (see the module doc).
#[derive(Clone, Debug)]
pub(crate) struct VecMap<K, V> {
    entries: Vec<(K, V)>,
}

impl<K, V> Default for VecMap<K, V> {
    fn default() -> Self {
        VecMap {
            entries: Vec::new(),
        }
    }
}

impl<K: Ord, V> VecMap<K, V> {
    pub const fn new() -> Self {
        VecMap {
            entries: Vec::new(),
        }
    }

    #[inline]
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    #[inline]
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Where `key` is (`Ok`) or would go (`Err`).
    #[inline]
    fn find<Q: Ord + ?Sized>(&self, key: &Q) -> Result<usize, usize>
    where
        K: Borrow<Q>,
    {
        self.entries.binary_search_by(|(k, _)| k.borrow().cmp(key))
    }

    pub fn get<Q: Ord + ?Sized>(&self, key: &Q) -> Option<&V>
    where
        K: Borrow<Q>,
    {
        self.find(key).ok().map(|i| &self.entries[i].1)
    }

    pub fn get_mut<Q: Ord + ?Sized>(&mut self, key: &Q) -> Option<&mut V>
    where
        K: Borrow<Q>,
    {
        self.find(key).ok().map(|i| &mut self.entries[i].1)
    }

    /// The stored key equal to `key`, and its value.
    pub fn get_key_value<Q: Ord + ?Sized>(&self, key: &Q) -> Option<(&K, &V)>
    where
        K: Borrow<Q>,
    {
        self.find(key).ok().map(|i| {
            let (k, v) = &self.entries[i];
            (k, v)
        })
    }

    pub fn contains_key<Q: Ord + ?Sized>(&self, key: &Q) -> bool
    where
        K: Borrow<Q>,
    {
        self.find(key).is_ok()
    }

    /// Inserts at `i` (from `find`), growing by half when full.
    fn insert_at(&mut self, i: usize, key: K, value: V) -> &mut V {
        if self.entries.len() == self.entries.capacity() {
            self.entries.reserve_exact((self.entries.len() / 2).max(1));
        }
        self.entries.insert(i, (key, value));
        &mut self.entries[i].1
    }

    /// Sets `key` to `value`; the old value if there was one.
    pub fn insert(&mut self, key: K, value: V) -> Option<V> {
        match self.find(&key) {
            Ok(i) => Some(core::mem::replace(&mut self.entries[i].1, value)),
            Err(i) => {
                self.insert_at(i, key, value);
                None
            }
        }
    }

    /// The value at `key`, inserted with `make` if there was none.
    pub fn get_or_insert_with(&mut self, key: K, make: impl FnOnce() -> V) -> &mut V {
        match self.find(&key) {
            Ok(i) => &mut self.entries[i].1,
            Err(i) => self.insert_at(i, key, make()),
        }
    }

    pub fn remove<Q: Ord + ?Sized>(&mut self, key: &Q) -> Option<V>
    where
        K: Borrow<Q>,
    {
        let i = self.find(key).ok()?;
        Some(self.entries.remove(i).1)
    }

    /// Keeps the entries `keep` is true for.
    pub fn retain(&mut self, mut keep: impl FnMut(&K, &mut V) -> bool) {
        self.entries.retain_mut(|(k, v)| keep(k, v));
    }

    /// The entries in key order.
    pub fn iter(&self) -> impl Iterator<Item = (&K, &V)> {
        self.entries.iter().map(|(k, v)| (k, v))
    }

    /// The entries in key order, values mutable.
    pub fn iter_mut(&mut self) -> impl Iterator<Item = (&K, &mut V)> {
        self.entries.iter_mut().map(|(k, v)| (&*k, v))
    }

    pub fn keys(&self) -> impl Iterator<Item = &K> {
        self.entries.iter().map(|(k, _)| k)
    }

    pub fn values(&self) -> impl Iterator<Item = &V> {
        self.entries.iter().map(|(_, v)| v)
    }

    pub fn values_mut(&mut self) -> impl Iterator<Item = &mut V> {
        self.entries.iter_mut().map(|(_, v)| v)
    }
}

impl<K, V> IntoIterator for VecMap<K, V> {
    type Item = (K, V);
    type IntoIter = alloc::vec::IntoIter<(K, V)>;
    fn into_iter(self) -> Self::IntoIter {
        self.entries.into_iter()
    }
}

/// Grows `v` by half (at least one) when it is full: a collection of one holds room
/// for one.
#[inline]
pub(crate) fn grow<T>(v: &mut Vec<T>) {
    if v.len() == v.capacity() {
        v.reserve_exact((v.len() / 2).max(1));
    }
}

/// An ordered set in a sorted `Vec` (see the module doc).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct VecSet<T> {
    items: Vec<T>,
}

impl<T> Default for VecSet<T> {
    fn default() -> Self {
        VecSet { items: Vec::new() }
    }
}

impl<T: Ord> VecSet<T> {
    pub const fn new() -> Self {
        VecSet { items: Vec::new() }
    }

    #[inline]
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// Adds `item`; false if it was there already.
    pub fn insert(&mut self, item: T) -> bool {
        match self.items.binary_search(&item) {
            Ok(_) => false,
            Err(i) => {
                grow(&mut self.items);
                self.items.insert(i, item);
                true
            }
        }
    }

    /// Takes `item` out; false if it was not there.
    pub fn remove(&mut self, item: &T) -> bool {
        match self.items.binary_search(item) {
            Ok(i) => {
                self.items.remove(i);
                true
            }
            Err(_) => false,
        }
    }

    pub fn contains(&self, item: &T) -> bool {
        self.items.binary_search(item).is_ok()
    }

    #[inline]
    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// Takes the smallest item out.
    pub fn pop_first(&mut self) -> Option<T> {
        if self.items.is_empty() {
            None
        } else {
            Some(self.items.remove(0))
        }
    }

    /// The smallest item.
    pub fn first(&self) -> Option<&T> {
        self.items.first()
    }

    /// Keeps the items `keep` is true for.
    pub fn retain(&mut self, keep: impl FnMut(&T) -> bool) {
        self.items.retain(keep);
    }

    /// Calls `f(item, false)` for each item of `self` not in `other`, then
    /// `f(item, true)` for each of `other` not in `self`, each in order.
    pub fn diff(&self, other: &Self, mut f: impl FnMut(&T, bool)) {
        let (a, b) = (&self.items, &other.items);
        for x in a {
            if b.binary_search(x).is_err() {
                f(x, false);
            }
        }
        for x in b {
            if a.binary_search(x).is_err() {
                f(x, true);
            }
        }
    }
}

impl<T: Ord> FromIterator<T> for VecSet<T> {
    /// Collected, then sorted with the core's one small heapsort and deduplicated:
    /// O(n log n) whatever the order the items come in (insertion one by one would move
    /// the tail of the vector for each, quadratic for a browse's thousands of
    /// instances).
    fn from_iter<I: IntoIterator<Item = T>>(iter: I) -> Self {
        let mut items: Vec<T> = iter.into_iter().collect();
        if !items.is_sorted() {
            crate::util::heap_sort(&mut items);
        }
        items.dedup();
        VecSet { items }
    }
}

impl<T> IntoIterator for VecSet<T> {
    type Item = T;
    type IntoIter = alloc::vec::IntoIter<T>;
    fn into_iter(self) -> Self::IntoIter {
        self.items.into_iter()
    }
}

impl<'a, T> IntoIterator for &'a VecSet<T> {
    type Item = &'a T;
    type IntoIter = core::slice::Iter<'a, T>;
    fn into_iter(self) -> Self::IntoIter {
        self.items.iter()
    }
}

#[cfg(test)]
mod tests {
    use super::VecMap;
    use alloc::collections::BTreeMap;
    use alloc::vec::Vec;

    /// Against `BTreeMap` over a deterministic mix of inserts, removals and updates.
    #[test]
    fn behaves_like_btreemap() {
        let mut m: VecMap<u32, u32> = VecMap::new();
        let mut b: BTreeMap<u32, u32> = BTreeMap::new();
        let mut x = 12345u32;
        for step in 0..5000u32 {
            x = x.wrapping_mul(1_103_515_245).wrapping_add(12345);
            let k = (x >> 16) % 200;
            match step % 4 {
                0 | 1 => assert_eq!(m.insert(k, step), b.insert(k, step)),
                2 => assert_eq!(m.remove(&k), b.remove(&k)),
                _ => {
                    *m.get_or_insert_with(k, || 7) += 1;
                    *b.entry(k).or_insert(7) += 1;
                }
            }
            assert_eq!(m.len(), b.len());
            assert_eq!(m.get(&k), b.get(&k));
            assert_eq!(m.contains_key(&k), b.contains_key(&k));
        }
        let got: Vec<(u32, u32)> = m.iter().map(|(k, v)| (*k, *v)).collect();
        let want: Vec<(u32, u32)> = b.iter().map(|(k, v)| (*k, *v)).collect();
        assert_eq!(got, want);
        m.retain(|k, _| k % 2 == 0);
        b.retain(|k, _| k % 2 == 0);
        assert!(m.keys().copied().eq(b.keys().copied()));
    }

    /// Against `BTreeSet`, and the difference of two sets.
    #[test]
    fn set_behaves_like_btreeset() {
        use super::VecSet;
        use alloc::collections::BTreeSet;
        let mut s: VecSet<u32> = VecSet::new();
        let mut b: BTreeSet<u32> = BTreeSet::new();
        let mut x = 777u32;
        for step in 0..3000u32 {
            x = x.wrapping_mul(1_103_515_245).wrapping_add(12345);
            let k = (x >> 16) % 100;
            if step % 3 == 2 {
                assert_eq!(s.remove(&k), b.remove(&k));
            } else {
                assert_eq!(s.insert(k), b.insert(k));
            }
        }
        assert!((&s).into_iter().eq(b.iter()));
        let t: VecSet<u32> = (0..100).filter(|k| k % 3 == 0).collect();
        let bt: BTreeSet<u32> = (&t).into_iter().copied().collect();
        let mut got = Vec::new();
        s.diff(&t, |k, added| got.push((*k, added)));
        let mut want: Vec<(u32, bool)> = b.difference(&bt).map(|k| (*k, false)).collect();
        want.extend(bt.difference(&b).map(|k| (*k, true)));
        assert_eq!(got, want);
        assert_eq!(s.first(), b.first());
    }

    #[test]
    fn set_collected_from_any_order_is_sorted_without_duplicates() {
        use super::VecSet;
        use alloc::collections::BTreeSet;
        let mut x = 4242u32;
        for len in [0usize, 1, 2, 7, 100, 1000] {
            let items: Vec<u32> = (0..len)
                .map(|_| {
                    x = x.wrapping_mul(1_103_515_245).wrapping_add(12345);
                    (x >> 16) % 300
                })
                .collect();
            for order in [items.clone(), items.iter().rev().copied().collect()] {
                let s: VecSet<u32> = order.iter().copied().collect();
                let b: BTreeSet<u32> = order.iter().copied().collect();
                assert!((&s).into_iter().eq(b.iter()), "{len}");
            }
        }
    }

    /// A map of one entry holds room for one, not a tree leaf's eleven.
    #[test]
    fn grows_by_half() {
        let mut m: VecMap<u32, [u8; 100]> = VecMap::new();
        m.insert(1, [0; 100]);
        assert_eq!(m.entries.capacity(), 1);
        for k in 2..=10 {
            m.insert(k, [0; 100]);
        }
        assert!(m.entries.capacity() <= 15);
    }
}
