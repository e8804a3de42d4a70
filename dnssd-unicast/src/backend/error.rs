//! [`UnicastError`]: what the backend reports through the client layer's
//! `mdns_sansio_client::BackendError` (events and `mdns_sansio_client::Error::Backend`). An
//! application gets it back with `BackendError::downcast_ref::<UnicastError>()`.
//!
//! Like every error of the crate it never carries a key's secret: a key appears by its
//! name only.

use crate::client::publish::RegisterError;
use crate::client::{QueryError, UpdateError};
use core::fmt;
use mdns_sansio::wire::Rtype;
use mdns_sansio::{Name, NameError};

/// Why the unicast backend refused or ended a request, or what a DNS server did to it.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum UnicastError {
    /// A query of the request got no usable answer (no answer, an error code, a
    /// signature the server refused). The client asks again with backoff.
    Query {
        /// The name asked about.
        name: Name,
        /// The type asked for.
        rtype: Rtype,
        /// Why.
        error: QueryError,
    },
    /// The zone has no record of this type at this name (a negative answer): the
    /// one-shot request asking for it ends.
    NotFound {
        /// The name.
        name: Name,
        /// The type.
        rtype: Rtype,
    },
    /// An update of a registration failed (see [`UpdateError`]).
    Update(UpdateError),
    /// The registration could not start (see [`RegisterError`]).
    Register(RegisterError),
    /// A name built from the request does not fit in a DNS name.
    Name(NameError),
    /// The request kind is not served over unicast DNS.
    Unsupported {
        /// What was asked.
        what: &'static str,
    },
    /// Domain enumeration without a base: no search domain is configured and the host
    /// has no routable address whose network could name one.
    NoEnumerationBase,
}

impl fmt::Display for UnicastError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            UnicastError::Query { name, rtype, error } => write!(f, "{name} {rtype}: {error}"),
            UnicastError::NotFound { name, rtype } => {
                write!(f, "the zone has no {rtype} record for {name}")
            }
            UnicastError::Update(e) => write!(f, "{e}"),
            UnicastError::Register(e) => write!(f, "{e}"),
            UnicastError::Name(e) => write!(f, "a name of the request does not fit: {e}"),
            UnicastError::Unsupported { what } => {
                write!(f, "{what} are not served over unicast DNS")
            }
            UnicastError::NoEnumerationBase => f.write_str(
                "no domain to enumerate: no search domain is configured and the host has no \
                 routable address",
            ),
        }
    }
}

impl core::error::Error for UnicastError {
    fn source(&self) -> Option<&(dyn core::error::Error + 'static)> {
        match self {
            UnicastError::Query { error, .. } => Some(error),
            UnicastError::Update(e) => Some(e),
            UnicastError::Register(e) => Some(e),
            _ => None,
        }
    }
}
