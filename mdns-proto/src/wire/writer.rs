//! Building a message into a caller-provided buffer, with name compression
//! (RFC 1035 §4.1.4), also inside PTR, CNAME, SRV and NSEC rdata (RFC 6762 §18.14).
//!
//! The writer never allocates for names of up to 16 labels. A push that does not fit
//! leaves the writer exactly as it was and returns [`WriteError::NoSpace`], so a caller
//! can stop at a size limit (RFC 6762 §17) or carry on in the next packet (§7.2).
//!
//! Compression only reuses a suffix that was written with exactly the same bytes, so
//! every name goes out in the case it was given. Every label written in place is an
//! entry of a fixed-size open-addressing table, keyed by its bytes and by where the rest
//! of its name continues (the offset of the next label, a pointer's target, or the
//! root). A name is looked up from its last label to its first: a suffix is known when
//! its first label was written followed by the suffix already found, so each hit is
//! verified exactly by comparing one label with the buffer, and every pointer points
//! backward.
//!
//! The table is 2 KB. A writer made with [`MessageWriter::new`] has its own, zeroed with
//! it; one made with [`MessageWriter::with_table`] borrows a [`CompressionTable`] that
//! the caller keeps between messages and that clears only the slots a message filled.
//!
//! A response repeats whole names (ten PTRs of one type name, an instance name as PTR
//! data then as the SRV and TXT owner, one host as every SRV target). A second,
//! direct-mapped table remembers where each whole name written or found so far begins,
//! keyed by a hash of its wire form; a hit is verified by reading the name back from
//! the buffer and costs one pointer, without the label-by-label lookups. It gives
//! exactly the bytes those lookups give: a (label, rest) pair is in the label table at
//! most once, so a name whose every label is there has one chain, the one remembered.
//! A [`Name`] brings that hash (and its parent's) with it, computed when it was built;
//! a name read from a packet is hashed here. An NSEC record's next name that is its
//! owner's (as in mDNS) points at the owner just written, where the look-up would lead.

use super::error::WriteError;
use super::header::{Header, HEADER_LEN};
use super::message::Section;
use super::rdata::RecordData;
use super::rtype::{Class, Rtype};
use crate::name::{wire_hash, Name};

/// Slots of the writer's one table: label slots, then whole-name slots. 2 KB, so that
/// zeroing it per message stays in `memset`'s vector path (above 2 KB glibc switches
/// to `rep stosb`, several times the cost here).
pub const TABLE_SLOTS: usize = LABEL_SLOTS + NAME_SLOTS;
/// Slots for labels. Once [`TABLE_MAX`] labels are in, further names are still
/// written, only not offered for reuse.
const LABEL_SLOTS: usize = 448;
/// Most labels offered for reuse in one message.
const TABLE_MAX: usize = 256;
/// Compression pointers carry 14 bits of offset.
const MAX_POINTER_TARGET: usize = 0x3FFF;
/// Slots for whole names (a power of two; a colliding name replaces the one there,
/// which only costs a later lookup label by label).
const NAME_SLOTS: usize = 64;
/// Table slots a push logs for undoing it; a push filling more is undone by a scan.
const UNDO_LOG: usize = 12;
/// In a whole-name slot: the name was written whole where it begins (no pointer).
const WHOLE_IN_PLACE: u32 = 1 << 14;
/// Most pointers followed when reading a remembered name back (a name has at most 127
/// labels, so a correct chain never needs more).
const MAX_READBACK_HOPS: usize = 127;

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

/// A table entry: the label at `offset` (14 bits), the offset where its name goes on
/// (`rest`, 14 bits; 0 for the root label) and 4 bits of the key's hash that the slot
/// index does not use. 0 is an empty slot: no label starts inside the header.
fn entry(offset: usize, rest: u16, hash: u32) -> u32 {
    offset as u32 | (u32::from(rest) << 14) | (hash & 0xF000_0000)
}

/// The part of an entry that a lookup for (`rest`, `hash`) must match exactly.
fn entry_key(rest: u16, hash: u32) -> u32 {
    (u32::from(rest) << 14) | (hash & 0xF000_0000)
}

/// Where a writer keeps its compression table: its own (zeroed with the writer) or a
/// [`CompressionTable`] borrowed from the caller and reused across messages.
pub trait TableStore: sealed::Sealed {
    #[doc(hidden)]
    fn slots(&self) -> &[u32; TABLE_SLOTS];
    #[doc(hidden)]
    fn slots_mut(&mut self) -> &mut [u32; TABLE_SLOTS];
    /// Notes that `slot` was filled, so a reused table can clear just that.
    #[doc(hidden)]
    fn filled(&mut self, slot: usize);
}

mod sealed {
    pub trait Sealed {}
    impl Sealed for super::OwnedTable {}
    impl Sealed for &mut super::CompressionTable {}
}

/// The table of a writer made by [`MessageWriter::new`]: 2 KB, zeroed with it.
pub struct OwnedTable([u32; TABLE_SLOTS]);

impl TableStore for OwnedTable {
    #[inline(always)]
    fn slots(&self) -> &[u32; TABLE_SLOTS] {
        &self.0
    }
    #[inline(always)]
    fn slots_mut(&mut self) -> &mut [u32; TABLE_SLOTS] {
        &mut self.0
    }
    #[inline(always)]
    fn filled(&mut self, _slot: usize) {}
}

/// A compression table kept by the caller between messages
/// ([`MessageWriter::with_table`]): a message that fills few slots clears just those
/// for the next one, instead of zeroing 2 KB.
#[derive(Clone)]
pub struct CompressionTable {
    slots: [u32; TABLE_SLOTS],
    /// Slots filled since the last reset (the first [`FILLED_LOG`]), and how many.
    filled: [u16; FILLED_LOG],
    n_filled: usize,
}

/// Filled slots a [`CompressionTable`] remembers; past them a reset zeroes it whole.
const FILLED_LOG: usize = 64;

impl CompressionTable {
    /// An empty table.
    pub fn new() -> Self {
        CompressionTable {
            slots: [0; TABLE_SLOTS],
            filled: [0; FILLED_LOG],
            n_filled: 0,
        }
    }

    /// Empties the table for the next message.
    #[inline]
    fn reset(&mut self) {
        if self.n_filled <= FILLED_LOG {
            for &i in &self.filled[..self.n_filled] {
                if let Some(e) = self.slots.get_mut(usize::from(i)) {
                    *e = 0;
                }
            }
        } else {
            self.slots = [0; TABLE_SLOTS];
        }
        self.n_filled = 0;
    }
}

impl Default for CompressionTable {
    fn default() -> Self {
        Self::new()
    }
}

impl core::fmt::Debug for CompressionTable {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("CompressionTable").finish_non_exhaustive()
    }
}

impl TableStore for &mut CompressionTable {
    #[inline(always)]
    fn slots(&self) -> &[u32; TABLE_SLOTS] {
        &self.slots
    }
    #[inline(always)]
    fn slots_mut(&mut self) -> &mut [u32; TABLE_SLOTS] {
        &mut self.slots
    }
    #[inline(always)]
    fn filled(&mut self, slot: usize) {
        if let Some(f) = self.filled.get_mut(self.n_filled) {
            *f = slot as u16;
        }
        self.n_filled += 1;
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
    /// Labels written in place (the first [`LABEL_SLOTS`], see [`entry`]), then whole
    /// names written or found (a hash of the wire form above bit 14, where the name
    /// begins below; 0 for an empty slot, as no name begins inside the header). 2 KB,
    /// empty at the start of each message.
    table: T,
    used: usize,
    /// Table slots filled by the current push (the first [`UNDO_LOG`]), and how many.
    log: [u16; UNDO_LOG],
    logged: usize,
    /// Where the name written last is remembered whole (what a pointer to the same
    /// name would point to), if it is.
    last_name: Option<u16>,
}

impl<'b> MessageWriter<'b> {
    /// Starts a message with the given ID and flags. `None` if `buf` cannot even hold a
    /// header.
    #[inline]
    pub fn new(buf: &'b mut [u8], id: u16, flags: u16) -> Option<Self> {
        Self::with_store(buf, id, flags, OwnedTable([0; TABLE_SLOTS]))
    }

    /// A multicast mDNS query: ID 0, all flags clear (RFC 6762 §18).
    #[inline]
    pub fn query(buf: &'b mut [u8]) -> Option<Self> {
        Self::new(buf, 0, 0)
    }

    /// An mDNS response: QR and AA set (RFC 6762 §18.2, §18.4).
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
            table,
            used: 0,
            log: [0; UNDO_LOG],
            logged: 0,
            last_name: None,
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
            let owner_at = w.last_name;
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

    /// Appends a record whose data is given in canonical form (names uncompressed, as
    /// [`RData::write_canonical`](super::RData::write_canonical) and
    /// [`RecordData::write_canonical`] give it): the same bytes as writing the typed
    /// data, names in it compressed alike. For data kept in that form (the cache's),
    /// without building a [`RecordData`].
    #[allow(clippy::too_many_arguments)]
    pub fn push_record_canonical(
        &mut self,
        section: Section,
        name: &impl ToLabels,
        rtype: Rtype,
        class: Class,
        cache_flush: bool,
        ttl: u32,
        canonical: &[u8],
    ) -> Result<(), WriteError> {
        self.push_record_with(section, name, rtype, class, cache_flush, ttl, |w, owner| {
            w.put_canonical(rtype, canonical, owner)
        })
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
            w.put_name(name)?;
            let owner_at = w.last_name;
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
    ///
    /// The slots `f` fills are logged in a small fixed array (a push adds a few); if
    /// it overflows, the table is scanned instead: every entry made by `f` names a place
    /// at or past where it started, and none made before does (the message only grows),
    /// so clearing those restores the label table as it was, under linear probing,
    /// what `f` added sitting in slots that were empty before. A whole-name entry `f`
    /// replaced is lost, which only costs a later lookup label by label (the bytes
    /// written are the same).
    fn transaction(
        &mut self,
        f: impl FnOnce(&mut Self) -> Result<(), WriteError>,
    ) -> Result<(), WriteError> {
        let pos = self.pos;
        self.logged = 0;
        let result = f(self);
        if result.is_err() {
            self.pos = pos;
            if self.logged <= UNDO_LOG {
                // Newest first: with linear probing this restores the table exactly.
                for i in (0..self.logged).rev() {
                    let slot = usize::from(self.log[i]);
                    if slot < LABEL_SLOTS {
                        self.used -= 1;
                    }
                    self.table.slots_mut()[slot] = 0;
                }
            } else {
                self.forget_from(pos);
            }
        }
        result
    }

    /// Notes a table slot filled in the current transaction.
    #[inline]
    fn log_slot(&mut self, slot: usize) {
        if let Some(l) = self.log.get_mut(self.logged) {
            *l = slot as u16;
        }
        self.logged += 1;
    }

    /// Clears every table entry naming a place at or past `pos`.
    #[cold]
    fn forget_from(&mut self, pos: usize) {
        for (i, e) in self.table.slots_mut().iter_mut().enumerate() {
            if *e != 0 && (*e & 0x3FFF) as usize >= pos {
                *e = 0;
                if i < LABEL_SLOTS {
                    self.used -= 1;
                }
            }
        }
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

    /// Writes canonical data of type `rtype` (see
    /// [`push_record_canonical`](Self::push_record_canonical)) as
    /// [`put_rdata`](Self::put_rdata) writes the typed data.
    fn put_canonical(
        &mut self,
        rtype: Rtype,
        data: &[u8],
        owner: Option<(u16, &[u8])>,
    ) -> Result<(), WriteError> {
        match rtype {
            Rtype::PTR | Rtype::CNAME => self.put_wire_name(data, None),
            Rtype::SRV => {
                let (fixed, target) = data.split_at_checked(6).ok_or(WriteError::RdataTooLong)?;
                self.put(fixed)?;
                self.put_wire_name(target, None)
            }
            Rtype::NSEC => {
                let (next, types) = data
                    .split_at_checked(wire_name_len(data)?)
                    .ok_or(WriteError::RdataTooLong)?;
                match owner {
                    // As `put_rdata`: next name = owner, a pointer to the owner.
                    Some((at, wire)) if same_bytes(next, wire) => {
                        self.put(&(0xC000 | at).to_be_bytes())?;
                    }
                    _ => self.put_wire_name(next, None)?,
                }
                self.put(types)
            }
            // Never an empty TXT: one empty string (RFC 6763 §6.1), as `put_rdata`.
            Rtype::TXT if data.is_empty() => self.put(&[0]),
            // Addresses, TXT and HINFO strings, anything else: as they are.
            _ => self.put(data),
        }
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
        let slot = whole as usize & (NAME_SLOTS - 1);
        if let Some(at) = self.remembered(whole, wire) {
            self.put(&(0xC000 | at).to_be_bytes())?;
            self.last_name = Some(at);
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
        if self.used == 0 {
            if n > 0 {
                missed_hash = hash_label(&wire[usize::from(starts[n - 1])..root], 0);
            }
        } else if n >= 2 {
            let parent = &wire[usize::from(starts[1])..];
            let hash = match hashes {
                Some([_, parent]) => parent,
                None => wire_hash(parent),
            };
            if let Some(at) = self.remembered(hash, parent) {
                rest = at;
                known = 1;
            }
        }
        while known > 0 && self.used != 0 {
            let k = known - 1;
            let label = &wire[usize::from(starts[k])..end_of(k)];
            let hash = hash_label(label, rest);
            match self.find(hash, label, rest) {
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
            if at > MAX_POINTER_TARGET || self.used >= TABLE_MAX {
                // Not every label is in the table: the name is not remembered whole.
                return Ok(());
            }
            let hash = if k + 1 == known {
                missed_hash
            } else {
                hash_label(&wire[usize::from(starts[k])..end_of(k)], rest)
            };
            self.insert(hash, at, rest);
            rest = at as u16;
        }
        // Every label is in the table, the first at `rest`: remember the whole name,
        // and whether it was written there whole (else it goes on at a pointer).
        if n > 0 {
            let in_place = if known == n { WHOLE_IN_PLACE } else { 0 };
            self.table.slots_mut()[LABEL_SLOTS + slot] =
                (whole & !0x7FFF) | in_place | u32::from(rest);
            self.table.filled(LABEL_SLOTS + slot);
            self.log_slot(LABEL_SLOTS + slot);
            self.last_name = Some(rest);
        }
        Ok(())
    }

    /// Where the whole name `wire` (hashed `whole`) begins in the message, if it is
    /// remembered (every label of it in the label table).
    #[inline]
    fn remembered(&self, whole: u32, wire: &[u8]) -> Option<u16> {
        let e = self.table.slots()[LABEL_SLOTS + (whole as usize & (NAME_SLOTS - 1))];
        let at = (e & 0x3FFF) as usize;
        if at == 0 || e & !0x7FFF != whole & !0x7FFF {
            return None;
        }
        // A name written whole where it begins: one comparison (the usual hit).
        let same = if e & WHOLE_IN_PLACE != 0 {
            self.buf[..self.pos]
                .get(at..at + wire.len())
                .is_some_and(|have| same_bytes(have, wire))
        } else {
            self.reads_back_one_hop(at, wire) || self.reads_back(at, wire)
        };
        same.then_some(at as u16)
    }

    /// The usual shape of a name that was not written whole: labels in place, then one
    /// pointer to a suffix that is in place. True if the name at `at` is that and
    /// equals `wire`; false says nothing ([`reads_back`](Self::reads_back) decides).
    #[inline]
    fn reads_back_one_hop(&self, at: usize, wire: &[u8]) -> bool {
        let msg = &self.buf[..self.pos];
        let mut end = at;
        while let Some(&len) = msg.get(end) {
            if len == 0 || len >= 0x40 {
                break;
            }
            end += 1 + usize::from(len);
        }
        let lit = end - at;
        let (Some(&[hi, lo]), Some(have), Some(head), Some(tail)) = (
            msg.get(end..).and_then(|m| m.first_chunk::<2>()),
            msg.get(at..end),
            wire.get(..lit),
            wire.get(lit..),
        ) else {
            return false;
        };
        if hi < 0xC0 || !same_bytes(have, head) {
            return false;
        }
        let target = (usize::from(hi & 0x3F) << 8) | usize::from(lo);
        msg.get(target..target + tail.len())
            .is_some_and(|suffix| same_bytes(suffix, tail))
    }

    /// True if the name at `at` in the message, pointers followed, is exactly `wire`.
    /// Each run of labels in place is compared in one piece. For a name that was not
    /// written whole at `at` (its first run ends at a pointer): comparing the whole
    /// name there first is skipped.
    #[inline(never)]
    fn reads_back(&self, mut at: usize, wire: &[u8]) -> bool {
        let msg = &self.buf[..self.pos];
        let mut i = 0;
        for hop in 0..=MAX_READBACK_HOPS {
            // What is left of the name written in place in one piece (a name written
            // whole, or the suffix a pointer leads to): one comparison. `wire` ends in
            // the root label, so equal bytes are the same name.
            let rest = &wire[i..];
            if hop > 0
                && msg
                    .get(at..at + rest.len())
                    .is_some_and(|have| same_bytes(have, rest))
            {
                return true;
            }
            // Else the labels in place from `at`, up to a pointer or the root label.
            let start = at;
            let mut len = match msg.get(at) {
                Some(&l) => l,
                None => return false,
            };
            while len != 0 && len < 0xC0 {
                at += 1 + usize::from(len);
                len = match msg.get(at) {
                    Some(&l) => l,
                    None => return false,
                };
            }
            let run = at - start;
            let same = match (msg.get(start..at), wire.get(i..i + run)) {
                (Some(have), Some(want)) => same_bytes(have, want),
                _ => false,
            };
            if !same {
                return false;
            }
            i += run;
            if len == 0 {
                return i + 1 == wire.len() && wire[i] == 0;
            }
            let Some(&lo) = msg.get(at + 1) else {
                return false;
            };
            at = (usize::from(len & 0x3F) << 8) | usize::from(lo);
        }
        false
    }

    /// The offset of `label` (length byte included) written followed by `rest`.
    #[inline]
    fn find(&self, hash: u32, label: &[u8], rest: u16) -> Option<u16> {
        let key = entry_key(rest, hash);
        let mut i = label_slot(hash);
        loop {
            let e = self.table.slots()[i];
            if e == 0 {
                return None;
            }
            if e & !0x3FFF == key {
                let at = (e & 0x3FFF) as usize;
                if self.buf[..self.pos]
                    .get(at..at + label.len())
                    .is_some_and(|have| same_bytes(have, label))
                {
                    return Some(at as u16);
                }
            }
            i = if i + 1 == LABEL_SLOTS { 0 } else { i + 1 };
        }
    }

    #[inline]
    fn insert(&mut self, hash: u32, at: usize, rest: u16) {
        let mut i = label_slot(hash);
        let slots = self.table.slots_mut();
        while slots[i] != 0 {
            i = if i + 1 == LABEL_SLOTS { 0 } else { i + 1 };
        }
        slots[i] = entry(at, rest, hash);
        self.table.filled(i);
        self.used += 1;
        self.log_slot(i);
    }
}

/// Length of the uncompressed name at the start of `wire`, root label included.
fn wire_name_len(wire: &[u8]) -> Result<usize, WriteError> {
    let mut at = 0;
    loop {
        match *wire.get(at).ok_or(WriteError::RdataTooLong)? {
            0 => return Ok(at + 1),
            len @ 1..=63 => at += 1 + usize::from(len),
            _ => return Err(WriteError::RdataTooLong),
        }
    }
}

/// The first slot probed for a label whose hash is `hash`: its low 28 bits (the top
/// four are kept in the entry) scaled to [`LABEL_SLOTS`].
#[inline]
fn label_slot(hash: u32) -> usize {
    ((u64::from(hash & 0x0FFF_FFFF) * LABEL_SLOTS as u64) >> 28) as usize
}

/// `a == b` for slices of the same length up to 64 bytes, inline, a word at a time
/// (cheaper than a `memcmp` call for labels).
#[inline]
fn same_bytes(a: &[u8], b: &[u8]) -> bool {
    let n = a.len();
    if n != b.len() {
        return false;
    }
    let word = |s: &[u8], at: usize| s.get(at..).and_then(|s| s.first_chunk::<8>()).copied();
    let half = |s: &[u8], at: usize| s.get(at..).and_then(|s| s.first_chunk::<4>()).copied();
    if n >= 8 {
        let mut at = 0;
        while at + 8 < n {
            if word(a, at) != word(b, at) {
                return false;
            }
            at += 8;
        }
        word(a, n - 8) == word(b, n - 8)
    } else if n >= 4 {
        half(a, 0) == half(b, 0) && half(a, n - 4) == half(b, n - 4)
    } else {
        a == b
    }
}

/// Hash of a label (its length byte included) and the offset its name goes on at, read
/// a word at a time. Exact bytes, so case is distinct.
#[inline]
fn hash_label(label: &[u8], rest: u16) -> u32 {
    const K: u64 = 0x9E37_79B9_7F4A_7C15;
    let n = label.len();
    let mut h = u64::from(rest).wrapping_mul(K);
    let word = |b: &[u8]| -> u64 {
        match b.first_chunk::<8>() {
            Some(w) => u64::from_le_bytes(*w),
            None => 0,
        }
    };
    let half = |b: &[u8]| -> u64 {
        match b.first_chunk::<4>() {
            Some(w) => u64::from(u32::from_le_bytes(*w)),
            None => 0,
        }
    };
    if n >= 8 {
        // Whole words, then the last eight bytes (overlapping; the length byte in front
        // makes the split unambiguous).
        let mut at = 0;
        while at + 8 < n {
            h = (h ^ word(&label[at..])).wrapping_mul(K);
            at += 8;
        }
        h = (h ^ word(&label[n - 8..])).wrapping_mul(K);
    } else if n >= 4 {
        h = (h ^ (half(label) | half(&label[n - 4..]) << 32)).wrapping_mul(K);
    } else if n > 0 {
        let w = u64::from(label[0]) | u64::from(label[n / 2]) << 8 | u64::from(label[n - 1]) << 16;
        h = (h ^ w).wrapping_mul(K);
    }
    (h ^ (h >> 29)) as u32 ^ (h >> 32) as u32
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::message::Message;
    use crate::wire::rdata::RData;
    use alloc::vec;
    use smallvec::SmallVec;

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
    fn an_nsec_naming_its_owner_points_where_a_look_up_would() {
        // Owners written in place, as a pointer, after other names, in another case,
        // and with compression off; NSEC next the owner or not. Names (the owner's
        // shortcut) and names read in place (no shortcut: the look-up) give the same
        // bytes.
        use crate::wire::NsecBitmap;
        let types = NsecBitmap::build(&[Rtype::A]);
        let nsec = |next: &str| RecordData::Nsec {
            next: name(next),
            types: types.clone(),
        };
        let recs: [(&str, RecordData, bool); 7] = [
            ("host.local", nsec("host.local"), true),
            ("host.local", RecordData::A([10, 0, 0, 1].into()), true),
            ("host.local", nsec("host.local"), true),
            ("x.host.local", nsec("x.host.local"), true),
            ("HOST.local", nsec("host.local"), true),
            ("y.local", nsec("y.local"), false),
            ("y.local", nsec("host.local"), true),
        ];
        let write = |in_place: bool, buf: &mut [u8]| {
            let first_msg = {
                let mut b = [0u8; 512];
                let mut w = MessageWriter::response(&mut b, 0).unwrap();
                for (owner, _, _) in &recs {
                    w.push_question(&name(owner), Rtype::A, Class::IN, false)
                        .unwrap();
                }
                let n = w.finish();
                b[..n].to_vec()
            };
            let msg = Message::parse(&first_msg).unwrap();
            let owners: vec::Vec<_> = msg.questions().map(|q| q.unwrap().name).collect();
            let mut w = MessageWriter::response(buf, 0).unwrap();
            for ((owner, data, compress), at) in recs.iter().zip(&owners) {
                w.set_compression(*compress);
                let r = if in_place {
                    w.push_record(Section::Answer, at, Class::IN, true, 120, data)
                } else {
                    w.push_record(Section::Answer, &name(owner), Class::IN, true, 120, data)
                };
                r.unwrap();
            }
            w.finish()
        };
        let (mut a, mut b) = ([0u8; 1024], [0u8; 1024]);
        let (la, lb) = (write(false, &mut a), write(true, &mut b));
        assert_eq!(a[..la], b[..lb]);
        // The first NSEC's next name is a pointer to its owner at 12.
        let msg = Message::parse(&a[..la]).unwrap();
        let first = msg.records().next().unwrap().unwrap();
        assert_eq!(first.raw_rdata[..2], [0xC0, 12]);
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
    fn canonical_data_is_written_as_the_typed_data_is() {
        // Every kind of data, after names that share suffixes with it, written typed
        // and from its canonical form: the same bytes, compression included.
        let owner = name("Box._http._tcp.local");
        let datas = [
            RecordData::Ptr(name("Box._http._tcp.local")),
            RecordData::Ptr(name("Other._http._tcp.local")),
            RecordData::Cname(name("alias.local")),
            RecordData::Srv {
                priority: 1,
                weight: 2,
                port: 80,
                target: name("host.local"),
            },
            RecordData::Txt(SmallVec::from_slice(b"\x03a=1\x00")),
            RecordData::Txt(SmallVec::new()),
            RecordData::Hinfo {
                cpu: SmallVec::from_slice(b"ARM"),
                os: SmallVec::from_slice(b"none"),
            },
            RecordData::Nsec {
                next: owner.clone(),
                types: crate::wire::NsecBitmap::build(&[Rtype::TXT, Rtype::SRV]),
            },
            RecordData::Nsec {
                next: name("host.local"),
                types: crate::wire::NsecBitmap::build(&[Rtype::A]),
            },
            RecordData::A(core::net::Ipv4Addr::new(10, 0, 0, 1)),
            RecordData::Aaaa(core::net::Ipv6Addr::LOCALHOST),
        ];
        let write = |canonical: bool| {
            let mut buf = vec![0u8; 1500];
            let mut w = MessageWriter::response(&mut buf, 0).unwrap();
            let host = RecordData::A(core::net::Ipv4Addr::new(10, 0, 0, 2));
            w.push_record(
                Section::Answer,
                &name("host.local"),
                Class::IN,
                true,
                120,
                &host,
            )
            .unwrap();
            for d in &datas {
                let rtype = d.rtype().unwrap();
                if canonical {
                    let mut c = alloc::vec::Vec::new();
                    d.write_canonical(&mut c);
                    w.push_record_canonical(
                        Section::Answer,
                        &owner,
                        rtype,
                        Class::IN,
                        false,
                        120,
                        &c,
                    )
                } else {
                    w.push_record(Section::Answer, &owner, Class::IN, false, 120, d)
                }
                .unwrap();
            }
            let len = w.finish();
            buf.truncate(len);
            buf
        };
        let typed = write(false);
        assert_eq!(write(true), typed);
        // And it reads back as the data written.
        let msg = Message::parse(&typed).unwrap();
        assert_eq!(msg.records().count(), datas.len() + 1);
    }

    #[test]
    fn a_push_that_does_not_fit_rolls_back() {
        let mut buf = [0u8; 60];
        let mut w = MessageWriter::query(&mut buf).unwrap();
        w.push_question(&name("x._http._tcp.local"), Rtype::PTR, Class::IN, true)
            .unwrap();
        let before = w.len();
        let (table, used) = (w.table.0, w.used);
        let big = RecordData::Ptr(name("a-rather-long-instance-name._http._tcp.local"));
        assert_eq!(
            w.push_record(
                Section::Answer,
                // A new owner: its label goes in the table before the rdata fails.
                &name("new._tcp.local"),
                Class::IN,
                false,
                10,
                &big
            ),
            Err(WriteError::NoSpace)
        );
        assert_eq!(w.len(), before);
        assert_eq!(w.header().ancount, 0);
        // The label table is as it was (whole-name entries are only a shortcut).
        assert!(
            w.table.0[..LABEL_SLOTS] == table[..LABEL_SLOTS] && w.used == used,
            "the label table is as it was"
        );
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
    fn a_reused_table_writes_what_a_fresh_one_does() {
        // Messages of 1-40 names (some fill more slots than the table's log, so its
        // reset zeroes it whole), some cut short by a small buffer (pushes rolled
        // back): a table carried from one message to the next gives the same bytes.
        let mut rnd = xorshift(0x2545_F491_4F6C_DD1D);
        let mut table = CompressionTable::new();
        let (mut big, mut cut) = (0, 0);
        for _ in 0..400 {
            let names = random_names(&mut rnd);
            let size = if rnd(3) == 0 {
                40 + rnd(200) as usize
            } else {
                4096
            };
            let mut fresh_buf = vec![0u8; size];
            let mut reused_buf = vec![0u8; size];
            let mut fresh = MessageWriter::query(&mut fresh_buf).unwrap();
            let mut reused = MessageWriter::with_table(&mut reused_buf, 0, 0, &mut table).unwrap();
            for n in &names {
                let a = fresh.push_question(n, Rtype::A, Class::IN, false);
                let b = reused.push_question(n, Rtype::A, Class::IN, false);
                assert_eq!(a, b);
                cut += usize::from(a.is_err());
            }
            let (la, lb) = (fresh.finish(), reused.finish());
            assert_eq!(fresh_buf[..la], reused_buf[..lb], "{names:?}");
            big += usize::from(table.n_filled > FILLED_LOG);
        }
        assert!(big > 20 && cut > 20, "{big} {cut}");
    }

    /// A xorshift generator: `rnd(n)` is below `n`.
    fn xorshift(mut seed: u64) -> impl FnMut(u64) -> u64 {
        move |n| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed % n
        }
    }

    /// 1-40 names of 0-5 labels from a small pool (some in two cases), so that
    /// suffixes repeat.
    fn random_names(rnd: &mut impl FnMut(u64) -> u64) -> vec::Vec<Name> {
        let pool = [
            "a", "A", "local", "LOCAL", "_tcp", "_http", "x", "host-1", "b.c",
        ];
        (0..1 + rnd(40))
            .map(|_| {
                let labels: vec::Vec<&str> = (0..rnd(6))
                    .map(|_| pool[rnd(pool.len() as u64) as usize])
                    .collect();
                name(&labels.join("."))
            })
            .collect()
    }

    /// The simplest compressor: every suffix written in place, by its exact bytes.
    fn reference(names: &[Name]) -> vec::Vec<u8> {
        let mut out = vec![0u8; HEADER_LEN];
        let mut known: vec::Vec<(vec::Vec<u8>, usize)> = vec::Vec::new();
        for name in names {
            let wire = name.as_wire();
            let mut at = 0;
            loop {
                let suffix = &wire[at..];
                if suffix == [0] {
                    out.push(0);
                    break;
                }
                if let Some((_, off)) = known.iter().find(|(s, _)| s == suffix) {
                    out.extend_from_slice(&(0xC000 | *off as u16).to_be_bytes());
                    break;
                }
                known.push((suffix.to_vec(), out.len()));
                let len = usize::from(wire[at]);
                out.extend_from_slice(&wire[at..at + 1 + len]);
                at += 1 + len;
            }
            out.extend_from_slice(&[0, 1, 0, 1]);
        }
        out
    }

    #[test]
    fn compresses_exactly_like_a_search_of_every_suffix() {
        let mut rnd = xorshift(0x9E37_79B9_7F4A_7C15);
        let mut buf = [0u8; 4096];
        for _ in 0..300 {
            let names = random_names(&mut rnd);
            let mut w = MessageWriter::query(&mut buf).unwrap();
            for n in &names {
                w.push_question(n, Rtype::A, Class::IN, false).unwrap();
            }
            let len = w.finish();
            let want = reference(&names);
            assert_eq!(&buf[HEADER_LEN..len], &want[HEADER_LEN..], "{names:?}");
            // names read in place (NameRef, assembled on the stack) give the same bytes
            let copy = buf[..len].to_vec();
            let msg = Message::parse(&copy).unwrap();
            let mut buf2 = [0u8; 4096];
            let mut w = MessageWriter::query(&mut buf2).unwrap();
            for q in msg.questions() {
                w.push_question(&q.unwrap().name, Rtype::A, Class::IN, false)
                    .unwrap();
            }
            let len2 = w.finish();
            assert_eq!(&buf2[HEADER_LEN..len2], &want[HEADER_LEN..]);
        }
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
