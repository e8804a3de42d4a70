//! The querier's public methods on [`Engine`]: browse, resolve (for an application,
//! or in the background for a client layer's resolving browse), look up hosts,
//! enumerate service types, one-shot queries, stop. (Reconfirmation's is in
//! `reconfirm`.)

use super::background::BackgroundStats;
use super::Op;
use crate::engine::event::QueryId;
use crate::engine::Engine;
use crate::name::Name;
use crate::sd::ServiceType;
use crate::time::Instant;
use crate::vecmap::VecSet;
use crate::wire::Rtype;
use core::fmt;

/// Why a query could not be started.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum QueryError {
    /// Already running the configured maximum of operations.
    TooManyQueries {
        /// The limit ([`Config::max_queries`](crate::engine::Config)).
        limit: usize,
    },
    /// Already running the configured maximum of background resolves.
    TooManyBackgroundResolves {
        /// The limit ([`Config::max_background_resolves`](crate::engine::Config)).
        limit: usize,
    },
}

impl fmt::Display for QueryError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            QueryError::TooManyQueries { limit } => {
                write!(f, "already running the maximum of {limit} queries")
            }
            QueryError::TooManyBackgroundResolves { limit } => {
                write!(
                    f,
                    "already running the maximum of {limit} background resolves"
                )
            }
        }
    }
}

#[cfg(feature = "std")]
impl std::error::Error for QueryError {}

impl Engine {
    pub(super) fn start_op(&mut self, now: Instant, op: Op) -> Result<QueryId, QueryError> {
        if op.is_background() {
            let limit = self.config.max_background_resolves;
            if self.querier.background.len() >= limit {
                return Err(QueryError::TooManyBackgroundResolves { limit });
            }
        } else {
            let limit = self.config.max_queries;
            if self.querier.foreground_ops() >= limit {
                return Err(QueryError::TooManyQueries { limit });
            }
        }
        let (mut ctx, querier, _) = self.split(now);
        Ok(querier.start(&mut ctx, op))
    }

    /// Browses a service type, or a subtype if `service_type` has one (RFC 6763 §4,
    /// RFC 6763 §7.1): [`Event::ServiceFound`](crate::Event) and `ServiceRemoved` per
    /// instance and interface.
    pub fn browse(
        &mut self,
        now: Instant,
        service_type: &ServiceType,
    ) -> Result<QueryId, QueryError> {
        self.browse_name(now, &service_type.browse_name())
    }

    /// Browses PTR records of any name.
    pub fn browse_name(&mut self, now: Instant, name: &Name) -> Result<QueryId, QueryError> {
        self.start_op(
            now,
            Op::Browse {
                name: name.clone(),
                seen: VecSet::new(),
            },
        )
    }

    /// Enumerates the service types on the network (RFC 6763 §9).
    pub fn browse_types(&mut self, now: Instant) -> Result<QueryId, QueryError> {
        self.start_op(
            now,
            Op::Types {
                seen: VecSet::new(),
            },
        )
    }

    /// Resolves a service instance (its full name, `Kitchen._ipp._tcp.local.`) to host,
    /// port, TXT and addresses, and keeps reporting changes until stopped.
    pub fn resolve(&mut self, now: Instant, instance: &Name) -> Result<QueryId, QueryError> {
        self.start_op(
            now,
            Op::Resolve {
                instance: instance.clone(),
                target: None,
                last: None,
                background: false,
            },
        )
    }

    /// Resolves an instance in the background: what a client layer does for each
    /// instance a resolving browse finds, on no one's explicit request. It reports as
    /// [`resolve`](Self::resolve) does, but asks under the rules of
    /// `querier::background` (from the cache at once if it can;
    /// else a bounded number at a time, in turns, newest first, within a byte budget),
    /// so that a host announcing thousands of instances cannot make this engine query
    /// for all of them or keep a real service from being resolved. What an application
    /// asks for by name should use [`resolve`](Self::resolve): it is never held back.
    pub fn resolve_background(
        &mut self,
        now: Instant,
        instance: &Name,
    ) -> Result<QueryId, QueryError> {
        self.start_op(
            now,
            Op::Resolve {
                instance: instance.clone(),
                target: None,
                last: None,
                background: true,
            },
        )
    }

    /// Counters of background resolving (how many wait, ask, are resolved; turns,
    /// bytes, deferrals).
    pub fn background_stats(&self) -> BackgroundStats {
        self.querier.background.stats()
    }

    /// Looks up a host name's IPv4 and IPv6 addresses, and keeps reporting changes.
    pub fn lookup_host(&mut self, now: Instant, host: &Name) -> Result<QueryId, QueryError> {
        self.start_op(
            now,
            Op::Host {
                name: host.clone(),
                seen: VecSet::new(),
            },
        )
    }

    /// Sends one query for `name` and `rtype` from an ephemeral port (RFC 6762 §5.1)
    /// and reports every record answering it until the one-shot timeout, then
    /// [`Event::QueryDone`](crate::Event).
    pub fn query_once(
        &mut self,
        now: Instant,
        name: &Name,
        rtype: Rtype,
    ) -> Result<QueryId, QueryError> {
        self.start_op(
            now,
            Op::OneShot {
                name: name.clone(),
                rtype,
            },
        )
    }

    /// Stops an operation: its questions stop unless another operation shares them.
    /// Returns false if it was not running.
    pub fn stop_query(&mut self, id: QueryId) -> bool {
        self.querier.stop(id)
    }
}
