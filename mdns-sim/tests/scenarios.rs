//! Whole-LAN scenarios with engines on every host.
//!
//! Seeds: `MDNS_SIM_SEED=N` replays one seed, `MDNS_SIM_SEEDS=K` sweeps K seeds,
//! `MDNS_SIM_SEED_BASE=B` starts the sweep at B. A failure prints the exact command.
//!
//! Querier scenarios against a scripted responder are in `tests/querier.rs`.
//!
//! Scenarios with the engines' own responders (name conflicts, partition healing,
//! browsing real responders under loss, crash, goodbyes, TXT updates, link bounce,
//! 1,000 hosts with 5 services each) are in `tests/responder.rs`.

use core::time::Duration;
use mdns_sansio::ServiceType;
use mdns_sim::*;

fn browsing_lan(seed: u64, hosts: usize, minutes: u64, link: LinkModel, lean: bool) -> Sim {
    let mut cfg = SimConfig::seeded(seed).with_link(link);
    if lean {
        cfg = cfg.lean();
    }
    let mut sim = Sim::new(cfg);
    let ty = ServiceType::new("_http._tcp").unwrap();
    for i in 0..hosts {
        let h = sim.add_host();
        // Hosts start browsing (and resolving) over the first ten seconds.
        let at = mdns_sansio::Instant::from_millis((i as u64 * 10_000) / hosts as u64);
        let ty = ty.clone();
        sim.at(at, move |s| {
            s.subscribe(h, mdns_sansio_client::Request::browse_resolving(ty))
                .unwrap();
        });
    }
    sim.run_for(Duration::from_secs(60 * minutes));
    sim
}

/// 20 browsing hosts on a hostile link (loss, bursts, jitter, duplicates,
/// reordering), with a partition, a crash and a link bounce: no violation, and two
/// runs of one seed give the same transcript byte for byte.
#[test]
fn browsing_lan_with_faults_is_deterministic_and_clean() {
    sweep(
        "browsing_lan_with_faults_is_deterministic_and_clean",
        4,
        |seed| {
            let run = |seed| {
                let mut cfg = SimConfig::seeded(seed).with_link(LinkModel::hostile(10));
                cfg.record_deliveries = true;
                let mut sim = Sim::new(cfg);
                let ty = ServiceType::new("_http._tcp").unwrap();
                let hosts = sim.add_hosts(20);
                for &h in &hosts {
                    sim.with_engine(h, |e, now| e.browse(now, &ty).unwrap());
                }
                let (a, b, c) = (hosts[0], hosts[1], hosts[2]);
                let half: Vec<HostId> = hosts[..10].to_vec();
                sim.at(mdns_sansio::Instant::from_secs(5), move |s| {
                    s.partition(&[&half])
                });
                sim.at(mdns_sansio::Instant::from_secs(20), |s| s.heal());
                sim.at(mdns_sansio::Instant::from_secs(30), move |s| s.crash(a));
                sim.at(mdns_sansio::Instant::from_secs(40), move |s| {
                    s.bounce(
                        b,
                        mdns_sansio::engine::InterfaceId(2),
                        Duration::from_secs(3),
                    )
                });
                sim.at(mdns_sansio::Instant::from_secs(50), move |s| {
                    s.add_host();
                    s.with_engine(c, |e, now| e.browse_types(now).unwrap());
                });
                sim.run_for(Duration::from_secs(300));
                sim
            };
            let sim = assert_deterministic(seed, run)?;
            sim.check()
        },
    );
}

/// 1,000 hosts browsing one type (and resolving whatever they find) for ten
/// simulated minutes; prints the simulation speed. Too slow for CI in debug builds:
///
/// ```text
/// cargo test --release -p mdns-sim --test scenarios lan_1000_hosts -- --ignored --nocapture
/// ```
#[test]
#[ignore = "heavy in debug builds; run in release (see doc comment)"]
fn lan_1000_hosts_browsing_ten_minutes() {
    let wall = std::time::Instant::now();
    let sim = browsing_lan(1, 1000, 10, LinkModel::lossy(10), true);
    let secs = wall.elapsed().as_secs_f64();
    println!(
        "1000 hosts x 10 min: {secs:.2} s wall, {:.0} simulated host-seconds per wall second, {:?}",
        sim.host_seconds() / secs,
        sim.stats()
    );
    sim.check().unwrap();
}

/// A small version of the above that runs in CI and prints the speed.
#[test]
fn lan_100_hosts_browsing_speed() {
    let wall = std::time::Instant::now();
    let sim = browsing_lan(1, 100, 10, LinkModel::lossy(10), true);
    let secs = wall.elapsed().as_secs_f64();
    println!(
        "100 hosts x 10 min: {secs:.2} s wall, {:.0} simulated host-seconds per wall second",
        sim.host_seconds() / secs
    );
    sim.check().unwrap();
}

/// Hosts publish several services each through their client layers, browse and
/// resolve, unregister one and leave: two runs of a seed give byte-identical
/// transcripts (datagrams, deliveries, engine and client events), goodbyes included:
/// no hash order reaches a packet or an event.
#[test]
fn client_layers_with_registrations_and_departures_are_deterministic() {
    sweep(
        "client_layers_with_registrations_and_departures_are_deterministic",
        3,
        |seed| {
            let run = |seed| {
                let mut cfg = SimConfig::seeded(seed).with_link(LinkModel::lossy(5));
                cfg.record_deliveries = true;
                let mut sim = Sim::new(cfg);
                let ty = ServiceType::new("_http._tcp").unwrap();
                let hosts = sim.add_hosts(6);
                let mut regs = Vec::new();
                for (i, &h) in hosts.iter().enumerate() {
                    sim.subscribe(h, mdns_sansio_client::Request::browse_resolving(ty.clone()))
                        .unwrap();
                    for k in 0..4 {
                        let info = mdns_sansio_client::ServiceInfo::builder(
                            &format!("S{k}"),
                            "_http._tcp",
                            8000 + i as u16,
                        )
                        .host(&format!("h{i}x{}", k % 2))
                        .build()
                        .unwrap();
                        regs.push((h, sim.register(h, info).unwrap()));
                    }
                }
                sim.run_for(Duration::from_secs(20));
                let (h, id) = regs[1];
                sim.with_client(h, |c, now| c.unregister(now, id).unwrap());
                sim.leave(hosts[2]);
                sim.leave(hosts[3]);
                sim.run_for(Duration::from_secs(20));
                sim
            };
            let sim = assert_deterministic(seed, run)?;
            if sim.client_events().is_empty() {
                return Err("no client events".into());
            }
            sim.check()?;
            sim.reported().check_rules()
        },
    );
}
