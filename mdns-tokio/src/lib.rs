#![doc = include_str!("../README.md")]
//!
//! # Using it
//!
//! [`Mdns::new`] spawns one task on the current tokio runtime that runs the shared
//! `mdns-net` service loop, waiting with `AsyncFd` on its sockets and `sleep_until` for
//! its next deadline. It must be called inside a runtime with IO and time enabled
//! (`#[tokio::main]`, or `Builder::enable_all`), and opens the sockets in the calling
//! thread's network namespace. On Windows, where tokio has no `AsyncFd` for foreign
//! sockets, the loop runs on a thread of its own (named `mdns`) that waits in
//! `WSAPoll`; the API is channels, so it is as async there as on unix.
//!
//! [`Mdns`] dereferences to [`Handle`], the API every adapter shares: each operation
//! returns a [`Reply`] to `.await` (it is a `Future`; `.wait()` blocks for it outside async
//! code), and event streams ([`Subscription`]s: [`Browser`], [`HostWatcher`], ...) are
//! [`futures_core::Stream`]s, also read with `recv_async` (or blocking, `recv` and
//! `recv_timeout`). [`Handle`] is cheap to clone, `Send` and `Sync`.
//!
//! ## Register and browse
//!
//! ```no_run
//! use std::time::Duration;
//! use futures_lite::StreamExt;
//! use mdns_tokio::{BrowseEvent, Mdns, MdnsConfig, ServiceInfo, ServiceType};
//!
//! #[tokio::main]
//! async fn main() -> Result<(), mdns_tokio::Error> {
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
//!     let _ = tokio::time::timeout(Duration::from_secs(5), async {
//!         while let Some(ev) = browser.next().await {
//!             if let BrowseEvent::Resolved(s) = ev {
//!                 println!("{} at {}:{} {:?}", s.instance, s.host, s.port, s.ips());
//!             }
//!         }
//!     })
//!     .await;
//!
//!     // Goodbyes for everything, then the task ends.
//!     drop(reg);
//!     mdns.shutdown().await
//! }
//! ```
//!
//! A plain [`browse`](Handle::browse) reports [`BrowseEvent::Found`] and
//! [`BrowseEvent::Removed`] per instance and interface;
//! [`browse_resolving`](Handle::browse_resolving) adds [`BrowseEvent::Resolved`] (host,
//! port, TXT, addresses) and [`BrowseEvent::Updated`] when any of those change. A
//! registration's own events ([`RegistrationEvent`]: `Probing`, `Registered`, `Renamed`
//! after a name conflict, RFC 6762 §9) are read from the [`Registration`] like any stream;
//! its current name is [`Registration::name`], and [`Registration::update_txt`] changes its
//! TXT record.
//!
//! ## Resolve one instance
//!
//! ```no_run
//! # async fn f(mdns: &mdns_tokio::Mdns) -> Result<(), mdns_tokio::Error> {
//! use std::time::Duration;
//! use mdns_tokio::{Error, InstanceName, ServiceType};
//!
//! let kitchen = InstanceName::new("Kitchen")?;
//! let http = ServiceType::new("_http._tcp")?;
//! match mdns.resolve(&kitchen, &http, Duration::from_secs(3)).await {
//!     Ok(s) => println!("{}:{} {:?} path={:?}", s.host, s.port, s.ips(), s.txt.get("path")),
//!     Err(Error::Timeout) => println!("Kitchen did not answer within 3 s"),
//!     Err(e) => return Err(e),
//! }
//! # Ok(()) }
//! ```
//!
//! The reply is the first answer with addresses of both families, else the latest
//! complete answer [`ANSWER_LINGER`] (1.1 s) after the first one.
//!
//! ## Look up a host
//!
//! ```no_run
//! # async fn f(mdns: &mdns_tokio::Mdns) -> Result<(), mdns_tokio::Error> {
//! use std::time::Duration;
//!
//! let printer = mdns_tokio::host_name("printer")?; // printer.local.
//! let addrs = mdns.lookup_host(&printer, Duration::from_secs(2)).await?;
//! println!("printer.local. is {addrs:?}");
//! // Or follow its addresses as they come and go:
//! let watch = mdns.watch_host(&printer).await?;
//! while let Ok(event) = watch.recv_async().await {
//!     println!("{event:?}");
//! }
//! # Ok(()) }
//! ```
//!
//! ## Shutdown and drop
//!
//! - Dropping a [`Subscription`] (a [`Browser`], [`HostWatcher`], ...) stops its
//!   operation: its queries stop being sent.
//! - Dropping a [`Registration`] withdraws the service: its goodbyes (RFC 6762 §10.1)
//!   are sent without waiting. [`Registration::unregister`] does the same and its reply
//!   comes once they are out.
//! - [`Handle::shutdown`] withdraws every registration, sends the goodbyes, stops every
//!   operation and ends the task. Afterwards every stream ends ([`Error::Shutdown`] from
//!   `recv_async`, `None` from the `Stream`) and every new operation's reply is
//!   [`Error::Shutdown`]. Clones of the [`Handle`] do not keep the service alive.
//! - Dropping the [`Mdns`] asks the task to shut down and returns at once: the task sends
//!   the goodbyes in the background, as long as the runtime keeps running. Before the
//!   runtime ends (returning from `main`), `mdns.shutdown().await` instead: it completes
//!   once the goodbyes are out (within [`SHUTDOWN_BOUND`] even if they cannot be sent);
//!   [`Mdns::wait`] then returns how the task ended.
//! - From a signal handler: [`Handle::stopper`] returns a [`Stopper`] whose
//!   [`stop`](Stopper::stop) is async-signal-safe (an atomic store and a wake-up).
//!
//! ## Errors
//!
//! One type, [`Error`] (`#[non_exhaustive]`, `std::error::Error` with its source):
//! - invalid input, from the constructors and builders, before anything is sent:
//!   [`Error::InvalidInstanceName`], [`Error::InvalidServiceType`],
//!   [`Error::InvalidTxt`], [`Error::InvalidHostName`];
//! - starting: [`Error::Io`] (a socket or the interface watcher could not be opened; it
//!   says which call), [`Error::NoUsableInterface`] (interfaces were named and none of
//!   them can run mDNS, or both IPv4 and IPv6 are off);
//! - waiting: [`Error::Timeout`] (a resolve or host lookup got no answer in time),
//!   [`Error::Closed`] (the operation ended), [`Error::Shutdown`] (the service stopped);
//! - refusals: [`Error::Register`] (a registration the engine refuses, such as a second
//!   one under a name this instance already publishes), [`Error::Query`] (too many
//!   operations at once), [`Error::Registration`] (a command on a registration that is
//!   gone);
//! - DNS domains: [`Error::Unicast`] (the servers refused or did not answer),
//!   [`Error::NoBackend`].
//!
//! What happens on the network later is an event, not an error: a name conflict renames
//! the registration ([`RegistrationEvent::Renamed`]; `Failed` only when no name is left),
//! an instance that leaves is [`BrowseEvent::Removed`]. Malformed or hostile datagrams are
//! dropped and counted, never reported. Diagnostics go to `tracing` (nothing is printed
//! unless the application installs a subscriber).
//!
//! ## Interfaces
//!
//! By default mDNS runs on every interface that is up, running and multicast capable,
//! loopback and point-to-point links (most VPNs) aside, over IPv4 (224.0.0.251) and IPv6
//! (ff02::fb); interfaces that come up later are joined, and those that go away are left.
//! [`MdnsConfig`] narrows it:
//!
//! ```no_run
//! # async fn f() -> Result<(), mdns_tokio::Error> {
//! use mdns_tokio::{InterfaceSelector, Mdns, MdnsConfig};
//!
//! let config = MdnsConfig {
//!     interfaces: vec![InterfaceSelector::Name("eth0".into())], // only eth0 (or by index)
//!     ipv6: false,                                              // IPv4 only
//!     ..MdnsConfig::default()
//! };
//! let mdns = Mdns::new(config)?;
//! for i in mdns.interfaces().await? {
//!     println!("running on {} ({:?})", i.interface.name, i.id);
//! }
//! # Ok(()) }
//! ```
//!
//! Every event says which interface it came from ([`InterfaceId`], the OS index);
//! [`Handle::interfaces`] maps indexes to names.
//!
//! ## Sharing port 5353 with the system's daemon
//!
//! Most machines already run an mDNS responder (Avahi, Bonjour's mDNSResponder, the
//! Windows mDNS service) on port 5353. This crate binds the port beside it
//! (`SO_REUSEADDR`, and `SO_REUSEPORT` where it exists), never instead of it: both get
//! every multicast datagram, and both work. Unicast datagrams to port 5353 reach only one
//! of the sockets (RFC 6762 §15.1), so when the port is already bound at [`Mdns::new`],
//! the stack sends no question with the unicast-response (QU) bit (RFC 6762 §5.4) and asks
//! for multicast answers only; queries from the host itself are always answered by
//! multicast; one-shot queries use an ephemeral port of their own. The daemon owns the
//! machine's host name: services registered here point at `<machine>-mdns.local.` unless
//! [`MdnsConfig::host_name`] says otherwise.
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
//! # async fn f() -> Result<(), mdns_tokio::Error> {
//! use mdns_tokio::{DomainConfig, Mdns, MdnsConfig, Name, ServiceInfo, ServiceType, TsigKey};
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
#![cfg_attr(docsrs, feature(doc_cfg))]
#![warn(missing_docs)]

use std::io;

use mdns_net::service::Service;

pub use mdns_net::service::{
    default_host_name, host_name, socket_addr, BrowseEvent, Browser, Error, Event, Handle,
    HostAddresses, HostEvent, HostWatcher, InterfaceInfo, MdnsConfig, PreferFamily, QueryAnswers,
    Reconfirmation, Registration, RegistrationEvent, Reply, Request, ResolvedService, ServiceInfo,
    ServiceInfoBuilder, Stopper, Subscription, TypeBrowser, TypeEvent,
};
/// Unicast DNS-SD: browsing, resolving and publishing in domains other than `local.`.
pub use mdns_net::service::{
    BackendError, DomainBrowser, DomainConfig, DomainEvent, DomainKind, KeyFileError, QueryError,
    TsigKey, UnicastConfig, UnicastError, UpdateError, UNICAST_DNS,
};
/// How long a one-shot answer is collected after the first, and how long a shutdown
/// may take at most.
pub use mdns_net::service::{ANSWER_LINGER, SHUTDOWN_BOUND};
pub use mdns_net::InterfaceSelector;
pub use mdns_sansio::engine::{AnswerRecord, InterfaceId};
pub use mdns_sansio::sd::{InstanceName, ServiceType, Txt, TxtEntry};
pub use mdns_sansio::wire::Rtype;
pub use mdns_sansio::Name;

/// An mDNS instance: sockets on the selected interfaces and the task running them (a
/// thread on Windows). Every operation is on [`Handle`], which it dereferences to.
/// Dropping it asks the loop to shut down (goodbyes are sent in the background).
#[derive(Debug)]
pub struct Mdns {
    handle: Handle,
    task: Option<Task>,
}

impl Mdns {
    /// Opens the sockets and spawns the service task on the current tokio runtime (on
    /// Windows, the service thread; the runtime is still required, for
    /// [`wait`](Self::wait)).
    pub fn new(config: MdnsConfig) -> Result<Mdns, Error> {
        let rt = tokio::runtime::Handle::try_current().map_err(|e| {
            Error::io(
                "mdns-tokio: Mdns::new must be called inside a tokio runtime",
                io::Error::other(e),
            )
        })?;
        let (service, handle) = Service::open(config)?;
        Ok(Mdns {
            handle,
            task: Some(spawn(&rt, service)?),
        })
    }

    /// Waits until the service loop has ended (after [`shutdown`](Handle::shutdown)
    /// or a [`Stopper`]) and returns how it ended.
    pub async fn wait(&mut self) -> Result<(), Error> {
        match self.task.take() {
            Some(t) => join(t).await,
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
        // The loop finishes the goodbyes on its own.
        self.handle.stopper().stop();
    }
}

/// The running service loop: a task (unix) or a thread (Windows).
#[cfg(unix)]
type Task = tokio::task::JoinHandle<Result<(), Error>>;
#[cfg(windows)]
type Task = std::thread::JoinHandle<Result<(), Error>>;

#[cfg(unix)]
fn spawn(rt: &tokio::runtime::Handle, service: Service) -> Result<Task, Error> {
    let run = mdns_net::service::AsyncLoop::new(service, reactor::Tokio)?.run();
    Ok(rt.spawn(run))
}

#[cfg(unix)]
async fn join(task: Task) -> Result<(), Error> {
    task.await.unwrap_or(Err(Error::Shutdown))
}

/// tokio's `AsyncFd` takes unix descriptors only (and tokio offers no readiness for a
/// socket it does not own): the loop waits in `WSAPoll` on its own thread, as the
/// blocking adapter's does. The API is channels, so the handle is as async as on unix.
#[cfg(windows)]
fn spawn(_rt: &tokio::runtime::Handle, service: Service) -> Result<Task, Error> {
    service.spawn_thread()
}

/// The thread ends on its own once the service has shut down; joining it blocks, so
/// it is joined on tokio's blocking pool.
#[cfg(windows)]
async fn join(task: Task) -> Result<(), Error> {
    tokio::task::spawn_blocking(move || task.join())
        .await
        .map_or(Err(Error::Shutdown), |r| r.unwrap_or(Err(Error::Shutdown)))
}

/// tokio's reactor for the shared loop (unix): `AsyncFd` readiness and `sleep_until`.
#[cfg(unix)]
mod reactor {
    use std::io;
    use std::task::{Context, Poll};

    use mdns_net::service::{Reactor, SourceHandle};
    use tokio::io::unix::AsyncFd;
    use tokio::io::Interest;

    pub(crate) struct Tokio;

    impl Reactor for Tokio {
        type Source = AsyncFd<SourceHandle>;
        type Sleep = tokio::time::Sleep;

        fn register(&self, handle: SourceHandle) -> io::Result<AsyncFd<SourceHandle>> {
            // SAFETY: a `SourceHandle` stays open, and names the same descriptor, until
            // every registration of it is dropped (`AsyncLoop` drops them before the
            // service).
            unsafe {
                AsyncFd::register_with_interest(handle, Interest::READABLE | Interest::WRITABLE)
            }
            .map_err(io::Error::from)
        }

        fn poll_readable(&self, source: &AsyncFd<SourceHandle>, cx: &mut Context<'_>) -> Poll<()> {
            source.poll_read_ready(cx).map(|r| {
                if let Ok(mut g) = r {
                    g.clear_ready();
                }
            })
        }

        fn poll_writable(&self, source: &AsyncFd<SourceHandle>, cx: &mut Context<'_>) -> Poll<()> {
            source.poll_write_ready(cx).map(|r| {
                if let Ok(mut g) = r {
                    g.clear_ready();
                }
            })
        }

        fn sleep_until(&self, deadline: std::time::Instant) -> tokio::time::Sleep {
            tokio::time::sleep_until(deadline.into())
        }
    }
}

/// The repository's README (its first screen shows this crate's ten-line program):
/// compiled with the doctests, so that it cannot drift from the API. Only in the
/// repository: `cfg(doctest)` never reaches a build of the published crate.
#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
struct RepositoryReadme;
