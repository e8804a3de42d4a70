//! [`Config`] of a [`Client`](crate::Client), the defaults of its own timers
//! ([`ANSWER_LINGER`], [`SHUTDOWN_BOUND`]) and its queue bound.

use core::time::Duration;

use mdns_sansio::Name;

/// How long a resolve or host lookup keeps collecting after its first answer.
///
/// Responders answer a query on IPv4 and on IPv6 separately, and Avahi by default
/// puts only AAAA records in its IPv6 answers: the first complete answer often has the
/// addresses of one family only. The other family's answer can be held back by the
/// responder's once-a-second multicast limit (RFC 6762 §6), so the wait is just over a
/// second. A resolve returns sooner once it has both families.
pub const ANSWER_LINGER: Duration = Duration::from_millis(1100);

/// Longest a shutdown waits for goodbyes (RFC 6762 §10.1) to be handed out.
pub const SHUTDOWN_BOUND: Duration = Duration::from_secs(3);

/// Most events queued for the application before the oldest are dropped (and
/// counted): an application that never polls must not make memory grow without bound.
pub const MAX_QUEUED_EVENTS: usize = 4096;

/// Settings of a [`Client`](crate::Client). Made with [`Config::new`]; every field
/// can be changed afterwards.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct Config {
    /// Settings of the mDNS engine the client runs.
    pub engine: mdns_sansio::Config,
    /// The host name registered services point at when their
    /// [`ServiceInfo::host`](crate::ServiceInfo) is `None` (`myhost.local.`).
    pub host_name: Name,
    /// See [`ANSWER_LINGER`].
    pub answer_linger: Duration,
    /// See [`SHUTDOWN_BOUND`].
    pub shutdown_bound: Duration,
    /// Keep every engine event for [`Client::poll_engine_event`](crate::Client) (for
    /// simulators, tests and diagnostics), up to [`MAX_QUEUED_EVENTS`].
    pub keep_engine_events: bool,
}

impl Config {
    /// The defaults, with services pointing at `host_name`.
    pub fn new(host_name: Name) -> Self {
        Config {
            engine: mdns_sansio::Config::default(),
            host_name,
            answer_linger: ANSWER_LINGER,
            shutdown_bound: SHUTDOWN_BOUND,
            keep_engine_events: false,
        }
    }

    /// The same with engine settings `engine`.
    pub fn with_engine(mut self, engine: mdns_sansio::Config) -> Self {
        self.engine = engine;
        self
    }
}
