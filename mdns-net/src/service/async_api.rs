//! The async API shared by the tokio and smol adapters: every operation as an `async fn`
//! over a [`Handle`], and the event streams. Written once; each adapter only opens the
//! service, runs its loop on its runtime, and dereferences to [`AsyncMdns`]. (The
//! blocking adapter has its own, synchronous, face.)

use std::net::IpAddr;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use futures_core::Stream;
use mdns_proto::engine::AnswerRecord;
use mdns_proto::sd::{InstanceName, ServiceType, Txt};
use mdns_proto::wire::Rtype;
use mdns_proto::Name;

use super::{
    BrowseEvent, Error, Handle, HostEvent, InterfaceInfo, RegistrationEvent, ResolvedService,
    ServiceInfo, Stopper, Subscription, TypeEvent,
};

/// The operations of a running mDNS instance, as `async fn`s. The tokio and smol
/// adapters' `Mdns` dereference to it.
#[derive(Debug)]
pub struct AsyncMdns {
    handle: Handle,
}

impl AsyncMdns {
    /// Wraps the handle of a service an adapter runs.
    pub fn new(handle: Handle) -> Self {
        AsyncMdns { handle }
    }

    /// The handle underneath.
    pub fn handle(&self) -> &Handle {
        &self.handle
    }

    /// Registers a service. Probing goes on in the background; the registration's
    /// events tell how it ends.
    pub async fn register(&self, info: ServiceInfo) -> Result<Registration, Error> {
        Ok(Registration {
            inner: self.handle.register(info).wait_async().await?,
        })
    }

    /// Browses a service type (a subtype if it has one): found and removed instances.
    pub async fn browse(&self, service_type: &ServiceType) -> Result<Browser, Error> {
        Ok(Events(
            self.handle.browse(service_type, false).wait_async().await?,
        ))
    }

    /// Browses and resolves: found and removed instances, plus resolved and updated
    /// details of each (resolving stops when the instance is removed).
    pub async fn browse_resolving(&self, service_type: &ServiceType) -> Result<Browser, Error> {
        Ok(Events(
            self.handle.browse(service_type, true).wait_async().await?,
        ))
    }

    /// Resolves one instance to host, port, TXT and addresses: returns at once when it
    /// has addresses of both families, else 1.1 s after the first complete answer
    /// with the latest one; [`Error::Timeout`] if none comes within `timeout`.
    pub async fn resolve(
        &self,
        instance: &InstanceName,
        service_type: &ServiceType,
        timeout: Duration,
    ) -> Result<ResolvedService, Error> {
        self.handle
            .resolve(instance, service_type, timeout)
            .wait_async()
            .await
    }

    /// A host's addresses: once the first is known plus any that arrive within 1.1 s
    /// after it; [`Error::Timeout`] if none comes within `timeout`.
    pub async fn lookup_host(&self, host: &Name, timeout: Duration) -> Result<Vec<IpAddr>, Error> {
        self.handle.lookup_host(host, timeout).wait_async().await
    }

    /// Watches a host's addresses come and go.
    pub async fn watch_host(&self, host: &Name) -> Result<HostWatcher, Error> {
        Ok(Events(self.handle.watch_host(host).wait_async().await?))
    }

    /// Enumerates the service types on the network.
    pub async fn service_types(&self) -> Result<TypeBrowser, Error> {
        Ok(Events(self.handle.service_types().wait_async().await?))
    }

    /// A one-shot query: answers until the engine's collection time is over, then the
    /// stream ends.
    pub async fn query(&self, name: &Name, rtype: Rtype) -> Result<QueryAnswers, Error> {
        Ok(Events(self.handle.query(name, rtype).wait_async().await?))
    }

    /// The interfaces mDNS runs on now.
    pub async fn interfaces(&self) -> Result<Vec<InterfaceInfo>, Error> {
        self.handle.interfaces().wait_async().await
    }

    /// A handle that stops this instance from another thread or a signal handler.
    pub fn stopper(&self) -> Stopper {
        self.handle.stopper()
    }

    /// Sends every goodbye, stops everything, and returns once the goodbyes are out.
    pub async fn shutdown(&self) -> Result<(), Error> {
        self.handle.shutdown().wait_async().await
    }
}

/// A stream of events ([`futures_core::Stream`]). Dropping it stops the operation.
#[derive(Debug)]
pub struct Events<E: 'static>(Subscription<E>);

/// Events of a browse.
pub type Browser = Events<BrowseEvent>;
/// Events of a host watch.
pub type HostWatcher = Events<HostEvent>;
/// Events of service type enumeration.
pub type TypeBrowser = Events<TypeEvent>;
/// Answers of a one-shot query.
pub type QueryAnswers = Events<AnswerRecord>;

impl<E: 'static> Events<E> {
    /// The next event. [`Error::Closed`]: the operation has ended;
    /// [`Error::Shutdown`]: the service has stopped.
    pub async fn next_event(&self) -> Result<E, Error> {
        self.0.recv_async().await
    }

    /// The next event if one is queued.
    pub fn try_next(&self) -> Option<E> {
        self.0.try_recv()
    }
}

impl<E: 'static> Stream for Events<E> {
    type Item = E;
    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<E>> {
        Pin::new(&mut self.0).poll_next(cx)
    }
}

/// A registered service. Dropping it unregisters it (goodbyes go out in the
/// background); [`unregister`](Self::unregister) waits until they are out. Its events
/// are a [`Stream`] too.
#[derive(Debug)]
pub struct Registration {
    inner: super::Registration,
}

impl Registration {
    /// The name it has now (changes after a conflict).
    pub fn name(&self) -> InstanceName {
        self.inner.name()
    }

    /// The next event.
    pub async fn next_event(&self) -> Result<RegistrationEvent, Error> {
        self.inner.events().recv_async().await
    }

    /// Replaces the TXT record.
    pub async fn update_txt(&self, txt: Txt) -> Result<(), Error> {
        self.inner.update_txt(txt).wait_async().await
    }

    /// Withdraws the service; returns once its goodbyes are out.
    pub async fn unregister(self) -> Result<(), Error> {
        self.inner.unregister().wait_async().await
    }
}

impl Stream for Registration {
    type Item = RegistrationEvent;
    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        Pin::new(self.inner.events_mut()).poll_next(cx)
    }
}
