//! The responder big LAN of `tests/responder.rs` (`big_lan`) at any size, with figures
//! per phase: every host registers a host name and 5 services (one `_http._tcp`, four
//! of other types), all browse `_http._tcp`, hosts join over the first ten seconds.
//!
//! ```text
//! cargo run --release -p mdns-sim --example lan_services -- [HOSTS] [SECONDS] [CACHE] [SEED]
//! ```
//!
//! Defaults: 100 hosts, 60 s, cache capacity 4,096 (the engine default), seed 1.
//! Prints, every simulated 10 s (then every 60 s), datagrams sent, copies delivered,
//! wall time, and cache occupancy / evictions summed over the hosts; at the end the
//! run's `SimStats` and transcript digest (the same for one seed in every run).

use core::time::Duration;
use mdns_sansio::{Instant, ServiceType};
use mdns_sim::{LinkModel, Sim, SimConfig};

fn arg(i: usize, default: u64) -> u64 {
    std::env::args()
        .nth(i)
        .map(|a| a.parse().expect("a number"))
        .unwrap_or(default)
}

fn main() {
    let n = arg(1, 100) as usize;
    let secs = arg(2, 60);
    let cache = arg(3, 4096) as usize;
    let seed = arg(4, 1);
    let mut cfg = SimConfig::seeded(seed)
        .with_link(LinkModel::lossy(1))
        .lean();
    cfg.engine.cache_capacity = cache;
    let mut sim = Sim::new(cfg);
    let ty = ServiceType::new("_http._tcp").unwrap();
    let types = [
        "_http._tcp",
        "_ipp._tcp",
        "_ssh._tcp",
        "_smb._tcp",
        "_raop._tcp",
    ];
    let hosts = sim.add_hosts(n);
    for (i, &h) in hosts.iter().enumerate() {
        let at = Instant::from_millis((i as u64 * 10_000) / n as u64);
        let ty = ty.clone();
        sim.at(at, move |s| {
            s.with_engine(h, |e, now| e.browse(now, &ty).unwrap());
            s.register_host_name(h, &format!("host{i}")).unwrap();
            for t in types {
                s.register_service(h, &format!("Service {i}"), t, 80, &[])
                    .unwrap();
            }
        });
    }
    let wall = std::time::Instant::now();
    let mut t = 0;
    let (mut last_sent, mut last_deliv, mut last_wall) = (0, 0, 0.0);
    while t < secs {
        let step = if t < 60 { 10 } else { 60 }.min(secs - t);
        sim.run_for(Duration::from_secs(step));
        t += step;
        let s = sim.stats();
        let w = wall.elapsed().as_secs_f64();
        let (mut len, mut ev, mut rx, mut tx) = (0usize, 0u64, 0u64, 0u64);
        for &h in &hosts {
            if let Some(e) = sim.engine(h) {
                len += e.cache_len();
                let st = e.stats();
                ev += st.cache_evictions;
                rx += st.received;
                tx += st.sent;
            }
        }
        println!(
            "t={t:>4}s wall {w:8.2}s (+{:7.2}) sent +{:>8} delivered +{:>10} \
             ({:>8.0} deliveries/wall s) cache avg {:>6} evictions {ev} rx {rx} tx {tx}",
            w - last_wall,
            s.packets_sent - last_sent,
            s.delivered - last_deliv,
            (s.delivered - last_deliv) as f64 / (w - last_wall).max(1e-9),
            len / n.max(1),
        );
        (last_sent, last_deliv, last_wall) = (s.packets_sent, s.delivered, w);
    }
    let w = wall.elapsed().as_secs_f64();
    println!(
        "{n} hosts x 5 services, {secs} s: {w:.2} s wall, {:.0} host-seconds per wall second, {:?}, \
         digest {:016x}",
        sim.host_seconds() / w,
        sim.stats(),
        sim.transcript().digest()
    );
    match sim.check() {
        Ok(()) => println!("no violations"),
        Err(e) => println!("{}", &e[..e.len().min(3000)]),
    }
}
