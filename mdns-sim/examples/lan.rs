//! A big LAN, run for a while, with the simulation speed printed.
//!
//! ```text
//! cargo run --release -p mdns-sim --example lan -- [HOSTS] [MINUTES] [LOSS%] [SEED]
//! ```
//!
//! Defaults: 1000 hosts, 10 minutes, 0 % loss, seed 1. Every host browses `_http._tcp`
//! and resolves what it finds; with a responder in the engine, every host would also
//! register services (see `tests/scenarios.rs`).

use core::time::Duration;
use mdns_sansio::ServiceType;
use mdns_sansio_client::Request;
use mdns_sim::{LinkModel, Sim, SimConfig};

fn arg(i: usize, default: u64) -> u64 {
    std::env::args()
        .nth(i)
        .map(|a| a.parse().expect("a number"))
        .unwrap_or(default)
}

fn main() {
    let hosts = arg(1, 1000) as usize;
    let minutes = arg(2, 10);
    let loss = arg(3, 0) as u32;
    let seed = arg(4, 1);
    let wall = std::time::Instant::now();
    let mut sim = Sim::new(
        SimConfig::seeded(seed)
            .with_link(LinkModel::lossy(loss))
            .lean(),
    );
    let ty = ServiceType::new("_http._tcp").unwrap();
    for _ in 0..hosts {
        let h = sim.add_host();
        sim.subscribe(h, Request::browse_resolving(ty.clone()))
            .expect("browse");
    }
    sim.run_for(Duration::from_secs(60 * minutes));
    let secs = wall.elapsed().as_secs_f64();
    let s = sim.stats();
    println!(
        "{hosts} hosts, {minutes} min simulated, {loss} % loss, seed {seed}: {:.2} s wall",
        secs
    );
    println!(
        "  packets sent {}, copies delivered {}, lost {}, wake-ups {}, events {}, steps {}",
        s.packets_sent, s.delivered, s.lost, s.wakeups, s.events, s.steps
    );
    println!(
        "  {:.0} simulated host-seconds per wall second",
        sim.host_seconds() / secs
    );
    println!("  digest {:016x}", sim.transcript().digest());
    match sim.check() {
        Ok(()) => println!("  no violations"),
        Err(e) => println!("{e}"),
    }
}
