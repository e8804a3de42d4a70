//! Counters of what the client sent, and of every response it dropped and why.

/// Counters, only ever incremented.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Stats {
    /// Queries and updates sent (every attempt).
    pub sent: u64,
    /// Attempts after the first (timeouts, failures).
    pub retransmits: u64,
    /// Requests moved to TCP because a UDP answer was truncated.
    pub tcp_fallbacks: u64,
    /// Responses accepted.
    pub accepted: u64,
    /// Dropped: not a DNS message, or not a response.
    pub dropped_malformed: u64,
    /// Dropped: no request in flight has its id.
    pub dropped_unknown_id: u64,
    /// Dropped: the id is ours but it came from another address or port.
    pub dropped_wrong_source: u64,
    /// Dropped: its question (or zone, or opcode) is not the request's.
    pub dropped_wrong_question: u64,
    /// Dropped: the request was signed and the response is not.
    pub dropped_unsigned: u64,
    /// Dropped: the response's signature does not verify (MAC, key, time).
    pub dropped_bad_tsig: u64,
    /// Unsigned TSIG errors (BADSIG, BADKEY) received: not trusted, reported when the
    /// request times out (RFC 8945 §5.4).
    pub unsigned_tsig_errors: u64,
    /// Lease refreshes sent (RFC 9664 §4).
    pub lease_refreshes: u64,
    /// Updates accepted by a server.
    pub updates_accepted: u64,
}
