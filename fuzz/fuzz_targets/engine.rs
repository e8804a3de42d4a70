//! The whole engine under arbitrary input: a sequence of datagrams (raw bytes, or
//! crafted responses, probes and queries about our own names, from arbitrary sources,
//! ports and interfaces), time steps, interface changes and API calls. After every
//! step the invariants must hold:
//! - nothing panics;
//! - every packet we send fits the payload limit and parses cleanly;
//! - the cache stays within its capacity, the event queue within its bound;
//! - every service we registered (and did not unregister) still holds some name;
//! - no record is multicast twice within a second on an interface, except to defend a
//!   probe (then 250 ms) (RFC 6762 §6).

#![no_main]

use libfuzzer_sys::fuzz_target;
use mdns_sansio::engine::responder::{HostRegistration, ServiceRegistration};
use mdns_sansio::engine::{
    Config, Destination, Engine, Event, IfAddr, InterfaceId, RecvMeta, RegistrationId,
};
use mdns_sansio::sd::{InstanceName, ServiceType, Txt};
use mdns_sansio::wire::{Class, Message, MessageWriter, RecordData, Rtype, Section};
use mdns_sansio::{Instant, Name};
use std::collections::BTreeMap;
use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

const IFACES: [InterfaceId; 2] = [InterfaceId(1), InterfaceId(2)];
const INSTANCES: [&str; 3] = ["Printer", "Box", "Printer (2)"];
/// Subtypes added to and removed from live registrations.
const SUBTYPES: [&str; 3] = ["_printer", "_CM", "_L3840"];
const SOURCES: [&str; 6] = [
    "10.0.0.2", "10.0.0.3", "10.0.0.1", "192.0.2.9", "fe80::2", "fd00::7",
];
const CAPACITY: usize = 64;

/// Reads the fuzzer's bytes as choices.
struct Input<'a>(&'a [u8]);

impl Input<'_> {
    fn byte(&mut self) -> Option<u8> {
        let (&b, rest) = self.0.split_first()?;
        self.0 = rest;
        Some(b)
    }
    fn pick<T: Copy>(&mut self, items: &[T]) -> Option<T> {
        Some(items[usize::from(self.byte()?) % items.len()])
    }
    fn u16(&mut self) -> Option<u16> {
        Some(u16::from_be_bytes([self.byte()?, self.byte()?]))
    }
    fn bytes(&mut self, n: usize) -> &[u8] {
        let n = n.min(self.0.len());
        let (a, b) = self.0.split_at(n);
        self.0 = b;
        a
    }
}

struct World {
    e: Engine,
    now: Instant,
    /// Services registered and not unregistered, and whether they failed.
    live: BTreeMap<RegistrationId, bool>,
    /// (interface, family v4?, record bytes) → when we last multicast it.
    sent: BTreeMap<(InterfaceId, bool, Vec<u8>), Instant>,
    /// When a probe for a name (lower-case text) last arrived from someone else.
    probes: BTreeMap<String, Instant>,
    host: Name,
}

fn addrs(id: InterfaceId) -> Vec<IfAddr> {
    let n = id.0 as u8;
    vec![
        IfAddr {
            addr: IpAddr::from([10, 0, n - 1, 1]),
            prefix_len: 24,
        },
        IfAddr {
            addr: format!("fe80::{n}").parse().unwrap(),
            prefix_len: 64,
        },
    ]
}

fn our_names(w: &World) -> Vec<Name> {
    let mut v: Vec<Name> = w
        .live
        .keys()
        .filter_map(|id| w.e.registered_name(*id).cloned())
        .collect();
    v.push(w.host.clone());
    v.push(Name::parse("_http._tcp.local").unwrap());
    v
}

fn craft(
    w: &World,
    inp: &mut Input<'_>,
    kind: u8,
) -> Option<Vec<u8>> {
    let names = our_names(w);
    let name = names[usize::from(inp.byte()?) % names.len()].clone();
    let mut buf = vec![0u8; 1500];
    let flags = inp.byte()?;
    let mut msg = match kind {
        0 => MessageWriter::response(&mut buf, 0)?,
        _ => MessageWriter::query(&mut buf)?,
    };
    if kind != 0 {
        let qtype = inp.pick(&[Rtype::ANY, Rtype::SRV, Rtype::TXT, Rtype::A, Rtype::PTR, Rtype::AAAA])?;
        // Bit 3: a later packet of a multi-packet query, known answers only
        // (RFC 6762 §7.2).
        if flags & 8 == 0 {
            msg.push_question(&name, qtype, Class::IN, flags & 1 != 0).ok()?;
        }
        msg.set_truncated(flags & 2 != 0);
    }
    let records = inp.byte()? % 4;
    for _ in 0..records {
        let data = match inp.byte()? % 5 {
            0 => RecordData::A(std::net::Ipv4Addr::from(u32::from(inp.u16()?))),
            1 => RecordData::Srv {
                priority: 0,
                weight: 0,
                port: inp.u16()?,
                target: w.host.clone(),
            },
            2 => RecordData::Txt(inp.bytes(8).iter().map(|b| b % 8).collect::<Vec<u8>>().as_slice().into()),
            3 => RecordData::Ptr(name.clone()),
            _ => RecordData::Aaaa(std::net::Ipv6Addr::from(u128::from(inp.u16()?))),
        };
        let ttl = [0u32, 1, 10, 120, 4500][usize::from(inp.byte()? % 5)];
        let section = match kind {
            0 => Section::Answer,
            1 => Section::Authority, // a probe
            _ => Section::Answer,    // known answers
        };
        let owner = if matches!(data, RecordData::Ptr(_)) {
            Name::parse("_http._tcp.local").unwrap()
        } else {
            name.clone()
        };
        let _ = msg.push_record(section, &owner, Class::IN, flags & 4 != 0, ttl, &data);
    }
    let len = msg.finish();
    buf.truncate(len);
    Some(buf)
}

impl World {
    fn drain(&mut self) {
        let mut buf = [0u8; 9000];
        let limit = self.e.config().payload_limit();
        while let Some(t) = self.e.poll_transmit(self.now, &mut buf) {
            assert!(t.size <= limit, "transmit of {} bytes over the limit {limit}", t.size);
            let msg = Message::parse(&buf[..t.size]).expect("we send parsable packets");
            if trace() {
                eprintln!("{:>8} ms sent {:?} {:?}", self.now.as_millis(), t.destination, t.interface);
                print_msg(&msg);
            }
            assert!(msg.questions().all(|q| q.is_ok()), "our questions parse");
            assert!(msg.records().all(|r| r.is_ok()), "our records parse");
            let v4 = match t.destination {
                Destination::MulticastV4 => true,
                Destination::MulticastV6 => false,
                Destination::Unicast(_) => continue,
            };
            if !msg.header().is_response() {
                continue;
            }
            for r in msg.records().flatten() {
                if r.section == Section::Authority {
                    continue;
                }
                let mut key = Vec::new();
                r.name.write_uncompressed(&mut key);
                key.extend_from_slice(&r.rtype.0.to_be_bytes());
                r.rdata.write_canonical(&mut key);
                let k = (t.interface, v4, key);
                if r.ttl == 0 {
                    // A goodbye ends the life of the name's records (its NSEC goes
                    // with them): announcing them again after a re-registration starts
                    // a new one.
                    let mut owner = Vec::new();
                    r.name.write_uncompressed(&mut owner);
                    self.sent
                        .retain(|(i, f, key), _| !(*i == t.interface && *f == v4 && key.starts_with(&owner)));
                    continue;
                }
                if let Some(&last) = self.sent.get(&k) {
                    let gap = self.now - last;
                    let name = r.name.to_string().to_ascii_lowercase();
                    let defending = self
                        .probes
                        .get(&name)
                        .is_some_and(|p| self.now - *p <= Duration::from_secs(1));
                    let min = if defending {
                        Duration::from_millis(250)
                    } else {
                        Duration::from_secs(1)
                    };
                    assert!(
                        gap >= min,
                        "{} {} multicast twice {gap:?} apart on {:?}",
                        r.name,
                        r.rtype,
                        t.interface
                    );
                }
                self.sent.insert(k, self.now);
            }
        }
        while let Some(ev) = self.e.poll_event() {
            if let Event::RegistrationFailed { id, .. } = ev {
                self.live.insert(id, true);
            }
        }
        assert!(self.e.cache_len() <= CAPACITY);
        for (id, failed) in &self.live {
            assert!(
                *failed || self.e.registered_name(*id).is_some(),
                "registration {id:?} lost its name"
            );
        }
    }

    fn deliver(&mut self, inp: &mut Input<'_>, bytes: &[u8]) -> Option<()> {
        let ip: IpAddr = inp.pick(&SOURCES)?.parse().unwrap();
        let port = inp.pick(&[5353u16, 5353, 40000])?;
        let interface = inp.pick(&[IFACES[0], IFACES[1], InterfaceId(9)])?;
        let flags = inp.byte()?;
        let meta = RecvMeta {
            source: SocketAddr::new(ip, port),
            interface,
            multicast: flags & 1 == 0,
            ttl: Some(if flags & 2 == 0 { 255 } else { 1 }),
        };
        // Remember probes from others, for the rate-limit exemption.
        if let Ok(m) = Message::parse(bytes) {
            if !m.header().is_response() && m.header().nscount > 0 {
                for q in m.questions().flatten() {
                    self.probes
                        .insert(q.name.to_string().to_ascii_lowercase(), self.now);
                }
            }
        }
        if trace() {
            eprintln!("{:>8} ms recv from {} on {:?} mcast={}", self.now.as_millis(), meta.source, meta.interface, meta.multicast);
            if let Ok(m) = Message::parse(bytes) {
                print_msg(&m);
            }
        }
        self.e.handle_datagram(self.now, meta, bytes);
        Some(())
    }

    fn step(&mut self, inp: &mut Input<'_>) -> Option<()> {
        let op = inp.byte()? % 12;
        if trace() && !matches!(op, 0..=3) {
            eprintln!("{:>8} ms step {op} ({})", self.now.as_millis(), ["", "", "", "", "time", "time", "next timer", "register", "unregister", "update txt", "query", "interface"][usize::from(op)]);
        }
        match op {
            0 | 1 => {
                let len = usize::from(inp.byte()?) * 2;
                let bytes = inp.bytes(len).to_vec();
                self.deliver(inp, &bytes)?;
            }
            2 | 3 => {
                let kind = inp.byte()? % 3;
                let bytes = craft(self, inp, kind)?;
                self.deliver(inp, &bytes)?;
            }
            4 | 5 => {
                let ms = u64::from(inp.u16()?);
                self.now += Duration::from_millis(ms);
                self.e.handle_timeout(self.now);
            }
            6 => {
                // Jump to the engine's next timer.
                if let Some(t) = self.e.poll_timeout() {
                    self.now = self.now.max(t);
                    self.e.handle_timeout(self.now);
                }
            }
            7 => {
                let instance = InstanceName::new(inp.pick(&INSTANCES)?).unwrap();
                let reg = ServiceRegistration::builder(instance, ServiceType::new("_http._tcp").unwrap())
                    .port(inp.u16()?)
                    .host(self.host.clone())
                    .build()
                    .unwrap();
                if let Ok(id) = self.e.register_service(self.now, reg) {
                    self.live.insert(id, false);
                }
            }
            8 => {
                let ids: Vec<RegistrationId> = self.live.keys().copied().collect();
                if let Some(id) = ids.get(usize::from(inp.byte()?) % ids.len().max(1)) {
                    let _ = self.e.unregister(self.now, *id);
                    self.live.remove(id);
                }
            }
            9 => {
                let ids: Vec<RegistrationId> = self.live.keys().copied().collect();
                if let Some(id) = ids.get(usize::from(inp.byte()?) % ids.len().max(1)) {
                    // A TXT update, or a subtype added or removed live (RFC 6763 §7.1).
                    match inp.byte()? % 3 {
                        0 => {
                            let txt = Txt::builder().entry("v", [inp.byte()?]).build().unwrap();
                            let _ = self.e.update_txt(self.now, *id, txt);
                        }
                        1 => drop(self.e.add_subtype(self.now, *id, inp.pick(&SUBTYPES)?)),
                        _ => drop(self.e.remove_subtype(self.now, *id, inp.pick(&SUBTYPES)?)),
                    }
                }
            }
            10 => {
                let ty = ServiceType::new("_http._tcp").unwrap();
                let printer = Name::parse("Printer._http._tcp.local").unwrap();
                match inp.byte()? % 4 {
                    0 => drop(self.e.browse(self.now, &ty)),
                    1 => drop(self.e.resolve(self.now, &printer)),
                    2 => drop(self.e.reconfirm_service(self.now, &printer)),
                    _ => drop(self.e.lookup_host(self.now, &self.host.clone())),
                }
            }
            _ => {
                let id = inp.pick(&IFACES)?;
                if inp.byte()? % 2 == 0 {
                    self.e.interface_down(self.now, id);
                } else {
                    self.e.interface_up(self.now, id, &addrs(id));
                }
                // A link change starts the rate limit over on that interface.
                self.sent.retain(|k, _| k.0 != id);
            }
        }
        self.drain();
        Some(())
    }
}

/// `ENGINE_FUZZ_TRACE=1 cargo fuzz run engine ARTIFACT` prints every packet.
fn trace() -> bool {
    std::env::var_os("ENGINE_FUZZ_TRACE").is_some()
}

fn print_msg(m: &Message<'_>) {
    let h = m.header();
    eprintln!("    {} tc={}", if h.is_response() { "response" } else { "query" }, h.truncated());
    for q in m.questions().flatten() {
        eprintln!("    Q  {} {}{}", q.name, q.qtype, if q.unicast_response { " QU" } else { "" });
    }
    for r in m.records().flatten() {
        eprintln!("    {:?} {} {} ttl={} flush={}", r.section, r.name, r.rtype, r.ttl, r.cache_flush);
    }
}

fuzz_target!(|data: &[u8]| {
    let mut inp = Input(data);
    let seed = u64::from(inp.u16().unwrap_or(0));
    let mut config = Config::with_seed(seed);
    config.cache_capacity = CAPACITY;
    config.max_queries = 16;
    let e = Engine::new(config);
    let host = Name::parse("fuzzhost.local").unwrap();
    let mut w = World {
        e,
        now: Instant::ZERO,
        live: BTreeMap::new(),
        sent: BTreeMap::new(),
        probes: BTreeMap::new(),
        host: host.clone(),
    };
    for id in IFACES {
        w.e.interface_up(w.now, id, &addrs(id));
    }
    let h = HostRegistration::builder(host).build().unwrap();
    w.e.register_host(w.now, h).unwrap();
    for _ in 0..256 {
        if w.step(&mut inp).is_none() {
            break;
        }
    }
});
