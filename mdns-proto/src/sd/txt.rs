//! DNS-SD TXT record data (RFC 6763 §6): an ordered list of `key=value` / `key` strings.
//! Building validates every rule; decoding received data is lenient and never fails.

use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;

/// Longest string in a TXT record: its length is one byte (RFC 1035 §3.3.14).
pub const MAX_ENTRY_LEN: usize = 255;
/// Longest TXT RDATA: RDLENGTH is 16 bits (RFC 1035 §3.2.1).
pub const MAX_RDATA_LEN: usize = 65535;

/// Why a TXT entry or record was rejected.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum TxtError {
    /// The key is empty; it MUST be at least one character (RFC 6763 §6.4).
    KeyEmpty,
    /// The key holds `=` at byte `pos`; keys MUST NOT (RFC 6763 §6.4).
    KeyHasEquals {
        /// The key as given.
        key: String,
        /// Byte offset of the `=`.
        pos: usize,
    },
    /// The key holds `ch` at byte `pos`, not printable US-ASCII 0x20-0x7E (RFC 6763 §6.4).
    KeyNotPrintable {
        /// The key as given.
        key: String,
        /// Byte offset of the character.
        pos: usize,
        /// The character.
        ch: char,
    },
    /// `key=value` is `len` bytes; one TXT string holds at most 255 (RFC 6763 §6.1).
    EntryTooLong {
        /// The entry's key.
        key: String,
        /// Its encoded length, length byte not counted.
        len: usize,
    },
    /// The key is already in the record; it SHOULD NOT appear twice (RFC 6763 §6.4).
    DuplicateKey {
        /// The repeated key.
        key: String,
    },
    /// The record would encode to `len` bytes, more than RDLENGTH's 65535.
    RecordTooLong {
        /// Its encoded length.
        len: usize,
    },
}

impl fmt::Display for TxtError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TxtError::KeyEmpty => f.write_str("TXT key is empty"),
            TxtError::KeyHasEquals { key, pos } => {
                write!(f, "TXT key {key:?} has '=' at byte {pos}")
            }
            TxtError::KeyNotPrintable { key, pos, ch } => write!(
                f,
                "TXT key {key:?} has {ch:?} at byte {pos}; keys must be printable ASCII"
            ),
            TxtError::EntryTooLong { key, len } => write!(
                f,
                "TXT entry {key:?} is {len} bytes, longer than the {MAX_ENTRY_LEN} bytes allowed"
            ),
            TxtError::DuplicateKey { key } => write!(f, "TXT key {key:?} appears twice"),
            TxtError::RecordTooLong { len } => write!(
                f,
                "TXT record is {len} bytes, longer than the {MAX_RDATA_LEN} bytes allowed"
            ),
        }
    }
}

#[cfg(feature = "std")]
impl std::error::Error for TxtError {}

/// One TXT attribute (RFC 6763 §6.3 to RFC 6763 §6.5): a key with no value (`key`, a
/// boolean attribute), an empty value (`key=`), or a value of arbitrary bytes
/// (`key=value`). Keys compare ASCII case-insensitively (RFC 6763 §6.4); values compare
/// exactly (RFC 6763 §6.5).
#[derive(Clone, Debug)]
pub struct TxtEntry {
    /// Printable ASCII except `=`, non-empty.
    key: String,
    value: Option<Vec<u8>>,
}

impl TxtEntry {
    /// `key=value`. The key must be 1+ printable US-ASCII characters other than `=`
    /// (RFC 6763 §6.4; the advice to keep keys to 9 characters is not enforced), and the
    /// whole string at most 255 bytes (RFC 6763 §6.1).
    pub fn new(key: &str, value: impl AsRef<[u8]>) -> Result<Self, TxtError> {
        Self::build(key, Some(value.as_ref()))
    }

    /// `key` alone: a boolean attribute that is present (RFC 6763 §6.4).
    pub fn flag(key: &str) -> Result<Self, TxtError> {
        Self::build(key, None)
    }

    fn build(key: &str, value: Option<&[u8]>) -> Result<Self, TxtError> {
        if key.is_empty() {
            return Err(TxtError::KeyEmpty);
        }
        for (pos, ch) in key.char_indices() {
            if ch == '=' {
                let key = String::from(key);
                return Err(TxtError::KeyHasEquals { key, pos });
            }
            if !(' '..='~').contains(&ch) {
                let key = String::from(key);
                return Err(TxtError::KeyNotPrintable { key, pos, ch });
            }
        }
        let entry = TxtEntry {
            key: String::from(key),
            value: value.map(<[u8]>::to_vec),
        };
        let len = entry.encoded_len();
        if len > MAX_ENTRY_LEN {
            return Err(TxtError::EntryTooLong {
                key: entry.key,
                len,
            });
        }
        Ok(entry)
    }

    /// The key, as given.
    pub fn key(&self) -> &str {
        &self.key
    }

    /// The value: `None` for a boolean attribute, `Some(b"")` for `key=`.
    pub fn value(&self) -> Option<&[u8]> {
        self.value.as_deref()
    }

    /// True for a boolean attribute (`key` with no `=`).
    pub fn is_flag(&self) -> bool {
        self.value.is_none()
    }

    /// Length of the string in the record, its length byte not counted.
    pub fn encoded_len(&self) -> usize {
        self.key.len() + self.value.as_ref().map_or(0, |v| 1 + v.len())
    }

    fn key_is(&self, key: &str) -> bool {
        self.key.eq_ignore_ascii_case(key)
    }
}

impl PartialEq for TxtEntry {
    fn eq(&self, other: &Self) -> bool {
        self.key_is(&other.key) && self.value == other.value
    }
}

impl Eq for TxtEntry {}

impl fmt::Display for TxtEntry {
    /// `key`, `key=` or `key=value`, bytes outside printable ASCII escaped.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.key)?;
        if let Some(v) = &self.value {
            write!(f, "={}", v.escape_ascii())?;
        }
        Ok(())
    }
}

/// A TXT record's data: entries in order, each key at most once (RFC 6763 §6.4).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Txt {
    entries: Vec<TxtEntry>,
}

impl Txt {
    /// No entries; encodes as a single zero byte (RFC 6763 §6.1).
    pub fn new() -> Self {
        Txt::default()
    }

    /// A builder that validates each entry and reports the first error on `build`.
    pub fn builder() -> TxtBuilder {
        TxtBuilder::default()
    }

    /// Appends `entry`, refusing a key already present (RFC 6763 §6.4) or a record
    /// longer than 65535 bytes.
    pub fn push(&mut self, entry: TxtEntry) -> Result<(), TxtError> {
        if self.get(&entry.key).is_some() {
            return Err(TxtError::DuplicateKey { key: entry.key });
        }
        let len = self.strings_len() + 1 + entry.encoded_len();
        if len > MAX_RDATA_LEN {
            return Err(TxtError::RecordTooLong { len });
        }
        self.entries.push(entry);
        Ok(())
    }

    /// The entry for `key`, compared case-insensitively (RFC 6763 §6.4).
    pub fn get(&self, key: &str) -> Option<&TxtEntry> {
        self.entries.iter().find(|e| e.key_is(key))
    }

    /// The entries, in order.
    pub fn iter(&self) -> core::slice::Iter<'_, TxtEntry> {
        self.entries.iter()
    }

    /// Number of entries.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// True if there are no entries.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    fn strings_len(&self) -> usize {
        self.entries.iter().map(|e| 1 + e.encoded_len()).sum()
    }

    /// Length of the encoded RDATA: at least 1 (RFC 6763 §6.1).
    pub fn encoded_len(&self) -> usize {
        self.strings_len().max(1)
    }

    /// Appends the RDATA: one length-prefixed string per entry, or a single zero byte
    /// (one empty string) when there are none, since TXT RDATA MUST NOT be empty
    /// (RFC 6763 §6.1).
    pub fn encode(&self, out: &mut Vec<u8>) {
        if self.entries.is_empty() {
            out.push(0);
            return;
        }
        out.reserve(self.strings_len());
        for e in &self.entries {
            // Checked ≤ 255 when the entry was built.
            out.push(e.encoded_len() as u8);
            out.extend_from_slice(e.key.as_bytes());
            if let Some(v) = &e.value {
                out.push(b'=');
                out.extend_from_slice(v);
            }
        }
    }

    /// Reads received RDATA, leniently and without ever failing:
    /// - empty strings are skipped (the RFC 6763 §6.1 placeholder and any stray ones);
    /// - strings starting with `=` (no key) are silently ignored (RFC 6763 §6.4);
    /// - strings whose key is not printable ASCII are ignored (keys MUST be, RFC 6763 §6.4);
    /// - after the first occurrence, a repeated key is ignored (RFC 6763 §6.4,
    ///   case-insensitive);
    /// - a length byte running past the end drops that last, truncated string: a cut
    ///   string could carry a wrong value, so none of it is trusted.
    pub fn decode(rdata: &[u8]) -> Txt {
        let mut entries = Vec::new();
        let mut seen = hashbrown::HashSet::<Vec<u8>>::new();
        let mut rest = rdata;
        while let Some((&len, tail)) = rest.split_first() {
            let Some((s, tail)) = tail.split_at_checked(len as usize) else {
                break;
            };
            rest = tail;
            let (key, value) = match s.iter().position(|&b| b == b'=') {
                Some(i) => (&s[..i], Some(&s[i + 1..])),
                None => (s, None),
            };
            if key.is_empty() || !key.iter().all(|b| (0x20..=0x7e).contains(b)) {
                continue;
            }
            if !seen.insert(key.to_ascii_lowercase()) {
                continue;
            }
            entries.push(TxtEntry {
                key: String::from_utf8(key.to_vec()).expect("printable ASCII"),
                value: value.map(<[u8]>::to_vec),
            });
        }
        Txt { entries }
    }
}

impl<'a> IntoIterator for &'a Txt {
    type Item = &'a TxtEntry;
    type IntoIter = core::slice::Iter<'a, TxtEntry>;
    fn into_iter(self) -> Self::IntoIter {
        self.entries.iter()
    }
}

/// Builds a [`Txt`], keeping the first error for [`TxtBuilder::build`].
#[derive(Clone, Debug, Default)]
pub struct TxtBuilder {
    txt: Txt,
    error: Option<TxtError>,
}

impl TxtBuilder {
    /// Adds `key=value` (`value` may be empty: `key=`).
    pub fn entry(self, key: &str, value: impl AsRef<[u8]>) -> Self {
        self.add(TxtEntry::new(key, value))
    }

    /// Adds the boolean attribute `key`.
    pub fn flag(self, key: &str) -> Self {
        self.add(TxtEntry::flag(key))
    }

    fn add(mut self, entry: Result<TxtEntry, TxtError>) -> Self {
        if self.error.is_none() {
            if let Err(e) = entry.and_then(|e| self.txt.push(e)) {
                self.error = Some(e);
            }
        }
        self
    }

    /// The record, or the first error met.
    pub fn build(self) -> Result<Txt, TxtError> {
        match self.error {
            Some(e) => Err(e),
            None => Ok(self.txt),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::string::ToString;
    use alloc::vec;
    use proptest::prelude::*;

    fn encode(t: &Txt) -> Vec<u8> {
        let mut out = Vec::new();
        t.encode(&mut out);
        assert_eq!(out.len(), t.encoded_len());
        out
    }

    #[test]
    fn rfc6763_6_1_empty_txt_is_one_zero_byte() {
        assert_eq!(encode(&Txt::new()), [0]);
        assert!(Txt::decode(&[0]).is_empty());
        assert!(Txt::decode(&[]).is_empty());
    }

    #[test]
    fn rfc6763_6_4_three_kinds_of_value() {
        let t = Txt::builder()
            .flag("color")
            .entry("empty", "")
            .entry("txtvers", "1")
            .build()
            .unwrap();
        assert_eq!(encode(&t), b"\x05color\x06empty=\x09txtvers=1".as_slice());
        assert_eq!(t.get("color").unwrap().value(), None);
        assert!(t.get("color").unwrap().is_flag());
        assert_eq!(t.get("empty").unwrap().value(), Some(b"".as_slice()));
        assert_eq!(t.get("TXTVERS").unwrap().value(), Some(b"1".as_slice()));
        assert!(t.get("missing").is_none());
        let shown: Vec<_> = t.iter().map(|e| e.to_string()).collect();
        assert_eq!(shown, ["color", "empty=", "txtvers=1"]);
        assert_eq!(Txt::decode(&encode(&t)), t);
    }

    #[test]
    fn rfc6763_6_4_key_rules() {
        assert_eq!(TxtEntry::flag(""), Err(TxtError::KeyEmpty));
        assert_eq!(
            TxtEntry::new("a=b", "c"),
            Err(TxtError::KeyHasEquals {
                key: "a=b".into(),
                pos: 1
            })
        );
        assert_eq!(
            TxtEntry::flag("a\tb"),
            Err(TxtError::KeyNotPrintable {
                key: "a\tb".into(),
                pos: 1,
                ch: '\t'
            })
        );
        assert_eq!(
            TxtEntry::flag("ké"),
            Err(TxtError::KeyNotPrintable {
                key: "ké".into(),
                pos: 1,
                ch: 'é'
            })
        );
        // Spaces are printable and significant; long keys are only discouraged.
        assert!(TxtEntry::flag("a key").is_ok());
        assert!(TxtEntry::flag("averyveryverylongkey").is_ok());
    }

    #[test]
    fn rfc6763_6_5_values_are_arbitrary_bytes_with_equals() {
        let t = Txt::builder()
            .entry("k", [0u8, b'=', 0xff])
            .build()
            .unwrap();
        assert_eq!(encode(&t), [5, b'k', b'=', 0, b'=', 0xff]);
        assert_eq!(
            Txt::decode(&encode(&t)).get("k").unwrap().value(),
            Some([0, b'=', 0xff].as_slice())
        );
        assert_eq!(t.iter().next().unwrap().to_string(), "k=\\x00=\\xff");
    }

    #[test]
    fn rfc6763_6_1_each_string_at_most_255_bytes() {
        assert!(TxtEntry::new("k", [b'v'; 253]).is_ok()); // 1 + 1 + 253 = 255
        assert_eq!(
            TxtEntry::new("k", [b'v'; 254]),
            Err(TxtError::EntryTooLong {
                key: "k".into(),
                len: 256
            })
        );
        assert_eq!(
            TxtEntry::flag(&"k".repeat(256)).unwrap_err(),
            TxtError::EntryTooLong {
                key: "k".repeat(256),
                len: 256
            }
        );
    }

    #[test]
    fn rfc6763_6_4_builder_refuses_duplicate_keys_case_insensitively() {
        let r = Txt::builder().flag("a").entry("A", "1").flag("=").build();
        assert_eq!(r, Err(TxtError::DuplicateKey { key: "A".into() }));
    }

    #[test]
    fn rdlength_limit_is_enforced() {
        let mut b = Txt::builder();
        for i in 0..257 {
            b = b.entry(&alloc::format!("k{i:03}"), [b'v'; 250]);
        }
        assert!(matches!(b.build(), Err(TxtError::RecordTooLong { .. })));
    }

    #[test]
    fn rfc6763_6_4_decode_skips_keyless_and_repeats() {
        let t = Txt::decode(b"\x00\x02=x\x03a=1\x03A=2\x01b\x03\x01=z");
        let shown: Vec<_> = t.iter().map(|e| e.to_string()).collect();
        // Empty string skipped, "=x" ignored, "A=2" loses to "a=1", "\x01=z" has a
        // non-printable key.
        assert_eq!(shown, ["a=1", "b"]);
        assert_eq!(t.len(), 2);
    }

    #[test]
    fn decode_drops_a_string_running_past_the_end() {
        let t = Txt::decode(b"\x03a=1\x09b=trunc");
        assert_eq!(t.len(), 1);
        assert!(t.get("b").is_none());
        assert!(Txt::decode(&[7]).is_empty());
    }

    #[test]
    fn errors_display_what_and_where() {
        let e = TxtEntry::new("a=b", "").unwrap_err();
        assert_eq!(e.to_string(), "TXT key \"a=b\" has '=' at byte 1");
        let e = TxtEntry::new("k", [0u8; 254]).unwrap_err();
        assert_eq!(
            e.to_string(),
            "TXT entry \"k\" is 256 bytes, longer than the 255 bytes allowed"
        );
    }

    fn entry() -> impl Strategy<Value = (String, Option<Vec<u8>>)> {
        (
            "[ -<>-~]{1,20}",
            proptest::option::of(proptest::collection::vec(any::<u8>(), 0..100)),
        )
    }

    proptest! {
        #[test]
        fn prop_encode_decode_roundtrip(entries in proptest::collection::vec(entry(), 0..20)) {
            let mut txt = Txt::new();
            for (k, v) in &entries {
                let e = match v {
                    Some(v) => TxtEntry::new(k, v),
                    None => TxtEntry::flag(k),
                }.unwrap();
                let _ = txt.push(e); // duplicates refused, the rest kept
            }
            let wire = encode(&txt);
            let back = Txt::decode(&wire);
            prop_assert_eq!(&back, &txt);
            prop_assert_eq!(encode(&back), wire);
        }

        #[test]
        fn prop_decode_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..600)) {
            let t = Txt::decode(&bytes);
            // Whatever was accepted re-encodes within the input's size.
            prop_assert!(encode(&t).len() <= bytes.len().max(1));
        }
    }

    #[test]
    fn decode_exhaustive_short_inputs_never_panic() {
        for a in 0..=255u8 {
            for b in [0u8, 1, 2, b'=', b'a', 255] {
                let _ = Txt::decode(&[a, b, a]);
                let _ = Txt::decode(&vec![a; a as usize]);
            }
        }
    }
}
