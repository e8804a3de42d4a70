//! A client on one simulated interface, driven with simulated time: every transmit and
//! every event is recorded with the instant it came out, so tests can say exactly when
//! something happened. Peers are crafted datagrams (`MessageWriter`).
#![allow(dead_code)]

use core::time::Duration;
use std::net::{IpAddr, SocketAddr};

use mdns_sansio::engine::{Destination, IfAddr, InterfaceId, RecvMeta};
use mdns_sansio::wire::{Class, Message, MessageWriter, RecordData, Rtype, Section};
use mdns_sansio::{Instant, Name};
use mdns_sansio_client::{Backend, Client, Config, Event, NoBackend, Request, SubscriptionId};

pub const IF: InterfaceId = InterfaceId(1);
pub const OUR_V4: &str = "10.0.0.1";
pub const OUR_V6: &str = "fe80::1";
pub const PEER: &str = "10.0.0.2";

pub fn name(s: &str) -> Name {
    Name::parse(s).unwrap()
}

pub fn ms(n: u64) -> Instant {
    Instant::from_millis(n)
}

/// A datagram the client sent, and when.
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

    /// (owner, type, ttl) of every answer record.
    pub fn answers(&self) -> Vec<(String, Rtype, u32)> {
        self.msg()
            .records()
            .flatten()
            .filter(|r| r.section == Section::Answer)
            .map(|r| (r.name.to_string(), r.rtype, r.ttl))
            .collect()
    }

    pub fn is_goodbye_for(&self, owner: &str, rtype: Rtype) -> bool {
        self.answers()
            .iter()
            .any(|(n, t, ttl)| n.eq_ignore_ascii_case(owner) && *t == rtype && *ttl == 0)
    }

    /// A probe (RFC 6762 §8.1): a query with proposed records in its authority
    /// section, asking about `owner`.
    pub fn probes(&self, owner: &str) -> bool {
        self.msg().header().nscount > 0 && self.asks(owner)
    }

    pub fn asks(&self, owner: &str) -> bool {
        let m = self.msg();
        !m.header().is_response()
            && m.questions()
                .flatten()
                .any(|q| q.name.to_string().eq_ignore_ascii_case(owner))
    }
}

/// A client on interface 1 (10.0.0.1/24 and fe80::1/64) with simulated time.
pub struct Net<B: Backend = NoBackend> {
    pub client: Client<B>,
    pub now: Instant,
    pub sent: Vec<Sent>,
    pub events: Vec<(Instant, SubscriptionId, Event)>,
    /// Hand out transmits when draining (off: goodbyes never go out).
    pub transmit: bool,
}

// Field by field: the engine's `Config` may not be built with a literal outside its crate.
#[allow(clippy::field_reassign_with_default)]
pub fn config(seed: u64) -> Config {
    let mut engine = mdns_sansio::Config::default();
    engine.seed = seed;
    Config::new(name("me.local.")).with_engine(engine)
}

impl Net<NoBackend> {
    pub fn new(seed: u64) -> Self {
        Net::with_client(Client::new(config(seed)))
    }
}

impl<B: Backend> Net<B> {
    pub fn with_client(mut client: Client<B>) -> Self {
        client.interface_up(Instant::ZERO, IF, &[ifaddr(OUR_V4, 24), ifaddr(OUR_V6, 64)]);
        let mut net = Net {
            client,
            now: Instant::ZERO,
            sent: Vec::new(),
            events: Vec::new(),
            transmit: true,
        };
        net.drain();
        net
    }

    /// Hands out everything due now and records the events.
    pub fn drain(&mut self) {
        let mut buf = vec![0u8; 9000];
        while self.transmit {
            let Some(t) = self.client.poll_transmit(self.now, &mut buf) else {
                break;
            };
            self.sent.push(Sent {
                at: self.now,
                dest: t.destination,
                bytes: buf[..t.size].to_vec(),
            });
        }
        while let Some((id, e)) = self.client.poll_event() {
            self.events.push((self.now, id, e));
        }
    }

    /// Fires timers, each at exactly its instant, until `until` (inclusive).
    pub fn run_until(&mut self, until: Instant) {
        self.drain();
        while let Some(t) = self.client.poll_timeout() {
            if t > until {
                break;
            }
            self.now = self.now.max(t);
            self.client.handle_timeout(self.now);
            self.drain();
        }
        self.now = self.now.max(until);
        self.drain();
    }

    /// Fires timers until a datagram matching `pred` has been sent (at most
    /// `limit_ms` of simulated time).
    pub fn run_until_sent(&mut self, limit_ms: u64, pred: impl Fn(&Sent) -> bool) {
        let start = self.sent.len();
        let until = self.now + Duration::from_millis(limit_ms);
        while !self.sent[start..].iter().any(&pred) {
            match self.client.poll_timeout() {
                Some(t) if t <= until => {
                    self.now = self.now.max(t);
                    self.client.handle_timeout(self.now);
                    self.drain();
                }
                _ => panic!("nothing matching sent within {limit_ms} ms"),
            }
        }
    }

    pub fn run_ms(&mut self, n: u64) {
        self.run_until(self.now + Duration::from_millis(n));
    }

    pub fn subscribe(&mut self, request: Request) -> SubscriptionId {
        let id = self.client.subscribe(self.now, request).unwrap();
        self.drain();
        id
    }

    /// Delivers a multicast datagram from the peer's port 5353 now.
    pub fn recv(&mut self, bytes: &[u8]) {
        let meta = RecvMeta {
            source: SocketAddr::new(PEER.parse::<IpAddr>().unwrap(), 5353),
            interface: IF,
            multicast: true,
            ttl: Some(255),
        };
        self.client.handle_datagram(self.now, meta, bytes);
        self.drain();
    }

    /// The events of one subscription, with when they came.
    pub fn events_of(&self, id: SubscriptionId) -> Vec<(Instant, Event)> {
        self.events
            .iter()
            .filter(|(_, i, _)| *i == id)
            .map(|(t, _, e)| (*t, e.clone()))
            .collect()
    }

    pub fn sent_since(&self, since: Instant) -> Vec<&Sent> {
        self.sent.iter().filter(|s| s.at >= since).collect()
    }
}

pub fn ifaddr(s: &str, prefix_len: u8) -> IfAddr {
    IfAddr {
        addr: s.parse().unwrap(),
        prefix_len,
    }
}

/// A record to put in a crafted response.
pub struct R {
    pub name: Name,
    pub data: RecordData,
    pub ttl: u32,
    pub flush: bool,
}

pub fn ptr(owner: &str, target: &str, ttl: u32) -> R {
    R {
        name: name(owner),
        data: RecordData::Ptr(name(target)),
        ttl,
        flush: false,
    }
}

pub fn srv(owner: &str, port: u16, target: &str) -> R {
    R {
        name: name(owner),
        data: RecordData::Srv {
            priority: 0,
            weight: 0,
            port,
            target: name(target),
        },
        ttl: 120,
        flush: true,
    }
}

pub fn txt(owner: &str, entries: &[&str]) -> R {
    let mut raw = Vec::new();
    for e in entries {
        raw.push(e.len() as u8);
        raw.extend_from_slice(e.as_bytes());
    }
    R {
        name: name(owner),
        data: RecordData::Txt(raw.as_slice().into()),
        ttl: 4500,
        flush: true,
    }
}

pub fn a(owner: &str, addr: &str) -> R {
    R {
        name: name(owner),
        data: RecordData::A(addr.parse().unwrap()),
        ttl: 120,
        flush: true,
    }
}

pub fn aaaa(owner: &str, addr: &str) -> R {
    R {
        name: name(owner),
        data: RecordData::Aaaa(addr.parse().unwrap()),
        ttl: 120,
        flush: true,
    }
}

/// A response with `answers`.
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

pub const TYPE: &str = "_http._tcp.local.";
pub const KITCHEN: &str = "Kitchen._http._tcp.local.";
pub const HOST: &str = "box.local.";

/// A full announcement of `instance` (`Kitchen`) on `box.local.` at `port`, with the
/// addresses given (v4, v6).
pub fn service(instance: &str, port: u16, v4: Option<&str>, v6: Option<&str>) -> Vec<u8> {
    let full = format!("{instance}._http._tcp.local.");
    let mut rs = vec![
        ptr(TYPE, &full, 4500),
        srv(&full, port, HOST),
        txt(&full, &["path=/"]),
    ];
    rs.extend(v4.map(|v| a(HOST, v)));
    rs.extend(v6.map(|v| aaaa(HOST, v)));
    response(&rs)
}

/// The goodbye (TTL 0) of `instance`'s PTR.
pub fn goodbye(instance: &str) -> Vec<u8> {
    response(&[ptr(TYPE, &format!("{instance}._http._tcp.local."), 0)])
}
