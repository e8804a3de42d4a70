//! Subscriptions: browse, resolve, host look-up and domain enumeration, each built on
//! the shared answers of [`questions`](super::questions), and the events that say how
//! what they see changed.
//!
//! After any answer changes, every subscription compares what the answers now say with
//! what it last reported, and reports the difference, in name order. A resolve follows
//! its SRV target: when the target changes, it lets go of the old host's address
//! questions and asks about the new one's.

use super::error::QueryError;
use super::event::{Event, ResolvedService, SubId};
use super::questions::QKey;
use super::Client;
use crate::names::{enumeration_name, DomainKind};
use alloc::boxed::Box;
use alloc::collections::BTreeSet;
use alloc::vec;
use alloc::vec::Vec;
use core::net::IpAddr;
use mdns_sansio::wire::{RecordData, Rtype};
use mdns_sansio::{Instant, Name};

/// What a subscription watches and what it last reported.
#[derive(Debug)]
pub(crate) enum SubKind {
    Browse {
        name: Name,
        found: BTreeSet<Name>,
    },
    Resolve {
        instance: Name,
        target: Option<Name>,
        last: Option<Box<ResolvedService>>,
    },
    Host {
        host: Name,
        addrs: BTreeSet<IpAddr>,
    },
    Domains {
        queries: Vec<(DomainKind, Name)>,
        found: BTreeSet<(DomainKind, Name)>,
    },
}

#[derive(Debug)]
pub(crate) struct Sub {
    pub(crate) kind: SubKind,
    /// The questions it holds a reference on.
    pub(crate) held: Vec<QKey>,
}

impl SubKind {
    /// The questions a new subscription of this kind asks first.
    pub(crate) fn initial_questions(&self) -> Vec<QKey> {
        match self {
            SubKind::Browse { name, .. } => vec![(name.clone(), Rtype::PTR)],
            SubKind::Resolve { instance, .. } => {
                vec![
                    (instance.clone(), Rtype::SRV),
                    (instance.clone(), Rtype::TXT),
                ]
            }
            SubKind::Host { host, .. } => {
                vec![(host.clone(), Rtype::A), (host.clone(), Rtype::AAAA)]
            }
            SubKind::Domains { queries, .. } => queries
                .iter()
                .map(|(_, n)| (n.clone(), Rtype::PTR))
                .collect(),
        }
    }
}

/// The domain enumeration queries for `bases` (RFC 6763 §11): five per base.
pub(crate) fn enumeration_queries(bases: &[Name]) -> Vec<(DomainKind, Name)> {
    let mut out = Vec::new();
    for b in bases {
        for k in DomainKind::ALL {
            if let Ok(n) = enumeration_name(k, b) {
                if !out.iter().any(|(kk, nn)| *kk == k && *nn == n) {
                    out.push((k, n));
                }
            }
        }
    }
    out
}

/// The SRV record a client uses (RFC 2782): the lowest priority, then the highest
/// weight, then the smallest target and port, so the choice does not depend on the
/// order the server sent them in.
fn pick_srv(records: &[RecordData]) -> Option<(u16, u16, u16, &Name)> {
    records
        .iter()
        .filter_map(|r| match r {
            RecordData::Srv {
                priority,
                weight,
                port,
                target,
            } => Some((*priority, *weight, *port, target)),
            _ => None,
        })
        .min_by(|a, b| {
            a.0.cmp(&b.0)
                .then(b.1.cmp(&a.1))
                .then(a.3.cmp(b.3))
                .then(a.2.cmp(&b.2))
        })
}

fn ptr_targets(records: Option<&[RecordData]>) -> BTreeSet<Name> {
    records
        .unwrap_or(&[])
        .iter()
        .filter_map(|r| match r {
            RecordData::Ptr(n) => Some(n.clone()),
            _ => None,
        })
        .collect()
}

pub(crate) fn addresses(a: Option<&[RecordData]>, aaaa: Option<&[RecordData]>) -> BTreeSet<IpAddr> {
    a.unwrap_or(&[])
        .iter()
        .chain(aaaa.unwrap_or(&[]))
        .filter_map(|r| match r {
            RecordData::A(v4) => Some(IpAddr::V4(*v4)),
            RecordData::Aaaa(v6) => Some(IpAddr::V6(*v6)),
            _ => None,
        })
        .collect()
}

impl Client {
    /// Adds a subscription and reports what is already known.
    pub(crate) fn subscribe(&mut self, now: Instant, id: SubId, kind: SubKind) {
        let held = kind.initial_questions();
        // In the map first: a question that fails at once (no server for its name) is
        // reported to the subscriptions holding it.
        self.subs.insert(
            id,
            Sub {
                kind,
                held: held.clone(),
            },
        );
        for k in &held {
            self.acquire(now, k);
        }
        self.evaluate(now, id);
    }

    /// Removes a subscription, releasing its questions.
    pub(crate) fn unsubscribe(&mut self, id: SubId) -> bool {
        let Some(sub) = self.subs.remove(&id) else {
            return false;
        };
        for k in &sub.held {
            self.release(k);
        }
        true
    }

    /// Every subscription compares and reports.
    pub(crate) fn evaluate_all(&mut self, now: Instant) {
        let ids: Vec<SubId> = self.subs.keys().copied().collect();
        for id in ids {
            self.evaluate(now, id);
        }
    }

    /// Reports a failed query to each subscription holding it, once per failing stretch.
    pub(crate) fn query_failed(&mut self, key: &QKey, error: QueryError) {
        let Some(q) = self.questions.get_mut(key) else {
            return;
        };
        if q.reported {
            return;
        }
        q.reported = true;
        for (id, sub) in &self.subs {
            if sub.held.contains(key) {
                self.events.push_back(Event::QueryFailed {
                    sub: *id,
                    name: key.0.clone(),
                    rtype: key.1,
                    error: error.clone(),
                });
            }
        }
    }

    fn evaluate(&mut self, now: Instant, id: SubId) {
        let Some(mut sub) = self.subs.remove(&id) else {
            return;
        };
        match &mut sub.kind {
            SubKind::Browse { name, found } => {
                let now_found = ptr_targets(self.rrset(&(name.clone(), Rtype::PTR)));
                for gone in found.difference(&now_found) {
                    self.events.push_back(Event::ServiceRemoved {
                        sub: id,
                        instance: gone.clone(),
                        service_type: name.clone(),
                    });
                }
                for new in now_found.difference(found) {
                    self.events.push_back(Event::ServiceFound {
                        sub: id,
                        instance: new.clone(),
                        service_type: name.clone(),
                    });
                }
                *found = now_found;
            }
            SubKind::Host { host, addrs } => {
                let now_addrs = addresses(
                    self.rrset(&(host.clone(), Rtype::A)),
                    self.rrset(&(host.clone(), Rtype::AAAA)),
                );
                for gone in addrs.difference(&now_addrs) {
                    self.events.push_back(Event::HostAddressRemoved {
                        sub: id,
                        host: host.clone(),
                        addr: *gone,
                    });
                }
                for new in now_addrs.difference(addrs) {
                    self.events.push_back(Event::HostAddressAdded {
                        sub: id,
                        host: host.clone(),
                        addr: *new,
                    });
                }
                *addrs = now_addrs;
            }
            SubKind::Domains { queries, found } => {
                let mut now_found = BTreeSet::new();
                for (kind, qname) in queries.iter() {
                    for d in ptr_targets(self.rrset(&(qname.clone(), Rtype::PTR))) {
                        now_found.insert((*kind, d));
                    }
                }
                for (kind, d) in found.difference(&now_found) {
                    self.events.push_back(Event::DomainRemoved {
                        sub: id,
                        kind: *kind,
                        domain: d.clone(),
                    });
                }
                for (kind, d) in now_found.difference(found) {
                    self.events.push_back(Event::DomainFound {
                        sub: id,
                        kind: *kind,
                        domain: d.clone(),
                    });
                }
                *found = now_found;
            }
            SubKind::Resolve { .. } => self.evaluate_resolve(now, id, &mut sub),
        }
        self.subs.insert(id, sub);
    }

    fn evaluate_resolve(&mut self, now: Instant, id: SubId, sub: &mut Sub) {
        let SubKind::Resolve {
            instance,
            target,
            last,
        } = &mut sub.kind
        else {
            return;
        };
        let srv = self
            .rrset(&(instance.clone(), Rtype::SRV))
            .and_then(pick_srv)
            .map(|(p, w, port, t)| (p, w, port, t.clone()));
        let new_target = srv.as_ref().map(|s| s.3.clone());
        if new_target != *target {
            // Follow the SRV target: the old host's addresses go, the new one's come.
            if let Some(old) = target.take() {
                for t in [Rtype::A, Rtype::AAAA] {
                    let k = (old.clone(), t);
                    if let Some(i) = sub.held.iter().position(|h| *h == k) {
                        sub.held.remove(i);
                        self.release(&k);
                    }
                }
            }
            if let Some(new) = &new_target {
                for t in [Rtype::A, Rtype::AAAA] {
                    let k = (new.clone(), t);
                    self.acquire(now, &k);
                    sub.held.push(k);
                }
            }
            *target = new_target;
        }
        let Some((priority, weight, port, host)) = srv else {
            if last.take().is_some() {
                self.events.push_back(Event::ServiceLost {
                    sub: id,
                    instance: instance.clone(),
                });
            }
            return;
        };
        let Some(txt) = self.rrset(&(instance.clone(), Rtype::TXT)) else {
            return;
        };
        let txt = txt
            .iter()
            .find_map(|r| match r {
                RecordData::Txt(t) => Some(t.to_vec()),
                _ => None,
            })
            .unwrap_or_default();
        let (Some(a), Some(aaaa)) = (
            self.rrset(&(host.clone(), Rtype::A)),
            self.rrset(&(host.clone(), Rtype::AAAA)),
        ) else {
            return;
        };
        let service = ResolvedService {
            instance: instance.clone(),
            host,
            port,
            priority,
            weight,
            txt,
            addresses: addresses(Some(a), Some(aaaa)).into_iter().collect(),
        };
        match last {
            None => {
                self.events.push_back(Event::ServiceResolved {
                    sub: id,
                    service: service.clone(),
                });
                *last = Some(Box::new(service));
            }
            Some(prev) if **prev != service => {
                self.events.push_back(Event::ServiceUpdated {
                    sub: id,
                    service: service.clone(),
                });
                *last = Some(Box::new(service));
            }
            Some(_) => {}
        }
    }
}
