//! Issue 20 through the client layer: reconfirmation as a subscription
//! (RFC 6762 §10.4), subtypes changed on a live registration (RFC 6763 §7.1), and
//! addresses in the order to try them, with their interface.

mod harness;

use core::time::Duration;
use std::net::{IpAddr, SocketAddr, SocketAddrV6};

use harness::*;
use mdns_sansio::engine::RECONFIRM_WINDOW;
use mdns_sansio::wire::Rtype;
use mdns_sansio::{InstanceName, ServiceType};
use mdns_sansio_client::{
    BrowseEvent, Client, Error, Event, PreferFamily, Reconfirmation, Request, ServiceInfo,
    SubscriptionId,
};

fn http() -> ServiceType {
    ServiceType::new("_http._tcp").unwrap()
}

fn kitchen() -> InstanceName {
    InstanceName::new("Kitchen").unwrap()
}

fn reconfirmed(net: &Net, id: SubscriptionId) -> Vec<(u64, Reconfirmation)> {
    net.events_of(id)
        .into_iter()
        .filter_map(|(t, e)| match e {
            Event::Reconfirmed(r) => Some((t.as_millis(), r)),
            _ => None,
        })
        .collect()
}

/// A resolving browse has Kitchen; reconfirming it while nobody answers removes it
/// ten seconds later, and the reconfirmation ends with `Gone` after the removal.
#[test]
fn rfc6762_10_4_reconfirmation_of_a_silent_service_ends_gone_after_the_removal() {
    let mut net = Net::new(41);
    let b = net.subscribe(Request::browse_resolving(http()));
    net.run_ms(300);
    net.recv(&service("Kitchen", 80, Some("10.0.0.9"), None));
    net.run_ms(100);
    let t0 = net.now;
    let r = net.subscribe(Request::reconfirm(kitchen(), http()));
    net.run_until(t0 + RECONFIRM_WINDOW + Duration::from_secs(1));
    let removed_at = net
        .events_of(b)
        .into_iter()
        .find_map(|(t, e)| match e {
            Event::Browse(BrowseEvent::Removed { instance, .. }) if instance == kitchen() => {
                Some(t)
            }
            _ => None,
        })
        .expect("the browse reports it removed");
    assert_eq!(removed_at, t0 + RECONFIRM_WINDOW);
    assert_eq!(
        reconfirmed(&net, r),
        [((t0 + RECONFIRM_WINDOW).as_millis(), Reconfirmation::Gone)]
    );
    // Ended with its outcome.
    assert!(!net.client.is_active(r));
    // Asked by multicast from port 5353, three times.
    let asked = net
        .sent_since(t0)
        .iter()
        .filter(|s| s.asks(KITCHEN))
        .count();
    assert!(asked >= 3, "{asked}");
}

#[test]
fn rfc6762_10_4_reconfirmation_of_a_live_service_ends_present_at_its_answer() {
    let mut net = Net::new(42);
    let b = net.subscribe(Request::browse_resolving(http()));
    net.run_ms(300);
    net.recv(&service("Kitchen", 80, Some("10.0.0.9"), None));
    let r = net.subscribe(Request::reconfirm(kitchen(), http()));
    net.run_ms(150);
    net.recv(&service("Kitchen", 80, Some("10.0.0.9"), None));
    assert_eq!(
        reconfirmed(&net, r),
        [(net.now.as_millis(), Reconfirmation::Present)]
    );
    net.run_ms(30_000);
    assert!(!net
        .events_of(b)
        .iter()
        .any(|(_, e)| matches!(e, Event::Browse(BrowseEvent::Removed { .. }))));
}

#[test]
fn rfc6763_7_1_subtypes_change_on_a_live_registration() {
    let mut net = Net::new(43);
    let info = ServiceInfo::builder("Node", "_matterc._udp", 5540)
        .subtype("_L3840")
        .build()
        .unwrap();
    let reg = net.subscribe(Request::register(info));
    net.run_ms(5000);
    let cm = "_CM._sub._matterc._udp.local.";
    let t = net.now;
    net.client.add_subtype(net.now, reg, b"_CM").unwrap();
    net.run_ms(3000);
    let announced = net
        .sent_since(t)
        .iter()
        .filter(|s| {
            s.answers()
                .iter()
                .any(|(n, ty, ttl)| n == cm && *ty == Rtype::PTR && *ttl > 0)
        })
        .count();
    // Two announcements (RFC 6762 §8.3), on IPv4 and IPv6 each.
    assert_eq!(announced, 4);
    let t = net.now;
    net.client.remove_subtype(net.now, reg, b"_CM").unwrap();
    net.run_ms(100);
    let goodbyes: Vec<_> = net
        .sent_since(t)
        .iter()
        .filter(|s| s.is_goodbye_for(cm, Rtype::PTR))
        .map(|s| s.at)
        .collect();
    // At once, on IPv4 and IPv6.
    assert_eq!(goodbyes, [t, t]);
    // Typed refusals: not a registration, a bad label, gone.
    let b = net.subscribe(Request::browse(http()));
    assert_eq!(
        net.client.add_subtype(net.now, b, b"_x"),
        Err(Error::NotARegistration(b))
    );
    assert!(matches!(
        net.client.add_subtype(net.now, reg, b""),
        Err(Error::Registration(_))
    ));
    net.client.unsubscribe(net.now, reg);
    assert_eq!(
        net.client.remove_subtype(net.now, reg, b"_L3840"),
        Err(Error::NoSuchSubscription(reg))
    );
}

/// A resolved service's addresses come in the order to try them, each with its
/// interface: IPv4 first by default, IPv6 first when the configuration asks; the
/// link-local IPv6 address last, as a socket address with its zone.
#[test]
fn resolved_addresses_in_the_order_to_try_them_with_their_zone() {
    let run = |prefer: PreferFamily| {
        let mut config = config(44);
        config.prefer_family = prefer;
        let mut net = Net::with_client(Client::new(config));
        net.client.interface_up(
            net.now,
            IF,
            &[
                ifaddr(OUR_V4, 24),
                ifaddr(OUR_V6, 64),
                ifaddr("fd00::1", 64),
            ],
        );
        let r = net.subscribe(Request::resolve(kitchen(), http(), Duration::from_secs(3)));
        net.run_ms(300);
        let full = KITCHEN;
        net.recv(&response(&[
            srv(full, 80, HOST),
            txt(full, &["path=/"]),
            aaaa(HOST, "fe80::9"),
            aaaa(HOST, "fd00::9"),
            a(HOST, "10.0.0.9"),
        ]));
        net.run_ms(3000);
        let s = net
            .events_of(r)
            .into_iter()
            .find_map(|(_, e)| match e {
                Event::Resolved(Ok(s)) => Some(s),
                _ => None,
            })
            .expect("resolved");
        (s.addresses.clone(), s.socket_addrs())
    };
    let ip = |s: &str| s.parse::<IpAddr>().unwrap();
    let (v4_first, sockets) = run(PreferFamily::Ipv4);
    assert_eq!(
        v4_first,
        [
            (ip("10.0.0.9"), IF),
            (ip("fd00::9"), IF),
            (ip("fe80::9"), IF)
        ]
    );
    assert_eq!(
        sockets,
        [
            "10.0.0.9:80".parse::<SocketAddr>().unwrap(),
            "[fd00::9]:80".parse().unwrap(),
            SocketAddr::V6(SocketAddrV6::new("fe80::9".parse().unwrap(), 80, 0, IF.0)),
        ]
    );
    let (v6_first, _) = run(PreferFamily::Ipv6);
    assert_eq!(
        v6_first,
        [
            (ip("fd00::9"), IF),
            (ip("10.0.0.9"), IF),
            (ip("fe80::9"), IF)
        ]
    );
}
