//! The shared namespace scenarios (mdns-net/tests/scenarios) run through the blocking
//! adapter.

#[path = "../../mdns-net/tests/scenarios/mod.rs"]
mod scenarios;

use std::net::IpAddr;
use std::time::Duration;

use mdns_blocking::{
    BrowseEvent, Browser, Error, InstanceName, InterfaceInfo, Mdns, MdnsConfig, Name, Registration,
    RegistrationEvent, ResolvedService, ServiceInfo, ServiceType,
};

struct Blocking;

impl scenarios::Api for Blocking {
    type Mdns = Mdns;
    type Browser = Browser;
    type Registration = Registration;
    fn new(cfg: MdnsConfig) -> Result<Mdns, Error> {
        Mdns::new(cfg)
    }
    fn browse(m: &Mdns, ty: &ServiceType, resolving: bool) -> Result<Browser, Error> {
        if resolving {
            m.browse_resolving(ty)
        } else {
            m.browse(ty)
        }
    }
    fn next(b: &mut Browser, timeout: Duration) -> Result<BrowseEvent, Error> {
        b.recv_timeout(timeout)
    }
    fn resolve(
        m: &Mdns,
        i: &InstanceName,
        ty: &ServiceType,
        timeout: Duration,
    ) -> Result<ResolvedService, Error> {
        m.resolve(i, ty, timeout)
    }
    fn lookup_host(m: &Mdns, host: &Name, timeout: Duration) -> Result<Vec<IpAddr>, Error> {
        m.lookup_host(host, timeout)
    }
    fn interfaces(m: &Mdns) -> Result<Vec<InterfaceInfo>, Error> {
        m.interfaces()
    }
    fn register(m: &Mdns, info: ServiceInfo) -> Result<Registration, Error> {
        m.register(info)
    }
    fn reg_next(r: &mut Registration, timeout: Duration) -> Result<RegistrationEvent, Error> {
        r.recv_timeout(timeout)
    }
    fn reg_name(r: &Registration) -> InstanceName {
        r.name()
    }
    fn unregister(r: Registration) -> Result<(), Error> {
        r.unregister()
    }
    fn shutdown(m: Mdns) -> Result<(), Error> {
        m.shutdown()
    }
}

scenario_tests!(Blocking);
