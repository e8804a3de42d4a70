//! Building a message into a caller-provided buffer, with name compression
//! (RFC 1035 §4.1.4), also inside PTR, CNAME, SRV and NSEC rdata (RFC 6762 §18.14).
//!
//! The writer never allocates for names of up to 16 labels. A push that does not fit
//! leaves the writer exactly as it was and returns [`WriteError::NoSpace`], so a caller
//! can stop at a size limit (RFC 6762 §17) or carry on in the next packet (§7.2).
//!
//! Compression only reuses a suffix that was written with exactly the same bytes, so
//! every name goes out in the case it was given. Known suffixes sit in a fixed-size
//! open-addressing table keyed by a hash of the suffix; a hit is checked against the
//! buffer before a pointer is written, and every pointer points backward.

use super::error::WriteError;
use super::header::{Header, HEADER_LEN};
use super::message::Section;
use super::rdata::RecordData;
use super::rtype::{Class, Rtype};
use crate::name::Name;
use smallvec::SmallVec;

/// Slots in the compression table (a power of two). Once it is half full, further
/// names are still written, only not offered for reuse.
const TABLE_SLOTS: usize = 512;
const TABLE_MAX: usize = TABLE_SLOTS / 2;
/// Compression pointers carry 14 bits of offset.
const MAX_POINTER_TARGET: usize = 0x3FFF;

/// Anything that can be written as a name: a label sequence, leftmost first.
pub trait ToLabels {
    /// The labels, root excluded.
    fn for_labels(&self) -> impl Iterator<Item = &[u8]>;
}

impl ToLabels for Name {
    fn for_labels(&self) -> impl Iterator<Item = &[u8]> {
        self.labels()
    }
}

impl ToLabels for super::name::NameRef<'_> {
    fn for_labels(&self) -> impl Iterator<Item = &[u8]> {
        self.labels()
    }
}

/// The upper 16 bits of a suffix hash, kept per slot to skip most mismatches without
/// looking at the buffer (the lower bits choose the slot).
fn tag(hash: u32) -> u16 {
    (hash >> 16) as u16
}

/// Writes one DNS message into a borrowed buffer.
pub struct MessageWriter<'b> {
    buf: &'b mut [u8],
    pos: usize,
    header: Header,
    /// 0 = questions, 1 = answers, 2 = authority, 3 = additional.
    section: u8,
    compress: bool,
    /// Offset of the suffix in the buffer per slot; 0 marks an empty slot (no name
    /// starts inside the header). Two small arrays rather than one of structs keep the
    /// writer small (it is built and moved once per message).
    offsets: [u16; TABLE_SLOTS],
    tags: [u16; TABLE_SLOTS],
    used: usize,
    undo: SmallVec<[u16; 32]>,
}

impl<'b> MessageWriter<'b> {
    /// Starts a message with the given ID and flags. `None` if `buf` cannot even hold a
    /// header.
    #[inline]
    pub fn new(buf: &'b mut [u8], id: u16, flags: u16) -> Option<Self> {
        if buf.len() < HEADER_LEN {
            return None;
        }
        Some(MessageWriter {
            buf,
            pos: HEADER_LEN,
            header: Header {
                id,
                flags,
                ..Header::default()
            },
            section: 0,
            compress: true,
            offsets: [0; TABLE_SLOTS],
            tags: [0; TABLE_SLOTS],
            used: 0,
            undo: SmallVec::new(),
        })
    }

    /// A multicast mDNS query: ID 0, all flags clear (RFC 6762 §18).
    pub fn query(buf: &'b mut [u8]) -> Option<Self> {
        Self::new(buf, 0, 0)
    }

    /// An mDNS response: QR and AA set (RFC 6762 §18.2, §18.4).
    pub fn response(buf: &'b mut [u8], id: u16) -> Option<Self> {
        Self::new(buf, id, Header::QR | Header::AA)
    }

    /// Turns name compression on or off for what follows.
    pub fn set_compression(&mut self, on: bool) {
        self.compress = on;
    }

    /// Sets or clears the TC bit (more known answers follow, RFC 6762 §7.2).
    pub fn set_truncated(&mut self, tc: bool) {
        if tc {
            self.header.flags |= Header::TC;
        } else {
            self.header.flags &= !Header::TC;
        }
    }

    /// Bytes written so far, header included.
    pub fn len(&self) -> usize {
        self.pos
    }

    /// True if nothing but the header has been written.
    pub fn is_empty(&self) -> bool {
        self.pos == HEADER_LEN
    }

    /// Space left in the buffer.
    pub fn remaining(&self) -> usize {
        self.buf.len() - self.pos
    }

    /// The counts written so far.
    pub fn header(&self) -> Header {
        self.header
    }

    /// Limits the message to `limit` bytes (no-op if the buffer is already smaller).
    /// Must not be below what is already written.
    pub fn limit(&mut self, limit: usize) {
        let limit = limit.max(self.pos);
        if limit < self.buf.len() {
            let buf = core::mem::take(&mut self.buf);
            self.buf = &mut buf[..limit];
        }
    }

    /// Writes the header and returns the message length.
    pub fn finish(self) -> usize {
        self.header.emit(&mut self.buf[..HEADER_LEN]);
        self.pos
    }

    /// Appends a question. `unicast_response` sets the QU bit (RFC 6762 §5.4).
    pub fn push_question(
        &mut self,
        name: &impl ToLabels,
        qtype: Rtype,
        qclass: Class,
        unicast_response: bool,
    ) -> Result<(), WriteError> {
        if self.section > 0 || self.header.qdcount == u16::MAX {
            return Err(WriteError::OutOfOrder);
        }
        self.transaction(|w| {
            w.put_name(name)?;
            w.put(&qtype.0.to_be_bytes())?;
            w.put(&qclass.with_top_bit(unicast_response).to_be_bytes())
        })?;
        self.header.qdcount += 1;
        Ok(())
    }

    /// Appends a record to `section`. Sections must come in order.
    pub fn push_record(
        &mut self,
        section: Section,
        name: &impl ToLabels,
        class: Class,
        cache_flush: bool,
        ttl: u32,
        rdata: &RecordData,
    ) -> Result<(), WriteError> {
        let rtype = rdata.rtype().ok_or(WriteError::RdataTooLong)?;
        self.push_record_typed(section, name, rtype, class, cache_flush, ttl, rdata)
    }

    /// Appends a record whose type is given explicitly (needed for
    /// [`RecordData::Other`]).
    #[allow(clippy::too_many_arguments)]
    pub fn push_record_typed(
        &mut self,
        section: Section,
        name: &impl ToLabels,
        rtype: Rtype,
        class: Class,
        cache_flush: bool,
        ttl: u32,
        rdata: &RecordData,
    ) -> Result<(), WriteError> {
        let idx = match section {
            Section::Answer => 1,
            Section::Authority => 2,
            Section::Additional => 3,
        };
        if idx < self.section {
            return Err(WriteError::OutOfOrder);
        }
        let count = self.count(idx);
        if count == u16::MAX {
            return Err(WriteError::OutOfOrder);
        }
        self.transaction(|w| {
            w.put_name(name)?;
            w.put(&rtype.0.to_be_bytes())?;
            let raw_class = if rtype == Rtype::OPT {
                class.0
            } else {
                class.with_top_bit(cache_flush)
            };
            w.put(&raw_class.to_be_bytes())?;
            w.put(&ttl.to_be_bytes())?;
            let len_at = w.pos;
            w.put(&[0, 0])?;
            w.put_rdata(rdata)?;
            let rdlen = u16::try_from(w.pos - len_at - 2).map_err(|_| WriteError::RdataTooLong)?;
            w.buf[len_at..len_at + 2].copy_from_slice(&rdlen.to_be_bytes());
            Ok(())
        })?;
        self.section = idx;
        *self.count_mut(idx) += 1;
        Ok(())
    }

    fn count(&self, idx: u8) -> u16 {
        match idx {
            1 => self.header.ancount,
            2 => self.header.nscount,
            _ => self.header.arcount,
        }
    }

    fn count_mut(&mut self, idx: u8) -> &mut u16 {
        match idx {
            1 => &mut self.header.ancount,
            2 => &mut self.header.nscount,
            _ => &mut self.header.arcount,
        }
    }

    /// Runs `f`; on error, restores the position and the compression table.
    fn transaction(
        &mut self,
        f: impl FnOnce(&mut Self) -> Result<(), WriteError>,
    ) -> Result<(), WriteError> {
        let pos = self.pos;
        self.undo.clear();
        let result = f(self);
        if result.is_err() {
            self.pos = pos;
            // Undo insertions newest first: with linear probing this restores the table
            // exactly.
            while let Some(slot) = self.undo.pop() {
                self.offsets[usize::from(slot)] = 0;
                self.used -= 1;
            }
        }
        result
    }

    fn put(&mut self, bytes: &[u8]) -> Result<(), WriteError> {
        let end = self.pos + bytes.len();
        if end > self.buf.len() {
            return Err(WriteError::NoSpace);
        }
        self.buf[self.pos..end].copy_from_slice(bytes);
        self.pos = end;
        Ok(())
    }

    fn put_rdata(&mut self, rdata: &RecordData) -> Result<(), WriteError> {
        match rdata {
            RecordData::A(a) => self.put(&a.octets()),
            RecordData::Aaaa(a) => self.put(&a.octets()),
            RecordData::Ptr(n) | RecordData::Cname(n) => self.put_name(n),
            RecordData::Srv {
                priority,
                weight,
                port,
                target,
            } => {
                self.put(&priority.to_be_bytes())?;
                self.put(&weight.to_be_bytes())?;
                self.put(&port.to_be_bytes())?;
                self.put_name(target)
            }
            RecordData::Txt(b) => {
                if b.is_empty() {
                    // Never an empty TXT: one empty string (RFC 6763 §6.1).
                    self.put(&[0])
                } else {
                    self.put(b)
                }
            }
            RecordData::Hinfo { cpu, os } => {
                for s in [cpu, os] {
                    let len = u8::try_from(s.len()).map_err(|_| WriteError::RdataTooLong)?;
                    self.put(&[len])?;
                    self.put(s)?;
                }
                Ok(())
            }
            RecordData::Nsec { next, types } => {
                self.put_name(next)?;
                self.put(types)
            }
            RecordData::Opt(b) | RecordData::Other(b) => self.put(b),
        }
    }

    /// Writes a name, reusing the longest suffix already in the message.
    fn put_name(&mut self, name: &impl ToLabels) -> Result<(), WriteError> {
        let labels: SmallVec<[&[u8]; 16]> = name.for_labels().collect();
        // hashes[i] = hash of the suffix starting at label i.
        let mut hashes: SmallVec<[u32; 16]> = SmallVec::from_elem(0, labels.len());
        let mut h = 0x811C_9DC5u32;
        for i in (0..labels.len()).rev() {
            h = hash_label(h, labels[i]);
            hashes[i] = h;
        }
        let mut pointer = None;
        let mut literal = labels.len();
        if self.compress {
            for i in 0..labels.len() {
                if let Some(off) = self.find(hashes[i], &labels[i..]) {
                    pointer = Some(off);
                    literal = i;
                    break;
                }
            }
        }
        for i in 0..literal {
            let at = self.pos;
            self.put(&[labels[i].len() as u8])?;
            self.put(labels[i])?;
            if self.compress {
                self.insert(hashes[i], at);
            }
        }
        match pointer {
            Some(off) => self.put(&(0xC000u16 | off).to_be_bytes()),
            None => self.put(&[0]),
        }
    }

    fn find(&self, hash: u32, labels: &[&[u8]]) -> Option<u16> {
        let mut i = hash as usize & (TABLE_SLOTS - 1);
        loop {
            let offset = self.offsets[i];
            if offset == 0 {
                return None;
            }
            if self.tags[i] == tag(hash) && self.suffix_matches(usize::from(offset), labels) {
                return Some(offset);
            }
            i = (i + 1) & (TABLE_SLOTS - 1);
        }
    }

    fn insert(&mut self, hash: u32, at: usize) {
        if at > MAX_POINTER_TARGET || self.used >= TABLE_MAX {
            return;
        }
        let mut i = hash as usize & (TABLE_SLOTS - 1);
        while self.offsets[i] != 0 {
            i = (i + 1) & (TABLE_SLOTS - 1);
        }
        self.offsets[i] = at as u16;
        self.tags[i] = tag(hash);
        self.used += 1;
        self.undo.push(i as u16);
    }

    /// True if the name written at `at` has exactly `labels` (bytes equal, case too).
    fn suffix_matches(&self, mut at: usize, labels: &[&[u8]]) -> bool {
        let buf = &self.buf[..self.pos];
        let mut labels = labels.iter();
        // Everything here was written by us: pointers go backward, so this terminates;
        // the hop bound is belt and braces.
        for _ in 0..256 {
            let Some(&len) = buf.get(at) else {
                return false;
            };
            if len & 0xC0 == 0xC0 {
                let Some(&lo) = buf.get(at + 1) else {
                    return false;
                };
                at = (usize::from(len & 0x3F) << 8) | usize::from(lo);
                continue;
            }
            let len = usize::from(len);
            if len == 0 {
                return labels.next().is_none();
            }
            match (labels.next(), buf.get(at + 1..at + 1 + len)) {
                (Some(want), Some(have)) if *want == have => at += 1 + len,
                _ => return false,
            }
        }
        false
    }
}

fn hash_label(mut h: u32, label: &[u8]) -> u32 {
    // FNV-1a over the label and its length; exact bytes, so case is distinct.
    h ^= label.len() as u32;
    h = h.wrapping_mul(0x0100_0193);
    for &b in label {
        h ^= u32::from(b);
        h = h.wrapping_mul(0x0100_0193);
    }
    h
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::message::Message;
    use crate::wire::rdata::RData;
    use alloc::vec;

    fn name(s: &str) -> Name {
        Name::parse(s).unwrap()
    }

    #[test]
    fn compresses_owner_names_and_rdata_names_and_keeps_case() {
        let mut buf = [0u8; 512];
        let mut w = MessageWriter::response(&mut buf, 0).unwrap();
        let ptr = RecordData::Ptr(name("My Box._http._tcp.local"));
        w.push_record(
            Section::Answer,
            &name("_http._tcp.local"),
            Class::IN,
            false,
            4500,
            &ptr,
        )
        .unwrap();
        let srv = RecordData::Srv {
            priority: 0,
            weight: 0,
            port: 80,
            target: name("Box.local"),
        };
        w.push_record(
            Section::Additional,
            &name("My Box._http._tcp.local"),
            Class::IN,
            true,
            120,
            &srv,
        )
        .unwrap();
        let len = w.finish();
        // header 12; owner 18; fixed 10; rdata "My Box" 7 + ptr 2; owner ptr 2; fixed 10;
        // srv 6 + "Box" 4 + ptr 2 = 73
        assert_eq!(len, 73);
        let msg = Message::parse(&buf[..len]).unwrap();
        let recs: vec::Vec<_> = msg.records().map(|r| r.unwrap()).collect();
        assert_eq!(recs.len(), 2);
        assert!(recs[1].cache_flush);
        match recs[1].rdata {
            RData::Srv { port, target, .. } => {
                assert_eq!(port, 80);
                assert_eq!(alloc::format!("{target}"), "Box.local.");
            }
            _ => panic!("not SRV"),
        }
        assert_eq!(
            alloc::format!("{}", recs[1].name),
            "My Box._http._tcp.local."
        );
    }

    #[test]
    fn different_case_is_not_compressed_together() {
        let mut buf = [0u8; 256];
        let mut w = MessageWriter::query(&mut buf).unwrap();
        w.push_question(&name("a.local"), Rtype::A, Class::IN, false)
            .unwrap();
        w.push_question(&name("b.LOCAL"), Rtype::A, Class::IN, false)
            .unwrap();
        let len = w.finish();
        let msg = Message::parse(&buf[..len]).unwrap();
        let q: vec::Vec<_> = msg
            .questions()
            .map(|q| alloc::format!("{}", q.unwrap().name))
            .collect();
        assert_eq!(q, ["a.local.", "b.LOCAL."]);
    }

    #[test]
    fn a_push_that_does_not_fit_rolls_back() {
        let mut buf = [0u8; 60];
        let mut w = MessageWriter::query(&mut buf).unwrap();
        w.push_question(&name("x._http._tcp.local"), Rtype::PTR, Class::IN, true)
            .unwrap();
        let before = w.len();
        let big = RecordData::Ptr(name("a-rather-long-instance-name._http._tcp.local"));
        assert_eq!(
            w.push_record(
                Section::Answer,
                &name("_http._tcp.local"),
                Class::IN,
                false,
                10,
                &big
            ),
            Err(WriteError::NoSpace)
        );
        assert_eq!(w.len(), before);
        assert_eq!(w.header().ancount, 0);
        // the table was rolled back too: this fits and compresses against the question
        let small = RecordData::Ptr(name("x._http._tcp.local"));
        w.push_record(
            Section::Answer,
            &name("_http._tcp.local"),
            Class::IN,
            false,
            10,
            &small,
        )
        .unwrap();
        let len = w.finish();
        let msg = Message::parse(&buf[..len]).unwrap();
        let r = msg.records().next().unwrap().unwrap();
        assert!(matches!(r.rdata, RData::Ptr(n) if n.eq_name(&name("x._http._tcp.local"))));
    }

    #[test]
    fn sections_must_be_in_order() {
        let mut buf = [0u8; 256];
        let mut w = MessageWriter::response(&mut buf, 0).unwrap();
        let a = RecordData::A(core::net::Ipv4Addr::new(1, 2, 3, 4));
        w.push_record(
            Section::Additional,
            &name("h.local"),
            Class::IN,
            true,
            120,
            &a,
        )
        .unwrap();
        assert_eq!(
            w.push_record(Section::Answer, &name("h.local"), Class::IN, true, 120, &a),
            Err(WriteError::OutOfOrder)
        );
        assert_eq!(
            w.push_question(&name("h.local"), Rtype::A, Class::IN, false),
            Err(WriteError::OutOfOrder)
        );
    }

    #[test]
    fn empty_txt_is_sent_as_one_zero_byte() {
        let mut buf = [0u8; 64];
        let mut w = MessageWriter::response(&mut buf, 0).unwrap();
        w.push_record(
            Section::Answer,
            &name("x.local"),
            Class::IN,
            true,
            4500,
            &RecordData::Txt(SmallVec::new()),
        )
        .unwrap();
        let len = w.finish();
        assert_eq!(&buf[len - 3..len], &[0, 1, 0]);
    }
}
