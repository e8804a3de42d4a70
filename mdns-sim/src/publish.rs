//! Publishing and asking, the two ways: through a host's client layer, as an
//! application does ([`Sim::subscribe`], [`Sim::register`], [`Sim::with_client`]),
//! or straight on its engine, to test the responder with host names of one's choosing
//! ([`Sim::register_host_name`], [`Sim::register_service`], [`Sim::update_txt`],
//! [`Sim::with_engine`]); and [`Sim::check_names`], which checks that probing settled.

use crate::sim::Sim;
use crate::types::HostId;
use mdns_sansio::engine::responder::{HostRegistration, ServiceRegistration};
use mdns_sansio::engine::RegistrationId;
use mdns_sansio::{Engine, InstanceName, Instant, Name, ServiceType, Txt};
use mdns_sansio_client::{Client, Request, ServiceInfo, SubscriptionId};

impl Sim {
    // ----- through the client layer -----

    /// Calls `f` on `host`'s client layer at the current time (to subscribe,
    /// register, unsubscribe, …), then drains its output. `None` if the host is gone.
    pub fn with_client<R>(
        &mut self,
        host: HostId,
        f: impl FnOnce(&mut Client, Instant) -> R,
    ) -> Option<R> {
        let mut out = None;
        self.input(host, |c, now| out = Some(f(c, now)));
        out
    }

    /// Starts a subscription on `host`'s client layer; its events show in
    /// [`Sim::client_events`] and [`Sim::reported`].
    pub fn subscribe(&mut self, host: HostId, request: Request) -> Result<SubscriptionId, String> {
        self.with_client(host, |c, now| c.subscribe(now, request))
            .ok_or_else(|| format!("{host} is gone"))?
            .map_err(|e| e.to_string())
    }

    /// Registers a service through `host`'s client layer, as an application does: the
    /// client publishes the host name it points at (by default the host's own,
    /// `h<N>.local.`) with it. Progress shows in the subscription's events and in
    /// [`Tracker::registrations`](crate::Tracker::registrations)(crate::Tracker::registrations).
    pub fn register(&mut self, host: HostId, info: ServiceInfo) -> Result<SubscriptionId, String> {
        self.subscribe(host, Request::register(info))
    }

    // ----- straight on the engine -----

    // ----- driving engines -----

    /// Calls `f` on `host`'s engine at the current time (to browse, register, …), then
    /// drains its output. `None` if the host is gone. Events of what is started here
    /// go to no subscription: they show in [`Sim::events`] only.
    pub fn with_engine<R>(
        &mut self,
        host: HostId,
        f: impl FnOnce(&mut Engine, Instant) -> R,
    ) -> Option<R> {
        let mut out = None;
        self.input(host, |c, now| out = Some(f(c.engine_mut(), now)));
        out
    }

    /// Registers the host name `label.local.` on `host` (all interfaces, renaming
    /// allowed: `label-2.local.` … on a conflict). The services later registered with
    /// [`register_service`](Self::register_service) on this host point at it (and
    /// follow it if it is renamed). Errors if the host is gone, the label is not a
    /// valid host name, or the host already registered a host name here.
    pub fn register_host_name(
        &mut self,
        host: HostId,
        label: &str,
    ) -> Result<RegistrationId, String> {
        if self.hosts[host.ix()].host_name.is_some() {
            return Err(format!("{host} already has a host name"));
        }
        let name =
            Name::parse(&format!("{label}.local.")).map_err(|e| format!("{label:?}: {e:?}"))?;
        let reg = HostRegistration::builder(name.clone())
            .build()
            .map_err(|e| e.to_string())?;
        let id = self
            .with_engine(host, |e, now| e.register_host(now, reg))
            .ok_or_else(|| format!("{host} is gone"))?
            .map_err(|e| e.to_string())?;
        self.hosts[host.ix()].host_name = Some((id, name));
        Ok(id)
    }

    /// The host name registered on `host` with [`register_host_name`](Self::register_host_name)
    /// (its registration, and the name it has now, after any renames).
    pub fn host_name(&self, host: HostId) -> Option<(RegistrationId, Name)> {
        let (id, asked) = self.hosts.get(host.ix())?.host_name.clone()?;
        let now = self
            .engine(host)
            .and_then(|e| e.registered_name(id).cloned())
            .unwrap_or(asked);
        Some((id, now))
    }

    /// Registers service `instance` of `service_type` (like `_http._tcp`) on `host`,
    /// at `port`, with TXT entries `txt` (`key=value`, or a bare `key` for a flag),
    /// pointing at the host's name, on all interfaces, renaming allowed
    /// (`Name (2)` … on a conflict). If the host has no host name yet, `h<N>` is
    /// registered first (see [`register_host_name`](Self::register_host_name)).
    /// Progress shows in the host's events and in [`Tracker::registrations`](crate::Tracker::registrations).
    ///
    /// ```
    /// use core::time::Duration;
    /// use mdns_sim::{Sim, SimConfig};
    ///
    /// let mut sim = Sim::new(SimConfig::seeded(1));
    /// let [a, b] = [sim.add_host(), sim.add_host()];
    /// sim.register_host_name(a, "printer").unwrap();
    /// sim.register_service(a, "Office", "_ipp._tcp", 631, &["rp=queue"]).unwrap();
    /// sim.register_service(b, "Office", "_ipp._tcp", 631, &[]).unwrap(); // same name
    /// sim.run_for(Duration::from_secs(10));
    /// sim.check_names().unwrap(); // one of them was renamed "Office (2)"
    /// sim.leave(a); // goodbyes
    /// sim.run_for(Duration::from_secs(3));
    /// assert!(sim.check().is_ok());
    /// ```
    pub fn register_service(
        &mut self,
        host: HostId,
        instance: &str,
        service_type: &str,
        port: u16,
        txt: &[&str],
    ) -> Result<RegistrationId, String> {
        if self.hosts[host.ix()].host_name.is_none() {
            self.register_host_name(host, &format!("h{}", host.0))?;
        }
        let (_, target) = self.host_name(host).expect("just registered");
        let reg = ServiceRegistration::builder(
            InstanceName::new(instance).map_err(|e| format!("{instance:?}: {e:?}"))?,
            ServiceType::new(service_type).map_err(|e| format!("{service_type:?}: {e:?}"))?,
        )
        .port(port)
        .host(target)
        .txt(make_txt(txt)?)
        .build()
        .map_err(|e| e.to_string())?;
        self.with_engine(host, |e, now| e.register_service(now, reg))
            .ok_or_else(|| format!("{host} is gone"))?
            .map_err(|e| e.to_string())
    }

    /// Replaces the TXT entries of a service registered on `host` (announced again
    /// without probing, RFC 6762 §8.4).
    pub fn update_txt(
        &mut self,
        host: HostId,
        id: RegistrationId,
        txt: &[&str],
    ) -> Result<(), String> {
        let txt = make_txt(txt)?;
        self.with_engine(host, |e, now| e.update_txt(now, id, txt))
            .ok_or_else(|| format!("{host} is gone"))?
            .map_err(|e| e.to_string())
    }

    /// Once probing has settled: the [`Tracker`](crate::Tracker)'s view (every registration of a
    /// running host registered, no name owned twice, see [`Tracker::check_names`](crate::Tracker::check_names)),
    /// and every running host knows its final names through its events: the name
    /// its last `Registered` / `Renamed` event gave is the one its engine holds.
    pub fn check_names(&self) -> Result<(), String> {
        let mut errors = Vec::new();
        if let Err(e) = self.tracker.check_names() {
            errors.push(e);
        }
        for r in self.tracker.registrations() {
            if r.state != crate::check::RegState::Registered {
                continue;
            }
            let Some(engine) = self.engine(r.host) else {
                continue;
            };
            if !self.is_alive(r.host) {
                continue;
            }
            match engine.registered_name(r.id) {
                Some(n) if n.to_string().eq_ignore_ascii_case(&r.name.to_string()) => {}
                other => errors.push(format!(
                    "{} registration {:?}: events say {}, the engine holds {:?}",
                    r.host, r.id, r.name, other
                )),
            }
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors.join("\n"))
        }
    }
}

fn make_txt(entries: &[&str]) -> Result<Txt, String> {
    let mut txt = Txt::new();
    for e in entries {
        let entry = match e.split_once('=') {
            Some((k, v)) => mdns_sansio::sd::TxtEntry::new(k, v),
            None => mdns_sansio::sd::TxtEntry::flag(e),
        }
        .map_err(|err| format!("TXT {e:?}: {err:?}"))?;
        txt.push(entry)
            .map_err(|err| format!("TXT {e:?}: {err:?}"))?;
    }
    Ok(txt)
}
