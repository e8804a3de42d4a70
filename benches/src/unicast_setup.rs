//! Workloads of the unicast DNS-SD client (`dnssd-unicast`), shared by the criterion
//! bench (benches/unicast.rs) and the callgrind runner (src/bin/unicast_callgrind.rs).
//!
//! The server's side (answers built, signed) is prepared outside what is measured: the
//! client's work is a browse answer taken in (checks, parse, cache, events) or an update
//! sent (built, signed with HMAC-SHA256) and its answer taken in (checks, TSIG verify,
//! state, event).

use dnssd_unicast::client::{DomainConfig, RegId, ServiceRegistration, SubId, Transmit};
use dnssd_unicast::wire::tsig::{self, SignParams};
use dnssd_unicast::wire::types::SOA;
use dnssd_unicast::{Algorithm, Client, ClientConfig, Event, TsigKey};
use mdns_sansio::sd::{InstanceName, ServiceType};
use mdns_sansio::wire::{Class, Header, Message, MessageWriter, RecordData, Rtype, Section};
use mdns_sansio::{Instant, Name};
use std::net::SocketAddr;

pub const SERVER: &str = "192.0.2.53:53";
const UNIX: u64 = 1_700_000_000;

fn n(s: &str) -> Name {
    Name::parse(s).unwrap()
}

fn key() -> TsigKey {
    TsigKey::new(
        n("k.example.com."),
        Algorithm::HmacSha256,
        b"bench secret bench secret",
    )
    .unwrap()
}

pub fn server() -> SocketAddr {
    SERVER.parse().unwrap()
}

fn client(signed: bool) -> Client {
    let mut c = ClientConfig::default();
    let mut d = DomainConfig::new(n("example.com."), vec![server()]);
    if signed {
        d = d.with_key(key(), false);
    }
    c.domains.push(d);
    let mut client = Client::new(c, 1);
    client.set_unix_time(Instant::ZERO, UNIX);
    client
}

/// A client with a browse in flight, and the answer to it (with `instances` PTRs).
pub fn browse(instances: usize) -> (Client, Vec<u8>) {
    let mut c = client(false);
    c.browse(
        Instant::ZERO,
        SubId(1),
        &ServiceType::new("_http._tcp").unwrap(),
        &n("example.com."),
    )
    .unwrap();
    let Some(Transmit::Udp { payload, .. }) = c.poll_transmit() else {
        panic!("no query")
    };
    let id = Header::parse(&payload).unwrap().id;
    let mut buf = vec![0u8; 4096];
    let ty = n("_http._tcp.example.com.");
    let mut w = MessageWriter::new(&mut buf, id, Header::QR | Header::AA | Header::RD).unwrap();
    w.push_question(&ty, Rtype::PTR, Class::IN, false).unwrap();
    for i in 0..instances {
        let inst = ty.prepend(format!("Service {i}").as_bytes()).unwrap();
        w.push_record(
            Section::Answer,
            &ty,
            Class::IN,
            false,
            3600,
            &RecordData::Ptr(inst),
        )
        .unwrap();
    }
    let len = w.finish();
    buf.truncate(len);
    (c, buf)
}

/// The client's side of one browse answer: checks, parse, cache, events. Returns the
/// events.
pub fn take_answer(c: &mut Client, answer: &[u8]) -> usize {
    c.handle_datagram(Instant::from_millis(3), server(), answer);
    let mut n = 0;
    while c.poll_event().is_some() {
        n += 1;
    }
    n
}

/// A signed client, ready to register.
pub fn update_client() -> Client {
    client(true)
}

/// The client's side of sending a registration: the update built and signed.
pub fn send_update(c: &mut Client) -> Vec<u8> {
    let mut r = ServiceRegistration::new(
        InstanceName::new("Web Server").unwrap(),
        ServiceType::new("_http._tcp").unwrap(),
        n("example.com."),
        n("host.example.com."),
        8080,
    );
    r.txt = b"\x07path=/x".to_vec();
    r.subtypes.push(b"_printer".to_vec());
    c.register(Instant::ZERO, RegId(1), r).unwrap();
    match c.poll_transmit() {
        Some(Transmit::Udp { payload, .. }) => payload,
        _ => panic!("no update"),
    }
}

/// The server's answer to an update: NOERROR, signed over the request's MAC.
pub fn update_answer(request: &[u8]) -> Vec<u8> {
    let h = Message::parse(request).unwrap().header();
    let v = tsig::verify(request, &key(), UNIX, None).unwrap();
    let mut buf = vec![0u8; 512];
    let mut w = MessageWriter::new(&mut buf, h.id, Header::QR | (h.flags & 0x7800)).unwrap();
    w.push_question(&n("example.com."), SOA, Class::IN, false)
        .unwrap();
    let len = w.finish();
    buf.truncate(len);
    let p = SignParams {
        request_mac: Some(&v.mac),
        ..SignParams::request(UNIX)
    };
    tsig::sign(&mut buf, &key(), &p).unwrap();
    buf
}

/// The client's side of an update's answer: checks, TSIG verify, state, event.
pub fn take_update_answer(c: &mut Client, answer: &[u8]) -> bool {
    c.handle_datagram(Instant::from_millis(3), server(), answer);
    matches!(c.poll_event(), Some(Event::Registered { .. }))
}
