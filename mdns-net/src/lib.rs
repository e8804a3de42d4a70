#![doc = include_str!("../README.md")]
//!
//! ## What lives where
//! - [`socket`]: [`MdnsSocket`], a nonblocking UDP socket set up for mDNS (port 5353 or
//!   ephemeral, IPv4 or IPv6), with group join/leave, a receive that reports interface,
//!   destination and TTL, and a send that picks the outgoing interface.
//! - [`cmsg`]: the control messages of those calls, as bytes, in each OS's dialect.
//! - [`iface`]: interface snapshots, selection ([`InterfaceConfig`], [`Skip`]; names,
//!   indexes and patterns to use or exclude, and the [default
//!   policy](iface#the-default-policy)) and diffing into [`InterfaceEvent`]s. Pure.
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
//! **Faults**: an interface that is down, not multicast capable, loopback,
//! point-to-point (most VPN adapters) or a container / VM interface ([`VIRTUAL_INTERFACES`];
//! the last two used only when named in [`InterfaceConfig::only`]), or excluded by the
//! configuration, is skipped with one `tracing` line saying why ([`Skip`]). A group join that fails (a
//! permission error, an adapter that vanished) is a `warn` line; that family of that
//! interface is left out, the others are served, and the join is retried with backoff.
//! An interface list that can't be read (an rtnetlink dump interrupted by a concurrent
//! change any number of times, a failing `GetAdaptersAddresses` or `getifaddrs`) keeps
//! the last list and is retried with backoff (20 ms doubling to 30 s). Nothing here
//! stops the service.
//!
//! **Sharing port 5353 with the system's daemon** (avahi-daemon, mDNSResponder,
//! systemd-resolved): every port 5353 socket binds with `SO_REUSEADDR` (and
//! `SO_REUSEPORT` on Unix), as the daemons' do, so each of them receives every multicast
//! datagram: our browse, resolve, lookup and register work beside the daemon, and the
//! daemon's beside ours (the interop suite's `shared-port-beside-avahi` runs both in one
//! namespace). A *unicast* datagram to port 5353, though, reaches only one of those
//! sockets, and which one is the kernel's choice (RFC 6762 §15.1). What the stack does
//! about it:
//! - When the service opens, it tries to bind port 5353 without the reuse options; if
//!   that fails, another socket holds the port, and the engine asks for no unicast
//!   reply ([`mdns_sansio::Config::request_unicast_responses`] off): no question and no
//!   probe carries the QU bit, so every answer comes by multicast, which reaches every
//!   socket (RFC 6762 §15.1; `shared-port-no-qu` checks it on the wire). The test is
//!   made once, at open: a daemon started after us finds the port held by us.
//! - A QU question from another process on this host is answered by multicast, not by
//!   unicast to its port 5353, which might be ours rather than its.
//! - A legacy unicast query (RFC 6762 §6.7) sent to this host's address and port 5353
//!   reaches one responder only: if that is the daemon, it answers for its records and
//!   ours stay silent. Send such queries to 224.0.0.251 / ff02::fb, which reach all.
//!   Our own one-shot queries leave from an ephemeral port, whose replies reach us
//!   alone.
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
//! **What the adapters do per system**: the [`Driver`] / [`service::Service`] give
//! readiness handles ([`BorrowedSource`] / [`RawSource`]): file descriptors on Unix,
//! `SOCKET`s on Windows. [`service::AsyncLoop`] hands them to a runtime as
//! [`service::SourceHandle`]s (`AsFd` on Unix, `AsSocket` on Windows).
//! - `mdns-smol` registers them with async-io's `Async` on every system: epoll or
//!   kqueue on Linux, Android, macOS, iOS and FreeBSD; IOCP with AFD polling on Windows
//!   (which Wine 8 emulates).
//! - `mdns-tokio` registers them with `AsyncFd` on Unix. tokio has no `AsyncFd` on
//!   Windows, and no readiness for a socket it does not own, so there it runs the
//!   blocking loop on a thread of its own ([`service::Service::spawn_thread`], waiting
//!   in `WSAPoll`) and awaits the thread's end on tokio's blocking pool; the API is
//!   channels, so nothing else differs.
//! - `mdns-blocking` runs that thread on every system.
//!
//! The Windows `mdns` (on `mdns-blocking`) and the tokio and smol adapters' examples run
//! on the wire under Wine against Avahi and python-zeroconf, on a host with a decoy
//! interface (`interop/windows.sh`, called by `scripts/test-windows.sh`).
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
    Skip, VIRTUAL_INTERFACES,
};
pub use poll::{wait_fds, Waker};
pub use socket::{MdnsSocket, Received};
pub use sys::{raw_source, AsSource, BorrowedSource, OutInterface, RawSource};
pub use watch::{InterfaceSource, InterfaceWatcher, SnapshotError};
