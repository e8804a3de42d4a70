//! Querier scenarios: engines browse and resolve services published by a scripted
//! foreign responder (a test double that answers queries with injected datagrams:
//! PTR, SRV, TXT and A, known-answer suppression, announcements, goodbyes). These do
//! not need the engine's own responder.
//!
//! Seeds: `MDNS_SIM_SEED=N` replays one, `MDNS_SIM_SEEDS=K` sweeps K.

use core::time::Duration;
use mdns_sansio::engine::{Destination, InterfaceId, SourcePort};
use mdns_sansio::wire::{Class, Message, MessageWriter, RecordData, Section};
use mdns_sansio::{Event, Instant, Name, ServiceType};
use mdns_sansio_client::Request;
use mdns_sim::*;
use std::cell::RefCell;
use std::net::{IpAddr, Ipv4Addr};
use std::rc::Rc;

const IF: InterfaceId = InterfaceId(2);

/// A record: owner, cache-flush, TTL, data.
type Rec = (Name, bool, u32, RecordData);

#[derive(Clone, Debug)]
struct Service {
    instance: Name,
    ty: Name,
    port: u16,
    txt: Vec<u8>,
}

struct Double {
    host: HostId,
    host_name: Name,
    addr: Ipv4Addr,
    services: Vec<Service>,
}

impl Double {
    fn records(&self) -> Vec<Rec> {
        let mut v = Vec::new();
        for s in &self.services {
            v.push((
                s.ty.clone(),
                false,
                4500,
                RecordData::Ptr(s.instance.clone()),
            ));
            v.push((
                s.instance.clone(),
                true,
                120,
                RecordData::Srv {
                    priority: 0,
                    weight: 0,
                    port: s.port,
                    target: self.host_name.clone(),
                },
            ));
            v.push((
                s.instance.clone(),
                true,
                4500,
                RecordData::Txt(s.txt.as_slice().into()),
            ));
        }
        v.push((self.host_name.clone(), true, 120, RecordData::A(self.addr)));
        v
    }

    /// A multicast response with every record (TTL 0 for a goodbye).
    fn announcement(&self, goodbye: bool) -> Vec<u8> {
        let recs: Vec<_> = self
            .records()
            .into_iter()
            .map(|r| (r, Section::Answer))
            .collect();
        write(&recs, goodbye)
    }

    /// The answer to a query, if any: matching records not in the known-answer list,
    /// with SRV, TXT and A as additional records for PTR answers.
    fn answer(&self, query: &[u8]) -> Option<Vec<u8>> {
        let msg = Message::parse(query).ok()?;
        if msg.header().is_response() {
            return None;
        }
        let known: Vec<(Name, Vec<u8>)> = msg
            .records()
            .flatten()
            .filter(|r| r.section == Section::Answer)
            .map(|r| {
                let mut d = Vec::new();
                r.rdata.write_canonical(&mut d);
                (r.name.to_name(), d)
            })
            .collect();
        let all = self.records();
        let mut out = Vec::new();
        for q in msg.questions().flatten() {
            for r in &all {
                let rtype = r.3.rtype().unwrap();
                if q.name.eq_name(&r.0) && q.qtype.matches(rtype) {
                    let mut d = Vec::new();
                    r.3.write_canonical(&mut d);
                    if known.iter().any(|k| k.0 == r.0 && k.1 == d) {
                        continue;
                    }
                    if !out.iter().any(|(o, _): &(Rec, Section)| o == r) {
                        out.push((r.clone(), Section::Answer));
                    }
                    if let RecordData::Ptr(inst) = &r.3 {
                        for a in &all {
                            if a.0 == *inst || a.0 == self.host_name {
                                out.push((a.clone(), Section::Additional));
                            }
                        }
                    }
                }
            }
        }
        out.sort_by_key(|r| r.1);
        (!out.is_empty()).then(|| write(&out, false))
    }
}

fn write(recs: &[(Rec, Section)], goodbye: bool) -> Vec<u8> {
    let mut buf = vec![0; 1440];
    let mut w = MessageWriter::response(&mut buf, 0).unwrap();
    for ((name, flush, ttl, data), section) in recs {
        let ttl = if goodbye { 0 } else { *ttl };
        w.push_record(*section, name, Class::IN, *flush, ttl, data)
            .unwrap();
    }
    let n = w.finish();
    buf.truncate(n);
    buf
}

#[derive(Default)]
struct World {
    doubles: Vec<Double>,
    inbox: Vec<(HostId, Vec<u8>)>,
}

/// Sets up the tap that hands queries arriving at a double's host to the double.
fn world(sim: &mut Sim) -> Rc<RefCell<World>> {
    let w: Rc<RefCell<World>> = Rc::default();
    let w2 = w.clone();
    sim.set_tap(move |_, to, meta, data| {
        let mut w = w2.borrow_mut();
        if meta.source.is_ipv4() && w.doubles.iter().any(|d| d.host == to) {
            w.inbox.push((to, data.to_vec()));
        }
    });
    w
}

/// Adds a host whose "stack" is the double (its engine runs but does nothing).
fn add_double(sim: &mut Sim, w: &Rc<RefCell<World>>, label: &str, ty: &Name, n: usize) -> HostId {
    let host = sim.add_host();
    let IpAddr::V4(addr) = sim.interfaces(host)[0].2[0].addr else {
        unreachable!()
    };
    let services = (0..n)
        .map(|i| Service {
            instance: ty.prepend(format!("{label} {i}").as_bytes()).unwrap(),
            ty: ty.clone(),
            port: 8000 + i as u16,
            txt: b"\x05v=1.0".to_vec(),
        })
        .collect();
    w.borrow_mut().doubles.push(Double {
        host,
        host_name: Name::parse(&format!("{label}.local.")).unwrap(),
        addr,
        services,
    });
    host
}

fn announce(sim: &mut Sim, w: &Rc<RefCell<World>>, host: HostId, goodbye: bool) {
    let pkt = w
        .borrow()
        .doubles
        .iter()
        .find(|d| d.host == host)
        .unwrap()
        .announcement(goodbye);
    sim.inject(host, IF, Destination::MulticastV4, SourcePort::Mdns, &pkt);
}

/// Runs the simulation to `until`, letting doubles answer queries 20–120 ms later.
fn drive(sim: &mut Sim, w: &Rc<RefCell<World>>, until: Instant) {
    let mut rng = mdns_sansio::rand::Rng::new(sim.seed() ^ 0xd0b1e);
    while sim.next_time().is_some_and(|t| t <= until) {
        sim.step();
        let inbox = std::mem::take(&mut w.borrow_mut().inbox);
        for (host, query) in inbox {
            let Some(reply) = w
                .borrow()
                .doubles
                .iter()
                .find(|d| d.host == host)
                .and_then(|d| d.answer(&query))
            else {
                continue;
            };
            let delay = rng.duration_between(Duration::from_millis(20), Duration::from_millis(120));
            sim.at(sim.now() + delay, move |s| {
                s.inject(host, IF, Destination::MulticastV4, SourcePort::Mdns, &reply)
            });
        }
    }
    sim.run_until(until);
}

/// Hosts whose application browses `ty` and resolves what it finds (one
/// browse-and-resolve subscription of the client layer each).
fn browsers(sim: &mut Sim, n: usize, ty: &ServiceType) -> Vec<HostId> {
    (0..n)
        .map(|_| {
            let h = sim.add_host();
            sim.subscribe(h, Request::browse_resolving(ty.clone()))
                .unwrap();
            h
        })
        .collect()
}

fn instances(w: &Rc<RefCell<World>>, since: Instant) -> Vec<(Name, Instant)> {
    w.borrow()
        .doubles
        .iter()
        .flat_map(|d| d.services.iter().map(|s| (s.instance.clone(), since)))
        .collect()
}

fn browse_scenario(seed: u64, loss: u32) -> (Sim, Result<(), String>) {
    let mut cfg = SimConfig::seeded(seed).with_link(LinkModel::lossy(loss));
    cfg.record_deliveries = std::env::var("DELIVERIES").is_ok();
    let mut sim = Sim::new(cfg);
    let w = world(&mut sim);
    let ty = ServiceType::new("_http._tcp").unwrap();
    for i in 0..4 {
        add_double(&mut sim, &w, &format!("printer{i}"), &ty.to_name(), 2);
    }
    let b = browsers(&mut sim, 8, &ty);
    // The doubles announce twice, one second apart.
    let hosts: Vec<HostId> = w.borrow().doubles.iter().map(|d| d.host).collect();
    for &t in &[Instant::from_millis(500), Instant::from_millis(1500)] {
        drive(&mut sim, &w, t);
        for &h in &hosts {
            announce(&mut sim, &w, h, false);
        }
    }
    let bound = match loss {
        0 => Duration::from_secs(2),
        1..=10 => Duration::from_secs(20),
        // Queries back off 1, 3, 7, 15, 31, 63, 127 s, and at 30 % loss one browser's
        // round fails about half the time (its query or the answer lost; the doubles
        // answer IPv4 only): seed 700 finds a service at 63.2 s, and in a 5,000-seed
        // sweep seed 1618 loses both announcements and six rounds and finds two at
        // 127.1 s. The bound is the seventh round. (Seeds 653 and 1400 of the same
        // sweep, at 127 s and 511 s, were an engine bug: RFC 6762 §7.3 counted the IPv4
        // and IPv6 copies of a peer's query twice.)
        _ => Duration::from_secs(130),
    };
    drive(&mut sim, &w, Instant::from_secs(180));
    let res = sim
        .tracker()
        .check_found_ext(
            &b,
            &instances(&w, Instant::ZERO),
            bound,
            true,
            loss == 0,
            sim.now(),
        )
        .and_then(|()| sim.check());
    (sim, res)
}

#[test]
fn browse_and_resolve_without_loss() {
    sweep("browse_and_resolve_without_loss", 8, |seed| {
        browse_scenario(seed, 0).1
    });
}

#[test]
fn browse_and_resolve_with_10_percent_loss() {
    sweep("browse_and_resolve_with_10_percent_loss", 8, |seed| {
        browse_scenario(seed, 10).1
    });
}

#[test]
fn browse_and_resolve_with_30_percent_loss() {
    sweep("browse_and_resolve_with_30_percent_loss", 8, |seed| {
        browse_scenario(seed, 30).1
    });
}

#[test]
fn browse_scenario_is_deterministic() {
    for seed in seeds(2) {
        assert_deterministic(seed, |s| browse_scenario(s, 30).0).unwrap();
    }
}

/// A departure scenario: two doubles, four browsers; double 0 leaves at 10 s with a
/// goodbye or by crashing.
fn departure_scenario(seed: u64, goodbye: bool) -> Result<(), String> {
    let mut sim = Sim::new(SimConfig::seeded(seed));
    let w = world(&mut sim);
    let ty = ServiceType::new("_ipp._tcp").unwrap();
    let d0 = add_double(&mut sim, &w, "left", &ty.to_name(), 1);
    let _d1 = add_double(&mut sim, &w, "stays", &ty.to_name(), 1);
    let b = browsers(&mut sim, 4, &ty);
    drive(&mut sim, &w, Instant::from_secs(10));
    sim.tracker().check_found(
        &b,
        &instances(&w, Instant::ZERO),
        Duration::from_secs(2),
        true,
        sim.now(),
    )?;
    let gone_name = w.borrow().doubles[0].services[0].instance.clone();
    let left = sim.now();
    let bound = if goodbye {
        announce(&mut sim, &w, d0, true);
        // One second after the goodbye arrives (RFC 6762 §10.1), plus the link delay.
        Duration::from_secs(1) + Duration::from_millis(2)
    } else {
        sim.crash(d0);
        // The PTR record's TTL plus one second.
        Duration::from_secs(4501)
    };
    w.borrow_mut().doubles.remove(0);
    drive(&mut sim, &w, left + bound + Duration::from_secs(1));
    if let Ok(pat) = std::env::var("PAT") {
        let from: u64 = std::env::var("FROM").unwrap().parse().unwrap();
        let to: u64 = std::env::var("TO").unwrap().parse().unwrap();
        let tr = sim
            .transcript()
            .render(Instant::from_millis(from), Instant::from_millis(to));
        for l in tr
            .lines()
            .filter(|l| l.contains(&pat) && !l.contains("fe80"))
        {
            eprintln!("{l}");
        }
        for e in sim
            .events_of(b[0])
            .filter(|e| e.time >= Instant::from_millis(from))
        {
            eprintln!("{:?} {:?}", e.time, e.event);
        }
    }
    let removed: Vec<u32> = b
        .iter()
        .map(|&h| sim.tracker().seen(h, &gone_name).removed_ms)
        .collect();
    eprintln!(
        "seed {seed}: {} at {left:?}; browsers removed it at {removed:?} ms",
        if goodbye { "goodbye" } else { "crash" }
    );
    sim.tracker()
        .check_removed(&b, &[(gone_name, left, bound)], sim.now())?;
    let stays = instances(&w, Instant::ZERO);
    sim.tracker()
        .check_found(&b, &stays, Duration::from_secs(2), true, sim.now())?;
    sim.check()
}

#[test]
fn goodbye_removes_within_a_second() {
    sweep("goodbye_removes_within_a_second", 8, |seed| {
        departure_scenario(seed, true)
    });
}

#[test]
fn crash_without_goodbye_removes_within_ttl() {
    sweep("crash_without_goodbye_removes_within_ttl", 4, |seed| {
        departure_scenario(seed, false)
    });
}

/// The double changes its TXT at 20 s and announces it (cache-flush): every
/// resolving browser reports the new TXT within a second.
#[test]
fn txt_update_reaches_every_browser() {
    sweep("txt_update_reaches_every_browser", 8, |seed| {
        let mut sim = Sim::new(SimConfig::seeded(seed));
        let w = world(&mut sim);
        let ty = ServiceType::new("_http._tcp").unwrap();
        let d = add_double(&mut sim, &w, "tv", &ty.to_name(), 1);
        let b = browsers(&mut sim, 5, &ty);
        drive(&mut sim, &w, Instant::from_secs(20));
        let new_txt = b"\x05v=2.0".to_vec();
        w.borrow_mut().doubles[0].services[0].txt = new_txt.clone();
        announce(&mut sim, &w, d, false);
        let changed = sim.now();
        drive(&mut sim, &w, changed + Duration::from_secs(5));
        for &h in &b {
            let got = sim.events_of(h).find_map(|e| match &e.event {
                Event::ServiceUpdated { service, .. } | Event::ServiceResolved { service, .. }
                    if service.txt == new_txt =>
                {
                    Some(e.time)
                }
                _ => None,
            });
            match got {
                Some(t) if t <= changed + Duration::from_secs(1) => {}
                other => {
                    return Err(format!(
                        "{h} saw the new TXT at {other:?}, changed at {changed:?}\n{}",
                        sim.transcript().render(
                            changed - Duration::from_secs(1),
                            changed + Duration::from_secs(2)
                        )
                    ))
                }
            }
        }
        sim.check()
    });
}

/// Datagrams the engine must shrug off: truncated, garbage, a response from a
/// non-5353 port, a query with a pointer loop. No panic, no violation, and browsing
/// still works afterwards.
#[test]
fn garbage_on_the_link_does_not_hurt() {
    sweep("garbage_on_the_link_does_not_hurt", 8, |seed| {
        let mut sim = Sim::new(SimConfig::seeded(seed));
        let w = world(&mut sim);
        let ty = ServiceType::new("_http._tcp").unwrap();
        let d = add_double(&mut sim, &w, "ok", &ty.to_name(), 1);
        let b = browsers(&mut sim, 3, &ty);
        let mut rng = mdns_sansio::rand::Rng::new(seed);
        let good = w.borrow().doubles[0].announcement(false);
        for i in 0..300u64 {
            let mut pkt = good.clone();
            let n = rng.range_inclusive(1, 8);
            for _ in 0..n {
                let at = rng.range_inclusive(0, pkt.len() as u64 - 1) as usize;
                pkt[at] = rng.next_u64() as u8;
            }
            if i % 7 == 0 {
                pkt.truncate(rng.range_inclusive(0, pkt.len() as u64) as usize);
            }
            let port = if i % 5 == 0 {
                SourcePort::Ephemeral
            } else {
                SourcePort::Mdns
            };
            sim.at(Instant::from_millis(100 + i * 10), move |s| {
                s.inject(d, IF, Destination::MulticastV4, port, &pkt)
            });
        }
        drive(&mut sim, &w, Instant::from_secs(30));
        sim.tracker().check_found(
            &b,
            &instances(&w, Instant::ZERO),
            Duration::from_secs(30),
            true,
            sim.now(),
        )?;
        sim.check()
    });
}

/// Engine bug found by this simulator (seed 0, no loss): a record renewed before its
/// 80 % refresh point never gets refresh queries. `Cache::receive` (renewal branch)
/// computes `refresh_point()` while `e.expires` still holds the *previous* expiry, so
/// the new refresh time (`received + 80 % TTL`) is later than that and is dropped.
/// The SRV (TTL 120 s) answered at 127.21 s is then never refreshed: `poll_timeout` is
/// its expiry, 247.21 s, and the resolve reports `ServiceLost` for a live service;
/// only the next backoff query (255 s) finds it again.
#[test]
fn renewed_record_is_refreshed_before_it_expires() {
    sweep("renewed_record_is_refreshed_before_it_expires", 4, |seed| {
        let mut sim = Sim::new(SimConfig::seeded(seed));
        let w = world(&mut sim);
        let ty = ServiceType::new("_ipp._tcp").unwrap();
        add_double(&mut sim, &w, "stays", &ty.to_name(), 1);
        let b = browsers(&mut sim, 1, &ty);
        drive(&mut sim, &w, Instant::from_secs(600));
        if let Some(lost) = sim
            .events_of(b[0])
            .find(|e| matches!(e.event, Event::ServiceLost { .. }))
        {
            let t = lost.time;
            return Err(format!(
                "live service lost at {t:?} (SRV TTL 120 s, no loss); SRV traffic before it:\n{}",
                sim.transcript()
                    .render(t - Duration::from_secs(200), t)
                    .lines()
                    .filter(|l| l.contains("SRV") && !l.contains("fe80"))
                    .collect::<Vec<_>>()
                    .join("\n")
            ));
        }
        sim.check()
    });
}
