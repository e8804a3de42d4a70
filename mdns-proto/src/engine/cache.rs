//! The record cache of the querier (RFC 6762 §10): records others sent us, keyed by
//! name and type, per interface, with their expiry, refresh and POOF timers.
//!
//! Rules implemented here:
//! - TTL expiry; a goodbye (TTL 0) makes a record expire one second later (§10.1).
//! - Cache-flush (§10.2): a record with the flush bit makes every other record of the
//!   same name, type and class on that interface that was received more than one second
//!   earlier expire one second from now; a lifetime is never extended by this.
//! - Refresh (§5.2): at 80, 85, 90 and 95 % of the TTL, plus 0-2 % jitter, the record
//!   is due for a refresh query (the querier asks only for records someone wants).
//! - POOF (§10.5): two or more queries from others that should have been answered by a
//!   record, and no answer within ten seconds, flush it.
//! - A hard bound on the number of records. When full, the record to go is the
//!   soonest-expiring one that no operation is interested in, else the soonest-expiring
//!   of all.
//!
//! Timers are filed lazily: a renewal only ever moves a record's expiry and refresh
//! point later, so it leaves the record where it is filed in the ordered sets (filed
//! time <= true time, always) and the record is re-filed when that earlier time comes
//! round. A renewal, the common case, then costs no ordered-set operation, and the cost
//! per received record does not grow with the size of the cache. A change to an
//! earlier time (a goodbye, a flush, a shorter TTL) is filed at once.
//!
//! Every lookup goes through a hash map keyed by (name, type), finding one record by
//! its data through a second one keyed by a fingerprint of (name, type, interface,
//! data), and every timer through ordered sets, so the cost per received record does
//! not grow linearly with the cache, nor with the number of records sharing a name and
//! type (a browsed service type's PTRs: thousands on a big LAN). Which records answer which questions is the querier's business, not this
//! module's.

use super::io::InterfaceId;
use crate::name::Name;
use crate::rand::Rng;
use crate::time::Instant;
use crate::util::{FixedState, KeyRef, RefKeyType};
use crate::wire::{NameRef, RData, RecordData, Rtype};
use alloc::collections::BTreeSet;
use alloc::vec::Vec;
use core::hash::{BuildHasher, Hash, Hasher};
use core::net::SocketAddr;
use core::time::Duration;
use hashbrown::HashMap;
use smallvec::SmallVec;

/// How long a goodbye or a cache-flush leaves a record in place (RFC 6762 §10.1, §10.2).
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

/// A cached record.
#[derive(Clone, Debug)]
pub struct Entry {
    /// Owner name, as received.
    pub name: Name,
    /// Type.
    pub rtype: Rtype,
    /// Data.
    pub data: RecordData,
    /// Interface it was received on.
    pub interface: InterfaceId,
    /// Sent with the cache-flush bit: a member of a unique RRset.
    pub unique: bool,
    /// TTL it was received with, in seconds (0 after a goodbye).
    pub ttl: u32,
    /// When it was last received.
    pub received: Instant,
    /// When it goes.
    pub expires: Instant,
    /// Who sent it last.
    pub source: SocketAddr,
    /// Arrival order, for eviction ties.
    seq: u64,
    /// The time it is filed under in `expiry` (and `evictable`): never after `expires`.
    filed: Instant,
    /// Index into [`REFRESH_PERCENTS`] of the next refresh point.
    refresh_step: u8,
    next_refresh: Option<Instant>,
    /// The time it is filed under in `refresh`, if it is: never after `next_refresh`.
    refresh_filed: Option<Instant>,
    poof_queries: u8,
    poof_deadline: Option<Instant>,
    poof_last: Option<Instant>,
    interested: bool,
}

impl Entry {
    /// Seconds of TTL left at `now`, rounded down.
    pub fn remaining_ttl(&self, now: Instant) -> u32 {
        u32::try_from((self.expires - now).as_secs()).unwrap_or(u32::MAX)
    }

    /// True if at least half the original TTL is left: such a record goes in a
    /// known-answer list (RFC 6762 §7.1).
    pub fn half_ttl_left(&self, now: Instant) -> bool {
        self.ttl > 0 && u64::from(self.remaining_ttl(now)) * 2 >= u64::from(self.ttl)
    }
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

/// The cache.
#[derive(Debug)]
pub struct Cache {
    entries: Vec<Option<Entry>>,
    free: Vec<EntryId>,
    by_key: HashMap<(Name, Rtype), SmallVec<[EntryId; 4]>, FixedState>,
    /// [`fingerprint`] of (name, type, interface, data) to the records with it (almost
    /// always one; a collision only costs a comparison).
    by_data: HashMap<u64, SmallVec<[EntryId; 1]>, FixedState>,
    expiry: BTreeSet<(Instant, u64, EntryId)>,
    evictable: BTreeSet<(Instant, u64, EntryId)>,
    refresh: BTreeSet<(Instant, EntryId)>,
    poof: BTreeSet<(Instant, EntryId)>,
    capacity: usize,
    len: usize,
    evictions: u64,
    next_seq: u64,
    evicted: Vec<Entry>,
}

impl Cache {
    /// An empty cache holding at most `capacity` records (at least 1).
    pub fn new(capacity: usize) -> Self {
        Cache {
            entries: Vec::new(),
            free: Vec::new(),
            by_key: HashMap::with_hasher(FixedState),
            by_data: HashMap::with_hasher(FixedState),
            expiry: BTreeSet::new(),
            evictable: BTreeSet::new(),
            refresh: BTreeSet::new(),
            poof: BTreeSet::new(),
            capacity: capacity.max(1),
            len: 0,
            evictions: 0,
            next_seq: 0,
            evicted: Vec::new(),
        }
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
    pub fn entry(&self, id: EntryId) -> Option<&Entry> {
        self.entries.get(id as usize)?.as_ref()
    }

    /// Records of a name and type, on every interface, in arrival order.
    pub fn get<'a>(&'a self, name: &Name, rtype: Rtype) -> impl Iterator<Item = &'a Entry> + 'a {
        let ids = self
            .by_key
            .get(&KeyRef(name, rtype))
            .map(|v| v.as_slice())
            .unwrap_or(&[]);
        ids.iter().filter_map(move |&id| self.entry(id))
    }

    /// True if some record of a name read in place and a type is cached.
    pub fn holds(&self, name: &NameRef<'_>, rtype: Rtype) -> bool {
        !self.by_key.is_empty() && self.by_key.contains_key(&RefKeyType(*name, rtype))
    }

    /// Ids of the records of a name and type.
    pub fn ids(&self, name: &Name, rtype: Rtype) -> SmallVec<[EntryId; 4]> {
        self.by_key
            .get(&KeyRef(name, rtype))
            .cloned()
            .unwrap_or_default()
    }

    /// The record of a name and type on one interface with data read in place (names
    /// in it compared case-insensitively), without scanning the other records of that
    /// name and type.
    pub fn find(
        &self,
        name: &Name,
        rtype: Rtype,
        iface: InterfaceId,
        data: &RData<'_>,
    ) -> Option<EntryId> {
        self.by_data
            .get(&fingerprint(name, rtype, iface, FpData::Wire(data)))?
            .iter()
            .copied()
            .find(|&id| {
                self.entry(id).is_some_and(|e| {
                    e.interface == iface
                        && e.rtype == rtype
                        && e.name == *name
                        && e.data.matches(data)
                })
            })
    }

    /// Marks whether an operation wants the records of (name, type): only those are
    /// refreshed, and they are evicted last.
    pub fn set_interest(&mut self, name: &Name, rtype: Rtype, interested: bool) {
        for id in self.ids(name, rtype) {
            if let Some(e) = self.entries[id as usize].as_mut() {
                if e.interested != interested {
                    e.interested = interested;
                    if interested {
                        self.evictable.remove(&(e.filed, e.seq, id));
                    } else {
                        self.evictable.insert((e.filed, e.seq, id));
                    }
                }
            }
        }
    }

    /// Takes in one record of a response (RFC 6762 §10). `interested` says whether an
    /// operation wants (name, type). Returns what changed and the entry's id.
    #[allow(clippy::too_many_arguments)]
    pub fn receive(
        &mut self,
        now: Instant,
        rng: &mut Rng,
        name: &Name,
        rtype: Rtype,
        data: &RData<'_>,
        ttl: u32,
        cache_flush: bool,
        interface: InterfaceId,
        source: SocketAddr,
        interested: bool,
    ) -> (Change, Option<EntryId>) {
        let existing = self.find(name, rtype, interface, data);
        if ttl == 0 {
            // Goodbye (§10.1): keep it one more second, never extend its life.
            let Some(id) = existing else {
                return (Change::None, None);
            };
            let e = self.entries[id as usize].as_mut().expect("id from index");
            e.ttl = 0;
            let expires = e.expires.min(now + FLUSH_DELAY);
            self.reschedule(id, expires, None);
            return (Change::Goodbye, Some(id));
        }
        let expires = now + Duration::from_secs(u64::from(ttl));
        let (change, id) = match existing {
            Some(id) => {
                let e = self.entries[id as usize].as_mut().expect("id from index");
                e.ttl = ttl;
                e.received = now;
                e.unique = cache_flush;
                e.source = source;
                e.refresh_step = 0;
                e.poof_queries = 0;
                e.poof_last = None;
                if let Some(d) = e.poof_deadline.take() {
                    self.poof.remove(&(d, id));
                }
                (Change::Renewed, id)
            }
            None => {
                if self.len >= self.capacity {
                    self.evict_one();
                }
                let entry = Entry {
                    name: name.clone(),
                    rtype,
                    data: data.to_owned(),
                    interface,
                    unique: cache_flush,
                    ttl,
                    received: now,
                    expires,
                    source,
                    seq: self.next_seq,
                    filed: expires,
                    refresh_step: 0,
                    next_refresh: None,
                    refresh_filed: None,
                    poof_queries: 0,
                    poof_deadline: None,
                    poof_last: None,
                    interested,
                };
                let id = match self.free.pop() {
                    Some(id) => {
                        self.entries[id as usize] = Some(entry);
                        id
                    }
                    None => {
                        self.entries.push(Some(entry));
                        (self.entries.len() - 1) as EntryId
                    }
                };
                self.by_key
                    .entry((name.clone(), rtype))
                    .or_default()
                    .push(id);
                let fp = fingerprint(name, rtype, interface, FpData::Wire(data));
                self.by_data.entry(fp).or_default().push(id);
                self.len += 1;
                self.expiry.insert((expires, self.next_seq, id));
                if !interested {
                    self.evictable.insert((expires, self.next_seq, id));
                }
                self.next_seq += 1;
                (Change::Added, id)
            }
        };
        let refresh = self.refresh_point(rng, id, now, expires);
        self.reschedule(id, expires, refresh);
        (change, Some(id))
    }

    /// Applies a received cache-flush record (§10.2): other records of the same name and
    /// type on `interface` received over a second ago expire in one second.
    pub fn flush_others(
        &mut self,
        now: Instant,
        name: &Name,
        rtype: Rtype,
        interface: InterfaceId,
    ) {
        let cutoff = now - FLUSH_DELAY;
        for id in self.ids(name, rtype) {
            let Some(e) = self.entry(id) else { continue };
            if e.interface == interface && e.received < cutoff {
                let expires = e.expires.min(now + FLUSH_DELAY);
                let refresh = e.next_refresh.filter(|r| *r < expires);
                self.reschedule(id, expires, refresh);
            }
        }
    }

    /// A query from another host asked for `id` without listing it as a known answer
    /// (§10.5). Two of those and no answer within ten seconds flush it.
    pub fn poof_query(&mut self, now: Instant, id: EntryId) {
        let Some(e) = self.entries.get_mut(id as usize).and_then(Option::as_mut) else {
            return;
        };
        let recent = |t: Instant| now.saturating_duration_since(t) < POOF_QUERY_GAP;
        if recent(e.received) || e.poof_last.is_some_and(recent) {
            return;
        }
        e.poof_last = Some(now);
        e.poof_queries = e.poof_queries.saturating_add(1);
        if e.poof_deadline.is_none() {
            let d = now + POOF_WINDOW;
            e.poof_deadline = Some(d);
            self.poof.insert((d, id));
        }
    }

    /// The next time something in the cache is due.
    pub fn next_timeout(&self) -> Option<Instant> {
        [
            self.expiry.first().map(|x| x.0),
            self.refresh.first().map(|x| x.0),
            self.poof.first().map(|x| x.0),
        ]
        .into_iter()
        .flatten()
        .min()
    }

    /// Removes what has expired or been POOFed by `now`, returning the removed records.
    pub fn expire(&mut self, now: Instant, out: &mut Vec<Entry>) {
        while let Some(&(d, id)) = self.poof.first() {
            if d > now {
                break;
            }
            self.poof.remove(&(d, id));
            let Some(e) = self.entries[id as usize].as_mut() else {
                continue;
            };
            e.poof_deadline = None;
            e.poof_last = None;
            if e.poof_queries >= POOF_QUERIES {
                if let Some(e) = self.remove(id) {
                    out.push(e);
                }
            } else {
                e.poof_queries = 0;
            }
        }
        while let Some(&(t, _, id)) = self.expiry.first() {
            if t > now {
                break;
            }
            if self.refile_if_later(id, now) {
                continue;
            }
            if let Some(e) = self.remove(id) {
                out.push(e);
            }
        }
    }

    /// Records whose refresh point has come (§5.2); each is rescheduled to its next
    /// point. The querier decides whether anyone wants them refreshed.
    pub fn due_refreshes(&mut self, now: Instant, rng: &mut Rng, out: &mut Vec<EntryId>) {
        while let Some(&(t, id)) = self.refresh.first() {
            if t > now {
                break;
            }
            self.refresh.remove(&(t, id));
            let Some(e) = self.entries[id as usize].as_mut() else {
                continue;
            };
            e.refresh_filed = None;
            match e.next_refresh {
                // Filed before a renewal moved it: file it where it is now.
                Some(r) if r > now => {
                    e.refresh_filed = Some(r);
                    self.refresh.insert((r, id));
                    continue;
                }
                Some(_) => {}
                // No refresh point any more (renewed past its last one).
                None => continue,
            }
            e.next_refresh = None;
            e.refresh_step += 1;
            out.push(id);
            let expires = e.expires;
            if let Some(next) = self.refresh_point(rng, id, now, expires) {
                let e = self.entries[id as usize].as_mut().expect("live");
                e.next_refresh = Some(next);
                e.refresh_filed = Some(next);
                self.refresh.insert((next, id));
            }
        }
    }

    /// Removes every record learnt on an interface (it went down).
    pub fn remove_interface(&mut self, interface: InterfaceId, out: &mut Vec<Entry>) {
        let ids: Vec<EntryId> = (0..self.entries.len() as EntryId)
            .filter(|&id| self.entry(id).is_some_and(|e| e.interface == interface))
            .collect();
        for id in ids {
            if let Some(e) = self.remove(id) {
                out.push(e);
            }
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
        let e = self.entry(id)?;
        let pct = *REFRESH_PERCENTS.get(usize::from(e.refresh_step))?;
        if e.ttl == 0 {
            return None;
        }
        let ttl_us = u64::from(e.ttl) * 1_000_000;
        let jitter = rng.range_inclusive(0, ttl_us * REFRESH_JITTER_PERCENT / 100);
        let at = e.received + Duration::from_micros(ttl_us * pct / 100 + jitter);
        (at > now && at < expires).then_some(at)
    }

    /// Sets when `id` expires and its next refresh point. A later time leaves it filed
    /// where it is (see the module docs); an earlier one re-files it at once.
    fn reschedule(&mut self, id: EntryId, expires: Instant, refresh: Option<Instant>) {
        let Some(e) = self.entries[id as usize].as_mut() else {
            return;
        };
        let earlier = expires < e.filed;
        e.expires = expires;
        e.next_refresh = refresh;
        if let Some(r) = refresh {
            if e.refresh_filed.is_none_or(|f| r < f) {
                if let Some(f) = e.refresh_filed {
                    self.refresh.remove(&(f, id));
                }
                e.refresh_filed = Some(r);
                self.refresh.insert((r, id));
            }
        }
        if earlier {
            self.refile(id);
        }
    }

    /// If `id` is filed before it really expires and that is after `now`, files it
    /// at its expiry and says so.
    fn refile_if_later(&mut self, id: EntryId, now: Instant) -> bool {
        let stale = self
            .entry(id)
            .is_some_and(|e| e.filed != e.expires && e.expires > now);
        if stale {
            self.refile(id);
        }
        stale
    }

    /// Files `id` in `expiry` (and `evictable`) at its true expiry.
    fn refile(&mut self, id: EntryId) {
        let Some(e) = self.entries[id as usize].as_mut() else {
            return;
        };
        let (filed, seq, interested, expires) = (e.filed, e.seq, e.interested, e.expires);
        e.filed = expires;
        self.expiry.remove(&(filed, seq, id));
        self.expiry.insert((expires, seq, id));
        if !interested {
            self.evictable.remove(&(filed, seq, id));
            self.evictable.insert((expires, seq, id));
        }
    }

    /// Evicts one record: the soonest-expiring that nobody wants, else the
    /// soonest-expiring of all; ties go to the one that arrived first. Records filed
    /// early are re-filed first, so the choice is made on true expiry times.
    fn evict_one(&mut self) {
        let victim = loop {
            let first = self
                .evictable
                .first()
                .or_else(|| self.expiry.first())
                .copied();
            let Some((_, _, id)) = first else {
                break None;
            };
            // The first filed time is before every true expiry: re-filing this record
            // at its true, later time cannot skip another.
            if self.entry(id).is_some_and(|e| e.expires > e.filed) {
                self.refile(id);
                continue;
            }
            break Some(id);
        };
        if let Some(e) = victim.and_then(|id| self.remove(id)) {
            self.evictions += 1;
            self.evicted.push(e);
        }
    }

    /// Hands out the records evicted since the last call, so that whoever reported
    /// them can report them gone.
    pub fn take_evicted(&mut self, out: &mut Vec<Entry>) {
        out.append(&mut self.evicted);
    }

    fn remove(&mut self, id: EntryId) -> Option<Entry> {
        let e = self.entries.get_mut(id as usize)?.take()?;
        self.expiry.remove(&(e.filed, e.seq, id));
        self.evictable.remove(&(e.filed, e.seq, id));
        if let Some(r) = e.refresh_filed {
            self.refresh.remove(&(r, id));
        }
        if let Some(d) = e.poof_deadline {
            self.poof.remove(&(d, id));
        }
        let key = (e.name.clone(), e.rtype);
        if let Some(ids) = self.by_key.get_mut(&key) {
            ids.retain(|x| *x != id);
            if ids.is_empty() {
                self.by_key.remove(&key);
            }
        }
        let fp = fingerprint(&e.name, e.rtype, e.interface, FpData::Owned(&e.data));
        if let Some(ids) = self.by_data.get_mut(&fp) {
            ids.retain(|x| *x != id);
            if ids.is_empty() {
                self.by_data.remove(&fp);
            }
        }
        self.free.push(id);
        self.len -= 1;
        Some(e)
    }
}

/// Record data to fingerprint: owned (in the cache) or read in place (from a packet).
#[derive(Clone, Copy)]
enum FpData<'a, 'b> {
    Owned(&'a RecordData),
    Wire(&'a RData<'b>),
}

/// A hash of (name, type, interface, data) that is equal for an owned record and a
/// record read in place whenever [`RecordData::matches`] says they are the same: names
/// are fed label by label, lower-cased, whether owned or compressed in a packet.
fn fingerprint(name: &Name, rtype: Rtype, iface: InterfaceId, data: FpData<'_, '_>) -> u64 {
    fn labels<'l>(h: &mut impl Hasher, it: impl Iterator<Item = &'l [u8]>) {
        for l in it {
            h.write_u8(l.len() as u8);
            for b in l {
                h.write_u8(b.to_ascii_lowercase());
            }
        }
        h.write_u8(0);
    }
    fn bytes(h: &mut impl Hasher, tag: u8, b: &[u8]) {
        h.write_u8(tag);
        h.write_usize(b.len());
        h.write(b);
    }
    fn srv(h: &mut impl Hasher, priority: u16, weight: u16, port: u16) {
        h.write_u8(4);
        h.write_u16(priority);
        h.write_u16(weight);
        h.write_u16(port);
    }
    let mut h = FixedState.build_hasher();
    name.hash(&mut h);
    rtype.hash(&mut h);
    iface.hash(&mut h);
    match data {
        FpData::Owned(d) => match d {
            RecordData::A(a) => bytes(&mut h, 1, &a.octets()),
            RecordData::Aaaa(a) => bytes(&mut h, 2, &a.octets()),
            RecordData::Ptr(n) | RecordData::Cname(n) => {
                h.write_u8(3);
                labels(&mut h, n.labels());
            }
            RecordData::Srv {
                priority,
                weight,
                port,
                target,
            } => {
                srv(&mut h, *priority, *weight, *port);
                labels(&mut h, target.labels());
            }
            RecordData::Txt(b) => bytes(&mut h, 5, b),
            RecordData::Hinfo { cpu, os } => {
                bytes(&mut h, 6, cpu);
                bytes(&mut h, 6, os);
            }
            RecordData::Nsec { next, types } => {
                h.write_u8(7);
                labels(&mut h, next.labels());
                bytes(&mut h, 7, types);
            }
            RecordData::Opt(b) | RecordData::Other(b) => bytes(&mut h, 8, b),
        },
        FpData::Wire(d) => match d {
            RData::A(a) => bytes(&mut h, 1, &a.octets()),
            RData::Aaaa(a) => bytes(&mut h, 2, &a.octets()),
            RData::Ptr(n) | RData::Cname(n) => {
                h.write_u8(3);
                labels(&mut h, n.labels());
            }
            RData::Srv {
                priority,
                weight,
                port,
                target,
            } => {
                srv(&mut h, *priority, *weight, *port);
                labels(&mut h, target.labels());
            }
            RData::Txt(t) => bytes(&mut h, 5, t.raw()),
            RData::Hinfo { cpu, os } => {
                bytes(&mut h, 6, cpu);
                bytes(&mut h, 6, os);
            }
            RData::Nsec { next, types } => {
                h.write_u8(7);
                labels(&mut h, next.labels());
                bytes(&mut h, 7, types.raw());
            }
            RData::Opt(b) | RData::Other(b) => bytes(&mut h, 8, b),
        },
    }
    h.finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::NameRef;
    use core::net::{Ipv4Addr, SocketAddrV4};

    const IF: InterfaceId = InterfaceId(1);

    fn src() -> SocketAddr {
        SocketAddr::V4(SocketAddrV4::new(Ipv4Addr::new(10, 0, 0, 1), 5353))
    }

    /// `Svc <i>.<ty>` as a packet would carry it: the instance label, then a
    /// compression pointer to the type's name after a 12-byte header (upper-cased if
    /// `upper`).
    fn packet(ty: &Name, i: usize, upper: bool) -> Vec<u8> {
        let mut msg: Vec<u8> = [0; 12]
            .into_iter()
            .chain(ty.as_wire().iter().copied())
            .collect();
        if upper {
            msg.make_ascii_uppercase();
        }
        let label = alloc::format!("Svc {i}");
        msg.push(label.len() as u8);
        msg.extend_from_slice(label.as_bytes());
        msg.extend_from_slice(&[0xc0, 12]);
        msg
    }

    fn ptr<'a>(msg: &'a [u8], ty: &Name) -> RData<'a> {
        RData::Ptr(NameRef::read(msg, 12 + ty.wire_len()).unwrap().0)
    }

    #[test]
    fn find_by_data_among_thousands_under_one_key() {
        let ty = Name::parse("_x._tcp.local").unwrap();
        let mut cache = Cache::new(10_000);
        let mut rng = Rng::new(1);
        let now = Instant::ZERO;
        for i in 0..3000 {
            let msg = packet(&ty, i, false);
            let (c, _) = cache.receive(
                now,
                &mut rng,
                &ty,
                Rtype::PTR,
                &ptr(&msg, &ty),
                4500,
                false,
                IF,
                src(),
                true,
            );
            assert_eq!(c, Change::Added);
        }
        assert_eq!(cache.len(), 3000);
        // Found by data, names compared case-insensitively through compression.
        let msg = packet(&ty, 1234, true);
        let id = cache.find(&ty, Rtype::PTR, IF, &ptr(&msg, &ty)).unwrap();
        let e = cache.entry(id).unwrap();
        assert!(e.data.matches(&ptr(&msg, &ty)));
        assert_eq!(
            e.data,
            RecordData::Ptr(Name::parse("Svc 1234._x._tcp.local").unwrap())
        );
        // Not on another interface, type or owner name.
        assert_eq!(
            cache.find(&ty, Rtype::PTR, InterfaceId(2), &ptr(&msg, &ty)),
            None
        );
        assert_eq!(cache.find(&ty, Rtype::CNAME, IF, &ptr(&msg, &ty)), None);
        let other = Name::parse("_y._tcp.local").unwrap();
        assert_eq!(cache.find(&other, Rtype::PTR, IF, &ptr(&msg, &ty)), None);
        // Receiving it again renews the one record.
        let (c, again) = cache.receive(
            now,
            &mut rng,
            &ty,
            Rtype::PTR,
            &ptr(&msg, &ty),
            4500,
            false,
            IF,
            src(),
            true,
        );
        assert_eq!((c, again), (Change::Renewed, Some(id)));
        assert_eq!(cache.len(), 3000);
        // Gone after expiry: the index forgets it, and a new copy is added afresh.
        let mut out = Vec::new();
        cache.expire(now + Duration::from_secs(4501), &mut out);
        assert_eq!((out.len(), cache.len()), (3000, 0));
        assert!(cache.by_data.is_empty() && cache.by_key.is_empty());
        assert_eq!(cache.find(&ty, Rtype::PTR, IF, &ptr(&msg, &ty)), None);
    }

    #[test]
    fn owned_and_wire_fingerprints_agree() {
        let name = Name::parse("Host.local").unwrap();
        let msg = packet(&Name::parse("_x._tcp.local").unwrap(), 7, true);
        let ty = Name::parse("_x._tcp.local").unwrap();
        let target = NameRef::read(&msg, 12 + ty.wire_len()).unwrap().0;
        let owned = RecordData::Srv {
            priority: 1,
            weight: 2,
            port: 80,
            target: Name::parse("svc 7._X._tcp.local").unwrap(),
        };
        let wire = RData::Srv {
            priority: 1,
            weight: 2,
            port: 80,
            target,
        };
        assert!(owned.matches(&wire));
        assert_eq!(
            fingerprint(&name, Rtype::SRV, IF, FpData::Owned(&owned)),
            fingerprint(&name, Rtype::SRV, IF, FpData::Wire(&wire))
        );
    }
}
