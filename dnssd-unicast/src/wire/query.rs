//! A standard query (RFC 1035 §4.1) with an OPT record (RFC 6891), and what a client
//! takes from the response: the RRset that answers the question, following CNAMEs in
//! the answer section (RFC 1034 §3.6.2), and, for a negative answer, how long to
//! believe it (RFC 2308 §5: the SOA record's TTL, capped by its MINIMUM field).

use super::edns::{push_opt, Opt};
use super::frame::Frames;
use super::types::{Opcode, Rcode, SOA};
use alloc::vec::Vec;
use mdns_sansio::wire::{
    Class, Header, Message, MessageWriter, ParseError, RData, RecordData, Rtype, Section,
    WriteError,
};
use mdns_sansio::Name;

/// Most CNAMEs followed in one answer.
pub const MAX_CNAME_HOPS: usize = 8;

/// Writes a query for `name`/`rtype` (class IN, RD set so a recursive resolver
/// recurses) with an OPT record advertising `udp_payload`, or none if it is `None`.
pub fn write_query(
    buf: &mut [u8],
    id: u16,
    name: &Name,
    rtype: Rtype,
    udp_payload: Option<u16>,
) -> Result<usize, WriteError> {
    let mut w = MessageWriter::new(buf, id, Opcode::QUERY.flags() | Header::RD)
        .ok_or(WriteError::NoSpace)?;
    w.push_question(name, rtype, Class::IN, false)?;
    if let Some(p) = udp_payload {
        push_opt(&mut w, p, &[])?;
    }
    Ok(w.finish())
}

/// What a response says about one question.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Answer {
    /// The response code, extended by the OPT record if there is one.
    pub rcode: Rcode,
    /// The records of the asked type at the name (after CNAMEs), with their TTLs.
    pub records: Vec<(u32, RecordData)>,
    /// For a negative answer (no records): how long it holds, from the SOA record in
    /// the authority section (RFC 2308 §5), if there is one.
    pub negative_ttl: Option<u32>,
}

impl Answer {
    /// Reads the answer to `name`/`rtype` from the response `msg`. Records of other
    /// names or types, and any record that does not parse, are left out.
    pub fn read(msg: &[u8], name: &Name, rtype: Rtype) -> Result<Answer, ParseError> {
        let m = Message::parse(msg)?;
        let header = m.header();
        let opt = Opt::find(msg).ok().flatten();
        let rcode = match &opt {
            Some(o) => o.rcode(header.rcode()),
            None => Rcode(u16::from(header.rcode())),
        };
        // Follow CNAMEs within the answer section.
        let mut target = name.clone();
        for _ in 0..MAX_CNAME_HOPS {
            let next = m.records().flatten().find_map(|r| {
                (r.section == Section::Answer
                    && r.rtype == Rtype::CNAME
                    && rtype != Rtype::CNAME
                    && r.name.eq_name(&target))
                .then_some(r.rdata)
                .and_then(|d| match d {
                    RData::Cname(n) => Some(n.to_name()),
                    _ => None,
                })
            });
            match next {
                Some(n) if n != target => target = n,
                _ => break,
            }
        }
        let mut records: Vec<(u32, RecordData)> = Vec::new();
        for r in m.records().flatten() {
            if r.section == Section::Answer
                && r.class == Class::IN
                && r.rtype == rtype
                && r.name.eq_name(&target)
            {
                let d = r.rdata.to_owned();
                if !records.iter().any(|(_, x)| *x == d) {
                    records.push((r.ttl, d));
                }
            }
        }
        let mut negative_ttl = None;
        if records.is_empty() {
            for f in Frames::new(msg)?.flatten() {
                if f.section == Section::Authority && f.rtype == SOA && f.rdlen >= 22 {
                    let rd = f.rdata(msg);
                    let min = &rd[rd.len() - 4..];
                    let minimum = u32::from_be_bytes([min[0], min[1], min[2], min[3]]);
                    negative_ttl = Some(f.ttl.min(minimum));
                    break;
                }
            }
        }
        Ok(Answer {
            rcode,
            records,
            negative_ttl,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec;
    use alloc::vec::Vec;

    fn n(s: &str) -> Name {
        Name::parse(s).unwrap()
    }

    #[test]
    fn rfc2308_5_negative_ttl_is_the_soa_ttl_capped_by_minimum() {
        let mut buf = [0u8; 512];
        let mut w = MessageWriter::new(&mut buf, 9, Header::QR | 3).unwrap();
        w.push_question(&n("_http._tcp.example."), Rtype::PTR, Class::IN, false)
            .unwrap();
        let mut soa = Vec::new();
        soa.extend_from_slice(n("ns.example.").as_wire());
        soa.extend_from_slice(n("admin.example.").as_wire());
        for v in [1u32, 2, 3, 4, 30] {
            soa.extend_from_slice(&v.to_be_bytes());
        }
        w.push_record_typed(
            Section::Authority,
            &n("example."),
            SOA,
            Class::IN,
            false,
            600,
            &RecordData::Other(soa.as_slice().into()),
        )
        .unwrap();
        let len = w.finish();
        let a = Answer::read(&buf[..len], &n("_http._tcp.example."), Rtype::PTR).unwrap();
        assert_eq!(a.rcode, Rcode::NXDOMAIN);
        assert!(a.records.is_empty());
        assert_eq!(a.negative_ttl, Some(30));
    }

    #[test]
    fn rfc1034_3_6_2_cnames_in_the_answer_are_followed() {
        let mut buf = [0u8; 512];
        let mut w = MessageWriter::new(&mut buf, 9, Header::QR).unwrap();
        w.push_question(&n("www.example."), Rtype::A, Class::IN, false)
            .unwrap();
        w.push_record(
            Section::Answer,
            &n("www.example."),
            Class::IN,
            false,
            60,
            &RecordData::Cname(n("host.example.")),
        )
        .unwrap();
        for (owner, a) in [
            ("host.example.", [192, 0, 2, 1]),
            ("other.example.", [192, 0, 2, 2]),
        ] {
            w.push_record(
                Section::Answer,
                &n(owner),
                Class::IN,
                false,
                60,
                &RecordData::A(a.into()),
            )
            .unwrap();
        }
        let len = w.finish();
        let a = Answer::read(&buf[..len], &n("www.example."), Rtype::A).unwrap();
        assert_eq!(a.records, vec![(60, RecordData::A([192, 0, 2, 1].into()))]);
    }
}
