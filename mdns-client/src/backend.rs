//! [`Backend`]: the seam where a unicast DNS client plugs in, and [`NoBackend`], the
//! backend of a client that has none.
//!
//! A [`Client`](crate::Client) serves every request in an mDNS domain
//! ([`is_mdns_name`](crate::is_mdns_name)) with its engine and hands every other one,
//! under the same [`SubscriptionId`], to its backend: browse, resolve, look up and
//! publish through a DNS server (RFC 6763 over unicast DNS, DNS Update, SRP, DNS
//! Push). The backend answers with the same [`Event`]s, addressed to the same ids, so
//! an application cannot tell (and need not care) which of the two served it.
//!
//! What the client keeps doing for backend subscriptions: the ids, the
//! [`Request::Resolve`] and [`Request::LookupHost`] timeouts (the client ends the
//! subscription with [`Error::Timeout`] and calls [`Backend::unsubscribe`]), purging
//! queued events on unsubscribe, `unregister`'s completion, and the shutdown bound.
//! What the backend does itself: everything DNS (queries, retries, caching, updates,
//! leases) and its own I/O. The I/O is not part of this trait: the driver that owns the
//! [`Client`](crate::Client) knows the concrete backend type and feeds it datagrams and
//! stream bytes through [`Client::backend_input`](crate::Client::backend_input)
//! (which routes what it reports afterwards), and takes its transmits through
//! [`Client::backend_mut`](crate::Client::backend_mut), as it does for the engine.

use crate::error::Error;
use crate::event::Event;
use crate::id::SubscriptionId;
use crate::request::Request;
use mdns_sansio::sd::Txt;
use mdns_sansio::Instant;

/// A source of answers for requests outside the mDNS domains. Sans-IO like the
/// engine: time comes in as `now`; timers go out through
/// [`poll_timeout`](Self::poll_timeout).
///
/// The contract, per request kind (the same events the engine path gives, with
/// [`UNICAST_DNS`](crate::UNICAST_DNS) where the engine names an interface):
/// - `Browse`: [`Event::Browse`] `Found` / `Removed`, and with `resolve`, `Resolved` /
///   `Updated` of each instance found; `ServerError` when the servers fail it.
/// - `Resolve`: one [`Event::Resolved`] with `Ok`, or `Err(Error::Backend)` when the
///   servers failed it (the client adds the timeout).
/// - `LookupHost`: one [`Event::HostAddresses`], the same way.
/// - `WatchHost`, `ServiceTypes`: [`Event::Host`], [`Event::ServiceType`].
/// - `Query`: [`Event::Answer`]s, then [`Event::QueryDone`].
/// - `Register`: [`Event::Registration`] (`Registered`, `Renamed`, `ServerError`,
///   `Failed`, `Rejected`), and after [`unsubscribe`](Self::unsubscribe) of a
///   registration, one `Registration(Unregistered)` once it is withdrawn from the
///   server.
/// - `BrowseDomains`: [`Event::Domain`].
///
/// A request kind the backend does not serve is refused by
/// [`subscribe`](Self::subscribe) with [`Error::Backend`].
///
/// After a final event (see [`Event::is_final`]) or `unsubscribe`, no event of that id
/// but the `Unregistered` above may follow.
pub trait Backend {
    /// Starts serving `request` as subscription `id`. An error refuses it (the client
    /// then forgets `id`).
    fn subscribe(
        &mut self,
        now: Instant,
        id: SubscriptionId,
        request: &Request,
    ) -> Result<(), Error>;

    /// Stops serving `id`; a registration is withdrawn (and reported `Unregistered`
    /// once it is).
    fn unsubscribe(&mut self, now: Instant, id: SubscriptionId);

    /// Replaces the TXT record of registration `id`.
    fn update_txt(&mut self, now: Instant, id: SubscriptionId, txt: &Txt) -> Result<(), Error>;

    /// Lets timers due by `now` fire.
    fn handle_timeout(&mut self, now: Instant);

    /// When [`handle_timeout`](Self::handle_timeout) must next be called, if ever.
    fn poll_timeout(&self) -> Option<Instant>;

    /// The next event, with the subscription it belongs to.
    fn poll_event(&mut self) -> Option<(SubscriptionId, Event)>;

    /// Withdraws everything (registrations first) and stops every subscription.
    fn shutdown(&mut self, now: Instant);

    /// True once nothing is left to hand out: every withdrawal of a registration is
    /// done. A client's shutdown waits for this (within its bound).
    fn is_idle(&self) -> bool;
}

/// The backend of a client without unicast DNS: every request outside the mDNS
/// domains is refused with [`Error::NoBackend`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct NoBackend;

impl Backend for NoBackend {
    fn subscribe(
        &mut self,
        _now: Instant,
        _id: SubscriptionId,
        request: &Request,
    ) -> Result<(), Error> {
        Err(Error::NoBackend {
            domain: request.domain(),
        })
    }

    fn unsubscribe(&mut self, _now: Instant, _id: SubscriptionId) {}

    fn update_txt(&mut self, _now: Instant, id: SubscriptionId, _txt: &Txt) -> Result<(), Error> {
        Err(Error::NoSuchSubscription(id))
    }

    fn handle_timeout(&mut self, _now: Instant) {}

    fn poll_timeout(&self) -> Option<Instant> {
        None
    }

    fn poll_event(&mut self) -> Option<(SubscriptionId, Event)> {
        None
    }

    fn shutdown(&mut self, _now: Instant) {}

    fn is_idle(&self) -> bool {
        true
    }
}
