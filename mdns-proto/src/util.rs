//! Small helpers with no protocol meaning: a fixed-seed hasher, so that hash maps in
//! the core behave the same in every run (their iteration order never reaches a
//! packet anyway; the fixed seed keeps even timing and memory identical), and borrowed
//! forms of the name and (name, type) keys for lookups without cloning a name or
//! building one from a received message; and a stable sort for the short, bounded lists
//! the schedules keep (one small loop per element type, where `sort_by_key` instantiates
//! kilobytes of code per type: it counts on a microcontroller). (The word-at-a-time
//! comparison of short byte strings is [`crate::wire`]'s; the word-at-a-time feed of the
//! names' own hashes is [`crate::name`]'s.)

use crate::name::Name;
use crate::wire::{NameRef, Rtype};
use core::hash::{BuildHasher, Hash, Hasher};

/// A borrowed `(Name, Rtype)` key: hashes and compares like the owned tuple.
#[derive(Clone, Copy, Debug)]
pub(crate) struct KeyRef<'a>(pub &'a Name, pub Rtype);

impl Hash for KeyRef<'_> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        // Same as the derived `Hash` of `(Name, Rtype)`.
        self.0.hash(state);
        self.1.hash(state);
    }
}

impl hashbrown::Equivalent<(Name, Rtype)> for KeyRef<'_> {
    fn equivalent(&self, key: &(Name, Rtype)) -> bool {
        self.1 == key.1 && *self.0 == key.0
    }
}

/// A name read in place, looked up in a map keyed by [`Name`] without building one:
/// hashes exactly as `Name`'s `Hash` does (its wire form, lower-cased) and compares
/// case-insensitively.
#[derive(Clone, Copy, Debug)]
pub(crate) struct RefKey<'a>(pub NameRef<'a>);

impl Hash for RefKey<'_> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        state.write_usize(self.0.wire_len());
        for label in self.0.labels() {
            state.write_u8(label.len() as u8);
            for b in label {
                state.write_u8(b.to_ascii_lowercase());
            }
        }
        state.write_u8(0);
    }
}

impl hashbrown::Equivalent<Name> for RefKey<'_> {
    fn equivalent(&self, key: &Name) -> bool {
        self.0.eq_name(key)
    }
}

/// A `(name read in place, type)` key: hashes and compares like `(Name, Rtype)`.
#[derive(Clone, Copy, Debug)]
pub(crate) struct RefKeyType<'a>(pub NameRef<'a>, pub Rtype);

impl Hash for RefKeyType<'_> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        RefKey(self.0).hash(state);
        self.1.hash(state);
    }
}

impl hashbrown::Equivalent<(Name, Rtype)> for RefKeyType<'_> {
    fn equivalent(&self, key: &(Name, Rtype)) -> bool {
        self.1 == key.1 && self.0.eq_name(&key.0)
    }
}

/// FNV-1a, 64 bit.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Fnv(u64);

impl Default for Fnv {
    fn default() -> Self {
        Fnv(0xcbf2_9ce4_8422_2325)
    }
}

impl Hasher for Fnv {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 ^= u64::from(b);
            self.0 = self.0.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
}

/// Builds [`Fnv`] hashers; the same in every run.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct FixedState;

impl BuildHasher for FixedState {
    type Hasher = Fnv;
    fn build_hasher(&self) -> Fnv {
        Fnv::default()
    }
}

/// Sorts `v` by `key`, keeping equal elements in their order (like `sort_by_key`), by
/// insertion: quadratic, so only for lists with a small bound (held or observed
/// queries, at most 32).
pub(crate) fn sort_small_by_key<T, K: Ord>(v: &mut [T], key: impl Fn(&T) -> K) {
    for i in 1..v.len() {
        let mut j = i;
        while j > 0 && key(&v[j - 1]) > key(&v[j]) {
            v.swap(j - 1, j);
            j -= 1;
        }
    }
}

/// Sorts `v` by `less` (unstable), with a heapsort: O(n log n) and a few hundred
/// bytes of code per element type where `sort_unstable` instantiates one to two
/// kilobytes (embedded/README.md). For every sort in the core outside the cache: the
/// lists sorted on hot paths (the responder's answers) are almost always in order
/// already and checked before sorting.
pub(crate) fn heap_sort_by<T>(v: &mut [T], less: impl Fn(&T, &T) -> bool) {
    // Moves `v[i]` down the heap of the first `n` elements.
    let sift = |v: &mut [T], mut i: usize, n: usize| loop {
        let mut child = 2 * i + 1;
        if child >= n {
            break;
        }
        if child + 1 < n && less(&v[child], &v[child + 1]) {
            child += 1;
        }
        if !less(&v[i], &v[child]) {
            break;
        }
        v.swap(i, child);
        i = child;
    };
    let n = v.len();
    for i in (0..n / 2).rev() {
        sift(v, i, n);
    }
    for end in (1..n).rev() {
        v.swap(0, end);
        sift(v, 0, end);
    }
}

/// [`heap_sort_by`] in the elements' order.
pub(crate) fn heap_sort<T: Ord>(v: &mut [T]) {
    heap_sort_by(v, |a, b| a < b);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn heap_sort_sorts() {
        let mut x = 99u32;
        for len in 0..200usize {
            let mut v: alloc::vec::Vec<u32> = (0..len)
                .map(|_| {
                    x = x.wrapping_mul(1_103_515_245).wrapping_add(12345);
                    (x >> 16) % 50
                })
                .collect();
            let mut want = v.clone();
            want.sort_unstable();
            heap_sort(&mut v);
            assert_eq!(v, want);
        }
    }

    #[test]
    fn sort_small_by_key_is_sort_by_key() {
        // Every list of up to 7 elements over 3 keys, each tagged with its position.
        for len in 0..=7u32 {
            for code in 0..3u32.pow(len) {
                let v: alloc::vec::Vec<(u32, u32)> =
                    (0..len).map(|i| ((code / 3u32.pow(i)) % 3, i)).collect();
                let mut ours = v.clone();
                sort_small_by_key(&mut ours, |e| e.0);
                let mut std = v;
                std.sort_by_key(|e| e.0);
                assert_eq!(ours, std);
            }
        }
    }

    #[test]
    fn key_ref_finds_the_owned_key() {
        let mut m: hashbrown::HashMap<(Name, Rtype), u8, FixedState> =
            hashbrown::HashMap::with_hasher(FixedState);
        m.insert((Name::parse("Box.local").unwrap(), Rtype::A), 7);
        let probe = Name::parse("box.LOCAL").unwrap();
        assert_eq!(m.get(&KeyRef(&probe, Rtype::A)), Some(&7));
        assert_eq!(m.get(&KeyRef(&probe, Rtype::AAAA)), None);
    }

    #[test]
    fn names_read_in_place_find_the_owned_keys() {
        // "\x03Box\x05local\x00" at 12, then "\x05other" + a pointer to "local" at 16.
        let mut msg = alloc::vec![0u8; 12];
        msg.extend_from_slice(b"\x03Box\x05local\x00\x05other\xc0\x10");
        let (boxed, _) = NameRef::read(&msg, 12).unwrap();
        let (other, _) = NameRef::read(&msg, 23).unwrap();
        let mut pairs: hashbrown::HashMap<(Name, Rtype), u8, FixedState> =
            hashbrown::HashMap::with_hasher(FixedState);
        pairs.insert((Name::parse("box.LOCAL").unwrap(), Rtype::A), 7);
        assert_eq!(pairs.get(&RefKeyType(boxed, Rtype::A)), Some(&7));
        assert_eq!(pairs.get(&RefKeyType(boxed, Rtype::AAAA)), None);
        assert_eq!(pairs.get(&RefKeyType(other, Rtype::A)), None);
        let mut names: hashbrown::HashMap<Name, u8, FixedState> =
            hashbrown::HashMap::with_hasher(FixedState);
        names.insert(Name::parse("OTHER.local").unwrap(), 9);
        assert_eq!(names.get(&RefKey(other)), Some(&9));
        assert_eq!(names.get(&RefKey(boxed)), None);
    }
}
