//! One test per responder rule, named after it, citing the RFC section.

mod common;
use common::*;
use mdns_sansio::engine::responder::{
    HostRegistration, InterfaceSelection, RegisterError, RegistrationError, ServiceRegistration,
};
use mdns_sansio::engine::{Destination, Event, RegistrationFailure};
use mdns_sansio::wire::{Rtype, Section};
use mdns_sansio::{InstanceName, Instant, ServiceType, Txt};
use std::net::SocketAddr;

const HOST: &str = "myhost.local.";
const INST: &str = "Kitchen._http._tcp.local.";
const TYPE: &str = "_http._tcp.local.";

/// RFC 6762 §5.4: a QU question is answered by unicast to the querier's port 5353 when
/// the record was multicast within a quarter of its TTL; otherwise by multicast.
#[test]
fn rfc6762_5_4_qu_answered_by_unicast_when_recently_multicast() {
    let mut net = Net::new(1);
    net.established();
    net.recv(&query(&[(HOST, Rtype::A, true)], &[], &[]));
    assert_eq!(
        net.sent.last().unwrap().dest,
        Destination::Unicast(peer(5353))
    );
    // 31 s later (quarter of 120 s is 30 s), the answer is multicast instead.
    net.run_ms(31_000);
    net.recv(&query(&[(HOST, Rtype::A, true)], &[], &[]));
    assert_eq!(net.sent.last().unwrap().dest, Destination::MulticastV4);
}

/// RFC 6762 §6.1: a name we own, asked for a type it lacks → NSEC with the flush bit,
/// next name = own name, the types it has.
#[test]
fn rfc6762_6_1_nsec_for_absent_types() {
    let mut net = Net::new(2);
    net.established();
    net.recv(&query(&[(HOST, Rtype::AAAA, false)], &[], &[]));
    let r = net.sent.last().unwrap();
    assert_eq!(
        r.answers(),
        [(HOST.into(), Rtype::NSEC, 120, true, format!("{HOST} A"))]
    );
    net.recv(&query(&[(INST, Rtype::A, false)], &[], &[]));
    let r = net.sent.last().unwrap();
    assert_eq!(r.answers()[0].4, format!("{INST} TXT SRV"));
}

/// RFC 6762 §6 and RFC 6762 §16: names match case-insensitively; answers use the registered
/// case. ANY returns every record of the name (RFC 6762 §6.5).
#[test]
fn rfc6762_6_case_insensitive_match_answered_in_registered_case() {
    let mut net = Net::new(3);
    net.established();
    net.recv(&query(
        &[("kITCHEN._HTTP._tcp.LOCAL.", Rtype::ANY, false)],
        &[],
        &[],
    ));
    let r = net.sent.last().unwrap();
    let owners: Vec<String> = r.answers().into_iter().map(|a| a.0).collect();
    assert_eq!(owners, [INST, INST]);
}

/// RFC 6763 §12: PTR → SRV, TXT, A (and NSEC for the absent family, RFC 6762 §6.2);
/// nothing already in the answers is repeated.
#[test]
fn rfc6763_12_additional_records() {
    let mut net = Net::new(4);
    net.established();
    net.recv(&query(&[(TYPE, Rtype::PTR, false)], &[], &[]));
    let r = net.run_until_sent(200, |s| s.is_response());
    let extra: Vec<Rtype> = r.records(Section::Additional).iter().map(|x| x.1).collect();
    assert_eq!(extra, [Rtype::SRV, Rtype::TXT, Rtype::A, Rtype::NSEC]);
    net.run_ms(1100);
    net.recv(&query(
        &[(INST, Rtype::SRV, false), (HOST, Rtype::A, false)],
        &[],
        &[],
    ));
    let r = net.run_until_sent(200, |s| s.is_response());
    let extra: Vec<Rtype> = r.records(Section::Additional).iter().map(|x| x.1).collect();
    assert_eq!(extra, [Rtype::NSEC], "A already answered is not repeated");
}

/// RFC 6763 §9 and RFC 6763 §7.1: the type enumeration and subtype PTRs are answered.
#[test]
fn rfc6763_9_type_enumeration_and_subtypes() {
    let mut net = Net::new(5);
    let reg = ServiceRegistration::builder(
        InstanceName::new("Printer").unwrap(),
        ServiceType::new("_ipp._tcp").unwrap(),
    )
    .port(631)
    .host(name(HOST))
    .subtype("_color")
    .build()
    .unwrap();
    net.engine.register_service(net.now, reg).unwrap();
    net.established();
    net.recv(&query(
        &[("_services._dns-sd._udp.local.", Rtype::PTR, false)],
        &[],
        &[],
    ));
    let r = net.run_until_sent(200, |s| s.is_response());
    let targets: Vec<String> = r.answers().into_iter().map(|a| a.4).collect();
    assert_eq!(targets, ["_ipp._tcp.local.", TYPE]);
    net.recv(&query(
        &[("_color._sub._ipp._tcp.local.", Rtype::PTR, false)],
        &[],
        &[],
    ));
    let r = net.run_until_sent(200, |s| {
        s.is_response() && s.has_answer("_color._sub._ipp._tcp.local.", Rtype::PTR)
    });
    assert_eq!(r.answers()[0].4, "Printer._ipp._tcp.local.");
}

/// RFC 6762 §6: no answers for names we do not own, never NXDOMAIN, never from cache.
#[test]
fn rfc6762_6_silence_for_unknown_names() {
    let mut net = Net::new(6);
    net.established();
    net.recv(&query(
        &[
            ("other.local.", Rtype::A, false),
            ("_ipp._tcp.local.", Rtype::PTR, false),
        ],
        &[],
        &[],
    ));
    net.run_ms(1000);
    assert!(net.sent.is_empty());
}

/// RFC 6762 §6: a record is multicast at most once per second per interface.
#[test]
fn rfc6762_6_multicast_rate_limit_one_second() {
    let mut net = Net::new(7);
    net.established();
    net.recv(&query(&[(HOST, Rtype::A, false)], &[], &[]));
    net.run_ms(500);
    net.recv(&query(&[(HOST, Rtype::A, false)], &[], &[]));
    assert_eq!(net.sent.len(), 1, "not again within a second");
    net.run_ms(600);
    net.recv(&query(&[(HOST, Rtype::A, false)], &[], &[]));
    assert_eq!(net.sent.len(), 2);
}

/// RFC 6762 §6: the one-second rule holds for every address record of a host with more
/// addresses on the interface than its link keeps times for (the rest are kept in the
/// schedule's table), also after an address is added (and the host announced again).
#[test]
fn rfc6762_6_multicast_rate_limit_holds_for_many_addresses() {
    let mut net = Net::new(7);
    let addrs: Vec<_> = (1..=7).map(|i| v4(&format!("10.0.0.{i}"))).collect();
    net.engine.interface_up(net.now, IF, &addrs);
    net.established();
    let a_answers = |s: &Sent| {
        let mut v: Vec<String> = s
            .answers()
            .into_iter()
            .filter(|r| r.1 == Rtype::A)
            .map(|r| r.4)
            .collect();
        v.sort();
        v
    };
    let all: Vec<String> = (1..=7).map(|i| format!("10.0.0.{i}")).collect();
    net.recv(&query(&[(HOST, Rtype::A, false)], &[], &[]));
    assert_eq!(net.sent.len(), 1);
    assert_eq!(a_answers(&net.sent[0]), all);
    net.run_ms(500);
    net.recv(&query(&[(HOST, Rtype::A, false)], &[], &[]));
    assert_eq!(net.sent.len(), 1, "none of the seven again within a second");
    // An eighth address: the host probes and announces again.
    let mut more = addrs.clone();
    more.push(v4("10.0.0.8"));
    net.engine.interface_up(net.now, IF, &more);
    net.sent.clear();
    net.run_ms(4000);
    net.sent.clear();
    net.recv(&query(&[(HOST, Rtype::A, false)], &[], &[]));
    assert_eq!(net.sent.len(), 1);
    let mut eight = all.clone();
    eight.push("10.0.0.8".into());
    assert_eq!(a_answers(&net.sent[0]), eight);
    net.run_ms(600);
    net.recv(&query(&[(HOST, Rtype::A, false)], &[], &[]));
    assert_eq!(net.sent.len(), 1, "none again within a second");
    net.run_ms(500);
    net.recv(&query(&[(HOST, Rtype::A, false)], &[], &[]));
    assert_eq!(net.sent.len(), 2);
    assert_eq!(a_answers(&net.sent[1]), eight);
}

/// RFC 6762 §6: an interface coming up again (its names probed and announced anew) does
/// not let an address record go out twice within a second: its last multicast time is
/// kept across the change. (A fuzz find: the address slots were once reset there.)
#[test]
fn rfc6762_6_multicast_rate_limit_holds_across_an_interface_change() {
    let mut net = Net::new(11);
    net.established();
    net.recv(&query(&[(HOST, Rtype::A, false)], &[], &[]));
    assert_eq!(net.sent.len(), 1);
    net.run_ms(100);
    net.engine.interface_up(net.now, IF, &[v4(OUR_V4)]);
    net.run_ms(5000);
    let a_times: Vec<u64> = net
        .sent
        .iter()
        .filter(|s| s.is_response() && s.has_answer(HOST, Rtype::A))
        .map(|s| s.at.as_millis())
        .collect();
    assert!(a_times.len() >= 2, "announced again: {a_times:?}");
    for w in a_times.windows(2) {
        assert!(
            w[1] - w[0] >= 1000,
            "A multicast twice within a second: {a_times:?}"
        );
    }
}

/// RFC 6762 §6, RFC 6762 §8.1: a QM probe for an established name is answered at once, by
/// multicast, despite the one-second limit (250 ms instead).
#[test]
fn rfc6762_8_1_probe_defended_at_once() {
    let mut net = Net::new(8);
    net.established();
    net.recv(&query(&[(HOST, Rtype::A, false)], &[], &[]));
    net.run_ms(300);
    let probe = query(
        &[(HOST, Rtype::ANY, false)],
        &[],
        &[a(HOST, "10.0.0.9", 120)],
    );
    net.recv(&probe);
    let r = net.sent.last().unwrap();
    assert_eq!((r.at, r.dest), (net.now, Destination::MulticastV4));
    assert!(r.has_answer(HOST, Rtype::A));
    net.run_ms(100);
    net.recv(&probe);
    assert_eq!(net.sent.len(), 2, "defence limited to once per 250 ms");
}

/// RFC 6762 §8.1, RFC 6762 §5.4: a QU probe (the first) is answered at once by unicast to
/// the prober, the record having been multicast within a quarter of its TTL; by multicast
/// when it was not. (mDNSResponder takes a multicast answer to its probe for a possibly
/// spurious conflict and probes again a second later before renaming.)
#[test]
fn rfc6762_8_1_qu_probe_defended_by_unicast() {
    let mut net = Net::new(8);
    net.established();
    let before = net.sent.len();
    let probe = query(
        &[(HOST, Rtype::ANY, true)],
        &[],
        &[a(HOST, "10.0.0.9", 120)],
    );
    net.recv(&probe);
    let r = &net.sent[before];
    assert_eq!((r.at, r.dest), (net.now, Destination::Unicast(peer(5353))));
    assert!(r.has_answer(HOST, Rtype::A));
    assert_eq!(net.sent.len(), before + 1, "unicast only");
    // 40 s later (past 120 s / 4 since the announcements): multicast, at once.
    net.run_ms(40_000);
    let before = net.sent.len();
    net.recv(&probe);
    let r = &net.sent[before];
    assert_eq!((r.at, r.dest), (net.now, Destination::MulticastV4));
    assert!(r.has_answer(HOST, Rtype::A));
}

/// RFC 6762 §7.1: PTR known answers suppress exactly the instances of ours they name,
/// whatever their case, among others' instances; with few services of a type (each
/// compared with the target) and with many (the target looked up in the name index).
#[test]
fn rfc6762_7_1_ptr_known_answers_suppress_the_instances_they_name() {
    for extra in [2u16, 5] {
        let mut net = Net::new(20 + u64::from(extra));
        net.established();
        for i in 0..extra {
            let reg = service(&format!("Svc {i}"), "_http._tcp", 8000 + i);
            net.engine.register_service(net.now, reg).unwrap();
        }
        net.run_ms(4000);
        net.sent.clear();
        // Ours: Kitchen and Svc 0..extra. Listed: Kitchen (in other case), Svc 0, and two
        // instances of other hosts, one as long as Svc 0's name.
        let known = [
            ptr(TYPE, "KITCHEN._http._tcp.local.", 4500),
            ptr(TYPE, "Svc 0._http._tcp.local.", 4500),
            ptr(TYPE, "Svc X._http._tcp.local.", 4500),
            ptr(TYPE, "Elsewhere._http._tcp.local.", 4500),
        ];
        net.recv(&query(&[(TYPE, Rtype::PTR, false)], &known, &[]));
        net.run_ms(600);
        let mut targets: Vec<String> = net
            .sent
            .iter()
            .filter(|s| s.is_response())
            .flat_map(|s| s.answers())
            .filter(|a| a.1 == Rtype::PTR)
            .map(|a| a.4)
            .collect();
        targets.sort();
        let want: Vec<String> = (1..extra)
            .map(|i| format!("Svc {i}._http._tcp.local."))
            .collect();
        assert_eq!(targets, want, "{extra} more services");
    }
}

/// RFC 6762 §7.4: another host multicasting our pending answer with a TTL not less
/// than ours cancels it.
#[test]
fn rfc6762_7_4_duplicate_answer_suppression() {
    let mut net = Net::new(9);
    net.established();
    net.recv(&query(&[(TYPE, Rtype::PTR, false)], &[], &[]));
    net.recv(&response(&[ptr(TYPE, INST, 4500)]));
    net.run_ms(500);
    assert!(net.sent.is_empty());
}

/// RFC 6762 §7.4: a copy with a TTL lower than ours (here exactly half) does not count
/// as our answer: ours still goes out.
#[test]
fn rfc6762_7_4_a_lower_ttl_copy_does_not_suppress_our_answer() {
    let mut net = Net::new(9);
    net.established();
    net.recv(&query(&[(TYPE, Rtype::PTR, false)], &[], &[]));
    net.recv(&response(&[ptr(TYPE, INST, 2250)]));
    net.run_ms(500);
    assert!(net.sent.iter().any(|s| s.has_answer(TYPE, Rtype::PTR)));
}

/// Our own continuous query, looped back by the network stack, is answered by
/// multicast (never unicast to ourselves), so a browse of this engine finds the
/// services it publishes; our own probes looped back are neither answered nor taken
/// for a conflict.
#[test]
fn own_looped_back_query_is_answered_by_multicast() {
    let mut net = Net::new(12);
    net.established();
    net.take_sent();
    let own = SocketAddr::new(OUR_V4.parse().unwrap(), 5353);
    let ty = ServiceType::new("_http._tcp").unwrap();
    let browse = net.engine.browse(net.now, &ty).unwrap();
    net.run_ms(150);
    let ours = net.take_sent();
    let q = ours
        .iter()
        .find(|s| s.is_query())
        .expect("the browse query");
    // Started after start-up: QM from its first query (RFC 6762 §5.4).
    assert!(!q.text().contains("QU"), "{}", q.text());
    net.recv_from(&q.bytes, own, true);
    net.run_ms(200);
    let sent = net.take_sent();
    let answer = sent
        .iter()
        .find(|s| s.has_answer(TYPE, Rtype::PTR))
        .expect("answered");
    assert!(
        sent.iter().all(|s| s.dest == Destination::MulticastV4),
        "multicast only"
    );
    // Looped back too, the answer makes the browse find our own service.
    let answer = answer.bytes.clone();
    net.recv_from(&answer, own, true);
    assert!(net
        .events
        .iter()
        .any(|e| matches!(e, Event::ServiceFound { query, .. } if *query == browse)));
    // A new registration's probe looped back: no answer, no conflict.
    net.run_ms(2000);
    net.take_sent();
    let id = net
        .engine
        .register_service(net.now, service("Den", "_http._tcp", 81))
        .unwrap();
    for _ in 0..10 {
        net.run_ms(100);
        for s in net.take_sent() {
            if s.is_probe() {
                net.recv_from(&s.bytes, own, true);
            }
        }
    }
    net.run_ms(1000);
    assert!(net
        .events
        .iter()
        .any(|e| matches!(e, Event::Registered { id: r, .. } if *r == id)));
    assert!(!net
        .events
        .iter()
        .any(|e| matches!(e, Event::Renamed { .. })));
}

/// RFC 6762 §6.6, RFC 6762 §10.1: our record sent by another host with less than half our TTL,
/// or a goodbye for it, is re-announced; identical data is no conflict.
#[test]
fn rfc6762_6_6_reannounce_low_ttl_and_goodbyes() {
    let mut net = Net::new(10);
    net.established();
    net.recv(&response(&[a(HOST, OUR_V4, 0)]));
    net.run_ms(10);
    let r = net.sent.last().expect("re-announced");
    assert_eq!(
        r.answers(),
        [(HOST.into(), Rtype::A, 120, true, OUR_V4.into())]
    );
    net.run_ms(2000);
    net.recv(&response(&[a(HOST, OUR_V4, 120)]));
    net.run_ms(500);
    assert!(!net
        .events
        .iter()
        .any(|e| matches!(e, Event::Renamed { .. })));
}

/// RFC 6762 §10.1: unregistering sends goodbyes (TTL 0) and reports `Unregistered`
/// once they are handed out; shutdown does it for everything.
#[test]
fn rfc6762_10_1_goodbyes_on_unregister_and_shutdown() {
    let mut net = Net::new(11);
    let (h, s) = net.established();
    net.engine.unregister(net.now, s).unwrap();
    assert!(
        net.engine.poll_event().is_none(),
        "not before the goodbye is out"
    );
    net.drain();
    let g = net.sent.last().unwrap();
    assert!(g.answers().iter().all(|r| r.2 == 0));
    let types: Vec<Rtype> = g.answers().iter().map(|r| r.1).collect();
    assert_eq!(types, [Rtype::PTR, Rtype::PTR, Rtype::SRV, Rtype::TXT]);
    assert_eq!(net.events, [Event::Unregistered { id: s }]);
    assert_eq!(
        net.engine.unregister(net.now, s),
        Err(RegistrationError::Unknown(s))
    );
    net.engine.shutdown(net.now);
    net.drain();
    assert!(net.events.contains(&Event::Unregistered { id: h }));
    assert_eq!(net.sent.last().unwrap().answers()[0].2, 0);
}

/// Many unregistrations in a row: each reports `Unregistered` exactly once, however the
/// responder keeps its count of goodbyes still to go out (entries that reach zero are
/// compacted away in batches).
#[test]
fn many_unregistrations_each_report_once() {
    let mut net = Net::new(12);
    let (h, s) = net.established();
    let mut ids = vec![s];
    for i in 0..9 {
        let reg = service(&format!("Svc {i}"), "_http._tcp", 8000 + i);
        ids.push(net.engine.register_service(net.now, reg).unwrap());
    }
    net.run_ms(4000);
    net.events.clear();
    for (k, &id) in ids.iter().enumerate() {
        net.engine.unregister(net.now, id).unwrap();
        if k % 3 == 2 {
            net.drain();
        }
    }
    net.drain();
    net.engine.shutdown(net.now);
    net.drain();
    for id in ids.iter().copied().chain([h]) {
        let n = net
            .events
            .iter()
            .filter(|e| **e == Event::Unregistered { id })
            .count();
        assert_eq!(n, 1, "{id:?}: {:?}", net.events);
    }
}

/// A host name is not withdrawn while a service's SRV record points at it (its
/// goodbyes would leave the SRV target unanswered); shutdown withdraws services first,
/// so it takes down a host registered before its services.
#[test]
fn host_in_use_is_not_unregistered_and_shutdown_goes_services_first() {
    let mut net = Net::new(13);
    let (h, s) = net.established();
    assert!(h < s, "the host is registered first");
    let before = net.sent.len();
    assert_eq!(
        net.engine.unregister(net.now, h),
        Err(RegistrationError::HostInUse { id: h, services: 1 })
    );
    net.drain();
    assert_eq!(
        net.sent.len(),
        before,
        "nothing sent for a refused unregister"
    );
    assert!(net.events.is_empty());
    net.engine.shutdown(net.now);
    net.drain();
    assert!(net.events.contains(&Event::Unregistered { id: s }));
    assert!(net.events.contains(&Event::Unregistered { id: h }));
    let goodbyes: Vec<Rtype> = net.sent[before..]
        .iter()
        .flat_map(|x| x.answers())
        .filter(|r| r.2 == 0)
        .map(|r| r.1)
        .collect();
    assert!(goodbyes.contains(&Rtype::SRV) && goodbyes.contains(&Rtype::A));
}

/// RFC 6762 §8.4: a TXT or port update is announced again without probing.
#[test]
fn rfc6762_8_4_update_reannounces_without_probing() {
    let mut net = Net::new(12);
    let (h, s) = net.established();
    let txt = Txt::builder().entry("v", "2").build().unwrap();
    net.engine.update_txt(net.now, s, txt).unwrap();
    net.engine.update_port(net.now, s, 9090).unwrap();
    net.run_ms(3000);
    assert!(!net.sent.iter().any(|x| x.is_probe()));
    let anns: Vec<_> = net
        .sent
        .iter()
        .filter(|x| x.has_answer(INST, Rtype::TXT))
        .collect();
    assert_eq!(anns.len(), 2);
    assert!(anns[0].answers().iter().any(|r| r.4 == "\"v=2\""));
    assert!(anns[0]
        .answers()
        .iter()
        .any(|r| r.4 == "0 0 9090 myhost.local."));
    assert_eq!(
        net.engine.update_port(net.now, h, 1),
        Err(RegistrationError::NotAService(h))
    );
}

/// RFC 6762 §6, RFC 6762 §8.4 (found by the engine fuzzer): an update right after an
/// announcement does not multicast the unchanged records again within the second; the
/// new TXT still goes out, once a second has passed since the old one.
#[test]
fn rfc6762_6_update_right_after_an_announcement_keeps_the_one_second_rule() {
    let mut net = Net::new(13);
    let (_, s) = net.register_host_and_service();
    // Run until the first announcement has gone out.
    while !net.sent.iter().any(|x| x.has_answer(INST, Rtype::SRV)) {
        net.run_ms(10);
    }
    let announced = net
        .sent
        .iter()
        .find(|x| x.has_answer(INST, Rtype::SRV))
        .map(|x| x.at)
        .unwrap();
    let txt = Txt::builder().entry("v", "2").build().unwrap();
    net.engine.update_txt(net.now, s, txt).unwrap();
    net.run_ms(3000);
    let mut last: std::collections::BTreeMap<(String, Rtype, String), Instant> = Default::default();
    for x in net.sent_since(announced) {
        for r in x.answers() {
            let key = (r.0.clone(), r.1, r.4.clone());
            if let Some(t) = last.insert(key.clone(), x.at) {
                assert!(
                    x.at.as_millis() - t.as_millis() >= 1000,
                    "{key:?} twice within a second"
                );
            }
        }
    }
    assert!(net
        .sent_since(announced)
        .iter()
        .any(|x| x.answers().iter().any(|r| r.4 == "\"v=2\"")));
}

/// RFC 6762 §9: with renaming not allowed, a conflict fails the registration.
#[test]
fn rfc6762_9_no_rename_gives_registration_failed() {
    let mut net = Net::new(13);
    let id = net
        .engine
        .register_host(
            net.now,
            HostRegistration::builder(name(HOST))
                .allow_rename(false)
                .build()
                .unwrap(),
        )
        .unwrap();
    net.run_until_sent(300, |s| s.is_probe());
    net.recv(&response(&[a(HOST, "10.0.0.9", 120)]));
    assert!(net.events.contains(&Event::RegistrationFailed {
        id,
        reason: RegistrationFailure::Conflict
    }));
    net.run_ms(3000);
    assert_eq!(net.sent.iter().filter(|s| s.is_probe()).count(), 1);
}

/// RFC 6762 §9, RFC 6762 §10.1: a goodbye (TTL 0) with other data for our name withdraws the
/// sender's record and claims nothing: no new probe once established, no rename while
/// probing. Found by a 1,000-seed simulator sweep (partition healing, seed 115): the
/// loser's goodbyes for the name it gave up made the winner probe again and rename too.
#[test]
fn rfc6762_9_a_goodbye_for_our_name_is_no_conflict() {
    let mut net = Net::new(16);
    net.established();
    net.recv(&response(&[
        a(HOST, "10.0.0.9", 0),
        srv(INST, 9999, "other.local.", 0),
    ]));
    net.run_ms(3000);
    assert!(
        !net.sent.iter().any(|s| s.is_probe()),
        "re-probed after a goodbye"
    );
    assert!(!net
        .events
        .iter()
        .any(|e| matches!(e, Event::Renamed { .. })));

    let mut net = Net::new(17);
    let (host, _) = net.register_host_and_service();
    net.run_until_sent(300, |s| s.is_probe());
    net.recv(&response(&[a(HOST, "10.0.0.9", 0)]));
    net.run_ms(3000);
    assert!(!net
        .events
        .iter()
        .any(|e| matches!(e, Event::Renamed { .. })));
    assert_eq!(net.registered(host), Some(name(HOST)));
}

/// RFC 6762 §8.1: conflicts arriving before our first probe are ignored.
#[test]
fn rfc6762_8_1_conflict_before_first_probe_ignored() {
    let mut net = Net::new(14);
    net.register_host_and_service();
    net.recv(&response(&[a(HOST, "10.0.0.9", 120)]));
    net.run_ms(3000);
    assert!(!net
        .events
        .iter()
        .any(|e| matches!(e, Event::Renamed { .. })));
}

/// RFC 6762 §6.7, RFC 6762 §17: a legacy reply that does not fit is cut and marked TC, never
/// over 512 bytes; multicast answers are split across datagrams within the limit.
#[test]
fn rfc6762_17_payload_limit_split_and_legacy_tc() {
    let mut net = Net::with_config(config(15, |c| c.max_payload = 512));
    for i in 0..30 {
        net.engine
            .register_service(
                net.now,
                service(&format!("Service number {i:02}"), "_http._tcp", 80),
            )
            .unwrap();
    }
    net.established();
    net.recv(&query(&[(TYPE, Rtype::PTR, false)], &[], &[]));
    net.run_ms(200);
    assert!(net.sent.len() > 1);
    let total: usize = net
        .sent
        .iter()
        .map(|s| s.msg().header().ancount as usize)
        .sum();
    assert_eq!(total, 31, "every PTR once");
    net.recv_from(
        &query_id(7, false, &[(TYPE, Rtype::PTR, false)], &[], &[]),
        peer(40000),
        true,
    );
    let r = net.sent.last().unwrap();
    assert!(r.msg().header().truncated() && r.bytes.len() <= 512);
}

/// Bounds: a flood of QU queries from 2000 sources, half with TC, keeps the pending
/// state bounded: at most 64 answer groups and 32 held queries, so at most that many
/// datagrams come out of it.
#[test]
fn flood_of_queries_keeps_state_bounded() {
    let mut net = Net::new(16);
    net.established();
    net.run_ms(40_000);
    for i in 0..2000u32 {
        let ip = std::net::Ipv4Addr::new(10, 0, (i / 250) as u8, (i % 250) as u8 + 2);
        let src = std::net::SocketAddr::new(ip.into(), 5353);
        net.engine.handle_datagram(
            net.now,
            mdns_sansio::engine::RecvMeta {
                source: src,
                interface: IF,
                multicast: true,
                ttl: None,
            },
            &query_id(0, i % 2 == 0, &[(TYPE, Rtype::PTR, true)], &[], &[]),
        );
    }
    net.drain();
    net.run_ms(1000);
    assert!(
        net.sent.len() <= 64 + 32 + 2,
        "{} datagrams",
        net.sent.len()
    );
}

/// RFC 6762 §6.2: an interface outside a registration's selection gets nothing.
#[test]
fn rfc6762_6_2_interface_selection() {
    let mut net = Net::new(17);
    let reg = HostRegistration::builder(name(HOST))
        .interfaces(InterfaceSelection::Only(vec![
            mdns_sansio::engine::InterfaceId(9),
        ]))
        .build()
        .unwrap();
    net.engine.register_host(net.now, reg).unwrap();
    net.run_ms(3000);
    assert!(net.sent.is_empty());
}

/// Typed errors say what is wrong.
#[test]
fn builder_errors() {
    let b = || {
        ServiceRegistration::builder(
            InstanceName::new("X").unwrap(),
            ServiceType::new("_http._tcp").unwrap(),
        )
    };
    assert_eq!(
        b().host(name(HOST)).build().unwrap_err(),
        RegisterError::MissingPort
    );
    assert_eq!(b().port(1).build().unwrap_err(), RegisterError::MissingHost);
    let e = b()
        .port(1)
        .host(name("host.example.com."))
        .build()
        .unwrap_err();
    assert_eq!(
        e.to_string(),
        "SRV target host.example.com. is not in the local. domain"
    );
    assert!(matches!(
        b().port(1).host(name(HOST)).subtype("").build(),
        Err(RegisterError::Subtype(_))
    ));
    assert_eq!(
        HostRegistration::builder(name("a.b.local."))
            .build()
            .unwrap_err(),
        RegisterError::HostNameShape {
            name: name("a.b.local.")
        }
    );
    let mut net = Net::new(18);
    net.register_host_and_service();
    assert_eq!(
        net.engine
            .register_service(net.now, service("Kitchen", "_http._tcp", 1)),
        Err(RegisterError::NameInUse { name: name(INST) })
    );
}

/// Same seed and inputs → byte-identical outputs.
#[test]
fn deterministic_outputs() {
    let run = || {
        let mut net = Net::new(99);
        net.register_host_and_service();
        net.run_ms(4000);
        net.recv(&query(&[(TYPE, Rtype::PTR, false)], &[], &[]));
        net.run_ms(500);
        net.sent
            .iter()
            .map(|s| (s.at, s.bytes.clone()))
            .collect::<Vec<_>>()
    };
    assert_eq!(run(), run());
    let _ = Instant::ZERO;
}

/// RFC 6762 §15.1: a QU query from another mDNS process on this host (our own address,
/// port 5353, not a packet we sent) is answered by multicast, since a unicast reply to
/// port 5353 would reach only one of the sockets sharing it.
#[test]
fn rfc6762_15_1_qu_from_this_host_is_answered_by_multicast() {
    let mut net = Net::new(41);
    net.established();
    net.run_ms(2000);
    net.take_sent();
    let here = SocketAddr::new(OUR_V4.parse().unwrap(), 5353);
    net.recv_from(&query(&[(INST, Rtype::SRV, true)], &[], &[]), here, true);
    net.run_ms(200);
    let sent = net.take_sent();
    assert!(sent.iter().any(|s| s.has_answer(INST, Rtype::SRV)));
    assert!(sent.iter().all(|s| s.dest == Destination::MulticastV4));
    // The same query from another host is answered by unicast (recently multicast,
    // RFC 6762 §5.4).
    net.recv_from(
        &query(&[(INST, Rtype::SRV, true)], &[], &[]),
        peer(5353),
        true,
    );
    net.run_ms(200);
    assert!(net
        .take_sent()
        .iter()
        .any(|s| matches!(s.dest, Destination::Unicast(_))));
}

/// RFC 6762 §6, RFC 6762 §10.1: a goodbye from another host for one of our records is answered
/// by re-announcing it, but not within a second of its last multicast; the rescue still
/// lands before the goodbye's one-second expiry in others' caches.
#[test]
fn rfc6762_10_1_goodbye_rescue_keeps_the_one_second_rule() {
    let mut net = Net::new(42);
    net.established();
    net.run_ms(3000);
    net.take_sent();
    // Make our PTR go out now, in answer to a query.
    net.recv(&query(&[(TYPE, Rtype::PTR, false)], &[], &[]));
    net.run_ms(150);
    let answered = net
        .sent
        .iter()
        .find(|s| s.has_answer(TYPE, Rtype::PTR))
        .map(|s| s.at)
        .expect("answered");
    // 200 ms later another host sends a goodbye for that very PTR.
    net.run_ms(200);
    let goodbye_at = net.now;
    net.recv(&response(&[ptr(TYPE, INST, 0)]));
    net.run_ms(1500);
    let rescue = net
        .sent
        .iter()
        .filter(|s| s.at > answered && s.has_answer(TYPE, Rtype::PTR))
        .map(|s| s.at)
        .next()
        .expect("re-announced");
    assert!(
        rescue.as_millis() - answered.as_millis() >= 1000,
        "{} ms after the last",
        rescue.as_millis() - answered.as_millis()
    );
    assert!(
        rescue.as_millis() - goodbye_at.as_millis() <= 1000,
        "before the goodbye expires"
    );
}

/// RFC 6762 §10.1: an address the interface no longer has is withdrawn with a goodbye
/// (its A record with TTL 0), without the cache-flush bit, which would make caches drop
/// the addresses the host keeps (RFC 6762 §10.2). The addresses it keeps get none, and an
/// interface change that keeps every address sends no goodbye at all.
#[test]
fn rfc6762_10_1_an_address_that_leaves_the_interface_gets_a_goodbye() {
    let mut net = Net::new(17);
    net.engine
        .interface_up(net.now, IF, &[v4(OUR_V4), v4("10.0.0.9")]);
    net.established();
    let goodbyes = |net: &Net| -> Vec<(String, Rtype, u32, bool, String)> {
        net.sent
            .iter()
            .filter(|s| s.is_response())
            .flat_map(|s| s.answers())
            .filter(|a| a.2 == 0)
            .collect()
    };
    // The same addresses again: probed and announced anew, nothing withdrawn.
    net.engine
        .interface_up(net.now, IF, &[v4("10.0.0.9"), v4(OUR_V4)]);
    net.run_ms(5000);
    assert_eq!(goodbyes(&net), []);
    net.sent.clear();
    // 10.0.0.9 leaves.
    net.engine.interface_up(net.now, IF, &[v4(OUR_V4)]);
    net.drain();
    let first = net.sent.first().expect("a goodbye at once");
    assert_eq!(first.text(), "response\n  AN myhost.local. 0 A 10.0.0.9");
    net.run_ms(5000);
    assert_eq!(
        goodbyes(&net),
        [(HOST.into(), Rtype::A, 0, false, "10.0.0.9".into())]
    );
    // Announced again with the address it keeps, and only that one.
    let a: Vec<_> = net
        .sent
        .iter()
        .filter(|s| s.is_response())
        .flat_map(|s| s.answers())
        .filter(|a| a.1 == Rtype::A && a.2 > 0)
        .collect();
    assert!(!a.is_empty());
    assert!(a.iter().all(|a| a.4 == OUR_V4), "{a:?}");
}
