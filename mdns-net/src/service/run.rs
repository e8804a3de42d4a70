//! [`Service`]: the loop every adapter runs, thin on purpose. It takes [`Command`]s
//! from the channel and hands them to the client layer ([`mdns_sansio_client::Client`],
//! which owns the engine, the subscriptions and their timers), lets the
//! [`Driver`] move datagrams, interface changes and the clock, and hands each event
//! the client reports to the receiver of its subscription. Everything that decides is
//! in the client layer; here are only channels, the waker and the sockets.
//!
//! Requests in domains other than `local.` go to the client layer's unicast backend
//! (`dnssd_unicast`'s client); its sockets ([`UnicastIo`]) are moved here, beside the
//! driver's, and waited on with them; the loop gives the backend the wall-clock time
//! (for TSIG) and the host's addresses (for the A / AAAA records it publishes and the
//! reverse-mapping domains it enumerates).
//!
//! An adapter calls [`Service::step`] whenever the loop has work and waits in between:
//! [`Service::run_blocking`] / [`Service::spawn_thread`] wait in `poll(2)` on a thread
//! (any runtime can use that: the API is channel-based), and on unix an async runtime
//! can wait on the same file descriptors through [`AsyncLoop`](super::AsyncLoop).

use std::collections::BTreeMap;
use std::net::IpAddr;
use std::sync::atomic::Ordering;
use std::sync::Arc;

use dnssd_unicast::backend::UnicastBackend;
use flume::{Receiver, TryRecvError};
use mdns_sansio_client::{Client, Event, RegistrationEvent, SubscriptionId};

use super::handle::{Ack, Command, Handle, InterfaceInfo, Shared, Sink};
use super::{Error, MdnsConfig};
use crate::driver::{Config as DriverConfig, Driver, SourceId};
use crate::poll::Waker;
use crate::sys::{AsSource, BorrowedSource};
use crate::unicast::{ServiceClient, UnicastIo};

/// What the service loop waits for next; returned by [`Service::step`].
#[derive(Clone, Debug, PartialEq, Eq)]
#[must_use]
pub struct Wait {
    /// Step again at this time even if no source is ready. None: no deadline. Can be
    /// in the past (work is left over): then step again at once.
    pub deadline: Option<std::time::Instant>,
    /// Sources to wait on for writability too (a held mDNS transmit, a DNS connection
    /// being opened or with bytes to write).
    pub writable: Vec<SourceId>,
}

/// Rounds of "move I/O, deliver events" per step while delivering changed the client
/// (a subscriber that went away withdraws its registration: goodbyes to send).
const ROUNDS: usize = 8;

/// True if another socket already holds UDP port 5353 on this host: a bind without
/// SO_REUSEADDR / SO_REUSEPORT fails (the test RFC 6762 §15.1 suggests).
fn port_5353_shared() -> bool {
    matches!(
        std::net::UdpSocket::bind((std::net::Ipv4Addr::UNSPECIFIED, mdns_sansio::engine::MDNS_PORT)),
        Err(e) if e.kind() == std::io::ErrorKind::AddrInUse
    )
}

/// The service loop's state. Adapters call [`step`](Self::step) whenever the loop has
/// work (a source is readable, the held transmit's socket writable, the deadline has
/// passed, or the waker fired) until it returns `Ok(None)`.
pub struct Service {
    pub(crate) driver: Driver<ServiceClient>,
    unicast: UnicastIo,
    /// The host addresses the backend was last given.
    host_addrs: Vec<(IpAddr, u8)>,
    rx: Receiver<Command>,
    pub(crate) waker: Waker,
    shared: Arc<Shared>,
    /// Where each subscription's events go.
    sinks: BTreeMap<SubscriptionId, Sink>,
    /// Unregistrations waiting for their goodbyes.
    leaving: BTreeMap<SubscriptionId, Ack>,
    /// Whoever waits for the shutdown to complete.
    shutdown_waiters: Vec<Ack>,
}

impl std::fmt::Debug for Service {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Service")
            .field("driver", &self.driver)
            .field("client", self.driver.core())
            .finish_non_exhaustive()
    }
}

impl Service {
    /// Opens the sockets and the interface watcher in the calling thread's network
    /// namespace and makes the client layer. The loop does nothing until stepped.
    pub fn open(config: MdnsConfig) -> Result<(Service, Handle), Error> {
        if !config.ipv4 && !config.ipv6 {
            return Err(Error::NoUsableInterface);
        }
        let host_name = config.resolved_host_name()?;
        let mut engine = config.engine.clone();
        engine.seed = config.resolved_seed();
        if port_5353_shared() {
            // RFC 6762 §15.1: another mDNS socket holds the port, so a unicast reply to
            // it would reach only one of us: ask for multicast replies only.
            tracing::debug!("port 5353 already in use on this host: not asking for QU replies");
            engine.request_unicast_responses = false;
        }
        let backend = UnicastBackend::new(
            config.unicast_config(),
            // Its own stream of message ids and jitter, not the engine's.
            engine.seed ^ 0x756e_6963_6173_7421,
            &host_name,
        );
        let client = Client::with_backend(
            mdns_sansio_client::Config::new(host_name.clone()).with_engine(engine),
            backend,
        );
        let driver = Driver::new(
            client,
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
        let waker = Waker::new().map_err(|e| Error::io("creating the loop's waker", e))?;
        let shared = Arc::new(Shared::default());
        let (tx, rx) = flume::unbounded();
        let handle = Handle::new(tx, waker.clone(), shared.clone());
        tracing::debug!(host = %host_name, interfaces = ?driver.interfaces().keys().collect::<Vec<_>>(), "mDNS service opened");
        Ok((
            Service {
                driver,
                unicast: UnicastIo::open(),
                host_addrs: Vec::new(),
                rx,
                waker,
                shared,
                sinks: BTreeMap::new(),
                leaving: BTreeMap::new(),
                shutdown_waiters: Vec::new(),
            },
            handle,
        ))
    }

    /// The driver (sockets, interfaces, and the client layer as its core).
    pub fn driver(&self) -> &Driver<ServiceClient> {
        &self.driver
    }

    /// The unicast DNS backend's sockets.
    pub fn unicast(&self) -> &UnicastIo {
        &self.unicast
    }

    /// Every handle to wait on for readability: the driver's (mDNS sockets, interface
    /// watcher) and the unicast backend's (which come and go, see
    /// [`UnicastIo`](crate::unicast::UnicastIo)), named. The waker is not among them
    /// (see [`Service::waker_source`]).
    pub fn sources(&self) -> Vec<(SourceId, BorrowedSource<'_>)> {
        self.driver
            .sources()
            .chain(self.unicast.sources())
            .collect()
    }

    /// The handle of one source, if it is open.
    pub fn source(&self, id: SourceId) -> Option<BorrowedSource<'_>> {
        self.sources()
            .into_iter()
            .find(|(i, _)| *i == id)
            .map(|(_, s)| s)
    }

    /// The waker's handle: readable when a handle sent a command or a stop.
    pub fn waker_source(&self) -> BorrowedSource<'_> {
        self.waker.as_source()
    }

    /// The host name registrations use.
    pub fn host_name(&self) -> &mdns_sansio::Name {
        self.driver.core().host_name()
    }

    /// Does all the work there is without blocking: commands, I/O, timers, event
    /// delivery. Returns what to wait for next, or `None` once the service has shut
    /// down (then drop it).
    pub fn step(&mut self) -> Result<Option<Wait>, Error> {
        self.waker.reset();
        self.commands();
        if self.shared.stop.load(Ordering::Acquire) {
            self.begin_shutdown(None);
        }
        self.feed_backend();
        let clock = *self.driver.clock();
        self.unicast
            .poll(self.driver.core_mut(), move || clock.now());
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
            // Timers that fired in there may have queued DNS transmits.
            self.unicast
                .flush(self.driver.core_mut(), &move || clock.now());
            rounds += 1;
            if !self.deliver() || rounds >= ROUNDS {
                break;
            }
        }
        if self.driver.core().is_finished() {
            self.finish();
            return Ok(None);
        }
        // The backend's timers may have moved since the driver looked (a connection
        // refused at once makes it try the next server).
        let deadline = [
            next.deadline,
            self.driver
                .core()
                .poll_timeout()
                .and_then(|t| clock.to_std(t)),
        ]
        .into_iter()
        .flatten()
        .min();
        let writable = next
            .writable
            .into_iter()
            .chain(self.unicast.writable())
            .collect();
        Ok(Some(Wait { deadline, writable }))
    }

    /// Gives the backend the wall-clock time, and the host's addresses when they
    /// changed.
    fn feed_backend(&mut self) {
        let now = self.driver.clock().now();
        let unix = crate::driver::Clock::unix_now();
        let mut addrs: Vec<(IpAddr, u8)> = self
            .driver
            .interfaces()
            .values()
            .flat_map(|i| i.addrs.iter().map(|a| (a.addr, a.prefix_len)))
            .collect();
        addrs.sort();
        addrs.dedup();
        let changed = addrs != self.host_addrs;
        if changed {
            self.host_addrs = addrs;
        }
        let host_addrs = &self.host_addrs;
        self.driver.core_mut().backend_input(now, |b, now| {
            b.set_unix_time(now, unix);
            if changed {
                b.set_host_addresses(now, host_addrs);
            }
        });
    }

    /// Blocks until [`step`](Self::step) has work: a source readable, a writable one
    /// writable, the deadline, or the waker (a command or a stop).
    pub fn wait_blocking(&self, wait: &Wait) -> Result<(), Error> {
        let mut read: Vec<BorrowedSource<'_>> =
            self.sources().into_iter().map(|(_, s)| s).collect();
        read.push(self.waker.as_source());
        let write: Vec<BorrowedSource<'_>> = wait
            .writable
            .iter()
            .filter_map(|id| self.source(*id))
            .collect();
        crate::poll::wait_fds(&read, &write, wait.deadline)
            .map_err(|e| Error::io("waiting for the sockets", e))?;
        self.waker.reset();
        Ok(())
    }

    /// The blocking loop: step, wait, until shut down.
    pub fn run_blocking(mut self) -> Result<(), Error> {
        while let Some(wait) = self.step()? {
            self.wait_blocking(&wait)?;
        }
        Ok(())
    }

    /// Runs [`run_blocking`](Self::run_blocking) on a thread of its own (named
    /// `mdns`): the loop of the blocking adapter, and of any runtime that cannot wait
    /// on the service's sockets itself.
    pub fn spawn_thread(self) -> Result<std::thread::JoinHandle<Result<(), Error>>, Error> {
        std::thread::Builder::new()
            .name("mdns".into())
            .spawn(move || {
                let r = self.run_blocking();
                if let Err(e) = &r {
                    tracing::error!(error = %e, "mDNS service loop failed");
                }
                r
            })
            .map_err(|e| Error::io("spawning the mDNS thread", e))
    }

    // --- commands ---

    /// Carries out every command waiting in the channel.
    fn commands(&mut self) {
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
    }

    fn command(&mut self, c: Command) {
        let now = self.driver.clock().now();
        let client = self.driver.core_mut();
        match c {
            Command::Subscribe {
                request,
                sink,
                started,
            } => {
                tracing::debug!(?request, "subscribe");
                match client.subscribe(now, *request) {
                    Ok(id) => {
                        self.sinks.insert(id, sink);
                        started(Ok(id));
                    }
                    Err(e) => started(Err(e.into())),
                }
            }
            Command::Stop { id } => {
                self.sinks.remove(&id);
                client.unsubscribe(now, id);
            }
            Command::UpdateTxt { id, txt, ack } => {
                let r = if client.is_shutting_down() {
                    Err(Error::Shutdown)
                } else {
                    client.update_txt(now, id, txt).map_err(Error::from)
                };
                let _ = ack.send(r);
            }
            Command::Unregister { id, done } if client.is_shutting_down() => {
                // The shutdown withdraws it: answered when the shutdown is complete.
                self.sinks.remove(&id);
                self.shutdown_waiters.push(done);
            }
            Command::Unregister { id, done } => {
                self.sinks.remove(&id);
                match client.unregister(now, id) {
                    // Answered when the client reports the goodbyes are out.
                    Ok(()) => {
                        self.leaving.insert(id, done);
                    }
                    Err(e) => {
                        let _ = done.send(Err(e.into()));
                    }
                }
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

    fn begin_shutdown(&mut self, done: Option<Ack>) {
        self.shutdown_waiters.extend(done);
        let client = self.driver.core_mut();
        if !client.is_shutting_down() {
            tracing::debug!("shutting down");
            let now = self.driver.clock().now();
            // Every subscription ends; their streams end when the loop does (with
            // `Error::Shutdown`), see `finish`.
            self.driver.core_mut().shutdown(now);
        }
    }

    /// Hands every event the client has to its receiver. True if a receiver was gone
    /// and its subscription ended (the client may have goodbyes to send).
    fn deliver(&mut self) -> bool {
        let mut gone = Vec::new();
        while let Some((id, event)) = self.driver.core_mut().poll_event() {
            if event == Event::Registration(RegistrationEvent::Unregistered) {
                if let Some(done) = self.leaving.remove(&id) {
                    let _ = done.send(Ok(()));
                }
                continue;
            }
            let last = event.is_final();
            let Some(sink) = self.sinks.get_mut(&id) else {
                continue;
            };
            let alive = sink(event);
            if last {
                // Dropping the sink ends the receiver's stream.
                self.sinks.remove(&id);
            } else if !alive {
                self.sinks.remove(&id);
                gone.push(id);
            }
        }
        if gone.is_empty() {
            return false;
        }
        // A receiver that went away may have sent a command first (a registration's
        // `unregister` drops its receiver right after sending it): carry the commands
        // out before deciding that nobody wants the subscription any more, or the
        // unregistration would find it already ended.
        self.commands();
        let now = self.driver.clock().now();
        for id in gone {
            if !self.leaving.contains_key(&id) {
                tracing::debug!(%id, "subscriber gone, stopping");
                self.driver.core_mut().unsubscribe(now, id);
            }
        }
        true
    }

    /// The loop is over: subscriptions see Shutdown, waiters are told.
    fn finish(&mut self) {
        self.shared.stopped.store(true, Ordering::Release);
        self.sinks.clear();
        for (_, done) in std::mem::take(&mut self.leaving) {
            let _ = done.send(Ok(()));
        }
        for done in self.shutdown_waiters.drain(..) {
            let _ = done.send(Ok(()));
        }
        tracing::debug!("mDNS service stopped");
    }
}
