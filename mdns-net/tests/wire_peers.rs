//! A real multicast exchange between hosts of the namespace lab that
//! `scripts/test-windows.sh` builds: the Windows build of this test runs under Wine on
//! host "win", which has two interfaces, `10.77.0.1` on LAN A and a decoy `10.78.0.1`
//! on LAN B; the Linux build runs as "peer-a" (`10.77.0.2`, LAN A only) and "peer-b"
//! (`10.78.0.2`, LAN B only). A send that leaves through the wrong interface reaches
//! the wrong peer and fails both of them.
//!
//! - win multicasts `W-A` on LAN A's interface and `W-B` on LAN B's, IPv4 and IPv6, and
//!   answers each family's first `P-A` with a unicast `W-U` to its sender;
//! - each peer multicasts `P-<its LAN>` and checks what it gets: `W-<its LAN>` on both
//!   families with TTL / hop limit 255, never the other LAN's, and (peer-a) both `W-U`;
//! - win checks that `P-A` arrived on LAN A's interface and `P-B` on LAN B's, with TTL
//!   255, addressed to the group; it then multicasts `W-<lan>-done` until each peer has
//!   answered `P-<lan>-done`.
//!
//! `#[ignore]`: it runs only when the script asks for it (`--ignored`, with
//! `MDNS_WIRE_ROLE` set), and before opening a socket it refuses any host whose
//! interfaces are not the lab's, so it can never send on a real network.

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::net::{IpAddr, SocketAddr};
use std::time::{Duration, Instant as StdInstant};

use mdns_net::{wait_fds, BorrowedSource, Config, Core, Driver, InterfaceWatcher};
use mdns_sansio::engine::{
    Destination, Family, IfAddr, InterfaceId, RecvMeta, SourcePort, Transmit,
};
use mdns_sansio::Instant;

#[derive(Default)]
struct Fake {
    rx: Vec<(RecvMeta, Vec<u8>)>,
    out: VecDeque<(Destination, InterfaceId, Vec<u8>)>,
}

impl Core for Fake {
    fn handle_datagram(&mut self, _now: Instant, meta: RecvMeta, data: &[u8]) {
        self.rx.push((meta, data.to_vec()));
    }
    fn handle_timeout(&mut self, _now: Instant) {}
    fn poll_transmit(&mut self, _now: Instant, buf: &mut [u8]) -> Option<Transmit> {
        let (destination, interface, data) = self.out.pop_front()?;
        buf[..data.len()].copy_from_slice(&data);
        Some(Transmit {
            destination,
            interface,
            source_port: SourcePort::Mdns,
            size: data.len(),
        })
    }
    fn poll_timeout(&self) -> Option<Instant> {
        None
    }
    fn interface_up(&mut self, _now: Instant, _id: InterfaceId, _addrs: &[IfAddr]) {}
    fn interface_down(&mut self, _now: Instant, _id: InterfaceId) {}
}

const LAB_V4: [&str; 2] = ["10.77.0.", "10.78.0."];

/// Every interface but loopback must carry lab addresses only; panics otherwise.
fn check_lab() {
    let mut w = InterfaceWatcher::new().expect("interface watcher");
    // Wine's adapter list can be unreadable for a moment right after another Wine
    // program (seen once in CI, at the test's start): read it again, for up to 5 s.
    let snap = (0..50)
        .find_map(|_| {
            let s = w.snapshot_now(Instant::ZERO);
            if s.is_none() {
                std::thread::sleep(Duration::from_millis(100));
            }
            s
        })
        .expect("interface list readable within 5 s");
    for i in snap.iter().filter(|i| !i.loopback && i.up) {
        for a in &i.addrs {
            let ok = match a.addr {
                IpAddr::V4(v4) => LAB_V4.iter().any(|p| v4.to_string().starts_with(p)),
                IpAddr::V6(v6) => {
                    let s = v6.segments();
                    s[0] == 0xfe80 || s[0] == 0xfd77 || s[0] == 0xfd78
                }
            };
            assert!(
                ok,
                "refusing to run: interface {} has {:?}, not a lab address",
                i.name, a.addr
            );
        }
    }
}

/// The interface holding an address that starts with `prefix`.
fn iface_with(d: &Driver<Fake>, prefix: &str) -> InterfaceId {
    *d.interfaces()
        .iter()
        .find(|(_, a)| {
            a.addrs
                .iter()
                .any(|x| x.addr.to_string().starts_with(prefix))
        })
        .unwrap_or_else(|| panic!("no interface with {prefix}: {:?}", d.interfaces()))
        .0
}

fn step_and_wait(d: &mut Driver<Fake>, until: StdInstant) {
    let next = d.poll_io().expect("poll_io");
    let read: Vec<BorrowedSource<'_>> = d.sources().map(|(_, s)| s).collect();
    let write: Vec<BorrowedSource<'_>> = next
        .writable
        .and_then(|id| d.source(id))
        .into_iter()
        .collect();
    let wake = next.deadline.map_or(until, |t| t.min(until));
    wait_fds(&read, &write, Some(wake)).expect("wait");
    let _ = d.poll_io().expect("poll_io");
}

fn family(meta: &RecvMeta) -> Family {
    Family::of(&meta.source.ip())
}

/// Multicasts `msg` on `iface`, both families.
fn multicast(d: &mut Driver<Fake>, iface: InterfaceId, msg: &str) {
    for dest in [Destination::MulticastV4, Destination::MulticastV6] {
        d.core_mut()
            .out
            .push_back((dest, iface, msg.as_bytes().to_vec()));
    }
}

const DEADLINE: Duration = Duration::from_secs(60);
const EVERY: Duration = Duration::from_millis(200);

fn run_win() {
    let mut d = Driver::new(Fake::default(), Config::default()).expect("driver");
    let a = iface_with(&d, "10.77.0.");
    let b = iface_with(&d, "10.78.0.");
    assert_ne!(a, b);
    eprintln!(
        "win: LAN A on interface {a:?}, decoy LAN B on {b:?}, joined {:?}",
        d.joined()
    );
    let end = StdInstant::now() + DEADLINE;
    let mut got: BTreeSet<(String, Family)> = BTreeSet::new();
    let mut replied: BTreeSet<Family> = BTreeSet::new();
    let mut peers_done: BTreeSet<String> = BTreeSet::new();
    let mut last = StdInstant::now() - EVERY;
    loop {
        assert!(
            StdInstant::now() < end,
            "win: timed out; got {got:?}, done {peers_done:?}"
        );
        if last.elapsed() >= EVERY {
            last = StdInstant::now();
            for (lan, id) in [("A", a), ("B", b)] {
                let all = [Family::V4, Family::V6]
                    .iter()
                    .all(|f| got.contains(&(format!("P-{lan}"), *f)));
                let msg = if all {
                    format!("W-{lan}-done")
                } else {
                    format!("W-{lan}")
                };
                multicast(&mut d, id, &msg);
            }
        }
        step_and_wait(&mut d, last + EVERY);
        for (meta, data) in std::mem::take(&mut d.core_mut().rx) {
            let text = String::from_utf8_lossy(&data).into_owned();
            if text.starts_with("W-") {
                continue; // our own, looped back
            }
            let lan = &text[2..3];
            let want = if lan == "A" { a } else { b };
            assert_eq!(
                meta.interface, want,
                "win: {text} arrived on the wrong interface: {meta:?}"
            );
            assert!(meta.multicast, "win: {text} not to the group: {meta:?}");
            assert_eq!(meta.ttl, Some(255), "win: {text}: {meta:?}");
            if text.ends_with("-done") {
                peers_done.insert(lan.to_string());
                continue;
            }
            let fam = family(&meta);
            if lan == "A" && replied.insert(fam) {
                d.core_mut()
                    .out
                    .push_back((Destination::Unicast(meta.source), a, b"W-U".to_vec()));
            }
            got.insert((text, fam));
        }
        if peers_done.len() == 2 {
            eprintln!("win: done; got {got:?} stats {:?}", d.stats());
            return;
        }
    }
}

fn run_peer(lan: &str) {
    let mut d = Driver::new(Fake::default(), Config::default()).expect("driver");
    let me = iface_with(&d, if lan == "A" { "10.77.0." } else { "10.78.0." });
    let end = StdInstant::now() + DEADLINE;
    let mut got: BTreeMap<String, BTreeSet<Family>> = BTreeMap::new();
    let mut last = StdInstant::now() - EVERY;
    let mut done_sent = 0;
    loop {
        assert!(
            StdInstant::now() < end,
            "peer-{lan}: timed out; got {got:?}"
        );
        let has = |got: &BTreeMap<String, BTreeSet<Family>>, k: &str| {
            got.get(k).is_some_and(|s| s.len() == 2)
        };
        let finished = has(&got, &format!("W-{lan}"))
            && has(&got, &format!("W-{lan}-done"))
            && (lan == "B" || has(&got, "W-U"));
        if last.elapsed() >= EVERY {
            last = StdInstant::now();
            if finished {
                multicast(&mut d, me, &format!("P-{lan}-done"));
                done_sent += 1;
                if done_sent == 5 {
                    eprintln!("peer-{lan}: done; got {got:?}");
                    // Let the last sends leave.
                    step_and_wait(&mut d, StdInstant::now());
                    return;
                }
            } else {
                multicast(&mut d, me, &format!("P-{lan}"));
            }
        }
        step_and_wait(&mut d, last + EVERY);
        for (meta, data) in std::mem::take(&mut d.core_mut().rx) {
            let text = String::from_utf8_lossy(&data).into_owned();
            if text.starts_with("P-") {
                continue;
            }
            assert!(
                text == "W-U" || text.starts_with(&format!("W-{lan}")),
                "peer-{lan}: got {text} from {}: win sent it out of the wrong interface",
                meta.source
            );
            assert_eq!(meta.interface, me);
            assert_eq!(meta.ttl, Some(255), "peer-{lan}: {text}: {meta:?}");
            if text == "W-U" {
                assert!(!meta.multicast, "W-U must be unicast: {meta:?}");
                let win: SocketAddr = meta.source;
                assert!(
                    win.ip().to_string().starts_with("10.77.0.1")
                        || win.ip().to_string().starts_with("fd77::1")
                        || win.ip().to_string().starts_with("fe80"),
                    "W-U from {win}"
                );
            } else {
                assert!(meta.multicast, "{text} must be multicast: {meta:?}");
            }
            eprintln!("peer-{lan}: {text} {meta:?}");
            got.entry(text).or_default().insert(family(&meta));
        }
    }
}

#[test]
#[ignore = "run by scripts/test-windows.sh inside its namespace lab"]
fn wire_exchange_with_a_decoy_interface() {
    let Ok(role) = std::env::var("MDNS_WIRE_ROLE") else {
        panic!("MDNS_WIRE_ROLE not set: this test runs inside scripts/test-windows.sh's lab");
    };
    check_lab();
    match role.as_str() {
        "win" => run_win(),
        "peer-a" => run_peer("A"),
        "peer-b" => run_peer("B"),
        r => panic!("unknown role {r}"),
    }
}
