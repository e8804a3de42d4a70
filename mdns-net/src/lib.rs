//! # mdns-net
//!
//! The OS side of mDNS, written once and shared by the runtime adapters (`mdns-tokio`,
//! `mdns-smol`, `mdns-blocking`): sockets, interface discovery and change watching, and
//! the pump that moves datagrams, timeouts and interface changes between the OS and the
//! sans-IO core (`mdns-proto`). The adapters add only "wait until a file descriptor is
//! ready or a deadline passes"; this crate owns no runtime and spawns no thread.
//!
//! ## What lives where
//! - [`socket`]: [`MdnsSocket`], a nonblocking UDP socket set up for mDNS (port 5353 or
//!   ephemeral, IPv4 or IPv6), with group join/leave, `recvmsg` that reports interface,
//!   destination and TTL, and `sendmsg` that picks the outgoing interface.
//! - [`cmsg`]: parsing and writing the ancillary data of those calls.
//! - [`iface`]: interface snapshots, selection ([`InterfaceConfig`]), diffing into
//!   [`InterfaceEvent`]s, and the rtnetlink [`InterfaceWatcher`].
//! - [`driver`]: the [`Core`] trait the protocol engine implements, the [`Clock`] that
//!   maps OS time to the core's [`Instant`](mdns_proto::Instant), and the [`Driver`]
//!   pump with its [`Driver::poll_io`] → [`Next`] contract.
//! - [`poll`]: `poll(2)` waiting and a cross-thread [`Waker`] for the blocking adapter.
//! - [`service`]: the layer above the pump that all adapters share: the loop state
//!   ([`service::Service`]) with command channel and event routing, the handles the
//!   application holds, and the public types (config, service info, events, error).
//!
//! ## OS facilities used (Linux)
//! - **Packet info**: `IP_PKTINFO` and `IP_RECVTTL` on IPv4, `IPV6_RECVPKTINFO` and
//!   `IPV6_RECVHOPLIMIT` on IPv6 give every received datagram its arrival interface
//!   index, the destination address of its IP header (multicast group or our unicast
//!   address) and its TTL / hop limit. Sends carry an `IP_PKTINFO` / `IPV6_PKTINFO`
//!   control message naming the outgoing interface; that selects the interface of a
//!   multicast send and of a unicast reply alike, with no per-send socket option.
//! - **Sockets**: `SO_REUSEADDR` + `SO_REUSEPORT` on port 5353 (share the port with Avahi
//!   and other responders), `IPV6_V6ONLY`, `IP_ADD_MEMBERSHIP` with `ip_mreqn` by
//!   interface index and `IPV6_ADD_MEMBERSHIP` per interface, `IP_MULTICAST_ALL` /
//!   `IPV6_MULTICAST_ALL` off, multicast loopback on, unicast and multicast TTL / hop
//!   limit 255 (RFC 6762 §11).
//! - **Interfaces**: an rtnetlink dump (`RTM_GETLINK`, `RTM_GETADDR`) for the list, and
//!   a `NETLINK_ROUTE` socket subscribed to `RTMGRP_LINK`, `RTMGRP_IPV4_IFADDR` and
//!   `RTMGRP_IPV6_IFADDR` for changes: its file descriptor turns readable on a change,
//!   so the wait for changes is the same wait as for datagrams, in any runtime.
//!
//! Everything opens in the network namespace of the calling thread.
//!
//! Diagnostics go through `tracing` and cost nothing unless a subscriber is installed.
//!
//! Linux only for now: other systems need their own packet-info options and route
//! sockets behind the same types.
#![warn(missing_docs)]

#[cfg(not(target_os = "linux"))]
compile_error!("mdns-net supports Linux only for now");

pub mod cmsg;
pub mod driver;
pub mod iface;
pub mod poll;
pub mod service;
pub mod socket;

pub use driver::{Clock, Config, Core, Driver, Next, SourceId, Stats};
pub use iface::{
    ActiveInterface, Interface, InterfaceConfig, InterfaceEvent, InterfaceSelector, InterfaceSet,
    InterfaceWatcher,
};
pub use poll::{wait_fds, Waker};
pub use socket::{MdnsSocket, Received};
