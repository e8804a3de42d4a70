//! Every subscription kind of the client layer, driven through a real engine with
//! crafted peers and simulated time: browse, browse-and-resolve (removal, rename while
//! resolving), two subscriptions on one question, unsubscribe with answers in flight,
//! host watch, type enumeration, one-shot query, and the errors of bad requests.

mod harness;

use core::time::Duration;

use harness::*;
use mdns_sansio::wire::Rtype;
use mdns_sansio::{InstanceName, ServiceType};
use mdns_sansio_client::{BrowseEvent, Error, Event, HostEvent, Request, TypeEvent};

fn ty() -> ServiceType {
    ServiceType::new("_http._tcp").unwrap()
}

fn found(e: &Event, instance: &str) -> bool {
    matches!(e, Event::Browse(BrowseEvent::Found { instance: i, .. }) if i.as_str() == instance)
}

fn removed(e: &Event, instance: &str) -> bool {
    matches!(e, Event::Browse(BrowseEvent::Removed { instance: i, .. }) if i.as_str() == instance)
}

fn resolved_port(e: &Event, instance: &str) -> Option<u16> {
    match e {
        Event::Browse(BrowseEvent::Resolved(s) | BrowseEvent::Updated(s))
            if s.instance.as_str() == instance =>
        {
            Some(s.port)
        }
        _ => None,
    }
}

#[test]
fn browse_reports_found_and_removed_once_per_interface() {
    let mut net = Net::new(1);
    let b = net.subscribe(Request::browse(ty()));
    net.run_ms(500);
    net.recv(&service("Kitchen", 80, Some("10.0.0.9"), None));
    // The same announcement again: nothing new to report.
    net.recv(&service("Kitchen", 80, Some("10.0.0.9"), None));
    let ev = net.events_of(b);
    assert_eq!(ev.len(), 1, "{ev:?}");
    assert!(found(&ev[0].1, "Kitchen"));
    assert_eq!(ev[0].0, ms(500));
    // A plain browse does not resolve: no resolve query goes out.
    net.run_ms(3000);
    assert!(
        !net.sent.iter().any(|s| s.asks(KITCHEN)),
        "a plain browse resolved"
    );
    // RFC 6762 §10.1: a goodbye removes the record one second later.
    let t = net.now;
    net.recv(&goodbye("Kitchen"));
    net.run_ms(2000);
    let ev = net.events_of(b);
    assert_eq!(ev.len(), 2, "{ev:?}");
    assert!(removed(&ev[1].1, "Kitchen"));
    assert_eq!(ev[1].0, t + Duration::from_secs(1));
}

#[test]
fn resolving_browse_resolves_updates_and_stops_on_removal() {
    let mut net = Net::new(2);
    let b = net.subscribe(Request::browse_resolving(ty()));
    net.run_ms(500);
    net.recv(&service("Kitchen", 80, Some("10.0.0.9"), None));
    net.run_ms(500);
    let ev = net.events_of(b);
    assert!(found(&ev[0].1, "Kitchen"), "{ev:?}");
    assert_eq!(
        ev.iter()
            .filter_map(|(_, e)| resolved_port(e, "Kitchen"))
            .collect::<Vec<_>>(),
        vec![80],
        "{ev:?}"
    );
    // A new port, more than a second after the old one (RFC 6762 §10.2: the cache
    // flush spares records received within the last second): Updated.
    net.run_ms(1000);
    net.recv(&response(&[srv(KITCHEN, 81, HOST)]));
    net.run_ms(1500);
    let ev = net.events_of(b);
    assert!(
        matches!(&ev.last().unwrap().1, Event::Browse(BrowseEvent::Updated(s)) if s.port == 81),
        "{ev:?}"
    );
    // Removed: the resolve stops, so a later change of the instance reports nothing
    // and nobody asks for it any more.
    net.recv(&goodbye("Kitchen"));
    net.run_ms(1500);
    let n = net.events_of(b).len();
    assert!(removed(&net.events_of(b)[n - 1].1, "Kitchen"));
    let t = net.now;
    net.recv(&response(&[srv(KITCHEN, 82, HOST)]));
    net.run_ms(120_000);
    assert_eq!(net.events_of(b).len(), n, "{:?}", net.events_of(b));
    assert!(
        !net.sent_since(t).iter().any(|s| s.asks(KITCHEN)),
        "the resolve of a removed instance kept asking"
    );
}

/// A peer renames its service (a conflict elsewhere): the old name says goodbye and
/// the new one is announced. The browse reports the old one removed, the new one found
/// and resolved, and nothing more of the old one.
#[test]
fn rename_while_resolving() {
    let mut net = Net::new(3);
    let b = net.subscribe(Request::browse_resolving(ty()));
    net.run_ms(500);
    net.recv(&service("Kitchen", 80, Some("10.0.0.9"), Some("fe80::9")));
    net.run_ms(500);
    let before = net.events_of(b).len();
    net.recv(&goodbye("Kitchen"));
    net.recv(&service(
        "Kitchen (2)",
        80,
        Some("10.0.0.9"),
        Some("fe80::9"),
    ));
    net.run_ms(3000);
    let ev: Vec<Event> = net.events_of(b)[before..]
        .iter()
        .map(|(_, e)| e.clone())
        .collect();
    assert!(ev.iter().any(|e| removed(e, "Kitchen")), "{ev:?}");
    assert!(ev.iter().any(|e| found(e, "Kitchen (2)")), "{ev:?}");
    assert!(
        ev.iter()
            .any(|e| resolved_port(e, "Kitchen (2)") == Some(80)),
        "{ev:?}"
    );
    let after_removal = ev.iter().position(|e| removed(e, "Kitchen")).unwrap();
    assert!(
        !ev[after_removal..]
            .iter()
            .any(|e| resolved_port(e, "Kitchen").is_some()),
        "{ev:?}"
    );
}

#[test]
fn two_subscriptions_on_one_question_each_get_everything() {
    let mut net = Net::new(4);
    let b1 = net.subscribe(Request::browse(ty()));
    let b2 = net.subscribe(Request::browse_resolving(ty()));
    net.run_ms(500);
    net.recv(&service("Kitchen", 80, Some("10.0.0.9"), Some("fe80::9")));
    net.run_ms(500);
    assert!(found(&net.events_of(b1)[0].1, "Kitchen"));
    assert!(found(&net.events_of(b2)[0].1, "Kitchen"));
    assert!(net
        .events_of(b2)
        .iter()
        .any(|(_, e)| resolved_port(e, "Kitchen") == Some(80)));
    // Only b2 resolves.
    assert!(net
        .events_of(b1)
        .iter()
        .all(|(_, e)| resolved_port(e, "Kitchen").is_none()));
    // Ending one leaves the other running: its question still goes out and it still
    // hears about new instances.
    assert!(net.client.unsubscribe(net.now, b1));
    net.recv(&service("Hall", 81, Some("10.0.0.8"), None));
    assert!(net.events_of(b2).iter().any(|(_, e)| found(e, "Hall")));
    assert!(!net.events_of(b1).iter().any(|(_, e)| found(e, "Hall")));
    let t = net.now;
    net.run_ms(20_000);
    assert!(net.sent_since(t).iter().any(|s| s.asks(TYPE)));
}

#[test]
fn unsubscribe_drops_events_already_queued_and_answers_in_flight() {
    let mut net = Net::new(5);
    let b = net
        .client
        .subscribe(net.now, Request::browse_resolving(ty()))
        .unwrap();
    net.run_ms(500);
    // Deliver without polling: the events wait in the client's queue.
    let meta_now = net.now;
    net.transmit = false;
    let bytes = service("Kitchen", 80, Some("10.0.0.9"), None);
    net.client.handle_datagram(
        meta_now,
        mdns_sansio::engine::RecvMeta {
            source: format!("{PEER}:5353").parse().unwrap(),
            interface: IF,
            multicast: true,
            ttl: Some(255),
        },
        &bytes,
    );
    assert!(net.client.unsubscribe(net.now, b));
    assert!(!net.client.is_active(b));
    assert!(!net.client.unsubscribe(net.now, b), "twice");
    net.transmit = true;
    net.drain();
    // An answer to the resolve that was running arrives after the unsubscribe.
    net.recv(&response(&[srv(KITCHEN, 99, HOST)]));
    net.run_ms(10_000);
    assert!(net.events_of(b).is_empty(), "{:?}", net.events_of(b));
    assert_eq!(net.client.subscription_count(), 0);
}

#[test]
fn watch_host_reports_addresses_coming_and_going() {
    let mut net = Net::new(6);
    let w = net.subscribe(Request::watch_host(name(HOST)));
    net.run_ms(500);
    net.recv(&response(&[a(HOST, "10.0.0.9")]));
    let mut gone = a(HOST, "10.0.0.9");
    gone.ttl = 0;
    net.recv(&response(&[gone]));
    net.run_ms(2000);
    let ev: Vec<Event> = net.events_of(w).into_iter().map(|(_, e)| e).collect();
    let addr = "10.0.0.9".parse().unwrap();
    assert_eq!(
        ev,
        vec![
            Event::Host(HostEvent::Added(addr, IF)),
            Event::Host(HostEvent::Removed(addr, IF))
        ]
    );
}

#[test]
fn rfc6763_9_type_enumeration() {
    let mut net = Net::new(7);
    let s = net.subscribe(Request::service_types());
    net.run_ms(500);
    net.recv(&response(&[ptr(
        "_services._dns-sd._udp.local.",
        TYPE,
        4500,
    )]));
    let ev: Vec<Event> = net.events_of(s).into_iter().map(|(_, e)| e).collect();
    assert_eq!(ev, vec![Event::ServiceType(TypeEvent::Found(ty(), IF))]);
}

#[test]
fn rfc6762_5_1_one_shot_query_answers_then_done() {
    let mut net = Net::new(8);
    let q = net.subscribe(Request::query(name(HOST), Rtype::A));
    let t = net.now;
    net.run_ms(100);
    assert!(net.sent_since(t).iter().any(|s| s.asks(HOST)));
    net.recv(&response(&[a(HOST, "10.0.0.9")]));
    net.run_ms(10_000);
    let ev = net.events_of(q);
    assert!(
        matches!(&ev[0].1, Event::Answer(r) if r.rtype == Rtype::A),
        "{ev:?}"
    );
    assert_eq!(ev.last().unwrap().1, Event::QueryDone);
    assert!(ev.last().unwrap().1.is_final());
    assert!(!net.client.is_active(q));
}

#[test]
fn bad_requests_are_typed_errors() {
    let mut net = Net::new(9);
    let b = net.subscribe(Request::browse(ty()));
    assert_eq!(
        net.client.update_txt(net.now, b, Default::default()),
        Err(Error::NotARegistration(b))
    );
    assert_eq!(
        net.client.unregister(net.now, b),
        Err(Error::NotARegistration(b))
    );
    net.client.unsubscribe(net.now, b);
    assert_eq!(
        net.client.update_txt(net.now, b, Default::default()),
        Err(Error::NoSuchSubscription(b))
    );
    // The engine's query limit surfaces as its own typed error.
    let mut cfg = config(9);
    cfg.engine.max_queries = 1;
    let mut small = Net::with_client(mdns_sansio_client::Client::new(cfg));
    small.subscribe(Request::browse(ty()));
    let e = small
        .client
        .subscribe(
            small.now,
            Request::resolve(
                InstanceName::new("X").unwrap(),
                ty(),
                Duration::from_secs(1),
            ),
        )
        .unwrap_err();
    assert!(matches!(e, Error::Query(_)), "{e:?}");
}
