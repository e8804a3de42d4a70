//! Ready-made [`App`](crate::App)s for scenarios.

use mdns_proto::engine::{QueryId, RegistrationId};
use mdns_proto::name::Name;
use mdns_proto::{Engine, Event, Instant};
use std::collections::{BTreeMap, BTreeSet};

/// Resolves every instance its browses find (once per instance), stops the resolve
/// when the instance is removed everywhere, and counts resolve errors.
///
/// With [`skip_own`](Self::skip_own), instances its own engine publishes (as told by
/// its `ProbingStarted` / `Registered` / `Renamed` events) are not resolved, and a
/// resolve is stopped if the instance becomes its own through a rename.
#[derive(Debug, Default)]
pub struct AutoResolve {
    /// Running resolves, by instance.
    pub resolving: BTreeMap<Name, QueryId>,
    /// How many times `resolve` returned an error (too many queries).
    pub errors: u32,
    /// Do not resolve the host's own services.
    pub skip_own: bool,
    /// The names the host's own registrations have.
    pub own: BTreeMap<RegistrationId, Name>,
    /// Instances found (and not skipped or resolved yet).
    pub found: BTreeSet<Name>,
}

impl AutoResolve {
    /// An `AutoResolve` that leaves the host's own services alone.
    pub fn others() -> Self {
        AutoResolve {
            skip_own: true,
            ..Self::default()
        }
    }

    fn start(&mut self, now: Instant, engine: &mut Engine, instance: &Name) {
        if !self.resolving.contains_key(instance) {
            match engine.resolve(now, instance) {
                Ok(id) => {
                    self.resolving.insert(instance.clone(), id);
                }
                Err(_) => self.errors += 1,
            }
        }
    }

    fn is_own(&self, name: &Name) -> bool {
        self.own.values().any(|n| n == name)
    }
}

impl crate::App for AutoResolve {
    fn on_event(&mut self, now: Instant, engine: &mut Engine, event: &Event) {
        match event {
            Event::ProbingStarted { id, name } | Event::Registered { id, name } => {
                self.own.insert(*id, name.clone());
            }
            Event::Renamed { id, from, to } => {
                self.own.insert(*id, to.clone());
                if self.skip_own {
                    if let Some(q) = self.resolving.remove(to) {
                        engine.stop_query(q);
                    }
                    // The old name is someone else's now: resolve it if it was found.
                    if self.found.contains(from) && !self.is_own(from) {
                        self.start(now, engine, from);
                    }
                }
            }
            Event::RegistrationFailed { id, .. } | Event::Unregistered { id } => {
                self.own.remove(id);
            }
            Event::ServiceFound { instance, .. } => {
                if self.skip_own {
                    self.found.insert(instance.clone());
                    if self.is_own(instance) {
                        return;
                    }
                }
                self.start(now, engine, instance);
            }
            _ => {}
        }
    }
}
