//! [`Error`]: why the client layer refused a request or ended a subscription. Every
//! variant carries the typed error of the layer below it (the engine's
//! [`QueryError`], [`RegisterError`], [`RegistrationError`], the name checks of
//! [`mdns_sansio::sd`]); none is a string.

use core::fmt;

use mdns_sansio::engine::responder::{RegisterError, RegistrationError};
use mdns_sansio::engine::QueryError;
use mdns_sansio::name::NameError;
use mdns_sansio::sd::{InstanceNameError, ServiceTypeError, TxtError};
use mdns_sansio::Name;

use crate::backend_error::BackendError;
use crate::id::SubscriptionId;

/// What went wrong. Each variant says which input or which step failed.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Error {
    /// The service instance name is not valid (RFC 6763 §4.1.1).
    InvalidInstanceName(InstanceNameError),
    /// The service type (or a subtype) is not valid (RFC 6763 §7, RFC 6335 §5.1).
    InvalidServiceType(ServiceTypeError),
    /// A TXT entry is not valid (RFC 6763 §6).
    InvalidTxt(TxtError),
    /// A host name is not a valid domain name.
    InvalidHostName(NameError),
    /// A resolve or host lookup got no answer in the time it was given.
    Timeout,
    /// No such subscription: never made, ended, or unsubscribed.
    NoSuchSubscription(SubscriptionId),
    /// The subscription is not a registration (only registrations have a TXT record
    /// and can be unregistered with completion).
    NotARegistration(SubscriptionId),
    /// The engine refused to start a query (too many running).
    Query(QueryError),
    /// The engine refused a registration (a missing port, a name this client already
    /// publishes, too many registrations, …).
    Register(RegisterError),
    /// The engine refused a command on a registration.
    Registration(RegistrationError),
    /// The request is in a domain other than the mDNS ones (see
    /// [`is_mdns_name`](crate::is_mdns_name)) and the client has no unicast DNS
    /// backend for it.
    NoBackend {
        /// The domain asked for.
        domain: Name,
    },
    /// The client is shutting down (or has shut down): it takes no new requests.
    ShuttingDown,
    /// The unicast backend refused the request, or ended a one-shot request, for the
    /// reason it gives (no DNS server configured for the domain, no answer from the
    /// servers, a request kind it does not serve, ...). The message is the backend's.
    Backend(BackendError),
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::InvalidInstanceName(e) => write!(f, "invalid instance name: {e}"),
            Error::InvalidServiceType(e) => write!(f, "invalid service type: {e}"),
            Error::InvalidTxt(e) => write!(f, "invalid TXT entry: {e}"),
            Error::InvalidHostName(e) => write!(f, "invalid host name: {e}"),
            Error::Timeout => f.write_str("timed out"),
            Error::NoSuchSubscription(id) => {
                write!(f, "no subscription {id} (ended or never made)")
            }
            Error::NotARegistration(id) => write!(f, "subscription {id} is not a registration"),
            Error::Query(e) => write!(f, "query refused: {e}"),
            Error::Register(e) => write!(f, "registration refused: {e}"),
            Error::Registration(e) => write!(f, "registration command refused: {e}"),
            Error::NoBackend { domain } => write!(
                f,
                "{domain} is not an mDNS domain and no unicast DNS backend is configured"
            ),
            Error::ShuttingDown => f.write_str("the client is shutting down"),
            Error::Backend(e) => write!(f, "{e}"),
        }
    }
}

#[cfg(feature = "std")]
impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::InvalidInstanceName(e) => Some(e),
            Error::InvalidServiceType(e) => Some(e),
            Error::InvalidTxt(e) => Some(e),
            Error::InvalidHostName(e) => Some(e),
            Error::Query(e) => Some(e),
            Error::Register(e) => Some(e),
            Error::Registration(e) => Some(e),
            Error::Backend(e) => Some(e.get_ref()),
            _ => None,
        }
    }
}

impl From<BackendError> for Error {
    fn from(e: BackendError) -> Self {
        Error::Backend(e)
    }
}

impl From<InstanceNameError> for Error {
    fn from(e: InstanceNameError) -> Self {
        Error::InvalidInstanceName(e)
    }
}

impl From<ServiceTypeError> for Error {
    fn from(e: ServiceTypeError) -> Self {
        Error::InvalidServiceType(e)
    }
}

impl From<TxtError> for Error {
    fn from(e: TxtError) -> Self {
        Error::InvalidTxt(e)
    }
}

impl From<QueryError> for Error {
    fn from(e: QueryError) -> Self {
        Error::Query(e)
    }
}

impl From<RegisterError> for Error {
    fn from(e: RegisterError) -> Self {
        Error::Register(e)
    }
}

impl From<RegistrationError> for Error {
    fn from(e: RegistrationError) -> Self {
        Error::Registration(e)
    }
}
