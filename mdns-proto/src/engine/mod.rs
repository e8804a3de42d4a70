//! The mDNS state machine: one [`Engine`] per host, driven quinn-style.
//!
//! Methods come in four kinds, in this order below:
//! 1. getters ([`Engine::config`], [`Engine::stats`], …);
//! 2. inputs: [`Engine::handle_datagram`], [`Engine::handle_timeout`],
//!    [`Engine::interface_up`], [`Engine::interface_down`];
//! 3. commands: browsing and resolving ([`Engine::browse`], [`Engine::resolve`], …,
//!    failing with [`QueryError`]), registering ([`Engine::register_service`], …, whose
//!    arguments and errors are in [`responder`]);
//! 4. outputs: [`Engine::poll_transmit`], [`Engine::poll_timeout`],
//!    [`Engine::poll_event`].
//!
//! The contract: after every input or command, drain `poll_transmit` and `poll_event`,
//! then sleep until `poll_timeout` (or the next datagram) and call `handle_timeout`.
//!
//! Files: `io.rs` (types that cross to the driver), `config.rs`, `event.rs`, `stats.rs`,
//! `iface.rs` (interface table, on-link test), `cache.rs`, `querier/` (browsing and
//! resolving), `responder/` (publishing). Only the types re-exported here, and the
//! registration types of [`responder`], are public.

mod cache;
mod config;
mod event;
mod iface;
mod io;
mod querier;
pub mod responder;
mod stats;

pub use config::{
    Config, DEFAULT_MAX_PAYLOAD, HOST_RECORD_TTL, MAX_MDNS_PACKET_LEN, MAX_MDNS_PAYLOAD_LEN,
    OTHER_RECORD_TTL,
};
pub use event::{
    AnswerRecord, Event, QueryId, RegistrationFailure, RegistrationId, ResolvedService,
};
pub use io::{
    Destination, Family, IfAddr, InterfaceId, RecvMeta, SourcePort, Transmit, MDNS_GROUP_V4,
    MDNS_GROUP_V6, MDNS_PORT,
};
pub use querier::reconfirm::{RECONFIRM_QUERIES, RECONFIRM_WINDOW};
pub use querier::QueryError;
pub use stats::Stats;

use crate::rand::Rng;
use crate::time::Instant;
use crate::wire::Message;
use alloc::collections::VecDeque;
use core::time::Duration;
use iface::Interfaces;
use querier::Querier;
use responder::Responder;

/// How long a datagram we sent is remembered, to recognise it when it loops back.
const OWN_PACKET_MEMORY: Duration = Duration::from_secs(2);
/// How many sent datagrams are remembered for that.
const OWN_PACKET_SLOTS: usize = 32;
/// Most events queued before the oldest are dropped (a user that never polls must not
/// make memory grow without bound).
pub const MAX_QUEUED_EVENTS: usize = 4096;

/// What the querier and responder get to work with while handling one input.
pub(crate) struct Ctx<'a> {
    pub now: Instant,
    pub config: &'a Config,
    pub rng: &'a mut Rng,
    pub ifaces: &'a Interfaces,
    pub events: &'a mut EventQueue,
    pub stats: &'a mut Stats,
}

/// A received datagram that passed the engine's filters.
pub(crate) struct Incoming<'a> {
    pub meta: RecvMeta,
    pub msg: Message<'a>,
    /// A datagram this engine sent, looped back by the network stack.
    pub own: bool,
    /// Sent from one of this host's addresses (by us or another process here).
    pub local: bool,
    /// A query from a port other than 5353: a legacy unicast (one-shot) querier
    /// (RFC 6762 §6.7).
    pub legacy: bool,
}

/// The bounded event queue.
#[derive(Debug, Default)]
pub(crate) struct EventQueue {
    queue: VecDeque<Event>,
    dropped: u64,
}

impl EventQueue {
    pub fn push(&mut self, e: Event) {
        if self.queue.len() >= MAX_QUEUED_EVENTS {
            self.queue.pop_front();
            self.dropped += 1;
        }
        self.queue.push_back(e);
    }

    /// The oldest event. A queue drained gives its memory back: events come in bursts
    /// (a browse's first answers, a registration's steps), an event is a few hundred
    /// bytes, and a small device should not keep room for the last burst.
    pub fn pop(&mut self) -> Option<Event> {
        let e = self.queue.pop_front()?;
        if self.queue.is_empty() {
            self.queue = VecDeque::new();
        }
        Some(e)
    }
}

/// The mDNS engine of one host.
pub struct Engine {
    pub(crate) config: Config,
    pub(crate) rng: Rng,
    pub(crate) ifaces: Interfaces,
    pub(crate) stats: Stats,
    pub(crate) events: EventQueue,
    pub(crate) querier: Querier,
    pub(crate) responder: Responder,
    recent_sent: [Option<(u64, Instant)>; OWN_PACKET_SLOTS],
    recent_next: usize,
}

impl Engine {
    /// A new engine with no interfaces yet: tell it about them with
    /// [`interface_up`](Self::interface_up).
    pub fn new(config: Config) -> Self {
        Engine {
            rng: Rng::new(config.seed),
            querier: Querier::new(&config),
            responder: Responder::new(&config),
            config,
            ifaces: Interfaces::default(),
            stats: Stats::default(),
            events: EventQueue::default(),
            recent_sent: [None; OWN_PACKET_SLOTS],
            recent_next: 0,
        }
    }

    // ----- getters -----

    /// The configuration.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// Counters of received, dropped and sent datagrams.
    pub fn stats(&self) -> Stats {
        Stats {
            cache_evictions: self.querier.cache().evictions(),
            ..self.stats
        }
    }

    /// Number of records in the cache.
    pub fn cache_len(&self) -> usize {
        self.querier.cache().len()
    }

    /// Events dropped because nobody polled them (over [`MAX_QUEUED_EVENTS`]).
    pub fn events_dropped(&self) -> u64 {
        self.events.dropped
    }

    /// The interfaces the engine runs on.
    pub fn interfaces(&self) -> impl Iterator<Item = (InterfaceId, &[IfAddr])> {
        self.ifaces.iter().map(|(id, i)| (id, i.addrs.as_slice()))
    }

    pub(crate) fn split(&mut self, now: Instant) -> (Ctx<'_>, &mut Querier, &mut Responder) {
        (
            Ctx {
                now,
                config: &self.config,
                rng: &mut self.rng,
                ifaces: &self.ifaces,
                events: &mut self.events,
                stats: &mut self.stats,
            },
            &mut self.querier,
            &mut self.responder,
        )
    }

    // ----- inputs -----

    /// Takes in a received datagram. Malformed or unwanted datagrams are dropped and
    /// counted in [`stats`](Self::stats), never reported as errors.
    pub fn handle_datagram(&mut self, now: Instant, meta: RecvMeta, data: &[u8]) {
        self.stats.received += 1;
        if self.ifaces.get(meta.interface).is_none() {
            self.stats.unknown_interface += 1;
            return;
        }
        if self.config.require_ttl_255 && meta.ttl.is_some_and(|t| t != 255) {
            self.stats.low_ttl += 1;
            return;
        }
        let Ok(msg) = Message::parse(data) else {
            self.stats.malformed += 1;
            return;
        };
        let header = msg.header();
        // RFC 6762 §18.3, RFC 6762 §18.11: opcode and rcode must be zero.
        if header.opcode() != 0 || header.rcode() != 0 {
            self.stats.bad_header += 1;
            return;
        }
        // RFC 6762 §5.5, RFC 6762 §11: unicast from off the link is ignored; anything sent to
        // the multicast group is on-link by definition.
        if !meta.multicast && !self.ifaces.is_on_link(meta.interface, &meta.source.ip()) {
            self.stats.off_link += 1;
            return;
        }
        let local = self.ifaces.is_own_address(&meta.source.ip());
        let own = local && self.is_own(now, data);
        let legacy = meta.source.port() != io::MDNS_PORT;
        let incoming = Incoming {
            meta,
            msg,
            own,
            local,
            legacy,
        };
        let (mut ctx, querier, responder) = self.split(now);
        if header.is_response() {
            // RFC 6762 §6: responses not from port 5353 are not mDNS responses.
            if legacy {
                ctx.stats.bad_source_port += 1;
                return;
            }
            responder.handle_response(&mut ctx, &incoming);
            querier.handle_response(&mut ctx, &incoming);
        } else {
            responder.handle_query(&mut ctx, &incoming);
            querier.handle_query(&mut ctx, &incoming);
        }
    }

    /// Lets timers that are due by `now` fire.
    pub fn handle_timeout(&mut self, now: Instant) {
        let (mut ctx, querier, responder) = self.split(now);
        querier.handle_timeout(&mut ctx);
        responder.handle_timeout(&mut ctx);
    }

    /// An interface came up or changed its addresses. Queries restart on it and
    /// registrations probe and announce on it again (RFC 6762 §8.3, RFC 6762 §13); the address
    /// records of an address it no longer has are withdrawn with goodbyes
    /// (RFC 6762 §10.1).
    pub fn interface_up(&mut self, now: Instant, id: InterfaceId, addrs: &[IfAddr]) {
        let before = self
            .ifaces
            .get(id)
            .map(|i| i.addrs.clone())
            .unwrap_or_default();
        self.ifaces.up(id, addrs);
        let (mut ctx, querier, responder) = self.split(now);
        querier.interface_up(&mut ctx, id);
        responder.interface_up(&mut ctx, id, &before);
    }

    /// An interface went away: its cache records are dropped (with events) and nothing
    /// is sent on it any more.
    pub fn interface_down(&mut self, now: Instant, id: InterfaceId) {
        if !self.ifaces.down(id) {
            return;
        }
        let (mut ctx, querier, responder) = self.split(now);
        querier.interface_down(&mut ctx, id);
        responder.interface_down(&mut ctx, id);
    }

    // ----- outputs -----

    /// Writes the next datagram to send into `buf` and says where it goes; `None` when
    /// nothing is due at `now`. Never writes more than the configured payload limit.
    #[must_use]
    #[inline]
    pub fn poll_transmit(&mut self, now: Instant, buf: &mut [u8]) -> Option<Transmit> {
        // Nothing queued and nothing due (the usual case: callers poll after every
        // input until `None`): no call into the writers.
        if !self.responder.may_transmit(now) && !self.querier.may_transmit() {
            return None;
        }
        self.transmit(now, buf)
    }

    /// [`poll_transmit`](Self::poll_transmit) when something may be sent.
    fn transmit(&mut self, now: Instant, buf: &mut [u8]) -> Option<Transmit> {
        let limit = self.config.payload_limit().min(buf.len());
        let buf = &mut buf[..limit];
        let (mut ctx, querier, responder) = self.split(now);
        let t = match responder.poll_transmit(&mut ctx, buf) {
            Some(t) => t,
            None => querier.poll_transmit(&mut ctx, buf, responder.table())?,
        };
        self.stats.sent += 1;
        let hash = hash_bytes(&buf[..t.size]);
        self.recent_sent[self.recent_next] = Some((hash, now));
        self.recent_next = (self.recent_next + 1) % OWN_PACKET_SLOTS;
        Some(t)
    }

    /// When [`handle_timeout`](Self::handle_timeout) must next be called, if ever.
    #[must_use]
    pub fn poll_timeout(&self) -> Option<Instant> {
        [self.querier.poll_timeout(), self.responder.poll_timeout()]
            .into_iter()
            .flatten()
            .min()
    }

    /// The next event.
    #[must_use]
    pub fn poll_event(&mut self) -> Option<Event> {
        self.events.pop()
    }

    /// True if `data` is a datagram we sent ourselves in the last two seconds, looped
    /// back to us (the caller checked it comes from one of our addresses).
    fn is_own(&self, now: Instant, data: &[u8]) -> bool {
        let hash = hash_bytes(data);
        self.recent_sent
            .iter()
            .flatten()
            .any(|&(h, t)| h == hash && now - t <= OWN_PACKET_MEMORY)
    }
}

/// A hash of a datagram, to recognise it when it loops back: 8 bytes at a time
/// (multiply-rotate, as FxHash does), the length mixed in.
fn hash_bytes(data: &[u8]) -> u64 {
    const K: u64 = 0x517c_c1b7_2722_0a95;
    let mut h = data.len() as u64;
    let mut chunks = data.chunks_exact(8);
    for c in &mut chunks {
        let w = u64::from_le_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]]);
        h = (h.rotate_left(5) ^ w).wrapping_mul(K);
    }
    for &b in chunks.remainder() {
        h = (h.rotate_left(5) ^ u64::from(b)).wrapping_mul(K);
    }
    h
}

#[cfg(test)]
mod tests {
    use super::*;

    fn done(i: u32) -> Event {
        Event::QueryDone { query: QueryId(i) }
    }

    #[test]
    fn event_queue_keeps_order_drops_the_oldest_and_gives_memory_back_when_drained() {
        let mut q = EventQueue::default();
        for i in 0..3 {
            q.push(done(i));
        }
        assert!(q.queue.capacity() >= 3);
        assert_eq!(q.pop(), Some(done(0)));
        assert_eq!(q.pop(), Some(done(1)));
        assert!(q.queue.capacity() >= 1, "memory kept while events wait");
        assert_eq!(q.pop(), Some(done(2)));
        assert_eq!(q.queue.capacity(), 0, "a drained queue holds no memory");
        assert_eq!(q.pop(), None);
        // Full: the oldest event goes, and is counted.
        for i in 0..=MAX_QUEUED_EVENTS as u32 {
            q.push(done(i));
        }
        assert_eq!(q.dropped, 1);
        assert_eq!(q.pop(), Some(done(1)));
    }
}
