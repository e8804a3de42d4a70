//! Routing what the engine and the backend report to the subscriptions they belong to:
//! a browse's instances (and, for a resolving browse, starting and stopping the
//! resolve of each), a one-shot resolve's or lookup's answers and linger, watches,
//! enumerations, one-shot queries, and registrations.

use alloc::vec::Vec;

use mdns_sansio::engine::{Event as EngineEvent, QueryId, RegistrationId};
use mdns_sansio::sd::{InstanceName, ServiceType};
use mdns_sansio::{Instant, Name};

use crate::backend::Backend;
use crate::client::{Client, RegOwner};
use crate::event::{BrowseEvent, Event, HostEvent, RegistrationEvent, ResolvedService, TypeEvent};
use crate::id::SubscriptionId;
use crate::subs::{Route, State};

/// What routing one engine event decided, applied once the subscription is no longer
/// borrowed.
#[derive(Default)]
struct Outcome {
    events: Vec<Event>,
    /// A resolving browse found a new instance: resolve it.
    start_resolve: Option<Name>,
    /// A resolving browse lost an instance everywhere: stop its resolve.
    stop_query: Option<QueryId>,
    /// The subscription is complete: its final event is the last of `events`.
    done: bool,
}

impl<B: Backend> Client<B> {
    /// Routes one engine event.
    pub(crate) fn route(&mut self, now: Instant, ev: &EngineEvent) {
        let query = match ev {
            EngineEvent::ServiceFound { query, .. }
            | EngineEvent::ServiceRemoved { query, .. }
            | EngineEvent::ServiceResolved { query, .. }
            | EngineEvent::ServiceUpdated { query, .. }
            | EngineEvent::ServiceLost { query, .. }
            | EngineEvent::HostAddressAdded { query, .. }
            | EngineEvent::HostAddressRemoved { query, .. }
            | EngineEvent::ServiceTypeFound { query, .. }
            | EngineEvent::ServiceTypeRemoved { query, .. }
            | EngineEvent::QueryAnswer { query, .. }
            | EngineEvent::QueryDone { query } => *query,
            _ => return self.route_registration(now, ev),
        };
        let Some((id, of_instance)) = self.queries.get(&query).cloned() else {
            return;
        };
        let linger = self.config().answer_linger;
        let Some(sub) = self.subs.get_mut(&id) else {
            return;
        };
        let mut out = Outcome::default();
        match &mut sub.state {
            State::Browse {
                resolve, instances, ..
            } => browse(ev, *resolve, of_instance.is_some(), instances, &mut out),
            State::Resolve {
                best, linger: l, ..
            } => {
                if let EngineEvent::ServiceResolved { service, .. }
                | EngineEvent::ServiceUpdated { service, .. } = ev
                {
                    if let Some(s) = ResolvedService::from_engine(service.clone()) {
                        if s.has_both_families() {
                            out.events.push(Event::Resolved(Ok(s)));
                            out.done = true;
                        } else {
                            *best = Some(s);
                            l.get_or_insert(now.saturating_add(linger));
                        }
                    }
                }
            }
            State::Lookup {
                addrs, linger: l, ..
            } => match ev {
                EngineEvent::HostAddressAdded { addr, .. } => {
                    if !addrs.contains(addr) {
                        addrs.push(*addr);
                    }
                    l.get_or_insert(now.saturating_add(linger));
                }
                EngineEvent::HostAddressRemoved { addr, .. } => addrs.retain(|a| a != addr),
                _ => {}
            },
            State::Watch { .. } => match ev {
                EngineEvent::HostAddressAdded {
                    addr, interface, ..
                } => out
                    .events
                    .push(Event::Host(HostEvent::Added(*addr, *interface))),
                EngineEvent::HostAddressRemoved {
                    addr, interface, ..
                } => out
                    .events
                    .push(Event::Host(HostEvent::Removed(*addr, *interface))),
                _ => {}
            },
            State::Types { .. } => match ev {
                EngineEvent::ServiceTypeFound {
                    service_type,
                    interface,
                    ..
                } => {
                    if let Ok(t) = ServiceType::from_name(service_type) {
                        out.events
                            .push(Event::ServiceType(TypeEvent::Found(t, *interface)));
                    }
                }
                EngineEvent::ServiceTypeRemoved {
                    service_type,
                    interface,
                    ..
                } => {
                    if let Ok(t) = ServiceType::from_name(service_type) {
                        out.events
                            .push(Event::ServiceType(TypeEvent::Removed(t, *interface)));
                    }
                }
                _ => {}
            },
            State::Query { .. } => match ev {
                EngineEvent::QueryAnswer { record, .. } => {
                    out.events.push(Event::Answer(record.clone()));
                }
                EngineEvent::QueryDone { .. } => {
                    out.events.push(Event::QueryDone);
                    out.done = true;
                }
                _ => {}
            },
            State::Registration { .. } | State::Backend { .. } | State::Leaving { .. } => {}
        }
        self.apply(now, id, out);
    }

    fn apply(&mut self, now: Instant, id: SubscriptionId, mut out: Outcome) {
        if let Some(instance) = out.start_resolve {
            match self.engine_mut().resolve(now, &instance) {
                Ok(q) => {
                    self.queries.insert(q, (id, Some(instance.clone())));
                    if let Some(State::Browse { instances, .. }) =
                        self.subs.get_mut(&id).map(|s| &mut s.state)
                    {
                        if let Some(seen) = instances.get_mut(&instance) {
                            seen.resolve = Some(q);
                        }
                    }
                }
                Err(_) => self.stats.resolves_refused += 1,
            }
        }
        if let Some(q) = out.stop_query {
            self.queries.remove(&q);
            self.engine_mut().stop_query(q);
        }
        if out.done {
            let last = out.events.pop();
            for e in out.events {
                self.push(id, e);
            }
            if let Some(last) = last {
                self.finish(now, id, last);
            }
            return;
        }
        for e in out.events {
            self.push(id, e);
        }
        self.sync_timer(id);
    }

    /// Routes a registration event of the engine.
    fn route_registration(&mut self, now: Instant, ev: &EngineEvent) {
        let label = |name: &Name| InstanceName::from_label(name.first_label()).ok();
        let (reg, event) = match ev {
            EngineEvent::Unregistered { id } => return self.goodbyes_out(*id),
            EngineEvent::ProbingStarted { id, name } => (
                *id,
                label(name).map(|name| RegistrationEvent::Probing { name }),
            ),
            EngineEvent::Registered { id, name } => (
                *id,
                label(name).map(|name| RegistrationEvent::Registered { name }),
            ),
            EngineEvent::Renamed { id, from, to } => (
                *id,
                label(from)
                    .zip(label(to))
                    .map(|(from, to)| RegistrationEvent::Renamed { from, to }),
            ),
            EngineEvent::RegistrationFailed { id, reason } => {
                (*id, Some(RegistrationEvent::Failed(reason.clone())))
            }
            _ => return,
        };
        // Host names have no subscription; their renames show in the SRV records.
        let Some(&RegOwner::Service(id)) = self.regs.get(&reg) else {
            return;
        };
        let Some(event) = event else { return };
        let Some(State::Registration { name, .. }) = self.subs.get_mut(&id).map(|s| &mut s.state)
        else {
            return;
        };
        match &event {
            RegistrationEvent::Registered { name: n }
            | RegistrationEvent::Renamed { to: n, .. } => {
                *name = n.clone();
            }
            _ => {}
        }
        if let RegistrationEvent::Failed(_) = event {
            // The engine has dropped the registration.
            self.regs.remove(&reg);
            self.finish(now, id, Event::Registration(event));
        } else {
            self.push(id, Event::Registration(event));
        }
    }

    /// An engine registration's goodbyes are all out.
    fn goodbyes_out(&mut self, reg: RegistrationId) {
        self.leaving.remove(&reg);
        for sub in self.subs.values_mut() {
            if let State::Leaving { waiting } = &mut sub.state {
                waiting.remove(&reg);
            }
        }
        self.complete_leaving();
    }

    /// Routes one backend event.
    pub(crate) fn route_backend(&mut self, now: Instant, id: SubscriptionId, ev: Event) {
        let Some(sub) = self.subs.get(&id) else {
            return;
        };
        if sub.route != Route::Backend {
            return;
        }
        let unregistered = matches!(ev, Event::Registration(RegistrationEvent::Unregistered));
        match (&sub.state, unregistered) {
            (State::Leaving { .. }, true) => {
                self.subs.remove(&id);
                self.push(id, ev);
            }
            // Leaving: nothing but the completion; not leaving: no completion.
            (State::Leaving { .. }, false) | (_, true) => {}
            _ if ev.is_final() => self.finish(now, id, ev),
            _ => self.push(id, ev),
        }
    }
}

/// A browse's event. `of_instance`: it comes from the resolve of one of its instances.
fn browse(
    ev: &EngineEvent,
    resolve: bool,
    of_instance: bool,
    instances: &mut alloc::collections::BTreeMap<Name, crate::subs::Seen>,
    out: &mut Outcome,
) {
    match ev {
        EngineEvent::ServiceFound {
            instance,
            interface,
            ..
        } if !of_instance => {
            let Ok((name, service_type)) = InstanceName::split(instance) else {
                // Not a service instance name: nothing an application could use.
                return;
            };
            let seen = instances.entry(instance.clone()).or_default();
            if seen.interfaces.is_empty() && resolve && seen.resolve.is_none() {
                out.start_resolve = Some(instance.clone());
            }
            if !seen.interfaces.insert(*interface) {
                return;
            }
            out.events.push(Event::Browse(BrowseEvent::Found {
                instance: name,
                service_type,
                interface: *interface,
            }));
        }
        EngineEvent::ServiceRemoved {
            instance,
            interface,
            ..
        } if !of_instance => {
            let Some(seen) = instances.get_mut(instance) else {
                // Never reported found (not a service instance name).
                return;
            };
            if !seen.interfaces.remove(interface) {
                return;
            }
            if seen.interfaces.is_empty() {
                out.stop_query = seen.resolve;
                instances.remove(instance);
            }
            if let Ok((name, service_type)) = InstanceName::split(instance) {
                out.events.push(Event::Browse(BrowseEvent::Removed {
                    instance: name,
                    service_type,
                    interface: *interface,
                }));
            }
        }
        EngineEvent::ServiceResolved { service, .. } if of_instance => {
            if let Some(s) = ResolvedService::from_engine(service.clone()) {
                out.events.push(Event::Browse(BrowseEvent::Resolved(s)));
            }
        }
        EngineEvent::ServiceUpdated { service, .. } if of_instance => {
            if let Some(s) = ResolvedService::from_engine(service.clone()) {
                out.events.push(Event::Browse(BrowseEvent::Updated(s)));
            }
        }
        _ => {}
    }
}
