//! The public items users of `mdns-sansio-client` rely on (the crate docs' map, the
//! README's loop), named with their signatures: removing, renaming or changing one fails
//! this build. Until a released version exists for `cargo-semver-checks` to compare
//! with (`.ci/run` runs it once a `v*` tag does), this is the guard of the public API.

use core::time::Duration;
use std::net::IpAddr;

use mdns_sansio::engine::{IfAddr, InterfaceId, RecvMeta, Transmit};
use mdns_sansio::{InstanceName, Instant, Name, ServiceType, Txt};
use mdns_sansio_client::{
    host_name, is_mdns_name, local_domain, Backend, BackendError, BrowseEvent, Client, Config,
    DomainEvent, DomainKind, Error, Event, HostEvent, NoBackend, RegistrationEvent, Request,
    ResolvedService, ServiceInfo, ServiceInfoBuilder, Stats, SubscriptionId, TypeEvent,
    ANSWER_LINGER, MAX_QUEUED_EVENTS, SHUTDOWN_BOUND, UNICAST_DNS,
};

type C = Client<NoBackend>;

#[test]
fn client_inputs_commands_and_outputs_keep_their_signatures() {
    let _: fn(Config) -> C = Client::new;
    let _: fn(Config, NoBackend) -> C = Client::with_backend;
    let _: fn(Name) -> Config = Config::new;
    let _: fn(Config, mdns_sansio::Config) -> Config = Config::with_engine;
    let _: fn(&C) -> Stats = C::stats;
    let _: fn(&C) -> &Name = C::host_name;
    let _: fn(&mut C, Instant, RecvMeta, &[u8]) = C::handle_datagram;
    let _: fn(&mut C, Instant) = C::handle_timeout;
    let _: fn(&mut C, Instant, InterfaceId, &[IfAddr]) = C::interface_up;
    let _: fn(&mut C, Instant, InterfaceId) = C::interface_down;
    let _: fn(&mut C, Instant, Request) -> Result<SubscriptionId, Error> = C::subscribe;
    let _: fn(&mut C, Instant, SubscriptionId) -> bool = C::unsubscribe;
    let _: fn(&mut C, Instant, SubscriptionId) -> Result<(), Error> = C::unregister;
    let _: fn(&mut C, Instant, SubscriptionId, Txt) -> Result<(), Error> = C::update_txt;
    let _: fn(&mut C, Instant) = C::shutdown;
    let _: fn(&C) -> bool = C::is_finished;
    let _: fn(&mut C, Instant, &mut [u8]) -> Option<Transmit> = C::poll_transmit;
    let _: fn(&C) -> Option<Instant> = C::poll_timeout;
    let _: fn(&mut C) -> Option<(SubscriptionId, Event)> = C::poll_event;
    let _: fn(&C) -> &mdns_sansio::Engine = C::engine;
    let _: fn(&mut C) -> &mut mdns_sansio::Engine = C::engine_mut;
    fn is_backend<B: Backend>() {}
    is_backend::<NoBackend>();
}

#[test]
fn requests_and_services_are_built_as_documented() {
    let ty = ServiceType::new("_http._tcp").unwrap();
    let host = Name::parse("printer.local.").unwrap();
    let kitchen = InstanceName::new("Kitchen").unwrap();
    let second = Duration::from_secs(1);
    let _: [Request; 9] = [
        Request::browse(ty.clone()),
        Request::browse_resolving(ty.clone()),
        Request::resolve(kitchen.clone(), ty.clone(), second),
        Request::lookup_host(host.clone(), second),
        Request::watch_host(host.clone()),
        Request::service_types(),
        Request::query(host.clone(), mdns_sansio::wire::Rtype::A),
        Request::browse_in(ty.clone(), Name::parse("example.com.").unwrap(), true),
        Request::browse_domains(None),
    ];
    let builder: ServiceInfoBuilder = ServiceInfo::builder("Kitchen", "_http._tcp", 8080);
    let info: Result<ServiceInfo, Error> = builder.txt("path", "/").txt_flag("color").build();
    let info = info.unwrap();
    assert_eq!(info.full_name().to_string(), "Kitchen._http._tcp.local.");
    assert!(Request::register(info).is_mdns());
    assert!(ServiceInfo::builder("", "_http._tcp", 1).build().is_err());
    let _: Result<Name, Error> = host_name("printer");
    assert!(is_mdns_name(&host));
    assert_eq!(local_domain().to_string(), "local.");
    assert!(ANSWER_LINGER > Duration::ZERO && SHUTDOWN_BOUND > ANSWER_LINGER);
    let _: usize = MAX_QUEUED_EVENTS;
}

#[test]
fn events_have_the_documented_shapes() {
    fn browse(e: BrowseEvent) -> Option<ResolvedService> {
        match e {
            BrowseEvent::Found { .. } | BrowseEvent::Removed { .. } => None,
            BrowseEvent::Resolved(s) | BrowseEvent::Updated(s) => Some(s),
            BrowseEvent::ServerError(e) => {
                let _: &BackendError = &e;
                None
            }
            _ => None,
        }
    }
    fn fields(s: &ResolvedService) -> (&InstanceName, &ServiceType, &Name, u16, &Txt) {
        let _: &Vec<(IpAddr, InterfaceId)> = &s.addresses;
        let _: Vec<IpAddr> = s.ips();
        (&s.instance, &s.service_type, &s.host, s.port, &s.txt)
    }
    fn event(e: Event) {
        match e {
            Event::Browse(b) => drop(browse(b)),
            Event::Resolved(r) => drop(r.map(|s| fields(&s).3)),
            Event::HostAddresses(a) => drop(a),
            Event::Host(HostEvent::Added(..) | HostEvent::Removed(..)) => {}
            Event::ServiceType(t) => drop::<TypeEvent>(t),
            Event::Answer(a) => drop(a),
            Event::QueryDone => {}
            Event::Registration(r) => drop::<RegistrationEvent>(r),
            Event::Domain(d) => drop::<DomainEvent>(d),
            _ => {}
        }
    }
    let _ = event;
    let _ = core::mem::size_of::<DomainKind>();
    assert_eq!(UNICAST_DNS, InterfaceId(0));
}
