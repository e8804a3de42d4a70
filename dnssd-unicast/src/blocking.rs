//! A blocking driver: real sockets and the clock around a [`Client`], for programs
//! that want no async runtime, for the tests against real DNS servers, and as the
//! model of the adapters' pump.
//!
//! It only moves bytes and time: UDP datagrams through one socket per address family,
//! TCP exchanges on a blocking stream (connect, write the framed request, read one
//! framed answer, with timeouts), and `std::time` for `now` and the Unix time that
//! TSIG needs. Everything that decides is the client's.

use crate::client::{Client, ClientConfig, ConnId, Event, Transmit};
use alloc::collections::BTreeMap;
use alloc::vec::Vec;
use core::time::Duration;
use mdns_sansio::Instant;
use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};
use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpStream, UdpSocket};
use std::time::{Instant as StdInstant, SystemTime, UNIX_EPOCH};

/// How long a TCP connect, write or read may take before the connection counts as
/// failed.
pub const TCP_TIMEOUT: Duration = Duration::from_secs(5);

/// Longest single wait for a datagram when both address families are in use (each
/// socket is waited on in turn).
const SLICE: Duration = Duration::from_millis(20);

/// A [`Client`] on real sockets.
pub struct BlockingDriver {
    client: Client,
    udp4: Option<UdpSocket>,
    udp6: Option<UdpSocket>,
    tcp: BTreeMap<ConnId, TcpStream>,
    epoch: StdInstant,
}

/// A seed from the OS's randomness (through the standard library's hasher keys).
pub fn os_seed() -> u64 {
    let mut h = RandomState::new().build_hasher();
    h.write_u64(0);
    h.finish()
}

impl BlockingDriver {
    /// A driver for a new client with `config`, seeded from the OS.
    pub fn new(config: ClientConfig) -> Self {
        let client = Client::new(config, os_seed());
        let mut d = BlockingDriver {
            client,
            udp4: None,
            udp6: None,
            tcp: BTreeMap::new(),
            epoch: StdInstant::now(),
        };
        d.sync_clock();
        d
    }

    /// The client, to subscribe, register and read events.
    pub fn client(&mut self) -> &mut Client {
        &mut self.client
    }

    /// The client's `now`.
    pub fn now(&self) -> Instant {
        Instant::from_micros(u64::try_from(self.epoch.elapsed().as_micros()).unwrap_or(u64::MAX))
    }

    fn sync_clock(&mut self) {
        let unix = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        let now = self.now();
        self.client.set_unix_time(now, unix);
    }

    /// Sends what the client has to send, waits at most `max_wait` for an answer or a
    /// timer, and hands both to the client.
    pub fn step(&mut self, max_wait: Duration) -> io::Result<()> {
        self.sync_clock();
        self.flush()?;
        let now = self.now();
        let wake = self.client.poll_timeout();
        let wait = match wake {
            Some(t) if t <= now => Duration::ZERO,
            Some(t) => (t - now).min(max_wait),
            None => max_wait,
        };
        self.receive(wait)?;
        let now = self.now();
        if self.client.poll_timeout().is_some_and(|t| t <= now) {
            self.client.handle_timeout(now);
        }
        self.flush()
    }

    /// Runs until `until` returns true for an event, or `timeout` passes. Returns every
    /// event seen, the matching one last, and whether one matched.
    pub fn run_until(
        &mut self,
        timeout: Duration,
        mut until: impl FnMut(&Event) -> bool,
    ) -> io::Result<(Vec<Event>, bool)> {
        let end = StdInstant::now() + timeout;
        let mut seen = Vec::new();
        loop {
            while let Some(e) = self.client.poll_event() {
                let stop = until(&e);
                seen.push(e);
                if stop {
                    return Ok((seen, true));
                }
            }
            let left = end.saturating_duration_since(StdInstant::now());
            if left.is_zero() {
                return Ok((seen, false));
            }
            self.step(left.min(Duration::from_millis(200)))?;
        }
    }

    /// Runs for `duration`, returning the events seen.
    pub fn run_for(&mut self, duration: Duration) -> io::Result<Vec<Event>> {
        self.run_until(duration, |_| false).map(|(v, _)| v)
    }

    fn socket(&mut self, to: SocketAddr) -> io::Result<&UdpSocket> {
        let slot = if to.is_ipv4() {
            &mut self.udp4
        } else {
            &mut self.udp6
        };
        if slot.is_none() {
            let bind: SocketAddr = if to.is_ipv4() {
                (std::net::Ipv4Addr::UNSPECIFIED, 0).into()
            } else {
                (std::net::Ipv6Addr::UNSPECIFIED, 0).into()
            };
            *slot = Some(UdpSocket::bind(bind)?);
        }
        Ok(slot.as_ref().expect("just bound"))
    }

    fn flush(&mut self) -> io::Result<()> {
        while let Some(t) = self.client.poll_transmit() {
            match t {
                Transmit::Udp { to, payload } => {
                    // A send error (no route) is a lost datagram: the client retries.
                    let _ = self.socket(to)?.send_to(&payload, to);
                }
                Transmit::Tcp { conn, to, payload } => self.tcp_exchange(conn, to, &payload),
                Transmit::TcpClose { conn } => {
                    self.tcp.remove(&conn);
                }
            }
        }
        Ok(())
    }

    /// Writes one framed request and reads one framed answer, blocking.
    fn tcp_exchange(&mut self, conn: ConnId, to: SocketAddr, payload: &[u8]) {
        let result = (|| -> io::Result<Vec<u8>> {
            let s = match self.tcp.entry(conn) {
                alloc::collections::btree_map::Entry::Occupied(e) => e.into_mut(),
                alloc::collections::btree_map::Entry::Vacant(v) => {
                    let s = TcpStream::connect_timeout(&to, TCP_TIMEOUT)?;
                    s.set_read_timeout(Some(TCP_TIMEOUT))?;
                    s.set_write_timeout(Some(TCP_TIMEOUT))?;
                    v.insert(s)
                }
            };
            s.write_all(payload)?;
            let mut len = [0u8; 2];
            s.read_exact(&mut len)?;
            let mut body = alloc::vec![0u8; usize::from(u16::from_be_bytes(len))];
            s.read_exact(&mut body)?;
            let mut framed = len.to_vec();
            framed.extend_from_slice(&body);
            Ok(framed)
        })();
        let now = self.now();
        match result {
            Ok(bytes) => self.client.handle_tcp(now, conn, &bytes),
            Err(_) => {
                self.tcp.remove(&conn);
                self.client.handle_tcp_closed(now, conn);
            }
        }
    }

    fn receive(&mut self, wait: Duration) -> io::Result<()> {
        let mut buf = [0u8; 65_535];
        let both = self.udp4.is_some() && self.udp6.is_some();
        let socks: Vec<&UdpSocket> = self.udp4.iter().chain(self.udp6.iter()).collect();
        if socks.is_empty() {
            if !wait.is_zero() {
                std::thread::sleep(wait);
            }
            return Ok(());
        }
        let per = if both { wait.min(SLICE) } else { wait };
        let mut got: Vec<(SocketAddr, Vec<u8>)> = Vec::new();
        for s in socks {
            if per.is_zero() {
                s.set_nonblocking(true)?;
            } else {
                s.set_nonblocking(false)?;
                s.set_read_timeout(Some(per))?;
            }
            loop {
                match s.recv_from(&mut buf) {
                    Ok((n, from)) => {
                        got.push((from, buf[..n].to_vec()));
                        // Drain what else is there without waiting.
                        s.set_nonblocking(true)?;
                    }
                    Err(e)
                        if matches!(
                            e.kind(),
                            io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                        ) =>
                    {
                        break
                    }
                    // ICMP port unreachable surfaces as a receive error: the datagram is
                    // lost, the client retries.
                    Err(e) if e.kind() == io::ErrorKind::ConnectionRefused => break,
                    Err(e) => return Err(e),
                }
            }
        }
        let now = self.now();
        for (from, bytes) in got {
            self.client.handle_datagram(now, from, &bytes);
        }
        Ok(())
    }
}
