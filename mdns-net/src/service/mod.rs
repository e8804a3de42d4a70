//! The service layer shared by the runtime adapters (`mdns-tokio`, `mdns-smol`,
//! `mdns-blocking`), written once: one loop, one API.
//!
//! - [`Service`] is the loop: channel in, [`Driver`](crate::Driver) (sockets, clock),
//!   the sans-IO client layer ([`mdns_sansio_client::Client`]: subscriptions, their timers,
//!   event routing), events out to the receivers. Adapters only decide how to wait
//!   between [`Service::step`] calls: on a thread ([`Service::spawn_thread`], the
//!   blocking adapter, and any runtime that cannot wait on the service's handles:
//!   tokio on Windows), or in an async runtime through [`AsyncLoop`] and a small
//!   [`Reactor`] the adapter implements (tokio's `AsyncFd` on unix, async-io's
//!   `Async` on unix and Windows).
//! - [`Handle`] is the API, the same for every adapter (their `Mdns` dereferences to
//!   it). Answers are [`Reply`]s, waited on blocking (`.wait()`) or awaited
//!   (`.await`); event streams are [`Subscription`]s, read blocking, async, or as a
//!   `futures_core::Stream`; a published service is a [`Registration`].
//! - The public types every adapter re-exports: [`MdnsConfig`], [`ServiceInfo`],
//!   [`Error`], and the events ([`BrowseEvent`], [`ResolvedService`], [`HostEvent`],
//!   [`TypeEvent`], [`RegistrationEvent`], [`DomainEvent`]), which come from
//!   `mdns-sansio-client`.
//! - Domains: `local.` is multicast DNS; a browse, resolve, type enumeration or
//!   registration in any other domain ([`Handle::browse_in`], [`Handle::resolve_in`],
//!   [`ServiceInfoBuilder::domain`]) goes to the DNS servers of
//!   [`MdnsConfig::unicast`] ([`UnicastConfig`]: servers, per-domain servers and
//!   [`TsigKey`]s, [`DomainConfig`]; the system resolver's by default) through the
//!   unicast DNS-SD client of `dnssd-unicast`, whose sockets the loop moves too
//!   ([`crate::unicast`]). What the servers do to a request is a `ServerError` event
//!   or [`Error::Unicast`], holding an [`UnicastError`].

mod config;
mod error;
mod handle;
mod reply;
mod run;
mod runtime;
mod subscription;

pub use config::{default_host_name, host_name, MdnsConfig};
pub use dnssd_unicast::backend::UnicastError;
pub use dnssd_unicast::client::{DomainConfig, QueryError, UpdateError};
pub use dnssd_unicast::{ClientConfig as UnicastConfig, KeyFileError, TsigKey};
pub use error::Error;
pub use handle::{
    Browser, DomainBrowser, Handle, HostWatcher, InterfaceInfo, QueryAnswers, Stopper, TypeBrowser,
};
pub use mdns_sansio_client::{
    socket_addr, BackendError, BrowseEvent, DomainEvent, DomainKind, Event, HostAddresses,
    HostEvent, PreferFamily, Reconfirmation, RegistrationEvent, Request, ResolvedService,
    ServiceInfo, ServiceInfoBuilder, SubscriptionId, TypeEvent, ANSWER_LINGER, SHUTDOWN_BOUND,
    UNICAST_DNS,
};
pub use reply::Reply;
pub use run::{Service, Wait};
pub use runtime::{AsyncLoop, Reactor, SourceHandle};
pub use subscription::{Iter, Registration, Subscription};
