//! The querying half of the engine (RFC 6762 §5, RFC 6762 §7, RFC 6762 §10; RFC 6763 §4
//! to RFC 6763 §9, RFC 6763 §12): operations (browse, resolve, host lookup, type
//! enumeration, one-shot queries), the questions they keep asking, the cache they read,
//! and the events they report.
//!
//! - `send`: question timing, what the cache already answers, known-answer lists,
//!   multi-packet queries.
//! - `schedule`: which questions go out now, background ones within their budget.
//! - `background`: the resolves a client layer starts for what a resolving browse
//!   finds: cache first, bounded places and turns, a byte budget (flood resilience).
//! - `report`: what operations report when records change.
//! - `observed`: other hosts' queries, followed until their known answers are complete.
//! - `reconfirm`: reconfirmation of a service an application failed to reach
//!   (RFC 6762 §10.4).
//! - [`api`]: the public methods on [`Engine`](super::Engine).
//! - The cache itself is [`super::cache`].
//!
//! An operation declares interest in (name, type) pairs. Interest keeps the cache's
//! records of a pair (they are evicted last) and makes the operations interested in it
//! recompute what they report, and emit the difference as events, when its records
//! change. Operations that ask (all but waiting background resolves and one-shots)
//! also keep a continuous question per pair, shared by all that ask it.

mod api;
pub use api::QueryError;
mod background;
pub(crate) mod observed;
pub(crate) mod reconfirm;
mod report;
mod schedule;
pub(crate) mod send;

use super::cache::{Cache, Change, EntryId, Gone, OwnerMemo};
use super::config::Config;
use super::event::{AnswerRecord, Event, QueryId, ResolvedService};
use super::io::{InterfaceId, SourcePort, Transmit};
use super::{Ctx, Incoming};
use crate::name::Name;
use crate::time::Instant;
use crate::util::{FixedState, KeyRef, RefKeyType};
use crate::vecmap::{VecMap, VecSet};
use crate::wire::{Class, CompressionTable, RData, Rtype, Section};
use alloc::collections::VecDeque;
use alloc::vec::Vec;
use background::{Ask, Background};
use core::net::IpAddr;
use core::time::Duration;
use hashbrown::HashMap;
use observed::{Observed, ObservedQuery};
use report::{Changes, PtrChange};
use send::{Asked, Question, SendJob};
use smallvec::SmallVec;

/// How long after a QU or one-shot query unicast responses are accepted (RFC 6762 §6:
/// unicast responses only for queries that asked for them).
pub const UNICAST_REPLY_WINDOW: Duration = Duration::from_secs(3);

/// What an operation is doing.
#[derive(Debug)]
pub(crate) enum Op {
    /// Browse a type (or subtype) name: PTR records name instances.
    Browse {
        name: Name,
        seen: VecSet<(Name, InterfaceId)>,
    },
    /// Enumerate service types (RFC 6763 §9).
    Types { seen: VecSet<(Name, InterfaceId)> },
    /// Resolve an instance: SRV + TXT, then the target's addresses. `background`: a
    /// client layer's resolve of what a browse found (`background`).
    Resolve {
        instance: Name,
        target: Option<Name>,
        last: Option<alloc::boxed::Box<ResolvedService>>,
        background: bool,
    },
    /// Look up a host's addresses.
    Host {
        name: Name,
        seen: VecSet<(IpAddr, InterfaceId)>,
    },
    /// One query from an ephemeral port; every matching record is reported.
    OneShot { name: Name, rtype: Rtype },
    /// Reconfirm a service instance (RFC 6762 §10.4); its state is in `reconfirm`.
    Reconfirm,
}

type Key = (Name, Rtype);

impl Op {
    /// The (name, type) pairs it is interested in.
    /// (A `Vec`: asked when an operation starts or stops, where an allocation is
    /// nothing beside the operation's own, and a `SmallVec` of keys would instantiate
    /// its code for this type alone.)
    fn keys(&self) -> Vec<Key> {
        let pair = |n: &Name, a: Rtype, b: Rtype| [(n.clone(), a), (n.clone(), b)];
        match self {
            Op::Browse { name, .. } => alloc::vec![(name.clone(), Rtype::PTR)],
            Op::Types { .. } => alloc::vec![(crate::sd::service_enumeration_name(), Rtype::PTR)],
            Op::Resolve {
                instance, target, ..
            } => {
                let mut v: Vec<Key> = pair(instance, Rtype::SRV, Rtype::TXT).into();
                if let Some(t) = target {
                    v.extend(pair(t, Rtype::A, Rtype::AAAA));
                }
                v
            }
            Op::Host { name, .. } => pair(name, Rtype::A, Rtype::AAAA).into(),
            Op::OneShot { name, rtype } => alloc::vec![(name.clone(), *rtype)],
            Op::Reconfirm => Vec::new(),
        }
    }

    /// True for a background resolve.
    fn is_background(&self) -> bool {
        matches!(
            self,
            Op::Resolve {
                background: true,
                ..
            }
        )
    }
}

/// The querier state.
#[derive(Debug)]
pub struct Querier {
    cache: Cache,
    pub(crate) ops: VecMap<QueryId, Op>,
    next_id: u32,
    interest: HashMap<Key, SmallVec<[QueryId; 2]>, FixedState>,
    questions: VecMap<Key, Question>,
    jobs: VecDeque<SendJob>,
    /// No question is due before this (a lower bound: `schedule` finds the exact one
    /// when it passes).
    next_due: Option<Instant>,
    /// New questions until then belong to the start-up batch (`send::STARTUP_WINDOW`);
    /// `None` before any interface came up.
    startup_until: Option<Instant>,
    unicast_until: Option<Instant>,
    /// The one-shot queries' deadlines: one entry for each running one-shot query.
    deadlines: VecSet<(Instant, QueryId)>,
    scratch: Vec<Gone>,
    observed: Observed,
    reconfirms: reconfirm::Reconfirms,
    pub(crate) background: Background,
}

impl Querier {
    pub(crate) fn new(config: &Config) -> Self {
        Querier {
            cache: Cache::new(config.cache_capacity),
            ops: VecMap::new(),
            next_id: 1,
            interest: HashMap::with_hasher(FixedState),
            questions: VecMap::new(),
            jobs: VecDeque::new(),
            next_due: None,
            startup_until: None,
            unicast_until: None,
            deadlines: VecSet::new(),
            scratch: Vec::new(),
            observed: Observed::default(),
            reconfirms: reconfirm::Reconfirms::default(),
            background: Background::default(),
        }
    }

    /// Operations an application started (background resolves not counted).
    pub(crate) fn foreground_ops(&self) -> usize {
        self.ops.len() - self.background.len()
    }

    /// The cache.
    pub fn cache(&self) -> &Cache {
        &self.cache
    }

    // ----- operations -----

    pub(crate) fn start(&mut self, ctx: &mut Ctx<'_>, op: Op) -> QueryId {
        let id = QueryId(self.next_id);
        self.next_id = self.next_id.wrapping_add(1).max(1);
        let keys = op.keys();
        let background = op.is_background();
        if let Op::OneShot { name, rtype } = &op {
            self.interest
                .entry((name.clone(), *rtype))
                .or_default()
                .push(id);
            let asked = Asked {
                name: name.clone(),
                rtype: *rtype,
                unicast: false,
            };
            let targets = ctx.ifaces.multicast_targets().collect();
            // RFC 6762 §5.1: one-shot queries go from a port other than 5353.
            self.jobs.push_back(SendJob::new(
                alloc::vec![asked],
                targets,
                SourcePort::Ephemeral,
                false,
            ));
            self.expect_unicast(ctx.now + ctx.config.one_shot_timeout);
            self.deadlines
                .insert((ctx.now + ctx.config.one_shot_timeout, id));
            self.ops.insert(id, op);
            return id;
        }
        self.ops.insert(id, op);
        if background {
            // It waits for a place unless the cache resolves it at once (below).
            self.background.add(id);
        }
        let (first, unicast) = self.first_query(ctx);
        for (name, rtype) in keys {
            self.add_interest(ctx, id, &name, rtype);
            if !background {
                self.ask(first, unicast, &name, rtype, true);
            }
        }
        // Report what the cache already knows.
        self.refresh_op(ctx, id, true);
        id
    }

    pub(crate) fn stop(&mut self, id: QueryId) -> bool {
        let Some(op) = self.ops.remove(&id) else {
            return false;
        };
        let background = op.is_background();
        let asks = match &op {
            Op::OneShot { .. } | Op::Reconfirm => false,
            _ if background => self.background.asks(id),
            _ => true,
        };
        for (name, rtype) in op.keys() {
            self.remove_interest(id, &name, rtype);
            if asks {
                self.unask(&name, rtype, !background);
            }
        }
        if background {
            self.background.remove(id);
        }
        if let Op::OneShot { .. } = op {
            self.deadlines.retain(|(_, q)| *q != id);
        }
        if let Op::Reconfirm = op {
            self.reconfirms.forget(id);
        }
        true
    }

    /// When the first query of questions started now goes, and whether it is QU: the
    /// questions of the start-up batch ask for unicast responses (RFC 6762 §5.4,
    /// `send::STARTUP_WINDOW`).
    fn first_query(&self, ctx: &mut Ctx<'_>) -> (Instant, bool) {
        let unicast = self.startup_until.is_none_or(|u| ctx.now <= u);
        (send::first_query_time(ctx), unicast)
    }

    /// Operation `id` is interested in (name, type): its records are kept (evicted
    /// last) and their changes reported to it.
    fn add_interest(&mut self, ctx: &mut Ctx<'_>, id: QueryId, name: &Name, rtype: Rtype) {
        let ids = self.interest.entry((name.clone(), rtype)).or_default();
        if ids.contains(&id) {
            return;
        }
        ids.push(id);
        self.cache.want(ctx.now, ctx.rng, name, rtype);
    }

    fn remove_interest(&mut self, id: QueryId, name: &Name, rtype: Rtype) {
        let key = KeyRef(name, rtype);
        let Some(ids) = self.interest.get_mut(&key) else {
            return;
        };
        ids.retain(|x| *x != id);
        if ids.is_empty() {
            self.interest.remove(&key);
            self.cache.unwant(name, rtype);
        }
    }

    /// One more operation asks (name, type): its question starts (first query at
    /// `first`, QU if `unicast`) unless another already asks it. `foreground`: an
    /// application's operation.
    fn ask(&mut self, first: Instant, unicast: bool, name: &Name, rtype: Rtype, foreground: bool) {
        let q = self
            .questions
            .get_or_insert_with((name.clone(), rtype), || Question::start(first, unicast));
        q.refs += 1;
        if foreground {
            q.fg_refs += 1;
        }
        let due = q.next_send;
        self.next_due = Some(self.next_due.map_or(due, |d| d.min(due)));
    }

    /// One operation fewer asks (name, type): the last one takes its question away.
    fn unask(&mut self, name: &Name, rtype: Rtype, foreground: bool) {
        let key = (name.clone(), rtype);
        if let Some(q) = self.questions.get_mut(&key) {
            q.refs = q.refs.saturating_sub(1);
            if foreground {
                q.fg_refs = q.fg_refs.saturating_sub(1);
            }
            if q.refs == 0 {
                self.questions.remove(&key);
            }
        }
    }

    /// A background resolve starts or stops asking its questions.
    fn set_asking(&mut self, ctx: &mut Ctx<'_>, id: QueryId, ask: Ask) {
        let Some(op) = self.ops.get(&id) else {
            return;
        };
        let keys = op.keys();
        let (first, unicast) = self.first_query(ctx);
        for (name, rtype) in keys {
            match ask {
                Ask::Start => self.ask(first, unicast, &name, rtype, false),
                Ask::Stop => self.unask(&name, rtype, false),
            }
        }
    }

    /// Gives free places to waiting background resolves (`background`).
    fn admit(&mut self, ctx: &mut Ctx<'_>) {
        if !self.background.can_admit(ctx.config) {
            return;
        }
        for id in self.background.admit(ctx.now, ctx.config) {
            self.set_asking(ctx, id, Ask::Start);
        }
    }

    /// True if an operation is interested in (name, type) (a name read in place). With
    /// a few pairs wanted (a browse or two) each is compared, type first, rather than
    /// the name hashed: hashing the name of every record received was 8 % of a big
    /// LAN's instructions.
    #[inline]
    fn wants(&self, name: &crate::wire::NameRef<'_>, rtype: Rtype) -> bool {
        /// Most pairs compared one by one.
        const FEW: usize = 8;
        if self.interest.is_empty() {
            return false;
        }
        if self.interest.len() <= FEW {
            return self
                .interest
                .keys()
                .any(|(n, t)| *t == rtype && name.eq_name(n));
        }
        self.interest.contains_key(&RefKeyType(*name, rtype))
    }

    fn expect_unicast(&mut self, until: Instant) {
        self.unicast_until = Some(self.unicast_until.map_or(until, |u| u.max(until)));
    }

    // ----- inputs -----

    pub(crate) fn handle_response(&mut self, ctx: &mut Ctx<'_>, incoming: &Incoming<'_>) {
        let now = ctx.now;
        let meta = incoming.meta;
        // RFC 6762 §6, RFC 6762 §11: a unicast response is only taken in reply to a query
        // of ours that asked for one (QU or one-shot), and only from on the link (checked
        // by the engine).
        if !meta.multicast && self.unicast_until.is_none_or(|u| now > u) {
            ctx.stats.unsolicited_unicast += 1;
            return;
        }
        let mut changes = Changes::default();
        let mut memo = OwnerMemo::default();
        self.cache.set_source(meta.source.ip());
        for record in incoming.msg.records() {
            let record = match record {
                Ok(r) => r,
                Err(_) => {
                    ctx.stats.malformed_records += 1;
                    continue;
                }
            };
            // Authority records of a response mean nothing to a cache; OPT is not a
            // record (RFC 6762 §18.13 masks the class; OPT's class is a size).
            if record.section == Section::Authority
                || record.rtype == Rtype::OPT
                || record.class != Class::IN
            {
                continue;
            }
            // Every one-shot query, and nothing else, has a deadline: without one
            // running, no record is looked up twice more (its type, then ANY).
            if !self.deadlines.is_empty() {
                self.report_one_shot(ctx, &record, meta.interface, meta.source);
            }
            if !self.reconfirms.is_empty() {
                self.reconfirm_answered(ctx, &record);
            }
            let interested = self.wants(&record.name, record.rtype);
            let evictions = self.cache.evictions();
            let (change, id) =
                self.cache
                    .receive(now, ctx.rng, &record, meta.interface, interested, &mut memo);
            if self.cache.evictions() != evictions {
                // Taken now, so that what browses report follows the cache in order.
                self.take_evicted(&mut changes);
            }
            if let Some(id) = id.filter(|_| record.cache_flush && record.ttl > 0) {
                self.cache.flush_others(now, id);
            }
            // A renewal changes nothing an operation reports, except which of several
            // TXT records is the newest (a resolve reports that one). Not recomputing
            // on every renewal keeps a browse of a type with thousands of instances
            // from scanning all of them for each answer. Nothing is reported for
            // records no operation wants.
            // A PTR record's goodbye changes nothing a browse reports until the record
            // goes a second later; a new one is reported as itself.
            let reportable = interested
                && match change {
                    Change::None => false,
                    Change::Renewed => record.rtype == Rtype::TXT,
                    Change::Goodbye => record.rtype != Rtype::PTR,
                    Change::Added => true,
                };
            if !reportable {
                continue;
            }
            match (record.rtype, &record.rdata) {
                (Rtype::PTR, RData::Ptr(target)) => changes.ptrs.push(PtrChange {
                    owner: record.name.to_name(),
                    target: target.to_name(),
                    interface: meta.interface,
                    added: true,
                }),
                _ => {
                    changes.keys.insert((record.name.to_name(), record.rtype));
                }
            }
        }
        if !changes.is_empty() {
            self.report(ctx, changes);
        }
    }

    /// Files the records the cache evicted (or removed) that someone wanted.
    fn take_evicted(&mut self, changes: &mut Changes) {
        let mut evicted = core::mem::take(&mut self.scratch);
        self.cache.take_evicted(&mut evicted);
        for g in evicted.drain(..) {
            changes.gone(g);
        }
        self.scratch = evicted;
    }

    fn report_one_shot(
        &self,
        ctx: &mut Ctx<'_>,
        record: &crate::wire::Record<'_>,
        interface: InterfaceId,
        source: core::net::SocketAddr,
    ) {
        for rtype in [record.rtype, Rtype::ANY] {
            let Some(ids) = self.interest.get(&RefKeyType(record.name, rtype)) else {
                continue;
            };
            for id in ids {
                if let Some(Op::OneShot { .. }) = self.ops.get(id) {
                    ctx.events.push(Event::QueryAnswer {
                        query: *id,
                        record: AnswerRecord {
                            name: record.name.to_name(),
                            rtype: record.rtype,
                            ttl: record.ttl,
                            cache_flush: record.cache_flush,
                            data: record.rdata.to_owned(),
                            source,
                            interface,
                        },
                    });
                }
            }
        }
    }

    #[inline]
    pub(crate) fn handle_query(&mut self, ctx: &mut Ctx<'_>, incoming: &Incoming<'_>) {
        if incoming.own || incoming.legacy {
            return;
        }
        // Nothing cached, asked for or followed: no question of theirs can matter to us
        // (RFC 6762 §7.3, RFC 6762 §10.5), whatever it asks. (What follows would come to
        // the same.)
        if self.cache.is_empty() && self.interest.is_empty() && self.observed.is_empty() {
            return;
        }
        self.observe_query(ctx, incoming);
    }

    /// [`handle_query`](Self::handle_query) when the query may matter to us.
    fn observe_query(&mut self, ctx: &mut Ctx<'_>, incoming: &Incoming<'_>) {
        let now = ctx.now;
        let iface = incoming.meta.interface;
        let source = incoming.meta.source;
        let msg = &incoming.msg;
        let truncated = msg.header().truncated();
        if msg.header().qdcount == 0 {
            // RFC 6762 §7.2: more known answers of a query with TC from the same source.
            let Some(mut q) = self.observed.take(source, iface) else {
                return;
            };
            q.add_known_answers(&mut self.cache, now, msg);
            if truncated {
                q.extend(now);
                // Never full here: this query was just taken out.
                self.observed.wait(q);
            } else {
                self.complete_query(now, q);
            }
            return;
        }
        // Only questions about records we cache or ask for can matter to us.
        let mut q = ObservedQuery::new(source, iface, now, msg, |name, rtype| {
            self.cache.holds(name, rtype) || self.wants(name, rtype)
        });
        if let Some(old) = self.observed.take(source, iface) {
            self.complete_query(now, old);
        }
        if q.questions.is_empty() {
            return;
        }
        q.add_known_answers(&mut self.cache, now, msg);
        if truncated {
            // With too many multi-packet queries followed at once this one is not: it
            // then neither counts as a failure to answer nor suppresses our question.
            let _ = self.observed.wait(q);
        } else {
            self.complete_query(now, q);
        }
    }

    /// Another host's query with all its known answers: what it says about our cache
    /// and our own questions.
    fn complete_query(&mut self, now: Instant, q: ObservedQuery) {
        for oq in &q.questions {
            // RFC 6762 §10.5 POOF: a QM question our cache would answer, whose answer
            // they do not already know, counts towards flushing it if nobody answers.
            let known = observed::IdSet::of(&oq.known);
            // Usually they knew every record we hold: checked through their list
            // first, whose records are read independently, before the walk through
            // ours, whose records are read one after another.
            let all_known = self
                .cache
                .owner(&oq.name)
                .is_none_or(|owner| self.cache.all_among(owner, oq.rtype, q.iface, known.iter()));
            if !all_known {
                let ids: SmallVec<[EntryId; 8]> = self
                    .cache
                    .ids(&oq.name, oq.rtype)
                    .filter(|&id| {
                        self.cache.interface_of(id) == Some(q.iface) && !known.contains(id)
                    })
                    .collect();
                for id in ids {
                    self.cache.poof_query(now, id);
                }
            }
            // RFC 6762 §7.3 duplicate question suppression: another host's QM question
            // whose known answers are all ones we would list too counts as our own query.
            if !oq.all_ours {
                continue;
            }
            if let Some(question) = self.questions.get_mut(&(oq.name.clone(), oq.rtype)) {
                if question.suppressible(now) {
                    question.sent(now);
                }
            }
        }
    }

    #[inline]
    pub(crate) fn handle_timeout(&mut self, ctx: &mut Ctx<'_>) {
        let now = ctx.now;
        // Nothing of the querier's due (the usual case when the timer was the
        // responder's): nothing to do.
        let due = |t: Option<Instant>| t.is_some_and(|t| t <= now);
        if due(self.observed.next_due())
            || due(self.cache.next_timeout())
            || due(self.deadlines.first().map(|d| d.0))
            || due(self.background.next_timeout())
            || self.reconfirm_is_due(now)
        {
            self.run_due(ctx);
        }
    }

    /// [`handle_timeout`](Self::handle_timeout) when something is due.
    fn run_due(&mut self, ctx: &mut Ctx<'_>) {
        let now = ctx.now;
        let mut done = Vec::new();
        self.observed.take_due(now, &mut done);
        for q in done {
            self.complete_query(now, q);
        }
        let mut removed = core::mem::take(&mut self.scratch);
        self.cache.expire(now, &mut removed);
        let mut changes = Changes::default();
        for g in removed.drain(..) {
            changes.gone(g);
        }
        self.scratch = removed;
        if !changes.is_empty() {
            self.report(ctx, changes);
        }
        // After the flush: an outcome reported at its deadline follows the removals.
        if !self.reconfirms.is_empty() {
            self.reconfirm_due(ctx);
        }
        // RFC 6762 §5.2: records someone asks about get a refresh query at
        // 80, 85, 90, 95 %.
        let mut due = Vec::new();
        self.cache.due_refreshes(now, ctx.rng, &mut due);
        for id in due {
            let Some(e) = self.cache.entry(id) else {
                continue;
            };
            if let Some(q) = self.questions.get_mut(&(e.name(), e.rtype())) {
                q.next_send = q.next_send.min(now);
                self.next_due = Some(self.next_due.map_or(now, |d| d.min(now)));
            }
        }
        // Background resolves whose turn is over stop asking (the next ones start in
        // `poll_transmit`).
        for id in self.background.end_turns(now, ctx.config) {
            self.set_asking(ctx, id, Ask::Stop);
        }
        while let Some(&(t, id)) = self.deadlines.first() {
            if t > now {
                break;
            }
            self.deadlines.remove(&(t, id));
            if self.stop(id) {
                ctx.events.push(Event::QueryDone { query: id });
            }
        }
    }

    pub(crate) fn interface_up(&mut self, ctx: &mut Ctx<'_>, _id: InterfaceId) {
        // Interface activation: questions created within the start-up window are QU
        // (RFC 6762 §5.4), and every question restarts, QU first (RFC 6762 §5.2,
        // RFC 6762 §5.4).
        let until = ctx.now + send::STARTUP_WINDOW;
        self.startup_until = Some(self.startup_until.map_or(until, |u| u.max(until)));
        if self.questions.is_empty() {
            return;
        }
        let first = send::first_query_time(ctx);
        for q in self.questions.values_mut() {
            q.restart(first);
        }
        self.next_due = Some(self.next_due.map_or(first, |d| d.min(first)));
    }

    pub(crate) fn interface_down(&mut self, ctx: &mut Ctx<'_>, id: InterfaceId) {
        for job in &mut self.jobs {
            job.forget_interface(id);
        }
        self.observed.interface_down(id);
        let mut removed = Vec::new();
        self.cache.remove_interface(id, &mut removed);
        let mut changes = Changes::default();
        for g in removed {
            changes.gone(g);
        }
        self.report(ctx, changes);
    }

    // ----- outputs -----

    #[inline]
    ///
    /// `table` is the compression table the engine's writers share (the responder's,
    /// idle while the querier writes): one writer type, and no 2 KB table zeroed per
    /// query.
    pub(crate) fn poll_transmit(
        &mut self,
        ctx: &mut Ctx<'_>,
        buf: &mut [u8],
        table: &mut CompressionTable,
    ) -> Option<Transmit> {
        if !self.may_transmit() {
            return None;
        }
        self.poll_jobs(ctx, buf, table)
    }

    /// False if [`poll_transmit`](Self::poll_transmit) would return `None` whatever the
    /// time: nothing asked, nothing being sent, no background resolve waiting for a
    /// place (a responder-only engine).
    #[inline]
    pub(crate) fn may_transmit(&self) -> bool {
        !(self.jobs.is_empty() && self.questions.is_empty() && self.background.len() == 0)
    }

    /// [`poll_transmit`](Self::poll_transmit) when something is asked or being sent.
    fn poll_jobs(
        &mut self,
        ctx: &mut Ctx<'_>,
        buf: &mut [u8],
        table: &mut CompressionTable,
    ) -> Option<Transmit> {
        self.admit(ctx);
        loop {
            if let Some(job) = self.jobs.front_mut() {
                let t = job.write_next(ctx, &self.cache, buf, table);
                if job.is_done() {
                    self.jobs.pop_front();
                }
                match t {
                    Some(t) => return Some(t),
                    None => continue,
                }
            }
            if !self.schedule_due(ctx) {
                return None;
            }
        }
    }

    pub(crate) fn poll_timeout(&self) -> Option<Instant> {
        if !self.jobs.is_empty() {
            return Some(Instant::ZERO);
        }
        [
            self.cache.next_timeout(),
            self.next_due.filter(|_| !self.questions.is_empty()),
            self.deadlines.first().map(|d| d.0),
            self.observed.next_due(),
            self.reconfirms.next_due(),
            self.background.next_timeout(),
        ]
        .into_iter()
        .flatten()
        .min()
    }
}
