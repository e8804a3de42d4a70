//! The client against an in-process server, in simulated time: response checks,
//! retries and backoff, TCP after truncation, TTL refresh and expiry, publishing with
//! renames and leases, and determinism. No sockets, no sleeps.

mod fake;

use dnssd_unicast::client::{
    DomainConfig, Event, QueryError, RegId, ServiceRegistration, SubId, Transmit, UpdateError,
};
use dnssd_unicast::{Algorithm, Client, ClientConfig, TsigKey};
use fake::{n, Fate, Net, Zone};
use mdns_sansio::sd::{InstanceName, ServiceType};
use mdns_sansio::wire::{Header, RecordData};
use mdns_sansio::Instant;
use std::net::SocketAddr;
use std::time::Duration;

const ZONE: &str = "example.test.";

fn server() -> SocketAddr {
    "192.0.2.53:53".parse().unwrap()
}

fn key() -> TsigKey {
    TsigKey::new(
        n("k.example.test."),
        Algorithm::HmacSha256,
        b"a shared secret of the test",
    )
    .unwrap()
}

fn config(servers: Vec<SocketAddr>, key: Option<TsigKey>, sign_queries: bool) -> ClientConfig {
    let mut c = ClientConfig::default();
    let mut d = DomainConfig::new(n(ZONE), servers);
    d.key = key;
    d.sign_queries = sign_queries;
    c.domains.push(d);
    c
}

fn http() -> ServiceType {
    ServiceType::new("_http._tcp").unwrap()
}

fn zone_with_one_service() -> Zone {
    let mut z = Zone::new(ZONE, Some(key()));
    z.add(
        "_http._tcp.example.test.",
        100,
        RecordData::Ptr(n("Web._http._tcp.example.test.")),
    );
    z.add(
        "Web._http._tcp.example.test.",
        100,
        RecordData::Srv {
            priority: 0,
            weight: 0,
            port: 80,
            target: n("h.example.test."),
        },
    );
    z.add(
        "Web._http._tcp.example.test.",
        100,
        RecordData::Txt(b"\x03a=1".as_slice().into()),
    );
    z.add("h.example.test.", 100, RecordData::A([192, 0, 2, 1].into()));
    z
}

fn secs(s: u64) -> Instant {
    Instant::from_secs(s)
}

fn found(events: &[Event]) -> usize {
    events
        .iter()
        .filter(|e| matches!(e, Event::ServiceFound { .. }))
        .count()
}

#[test]
fn rfc5452_9_answers_with_a_wrong_id_source_or_question_are_dropped_and_counted() {
    let mut c = Client::new(config(vec![server()], None, false), 1);
    c.browse(Instant::ZERO, SubId(1), &http(), &n(ZONE))
        .unwrap();
    let Some(Transmit::Udp { payload: q, .. }) = c.poll_transmit() else {
        panic!()
    };
    let mut zone = zone_with_one_service();
    zone.key = None;
    let good = zone.answer(&q, true).unwrap();
    let t = Instant::from_millis(10);
    // Wrong id.
    let mut bad = good.clone();
    bad[0] ^= 0xFF;
    c.handle_datagram(t, server(), &bad);
    // Right id, another port, another address.
    c.handle_datagram(t, "192.0.2.53:5353".parse().unwrap(), &good);
    c.handle_datagram(t, "192.0.2.54:53".parse().unwrap(), &good);
    // Right id and source, another question (the type changed to A).
    let mut other_q = good.clone();
    let qtype_at = 12 + n("_http._tcp.example.test.").wire_len();
    other_q[qtype_at + 1] = 1;
    c.handle_datagram(t, server(), &other_q);
    // Not a response; not a message.
    let mut query = good.clone();
    query[2] &= !0x80;
    c.handle_datagram(t, server(), &query);
    c.handle_datagram(t, server(), &[1, 2, 3]);
    let st = c.stats().clone();
    assert_eq!(
        (
            st.dropped_unknown_id,
            st.dropped_wrong_source,
            st.dropped_wrong_question,
            st.dropped_malformed,
            st.accepted
        ),
        (1, 2, 1, 2, 0)
    );
    assert_eq!(c.poll_event(), None, "nothing dropped was applied");
    c.handle_datagram(t, server(), &good);
    assert!(matches!(c.poll_event(), Some(Event::ServiceFound { .. })));
    assert_eq!(c.stats().accepted, 1);
}

#[test]
fn rfc8945_5_4_answers_to_signed_queries_must_be_signed() {
    let mut c = Client::new(config(vec![server()], Some(key()), true), 2);
    c.set_unix_time(Instant::ZERO, 1_700_000_000);
    c.browse(Instant::ZERO, SubId(1), &http(), &n(ZONE))
        .unwrap();
    let Some(Transmit::Udp { payload: q, .. }) = c.poll_transmit() else {
        panic!()
    };
    let mut zone = zone_with_one_service();
    let signed = zone.answer(&q, true).unwrap();
    // The same answer unsigned: dropped.
    let rec = dnssd_unicast::wire::tsig::TsigRecord::find(&signed)
        .unwrap()
        .unwrap();
    let mut unsigned = signed[..rec.start].to_vec();
    let ar = Header::parse(&unsigned).unwrap().arcount - 1;
    unsigned[10..12].copy_from_slice(&ar.to_be_bytes());
    c.handle_datagram(Instant::ZERO, server(), &unsigned);
    // Signed with another secret: dropped.
    zone.key = Some(TsigKey::new(n("k.example.test."), Algorithm::HmacSha256, b"another").unwrap());
    let forged = zone.answer(&q, true);
    assert!(forged.is_some());
    c.handle_datagram(Instant::ZERO, server(), &forged.unwrap());
    // Signed right but an hour late: dropped.
    zone.key = Some(key());
    zone.unix += 3600;
    let late = zone.answer(&q, true);
    zone.unix -= 3600;
    if let Some(late) = late {
        c.handle_datagram(Instant::ZERO, server(), &late);
    }
    let st = c.stats().clone();
    assert_eq!((st.dropped_unsigned, st.accepted), (1, 0), "{st:?}");
    assert!(st.dropped_bad_tsig + st.unsigned_tsig_errors >= 2, "{st:?}");
    assert_eq!(c.poll_event(), None);
    c.handle_datagram(Instant::ZERO, server(), &signed);
    assert!(matches!(c.poll_event(), Some(Event::ServiceFound { .. })));
}

#[test]
fn retries_rotate_over_the_servers_with_the_wait_doubling_per_round() {
    let s2: SocketAddr = "198.51.100.53:53".parse().unwrap();
    let c = Client::new(config(vec![server(), s2], None, false), 3);
    let mut net = Net::new(c, zone_with_one_service(), server());
    net.client
        .browse(Instant::ZERO, SubId(1), &http(), &n(ZONE))
        .unwrap();
    net.run(secs(20), |_| Fate::Drop);
    let sends: Vec<(u64, SocketAddr)> = net
        .log
        .iter()
        .filter_map(|(t, x)| match x {
            Transmit::Udp { to, .. } => Some((t.as_millis(), *to)),
            _ => None,
        })
        .collect();
    // Three rounds over two servers: 1 s, 1 s, 2 s, 2 s, 4 s, 4 s; then the query is
    // reported failed and asked again 2 s later.
    assert_eq!(
        &sends[..7],
        &[
            (0, server()),
            (1000, s2),
            (2000, server()),
            (4000, s2),
            (6000, server()),
            (10_000, s2),
            (16_000, server())
        ]
    );
    let failed: Vec<&Event> = net
        .events
        .iter()
        .filter(|e| matches!(e, Event::QueryFailed { .. }))
        .collect();
    assert_eq!(failed.len(), 1, "reported once: {failed:?}");
    let Event::QueryFailed {
        error: QueryError::NoResponse { attempts, .. },
        ..
    } = failed[0]
    else {
        panic!()
    };
    assert_eq!(*attempts, 6);
    assert!(failed[0].to_string_lossy().contains("still trying"));
    // Every send but the first of each of the two queries is a retransmission.
    assert_eq!(net.client.stats().retransmits as usize, sends.len() - 2);
}

trait Lossy {
    fn to_string_lossy(&self) -> String;
}
impl Lossy for Event {
    fn to_string_lossy(&self) -> String {
        match self {
            Event::QueryFailed { error, .. } => error.to_string(),
            Event::RegistrationError { error, .. } | Event::RegistrationFailed { error, .. } => {
                error.to_string()
            }
            e => format!("{e:?}"),
        }
    }
}

#[test]
fn rfc1035_4_2_1_a_truncated_answer_is_asked_again_over_tcp() {
    let mut zone = zone_with_one_service();
    zone.truncate_udp = true;
    let c = Client::new(config(vec![server()], None, false), 4);
    let mut net = Net::new(c, zone, server());
    net.client
        .browse(Instant::ZERO, SubId(1), &http(), &n(ZONE))
        .unwrap();
    net.run_for(Duration::from_millis(100));
    assert_eq!(found(&net.events), 1);
    assert_eq!(net.client.stats().tcp_fallbacks, 1);
    assert!(net
        .log
        .iter()
        .any(|(_, t)| matches!(t, Transmit::Tcp { to, .. } if *to == server())));
    assert!(
        net.log
            .iter()
            .any(|(_, t)| matches!(t, Transmit::TcpClose { .. })),
        "the connection is closed after"
    );
}

#[test]
fn rfc1035_3_2_1_answers_are_asked_again_before_their_ttl_runs_out_and_expire_unrefreshed() {
    let mut cfg = config(vec![server()], None, false);
    cfg.max_poll = Duration::from_secs(3600);
    let mut net = Net::new(Client::new(cfg, 5), zone_with_one_service(), server());
    net.zone.key = None;
    net.client
        .browse(Instant::ZERO, SubId(1), &http(), &n(ZONE))
        .unwrap();
    net.run(secs(79), |_| Fate::Deliver);
    let queries = |net: &Net| {
        net.log
            .iter()
            .filter(|(_, t)| matches!(t, Transmit::Udp { .. }))
            .count()
    };
    assert_eq!((found(&net.events), queries(&net)), (1, 1));
    // TTL 100: asked again between 80 and 85 s.
    net.run(secs(86), |_| Fate::Deliver);
    assert_eq!(queries(&net), 2);
    let (t, _) = net.log.last().unwrap();
    assert!((80_000..=85_000).contains(&t.as_millis()), "{t:?}");
    // The server goes silent: the record expires 100 s after the last answer.
    let last_answer = *t;
    net.run(last_answer + Duration::from_secs(99), |_| Fate::Drop);
    assert!(!net
        .events
        .iter()
        .any(|e| matches!(e, Event::ServiceRemoved { .. })));
    net.run(last_answer + Duration::from_secs(101), |_| Fate::Drop);
    assert!(
        net.events
            .iter()
            .any(|e| matches!(e, Event::ServiceRemoved { .. })),
        "{:?}",
        net.events
    );
}

/// A server that refuses every connection at once (RST): each attempt ends when its
/// connection does, and the next one still waits for the attempt's timeout, doubling
/// (RFC 7766 §5: TCP is a transport like UDP, with the same retry schedule).
#[test]
fn rfc7766_5_a_refused_connection_is_retried_on_the_backoff_schedule_not_in_a_loop() {
    let mut zone = zone_with_one_service();
    zone.truncate_udp = true;
    let mut c = Client::new(config(vec![server()], None, false), 11);
    c.set_unix_time(Instant::ZERO, zone.unix);
    c.browse(Instant::ZERO, SubId(1), &http(), &n(ZONE))
        .unwrap();
    let Some(Transmit::Udp { payload, .. }) = c.poll_transmit() else {
        panic!("no query")
    };
    let truncated = zone.answer(&payload, true).unwrap();
    c.handle_datagram(Instant::ZERO, server(), &truncated);
    let mut now = Instant::ZERO;
    let mut opened = Vec::new();
    // The query's three attempts (query_rounds with one server) end at 7 s.
    while now < secs(7) {
        while let Some(t) = c.poll_transmit() {
            if let Transmit::Tcp { conn, .. } = t {
                opened.push(now);
                // Refused at once.
                c.handle_tcp_closed(now, conn);
            }
        }
        let Some(t) = c.poll_timeout() else { break };
        now = t;
        c.handle_timeout(now);
    }
    assert_eq!(
        opened,
        [secs(0), secs(1), secs(3)],
        "one connection per attempt, on the 1 s doubling schedule"
    );
}

fn registration(instance: &str, port: u16) -> ServiceRegistration {
    let mut r = ServiceRegistration::new(
        InstanceName::new(instance).unwrap(),
        http(),
        n(ZONE),
        n("me.example.test."),
        port,
    );
    r.txt = b"\x03v=1".to_vec();
    r
}

#[test]
fn rfc2136_2_4_5_a_taken_name_renames_and_our_own_is_reclaimed() {
    let mut zone = zone_with_one_service();
    // "Mine" holds our own SRV from an earlier run; "Web" is someone else's.
    zone.add(
        "Mine._http._tcp.example.test.",
        100,
        RecordData::Srv {
            priority: 0,
            weight: 0,
            port: 8080,
            target: n("me.example.test."),
        },
    );
    let mut net = Net::new(
        Client::new(config(vec![server()], Some(key()), false), 6),
        zone,
        server(),
    );
    net.client
        .register(Instant::ZERO, RegId(1), registration("Web", 8080))
        .unwrap();
    net.client
        .register(Instant::ZERO, RegId(2), registration("Mine", 8080))
        .unwrap();
    net.run_for(Duration::from_secs(1));
    let ev = &net.events;
    assert!(ev.contains(&Event::Renamed {
        id: RegId(1),
        from: n("Web._http._tcp.example.test."),
        to: n("Web\\032(2)._http._tcp.example.test."),
    }));
    assert!(ev.contains(&Event::Registered {
        id: RegId(1),
        name: n("Web\\032(2)._http._tcp.example.test.")
    }));
    assert!(ev.contains(&Event::Registered {
        id: RegId(2),
        name: n("Mine._http._tcp.example.test.")
    }));
    assert!(!ev
        .iter()
        .any(|e| matches!(e, Event::Renamed { id: RegId(2), .. })));
    // The other publisher's records are untouched; ours replaced the TXT.
    let z = &net.zone;
    assert_eq!(
        z.rrset(
            &n("Web._http._tcp.example.test."),
            mdns_sansio::wire::Rtype::SRV
        )
        .len(),
        1
    );
    assert_eq!(
        z.rrset(
            &n("Mine._http._tcp.example.test."),
            mdns_sansio::wire::Rtype::TXT
        ),
        vec![RecordData::Txt(b"\x03v=1".as_slice().into())]
    );
    assert_eq!(
        z.rrset(
            &n("_http._tcp.example.test."),
            mdns_sansio::wire::Rtype::PTR
        )
        .len(),
        3
    );
}

#[test]
fn a_registration_is_kept_while_the_server_is_silent_and_sent_when_it_answers() {
    let mut net = Net::new(
        Client::new(config(vec![server()], Some(key()), false), 7),
        Zone::new(ZONE, Some(key())),
        server(),
    );
    net.client
        .register(Instant::ZERO, RegId(1), registration("Patient", 1))
        .unwrap();
    net.run(secs(120), |_| Fate::Drop);
    let errors: Vec<&Event> = net
        .events
        .iter()
        .filter(|e| matches!(e, Event::RegistrationError { .. }))
        .collect();
    assert_eq!(
        errors.len(),
        1,
        "reported once per failing stretch: {:?}",
        net.events
    );
    assert!(errors[0].to_string_lossy().contains("kept and sent again"));
    assert!(!net
        .events
        .iter()
        .any(|e| matches!(e, Event::RegistrationFailed { .. })));
    let sent = net.log.len();
    assert!(
        (7..=10).contains(&sent),
        "backoff up to 60 s between attempts: {sent} sends"
    );
    net.run(secs(300), |_| Fate::Deliver);
    assert!(net.events.contains(&Event::Registered {
        id: RegId(1),
        name: n("Patient._http._tcp.example.test.")
    }));
}

#[test]
fn rfc8945_5_3_2_a_wrong_secret_is_reported_as_badsig_after_the_attempt_times_out() {
    let wrong = TsigKey::new(
        n("k.example.test."),
        Algorithm::HmacSha256,
        b"not the secret",
    )
    .unwrap();
    let mut net = Net::new(
        Client::new(config(vec![server()], Some(wrong), false), 8),
        Zone::new(ZONE, Some(key())),
        server(),
    );
    net.client
        .register(Instant::ZERO, RegId(1), registration("Nope", 1))
        .unwrap();
    net.run(Instant::from_millis(999), |_| Fate::Deliver);
    assert!(
        net.events.is_empty(),
        "an unsigned error is not trusted at once"
    );
    net.run(secs(2), |_| Fate::Deliver);
    let Some(Event::RegistrationError { error, .. }) = net.events.first() else {
        panic!("{:?}", net.events)
    };
    assert!(matches!(
        error,
        UpdateError::Tsig {
            error: dnssd_unicast::wire::types::Rcode::BADSIG,
            ..
        }
    ));
    let text = error.to_string();
    assert!(
        text.contains("the server rejected the signature (BADSIG)")
            && text.contains("k.example.test."),
        "{text}"
    );
    assert_eq!(net.zone.updates, 0);
}

#[test]
fn rfc9664_4_leases_are_refreshed_at_80_percent_and_shutdown_deletes() {
    let mut cfg = config(vec![server()], Some(key()), false);
    cfg.lease = Duration::from_secs(100);
    let mut net = Net::new(Client::new(cfg, 9), Zone::new(ZONE, Some(key())), server());
    net.client
        .set_host_addresses(Instant::ZERO, &["192.0.2.9".parse().unwrap()]);
    let mut r = registration("Leased", 1);
    r.publish_addresses = true;
    r.subtypes.push(b"_x".to_vec());
    net.client.register(Instant::ZERO, RegId(1), r).unwrap();
    net.run(secs(79), |_| Fate::Deliver);
    assert_eq!(
        (net.zone.updates, net.client.stats().lease_refreshes),
        (1, 0)
    );
    net.run(secs(81), |_| Fate::Deliver);
    assert_eq!(
        (net.zone.updates, net.client.stats().lease_refreshes),
        (2, 1)
    );
    assert_eq!(
        net.zone.records.len(),
        5,
        "PTR, subtype PTR, SRV, TXT, A: {:?}",
        net.zone.records
    );
    let now = net.now;
    net.client
        .set_host_addresses(now, &["192.0.2.10".parse().unwrap()]);
    net.run_for(Duration::from_millis(10));
    assert_eq!(
        net.zone
            .rrset(&n("me.example.test."), mdns_sansio::wire::Rtype::A),
        vec![RecordData::A([192, 0, 2, 10].into())]
    );
    let now = net.now;
    net.client.shutdown(now);
    net.run_for(Duration::from_millis(10));
    assert!(net.client.is_shut_down());
    assert!(net.events.contains(&Event::Unregistered { id: RegId(1) }));
    assert!(net.zone.records.is_empty(), "{:?}", net.zone.records);
}

#[test]
fn same_seed_same_packets() {
    let run = || {
        let mut net = Net::new(
            Client::new(config(vec![server()], Some(key()), true), 42),
            zone_with_one_service(),
            server(),
        );
        net.client
            .browse(Instant::ZERO, SubId(1), &http(), &n(ZONE))
            .unwrap();
        net.client
            .resolve(Instant::ZERO, SubId(2), &n("Web._http._tcp.example.test."))
            .unwrap();
        net.client
            .register(Instant::ZERO, RegId(1), registration("Det", 1))
            .unwrap();
        net.run(secs(300), |_| Fate::Deliver);
        (net.log, net.events)
    };
    let (a, ea) = run();
    let (b, eb) = run();
    assert_eq!(a, b);
    assert_eq!(ea, eb);
    assert!(
        ea.iter()
            .any(|e| matches!(e, Event::ServiceResolved { .. })),
        "{ea:?}"
    );
}

/// Writes the fuzz seeds of `fuzz/seeds/unicast` (run by hand:
/// `cargo test -p dnssd-unicast --test client write_fuzz_seeds -- --ignored`): the
/// answers the in-process server gives to a signed browse, resolve and registration,
/// an unsigned TSIG error, and a TCP answer.
#[test]
#[ignore]
fn write_fuzz_seeds() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz/seeds/unicast");
    std::fs::create_dir_all(&dir).unwrap();
    let mut i = 0;
    let mut save = |bytes: &[u8]| {
        std::fs::write(dir.join(format!("seed-{i:02}")), bytes).unwrap();
        i += 1;
    };
    for (signed, key) in [
        (true, key()),
        (
            false,
            TsigKey::new(n("k.example.test."), Algorithm::HmacSha256, b"wrong").unwrap(),
        ),
    ] {
        let mut c = Client::new(config(vec![server()], Some(key), signed), 11);
        c.set_unix_time(Instant::ZERO, 1_700_000_000);
        c.browse(Instant::ZERO, SubId(1), &http(), &n(ZONE))
            .unwrap();
        c.resolve(Instant::ZERO, SubId(2), &n("Web._http._tcp.example.test."))
            .unwrap();
        c.register(Instant::ZERO, RegId(1), registration("Web", 80))
            .unwrap();
        let mut zone = zone_with_one_service();
        while let Some(t) = c.poll_transmit() {
            if let Transmit::Udp { payload, .. } = t {
                save(&payload);
                if let Some(a) = zone.answer(&payload, true) {
                    save(&a);
                }
                zone.truncate_udp = true;
            }
        }
    }
}
