//! `mdns-proto`: a sans-IO core for Multicast DNS (RFC 6762) and DNS-Based Service
//! Discovery (RFC 6763).
//!
//! The crate owns no sockets, no clock, no threads and no OS randomness. It takes
//! datagrams and timestamps in and hands back packets to send, the next timer to set and
//! events, in the style of `quinn-proto`. The same inputs and the same seed give the same
//! outputs, byte for byte.
//!
//! Layout:
//! - [`wire`]: the DNS message format, read zero-copy and written into caller buffers.
//! - [`name`]: the owned, case-preserving, case-insensitively compared domain [`Name`].
//! - [`sd`]: DNS-SD names and data: [`ServiceType`], [`InstanceName`], [`Txt`].
//! - [`time`] and [`rand`]: the core's own clock type and seeded random numbers.
#![no_std]
#![forbid(unsafe_code)]
#![warn(missing_docs)]

extern crate alloc;
#[cfg(feature = "std")]
extern crate std;

pub mod engine;
pub mod name;
pub mod rand;
pub mod sd;
pub mod time;
pub mod util;
pub mod wire;

pub use engine::{Config, Engine, Event};
pub use name::{Name, NameError};
pub use sd::{InstanceName, ServiceType, Txt, TxtEntry};
pub use time::Instant;
