//! Keys for the responder's tables: a name folded to lower case (RFC 6762 §16: names
//! match case-insensitively), the key of the registry's name index, and a fast hasher
//! with a fixed seed for it and for the multicast-time table.
//!
//! A received name is folded once into a buffer on the stack; it is then hashed a word
//! at a time and compared with `memcmp`, instead of walking its labels (and following
//! its compression pointers) again for every byte hashed and every comparison.

use crate::name::for_each_word;
use crate::name::Name;
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
        // A name in one piece (a question's, usually) is folded in one go.
        if let Some(wire) = name.in_place() {
            let len = wire.len().min(MAX_WIRE);
            // Length bytes are at most 63: lower-casing leaves them as they are.
            fold_into(&mut self.buf[..len], &wire[..len]);
            self.len = len;
            return;
        }
        // Else run by run (the labels up to each pointer).
        let mut len = 0;
        for run in name.runs() {
            // Validated on read: the whole name fits, root label included. Length
            // bytes are at most 63: lower-casing leaves them as they are.
            let Some(out) = self.buf.get_mut(len..len + run.len()) else {
                break;
            };
            fold_into(out, run);
            len += run.len();
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
        fold_into(&mut f.buf[..len], &wire[..len]);
        f
    }

    /// The folded wire form.
    #[inline]
    pub fn as_bytes(&self) -> &[u8] {
        &self.buf[..self.len]
    }
}

impl core::fmt::Debug for Folded {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "Folded({:?})", self.as_bytes())
    }
}

/// Eight bytes ASCII lower-cased at once: each byte in `A..=Z` gets bit 5 set, every
/// other byte (non-ASCII ones included) is left as it is.
#[inline]
pub(crate) fn lower_word(x: u64) -> u64 {
    const LOW7: u64 = 0x7f7f_7f7f_7f7f_7f7f;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let low = x & LOW7;
    // Per byte, no carry between bytes (at most 0x7f + 0x3f): the high bit says
    // `b >= b'A'`, then `b > b'Z'`.
    let at_least_a = low + 0x3f3f_3f3f_3f3f_3f3f;
    let past_z = low + 0x2525_2525_2525_2525;
    let upper = at_least_a & !past_z & !x & HIGH;
    x | (upper >> 2)
}

/// `dst = src` ASCII lower-cased, a word at a time (both the same length; a label or a
/// name in wire form, so short). Overlapping words are fine: folding is idempotent.
#[inline]
fn fold_into(dst: &mut [u8], src: &[u8]) {
    let n = src.len().min(dst.len());
    let (dst, src) = (&mut dst[..n], &src[..n]);
    let put = |dst: &mut [u8], at: usize, w: &[u8; 8]| {
        if let Some(d) = dst.get_mut(at..at + 8) {
            d.copy_from_slice(&lower_word(u64::from_le_bytes(*w)).to_le_bytes());
        }
    };
    if n >= 8 {
        let mut at = 0;
        while at + 8 < n {
            if let Some(w) = src[at..].first_chunk::<8>() {
                put(dst, at, w);
            }
            at += 8;
        }
        if let Some(w) = src[n - 8..].first_chunk::<8>() {
            put(dst, n - 8, w);
        }
    } else if n >= 4 {
        for at in [0, n - 4] {
            if let (Some(w), Some(d)) = (src[at..].first_chunk::<4>(), dst.get_mut(at..at + 4)) {
                let mut b = [0u8; 8];
                b[..4].copy_from_slice(w);
                let l = lower_word(u64::from_le_bytes(b)).to_le_bytes();
                d.copy_from_slice(&l[..4]);
            }
        }
    } else {
        for (o, &b) in dst.iter_mut().zip(src) {
            *o = b.to_ascii_lowercase();
        }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_name_folds_the_same_in_one_piece_and_compressed() {
        // 12: "My Printer._IPP._tcp.Local." in place; 40: "Kitchen" + a pointer to
        // its "_IPP._tcp.Local."; 50: a pointer to the first name.
        let mut m = alloc::vec![0u8; 12];
        m.extend_from_slice(b"\x0aMy Printer\x04_IPP\x04_tcp\x05Local\x00");
        m.extend_from_slice(b"\x07Kitchen\xc0\x17\xc0\x0c");
        let folded = |pos| {
            let (name, _) = NameRef::read(&m, pos).unwrap();
            let mut f = Folded::new();
            f.set_ref(&name);
            alloc::vec::Vec::from(f.as_bytes())
        };
        let want = |s: &str| {
            let name = Name::parse(s).unwrap();
            alloc::vec::Vec::from(Folded::of_name(&name).as_bytes())
        };
        assert_eq!(folded(12), b"\x0amy printer\x04_ipp\x04_tcp\x05local\x00");
        assert_eq!(folded(12), want("My Printer._IPP._tcp.Local"));
        assert_eq!(folded(40), want("kitchen._ipp._tcp.local"));
        assert_eq!(folded(50), folded(12));
    }

    #[test]
    fn fold_into_lowers_ascii_only_at_every_length() {
        // Every byte value, at every length and offset a label can have.
        let all: alloc::vec::Vec<u8> = (0..=255u8).chain(0..=255u8).collect();
        for len in 0..=63 {
            for start in 0..(all.len() - len) {
                let src = &all[start..start + len];
                let mut dst = [0u8; 63];
                fold_into(&mut dst[..len], src);
                let want: alloc::vec::Vec<u8> = src.iter().map(u8::to_ascii_lowercase).collect();
                assert_eq!(&dst[..len], &want[..], "len {len} start {start}");
            }
        }
    }
}
