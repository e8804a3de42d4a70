//! One test per row of the conformance checklist (shared/CONFORMANCE.md, the mDNS parts
//! of Apple's Bonjour Conformance Test), driving the engine with crafted packets and
//! simulated time.

mod common;
use common::*;
use mdns_sansio::engine::responder::{HostRegistration, InterfaceSelection};
use mdns_sansio::engine::{Destination, Event, RegistrationFailure};
use mdns_sansio::wire::{RecordData, Rtype, Section};
use mdns_sansio::Instant;

const HOST: &str = "myhost.local.";
const INST: &str = "Kitchen._http._tcp.local.";
const TYPE: &str = "_http._tcp.local.";

/// Row 1: probes for the host name and every service name, queries with the proposed
/// records in Authority (no cache-flush), QU on the first, 250 ms apart.
#[test]
fn bct_01_initial_probing() {
    let mut net = Net::new(1);
    net.register_host_and_service();
    net.run_ms(1000);
    let probes: Vec<_> = net.sent.iter().filter(|s| s.is_probe()).collect();
    assert_eq!(probes.len(), 3, "three probes");
    assert!(
        probes[0].at.as_millis() <= 250,
        "first probe within 0-250 ms"
    );
    for (i, p) in probes.iter().enumerate() {
        assert_eq!(p.dest, Destination::MulticastV4);
        let qs: Vec<_> = p.msg().questions().flatten().collect();
        let names: Vec<String> = qs.iter().map(|q| q.name.to_string()).collect();
        assert_eq!(names, [HOST, INST], "host and service probed together");
        assert!(qs.iter().all(|q| q.qtype == Rtype::ANY));
        assert!(
            qs.iter().all(|q| q.unicast_response == (i == 0)),
            "QU on the first only"
        );
        let auth = p.records(Section::Authority);
        assert!(auth.iter().all(|r| !r.3), "no cache-flush in Authority");
        let types: Vec<Rtype> = auth.iter().map(|r| r.1).collect();
        assert_eq!(types, [Rtype::A, Rtype::SRV, Rtype::TXT]);
        if i > 0 {
            assert_eq!(p.at.as_millis() - probes[i - 1].at.as_millis(), 250);
        }
    }
    // No answer before probing is over: the first response follows the third probe by
    // 250 ms.
    let first_response = net.sent.iter().find(|s| s.is_response()).unwrap();
    assert_eq!(
        first_response.at.as_millis() - probes[2].at.as_millis(),
        250
    );
}

/// Row 2: another host answering a probed name → new name, probing again.
#[test]
fn bct_02_probe_denial() {
    let mut net = Net::new(2);
    let (h, _) = net.register_host_and_service();
    net.run_until_sent(300, |s| s.is_probe());
    net.recv(&response(&[a(HOST, "10.0.0.9", 120)]));
    assert!(net.events.contains(&Event::Renamed {
        id: h,
        from: name(HOST),
        to: name("myhost-2.local."),
    }));
    net.run_until_sent(300, |s| probe_for(s, "myhost-2.local."));
    // The service's SRV now points at the new host name.
    let p = net.run_until_sent(300, |s| probe_for(s, INST));
    let srv = p
        .records(Section::Authority)
        .into_iter()
        .find(|r| r.1 == Rtype::SRV)
        .unwrap();
    assert_eq!(srv.4, "0 0 8080 myhost-2.local.");
    net.run_ms(3000);
    assert_eq!(net.registered(h), Some(name("myhost-2.local.")));
}

/// Row 3: a simultaneous probe that compares later wins; we wait 1 s and probe again
/// (no rename), and rename when the winner then answers.
#[test]
fn bct_03_simultaneous_probe_losing() {
    let mut net = Net::new(3);
    let (h, _) = net.register_host_and_service();
    let first = net.run_until_sent(300, |s| s.is_probe());
    let theirs = query(
        &[(HOST, Rtype::ANY, true)],
        &[],
        &[a(HOST, "10.0.0.200", 120)],
    );
    net.recv(&theirs);
    let lost_at = net.now;
    assert!(!net
        .events
        .iter()
        .any(|e| matches!(e, Event::Renamed { .. })));
    let next = net.run_until_sent(2000, |s| s.at > first.at && probe_for(s, HOST));
    assert!(
        next.at.as_millis() - lost_at.as_millis() >= 1000,
        "waited one second"
    );
    // The winner's response now is a conflict: rename.
    net.recv(&response(&[a(HOST, "10.0.0.200", 120)]));
    assert!(net
        .events
        .iter()
        .any(|e| matches!(e, Event::Renamed { id, .. } if *id == h)));
}

/// Row 4: after 15 conflicts within 10 s, each further probe attempt waits 5 s.
#[test]
fn bct_04_rate_limiting() {
    let mut net = Net::new(4);
    net.engine
        .register_host(
            net.now,
            HostRegistration::builder(name(HOST)).build().unwrap(),
        )
        .unwrap();
    net.drain();
    let mut attempts = Vec::new();
    for _ in 0..20 {
        let p = net.run_until_sent(10_000, |s| s.is_probe());
        let q = p
            .msg()
            .questions()
            .next()
            .unwrap()
            .unwrap()
            .name
            .to_string();
        attempts.push((p.at, net.now));
        net.sent.clear();
        net.recv(&response(&[a(&q, "10.0.0.9", 120)]));
    }
    let conflict_times: Vec<_> = attempts.iter().map(|a| a.1).collect();
    for i in 15..20 {
        let gap = attempts[i].0.as_millis() - conflict_times[i - 1].as_millis();
        assert!(gap >= 5000, "attempt {i} came {gap} ms after the conflict");
    }
    for i in 1..15 {
        let gap = attempts[i].0.as_millis() - conflict_times[i - 1].as_millis();
        assert!(gap <= 250, "before the limit, attempt {i} waits {gap} ms");
    }
}

/// Row 5: a simultaneous probe that compares earlier is ignored; we finish three
/// probes and announce, PTRs without cache-flush.
#[test]
fn bct_05_simultaneous_probe_winning() {
    let mut net = Net::new(5);
    let (h, s) = net.register_host_and_service();
    net.run_until_sent(300, |s| s.is_probe());
    net.recv(&query(
        &[(HOST, Rtype::ANY, true)],
        &[],
        &[a(HOST, "10.0.0.0", 120)],
    ));
    net.run_ms(1500);
    let probes: Vec<_> = net.sent.iter().filter(|s| s.is_probe()).collect();
    assert_eq!(probes.len(), 3);
    assert!(probes
        .windows(2)
        .all(|w| w[1].at.as_millis() - w[0].at.as_millis() >= 250));
    assert!(net.registered(h).is_some() && net.registered(s).is_some());
    let ann = net.sent.iter().find(|s| s.is_response()).unwrap();
    for r in ann.answers() {
        assert_eq!(r.3, r.1 != Rtype::PTR, "flush on unique, not on PTR: {r:?}");
    }
}

/// Row 6: the same for service instance names: denial renames to `Kitchen (2)`, a
/// later-comparing probe makes us wait.
#[test]
fn bct_06_srv_probing() {
    let mut net = Net::new(6);
    let (_, s) = net.register_host_and_service();
    let first = net.run_until_sent(300, |s| s.is_probe());
    // Their SRV port 9000 sorts after our 8080 (TXT equal): we lose the tiebreak.
    let theirs = query(
        &[(INST, Rtype::ANY, true)],
        &[],
        &[
            srv(INST, 9000, HOST, 120),
            rec(INST, RecordData::Txt(b"\x06path=/"[..].into()), 4500),
        ],
    );
    net.recv(&theirs);
    let lost_at = net.now;
    let next = net.run_until_sent(2000, |x| x.at > first.at && probe_for(x, INST));
    assert!(next.at.as_millis() - lost_at.as_millis() >= 1000);
    net.recv(&response(&[srv(INST, 9000, HOST, 120)]));
    assert!(net.events.contains(&Event::Renamed {
        id: s,
        from: name(INST),
        to: name("Kitchen (2)._http._tcp.local."),
    }));
    net.run_ms(3000);
    assert_eq!(
        net.registered(s),
        Some(name("Kitchen (2)._http._tcp.local."))
    );
}

/// Row 7: a conflict for an announced name → probe it again first; rename only if the
/// conflict holds.
#[test]
fn bct_07_conflict_after_announcing() {
    let mut net = Net::new(7);
    let (h, _) = net.established();
    net.recv(&response(&[a(HOST, "10.0.0.9", 120)]));
    assert!(!net
        .events
        .iter()
        .any(|e| matches!(e, Event::Renamed { .. })));
    let p = net.run_until_sent(300, |s| probe_for(s, HOST));
    assert!(p.is_probe());
    // While probing again, the name is not answered.
    net.recv(&query(&[(HOST, Rtype::A, false)], &[], &[]));
    assert!(!net.sent.iter().any(|s| s.is_response()));
    net.recv(&response(&[a(HOST, "10.0.0.9", 120)]));
    assert!(net.events.iter().any(
        |e| matches!(e, Event::Renamed { id, to, .. } if *id == h && *to == name("myhost-2.local."))
    ));
}

/// Row 8: SRV, TXT, A and ANY queries for unique records are answered at once; an SRV
/// answer carries the host's address as additional.
#[test]
fn bct_08_unique_record_answer_time() {
    let mut net = Net::new(8);
    net.established();
    for (q, t) in [
        (INST, Rtype::SRV),
        (INST, Rtype::TXT),
        (HOST, Rtype::A),
        (INST, Rtype::ANY),
    ] {
        net.run_ms(1100);
        let at = net.now;
        net.recv(&query(&[(q, t, false)], &[], &[]));
        let r = net.sent.last().expect("answered");
        assert_eq!(r.at, at, "{t} answered at once");
        if t == Rtype::SRV {
            assert!(r
                .records(Section::Additional)
                .iter()
                .any(|x| x.1 == Rtype::A && x.4 == OUR_V4));
        }
        if t == Rtype::ANY {
            assert!(r.has_answer(INST, Rtype::SRV) && r.has_answer(INST, Rtype::TXT));
        }
    }
}

/// Row 9: PTR answers wait uniformly 20–120 ms, spread over the range; ANY on the
/// service type name returns the PTR with SRV and TXT.
#[test]
fn bct_09_shared_record_answer_time() {
    let mut delays = Vec::new();
    for seed in 0..60 {
        let mut net = Net::new(seed);
        net.established();
        let at = net.now;
        net.recv(&query(&[(TYPE, Rtype::PTR, false)], &[], &[]));
        let r = net.run_until_sent(200, |s| s.is_response());
        delays.push(r.at.as_millis() - at.as_millis());
    }
    assert!(delays.iter().all(|d| (20..=120).contains(d)), "{delays:?}");
    assert!(*delays.iter().min().unwrap() < 40 && *delays.iter().max().unwrap() > 100);
    let mut net = Net::new(9);
    net.established();
    net.recv(&query(&[(TYPE, Rtype::ANY, false)], &[], &[]));
    let r = net.run_until_sent(200, |s| s.is_response());
    assert!(r.has_answer(TYPE, Rtype::PTR));
    let extra: Vec<Rtype> = r.records(Section::Additional).iter().map(|x| x.1).collect();
    assert!(extra.contains(&Rtype::SRV) && extra.contains(&Rtype::TXT));
}

/// Row 10: a known answer with at least half our TTL suppresses the answer; below half
/// it does not. PTR TTL 4500: 2250 suppresses, 2249 does not.
#[test]
fn bct_10_known_answer_suppression() {
    let mut net = Net::new(10);
    net.established();
    net.recv(&query(
        &[(TYPE, Rtype::PTR, false)],
        &[ptr(TYPE, INST, 2250)],
        &[],
    ));
    net.run_ms(600);
    assert!(net.sent.is_empty(), "suppressed at exactly half");
    net.recv(&query(
        &[(TYPE, Rtype::PTR, false)],
        &[ptr(TYPE, INST, 2249)],
        &[],
    ));
    net.run_ms(600);
    assert_eq!(net.sent.len(), 1, "answered below half");
    assert!(net.sent[0].has_answer(TYPE, Rtype::PTR));
}

/// Row 11: a TC query and its known-answer continuation count as one query (RFC 6762 §7.2).
#[test]
fn bct_11_multi_packet_known_answers() {
    let mut net = Net::new(11);
    net.established();
    net.recv(&query_id(0, true, &[(TYPE, Rtype::PTR, false)], &[], &[]));
    net.run_ms(100);
    assert!(
        net.sent.is_empty(),
        "waits for the rest of the known answers"
    );
    net.recv(&query(&[], &[ptr(TYPE, INST, 4500)], &[]));
    net.run_ms(1000);
    assert!(
        net.sent.is_empty(),
        "the continuation's known answer suppresses it"
    );
    // Without a continuation, the answer comes after 400-500 ms.
    net.run_ms(1000);
    let at = net.now;
    net.recv(&query_id(0, true, &[(TYPE, Rtype::PTR, false)], &[], &[]));
    let r = net.run_until_sent(600, |s| s.is_response());
    assert!((400..=500).contains(&(r.at.as_millis() - at.as_millis())));
}

/// Row 12: rows 8-11 with several questions in one query.
#[test]
fn bct_12_multiple_questions() {
    let mut net = Net::new(12);
    net.established();
    let at = net.now;
    net.recv(&query(
        &[
            (INST, Rtype::SRV, false),
            (HOST, Rtype::A, false),
            (TYPE, Rtype::PTR, false),
        ],
        &[],
        &[],
    ));
    let r = net.run_until_sent(200, |s| s.is_response());
    let d = r.at.as_millis() - at.as_millis();
    assert!(
        (20..=120).contains(&d),
        "multi-question answers are delayed (RFC 6762 §6.3): {d}"
    );
    assert!(
        r.has_answer(INST, Rtype::SRV)
            && r.has_answer(HOST, Rtype::A)
            && r.has_answer(TYPE, Rtype::PTR)
    );
    net.run_ms(1500);
    net.sent.clear();
    net.recv(&query(
        &[(INST, Rtype::SRV, false), (TYPE, Rtype::PTR, false)],
        &[ptr(TYPE, INST, 4500)],
        &[],
    ));
    let r = net.run_until_sent(200, |s| s.is_response());
    assert!(r.has_answer(INST, Rtype::SRV) && !r.has_answer(TYPE, Rtype::PTR));
}

/// Row 13: two shared-record queries back to back → one response datagram.
#[test]
fn bct_13_reply_aggregation() {
    let mut net = Net::new(13);
    net.engine
        .register_service(net.now, service("Printer", "_ipp._tcp", 631))
        .unwrap();
    net.established();
    net.recv(&query(&[(TYPE, Rtype::PTR, false)], &[], &[]));
    net.run_ms(5);
    net.recv(&query(&[("_ipp._tcp.local.", Rtype::PTR, false)], &[], &[]));
    net.run_ms(1000);
    assert_eq!(net.sent.len(), 1, "one response");
    assert!(net.sent[0].has_answer(TYPE, Rtype::PTR));
    assert!(net.sent[0].has_answer("_ipp._tcp.local.", Rtype::PTR));
}

/// Row 14: renaming sends a goodbye for the old PTR, then probes and announces the new
/// name.
#[test]
fn bct_14_name_change() {
    let mut net = Net::new(14);
    let (_, s) = net.established();
    net.recv(&response(&[srv(INST, 1, "other.local.", 120)]));
    net.run_until_sent(300, |x| probe_for(x, INST));
    net.recv(&response(&[srv(INST, 1, "other.local.", 120)]));
    let bye_at = net.now;
    let bye = net.sent.iter().find(|x| x.is_response()).expect("goodbye");
    assert!(bye
        .answers()
        .iter()
        .any(|r| r.0 == TYPE && r.1 == Rtype::PTR && r.2 == 0 && r.4 == INST));
    net.run_ms(3000);
    let new = "Kitchen (2)._http._tcp.local.";
    let p = net
        .sent
        .iter()
        .position(|x| probe_for(x, new))
        .expect("probes the new name");
    assert!(net.sent[p].at >= bye_at);
    let ann = net.sent[p..].iter().find(|x| x.is_response()).unwrap();
    assert!(ann
        .answers()
        .iter()
        .any(|r| r.1 == Rtype::PTR && r.4 == new && r.2 == 4500));
    assert_eq!(net.registered(s), Some(name(new)));
}

/// Row 15: after the link goes down and up, every name is probed again before it is
/// used.
#[test]
fn bct_15_link_change() {
    let mut net = Net::new(15);
    net.established();
    net.engine.interface_down(net.now, IF);
    net.run_ms(2000);
    assert!(net.sent.is_empty());
    net.engine.interface_up(net.now, IF, &[v4(OUR_V4)]);
    net.recv(&query(&[(HOST, Rtype::A, false)], &[], &[]));
    let p = net.run_until_sent(300, |s| s.is_probe());
    assert!(
        !net.sent.iter().any(|s| s.is_response()),
        "nothing answered before probing"
    );
    let names: Vec<String> = p
        .msg()
        .questions()
        .flatten()
        .map(|q| q.name.to_string())
        .collect();
    assert_eq!(names, [HOST, INST]);
    net.run_ms(3000);
    let probes = net.sent.iter().filter(|s| s.is_probe()).count();
    assert_eq!(probes, 3);
    assert!(
        net.sent.iter().filter(|s| s.is_response()).count() >= 2,
        "announced again"
    );
}

/// Row 16: a query from a port other than 5353 → unicast reply to that port, same ID,
/// question repeated, no cache-flush, TTL ≤ 10 s, SRV target uncompressed.
#[test]
fn bct_16_legacy_unicast() {
    let mut net = Net::new(16);
    net.established();
    let q = query_id(0x1234, false, &[(INST, Rtype::SRV, false)], &[], &[]);
    net.recv_from(&q, peer(40000), true);
    let r = net.sent.last().expect("legacy reply at once");
    assert_eq!(r.dest, Destination::Unicast(peer(40000)));
    let h = r.msg().header();
    assert_eq!(h.id, 0x1234);
    assert_eq!(h.qdcount, 1);
    let q0 = r.msg().questions().next().unwrap().unwrap();
    assert_eq!(q0.name.to_string(), INST);
    for rr in r
        .records(Section::Answer)
        .iter()
        .chain(r.records(Section::Additional).iter())
    {
        assert!(!rr.3, "no cache-flush: {rr:?}");
        assert!(rr.2 <= 10, "TTL ≤ 10: {rr:?}");
    }
    // The SRV target is written out in full.
    let target = b"\x06myhost\x05local\x00";
    assert!(r.bytes.windows(target.len()).any(|w| w == target));
}

/// Row 16, twice in a row: each legacy reply echoes its own query's ID and questions
/// (the responder reuses one reply's question list for the next), a name asked about
/// twice in one query included.
#[test]
fn bct_16_legacy_replies_in_a_row_echo_their_own_questions() {
    let mut net = Net::new(16);
    net.established();
    let questions = |r: &Sent| -> Vec<(String, Rtype)> {
        r.msg()
            .questions()
            .map(|q| {
                let q = q.unwrap();
                (q.name.to_string(), q.qtype)
            })
            .collect()
    };
    let both = &[(INST, Rtype::SRV, false), (INST, Rtype::TXT, false)];
    net.recv_from(&query_id(0x1111, false, both, &[], &[]), peer(40000), true);
    let first = net.sent.last().expect("first legacy reply").clone();
    assert_eq!(first.msg().header().id, 0x1111);
    assert_eq!(
        questions(&first),
        [
            (INST.to_string(), Rtype::SRV),
            (INST.to_string(), Rtype::TXT)
        ]
    );
    let one = &[(HOST, Rtype::A, false)];
    net.recv_from(&query_id(0x2222, false, one, &[], &[]), peer(40001), true);
    let second = net.sent.last().expect("second legacy reply");
    assert_eq!(second.dest, Destination::Unicast(peer(40001)));
    assert_eq!(second.msg().header().id, 0x2222);
    assert_eq!(questions(second), [(HOST.to_string(), Rtype::A)]);
}

/// Row 17: after start-up, a few announcements with a first gap of at least 1 s, then
/// silence: nothing periodic.
#[test]
fn bct_17_chattiness() {
    let mut net = Net::new(17);
    net.register_host_and_service();
    net.run_until(Instant::from_secs(7200));
    let responses: Vec<_> = net.sent.iter().filter(|s| s.is_response()).collect();
    assert_eq!(responses.len(), 2);
    assert!(responses[1].at.as_millis() - responses[0].at.as_millis() >= 1000);
    assert!(
        net.sent.last().unwrap().at.as_millis() < 3000,
        "silent afterwards"
    );
    let _ = InterfaceSelection::All;
    let _ = RegistrationFailure::Conflict;
}
