#![doc = include_str!("../README.md")]
//!
//! # What the layer does
//!
//! A [`Client`] owns the mDNS [`Engine`](mdns_sansio::Engine) and does what the engine
//! leaves to its user: it routes each engine event to its subscription, resolves what a
//! resolving browse finds (as the engine's background resolves, which cannot be made to
//! flood the link nor hold back what the application asks by name: see
//! [`Engine::resolve_background`](mdns_sansio::Engine::resolve_background); and stops when the instance is gone),
//! keeps each browse's backlog bounded (see [`BrowseEvent::EventsDropped`]), collects the answers
//! of a one-shot resolve or host lookup for [`ANSWER_LINGER`] after the first, ends
//! them at their timeout, publishes (and withdraws, after the last service) the host
//! name services point at, reports when an unregistration's goodbyes are out, and
//! bounds a shutdown. Its own timers fold into one
//! [`poll_timeout`](Client::poll_timeout) with the engine's. Like the engine it takes
//! `now` as an argument and never reads a clock: the same inputs give the same
//! transmits and events, so the simulator (`mdns-sim`) runs exactly the code the
//! runtime adapters run (through `mdns-net`).
//!
//! # Why a crate of its own
//! The layer sits above the mDNS engine *and* above a unicast DNS client: a request in
//! a domain other than `local.` goes, under the same id and with the same events, to a
//! [`Backend`] (see [`backend`](Backend)) that a unicast DNS-SD crate implements. Inside
//! `mdns-sansio` (the core) it would make the multicast core know about unicast DNS; here it
//! depends on `mdns-sansio`'s public API only, and a unicast crate depends on this one
//! for the trait. It is `no_std` + `alloc` like the core.
//!
//! # Map
//! - [`Client`]: inputs, commands, outputs; [`Config`], [`Stats`].
//! - [`Request`]: what a subscription asks for; [`SubscriptionId`]; which domains are
//!   mDNS ([`is_mdns_name`]).
//! - [`Event`] and its data: [`BrowseEvent`], [`ResolvedService`], [`HostEvent`],
//!   [`TypeEvent`], [`RegistrationEvent`], [`DomainEvent`], [`Reconfirmation`];
//!   [`UNICAST_DNS`], the interface of what a DNS server said.
//! - Addresses users can connect to: [`HostAddresses`], [`socket_addr`] (IPv6
//!   link-local addresses with their zone), [`order_addresses`] and [`PreferFamily`].
//! - [`ServiceInfo`]: a service to publish, validated by its builder; [`host_name`].
//! - [`Error`]: typed, no strings.
//! - [`Backend`], [`NoBackend`]: the unicast seam; [`BackendError`], a backend's own
//!   error carried through events and [`Error::Backend`].
//!
//! # Host names
//! A registration's [`ServiceInfo::host`] (or [`Config::host_name`]) is published
//! with its first service and withdrawn with its last: services' goodbyes first, then
//! the host name's, in the same round. The host name is not a subscription, so an
//! application cannot withdraw it while services still point at it; the engine refuses
//! that too (`RegistrationError::HostInUse`) should anyone try through
//! [`Client::engine_mut`]. If the engine renames the host name after a conflict, the
//! services' SRV records follow it; no event is reported for it.
//!
//! # Order
//! Every map the layer keeps is ordered (`BTreeMap`, ids given out in increasing
//! order), so nothing it sends or reports depends on hash order: shutdown withdraws
//! registrations in subscription order, timers fire earliest first (ties by id).
//!
//! ```
//! use core::time::Duration;
//! use mdns_sansio_client::{Client, Config, Event, Request};
//! use mdns_sansio::{Instant, Name, ServiceType};
//!
//! let mut client = Client::new(Config::new(Name::parse("me.local.").unwrap()));
//! let ty = ServiceType::new("_http._tcp").unwrap();
//! let browse = client
//!     .subscribe(Instant::ZERO, Request::browse_resolving(ty))
//!     .unwrap();
//! // A driver now moves datagrams: client.handle_datagram(now, meta, &bytes),
//! // client.poll_transmit(now, &mut buf), client.handle_timeout(now) at
//! // client.poll_timeout(), and hands events to the application:
//! while let Some((id, event)) = client.poll_event() {
//!     assert_eq!(id, browse);
//!     if let Event::Browse(b) = event {
//!         println!("{b:?}");
//!     }
//! }
//! # let _ = Duration::ZERO;
//! ```
#![no_std]
#![cfg_attr(docsrs, feature(doc_cfg))]
#![forbid(unsafe_code)]
#![warn(missing_docs)]

extern crate alloc;
#[cfg(feature = "std")]
extern crate std;

mod addr;
mod backend;
mod backend_error;
mod client;
mod config;
mod domain;
mod error;
mod event;
mod id;
mod info;
mod queue;
mod request;
mod route;
mod subs;

pub use addr::{
    in_subnet, is_link_local, order_addresses, socket_addr, HostAddresses, PreferFamily,
};
pub use backend::{Backend, NoBackend};
pub use backend_error::BackendError;
pub use client::{Client, Stats};
pub use config::{
    Config, ANSWER_LINGER, MAX_QUEUED_BROWSE_EVENTS, MAX_QUEUED_EVENTS, SHUTDOWN_BOUND,
};
pub use domain::{is_mdns_name, local_domain};
pub use error::Error;
pub use event::{
    BrowseEvent, DomainEvent, DomainKind, Event, HostEvent, Reconfirmation, RegistrationEvent,
    ResolvedService, TypeEvent, UNICAST_DNS,
};
pub use id::SubscriptionId;
pub use info::{host_name, ServiceInfo, ServiceInfoBuilder};
pub use request::Request;
