//! Shared by the responder benchmark and its callgrind driver: an engine publishing
//! `types × 10` services (one host, TXT with 5 keys) and the five queries measured.

use mdns_sansio::engine::responder::{HostRegistration, ServiceRegistration};
use mdns_sansio::engine::{Config, Engine, IfAddr, InterfaceId, RecvMeta};
use mdns_sansio::wire::{Class, MessageWriter, RecordData, Rtype, Section};
use mdns_sansio::{InstanceName, Instant, Name, ServiceType, Txt};
use std::net::SocketAddr;
use std::time::Duration;

pub const IF: InterfaceId = InterfaceId(1);

/// The queries measured.
#[derive(Clone, Copy, Debug)]
pub enum Query {
    /// `_svc0._tcp.local.` PTR: 10 answers (+ SRV, TXT, A, NSEC additionals).
    Ptr,
    /// SRV and TXT of one instance (two questions).
    SrvTxt,
    /// The host's A record.
    HostA,
    /// A PTR query for a type nobody has: no answer.
    Unknown,
    /// The `_svc0` PTR query carrying all 10 answers as known answers: no answer.
    KnownAnswers,
}

impl Query {
    pub const ALL: [Query; 5] = [
        Query::Ptr,
        Query::SrvTxt,
        Query::HostA,
        Query::Unknown,
        Query::KnownAnswers,
    ];

    pub fn label(self) -> &'static str {
        match self {
            Query::Ptr => "ptr_10_answers",
            Query::SrvTxt => "srv_txt",
            Query::HostA => "host_a",
            Query::Unknown => "unknown_type",
            Query::KnownAnswers => "ptr_10_known_answers",
        }
    }

    pub fn bytes(self) -> Vec<u8> {
        let mut buf = vec![0u8; 9000];
        let mut w = MessageWriter::query(&mut buf).unwrap();
        let n = |s: &str| Name::parse(s).unwrap();
        match self {
            Query::Ptr => w.push_question(&n("_svc0._tcp.local"), Rtype::PTR, Class::IN, false),
            Query::SrvTxt => {
                let i = n("Instance 0._svc0._tcp.local");
                w.push_question(&i, Rtype::SRV, Class::IN, false).unwrap();
                w.push_question(&i, Rtype::TXT, Class::IN, false)
            }
            Query::HostA => w.push_question(&n("benchhost.local"), Rtype::A, Class::IN, false),
            Query::Unknown => {
                w.push_question(&n("_nothere._tcp.local"), Rtype::PTR, Class::IN, false)
            }
            Query::KnownAnswers => {
                let ty = n("_svc0._tcp.local");
                w.push_question(&ty, Rtype::PTR, Class::IN, false).unwrap();
                for i in 0..10 {
                    let inst = RecordData::Ptr(n(&format!("Instance {i}._svc0._tcp.local")));
                    w.push_record(Section::Answer, &ty, Class::IN, false, 4500, &inst)
                        .unwrap();
                }
                Ok(())
            }
        }
        .unwrap();
        let len = w.finish();
        buf.truncate(len);
        buf
    }
}

/// An engine with `types × 10` services, probed and announced, at time `now`.
pub struct Bench {
    pub engine: Engine,
    pub now: Instant,
    pub buf: Vec<u8>,
    meta: RecvMeta,
}

impl Bench {
    pub fn new(types: usize) -> Bench {
        let mut engine = Engine::new(Config::default());
        let addr = IfAddr {
            addr: "10.0.0.1".parse().unwrap(),
            prefix_len: 24,
        };
        engine.interface_up(Instant::ZERO, IF, &[addr]);
        let host = Name::parse("benchhost.local").unwrap();
        engine
            .register_host(
                Instant::ZERO,
                HostRegistration::builder(host.clone()).build().unwrap(),
            )
            .unwrap();
        let txt = Txt::builder()
            .entry("txtvers", "1")
            .entry("path", "/index.html")
            .entry("model", "Bench 1000")
            .entry("id", "0123456789abcdef")
            .flag("secure")
            .build()
            .unwrap();
        for t in 0..types {
            let ty = ServiceType::new(&format!("_svc{t}._tcp")).unwrap();
            for i in 0..10 {
                let reg = ServiceRegistration::builder(
                    InstanceName::new(&format!("Instance {i}")).unwrap(),
                    ty.clone(),
                )
                .port(8000 + i as u16)
                .host(host.clone())
                .txt(txt.clone())
                .build()
                .unwrap();
                engine.register_service(Instant::ZERO, reg).unwrap();
            }
        }
        let mut b = Bench {
            engine,
            now: Instant::ZERO,
            buf: vec![0u8; 9000],
            meta: RecvMeta {
                source: SocketAddr::new("10.0.0.2".parse().unwrap(), 5353),
                interface: IF,
                multicast: true,
                ttl: Some(255),
            },
        };
        b.settle(Instant::from_secs(10));
        b
    }

    /// Runs timers and drains everything until `until`.
    fn settle(&mut self, until: Instant) {
        loop {
            while self.engine.poll_transmit(self.now, &mut self.buf).is_some() {}
            while self.engine.poll_event().is_some() {}
            match self.engine.poll_timeout() {
                Some(t) if t <= until => {
                    self.now = self.now.max(t);
                    self.engine.handle_timeout(self.now);
                }
                _ => break,
            }
        }
        self.now = until;
    }

    /// One query: the datagram in, time past the response delay, the answer out.
    /// Time then moves on by over a second so the next run is not rate-limited.
    /// Returns the bytes sent.
    /// From now on the queries come from an ephemeral port, as legacy unicast queries
    /// (RFC 6762 §6.7), sent straight to us: the way the peers' figures in
    /// shared/corpus/README.md were taken. They are answered at once, by unicast.
    pub fn legacy(&mut self) {
        self.meta.source.set_port(40_000);
        self.meta.multicast = false;
    }

    #[inline(never)]
    pub fn answer(&mut self, query: &[u8]) -> usize {
        self.engine.handle_datagram(self.now, self.meta, query);
        let mut sent = 0;
        while let Some(t) = self.engine.poll_transmit(self.now, &mut self.buf) {
            sent += t.size;
        }
        self.now += Duration::from_millis(130);
        self.engine.handle_timeout(self.now);
        while let Some(t) = self.engine.poll_transmit(self.now, &mut self.buf) {
            sent += t.size;
        }
        self.now += Duration::from_millis(1000);
        sent
    }

    #[allow(dead_code)]
    /// [`answer`](Self::answer), keeping the datagrams: each one's destination and
    /// bytes (to check that an optimisation leaves the packets byte-identical).
    pub fn answer_packets(&mut self, query: &[u8]) -> Vec<(String, Vec<u8>)> {
        let mut out = Vec::new();
        self.engine.handle_datagram(self.now, self.meta, query);
        for pass in 0..2 {
            if pass == 1 {
                self.now += Duration::from_millis(130);
                self.engine.handle_timeout(self.now);
            }
            while let Some(t) = self.engine.poll_transmit(self.now, &mut self.buf) {
                out.push((format!("{:?}", t.destination), self.buf[..t.size].to_vec()));
            }
        }
        self.now += Duration::from_millis(1000);
        out
    }

    /// A query flood: `runs` queries, 20 a millisecond (20,000 a second), cycling
    /// through `queries`; every millisecond timers run and transmits drain. Returns
    /// the datagrams and bytes sent.
    #[inline(never)]
    pub fn flood(&mut self, queries: &[Vec<u8>], runs: usize) -> (usize, usize) {
        let (mut datagrams, mut bytes) = (0, 0);
        for i in 0..runs {
            self.engine
                .handle_datagram(self.now, self.meta, &queries[i % queries.len()]);
            if i % 20 == 19 {
                self.now += Duration::from_millis(1);
                self.engine.handle_timeout(self.now);
                while let Some(t) = self.engine.poll_transmit(self.now, &mut self.buf) {
                    datagrams += 1;
                    bytes += t.size;
                }
            }
        }
        (datagrams, bytes)
    }
}
