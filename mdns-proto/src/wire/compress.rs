//! The writer's compression table (RFC 1035 §4.1.4): which labels and whole names a
//! message holds, where, and how to find them again. What is here knows the table;
//! `writer.rs` writes names with it, frames records and rolls a failed push back.
//!
//! Compression only reuses a suffix that was written with exactly the same bytes, so
//! every name goes out in the case it was given. Every label written in place is an
//! entry of a fixed-size open-addressing table, keyed by its bytes and by where the rest
//! of its name continues (the offset of the next label, a pointer's target, or the
//! root). A name is looked up from its last label to its first: a suffix is known when
//! its first label was written followed by the suffix already found, so each hit is
//! verified exactly by comparing one label with the message, and every pointer points
//! backward.
//!
//! The table is 2 KB. A writer made with [`MessageWriter::new`](super::MessageWriter::new)
//! has its own, zeroed with it; one made with
//! [`MessageWriter::with_table`](super::MessageWriter::with_table) borrows a
//! [`CompressionTable`] that the caller keeps between messages and that clears only the
//! slots a message filled.
//!
//! A response repeats whole names (ten PTRs of one type name, an instance name as PTR
//! data then as the SRV and TXT owner, one host as every SRV target). A second,
//! direct-mapped table remembers where each whole name written or found so far begins,
//! keyed by a hash of its wire form; a hit is verified by reading the name back from
//! the message and costs one pointer, without the label-by-label lookups. It gives
//! exactly the bytes those lookups give: a (label, rest) pair is in the label table at
//! most once, so a name whose every label is there has one chain, the one remembered.
//! A [`Name`](crate::Name) brings that hash (and its parent's) with it, computed when it
//! was built; a name read from a packet is hashed here.
//!
//! A push that fails is undone: the slots it filled are logged (a few per push), and
//! cleared again newest first, which under linear probing restores the table exactly.

/// Slots of the writer's one table: label slots, then whole-name slots. 2 KB, so that
/// zeroing it per message stays in `memset`'s vector path (above 2 KB glibc switches
/// to `rep stosb`, several times the cost here).
pub const TABLE_SLOTS: usize = LABEL_SLOTS + NAME_SLOTS;
/// Slots for labels. Once [`TABLE_MAX`] labels are in, further names are still
/// written, only not offered for reuse.
pub(super) const LABEL_SLOTS: usize = 448;
/// Most labels offered for reuse in one message.
pub(super) const TABLE_MAX: usize = 256;
/// Compression pointers carry 14 bits of offset.
pub(super) const MAX_POINTER_TARGET: usize = 0x3FFF;
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

/// The table of a writer made by [`MessageWriter::new`](super::MessageWriter::new):
/// 2 KB, zeroed with it.
pub struct OwnedTable([u32; TABLE_SLOTS]);

impl OwnedTable {
    /// An empty table.
    #[inline]
    pub(super) fn zeroed() -> Self {
        OwnedTable([0; TABLE_SLOTS])
    }
}

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
/// ([`MessageWriter::with_table`](super::MessageWriter::with_table)): a message that
/// fills few slots clears just those for the next one, instead of zeroing 2 KB.
#[derive(Clone)]
pub struct CompressionTable {
    slots: [u32; TABLE_SLOTS],
    /// Slots filled since the last reset, and how many; [`FILLED_LOG`] filled means
    /// the log is full (or off): further slots are not noted and a reset zeroes the
    /// table whole.
    filled: [u16; FILLED_LOG],
    n_filled: usize,
}

/// Filled slots a [`CompressionTable`] remembers (one less: the last marks the log
/// full); past them a reset zeroes it whole.
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
    pub(super) fn reset(&mut self) {
        if self.n_filled < FILLED_LOG {
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

    /// [`reset`](Self::reset), for a message expected to fill more slots than the log
    /// holds (a query's known-answer list): the slots it fills are not noted, and the
    /// next reset zeroes the table whole.
    #[inline]
    pub(super) fn reset_unlogged(&mut self) {
        self.reset();
        self.n_filled = FILLED_LOG;
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
        let n = self.n_filled;
        if n < FILLED_LOG {
            self.filled[n] = slot as u16;
            self.n_filled = n + 1;
        }
    }
}

/// A message's table and what goes with it: how many labels it holds, and the slots
/// the current push filled (for undoing it).
pub(super) struct Compression<T: TableStore> {
    table: T,
    /// Labels in the table.
    used: usize,
    /// Table slots filled by the current push (the first [`UNDO_LOG`]), and how many.
    log: [u16; UNDO_LOG],
    logged: usize,
}

impl<T: TableStore> Compression<T> {
    #[inline]
    pub fn new(table: T) -> Self {
        Compression {
            table,
            used: 0,
            log: [0; UNDO_LOG],
            logged: 0,
        }
    }

    /// No label is in the table yet (nothing to look up).
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.used == 0
    }

    /// [`TABLE_MAX`] labels are in: further ones are not offered for reuse.
    #[inline]
    pub fn is_full(&self) -> bool {
        self.used >= TABLE_MAX
    }

    /// A push starts: what it fills is logged from here.
    #[inline]
    pub fn begin(&mut self) {
        self.logged = 0;
    }

    /// The push that started at message offset `pos` failed: the entries it made go.
    ///
    /// Newest first from the log; if the log overflowed, the table is scanned instead:
    /// every entry made by the push names a place at or past `pos`, and none made
    /// before does (the message only grows), so clearing those restores the label
    /// table as it was, what the push added sitting in slots that were empty before.
    /// A whole-name entry the push replaced is lost, which only costs a later lookup
    /// label by label (the bytes written are the same).
    pub fn undo(&mut self, pos: usize) {
        if self.logged <= UNDO_LOG {
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

    /// Where the whole name `wire` (hashed `whole`) begins in the message, if it is
    /// remembered (every label of it in the label table).
    #[inline]
    pub fn remembered(&self, msg: &[u8], whole: u32, wire: &[u8]) -> Option<u16> {
        let e = self.table.slots()[LABEL_SLOTS + (whole as usize & (NAME_SLOTS - 1))];
        let at = (e & 0x3FFF) as usize;
        if at == 0 || e & !0x7FFF != whole & !0x7FFF {
            return None;
        }
        // A name written whole where it begins: one comparison (the usual hit).
        let same = if e & WHOLE_IN_PLACE != 0 {
            msg.get(at..at + wire.len())
                .is_some_and(|have| same_bytes(have, wire))
        } else {
            reads_back_one_hop(msg, at, wire) || reads_back(msg, at, wire)
        };
        same.then_some(at as u16)
    }

    /// The offset of `label` (length byte included) written followed by `rest`.
    #[inline]
    pub fn find(&self, msg: &[u8], hash: u32, label: &[u8], rest: u16) -> Option<u16> {
        let key = entry_key(rest, hash);
        let mut i = label_slot(hash);
        loop {
            let e = self.table.slots()[i];
            if e == 0 {
                return None;
            }
            if e & !0x3FFF == key {
                let at = (e & 0x3FFF) as usize;
                if msg
                    .get(at..at + label.len())
                    .is_some_and(|have| same_bytes(have, label))
                {
                    return Some(at as u16);
                }
            }
            i = if i + 1 == LABEL_SLOTS { 0 } else { i + 1 };
        }
    }

    /// [`find`](Self::find), and where the label's entry would go if it is not there
    /// (`Err`, the slot [`insert`](Self::insert) would fill): a look-up and the insert
    /// after it in one probe.
    #[inline(always)]
    pub fn find_or_slot(
        &self,
        msg: &[u8],
        hash: u32,
        label: &[u8],
        rest: u16,
    ) -> Result<u16, usize> {
        let key = entry_key(rest, hash);
        let mut i = label_slot(hash);
        loop {
            let e = self.table.slots()[i];
            if e == 0 {
                return Err(i);
            }
            if e & !0x3FFF == key {
                let at = (e & 0x3FFF) as usize;
                if msg
                    .get(at..at + label.len())
                    .is_some_and(|have| same_bytes(have, label))
                {
                    return Ok(at as u16);
                }
            }
            i = if i + 1 == LABEL_SLOTS { 0 } else { i + 1 };
        }
    }

    /// [`insert`](Self::insert) into `slot`, found empty by
    /// [`find_or_slot`](Self::find_or_slot) with nothing inserted since.
    #[inline(always)]
    pub fn insert_at(&mut self, slot: usize, hash: u32, at: usize, rest: u16) {
        self.insert_unlogged(slot, hash, at, rest);
        self.log_slot(slot);
    }

    /// [`insert_at`](Self::insert_at) outside a push that could be undone (nothing
    /// logged for [`undo`](Self::undo)).
    #[inline(always)]
    pub fn insert_unlogged(&mut self, slot: usize, hash: u32, at: usize, rest: u16) {
        self.table.slots_mut()[slot] = entry(at, rest, hash);
        self.table.filled(slot);
        self.used += 1;
    }

    #[inline]
    pub fn insert(&mut self, hash: u32, at: usize, rest: u16) {
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

    /// The label slots and how many labels they hold (for tests of the undo).
    #[cfg(test)]
    pub fn labels(&self) -> ([u32; LABEL_SLOTS], usize) {
        let mut slots = [0; LABEL_SLOTS];
        slots.copy_from_slice(&self.table.slots()[..LABEL_SLOTS]);
        (slots, self.used)
    }

    /// Remembers that the whole name hashed `whole` begins at `at`, written there whole
    /// (`in_place`) or going on at a pointer.
    #[inline]
    pub fn remember(&mut self, whole: u32, at: u16, in_place: bool) {
        let slot = LABEL_SLOTS + (whole as usize & (NAME_SLOTS - 1));
        let in_place = if in_place { WHOLE_IN_PLACE } else { 0 };
        self.table.slots_mut()[slot] = (whole & !0x7FFF) | in_place | u32::from(at);
        self.table.filled(slot);
        self.log_slot(slot);
    }
}

/// The usual shape of a name that was not written whole: labels in place, then one
/// pointer to a suffix that is in place. True if the name at `at` is that and
/// equals `wire`; false says nothing (`reads_back` decides).
#[inline]
fn reads_back_one_hop(msg: &[u8], at: usize, wire: &[u8]) -> bool {
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
fn reads_back(msg: &[u8], mut at: usize, wire: &[u8]) -> bool {
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

/// The first slot probed for a label whose hash is `hash`: its low 28 bits (the top
/// four are kept in the entry) scaled to [`LABEL_SLOTS`].
#[inline]
fn label_slot(hash: u32) -> usize {
    ((u64::from(hash & 0x0FFF_FFFF) * LABEL_SLOTS as u64) >> 28) as usize
}

/// Hash of a label (its length byte included) and the offset its name goes on at, read
/// a word at a time. Exact bytes, so case is distinct.
#[inline]
pub(super) fn hash_label(label: &[u8], rest: u16) -> u32 {
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

/// `a == b`, inline, a word at a time: cheaper than a `memcmp` call for the short
/// slices of names and labels (and its cost does not depend on their alignment).
#[inline]
pub(super) fn same_bytes(a: &[u8], b: &[u8]) -> bool {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::name::Name;
    use crate::wire::message::Message;
    use crate::wire::rdata::RecordData;
    use crate::wire::rtype::{Class, Rtype};
    use crate::wire::{MessageWriter, Section, HEADER_LEN};
    use alloc::vec;

    fn name(s: &str) -> Name {
        Name::parse(s).unwrap()
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
            // Now and then a message that keeps no log of its slots (the querier's).
            let unlogged = rnd(5) == 0;
            let mut reused = if unlogged {
                MessageWriter::with_table_unlogged(&mut reused_buf, 0, 0, &mut table)
            } else {
                MessageWriter::with_table(&mut reused_buf, 0, 0, &mut table)
            }
            .unwrap();
            for n in &names {
                let a = fresh.push_question(n, Rtype::A, Class::IN, false);
                let b = reused.push_question(n, Rtype::A, Class::IN, false);
                assert_eq!(a, b);
                cut += usize::from(a.is_err());
            }
            let (la, lb) = (fresh.finish(), reused.finish());
            assert_eq!(fresh_buf[..la], reused_buf[..lb], "{names:?}");
            big += usize::from(!unlogged && table.n_filled >= FILLED_LOG);
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
}
