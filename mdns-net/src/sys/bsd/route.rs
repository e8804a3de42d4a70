//! A `PF_ROUTE` socket as the change signal of the interface list (macOS, FreeBSD).
//! Every routing message starts with `u_short msglen; u_char version; u_char type;`, so
//! the type is byte 3 of each message on every BSD; the interface-related types have the
//! same numbers on both systems.

use std::io;
use std::os::fd::{AsFd, BorrowedFd, FromRawFd, OwnedFd};

use crate::iface::Interface;
use crate::watch::{InterfaceSource, SnapshotError};

/// `RTM_NEWADDR`, `RTM_DELADDR`, `RTM_IFINFO`, `RTM_IFANNOUNCE` (FreeBSD; on Apple 0x11
/// is unused) and Apple's `RTM_IFINFO2`.
const INTERESTING: [u8; 5] = [0xc, 0xd, 0xe, 0x11, 0x12];

/// Whether a batch of routing messages (as read, one per `read`) says an interface or
/// address changed.
pub(crate) fn is_interface_change(msg: &[u8]) -> bool {
    msg.get(3).is_some_and(|t| INTERESTING.contains(t))
}

pub(crate) struct RouteSocket {
    fd: OwnedFd,
}

impl RouteSocket {
    pub(crate) fn new() -> io::Result<Self> {
        // SAFETY: plain syscall; the result is checked and owned below.
        let fd = unsafe { libc::socket(libc::PF_ROUTE, libc::SOCK_RAW, libc::AF_UNSPEC) };
        if fd < 0 {
            return Err(io::Error::last_os_error());
        }
        // SAFETY: a fresh descriptor nobody else owns.
        let fd = unsafe { OwnedFd::from_raw_fd(fd) };
        let sock = socket2::SockRef::from(&fd);
        sock.set_nonblocking(true)?;
        sock.set_cloexec(true)?;
        Ok(RouteSocket { fd })
    }
}

impl InterfaceSource for RouteSocket {
    fn changed(&mut self) -> io::Result<bool> {
        let mut any = false;
        let mut buf = [0u8; 2048];
        loop {
            // SAFETY: reads into a live buffer of its length.
            let n = unsafe {
                libc::read(
                    std::os::fd::AsRawFd::as_raw_fd(&self.fd),
                    buf.as_mut_ptr().cast(),
                    buf.len(),
                )
            };
            if n >= 0 {
                any |= is_interface_change(&buf[..n as usize]);
                continue;
            }
            let e = io::Error::last_os_error();
            match e.kind() {
                io::ErrorKind::WouldBlock => return Ok(any),
                io::ErrorKind::Interrupted => {}
                // ENOBUFS: messages were lost; read everything again.
                _ if e.raw_os_error() == Some(libc::ENOBUFS) => any = true,
                _ => return Err(e),
            }
        }
    }

    fn snapshot(&mut self) -> Result<Vec<Interface>, SnapshotError> {
        Ok(super::super::unix::getifaddrs_snapshot()?)
    }

    fn readiness(&self) -> Option<BorrowedFd<'_>> {
        Some(self.fd.as_fd())
    }
}
