//! The client against real DNS servers, BIND 9 and Knot DNS, cross-checked with their
//! own tools (`dig`, `nsupdate`). See `servers/mod.rs` for how they run.

mod servers;

use dnssd_unicast::blocking::BlockingDriver;
use dnssd_unicast::client::{DomainConfig, Event, RegId, ServiceRegistration, SubId, UpdateError};
use dnssd_unicast::{Algorithm, ClientConfig, TsigKey};
use mdns_proto::sd::{InstanceName, ServiceType};
use mdns_proto::Name;
use servers::{Kind, Server, KEY_NAME, KEY_SECRET};
use std::time::Duration;

const WAIT: Duration = Duration::from_secs(10);

fn key(secret_b64: &str) -> TsigKey {
    let text = format!("key \"{KEY_NAME}\" {{ algorithm hmac-sha256; secret \"{secret_b64}\"; }};");
    TsigKey::parse_bind(&text).unwrap().remove(0)
}

fn driver(
    s: &Server,
    key: Option<TsigKey>,
    tweak: impl FnOnce(&mut ClientConfig),
) -> BlockingDriver {
    let mut config = ClientConfig::default();
    let mut dc = DomainConfig::new(n(&s.zone), vec![s.addr]);
    dc.key = key;
    config.domains.push(dc);
    config.initial_rto = Duration::from_millis(500);
    tweak(&mut config);
    BlockingDriver::new(config)
}

fn n(s: &str) -> Name {
    Name::parse(s).unwrap()
}

fn service(s: &Server, instance: &str, port: u16) -> ServiceRegistration {
    let mut r = ServiceRegistration::new(
        InstanceName::new(instance).unwrap(),
        ServiceType::new("_http._tcp").unwrap(),
        n(&s.zone),
        n(&format!("host.{}", s.zone)),
        port,
    );
    r.txt = b"\x07path=/x".to_vec();
    r
}

fn registered(d: &mut BlockingDriver, id: RegId) -> Name {
    let (seen, ok) = d
        .run_until(WAIT, |e| matches!(e, Event::Registered { id: i, .. } | Event::RegistrationFailed { id: i, .. } if *i == id))
        .unwrap();
    assert!(ok, "no registration outcome: {seen:?}");
    match seen.last().unwrap() {
        Event::Registered { name, .. } => name.clone(),
        other => panic!("registration failed: {other:?} after {seen:?}"),
    }
}

fn shut_down(d: &mut BlockingDriver) {
    let now = d.now();
    d.client().shutdown(now);
    let end = std::time::Instant::now() + WAIT;
    while !d.client().is_shut_down() && std::time::Instant::now() < end {
        d.step(Duration::from_millis(100)).unwrap();
    }
    assert!(d.client().is_shut_down());
}

fn rfc2136_published_service_is_listed_by_dig_and_deleted_on_shutdown(kind: Kind, test: &str) {
    let Some(s) = servers::start(kind, test) else {
        return;
    };
    let mut d = driver(&s, Some(key(KEY_SECRET)), |_| {});
    let mut r = service(&s, "Web Server", 8080);
    r.subtypes.push(b"_printer".to_vec());
    r.publish_addresses = true;
    let now = d.now();
    d.client()
        .set_host_addresses(now, &["192.0.2.10".parse().unwrap()]);
    d.client().register(now, RegId(1), r).unwrap();
    let name = registered(&mut d, RegId(1));
    assert_eq!(name, n(&format!("Web Server._http._tcp.{}", s.zone)));
    // Knot keeps names inside rdata in lower case (its canonical form): compare so.
    let ptr = s
        .dig(&format!("_http._tcp.{}", s.zone), "PTR")
        .to_lowercase();
    assert!(
        ptr.contains(&format!("web\\032server._http._tcp.{}", s.zone)),
        "{ptr}"
    );
    let sub = s
        .dig(&format!("_printer._sub._http._tcp.{}", s.zone), "PTR")
        .to_lowercase();
    assert!(sub.contains("web\\032server"), "{sub}");
    let srv = s.dig(&format!("Web\\032Server._http._tcp.{}", s.zone), "SRV");
    assert_eq!(srv.trim(), format!("0 0 8080 host.{}", s.zone));
    let txt = s.dig(&format!("Web\\032Server._http._tcp.{}", s.zone), "TXT");
    assert_eq!(txt.trim(), "\"path=/x\"");
    assert_eq!(s.dig(&format!("host.{}", s.zone), "A").trim(), "192.0.2.10");
    shut_down(&mut d);
    assert_eq!(s.dig(&format!("_http._tcp.{}", s.zone), "PTR").trim(), "");
    assert_eq!(
        s.dig(&format!("Web\\032Server._http._tcp.{}", s.zone), "SRV")
            .trim(),
        ""
    );
    assert_eq!(s.dig(&format!("host.{}", s.zone), "A").trim(), "");
}

macro_rules! both {
    ($($f:ident),* $(,)?) => {
        mod bind {
            $(#[test] fn $f() { super::$f(super::Kind::Bind, concat!("bind-", stringify!($f))) })*
        }
        mod knot {
            $(#[test] fn $f() { super::$f(super::Kind::Knot, concat!("knot-", stringify!($f))) })*
        }
    };
}

both!(rfc2136_published_service_is_listed_by_dig_and_deleted_on_shutdown);
