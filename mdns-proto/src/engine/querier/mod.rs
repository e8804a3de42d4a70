//! The querying half (RFC 6762 §5, §7, §10): stub.

use super::cache::Cache;
use super::config::Config;
use super::io::{InterfaceId, Transmit};
use super::{Ctx, Incoming};
use crate::time::Instant;

/// The querier state.
#[derive(Debug)]
pub struct Querier {
    cache: Cache,
}

impl Querier {
    pub(crate) fn new(config: &Config) -> Self {
        Querier {
            cache: Cache::new(config.cache_capacity),
        }
    }

    /// The cache.
    pub fn cache(&self) -> &Cache {
        &self.cache
    }

    pub(crate) fn handle_query(&mut self, _ctx: &mut Ctx<'_>, _incoming: &Incoming<'_>) {}

    pub(crate) fn handle_response(&mut self, _ctx: &mut Ctx<'_>, _incoming: &Incoming<'_>) {}

    pub(crate) fn handle_timeout(&mut self, _ctx: &mut Ctx<'_>) {}

    pub(crate) fn interface_up(&mut self, _ctx: &mut Ctx<'_>, _id: InterfaceId) {}

    pub(crate) fn interface_down(&mut self, _ctx: &mut Ctx<'_>, _id: InterfaceId) {}

    pub(crate) fn poll_transmit(
        &mut self,
        _ctx: &mut Ctx<'_>,
        _buf: &mut [u8],
    ) -> Option<Transmit> {
        None
    }

    pub(crate) fn poll_timeout(&self) -> Option<Instant> {
        None
    }
}
