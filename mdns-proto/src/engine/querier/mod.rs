//! The querying half of the engine (RFC 6762 §5, §7, §10; RFC 6763 §4-§9, §12):
//! operations (browse, resolve, host lookup, type enumeration, one-shot queries), the
//! questions they keep asking, the cache they read, and the events they report.
//!
//! - `send`: question timing, known-answer lists, multi-packet queries.
//! - `observed`: other hosts' queries, followed until their known answers are complete.
//! - `reconfirm`: reconfirmation of a service an application failed to reach
//!   (RFC 6762 §10.4).
//! - [`api`]: the public methods on [`Engine`](super::Engine).
//! - The cache itself is [`super::cache`].
//!
//! An operation declares interest in (name, type) pairs. Interest drives the
//! continuous questions (one per pair, shared by all operations that want it) and the
//! cache's refresh and eviction. When records of a pair change, the operations
//! interested in it recompute what they report and emit the difference as events.

mod api;
pub use api::QueryError;
pub(crate) mod observed;
pub mod reconfirm;
pub(crate) mod send;

use super::cache::{Cache, Change, EntryId, Gone, OwnerMemo};
use super::config::Config;
use super::event::{AnswerRecord, Event, QueryId, ResolvedService};
use super::io::{InterfaceId, SourcePort, Transmit};
use super::{Ctx, Incoming};
use crate::name::Name;
use crate::time::Instant;
use crate::util::{FixedState, KeyRef, RefKeyType};
use crate::wire::{Class, RData, Rtype, Section};
use alloc::collections::{BTreeMap, BTreeSet, VecDeque};
use alloc::vec::Vec;
use core::net::IpAddr;
use core::time::Duration;
use hashbrown::HashMap;
use observed::{Observed, ObservedQuery};
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
        seen: BTreeSet<(Name, InterfaceId)>,
    },
    /// Enumerate service types (RFC 6763 §9).
    Types { seen: BTreeSet<(Name, InterfaceId)> },
    /// Resolve an instance: SRV + TXT, then the target's addresses.
    Resolve {
        instance: Name,
        target: Option<Name>,
        last: Option<alloc::boxed::Box<ResolvedService>>,
    },
    /// Look up a host's addresses.
    Host {
        name: Name,
        seen: BTreeSet<(IpAddr, InterfaceId)>,
    },
    /// One query from an ephemeral port; every matching record is reported.
    OneShot { name: Name, rtype: Rtype },
    /// Reconfirm a service instance (RFC 6762 §10.4); its state is in `reconfirm`.
    Reconfirm,
}

type Key = (Name, Rtype);

/// The querier state.
#[derive(Debug)]
pub struct Querier {
    cache: Cache,
    pub(crate) ops: BTreeMap<QueryId, Op>,
    next_id: u32,
    interest: HashMap<Key, SmallVec<[QueryId; 2]>, FixedState>,
    questions: BTreeMap<Key, Question>,
    jobs: VecDeque<SendJob>,
    unicast_until: Option<Instant>,
    deadlines: BTreeSet<(Instant, QueryId)>,
    scratch: Vec<Gone>,
    observed: Observed,
    reconfirms: reconfirm::Reconfirms,
}

impl Querier {
    pub(crate) fn new(config: &Config) -> Self {
        Querier {
            cache: Cache::new(config.cache_capacity),
            ops: BTreeMap::new(),
            next_id: 1,
            interest: HashMap::with_hasher(FixedState),
            questions: BTreeMap::new(),
            jobs: VecDeque::new(),
            unicast_until: None,
            deadlines: BTreeSet::new(),
            scratch: Vec::new(),
            observed: Observed::default(),
            reconfirms: reconfirm::Reconfirms::default(),
        }
    }

    /// The cache.
    pub fn cache(&self) -> &Cache {
        &self.cache
    }

    // ----- operations -----

    pub(crate) fn start(&mut self, ctx: &mut Ctx<'_>, op: Op) -> QueryId {
        let id = QueryId(self.next_id);
        self.next_id = self.next_id.wrapping_add(1).max(1);
        let keys: SmallVec<[Key; 2]> = match &op {
            Op::Browse { name, .. } => [(name.clone(), Rtype::PTR)].into_iter().collect(),
            Op::Types { .. } => [(crate::sd::service_enumeration_name(), Rtype::PTR)]
                .into_iter()
                .collect(),
            Op::Resolve { instance, .. } => [
                (instance.clone(), Rtype::SRV),
                (instance.clone(), Rtype::TXT),
            ]
            .into_iter()
            .collect(),
            Op::Host { name, .. } => [(name.clone(), Rtype::A), (name.clone(), Rtype::AAAA)]
                .into_iter()
                .collect(),
            Op::OneShot { .. } | Op::Reconfirm => SmallVec::new(),
        };
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
        }
        self.ops.insert(id, op);
        let first = send::first_query_time(ctx);
        for (name, rtype) in keys {
            self.add_interest(first, id, &name, rtype);
        }
        // Report what the cache already knows.
        self.refresh_op(ctx, id);
        id
    }

    pub(crate) fn stop(&mut self, id: QueryId) -> bool {
        let Some(op) = self.ops.remove(&id) else {
            return false;
        };
        let keys: SmallVec<[Key; 4]> = self
            .interest
            .iter()
            .filter(|(_, ids)| ids.contains(&id))
            .map(|(k, _)| k.clone())
            .collect();
        for (name, rtype) in keys {
            self.remove_interest(id, &name, rtype);
        }
        if let Op::OneShot { .. } = op {
            self.deadlines.retain(|(_, q)| *q != id);
        }
        if let Op::Reconfirm = op {
            self.reconfirms.forget(id);
        }
        true
    }

    fn add_interest(&mut self, first: Instant, id: QueryId, name: &Name, rtype: Rtype) {
        let ids = self.interest.entry((name.clone(), rtype)).or_default();
        if ids.contains(&id) {
            return;
        }
        ids.push(id);
        let q = self
            .questions
            .entry((name.clone(), rtype))
            .or_insert_with(|| Question::start(first));
        q.refs += 1;
        self.cache.set_interest(name, rtype, true);
    }

    fn remove_interest(&mut self, id: QueryId, name: &Name, rtype: Rtype) {
        let key = (name.clone(), rtype);
        let Some(ids) = self.interest.get_mut(&key) else {
            return;
        };
        ids.retain(|x| *x != id);
        if ids.is_empty() {
            self.interest.remove(&key);
            self.cache.set_interest(name, rtype, false);
        }
        if let Some(q) = self.questions.get_mut(&key) {
            q.refs = q.refs.saturating_sub(1);
            if q.refs == 0 {
                self.questions.remove(&key);
            }
        }
    }

    fn expect_unicast(&mut self, until: Instant) {
        self.unicast_until = Some(self.unicast_until.map_or(until, |u| u.max(until)));
    }

    // ----- inputs -----

    pub(crate) fn handle_response(&mut self, ctx: &mut Ctx<'_>, incoming: &Incoming<'_>) {
        let now = ctx.now;
        let meta = incoming.meta;
        // RFC 6762 §6, §11: a unicast response is only taken in reply to a query of ours
        // that asked for one (QU or one-shot), and only from on the link (checked by the
        // engine).
        if !meta.multicast && self.unicast_until.is_none_or(|u| now > u) {
            ctx.stats.unsolicited_unicast += 1;
            return;
        }
        let mut changed: BTreeSet<Key> = BTreeSet::new();
        let mut memo = OwnerMemo::default();
        for record in incoming.msg.records() {
            let record = match record {
                Ok(r) => r,
                Err(_) => {
                    ctx.stats.malformed_records += 1;
                    continue;
                }
            };
            // Authority records of a response mean nothing to a cache; OPT is not a
            // record (§18.12 masks the class; OPT's class is a size).
            if record.section == Section::Authority
                || record.rtype == Rtype::OPT
                || record.class != Class::IN
            {
                continue;
            }
            if !self.interest.is_empty() {
                self.report_one_shot(ctx, &record, meta.interface, meta.source);
            }
            if !self.reconfirms.is_empty() {
                self.reconfirm_answered(ctx, &record);
            }
            let interested = !self.interest.is_empty()
                && self
                    .interest
                    .contains_key(&RefKeyType(record.name, record.rtype));
            let (change, id) =
                self.cache
                    .receive(now, ctx.rng, &record, meta.interface, interested, &mut memo);
            if let Some(id) = id.filter(|_| record.cache_flush && record.ttl > 0) {
                self.cache.flush_others(now, id);
            }
            // A renewal changes nothing an operation reports, except which of several
            // TXT records is the newest (a resolve reports that one). Not recomputing
            // on every renewal keeps a browse of a type with thousands of instances
            // from scanning all of them for each answer. Nothing is reported for
            // records no operation wants.
            let reportable = interested
                && match change {
                    Change::None => false,
                    Change::Renewed => record.rtype == Rtype::TXT,
                    Change::Added | Change::Goodbye => true,
                };
            if reportable {
                changed.insert((record.name.to_name(), record.rtype));
            }
        }
        let mut evicted = core::mem::take(&mut self.scratch);
        self.cache.take_evicted(&mut evicted);
        changed.extend(evicted.drain(..));
        self.scratch = evicted;
        for (name, rtype) in changed {
            self.notify(ctx, &name, rtype);
        }
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
        // (§7.3, §10.5), whatever it asks. (What follows would come to the same.)
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
            // §7.2: more known answers of a query with TC from the same source.
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
            self.cache.holds(name, rtype)
                || (!self.interest.is_empty()
                    && self.interest.contains_key(&RefKeyType(*name, rtype)))
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
            // §10.5 POOF: a QM question our cache would answer, whose answer they do
            // not already know, counts towards flushing it if nobody answers.
            let ids: SmallVec<[EntryId; 8]> = self
                .cache
                .ids(&oq.name, oq.rtype)
                .filter(|&id| {
                    self.cache
                        .entry(id)
                        .is_some_and(|e| e.interface() == q.iface)
                        && oq.known.binary_search(&id).is_err()
                })
                .collect();
            for id in ids {
                self.cache.poof_query(now, id);
            }
            // §7.3 duplicate question suppression: another host's QM question whose
            // known answers are all ones we would list too counts as our own query.
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
        let changed: BTreeSet<Key> = removed.drain(..).collect();
        self.scratch = removed;
        for (name, rtype) in changed {
            self.notify(ctx, &name, rtype);
        }
        // After the flush: an outcome reported at its deadline follows the removals.
        if !self.reconfirms.is_empty() {
            self.reconfirm_due(ctx);
        }
        // §5.2: records someone wants get a refresh query at 80, 85, 90, 95 %.
        let mut due = Vec::new();
        self.cache.due_refreshes(now, ctx.rng, &mut due);
        for id in due {
            let Some(e) = self.cache.entry(id) else {
                continue;
            };
            if let Some(q) = self.questions.get_mut(&(e.name(), e.rtype())) {
                q.next_send = q.next_send.min(now);
            }
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
        // A link change restarts every question, QU first (§5.2, §5.4).
        if self.questions.is_empty() {
            return;
        }
        let first = send::first_query_time(ctx);
        for q in self.questions.values_mut() {
            q.restart(first);
        }
    }

    pub(crate) fn interface_down(&mut self, ctx: &mut Ctx<'_>, id: InterfaceId) {
        for job in &mut self.jobs {
            job.forget_interface(id);
        }
        self.observed.interface_down(id);
        let mut removed = Vec::new();
        self.cache.remove_interface(id, &mut removed);
        let changed: BTreeSet<Key> = removed.into_iter().collect();
        for (name, rtype) in changed {
            self.notify(ctx, &name, rtype);
        }
    }

    // ----- outputs -----

    #[inline]
    pub(crate) fn poll_transmit(&mut self, ctx: &mut Ctx<'_>, buf: &mut [u8]) -> Option<Transmit> {
        // Nothing asked and nothing being sent (a responder-only engine): no call.
        if self.jobs.is_empty() && self.questions.is_empty() {
            return None;
        }
        self.poll_jobs(ctx, buf)
    }

    /// [`poll_transmit`](Self::poll_transmit) when something is asked or being sent.
    fn poll_jobs(&mut self, ctx: &mut Ctx<'_>, buf: &mut [u8]) -> Option<Transmit> {
        loop {
            if let Some(job) = self.jobs.front_mut() {
                let t = job.write_next(ctx, &self.cache, buf);
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

    /// Turns the questions due now into a send job. False if none is due.
    fn schedule_due(&mut self, ctx: &mut Ctx<'_>) -> bool {
        if self.questions.is_empty() {
            return false;
        }
        let now = ctx.now;
        let mut asked = Vec::new();
        let mut any_qu = false;
        for ((name, rtype), q) in self.questions.iter_mut() {
            if q.next_send > now {
                continue;
            }
            let unicast = q.unicast_next && ctx.config.request_unicast_responses;
            q.sent(now);
            if send::denied_by_nsec(&self.cache, name, *rtype) {
                continue;
            }
            any_qu |= unicast;
            asked.push(Asked {
                name: name.clone(),
                rtype: *rtype,
                unicast,
            });
        }
        if asked.is_empty() {
            return self.questions.values().any(|q| q.next_send <= now);
        }
        if any_qu {
            self.expect_unicast(now + UNICAST_REPLY_WINDOW);
        }
        let targets: Vec<_> = ctx.ifaces.multicast_targets().collect();
        if targets.is_empty() {
            return false;
        }
        self.jobs
            .push_back(SendJob::new(asked, targets, SourcePort::Mdns, true));
        true
    }

    pub(crate) fn poll_timeout(&self) -> Option<Instant> {
        if !self.jobs.is_empty() {
            return Some(Instant::ZERO);
        }
        [
            self.cache.next_timeout(),
            self.questions.values().map(|q| q.next_send).min(),
            self.deadlines.first().map(|d| d.0),
            self.observed.next_due(),
            self.reconfirms.next_due(),
        ]
        .into_iter()
        .flatten()
        .min()
    }

    // ----- events -----

    /// Records of (name, type) changed: the operations that want them report.
    fn notify(&mut self, ctx: &mut Ctx<'_>, name: &Name, rtype: Rtype) {
        let Some(ids) = self.interest.get(&KeyRef(name, rtype)) else {
            return;
        };
        let ids: SmallVec<[QueryId; 4]> = ids.iter().copied().collect();
        for id in ids {
            self.refresh_op(ctx, id);
        }
    }

    fn refresh_op(&mut self, ctx: &mut Ctx<'_>, id: QueryId) {
        let Some(op) = self.ops.get_mut(&id) else {
            return;
        };
        match op {
            Op::Browse { name, seen } => {
                let now = ptr_targets(&self.cache, name);
                diff_sets(seen, now, |(instance, interface), added| {
                    let service_type = name.clone();
                    ctx.events.push(if added {
                        Event::ServiceFound {
                            query: id,
                            instance,
                            service_type,
                            interface,
                        }
                    } else {
                        Event::ServiceRemoved {
                            query: id,
                            instance,
                            service_type,
                            interface,
                        }
                    });
                });
            }
            Op::Types { seen } => {
                let now = ptr_targets(&self.cache, &crate::sd::service_enumeration_name());
                diff_sets(seen, now, |(service_type, interface), added| {
                    ctx.events.push(if added {
                        Event::ServiceTypeFound {
                            query: id,
                            service_type,
                            interface,
                        }
                    } else {
                        Event::ServiceTypeRemoved {
                            query: id,
                            service_type,
                            interface,
                        }
                    });
                });
            }
            Op::Host { name, seen } => {
                let now = addresses(&self.cache, name);
                let host = name.clone();
                diff_sets(seen, now, |(addr, interface), added| {
                    let host = host.clone();
                    ctx.events.push(if added {
                        Event::HostAddressAdded {
                            query: id,
                            host,
                            addr,
                            interface,
                        }
                    } else {
                        Event::HostAddressRemoved {
                            query: id,
                            host,
                            addr,
                            interface,
                        }
                    });
                });
            }
            Op::Resolve { .. } => self.refresh_resolve(ctx, id),
            Op::OneShot { .. } | Op::Reconfirm => {}
        }
    }

    fn refresh_resolve(&mut self, ctx: &mut Ctx<'_>, id: QueryId) {
        let Some(Op::Resolve {
            instance, target, ..
        }) = self.ops.get(&id)
        else {
            return;
        };
        let instance = instance.clone();
        let old_target = target.clone();
        // The SRV record to use: lowest priority, then highest weight (RFC 2782), then
        // the first received.
        let srv = self
            .cache
            .get(&instance, Rtype::SRV)
            .filter_map(|e| match e.data()? {
                RData::Srv {
                    priority,
                    weight,
                    port,
                    target,
                } => Some((priority, u16::MAX - weight, port, target.to_name())),
                _ => None,
            })
            .min_by(|a, b| (a.0, a.1).cmp(&(b.0, b.1)));
        let new_target = srv.as_ref().map(|s| s.3.clone());
        if new_target != old_target {
            if let Some(old) = &old_target {
                self.remove_interest(id, old, Rtype::A);
                self.remove_interest(id, old, Rtype::AAAA);
            }
            if let Some(new) = &new_target {
                let first = send::first_query_time(ctx);
                self.add_interest(first, id, new, Rtype::A);
                self.add_interest(first, id, new, Rtype::AAAA);
            }
        }
        let txt = self
            .cache
            .get(&instance, Rtype::TXT)
            .max_by_key(|e| e.received())
            .and_then(|e| match e.data()? {
                RData::Txt(t) => Some(t.raw().to_vec()),
                _ => None,
            });
        let current = match (&srv, txt) {
            (Some((priority, inv_weight, port, host)), Some(txt)) => {
                let addrs: Vec<(IpAddr, InterfaceId)> =
                    addresses(&self.cache, host).into_iter().collect();
                (!addrs.is_empty()).then(|| ResolvedService {
                    instance: instance.clone(),
                    host: host.clone(),
                    port: *port,
                    priority: *priority,
                    weight: u16::MAX - *inv_weight,
                    txt,
                    addresses: addrs,
                })
            }
            _ => None,
        };
        let Some(Op::Resolve { target, last, .. }) = self.ops.get_mut(&id) else {
            return;
        };
        *target = new_target;
        match (last.as_ref(), current) {
            (None, Some(s)) => {
                *last = Some(alloc::boxed::Box::new(s.clone()));
                ctx.events.push(Event::ServiceResolved {
                    query: id,
                    service: s,
                });
            }
            (Some(old), Some(s)) if **old != s => {
                *last = Some(alloc::boxed::Box::new(s.clone()));
                ctx.events.push(Event::ServiceUpdated {
                    query: id,
                    service: s,
                });
            }
            (Some(_), None) if srv.is_none() => {
                *last = None;
                ctx.events.push(Event::ServiceLost {
                    query: id,
                    instance,
                });
            }
            _ => {}
        }
    }
}

/// (PTR target, interface) pairs cached for `name`.
fn ptr_targets(cache: &Cache, name: &Name) -> BTreeSet<(Name, InterfaceId)> {
    cache
        .get(name, Rtype::PTR)
        .filter_map(|e| match e.data()? {
            RData::Ptr(target) => Some((target.to_name(), e.interface())),
            _ => None,
        })
        .collect()
}

/// (address, interface) pairs cached for a host name.
fn addresses(cache: &Cache, host: &Name) -> BTreeSet<(IpAddr, InterfaceId)> {
    let a = cache.get(host, Rtype::A).filter_map(|e| match e.data()? {
        RData::A(a) => Some((IpAddr::V4(a), e.interface())),
        _ => None,
    });
    let aaaa = cache
        .get(host, Rtype::AAAA)
        .filter_map(|e| match e.data()? {
            RData::Aaaa(a) => Some((IpAddr::V6(a), e.interface())),
            _ => None,
        });
    a.chain(aaaa).collect()
}

/// Replaces `seen` with `now`, calling `report(item, added)` for each difference:
/// removals first, then additions, each in order.
fn diff_sets<T: Ord + Clone>(
    seen: &mut BTreeSet<T>,
    now: BTreeSet<T>,
    mut report: impl FnMut(T, bool),
) {
    for gone in seen.difference(&now) {
        report(gone.clone(), false);
    }
    for new in now.difference(seen) {
        report(new.clone(), true);
    }
    *seen = now;
}
