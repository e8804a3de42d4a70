//! Record types and classes, and the mDNS meaning of the class top bit: QU in a question
//! (RFC 6762 §5.4), cache-flush in a record (RFC 6762 §10.2).

use core::fmt;

/// A record type (RFC 1035 §3.2.2 and later RFCs).
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Rtype(pub u16);

impl Rtype {
    /// IPv4 address.
    pub const A: Rtype = Rtype(1);
    /// Canonical name.
    pub const CNAME: Rtype = Rtype(5);
    /// Domain name pointer.
    pub const PTR: Rtype = Rtype(12);
    /// Host information.
    pub const HINFO: Rtype = Rtype(13);
    /// Text strings.
    pub const TXT: Rtype = Rtype(16);
    /// IPv6 address.
    pub const AAAA: Rtype = Rtype(28);
    /// Service location (RFC 2782).
    pub const SRV: Rtype = Rtype(33);
    /// EDNS0 pseudo-record.
    pub const OPT: Rtype = Rtype(41);
    /// Next secure: in mDNS, "these are all the types this name has" (RFC 6762 §6.1).
    pub const NSEC: Rtype = Rtype(47);
    /// Query type ANY (`*`).
    pub const ANY: Rtype = Rtype(255);

    /// True if a question of type `self` asks for records of type `rtype`.
    pub fn matches(self, rtype: Rtype) -> bool {
        self == Rtype::ANY || self == rtype
    }
}

impl fmt::Debug for Rtype {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl fmt::Display for Rtype {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = match *self {
            Rtype::A => "A",
            Rtype::CNAME => "CNAME",
            Rtype::PTR => "PTR",
            Rtype::HINFO => "HINFO",
            Rtype::TXT => "TXT",
            Rtype::AAAA => "AAAA",
            Rtype::SRV => "SRV",
            Rtype::OPT => "OPT",
            Rtype::NSEC => "NSEC",
            Rtype::ANY => "ANY",
            Rtype(n) => return write!(f, "TYPE{n}"),
        };
        f.write_str(name)
    }
}

/// A record class with the top bit already masked off.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Class(pub u16);

impl Class {
    /// Internet.
    pub const IN: Class = Class(1);
    /// Query class ANY.
    pub const ANY: Class = Class(255);
    /// The top bit of the class field: QU in questions, cache-flush in records.
    pub const TOP_BIT: u16 = 0x8000;

    /// Splits a raw class field into the class and its top bit (RFC 6762 §18.12,
    /// RFC 6762 §18.13).
    pub fn split(raw: u16) -> (Class, bool) {
        (Class(raw & !Self::TOP_BIT), raw & Self::TOP_BIT != 0)
    }

    /// The raw class field with the top bit set as given.
    pub fn with_top_bit(self, bit: bool) -> u16 {
        if bit {
            self.0 | Self::TOP_BIT
        } else {
            self.0
        }
    }

    /// True if a question of class `self` asks for records of class `class`.
    pub fn matches(self, class: Class) -> bool {
        self == Class::ANY || self == class
    }
}
