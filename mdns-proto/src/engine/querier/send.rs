//! When questions go out and what goes with them (RFC 6762 §5, RFC 6762 §7).
//!
//! - Continuous questions (RFC 6762 §5.2): the first after a random 20-120 ms, then gaps
//!   of one second doubling up to 60 minutes. The QU bit goes on the first query only,
//!   and only for questions of the start-up batch (RFC 6762 §5.4; see [`STARTUP_WINDOW`]).
//! - A question is not asked on an interface where the cache already holds its answer
//!   (RFC 6762 §7.1: "if a Multicast DNS querier already has at least one Unique record
//!   in its cache then ... it has no reason to be sending the query at all"): a unique
//!   record of the name and type, learnt there, with under 80 % of its TTL gone. At
//!   80 % the cache's refresh (RFC 6762 §5.2) makes it due and it is asked then. This is
//!   what makes the additional records of a browse answer (RFC 6763 §12) save the
//!   resolve's queries: a resolve they complete sends nothing, one they half complete
//!   asks only for the rest ([`answered`]).
//! - Questions due together go out in one packet per interface and family, with a
//!   known-answer list (RFC 6762 §7.1): shared records of ours answering them that have
//!   at least half their TTL left, the first [`max_known_answers`](crate::engine::Config)
//!   of each question in the order they arrived. What does not fit continues in further
//!   packets with the TC bit set and no questions (RFC 6762 §7.2).
//! - One-shot queries leave from an ephemeral port (RFC 6762 §5.1).
//!
//! Which questions exist and why is decided in [`super`], which are due now (and what
//! background resolves may spend) in `schedule`; this module keeps their timing and
//! writes them.

use super::super::cache::{Cache, EntryId, StoredName};
use super::super::io::{Destination, Family, InterfaceId, SourcePort, Transmit};
use super::super::Ctx;
use crate::name::Name;
use crate::time::Instant;
use crate::wire::{Class, CompressionTable, MessageWriter, RData, Rtype, Section, WriteError};
use alloc::vec::Vec;
use core::time::Duration;

/// Shortest random delay before the first query of a question (RFC 6762 §5.2).
pub const FIRST_QUERY_DELAY_MIN: Duration = Duration::from_millis(20);
/// Longest random delay before the first query of a question (RFC 6762 §5.2).
pub const FIRST_QUERY_DELAY_MAX: Duration = Duration::from_millis(120);
/// Gap between the first two queries (RFC 6762 §5.2).
pub const FIRST_QUERY_INTERVAL: Duration = Duration::from_secs(1);
/// Longest gap between continuous queries (RFC 6762 §5.2).
pub const MAX_QUERY_INTERVAL: Duration = Duration::from_secs(60 * 60);
/// How long after an interface comes up (the engine's start is its first interface
/// coming up) a new question still belongs to the start-up batch, whose first query
/// asks for unicast responses. RFC 6762 §5.4: QU is for "questions that are active and
/// ready to be sent the moment of wake from sleep or interface activation"; "new
/// questions created by local clients afterwards ... SHOULD NOT have the
/// unicast-response bit set on the first question of the series". A driver brings its
/// interfaces up and its application asks its first questions in the same instant in
/// practice, in either order: one second takes in what a program asks as it starts,
/// and nothing a user asks later. An engine learns of a wake from sleep as its
/// interfaces coming up again.
pub const STARTUP_WINDOW: Duration = Duration::from_secs(1);
/// Part of a unique record's TTL that may be gone while it still answers a question
/// on its own (RFC 6762 §5.2: the first refresh query is due at 80 %).
const FRESH_PERCENT: u64 = 80;

/// A continuous question the querier keeps asking.
#[derive(Clone, Debug)]
pub struct Question {
    /// How many operations ask it.
    pub refs: u32,
    /// How many of them an application started: with none, it is a background
    /// resolve's question and goes out within the background budget.
    pub fg_refs: u32,
    /// When it is next sent.
    pub next_send: Instant,
    /// Gap after the next send.
    pub interval: Duration,
    /// Set the QU bit on the next send (first query, RFC 6762 §5.4).
    pub unicast_next: bool,
    /// When it was last sent or counted as sent.
    pub last_sent: Option<Instant>,
}

impl Question {
    /// A question whose first query goes at `first` (see [`first_query_time`]), QU if
    /// `unicast` (it belongs to the start-up batch, RFC 6762 §5.4).
    pub fn start(first: Instant, unicast: bool) -> Self {
        Question {
            refs: 0,
            fg_refs: 0,
            next_send: first,
            interval: FIRST_QUERY_INTERVAL,
            unicast_next: unicast,
            last_sent: None,
        }
    }

    /// Starts over on interface activation: first query at `first`, QU again
    /// (RFC 6762 §5.4), one-second gap after it.
    pub fn restart(&mut self, first: Instant) {
        *self = Question {
            refs: self.refs,
            fg_refs: self.fg_refs,
            ..Question::start(first, true)
        };
    }

    /// Records that it was sent (or counts as sent, RFC 6762 §7.3) at `now`: the next gap
    /// doubles, up to an hour (RFC 6762 §5.2).
    pub fn sent(&mut self, now: Instant) {
        self.next_send = now + self.interval;
        self.interval = (self.interval * 2).min(MAX_QUERY_INTERVAL);
        self.unicast_next = false;
        self.last_sent = Some(now);
    }

    /// Whether another host's identical question at `now` stands in for our next
    /// query (RFC 6762 §7.3: a host "planning to transmit" a query): only in the second
    /// half of the gap before it, and never for a QU query. One query reaching
    /// us over IPv4 and IPv6, or several hosts asking at once, then count once, rather
    /// than each doubling the gap again until we stop asking for hours.
    pub fn suppressible(&self, now: Instant) -> bool {
        if self.unicast_next || self.next_send <= now {
            return false;
        }
        match self.last_sent {
            None => true,
            Some(last) => {
                let gap = self.next_send.saturating_duration_since(last);
                now.saturating_duration_since(last) * 2 >= gap
            }
        }
    }
}

/// When the first query of questions started now goes: after a random 20-120 ms
/// (RFC 6762 §5.2). Questions started together share it, so they share a packet.
pub fn first_query_time(ctx: &mut Ctx<'_>) -> Instant {
    ctx.now
        + ctx
            .rng
            .duration_between(FIRST_QUERY_DELAY_MIN, FIRST_QUERY_DELAY_MAX)
}

/// One question in a packet.
#[derive(Clone, Debug)]
pub struct Asked {
    /// Name.
    pub name: Name,
    /// Type.
    pub rtype: Rtype,
    /// QU bit.
    pub unicast: bool,
}

/// Questions being sent on every interface and family, packet by packet.
#[derive(Debug)]
pub struct SendJob {
    /// The questions.
    pub questions: Vec<Asked>,
    /// Where it still has to go.
    pub targets: Vec<(InterfaceId, Family)>,
    /// Which socket.
    pub source_port: SourcePort,
    /// Include known answers (continuous queries) or not (one-shot).
    pub known_answers: bool,
    /// Known answers still to send for the current target, and how far we got.
    pending: Option<(Vec<EntryId>, usize)>,
}

impl SendJob {
    /// A job for `questions` to every target.
    pub fn new(
        questions: Vec<Asked>,
        targets: Vec<(InterfaceId, Family)>,
        source_port: SourcePort,
        known_answers: bool,
    ) -> Self {
        SendJob {
            questions,
            targets,
            source_port,
            known_answers,
            pending: None,
        }
    }

    /// Drops targets on an interface that went away.
    pub fn forget_interface(&mut self, id: InterfaceId) {
        if self.targets.first().is_some_and(|t| t.0 == id) {
            self.pending = None;
        }
        self.targets.retain(|t| t.0 != id);
    }

    /// True when every packet has been written.
    pub fn is_done(&self) -> bool {
        self.targets.is_empty()
    }

    /// Writes the next packet into `buf`.
    pub fn write_next(
        &mut self,
        ctx: &Ctx<'_>,
        cache: &Cache,
        buf: &mut [u8],
        table: &mut CompressionTable,
    ) -> Option<Transmit> {
        let &(iface, family) = self.targets.first()?;
        let first_packet = self.pending.is_none();
        let (ka, mut next) = match self.pending.take() {
            Some(p) => p,
            None => (self.known_answers_for(ctx, cache, iface), 0),
        };
        if first_packet && ka.is_empty() && self.all_answered(ctx.now, cache, iface) {
            // Nothing to ask on this interface (RFC 6762 §7.1): no packet.
            self.targets.remove(0);
            return None;
        }
        let mut w = MessageWriter::with_table_unlogged(buf, 0, 0, table)?;
        if first_packet {
            self.write_questions(&mut w, cache, ctx.now, iface);
        }
        let mut last_owner: Option<StoredName<'_>> = None;
        while let Some(&id) = ka.get(next) {
            let Some(e) = cache.entry_inlined(id) else {
                next += 1;
                continue;
            };
            // Known answers carry their remaining TTL and no cache-flush bit
            // (RFC 6762 §7.1).
            let ttl = e.remaining_ttl(ctx.now);
            // Known answers of one question share their owner: hashed once for the writer.
            let owner = match last_owner {
                Some(o) if o.is(&e.owner()) => o,
                _ => *last_owner.insert(e.owner().hashed()),
            };
            let (rtype, data) = (e.rtype(), e.canonical_data());
            match w.push_record_canonical(
                Section::Answer,
                &owner,
                rtype,
                Class::IN,
                false,
                ttl,
                data,
            ) {
                Ok(()) => next += 1,
                Err(WriteError::NoSpace) if w.header().ancount == 0 && !first_packet => {
                    // It can never fit alone: skip it rather than loop.
                    next += 1;
                }
                Err(_) => break,
            }
        }
        if next < ka.len() {
            // More known answers follow in the next packet (RFC 6762 §7.2).
            w.set_truncated(true);
            self.pending = Some((ka, next));
        } else {
            self.targets.remove(0);
        }
        let size = w.finish();
        Some(Transmit {
            destination: match family {
                Family::V4 => Destination::MulticastV4,
                Family::V6 => Destination::MulticastV6,
            },
            interface: iface,
            source_port: self.source_port,
            size,
        })
    }

    /// Writes the questions the cache does not answer on `iface` ([`answered`]; all of
    /// a one-shot query's). Out of line: [`write_next`](Self::write_next), which runs
    /// for every packet of a long known-answer list, stays small enough to be inlined.
    #[inline(never)]
    fn write_questions(
        &self,
        w: &mut MessageWriter<'_, &mut CompressionTable>,
        cache: &Cache,
        now: Instant,
        iface: InterfaceId,
    ) {
        for q in &self.questions {
            if self.known_answers && answered(cache, now, iface, &q.name, q.rtype) {
                continue;
            }
            // A question that does not fit is dropped from this packet; with the
            // payload limit at 512 bytes or more that takes dozens of questions.
            let _ = w.push_question(&q.name, q.rtype, Class::IN, q.unicast);
        }
    }

    /// True if every question of this continuous query is answered on `iface` by the
    /// cache ([`answered`]). One-shot queries always go.
    fn all_answered(&self, now: Instant, cache: &Cache, iface: InterfaceId) -> bool {
        self.known_answers
            && self
                .questions
                .iter()
                .all(|q| answered(cache, now, iface, &q.name, q.rtype))
    }

    /// Known answers for this job's questions on `iface` (RFC 6762 §7.1): shared records
    /// with at least half their TTL left. Unique records are left out: holding one, we
    /// expect no other answer.
    fn known_answers_for(&self, ctx: &Ctx<'_>, cache: &Cache, iface: InterfaceId) -> Vec<EntryId> {
        let mut out = Vec::new();
        if !self.known_answers {
            return out;
        }
        let max = ctx.config.max_known_answers;
        for q in &self.questions {
            let mut listed = 0;
            let ids = cache.ids(&q.name, q.rtype);
            // One allocation for a long list of shared answers, not one per doubling.
            out.reserve(ids.size_hint().0.min(max));
            for id in ids {
                if listed == max {
                    break;
                }
                if cache.lists_as_known_answer(id, iface, ctx.now) {
                    out.push(id);
                    listed += 1;
                }
            }
        }
        out
    }
}

/// True if the cache answers the question (`name`, `rtype`) on `iface` by itself
/// (RFC 6762 §7.1): it holds a unique (cache-flush) record of it learnt on `iface`
/// with under 80 % of its TTL gone (RFC 6762 §5.2), one not being flushed or said goodbye
/// to. Records of a name and type are all unique or all shared (a cache-flush record
/// flushes the others within a second, RFC 6762 §10.2), so the first shared one found
/// ends the search: a browse's PTR question, with its many shared answers, costs one look.
pub fn answered(
    cache: &Cache,
    now: Instant,
    iface: InterfaceId,
    name: &Name,
    rtype: Rtype,
) -> bool {
    if rtype == Rtype::ANY {
        return false;
    }
    for e in cache.get(name, rtype) {
        if !e.unique() {
            return false;
        }
        if e.interface() == iface && fresh(e.ttl(), e.expires(), now) {
            return true;
        }
    }
    false
}

/// True if a record of TTL `ttl` expiring at `expires` has under 80 % of its TTL gone
/// at `now` (a goodbye's or a flushed record's expiry is a second away: not fresh).
pub fn fresh(ttl: u32, expires: Instant, now: Instant) -> bool {
    let left = expires.saturating_duration_since(now).as_micros();
    ttl > 0 && left * 100 > u128::from(ttl) * 1_000_000 * u128::from(100 - FRESH_PERCENT)
}

/// True if an unexpired NSEC record in the cache says `name` has no `rtype` record
/// (RFC 6762 §6.1): then asking for it is pointless until that NSEC expires.
pub fn denied_by_nsec(cache: &Cache, name: &Name, rtype: Rtype) -> bool {
    cache.get(name, Rtype::NSEC).any(|e| match e.data() {
        Some(RData::Nsec { types, .. }) => e.ttl() > 0 && !types.contains(rtype),
        _ => false,
    })
}
