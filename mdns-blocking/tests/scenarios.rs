//! The shared namespace scenarios (mdns-net/tests/scenarios) run through the blocking
//! adapter.
//! Linux only: the lab is network namespaces (`mdns-testnet`).
#![cfg(target_os = "linux")]

#[path = "../../mdns-net/tests/scenarios/mod.rs"]
mod scenarios;

use std::net::IpAddr;
use std::time::Duration;

use mdns_blocking::{
    AnswerRecord, BrowseEvent, Browser, Error, HostEvent, InstanceName, InterfaceInfo, Mdns,
    MdnsConfig, Name, Registration, RegistrationEvent, ResolvedService, Rtype, ServiceInfo,
    ServiceType, Txt, TypeEvent,
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
            m.browse_resolving(ty).wait()
        } else {
            m.browse(ty).wait()
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
        m.resolve(i, ty, timeout).wait()
    }
    fn lookup_host(m: &Mdns, host: &Name, timeout: Duration) -> Result<Vec<IpAddr>, Error> {
        m.lookup_host(host, timeout).wait().map(|h| h.ips())
    }
    fn interfaces(m: &Mdns) -> Result<Vec<InterfaceInfo>, Error> {
        m.interfaces().wait()
    }
    fn register(m: &Mdns, info: ServiceInfo) -> Result<Registration, Error> {
        m.register(info).wait()
    }
    fn reg_next(r: &mut Registration, timeout: Duration) -> Result<RegistrationEvent, Error> {
        r.recv_timeout(timeout)
    }
    fn reg_name(r: &Registration) -> InstanceName {
        r.name()
    }
    fn unregister(r: Registration) -> Result<(), Error> {
        r.unregister().wait()
    }
    fn update_txt(r: &Registration, txt: Txt) -> Result<(), Error> {
        r.update_txt(txt).wait()
    }
    fn shutdown(m: Mdns) -> Result<(), Error> {
        m.shutdown()
    }
    fn watch_host_first(m: &Mdns, host: &Name, timeout: Duration) -> Result<HostEvent, Error> {
        m.watch_host(host).wait()?.recv_timeout(timeout)
    }
    fn service_types_first(m: &Mdns, timeout: Duration) -> Result<TypeEvent, Error> {
        m.service_types().wait()?.recv_timeout(timeout)
    }
    fn query_all(
        m: &Mdns,
        name: &Name,
        rtype: Rtype,
        timeout: Duration,
    ) -> Result<Vec<AnswerRecord>, Error> {
        let q = m.query(name, rtype).wait()?;
        let mut v = Vec::new();
        loop {
            match q.recv_timeout(timeout) {
                Ok(a) => v.push(a),
                Err(Error::Closed) => return Ok(v),
                Err(e) => return Err(e),
            }
        }
    }
    fn stop_and_wait(m: Mdns) -> Result<(), Error> {
        let s = m.stopper();
        std::thread::spawn(move || s.stop()).join().unwrap();
        m.wait()
    }
}

scenario_tests!(Blocking);
