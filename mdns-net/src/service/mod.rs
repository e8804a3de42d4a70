//! The service layer shared by the runtime adapters (`mdns-tokio`, `mdns-smol`,
//! `mdns-blocking`), written once.
//!
//! - [`Service`] is the loop state: it owns the [`Driver`](crate::Driver) and its
//!   [`Engine`](mdns_proto::Engine), takes commands from a channel, steps the driver
//!   and routes every engine event to the subscriber of its query or registration.
//!   An adapter only decides how to wait between [`Service::step`] calls: tokio
//!   registers [`Service::read_fds`] with `AsyncFd`, smol with `Async`, the blocking
//!   adapter calls [`Service::wait_blocking`] on a thread. Commands wake the loop
//!   through an eventfd that is one of those fds, so every adapter waits on fds and
//!   one deadline, nothing else.
//! - [`Handle`] sends the commands. What comes back arrives over flume channels:
//!   [`Pending`] (a reply), [`Starting`] (an operation's start), [`Subscription`] (a
//!   stream of events; also a `futures_core::Stream`), [`Registration`]. Each has
//!   blocking, timed and async waits, usable from any runtime or none.
//! - The public types every adapter re-exports: [`MdnsConfig`], [`ServiceInfo`],
//!   [`Error`], and the events ([`BrowseEvent`], [`ResolvedService`], [`HostEvent`],
//!   [`TypeEvent`], [`RegistrationEvent`]).

mod async_api;
mod config;
mod error;
mod events;
mod handle;
mod info;
mod state;

pub use async_api::{
    AsyncMdns, Browser, Events, HostWatcher, QueryAnswers, Registration as AsyncRegistration,
    TypeBrowser,
};
pub use config::{default_host_name, host_name, MdnsConfig};
pub use error::Error;
pub use events::{BrowseEvent, HostEvent, RegistrationEvent, ResolvedService, TypeEvent};
pub use handle::{Handle, InterfaceInfo, Pending, Registration, Starting, Stopper, Subscription};
pub use info::{ServiceInfo, ServiceInfoBuilder};
pub use state::{Service, ANSWER_LINGER, SHUTDOWN_BOUND};
