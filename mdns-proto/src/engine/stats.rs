//! Counters of what the engine received, dropped and sent, readable by the driver.

/// Why a received datagram (or part of one) was dropped.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Stats {
    /// Datagrams received.
    pub received: u64,
    /// Dropped: shorter than a header, or framing lost before anything was usable.
    pub malformed: u64,
    /// Records skipped inside otherwise usable datagrams because they were malformed.
    pub malformed_records: u64,
    /// Dropped: opcode or rcode not zero (RFC 6762 §18.3, RFC 6762 §18.11).
    pub bad_header: u64,
    /// Dropped: a response whose source port is not 5353 (RFC 6762 §6).
    pub bad_source_port: u64,
    /// Dropped: unicast from a source not on the link (RFC 6762 §5.5, RFC 6762 §11).
    pub off_link: u64,
    /// Dropped: IP TTL not 255 while `require_ttl_255` is set.
    pub low_ttl: u64,
    /// Dropped: a unicast response we did not ask for (RFC 6762 §6).
    pub unsolicited_unicast: u64,
    /// Dropped: arrived on an interface the engine does not know.
    pub unknown_interface: u64,
    /// Cache records evicted because the cache was full (see
    /// [`Config::cache_capacity`](super::Config) for the policy).
    pub cache_evictions: u64,
    /// Datagrams sent.
    pub sent: u64,
}
