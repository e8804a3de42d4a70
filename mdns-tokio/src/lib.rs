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
use std::os::fd::{AsRawFd, RawFd};
use std::task::Poll;

use mdns_net::service::Service;
use tokio::io::unix::AsyncFd;
use tokio::io::Interest;

pub use mdns_net::service::{
    default_host_name, host_name, AsyncMdns, AsyncRegistration as Registration, BrowseEvent,
    Browser, Error, Events, HostEvent, HostWatcher, InterfaceInfo, MdnsConfig, QueryAnswers,
    RegistrationEvent, ResolvedService, ServiceInfo, ServiceInfoBuilder, Stopper, TypeBrowser,
    TypeEvent,
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
    api: AsyncMdns,
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
            api: AsyncMdns::new(handle),
            task: Some(task),
        })
    }

    /// Waits until the service task has ended (after [`shutdown`](AsyncMdns::shutdown) or a
    /// [`Stopper`]) and returns how its loop ended.
    pub async fn wait(&mut self) -> Result<(), Error> {
        match self.task.take() {
            Some(t) => t.await.unwrap_or(Err(Error::Shutdown)),
            None => Ok(()),
        }
    }
}

/// Every operation ([`AsyncMdns`]: register, browse, resolve, …) is an `async fn` of
/// the shared async API.
impl std::ops::Deref for Mdns {
    type Target = AsyncMdns;
    fn deref(&self) -> &AsyncMdns {
        &self.api
    }
}

impl Drop for Mdns {
    fn drop(&mut self) {
        // The task finishes the goodbyes on its own.
        let _ = self.api.handle().shutdown();
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
