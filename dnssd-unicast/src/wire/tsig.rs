//! TSIG (RFC 8945): signing a message with a shared key and verifying a signed one.
//!
//! The MAC covers, in order (RFC 8945 §4.3): the request's MAC (length, then bytes) when
//! signing or verifying a response; the message as it was before the TSIG record was
//! added (original ID in the header, the additional count without the TSIG record);
//! and the "TSIG variables": the key name and algorithm name in canonical (lower case,
//! uncompressed) form, class ANY, TTL 0, time signed, fudge, error, other data.
//!
//! Verification compares the MAC in constant time (`hmac`'s `verify_truncated_left`,
//! built on `subtle`), accepts a MAC truncated no further than RFC 8945 §5.2.2.1
//! allows (half the hash and at least 10 bytes), and checks the signing time against
//! `now` within the fudge (RFC 8945 §5.2.3). The time is always an input: nothing here
//! reads a clock.

use super::frame::{uncompressed_name, Frame, Frames};
use super::types::{Rcode, CLASS_ANY, TSIG};
use crate::key::{Algorithm, TsigKey};
use alloc::vec::Vec;
use core::fmt;
use hmac::{Hmac, Mac as _};
use mdns_sansio::wire::{Header, NameRef, ParseError, Section, HEADER_LEN};
use sha2::{Sha256, Sha512};

/// The fudge this crate signs with: the 300 seconds RFC 8945 §10 recommends.
pub const DEFAULT_FUDGE: u16 = 300;

/// A TSIG record as read from a message.
#[derive(Clone, Copy, Debug)]
pub struct TsigRecord<'a> {
    /// The key's name (the record's owner).
    pub key_name: NameRef<'a>,
    /// The algorithm name, uncompressed wire form.
    pub algorithm: &'a [u8],
    /// Seconds since 1970 when it was signed (48 bits).
    pub time_signed: u64,
    /// Allowed clock difference, seconds.
    pub fudge: u16,
    /// The MAC (empty in an unsigned error response, RFC 8945 §5.3.2).
    pub mac: &'a [u8],
    /// The message's id when it was signed.
    pub original_id: u16,
    /// The TSIG error (BADSIG, BADKEY, BADTIME, BADTRUNC, or NOERROR).
    pub error: Rcode,
    /// Other data (the server's time in a BADTIME response).
    pub other: &'a [u8],
    /// Offset where the record starts: the MAC covers the message before it.
    pub start: usize,
}

impl<'a> TsigRecord<'a> {
    /// Finds the TSIG record of `msg`. It must be the last record of the additional
    /// section and the only one (RFC 8945 §5.2: FORMERR otherwise); `Ok(None)` if the
    /// message has none.
    pub fn find(msg: &'a [u8]) -> Result<Option<TsigRecord<'a>>, ParseError> {
        let mut frames = Frames::new(msg)?;
        let mut last: Option<Frame> = None;
        let mut seen = false;
        for f in frames.by_ref() {
            let f = f?;
            if seen {
                // A record after the TSIG record.
                return Err(bad(f.start));
            }
            if f.rtype == TSIG {
                if f.section != Section::Additional {
                    return Err(bad(f.start));
                }
                seen = true;
                last = Some(f);
            }
        }
        match last {
            None => Ok(None),
            Some(f) => Self::from_frame(msg, &f).map(Some),
        }
    }

    fn from_frame(msg: &'a [u8], f: &Frame) -> Result<Self, ParseError> {
        let key_name = f.name(msg)?;
        if f.class != CLASS_ANY || f.ttl != 0 {
            return Err(bad(f.start));
        }
        let rd = f.rdata(msg);
        let (algorithm, mut at) = uncompressed_name(rd).ok_or(bad(f.rdata))?;
        let mut take = |n: usize| -> Result<&'a [u8], ParseError> {
            let s = rd.get(at..at + n).ok_or(bad(f.rdata))?;
            at += n;
            Ok(s)
        };
        let t = take(6)?;
        let time_signed = t.iter().fold(0u64, |acc, &b| (acc << 8) | u64::from(b));
        let u16_at = |s: &[u8]| u16::from_be_bytes([s[0], s[1]]);
        let fudge = u16_at(take(2)?);
        let mac_len = usize::from(u16_at(take(2)?));
        let mac = take(mac_len)?;
        let original_id = u16_at(take(2)?);
        let error = Rcode(u16_at(take(2)?));
        let other_len = usize::from(u16_at(take(2)?));
        let other = take(other_len)?;
        if at != rd.len() {
            return Err(bad(f.rdata));
        }
        Ok(TsigRecord {
            key_name,
            algorithm,
            time_signed,
            fudge,
            mac,
            original_id,
            error,
            other,
            start: f.start,
        })
    }
}

fn bad(at: usize) -> ParseError {
    ParseError::BadRdata { at, rtype: TSIG.0 }
}

/// Why a signed message did not verify.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum VerifyError {
    /// It carries no TSIG record.
    Unsigned,
    /// The TSIG record (or the message around it) is malformed.
    Malformed,
    /// Signed with another key than the one expected.
    WrongKey,
    /// Signed with another algorithm than the key's.
    WrongAlgorithm,
    /// An unsigned error from the server (MAC empty, RFC 8945 §5.3.2): what it says
    /// about our signature cannot be trusted, but is worth reporting.
    UnsignedError(Rcode),
    /// The MAC is shorter than RFC 8945 §5.2.2.1 allows.
    BadTrunc,
    /// The MAC does not match.
    BadSig,
    /// Signed outside the fudge around `now`.
    BadTime {
        /// When it says it was signed.
        signed: u64,
        /// Our time.
        now: u64,
    },
}

impl fmt::Display for VerifyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            VerifyError::Unsigned => f.write_str("the message is not signed"),
            VerifyError::Malformed => f.write_str("the TSIG record is malformed"),
            VerifyError::WrongKey => f.write_str("signed with another key"),
            VerifyError::WrongAlgorithm => f.write_str("signed with another algorithm"),
            VerifyError::UnsignedError(rc) => write!(f, "unsigned TSIG error {rc}"),
            VerifyError::BadTrunc => f.write_str("the MAC is truncated too far"),
            VerifyError::BadSig => f.write_str("the MAC does not verify"),
            VerifyError::BadTime { signed, now } => {
                write!(f, "signed at {signed}, {now} now: outside the fudge")
            }
        }
    }
}

/// A verified signature.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Verified {
    /// The MAC, which a response to this message must cover.
    pub mac: Vec<u8>,
    /// The TSIG error field (e.g. BADTIME in a signed error response).
    pub error: Rcode,
    /// When it was signed.
    pub time_signed: u64,
}

/// An HMAC of either algorithm.
enum Hm {
    S256(Hmac<Sha256>),
    S512(Hmac<Sha512>),
}

impl Hm {
    fn new(key: &TsigKey) -> Hm {
        // HMAC takes keys of any length: `new_from_slice` cannot fail for it.
        match key.algorithm() {
            Algorithm::HmacSha256 => Hm::S256(
                <Hmac<Sha256> as hmac::Mac>::new_from_slice(key.secret())
                    .unwrap_or_else(|_| unreachable_hmac()),
            ),
            Algorithm::HmacSha512 => Hm::S512(
                <Hmac<Sha512> as hmac::Mac>::new_from_slice(key.secret())
                    .unwrap_or_else(|_| unreachable_hmac()),
            ),
        }
    }

    fn update(&mut self, data: &[u8]) {
        match self {
            Hm::S256(h) => h.update(data),
            Hm::S512(h) => h.update(data),
        }
    }

    fn finalize(self) -> Vec<u8> {
        match self {
            Hm::S256(h) => h.finalize().into_bytes().to_vec(),
            Hm::S512(h) => h.finalize().into_bytes().to_vec(),
        }
    }

    /// Constant-time comparison of the leftmost `mac.len()` bytes.
    fn verify(self, mac: &[u8]) -> bool {
        match self {
            Hm::S256(h) => h.verify_truncated_left(mac).is_ok(),
            Hm::S512(h) => h.verify_truncated_left(mac).is_ok(),
        }
    }
}

#[cold]
fn unreachable_hmac() -> ! {
    unreachable!("HMAC accepts keys of every length")
}

/// The TSIG variables after the time fields (RFC 8945 §4.3.3).
struct Vars<'a> {
    key_name: &'a [u8],
    algorithm: &'a [u8],
    time_signed: u64,
    fudge: u16,
    error: Rcode,
    other: &'a [u8],
}

/// Feeds a name's wire form in lower case (the canonical form, RFC 8945 §4.3.3).
fn update_lower(h: &mut Hm, wire: &[u8]) {
    let mut buf = [0u8; 255];
    let n = wire.len().min(255);
    for (d, s) in buf.iter_mut().zip(&wire[..n]) {
        *d = s.to_ascii_lowercase();
    }
    h.update(&buf[..n]);
}

fn digest(
    key: &TsigKey,
    request_mac: Option<&[u8]>,
    header: &[u8; HEADER_LEN],
    body: &[u8],
    v: &Vars<'_>,
) -> Hm {
    let mut h = Hm::new(key);
    if let Some(rm) = request_mac {
        h.update(&(rm.len() as u16).to_be_bytes());
        h.update(rm);
    }
    h.update(header);
    h.update(body);
    update_lower(&mut h, v.key_name);
    h.update(&CLASS_ANY.0.to_be_bytes());
    h.update(&0u32.to_be_bytes());
    update_lower(&mut h, v.algorithm);
    h.update(&v.time_signed.to_be_bytes()[2..]);
    h.update(&v.fudge.to_be_bytes());
    h.update(&v.error.0.to_be_bytes());
    h.update(&(v.other.len() as u16).to_be_bytes());
    h.update(v.other);
    h
}

/// What to put in a TSIG record besides the key.
#[derive(Clone, Copy, Debug)]
pub struct SignParams<'a> {
    /// Seconds since 1970, now.
    pub time_signed: u64,
    /// Allowed clock difference.
    pub fudge: u16,
    /// The request's MAC when signing a response.
    pub request_mac: Option<&'a [u8]>,
    /// The error field (NOERROR for a request).
    pub error: Rcode,
    /// Other data.
    pub other: &'a [u8],
}

impl SignParams<'_> {
    /// A request signed at `time_signed` with the default fudge.
    pub fn request(time_signed: u64) -> SignParams<'static> {
        SignParams {
            time_signed,
            fudge: DEFAULT_FUDGE,
            request_mac: None,
            error: Rcode::NOERROR,
            other: &[],
        }
    }
}

/// Signs the complete message in `msg` (header counts final, no TSIG yet): appends the
/// TSIG record, counts it in the header, and returns the MAC (which the response's
/// signature will cover). Fails, leaving `msg` as it was, if the message is shorter
/// than a header or the result would pass 65,535 bytes.
pub fn sign(msg: &mut Vec<u8>, key: &TsigKey, p: &SignParams<'_>) -> Result<Vec<u8>, ParseError> {
    let header = Header::parse(msg).ok_or(ParseError::ShortHeader { len: msg.len() })?;
    if header.arcount == u16::MAX {
        return Err(ParseError::TooLong { len: msg.len() });
    }
    let mut head = [0u8; HEADER_LEN];
    head.copy_from_slice(&msg[..HEADER_LEN]);
    let vars = Vars {
        key_name: key.name().as_wire(),
        algorithm: key.algorithm().wire_name(),
        time_signed: p.time_signed & 0xFFFF_FFFF_FFFF,
        fudge: p.fudge,
        error: p.error,
        other: p.other,
    };
    let mac = digest(key, p.request_mac, &head, &msg[HEADER_LEN..], &vars).finalize();
    let algo = key.algorithm().wire_name();
    let rdlen = algo.len() + 6 + 2 + 2 + mac.len() + 2 + 2 + 2 + p.other.len();
    let total = msg.len() + key.name().wire_len() + 10 + rdlen;
    if total > mdns_sansio::wire::MAX_DNS_MESSAGE_LEN {
        return Err(ParseError::TooLong { len: total });
    }
    msg.reserve(total - msg.len());
    msg.extend_from_slice(key.name().as_wire());
    msg.extend_from_slice(&TSIG.0.to_be_bytes());
    msg.extend_from_slice(&CLASS_ANY.0.to_be_bytes());
    msg.extend_from_slice(&0u32.to_be_bytes());
    msg.extend_from_slice(&(rdlen as u16).to_be_bytes());
    msg.extend_from_slice(algo);
    msg.extend_from_slice(&vars.time_signed.to_be_bytes()[2..]);
    msg.extend_from_slice(&p.fudge.to_be_bytes());
    msg.extend_from_slice(&(mac.len() as u16).to_be_bytes());
    msg.extend_from_slice(&mac);
    msg.extend_from_slice(&header.id.to_be_bytes());
    msg.extend_from_slice(&p.error.0.to_be_bytes());
    msg.extend_from_slice(&(p.other.len() as u16).to_be_bytes());
    msg.extend_from_slice(p.other);
    msg[10..12].copy_from_slice(&(header.arcount + 1).to_be_bytes());
    Ok(mac)
}

/// Verifies the TSIG record of `msg` with `key` at `now` (seconds since 1970).
/// `request_mac`: the MAC of the request this message answers, when it is a response.
pub fn verify(
    msg: &[u8],
    key: &TsigKey,
    now: u64,
    request_mac: Option<&[u8]>,
) -> Result<Verified, VerifyError> {
    let rec = TsigRecord::find(msg)
        .map_err(|_| VerifyError::Malformed)?
        .ok_or(VerifyError::Unsigned)?;
    if !rec.key_name.eq_name(key.name()) {
        return Err(VerifyError::WrongKey);
    }
    if Algorithm::from_wire(rec.algorithm) != Some(key.algorithm()) {
        return Err(VerifyError::WrongAlgorithm);
    }
    if rec.mac.is_empty() {
        return Err(VerifyError::UnsignedError(rec.error));
    }
    // RFC 8945 §5.2.2.1: no shorter than half the hash, nor than 10 bytes.
    let full = key.algorithm().mac_len();
    if rec.mac.len() > full || rec.mac.len() < (full / 2).max(10) {
        return Err(VerifyError::BadTrunc);
    }
    let h = Header::parse(msg).ok_or(VerifyError::Malformed)?;
    let mut head = h;
    head.id = rec.original_id;
    head.arcount = h.arcount.checked_sub(1).ok_or(VerifyError::Malformed)?;
    let mut head_bytes = [0u8; HEADER_LEN];
    head.emit(&mut head_bytes);
    let body = msg
        .get(HEADER_LEN..rec.start)
        .ok_or(VerifyError::Malformed)?;
    let mut name = [0u8; 255];
    let mut name_len = 0;
    for label in rec.key_name.labels() {
        name[name_len] = label.len() as u8;
        name[name_len + 1..name_len + 1 + label.len()].copy_from_slice(label);
        name_len += 1 + label.len();
    }
    name_len += 1; // the root label, already zero
    let vars = Vars {
        key_name: &name[..name_len],
        algorithm: rec.algorithm,
        time_signed: rec.time_signed,
        fudge: rec.fudge,
        error: rec.error,
        other: rec.other,
    };
    if !digest(key, request_mac, &head_bytes, body, &vars).verify(rec.mac) {
        return Err(VerifyError::BadSig);
    }
    // RFC 8945 §5.2.3: the time is checked after the MAC.
    if now.abs_diff(rec.time_signed) > u64::from(rec.fudge) {
        return Err(VerifyError::BadTime {
            signed: rec.time_signed,
            now,
        });
    }
    Ok(Verified {
        mac: rec.mac.to_vec(),
        error: rec.error,
        time_signed: rec.time_signed,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::types::Rcode;
    use mdns_sansio::wire::{Class, MessageWriter, Rtype};
    use mdns_sansio::Name;

    fn key(alg: Algorithm) -> TsigKey {
        TsigKey::new(
            Name::parse("Key.Example.").unwrap(),
            alg,
            b"0123456789abcdef",
        )
        .unwrap()
    }

    fn query(id: u16) -> Vec<u8> {
        let mut buf = [0u8; 512];
        let mut w = MessageWriter::new(&mut buf, id, 0).unwrap();
        w.push_question(
            &Name::parse("a.example.").unwrap(),
            Rtype::A,
            Class::IN,
            false,
        )
        .unwrap();
        let len = w.finish();
        buf[..len].to_vec()
    }

    #[test]
    fn rfc8945_4_3_signed_requests_verify_and_any_change_breaks_them() {
        for alg in [Algorithm::HmacSha256, Algorithm::HmacSha512] {
            let k = key(alg);
            let mut m = query(0x4242);
            let plain_len = m.len();
            let mac = sign(&mut m, &k, &SignParams::request(1_700_000_000)).unwrap();
            assert_eq!(mac.len(), alg.mac_len());
            assert_eq!(Header::parse(&m).unwrap().arcount, 1);
            let v = verify(&m, &k, 1_700_000_100, None).unwrap();
            assert_eq!((v.mac, v.error), (mac.clone(), Rcode::NOERROR));
            let rec = TsigRecord::find(&m).unwrap().unwrap();
            assert_eq!(rec.start, plain_len);
            // Every byte of the message and of the TSIG record is covered, but the
            // header's id: the original id in the record stands for it
            // (RFC 8945 §4.3.2), so a forwarder may change it.
            for i in 2..m.len() {
                let mut bad = m.clone();
                bad[i] ^= 0x01;
                let r = verify(&bad, &k, 1_700_000_000, None);
                assert!(r.is_err(), "byte {i} of {} not covered ({alg})", m.len());
            }
            // A different key with the same name fails the MAC.
            let other = TsigKey::new(k.name().clone(), alg, b"another secret").unwrap();
            assert_eq!(
                verify(&m, &other, 1_700_000_000, None),
                Err(VerifyError::BadSig)
            );
        }
    }

    #[test]
    fn rfc8945_5_2_3_time_outside_the_fudge_is_refused() {
        let k = key(Algorithm::HmacSha256);
        let mut m = query(1);
        sign(&mut m, &k, &SignParams::request(1_000_000)).unwrap();
        assert!(verify(&m, &k, 1_000_300, None).is_ok());
        assert!(verify(&m, &k, 999_700, None).is_ok());
        assert_eq!(
            verify(&m, &k, 1_000_301, None),
            Err(VerifyError::BadTime {
                signed: 1_000_000,
                now: 1_000_301
            })
        );
    }

    #[test]
    fn rfc8945_4_3_1_a_response_covers_the_request_mac() {
        let k = key(Algorithm::HmacSha256);
        let mut req = query(7);
        let req_mac = sign(&mut req, &k, &SignParams::request(50_000)).unwrap();
        let mut resp = query(7);
        resp[2] |= 0x80;
        let p = SignParams {
            request_mac: Some(&req_mac),
            ..SignParams::request(50_001)
        };
        sign(&mut resp, &k, &p).unwrap();
        assert!(verify(&resp, &k, 50_000, Some(&req_mac)).is_ok());
        assert_eq!(verify(&resp, &k, 50_000, None), Err(VerifyError::BadSig));
        assert_eq!(
            verify(&resp, &k, 50_000, Some(&[0; 32])),
            Err(VerifyError::BadSig)
        );
    }

    #[test]
    fn rfc8945_5_2_2_1_truncation_limits_and_unsigned_errors() {
        let k = key(Algorithm::HmacSha256);
        assert_eq!(verify(&query(1), &k, 0, None), Err(VerifyError::Unsigned));
        // An unsigned BADSIG error: MAC size 0 (RFC 8945 §5.3.2).
        let mut m = query(1);
        let p = SignParams {
            error: Rcode::BADSIG,
            ..SignParams::request(10)
        };
        sign(&mut m, &k, &p).unwrap();
        let rec = TsigRecord::find(&m).unwrap().unwrap();
        let mac_at = rec.start + k.name().wire_len() + 10 + 13 + 6 + 2 + 2;
        // Rewrite the record with an empty MAC.
        let mut unsigned = m[..mac_at - 2].to_vec();
        unsigned.extend_from_slice(&[0, 0]);
        unsigned.extend_from_slice(&m[mac_at + 32..]);
        let rdlen_at = rec.start + k.name().wire_len() + 8;
        let rdlen = u16::from_be_bytes([m[rdlen_at], m[rdlen_at + 1]]) - 32;
        unsigned[rdlen_at..rdlen_at + 2].copy_from_slice(&rdlen.to_be_bytes());
        assert_eq!(
            verify(&unsigned, &k, 10, None),
            Err(VerifyError::UnsignedError(Rcode::BADSIG))
        );
        let wrong =
            TsigKey::new(Name::parse("other.").unwrap(), Algorithm::HmacSha256, b"x").unwrap();
        assert_eq!(verify(&m, &wrong, 10, None), Err(VerifyError::WrongKey));
        let wrong_alg = key(Algorithm::HmacSha512);
        assert_eq!(
            verify(&m, &wrong_alg, 10, None),
            Err(VerifyError::WrongAlgorithm)
        );
    }

    #[test]
    fn a_record_after_tsig_is_malformed() {
        let k = key(Algorithm::HmacSha256);
        let mut m = query(1);
        sign(&mut m, &k, &SignParams::request(10)).unwrap();
        // Append a copy of the TSIG record as a second additional record.
        let start = TsigRecord::find(&m).unwrap().unwrap().start;
        let rec = m[start..].to_vec();
        m.extend_from_slice(&rec);
        m[11] = 2;
        assert!(TsigRecord::find(&m).is_err());
        assert_eq!(verify(&m, &k, 10, None), Err(VerifyError::Malformed));
    }
}
