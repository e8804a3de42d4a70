//! Background resolves: the resolves a client layer starts by itself for the instances
//! a resolving browse finds ([`Engine::resolve_background`](crate::Engine)), as
//! opposed to what an application asked for by name. One host announcing thousands of
//! instances must neither make every browser on the link query for all of them (an
//! amplifier) nor keep a real service from being resolved. The rules:
//!
//! 1. **Cache first.** A background resolve starts by reading the cache, and one that
//!    is complete there (its records came as additional records of a browse answer,
//!    RFC 6763 §12, or in an announcement, RFC 6762 §8.3) is resolved at once, however
//!    many others wait. It then asks nothing until its records need refreshing
//!    (RFC 6762 §5.2, RFC 6762 §7.1; see `send::answered`).
//! 2. **Bounded asking.** At most [`Config::background_asking`] unresolved background
//!    resolves ask at once; the others wait, holding no question, and are still
//!    resolved if their records arrive unasked.
//! 3. **Turns, fair between instances.** A resolve asks for one turn
//!    ([`Config::background_turn`]); unresolved by then, it yields its place and waits
//!    again, at most [`Config::background_turns`] turns in all. Waiting resolves go in
//!    order of turns had (fewest first), then newest first: the service that just
//!    appeared goes before the thousands a flood announced before it, and no instance
//!    keeps a place for ever.
//! 4. **Bounded bytes.** The questions only background resolves ask (refreshes of
//!    resolved ones included) go out within a token bucket of
//!    [`Config::background_query_rate`] bytes per second and
//!    [`Config::background_query_burst`] bytes (`Budget`). Questions of resolves
//!    still asking go first (newest first), then the rest in order of due time; what
//!    does not fit waits for the bucket to refill.
//! 5. **The application first.** A question an application's own operation asks
//!    (browse, resolve, host lookup) is never held back by any of this, even when a
//!    background resolve shares it; nor do background resolves count towards
//!    [`Config::max_queries`].
//!
//! Which questions exist and when they are due is the querier's ([`super`]); this
//! module only keeps the background resolves' places and the budget.

use crate::engine::config::Config;
use crate::engine::event::QueryId;
use crate::time::Instant;
use crate::vecmap::{VecMap, VecSet};
use alloc::vec::Vec;
use core::cmp::Reverse;
use core::time::Duration;

/// Where a background resolve stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Phase {
    /// Waiting for a place: no question.
    Waiting,
    /// Asking, until its turn ends at the given time.
    Asking(Instant),
    /// Resolved: its questions stay, asked only when the cache no longer answers them
    /// (refresh at 80 % of a TTL, RFC 6762 §5.2).
    Resolved,
    /// Had all its turns unresolved: no question; resolved only by records that
    /// arrive unasked.
    Exhausted,
}

/// One background resolve.
#[derive(Clone, Copy, Debug)]
struct Entry {
    /// Its age: higher is newer.
    seq: u64,
    turns: u8,
    phase: Phase,
}

/// Where a question of background resolves stands in the queue for the budget.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Rank {
    /// A question of a resolve still asking, newest first.
    Asking(Reverse<u64>),
    /// A question of resolved ones only (a refresh, or the address family not yet
    /// seen).
    Upkeep,
}

/// What a change of a background resolve means for its questions.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Ask {
    /// Its questions start now.
    Start,
    /// Its questions stop now.
    Stop,
}

/// Counters of background resolving, for diagnostics and the flood figures.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct BackgroundStats {
    /// Background resolves running now (waiting, asking, resolved, exhausted).
    pub resolves: usize,
    /// Of those, asking now.
    pub asking: usize,
    /// Of those, waiting for a place.
    pub waiting: usize,
    /// Turns given so far.
    pub turns: u64,
    /// Turns that ended unresolved.
    pub turns_ended: u64,
    /// Background resolves resolved straight from the cache when they started.
    pub resolved_from_cache: u64,
    /// Question bytes sent for background resolves (counted per interface and family).
    pub bytes: u64,
    /// Times a due background question waited for the budget.
    pub deferred: u64,
}

/// The background resolves and their budget.
#[derive(Debug, Default)]
pub(crate) struct Background {
    entries: VecMap<QueryId, Entry>,
    /// Waiting resolves in the order they get a place: fewest turns, then newest.
    waiting: VecSet<(u8, Reverse<u64>, QueryId)>,
    /// Asking resolves by the end of their turn.
    asking: VecSet<(Instant, QueryId)>,
    next_seq: u64,
    pub budget: Budget,
    pub stats: BackgroundStats,
}

impl Background {
    /// How many background resolves there are.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Files a new background resolve, waiting.
    pub fn add(&mut self, id: QueryId) {
        let seq = self.next_seq;
        self.next_seq += 1;
        self.entries.insert(
            id,
            Entry {
                seq,
                turns: 0,
                phase: Phase::Waiting,
            },
        );
        self.waiting.insert((0, Reverse(seq), id));
    }

    /// Forgets a background resolve (stopped).
    pub fn remove(&mut self, id: QueryId) {
        if let Some(e) = self.entries.remove(&id) {
            self.unfile(id, e);
        }
    }

    fn unfile(&mut self, id: QueryId, e: Entry) {
        match e.phase {
            Phase::Waiting => {
                self.waiting.remove(&(e.turns, Reverse(e.seq), id));
            }
            Phase::Asking(until) => {
                self.asking.remove(&(until, id));
            }
            Phase::Resolved | Phase::Exhausted => {}
        }
    }

    /// True if `id` is a background resolve whose questions are asked (asking or
    /// resolved).
    pub fn asks(&self, id: QueryId) -> bool {
        self.entries
            .get(&id)
            .is_some_and(|e| matches!(e.phase, Phase::Asking(_) | Phase::Resolved))
    }

    /// Where `id`'s questions stand for the budget, if it asks.
    pub fn rank(&self, id: QueryId) -> Option<Rank> {
        match self.entries.get(&id)? {
            Entry {
                phase: Phase::Asking(_),
                seq,
                ..
            } => Some(Rank::Asking(Reverse(*seq))),
            Entry {
                phase: Phase::Resolved,
                ..
            } => Some(Rank::Upkeep),
            _ => None,
        }
    }

    /// `id`'s answer is complete (`resolved`) or not: what that changes for its
    /// questions. A resolve complete as it starts counts as resolved from the cache.
    pub fn set_resolved(&mut self, id: QueryId, resolved: bool, starting: bool) -> Option<Ask> {
        let e = *self.entries.get(&id)?;
        let (phase, turns, ask) = match (e.phase, resolved) {
            (Phase::Resolved, true) => return None,
            (Phase::Asking(_), true) => (Phase::Resolved, e.turns, None),
            (_, true) => {
                if starting {
                    self.stats.resolved_from_cache += 1;
                }
                (Phase::Resolved, e.turns, Some(Ask::Start))
            }
            // Lost what it had (expired, goodbye): it waits for a turn again, with
            // every turn before it.
            (Phase::Resolved, false) => (Phase::Waiting, 0, Some(Ask::Stop)),
            (_, false) => return None,
        };
        self.unfile(id, e);
        self.file(id, Entry { phase, turns, ..e });
        ask
    }

    fn file(&mut self, id: QueryId, e: Entry) {
        match e.phase {
            Phase::Waiting => {
                self.waiting.insert((e.turns, Reverse(e.seq), id));
            }
            Phase::Asking(until) => {
                self.asking.insert((until, id));
            }
            Phase::Resolved | Phase::Exhausted => {}
        }
        self.entries.insert(id, e);
    }

    /// True if a waiting resolve could start asking now.
    pub fn can_admit(&self, config: &Config) -> bool {
        !self.waiting.is_empty() && self.asking.len() < config.background_asking
    }

    /// Gives places to waiting resolves, in order, while there are free places; returns
    /// them (their questions start now).
    pub fn admit(&mut self, now: Instant, config: &Config) -> Vec<QueryId> {
        let mut out = Vec::new();
        while self.asking.len() < config.background_asking {
            let Some((turns, seq, id)) = self.waiting.pop_first() else {
                break;
            };
            let until = now + config.background_turn;
            self.asking.insert((until, id));
            self.entries.insert(
                id,
                Entry {
                    seq: seq.0,
                    turns,
                    phase: Phase::Asking(until),
                },
            );
            self.stats.turns += 1;
            out.push(id);
        }
        out
    }

    /// Ends the turns due by `now`: those resolves wait again, or are exhausted after
    /// their last turn. Returns them (their questions stop now).
    pub fn end_turns(&mut self, now: Instant, config: &Config) -> Vec<QueryId> {
        let mut out = Vec::new();
        while let Some(&(until, id)) = self.asking.first() {
            if until > now {
                break;
            }
            self.asking.pop_first();
            let Some(e) = self.entries.get(&id).copied() else {
                continue;
            };
            let turns = e.turns.saturating_add(1);
            let phase = if turns < config.background_turns {
                Phase::Waiting
            } else {
                Phase::Exhausted
            };
            self.file(id, Entry { turns, phase, ..e });
            self.stats.turns_ended += 1;
            out.push(id);
        }
        out
    }

    /// When the next turn ends.
    pub fn next_timeout(&self) -> Option<Instant> {
        self.asking.first().map(|a| a.0)
    }

    /// The counters, with the current numbers filled in.
    pub fn stats(&self) -> BackgroundStats {
        BackgroundStats {
            resolves: self.entries.len(),
            asking: self.asking.len(),
            waiting: self.waiting.len(),
            ..self.stats
        }
    }
}

/// A token bucket of bytes: [`Config::background_query_rate`] bytes a second, up to
/// [`Config::background_query_burst`].
#[derive(Debug, Default)]
pub(crate) struct Budget {
    /// Bytes available, in millionths of a byte (a microsecond's worth of rate is
    /// then whole).
    tokens: u64,
    /// When `tokens` was last brought up to date; `None` before the first use (the
    /// bucket starts full).
    at: Option<Instant>,
}

/// Millionths of a byte in a byte.
const MICRO: u64 = 1_000_000;

impl Budget {
    /// Spends `cost` bytes at `now` if the bucket holds them; else says how long until
    /// it will.
    pub fn spend(&mut self, now: Instant, cost: u64, config: &Config) -> Result<(), Duration> {
        let rate = u64::from(config.background_query_rate);
        let burst = u64::from(config.background_query_burst).saturating_mul(MICRO);
        self.tokens = match self.at {
            None => burst,
            Some(at) => {
                let gained = now.saturating_duration_since(at).as_micros();
                let gained = u64::try_from(gained).unwrap_or(u64::MAX);
                self.tokens
                    .saturating_add(gained.saturating_mul(rate))
                    .min(burst)
            }
        };
        self.at = Some(now);
        let cost = cost.saturating_mul(MICRO);
        // A question bigger than the whole burst goes once the bucket is full.
        let need = cost.min(burst);
        if self.tokens >= need {
            self.tokens = self.tokens.saturating_sub(cost);
            return Ok(());
        }
        if rate == 0 {
            return Err(Duration::from_secs(3600));
        }
        let micros = (need - self.tokens).div_ceil(rate);
        Err(Duration::from_micros(micros.max(1000)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config() -> Config {
        Config {
            background_asking: 2,
            background_turn: Duration::from_secs(3),
            background_turns: 2,
            background_query_rate: 1000,
            background_query_burst: 2000,
            ..Config::default()
        }
    }

    #[test]
    fn places_go_to_the_newest_with_the_fewest_turns() {
        let c = config();
        let mut b = Background::default();
        for i in 1..=4 {
            b.add(QueryId(i));
        }
        let t0 = Instant::ZERO;
        assert_eq!(b.admit(t0, &c), [QueryId(4), QueryId(3)]);
        assert!(!b.can_admit(&c));
        // A newer one waits behind no one with as few turns.
        b.add(QueryId(5));
        // Turns end: 4 and 3 wait again behind 5, 2 and 1 (fewer turns).
        let t1 = t0 + Duration::from_secs(3);
        assert_eq!(b.end_turns(t1, &c), [QueryId(3), QueryId(4)]);
        assert_eq!(b.admit(t1, &c), [QueryId(5), QueryId(2)]);
        // One resolved frees its place at once, and keeps its questions.
        assert_eq!(b.set_resolved(QueryId(5), true, false), None);
        assert!(b.asks(QueryId(5)));
        assert_eq!(b.rank(QueryId(5)), Some(Rank::Upkeep));
        assert_eq!(b.admit(t1, &c), [QueryId(1)]);
        // First turns of 1 and 2 over; the second turns of 4 and 3 come first (newest).
        let t2 = t1 + Duration::from_secs(3);
        assert_eq!(b.end_turns(t2, &c), [QueryId(1), QueryId(2)]);
        assert_eq!(b.admit(t2, &c), [QueryId(4), QueryId(3)]);
        let t3 = t2 + Duration::from_secs(3);
        assert_eq!(b.end_turns(t3, &c), [QueryId(3), QueryId(4)]);
        assert_eq!(b.admit(t3, &c), [QueryId(2), QueryId(1)]);
        // After their last turn all are exhausted: never admitted again.
        let t4 = t3 + Duration::from_secs(3);
        assert_eq!(b.end_turns(t4, &c), [QueryId(1), QueryId(2)]);
        assert!(b.admit(t4, &c).is_empty());
        // Records arriving unasked still resolve an exhausted one.
        assert_eq!(b.set_resolved(QueryId(3), true, false), Some(Ask::Start));
        // Losing them makes it wait again, turns reset.
        assert_eq!(b.set_resolved(QueryId(3), false, false), Some(Ask::Stop));
        assert_eq!(b.admit(t4, &c), [QueryId(3)]);
        let s = b.stats();
        assert_eq!((s.resolves, s.asking, s.waiting), (5, 1, 0));
    }

    #[test]
    fn the_budget_refills_at_its_rate_up_to_its_burst() {
        let c = config();
        let mut b = Budget::default();
        let t0 = Instant::from_secs(10);
        assert_eq!(b.spend(t0, 1500, &c), Ok(()));
        // 500 left: 600 needs 100 more, 100 ms at 1000 B/s.
        assert_eq!(b.spend(t0, 600, &c), Err(Duration::from_millis(100)));
        assert_eq!(b.spend(t0 + Duration::from_millis(100), 600, &c), Ok(()));
        // Full again after a long pause, but never over the burst.
        let later = t0 + Duration::from_secs(60);
        assert_eq!(b.spend(later, 2000, &c), Ok(()));
        assert!(b.spend(later, 1, &c).is_err());
        // Bigger than the burst: goes once the bucket is full.
        let much_later = later + Duration::from_secs(60);
        assert_eq!(b.spend(much_later, 5000, &c), Ok(()));
    }
}
