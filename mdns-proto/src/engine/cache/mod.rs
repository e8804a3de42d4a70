//! The record cache of the querier (RFC 6762 §10): records others sent us, keyed by
//! name and type, per interface, with their expiry, refresh and POOF timers.
//!
//! Rules implemented here:
//! - TTL expiry; a goodbye (TTL 0) makes a record expire one second later (RFC 6762 §10.1).
//! - Cache-flush (RFC 6762 §10.2): a record with the flush bit makes every other record
//!   of the same name, type and class on that interface that was received more than one
//!   second earlier expire one second from now; a lifetime is never extended by this.
//! - Refresh (RFC 6762 §5.2): at 80, 85, 90 and 95 % of the TTL, plus 0-2 % jitter, a
//!   record someone wants is due for a refresh query. Only those have refresh points: a
//!   record comes to have one when an operation comes to want it, and loses it when
//!   none wants it any more.
//! - POOF (RFC 6762 §10.5): two or more queries from others that should have been
//!   answered by a record, and no answer within ten seconds, flush it.
//! - Reconfirmation (RFC 6762 §10.4): a record an application found stale goes at a
//!   deadline unless it is received again first, and is no known answer meanwhile (the
//!   querier asks for it).
//! - A hard bound on the number of records. When full, the record to go is one of a
//!   source holding more than half the cache, if another holds records too
//!   (`sources`: one host announcing thousands of records cannot take the cache from
//!   the others); else the soonest-expiring one that no operation is interested in,
//!   else the soonest-expiring of all; ties go to the one that arrived first.
//!
//! Layout: records live in a slab (`record`); an owner name is stored once for all
//! its records (`names`), with per type a list of them threaded through the slab in
//! arrival order; a record's data is kept in its compact wire form. A record is found
//! by its data through a table keyed by a fingerprint of (name, type, interface,
//! data) (`index`), so the cost per received record grows neither with the cache nor with the
//! records sharing a name and type (a browsed service type's PTRs: thousands on a big
//! LAN).
//!
//! Timers are filed lazily in indexed heaps (`heap`): a renewal only ever moves a
//! record's expiry and refresh point later, so it leaves the record where it is filed
//! (filed time <= true time, always) and the record is re-filed when that earlier time
//! comes round. A renewal, the common case, then touches no heap. A change to an
//! earlier time (a goodbye, a flush, a shorter TTL) is filed at once. Records nobody
//! wants and records someone wants are filed in two heaps, so that eviction takes the
//! first of one and expiry the first of both.
//!
//! Which records answer which questions is the querier's business, not this module's.

mod batch;
mod bytes;
mod grow;
mod heap;
mod index;
mod matching;
mod names;
mod record;
mod sources;
mod timers;

pub use matching::OwnerMemo;
pub use record::{Record, StoredName};

use crate::engine::io::InterfaceId;
use crate::engine::responder::fold::Folded;
use crate::name::Name;
use crate::rand::Rng;
use crate::time::Instant;
use crate::util::FixedState;
use crate::wire::{self, NameRef, RData, Rtype};
use alloc::boxed::Box;
use alloc::collections::BTreeSet;
use alloc::vec::Vec;
use bytes::Data;
use core::net::IpAddr;
use core::time::Duration;
use grow::reserve_one;
use hashbrown::HashMap;
use heap::TimerHeap;
use index::FpIndex;
use matching::{fingerprint, received_wire, same_case, same_data, slot_fingerprint};
use names::{NameId, Names, TypeList};
use record::{Slot, INTERESTED, LIVE, NEVER, NIL, OWN_CASE, RECONFIRM, UNIQUE};
use smallvec::SmallVec;
use sources::{SourceId, Sources};

/// How long a goodbye or a cache-flush leaves a record in place (RFC 6762 §10.1,
/// RFC 6762 §10.2).
pub const FLUSH_DELAY: Duration = Duration::from_secs(1);
/// Window in which unanswered queries count towards POOF (RFC 6762 §10.5).
pub const POOF_WINDOW: Duration = Duration::from_secs(10);
/// Unanswered queries needed before POOF flushes a record (RFC 6762 §10.5).
pub const POOF_QUERIES: u8 = 2;
/// Queries for a record within this long of each other, or of the record's last
/// arrival, count once towards POOF: a querier's IPv4 and IPv6 copies of one query, or
/// a query that crossed a fresh answer on the wire, are not two unanswered queries.
pub const POOF_QUERY_GAP: Duration = Duration::from_secs(1);
/// Refresh points, in percent of the TTL (RFC 6762 §5.2).
pub const REFRESH_PERCENTS: [u64; 4] = [80, 85, 90, 95];
/// Random jitter added to each refresh point, in percent of the TTL (RFC 6762 §5.2).
pub const REFRESH_JITTER_PERCENT: u64 = 2;

/// Index of a record in the cache's slab.
pub type EntryId = u32;

/// A cached name, looked up once for several [`Cache::find_in`]s (see [`Cache::owner`]).
#[derive(Clone, Copy, Debug)]
pub struct Owner(NameId);

/// A removed record that an operation wanted: what the querier reports again. Its
/// data (in canonical form) tells a browse which instance went, without a scan of
/// every record left.
#[derive(Clone, Debug)]
pub struct Gone {
    /// Owner name.
    pub name: Name,
    /// Type.
    pub rtype: Rtype,
    /// Where it was learnt.
    pub interface: InterfaceId,
    /// Its data in canonical form ([`RData::write_canonical`]).
    pub data: SmallVec<[u8; 16]>,
}

/// What receiving a record did to the cache.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Change {
    /// A record that was not there.
    Added,
    /// A record that was there, its TTL renewed.
    Renewed,
    /// A goodbye: the record expires in one second.
    Goodbye,
    /// Nothing (a goodbye for a record we do not have, or not cacheable).
    None,
}

/// Most records of one name and type looked through one by one for a record with
/// given data; past that, the fingerprint index finds it.
const SCAN_MAX: u32 = 4;

/// Key a record is filed under for expiry and eviction: the time (its expiry, or an
/// earlier one it was filed at before a renewal) and its arrival order.
type ExpiryKey = (Instant, u64);

/// A record's POOF count in progress (RFC 6762 §10.5).
#[derive(Clone, Copy, Debug)]
struct Poof {
    queries: u8,
    deadline: Instant,
    last: Instant,
}

/// The cache.
#[derive(Debug)]
pub struct Cache {
    slots: Vec<Slot>,
    free: Vec<EntryId>,
    names: Names,
    /// Records by [`fingerprint`] of (name, type, interface, data).
    by_data: FpIndex,
    /// Records nobody wants, by expiry (filed lazily).
    evictable: TimerHeap<ExpiryKey>,
    /// Records someone wants, by expiry (filed lazily).
    wanted: TimerHeap<ExpiryKey>,
    /// Records by next refresh point (filed lazily).
    refresh: TimerHeap<Instant>,
    poof: HashMap<EntryId, Poof, FixedState>,
    poof_due: BTreeSet<(Instant, EntryId)>,
    /// Owner names of records that arrived in another case than their shared name's
    /// (a record keeps the case it was added in: a known answer is written in it).
    cases: HashMap<EntryId, Box<[u8]>, FixedState>,
    capacity: usize,
    len: usize,
    evictions: u64,
    next_seq: u64,
    evicted: Vec<Gone>,
    /// Scratch space: a received name folded, received data in canonical form.
    fold: Folded,
    data: Vec<u8>,
    /// Who sent the records, and by record id, whose each is.
    sources: Sources,
    source_of: Vec<SourceId>,
}

impl Cache {
    /// An empty cache holding at most `capacity` records (at least 1).
    pub fn new(capacity: usize) -> Self {
        Cache {
            slots: Vec::new(),
            free: Vec::new(),
            names: Names::new(capacity),
            by_data: FpIndex::default(),
            evictable: TimerHeap::new(capacity),
            wanted: TimerHeap::new(capacity),
            refresh: TimerHeap::new(capacity),
            poof: HashMap::with_hasher(FixedState),
            poof_due: BTreeSet::new(),
            cases: HashMap::with_hasher(FixedState),
            capacity: capacity.max(1),
            len: 0,
            evictions: 0,
            next_seq: 0,
            evicted: Vec::new(),
            fold: Folded::new(),
            data: Vec::new(),
            sources: Sources::default(),
            source_of: Vec::new(),
        }
    }

    /// The records received from now on (until the next call) were sent from `addr`
    /// (see `sources`).
    #[inline]
    pub fn set_source(&mut self, addr: IpAddr) {
        self.sources.set_current(addr);
    }

    /// Number of records.
    pub fn len(&self) -> usize {
        self.len
    }

    /// True if empty.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Records evicted so far because the cache was full.
    pub fn evictions(&self) -> u64 {
        self.evictions
    }

    /// One record.
    #[inline]
    pub fn entry(&self, id: EntryId) -> Option<Record<'_>> {
        self.entry_inlined(id)
    }

    /// The owner name of `id` (stored in `slot`) in the case it was added in. Inlined
    /// always: the known-answer writer reads one per record it lists.
    #[inline(always)]
    fn owner_wire(&self, id: EntryId, slot: &Slot) -> &[u8] {
        if slot.is(OWN_CASE) {
            if let Some(w) = self.cases.get(&id) {
                return w;
            }
        }
        self.names.wire(slot.owner)
    }

    /// Records of a name and type, on every interface, in arrival order.
    pub fn get<'a>(&'a self, name: &Name, rtype: Rtype) -> impl Iterator<Item = Record<'a>> + 'a {
        self.ids_iter(name, rtype)
            .filter_map(move |id| self.entry(id))
    }

    /// True if some record of a name read in place and a type is cached.
    pub fn holds(&self, name: &NameRef<'_>, rtype: Rtype) -> bool {
        self.len > 0
            && self
                .names
                .find_folded(&Folded::of_ref(name))
                .and_then(|n| self.names.list(n, rtype))
                .is_some()
    }

    /// Ids of the records of a name and type, in arrival order.
    pub fn ids(&self, name: &Name, rtype: Rtype) -> impl Iterator<Item = EntryId> + '_ {
        self.ids_iter(name, rtype)
    }

    fn ids_iter(&self, name: &Name, rtype: Rtype) -> ListIter<'_> {
        let head = if self.len == 0 {
            None
        } else {
            self.names
                .find_folded(&Folded::of_name(name))
                .and_then(|n| self.names.list(n, rtype))
        };
        ListIter {
            slots: &self.slots,
            next: head.map_or(NIL, |l| l.head),
            left: head.map_or(0, |l| l.len),
        }
    }

    /// The record of a name and type on one interface with data read in place (names
    /// in it compared case-insensitively), without scanning the other records of that
    /// name and type. (The engine finds through [`owner`](Self::owner) and
    /// [`find_in`](Self::find_in); the tests through this.)
    #[cfg(test)]
    pub fn find(
        &mut self,
        name: &Name,
        rtype: Rtype,
        iface: InterfaceId,
        data: &RData<'_>,
    ) -> Option<EntryId> {
        let owner = self.owner(name)?;
        self.find_in(owner, rtype, iface, data)
    }

    /// Where the records of `name` are filed, if any are cached: for finding many
    /// records of one name ([`find_in`](Self::find_in)) with the name looked up once.
    /// Good only until the cache next takes in or drops a record.
    pub fn owner(&self, name: &Name) -> Option<Owner> {
        if self.len == 0 {
            return None;
        }
        self.names.find_folded(&Folded::of_name(name)).map(Owner)
    }

    /// The record of a name already looked up with [`owner`](Self::owner), found by
    /// type, interface and data.
    pub fn find_in(
        &mut self,
        owner: Owner,
        rtype: Rtype,
        iface: InterfaceId,
        data: &RData<'_>,
    ) -> Option<EntryId> {
        self.data.clear();
        data.write_canonical(&mut self.data);
        self.find_data(owner.0, rtype, iface)
    }

    /// The record of `owner`, `rtype` and `iface` whose data is `self.data` (canonical):
    /// among a few records of the name and type by comparing each, among more through
    /// the fingerprint index.
    #[inline]
    fn find_data(&self, owner: NameId, rtype: Rtype, iface: InterfaceId) -> Option<EntryId> {
        let list = self.names.list(owner, rtype)?;
        let slots = &self.slots;
        let data = self.data.as_slice();
        if list.len <= SCAN_MAX {
            let mut at = list.head;
            while let Some(s) = slots.get(at as usize) {
                if s.interface == iface && same_data(&s.data, data, rtype) {
                    return Some(at);
                }
                at = s.next;
            }
            return None;
        }
        let fp = fingerprint(owner, rtype, iface, data);
        self.by_data.find(fp, |id| {
            let s = &slots[id as usize];
            s.owner == owner
                && s.rtype == rtype
                && s.interface == iface
                && same_data(&s.data, data, rtype)
        })
    }

    /// An operation wants the records of (name, type): they are refreshed (RFC 6762
    /// §5.2: each gets its next refresh point after `now`) and evicted last.
    pub fn want(&mut self, now: Instant, rng: &mut Rng, name: &Name, rtype: Rtype) {
        self.set_interest(name, rtype, Some((now, rng)));
    }

    /// No operation wants the records of (name, type) any more: they are refreshed no
    /// more and evicted first.
    pub fn unwant(&mut self, name: &Name, rtype: Rtype) {
        self.set_interest(name, rtype, None);
    }

    /// [`want`](Self::want) (with the time and randomness for refresh points) or
    /// [`unwant`](Self::unwant).
    fn set_interest(&mut self, name: &Name, rtype: Rtype, mut want: Option<(Instant, &mut Rng)>) {
        let interested = want.is_some();
        let mut id = self.ids_iter(name, rtype).next;
        while id != NIL {
            let slot = &mut self.slots[id as usize];
            let next = slot.next;
            if slot.is(INTERESTED) != interested {
                slot.set(INTERESTED, interested);
                // Only records someone wants are refreshed, so only they have
                // refresh points: on a big LAN most records are nobody's, and each
                // would cost a refresh heap entry filed and taken out again.
                let refresh = match want.as_mut() {
                    Some((now, rng)) => self.first_refresh(rng, id, *now),
                    None => None,
                };
                let slot = &mut self.slots[id as usize];
                match refresh {
                    Some((step, at)) => {
                        slot.refresh_step = step;
                        slot.next_refresh = at;
                        if self.refresh.key(id).is_none_or(|f| at < f) {
                            self.refresh.set(id, at);
                        }
                    }
                    // Left filed, if it is: taken out when its time comes.
                    None => slot.next_refresh = NEVER,
                }
                let (from, to) = if interested {
                    (&mut self.evictable, &mut self.wanted)
                } else {
                    (&mut self.wanted, &mut self.evictable)
                };
                if let Some(key) = from.remove(id) {
                    to.set(id, key);
                }
            }
            id = next;
        }
    }

    /// Takes in one record of a response (RFC 6762 §10), received on `interface`.
    /// `interested` says whether an operation wants (name, type); `memo` is the
    /// owner names of the same message looked up so far. Returns what changed and the
    /// entry's id.
    pub fn receive(
        &mut self,
        now: Instant,
        rng: &mut Rng,
        record: &wire::Record<'_>,
        interface: InterfaceId,
        interested: bool,
        memo: &mut OwnerMemo,
    ) -> (Change, Option<EntryId>) {
        let (name, rtype, ttl, cache_flush) =
            (&record.name, record.rtype, record.ttl, record.cache_flush);
        let owner = self.owner_of(name, memo);
        self.data.clear();
        record.rdata.write_canonical(&mut self.data);
        let existing = owner.and_then(|o| self.find_data(o, rtype, interface));
        if ttl == 0 {
            // Goodbye (RFC 6762 §10.1): keep it one more second, never extend its life.
            let Some(id) = existing else {
                return (Change::None, None);
            };
            let s = &mut self.slots[id as usize];
            s.ttl = 0;
            let expires = s.expires.min(now + FLUSH_DELAY);
            self.reschedule(id, expires, None);
            return (Change::Goodbye, Some(id));
        }
        let expires = now + Duration::from_secs(u64::from(ttl));
        let (change, id) = match existing {
            Some(id) => {
                let s = &mut self.slots[id as usize];
                s.ttl = ttl;
                s.received = now;
                s.set(UNIQUE, cache_flush);
                s.set(RECONFIRM, false);
                s.refresh_step = 0;
                self.forget_poof(id);
                (Change::Renewed, id)
            }
            None => {
                if self.len >= self.capacity {
                    self.evict_one();
                }
                // After the eviction, which may have taken the name's last record
                // (else a name not found is still in `self.fold`).
                let owner = if memo.frees == self.names.frees() {
                    owner
                } else if owner.is_some() && self.names.frees() == memo.frees + 1 {
                    // One name dropped: if not this one, its id still holds.
                    let gone = self.names.last_freed();
                    memo.sync(&self.names);
                    match owner {
                        Some(o) if Some(o) != gone => Some(o),
                        _ => self.owner_of(name, memo),
                    }
                } else {
                    self.owner_of(name, memo)
                };
                let (owner, own_case) = match owner {
                    Some(o) if same_case(self.names.wire(o), name) => (o, None),
                    Some(o) => (o, Some(received_wire(name))),
                    None => {
                        let hash = names::hash(self.fold.as_bytes());
                        let o = self.names.insert(hash, received_wire(name));
                        memo.put(name, o);
                        (o, None)
                    }
                };
                let id = self.add(
                    owner,
                    rtype,
                    interface,
                    now,
                    ttl,
                    expires,
                    cache_flush,
                    interested,
                );
                if let Some(wire) = own_case {
                    self.slots[id as usize].set(OWN_CASE, true);
                    self.cases.insert(id, wire);
                }
                (Change::Added, id)
            }
        };
        // Only records someone wants have refresh points (see `set_interest`).
        let refresh = if self.slots[id as usize].is(INTERESTED) {
            self.refresh_point(rng, id, now, expires)
        } else {
            None
        };
        self.reschedule(id, expires, refresh);
        (change, Some(id))
    }

    /// The stored name `name` is, if any: from `memo`, else looked up (then `self.fold`
    /// holds it folded) and remembered.
    fn owner_of(&mut self, name: &NameRef<'_>, memo: &mut OwnerMemo) -> Option<NameId> {
        // A name dropped since may have left its id to another.
        memo.sync(&self.names);
        if let Some(id) = memo.get(name) {
            return Some(id);
        }
        self.fold.set_ref(name);
        let id = self.names.find_folded(&self.fold)?;
        memo.put(name, id);
        Some(id)
    }

    /// Adds a record whose data is `self.data`; returns its id.
    #[allow(clippy::too_many_arguments)]
    fn add(
        &mut self,
        owner: NameId,
        rtype: Rtype,
        interface: InterfaceId,
        now: Instant,
        ttl: u32,
        expires: Instant,
        unique: bool,
        interested: bool,
    ) -> EntryId {
        let id = match self.free.pop() {
            Some(id) => id,
            None => {
                reserve_one(&mut self.slots, self.capacity);
                self.slots.push(Slot::vacant());
                reserve_one(&mut self.source_of, self.capacity);
                self.source_of.push(sources::NONE);
                (self.slots.len() - 1) as EntryId
            }
        };
        self.source_of[id as usize] = self.sources.added(self.capacity);
        let list = self.names.list(owner, rtype);
        let tail = list.map_or(NIL, |l| l.tail);
        {
            let s = &mut self.slots[id as usize];
            s.received = now;
            s.expires = expires;
            s.next_refresh = NEVER;
            s.data = Data::from_slice(&self.data);
            s.owner = owner;
            s.interface = interface;
            s.ttl = ttl;
            s.prev = tail;
            s.next = NIL;
            s.rtype = rtype;
            s.flags = LIVE;
            s.set(UNIQUE, unique);
            s.set(INTERESTED, interested);
            s.refresh_step = 0;
        }
        if tail != NIL {
            self.slots[tail as usize].next = id;
        }
        self.names.set_list(
            owner,
            TypeList {
                rtype,
                head: list.map_or(id, |l| l.head),
                tail: id,
                len: list.map_or(1, |l| l.len + 1),
            },
        );
        let fp = fingerprint(owner, rtype, interface, &self.data);
        self.by_data.insert(fp, id);
        self.len += 1;
        let key = (expires, self.next_seq);
        if interested {
            self.wanted.set(id, key);
        } else {
            self.evictable.set(id, key);
        }
        self.next_seq += 1;
        id
    }

    /// Applies a received cache-flush record `id` (RFC 6762 §10.2): other records of the
    /// same name and type on its interface received over a second ago expire in one second.
    pub fn flush_others(&mut self, now: Instant, id: EntryId) {
        let Some(s) = self.slots.get(id as usize).filter(|s| s.is(LIVE)) else {
            return;
        };
        if s.prev == NIL && s.next == NIL {
            // The only record of its name and type: no other to flush.
            return;
        }
        let (interface, cutoff) = (s.interface, now - FLUSH_DELAY);
        let mut at = self.names.list(s.owner, s.rtype).map_or(NIL, |l| l.head);
        while at != NIL {
            let s = &self.slots[at as usize];
            let next = s.next;
            if s.interface == interface && s.received < cutoff {
                let expires = s.expires.min(now + FLUSH_DELAY);
                let refresh = s.refresh().filter(|r| *r < expires);
                self.reschedule(at, expires, refresh);
            }
            at = next;
        }
    }

    /// A query from another host asked for `id` without listing it as a known answer
    /// (RFC 6762 §10.5). Two of those and no answer within ten seconds flush it.
    pub fn poof_query(&mut self, now: Instant, id: EntryId) {
        let Some(s) = self.slots.get(id as usize).filter(|s| s.is(LIVE)) else {
            return;
        };
        let recent = |t: Instant| now.saturating_duration_since(t) < POOF_QUERY_GAP;
        let p = self.poof.get_mut(&id);
        if recent(s.received) || p.as_ref().is_some_and(|p| recent(p.last)) {
            return;
        }
        match p {
            Some(p) => {
                p.last = now;
                p.queries = p.queries.saturating_add(1);
            }
            None => {
                let deadline = now + POOF_WINDOW;
                self.poof.insert(
                    id,
                    Poof {
                        queries: 1,
                        deadline,
                        last: now,
                    },
                );
                self.poof_due.insert((deadline, id));
            }
        }
    }

    /// Puts `id` under reconfirmation (RFC 6762 §10.4): unless received again before
    /// `deadline`, it goes then (never later than its TTL says), and meanwhile it is no
    /// known answer and due no refresh query. False if there is no such record.
    pub fn reconfirm(&mut self, id: EntryId, deadline: Instant) -> bool {
        let Some(s) = self.slots.get_mut(id as usize).filter(|s| s.is(LIVE)) else {
            return false;
        };
        s.set(RECONFIRM, true);
        let expires = s.expires.min(deadline);
        self.reschedule(id, expires, None);
        true
    }

    /// Drops `id`'s POOF count, if any, and its deadline.
    #[inline]
    fn forget_poof(&mut self, id: EntryId) {
        if self.poof.is_empty() {
            return;
        }
        if let Some(p) = self.poof.remove(&id) {
            self.poof_due.remove(&(p.deadline, id));
        }
    }

    /// The next refresh point of `id` after `now`, for a record that expires at
    /// `expires` (passed in: on renewal the entry still holds its old expiry).
    fn refresh_point(
        &self,
        rng: &mut Rng,
        id: EntryId,
        now: Instant,
        expires: Instant,
    ) -> Option<Instant> {
        let s = &self.slots[id as usize];
        let at = jittered_refresh(rng, s, s.refresh_step)?;
        (at > now && at < expires).then_some(at)
    }

    /// The first refresh point of `id` after `now`, from its next step on, and that
    /// step: for a record someone has just come to want. Points already passed are
    /// skipped (the operation that now wants it asks at once anyway). None for a
    /// goodbye or a record under reconfirmation (they are refreshed no more).
    fn first_refresh(&self, rng: &mut Rng, id: EntryId, now: Instant) -> Option<(u8, Instant)> {
        let s = &self.slots[id as usize];
        if s.is(RECONFIRM) {
            return None;
        }
        let mut step = s.refresh_step;
        loop {
            let at = jittered_refresh(rng, s, step)?;
            if at >= s.expires {
                return None;
            }
            if at > now {
                return Some((step, at));
            }
            step += 1;
        }
    }

    /// The heap `id` is filed in for expiry.
    fn expiry_heap(&mut self, id: EntryId) -> &mut TimerHeap<ExpiryKey> {
        if self.slots[id as usize].is(INTERESTED) {
            &mut self.wanted
        } else {
            &mut self.evictable
        }
    }

    /// Sets when `id` expires and its next refresh point. A later time leaves it filed
    /// where it is (see the module docs); an earlier one re-files it at once.
    ///
    /// A record is filed no later than its expiry and (if it has one) its refresh
    /// point, so a time no earlier than the record's own needs no look at the heaps:
    /// a renewal, the common case, touches neither (on a big LAN each look is a
    /// cache miss).
    fn reschedule(&mut self, id: EntryId, expires: Instant, refresh: Option<Instant>) {
        let (was_expiring, was_refresh) = {
            let s = &self.slots[id as usize];
            (s.expires, s.refresh())
        };
        let earlier = expires < was_expiring
            && self
                .expiry_heap(id)
                .key(id)
                .is_some_and(|(f, _)| expires < f);
        let s = &mut self.slots[id as usize];
        s.expires = expires;
        s.next_refresh = refresh.unwrap_or(NEVER);
        if let Some(r) = refresh {
            let filed_before = was_refresh.is_some_and(|w| w <= r);
            if !filed_before && self.refresh.key(id).is_none_or(|f| r < f) {
                self.refresh.set(id, r);
            }
        }
        if earlier {
            self.refile(id);
        }
    }

    /// If `id` is filed before it really expires and that is after `now`, files it
    /// at its expiry and says so.
    fn refile_if_later(&mut self, id: EntryId, now: Instant) -> bool {
        let expires = self.slots[id as usize].expires;
        let stale = self
            .expiry_heap(id)
            .key(id)
            .is_some_and(|(filed, _)| filed != expires && expires > now);
        if stale {
            self.refile(id);
        }
        stale
    }

    /// Files `id` for expiry at its true expiry.
    fn refile(&mut self, id: EntryId) {
        let expires = self.slots[id as usize].expires;
        let heap = self.expiry_heap(id);
        if let Some((_, seq)) = heap.key(id) {
            heap.set(id, (expires, seq));
        }
    }

    /// Removes `id`; if someone wanted it, its (name, type) goes to `out`.
    fn remove(&mut self, id: EntryId, out: Option<&mut Vec<Gone>>) -> bool {
        let Some(s) = self.slots.get(id as usize).filter(|s| s.is(LIVE)) else {
            return false;
        };
        let (owner, rtype, prev, next) = (s.owner, s.rtype, s.prev, s.next);
        let refreshed = s.refresh().is_some();
        let fp = slot_fingerprint(s);
        let gone = out
            .filter(|_| s.is(INTERESTED))
            .map(|out| (out, Name::from_valid_wire(self.owner_wire(id, s))));
        if s.is(OWN_CASE) {
            self.cases.remove(&id);
        }
        // Filed for expiry in the one heap its interest says (each look is a cache
        // miss on a big LAN).
        self.expiry_heap(id).remove(id);
        // Filed for refresh if it has a refresh point; without one, only if it had one
        // before (an entry left behind, dropped when its time comes: `due_refreshes`
        // finds no point in the slot). Not looked for then: most records have none,
        // and on a big LAN each look is a cache miss.
        if refreshed {
            self.refresh.remove(id);
        }
        self.forget_poof(id);
        self.by_data.remove(fp, id);
        // Out of its name and type's list.
        if prev != NIL {
            self.slots[prev as usize].next = next;
        }
        if next != NIL {
            self.slots[next as usize].prev = prev;
        }
        if prev == NIL && next == NIL {
            self.names.drop_list(owner, rtype);
        } else if let Some(mut l) = self.names.list(owner, rtype) {
            l.len -= 1;
            if prev == NIL {
                l.head = next;
            }
            if next == NIL {
                l.tail = prev;
            }
            self.names.set_list(owner, l);
        }
        self.sources
            .removed(self.source_of[id as usize], self.capacity);
        let s = &mut self.slots[id as usize];
        s.flags = 0;
        s.next_refresh = NEVER;
        let data = core::mem::take(&mut s.data);
        if let Some((out, name)) = gone {
            out.push(Gone {
                name,
                rtype,
                interface: s.interface,
                data: SmallVec::from_slice(&data),
            });
        }
        s.prev = NIL;
        s.next = NIL;
        self.free.push(id);
        self.len -= 1;
        true
    }
}

/// Refresh point `step` of the record in `s` (RFC 6762 §5.2): its percentage of the
/// TTL after it was received, plus jitter. None past the last step or for a goodbye.
fn jittered_refresh(rng: &mut Rng, s: &Slot, step: u8) -> Option<Instant> {
    let pct = *REFRESH_PERCENTS.get(usize::from(step))?;
    if s.ttl == 0 {
        return None;
    }
    let ttl_us = u64::from(s.ttl) * 1_000_000;
    let jitter = rng.range_inclusive(0, ttl_us * REFRESH_JITTER_PERCENT / 100);
    Some(s.received + Duration::from_micros(ttl_us * pct / 100 + jitter))
}

/// Walks a list of records of one name and type.
struct ListIter<'a> {
    slots: &'a [Slot],
    next: u32,
    /// Records still to come (the list's length, counted down): an exact size hint,
    /// so that a list collected or reserved for is allocated once.
    left: u32,
}

impl Iterator for ListIter<'_> {
    type Item = EntryId;

    fn next(&mut self) -> Option<EntryId> {
        let id = self.next;
        let s = self.slots.get(id as usize)?;
        self.next = s.next;
        self.left = self.left.saturating_sub(1);
        Some(id)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        // The list's own count; no upper bound claimed (the slots are the truth).
        (self.left as usize, None)
    }
}

#[cfg(test)]
mod tests;
