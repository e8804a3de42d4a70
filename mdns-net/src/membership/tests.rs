use std::time::Duration;

use super::*;

fn a(s: &str, p: u8) -> IfAddr {
    IfAddr {
        addr: s.parse().unwrap(),
        prefix_len: p,
    }
}

fn active(list: &[(u32, &str, Vec<IfAddr>)]) -> BTreeMap<InterfaceId, ActiveInterface> {
    list.iter()
        .map(|(id, name, addrs)| {
            (
                InterfaceId(*id),
                ActiveInterface {
                    name: (*name).into(),
                    addrs: addrs.clone(),
                },
            )
        })
        .collect()
}

/// Records joins and leaves; fails joins on the interfaces and families listed.
#[derive(Default)]
struct FakeGroups {
    no_v6_socket: bool,
    refuse: BTreeSet<(u32, Family)>,
    log: Vec<String>,
}

impl Groups for FakeGroups {
    fn has(&self, fam: Family) -> bool {
        !(fam == Family::V6 && self.no_v6_socket)
    }
    fn join(&mut self, id: InterfaceId, fam: Family, v4: Option<Ipv4Addr>) -> io::Result<()> {
        self.log.push(format!("join {} {fam:?} {v4:?}", id.0));
        if self.refuse.contains(&(id.0, fam)) {
            return Err(io::Error::from(io::ErrorKind::PermissionDenied));
        }
        Ok(())
    }
    fn leave(&mut self, id: InterfaceId, fam: Family, v4: Option<Ipv4Addr>) -> io::Result<()> {
        self.log.push(format!("leave {} {fam:?} {v4:?}", id.0));
        Ok(())
    }
}

fn ms(n: u64) -> Instant {
    Instant::from_millis(n)
}

#[test]
fn joins_by_family_and_tells_the_core() {
    let mut m = Membership::default();
    let mut g = FakeGroups::default();
    let act = active(&[(2, "eth0", vec![a("10.0.0.1", 24), a("fe80::1", 64)])]);
    let up = m.sync(ms(0), &act, &[], &mut g);
    assert_eq!(
        up,
        vec![CoreUpdate::Up(
            InterfaceId(2),
            vec![a("10.0.0.1", 24), a("fe80::1", 64)]
        )]
    );
    assert_eq!(
        g.log,
        ["join 2 V4 Some(10.0.0.1)", "join 2 V6 Some(10.0.0.1)"]
    );
    // Nothing changed: nothing happens.
    assert_eq!(m.sync(ms(1), &act, &[], &mut g), vec![]);
    assert_eq!(g.log.len(), 2);
    // The IPv4 address goes: leave v4 by the address joined with, core gets v6 only.
    let act2 = active(&[(2, "eth0", vec![a("fe80::1", 64)])]);
    assert_eq!(
        m.sync(ms(2), &act2, &[], &mut g),
        vec![CoreUpdate::Up(InterfaceId(2), vec![a("fe80::1", 64)])]
    );
    assert_eq!(g.log[2], "leave 2 V4 Some(10.0.0.1)");
    // The interface goes.
    assert_eq!(
        m.sync(ms(3), &BTreeMap::new(), &[], &mut g),
        vec![CoreUpdate::Down(InterfaceId(2))]
    );
    assert_eq!(g.log[3], "leave 2 V6 None");
    assert!(m.joined().is_empty());
}

/// A join refused on one interface (a permission error): that interface is skipped,
/// the other is served, and the join is retried at the backoff deadlines until it works.
#[test]
fn a_refused_join_skips_that_interface_serves_the_others_and_is_retried() {
    let mut m = Membership::default();
    let mut g = FakeGroups::default();
    g.refuse.insert((3, Family::V4));
    g.refuse.insert((3, Family::V6));
    let act = active(&[
        (2, "eth0", vec![a("10.0.0.1", 24)]),
        (3, "wlan0", vec![a("10.0.1.1", 24), a("fe80::3", 64)]),
    ]);
    let up = m.sync(ms(0), &act, &[], &mut g);
    assert_eq!(
        up,
        vec![CoreUpdate::Up(InterfaceId(2), vec![a("10.0.0.1", 24)])]
    );
    assert_eq!(m.deadline(), Some(ms(20)));
    // Before the deadline: no new attempt.
    let n = g.log.len();
    assert_eq!(m.sync(ms(19), &act, &[], &mut g), vec![]);
    assert_eq!(g.log.len(), n);
    // At it: attempted, refused again, next wait doubled.
    assert_eq!(m.sync(ms(20), &act, &[], &mut g), vec![]);
    assert_eq!(g.log.len(), n + 2);
    assert_eq!(m.deadline(), Some(ms(20) + Duration::from_millis(40)));
    // IPv6 starts working: the interface comes up with its IPv6 address only.
    g.refuse.remove(&(3, Family::V6));
    assert_eq!(
        m.sync(ms(60), &act, &[], &mut g),
        vec![CoreUpdate::Up(InterfaceId(3), vec![a("fe80::3", 64)])]
    );
    // Then IPv4 too: the full list.
    g.refuse.clear();
    let at = m.deadline().unwrap();
    assert_eq!(
        m.sync(at, &act, &[], &mut g),
        vec![CoreUpdate::Up(
            InterfaceId(3),
            vec![a("10.0.1.1", 24), a("fe80::3", 64)]
        )]
    );
    assert_eq!(m.deadline(), None);
}

#[test]
fn a_failing_interface_that_goes_away_is_forgotten() {
    let mut m = Membership::default();
    let mut g = FakeGroups::default();
    g.refuse.insert((3, Family::V4));
    let act = active(&[(3, "ppp0", vec![a("10.0.1.1", 24)])]);
    assert_eq!(m.sync(ms(0), &act, &[], &mut g), vec![]);
    assert!(m.deadline().is_some());
    assert_eq!(m.sync(ms(5), &BTreeMap::new(), &[], &mut g), vec![]);
    assert_eq!(m.deadline(), None);
}

#[test]
fn no_socket_of_a_family_keeps_its_addresses_for_the_core() {
    // IPv6 unavailable on the host: nothing to join, but not a failure either.
    let mut m = Membership::default();
    let mut g = FakeGroups {
        no_v6_socket: true,
        ..FakeGroups::default()
    };
    let act = active(&[(2, "eth0", vec![a("10.0.0.1", 24), a("fe80::1", 64)])]);
    let up = m.sync(ms(0), &act, &[], &mut g);
    assert_eq!(
        up,
        vec![CoreUpdate::Up(
            InterfaceId(2),
            vec![a("10.0.0.1", 24), a("fe80::1", 64)]
        )]
    );
    assert_eq!(g.log, ["join 2 V4 Some(10.0.0.1)"]);
}

#[test]
fn reset_takes_an_interface_down_and_up_again() {
    let mut m = Membership::default();
    let mut g = FakeGroups::default();
    let act = active(&[(2, "eth0", vec![a("10.0.0.1", 24)])]);
    m.sync(ms(0), &act, &[], &mut g);
    let act2 = active(&[(2, "lan0", vec![a("10.0.0.1", 24)])]);
    assert_eq!(
        m.sync(ms(1), &act2, &[InterfaceId(2)], &mut g),
        vec![
            CoreUpdate::Down(InterfaceId(2)),
            CoreUpdate::Up(InterfaceId(2), vec![a("10.0.0.1", 24)])
        ]
    );
    assert_eq!(
        g.log,
        [
            "join 2 V4 Some(10.0.0.1)",
            "leave 2 V4 Some(10.0.0.1)",
            "join 2 V4 Some(10.0.0.1)"
        ]
    );
}
