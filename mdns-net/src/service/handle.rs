//! [`Handle`]: the one API of a running mDNS service, shared by every adapter (their
//! `Mdns` dereferences to it). Every operation is a command on the loop's channel;
//! its answer is a [`Reply`] (wait on it, or await it) and a stream of events is a
//! [`Subscription`]. Also the [`Stopper`] a signal handler may use.

use std::net::IpAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use flume::Sender;
use mdns_sansio::engine::{AnswerRecord, InterfaceId};
use mdns_sansio::sd::{InstanceName, ServiceType, Txt};
use mdns_sansio::wire::Rtype;
use mdns_sansio::Name;
use mdns_sansio_client::{
    BrowseEvent, DomainEvent, Event, HostEvent, RegistrationEvent, Request, ResolvedService,
    ServiceInfo, SubscriptionId, TypeEvent,
};

use super::reply::Reply;
use super::subscription::{Registration, Subscription};
use super::Error;
use crate::iface::ActiveInterface;
use crate::poll::Waker;

pub(crate) type Ack = Sender<Result<(), Error>>;
/// Hands one event of a subscription to its receiver; false once nobody listens.
pub(crate) type Sink = Box<dyn FnMut(Event) -> bool + Send>;
/// Tells the caller how starting a subscription went.
pub(crate) type Started = Box<dyn FnOnce(Result<SubscriptionId, Error>) + Send>;

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
    Subscribe {
        request: Box<Request>,
        sink: Sink,
        started: Started,
    },
    /// Ends a subscription (a registration: goodbyes, without waiting).
    Stop {
        id: SubscriptionId,
    },
    UpdateTxt {
        id: SubscriptionId,
        txt: Txt,
        ack: Ack,
    },
    Unregister {
        id: SubscriptionId,
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

/// The operations of a running mDNS service. Cheap to clone; every adapter's `Mdns`
/// dereferences to it. Each operation returns a [`Reply`]: `.wait()` blocks for it,
/// `.await` waits in any async runtime.
///
/// ```no_run
/// # fn f(mdns: &mdns_net::service::Handle) -> Result<(), mdns_net::service::Error> {
/// use mdns_sansio::ServiceType;
/// let browser = mdns.browse_resolving(&ServiceType::new("_http._tcp")?).wait()?;
/// for event in &browser {
///     println!("{event:?}");
/// }
/// # Ok(()) }
/// ```
#[derive(Clone, Debug)]
pub struct Handle {
    tx: Sender<Command>,
    waker: Waker,
    pub(crate) shared: Arc<Shared>,
}

impl Handle {
    pub(crate) fn new(tx: Sender<Command>, waker: Waker, shared: Arc<Shared>) -> Self {
        Handle { tx, waker, shared }
    }

    /// Sends a command and wakes the loop. A stopped loop drops the command, and with
    /// it its reply channel, so the waiting side sees [`Error::Shutdown`].
    pub(crate) fn send(&self, c: Command) {
        if self.tx.send(c).is_ok() {
            self.waker.wake();
        }
    }

    /// True once the service loop has finished.
    pub fn is_stopped(&self) -> bool {
        self.shared.stopped.load(Ordering::Acquire)
    }

    /// Any request, as a stream of the client layer's raw [`Event`]s (for requests
    /// the typed methods below do not cover, like a browse in another domain).
    pub fn subscribe(&self, request: Request) -> Reply<Subscription<Event>> {
        self.stream(request, Some)
    }

    /// Starts a subscription whose events `map` turns into `E` (others are dropped).
    fn stream<E: Send + 'static>(
        &self,
        request: Request,
        map: fn(Event) -> Option<E>,
    ) -> Reply<Subscription<E>> {
        let (tx, rx) = flume::unbounded();
        let (reply, reply_rx) = flume::bounded(1);
        let handle = self.clone();
        self.send(Command::Subscribe {
            request: Box::new(request),
            sink: Box::new(move |e| match map(e) {
                Some(e) => tx.send(e).is_ok(),
                None => !tx.is_disconnected(),
            }),
            started: Box::new(move |r| {
                let _ = reply.send(r.map(|id| Subscription::new(id, rx, handle)));
            }),
        });
        Reply::new(reply_rx)
    }

    /// A one-shot request whose one final event `map` turns into the reply.
    fn once<T: Send + 'static>(
        &self,
        request: Request,
        map: fn(Event) -> Option<Result<T, mdns_sansio_client::Error>>,
    ) -> Reply<T> {
        let (reply, rx) = flume::bounded(1);
        let on_error = reply.clone();
        self.send(Command::Subscribe {
            request: Box::new(request),
            sink: Box::new(move |e| match map(e) {
                Some(r) => reply.send(r.map_err(Error::from)).is_ok(),
                None => !reply.is_disconnected(),
            }),
            started: Box::new(move |r| {
                if let Err(e) = r {
                    let _ = on_error.send(Err(e));
                }
            }),
        });
        Reply::new(rx)
    }

    /// Browses `ty` (a subtype if it has one) in `local.`: found and removed
    /// instances.
    pub fn browse(&self, ty: &ServiceType) -> Reply<Browser> {
        self.stream(Request::browse(ty.clone()), browse_event)
    }

    /// Browses and resolves in `local.`: found and removed instances, plus resolved and
    /// updated details of each (resolving stops when the instance is removed).
    pub fn browse_resolving(&self, ty: &ServiceType) -> Reply<Browser> {
        self.stream(Request::browse_resolving(ty.clone()), browse_event)
    }

    /// Browses `ty` in `domain`: `local.` is multicast DNS, any other domain is asked
    /// of its DNS servers (unicast DNS-SD, RFC 6763), with the same events (their
    /// interface is [`UNICAST_DNS`](mdns_sansio_client::UNICAST_DNS)) and, when the servers
    /// fail, [`BrowseEvent::ServerError`] (the browse goes on asking).
    pub fn browse_in(&self, ty: &ServiceType, domain: &Name) -> Reply<Browser> {
        self.stream(
            Request::browse_in(ty.clone(), domain.clone(), false),
            browse_event,
        )
    }

    /// Browses and resolves `ty` in `domain` (see [`browse_in`](Self::browse_in)).
    pub fn browse_resolving_in(&self, ty: &ServiceType, domain: &Name) -> Reply<Browser> {
        self.stream(
            Request::browse_in(ty.clone(), domain.clone(), true),
            browse_event,
        )
    }

    /// Resolves one instance in `local.`: the first complete answer with both IPv4 and
    /// IPv6 addresses, else the latest complete answer
    /// [`ANSWER_LINGER`](mdns_sansio_client::ANSWER_LINGER) after the first one, or
    /// [`Error::Timeout`] if none comes in `timeout`.
    pub fn resolve(
        &self,
        instance: &InstanceName,
        ty: &ServiceType,
        timeout: Duration,
    ) -> Reply<ResolvedService> {
        self.resolve_in(instance, ty, &mdns_sansio_client::local_domain(), timeout)
    }

    /// Resolves one instance in `domain` (`local.`: see [`resolve`](Self::resolve)).
    /// In a unicast domain: the first complete answer (SRV, TXT and the target's
    /// addresses), or [`Error::Unicast`] when the zone says the instance does not
    /// exist or its servers do not answer, or [`Error::Timeout`].
    pub fn resolve_in(
        &self,
        instance: &InstanceName,
        ty: &ServiceType,
        domain: &Name,
        timeout: Duration,
    ) -> Reply<ResolvedService> {
        let request = Request::resolve_in(instance.clone(), ty.clone(), domain.clone(), timeout);
        self.once(request, |e| match e {
            Event::Resolved(r) => Some(r),
            _ => None,
        })
    }

    /// Looks up a host's addresses: once the first is known plus whatever arrives in
    /// the next [`ANSWER_LINGER`](mdns_sansio_client::ANSWER_LINGER) (1.1 s), or
    /// [`Error::Timeout`] if none comes in `timeout`.
    pub fn lookup_host(&self, host: &Name, timeout: Duration) -> Reply<Vec<IpAddr>> {
        self.once(Request::lookup_host(host.clone(), timeout), |e| match e {
            Event::HostAddresses(r) => Some(r),
            _ => None,
        })
    }

    /// Watches a host's addresses come and go.
    pub fn watch_host(&self, host: &Name) -> Reply<HostWatcher> {
        self.stream(Request::watch_host(host.clone()), |e| match e {
            Event::Host(h) => Some(h),
            _ => None,
        })
    }

    /// Enumerates service types on the network (RFC 6763 §9).
    pub fn service_types(&self) -> Reply<TypeBrowser> {
        self.service_types_in(&mdns_sansio_client::local_domain())
    }

    /// Enumerates service types in `domain` (RFC 6763 §9; a unicast domain reads its
    /// `_services._dns-sd._udp` PTR records).
    pub fn service_types_in(&self, domain: &Name) -> Reply<TypeBrowser> {
        self.stream(Request::service_types_in(domain.clone()), |e| match e {
            Event::ServiceType(t) => Some(t),
            _ => None,
        })
    }

    /// Enumerates browse and registration domains (RFC 6763 §11) under `base`, or,
    /// with `None`, under the search domains and the reverse-mapping domains of the
    /// host's networks; served by unicast DNS.
    pub fn browse_domains(&self, base: Option<&Name>) -> Reply<DomainBrowser> {
        self.stream(Request::browse_domains(base.cloned()), |e| match e {
            Event::Domain(d) => Some(d),
            _ => None,
        })
    }

    /// One one-shot query (RFC 6762 §5.1): every answering record until the engine's
    /// collection time is over, then the stream ends.
    pub fn query(&self, name: &Name, rtype: Rtype) -> Reply<QueryAnswers> {
        self.stream(Request::query(name.clone(), rtype), |e| match e {
            Event::Answer(a) => Some(a),
            _ => None,
        })
    }

    /// Registers a service; its events tell how probing goes. In a unicast domain
    /// ([`ServiceInfo::domain`], set with the builder's `domain`) it is published with
    /// a DNS UPDATE (signed with the domain's TSIG key), kept by lease refreshes, and
    /// deleted on unregistration and shutdown; a refusal or a silent server is a
    /// [`RegistrationEvent::ServerError`] (the update is sent again).
    pub fn register(&self, info: ServiceInfo) -> Reply<Registration> {
        let name = Arc::new(Mutex::new(info.instance.clone()));
        let (tx, rx) = flume::unbounded();
        let (reply, reply_rx) = flume::bounded(1);
        let handle = self.clone();
        let current = name.clone();
        self.send(Command::Subscribe {
            request: Box::new(Request::register(info)),
            sink: Box::new(move |e| {
                let Event::Registration(e) = e else {
                    return !tx.is_disconnected();
                };
                if let RegistrationEvent::Registered { name: n }
                | RegistrationEvent::Renamed { to: n, .. } = &e
                {
                    *current.lock().unwrap_or_else(|p| p.into_inner()) = n.clone();
                }
                tx.send(e).is_ok()
            }),
            started: Box::new(move |r| {
                let _ = reply
                    .send(r.map(|id| Registration::new(Subscription::new(id, rx, handle), name)));
            }),
        });
        Reply::new(reply_rx)
    }

    /// The interfaces mDNS runs on now.
    pub fn interfaces(&self) -> Reply<Vec<InterfaceInfo>> {
        let (reply, rx) = flume::bounded(1);
        self.send(Command::Interfaces { reply });
        Reply::new(rx)
    }

    /// Sends every goodbye, stops every operation and ends the loop; completes once
    /// the goodbyes are out. Completes at once if the loop has already stopped.
    pub fn shutdown(&self) -> Reply<()> {
        let (done, rx) = flume::bounded(1);
        self.send(Command::Shutdown { done });
        Reply::ok_on_shutdown(rx, || ())
    }

    /// A handle that asks the loop to shut down, usable from a signal handler.
    pub fn stopper(&self) -> Stopper {
        Stopper {
            waker: self.waker.clone(),
            shared: self.shared.clone(),
        }
    }
}

fn browse_event(e: Event) -> Option<BrowseEvent> {
    match e {
        Event::Browse(b) => Some(b),
        _ => None,
    }
}

/// Events of a browse.
pub type Browser = Subscription<BrowseEvent>;
/// Events of a host watch.
pub type HostWatcher = Subscription<HostEvent>;
/// Events of service type enumeration.
pub type TypeBrowser = Subscription<TypeEvent>;
/// Events of domain enumeration.
pub type DomainBrowser = Subscription<DomainEvent>;
/// Answers of a one-shot query.
pub type QueryAnswers = Subscription<AnswerRecord>;

/// Asks a service loop to shut down (as [`Handle::shutdown`], without waiting).
/// [`stop`](Self::stop) only stores to an atomic flag and wakes the loop (an eventfd
/// write), both async-signal-safe, so it may be called from a signal handler as well
/// as from any thread. Subscriptions then end with [`Error::Shutdown`] once the
/// goodbyes are out.
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
