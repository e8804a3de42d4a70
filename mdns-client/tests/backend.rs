//! The unicast seam: requests outside the mDNS domains go to the client's [`Backend`]
//! under the same ids and come back as the same events; without a backend they are
//! refused with a typed error. The client keeps the one-shot timeouts and
//! `unregister`'s completion for backend subscriptions too.

mod harness;

use core::time::Duration;
use std::collections::VecDeque;

use harness::*;
use mdns_sansio::sd::Txt;
use mdns_sansio::{InstanceName, Instant, ServiceType};
use mdns_sansio_client::{
    Backend, BackendError, BrowseEvent, Client, Error, Event, RegistrationEvent, Request,
    ServiceInfo, SubscriptionId,
};

/// A scripted backend: records every call, hands out the events a test queues.
#[derive(Debug, Default)]
struct Fake {
    calls: Vec<String>,
    out: VecDeque<(SubscriptionId, Event)>,
    withdrawing: Vec<SubscriptionId>,
}

impl Backend for Fake {
    fn subscribe(&mut self, _now: Instant, id: SubscriptionId, r: &Request) -> Result<(), Error> {
        self.calls.push(format!("subscribe {id} in {}", r.domain()));
        Ok(())
    }
    fn unsubscribe(&mut self, _now: Instant, id: SubscriptionId) {
        self.calls.push(format!("unsubscribe {id}"));
    }
    fn update_txt(&mut self, _now: Instant, id: SubscriptionId, _txt: &Txt) -> Result<(), Error> {
        self.calls.push(format!("update_txt {id}"));
        Ok(())
    }
    fn handle_timeout(&mut self, _now: Instant) {}
    fn poll_timeout(&self) -> Option<Instant> {
        None
    }
    fn poll_event(&mut self) -> Option<(SubscriptionId, Event)> {
        self.out.pop_front()
    }
    fn shutdown(&mut self, _now: Instant) {
        self.calls.push("shutdown".into());
    }
    fn is_idle(&self) -> bool {
        self.withdrawing.is_empty()
    }
}

fn ty() -> ServiceType {
    ServiceType::new("_http._tcp").unwrap()
}

fn browse_in(domain: &str) -> Request {
    Request::Browse {
        service_type: ty(),
        domain: name(domain),
        resolve: true,
    }
}

#[test]
fn without_a_backend_other_domains_are_refused_with_a_typed_error() {
    let mut net = Net::new(31);
    let e = net
        .client
        .subscribe(net.now, browse_in("example.com."))
        .unwrap_err();
    assert_eq!(
        e,
        Error::NoBackend {
            domain: name("example.com.")
        }
    );
    let e = net
        .client
        .subscribe(
            net.now,
            Request::lookup_host(name("box.example.com."), Duration::from_secs(1)),
        )
        .unwrap_err();
    assert_eq!(
        e,
        Error::NoBackend {
            domain: name("example.com.")
        }
    );
    // And nothing went on the wire for them.
    net.run_ms(5000);
    assert!(net.sent.iter().all(|s| !s.asks("box.example.com.")));
}

#[test]
fn backend_events_come_back_under_the_same_id() {
    let mut net = Net::with_client(Client::with_backend(config(32), Fake::default()));
    let local = net.subscribe(Request::browse(ty()));
    let remote = net.subscribe(browse_in("example.com."));
    assert_eq!(
        net.client.backend().calls,
        vec![format!("subscribe {remote} in example.com.")]
    );
    let found = Event::Browse(BrowseEvent::Found {
        instance: InstanceName::new("Far").unwrap(),
        service_type: ty(),
        interface: mdns_sansio::engine::InterfaceId(0),
    });
    net.run_ms(10);
    net.client
        .backend_input(net.now, |b, _| b.out.push_back((remote, found.clone())));
    net.drain();
    assert_eq!(net.events_of(remote), vec![(net.now, found)]);
    assert!(net.events_of(local).is_empty());
    // Unsubscribing reaches the backend; later events of the id are dropped.
    net.client.unsubscribe(net.now, remote);
    assert_eq!(
        net.client.backend().calls.last().unwrap(),
        &format!("unsubscribe {remote}")
    );
    net.client
        .backend_input(net.now, |b, _| b.out.push_back((remote, Event::QueryDone)));
    net.drain();
    assert_eq!(net.events_of(remote).len(), 1);
}

#[test]
fn backend_resolve_times_out_in_the_client() {
    let mut net = Net::with_client(Client::with_backend(config(33), Fake::default()));
    let r = net.subscribe(Request::Resolve {
        instance: InstanceName::new("Far").unwrap(),
        service_type: ty(),
        domain: name("example.com."),
        timeout: Duration::from_millis(1500),
    });
    net.run_ms(5000);
    assert_eq!(
        net.events_of(r),
        vec![(ms(1500), Event::Resolved(Err(Error::Timeout)))]
    );
    assert_eq!(
        net.client.backend().calls.last().unwrap(),
        &format!("unsubscribe {r}")
    );
}

#[test]
fn backend_registration_update_and_unregister_with_completion() {
    let mut net = Net::with_client(Client::with_backend(config(34), Fake::default()));
    let info = ServiceInfo::builder("Far", "_http._tcp", 80)
        .domain(name("example.com."))
        .build()
        .unwrap();
    let r = net.subscribe(Request::register(info));
    net.client
        .update_txt(net.now, r, Txt::new())
        .expect("routed to the backend");
    net.client.unregister(net.now, r).unwrap();
    assert!(!net.client.is_active(r));
    net.drain();
    assert!(net.events_of(r).is_empty(), "waits for the backend");
    net.run_ms(10);
    net.client.backend_input(net.now, |b, _| {
        b.out
            .push_back((r, Event::Registration(RegistrationEvent::Unregistered)))
    });
    net.drain();
    assert_eq!(
        net.events_of(r),
        vec![(
            net.now,
            Event::Registration(RegistrationEvent::Unregistered)
        )]
    );
    assert_eq!(
        net.client.backend().calls,
        vec![
            format!("subscribe {r} in example.com."),
            format!("update_txt {r}"),
            format!("unsubscribe {r}"),
        ]
    );
    assert_eq!(net.client.subscription_count(), 0);
}

/// A shutdown waits for the backend's withdrawals too (within the bound).
#[test]
fn shutdown_waits_for_the_backend() {
    let mut net = Net::with_client(Client::with_backend(config(35), Fake::default()));
    let id = net.subscribe(browse_in("example.com."));
    net.client.backend_mut().withdrawing.push(id);
    net.client.shutdown(net.now);
    net.drain();
    assert!(!net.client.is_finished());
    // The backend's driver hands it what completes the withdrawal.
    net.client
        .backend_input(net.now, |b, _| b.withdrawing.clear());
    assert!(net.client.is_finished());
}

/// What a backend's server says comes back typed: a refusal at subscribe time as
/// `Error::Backend`, a non-final `ServerError`, a final `Rejected` that ends the
/// registration.
#[test]
fn backend_errors_come_back_typed_and_rejected_is_final() {
    #[derive(Debug, PartialEq)]
    struct Refused;
    impl std::fmt::Display for Refused {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("zone example.com. refused the update")
        }
    }
    impl std::error::Error for Refused {}

    #[derive(Debug, Default)]
    struct Refusing(Fake);
    impl Backend for Refusing {
        fn subscribe(
            &mut self,
            now: Instant,
            id: SubscriptionId,
            r: &Request,
        ) -> Result<(), Error> {
            match r {
                Request::BrowseDomains { .. } => Err(Error::Backend(BackendError::new(Refused))),
                _ => self.0.subscribe(now, id, r),
            }
        }
        fn unsubscribe(&mut self, now: Instant, id: SubscriptionId) {
            self.0.unsubscribe(now, id)
        }
        fn update_txt(&mut self, now: Instant, id: SubscriptionId, t: &Txt) -> Result<(), Error> {
            self.0.update_txt(now, id, t)
        }
        fn handle_timeout(&mut self, _now: Instant) {}
        fn poll_timeout(&self) -> Option<Instant> {
            None
        }
        fn poll_event(&mut self) -> Option<(SubscriptionId, Event)> {
            self.0.poll_event()
        }
        fn shutdown(&mut self, now: Instant) {
            self.0.shutdown(now)
        }
        fn is_idle(&self) -> bool {
            self.0.is_idle()
        }
    }

    let mut net = Net::with_client(Client::with_backend(config(36), Refusing::default()));
    let e = net
        .client
        .subscribe(net.now, Request::browse_domains(None))
        .unwrap_err();
    let Error::Backend(b) = &e else {
        panic!("{e:?}")
    };
    assert_eq!(b.downcast_ref::<Refused>(), Some(&Refused));
    assert_eq!(e.to_string(), "zone example.com. refused the update");

    let info = ServiceInfo::builder("Far", "_http._tcp", 80)
        .domain(name("example.com."))
        .build()
        .unwrap();
    let r = net.subscribe(Request::register(info));
    let trouble = Event::Registration(RegistrationEvent::ServerError(BackendError::new(Refused)));
    let rejected = Event::Registration(RegistrationEvent::Rejected(BackendError::new(Refused)));
    net.run_ms(10);
    net.client.backend_input(net.now, |b, _| {
        b.0.out.push_back((r, trouble.clone()));
        b.0.out.push_back((r, rejected.clone()));
    });
    net.drain();
    assert_eq!(
        net.events_of(r),
        vec![(net.now, trouble), (net.now, rejected)]
    );
    assert!(!net.client.is_active(r), "Rejected ended it");
    assert_eq!(net.client.subscription_count(), 0);
}
