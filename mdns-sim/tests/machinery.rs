//! Tests of the simulator itself (routing, metadata, link model, faults, determinism,
//! pcap), driven with injected datagrams so that they do not depend on what the
//! engine does.

use core::time::Duration;
use mdns_sansio::engine::{Destination, InterfaceId, RecvMeta, SourcePort};
use mdns_sansio::wire::{Class, MessageWriter, RecordData, Rtype, Section};
use mdns_sansio::{Instant, Name};
use mdns_sim::*;
use std::cell::RefCell;
use std::net::SocketAddr;
use std::rc::Rc;

const IF: InterfaceId = InterfaceId(2);

fn query(name: &str) -> Vec<u8> {
    let mut buf = vec![0; 512];
    let mut w = MessageWriter::query(&mut buf).unwrap();
    w.push_question(&Name::parse(name).unwrap(), Rtype::PTR, Class::IN, false)
        .unwrap();
    let n = w.finish();
    buf.truncate(n);
    buf
}

fn response(name: &str, target: &str) -> Vec<u8> {
    let mut buf = vec![0; 512];
    let mut w = MessageWriter::response(&mut buf, 0).unwrap();
    w.push_record(
        Section::Answer,
        &Name::parse(name).unwrap(),
        Class::IN,
        false,
        4500,
        &RecordData::Ptr(Name::parse(target).unwrap()),
    )
    .unwrap();
    let n = w.finish();
    buf.truncate(n);
    buf
}

type Log = Rc<RefCell<Vec<(Instant, HostId, RecvMeta, usize)>>>;

fn tapped(sim: &mut Sim) -> Log {
    let log: Log = Rc::default();
    let l = log.clone();
    sim.set_tap(move |t, h, m, d| l.borrow_mut().push((t, h, *m, d.len())));
    log
}

fn v4(sim: &Sim, h: HostId) -> std::net::IpAddr {
    sim.interfaces(h)[0].2[0].addr
}

#[test]
fn multicast_reaches_every_host_including_the_sender_with_correct_meta() {
    let mut sim = Sim::new(SimConfig::seeded(1));
    let hosts = sim.add_hosts(4);
    let log = tapped(&mut sim);
    let q = query("_http._tcp.local.");
    sim.inject(hosts[1], IF, Destination::MulticastV4, SourcePort::Mdns, &q);
    sim.inject(
        hosts[2],
        IF,
        Destination::MulticastV6,
        SourcePort::Ephemeral,
        &q,
    );
    sim.run_for(Duration::from_secs(1));
    let log = log.borrow();
    assert_eq!(log.len(), 8, "{log:?}");
    let (v4s, v6s): (Vec<_>, Vec<_>) = log.iter().partition(|e| e.2.source.is_ipv4());
    assert_eq!((v4s.len(), v6s.len()), (4, 4));
    for &&(t, to, meta, len) in &v4s {
        assert_eq!(meta.source, SocketAddr::new(v4(&sim, hosts[1]), 5353));
        assert!(meta.multicast);
        assert_eq!(meta.ttl, Some(255));
        assert_eq!(meta.interface, IF);
        assert_eq!(len, q.len());
        // The sender's own copy loops back at once; the rest after the link delay.
        if to == hosts[1] {
            assert_eq!(t, Instant::ZERO);
        } else {
            assert_eq!(t, Instant::from_millis(1));
        }
    }
    for &&(_, _, meta, _) in &v6s {
        let src = meta.source;
        assert_eq!(src.port(), sim.ephemeral_port(hosts[2]));
        assert!(src.port() >= 49152);
        assert_eq!(
            src.ip(),
            "fe80::3".parse::<std::net::IpAddr>().unwrap(),
            "v6 multicast leaves from the link-local address"
        );
    }
    let mut receivers: Vec<HostId> = log.iter().map(|e| e.1).collect();
    receivers.sort();
    receivers.dedup();
    assert_eq!(receivers, hosts);
    for &h in &hosts {
        assert_eq!(sim.engine(h).unwrap().stats().received, 2);
    }
    assert_eq!(sim.stats().packets_sent, 2);
    assert_eq!(sim.stats().delivered, 8);
    assert!(sim.check().is_ok());
}

#[test]
fn unicast_reaches_only_the_owner_and_only_on_a_listening_port() {
    let mut sim = Sim::new(SimConfig::seeded(2));
    let hosts = sim.add_hosts(3);
    let log = tapped(&mut sim);
    let r = response("_http._tcp.local.", "a._http._tcp.local.");
    let to = SocketAddr::new(v4(&sim, hosts[2]), 5353);
    sim.inject(hosts[0], IF, Destination::Unicast(to), SourcePort::Mdns, &r);
    let eph = SocketAddr::new(v4(&sim, hosts[1]), sim.ephemeral_port(hosts[1]));
    sim.inject(
        hosts[0],
        IF,
        Destination::Unicast(eph),
        SourcePort::Mdns,
        &r,
    );
    let closed = SocketAddr::new(v4(&sim, hosts[1]), 9);
    sim.inject(
        hosts[0],
        IF,
        Destination::Unicast(closed),
        SourcePort::Mdns,
        &r,
    );
    let nobody: SocketAddr = "10.0.9.9:5353".parse().unwrap();
    sim.inject(
        hosts[0],
        IF,
        Destination::Unicast(nobody),
        SourcePort::Mdns,
        &r,
    );
    let v6: SocketAddr = "[fd00:0:0:0::2]:5353".parse().unwrap();
    sim.inject(hosts[0], IF, Destination::Unicast(v6), SourcePort::Mdns, &r);
    sim.run_for(Duration::from_secs(1));
    let log = log.borrow();
    let got: Vec<(HostId, bool, SocketAddr)> = log
        .iter()
        .map(|e| (e.1, e.2.multicast, e.2.source))
        .collect();
    assert_eq!(
        got,
        vec![
            (hosts[2], false, SocketAddr::new(v4(&sim, hosts[0]), 5353)),
            (hosts[1], false, SocketAddr::new(v4(&sim, hosts[0]), 5353)),
            (hosts[1], false, "[fd00::1]:5353".parse().unwrap()),
        ]
    );
    assert_eq!(sim.stats().unreachable, 2);
}

#[test]
fn loss_partition_crash_and_bounce_drop_what_they_should() {
    let mut sim = Sim::new(SimConfig::seeded(3).with_link(LinkModel::lossy(30)));
    let hosts = sim.add_hosts(2);
    let q = query("_http._tcp.local.");
    for i in 0..2000u64 {
        let h = hosts[0];
        let q = q.clone();
        sim.at(Instant::from_millis(i * 10), move |s| {
            s.inject(h, IF, Destination::MulticastV4, SourcePort::Mdns, &q)
        });
    }
    sim.run_for(Duration::from_secs(30));
    let got = sim.engine(hosts[1]).unwrap().stats().received;
    assert!((1300..1500).contains(&got), "30 % loss: {got} of 2000");
    assert_eq!(
        sim.engine(hosts[0]).unwrap().stats().received,
        2000,
        "loopback is lossless"
    );

    let mut sim = Sim::new(SimConfig::seeded(4));
    let h = sim.add_hosts(3);
    let q = query("_http._tcp.local.");
    sim.partition(&[&[h[0]], &[h[1], h[2]]]);
    sim.inject(h[1], IF, Destination::MulticastV4, SourcePort::Mdns, &q);
    sim.run_for(Duration::from_secs(1));
    let rx = |s: &Sim, i: usize| s.engine(h[i]).map(|e| e.stats().received);
    assert_eq!(
        (rx(&sim, 0), rx(&sim, 1), rx(&sim, 2)),
        (Some(0), Some(1), Some(1))
    );
    sim.heal();
    sim.bounce(h[2], IF, Duration::from_secs(2));
    sim.inject(h[1], IF, Destination::MulticastV4, SourcePort::Mdns, &q);
    sim.run_for(Duration::from_secs(1));
    assert_eq!(
        (rx(&sim, 0), rx(&sim, 1), rx(&sim, 2)),
        (Some(1), Some(2), Some(1))
    );
    sim.run_for(Duration::from_secs(2));
    sim.crash(h[0]);
    sim.inject(h[1], IF, Destination::MulticastV4, SourcePort::Mdns, &q);
    sim.run_for(Duration::from_secs(1));
    assert_eq!(
        (rx(&sim, 0), rx(&sim, 1), rx(&sim, 2)),
        (None, Some(3), Some(2))
    );
    assert_eq!(sim.live_hosts(), vec![h[1], h[2]]);
    assert_eq!(sim.departure(h[0]).map(|d| d.1), Some(Departure::Crash));
    assert!(sim.check().is_ok(), "{:?}", sim.check());
}

#[test]
fn duplication_and_reordering_happen() {
    let model = LinkModel::perfect()
        .with_duplicates(0.2)
        .with_reordering(0.2, Duration::from_millis(50))
        .with_delay(Duration::from_millis(1), Duration::from_millis(2));
    let mut sim = Sim::new(SimConfig::seeded(5).with_link(model));
    let hosts = sim.add_hosts(2);
    let log = tapped(&mut sim);
    for i in 0..200u16 {
        let q = query(&format!("s{i}._http._tcp.local."));
        let h = hosts[0];
        sim.at(Instant::from_millis(u64::from(i)), move |s| {
            s.inject(h, IF, Destination::MulticastV4, SourcePort::Mdns, &q)
        });
    }
    sim.run_for(Duration::from_secs(2));
    let lens: Vec<usize> = log
        .borrow()
        .iter()
        .filter(|e| e.1 == hosts[1])
        .map(|e| e.3)
        .collect();
    assert!(lens.len() > 220, "duplicates: {}", lens.len());
    assert!(sim.stats().duplicated > 20);
    // Names s0..s9 have shorter packets than s10..; reordering mixes them.
    let first_long = lens.iter().position(|&l| l > lens[0]).unwrap();
    assert!(
        lens[first_long..].contains(&lens[0]),
        "some short packet overtaken"
    );
}

fn noisy_run(seed: u64) -> Sim {
    let mut cfg = SimConfig::seeded(seed).with_link(LinkModel::hostile(10));
    cfg.record_deliveries = true;
    let mut sim = Sim::new(cfg);
    let hosts = sim.add_hosts(5);
    let mut rng = mdns_sansio::rand::Rng::new(seed);
    for i in 0..300u64 {
        let from = hosts[rng.range_inclusive(0, 4) as usize];
        let at = Instant::from_millis(rng.range_inclusive(0, 20_000));
        let q = query(&format!("x{i}._http._tcp.local."));
        sim.at(at, move |s| {
            s.inject(from, IF, Destination::MulticastV6, SourcePort::Mdns, &q)
        });
    }
    let (a, b, c) = (hosts[0], hosts[1], hosts[4]);
    sim.at(Instant::from_secs(5), move |s| s.partition(&[&[a, b]]));
    sim.at(Instant::from_secs(9), |s| s.heal());
    sim.at(Instant::from_secs(12), move |s| s.crash(c));
    sim.run_for(Duration::from_secs(30));
    sim
}

#[test]
fn same_seed_same_transcript_other_seed_other_transcript() {
    let sim = assert_deterministic(42, noisy_run).unwrap();
    assert_eq!(sim.transcript().packets.len(), 300);
    assert!(!sim.transcript().deliveries.is_empty());
    let other = noisy_run(43);
    assert_ne!(sim.transcript().digest(), other.transcript().digest());
    assert!(sim.transcript().diff(other.transcript()).is_some());
}

#[test]
fn pcap_opens_in_tshark_as_mdns() {
    let mut sim = Sim::new(SimConfig::seeded(6));
    let hosts = sim.add_hosts(3);
    let q = query("_http._tcp.local.");
    let r = response("_http._tcp.local.", "kitchen._http._tcp.local.");
    sim.inject(hosts[0], IF, Destination::MulticastV4, SourcePort::Mdns, &q);
    sim.inject(hosts[1], IF, Destination::MulticastV6, SourcePort::Mdns, &r);
    let to = SocketAddr::new(v4(&sim, hosts[0]), 5353);
    sim.inject(hosts[2], IF, Destination::Unicast(to), SourcePort::Mdns, &r);
    sim.run_for(Duration::from_secs(1));
    let dir = std::env::temp_dir().join(format!("mdns-sim-pcap-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("machinery.pcap");
    sim.write_pcap(std::fs::File::create(&path).unwrap())
        .unwrap();
    assert_tshark_decodes(&path, 3);
}

/// Checks with tshark (if installed) that every packet decodes as mDNS and none is
/// malformed.
pub fn assert_tshark_decodes(path: &std::path::Path, packets: usize) {
    let out = match std::process::Command::new("tshark")
        .args([
            "-r",
            path.to_str().unwrap(),
            "-T",
            "fields",
            "-e",
            "frame.protocols",
            "-e",
            "_ws.malformed",
            "-e",
            "_ws.expert.severity",
        ])
        .output()
    {
        Ok(o) => o,
        Err(_) => {
            eprintln!("note: tshark not installed; pcap written to {path:?} but not decoded");
            return;
        }
    };
    assert!(
        out.status.success(),
        "tshark failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), packets, "{text}");
    for l in lines {
        assert!(l.contains(":udp:mdns"), "not decoded as mDNS: {l}");
        assert!(!l.contains("malformed"), "malformed: {l}");
    }
}
