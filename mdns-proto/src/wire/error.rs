//! Errors of the wire format: what is wrong with a packet, and why a write did not fit.

use core::fmt;

/// Why (part of) a received message could not be read. Each carries the byte offset
/// where the problem was found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ParseError {
    /// The message is shorter than the 12-byte header.
    ShortHeader {
        /// Length of the datagram.
        len: usize,
    },
    /// The message is longer than [`MAX_DNS_MESSAGE_LEN`](super::MAX_DNS_MESSAGE_LEN) bytes,
    /// which no DNS message can be: offsets past it could not be told apart.
    TooLong {
        /// Length of the buffer.
        len: usize,
    },
    /// A field runs past the end of the message.
    Truncated {
        /// Offset where the field starts.
        at: usize,
    },
    /// A label is longer than 63 bytes, or uses the reserved 0x40 / 0x80 label types.
    BadLabel {
        /// Offset of the length byte.
        at: usize,
        /// The length byte.
        byte: u8,
    },
    /// A name is longer than 255 bytes once decompressed.
    NameTooLong {
        /// Offset where the name starts.
        at: usize,
    },
    /// A compression pointer points into the header, past the end, or to itself.
    BadPointer {
        /// Offset of the pointer.
        at: usize,
        /// Where it points.
        target: usize,
    },
    /// Compression pointers chain too deep: a loop, or a chain no real packet has.
    PointerLoop {
        /// Offset where the name starts.
        at: usize,
    },
    /// A record's rdata runs past the end of the message.
    RdataOverrun {
        /// Offset of the rdata.
        at: usize,
        /// Its declared length.
        rdlength: u16,
    },
    /// The rdata does not match its type (wrong length, a name not ending inside it,
    /// a TXT string overrunning, an NSEC window of length 0 or over 32).
    BadRdata {
        /// Offset of the rdata.
        at: usize,
        /// The record type.
        rtype: u16,
    },
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            ParseError::ShortHeader { len } => {
                write!(f, "message of {len} bytes is shorter than a DNS header")
            }
            ParseError::TooLong { len } => {
                write!(
                    f,
                    "message of {len} bytes is longer than a DNS message can be"
                )
            }
            ParseError::Truncated { at } => write!(f, "field at byte {at} runs past the end"),
            ParseError::BadLabel { at, byte } => {
                write!(f, "bad label length byte {byte:#04x} at byte {at}")
            }
            ParseError::NameTooLong { at } => {
                write!(f, "name at byte {at} is longer than 255 bytes")
            }
            ParseError::BadPointer { at, target } => {
                write!(f, "compression pointer at byte {at} points to {target}")
            }
            ParseError::PointerLoop { at } => {
                write!(f, "compression pointers of the name at byte {at} loop")
            }
            ParseError::RdataOverrun { at, rdlength } => {
                write!(
                    f,
                    "rdata of {rdlength} bytes at byte {at} runs past the end"
                )
            }
            ParseError::BadRdata { at, rtype } => {
                write!(f, "rdata at byte {at} is malformed for type {rtype}")
            }
        }
    }
}

#[cfg(feature = "std")]
impl std::error::Error for ParseError {}

/// Why a push into a [`MessageWriter`](super::MessageWriter) failed. The writer is left
/// exactly as it was before the push.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum WriteError {
    /// The item does not fit in the remaining buffer.
    NoSpace,
    /// A section was pushed to after a later section (order is question, answer,
    /// authority, additional), or a count would exceed 65535.
    OutOfOrder,
    /// Record data is longer than 65535 bytes, or a TXT/HINFO string over 255 bytes.
    RdataTooLong,
}

impl fmt::Display for WriteError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            WriteError::NoSpace => "the item does not fit in the buffer",
            WriteError::OutOfOrder => "sections must be written in order",
            WriteError::RdataTooLong => "record data is too long",
        })
    }
}

#[cfg(feature = "std")]
impl std::error::Error for WriteError {}
