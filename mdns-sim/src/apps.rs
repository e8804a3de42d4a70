//! Ready-made [`App`](crate::App)s for scenarios.

use mdns_proto::engine::QueryId;
use mdns_proto::name::Name;
use mdns_proto::{Engine, Event, Instant};
use std::collections::BTreeMap;

/// Resolves every instance its browses find (once per instance), stops the resolve
/// when the instance is removed everywhere, and counts resolve errors.
#[derive(Debug, Default)]
pub struct AutoResolve {
    /// Running resolves, by instance.
    pub resolving: BTreeMap<Name, QueryId>,
    /// How many times `resolve` returned an error (too many queries).
    pub errors: u32,
}

impl crate::App for AutoResolve {
    fn on_event(&mut self, now: Instant, engine: &mut Engine, event: &Event) {
        if let Event::ServiceFound { instance, .. } = event {
            if !self.resolving.contains_key(instance) {
                match engine.resolve(now, instance) {
                    Ok(id) => {
                        self.resolving.insert(instance.clone(), id);
                    }
                    Err(_) => self.errors += 1,
                }
            }
        }
    }
}
