//! Reconfirmation (RFC 6762 §10.4) on a simulated LAN, through the client layer every
//! adapter runs: a host whose service crashed without goodbyes disappears from the
//! reconfirming browser ten seconds after the hint, instead of at its PTR's TTL (75
//! minutes); the other browsers on the link, seeing the questions go unanswered, drop
//! it at the same time (passive observation, RFC 6762 §10.5). A live service is
//! confirmed at once and nobody drops it.
//!
//! Seeds: `MDNS_SIM_SEED=N` replays one, `MDNS_SIM_SEEDS=K` sweeps K.

use core::time::Duration;
use mdns_sansio::engine::RECONFIRM_WINDOW;
use mdns_sansio::{InstanceName, Instant, ServiceType};
use mdns_sansio_client::{
    BrowseEvent, Event, Reconfirmation, Request, ServiceInfo, SubscriptionId,
};
use mdns_sim::*;

fn ty() -> ServiceType {
    ServiceType::new("_http._tcp").unwrap()
}

fn web() -> InstanceName {
    InstanceName::new("Web").unwrap()
}

/// A publishes `Web`; B and C browse and resolve; everything settled at 10 s. Returns
/// the sim, (A, B, C) and the browses of B and C.
fn lan(seed: u64) -> (Sim, [HostId; 3], [SubscriptionId; 2]) {
    let mut sim = Sim::new(SimConfig::seeded(seed));
    let hosts = sim.add_hosts(3);
    let (a, b, c) = (hosts[0], hosts[1], hosts[2]);
    let info = ServiceInfo::builder("Web", "_http._tcp", 80)
        .build()
        .unwrap();
    sim.register(a, info).unwrap();
    let bb = sim.subscribe(b, Request::browse_resolving(ty())).unwrap();
    let cb = sim.subscribe(c, Request::browse_resolving(ty())).unwrap();
    sim.run_until(Instant::from_secs(10));
    (sim, [a, b, c], [bb, cb])
}

/// When `host`'s subscription `id` reported `Web` removed, if it did.
fn removed_at(sim: &Sim, host: HostId, id: SubscriptionId) -> Option<Instant> {
    sim.client_events().iter().find_map(|r| match &r.event {
        Event::Browse(BrowseEvent::Removed { instance, .. })
            if r.host == host && r.id == id && *instance == web() =>
        {
            Some(r.time)
        }
        _ => None,
    })
}

fn outcome(sim: &Sim, host: HostId, id: SubscriptionId) -> Option<(Instant, Reconfirmation)> {
    sim.client_events().iter().find_map(|r| match &r.event {
        Event::Reconfirmed(o) if r.host == host && r.id == id => Some((r.time, *o)),
        _ => None,
    })
}

fn resolved(sim: &Sim, host: HostId, id: SubscriptionId) -> bool {
    sim.client_events().iter().any(|r| {
        r.host == host
            && r.id == id
            && matches!(&r.event, Event::Browse(BrowseEvent::Resolved(s)) if s.instance == web())
    })
}

#[test]
fn rfc6762_10_4_a_crashed_service_is_gone_ten_seconds_after_the_hint() {
    sweep(
        "rfc6762_10_4_a_crashed_service_is_gone_ten_seconds_after_the_hint",
        4,
        |seed| {
            let (mut sim, [a, b, c], [bb, cb]) = lan(seed);
            if !resolved(&sim, b, bb) || !resolved(&sim, c, cb) {
                return Err("Web was not resolved by both browsers".into());
            }
            sim.crash(a);
            sim.run_for(Duration::from_secs(5));
            // B failed to connect: it reconfirms.
            let hint = sim.now();
            let r = sim.subscribe(b, Request::reconfirm(web(), ty()))?;
            sim.run_for(RECONFIRM_WINDOW + Duration::from_secs(2));
            let deadline = hint + RECONFIRM_WINDOW;
            match removed_at(&sim, b, bb) {
                Some(t) if t == deadline => {}
                other => return Err(format!("B removed Web at {other:?}, want {deadline:?}")),
            }
            match outcome(&sim, b, r) {
                Some((t, Reconfirmation::Gone)) if t == deadline => {}
                other => return Err(format!("B's outcome {other:?}, want Gone at {deadline:?}")),
            }
            // C never reconfirmed, but saw B's questions go unanswered
            // (RFC 6762 §10.5): it drops Web within the same window, not 75 minutes later.
            match removed_at(&sim, c, cb) {
                Some(t) if t <= deadline + Duration::from_secs(1) => {}
                other => {
                    return Err(format!(
                        "C removed Web at {other:?}, want by {deadline:?} + 1 s"
                    ))
                }
            }
            sim.check()
        },
    );
}

#[test]
fn rfc6762_10_4_a_live_service_is_confirmed_and_kept() {
    sweep(
        "rfc6762_10_4_a_live_service_is_confirmed_and_kept",
        4,
        |seed| {
            let (mut sim, [_, b, c], [bb, cb]) = lan(seed);
            let hint = sim.now();
            let r = sim.subscribe(b, Request::reconfirm(web(), ty()))?;
            sim.run_for(Duration::from_secs(60));
            match outcome(&sim, b, r) {
                // The answer to the first question, within a response delay (RFC 6762 §6).
                Some((t, Reconfirmation::Present)) if t <= hint + Duration::from_secs(1) => {}
                other => return Err(format!("B's outcome {other:?}, want Present within 1 s")),
            }
            for (h, id) in [(b, bb), (c, cb)] {
                if let Some(t) = removed_at(&sim, h, id) {
                    return Err(format!("{h:?} removed the live Web at {t:?}"));
                }
            }
            sim.check()
        },
    );
}
