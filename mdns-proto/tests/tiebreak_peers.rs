//! Simultaneous probes from peers that send the whole record set and from peers that
//! send part of it (RFC 6762 §8.2, RFC 6762 §8.2.1; the rule is in
//! `responder/tiebreak.rs`): the engine against crafted probes, in simulated time.
//!
//! Our service is `Kitchen._http._tcp.local.` SRV 0 0 8080 `myhost.local.`, TXT
//! `path=/`. mDNSResponder's probes carry the SRV alone; Avahi's and ours carry both.

mod common;
use common::*;
use mdns_sansio::engine::{Event, RegistrationId};
use mdns_sansio::wire::{RecordData, Rtype};
use mdns_sansio::Instant;

const HOST: &str = "myhost.local.";
const INST: &str = "Kitchen._http._tcp.local.";
const RENAMED: &str = "Kitchen (2)._http._tcp.local.";

fn txt(data: &[u8]) -> R {
    rec(INST, RecordData::Txt(data.into()), 4500)
}

/// Their probe for our instance name: SRV at `port` on `HOST`, and TXT `txt` if given.
fn their_probe(port: u16, txt_data: Option<&[u8]>) -> Vec<u8> {
    let mut auth = vec![srv(INST, port, HOST, 120)];
    if let Some(t) = txt_data {
        auth.push(txt(t));
    }
    query(&[(INST, Rtype::ANY, true)], &[], &auth)
}

/// Our TXT, `path=/`, as rdata.
const OUR_TXT: &[u8] = b"\x06path=/";

/// A service alone (its host name is not ours to probe), up to its first probe.
fn service_probing(seed: u64) -> (Net, RegistrationId, Sent) {
    let mut net = Net::new(seed);
    let now = net.now;
    let s = net
        .engine
        .register_service(now, service("Kitchen", "_http._tcp", 8080))
        .unwrap();
    net.drain();
    let first = net.run_until_sent(300, |x| probe_for(x, INST));
    (net, s, first)
}

fn renamed(net: &Net, id: RegistrationId) -> bool {
    net.events
        .iter()
        .any(|e| matches!(e, Event::Renamed { id: i, .. } if *i == id))
}

/// Probes for our instance sent at or after `since`.
fn our_probes_since(net: &Net, since: Instant) -> Vec<u64> {
    net.sent
        .iter()
        .filter(|x| x.at >= since && probe_for(x, INST))
        .map(|x| x.at.as_millis())
        .collect()
}

/// We went on: the two probes after `first` came 250 ms apart and the name was ours
/// 250 ms after the third, unchanged.
fn assert_went_on(net: &mut Net, s: RegistrationId, first: &Sent) {
    net.run_ms(1500);
    let probes = our_probes_since(net, first.at);
    let t0 = first.at.as_millis();
    assert_eq!(
        probes,
        [t0, t0 + 250, t0 + 500],
        "probing went on undisturbed"
    );
    assert_eq!(net.registered(s), Some(name(INST)));
    assert!(!renamed(net, s));
}

/// We deferred: no probe within a second of `lost_at`, then probing from the first
/// probe again (QU), and, nobody answering, the name is ours.
fn assert_deferred(net: &mut Net, s: RegistrationId, lost_at: Instant) {
    let next = net.run_until_sent(2000, |x| x.at > lost_at && probe_for(x, INST));
    assert!(
        next.at.as_millis() - lost_at.as_millis() >= 1000,
        "probed again {} ms after losing",
        next.at.as_millis() - lost_at.as_millis()
    );
    assert!(
        next.msg().questions().flatten().all(|q| q.unicast_response),
        "probing starts over: QU again"
    );
    net.run_ms(1500);
    assert_eq!(net.registered(s), Some(name(INST)));
    assert!(!renamed(net, s));
}

/// RFC 6762 §8.2.1, both sides send SRV and TXT, our set the later (TXT equal, our SRV
/// port 8080 after their 7000): their probe is ignored.
#[test]
fn rfc6762_8_2_1_full_set_ours_later_goes_on() {
    let (mut net, s, first) = service_probing(1);
    net.recv(&their_probe(7000, Some(OUR_TXT)));
    assert_went_on(&mut net, s, &first);
}

/// RFC 6762 §8.2.1, both full sets, ours the earlier (8080 before their 9000): we wait a
/// second and probe again.
#[test]
fn rfc6762_8_2_1_full_set_ours_earlier_defers() {
    let (mut net, s, _) = service_probing(2);
    net.recv(&their_probe(9000, Some(OUR_TXT)));
    let lost_at = net.now;
    assert_deferred(&mut net, s, lost_at);
}

/// RFC 6762 §8.2.1 between full sets: the TXT (type 16) sorts before the SRV (33) and
/// decides first, whatever the SRVs.
#[test]
fn rfc6762_8_2_1_full_set_txt_decides_before_srv() {
    let (mut net, s, first) = service_probing(3);
    // Their SRV is later, their TXT earlier ("path=." < "path=/"): we win.
    net.recv(&their_probe(9000, Some(b"\x06path=.")));
    assert_went_on(&mut net, s, &first);
    let (mut net, s, _) = service_probing(4);
    // Their SRV earlier, their TXT later: we lose.
    net.recv(&their_probe(7000, Some(b"\x06path=0")));
    let lost_at = net.now;
    assert_deferred(&mut net, s, lost_at);
}

/// An SRV-only probe (mDNSResponder's) whose SRV is later than ours: we lose, as it
/// finds itself the winner (its SRV later than our SRV and than our TXT).
#[test]
fn rfc6762_8_2_1_srv_only_probe_ours_earlier_defers() {
    let (mut net, s, _) = service_probing(5);
    net.recv(&their_probe(9000, None));
    let lost_at = net.now;
    assert_deferred(&mut net, s, lost_at);
}

/// An SRV-only probe whose SRV is earlier than ours: we win and go on. (It finds our
/// SRV later than its own and defers; comparing our TXT first, as plain RFC 6762 §8.2.1
/// on our sorted list did, made us defer too.)
#[test]
fn rfc6762_8_2_1_srv_only_probe_ours_later_goes_on() {
    let (mut net, s, first) = service_probing(6);
    net.recv(&their_probe(7000, None));
    assert_went_on(&mut net, s, &first);
}

/// An SRV-only probe with our very SRV: no conflict on what both probes show, and
/// neither side defers.
#[test]
fn rfc6762_8_2_1_srv_only_probe_equal_srv_is_no_conflict() {
    let (mut net, s, first) = service_probing(7);
    net.recv(&their_probe(8080, None));
    assert_went_on(&mut net, s, &first);
}

/// A copy of our own first probe coming back late from another address (echoed by a
/// switch or an access point, so not recognised as our own datagram): identical
/// records, no conflict, no deferral.
#[test]
fn rfc6762_8_2_stale_copy_of_our_own_probe_is_no_conflict() {
    let (mut net, s, first) = service_probing(8);
    net.run_ms(100);
    net.recv(&first.bytes);
    assert_went_on(&mut net, s, &first);
    // The same for a host and a service probed in one packet.
    let mut net = Net::new(9);
    let (h, s) = net.register_host_and_service();
    let first = net.run_until_sent(300, |x| x.is_probe());
    net.run_ms(200);
    net.recv(&first.bytes);
    net.run_ms(1500);
    let probes: Vec<_> = net.sent.iter().filter(|x| x.is_probe()).collect();
    assert_eq!(probes.len(), 3);
    assert_eq!(net.registered(h), Some(name(HOST)));
    assert_eq!(net.registered(s), Some(name(INST)));
}

/// After losing with our probes out, the winner's announcement is a conflict
/// (RFC 6762 §8.1): we rename then, not a second later when our next probe would be
/// answered.
#[test]
fn rfc6762_8_1_winner_announcement_during_the_wait_renames_at_once() {
    let (mut net, s, _) = service_probing(10);
    net.recv(&their_probe(9000, None));
    net.run_ms(500);
    assert!(!renamed(&net, s));
    net.recv(&response(&[srv(INST, 9000, HOST, 120)]));
    assert!(net.events.contains(&Event::Renamed {
        id: s,
        from: name(INST),
        to: name(RENAMED),
    }));
    net.run_ms(1200);
    assert_eq!(net.registered(s), Some(name(RENAMED)));
}

/// Lost before our first probe went out: the announcement is "received before the
/// first probe packet is sent" and ignored (RFC 6762 §8.1); the answer to our next probe
/// renames us.
#[test]
fn rfc6762_8_1_lost_before_probing_ignores_the_announcement() {
    let mut net = Net::new(11);
    let now = net.now;
    let s = net
        .engine
        .register_service(now, service("Kitchen", "_http._tcp", 8080))
        .unwrap();
    net.drain();
    // At once, before our first probe (0-250 ms away).
    net.recv(&their_probe(9000, None));
    let lost_at = net.now;
    net.run_ms(600);
    net.recv(&response(&[srv(INST, 9000, HOST, 120)]));
    assert!(!renamed(&net, s), "ignored: no probe of ours had gone out");
    let next = net.run_until_sent(2000, |x| probe_for(x, INST));
    assert!(next.at.as_millis() - lost_at.as_millis() >= 1000);
    net.recv(&response(&[srv(INST, 9000, HOST, 120)]));
    assert!(renamed(&net, s));
}

/// A lost tiebreak is no conflict for the RFC 6762 §8.1 rate limit: twenty losing probes
/// (ten over IPv4 and ten over IPv6 copies, host and service in each) and then a real
/// conflict still rename with the usual 0-250 ms wait, not the 5 s of a host in a
/// conflict storm.
#[test]
fn rfc6762_8_1_lost_tiebreaks_do_not_count_toward_the_rate_limit() {
    let mut net = Net::new(12);
    let (h, s) = net.register_host_and_service();
    net.run_until_sent(300, |x| x.is_probe());
    let both = query(
        &[(HOST, Rtype::ANY, true), (INST, Rtype::ANY, true)],
        &[],
        &[a(HOST, "10.0.0.200", 120), srv(INST, 9000, HOST, 120)],
    );
    for _ in 0..10 {
        net.recv(&both);
        net.recv(&both);
        net.run_ms(250);
    }
    assert!(!renamed(&net, h) && !renamed(&net, s));
    net.recv(&response(&[srv(INST, 9000, HOST, 120)]));
    assert!(renamed(&net, s));
    let at = net.now;
    let p = net.run_until_sent(1000, |x| probe_for(x, RENAMED));
    assert!(
        p.at.as_millis() - at.as_millis() <= 250,
        "{} ms",
        p.at.as_millis() - at.as_millis()
    );
}
