//! `dnssd-unicast`: DNS-Based Service Discovery (RFC 6763) through ordinary DNS servers,
//! sans-IO.
//!
//! Multicast DNS stops at the link; beyond it the same DNS-SD records live in a DNS
//! zone. This crate browses and resolves them with unicast queries, and publishes
//! services with DNS UPDATE (RFC 2136) signed with TSIG (RFC 8945), against the servers
//! a network already runs (BIND, Knot, ...).
//!
//! Like `mdns-proto`, whose wire reader and writer it builds on, the crate owns no
//! socket, no clock and no OS randomness: datagrams, TCP bytes and timestamps go in;
//! datagrams, TCP bytes, the next timer and events come out, in the style of
//! `quinn-proto`. Same inputs, same seed, same outputs.
//!
//! It is `no_std` + `alloc` (the RustCrypto `hmac` and `sha2` crates, `base64` and
//! `zeroize` all build without `std`), so that the same client can run wherever the
//! mDNS core runs. The `std` feature (on by default) adds the system resolver
//! configuration reader ([`resolv::system`]), a blocking driver over real sockets
//! ([`blocking`]) and `std::error::Error` impls.
//!
//! Layout:
//! - [`wire`]: EDNS(0), UPDATE, TSIG, TCP framing, query and answer reading.
//! - [`key`]: TSIG keys and BIND's key file format.
//! - [`names`]: the DNS-SD names in a unicast domain: service types, instances,
//!   subtypes, domain enumeration and reverse-mapping names.
//! - [`resolv`]: `resolv.conf` text: name servers and search domains.
//! - [`client`]: the sans-IO client: transactions (ids, retries, servers, TCP),
//!   browse / resolve / host look-up / domain enumeration with refresh before expiry,
//!   and publishing with DNS UPDATE and leases.
#![no_std]
#![forbid(unsafe_code)]
#![warn(missing_docs)]

extern crate alloc;
#[cfg(feature = "std")]
extern crate std;

#[cfg(feature = "std")]
pub mod blocking;
pub mod client;
pub mod key;
pub mod names;
pub mod resolv;
pub mod wire;

pub use client::{Client, ClientConfig, Event};
pub use key::{Algorithm, KeyFileError, TsigKey};
pub use mdns_proto::Instant;
