//! One nonblocking TCP connection to a DNS server: opened without waiting
//! (`connect` in progress), bytes queued until the kernel takes them, bytes read as
//! they come. Whether the connect has finished is asked of the socket itself
//! (`SO_ERROR`, then `getpeername`), so any wake-up may move it on, not only its
//! writability.

use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpStream};

use socket2::{Domain, Protocol, SockAddr, Socket, Type};

use crate::sys::BorrowedSource;

/// A connection and the bytes it still has to write.
#[derive(Debug)]
pub(super) struct Conn {
    stream: TcpStream,
    connected: bool,
    out: Vec<u8>,
}

/// What moving a connection on gave.
#[derive(Debug, Default)]
pub(super) struct Progress {
    /// Bytes read, in order.
    pub read: Vec<Vec<u8>>,
    /// The connection is over: `Some(None)` closed by the server, `Some(Some(e))`
    /// failed.
    pub closed: Option<Option<io::Error>>,
}

impl Conn {
    /// Starts connecting to `to`, with `first` to write once connected.
    pub(super) fn open(to: SocketAddr, first: &[u8]) -> io::Result<Conn> {
        let socket = Socket::new(Domain::for_address(to), Type::STREAM, Some(Protocol::TCP))?;
        socket.set_nonblocking(true)?;
        socket.set_tcp_nodelay(true)?;
        match socket.connect(&SockAddr::from(to)) {
            Ok(()) => {}
            Err(e) if in_progress(&e) => {}
            Err(e) => return Err(e),
        }
        Ok(Conn {
            stream: socket.into(),
            connected: false,
            out: first.to_vec(),
        })
    }

    /// Queues more bytes (another request on the same connection).
    pub(super) fn queue(&mut self, bytes: &[u8]) {
        self.out.extend_from_slice(bytes);
    }

    /// True while it waits to be writable: connecting, or bytes left to write.
    pub(super) fn wants_write(&self) -> bool {
        !self.connected || !self.out.is_empty()
    }

    pub(super) fn source(&self) -> BorrowedSource<'_> {
        #[cfg(unix)]
        {
            std::os::fd::AsFd::as_fd(&self.stream)
        }
        #[cfg(windows)]
        {
            std::os::windows::io::AsSocket::as_socket(&self.stream)
        }
    }

    pub(super) fn into_stream(self) -> TcpStream {
        self.stream
    }

    /// Finishes the connect if it has, writes what the kernel takes, reads up to
    /// `budget` times.
    pub(super) fn progress(&mut self, buf: &mut [u8], budget: usize) -> Progress {
        let mut p = Progress::default();
        if !self.connected {
            match self.stream.take_error() {
                Ok(Some(e)) | Err(e) => {
                    p.closed = Some(Some(e));
                    return p;
                }
                Ok(None) => {}
            }
            match self.stream.peer_addr() {
                Ok(_) => self.connected = true,
                // Not connected yet (ENOTCONN / WSAENOTCONN): wait for writability.
                Err(e) if e.kind() == io::ErrorKind::NotConnected => return p,
                Err(e) => {
                    p.closed = Some(Some(e));
                    return p;
                }
            }
        }
        while !self.out.is_empty() {
            match self.stream.write(&self.out) {
                Ok(0) => {
                    p.closed = Some(Some(io::ErrorKind::WriteZero.into()));
                    return p;
                }
                Ok(n) => {
                    self.out.drain(..n);
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => {
                    p.closed = Some(Some(e));
                    return p;
                }
            }
        }
        for _ in 0..budget {
            match self.stream.read(buf) {
                Ok(0) => {
                    p.closed = Some(None);
                    break;
                }
                Ok(n) => p.read.push(buf[..n].to_vec()),
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => {
                    p.closed = Some(Some(e));
                    break;
                }
            }
        }
        p
    }
}

/// A nonblocking connect that has started: `EINPROGRESS` on Unix, `WSAEWOULDBLOCK`
/// on Windows.
fn in_progress(e: &io::Error) -> bool {
    #[cfg(unix)]
    {
        e.raw_os_error() == Some(libc::EINPROGRESS) || e.kind() == io::ErrorKind::WouldBlock
    }
    #[cfg(windows)]
    {
        e.kind() == io::ErrorKind::WouldBlock
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::TcpListener;

    /// Drives `c` until `done` or 5 s pass (real sockets on loopback).
    fn drive(c: &mut Conn, mut done: impl FnMut(&Progress) -> bool) -> Vec<u8> {
        let mut buf = vec![0; 4096];
        let mut got = Vec::new();
        let end = std::time::Instant::now() + std::time::Duration::from_secs(5);
        while std::time::Instant::now() < end {
            let p = c.progress(&mut buf, 8);
            for r in &p.read {
                got.extend_from_slice(r);
            }
            if done(&p) {
                return got;
            }
            let w: Vec<BorrowedSource<'_>> = if c.wants_write() {
                vec![c.source()]
            } else {
                vec![]
            };
            crate::poll::wait_fds(
                &[c.source()],
                &w,
                Some(std::time::Instant::now() + std::time::Duration::from_millis(50)),
            )
            .unwrap();
        }
        panic!("connection made no progress in 5 s");
    }

    #[test]
    fn connects_writes_reads_and_sees_the_close() {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        let to = l.local_addr().unwrap();
        let mut c = Conn::open(to, b"\x00\x02hi").unwrap();
        assert!(c.wants_write());
        let server = std::thread::spawn(move || {
            let (mut s, _) = l.accept().unwrap();
            let mut req = [0u8; 4];
            s.read_exact(&mut req).unwrap();
            s.write_all(b"\x00\x02ok").unwrap();
            req
        });
        let got = drive(&mut c, |p| p.closed.is_some());
        assert_eq!(got, b"\x00\x02ok");
        assert_eq!(&server.join().unwrap(), b"\x00\x02hi");
        assert!(!c.wants_write());
    }

    #[test]
    fn a_refused_connection_is_reported_failed() {
        // A port nobody listens on: bind, learn the port, close.
        let to = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap();
        match Conn::open(to, b"x") {
            Ok(mut c) => {
                drive(&mut c, |p| matches!(p.closed, Some(Some(_))));
            }
            // Refused at once is the same outcome.
            Err(e) => assert_eq!(e.kind(), io::ErrorKind::ConnectionRefused, "{e}"),
        }
    }
}
