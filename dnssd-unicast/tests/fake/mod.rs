//! An in-process authoritative server for the deterministic tests: one zone, queries
//! and RFC 2136 updates (the prerequisite and update forms the client uses), TSIG
//! verified on requests and responses signed, built from the crate's own wire code and
//! `mdns_sansio`'s writer. Driven with simulated time by [`Net`], which moves packets
//! between it and a `Client` and can drop, delay or rewrite them.

#![allow(dead_code)]

use dnssd_unicast::client::{Client, Transmit};
use dnssd_unicast::wire::tcp::{frame, Deframer};
use dnssd_unicast::wire::tsig::{self, SignParams, TsigRecord, VerifyError};
use dnssd_unicast::wire::types::{Opcode, Rcode, CLASS_ANY, CLASS_NONE, SOA};
use dnssd_unicast::wire::update::UpdateView;
use dnssd_unicast::TsigKey;
use mdns_sansio::wire::{Class, Header, Message, MessageWriter, RecordData, Rtype, Section};
use mdns_sansio::{Instant, Name};
use std::net::SocketAddr;
use std::time::Duration;

pub fn n(s: &str) -> Name {
    Name::parse(s).unwrap()
}

/// The zone's records.
pub struct Zone {
    pub apex: Name,
    pub records: Vec<(Name, u32, RecordData)>,
    pub key: Option<TsigKey>,
    /// Unix time the server signs with.
    pub unix: u64,
    /// Answer queries with TC set over UDP.
    pub truncate_udp: bool,
    pub updates: u32,
}

impl Zone {
    pub fn new(apex: &str, key: Option<TsigKey>) -> Zone {
        Zone {
            apex: n(apex),
            records: Vec::new(),
            key,
            unix: 1_700_000_000,
            truncate_udp: false,
            updates: 0,
        }
    }

    pub fn add(&mut self, name: &str, ttl: u32, d: RecordData) {
        self.records.push((n(name), ttl, d));
    }

    pub fn rrset(&self, name: &Name, t: Rtype) -> Vec<RecordData> {
        self.records
            .iter()
            .filter(|(o, _, d)| o == name && d.rtype() == Some(t))
            .map(|(_, _, d)| d.clone())
            .collect()
    }

    fn has_name(&self, name: &Name) -> bool {
        self.records.iter().any(|(o, _, _)| o == name)
    }

    /// Answers one request; `None` to stay silent (a malformed one).
    pub fn answer(&mut self, req: &[u8], udp: bool) -> Option<Vec<u8>> {
        let m = Message::parse(req).ok()?;
        let h = m.header();
        let q = m.questions().next()?.ok()?;
        let mut req_mac = None;
        if let Some(k) = &self.key {
            match tsig::verify(req, k, self.unix, None) {
                Ok(v) => req_mac = Some(v.mac),
                Err(VerifyError::Unsigned) => {}
                Err(_) => {
                    // RFC 8945 §5.3.2: an unsigned NOTAUTH with BADSIG.
                    let mut out = self.header_only(h, q.name.to_name(), q.qtype, Rcode::NOTAUTH);
                    let rec = TsigRecord::find(req).ok()??;
                    let wrong =
                        TsigKey::new(rec.key_name.to_name(), k.algorithm(), b"unknown").unwrap();
                    let p = SignParams {
                        error: Rcode::BADSIG,
                        ..SignParams::request(self.unix)
                    };
                    tsig::sign(&mut out, &wrong, &p).ok()?;
                    strip_mac(&mut out);
                    return Some(out);
                }
            }
        }
        let mut out = if Opcode(h.opcode()) == Opcode::UPDATE {
            let rcode = self.update(req);
            self.header_only(h, q.name.to_name(), SOA, rcode)
        } else {
            self.query(h, &q.name.to_name(), q.qtype, udp)
        };
        if let (Some(k), Some(mac)) = (&self.key, &req_mac) {
            let p = SignParams {
                request_mac: Some(mac),
                ..SignParams::request(self.unix)
            };
            tsig::sign(&mut out, k, &p).ok()?;
        }
        Some(out)
    }

    fn header_only(&self, h: Header, qname: Name, qtype: Rtype, rcode: Rcode) -> Vec<u8> {
        let mut buf = vec![0u8; 512];
        let flags = Header::QR | (h.flags & 0x7800) | rcode.0;
        let mut w = MessageWriter::new(&mut buf, h.id, flags).unwrap();
        w.push_question(&qname, qtype, Class::IN, false).unwrap();
        let len = w.finish();
        buf.truncate(len);
        buf
    }

    fn query(&self, h: Header, name: &Name, t: Rtype, udp: bool) -> Vec<u8> {
        let answers: Vec<&(Name, u32, RecordData)> = self
            .records
            .iter()
            .filter(|(o, _, d)| o == name && d.rtype() == Some(t))
            .collect();
        let rcode = if answers.is_empty() && !self.has_name(name) {
            3
        } else {
            0
        };
        let mut buf = vec![0u8; 65535];
        let mut w = MessageWriter::new(&mut buf, h.id, Header::QR | Header::AA | rcode).unwrap();
        w.push_question(name, t, Class::IN, false).unwrap();
        if udp && self.truncate_udp {
            w.set_truncated(true);
        } else {
            for (o, ttl, d) in &answers {
                w.push_record(Section::Answer, o, Class::IN, false, *ttl, d)
                    .unwrap();
            }
        }
        if answers.is_empty() {
            let mut soa = Vec::new();
            soa.extend_from_slice(self.apex.prepend(b"ns").unwrap().as_wire());
            soa.extend_from_slice(self.apex.prepend(b"admin").unwrap().as_wire());
            for v in [1u32, 60, 60, 600, 30] {
                soa.extend_from_slice(&v.to_be_bytes());
            }
            w.push_record_typed(
                Section::Authority,
                &self.apex,
                SOA,
                Class::IN,
                false,
                60,
                &RecordData::Other(soa.as_slice().into()),
            )
            .unwrap();
        }
        let len = w.finish();
        buf.truncate(len);
        buf
    }

    /// RFC 2136 §3.2 and RFC 2136 §3.4, for the forms the client sends.
    fn update(&mut self, req: &[u8]) -> Rcode {
        let Ok(v) = UpdateView::parse(req) else {
            return Rcode::FORMERR;
        };
        if !v.zone.eq_name(&self.apex) {
            return Rcode::NOTAUTH;
        }
        let Ok(recs) = v.records() else {
            return Rcode::FORMERR;
        };
        // Prerequisites.
        let mut equal: Vec<(Name, RecordData)> = Vec::new();
        for r in recs.iter().filter(|r| r.section == Section::Answer) {
            let name = r.name.to_name();
            match (r.class, r.rtype, &r.rdata) {
                (c, Rtype::ANY, None) if c == CLASS_NONE => {
                    if self.has_name(&name) {
                        return Rcode::YXDOMAIN;
                    }
                }
                (Class::IN, _, Some(d)) => equal.push((name, d.to_owned())),
                _ => return Rcode::FORMERR,
            }
        }
        for (name, d) in &equal {
            let t = d.rtype().unwrap();
            let want: Vec<&RecordData> = equal
                .iter()
                .filter(|(o, x)| o == name && x.rtype() == Some(t))
                .map(|(_, x)| x)
                .collect();
            let have = self.rrset(name, t);
            if have.len() != want.len() || !have.iter().all(|h| want.contains(&h)) {
                return Rcode::NXRRSET;
            }
        }
        for r in recs.iter().filter(|r| r.section == Section::Authority) {
            let name = r.name.to_name();
            match (r.class, r.rtype, &r.rdata) {
                (Class::IN, _, Some(d)) => {
                    let d = d.to_owned();
                    if !self.records.iter().any(|(o, _, x)| *o == name && *x == d) {
                        self.records.push((name, r.ttl, d));
                    }
                }
                (c, Rtype::ANY, None) if c == CLASS_ANY => {
                    self.records.retain(|(o, _, _)| *o != name)
                }
                (c, t, None) if c == CLASS_ANY => self
                    .records
                    .retain(|(o, _, d)| !(*o == name && d.rtype() == Some(t))),
                (c, _, Some(d)) if c == CLASS_NONE => {
                    let d = d.to_owned();
                    self.records.retain(|(o, _, x)| !(*o == name && *x == d));
                }
                _ => return Rcode::FORMERR,
            }
        }
        self.updates += 1;
        Rcode::NOERROR
    }
}

/// Turns a signed message into an unsigned TSIG error: MAC size 0, no MAC.
fn strip_mac(msg: &mut Vec<u8>) {
    let rec = TsigRecord::find(msg).unwrap().unwrap();
    let name_len = rec.key_name.wire_len();
    let rdata = rec.start + name_len + 10;
    let mac_size_at = rdata + rec.algorithm.len() + 8;
    let mac_len = rec.mac.len();
    msg.drain(mac_size_at + 2..mac_size_at + 2 + mac_len);
    msg[mac_size_at..mac_size_at + 2].copy_from_slice(&[0, 0]);
    let rdlen = u16::from_be_bytes([msg[rdata - 2], msg[rdata - 1]]) - mac_len as u16;
    msg[rdata - 2..rdata].copy_from_slice(&rdlen.to_be_bytes());
}

/// What a packet from the client met.
pub enum Fate {
    Deliver,
    Drop,
}

/// The client, the zone and simulated time.
pub struct Net {
    pub client: Client,
    pub zone: Zone,
    pub server: SocketAddr,
    pub now: Instant,
    /// Every transmit the client made, with when.
    pub log: Vec<(Instant, Transmit)>,
    pub events: Vec<dnssd_unicast::Event>,
    tcp: std::collections::BTreeMap<u64, Deframer>,
}

impl Net {
    pub fn new(client: Client, zone: Zone, server: SocketAddr) -> Net {
        let mut net = Net {
            client,
            zone,
            server,
            now: Instant::ZERO,
            log: Vec::new(),
            events: Vec::new(),
            tcp: Default::default(),
        };
        net.client.set_unix_time(Instant::ZERO, 1_700_000_000);
        net
    }

    /// Runs until `until` (simulated), `fate` deciding each packet's lot.
    pub fn run(&mut self, until: Instant, mut fate: impl FnMut(&Transmit) -> Fate) {
        loop {
            while let Some(t) = self.client.poll_transmit() {
                self.log.push((self.now, t.clone()));
                if let Fate::Drop = fate(&t) {
                    continue;
                }
                self.deliver(t);
            }
            while let Some(e) = self.client.poll_event() {
                self.events.push(e);
            }
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

    pub fn run_for(&mut self, d: Duration) {
        let until = self.now + d;
        self.run(until, |_| Fate::Deliver);
    }

    fn deliver(&mut self, t: Transmit) {
        match t {
            Transmit::Udp { to, payload } => {
                if to != self.server {
                    return;
                }
                if let Some(resp) = self.zone.answer(&payload, true) {
                    self.client.handle_datagram(self.now, self.server, &resp);
                }
            }
            Transmit::Tcp { conn, payload, .. } => {
                let d = self.tcp.entry(conn.0).or_default();
                d.push(&payload);
                while let Some(req) = d.next_message() {
                    if let Some(resp) = self.zone.answer(&req, false) {
                        let framed = frame(&resp).unwrap();
                        // Cut in two, as a stream may be.
                        let (a, b) = framed.split_at(framed.len() / 2);
                        self.client.handle_tcp(self.now, conn, a);
                        self.client.handle_tcp(self.now, conn, b);
                    }
                }
            }
            Transmit::TcpClose { conn } => {
                self.tcp.remove(&conn.0);
            }
        }
    }
}
