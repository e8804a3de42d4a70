//! Querier rules, one test each, named for the rule and citing its RFC 6762 section.
//! The engine is driven with crafted packets and simulated time; nothing sleeps.

mod common;

use common::*;
use mdns_sansio::engine::{Destination, Event, SourcePort};
use mdns_sansio::wire::{RecordData, Rtype};
use mdns_sansio::Instant;
use std::net::{IpAddr, Ipv4Addr};
use std::time::Duration;

/// The first minute of a browse, as a readable transcript: query times in
/// milliseconds, the question with its QU mark, and the known-answer count.
#[test]
fn transcript_first_minute_of_a_browse() {
    let mut h = Net::new(7);
    h.engine.browse(h.now, &http()).unwrap();
    h.drain();
    h.run_until(ms(500));
    // A service answers the first query; later queries carry it as a known answer.
    h.recv(&response(&[ptr(
        "_http._tcp.local",
        "Box._http._tcp.local",
        4500,
    )]));
    h.run_until(ms(60_000));
    let lines: Vec<String> = h
        .queries()
        .iter()
        .map(|(t, q, ka, tc)| {
            format!(
                "{:>6} {} ka={ka}{}",
                t.as_millis(),
                q.join(","),
                if *tc { " TC" } else { "" }
            )
        })
        .collect();
    let first = h.queries()[0].0.as_millis();
    assert!((20..=120).contains(&first), "first query at {first} ms");
    let expected: Vec<String> = [
        (first, "_http._tcp.local. PTR QU", 0),
        (first + 1_000, "_http._tcp.local. PTR", 1),
        (first + 3_000, "_http._tcp.local. PTR", 1),
        (first + 7_000, "_http._tcp.local. PTR", 1),
        (first + 15_000, "_http._tcp.local. PTR", 1),
        (first + 31_000, "_http._tcp.local. PTR", 1),
    ]
    .iter()
    .map(|(t, q, ka)| format!("{t:>6} {q} ka={ka}"))
    .collect();
    assert_eq!(lines, expected);
}

#[test]
fn rfc6762_5_2_continuous_query_interval_doubles_and_caps_at_an_hour() {
    let mut h = Net::new(1);
    h.engine.browse(h.now, &http()).unwrap();
    h.run_until(Instant::from_secs(5 * 3600));
    let times: Vec<u64> = h.queries().iter().map(|q| q.0.as_millis()).collect();
    let gaps: Vec<u64> = times.windows(2).map(|w| w[1] - w[0]).collect();
    assert_eq!(gaps[0], 1000);
    for w in gaps.windows(2) {
        assert!(w[1] == 2 * w[0] || w[1] == 3_600_000, "gaps {gaps:?}");
    }
    assert_eq!(*gaps.last().unwrap(), 3_600_000);
}

#[test]
fn rfc6762_5_4_qu_bit_only_on_first_query_and_again_after_link_change() {
    let mut h = Net::new(2);
    h.engine.lookup_host(h.now, &name("box.local")).unwrap();
    h.run_until(ms(4000));
    let qs = h.queries();
    assert!(qs[0].1.iter().all(|q| q.ends_with("QU")), "{qs:?}");
    assert!(
        qs[1..]
            .iter()
            .all(|q| q.1.iter().all(|q| !q.ends_with("QU"))),
        "{qs:?}"
    );
    let before = qs.len();
    // Link change: interface comes up again.
    h.engine.interface_up(h.now, IF, &[v4(OUR_V4)]);
    h.run_until(ms(4200));
    let qs = h.queries();
    assert!(qs.len() > before);
    assert!(qs[before].1.iter().all(|q| q.ends_with("QU")), "{qs:?}");
}

#[test]
fn rfc6762_5_1_one_shot_query_leaves_from_an_ephemeral_port_and_reports_answers() {
    let mut h = Net::new(3);
    let id = h
        .engine
        .query_once(h.now, &name("box.local"), Rtype::A)
        .unwrap();
    h.drain();
    let t = &h.sent[0];
    assert_eq!(t.source_port, SourcePort::Ephemeral);
    assert_eq!(t.dest, Destination::MulticastV4);
    // The reply comes unicast from the responder's port 5353 (legacy unicast).
    h.recv_from(
        &response(&[a("box.local", "10.0.0.9", 10).flush(false)]),
        sock("10.0.0.9:5353"),
        false,
    );
    let evs = h.take_events();
    assert!(
        matches!(&evs[..], [Event::QueryAnswer { query, record }] if *query == id && record.data == a_data(9))
    );
    h.run_until(Instant::from_secs(4));
    assert!(h.take_events().contains(&Event::QueryDone { query: id }));
}

#[test]
fn rfc6762_7_1_known_answers_need_half_their_ttl_left() {
    let mut h = Net::new(4);
    h.engine.browse(h.now, &http()).unwrap();
    h.run_until(ms(200));
    h.recv(&response(&[ptr(
        "_http._tcp.local",
        "Box._http._tcp.local",
        10,
    )]));
    // Next query near 1.1 s: 9 s of 10 left, listed.
    h.run_until(ms(2000));
    let qs = h.queries();
    assert_eq!(qs[1].2, 1, "{qs:?}");
    // The one after near 3.1 s: 7 s left, listed; the next near 7.1 s: under half left
    // (and refreshed meanwhile by the 80 % refresh query, which also leaves it out).
    h.run_until(ms(9500));
    let qs = h.queries();
    let late: Vec<_> = qs.iter().filter(|q| q.0 > ms(5100)).collect();
    assert!(!late.is_empty());
    assert!(late.iter().all(|q| q.2 == 0), "{qs:?}");
}

#[test]
fn rfc6762_7_1_unique_records_are_not_known_answers() {
    let mut h = Net::new(5);
    h.engine.lookup_host(h.now, &name("box.local")).unwrap();
    h.run_until(ms(200));
    h.recv(&response(&[a("box.local", "10.0.0.7", 120)]));
    h.run_until(ms(3000));
    assert!(h.queries().iter().all(|q| q.2 == 0));
}

#[test]
fn rfc6762_7_2_known_answers_that_do_not_fit_continue_with_tc() {
    let mut h = Net::with_config(config(6, |c| c.max_payload = 512));
    h.engine.browse(h.now, &http()).unwrap();
    h.run_until(ms(200));
    let names: Vec<String> = (0..40)
        .map(|i| format!("Service number {i:02}._http._tcp.local"))
        .collect();
    let recs: Vec<R> = names
        .iter()
        .map(|s| ptr("_http._tcp.local", s, 4500))
        .collect();
    h.recv(&response(&recs));
    h.sent.clear();
    h.run_until(ms(1500));
    let qs = h.queries();
    assert!(qs.len() >= 3, "{qs:?}");
    assert!(h.sent.iter().all(|s| s.bytes.len() <= 512));
    // First packet: the question and TC; the middle ones: no question, TC; the last: no TC.
    assert_eq!(qs[0].1.len(), 1);
    assert!(qs[0].3);
    assert!(qs[1..].iter().all(|q| q.1.is_empty()));
    assert!(!qs.last().unwrap().3);
    assert_eq!(qs.iter().map(|q| q.2).sum::<usize>(), 40);
}

#[test]
fn rfc6762_7_3_another_hosts_identical_question_counts_as_ours() {
    let mut h = Net::new(8);
    h.engine.browse(h.now, &http()).unwrap();
    h.run_until(ms(200)); // first query sent (QU), second due at first + 1 s
    let sent_before = h.queries().len();
    let next_due = h.queries()[0].0 + Duration::from_secs(1);
    h.run_until(next_due - Duration::from_millis(100));
    // Another host asks the same QM question with no known answers.
    let q = query(&[("_http._tcp.local", Rtype::PTR, false)], &[], &[]);
    h.recv_from(&q, sock("10.0.0.3:5353"), true);
    h.run_until(next_due + Duration::from_millis(50));
    assert_eq!(h.queries().len(), sent_before, "our query was suppressed");
}

/// Found by a 5,000-seed simulator sweep: one query reaching us over IPv4 and over
/// IPv6 (or several hosts asking at once) stands in for our next query once, not once
/// per copy. Counting each copy doubled the gap again and again: a browser that kept
/// hearing a faster peer's queries stopped asking for minutes, and on a lossy link
/// found a new service only after 511 s.
#[test]
fn rfc6762_7_3_copies_of_another_hosts_question_count_once() {
    let mut h = Net::new(43);
    h.engine.browse(h.now, &http()).unwrap();
    h.run_until(ms(200));
    let first = h.queries()[0].0;
    let heard = first + Duration::from_millis(900);
    h.run_until(heard);
    let query = multi_packet_query(&[], &[]).remove(0);
    for from in ["10.0.0.3:5353", "[fe80::3]:5353", "10.0.0.4:5353"] {
        h.recv_from(&query, sock(from), true);
    }
    // Counted as sent at `heard`: the next gap is 2 s.
    h.run_until(heard + Duration::from_millis(2100));
    let times: Vec<Instant> = h.queries().iter().map(|q| q.0).skip(1).collect();
    assert_eq!(times, vec![heard + Duration::from_secs(2)]);
}

#[test]
fn rfc6762_7_3_a_question_with_known_answers_we_lack_does_not_suppress_ours() {
    let mut h = Net::new(9);
    h.engine.browse(h.now, &http()).unwrap();
    h.run_until(ms(200));
    let sent_before = h.queries().len();
    let next_due = h.queries()[0].0 + Duration::from_secs(1);
    h.run_until(next_due - Duration::from_millis(100));
    let q = query(
        &[("_http._tcp.local", Rtype::PTR, false)],
        &[ptr("_http._tcp.local", "Other._http._tcp.local", 4500)],
        &[],
    );
    h.recv_from(&q, sock("10.0.0.3:5353"), true);
    h.run_until(next_due + Duration::from_millis(50));
    assert_eq!(h.queries().len(), sent_before + 1);
}

/// A query for `_http._tcp.local` PTR whose known answers are the PTRs to `first`,
/// then one packet per further list in `rest` (no question); every packet but the last
/// has TC (RFC 6762 §7.2).
fn multi_packet_query(first: &[&str], rest: &[&[&str]]) -> Vec<Vec<u8>> {
    let lists = std::iter::once(first).chain(rest.iter().copied());
    let count = rest.len() + 1;
    lists
        .enumerate()
        .map(|(i, list)| {
            let question: &[(&str, Rtype, bool)] = if i == 0 {
                &[("_http._tcp.local", Rtype::PTR, false)]
            } else {
                &[]
            };
            let known: Vec<R> = list
                .iter()
                .map(|target| ptr("_http._tcp.local", target, 4500))
                .collect();
            query_id(0, i + 1 < count, question, &known, &[])
        })
        .collect()
}

/// A browse holding the PTRs of services A and B.
fn browsing_a_and_b(seed: u64) -> Net {
    let mut h = Net::new(seed);
    h.engine.browse(h.now, &http()).unwrap();
    h.run_until(ms(200));
    h.recv(&response(&[
        ptr("_http._tcp.local", "A._http._tcp.local", 4500),
        ptr("_http._tcp.local", "B._http._tcp.local", 4500),
    ]));
    h.take_events();
    h
}

/// Found by the simulator (100 hosts × 5 services): a known answer in the second packet
/// of a query still says the asker knows that record, so nobody answering it is no
/// failure (RFC 6762 §10.5). Counting only the first packet flushed live services on
/// every big LAN.
#[test]
fn rfc6762_7_2_known_answers_in_a_later_packet_do_not_count_towards_poof() {
    let mut h = browsing_a_and_b(40);
    let packets = multi_packet_query(&["A._http._tcp.local"], &[&["B._http._tcp.local"]]);
    for (at, from) in [(1500, "10.0.0.3:5353"), (3000, "10.0.0.4:5353")] {
        h.run_until(ms(at));
        for p in &packets {
            h.recv_from(p, sock(from), true);
        }
    }
    h.run_until(ms(20_000));
    assert!(h.take_events().is_empty());
    assert_eq!(h.engine.cache_len(), 2);
}

/// The same query whose second packet never comes is taken as complete after the wait
/// (RFC 6762 §7.2): B was not listed, nobody answered twice, B is flushed (RFC 6762 §10.5).
#[test]
fn rfc6762_10_5_a_query_whose_continuation_never_comes_counts_after_the_wait() {
    let mut h = browsing_a_and_b(41);
    let packets = multi_packet_query(&["A._http._tcp.local"], &[&["B._http._tcp.local"]]);
    for (at, from) in [(1500, "10.0.0.3:5353"), (3000, "10.0.0.4:5353")] {
        h.run_until(ms(at));
        h.recv_from(&packets[0], sock(from), true);
    }
    h.run_until(ms(20_000));
    let events = h.take_events();
    assert!(
        matches!(&events[..], [Event::ServiceRemoved { instance, .. }] if *instance == name("B._http._tcp.local")),
        "{events:?}"
    );
    assert_eq!(h.engine.cache_len(), 1);
}

/// RFC 6762 §7.3 over a multi-packet query: all of its known answers, gathered from both
/// packets, are ones we would list, so our own next query counts as sent; one more
/// record we lack in the second packet and it does not.
#[test]
fn rfc6762_7_3_a_multi_packet_query_suppresses_ours_only_when_all_its_known_answers_are_ours() {
    for (extra, suppressed) in [(None, true), (Some("C._http._tcp.local"), false)] {
        let mut h = browsing_a_and_b(42);
        let first_sent = h.queries()[0].0;
        let next_due = first_sent + Duration::from_secs(1);
        h.run_until(next_due - Duration::from_millis(300));
        let sent_before = h.queries().len();
        let mut second = vec!["B._http._tcp.local"];
        second.extend(extra);
        for p in multi_packet_query(&["A._http._tcp.local"], &[&second]) {
            h.recv_from(&p, sock("10.0.0.3:5353"), true);
        }
        h.run_until(next_due + Duration::from_millis(50));
        let sent = h.queries().len() - sent_before;
        assert_eq!(sent == 0, suppressed, "extra {extra:?}: {sent} sent");
    }
}

#[test]
fn rfc6762_10_1_goodbye_removes_a_record_one_second_later() {
    let mut h = Net::new(10);
    let q = h.engine.browse(h.now, &http()).unwrap();
    h.run_until(ms(200));
    h.recv(&response(&[ptr(
        "_http._tcp.local",
        "Box._http._tcp.local",
        4500,
    )]));
    assert!(
        matches!(&h.take_events()[..], [Event::ServiceFound { query, instance, interface, .. }]
        if *query == q && *instance == name("Box._http._tcp.local") && *interface == IF)
    );
    h.run_until(ms(10_000));
    h.recv(&response(&[ptr(
        "_http._tcp.local",
        "Box._http._tcp.local",
        0,
    )]));
    h.run_until(ms(10_999));
    assert!(h.take_events().is_empty(), "still there within the second");
    h.run_until(ms(11_000));
    assert!(matches!(
        &h.take_events()[..],
        [Event::ServiceRemoved { .. }]
    ));
    assert_eq!(h.engine.cache_len(), 0);
}

#[test]
fn rfc6762_10_2_cache_flush_expires_older_records_after_one_second() {
    let mut h = Net::new(11);
    h.engine.lookup_host(h.now, &name("box.local")).unwrap();
    h.run_until(ms(200));
    h.recv(&response(&[a("box.local", "10.0.0.5", 120)]));
    h.run_until(ms(5000));
    // New address with the flush bit: the old one (received 4.8 s ago) goes in 1 s;
    // two records in the same packet both stay.
    h.recv(&response(&[
        a("box.local", "10.0.0.6", 120),
        a("box.local", "10.0.0.7", 120),
    ]));
    h.take_events();
    h.run_until(ms(5999));
    assert!(h.take_events().is_empty());
    h.run_until(ms(6000));
    let evs = h.take_events();
    assert!(
        matches!(&evs[..], [Event::HostAddressRemoved { addr, .. }] if *addr == IpAddr::V4(Ipv4Addr::new(10, 0, 0, 5))),
        "{evs:?}"
    );
    assert_eq!(h.engine.cache_len(), 2);
}

#[test]
fn rfc6762_10_2_cache_flush_spares_records_received_within_the_last_second() {
    let mut h = Net::new(12);
    h.engine.lookup_host(h.now, &name("box.local")).unwrap();
    h.run_until(ms(200));
    h.recv(&response(&[a("box.local", "10.0.0.5", 120)]));
    h.run_until(ms(900)); // 0.7 s later: a second packet of the same RRset
    h.recv(&response(&[a("box.local", "10.0.0.6", 120)]));
    h.run_until(ms(5000));
    assert_eq!(h.engine.cache_len(), 2);
}

#[test]
fn rfc6762_5_2_refresh_queries_at_80_to_95_percent_only_for_wanted_records() {
    let mut h = Net::new(13);
    h.engine.lookup_host(h.now, &name("box.local")).unwrap();
    h.run_until(ms(200));
    h.sent.clear();
    // TTL 100 s record we want, and one nobody wants.
    h.recv(&response(&[
        a("box.local", "10.0.0.5", 100),
        a("other.local", "10.0.0.6", 100),
    ]));
    let start = h.now;
    h.run_until(start + Duration::from_secs(99));
    let refresh: Vec<u64> = h
        .queries()
        .iter()
        .filter(|q| q.0 >= start + Duration::from_secs(70))
        .map(|q| (q.0 - start).as_millis() as u64)
        .collect();
    // One query per refresh point, each within +0..2 % of 80, 85, 90, 95 s.
    assert_eq!(refresh.len(), 4, "{refresh:?}");
    for (t, pct) in refresh.iter().zip([80u64, 85, 90, 95]) {
        assert!((pct * 1000..=(pct + 2) * 1000).contains(t), "{refresh:?}");
    }
    assert!(h
        .queries()
        .iter()
        .all(|q| q.1.iter().all(|s| !s.contains("other"))));
}

#[test]
fn rfc6762_10_5_poof_flushes_after_two_unanswered_queries() {
    let mut h = Net::new(14);
    h.engine.lookup_host(h.now, &name("box.local")).unwrap();
    h.run_until(ms(200));
    h.recv(&response(&[a("box.local", "10.0.0.5", 120)]));
    h.take_events();
    let q = a_query("box.local");
    h.run_until(ms(1500));
    h.recv_from(&q, sock("10.0.0.3:5353"), true);
    h.run_until(ms(3000));
    h.recv_from(&q, sock("10.0.0.4:5353"), true);
    h.run_until(ms(11_499));
    assert!(h.take_events().is_empty());
    h.run_until(ms(11_500));
    assert!(matches!(
        &h.take_events()[..],
        [Event::HostAddressRemoved { .. }]
    ));
}

/// RFC 6762 §10.5 holds for every cached record, not only those an operation asks for: two
/// unanswered queries for a record cached from someone else's answer flush it too.
/// (Questions about names the cache does not hold are not followed at all.)
#[test]
fn rfc6762_10_5_poof_also_flushes_a_record_nobody_asks_for() {
    let mut h = Net::new(15);
    h.run_until(ms(200));
    h.recv(&response(&[a("box.local", "10.0.0.5", 120)]));
    assert_eq!(h.engine.cache_len(), 1);
    let q = a_query("box.local");
    let other = a_query("other.local");
    h.run_until(ms(1500));
    h.recv_from(&q, sock("10.0.0.3:5353"), true);
    h.recv_from(&other, sock("10.0.0.3:5353"), true);
    h.run_until(ms(3000));
    h.recv_from(&q, sock("10.0.0.4:5353"), true);
    h.run_until(ms(11_499));
    assert_eq!(h.engine.cache_len(), 1);
    h.run_until(ms(11_500));
    assert_eq!(h.engine.cache_len(), 0);
}

fn a_query(host: &str) -> Vec<u8> {
    query(&[(host, Rtype::A, false)], &[], &[])
}

/// Found by the simulator (seed 1): the IPv4 and IPv6 copies of one query, or a query
/// crossing a fresh answer, are not two unanswered queries (RFC 6762 §10.5).
#[test]
fn rfc6762_10_5_copies_of_one_query_count_once() {
    let mut h = Net::new(28);
    h.engine.lookup_host(h.now, &name("box.local")).unwrap();
    h.run_until(ms(200));
    h.recv(&response(&[a("box.local", "10.0.0.5", 120)]));
    let q = a_query("box.local");
    // Crossing the fresh answer: does not count.
    h.run_until(ms(600));
    h.recv_from(&q, sock("10.0.0.3:5353"), true);
    // One query arriving over IPv4 and IPv6: counts once.
    h.run_until(ms(2000));
    h.recv_from(&q, sock("10.0.0.3:5353"), true);
    h.recv_from(&q, sock("[fe80::3]:5353"), true);
    h.run_until(ms(20_000));
    assert_eq!(h.engine.cache_len(), 1);
}

#[test]
fn rfc6762_10_5_an_answer_cancels_poof() {
    let mut h = Net::new(15);
    h.engine.lookup_host(h.now, &name("box.local")).unwrap();
    h.run_until(ms(200));
    h.recv(&response(&[a("box.local", "10.0.0.5", 120)]));
    let q = a_query("box.local");
    h.recv_from(&q, sock("10.0.0.3:5353"), true);
    h.recv_from(&q, sock("10.0.0.4:5353"), true);
    h.run_until(ms(1000));
    h.recv(&response(&[a("box.local", "10.0.0.5", 120)]));
    h.run_until(ms(20_000));
    assert_eq!(h.engine.cache_len(), 1);
}

#[test]
fn rfc6762_6_unicast_responses_only_for_our_qu_queries() {
    let mut h = Net::new(16);
    // No query of ours asked for unicast: dropped and counted.
    h.recv_from(
        &response(&[a("box.local", "10.0.0.5", 120)]),
        peer(5353),
        false,
    );
    assert_eq!(h.engine.cache_len(), 0);
    assert_eq!(h.engine.stats().unsolicited_unicast, 1);
    // After our QU query it is taken.
    h.engine.lookup_host(h.now, &name("box.local")).unwrap();
    h.run_until(ms(200));
    h.recv_from(
        &response(&[a("box.local", "10.0.0.5", 120)]),
        peer(5353),
        false,
    );
    assert_eq!(h.engine.cache_len(), 1);
}

#[test]
fn rfc6762_11_unicast_from_off_link_is_dropped() {
    let mut h = Net::new(17);
    h.engine.lookup_host(h.now, &name("box.local")).unwrap();
    h.run_until(ms(200));
    h.recv_from(
        &response(&[a("box.local", "10.0.0.5", 120)]),
        sock("192.0.2.1:5353"),
        false,
    );
    assert_eq!(h.engine.cache_len(), 0);
    assert_eq!(h.engine.stats().off_link, 1);
    // Multicast is on-link whatever its source (RFC 6762 §11).
    h.recv_from(
        &response(&[a("box.local", "10.0.0.5", 120)]),
        sock("192.0.2.1:5353"),
        true,
    );
    assert_eq!(h.engine.cache_len(), 1);
}

#[test]
fn rfc6762_6_responses_not_from_port_5353_are_dropped() {
    let mut h = Net::new(18);
    h.recv_from(
        &response(&[a("box.local", "10.0.0.5", 120)]),
        sock("10.0.0.2:40000"),
        true,
    );
    assert_eq!(h.engine.cache_len(), 0);
    assert_eq!(h.engine.stats().bad_source_port, 1);
}

#[test]
fn rfc6762_7_1_others_known_answers_are_never_cached() {
    let mut h = Net::new(19);
    let q = query(
        &[("_http._tcp.local", Rtype::PTR, false)],
        &[ptr("_http._tcp.local", "X._http._tcp.local", 4500)],
        &[],
    );
    h.recv_from(&q, sock("10.0.0.3:5353"), true);
    assert_eq!(h.engine.cache_len(), 0);
}

#[test]
fn rfc6762_6_1_nsec_stops_asking_for_a_type_the_name_lacks() {
    let mut h = Net::new(20);
    h.engine.lookup_host(h.now, &name("box.local")).unwrap();
    h.run_until(ms(200));
    let nsec = RecordData::Nsec {
        next: name("box.local"),
        types: mdns_sansio::wire::NsecBitmap::build(&[Rtype::A]),
    };
    h.recv(&response(&[
        a("box.local", "10.0.0.5", 120),
        rec("box.local", nsec, 120).flush(true),
    ]));
    h.sent.clear();
    h.run_until(ms(60_000));
    let asked: Vec<String> = h.queries().iter().flat_map(|q| q.1.clone()).collect();
    assert!(asked.iter().any(|q| q == "box.local. A"), "{asked:?}");
    assert!(asked.iter().all(|q| q != "box.local. AAAA"), "{asked:?}");
}

#[test]
fn resolve_reports_host_port_txt_and_addresses_then_updates_and_loss() {
    let mut h = Net::new(21);
    let q = h
        .engine
        .resolve(h.now, &name("Box._http._tcp.local"))
        .unwrap();
    h.run_until(ms(200));
    h.recv(&response(&[
        srv("Box._http._tcp.local", 8080, "box.local", 120),
        txt("Box._http._tcp.local", b"\x05a=one", 4500),
    ]));
    assert!(h.take_events().is_empty(), "no address yet");
    // The querier now asks for the target's addresses.
    h.run_until(ms(400));
    let asked: Vec<String> = h.queries().iter().flat_map(|q| q.1.clone()).collect();
    assert!(
        asked.iter().any(|q| q.starts_with("box.local. A")),
        "{asked:?}"
    );
    h.recv(&response(&[a("box.local", "10.0.0.5", 120)]));
    match &h.take_events()[..] {
        [Event::ServiceResolved { query, service }] => {
            assert_eq!(*query, q);
            assert_eq!(service.port, 8080);
            assert_eq!(service.host, name("box.local"));
            assert_eq!(service.txt, b"\x05a=one");
            assert_eq!(
                service.addresses,
                vec![(IpAddr::V4(Ipv4Addr::new(10, 0, 0, 5)), IF)]
            );
        }
        other => panic!("{other:?}"),
    }
    h.recv(&response(&[txt(
        "Box._http._tcp.local",
        b"\x05a=two",
        4500,
    )]));
    h.run_until(ms(2000));
    assert!(
        matches!(&h.take_events()[..], [Event::ServiceUpdated { service, .. }] if service.txt == b"\x05a=two")
    );
    h.recv(&response(&[srv(
        "Box._http._tcp.local",
        8080,
        "box.local",
        0,
    )]));
    h.run_until(ms(3100));
    assert!(matches!(&h.take_events()[..], [Event::ServiceLost { query, .. }] if *query == q));
}

#[test]
fn host_lookup_and_type_enumeration_report_per_interface() {
    let mut h = Net::new(22);
    let hq = h.engine.lookup_host(h.now, &name("box.local")).unwrap();
    let tq = h.engine.browse_types(h.now).unwrap();
    h.run_until(ms(200));
    h.recv(&response(&[
        a("box.local", "10.0.0.5", 120),
        ptr("_services._dns-sd._udp.local", "_ipp._tcp.local", 4500),
    ]));
    let evs = h.take_events();
    assert!(evs.contains(&Event::HostAddressAdded {
        query: hq,
        host: name("box.local"),
        addr: IpAddr::V4(Ipv4Addr::new(10, 0, 0, 5)),
        interface: IF
    }));
    assert!(evs.contains(&Event::ServiceTypeFound {
        query: tq,
        service_type: name("_ipp._tcp.local"),
        interface: IF
    }));
}

#[test]
fn stopping_a_browse_stops_its_queries() {
    let mut h = Net::new(23);
    let q = h.engine.browse(h.now, &http()).unwrap();
    h.run_until(ms(3000));
    assert!(h.engine.stop_query(q));
    let before = h.queries().len();
    h.run_until(ms(600_000));
    assert_eq!(h.queries().len(), before);
    assert!(!h.engine.stop_query(q));
}

#[test]
fn names_match_case_insensitively() {
    let mut h = Net::new(24);
    h.engine.browse(h.now, &http()).unwrap();
    h.run_until(ms(200));
    h.recv(&response(&[ptr(
        "_HTTP._Tcp.LOCAL",
        "Box._HTTP._tcp.local",
        4500,
    )]));
    assert!(matches!(&h.take_events()[..], [Event::ServiceFound { .. }]));
}

#[test]
fn cache_bound_evicts_unwanted_records_first() {
    let mut h = Net::with_config(config(25, |c| c.cache_capacity = 50));
    h.engine.browse(h.now, &http()).unwrap();
    h.run_until(ms(200));
    h.recv(&response(&[ptr(
        "_http._tcp.local",
        "Mine._http._tcp.local",
        120,
    )]));
    // A flood of 1,000 records nobody asked for, with longer TTLs than ours.
    for i in 0..1000u32 {
        let owner = format!("flood{i}.local");
        h.recv(&response(&[
            rec(&owner, a_data((i % 250) as u8), 4500).flush(true)
        ]));
        assert!(h.engine.cache_len() <= 50);
    }
    assert_eq!(h.engine.stats().cache_evictions, 1001 - 50);
    let evs = h.take_events();
    assert!(
        !evs.iter()
            .any(|e| matches!(e, Event::ServiceRemoved { .. })),
        "the browsed service stays"
    );
}

#[test]
fn same_seed_same_packets() {
    let run = |seed| {
        let mut h = Net::new(seed);
        h.engine.browse(h.now, &http()).unwrap();
        h.engine.lookup_host(h.now, &name("box.local")).unwrap();
        h.run_until(ms(300));
        h.recv(&response(&[ptr(
            "_http._tcp.local",
            "Box._http._tcp.local",
            4500,
        )]));
        h.run_until(ms(120_000));
        h.sent
            .iter()
            .map(|s| (s.at.as_micros(), s.bytes.clone()))
            .collect::<Vec<_>>()
    };
    assert_eq!(run(99), run(99));
    assert_ne!(run(99), run(100));
}

/// Applies a host lookup's address events to the set of reported addresses (last
/// octets): an address is never reported added twice, nor removed unless reported.
fn track_addresses(
    events: Vec<Event>,
    reported: &mut std::collections::BTreeSet<u8>,
) -> Result<(), proptest::test_runner::TestCaseError> {
    for ev in events {
        match ev {
            Event::HostAddressAdded {
                addr: IpAddr::V4(v4),
                ..
            } => {
                proptest::prop_assert!(reported.insert(v4.octets()[3]));
            }
            Event::HostAddressRemoved {
                addr: IpAddr::V4(v4),
                ..
            } => {
                proptest::prop_assert!(reported.remove(&v4.octets()[3]));
            }
            _ => {}
        }
    }
    Ok(())
}

mod cache_model {
    //! proptest: against a reference model of RFC 6762 §10 (TTL expiry, goodbye one
    //! second later, cache-flush of records older than one second), the addresses a
    //! host lookup reports are exactly the live ones at every step: never reported
    //! before they arrive, never kept after they expire, under any interleaving.

    use super::*;
    use proptest::prelude::*;
    use std::collections::{BTreeMap, BTreeSet};

    #[derive(Clone, Debug)]
    struct Step {
        advance_ms: u64,
        addr: u8,
        ttl: u32,
        flush: bool,
    }

    fn step() -> impl Strategy<Value = Step> {
        (
            prop_oneof![Just(0u64), 1..1500u64, 1500..6000u64],
            1u8..4,
            prop_oneof![Just(0u32), Just(1u32), Just(2u32), Just(5u32), Just(120u32)],
            any::<bool>(),
        )
            .prop_map(|(advance_ms, addr, ttl, flush)| Step {
                advance_ms,
                addr,
                ttl,
                flush,
            })
    }

    /// addr → (received, expires), in microseconds.
    type Model = BTreeMap<u8, (u64, u64)>;

    fn model_receive(m: &mut Model, now: u64, s: &Step) {
        const SEC: u64 = 1_000_000;
        if s.ttl == 0 {
            if let Some(e) = m.get_mut(&s.addr) {
                e.1 = e.1.min(now + SEC);
            }
            return;
        }
        m.insert(s.addr, (now, now + u64::from(s.ttl) * SEC));
        if s.flush {
            for (addr, e) in m.iter_mut() {
                if *addr != s.addr && e.0 + SEC < now {
                    e.1 = e.1.min(now + SEC);
                }
            }
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]
        #[test]
        fn reported_addresses_match_the_model(steps in proptest::collection::vec(step(), 1..40)) {
            let mut h = Net::new(42);
            h.engine.lookup_host(h.now, &name("box.local")).unwrap();
            let mut model = Model::new();
            let mut reported: BTreeSet<u8> = BTreeSet::new();
            for s in &steps {
                let t = h.now + Duration::from_millis(s.advance_ms);
                h.run_until(t);
                let now = h.now.as_micros();
                model.retain(|_, e| e.1 > now);
                h.recv(&response(&[rec("box.local", a_data(s.addr), s.ttl).flush(s.flush)]));
                model_receive(&mut model, now, s);
                model.retain(|_, e| e.1 > now);
                track_addresses(h.take_events(), &mut reported)?;
                let live: BTreeSet<u8> = model.keys().copied().collect();
                prop_assert_eq!(&reported, &live, "at {} us", now);
            }
        }
    }
}

mod eviction_model {
    //! proptest: a full cache evicts exactly the record a reference model picks (the
    //! soonest to expire among those nobody wants, else among all; ties to the first
    //! arrival), whatever renewals with longer or shorter TTLs moved expiries before
    //! (the cache files renewed records lazily).

    use super::*;
    use proptest::prelude::*;
    use std::collections::{BTreeMap, BTreeSet};

    const CAPACITY: usize = 3;

    /// (wanted, addr) → (expires in microseconds, arrival order).
    type Model = BTreeMap<(bool, u8), (u64, u64)>;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]
        #[test]
        fn evictions_match_the_model(
            steps in proptest::collection::vec(
                (prop_oneof![Just(0u64), 1..3000u64], any::<bool>(), 1u8..5,
                 prop_oneof![Just(1u32), Just(3u32), Just(10u32), Just(60u32)]),
                1..60,
            )
        ) {
            let mut h = Net::with_config(config(43, |c| c.cache_capacity = CAPACITY));
            h.engine.lookup_host(h.now, &name("box.local")).unwrap();
            let mut model = Model::new();
            let mut next_seq = 0u64;
            let mut reported: BTreeSet<u8> = BTreeSet::new();
            for (advance_ms, wanted, addr, ttl) in steps {
                let t = h.now + Duration::from_millis(advance_ms);
                h.run_until(t);
                let now = h.now.as_micros();
                model.retain(|_, e| e.0 > now);
                let name = if wanted { "box.local" } else { "other.local" };
                h.recv(&response(&[rec(name, a_data(addr), ttl)]));
                let expires = now + u64::from(ttl) * 1_000_000;
                if let Some(e) = model.get_mut(&(wanted, addr)) {
                    e.0 = expires;
                } else {
                    if model.len() >= CAPACITY {
                        let pick = |only_unwanted: bool| {
                            model
                                .iter()
                                .filter(|(k, _)| !only_unwanted || !k.0)
                                .min_by_key(|(_, v)| **v)
                                .map(|(k, _)| *k)
                        };
                        let victim = pick(true).or_else(|| pick(false)).unwrap();
                        model.remove(&victim);
                    }
                    model.insert((wanted, addr), (expires, next_seq));
                    next_seq += 1;
                }
                track_addresses(h.take_events(), &mut reported)?;
                let live: BTreeSet<u8> =
                    model.keys().filter(|k| k.0).map(|k| k.1).collect();
                prop_assert_eq!(&reported, &live, "at {} us", now);
                prop_assert_eq!(h.engine.cache_len(), model.len());
            }
        }
    }
}

#[test]
fn cache_eviction_takes_the_oldest_of_equal_expiry_and_reports_wanted_records_gone() {
    let mut h = Net::with_config(config(26, |c| c.cache_capacity = 2));
    h.engine.browse(h.now, &http()).unwrap();
    h.run_until(ms(200));
    // Three instances in one packet: all expire together, the first to arrive goes.
    h.recv(&response(&[
        ptr("_http._tcp.local", "A._http._tcp.local", 4500),
        ptr("_http._tcp.local", "B._http._tcp.local", 4500),
        ptr("_http._tcp.local", "C._http._tcp.local", 4500),
    ]));
    let found: Vec<String> = h
        .take_events()
        .iter()
        .filter_map(|e| match e {
            Event::ServiceFound { instance, .. } => Some(instance.to_string()),
            _ => None,
        })
        .collect();
    assert_eq!(found, ["B._http._tcp.local.", "C._http._tcp.local."]);
    // A fourth, later: B (the oldest) is evicted and reported removed.
    h.run_until(ms(300));
    h.recv(&response(&[ptr(
        "_http._tcp.local",
        "D._http._tcp.local",
        4500,
    )]));
    let evs = h.take_events();
    assert!(
        matches!(&evs[..], [Event::ServiceRemoved { instance: r, .. }, Event::ServiceFound { instance: f, .. }]
        if *r == name("B._http._tcp.local") && *f == name("D._http._tcp.local")),
        "{evs:?}"
    );
}

/// Found by the simulator (seed 0): a record renewed before its 80 % point must get
/// refresh points for its new lifetime.
#[test]
fn rfc6762_5_2_a_renewed_record_is_refreshed_before_its_new_expiry() {
    let mut h = Net::new(27);
    h.engine.lookup_host(h.now, &name("box.local")).unwrap();
    h.run_until(ms(200));
    h.recv(&response(&[a("box.local", "10.0.0.5", 100)]));
    h.run_until(Instant::from_secs(50));
    h.recv(&response(&[a("box.local", "10.0.0.5", 100)])); // renewed at 50 s
    h.sent.clear();
    h.run_until(Instant::from_secs(149));
    // Refresh queries for the renewed record at 80-97 % of its new lifetime: 130-147 s.
    let asked_a: Vec<u64> = h
        .queries()
        .iter()
        .filter(|q| q.1.iter().any(|s| s == "box.local. A"))
        .map(|q| q.0.as_millis())
        .filter(|t| (130_000..=147_000).contains(t))
        .collect();
    assert_eq!(asked_a.len(), 4, "{asked_a:?}");
    assert_eq!(h.engine.cache_len(), 1);
}

/// RFC 6762 §15.1: with unicast responses turned off (another mDNS socket holds port
/// 5353 on this host), no query carries the QU bit.
#[test]
fn rfc6762_15_1_no_qu_when_the_port_is_shared() {
    let mut h = Net::with_config(config(29, |c| c.request_unicast_responses = false));
    h.engine.lookup_host(h.now, &name("box.local")).unwrap();
    h.run_until(ms(5000));
    let qs = h.queries();
    assert!(!qs.is_empty());
    assert!(
        qs.iter().all(|q| q.1.iter().all(|s| !s.ends_with("QU"))),
        "{qs:?}"
    );
}
