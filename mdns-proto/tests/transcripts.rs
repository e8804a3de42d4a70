//! Transcripts, rustls style: everything one engine sends and receives and every event
//! it reports, with its time, packets as the core renders them (one line per question
//! and record: owner, TTL, type, `flush` for the cache-flush bit, data), as one readable
//! constant each, the way RFC 6762's examples read. A registration (probes, announcements,
//! answers, a legacy query, the goodbye), a browse and resolve, and a name conflict.

mod common;
use common::*;
use mdns_sansio::wire::Rtype;

const REGISTRATION: &str = "\
[     0 ms] event ProbingStarted myhost.local.
[     0 ms] event ProbingStarted Kitchen._http._tcp.local.
[    20 ms] sent to 224.0.0.251:5353
query
  Q  myhost.local. ANY QU
  Q  Kitchen._http._tcp.local. ANY QU
  NS myhost.local. 120 A 10.0.0.1
  NS Kitchen._http._tcp.local. 120 SRV 0 0 8080 myhost.local.
  NS Kitchen._http._tcp.local. 4500 TXT \"path=/\"
[   270 ms] sent to 224.0.0.251:5353
query
  Q  myhost.local. ANY
  Q  Kitchen._http._tcp.local. ANY
  NS myhost.local. 120 A 10.0.0.1
  NS Kitchen._http._tcp.local. 120 SRV 0 0 8080 myhost.local.
  NS Kitchen._http._tcp.local. 4500 TXT \"path=/\"
[   520 ms] sent to 224.0.0.251:5353
query
  Q  myhost.local. ANY
  Q  Kitchen._http._tcp.local. ANY
  NS myhost.local. 120 A 10.0.0.1
  NS Kitchen._http._tcp.local. 120 SRV 0 0 8080 myhost.local.
  NS Kitchen._http._tcp.local. 4500 TXT \"path=/\"
[   770 ms] sent to 224.0.0.251:5353
response
  AN _http._tcp.local. 4500 PTR Kitchen._http._tcp.local.
  AN _services._dns-sd._udp.local. 4500 PTR _http._tcp.local.
  AN Kitchen._http._tcp.local. 120 SRV flush 0 0 8080 myhost.local.
  AN Kitchen._http._tcp.local. 4500 TXT flush \"path=/\"
  AN myhost.local. 120 A flush 10.0.0.1
  AR myhost.local. 120 NSEC flush myhost.local. A
  AR Kitchen._http._tcp.local. 4500 NSEC flush Kitchen._http._tcp.local. TXT SRV
[   770 ms] event Registered myhost.local.
[   770 ms] event Registered Kitchen._http._tcp.local.
[  1770 ms] sent to 224.0.0.251:5353
response
  AN _http._tcp.local. 4500 PTR Kitchen._http._tcp.local.
  AN _services._dns-sd._udp.local. 4500 PTR _http._tcp.local.
  AN Kitchen._http._tcp.local. 120 SRV flush 0 0 8080 myhost.local.
  AN Kitchen._http._tcp.local. 4500 TXT flush \"path=/\"
  AN myhost.local. 120 A flush 10.0.0.1
  AR myhost.local. 120 NSEC flush myhost.local. A
  AR Kitchen._http._tcp.local. 4500 NSEC flush Kitchen._http._tcp.local. TXT SRV
[  4000 ms] received from 10.0.0.2:5353 (multicast)
query
  Q  _http._tcp.local. PTR
[  4057 ms] sent to 224.0.0.251:5353
response
  AN _http._tcp.local. 4500 PTR Kitchen._http._tcp.local.
  AR Kitchen._http._tcp.local. 120 SRV flush 0 0 8080 myhost.local.
  AR Kitchen._http._tcp.local. 4500 TXT flush \"path=/\"
  AR myhost.local. 120 A flush 10.0.0.1
  AR myhost.local. 120 NSEC flush myhost.local. A
[  5000 ms] received from 10.0.0.2:51000 (multicast)
query id=48879
  Q  myhost.local. A
[  5000 ms] sent to 10.0.0.2:51000
response id=48879
  Q  myhost.local. A
  AN myhost.local. 10 A 10.0.0.1
  AR myhost.local. 10 NSEC myhost.local. A
[  6000 ms] sent to 224.0.0.251:5353
response
  AN _http._tcp.local. 0 PTR Kitchen._http._tcp.local.
  AN _services._dns-sd._udp.local. 0 PTR _http._tcp.local.
  AN Kitchen._http._tcp.local. 0 SRV flush 0 0 8080 myhost.local.
  AN Kitchen._http._tcp.local. 0 TXT flush \"path=/\"
[  6000 ms] event Unregistered registration 2
";

#[test]
fn transcript_of_a_registration() {
    let mut net = Net::new(42);
    let (_, s) = net.register_host_and_service();
    net.run_ms(4000);
    net.recv(&query(
        &[("_http._tcp.local.", Rtype::PTR, false)],
        &[],
        &[],
    ));
    net.run_ms(1000);
    let q = query_id(
        0xbeef,
        false,
        &[("myhost.local.", Rtype::A, false)],
        &[],
        &[],
    );
    net.recv_from(&q, peer(51000), true);
    net.run_ms(1000);
    net.engine.unregister(net.now, s).unwrap();
    net.drain();
    assert_eq!(net.transcript(), REGISTRATION);
}

const BROWSE_AND_RESOLVE: &str = "\
[    90 ms] sent to 224.0.0.251:5353
query
  Q  _http._tcp.local. PTR QU
[   200 ms] received from 10.0.0.2:5353 (multicast)
response
  AN _http._tcp.local. 4500 PTR Box._http._tcp.local.
  AN Box._http._tcp.local. 120 SRV flush 0 0 80 box.local.
  AN Box._http._tcp.local. 4500 TXT flush \"path=/\"
  AN box.local. 120 A flush 10.0.0.2
[   200 ms] event ServiceFound Box._http._tcp.local. on if1
[   300 ms] event ServiceResolved Box._http._tcp.local. at box.local.:80 txt \"path=/\" addresses 10.0.0.2
[   407 ms] sent to 224.0.0.251:5353
query
  Q  box.local. AAAA QU
[  1090 ms] sent to 224.0.0.251:5353
query
  Q  _http._tcp.local. PTR
  AN _http._tcp.local. 4499 PTR Box._http._tcp.local.
[  1407 ms] sent to 224.0.0.251:5353
query
  Q  box.local. AAAA
[  3090 ms] sent to 224.0.0.251:5353
query
  Q  _http._tcp.local. PTR
  AN _http._tcp.local. 4497 PTR Box._http._tcp.local.
[  3300 ms] received from 10.0.0.2:5353 (multicast)
response
  AN _http._tcp.local. 0 PTR Box._http._tcp.local.
  AN Box._http._tcp.local. 0 SRV flush 0 0 80 box.local.
[  3403 ms] sent to 224.0.0.251:5353
query
  Q  Box._http._tcp.local. SRV
[  3407 ms] sent to 224.0.0.251:5353
query
  Q  box.local. AAAA
[  4300 ms] event ServiceRemoved Box._http._tcp.local. on if1
[  4300 ms] event ServiceLost Box._http._tcp.local.
";

/// A browse (RFC 6762 §5.2: the first query 20-120 ms in, with QU, RFC 6762 §5.4; the next ones
/// one, then two seconds apart, carrying the answer as a known answer with its TTL
/// counted down, RFC 6762 §7.1), a resolve answered from the cache at once that asks only
/// for what the cache lacks (the AAAA; SRV, TXT and A came with the PTR, RFC 6763 §12) and
/// for the SRV again once the goodbye left it stale, and a goodbye (TTL 0) taking the
/// service away one second later (RFC 6762 §10.1).
#[test]
fn transcript_of_a_browse_and_a_resolve() {
    let mut net = Net::new(7);
    net.engine.browse(net.now, &http()).unwrap();
    net.run_ms(200);
    net.recv(&response(&[
        ptr("_http._tcp.local.", "Box._http._tcp.local.", 4500),
        srv("Box._http._tcp.local.", 80, "box.local.", 120),
        txt("Box._http._tcp.local.", b"\x06path=/", 4500),
        a("box.local.", "10.0.0.2", 120),
    ]));
    net.run_ms(100);
    net.engine
        .resolve(net.now, &name("Box._http._tcp.local."))
        .unwrap();
    net.run_ms(3000);
    net.recv(&response(&[
        ptr("_http._tcp.local.", "Box._http._tcp.local.", 0),
        srv("Box._http._tcp.local.", 80, "box.local.", 0),
    ]));
    net.run_ms(2000);
    assert_eq!(net.transcript(), BROWSE_AND_RESOLVE);
}

const CONFLICT: &str = "\
[     0 ms] event ProbingStarted myhost.local.
[     0 ms] event ProbingStarted Kitchen._http._tcp.local.
[    55 ms] sent to 224.0.0.251:5353
query
  Q  myhost.local. ANY QU
  Q  Kitchen._http._tcp.local. ANY QU
  NS myhost.local. 120 A 10.0.0.1
  NS Kitchen._http._tcp.local. 120 SRV 0 0 8080 myhost.local.
  NS Kitchen._http._tcp.local. 4500 TXT \"path=/\"
[   155 ms] received from 10.0.0.2:5353 (multicast)
response
  AN Kitchen._http._tcp.local. 120 SRV flush 0 0 9090 otherhost.local.
[   155 ms] event Renamed Kitchen._http._tcp.local. -> Kitchen (2)._http._tcp.local.
[   155 ms] event ProbingStarted Kitchen (2)._http._tcp.local.
[   177 ms] sent to 224.0.0.251:5353
query
  Q  Kitchen (2)._http._tcp.local. ANY QU
  NS Kitchen (2)._http._tcp.local. 120 SRV 0 0 8080 myhost.local.
  NS Kitchen (2)._http._tcp.local. 4500 TXT \"path=/\"
[   305 ms] sent to 224.0.0.251:5353
query
  Q  myhost.local. ANY
  NS myhost.local. 120 A 10.0.0.1
[   427 ms] sent to 224.0.0.251:5353
query
  Q  Kitchen (2)._http._tcp.local. ANY
  NS Kitchen (2)._http._tcp.local. 120 SRV 0 0 8080 myhost.local.
  NS Kitchen (2)._http._tcp.local. 4500 TXT \"path=/\"
[   555 ms] sent to 224.0.0.251:5353
query
  Q  myhost.local. ANY
  NS myhost.local. 120 A 10.0.0.1
[   677 ms] sent to 224.0.0.251:5353
query
  Q  Kitchen (2)._http._tcp.local. ANY
  NS Kitchen (2)._http._tcp.local. 120 SRV 0 0 8080 myhost.local.
  NS Kitchen (2)._http._tcp.local. 4500 TXT \"path=/\"
[   805 ms] sent to 224.0.0.251:5353
response
  AN myhost.local. 120 A flush 10.0.0.1
  AR myhost.local. 120 NSEC flush myhost.local. A
[   805 ms] event Registered myhost.local.
[   927 ms] sent to 224.0.0.251:5353
response
  AN _http._tcp.local. 4500 PTR Kitchen (2)._http._tcp.local.
  AN _services._dns-sd._udp.local. 4500 PTR _http._tcp.local.
  AN Kitchen (2)._http._tcp.local. 120 SRV flush 0 0 8080 myhost.local.
  AN Kitchen (2)._http._tcp.local. 4500 TXT flush \"path=/\"
  AR Kitchen (2)._http._tcp.local. 4500 NSEC flush Kitchen (2)._http._tcp.local. TXT SRV
[   927 ms] event Registered Kitchen (2)._http._tcp.local.
[  1805 ms] sent to 224.0.0.251:5353
response
  AN myhost.local. 120 A flush 10.0.0.1
  AR myhost.local. 120 NSEC flush myhost.local. A
[  1927 ms] sent to 224.0.0.251:5353
response
  AN _http._tcp.local. 4500 PTR Kitchen (2)._http._tcp.local.
  AN _services._dns-sd._udp.local. 4500 PTR _http._tcp.local.
  AN Kitchen (2)._http._tcp.local. 120 SRV flush 0 0 8080 myhost.local.
  AN Kitchen (2)._http._tcp.local. 4500 TXT flush \"path=/\"
  AR Kitchen (2)._http._tcp.local. 4500 NSEC flush Kitchen (2)._http._tcp.local. TXT SRV
";

/// A conflict while probing (RFC 6762 §8.1, RFC 6762 §9): another host answers with an SRV
/// record of the name our first probe asked about. The service picks the next name
/// (`Kitchen (2)`, as RFC 6762 §9 suggests) and probes for it from the first probe
/// again, while the host name goes on probing undisturbed; each is announced twice,
/// one second apart, once its three probes went unanswered (RFC 6762 §8.3).
#[test]
fn transcript_of_a_conflict() {
    let mut net = Net::new(11);
    net.register_host_and_service();
    net.run_until_sent(1000, |s| probe_for(s, "Kitchen._http._tcp.local."));
    net.run_ms(100);
    net.recv(&response(&[srv(
        "Kitchen._http._tcp.local.",
        9090,
        "otherhost.local.",
        120,
    )]));
    net.run_ms(3000);
    assert_eq!(net.transcript(), CONFLICT);
}
