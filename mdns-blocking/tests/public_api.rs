//! The public items users of `mdns-blocking` rely on (the crate docs and README), named
//! with their signatures: removing, renaming or changing one fails this build. Until a
//! released version exists for `cargo-semver-checks` to compare with (`.ci/run` runs it
//! once a `v*` tag does), this is the guard of the public API. The operations
//! themselves are `mdns-net`'s `Handle`'s, checked by its own `tests/public_api.rs`;
//! here: that this crate re-exports them and that `Mdns` leads to them. Nothing here
//! opens a socket.

use std::ops::Deref;

use mdns_blocking::{
    default_host_name, host_name, AnswerRecord, BackendError, BrowseEvent, Browser, DomainBrowser,
    DomainConfig, DomainEvent, DomainKind, Error, Event, Handle, HostEvent, HostWatcher,
    InstanceName, InterfaceId, InterfaceInfo, InterfaceSelector, KeyFileError, Mdns, MdnsConfig,
    Name, QueryAnswers, QueryError, Registration, RegistrationEvent, Reply, Request,
    ResolvedService, Rtype, ServiceInfo, ServiceInfoBuilder, ServiceType, Stopper, Subscription,
    TsigKey, Txt, TxtEntry, TypeBrowser, TypeEvent, UnicastConfig, UnicastError, UpdateError,
    ANSWER_LINGER, SHUTDOWN_BOUND, UNICAST_DNS,
};

#[test]
fn mdns_leads_to_the_shared_api() {
    let _: fn(MdnsConfig) -> Result<Mdns, Error> = Mdns::new;
    let _: fn(&Mdns) -> Result<(), Error> = Mdns::shutdown;
    let _: fn(&Mdns) -> Result<(), Error> = Mdns::wait;
    fn handle(m: &Mdns) -> &Handle {
        m.deref()
    }
    let _ = handle;
    fn send_sync<T: Send + Sync>() {}
    send_sync::<Mdns>();
}

#[test]
#[allow(clippy::type_complexity)] // one tuple per group of re-exported types
fn the_documented_types_are_re_exported() {
    let info: Result<ServiceInfo, Error> = ServiceInfo::builder("Kitchen", "_http._tcp", 8080)
        .txt("path", "/")
        .build()
        .map_err(Error::from); // `?` in a function returning Error
    assert_eq!(
        info.unwrap().instance,
        InstanceName::new("Kitchen").unwrap()
    );
    let _: fn(&str, &str, u16) -> ServiceInfoBuilder = ServiceInfo::builder;
    assert!(ServiceType::new("_http._tcp").is_ok());
    assert_eq!(
        host_name("printer").unwrap(),
        Name::parse("printer.local.").unwrap()
    );
    assert!(default_host_name().to_string().ends_with("-mdns.local."));
    let config = MdnsConfig {
        interfaces: vec![InterfaceSelector::Name("eth0".into())],
        ipv6: false,
        ..MdnsConfig::default()
    };
    assert!(config.ipv4 && !config.ipv6);
    let _: Option<Txt> = None;
    let _: Option<TxtEntry> = None;
    let _: Option<(AnswerRecord, Rtype, InterfaceId, InterfaceInfo)> = None;
    let _: Option<(
        Browser,
        HostWatcher,
        TypeBrowser,
        DomainBrowser,
        QueryAnswers,
    )> = None;
    let _: Option<(
        Registration,
        Subscription<Event>,
        Reply<()>,
        Stopper,
        Request,
    )> = None;
    let _: Option<(
        BrowseEvent,
        HostEvent,
        TypeEvent,
        RegistrationEvent,
        DomainEvent,
    )> = None;
    let _: Option<(ResolvedService, DomainKind, BackendError, UnicastError)> = None;
    let _: Option<(
        DomainConfig,
        TsigKey,
        KeyFileError,
        UnicastConfig,
        QueryError,
        UpdateError,
    )> = None;
    assert!(SHUTDOWN_BOUND > ANSWER_LINGER);
    assert_eq!(UNICAST_DNS, InterfaceId(0));
}
