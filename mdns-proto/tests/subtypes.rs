//! Subtypes added to and removed from a live service (RFC 6763 §7.1): an announcement
//! for the added one (RFC 6762 §8.3), a goodbye for the removed one (RFC 6762 §10.1),
//! answers that follow. The engine is driven with crafted packets and simulated time.

mod common;

use common::*;
use mdns_sansio::engine::responder::{RegistrationError, MAX_SUBTYPES};
use mdns_sansio::engine::RegistrationId;
use mdns_sansio::wire::Rtype;

const INST: &str = "Kitchen._http._tcp.local.";

fn sub(s: &str) -> String {
    format!("{s}._sub._http._tcp.local.")
}

/// Every (owner, ttl) of the PTR answers naming our instance sent from `from` on.
fn ptrs_sent(net: &Net, from: usize) -> Vec<(u64, String, u32)> {
    net.sent[from..]
        .iter()
        .filter(|s| s.is_response())
        .flat_map(|s| {
            s.answers()
                .into_iter()
                .filter(|a| a.1 == Rtype::PTR && a.4 == INST)
                .map(move |a| (s.at.as_millis(), a.0, a.2))
        })
        .collect()
}

/// Answers to a question for `owner` PTR right now (after the response delay).
fn answers_for(net: &mut Net, owner: &str) -> Vec<(String, Rtype, u32, bool, String)> {
    net.run_ms(1500); // past the once-a-second multicast limit
    let n = net.sent.len();
    net.recv(&query(&[(owner, Rtype::PTR, false)], &[], &[]));
    net.run_ms(200);
    net.sent[n..]
        .iter()
        .filter(|s| s.is_response())
        .flat_map(|s| s.answers())
        .collect()
}

fn established_with_subtypes(subs: &[&str]) -> (Net, RegistrationId) {
    let mut net = Net::new(21);
    let (_, id) = net.established();
    for s in subs {
        net.engine.add_subtype(net.now, id, s).unwrap();
    }
    net.run_ms(4000);
    net.sent.clear();
    net.events.clear();
    (net, id)
}

#[test]
fn rfc6763_7_1_a_subtype_added_live_is_announced_and_answered() {
    let mut net = Net::new(20);
    let (_, id) = net.established();
    assert!(answers_for(&mut net, &sub("_CM")).is_empty());
    let n = net.sent.len();
    let t0 = net.now.as_millis();
    net.engine.add_subtype(net.now, id, "_CM").unwrap();
    net.run_ms(3000);
    // RFC 6762 §8.3: announced twice, a second apart, with the service's records; no
    // probe (the PTR is shared, the unique records did not change).
    let announced: Vec<u64> = ptrs_sent(&net, n)
        .into_iter()
        .filter(|p| p.1 == sub("_CM") && p.2 > 0)
        .map(|p| p.0 - t0)
        .collect();
    assert_eq!(announced, [0, 1000]);
    assert!(!net.sent[n..].iter().any(|s| s.is_probe()));
    assert_eq!(
        net.engine.subtypes(id).unwrap(),
        [mdns_sansio::Name::parse(&sub("_CM")).unwrap()]
    );
    let a = answers_for(&mut net, &sub("_CM"));
    assert_eq!(a[0], (sub("_CM"), Rtype::PTR, 4500, false, INST.into()));
    // Added twice: nothing more.
    let n = net.sent.len();
    net.engine.add_subtype(net.now, id, "_CM").unwrap();
    net.run_ms(2000);
    assert!(ptrs_sent(&net, n).is_empty());
}

#[test]
fn rfc6762_10_1_a_subtype_removed_live_gets_a_goodbye_and_no_more_answers() {
    let (mut net, id) = established_with_subtypes(&["_CM", "_L3840"]);
    assert!(!answers_for(&mut net, &sub("_CM")).is_empty());
    let n = net.sent.len();
    net.engine.remove_subtype(net.now, id, "_CM").unwrap();
    net.drain();
    // One goodbye (TTL 0, RFC 6762 §10.1) for that PTR only.
    let sent = ptrs_sent(&net, n);
    assert_eq!(sent, [(net.now.as_millis(), sub("_CM"), 0)]);
    assert!(answers_for(&mut net, &sub("_CM")).is_empty());
    // The other subtype and the type are still answered.
    let a = answers_for(&mut net, &sub("_L3840"));
    assert_eq!(a[0], (sub("_L3840"), Rtype::PTR, 4500, false, INST.into()));
    assert!(!answers_for(&mut net, "_http._tcp.local.").is_empty());
    // Removing one it does not have: nothing sent.
    let n = net.sent.len();
    net.engine.remove_subtype(net.now, id, "_CM").unwrap();
    net.drain();
    assert!(ptrs_sent(&net, n).is_empty());
}

/// The subtypes' PTRs are known by their index: after the first of three goes, the
/// others are answered under their own names (their index moved down), also by a
/// response that was already scheduled when the first one went.
#[test]
fn rfc6763_7_1_removing_a_subtype_leaves_the_others_answered_under_their_own_names() {
    let (mut net, id) = established_with_subtypes(&["_A", "_B", "_C"]);
    net.run_ms(1500);
    // A question for _C is pending (shared answers wait 20-120 ms) when _A goes.
    net.recv(&query(&[(&sub("_C"), Rtype::PTR, false)], &[], &[]));
    let n = net.sent.len();
    net.engine.remove_subtype(net.now, id, "_A").unwrap();
    net.run_ms(200);
    let sent = ptrs_sent(&net, n);
    assert!(sent.contains(&(sent[0].0, sub("_A"), 0)), "{sent:?}");
    let live: Vec<String> = sent
        .iter()
        .filter(|p| p.2 > 0)
        .map(|p| p.1.clone())
        .collect();
    assert_eq!(live, [sub("_C")], "{}", net.transcript());
    for s in ["_B", "_C"] {
        let a = answers_for(&mut net, &sub(s));
        assert_eq!(a[0].0, sub(s));
    }
    assert!(answers_for(&mut net, &sub("_A")).is_empty());
}

#[test]
fn rfc6763_7_1_a_subtype_added_while_probing_goes_out_with_the_first_announcement() {
    let mut net = Net::new(22);
    let (_, id) = net.register_host_and_service();
    net.engine.add_subtype(net.now, id, "_CM").unwrap();
    net.run_ms(4000);
    let cm: Vec<u32> = ptrs_sent(&net, 0)
        .into_iter()
        .filter(|p| p.1 == sub("_CM"))
        .map(|p| p.2)
        .collect();
    // The two announcements that end probing, no extra ones.
    assert_eq!(cm, [4500, 4500]);
    // Removed before it was ever announced: no goodbye is owed.
    let mut net = Net::new(23);
    let (_, id) = net.register_host_and_service();
    net.engine.add_subtype(net.now, id, "_CM").unwrap();
    net.engine.remove_subtype(net.now, id, "_CM").unwrap();
    net.run_ms(4000);
    assert!(!ptrs_sent(&net, 0).iter().any(|p| p.1 == sub("_CM")));
}

#[test]
fn subtype_commands_refuse_bad_input_with_typed_errors() {
    let (mut net, id) = established_with_subtypes(&[]);
    let now = net.now;
    assert!(matches!(
        net.engine.add_subtype(now, id, ""),
        Err(RegistrationError::Subtype(_))
    ));
    assert!(matches!(
        net.engine.add_subtype(now, RegistrationId(999), "_x"),
        Err(RegistrationError::Unknown(_))
    ));
    let host = RegistrationId(1);
    assert!(matches!(
        net.engine.add_subtype(now, host, "_x"),
        Err(RegistrationError::NotAService(_))
    ));
    for i in 0..MAX_SUBTYPES {
        net.engine.add_subtype(now, id, format!("_s{i}")).unwrap();
    }
    assert_eq!(
        net.engine.add_subtype(now, id, "_one_more"),
        Err(RegistrationError::TooManySubtypes(id))
    );
}
