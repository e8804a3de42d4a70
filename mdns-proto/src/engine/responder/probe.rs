//! Probing and conflict resolution (RFC 6762 §8.1, RFC 6762 §8.2, RFC 6762 §9): when
//! probing starts, the conflict rate limit, simultaneous probes from other hosts, and
//! renaming.
//!
//! # Simultaneous probes
//!
//! Another host's probe for a name we are probing is settled by [`tiebreak`]'s rule:
//! RFC 6762 §8.2.1 over the record types both probes hold, so that a prober that sends
//! only part of its set (mDNSResponder sends a service's SRV without its TXT) meets the
//! same comparison it makes itself and exactly one side defers; the module docs there
//! give the reasoning. What happens then:
//!
//! - We win: their probe is ignored; our probing goes on.
//! - We lose: we wait one second from their probe, then probe again from the first
//!   probe (RFC 6762 §8.2). Each further losing probe restarts the second, so we stay
//!   quiet while the winner finishes.
//! - While we wait, the winner's announcement is a conflict, and we rename at once
//!   (RFC 6762 §8.1), if a probe of ours had gone out before we deferred: "responses
//!   received before the first probe packet is sent MUST be silently ignored" holds for a
//!   probe that lost before sending anything, which then learns of the winner from the
//!   answer to its next probe. Waiting for that answer cost up to a second more.
//! - A lost tiebreak is not a conflict for the RFC 6762 §8.1 rate limit (fifteen
//!   conflicts in ten seconds): nothing failed, and the one-second wait already bounds
//!   the probe rate. Counting it did harm: a peer's probe arrives once over IPv4 and once
//!   over IPv6 and names the host and the service together, so three probes from
//!   mDNSResponder made twelve "conflicts", and the rename after them waited five seconds.
//!
//! [`tiebreak`]: super::tiebreak

use super::registration::{HostRecords, Kind, Link, Phase};
use super::tiebreak::{compare, TieRecord, Tiebreak};
use super::{
    Responder, CONFLICT_BACKOFF, CONFLICT_LIMIT, CONFLICT_WINDOW, MAX_RENAMES, PROBE_WAIT_MAX,
    TIEBREAK_DEFER,
};
use crate::engine::event::{Event, RegistrationFailure, RegistrationId};
use crate::engine::io::{IfAddr, InterfaceId};
use crate::engine::Ctx;
use crate::name::Name;
use crate::sd::{next_host_label, next_service_name};
use crate::time::Instant;
use crate::vecmap::VecSet;
use crate::wire::{Message, NameRef, Section};
use alloc::vec::Vec;
use core::time::Duration;

/// The links (registration, interface) waiting after a lost tiebreak whose probes had
/// already gone out: there a conflicting response is not "before the first probe"
/// (RFC 6762 §8.1) and renames at once. Entries go when probing starts over, the
/// registration goes, or the interface goes.
#[derive(Debug, Default)]
pub(crate) struct Deferred(VecSet<(RegistrationId, InterfaceId)>);

impl Deferred {
    /// True if `id` waits on `iface` after probes of its name went out there.
    pub fn probed(&self, id: RegistrationId, iface: InterfaceId) -> bool {
        self.0.contains(&(id, iface))
    }

    /// `iface` is gone.
    pub fn interface_down(&mut self, iface: InterfaceId) {
        self.0.retain(|&(_, i)| i != iface);
    }

    fn forget(&mut self, id: RegistrationId) {
        self.0.retain(|&(r, _)| r != id);
    }
}

impl Responder {
    /// (Re)starts probing `id` on `iface` from the first probe (RFC 6762 §8.1).
    pub(super) fn start_probing(
        &mut self,
        ctx: &mut Ctx<'_>,
        id: RegistrationId,
        iface: InterfaceId,
    ) {
        let at = self.probe_time(ctx, iface);
        self.deferred.0.remove(&(id, iface));
        let Some(reg) = self.registry.regs.get_mut(&id) else {
            return;
        };
        match reg.link_mut(iface) {
            Some(link) => link.phase = Phase::Probing { sent: 0 },
            None => reg.links.push(Link::new(iface)),
        }
        self.set_timer(id, iface, at);
    }

    /// When a new probe sequence on `iface` may start: after a random 0–250 ms
    /// (RFC 6762 §8.1), joining one already planned on the interface so names go out
    /// together, or 5 s from now after 15 conflicts within 10 s (RFC 6762 §8.1).
    fn probe_time(&mut self, ctx: &mut Ctx<'_>, iface: InterfaceId) -> Instant {
        let now = ctx.now;
        if self.rate_limited(now) {
            return now + CONFLICT_BACKOFF;
        }
        if let Some(&t) = self.probe_start.get(&iface) {
            if t > now {
                return t;
            }
        }
        let t = now + ctx.rng.duration_between(Duration::ZERO, PROBE_WAIT_MAX);
        self.probe_start.insert(iface, t);
        t
    }

    /// RFC 6762 §8.1: after fifteen conflicts within ten seconds, probes slow down. The
    /// count only resets after ten quiet seconds, so the limit holds for as long as the
    /// conflicts keep coming (rather than lifting once the slowed-down conflicts spread
    /// out over more than ten seconds).
    fn rate_limited(&self, now: Instant) -> bool {
        self.conflicts.count >= CONFLICT_LIMIT
            && self
                .conflicts
                .last
                .is_some_and(|t| now - t <= CONFLICT_WINDOW)
    }

    fn note_conflict(&mut self, now: Instant) {
        let c = &mut self.conflicts;
        if c.last.is_some_and(|t| now - t > CONFLICT_WINDOW) {
            c.count = 0;
        }
        c.count = c.count.saturating_add(1);
        c.last = Some(now);
    }

    /// Another host probes `name` (its records in Authority). If we are probing the same
    /// name, the RFC 6762 §8.2 tiebreak decides (see the module docs): the loser waits
    /// one second and probes again. (Defending an established name is done by answering
    /// the probe's question.)
    pub(super) fn probe_from_other(
        &mut self,
        ctx: &mut Ctx<'_>,
        iface: InterfaceId,
        addrs: &[IfAddr],
        msg: &Message<'_>,
        name: &NameRef<'_>,
    ) {
        let Some(owner) = self.registry.node_of_other(name).and_then(|n| n.owner()) else {
            return;
        };
        let sent = match self.registry.regs[&owner].link(iface).map(|l| l.phase) {
            Some(Phase::Probing { sent }) => sent,
            _ => return,
        };
        let mut ours: Vec<TieRecord> = self
            .registry
            .proposed(owner, addrs)
            .into_iter()
            .filter_map(|k| self.registry.rec(k, addrs, ctx.config))
            .map(|r| {
                r.data.with(|d| {
                    let mut rdata = Vec::new();
                    d.write_canonical(&mut rdata);
                    TieRecord {
                        class: 1,
                        rtype: d.rtype().map_or(0, |t| t.0),
                        rdata,
                    }
                })
            })
            .collect();
        let mut theirs: Vec<TieRecord> = msg
            .records()
            .flatten()
            .filter(|r| r.section == Section::Authority && r.name.eq_ref(name))
            .map(|r| {
                let mut rdata = Vec::new();
                r.rdata.write_canonical(&mut rdata);
                TieRecord {
                    class: r.class.0,
                    rtype: r.rtype.0,
                    rdata,
                }
            })
            .collect();
        if compare(&mut ours, &mut theirs) == Tiebreak::Lose {
            // RFC 6762 §8.2: the loser defers one second and probes again; no rename yet,
            // and no conflict counted for the RFC 6762 §8.1 rate limit.
            if sent > 0 {
                self.deferred.0.insert((owner, iface));
            }
            if let Some(link) = self
                .registry
                .regs
                .get_mut(&owner)
                .and_then(|r| r.link_mut(iface))
            {
                link.phase = Phase::Probing { sent: 0 };
            }
            self.set_timer(owner, iface, ctx.now + TIEBREAK_DEFER);
        }
    }

    /// A conflicting response for `id`'s name on `iface`: while probing, rename
    /// (RFC 6762 §8.1); once established, probe again first (RFC 6762 §9).
    pub(super) fn conflict(&mut self, ctx: &mut Ctx<'_>, id: RegistrationId, iface: InterfaceId) {
        self.note_conflict(ctx.now);
        let Some(link) = self.registry.regs.get(&id).and_then(|r| r.link(iface)) else {
            return;
        };
        if matches!(link.phase, Phase::Probing { .. }) {
            self.rename(ctx, id);
        } else {
            self.start_probing(ctx, id, iface);
        }
    }

    /// Picks a new name after a conflict (RFC 6762 §9): goodbyes for the old name's
    /// records, a new name, probing on every interface. A host rename moves the SRV
    /// target of our services on it. Without permission to rename, the registration fails.
    pub(super) fn rename(&mut self, ctx: &mut Ctx<'_>, id: RegistrationId) {
        let Some(reg) = self.registry.regs.get(&id) else {
            return;
        };
        if !reg.allow_rename {
            self.fail(ctx, id, RegistrationFailure::Conflict);
            return;
        }
        if reg.renames >= MAX_RENAMES {
            self.fail(ctx, id, RegistrationFailure::NoFreeName);
            return;
        }
        self.send_goodbyes(ctx, id, false);
        self.registry.unindex(id);
        self.sched.forget(id);
        let reg = &self.registry.regs[&id];
        let old = reg.name.clone();
        let mut candidate = reg.clone();
        let mut new_name = old.clone();
        for _ in 0..MAX_RENAMES {
            new_name = match &mut candidate.kind {
                Kind::Service(s) => {
                    let instance = next_service_name(s.instance());
                    let name = s
                        .type_name()
                        .prepend(instance.as_str().as_bytes())
                        .expect("an instance label and a type name fit in a name");
                    s.rename(instance, &name);
                    name
                }
                Kind::Host(_) => {
                    let label = next_host_label(candidate.name.first_label());
                    let n = candidate
                        .name
                        .parent()
                        .prepend(&label)
                        .unwrap_or_else(|_| candidate.name.clone());
                    candidate.name = n.clone();
                    n
                }
            };
            if !self.registry.name_taken(&new_name) {
                break;
            }
        }
        candidate.name = new_name.clone();
        if let Kind::Host(h) = &mut candidate.kind {
            *h = HostRecords::new(&new_name);
        }
        candidate.renames += 1;
        candidate.registered = false;
        // New name, new records: no multicast history (`Schedule::forget` above).
        for l in &mut candidate.links {
            l.announced = false;
        }
        let ifaces: Vec<InterfaceId> = candidate.links.iter().map(|l| l.iface).collect();
        let is_host = candidate.is_host();
        self.registry.regs.insert(id, candidate);
        self.registry.reindex(id);
        if is_host {
            self.retarget_services(ctx, &old, &new_name);
        }
        ctx.events.push(Event::Renamed {
            id,
            from: old,
            to: new_name.clone(),
        });
        ctx.events
            .push(Event::ProbingStarted { id, name: new_name });
        for iface in ifaces {
            self.start_probing(ctx, id, iface);
        }
    }

    /// Our services whose SRV pointed at host `old` now point at `new` (RFC 6762 §9):
    /// their SRV changed, so they announce it again (RFC 6762 §8.4).
    fn retarget_services(&mut self, ctx: &mut Ctx<'_>, old: &Name, new: &Name) {
        let mut changed = Vec::new();
        for reg in self.registry.regs.values_mut() {
            if let Kind::Service(s) = &mut reg.kind {
                if s.host() == old {
                    s.set_host(new.clone());
                    changed.push(reg.id);
                }
            }
        }
        // Their SRV changed; their other records did not, and keep their multicast
        // history (RFC 6762 §6): the re-announcement sends each when it may, in
        // registration order.
        crate::util::heap_sort(&mut changed);
        for id in changed {
            self.reannounce(ctx, id);
        }
    }

    /// Gives up on a registration: goodbyes, then `RegistrationFailed`.
    pub(super) fn fail(
        &mut self,
        ctx: &mut Ctx<'_>,
        id: RegistrationId,
        reason: RegistrationFailure,
    ) {
        self.send_goodbyes(ctx, id, false);
        self.remove(id);
        ctx.events.push(Event::RegistrationFailed { id, reason });
    }

    /// Drops a registration and everything scheduled for it (goodbyes already queued
    /// carry their own copies of the records).
    pub(super) fn remove(&mut self, id: RegistrationId) {
        self.deferred.forget(id);
        self.registry.unindex(id);
        self.sched.forget(id);
        self.registry.regs.remove(&id);
    }
}
