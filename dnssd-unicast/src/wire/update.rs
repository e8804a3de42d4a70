//! DNS UPDATE messages (RFC 2136 §2): the zone section (the header's question count),
//! the prerequisites (the answer section), the updates (the authority section) and the
//! additional data, written with `MessageWriter` and read back by [`UpdateView`].
//!
//! Each prerequisite and update form of RFC 2136 §2.4 and RFC 2136 §2.5 is a method named
//! for what it says, with the class, TTL and rdata the RFC prescribes for it.

use super::frame::{Frame, Frames};
use super::types::{Opcode, CLASS_ANY, CLASS_NONE, SOA};
use alloc::vec::Vec;
use mdns_sansio::wire::{
    Class, Header, Message, MessageWriter, NameRef, ParseError, RData, RecordData, Rtype, Section,
    WriteError,
};
use mdns_sansio::Name;

/// Builds an update for one zone. Prerequisites must all come before the first update
/// (their sections are in that order); the writer says `OutOfOrder` otherwise.
pub struct UpdateBuilder<'b> {
    w: MessageWriter<'b>,
}

impl<'b> UpdateBuilder<'b> {
    /// Starts an update of `zone` (RFC 2136 §2.3: one zone, type SOA, class IN) with
    /// message id `id`.
    pub fn new(buf: &'b mut [u8], id: u16, zone: &Name) -> Result<Self, WriteError> {
        let mut w =
            MessageWriter::new(buf, id, Opcode::UPDATE.flags()).ok_or(WriteError::NoSpace)?;
        w.push_question(zone, SOA, Class::IN, false)?;
        Ok(UpdateBuilder { w })
    }

    /// RFC 2136 §2.4.5 "Name Is Not In Use": no record of any type at `name` (class
    /// NONE, type ANY).
    pub fn require_name_not_in_use(&mut self, name: &Name) -> Result<(), WriteError> {
        self.empty(Section::Answer, name, Rtype::ANY, CLASS_NONE)
    }

    /// RFC 2136 §2.4.4 "Name Is In Use" (class ANY, type ANY).
    pub fn require_name_in_use(&mut self, name: &Name) -> Result<(), WriteError> {
        self.empty(Section::Answer, name, Rtype::ANY, CLASS_ANY)
    }

    /// RFC 2136 §2.4.1 "RRset Exists (Value Independent)".
    pub fn require_rrset_exists(&mut self, name: &Name, rtype: Rtype) -> Result<(), WriteError> {
        self.empty(Section::Answer, name, rtype, CLASS_ANY)
    }

    /// RFC 2136 §2.4.3 "RRset Does Not Exist".
    pub fn require_rrset_absent(&mut self, name: &Name, rtype: Rtype) -> Result<(), WriteError> {
        self.empty(Section::Answer, name, rtype, CLASS_NONE)
    }

    /// RFC 2136 §2.4.2 "RRset Exists (Value Dependent)": one record of the RRset that
    /// must exist exactly as given (call once per record of the RRset).
    pub fn require_record(&mut self, name: &Name, rdata: &RecordData) -> Result<(), WriteError> {
        self.record(Section::Answer, name, Class::IN, 0, rdata)
    }

    /// RFC 2136 §2.5.1 "Add To An RRset".
    pub fn add(&mut self, name: &Name, ttl: u32, rdata: &RecordData) -> Result<(), WriteError> {
        self.record(Section::Authority, name, Class::IN, ttl, rdata)
    }

    /// RFC 2136 §2.5.2 "Delete An RRset" (class ANY, the type, no rdata).
    pub fn delete_rrset(&mut self, name: &Name, rtype: Rtype) -> Result<(), WriteError> {
        self.empty(Section::Authority, name, rtype, CLASS_ANY)
    }

    /// RFC 2136 §2.5.3 "Delete All RRsets From A Name" (class ANY, type ANY).
    pub fn delete_name(&mut self, name: &Name) -> Result<(), WriteError> {
        self.empty(Section::Authority, name, Rtype::ANY, CLASS_ANY)
    }

    /// RFC 2136 §2.5.4 "Delete An RR From An RRset" (class NONE, TTL 0, the rdata).
    pub fn delete_record(&mut self, name: &Name, rdata: &RecordData) -> Result<(), WriteError> {
        self.record(Section::Authority, name, CLASS_NONE, 0, rdata)
    }

    /// The writer, for the additional section (an OPT record, see
    /// [`push_opt`](super::edns::push_opt)).
    pub fn writer(&mut self) -> &mut MessageWriter<'b> {
        &mut self.w
    }

    /// Writes the header; the message's length.
    pub fn finish(self) -> usize {
        self.w.finish()
    }

    fn empty(
        &mut self,
        section: Section,
        name: &Name,
        rtype: Rtype,
        class: Class,
    ) -> Result<(), WriteError> {
        self.w.push_record_typed(
            section,
            name,
            rtype,
            class,
            false,
            0,
            &RecordData::Other(Default::default()),
        )
    }

    fn record(
        &mut self,
        section: Section,
        name: &Name,
        class: Class,
        ttl: u32,
        rdata: &RecordData,
    ) -> Result<(), WriteError> {
        // RFC 2782: an SRV target is never compressed (only RFC 1035's own types may
        // be, RFC 3597 §4); its owner goes uncompressed with it.
        let srv = matches!(rdata, RecordData::Srv { .. });
        if srv {
            self.w.set_compression(false);
        }
        let r = self.w.push_record(section, name, class, false, ttl, rdata);
        if srv {
            self.w.set_compression(true);
        }
        r
    }
}

/// An update record as read back: owner, type, class, TTL and rdata (`None` for the
/// empty rdata of a prerequisite or delete).
#[derive(Clone, Debug)]
pub struct UpdateRecord<'a> {
    /// Where it was: `Answer` for a prerequisite, `Authority` for an update,
    /// `Additional` for additional data.
    pub section: Section,
    /// Owner name.
    pub name: NameRef<'a>,
    /// Type.
    pub rtype: Rtype,
    /// Class (IN, NONE or ANY in the forms of RFC 2136 §2.4, RFC 2136 §2.5).
    pub class: Class,
    /// TTL.
    pub ttl: u32,
    /// The rdata, parsed when there is any.
    pub rdata: Option<RData<'a>>,
}

/// An UPDATE message read back (a server's view; used by tests, fuzzing and a
/// discovery proxy later).
#[derive(Clone, Debug)]
pub struct UpdateView<'a> {
    msg: &'a [u8],
    /// The header.
    pub header: Header,
    /// The zone.
    pub zone: NameRef<'a>,
}

impl<'a> UpdateView<'a> {
    /// Reads the header and zone section. `None`-like errors for a message that is not
    /// an update or whose zone section is not exactly one SOA question (RFC 2136 §3.1.1
    /// answers those with FORMERR).
    pub fn parse(msg: &'a [u8]) -> Result<Self, ParseError> {
        let m = Message::parse(msg)?;
        let header = m.header();
        let bad = ParseError::BadRdata {
            at: 0,
            rtype: SOA.0,
        };
        if Opcode(header.opcode()) != Opcode::UPDATE || header.qdcount != 1 {
            return Err(bad);
        }
        let q = m.questions().next().ok_or(bad)??;
        if q.qtype != SOA {
            return Err(bad);
        }
        Ok(UpdateView {
            msg,
            header,
            zone: q.name,
        })
    }

    /// The records of every section, in order.
    pub fn records(&self) -> Result<Vec<UpdateRecord<'a>>, ParseError> {
        let mut out = Vec::new();
        for f in Frames::new(self.msg)? {
            out.push(self.record(&f?)?);
        }
        Ok(out)
    }

    fn record(&self, f: &Frame) -> Result<UpdateRecord<'a>, ParseError> {
        let name = f.name(self.msg)?;
        let rdata = if f.rdlen == 0 {
            None
        } else {
            Some(RData::parse(self.msg, f.rdata, f.rdlen, f.rtype)?)
        };
        Ok(UpdateRecord {
            section: f.section,
            name,
            rtype: f.rtype,
            class: f.class,
            ttl: f.ttl,
            rdata,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn n(s: &str) -> Name {
        Name::parse(s).unwrap()
    }

    #[test]
    fn rfc2136_2_an_update_reads_back_section_by_section() {
        let mut buf = [0u8; 1024];
        let zone = n("example.com.");
        let inst = n("Web._http._tcp.example.com.");
        let mut u = UpdateBuilder::new(&mut buf, 0x1234, &zone).unwrap();
        u.require_name_not_in_use(&inst).unwrap();
        u.add(
            &n("_http._tcp.example.com."),
            120,
            &RecordData::Ptr(inst.clone()),
        )
        .unwrap();
        let srv = RecordData::Srv {
            priority: 0,
            weight: 0,
            port: 80,
            target: n("host.example.com."),
        };
        u.add(&inst, 120, &srv).unwrap();
        u.delete_rrset(&inst, Rtype::TXT).unwrap();
        u.delete_record(
            &n("_http._tcp.example.com."),
            &RecordData::Ptr(inst.clone()),
        )
        .unwrap();
        // A prerequisite after an update is refused, the message unchanged.
        assert_eq!(u.require_name_in_use(&inst), Err(WriteError::OutOfOrder));
        let len = u.finish();
        let v = UpdateView::parse(&buf[..len]).unwrap();
        assert_eq!(v.header.id, 0x1234);
        assert!(v.zone.eq_name(&zone));
        let recs = v.records().unwrap();
        assert_eq!(recs.len(), 5);
        assert_eq!(
            (recs[0].section, recs[0].rtype, recs[0].class, recs[0].ttl),
            (Section::Answer, Rtype::ANY, CLASS_NONE, 0)
        );
        assert!(recs[0].rdata.is_none());
        assert!(matches!(recs[2].rdata, Some(RData::Srv { port: 80, .. })));
        assert_eq!((recs[3].class, recs[3].rtype), (CLASS_ANY, Rtype::TXT));
        assert_eq!((recs[4].class, recs[4].ttl), (CLASS_NONE, 0));
        // RFC 2782: the SRV record is written without compression pointers.
        let srv_at = buf[..len]
            .windows(6)
            .position(|w| w == [0, 0, 0, 0, 0, 80])
            .unwrap();
        assert_eq!(&buf[srv_at + 6..srv_at + 11], b"\x04host");
    }

    #[test]
    fn a_query_is_not_an_update() {
        let mut buf = [0u8; 64];
        let mut w = MessageWriter::new(&mut buf, 1, 0).unwrap();
        w.push_question(&n("example.com."), SOA, Class::IN, false)
            .unwrap();
        let len = w.finish();
        assert!(UpdateView::parse(&buf[..len]).is_err());
    }
}
