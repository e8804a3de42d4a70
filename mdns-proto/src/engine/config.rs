//! Engine configuration: seed, TTLs, size limits and resource bounds.

use core::time::Duration;

/// TTL of records named after the host: A, AAAA, SRV, HINFO (RFC 6762 §10).
pub const HOST_RECORD_TTL: u32 = 120;
/// TTL of other records: PTR, TXT, NSEC of services (RFC 6762 §10).
pub const OTHER_RECORD_TTL: u32 = 4500;
/// Largest mDNS packet, IP and UDP headers included (RFC 6762 §17). A driver's receive
/// buffer of this size holds any mDNS datagram. (The DNS format's own limit, the
/// 16-bit message length, is [`wire::MAX_DNS_MESSAGE_LEN`](crate::wire::MAX_DNS_MESSAGE_LEN).)
pub const MAX_MDNS_PACKET_LEN: usize = 9000;
/// Largest payload the engine writes: [`MAX_MDNS_PACKET_LEN`] less the IPv6 (40) and
/// UDP (8) headers, so that a datagram fits in either family.
pub const MAX_MDNS_PAYLOAD_LEN: usize = MAX_MDNS_PACKET_LEN - 48;
/// Default payload limit: what fits an Ethernet MTU with IPv6 and UDP headers, as
/// mDNSResponder uses (RFC 6762 §17: "normal packets fit the MTU").
pub const DEFAULT_MAX_PAYLOAD: usize = 1440;

/// Configuration of an [`Engine`](super::Engine).
///
/// Start from [`Config::default`] (or [`Config::with_seed`]) and set the fields to
/// change: new fields may come, so the struct cannot be written out whole outside this
/// crate.
///
/// ```
/// let mut config = mdns_sansio::Config::with_seed(7);
/// config.max_payload = 9000;
/// assert_eq!(config.payload_limit(), mdns_sansio::engine::MAX_MDNS_PAYLOAD_LEN);
/// ```
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct Config {
    /// Seed of all randomness (delays, jitter). Same seed and inputs, same outputs.
    pub seed: u64,
    /// Most payload bytes in one transmit. Clamped to 512..=[`MAX_MDNS_PAYLOAD_LEN`].
    pub max_payload: usize,
    /// TTL for A, AAAA, SRV, HINFO (RFC 6762 §10).
    pub host_ttl: u32,
    /// TTL for PTR, TXT and the rest (RFC 6762 §10).
    pub other_ttl: u32,
    /// Most records the cache holds; beyond it, records nobody asks about are evicted
    /// first, soonest-expiring first, then the soonest-expiring of the rest.
    pub cache_capacity: usize,
    /// Most simultaneous browse / resolve / lookup operations an application started
    /// (background resolves are bounded by
    /// [`max_background_resolves`](Self::max_background_resolves) instead).
    pub max_queries: usize,
    /// Most known answers listed for one question of one query (RFC 6762 §7.1), the
    /// oldest first. Known answers only spare responders an answer, so leaving some out
    /// is safe (those responders answer again); without a bound, a cache holding
    /// thousands of one type's records (one host announcing fake instances) would make
    /// each query of each browser on the link tens of packets long (RFC 6762 §7.2), a
    /// browser flooding the link in turn. 256 PTR records of some 40 bytes fill seven
    /// packets.
    pub max_known_answers: usize,
    /// Most background resolves at once, waiting ones included
    /// ([`Engine::resolve_background`](super::Engine::resolve_background)). Every one
    /// names an instance a browse sees, so a value at least
    /// [`cache_capacity`](Self::cache_capacity) never refuses one.
    pub max_background_resolves: usize,
    /// Most background resolves asking at once, not yet resolved (see
    /// `querier::background`): the rest wait their turn,
    /// fewest turns first, then newest first.
    pub background_asking: usize,
    /// How long a background resolve asks before it yields its place to the next.
    pub background_turn: Duration,
    /// Turns a background resolve gets; after the last it is resolved only from
    /// records that arrive unasked (announcements, answers to others).
    pub background_turns: u8,
    /// Bytes per second of questions background resolves may originate (questions
    /// counted once per interface and address family they go out on). Questions of
    /// an application's own operations are never held back by it.
    pub background_query_rate: u32,
    /// Bytes background resolves may send at once after a quiet spell.
    pub background_query_burst: u32,
    /// How long a one-shot query collects answers.
    pub one_shot_timeout: Duration,
    /// Drop received packets whose IP TTL / hop limit is known and not 255 (RFC 6762 §11
    /// permits it; off by default because some stacks send other values).
    pub require_ttl_255: bool,
    /// Ask for unicast responses (the QU bit) on a question's first query (RFC 6762 §5.4)
    /// and on a name's first probe (RFC 6762 §8.1). Drivers turn this off when another
    /// mDNS socket already holds port 5353 on the host, since unicast replies then
    /// reach only one of the sockets (RFC 6762 §15.1): every question and probe is
    /// then QM, answered by multicast, which every socket receives.
    pub request_unicast_responses: bool,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            seed: 0,
            max_payload: DEFAULT_MAX_PAYLOAD,
            host_ttl: HOST_RECORD_TTL,
            other_ttl: OTHER_RECORD_TTL,
            cache_capacity: 4096,
            max_queries: 256,
            max_known_answers: 256,
            max_background_resolves: 4096,
            background_asking: 8,
            background_turn: Duration::from_secs(3),
            background_turns: 3,
            background_query_rate: 2_000,
            background_query_burst: 4_000,
            one_shot_timeout: Duration::from_secs(3),
            require_ttl_255: false,
            request_unicast_responses: true,
        }
    }
}

impl Config {
    /// The defaults, with the seed of all randomness set to `seed`.
    pub fn with_seed(seed: u64) -> Self {
        Config {
            seed,
            ..Config::default()
        }
    }

    /// The payload limit actually used.
    pub fn payload_limit(&self) -> usize {
        self.max_payload.clamp(512, MAX_MDNS_PAYLOAD_LEN)
    }
}
