//! Background resolves (`Engine::resolve_background`, what a client layer's resolving
//! browse uses): a flood of instances neither makes the engine query for all of them
//! nor keeps a real service, or what the application asks by name, from being
//! resolved. One rule per test; the rules are in `engine::querier::background`.

mod common;
use common::*;
use mdns_sansio::engine::{Config, Event, QueryError, QueryId};
use mdns_sansio::wire::{Class, MessageWriter, RecordData, Rtype, Section};
use mdns_sansio::{Instant, Name, ServiceType};
use std::collections::BTreeMap;
use std::time::Duration;

const TYPE: &str = "_flood._tcp.local.";

fn config(seed: u64) -> Config {
    {
        let mut c = Config::default();
        c.seed = seed;
        c.background_asking = 2;
        c.background_turn = Duration::from_secs(3);
        c.background_turns = 2;
        c
    }
}

fn instance(i: usize) -> String {
    format!("Fake {i:05}.{TYPE}")
}

/// A response: `answers`, then `additionals`.
fn response_with(answers: &[R], additionals: &[R]) -> Vec<u8> {
    let mut buf = vec![0u8; 9000];
    let mut w = MessageWriter::response(&mut buf, 0).unwrap();
    for (records, section) in [
        (answers, Section::Answer),
        (additionals, Section::Additional),
    ] {
        for r in records {
            w.push_record(section, &r.name, Class::IN, r.flush, r.ttl, &r.data)
                .unwrap();
        }
    }
    let n = w.finish();
    buf.truncate(n);
    buf
}

fn txt(owner: &str) -> R {
    R {
        name: name(owner),
        data: RecordData::Txt(b"\x03a=1".as_slice().into()),
        ttl: 4500,
        flush: true,
    }
}

/// A browse of [`TYPE`] that has found `n` instances announced with their PTR record
/// only (a flood), each resolved in the background in the order found: the last is
/// the newest.
fn flooded(config: Config, n: usize) -> (Net, Vec<QueryId>) {
    let mut net = Net::with_config(config);
    net.engine
        .browse(net.now, &ServiceType::new("_flood._tcp").unwrap())
        .unwrap();
    net.run_until(Instant::from_millis(200));
    for chunk in (0..n).collect::<Vec<_>>().chunks(50) {
        let ptrs: Vec<R> = chunk
            .iter()
            .map(|&i| ptr(TYPE, &instance(i), 4500))
            .collect();
        net.recv(&response(&ptrs));
    }
    let mut ids = Vec::new();
    for i in 0..n {
        ids.push(
            net.engine
                .resolve_background(net.now, &name(&instance(i)))
                .unwrap(),
        );
    }
    net.drain();
    (net, ids)
}

/// The SRV questions sent since `from`, by instance, with the times they went.
fn srv_asked(net: &Net, from: Instant) -> BTreeMap<String, Vec<u64>> {
    let mut out: BTreeMap<String, Vec<u64>> = BTreeMap::new();
    for s in net.sent_since(from) {
        for q in s.msg().questions().flatten() {
            if q.qtype == Rtype::SRV {
                out.entry(q.name.to_string())
                    .or_default()
                    .push(s.at.as_millis());
            }
        }
    }
    out
}

#[test]
fn background_resolves_ask_a_bounded_number_at_a_time_newest_first_in_turns() {
    let (mut net, _) = flooded(config(1), 10);
    let start = net.now;
    // First turn: the two newest.
    net.run_until(start + Duration::from_millis(2900));
    let asked: Vec<String> = srv_asked(&net, start).into_keys().collect();
    assert_eq!(asked, [instance(8), instance(9)]);
    // Their turns over, unresolved: the next two newest.
    net.run_until(start + Duration::from_millis(5900));
    let asked: Vec<String> = srv_asked(&net, start + Duration::from_millis(2900))
        .into_keys()
        .collect();
    assert_eq!(asked, [instance(6), instance(7)]);
    // Every instance gets its turns (two here), fewest turns first, and no more.
    net.run_until(start + Duration::from_secs(120));
    let all = srv_asked(&net, start);
    assert_eq!(all.len(), 10, "{all:?}");
    for (inst, times) in &all {
        // Two turns of 3 s: queries at +0.02-0.12 s, +1 s and +3 s in each (those of
        // several resolves sent up to half a second early, together).
        assert!(times.len() <= 6, "{inst}: {times:?}");
        assert!(times.len() >= 2, "{inst}: {times:?}");
    }
    let s = net.engine.background_stats();
    assert_eq!((s.resolves, s.asking, s.waiting), (10, 0, 0));
    assert_eq!(s.turns, 20);
    // Nothing asked once all are exhausted.
    let quiet = net.now;
    net.run_until(quiet + Duration::from_secs(300));
    assert!(srv_asked(&net, quiet).is_empty());
}

/// RFC 6763 §12: a service whose records all came with its announcement is resolved
/// from the cache as its background resolve starts, however many wait before it, and
/// is never asked about before its refresh is due (RFC 6762 §5.2, RFC 6762 §7.1).
#[test]
fn rfc6763_12_a_service_complete_in_the_cache_is_resolved_at_once_however_long_the_queue() {
    let (mut net, _) = flooded(config(2), 500);
    net.run_until(net.now + Duration::from_secs(2));
    let real = format!("Real.{TYPE}");
    let start = net.now;
    net.events.clear();
    net.recv(&response_with(
        &[ptr(TYPE, &real, 4500)],
        &[
            srv(&real, 631, "real.local.", 120),
            txt(&real),
            a("real.local.", "10.0.0.9", 120),
        ],
    ));
    let id = net
        .engine
        .resolve_background(net.now, &name(&real))
        .unwrap();
    net.drain();
    assert!(
        net.events.iter().any(
            |e| matches!(e, Event::ServiceResolved { query, service } if *query == id && service.port == 631)
        ),
        "{:?}",
        net.events
    );
    assert!(net.engine.background_stats().resolved_from_cache >= 1);
    net.run_until(start + Duration::from_secs(90));
    let asked = srv_asked(&net, start);
    assert!(!asked.contains_key(&real), "{asked:?}");
    // Nor its A question (answered); AAAA, which nothing answered, may be.
    let a_asked = net
        .sent_since(start)
        .iter()
        .any(|s| s.text().lines().any(|l| l == "  Q  real.local. A"));
    assert!(!a_asked);
}

/// The questions only background resolves ask stay within the byte budget: never more
/// than the burst plus the rate over the time elapsed.
#[test]
fn background_questions_stay_within_the_byte_budget() {
    let c = {
        let mut c = config(3);
        c.background_asking = 64;
        c.background_query_rate = 500;
        c.background_query_burst = 1000;
        c
    };
    let (mut net, _) = flooded(c, 300);
    let start = net.now;
    let mut checked = 0;
    for secs in [1u64, 2, 5, 10, 30, 60] {
        net.run_until(start + Duration::from_secs(secs));
        // Question bytes as the budget counts them: name, type and class, and a header
        // each.
        let spent: usize = net
            .sent_since(start)
            .iter()
            .flat_map(|s| {
                s.msg()
                    .questions()
                    .flatten()
                    .filter(|q| q.qtype == Rtype::SRV || q.qtype == Rtype::TXT)
                    .map(|q| q.name.wire_len() + 16)
                    .collect::<Vec<_>>()
            })
            .sum();
        let allowed = 1000 + 500 * secs as usize;
        assert!(
            spent <= allowed,
            "{spent} bytes in {secs} s, {allowed} allowed"
        );
        checked += spent;
    }
    assert!(checked > 0);
    let s = net.engine.background_stats();
    assert!(s.deferred > 0, "{s:?}");
    assert!(s.bytes <= 1000 + 500 * 60, "{s:?}");
}

/// What the application asks for by name goes out on its own schedule, whatever the
/// background resolves have spent, and background resolves do not count towards
/// `max_queries`.
#[test]
fn what_an_application_resolves_by_name_is_never_held_back() {
    let c = {
        let mut c = config(4);
        c.max_queries = 4;
        c.background_asking = 64;
        c.background_query_rate = 1;
        c.background_query_burst = 200;
        c
    };
    let (mut net, _) = flooded(c, 400);
    net.run_until(net.now + Duration::from_secs(5));
    assert!(net.engine.background_stats().deferred > 0);
    let start = net.now;
    let user = name(&instance(3));
    let id = net.engine.resolve(start, &user).unwrap();
    net.run_until(start + Duration::from_millis(150));
    let asked = srv_asked(&net, start);
    assert_eq!(asked.get(&instance(3)).map(Vec::len), Some(1), "{asked:?}");
    // It resolves as soon as the answer comes.
    net.recv(&response(&[
        srv(&instance(3), 80, "fake.local.", 120),
        txt(&instance(3)),
        a("fake.local.", "10.0.0.7", 120),
    ]));
    assert!(net
        .events
        .iter()
        .any(|e| matches!(e, Event::ServiceResolved { query, .. } if *query == id)));
    // Background resolves (400) leave room for the application's queries (4 in all).
    for host in ["a.local.", "b.local."] {
        net.engine
            .lookup_host(net.now, &Name::parse(host).unwrap())
            .unwrap();
    }
    assert_eq!(
        net.engine.lookup_host(net.now, &name("c.local.")),
        Err(QueryError::TooManyQueries { limit: 4 })
    );
}

/// The bound on background resolves is their own.
#[test]
fn background_resolves_have_their_own_bound() {
    let c = {
        let mut c = config(5);
        c.max_background_resolves = 3;
        c
    };
    let mut net = Net::with_config(c);
    for i in 0..3 {
        net.engine
            .resolve_background(net.now, &name(&instance(i)))
            .unwrap();
    }
    assert_eq!(
        net.engine.resolve_background(net.now, &name(&instance(3))),
        Err(QueryError::TooManyBackgroundResolves { limit: 3 })
    );
    assert!(net.engine.resolve(net.now, &name(&instance(3))).is_ok());
}

/// RFC 6762 §7.1, RFC 6762 §7.2: a browse holding thousands of instances (a flood) lists
/// at most `max_known_answers` of them, the oldest first, in each query: its queries do
/// not grow to tens of packets with the flood.
#[test]
fn rfc6762_7_1_known_answers_are_bounded_per_question_oldest_first() {
    let c = {
        let mut c = config(6);
        c.max_known_answers = 100;
        c
    };
    let (mut net, _) = flooded(c, 1000);
    let start = net.now;
    net.run_until(start + Duration::from_secs(2));
    let ptr_queries: Vec<&Sent> = net
        .sent_since(start)
        .into_iter()
        .filter(|s| s.is_query() && s.answers().iter().any(|a| a.1 == Rtype::PTR))
        .collect();
    assert!(!ptr_queries.is_empty());
    let listed: Vec<String> = ptr_queries
        .iter()
        .flat_map(|s| s.answers())
        .map(|a| a.4)
        .collect();
    assert_eq!(listed.len(), 100, "one query, 100 known answers");
    assert_eq!(listed[0], instance(0));
    assert_eq!(listed[99], instance(99));
}
