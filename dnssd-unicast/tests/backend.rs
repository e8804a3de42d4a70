//! The client as the client layer's unicast backend (`mdns_sansio_client::Client` with a
//! `UnicastBackend`), against the in-process server in simulated time: a request in a
//! unicast domain gets the same events, under the same subscription id, as one in
//! `local.` does; failures come typed. No sockets, no sleeps.

mod fake;

use dnssd_unicast::backend::{UnicastBackend, UnicastError};
use dnssd_unicast::client::{DomainConfig, Transmit, UpdateError};
use dnssd_unicast::wire::types::Rcode;
use dnssd_unicast::{Algorithm, ClientConfig, TsigKey};
use fake::{n, Zone};
use mdns_sansio::engine::RegistrationFailure;
use mdns_sansio::sd::{InstanceName, ServiceType};
use mdns_sansio::wire::RecordData;
use mdns_sansio::Instant;
use mdns_sansio_client::{
    BrowseEvent, Client, Config, DomainEvent, DomainKind, Error, Event, RegistrationEvent, Request,
    ServiceInfo, SubscriptionId, UNICAST_DNS,
};
use std::net::SocketAddr;
use std::time::Duration;

const ZONE: &str = "example.test.";

fn server() -> SocketAddr {
    "192.0.2.53:53".parse().unwrap()
}

fn key(secret: &[u8]) -> TsigKey {
    TsigKey::new(n("k.example.test."), Algorithm::HmacSha256, secret).unwrap()
}

const SECRET: &[u8] = b"a shared secret of the test";

fn http() -> ServiceType {
    ServiceType::new("_http._tcp").unwrap()
}

/// The layer with a backend for `example.test.`, a zone, simulated time.
struct Net {
    client: Client<UnicastBackend>,
    zone: Zone,
    now: Instant,
    events: Vec<(SubscriptionId, Event)>,
    /// Deliver the client's packets to the server.
    up: bool,
}

impl Net {
    fn new(zone: Zone, client_key: Option<TsigKey>) -> Net {
        let mut c = ClientConfig::default();
        let mut d = DomainConfig::new(n(ZONE), vec![server()]);
        d.key = client_key;
        c.domains.push(d);
        c.search_domains.push(n(ZONE));
        let backend = UnicastBackend::new(c, 7, &n("box-mdns.local."));
        let mut client = Client::with_backend(Config::new(n("box-mdns.local.")), backend);
        client.backend_input(Instant::ZERO, |b, now| {
            b.set_unix_time(now, 1_700_000_000);
            b.set_host_addresses(now, &[("192.0.2.10".parse().unwrap(), 24)]);
        });
        Net {
            client,
            zone,
            now: Instant::ZERO,
            events: Vec::new(),
            up: true,
        }
    }

    fn subscribe(&mut self, r: Request) -> SubscriptionId {
        let id = self.client.subscribe(self.now, r).unwrap();
        self.pump();
        id
    }

    /// Moves packets and events until nothing is left to do now.
    fn pump(&mut self) {
        loop {
            let mut any = false;
            while let Some(t) = self.client.backend_mut().poll_transmit() {
                any = true;
                self.deliver(t);
            }
            while let Some(e) = self.client.poll_event() {
                self.events.push(e);
            }
            if !any {
                return;
            }
        }
    }

    fn run_for(&mut self, d: Duration) {
        let until = self.now + d;
        loop {
            self.pump();
            match self.client.poll_timeout() {
                Some(t) if t <= until => {
                    self.now = self.now.max(t);
                    self.zone.unix = 1_700_000_000 + self.now.as_micros() / 1_000_000;
                    self.client.handle_timeout(self.now);
                }
                _ => {
                    self.now = until;
                    return;
                }
            }
        }
    }

    fn deliver(&mut self, t: Transmit) {
        let now = self.now;
        match t {
            Transmit::Udp { to, payload } if self.up && to == server() => {
                if let Some(resp) = self.zone.answer(&payload, true) {
                    self.client
                        .backend_input(now, |b, now| b.handle_datagram(now, server(), &resp));
                }
            }
            _ => {}
        }
    }

    fn of(&self, id: SubscriptionId) -> Vec<Event> {
        self.events
            .iter()
            .filter(|(i, _)| *i == id)
            .map(|(_, e)| e.clone())
            .collect()
    }
}

fn zone_with_web() -> Zone {
    let mut z = Zone::new(ZONE, Some(key(SECRET)));
    z.add(
        "_http._tcp.example.test.",
        100,
        RecordData::Ptr(n("Web\\032Site._http._tcp.example.test.")),
    );
    z.add(
        "Web\\032Site._http._tcp.example.test.",
        100,
        RecordData::Srv {
            priority: 0,
            weight: 0,
            port: 8080,
            target: n("h.example.test."),
        },
    );
    z.add(
        "Web\\032Site._http._tcp.example.test.",
        100,
        RecordData::Txt(b"\x06path=/".as_slice().into()),
    );
    z.add("h.example.test.", 100, RecordData::A([192, 0, 2, 1].into()));
    z.add(
        "b._dns-sd._udp.example.test.",
        100,
        RecordData::Ptr(n("sub.example.test.")),
    );
    z
}

#[test]
fn rfc6763_4_a_domain_browse_reports_what_a_local_one_does() {
    let mut net = Net::new(zone_with_web(), None);
    let id = net.subscribe(Request::browse_in(http(), n(ZONE), true));
    net.run_for(Duration::from_secs(1));
    let ev = net.of(id);
    assert_eq!(
        ev[0],
        Event::Browse(BrowseEvent::Found {
            instance: InstanceName::new("Web Site").unwrap(),
            service_type: http(),
            interface: UNICAST_DNS,
        }),
        "{ev:?}"
    );
    let Event::Browse(BrowseEvent::Resolved(s)) = &ev[1] else {
        panic!("{ev:?}")
    };
    assert_eq!(s.instance.as_str(), "Web Site");
    assert_eq!(s.host, n("h.example.test."));
    assert_eq!(s.port, 8080);
    assert_eq!(s.txt.get("path").and_then(|e| e.value()), Some(&b"/"[..]));
    assert_eq!(
        s.addresses,
        vec![("192.0.2.1".parse().unwrap(), UNICAST_DNS)]
    );
    // Gone from the zone: removed at the next query (max_poll), as on the link after
    // a goodbye.
    net.zone
        .records
        .retain(|(o, _, _)| *o != n("_http._tcp.example.test."));
    net.run_for(Duration::from_secs(61));
    assert!(
        net.of(id).contains(&Event::Browse(BrowseEvent::Removed {
            instance: InstanceName::new("Web Site").unwrap(),
            service_type: http(),
            interface: UNICAST_DNS,
        })),
        "{:?}",
        net.of(id)
    );
}

#[test]
fn rfc6763_5_one_shots_end_with_the_answer_or_the_zone_saying_no() {
    let mut net = Net::new(zone_with_web(), None);
    let r = net.subscribe(Request::resolve_in(
        InstanceName::new("Web Site").unwrap(),
        http(),
        n(ZONE),
        Duration::from_secs(5),
    ));
    let missing = net.subscribe(Request::resolve_in(
        InstanceName::new("Nobody").unwrap(),
        http(),
        n(ZONE),
        Duration::from_secs(5),
    ));
    let host = net.subscribe(Request::lookup_host(
        n("h.example.test."),
        Duration::from_secs(5),
    ));
    net.run_for(Duration::from_millis(100));
    let ev = net.of(r);
    assert!(
        matches!(&ev[..], [Event::Resolved(Ok(s))] if s.port == 8080),
        "{ev:?}"
    );
    let ev = net.of(missing);
    let [Event::Resolved(Err(Error::Backend(e)))] = &ev[..] else {
        panic!("{ev:?}")
    };
    assert!(
        matches!(
            e.downcast_ref::<UnicastError>(),
            Some(UnicastError::NotFound { .. })
        ),
        "{e}"
    );
    assert_eq!(
        net.of(host),
        vec![Event::HostAddresses(Ok(vec!["192.0.2.1".parse().unwrap()]))]
    );
    // All three ended: the layer holds nothing more for them.
    assert_eq!(net.client.subscription_count(), 0);
}

#[test]
fn rfc6763_11_domains_are_enumerated_under_the_search_domains_and_the_host_network() {
    let mut net = Net::new(zone_with_web(), None);
    let id = net.subscribe(Request::browse_domains(None));
    net.run_for(Duration::from_secs(1));
    let ev = net.of(id);
    assert!(
        ev.contains(&Event::Domain(DomainEvent::Found {
            kind: DomainKind::Browse,
            domain: n("sub.example.test."),
        })),
        "{ev:?}"
    );
    // The host's network (192.0.2.10/24) names a base too; no server is configured
    // for it: said once for the five questions, not five times.
    let errors: Vec<String> = ev
        .iter()
        .filter_map(|e| match e {
            Event::Domain(DomainEvent::ServerError(e)) => Some(e.to_string()),
            _ => None,
        })
        .collect();
    assert_eq!(
        errors,
        ["b._dns-sd._udp.0.2.0.192.in-addr.arpa. PTR: no DNS server is configured"]
    );
    assert_eq!(ev.len(), 2, "{ev:?}");
}

#[test]
fn rfc2136_registration_events_rename_and_unregister_as_on_the_link() {
    let mut zone = zone_with_web();
    // "Web Site" is taken by a service that is not ours (another port).
    zone.key = Some(key(SECRET));
    let mut net = Net::new(zone, Some(key(SECRET)));
    let info = ServiceInfo::builder("Web Site", "_http._tcp", 9090)
        .domain(n(ZONE))
        .build()
        .unwrap();
    let id = net.subscribe(Request::register(info));
    net.run_for(Duration::from_secs(2));
    assert_eq!(
        net.of(id),
        vec![
            Event::Registration(RegistrationEvent::Renamed {
                from: InstanceName::new("Web Site").unwrap(),
                to: InstanceName::new("Web Site (2)").unwrap(),
            }),
            Event::Registration(RegistrationEvent::Registered {
                name: InstanceName::new("Web Site (2)").unwrap(),
            }),
        ]
    );
    // Published at box-mdns.<zone>, with the host's address.
    let srv = net.zone.rrset(
        &n("Web\\032Site\\032(2)._http._tcp.example.test."),
        mdns_sansio::wire::Rtype::SRV,
    );
    assert!(
        matches!(&srv[..], [RecordData::Srv { port: 9090, target, .. }] if *target == n("box-mdns.example.test.")),
        "{srv:?}"
    );
    assert_eq!(
        net.zone
            .rrset(&n("box-mdns.example.test."), mdns_sansio::wire::Rtype::A),
        vec![RecordData::A([192, 0, 2, 10].into())]
    );
    net.client.unregister(net.now, id).unwrap();
    net.run_for(Duration::from_secs(2));
    assert_eq!(
        net.of(id).last(),
        Some(&Event::Registration(RegistrationEvent::Unregistered))
    );
    assert!(net
        .zone
        .rrset(
            &n("Web\\032Site\\032(2)._http._tcp.example.test."),
            mdns_sansio::wire::Rtype::SRV
        )
        .is_empty());
    assert_eq!(net.client.subscription_count(), 0);
}

#[test]
fn rfc8945_5_3_2_a_wrong_key_is_a_server_error_naming_the_key_and_the_registration_stays() {
    let mut net = Net::new(zone_with_web(), Some(key(b"not the secret the server has")));
    let info = ServiceInfo::builder("Printer", "_ipp._tcp", 631)
        .domain(n(ZONE))
        .allow_rename(false)
        .build()
        .unwrap();
    let id = net.subscribe(Request::register(info));
    net.run_for(Duration::from_secs(3));
    let ev = net.of(id);
    let [Event::Registration(RegistrationEvent::ServerError(e))] = &ev[..] else {
        panic!("{ev:?}")
    };
    let text = e.to_string();
    assert!(
        text.contains("the server rejected the signature (BADSIG)")
            && text.contains("k.example.test."),
        "{text}"
    );
    assert!(!text.contains("not the secret"), "{text}");
    assert!(
        matches!(
            e.downcast_ref::<UnicastError>(),
            Some(UnicastError::Update(UpdateError::Tsig {
                error: Rcode::BADSIG,
                ..
            }))
        ),
        "{e:?}"
    );
    assert!(
        net.client.is_active(id),
        "kept, and sent again with backoff"
    );
}

#[test]
fn a_taken_name_without_renaming_fails_as_a_conflict_on_the_link_does() {
    let mut net = Net::new(zone_with_web(), Some(key(SECRET)));
    let info = ServiceInfo::builder("Web Site", "_http._tcp", 9090)
        .domain(n(ZONE))
        .allow_rename(false)
        .build()
        .unwrap();
    let id = net.subscribe(Request::register(info));
    net.run_for(Duration::from_secs(2));
    assert_eq!(
        net.of(id),
        vec![Event::Registration(RegistrationEvent::Failed(
            RegistrationFailure::Conflict
        ))]
    );
    assert_eq!(net.client.subscription_count(), 0);
}

#[test]
fn a_silent_server_is_reported_once_and_the_browse_goes_on() {
    let mut net = Net::new(zone_with_web(), None);
    net.up = false;
    let id = net.subscribe(Request::browse_in(http(), n(ZONE), false));
    net.run_for(Duration::from_secs(20));
    let ev = net.of(id);
    let [Event::Browse(BrowseEvent::ServerError(e))] = &ev[..] else {
        panic!("{ev:?}")
    };
    assert!(
        e.to_string()
            .starts_with("_http._tcp.example.test. PTR: no answer from 192.0.2.53:53"),
        "{e}"
    );
    net.up = true;
    net.run_for(Duration::from_secs(60));
    assert!(
        matches!(
            net.of(id).last(),
            Some(Event::Browse(BrowseEvent::Found { .. }))
        ),
        "{:?}",
        net.of(id)
    );
}

#[test]
fn one_shot_queries_are_refused_with_a_typed_error() {
    let mut net = Net::new(zone_with_web(), None);
    let e = net
        .client
        .subscribe(
            net.now,
            Request::query(n("h.example.test."), mdns_sansio::wire::Rtype::A),
        )
        .unwrap_err();
    let Error::Backend(e) = e else {
        panic!("{e:?}")
    };
    assert!(matches!(
        e.downcast_ref::<UnicastError>(),
        Some(UnicastError::Unsupported { .. })
    ));
}
