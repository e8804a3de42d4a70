//! [`Reported`]: what each host's client layer reported to each of its subscriptions
//! (what an application gets), checked as it comes in against the rules an
//! application relies on, and kept per instance for checks against what is really
//! published.
//!
//! The rules checked as events come in:
//! - a browse reports an instance `Found` on an interface at most once until it reports
//!   it `Removed` there, and `Removed` only after `Found`;
//! - `Resolved` / `Updated` only for an instance the browse sees, `Updated` only after
//!   `Resolved`;
//! - a registration reports `Probing` for its name, `Renamed` from the name it had and
//!   `Registered` under the name it probed;
//! - nothing after a subscription's final event.

use super::collect;
use crate::types::HostId;
use core::time::Duration;
use mdns_sansio::engine::InterfaceId;
use mdns_sansio::sd::InstanceName;
use mdns_sansio::{Instant, Name};
use mdns_sansio_client::{BrowseEvent, Event, RegistrationEvent, ResolvedService, SubscriptionId};
use std::collections::{BTreeMap, BTreeSet};

/// Broken rules kept (more are counted).
const MAX_ERRORS: usize = 100;

/// What one browse has reported about one instance.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ReportedInstance {
    /// The interfaces it is reported found on now.
    pub interfaces: BTreeSet<InterfaceId>,
    /// When it was last reported found (went from unseen to seen).
    pub found_at: Option<Instant>,
    /// When it was last reported removed everywhere.
    pub removed_at: Option<Instant>,
    /// Its latest `Resolved` or `Updated` since it was last found, and when.
    pub resolved: Option<(Instant, ResolvedService)>,
    /// When it was first reported found.
    pub first_found_at: Option<Instant>,
    /// Every port a `Resolved` or `Updated` gave it, with when it first did.
    pub ports: BTreeMap<u16, Instant>,
}

#[derive(Debug, Default)]
struct Sub {
    /// Browse: by full instance name.
    instances: BTreeMap<Name, ReportedInstance>,
    /// Registration: the name it has (or probes for).
    name: Option<InstanceName>,
    /// When its final event came.
    ended: Option<Instant>,
}

/// What every subscription reported; see the module docs.
#[derive(Debug, Default)]
pub struct Reported {
    subs: BTreeMap<(HostId, SubscriptionId), Sub>,
    errors: Vec<String>,
    error_count: usize,
}

impl Reported {
    pub(crate) fn on_event(
        &mut self,
        now: Instant,
        host: HostId,
        id: SubscriptionId,
        event: &Event,
    ) {
        let sub = self.subs.entry((host, id)).or_default();
        let mut broken = Vec::new();
        if let Some(t) = sub.ended {
            broken.push(format!("{event:?} after the final event at {t:?}"));
        }
        match event {
            Event::Browse(b) => browse(sub, now, b, &mut broken),
            Event::Registration(r) => registration(sub, r, &mut broken),
            _ => {}
        }
        if event.is_final() {
            sub.ended = Some(now);
        }
        for b in broken {
            self.error_count += 1;
            if self.errors.len() < MAX_ERRORS {
                self.errors.push(format!(
                    "{:.3} s {host} {id}: {b}",
                    now.as_micros() as f64 / 1e6
                ));
            }
        }
    }

    /// Ok if every event so far kept the rules; else the broken ones.
    pub fn check_rules(&self) -> Result<(), String> {
        if self.error_count > self.errors.len() {
            let mut e = self.errors.clone();
            e.push(format!("… {} more", self.error_count - self.errors.len()));
            return collect(e);
        }
        collect(self.errors.clone())
    }

    /// What browse `id` of `host` reports now, by full instance name.
    pub fn instances(
        &self,
        host: HostId,
        id: SubscriptionId,
    ) -> impl Iterator<Item = (&Name, &ReportedInstance)> + '_ {
        self.subs
            .get(&(host, id))
            .into_iter()
            .flat_map(|s| s.instances.iter())
    }

    /// Every instance in `live` (full name, port, when it was published) has been
    /// reported found and resolved with its port by every browse in `browses` within
    /// `bound` of when it was published. Instances whose deadline is after `now` are
    /// not judged yet.
    pub fn check_found(
        &self,
        browses: &[(HostId, SubscriptionId)],
        live: &[(Name, u16, Instant)],
        bound: Duration,
        now: Instant,
    ) -> Result<(), String> {
        let mut errors = Vec::new();
        for (name, port, since) in live {
            let deadline = *since + bound;
            if deadline > now {
                continue;
            }
            for &(host, id) in browses {
                let i = self.instance(host, id, name);
                match i.and_then(|i| i.first_found_at) {
                    Some(t) if t <= deadline => {}
                    t => {
                        errors.push(format!(
                            "{host} {id} had not reported {name} (published at {since:?}) \
                             found by {deadline:?}: found at {t:?}"
                        ));
                        continue;
                    }
                }
                match i.and_then(|i| i.ports.get(port)) {
                    Some(t) if *t <= deadline => {}
                    t => errors.push(format!(
                        "{host} {id} had not resolved {name} with port {port} by {deadline:?} \
                         (at {t:?}; ports reported {:?})",
                        i.map(|i| &i.ports)
                    )),
                }
            }
        }
        collect(errors)
    }

    /// Every instance in `gone` (full name, when it went away) that a browse in
    /// `browses` had reported found has been reported removed by it within `bound`.
    /// Departures whose deadline is after `now` are not judged yet.
    pub fn check_removed(
        &self,
        browses: &[(HostId, SubscriptionId)],
        gone: &[(Name, Instant)],
        bound: Duration,
        now: Instant,
    ) -> Result<(), String> {
        let mut errors = Vec::new();
        for (name, left) in gone {
            let deadline = *left + bound;
            if deadline > now {
                continue;
            }
            for &(host, id) in browses {
                let Some(i) = self.instance(host, id, name) else {
                    continue;
                };
                if !i.interfaces.is_empty() {
                    errors.push(format!(
                        "{host} {id} still reports {name} (gone at {left:?}, deadline {deadline:?})"
                    ));
                } else if i.removed_at.is_some_and(|t| t > deadline) {
                    errors.push(format!(
                        "{host} {id} reported {name} removed only at {:?} (gone at {left:?}, \
                         deadline {deadline:?})",
                        i.removed_at
                    ));
                }
            }
        }
        collect(errors)
    }

    /// What the browses in `browses` report now agrees with `live` (full name →
    /// port): nothing they report found is unpublished, and what they report found
    /// was last resolved with its port. With `all`, they also report every live
    /// instance found and resolved (on a lossy link a browse may rightly miss one for
    /// a while).
    pub fn check_current(
        &self,
        browses: &[(HostId, SubscriptionId)],
        live: &BTreeMap<Name, u16>,
        all: bool,
    ) -> Result<(), String> {
        let mut errors = Vec::new();
        for &(host, id) in browses {
            let seen: BTreeMap<&Name, &ReportedInstance> = self
                .instances(host, id)
                .filter(|(_, i)| !i.interfaces.is_empty())
                .collect();
            for (name, i) in &seen {
                let Some(port) = live.get(*name) else {
                    errors.push(format!(
                        "{host} {id} still reports {name} (found at {:?}), which is not published",
                        i.found_at
                    ));
                    continue;
                };
                match &i.resolved {
                    Some((t, s)) if s.port != *port => errors.push(format!(
                        "{host} {id} last resolved {name} at {t:?} with port {}, its port is {port}",
                        s.port
                    )),
                    None if all => errors.push(format!(
                        "{host} {id} reports {name} found at {:?} but not resolved",
                        i.found_at
                    )),
                    _ => {}
                }
            }
            if all {
                for name in live.keys().filter(|n| !seen.contains_key(n)) {
                    errors.push(format!("{host} {id} does not report {name}, which is live"));
                }
            }
        }
        collect(errors)
    }

    fn instance(&self, host: HostId, id: SubscriptionId, name: &Name) -> Option<&ReportedInstance> {
        self.subs.get(&(host, id))?.instances.get(name)
    }
}

fn browse(sub: &mut Sub, now: Instant, b: &BrowseEvent, broken: &mut Vec<String>) {
    match b {
        BrowseEvent::Found {
            instance,
            service_type,
            interface,
        } => {
            let i = sub
                .instances
                .entry(instance.full_name(service_type))
                .or_default();
            if i.interfaces.is_empty() {
                i.found_at = Some(now);
                i.first_found_at.get_or_insert(now);
            }
            if !i.interfaces.insert(*interface) {
                broken.push(format!(
                    "{instance} found again on {interface:?} without being removed"
                ));
            }
        }
        BrowseEvent::Removed {
            instance,
            service_type,
            interface,
        } => {
            let i = sub
                .instances
                .entry(instance.full_name(service_type))
                .or_default();
            if !i.interfaces.remove(interface) {
                broken.push(format!(
                    "{instance} removed on {interface:?}, never found there"
                ));
            } else if i.interfaces.is_empty() {
                i.removed_at = Some(now);
                i.resolved = None;
            }
        }
        BrowseEvent::Resolved(s) | BrowseEvent::Updated(s) => {
            let update = matches!(b, BrowseEvent::Updated(_));
            let i = sub
                .instances
                .entry(s.instance.full_name(&s.service_type))
                .or_default();
            if i.interfaces.is_empty() {
                broken.push(format!(
                    "{} {} while the browse does not see it (removed at {:?})",
                    if update { "Updated" } else { "Resolved" },
                    s.instance,
                    i.removed_at
                ));
            }
            if update && i.resolved.is_none() {
                broken.push(format!("{} Updated before it was Resolved", s.instance));
            }
            i.ports.entry(s.port).or_insert(now);
            i.resolved = Some((now, s.clone()));
        }
        other => broken.push(format!("unknown browse event {other:?}")),
    }
}

fn registration(sub: &mut Sub, r: &RegistrationEvent, broken: &mut Vec<String>) {
    match r {
        RegistrationEvent::Probing { name } => {
            if sub.name.as_ref().is_some_and(|n| n != name) {
                broken.push(format!(
                    "probing for {name}, but its name is {:?}",
                    sub.name
                ));
            }
            sub.name = Some(name.clone());
        }
        RegistrationEvent::Renamed { from, to } => {
            if sub.name.as_ref() != Some(from) {
                broken.push(format!(
                    "renamed from {from}, but its name was {:?}",
                    sub.name
                ));
            }
            sub.name = Some(to.clone());
        }
        RegistrationEvent::Registered { name } if sub.name.as_ref() != Some(name) => {
            broken.push(format!(
                "registered as {name}, but it probed for {:?}",
                sub.name
            ));
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use mdns_sansio::sd::{ServiceType, Txt};

    const IF: InterfaceId = InterfaceId(2);

    fn ty() -> ServiceType {
        ServiceType::new("_http._tcp").unwrap()
    }

    fn found(name: &str) -> Event {
        Event::Browse(BrowseEvent::Found {
            instance: InstanceName::new(name).unwrap(),
            service_type: ty(),
            interface: IF,
        })
    }

    fn removed(name: &str) -> Event {
        Event::Browse(BrowseEvent::Removed {
            instance: InstanceName::new(name).unwrap(),
            service_type: ty(),
            interface: IF,
        })
    }

    fn resolved(name: &str, port: u16) -> Event {
        Event::Browse(BrowseEvent::Resolved(ResolvedService {
            instance: InstanceName::new(name).unwrap(),
            service_type: ty(),
            host: Name::parse("box.local.").unwrap(),
            port,
            txt: Txt::new(),
            addresses: Vec::new(),
        }))
    }

    fn feed(events: &[Event]) -> Reported {
        let mut r = Reported::default();
        for (i, e) in events.iter().enumerate() {
            r.on_event(Instant::from_millis(i as u64), HostId(1), sub(), e);
        }
        r
    }

    fn sub() -> SubscriptionId {
        // Ids come from a client; take one from a real one.
        let mut c = mdns_sansio_client::Client::new(mdns_sansio_client::Config::new(
            Name::parse("h.local.").unwrap(),
        ));
        c.subscribe(Instant::ZERO, mdns_sansio_client::Request::browse(ty()))
            .unwrap()
    }

    #[test]
    fn a_browse_that_keeps_the_rules_passes() {
        let r = feed(&[found("A"), resolved("A", 80), removed("A"), found("A")]);
        r.check_rules().unwrap();
        let live: BTreeMap<Name, u16> =
            [(InstanceName::new("A").unwrap().full_name(&ty()), 80)].into();
        // Found again but not resolved since: fine unless every live one must be.
        r.check_current(&[(HostId(1), sub())], &live, false)
            .unwrap();
        assert!(r.check_current(&[(HostId(1), sub())], &live, true).is_err());
    }

    #[test]
    fn broken_rules_are_reported() {
        for events in [
            vec![removed("A")],
            vec![found("A"), found("A")],
            vec![resolved("A", 80)],
            vec![found("A"), removed("A"), resolved("A", 80)],
            vec![
                Event::Registration(RegistrationEvent::Failed(
                    mdns_sansio::engine::RegistrationFailure::Conflict,
                )),
                Event::Registration(RegistrationEvent::Unregistered),
            ],
        ] {
            assert!(feed(&events).check_rules().is_err(), "{events:?}");
        }
    }

    #[test]
    fn stale_and_wrong_reports_are_caught() {
        let r = feed(&[found("A"), resolved("A", 81)]);
        let id = [(HostId(1), sub())];
        let a = InstanceName::new("A").unwrap().full_name(&ty());
        // Resolved with another port than the owner's.
        assert!(r
            .check_current(&id, &[(a.clone(), 80)].into(), false)
            .is_err());
        // Still reported although nothing is published.
        assert!(r.check_current(&id, &BTreeMap::new(), false).is_err());
        // Found and resolved in time, with the right port.
        r.check_found(
            &id,
            &[(a.clone(), 81, Instant::ZERO)],
            Duration::from_secs(1),
            Instant::from_secs(5),
        )
        .unwrap();
        assert!(r
            .check_found(
                &id,
                &[(a.clone(), 80, Instant::ZERO)],
                Duration::from_secs(1),
                Instant::from_secs(5)
            )
            .is_err());
        // Gone at 0 s, never removed.
        assert!(r
            .check_removed(
                &id,
                &[(a, Instant::ZERO)],
                Duration::from_secs(1),
                Instant::from_secs(5)
            )
            .is_err());
    }
}
