//! What unicast DNS adds to the mDNS wire format of `mdns_sansio::wire`, whose reader
//! (`Message`, `NameRef`, `RData`) and writer (`MessageWriter`) this module builds on:
//!
//! - [`types`]: opcodes, response codes (extended by EDNS and TSIG), update classes,
//!   the SOA / TSIG / KEY / SIG types.
//! - [`frame`]: each record's byte range, by framing alone (for TSIG and updates).
//! - [`edns`]: the OPT record (RFC 6891) and the Update Lease option (RFC 9664).
//! - [`update`]: DNS UPDATE messages (RFC 2136 §2), written and read back.
//! - [`tsig`]: signing and verifying with HMAC-SHA256 / HMAC-SHA512 (RFC 8945).
//! - [`tcp`]: the two-byte length framing of DNS over TCP (RFC 1035 §4.2.2).
//! - [`query`]: a standard query with EDNS, and reading an answer's RRset and the
//!   negative-caching TTL (RFC 2308 §5).
//!
//! Room is left for SRP (RFC 9665: the KEY and SIG types, SIG(0) beside TSIG in the
//! signing step) and DNS Stateful Operations (RFC 8490: the DSO opcode; its TLVs
//! would ride on [`tcp`] framing).

pub mod edns;
pub mod frame;
pub mod query;
pub mod tcp;
pub mod tsig;
pub mod types;
pub mod update;
