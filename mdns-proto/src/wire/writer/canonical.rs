//! Records whose data is given in canonical form (names uncompressed, as the cache
//! keeps it): [`MessageWriter::push_record_canonical`], the querier's known answers.
//! The data is written as the typed data would be, its names compressed alike; the
//! usual known answer (owner the previous record's, a PTR target one label under it)
//! goes out in one step, without the general path's look-ups and rollback.

use super::{LastName, MessageWriter, ToLabels};
use crate::wire::compress::{hash_label, same_bytes, TableStore, MAX_POINTER_TARGET};
use crate::wire::error::WriteError;
use crate::wire::message::Section;
use crate::wire::rtype::{Class, Rtype};

impl<'b, T: TableStore> MessageWriter<'b, T> {
    /// Appends a record whose data is given in canonical form (names uncompressed, as
    /// [`RData::write_canonical`](crate::wire::RData::write_canonical) and
    /// [`RecordData::write_canonical`](crate::wire::RecordData::write_canonical) give
    /// it): the same bytes as writing the typed data, names in it compressed alike. For
    /// data kept in that form (the cache's), without building a
    /// [`RecordData`](crate::wire::RecordData).
    #[allow(clippy::too_many_arguments)]
    #[inline]
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
        if let Some(done) =
            self.push_under_last_owner(section, name, rtype, class, cache_flush, ttl, canonical)
        {
            return done;
        }
        self.push_record_general(section, name, rtype, class, cache_flush, ttl, canonical)
    }

    /// [`push_record_canonical`](Self::push_record_canonical) without
    /// [`push_under_last_owner`](Self::push_under_last_owner): every record through
    /// [`push_record_with`](Self::push_record_with) (tests compare the two).
    #[allow(clippy::too_many_arguments)]
    #[inline(never)]
    pub(super) fn push_record_general(
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

    /// The usual known answer in a run of one question's, written in one go: its owner
    /// the previous record's (or the question's), lying whole where it was remembered
    /// (a pointer to it), its data a name one label under that owner (a browse's PTR:
    /// the label and a pointer, or a pointer to the name written before) or data
    /// written as it is. Then it writes the record with the same bytes and table
    /// entries as [`push_record_with`](Self::push_record_with), which would find the
    /// owner by [`put_owner`](Self::put_owner) and the name by
    /// [`put_extension`](Self::put_extension), or fails as it would for want of room,
    /// leaving the writer as that would. For any other record it changes nothing and
    /// returns `None`, for the general path.
    #[allow(clippy::too_many_arguments)]
    #[inline(always)]
    fn push_under_last_owner(
        &mut self,
        section: Section,
        name: &impl ToLabels,
        rtype: Rtype,
        class: Class,
        cache_flush: bool,
        ttl: u32,
        canonical: &[u8],
    ) -> Option<Result<(), WriteError>> {
        let (o, owner) = (self.last_owner?, name.wire_form()?);
        // Known answers are answers: after the questions or other answers.
        if section != Section::Answer
            || !self.compress
            || self.section > 1
            || self.header.ancount == u16::MAX
        {
            return None;
        }
        let (pos, at) = (self.pos, usize::from(o.at));
        let msg = &self.buf[..pos];
        if usize::from(o.len) != owner.len() || !eq_words(msg.get(at..at + owner.len())?, owner) {
            return None;
        }
        // The data: the label of a name under the owner and where the entry for it
        // is or would go, or `None` for data written as it is.
        let under = match rtype {
            Rtype::PTR | Rtype::CNAME => {
                // As `extends` finds it.
                let len = usize::from(*canonical.first()?);
                let end = 1 + len;
                if !(1..=63).contains(&len)
                    || canonical.len() > 255
                    || !eq_words(canonical.get(end..)?, owner)
                {
                    return None;
                }
                let label = &canonical[..end];
                let hash = hash_label_short(label, o.at);
                Some((label, hash, self.names.find_or_slot(msg, hash, label, o.at)))
            }
            Rtype::SRV | Rtype::NSEC => return None,
            Rtype::TXT if canonical.is_empty() => return None,
            _ if canonical.len() > usize::from(u16::MAX) => return None,
            // Written as it is (`put_canonical`).
            _ => None,
        };
        let rdlen = match under {
            Some((_, _, Ok(_))) => 2,
            Some((label, _, Err(_))) => label.len() + 2,
            None => canonical.len(),
        };
        let base = pos + 12;
        let Some(out) = self.buf.get_mut(pos..base + rdlen) else {
            // What the general path would write does not fit: it would fail so.
            self.last_name = None;
            self.last_owner = None;
            return Some(Err(WriteError::NoSpace));
        };
        let raw_class = if rtype == Rtype::OPT {
            class.0
        } else {
            class.with_top_bit(cache_flush)
        };
        let [p0, p1] = (0xC000 | o.at).to_be_bytes();
        let [t0, t1] = rtype.0.to_be_bytes();
        let [c0, c1] = raw_class.to_be_bytes();
        let [l0, l1, l2, l3] = ttl.to_be_bytes();
        let [r0, r1] = (rdlen as u16).to_be_bytes();
        out[..12].copy_from_slice(&[p0, p1, t0, t1, c0, c1, l0, l1, l2, l3, r0, r1]);
        let data = &mut out[12..];
        self.last_name = match under {
            Some((_, _, Ok(target))) => {
                data.copy_from_slice(&(0xC000 | target).to_be_bytes());
                Some(LastName {
                    at: target,
                    len: canonical.len() as u16,
                })
            }
            Some((label, hash, Err(slot))) => {
                let end = label.len();
                copy_short(&mut data[..end], label);
                data[end..].copy_from_slice(&[p0, p1]);
                if base <= MAX_POINTER_TARGET && !self.names.is_full() {
                    // Nothing to log for an undo: this push cannot fail now.
                    self.names.insert_unlogged(slot, hash, base, o.at);
                    Some(LastName {
                        at: base as u16,
                        len: canonical.len() as u16,
                    })
                } else {
                    None
                }
            }
            None => {
                data.copy_from_slice(canonical);
                Some(o)
            }
        };
        self.pos = base + rdlen;
        self.section = 1;
        self.header.ancount += 1;
        Some(Ok(()))
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
            Rtype::PTR | Rtype::CNAME => self.put_data_name(data),
            Rtype::SRV => {
                let (fixed, target) = data.split_at_checked(6).ok_or(WriteError::RdataTooLong)?;
                self.put(fixed)?;
                self.put_data_name(target)
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

    /// Writes a name in record data given in canonical form: as
    /// [`put_wire_name`](Self::put_wire_name) does, and at once if it is one label
    /// before the name written last (a PTR record's target under its owner, as in a
    /// browse's known answers).
    #[inline]
    fn put_data_name(&mut self, wire: &[u8]) -> Result<(), WriteError> {
        if let Some(prev) = self.last_name.filter(|_| self.compress) {
            if let Some(label_end) = extends(wire, &self.buf[..self.pos], prev) {
                return self.put_extension(wire, label_end, prev.at);
            }
        }
        self.put_wire_name(wire, None)
    }

    /// Writes `wire`, whose first label ends at `label_end` and is followed by the name
    /// written last, in place whole at `parent_at`. The look-ups of
    /// [`put_wire_name`](Self::put_wire_name) would find that name there (every label
    /// of it is in the table, which holds one chain per name) and then look up the
    /// first label: the same bytes and label entries come out of looking up just that
    /// label. The whole name is not remembered (a known-answer list names each target
    /// once); the look-ups find it label by label.
    fn put_extension(
        &mut self,
        wire: &[u8],
        label_end: usize,
        parent_at: u16,
    ) -> Result<(), WriteError> {
        self.last_name = None;
        let label = &wire[..label_end];
        let hash = hash_label(label, parent_at);
        let base = self.pos;
        let slot = match self
            .names
            .find_or_slot(&self.buf[..base], hash, label, parent_at)
        {
            Ok(at) => {
                self.put(&(0xC000 | at).to_be_bytes())?;
                self.last_name = Some(LastName {
                    at,
                    len: wire.len() as u16,
                });
                return Ok(());
            }
            Err(slot) => slot,
        };
        let end = base + label_end + 2;
        if end > self.buf.len() {
            return Err(WriteError::NoSpace);
        }
        self.buf[base..base + label_end].copy_from_slice(label);
        self.buf[base + label_end..end].copy_from_slice(&(0xC000 | parent_at).to_be_bytes());
        self.pos = end;
        if base > MAX_POINTER_TARGET || self.names.is_full() {
            return Ok(());
        }
        self.names.insert_at(slot, hash, base, parent_at);
        self.last_name = Some(LastName {
            at: base as u16,
            len: wire.len() as u16,
        });
        Ok(())
    }
}

/// If `wire` is one label followed by the name `prev` (lying whole in `msg`), where
/// that label ends. Only names of at most 255 bytes with a label of 1 to 63 bytes: the
/// rest, malformed or not, takes the general path.
#[inline]
fn extends(wire: &[u8], msg: &[u8], prev: LastName) -> Option<usize> {
    let len = usize::from(*wire.first()?);
    if !(1..=63).contains(&len) || wire.len() > 255 {
        return None;
    }
    let parent = wire.get(1 + len..)?;
    let at = usize::from(prev.at);
    let have = msg.get(at..at + usize::from(prev.len))?;
    same_bytes(have, parent).then_some(1 + len)
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

/// Copies a label between slices of one length: from 8 to 32 bytes as two or four
/// (overlapping) words, without a call to `memcpy`, which costs more at these sizes.
#[inline(always)]
pub(super) fn copy_short(dst: &mut [u8], src: &[u8]) {
    let n = src.len();
    if dst.len() != n || !(8..=32).contains(&n) {
        dst.copy_from_slice(src);
        return;
    }
    if n <= 16 {
        copy_word(dst, src, 0);
        copy_word(dst, src, n - 8);
    } else {
        copy_word(dst, src, 0);
        copy_word(dst, src, 8);
        copy_word(dst, src, n - 16);
        copy_word(dst, src, n - 8);
    }
}

/// Eight bytes of `src` at `at` into `dst` (both at least `at + 8` long).
#[inline(always)]
fn copy_word(dst: &mut [u8], src: &[u8], at: usize) {
    // Through a word: a slice copy here became a call to `memcpy`.
    if let (Some(d), Some(s)) = (dst.get_mut(at..at + 8), src.get(at..at + 8)) {
        let w = u64::from_le_bytes([s[0], s[1], s[2], s[3], s[4], s[5], s[6], s[7]]);
        d.copy_from_slice(&w.to_le_bytes());
    }
}

/// [`same_bytes`] for the known-answer path: up to 32 bytes, two to four words
/// (overlapping) XORed together and tested once; longer, [`same_bytes`].
#[inline(always)]
pub(super) fn eq_words(a: &[u8], b: &[u8]) -> bool {
    let n = a.len();
    if n != b.len() {
        return false;
    }
    if !(8..=32).contains(&n) {
        return same_bytes(a, b);
    }
    let word = |s: &[u8], at: usize| match s.get(at..at + 8) {
        Some(w) => u64::from_le_bytes([w[0], w[1], w[2], w[3], w[4], w[5], w[6], w[7]]),
        None => 0,
    };
    let diff = |at: usize| word(a, at) ^ word(b, at);
    if n <= 16 {
        diff(0) | diff(n - 8) == 0
    } else {
        diff(0) | diff(8) | diff(n - 16) | diff(n - 8) == 0
    }
}

/// [`hash_label`] of a label of 9 to 32 bytes, its words unrolled (the same value);
/// others through [`hash_label`].
#[inline(always)]
pub(super) fn hash_label_short(label: &[u8], rest: u16) -> u32 {
    const K: u64 = 0x9E37_79B9_7F4A_7C15;
    let n = label.len();
    if !(9..=32).contains(&n) {
        return hash_label(label, rest);
    }
    let word = |at: usize| match label.get(at..at + 8) {
        Some(w) => u64::from_le_bytes([w[0], w[1], w[2], w[3], w[4], w[5], w[6], w[7]]),
        None => 0,
    };
    // As `hash_label`: the words at 0, 8, 16 that end before the last byte, then the
    // last eight bytes.
    let mut h = u64::from(rest).wrapping_mul(K);
    h = (h ^ word(0)).wrapping_mul(K);
    if n > 16 {
        h = (h ^ word(8)).wrapping_mul(K);
    }
    if n > 24 {
        h = (h ^ word(16)).wrapping_mul(K);
    }
    h = (h ^ word(n - 8)).wrapping_mul(K);
    (h ^ (h >> 29)) as u32 ^ (h >> 32) as u32
}
