//! Transcripts of a browser, rustls style: every datagram the engine sends, with its
//! time, as one readable constant per scenario. They show three querier rules:
//!
//! - RFC 6762 §5.4: only questions of the start-up batch ask for unicast responses;
//!   a browse, resolve or host lookup started later is QM from its first query, and
//!   every question is QU once more when the link comes up again.
//! - RFC 6763 §12 with RFC 6762 §7.1: records that came as additional records of a
//!   browse answer are not asked for. A resolve they complete sends nothing; one they
//!   half complete asks only for the rest.
//! - RFC 6762 §5.2: a unique record is asked about again only at 80 % of its TTL (the
//!   refresh), not on the question's own schedule.

mod common;
use common::*;
use mdns_sansio::engine::Event;
use mdns_sansio::wire::{Class, MessageWriter, RecordData, Section};
use mdns_sansio::{Instant, ServiceType};

const TYPE: &str = "_http._tcp.local.";
const INST: &str = "Box._http._tcp.local.";
const HOST: &str = "box.local.";

fn transcript(net: &Net) -> String {
    let mut out = String::new();
    for s in &net.sent {
        out.push_str(&format!(
            "[{:>6} ms] {:?}\n{}\n",
            s.at.as_millis(),
            s.dest,
            s.text()
        ));
    }
    out
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

fn txt(owner: &str, ttl: u32) -> R {
    R {
        name: name(owner),
        data: RecordData::Txt(b"\x06path=/".as_slice().into()),
        ttl,
        flush: true,
    }
}

fn aaaa(owner: &str, addr: &str, ttl: u32) -> R {
    R {
        name: name(owner),
        data: RecordData::Aaaa(addr.parse().unwrap()),
        ttl,
        flush: true,
    }
}

/// Runs until `at` (ms since start).
fn run_to(net: &mut Net, at: u64) {
    net.run_until(Instant::from_millis(at));
}

/// The first `ServiceFound` reported, if any.
fn found(net: &Net) -> bool {
    net.events
        .iter()
        .any(|e| matches!(e, Event::ServiceFound { .. }))
}

const FROM_ADDITIONALS: &str = "\
[    28 ms] MulticastV4
query
  Q  _http._tcp.local. PTR QU
[  1028 ms] MulticastV4
query
  Q  _http._tcp.local. PTR
  AN _http._tcp.local. 4499 PTR Box._http._tcp.local.
[  3028 ms] MulticastV4
query
  Q  _http._tcp.local. PTR
  AN _http._tcp.local. 4497 PTR Box._http._tcp.local.
[  7028 ms] MulticastV4
query
  Q  _http._tcp.local. PTR
  AN _http._tcp.local. 4493 PTR Box._http._tcp.local.
[ 15028 ms] MulticastV4
query
  Q  _http._tcp.local. PTR
  AN _http._tcp.local. 4485 PTR Box._http._tcp.local.
[ 31028 ms] MulticastV4
query
  Q  _http._tcp.local. PTR
  AN _http._tcp.local. 4469 PTR Box._http._tcp.local.
[ 63028 ms] MulticastV4
query
  Q  _http._tcp.local. PTR
  AN _http._tcp.local. 4437 PTR Box._http._tcp.local.
[ 98026 ms] MulticastV4
query
  Q  box.local. A
[ 98340 ms] MulticastV4
query
  Q  box.local. AAAA
[ 98519 ms] MulticastV4
query
  Q  Box._http._tcp.local. SRV
";

/// A browse at start-up whose answer carries SRV, TXT, A and AAAA as additional records
/// (RFC 6763 §12), and a resolve of the instance found: the resolve is complete from
/// the cache and sends nothing. Over the next 100 s the only queries are the browse's
/// (QU first, RFC 6762 §5.4; then with its known answer, RFC 6762 §7.1) and, at 80 % of
/// the 120 s TTL of SRV, A and AAAA, one refresh each (RFC 6762 §5.2). The TXT record
/// (TTL 4500) needs none yet.
#[test]
fn rfc6763_12_additionals_complete_a_resolve_that_then_asks_nothing_until_80_percent() {
    let mut net = Net::new(42);
    net.engine
        .browse(net.now, &ServiceType::new("_http._tcp").unwrap())
        .unwrap();
    run_to(&mut net, 300);
    net.recv(&response_with(
        &[ptr(TYPE, INST, 4500)],
        &[
            srv(INST, 8080, HOST, 120),
            txt(INST, 4500),
            a(HOST, "10.0.0.2", 120),
            aaaa(HOST, "fe80::2", 120),
        ],
    ));
    assert!(found(&net));
    let resolve = net.engine.resolve(net.now, &name(INST)).unwrap();
    net.drain();
    assert!(net.events.iter().any(
        |e| matches!(e, Event::ServiceResolved { query, service } if *query == resolve && service.port == 8080 && service.addresses.len() == 2)
    ));
    run_to(&mut net, 100_000);
    let got = transcript(&net);
    println!("{got}");
    assert_eq!(got, FROM_ADDITIONALS);
}

const HALF_FROM_ADDITIONALS: &str = "\
[  5090 ms] MulticastV4
query
  Q  _http._tcp.local. PTR
[  5307 ms] MulticastV4
query
  Q  box.local. A
  Q  box.local. AAAA
[  6090 ms] MulticastV4
query
  Q  _http._tcp.local. PTR
  AN _http._tcp.local. 4499 PTR Box._http._tcp.local.
[  8090 ms] MulticastV4
query
  Q  _http._tcp.local. PTR
  AN _http._tcp.local. 4497 PTR Box._http._tcp.local.
";

/// A browse started five seconds after start-up: QM from its first query
/// (RFC 6762 §5.4). Its answer carries SRV and TXT but no address: the resolve started on
/// it asks only for the target's addresses (QM too), and once they come, nothing more.
#[test]
fn rfc6763_12_a_resolve_half_complete_asks_only_for_what_is_missing() {
    let mut net = Net::new(7);
    run_to(&mut net, 5000);
    net.engine
        .browse(net.now, &ServiceType::new("_http._tcp").unwrap())
        .unwrap();
    run_to(&mut net, 5200);
    net.recv(&response_with(
        &[ptr(TYPE, INST, 4500)],
        &[srv(INST, 8080, HOST, 120), txt(INST, 4500)],
    ));
    assert!(found(&net));
    net.engine.resolve(net.now, &name(INST)).unwrap();
    run_to(&mut net, 5400);
    net.recv(&response_with(
        &[a(HOST, "10.0.0.2", 120), aaaa(HOST, "fe80::2", 120)],
        &[],
    ));
    assert!(net
        .events
        .iter()
        .any(|e| matches!(e, Event::ServiceResolved { .. })));
    run_to(&mut net, 10_000);
    let got = transcript(&net);
    println!("{got}");
    assert_eq!(got, HALF_FROM_ADDITIONALS);
}

const QU_AT_START_UP: &str = "\
[    89 ms] MulticastV4
query
  Q  _http._tcp.local. PTR QU
[    94 ms] MulticastV4
query
  Q  printer.local. A QU
  Q  printer.local. AAAA QU
[  1089 ms] MulticastV4
query
  Q  _http._tcp.local. PTR
[  1094 ms] MulticastV4
query
  Q  printer.local. A
  Q  printer.local. AAAA
[  2541 ms] MulticastV4
query
  Q  scanner.local. A
  Q  scanner.local. AAAA
[  3089 ms] MulticastV4
query
  Q  _http._tcp.local. PTR
[  3094 ms] MulticastV4
query
  Q  printer.local. A
  Q  printer.local. AAAA
[  3541 ms] MulticastV4
query
  Q  scanner.local. A
  Q  scanner.local. AAAA
[  5573 ms] MulticastV4
query
  Q  _http._tcp.local. PTR QU
  Q  printer.local. A QU
  Q  printer.local. AAAA QU
  Q  scanner.local. A QU
  Q  scanner.local. AAAA QU
[  6573 ms] MulticastV4
query
  Q  _http._tcp.local. PTR
  Q  printer.local. A
  Q  printer.local. AAAA
  Q  scanner.local. A
  Q  scanner.local. AAAA
";

/// RFC 6762 §5.4: the questions an application asks as the engine starts (a browse
/// and a host lookup within the start-up window) are QU on their first query only; a
/// host lookup started 2.5 s later is QM from its first; when the link comes up again
/// (interface activation, or a wake from sleep) every question is QU once more.
#[test]
fn rfc6762_5_4_qu_only_for_the_start_up_batch_and_again_on_interface_activation() {
    let mut net = Net::new(3);
    net.engine
        .browse(net.now, &ServiceType::new("_http._tcp").unwrap())
        .unwrap();
    run_to(&mut net, 10);
    net.engine
        .lookup_host(net.now, &name("printer.local."))
        .unwrap();
    run_to(&mut net, 2500);
    net.engine
        .lookup_host(net.now, &name("scanner.local."))
        .unwrap();
    run_to(&mut net, 5500);
    net.engine.interface_up(net.now, IF, &[v4(OUR_V4)]);
    run_to(&mut net, 7000);
    let got = transcript(&net);
    println!("{got}");
    assert_eq!(got, QU_AT_START_UP);
}
