//! Faults as verbs: partitions, crashes, graceful departures, interfaces going down
//! and up. Each can be scheduled with [`Sim::at`].

use crate::sim::{Sim, State, What};
use crate::types::{Departure, HostId, LEAVE_GRACE};
use core::time::Duration;
use mdns_sansio::engine::InterfaceId;
use mdns_sansio::{Engine, Instant};
use mdns_sansio_client::Client;

impl Sim {
    /// Splits the hosts into groups that cannot hear each other (each datagram is
    /// checked when sent). Hosts in no group form one more group together.
    pub fn partition(&mut self, groups: &[&[HostId]]) {
        for h in &mut self.hosts {
            h.group = 0;
        }
        for (g, hosts) in groups.iter().enumerate() {
            for &h in *hosts {
                self.hosts[h.ix()].group = g as u32 + 1;
            }
        }
    }

    /// Ends any partition.
    pub fn heal(&mut self) {
        for h in &mut self.hosts {
            h.group = 0;
        }
    }

    /// `host` vanishes without a word: no goodbyes; its datagrams already in flight
    /// still arrive.
    pub fn crash(&mut self, host: HostId) {
        self.remove(host, Departure::Crash);
    }

    /// `host` leaves gracefully: `shutdown` is called on its engine (e.g.
    /// `|e, now| e.shutdown(now)`), the host keeps running for `grace` so that its
    /// goodbyes go out, then it is removed. Trackers date the departure now.
    pub fn leave_with(
        &mut self,
        host: HostId,
        grace: Duration,
        shutdown: impl FnOnce(&mut Engine, Instant),
    ) {
        self.depart(host, grace, |c, now| shutdown(c.engine_mut(), now));
    }

    /// `host` leaves gracefully, as an application shuts down: [`Client::shutdown`]
    /// ends every subscription and withdraws every registration (goodbyes,
    /// RFC 6762 §10.1, its engine's own included), the host keeps running for
    /// [`LEAVE_GRACE`] so that they go out, then it is removed. Trackers date the
    /// departure now.
    pub fn leave(&mut self, host: HostId) {
        self.depart(host, LEAVE_GRACE, |c, now| c.shutdown(now));
    }

    fn depart(
        &mut self,
        host: HostId,
        grace: Duration,
        shutdown: impl FnOnce(&mut Client, Instant),
    ) {
        if self.hosts[host.ix()].state != State::Alive {
            return;
        }
        self.tracker.on_gone(self.now, host, Departure::Leave);
        self.hosts[host.ix()].gone_at = Some(self.now);
        self.input(host, shutdown);
        self.hosts[host.ix()].state = State::Leaving;
        self.schedule(self.now + grace, What::FinishLeave { host });
    }

    /// Takes one of `host`'s interfaces down (the engine is told).
    pub fn interface_down(&mut self, host: HostId, interface: InterfaceId) {
        let Some(k) = self.iface_index(host, interface) else {
            return;
        };
        let h = &mut self.hosts[host.ix()];
        if !h.ifaces[k].up || h.client.is_none() {
            return;
        }
        h.ifaces[k].up = false;
        self.rate.reset_host(host);
        self.input(host, |c, now| c.interface_down(now, interface));
    }

    /// Brings one of `host`'s interfaces back up with its addresses.
    pub fn interface_up(&mut self, host: HostId, interface: InterfaceId) {
        let Some(k) = self.iface_index(host, interface) else {
            return;
        };
        let h = &mut self.hosts[host.ix()];
        if h.ifaces[k].up || h.client.is_none() {
            return;
        }
        h.ifaces[k].up = true;
        let addrs = h.ifaces[k].addrs.clone();
        self.rate.reset_host(host);
        self.input(host, |c, now| c.interface_up(now, interface, &addrs));
    }

    /// Takes an interface down now and up again after `down_for`.
    pub fn bounce(&mut self, host: HostId, interface: InterfaceId, down_for: Duration) {
        let Some(iface) = self.iface_index(host, interface) else {
            return;
        };
        self.interface_down(host, interface);
        self.schedule(self.now + down_for, What::InterfaceUp { host, iface });
    }
}
