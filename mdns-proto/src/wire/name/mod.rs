//! Names read in place from a received message (RFC 1035 §3.1, RFC 1035 §4.1.4).
//!
//! [`NameRef::read`] walks a name once, following compression pointers, and checks it:
//! labels of at most 63 bytes, no reserved label types (0x40, 0x80), at most 255 bytes
//! decompressed, pointers that stay inside the message and out of the header. Pointers
//! are normally backward; forward pointers, which some devices send, are accepted
//! because the walk is bounded: a chain of more than [`MAX_POINTER_HOPS`] jumps is
//! reported as a loop, so no input can make it hang. Once read, a `NameRef` iterates its
//! labels without checks failing and without allocating.
//!
//! The iterators of a [`Message`](super::Message) keep a memo of the suffixes already
//! read cleanly: a name whose pointer lands on one of them takes its length from the
//! memo instead of walking on, and a name that is nothing but such a pointer costs one
//! look-up. A name that starts with a pointer is kept from the pointer's target, so
//! walking its labels saves that hop.

use super::error::ParseError;
use crate::name::{label_eq, labels_eq, Name, MAX_NAME_LEN};
use alloc::vec::Vec;
use core::fmt;

/// Most compression pointers one name may follow. A valid name has at most 127 labels,
/// and real packets use one pointer per name; the bound makes loops terminate.
pub const MAX_POINTER_HOPS: usize = 32;

/// A validated name inside a message. Cheap to copy; compares case-insensitively.
#[derive(Clone, Copy)]
pub struct NameRef<'a> {
    msg: &'a [u8],
    /// Where the labels are read from (a leading pointer already followed).
    start: u16,
    /// Uncompressed wire length, root label included.
    wire_len: u8,
}

impl<'a> NameRef<'a> {
    /// Reads the name starting at `pos` in `msg`. Returns it and the offset just past
    /// its in-place part (where the next field begins). A `msg` longer than
    /// [`MAX_DNS_MESSAGE_LEN`](super::MAX_DNS_MESSAGE_LEN) is refused, as
    /// [`Message::parse`](super::Message::parse) refuses it.
    pub fn read(msg: &'a [u8], pos: usize) -> Result<(NameRef<'a>, usize), ParseError> {
        if msg.len() > super::MAX_DNS_MESSAGE_LEN {
            return Err(ParseError::TooLong { len: msg.len() });
        }
        Self::read_in_outlined(msg, pos, &mut Suffixes::<1>::new())
    }

    /// [`read_in`](Self::read_in) out of line, for the reads with a one-slot memo (a
    /// name or rdata read alone, not in a message's record loop): one copy of the walk
    /// for all of them instead of one inlined per call site (about 300 bytes each on a
    /// microcontroller).
    #[inline(never)]
    pub(crate) fn read_in_outlined<const N: usize, const S: usize>(
        msg: &'a [u8],
        pos: usize,
        memo: &mut Suffixes<N, S>,
    ) -> Result<(NameRef<'a>, usize), ParseError> {
        Self::read_in(msg, pos, memo)
    }

    /// A name inside rdata: [`read_in`](Self::read_in) in line with a message's memo
    /// (the record loop, where it runs for every PTR, SRV and NSEC), out of line with
    /// a one-slot one ([`read_in_outlined`](Self::read_in_outlined)).
    #[inline(always)]
    pub(crate) fn read_in_rdata<const N: usize, const S: usize>(
        msg: &'a [u8],
        pos: usize,
        memo: &mut Suffixes<N, S>,
    ) -> Result<(NameRef<'a>, usize), ParseError> {
        if N == 1 {
            Self::read_in_outlined(msg, pos, memo)
        } else {
            Self::read_in(msg, pos, memo)
        }
    }

    /// [`NameRef::read`] with a memo of the suffixes of `msg` already validated: a
    /// pointer to one of them adds its known length and ends the walk there. Gives
    /// exactly the result of `read` (the memo only holds suffixes that read cleanly and
    /// that a pointer can still reach within [`MAX_POINTER_HOPS`], and the length limit
    /// is checked against the total).
    #[inline(always)]
    pub(crate) fn read_in<const N: usize, const S: usize>(
        msg: &'a [u8],
        pos: usize,
        memo: &mut Suffixes<N, S>,
    ) -> Result<(NameRef<'a>, usize), ParseError> {
        let mut len = *msg.get(pos).ok_or(ParseError::Truncated { at: pos })?;
        // The common case in a compressed message: the whole name is one pointer to a
        // suffix already read. A memo entry exists only for a suffix that read cleanly
        // and can still be pointed to, so the pointer is known to be good (inside the
        // message, past the header, not to itself) and the pointer count to stay within
        // bounds. (A one-slot memo, the questions', is looked at only after the walk
        // below: a first question is never a bare pointer, and the look-up here costs
        // every question, ~0.5 ns on a one-question query. A second question that
        // points to the first, as SRV and TXT asked together do, still finds it there.)
        if N > 1 && len >= 0xC0 {
            if let Some(&lo) = msg.get(pos + 1) {
                let target = (usize::from(len & 0x3F) << 8) | usize::from(lo);
                if let Some((total, _)) = memo.get(target) {
                    return Ok((NameRef::new(msg, target, total), pos + 2));
                }
            }
        }
        // The labels in place, up to the root label or the first pointer. The wire
        // length so far is that of the labels passed plus the root label: at - pos + 1.
        let mut at = pos;
        // The labels so far are too long once the next length byte lies at `pos + 255`
        // or past it (`next_at - pos + 1 > MAX_NAME_LEN`): cut there, the message gives
        // one bounds check a label for both limits.
        let within = msg.get(..pos + MAX_NAME_LEN).unwrap_or(msg);
        let target = loop {
            if len < 0x40 {
                if len == 0 {
                    let wire_len = at - pos + 1;
                    memo.put(pos, wire_len, 0);
                    return Ok((NameRef::new(msg, pos, wire_len), at + 1));
                }
                let next_at = at + 1 + usize::from(len);
                // The label, and the length byte after it.
                let Some(&next) = within.get(next_at) else {
                    return Err(if next_at >= msg.len() {
                        ParseError::Truncated { at }
                    } else {
                        ParseError::NameTooLong { at: pos }
                    });
                };
                at = next_at;
                len = next;
            } else if len >= 0xC0 {
                let lo = *msg.get(at + 1).ok_or(ParseError::Truncated { at })?;
                // Checked below: a pointer to a suffix in the memo is good.
                break (usize::from(len & 0x3F) << 8) | usize::from(lo);
            } else {
                return Err(ParseError::BadLabel { at, byte: len });
            }
        };
        let end = at + 2;
        let wire_len = at - pos + 1;
        let (total, hops) = match memo.get(target) {
            Some((len, hops)) if wire_len - 1 + len <= MAX_NAME_LEN => {
                (wire_len - 1 + len, hops + 1)
            }
            _ => {
                if target < super::HEADER_LEN || target >= msg.len() || target == at {
                    return Err(ParseError::BadPointer { at, target });
                }
                let (total, hops) = walk_from(msg, pos, target, wire_len, memo)?;
                memo.put(target, total + 1 - wire_len, hops - 1);
                (total, hops)
            }
        };
        if at != pos {
            memo.put(pos, total, hops);
            Ok((NameRef::new(msg, pos, total), end))
        } else {
            // A name that starts with a pointer is kept from its target: its walk
            // saves that hop.
            Ok((NameRef::new(msg, target, total), end))
        }
    }

    /// An owned name seen as one read in place: its wire form is a message of one name.
    #[inline]
    pub(crate) fn of_name(name: &'a Name) -> Self {
        NameRef::new(name.as_wire(), 0, name.wire_len())
    }

    #[inline(always)]
    fn new(msg: &'a [u8], pos: usize, wire_len: usize) -> Self {
        NameRef {
            msg,
            start: pos as u16,
            wire_len: wire_len as u8,
        }
    }

    /// Skips over a name at `pos` without following pointers: the offset just past its
    /// in-place part. Only checks framing.
    pub fn skip(msg: &[u8], pos: usize) -> Result<usize, ParseError> {
        let mut at = pos;
        loop {
            let len = *msg.get(at).ok_or(ParseError::Truncated { at })?;
            match len & 0xC0 {
                0x00 if len == 0 => return Ok(at + 1),
                0x00 => at += 1 + usize::from(len),
                0xC0 => {
                    return if at + 2 <= msg.len() {
                        Ok(at + 2)
                    } else {
                        Err(ParseError::Truncated { at })
                    }
                }
                _ => return Err(ParseError::BadLabel { at, byte: len }),
            }
        }
    }

    /// The labels, leftmost first, root excluded.
    pub fn labels(&self) -> NameLabels<'a> {
        NameLabels {
            msg: self.msg,
            at: u32::from(self.start),
            hops: MAX_POINTER_HOPS as u32 + 1,
        }
    }

    /// The first label (empty for the root): read in place when the name starts with
    /// a label, as a name read from a message does (a name that is one pointer starts
    /// at its target).
    #[inline]
    pub(crate) fn first_label(&self) -> &'a [u8] {
        let at = usize::from(self.start);
        match self.msg.get(at) {
            Some(&len) if len < 0x40 => self
                .msg
                .get(at + 1..at + 1 + usize::from(len))
                .unwrap_or(&[]),
            _ => self.labels().next().unwrap_or(&[]),
        }
    }

    /// Uncompressed wire length, root label included.
    pub fn wire_len(&self) -> usize {
        usize::from(self.wire_len)
    }

    /// Offset in the message where the name's labels are read from: its first byte,
    /// or, for a name that starts with a compression pointer, where that pointer leads.
    pub fn offset(&self) -> usize {
        usize::from(self.start)
    }

    /// The name's uncompressed wire form, if it lies in the message in one piece (its
    /// labels in place up to the root label, no pointer): a slice of the message.
    #[inline]
    pub(crate) fn in_place(&self) -> Option<&'a [u8]> {
        let start = usize::from(self.start);
        let wire = self.msg.get(start..start + usize::from(self.wire_len))?;
        // Validated on read: the labels in place, if no pointer comes first, end in
        // the root label at the end of `wire`.
        let mut at = 0;
        while let Some(&len) = wire.get(at) {
            if len == 0 {
                return (at + 1 == wire.len()).then_some(wire);
            }
            if len >= 0x40 {
                return None;
            }
            at += 1 + usize::from(len);
        }
        None
    }

    /// An owned copy, in the case it was received.
    pub fn to_name(&self) -> Name {
        // A name in one piece is copied as it is: validated on read.
        if let Some(wire) = self.in_place() {
            return Name::from_valid_wire(wire);
        }
        // Validated on read, so this cannot fail; fall back to the root defensively.
        Name::from_labels(self.labels()).unwrap_or_else(|_| Name::root())
    }

    /// Case-insensitive comparison with an owned name.
    pub fn eq_name(&self, name: &Name) -> bool {
        self.wire_len() == name.wire_len() && labels_eq(self.labels(), name.labels())
    }

    /// Case-insensitive comparison with another name read in place. Two names whose
    /// labels start at the same place of the same message (a record's name a pointer
    /// to a question's, as in a probe's authority records) are equal without reading
    /// them.
    pub fn eq_ref(&self, other: &NameRef<'_>) -> bool {
        if self.wire_len != other.wire_len {
            return false;
        }
        if self.start == other.start && core::ptr::eq(self.msg.as_ptr(), other.msg.as_ptr()) {
            return true;
        }
        labels_eq(self.labels(), other.labels())
    }

    /// Appends the uncompressed wire form (root label included) to `out`: room made
    /// once, each run copied straight in. The engine writes every received record's
    /// data this way to find it in the cache.
    pub fn write_uncompressed(&self, out: &mut Vec<u8>) {
        out.reserve(self.wire_len());
        for run in self.runs() {
            out.extend_from_slice(run);
        }
        // The root label.
        out.push(0);
    }

    /// The name's labels in runs as they lie in the message, leftmost first: each run
    /// the labels (length bytes included) up to a pointer or the root label, which is
    /// not included. Together, the wire form without its root label.
    #[inline]
    pub(crate) fn runs(&self) -> NameRuns<'a> {
        NameRuns {
            msg: self.msg,
            at: usize::from(self.start),
            hops: MAX_POINTER_HOPS + 1,
        }
    }

    /// Number of labels, root excluded.
    pub fn label_count(&self) -> usize {
        self.labels().count()
    }

    /// True if the leftmost label equals `label` (case-insensitively).
    pub fn first_label_is(&self, label: &[u8]) -> bool {
        self.labels().next().is_some_and(|l| label_eq(l, label))
    }
}

impl PartialEq for NameRef<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.eq_ref(other)
    }
}

impl PartialEq<Name> for NameRef<'_> {
    fn eq(&self, other: &Name) -> bool {
        self.eq_name(other)
    }
}

impl fmt::Display for NameRef<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut any = false;
        for label in self.labels() {
            crate::name::write_label_escaped(f, label)?;
            f.write_str(".")?;
            any = true;
        }
        if !any {
            f.write_str(".")?;
        }
        Ok(())
    }
}

impl fmt::Debug for NameRef<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "NameRef({self})")
    }
}

/// The rest of [`NameRef::read_in`]'s walk, from the first pointer's `target` on, with
/// `wire_len` bytes counted so far; returns the name's total wire length and pointer
/// count. Checks in the same order as a walk from the start, so errors are the same.
#[inline(never)]
fn walk_from<const N: usize, const S: usize>(
    msg: &[u8],
    pos: usize,
    mut at: usize,
    mut wire_len: usize,
    memo: &Suffixes<N, S>,
) -> Result<(usize, usize), ParseError> {
    // A suffix the seed holds (names the questions read) ends the walk at once, as a
    // memo entry does.
    if let Some((len, more)) = memo.get_seed(at) {
        if wire_len - 1 + len <= MAX_NAME_LEN {
            return Ok((wire_len - 1 + len, 1 + more));
        }
    }
    let mut hops = 1;
    loop {
        let len = *msg.get(at).ok_or(ParseError::Truncated { at })?;
        match len & 0xC0 {
            0x00 if len == 0 => return Ok((wire_len, hops)),
            0x00 => {
                let len = usize::from(len);
                if at + 1 + len >= msg.len() {
                    return Err(ParseError::Truncated { at });
                }
                wire_len += 1 + len;
                if wire_len > MAX_NAME_LEN {
                    return Err(ParseError::NameTooLong { at: pos });
                }
                at += 1 + len;
            }
            0xC0 => {
                let lo = *msg.get(at + 1).ok_or(ParseError::Truncated { at })?;
                let target = (usize::from(len & 0x3F) << 8) | usize::from(lo);
                if target < super::HEADER_LEN || target >= msg.len() || target == at {
                    return Err(ParseError::BadPointer { at, target });
                }
                hops += 1;
                if hops > MAX_POINTER_HOPS {
                    return Err(ParseError::PointerLoop { at: pos });
                }
                if let Some((len, more)) = memo.get(target) {
                    if wire_len - 1 + len <= MAX_NAME_LEN && hops + more <= MAX_POINTER_HOPS {
                        return Ok((wire_len - 1 + len, hops + more));
                    }
                }
                at = target;
            }
            _ => return Err(ParseError::BadLabel { at, byte: len }),
        }
    }
}

/// Slots of the [`Suffixes`] memo of the records (a power of two): 128 bytes, written
/// when the first record is read (a query without records never builds it). A large
/// response of 60-odd names in use (the corpus's d) costs 9 % more instructions than
/// with 64 slots, 11 % fewer than with 16.
pub(crate) const SUFFIX_SLOTS: usize = 32;

/// Slots of the memo of the questions: one, the last question name read. A message
/// has few questions, and records that point into them mostly point to the last one
/// (the known answers of a query). One slot lives in a register, where a table would
/// keep the whole iterator in memory: a one-question query costs 12 instructions less
/// than with 4 slots, and no corpus packet costs more.
pub(crate) const QUESTION_SUFFIX_SLOTS: usize = 1;

/// The suffixes of one message already read cleanly: offset, wire length (root
/// included) and pointers followed from there, in a small direct-mapped table of `N`
/// slots, a power of two (a newer entry replaces an older one in its slot). No
/// allocation.
///
/// `S` more slots (a power of two, or 0) hold another memo's entries, looked at only
/// when a pointer misses the table and before walking from its target: the records
/// read after a [`Questions`](super::Questions) iterator get its memo there, so the
/// question names are not walked again, and the table itself is built as a constant
/// (filled in, it would be built aside and copied).
#[derive(Clone)]
pub(crate) struct Suffixes<const N: usize = SUFFIX_SLOTS, const S: usize = 0> {
    /// `offset << 16 | hops << 8 | wire_len`; 0 is empty (no name starts at 0, and
    /// slot 0, where offset 0 would go, starts as `u32::MAX`, which no offset matches).
    slots: [u32; N],
    /// Entries of another memo of the same message, in the same form.
    seed: [u32; S],
}

impl<const N: usize> Suffixes<N> {
    #[inline(always)]
    pub(crate) const fn new() -> Self {
        Self::with_seed([])
    }
}

impl<const N: usize, const S: usize> Suffixes<N, S> {
    /// An empty memo whose second look-up holds `seed`, the slots of a
    /// `Suffixes<S>` of the same message (an unused one: `Suffixes::<S>::new()`).
    #[inline(always)]
    pub(crate) const fn with_seed(seed: [u32; S]) -> Self {
        let mut slots = [0; N];
        slots[0] = u32::MAX;
        Suffixes { slots, seed }
    }

    /// This memo's slots, to seed another one.
    #[inline(always)]
    pub(crate) const fn slots(&self) -> [u32; N] {
        self.slots
    }

    /// The seed's entry for `at`, if it holds one.
    #[inline(always)]
    fn get_seed(&self, at: usize) -> Option<(usize, usize)> {
        if S == 0 {
            return None;
        }
        let e = self.seed[at % S];
        ((e >> 16) as usize == at).then_some(((e & 0xFF) as usize, ((e >> 8) & 0xFF) as usize))
    }

    #[inline(always)]
    fn get(&self, at: usize) -> Option<(usize, usize)> {
        let e = self.slots[at % N];
        if (e >> 16) as usize != at {
            return None;
        }
        Some(((e & 0xFF) as usize, ((e >> 8) & 0xFF) as usize))
    }

    /// Files the suffix at `at`, unless no pointer can reach it (past 14 bits) or a
    /// pointer to it would follow too many (`hops` is already the most allowed): so a
    /// memo hit always vouches for the pointer that found it.
    #[inline(always)]
    fn put(&mut self, at: usize, wire_len: usize, hops: usize) {
        // wire_len <= 255 and hops <= 32 by validation.
        if at <= 0x3FFF && hops < MAX_POINTER_HOPS {
            self.slots[at % N] = ((at as u32) << 16) | ((hops as u32) << 8) | wire_len as u32;
        }
    }
}

impl<const N: usize, const S: usize> fmt::Debug for Suffixes<N, S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let known = self
            .slots
            .iter()
            .filter(|&&e| e != 0 && e != u32::MAX)
            .count();
        write!(f, "Suffixes({known} known)")
    }
}

/// Marks the path that calls it as rarely taken, for code layout.
#[cold]
#[inline]
fn cold() {}

/// Iterator over the runs of labels of a [`NameRef`] (see [`NameRef::runs`]).
pub(crate) struct NameRuns<'a> {
    msg: &'a [u8],
    /// Where the next run starts, or past the end when done.
    at: usize,
    /// Runs still allowed: bounds the walk even if the invariant were broken.
    hops: usize,
}

impl<'a> Iterator for NameRuns<'a> {
    type Item = &'a [u8];

    #[inline]
    fn next(&mut self) -> Option<&'a [u8]> {
        // Validated on read; every access is still checked, as in `NameLabels`.
        if self.hops == 0 {
            return None;
        }
        self.hops -= 1;
        let msg = self.msg;
        let start = self.at;
        let mut at = start;
        let len = loop {
            let l = *msg.get(at)?;
            if l == 0 || l >= 0x40 {
                break l;
            }
            at += 1 + usize::from(l);
        };
        let run = msg.get(start..at)?;
        self.at = match (len, msg.get(at + 1)) {
            (0xC0.., Some(&lo)) => (usize::from(len & 0x3F) << 8) | usize::from(lo),
            _ => usize::MAX,
        };
        if run.is_empty() && self.at == usize::MAX {
            return None;
        }
        Some(run)
    }
}

/// Iterator over the labels of a [`NameRef`], following pointers.
#[derive(Clone)]
pub struct NameLabels<'a> {
    msg: &'a [u8],
    /// Offset of the next length byte.
    at: u32,
    /// One more than the pointers still allowed: bounds the walk even if the invariant
    /// were broken.
    hops: u32,
}

impl<'a> Iterator for NameLabels<'a> {
    type Item = &'a [u8];
    #[inline]
    fn next(&mut self) -> Option<&'a [u8]> {
        // The name was validated by `NameRef::read`; every access is still checked, so a
        // broken invariant ends the iteration instead of panicking.
        loop {
            let at = self.at as usize;
            let len = *self.msg.get(at)?;
            if len < 0x40 {
                if len == 0 {
                    return None;
                }
                let end = at + 1 + usize::from(len);
                // A length byte follows every label of a valid name: checking for it
                // here covers this slice and the next read.
                if end >= self.msg.len() {
                    return None;
                }
                let label = self.msg.get(at + 1..end)?;
                self.at = end as u32;
                return Some(label);
            }
            cold();
            if len < 0xC0 {
                return None;
            }
            self.hops -= 1;
            if self.hops == 0 {
                return None;
            }
            let lo = *self.msg.get(at + 1)?;
            self.at = (u32::from(len & 0x3F) << 8) | u32::from(lo);
        }
    }
}

#[cfg(test)]
mod tests;
