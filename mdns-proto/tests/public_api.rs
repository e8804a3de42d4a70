//! The public items users of `mdns-sansio` rely on (the crate docs' map of the API, the
//! README's loop), named with their signatures: removing, renaming or changing one fails
//! this build. Until a released version exists for `cargo-semver-checks` to compare
//! with (`.ci/run` runs it once a `v*` tag does), this is the guard of the public API.
//! Adding items never breaks it.

use core::net::{IpAddr, SocketAddr};
use core::time::Duration;

use mdns_sansio::engine::responder::{
    HostRegistration, InterfaceSelection, RegisterError, RegistrationError, ServiceRegistration,
};
use mdns_sansio::engine::{
    AnswerRecord, Destination, Family, IfAddr, InterfaceId, QueryError, QueryId, RecvMeta,
    RegistrationFailure, RegistrationId, ResolvedService, SourcePort, Stats, Transmit,
    MAX_MDNS_PACKET_LEN, MDNS_GROUP_V4, MDNS_GROUP_V6, MDNS_PORT,
};
use mdns_sansio::name::{Name as NameInModule, NameError};
use mdns_sansio::rand::Rng;
use mdns_sansio::sd::{InstanceNameError, ServiceTypeError, TxtError};
use mdns_sansio::wire::{Class, Message, MessageWriter, ParseError, RData, RecordData, Rtype};
use mdns_sansio::{Config, Engine, Event, InstanceName, Instant, Name, ServiceType, Txt, TxtEntry};

#[test]
fn engine_inputs_commands_and_outputs_keep_their_signatures() {
    let _: fn(Config) -> Engine = Engine::new;
    let _: fn(u64) -> Config = Config::with_seed;
    let _: fn(&Engine) -> &Config = Engine::config;
    let _: fn(&Engine) -> Stats = Engine::stats;
    let _: fn(&mut Engine, Instant, RecvMeta, &[u8]) = Engine::handle_datagram;
    let _: fn(&mut Engine, Instant) = Engine::handle_timeout;
    let _: fn(&mut Engine, Instant, InterfaceId, &[IfAddr]) = Engine::interface_up;
    let _: fn(&mut Engine, Instant, InterfaceId) = Engine::interface_down;
    let _: fn(&mut Engine, Instant, &mut [u8]) -> Option<Transmit> = Engine::poll_transmit;
    let _: fn(&Engine) -> Option<Instant> = Engine::poll_timeout;
    let _: fn(&mut Engine) -> Option<Event> = Engine::poll_event;
    let _: fn(&mut Engine, Instant, &ServiceType) -> Result<QueryId, QueryError> = Engine::browse;
    let _: fn(&mut Engine, Instant, &Name) -> Result<QueryId, QueryError> = Engine::resolve;
    let _: fn(&mut Engine, Instant, &Name) -> Result<QueryId, QueryError> = Engine::lookup_host;
    let _: fn(&mut Engine, Instant, &Name, Rtype) -> Result<QueryId, QueryError> =
        Engine::query_once;
    let _: fn(&mut Engine, QueryId) -> bool = Engine::stop_query;
    let _: fn(&mut Engine, Instant, ServiceRegistration) -> Result<RegistrationId, RegisterError> =
        Engine::register_service;
    let _: fn(&mut Engine, Instant, HostRegistration) -> Result<RegistrationId, RegisterError> =
        Engine::register_host;
    let _: fn(&mut Engine, Instant, RegistrationId, Txt) -> Result<(), RegistrationError> =
        Engine::update_txt;
    let _: fn(&mut Engine, Instant, RegistrationId) -> Result<(), RegistrationError> =
        Engine::unregister;
    let _: fn(&mut Engine, Instant) = Engine::shutdown;
    let _: fn(&Transmit) -> SocketAddr = Transmit::socket_addr;
    let _: fn(&IpAddr) -> Family = Family::of;
    let _ = (
        core::mem::size_of::<AnswerRecord>(),
        core::mem::size_of::<ResolvedService>(),
        core::mem::size_of::<RegistrationFailure>(),
        core::mem::size_of::<InterfaceSelection>(),
    );
}

#[test]
fn the_loop_of_the_readme_runs() {
    let mut engine = Engine::new(Config::with_seed(7));
    let iface = InterfaceId(2);
    let addr = IfAddr {
        addr: "192.0.2.1".parse().unwrap(),
        prefix_len: 24,
    };
    engine.interface_up(Instant::ZERO, iface, &[addr]);
    let ty = ServiceType::new("_http._tcp").unwrap();
    engine.browse(Instant::ZERO, &ty).unwrap();
    let at = engine.poll_timeout().expect("the first query is scheduled");
    assert!(at.saturating_duration_since(Instant::ZERO) <= Duration::from_millis(120));
    engine.handle_timeout(at);
    let mut buf = [0u8; MAX_MDNS_PACKET_LEN];
    let t = engine.poll_transmit(at, &mut buf).expect("a query");
    assert_eq!(t.interface, iface);
    assert_eq!(t.destination, Destination::MulticastV4);
    assert_eq!(t.source_port, SourcePort::Mdns);
    assert_eq!(
        t.socket_addr(),
        SocketAddr::new(IpAddr::V4(MDNS_GROUP_V4), MDNS_PORT)
    );
    let msg = Message::parse(&buf[..t.size]).unwrap();
    let q = msg.questions().next().unwrap().unwrap();
    assert_eq!(q.qtype, Rtype::PTR);
    assert_eq!(q.qclass, Class::IN);
    assert_eq!(MDNS_GROUP_V6.segments()[0], 0xff02);
}

#[test]
fn names_and_dns_sd_data_validate_on_construction() {
    let n: Result<NameInModule, NameError> = Name::parse("box.local.");
    assert_eq!(n.unwrap().to_string(), "box.local.");
    let _: Result<InstanceName, InstanceNameError> = InstanceName::new("Kitchen");
    let _: Result<ServiceType, ServiceTypeError> = ServiceType::new("_http._tcp");
    assert!(ServiceType::new("http").is_err());
    let _: Result<TxtEntry, TxtError> = TxtEntry::new("path", "/");
    let txt: Result<Txt, TxtError> = Txt::builder().entry("path", "/").flag("color").build();
    assert_eq!(txt.unwrap().len(), 2);
    fn parse(b: &[u8]) -> Result<Message<'_>, ParseError> {
        Message::parse(b)
    }
    fn writer(b: &mut [u8]) -> Option<MessageWriter<'_>> {
        MessageWriter::new(b, 0, 0x8400)
    }
    let mut buf = [0u8; 512];
    let len = writer(&mut buf).expect("room for a header").finish();
    assert!(parse(&buf[..len]).unwrap().header().is_response());
    let _ = core::mem::size_of::<RData<'_>>() + core::mem::size_of::<RecordData>();
    let mut rng = Rng::new(1);
    assert_ne!(rng.next_u64(), Rng::new(2).next_u64());
    assert_eq!(Instant::from_millis(1500).as_micros(), 1_500_000);
}
