//! Why a query or an update failed, in words that say what to do about it.
//!
//! No error carries a key's secret: a key appears by its name only.

use crate::wire::types::Rcode;
use alloc::vec::Vec;
use core::fmt;
use core::net::SocketAddr;
use mdns_sansio::Name;

/// Why a query got no usable answer.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum QueryError {
    /// No server answered.
    NoResponse {
        /// The servers tried.
        servers: Vec<SocketAddr>,
        /// Attempts made.
        attempts: u32,
    },
    /// The server answered with an error (SERVFAIL, REFUSED, ...).
    Rcode {
        /// The server that answered.
        server: SocketAddr,
        /// Its response code.
        rcode: Rcode,
    },
    /// The server refused our signature.
    Tsig {
        /// The key.
        key: Name,
        /// BADSIG, BADKEY, BADTIME or BADTRUNC.
        error: Rcode,
    },
    /// No server is configured for this name.
    NoServer,
}

impl fmt::Display for QueryError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            QueryError::NoResponse { servers, attempts } => {
                write!(f, "no answer from ")?;
                write_servers(f, servers)?;
                write!(f, " after {attempts} attempts; still trying")
            }
            QueryError::Rcode { server, rcode } => {
                write!(f, "{server} answered {rcode}")
            }
            QueryError::Tsig { key, error } => write_tsig(f, key, *error),
            QueryError::NoServer => f.write_str("no DNS server is configured"),
        }
    }
}

/// Why an update (a registration, a refresh, a change or a delete) failed.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum UpdateError {
    /// The server refused our signature (RFC 8945 §5.2): BADSIG, BADKEY, BADTIME or
    /// BADTRUNC, with the key's name.
    Tsig {
        /// The key.
        key: Name,
        /// The TSIG error.
        error: Rcode,
        /// The zone updated.
        zone: Name,
    },
    /// The zone refused the update: REFUSED, or NOTAUTH without a TSIG error
    /// (RFC 2136 §3.3: the update policy decides).
    Refused {
        /// The zone updated.
        zone: Name,
        /// REFUSED or NOTAUTH.
        rcode: Rcode,
        /// Whether the update was signed (and with which key).
        key: Option<Name>,
    },
    /// The server failed or could not read the update (SERVFAIL, FORMERR, NOTIMP,
    /// NOTZONE, ...).
    Rejected {
        /// The zone updated.
        zone: Name,
        /// The response code.
        rcode: Rcode,
    },
    /// No server answered.
    NoResponse {
        /// The servers tried.
        servers: Vec<SocketAddr>,
        /// Attempts made.
        attempts: u32,
    },
    /// Every name tried was taken by records that are not ours.
    NoFreeName {
        /// The last name tried.
        last: Name,
    },
    /// The name was taken and renaming is not allowed.
    NameTaken {
        /// The name.
        name: Name,
    },
    /// The registration's names or records do not fit (a name over 255 bytes, an
    /// update over 65,535).
    TooLarge,
    /// No server is configured for the zone.
    NoServer {
        /// The zone.
        zone: Name,
    },
}

impl fmt::Display for UpdateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            UpdateError::Tsig { key, error, zone } => {
                write_tsig(f, key, *error)?;
                if *error == Rcode::BADKEY {
                    write!(
                        f,
                        "; or zone {zone}'s update policy does not allow this key (Knot answers so)"
                    )?;
                }
                Ok(())
            }
            UpdateError::Refused { zone, rcode, key } => {
                write!(f, "zone {zone} refused the update ({rcode})")?;
                if let Some(k) = key {
                    write!(f, " signed with key {k}")?;
                }
                f.write_str(": the zone's update policy decides who may change which names")
            }
            UpdateError::Rejected { zone, rcode } => {
                write!(f, "the server rejected the update of zone {zone} ({rcode})")
            }
            UpdateError::NoResponse { servers, attempts } => {
                write!(f, "no answer from ")?;
                write_servers(f, servers)?;
                write!(
                    f,
                    " after {attempts} attempts; the update is kept and sent again"
                )
            }
            UpdateError::NoFreeName { last } => {
                write!(f, "every name tried is taken (the last was {last})")
            }
            UpdateError::NameTaken { name } => {
                write!(f, "{name} is taken by records that are not ours")
            }
            UpdateError::TooLarge => f.write_str("the registration does not fit in an update"),
            UpdateError::NoServer { zone } => {
                write!(f, "no DNS server is configured for zone {zone}")
            }
        }
    }
}

fn write_servers(f: &mut fmt::Formatter<'_>, servers: &[SocketAddr]) -> fmt::Result {
    for (i, s) in servers.iter().enumerate() {
        if i > 0 {
            f.write_str(", ")?;
        }
        write!(f, "{s}")?;
    }
    Ok(())
}

fn write_tsig(f: &mut fmt::Formatter<'_>, key: &Name, error: Rcode) -> fmt::Result {
    match error {
        Rcode::BADSIG => write!(
            f,
            "the server rejected the signature (BADSIG) made with key {key}: the secret differs"
        ),
        Rcode::BADKEY => write!(
            f,
            "the server rejected the key (BADKEY) {key}: it does not know this key name or algorithm"
        ),
        Rcode::BADTIME => write!(
            f,
            "the server rejected the signature's time (BADTIME) of key {key}: the clocks differ by more than the fudge"
        ),
        other => write!(f, "the server rejected the signature ({other}) made with key {key}"),
    }
}

impl core::error::Error for QueryError {}
impl core::error::Error for UpdateError {}
