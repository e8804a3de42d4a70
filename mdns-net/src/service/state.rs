//! [`Service`]: the loop state every adapter runs. It owns the [`Driver`] and its
//! [`Engine`], takes [`Command`]s from the channel, and after every step drains
//! `Engine::poll_event` and routes each event to the subscriber of its query or
//! registration. It also keeps the few timers of its own (resolve and lookup
//! timeouts, the 100 ms lookup linger, the shutdown bound) and folds them into the
//! deadline it returns.

use std::collections::{BTreeSet, HashMap};
use std::net::IpAddr;
use std::os::fd::{AsFd, AsRawFd, RawFd};
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Duration, Instant as StdInstant};

use flume::{Receiver, Sender, TryRecvError};
use mdns_proto::engine::{AnswerRecord, Event, QueryId};
use mdns_proto::sd::{InstanceName, ServiceType};
use mdns_proto::{Engine, Name};

use super::events::{BrowseEvent, HostEvent, ResolvedService, TypeEvent};
use super::handle::{Ack, Command, Handle, InterfaceInfo, Shared, SubId};
use super::{Error, MdnsConfig};
use crate::driver::{Config as DriverConfig, Driver, Next, SourceId};
use crate::poll::Waker;

/// How long `lookup_host` keeps collecting after the first address.
pub const LOOKUP_LINGER: Duration = Duration::from_millis(100);
/// Longest a shutdown waits for goodbyes to go out.
pub const SHUTDOWN_BOUND: Duration = Duration::from_secs(3);

/// One live subscription.
enum Sub {
    Browse {
        query: QueryId,
        events: Sender<BrowseEvent>,
        resolving: bool,
        /// Per instance: the interfaces it is seen on and its resolve, if resolving.
        instances: HashMap<Name, (BTreeSet<mdns_proto::engine::InterfaceId>, Option<QueryId>)>,
    },
    Resolve {
        query: QueryId,
        reply: Sender<Result<ResolvedService, Error>>,
        deadline: StdInstant,
    },
    Lookup {
        query: QueryId,
        reply: Sender<Result<Vec<IpAddr>, Error>>,
        deadline: StdInstant,
        addrs: Vec<IpAddr>,
        linger: Option<StdInstant>,
    },
    Host {
        query: QueryId,
        events: Sender<HostEvent>,
    },
    Types {
        query: QueryId,
        events: Sender<TypeEvent>,
    },
    Query {
        query: QueryId,
        events: Sender<AnswerRecord>,
    },
}

impl Sub {
    fn timer(&self) -> Option<StdInstant> {
        match self {
            Sub::Resolve { deadline, .. } => Some(*deadline),
            Sub::Lookup {
                deadline, linger, ..
            } => Some(linger.map_or(*deadline, |l| l.min(*deadline))),
            _ => None,
        }
    }

    /// Every engine query it runs.
    fn queries(&self) -> Vec<QueryId> {
        match self {
            Sub::Browse {
                query, instances, ..
            } => std::iter::once(*query)
                .chain(instances.values().filter_map(|(_, r)| *r))
                .collect(),
            Sub::Resolve { query, .. }
            | Sub::Lookup { query, .. }
            | Sub::Host { query, .. }
            | Sub::Types { query, .. }
            | Sub::Query { query, .. } => vec![*query],
        }
    }
}

struct ShuttingDown {
    waiters: Vec<Ack>,
    until: StdInstant,
}

/// The service loop's state. Adapters call [`step`](Self::step) whenever one of
/// [`read_fds`](Self::read_fds) is readable, the fd of [`Next::writable`] is writable,
/// or [`Next::deadline`] has passed, until it returns `Ok(None)`.
pub struct Service {
    driver: Driver<Engine>,
    rx: Receiver<Command>,
    waker: Waker,
    shared: Arc<Shared>,
    host_name: Name,
    subs: HashMap<SubId, Sub>,
    /// Engine query → (subscription, the instance if it is a resolving browse's resolve).
    queries: HashMap<QueryId, (SubId, Option<Name>)>,
    shutting_down: Option<ShuttingDown>,
    /// Set when routing changed the engine, so the driver must run again.
    touched: bool,
}

impl std::fmt::Debug for Service {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Service")
            .field("driver", &self.driver)
            .field("host_name", &self.host_name)
            .field("subscriptions", &self.subs.len())
            .finish_non_exhaustive()
    }
}

impl Service {
    /// Opens the sockets and the interface watcher in the calling thread's network
    /// namespace and makes the engine. The loop does nothing until stepped.
    pub fn open(config: MdnsConfig) -> Result<(Service, Handle), Error> {
        if !config.ipv4 && !config.ipv6 {
            return Err(Error::NoUsableInterface);
        }
        let host_name = config.resolved_host_name()?;
        let mut engine_config = config.engine.clone();
        engine_config.seed = config.resolved_seed();
        let engine = Engine::new(engine_config);
        let driver = Driver::new(
            engine,
            DriverConfig {
                interfaces: config.interface_config(),
                ephemeral: true,
            },
        )
        .map_err(|e| Error::io("opening mDNS sockets and the interface watcher", e))?;
        if !config.interfaces.is_empty() && driver.interfaces().is_empty() {
            return Err(Error::NoUsableInterface);
        }
        if driver.interfaces().is_empty() {
            tracing::info!("no usable interface yet; waiting for one to come up");
        }
        let waker = Waker::new().map_err(|e| Error::io("creating an eventfd", e))?;
        let shared = Arc::new(Shared::default());
        let (tx, rx) = flume::unbounded();
        let handle = Handle::new(tx, waker.clone(), shared.clone());
        tracing::debug!(host = %host_name, interfaces = ?driver.interfaces().keys().collect::<Vec<_>>(), "mDNS service opened");
        Ok((
            Service {
                driver,
                rx,
                waker,
                shared,
                host_name,
                subs: HashMap::new(),
                queries: HashMap::new(),
                shutting_down: None,
                touched: false,
            },
            handle,
        ))
    }

    /// The driver (sockets, interfaces, engine).
    pub fn driver(&self) -> &Driver<Engine> {
        &self.driver
    }

    /// The host name registrations use.
    pub fn host_name(&self) -> &Name {
        &self.host_name
    }

    /// Every file descriptor to wait on for readability: the driver's sources and the
    /// command waker. The set never changes; register them once.
    pub fn read_fds(&self) -> Vec<RawFd> {
        self.driver
            .sources()
            .map(|(_, fd)| fd.as_raw_fd())
            .chain(std::iter::once(self.waker.as_fd().as_raw_fd()))
            .collect()
    }

    /// The file descriptor of a driver source (for [`Next::writable`]).
    pub fn source_fd(&self, id: SourceId) -> Option<RawFd> {
        self.driver.source(id).map(|fd| fd.as_raw_fd())
    }

    /// Does all the work there is without blocking: commands, I/O, engine timers, event
    /// routing, its own timers. Returns what to wait for next, or `None` once the
    /// service has shut down (then drop it).
    pub fn step(&mut self) -> Result<Option<Next>, Error> {
        self.waker.reset();
        loop {
            match self.rx.try_recv() {
                Ok(c) => self.command(c),
                Err(TryRecvError::Empty) => break,
                Err(TryRecvError::Disconnected) => {
                    // Every handle is gone: nobody can ask for anything any more.
                    self.begin_shutdown(None);
                    break;
                }
            }
        }
        if self.shared.stop.load(Ordering::Acquire) {
            self.begin_shutdown(None);
        }
        let mut next;
        let mut rounds = 0;
        loop {
            next = match self.driver.poll_io() {
                Ok(n) => n,
                Err(e) => {
                    tracing::error!(error = %e, "interface watcher failed; stopping");
                    self.finish();
                    return Err(Error::io("watching interfaces", e));
                }
            };
            self.touched = false;
            while let Some(ev) = self.driver.core_mut().poll_event() {
                self.route(ev);
            }
            self.run_timers(StdInstant::now());
            rounds += 1;
            if !self.touched || rounds >= 8 {
                break;
            }
        }
        if let Some(sd) = &self.shutting_down {
            if self.goodbyes_done() || StdInstant::now() >= sd.until {
                self.finish();
                return Ok(None);
            }
        }
        let timer = self
            .subs
            .values()
            .filter_map(Sub::timer)
            .chain(self.shutting_down.as_ref().map(|s| s.until))
            .min();
        let deadline = match (next.deadline, timer) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        Ok(Some(Next {
            deadline,
            writable: next.writable,
        }))
    }

    /// Blocks until [`step`](Self::step) has work (`poll(2)` over the fds, the
    /// waker and the deadline): the blocking adapter's wait.
    pub fn wait_blocking(&self, next: &Next) -> Result<(), Error> {
        self.driver
            .wait_blocking(next, Some(&self.waker))
            .map_err(|e| Error::io("waiting in poll(2)", e))
    }

    /// The blocking loop: step, wait, until shut down.
    pub fn run_blocking(mut self) -> Result<(), Error> {
        while let Some(next) = self.step()? {
            self.wait_blocking(&next)?;
        }
        Ok(())
    }

    // --- commands ---

    fn now(&self) -> mdns_proto::Instant {
        self.driver.clock().now()
    }

    fn command(&mut self, c: Command) {
        if self.shutting_down.is_some() {
            // Dropping the command drops its reply channel: the caller sees Shutdown.
            if let Command::Shutdown { done } = c {
                if let Some(sd) = &mut self.shutting_down {
                    sd.waiters.push(done);
                }
            }
            return;
        }
        let now = self.now();
        match c {
            Command::Browse {
                id,
                ty,
                resolving,
                events,
                ack,
            } => {
                tracing::debug!(%ty, resolving, "browse");
                match self.driver.core_mut().browse(now, &ty) {
                    Ok(query) => {
                        self.queries.insert(query, (id, None));
                        self.subs.insert(
                            id,
                            Sub::Browse {
                                query,
                                events,
                                resolving,
                                instances: HashMap::new(),
                            },
                        );
                        let _ = ack.send(Ok(()));
                    }
                    Err(e) => {
                        let _ = ack.send(Err(e.into()));
                    }
                }
            }
            Command::Resolve {
                id,
                instance,
                timeout,
                reply,
            } => {
                tracing::debug!(%instance, "resolve");
                match self.driver.core_mut().resolve(now, &instance) {
                    Ok(query) => {
                        self.queries.insert(query, (id, None));
                        self.subs.insert(
                            id,
                            Sub::Resolve {
                                query,
                                reply,
                                deadline: StdInstant::now() + timeout,
                            },
                        );
                    }
                    Err(e) => {
                        let _ = reply.send(Err(e.into()));
                    }
                }
            }
            Command::LookupHost {
                id,
                host,
                timeout,
                reply,
            } => {
                tracing::debug!(%host, "lookup host");
                match self.driver.core_mut().lookup_host(now, &host) {
                    Ok(query) => {
                        self.queries.insert(query, (id, None));
                        self.subs.insert(
                            id,
                            Sub::Lookup {
                                query,
                                reply,
                                deadline: StdInstant::now() + timeout,
                                addrs: Vec::new(),
                                linger: None,
                            },
                        );
                    }
                    Err(e) => {
                        let _ = reply.send(Err(e.into()));
                    }
                }
            }
            Command::WatchHost {
                id,
                host,
                events,
                ack,
            } => {
                tracing::debug!(%host, "watch host");
                let r = self.driver.core_mut().lookup_host(now, &host);
                self.start(id, r, ack, |query| Sub::Host { query, events });
            }
            Command::Types { id, events, ack } => {
                tracing::debug!("enumerate service types");
                let r = self.driver.core_mut().browse_types(now);
                self.start(id, r, ack, |query| Sub::Types { query, events });
            }
            Command::Query {
                id,
                name,
                rtype,
                events,
                ack,
            } => {
                tracing::debug!(%name, ?rtype, "one-shot query");
                let r = self.driver.core_mut().query_once(now, &name, rtype);
                self.start(id, r, ack, |query| Sub::Query { query, events });
            }
            Command::Stop { id } => self.stop(id),
            Command::Register { ack, .. } | Command::UpdateTxt { ack, .. } => {
                // TODO(responder): wire Engine::register_service / update_txt once the
                // responder lands in mdns-proto.
                let _ = ack.send(Err(Error::Engine(
                    "registration is not available: the engine has no responder yet".into(),
                )));
            }
            Command::Unregister { id, done } => {
                self.stop(id);
                let _ = done.send(Ok(()));
            }
            Command::Interfaces { reply } => {
                let list = self
                    .driver
                    .interfaces()
                    .iter()
                    .map(|(id, i)| InterfaceInfo {
                        id: *id,
                        interface: i.clone(),
                    })
                    .collect();
                let _ = reply.send(Ok(list));
            }
            Command::Shutdown { done } => self.begin_shutdown(Some(done)),
        }
    }

    fn start(
        &mut self,
        id: SubId,
        r: Result<QueryId, mdns_proto::engine::QueryError>,
        ack: Ack,
        make: impl FnOnce(QueryId) -> Sub,
    ) {
        match r {
            Ok(query) => {
                self.queries.insert(query, (id, None));
                self.subs.insert(id, make(query));
                let _ = ack.send(Ok(()));
            }
            Err(e) => {
                let _ = ack.send(Err(e.into()));
            }
        }
    }

    /// Ends a subscription and every engine query it runs.
    fn stop(&mut self, id: SubId) {
        let Some(sub) = self.subs.remove(&id) else {
            return;
        };
        for q in sub.queries() {
            self.queries.remove(&q);
            self.driver.core_mut().stop_query(q);
        }
        self.touched = true;
    }

    fn begin_shutdown(&mut self, done: Option<Ack>) {
        if let Some(sd) = &mut self.shutting_down {
            sd.waiters.extend(done);
            return;
        }
        tracing::debug!("shutting down");
        let ids: Vec<SubId> = self.subs.keys().copied().collect();
        for id in ids {
            self.stop(id);
        }
        // TODO(responder): Engine::shutdown (goodbyes for every registration) once the
        // responder lands; `goodbyes_done` then waits for its Unregistered events.
        self.shutting_down = Some(ShuttingDown {
            waiters: done.into_iter().collect(),
            until: StdInstant::now() + SHUTDOWN_BOUND,
        });
    }

    fn goodbyes_done(&self) -> bool {
        true
    }

    /// The loop is over: subscriptions see Shutdown, shutdown waiters are told.
    fn finish(&mut self) {
        self.shared.stopped.store(true, Ordering::Release);
        self.subs.clear();
        self.queries.clear();
        if let Some(sd) = self.shutting_down.take() {
            for w in sd.waiters {
                let _ = w.send(Ok(()));
            }
        }
        tracing::debug!("mDNS service stopped");
    }

    // --- events ---

    fn route(&mut self, ev: Event) {
        tracing::trace!(?ev, "engine event");
        let query = match &ev {
            Event::ServiceFound { query, .. }
            | Event::ServiceRemoved { query, .. }
            | Event::ServiceResolved { query, .. }
            | Event::ServiceUpdated { query, .. }
            | Event::ServiceLost { query, .. }
            | Event::HostAddressAdded { query, .. }
            | Event::HostAddressRemoved { query, .. }
            | Event::ServiceTypeFound { query, .. }
            | Event::ServiceTypeRemoved { query, .. }
            | Event::QueryAnswer { query, .. }
            | Event::QueryDone { query } => *query,
            // TODO(responder): registration events, routed by RegistrationId.
            _ => return,
        };
        let Some((id, of_instance)) = self.queries.get(&query).cloned() else {
            return;
        };
        let now = self.now();
        let mut dead = false;
        let mut done = false;
        let mut start_resolve: Option<Name> = None;
        let mut stop_resolve: Option<QueryId> = None;
        let Some(sub) = self.subs.get_mut(&id) else {
            return;
        };
        match (sub, ev) {
            (
                Sub::Browse {
                    events,
                    resolving,
                    instances,
                    ..
                },
                ev,
            ) => match ev {
                Event::ServiceFound {
                    instance,
                    interface,
                    ..
                } => {
                    let Ok((name, ty)) = InstanceName::split(&instance) else {
                        tracing::debug!(%instance, "not a service instance name, ignored");
                        return;
                    };
                    let entry = instances.entry(instance.clone()).or_default();
                    if entry.0.is_empty() && *resolving && entry.1.is_none() {
                        start_resolve = Some(instance);
                    }
                    entry.0.insert(interface);
                    dead = events
                        .send(BrowseEvent::Found {
                            instance: name,
                            service_type: ty,
                            interface,
                        })
                        .is_err();
                }
                Event::ServiceRemoved {
                    instance,
                    interface,
                    ..
                } => {
                    if let Some(entry) = instances.get_mut(&instance) {
                        entry.0.remove(&interface);
                        if entry.0.is_empty() {
                            stop_resolve = entry.1;
                            instances.remove(&instance);
                        }
                    }
                    let Ok((name, ty)) = InstanceName::split(&instance) else {
                        return;
                    };
                    dead = events
                        .send(BrowseEvent::Removed {
                            instance: name,
                            service_type: ty,
                            interface,
                        })
                        .is_err();
                }
                Event::ServiceResolved { service, .. } if of_instance.is_some() => {
                    if let Some(s) = ResolvedService::from_engine(service) {
                        dead = events.send(BrowseEvent::Resolved(s)).is_err();
                    }
                }
                Event::ServiceUpdated { service, .. } if of_instance.is_some() => {
                    if let Some(s) = ResolvedService::from_engine(service) {
                        dead = events.send(BrowseEvent::Updated(s)).is_err();
                    }
                }
                _ => {}
            },
            (Sub::Resolve { reply, .. }, Event::ServiceResolved { service, .. }) => {
                if let Some(s) = ResolvedService::from_engine(service) {
                    let _ = reply.send(Ok(s));
                    done = true;
                }
            }
            (Sub::Lookup { addrs, linger, .. }, Event::HostAddressAdded { addr, .. }) => {
                if !addrs.contains(&addr) {
                    addrs.push(addr);
                }
                if linger.is_none() {
                    *linger = Some(StdInstant::now() + LOOKUP_LINGER);
                }
            }
            (
                Sub::Host { events, .. },
                Event::HostAddressAdded {
                    addr, interface, ..
                },
            ) => {
                dead = events.send(HostEvent::Added(addr, interface)).is_err();
            }
            (
                Sub::Host { events, .. },
                Event::HostAddressRemoved {
                    addr, interface, ..
                },
            ) => {
                dead = events.send(HostEvent::Removed(addr, interface)).is_err();
            }
            (
                Sub::Types { events, .. },
                Event::ServiceTypeFound {
                    service_type,
                    interface,
                    ..
                },
            ) => {
                if let Ok(t) = ServiceType::from_name(&service_type) {
                    dead = events.send(TypeEvent::Found(t, interface)).is_err();
                }
            }
            (
                Sub::Types { events, .. },
                Event::ServiceTypeRemoved {
                    service_type,
                    interface,
                    ..
                },
            ) => {
                if let Ok(t) = ServiceType::from_name(&service_type) {
                    dead = events.send(TypeEvent::Removed(t, interface)).is_err();
                }
            }
            (Sub::Query { events, .. }, Event::QueryAnswer { record, .. }) => {
                dead = events.send(record).is_err();
            }
            (Sub::Query { .. }, Event::QueryDone { .. }) => done = true,
            _ => {}
        }
        if let Some(instance) = start_resolve {
            match self.driver.core_mut().resolve(now, &instance) {
                Ok(rq) => {
                    self.queries.insert(rq, (id, Some(instance.clone())));
                    if let Some(Sub::Browse { instances, .. }) = self.subs.get_mut(&id) {
                        if let Some(e) = instances.get_mut(&instance) {
                            e.1 = Some(rq);
                        }
                    }
                    self.touched = true;
                }
                Err(e) => tracing::warn!(%instance, error = %e, "could not resolve"),
            }
        }
        if let Some(rq) = stop_resolve {
            self.queries.remove(&rq);
            self.driver.core_mut().stop_query(rq);
            self.touched = true;
        }
        if dead {
            tracing::debug!(id, "subscriber gone, stopping");
        }
        if dead || done {
            self.stop(id);
        }
    }

    fn run_timers(&mut self, now: StdInstant) {
        let due: Vec<SubId> = self
            .subs
            .iter()
            .filter(|(_, s)| s.timer().is_some_and(|t| t <= now))
            .map(|(id, _)| *id)
            .collect();
        for id in due {
            match self.subs.get_mut(&id) {
                Some(Sub::Resolve { reply, .. }) => {
                    let _ = reply.send(Err(Error::Timeout));
                }
                Some(Sub::Lookup { reply, addrs, .. }) => {
                    let r = if addrs.is_empty() {
                        Err(Error::Timeout)
                    } else {
                        Ok(std::mem::take(addrs))
                    };
                    let _ = reply.send(r);
                }
                _ => continue,
            }
            self.stop(id);
        }
    }
}
