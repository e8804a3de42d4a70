//! The one error type of the service layer and every adapter: the client layer's
//! typed errors ([`mdns_sansio_client::Error`], flattened) plus what only the OS side has
//! (I/O, interfaces, the loop having stopped).

use std::fmt;
use std::io;

use mdns_sansio::engine::responder::{RegisterError, RegistrationError};
use mdns_sansio::engine::QueryError;
use mdns_sansio::name::NameError;
use mdns_sansio::sd::{InstanceNameError, ServiceTypeError, TxtError};
use mdns_sansio::Name;
use mdns_sansio_client::BackendError;

/// What went wrong. Each variant says which input or which step failed.
#[derive(Debug)]
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
    /// No interface can run mDNS: both families are disabled, or none of the
    /// interfaces asked for exists and is up, running and multicast capable.
    NoUsableInterface,
    /// An OS call failed.
    Io {
        /// What was being done.
        context: String,
        /// The OS error.
        source: io::Error,
    },
    /// The operation did not complete in the time given.
    Timeout,
    /// The mDNS service has stopped (after `shutdown`, a stop request, or a fatal
    /// error); nothing more will come.
    Shutdown,
    /// The stream ended: the operation finished (a one-shot query's collection time is
    /// over) or was stopped; or the operation it names has.
    Closed,
    /// The engine refused to start a query.
    Query(QueryError),
    /// The engine refused a registration (a missing port or host, a bad subtype, a
    /// name this instance already publishes…).
    Register(RegisterError),
    /// The engine refused a command on a registration (a TXT update of one it no
    /// longer holds…).
    Registration(RegistrationError),
    /// The request is in a domain other than `local.` and no unicast DNS backend is
    /// configured.
    NoBackend {
        /// The domain asked for.
        domain: Name,
    },
    /// Unicast DNS refused or ended the request, for the reason it gives (no server
    /// configured for the domain, no answer from the servers, no such record in the
    /// zone, a request kind it does not serve). The typed reason is
    /// `dnssd_unicast::backend::UnicastError`
    /// ([`BackendError::downcast_ref`]).
    Unicast(BackendError),
}

impl Error {
    /// An [`Error::Io`] with context.
    pub fn io(context: impl Into<String>, source: io::Error) -> Self {
        Error::Io {
            context: context.into(),
            source,
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::InvalidInstanceName(e) => write!(f, "invalid instance name: {e}"),
            Error::InvalidServiceType(e) => write!(f, "invalid service type: {e}"),
            Error::InvalidTxt(e) => write!(f, "invalid TXT entry: {e}"),
            Error::InvalidHostName(e) => write!(f, "invalid host name: {e}"),
            Error::NoUsableInterface => f.write_str(
                "no usable interface (none selected is up, running and multicast capable, \
                 or both IPv4 and IPv6 are disabled)",
            ),
            Error::Io { context, source } => write!(f, "{context}: {source}"),
            Error::Timeout => f.write_str("timed out"),
            Error::Shutdown => f.write_str("the mDNS service has stopped"),
            Error::Closed => f.write_str("the operation has ended"),
            Error::Query(e) => write!(f, "query refused: {e}"),
            Error::Register(e) => write!(f, "registration refused: {e}"),
            Error::Registration(e) => write!(f, "registration command refused: {e}"),
            Error::NoBackend { domain } => write!(
                f,
                "{domain} is not an mDNS domain and no unicast DNS backend is configured"
            ),
            Error::Unicast(e) => write!(f, "{e}"),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::InvalidInstanceName(e) => Some(e),
            Error::InvalidServiceType(e) => Some(e),
            Error::InvalidTxt(e) => Some(e),
            Error::InvalidHostName(e) => Some(e),
            Error::Io { source, .. } => Some(source),
            Error::Query(e) => Some(e),
            Error::Register(e) => Some(e),
            Error::Registration(e) => Some(e),
            Error::Unicast(e) => Some(e.get_ref()),
            _ => None,
        }
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

impl From<mdns_sansio_client::Error> for Error {
    fn from(e: mdns_sansio_client::Error) -> Self {
        use mdns_sansio_client::Error as C;
        match e {
            C::InvalidInstanceName(e) => Error::InvalidInstanceName(e),
            C::InvalidServiceType(e) => Error::InvalidServiceType(e),
            C::InvalidTxt(e) => Error::InvalidTxt(e),
            C::InvalidHostName(e) => Error::InvalidHostName(e),
            C::Timeout => Error::Timeout,
            C::Query(e) => Error::Query(e),
            C::Register(e) => Error::Register(e),
            C::Registration(e) => Error::Registration(e),
            C::NoBackend { domain } => Error::NoBackend { domain },
            C::ShuttingDown => Error::Shutdown,
            C::Backend(e) => Error::Unicast(e),
            // The subscription has ended (or is of another kind): for the caller the
            // operation is over.
            _ => Error::Closed,
        }
    }
}
