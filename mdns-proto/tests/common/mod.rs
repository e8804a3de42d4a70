//! The one harness of the engine tests: an engine on one simulated interface driven
//! with simulated time ([`Net`]), what it sent ([`Sent`], shown as text by the core's
//! packet renderer), and builders of the packets other hosts send: records ([`R`]:
//! `a`, `ptr`, `srv`, `txt`, `rec`), queries ([`query`], [`query_id`]) and responses
//! ([`response`]). Times: [`ms`] makes an instant, `Instant::as_millis` reads one.
#![allow(dead_code)]

use mdns_sansio::engine::responder::{HostRegistration, ServiceRegistration};
use mdns_sansio::engine::RegistrationId;
use mdns_sansio::engine::{
    Config, Destination, Engine, Event, IfAddr, InterfaceId, RecvMeta, SourcePort,
};
use mdns_sansio::wire::{Class, Message, MessageWriter, RecordData, Rtype, Section};
use mdns_sansio::{InstanceName, Instant, Name, ServiceType, Txt};
use std::net::{IpAddr, Ipv4Addr, SocketAddr};

pub const IF: InterfaceId = InterfaceId(1);
pub const OUR_V4: &str = "10.0.0.1";
pub const PEER: &str = "10.0.0.2";

pub fn name(s: &str) -> Name {
    Name::parse(s).unwrap()
}

/// The instant `v` milliseconds after the epoch.
pub fn ms(v: u64) -> Instant {
    Instant::from_millis(v)
}

/// A socket address from text (`10.0.0.3:5353`, `[fe80::3]:5353`).
pub fn sock(s: &str) -> SocketAddr {
    s.parse().unwrap()
}

/// The defaults with `seed`, then `set` applied.
pub fn config(seed: u64, set: impl FnOnce(&mut Config)) -> Config {
    let mut c = Config::with_seed(seed);
    set(&mut c);
    c
}

pub fn http() -> ServiceType {
    ServiceType::new("_http._tcp").unwrap()
}

/// A datagram the engine sent.
#[derive(Clone, Debug)]
pub struct Sent {
    pub at: Instant,
    pub dest: Destination,
    pub source_port: SourcePort,
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
    /// The readable form, one line per question and record (the core's renderer).
    pub fn text(&self) -> String {
        self.msg().to_string()
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
                    r.rdata.to_string(),
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

/// An engine on interface 1 (10.0.0.1/24) with simulated time.
pub struct Net {
    pub engine: Engine,
    pub now: Instant,
    pub sent: Vec<Sent>,
    pub events: Vec<Event>,
    /// Everything that happened, as text, in order: see [`Net::transcript`].
    log: Vec<String>,
}

impl Net {
    pub fn new(seed: u64) -> Net {
        Net::with_config(Config::with_seed(seed))
    }

    pub fn with_config(config: Config) -> Net {
        let mut engine = Engine::new(config);
        engine.interface_up(Instant::ZERO, IF, &[v4(OUR_V4)]);
        let mut net = Net {
            engine,
            now: Instant::ZERO,
            sent: Vec::new(),
            events: Vec::new(),
            log: Vec::new(),
        };
        net.drain();
        net
    }

    /// Sends everything due now and collects events.
    pub fn drain(&mut self) {
        let mut buf = vec![0u8; 9000];
        while let Some(t) = self.engine.poll_transmit(self.now, &mut buf) {
            assert!(t.size <= self.engine.config().payload_limit());
            assert_eq!(t.interface, IF);
            let sent = Sent {
                at: self.now,
                dest: t.destination,
                source_port: t.source_port,
                bytes: buf[..t.size].to_vec(),
            };
            let to = match sent.dest {
                Destination::MulticastV4 => "224.0.0.251:5353".to_string(),
                Destination::MulticastV6 => "[ff02::fb]:5353".to_string(),
                Destination::Unicast(a) => a.to_string(),
            };
            let port = match sent.source_port {
                SourcePort::Mdns => "",
                SourcePort::Ephemeral => " (from an ephemeral port)",
            };
            self.note(format!("sent to {to}{port}\n{}", sent.text()));
            self.sent.push(sent);
        }
        while let Some(e) = self.engine.poll_event() {
            self.note(format!("event {}", event_text(&e)));
            self.events.push(e);
        }
    }

    fn note(&mut self, what: String) {
        self.log
            .push(format!("[{:>6} ms] {what}\n", self.now.as_millis()));
    }

    /// Everything the engine sent and received and every event it reported so far, in
    /// order, each with its time: packets as the core renders them, one line per
    /// question and record.
    pub fn transcript(&self) -> String {
        self.log.concat()
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
        let how = if multicast { "multicast" } else { "unicast" };
        let text = match Message::parse(bytes) {
            Ok(m) => m.to_string(),
            Err(e) => format!("<{e}>"),
        };
        self.note(format!("received from {from} ({how})\n{text}"));
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

    pub fn take_events(&mut self) -> Vec<Event> {
        std::mem::take(&mut self.events)
    }

    /// Queries sent so far: (time, questions as "name type QU?", known-answer count, TC).
    pub fn queries(&self) -> Vec<(Instant, Vec<String>, usize, bool)> {
        self.sent
            .iter()
            .filter(|s| s.is_query())
            .map(|s| {
                let m = s.msg();
                let qs = m
                    .questions()
                    .map(|q| {
                        let q = q.unwrap();
                        let qu = if q.unicast_response { " QU" } else { "" };
                        format!("{} {}{qu}", q.name, q.qtype)
                    })
                    .collect();
                (s.at, qs, m.records().count(), m.header().truncated())
            })
            .collect()
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

/// An event in a few words, for transcripts.
pub fn event_text(e: &Event) -> String {
    match e {
        Event::ServiceFound {
            instance,
            interface,
            ..
        } => format!("ServiceFound {instance} on if{}", interface.0),
        Event::ServiceRemoved {
            instance,
            interface,
            ..
        } => format!("ServiceRemoved {instance} on if{}", interface.0),
        Event::ServiceResolved { service: s, .. } | Event::ServiceUpdated { service: s, .. } => {
            let kind = if matches!(e, Event::ServiceResolved { .. }) {
                "ServiceResolved"
            } else {
                "ServiceUpdated"
            };
            let addrs: Vec<String> = s.addresses.iter().map(|a| a.0.to_string()).collect();
            let txt = mdns_sansio::wire::RecordData::Txt(s.txt.as_slice().into());
            format!(
                "{kind} {} at {}:{} txt {txt} addresses {}",
                s.instance,
                s.host,
                s.port,
                addrs.join(" ")
            )
        }
        Event::ServiceLost { instance, .. } => format!("ServiceLost {instance}"),
        Event::Unregistered { id } => format!("Unregistered registration {}", id.0),
        Event::ProbingStarted { name, .. } => format!("ProbingStarted {name}"),
        Event::Registered { name, .. } => format!("Registered {name}"),
        Event::Renamed { from, to, .. } => format!("Renamed {from} -> {to}"),
        other => format!("{other:?}"),
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
#[derive(Clone, Debug)]
pub struct R {
    pub name: Name,
    pub data: RecordData,
    pub ttl: u32,
    pub flush: bool,
}

impl R {
    /// The same record with the cache-flush bit set as given.
    pub fn flush(mut self, flush: bool) -> R {
        self.flush = flush;
        self
    }
}

/// A shared record (no cache-flush bit).
pub fn rec(owner: &str, data: RecordData, ttl: u32) -> R {
    R {
        name: name(owner),
        data,
        ttl,
        flush: false,
    }
}

/// An A record, unique (cache-flush bit set).
pub fn a(owner: &str, addr: &str, ttl: u32) -> R {
    rec(owner, RecordData::A(addr.parse().unwrap()), ttl).flush(true)
}

/// A record's data: the IPv4 address 10.0.0.`last`.
pub fn a_data(last: u8) -> RecordData {
    RecordData::A(Ipv4Addr::new(10, 0, 0, last))
}

/// A PTR record, shared.
pub fn ptr(owner: &str, target: &str, ttl: u32) -> R {
    rec(owner, RecordData::Ptr(name(target)), ttl)
}

/// An SRV record (priority and weight 0), unique.
pub fn srv(owner: &str, port: u16, target: &str, ttl: u32) -> R {
    let data = RecordData::Srv {
        priority: 0,
        weight: 0,
        port,
        target: name(target),
    };
    rec(owner, data, ttl).flush(true)
}

/// A TXT record of rdata `raw` (length-prefixed strings), unique.
pub fn txt(owner: &str, raw: &[u8], ttl: u32) -> R {
    rec(owner, RecordData::Txt(raw.into()), ttl).flush(true)
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
