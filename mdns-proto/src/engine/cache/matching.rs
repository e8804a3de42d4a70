//! Matching received records with stored ones: where an owner name was found in the
//! message being read ([`OwnerMemo`]), whether a stored name is a received one in
//! exactly the same case, and the fingerprint the cache's index finds a record's data
//! by, and whether stored data is received data (bytes a word at a time, else parsed
//! when they differ in case only). What is stored and how records are filed are
//! [`super`]'s.

use super::names::{words_eq, NameId, Names};
use super::record::Slot;
use crate::engine::io::InterfaceId;
use crate::engine::responder::fold::{lower_word, WordState};
use crate::name::for_each_word;
use crate::wire::{NameRef, RData, Rtype};
use alloc::boxed::Box;
use alloc::vec::Vec;
use core::hash::{BuildHasher, Hasher};

/// The owner names of one message looked up so far, by where the name is read from
/// in the message (records of one name share its place: the owner of an SRV, TXT and
/// NSEC, of an A, AAAA and NSEC). Start one per message: the places mean nothing in
/// another.
#[derive(Debug, Default)]
pub struct OwnerMemo {
    /// (offset in the message, name), in no order; the oldest is replaced when full
    /// (a response of a few services owns a dozen names or so, in runs).
    owners: [(u16, NameId); 6],
    len: u8,
    /// Where the next one goes once full.
    next: u8,
    /// [`Names::frees`] when filled: a name dropped since empties it.
    pub(super) frees: u64,
}

impl OwnerMemo {
    /// An empty memo, good while [`Names::frees`](super::names::Names::frees) is `frees`.
    pub(super) fn new(frees: u64) -> Self {
        OwnerMemo {
            frees,
            ..OwnerMemo::default()
        }
    }

    /// Brings the memo up to date with the names stored (`names`): if one name was
    /// dropped since it was filled, that name is forgotten (its id may be given to
    /// another); if more were, everything is.
    #[inline]
    pub(super) fn sync(&mut self, names: &Names) {
        let frees = names.frees();
        if self.frees == frees {
            return;
        }
        match names.last_freed() {
            Some(gone) if self.frees + 1 == frees => {
                let mut kept = 0;
                for i in 0..usize::from(self.len) {
                    if self.owners[i].1 != gone {
                        self.owners[kept] = self.owners[i];
                        kept += 1;
                    }
                }
                self.len = kept as u8;
                self.next = self.len % self.owners.len() as u8;
                self.frees = frees;
            }
            _ => *self = OwnerMemo::new(frees),
        }
    }

    #[inline]
    pub(super) fn get(&self, name: &NameRef<'_>) -> Option<NameId> {
        let at = name.offset() as u16;
        self.owners[..usize::from(self.len)]
            .iter()
            .find(|e| e.0 == at)
            .map(|e| e.1)
    }

    /// Remembers `name` (not in the memo) as `id`.
    #[inline]
    pub(super) fn put(&mut self, name: &NameRef<'_>, id: NameId) {
        let n = self.owners.len() as u8;
        self.owners[usize::from(self.next)] = (name.offset() as u16, id);
        self.next = (self.next + 1) % n;
        self.len = (self.len + 1).min(n);
    }
}

/// The uncompressed wire form of a received owner name, in the case received.
pub(super) fn received_wire(name: &NameRef<'_>) -> Box<[u8]> {
    let mut v = Vec::with_capacity(name.wire_len());
    name.write_uncompressed(&mut v);
    v.into_boxed_slice()
}

/// True if `wire` is `name` in exactly the same case.
pub(super) fn same_case(wire: &[u8], name: &NameRef<'_>) -> bool {
    if let Some(w) = name.in_place() {
        return w == wire;
    }
    let mut rest = wire;
    for label in name.labels() {
        match rest.split_first() {
            Some((&len, tail)) if usize::from(len) == label.len() && tail.starts_with(label) => {
                rest = &tail[label.len()..];
            }
            _ => return false,
        }
    }
    rest == [0]
}

/// A hash of (name, type, interface, data in canonical form) equal for any two records
/// [`same_data`] calls the same: the data is hashed ASCII lower-cased (names in it
/// compare case-insensitively; data differing only in the case of other bytes collides
/// and costs a comparison).
pub(super) fn fingerprint(owner: NameId, rtype: Rtype, iface: InterfaceId, data: &[u8]) -> u64 {
    let mut h = WordState.build_hasher();
    h.write_u64(u64::from(owner) | u64::from(rtype.0) << 32);
    h.write_u32(iface.0);
    h.write_usize(data.len());
    for_each_word(data, |w| h.write_u64(lower_word(w)));
    let h = h.finish();
    h ^ (h >> 32)
}

/// [`fingerprint`] of a stored record.
pub(super) fn slot_fingerprint(s: &Slot) -> u64 {
    fingerprint(s.owner, s.rtype, s.interface, &s.data)
}

/// True if stored canonical data `have` and received `want` are the same record data
/// of type `rtype`: bytes equal, or (names in data compare case-insensitively) equal
/// once parsed, when they differ in ASCII case only.
#[inline(always)]
pub(super) fn same_data(have: &[u8], want: &[u8], rtype: Rtype) -> bool {
    if have.len() != want.len() {
        return false;
    }
    if words_eq(have, want, |w| w) {
        return true;
    }
    if !have.eq_ignore_ascii_case(want) {
        return false;
    }
    same_data_parsed(have, want, rtype)
}

/// [`same_data`] for data that differs in ASCII case only: parsed and compared by
/// type (names case-insensitively, anything else exactly).
#[cold]
fn same_data_parsed(have: &[u8], want: &[u8], rtype: Rtype) -> bool {
    match (
        RData::parse(have, 0, have.len(), rtype),
        RData::parse(want, 0, want.len(), rtype),
    ) {
        (Ok(a), Ok(b)) => a.to_owned().matches(&b),
        _ => false,
    }
}
