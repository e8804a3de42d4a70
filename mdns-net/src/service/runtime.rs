//! The one async service loop, for runtimes that can wait on file descriptors (unix):
//! an adapter implements [`Reactor`] (register a descriptor, poll it for readiness,
//! sleep until an instant) and spawns [`AsyncLoop::run`]. This is the only place where
//! the service's descriptors are handed to a runtime; everything else in the service
//! is portable. A runtime without descriptor readiness (or a platform without
//! descriptors) runs [`Service::spawn_thread`] instead: the API is channel-based, so
//! its `Handle` works the same from any runtime.

use std::future::{poll_fn, Future};
use std::io;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, RawFd};
use std::pin::Pin;
use std::task::{Context, Poll};

use super::{Error, Service};
use crate::driver::SourceId;

/// One of the service's file descriptors, handed to [`Reactor::register`]. It stays
/// open for as long as the [`AsyncLoop`] that made it exists: the loop drops every
/// registration before it drops the service that owns the descriptors.
#[derive(Debug)]
pub struct SourceFd(RawFd);

impl AsRawFd for SourceFd {
    fn as_raw_fd(&self) -> RawFd {
        self.0
    }
}

impl AsFd for SourceFd {
    fn as_fd(&self) -> BorrowedFd<'_> {
        // SAFETY: the descriptor belongs to the service, which `AsyncLoop::run` drops
        // only after every registration holding a `SourceFd` (see the type's doc), so
        // it is open for this borrow's life.
        unsafe { BorrowedFd::borrow_raw(self.0) }
    }
}

/// What an async runtime gives the service loop: readiness of file descriptors and a
/// timer. tokio implements it with `AsyncFd` and `sleep_until`, async-io with `Async`
/// and `Timer`.
pub trait Reactor {
    /// A descriptor registered with the runtime's reactor.
    type Source;
    /// A timer future; its output is ignored.
    type Sleep: Future;
    /// Registers one of the service's descriptors for readability and writability.
    fn register(&self, fd: SourceFd) -> io::Result<Self::Source>;
    /// Ready when `source` is readable (readiness is cleared: the loop reads until it
    /// would block).
    fn poll_readable(&self, source: &Self::Source, cx: &mut Context<'_>) -> Poll<()>;
    /// Ready when `source` is writable (readiness is cleared).
    fn poll_writable(&self, source: &Self::Source, cx: &mut Context<'_>) -> Poll<()>;
    /// A timer that fires at `deadline`.
    fn sleep_until(&self, deadline: std::time::Instant) -> Self::Sleep;
}

/// The service loop on an async runtime: step the service, then wait until one of its
/// descriptors is ready or its deadline passes. The unicast DNS backend's descriptors
/// come and go (TCP connections); after every step the loop registers the new ones and
/// drops the registrations of those gone, which the service keeps open until its next
/// step for that reason.
pub struct AsyncLoop<R: Reactor> {
    service: Service,
    reactor: R,
    /// Registered descriptors: the source's name (`None`: the waker), its descriptor,
    /// its registration.
    sources: Vec<(Option<SourceId>, RawFd, R::Source)>,
}

impl<R: Reactor> std::fmt::Debug for AsyncLoop<R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AsyncLoop")
            .field("service", &self.service)
            .field("sources", &self.sources.len())
            .finish_non_exhaustive()
    }
}

impl<R: Reactor> AsyncLoop<R> {
    /// Registers every descriptor the service has now (its sockets, its interface
    /// watcher and its waker) with `reactor`.
    pub fn new(service: Service, reactor: R) -> Result<Self, Error> {
        let mut l = AsyncLoop {
            service,
            reactor,
            sources: Vec::new(),
        };
        l.sync()
            .map_err(|e| Error::io("registering the service's sockets with the runtime", e))?;
        Ok(l)
    }

    /// The descriptors the service waits on now, named.
    fn wanted(&self) -> Vec<(Option<SourceId>, RawFd)> {
        self.service
            .sources()
            .into_iter()
            .map(|(id, fd)| (Some(id), fd.as_raw_fd()))
            .chain(std::iter::once((
                None,
                self.service.waker_source().as_raw_fd(),
            )))
            .collect()
    }

    /// Drops the registrations of descriptors gone (still open: the service closes
    /// them at its next step), then registers the new ones.
    fn sync(&mut self) -> io::Result<()> {
        let want = self.wanted();
        self.sources
            .retain(|(id, fd, _)| want.contains(&(*id, *fd)));
        for (id, fd) in want {
            if self.sources.iter().any(|(i, f, _)| (*i, *f) == (id, fd)) {
                continue;
            }
            let source = self.reactor.register(SourceFd(fd))?;
            self.sources.push((id, fd, source));
        }
        Ok(())
    }

    /// Runs until the service has shut down; returns how its loop ended.
    pub async fn run(mut self) -> Result<(), Error> {
        let r = loop {
            let wait = match self.service.step() {
                Ok(Some(w)) => w,
                Ok(None) => break Ok(()),
                Err(e) => {
                    tracing::error!(error = %e, "mDNS service loop failed");
                    break Err(e);
                }
            };
            if let Err(e) = self.sync() {
                // That descriptor is not waited on; what it serves (a DNS connection)
                // is retried on its timer.
                tracing::warn!(error = %e, "registering a socket with the runtime failed");
            }
            let mut sleep = wait.deadline.map(|d| Box::pin(self.reactor.sleep_until(d)));
            let (reactor, sources) = (&self.reactor, &self.sources);
            poll_fn(|cx| {
                let mut ready = false;
                for (id, _, source) in sources {
                    // Poll every source, so that each registers the waker.
                    ready |= reactor.poll_readable(source, cx).is_ready();
                    if id.is_some_and(|id| wait.writable.contains(&id)) {
                        ready |= reactor.poll_writable(source, cx).is_ready();
                    }
                }
                if let Some(s) = sleep.as_mut() {
                    ready |= Pin::as_mut(s).poll(cx).is_ready();
                }
                if ready {
                    Poll::Ready(())
                } else {
                    Poll::Pending
                }
            })
            .await;
        };
        // Deregister before the service closes the descriptors.
        let AsyncLoop {
            service, sources, ..
        } = self;
        drop(sources);
        drop(service);
        r
    }
}
