//! The unicast DNS-SD wire and client against arbitrary bytes: TSIG records found and
//! verified, OPT and update sections read, answers read, TCP deframed, and a client with
//! a browse, a resolve and a signed registration in flight fed the input as a UDP answer
//! (its id patched to one in flight, so it gets past the first check) and as TCP bytes.
//! Never a panic; every packet the client sends afterwards parses.
#![no_main]

use dnssd_unicast::client::{DomainConfig, RegId, ServiceRegistration, SubId, Transmit};
use dnssd_unicast::wire::edns::Opt;
use dnssd_unicast::wire::frame::Frames;
use dnssd_unicast::wire::query::Answer;
use dnssd_unicast::wire::tcp::Deframer;
use dnssd_unicast::wire::tsig::{self, TsigRecord};
use dnssd_unicast::wire::update::UpdateView;
use dnssd_unicast::{Algorithm, Client, ClientConfig, TsigKey};
use libfuzzer_sys::fuzz_target;
use mdns_sansio::sd::{InstanceName, ServiceType};
use mdns_sansio::wire::{Message, Rtype};
use mdns_sansio::{Instant, Name};
use std::net::SocketAddr;

fn wire(data: &[u8]) {
    let key = TsigKey::new(Name::parse("k.example.").unwrap(), Algorithm::HmacSha256, b"secret").unwrap();
    if let Ok(Some(r)) = TsigRecord::find(data) {
        assert!(r.start <= data.len());
    }
    let _ = tsig::verify(data, &key, 1_700_000_000, None);
    let _ = tsig::verify(data, &key, 1_700_000_000, Some(&[0u8; 32]));
    let _ = Opt::find(data).map(|o| o.map(|o| o.lease()));
    if let Ok(v) = UpdateView::parse(data) {
        let _ = v.records();
    }
    if let Ok(f) = Frames::new(data) {
        for r in f.flatten() {
            assert!(r.end() <= data.len());
        }
    }
    let _ = Answer::read(data, &Name::parse("_http._tcp.example.").unwrap(), Rtype::PTR);
    let mut d = Deframer::new();
    for chunk in data.chunks(7) {
        d.push(chunk);
        while let Some(m) = d.next_message() {
            assert!(m.len() <= 65_535);
        }
    }
}

fn client(data: &[u8]) {
    let server: SocketAddr = "192.0.2.53:53".parse().unwrap();
    let key = TsigKey::new(Name::parse("k.example.").unwrap(), Algorithm::HmacSha256, b"secret").unwrap();
    let mut config = ClientConfig::default();
    let zone = Name::parse("example.").unwrap();
    config.domains.push(DomainConfig::new(zone.clone(), vec![server]).with_key(key, false));
    let mut c = Client::new(config, 7);
    c.set_unix_time(Instant::ZERO, 1_700_000_000);
    let ty = ServiceType::new("_http._tcp").unwrap();
    c.browse(Instant::ZERO, SubId(1), &ty, &zone).unwrap();
    c.resolve(Instant::ZERO, SubId(2), &Name::parse("Web._http._tcp.example.").unwrap()).unwrap();
    let reg = ServiceRegistration::new(
        InstanceName::new("Web").unwrap(),
        ty,
        zone,
        Name::parse("h.example.").unwrap(),
        80,
    );
    c.register(Instant::ZERO, RegId(1), reg).unwrap();
    let mut ids = Vec::new();
    let mut conns = Vec::new();
    while let Some(t) = c.poll_transmit() {
        match t {
            Transmit::Udp { payload, .. } => ids.push([payload[0], payload[1]]),
            Transmit::Tcp { conn, .. } => conns.push(conn),
            Transmit::TcpClose { .. } => {}
        }
    }
    let now = Instant::from_millis(5);
    for id in &ids {
        let mut d = data.to_vec();
        if d.len() >= 2 {
            d[..2].copy_from_slice(id);
        }
        c.handle_datagram(now, server, &d);
    }
    c.handle_datagram(now, server, data);
    for conn in conns {
        c.handle_tcp(now, conn, data);
    }
    c.handle_timeout(Instant::from_secs(2));
    while let Some(t) = c.poll_transmit() {
        if let Transmit::Udp { payload, .. } = t {
            assert!(Message::parse(&payload).is_ok());
        }
    }
    while c.poll_event().is_some() {}
}

fuzz_target!(|data: &[u8]| {
    wire(data);
    client(data);
});
