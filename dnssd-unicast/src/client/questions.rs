//! The answers the client holds: one entry per (name, type) some subscription watches,
//! shared by all of them, with its RRset, when it expires, and when it is asked again.
//!
//! Unicast DNS has no announcements and no goodbyes: what a server said holds for its
//! TTL (RFC 1035 §3.2.1), a negative answer for its SOA's (RFC 2308 §5). The client
//! asks again at 80% of the TTL (plus up to 5% jitter, RFC 6762 §5.2's figures), but
//! never later than `max_poll` nor sooner than `min_refresh`, so that a service added or
//! removed in the zone is seen within `max_poll`. An RRset not refreshed by its expiry
//! is dropped, and what was built on it goes (removed / lost events).

use super::config::ClientConfig;
use super::error::QueryError;
use super::transport::{Attempts, Failure, Outcome, Owner, Request, TxId};
use super::Client;
use crate::wire::query::Answer;
use crate::wire::types::Rcode;
use alloc::vec::Vec;
use core::time::Duration;
use mdns_sansio::wire::{RecordData, Rtype};
use mdns_sansio::{Instant, Name};

/// A (name, type) watched.
pub(crate) type QKey = (Name, Rtype);

/// What the client knows of one (name, type).
#[derive(Debug)]
pub(crate) struct Question {
    /// Subscriptions holding it.
    refs: u32,
    /// The RRset: `None` before the first answer and after it expired.
    pub(crate) rrset: Option<Vec<RecordData>>,
    expires: Option<Instant>,
    /// When to ask again (`None` while a query is in flight).
    refresh_at: Option<Instant>,
    tx: Option<TxId>,
    /// Failed queries in a row.
    failures: u32,
    /// The current failing stretch was reported to the subscriptions.
    pub(crate) reported: bool,
}

impl Client {
    /// Takes a reference on `key`, asking about it if it is new.
    pub(crate) fn acquire(&mut self, now: Instant, key: &QKey) {
        if let Some(q) = self.questions.get_mut(key) {
            q.refs += 1;
            return;
        }
        self.questions.insert(
            key.clone(),
            Question {
                refs: 1,
                rrset: None,
                expires: None,
                refresh_at: Some(now),
                tx: None,
                failures: 0,
                reported: false,
            },
        );
        self.ask(now, key);
    }

    /// Drops a reference on `key`; the last one forgets it.
    pub(crate) fn release(&mut self, key: &QKey) {
        let Some(q) = self.questions.get_mut(key) else {
            return;
        };
        q.refs = q.refs.saturating_sub(1);
        if q.refs == 0 {
            if let Some(tx) = q.tx {
                self.transport.cancel(tx);
            }
            self.questions.remove(key);
        }
    }

    pub(crate) fn rrset(&self, key: &QKey) -> Option<&[RecordData]> {
        self.questions.get(key).and_then(|q| q.rrset.as_deref())
    }

    /// Sends a query for `key`.
    fn ask(&mut self, now: Instant, key: &QKey) {
        let servers = self.config.servers_for(&key.0);
        let signing = self
            .config
            .domain_for(&key.0)
            .filter(|d| d.sign_queries)
            .and_then(|d| d.key.clone());
        let Some(q) = self.questions.get_mut(key) else {
            return;
        };
        if servers.is_empty() {
            q.refresh_at = Some(now + self.config.max_poll);
            self.query_failed(key, QueryError::NoServer);
            return;
        }
        let rounds = self.config.query_rounds.max(1) * servers.len() as u32;
        let unix = self.unix(now);
        let tx = self.transport.start(
            now,
            unix,
            Owner::Question(key.0.clone(), key.1),
            Request::Query {
                name: key.0.clone(),
                rtype: key.1,
            },
            servers,
            signing,
            Attempts {
                report_after: rounds,
                give_up_after: Some(rounds),
            },
        );
        if let Some(q) = self.questions.get_mut(key) {
            q.tx = Some(tx);
            q.refresh_at = None;
        }
    }

    /// Queries due and RRsets expired. True if an RRset changed.
    pub(crate) fn question_timers(&mut self, now: Instant) -> bool {
        let mut changed = false;
        let due: Vec<QKey> = self
            .questions
            .iter()
            .filter(|(_, q)| q.refresh_at.is_some_and(|t| t <= now) && q.tx.is_none())
            .map(|(k, _)| k.clone())
            .collect();
        for k in due {
            self.ask(now, &k);
        }
        for q in self.questions.values_mut() {
            if q.expires.is_some_and(|t| t <= now) {
                q.expires = None;
                if q.rrset.take().is_some_and(|r| !r.is_empty()) {
                    changed = true;
                }
            }
        }
        changed
    }

    pub(crate) fn question_timeout(&self) -> Option<Instant> {
        self.questions
            .values()
            .flat_map(|q| [q.refresh_at.filter(|_| q.tx.is_none()), q.expires])
            .flatten()
            .min()
    }

    /// A query's transaction ended. True if an RRset changed.
    pub(crate) fn query_outcome(&mut self, now: Instant, key: &QKey, outcome: Outcome) -> bool {
        let config: &ClientConfig = &self.config;
        let (max_poll, min_refresh, neg) = (
            config.max_poll,
            config.min_refresh,
            config.default_negative_ttl,
        );
        let jitter_pm = self.rng.below(51); // 0..=5.0% in tenths of a percent
        let Some(q) = self.questions.get_mut(key) else {
            return false;
        };
        match outcome {
            Outcome::Response {
                server, msg, rcode, ..
            } => {
                q.tx = None;
                let answer = match rcode {
                    Rcode::NOERROR | Rcode::NXDOMAIN => Answer::read(&msg, &key.0, key.1).ok(),
                    _ => None,
                };
                let Some(answer) = answer else {
                    self.retry_later(now, key);
                    self.query_failed(key, QueryError::Rcode { server, rcode });
                    return false;
                };
                let ttl = match answer.records.iter().map(|(t, _)| *t).min() {
                    Some(t) => Duration::from_secs(u64::from(t)),
                    None => answer
                        .negative_ttl
                        .map_or(neg, |t| Duration::from_secs(u64::from(t))),
                };
                let mut records: Vec<RecordData> =
                    answer.records.into_iter().map(|(_, d)| d).collect();
                records.sort_by_cached_key(canonical);
                let refresh =
                    (ttl * 4 / 5 + ttl * jitter_pm as u32 / 1000).clamp(min_refresh, max_poll);
                q.expires = Some(now + ttl.max(refresh));
                q.refresh_at = Some(now + refresh);
                q.failures = 0;
                q.reported = false;
                let changed = q.rrset.as_ref() != Some(&records);
                q.rrset = Some(records);
                changed
            }
            Outcome::Failed { failure, final_ } => {
                let error = match failure {
                    Failure::NoResponse { servers, attempts } => {
                        QueryError::NoResponse { servers, attempts }
                    }
                    Failure::Tsig { key, error } => QueryError::Tsig { key, error },
                    Failure::TooLarge => QueryError::NoServer,
                };
                if final_ {
                    q.tx = None;
                    self.retry_later(now, key);
                }
                self.query_failed(key, error);
                false
            }
        }
    }

    /// Schedules the next query of a failing question: 2 s, doubling, up to `max_poll`.
    fn retry_later(&mut self, now: Instant, key: &QKey) {
        let max_poll = self.config.max_poll;
        if let Some(q) = self.questions.get_mut(key) {
            q.failures = q.failures.saturating_add(1);
            let wait = Duration::from_secs(1u64 << q.failures.min(16)).min(max_poll);
            q.refresh_at = Some(now + wait);
        }
    }
}

/// A record's data in a sortable form (for an order that does not depend on the
/// server's).
fn canonical(d: &RecordData) -> Vec<u8> {
    let mut v = Vec::new();
    d.write_canonical(&mut v);
    v
}
