//! The application side: [`Handle`] sends commands to the service loop; [`Pending`],
//! [`Starting`], [`Subscription`] and [`Registration`] receive what comes back. Every
//! receiving type offers a blocking wait, a wait with a timeout, and an async wait
//! (flume channels are runtime-agnostic), so the adapters only wrap them.

use std::net::IpAddr;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

use flume::{Receiver, RecvTimeoutError, Sender};
use mdns_proto::engine::{AnswerRecord, InterfaceId};
use mdns_proto::sd::{InstanceName, ServiceType, Txt};
use mdns_proto::wire::Rtype;
use mdns_proto::Name;

use super::events::{BrowseEvent, HostEvent, RegistrationEvent, ResolvedService, TypeEvent};
use super::{Error, ServiceInfo};
use crate::iface::ActiveInterface;
use crate::poll::Waker;

pub(crate) type SubId = u64;
pub(crate) type Ack = Sender<Result<(), Error>>;

/// An interface in use, as [`Handle::interfaces`] reports it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InterfaceInfo {
    /// OS index.
    pub id: InterfaceId,
    /// Its name and usable addresses.
    pub interface: ActiveInterface,
}

/// A request to the service loop.
pub(crate) enum Command {
    Browse {
        id: SubId,
        ty: ServiceType,
        resolving: bool,
        events: Sender<BrowseEvent>,
        ack: Ack,
    },
    Resolve {
        id: SubId,
        instance: Name,
        timeout: Duration,
        reply: Sender<Result<ResolvedService, Error>>,
    },
    LookupHost {
        id: SubId,
        host: Name,
        timeout: Duration,
        reply: Sender<Result<Vec<IpAddr>, Error>>,
    },
    WatchHost {
        id: SubId,
        host: Name,
        events: Sender<HostEvent>,
        ack: Ack,
    },
    Types {
        id: SubId,
        events: Sender<TypeEvent>,
        ack: Ack,
    },
    Query {
        id: SubId,
        name: Name,
        rtype: Rtype,
        events: Sender<AnswerRecord>,
        ack: Ack,
    },
    /// Stops a subscription (a registration: unregisters without waiting).
    Stop {
        id: SubId,
    },
    Register {
        id: SubId,
        info: ServiceInfo,
        events: Sender<RegistrationEvent>,
        name: Arc<Mutex<InstanceName>>,
        ack: Ack,
    },
    UpdateTxt {
        id: SubId,
        txt: Txt,
        ack: Ack,
    },
    Unregister {
        id: SubId,
        done: Ack,
    },
    Interfaces {
        reply: Sender<Result<Vec<InterfaceInfo>, Error>>,
    },
    Shutdown {
        done: Ack,
    },
}

/// State shared between the handles and the loop.
#[derive(Debug, Default)]
pub(crate) struct Shared {
    /// A stop was requested through a [`Stopper`] (async-signal-safe flag).
    pub stop: AtomicBool,
    /// The loop has finished: subscriptions end with [`Error::Shutdown`].
    pub stopped: AtomicBool,
}

/// Sends commands to a running service loop. Cheap to clone; every adapter's `Mdns`
/// wraps one.
#[derive(Clone, Debug)]
pub struct Handle {
    tx: Sender<Command>,
    waker: Waker,
    shared: Arc<Shared>,
    next_id: Arc<AtomicU64>,
}

impl Handle {
    pub(crate) fn new(tx: Sender<Command>, waker: Waker, shared: Arc<Shared>) -> Self {
        Handle {
            tx,
            waker,
            shared,
            next_id: Arc::new(AtomicU64::new(1)),
        }
    }

    fn id(&self) -> SubId {
        self.next_id.fetch_add(1, Ordering::Relaxed)
    }

    /// Sends a command and wakes the loop. A stopped loop drops the command, and with
    /// it its reply channel, so the waiting side sees [`Error::Shutdown`].
    fn send(&self, c: Command) {
        if self.tx.send(c).is_ok() {
            self.waker.wake();
        }
    }

    /// True once the service loop has finished.
    pub fn is_stopped(&self) -> bool {
        self.shared.stopped.load(Ordering::Acquire)
    }

    fn subscription<E: 'static>(&self, id: SubId, rx: Receiver<E>) -> Subscription<E> {
        Subscription {
            id,
            stream: rx.clone().into_stream(),
            rx,
            handle: self.clone(),
        }
    }

    /// Browses `ty` (a subtype if it has one). With `resolving`, every instance found
    /// is also resolved until it is removed.
    pub fn browse(&self, ty: &ServiceType, resolving: bool) -> Starting<Subscription<BrowseEvent>> {
        let id = self.id();
        let (events, rx) = flume::unbounded();
        let (ack, ack_rx) = flume::bounded(1);
        self.send(Command::Browse {
            id,
            ty: ty.clone(),
            resolving,
            events,
            ack,
        });
        Starting {
            value: self.subscription(id, rx),
            ack: ack_rx,
        }
    }

    /// Resolves one instance: the first complete answer with both IPv4 and IPv6
    /// addresses, else the latest complete answer [`ANSWER_LINGER`](super::ANSWER_LINGER)
    /// after the first one, or [`Error::Timeout`] if none comes in `timeout`.
    pub fn resolve(
        &self,
        instance: &InstanceName,
        ty: &ServiceType,
        timeout: Duration,
    ) -> Pending<ResolvedService> {
        let (reply, rx) = flume::bounded(1);
        self.send(Command::Resolve {
            id: self.id(),
            instance: instance.full_name(ty),
            timeout,
            reply,
        });
        Pending::new(rx)
    }

    /// Looks up a host's addresses: returns once the first is known plus whatever
    /// arrives in the next [`ANSWER_LINGER`](super::ANSWER_LINGER) (1.1 s), or [`Error::Timeout`] if none comes in `timeout`.
    pub fn lookup_host(&self, host: &Name, timeout: Duration) -> Pending<Vec<IpAddr>> {
        let (reply, rx) = flume::bounded(1);
        self.send(Command::LookupHost {
            id: self.id(),
            host: host.clone(),
            timeout,
            reply,
        });
        Pending::new(rx)
    }

    /// Watches a host's addresses come and go.
    pub fn watch_host(&self, host: &Name) -> Starting<Subscription<HostEvent>> {
        let id = self.id();
        let (events, rx) = flume::unbounded();
        let (ack, ack_rx) = flume::bounded(1);
        self.send(Command::WatchHost {
            id,
            host: host.clone(),
            events,
            ack,
        });
        Starting {
            value: self.subscription(id, rx),
            ack: ack_rx,
        }
    }

    /// Enumerates service types on the network (RFC 6763 §9).
    pub fn service_types(&self) -> Starting<Subscription<TypeEvent>> {
        let id = self.id();
        let (events, rx) = flume::unbounded();
        let (ack, ack_rx) = flume::bounded(1);
        self.send(Command::Types { id, events, ack });
        Starting {
            value: self.subscription(id, rx),
            ack: ack_rx,
        }
    }

    /// One one-shot query (RFC 6762 §5.1): every answering record until the engine's
    /// collection time is over, then the stream ends.
    pub fn query(&self, name: &Name, rtype: Rtype) -> Starting<Subscription<AnswerRecord>> {
        let id = self.id();
        let (events, rx) = flume::unbounded();
        let (ack, ack_rx) = flume::bounded(1);
        self.send(Command::Query {
            id,
            name: name.clone(),
            rtype,
            events,
            ack,
        });
        Starting {
            value: self.subscription(id, rx),
            ack: ack_rx,
        }
    }

    /// Registers a service; events tell how probing goes.
    pub fn register(&self, info: ServiceInfo) -> Starting<Registration> {
        let id = self.id();
        let (events, rx) = flume::unbounded();
        let (ack, ack_rx) = flume::bounded(1);
        let name = Arc::new(Mutex::new(info.instance.clone()));
        self.send(Command::Register {
            id,
            info,
            events,
            name: name.clone(),
            ack,
        });
        Starting {
            value: Registration {
                sub: self.subscription(id, rx),
                name,
            },
            ack: ack_rx,
        }
    }

    /// The interfaces mDNS runs on now.
    pub fn interfaces(&self) -> Pending<Vec<InterfaceInfo>> {
        let (reply, rx) = flume::bounded(1);
        self.send(Command::Interfaces { reply });
        Pending::new(rx)
    }

    /// Sends every goodbye, stops every operation and ends the loop; completes once
    /// the goodbyes are out. Completes at once if the loop has already stopped.
    pub fn shutdown(&self) -> Pending<()> {
        let (done, rx) = flume::bounded(1);
        self.send(Command::Shutdown { done });
        Pending {
            rx,
            on_shutdown: Some(|| ()),
        }
    }

    /// A handle that asks the loop to shut down, usable from a signal handler.
    pub fn stopper(&self) -> Stopper {
        Stopper {
            waker: self.waker.clone(),
            shared: self.shared.clone(),
        }
    }
}

/// Asks a service loop to shut down (as [`Handle::shutdown`], without waiting).
/// [`stop`](Self::stop) only stores to an atomic flag and writes to an eventfd, both
/// async-signal-safe, so it may be called from a signal handler as well as from any
/// thread. Subscriptions then end with [`Error::Shutdown`] once the goodbyes are out.
#[derive(Clone, Debug)]
pub struct Stopper {
    waker: Waker,
    shared: Arc<Shared>,
}

impl Stopper {
    /// Requests the shutdown.
    pub fn stop(&self) {
        self.shared.stop.store(true, Ordering::Release);
        self.waker.wake();
    }

    /// True once the loop has finished.
    pub fn is_stopped(&self) -> bool {
        self.shared.stopped.load(Ordering::Acquire)
    }
}

fn recv_timeout_error(e: RecvTimeoutError) -> Error {
    match e {
        RecvTimeoutError::Timeout => Error::Timeout,
        RecvTimeoutError::Disconnected => Error::Shutdown,
    }
}

/// The reply to a request, not yet received.
#[derive(Debug)]
#[must_use = "a request's outcome is only known by waiting for it"]
pub struct Pending<T> {
    rx: Receiver<Result<T, Error>>,
    /// For a shutdown request: the value that a stopped loop stands for (stopped by
    /// this or another request, it is a success).
    on_shutdown: Option<fn() -> T>,
}

impl<T> Pending<T> {
    fn new(rx: Receiver<Result<T, Error>>) -> Self {
        Pending {
            rx,
            on_shutdown: None,
        }
    }

    /// Blocks until the reply comes.
    pub fn wait(self) -> Result<T, Error> {
        let r = self.rx.recv().unwrap_or(Err(Error::Shutdown));
        self.finish(r)
    }

    /// Blocks until the reply comes or `timeout` passes ([`Error::Timeout`]).
    pub fn wait_timeout(self, timeout: Duration) -> Result<T, Error> {
        let r = self
            .rx
            .recv_timeout(timeout)
            .map_err(recv_timeout_error)
            .and_then(|r| r);
        self.finish(r)
    }

    /// Waits for the reply in any async runtime.
    pub async fn wait_async(self) -> Result<T, Error> {
        let r = self.rx.recv_async().await.unwrap_or(Err(Error::Shutdown));
        self.finish(r)
    }

    fn finish(&self, r: Result<T, Error>) -> Result<T, Error> {
        match r {
            Err(Error::Shutdown) => self.on_shutdown.map(|f| f()).ok_or(Error::Shutdown),
            r => r,
        }
    }
}

/// An operation that was sent to the loop and whose start is not yet confirmed.
#[derive(Debug)]
#[must_use = "an operation's start is only confirmed by waiting for it"]
pub struct Starting<T> {
    value: T,
    ack: Receiver<Result<(), Error>>,
}

impl<T> Starting<T> {
    /// Blocks until the loop has started it.
    pub fn wait(self) -> Result<T, Error> {
        self.ack.recv().unwrap_or(Err(Error::Shutdown))?;
        Ok(self.value)
    }

    /// Waits in any async runtime until the loop has started it.
    pub async fn wait_async(self) -> Result<T, Error> {
        self.ack
            .recv_async()
            .await
            .unwrap_or(Err(Error::Shutdown))?;
        Ok(self.value)
    }
}

/// A stream of events of one operation (browse, host watch, type enumeration,
/// one-shot query, registration). Dropping it stops the operation.
#[derive(Debug)]
pub struct Subscription<E: 'static> {
    id: SubId,
    rx: Receiver<E>,
    stream: flume::r#async::RecvStream<'static, E>,
    handle: Handle,
}

impl<E: 'static> Subscription<E> {
    fn ended(&self) -> Error {
        if self.handle.is_stopped() {
            Error::Shutdown
        } else {
            Error::Closed
        }
    }

    /// Blocks until the next event. Errors: [`Error::Closed`] when the operation has
    /// ended, [`Error::Shutdown`] when the service has stopped.
    pub fn recv(&self) -> Result<E, Error> {
        self.rx.recv().map_err(|_| self.ended())
    }

    /// Blocks until the next event or `timeout` ([`Error::Timeout`]).
    pub fn recv_timeout(&self, timeout: Duration) -> Result<E, Error> {
        self.rx.recv_timeout(timeout).map_err(|e| match e {
            RecvTimeoutError::Timeout => Error::Timeout,
            RecvTimeoutError::Disconnected => self.ended(),
        })
    }

    /// The next event if one is queued.
    pub fn try_recv(&self) -> Option<E> {
        self.rx.try_recv().ok()
    }

    /// Waits for the next event in any async runtime.
    pub async fn recv_async(&self) -> Result<E, Error> {
        self.rx.recv_async().await.map_err(|_| self.ended())
    }

    /// The service handle it belongs to.
    pub fn handle(&self) -> &Handle {
        &self.handle
    }
}

impl<E: 'static> Iterator for &Subscription<E> {
    type Item = E;
    /// Blocks for the next event; `None` once the operation or the service has ended.
    fn next(&mut self) -> Option<E> {
        self.rx.recv().ok()
    }
}

impl<E: 'static> futures_core::Stream for Subscription<E> {
    type Item = E;
    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<E>> {
        Pin::new(&mut self.stream).poll_next(cx)
    }
}

impl<E: 'static> Drop for Subscription<E> {
    fn drop(&mut self) {
        if !self.handle.is_stopped() {
            self.handle.send(Command::Stop { id: self.id });
        }
    }
}

/// A registered service. Dropping it unregisters it (goodbyes are sent without
/// waiting); [`unregister`](Self::unregister) waits until they are out.
#[derive(Debug)]
pub struct Registration {
    sub: Subscription<RegistrationEvent>,
    name: Arc<Mutex<InstanceName>>,
}

impl Registration {
    /// The name it is published under now (it changes after a conflict).
    pub fn name(&self) -> InstanceName {
        self.name.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// Its events.
    pub fn events(&self) -> &Subscription<RegistrationEvent> {
        &self.sub
    }

    /// Its events, mutably (to poll it as a `Stream`).
    pub fn events_mut(&mut self) -> &mut Subscription<RegistrationEvent> {
        &mut self.sub
    }

    /// Replaces its TXT record (announced at once, RFC 6762 §8.4).
    pub fn update_txt(&self, txt: Txt) -> Pending<()> {
        let (ack, rx) = flume::bounded(1);
        self.sub.handle.send(Command::UpdateTxt {
            id: self.sub.id,
            txt,
            ack,
        });
        Pending::new(rx)
    }

    /// Withdraws it; completes when its goodbyes are out.
    pub fn unregister(self) -> Pending<()> {
        let (done, rx) = flume::bounded(1);
        self.sub.handle.send(Command::Unregister {
            id: self.sub.id,
            done,
        });
        Pending::new(rx)
    }
}
