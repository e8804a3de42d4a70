//! The shared namespace scenarios (mdns-net/tests/scenarios) run through the tokio
//! adapter, on a multi-thread runtime.
//! Linux only: the lab is network namespaces (`mdns-testnet`).
#![cfg(target_os = "linux")]

#[path = "../../mdns-net/tests/scenarios/mod.rs"]
mod scenarios;

use std::net::IpAddr;
use std::sync::OnceLock;
use std::time::Duration;

use mdns_tokio::{
    AnswerRecord, BrowseEvent, Browser, Error, HostEvent, InstanceName, InterfaceInfo, Mdns,
    MdnsConfig, Name, Registration, RegistrationEvent, ResolvedService, Rtype, ServiceInfo,
    ServiceType, Txt, TypeEvent,
};
use tokio::runtime::Runtime;

fn rt() -> &'static Runtime {
    static RT: OnceLock<Runtime> = OnceLock::new();
    RT.get_or_init(|| {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap()
    })
}

fn timed<T>(
    d: Duration,
    f: impl std::future::Future<Output = Result<T, Error>>,
) -> Result<T, Error> {
    rt().block_on(async {
        tokio::time::timeout(d, f)
            .await
            .unwrap_or(Err(Error::Timeout))
    })
}

struct Tokio;

impl scenarios::Api for Tokio {
    type Mdns = Mdns;
    type Browser = Browser;
    type Registration = Registration;
    fn new(cfg: MdnsConfig) -> Result<Mdns, Error> {
        let _g = rt().enter();
        Mdns::new(cfg)
    }
    fn browse(m: &Mdns, ty: &ServiceType, resolving: bool) -> Result<Browser, Error> {
        rt().block_on(async {
            if resolving {
                m.browse_resolving(ty).await
            } else {
                m.browse(ty).await
            }
        })
    }
    fn next(b: &mut Browser, timeout: Duration) -> Result<BrowseEvent, Error> {
        timed(timeout, b.recv_async())
    }
    fn resolve(
        m: &Mdns,
        i: &InstanceName,
        ty: &ServiceType,
        timeout: Duration,
    ) -> Result<ResolvedService, Error> {
        rt().block_on(m.resolve(i, ty, timeout))
    }
    fn lookup_host(m: &Mdns, host: &Name, timeout: Duration) -> Result<Vec<IpAddr>, Error> {
        rt().block_on(m.lookup_host(host, timeout)).map(|h| h.ips())
    }
    fn interfaces(m: &Mdns) -> Result<Vec<InterfaceInfo>, Error> {
        rt().block_on(m.interfaces())
    }
    fn register(m: &Mdns, info: ServiceInfo) -> Result<Registration, Error> {
        rt().block_on(m.register(info))
    }
    fn reg_next(r: &mut Registration, timeout: Duration) -> Result<RegistrationEvent, Error> {
        timed(timeout, r.recv_async())
    }
    fn reg_name(r: &Registration) -> InstanceName {
        r.name()
    }
    fn unregister(r: Registration) -> Result<(), Error> {
        rt().block_on(r.unregister())
    }
    fn update_txt(r: &Registration, txt: Txt) -> Result<(), Error> {
        rt().block_on(r.update_txt(txt))
    }
    fn shutdown(mut m: Mdns) -> Result<(), Error> {
        rt().block_on(async {
            m.shutdown().await?;
            m.wait().await
        })
    }
    fn watch_host_first(m: &Mdns, host: &Name, timeout: Duration) -> Result<HostEvent, Error> {
        timed(timeout, async {
            m.watch_host(host).await?.recv_async().await
        })
    }
    fn service_types_first(m: &Mdns, timeout: Duration) -> Result<TypeEvent, Error> {
        timed(timeout, async {
            m.service_types().await?.recv_async().await
        })
    }
    fn query_all(
        m: &Mdns,
        name: &Name,
        rtype: Rtype,
        timeout: Duration,
    ) -> Result<Vec<AnswerRecord>, Error> {
        use futures_lite::StreamExt;
        timed(timeout, async {
            let q = m.query(name, rtype).await?;
            Ok(q.collect::<Vec<_>>().await)
        })
    }
    fn stop_and_wait(mut m: Mdns) -> Result<(), Error> {
        let s = m.stopper();
        std::thread::spawn(move || s.stop()).join().unwrap();
        rt().block_on(m.wait())
    }
}

scenario_tests!(Tokio);
