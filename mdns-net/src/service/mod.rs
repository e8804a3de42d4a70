//! The service layer shared by the runtime adapters (`mdns-tokio`, `mdns-smol`,
//! `mdns-blocking`), written once: one loop, one API.
//!
//! - [`Service`] is the loop: channel in, [`Driver`](crate::Driver) (sockets, clock),
//!   the sans-IO client layer ([`mdns_client::Client`]: subscriptions, their timers,
//!   event routing), events out to the receivers. Adapters only decide how to wait
//!   between [`Service::step`] calls: on a thread ([`Service::spawn_thread`], the
//!   blocking adapter, and any runtime that cannot wait on descriptors), or, on unix,
//!   in an async runtime through [`AsyncLoop`] and a small [`Reactor`] the adapter
//!   implements (tokio's `AsyncFd`, async-io's `Async`).
//! - [`Handle`] is the API, the same for every adapter (their `Mdns` dereferences to
//!   it). Answers are [`Reply`]s, waited on blocking (`.wait()`) or awaited
//!   (`.await`); event streams are [`Subscription`]s, read blocking, async, or as a
//!   `futures_core::Stream`; a published service is a [`Registration`].
//! - The public types every adapter re-exports: [`MdnsConfig`], [`ServiceInfo`],
//!   [`Error`], and the events ([`BrowseEvent`], [`ResolvedService`], [`HostEvent`],
//!   [`TypeEvent`], [`RegistrationEvent`]), which come from `mdns-client`.

mod config;
mod error;
mod handle;
mod reply;
mod run;
#[cfg(unix)]
mod runtime;
mod subscription;

pub use config::{default_host_name, host_name, MdnsConfig};
pub use error::Error;
pub use handle::{Browser, Handle, HostWatcher, InterfaceInfo, QueryAnswers, Stopper, TypeBrowser};
pub use mdns_client::{
    socket_addr, BrowseEvent, Event, HostAddresses, HostEvent, PreferFamily, Reconfirmation,
    RegistrationEvent, Request, ResolvedService, ServiceInfo, ServiceInfoBuilder, SubscriptionId,
    TypeEvent, ANSWER_LINGER, SHUTDOWN_BOUND,
};
pub use reply::Reply;
pub use run::Service;
#[cfg(unix)]
pub use runtime::{AsyncLoop, Reactor, SourceFd};
pub use subscription::{Iter, Registration, Subscription};
