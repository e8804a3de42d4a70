//! The one error type of the service layer and every adapter.

use std::fmt;
use std::io;

use mdns_proto::engine::QueryError;
use mdns_proto::name::NameError;
use mdns_proto::sd::{InstanceNameError, ServiceTypeError, TxtError};

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
    /// over) or was stopped.
    Closed,
    /// The engine refused to start a query.
    Query(QueryError),
    /// The engine refused a registration (a missing port or host, a bad subtype, a
    /// name this instance already publishes…).
    Register(mdns_proto::engine::responder::RegisterError),
    /// The engine refused a request for another reason.
    Engine(String),
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
            Error::Engine(e) => write!(f, "engine: {e}"),
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
