//! The public items users of `mdns-net` rely on (the one API every adapter re-exports,
//! the service loop, the driver's contract), named with their signatures: removing,
//! renaming or changing one fails this build. Until a released version exists for
//! `cargo-semver-checks` to compare with (`.ci/run` runs it once a `v*` tag does),
//! this is the guard of the public API. Nothing here opens a socket.

use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use mdns_net::service::{
    default_host_name, host_name, socket_addr, BrowseEvent, Browser, DomainBrowser, Error, Event,
    Handle, HostAddresses, HostWatcher, InterfaceInfo, MdnsConfig, PreferFamily, QueryAnswers,
    Reconfirmation, Registration, RegistrationEvent, Reply, Request, ResolvedService, Service,
    ServiceInfo, Stopper, Subscription, TypeBrowser, UnicastConfig, Wait, ANSWER_LINGER,
    SHUTDOWN_BOUND, UNICAST_DNS,
};
use mdns_net::{
    Clock, Core, Driver, InterfaceConfig, InterfaceSelector, InterfaceSource, MdnsSocket, Next,
    SourceId, Waker,
};
use mdns_sansio::sd::{InstanceName, ServiceType, Txt};
use mdns_sansio::wire::Rtype;
use mdns_sansio::Name;

#[test]
fn the_handle_keeps_its_operations() {
    let _: fn(&Handle, &ServiceType) -> Reply<Browser> = Handle::browse;
    let _: fn(&Handle, &ServiceType) -> Reply<Browser> = Handle::browse_resolving;
    let _: fn(&Handle, &ServiceType, &Name) -> Reply<Browser> = Handle::browse_in;
    let _: fn(&Handle, &ServiceType, &Name) -> Reply<Browser> = Handle::browse_resolving_in;
    let _: fn(&Handle, &InstanceName, &ServiceType, Duration) -> Reply<ResolvedService> =
        Handle::resolve;
    let _: fn(&Handle, &InstanceName, &ServiceType, &Name, Duration) -> Reply<ResolvedService> =
        Handle::resolve_in;
    let _: fn(&Handle, &Name, Duration) -> Reply<HostAddresses> = Handle::lookup_host;
    let _: fn(&Handle, &InstanceName, &ServiceType) -> Reply<Reconfirmation> = Handle::reconfirm;
    let _: fn(&Handle, &Name) -> Reply<HostWatcher> = Handle::watch_host;
    let _: fn(&Handle) -> Reply<TypeBrowser> = Handle::service_types;
    let _: fn(&Handle, &Name) -> Reply<TypeBrowser> = Handle::service_types_in;
    let _: fn(&Handle, Option<&Name>) -> Reply<DomainBrowser> = Handle::browse_domains;
    let _: fn(&Handle, &Name, Rtype) -> Reply<QueryAnswers> = Handle::query;
    let _: fn(&Handle, Request) -> Reply<Subscription<Event>> = Handle::subscribe;
    let _: fn(&Handle, ServiceInfo) -> Reply<Registration> = Handle::register;
    let _: fn(&Handle) -> Reply<Vec<InterfaceInfo>> = Handle::interfaces;
    let _: fn(&Handle) -> Reply<()> = Handle::shutdown;
    let _: fn(&Handle) -> Stopper = Handle::stopper;
    let _: fn(&Handle) -> bool = Handle::is_stopped;
    let _: fn(&Stopper) = Stopper::stop;
    fn shareable<T: Clone + Send + Sync + 'static>() {}
    shareable::<Handle>();
    shareable::<Stopper>();
}

#[test]
fn replies_subscriptions_and_registrations_keep_their_methods() {
    let _: fn(Reply<()>) -> Result<(), Error> = Reply::wait;
    let _: fn(Reply<()>, Duration) -> Result<(), Error> = Reply::wait_timeout;
    fn is_future<F: std::future::Future<Output = Result<(), Error>>>() {}
    is_future::<Reply<()>>();
    let _: fn(&Browser) -> Result<BrowseEvent, Error> = Browser::recv;
    let _: fn(&Browser, Duration) -> Result<BrowseEvent, Error> = Browser::recv_timeout;
    let _: fn(&Browser) -> Option<BrowseEvent> = Browser::try_recv;
    fn is_stream<S: futures_core::Stream>() {}
    is_stream::<Browser>();
    is_stream::<Registration>();
    let _: fn(&Registration) -> InstanceName = Registration::name;
    let _: fn(&Registration, Txt) -> Reply<()> = Registration::update_txt;
    fn subtypes(r: &Registration) -> [Reply<()>; 2] {
        [r.add_subtype("_printer"), r.remove_subtype(b"_printer")]
    }
    let _ = subtypes;
    let _: fn(Registration) -> Reply<()> = Registration::unregister;
    fn recv(r: &Registration) -> Result<RegistrationEvent, Error> {
        r.recv() // through Deref to its Subscription
    }
    let _ = recv;
}

#[test]
// Every field named, and the update kept for fields added later; a spelled-out type.
#[allow(clippy::needless_update, clippy::type_complexity)]
fn configuration_and_service_loop_keep_their_shape() {
    let config = MdnsConfig {
        interfaces: vec![
            InterfaceSelector::Name("eth0".into()),
            InterfaceSelector::Index(2),
        ],
        ipv4: true,
        ipv6: false,
        include_loopback: false,
        host_name: Some(Name::parse("box.local.").unwrap()),
        seed: Some(1),
        engine: mdns_sansio::Config::default(),
        unicast: Some(UnicastConfig::default()),
        // (Fields added later are not named here: adding one is not this test's
        // business; removing or renaming one of these is.)
        ..MdnsConfig::default()
    };
    let interfaces: InterfaceConfig = config.interface_config();
    assert_eq!(interfaces.only.len(), 2);
    assert_eq!(
        config.resolved_host_name().unwrap().to_string(),
        "box.local."
    );
    assert_eq!(host_name("printer").unwrap().to_string(), "printer.local.");
    assert!(default_host_name().to_string().ends_with("-mdns.local."));
    let _: fn(MdnsConfig) -> Result<(Service, Handle), Error> = Service::open;
    let _: fn(&mut Service) -> Result<Option<Wait>, Error> = Service::step;
    let _: fn(Service) -> Result<(), Error> = Service::run_blocking;
    let _: fn(Service) -> Result<std::thread::JoinHandle<Result<(), Error>>, Error> =
        Service::spawn_thread;
    let _: fn() -> Clock = Clock::new;
    let _: fn() -> std::io::Result<Waker> = Waker::new;
    fn driver<C: Core>(d: &mut Driver<C>) -> std::io::Result<Next> {
        d.poll_io()
    }
    let _ = driver::<mdns_sansio_client::Client>;
    let _ = (
        std::mem::size_of::<SourceId>(),
        std::mem::size_of::<MdnsSocket>(),
        std::mem::size_of::<Option<Box<dyn InterfaceSource>>>(),
    );
    assert!(SHUTDOWN_BOUND > ANSWER_LINGER);
    assert_eq!(UNICAST_DNS.0, 0);
    let e = Error::Timeout;
    assert_eq!(e.to_string(), "timed out");
}

#[test]
fn addresses_users_connect_to_keep_their_helpers() {
    use mdns_sansio::engine::InterfaceId;
    let _: fn(IpAddr, InterfaceId, u16) -> SocketAddr = socket_addr;
    let _: fn(&HostAddresses) -> Vec<IpAddr> = HostAddresses::ips;
    let _: fn(&HostAddresses, u16) -> Vec<SocketAddr> = HostAddresses::socket_addrs;
    let _: fn(&ResolvedService) -> Vec<SocketAddr> = ResolvedService::socket_addrs;
    let _ = [PreferFamily::Ipv4, PreferFamily::Ipv6];
}
