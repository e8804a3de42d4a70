//! Small helpers with no protocol meaning: a fixed-seed hasher, so that hash maps in
//! the core behave the same in every run (their iteration order never reaches a
//! packet anyway; the fixed seed keeps even timing and memory identical), and a
//! borrowed form of the (name, type) key for lookups without cloning the name.

use crate::name::Name;
use crate::wire::Rtype;
use core::hash::{BuildHasher, Hash, Hasher};

/// A borrowed `(Name, Rtype)` key: hashes and compares like the owned tuple.
#[derive(Clone, Copy, Debug)]
pub struct KeyRef<'a>(pub &'a Name, pub Rtype);

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

/// FNV-1a, 64 bit.
#[derive(Clone, Copy, Debug)]
pub struct Fnv(u64);

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
pub struct FixedState;

impl BuildHasher for FixedState {
    type Hasher = Fnv;
    fn build_hasher(&self) -> Fnv {
        Fnv::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_ref_finds_the_owned_key() {
        let mut m: hashbrown::HashMap<(Name, Rtype), u8, FixedState> =
            hashbrown::HashMap::with_hasher(FixedState);
        m.insert((Name::parse("Box.local").unwrap(), Rtype::A), 7);
        let probe = Name::parse("box.LOCAL").unwrap();
        assert_eq!(m.get(&KeyRef(&probe, Rtype::A)), Some(&7));
        assert_eq!(m.get(&KeyRef(&probe, Rtype::AAAA)), None);
    }
}
