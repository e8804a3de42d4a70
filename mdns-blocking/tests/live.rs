//! Issue 20 through the API on real sockets, in network namespaces the test makes
//! (`mdns-testnet`): a subtype added and removed on a live registration reaches a
//! browser of that subtype on another host; reconfirming a live service finds it
//! present; resolved services and host lookups give addresses with the interface they
//! were learnt on, an IPv6 link-local one as a socket address with its zone.
#![cfg(target_os = "linux")]

use std::net::{IpAddr, SocketAddr};
use std::time::{Duration, Instant};

use mdns_blocking::{
    BrowseEvent, Browser, Error, InstanceName, Mdns, MdnsConfig, Reconfirmation, RegistrationEvent,
    ServiceInfo, ServiceType,
};
use mdns_testnet::{capable, Lan};

const WAIT: Duration = Duration::from_secs(5);

fn open(lan: &Lan, host: usize, name: &str) -> Mdns {
    let config = MdnsConfig {
        host_name: Some(mdns_blocking::host_name(name).unwrap()),
        ..MdnsConfig::default()
    };
    lan.host(host).run_in(move || Mdns::new(config)).unwrap()
}

/// The next browse event matching `want`, within `WAIT`.
fn next_matching(b: &Browser, what: &str, want: impl Fn(&BrowseEvent) -> bool) -> BrowseEvent {
    let end = Instant::now() + WAIT;
    loop {
        let left = end.saturating_duration_since(Instant::now());
        match b.recv_timeout(left) {
            Ok(e) if want(&e) => return e,
            Ok(_) => {}
            Err(Error::Timeout) => panic!("no {what} within {WAIT:?}"),
            Err(e) => panic!("{what}: {e}"),
        }
    }
}

#[test]
fn subtypes_change_live_reconfirm_and_scoped_addresses() {
    if !capable("subtypes_change_live_reconfirm_and_scoped_addresses") {
        return;
    }
    let lan = Lan::new(2);
    let a = open(&lan, 1, "node-a");
    let b = open(&lan, 2, "node-b");
    let cm = ServiceType::new("_CM._sub._matterc._udp").unwrap();
    let browser = b.browse(&cm).wait().unwrap();

    let info = ServiceInfo::builder("0123456789ABCDEF", "_matterc._udp", 5540)
        .subtype("_L3840")
        .txt("CM", "1")
        .build()
        .unwrap();
    let reg = a.register(info).wait().unwrap();
    loop {
        match reg.recv_timeout(WAIT).unwrap() {
            RegistrationEvent::Registered { .. } => break,
            RegistrationEvent::Failed(why) => panic!("{why}"),
            _ => {}
        }
    }
    // Not under _CM yet; added live, b's browse of _CM finds it.
    reg.add_subtype("_CM").wait().unwrap();
    let inst = InstanceName::new("0123456789ABCDEF").unwrap();
    next_matching(
        &browser,
        "Found under _CM",
        |e| matches!(e, BrowseEvent::Found { instance, .. } if *instance == inst),
    );
    // Removed live: b's browse of _CM reports it removed (the PTR's goodbye).
    reg.remove_subtype("_CM").wait().unwrap();
    next_matching(
        &browser,
        "Removed from _CM",
        |e| matches!(e, BrowseEvent::Removed { instance, .. } if *instance == inst),
    );
    assert!(matches!(
        reg.add_subtype("").wait(),
        Err(Error::Registration(_))
    ));

    // b resolves it: addresses in order, with their interface; the link-local IPv6
    // one as a socket address scoped to b's eth0.
    let ty = ServiceType::new("_matterc._udp").unwrap();
    let s = b.resolve(&inst, &ty, WAIT).wait().unwrap();
    let eth0 = lan.host(2).ifindex("eth0");
    assert!(s.addresses.iter().all(|(_, i)| i.0 == eth0), "{s:?}");
    let first = s.addresses[0].0;
    assert_eq!(first, "10.77.0.1".parse::<IpAddr>().unwrap(), "{s:?}");
    let scoped: Vec<SocketAddr> = s.socket_addrs();
    assert!(
        scoped.iter().any(|a| matches!(a, SocketAddr::V6(v6)
            if v6.ip().segments()[0] == 0xfe80 && v6.scope_id() == eth0 && v6.port() == 5540)),
        "{scoped:?}"
    );
    let host = mdns_blocking::host_name("node-a").unwrap();
    let addrs = b.lookup_host(&host, WAIT).wait().unwrap();
    assert_eq!(addrs.addresses[0].0, first, "{addrs:?}");
    assert!(addrs
        .socket_addrs(80)
        .iter()
        .any(|a| matches!(a, SocketAddr::V6(v6) if v6.scope_id() == eth0)));

    // It is there: reconfirmation says so at once.
    assert_eq!(
        b.reconfirm(&inst, &ty).wait().unwrap(),
        Reconfirmation::Present
    );

    reg.unregister().wait().unwrap();
    drop(browser);
    a.shutdown().unwrap();
    b.shutdown().unwrap();
}
