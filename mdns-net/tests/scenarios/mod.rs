//! Namespace scenarios shared by the three runtime adapters. Each adapter's
//! `tests/scenarios.rs` includes this file with `#[path]`, implements [`Api`] (a small
//! blocking-style facade over its own API) and calls [`scenario_tests!`], which
//! writes one `#[test]` per scenario. Every socket lives in network namespaces the
//! test creates (`mdns-testnet`); every wait is on an event with a bounded timeout.
#![allow(dead_code)]

pub mod fake;
pub mod register;

use std::net::IpAddr;
use std::time::{Duration, Instant};

use mdns_net::service::{
    BrowseEvent, Error, HostEvent, InterfaceInfo, MdnsConfig, RegistrationEvent, TypeEvent,
};
use mdns_net::service::{ResolvedService, ServiceInfo};
use mdns_net::InterfaceSelector;
use mdns_sansio::engine::{AnswerRecord, InterfaceId};
use mdns_sansio::sd::{InstanceName, ServiceType, Txt};
use mdns_sansio::wire::{RecordData, Rtype};
use mdns_sansio::Name;
use mdns_testnet::{capable, Lan, Netns};

pub use fake::{FakeResponder, FakeService};
pub use register::*;

/// Longest wait for one expected event.
pub const WAIT: Duration = Duration::from_secs(5);

/// What a scenario needs from an adapter, in blocking form.
pub trait Api {
    type Mdns: Send;
    type Browser;
    type Registration: Send + 'static;
    /// Called on a thread inside the namespace.
    fn new(cfg: MdnsConfig) -> Result<Self::Mdns, Error>;
    fn browse(m: &Self::Mdns, ty: &ServiceType, resolving: bool) -> Result<Self::Browser, Error>;
    fn next(b: &mut Self::Browser, timeout: Duration) -> Result<BrowseEvent, Error>;
    fn resolve(
        m: &Self::Mdns,
        i: &InstanceName,
        ty: &ServiceType,
        timeout: Duration,
    ) -> Result<ResolvedService, Error>;
    fn lookup_host(m: &Self::Mdns, host: &Name, timeout: Duration) -> Result<Vec<IpAddr>, Error>;
    fn interfaces(m: &Self::Mdns) -> Result<Vec<InterfaceInfo>, Error>;
    fn register(m: &Self::Mdns, info: ServiceInfo) -> Result<Self::Registration, Error>;
    fn reg_next(r: &mut Self::Registration, timeout: Duration) -> Result<RegistrationEvent, Error>;
    fn reg_name(r: &Self::Registration) -> InstanceName;
    fn unregister(r: Self::Registration) -> Result<(), Error>;
    fn update_txt(r: &Self::Registration, txt: Txt) -> Result<(), Error>;
    fn shutdown(m: Self::Mdns) -> Result<(), Error>;
    /// The first event of `watch_host`.
    fn watch_host_first(m: &Self::Mdns, host: &Name, timeout: Duration)
        -> Result<HostEvent, Error>;
    /// The first event of `service_types`.
    fn service_types_first(m: &Self::Mdns, timeout: Duration) -> Result<TypeEvent, Error>;
    /// Every answer of a one-shot query, until its stream ends.
    fn query_all(
        m: &Self::Mdns,
        name: &Name,
        rtype: Rtype,
        timeout: Duration,
    ) -> Result<Vec<AnswerRecord>, Error>;
    /// Stops the instance through its stopper (as a signal handler would) and waits
    /// until it has ended.
    fn stop_and_wait(m: Self::Mdns) -> Result<(), Error>;
}

/// Writes one `#[test]` per scenario for an [`Api`] implementation.
#[macro_export]
macro_rules! scenario_tests {
    ($api:ty) => {
        #[test]
        fn browse_resolve_lookup_and_goodbye_v4_v6() {
            scenarios::browse_resolve_lookup_and_goodbye::<$api>(true, true);
        }
        #[test]
        fn browse_resolve_lookup_and_goodbye_ipv6_only() {
            scenarios::browse_resolve_lookup_and_goodbye::<$api>(false, true);
        }
        #[test]
        fn two_instances_in_one_namespace_share_5353() {
            scenarios::two_instances_in_one_namespace::<$api>();
        }
        #[test]
        fn interface_added_is_used_and_removed_is_dropped() {
            scenarios::interface_added_and_removed::<$api>(true);
        }
        #[test]
        fn interface_added_is_used_and_removed_is_dropped_ipv6_only() {
            scenarios::interface_added_and_removed::<$api>(false);
        }
        #[test]
        fn watch_host_types_one_shot_query_and_stopper() {
            scenarios::watch_types_query_stop::<$api>();
        }
        #[test]
        fn resolve_and_lookup_time_out() {
            scenarios::timeouts::<$api>();
        }
        #[test]
        fn register_browse_resolve_unregister_v4_v6() {
            scenarios::register_browse_resolve_unregister::<$api>(true);
        }
        #[test]
        fn register_browse_resolve_unregister_ipv6_only() {
            scenarios::register_browse_resolve_unregister::<$api>(false);
        }
        #[test]
        fn two_instances_in_one_namespace_register() {
            scenarios::two_instances_register::<$api>();
        }
        #[test]
        fn conflict_across_hosts_ends_with_two_names() {
            scenarios::conflict_across_hosts::<$api>();
        }
        #[test]
        fn update_txt_reaches_a_resolving_browser() {
            scenarios::update_txt::<$api>();
        }
        #[test]
        fn registration_lifecycle_early_unregister_reregister_drop() {
            scenarios::registration_lifecycle::<$api>();
        }
        #[test]
        fn registration_errors_are_typed() {
            scenarios::registration_errors::<$api>();
        }
    };
}

pub fn config(host: &str, ipv4: bool, ipv6: bool) -> MdnsConfig {
    MdnsConfig {
        ipv4,
        ipv6,
        host_name: Some(Name::parse(host).unwrap()),
        seed: Some(7),
        ..MdnsConfig::default()
    }
}

pub fn start<A: Api>(ns: &Netns, cfg: MdnsConfig) -> A::Mdns {
    ns.run_in(|| A::new(cfg)).expect("Mdns::new")
}

/// Waits for the first browse event matching `pred`, skipping others.
pub fn wait_browse<A: Api>(
    b: &mut A::Browser,
    what: &str,
    mut pred: impl FnMut(&BrowseEvent) -> bool,
) -> BrowseEvent {
    let end = Instant::now() + WAIT;
    loop {
        let left = end
            .checked_duration_since(Instant::now())
            .unwrap_or_else(|| panic!("timed out waiting for {what}"));
        match A::next(b, left) {
            Ok(ev) if pred(&ev) => return ev,
            Ok(_) => {}
            Err(Error::Timeout) => panic!("timed out waiting for {what}"),
            Err(e) => panic!("waiting for {what}: {e}"),
        }
    }
}

fn ty() -> ServiceType {
    ServiceType::new("_http._tcp").unwrap()
}

fn is_found(ev: &BrowseEvent, name: &str, iface: Option<InterfaceId>) -> bool {
    matches!(ev, BrowseEvent::Found { instance, interface, .. }
        if instance.as_str() == name && iface.is_none_or(|i| i == *interface))
}

fn is_removed(ev: &BrowseEvent, name: &str, iface: Option<InterfaceId>) -> bool {
    matches!(ev, BrowseEvent::Removed { instance, interface, .. }
        if instance.as_str() == name && iface.is_none_or(|i| i == *interface))
}

fn ip(s: &str) -> IpAddr {
    s.parse().unwrap()
}

/// Host 1 publishes (a fake responder on a raw socket); host 2 browses with
/// resolving, resolves, looks the host up, then sees the goodbye.
pub fn browse_resolve_lookup_and_goodbye<A: Api>(v4: bool, v6: bool) {
    if !capable("browse_resolve_lookup_and_goodbye") {
        return;
    }
    let lan = Lan::new(2);
    let (h1, h2) = (lan.host(1), lan.host(2));
    let svc = FakeService::kitchen(v4, v6);
    let mut fake = FakeResponder::start(h1, "eth0", &svc);
    let m = start::<A>(h2, config("hostb", v4, v6));
    let eth0 = InterfaceId(h2.ifindex("eth0"));

    let ifs = A::interfaces(&m).unwrap();
    assert_eq!(ifs.len(), 1, "{ifs:?}");
    assert_eq!(ifs[0].id, eth0);
    assert_eq!(ifs[0].interface.name, "eth0");

    let mut b = A::browse(&m, &ty(), true).unwrap();
    wait_browse::<A>(&mut b, "Found", |e| is_found(e, "Kitchen", Some(eth0)));
    let ev = wait_browse::<A>(&mut b, "Resolved", |e| {
        matches!(e, BrowseEvent::Resolved(_))
    });
    let BrowseEvent::Resolved(r) = ev else {
        unreachable!()
    };
    assert_eq!(r.instance.as_str(), "Kitchen");
    assert_eq!(r.service_type, ty());
    assert_eq!(r.port, 8080);
    assert_eq!(r.host.to_string(), "hosta.local.");
    assert_eq!(
        r.txt.get("k").and_then(|e| e.value()),
        Some(b"v".as_slice())
    );
    let want = if v4 { ip("10.77.0.1") } else { ip("fd77::1") };
    assert!(r.addresses.contains(&(want, eth0)), "{r:?}");
    if !v4 {
        assert!(r.addresses.iter().all(|(a, _)| a.is_ipv6()), "{r:?}");
    }

    let inst = InstanceName::new("Kitchen").unwrap();
    let r2 = A::resolve(&m, &inst, &ty(), WAIT).unwrap();
    assert_eq!(r2.port, 8080);
    assert!(r2.addresses.iter().any(|(a, _)| *a == want), "{r2:?}");

    let addrs = A::lookup_host(&m, &Name::parse("hosta.local.").unwrap(), WAIT).unwrap();
    assert!(addrs.contains(&want), "{addrs:?}");

    fake.goodbye();
    wait_browse::<A>(&mut b, "Removed", |e| is_removed(e, "Kitchen", Some(eth0)));
    A::shutdown(m).unwrap();
}

/// Two instances in one namespace both bind 5353 and both see the service.
pub fn two_instances_in_one_namespace<A: Api>() {
    if !capable("two_instances_in_one_namespace") {
        return;
    }
    let lan = Lan::new(2);
    let (h1, h2) = (lan.host(1), lan.host(2));
    let mut fake = FakeResponder::start(h1, "eth0", &FakeService::kitchen(true, true));
    let m1 = start::<A>(h2, config("one", true, true));
    let m2 = start::<A>(h2, config("two", true, true));
    let mut b1 = A::browse(&m1, &ty(), false).unwrap();
    let mut b2 = A::browse(&m2, &ty(), false).unwrap();
    wait_browse::<A>(&mut b1, "Found on 1", |e| is_found(e, "Kitchen", None));
    wait_browse::<A>(&mut b2, "Found on 2", |e| is_found(e, "Kitchen", None));
    fake.goodbye();
    wait_browse::<A>(&mut b1, "Removed on 1", |e| is_removed(e, "Kitchen", None));
    wait_browse::<A>(&mut b2, "Removed on 2", |e| is_removed(e, "Kitchen", None));
    A::shutdown(m1).unwrap();
    A::shutdown(m2).unwrap();
}

/// An interface added after start is joined and browsed on; once removed, what was
/// learnt on it is reported gone.
pub fn interface_added_and_removed<A: Api>(v4: bool) {
    if !capable("interface_added_and_removed") {
        return;
    }
    let lan = Lan::new(2);
    let (h1, h2) = (lan.host(1), lan.host(2));
    let _fake = FakeResponder::start(h1, "eth0", &FakeService::kitchen(v4, true));
    let m = start::<A>(h2, config("hostb", v4, true));
    let eth0 = InterfaceId(h2.ifindex("eth0"));
    let mut b = A::browse(&m, &ty(), false).unwrap();
    wait_browse::<A>(&mut b, "Found on eth0", |e| {
        is_found(e, "Kitchen", Some(eth0))
    });

    // Same bridge: the fake's multicast answers reach eth1 too.
    lan.add_port(2, "eth1", "10.77.1.2/24", "fd77:1::2/64");
    let eth1 = InterfaceId(h2.ifindex("eth1"));
    wait_browse::<A>(&mut b, "Found on eth1", |e| {
        is_found(e, "Kitchen", Some(eth1))
    });
    let ifs = A::interfaces(&m).unwrap();
    assert!(ifs.iter().any(|i| i.id == eth1), "{ifs:?}");

    lan.del_port(2, "eth1");
    wait_browse::<A>(&mut b, "Removed on eth1", |e| {
        is_removed(e, "Kitchen", Some(eth1))
    });
    let ifs = A::interfaces(&m).unwrap();
    assert!(!ifs.iter().any(|i| i.id == eth1), "{ifs:?}");
    assert!(ifs.iter().any(|i| i.id == eth0), "{ifs:?}");
    A::shutdown(m).unwrap();
}

/// Nobody answers: resolve and lookup end with Timeout after the time given.
pub fn timeouts<A: Api>() {
    if !capable("timeouts") {
        return;
    }
    let lan = Lan::new(1);
    let m = start::<A>(lan.host(1), config("hosta", true, true));
    let t = Instant::now();
    let inst = InstanceName::new("Nobody").unwrap();
    let r = A::resolve(&m, &inst, &ty(), Duration::from_millis(300));
    assert!(matches!(r, Err(Error::Timeout)), "{r:?}");
    let r = A::lookup_host(
        &m,
        &Name::parse("nobody.local.").unwrap(),
        Duration::from_millis(300),
    );
    assert!(matches!(r, Err(Error::Timeout)), "{r:?}");
    // Neither gave up early (a lower bound only: no speed threshold).
    assert!(t.elapsed() >= Duration::from_millis(600));
    // Interfaces by name: a missing one is refused.
    let cfg = MdnsConfig {
        interfaces: vec![InterfaceSelector::Name("nope0".into())],
        ..config("hostc", true, true)
    };
    let r = lan.host(1).run_in(|| A::new(cfg).map(|_| ()));
    assert!(matches!(r, Err(Error::NoUsableInterface)), "{r:?}");
    A::shutdown(m).unwrap();
}

/// Host watching, type enumeration, a one-shot query that ends by itself, and a stop
/// through the stopper that ends a running browse with `Shutdown`.
pub fn watch_types_query_stop<A: Api>() {
    if !capable("watch_types_query_stop") {
        return;
    }
    let lan = Lan::new(2);
    let (h1, h2) = (lan.host(1), lan.host(2));
    let _fake = FakeResponder::start(h1, "eth0", &FakeService::kitchen(true, true));
    let mut cfg = config("hostb", true, true);
    cfg.engine.one_shot_timeout = Duration::from_millis(500);
    let m = start::<A>(h2, cfg);
    let eth0 = InterfaceId(h2.ifindex("eth0"));
    let host = Name::parse("hosta.local.").unwrap();

    let ev = A::watch_host_first(&m, &host, WAIT).unwrap();
    assert!(matches!(ev, HostEvent::Added(_, i) if i == eth0), "{ev:?}");
    let ev = A::service_types_first(&m, WAIT).unwrap();
    assert_eq!(ev, TypeEvent::Found(ty(), eth0));

    let t = Instant::now();
    let answers = A::query_all(&m, &host, Rtype::A, WAIT).unwrap();
    assert!(
        t.elapsed() >= Duration::from_millis(400),
        "{:?}",
        t.elapsed()
    );
    assert!(
        answers
            .iter()
            .any(|a| a.name == host && a.data == RecordData::A("10.77.0.1".parse().unwrap())),
        "{answers:?}"
    );

    let mut b = A::browse(&m, &ty(), false).unwrap();
    wait_browse::<A>(&mut b, "Found", |e| is_found(e, "Kitchen", Some(eth0)));
    A::stop_and_wait(m).unwrap();
    let r = A::next(&mut b, WAIT);
    assert!(matches!(r, Err(Error::Shutdown)), "{r:?}");
}
