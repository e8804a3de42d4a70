//! Waiting without a runtime: `poll(2)` (`WSAPoll` on Windows) over the driver's
//! readiness handles, for the blocking adapter (the async adapters register the same
//! handles with tokio's `AsyncFd` or async-io's `Async` instead), and a [`Waker`] that
//! lets another thread cut the wait short.

use std::io;
use std::sync::Arc;
use std::time::Instant as StdInstant;

use crate::driver::{Core, Driver, Next};
use crate::sys::{self, AsSource, BorrowedSource};

/// Wakes a thread blocked in [`Driver::wait_blocking`]: an `eventfd` on Linux and
/// Android, a Unix socket pair on the BSDs, a loopback UDP socket that sends to itself
/// on Windows. Cheap to clone; `wake` may be called from any thread, any number of times.
#[derive(Clone, Debug)]
pub struct Waker {
    inner: Arc<sys::WakerImpl>,
}

impl Waker {
    /// A new, unwoken waker.
    pub fn new() -> io::Result<Self> {
        Ok(Waker {
            inner: Arc::new(sys::WakerImpl::new()?),
        })
    }

    /// Makes the waker's handle readable until [`reset`](Self::reset).
    pub fn wake(&self) {
        self.inner.wake()
    }

    /// Clears a wake-up. True if there was one.
    pub fn reset(&self) -> bool {
        self.inner.reset()
    }
}

impl AsSource for Waker {
    fn as_source(&self) -> BorrowedSource<'_> {
        self.inner.source()
    }
}

#[cfg(unix)]
impl std::os::fd::AsFd for Waker {
    fn as_fd(&self) -> std::os::fd::BorrowedFd<'_> {
        self.inner.source()
    }
}

#[cfg(windows)]
impl std::os::windows::io::AsSocket for Waker {
    fn as_socket(&self) -> std::os::windows::io::BorrowedSocket<'_> {
        self.inner.source()
    }
}

/// Blocks (`poll(2)`, `WSAPoll` on Windows) until one of `read` is readable, one of
/// `write` is writable, or `deadline` passes (None: no deadline). Returns early on a
/// signal. The timeout is rounded up to whole milliseconds so that a wake-up never comes
/// before the deadline.
pub fn wait_fds(
    read: &[BorrowedSource<'_>],
    write: &[BorrowedSource<'_>],
    deadline: Option<StdInstant>,
) -> io::Result<()> {
    let timeout = deadline.map(|d| d.saturating_duration_since(crate::driver::Clock::std_now()));
    sys::wait(read, write, timeout)
}

impl<C: Core> Driver<C> {
    /// Blocks until [`poll_io`](Self::poll_io) has something to do, as `next` says, or
    /// until `waker` is woken (the wake-up is then cleared). The blocking adapter's loop
    /// is `loop { let next = d.poll_io()?; d.wait_blocking(&next, Some(&w))?; }`.
    pub fn wait_blocking(&self, next: &Next, waker: Option<&Waker>) -> io::Result<()> {
        let mut read: Vec<BorrowedSource<'_>> = self.sources().map(|(_, fd)| fd).collect();
        if let Some(w) = waker {
            read.push(w.as_source());
        }
        let write: Vec<BorrowedSource<'_>> = next
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
        wait_fds(&[w.as_source()], &[], Some(deadline)).unwrap();
        assert!(StdInstant::now() >= deadline);
    }

    #[test]
    fn waker_ends_a_wait_with_no_deadline() {
        let w = Waker::new().unwrap();
        let w2 = w.clone();
        let t = std::thread::spawn(move || w2.wake());
        // No deadline: this returns only because the other thread woke us.
        wait_fds(&[w.as_source()], &[], None).unwrap();
        assert!(w.reset());
        assert!(!w.reset());
        t.join().unwrap();
    }
}
