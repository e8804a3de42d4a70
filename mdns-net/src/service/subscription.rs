//! What a running operation hands back over time: [`Subscription`], a stream of
//! events read blocking (`recv`, `recv_timeout`, `for e in &sub`) or async
//! (`recv_async`, `futures_core::Stream`); and [`Registration`], a subscription to a
//! registration's events with its name, TXT update and unregistration.

use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

use flume::{Receiver, RecvTimeoutError};
use mdns_sansio::sd::{InstanceName, Txt};
use mdns_sansio_client::{RegistrationEvent, SubscriptionId};

use super::handle::{Command, Handle};
use super::reply::Reply;
use super::Error;

/// A stream of events of one operation (browse, host watch, type enumeration,
/// one-shot query, registration). Dropping it stops the operation.
#[derive(Debug)]
pub struct Subscription<E: 'static> {
    id: SubscriptionId,
    rx: Receiver<E>,
    stream: flume::r#async::RecvStream<'static, E>,
    handle: Handle,
    /// Stop the operation on drop (not after an unregistration already did).
    armed: bool,
}

impl<E: 'static> Subscription<E> {
    pub(crate) fn new(id: SubscriptionId, rx: Receiver<E>, handle: Handle) -> Self {
        Subscription {
            id,
            stream: rx.clone().into_stream(),
            rx,
            handle,
            armed: true,
        }
    }

    /// The id of the operation in the client layer.
    pub fn id(&self) -> SubscriptionId {
        self.id
    }

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

    /// The events as a blocking iterator; it ends with the operation or the service.
    pub fn iter(&self) -> Iter<'_, E> {
        Iter(self)
    }

    /// The service handle it belongs to.
    pub fn handle(&self) -> &Handle {
        &self.handle
    }
}

/// Blocking iterator over a [`Subscription`]'s events (see [`Subscription::iter`]).
#[derive(Debug)]
pub struct Iter<'a, E: 'static>(&'a Subscription<E>);

impl<E: 'static> Iterator for Iter<'_, E> {
    type Item = E;
    /// Blocks for the next event; `None` once the operation or the service has ended.
    fn next(&mut self) -> Option<E> {
        self.0.rx.recv().ok()
    }
}

impl<'a, E: 'static> IntoIterator for &'a Subscription<E> {
    type Item = E;
    type IntoIter = Iter<'a, E>;
    fn into_iter(self) -> Iter<'a, E> {
        self.iter()
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
        if self.armed && !self.handle.is_stopped() {
            self.handle.send(Command::Stop { id: self.id });
        }
    }
}

/// A registered service: its events ([`RegistrationEvent`]s, through `Deref` to its
/// [`Subscription`], also a `Stream`), the name it has now, a TXT update and
/// unregistration. Dropping it unregisters it (goodbyes are sent without waiting);
/// [`unregister`](Self::unregister) waits until they are out.
#[derive(Debug)]
pub struct Registration {
    events: Subscription<RegistrationEvent>,
    name: Arc<Mutex<InstanceName>>,
}

impl Registration {
    pub(crate) fn new(
        events: Subscription<RegistrationEvent>,
        name: Arc<Mutex<InstanceName>>,
    ) -> Self {
        Registration { events, name }
    }

    /// The name it is published under now (it changes after a conflict).
    pub fn name(&self) -> InstanceName {
        self.name.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// Replaces its TXT record (announced at once, RFC 6762 §8.4).
    pub fn update_txt(&self, txt: Txt) -> Reply<()> {
        let (ack, rx) = flume::bounded(1);
        self.events.handle.send(Command::UpdateTxt {
            id: self.events.id,
            txt,
            ack,
        });
        Reply::new(rx)
    }

    /// Withdraws it; the reply comes when its goodbyes (RFC 6762 §10.1) are out.
    pub fn unregister(mut self) -> Reply<()> {
        let (done, rx) = flume::bounded(1);
        self.events.armed = false;
        self.events.handle.send(Command::Unregister {
            id: self.events.id,
            done,
        });
        Reply::new(rx)
    }
}

impl std::ops::Deref for Registration {
    type Target = Subscription<RegistrationEvent>;
    fn deref(&self) -> &Subscription<RegistrationEvent> {
        &self.events
    }
}

impl futures_core::Stream for Registration {
    type Item = RegistrationEvent;
    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        Pin::new(&mut self.events).poll_next(cx)
    }
}
