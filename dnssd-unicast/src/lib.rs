//! `dnssd-unicast`: DNS-Based Service Discovery (RFC 6763) through ordinary DNS servers,
//! sans-IO.
//!
//! Multicast DNS stops at the link; beyond it the same DNS-SD records live in a DNS
//! zone. This crate browses and resolves them with unicast queries, and publishes
//! services with DNS UPDATE (RFC 2136) signed with TSIG (RFC 8945), against the servers
//! a network already runs (BIND, Knot, ...).
//!
//! Like `mdns-sansio`, whose wire reader and writer it builds on, the crate owns no
//! socket, no clock and no OS randomness: datagrams, TCP bytes and timestamps go in;
//! datagrams, TCP bytes, the next timer and events come out, in the style of
//! `quinn-proto`. Same inputs, same seed, same outputs.
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
//!
//! A browse, driven by hand (no socket: the caller moves the bytes):
//!
//! ```
//! use dnssd_unicast::client::{DomainConfig, SubId, Transmit};
//! use dnssd_unicast::{Client, ClientConfig, Instant};
//! use mdns_sansio::{sd::ServiceType, Name};
//!
//! let domain = Name::parse("example.com.").unwrap();
//! let mut config = ClientConfig::default(); // or ClientConfig::system(): resolv.conf
//! config.domains.push(DomainConfig::new(domain.clone(), vec!["192.0.2.53:53".parse().unwrap()]));
//! let mut client = Client::new(config, 0x5eed); // seed from the OS in real use
//! let http = ServiceType::new("_http._tcp").unwrap();
//! client.browse(Instant::ZERO, SubId(1), &http, &domain).unwrap();
//! // A PTR query for _http._tcp.example.com. to send; hand the answer to
//! // `handle_datagram`, call `handle_timeout` at `poll_timeout`, read `poll_event`.
//! let Some(Transmit::Udp { to, payload }) = client.poll_transmit() else { panic!() };
//! assert_eq!(to.port(), 53);
//! assert!(payload.len() > 12);
//! ```
#![no_std]
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
