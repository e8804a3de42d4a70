//! Packets and record data as text, in the presentation form of RFC 1035 §5.1 (the one
//! dig and zone files use), for tests, transcripts and tools.
//!
//! A [`Message`] displays as a block that reads like the examples of RFC 6762: a header
//! line, then one line per question (`Q`) and per record of each section (`AN`, `NS`,
//! `AR`):
//!
//! ```text
//! response id=48879
//!   Q  myhost.local. A
//!   AN myhost.local. 10 A 10.0.0.1
//!   AR myhost.local. 10 NSEC myhost.local. A
//! ```
//!
//! A record line is owner, TTL, type, `flush` when the cache-flush bit is set
//! (RFC 6762 §10.2), then its data; a question line ends in `QU` when it asks for a
//! unicast response (RFC 6762 §5.4). `{:#}` gives the same on one line, entries
//! separated by `; `. A part that does not parse shows as `<error: ...>` where it is.
//!
//! Record data ([`RData`], [`RecordData`]): addresses as usual, names with a trailing
//! dot, SRV as `priority weight port target`, TXT and HINFO as quoted strings
//! (`"` and `\` escaped, other bytes outside printable ASCII as `\DDD`), NSEC as the
//! next name and the types it lists, anything else (and OPT) as `\# length hex`
//! (RFC 3597 §5).

use super::message::{Message, Section};
use super::rdata::{RData, RecordData};
use core::fmt::{self, Write as _};

impl fmt::Display for RData<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RData::A(a) => write!(f, "{a}"),
            RData::Aaaa(a) => write!(f, "{a}"),
            RData::Ptr(n) | RData::Cname(n) => write!(f, "{n}"),
            RData::Srv {
                priority,
                weight,
                port,
                target,
            } => write!(f, "{priority} {weight} {port} {target}"),
            RData::Txt(t) => {
                for (i, s) in t.enumerate() {
                    if i > 0 {
                        f.write_char(' ')?;
                    }
                    quoted(f, s)?;
                }
                Ok(())
            }
            RData::Hinfo { cpu, os } => {
                quoted(f, cpu)?;
                f.write_char(' ')?;
                quoted(f, os)
            }
            RData::Nsec { next, types } => {
                write!(f, "{next}")?;
                for t in types.types() {
                    write!(f, " {t}")?;
                }
                Ok(())
            }
            RData::Opt(b) | RData::Other(b) => {
                write!(f, "\\# {}", b.len())?;
                if !b.is_empty() {
                    f.write_char(' ')?;
                }
                b.iter().try_for_each(|x| write!(f, "{x:02x}"))
            }
        }
    }
}

impl fmt::Display for RecordData {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.as_rdata(), f)
    }
}

/// A character-string in quotes (RFC 1035 §5.1).
fn quoted(f: &mut fmt::Formatter<'_>, s: &[u8]) -> fmt::Result {
    f.write_char('"')?;
    for &b in s {
        match b {
            b'"' | b'\\' => write!(f, "\\{}", b as char)?,
            0x20..=0x7e => f.write_char(b as char)?,
            _ => write!(f, "\\{b:03}")?,
        }
    }
    f.write_char('"')
}

impl fmt::Display for Message<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let one_line = f.alternate();
        let sep = if one_line { "; " } else { "\n  " };
        let h = self.header();
        f.write_str(if h.is_response() { "response" } else { "query" })?;
        if h.id != 0 {
            write!(f, " id={}", h.id)?;
        }
        if h.truncated() {
            f.write_str(" TC")?;
        }
        if h.opcode() != 0 {
            write!(f, " opcode={}", h.opcode())?;
        }
        if h.rcode() != 0 {
            write!(f, " rcode={}", h.rcode())?;
        }
        if one_line {
            f.write_char(':')?;
        }
        let mut first = true;
        let mut line = |f: &mut fmt::Formatter<'_>| {
            let s = if one_line && first { " " } else { sep };
            first = false;
            f.write_str(s)
        };
        for q in self.questions() {
            line(f)?;
            match q {
                Ok(q) => {
                    write!(f, "Q  {} {}", q.name, q.qtype)?;
                    if q.unicast_response {
                        f.write_str(" QU")?;
                    }
                }
                Err(e) => write!(f, "Q  <error: {e}>")?,
            }
        }
        for r in self.records() {
            line(f)?;
            match r {
                Ok(r) => {
                    let section = match r.section {
                        Section::Answer => "AN",
                        Section::Authority => "NS",
                        Section::Additional => "AR",
                    };
                    write!(f, "{section} {} {} {}", r.name, r.ttl, r.rtype)?;
                    if r.cache_flush {
                        f.write_str(" flush")?;
                    }
                    write!(f, " {}", r.rdata)?;
                }
                Err(e) => write!(f, "?? <error: {e}>")?,
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::name::Name;
    use crate::wire::{Class, MessageWriter, NsecBitmap, Rtype};
    use alloc::format;
    use alloc::string::ToString;
    use smallvec::SmallVec;

    fn name(s: &str) -> Name {
        Name::parse(s).unwrap()
    }

    #[test]
    fn record_data_in_presentation_form() {
        let srv = RecordData::Srv {
            priority: 0,
            weight: 5,
            port: 80,
            target: name("box.local"),
        };
        assert_eq!(srv.to_string(), "0 5 80 box.local.");
        let txt = RecordData::Txt(SmallVec::from_slice(b"\x03a=b\x01c\x04q\"\\\x07"));
        assert_eq!(txt.to_string(), r#""a=b" "c" "q\"\\\007""#);
        let nsec = RecordData::Nsec {
            next: name("box.local"),
            types: NsecBitmap::build(&[Rtype::A, Rtype::TXT]),
        };
        assert_eq!(nsec.to_string(), "box.local. A TXT");
        let hinfo = RecordData::Hinfo {
            cpu: SmallVec::from_slice(b"ARM"),
            os: SmallVec::from_slice(b"Linux"),
        };
        assert_eq!(hinfo.to_string(), r#""ARM" "Linux""#);
        assert_eq!(
            RecordData::Other(SmallVec::from_slice(&[1, 2])).to_string(),
            r"\# 2 0102"
        );
        assert_eq!(RecordData::Other(SmallVec::new()).to_string(), r"\# 0");
        assert_eq!(
            RecordData::Aaaa("fe80::1".parse().unwrap()).to_string(),
            "fe80::1"
        );
    }

    #[test]
    fn a_message_as_a_block_and_on_one_line() {
        let mut buf = [0u8; 512];
        let mut w = MessageWriter::response(&mut buf, 0xbeef).unwrap();
        w.push_question(&name("myhost.local"), Rtype::A, Class::IN, true)
            .unwrap();
        let a = RecordData::A([10, 0, 0, 1].into());
        w.push_record(
            Section::Answer,
            &name("myhost.local"),
            Class::IN,
            true,
            120,
            &a,
        )
        .unwrap();
        let ptr = RecordData::Ptr(name("Kitchen._http._tcp.local"));
        w.push_record(
            Section::Additional,
            &name("_http._tcp.local"),
            Class::IN,
            false,
            4500,
            &ptr,
        )
        .unwrap();
        let len = w.finish();
        let msg = Message::parse(&buf[..len]).unwrap();
        assert_eq!(
            format!("{msg}"),
            "response id=48879\n  \
             Q  myhost.local. A QU\n  \
             AN myhost.local. 120 A flush 10.0.0.1\n  \
             AR _http._tcp.local. 4500 PTR Kitchen._http._tcp.local."
        );
        assert_eq!(
            format!("{msg:#}"),
            "response id=48879: Q  myhost.local. A QU; \
             AN myhost.local. 120 A flush 10.0.0.1; \
             AR _http._tcp.local. 4500 PTR Kitchen._http._tcp.local."
        );
        // A record cut short shows where it fails.
        let cut = Message::parse(&buf[..len - 3]).unwrap();
        assert!(format!("{cut}").ends_with(
            "\n  AN myhost.local. 120 A flush 10.0.0.1\n  \
             ?? <error: rdata of 10 bytes at byte 69 runs past the end>"
        ));
    }
}
