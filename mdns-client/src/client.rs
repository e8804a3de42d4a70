//! [`Client`]: the state machine. Its methods come in the engine's four kinds: getters;
//! inputs ([`handle_datagram`](Client::handle_datagram),
//! [`handle_timeout`](Client::handle_timeout), interface changes), which go to the
//! engine and then route what it reports; commands ([`subscribe`](Client::subscribe),
//! [`unsubscribe`](Client::unsubscribe), [`unregister`](Client::unregister),
//! [`update_txt`](Client::update_txt), [`shutdown`](Client::shutdown)); outputs
//! ([`poll_transmit`](Client::poll_transmit), [`poll_timeout`](Client::poll_timeout),
//! [`poll_event`](Client::poll_event)).
//!
//! Engine events are routed in `route`; host-name reference counting is at the end of
//! this file.

use alloc::collections::{BTreeMap, BTreeSet, VecDeque};
use alloc::vec::Vec;

use mdns_sansio::engine::responder::{HostRegistration, ServiceRegistration};
use mdns_sansio::engine::{IfAddr, InterfaceId, QueryId, RecvMeta, RegistrationId, Transmit};
use mdns_sansio::sd::{InstanceName, Txt};
use mdns_sansio::{Engine, Instant, Name};

use crate::addr::{in_subnet, order_addresses, HostAddresses};
use crate::backend::{Backend, NoBackend};
use crate::config::{Config, MAX_QUEUED_EVENTS};
use crate::error::Error;
use crate::event::{BrowseEvent, Event, RegistrationEvent};
use crate::id::SubscriptionId;
use crate::info::ServiceInfo;
use crate::queue::Queues;
use crate::request::Request;
use crate::subs::{Route, State, Sub};

/// Counters of things the client did not do, for diagnostics.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Stats {
    /// Instances a resolving browse found but could not resolve (the engine ran its
    /// maximum of background resolves).
    pub resolves_refused: u64,
    /// Events dropped because the application did not poll them: over a browse's
    /// [`Config::max_queued_browse_events`] or over [`MAX_QUEUED_EVENTS`] in all (see
    /// [`BrowseEvent::EventsDropped`](crate::BrowseEvent)).
    pub events_dropped: u64,
    /// Engine events dropped from the [`poll_engine_event`](Client::poll_engine_event)
    /// log because nobody polled it.
    pub engine_events_dropped: u64,
}

/// Who owns an engine registration.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum RegOwner {
    /// A registration subscription.
    Service(SubscriptionId),
    /// A host name the client published for its services.
    Host,
}

/// The client layer of one host: an mDNS [`Engine`], an optional unicast
/// [`Backend`], and the subscriptions an application made through them. Sans-IO and
/// deterministic, like the engine: the same inputs give the same transmits and events.
///
/// Drive it as the engine: after every input or command, drain
/// [`poll_transmit`](Self::poll_transmit) and [`poll_event`](Self::poll_event), then
/// wait until [`poll_timeout`](Self::poll_timeout) (or the next datagram) and call
/// [`handle_timeout`](Self::handle_timeout).
pub struct Client<B: Backend = NoBackend> {
    config: Config,
    engine: Engine,
    backend: B,
    next_id: u64,
    pub(crate) subs: BTreeMap<SubscriptionId, Sub>,
    /// Subscription timers (one-shot lingers and deadlines), earliest first.
    timers: BTreeSet<(Instant, SubscriptionId)>,
    /// Engine query → its subscription, and the instance if it is the resolve of a
    /// resolving browse.
    pub(crate) queries: BTreeMap<QueryId, (SubscriptionId, Option<Name>)>,
    /// Live engine registrations made by the client.
    pub(crate) regs: BTreeMap<RegistrationId, RegOwner>,
    /// Host names published for services: their registration and how many services
    /// point at them.
    hosts: BTreeMap<Name, (RegistrationId, usize)>,
    /// Engine registrations whose goodbyes are still going out.
    pub(crate) leaving: BTreeSet<RegistrationId>,
    events: Queues,
    engine_events: VecDeque<mdns_sansio::Event>,
    pub(crate) stats: Stats,
    /// Set by `shutdown`: until when goodbyes are waited for.
    shutdown: Option<Instant>,
    finished: bool,
}

impl<B: Backend + core::fmt::Debug> core::fmt::Debug for Client<B> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Client")
            .field("host_name", &self.config.host_name)
            .field("backend", &self.backend)
            .field("subscriptions", &self.subs.len())
            .field("leaving", &self.leaving)
            .field("shutting_down", &self.shutdown)
            .field("finished", &self.finished)
            .finish_non_exhaustive()
    }
}

impl Client<NoBackend> {
    /// A client without unicast DNS (requests outside the mDNS domains are refused
    /// with [`Error::NoBackend`]).
    pub fn new(config: Config) -> Self {
        Self::with_backend(config, NoBackend)
    }
}

impl<B: Backend> Client<B> {
    /// A client that hands requests outside the mDNS domains to `backend`.
    pub fn with_backend(config: Config, backend: B) -> Self {
        Client {
            engine: Engine::new(config.engine.clone()),
            config,
            backend,
            next_id: 1,
            subs: BTreeMap::new(),
            timers: BTreeSet::new(),
            queries: BTreeMap::new(),
            regs: BTreeMap::new(),
            hosts: BTreeMap::new(),
            leaving: BTreeSet::new(),
            events: Queues::default(),
            engine_events: VecDeque::new(),
            stats: Stats::default(),
            shutdown: None,
            finished: false,
        }
    }

    // ----- getters -----

    /// The configuration.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// The engine.
    pub fn engine(&self) -> &Engine {
        &self.engine
    }

    /// The engine, for what the client does not do itself (its own commands and
    /// counters). Events of queries and registrations made here directly are not
    /// routed to any subscription (they show only in
    /// [`poll_engine_event`](Self::poll_engine_event)); host names the client
    /// publishes for its services are its own (see the crate docs).
    pub fn engine_mut(&mut self) -> &mut Engine {
        &mut self.engine
    }

    /// The unicast backend.
    pub fn backend(&self) -> &B {
        &self.backend
    }

    /// The unicast backend, mutably. To give it input (datagrams, stream bytes, …)
    /// use [`backend_input`](Self::backend_input), which routes what it reports.
    pub fn backend_mut(&mut self) -> &mut B {
        &mut self.backend
    }

    /// The host name services point at by default.
    pub fn host_name(&self) -> &Name {
        &self.config.host_name
    }

    /// Counters.
    pub fn stats(&self) -> Stats {
        self.stats
    }

    /// How many subscriptions are running (registrations waiting for their goodbyes
    /// included).
    pub fn subscription_count(&self) -> usize {
        self.subs.len()
    }

    /// True if `id` is running: made, not ended, not unsubscribed, not unregistered.
    pub fn is_active(&self, id: SubscriptionId) -> bool {
        self.subs
            .get(&id)
            .is_some_and(|s| !matches!(s.state, State::Leaving { .. }))
    }

    /// The name a registration of the mDNS engine has now (after any renames).
    pub fn registered_name(&self, id: SubscriptionId) -> Option<&InstanceName> {
        match &self.subs.get(&id)?.state {
            State::Registration { name, .. } => Some(name),
            _ => None,
        }
    }

    /// True once [`shutdown`](Self::shutdown) was called.
    pub fn is_shutting_down(&self) -> bool {
        self.shutdown.is_some()
    }

    /// True once a shutdown is complete: every goodbye was handed out, or the
    /// [`shutdown_bound`](Config::shutdown_bound) passed. The driver may stop then.
    pub fn is_finished(&self) -> bool {
        self.finished
    }

    // ----- inputs -----

    /// A datagram arrived (see [`Engine::handle_datagram`]).
    pub fn handle_datagram(&mut self, now: Instant, meta: RecvMeta, data: &[u8]) {
        self.engine.handle_datagram(now, meta, data);
        self.pump(now);
    }

    /// Lets every timer due by `now` fire: the engine's, the backend's, the
    /// subscriptions' (one-shot lingers and timeouts) and the shutdown bound.
    pub fn handle_timeout(&mut self, now: Instant) {
        if self.engine.poll_timeout().is_some_and(|t| t <= now) {
            self.engine.handle_timeout(now);
        }
        if self.backend.poll_timeout().is_some_and(|t| t <= now) {
            self.backend.handle_timeout(now);
        }
        // Answers first: one that arrived with the timer completes the subscription.
        self.pump(now);
        self.run_timers(now);
        self.pump(now);
    }

    /// An interface came up or changed its addresses (see [`Engine::interface_up`]).
    pub fn interface_up(&mut self, now: Instant, id: InterfaceId, addrs: &[IfAddr]) {
        self.engine.interface_up(now, id, addrs);
        self.pump(now);
    }

    /// An interface went away (see [`Engine::interface_down`]).
    pub fn interface_down(&mut self, now: Instant, id: InterfaceId) {
        self.engine.interface_down(now, id);
        self.pump(now);
    }

    /// Runs `f` on the backend (its driver hands it datagrams, stream bytes, …
    /// this way), then routes whatever it reports, as after any other input.
    pub fn backend_input<R>(&mut self, now: Instant, f: impl FnOnce(&mut B, Instant) -> R) -> R {
        let r = f(&mut self.backend, now);
        self.pump(now);
        r
    }

    // ----- commands -----

    /// Starts a subscription: with the engine if the request is in an mDNS domain,
    /// else with the backend. Its events come from [`poll_event`](Self::poll_event)
    /// with the id returned.
    pub fn subscribe(&mut self, now: Instant, request: Request) -> Result<SubscriptionId, Error> {
        if self.shutdown.is_some() {
            return Err(Error::ShuttingDown);
        }
        let id = SubscriptionId(self.next_id);
        self.next_id += 1;
        let sub = if request.is_mdns() {
            Sub {
                route: Route::Mdns,
                state: self.start(now, id, &request)?,
                timer: None,
            }
        } else {
            self.backend.subscribe(now, id, &request)?;
            Sub {
                route: Route::Backend,
                state: State::backend(&request, now),
                timer: None,
            }
        };
        self.subs.insert(id, sub);
        self.sync_timer(id);
        self.pump(now);
        Ok(id)
    }

    /// Ends a subscription: no event of it is handed out any more, even one already
    /// queued. A registration is withdrawn (goodbyes, RFC 6762 §10.1) without a
    /// completion event. False if it was not running.
    pub fn unsubscribe(&mut self, now: Instant, id: SubscriptionId) -> bool {
        let ended = self.end(now, id);
        self.pump(now);
        ended
    }

    /// `unsubscribe` without routing afterwards.
    fn end(&mut self, now: Instant, id: SubscriptionId) -> bool {
        let Some(sub) = self.remove(id) else {
            return false;
        };
        self.events.remove(id);
        match (sub.route, sub.state) {
            (Route::Backend, State::Leaving { .. }) => {}
            (Route::Backend, _) => self.backend.unsubscribe(now, id),
            (Route::Mdns, State::Registration { reg, host, .. }) => {
                self.withdraw(now, reg, &host);
            }
            (Route::Mdns, _) => {}
        }
        true
    }

    /// Withdraws a registration (goodbyes, RFC 6762 §10.1) and reports
    /// [`RegistrationEvent::Unregistered`] to it once they have all been handed out
    /// (its host name's too, if it was the last service on it). Until then it gets no
    /// other event.
    pub fn unregister(&mut self, now: Instant, id: SubscriptionId) -> Result<(), Error> {
        let sub = self
            .subs
            .get_mut(&id)
            .ok_or(Error::NoSuchSubscription(id))?;
        if !sub.state.is_registration() {
            return Err(Error::NotARegistration(id));
        }
        let state = core::mem::replace(
            &mut sub.state,
            State::Leaving {
                waiting: BTreeSet::new(),
            },
        );
        self.events.remove(id);
        match state {
            State::Registration { reg, host, .. } => {
                let waiting = self.withdraw(now, reg, &host);
                if let Some(sub) = self.subs.get_mut(&id) {
                    sub.state = State::Leaving { waiting };
                }
            }
            State::Backend { .. } => self.backend.unsubscribe(now, id),
            leaving => {
                // Already leaving: nothing more to do.
                if let Some(sub) = self.subs.get_mut(&id) {
                    sub.state = leaving;
                }
            }
        }
        self.complete_leaving();
        self.pump(now);
        Ok(())
    }

    /// Replaces a registration's TXT record; the engine announces it again without
    /// probing (RFC 6762 §8.4).
    pub fn update_txt(&mut self, now: Instant, id: SubscriptionId, txt: Txt) -> Result<(), Error> {
        let sub = self.subs.get(&id).ok_or(Error::NoSuchSubscription(id))?;
        let r = match &sub.state {
            State::Registration { reg, .. } => self
                .engine
                .update_txt(now, *reg, txt)
                .map_err(Error::Registration),
            State::Backend { register: true } => self.backend.update_txt(now, id, &txt),
            State::Leaving { .. } => Err(Error::NoSuchSubscription(id)),
            _ => Err(Error::NotARegistration(id)),
        };
        self.pump(now);
        r
    }

    /// Lists registration `id` under one more subtype (`_printer`, RFC 6763 §7.1),
    /// announced at once; a no-op if it has it already.
    pub fn add_subtype(
        &mut self,
        now: Instant,
        id: SubscriptionId,
        subtype: &[u8],
    ) -> Result<(), Error> {
        let sub = self.subs.get(&id).ok_or(Error::NoSuchSubscription(id))?;
        let r = match &sub.state {
            State::Registration { reg, .. } => self
                .engine
                .add_subtype(now, *reg, subtype)
                .map_err(Error::Registration),
            State::Backend { register: true } => self.backend.add_subtype(now, id, subtype),
            State::Leaving { .. } => Err(Error::NoSuchSubscription(id)),
            _ => Err(Error::NotARegistration(id)),
        };
        self.pump(now);
        r
    }

    /// Stops listing registration `id` under a subtype: a goodbye for its PTR
    /// (RFC 6762 §10.1); a no-op if it does not have it.
    pub fn remove_subtype(
        &mut self,
        now: Instant,
        id: SubscriptionId,
        subtype: &[u8],
    ) -> Result<(), Error> {
        let sub = self.subs.get(&id).ok_or(Error::NoSuchSubscription(id))?;
        let r = match &sub.state {
            State::Registration { reg, .. } => self
                .engine
                .remove_subtype(now, *reg, subtype)
                .map_err(Error::Registration),
            State::Backend { register: true } => self.backend.remove_subtype(now, id, subtype),
            State::Leaving { .. } => Err(Error::NoSuchSubscription(id)),
            _ => Err(Error::NotARegistration(id)),
        };
        self.pump(now);
        r
    }

    /// Ends every subscription and withdraws every registration (goodbyes,
    /// RFC 6762 §10.1, the engine's own registrations included). Registrations already
    /// [`unregister`](Self::unregister)ed still get their `Unregistered` if their
    /// goodbyes go out in time. The client is [finished](Self::is_finished) once every
    /// goodbye is handed out or the [`shutdown_bound`](Config::shutdown_bound) has
    /// passed; from then on it hands out no event. New requests are refused with
    /// [`Error::ShuttingDown`].
    pub fn shutdown(&mut self, now: Instant) {
        if self.shutdown.is_some() {
            return;
        }
        self.shutdown = Some(now.saturating_add(self.config.shutdown_bound));
        let ids: Vec<SubscriptionId> = self
            .subs
            .iter()
            .filter(|(_, s)| !matches!(s.state, State::Leaving { .. }))
            .map(|(id, _)| *id)
            .collect();
        // Every withdrawal first: the shutdown is complete only once all their goodbyes
        // are out.
        for id in ids {
            self.end(now, id);
        }
        self.engine.shutdown(now);
        self.backend.shutdown(now);
        self.pump(now);
    }

    // ----- outputs -----

    /// The next datagram to send (see [`Engine::poll_transmit`]).
    #[must_use]
    pub fn poll_transmit(&mut self, now: Instant, buf: &mut [u8]) -> Option<Transmit> {
        let t = self.engine.poll_transmit(now, buf);
        // Handing out goodbyes completes unregistrations.
        self.pump(now);
        t
    }

    /// When [`handle_timeout`](Self::handle_timeout) must next be called, if ever:
    /// the earliest of the engine's, the backend's, the subscriptions' and the
    /// shutdown bound.
    #[must_use]
    pub fn poll_timeout(&self) -> Option<Instant> {
        let shutdown = self.shutdown.filter(|_| !self.finished);
        [
            self.engine.poll_timeout(),
            self.backend.poll_timeout(),
            self.timers.first().map(|(t, _)| *t),
            shutdown,
        ]
        .into_iter()
        .flatten()
        .min()
    }

    /// The next event, with the subscription it belongs to. A browse that lost events
    /// to its bound gets [`BrowseEvent::EventsDropped`](crate::BrowseEvent) before its
    /// next one (see [`Config::max_queued_browse_events`]).
    #[must_use]
    pub fn poll_event(&mut self) -> Option<(SubscriptionId, Event)> {
        self.events.pop()
    }

    /// The next event the engine reported, if [`Config::keep_engine_events`] is set:
    /// every one, routed or not, in order.
    #[must_use]
    pub fn poll_engine_event(&mut self) -> Option<mdns_sansio::Event> {
        self.engine_events.pop_front()
    }

    // ----- internals -----

    /// Starts `request` on the engine.
    fn start(
        &mut self,
        now: Instant,
        id: SubscriptionId,
        request: &Request,
    ) -> Result<State, Error> {
        let e = &mut self.engine;
        let state = match request {
            Request::Browse {
                service_type,
                resolve,
                ..
            } => State::Browse {
                query: e.browse(now, service_type)?,
                resolve: *resolve,
                instances: BTreeMap::new(),
            },
            Request::Resolve {
                instance,
                service_type,
                timeout,
                ..
            } => State::Resolve {
                query: Some(e.resolve(now, &instance.full_name(service_type))?),
                deadline: now.saturating_add(*timeout),
                best: None,
                linger: None,
            },
            Request::LookupHost { host, timeout } => State::Lookup {
                query: Some(e.lookup_host(now, host)?),
                deadline: now.saturating_add(*timeout),
                addrs: Vec::new(),
                linger: None,
            },
            Request::WatchHost { host } => State::Watch {
                query: e.lookup_host(now, host)?,
            },
            Request::ServiceTypes { .. } => State::Types {
                query: e.browse_types(now)?,
            },
            Request::Query { name, rtype } => State::Query {
                query: e.query_once(now, name, *rtype)?,
            },
            Request::Reconfirm {
                instance,
                service_type,
                ..
            } => State::Reconfirm {
                query: e.reconfirm_service(now, &instance.full_name(service_type))?,
            },
            Request::Register(info) => return self.register(now, id, info),
            // Never an mDNS request (see `Request::is_mdns`).
            Request::BrowseDomains { .. } => {
                return Err(Error::NoBackend {
                    domain: request.domain(),
                })
            }
        };
        for q in state.queries() {
            self.queries.insert(q, (id, None));
        }
        Ok(state)
    }

    /// Publishes a service on the engine, and the host name it points at unless
    /// another of the client's services already did.
    fn register(
        &mut self,
        now: Instant,
        id: SubscriptionId,
        info: &ServiceInfo,
    ) -> Result<State, Error> {
        let host = info
            .host
            .clone()
            .unwrap_or_else(|| self.config.host_name.clone());
        let mut builder =
            ServiceRegistration::builder(info.instance.clone(), info.service_type.clone())
                .port(info.port)
                .host(host.clone())
                .txt(info.txt.clone())
                .allow_rename(info.allow_rename);
        for sub in &info.subtypes {
            builder = builder.subtype(sub);
        }
        let service = builder.build()?;
        self.acquire_host(now, &host)?;
        match self.engine.register_service(now, service) {
            Ok(reg) => {
                self.regs.insert(reg, RegOwner::Service(id));
                Ok(State::Registration {
                    reg,
                    host,
                    name: info.instance.clone(),
                })
            }
            Err(e) => {
                self.release_host(now, &host);
                Err(e.into())
            }
        }
    }

    /// Removes a subscription and stops the engine queries it runs (no event, no
    /// backend call, no withdrawal: the caller does what its kind needs).
    pub(crate) fn remove(&mut self, id: SubscriptionId) -> Option<Sub> {
        let sub = self.subs.remove(&id)?;
        if let Some(t) = sub.timer {
            self.timers.remove(&(t, id));
        }
        for q in sub.state.queries() {
            self.queries.remove(&q);
            self.engine.stop_query(q);
        }
        Some(sub)
    }

    /// Ends a subscription with its final event.
    pub(crate) fn finish(&mut self, now: Instant, id: SubscriptionId, event: Event) {
        if let Some(sub) = self.remove(id) {
            if let State::Registration { host, .. } = &sub.state {
                // A failed registration is gone from the engine; its host name use too.
                self.release_host(now, host);
            }
            self.push(id, event);
        }
    }

    /// Files a subscription's timer anew after its state changed.
    pub(crate) fn sync_timer(&mut self, id: SubscriptionId) {
        let Some(sub) = self.subs.get_mut(&id) else {
            return;
        };
        let want = sub.state.timer();
        if want != sub.timer {
            if let Some(t) = sub.timer {
                self.timers.remove(&(t, id));
            }
            if let Some(t) = want {
                self.timers.insert((t, id));
            }
            sub.timer = want;
        }
    }

    /// Fires every subscription timer due by `now`, earliest first.
    fn run_timers(&mut self, now: Instant) {
        while let Some(&(t, id)) = self.timers.first() {
            if t > now {
                break;
            }
            self.timers.remove(&(t, id));
            let Some(sub) = self.subs.get_mut(&id) else {
                continue;
            };
            sub.timer = None;
            let route = sub.route;
            let event = match &mut sub.state {
                State::Resolve { best, .. } => Event::Resolved(best.take().ok_or(Error::Timeout)),
                State::Lookup { addrs, .. } if addrs.is_empty() => {
                    Event::HostAddresses(Err(Error::Timeout))
                }
                State::Lookup { addrs, .. } => Event::HostAddresses(Ok(HostAddresses {
                    addresses: core::mem::take(addrs),
                })),
                _ => continue,
            };
            if route == Route::Backend {
                self.backend.unsubscribe(now, id);
            }
            self.finish(now, id, event);
        }
    }

    /// Routes everything the engine and the backend have reported, until neither has
    /// more (routing can start queries, which can report at once), then checks
    /// whether a shutdown is complete.
    pub(crate) fn pump(&mut self, now: Instant) {
        loop {
            let mut any = false;
            while let Some(ev) = self.engine.poll_event() {
                any = true;
                self.route(now, &ev);
                if self.config.keep_engine_events {
                    if self.engine_events.len() >= MAX_QUEUED_EVENTS {
                        self.engine_events.pop_front();
                        self.stats.engine_events_dropped += 1;
                    }
                    self.engine_events.push_back(ev);
                }
            }
            while let Some((id, ev)) = self.backend.poll_event() {
                any = true;
                self.route_backend(now, id, ev);
            }
            if !any {
                break;
            }
        }
        self.check_shutdown(now);
    }

    /// Queues an event for the application, its addresses in the order to try them.
    pub(crate) fn push(&mut self, id: SubscriptionId, mut event: Event) {
        if self.finished {
            return;
        }
        match &mut event {
            Event::Browse(BrowseEvent::Resolved(s) | BrowseEvent::Updated(s))
            | Event::Resolved(Ok(s)) => self.order(&mut s.addresses),
            Event::HostAddresses(Ok(h)) => self.order(&mut h.addresses),
            _ => {}
        }
        let bound = self.config.max_queued_browse_events;
        self.stats.events_dropped += self.events.push(id, event, bound);
    }

    /// Reports `Unregistered` to every leaving registration of the engine whose
    /// goodbyes are all out.
    pub(crate) fn complete_leaving(&mut self) {
        let done: Vec<SubscriptionId> = self
            .subs
            .iter()
            .filter(|(_, s)| {
                s.route == Route::Mdns
                    && matches!(&s.state, State::Leaving { waiting } if waiting.is_empty())
            })
            .map(|(id, _)| *id)
            .collect();
        for id in done {
            self.subs.remove(&id);
            self.push(id, Event::Registration(RegistrationEvent::Unregistered));
        }
    }

    /// Sorts addresses into the order to try them (see [`order_addresses`]): same
    /// subnet as the interface it was learnt on, by the engine's interface table.
    fn order(&self, addrs: &mut [(core::net::IpAddr, InterfaceId)]) {
        let engine = &self.engine;
        order_addresses(addrs, self.config.prefer_family, |ip, iface| {
            engine
                .interfaces()
                .any(|(i, prefixes)| i == iface && in_subnet(ip, prefixes))
        });
    }

    fn check_shutdown(&mut self, now: Instant) {
        let Some(until) = self.shutdown else {
            return;
        };
        if self.finished {
            return;
        }
        if (self.leaving.is_empty() && self.backend.is_idle()) || now >= until {
            self.finished = true;
            self.subs.clear();
            self.timers.clear();
            self.queries.clear();
        }
    }

    // ----- host names -----
    //
    // The client publishes the host name a service points at with the service, and
    // withdraws it after the last service on it: its goodbyes go out right after
    // theirs. The host name is no subscription of its own, so an application cannot
    // withdraw it while services still point at it; the engine would refuse anyway
    // (`RegistrationError::HostInUse`), should anyone try through `engine_mut`.

    /// One more service points at `host`: publishes it if it is the first.
    fn acquire_host(&mut self, now: Instant, host: &Name) -> Result<(), Error> {
        if let Some((_, users)) = self.hosts.get_mut(host) {
            *users += 1;
            return Ok(());
        }
        let registration = HostRegistration::builder(host.clone()).build()?;
        let reg = self.engine.register_host(now, registration)?;
        self.hosts.insert(host.clone(), (reg, 1));
        self.regs.insert(reg, RegOwner::Host);
        Ok(())
    }

    /// One service fewer points at `host`: the last one withdraws it. Returns the
    /// host registration whose goodbyes are now going out, if any.
    fn release_host(&mut self, now: Instant, host: &Name) -> Option<RegistrationId> {
        let (reg, users) = self.hosts.get_mut(host)?;
        *users = users.saturating_sub(1);
        if *users > 0 {
            return None;
        }
        let reg = *reg;
        self.hosts.remove(host);
        self.regs.remove(&reg);
        self.engine.unregister(now, reg).ok()?;
        self.leaving.insert(reg);
        Some(reg)
    }

    /// Withdraws a service registration and releases its host name. Returns the
    /// registrations whose goodbyes are now going out.
    fn withdraw(
        &mut self,
        now: Instant,
        reg: RegistrationId,
        host: &Name,
    ) -> BTreeSet<RegistrationId> {
        let mut waiting = BTreeSet::new();
        self.regs.remove(&reg);
        if self.engine.unregister(now, reg).is_ok() {
            self.leaving.insert(reg);
            waiting.insert(reg);
        }
        waiting.extend(self.release_host(now, host));
        waiting
    }
}
