//! Keys for the responder's tables: a name folded to lower case (RFC 6762 §16: names
//! match case-insensitively), the key of the registry's name index, and a fast hasher
//! with a fixed seed for it and for the multicast-time table.
//!
//! A received name is folded once into a buffer on the stack; it is then hashed a word
//! at a time and compared with `memcmp`, instead of walking its labels (and following
//! its compression pointers) again for every byte hashed and every comparison.

use crate::name::Name;
use crate::util::for_each_word;
use crate::wire::NameRef;
use core::hash::{BuildHasher, Hasher};

/// Longest name in wire form (RFC 1035 §2.3.4: 255 bytes), root label included.
const MAX_WIRE: usize = 255;

/// A name in uncompressed wire form, ASCII lower-cased.
pub(crate) struct Folded {
    buf: [u8; MAX_WIRE],
    len: usize,
}

impl Folded {
    /// An empty buffer, to fold names into with [`set_ref`](Self::set_ref) (one buffer
    /// for several names saves zeroing and moving it for each).
    #[inline]
    pub fn new() -> Self {
        Folded {
            buf: [0; MAX_WIRE],
            len: 0,
        }
    }

    /// Folds a name read in place from a message.
    #[inline]
    pub fn of_ref(name: &NameRef<'_>) -> Self {
        let mut f = Folded::new();
        f.set_ref(name);
        f
    }

    /// Replaces the content with `name` (read in place from a message), folded.
    #[inline]
    pub fn set_ref(&mut self, name: &NameRef<'_>) {
        let mut len = 0;
        for label in name.labels() {
            // Validated on read: the whole name fits, root label included.
            let Some(out) = self.buf.get_mut(len..len + 1 + label.len()) else {
                break;
            };
            out[0] = label.len() as u8;
            // Byte by byte: labels are short, a `memcpy` call per label cost more.
            for (o, &b) in out[1..].iter_mut().zip(label) {
                *o = b.to_ascii_lowercase();
            }
            len += 1 + label.len();
        }
        // The root label.
        len = len.min(MAX_WIRE - 1);
        self.buf[len] = 0;
        self.len = len + 1;
    }

    /// Folds an owned name.
    #[inline]
    pub fn of_name(name: &Name) -> Self {
        let wire = name.as_wire();
        let len = wire.len().min(MAX_WIRE);
        let mut f = Folded {
            buf: [0; MAX_WIRE],
            len,
        };
        // Length bytes are at most 63: lower-casing leaves them as they are.
        for (o, &b) in f.buf[..len].iter_mut().zip(wire) {
            *o = b.to_ascii_lowercase();
        }
        f
    }

    /// The folded wire form.
    #[inline]
    pub fn as_bytes(&self) -> &[u8] {
        &self.buf[..self.len]
    }
}

/// Builds [`WordHasher`]s: the same in every run (no iteration order of the table it
/// serves ever reaches a packet).
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct WordState;

impl BuildHasher for WordState {
    type Hasher = WordHasher;
    fn build_hasher(&self) -> WordHasher {
        WordHasher(0)
    }
}

/// A multiply-rotate hasher taking each integer whole and bytes eight at a time (as
/// FxHash does): the multicast table is keyed by a few small integers and the name
/// index by names, which byte-at-a-time FNV hashed at several times the cost.
#[derive(Clone, Copy, Debug)]
pub(crate) struct WordHasher(u64);

impl WordHasher {
    /// The FxHash multiplier.
    const K: u64 = 0x517c_c1b7_2722_0a95;

    #[inline]
    fn mix(&mut self, w: u64) {
        self.0 = (self.0.rotate_left(5) ^ w).wrapping_mul(Self::K);
    }
}

impl Hasher for WordHasher {
    #[inline]
    fn finish(&self) -> u64 {
        self.0
    }
    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        // Eight bytes at a time (the length is hashed first by every caller here,
        // `[u8]`'s `Hash`).
        for_each_word(bytes, |w| self.mix(w));
    }
    #[inline]
    fn write_u8(&mut self, i: u8) {
        self.mix(u64::from(i));
    }
    #[inline]
    fn write_u16(&mut self, i: u16) {
        self.mix(u64::from(i));
    }
    #[inline]
    fn write_u32(&mut self, i: u32) {
        self.mix(u64::from(i));
    }
    #[inline]
    fn write_u64(&mut self, i: u64) {
        self.mix(i);
    }
    #[inline]
    fn write_u128(&mut self, i: u128) {
        self.mix(i as u64);
        self.mix((i >> 64) as u64);
    }
    #[inline]
    fn write_usize(&mut self, i: usize) {
        self.mix(i as u64);
    }
    #[inline]
    fn write_isize(&mut self, i: isize) {
        self.mix(i as u64);
    }
}
