//! Reading a received message: its header, questions and records, zero-copy.
//!
//! Iteration never allocates. A record whose name or rdata is malformed is reported as
//! an error item and skipped, and the records after it still parse (RFC 1035 framing
//! keeps working while the rdlength stays inside the message); only when the framing
//! itself is lost (a name or rdlength running past the end) does iteration stop.

use super::error::ParseError;
use super::header::{Header, HEADER_LEN, MAX_DNS_MESSAGE_LEN};
use super::name::{NameRef, Suffixes, QUESTION_SUFFIX_SLOTS, SUFFIX_SLOTS};
use super::rdata::RData;
use super::rtype::{Class, Rtype};

/// Which section a record came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Section {
    /// Answer section.
    Answer,
    /// Authority section (proposed records in probes, RFC 6762 §8.2).
    Authority,
    /// Additional section.
    Additional,
}

/// A received message.
#[derive(Clone, Copy, Debug)]
pub struct Message<'a> {
    buf: &'a [u8],
    header: Header,
}

impl<'a> Message<'a> {
    /// Wraps a datagram; only the header is read here. A buffer shorter than the
    /// header or longer than [`MAX_DNS_MESSAGE_LEN`] is refused.
    #[inline]
    pub fn parse(buf: &'a [u8]) -> Result<Self, ParseError> {
        let header = Header::parse(buf).ok_or(ParseError::ShortHeader { len: buf.len() })?;
        if buf.len() > MAX_DNS_MESSAGE_LEN {
            return Err(ParseError::TooLong { len: buf.len() });
        }
        Ok(Message { buf, header })
    }

    /// The header.
    pub fn header(&self) -> Header {
        self.header
    }

    /// The raw bytes.
    pub fn bytes(&self) -> &'a [u8] {
        self.buf
    }

    /// The questions.
    #[inline]
    pub fn questions(&self) -> Questions<'a> {
        Questions {
            buf: self.buf,
            at: HEADER_LEN,
            left: self.header.qdcount,
            lost: false,
            memo: Suffixes::new(),
            records: counts_records(self.buf),
        }
    }

    /// The records of the answer, authority and additional sections, in order.
    ///
    /// To read the questions and then the records, [`Questions::into_records`] starts
    /// where the questions ended, and does not walk their names again.
    #[inline]
    pub fn records(&self) -> Records<'a> {
        let h = &self.header;
        if h.ancount == 0 && h.nscount == 0 && h.arcount == 0 {
            // None (a query without known answers): no need to find where they start.
            return Records::none(self.buf);
        }
        // Skip the questions by framing alone; no pointer is followed.
        let mut at = HEADER_LEN;
        let mut lost = false;
        for _ in 0..self.header.qdcount {
            match NameRef::skip(self.buf, at) {
                Ok(end) if end + 4 <= self.buf.len() => at = end + 4,
                _ => {
                    lost = true;
                    break;
                }
            }
        }
        let (an, ns, ar) = (
            u32::from(self.header.ancount),
            u32::from(self.header.nscount),
            u32::from(self.header.arcount),
        );
        Records {
            buf: self.buf,
            at,
            left: if lost { 0 } else { an + ns + ar },
            after_answers: ns + ar,
            additional: ar,
            memo: None,
            seed: NO_SEED,
        }
    }
}

/// Whether the header at the start of `buf` counts any records: its bytes 6 to 11, read
/// in one load (with the question count, shifted out).
#[inline(always)]
fn counts_records(buf: &[u8]) -> bool {
    buf.get(4..HEADER_LEN)
        .and_then(|b| b.first_chunk())
        .is_some_and(|&b| u64::from_le_bytes(b) >> 16 != 0)
}

/// A question.
#[derive(Clone, Copy, Debug)]
pub struct Question<'a> {
    /// The name asked about.
    pub name: NameRef<'a>,
    /// The type asked for.
    pub qtype: Rtype,
    /// The class, top bit masked off.
    pub qclass: Class,
    /// The QU bit: the querier asks for a unicast response (RFC 6762 §5.4).
    pub unicast_response: bool,
}

/// Iterator over questions. Yields an error once and stops when framing is lost.
#[derive(Clone, Debug)]
pub struct Questions<'a> {
    buf: &'a [u8],
    at: usize,
    left: u16,
    /// Framing was lost: nothing after the question that failed can be read.
    lost: bool,
    /// Suffixes already validated, so later names stop at a pointer to one of them.
    memo: Suffixes<QUESTION_SUFFIX_SLOTS>,
    /// The header counts records: with none, [`Questions::into_records`] reads nothing.
    records: bool,
}

/// The records' memo: its own table, and the questions' as a second look-up.
type RecordSuffixes = Suffixes<SUFFIX_SLOTS, QUESTION_SUFFIX_SLOTS>;

/// The seed of a records' memo with no questions' memo behind it.
const NO_SEED: [u32; QUESTION_SUFFIX_SLOTS] = Suffixes::<QUESTION_SUFFIX_SLOTS>::new().slots();

impl<'a> Questions<'a> {
    /// The records that follow the questions, as [`Message::records`] gives them:
    /// questions not read yet are skipped by framing, and the records start where the
    /// questions end. Names the questions read are not validated again: a record name
    /// that points to one (an owner, an SRV target) costs a look-up the first time,
    /// not a walk.
    #[inline]
    pub fn into_records(self) -> Records<'a> {
        if !self.records || self.lost {
            return Records::none(self.buf);
        }
        // The header was read when the message was parsed: its 12 bytes are there.
        let h = Header::parse(self.buf).unwrap_or_default();
        let (an, ns, ar) = (
            u32::from(h.ancount),
            u32::from(h.nscount),
            u32::from(h.arcount),
        );
        // Questions not read yet: skipped by framing alone, as `Message::records`.
        let mut at = self.at;
        let mut left = an + ns + ar;
        for _ in 0..self.left {
            match NameRef::skip(self.buf, at) {
                Ok(end) if end + 4 <= self.buf.len() => at = end + 4,
                _ => {
                    left = 0;
                    break;
                }
            }
        }
        Records {
            buf: self.buf,
            at,
            left,
            after_answers: ns + ar,
            additional: ar,
            memo: None,
            seed: self.memo.slots(),
        }
    }
}

impl<'a> Iterator for Questions<'a> {
    type Item = Result<Question<'a>, ParseError>;
    #[inline]
    fn next(&mut self) -> Option<Self::Item> {
        if self.left == 0 {
            return None;
        }
        self.left -= 1;
        // One walk gives both the name and where it ends; only a name that does not
        // read needs a second, framing-only walk to find the next question.
        // Read with a copy of the memo: a slow walk borrows it, and a borrow of the
        // iterator's own would keep all of the iterator in memory.
        let mut memo = self.memo.clone();
        let (name, end) = match NameRef::read_in(self.buf, self.at, &mut memo) {
            Ok((name, end)) => (Ok(name), Ok(end)),
            Err(e) => (Err(e), NameRef::skip(self.buf, self.at)),
        };
        self.memo = memo;
        let fixed: Option<&[u8; 4]> = match end {
            Ok(end) => self.buf.get(end..).and_then(|b| b.first_chunk()),
            Err(_) => None,
        };
        let Some(&[t0, t1, c0, c1]) = fixed else {
            self.left = 0;
            self.lost = true;
            return Some(Err(ParseError::Truncated { at: self.at }));
        };
        self.at = end.unwrap_or(0) + 4;
        let name = match name {
            Ok(name) => name,
            Err(e) => return Some(Err(e)),
        };
        let qtype = u16::from_be_bytes([t0, t1]);
        let (qclass, qu) = Class::split(u16::from_be_bytes([c0, c1]));
        Some(Ok(Question {
            name,
            qtype: Rtype(qtype),
            qclass,
            unicast_response: qu,
        }))
    }
}

/// A resource record.
#[derive(Clone, Copy, Debug)]
pub struct Record<'a> {
    /// Which section it came from.
    pub section: Section,
    /// Owner name.
    pub name: NameRef<'a>,
    /// Type.
    pub rtype: Rtype,
    /// Class, top bit masked off (for OPT: the sender's UDP payload size).
    pub class: Class,
    /// The cache-flush bit (RFC 6762 §10.2); always false for OPT.
    pub cache_flush: bool,
    /// Time to live, seconds.
    pub ttl: u32,
    /// Typed data.
    pub rdata: RData<'a>,
    /// The rdata bytes as received (names inside may be compressed).
    pub raw_rdata: &'a [u8],
}

/// Iterator over records. A malformed record yields an error and is skipped; when
/// framing is lost, one error is yielded and iteration stops.
#[derive(Clone, Debug)]
pub struct Records<'a> {
    buf: &'a [u8],
    at: usize,
    /// Records still to read (0 once framing is lost).
    left: u32,
    /// Records in the authority and additional sections.
    after_answers: u32,
    /// Records in the additional section.
    additional: u32,
    /// Suffixes already validated, so later names stop at a pointer to one of them;
    /// made when the first record is read.
    memo: Option<RecordSuffixes>,
    /// The questions' memo, the seed of `memo`.
    seed: [u32; QUESTION_SUFFIX_SLOTS],
}

impl<'a> Records<'a> {
    /// No records.
    #[inline(always)]
    fn none(buf: &'a [u8]) -> Self {
        Records {
            buf,
            at: HEADER_LEN,
            left: 0,
            after_answers: 0,
            additional: 0,
            memo: None,
            seed: NO_SEED,
        }
    }
}

/// Framing is lost: no record after this one can be read.
#[cold]
fn lose<'a>(left: &mut u32, e: ParseError) -> Option<Result<Record<'a>, ParseError>> {
    *left = 0;
    Some(Err(e))
}

impl<'a> Iterator for Records<'a> {
    type Item = Result<Record<'a>, ParseError>;
    #[inline]
    fn next(&mut self) -> Option<Self::Item> {
        if self.left == 0 {
            return None;
        }
        // Made when the first record is read: an iterator with no records to read (a
        // query without known answers) never writes the table.
        let seed = self.seed;
        let memo = self.memo.get_or_insert_with(|| Suffixes::with_seed(seed));
        let section = if self.left > self.after_answers {
            Section::Answer
        } else if self.left > self.additional {
            Section::Authority
        } else {
            Section::Additional
        };
        self.left -= 1;
        let start = self.at;
        let b = self.buf;
        // One walk gives the owner name and where it ends; a name that does not read
        // gets a framing-only walk so the records after it can still be read.
        let (name, fixed) = match NameRef::read_in(b, start, memo) {
            Ok((name, end)) => (Ok(name), end),
            Err(e) => match NameRef::skip(b, start) {
                Ok(end) => (Err(e), end),
                Err(e) => return lose(&mut self.left, e),
            },
        };
        // Type, class, TTL, rdlength: one bounds check for the ten bytes.
        let Some(&[t0, t1, c0, c1, l0, l1, l2, l3, r0, r1]) =
            b.get(fixed..fixed + 10).and_then(|f| f.first_chunk::<10>())
        else {
            return lose(&mut self.left, ParseError::Truncated { at: start });
        };
        let rtype = Rtype(u16::from_be_bytes([t0, t1]));
        let raw_class = u16::from_be_bytes([c0, c1]);
        let ttl = u32::from_be_bytes([l0, l1, l2, l3]);
        let rdlength = u16::from_be_bytes([r0, r1]);
        let rdata_at = fixed + 10;
        let rdata_end = rdata_at + usize::from(rdlength);
        let Some(raw_rdata) = b.get(rdata_at..rdata_end) else {
            return lose(
                &mut self.left,
                ParseError::RdataOverrun {
                    at: rdata_at,
                    rdlength,
                },
            );
        };
        self.at = rdata_end;
        let name = match name {
            Ok(name) => name,
            Err(e) => return Some(Err(e)),
        };
        let rdata = match RData::parse_in(b, rdata_at, raw_rdata, rtype, memo) {
            Ok(r) => r,
            Err(e) => return Some(Err(e)),
        };
        let (class, cache_flush) = if rtype == Rtype::OPT {
            (Class(raw_class), false)
        } else {
            Class::split(raw_class)
        };
        Some(Ok(Record {
            section,
            name,
            rtype,
            class,
            cache_flush,
            ttl,
            rdata,
            raw_rdata,
        }))
    }
}
