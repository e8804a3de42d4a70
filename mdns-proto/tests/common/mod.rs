//! Shared test helpers: an engine on one simulated interface, packets crafted with
//! `MessageWriter`, and sent datagrams decoded into readable lines.
#![allow(dead_code)]

use mdns_proto::engine::responder::{HostRegistration, ServiceRegistration};
use mdns_proto::engine::RegistrationId;
use mdns_proto::engine::{Config, Destination, Engine, Event, IfAddr, InterfaceId, RecvMeta};
use mdns_proto::wire::{Class, Message, MessageWriter, RData, RecordData, Rtype, Section};
use mdns_proto::{InstanceName, Instant, Name, ServiceType, Txt};
use std::fmt::Write as _;
use std::net::{IpAddr, SocketAddr};

pub const IF: InterfaceId = InterfaceId(1);
pub const OUR_V4: &str = "10.0.0.1";
pub const PEER: &str = "10.0.0.2";

pub fn name(s: &str) -> Name {
    Name::parse(s).unwrap()
}

/// A datagram the engine sent.
#[derive(Clone, Debug)]
pub struct Sent {
    pub at: Instant,
    pub dest: Destination,
    pub bytes: Vec<u8>,
}

impl Sent {
    pub fn msg(&self) -> Message<'_> {
        Message::parse(&self.bytes).unwrap()
    }
    pub fn is_query(&self) -> bool {
        !self.msg().header().is_response()
    }
    pub fn is_probe(&self) -> bool {
        self.is_query() && self.msg().header().nscount > 0
    }
    pub fn is_response(&self) -> bool {
        self.msg().header().is_response()
    }
    /// The readable form, one line per question and record.
    pub fn text(&self) -> String {
        describe(&self.bytes)
    }
    /// (name, type, ttl, flush, data) of the records in a section.
    pub fn records(&self, section: Section) -> Vec<(String, Rtype, u32, bool, String)> {
        self.msg()
            .records()
            .flatten()
            .filter(|r| r.section == section)
            .map(|r| {
                (
                    r.name.to_string(),
                    r.rtype,
                    r.ttl,
                    r.cache_flush,
                    rdata_text(&r.rdata),
                )
            })
            .collect()
    }
    pub fn answers(&self) -> Vec<(String, Rtype, u32, bool, String)> {
        self.records(Section::Answer)
    }
    pub fn has_answer(&self, owner: &str, rtype: Rtype) -> bool {
        self.answers()
            .iter()
            .any(|a| a.0.eq_ignore_ascii_case(owner) && a.1 == rtype)
    }
}

pub fn rdata_text(r: &RData<'_>) -> String {
    match r {
        RData::A(a) => a.to_string(),
        RData::Aaaa(a) => a.to_string(),
        RData::Ptr(n) | RData::Cname(n) => n.to_string(),
        RData::Srv {
            priority,
            weight,
            port,
            target,
        } => format!("{priority} {weight} {port} {target}"),
        RData::Txt(t) => {
            let parts: Vec<String> = t
                .map(|s| format!("{:?}", String::from_utf8_lossy(s)))
                .collect();
            parts.join(" ")
        }
        RData::Nsec { next, types } => {
            let mut s = next.to_string();
            for t in 0..256u16 {
                if types.contains(Rtype(t)) {
                    write!(s, " {}", Rtype(t)).unwrap();
                }
            }
            s
        }
        other => format!("{other:?}"),
    }
}

/// A datagram as text: the header line, then `Q`, `AN`, `NS`, `AR` lines.
pub fn describe(bytes: &[u8]) -> String {
    let msg = Message::parse(bytes).unwrap();
    let h = msg.header();
    let mut s = String::new();
    write!(
        s,
        "{}{}{}",
        if h.is_response() { "response" } else { "query" },
        if h.id != 0 {
            format!(" id={}", h.id)
        } else {
            String::new()
        },
        if h.truncated() { " TC" } else { "" }
    )
    .unwrap();
    for q in msg.questions().flatten() {
        write!(
            s,
            "\n  Q  {} {}{}",
            q.name,
            q.qtype,
            if q.unicast_response { " QU" } else { "" }
        )
        .unwrap();
    }
    for r in msg.records().flatten() {
        let sec = match r.section {
            Section::Answer => "AN",
            Section::Authority => "NS",
            Section::Additional => "AR",
        };
        write!(
            s,
            "\n  {sec} {} {} {}{} {}",
            r.name,
            r.ttl,
            r.rtype,
            if r.cache_flush { " flush" } else { "" },
            rdata_text(&r.rdata)
        )
        .unwrap();
    }
    s
}

/// An engine on interface 1 (10.0.0.1/24) with simulated time.
pub struct Net {
    pub engine: Engine,
    pub now: Instant,
    pub sent: Vec<Sent>,
    pub events: Vec<Event>,
}

impl Net {
    pub fn new(seed: u64) -> Net {
        Net::with_config(Config::with_seed(seed))
    }

    pub fn with_config(config: Config) -> Net {
        let mut engine = Engine::new(config);
        engine.interface_up(Instant::ZERO, IF, &[v4(OUR_V4)]);
        Net {
            engine,
            now: Instant::ZERO,
            sent: Vec::new(),
            events: Vec::new(),
        }
    }

    /// Sends everything due now and collects events.
    pub fn drain(&mut self) {
        let mut buf = vec![0u8; 9000];
        while let Some(t) = self.engine.poll_transmit(self.now, &mut buf) {
            assert!(t.size <= self.engine.config().payload_limit());
            assert_eq!(t.interface, IF);
            self.sent.push(Sent {
                at: self.now,
                dest: t.destination,
                bytes: buf[..t.size].to_vec(),
            });
        }
        while let Some(e) = self.engine.poll_event() {
            self.events.push(e);
        }
    }

    /// Runs timers until `until` (inclusive), sending what is due at each step.
    pub fn run_until(&mut self, until: Instant) {
        self.drain();
        while let Some(t) = self.engine.poll_timeout() {
            if t > until {
                break;
            }
            self.now = self.now.max(t);
            self.engine.handle_timeout(self.now);
            self.drain();
        }
        self.now = self.now.max(until);
        self.drain();
    }

    pub fn run_ms(&mut self, ms: u64) {
        let until = Instant::from_micros(self.now.as_micros() + ms * 1000);
        self.run_until(until);
    }

    /// Delivers a datagram from `from` (multicast when `multicast`).
    pub fn recv_from(&mut self, bytes: &[u8], from: SocketAddr, multicast: bool) {
        let meta = RecvMeta {
            source: from,
            interface: IF,
            multicast,
            ttl: Some(255),
        };
        self.engine.handle_datagram(self.now, meta, bytes);
        self.drain();
    }

    /// Delivers a multicast datagram from the peer's port 5353.
    pub fn recv(&mut self, bytes: &[u8]) {
        self.recv_from(bytes, peer(5353), true);
    }

    /// Sent datagrams from `since` on, and clears nothing.
    pub fn sent_since(&self, since: Instant) -> Vec<&Sent> {
        self.sent.iter().filter(|s| s.at >= since).collect()
    }

    pub fn take_sent(&mut self) -> Vec<Sent> {
        std::mem::take(&mut self.sent)
    }

    pub fn registered(&self, id: RegistrationId) -> Option<Name> {
        self.events.iter().rev().find_map(|e| match e {
            Event::Registered { id: i, name } if *i == id => Some(name.clone()),
            _ => None,
        })
    }

    /// Registers `myhost.local.` and `Kitchen._http._tcp.local.` on it.
    pub fn register_host_and_service(&mut self) -> (RegistrationId, RegistrationId) {
        let h = self
            .engine
            .register_host(
                self.now,
                HostRegistration::builder(name("myhost.local."))
                    .build()
                    .unwrap(),
            )
            .unwrap();
        let s = self
            .engine
            .register_service(self.now, service("Kitchen", "_http._tcp", 8080))
            .unwrap();
        self.drain();
        (h, s)
    }

    /// Registers and runs until probing and both announcements are over.
    pub fn established(&mut self) -> (RegistrationId, RegistrationId) {
        let ids = self.register_host_and_service();
        self.run_ms(4000);
        self.sent.clear();
        self.events.clear();
        ids
    }
}

pub fn v4(s: &str) -> IfAddr {
    IfAddr {
        addr: s.parse().unwrap(),
        prefix_len: 24,
    }
}

pub fn peer(port: u16) -> SocketAddr {
    SocketAddr::new(PEER.parse::<IpAddr>().unwrap(), port)
}

pub fn service(instance: &str, ty: &str, port: u16) -> ServiceRegistration {
    let txt = Txt::builder().entry("path", "/").build().unwrap();
    ServiceRegistration::builder(
        InstanceName::new(instance).unwrap(),
        ServiceType::new(ty).unwrap(),
    )
    .port(port)
    .host(name("myhost.local."))
    .txt(txt)
    .build()
    .unwrap()
}

/// A record to put in a crafted packet.
pub struct R {
    pub name: Name,
    pub data: RecordData,
    pub ttl: u32,
    pub flush: bool,
}

pub fn rec(owner: &str, data: RecordData, ttl: u32) -> R {
    R {
        name: name(owner),
        data,
        ttl,
        flush: false,
    }
}

pub fn a(owner: &str, addr: &str, ttl: u32) -> R {
    R {
        name: name(owner),
        data: RecordData::A(addr.parse().unwrap()),
        ttl,
        flush: true,
    }
}

pub fn ptr(owner: &str, target: &str, ttl: u32) -> R {
    rec(owner, RecordData::Ptr(name(target)), ttl)
}

pub fn srv(owner: &str, port: u16, target: &str, ttl: u32) -> R {
    R {
        name: name(owner),
        data: RecordData::Srv {
            priority: 0,
            weight: 0,
            port,
            target: name(target),
        },
        ttl,
        flush: true,
    }
}

/// A query: questions (name, type, QU), known answers, authority records.
pub fn query(questions: &[(&str, Rtype, bool)], known: &[R], authority: &[R]) -> Vec<u8> {
    query_id(0, false, questions, known, authority)
}

pub fn query_id(
    id: u16,
    tc: bool,
    questions: &[(&str, Rtype, bool)],
    known: &[R],
    authority: &[R],
) -> Vec<u8> {
    let mut buf = vec![0u8; 9000];
    let mut w = MessageWriter::new(&mut buf, id, 0).unwrap();
    w.set_truncated(tc);
    for (n, t, qu) in questions {
        w.push_question(&name(n), *t, Class::IN, *qu).unwrap();
    }
    for r in known {
        w.push_record(Section::Answer, &r.name, Class::IN, false, r.ttl, &r.data)
            .unwrap();
    }
    for r in authority {
        w.push_record(
            Section::Authority,
            &r.name,
            Class::IN,
            false,
            r.ttl,
            &r.data,
        )
        .unwrap();
    }
    let n = w.finish();
    buf.truncate(n);
    buf
}

/// A response carrying `answers`.
pub fn response(answers: &[R]) -> Vec<u8> {
    let mut buf = vec![0u8; 9000];
    let mut w = MessageWriter::response(&mut buf, 0).unwrap();
    for r in answers {
        w.push_record(Section::Answer, &r.name, Class::IN, r.flush, r.ttl, &r.data)
            .unwrap();
    }
    let n = w.finish();
    buf.truncate(n);
    buf
}

/// The defaults with `seed`, then `set` applied.
pub fn config(seed: u64, set: impl FnOnce(&mut Config)) -> Config {
    let mut c = Config::with_seed(seed);
    set(&mut c);
    c
}

pub fn ms(at: Instant) -> u64 {
    at.as_millis()
}

impl Net {
    /// Steps timers (at most `limit_ms` of simulated time) until a datagram matching
    /// `pred` is sent; returns it.
    pub fn run_until_sent(&mut self, limit_ms: u64, pred: impl Fn(&Sent) -> bool) -> Sent {
        let start = self.sent.len();
        let until = Instant::from_micros(self.now.as_micros() + limit_ms * 1000);
        loop {
            if let Some(s) = self.sent[start..].iter().find(|s| pred(s)) {
                return s.clone();
            }
            match self.engine.poll_timeout() {
                Some(t) if t <= until => {
                    self.now = self.now.max(t);
                    self.engine.handle_timeout(self.now);
                    self.drain();
                }
                _ => panic!("nothing matching sent within {limit_ms} ms"),
            }
        }
    }
}

/// True if the datagram is a probe whose first question is `owner`.
pub fn probe_for(s: &Sent, owner: &str) -> bool {
    s.is_probe()
        && s.msg()
            .questions()
            .flatten()
            .any(|q| q.name.to_string().eq_ignore_ascii_case(owner))
}
