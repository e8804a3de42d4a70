//! What applications get, on a lossy LAN: every host's application browses and
//! resolves one type through its client layer (the code the runtime adapters run),
//! and some publish through it, two at a time under the same name so that one of each
//! pair is renamed (RFC 6762 §9). Publishers leave (goodbyes), crash, or unregister
//! their service. Checked on the events the subscriptions *reported*
//! ([`Reported`]), not on the engines' own:
//!
//! - along the way, no browse broke a rule (no `Removed` before `Found`, no `Resolved`
//!   of an instance it does not see, registration events in order, nothing after a
//!   final event);
//! - every live service was reported found, and resolved with its own port, by every
//!   browse within the discovery bound of the loss rate;
//! - every service that went away was reported removed within its PTR TTL + 1 s
//!   (TTLs are short here: 30 s and 60 s);
//! - at the end nothing unpublished is still reported, and what is reported was last
//!   resolved with its owner's port.
//!
//! Seeds: `MDNS_SIM_SEED=N` replays one, `MDNS_SIM_SEEDS=K` sweeps K (CI: 2). A sweep:
//!
//! ```text
//! MDNS_SIM_SEEDS=200 cargo test --release -p mdns-sim --test reported
//! ```

use core::time::Duration;
use mdns_sansio::{Instant, Name, ServiceType};
use mdns_sansio_client::{Request, ServiceInfo, SubscriptionId};
use mdns_sim::*;
use std::collections::BTreeMap;

const TYPE: &str = "_http._tcp";

/// How long a browse may take to report a service found and resolved at 10 % loss:
/// announcements at 0 s and 1 s, then the browsers' queries (RFC 6762 §5.2), as in
/// `tests/responder.rs`.
const DISCOVERY: Duration = Duration::from_secs(35);

struct Run {
    sim: Sim,
    browses: Vec<(HostId, SubscriptionId)>,
    /// Publisher → (its registration, its port).
    publishers: BTreeMap<HostId, (SubscriptionId, u16)>,
    /// Services withdrawn by their application, with when.
    unregistered: Vec<(HostId, Instant)>,
}

fn lossy_lan_with_renames(seed: u64, hosts: usize, publishers: usize) -> Result<Run, String> {
    let mut cfg = SimConfig::seeded(seed)
        .with_link(LinkModel::lossy(10))
        .lean();
    // Short TTLs (SRV 30 s, PTR 60 s): refreshes, expiries after a crash and lost
    // goodbyes all happen within two minutes.
    cfg.engine.host_ttl = 30;
    cfg.engine.other_ttl = 60;
    let mut sim = Sim::new(cfg);
    let ty = ServiceType::new(TYPE).unwrap();
    let all = sim.add_hosts(hosts);
    let mut browses = Vec::new();
    for &h in &all {
        browses.push((h, sim.subscribe(h, Request::browse_resolving(ty.clone()))?));
    }
    // Pairs register the same instance name at the same instant, a pair every half
    // second.
    let mut run = Run {
        sim,
        browses,
        publishers: BTreeMap::new(),
        unregistered: Vec::new(),
    };
    for (i, &h) in all.iter().take(publishers).enumerate() {
        let port = 8000 + i as u16;
        let at = Instant::from_millis(500 * (i as u64 / 2));
        run.sim.run_until(at.max(run.sim.now()));
        let info = ServiceInfo::builder(&format!("Printer {}", i / 2), TYPE, port)
            .txt("v", "1")
            .build()
            .map_err(|e| e.to_string())?;
        let id = run.sim.register(h, info)?;
        run.publishers.insert(h, (id, port));
    }
    // Every service is discoverable by 4 s + the discovery bound.
    run.sim.run_for(Duration::from_secs(40));
    // One publisher leaves with goodbyes, one crashes, one unregisters its service.
    let p: Vec<HostId> = run.publishers.keys().copied().collect();
    run.sim.leave(p[0]);
    run.sim.crash(p[3]);
    let (id, _) = run.publishers[&p[4]];
    run.sim
        .with_client(p[4], |c, now| c.unregister(now, id))
        .ok_or("publisher gone")?
        .map_err(|e| e.to_string())?;
    run.unregistered.push((p[4], run.sim.now()));
    // Past every departure's bound (PTR TTL + 1 s) and a few refresh cycles.
    run.sim.run_for(Duration::from_secs(65));
    Ok(run)
}

fn check(run: &Run) -> Result<(), String> {
    let sim = &run.sim;
    let now = sim.now();
    let fail = |what: &str, e: String| Err(sim.report(&format!("{what}:\n{e}\n")));
    sim.check()?;
    if let Err(e) = sim.check_names() {
        return fail("names", e);
    }
    if let Err(e) = sim.reported().check_rules() {
        return fail("reported events broke a rule", e);
    }
    let ty: Name = ServiceType::new(TYPE).unwrap().to_name();
    let port = |h: HostId| run.publishers.get(&h).map(|p| p.1);
    let live_browses: Vec<(HostId, SubscriptionId)> = run
        .browses
        .iter()
        .copied()
        .filter(|(h, _)| sim.is_alive(*h))
        .collect();
    // What is published now, and what went away (and when), from the engines' events.
    let mut live = Vec::new();
    let mut gone = Vec::new();
    for r in sim.tracker().registrations() {
        if r.name.parent() != ty {
            continue;
        }
        let left = sim.departure(r.host).map(|(t, _)| t).or_else(|| {
            run.unregistered
                .iter()
                .find(|(h, _)| *h == r.host)
                .map(|(_, t)| *t)
        });
        match (left, &r.state) {
            (Some(t), _) => gone.push((r.name.clone(), t)),
            (None, RegState::Registered) => live.push((
                r.name.clone(),
                port(r.host).ok_or("a registration by a host that published none")?,
                r.registered_at.unwrap_or(r.since),
            )),
            (None, other) => return Err(format!("{} {}: {other:?} at the end", r.host, r.name)),
        }
    }
    let renamed = sim
        .tracker()
        .registrations()
        .filter(|r| r.name.parent() == ty && r.renames > 0)
        .count();
    if renamed < run.publishers.len() / 2 {
        return Err(format!(
            "{renamed} services renamed, at least {} expected (one of each pair)",
            run.publishers.len() / 2
        ));
    }
    let reported = sim.reported();
    if let Err(e) = reported.check_found(&live_browses, &live, DISCOVERY, now) {
        return fail("discovery", e);
    }
    let ptr_ttl = Duration::from_secs(u64::from(sim.config().engine.other_ttl) + 1);
    if let Err(e) = reported.check_removed(&live_browses, &gone, ptr_ttl, now) {
        return fail("departures", e);
    }
    let current: BTreeMap<Name, u16> = live.iter().map(|(n, p, _)| (n.clone(), *p)).collect();
    if let Err(e) = reported.check_current(&live_browses, &current, false) {
        return fail("at the end", e);
    }
    Ok(())
}

/// 50 hosts, 16 publishers in 8 same-name pairs, 10 % loss.
#[test]
fn reported_events_are_right_on_a_lossy_50_host_lan_with_renames() {
    sweep(
        "reported_events_are_right_on_a_lossy_50_host_lan_with_renames",
        2,
        |seed| check(&lossy_lan_with_renames(seed, 50, 16)?),
    );
}
