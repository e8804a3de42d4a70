//! The DNS message format as mDNS uses it (RFC 1035 §4, RFC 6762 §18): a zero-copy
//! reader over received datagrams and a writer into caller-provided buffers.
//!
//! - Reading: [`Message`] wraps a datagram; its [`Questions`] and [`Records`] iterate
//!   [`Question`]s and [`Record`]s, names read in place as [`NameRef`]s (compression
//!   pointers followed safely), record data typed as [`RData`]. Errors: [`ParseError`].
//! - Writing: [`MessageWriter`] builds a message with name compression into a caller's
//!   buffer, from owned [`RecordData`] and any name that is [`ToLabels`]; a push that
//!   does not fit leaves it as it was ([`WriteError`]). A [`CompressionTable`] kept
//!   between messages saves zeroing a fresh one.
//! - Types and classes: [`Rtype`], [`Class`] (the mDNS top bit: QU, cache-flush);
//!   the [`Header`].
//! - Text: a [`Message`] displays as the packet in presentation form, one line per
//!   question and record, or on one line with `{:#}`; [`RData`] and [`RecordData`]
//!   display as record data does in a zone file.
//!
//! Files: `header.rs`, `rtype.rs`, `name.rs` (names in a packet), `rdata.rs`,
//! `message.rs` (reading), `writer.rs` (framing and rollback), `writer/canonical.rs`
//! (records with data in canonical form: known answers), `compress.rs` (the
//! compression table), `display.rs` (text), `error.rs`. The owned
//! [`Name`](crate::Name) lives in [`crate::name`].

mod compress;
mod display;
mod error;
mod header;
mod message;
mod name;
mod rdata;
mod rtype;
mod writer;

pub use compress::{CompressionTable, OwnedTable, TableStore};
pub use error::{ParseError, WriteError};
pub use header::{Header, HEADER_LEN, MAX_DNS_MESSAGE_LEN};
pub use message::{Message, Question, Questions, Record, Records, Section};
pub use name::{NameLabels, NameRef, MAX_POINTER_HOPS};
pub use rdata::{NsecBitmap, RData, RecordData, TxtStrings};
pub use rtype::{Class, Rtype};
pub use writer::{MessageWriter, ToLabels};
