//! [`InstanceName`]: the user-visible `<Instance>` label of a service instance name
//! (RFC 6763 §4.1.1), e.g. `Kitchen Printer` in `Kitchen Printer._ipp._tcp.local.`.

use alloc::string::String;
use core::fmt;
use core::hash::{Hash, Hasher};

use super::service_type::{hash_folded, ServiceType, ServiceTypeError};
use crate::name::{label_eq, write_label_escaped, Name, MAX_LABEL_LEN};

/// Why an instance name was rejected.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum InstanceNameError {
    /// The name is empty; a label holds at least one byte.
    Empty,
    /// The name is `len` bytes of UTF-8; one label holds at most 63 (RFC 6763 §4.1.1).
    TooLong {
        /// Its length in bytes.
        len: usize,
    },
    /// An ASCII control character (`byte`, 0x00-0x1F or 0x7F) at byte offset `pos`;
    /// RFC 6763 §4.1.1 says instance names MUST NOT contain them.
    ControlChar {
        /// Byte offset in the name.
        pos: usize,
        /// The control character.
        byte: u8,
    },
    /// The label read from the network is not UTF-8 from byte offset `pos` on
    /// (RFC 6763 §4.1.1: instance names are Net-Unicode text).
    NotUtf8 {
        /// Offset of the first invalid byte.
        pos: usize,
    },
    /// The name has fewer labels than `<Instance>.<_service>.<_proto>.local.`.
    NotServiceInstance,
    /// The part after the instance label is not a service type in `local.`.
    ServiceType(ServiceTypeError),
}

impl fmt::Display for InstanceNameError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            InstanceNameError::Empty => f.write_str("instance name is empty"),
            InstanceNameError::TooLong { len } => write!(
                f,
                "instance name is {len} bytes long, longer than the {MAX_LABEL_LEN} bytes allowed"
            ),
            InstanceNameError::ControlChar { pos, byte } => write!(
                f,
                "instance name has control character {byte:#04x} at byte {pos}"
            ),
            InstanceNameError::NotUtf8 { pos } => {
                write!(f, "instance name is not valid UTF-8 from byte {pos}")
            }
            InstanceNameError::NotServiceInstance => f.write_str(
                "not a service instance name (`<Instance>.<_service>.<_tcp|_udp>.local.`)",
            ),
            InstanceNameError::ServiceType(e) => write!(f, "bad service type: {e}"),
        }
    }
}

#[cfg(feature = "std")]
impl std::error::Error for InstanceNameError {}

impl From<ServiceTypeError> for InstanceNameError {
    fn from(e: ServiceTypeError) -> Self {
        InstanceNameError::ServiceType(e)
    }
}

/// A service instance label: 1 to 63 bytes of UTF-8 with no ASCII control characters,
/// otherwise anything — spaces, dots, backslashes, non-Roman text (RFC 6763 §4.1.1).
/// Stored unescaped, as one DNS label. Keeps its case; `==` and `Hash` ignore ASCII
/// case only (RFC 6762 §16).
#[derive(Clone, Debug)]
pub struct InstanceName(String);

impl InstanceName {
    /// Checks and wraps `text` (taken literally: `a.b` is one label with a dot in it).
    pub fn new(text: &str) -> Result<Self, InstanceNameError> {
        if text.is_empty() {
            return Err(InstanceNameError::Empty);
        }
        if text.len() > MAX_LABEL_LEN {
            return Err(InstanceNameError::TooLong { len: text.len() });
        }
        if let Some((pos, &byte)) = text
            .as_bytes()
            .iter()
            .enumerate()
            .find(|(_, b)| b.is_ascii_control())
        {
            return Err(InstanceNameError::ControlChar { pos, byte });
        }
        Ok(InstanceName(String::from(text)))
    }

    /// Reads an instance label as received: it must be UTF-8 and follow the rules of
    /// [`InstanceName::new`].
    pub fn from_label(label: &[u8]) -> Result<Self, InstanceNameError> {
        let text = core::str::from_utf8(label).map_err(|e| InstanceNameError::NotUtf8 {
            pos: e.valid_up_to(),
        })?;
        Self::new(text)
    }

    /// Wraps a string already known to satisfy the rules (used by renaming).
    pub(crate) fn from_checked(text: String) -> Self {
        debug_assert!(Self::new(&text).is_ok());
        InstanceName(text)
    }

    /// The name, unescaped.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The name as text with `.` and `\` escaped by a backslash (RFC 6763 §4.3), the
    /// form it takes inside a dotted name.
    pub fn escaped(&self) -> String {
        let mut out = String::with_capacity(self.0.len());
        write_label_escaped(&mut out, self.0.as_bytes()).expect("writing to a String");
        out
    }

    /// The service instance name `<self>.<_service>.<_proto>.local.` (RFC 6763 §4.1).
    /// A subtype on `ty` is ignored: instances live under the base type (RFC 6763 §7.1).
    pub fn full_name(&self, ty: &ServiceType) -> Name {
        ty.to_name()
            .prepend(self.0.as_bytes())
            .expect("63 + 1 + at most 75 bytes fits in 255")
    }

    /// Splits a service instance name back into its instance label and service type
    /// (the type read leniently, see [`ServiceType::from_name`]).
    pub fn split(name: &Name) -> Result<(InstanceName, ServiceType), InstanceNameError> {
        if name.label_count() != 4 {
            return Err(InstanceNameError::NotServiceInstance);
        }
        let ty = ServiceType::from_name(&name.parent())?;
        Ok((Self::from_label(name.first_label())?, ty))
    }
}

impl fmt::Display for InstanceName {
    /// The name unescaped, as a user would see it.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl PartialEq for InstanceName {
    fn eq(&self, other: &Self) -> bool {
        label_eq(self.0.as_bytes(), other.0.as_bytes())
    }
}

impl Eq for InstanceName {}

impl Hash for InstanceName {
    fn hash<H: Hasher>(&self, state: &mut H) {
        hash_folded(self.0.as_bytes(), state);
    }
}

impl core::str::FromStr for InstanceName {
    type Err = InstanceNameError;
    fn from_str(s: &str) -> Result<Self, InstanceNameError> {
        InstanceName::new(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::string::ToString;
    use InstanceNameError as E;

    fn http() -> ServiceType {
        ServiceType::new("_http._tcp").unwrap()
    }

    #[test]
    fn rfc6763_4_1_1_any_text_allowed() {
        for s in ["Kitchen Printer", "a.b.c", "back\\slash", "Café ☕", "x"] {
            assert_eq!(InstanceName::new(s).unwrap().as_str(), s);
        }
    }

    #[test]
    fn rfc6763_4_1_1_length_1_to_63_bytes() {
        assert_eq!(InstanceName::new(""), Err(E::Empty));
        assert!(InstanceName::new(&"a".repeat(63)).is_ok());
        assert_eq!(
            InstanceName::new(&"a".repeat(64)),
            Err(E::TooLong { len: 64 })
        );
        // Bytes, not characters: 22 three-byte characters are 66 bytes.
        assert_eq!(
            InstanceName::new(&"☕".repeat(22)),
            Err(E::TooLong { len: 66 })
        );
    }

    #[test]
    fn rfc6763_4_1_1_control_characters_must_not_appear() {
        assert_eq!(
            InstanceName::new("a\tb"),
            Err(E::ControlChar { pos: 1, byte: 9 })
        );
        assert_eq!(
            InstanceName::new("ab\u{7f}"),
            Err(E::ControlChar { pos: 2, byte: 0x7f })
        );
        assert_eq!(
            InstanceName::new("\0"),
            Err(E::ControlChar { pos: 0, byte: 0 })
        );
    }

    #[test]
    fn rfc6763_4_1_1_received_labels_must_be_utf8() {
        assert_eq!(
            InstanceName::from_label(b"ab\xff"),
            Err(E::NotUtf8 { pos: 2 })
        );
        assert_eq!(InstanceName::from_label(b"ok").unwrap().as_str(), "ok");
    }

    #[test]
    fn rfc6763_4_3_display_unescaped_escaped_with_backslashes() {
        let n = InstanceName::new("My.Printer\\2").unwrap();
        assert_eq!(n.to_string(), "My.Printer\\2");
        assert_eq!(n.escaped(), "My\\.Printer\\\\2");
        let full = n.full_name(&http());
        assert_eq!(full.to_string(), "My\\.Printer\\\\2._http._tcp.local.");
        assert_eq!(full.label_count(), 4);
    }

    #[test]
    fn rfc6763_4_1_full_name_and_split_roundtrip() {
        let n = InstanceName::new("Living Room.TV").unwrap();
        let sub = http().with_subtype("_printer").unwrap();
        let full = n.full_name(&sub); // RFC 6763 §7.1: subtype ignored
        assert_eq!(full, n.full_name(&http()));
        let (i, t) = InstanceName::split(&full).unwrap();
        assert_eq!(i.as_str(), "Living Room.TV");
        assert_eq!(t, http());
    }

    #[test]
    fn split_rejects_non_instance_names() {
        let bad = |s: &str| InstanceName::split(&Name::parse(s).unwrap());
        assert_eq!(bad("_http._tcp.local"), Err(E::NotServiceInstance));
        assert_eq!(bad("a._sub._http._tcp.local"), Err(E::NotServiceInstance));
        assert_eq!(
            bad("x._http._tcp.example"),
            Err(E::ServiceType(ServiceTypeError::NotLocal))
        );
        assert_eq!(
            bad("x._http._sctp.local"),
            Err(E::ServiceType(ServiceTypeError::Protocol))
        );
        assert_eq!(
            bad("\\009._http._tcp.local"),
            Err(E::ControlChar { pos: 0, byte: 9 })
        );
    }

    #[test]
    fn rfc6762_16_ascii_case_insensitive_equality() {
        let a = InstanceName::new("Kitchen").unwrap();
        let b = InstanceName::new("KITCHEN").unwrap();
        assert_eq!(a, b);
        assert_eq!(b.to_string(), "KITCHEN");
        let s = hashbrown::DefaultHashBuilder::default();
        let h = |n: &InstanceName| core::hash::BuildHasher::hash_one(&s, n);
        assert_eq!(h(&a), h(&b));
        assert_ne!(
            InstanceName::new("Café").unwrap(),
            InstanceName::new("CAFÉ").unwrap()
        );
    }

    #[test]
    fn errors_display_where() {
        let e = InstanceName::new("a\tb").unwrap_err();
        assert_eq!(
            e.to_string(),
            "instance name has control character 0x09 at byte 1"
        );
    }
}
