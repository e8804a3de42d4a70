//! The client layer's own timers, at exact simulated instants: a one-shot resolve or
//! host lookup returns [`ANSWER_LINGER`] after its first answer unless the answer is
//! complete, times out at exactly start + timeout; a shutdown ends at once when its
//! goodbyes are out, else at exactly start + [`SHUTDOWN_BOUND`].

mod harness;

use core::time::Duration;

use harness::*;
use mdns_sansio::{InstanceName, ServiceType};
use mdns_sansio_client::{Error, Event, Request, ServiceInfo, ANSWER_LINGER, SHUTDOWN_BOUND};

fn resolve_kitchen(timeout: Duration) -> Request {
    Request::resolve(
        InstanceName::new("Kitchen").unwrap(),
        ServiceType::new("_http._tcp").unwrap(),
        timeout,
    )
}

/// The one event of a one-shot, and when it came.
fn only_event(net: &Net, id: mdns_sansio_client::SubscriptionId) -> (mdns_sansio::Instant, Event) {
    let ev = net.events_of(id);
    assert_eq!(ev.len(), 1, "{ev:?}");
    assert!(!net.client.is_active(id));
    ev[0].clone()
}

#[test]
fn resolve_with_one_family_returns_at_first_answer_plus_linger() {
    let mut net = Net::new(11);
    let r = net.subscribe(resolve_kitchen(Duration::from_secs(5)));
    net.run_until(ms(300));
    net.recv(&service("Kitchen", 80, Some("10.0.0.9"), None));
    // Nothing one microsecond before the linger is over.
    net.run_until(ms(300) + ANSWER_LINGER - Duration::from_micros(1));
    assert!(net.events_of(r).is_empty());
    net.run_until(ms(10_000));
    let (at, e) = only_event(&net, r);
    assert_eq!(at, ms(300) + ANSWER_LINGER);
    match e {
        Event::Resolved(Ok(s)) => {
            assert_eq!(s.port, 80);
            assert_eq!(
                s.ips(),
                vec!["10.0.0.9".parse::<std::net::IpAddr>().unwrap()]
            );
        }
        other => panic!("{other:?}"),
    }
}

/// The answer of the other family comes within the linger: it is returned at once, not
/// when the linger ends.
#[test]
fn resolve_returns_as_soon_as_it_has_both_families() {
    let mut net = Net::new(12);
    let r = net.subscribe(resolve_kitchen(Duration::from_secs(5)));
    net.run_until(ms(300));
    net.recv(&service("Kitchen", 80, Some("10.0.0.9"), None));
    net.run_until(ms(700));
    net.recv(&response(&[aaaa(HOST, "fe80::9")]));
    let (at, e) = only_event(&net, r);
    assert_eq!(at, ms(700));
    assert!(
        matches!(&e, Event::Resolved(Ok(s)) if s.has_both_families()),
        "{e:?}"
    );
}

#[test]
fn resolve_with_both_families_in_one_answer_returns_at_once() {
    let mut net = Net::new(13);
    let r = net.subscribe(resolve_kitchen(Duration::from_secs(5)));
    net.run_until(ms(250));
    net.recv(&service("Kitchen", 80, Some("10.0.0.9"), Some("fe80::9")));
    let (at, e) = only_event(&net, r);
    assert_eq!(at, ms(250));
    assert!(matches!(e, Event::Resolved(Ok(_))));
}

#[test]
fn resolve_times_out_at_exactly_start_plus_timeout() {
    let mut net = Net::new(14);
    net.run_until(ms(1234));
    let r = net.subscribe(resolve_kitchen(Duration::from_millis(2500)));
    net.run_until(ms(1234 + 2500) - Duration::from_micros(1));
    assert!(net.events_of(r).is_empty());
    net.run_until(ms(60_000));
    assert_eq!(
        only_event(&net, r),
        (ms(3734), Event::Resolved(Err(Error::Timeout)))
    );
    // The query stopped with it: nothing asks for the instance any more.
    let t = net.now;
    net.run_ms(60_000);
    assert!(!net.sent_since(t).iter().any(|s| s.asks(KITCHEN)));
}

/// A timeout shorter than the linger: the timeout wins, with what was collected.
#[test]
fn resolve_deadline_inside_the_linger_returns_the_partial_answer() {
    let mut net = Net::new(15);
    let r = net.subscribe(resolve_kitchen(Duration::from_millis(800)));
    net.run_until(ms(300));
    net.recv(&service("Kitchen", 80, Some("10.0.0.9"), None));
    net.run_until(ms(5000));
    let (at, e) = only_event(&net, r);
    assert_eq!(at, ms(800));
    assert!(matches!(e, Event::Resolved(Ok(s)) if s.port == 80));
}

#[test]
fn lookup_collects_for_the_linger_after_the_first_address() {
    let mut net = Net::new(16);
    let l = net.subscribe(Request::lookup_host(name(HOST), Duration::from_secs(3)));
    net.run_until(ms(200));
    net.recv(&response(&[a(HOST, "10.0.0.9")]));
    net.run_until(ms(900));
    net.recv(&response(&[aaaa(HOST, "fe80::9")]));
    net.run_until(ms(10_000));
    let (at, e) = only_event(&net, l);
    // Both families do not end a lookup early: the linger runs from the first answer.
    assert_eq!(at, ms(200) + ANSWER_LINGER);
    let Event::HostAddresses(Ok(mut addrs)) = e else {
        panic!("{e:?}")
    };
    addrs.sort();
    assert_eq!(
        addrs,
        vec![
            "10.0.0.9".parse::<std::net::IpAddr>().unwrap(),
            "fe80::9".parse().unwrap()
        ]
    );
}

#[test]
fn lookup_times_out_at_exactly_start_plus_timeout() {
    let mut net = Net::new(17);
    let l = net.subscribe(Request::lookup_host(name(HOST), Duration::from_secs(3)));
    net.run_until(ms(20_000));
    assert_eq!(
        only_event(&net, l),
        (ms(3000), Event::HostAddresses(Err(Error::Timeout)))
    );
}

/// A browse (subscribed first, so ended first by a shutdown) and a registration.
fn registered(net: &mut Net) {
    net.subscribe(Request::browse(ServiceType::new("_http._tcp").unwrap()));
    let info = ServiceInfo::builder("Kitchen", "_http._tcp", 80)
        .build()
        .unwrap();
    net.subscribe(Request::register(info));
    net.run_ms(5000);
}

/// Goodbyes handed out: the shutdown is over at that instant.
#[test]
fn rfc6762_10_1_shutdown_ends_when_goodbyes_are_out() {
    let mut net = Net::new(18);
    registered(&mut net);
    let t = net.now;
    net.client.shutdown(t);
    assert!(!net.client.is_finished());
    net.drain();
    assert!(net.client.is_finished());
    let bye = net.sent_since(t);
    assert!(bye
        .iter()
        .any(|s| s.is_goodbye_for(KITCHEN, mdns_sansio::wire::Rtype::SRV)));
    assert!(bye
        .iter()
        .any(|s| s.is_goodbye_for("me.local.", mdns_sansio::wire::Rtype::A)));
    assert!(net.client.poll_timeout().is_none_or(|p| p > t));
}

/// Goodbyes that cannot go out (the driver never sends): the shutdown gives up at
/// exactly its bound.
#[test]
fn shutdown_gives_up_at_exactly_its_bound() {
    let mut net = Net::new(19);
    registered(&mut net);
    net.transmit = false;
    let t = net.now;
    net.client.shutdown(t);
    assert!(net.client.is_shutting_down());
    net.run_until(t + SHUTDOWN_BOUND - Duration::from_micros(1));
    assert!(!net.client.is_finished());
    net.run_until(t + SHUTDOWN_BOUND);
    assert!(net.client.is_finished());
    // Finished: new requests are refused.
    let e = net
        .client
        .subscribe(net.now, Request::service_types())
        .unwrap_err();
    assert_eq!(e, Error::ShuttingDown);
}
