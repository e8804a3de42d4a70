//! Received datagrams: queries (known answers RFC 6762 §7.1, multi-packet known answers
//! RFC 6762 §7.2, probes from other hosts RFC 6762 §8.2, questions RFC 6762 §6, QU
//! RFC 6762 §5.4, legacy RFC 6762 §6.7) and responses (conflicts RFC 6762 §8.1 and
//! RFC 6762 §9, cooperating responders RFC 6762 §6.6, goodbyes for our records
//! RFC 6762 §10.1, duplicate answer suppression RFC 6762 §7.4).

use super::answer::{answer_question, any_shared, AtName, Q};
use super::records::RecKey;
use super::registration::Phase;
use super::registry::Node;
use super::schedule::{answer_delay, HeldQuery, HeldQuestion, MAX_HELD_QUESTIONS};
use super::schedule::{MULTICAST_MIN_GAP, TC_DELAY_MAX, TC_DELAY_MIN};
use super::{legacy, multicast, Responder, MAX_OUTBOX};
use crate::engine::event::RegistrationId;
use crate::engine::io::{Destination, Family, IfAddr, InterfaceId, MDNS_PORT};
use crate::engine::{Ctx, Incoming};
use crate::wire::{NameRef, RData, Rtype, Section};

use alloc::vec::Vec;
use core::net::{IpAddr, SocketAddr};
use smallvec::SmallVec;

/// Most names a probe's list of probed names reserves room for at once (it holds one
/// per distinct authority record name; a hostile count reserves no more than this).
const MAX_PROBED_RESERVE: usize = 16;

/// Where a query came from and what kind it is.
#[derive(Clone, Copy)]
pub(crate) struct QuerySource {
    pub iface: InterfaceId,
    pub source: SocketAddr,
    /// The query ID of a legacy query (RFC 6762 §6.7), `None` for an mDNS query.
    pub legacy: Option<u16>,
    /// The query waited 400–500 ms for its known answers already (RFC 6762 §7.2): no further
    /// delay.
    pub held: bool,
}

impl Responder {
    pub(super) fn query(&mut self, ctx: &mut Ctx<'_>, inc: &Incoming<'_>) {
        let iface = inc.meta.interface;
        // The interface table outlives `ctx`'s borrow: its addresses need no copy.
        let ifaces = ctx.ifaces;
        let Some(addrs) = ifaces.get(iface).map(|i| i.addrs.as_slice()) else {
            return;
        };
        let msg = &inc.msg;
        let source = inc.meta.source;
        // Queries from this host (our own looped back, or another mDNS process here) are
        // answered by multicast: a unicast reply to port 5353 would reach only one of
        // the sockets sharing it (RFC 6762 §15.1).
        let local = inc.local;
        // RFC 6762 §8.2: Authority records make the query a probe for their names.
        let header = msg.header();
        let mut probed: Vec<NameRef<'_>> = Vec::new();
        // (The record sections are walked only when they hold something: the walk
        // starts by reading past the questions.)
        if header.nscount > 0 {
            // A probe's names are a few: room for as many as it has records, at once.
            probed.reserve(usize::from(header.nscount).min(MAX_PROBED_RESERVE));
            for r in msg.records().flatten() {
                if r.section == Section::Authority && !probed.iter().any(|n| n.eq_ref(&r.name)) {
                    probed.push(r.name);
                }
            }
        }
        for name in &probed {
            self.probe_from_other(ctx, iface, addrs, msg, name);
        }
        // RFC 6762 §7.1: known answers with at least half our TTL suppress our answer.
        let mut suppressed: SmallVec<[RecKey; 16]> = SmallVec::new();
        if header.ancount > 0 {
            // Known answers come in runs of one name (a browse's PTRs, each name a
            // pointer to the question's): its node is looked up once a run.
            let mut last: Option<(usize, Option<&Node>)> = None;
            for r in msg.records().flatten() {
                // The answer section comes first: past it, nothing more to see here.
                if r.section != Section::Answer {
                    break;
                }
                let node = match last {
                    Some((at, node)) if at == r.name.offset() => node,
                    _ => {
                        let node = self.registry.node(&r.name);
                        last = Some((r.name.offset(), node));
                        node
                    }
                };
                let found = self
                    .registry
                    .find_at(node, &r.name, r.rtype, &r.rdata, iface, addrs);
                let Some(k) = found else {
                    continue;
                };
                if let Some(rec) = self.registry.rec(k, addrs, ctx.config) {
                    if u64::from(r.ttl) * 2 >= u64::from(rec.ttl) && !suppressed.contains(&k) {
                        suppressed.push(k);
                    }
                }
            }
        }
        if header.qdcount == 0 {
            // RFC 6762 §7.2: a continuation packet adds known answers to the held query
            // from the same source, and more to come (TC) extends the wait.
            let tc = header.truncated();
            let delay = ctx.rng.duration_between(TC_DELAY_MIN, TC_DELAY_MAX);
            if let Some(h) = self.sched.held_mut(source, iface) {
                for k in suppressed {
                    if !h.suppressed.contains(&k) {
                        h.suppressed.push(k);
                    }
                }
                if tc {
                    h.at = ctx.now + delay;
                }
            }
            return;
        }
        if header.truncated() && !inc.legacy {
            // RFC 6762 §6, RFC 6762 §7.2: wait 400–500 ms for the rest of the known answers.
            let questions = msg
                .questions()
                .flatten()
                .take(MAX_HELD_QUESTIONS)
                .map(|q| HeldQuestion {
                    name: q.name.to_name(),
                    qtype: q.qtype,
                    qclass: q.qclass,
                    unicast_response: q.unicast_response && !local,
                })
                .collect();
            let held = HeldQuery {
                source,
                iface,
                at: ctx.now + ctx.rng.duration_between(TC_DELAY_MIN, TC_DELAY_MAX),
                questions,
                suppressed: suppressed.to_vec(),
            };
            if self.sched.hold(held) {
                return;
            }
        }
        let mut questions: SmallVec<[Q<'_>; 4]> = SmallVec::new();
        for q in msg.questions().flatten() {
            questions.push(Q {
                name: q.name,
                qtype: q.qtype,
                qclass: q.qclass,
                unicast_response: q.unicast_response && !local,
            });
        }
        let from = QuerySource {
            iface,
            source,
            legacy: inc.legacy.then_some(header.id),
            held: false,
        };
        self.answer(ctx, from, addrs, &questions, &suppressed, &probed);
    }

    /// Answers a held query whose wait for known answers is over (RFC 6762 §7.2).
    pub(super) fn answer_held(&mut self, ctx: &mut Ctx<'_>, h: HeldQuery) {
        let ifaces = ctx.ifaces;
        let Some(addrs) = ifaces.get(h.iface).map(|i| i.addrs.as_slice()) else {
            return;
        };
        // (Pushed one by one: the same `SmallVec` code as a received query's list.)
        let mut questions: SmallVec<[Q<'_>; 4]> = SmallVec::new();
        for q in &h.questions {
            if let Ok((name, _)) = NameRef::read(q.name.as_wire(), 0) {
                questions.push(Q {
                    name,
                    qtype: q.qtype,
                    qclass: q.qclass,
                    unicast_response: q.unicast_response,
                });
            }
        }
        let from = QuerySource {
            iface: h.iface,
            source: h.source,
            legacy: None,
            held: true,
        };
        self.answer(ctx, from, addrs, &questions, &h.suppressed, &[]);
    }

    /// Works out the answers to `questions` and schedules them.
    fn answer(
        &mut self,
        ctx: &mut Ctx<'_>,
        from: QuerySource,
        addrs: &[IfAddr],
        questions: &[Q<'_>],
        suppressed: &[RecKey],
        probed: &[NameRef<'_>],
    ) {
        let family = Family::of(&from.source.ip());
        let mut mc: SmallVec<[RecKey; 16]> = SmallVec::new();
        let mut uc: SmallVec<[RecKey; 16]> = SmallVec::new();
        let mut defence: SmallVec<[RecKey; 16]> = SmallVec::new();
        let mut uc_defence: SmallVec<[RecKey; 16]> = SmallVec::new();
        let mut keys: SmallVec<[RecKey; 16]> = SmallVec::new();
        // Each question's name folded once: hashed and compared in one piece. A name
        // asked about again (the next question's name a pointer to this one's, as in
        // SRV + TXT) is not looked up again.
        // (The responder's buffer: a fresh one would be zeroed for every query.)
        let qname = &mut self.qname;
        let mut looked_up: Option<((usize, usize), AtName<'_>)> = None;
        for q in questions {
            keys.clear();
            let here = (q.name.offset(), q.name.wire_len());
            let at = match looked_up {
                Some((name, at)) if name == here => at,
                _ => {
                    qname.set_ref(&q.name);
                    let at = AtName::look_up(&self.registry, qname);
                    looked_up = Some((here, at));
                    at
                }
            };
            let probe = probed.iter().any(|p| p.eq_ref(&q.name));
            // The usual case: every answer goes in the multicast (or legacy) list as is.
            let plain =
                suppressed.is_empty() && !probe && (!q.unicast_response || from.legacy.is_some());
            let out = if plain { &mut mc } else { &mut keys };
            answer_question(
                &self.registry,
                from.iface,
                addrs,
                at,
                q.qtype,
                q.qclass,
                out,
            );
            if plain {
                continue;
            }
            keys.retain(|k| !suppressed.contains(k));
            if from.legacy.is_some() {
                mc.extend_from_slice(&keys);
            } else if q.unicast_response {
                // RFC 6762 §5.4: QU gets a unicast answer, unless the record was not multicast on
                // this interface within a quarter of its TTL. RFC 6762 §8.1: a probe asks for QU
                // "to allow a defending host to respond immediately via unicast", and is
                // answered at once either way (mDNSResponder takes a multicast answer
                // to its probe for a possibly spurious conflict and probes again a second
                // later; a unicast one makes it rename at once).
                for &k in &keys {
                    let quarter = self
                        .registry
                        .rec(k, addrs, ctx.config)
                        .map_or(0, |r| u64::from(r.ttl) * 250);
                    let recent = self.sched.multicast_within(
                        ctx.now,
                        k,
                        from.iface,
                        family,
                        core::time::Duration::from_millis(quarter),
                    );
                    match (probe, recent) {
                        (true, true) => uc_defence.push(k),
                        (true, false) => defence.push(k),
                        (false, true) => uc.push(k),
                        (false, false) => mc.push(k),
                    }
                }
            } else if probe {
                // RFC 6762 §6, RFC 6762 §8.1: a QM probe for a name we own is answered at once, by multicast.
                defence.extend_from_slice(&keys);
            } else {
                mc.extend_from_slice(&keys);
            }
        }
        let now = ctx.now;
        if let Some(id) = from.legacy {
            if !mc.is_empty() && self.outbox.len() < MAX_OUTBOX {
                let list = self.sched.spare_list();
                let spare = self.spare_legacy.take();
                self.outbox.push_back(legacy::reply(
                    from.iface,
                    from.source,
                    id,
                    questions,
                    &mc,
                    list,
                    spare,
                ));
            }
            return;
        }
        let dest = multicast(family);
        let mut to = from.source;
        to.set_port(MDNS_PORT);
        self.sched.add(
            now,
            from.iface,
            Destination::Unicast(to),
            now,
            &uc_defence,
            false,
        );
        self.sched.add(now, from.iface, dest, now, &defence, true);
        let shared = any_shared(&mc) || any_shared(&uc);
        let delay = if from.held {
            core::time::Duration::ZERO
        } else {
            answer_delay(ctx.rng, shared, questions.len())
        };
        self.sched
            .add(now, from.iface, dest, now + delay, &mc, false);
        self.sched.add(
            now,
            from.iface,
            Destination::Unicast(to),
            now + delay,
            &uc,
            false,
        );
    }

    pub(super) fn response(&mut self, ctx: &mut Ctx<'_>, inc: &Incoming<'_>) {
        let iface = inc.meta.interface;
        // The interface table outlives `ctx`'s borrow: its addresses need no copy.
        let ifaces = ctx.ifaces;
        let Some(addrs) = ifaces.get(iface).map(|i| i.addrs.as_slice()) else {
            return;
        };
        let family = Family::of(&inc.meta.source.ip());
        let mut conflicts: Vec<RegistrationId> = Vec::new();
        let mut reannounce: SmallVec<[RecKey; 16]> = SmallVec::new();
        for r in inc.msg.records().flatten() {
            if r.rtype == Rtype::OPT {
                continue;
            }
            let Some(node) = self.registry.node_of_other(&r.name) else {
                continue;
            };
            let found = self
                .registry
                .find_at(Some(node), &r.name, r.rtype, &r.rdata, iface, addrs);
            if let Some(owner) = node.owner() {
                let reg = &self.registry.regs[&owner];
                if let Some(link) = reg.link(iface) {
                    let own_addr = match r.rdata {
                        RData::A(a) => ctx.ifaces.is_own_address(&IpAddr::V4(a)),
                        RData::Aaaa(a) => ctx.ifaces.is_own_address(&IpAddr::V6(a)),
                        _ => false,
                    } && reg.is_host();
                    let ours = own_addr || found.is_some_and(|k| k.reg() == owner);
                    let owned_type = if reg.is_host() {
                        matches!(r.rtype, Rtype::A | Rtype::AAAA)
                    } else {
                        matches!(r.rtype, Rtype::SRV | Rtype::TXT)
                    };
                    let conflict = match link.phase {
                        // RFC 6762 §10.1: a goodbye withdraws the sender's record; it claims
                        // nothing. (A loser's goodbyes for the name it gives up used to
                        // make the winner probe again and, seeing more goodbyes while
                        // probing, rename too: both ended up renamed.)
                        _ if r.ttl == 0 => false,
                        // RFC 6762 §8.1: conflicts before our first probe are ignored; after
                        // a lost tiebreak our probes went out already (see `probe`).
                        Phase::Probing { sent: 0 } => self.deferred.probed(owner, iface) && !ours,
                        // RFC 6762 §8.1: while probing, any record of the name that is not
                        // ours, of any type, is a conflict.
                        Phase::Probing { .. } => !ours,
                        // RFC 6762 §9: after probing, a record of one of our types with other
                        // data. Identical data is a cooperating responder (RFC 6762 §6.6).
                        _ => !ours && owned_type,
                    };
                    if conflict && !conflicts.contains(&owner) {
                        conflicts.push(owner);
                    }
                }
            }
            let Some(k) = found else {
                continue;
            };
            if !self
                .registry
                .regs
                .get(&k.reg())
                .is_some_and(|r| r.answerable(iface))
            {
                continue;
            }
            let Some(ours) = self.registry.rec(k, addrs, ctx.config) else {
                continue;
            };
            if u64::from(r.ttl) * 2 < u64::from(ours.ttl) {
                // RFC 6762 §6.6: our record with less than half our TTL (a goodbye,
                // RFC 6762 §10.1, included): re-announce it so caches keep it.
                reannounce.push(k);
            } else if r.ttl >= ours.ttl {
                // RFC 6762 §7.4: someone else just sent our answer with a TTL not less than
                // ours: ours counts as sent.
                self.sched.suppress_duplicate(ctx.now, k, iface, family);
            }
        }
        for id in conflicts {
            self.conflict(ctx, id, iface);
        }
        if !reannounce.is_empty() {
            let at = self
                .sched
                .ready_at(ctx.now, &reannounce, iface, family, MULTICAST_MIN_GAP);
            self.sched
                .add(ctx.now, iface, multicast(family), at, &reannounce, false);
        }
    }
}
