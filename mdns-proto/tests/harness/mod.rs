//! A single engine on one interface, driven with crafted packets and simulated time,
//! recording everything it sends and reports. Shared by the integration tests.
#![allow(dead_code)]

use mdns_proto::engine::{Config, Engine, Event, IfAddr, InterfaceId, RecvMeta, Transmit};
use mdns_proto::wire::{Class, Message, MessageWriter, RecordData, Section};
use mdns_proto::{Instant, Name, ServiceType};
use std::net::{IpAddr, Ipv4Addr};

pub const IF1: InterfaceId = InterfaceId(1);
pub const PEER: &str = "10.0.0.2:5353";

pub fn n(s: &str) -> Name {
    Name::parse(s).unwrap()
}

/// The defaults with `seed`, then `set` applied.
pub fn config(seed: u64, set: impl FnOnce(&mut Config)) -> Config {
    let mut c = Config::with_seed(seed);
    set(&mut c);
    c
}

pub fn ms(v: u64) -> Instant {
    Instant::from_millis(v)
}

/// One engine on one interface, with everything it sent.
pub struct Host {
    pub e: Engine,
    pub now: Instant,
    pub sent: Vec<(Instant, Transmit, Vec<u8>)>,
    pub events: Vec<(Instant, Event)>,
}

impl Host {
    pub fn new(seed: u64) -> Self {
        Self::with_config(Config::with_seed(seed))
    }

    pub fn with_config(config: Config) -> Self {
        let mut e = Engine::new(config);
        let addrs = [IfAddr {
            addr: IpAddr::V4(Ipv4Addr::new(10, 0, 0, 1)),
            prefix_len: 24,
        }];
        e.interface_up(Instant::ZERO, IF1, &addrs);
        let mut h = Host {
            e,
            now: Instant::ZERO,
            sent: Vec::new(),
            events: Vec::new(),
        };
        h.drain();
        h
    }

    pub fn drain(&mut self) {
        let mut buf = [0u8; 9000];
        while let Some(t) = self.e.poll_transmit(self.now, &mut buf) {
            self.sent.push((self.now, t, buf[..t.size].to_vec()));
        }
        while let Some(ev) = self.e.poll_event() {
            self.events.push((self.now, ev));
        }
    }

    /// Runs timers up to `t`.
    pub fn run_until(&mut self, t: Instant) {
        while let Some(next) = self.e.poll_timeout() {
            if next > t {
                break;
            }
            self.now = self.now.max(next);
            self.e.handle_timeout(self.now);
            self.drain();
        }
        self.now = t;
        self.e.handle_timeout(t);
        self.drain();
    }

    pub fn deliver_from(&mut self, bytes: &[u8], source: &str, multicast: bool) {
        let meta = RecvMeta {
            source: source.parse().unwrap(),
            interface: IF1,
            multicast,
            ttl: Some(255),
        };
        self.e.handle_datagram(self.now, meta, bytes);
        self.drain();
    }

    pub fn deliver(&mut self, bytes: &[u8]) {
        self.deliver_from(bytes, PEER, true);
    }

    /// Queries sent so far: (time, questions as "name type QU?", known-answer count, TC).
    pub fn queries(&self) -> Vec<(Instant, Vec<String>, usize, bool)> {
        self.sent
            .iter()
            .filter_map(|(t, _, bytes)| {
                let m = Message::parse(bytes).unwrap();
                if m.header().is_response() {
                    return None;
                }
                let qs = m
                    .questions()
                    .map(|q| {
                        let q = q.unwrap();
                        format!(
                            "{} {}{}",
                            q.name,
                            q.qtype,
                            if q.unicast_response { " QU" } else { "" }
                        )
                    })
                    .collect();
                Some((*t, qs, m.records().count(), m.header().truncated()))
            })
            .collect()
    }

    pub fn take_events(&mut self) -> Vec<Event> {
        std::mem::take(&mut self.events)
            .into_iter()
            .map(|(_, e)| e)
            .collect()
    }
}

pub type Rec = (&'static str, u32, bool, RecordData);

pub fn response(records: &[Rec]) -> Vec<u8> {
    let mut buf = vec![0u8; 9000];
    let mut w = MessageWriter::response(&mut buf, 0).unwrap();
    for (name, ttl, flush, data) in records {
        w.push_record(Section::Answer, &n(name), Class::IN, *flush, *ttl, data)
            .unwrap();
    }
    let len = w.finish();
    buf.truncate(len);
    buf
}

pub fn ptr(target: &str) -> RecordData {
    RecordData::Ptr(n(target))
}

pub fn srv(port: u16, target: &str) -> RecordData {
    RecordData::Srv {
        priority: 0,
        weight: 0,
        port,
        target: n(target),
    }
}

pub fn txt(s: &[u8]) -> RecordData {
    RecordData::Txt(s.into())
}

pub fn a(last: u8) -> RecordData {
    RecordData::A(Ipv4Addr::new(10, 0, 0, last))
}

pub fn http() -> ServiceType {
    ServiceType::new("_http._tcp").unwrap()
}
