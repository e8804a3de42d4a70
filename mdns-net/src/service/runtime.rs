//! The one async service loop, for runtimes that can wait on the service's readiness
//! handles (file descriptors on unix, `SOCKET`s on Windows): an adapter implements
//! [`Reactor`] (register a handle, poll it for readiness, sleep until an instant) and
//! spawns [`AsyncLoop::run`]. This is the only place where the service's handles are
//! handed to a runtime; everything else in the service is portable. A runtime that
//! cannot wait on them (tokio on Windows: no `AsyncFd` there) runs
//! [`Service::spawn_thread`] instead: the API is channel-based, so its `Handle` works
//! the same from any runtime.

use std::future::{poll_fn, Future};
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};

use super::{Error, Service};
use crate::driver::SourceId;
use crate::sys::{raw_source, AsSource, BorrowedSource, RawSource};

/// One of the service's readiness handles (a file descriptor on unix, `AsFd`; a
/// `SOCKET` on Windows, `AsSocket`), handed to [`Reactor::register`]. It stays open
/// for as long as the [`AsyncLoop`] that made it exists: the loop drops every
/// registration before it drops the service that owns the handles.
#[derive(Debug)]
pub struct SourceHandle(RawSource);

impl AsSource for SourceHandle {
    fn as_source(&self) -> BorrowedSource<'_> {
        // SAFETY: the handle belongs to the service, which `AsyncLoop::run` drops only
        // after every registration holding a `SourceHandle` (see the type's doc), so it
        // is open for this borrow's life. (`BorrowedFd` on unix, `BorrowedSocket` on
        // Windows: the same `borrow_raw`.)
        unsafe { BorrowedSource::borrow_raw(self.0) }
    }
}

#[cfg(unix)]
impl std::os::fd::AsRawFd for SourceHandle {
    fn as_raw_fd(&self) -> std::os::fd::RawFd {
        self.0
    }
}

#[cfg(unix)]
impl std::os::fd::AsFd for SourceHandle {
    fn as_fd(&self) -> std::os::fd::BorrowedFd<'_> {
        self.as_source()
    }
}

#[cfg(windows)]
impl std::os::windows::io::AsRawSocket for SourceHandle {
    fn as_raw_socket(&self) -> std::os::windows::io::RawSocket {
        self.0
    }
}

#[cfg(windows)]
impl std::os::windows::io::AsSocket for SourceHandle {
    fn as_socket(&self) -> std::os::windows::io::BorrowedSocket<'_> {
        self.as_source()
    }
}

/// What an async runtime gives the service loop: readiness of the service's handles
/// and a timer. tokio implements it (unix) with `AsyncFd` and `sleep_until`, async-io
/// (unix and Windows) with `Async` and `Timer`.
pub trait Reactor {
    /// A handle registered with the runtime's reactor.
    type Source;
    /// A timer future; its output is ignored.
    type Sleep: Future;
    /// Registers one of the service's handles for readability and writability.
    fn register(&self, handle: SourceHandle) -> io::Result<Self::Source>;
    /// Ready when `source` is readable (readiness is cleared: the loop reads until it
    /// would block).
    fn poll_readable(&self, source: &Self::Source, cx: &mut Context<'_>) -> Poll<()>;
    /// Ready when `source` is writable (readiness is cleared).
    fn poll_writable(&self, source: &Self::Source, cx: &mut Context<'_>) -> Poll<()>;
    /// A timer that fires at `deadline`.
    fn sleep_until(&self, deadline: std::time::Instant) -> Self::Sleep;
}

/// The service loop on an async runtime: step the service, then wait until one of its
/// handles is ready or its deadline passes. The unicast DNS backend's handles come and
/// go (TCP connections); after every step the loop registers the new ones and drops
/// the registrations of those gone, which the service keeps open until its next step
/// for that reason.
pub struct AsyncLoop<R: Reactor> {
    service: Service,
    reactor: R,
    /// Registered handles: the source's name (`None`: the waker), its raw handle, its
    /// registration.
    sources: Vec<(Option<SourceId>, RawSource, R::Source)>,
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
    /// Registers every handle the service has now (its sockets, its interface watcher
    /// and its waker) with `reactor`.
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

    /// The handles the service waits on now, named.
    fn wanted(&self) -> Vec<(Option<SourceId>, RawSource)> {
        self.service
            .sources()
            .into_iter()
            .map(|(id, s)| (Some(id), raw_source(s)))
            .chain(std::iter::once((
                None,
                raw_source(self.service.waker_source()),
            )))
            .collect()
    }

    /// Drops the registrations of handles gone (still open: the service closes
    /// them at its next step), then registers the new ones.
    fn sync(&mut self) -> io::Result<()> {
        let want = self.wanted();
        self.sources
            .retain(|(id, raw, _)| want.contains(&(*id, *raw)));
        for (id, raw) in want {
            if self.sources.iter().any(|(i, r, _)| (*i, *r) == (id, raw)) {
                continue;
            }
            let source = self.reactor.register(SourceHandle(raw))?;
            self.sources.push((id, raw, source));
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
                // That handle is not waited on; what it serves (a DNS connection)
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
        // Deregister before the service closes the handles.
        let AsyncLoop {
            service, sources, ..
        } = self;
        drop(sources);
        drop(service);
        r
    }
}
