//! # mdns-blocking
//!
//! Multicast DNS and DNS-SD (RFC 6762 / RFC 6763) without an async runtime: one
//! background thread runs the shared `mdns-net` service loop. [`Mdns`] dereferences
//! to the one API all adapters share ([`Handle`]): every operation returns a [`Reply`]
//! to `.wait()` for (or `.wait_timeout`), and event streams are read with `recv`,
//! `recv_timeout`, or as a blocking iterator (`for event in &browser`).
//!
//! ```no_run
//! use std::time::Duration;
//! use mdns_blocking::{BrowseEvent, Mdns, MdnsConfig, ServiceInfo, ServiceType};
//!
//! fn main() -> Result<(), mdns_blocking::Error> {
//!     let mdns = Mdns::new(MdnsConfig::default())?;
//!
//!     // Publish a service; the registration lives as long as `reg`.
//!     let info = ServiceInfo::builder("Kitchen", "_http._tcp", 8080)
//!         .txt("path", "/")
//!         .build()?;
//!     let reg = mdns.register(info).wait()?;
//!     println!("registering as {}", reg.name());
//!
//!     // Browse and resolve every instance of a type for five seconds.
//!     let ty = ServiceType::new("_http._tcp")?;
//!     let browser = mdns.browse_resolving(&ty).wait()?;
//!     loop {
//!         match browser.recv_timeout(Duration::from_secs(5)) {
//!             Ok(BrowseEvent::Resolved(s)) => {
//!                 println!("{} at {}:{} {:?}", s.instance, s.host, s.port, s.ips())
//!             }
//!             Ok(other) => println!("{other:?}"),
//!             // Five seconds without news.
//!             Err(mdns_blocking::Error::Timeout) => break,
//!             Err(e) => return Err(e),
//!         }
//!     }
//!
//!     // Look a host up.
//!     let host = mdns_blocking::host_name("printer")?;
//!     match mdns.lookup_host(&host, Duration::from_secs(2)).wait() {
//!         Ok(addrs) => println!("printer.local. is {addrs:?}"),
//!         Err(e) => println!("printer.local.: {e}"),
//!     }
//!
//!     // Goodbyes for everything, then the thread ends.
//!     mdns.shutdown()
//! }
//! ```
//!
//! Stopping from a signal handler: [`Handle::stopper`] returns a [`Stopper`] whose
//! `stop()` is async-signal-safe; after it, blocked `recv` calls return
//! [`Error::Shutdown`] once the goodbyes are out, and [`Mdns::wait`] returns.
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
//! # fn f() -> Result<(), mdns_blocking::Error> {
//! use mdns_blocking::{DomainConfig, Mdns, MdnsConfig, Name, ServiceInfo, ServiceType, TsigKey};
//!
//! let zone = Name::parse("example.com.").expect("a domain name");
//! let text = std::fs::read_to_string("update.key").expect("the key file");
//! let key = TsigKey::parse_bind(&text).expect("a BIND key file").remove(0);
//! let server = "192.0.2.53:53".parse().expect("an address");
//! let config = MdnsConfig::default()
//!     .with_unicast_domain(DomainConfig::new(zone.clone(), vec![server]).with_key(key, false));
//! let mdns = Mdns::new(config)?;
//! let info = ServiceInfo::builder("Kitchen", "_http._tcp", 8080).domain(zone.clone()).build()?;
//! let reg = mdns.register(info).wait()?; // in the zone until dropped or unregistered
//! let browser = mdns.browse_resolving_in(&ServiceType::new("_http._tcp")?, &zone).wait()?;
//! # drop((reg, browser)); Ok(()) }
//! ```
//!
//! Sockets are opened by [`Mdns::new`] in the calling thread's network namespace.
//! Diagnostics go to `tracing` (nothing is printed unless the application installs a
//! subscriber).
#![warn(missing_docs)]

use std::sync::Mutex;
use std::thread::JoinHandle;

use mdns_net::service::Service;

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

/// An mDNS instance: sockets on the selected interfaces and a thread running them.
/// Every operation is on [`Handle`], which it dereferences to. Dropping it shuts it
/// down (goodbyes included) and joins the thread.
#[derive(Debug)]
pub struct Mdns {
    handle: Handle,
    thread: Mutex<Option<JoinHandle<Result<(), Error>>>>,
}

impl Mdns {
    /// Opens the sockets (in the calling thread's network namespace) and starts the
    /// service thread.
    pub fn new(config: MdnsConfig) -> Result<Mdns, Error> {
        let (service, handle) = Service::open(config)?;
        Ok(Mdns {
            handle,
            thread: Mutex::new(Some(service.spawn_thread()?)),
        })
    }

    /// Sends every goodbye, stops everything, and returns once the thread has ended.
    pub fn shutdown(&self) -> Result<(), Error> {
        self.handle.shutdown().wait()?;
        self.wait()
    }

    /// Blocks until the service has stopped (after [`shutdown`](Self::shutdown) or a
    /// [`Stopper`]) and returns how its loop ended.
    pub fn wait(&self) -> Result<(), Error> {
        let t = self.thread.lock().unwrap_or_else(|p| p.into_inner()).take();
        match t {
            Some(t) => t.join().unwrap_or(Err(Error::Shutdown)),
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
        let _ = self.shutdown();
    }
}
