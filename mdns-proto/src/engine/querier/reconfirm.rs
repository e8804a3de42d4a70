//! Reconfirmation (RFC 6762 §10.4): an application that failed to reach a service it
//! resolved says so; the querier asks again for the records in dispute, and what is not
//! answered within [`RECONFIRM_WINDOW`] is flushed from the cache at once, instead of
//! lingering until its TTL runs out (75 minutes for a PTR). Browses and resolves then
//! report the service gone, as after a goodbye.
//!
//! For a service instance the records in dispute are its SRV and TXT, the PTRs naming
//! it (under its type, and under any subtype a browse here asks about), and the
//! addresses of the hosts its SRVs point at. Each is marked in the cache
//! ([`Cache::reconfirm`](crate::engine::cache::Cache::reconfirm)): it goes at the deadline unless received again, and it is no
//! known answer meanwhile, so the question is answered. The questions go out
//! [`RECONFIRM_QUERIES`] times (RFC 6762 §10.4: "two or more"), at once, then one and
//! two seconds later (the spacing of RFC 6762 §5.2), from port 5353 with the other
//! cached answers as known answers, by multicast (QM) so that every cache on the link
//! sees the answer, or its absence.
//!
//! The operation reports [`Event::ServiceReconfirmed`] once: `present` as soon as an
//! SRV record of the instance arrives, else not present at the deadline (after the
//! flush, so that the browses' `ServiceRemoved` come first). Stopping the operation
//! early stops neither the questions nor the flush: the hint was given.
//!
//! What is not here: the cache's side (`Cache::reconfirm`), POOF (RFC 6762 §10.5, the
//! passive cousin, in `cache` and `super::observed`).

use super::send::{Asked, SendJob};
use super::{Key, Op, Querier};
use crate::engine::cache::EntryId;
use crate::engine::event::{Event, QueryId};
use crate::engine::io::SourcePort;
use crate::engine::querier::api::QueryError;
use crate::engine::{Ctx, Engine};
use crate::name::Name;
use crate::time::Instant;
use crate::vecmap::{VecMap, VecSet};
use crate::wire::{RData, Record, Rtype};

use alloc::vec::Vec;
use core::time::Duration;

/// How long the records in dispute have to be answered before they are flushed
/// (RFC 6762 §10.4: "If no response is received within ten seconds").
pub const RECONFIRM_WINDOW: Duration = Duration::from_secs(10);
/// Queries sent for each record in dispute (RFC 6762 §10.4: "two or more").
pub const RECONFIRM_QUERIES: u8 = 3;
/// Gap after the first reconfirmation query, doubling after each (RFC 6762 §5.2).
pub const RECONFIRM_FIRST_GAP: Duration = Duration::from_secs(1);

/// The reconfirmations in progress.
#[derive(Debug, Default)]
pub(crate) struct Reconfirms {
    /// Operations waiting for their outcome: the instance and when it is decided.
    ops: VecMap<QueryId, (Name, Instant)>,
    /// Questions still to send: when next, and how many went out.
    asking: VecMap<Key, (Instant, u8)>,
}

impl Reconfirms {
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.ops.is_empty() && self.asking.is_empty()
    }

    /// When something is next due: a question or an operation's deadline.
    #[inline]
    pub fn next_due(&self) -> Option<Instant> {
        if self.is_empty() {
            // The usual case, asked at every `poll_timeout` and `handle_timeout`: two
            // length checks inlined into the caller, the search out of line.
            return None;
        }
        self.earliest()
    }

    /// [`next_due`](Self::next_due) when something is being reconfirmed.
    #[inline(never)]
    fn earliest(&self) -> Option<Instant> {
        let ask = self.asking.values().map(|a| a.0).min();
        let op = self.ops.values().map(|o| o.1).min();
        ask.into_iter().chain(op).min()
    }

    /// An operation was stopped: it reports nothing (its questions and the flush go on).
    pub fn forget(&mut self, id: QueryId) {
        self.ops.remove(&id);
    }

    /// Queues (name, type) to be asked now and then [`RECONFIRM_QUERIES`]` - 1` more
    /// times; a question already being asked keeps its schedule.
    fn ask(&mut self, now: Instant, key: Key) {
        self.asking.get_or_insert_with(key, || (now, 0));
    }
}

impl Engine {
    /// Reconfirms a service instance (RFC 6762 §10.4), given by its full name
    /// (`Kitchen._ipp._tcp.local.`): call it when connecting to what a resolve gave
    /// failed. Its SRV, TXT, the PTRs naming it and its host's addresses are asked for
    /// again; whatever is not answered within [`RECONFIRM_WINDOW`] is flushed from the
    /// cache (browses report `ServiceRemoved`, resolves `ServiceLost`, host lookups
    /// `HostAddressRemoved`). One [`Event::ServiceReconfirmed`] tells the outcome:
    /// present as soon as the service answers, or not at the deadline. The operation
    /// counts against [`Config::max_queries`](crate::engine::Config) until then.
    pub fn reconfirm_service(
        &mut self,
        now: Instant,
        instance: &Name,
    ) -> Result<QueryId, QueryError> {
        let id = self.start_op(now, Op::Reconfirm)?;
        let (mut ctx, querier, _) = self.split(now);
        querier.start_reconfirm(&mut ctx, id, instance);
        Ok(id)
    }
}

impl Querier {
    /// Marks the instance's records in dispute and schedules the questions.
    fn start_reconfirm(&mut self, ctx: &mut Ctx<'_>, id: QueryId, instance: &Name) {
        let now = ctx.now;
        let deadline = now + RECONFIRM_WINDOW;
        let mut records: Vec<EntryId> = Vec::new();
        let mut keys: VecSet<Key> = VecSet::new();
        // The instance's own records, asked for even if none is cached: an answer is
        // what says it is there.
        keys.insert((instance.clone(), Rtype::SRV));
        keys.insert((instance.clone(), Rtype::TXT));
        let mut hosts: VecSet<Name> = VecSet::new();
        for rtype in [Rtype::SRV, Rtype::TXT] {
            for e in self.cache().get(instance, rtype) {
                if let Some(RData::Srv { target, .. }) = e.data() {
                    hosts.insert(target.to_name());
                }
            }
            records.extend(self.cache().ids(instance, rtype));
        }
        // The PTRs naming it: under its type, and under the subtypes browsed here (the
        // only other PTR names anyone here reads). `interest` is a hash map: collected
        // into a sorted set, so that the order of what is sent does not depend on it.
        let type_name = instance.parent();
        let mut ptr_names: VecSet<Name> = self
            .interest
            .keys()
            .filter(|(n, t)| *t == Rtype::PTR && is_subtype_of(n, &type_name))
            .map(|(n, _)| n.clone())
            .collect();
        ptr_names.insert(type_name);
        for owner in ptr_names {
            let naming: Vec<EntryId> = self
                .cache()
                .ids(&owner, Rtype::PTR)
                .filter(|&e| {
                    self.cache().entry(e).is_some_and(
                        |r| matches!(r.data(), Some(RData::Ptr(t)) if t.eq_name(instance)),
                    )
                })
                .collect();
            if !naming.is_empty() {
                records.extend(naming);
                keys.insert((owner, Rtype::PTR));
            }
        }
        for host in hosts {
            for rtype in [Rtype::A, Rtype::AAAA] {
                let ids: Vec<EntryId> = self.cache().ids(&host, rtype).collect();
                if !ids.is_empty() {
                    records.extend(ids);
                    keys.insert((host.clone(), rtype));
                }
            }
        }
        for e in records {
            self.cache.reconfirm(e, deadline);
        }
        for key in keys {
            self.reconfirms.ask(now, key);
        }
        self.reconfirms.ops.insert(id, (instance.clone(), deadline));
        self.reconfirm_due(ctx);
    }

    /// Sends the reconfirmation questions due by now (one packet per interface and
    /// family for all of them), and decides the operations whose deadline has passed:
    /// their records were flushed by the cache's expiry, which runs first.
    pub(super) fn reconfirm_due(&mut self, ctx: &mut Ctx<'_>) {
        let now = ctx.now;
        let mut asked = Vec::new();
        let r = &mut self.reconfirms;
        r.asking.retain(|(name, rtype), (next, sent)| {
            if *next > now {
                return true;
            }
            asked.push(Asked {
                name: name.clone(),
                rtype: *rtype,
                unicast: false,
            });
            *sent += 1;
            // 0, 1 s, 3 s: the gap doubles (RFC 6762 §5.2).
            *next = now + RECONFIRM_FIRST_GAP * (1 << (*sent - 1));
            *sent < RECONFIRM_QUERIES
        });
        if !asked.is_empty() {
            let targets: Vec<_> = ctx.ifaces.multicast_targets().collect();
            if !targets.is_empty() {
                self.jobs
                    .push_back(SendJob::new(asked, targets, SourcePort::Mdns, true));
            }
        }
        let decided: Vec<QueryId> = self
            .reconfirms
            .ops
            .iter()
            .filter(|(_, (_, deadline))| *deadline <= now)
            .map(|(id, _)| *id)
            .collect();
        for id in decided {
            self.reconfirmed(ctx, id, false);
        }
    }

    /// A record arrived in a response: an SRV of an instance being reconfirmed means it
    /// is there.
    pub(super) fn reconfirm_answered(&mut self, ctx: &mut Ctx<'_>, record: &Record<'_>) {
        if record.rtype != Rtype::SRV || record.ttl == 0 {
            return;
        }
        let answered: Vec<QueryId> = self
            .reconfirms
            .ops
            .iter()
            .filter(|(_, (instance, _))| record.name.eq_name(instance))
            .map(|(id, _)| *id)
            .collect();
        for id in answered {
            self.reconfirmed(ctx, id, true);
        }
    }

    /// Reports an operation's outcome and ends it.
    fn reconfirmed(&mut self, ctx: &mut Ctx<'_>, id: QueryId, present: bool) {
        let Some((instance, _)) = self.reconfirms.ops.remove(&id) else {
            return;
        };
        self.stop(id);
        ctx.events.push(Event::ServiceReconfirmed {
            query: id,
            instance,
            present,
        });
    }

    /// True if reconfirmation has something due by `now`.
    #[inline]
    pub(super) fn reconfirm_is_due(&self, now: Instant) -> bool {
        self.reconfirms.next_due().is_some_and(|t| t <= now)
    }
}

/// True if `name` is a subtype name of `type_name`: `<sub>._sub.<type_name>`
/// (RFC 6763 §7.1).
fn is_subtype_of(name: &Name, type_name: &Name) -> bool {
    name.label_count() == type_name.label_count() + 2
        && name
            .labels()
            .nth(1)
            .is_some_and(|l| l.eq_ignore_ascii_case(b"_sub"))
        && name.ends_with(type_name)
}
