//! # mdns-blocking
//!
//! Multicast DNS and DNS-SD (RFC 6762 / RFC 6763) without an async runtime: one
//! background thread runs the shared `mdns-net` service loop, and every call here
//! blocks (with a timeout where one makes sense).
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
//!     let reg = mdns.register(info)?;
//!     println!("registering as {}", reg.name());
//!
//!     // Browse and resolve every instance of a type for five seconds.
//!     let ty = ServiceType::new("_http._tcp")?;
//!     let browser = mdns.browse_resolving(&ty)?;
//!     let end = std::time::Instant::now() + Duration::from_secs(5);
//!     while let Some(left) = end.checked_duration_since(std::time::Instant::now()) {
//!         match browser.recv_timeout(left) {
//!             Ok(BrowseEvent::Resolved(s)) => {
//!                 println!("{} at {}:{} {:?}", s.instance, s.host, s.port, s.ips())
//!             }
//!             Ok(other) => println!("{other:?}"),
//!             Err(mdns_blocking::Error::Timeout) => break,
//!             Err(e) => return Err(e),
//!         }
//!     }
//!
//!     // Look a host up.
//!     let host = mdns_blocking::host_name("printer")?;
//!     match mdns.lookup_host(&host, Duration::from_secs(2)) {
//!         Ok(addrs) => println!("printer.local. is {addrs:?}"),
//!         Err(e) => println!("printer.local.: {e}"),
//!     }
//!
//!     // Goodbyes for everything, then the thread ends.
//!     mdns.shutdown()
//! }
//! ```
//!
//! Stopping from a signal handler: [`Mdns::stopper`] returns a [`Stopper`] whose
//! `stop()` is async-signal-safe; after it, blocked `recv` calls return
//! [`Error::Shutdown`] once the goodbyes are out, and [`Mdns::wait`] returns.
//!
//! Sockets are opened by [`Mdns::new`] in the calling thread's network namespace.
//! Diagnostics go to `tracing` (nothing is printed unless the application installs a
//! subscriber).
#![warn(missing_docs)]

use std::net::IpAddr;
use std::sync::Mutex;
use std::thread::JoinHandle;
use std::time::Duration;

use mdns_net::service::{Handle, Service, Subscription};

pub use mdns_net::service::{
    default_host_name, host_name, BrowseEvent, Error, HostEvent, InterfaceInfo, MdnsConfig,
    RegistrationEvent, ResolvedService, ServiceInfo, ServiceInfoBuilder, Stopper, TypeEvent,
};
pub use mdns_net::InterfaceSelector;
pub use mdns_proto::engine::{AnswerRecord, InterfaceId};
pub use mdns_proto::sd::{InstanceName, ServiceType, Txt, TxtEntry};
pub use mdns_proto::wire::Rtype;
pub use mdns_proto::Name;

/// An mDNS instance: sockets on the selected interfaces and a thread running them.
/// Dropping it shuts it down (goodbyes included) and joins the thread.
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
        let thread = std::thread::Builder::new()
            .name("mdns".into())
            .spawn(move || {
                let r = service.run_blocking();
                if let Err(e) = &r {
                    tracing::error!(error = %e, "mDNS service loop failed");
                }
                r
            })
            .map_err(|e| Error::io("spawning the mDNS thread", e))?;
        Ok(Mdns {
            handle,
            thread: Mutex::new(Some(thread)),
        })
    }

    /// Registers a service. Probing goes on in the background; see
    /// [`Registration::recv_timeout`] for how it ends.
    pub fn register(&self, info: ServiceInfo) -> Result<Registration, Error> {
        Ok(Registration {
            inner: self.handle.register(info).wait()?,
        })
    }

    /// Browses a service type (a subtype if it has one): found and removed instances.
    pub fn browse(&self, service_type: &ServiceType) -> Result<Browser, Error> {
        Ok(Events(self.handle.browse(service_type, false).wait()?))
    }

    /// Browses and resolves: found and removed instances, plus resolved and updated
    /// details of each (resolving stops when the instance is removed).
    pub fn browse_resolving(&self, service_type: &ServiceType) -> Result<Browser, Error> {
        Ok(Events(self.handle.browse(service_type, true).wait()?))
    }

    /// Resolves one instance to host, port, TXT and addresses: returns at once when it
    /// has addresses of both families, else 1.1 s after the first complete answer
    /// with the latest one; [`Error::Timeout`] if none comes within `timeout`.
    pub fn resolve(
        &self,
        instance: &InstanceName,
        service_type: &ServiceType,
        timeout: Duration,
    ) -> Result<ResolvedService, Error> {
        self.handle.resolve(instance, service_type, timeout).wait()
    }

    /// A host's addresses: returns once the first is known plus any that arrive within
    /// 1.1 s after it; [`Error::Timeout`] if none comes within `timeout`.
    pub fn lookup_host(&self, host: &Name, timeout: Duration) -> Result<Vec<IpAddr>, Error> {
        self.handle.lookup_host(host, timeout).wait()
    }

    /// Watches a host's addresses come and go.
    pub fn watch_host(&self, host: &Name) -> Result<HostWatcher, Error> {
        Ok(Events(self.handle.watch_host(host).wait()?))
    }

    /// Enumerates the service types on the network.
    pub fn service_types(&self) -> Result<TypeBrowser, Error> {
        Ok(Events(self.handle.service_types().wait()?))
    }

    /// A one-shot query: answers until the engine's collection time is over, then the
    /// iterator ends.
    pub fn query(&self, name: &Name, rtype: Rtype) -> Result<QueryAnswers, Error> {
        Ok(Events(self.handle.query(name, rtype).wait()?))
    }

    /// The interfaces mDNS runs on now.
    pub fn interfaces(&self) -> Result<Vec<InterfaceInfo>, Error> {
        self.handle.interfaces().wait()
    }

    /// A handle that stops this instance from another thread or a signal handler.
    pub fn stopper(&self) -> Stopper {
        self.handle.stopper()
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

impl Drop for Mdns {
    fn drop(&mut self) {
        let _ = self.shutdown();
    }
}

/// A stream of events, as a blocking iterator. Dropping it stops the operation.
#[derive(Debug)]
pub struct Events<E: 'static>(Subscription<E>);

/// Events of a browse.
pub type Browser = Events<BrowseEvent>;
/// Events of a host watch.
pub type HostWatcher = Events<HostEvent>;
/// Events of service type enumeration.
pub type TypeBrowser = Events<TypeEvent>;
/// Answers of a one-shot query.
pub type QueryAnswers = Events<AnswerRecord>;

impl<E: 'static> Events<E> {
    /// Blocks for the next event. [`Error::Closed`]: the operation has ended;
    /// [`Error::Shutdown`]: the service has stopped.
    pub fn recv(&self) -> Result<E, Error> {
        self.0.recv()
    }

    /// Blocks for the next event, at most `timeout` ([`Error::Timeout`]).
    pub fn recv_timeout(&self, timeout: Duration) -> Result<E, Error> {
        self.0.recv_timeout(timeout)
    }

    /// The next event if one is queued.
    pub fn try_recv(&self) -> Option<E> {
        self.0.try_recv()
    }
}

impl<E: 'static> Iterator for Events<E> {
    type Item = E;
    /// Blocks for the next event; `None` once the operation or the service has ended.
    fn next(&mut self) -> Option<E> {
        self.0.recv().ok()
    }
}

/// A registered service. Dropping it unregisters it (goodbyes go out in the
/// background); [`unregister`](Self::unregister) waits until they are out.
#[derive(Debug)]
pub struct Registration {
    inner: mdns_net::service::Registration,
}

impl Registration {
    /// The name it has now (changes after a conflict; see
    /// [`RegistrationEvent::Renamed`]).
    pub fn name(&self) -> InstanceName {
        self.inner.name()
    }

    /// Blocks for the next event.
    pub fn recv(&self) -> Result<RegistrationEvent, Error> {
        self.inner.events().recv()
    }

    /// Blocks for the next event, at most `timeout` ([`Error::Timeout`]).
    pub fn recv_timeout(&self, timeout: Duration) -> Result<RegistrationEvent, Error> {
        self.inner.events().recv_timeout(timeout)
    }

    /// Replaces the TXT record.
    pub fn update_txt(&self, txt: Txt) -> Result<(), Error> {
        self.inner.update_txt(txt).wait()
    }

    /// Withdraws the service; returns once its goodbyes are out.
    pub fn unregister(self) -> Result<(), Error> {
        self.inner.unregister().wait()
    }
}

impl Iterator for Registration {
    type Item = RegistrationEvent;
    fn next(&mut self) -> Option<RegistrationEvent> {
        self.inner.events().recv().ok()
    }
}
