//! The state of one subscription ([`Sub`]): who serves it ([`Route`]), what it is
//! waiting for ([`State`]), and the one timer it may have. The code that changes it is
//! in `client` (commands, timers) and `route` (answers).

use alloc::collections::{BTreeMap, BTreeSet};
use alloc::vec::Vec;
use core::net::IpAddr;

use mdns_sansio::engine::{InterfaceId, QueryId, RegistrationId};
use mdns_sansio::sd::InstanceName;
use mdns_sansio::{Instant, Name};

use crate::event::ResolvedService;
use crate::request::Request;

/// Who serves a subscription.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Route {
    /// The mDNS engine (an mDNS domain).
    Mdns,
    /// The unicast backend (any other domain).
    Backend,
}

/// One subscription.
#[derive(Debug)]
pub(crate) struct Sub {
    pub route: Route,
    pub state: State,
    /// The instant it is filed under in the client's timer set, if any.
    pub timer: Option<Instant>,
}

/// An instance a browse sees: on which interfaces, and its resolve if the browse
/// resolves.
#[derive(Debug, Default)]
pub(crate) struct Seen {
    pub interfaces: BTreeSet<InterfaceId>,
    pub resolve: Option<QueryId>,
}

/// What a subscription is doing.
#[derive(Debug)]
pub(crate) enum State {
    Browse {
        query: QueryId,
        resolve: bool,
        /// By full instance name.
        instances: BTreeMap<Name, Seen>,
    },
    /// A one-shot resolve; `query` is `None` when the backend serves it.
    Resolve {
        query: Option<QueryId>,
        deadline: Instant,
        /// The latest answer, returned when `linger` passes.
        best: Option<ResolvedService>,
        linger: Option<Instant>,
    },
    /// A one-shot host lookup; `query` is `None` when the backend serves it.
    Lookup {
        query: Option<QueryId>,
        deadline: Instant,
        addrs: Vec<IpAddr>,
        linger: Option<Instant>,
    },
    Watch {
        query: QueryId,
    },
    Types {
        query: QueryId,
    },
    Query {
        query: QueryId,
    },
    /// A published service and the host name it points at.
    Registration {
        reg: RegistrationId,
        host: Name,
        name: InstanceName,
    },
    /// Anything else the backend serves; `register` says whether it is a registration.
    Backend {
        register: bool,
    },
    /// Unregistered with completion: waiting for the goodbyes of these engine
    /// registrations (empty on the backend route: waiting for the backend's
    /// `Unregistered`).
    Leaving {
        waiting: BTreeSet<RegistrationId>,
    },
}

impl State {
    /// The state a backend subscription starts in.
    pub fn backend(request: &Request, now: Instant) -> State {
        match request {
            Request::Resolve { timeout, .. } => State::Resolve {
                query: None,
                deadline: now.saturating_add(*timeout),
                best: None,
                linger: None,
            },
            Request::LookupHost { timeout, .. } => State::Lookup {
                query: None,
                deadline: now.saturating_add(*timeout),
                addrs: Vec::new(),
                linger: None,
            },
            Request::Register(_) => State::Backend { register: true },
            _ => State::Backend { register: false },
        }
    }

    /// When the subscription's own timer fires: a one-shot's linger or deadline,
    /// whichever comes first.
    pub fn timer(&self) -> Option<Instant> {
        match self {
            State::Resolve {
                deadline, linger, ..
            }
            | State::Lookup {
                deadline, linger, ..
            } => Some(linger.map_or(*deadline, |l| l.min(*deadline))),
            _ => None,
        }
    }

    /// Every engine query it runs.
    pub fn queries(&self) -> Vec<QueryId> {
        match self {
            State::Browse {
                query, instances, ..
            } => core::iter::once(*query)
                .chain(instances.values().filter_map(|s| s.resolve))
                .collect(),
            State::Resolve { query, .. } | State::Lookup { query, .. } => {
                query.iter().copied().collect()
            }
            State::Watch { query } | State::Types { query } | State::Query { query } => {
                alloc::vec![*query]
            }
            State::Registration { .. } | State::Backend { .. } | State::Leaving { .. } => {
                Vec::new()
            }
        }
    }

    /// True for a registration (live or leaving).
    pub fn is_registration(&self) -> bool {
        matches!(
            self,
            State::Registration { .. } | State::Backend { register: true } | State::Leaving { .. }
        )
    }
}
