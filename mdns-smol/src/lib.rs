//! # mdns-smol
//!
//! Multicast DNS and DNS-SD (RFC 6762 / RFC 6763) on smol / async-io. [`Mdns::new`]
//! spawns one task on smol's global executor that runs the shared `mdns-net` service
//! loop, waiting with `async_io::Async` on its sockets and an `async_io::Timer` for
//! its next deadline. [`Mdns`] dereferences to the one API all adapters share
//! ([`Handle`]): every operation returns a [`Reply`] to `.await`, and event streams
//! are [`futures_core::Stream`]s. The futures work in any executor (the replies are
//! channels; the loop only needs the async-io reactor, which runs by itself).
//!
//! ```no_run
//! use std::time::Duration;
//! use futures_lite::StreamExt;
//! use mdns_smol::{BrowseEvent, Mdns, MdnsConfig, ServiceInfo, ServiceType};
//!
//! fn main() -> Result<(), mdns_smol::Error> {
//!   smol::block_on(async {
//!     let mdns = Mdns::new(MdnsConfig::default())?;
//!
//!     // Publish a service; the registration lives as long as `reg`.
//!     let info = ServiceInfo::builder("Kitchen", "_http._tcp", 8080)
//!         .txt("path", "/")
//!         .build()?;
//!     let reg = mdns.register(info).await?;
//!     println!("registering as {}", reg.name());
//!
//!     // Browse and resolve every instance of a type for five seconds.
//!     let ty = ServiceType::new("_http._tcp")?;
//!     let mut browser = mdns.browse_resolving(&ty).await?;
//!     let browse = async {
//!         while let Some(ev) = browser.next().await {
//!             if let BrowseEvent::Resolved(s) = ev {
//!                 println!("{} at {}:{} {:?}", s.instance, s.host, s.port, s.ips());
//!             }
//!         }
//!     };
//!     futures_lite::future::or(browse, async {
//!         smol::Timer::after(Duration::from_secs(5)).await;
//!     })
//!     .await;
//!
//!     // Look a host up.
//!     let host = mdns_smol::host_name("printer")?;
//!     match mdns.lookup_host(&host, Duration::from_secs(2)).await {
//!         Ok(addrs) => println!("printer.local. is {addrs:?}"),
//!         Err(e) => println!("printer.local.: {e}"),
//!     }
//!
//!     // Goodbyes for everything, then the task ends.
//!     drop(reg);
//!     mdns.shutdown().await
//!   })
//! }
//! ```
//!
//! ## Domains
//!
//! `local.` is multicast DNS. A browse, resolve or registration in any other domain goes
//! to that domain's DNS servers (unicast DNS-SD, RFC 6763; registrations with DNS UPDATE,
//! RFC 2136, signed with TSIG, RFC 8945) through the same API, with the same events (their
//! interface is [`UNICAST_DNS`]): [`Handle::browse_in`], [`Handle::resolve_in`],
//! [`ServiceInfoBuilder::domain`], [`Handle::browse_domains`]. The servers are the
//! system resolver's (`/etc/resolv.conf`) unless [`MdnsConfig::unicast`] names them; a
//! zone's update key is read from a BIND key file ([`TsigKey::parse_bind`]).
//!
//! ```no_run
//! # async fn f() -> Result<(), mdns_smol::Error> {
//! use mdns_smol::{DomainConfig, Mdns, MdnsConfig, Name, ServiceInfo, ServiceType, TsigKey};
//!
//! let zone = Name::parse("example.com.").expect("a domain name");
//! let text = std::fs::read_to_string("update.key").expect("the key file");
//! let key = TsigKey::parse_bind(&text).expect("a BIND key file").remove(0);
//! let server = "192.0.2.53:53".parse().expect("an address");
//! let config = MdnsConfig::default()
//!     .with_unicast_domain(DomainConfig::new(zone.clone(), vec![server]).with_key(key, false));
//! let mdns = Mdns::new(config)?;
//! let info = ServiceInfo::builder("Kitchen", "_http._tcp", 8080).domain(zone.clone()).build()?;
//! let reg = mdns.register(info).await?; // in the zone until dropped or unregistered
//! let browser = mdns.browse_resolving_in(&ServiceType::new("_http._tcp")?, &zone).await?;
//! # drop((reg, browser)); Ok(()) }
//! ```
//!
//! [`Mdns::new`] opens the sockets in the calling thread's network namespace. Diagnostics go to `tracing` (nothing is printed unless
//! the application installs a subscriber).
#![warn(missing_docs)]

use std::io;
use std::task::{Context, Poll};

use async_io::{Async, Timer};
use mdns_net::service::{AsyncLoop, Reactor, Service, SourceFd};

pub use mdns_net::service::{
    default_host_name, host_name, BrowseEvent, Browser, Error, Event, Handle, HostEvent,
    HostWatcher, InterfaceInfo, MdnsConfig, QueryAnswers, Registration, RegistrationEvent, Reply,
    Request, ResolvedService, ServiceInfo, ServiceInfoBuilder, Stopper, Subscription, TypeBrowser,
    TypeEvent,
};
/// Unicast DNS-SD: browsing, resolving and publishing in domains other than `local.`.
pub use mdns_net::service::{
    BackendError, DomainBrowser, DomainConfig, DomainEvent, DomainKind, KeyFileError, QueryError,
    TsigKey, UnicastConfig, UnicastError, UpdateError, UNICAST_DNS,
};
pub use mdns_net::InterfaceSelector;
pub use mdns_sansio::engine::{AnswerRecord, InterfaceId};
pub use mdns_sansio::sd::{InstanceName, ServiceType, Txt, TxtEntry};
pub use mdns_sansio::wire::Rtype;
pub use mdns_sansio::Name;

/// An mDNS instance: sockets on the selected interfaces and the task running them.
/// Every operation is on [`Handle`], which it dereferences to. Dropping it asks the
/// task to shut down (goodbyes are sent in the background).
#[derive(Debug)]
pub struct Mdns {
    handle: Handle,
    task: Option<smol::Task<Result<(), Error>>>,
}

impl Mdns {
    /// Opens the sockets and spawns the service task on smol's global executor.
    pub fn new(config: MdnsConfig) -> Result<Mdns, Error> {
        let (service, handle) = Service::open(config)?;
        let run = AsyncLoop::new(service, AsyncIo)?.run();
        Ok(Mdns {
            handle,
            task: Some(smol::spawn(run)),
        })
    }

    /// Waits until the service task has ended (after [`shutdown`](Handle::shutdown)
    /// or a [`Stopper`]) and returns how its loop ended.
    pub async fn wait(&mut self) -> Result<(), Error> {
        match self.task.take() {
            Some(t) => t.await,
            None => Ok(()),
        }
    }
}

impl std::ops::Deref for Mdns {
    type Target = Handle;
    fn deref(&self) -> &Handle {
        &self.handle
    }
}

impl Drop for Mdns {
    fn drop(&mut self) {
        // The task finishes the goodbyes on its own.
        self.handle.stopper().stop();
        if let Some(t) = self.task.take() {
            t.detach();
        }
    }
}

/// async-io's reactor for the shared loop: `Async` readiness and `Timer`.
struct AsyncIo;

impl Reactor for AsyncIo {
    type Source = Async<SourceFd>;
    type Sleep = Timer;

    fn register(&self, fd: SourceFd) -> io::Result<Async<SourceFd>> {
        Async::new_nonblocking(fd)
    }

    fn poll_readable(&self, source: &Async<SourceFd>, cx: &mut Context<'_>) -> Poll<()> {
        source.poll_readable(cx).map(|_| ())
    }

    fn poll_writable(&self, source: &Async<SourceFd>, cx: &mut Context<'_>) -> Poll<()> {
        source.poll_writable(cx).map(|_| ())
    }

    fn sleep_until(&self, deadline: std::time::Instant) -> Timer {
        Timer::at(deadline)
    }
}
