#![doc = include_str!("../README.md")]
//!
//! # Map of the public API
//!
//! Driving an engine (everything a driver that owns the sockets needs):
//! - [`engine::Engine`]: `handle_datagram` / `handle_timeout` / `interface_up` /
//!   `interface_down` in; `poll_transmit` / `poll_timeout` / `poll_event` out.
//! - [`engine::Config`] (build it from [`Config::default`] or [`Config::with_seed`],
//!   then set fields), [`engine::Stats`].
//! - What crosses to the driver: [`engine::RecvMeta`], [`engine::Transmit`],
//!   [`engine::Destination`], [`engine::SourcePort`], [`engine::InterfaceId`],
//!   [`engine::IfAddr`], [`engine::Family`], the group and port constants
//!   ([`engine::MDNS_PORT`], [`engine::MDNS_GROUP_V4`], [`engine::MDNS_GROUP_V6`]) and the
//!   size limit of RFC 6762 §17 ([`engine::MAX_MDNS_PACKET_LEN`]).
//! - Events: [`engine::Event`], with [`engine::QueryId`], [`engine::RegistrationId`],
//!   [`engine::ResolvedService`], [`engine::AnswerRecord`],
//!   [`engine::RegistrationFailure`].
//!
//! Commands (methods on [`Engine`]) and their arguments and errors:
//! - browsing, resolving, host lookups, one-shot queries: errors are
//!   [`engine::QueryError`];
//! - registering ([`engine::responder`]): [`engine::responder::ServiceRegistration`] and
//!   [`engine::responder::HostRegistration`] (with their builders and
//!   [`engine::responder::InterfaceSelection`]), refused with
//!   [`engine::responder::RegisterError`]; updates and unregistering fail with
//!   [`engine::responder::RegistrationError`].
//!
//! Names and DNS-SD data, validated when built:
//! - [`name::Name`] (and [`name::NameError`]);
//! - [`sd`]: [`ServiceType`], [`InstanceName`], [`Txt`] and their errors, the renaming
//!   rules of RFC 6762 §9.
//!
//! The wire format ([`wire`]), for tools and tests that read or write packets themselves:
//! [`wire::Message`] (zero-copy reader), [`wire::MessageWriter`] (writer with name
//! compression), [`wire::RData`] / [`wire::RecordData`], [`wire::Rtype`],
//! [`wire::Class`], their errors, and a text form of a packet ([`wire::Message`]'s
//! `Display`) and of record data.
//!
//! Time and randomness: [`time::Instant`] (microseconds since an epoch the driver picks)
//! and [`rand::Rng`], the seeded generator behind [`Config::seed`], for a simulator
//! that wants its own reproducible streams.
//!
//! Every error is an enum with a `Display` message (and `std::error::Error` with the
//! `std` feature, on by default); `Config`, `Event`, `Stats` and the error enums are
//! `#[non_exhaustive]`.
#![no_std]
#![cfg_attr(docsrs, feature(doc_cfg))]
#![forbid(unsafe_code)]
#![warn(missing_docs)]

extern crate alloc;
#[cfg(feature = "std")]
extern crate std;

pub mod engine;
pub mod name;
pub mod rand;
pub mod sd;
pub mod time;
mod util;
mod vecmap;
pub mod wire;

pub use engine::{Config, Engine, Event};
pub use name::{Name, NameError};
pub use sd::{InstanceName, ServiceType, Txt, TxtEntry};
pub use time::Instant;
