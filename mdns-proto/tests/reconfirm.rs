//! Reconfirmation (RFC 6762 §10.4): the querier asks again for the records of a service
//! an application could not reach, keeps what is answered and flushes what is not ten
//! seconds later. The engine is driven with crafted packets and simulated time.

mod common;

use common::*;
use mdns_sansio::engine::{Event, QueryId, RECONFIRM_QUERIES, RECONFIRM_WINDOW};
use mdns_sansio::Instant;
use std::time::Duration;

const INSTANCE: &str = "Box._http._tcp.local.";

/// The records of `Box._http._tcp.local.` on `box.local.` (10.0.0.9), and of a second
/// instance `Other` that nobody disputes.
fn service_records(ttl_scale: u32) -> Vec<u8> {
    response(&[
        ptr("_http._tcp.local", INSTANCE, 4500 * ttl_scale),
        ptr("_http._tcp.local", "Other._http._tcp.local", 4500),
        srv(INSTANCE, 80, "box.local", 120 * ttl_scale),
        txt(INSTANCE, b"\x04a=on", 4500 * ttl_scale),
        a("box.local", "10.0.0.9", 120 * ttl_scale),
    ])
}

/// An engine that browses `_http._tcp`, resolves `Box` and looks up `box.local`,
/// with everything resolved at 500 ms; events cleared.
fn resolved() -> Net {
    let mut h = Net::new(11);
    h.engine.browse(h.now, &http()).unwrap();
    h.engine.resolve(h.now, &name(INSTANCE)).unwrap();
    h.engine.lookup_host(h.now, &name("box.local")).unwrap();
    h.run_until(ms(500));
    h.recv(&service_records(1));
    let evs = h.take_events();
    assert!(
        evs.iter()
            .any(|e| matches!(e, Event::ServiceResolved { .. })),
        "{evs:?}"
    );
    h.sent.clear();
    h
}

/// Questions of the queries sent from `since` on: (time in ms, "name type", known
/// answers as text).
fn reconfirm_queries(h: &Net, since: Instant) -> Vec<(u64, Vec<String>, Vec<String>)> {
    h.sent_since(since)
        .into_iter()
        .filter(|s| s.is_query())
        .map(|s| {
            let m = s.msg();
            let qs = m
                .questions()
                .flatten()
                .map(|q| {
                    let qu = if q.unicast_response { " QU" } else { "" };
                    format!("{} {}{qu}", q.name, q.qtype)
                })
                .collect();
            let ka = s
                .answers()
                .iter()
                .map(|a| format!("{} {}", a.0, a.4))
                .collect();
            (s.at.as_millis(), qs, ka)
        })
        .collect()
}

fn outcome(events: &[Event], id: QueryId) -> Option<bool> {
    events.iter().find_map(|e| match e {
        Event::ServiceReconfirmed { query, present, .. } if *query == id => Some(*present),
        _ => None,
    })
}

#[test]
fn rfc6762_10_4_unanswered_records_are_flushed_ten_seconds_later() {
    let mut h = resolved();
    let t0 = h.now;
    let cached = h.engine.cache_len();
    let id = h.engine.reconfirm_service(h.now, &name(INSTANCE)).unwrap();
    h.drain();
    // Asked at once, QM: the instance's SRV and TXT, the PTR naming it, its host's
    // address. The disputed PTR is no known answer; the other instance's PTR is.
    let qs = reconfirm_queries(&h, t0);
    assert_eq!(qs.len(), 1, "{qs:?}");
    let (at, questions, known) = &qs[0];
    assert_eq!(*at, t0.as_millis());
    let mut questions = questions.clone();
    questions.sort();
    assert_eq!(
        questions,
        [
            "Box._http._tcp.local. SRV",
            "Box._http._tcp.local. TXT",
            "_http._tcp.local. PTR",
            "box.local. A",
        ]
    );
    assert_eq!(known, &["_http._tcp.local. Other._http._tcp.local."]);

    // Nothing answers; nothing is gone before ten seconds.
    h.run_until(t0 + RECONFIRM_WINDOW - Duration::from_millis(1));
    assert!(
        !h.events.iter().any(|e| matches!(
            e,
            Event::ServiceRemoved { .. }
                | Event::ServiceLost { .. }
                | Event::HostAddressRemoved { .. }
        )),
        "{:?}",
        h.events
    );
    assert_eq!(outcome(&h.events, id), None);

    // At ten seconds: flushed, the browse, the resolve and the host lookup say so,
    // then the outcome. The undisputed instance stays.
    h.run_until(t0 + RECONFIRM_WINDOW);
    let evs = h.take_events();
    let removed = evs
        .iter()
        .position(
            |e| matches!(e, Event::ServiceRemoved { instance, .. } if *instance == name(INSTANCE)),
        )
        .expect("browse reports it removed");
    assert!(evs.iter().any(|e| matches!(e, Event::ServiceLost { .. })));
    assert!(evs.iter().any(
        |e| matches!(e, Event::HostAddressRemoved { addr, .. } if addr.to_string() == "10.0.0.9")
    ));
    let decided = evs
        .iter()
        .position(|e| matches!(e, Event::ServiceReconfirmed { .. }))
        .unwrap();
    assert!(removed < decided, "{evs:?}");
    assert_eq!(outcome(&evs, id), Some(false));
    assert!(!evs.iter().any(|e| matches!(e, Event::ServiceRemoved { instance, .. } if instance.to_string().starts_with("Other"))));
    // PTR, SRV, TXT and A of Box are gone; Other's PTR is left.
    assert_eq!(h.engine.cache_len(), cached - 4);
}

#[test]
fn rfc6762_10_4_asked_three_times_at_0_1_and_3_seconds() {
    // Only a browse runs (its PTR question has its own schedule): every SRV question
    // is the reconfirmation's.
    let mut h = Net::new(12);
    h.engine.browse(h.now, &http()).unwrap();
    h.run_until(ms(500));
    h.recv(&service_records(1));
    h.sent.clear();
    let t0 = h.now;
    h.engine.reconfirm_service(h.now, &name(INSTANCE)).unwrap();
    h.run_until(t0 + RECONFIRM_WINDOW * 2);
    let times: Vec<u64> = reconfirm_queries(&h, t0)
        .iter()
        .filter(|q| q.1.iter().any(|q| q == "Box._http._tcp.local. SRV"))
        .map(|q| q.0 - t0.as_millis())
        .collect();
    // RFC 6762 §10.4: two or more; at the spacing of RFC 6762 §5.2.
    assert_eq!(times, [0, 1000, 3000]);
    assert_eq!(times.len(), usize::from(RECONFIRM_QUERIES));
}

#[test]
fn rfc6762_10_4_answered_records_are_kept_and_the_outcome_comes_at_once() {
    let mut h = resolved();
    let t0 = h.now;
    let id = h.engine.reconfirm_service(h.now, &name(INSTANCE)).unwrap();
    h.drain();
    h.run_until(t0 + Duration::from_millis(300));
    // The service answers the first query.
    h.recv(&service_records(1));
    let evs = h.take_events();
    assert_eq!(outcome(&evs, id), Some(true), "{evs:?}");
    // The operation is over: its questions stop after the ones already scheduled
    // (the cache's records were all renewed), and nothing is flushed at 10 s.
    h.run_until(t0 + RECONFIRM_WINDOW * 3);
    let evs = h.take_events();
    assert!(
        !evs.iter().any(|e| matches!(
            e,
            Event::ServiceRemoved { .. }
                | Event::ServiceLost { .. }
                | Event::HostAddressRemoved { .. }
        )),
        "{evs:?}"
    );
    // Renewed, the PTR is a known answer again in the browse's next query.
    let last = h
        .queries()
        .into_iter()
        .rev()
        .find(|q| q.1.iter().any(|q| q.starts_with("_http._tcp.local. PTR")))
        .unwrap();
    assert_eq!(last.2, 2, "both PTRs listed: {last:?}");
}

#[test]
fn rfc6762_10_4_what_is_not_answered_goes_what_is_answered_stays() {
    // The host answers with its SRV, TXT and PTR but a new address: the old one,
    // not answered, goes at ten seconds; the service stays.
    let mut h = resolved();
    let t0 = h.now;
    let id = h.engine.reconfirm_service(h.now, &name(INSTANCE)).unwrap();
    h.drain();
    h.run_until(t0 + Duration::from_millis(200));
    h.recv(&response(&[
        ptr("_http._tcp.local", INSTANCE, 4500),
        srv(INSTANCE, 80, "box.local", 120),
        txt(INSTANCE, b"\x04a=on", 4500),
        a("box.local", "10.0.0.10", 120).flush(false),
    ]));
    assert_eq!(outcome(&h.take_events(), id), Some(true));
    h.run_until(t0 + RECONFIRM_WINDOW);
    let evs = h.take_events();
    assert!(evs.iter().any(
        |e| matches!(e, Event::HostAddressRemoved { addr, .. } if addr.to_string() == "10.0.0.9")
    ));
    assert!(!evs
        .iter()
        .any(|e| matches!(e, Event::ServiceRemoved { .. } | Event::ServiceLost { .. })));
    // The resolve now reports the new address only.
    let updated = evs
        .iter()
        .rev()
        .find_map(|e| match e {
            Event::ServiceUpdated { service, .. } => Some(service.clone()),
            _ => None,
        })
        .expect("an update");
    let addrs: Vec<String> = updated.addresses.iter().map(|a| a.0.to_string()).collect();
    assert_eq!(addrs, ["10.0.0.10"]);
}

#[test]
fn rfc6762_10_4_a_record_never_outlives_its_ttl_and_nothing_cached_is_not_present() {
    // A service nobody cached: asked for, not present at ten seconds, nothing else.
    let mut h = Net::new(5);
    let id = h
        .engine
        .reconfirm_service(h.now, &name("Ghost._http._tcp.local."))
        .unwrap();
    h.drain();
    let qs = reconfirm_queries(&h, Instant::ZERO);
    let mut questions = qs[0].1.clone();
    questions.sort();
    assert_eq!(
        questions,
        ["Ghost._http._tcp.local. SRV", "Ghost._http._tcp.local. TXT"]
    );
    h.run_until(Instant::ZERO + RECONFIRM_WINDOW);
    assert_eq!(outcome(&h.take_events(), id), Some(false));

    // Records whose TTL ends before the window does go at their TTL, not later.
    let mut h = Net::new(6);
    h.engine.browse(h.now, &http()).unwrap();
    h.run_until(ms(100));
    h.recv(&response(&[ptr("_http._tcp.local", INSTANCE, 4)]));
    h.take_events();
    let t0 = h.now;
    h.engine.reconfirm_service(h.now, &name(INSTANCE)).unwrap();
    h.run_until(t0 + RECONFIRM_WINDOW);
    let gone_at = h
        .transcript()
        .lines()
        .find(|l| l.contains("ServiceRemoved"))
        .map(|l| l.to_string())
        .expect("removed");
    assert!(gone_at.contains("  4100 ms"), "{gone_at}");
}

#[test]
fn rfc6762_10_4_stopping_the_operation_leaves_the_flush_to_the_cache() {
    let mut h = resolved();
    let t0 = h.now;
    let id = h.engine.reconfirm_service(h.now, &name(INSTANCE)).unwrap();
    h.drain();
    assert!(h.engine.stop_query(id));
    h.run_until(t0 + RECONFIRM_WINDOW);
    let evs = h.take_events();
    assert_eq!(
        outcome(&evs, id),
        None,
        "a stopped operation reports nothing"
    );
    assert!(evs
        .iter()
        .any(|e| matches!(e, Event::ServiceRemoved { .. })));
}
