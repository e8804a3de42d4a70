//! The publishing half of the engine (RFC 6762 §6, RFC 6762 §8, RFC 6762 §9, RFC 6762 §10;
//! RFC 6763): probing, conflict resolution and renaming, announcing, answering, goodbyes.
//!
//! Public here: what to register ([`ServiceRegistration`], [`HostRegistration`], their
//! builders, [`InterfaceSelection`]) and the typed errors of the commands on
//! [`Engine`](super::Engine) ([`RegisterError`], [`RegistrationError`]).
//!
//! Files (all private but `api.rs`'s types):
//! - `api.rs`: the public registration types and commands, and their errors.
//! - `registration.rs`: one registration (a service or a host name), its prebuilt
//!   records, and its state on each interface.
//! - `regs.rs`: the table of registrations by id (a slab).
//! - `registry.rs`: all registrations and the name index answering looks them up in.
//! - `records.rs`: our records, named by a key and materialised on demand.
//! - `multicast.rs`: when each record was last multicast, per interface and family
//!   (RFC 6762 §6's once a second, RFC 6762 §5.4's quarter TTL).
//! - `fold.rs`: names folded to lower case and a fast hasher, the keys of its tables.
//! - `probe.rs`: probing, conflicts, renaming (RFC 6762 §8.1, RFC 6762 §8.2, RFC 6762 §9).
//! - `tiebreak.rs`: simultaneous probe tiebreaking (RFC 6762 §8.2, RFC 6762 §8.2.1).
//! - `announce.rs`: announcements, updates and goodbyes (RFC 6762 §8.3, RFC 6762 §8.4,
//!   RFC 6762 §10.1).
//! - `subtypes.rs`: subtypes added to and removed from a live service (RFC 6763 §7.1).
//! - `answer.rs`: which records answer a question, additional records, NSEC
//!   (RFC 6762 §6, RFC 6762 §6.1; RFC 6763 §12).
//! - `schedule.rs`: response delays, aggregation, multi-packet known answers
//!   (RFC 6762 §6, RFC 6762 §6.3, RFC 6762 §6.4, RFC 6762 §7.1, RFC 6762 §7.2,
//!   RFC 6762 §7.4).
//! - `incoming.rs`: received queries (known answers, probes from others, questions)
//!   and responses (conflicts, cooperating responders).
//! - `legacy.rs`: replies to one-shot queriers (RFC 6762 §6.7).
//! - `job.rs`: what waits in the outbox: probes, responses, goodbyes.
//! - `write.rs`: turning jobs into datagrams within the payload limit (RFC 6762 §17).
//!
//! Input flows through `handle_query` / `handle_response`; timers advance in
//! `advance`, which both `handle_timeout` and `poll_transmit` run, so a transmit is
//! never missed because a timeout call came late. Everything to send waits in an
//! ordered outbox of jobs.

mod announce;
mod answer;
mod api;
pub(crate) mod fold;
mod incoming;
mod job;
mod label_filter;
mod legacy;
mod multicast;
mod probe;
mod records;
mod registration;
mod registry;
mod regs;
mod schedule;
mod subtypes;
mod tiebreak;
mod write;

pub use api::{
    HostBuilder, HostRegistration, RegisterError, RegistrationError, ServiceBuilder,
    ServiceRegistration, MAX_SUBTYPES,
};
pub use registration::InterfaceSelection;
pub use regs::MAX_REGISTRATIONS;

use super::config::Config;
use super::event::{Event, RegistrationId};
use super::io::{Destination, Family, IfAddr, InterfaceId, Transmit};
use super::{Ctx, Incoming};
use crate::time::Instant;
use crate::vecmap::VecMap;
use crate::wire::CompressionTable;
use alloc::boxed::Box;
use alloc::collections::{BinaryHeap, VecDeque};
use core::cmp::Reverse;
use core::net::IpAddr;
use core::time::Duration;
use job::{Job, LegacyQuery};
use registration::Phase;
use registry::Registry;
use schedule::Schedule;

/// Probing starts after a random delay of 0 to this (RFC 6762 §8.1).
pub(crate) const PROBE_WAIT_MAX: Duration = Duration::from_millis(250);
/// Gap between probes, and the wait after the last one (RFC 6762 §8.1).
pub(crate) const PROBE_INTERVAL: Duration = Duration::from_millis(250);
/// Probes sent before a name is ours (RFC 6762 §8.1).
pub(crate) const PROBE_COUNT: u8 = 3;
/// Wait after losing a simultaneous-probe tiebreak before probing again (RFC 6762 §8.2).
pub(crate) const TIEBREAK_DEFER: Duration = Duration::from_secs(1);
/// Conflicts within [`CONFLICT_WINDOW`] after which probing slows down (RFC 6762 §8.1).
pub(crate) const CONFLICT_LIMIT: usize = 15;
/// See [`CONFLICT_LIMIT`] (RFC 6762 §8.1: "fifteen conflicts ... within any ten-second
/// period").
pub(crate) const CONFLICT_WINDOW: Duration = Duration::from_secs(10);
/// The wait before each probe attempt while rate-limited (RFC 6762 §8.1).
pub(crate) const CONFLICT_BACKOFF: Duration = Duration::from_secs(5);
/// Unsolicited announcements (RFC 6762 §8.3: at least two).
pub(crate) const ANNOUNCE_COUNT: u8 = 2;
/// Gap before the second announcement, doubling after (RFC 6762 §8.3: one second).
pub(crate) const ANNOUNCE_INTERVAL: Duration = Duration::from_secs(1);
/// Renames after which a registration gives up with `NoFreeName`.
pub(crate) const MAX_RENAMES: u32 = 64;
/// Most jobs waiting in the outbox; further legacy replies are dropped.
pub(crate) const MAX_OUTBOX: usize = 256;

/// The responder state.
#[derive(Debug)]
pub(crate) struct Responder {
    pub(crate) registry: Registry,
    /// Registration timers `(due, registration, interface)`, earliest on top; an entry
    /// is stale (and skipped) unless the link's `at` still equals it.
    timers: BinaryHeap<Reverse<(Instant, RegistrationId, InterfaceId)>>,
    /// Per interface, when the next first probe is due, so names registered together
    /// are probed together (RFC 6762 §8.1: one packet where they fit).
    probe_start: VecMap<InterfaceId, Instant>,
    /// Recent conflicts, for the RFC 6762 §8.1 rate limit.
    conflicts: Conflicts,
    /// Links waiting after a lost tiebreak, their probes out (RFC 6762 §8.2, see `probe`).
    deferred: probe::Deferred,
    pub(crate) sched: Schedule,
    pub(crate) outbox: VecDeque<Job>,
    /// Goodbye jobs still to go out per unregistration, to report `Unregistered`. An
    /// entry that reaches zero stays (a shutdown of thousands of services would
    /// otherwise shift the vector once per registration) until they are half of it.
    goodbyes_left: VecMap<RegistrationId, usize>,
    /// Entries of `goodbyes_left` at zero.
    goodbyes_done: usize,
    /// The writer's compression table, reused from one datagram to the next (only the
    /// slots a datagram filled are cleared for the next).
    table: Box<CompressionTable>,
    /// A question's name folded, reused from one query to the next.
    qname: fold::Folded,
    /// The legacy question list of the last legacy reply sent, kept for the next one
    /// (a reply then costs no allocation for it).
    spare_legacy: Option<Box<LegacyQuery>>,
}

impl Responder {
    /// The writer's compression table, lent to the querier between the responder's
    /// datagrams (see `Querier::poll_transmit`).
    pub(crate) fn table(&mut self) -> &mut CompressionTable {
        &mut self.table
    }

    pub(crate) fn new(_config: &Config) -> Self {
        Responder {
            registry: Registry::new(),
            timers: BinaryHeap::new(),
            probe_start: VecMap::new(),
            conflicts: Conflicts::default(),
            deferred: probe::Deferred::default(),
            sched: Schedule::default(),
            outbox: VecDeque::new(),
            goodbyes_left: VecMap::new(),
            goodbyes_done: 0,
            table: Box::default(),
            qname: fold::Folded::new(),
            spare_legacy: None,
        }
    }

    /// A query. Our own looped-back probes are ignored; our own other queries are
    /// answered like anyone's (by multicast), so that a browse by this engine finds the
    /// services it publishes, as Bonjour and Avahi users expect.
    pub(crate) fn handle_query(&mut self, ctx: &mut Ctx<'_>, incoming: &Incoming<'_>) {
        if incoming.own && incoming.msg.header().nscount > 0 {
            return;
        }
        self.query(ctx, incoming);
    }

    pub(crate) fn handle_response(&mut self, ctx: &mut Ctx<'_>, incoming: &Incoming<'_>) {
        // Nothing registered (a browse-only engine): no record of theirs can conflict
        // with or cooperate with one of ours (what `response` acts on is found through
        // our registrations).
        if incoming.own || self.registry.regs.is_empty() {
            return;
        }
        self.response(ctx, incoming);
    }

    pub(crate) fn handle_timeout(&mut self, ctx: &mut Ctx<'_>) {
        self.advance(ctx);
    }

    /// RFC 6762 §8.3, RFC 6762 §13: on a new or changed interface every name is probed and
    /// announced again before it is used there. `before`: the addresses it had (none
    /// for a new interface).
    pub(crate) fn interface_up(&mut self, ctx: &mut Ctx<'_>, id: InterfaceId, before: &[IfAddr]) {
        if let Some(i) = ctx.ifaces.get(id) {
            // Addresses it no longer has are not answered for again: their multicast
            // times go (the records of the addresses it keeps stay rate-limited), and
            // RFC 6762 §10.1: their records, no longer true, go with TTL 0.
            let has = |a: &IpAddr| i.addrs.iter().any(|x| x.addr == *a);
            self.sched.forget_addresses(id, has);
            let gone: alloc::vec::Vec<IpAddr> =
                before.iter().map(|a| a.addr).filter(|a| !has(a)).collect();
            if !gone.is_empty() {
                self.address_goodbyes(ctx, id, &gone);
            }
        }
        let mut ids: alloc::vec::Vec<RegistrationId> = self
            .registry
            .regs
            .values()
            .filter(|r| r.interfaces.includes(id))
            .map(|r| r.id)
            .collect();
        // In registration order, whatever the table's.
        crate::util::heap_sort(&mut ids);
        for reg in ids {
            self.start_probing(ctx, reg, id);
        }
    }

    /// The interface is gone: nothing more is sent on it.
    pub(crate) fn interface_down(&mut self, ctx: &mut Ctx<'_>, id: InterfaceId) {
        for reg in self.registry.regs.values_mut() {
            reg.links.retain(|l| l.iface != id);
        }
        self.probe_start.remove(&id);
        self.deferred.interface_down(id);
        self.sched.interface_down(id);
        let mut done = alloc::vec::Vec::new();
        self.outbox.retain(|j| {
            if j.iface() == id {
                if let Job::Goodbye(g) = j {
                    done.extend(g.notify.iter().copied());
                }
                false
            } else {
                true
            }
        });
        for reg in done {
            self.goodbye_sent(ctx, reg);
        }
    }

    #[inline]
    pub(crate) fn poll_transmit(&mut self, ctx: &mut Ctx<'_>, buf: &mut [u8]) -> Option<Transmit> {
        self.advance(ctx);
        while let Some(job) = self.outbox.front_mut() {
            let (t, done) = write::write_job(
                &self.registry,
                &mut self.sched,
                ctx,
                job,
                buf,
                &mut self.table,
            );
            if done {
                match self.outbox.pop_front() {
                    Some(Job::Goodbye(g)) => {
                        for reg in g.notify {
                            self.goodbye_sent(ctx, reg);
                        }
                    }
                    Some(Job::Response(r)) => {
                        self.sched.recycle(r.answers);
                        if r.legacy.is_some() {
                            self.spare_legacy = r.legacy;
                        }
                    }
                    _ => {}
                }
            }
            if t.is_some() {
                return t;
            }
        }
        None
    }

    /// True if [`poll_transmit`](Self::poll_transmit) at `now` may send something: a
    /// job is queued or a timer is due. False means it would return `None`.
    #[inline]
    pub(crate) fn may_transmit(&self, now: Instant) -> bool {
        !self.outbox.is_empty() || self.poll_timeout().is_some_and(|t| t <= now)
    }

    pub(crate) fn poll_timeout(&self) -> Option<Instant> {
        let due = self.sched.next_due();
        match self.timers.peek() {
            Some(&Reverse((t, ..))) => Some(due.map_or(t, |d| d.min(t))),
            None => due,
        }
    }

    /// Runs everything due by `ctx.now`: held multi-packet queries, probe and announce
    /// steps, and answers whose delay is over.
    #[inline]
    fn advance(&mut self, ctx: &mut Ctx<'_>) {
        // Nothing due (the usual case on every `poll_transmit`): nothing to do.
        if matches!(self.poll_timeout(), Some(t) if t <= ctx.now) {
            self.run_due(ctx);
        }
    }

    /// [`advance`](Self::advance) when something is due.
    fn run_due(&mut self, ctx: &mut Ctx<'_>) {
        for tc in self.sched.take_due_tc(ctx.now) {
            self.answer_held(ctx, tc);
        }
        if self.timers.peek().is_some_and(|t| t.0 .0 <= ctx.now) {
            self.run_timers(ctx);
        }
        self.sched.take_due_groups(ctx.now, &mut self.outbox);
    }

    /// Probe and announce steps whose time has come.
    fn run_timers(&mut self, ctx: &mut Ctx<'_>) {
        let mut probes: VecMap<InterfaceId, alloc::vec::Vec<(RegistrationId, bool)>> =
            VecMap::new();
        let mut announces: VecMap<InterfaceId, alloc::vec::Vec<RegistrationId>> = VecMap::new();
        while let Some(&Reverse((t, id, iface))) = self.timers.peek() {
            if t > ctx.now {
                break;
            }
            self.timers.pop();
            let Some(reg) = self.registry.regs.get_mut(&id) else {
                continue;
            };
            let Some(link) = reg.link_mut(iface) else {
                continue;
            };
            if link.at != Some(t) {
                continue;
            }
            link.at = None;
            match link.phase {
                Phase::Probing { sent } if sent < PROBE_COUNT => {
                    // RFC 6762 §8.1: QU on the first probe only; none while another
                    // mDNS socket shares port 5353 here, where the defender's unicast
                    // reply might reach the other socket (RFC 6762 §15.1).
                    let qu = sent == 0 && ctx.config.request_unicast_responses;
                    probes
                        .get_or_insert_with(iface, Default::default)
                        .push((id, qu));
                    link.phase = Phase::Probing { sent: sent + 1 };
                    self.set_timer(id, iface, ctx.now + PROBE_INTERVAL);
                }
                Phase::Probing { .. } => {
                    // RFC 6762 §8.1: no conflict within 250 ms of the third probe: the name is
                    // ours. Announce at once (RFC 6762 §8.3).
                    link.phase = Phase::Announcing { sent: 0 };
                    if !reg.registered {
                        reg.registered = true;
                        ctx.events.push(Event::Registered {
                            id,
                            name: reg.name.clone(),
                        });
                    }
                    self.set_timer(id, iface, ctx.now);
                }
                Phase::Announcing { sent } => {
                    announces
                        .get_or_insert_with(iface, Default::default)
                        .push(id);
                    link.announced = true;
                    let sent = sent + 1;
                    if sent < ANNOUNCE_COUNT {
                        link.phase = Phase::Announcing { sent };
                        // RFC 6762 §8.3: one second, then (if more) at least doubling.
                        let gap = ANNOUNCE_INTERVAL * (1u32 << (sent - 1).min(8));
                        self.set_timer(id, iface, ctx.now + gap);
                    } else {
                        link.phase = Phase::Established;
                    }
                }
                Phase::Established => {}
            }
        }
        for (iface, regs) in probes {
            for family in families(ctx, iface) {
                self.outbox.push_back(Job::Probe(job::ProbeJob {
                    iface,
                    family,
                    regs: regs.clone(),
                }));
            }
        }
        for (iface, regs) in announces {
            self.announce(ctx, iface, &regs);
        }
    }

    pub(crate) fn set_timer(&mut self, id: RegistrationId, iface: InterfaceId, at: Instant) {
        if let Some(link) = self
            .registry
            .regs
            .get_mut(&id)
            .and_then(|r| r.link_mut(iface))
        {
            link.at = Some(at);
            self.timers.push(Reverse((at, id, iface)));
        }
    }

    /// A goodbye job of `reg` is out (or dropped with its interface).
    fn goodbye_sent(&mut self, ctx: &mut Ctx<'_>, reg: RegistrationId) {
        // (An entry at zero is one already reported, kept until the next compaction.)
        if let Some(n) = self.goodbyes_left.get_mut(&reg).filter(|n| **n > 0) {
            *n -= 1;
            if *n == 0 {
                ctx.events.push(Event::Unregistered { id: reg });
                self.goodbyes_done += 1;
                if self.goodbyes_done * 2 >= self.goodbyes_left.len() {
                    self.goodbyes_left.retain(|_, n| *n > 0);
                    self.goodbyes_done = 0;
                }
            }
        }
    }
}

/// Conflicts counted for the probe rate limit (RFC 6762 §8.1).
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Conflicts {
    /// Conflicts since the last quiet period of [`CONFLICT_WINDOW`].
    pub count: usize,
    /// The latest one.
    pub last: Option<Instant>,
}

/// The families multicast goes out in on `iface` (those it has an address of).
pub(crate) fn families(ctx: &Ctx<'_>, iface: InterfaceId) -> impl Iterator<Item = Family> {
    let i = ctx.ifaces.get(iface);
    let v4 = i.is_some_and(|i| i.has(Family::V4));
    let v6 = i.is_some_and(|i| i.has(Family::V6));
    [(Family::V4, v4), (Family::V6, v6)]
        .into_iter()
        .filter(|f| f.1)
        .map(|f| f.0)
}

/// The multicast destination of a family.
pub(crate) fn multicast(family: Family) -> Destination {
    match family {
        Family::V4 => Destination::MulticastV4,
        Family::V6 => Destination::MulticastV6,
    }
}

#[cfg(test)]
mod tests {
    use crate::engine::config::Config;
    use crate::engine::io::{IfAddr, InterfaceId};
    use crate::engine::responder::HostRegistration;
    use crate::engine::Engine;
    use crate::name::Name;
    use crate::time::Instant;
    use core::net::{IpAddr, Ipv4Addr, Ipv6Addr};

    /// Runs the engine until it has nothing left to do before `until`.
    fn run(e: &mut Engine, now: &mut Instant, until: Instant) {
        let mut buf = [0u8; 9000];
        loop {
            while e.poll_transmit(*now, &mut buf).is_some() {}
            match e.poll_timeout() {
                Some(t) if t <= until => {
                    *now = t.max(*now);
                    e.handle_timeout(*now);
                }
                _ => break,
            }
        }
        *now = until;
    }

    #[test]
    fn a_host_whose_ipv6_addresses_rotate_keeps_no_times_for_old_ones() {
        // Seven IPv6 addresses and one IPv4 at a time; the IPv6 ones are all replaced
        // every round, as temporary addresses rotate. Each round is announced, so every
        // address record is multicast and its time kept.
        let mut e = Engine::new(Config::default());
        let iface = InterfaceId(1);
        let addrs = |round: u16| -> alloc::vec::Vec<IfAddr> {
            let mut v = alloc::vec![IfAddr {
                addr: IpAddr::V4(Ipv4Addr::new(192, 0, 2, 1)),
                prefix_len: 24,
            }];
            for i in 0..7 {
                v.push(IfAddr {
                    addr: IpAddr::V6(Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, round, i)),
                    prefix_len: 64,
                });
            }
            v
        };
        let mut now = Instant::from_secs(1);
        e.interface_up(now, iface, &addrs(0));
        let host = HostRegistration::builder(Name::parse("rotating.local.").unwrap())
            .build()
            .unwrap();
        e.register_host(now, host).unwrap();
        let mut most = 0;
        for round in 0..20u16 {
            e.interface_up(now, iface, &addrs(round));
            let until = now + core::time::Duration::from_secs(30);
            run(&mut e, &mut now, until);
            most = most.max(e.responder.sched.times.address_entries());
        }
        // At most one entry per address record the interface has now (1 A and 7 AAAA)
        // per family of datagram. Before `forget_addresses`, 14 more every round (274
        // after 20 rounds).
        assert!(
            most > 0,
            "no address reached the table: the test tests nothing"
        );
        assert!(most <= 2 * 8, "{most} entries");
    }
}
