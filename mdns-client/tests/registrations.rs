//! Registrations through the client layer: their events, renames and failures on
//! conflicts, TXT updates, unregistration with completion, the host name published
//! with the first service and withdrawn after the last, and byte-identical output
//! (shutdown goodbyes included) for identical inputs.

mod harness;

use harness::*;
use mdns_sansio::engine::RegistrationFailure;
use mdns_sansio::wire::Rtype;
use mdns_sansio::Txt;
use mdns_sansio_client::{Client, Error, Event, RegistrationEvent, Request, ServiceInfo};

fn kitchen() -> ServiceInfo {
    ServiceInfo::builder("Kitchen", "_http._tcp", 80)
        .txt("v", "1")
        .build()
        .unwrap()
}

fn reg_events(net: &Net, id: mdns_sansio_client::SubscriptionId) -> Vec<RegistrationEvent> {
    net.events_of(id)
        .into_iter()
        .map(|(_, e)| match e {
            Event::Registration(r) => r,
            other => panic!("{other:?}"),
        })
        .collect()
}

fn label(s: &str) -> mdns_sansio::InstanceName {
    mdns_sansio::InstanceName::new(s).unwrap()
}

#[test]
fn rfc6762_8_probing_then_registered() {
    let mut net = Net::new(21);
    let r = net.subscribe(Request::register(kitchen()));
    net.run_ms(5000);
    assert_eq!(
        reg_events(&net, r),
        vec![
            RegistrationEvent::Probing {
                name: label("Kitchen")
            },
            RegistrationEvent::Registered {
                name: label("Kitchen")
            }
        ]
    );
    assert_eq!(net.client.registered_name(r), Some(&label("Kitchen")));
    // The host name was published with it.
    assert!(net.sent.iter().any(|s| s
        .answers()
        .iter()
        .any(|(n, t, _)| n == "me.local." && *t == Rtype::A)));
}

/// Someone else answers for the name while we probe (RFC 6762 §8.1, RFC 6762 §9): the
/// registration moves to `Kitchen (2)`.
fn conflict(net: &mut Net) {
    net.run_until_sent(1000, |s| s.probes(KITCHEN));
    net.recv(&response(&[srv(KITCHEN, 9999, "other.local.")]));
    net.run_ms(8000);
}

#[test]
fn rfc6762_9_conflict_renames() {
    let mut net = Net::new(22);
    let r = net.subscribe(Request::register(kitchen()));
    conflict(&mut net);
    let ev = reg_events(&net, r);
    assert!(
        ev.contains(&RegistrationEvent::Renamed {
            from: label("Kitchen"),
            to: label("Kitchen (2)")
        }),
        "{ev:?}"
    );
    assert_eq!(
        ev.last(),
        Some(&RegistrationEvent::Registered {
            name: label("Kitchen (2)")
        })
    );
    assert_eq!(net.client.registered_name(r), Some(&label("Kitchen (2)")));
}

#[test]
fn conflict_without_rename_fails_with_the_engines_reason() {
    let mut net = Net::new(23);
    let mut info = kitchen();
    info.allow_rename = false;
    let r = net.subscribe(Request::register(info));
    conflict(&mut net);
    let ev = reg_events(&net, r);
    assert_eq!(
        ev.last(),
        Some(&RegistrationEvent::Failed(RegistrationFailure::Conflict)),
        "{ev:?}"
    );
    assert!(!net.client.is_active(r));
    // Its host name went with it (it was the only service on it): the name is free
    // for a new host registration on the engine.
    let host = mdns_sansio::engine::responder::HostRegistration::builder(name("me.local."))
        .build()
        .unwrap();
    assert!(net.client.engine_mut().register_host(net.now, host).is_ok());
}

#[test]
fn rfc6762_8_4_update_txt_is_announced() {
    let mut net = Net::new(24);
    let r = net.subscribe(Request::register(kitchen()));
    net.run_ms(5000);
    let t = net.now;
    let txt = Txt::builder().entry("v", "2").build().unwrap();
    net.client.update_txt(t, r, txt).unwrap();
    net.run_ms(100);
    assert!(net.sent_since(t).iter().any(|s| s
        .answers()
        .iter()
        .any(|(n, ty, ttl)| n == KITCHEN && *ty == Rtype::TXT && *ttl > 0)));
}

#[test]
fn rfc6762_10_1_unregister_completes_after_goodbyes_including_the_host_name() {
    let mut net = Net::new(25);
    let r = net.subscribe(Request::register(kitchen()));
    net.run_ms(5000);
    let t = net.now;
    net.client.unregister(t, r).unwrap();
    // Not active any more, but not gone: it waits for its goodbyes.
    assert!(!net.client.is_active(r));
    assert_eq!(net.client.subscription_count(), 1);
    net.drain();
    let ev = net.events_of(r);
    let (at, last) = ev.last().unwrap().clone();
    assert_eq!(last, Event::Registration(RegistrationEvent::Unregistered));
    assert!(last.is_final());
    let bye = net.sent_since(t);
    let srv_bye = bye
        .iter()
        .find(|s| s.is_goodbye_for(KITCHEN, Rtype::SRV))
        .unwrap();
    let host_bye = bye
        .iter()
        .find(|s| s.is_goodbye_for("me.local.", Rtype::A))
        .unwrap();
    assert!(srv_bye.at <= at && host_bye.at <= at);
    assert_eq!(net.client.subscription_count(), 0);
    // Unregistered once: asking again finds nothing.
    assert_eq!(
        net.client.unregister(net.now, r),
        Err(Error::NoSuchSubscription(r))
    );
}

#[test]
fn host_name_lives_while_a_service_points_at_it() {
    let mut net = Net::new(26);
    let a = net.subscribe(Request::register(kitchen()));
    let hall = ServiceInfo::builder("Hall", "_http._tcp", 81)
        .build()
        .unwrap();
    let b = net.subscribe(Request::register(hall));
    net.run_ms(5000);
    // First service gone: its goodbyes, not the host name's.
    let t = net.now;
    net.client.unsubscribe(t, a);
    net.run_ms(3000);
    assert!(net
        .sent_since(t)
        .iter()
        .any(|s| s.is_goodbye_for(KITCHEN, Rtype::SRV)));
    assert!(!net
        .sent_since(t)
        .iter()
        .any(|s| s.is_goodbye_for("me.local.", Rtype::A)));
    // Unsubscribe reports nothing.
    assert!(!net
        .events_of(a)
        .iter()
        .any(|(_, e)| *e == Event::Registration(RegistrationEvent::Unregistered)));
    // The last one takes the host name with it.
    let t = net.now;
    net.client.unregister(t, b).unwrap();
    net.drain();
    assert!(net
        .sent_since(t)
        .iter()
        .any(|s| s.is_goodbye_for("me.local.", Rtype::A)));
    // And a new service publishes it again.
    let again = net.subscribe(Request::register(kitchen()));
    net.run_ms(5000);
    assert_eq!(
        reg_events(&net, again).last(),
        Some(&RegistrationEvent::Registered {
            name: label("Kitchen")
        })
    );
}

#[test]
fn registration_errors_are_typed() {
    let mut net = Net::new(27);
    net.subscribe(Request::register(kitchen()));
    let e = net
        .client
        .subscribe(net.now, Request::register(kitchen()))
        .unwrap_err();
    assert!(
        matches!(
            e,
            Error::Register(mdns_sansio::engine::responder::RegisterError::NameInUse { .. })
        ),
        "{e:?}"
    );
    // A refused service gives back only its own use of the host name: the first
    // service's host name stays published.
    net.run_ms(5000);
    assert!(!net
        .sent
        .iter()
        .any(|s| s.is_goodbye_for("me.local.", Rtype::A)));
}

/// Five registrations, a browse, and a shutdown: two runs with the same inputs hand
/// out byte-identical datagrams at identical instants, goodbyes included (no hash
/// order reaches a packet).
#[test]
fn same_inputs_same_bytes() {
    let run = || {
        let mut net = Net::with_client(Client::new(config(28)));
        for (i, n) in ["A", "B", "C", "D", "E"].iter().enumerate() {
            let info = ServiceInfo::builder(n, "_http._tcp", 80 + i as u16)
                .host(&format!("h{i}"))
                .build()
                .unwrap();
            net.subscribe(Request::register(info));
        }
        net.subscribe(Request::browse_resolving(
            mdns_sansio::ServiceType::new("_http._tcp").unwrap(),
        ));
        net.run_ms(4000);
        net.recv(&service("Kitchen", 80, Some("10.0.0.9"), Some("fe80::9")));
        net.run_ms(3000);
        net.client.shutdown(net.now);
        net.run_ms(4000);
        assert!(net.client.is_finished());
        let sent: Vec<(u64, Vec<u8>)> = net
            .sent
            .iter()
            .map(|s| (s.at.as_micros(), s.bytes.clone()))
            .collect();
        let events: Vec<String> = net.events.iter().map(|e| format!("{e:?}")).collect();
        (sent, events)
    };
    let (s1, e1) = run();
    let (s2, e2) = run();
    assert!(s1.len() > 10);
    assert_eq!(s1, s2);
    assert_eq!(e1, e2);
}
