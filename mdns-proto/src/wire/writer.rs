//! Building a message into a caller-provided buffer: the header and its counts, the
//! sections in order, record framing (type, class, TTL, rdlength) and rdata, names
//! written with the compression table of `compress.rs` (RFC 1035 §4.1.4), also inside
//! PTR, CNAME, SRV and NSEC rdata (RFC 6762 §18.14).
//!
//! The writer never allocates for names of up to 16 labels. A push that does not fit
//! leaves the writer exactly as it was (its position, its counts and its table) and
//! returns [`WriteError::NoSpace`], so a caller can stop at a size limit (RFC 6762 §17)
//! or carry on in the next packet (RFC 6762 §7.2).
//!
//! A name is written by looking up its longest suffix already in the message: first
//! the whole name and the name after its first label among the names remembered whole,
//! then label by label from the right. An NSEC record's next name that is its owner's
//! (as in mDNS) points at the owner just written, where the look-up would lead.
//!
//! Records whose data comes in canonical form (the cache's, for known answers) are in
//! `writer/canonical.rs`.

use super::compress::{
    hash_label, same_bytes, Compression, CompressionTable, OwnedTable, TableStore,
    MAX_POINTER_TARGET,
};
use super::error::WriteError;
use super::header::{Header, HEADER_LEN};
use super::message::Section;
use super::rdata::RecordData;
use super::rtype::{Class, Rtype};
use crate::name::{wire_hash, Name};

/// Anything that can be written as a name: a label sequence, leftmost first.
pub trait ToLabels {
    /// The labels, root excluded.
    fn for_labels(&self) -> impl Iterator<Item = &[u8]>;

    /// The uncompressed wire form in one piece (length-prefixed labels, then the root
    /// label), if the name holds it so; the writer then copies it without walking the
    /// labels. `None` (the default) makes the writer assemble it from `for_labels`.
    fn wire_form(&self) -> Option<&[u8]> {
        None
    }

    /// The writer's hashes of the wire form and of its parent's, if the name keeps
    /// them (a [`Name`] does). Only a speed-up: a wrong value costs compression
    /// look-ups, never wrong output, as every hit is checked against the message.
    #[doc(hidden)]
    fn wire_hashes(&self) -> Option<[u32; 2]> {
        None
    }
}

impl ToLabels for Name {
    fn for_labels(&self) -> impl Iterator<Item = &[u8]> {
        self.labels()
    }

    #[inline]
    fn wire_form(&self) -> Option<&[u8]> {
        Some(self.as_wire())
    }

    #[inline]
    fn wire_hashes(&self) -> Option<[u32; 2]> {
        Some(Name::wire_hashes(self))
    }
}

impl ToLabels for super::name::NameRef<'_> {
    fn for_labels(&self) -> impl Iterator<Item = &[u8]> {
        self.labels()
    }
}

/// Writes one DNS message into a borrowed buffer.
pub struct MessageWriter<'b, T: TableStore = OwnedTable> {
    buf: &'b mut [u8],
    pos: usize,
    header: Header,
    /// 0 = questions, 1 = answers, 2 = authority, 3 = additional.
    section: u8,
    compress: bool,
    /// The compression table, empty at the start of each message.
    names: Compression<T>,
    /// The name written last, if every label of it is in the table.
    last_name: Option<LastName>,
    /// The owner name of the record written last by
    /// [`push_record_canonical`](Self::push_record_canonical), or else the name of the
    /// question written last, if every label of it is in the table.
    last_owner: Option<LastName>,
}

/// Where a name written begins (what a pointer to the same name would point to; every
/// label of it in the table) and how long its wire form is. Whether it lies there in
/// one piece is for its users to check, by comparing bytes.
#[derive(Clone, Copy, Debug)]
struct LastName {
    at: u16,
    len: u16,
}

impl<'b> MessageWriter<'b> {
    /// Starts a message with the given ID and flags. `None` if `buf` cannot even hold a
    /// header.
    #[inline]
    pub fn new(buf: &'b mut [u8], id: u16, flags: u16) -> Option<Self> {
        Self::with_store(buf, id, flags, OwnedTable::zeroed())
    }

    /// A multicast mDNS query: ID 0, all flags clear (RFC 6762 §18).
    #[inline]
    pub fn query(buf: &'b mut [u8]) -> Option<Self> {
        Self::new(buf, 0, 0)
    }

    /// An mDNS response: QR and AA set (RFC 6762 §18.2, RFC 6762 §18.4).
    #[inline]
    pub fn response(buf: &'b mut [u8], id: u16) -> Option<Self> {
        Self::new(buf, id, Header::QR | Header::AA)
    }
}

impl<'b> MessageWriter<'b, &'b mut CompressionTable> {
    /// [`new`](MessageWriter::new) with a compression table kept by the caller, emptied
    /// here: for a caller writing many messages, cheaper than a fresh 2 KB table each.
    #[inline]
    pub fn with_table(
        buf: &'b mut [u8],
        id: u16,
        flags: u16,
        table: &'b mut CompressionTable,
    ) -> Option<Self> {
        table.reset();
        Self::with_store(buf, id, flags, table)
    }

    /// [`with_table`](Self::with_table) for a message that fills more of the table
    /// than it keeps a log of (the querier's known-answer lists): no slot is noted as
    /// filled, and the table is zeroed whole when next reset.
    #[inline]
    pub(crate) fn with_table_unlogged(
        buf: &'b mut [u8],
        id: u16,
        flags: u16,
        table: &'b mut CompressionTable,
    ) -> Option<Self> {
        table.reset_unlogged();
        Self::with_store(buf, id, flags, table)
    }
}

impl<'b, T: TableStore> MessageWriter<'b, T> {
    #[inline]
    fn with_store(buf: &'b mut [u8], id: u16, flags: u16, table: T) -> Option<Self> {
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
            names: Compression::new(table),
            last_name: None,
            last_owner: None,
        })
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
        // The records that follow a browse's question have its name as owner (known
        // answers): the first of them points to it at once, as the next ones do.
        self.last_owner = self.last_name;
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
        let raw_class = if rtype == Rtype::OPT {
            class.0
        } else {
            class.with_top_bit(cache_flush)
        };
        let [t0, t1] = rtype.0.to_be_bytes();
        let [c0, c1] = raw_class.to_be_bytes();
        let [l0, l1, l2, l3] = ttl.to_be_bytes();
        self.transaction(|w| {
            w.put_name(name)?;
            let owner_at = w.last_name.map(|l| l.at);
            // Type, class, TTL and an rdlength filled in below.
            let len_at = w.pos + 8;
            w.put(&[t0, t1, c0, c1, l0, l1, l2, l3, 0, 0])?;
            let owner = owner_at.zip(name.wire_form());
            w.put_rdata(rdata, owner)?;
            let rdlen = u16::try_from(w.pos - len_at - 2).map_err(|_| WriteError::RdataTooLong)?;
            w.buf[len_at..len_at + 2].copy_from_slice(&rdlen.to_be_bytes());
            Ok(())
        })?;
        self.section = idx;
        *self.count_mut(idx) += 1;
        Ok(())
    }

    /// [`push_record_typed`](Self::push_record_typed)'s steps with the data written by
    /// `rdata`, given where the owner name is remembered and its wire form (the typed
    /// path keeps its own copy of them: through this closure it built 5 % slower).
    #[allow(clippy::too_many_arguments)]
    #[inline]
    fn push_record_with(
        &mut self,
        section: Section,
        name: &impl ToLabels,
        rtype: Rtype,
        class: Class,
        cache_flush: bool,
        ttl: u32,
        rdata: impl FnOnce(&mut Self, Option<(u16, &[u8])>) -> Result<(), WriteError>,
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
        let raw_class = if rtype == Rtype::OPT {
            class.0
        } else {
            class.with_top_bit(cache_flush)
        };
        let [t0, t1] = rtype.0.to_be_bytes();
        let [c0, c1] = raw_class.to_be_bytes();
        let [l0, l1, l2, l3] = ttl.to_be_bytes();
        self.transaction(|w| {
            w.put_owner(name)?;
            let owner_at = w.last_name.map(|l| l.at);
            // Type, class, TTL and an rdlength filled in below.
            let len_at = w.pos + 8;
            w.put(&[t0, t1, c0, c1, l0, l1, l2, l3, 0, 0])?;
            let owner = owner_at.zip(name.wire_form());
            rdata(w, owner)?;
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
        self.names.begin();
        let result = f(self);
        if result.is_err() {
            self.pos = pos;
            self.names.undo(pos);
            self.last_name = None;
            self.last_owner = None;
        }
        result
    }

    #[inline]
    fn put(&mut self, bytes: &[u8]) -> Result<(), WriteError> {
        let end = self.pos + bytes.len();
        if end > self.buf.len() {
            return Err(WriteError::NoSpace);
        }
        self.buf[self.pos..end].copy_from_slice(bytes);
        self.pos = end;
        Ok(())
    }

    /// Writes `rdata`; `owner`: where the record's owner name is remembered, and its
    /// wire form, if known.
    fn put_rdata(
        &mut self,
        rdata: &RecordData,
        owner: Option<(u16, &[u8])>,
    ) -> Result<(), WriteError> {
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
                let [p0, p1] = priority.to_be_bytes();
                let [w0, w1] = weight.to_be_bytes();
                let [o0, o1] = port.to_be_bytes();
                self.put(&[p0, p1, w0, w1, o0, o1])?;
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
                match owner {
                    // An NSEC record names its owner as next name (RFC 6762 §6.1): a
                    // pointer to the owner just written, which is what looking the name
                    // up would find, without the look-up.
                    Some((at, wire)) if same_bytes(next.as_wire(), wire) => {
                        self.put(&(0xC000 | at).to_be_bytes())?;
                    }
                    _ => self.put_name(next)?,
                }
                self.put(types)
            }
            RecordData::Opt(b) | RecordData::Other(b) => self.put(b),
        }
    }

    /// Writes a record's owner name: a pointer at once if it is the previous record's
    /// owner (an RRset's records, known answers of one question), else as any name.
    #[inline]
    fn put_owner(&mut self, name: &impl ToLabels) -> Result<(), WriteError> {
        if let (Some(o), Some(wire)) = (self.last_owner, name.wire_form()) {
            let at = usize::from(o.at);
            if self.compress
                && usize::from(o.len) == wire.len()
                && self.buf[..self.pos]
                    .get(at..at + wire.len())
                    .is_some_and(|have| same_bytes(have, wire))
            {
                // Where the look-ups would lead: the name is remembered there (every
                // label in the table), and the table holds one chain per name.
                self.put(&(0xC000 | o.at).to_be_bytes())?;
                self.last_name = Some(o);
                return Ok(());
            }
        }
        self.put_name(name)?;
        self.last_owner = self.last_name;
        Ok(())
    }

    /// Writes a name, reusing the longest suffix already in the message.
    fn put_name(&mut self, name: &impl ToLabels) -> Result<(), WriteError> {
        if let Some(wire) = name.wire_form() {
            return self.put_wire_name(wire, name.wire_hashes());
        }
        // Assemble the wire form on the stack (a name is at most 255 bytes).
        let mut wire = [0u8; 256];
        let mut len = 0;
        for label in name.for_labels() {
            let l = label.len();
            if l == 0 || l > 63 || len + 2 + l > 255 {
                return Err(WriteError::RdataTooLong);
            }
            wire[len] = l as u8;
            wire[len + 1..len + 1 + l].copy_from_slice(label);
            len += 1 + l;
        }
        self.put_wire_name(&wire[..=len], None)
    }

    /// Writes the name whose uncompressed wire form is `wire`; `hashes`, if known, are
    /// its and its parent's [`wire_hash`].
    #[inline]
    fn put_wire_name(&mut self, wire: &[u8], hashes: Option<[u32; 2]>) -> Result<(), WriteError> {
        self.last_name = None;
        if !self.compress {
            return self.put(wire);
        }
        // The same name written before: a pointer to it.
        let whole = match hashes {
            Some([whole, _]) => whole,
            None => wire_hash(wire),
        };
        if let Some(at) = self.names.remembered(&self.buf[..self.pos], whole, wire) {
            self.put(&(0xC000 | at).to_be_bytes())?;
            self.last_name = Some(LastName {
                at,
                len: wire.len() as u16,
            });
            return Ok(());
        }
        // Where each label starts in `wire`, leftmost first; `root` is the root label's.
        let mut starts = [0u8; 128];
        let mut n = 0;
        let mut root = 0;
        loop {
            let len = *wire.get(root).ok_or(WriteError::RdataTooLong)?;
            if len == 0 {
                break;
            }
            if len > 63 || n == starts.len() || root > 255 {
                return Err(WriteError::RdataTooLong);
            }
            starts[n] = root as u8;
            n += 1;
            root += 1 + usize::from(len);
        }
        if root + 1 != wire.len() {
            return Err(WriteError::RdataTooLong);
        }
        let end_of = |k: usize| {
            if k + 1 < n {
                usize::from(starts[k + 1])
            } else {
                root
            }
        };
        // The longest known suffix, from the right: label k is known if it was written
        // followed by what was found for the labels after it (`rest`, 0 for the root).
        let mut rest = 0u16;
        let mut known = n;
        let mut missed_hash = 0;
        // The name after its first label written before (an instance's type name): all
        // but the first label are known at once. (No label in the table yet, as for a
        // message's first name: nothing to look up.)
        if self.names.is_empty() {
            if n > 0 {
                missed_hash = hash_label(&wire[usize::from(starts[n - 1])..root], 0);
            }
        } else if n >= 2 {
            let parent = &wire[usize::from(starts[1])..];
            let hash = match hashes {
                Some([_, parent]) => parent,
                None => wire_hash(parent),
            };
            if let Some(at) = self.names.remembered(&self.buf[..self.pos], hash, parent) {
                rest = at;
                known = 1;
            }
        }
        while known > 0 && !self.names.is_empty() {
            let k = known - 1;
            let label = &wire[usize::from(starts[k])..end_of(k)];
            let hash = hash_label(label, rest);
            match self.names.find(&self.buf[..self.pos], hash, label, rest) {
                Some(at) => {
                    rest = at;
                    known = k;
                }
                None => {
                    missed_hash = hash;
                    break;
                }
            }
        }
        // Labels before `known` go out in place, then a pointer or the root label.
        let base = self.pos;
        if known == n {
            self.put(wire)?;
        } else {
            let literal = usize::from(starts[known]);
            let end = base + literal + 2;
            if end > self.buf.len() {
                return Err(WriteError::NoSpace);
            }
            self.buf[base..base + literal].copy_from_slice(&wire[..literal]);
            self.buf[base + literal..end].copy_from_slice(&(0xC000 | rest).to_be_bytes());
            self.pos = end;
        }
        // Offer the labels written in place, right to left: each one's rest is known.
        for k in (0..known).rev() {
            let at = base + usize::from(starts[k]);
            if at > MAX_POINTER_TARGET || self.names.is_full() {
                // Not every label is in the table: the name is not remembered whole.
                return Ok(());
            }
            let hash = if k + 1 == known {
                missed_hash
            } else {
                hash_label(&wire[usize::from(starts[k])..end_of(k)], rest)
            };
            self.names.insert(hash, at, rest);
            rest = at as u16;
        }
        // Every label is in the table, the first at `rest`: remember the whole name,
        // and whether it lies there whole (else it goes on at a pointer): written so
        // now, or found label by label in one piece.
        if n > 0 {
            let in_place = known == n
                || (known == 0
                    && self.buf[..base]
                        .get(usize::from(rest)..usize::from(rest) + wire.len())
                        .is_some_and(|have| same_bytes(have, wire)));
            self.remember_last(whole, rest, wire.len(), in_place);
        }
        Ok(())
    }

    /// Remembers the whole name `at` (see [`Compression::remember`]) as the name
    /// written last.
    #[inline]
    fn remember_last(&mut self, whole: u32, at: u16, len: usize, in_place: bool) {
        self.names.remember(whole, at, in_place);
        self.last_name = Some(LastName {
            at,
            len: len as u16,
        });
    }
}

mod canonical;
#[cfg(test)]
mod tests;
