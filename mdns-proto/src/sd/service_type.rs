//! [`ServiceType`]: the `<Service>` part of a DNS-SD name (RFC 6763 §7), such as
//! `_http._tcp`, with an optional subtype (RFC 6763 §7.1). The domain is always `local.`.

use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;
use core::hash::{Hash, Hasher};

use crate::name::{label_eq, write_label_escaped, Name, NameError, MAX_LABEL_LEN};

/// Longest service name under RFC 6335 §5.1, underscore not counted.
pub const MAX_STRICT_SERVICE_LEN: usize = 15;

/// The transport label of a service type (RFC 6763 §7).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Protocol {
    /// `_tcp`: the service runs over TCP.
    Tcp,
    /// `_udp`: anything that is not TCP (RFC 6763 §7).
    Udp,
}

impl Protocol {
    /// The label, `_tcp` or `_udp`.
    pub fn label(self) -> &'static str {
        match self {
            Protocol::Tcp => "_tcp",
            Protocol::Udp => "_udp",
        }
    }

    fn from_label(label: &[u8]) -> Option<Protocol> {
        if label_eq(label, b"_tcp") {
            Some(Protocol::Tcp)
        } else if label_eq(label, b"_udp") {
            Some(Protocol::Udp)
        } else {
            None
        }
    }
}

/// Why a service type was rejected.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ServiceTypeError {
    /// Not of the form `_service._tcp` / `_service._udp` (optionally with
    /// `<subtype>._sub.` in front and `.local` behind); `labels` is how many labels
    /// were found before `local`.
    Shape {
        /// Number of labels found.
        labels: usize,
    },
    /// The name is not in the `local.` domain (this crate is mDNS only).
    NotLocal,
    /// The service label does not start with `_` (RFC 6763 §7).
    MissingUnderscore,
    /// The service name (after the `_`) is `len` bytes; the rule allows at most `max`
    /// (15 under RFC 6335 §5.1, 62 when browsing leniently) and at least 1.
    ServiceLength {
        /// Its length in bytes, underscore not counted.
        len: usize,
        /// The longest allowed.
        max: usize,
    },
    /// Byte `byte` at offset `pos` of the service label is not allowed there.
    ServiceChar {
        /// Offset in the label, the `_` being 0.
        pos: usize,
        /// The offending byte.
        byte: u8,
    },
    /// The service name has no letter (RFC 6335 §5.1).
    ServiceNoLetter,
    /// The service name begins or ends with a hyphen (RFC 6335 §5.1).
    ServiceHyphenAtEdge,
    /// The service name has two hyphens in a row (RFC 6335 §5.1).
    ServiceDoubleHyphen,
    /// The protocol label is neither `_tcp` nor `_udp` (RFC 6763 §7).
    Protocol,
    /// The subtype label is empty or longer than 63 bytes (`len`).
    SubtypeLength {
        /// Its length in bytes.
        len: usize,
    },
    /// The text is not a well-formed name.
    Name(NameError),
}

impl fmt::Display for ServiceTypeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            ServiceTypeError::Shape { labels } => write!(
                f,
                "expected `_service._tcp` or `_service._udp` (optionally `<subtype>._sub.` \
                 before and `.local` after), found {labels} label(s)"
            ),
            ServiceTypeError::NotLocal => f.write_str("service type is not in the `local.` domain"),
            ServiceTypeError::MissingUnderscore => f.write_str("service label must start with `_`"),
            ServiceTypeError::ServiceLength { len, max } => write!(
                f,
                "service name after `_` is {len} bytes; it must be 1 to {max} bytes"
            ),
            ServiceTypeError::ServiceChar { pos, byte } => write!(
                f,
                "byte {byte:#04x} at offset {pos} of the service label is not allowed"
            ),
            ServiceTypeError::ServiceNoLetter => {
                f.write_str("service name must contain at least one letter")
            }
            ServiceTypeError::ServiceHyphenAtEdge => {
                f.write_str("service name must not begin or end with a hyphen")
            }
            ServiceTypeError::ServiceDoubleHyphen => {
                f.write_str("service name must not contain two hyphens in a row")
            }
            ServiceTypeError::Protocol => f.write_str("protocol label must be `_tcp` or `_udp`"),
            ServiceTypeError::SubtypeLength { len } => {
                write!(f, "subtype label is {len} bytes; it must be 1 to 63 bytes")
            }
            ServiceTypeError::Name(e) => write!(f, "malformed name: {e}"),
        }
    }
}

#[cfg(feature = "std")]
impl std::error::Error for ServiceTypeError {}

impl From<NameError> for ServiceTypeError {
    fn from(e: NameError) -> Self {
        ServiceTypeError::Name(e)
    }
}

/// A DNS-SD service type in `local.`: `_service._tcp` or `_service._udp`, optionally
/// narrowed to a subtype. Keeps the case it was given; `==` and `Hash` ignore ASCII case
/// (RFC 6762 §16).
#[derive(Clone, Debug)]
pub struct ServiceType {
    /// The service label, `_` included; ASCII.
    service: String,
    protocol: Protocol,
    /// Subtype label: arbitrary bytes, 1..=63 (RFC 6763 §7.1).
    subtype: Option<Vec<u8>>,
}

impl ServiceType {
    /// Parses a service type for registering, with the strict RFC 6335 §5.1 rules: `_`
    /// then 1 to 15 letters, digits and hyphens, at least one letter, no hyphen at either
    /// end, no two hyphens in a row. Accepts `_http._tcp`, `_HTTP._TCP.local.`, and the
    /// subtype form `_printer._sub._http._tcp`.
    pub fn new(text: &str) -> Result<Self, ServiceTypeError> {
        Self::parse_text(text, true)
    }

    /// Parses a service type for browsing: the service label may be up to 63 bytes of
    /// letters, digits, hyphens and underscores (real networks carry names such as
    /// `_androidtvremote2` or `_googlecast` that break RFC 6335 §5.1 limits).
    pub fn parse_lenient(text: &str) -> Result<Self, ServiceTypeError> {
        Self::parse_text(text, false)
    }

    /// Reads a service type (or subtype browse name) back from a name in `local.`,
    /// leniently: `_http._tcp.local.` or `_printer._sub._http._tcp.local.`.
    pub fn from_name(name: &Name) -> Result<Self, ServiceTypeError> {
        let labels: Vec<&[u8]> = name.labels().collect();
        match labels.split_last() {
            Some((last, rest)) if label_eq(last, b"local") => Self::from_labels(rest, false),
            _ => Err(ServiceTypeError::NotLocal),
        }
    }

    /// The same type narrowed to `subtype` (RFC 6763 §7.1); subtypes are arbitrary bytes,
    /// 1 to 63 of them, conventionally starting with `_`.
    pub fn with_subtype(mut self, subtype: impl AsRef<[u8]>) -> Result<Self, ServiceTypeError> {
        let sub = subtype.as_ref();
        if sub.is_empty() || sub.len() > MAX_LABEL_LEN {
            return Err(ServiceTypeError::SubtypeLength { len: sub.len() });
        }
        self.subtype = Some(sub.to_vec());
        Ok(self)
    }

    /// The same type with no subtype.
    pub fn without_subtype(&self) -> Self {
        ServiceType {
            subtype: None,
            ..self.clone()
        }
    }

    /// The service label, `_` included (`_http`).
    pub fn service(&self) -> &str {
        &self.service
    }

    /// `_tcp` or `_udp`.
    pub fn protocol(&self) -> Protocol {
        self.protocol
    }

    /// The subtype label, if any (`_printer`).
    pub fn subtype(&self) -> Option<&[u8]> {
        self.subtype.as_deref()
    }

    /// The service type name, `_http._tcp.local.`, without any subtype: the name
    /// instances are registered under and browsed for (RFC 6763 §4.1).
    pub fn to_name(&self) -> Name {
        let labels: [&[u8]; 3] = [
            self.service.as_bytes(),
            self.protocol.label().as_bytes(),
            b"local",
        ];
        Name::from_labels(labels).expect("validated labels fit in a name")
    }

    /// The subtype browse name, `_printer._sub._http._tcp.local.` (RFC 6763 §7.1), if
    /// this type has a subtype.
    pub fn subtype_name(&self) -> Option<Name> {
        let sub = self.subtype.as_deref()?;
        let prefix = Name::from_labels([sub, b"_sub".as_slice()]).ok()?;
        Some(prefix.concat(&self.to_name()).expect("≤63+5+63+5+6 bytes"))
    }

    /// The name to send a browse query for: the subtype name if there is a subtype,
    /// else the service type name.
    pub fn browse_name(&self) -> Name {
        self.subtype_name().unwrap_or_else(|| self.to_name())
    }

    fn parse_text(text: &str, strict: bool) -> Result<Self, ServiceTypeError> {
        let name = Name::parse(text)?;
        let labels: Vec<&[u8]> = name.labels().collect();
        let labels = match labels.split_last() {
            Some((last, rest)) if label_eq(last, b"local") => rest,
            _ => &labels[..],
        };
        Self::from_labels(labels, strict)
    }

    fn from_labels(labels: &[&[u8]], strict: bool) -> Result<Self, ServiceTypeError> {
        let (subtype, service, proto) = match *labels {
            [service, proto] => (None, service, proto),
            [sub, marker, service, proto] if label_eq(marker, b"_sub") => {
                (Some(sub), service, proto)
            }
            _ => {
                return Err(ServiceTypeError::Shape {
                    labels: labels.len(),
                })
            }
        };
        if strict {
            check_strict(service)?;
        } else {
            check_lenient(service)?;
        }
        let protocol = Protocol::from_label(proto).ok_or(ServiceTypeError::Protocol)?;
        let service = String::from_utf8(service.to_vec()).expect("checked ASCII");
        let ty = ServiceType {
            service,
            protocol,
            subtype: None,
        };
        match subtype {
            Some(sub) => ty.with_subtype(sub),
            None => Ok(ty),
        }
    }
}

/// RFC 6335 §5.1, on the label with its leading `_`.
fn check_strict(label: &[u8]) -> Result<(), ServiceTypeError> {
    let body = underscore_body(label, MAX_STRICT_SERVICE_LEN)?;
    for (i, &b) in body.iter().enumerate() {
        if !(b.is_ascii_alphanumeric() || b == b'-') {
            return Err(ServiceTypeError::ServiceChar {
                pos: i + 1,
                byte: b,
            });
        }
    }
    if !body.iter().any(u8::is_ascii_alphabetic) {
        return Err(ServiceTypeError::ServiceNoLetter);
    }
    if body.first() == Some(&b'-') || body.last() == Some(&b'-') {
        return Err(ServiceTypeError::ServiceHyphenAtEdge);
    }
    if body.windows(2).any(|w| w == b"--") {
        return Err(ServiceTypeError::ServiceDoubleHyphen);
    }
    Ok(())
}

/// The browsing rule: `_` then up to 62 letters, digits, hyphens or underscores.
fn check_lenient(label: &[u8]) -> Result<(), ServiceTypeError> {
    let body = underscore_body(label, MAX_LABEL_LEN - 1)?;
    for (i, &b) in body.iter().enumerate() {
        if !(b.is_ascii_alphanumeric() || b == b'-' || b == b'_') {
            return Err(ServiceTypeError::ServiceChar {
                pos: i + 1,
                byte: b,
            });
        }
    }
    Ok(())
}

fn underscore_body(label: &[u8], max: usize) -> Result<&[u8], ServiceTypeError> {
    let body = label
        .strip_prefix(b"_")
        .ok_or(ServiceTypeError::MissingUnderscore)?;
    if body.is_empty() || body.len() > max {
        return Err(ServiceTypeError::ServiceLength {
            len: body.len(),
            max,
        });
    }
    Ok(body)
}

/// `_services._dns-sd._udp.local.`: the name whose PTR records list every service type
/// on the link (RFC 6763 §9).
pub fn service_enumeration_name() -> Name {
    Name::from_labels([b"_services".as_slice(), b"_dns-sd", b"_udp", b"local"])
        .expect("constant name")
}

impl PartialEq for ServiceType {
    fn eq(&self, other: &Self) -> bool {
        self.protocol == other.protocol
            && label_eq(self.service.as_bytes(), other.service.as_bytes())
            && match (&self.subtype, &other.subtype) {
                (None, None) => true,
                (Some(a), Some(b)) => label_eq(a, b),
                _ => false,
            }
    }
}

impl Eq for ServiceType {}

impl Hash for ServiceType {
    fn hash<H: Hasher>(&self, state: &mut H) {
        hash_folded(self.service.as_bytes(), state);
        self.protocol.hash(state);
        match &self.subtype {
            Some(s) => hash_folded(s, state),
            None => state.write_u8(0xff),
        }
    }
}

/// Hashes bytes with ASCII case folded, length-prefixed so labels do not run together.
pub(crate) fn hash_folded<H: Hasher>(bytes: &[u8], state: &mut H) {
    state.write_usize(bytes.len());
    for b in bytes {
        state.write_u8(b.to_ascii_lowercase());
    }
}

impl fmt::Display for ServiceType {
    /// `_http._tcp`, or `_printer._sub._http._tcp` with a subtype (escaped as in
    /// RFC 6763 §4.3 if the subtype holds dots or backslashes).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(sub) = &self.subtype {
            write_label_escaped(f, sub)?;
            f.write_str("._sub.")?;
        }
        write!(f, "{}.{}", self.service, self.protocol.label())
    }
}

impl core::str::FromStr for ServiceType {
    type Err = ServiceTypeError;
    /// Lenient parsing ([`ServiceType::parse_lenient`]), so that anything displayed
    /// parses back.
    fn from_str(s: &str) -> Result<Self, ServiceTypeError> {
        ServiceType::parse_lenient(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::string::ToString;
    use ServiceTypeError as E;

    fn st(s: &str) -> ServiceType {
        ServiceType::new(s).unwrap()
    }

    #[test]
    fn rfc6763_7_basic_forms_and_local_suffix() {
        let t = st("_http._tcp");
        assert_eq!(t.service(), "_http");
        assert_eq!(t.protocol(), Protocol::Tcp);
        assert_eq!(t.to_string(), "_http._tcp");
        assert_eq!(t.to_name().to_string(), "_http._tcp.local.");
        assert_eq!(st("_http._tcp.local"), t);
        assert_eq!(st("_http._tcp.local."), t);
        assert_eq!(st("_ipp._udp").protocol(), Protocol::Udp);
    }

    #[test]
    fn rfc6762_16_case_insensitive_input_and_equality() {
        let t = st("_HTTP._TCP.LOCAL.");
        assert_eq!(t, st("_http._tcp"));
        assert_eq!(t.to_string(), "_HTTP._tcp"); // case preserved
        let s = hashbrown::DefaultHashBuilder::default();
        let h = |t: &ServiceType| core::hash::BuildHasher::hash_one(&s, t);
        assert_eq!(h(&t), h(&st("_http._tcp")));
        assert_ne!(st("_http._tcp"), st("_http._udp"));
    }

    #[test]
    fn rfc6763_7_protocol_must_be_tcp_or_udp() {
        assert_eq!(ServiceType::new("_http._sctp"), Err(E::Protocol));
        assert_eq!(ServiceType::parse_lenient("_http.tcp"), Err(E::Protocol));
    }

    #[test]
    fn rfc6763_7_shape_and_domain() {
        assert_eq!(ServiceType::new("_http"), Err(E::Shape { labels: 1 }));
        assert_eq!(ServiceType::new(""), Err(E::Shape { labels: 0 }));
        assert_eq!(
            ServiceType::new("_http._tcp.example.com"),
            Err(E::Shape { labels: 4 })
        );
        assert!(matches!(ServiceType::new("_http.._tcp"), Err(E::Name(_))));
        let other = Name::parse("_http._tcp.example.").unwrap();
        assert_eq!(ServiceType::from_name(&other), Err(E::NotLocal));
    }

    #[test]
    fn rfc6335_5_1_strict_rules() {
        assert_eq!(ServiceType::new("http._tcp"), Err(E::MissingUnderscore));
        assert_eq!(
            ServiceType::new("_._tcp"),
            Err(E::ServiceLength { len: 0, max: 15 })
        );
        assert!(ServiceType::new("_abcdefghijklmno._tcp").is_ok()); // 15
        assert_eq!(
            ServiceType::new("_abcdefghijklmnop._tcp"),
            Err(E::ServiceLength { len: 16, max: 15 })
        );
        assert_eq!(
            ServiceType::new("_ht_tp._tcp"),
            Err(E::ServiceChar { pos: 3, byte: b'_' })
        );
        assert_eq!(ServiceType::new("_1234._tcp"), Err(E::ServiceNoLetter));
        assert_eq!(ServiceType::new("_-http._tcp"), Err(E::ServiceHyphenAtEdge));
        assert_eq!(ServiceType::new("_http-._tcp"), Err(E::ServiceHyphenAtEdge));
        assert_eq!(
            ServiceType::new("_ht--tp._tcp"),
            Err(E::ServiceDoubleHyphen)
        );
        assert!(ServiceType::new("_x-1._udp").is_ok());
    }

    #[test]
    fn lenient_browse_rules_accept_real_world_names() {
        assert_eq!(
            ServiceType::new("_androidtvremote2._tcp"),
            Err(E::ServiceLength { len: 16, max: 15 })
        );
        let t = ServiceType::parse_lenient("_androidtvremote2._tcp").unwrap();
        assert_eq!(t.to_string(), "_androidtvremote2._tcp");
        assert!(ServiceType::parse_lenient("_sleep_proxy._udp").is_ok());
        assert!(ServiceType::parse_lenient("_1234._tcp").is_ok());
        let long = alloc::format!("_{}._tcp", "a".repeat(62));
        assert!(ServiceType::parse_lenient(&long).is_ok());
        let too_long = alloc::format!("_{}._tcp", "a".repeat(63));
        assert!(ServiceType::parse_lenient(&too_long).is_err());
        assert_eq!(
            ServiceType::parse_lenient("_a b._tcp"),
            Err(E::ServiceChar { pos: 2, byte: b' ' })
        );
        assert_eq!(
            ServiceType::parse_lenient("a._tcp"),
            Err(E::MissingUnderscore)
        );
    }

    #[test]
    fn rfc6763_7_1_subtypes() {
        let t = st("_http._tcp").with_subtype("_printer").unwrap();
        assert_eq!(t.subtype(), Some(b"_printer".as_slice()));
        assert_eq!(
            t.subtype_name().unwrap().to_string(),
            "_printer._sub._http._tcp.local."
        );
        assert_eq!(t.browse_name(), t.subtype_name().unwrap());
        assert_eq!(t.to_name().to_string(), "_http._tcp.local.");
        assert_eq!(t.to_string(), "_printer._sub._http._tcp");
        assert_eq!(st("_printer._sub._http._tcp"), t);
        assert_ne!(t, st("_http._tcp"));
        assert_eq!(t.without_subtype(), st("_http._tcp"));
        assert_eq!(st("_http._tcp").subtype_name(), None);
        // Subtypes are arbitrary bytes, 1..=63 (RFC 6763 §7.1).
        assert!(st("_http._tcp").with_subtype([0xffu8, b'.']).is_ok());
        assert_eq!(
            st("_http._tcp").with_subtype(""),
            Err(E::SubtypeLength { len: 0 })
        );
        assert_eq!(
            st("_http._tcp").with_subtype("a".repeat(64)),
            Err(E::SubtypeLength { len: 64 })
        );
    }

    #[test]
    fn from_name_roundtrips_both_forms() {
        let t = ServiceType::parse_lenient("_googlecast._tcp").unwrap();
        assert_eq!(ServiceType::from_name(&t.to_name()).unwrap(), t);
        let s = st("_http._tcp").with_subtype("x.y\\z").unwrap();
        let back = ServiceType::from_name(&s.subtype_name().unwrap()).unwrap();
        assert_eq!(back, s);
        assert_eq!(back.to_string().parse::<ServiceType>().unwrap(), s);
    }

    #[test]
    fn rfc6763_9_service_enumeration_name() {
        let n = service_enumeration_name();
        assert_eq!(n.to_string(), "_services._dns-sd._udp.local.");
        // `_services._dns-sd._udp` has three labels: a meta-query name, not a type.
        assert_eq!(ServiceType::from_name(&n), Err(E::Shape { labels: 3 }));
    }

    #[test]
    fn errors_display_what_is_wrong() {
        let msg = ServiceType::new("_ht_tp._tcp").unwrap_err().to_string();
        assert_eq!(
            msg,
            "byte 0x5f at offset 3 of the service label is not allowed"
        );
        assert!(E::Protocol.to_string().contains("_tcp"));
    }
}
