use super::*;
use crate::iface::{InterfaceConfig, InterfaceSet, Skip};

fn ip(s: &str) -> IpAddr {
    s.parse().unwrap()
}

fn flags_up() -> Flags {
    Flags {
        up: true,
        running: true,
        multicast: true,
        ..Flags::default()
    }
}

fn entry(name: &str, index: u32, flags: Flags, addr: Option<(&str, &str)>) -> IfaddrsEntry {
    IfaddrsEntry {
        name: name.into(),
        index,
        flags,
        addr: addr.map(|(a, m)| (ip(a), Some(ip(m)))),
    }
}

#[test]
fn prefix_lengths_from_netmasks() {
    assert_eq!(prefix_len(&ip("10.0.0.1"), Some(&ip("255.255.255.0"))), 24);
    assert_eq!(
        prefix_len(&ip("10.0.0.1"), Some(&ip("255.255.255.255"))),
        32
    );
    assert_eq!(prefix_len(&ip("10.0.0.1"), None), 32);
    assert_eq!(
        prefix_len(&ip("fe80::1"), Some(&ip("ffff:ffff:ffff:ffff::"))),
        64
    );
    assert_eq!(prefix_len(&ip("fe80::1"), None), 128);
    // A non-contiguous mask counts to its first zero bit.
    assert_eq!(prefix_len(&ip("10.0.0.1"), Some(&ip("255.0.255.0"))), 8);
}

#[test]
fn bsd_link_local_scope_is_cleared() {
    assert_eq!(clear_embedded_scope(ip("fe80:4::1")), ip("fe80::1"));
    assert_eq!(clear_embedded_scope(ip("fe80::1")), ip("fe80::1"));
    assert_eq!(clear_embedded_scope(ip("fd00:4::1")), ip("fd00:4::1"));
    assert_eq!(clear_embedded_scope(ip("10.0.0.1")), ip("10.0.0.1"));
}

#[test]
fn getifaddrs_entries_grouped_by_index() {
    let lo = Flags {
        loopback: true,
        ..flags_up()
    };
    let tun = Flags {
        point_to_point: true,
        multicast: false,
        ..flags_up()
    };
    let snap = from_ifaddrs([
        entry("en0", 4, flags_up(), Some(("10.0.0.5", "255.255.255.0"))),
        entry("lo0", 1, lo, None),
        entry("en0", 4, flags_up(), None),
        entry(
            "en0",
            4,
            flags_up(),
            Some(("fe80:4::aa", "ffff:ffff:ffff:ffff::")),
        ),
        entry(
            "utun0",
            9,
            tun,
            Some(("fe80:9::1", "ffff:ffff:ffff:ffff::")),
        ),
        entry("gone0", 0, flags_up(), Some(("10.1.0.1", "255.255.0.0"))),
        // The same address listed twice (aliases) is kept once.
        entry("en0", 4, flags_up(), Some(("10.0.0.5", "255.255.255.0"))),
    ]);
    let ids: Vec<u32> = snap.iter().map(|i| i.id.0).collect();
    assert_eq!(ids, [1, 4, 9]);
    assert!(snap[0].loopback && snap[0].addrs.is_empty());
    assert_eq!(
        snap[1].addrs,
        vec![
            IfAddr {
                addr: ip("10.0.0.5"),
                prefix_len: 24
            },
            IfAddr {
                addr: ip("fe80::aa"),
                prefix_len: 64
            },
        ]
    );
    assert!(snap[2].point_to_point && !snap[2].multicast);
    // Selection: en0 used, lo0 and the VPN tunnel skipped.
    let mut set = InterfaceSet::new();
    let ev = set.update(&InterfaceConfig::default(), &snap);
    assert_eq!(ev.len(), 1);
    assert_eq!(set.skipped()[&InterfaceId(1)].1, Skip::Loopback);
    assert_eq!(set.skipped()[&InterfaceId(9)].1, Skip::NoMulticast);
}

fn record(if_index: u32, v6: u32, name: &str) -> AdapterRecord {
    AdapterRecord {
        if_index,
        ipv6_if_index: v6,
        friendly_name: name.into(),
        if_type: 6, // IF_TYPE_ETHERNET_CSMACD
        oper_status: OPER_UP,
        flags: 0,
        addrs: vec![
            AdapterAddress {
                addr: ip("192.168.7.2"),
                prefix_len: 24,
                dad_state: DAD_PREFERRED,
            },
            AdapterAddress {
                addr: ip("fe80::2"),
                prefix_len: 64,
                dad_state: DAD_PREFERRED,
            },
        ],
    }
}

#[test]
fn windows_adapters_index_name_status_and_addresses() {
    let mut tentative = record(7, 7, "Wi-Fi");
    tentative.addrs.push(AdapterAddress {
        addr: ip("fe80::99"),
        prefix_len: 64,
        dad_state: 1, // IpDadStateTentative
    });
    tentative.addrs.push(AdapterAddress {
        addr: ip("fe80::98"),
        prefix_len: 64,
        dad_state: 2, // IpDadStateDuplicate
    });
    let mut down = record(11, 11, "Ethernet 2");
    down.oper_status = 2; // IfOperStatusDown
    let mut v6_only = record(0, 15, "v6 only");
    v6_only.addrs.retain(|a| a.addr.is_ipv6());
    let wine = record(3, 0, "eth0"); // Wine: Ipv6IfIndex is always 0
    let mut lo = record(1, 1, "Loopback Pseudo-Interface 1");
    lo.if_type = IF_TYPE_LOOPBACK;
    let mut vpn = record(20, 20, "OpenVPN TAP");
    vpn.if_type = IF_TYPE_TUNNEL;
    let mut ppp = record(21, 21, "Dial-up");
    ppp.if_type = IF_TYPE_PPP;
    ppp.flags = ADAPTER_NO_MULTICAST;
    let nothing = record(0, 0, "no index");

    let snap = from_adapters([tentative, down, v6_only, wine, lo, vpn, ppp, nothing]);
    let ids: Vec<u32> = snap.iter().map(|i| i.id.0).collect();
    assert_eq!(ids, [1, 3, 7, 11, 15, 20, 21]);
    let by = |id: u32| snap.iter().find(|i| i.id.0 == id).unwrap();
    assert_eq!(
        by(7).addrs.len(),
        2,
        "tentative and duplicate addresses left out"
    );
    assert!(!by(11).up && !by(11).running);
    assert_eq!(by(15).name, "v6 only");
    assert_eq!(by(3).name, "eth0");
    assert!(by(1).loopback);
    assert!(by(20).point_to_point && by(20).multicast);
    assert!(by(21).point_to_point && !by(21).multicast);

    let mut set = InterfaceSet::new();
    let ev = set.update(&InterfaceConfig::default(), &snap);
    let up: Vec<u32> = ev
        .iter()
        .map(|e| match e {
            crate::iface::InterfaceEvent::Up { id, .. } => id.0,
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(up, [3, 7, 15]);
    assert_eq!(set.skipped()[&InterfaceId(11)].1, Skip::Down);
    assert_eq!(set.skipped()[&InterfaceId(20)].1, Skip::PointToPoint);
    assert_eq!(set.skipped()[&InterfaceId(21)].1, Skip::NoMulticast);
}
