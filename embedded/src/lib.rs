//! The job the microcontroller runs, shared by the firmware (`src/bin/firmware.rs`,
//! `thumbv7em-none-eabihf`) and the host run that measures its heap over a simulated
//! hour (`src/bin/heap.rs`): one interface with one IPv4 address, one host name, two
//! services, one browse. The driver moves datagrams and time; everything else is the
//! core's.
#![no_std]

extern crate alloc;

use core::net::{IpAddr, Ipv4Addr, SocketAddr};
use mdns_sansio::engine::{
    responder::{HostRegistration, ServiceRegistration},
    IfAddr, InterfaceId, RecvMeta, Transmit,
};
use mdns_sansio::{Config, Engine, Event, InstanceName, Instant, Name, ServiceType, Txt, TxtEntry};

/// The heap the firmware gives the allocator: the high-water mark of the hour in
/// `src/bin/heap.rs` (run in an arena of this size), with room to spare.
pub const HEAP_SIZE: usize = 32 * 1024;

/// The device's one interface.
pub const IFACE: InterfaceId = InterfaceId(1);

/// Most records the device's cache holds (the engine's default, 4,096, is for hosts;
/// a device browsing a busy LAN keeps a few dozen and evicts the rest).
pub const CACHE_CAPACITY: usize = 48;

/// The device: its engine and what its browse has found so far.
pub struct Device {
    pub engine: Engine,
    /// Instances the browse currently reports.
    pub found: u32,
}

impl Device {
    /// Starts the job at `now`: the interface with `addr`, host name `name.local`, an
    /// HTTP service and a CoAP one, and a browse of `_http._tcp`.
    pub fn start(now: Instant, seed: u64, addr: Ipv4Addr, name: &str) -> Device {
        let mut config = Config::with_seed(seed);
        config.cache_capacity = CACHE_CAPACITY;
        let mut engine = Engine::new(config);
        engine.interface_up(
            now,
            IFACE,
            &[IfAddr {
                addr: IpAddr::V4(addr),
                prefix_len: 24,
            }],
        );
        let host = Name::from_labels([name.as_bytes(), b"local"]).expect("a host name");
        engine
            .register_host(
                now,
                HostRegistration::builder(host.clone())
                    .build()
                    .expect("host"),
            )
            .expect("host registered");
        let mut txt = Txt::new();
        txt.push(TxtEntry::new("path", "/").expect("txt"))
            .expect("txt");
        for (ty, port) in [("_http._tcp", 80), ("_coap._udp", 5683)] {
            let reg = ServiceRegistration::builder(
                InstanceName::new(name).expect("instance"),
                ServiceType::new(ty).expect("type"),
            )
            .port(port)
            .host(host.clone())
            .txt(txt.clone())
            .build()
            .expect("service");
            engine
                .register_service(now, reg)
                .expect("service registered");
        }
        engine
            .browse(now, &ServiceType::new("_http._tcp").expect("type"))
            .expect("browse");
        Device { engine, found: 0 }
    }

    /// A datagram from `source`, sent to the multicast group or to us.
    pub fn receive(&mut self, now: Instant, source: SocketAddr, multicast: bool, data: &[u8]) {
        let meta = RecvMeta {
            source,
            interface: IFACE,
            multicast,
            ttl: Some(255),
        };
        self.engine.handle_datagram(now, meta, data);
        self.events();
    }

    /// Timers due by `now`.
    pub fn timeout(&mut self, now: Instant) {
        self.engine.handle_timeout(now);
        self.events();
    }

    /// The next datagram to send, written into `buf`.
    pub fn transmit(&mut self, now: Instant, buf: &mut [u8]) -> Option<Transmit> {
        self.engine.poll_transmit(now, buf)
    }

    /// When [`timeout`](Self::timeout) is next due.
    pub fn next_timeout(&self) -> Option<Instant> {
        self.engine.poll_timeout()
    }

    /// Takes the engine's events: the browse's finds and losses are counted, the rest
    /// (registration progress) dropped.
    fn events(&mut self) {
        while let Some(e) = self.engine.poll_event() {
            match e {
                Event::ServiceFound { .. } => self.found += 1,
                Event::ServiceRemoved { .. } => self.found = self.found.saturating_sub(1),
                _ => {}
            }
        }
    }
}
