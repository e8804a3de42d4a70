//! The owned domain [`Name`]: stored in uncompressed wire form, kept in the case it was
//! given, compared and hashed case-insensitively (ASCII only, RFC 6762 §16).
//!
//! This module is the one place where names are compared: its `labels_eq` and
//! `label_eq` are what every other comparison (including the zero-copy
//! [`NameRef`](crate::wire::NameRef) reader's) goes through. Reading names out of
//! packets lives in [`wire`](crate::wire) (`wire/name.rs`), not here.

use core::cmp::Ordering;
use core::fmt;
use core::hash::{Hash, Hasher};
use smallvec::SmallVec;

/// Longest label, in bytes (RFC 1035 §2.3.4).
pub const MAX_LABEL_LEN: usize = 63;
/// Longest name in wire form, length bytes and the root label included (RFC 1035 §2.3.4).
pub const MAX_NAME_LEN: usize = 255;

/// Why a name could not be built.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum NameError {
    /// Label number `index` (from 0, leftmost) is `len` bytes long; at most 63 are allowed.
    LabelTooLong {
        /// Which label.
        index: usize,
        /// Its length in bytes.
        len: usize,
    },
    /// Label number `index` is empty (two dots in a row, or a leading dot).
    EmptyLabel {
        /// Which label.
        index: usize,
    },
    /// The name would take `len` bytes in wire form; at most 255 are allowed.
    NameTooLong {
        /// Its wire length.
        len: usize,
    },
    /// A backslash escape at byte `pos` of the text is malformed.
    BadEscape {
        /// Byte offset of the backslash.
        pos: usize,
    },
}

impl fmt::Display for NameError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            NameError::LabelTooLong { index, len } => write!(
                f,
                "label {index} is {len} bytes long, longer than the {MAX_LABEL_LEN} bytes allowed"
            ),
            NameError::EmptyLabel { index } => write!(f, "label {index} is empty"),
            NameError::NameTooLong { len } => write!(
                f,
                "name is {len} bytes in wire form, longer than the {MAX_NAME_LEN} bytes allowed"
            ),
            NameError::BadEscape { pos } => write!(f, "malformed escape at byte {pos}"),
        }
    }
}

#[cfg(feature = "std")]
impl std::error::Error for NameError {}

/// ASCII case-insensitive equality of two labels: the one rule for comparing names
/// (RFC 6762 §16: only ASCII letters fold; other UTF-8 bytes compare exactly).
#[inline]
pub(crate) fn label_eq(a: &[u8], b: &[u8]) -> bool {
    a.eq_ignore_ascii_case(b)
}

/// Case-insensitive equality of two label sequences.
pub(crate) fn labels_eq<'a, 'b>(
    mut a: impl Iterator<Item = &'a [u8]>,
    mut b: impl Iterator<Item = &'b [u8]>,
) -> bool {
    loop {
        match (a.next(), b.next()) {
            (None, None) => return true,
            (Some(x), Some(y)) if label_eq(x, y) => {}
            _ => return false,
        }
    }
}

/// A domain name, owned, in uncompressed wire form (length-prefixed labels ending in the
/// root label). Keeps its original case for sending; `==`, `Hash` and `Ord` ignore ASCII
/// case.
///
/// It also keeps, computed once when it is built, the message writer's hashes of its
/// exact wire form and of its parent's, so that writing a name already in a message
/// costs no hashing.
pub struct Name {
    wire: SmallVec<[u8; 64]>,
    /// `wire_hash` of `wire`, and of `wire` without its first label (0 for the root).
    hashes: [u32; 2],
}

impl Clone for Name {
    /// The bytes copied in one piece (`SmallVec`'s own `clone` copies byte by byte), the
    /// hashes kept.
    #[inline]
    fn clone(&self) -> Self {
        Name {
            wire: SmallVec::from_slice(&self.wire),
            hashes: self.hashes,
        }
    }
}

/// The writer's hash of a name's exact wire form (case is distinct), a word at a time.
#[inline]
pub(crate) fn wire_hash(wire: &[u8]) -> u32 {
    const K: u64 = 0x9E37_79B9_7F4A_7C15;
    let n = wire.len();
    // The length first: the last word overlaps the one before it.
    let mut h = (n as u64).wrapping_mul(K);
    for_each_word(wire, |w| h = (h ^ w).wrapping_mul(K));
    (h ^ (h >> 29)) as u32 ^ (h >> 32) as u32
}

/// [`wire_hash`] of a name's wire form and of its parent's (0 for the root's parent):
/// what a [`Name`] keeps.
#[inline]
pub(crate) fn wire_hashes_of(wire: &[u8]) -> [u32; 2] {
    let parent = match wire.first() {
        Some(&len) if len > 0 => wire.get(1 + usize::from(len)..).map_or(0, wire_hash),
        _ => 0,
    };
    [wire_hash(wire), parent]
}

/// Feeds `bytes` to `mix` eight at a time (little-endian words), the last word
/// overlapping the one before it; an input shorter than eight bytes is one word of its
/// bytes. For the word-at-a-time hashes of names and labels; callers mix the length in
/// themselves, as the overlap makes the words alone ambiguous.
#[inline]
pub(crate) fn for_each_word(bytes: &[u8], mut mix: impl FnMut(u64)) {
    let n = bytes.len();
    let word = |at: usize| match bytes.get(at..).and_then(|s| s.first_chunk::<8>()) {
        Some(w) => u64::from_le_bytes(*w),
        None => 0,
    };
    if n >= 8 {
        let mut at = 0;
        while at + 8 < n {
            mix(word(at));
            at += 8;
        }
        mix(word(n - 8));
    } else {
        mix(bytes.iter().fold(0u64, |w, &b| w << 8 | u64::from(b)));
    }
}

impl Name {
    /// The one way a `Name` is made: from a checked wire form.
    #[inline]
    fn from_checked(wire: SmallVec<[u8; 64]>) -> Self {
        let hashes = wire_hashes_of(&wire);
        Name { wire, hashes }
    }

    /// A name from a wire form already validated as a name (labels of 1 to 63 bytes,
    /// at most 255 bytes with the root label it ends in): a name read from a message.
    #[inline]
    pub(crate) fn from_valid_wire(wire: &[u8]) -> Self {
        Name::from_checked(SmallVec::from_slice(wire))
    }

    /// The root name (`.`).
    pub fn root() -> Self {
        let mut wire = SmallVec::new();
        wire.push(0);
        Name::from_checked(wire)
    }

    /// [`wire_hash`] of the wire form and of the parent's (0 for the root's parent).
    #[inline]
    pub(crate) fn wire_hashes(&self) -> [u32; 2] {
        self.hashes
    }

    /// Builds a name from its labels, leftmost first (the root label is implied).
    pub fn from_labels<'a, I>(labels: I) -> Result<Self, NameError>
    where
        I: IntoIterator<Item = &'a [u8]>,
    {
        // Assembled on the stack (a name is at most 255 bytes), then stored in one
        // piece: growing the `SmallVec` label by label cost several times as much.
        let mut buf = [0u8; MAX_NAME_LEN];
        let mut len = 0;
        for (index, label) in labels.into_iter().enumerate() {
            check_label(index, label)?;
            // +1 for the root label still to come.
            let end = len + 1 + label.len();
            check_total(end + 1)?;
            buf[len] = label.len() as u8;
            buf[len + 1..end].copy_from_slice(label);
            len = end;
        }
        // The root label: `buf` is zeroed.
        Ok(Name::from_checked(SmallVec::from_slice(&buf[..=len])))
    }

    /// Parses dotted text such as `Kitchen\.Printer._ipp._tcp.local.`: `\.` is a dot
    /// inside a label, `\\` a backslash, `\DDD` a byte in decimal. A trailing dot is
    /// optional; `""` and `"."` are the root.
    pub fn parse(text: &str) -> Result<Self, NameError> {
        let bytes = text.as_bytes();
        if bytes.is_empty() || bytes == b"." {
            return Ok(Name::root());
        }
        let mut wire: SmallVec<[u8; 64]> = SmallVec::new();
        let mut label: SmallVec<[u8; 64]> = SmallVec::new();
        let mut index = 0;
        let mut i = 0;
        let mut ended_with_dot = false;
        while i < bytes.len() {
            ended_with_dot = false;
            match bytes[i] {
                b'\\' => {
                    let (byte, used) = unescape(bytes, i)?;
                    label.push(byte);
                    i += used;
                }
                b'.' => {
                    push_label(&mut wire, index, &label)?;
                    label.clear();
                    index += 1;
                    i += 1;
                    ended_with_dot = true;
                }
                b => {
                    label.push(b);
                    i += 1;
                }
            }
        }
        if !ended_with_dot {
            push_label(&mut wire, index, &label)?;
        }
        wire.push(0);
        check_total(wire.len())?;
        Ok(Name::from_checked(wire))
    }

    /// Builds a name from uncompressed wire bytes, checking them.
    pub fn from_wire(bytes: &[u8]) -> Result<Self, NameError> {
        let mut labels = SmallVec::<[&[u8]; 8]>::new();
        let mut pos = 0;
        loop {
            let len = *bytes.get(pos).ok_or(NameError::NameTooLong { len: pos })? as usize;
            if len == 0 {
                break;
            }
            let label = bytes
                .get(pos + 1..pos + 1 + len)
                .ok_or(NameError::NameTooLong { len: pos + 1 + len })?;
            labels.push(label);
            pos += 1 + len;
        }
        Name::from_labels(labels)
    }

    /// The uncompressed wire form, root label included.
    pub fn as_wire(&self) -> &[u8] {
        &self.wire
    }

    /// Length of the uncompressed wire form.
    pub fn wire_len(&self) -> usize {
        self.wire.len()
    }

    /// True for the root name.
    pub fn is_root(&self) -> bool {
        self.wire.len() == 1
    }

    /// The labels, leftmost first, without the root label.
    pub fn labels(&self) -> Labels<'_> {
        Labels { wire: &self.wire }
    }

    /// Number of labels, root excluded.
    pub fn label_count(&self) -> usize {
        self.labels().count()
    }

    /// The leftmost label (empty for the root).
    pub fn first_label(&self) -> &[u8] {
        self.labels().next().unwrap_or(&[])
    }

    /// The name without its leftmost label (the root's parent is the root).
    pub fn parent(&self) -> Name {
        if self.is_root() {
            return self.clone();
        }
        let skip = 1 + self.wire[0] as usize;
        Name::from_checked(SmallVec::from_slice(&self.wire[skip..]))
    }

    /// `label.self`.
    pub fn prepend(&self, label: &[u8]) -> Result<Name, NameError> {
        let mut wire: SmallVec<[u8; 64]> = SmallVec::new();
        push_label(&mut wire, 0, label)?;
        wire.extend_from_slice(&self.wire);
        check_total(wire.len())?;
        Ok(Name::from_checked(wire))
    }

    /// `self.suffix` (self's labels followed by suffix's).
    pub fn concat(&self, suffix: &Name) -> Result<Name, NameError> {
        let mut wire: SmallVec<[u8; 64]> = SmallVec::new();
        wire.extend_from_slice(&self.wire[..self.wire.len() - 1]);
        wire.extend_from_slice(&suffix.wire);
        check_total(wire.len())?;
        Ok(Name::from_checked(wire))
    }

    /// True if `suffix` is this name or one of its ancestors (case-insensitively).
    pub fn ends_with(&self, suffix: &Name) -> bool {
        let n = self.label_count();
        let m = suffix.label_count();
        if m > n {
            return false;
        }
        labels_eq(self.labels().skip(n - m), suffix.labels())
    }

    /// Case-insensitive equality with any label sequence (e.g. a name read in place).
    pub fn eq_labels<'a>(&self, other: impl Iterator<Item = &'a [u8]>) -> bool {
        labels_eq(self.labels(), other)
    }

    /// Same name with exactly the same bytes (case included).
    pub fn eq_exact(&self, other: &Name) -> bool {
        self.wire == other.wire
    }
}

fn check_label(index: usize, label: &[u8]) -> Result<(), NameError> {
    if label.is_empty() {
        return Err(NameError::EmptyLabel { index });
    }
    if label.len() > MAX_LABEL_LEN {
        return Err(NameError::LabelTooLong {
            index,
            len: label.len(),
        });
    }
    Ok(())
}

fn push_label(wire: &mut SmallVec<[u8; 64]>, index: usize, label: &[u8]) -> Result<(), NameError> {
    check_label(index, label)?;
    // +1 for the root label still to come.
    check_total(wire.len() + 1 + label.len() + 1)?;
    wire.push(label.len() as u8);
    wire.extend_from_slice(label);
    Ok(())
}

fn check_total(len: usize) -> Result<(), NameError> {
    if len > MAX_NAME_LEN {
        Err(NameError::NameTooLong { len })
    } else {
        Ok(())
    }
}

fn unescape(bytes: &[u8], pos: usize) -> Result<(u8, usize), NameError> {
    let bad = NameError::BadEscape { pos };
    let next = *bytes.get(pos + 1).ok_or(bad)?;
    if next.is_ascii_digit() {
        let digits = bytes.get(pos + 1..pos + 4).ok_or(bad)?;
        if !digits.iter().all(u8::is_ascii_digit) {
            return Err(bad);
        }
        let value = digits
            .iter()
            .fold(0u32, |acc, d| acc * 10 + u32::from(d - b'0'));
        let byte = u8::try_from(value).map_err(|_| bad)?;
        Ok((byte, 4))
    } else {
        Ok((next, 2))
    }
}

/// Writes one label as text, escaping `.` and `\` with a backslash and non-printable
/// ASCII as `\DDD`; UTF-8 is written as is (RFC 6763 §4.3).
pub(crate) fn write_label_escaped(f: &mut dyn fmt::Write, label: &[u8]) -> fmt::Result {
    let mut rest = label;
    while !rest.is_empty() {
        match core::str::from_utf8(rest) {
            Ok(s) => return write_str_escaped(f, s),
            Err(e) => {
                let (good, bad) = rest.split_at(e.valid_up_to());
                write_str_escaped(f, core::str::from_utf8(good).unwrap_or(""))?;
                let n = e.error_len().unwrap_or(bad.len()).max(1);
                for b in &bad[..n] {
                    write!(f, "\\{b:03}")?;
                }
                rest = &bad[n..];
            }
        }
    }
    Ok(())
}

fn write_str_escaped(f: &mut dyn fmt::Write, s: &str) -> fmt::Result {
    for c in s.chars() {
        match c {
            '.' => f.write_str("\\.")?,
            '\\' => f.write_str("\\\\")?,
            c if (c as u32) < 0x20 || c as u32 == 0x7f => write!(f, "\\{:03}", c as u32)?,
            c => f.write_char(c)?,
        }
    }
    Ok(())
}

/// Iterator over a [`Name`]'s labels.
#[derive(Clone)]
pub struct Labels<'a> {
    wire: &'a [u8],
}

impl<'a> Iterator for Labels<'a> {
    type Item = &'a [u8];
    fn next(&mut self) -> Option<&'a [u8]> {
        let len = *self.wire.first()? as usize;
        if len == 0 {
            return None;
        }
        let label = &self.wire[1..1 + len];
        self.wire = &self.wire[1 + len..];
        Some(label)
    }
}

impl PartialEq for Name {
    fn eq(&self, other: &Name) -> bool {
        // Length bytes are never letters, so comparing the whole wire form
        // case-insensitively compares label by label.
        self.wire.len() == other.wire.len() && label_eq(&self.wire, &other.wire)
    }
}

impl Eq for Name {}

impl Hash for Name {
    fn hash<H: Hasher>(&self, state: &mut H) {
        state.write_usize(self.wire.len());
        for b in self.wire.iter() {
            state.write_u8(b.to_ascii_lowercase());
        }
    }
}

impl PartialOrd for Name {
    fn partial_cmp(&self, other: &Name) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Name {
    /// Label by label from the left, each compared as lower-cased bytes. A stable total
    /// order consistent with `==`, used to keep output independent of hash order.
    fn cmp(&self, other: &Name) -> Ordering {
        let a = self.wire.iter().map(u8::to_ascii_lowercase);
        let b = other.wire.iter().map(u8::to_ascii_lowercase);
        a.cmp(b)
    }
}

impl fmt::Display for Name {
    /// Dotted, escaped text with a trailing dot (`Kitchen\.Printer._ipp._tcp.local.`).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_root() {
            return f.write_str(".");
        }
        for label in self.labels() {
            write_label_escaped(f, label)?;
            f.write_str(".")?;
        }
        Ok(())
    }
}

impl fmt::Debug for Name {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Name({self})")
    }
}

impl core::str::FromStr for Name {
    type Err = NameError;
    fn from_str(s: &str) -> Result<Self, NameError> {
        Name::parse(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::string::ToString;
    use alloc::vec;

    #[test]
    fn parse_display_roundtrip_with_escapes() {
        let n = Name::parse("Kitchen\\.Printer\\\\x._ipp._tcp.local.").unwrap();
        assert_eq!(n.label_count(), 4);
        assert_eq!(n.first_label(), b"Kitchen.Printer\\x");
        assert_eq!(n.to_string(), "Kitchen\\.Printer\\\\x._ipp._tcp.local.");
        assert_eq!(Name::parse(&n.to_string()).unwrap().as_wire(), n.as_wire());
        assert_eq!(Name::parse("a\\032b").unwrap().first_label(), b"a b");
    }

    #[test]
    fn equality_and_hash_ignore_ascii_case_only() {
        let a = Name::parse("MyHost.Local").unwrap();
        let b = Name::parse("myhost.local.").unwrap();
        assert_eq!(a, b);
        assert!(!a.eq_exact(&b));
        assert_eq!(a.to_string(), "MyHost.Local.");
        let s = hashbrown::DefaultHashBuilder::default();
        let h = |n: &Name| core::hash::BuildHasher::hash_one(&s, n);
        assert_eq!(h(&a), h(&b));
        // Non-ASCII letters do not fold (RFC 6762 §16).
        assert_ne!(
            Name::parse("É.local").unwrap(),
            Name::parse("é.local").unwrap()
        );
    }

    #[test]
    fn limits_are_typed_errors() {
        let long = "a".repeat(64);
        assert_eq!(
            Name::parse(&long),
            Err(NameError::LabelTooLong { index: 0, len: 64 })
        );
        assert_eq!(Name::parse("a..b"), Err(NameError::EmptyLabel { index: 1 }));
        let many = vec!["abcdefghi"; 30].join(".");
        assert!(matches!(
            Name::parse(&many),
            Err(NameError::NameTooLong { .. })
        ));
        assert_eq!(Name::parse("a\\2"), Err(NameError::BadEscape { pos: 1 }));
        assert_eq!(Name::parse("a\\999"), Err(NameError::BadEscape { pos: 1 }));
    }

    #[test]
    fn structure_helpers() {
        let n = Name::parse("x._http._tcp.local").unwrap();
        let t = Name::parse("_HTTP._tcp.local").unwrap();
        assert!(n.ends_with(&t));
        assert!(!t.ends_with(&n));
        assert_eq!(n.parent(), t);
        assert_eq!(t.prepend(b"x").unwrap(), n);
        let local = Name::parse("local").unwrap();
        assert_eq!(
            Name::parse("a").unwrap().concat(&local).unwrap(),
            Name::parse("a.local").unwrap()
        );
        assert!(Name::root().is_root());
        assert_eq!(Name::root().to_string(), ".");
        assert_eq!(Name::from_wire(n.as_wire()).unwrap(), n);
    }

    #[test]
    fn every_constructor_keeps_the_writer_hashes_of_its_wire_form() {
        let check = |n: &Name| {
            let wire = n.as_wire();
            let parent = if n.is_root() {
                0
            } else {
                wire_hash(&wire[1 + usize::from(wire[0])..])
            };
            assert_eq!(n.wire_hashes(), [wire_hash(wire), parent], "{n}");
        };
        let n = Name::parse("Kitchen\\.x._http._tcp.local").unwrap();
        let t = Name::parse("_HTTP._tcp.local").unwrap();
        for name in [
            n.clone(),
            t.clone(),
            n.parent(),
            t.prepend(b"a longer first label").unwrap(),
            Name::parse("a").unwrap().concat(&t).unwrap(),
            Name::from_wire(n.as_wire()).unwrap(),
            Name::from_valid_wire(n.as_wire()),
            Name::from_labels(t.labels()).unwrap(),
            Name::root(),
            Name::root().parent(),
            Name::parse("local").unwrap(),
        ] {
            check(&name);
        }
        // A clone has the same bytes (and, checked above, hashes).
        assert_eq!(n.clone().as_wire(), n.as_wire());
        // Case is distinct to the writer: equal names, different hashes.
        assert_eq!(t, Name::parse("_http._tcp.local").unwrap());
        assert_ne!(
            t.wire_hashes()[0],
            Name::parse("_http._tcp.local").unwrap().wire_hashes()[0]
        );
    }
}
