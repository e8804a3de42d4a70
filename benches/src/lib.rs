//! Parse and build harnesses shared by the criterion benches (benches/wire.rs) and the
//! callgrind runner (src/bin/callgrind.rs).
//!
//! "Parse" is a full decode: every question and record decoded by the library, every name
//! walked through its pointers label by label (names inside rdata too, where the library
//! decodes them). Each function returns a checksum so the optimiser cannot drop the work.
//! "Build" writes a whole packet with name compression, from content prepared beforehand
//! in each library's own owned form.

pub mod querier_setup;
pub mod unicast_setup;

use std::fmt::{self, Write as _};

/// The benchmark corpus (shared/corpus, copied into mdns-proto/tests/fixtures/corpus).
pub const CORPUS: &[(&str, &[u8])] = &[
    (
        "a",
        include_bytes!("../../mdns-proto/tests/fixtures/corpus/a_browse_qu.bin"),
    ),
    (
        "b",
        include_bytes!("../../mdns-proto/tests/fixtures/corpus/b_known_answers.bin"),
    ),
    (
        "c",
        include_bytes!("../../mdns-proto/tests/fixtures/corpus/c_service_resp.bin"),
    ),
    (
        "d",
        include_bytes!("../../mdns-proto/tests/fixtures/corpus/d_large_resp.bin"),
    ),
    (
        "e",
        include_bytes!("../../mdns-proto/tests/fixtures/corpus/e_probe.bin"),
    ),
    (
        "f",
        include_bytes!("../../mdns-proto/tests/fixtures/corpus/f_goodbye.bin"),
    ),
];

/// The packet called `name` ("a".."f").
pub fn packet(name: &str) -> &'static [u8] {
    CORPUS
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, p)| *p)
        .unwrap_or_else(|| panic!("no corpus packet {name}"))
}

/// The parsers, in table order.
pub const PARSERS: &[&str] = &[
    "floor",
    "ours",
    "dns-parser",
    "dns-parser-display",
    "domain",
    "mdns-proto-al8n",
    "simple-dns",
    "hickory",
];

/// The builders, in table order.
pub const BUILDERS: &[&str] = &["ours", "simple-dns", "hickory", "domain"];

/// Runs parser `name` over `p` once.
pub fn parse(name: &str, p: &[u8]) -> usize {
    match name {
        "floor" => floor::parse(p),
        "ours" => ours::parse(p),
        "dns-parser" => dns_parser_impl::parse_only(p),
        "dns-parser-display" => dns_parser_impl::parse(p),
        "domain" => domain_impl::parse(p),
        "mdns-proto-al8n" => al8n::parse(p),
        "simple-dns" => simple_dns_impl::parse(p),
        "hickory" => hickory_impl::parse(p),
        _ => panic!("unknown parser {name}"),
    }
}

/// A string sink that only counts, for libraries whose names are walked by `Display`.
struct Count(usize);
impl fmt::Write for Count {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        self.0 += s.len();
        Ok(())
    }
}

/// The physical limit: walk the framing, follow every name through its pointers label by
/// label (names in PTR/SRV/NSEC/CNAME rdata too), read the record headers. No typing, no
/// validation beyond staying in bounds.
pub mod floor {
    #[inline(always)]
    fn walk_name(p: &[u8], mut at: usize, acc: &mut usize) -> usize {
        let mut end = 0;
        let mut hops = 0;
        loop {
            let Some(&len) = p.get(at) else {
                return usize::MAX;
            };
            if len == 0 {
                return if end == 0 { at + 1 } else { end };
            }
            if len & 0xC0 == 0xC0 {
                let Some(&lo) = p.get(at + 1) else {
                    return usize::MAX;
                };
                if end == 0 {
                    end = at + 2;
                }
                hops += 1;
                if hops > 32 {
                    return usize::MAX;
                }
                at = (usize::from(len & 0x3F) << 8) | usize::from(lo);
            } else {
                let l = usize::from(len);
                *acc = acc.wrapping_add(l);
                at += 1 + l;
            }
        }
    }

    /// Walks `p`; returns a checksum.
    pub fn parse(p: &[u8]) -> usize {
        if p.len() < 12 {
            return 0;
        }
        let w = |i: usize| u16::from_be_bytes([p[i], p[i + 1]]);
        let mut acc = 0usize;
        let mut at = 12;
        for _ in 0..w(4) {
            at = walk_name(p, at, &mut acc);
            if at == usize::MAX || at + 4 > p.len() {
                return acc;
            }
            acc = acc.wrapping_add(usize::from(w(at)));
            at += 4;
        }
        let n = u32::from(w(6)) + u32::from(w(8)) + u32::from(w(10));
        for _ in 0..n {
            at = walk_name(p, at, &mut acc);
            if at == usize::MAX || at + 10 > p.len() {
                return acc;
            }
            let rtype = w(at);
            let rdlen = usize::from(w(at + 8));
            let rd = at + 10;
            match rtype {
                12 | 5 | 47 => {
                    walk_name(p, rd, &mut acc);
                }
                33 => {
                    walk_name(p, rd + 6, &mut acc);
                }
                _ => {}
            }
            acc = acc.wrapping_add(usize::from(rtype));
            at = rd + rdlen;
        }
        acc
    }
}

/// This workspace's core, `mdns-sansio` (folder `mdns-proto`).
pub mod ours {
    use mdns_sansio::wire::{Message, MessageWriter, NameRef, RData, RecordData, Rtype, Section};
    use mdns_sansio::Name;

    #[inline(always)]
    fn walk(n: &NameRef<'_>, acc: &mut usize) {
        for l in n.labels() {
            *acc = acc.wrapping_add(l.len());
        }
    }

    /// Full decode; returns a checksum.
    pub fn parse(p: &[u8]) -> usize {
        let Ok(msg) = Message::parse(p) else { return 0 };
        let mut acc = 0usize;
        let mut questions = msg.questions();
        for q in questions.by_ref().flatten() {
            walk(&q.name, &mut acc);
            acc = acc.wrapping_add(usize::from(q.qtype.0));
        }
        // The records start where the questions ended, with the names they read.
        for r in questions.into_records() {
            let Ok(r) = r else { continue };
            walk(&r.name, &mut acc);
            acc = acc.wrapping_add(r.ttl as usize);
            match r.rdata {
                RData::Ptr(n) | RData::Cname(n) => walk(&n, &mut acc),
                RData::Srv { port, target, .. } => {
                    acc = acc.wrapping_add(usize::from(port));
                    walk(&target, &mut acc);
                }
                RData::Nsec { next, types } => {
                    walk(&next, &mut acc);
                    acc = acc.wrapping_add(usize::from(types.contains(Rtype::A)));
                }
                RData::A(a) => acc = acc.wrapping_add(usize::from(a.octets()[3])),
                RData::Aaaa(a) => acc = acc.wrapping_add(usize::from(a.octets()[15])),
                RData::Txt(t) => {
                    for s in t {
                        acc = acc.wrapping_add(s.len());
                    }
                }
                RData::Hinfo { cpu, os } => acc = acc.wrapping_add(cpu.len() + os.len()),
                RData::Opt(b) | RData::Other(b) => acc = acc.wrapping_add(b.len()),
            }
        }
        acc
    }

    /// A packet's content in owned form, ready to be written.
    pub struct Prepared {
        id: u16,
        flags: u16,
        questions: Vec<(Name, Rtype, mdns_sansio::wire::Class, bool)>,
        records: Vec<Rec>,
    }

    struct Rec {
        section: Section,
        name: Name,
        rtype: Rtype,
        class: mdns_sansio::wire::Class,
        flush: bool,
        ttl: u32,
        data: RecordData,
    }

    /// Owned content of `p`.
    pub fn prepare(p: &[u8]) -> Prepared {
        let msg = Message::parse(p).expect("corpus packet");
        Prepared {
            id: msg.header().id,
            flags: msg.header().flags,
            questions: msg
                .questions()
                .map(|q| {
                    let q = q.expect("corpus question");
                    (q.name.to_name(), q.qtype, q.qclass, q.unicast_response)
                })
                .collect(),
            records: msg
                .records()
                .map(|r| {
                    let r = r.expect("corpus record");
                    Rec {
                        section: r.section,
                        name: r.name.to_name(),
                        rtype: r.rtype,
                        class: r.class,
                        flush: r.cache_flush,
                        ttl: r.ttl,
                        data: r.rdata.to_owned(),
                    }
                })
                .collect(),
        }
    }

    /// Writes `c` with compression into `buf`; returns the length.
    pub fn build(c: &Prepared, buf: &mut [u8]) -> usize {
        let mut w = MessageWriter::new(buf, c.id, c.flags).expect("buffer");
        for (n, t, cl, qu) in &c.questions {
            w.push_question(n, *t, *cl, *qu).expect("fits");
        }
        for r in &c.records {
            w.push_record_typed(
                r.section, &r.name, r.rtype, r.class, r.flush, r.ttl, &r.data,
            )
            .expect("fits");
        }
        w.finish()
    }
}

/// dns-parser 0.8: names are walked through its `Display` (which follows pointers).
pub mod dns_parser_impl {
    use super::Count;
    use dns_parser::{Packet, RData};
    use std::fmt::Write as _;

    /// Its parse alone: dns-parser walks every name through its pointers while parsing
    /// (`Name::scan`) and types A/AAAA/PTR/CNAME/SRV/TXT, but offers no label iterator.
    pub fn parse_only(p: &[u8]) -> usize {
        let Ok(pkt) = Packet::parse(p) else { return 0 };
        let mut acc = pkt.questions.len();
        for r in pkt
            .answers
            .iter()
            .chain(&pkt.nameservers)
            .chain(&pkt.additional)
        {
            acc = acc.wrapping_add(r.ttl as usize);
            if let RData::SRV(s) = &r.data {
                acc = acc.wrapping_add(usize::from(s.port));
            }
        }
        acc
    }

    /// Parse, then walk every name label by label through its `Display` (the only way
    /// dns-parser exposes a name's labels).
    pub fn parse(p: &[u8]) -> usize {
        let Ok(pkt) = Packet::parse(p) else { return 0 };
        let mut c = Count(0);
        for q in &pkt.questions {
            let _ = write!(c, "{}", q.qname);
            c.0 += q.qtype as usize;
        }
        for r in pkt
            .answers
            .iter()
            .chain(&pkt.nameservers)
            .chain(&pkt.additional)
        {
            let _ = write!(c, "{}", r.name);
            c.0 = c.0.wrapping_add(r.ttl as usize);
            match &r.data {
                RData::PTR(n) => {
                    let _ = write!(c, "{}", n.0);
                }
                RData::CNAME(n) => {
                    let _ = write!(c, "{}", n.0);
                }
                RData::SRV(s) => {
                    c.0 += usize::from(s.port);
                    let _ = write!(c, "{}", s.target);
                }
                RData::TXT(t) => {
                    for s in t.iter() {
                        c.0 += s.len();
                    }
                }
                RData::A(a) => c.0 += usize::from(a.0.octets()[3]),
                RData::AAAA(a) => c.0 += usize::from(a.0.octets()[15]),
                RData::Unknown(b) => c.0 += b.len(),
                _ => c.0 += 1,
            }
        }
        c.0
    }
}

/// NLnet Labs domain 0.12 with borrowed (parsed) names.
pub mod domain_impl {
    use domain::base::iana::Class;
    use domain::base::message_builder::{MessageBuilder, TreeCompressor};
    use domain::base::name::ParsedName;
    use domain::base::Message;
    use domain::rdata::AllRecordData;

    type Data<'a> = AllRecordData<&'a [u8], ParsedName<&'a [u8]>>;

    #[inline(always)]
    fn walk(n: &ParsedName<&[u8]>, acc: &mut usize) {
        for l in n.iter() {
            *acc = acc.wrapping_add(l.len());
        }
    }

    /// Full decode; returns a checksum.
    pub fn parse(p: &[u8]) -> usize {
        let Ok(msg) = Message::from_octets(p) else {
            return 0;
        };
        let mut acc = 0usize;
        for q in msg.question().flatten() {
            walk(q.qname(), &mut acc);
            acc = acc.wrapping_add(usize::from(q.qtype().to_int()));
        }
        let Ok(mut section) = msg.answer() else {
            return acc;
        };
        loop {
            for r in section {
                let Ok(r) = r else { break };
                let Ok(Some(rec)) = r.to_record::<Data<'_>>() else {
                    continue;
                };
                walk(rec.owner(), &mut acc);
                acc = acc.wrapping_add(rec.ttl().as_secs() as usize);
                match rec.data() {
                    AllRecordData::Ptr(d) => walk(d.ptrdname(), &mut acc),
                    AllRecordData::Cname(d) => walk(d.cname(), &mut acc),
                    AllRecordData::Srv(d) => {
                        acc = acc.wrapping_add(usize::from(d.port()));
                        walk(d.target(), &mut acc);
                    }
                    AllRecordData::Nsec(d) => walk(d.next_name(), &mut acc),
                    AllRecordData::Txt(t) => {
                        for s in t.iter() {
                            acc = acc.wrapping_add(s.len());
                        }
                    }
                    AllRecordData::A(a) => {
                        acc = acc.wrapping_add(usize::from(a.addr().octets()[3]))
                    }
                    AllRecordData::Aaaa(a) => {
                        acc = acc.wrapping_add(usize::from(a.addr().octets()[15]))
                    }
                    _ => acc = acc.wrapping_add(1),
                }
            }
            match section.next_section() {
                Ok(Some(s)) => section = s,
                _ => break,
            }
        }
        acc
    }

    /// domain builds from the parsed message itself (borrowed names and rdata).
    pub struct Prepared(pub Vec<u8>);

    /// Keeps the packet; domain's records borrow from it.
    pub fn prepare(p: &[u8]) -> Prepared {
        Prepared(p.to_vec())
    }

    /// Writes every question and record of the prepared packet with domain's tree
    /// compressor; returns the length.
    pub fn build(c: &Prepared) -> usize {
        let msg = Message::from_octets(c.0.as_slice()).expect("corpus");
        let mut b = MessageBuilder::from_target(TreeCompressor::new(Vec::with_capacity(1500)))
            .expect("builder");
        b.header_mut().set_id(msg.header().id());
        b.header_mut().set_qr(msg.header().qr());
        b.header_mut().set_aa(msg.header().aa());
        let mut q = b.question();
        for item in msg.question().flatten() {
            q.push(item).expect("push question");
        }
        let mut a = q.answer();
        let sec = msg.answer().expect("answer");
        for r in sec.limit_to::<Data<'_>>().flatten() {
            a.push(r).expect("push answer");
        }
        let mut ns = a.authority();
        for r in msg
            .authority()
            .expect("authority")
            .limit_to::<Data<'_>>()
            .flatten()
        {
            ns.push(r).expect("push authority");
        }
        let mut ad = ns.additional();
        for r in msg
            .additional()
            .expect("additional")
            .limit_to::<Data<'_>>()
            .flatten()
        {
            ad.push(r).expect("push additional");
        }
        let _ = Class::IN;
        ad.finish().into_target().len()
    }
}

/// The crates.io crate `mdns-proto` 0.3 (a different project of the same name).
pub mod al8n {
    use mdns_proto_al8n::wire::{MessageReader, NameRef, Rdata};

    #[inline(always)]
    fn walk(n: &NameRef<'_>, acc: &mut usize) {
        for l in n.labels().flatten() {
            *acc = acc.wrapping_add(l.len());
        }
    }

    /// Full decode; returns a checksum.
    pub fn parse(p: &[u8]) -> usize {
        let Ok(msg) = MessageReader::try_parse(p) else {
            return 0;
        };
        let mut acc = 0usize;
        for q in msg.questions().flatten() {
            walk(q.qname(), &mut acc);
        }
        for r in msg
            .answers()
            .chain(msg.authority())
            .chain(msg.additional())
            .flatten()
        {
            walk(r.name(), &mut acc);
            acc = acc.wrapping_add(r.ttl() as usize);
            match r.rdata_view() {
                Ok(Rdata::Ptr(x)) => walk(x.target(), &mut acc),
                Ok(Rdata::Srv(x)) => {
                    acc = acc.wrapping_add(usize::from(x.port()));
                    walk(x.target(), &mut acc);
                }
                Ok(Rdata::Nsec(x)) => walk(x.next_name(), &mut acc),
                Ok(Rdata::Txt(t)) => {
                    for s in t.segments().flatten() {
                        acc = acc.wrapping_add(s.len());
                    }
                }
                Ok(_) => acc = acc.wrapping_add(1),
                Err(_) => {}
            }
        }
        acc
    }
}

/// simple-dns 0.13.
pub mod simple_dns_impl {
    use simple_dns::rdata::RData;
    use simple_dns::{Name, Packet};

    #[inline(always)]
    fn walk(n: &Name<'_>, acc: &mut usize) {
        for l in n.as_bytes() {
            *acc = acc.wrapping_add(l.len());
        }
    }

    /// Full decode; returns a checksum.
    pub fn parse(p: &[u8]) -> usize {
        let Ok(pkt) = Packet::parse(p) else { return 0 };
        let mut acc = 0usize;
        for q in &pkt.questions {
            walk(&q.qname, &mut acc);
        }
        for r in pkt
            .answers
            .iter()
            .chain(&pkt.name_servers)
            .chain(&pkt.additional_records)
        {
            walk(&r.name, &mut acc);
            acc = acc.wrapping_add(r.ttl as usize);
            match &r.rdata {
                RData::PTR(x) => walk(&x.0, &mut acc),
                RData::CNAME(x) => walk(&x.0, &mut acc),
                RData::SRV(x) => {
                    acc = acc.wrapping_add(usize::from(x.port));
                    walk(&x.target, &mut acc);
                }
                RData::NSEC(x) => walk(&x.next_name, &mut acc),
                RData::TXT(t) => acc = acc.wrapping_add(t.iter_raw().count()),
                _ => acc = acc.wrapping_add(1),
            }
        }
        acc
    }

    /// The parsed packet, owned.
    pub struct Prepared(pub Packet<'static>);

    /// Owned content of `p`.
    pub fn prepare(p: &'static [u8]) -> Prepared {
        Prepared(Packet::parse(p).expect("corpus"))
    }

    /// Writes with compression; returns the length.
    pub fn build(c: &Prepared) -> usize {
        c.0.build_bytes_vec_compressed().expect("build").len()
    }
}

/// hickory-proto 0.26.
pub mod hickory_impl {
    use hickory_proto::op::Message;
    use hickory_proto::rr::{Name, RData};

    #[inline(always)]
    fn walk(n: &Name, acc: &mut usize) {
        for l in n.iter() {
            *acc = acc.wrapping_add(l.len());
        }
    }

    /// Full decode; returns a checksum.
    pub fn parse(p: &[u8]) -> usize {
        let Ok(msg) = Message::from_vec(p) else {
            return 0;
        };
        let mut acc = 0usize;
        for q in &msg.queries {
            walk(q.name(), &mut acc);
        }
        for r in msg
            .answers
            .iter()
            .chain(&msg.authorities)
            .chain(&msg.additionals)
        {
            walk(&r.name, &mut acc);
            acc = acc.wrapping_add(r.ttl as usize);
            match &r.data {
                RData::PTR(x) => walk(&x.0, &mut acc),
                RData::CNAME(x) => walk(&x.0, &mut acc),
                RData::SRV(x) => {
                    acc = acc.wrapping_add(usize::from(x.port));
                    walk(&x.target, &mut acc);
                }
                RData::TXT(t) => acc = acc.wrapping_add(t.txt_data.len()),
                _ => acc = acc.wrapping_add(1),
            }
        }
        acc
    }

    /// The parsed message.
    pub struct Prepared(pub Message);

    /// Owned content of `p`.
    pub fn prepare(p: &[u8]) -> Prepared {
        Prepared(Message::from_vec(p).expect("corpus"))
    }

    /// Writes with compression; returns the length.
    pub fn build(c: &Prepared) -> usize {
        c.0.to_vec().expect("build").len()
    }
}

/// Prepared content for every builder, for one packet.
pub struct BuildInputs {
    /// Ours.
    pub ours: ours::Prepared,
    /// simple-dns.
    pub simple_dns: simple_dns_impl::Prepared,
    /// hickory.
    pub hickory: hickory_impl::Prepared,
    /// domain.
    pub domain: domain_impl::Prepared,
}

impl BuildInputs {
    /// Prepares packet `p` for every builder.
    pub fn new(p: &'static [u8]) -> Self {
        BuildInputs {
            ours: ours::prepare(p),
            simple_dns: simple_dns_impl::prepare(p),
            hickory: hickory_impl::prepare(p),
            domain: domain_impl::prepare(p),
        }
    }

    /// Runs builder `name` once; returns the output size.
    pub fn build(&self, name: &str, buf: &mut [u8]) -> usize {
        match name {
            "ours" => ours::build(&self.ours, buf),
            "simple-dns" => simple_dns_impl::build(&self.simple_dns),
            "hickory" => hickory_impl::build(&self.hickory),
            "domain" => domain_impl::build(&self.domain),
            _ => panic!("unknown builder {name}"),
        }
    }
}

/// Writes "name: value" lines of the output sizes of every builder on every packet.
pub fn sizes_report() -> String {
    let mut s = String::new();
    let mut buf = vec![0u8; 9000];
    for (name, p) in CORPUS {
        let inputs = BuildInputs::new(p);
        let _ = write!(s, "{name} ({} bytes):", p.len());
        for b in BUILDERS {
            let _ = write!(s, " {b}={}", inputs.build(b, &mut buf));
        }
        s.push('\n');
    }
    s
}
