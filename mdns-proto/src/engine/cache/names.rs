//! The cache's owner names, each stored once however many records it owns, with the
//! records of each type it owns (the heads and tails of lists threaded through the
//! records, in arrival order).
//!
//! A name is found by its wire form folded to lower case (RFC 6762 §16: names match
//! case-insensitively), hashed a word at a time; it keeps the case it first arrived
//! in. A name goes when its last record does. Which records exist and how they are
//! linked is [`super`]'s business; names in record data are kept in the data
//! ([`super::record`]).

use super::bytes::Data;
use super::index::FpIndex;
use crate::engine::responder::fold::{lower_word, Folded, WordState};
use crate::wire::Rtype;
use alloc::boxed::Box;
use alloc::vec::Vec;
use core::hash::{BuildHasher, Hasher};
use smallvec::SmallVec;

/// Index of a name in [`Names`].
pub(super) type NameId = u32;

/// The records of one name and type: the first and last in arrival order, and how
/// many.
#[derive(Clone, Copy, Debug)]
pub(super) struct TypeList {
    pub rtype: Rtype,
    pub head: u32,
    pub tail: u32,
    pub len: u32,
}

#[derive(Debug)]
struct NameSlot {
    /// Uncompressed wire form, in the case it first arrived in (a short one in place:
    /// a look-up then reads one place in memory, not two).
    wire: Data,
    /// [`hash`] of the folded wire form.
    hash: u64,
    /// One list per type the name owns records of (usually one to three).
    lists: SmallVec<[TypeList; 1]>,
}

/// The names that own cached records.
#[derive(Debug)]
pub(super) struct Names {
    slots: Vec<Option<NameSlot>>,
    free: Vec<NameId>,
    index: FpIndex,
    /// Names dropped so far: an id looked up before is good while this stays.
    frees: u64,
    /// The id of the name dropped last (when `frees` last went up).
    last_freed: NameId,
    /// Most names it will hold (the cache's capacity: a name owns a record at least).
    cap: usize,
}

/// The hash a folded wire form is found by.
#[inline]
pub(super) fn hash(folded: &[u8]) -> u64 {
    let mut h = WordState.build_hasher();
    h.write_usize(folded.len());
    h.write(folded);
    let h = h.finish();
    // The multiply leaves the low bits (the table's bucket index) weakest.
    h ^ (h >> 32)
}

impl Names {
    /// No names, room for up to `cap` to come.
    pub fn new(cap: usize) -> Self {
        Names {
            slots: Vec::new(),
            free: Vec::new(),
            index: FpIndex::default(),
            frees: 0,
            last_freed: 0,
            cap,
        }
    }

    /// The name whose folded wire form is `folded` (hashed `hash`), if stored.
    #[inline]
    pub fn find(&self, folded: &[u8], hash: u64) -> Option<NameId> {
        let slots = &self.slots;
        self.index.find(hash, |id| {
            slots[id as usize]
                .as_ref()
                .is_some_and(|s| words_eq(&s.wire, folded, lower_word))
        })
    }

    /// [`find`](Self::find) of an owned name's or a name read in place's folded form:
    /// `fold` is the buffer to fold into.
    pub fn find_folded(&self, fold: &Folded) -> Option<NameId> {
        let folded = fold.as_bytes();
        self.find(folded, hash(folded))
    }

    /// Stores a name not stored yet (`find` said so): its folded form's `hash` and its
    /// wire form as received.
    pub fn insert(&mut self, hash: u64, wire: Box<[u8]>) -> NameId {
        let slot = NameSlot {
            wire: Data::from_box(wire),
            hash,
            lists: SmallVec::new(),
        };
        let id = match self.free.pop() {
            Some(id) => {
                self.slots[id as usize] = Some(slot);
                id
            }
            None => {
                super::grow::reserve_one(&mut self.slots, self.cap);
                self.slots.push(Some(slot));
                (self.slots.len() - 1) as NameId
            }
        };
        self.index.insert(hash, id);
        id
    }

    /// The wire form of a stored name, in the case it first arrived in.
    #[inline(always)]
    pub fn wire(&self, id: NameId) -> &[u8] {
        self.slots
            .get(id as usize)
            .and_then(Option::as_ref)
            .map_or(&[], |s| s.wire.as_slice())
    }

    /// The list of `id`'s records of type `rtype`, if it owns any.
    #[inline]
    pub fn list(&self, id: NameId, rtype: Rtype) -> Option<TypeList> {
        self.slots
            .get(id as usize)?
            .as_ref()?
            .lists
            .iter()
            .find(|l| l.rtype == rtype)
            .copied()
    }

    /// Sets the list of `id`'s records of type `rtype` (adding it if new).
    pub fn set_list(&mut self, id: NameId, list: TypeList) {
        let Some(slot) = self.slots.get_mut(id as usize).and_then(Option::as_mut) else {
            return;
        };
        match slot.lists.iter_mut().find(|l| l.rtype == list.rtype) {
            Some(l) => *l = list,
            None => slot.lists.push(list),
        }
    }

    /// Drops the (now empty) list of `id`'s records of type `rtype`; the name goes
    /// with its last list.
    pub fn drop_list(&mut self, id: NameId, rtype: Rtype) {
        let Some(slot) = self.slots.get_mut(id as usize).and_then(Option::as_mut) else {
            return;
        };
        slot.lists.retain(|l| l.rtype != rtype);
        if !slot.lists.is_empty() {
            return;
        }
        let hash = slot.hash;
        self.index.remove(hash, id);
        self.slots[id as usize] = None;
        self.free.push(id);
        self.frees += 1;
        self.last_freed = id;
    }

    /// Names dropped so far.
    #[inline]
    pub fn frees(&self) -> u64 {
        self.frees
    }

    /// The id of the name dropped last, if any was.
    #[inline]
    pub fn last_freed(&self) -> Option<NameId> {
        (self.frees > 0).then_some(self.last_freed)
    }

    /// Number of names stored.
    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.index.len()
    }
}

/// True if `a` and `b` (of the same length) are equal once `f` is applied to each
/// eight-byte word of `a`: compared a word at a time, inline (cheaper than a `memcmp`
/// call for the short strings of record data and names). The last word overlaps the
/// one before it; a string shorter than eight bytes is one word of its bytes.
#[inline]
pub(super) fn words_eq(a: &[u8], b: &[u8], f: impl Fn(u64) -> u64) -> bool {
    let n = a.len();
    if n != b.len() {
        return false;
    }
    let word = |s: &[u8], at: usize| match s.get(at..).and_then(|s| s.first_chunk::<8>()) {
        Some(w) => u64::from_le_bytes(*w),
        None => 0,
    };
    if n >= 8 {
        let mut at = 0;
        while at + 8 < n {
            if f(word(a, at)) != word(b, at) {
                return false;
            }
            at += 8;
        }
        f(word(a, n - 8)) == word(b, n - 8)
    } else {
        let small = |s: &[u8]| s.iter().fold(0u64, |w, &x| w << 8 | u64::from(x));
        f(small(a)) == small(b)
    }
}
