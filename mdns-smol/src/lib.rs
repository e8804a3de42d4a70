//! # mdns-smol
//!
//! Multicast DNS and DNS-SD (RFC 6762 / RFC 6763) on smol / async-io. [`Mdns::new`]
//! spawns one task on smol's global executor that runs the shared `mdns-net` service
//! loop, waiting with `async_io::Async` on its sockets and an `async_io::Timer` for
//! its next deadline; everything else is an `async fn` or a
//! [`futures_core::Stream`]. The futures work in any executor (they only need the
//! async-io reactor, which runs by itself).
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
//! [`Mdns::new`] opens the sockets in the calling thread's network namespace. Diagnostics go to `tracing` (nothing is printed unless
//! the application installs a subscriber).
#![warn(missing_docs)]

use std::future::{poll_fn, Future};
use std::os::fd::{AsFd, BorrowedFd, RawFd};
use std::pin::Pin;
use std::task::Poll;

use async_io::{Async, Timer};
use mdns_net::service::Service;

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
    task: Option<smol::Task<Result<(), Error>>>,
}

/// A raw fd owned by the `Service`, which outlives the `Async` registering it.
#[derive(Debug)]
struct Fd(RawFd);

impl AsFd for Fd {
    fn as_fd(&self) -> BorrowedFd<'_> {
        // SAFETY: the fd belongs to the service, which `run` drops only after every
        // `Async<Fd>` (and so every borrow), so it is open for this borrow's life.
        unsafe { BorrowedFd::borrow_raw(self.0) }
    }
}

impl Mdns {
    /// Opens the sockets and spawns the service task on smol's global executor.
    pub fn new(config: MdnsConfig) -> Result<Mdns, Error> {
        let (service, handle) = Service::open(config)?;
        let fds = service
            .read_fds()
            .into_iter()
            .map(|fd| Async::new_nonblocking(Fd(fd)))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| Error::io("registering sockets with async-io", e))?;
        let task = smol::spawn(run(service, fds));
        Ok(Mdns {
            api: AsyncMdns::new(handle),
            task: Some(task),
        })
    }

    /// Waits until the service task has ended (after [`shutdown`](AsyncMdns::shutdown) or a
    /// [`Stopper`]) and returns how its loop ended.
    pub async fn wait(&mut self) -> Result<(), Error> {
        match self.task.take() {
            Some(t) => t.await,
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
        if let Some(t) = self.task.take() {
            t.detach();
        }
    }
}

/// The service loop: step, then wait for a readable fd, the held transmit's socket,
/// or the deadline.
async fn run(mut service: Service, fds: Vec<Async<Fd>>) -> Result<(), Error> {
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
        let mut timer = next.deadline.map(Timer::at);
        poll_fn(|cx| {
            let mut ready = false;
            for fd in &fds {
                // Poll every fd, so that each registers the waker.
                ready |= fd.poll_readable(cx).is_ready();
                if Some(fd.get_ref().0) == writable {
                    ready |= fd.poll_writable(cx).is_ready();
                }
            }
            if let Some(t) = timer.as_mut() {
                ready |= Pin::new(t).poll(cx).is_ready();
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
