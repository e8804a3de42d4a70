#![doc = include_str!("../README.md")]
//!
//! # The crate
//!
//! It is `no_std` + `alloc` (the RustCrypto `hmac` and `sha2` crates, `base64` and
//! `zeroize` all build without `std`), so that the same client can run wherever the
//! mDNS core runs. The `std` feature (on by default) adds the system resolver
//! configuration reader ([`resolv::system`]), a blocking driver over real sockets
//! ([`blocking`]).
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
//! - `backend` (feature `backend`): the client as the unicast backend of the client
//!   layer (`mdns-sansio-client`), which the runtime adapters run: one API for `local.` and
//!   every other domain.
#![no_std]
#![cfg_attr(docsrs, feature(doc_cfg))]
#![forbid(unsafe_code)]
#![warn(missing_docs)]

extern crate alloc;
#[cfg(feature = "std")]
extern crate std;

#[cfg(feature = "backend")]
pub mod backend;
#[cfg(feature = "std")]
pub mod blocking;
pub mod client;
pub mod key;
pub mod names;
pub mod resolv;
pub mod wire;

pub use client::{Client, ClientConfig, Event};
pub use key::{Algorithm, KeyFileError, TsigKey};
pub use mdns_sansio::Instant;
