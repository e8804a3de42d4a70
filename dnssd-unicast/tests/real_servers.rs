//! The client against real DNS servers, BIND 9 and Knot DNS, cross-checked with their
//! own tools (`dig`, `nsupdate`). See `mdns_testnet::dns` for how they run.
#![cfg(target_os = "linux")]

use mdns_testnet::dns as servers;

use dnssd_unicast::blocking::BlockingDriver;
use dnssd_unicast::client::{DomainConfig, Event, RegId, ServiceRegistration, SubId, UpdateError};
use dnssd_unicast::{ClientConfig, TsigKey};
use mdns_sansio::sd::{InstanceName, ServiceType};
use mdns_sansio::Name;
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

/// Runs the driver in slices until `done` holds (checked after each), at most WAIT.
/// For what the client reports with no event (an update answered): observed, not
/// waited for by the clock.
fn run_until_state(d: &mut BlockingDriver, mut done: impl FnMut(&mut BlockingDriver) -> bool) {
    let end = std::time::Instant::now() + WAIT;
    while std::time::Instant::now() < end {
        d.run_for(Duration::from_millis(100)).unwrap();
        if done(d) {
            return;
        }
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

fn rfc6763_4_service_added_with_nsupdate_is_browsed_and_resolved(kind: Kind, test: &str) {
    let Some(s) = servers::start(kind, test) else {
        return;
    };
    let z = &s.zone;
    s.nsupdate(&format!(
        "update add _ipp._tcp.{z} 60 PTR Office\\032Printer._ipp._tcp.{z}\n\
         update add Office\\032Printer._ipp._tcp.{z} 60 SRV 0 0 631 printer.{z}\n\
         update add Office\\032Printer._ipp._tcp.{z} 60 TXT \"rp=queue\" \"color=T\"\n\
         update add printer.{z} 60 A 192.0.2.7\n\
         update add printer.{z} 60 AAAA 2001:db8::7"
    ));
    // Asked again every 2 s at most, whatever the TTL: removals are seen soon.
    let mut d = driver(&s, None, |c| c.max_poll = Duration::from_secs(2));
    let now = d.now();
    d.client()
        .browse(
            now,
            SubId(1),
            &ServiceType::new("_ipp._tcp").unwrap(),
            &n(z),
        )
        .unwrap();
    let (seen, ok) = d
        .run_until(WAIT, |e| matches!(e, Event::ServiceFound { .. }))
        .unwrap();
    assert!(ok, "{seen:?}");
    let Some(Event::ServiceFound {
        instance,
        service_type,
        ..
    }) = seen.last()
    else {
        unreachable!()
    };
    assert_eq!(*service_type, n(&format!("_ipp._tcp.{z}")));
    assert_eq!(*instance, n(&format!("Office\\032Printer._ipp._tcp.{z}")));
    let instance = instance.clone();
    let now = d.now();
    d.client().resolve(now, SubId(2), &instance).unwrap();
    let (seen, ok) = d
        .run_until(WAIT, |e| matches!(e, Event::ServiceResolved { .. }))
        .unwrap();
    assert!(ok, "{seen:?}");
    let Some(Event::ServiceResolved { service, .. }) = seen.last() else {
        unreachable!()
    };
    assert_eq!(service.port, 631);
    assert_eq!(service.host, n(&format!("printer.{z}")));
    assert_eq!(service.txt, b"\x08rp=queue\x07color=T");
    assert_eq!(
        service.addresses,
        vec![
            "192.0.2.7".parse::<std::net::IpAddr>().unwrap(),
            "2001:db8::7".parse().unwrap()
        ]
    );
    // TXT changed in the zone: the resolve reports the update at its next refresh.
    s.nsupdate(&format!("update delete Office\\032Printer._ipp._tcp.{z} TXT\nupdate add Office\\032Printer._ipp._tcp.{z} 60 TXT \"rp=other\""));
    let (seen, ok) = d
        .run_until(WAIT, |e| matches!(e, Event::ServiceUpdated { .. }))
        .unwrap();
    assert!(ok, "{seen:?}");
    let Some(Event::ServiceUpdated { service, .. }) = seen.last() else {
        unreachable!()
    };
    assert_eq!(service.txt, b"\x08rp=other");
    // Removed in the zone: the browse sees it go, the resolve loses it.
    s.nsupdate(&format!(
        "update delete Office\\032Printer._ipp._tcp.{z}\nupdate delete _ipp._tcp.{z} PTR"
    ));
    let mut removed = false;
    let mut lost = false;
    let (seen, ok) = d
        .run_until(WAIT, |e| {
            removed |= matches!(e, Event::ServiceRemoved { sub: SubId(1), .. });
            lost |= matches!(e, Event::ServiceLost { sub: SubId(2), .. });
            removed && lost
        })
        .unwrap();
    assert!(ok, "{seen:?}");
}

fn rfc2136_2_4_5_a_name_taken_by_others_renames(kind: Kind, test: &str) {
    let Some(s) = servers::start(kind, test) else {
        return;
    };
    let z = &s.zone;
    s.nsupdate(&format!(
        "update add Printer._http._tcp.{z} 60 SRV 0 0 80 other-host.{z}\n\
         update add Printer._http._tcp.{z} 60 TXT \"\""
    ));
    let mut d = driver(&s, Some(key(KEY_SECRET)), |_| {});
    let now = d.now();
    d.client()
        .register(now, RegId(7), service(&s, "Printer", 8080))
        .unwrap();
    let (seen, ok) = d
        .run_until(WAIT, |e| matches!(e, Event::Registered { .. }))
        .unwrap();
    assert!(ok, "{seen:?}");
    assert!(
        seen.iter().any(|e| matches!(e, Event::Renamed { from, to, .. }
            if *from == n(&format!("Printer._http._tcp.{z}")) && *to == n(&format!("Printer\\032(2)._http._tcp.{z}")))),
        "{seen:?}"
    );
    // The other publisher's records are untouched; ours are beside them.
    assert_eq!(
        s.dig(&format!("Printer._http._tcp.{z}"), "SRV").trim(),
        format!("0 0 80 other-host.{z}")
    );
    assert_eq!(
        s.dig(&format!("Printer\\032(2)._http._tcp.{z}"), "SRV")
            .trim(),
        format!("0 0 8080 host.{z}")
    );
}

fn rfc2136_2_4_2_a_restarted_publisher_replaces_its_own_records(kind: Kind, test: &str) {
    let Some(s) = servers::start(kind, test) else {
        return;
    };
    let z = &s.zone;
    let mut first = driver(&s, Some(key(KEY_SECRET)), |_| {});
    let now = first.now();
    first
        .client()
        .register(now, RegId(1), service(&s, "Kitchen", 9000))
        .unwrap();
    registered(&mut first, RegId(1));
    // The process dies without deleting its records.
    drop(first);
    let mut second = driver(&s, Some(key(KEY_SECRET)), |_| {});
    let mut r = service(&s, "Kitchen", 9000);
    r.txt = b"\x0bversion=2.0".to_vec();
    let now = second.now();
    second.client().register(now, RegId(1), r).unwrap();
    let (seen, _) = second
        .run_until(WAIT, |e| matches!(e, Event::Registered { .. }))
        .unwrap();
    assert!(
        !seen.iter().any(|e| matches!(e, Event::Renamed { .. })),
        "{seen:?}"
    );
    assert!(
        matches!(seen.last(), Some(Event::Registered { name, .. }) if *name == n(&format!("Kitchen._http._tcp.{z}"))),
        "{seen:?}"
    );
    assert_eq!(
        s.dig(&format!("Kitchen._http._tcp.{z}"), "TXT").trim(),
        "\"version=2.0\""
    );
    // TXT changed in place.
    let now = second.now();
    assert!(second
        .client()
        .update_txt(now, RegId(1), b"\x0bversion=3.0".to_vec()));
    run_until_state(&mut second, |_| {
        s.dig(&format!("Kitchen._http._tcp.{z}"), "TXT").trim() == "\"version=3.0\""
    });
    let txt = s.dig(&format!("Kitchen._http._tcp.{z}"), "TXT");
    assert_eq!(txt.trim(), "\"version=3.0\"");
    assert_eq!(s.dig(&format!("_http._tcp.{z}"), "PTR").lines().count(), 1);
}

fn rfc8945_5_2_2_a_wrong_secret_is_refused_with_badsig_naming_the_key(kind: Kind, test: &str) {
    let Some(s) = servers::start(kind, test) else {
        return;
    };
    let wrong = key("d3Jvbmctc2VjcmV0LXdyb25nLXNlY3JldC13cm9uZyE=");
    let mut d = driver(&s, Some(wrong), |_| {});
    let now = d.now();
    d.client()
        .register(now, RegId(3), service(&s, "Nope", 80))
        .unwrap();
    let (seen, ok) = d
        .run_until(WAIT, |e| matches!(e, Event::RegistrationError { .. }))
        .unwrap();
    assert!(ok, "{seen:?}");
    let Some(Event::RegistrationError { error, .. }) = seen.last() else {
        unreachable!()
    };
    assert!(matches!(error, UpdateError::Tsig { .. }), "{error:?}");
    let text = error.to_string();
    assert!(
        text.contains("the server rejected the signature (BADSIG)") && text.contains(KEY_NAME),
        "{text}"
    );
    assert!(!text.contains("d3Jvbmc") && !format!("{error:?}").contains("d3Jvbmc"));
    assert!(d.client().stats().unsigned_tsig_errors >= 1);
    assert_eq!(
        s.dig(&format!("Nope._http._tcp.{}", s.zone), "SRV").trim(),
        ""
    );
    // Kept and sent again: no failure, no registration.
    let more = d.run_for(Duration::from_secs(2)).unwrap();
    assert!(
        !more.iter().any(|e| matches!(
            e,
            Event::Registered { .. } | Event::RegistrationFailed { .. }
        )),
        "{more:?}"
    );
}

fn rfc2136_3_3_a_key_the_policy_does_not_allow_is_refused_naming_the_zone(kind: Kind, test: &str) {
    let Some(s) = servers::start(kind, test) else {
        return;
    };
    let text = format!(
        "key \"{}\" {{ algorithm hmac-sha256; secret \"{}\"; }};",
        servers::IDLE_KEY_NAME,
        servers::IDLE_KEY_SECRET
    );
    let idle = TsigKey::parse_bind(&text).unwrap().remove(0);
    let mut d = driver(&s, Some(idle), |_| {});
    let now = d.now();
    d.client()
        .register(now, RegId(4), service(&s, "Denied", 80))
        .unwrap();
    let (seen, ok) = d
        .run_until(WAIT, |e| matches!(e, Event::RegistrationError { .. }))
        .unwrap();
    assert!(ok, "{seen:?}");
    let Some(Event::RegistrationError { error, .. }) = seen.last() else {
        unreachable!()
    };
    let text = error.to_string();
    // BIND refuses (REFUSED); Knot answers NOTAUTH with the TSIG error BADKEY.
    match kind {
        Kind::Bind => assert!(matches!(error, UpdateError::Refused { .. }), "{error:?}"),
        Kind::Knot => assert!(matches!(error, UpdateError::Tsig { .. }), "{error:?}"),
    }
    assert!(
        text.contains(&format!("zone {}", s.zone)) && text.contains("update policy"),
        "{text}"
    );
}

fn rfc9664_4_the_lease_is_refreshed(kind: Kind, test: &str) {
    let Some(s) = servers::start(kind, test) else {
        return;
    };
    let mut d = driver(&s, Some(key(KEY_SECRET)), |c| {
        c.lease = Duration::from_secs(2)
    });
    let now = d.now();
    d.client()
        .register(now, RegId(1), service(&s, "Leased", 80))
        .unwrap();
    registered(&mut d, RegId(1));
    let accepted = d.client().stats().updates_accepted;
    run_until_state(&mut d, |d| {
        let st = d.client().stats();
        st.lease_refreshes >= 1 && st.updates_accepted > accepted
    });
    let st = d.client().stats().clone();
    assert!(st.lease_refreshes >= 1, "{st:?}");
    assert!(st.updates_accepted > accepted, "{st:?}");
    assert_eq!(
        s.dig(&format!("Leased._http._tcp.{}", s.zone), "SRV")
            .trim(),
        format!("0 0 80 host.{}", s.zone)
    );
    shut_down(&mut d);
    assert_eq!(
        s.dig(&format!("Leased._http._tcp.{}", s.zone), "SRV")
            .trim(),
        ""
    );
}

fn rfc6763_4_a_zone_without_dns_sd_records_browses_empty(kind: Kind, test: &str) {
    let Some(s) = servers::start(kind, test) else {
        return;
    };
    let mut d = driver(&s, None, |_| {});
    let now = d.now();
    d.client()
        .browse(
            now,
            SubId(1),
            &ServiceType::new("_nothing._tcp").unwrap(),
            &n(&s.zone),
        )
        .unwrap();
    let end = std::time::Instant::now() + WAIT;
    while d.client().stats().accepted == 0 && std::time::Instant::now() < end {
        d.step(Duration::from_millis(100)).unwrap();
    }
    assert_eq!(d.client().stats().accepted, 1);
    let mut events = Vec::new();
    while let Some(e) = d.client().poll_event() {
        events.push(e);
    }
    assert!(events.is_empty(), "{events:?}");
}

fn rfc1035_4_2_1_a_truncated_answer_is_asked_again_over_tcp(kind: Kind, test: &str) {
    let Some(s) = servers::start(kind, test) else {
        return;
    };
    let z = &s.zone;
    let adds: String = (0..60)
        .map(|i| format!("update add _many._tcp.{z} 60 PTR Instance-with-a-long-name-number-{i:02}._many._tcp.{z}\n"))
        .collect();
    s.nsupdate(&adds);
    let mut d = driver(&s, None, |_| {});
    let now = d.now();
    d.client()
        .browse(
            now,
            SubId(1),
            &ServiceType::new("_many._tcp").unwrap(),
            &n(z),
        )
        .unwrap();
    let mut found = 0;
    let (seen, ok) = d
        .run_until(WAIT, |e| {
            found += matches!(e, Event::ServiceFound { .. }) as usize;
            found == 60
        })
        .unwrap();
    assert!(ok, "{} found: {:?}", found, seen.last());
    assert!(
        d.client().stats().tcp_fallbacks >= 1,
        "{:?}",
        d.client().stats()
    );
}

fn rfc6763_11_domain_enumeration_lists_the_zone_s_domains(kind: Kind, test: &str) {
    let Some(s) = servers::start(kind, test) else {
        return;
    };
    let z = &s.zone;
    s.nsupdate(&format!(
        "update add b._dns-sd._udp.{z} 60 PTR {z}\n\
         update add b._dns-sd._udp.{z} 60 PTR sub.{z}\n\
         update add lb._dns-sd._udp.{z} 60 PTR {z}\n\
         update add dr._dns-sd._udp.{z} 60 PTR {z}"
    ));
    let mut d = driver(&s, None, |c| c.search_domains = vec![n(&s.zone)]);
    let bases = d.client().enumeration_bases(&[
        ("127.0.0.1".parse().unwrap(), 8),
        ("fe80::1".parse().unwrap(), 64),
    ]);
    assert_eq!(bases, vec![n(z)]);
    let now = d.now();
    d.client().enumerate_domains(now, SubId(1), &bases).unwrap();
    let mut found = Vec::new();
    d.run_until(WAIT, |e| {
        if let Event::DomainFound { kind, domain, .. } = e {
            found.push((*kind, domain.to_string()));
        }
        found.len() == 4
    })
    .unwrap();
    found.sort();
    use dnssd_unicast::names::DomainKind::*;
    let mut want = vec![
        (Browse, z.to_string()),
        (Browse, format!("sub.{z}")),
        (DefaultRegister, z.to_string()),
        (Automatic, z.to_string()),
    ];
    want.sort();
    assert_eq!(found, want);
}

fn rfc6763_5_address_changes_update_the_host_records(kind: Kind, test: &str) {
    let Some(s) = servers::start(kind, test) else {
        return;
    };
    let z = &s.zone;
    let mut d = driver(&s, Some(key(KEY_SECRET)), |_| {});
    let mut r = service(&s, "Moving", 80);
    r.publish_addresses = true;
    let now = d.now();
    d.client()
        .set_host_addresses(now, &["192.0.2.1".parse().unwrap()]);
    d.client().register(now, RegId(1), r).unwrap();
    registered(&mut d, RegId(1));
    let now = d.now();
    d.client().set_host_addresses(
        now,
        &["192.0.2.2".parse().unwrap(), "2001:db8::2".parse().unwrap()],
    );
    run_until_state(&mut d, |_| {
        s.dig(&format!("host.{z}"), "AAAA").trim() == "2001:db8::2"
    });
    assert_eq!(s.dig(&format!("host.{z}"), "A").trim(), "192.0.2.2");
    assert_eq!(s.dig(&format!("host.{z}"), "AAAA").trim(), "2001:db8::2");
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

both!(
    rfc2136_published_service_is_listed_by_dig_and_deleted_on_shutdown,
    rfc6763_4_service_added_with_nsupdate_is_browsed_and_resolved,
    rfc2136_2_4_5_a_name_taken_by_others_renames,
    rfc2136_2_4_2_a_restarted_publisher_replaces_its_own_records,
    rfc8945_5_2_2_a_wrong_secret_is_refused_with_badsig_naming_the_key,
    rfc2136_3_3_a_key_the_policy_does_not_allow_is_refused_naming_the_zone,
    rfc9664_4_the_lease_is_refreshed,
    rfc6763_4_a_zone_without_dns_sd_records_browses_empty,
    rfc1035_4_2_1_a_truncated_answer_is_asked_again_over_tcp,
    rfc6763_11_domain_enumeration_lists_the_zone_s_domains,
    rfc6763_5_address_changes_update_the_host_records,
);
