//! The publishing half (RFC 6762 §6, §8, §9, §10; RFC 6763): probing, conflict
//! resolution and renaming, announcing, answering, goodbyes. Filled in by the responder
//! issue; this stub answers nothing.

use super::config::Config;
use super::io::{InterfaceId, Transmit};
use super::{Ctx, Incoming};
use crate::time::Instant;

/// The responder state.
#[derive(Debug, Default)]
pub struct Responder {}

impl Responder {
    pub(crate) fn new(_config: &Config) -> Self {
        Responder {}
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
