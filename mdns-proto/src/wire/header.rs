//! The 12-byte DNS header (RFC 1035 §4.1.1) and the mDNS rules for its bits
//! (RFC 6762 §18).

/// Length of the header in bytes.
pub const HEADER_LEN: usize = 12;

/// The longest DNS message: TCP frames one behind a 16-bit length (RFC 1035 §4.2.2), and a
/// UDP payload is shorter still. Multicast DNS stays within 9000 bytes (RFC 6762 §17). The
/// reader refuses longer buffers, where a name's offset would not fit in 16 bits.
pub const MAX_DNS_MESSAGE_LEN: usize = 65_535;

/// A DNS header.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Header {
    /// Query identifier (0 in multicast mDNS, RFC 6762 §18.1).
    pub id: u16,
    /// The flags word: QR, opcode, AA, TC, RD, RA, Z, AD, CD, RCODE.
    pub flags: u16,
    /// Question count.
    pub qdcount: u16,
    /// Answer count.
    pub ancount: u16,
    /// Authority count.
    pub nscount: u16,
    /// Additional count.
    pub arcount: u16,
}

impl Header {
    /// QR: set in responses.
    pub const QR: u16 = 0x8000;
    /// AA: set in mDNS responses (RFC 6762 §18.4).
    pub const AA: u16 = 0x0400;
    /// TC: in an mDNS query, more known answers follow (RFC 6762 §18.5, RFC 6762 §7.2).
    pub const TC: u16 = 0x0200;
    /// RD.
    pub const RD: u16 = 0x0100;

    /// Reads a header; `None` if `buf` is shorter than 12 bytes. (The length limit,
    /// [`MAX_DNS_MESSAGE_LEN`], is [`Message::parse`](super::Message::parse)'s to check.)
    #[inline]
    pub fn parse(buf: &[u8]) -> Option<Header> {
        let b = buf.get(..HEADER_LEN)?;
        let w = |i: usize| u16::from_be_bytes([b[i], b[i + 1]]);
        Some(Header {
            id: w(0),
            flags: w(2),
            qdcount: w(4),
            ancount: w(6),
            nscount: w(8),
            arcount: w(10),
        })
    }

    /// Writes the header into the first 12 bytes of `buf` (which must be that long).
    pub fn emit(&self, buf: &mut [u8]) {
        let words = [
            self.id,
            self.flags,
            self.qdcount,
            self.ancount,
            self.nscount,
            self.arcount,
        ];
        for (i, w) in words.iter().enumerate() {
            buf[2 * i..2 * i + 2].copy_from_slice(&w.to_be_bytes());
        }
    }

    /// True for a response (QR set).
    pub fn is_response(&self) -> bool {
        self.flags & Self::QR != 0
    }

    /// The opcode (must be 0 in mDNS, RFC 6762 §18.3).
    pub fn opcode(&self) -> u8 {
        ((self.flags >> 11) & 0xF) as u8
    }

    /// The response code (must be 0 in mDNS, RFC 6762 §18.11).
    pub fn rcode(&self) -> u8 {
        (self.flags & 0xF) as u8
    }

    /// TC set.
    pub fn truncated(&self) -> bool {
        self.flags & Self::TC != 0
    }

    /// AA set.
    pub fn authoritative(&self) -> bool {
        self.flags & Self::AA != 0
    }
}
