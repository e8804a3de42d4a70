//! Where each record of a message sits: a framing-only walk (RFC 1035 §4.1.3) that
//! gives every record's byte range, section, type, class and rdata range, rdata left
//! unparsed.
//!
//! `mdns_sansio::wire::Message` parses records for their meaning, and refuses rdata
//! that does not fit its type; unicast DNS needs more than that: the exact byte where
//! the TSIG record starts (its MAC covers everything before it, RFC 8945 §4.3.3), and
//! the records of an update whose rdata is empty by design (a delete, a prerequisite,
//! RFC 2136 §2.4, RFC 2136 §2.5). This walk never follows a compression pointer and never
//! reads a name's labels; the names are read with `NameRef` where they are needed.

use mdns_sansio::wire::{Class, Header, NameRef, ParseError, Rtype, Section, HEADER_LEN};

/// One record's place in a message.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Frame {
    /// Its section.
    pub section: Section,
    /// Offset of its owner name: where the record starts.
    pub start: usize,
    /// Type.
    pub rtype: Rtype,
    /// The class field as sent (for OPT: the UDP payload size; no mDNS top bit).
    pub class: Class,
    /// TTL (for OPT: extended RCODE, version and flags).
    pub ttl: u32,
    /// Offset of the rdata.
    pub rdata: usize,
    /// Length of the rdata.
    pub rdlen: usize,
}

impl Frame {
    /// Offset just past the record.
    pub fn end(&self) -> usize {
        self.rdata + self.rdlen
    }

    /// The owner name, read (pointers followed, checked) from `msg`.
    pub fn name<'a>(&self, msg: &'a [u8]) -> Result<NameRef<'a>, ParseError> {
        NameRef::read(msg, self.start).map(|(n, _)| n)
    }

    /// The rdata bytes.
    pub fn rdata<'a>(&self, msg: &'a [u8]) -> &'a [u8] {
        // Checked when the frame was read.
        msg.get(self.rdata..self.end()).unwrap_or(&[])
    }
}

/// The records of a message, by framing alone. Stops with one error when the framing
/// is lost; never panics, never loops (each step moves forward).
#[derive(Clone, Debug)]
pub struct Frames<'a> {
    msg: &'a [u8],
    at: usize,
    /// Records left in the answer, authority and additional sections.
    left: [u16; 3],
    failed: bool,
}

impl<'a> Frames<'a> {
    /// Starts after the question section of `msg` (questions skipped by framing).
    pub fn new(msg: &'a [u8]) -> Result<Self, ParseError> {
        let h = Header::parse(msg).ok_or(ParseError::ShortHeader { len: msg.len() })?;
        if msg.len() > mdns_sansio::wire::MAX_DNS_MESSAGE_LEN {
            return Err(ParseError::TooLong { len: msg.len() });
        }
        let mut at = HEADER_LEN;
        for _ in 0..h.qdcount {
            let end = NameRef::skip(msg, at)?;
            if end + 4 > msg.len() {
                return Err(ParseError::Truncated { at });
            }
            at = end + 4;
        }
        Ok(Frames {
            msg,
            at,
            left: [h.ancount, h.nscount, h.arcount],
            failed: false,
        })
    }

    /// Offset where the next record would start (the end of the message's records
    /// once all are read).
    pub fn position(&self) -> usize {
        self.at
    }
}

impl Iterator for Frames<'_> {
    type Item = Result<Frame, ParseError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.failed {
            return None;
        }
        let (i, section) = match self.left {
            [a, _, _] if a > 0 => (0, Section::Answer),
            [_, n, _] if n > 0 => (1, Section::Authority),
            [_, _, r] if r > 0 => (2, Section::Additional),
            _ => return None,
        };
        self.left[i] -= 1;
        let start = self.at;
        let fixed = match NameRef::skip(self.msg, start) {
            Ok(end) => end,
            Err(e) => {
                self.failed = true;
                return Some(Err(e));
            }
        };
        let Some(&[t0, t1, c0, c1, l0, l1, l2, l3, r0, r1]) = self
            .msg
            .get(fixed..fixed + 10)
            .and_then(|f| f.first_chunk::<10>())
        else {
            self.failed = true;
            return Some(Err(ParseError::Truncated { at: start }));
        };
        let rdata = fixed + 10;
        let rdlength = u16::from_be_bytes([r0, r1]);
        let rdlen = usize::from(rdlength);
        if rdata + rdlen > self.msg.len() {
            self.failed = true;
            return Some(Err(ParseError::RdataOverrun {
                at: rdata,
                rdlength,
            }));
        }
        self.at = rdata + rdlen;
        Some(Ok(Frame {
            section,
            start,
            rtype: Rtype(u16::from_be_bytes([t0, t1])),
            class: Class(u16::from_be_bytes([c0, c1])),
            ttl: u32::from_be_bytes([l0, l1, l2, l3]),
            rdata,
            rdlen,
        }))
    }
}

/// Reads an uncompressed name from the start of `bytes` (TSIG's algorithm name,
/// RFC 8945 §4.2: never compressed): its wire form and the offset past it. `None` for a
/// pointer, a reserved label type, a name over 255 bytes or one running off the end.
pub fn uncompressed_name(bytes: &[u8]) -> Option<(&[u8], usize)> {
    let mut at = 0;
    loop {
        let len = usize::from(*bytes.get(at)?);
        if len == 0 {
            let end = at + 1;
            return (end <= 255).then(|| (&bytes[..end], end));
        }
        if len > 63 {
            return None;
        }
        at += 1 + len;
        if at > 255 {
            return None;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec;
    use alloc::vec::Vec;
    use mdns_sansio::wire::{MessageWriter, RecordData};
    use mdns_sansio::Name;

    #[test]
    fn rfc1035_4_1_3_frames_give_each_record_its_bytes() {
        let mut buf = [0u8; 512];
        let name = Name::parse("a.example.").unwrap();
        let mut w = MessageWriter::new(&mut buf, 7, 0).unwrap();
        w.push_question(&name, Rtype::A, Class::IN, false).unwrap();
        w.push_record(
            Section::Answer,
            &name,
            Class::IN,
            false,
            60,
            &RecordData::A([192, 0, 2, 1].into()),
        )
        .unwrap();
        w.push_record_typed(
            Section::Additional,
            &name,
            Rtype::PTR,
            Class::ANY,
            false,
            0,
            &RecordData::Other(Default::default()),
        )
        .unwrap();
        let len = w.finish();
        let msg = &buf[..len];
        let frames: Vec<Frame> = Frames::new(msg).unwrap().map(Result::unwrap).collect();
        assert_eq!(frames.len(), 2);
        assert_eq!(frames[0].section, Section::Answer);
        assert_eq!(frames[0].rdata(msg), &[192, 0, 2, 1]);
        assert!(frames[0].name(msg).unwrap().eq_name(&name));
        // An empty rdata (a delete in an update) is framed like any other.
        assert_eq!(frames[1].section, Section::Additional);
        assert_eq!((frames[1].class, frames[1].rdlen), (Class::ANY, 0));
        assert_eq!(frames[1].end(), len);
    }

    #[test]
    fn lost_framing_stops_with_one_error() {
        let mut msg = vec![0u8; 12];
        msg[7] = 3; // three answers, none there
        let mut f = Frames::new(&msg).unwrap();
        assert!(f.next().unwrap().is_err());
        assert!(f.next().is_none());
    }

    #[test]
    fn uncompressed_names_only() {
        assert_eq!(
            uncompressed_name(b"\x01a\x00rest"),
            Some((&b"\x01a\x00"[..], 3))
        );
        assert_eq!(uncompressed_name(b"\xc0\x0c"), None);
        assert_eq!(uncompressed_name(b"\x05ab"), None);
    }
}
