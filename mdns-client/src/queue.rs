//! The events waiting for the application, bounded in memory whatever the network
//! does: one queue per subscription, handed out in the order they were queued.
//!
//! Rules (the bounds are in [`Config`](crate::Config)):
//! - A browse keeps at most [`max_queued_browse_events`](crate::Config) events the
//!   application has not taken. Past that its oldest event is dropped, and the count
//!   of what was dropped is handed to it, as one
//!   [`BrowseEvent::EventsDropped`], just before its next event: a host announcing
//!   thousands of instances cannot make a browse's backlog grow without bound, and the
//!   application learns that it missed some (it may browse again to start afresh).
//! - All subscriptions together keep at most [`MAX_QUEUED_EVENTS`]; past that the
//!   oldest event that is not final is dropped (counted in
//!   [`Stats::events_dropped`](crate::Stats), and reported to it if it is a browse's).
//!   A final event (a resolve's answer, a lookup's addresses, a registration's end) is
//!   never dropped: a subscription always learns how it ended.
//!
//! Which events there are and whom they go to is decided in `client` and `route`.

use alloc::collections::{BTreeMap, VecDeque};

use crate::config::MAX_QUEUED_EVENTS;
use crate::event::{BrowseEvent, Event};
use crate::id::SubscriptionId;

/// One subscription's events.
#[derive(Debug, Default)]
struct SubQueue {
    /// Events with their sequence numbers.
    events: VecDeque<(u64, Event)>,
    /// Browse events dropped and not reported yet.
    dropped: u64,
}

/// The queues.
#[derive(Debug, Default)]
pub(crate) struct Queues {
    subs: BTreeMap<SubscriptionId, SubQueue>,
    /// The sequence number of each non-empty queue's first event: the next event to
    /// hand out is the first of these.
    fronts: BTreeMap<u64, SubscriptionId>,
    next_seq: u64,
    len: usize,
}

impl Queues {
    /// Queues `event` for `id`. `browse_bound`: the most events a browse keeps. Returns
    /// how many events were dropped to make room.
    pub fn push(&mut self, id: SubscriptionId, event: Event, browse_bound: usize) -> u64 {
        let mut dropped = 0;
        if matches!(event, Event::Browse(_)) {
            let queued = |s: &Self| s.subs.get(&id).map_or(0, |q| q.events.len());
            while queued(self) >= browse_bound.max(1) {
                if !self.drop_front(id) {
                    break;
                }
                dropped += 1;
            }
        }
        while self.len >= MAX_QUEUED_EVENTS {
            let Some(victim) = self.oldest_droppable() else {
                break;
            };
            self.drop_front(victim);
            dropped += 1;
        }
        let seq = self.next_seq;
        self.next_seq += 1;
        let q = self.subs.entry(id).or_default();
        if q.events.is_empty() {
            self.fronts.insert(seq, id);
        }
        q.events.push_back((seq, event));
        self.len += 1;
        dropped
    }

    /// The subscription whose first event is the oldest one not final.
    fn oldest_droppable(&self) -> Option<SubscriptionId> {
        self.fronts.values().copied().find(|id| {
            self.subs
                .get(id)
                .and_then(|q| q.events.front())
                .is_some_and(|(_, e)| !e.is_final())
        })
    }

    /// Drops the first event of `id` (if there is one and it is not final).
    fn drop_front(&mut self, id: SubscriptionId) -> bool {
        let Some(q) = self.subs.get_mut(&id) else {
            return false;
        };
        if q.events.front().is_none_or(|(_, e)| e.is_final()) {
            return false;
        }
        let Some((seq, e)) = q.events.pop_front() else {
            return false;
        };
        self.fronts.remove(&seq);
        if let Some((next, _)) = q.events.front() {
            self.fronts.insert(*next, id);
        }
        if matches!(e, Event::Browse(_)) {
            q.dropped += 1;
        }
        self.len -= 1;
        true
    }

    /// The next event to hand out: the oldest queued, preceded by a count of the
    /// browse events its subscription lost, if it lost any.
    pub fn pop(&mut self) -> Option<(SubscriptionId, Event)> {
        let (&seq, &id) = self.fronts.first_key_value()?;
        let q = self.subs.get_mut(&id)?;
        if q.dropped > 0 {
            let count = core::mem::take(&mut q.dropped);
            return Some((id, Event::Browse(BrowseEvent::EventsDropped { count })));
        }
        let (_, event) = q.events.pop_front()?;
        self.fronts.remove(&seq);
        match q.events.front() {
            Some((next, _)) => {
                self.fronts.insert(*next, id);
            }
            None => {
                self.subs.remove(&id);
            }
        }
        self.len -= 1;
        Some((id, event))
    }

    /// Forgets every event queued for `id`.
    pub fn remove(&mut self, id: SubscriptionId) {
        if let Some(q) = self.subs.remove(&id) {
            if let Some((seq, _)) = q.events.front() {
                self.fronts.remove(seq);
            }
            self.len -= q.events.len();
        }
    }

    /// How many events are queued.
    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.len
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use mdns_sansio::engine::InterfaceId;
    use mdns_sansio::sd::{InstanceName, ServiceType};

    fn found(i: u32) -> Event {
        Event::Browse(BrowseEvent::Found {
            instance: InstanceName::new(&alloc::format!("I{i}")).unwrap(),
            service_type: ServiceType::new("_http._tcp").unwrap(),
            interface: InterfaceId(i),
        })
    }

    fn sub(n: u64) -> SubscriptionId {
        SubscriptionId(n)
    }

    #[test]
    fn a_browse_keeps_its_newest_events_and_learns_how_many_it_lost() {
        let mut q = Queues::default();
        q.push(sub(2), Event::QueryDone, 4);
        for i in 0..10 {
            q.push(sub(1), found(i), 4);
        }
        q.push(sub(3), Event::QueryDone, 4);
        assert_eq!(q.len(), 6);
        // In queuing order: sub 2 first, then the browse: the notice, then 6..9.
        assert_eq!(q.pop(), Some((sub(2), Event::QueryDone)));
        assert_eq!(
            q.pop(),
            Some((
                sub(1),
                Event::Browse(BrowseEvent::EventsDropped { count: 6 })
            ))
        );
        for i in 6..10 {
            assert_eq!(q.pop(), Some((sub(1), found(i))));
        }
        assert_eq!(q.pop(), Some((sub(3), Event::QueryDone)));
        assert_eq!(q.pop(), None);
        assert_eq!(q.len(), 0);
    }

    #[test]
    fn the_global_bound_never_drops_a_final_event() {
        let mut q = Queues::default();
        q.push(sub(1), Event::QueryDone, usize::MAX);
        for i in 0..MAX_QUEUED_EVENTS as u32 + 10 {
            q.push(sub(2), found(i), usize::MAX);
        }
        assert_eq!(q.len(), MAX_QUEUED_EVENTS);
        assert_eq!(q.pop(), Some((sub(1), Event::QueryDone)));
        assert_eq!(
            q.pop(),
            Some((
                sub(2),
                Event::Browse(BrowseEvent::EventsDropped { count: 11 })
            ))
        );
        assert_eq!(q.pop(), Some((sub(2), found(11))));
        q.remove(sub(2));
        assert_eq!((q.pop(), q.len()), (None, 0));
    }
}
