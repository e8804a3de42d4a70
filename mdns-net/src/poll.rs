//! Waiting without a runtime: `poll(2)` over the driver's file descriptors, for the
//! blocking adapter (the async adapters register the same descriptors with tokio's
//! `AsyncFd` or async-io's `Async` instead), and a [`Waker`] that lets another thread
//! cut the wait short.

use std::io;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, FromRawFd, OwnedFd};
use std::sync::Arc;
use std::time::Instant as StdInstant;

use crate::driver::{Core, Driver, Next};

/// Wakes a thread blocked in [`Driver::wait_blocking`] (an `eventfd`). Cheap to clone;
/// `wake` may be called from any thread, any number of times.
#[derive(Clone, Debug)]
pub struct Waker {
    fd: Arc<OwnedFd>,
}

impl Waker {
    /// A new, unwoken waker.
    pub fn new() -> io::Result<Self> {
        // SAFETY: plain syscall; the result is checked and owned below.
        let fd = unsafe { libc::eventfd(0, libc::EFD_NONBLOCK | libc::EFD_CLOEXEC) };
        if fd < 0 {
            return Err(io::Error::last_os_error());
        }
        // SAFETY: `fd` is a fresh descriptor nobody else owns.
        let fd = unsafe { OwnedFd::from_raw_fd(fd) };
        Ok(Waker { fd: Arc::new(fd) })
    }

    /// Makes the waker's fd readable until [`reset`](Self::reset).
    pub fn wake(&self) {
        let one: u64 = 1;
        // SAFETY: writes 8 bytes from a live u64. A full counter (EAGAIN) is already
        // "woken", so the result doesn't matter.
        let _ = unsafe {
            libc::write(
                self.fd.as_raw_fd(),
                (&one as *const u64).cast(),
                std::mem::size_of::<u64>(),
            )
        };
    }

    /// Clears a wake-up. True if there was one.
    pub fn reset(&self) -> bool {
        let mut v: u64 = 0;
        // SAFETY: reads 8 bytes into a live u64.
        let n = unsafe {
            libc::read(
                self.fd.as_raw_fd(),
                (&mut v as *mut u64).cast(),
                std::mem::size_of::<u64>(),
            )
        };
        n == 8 && v > 0
    }
}

impl AsFd for Waker {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.fd.as_fd()
    }
}

/// Blocks in `poll(2)` until one of `read` is readable, one of `write` is writable, or
/// `deadline` passes (None: no deadline). Returns early on a signal. The timeout is
/// rounded up to whole milliseconds so that a wake-up never comes before the deadline.
pub fn wait_fds(
    read: &[BorrowedFd<'_>],
    write: &[BorrowedFd<'_>],
    deadline: Option<StdInstant>,
) -> io::Result<()> {
    let mut fds: Vec<libc::pollfd> = read
        .iter()
        .map(|fd| libc::pollfd {
            fd: fd.as_raw_fd(),
            events: libc::POLLIN,
            revents: 0,
        })
        .collect();
    fds.extend(write.iter().map(|fd| libc::pollfd {
        fd: fd.as_raw_fd(),
        events: libc::POLLOUT,
        revents: 0,
    }));
    let timeout = match deadline {
        None => -1,
        Some(d) => {
            let left = d.saturating_duration_since(crate::driver::Clock::std_now());
            let ms = left.as_micros().div_ceil(1000);
            i32::try_from(ms).unwrap_or(i32::MAX)
        }
    };
    // SAFETY: `fds` is a live array of `fds.len()` pollfd.
    let r = unsafe { libc::poll(fds.as_mut_ptr(), fds.len() as libc::nfds_t, timeout) };
    if r < 0 {
        let e = io::Error::last_os_error();
        if e.kind() != io::ErrorKind::Interrupted {
            return Err(e);
        }
    }
    Ok(())
}

impl<C: Core> Driver<C> {
    /// Blocks until [`poll_io`](Self::poll_io) has something to do, as `next` says, or
    /// until `waker` is woken (the wake-up is then cleared). The blocking adapter's loop
    /// is `loop { let next = d.poll_io()?; d.wait_blocking(&next, Some(&w))?; }`.
    pub fn wait_blocking(&self, next: &Next, waker: Option<&Waker>) -> io::Result<()> {
        let mut read: Vec<BorrowedFd<'_>> = self.sources().map(|(_, fd)| fd).collect();
        if let Some(w) = waker {
            read.push(w.as_fd());
        }
        let write: Vec<BorrowedFd<'_>> = next
            .writable
            .and_then(|id| self.source(id))
            .into_iter()
            .collect();
        wait_fds(&read, &write, next.deadline)?;
        if let Some(w) = waker {
            w.reset();
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn deadline_is_not_early() {
        let w = Waker::new().unwrap();
        let start = StdInstant::now();
        let deadline = start + Duration::from_micros(2500);
        wait_fds(&[w.as_fd()], &[], Some(deadline)).unwrap();
        assert!(StdInstant::now() >= deadline);
    }

    #[test]
    fn waker_ends_a_wait_with_no_deadline() {
        let w = Waker::new().unwrap();
        let w2 = w.clone();
        let t = std::thread::spawn(move || w2.wake());
        // No deadline: this returns only because the other thread woke us.
        wait_fds(&[w.as_fd()], &[], None).unwrap();
        assert!(w.reset());
        assert!(!w.reset());
        t.join().unwrap();
    }
}
