//! # mdns-tokio
//!
//! Multicast DNS and DNS-SD (RFC 6762 / RFC 6763) on tokio. [`Mdns::new`] spawns one
//! task that runs the shared `mdns-net` service loop, waiting with `AsyncFd` on its
//! sockets and a `sleep_until` its next deadline; everything else is an `async fn` or
//! a [`futures_core::Stream`].
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
//!     // Look a host up.
//!     let host = mdns_tokio::host_name("printer")?;
//!     match mdns.lookup_host(&host, Duration::from_secs(2)).await {
//!         Ok(addrs) => println!("printer.local. is {addrs:?}"),
//!         Err(e) => println!("printer.local.: {e}"),
//!     }
//!
//!     // Goodbyes for everything, then the task ends.
//!     drop(reg);
//!     mdns.shutdown().await
//! }
//! ```
//!
//! [`Mdns::new`] must be called inside a tokio runtime with IO and time enabled
//! (`#[tokio::main]`, or `Builder::enable_all`); it opens the sockets in the calling
//! thread's network namespace. Diagnostics go to `tracing` (nothing is printed unless
//! the application installs a subscriber).
#![warn(missing_docs)]

use std::future::poll_fn;
use std::net::IpAddr;
use std::os::fd::{AsRawFd, RawFd};
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use futures_core::Stream;
use mdns_net::service::{Handle, Service, Subscription};
use tokio::io::unix::AsyncFd;
use tokio::io::Interest;

pub use mdns_net::service::{
    default_host_name, host_name, BrowseEvent, Error, HostEvent, InterfaceInfo, MdnsConfig,
    RegistrationEvent, ResolvedService, ServiceInfo, ServiceInfoBuilder, Stopper, TypeEvent,
};
pub use mdns_net::InterfaceSelector;
pub use mdns_proto::engine::{AnswerRecord, InterfaceId};
pub use mdns_proto::sd::{InstanceName, ServiceType, Txt, TxtEntry};
pub use mdns_proto::wire::Rtype;
pub use mdns_proto::Name;

/// An mDNS instance: sockets on the selected interfaces and the task running them.
/// Dropping it asks the task to shut down (goodbyes are sent in the background).
#[derive(Debug)]
pub struct Mdns {
    handle: Handle,
    task: Option<tokio::task::JoinHandle<Result<(), Error>>>,
}

/// A raw fd owned by the `Service` that outlives the `AsyncFd` registering it.
struct Fd(RawFd);

impl AsRawFd for Fd {
    fn as_raw_fd(&self) -> RawFd {
        self.0
    }
}

impl Mdns {
    /// Opens the sockets and spawns the service task on the current tokio runtime.
    pub fn new(config: MdnsConfig) -> Result<Mdns, Error> {
        let rt = tokio::runtime::Handle::try_current().map_err(|e| {
            Error::io(
                "mdns-tokio: Mdns::new must be called inside a tokio runtime",
                std::io::Error::other(e),
            )
        })?;
        let (service, handle) = Service::open(config)?;
        let fds = service
            .read_fds()
            .into_iter()
            .map(|fd| {
                // SAFETY: the fds belong to `service`, which the task drops only after
                // these registrations (see the end of `run`), so each stays open for as
                // long as it is registered.
                unsafe {
                    AsyncFd::register_with_interest(Fd(fd), Interest::READABLE | Interest::WRITABLE)
                }
                .map_err(std::io::Error::from)
            })
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| Error::io("registering sockets with tokio", e))?;
        let task = rt.spawn(run(service, fds));
        Ok(Mdns {
            handle,
            task: Some(task),
        })
    }

    /// Registers a service. Probing goes on in the background; the registration's
    /// events tell how it ends.
    pub async fn register(&self, info: ServiceInfo) -> Result<Registration, Error> {
        Ok(Registration {
            inner: self.handle.register(info).wait_async().await?,
        })
    }

    /// Browses a service type (a subtype if it has one): found and removed instances.
    pub async fn browse(&self, service_type: &ServiceType) -> Result<Browser, Error> {
        Ok(Events(
            self.handle.browse(service_type, false).wait_async().await?,
        ))
    }

    /// Browses and resolves: found and removed instances, plus resolved and updated
    /// details of each (resolving stops when the instance is removed).
    pub async fn browse_resolving(&self, service_type: &ServiceType) -> Result<Browser, Error> {
        Ok(Events(
            self.handle.browse(service_type, true).wait_async().await?,
        ))
    }

    /// Resolves one instance to host, port, TXT and addresses.
    pub async fn resolve(
        &self,
        instance: &InstanceName,
        service_type: &ServiceType,
        timeout: Duration,
    ) -> Result<ResolvedService, Error> {
        self.handle
            .resolve(instance, service_type, timeout)
            .wait_async()
            .await
    }

    /// A host's addresses: once the first is known plus any that arrive within 100 ms
    /// after it; [`Error::Timeout`] if none comes within `timeout`.
    pub async fn lookup_host(&self, host: &Name, timeout: Duration) -> Result<Vec<IpAddr>, Error> {
        self.handle.lookup_host(host, timeout).wait_async().await
    }

    /// Watches a host's addresses come and go.
    pub async fn watch_host(&self, host: &Name) -> Result<HostWatcher, Error> {
        Ok(Events(self.handle.watch_host(host).wait_async().await?))
    }

    /// Enumerates the service types on the network.
    pub async fn service_types(&self) -> Result<TypeBrowser, Error> {
        Ok(Events(self.handle.service_types().wait_async().await?))
    }

    /// A one-shot query: answers until the engine's collection time is over, then the
    /// stream ends.
    pub async fn query(&self, name: &Name, rtype: Rtype) -> Result<QueryAnswers, Error> {
        Ok(Events(self.handle.query(name, rtype).wait_async().await?))
    }

    /// The interfaces mDNS runs on now.
    pub async fn interfaces(&self) -> Result<Vec<InterfaceInfo>, Error> {
        self.handle.interfaces().wait_async().await
    }

    /// A handle that stops this instance from another thread or a signal handler.
    pub fn stopper(&self) -> Stopper {
        self.handle.stopper()
    }

    /// Sends every goodbye, stops everything, and returns once the goodbyes are out.
    pub async fn shutdown(&self) -> Result<(), Error> {
        self.handle.shutdown().wait_async().await
    }

    /// Waits until the service task has ended (after [`shutdown`](Self::shutdown) or a
    /// [`Stopper`]) and returns how its loop ended.
    pub async fn wait(&mut self) -> Result<(), Error> {
        match self.task.take() {
            Some(t) => t.await.unwrap_or(Err(Error::Shutdown)),
            None => Ok(()),
        }
    }
}

impl Drop for Mdns {
    fn drop(&mut self) {
        // The task finishes the goodbyes on its own.
        let _ = self.handle.shutdown();
    }
}

/// The service loop: step, then wait for a readable fd, the held transmit's socket,
/// or the deadline.
async fn run(mut service: Service, fds: Vec<AsyncFd<Fd>>) -> Result<(), Error> {
    let r = loop {
        let next = match service.step() {
            Ok(Some(n)) => n,
            Ok(None) => break Ok(()),
            Err(e) => {
                tracing::error!(error = %e, "mDNS service loop failed");
                break Err(e);
            }
        };
        let writable = next.writable.and_then(|id| service.source_fd(id));
        let mut sleep = next
            .deadline
            .map(|d| Box::pin(tokio::time::sleep_until(tokio::time::Instant::from_std(d))));
        poll_fn(|cx| {
            let mut ready = false;
            for fd in &fds {
                // Poll every fd, so that each registers the waker.
                if let Poll::Ready(r) = fd.poll_read_ready(cx) {
                    if let Ok(mut g) = r {
                        g.clear_ready();
                    }
                    ready = true;
                }
                if Some(fd.get_ref().0) == writable {
                    if let Poll::Ready(r) = fd.poll_write_ready(cx) {
                        if let Ok(mut g) = r {
                            g.clear_ready();
                        }
                        ready = true;
                    }
                }
            }
            if let Some(s) = sleep.as_mut() {
                ready |= std::future::Future::poll(s.as_mut(), cx).is_ready();
            }
            if ready {
                Poll::Ready(())
            } else {
                Poll::Pending
            }
        })
        .await;
    };
    // Deregister before the service closes the fds.
    drop(fds);
    drop(service);
    r
}

/// A stream of events ([`futures_core::Stream`]). Dropping it stops the operation.
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
    /// The next event. [`Error::Closed`]: the operation has ended;
    /// [`Error::Shutdown`]: the service has stopped.
    pub async fn next_event(&self) -> Result<E, Error> {
        self.0.recv_async().await
    }

    /// The next event if one is queued.
    pub fn try_next(&self) -> Option<E> {
        self.0.try_recv()
    }
}

impl<E: 'static> Stream for Events<E> {
    type Item = E;
    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<E>> {
        Pin::new(&mut self.0).poll_next(cx)
    }
}

/// A registered service. Dropping it unregisters it (goodbyes go out in the
/// background); [`unregister`](Self::unregister) waits until they are out. Its events
/// are a [`Stream`] too.
#[derive(Debug)]
pub struct Registration {
    inner: mdns_net::service::Registration,
}

impl Registration {
    /// The name it has now (changes after a conflict).
    pub fn name(&self) -> InstanceName {
        self.inner.name()
    }

    /// The next event.
    pub async fn next_event(&self) -> Result<RegistrationEvent, Error> {
        self.inner.events().recv_async().await
    }

    /// Replaces the TXT record.
    pub async fn update_txt(&self, txt: Txt) -> Result<(), Error> {
        self.inner.update_txt(txt).wait_async().await
    }

    /// Withdraws the service; returns once its goodbyes are out.
    pub async fn unregister(self) -> Result<(), Error> {
        self.inner.unregister().wait_async().await
    }
}

impl Stream for Registration {
    type Item = RegistrationEvent;
    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        Pin::new(self.inner.events_mut()).poll_next(cx)
    }
}
