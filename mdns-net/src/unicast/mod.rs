//! The sockets of the unicast DNS backend ([`dnssd_unicast::backend::UnicastBackend`]
//! inside the client layer): one UDP socket per address family, opened with the
//! service (in the opening thread's network namespace, as the mDNS sockets), and the
//! nonblocking TCP connections the backend asks for (a truncated answer asked
//! again over TCP, an update too large for UDP). [`UnicastIo`] only moves bytes and
//! readiness: it hands what arrives to the backend (through
//! `mdns_sansio_client::Client::backend_input`, so the layer routes what it reports) and sends
//! what the backend wants sent; every decision (ids, retries, which server, when to
//! give a connection up) is the backend's.
//!
//! Its sockets are extra sources of the service loop ([`SourceId::DnsUdp`],
//! [`SourceId::DnsTcp`]), waited on with the mDNS ones. They come and go: a socket
//! that leaves [`UnicastIo::sources`] stays open until the next [`UnicastIo::poll`], so a
//! runtime that registered it drops the registration (before stepping the loop again)
//! while the descriptor is still the one it registered.
//!
//! Faults: a UDP send that fails (no route, would block) loses the datagram, which the
//! backend sends again on its timer; a connection that cannot be made, fails, or is
//! closed by the server is reported to the backend (`handle_tcp_closed`), which moves
//! on to its next attempt.

mod tcp;

use std::collections::BTreeMap;
use std::io;
use std::net::{SocketAddr, UdpSocket};

use dnssd_unicast::backend::UnicastBackend;
use dnssd_unicast::client::{ConnId, Transmit};
use mdns_sansio::engine::Family;
use mdns_sansio::Instant;
use mdns_sansio_client::Client;

use crate::driver::SourceId;
use crate::sys::BorrowedSource;
use tcp::Conn;

/// The client layer with its unicast backend: the core the service loop runs.
pub type ServiceClient = Client<UnicastBackend>;

/// Largest DNS message over UDP we read (RFC 6891 §6.2.5 allows up to 65,535).
const MAX_UDP: usize = 65_535;

/// Datagrams or reads per socket per [`UnicastIo::poll`] before the others get a turn.
const BUDGET: usize = 64;

/// The backend's sockets. See the module docs.
#[derive(Debug)]
pub struct UnicastIo {
    udp4: Option<UdpSocket>,
    udp6: Option<UdpSocket>,
    tcp: BTreeMap<ConnId, Conn>,
    /// Sockets closed since the last poll, kept open until the next one.
    retired: Vec<std::net::TcpStream>,
    buf: Vec<u8>,
    stats: UnicastStats,
}

/// Counters of the unicast sockets, for tests and diagnostics.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct UnicastStats {
    /// UDP datagrams handed to the backend.
    pub received: u64,
    /// UDP datagrams sent.
    pub sent: u64,
    /// UDP datagrams that could not be sent (the backend sends again on its timer).
    pub send_failed: u64,
    /// TCP connections opened.
    pub connections: u64,
    /// TCP connections that failed or were closed by the server.
    pub connections_failed: u64,
}

impl UnicastIo {
    /// Opens the UDP socket of each family now, in the calling thread's network
    /// namespace (Linux), like the driver's sockets: a family whose socket cannot be
    /// opened (no IPv6) is tried again on first use. TCP connections are opened when
    /// the backend asks, by the thread running the loop.
    pub fn open() -> Self {
        let mut io = UnicastIo {
            udp4: None,
            udp6: None,
            tcp: BTreeMap::new(),
            retired: Vec::new(),
            buf: vec![0; MAX_UDP],
            stats: UnicastStats::default(),
        };
        for family in [Family::V4, Family::V6] {
            if let Err(e) = io.socket(family) {
                tracing::debug!(?family, error = %e, "no unicast DNS socket for this family yet");
            }
        }
        io
    }

    /// Counters.
    pub fn stats(&self) -> UnicastStats {
        self.stats
    }

    /// Open TCP connections.
    pub fn connections(&self) -> usize {
        self.tcp.len()
    }

    /// Every socket to wait on for readability, named.
    pub fn sources(&self) -> impl Iterator<Item = (SourceId, BorrowedSource<'_>)> {
        let udp = [(Family::V4, &self.udp4), (Family::V6, &self.udp6)]
            .into_iter()
            .filter_map(|(f, s)| s.as_ref().map(|s| (SourceId::DnsUdp(f), source_of_udp(s))));
        udp.chain(
            self.tcp
                .iter()
                .map(|(id, c)| (SourceId::DnsTcp(id.0), c.source())),
        )
    }

    /// The sockets to wait on for writability: connections being opened, or with bytes
    /// the kernel did not take yet.
    pub fn writable(&self) -> impl Iterator<Item = SourceId> + '_ {
        self.tcp
            .iter()
            .filter(|(_, c)| c.wants_write())
            .map(|(id, _)| SourceId::DnsTcp(id.0))
    }

    /// Does all the unicast I/O there is without blocking: closes what was retired,
    /// moves connections on, reads every socket, and sends what the backend has.
    pub fn poll(&mut self, client: &mut ServiceClient, now: impl Fn() -> Instant) {
        self.retired.clear();
        self.receive_udp(client, &now);
        let ids: Vec<ConnId> = self.tcp.keys().copied().collect();
        for id in ids {
            self.progress(client, &now, id);
        }
        self.flush(client, &now);
    }

    /// Sends everything the backend has to send (after a command or a timer).
    pub fn flush(&mut self, client: &mut ServiceClient, now: &impl Fn() -> Instant) {
        // A transmit can fail at once (a refused connection), which the backend hears
        // about and answers with more transmits: loop until it has none.
        while let Some(t) = client.backend_mut().poll_transmit() {
            match t {
                Transmit::Udp { to, payload } => self.send_udp(to, &payload),
                Transmit::Tcp { conn, to, payload } => {
                    if let Some(c) = self.tcp.get_mut(&conn) {
                        c.queue(&payload);
                    } else {
                        match Conn::open(to, &payload) {
                            Ok(c) => {
                                self.stats.connections += 1;
                                self.tcp.insert(conn, c);
                            }
                            Err(e) => {
                                tracing::debug!(%to, error = %e, "DNS TCP connection failed");
                                self.stats.connections_failed += 1;
                                client.backend_input(now(), |b, t| b.handle_tcp_closed(t, conn));
                                continue;
                            }
                        }
                    }
                    self.progress(client, now, conn);
                }
                Transmit::TcpClose { conn } => {
                    if let Some(c) = self.tcp.remove(&conn) {
                        self.retired.push(c.into_stream());
                    }
                }
            }
        }
    }

    fn socket(&mut self, family: Family) -> io::Result<&UdpSocket> {
        let slot = match family {
            Family::V4 => &mut self.udp4,
            Family::V6 => &mut self.udp6,
        };
        if slot.is_none() {
            let bind: SocketAddr = match family {
                Family::V4 => (std::net::Ipv4Addr::UNSPECIFIED, 0).into(),
                Family::V6 => (std::net::Ipv6Addr::UNSPECIFIED, 0).into(),
            };
            let s = UdpSocket::bind(bind)?;
            s.set_nonblocking(true)?;
            *slot = Some(s);
        }
        Ok(slot.as_ref().expect("just opened"))
    }

    fn send_udp(&mut self, to: SocketAddr, payload: &[u8]) {
        let r = self
            .socket(Family::of(&to.ip()))
            .and_then(|s| s.send_to(payload, to));
        match r {
            Ok(_) => self.stats.sent += 1,
            Err(e) => {
                tracing::debug!(%to, error = %e, "DNS datagram not sent (the backend retries)");
                self.stats.send_failed += 1;
            }
        }
    }

    fn receive_udp(&mut self, client: &mut ServiceClient, now: &impl Fn() -> Instant) {
        for family in [Family::V4, Family::V6] {
            let sock = match family {
                Family::V4 => &self.udp4,
                Family::V6 => &self.udp6,
            };
            let Some(sock) = sock else { continue };
            for _ in 0..BUDGET {
                match sock.recv_from(&mut self.buf) {
                    Ok((n, from)) => {
                        self.stats.received += 1;
                        let bytes = &self.buf[..n];
                        client.backend_input(now(), |b, t| b.handle_datagram(t, from, bytes));
                    }
                    Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                    // An ICMP error of an earlier send (port unreachable): the datagram
                    // is lost, the backend retries. Other errors: the same.
                    Err(e) => {
                        tracing::trace!(error = %e, "DNS socket receive error");
                        if e.kind() != io::ErrorKind::ConnectionRefused
                            && e.kind() != io::ErrorKind::ConnectionReset
                        {
                            break;
                        }
                    }
                }
            }
        }
    }

    /// Moves one connection on: connect completion, pending bytes out, bytes in.
    fn progress(&mut self, client: &mut ServiceClient, now: &impl Fn() -> Instant, id: ConnId) {
        let Some(c) = self.tcp.get_mut(&id) else {
            return;
        };
        let p = c.progress(&mut self.buf, BUDGET);
        for bytes in p.read {
            client.backend_input(now(), |b, t| b.handle_tcp(t, id, &bytes));
        }
        let Some(why) = p.closed else {
            return;
        };
        match &why {
            Some(e) => tracing::debug!(conn = id.0, error = %e, "DNS TCP connection failed"),
            None => tracing::trace!(conn = id.0, "DNS TCP connection closed by the server"),
        }
        if why.is_some() {
            self.stats.connections_failed += 1;
        }
        if let Some(c) = self.tcp.remove(&id) {
            self.retired.push(c.into_stream());
        }
        client.backend_input(now(), |b, t| b.handle_tcp_closed(t, id));
    }
}

#[cfg(unix)]
fn source_of_udp(s: &UdpSocket) -> BorrowedSource<'_> {
    std::os::fd::AsFd::as_fd(s)
}

#[cfg(windows)]
fn source_of_udp(s: &UdpSocket) -> BorrowedSource<'_> {
    std::os::windows::io::AsSocket::as_socket(s)
}
