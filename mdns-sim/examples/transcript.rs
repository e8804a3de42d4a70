//! Prints the transcript of a small run: `HOSTS` hosts browsing `_http._tcp` for
//! `SECONDS`, and writes it to `sim.pcap`.
//!
//! ```text
//! cargo run -p mdns-sim --example transcript -- [HOSTS] [SECONDS] [SEED] [LOSS%]
//! ```

use core::time::Duration;
use mdns_sansio::ServiceType;
use mdns_sansio_client::Request;
use mdns_sim::{Sim, SimConfig};

fn arg(i: usize, default: u64) -> u64 {
    std::env::args()
        .nth(i)
        .map(|a| a.parse().expect("a number"))
        .unwrap_or(default)
}

fn main() {
    let (hosts, secs, seed) = (arg(1, 2), arg(2, 20), arg(3, 1));
    let loss = arg(4, 0) as u32;
    let mut sim = Sim::new(SimConfig::seeded(seed).with_link(mdns_sim::LinkModel::lossy(loss)));
    let ty = ServiceType::new("_http._tcp").unwrap();
    for _ in 0..hosts {
        let h = sim.add_host();
        sim.subscribe(h, Request::browse_resolving(ty.clone()))
            .expect("browse");
    }
    sim.run_for(Duration::from_secs(secs));
    print!(
        "{}",
        sim.transcript()
            .render(mdns_sansio::Instant::ZERO, sim.now())
    );
    for e in sim.events() {
        println!("{:?} {} {:?}", e.time, e.host, e.event);
    }
    sim.write_pcap(std::fs::File::create("sim.pcap").unwrap())
        .unwrap();
    println!("{:?}; wrote sim.pcap", sim.stats());
}
