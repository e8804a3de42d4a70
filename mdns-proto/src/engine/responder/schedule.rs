//! When answers go out: response delays (RFC 6762 §6, RFC 6762 §6.3), aggregation into one
//! datagram (RFC 6762 §6.4), the per-record per-interface multicast rate limit
//! (RFC 6762 §6), queries held for their multi-packet known answers (RFC 6762 §7.2), and
//! duplicate answer suppression (RFC 6762 §7.4).
//!
//! Every table here is bounded, so a flood of queries cannot grow memory: at most
//! [`MAX_GROUPS`] pending answer groups (each holding distinct records of ours only),
//! at most [`MAX_HELD_QUERIES`] queries waiting for known answers, each with at most
//! [`MAX_HELD_QUESTIONS`] questions. When each record was last multicast is kept in
//! one store (`multicast.rs`), at most one entry per record, interface and family, and
//! only for addresses an interface still has. At most [`SPARE_LISTS`] emptied answer
//! lists are kept for reuse.

use super::answer::is_strictly_sorted;
use super::job::{Job, ResponseJob};
use super::multicast::MulticastTimes;
use super::records::RecKey;
use crate::engine::event::RegistrationId;
use crate::engine::io::{Destination, Family, InterfaceId};
use crate::name::Name;
use crate::rand::Rng;
use crate::time::Instant;
use crate::wire::{Class, Rtype};
use alloc::collections::VecDeque;
use alloc::vec::Vec;
use core::net::IpAddr;
use core::net::SocketAddr;
use core::time::Duration;

/// Shortest delay of an answer that may collide with other responders' (RFC 6762 §6).
pub const SHARED_DELAY_MIN: Duration = Duration::from_millis(20);
/// Longest such delay (RFC 6762 §6).
pub const SHARED_DELAY_MAX: Duration = Duration::from_millis(120);
/// Shortest wait for the rest of a multi-packet known-answer list (RFC 6762 §6, RFC 6762 §7.2).
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
    pub questions: Vec<HeldQuestion>,
    /// Records of ours the known answers so far cover (RFC 6762 §7.1).
    pub suppressed: Vec<RecKey>,
}

/// The scheduling state.
#[derive(Debug, Default)]
pub(crate) struct Schedule {
    groups: Vec<Group>,
    held: Vec<HeldQuery>,
    /// When each record was last multicast, per interface and family.
    pub times: MulticastTimes,
    /// Emptied answer lists of jobs sent, reused for new groups (at most
    /// [`SPARE_LISTS`]): a response then costs no allocation.
    spare: Vec<Vec<RecKey>>,
}

/// Most emptied answer lists kept for reuse.
pub const SPARE_LISTS: usize = 8;
/// Largest list kept (a bigger one, from a huge response, is freed).
pub const MAX_SPARE_CAPACITY: usize = 64;

/// The delay before answering (RFC 6762 §6, RFC 6762 §6.3): none when every answer is
/// unique and the query had one question, else uniform 20–120 ms.
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
            // The one-second rule (RFC 6762 §6) is applied as the answers are written.
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

    /// Records that `keys` were multicast on `iface` in `family` at `now`.
    pub fn note_multicast(
        &mut self,
        now: Instant,
        keys: &[RecKey],
        iface: InterfaceId,
        family: Family,
    ) {
        for &k in keys {
            self.times.set(k, iface, family, now);
        }
    }

    /// The earliest time all of `keys` may be multicast again on `iface` in `family`,
    /// `gap` after each one's last multicast, and not before `now`.
    pub fn ready_at(
        &self,
        now: Instant,
        keys: &[RecKey],
        iface: InterfaceId,
        family: Family,
        gap: Duration,
    ) -> Instant {
        keys.iter()
            .filter_map(|k| self.times.get(*k, iface, family))
            .map(|t| t + gap)
            .fold(now, core::cmp::max)
    }

    /// True if `key` was multicast on `iface` in `family` within `within` of `now`.
    pub fn multicast_within(
        &self,
        now: Instant,
        key: RecKey,
        iface: InterfaceId,
        family: Family,
        within: Duration,
    ) -> bool {
        self.times
            .get(key, iface, family)
            .is_some_and(|t| now - t < within)
    }

    /// Another host multicast `key` with a TTL not less than ours: our pending
    /// multicast answer of it is treated as sent (RFC 6762 §7.4).
    pub fn suppress_duplicate(
        &mut self,
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
            self.times.set(key, iface, family, now);
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
        crate::util::sort_small_by_key(&mut due, |h| h.at);
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
        self.times.interface_down(iface);
    }

    /// Forgets the multicast times of address records on `iface` whose address it no
    /// longer has (`has` says which it has).
    pub fn forget_addresses(&mut self, iface: InterfaceId, has: impl Fn(&IpAddr) -> bool) {
        self.times.forget_addresses(iface, has);
    }

    /// `reg` lost its PTR `index` (a subtype removed): answers of it pending here are
    /// dropped, its later PTRs' keys and multicast times move down one index.
    pub fn remove_ptr(&mut self, reg: RegistrationId, index: u8) {
        for g in &mut self.groups {
            g.answers.retain_mut(|k| shift_ptr(k, reg, index));
        }
        self.groups.retain(|g| !g.answers.is_empty());
        for h in &mut self.held {
            h.suppressed.retain_mut(|k| shift_ptr(k, reg, index));
        }
        self.times.remove_ptr(reg, index);
    }

    /// Forgets a registration's records (unregistered or renamed).
    pub fn forget(&mut self, reg: RegistrationId) {
        // A type-enumeration PTR is the type's, not the registration's: it stays.
        let keep = |k: &RecKey| k.reg() != reg || matches!(k, RecKey::EnumPtr(_));
        for g in &mut self.groups {
            g.answers.retain(keep);
        }
        self.groups.retain(|g| !g.answers.is_empty());
        self.times.forget(reg);
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

/// For a registration `reg` that lost its PTR `index`: false for that PTR's key (drop
/// it), and a later PTR of `reg` moves down one index. Keys stay in order.
pub(crate) fn shift_ptr(key: &mut RecKey, reg: RegistrationId, index: u8) -> bool {
    match *key {
        RecKey::Ptr(r, i) if r == reg && i == index => false,
        RecKey::Ptr(r, i) if r == reg && i > index => {
            *key = RecKey::Ptr(r, i - 1);
            true
        }
        _ => true,
    }
}
