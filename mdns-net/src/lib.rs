#![doc = include_str!("../README.md")]
//!
//! ## What lives where
//! - [`socket`]: [`MdnsSocket`], a nonblocking UDP socket set up for mDNS (port 5353 or
//!   ephemeral, IPv4 or IPv6), with group join/leave, a receive that reports interface,
//!   destination and TTL, and a send that picks the outgoing interface.
//! - [`cmsg`]: the control messages of those calls, as bytes, in each OS's dialect.
//! - [`iface`]: interface snapshots, selection ([`InterfaceConfig`], [`Skip`]) and diffing
//!   into [`InterfaceEvent`]s. Pure.
//! - [`watch`]: the [`InterfaceWatcher`] over an [`InterfaceSource`] (the OS's, or the
//!   application's): when to re-read the list, and what to do when reading fails.
//! - [`driver`]: the [`Core`] trait the protocol engine and the client layer
//!   (`mdns-sansio-client`) implement, the [`Clock`] that maps OS time to the core's
//!   [`Instant`](mdns_sansio::Instant) (the one place the OS clock is read), and the
//!   [`Driver`] pump with its [`Driver::poll_io`] → [`Next`] contract.
//! - [`poll`]: [`wait_fds`] (`poll(2)` / `WSAPoll`) and a cross-thread [`Waker`] for the
//!   blocking adapter.
//! - [`sys`]: the platform seam (one module per OS family below it) and the portable
//!   handle types [`RawSource`], [`BorrowedSource`], [`AsSource`].
//! - [`unicast`]: the unicast DNS backend's sockets (UDP, nonblocking TCP), moved by
//!   the service loop beside the driver's.
//! - [`service`]: the layer above the pump that all adapters share: the thin loop
//!   ([`service::Service`]: command channel in, driver and client layer, events out),
//!   the one API ([`service::Handle`], [`service::Reply`], [`service::Subscription`]),
//!   the async runtime seam ([`service::Reactor`]), and the public types (config,
//!   service info, events, error).
//!
//! ## Platforms
//!
//! The same types on every system; below [`sys`], one module per OS family:
//!
//! | | Linux, Android | macOS, iOS, FreeBSD | Windows |
//! |---|---|---|---|
//! | receive | `recvmsg`: `IP_PKTINFO`, `IP_RECVTTL`, `IPV6_RECVPKTINFO`, `IPV6_RECVHOPLIMIT` | `recvmsg`: `IP_PKTINFO` (Apple) or `IP_RECVIF` + `IP_RECVDSTADDR` (FreeBSD), `IP_RECVTTL`, `IPV6_RECVPKTINFO`, `IPV6_RECVHOPLIMIT` | `WSARecvMsg`: `IP_PKTINFO`, `IP_RECVTTL`, `IPV6_PKTINFO`, `IPV6_HOPLIMIT` |
//! | outgoing interface | `IP_PKTINFO` / `IPV6_PKTINFO` on `sendmsg` | `IPV6_PKTINFO` (+ `IP_PKTINFO` on Apple), and `IP_MULTICAST_IF` by address / `IPV6_MULTICAST_IF` when it changes | `IN_PKTINFO` / `IN6_PKTINFO` on `WSASendMsg`, and `IP_MULTICAST_IF` by address / `IPV6_MULTICAST_IF` when it changes |
//! | IPv4 join | by index (`ip_mreqn`) | by interface address | by interface address |
//! | port sharing | `SO_REUSEADDR` + `SO_REUSEPORT`; `IP_MULTICAST_ALL` off | `SO_REUSEADDR` + `SO_REUSEPORT` | `SO_REUSEADDR` |
//! | interface list | rtnetlink dump; `getifaddrs` where netlink is refused | `getifaddrs` | `GetAdaptersAddresses` |
//! | changes | `NETLINK_ROUTE` groups (readable fd); else a 5 s re-read | `PF_ROUTE` socket (readable fd); iOS: a 5 s re-read | `NotifyIpInterfaceChange` + `NotifyUnicastIpAddressChange` making a loopback socket readable, and a 5 s re-read |
//! | waker, wait | `eventfd`, `poll(2)` | socket pair, `poll(2)` | loopback UDP socket, `WSAPoll` |
//!
//! Crates: `socket2` for the socket options it has, `libc` for the rest on Unix,
//! `windows-sys` for Winsock and the IP Helper API, `netlink-sys` / `netlink-packet-route`
//! (Linux and Android only) for rtnetlink. `if-watch`, `if-addrs` and `netdev` were
//! looked at and not used: `if-watch` reports address up/down only, with no interface
//! index, link state or flags (and polls `if-addrs` every 10 s on FreeBSD and Android);
//! `if-addrs` has no flags beyond loopback and no change signal; `netdev` enumerates but
//! does not watch. What we need from each OS (index, flags, prefix lengths, DAD state, a
//! readable handle on change) is a few hundred lines per OS, parsed by pure functions
//! (`getifaddrs` entries, `GetAdaptersAddresses` records, routing-message types) that are
//! unit-tested on every build host.
//!
//! **Where a system lacks a facility**: no TTL / hop limit on receive (a kernel without
//! `IP_RECVTTL`): [`Received::info`] has `ttl: None` and the engine skips the RFC 6762 §11
//! TTL-255 check rather than dropping everything. No arrival interface on a datagram: it
//! is credited to the one interface in use whose subnet holds the source address, and
//! dropped (counted in [`Stats::dropped_rx`]) when none or several do (a link-local
//! source on two links). No change signal (iOS, Android apps without netlink, Wine): the
//! list is re-read every 5 s, a deadline folded into [`Next::deadline`]. Each has a test
//! (`cmsg`, `arrival`, `watch` modules).
//!
//! **Sharing port 5353 with a system responder** (Avahi, Bonjour's mDNSResponder, the
//! Windows mDNS service, another copy of this stack): the port 5353 sockets bind with
//! the reuse options of the table above, so they open beside the system's, never
//! instead of it, and every socket that joined the group gets every multicast datagram.
//! A unicast datagram to port 5353, though, reaches only one of them (RFC 6762 §15.1).
//! So, when [`service::Service::open`] finds the port already bound on the host (a
//! plain bind of `0.0.0.0:5353` fails with "address in use"), the engine asks no
//! question with the QU bit (RFC 6762 §5.4): every answer it needs then comes by
//! multicast ([`mdns_sansio::Config::request_unicast_responses`], logged at `debug`).
//! And a query from an address of this host (the system daemon's, or ours looped back)
//! is always answered by multicast, whatever its QU bit. One-shot queries are sent from
//! an ephemeral port of their own (RFC 6762 §5.1), so their unicast answers reach us.
//! The system daemon and we are two responders on the host: give our services names
//! the daemon does not publish (the default host name is `<machine>-mdns.local.`, not
//! the machine's own, which the daemon owns).
//!
//! **Faults**: an interface that is down, not multicast capable, loopback, or
//! point-to-point (most VPN adapters; used only when named in [`InterfaceConfig::only`])
//! is skipped with one `tracing` line saying why ([`Skip`]). A group join that fails (a
//! permission error, an adapter that vanished) is a `warn` line; that family of that
//! interface is left out, the others are served, and the join is retried with backoff.
//! An interface list that can't be read (an rtnetlink dump interrupted by a concurrent
//! change any number of times, a failing `GetAdaptersAddresses` or `getifaddrs`) keeps
//! the last list and is retried with backoff (20 ms doubling to 30 s). Nothing here
//! stops the service.
//!
//! **Windows and Wine**: the Windows code runs its unit tests and a wire exchange under
//! Wine 8 (`scripts/test-windows.sh`). Wine does not show: IPv4 joins and
//! `IP_MULTICAST_IF` by index (it refuses `0.0.0.idx`; we use addresses), `IN_PKTINFO`
//! on send (it ignores it; measured: with `IP_MULTICAST_IF` left unset IPv4 multicast
//! does not leave, which is why the option is set), the IP Helper notifications (never
//! fired; the 5 s re-read is what picks up a change there), `Ipv6IfIndex` (always 0; we
//! use `IfIndex`). Those paths are covered by unit tests of the logic: control-message
//! building in the Windows dialect, adapter records to snapshots, the selection and
//! join tables, the watcher's schedule.
//!
//! **Android**: an app must hold a `WifiManager.MulticastLock` (permission
//! `CHANGE_WIFI_MULTICAST_STATE`) or the Wi-Fi driver drops multicast before any socket
//! sees it; from Android 11 an app may be refused netlink, and then the list comes from
//! `getifaddrs` every 5 s (or from the app itself, through an [`InterfaceSource`] fed by
//! `ConnectivityManager`, with [`Driver::with_interface_source`]).
//!
//! **What the adapters need per system**: the [`Driver`] / [`service::Service`] give
//! handles ([`BorrowedSource`] / [`RawSource`]) that are file descriptors on Unix and
//! `SOCKET`s on Windows. On Linux, Android, macOS, iOS and FreeBSD tokio's `AsyncFd` and
//! async-io's `Async` register them as today (epoll / kqueue). On Windows tokio has no
//! `AsyncFd`: run the blocking loop ([`service::Service::run_blocking`]) on a thread;
//! async-io's `Async` takes any `AsSocket` there.
//!
//! Everything opens in the network namespace of the calling thread (Linux), except the
//! TCP connections of unicast DNS ([`unicast`]), which the thread running the loop opens
//! when the backend needs one: a program that gives threads namespaces of their own
//! runs the loop on a thread of the right one (the blocking adapter's thread is spawned
//! by the caller; an async runtime's threads are its own).
//!
//! Diagnostics go through `tracing` and cost nothing unless a subscriber is installed.
#![cfg_attr(docsrs, feature(doc_cfg))]
#![warn(missing_docs)]

mod arrival;
pub mod cmsg;
pub mod driver;
pub mod iface;
mod membership;
pub mod poll;
pub mod service;
mod snapshot;
pub mod socket;
pub mod sys;
pub mod unicast;
pub mod watch;

pub use driver::{Clock, Config, Core, Driver, Next, SourceId, Stats};
pub use iface::{
    ActiveInterface, Interface, InterfaceConfig, InterfaceEvent, InterfaceSelector, InterfaceSet,
    Skip,
};
pub use poll::{wait_fds, Waker};
pub use socket::{MdnsSocket, Received};
pub use sys::{raw_source, AsSource, BorrowedSource, OutInterface, RawSource};
pub use watch::{InterfaceSource, InterfaceWatcher, SnapshotError};
