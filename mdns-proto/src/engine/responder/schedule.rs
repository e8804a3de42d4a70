//! When answers go out: response delays (RFC 6762 §6, §6.3), aggregation into one
//! datagram (§6.4), the per-record per-interface multicast rate limit (§6), queries
//! held for their multi-packet known answers (§7.2), and duplicate answer suppression
//! (§7.4).
//!
//! Every table here is bounded, so a flood of queries cannot grow memory: at most
//! [`MAX_GROUPS`] pending answer groups (each holding distinct records of ours only),
//! at most [`MAX_HELD_QUERIES`] queries waiting for known answers, each with at most
//! [`MAX_HELD_QUESTIONS`] questions. When each record was last multicast is kept in
//! its registration's link for a registration's own records (SRV, TXT, NSEC, PTRs)
//! and a host's first few addresses per family (see `registry::McTimes`), and in a
//! table for type-enumeration PTRs and a host's further addresses, which holds at most
//! one entry per such record, interface and family, and only for addresses an
//! interface still has (`Schedule::forget_addresses`). At most [`SPARE_LISTS`] emptied
//! answer lists are kept for reuse.

use super::answer::is_strictly_sorted;
use super::fold::WordState;
use super::registry::{McCell, RecKey, Registry};
use super::write::{Job, ResponseJob};
use crate::engine::io::{Destination, Family, InterfaceId};
use crate::name::Name;
use crate::rand::Rng;
use crate::time::Instant;
use crate::wire::{Class, Rtype};
use alloc::collections::VecDeque;
use alloc::vec::Vec;
use core::hash::{Hash, Hasher};
use core::net::IpAddr;
use core::net::SocketAddr;
use core::time::Duration;
use hashbrown::HashMap;
use smallvec::SmallVec;

/// Shortest delay of an answer that may collide with other responders' (RFC 6762 §6).
pub const SHARED_DELAY_MIN: Duration = Duration::from_millis(20);
/// Longest such delay (RFC 6762 §6).
pub const SHARED_DELAY_MAX: Duration = Duration::from_millis(120);
/// Shortest wait for the rest of a multi-packet known-answer list (RFC 6762 §6, §7.2).
pub const TC_DELAY_MIN: Duration = Duration::from_millis(400);
/// Longest such wait (RFC 6762 §7.2).
pub const TC_DELAY_MAX: Duration = Duration::from_millis(500);
/// How much longer an earlier response may wait to be merged with a later one
/// (RFC 6762 §6.4).
pub const AGGREGATE_MAX: Duration = Duration::from_millis(500);
/// A record is multicast on an interface at most once per this (RFC 6762 §6)…
pub const MULTICAST_MIN_GAP: Duration = Duration::from_secs(1);
/// …or per this when defending a name against a probe (RFC 6762 §6).
pub const DEFENCE_MIN_GAP: Duration = Duration::from_millis(250);
/// Most answer groups pending across interfaces.
pub const MAX_GROUPS: usize = 64;
/// Most queries held waiting for known-answer continuation packets (one per source).
pub const MAX_HELD_QUERIES: usize = 32;
/// Most questions kept of a held query.
pub const MAX_HELD_QUESTIONS: usize = 32;

/// Answers waiting for their send time, for one interface and destination.
#[derive(Clone, Debug)]
pub(crate) struct Group {
    pub iface: InterfaceId,
    pub dest: Destination,
    pub at: Instant,
    /// When the group was first scheduled (aggregation may delay it by up to
    /// [`AGGREGATE_MAX`]).
    pub first_at: Instant,
    /// Distinct records, sorted.
    pub answers: Vec<RecKey>,
    /// Defending a name against a probe: sent at once, 250 ms rate limit.
    pub defence: bool,
}

/// A question kept while its query waits for more known answers.
#[derive(Clone, Debug)]
pub(crate) struct HeldQuestion {
    pub name: Name,
    pub qtype: Rtype,
    pub qclass: Class,
    pub unicast_response: bool,
}

/// A query with the TC bit, waiting for the rest of its known answers (RFC 6762 §7.2).
#[derive(Clone, Debug)]
pub(crate) struct HeldQuery {
    pub source: SocketAddr,
    pub iface: InterfaceId,
    pub at: Instant,
    pub questions: SmallVec<[HeldQuestion; 2]>,
    /// Records of ours the known answers so far cover (RFC 6762 §7.1).
    pub suppressed: Vec<RecKey>,
}

/// The scheduling state.
#[derive(Debug, Default)]
pub(crate) struct Schedule {
    groups: Vec<Group>,
    held: Vec<HeldQuery>,
    /// When each record was last multicast, per interface and family.
    last_multicast: HashMap<McKey, Instant, WordState>,
    /// Emptied answer lists of jobs sent, reused for new groups (at most
    /// [`SPARE_LISTS`]): a response then costs no allocation.
    spare: Vec<Vec<RecKey>>,
}

/// Most emptied answer lists kept for reuse.
pub const SPARE_LISTS: usize = 8;
/// Largest list kept (a bigger one, from a huge response, is freed).
pub const MAX_SPARE_CAPACITY: usize = 64;

/// A key of the multicast-time table: a record of ours, an interface, a family.
/// Hashed as two or three words (the derived `Hash` fed each field and each address
/// byte to the hasher apart, several times the cost).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct McKey {
    pub key: RecKey,
    pub iface: InterfaceId,
    pub family: Family,
}

impl McKey {
    pub fn new(key: RecKey, iface: InterfaceId, family: Family) -> Self {
        McKey { key, iface, family }
    }
}

impl Hash for McKey {
    fn hash<H: Hasher>(&self, state: &mut H) {
        let (kind, extra): (u64, u128) = match self.key {
            RecKey::Ptr(_, i) => (0, u128::from(i)),
            RecKey::EnumPtr(_) => (1, 0),
            RecKey::Srv(_) => (2, 0),
            RecKey::Txt(_) => (3, 0),
            RecKey::A(_, a) => (4, u128::from(u32::from(a))),
            RecKey::Aaaa(_, a) => (5, u128::from(a)),
            RecKey::Nsec(_) => (6, 0),
        };
        let family = match self.family {
            Family::V4 => 0,
            Family::V6 => 1,
        };
        state.write_u64(u64::from(self.key.reg().0) | kind << 32 | family << 35);
        state.write_u64(u64::from(self.iface.0) ^ (extra as u64).rotate_left(32));
        if kind == 5 {
            state.write_u64((extra >> 64) as u64);
        }
    }
}

/// The delay before answering (RFC 6762 §6, §6.3): none when every answer is unique and
/// the query had one question, else uniform 20–120 ms.
pub(crate) fn answer_delay(rng: &mut Rng, shared: bool, questions: usize) -> Duration {
    if !shared && questions <= 1 {
        Duration::ZERO
    } else {
        rng.duration_between(SHARED_DELAY_MIN, SHARED_DELAY_MAX)
    }
}

impl Schedule {
    /// Queues `keys` for `dest` on `iface` at `at`, merging into a pending group where
    /// that keeps every answer's delay rule (RFC 6762 §6.4). Dropped when the table is
    /// full.
    #[inline]
    pub fn add(
        &mut self,
        now: Instant,
        iface: InterfaceId,
        dest: Destination,
        at: Instant,
        keys: &[RecKey],
        defence: bool,
    ) {
        // Most queries leave two of their three lists (defence, multicast, unicast)
        // empty: no call for those.
        if !keys.is_empty() {
            self.add_keys(now, iface, dest, at, keys, defence);
        }
    }

    /// [`add`](Self::add) for a list that is not empty.
    fn add_keys(
        &mut self,
        now: Instant,
        iface: InterfaceId,
        dest: Destination,
        at: Instant,
        keys: &[RecKey],
        defence: bool,
    ) {
        let min_ok = if at == now {
            now
        } else {
            now + SHARED_DELAY_MIN
        };
        let group = self.groups.iter_mut().find(|g| {
            let timing = if at <= now {
                // Immediate answers only join a group that is due anyway.
                g.at <= now
            } else {
                // Joining must not send these answers earlier than their rule allows,
                // nor hold the group more than AGGREGATE_MAX past its first time, nor
                // delay answers that are due now.
                g.at > now && (g.at >= min_ok || at <= g.first_at + AGGREGATE_MAX)
            };
            g.iface == iface && g.dest == dest && g.defence == defence && timing
        });
        let group = match group {
            Some(g) => {
                if g.at < min_ok {
                    g.at = at;
                }
                g
            }
            None => {
                if self.groups.len() >= MAX_GROUPS {
                    return;
                }
                let answers = self.spare_list();
                self.groups.push(Group {
                    iface,
                    dest,
                    at,
                    first_at: at,
                    answers,
                    defence,
                });
                self.groups.last_mut().expect("just pushed")
            }
        };
        if group.answers.is_empty() && is_strictly_sorted(keys) {
            // A new group of answers in order (one question's, the usual case).
            group.answers.extend_from_slice(keys);
            return;
        }
        for &k in keys {
            if let Err(i) = group.answers.binary_search(&k) {
                group.answers.insert(i, k);
            }
        }
    }

    /// Appends the groups due by `now` to `out`, as response jobs, in schedule order.
    /// Their records multicast on the interface too recently are left out when the
    /// job is written (RFC 6762 §6).
    pub fn take_due_groups(&mut self, now: Instant, out: &mut VecDeque<Job>) {
        // The earliest due group (the first of equals) at a time: schedule order,
        // without collecting and sorting.
        loop {
            let mut first: Option<(usize, Instant)> = None;
            for (i, g) in self.groups.iter().enumerate() {
                let earlier = match first {
                    Some((_, at)) => g.at < at,
                    None => true,
                };
                if g.at <= now && earlier {
                    first = Some((i, g.at));
                }
            }
            let Some((i, _)) = first else {
                break;
            };
            let g = self.groups.remove(i);
            // The one-second rule (§6) is applied as the answers are written.
            let gap = if g.defence {
                DEFENCE_MIN_GAP
            } else {
                MULTICAST_MIN_GAP
            };
            out.push_back(Job::Response(ResponseJob {
                iface: g.iface,
                dest: g.dest,
                answers: g.answers,
                additionals: Vec::new(),
                auto_additionals: true,
                gap: multicast_family(g.dest).map(|_| gap),
                legacy: None,
            }));
        }
    }

    /// An empty answer list, one kept for reuse if there is one.
    pub fn spare_list(&mut self) -> Vec<RecKey> {
        self.spare.pop().unwrap_or_default()
    }

    /// Takes back the answer list of a job sent, for reuse.
    pub fn recycle(&mut self, mut list: Vec<RecKey>) {
        if self.spare.len() < SPARE_LISTS && list.capacity() <= MAX_SPARE_CAPACITY {
            list.clear();
            self.spare.push(list);
        }
    }

    /// When `key` was last multicast on `iface` in `family`: in its registration's
    /// link where it is kept there, else in the table.
    fn last_multicast(
        &self,
        registry: &Registry,
        key: RecKey,
        iface: InterfaceId,
        family: Family,
    ) -> Option<Instant> {
        self.last_multicast_in(
            registry.multicast_cell(key, iface, family),
            key,
            iface,
            family,
        )
    }

    /// [`last_multicast`](Self::last_multicast) with the record's cell (see
    /// [`Registry::multicast_cell`]) already found.
    #[inline]
    pub fn last_multicast_in(
        &self,
        cell: Option<McCell<'_>>,
        key: RecKey,
        iface: InterfaceId,
        family: Family,
    ) -> Option<Instant> {
        match cell {
            Some(cell) => cell.get(),
            None => self.last_multicast_in_table(key, iface, family),
        }
    }

    /// [`last_multicast_in`](Self::last_multicast_in) for a record without a cell.
    fn last_multicast_in_table(
        &self,
        key: RecKey,
        iface: InterfaceId,
        family: Family,
    ) -> Option<Instant> {
        self.last_multicast
            .get(&McKey::new(key, iface, family))
            .copied()
    }

    /// Notes `key` as multicast at `now`, in its cell if it has one.
    pub fn note_multicast_in(
        &mut self,
        cell: Option<McCell<'_>>,
        now: Instant,
        key: RecKey,
        iface: InterfaceId,
        family: Family,
    ) {
        match cell {
            Some(cell) => cell.set(now),
            None => {
                self.last_multicast
                    .insert(McKey::new(key, iface, family), now);
            }
        }
    }

    /// Records that `keys` were multicast on `iface` in `family` at `now`.
    pub fn note_multicast(
        &mut self,
        registry: &Registry,
        now: Instant,
        keys: &[RecKey],
        iface: InterfaceId,
        family: Family,
    ) {
        for &k in keys {
            let cell = registry.multicast_cell(k, iface, family);
            self.note_multicast_in(cell, now, k, iface, family);
        }
    }

    /// The earliest time all of `keys` may be multicast again on `iface` in `family`,
    /// `gap` after each one's last multicast, and not before `now`.
    pub fn ready_at(
        &self,
        registry: &Registry,
        now: Instant,
        keys: &[RecKey],
        iface: InterfaceId,
        family: Family,
        gap: Duration,
    ) -> Instant {
        keys.iter()
            .filter_map(|k| self.last_multicast(registry, *k, iface, family))
            .map(|t| t + gap)
            .fold(now, core::cmp::max)
    }

    /// True if `key` was multicast on `iface` in `family` within `within` of `now`.
    pub fn multicast_within(
        &self,
        registry: &Registry,
        now: Instant,
        key: RecKey,
        iface: InterfaceId,
        family: Family,
        within: Duration,
    ) -> bool {
        self.last_multicast(registry, key, iface, family)
            .is_some_and(|t| now - t < within)
    }

    /// Another host multicast `key` with a TTL not less than ours: our pending
    /// multicast answer of it is treated as sent (RFC 6762 §7.4).
    pub fn suppress_duplicate(
        &mut self,
        registry: &Registry,
        now: Instant,
        key: RecKey,
        iface: InterfaceId,
        family: Family,
    ) {
        let dest = match family {
            Family::V4 => Destination::MulticastV4,
            Family::V6 => Destination::MulticastV6,
        };
        let mut cancelled = false;
        for g in self
            .groups
            .iter_mut()
            .filter(|g| g.iface == iface && g.dest == dest && !g.defence)
        {
            if let Ok(i) = g.answers.binary_search(&key) {
                g.answers.remove(i);
                cancelled = true;
            }
        }
        self.groups.retain(|g| !g.answers.is_empty());
        if cancelled {
            self.note_multicast(registry, now, &[key], iface, family);
        }
    }

    /// Holds a query with the TC bit until `at`. `false` if the table is full (the
    /// caller then answers it at once with the known answers it has).
    pub fn hold(&mut self, q: HeldQuery) -> bool {
        if let Some(h) = self
            .held
            .iter_mut()
            .find(|h| h.source == q.source && h.iface == q.iface)
        {
            // A new query from the same source replaces the old one.
            *h = q;
            return true;
        }
        if self.held.len() >= MAX_HELD_QUERIES {
            return false;
        }
        self.held.push(q);
        true
    }

    /// The held query from `source` on `iface`, if any (for a continuation packet).
    pub fn held_mut(&mut self, source: SocketAddr, iface: InterfaceId) -> Option<&mut HeldQuery> {
        self.held
            .iter_mut()
            .find(|h| h.source == source && h.iface == iface)
    }

    /// Held queries whose wait is over, oldest first.
    pub fn take_due_tc(&mut self, now: Instant) -> Vec<HeldQuery> {
        let mut due = Vec::new();
        let mut i = 0;
        while i < self.held.len() {
            if self.held[i].at <= now {
                due.push(self.held.remove(i));
            } else {
                i += 1;
            }
        }
        due.sort_by_key(|h| h.at);
        due
    }

    /// The earliest pending group or held query.
    #[inline]
    pub fn next_due(&self) -> Option<Instant> {
        // Usually both are empty: two length checks.
        let g = self.groups.iter().map(|g| g.at);
        let h = self.held.iter().map(|h| h.at);
        g.chain(h).min()
    }

    /// Forgets everything about an interface that went down.
    pub fn interface_down(&mut self, iface: InterfaceId) {
        self.groups.retain(|g| g.iface != iface);
        self.held.retain(|h| h.iface != iface);
        self.last_multicast.retain(|k, _| k.iface != iface);
    }

    /// Forgets the multicast times (kept for RFC 6762 §6's once-a-second rule and §5.4's
    /// quarter-TTL rule) of address records on `iface` whose address it no longer has
    /// (`has` says which it has). Without this a host whose addresses change,
    /// as IPv6 temporary addresses rotate (RFC 8981), kept one entry for every address it
    /// ever had, until the interface or the registration went.
    pub fn forget_addresses(&mut self, iface: InterfaceId, has: impl Fn(&IpAddr) -> bool) {
        self.last_multicast.retain(|k, _| {
            k.iface != iface
                || match k.key {
                    RecKey::A(_, a) => has(&IpAddr::V4(a)),
                    RecKey::Aaaa(_, a) => has(&IpAddr::V6(a)),
                    _ => true,
                }
        });
    }

    /// Entries in the multicast-time table (for tests of what it keeps).
    #[cfg(test)]
    pub fn table_len(&self) -> usize {
        self.last_multicast.len()
    }

    /// Forgets a registration's records (unregistered or renamed).
    pub fn forget(&mut self, reg: crate::engine::event::RegistrationId) {
        // A type-enumeration PTR is the type's, not the registration's: it stays.
        let keep = |k: &RecKey| k.reg() != reg || matches!(k, RecKey::EnumPtr(_));
        for g in &mut self.groups {
            g.answers.retain(keep);
        }
        self.groups.retain(|g| !g.answers.is_empty());
        self.last_multicast.retain(|k, _| keep(&k.key));
    }
}

/// The family of a multicast destination; `None` for unicast.
pub(crate) fn multicast_family(dest: Destination) -> Option<Family> {
    match dest {
        Destination::MulticastV4 => Some(Family::V4),
        Destination::MulticastV6 => Some(Family::V6),
        Destination::Unicast(_) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::event::RegistrationId;
    use core::net::{Ipv4Addr, Ipv6Addr};

    #[test]
    fn forget_addresses_drops_only_gone_addresses_of_that_interface() {
        let mut s = Schedule::default();
        let (eth, wlan) = (InterfaceId(1), InterfaceId(2));
        let reg = RegistrationId(7);
        let now = Instant::from_secs(10);
        let old6 = Ipv6Addr::new(0xfe80, 0, 0, 0, 0, 0, 0, 1);
        let new6 = Ipv6Addr::new(0xfe80, 0, 0, 0, 0, 0, 0, 2);
        let v4 = Ipv4Addr::new(192, 0, 2, 1);
        let keys = [
            (RecKey::Aaaa(reg, old6), eth, Family::V6),
            (RecKey::Aaaa(reg, new6), eth, Family::V6),
            (RecKey::A(reg, v4), eth, Family::V4),
            (RecKey::Srv(reg), eth, Family::V4),
            (RecKey::Aaaa(reg, old6), wlan, Family::V6),
        ];
        for (k, i, f) in keys {
            s.note_multicast_in(None, now, k, i, f);
        }
        assert_eq!(s.table_len(), 5);
        // eth now has new6 and v4: only its entry for old6 goes.
        s.forget_addresses(eth, |a| *a == IpAddr::V6(new6) || *a == IpAddr::V4(v4));
        assert_eq!(s.table_len(), 4);
        let last = |s: &Schedule, (k, i, f): (RecKey, InterfaceId, Family)| {
            s.last_multicast_in(None, k, i, f)
        };
        assert_eq!(last(&s, keys[0]), None);
        for k in &keys[1..] {
            assert_eq!(last(&s, *k), Some(now), "{k:?}");
        }
    }
}
