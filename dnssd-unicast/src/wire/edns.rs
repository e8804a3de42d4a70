//! EDNS(0) (RFC 6891): the OPT pseudo-record a message carries in its additional
//! section, its options, and the one option unicast DNS-SD publishing uses, Update
//! Lease (RFC 9664 §4).
//!
//! Written through `MessageWriter::push_record_typed` (OPT's class is the UDP payload
//! size, its TTL the extended RCODE, version and flags, RFC 6891 §6.1.2 and
//! RFC 6891 §6.1.3); read from a [`Frame`].

use super::frame::{Frame, Frames};
use super::types::{option, Rcode};
use alloc::vec::Vec;
use mdns_sansio::wire::{Class, MessageWriter, ParseError, RecordData, Rtype, Section, WriteError};
use mdns_sansio::Name;

/// A UDP payload size that avoids IP fragmentation on today's paths (the 2020 DNS flag
/// day figure); RFC 6891 §6.2.5 leaves the choice to the sender.
pub const DEFAULT_UDP_PAYLOAD: u16 = 1232;

/// The version of EDNS this crate speaks (RFC 6891 §6.1.3).
pub const EDNS_VERSION: u8 = 0;

/// An OPT record as read from a message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Opt {
    /// The sender's largest UDP payload (RFC 6891 §6.2.3).
    pub udp_payload: u16,
    /// The upper eight bits of the 12-bit RCODE (RFC 6891 §6.1.3).
    pub extended_rcode: u8,
    /// EDNS version.
    pub version: u8,
    /// The DO bit (RFC 3225).
    pub dnssec_ok: bool,
    /// The options, as `(code, data)`.
    pub options: Vec<(u16, Vec<u8>)>,
}

impl Opt {
    /// Reads the OPT record a message carries in its additional section, if it has
    /// one. More than one, an OPT elsewhere, or options that do not frame the rdata
    /// exactly, are errors (RFC 6891 §6.1.1: FORMERR).
    pub fn find(msg: &[u8]) -> Result<Option<Opt>, ParseError> {
        let mut found = None;
        for f in Frames::new(msg)? {
            let f = f?;
            if f.rtype != Rtype::OPT {
                continue;
            }
            let bad = ParseError::BadRdata {
                at: f.rdata,
                rtype: Rtype::OPT.0,
            };
            if f.section != Section::Additional || found.is_some() {
                return Err(bad);
            }
            found = Some(Self::from_frame(msg, &f).ok_or(bad)?);
        }
        Ok(found)
    }

    fn from_frame(msg: &[u8], f: &Frame) -> Option<Opt> {
        if f.name(msg).ok()?.wire_len() != 1 {
            return None; // the owner must be the root (RFC 6891 §6.1.2)
        }
        let mut options = Vec::new();
        for o in Options::new(f.rdata(msg)) {
            let (code, data) = o?;
            options.push((code, data.to_vec()));
        }
        Some(Opt {
            udp_payload: f.class.0,
            extended_rcode: (f.ttl >> 24) as u8,
            version: (f.ttl >> 16) as u8,
            dnssec_ok: f.ttl & 0x8000 != 0,
            options,
        })
    }

    /// The full response code: these upper bits joined to the header's four.
    pub fn rcode(&self, header_rcode: u8) -> Rcode {
        Rcode((u16::from(self.extended_rcode) << 4) | u16::from(header_rcode & 0xF))
    }

    /// The Update Lease option, if present and well formed.
    pub fn lease(&self) -> Option<UpdateLease> {
        self.options
            .iter()
            .find(|(c, _)| *c == option::UPDATE_LEASE)
            .and_then(|(_, d)| UpdateLease::parse(d))
    }
}

/// Iterates `(code, data)` over an OPT rdata; yields `None` once (and stops) if the
/// options do not frame it exactly.
#[derive(Clone, Debug)]
pub struct Options<'a> {
    rest: &'a [u8],
}

impl<'a> Options<'a> {
    /// Over the rdata of an OPT record.
    pub fn new(rdata: &'a [u8]) -> Self {
        Options { rest: rdata }
    }
}

impl<'a> Iterator for Options<'a> {
    type Item = Option<(u16, &'a [u8])>;
    fn next(&mut self) -> Option<Self::Item> {
        if self.rest.is_empty() {
            return None;
        }
        let parsed = (|| {
            let (&[c0, c1, l0, l1], rest) = self.rest.split_first_chunk::<4>()?;
            let len = usize::from(u16::from_be_bytes([l0, l1]));
            let data = rest.get(..len)?;
            Some((u16::from_be_bytes([c0, c1]), data, &rest[len..]))
        })();
        match parsed {
            Some((code, data, rest)) => {
                self.rest = rest;
                Some(Some((code, data)))
            }
            None => {
                self.rest = &[];
                Some(None)
            }
        }
    }
}

/// The Update Lease option (RFC 9664 §4): how long the records of an update, and the
/// key that signs them, are to live unless refreshed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct UpdateLease {
    /// Lease of the records, seconds.
    pub lease: u32,
    /// Lease of the KEY record (SRP, RFC 9665); `None` sends the 4-byte form.
    pub key_lease: Option<u32>,
}

impl UpdateLease {
    /// Reads the option's data: 4 bytes (LEASE) or 8 (LEASE, KEY-LEASE).
    pub fn parse(data: &[u8]) -> Option<UpdateLease> {
        match *data {
            [a, b, c, d] => Some(UpdateLease {
                lease: u32::from_be_bytes([a, b, c, d]),
                key_lease: None,
            }),
            [a, b, c, d, e, f, g, h] => Some(UpdateLease {
                lease: u32::from_be_bytes([a, b, c, d]),
                key_lease: Some(u32::from_be_bytes([e, f, g, h])),
            }),
            _ => None,
        }
    }

    /// Appends the option (code, length, data) to an OPT rdata.
    pub fn write(&self, out: &mut Vec<u8>) {
        let len: u16 = if self.key_lease.is_some() { 8 } else { 4 };
        out.extend_from_slice(&option::UPDATE_LEASE.to_be_bytes());
        out.extend_from_slice(&len.to_be_bytes());
        out.extend_from_slice(&self.lease.to_be_bytes());
        if let Some(k) = self.key_lease {
            out.extend_from_slice(&k.to_be_bytes());
        }
    }
}

/// Appends an OPT record (version 0, DO clear) with `options` (already encoded as
/// code, length, data) to the additional section.
pub fn push_opt(
    w: &mut MessageWriter<'_>,
    udp_payload: u16,
    options: &[u8],
) -> Result<(), WriteError> {
    let ttl = u32::from(EDNS_VERSION) << 16;
    w.push_record_typed(
        Section::Additional,
        &Name::root(),
        Rtype::OPT,
        Class(udp_payload),
        false,
        ttl,
        &RecordData::Opt(options.into()),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc9664_4_lease_option_round_trips_in_an_opt_record() {
        let mut opts = Vec::new();
        UpdateLease {
            lease: 7200,
            key_lease: Some(1_209_600),
        }
        .write(&mut opts);
        let mut buf = [0u8; 512];
        let mut w = MessageWriter::new(&mut buf, 1, 0).unwrap();
        push_opt(&mut w, 1232, &opts).unwrap();
        let len = w.finish();
        let opt = Opt::find(&buf[..len]).unwrap().unwrap();
        assert_eq!(
            (opt.udp_payload, opt.version, opt.dnssec_ok),
            (1232, 0, false)
        );
        assert_eq!(
            opt.lease(),
            Some(UpdateLease {
                lease: 7200,
                key_lease: Some(1_209_600)
            })
        );
        assert_eq!(opt.rcode(0), Rcode::NOERROR);
    }

    #[test]
    fn rfc6891_6_1_3_extended_rcode_joins_the_header_bits() {
        let opt = Opt {
            udp_payload: 512,
            extended_rcode: 1,
            version: 0,
            dnssec_ok: false,
            options: Vec::new(),
        };
        assert_eq!(opt.rcode(0), Rcode::BADVERS);
    }

    #[test]
    fn options_that_do_not_frame_are_one_error() {
        let mut it = Options::new(&[0, 2, 0, 9, 1]);
        assert_eq!(it.next(), Some(None));
        assert_eq!(it.next(), None);
        assert_eq!(UpdateLease::parse(&[1, 2, 3]), None);
    }
}
