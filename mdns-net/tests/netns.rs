//! Real sockets, inside network namespaces that each test creates and removes itself
//! (see `mdns-testnet`). Nothing here opens a socket in the machine's own namespace:
//! every `Driver` is made inside `Netns::run_in`, which checks where it is first.
//! Without root the tests print `skipped: …` and return. Linux only (namespaces).
#![cfg(target_os = "linux")]

use std::collections::{BTreeSet, VecDeque};
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::os::fd::BorrowedFd;
use std::time::{Duration, Instant as StdInstant};

use mdns_net::{
    wait_fds, Clock, Config, Core, Driver, Interface, InterfaceSource, Next, Skip, SnapshotError,
    SourceId,
};
use mdns_sansio::engine::{
    Destination, Family, IfAddr, InterfaceId, RecvMeta, SourcePort, Transmit,
};
use mdns_sansio::Instant;
use mdns_testnet::{capable, Lan, Netns};

/// Records everything; sends what the test queues.
#[derive(Default)]
struct Fake {
    rx: Vec<(RecvMeta, Vec<u8>)>,
    ups: Vec<(InterfaceId, Vec<IfAddr>)>,
    downs: Vec<InterfaceId>,
    out: VecDeque<(Destination, InterfaceId, SourcePort, Vec<u8>)>,
    timeout: Option<Instant>,
    fired: Vec<(Instant, Instant)>,
}

impl Fake {
    fn send(&mut self, d: Destination, i: InterfaceId, p: SourcePort, data: &[u8]) {
        self.out.push_back((d, i, p, data.to_vec()));
    }
    fn got(&self, payload: &[u8]) -> Vec<RecvMeta> {
        self.rx
            .iter()
            .filter(|(_, d)| d == payload)
            .map(|(m, _)| *m)
            .collect()
    }
}

impl Core for Fake {
    fn handle_datagram(&mut self, _now: Instant, meta: RecvMeta, data: &[u8]) {
        self.rx.push((meta, data.to_vec()));
    }
    fn handle_timeout(&mut self, now: Instant) {
        let due = self.timeout.take().expect("timeout fired without one set");
        self.fired.push((due, now));
    }
    fn poll_transmit(&mut self, _now: Instant, buf: &mut [u8]) -> Option<Transmit> {
        let (destination, interface, source_port, data) = self.out.pop_front()?;
        buf[..data.len()].copy_from_slice(&data);
        Some(Transmit {
            destination,
            interface,
            source_port,
            size: data.len(),
        })
    }
    fn poll_timeout(&self) -> Option<Instant> {
        self.timeout
    }
    fn interface_up(&mut self, _now: Instant, id: InterfaceId, addrs: &[IfAddr]) {
        self.ups.push((id, addrs.to_vec()));
    }
    fn interface_down(&mut self, _now: Instant, id: InterfaceId) {
        self.downs.push(id);
    }
}

fn driver_in(ns: &Netns) -> Driver<Fake> {
    ns.run_in(|| Driver::new(Fake::default(), Config::default()))
        .expect("driver")
}

/// Pumps all drivers until `cond` holds; panics after 5 s. Waits on the drivers'
/// file descriptors (readable, and writable where a transmit is held) and deadlines,
/// never a blind sleep.
fn pump_until(
    ds: &mut [&mut Driver<Fake>],
    what: &str,
    mut cond: impl FnMut(&[&mut Driver<Fake>]) -> bool,
) {
    let end = StdInstant::now() + Duration::from_secs(5);
    loop {
        let nexts = step(ds);
        if cond(ds) {
            return;
        }
        assert!(StdInstant::now() < end, "timed out waiting for {what}");
        wait(ds, &nexts, end);
    }
}

/// One `poll_io` on each driver.
fn step(ds: &mut [&mut Driver<Fake>]) -> Vec<Next> {
    ds.iter_mut()
        .map(|d| d.poll_io().expect("poll_io"))
        .collect()
}

/// Waits until any driver has work, or `end`.
fn wait(ds: &[&mut Driver<Fake>], nexts: &[Next], end: StdInstant) {
    let wake = nexts
        .iter()
        .filter_map(|n| n.deadline)
        .fold(end, |a, b| a.min(b));
    let read: Vec<BorrowedFd<'_>> = ds
        .iter()
        .flat_map(|d| d.sources().map(|(_, fd)| fd))
        .collect();
    let write: Vec<BorrowedFd<'_>> = ds
        .iter()
        .zip(nexts)
        .filter_map(|(d, n)| n.writable.and_then(|id| d.source(id)))
        .collect();
    wait_fds(&read, &write, Some(wake)).unwrap();
}

/// Pumps for `dur` (to give a datagram that must NOT arrive the chance to).
fn pump_for(ds: &mut [&mut Driver<Fake>], dur: Duration) {
    let end = StdInstant::now() + dur;
    while StdInstant::now() < end {
        let nexts = step(ds);
        wait(ds, &nexts, end);
    }
    step(ds);
}

fn v4(s: &str) -> IpAddr {
    IpAddr::V4(s.parse::<Ipv4Addr>().unwrap())
}

fn has_addr(addrs: &[IfAddr], ip: &str, len: u8) -> bool {
    addrs.contains(&IfAddr {
        addr: ip.parse().unwrap(),
        prefix_len: len,
    })
}

/// Devices that have joined 224.0.0.251 / ff02::fb, from /proc/net/igmp{,6} inside `ns`.
fn joined_devices(ns: &Netns) -> (BTreeSet<String>, BTreeSet<String>) {
    let mut v4 = BTreeSet::new();
    let mut dev = String::new();
    for line in ns.exec(&["cat", "/proc/net/igmp"]).lines().skip(1) {
        if line.starts_with('\t') {
            if line.trim_start().starts_with("FB0000E0") {
                v4.insert(dev.clone());
            }
        } else if let Some(d) = line.split_whitespace().nth(1) {
            dev = d.to_string();
        }
    }
    let mut v6 = BTreeSet::new();
    for line in ns.exec(&["cat", "/proc/net/igmp6"]).lines() {
        let f: Vec<&str> = line.split_whitespace().collect();
        if f.len() > 2 && f[2] == "ff0200000000000000000000000000fb" {
            v6.insert(f[1].to_string());
        }
    }
    (v4, v6)
}

fn set(names: &[&str]) -> BTreeSet<String> {
    names.iter().map(|s| s.to_string()).collect()
}

#[test]
fn multicast_v4_v6_and_unicast_reply_between_namespaces() {
    if !capable("multicast_v4_v6_and_unicast_reply_between_namespaces") {
        return;
    }
    let lan = Lan::new(2);
    let (h1, h2) = (lan.host(1), lan.host(2));
    let mut a = driver_in(h1);
    let mut b = driver_in(h2);
    let a_if = InterfaceId(h1.ifindex("eth0"));
    let b_if = InterfaceId(h2.ifindex("eth0"));

    // Interfaces at start: eth0 only (lo is excluded by default), with its addresses.
    assert_eq!(a.core().ups.len(), 1, "{:?}", a.core().ups);
    let (id, addrs) = &a.core().ups[0];
    assert_eq!(*id, a_if);
    assert!(has_addr(addrs, "10.77.0.1", 24), "{addrs:?}");
    assert!(has_addr(addrs, "fd77::1", 64), "{addrs:?}");
    assert!(addrs
        .iter()
        .any(|a| matches!(a.addr, IpAddr::V6(v) if v.segments()[0] == 0xfe80)));
    assert_eq!(
        a.joined().iter().copied().collect::<Vec<_>>(),
        vec![(a_if, Family::V4), (a_if, Family::V6)]
    );
    assert_eq!(joined_devices(h1), (set(&["eth0"]), set(&["eth0"])));

    a.core_mut().send(
        Destination::MulticastV4,
        a_if,
        SourcePort::Mdns,
        b"hello v4",
    );
    a.core_mut().send(
        Destination::MulticastV6,
        a_if,
        SourcePort::Mdns,
        b"hello v6",
    );
    pump_until(
        &mut [&mut a, &mut b],
        "multicast at b and looped back at a",
        |ds| {
            ds[1].core().got(b"hello v4").len() == 1
                && ds[1].core().got(b"hello v6").len() == 1
                && ds[0].core().got(b"hello v4").len() == 1
                && ds[0].core().got(b"hello v6").len() == 1
        },
    );

    let m4 = b.core().got(b"hello v4")[0];
    assert_eq!(m4.source, SocketAddr::new(v4("10.77.0.1"), 5353));
    assert_eq!(m4.interface, b_if);
    assert!(m4.multicast);
    assert_eq!(m4.ttl, Some(255));

    let m6 = b.core().got(b"hello v6")[0];
    let SocketAddr::V6(src6) = m6.source else {
        panic!("v6 source expected: {m6:?}")
    };
    assert_eq!(src6.ip().segments()[0], 0xfe80, "link-local source: {src6}");
    assert_eq!(src6.port(), 5353);
    assert_eq!(src6.scope_id(), b_if.0);
    assert_eq!(m6.interface, b_if);
    assert!(m6.multicast);
    assert_eq!(m6.ttl, Some(255));

    // Our own multicast, looped back.
    let own = a.core().got(b"hello v4")[0];
    assert_eq!((own.interface, own.multicast), (a_if, true));

    // Unicast replies from b's port 5353 socket to a's sources.
    let src4 = m4.source;
    b.core_mut().send(
        Destination::Unicast(src4),
        b_if,
        SourcePort::Mdns,
        b"reply v4",
    );
    // Without the scope: the driver supplies the interface.
    let bare6 = SocketAddr::new(IpAddr::V6(*src6.ip()), 5353);
    b.core_mut().send(
        Destination::Unicast(bare6),
        b_if,
        SourcePort::Mdns,
        b"reply v6",
    );
    pump_until(&mut [&mut a, &mut b], "unicast replies at a", |ds| {
        ds[0].core().got(b"reply v4").len() == 1 && ds[0].core().got(b"reply v6").len() == 1
    });
    let r4 = a.core().got(b"reply v4")[0];
    assert_eq!(r4.source, SocketAddr::new(v4("10.77.0.2"), 5353));
    assert_eq!(
        (r4.interface, r4.multicast, r4.ttl),
        (a_if, false, Some(255))
    );
    let r6 = a.core().got(b"reply v6")[0];
    assert_eq!(
        (r6.interface, r6.multicast, r6.ttl),
        (a_if, false, Some(255))
    );
    assert_eq!(r6.source.port(), 5353);
    assert_eq!(a.stats().dropped_tx + b.stats().dropped_tx, 0);
}

#[test]
fn two_drivers_share_port_5353_and_both_receive() {
    if !capable("two_drivers_share_port_5353_and_both_receive") {
        return;
    }
    let lan = Lan::new(2);
    let (h1, h2) = (lan.host(1), lan.host(2));
    let mut a = driver_in(h1);
    let mut b1 = driver_in(h2);
    let mut b2 = driver_in(h2); // binds 5353 beside b1
    let a_if = InterfaceId(h1.ifindex("eth0"));
    let b_if = InterfaceId(h2.ifindex("eth0"));
    for s in b1.sockets().iter().chain(b2.sockets()) {
        if s.source_port() == SourcePort::Mdns {
            assert_eq!(s.local_addr().unwrap().port(), 5353);
        }
    }

    a.core_mut().send(
        Destination::MulticastV4,
        a_if,
        SourcePort::Mdns,
        b"to all v4",
    );
    a.core_mut().send(
        Destination::MulticastV6,
        a_if,
        SourcePort::Mdns,
        b"to all v6",
    );
    // And one from b1, which b2 on the same host must see too.
    b1.core_mut()
        .send(Destination::MulticastV4, b_if, SourcePort::Mdns, b"from b1");
    pump_until(
        &mut [&mut a, &mut b1, &mut b2],
        "both port-5353 drivers receive",
        |ds| {
            [1, 2].iter().all(|&i| {
                let c = ds[i].core();
                c.got(b"to all v4").len() == 1
                    && c.got(b"to all v6").len() == 1
                    && c.got(b"from b1").len() == 1
            }) && ds[0].core().got(b"from b1").len() == 1
        },
    );
    for d in [&b1, &b2] {
        let m = d.core().got(b"to all v4")[0];
        assert_eq!((m.interface, m.multicast, m.ttl), (b_if, true, Some(255)));
        let m = d.core().got(b"from b1")[0];
        assert_eq!(m.source, SocketAddr::new(v4("10.77.0.2"), 5353));
    }
}

#[test]
fn ephemeral_query_gets_unicast_reply() {
    if !capable("ephemeral_query_gets_unicast_reply") {
        return;
    }
    let lan = Lan::new(2);
    let (h1, h2) = (lan.host(1), lan.host(2));
    let mut a = driver_in(h1);
    let mut b = driver_in(h2);
    let a_if = InterfaceId(h1.ifindex("eth0"));
    let b_if = InterfaceId(h2.ifindex("eth0"));
    let eph = |fam| {
        a.sockets()
            .iter()
            .find(|s| s.source_port() == SourcePort::Ephemeral && s.family() == fam)
            .unwrap()
            .local_addr()
            .unwrap()
            .port()
    };
    let (p4, p6) = (eph(Family::V4), eph(Family::V6));
    assert!(p4 != 5353 && p4 != 0 && p6 != 5353 && p6 != 0);

    a.core_mut().send(
        Destination::MulticastV4,
        a_if,
        SourcePort::Ephemeral,
        b"one-shot v4",
    );
    a.core_mut().send(
        Destination::MulticastV6,
        a_if,
        SourcePort::Ephemeral,
        b"one-shot v6",
    );
    pump_until(&mut [&mut a, &mut b], "one-shot queries at b", |ds| {
        ds[1].core().got(b"one-shot v4").len() == 1 && ds[1].core().got(b"one-shot v6").len() == 1
    });
    let q4 = b.core().got(b"one-shot v4")[0];
    let q6 = b.core().got(b"one-shot v6")[0];
    assert_eq!(q4.source, SocketAddr::new(v4("10.77.0.1"), p4));
    assert_eq!(q6.source.port(), p6);
    assert!(q4.multicast && q6.multicast);

    // Legacy-unicast style replies, straight back to the querier's port.
    b.core_mut().send(
        Destination::Unicast(q4.source),
        b_if,
        SourcePort::Mdns,
        b"answer v4",
    );
    b.core_mut().send(
        Destination::Unicast(q6.source),
        b_if,
        SourcePort::Mdns,
        b"answer v6",
    );
    pump_until(
        &mut [&mut a, &mut b],
        "answers at the ephemeral sockets",
        |ds| ds[0].core().got(b"answer v4").len() == 1 && ds[0].core().got(b"answer v6").len() == 1,
    );
    let r4 = a.core().got(b"answer v4")[0];
    assert_eq!(r4.source, SocketAddr::new(v4("10.77.0.2"), 5353));
    assert_eq!((r4.interface, r4.multicast), (a_if, false));
    let r6 = a.core().got(b"answer v6")[0];
    assert_eq!((r6.interface, r6.multicast), (a_if, false));
}

#[test]
fn interface_added_later_is_joined_and_removed_is_left() {
    if !capable("interface_added_later_is_joined_and_removed_is_left") {
        return;
    }
    let lan = Lan::new(2);
    let (h1, h2) = (lan.host(1), lan.host(2));
    let mut a = driver_in(h1);
    let mut b = driver_in(h2);
    let a_if = InterfaceId(h1.ifindex("eth0"));
    let b_eth0 = InterfaceId(h2.ifindex("eth0"));
    assert_eq!(joined_devices(h2), (set(&["eth0"]), set(&["eth0"])));

    // Hot-plug eth1: the watcher reports it, the driver joins on it.
    lan.add_port(2, "eth1", "10.77.1.2/24", "fd77:1::2/64");
    let b_eth1 = InterfaceId(h2.ifindex("eth1"));
    pump_until(&mut [&mut a, &mut b], "eth1 up at b", |ds| {
        ds[1].core().ups.iter().any(|(id, _)| *id == b_eth1)
    });
    let addrs = &b.core().ups.iter().find(|(id, _)| *id == b_eth1).unwrap().1;
    assert!(has_addr(addrs, "10.77.1.2", 24), "{addrs:?}");
    assert!(b.joined().contains(&(b_eth1, Family::V4)));
    assert!(b.joined().contains(&(b_eth1, Family::V6)));
    assert_eq!(
        joined_devices(h2),
        (set(&["eth0", "eth1"]), set(&["eth0", "eth1"]))
    );

    // eth1 hangs off the same bridge: a's multicast now arrives at b twice, once per
    // interface, which only happens because the group is joined on eth1.
    a.core_mut().send(
        Destination::MulticastV4,
        a_if,
        SourcePort::Mdns,
        b"seen twice",
    );
    a.core_mut().send(
        Destination::MulticastV6,
        a_if,
        SourcePort::Mdns,
        b"seen twice v6",
    );
    pump_until(&mut [&mut a, &mut b], "multicast on eth0 and eth1", |ds| {
        ds[1].core().got(b"seen twice").len() == 2 && ds[1].core().got(b"seen twice v6").len() == 2
    });
    let ifs: BTreeSet<_> = b
        .core()
        .got(b"seen twice")
        .iter()
        .map(|m| m.interface)
        .collect();
    assert_eq!(ifs, [b_eth0, b_eth1].into_iter().collect());

    // Link down: Down to the core, groups left.
    h2.ip(&["link", "set", "eth1", "down"]);
    pump_until(&mut [&mut a, &mut b], "eth1 down at b", |ds| {
        ds[1].core().downs.contains(&b_eth1)
    });
    assert!(!b.joined().iter().any(|(id, _)| *id == b_eth1));

    // Link up again: Up again (its IPv4 address survived).
    h2.ip(&["link", "set", "eth1", "up"]);
    pump_until(&mut [&mut a, &mut b], "eth1 up again at b", |ds| {
        ds[1]
            .core()
            .ups
            .iter()
            .filter(|(id, _)| *id == b_eth1)
            .count()
            >= 2
    });
    assert!(b.joined().contains(&(b_eth1, Family::V4)));

    // All addresses removed while the link stays up: Down, and the groups are left, so
    // the kernel no longer even delivers the eth1 copy.
    let downs_before = b.core().downs.len();
    h2.ip(&["addr", "flush", "dev", "eth1"]);
    pump_until(&mut [&mut a, &mut b], "eth1 down (no addresses)", |ds| {
        ds[1].core().downs.len() > downs_before
    });
    assert_eq!(b.core().downs.last(), Some(&b_eth1));
    assert_eq!(joined_devices(h2), (set(&["eth0"]), set(&["eth0"])));
    let dropped_before = b.stats().dropped_rx;
    a.core_mut().send(
        Destination::MulticastV4,
        a_if,
        SourcePort::Mdns,
        b"eth0 only",
    );
    pump_until(&mut [&mut a, &mut b], "multicast on eth0", |ds| {
        ds[1].core().got(b"eth0 only").len() == 1
    });
    pump_for(&mut [&mut a, &mut b], Duration::from_millis(100));
    assert_eq!(b.core().got(b"eth0 only").len(), 1);
    assert_eq!(b.core().got(b"eth0 only")[0].interface, b_eth0);
    assert_eq!(
        b.stats().dropped_rx,
        dropped_before,
        "a copy reached the socket via eth1"
    );

    // The interface disappears altogether: nothing more to tell, nothing breaks.
    let events = (b.core().ups.len(), b.core().downs.len());
    lan.del_port(2, "eth1");
    pump_for(&mut [&mut a, &mut b], Duration::from_millis(100));
    assert_eq!((b.core().ups.len(), b.core().downs.len()), events);
    assert_eq!(
        b.interfaces().keys().copied().collect::<Vec<_>>(),
        vec![b_eth0]
    );
}

/// Issue 20 item 3: decoys on the same LAN, a Docker bridge and a container's veth
/// (virtual, left out by the default policy) and a ZeroTier-named link (excluded by a
/// pattern), are never joined even though multicast reaches them; a Docker network
/// bridge that appears later obeys the same rules. Only eth0 carries mDNS: the peer's
/// multicast arrives once.
#[test]
fn virtual_and_excluded_decoys_are_left_alone() {
    if !capable("virtual_and_excluded_decoys_are_left_alone") {
        return;
    }
    let lan = Lan::new(2);
    let (h1, h2) = (lan.host(1), lan.host(2));
    // All on the same bridge: joined, each would get its own copy of a's multicast.
    lan.add_port(2, "docker0", "10.77.2.2/24", "fd77:2::2/64");
    lan.add_port(2, "vethdecoy", "10.77.3.2/24", "fd77:3::2/64");
    lan.add_port(2, "zt0", "10.77.4.2/24", "fd77:4::2/64");
    let mut a = driver_in(h1);
    let config = Config {
        interfaces: mdns_net::InterfaceConfig {
            exclude: vec![mdns_net::InterfaceSelector::parse("zt*")],
            ..mdns_net::InterfaceConfig::default()
        },
        ..Config::default()
    };
    let mut b = h2
        .run_in(move || Driver::new(Fake::default(), config))
        .expect("driver");
    let b_eth0 = InterfaceId(h2.ifindex("eth0"));
    let a_if = InterfaceId(h1.ifindex("eth0"));
    assert_eq!(b.interfaces().keys().copied().collect::<Vec<_>>(), [b_eth0]);
    assert_eq!(joined_devices(h2), (set(&["eth0"]), set(&["eth0"])));
    let skipped = b.interface_set().skipped();
    let reason = |dev: &str| skipped[&InterfaceId(h2.ifindex(dev))].1;
    assert_eq!(reason("docker0"), Skip::Virtual);
    assert_eq!(reason("vethdecoy"), Skip::Virtual);
    assert_eq!(reason("zt0"), Skip::Excluded);

    // A Docker network created later: seen, skipped, not joined.
    lan.add_port(2, "br-0a1b2c3d", "10.77.5.2/24", "fd77:5::2/64");
    let late = InterfaceId(h2.ifindex("br-0a1b2c3d"));
    pump_until(&mut [&mut a, &mut b], "the late bridge seen", |ds| {
        ds[1].interface_set().skipped().get(&late).map(|s| s.1) == Some(Skip::Virtual)
    });
    assert!(!b.core().ups.iter().any(|(id, _)| *id == late));
    assert_eq!(joined_devices(h2), (set(&["eth0"]), set(&["eth0"])));

    // a's multicast reaches b once, on eth0; no copy through a decoy.
    for (dest, payload) in [
        (Destination::MulticastV4, &b"decoys v4"[..]),
        (Destination::MulticastV6, &b"decoys v6"[..]),
    ] {
        a.core_mut().send(dest, a_if, SourcePort::Mdns, payload);
    }
    pump_until(&mut [&mut a, &mut b], "multicast on eth0", |ds| {
        !ds[1].core().got(b"decoys v4").is_empty() && !ds[1].core().got(b"decoys v6").is_empty()
    });
    let dropped = b.stats().dropped_rx;
    pump_for(&mut [&mut a, &mut b], Duration::from_millis(200));
    for payload in [&b"decoys v4"[..], b"decoys v6"] {
        let got = b.core().got(payload);
        assert_eq!(got.len(), 1, "{got:?}");
        assert_eq!(got[0].interface, b_eth0);
    }
    assert_eq!(
        b.stats().dropped_rx,
        dropped,
        "a copy reached a socket via a decoy"
    );
}

#[test]
fn timer_runs_when_due_not_before() {
    if !capable("timer_runs_when_due_not_before") {
        return;
    }
    let lan = Lan::new(1);
    let mut a = driver_in(lan.host(1));
    let now = a.clock().now();
    let due = now + Duration::from_millis(30);
    a.core_mut().timeout = Some(due);
    let start = StdInstant::now();
    // The blocking adapter's loop, bounded.
    while a.core().fired.is_empty() {
        assert!(
            start.elapsed() < Duration::from_secs(5),
            "timer never fired"
        );
        let next = a.poll_io().unwrap();
        assert!(next.writable.is_none());
        if a.core().fired.is_empty() {
            assert_eq!(next.deadline, a.clock().to_std(due));
            a.wait_blocking(&next, None).unwrap();
        }
    }
    let (d, fired_at) = a.core().fired[0];
    assert_eq!(d, due);
    assert!(fired_at >= due, "fired early: {fired_at:?} < {due:?}");
    assert!(start.elapsed() >= Duration::from_millis(29));
}

#[test]
fn send_that_would_block_is_held_and_retried() {
    if !capable("send_that_would_block_is_held_and_retried") {
        return;
    }
    let lan = Lan::new(2);
    let (h1, h2) = (lan.host(1), lan.host(2));
    // A slow link (token bucket, 2 Mbit/s) and the smallest send buffer: datagrams wait
    // in the queue, charged to the socket, until sendmsg says EAGAIN.
    h1.exec(&[
        "tc", "qdisc", "add", "dev", "eth0", "root", "tbf", "rate", "2mbit", "burst", "1600",
        "latency", "5s",
    ]);
    let mut a = driver_in(h1);
    let mut b = driver_in(h2);
    let a_if = InterfaceId(h1.ifindex("eth0"));
    for s in a.sockets() {
        socket2::SockRef::from(s).set_send_buffer_size(1).unwrap();
    }
    const N: usize = 30;
    for i in 0..N {
        let mut payload = vec![b'x'; 1200];
        payload[..2].copy_from_slice(&(i as u16).to_be_bytes());
        a.core_mut()
            .send(Destination::MulticastV4, a_if, SourcePort::Mdns, &payload);
    }
    let mut saw_writable = false;
    let end = StdInstant::now() + Duration::from_secs(5);
    loop {
        let nexts = step(&mut [&mut a, &mut b]);
        if nexts[0].writable.is_some() {
            assert_eq!(
                nexts[0].writable,
                Some(SourceId::Udp(SourcePort::Mdns, Family::V4))
            );
            saw_writable = true;
        }
        let at_b: Vec<u16> = b
            .core()
            .rx
            .iter()
            .map(|(_, d)| u16::from_be_bytes([d[0], d[1]]))
            .collect();
        if at_b.len() == N {
            assert_eq!(at_b, (0..N as u16).collect::<Vec<_>>(), "order kept");
            break;
        }
        assert!(
            StdInstant::now() < end,
            "only {} of {N} arrived",
            at_b.len()
        );
        wait(&[&mut a, &mut b], &nexts, end);
    }
    assert!(
        saw_writable,
        "no send ever blocked: the test did not test anything"
    );
    assert!(a.stats().blocked > 0);
    assert_eq!(a.stats().sent, N as u64);
    assert_eq!(a.stats().dropped_tx, 0);
}

/// An interface list scripted by the test, shared with the driver's source.
#[derive(Clone, Default)]
struct Scripted(std::sync::Arc<std::sync::Mutex<VecDeque<Snapshot>>>);

type Snapshot = Result<Vec<Interface>, SnapshotError>;

impl InterfaceSource for Scripted {
    fn changed(&mut self) -> std::io::Result<bool> {
        Ok(!self.0.lock().unwrap().is_empty())
    }
    fn snapshot(&mut self) -> Result<Vec<Interface>, SnapshotError> {
        self.0
            .lock()
            .unwrap()
            .pop_front()
            .unwrap_or(Err(SnapshotError::Interrupted))
    }
}

fn lab_iface(id: u32, name: &str, addrs: &[(&str, u8)]) -> Interface {
    Interface {
        id: InterfaceId(id),
        name: name.into(),
        up: true,
        running: true,
        multicast: true,
        loopback: false,
        point_to_point: false,
        addrs: addrs
            .iter()
            .map(|(a, p)| IfAddr {
                addr: a.parse().unwrap(),
                prefix_len: *p,
            })
            .collect(),
    }
}

/// Faults (issue 18 section 4, issue 16 section 6): an adapter whose group join the OS
/// refuses (here an index the kernel doesn't have: ENODEV), a VPN adapter, an adapter
/// without multicast, and five interrupted interface dumps in a row. The refused adapter
/// and the skipped ones stay out, eth0 is served (a datagram from the peer arrives), the
/// join is retried at a deadline, and `poll_io` never fails: the last list stays in force.
#[test]
fn faulty_interfaces_are_skipped_and_the_others_served() {
    if !capable("faulty_interfaces_are_skipped_and_the_others_served") {
        return;
    }
    let lan = Lan::new(2);
    let (h1, h2) = (lan.host(1), lan.host(2));
    let eth0 = h1.ifindex("eth0");
    let good = lab_iface(eth0, "eth0", &[("10.77.0.1", 24), ("fd77::1", 64)]);
    let ghost = lab_iface(999, "ghost0", &[("10.99.0.1", 24), ("fd99::1", 64)]);
    let mut vpn = lab_iface(998, "tun0", &[("10.8.0.2", 24)]);
    vpn.point_to_point = true;
    let mut nomc = lab_iface(997, "sit0", &[("fd98::1", 64)]);
    nomc.multicast = false;
    let script = Scripted::default();
    script
        .0
        .lock()
        .unwrap()
        .push_back(Ok(vec![good.clone(), ghost, vpn, nomc]));
    let src = script.clone();
    let mut a = h1
        .run_in(move || {
            Driver::with_interface_source(
                Fake::default(),
                Config::default(),
                Clock::new(),
                Box::new(src),
            )
        })
        .expect("driver");
    let mut b = driver_in(h2);
    let e = InterfaceId(eth0);
    assert_eq!(a.core().ups, vec![(e, good.addrs.clone())]);
    assert_eq!(
        a.joined().iter().copied().collect::<Vec<_>>(),
        vec![(e, Family::V4), (e, Family::V6)]
    );
    assert_eq!(
        a.core_interfaces().keys().copied().collect::<Vec<_>>(),
        vec![e]
    );
    let skipped = a.interface_set().skipped();
    assert_eq!(skipped[&InterfaceId(998)].1, Skip::PointToPoint);
    assert_eq!(skipped[&InterfaceId(997)].1, Skip::NoMulticast);
    // The refused join is retried: poll_io asks to be called again without any timer
    // of the core's.
    let next = a.poll_io().expect("poll_io");
    assert!(next.deadline.is_some(), "a join retry is scheduled");

    // Five interrupted dumps in a row: no error, eth0 still served.
    for _ in 0..5 {
        script
            .0
            .lock()
            .unwrap()
            .push_back(Err(SnapshotError::Interrupted));
    }
    for _ in 0..20 {
        let next = a
            .poll_io()
            .expect("an interrupted dump never fails poll_io");
        if script.0.lock().unwrap().is_empty() {
            break;
        }
        // Nothing to read: wait for the retry deadline.
        wait_fds(&[], &[], next.deadline).unwrap();
    }
    assert!(
        script.0.lock().unwrap().is_empty(),
        "all five dumps were tried"
    );
    assert!(a.watcher().failures() >= 5);
    assert_eq!(
        a.core_interfaces().keys().copied().collect::<Vec<_>>(),
        vec![e]
    );
    // The peer's multicast still reaches eth0.
    let b_if = InterfaceId(h2.ifindex("eth0"));
    b.core_mut().send(
        Destination::MulticastV4,
        b_if,
        SourcePort::Mdns,
        b"still served",
    );
    pump_until(&mut [&mut a, &mut b], "a datagram on eth0", |ds| {
        !ds[0].core().got(b"still served").is_empty()
    });
    assert_eq!(a.core().got(b"still served")[0].interface, e);
}

/// RFC 6762 §15.1: when another socket already holds UDP port 5353 in the namespace (a
/// system daemon's: Avahi binds it with SO_REUSEADDR and SO_REUSEPORT, as we do), a
/// unicast reply to port 5353 would reach only one of us, so the service asks for none:
/// the engine's `request_unicast_responses` is off. Alone, it is on.
#[test]
fn rfc6762_15_1_a_port_5353_held_by_another_socket_turns_qu_off() {
    if !capable("rfc6762_15_1_a_port_5353_held_by_another_socket_turns_qu_off") {
        return;
    }
    use mdns_net::service::{MdnsConfig, Service};
    let lan = Lan::new(1);
    let qu = || {
        let (service, _handle) = Service::open(MdnsConfig::default()).expect("service");
        service
            .driver()
            .core()
            .engine()
            .config()
            .request_unicast_responses
    };
    let (alone, shared) = lan.host(1).run_in(|| {
        let alone = qu();
        let daemon = socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::DGRAM, None)
            .expect("socket");
        daemon.set_reuse_address(true).unwrap();
        daemon.set_reuse_port(true).unwrap();
        daemon
            .bind(&SocketAddr::from((Ipv4Addr::UNSPECIFIED, 5353)).into())
            .expect("the daemon's bind");
        let shared = qu();
        drop(daemon);
        (alone, shared)
    });
    assert!(
        alone,
        "alone on port 5353, the first queries ask for unicast replies"
    );
    assert!(!shared, "beside another socket on port 5353, no QU");
}
