//! What operations report when records change: a browse's or a type enumeration's
//! instances (per PTR record added or gone, without a scan of the others: a flood of
//! thousands of instances costs each one its own change), a host lookup's addresses,
//! a resolve's service (SRV, TXT, the target's addresses), and a background resolve's
//! place in [`super::background`] when it becomes complete or stops being so.
//!
//! Which records changed is found by the querier's inputs ([`super`]); the events
//! themselves are defined in [`crate::engine::event`].

use super::{Key, Op, Querier};
use crate::engine::cache::{Cache, Gone};
use crate::engine::event::{Event, QueryId, ResolvedService};
use crate::engine::io::InterfaceId;
use crate::engine::Ctx;
use crate::name::Name;
use crate::util::KeyRef;
use crate::vecmap::VecSet;
use crate::wire::{RData, Rtype};
use alloc::vec::Vec;
use core::net::IpAddr;
use smallvec::SmallVec;

/// A PTR record that came or went, as a browse sees it.
#[derive(Debug)]
pub(crate) struct PtrChange {
    /// The PTR record's owner (the browsed type, or the enumeration name).
    pub owner: Name,
    /// The name it points at (an instance, or a service type).
    pub target: Name,
    pub interface: InterfaceId,
    pub added: bool,
}

impl PtrChange {
    /// The change a removed PTR record makes, if its data reads as a name.
    fn gone(g: &Gone) -> Option<PtrChange> {
        match RData::parse(&g.data, 0, g.data.len(), Rtype::PTR).ok()? {
            RData::Ptr(target) => Some(PtrChange {
                owner: g.name.clone(),
                target: target.to_name(),
                interface: g.interface,
                added: false,
            }),
            _ => None,
        }
    }
}

/// What one input changed, to be reported once it is all taken in: PTR records in the
/// order they came and went, and the other (name, type) pairs whose records changed.
#[derive(Debug, Default)]
pub(crate) struct Changes {
    pub ptrs: Vec<PtrChange>,
    pub keys: VecSet<Key>,
}

impl Changes {
    /// A removed record someone wanted.
    pub fn gone(&mut self, g: Gone) {
        if g.rtype == Rtype::PTR {
            self.ptrs.extend(PtrChange::gone(&g));
        } else {
            self.keys.insert((g.name, g.rtype));
        }
    }

    pub fn is_empty(&self) -> bool {
        self.ptrs.is_empty() && self.keys.is_empty()
    }
}

impl Querier {
    /// Reports PTR changes to the browses and enumerations interested, in order, then
    /// the other changed (name, type) pairs.
    pub(super) fn report(&mut self, ctx: &mut Ctx<'_>, changes: Changes) {
        for c in net(changes.ptrs) {
            self.ptr_changed(ctx, c);
        }
        for (name, rtype) in changes.keys {
            self.notify(ctx, &name, rtype);
        }
    }

    /// One PTR record came or went: the browses (or enumerations) of its owner report
    /// the instance (or type) found or removed on its interface.
    fn ptr_changed(&mut self, ctx: &mut Ctx<'_>, c: PtrChange) {
        let Some(ids) = self.interest.get(&KeyRef(&c.owner, Rtype::PTR)) else {
            return;
        };
        let ids: SmallVec<[QueryId; 2]> = SmallVec::from_slice(ids);
        for id in ids {
            let (seen, types) = match self.ops.get_mut(&id) {
                Some(Op::Browse { seen, .. }) => (seen, false),
                Some(Op::Types { seen }) => (seen, true),
                _ => continue,
            };
            let item = (c.target.clone(), c.interface);
            let news = if c.added {
                seen.insert(item)
            } else {
                seen.remove(&item)
            };
            if news {
                let e = ptr_event(id, &c.owner, c.target.clone(), c.interface, c.added, types);
                ctx.events.push(e);
            }
        }
    }

    /// Records of (name, type) changed: the operations that want them report.
    pub(super) fn notify(&mut self, ctx: &mut Ctx<'_>, name: &Name, rtype: Rtype) {
        let Some(ids) = self.interest.get(&KeyRef(name, rtype)) else {
            return;
        };
        let ids: SmallVec<[QueryId; 2]> = SmallVec::from_slice(ids);
        for id in ids {
            self.refresh_op(ctx, id, false);
        }
    }

    /// Recomputes what operation `id` reports from the cache and reports the
    /// difference. `starting`: it has just been started.
    pub(super) fn refresh_op(&mut self, ctx: &mut Ctx<'_>, id: QueryId, starting: bool) {
        let Some(op) = self.ops.get_mut(&id) else {
            return;
        };
        match op {
            Op::Browse { name, seen } => {
                let now = ptr_targets(&self.cache, name);
                let owner = name.clone();
                diff_sets(seen, now, |(target, interface), added| {
                    let e = ptr_event(id, &owner, target, interface, added, false);
                    ctx.events.push(e);
                });
            }
            Op::Types { seen } => {
                let owner = crate::sd::service_enumeration_name();
                let now = ptr_targets(&self.cache, &owner);
                diff_sets(seen, now, |(target, interface), added| {
                    let e = ptr_event(id, &owner, target, interface, added, true);
                    ctx.events.push(e);
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
            Op::Resolve { .. } => self.refresh_resolve(ctx, id, starting),
            Op::OneShot { .. } | Op::Reconfirm => {}
        }
    }

    fn refresh_resolve(&mut self, ctx: &mut Ctx<'_>, id: QueryId, starting: bool) {
        let Some(Op::Resolve {
            instance,
            target,
            background,
            ..
        }) = self.ops.get(&id)
        else {
            return;
        };
        let instance = instance.clone();
        let old_target = target.clone();
        let background = *background;
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
            self.retarget(
                ctx,
                id,
                background,
                old_target.as_ref(),
                new_target.as_ref(),
            );
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
        let complete = current.is_some();
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
        if background {
            if let Some(ask) = self.background.set_resolved(id, complete, starting) {
                self.set_asking(ctx, id, ask);
            }
        }
    }

    /// A resolve's SRV target changed: its interest (and questions, if it asks) in
    /// the old target's addresses go to the new one's.
    fn retarget(
        &mut self,
        ctx: &mut Ctx<'_>,
        id: QueryId,
        background: bool,
        old: Option<&Name>,
        new: Option<&Name>,
    ) {
        let asks = !background || self.background.asks(id);
        let (first, unicast) = self.first_query(ctx);
        for rtype in [Rtype::A, Rtype::AAAA] {
            if let Some(old) = old {
                self.remove_interest(id, old, rtype);
                if asks {
                    self.unask(old, rtype, !background);
                }
            }
            if let Some(new) = new {
                self.add_interest(ctx, id, new, rtype);
                if asks {
                    self.ask(first, unicast, new, rtype, !background);
                }
            }
        }
    }
}

/// The PTR changes of one input without those that cancel out: a record that came
/// and went in the same packet (evicted by a later one of it) is not reported.
fn net(ptrs: Vec<PtrChange>) -> impl Iterator<Item = PtrChange> {
    let mut kept: Vec<Option<PtrChange>> = Vec::with_capacity(ptrs.len());
    for c in ptrs {
        if !c.added {
            let same = |k: &Option<PtrChange>| {
                k.as_ref().is_some_and(|k| {
                    k.added
                        && k.interface == c.interface
                        && k.owner == c.owner
                        && k.target == c.target
                })
            };
            if let Some(k) = kept.iter_mut().rev().find(|k| same(k)) {
                *k = None;
                continue;
            }
        }
        kept.push(Some(c));
    }
    kept.into_iter().flatten()
}

/// The event of a browse (or, `types`, an enumeration) `id` of `owner` for `target`
/// found (`added`) or removed on `interface`.
fn ptr_event(
    id: QueryId,
    owner: &Name,
    target: Name,
    interface: InterfaceId,
    added: bool,
    types: bool,
) -> Event {
    match (types, added) {
        (false, true) => Event::ServiceFound {
            query: id,
            instance: target,
            service_type: owner.clone(),
            interface,
        },
        (false, false) => Event::ServiceRemoved {
            query: id,
            instance: target,
            service_type: owner.clone(),
            interface,
        },
        (true, true) => Event::ServiceTypeFound {
            query: id,
            service_type: target,
            interface,
        },
        (true, false) => Event::ServiceTypeRemoved {
            query: id,
            service_type: target,
            interface,
        },
    }
}

/// (PTR target, interface) pairs cached for `name`.
fn ptr_targets(cache: &Cache, name: &Name) -> VecSet<(Name, InterfaceId)> {
    let pairs = cache.get(name, Rtype::PTR).filter_map(|e| match e.data()? {
        RData::Ptr(target) => Some((target.to_name(), e.interface())),
        _ => None,
    });
    pairs.collect()
}

/// (address, interface) pairs cached for a host name.
fn addresses(cache: &Cache, host: &Name) -> VecSet<(IpAddr, InterfaceId)> {
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
    seen: &mut VecSet<T>,
    now: VecSet<T>,
    mut report: impl FnMut(T, bool),
) {
    seen.diff(&now, |item, added| report(item.clone(), added));
    *seen = now;
}
