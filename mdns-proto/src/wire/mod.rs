//! The DNS message format as mDNS uses it (RFC 1035 §4, RFC 6762 §18): a zero-copy
//! reader over received datagrams and a writer into caller-provided buffers.
//!
//! - [`rtype`]: record types, classes and the mDNS class top bit.
//! - [`header`]: the 12-byte header.
//! - [`name`]: names read in place from a packet ([`NameRef`]), following compression
//!   pointers safely.
//! - [`rdata`]: typed record data, borrowed ([`RData`]) and owned ([`RecordData`]).
//! - [`message`]: iterating a received message's questions and records.
//! - [`writer`]: building a message with name compression into a fixed buffer.
//!
//! The owned [`Name`](crate::Name) lives in [`crate::name`].

pub mod error;
pub mod header;
pub mod message;
pub mod name;
pub mod rdata;
pub mod rtype;
pub mod writer;

pub use error::{ParseError, WriteError};
pub use header::{Header, HEADER_LEN, MAX_MESSAGE_LEN};
pub use message::{Message, Question, Questions, Record, Records, Section};
pub use name::NameRef;
pub use rdata::{NsecBitmap, RData, RecordData, TxtStrings};
pub use rtype::{Class, Rtype};
pub use writer::{CompressionTable, MessageWriter};
