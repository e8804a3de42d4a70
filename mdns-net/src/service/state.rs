//! [`Service`]: the loop state every adapter runs. It owns the [`Driver`] and its
//! [`Engine`], takes [`Command`]s from the channel, and after every step drains
//! `Engine::poll_event` and routes each event to the subscriber of its query or
//! registration. It also keeps the few timers of its own (resolve and lookup
//! timeouts, the 1.1 s answer linger of resolve and lookup, the shutdown bound) and folds them into the
//! deadline it returns.

use std::collections::{BTreeSet, HashMap};
use std::net::IpAddr;
use std::os::fd::{AsFd, AsRawFd, RawFd};
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Duration, Instant as StdInstant};

use std::sync::Mutex;

use flume::{Receiver, Sender, TryRecvError};
use mdns_proto::engine::responder::{HostRegistration, ServiceRegistration};
use mdns_proto::engine::{AnswerRecord, Event, QueryId, RegistrationId};
use mdns_proto::sd::{InstanceName, ServiceType};
use mdns_proto::{Engine, Name};

use super::events::{BrowseEvent, HostEvent, RegistrationEvent, ResolvedService, TypeEvent};
use super::handle::{Ack, Command, Handle, InterfaceInfo, Shared, SubId};
use super::info::ServiceInfo;
use super::{Error, MdnsConfig};
use crate::driver::{Config as DriverConfig, Driver, Next, SourceId};
use crate::poll::Waker;

/// True if another socket already holds UDP port 5353 on this host: a bind without
/// SO_REUSEADDR / SO_REUSEPORT fails (the test RFC 6762 §15.1 suggests).
fn port_5353_shared() -> bool {
    matches!(
        std::net::UdpSocket::bind((std::net::Ipv4Addr::UNSPECIFIED, mdns_proto::engine::MDNS_PORT)),
        Err(e) if e.kind() == std::io::ErrorKind::AddrInUse
    )
}

/// How long `resolve` and `lookup_host` keep collecting after their first answer.
///
/// Responders answer a query on IPv4 and on IPv6 separately, and Avahi by default
/// puts only AAAA records in its IPv6 answers: the first complete answer often has the
/// addresses of one family only. The other family's answer can be held back by the
/// responder's once-a-second multicast limit (RFC 6762 §6), so the wait is just over a
/// second. `resolve` returns sooner once it has both families.
pub const ANSWER_LINGER: Duration = Duration::from_millis(1100);
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
        /// The latest complete answer, returned when `linger` passes.
        best: Option<ResolvedService>,
        linger: Option<StdInstant>,
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
    /// A published service, and the host name registration it points at.
    Registration {
        reg: RegistrationId,
        host: Name,
        events: Sender<RegistrationEvent>,
        name: Arc<Mutex<InstanceName>>,
    },
}

impl Sub {
    fn timer(&self) -> Option<StdInstant> {
        match self {
            Sub::Resolve {
                deadline, linger, ..
            }
            | Sub::Lookup {
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
            Sub::Registration { .. } => Vec::new(),
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
    /// Engine registration → the subscription of the service it publishes.
    regs: HashMap<RegistrationId, SubId>,
    /// Host names published for services: registration and how many services use it.
    hosts: HashMap<Name, (RegistrationId, usize)>,
    /// Registrations whose goodbyes are going out, with whoever waits for them.
    leaving: HashMap<RegistrationId, Vec<Ack>>,
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
        if port_5353_shared() {
            // RFC 6762 §15.1: another mDNS socket holds the port, so a unicast reply to
            // it would reach only one of us: ask for multicast replies only.
            tracing::debug!("port 5353 already in use on this host: not asking for QU replies");
            engine_config.request_unicast_responses = false;
        }
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
                regs: HashMap::new(),
                hosts: HashMap::new(),
                leaving: HashMap::new(),
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
                                best: None,
                                linger: None,
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
            Command::Register {
                id,
                info,
                events,
                name,
                ack,
            } => {
                tracing::debug!(instance = %info.instance, ty = %info.service_type, "register");
                let r = self.register(id, info, events, name);
                let _ = ack.send(r);
            }
            Command::UpdateTxt { id, txt, ack } => {
                let r = match self.subs.get(&id) {
                    Some(Sub::Registration { reg, .. }) => self
                        .driver
                        .core_mut()
                        .update_txt(now, *reg, txt)
                        .map_err(|e| Error::Engine(e.to_string())),
                    _ => Err(Error::Closed),
                };
                self.touched = true;
                let _ = ack.send(r);
            }
            Command::Unregister { id, done } => match self.subs.get(&id) {
                Some(Sub::Registration { reg, .. }) => {
                    let reg = *reg;
                    self.stop(id);
                    // Answered when the engine reports the goodbyes are out.
                    self.leaving.entry(reg).or_default().push(done);
                }
                _ => {
                    self.stop(id);
                    let _ = done.send(Ok(()));
                }
            },
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

    /// Publishes a service, and the host name it points at if no other service of
    /// ours published it yet.
    fn register(
        &mut self,
        id: SubId,
        info: ServiceInfo,
        events: Sender<RegistrationEvent>,
        name: Arc<Mutex<InstanceName>>,
    ) -> Result<(), Error> {
        let now = self.now();
        let host = info.host.clone().unwrap_or_else(|| self.host_name.clone());
        if !self.hosts.contains_key(&host) {
            let reg = HostRegistration::builder(host.clone())
                .build()
                .and_then(|h| self.driver.core_mut().register_host(now, h))
                .map_err(Error::Register)?;
            self.hosts.insert(host.clone(), (reg, 0));
        }
        // Counted now, so that a refused service gives back only its own use of the
        // host name (not the one of a service already published on it).
        if let Some(h) = self.hosts.get_mut(&host) {
            h.1 += 1;
        }
        let mut builder = ServiceRegistration::builder(info.instance, info.service_type)
            .port(info.port)
            .host(host.clone())
            .txt(info.txt);
        for sub in &info.subtypes {
            builder = builder.subtype(sub);
        }
        let registered = builder
            .build()
            .and_then(|s| self.driver.core_mut().register_service(now, s));
        let reg = match registered {
            Ok(reg) => reg,
            Err(e) => {
                self.release_host(&host);
                return Err(Error::Register(e));
            }
        };
        self.regs.insert(reg, id);
        self.subs.insert(
            id,
            Sub::Registration {
                reg,
                host,
                events,
                name,
            },
        );
        self.touched = true;
        Ok(())
    }

    /// A service stopped using `host`: the last one takes the host name down too.
    fn release_host(&mut self, host: &Name) {
        let Some((reg, users)) = self.hosts.get_mut(host) else {
            return;
        };
        *users = users.saturating_sub(1);
        if *users == 0 {
            let reg = *reg;
            self.hosts.remove(host);
            let now = self.now();
            let _ = self.driver.core_mut().unregister(now, reg);
            self.leaving.entry(reg).or_default();
        }
    }

    /// Ends a subscription and every engine query it runs; a registration is
    /// withdrawn with goodbyes (RFC 6762 §10.1).
    fn stop(&mut self, id: SubId) {
        let Some(sub) = self.subs.remove(&id) else {
            return;
        };
        for q in sub.queries() {
            self.queries.remove(&q);
            self.driver.core_mut().stop_query(q);
        }
        if let Sub::Registration { reg, host, .. } = sub {
            self.regs.remove(&reg);
            let now = self.now();
            if self.driver.core_mut().unregister(now, reg).is_ok() {
                self.leaving.entry(reg).or_default();
            }
            self.release_host(&host);
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
        // Goodbyes for whatever is left (RFC 6762 §10.1); `goodbyes_done` waits for
        // the engine's Unregistered events.
        let now = self.now();
        self.driver.core_mut().shutdown(now);
        self.touched = true;
        self.shutting_down = Some(ShuttingDown {
            waiters: done.into_iter().collect(),
            until: StdInstant::now() + SHUTDOWN_BOUND,
        });
    }

    fn goodbyes_done(&self) -> bool {
        self.leaving.is_empty()
    }

    /// The loop is over: subscriptions see Shutdown, shutdown waiters are told.
    fn finish(&mut self) {
        self.shared.stopped.store(true, Ordering::Release);
        self.subs.clear();
        self.queries.clear();
        for (_, waiters) in self.leaving.drain() {
            for w in waiters {
                let _ = w.send(Ok(()));
            }
        }
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
            Event::ProbingStarted { .. }
            | Event::Registered { .. }
            | Event::Renamed { .. }
            | Event::RegistrationFailed { .. }
            | Event::Unregistered { .. } => return self.route_registration(ev),
            // An event of a later version of the core: nobody here waits for it.
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
            (
                Sub::Resolve {
                    reply,
                    best,
                    linger,
                    ..
                },
                Event::ServiceResolved { service, .. } | Event::ServiceUpdated { service, .. },
            ) => {
                if let Some(s) = ResolvedService::from_engine(service) {
                    let v4 = s.addresses.iter().any(|(a, _)| a.is_ipv4());
                    let v6 = s.addresses.iter().any(|(a, _)| a.is_ipv6());
                    if v4 && v6 {
                        let _ = reply.send(Ok(s));
                        done = true;
                    } else {
                        *best = Some(s);
                        linger.get_or_insert(StdInstant::now() + ANSWER_LINGER);
                    }
                }
            }
            (Sub::Lookup { addrs, linger, .. }, Event::HostAddressAdded { addr, .. }) => {
                if !addrs.contains(&addr) {
                    addrs.push(addr);
                }
                if linger.is_none() {
                    *linger = Some(StdInstant::now() + ANSWER_LINGER);
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

    /// Registration events, routed by registration.
    fn route_registration(&mut self, ev: Event) {
        let label = |name: &Name| InstanceName::split(name).ok().map(|(i, _)| i);
        let (reg, out) = match ev {
            Event::Unregistered { id } => {
                for w in self.leaving.remove(&id).unwrap_or_default() {
                    let _ = w.send(Ok(()));
                }
                return;
            }
            Event::ProbingStarted { id, name } => (
                id,
                label(&name).map(|name| RegistrationEvent::Probing { name }),
            ),
            Event::Registered { id, name } => {
                tracing::info!(%name, "registered");
                (
                    id,
                    label(&name).map(|name| RegistrationEvent::Registered { name }),
                )
            }
            Event::Renamed { id, from, to } => {
                tracing::info!(%from, %to, "renamed after a conflict");
                let out = match (label(&from), label(&to)) {
                    (Some(from), Some(to)) => Some(RegistrationEvent::Renamed { from, to }),
                    _ => None,
                };
                (id, out)
            }
            Event::RegistrationFailed { id, reason } => {
                tracing::warn!(registration = id.0, %reason, "registration failed");
                (id, Some(RegistrationEvent::Failed(reason.to_string())))
            }
            _ => return,
        };
        // Host name registrations have no subscriber; their renames show in the SRV.
        let Some(&sub) = self.regs.get(&reg) else {
            return;
        };
        let Some(Sub::Registration { events, name, .. }) = self.subs.get(&sub) else {
            return;
        };
        let Some(out) = out else { return };
        match &out {
            RegistrationEvent::Registered { name: n }
            | RegistrationEvent::Renamed { to: n, .. } => {
                *name.lock().unwrap_or_else(|p| p.into_inner()) = n.clone();
            }
            _ => {}
        }
        let failed = matches!(out, RegistrationEvent::Failed(_));
        if events.send(out).is_err() || failed {
            self.stop(sub);
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
                Some(Sub::Resolve { reply, best, .. }) => {
                    let _ = reply.send(best.take().ok_or(Error::Timeout));
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
