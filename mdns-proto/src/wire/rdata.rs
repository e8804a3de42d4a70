//! Typed record data: [`RData`] borrowed from a received message, and [`RecordData`]
//! owned, for the cache, the responder's records and the writer.
//!
//! Known types: A, AAAA, PTR, CNAME, SRV (RFC 2782), TXT, HINFO, NSEC (RFC 6762 §6.1,
//! with its type bitmap), OPT (EDNS0; Apple sends an Owner option). Any other type is
//! kept as opaque bytes.
//!
//! What is done with record data is written once, for [`RData`]: its canonical form,
//! equality, its text (`display.rs`). [`RecordData`] converts to an [`RData`] for free
//! ([`RecordData::as_rdata`]: its names are single-name messages) and does all of that
//! through it; [`RData::to_owned`] goes the other way. Only parsing (from the wire),
//! writing (to it, in `writer.rs`, with name compression) and the record type (asked
//! of every record written) have their own code per type.

use super::error::ParseError;
use super::name::{NameRef, Suffixes};
use super::rtype::Rtype;
use crate::name::Name;
use alloc::vec::Vec;
use core::net::{Ipv4Addr, Ipv6Addr};
use smallvec::SmallVec;

/// Record data read in place.
#[derive(Clone, Copy, Debug)]
pub enum RData<'a> {
    /// IPv4 address.
    A(Ipv4Addr),
    /// IPv6 address.
    Aaaa(Ipv6Addr),
    /// Domain name pointer.
    Ptr(NameRef<'a>),
    /// Canonical name.
    Cname(NameRef<'a>),
    /// Service location (RFC 2782).
    Srv {
        /// Priority.
        priority: u16,
        /// Weight.
        weight: u16,
        /// Port.
        port: u16,
        /// Target host.
        target: NameRef<'a>,
    },
    /// Text strings (RFC 6763 §6), validated to frame exactly.
    Txt(TxtStrings<'a>),
    /// Host information: CPU and OS strings.
    Hinfo {
        /// CPU.
        cpu: &'a [u8],
        /// Operating system.
        os: &'a [u8],
    },
    /// NSEC: the next name and the types that exist (RFC 6762 §6.1).
    Nsec {
        /// Next domain name (in mDNS, the record's own name).
        next: NameRef<'a>,
        /// Type bitmap.
        types: NsecBitmap<'a>,
    },
    /// EDNS0 options (the class field holds the UDP payload size).
    Opt(&'a [u8]),
    /// Any other type, as bytes.
    Other(&'a [u8]),
}

impl<'a> RData<'a> {
    /// Parses the rdata at `msg[start..start + len]` as type `rtype`. Names inside may
    /// point anywhere in `msg` but must end inside the rdata. A `msg` longer than
    /// [`MAX_DNS_MESSAGE_LEN`](super::MAX_DNS_MESSAGE_LEN) is refused.
    pub fn parse(
        msg: &'a [u8],
        start: usize,
        len: usize,
        rtype: Rtype,
    ) -> Result<Self, ParseError> {
        if msg.len() > super::MAX_DNS_MESSAGE_LEN {
            return Err(ParseError::TooLong { len: msg.len() });
        }
        let raw = msg.get(start..start + len).ok_or(ParseError::BadRdata {
            at: start,
            rtype: rtype.0,
        })?;
        Self::parse_in(msg, start, raw, rtype, &mut Suffixes::<1>::new())
    }

    /// [`RData::parse`] of `raw` (= `msg[start..start + raw.len()]`), with the
    /// message's memo of validated suffixes.
    #[inline(always)]
    pub(crate) fn parse_in<const N: usize, const S: usize>(
        msg: &'a [u8],
        start: usize,
        raw: &'a [u8],
        rtype: Rtype,
        memo: &mut Suffixes<N, S>,
    ) -> Result<Self, ParseError> {
        let end = start + raw.len();
        let bad = ParseError::BadRdata {
            at: start,
            rtype: rtype.0,
        };
        Ok(match rtype {
            Rtype::A => RData::A(Ipv4Addr::from(<[u8; 4]>::try_from(raw).map_err(|_| bad)?)),
            Rtype::AAAA => RData::Aaaa(Ipv6Addr::from(<[u8; 16]>::try_from(raw).map_err(|_| bad)?)),
            Rtype::PTR | Rtype::CNAME => {
                let (name, after) = NameRef::read_in_rdata(msg, start, memo)?;
                if after != end {
                    return Err(bad);
                }
                if rtype == Rtype::PTR {
                    RData::Ptr(name)
                } else {
                    RData::Cname(name)
                }
            }
            Rtype::SRV => {
                let Some(&[p0, p1, w0, w1, o0, o1, _]) = raw.first_chunk::<7>() else {
                    return Err(bad);
                };
                let (target, after) = NameRef::read_in_rdata(msg, start + 6, memo)?;
                if after != end {
                    return Err(bad);
                }
                RData::Srv {
                    priority: u16::from_be_bytes([p0, p1]),
                    weight: u16::from_be_bytes([w0, w1]),
                    port: u16::from_be_bytes([o0, o1]),
                    target,
                }
            }
            Rtype::TXT => RData::Txt(TxtStrings::new(raw).ok_or(bad)?),
            Rtype::HINFO => {
                let mut it = TxtStrings::new(raw).ok_or(bad)?;
                let cpu = it.next().ok_or(bad)?;
                let os = it.next().ok_or(bad)?;
                if it.next().is_some() {
                    return Err(bad);
                }
                RData::Hinfo { cpu, os }
            }
            Rtype::NSEC => {
                let (next, after) = NameRef::read_in_rdata(msg, start, memo)?;
                if after > end {
                    return Err(bad);
                }
                let bitmap = msg.get(after..end).ok_or(bad)?;
                RData::Nsec {
                    next,
                    types: NsecBitmap::new(bitmap).ok_or(bad)?,
                }
            }
            Rtype::OPT => RData::Opt(raw),
            _ => RData::Other(raw),
        })
    }

    /// The record type this data belongs to (`Other` has none of its own: `None`).
    #[inline]
    pub fn rtype(&self) -> Option<Rtype> {
        Some(match self {
            RData::A(_) => Rtype::A,
            RData::Aaaa(_) => Rtype::AAAA,
            RData::Ptr(_) => Rtype::PTR,
            RData::Cname(_) => Rtype::CNAME,
            RData::Srv { .. } => Rtype::SRV,
            RData::Txt(_) => Rtype::TXT,
            RData::Hinfo { .. } => Rtype::HINFO,
            RData::Nsec { .. } => Rtype::NSEC,
            RData::Opt(_) => Rtype::OPT,
            RData::Other(_) => return None,
        })
    }

    /// An owned copy.
    pub fn to_owned(&self) -> RecordData {
        match *self {
            RData::A(a) => RecordData::A(a),
            RData::Aaaa(a) => RecordData::Aaaa(a),
            RData::Ptr(n) => RecordData::Ptr(n.to_name()),
            RData::Cname(n) => RecordData::Cname(n.to_name()),
            RData::Srv {
                priority,
                weight,
                port,
                target,
            } => RecordData::Srv {
                priority,
                weight,
                port,
                target: target.to_name(),
            },
            RData::Txt(t) => RecordData::Txt(SmallVec::from_slice(t.raw())),
            RData::Hinfo { cpu, os } => RecordData::Hinfo {
                cpu: SmallVec::from_slice(cpu),
                os: SmallVec::from_slice(os),
            },
            RData::Nsec { next, types } => RecordData::Nsec {
                next: next.to_name(),
                types: SmallVec::from_slice(types.raw()),
            },
            RData::Opt(b) => RecordData::Opt(SmallVec::from_slice(b)),
            RData::Other(b) => RecordData::Other(SmallVec::from_slice(b)),
        }
    }

    /// Appends the raw uncompressed rdata (names expanded, case as received): the form
    /// compared in probe tiebreaking (RFC 6762 §8.2).
    pub fn write_canonical(&self, out: &mut Vec<u8>) {
        match *self {
            RData::A(a) => out.extend_from_slice(&a.octets()),
            RData::Aaaa(a) => out.extend_from_slice(&a.octets()),
            RData::Ptr(n) | RData::Cname(n) => n.write_uncompressed(out),
            RData::Srv {
                priority,
                weight,
                port,
                target,
            } => {
                out.extend_from_slice(&priority.to_be_bytes());
                out.extend_from_slice(&weight.to_be_bytes());
                out.extend_from_slice(&port.to_be_bytes());
                target.write_uncompressed(out);
            }
            RData::Txt(t) => out.extend_from_slice(t.raw()),
            RData::Hinfo { cpu, os } => {
                for s in [cpu, os] {
                    out.push(s.len() as u8);
                    out.extend_from_slice(s);
                }
            }
            RData::Nsec { next, types } => {
                next.write_uncompressed(out);
                out.extend_from_slice(types.raw());
            }
            RData::Opt(b) | RData::Other(b) => out.extend_from_slice(b),
        }
    }
}

impl PartialEq for RData<'_> {
    /// The same data: names compared case-insensitively (RFC 6762 §16), everything else
    /// byte for byte.
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (RData::A(a), RData::A(b)) => a == b,
            (RData::Aaaa(a), RData::Aaaa(b)) => a == b,
            (RData::Ptr(a), RData::Ptr(b)) | (RData::Cname(a), RData::Cname(b)) => a.eq_ref(b),
            (
                RData::Srv {
                    priority,
                    weight,
                    port,
                    target,
                },
                RData::Srv {
                    priority: p,
                    weight: w,
                    port: o,
                    target: t,
                },
            ) => priority == p && weight == w && port == o && target.eq_ref(t),
            (RData::Txt(a), RData::Txt(b)) => a.raw() == b.raw(),
            (RData::Hinfo { cpu, os }, RData::Hinfo { cpu: c, os: o }) => cpu == c && os == o,
            (RData::Nsec { next, types }, RData::Nsec { next: n, types: t }) => {
                next.eq_ref(n) && types.raw() == t.raw()
            }
            (RData::Opt(a), RData::Opt(b)) | (RData::Other(a), RData::Other(b)) => a == b,
            _ => false,
        }
    }
}

/// Owned record data.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum RecordData {
    /// IPv4 address.
    A(Ipv4Addr),
    /// IPv6 address.
    Aaaa(Ipv6Addr),
    /// Domain name pointer.
    Ptr(Name),
    /// Canonical name.
    Cname(Name),
    /// Service location.
    Srv {
        /// Priority.
        priority: u16,
        /// Weight.
        weight: u16,
        /// Port.
        port: u16,
        /// Target host.
        target: Name,
    },
    /// TXT rdata as on the wire (length-prefixed strings; never empty when sent).
    Txt(SmallVec<[u8; 16]>),
    /// Host information.
    Hinfo {
        /// CPU.
        cpu: SmallVec<[u8; 16]>,
        /// Operating system.
        os: SmallVec<[u8; 16]>,
    },
    /// NSEC with its raw type bitmap (see [`NsecBitmap::build`]).
    Nsec {
        /// Next domain name.
        next: Name,
        /// Raw bitmap windows.
        types: SmallVec<[u8; 16]>,
    },
    /// EDNS0 options.
    Opt(SmallVec<[u8; 16]>),
    /// Any other type, as bytes.
    Other(SmallVec<[u8; 16]>),
}

impl RecordData {
    /// The same data as [`RData`], borrowed: no copy, names seen as single-name
    /// messages. Everything but writing is done on that.
    #[inline]
    pub fn as_rdata(&self) -> RData<'_> {
        match self {
            RecordData::A(a) => RData::A(*a),
            RecordData::Aaaa(a) => RData::Aaaa(*a),
            RecordData::Ptr(n) => RData::Ptr(NameRef::of_name(n)),
            RecordData::Cname(n) => RData::Cname(NameRef::of_name(n)),
            RecordData::Srv {
                priority,
                weight,
                port,
                target,
            } => RData::Srv {
                priority: *priority,
                weight: *weight,
                port: *port,
                target: NameRef::of_name(target),
            },
            RecordData::Txt(b) => RData::Txt(TxtStrings { rest: b, raw: b }),
            RecordData::Hinfo { cpu, os } => RData::Hinfo { cpu, os },
            RecordData::Nsec { next, types } => RData::Nsec {
                next: NameRef::of_name(next),
                types: NsecBitmap { raw: types },
            },
            RecordData::Opt(b) => RData::Opt(b),
            RecordData::Other(b) => RData::Other(b),
        }
    }

    /// The record type this data belongs to (`Other` has none of its own: `None`).
    /// (Its own match, not through [`as_rdata`](Self::as_rdata): the writer asks it of
    /// every record, and through the conversion it cost the responder's answers 2-4 %
    /// more instructions.)
    #[inline]
    pub fn rtype(&self) -> Option<Rtype> {
        Some(match self {
            RecordData::A(_) => Rtype::A,
            RecordData::Aaaa(_) => Rtype::AAAA,
            RecordData::Ptr(_) => Rtype::PTR,
            RecordData::Cname(_) => Rtype::CNAME,
            RecordData::Srv { .. } => Rtype::SRV,
            RecordData::Txt(_) => Rtype::TXT,
            RecordData::Hinfo { .. } => Rtype::HINFO,
            RecordData::Nsec { .. } => Rtype::NSEC,
            RecordData::Opt(_) => Rtype::OPT,
            RecordData::Other(_) => return None,
        })
    }

    /// Appends the raw uncompressed rdata (RFC 6762 §8.2 tiebreak form).
    pub fn write_canonical(&self, out: &mut Vec<u8>) {
        self.as_rdata().write_canonical(out);
    }

    /// True if `rdata` read from a packet is the same data (names case-insensitively).
    #[inline]
    pub fn matches(&self, rdata: &RData<'_>) -> bool {
        self.as_rdata() == *rdata
    }
}

/// The strings of a TXT (or HINFO) rdata, each at most 255 bytes, checked to frame the
/// rdata exactly.
#[derive(Clone, Copy, Debug)]
pub struct TxtStrings<'a> {
    rest: &'a [u8],
    raw: &'a [u8],
}

impl<'a> TxtStrings<'a> {
    /// `None` if a length byte runs past the end.
    #[inline]
    pub fn new(raw: &'a [u8]) -> Option<Self> {
        let mut at = 0;
        while at < raw.len() {
            at += 1 + usize::from(raw[at]);
        }
        (at == raw.len()).then_some(TxtStrings { rest: raw, raw })
    }

    /// The whole rdata.
    pub fn raw(&self) -> &'a [u8] {
        self.raw
    }
}

impl<'a> Iterator for TxtStrings<'a> {
    type Item = &'a [u8];
    #[inline]
    fn next(&mut self) -> Option<&'a [u8]> {
        // Framed exactly by `new`, so a string never runs past the end.
        let (&len, tail) = self.rest.split_first()?;
        let (s, rest) = tail.split_at_checked(usize::from(len))?;
        self.rest = rest;
        Some(s)
    }
}

/// An NSEC type bitmap (RFC 4034 §4.1.2): windows of (number, length 1..=32, bits).
#[derive(Clone, Copy, Debug)]
pub struct NsecBitmap<'a> {
    raw: &'a [u8],
}

impl<'a> NsecBitmap<'a> {
    /// Checks the window framing; `None` for a window of length 0 or over 32, or one
    /// that runs past the end.
    pub fn new(raw: &'a [u8]) -> Option<Self> {
        let mut at = 0;
        while at < raw.len() {
            let len = usize::from(*raw.get(at + 1)?);
            if len == 0 || len > 32 {
                return None;
            }
            at += 2 + len;
        }
        (at == raw.len()).then_some(NsecBitmap { raw })
    }

    /// The raw windows.
    pub fn raw(&self) -> &'a [u8] {
        self.raw
    }

    /// The types whose bits are set, in increasing order.
    pub fn types(&self) -> impl Iterator<Item = Rtype> + 'a {
        let raw = self.raw;
        let mut windows = Vec::new();
        let mut at = 0;
        while let (Some(&window), Some(&len)) = (raw.get(at), raw.get(at + 1)) {
            let bits = raw.get(at + 2..at + 2 + usize::from(len)).unwrap_or(&[]);
            windows.push((window, bits));
            at += 2 + usize::from(len);
        }
        windows.into_iter().flat_map(|(window, bits)| {
            bits.iter().enumerate().flat_map(move |(byte, &b)| {
                (0..8u16)
                    .filter(move |bit| b & (0x80 >> bit) != 0)
                    .map(move |bit| Rtype(u16::from(window) << 8 | (byte as u16 * 8 + bit)))
            })
        })
    }

    /// True if `rtype`'s bit is set.
    pub fn contains(&self, rtype: Rtype) -> bool {
        let [window, low] = rtype.0.to_be_bytes();
        let mut at = 0;
        while at + 1 < self.raw.len() {
            let len = usize::from(self.raw[at + 1]);
            if self.raw[at] == window {
                let byte = usize::from(low / 8);
                return byte < len
                    && self
                        .raw
                        .get(at + 2 + byte)
                        .is_some_and(|b| b & (0x80 >> (low % 8)) != 0);
            }
            at += 2 + len;
        }
        false
    }

    /// Builds a bitmap for types in window 0 (all that mDNS uses, RFC 6762 §6.1: types
    /// above 255 are left out). Returns the raw bytes.
    pub fn build(types: &[Rtype]) -> SmallVec<[u8; 16]> {
        let mut bits = [0u8; 32];
        let mut max = None;
        for t in types.iter().filter(|t| t.0 < 256) {
            let low = t.0 as usize;
            bits[low / 8] |= 0x80 >> (low % 8);
            max = max.max(Some(low / 8));
        }
        let mut out = SmallVec::new();
        if let Some(max) = max {
            out.push(0);
            out.push((max + 1) as u8);
            out.extend_from_slice(&bits[..=max]);
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nsec_bitmap_build_and_query() {
        let raw = NsecBitmap::build(&[Rtype::TXT, Rtype::SRV, Rtype::A]);
        // window 0, 5 bytes: A (1) in byte 0, TXT (16) in byte 2, SRV (33) in byte 4.
        assert_eq!(raw.as_slice(), &[0, 5, 0x40, 0, 0x80, 0, 0x40]);
        let bm = NsecBitmap::new(&raw).unwrap();
        assert!(bm.contains(Rtype::A) && bm.contains(Rtype::TXT) && bm.contains(Rtype::SRV));
        assert!(!bm.contains(Rtype::AAAA) && !bm.contains(Rtype::PTR));
        let listed: Vec<Rtype> = bm.types().collect();
        assert_eq!(listed, [Rtype::A, Rtype::TXT, Rtype::SRV]);
        let two = NsecBitmap::new(&[0, 1, 0x40, 1, 1, 0x80]).unwrap();
        assert_eq!(two.types().collect::<Vec<_>>(), [Rtype::A, Rtype(256)]);
        assert!(NsecBitmap::new(&[0, 0]).is_none(), "window length 0");
        assert!(NsecBitmap::new(&[0, 33]).is_none(), "window length 33");
        assert!(NsecBitmap::new(&[0, 2, 1]).is_none(), "overrun");
    }

    #[test]
    fn txt_framing() {
        assert!(TxtStrings::new(b"\x03a=b\x00").is_some());
        assert!(TxtStrings::new(b"\x05ab").is_none());
        let v: Vec<&[u8]> = TxtStrings::new(b"\x03a=b\x01c").unwrap().collect();
        assert_eq!(v, [&b"a=b"[..], b"c"]);
    }
}
