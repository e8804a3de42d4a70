//! RFC 6762 §15.1: when another mDNS socket shares port 5353 on this host, a unicast
//! reply reaches only one of the sockets, so the engine (told so through
//! `Config::request_unicast_responses`) asks for none: no QU question, no QU probe.

mod common;

use common::*;

/// (time, QU bits of the questions) of every probe sent.
fn probe_qu_bits(net: &Net) -> Vec<(u64, Vec<bool>)> {
    net.sent
        .iter()
        .filter(|s| s.is_probe())
        .map(|s| {
            let qu = s
                .msg()
                .questions()
                .flatten()
                .map(|q| q.unicast_response)
                .collect();
            (s.at.as_millis(), qu)
        })
        .collect()
}

#[test]
fn rfc6762_15_1_probes_are_qm_when_the_port_is_shared() {
    let mut alone = Net::new(31);
    alone.register_host_and_service();
    alone.run_ms(2000);
    let probes = probe_qu_bits(&alone);
    assert_eq!(probes.len(), 3, "{probes:?}");
    // RFC 6762 §8.1: the first probe asks for unicast replies, the others do not.
    assert!(probes[0].1.iter().all(|qu| *qu), "{probes:?}");
    assert!(probes[1..].iter().all(|p| p.1.iter().all(|qu| !qu)));

    let mut shared = Net::with_config(config(31, |c| c.request_unicast_responses = false));
    shared.register_host_and_service();
    shared.run_ms(2000);
    let probes = probe_qu_bits(&shared);
    assert_eq!(probes.len(), 3, "{probes:?}");
    assert!(
        probes.iter().all(|p| p.1.iter().all(|qu| !qu)),
        "{probes:?}"
    );
}
