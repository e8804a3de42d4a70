//! [`Reply`]: the answer to one request to the service loop, waited on blocking
//! ([`Reply::wait`], [`Reply::wait_timeout`]) or awaited in any async runtime (it is a
//! [`Future`]). The one reply type of every operation, so every adapter shares one
//! API.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use flume::{Receiver, RecvTimeoutError};

use super::Error;

/// The reply to a request, not yet received: `.wait()` blocks for it, `.await` waits
/// in any async runtime. A loop that has stopped answers [`Error::Shutdown`].
#[must_use = "a request's outcome is only known by waiting for it"]
pub struct Reply<T: 'static> {
    rx: Receiver<Result<T, Error>>,
    /// Made on the first poll.
    fut: Option<flume::r#async::RecvFut<'static, Result<T, Error>>>,
    /// For a shutdown request: the value a stopped loop stands for (stopped by this
    /// or another request, it is a success).
    on_shutdown: Option<fn() -> T>,
}

impl<T: 'static> std::fmt::Debug for Reply<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Reply").finish_non_exhaustive()
    }
}

impl<T: 'static> Reply<T> {
    pub(crate) fn new(rx: Receiver<Result<T, Error>>) -> Self {
        Reply {
            rx,
            fut: None,
            on_shutdown: None,
        }
    }

    /// A reply for which a stopped loop means success with `value()`.
    pub(crate) fn ok_on_shutdown(rx: Receiver<Result<T, Error>>, value: fn() -> T) -> Self {
        Reply {
            rx,
            fut: None,
            on_shutdown: Some(value),
        }
    }

    /// Blocks until the reply comes. (Do not call it from inside an async task: await
    /// the reply there.)
    pub fn wait(self) -> Result<T, Error> {
        let r = self.rx.recv().unwrap_or(Err(Error::Shutdown));
        finish(self.on_shutdown, r)
    }

    /// Blocks until the reply comes or `timeout` passes ([`Error::Timeout`]).
    pub fn wait_timeout(self, timeout: Duration) -> Result<T, Error> {
        let r = match self.rx.recv_timeout(timeout) {
            Ok(r) => r,
            Err(RecvTimeoutError::Timeout) => Err(Error::Timeout),
            Err(RecvTimeoutError::Disconnected) => Err(Error::Shutdown),
        };
        finish(self.on_shutdown, r)
    }
}

fn finish<T>(on_shutdown: Option<fn() -> T>, r: Result<T, Error>) -> Result<T, Error> {
    match r {
        Err(Error::Shutdown) => on_shutdown.map(|f| f()).ok_or(Error::Shutdown),
        r => r,
    }
}

/// Awaiting a reply: `reply.await` (or any executor's `block_on(reply)`).
impl<T: 'static> Future for Reply<T> {
    type Output = Result<T, Error>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = &mut *self;
        let rx = &this.rx;
        let fut = this.fut.get_or_insert_with(|| rx.clone().into_recv_async());
        let on_shutdown = this.on_shutdown;
        Pin::new(fut)
            .poll(cx)
            .map(|r| finish(on_shutdown, r.unwrap_or(Err(Error::Shutdown))))
    }
}
