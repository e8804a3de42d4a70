//! One cached record as the cache stores it ([`Slot`]) and as the querier reads it
//! ([`Record`]).
//!
//! Record data is kept in the compact form [`RData::write_canonical`] gives (names
//! uncompressed, case as received) and read back with [`RData::parse`], so this module
//! needs no knowledge of record types. Short data (an address, an SRV or PTR of a short
//! name, an NSEC of one) is kept in the slot itself ([`super::bytes`]): finding a
//! record by its data then reads one place in memory, not two (on a big LAN, every
//! cache is far bigger than a CPU cache). The owner name is stored once for all its
//! records ([`super::names`]). Timers and list links are the cache's ([`super`]).

use super::bytes::Data;
use super::names::NameId;
use crate::engine::io::InterfaceId;
use crate::name::Name;
use crate::time::Instant;
use crate::wire::ToLabels;
use crate::wire::{RData, Rtype};

/// End of a list of records.
pub(super) const NIL: u32 = u32::MAX;
/// A time that never comes: no refresh point.
pub(super) const NEVER: Instant = Instant::from_micros(u64::MAX);

/// Flag: the slot holds a record.
pub(super) const LIVE: u8 = 1;
/// Flag: sent with the cache-flush bit.
pub(super) const UNIQUE: u8 = 2;
/// Flag: an operation wants the records of its name and type.
pub(super) const INTERESTED: u8 = 4;
/// Flag: its owner name arrived in another case than the shared name's, kept apart.
pub(super) const OWN_CASE: u8 = 8;
/// Flag: being reconfirmed (RFC 6762 §10.4): it goes at its reconfirmation deadline
/// unless received again, and is no known answer meanwhile.
pub(super) const RECONFIRM: u8 = 16;

/// A record in the cache's slab. 88 bytes (its data up to
/// [`INLINE`](super::bytes::INLINE) bytes included), and the data's allocation if
/// longer.
#[derive(Debug)]
pub(super) struct Slot {
    /// When it was last received.
    pub received: Instant,
    /// When it goes.
    pub expires: Instant,
    /// Its next refresh point, or [`NEVER`].
    pub next_refresh: Instant,
    pub data: Data,
    pub owner: NameId,
    pub interface: InterfaceId,
    /// TTL it was received with, in seconds (0 after a goodbye).
    pub ttl: u32,
    /// The records of the same name and type before and after it, or [`NIL`].
    pub prev: u32,
    pub next: u32,
    pub rtype: Rtype,
    /// [`LIVE`], [`UNIQUE`], [`INTERESTED`], [`OWN_CASE`], [`RECONFIRM`].
    pub flags: u8,
    /// Index into [`REFRESH_PERCENTS`](super::REFRESH_PERCENTS) of the next refresh point.
    pub refresh_step: u8,
}

impl Slot {
    /// An empty slot.
    pub fn vacant() -> Self {
        Slot {
            received: Instant::ZERO,
            expires: Instant::ZERO,
            next_refresh: NEVER,
            data: Data::default(),
            owner: 0,
            interface: InterfaceId(0),
            ttl: 0,
            prev: NIL,
            next: NIL,
            rtype: Rtype(0),
            flags: 0,
            refresh_step: 0,
        }
    }

    #[inline]
    pub fn is(&self, flag: u8) -> bool {
        self.flags & flag != 0
    }

    #[inline]
    pub fn set(&mut self, flag: u8, on: bool) {
        if on {
            self.flags |= flag;
        } else {
            self.flags &= !flag;
        }
    }

    /// The next refresh point, if any.
    #[inline]
    pub fn refresh(&self) -> Option<Instant> {
        (self.next_refresh != NEVER).then_some(self.next_refresh)
    }
}

/// A cached record, read from the cache.
#[derive(Clone, Copy, Debug)]
pub struct Record<'a> {
    pub(super) slot: &'a Slot,
    pub(super) owner: &'a [u8],
}

impl<'a> Record<'a> {
    /// Owner name, in the case it arrived in when the record was added.
    pub fn name(&self) -> Name {
        Name::from_valid_wire(self.owner)
    }

    /// Owner name, for writing into a message without building a [`Name`].
    pub fn owner(&self) -> StoredName<'a> {
        StoredName {
            wire: self.owner,
            hashes: None,
        }
    }

    /// Type.
    pub fn rtype(&self) -> Rtype {
        self.slot.rtype
    }

    /// Data, read in place (names in it in the case received). `None` only if the
    /// stored form does not parse, which a record read from a packet cannot cause.
    pub fn data(&self) -> Option<RData<'a>> {
        let d = self.slot.data.as_slice();
        RData::parse(d, 0, d.len(), self.slot.rtype).ok()
    }

    /// Data in canonical form (names uncompressed, in the case received), for
    /// [`MessageWriter::push_record_canonical`](crate::wire::MessageWriter::push_record_canonical).
    pub fn canonical_data(&self) -> &'a [u8] {
        &self.slot.data
    }

    /// Interface it was received on.
    pub fn interface(&self) -> InterfaceId {
        self.slot.interface
    }

    /// Sent with the cache-flush bit: a member of a unique RRset.
    pub fn unique(&self) -> bool {
        self.slot.is(UNIQUE)
    }

    /// TTL it was received with, in seconds (0 after a goodbye).
    pub fn ttl(&self) -> u32 {
        self.slot.ttl
    }

    /// When it was last received.
    pub fn received(&self) -> Instant {
        self.slot.received
    }

    /// When it goes.
    pub fn expires(&self) -> Instant {
        self.slot.expires
    }

    /// Seconds of TTL left at `now`, rounded down.
    pub fn remaining_ttl(&self, now: Instant) -> u32 {
        u32::try_from((self.slot.expires - now).as_secs()).unwrap_or(u32::MAX)
    }

    /// True if a known-answer list may carry it at `now` (RFC 6762 §7.1): a shared
    /// record (a unique one is answered, not listed) with at least half its TTL left.
    #[inline]
    pub fn is_known_answer(&self, now: Instant) -> bool {
        !self.unique() && self.half_ttl_left(now)
    }

    /// True if at least half the original TTL is left: such a record goes in a
    /// known-answer list (RFC 6762 §7.1). Never for a record being reconfirmed
    /// (RFC 6762 §10.4): listed, it would silence the very answer that keeps it.
    pub fn half_ttl_left(&self, now: Instant) -> bool {
        self.slot.ttl > 0
            && !self.slot.is(RECONFIRM)
            && u64::from(self.remaining_ttl(now)) * 2 >= u64::from(self.slot.ttl)
    }
}

/// A stored owner name in wire form, written into a message as it is.
#[derive(Clone, Copy, Debug)]
pub struct StoredName<'a> {
    wire: &'a [u8],
    /// The writer's hashes of it, once computed (see [`hashed`](Self::hashed)).
    hashes: Option<[u32; 2]>,
}

impl<'a> StoredName<'a> {
    /// The same name with the writer's hashes of it computed, for writing it many
    /// times (the owner of every known answer of one question).
    pub fn hashed(self) -> Self {
        StoredName {
            hashes: Some(crate::name::wire_hashes_of(self.wire)),
            ..self
        }
    }

    /// True if both are the very same stored name (not only equal).
    pub fn is(&self, other: &StoredName<'_>) -> bool {
        core::ptr::eq(self.wire, other.wire)
    }
}

impl ToLabels for StoredName<'_> {
    fn for_labels(&self) -> impl Iterator<Item = &[u8]> {
        let mut rest = self.wire;
        core::iter::from_fn(move || {
            let (&len, tail) = rest.split_first()?;
            let label = tail.get(..usize::from(len)).filter(|_| len > 0)?;
            rest = &tail[label.len()..];
            Some(label)
        })
    }

    #[inline]
    fn wire_form(&self) -> Option<&[u8]> {
        Some(self.wire)
    }

    #[inline]
    fn wire_hashes(&self) -> Option<[u32; 2]> {
        self.hashes
    }
}

impl super::Cache {
    /// [`entry`](Self::entry), inlined always: for the known-answer writer, which
    /// reads one per record it lists (a call each was 3 % of a query's instructions).
    #[inline(always)]
    pub fn entry_inlined(&self, id: super::EntryId) -> Option<Record<'_>> {
        let slot = self.slots.get(id as usize).filter(|s| s.is(LIVE))?;
        Some(Record {
            slot,
            owner: self.owner_wire(id, slot),
        })
    }

    /// The interface live record `id` was learnt on (its slot only read).
    #[inline]
    pub fn interface_of(&self, id: super::EntryId) -> Option<InterfaceId> {
        self.slots
            .get(id as usize)
            .filter(|s| s.is(LIVE))
            .map(|s| s.interface)
    }

    /// True if `ids` (each once) include every record of (`owner`, `rtype`), and all
    /// of them were learnt on `iface`: then no record of that name and type lies
    /// outside them. Each id's slot is read on its own, not by walking the list
    /// record to record, so the reads overlap (on a big LAN, each is a cache miss).
    pub fn all_among(
        &self,
        owner: super::Owner,
        rtype: Rtype,
        iface: InterfaceId,
        ids: impl Iterator<Item = super::EntryId>,
    ) -> bool {
        let Some(list) = self.names.list(owner.0, rtype) else {
            return true;
        };
        let of_list = |id: super::EntryId| {
            self.slots.get(id as usize).is_some_and(|s| {
                s.is(LIVE) && s.owner == owner.0 && s.rtype == rtype && s.interface == iface
            })
        };
        ids.filter(|&id| of_list(id)).count() == list.len as usize
    }

    /// True if `id` is a live record learnt on `iface` that a known-answer list may
    /// carry at `now` (shared, half its TTL left: [`Record::is_known_answer`]). Reads
    /// the record's slot only, not its owner name: a question's list is checked record
    /// by record, and the owner is the question's.
    #[inline]
    pub fn lists_as_known_answer(
        &self,
        id: super::EntryId,
        iface: InterfaceId,
        now: Instant,
    ) -> bool {
        self.slots
            .get(id as usize)
            .filter(|s| s.is(LIVE) && s.interface == iface)
            .is_some_and(|slot| Record { slot, owner: &[] }.is_known_answer(now))
    }
}
