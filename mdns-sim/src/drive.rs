//! Driving one host: an input to its client layer (a datagram, a timer, an interface
//! change, a command), then draining everything it has to say: transmits (routed onto
//! the links), its engine's events and its client's events (recorded, fed to the
//! trackers and to the host's [`App`](crate::App)), and its next wake-up. Every call
//! into a host runs under `catch_unwind`: a panic is a violation and the host crashes.

use crate::sim::{Sim, BUF_LEN, MAX_SPINS, MAX_TRANSMITS_PER_DRAIN};
use crate::types::{ClientEventRecord, EventRecord, HostId, ViolationKind};
use mdns_sansio::Instant;
use mdns_sansio_client::Client;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::rc::Rc;

impl Sim {
    /// Runs one input on a host's client, then drains it.
    pub(crate) fn input(&mut self, host: HostId, f: impl FnOnce(&mut Client, Instant)) {
        let now = self.now;
        let Some(client) = self.hosts[host.ix()].client.as_mut() else {
            return;
        };
        if let Err(p) = catch_unwind(AssertUnwindSafe(|| f(client, now))) {
            self.panicked(host, "an input", p);
            return;
        }
        self.hosts[host.ix()].stalled = false;
        self.drain(host);
    }

    /// Wakes `host` (its wake-up, taken out of the schedule, was due).
    pub(crate) fn wake(&mut self, host: HostId) {
        let h = &mut self.hosts[host.ix()];
        if h.client.is_none() {
            return;
        }
        if h.spin_at == self.now {
            h.spins += 1;
        } else {
            h.spin_at = self.now;
            h.spins = 0;
        }
        self.stats.wakeups += 1;
        let now = self.now;
        let client = h.client.as_mut().expect("checked");
        if let Err(p) = catch_unwind(AssertUnwindSafe(|| client.handle_timeout(now))) {
            self.panicked(host, "handle_timeout", p);
            return;
        }
        self.drain(host);
    }

    fn drain(&mut self, host: HostId) {
        let now = self.now;
        for _round in 0..1000 {
            let mut sent = 0;
            loop {
                let Some(client) = self.hosts[host.ix()].client.as_mut() else {
                    return;
                };
                let buf = &mut self.buf;
                match catch_unwind(AssertUnwindSafe(|| client.poll_transmit(now, buf))) {
                    Err(p) => return self.panicked(host, "poll_transmit", p),
                    Ok(None) => break,
                    Ok(Some(t)) => {
                        let size = t.size.min(BUF_LEN);
                        let data: Rc<[u8]> = Rc::from(&self.buf[..size]);
                        self.route(host, t.interface, t.destination, t.source_port, data, false);
                        sent += 1;
                        if sent >= MAX_TRANSMITS_PER_DRAIN {
                            self.violation(
                                host,
                                ViolationKind::TransmitStorm,
                                format!("{sent} datagrams from one input"),
                            );
                            break;
                        }
                    }
                }
            }
            let engine_events = match self.drain_engine_events(host, now) {
                Some(any) => any,
                None => return,
            };
            let client_events = match self.drain_client_events(host, now) {
                Some(any) => any,
                None => return,
            };
            if !engine_events && !client_events {
                break;
            }
        }
        self.after_input(host);
    }

    /// Hands out the engine events of `host`. `None` if the host panicked (and is
    /// gone); else whether there were any.
    fn drain_engine_events(&mut self, host: HostId, now: Instant) -> Option<bool> {
        let mut any = false;
        loop {
            let h = &mut self.hosts[host.ix()];
            let client = h.client.as_mut()?;
            let Some(event) = client.poll_engine_event() else {
                break;
            };
            any = true;
            self.stats.events += 1;
            self.transcript.mix_u64(now.as_micros());
            self.transcript.mix_u64(u64::from(host.0));
            self.transcript.mix_fmt(format_args!("{event:?}"));
            self.tracker.on_event(now, host, &event);
            let h = &mut self.hosts[host.ix()];
            if let (Some(app), Some(client)) = (h.app.as_mut(), h.client.as_mut()) {
                let engine = client.engine_mut();
                if let Err(p) = catch_unwind(AssertUnwindSafe(|| app.on_event(now, engine, &event)))
                {
                    self.panicked(host, "the app's event handler", p);
                    return None;
                }
            }
            if self.config.record_events {
                self.events.push(EventRecord {
                    time: now,
                    host,
                    event,
                });
            }
        }
        Some(any)
    }

    /// Hands out the client events of `host` (what its application gets). `None` if
    /// the host panicked (and is gone); else whether there were any.
    fn drain_client_events(&mut self, host: HostId, now: Instant) -> Option<bool> {
        let mut any = false;
        loop {
            let h = &mut self.hosts[host.ix()];
            let client = h.client.as_mut()?;
            let Some((id, event)) = client.poll_event() else {
                break;
            };
            any = true;
            self.transcript.mix_u64(now.as_micros());
            self.transcript.mix_u64(u64::from(host.0));
            self.transcript.mix_fmt(format_args!("{id} {event:?}"));
            self.reported.on_event(now, host, id, &event);
            let h = &mut self.hosts[host.ix()];
            if let (Some(app), Some(client)) = (h.app.as_mut(), h.client.as_mut()) {
                if let Err(p) = catch_unwind(AssertUnwindSafe(|| {
                    app.on_client_event(now, client, id, &event)
                })) {
                    self.panicked(host, "the app's client event handler", p);
                    return None;
                }
            }
            if self.config.record_events {
                self.client_events.push(ClientEventRecord {
                    time: now,
                    host,
                    id,
                    event,
                });
            }
        }
        Some(any)
    }

    fn after_input(&mut self, host: HostId) {
        let now = self.now;
        let h = &mut self.hosts[host.ix()];
        let Some(client) = h.client.as_ref() else {
            return;
        };
        let engine = client.engine();
        let (len, cap) = (engine.cache_len(), engine.config().cache_capacity);
        let next = catch_unwind(AssertUnwindSafe(|| client.poll_timeout()));
        if len > cap && !h.cache_flagged {
            h.cache_flagged = true;
            self.violation(
                host,
                ViolationKind::CacheOverCapacity,
                format!("cache holds {len} records, capacity {cap}"),
            );
        }
        let next = match next {
            Ok(n) => n,
            Err(p) => return self.panicked(host, "poll_timeout", p),
        };
        let h = &mut self.hosts[host.ix()];
        if h.spins >= MAX_SPINS && next.is_some_and(|t| t <= now) && !h.stalled {
            h.stalled = true;
            self.violation(
                host,
                ViolationKind::BusyLoop,
                format!(
                    "woken {MAX_SPINS} times at this instant and still due \
                     ({next:?}); not woken again until its next input"
                ),
            );
        }
        let h = &mut self.hosts[host.ix()];
        if h.stalled {
            return;
        }
        let next = next.map(|t| t.max(now));
        if h.wake.map(|w| w.0) != next {
            self.set_wake(host, next);
        }
    }
}
