//! The mDNS state machine: one [`Engine`] per host, driven quinn-style by
//! `handle_datagram`, `handle_timeout`, `poll_transmit`, `poll_timeout`, `poll_event`.
//!
//! Submodules: [`io`] holds the types that cross to the driver.

pub mod io;

pub use io::{Destination, Family, IfAddr, InterfaceId, RecvMeta, SourcePort, Transmit};
