//! The numbers unicast DNS adds to what mDNS uses: opcodes (RFC 1035 §4.1.1,
//! RFC 2136 §1.3, RFC 8490 §10.2), response codes with their extended forms
//! (RFC 6891 §6.1.3, RFC 8945 §3), the classes and types of dynamic update and TSIG, and
//! the EDNS(0) option codes used here.

use core::fmt;
use mdns_sansio::wire::{Class, Rtype};

/// Record type SOA (RFC 1035 §3.3.13): the zone section of an update names it, and a
/// negative answer carries one for its TTL (RFC 2308 §5).
pub const SOA: Rtype = Rtype(6);
/// Record type SIG (RFC 2931): room for SIG(0) in SRP (RFC 9665), not built yet.
pub const SIG: Rtype = Rtype(24);
/// Record type KEY (RFC 2535 §3): the key an SRP client registers (RFC 9665), not
/// built yet.
pub const KEY: Rtype = Rtype(25);
/// Record type TSIG (RFC 8945 §4.2).
pub const TSIG: Rtype = Rtype(250);

/// Class NONE (RFC 2136 §1.3): in a prerequisite, "does not exist"; in an update,
/// "delete this record".
pub const CLASS_NONE: Class = Class(254);
/// Class ANY (RFC 1035 §3.2.5): in a prerequisite, "exists"; in an update, "delete the
/// whole RRset" (RFC 2136 §2.5.2); the class of a TSIG record (RFC 8945 §4.2).
pub const CLASS_ANY: Class = Class::ANY;

/// A message's operation (the 4-bit OPCODE field of the header).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Opcode(pub u8);

impl Opcode {
    /// A standard query (RFC 1035 §4.1.1).
    pub const QUERY: Opcode = Opcode(0);
    /// A dynamic update (RFC 2136 §1.3).
    pub const UPDATE: Opcode = Opcode(5);
    /// DNS Stateful Operations (RFC 8490 §10.2): room for DNS Push, not built yet.
    pub const DSO: Opcode = Opcode(6);

    /// The opcode's bits in the header's flags word.
    pub const fn flags(self) -> u16 {
        ((self.0 as u16) & 0xF) << 11
    }
}

/// A response code: the header's four bits, extended by the OPT record's upper eight
/// (RFC 6891 §6.1.3), or the 16-bit error field of a TSIG record (RFC 8945 §4.2).
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Rcode(pub u16);

impl Rcode {
    /// No error.
    pub const NOERROR: Rcode = Rcode(0);
    /// The server could not read the request.
    pub const FORMERR: Rcode = Rcode(1);
    /// The server failed.
    pub const SERVFAIL: Rcode = Rcode(2);
    /// The name does not exist (in an update: a "name is in use" prerequisite failed,
    /// RFC 2136 §2.4.4).
    pub const NXDOMAIN: Rcode = Rcode(3);
    /// The server does not implement the operation.
    pub const NOTIMP: Rcode = Rcode(4);
    /// The server refuses, by policy.
    pub const REFUSED: Rcode = Rcode(5);
    /// A name exists that should not (RFC 2136 §2.4.5: "name is not in use" failed).
    pub const YXDOMAIN: Rcode = Rcode(6);
    /// An RRset exists that should not (RFC 2136 §2.4.3).
    pub const YXRRSET: Rcode = Rcode(7);
    /// An RRset that should exist does not, or differs (RFC 2136 §2.4.1, RFC 2136 §2.4.2).
    pub const NXRRSET: Rcode = Rcode(8);
    /// Not authoritative for the zone, or not authorized (RFC 2136 §2.6,
    /// RFC 8945 §5.2: with a TSIG error).
    pub const NOTAUTH: Rcode = Rcode(9);
    /// A name is outside the zone of the update (RFC 2136 §2.3).
    pub const NOTZONE: Rcode = Rcode(10);
    /// The OPT version is not supported (RFC 6891 §9); the same number as BADSIG,
    /// which only appears in a TSIG record's error field.
    pub const BADVERS: Rcode = Rcode(16);
    /// TSIG: the MAC did not verify (RFC 8945 §5.2.2).
    pub const BADSIG: Rcode = Rcode(16);
    /// TSIG: the server does not know the key or its algorithm (RFC 8945 §5.2.1).
    pub const BADKEY: Rcode = Rcode(17);
    /// TSIG: the signing time is outside the fudge (RFC 8945 §5.2.3).
    pub const BADTIME: Rcode = Rcode(18);
    /// TSIG: the MAC was truncated too far (RFC 8945 §5.2.4).
    pub const BADTRUNC: Rcode = Rcode(22);

    /// The mnemonic, for messages (`TYPE`-style number for unknown codes).
    pub fn name(self) -> Option<&'static str> {
        Some(match self.0 {
            0 => "NOERROR",
            1 => "FORMERR",
            2 => "SERVFAIL",
            3 => "NXDOMAIN",
            4 => "NOTIMP",
            5 => "REFUSED",
            6 => "YXDOMAIN",
            7 => "YXRRSET",
            8 => "NXRRSET",
            9 => "NOTAUTH",
            10 => "NOTZONE",
            16 => "BADSIG",
            17 => "BADKEY",
            18 => "BADTIME",
            22 => "BADTRUNC",
            _ => return None,
        })
    }
}

impl fmt::Display for Rcode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.name() {
            Some(n) => f.write_str(n),
            None => write!(f, "RCODE{}", self.0),
        }
    }
}

impl fmt::Debug for Rcode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

/// EDNS(0) option codes used here (IANA "DNS EDNS0 Option Codes").
pub mod option {
    /// Update Lease (RFC 9664 §4).
    pub const UPDATE_LEASE: u16 = 2;
}
