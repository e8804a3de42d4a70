//! [`UnicastBackend`]: the sans-IO [`Client`] as the unicast backend of the client
//! layer (`mdns_sansio_client::Backend`, feature `backend`). With it, the layer that serves
//! `local.` with the mDNS engine serves every other domain through DNS servers, under
//! the same subscription ids and with the same events: a browse in `example.com.`
//! reports `Found` / `Removed` / `Resolved` / `Updated` as one in `local.` does, with
//! `mdns_sansio_client::UNICAST_DNS` where the engine names an interface.
//!
//! What it maps (`mdns_sansio_client::Request` → the client here):
//! - `Browse` → [`Client::browse`]; with `resolve`, a [`Client::resolve`] of each
//!   instance found, stopped when the instance is removed.
//! - `Resolve` → [`Client::resolve`], ended by the first complete answer, or by a
//!   negative answer for the SRV record, or by the servers failing it.
//! - `LookupHost` → [`Client::lookup_host`], ended once both the A and the AAAA
//!   question are answered; `WatchHost` → the same, kept.
//! - `ServiceTypes` → [`Client::browse_ptr`] of `_services._dns-sd._udp.<domain>`
//!   (RFC 6763 §9).
//! - `BrowseDomains` → [`Client::enumerate_domains`] under its base, or under
//!   [`Client::enumeration_bases`] of the host's addresses (RFC 6763 §11).
//! - `Register` → [`Client::register`]. A service that names no host points at
//!   `<host label>.<domain>` and publishes the host's routable addresses there (and
//!   keeps them current); one that names its host points at it and publishes no
//!   address (that host's records are its owner's, as with Bonjour's
//!   `DNSServiceRegister`).
//! - `Query` is refused: one-shot queries of arbitrary records are mDNS's (`dig` asks
//!   a DNS server).
//!
//! Failures come as the `ServerError` variant of the subscription's events (a browse,
//! a type or domain enumeration, a registration: not final, the client retries), as
//! the final `Err(Error::Backend)` of a one-shot request, or, for a registration given
//! up, as `Failed(Conflict)` / `Failed(NoFreeName)` (as on the link) or `Rejected`;
//! every one holds a [`UnicastError`].
//!
//! The driver feeds the client's I/O through the methods below
//! ([`handle_datagram`](UnicastBackend::handle_datagram), ...), inside
//! `mdns_sansio_client::Client::backend_input` so the layer routes what they report.

mod error;
mod map;
mod route;

pub use error::UnicastError;

use crate::client::{Client, ClientConfig, ConnId, RegId, SubId, Transmit};
use alloc::collections::{BTreeMap, BTreeSet, VecDeque};
use alloc::vec::Vec;
use core::net::{IpAddr, SocketAddr};
use mdns_sansio::sd::Txt;
use mdns_sansio::{Instant, Name};
use mdns_sansio_client::{Backend, BackendError, Error, Event, Request, SubscriptionId};

/// What one subscription of the layer is, here.
#[derive(Debug)]
enum Served {
    Browse {
        main: SubId,
        resolve: bool,
        /// Instances seen, with the resolve started for each.
        instances: BTreeMap<Name, Option<SubId>>,
    },
    Resolve {
        main: SubId,
        instance: Name,
    },
    Lookup {
        main: SubId,
        host: Name,
    },
    Watch {
        main: SubId,
    },
    Types {
        main: SubId,
    },
    Domains {
        main: SubId,
    },
    Register {
        reg: RegId,
    },
}

impl Served {
    /// The client subscriptions it holds.
    fn subs(&self) -> Vec<SubId> {
        match self {
            Served::Browse {
                main, instances, ..
            } => core::iter::once(*main)
                .chain(instances.values().flatten().copied())
                .collect(),
            Served::Resolve { main, .. }
            | Served::Lookup { main, .. }
            | Served::Watch { main }
            | Served::Types { main }
            | Served::Domains { main } => alloc::vec![*main],
            Served::Register { .. } => Vec::new(),
        }
    }
}

/// The unicast DNS-SD client as the client layer's backend. See the module docs.
pub struct UnicastBackend {
    client: Client,
    /// The SRV target's first label for registrations that name no host.
    host_label: Vec<u8>,
    next: u64,
    served: BTreeMap<SubscriptionId, Served>,
    /// Client subscription → the layer's subscription, and the instance it resolves
    /// for a resolving browse.
    parts: BTreeMap<SubId, (SubscriptionId, Option<Name>)>,
    regs: BTreeMap<RegId, SubscriptionId>,
    /// Registrations whose delete is in flight.
    withdrawing: BTreeSet<RegId>,
    events: VecDeque<(SubscriptionId, Event)>,
    host_addrs: Vec<(IpAddr, u8)>,
    /// Query errors reported per subscription since it last heard news.
    reported: BTreeMap<SubscriptionId, Vec<crate::client::QueryError>>,
}

impl core::fmt::Debug for UnicastBackend {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("UnicastBackend")
            .field("client", &self.client)
            .field("subscriptions", &self.served.len())
            .field("withdrawing", &self.withdrawing.len())
            .finish_non_exhaustive()
    }
}

impl UnicastBackend {
    /// A backend over a new [`Client`] with `config` and `seed` (OS randomness in real
    /// use). Services that name no host point at `<first label of host>.<domain>`.
    pub fn new(config: ClientConfig, seed: u64, host: &Name) -> Self {
        UnicastBackend {
            client: Client::new(config, seed),
            host_label: host.first_label().to_vec(),
            next: 1,
            served: BTreeMap::new(),
            parts: BTreeMap::new(),
            regs: BTreeMap::new(),
            withdrawing: BTreeSet::new(),
            events: VecDeque::new(),
            host_addrs: Vec::new(),
            reported: BTreeMap::new(),
        }
    }

    /// The client.
    pub fn client(&self) -> &Client {
        &self.client
    }

    /// Tells the client the Unix time at `now` (for TSIG, RFC 8945 §4.3.3).
    pub fn set_unix_time(&mut self, now: Instant, unix_secs: u64) {
        self.client.set_unix_time(now, unix_secs);
    }

    /// The host's addresses with their prefix lengths: the routable ones are
    /// published for registrations that name no host; all of them name the
    /// reverse-mapping domains a default domain enumeration reads (RFC 6763 §11).
    pub fn set_host_addresses(&mut self, now: Instant, addrs: &[(IpAddr, u8)]) {
        let mut v = addrs.to_vec();
        v.sort();
        v.dedup();
        self.host_addrs = v;
        let routable: Vec<IpAddr> = self
            .host_addrs
            .iter()
            .map(|(a, _)| *a)
            .filter(|a| is_routable(*a))
            .collect();
        self.client.set_host_addresses(now, &routable);
        self.pump(now);
    }

    /// A UDP datagram from `from` (see [`Client::handle_datagram`]).
    pub fn handle_datagram(&mut self, now: Instant, from: SocketAddr, bytes: &[u8]) {
        self.client.handle_datagram(now, from, bytes);
        self.pump(now);
    }

    /// Bytes read from TCP connection `conn` (see [`Client::handle_tcp`]).
    pub fn handle_tcp(&mut self, now: Instant, conn: ConnId, bytes: &[u8]) {
        self.client.handle_tcp(now, conn, bytes);
        self.pump(now);
    }

    /// TCP connection `conn` failed or was closed (see [`Client::handle_tcp_closed`]).
    pub fn handle_tcp_closed(&mut self, now: Instant, conn: ConnId) {
        self.client.handle_tcp_closed(now, conn);
        self.pump(now);
    }

    /// The next datagram or TCP action (see [`Client::poll_transmit`]).
    pub fn poll_transmit(&mut self) -> Option<Transmit> {
        self.client.poll_transmit()
    }

    fn alloc(&mut self) -> u64 {
        let n = self.next;
        self.next += 1;
        n
    }

    /// Stops every client subscription of `served`.
    fn stop(&mut self, served: &Served) {
        for s in served.subs() {
            self.client.stop(s);
            self.parts.remove(&s);
        }
    }

    /// Ends a subscription with its final event.
    fn finish(&mut self, id: SubscriptionId, event: Event) {
        if let Some(served) = self.served.remove(&id) {
            self.stop(&served);
        }
        self.reported.remove(&id);
        self.events.push_back((id, event));
    }

    /// Queues a news of a subscription: its next failure is reported again.
    fn news(&mut self, id: SubscriptionId, event: Event) {
        self.reported.remove(&id);
        self.events.push_back((id, event));
    }

    fn start(
        &mut self,
        now: Instant,
        id: SubscriptionId,
        request: &Request,
    ) -> Result<Served, Error> {
        let name_error = |e| Error::Backend(BackendError::new(UnicastError::Name(e)));
        // Ids are fresh (`alloc`): what can keep a subscription from starting is a name
        // that does not fit.
        let sub_error = |e| match e {
            crate::client::SubscribeError::Name(n) => name_error(n),
            _ => Error::Backend(BackendError::new(UnicastError::Unsupported {
                what: "such requests",
            })),
        };
        let main = SubId(self.alloc());
        let served = match request {
            Request::Browse {
                service_type,
                domain,
                resolve,
            } => {
                self.client
                    .browse(now, main, service_type, domain)
                    .map_err(sub_error)?;
                Served::Browse {
                    main,
                    resolve: *resolve,
                    instances: BTreeMap::new(),
                }
            }
            Request::Resolve {
                instance,
                service_type,
                domain,
                ..
            } => {
                let full =
                    crate::names::instance_name(instance, &service_type.without_subtype(), domain)
                        .map_err(name_error)?;
                self.client.resolve(now, main, &full).map_err(sub_error)?;
                Served::Resolve {
                    main,
                    instance: full,
                }
            }
            Request::LookupHost { host, .. } => {
                self.client
                    .lookup_host(now, main, host)
                    .map_err(sub_error)?;
                Served::Lookup {
                    main,
                    host: host.clone(),
                }
            }
            Request::WatchHost { host } => {
                self.client
                    .lookup_host(now, main, host)
                    .map_err(sub_error)?;
                Served::Watch { main }
            }
            Request::ServiceTypes { domain } => {
                let name = Name::from_labels([b"_services".as_slice(), b"_dns-sd", b"_udp"])
                    .and_then(|n| n.concat(domain))
                    .map_err(name_error)?;
                self.client
                    .browse_ptr(now, main, &name)
                    .map_err(sub_error)?;
                Served::Types { main }
            }
            Request::BrowseDomains { base } => {
                let bases = match base {
                    Some(b) => alloc::vec![b.clone()],
                    None => self.client.enumeration_bases(&self.host_addrs),
                };
                if bases.is_empty() {
                    return Err(Error::Backend(BackendError::new(
                        UnicastError::NoEnumerationBase,
                    )));
                }
                self.client
                    .enumerate_domains(now, main, &bases)
                    .map_err(sub_error)?;
                Served::Domains { main }
            }
            Request::Register(info) => {
                let reg = RegId(main.0);
                let spec = map::registration(info, &self.host_label).map_err(name_error)?;
                self.client
                    .register(now, reg, spec)
                    .map_err(|e| Error::Backend(BackendError::new(UnicastError::Register(e))))?;
                self.regs.insert(reg, id);
                return Ok(Served::Register { reg });
            }
            Request::Query { .. } => {
                return Err(Error::Backend(BackendError::new(
                    UnicastError::Unsupported {
                        what: "one-shot queries",
                    },
                )))
            }
            _ => {
                return Err(Error::Backend(BackendError::new(
                    UnicastError::Unsupported {
                        what: "such requests",
                    },
                )))
            }
        };
        for s in served.subs() {
            self.parts.insert(s, (id, None));
        }
        Ok(served)
    }

    /// Turns everything the client reported into the layer's events, then ends the
    /// one-shot requests whose answer is complete.
    fn pump(&mut self, now: Instant) {
        while let Some(e) = self.client.poll_event() {
            self.route(now, e);
        }
        self.complete_one_shots();
    }

    /// Ends each host look-up whose A and AAAA are both answered, and each resolve
    /// whose instance the zone says does not exist.
    fn complete_one_shots(&mut self) {
        let mut done = Vec::new();
        for (id, s) in &self.served {
            match s {
                Served::Lookup { host, .. } => match self.client.host_addresses(host) {
                    Some(addrs) if !addrs.is_empty() => {
                        done.push((*id, Event::HostAddresses(Ok(addrs))));
                    }
                    Some(_) => done.push((
                        *id,
                        Event::HostAddresses(Err(not_found(host, mdns_sansio::wire::Rtype::A))),
                    )),
                    None => {}
                },
                Served::Resolve { instance, .. } => {
                    let srv = mdns_sansio::wire::Rtype::SRV;
                    if self
                        .client
                        .answer(instance, srv)
                        .is_some_and(|r| r.is_empty())
                    {
                        done.push((*id, Event::Resolved(Err(not_found(instance, srv)))));
                    }
                }
                _ => {}
            }
        }
        for (id, e) in done {
            self.finish(id, e);
        }
    }
}

fn not_found(name: &Name, rtype: mdns_sansio::wire::Rtype) -> Error {
    Error::Backend(BackendError::new(UnicastError::NotFound {
        name: name.clone(),
        rtype,
    }))
}

/// Worth publishing in a DNS zone: not loopback, link-local, unspecified or multicast
/// (a link-local address means nothing beyond its link).
fn is_routable(a: IpAddr) -> bool {
    match a {
        IpAddr::V4(v4) => {
            !(v4.is_loopback() || v4.is_link_local() || v4.is_unspecified() || v4.is_multicast())
        }
        IpAddr::V6(v6) => {
            !(v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                || (v6.segments()[0] & 0xffc0) == 0xfe80)
        }
    }
}

impl Backend for UnicastBackend {
    fn subscribe(
        &mut self,
        now: Instant,
        id: SubscriptionId,
        request: &Request,
    ) -> Result<(), Error> {
        let served = self.start(now, id, request)?;
        self.served.insert(id, served);
        self.pump(now);
        Ok(())
    }

    fn unsubscribe(&mut self, now: Instant, id: SubscriptionId) {
        let Some(served) = self.served.remove(&id) else {
            return;
        };
        if let Served::Register { reg } = served {
            if self.client.unregister(now, reg) {
                self.withdrawing.insert(reg);
            } else {
                self.regs.remove(&reg);
                self.events.push_back((
                    id,
                    Event::Registration(mdns_sansio_client::RegistrationEvent::Unregistered),
                ));
            }
        } else {
            self.stop(&served);
        }
        self.reported.remove(&id);
        self.pump(now);
    }

    fn update_txt(&mut self, now: Instant, id: SubscriptionId, txt: &Txt) -> Result<(), Error> {
        let reg = match self.served.get(&id) {
            Some(Served::Register { reg }) => *reg,
            Some(_) => return Err(Error::NotARegistration(id)),
            None => return Err(Error::NoSuchSubscription(id)),
        };
        let mut bytes = Vec::new();
        txt.encode(&mut bytes);
        let r = if self.client.update_txt(now, reg, bytes) {
            Ok(())
        } else {
            Err(Error::NoSuchSubscription(id))
        };
        self.pump(now);
        r
    }

    fn handle_timeout(&mut self, now: Instant) {
        self.client.handle_timeout(now);
        self.pump(now);
    }

    fn poll_timeout(&self) -> Option<Instant> {
        self.client.poll_timeout()
    }

    fn poll_event(&mut self) -> Option<(SubscriptionId, Event)> {
        self.events.pop_front()
    }

    fn shutdown(&mut self, now: Instant) {
        let ids: Vec<SubscriptionId> = self.served.keys().copied().collect();
        for id in ids {
            self.unsubscribe(now, id);
        }
        self.client.shutdown(now);
        self.pump(now);
    }

    fn is_idle(&self) -> bool {
        self.withdrawing.is_empty()
    }
}
