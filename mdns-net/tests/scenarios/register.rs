//! Registration scenarios: services published by the library itself (no fake), seen
//! by browsers of the library on other hosts of the namespace LAN.

use std::net::IpAddr;
use std::time::{Duration, Instant};

use mdns_net::service::{BrowseEvent, Error, RegistrationEvent, ServiceInfo};
use mdns_sansio::engine::responder::RegisterError;
use mdns_sansio::engine::InterfaceId;
use mdns_sansio::sd::{InstanceName, ServiceType, Txt, TxtEntry};
use mdns_sansio::Name;
use mdns_testnet::{capable, Lan};

use super::{config, ip, is_found, is_removed, start, ty, wait_browse, Api, WAIT};

/// Waits for the first registration event matching `pred`; returns it and every event
/// seen up to it.
pub fn wait_reg<A: Api>(
    r: &mut A::Registration,
    what: &str,
    wait: Duration,
    mut pred: impl FnMut(&RegistrationEvent) -> bool,
) -> Vec<RegistrationEvent> {
    let end = Instant::now() + wait;
    let mut seen = Vec::new();
    loop {
        let left = end
            .checked_duration_since(Instant::now())
            .unwrap_or_else(|| panic!("timed out waiting for {what}; saw {seen:?}"));
        match A::reg_next(r, left) {
            Ok(ev) => {
                let hit = pred(&ev);
                seen.push(ev);
                if hit {
                    return seen;
                }
            }
            Err(Error::Timeout) => panic!("timed out waiting for {what}; saw {seen:?}"),
            Err(e) => panic!("waiting for {what}: {e}; saw {seen:?}"),
        }
    }
}

fn name(s: &str) -> InstanceName {
    InstanceName::new(s).unwrap()
}

/// Registers and asserts the events are exactly Probing then Registered, with the
/// name asked for.
fn register_clean<A: Api>(m: &A::Mdns, info: ServiceInfo) -> A::Registration {
    let want = info.instance.clone();
    let mut r = A::register(m, info).expect("register");
    let seen = wait_reg::<A>(&mut r, "Registered", WAIT, |e| {
        matches!(e, RegistrationEvent::Registered { .. })
    });
    assert_eq!(
        seen,
        vec![
            RegistrationEvent::Probing { name: want.clone() },
            RegistrationEvent::Registered { name: want.clone() },
        ]
    );
    assert_eq!(A::reg_name(&r), want);
    r
}

fn kitchen() -> ServiceInfo {
    ServiceInfo::builder("Kitchen", "_http._tcp", 8080)
        .txt("k", "v")
        .txt_flag("f")
        .subtype("_printer")
        .build()
        .unwrap()
}

/// A's addresses in the LAN's prefixes; its link-local IPv6 address is published
/// too (checked with [`is_link_local`]).
fn is_link_local(a: &IpAddr) -> bool {
    matches!(a, IpAddr::V6(v) if v.segments()[0] & 0xffc0 == 0xfe80)
}

fn want_addrs(v4: bool) -> Vec<IpAddr> {
    let mut v = vec![ip("fd77::1")];
    if v4 {
        v.push(ip("10.77.0.1"));
    }
    v
}

/// Host A registers a service (TXT, subtype); host B browses, resolves, looks up A's
/// host name and browses the subtype; B sees it go on unregister, and a second
/// registration go on A's shutdown.
pub fn register_browse_resolve_unregister<A: Api>(v4: bool) {
    if !capable("register_browse_resolve_unregister") {
        return;
    }
    let lan = Lan::new(2);
    let (ha, hb) = (lan.host(1), lan.host(2));
    let a = start::<A>(ha, config("hosta", v4, true));
    let b = start::<A>(hb, config("hostb", v4, true));
    let eth0 = InterfaceId(hb.ifindex("eth0"));
    let mut br = A::browse(&b, &ty(), true).unwrap();

    let reg = register_clean::<A>(&a, kitchen());

    wait_browse::<A>(&mut br, "Found", |e| is_found(e, "Kitchen", Some(eth0)));
    let ev = wait_browse::<A>(&mut br, "Resolved", |e| {
        matches!(e, BrowseEvent::Resolved(_))
    });
    let BrowseEvent::Resolved(r) = ev else {
        unreachable!()
    };
    assert_eq!(r.instance.as_str(), "Kitchen");
    assert_eq!(r.service_type, ty());
    assert_eq!(r.host.to_string(), "hosta.local.");
    assert_eq!(r.port, 8080);
    assert_eq!(
        r.txt.get("k").and_then(|e| e.value()),
        Some(b"v".as_slice())
    );
    assert!(r.txt.get("f").is_some_and(|e| e.is_flag()), "{r:?}");
    assert!(!r.addresses.is_empty(), "{r:?}");
    assert!(
        r.addresses
            .iter()
            .all(|(a, i)| *i == eth0 && (want_addrs(v4).contains(a) || is_link_local(a))),
        "{r:?}"
    );

    // Resolve at once, and again until every address family has arrived (the
    // resolving browse reports as soon as one address is known).
    let r2 = A::resolve(&b, &name("Kitchen"), &ty(), WAIT).unwrap();
    assert_eq!(
        (r2.port, r2.host.to_string()),
        (8080, "hosta.local.".into())
    );
    assert_eq!(r2.txt, r.txt);

    let host = Name::parse("hosta.local.").unwrap();
    let end = Instant::now() + WAIT;
    loop {
        let got = A::lookup_host(&b, &host, WAIT).unwrap();
        let want = want_addrs(v4);
        assert!(
            got.iter().all(|a| want.contains(a) || is_link_local(a)),
            "{got:?}"
        );
        if !v4 {
            assert!(got.iter().all(IpAddr::is_ipv6), "{got:?}");
        }
        if want.iter().all(|a| got.contains(a)) {
            break;
        }
        assert!(Instant::now() < end, "lookup_host: {got:?}, want {want:?}");
    }

    let sub = ty().with_subtype("_printer").unwrap();
    let mut bs = A::browse(&b, &sub, false).unwrap();
    wait_browse::<A>(&mut bs, "Found by subtype", |e| {
        is_found(e, "Kitchen", Some(eth0))
    });
    drop(bs);

    A::unregister(reg).unwrap();
    wait_browse::<A>(&mut br, "Removed after unregister", |e| {
        is_removed(e, "Kitchen", Some(eth0))
    });

    // A new registration, taken down by shutting the whole instance down.
    let info = ServiceInfo::builder("Study", "_http._tcp", 8081)
        .build()
        .unwrap();
    let _reg2 = register_clean::<A>(&a, info);
    wait_browse::<A>(&mut br, "Found Study", |e| is_found(e, "Study", Some(eth0)));
    A::shutdown(a).unwrap();
    wait_browse::<A>(&mut br, "Removed after shutdown", |e| {
        is_removed(e, "Study", Some(eth0))
    });
    A::shutdown(b).unwrap();
}

/// Two instances in one namespace, both on 5353, each registering its own service:
/// each browser sees both.
pub fn two_instances_register<A: Api>() {
    if !capable("two_instances_register") {
        return;
    }
    let lan = Lan::new(1);
    let h = lan.host(1);
    let m1 = start::<A>(h, config("one", true, true));
    let m2 = start::<A>(h, config("two", true, true));
    let mut b1 = A::browse(&m1, &ty(), false).unwrap();
    let mut b2 = A::browse(&m2, &ty(), false).unwrap();
    let one = ServiceInfo::builder("One", "_http._tcp", 1001)
        .build()
        .unwrap();
    let two = ServiceInfo::builder("Two", "_http._tcp", 1002)
        .build()
        .unwrap();
    let r1 = A::register(&m1, one).unwrap();
    let r2 = A::register(&m2, two).unwrap();
    for (b, who) in [(&mut b1, 1), (&mut b2, 2)] {
        let mut missing = vec!["One", "Two"];
        let end = Instant::now() + WAIT;
        while !missing.is_empty() {
            let left = end
                .checked_duration_since(Instant::now())
                .unwrap_or_else(|| panic!("instance {who} never saw {missing:?}"));
            match A::next(b, left) {
                Ok(BrowseEvent::Found { instance, .. }) => {
                    missing.retain(|n| *n != instance.as_str())
                }
                Ok(_) => {}
                Err(e) => panic!("instance {who} never saw {missing:?}: {e}"),
            }
        }
    }
    // Each resolves the other's service.
    let s = A::resolve(&m1, &name("Two"), &ty(), WAIT).unwrap();
    assert_eq!((s.port, s.host.to_string()), (1002, "two.local.".into()));
    let s = A::resolve(&m2, &name("One"), &ty(), WAIT).unwrap();
    assert_eq!((s.port, s.host.to_string()), (1001, "one.local.".into()));
    A::unregister(r1).unwrap();
    wait_browse::<A>(&mut b2, "One removed", |e| is_removed(e, "One", None));
    drop(r2);
    A::shutdown(m1).unwrap();
    A::shutdown(m2).unwrap();
}

/// Two hosts register the same instance name at the same time: both end up
/// published under distinct names, reported through their events, and a third host
/// lists both.
pub fn conflict_across_hosts<A: Api>() {
    if !capable("conflict_across_hosts") {
        return;
    }
    let lan = Lan::new(3);
    let a = start::<A>(lan.host(1), config("hosta", true, true));
    let b = start::<A>(lan.host(2), config("hostb", true, true));
    let c = start::<A>(lan.host(3), config("hostc", true, true));
    let mut bc = A::browse(&c, &ty(), false).unwrap();
    let info = |port| {
        ServiceInfo::builder("Kitchen", "_http._tcp", port)
            .build()
            .unwrap()
    };
    let mut ra = A::register(&a, info(1001)).unwrap();
    let mut rb = A::register(&b, info(1002)).unwrap();
    // Probing, tiebreak, one second of deferral, renaming and probing again.
    let budget = Duration::from_secs(8);
    let mut names = Vec::new();
    for (r, who) in [(&mut ra, "A"), (&mut rb, "B")] {
        let seen = wait_reg::<A>(r, &format!("{who} settled"), budget, |e| {
            matches!(e, RegistrationEvent::Registered { .. })
        });
        assert_eq!(
            seen[0],
            RegistrationEvent::Probing {
                name: name("Kitchen")
            },
            "{who}: {seen:?}"
        );
        let RegistrationEvent::Registered { name: last } = seen.last().unwrap().clone() else {
            unreachable!()
        };
        // The name it ends with is the one the last rename (if any) went to.
        let renamed_to = seen.iter().rev().find_map(|e| match e {
            RegistrationEvent::Renamed { to, .. } => Some(to.clone()),
            _ => None,
        });
        assert_eq!(
            renamed_to.clone().unwrap_or_else(|| name("Kitchen")),
            last,
            "{who}: {seen:?}"
        );
        assert_eq!(A::reg_name(r), last);
        eprintln!("{who}: {seen:?}");
        names.push(last);
    }
    assert_ne!(names[0], names[1], "both ended as {}", names[0]);
    assert!(names.contains(&name("Kitchen")), "{names:?}");

    let mut missing: Vec<String> = names.iter().map(|n| n.as_str().to_string()).collect();
    let end = Instant::now() + WAIT;
    while !missing.is_empty() {
        let left = end
            .checked_duration_since(Instant::now())
            .unwrap_or_else(|| panic!("C never saw {missing:?}"));
        match A::next(&mut bc, left) {
            Ok(BrowseEvent::Found { instance, .. }) => missing.retain(|n| n != instance.as_str()),
            Ok(_) => {}
            Err(e) => panic!("C never saw {missing:?}: {e}"),
        }
    }
    // Each name resolves to its own host.
    for (n, host, port) in [
        (&names[0], "hosta.local.", 1001),
        (&names[1], "hostb.local.", 1002),
    ] {
        let s = A::resolve(&c, n, &ty(), WAIT).unwrap();
        assert_eq!(
            (s.host.to_string(), s.port),
            (host.to_string(), port),
            "{n}"
        );
    }
    // No further event: the settled names stay.
    for (r, who) in [(&mut ra, "A"), (&mut rb, "B")] {
        let r = A::reg_next(r, Duration::from_millis(300));
        assert!(matches!(r, Err(Error::Timeout)), "{who}: {r:?}");
    }
    drop((ra, rb));
    for m in [a, b, c] {
        A::shutdown(m).unwrap();
    }
}

/// A TXT update reaches a resolving browser as Updated.
pub fn update_txt<A: Api>() {
    if !capable("update_txt") {
        return;
    }
    let lan = Lan::new(2);
    let (ha, hb) = (lan.host(1), lan.host(2));
    let a = start::<A>(ha, config("hosta", true, true));
    let b = start::<A>(hb, config("hostb", true, true));
    let mut br = A::browse(&b, &ty(), true).unwrap();
    let reg = register_clean::<A>(&a, kitchen());
    let ev = wait_browse::<A>(&mut br, "Resolved", |e| {
        matches!(e, BrowseEvent::Resolved(_))
    });
    let BrowseEvent::Resolved(r) = ev else {
        unreachable!()
    };
    assert_eq!(
        r.txt.get("k").and_then(|e| e.value()),
        Some(b"v".as_slice())
    );

    let mut txt = Txt::new();
    txt.push(TxtEntry::new("k", "w").unwrap()).unwrap();
    txt.push(TxtEntry::new("n", "2").unwrap()).unwrap();
    A::update_txt(&reg, txt.clone()).unwrap();
    let ev = wait_browse::<A>(
        &mut br,
        "Updated with the new TXT",
        |e| matches!(e, BrowseEvent::Updated(s) if s.txt == txt),
    );
    let BrowseEvent::Updated(s) = ev else {
        unreachable!()
    };
    assert_eq!((s.instance.as_str(), s.port), ("Kitchen", 8080));
    assert!(s.txt.get("f").is_none(), "{s:?}");
    let s = A::resolve(&b, &name("Kitchen"), &ty(), WAIT).unwrap();
    assert_eq!(s.txt, txt);
    A::unregister(reg).unwrap();
    A::shutdown(a).unwrap();
    A::shutdown(b).unwrap();
}

/// Bad input fails with its own error; a second registration of a name the instance
/// already publishes is refused by the engine and leaves the first one (and its host
/// name) published.
pub fn registration_errors<A: Api>() {
    let e = ServiceInfo::builder("A", "http", 1)
        .build()
        .map_err(Error::from)
        .unwrap_err();
    assert!(matches!(e, Error::InvalidServiceType(_)), "{e}");
    let e = ServiceInfo::builder("A", "_http._tcp", 1)
        .subtype("")
        .build()
        .map_err(Error::from)
        .unwrap_err();
    assert!(matches!(e, Error::InvalidServiceType(_)), "{e}");
    let e = ServiceInfo::builder("", "_http._tcp", 1)
        .build()
        .map_err(Error::from)
        .unwrap_err();
    assert!(matches!(e, Error::InvalidInstanceName(_)), "{e}");
    let e = ServiceInfo::builder("A", "_http._tcp", 1)
        .txt("", "x")
        .build()
        .map_err(Error::from)
        .unwrap_err();
    assert!(matches!(e, Error::InvalidTxt(_)), "{e}");
    assert!(ServiceType::new("_http._tcpx").is_err());

    if !capable("registration_errors") {
        return;
    }
    let lan = Lan::new(2);
    let a = start::<A>(lan.host(1), config("hosta", true, true));
    let reg = register_clean::<A>(&a, kitchen());
    let e = A::register(&a, kitchen()).map(|_| ()).unwrap_err();
    assert!(
        matches!(e, Error::Register(RegisterError::NameInUse { .. })),
        "{e:?}"
    );
    // A host outside local. is refused too.
    let info = ServiceInfo::builder("Den", "_http._tcp", 1)
        .host("box.example.com")
        .build()
        .unwrap();
    let e = A::register(&a, info).map(|_| ()).unwrap_err();
    assert!(matches!(e, Error::Register(_)), "{e:?}");

    // The refusals withdrew nothing: the service and its host name still answer a
    // host that starts now (and so has cached nothing of A's announcements).
    let b = start::<A>(lan.host(2), config("hostb", true, true));
    let s = A::resolve(&b, &name("Kitchen"), &ty(), WAIT).unwrap();
    assert_eq!(s.port, 8080);
    let addrs = A::lookup_host(&b, &Name::parse("hosta.local.").unwrap(), WAIT).unwrap();
    assert!(!addrs.is_empty());
    // And the registration still works: no new event, unregister completes.
    assert_eq!(A::reg_name(&reg), name("Kitchen"));
    let mut reg = reg;
    let r = A::reg_next(&mut reg, Duration::from_millis(200));
    assert!(matches!(r, Err(Error::Timeout)), "{r:?}");
    A::unregister(reg).unwrap();
    A::shutdown(a).unwrap();
    A::shutdown(b).unwrap();
}

/// Runs `f` on its own thread and fails the test if it takes longer than `bound`
/// (a hang shows as a failure, not as a stuck test).
fn bounded<R: Send + 'static>(
    what: &str,
    bound: Duration,
    f: impl FnOnce() -> R + Send + 'static,
) -> R {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(f());
    });
    rx.recv_timeout(bound)
        .unwrap_or_else(|_| panic!("{what} did not complete in {bound:?}"))
}

/// Withdrawing while still probing completes; the same name registers again right
/// after its goodbyes and a browser sees it come back; dropping a registration
/// withdraws it too.
pub fn registration_lifecycle<A: Api>() {
    if !capable("registration_lifecycle") {
        return;
    }
    let lan = Lan::new(2);
    let (ha, hb) = (lan.host(1), lan.host(2));
    let a = start::<A>(ha, config("hosta", true, true));
    let b = start::<A>(hb, config("hostb", true, true));
    let eth0 = InterfaceId(hb.ifindex("eth0"));
    let mut br = A::browse(&b, &ty(), false).unwrap();

    // Unregistered before probing is over: nothing was announced, nothing to wait for.
    let early = ServiceInfo::builder("Early", "_http._tcp", 1)
        .build()
        .unwrap();
    let r = A::register(&a, early).unwrap();
    bounded("unregister while probing", WAIT, move || A::unregister(r)).unwrap();

    let reg = register_clean::<A>(&a, kitchen());
    wait_browse::<A>(&mut br, "Found", |e| is_found(e, "Kitchen", Some(eth0)));
    A::unregister(reg).unwrap();
    wait_browse::<A>(&mut br, "Removed", |e| is_removed(e, "Kitchen", Some(eth0)));
    // The same name again, at once: no conflict with its own goodbyes.
    let reg = register_clean::<A>(&a, kitchen());
    wait_browse::<A>(&mut br, "Found again", |e| {
        is_found(e, "Kitchen", Some(eth0))
    });
    let s = A::resolve(&b, &name("Kitchen"), &ty(), WAIT).unwrap();
    assert_eq!(s.port, 8080);

    // Dropping the registration withdraws it.
    drop(reg);
    wait_browse::<A>(&mut br, "Removed on drop", |e| {
        is_removed(e, "Kitchen", Some(eth0))
    });
    A::shutdown(a).unwrap();
    A::shutdown(b).unwrap();
}
