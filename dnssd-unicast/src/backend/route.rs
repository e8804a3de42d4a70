//! Routing the client's events to the subscriptions of the layer they belong to, in
//! the layer's shapes (see the module docs of [`backend`](super)).

use super::map;
use super::{Served, UnicastBackend, UnicastError};
use crate::client::{Event as U, SubId};
use mdns_sansio::{Instant, Name};
use mdns_sansio_client::{
    BackendError, BrowseEvent, DomainEvent, Error, Event, HostEvent, RegistrationEvent,
    SubscriptionId, TypeEvent, UNICAST_DNS,
};

impl UnicastBackend {
    /// Routes one event of the client.
    pub(super) fn route(&mut self, now: Instant, e: U) {
        match e {
            U::ServiceFound { sub, instance, .. } => self.found(now, sub, instance),
            U::ServiceRemoved { sub, instance, .. } => self.removed(sub, instance),
            U::ServiceResolved { sub, service } => self.resolved(sub, service, false),
            U::ServiceUpdated { sub, service } => self.resolved(sub, service, true),
            U::HostAddressAdded { sub, addr, .. } => {
                if let Some(id) = self.watch_of(sub) {
                    self.news(id, Event::Host(HostEvent::Added(addr, UNICAST_DNS)));
                }
            }
            U::HostAddressRemoved { sub, addr, .. } => {
                if let Some(id) = self.watch_of(sub) {
                    self.news(id, Event::Host(HostEvent::Removed(addr, UNICAST_DNS)));
                }
            }
            U::DomainFound { sub, kind, domain } => {
                if let Some(&(id, _)) = self.parts.get(&sub) {
                    let kind = map::domain_kind(kind);
                    self.news(id, Event::Domain(DomainEvent::Found { kind, domain }));
                }
            }
            U::DomainRemoved { sub, kind, domain } => {
                if let Some(&(id, _)) = self.parts.get(&sub) {
                    let kind = map::domain_kind(kind);
                    self.news(id, Event::Domain(DomainEvent::Removed { kind, domain }));
                }
            }
            U::QueryFailed {
                sub,
                name,
                rtype,
                error,
            } => {
                let Some((id, _)) = self.parts.get(&sub).cloned() else {
                    return;
                };
                // One report per error and subscription (a resolving browse or a domain
                // enumeration asks many questions of the same servers), until it hears
                // news again.
                let seen = self.reported.entry(id).or_default();
                if seen.contains(&error) {
                    return;
                }
                seen.push(error.clone());
                let e = BackendError::new(UnicastError::Query { name, rtype, error });
                let ev = match self.served.get(&id) {
                    Some(Served::Browse { .. }) => Event::Browse(BrowseEvent::ServerError(e)),
                    Some(Served::Types { .. }) => Event::ServiceType(TypeEvent::ServerError(e)),
                    Some(Served::Domains { .. }) => Event::Domain(DomainEvent::ServerError(e)),
                    Some(Served::Resolve { .. }) => {
                        return self.finish(id, Event::Resolved(Err(Error::Backend(e))));
                    }
                    Some(Served::Lookup { .. }) => {
                        return self.finish(id, Event::HostAddresses(Err(Error::Backend(e))));
                    }
                    // A watch keeps asking; it has no event for this.
                    _ => return,
                };
                self.events.push_back((id, ev));
            }
            U::Registered { id, name } => {
                if let Some(name) = map::label(&name) {
                    self.registration(id, RegistrationEvent::Registered { name });
                }
            }
            U::Renamed { id, from, to } => {
                if let (Some(from), Some(to)) = (map::label(&from), map::label(&to)) {
                    self.registration(id, RegistrationEvent::Renamed { from, to });
                }
            }
            U::RegistrationError { id, error } => {
                let e = BackendError::new(UnicastError::Update(error));
                self.registration(id, RegistrationEvent::ServerError(e));
            }
            U::RegistrationFailed { id, error } => {
                if let Some(sub) = self.regs.remove(&id) {
                    self.served.remove(&sub);
                    self.events
                        .push_back((sub, Event::Registration(map::given_up(error))));
                }
            }
            U::Unregistered { id } => {
                self.withdrawing.remove(&id);
                if let Some(sub) = self.regs.remove(&id) {
                    self.events
                        .push_back((sub, Event::Registration(RegistrationEvent::Unregistered)));
                }
            }
            _ => {}
        }
    }

    /// A resolve's answer: a one-shot resolve's outcome, or a resolving browse's news
    /// of one of its instances.
    fn resolved(&mut self, sub: SubId, service: crate::client::ResolvedService, update: bool) {
        let Some((id, of_instance)) = self.parts.get(&sub).cloned() else {
            return;
        };
        let Some((instance, ty)) = map::split_instance(&service.instance) else {
            return;
        };
        let s = map::resolved(service, instance, ty);
        match (self.served.get(&id), of_instance) {
            (Some(Served::Resolve { .. }), None) => self.finish(id, Event::Resolved(Ok(s))),
            (Some(Served::Browse { .. }), Some(_)) => {
                let ev = if update {
                    BrowseEvent::Updated(s)
                } else {
                    BrowseEvent::Resolved(s)
                };
                self.news(id, Event::Browse(ev));
            }
            _ => {}
        }
    }

    /// A news of a live registration.
    fn registration(&mut self, reg: crate::client::RegId, ev: RegistrationEvent) {
        if self.withdrawing.contains(&reg) {
            return;
        }
        if let Some(id) = self.regs.get(&reg) {
            self.events.push_back((*id, Event::Registration(ev)));
        }
    }

    /// The layer's subscription if `sub` is a host watch's.
    fn watch_of(&self, sub: SubId) -> Option<SubscriptionId> {
        let (id, _) = self.parts.get(&sub)?;
        matches!(self.served.get(id), Some(Served::Watch { .. })).then_some(*id)
    }

    fn found(&mut self, now: Instant, sub: SubId, instance: Name) {
        let Some((id, None)) = self.parts.get(&sub).cloned() else {
            return;
        };
        match self.served.get_mut(&id) {
            Some(Served::Browse {
                resolve, instances, ..
            }) => {
                let Some((name, service_type)) = map::split_instance(&instance) else {
                    // Not a service instance name: nothing an application could use.
                    return;
                };
                if instances.contains_key(&instance) {
                    return;
                }
                let resolve = *resolve;
                instances.insert(instance.clone(), None);
                self.news(
                    id,
                    Event::Browse(BrowseEvent::Found {
                        instance: name,
                        service_type,
                        interface: UNICAST_DNS,
                    }),
                );
                if resolve {
                    let r = SubId(self.alloc());
                    if self.client.resolve(now, r, &instance).is_ok() {
                        self.parts.insert(r, (id, Some(instance.clone())));
                        if let Some(Served::Browse { instances, .. }) = self.served.get_mut(&id) {
                            instances.insert(instance, Some(r));
                        }
                    }
                }
            }
            Some(Served::Types { .. }) => {
                if let Some(ty) = map::service_type_at(instance.labels()) {
                    self.news(id, Event::ServiceType(TypeEvent::Found(ty, UNICAST_DNS)));
                }
            }
            _ => {}
        }
    }

    fn removed(&mut self, sub: SubId, instance: Name) {
        let Some((id, None)) = self.parts.get(&sub).cloned() else {
            return;
        };
        match self.served.get_mut(&id) {
            Some(Served::Browse { instances, .. }) => {
                let Some(resolve) = instances.remove(&instance) else {
                    return;
                };
                if let Some(r) = resolve {
                    self.client.stop(r);
                    self.parts.remove(&r);
                }
                if let Some((name, service_type)) = map::split_instance(&instance) {
                    self.news(
                        id,
                        Event::Browse(BrowseEvent::Removed {
                            instance: name,
                            service_type,
                            interface: UNICAST_DNS,
                        }),
                    );
                }
            }
            Some(Served::Types { .. }) => {
                if let Some(ty) = map::service_type_at(instance.labels()) {
                    self.news(id, Event::ServiceType(TypeEvent::Removed(ty, UNICAST_DNS)));
                }
            }
            _ => {}
        }
    }
}
